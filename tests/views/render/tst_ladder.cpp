// The ladder diagram: every segment of the selected connections is an arrow from its sending to its
// arrival (or to the ✕ of its drop, naming the rule), the server line carries the stays in the queues
// and with a worker as the history recorded them, a click seeks to the time under it, the view follows
// the shared selection, and golden images guard the picture.
#include "tests/common/ViewTest.h"
#include "views/document/SelectionModel.h"
#include "views/document/SimulationDocument.h"
#include "views/render/LadderRenderer.h"
#include "views/widgets/LadderView.h"

#include <QDir>
#include <QImage>
#include <QPainter>
#include <QSignalSpy>
#include <QTest>

using namespace backlog;
using namespace backlog::views;
using backlog::test::runLesson;

namespace {

QImage render(const LadderRenderer& r, const Simulation& sim, Time t, const Theme& theme,
              const std::vector<std::uint32_t>& clients, QSize size) {
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::magenta);
    QPainter p(&image);
    r.paint(p, QRectF(QPointF(0, 0), QSizeF(size)), sim, t, theme, clients);
    p.end();
    return image.convertToFormat(QImage::Format_RGB32);
}

} // namespace

class TestLadder : public QObject {
    Q_OBJECT
  private slots:
    void arrowsAreTheConnectionsSegments_data();
    void arrowsAreTheConnectionsSegments();
    void barsAreTheStays();
    void rowsAndClicksMapToTime();
    void viewFollowsTheSelection();
    void golden_data();
    void golden();
};

void TestLadder::arrowsAreTheConnectionsSegments_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("client");
    QTest::newRow("a plain handshake and request") << "scenarios/sandbox.yaml" << 2;
    QTest::newRow("SYNs dropped at a full accept queue, retransmitted")
        << "scenarios/e1-never-accept.yaml" << 129;
    QTest::newRow("a cookie ACK meeting a full queue (ghost)") << "scenarios/e2-burst.yaml" << 150;
    QTest::newRow("tcp_abort_on_overflow: an RST") << "scenarios/e3-abort-on-overflow.yaml" << 5;
}

void TestLadder::arrowsAreTheConnectionsSegments() {
    QFETCH(QString, file);
    QFETCH(int, client);
    const auto sim = runLesson(qPrintable(file));
    QVERIFY(sim);
    const History& h = sim->history();
    QVERIFY(static_cast<std::size_t>(client) < h.clients.size());
    LadderRenderer r;
    const auto c = static_cast<std::uint32_t>(client);
    const auto g = r.layout(QRectF(0, 0, 900, 700), *sim, h.end, {c});
    std::vector<std::uint32_t> expected;
    for (std::uint32_t i = 0; i < h.packetCount(); ++i)
        if (h.packet(i).flow == c) expected.push_back(i);
    QCOMPARE(g.arrows.size(), expected.size());
    int drops = 0;
    for (std::size_t k = 0; k < expected.size(); ++k) {
        const auto& a = g.arrows[k];
        const Packet p = h.packet(expected[k]);
        QCOMPARE(a.packet, expected[k]);
        // Direction: from the client line to the server's, or back; time runs downwards.
        QCOMPARE(a.from.x() < a.to.x(), p.toServer);
        QVERIFY(a.to.y() >= a.from.y());
        QVERIFY(a.label.startsWith(QString::fromUtf8(packetKindName(p.kind).data())));
        QCOMPARE(a.label.contains(QLatin1Char('#')), p.retrans > 0);
        const bool dropped = p.fate != PacketFate::Delivered && p.fate != PacketFate::InFlight;
        QCOMPARE(!a.fate.isEmpty(), dropped);
        if (dropped) QCOMPARE(a.fate, QString::fromUtf8(packetFateName(p.fate).data()));
        drops += dropped;
        QVERIFY(!a.future); // everything was sent by the end
    }
    if (file.startsWith(QLatin1String("scenarios/e1"))) QVERIFY(drops > 0);
}

