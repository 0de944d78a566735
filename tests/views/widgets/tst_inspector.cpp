// The inspector describes the selected element at the playhead and follows it as time moves.
#include "model/kernel/Simulation.h"
#include "model/scenario/ScenarioReader.h"
#include "tests/common/ViewTest.h"
#include "views/document/SimulationDocument.h"
#include "views/widgets/InspectorView.h"

#include <QTest>

#include <algorithm>
#include <memory>

using namespace backlog;
using namespace backlog::views;
using backlog::test::runLesson;

class TestInspector : public QObject {
    Q_OBJECT
  private slots:
    void describesAtThePlayhead_data();
    void describesAtThePlayhead();
    void followsTheSelectionAsTimeMoves();
    void aNewRunReachesTheHiddenInspector();
    void marksGhostConnections();
    void handshakeSequenceNumbersFit();
    void workerCountsAtThePlayhead_data();
    void workerCountsAtThePlayhead();
    void clientNamesTheWorkerThatAcceptedIt();
};

void TestInspector::describesAtThePlayhead_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("index");
    QTest::addColumn<qint64>("atMs");
    QTest::addColumn<QStringList>("expected");
    // E1: the 130th client (index 129) finds the accept queue full and retransmits its SYN (T6).
    QTest::newRow("e1 client 129 at 5 s")
        << "scenarios/e1-never-accept.yaml" << int(Selection::Kind::Client) << 129 << qint64(5000)
        << QStringList{"SYN-SENT", "Next SYN in", "not yet"};
    QTest::newRow("e1 client 129 at 140 s")
        << "scenarios/e1-never-accept.yaml" << int(Selection::Kind::Client) << 129 << qint64(140000)
        << QStringList{"ETIMEDOUT"};
    QTest::newRow("e1 listener full")
        << "scenarios/e1-never-accept.yaml" << int(Selection::Kind::Listener) << 0 << qint64(5000)
        << QStringList{"129 of 129", "Backlog (Send-Q)", "ESTAB"};
    QTest::newRow("default worker") << "scenarios/sandbox.yaml" << int(Selection::Kind::Worker) << 0
                                    << qint64(1000) << QStringList{"serving", "Accepted so far"};
}

void TestInspector::describesAtThePlayhead() {
    QFETCH(QString, file);
    QFETCH(int, kind);
    QFETCH(int, index);
    QFETCH(qint64, atMs);
    QFETCH(QStringList, expected);
    auto sim = runLesson(file.toUtf8().constData());
    QVERIFY(sim);
    const QString html = describeSelection(
        *sim, {static_cast<Selection::Kind>(kind), static_cast<std::uint32_t>(index)}, Time::ms(atMs));
    for (const QString& e : expected)
        QVERIFY2(html.contains(e), qPrintable(e + QStringLiteral(" not in ") + html));
}

void TestInspector::followsTheSelectionAsTimeMoves() {
    auto sim = runLesson("scenarios/e1-never-accept.yaml");
    QVERIFY(sim);
    // A dropped SYN of client 129: in flight just after it left, then its fate.
    std::uint32_t dropped = 0;
    for (std::uint32_t i = 0; i < sim->history().packetCount(); ++i)
        if (sim->history().packet(i).fate == PacketFate::DroppedAcceptQueueFull) {
            dropped = i;
            break;
        }
    const Packet p = sim->history().packet(dropped);
    SimulationDocument doc;
    doc.adopt(std::move(sim));
    InspectorView view;
    view.setDocument(&doc);
    view.show();
    view.setSelection({Selection::Kind::Packet, dropped});
    doc.setPlayhead(p.sent + (p.arrives - p.sent) / 2);
    QVERIFY(view.html().contains(QStringLiteral("in flight")));
    doc.setPlayhead(p.arrives);
    QVERIFY(view.html().contains(QStringLiteral("accept queue full")));
}

// Hidden, the inspector builds nothing; a new run empties it at once and forgets the selection (it named
// something of the old run); shown again, it describes the new run at its playhead.
void TestInspector::aNewRunReachesTheHiddenInspector() {
    SimulationDocument doc;
    doc.adopt(runLesson("scenarios/e1-never-accept.yaml"));
    InspectorView view;
    view.setDocument(&doc);
    view.show();
    view.setSelection({Selection::Kind::Client, 3});
    doc.setPlayhead(Time::ms(100));
    QVERIFY(view.html().contains(QStringLiteral("Client 3")));
    view.hide();
    doc.adopt(runLesson("scenarios/e2-burst.yaml"));
    QVERIFY(!view.html().contains(QStringLiteral("Client 3")));
    QCOMPARE(view.selection().kind, Selection::Kind::None);
    view.setSelection({Selection::Kind::Client, 7}); // a step that selects a client while the dock is hidden
    doc.setPlayhead(Time::ms(500));
    QVERIFY(!view.html().contains(QStringLiteral("Client 7")));
    view.show();
    QVERIFY(view.html().contains(QStringLiteral("Client 7")));
}

void TestInspector::marksGhostConnections() {
    // E2 with idle clients: cookie ACKs that meet the full queue leave clients connected with no server
    // socket (M9).
    auto sim = runLesson("scenarios/e2-burst.yaml", {"traffic.burst.send=false"});
    QVERIFY(sim);
    const History& h = sim->history();
    int ghosts = 0;
    for (std::uint32_t c = 0; c < h.clients.size(); ++c)
        if (describeSelection(*sim, {Selection::Kind::Client, c}, h.end).contains(QStringLiteral("Ghost")))
            ++ghosts;
    QCOMPARE(ghosts, 71);
}

