// The event log lists what the History holds around the playhead, filters by kind, and a click on a row
// asks to move the playhead to that event.
#include "model/kernel/Simulation.h"
#include "model/scenario/ScenarioReader.h"
#include "tests/common/ViewTest.h"
#include "views/document/SimulationDocument.h"
#include "views/widgets/EventLogView.h"

#include <QHeaderView>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

#include <memory>

using namespace backlog;
using namespace backlog::views;

using backlog::test::runLesson;

class TestEventLog : public QObject {
    Q_OBJECT
  private slots:
    void eventsAroundArePlayheadCentredAndOrdered_data();
    void eventsAroundArePlayheadCentredAndOrdered();
    void filterKeepsOneKind_data();
    void filterKeepsOneKind();
    void dropsNameTheirReason();
    void clickingARowSeeks();
    void aNewRunReachesTheHiddenLog();
};

void TestEventLog::eventsAroundArePlayheadCentredAndOrdered_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<qint64>("atMs");
    QTest::newRow("default, 0 s") << "scenarios/sandbox.yaml" << qint64(0);
    QTest::newRow("default, 1.2 s") << "scenarios/sandbox.yaml" << qint64(1200);
    QTest::newRow("e2 burst, 5 ms") << "scenarios/e2-burst.yaml" << qint64(5);
    QTest::newRow("e4 flood, 1 s") << "scenarios/e4-flood-no-cookies.yaml" << qint64(1000);
}

void TestEventLog::eventsAroundArePlayheadCentredAndOrdered() {
    QFETCH(QString, file);
    QFETCH(qint64, atMs);
    auto sim = runLesson(file.toUtf8().constData());
    QVERIFY(sim);
    const Time t = Time::ms(atMs);
    const std::vector<LogEvent> events = eventsAround(sim->history(), t, LogFilter::All, 100);
    QVERIFY(!events.empty());
    QVERIFY(events.size() <= 200);
    for (std::size_t i = 1; i < events.size(); ++i)
        QVERIFY(events[i - 1].at <= events[i].at);
    // Every event is what the packet record says: its send, or its arrival.
    for (const LogEvent& e : events) {
        const Packet p = sim->history().packet(e.packet);
        QCOMPARE(e.at, e.arrival ? p.arrives : p.sent);
    }
    // Up to 100 at or before t, up to 100 after.
    const auto after =
        std::count_if(events.begin(), events.end(), [&](const LogEvent& e) { return e.at > t; });
    QVERIFY(after <= 100);
    QVERIFY(static_cast<std::ptrdiff_t>(events.size()) - after <= 100);
}

void TestEventLog::filterKeepsOneKind_data() {
    QTest::addColumn<int>("filter");
    QTest::addColumn<int>("kind");
    QTest::newRow("SYN") << int(LogFilter::Syn) << int(PacketKind::Syn);
    QTest::newRow("SYN-ACK") << int(LogFilter::SynAck) << int(PacketKind::SynAck);
    QTest::newRow("ACK") << int(LogFilter::Ack) << int(PacketKind::Ack);
    QTest::newRow("data") << int(LogFilter::Data) << int(PacketKind::Data);
}

void TestEventLog::filterKeepsOneKind() {
    QFETCH(int, filter);
    QFETCH(int, kind);
    auto sim = runLesson("scenarios/sandbox.yaml");
    QVERIFY(sim);
    const std::vector<LogEvent> events =
        eventsAround(sim->history(), Time::s(2), static_cast<LogFilter>(filter));
    QVERIFY(!events.empty());
    for (const LogEvent& e : events)
        QCOMPARE(int(sim->history().packet(e.packet).kind), kind);
}

void TestEventLog::dropsNameTheirReason() {
    // E1: the 130th client's SYNs meet a full accept queue (S2); every drop is listed with its reason.
    auto sim = runLesson("scenarios/e1-never-accept.yaml");
    QVERIFY(sim);
    const std::vector<LogEvent> drops = eventsAround(sim->history(), Time::s(20), LogFilter::Drops);
    QVERIFY(!drops.empty());
    for (const LogEvent& e : drops) {
        QVERIFY(e.arrival);
        const Packet p = sim->history().packet(e.packet);
        QCOMPARE(eventWhat(p, true).contains(QStringLiteral("accept queue full")), true);
    }
    // The retransmissions carry their number.
    const Packet first = sim->history().packet(drops.front().packet);
    QCOMPARE(eventWhat(first, false).startsWith(QStringLiteral("SYN")), true);
}

void TestEventLog::clickingARowSeeks() {
    auto sim = runLesson("scenarios/sandbox.yaml");
    QVERIFY(sim);
    SimulationDocument doc;
    doc.adopt(std::move(sim));
    doc.setPlayhead(Time::s(1));
    EventLogView view;
    view.resize(600, 400);
    view.setDocument(&doc);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy seek(&view, &EventLogView::seekRequested);
    QSignalSpy activated(&view, &EventLogView::packetActivated);
    auto* table = view.findChild<QTableView*>();
    QVERIFY(table);
    QTRY_VERIFY(view.model()->rowCount() > 3);
    const int row = 2;
    table->scrollTo(view.model()->index(row, 0));
    const QRect cell = table->visualRect(view.model()->index(row, 0));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, cell.center());
    const LogEvent expected = view.model()->event(row);
    QTRY_COMPARE(seek.count(), 1);
    QCOMPARE(seek.front().front().value<Time>(), expected.at);
    // The row's packet is announced too: the main window selects its connection in every view.
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.front().front().value<std::uint32_t>(), expected.packet);
}

// The rows are text built from one run: when the document takes another while the log is hidden (a
// lesson opened from the start page, a reload), the rows go at once, and the log shown again lists the
// new run — never rows read from the run that was freed.
void TestEventLog::aNewRunReachesTheHiddenLog() {
    SimulationDocument doc;
    doc.adopt(runLesson("scenarios/e2-burst.yaml"));
    doc.setPlayhead(Time::ms(500));
    EventLogView view;
    view.resize(600, 400);
    view.setDocument(&doc);
    view.show();
    QVERIFY(view.model()->rowCount() > 100);
    view.hide();
    doc.adopt(runLesson("scenarios/sandbox.yaml"));
    QCOMPARE(view.model()->rowCount(), 0);
    doc.setPlayhead(Time::s(1));
    QCOMPARE(view.model()->rowCount(), 0); // hidden: nothing is built
    view.show();
    const std::vector<LogEvent> expected =
        eventsAround(doc.simulation().history(), Time::s(1), LogFilter::All);
    QCOMPARE(view.model()->rowCount(), static_cast<int>(expected.size()));
    for (int row = 0; row < view.model()->rowCount(); ++row) {
        const LogEvent& e = expected[static_cast<std::size_t>(row)];
        const Packet p = doc.simulation().history().packet(e.packet);
        QCOMPARE(view.model()->data(view.model()->index(row, 1), Qt::DisplayRole).toString(),
                 eventWho(doc.simulation(), p));
        QCOMPARE(view.model()->data(view.model()->index(row, 2), Qt::DisplayRole).toString(),
                 eventWhat(p, e.arrival));
    }
    // The document gone: no rows, and nothing read from it.
    view.hide();
    {
        SimulationDocument other;
        other.adopt(runLesson("scenarios/e1-never-accept.yaml"));
        view.setDocument(&other);
        view.show();
        QVERIFY(view.model()->rowCount() > 0);
    }
    QCOMPARE(view.model()->rowCount(), 0);
}

QTEST_MAIN(TestEventLog)
#include "tst_eventlog.moc"