void TestLadder::barsAreTheStays() {
    const auto sim = runLesson("scenarios/sandbox.yaml");
    QVERIFY(sim);
    const History& h = sim->history();
    const std::uint32_t c = 2;
    LadderRenderer r;
    const auto g = r.layout(QRectF(0, 0, 900, 2000), *sim, h.end, {c});
    int syn = 0, accept = 0, worker = 0;
    for (const auto& b : g.bars) {
        syn += b.kind == LadderRenderer::Bar::Kind::SynQueue;
        accept += b.kind == LadderRenderer::Bar::Kind::AcceptQueue;
        worker += b.kind == LadderRenderer::Bar::Kind::Worker;
        QVERIFY(b.rect.height() > 0);
    }
    // One stay in each queue and one worker, as the history has them.
    int synStays = 0, acceptStays = 0;
    for (int q = 0; q < 2; ++q)
        for (std::uint32_t s = 0; s < h.queues[0][static_cast<std::size_t>(q)].size(); ++s)
            if (h.queues[0][static_cast<std::size_t>(q)].entry(s).flow == c)
                (q == 0 ? synStays : acceptStays)++;
    QCOMPARE(syn, synStays);
    QCOMPARE(accept, acceptStays);
    QCOMPARE(worker, 1);
    QVERIFY(syn == 1 && accept == 1);
}

void TestLadder::rowsAndClicksMapToTime() {
    const auto sim = runLesson("scenarios/e1-never-accept.yaml");
    QVERIFY(sim);
    LadderRenderer r;
    const Time t = Time::s(4);
    const auto g = r.layout(QRectF(0, 0, 900, 600), *sim, t, {129});
    QVERIFY(g.rows.size() > 4);
    for (std::size_t k = 1; k < g.rows.size(); ++k)
        QVERIFY(g.rows[k].y > g.rows[k - 1].y);
    for (const auto& row : g.rows)
        QCOMPARE(r.timeAt(row.y, g), row.at);
    // The playhead is scrolled into view and maps back to its own time (to within a nanosecond).
    QVERIFY(g.playheadY > g.header.bottom() && g.playheadY < 600);
    QVERIFY(std::abs((r.timeAt(g.playheadY, g) - t).count()) <= 1);
    // Arrows sent after the playhead are drawn as the future.
    bool future = false;
    for (const auto& a : g.arrows)
        future = future || a.future;
    QVERIFY(future);
}

void TestLadder::viewFollowsTheSelection() {
    SimulationDocument doc;
    QVERIFY(doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")).isEmpty());
    SelectionModel selection;
    LadderView view;
    view.setDocument(&doc);
    view.setSelectionModel(&selection);
    view.resize(800, 600);
    view.show();
    QVERIFY(view.connections().empty());
    selection.select({Selection::Kind::Client, 3}, 3u);
    QCOMPARE(view.connections(), std::vector<std::uint32_t>{3});
    selection.toggleConnection(5);
    QCOMPARE(view.connections(), (std::vector<std::uint32_t>{3, 5}));
    // A click below the header seeks to the time of that height.
    doc.setPlayhead(Time::ms(500));
    QSignalSpy seek(&view, &LadderView::seekRequested);
    const auto g =
        view.renderer().layout(QRectF(view.rect()), doc.simulation(), doc.playhead(), view.connections());
    QVERIFY(g.rows.size() > 3);
    const auto& row = g.rows[2];
    QTest::mouseClick(&view, Qt::LeftButton, {}, QPoint(400, static_cast<int>(std::lround(row.y))));
    QCOMPARE(seek.count(), 1);
    const Time at = seek.first().first().value<Time>();
    QVERIFY2(std::abs((at - row.at).count()) < 200'000,
             qPrintable(QString::fromStdString(formatDuration(at))));
}

void TestLadder::golden_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("file");
    QTest::addColumn<qint64>("atUs");
    QTest::addColumn<QString>("theme");
    QTest::addColumn<QString>("clients");
    QTest::newRow("handshake and service") << "ladder-handshake"
                                           << "scenarios/sandbox.yaml" << qint64(400'000) << "light"
                                           << "2";
    QTest::newRow("retransmitted SYNs, two connections")
        << "ladder-retransmissions"
        << "scenarios/e1-never-accept.yaml" << qint64(4'000'000) << "projector"
        << "128 129";
}

void TestLadder::golden() {
    QFETCH(QString, name);
    QFETCH(QString, file);
    QFETCH(qint64, atUs);
    QFETCH(QString, theme);
    QFETCH(QString, clients);
    const auto sim = runLesson(qPrintable(file));
    QVERIFY(sim);
    std::vector<std::uint32_t> selected;
    for (const QString& c : clients.split(QLatin1Char(' ')))
        selected.push_back(c.toUInt());
    LadderRenderer r;
    const QImage actual = render(r, *sim, Time::us(atUs), Theme::byName(theme), selected, {960, 540});
    const QString problem = backlog::test::checkGolden(name, actual);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

QTEST_MAIN(TestLadder)
#include "tst_ladder.moc"