void TestInspector::handshakeSequenceNumbersFit() {
    auto sim = runLesson("scenarios/sandbox.yaml");
    QVERIFY(sim);
    // The SYN-ACK acknowledges the client's ISN + 1; the ACK acknowledges the server's ISN + 1.
    const std::uint32_t c = clientIsn(*sim, 0);
    const std::uint32_t s = serverIsn(*sim, 0);
    QVERIFY(c != s);
    for (std::uint32_t i = 0; i < sim->history().packetCount(); ++i) {
        const Packet p = sim->history().packet(i);
        if (p.flow != 0 || p.kind != PacketKind::SynAck) continue;
        const QString html = describeSelection(*sim, {Selection::Kind::Packet, i}, p.sent);
        QVERIFY(html.contains(QStringLiteral("seq %1 ack %2").arg(s).arg(c + 1)));
        break;
    }
}

namespace {
// The sandbox's clients with four event loops instead of two blocking workers: each connection wakes every
// idle loop (P3), the losers' wake-ups are futile (M20).
std::unique_ptr<Simulation> herd() {
    return runLesson("scenarios/sandbox.yaml", {"server.workers.count=4", "server.workers.accept=epoll"});
}

std::int64_t until(const std::vector<Time>& v, Time t) {
    return std::count_if(v.begin(), v.end(), [t](Time x) { return x <= t; });
}
} // namespace

void TestInspector::workerCountsAtThePlayhead_data() {
    QTest::addColumn<int>("worker");
    QTest::addColumn<qint64>("atMs");
    for (int w : {0, 3})
        for (qint64 ms : {0, 100, 700, 2500, 6000})
            QTest::addRow("worker %d at %lld ms", w, static_cast<long long>(ms)) << w << ms;
}

// A worker's counts at the playhead, brute-force counted from its record: accepted, wake-ups, futile
// ones and of those EAGAIN; the inspector follows the playhead.
void TestInspector::workerCountsAtThePlayhead() {
    QFETCH(int, worker);
    QFETCH(qint64, atMs);
    auto sim = herd();
    QVERIFY(sim);
    const Time t = Time::ms(atMs);
    const WorkerRecord& r = sim->history().workers[static_cast<std::size_t>(worker)];
    const std::int64_t accepted = until(r.accepts, t), wakeups = until(r.wakeups, t),
                       futile = until(r.futile, t), eagain = until(r.eagain, t);
    QVERIFY(futile <= wakeups && eagain <= futile);
    const QString futileText = QStringLiteral("%1, of which EAGAIN %2, asleep again %3")
                                   .arg(futile)
                                   .arg(eagain)
                                   .arg(futile - eagain);
    const Selection selected{Selection::Kind::Worker, static_cast<std::uint32_t>(worker)};
    const QString html = describeSelection(*sim, selected, t);
    const auto cell = [](const char* name, const QString& value) {
        return QStringLiteral("<b>%1</b></td><td>%2</td>").arg(QLatin1String(name), value);
    };
    QVERIFY2(html.contains(cell("Accepted so far", QString::number(accepted))), qPrintable(html));
    QVERIFY2(html.contains(cell("Wake-ups", QString::number(wakeups))), qPrintable(html));
    QVERIFY2(html.contains(cell("Futile wake-ups", futileText)), qPrintable(html));
    // The last client it accepted, when there is one: the client whose record names this worker and
    // was accepted last up to t.
    std::int64_t last = -1;
    const History& h = sim->history();
    for (std::uint32_t c = 0; c < h.clients.size(); ++c)
        if (h.clients[c].worker == worker && h.clients[c].acceptedAt <= t &&
            (last < 0 || h.clients[c].acceptedAt >= h.clients[static_cast<std::size_t>(last)].acceptedAt))
            last = c;
    if (accepted > 0) {
        QVERIFY(last >= 0);
        QVERIFY2(html.contains(QStringLiteral("client %1 at ").arg(last)), qPrintable(html));
    } else {
        QVERIFY(!html.contains(QStringLiteral("Last accepted")));
    }
    // The dock shows the same, and follows the playhead.
    SimulationDocument doc;
    doc.adopt(std::move(sim));
    InspectorView view;
    view.setDocument(&doc);
    view.show();
    view.setSelection(selected);
    doc.setPlayhead(t);
    QTRY_VERIFY2(view.html().contains(futileText), qPrintable(view.html()));
}

void TestInspector::clientNamesTheWorkerThatAcceptedIt() {
    auto sim = herd();
    QVERIFY(sim);
    const History& h = sim->history();
    int accepted = 0;
    for (std::uint32_t c = 0; c < h.clients.size(); ++c) {
        const ClientRecord& r = h.clients[c];
        if (r.acceptedAt.isNever()) continue;
        ++accepted;
        QVERIFY(r.worker >= 0);
        const QString by = QStringLiteral("<b>Accepted by</b></td><td>worker %1</td>").arg(r.worker);
        QVERIFY(describeSelection(*sim, {Selection::Kind::Client, c}, r.acceptedAt).contains(by));
        // Not before its accept().
        QVERIFY(!describeSelection(*sim, {Selection::Kind::Client, c}, r.acceptedAt - Time::ns(1))
                     .contains(QStringLiteral("Accepted by")));
    }
    QVERIFY(accepted >= 6);
}

QTEST_MAIN(TestInspector)
#include "tst_inspector.moc"
