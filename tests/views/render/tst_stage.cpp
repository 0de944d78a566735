// The stage: what StageRenderer draws is what the history says at t (slots filled = queue lengths,
// SYN-ACK retransmissions per request, ghosts, drops, level of detail), hitTest() finds what is drawn,
// frames are deterministic, every theme renders, the same path draws SVG and PDF, the widget paints the
// document at its playhead and reports clicks, and golden images guard the picture itself.
//
// Golden images live in tests/views/golden/. After an intended change of the picture, regenerate them
// with BACKLOG_UPDATE_GOLDEN=1 and look at every one before committing. On a mismatch the rendered
// frame and a difference image are written to the temporary directory (the failure names them).
#include "model/kernel/Simulation.h"
#include "model/scenario/ScenarioReader.h"
#include "tests/common/ViewTest.h"
#include "views/document/SimulationDocument.h"
#include "views/render/Fonts.h"
#include "views/render/StageRenderer.h"
#include "views/render/Theme.h"
#include "views/widgets/StageView.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QFontDatabase>
#include <QImage>
#include <QPainter>
#include <QPdfWriter>
#include <QSignalSpy>
#include <QSvgGenerator>
#include <QTest>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <set>
#include <utility>

using namespace backlog;
using namespace backlog::views;

using backlog::test::colourDistance;

namespace {

std::unique_ptr<Simulation> simulate(const ReadResult& read) {
    for (const ReadError& e : read.errors)
        qWarning("%s", e.text().c_str());
    if (!read.scenario) return nullptr;
    auto sim = std::make_unique<Simulation>(*read.scenario);
    sim->run();
    return sim;
}

std::unique_ptr<Simulation> lesson(const char* file) {
    return simulate(readScenarioFile(std::string(BACKLOG_SOURCE_DIR) + "/lessons/" + file));
}

using backlog::test::kStageFlood;

std::unique_ptr<Simulation> flood() {
    return simulate(readScenarioText(kStageFlood, "flood"));
}

QImage render(const StageRenderer& r, const Simulation& sim, Time t, const Theme& theme,
              QSize size = {1600, 900}, const StageRenderer::Emphasis& emphasis = {}) {
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::magenta); // anything the stage leaves unpainted would show
    QPainter p(&image);
    r.paint(p, QRectF(QPointF(0, 0), QSizeF(size)), sim, t, theme, emphasis);
    p.end();
    return image;
}

// The stage at t as SVG text (1600 × 900): the words it draws, searchable.
QString svgText(const StageRenderer& r, const Simulation& sim, Time t, const Theme& theme) {
    QBuffer svg;
    svg.open(QIODevice::WriteOnly);
    QSvgGenerator gen;
    gen.setOutputDevice(&svg);
    gen.setSize(QSize(1600, 900));
    QPainter p(&gen);
    r.paint(p, QRectF(0, 0, 1600, 900), sim, t, theme);
    p.end();
    return QString::fromUtf8(svg.data());
}

// A point inside a slot that its text never covers: left of the centred label, halfway down.
QPoint probe(const QRectF& slot) {
    return QPointF(slot.left() + slot.width() * 0.08 + 2, slot.center().y()).toPoint();
}

bool filledAt(const QImage& image, const QRectF& slot, const Theme& theme) {
    return colourDistance(image.pixel(probe(slot)), theme.slotEmpty.rgb()) > 30;
}

} // namespace

class TestStage : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void themes();
    void filledSlotsMatchQueueLengths_data();
    void filledSlotsMatchQueueLengths();
    void synQueueCapacityFollowsTheKernelProfile();
    void requestsShowTheirSynAckRetransmissions();
    void ghostsAreMarked();
    void dropsFallWithTheirRule();
    void floodIsDrawnAsStreams();
    void manyClientsAreAggregated();
    void oneClientAmongHundredsIsDrawnApart();
    void onlyWhatExistsAtTIsDrawn();
    void concealedNumbersChangeOnlyTheirPlaces();
    void workerStatesHaveColoursAndWords_data();
    void workerStatesHaveColoursAndWords();
    void workersPanelSaysHowTheyWaitAtT_data();
    void workersPanelSaysHowTheyWaitAtT();
    void hitTestFindsWhatIsDrawn();
    void framesAreDeterministic();
    void everyThemeRenders();
    void svgAndPdfUseTheSamePath();
    void widgetPaintsThePlayheadAndReportsClicks();
    void golden_data();
    void golden();
};

void TestStage::initTestCase() {
    loadBundledFonts();
    const QStringList families = bundledFontFamilies();
    QVERIFY2(families.contains(QStringLiteral("DejaVu Sans")), qPrintable(families.join(QLatin1Char(','))));
    QVERIFY2(families.contains(QStringLiteral("DejaVu Sans Mono")),
             qPrintable(families.join(QLatin1Char(','))));
}

void TestStage::themes() {
    QCOMPARE(Theme::byName(u"dark").name, QStringLiteral("dark"));
    QCOMPARE(Theme::byName(u"Projector").name, QStringLiteral("projector"));
    QCOMPARE(Theme::byName(u"no such theme").name, QStringLiteral("light"));
    QCOMPARE(Theme::names().size(), 3);
    for (const QString& name : Theme::names()) {
        const Theme th = Theme::byName(name);
        // Every packet kind, and a spoofed SYN, has a colour of its own (shape and label come on top).
        std::set<QRgb> colours;
        for (PacketKind k : {PacketKind::Syn, PacketKind::SynAck, PacketKind::Ack, PacketKind::Data,
                             PacketKind::Fin, PacketKind::Rst})
            colours.insert(th.packetColor(k, false).rgb());
        colours.insert(th.packetColor(PacketKind::Syn, true).rgb());
        QCOMPARE(colours.size(), std::size_t{7});
        QVERIFY(colourDistance(th.background.rgb(), th.text.rgb()) > 180);
    }
    QVERIFY(Theme::projector().fontScale > Theme::light().fontScale);
    QVERIFY(Theme::projector().lineScale > Theme::light().lineScale);
}

void TestStage::filledSlotsMatchQueueLengths_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<qint64>("atUs");
    QTest::newRow("sandbox: first SYN-ACK in flight") << "scenarios/sandbox.yaml" << qint64(30'000);
    QTest::newRow("sandbox: accept queue filling") << "scenarios/sandbox.yaml" << qint64(700'000);
    QTest::newRow("sandbox: accept queue full") << "scenarios/sandbox.yaml" << qint64(1'070'000);
    QTest::newRow("sandbox: draining") << "scenarios/sandbox.yaml" << qint64(5'000'000);
    QTest::newRow("e2: SYN queue full, cookies out") << "scenarios/e2-burst.yaml" << qint64(1'000);
    QTest::newRow("e2: accept queue full") << "scenarios/e2-burst.yaml" << qint64(1'600);
    QTest::newRow("e2: SYN-ACK retransmissions") << "scenarios/e2-burst.yaml" << qint64(1'200'000);
    QTest::newRow("e5: four listeners") << "scenarios/e5-reuseport.yaml" << qint64(150'000);
}

void TestStage::filledSlotsMatchQueueLengths() {
    QFETCH(QString, file);
    QFETCH(qint64, atUs);
    const auto sim = lesson(qPrintable(file));
    QVERIFY(sim);
    const Time t = Time::us(atUs);
    const Theme theme = Theme::light();
    StageRenderer r;
    const QImage image = render(r, *sim, t, theme);
    const StageRenderer::Geometry g = r.layout(QRectF(0, 0, 1600, 900), *sim, t);
    QCOMPARE(g.listeners.size(), sim->history().listeners.size());
    for (const StageRenderer::ListenerGeometry& L : g.listeners) {
        const QueueLengths len = sim->history().queueLengthsAt(L.index, t);
        for (const StageRenderer::QueueGeometry* q : {&L.syn, &L.accept}) {
            const bool syn = q->kind == QueueKind::Syn;
            const std::int64_t expected = syn ? len.syn : len.accept;
            QCOMPARE(q->length, expected);
            QCOMPARE(static_cast<std::int64_t>(q->entries.size()), expected);
            QVERIFY2(!q->gauge, "these lessons' queues are drawn slot by slot");
            // backlog + 1 slots (6.18 profile: both queues), the backlog line after `backlog` of them.
            QCOMPARE(q->capacity, L.backlog + 1);
            QCOMPARE(q->limit, L.backlog);
            QCOMPARE(static_cast<std::int64_t>(q->slotRects.size()), q->capacity);
            // The pixels: exactly `length` slots are filled, and they are the first ones (the head).
            std::int64_t filled = 0;
            for (std::size_t s = 0; s < q->slotRects.size(); ++s) {
                const bool f = filledAt(image, q->slotRects[s], theme);
                filled += f ? 1 : 0;
                QCOMPARE(f, static_cast<std::int64_t>(s) < expected);
            }
            QCOMPARE(filled, expected);
            // An established child waits in the accept queue in the accept-entry colour.
            if (!syn && expected > 0)
                QVERIFY(colourDistance(image.pixel(probe(q->slotRects[0])), theme.acceptEntry.rgb()) <= 8);
        }
    }
}

void TestStage::synQueueCapacityFollowsTheKernelProfile() {
    // Q2: the SYN queue holds backlog on 6.12 (before 3479c7549fb1) and backlog + 1 since.
    for (const char* version : {"6.12", "6.18"}) {
        const std::string yaml = std::string("kernel: { version: \"") + version +
                                 "\" }\nserver: { backlog: 4, workers: { count: 0 } }\n"
                                 "traffic: [ { name: c, clients: 3, spacing: 0s } ]\n";
        const auto sim = simulate(readScenarioText(yaml, "profile"));
        QVERIFY(sim);
        StageRenderer r;
        const auto g = r.layout(QRectF(0, 0, 1600, 900), *sim, Time::us(100));
        QCOMPARE(g.listeners.size(), std::size_t{1});
        const bool plusOne = sim->scenario().kernel.profile.synQueueHoldsBacklogPlusOne;
        QCOMPARE(plusOne, std::string(version) == "6.18");
        QCOMPARE(g.listeners[0].syn.capacity, std::int64_t{plusOne ? 5 : 4});
        QCOMPARE(g.listeners[0].accept.capacity, std::int64_t{5});
        QCOMPARE(static_cast<std::int64_t>(g.listeners[0].syn.slotRects.size()), g.listeners[0].syn.capacity);
    }
}

void TestStage::requestsShowTheirSynAckRetransmissions() {
    // The clients' final ACKs are lost for a while: the requests wait in the SYN queue and the server
    // retransmits their SYN-ACKs (T1), so each slot has a count to show.
    const char* yaml = R"(
network:
  rtt: 10ms
  faults: [ { drop: client-acks, from: 0s, to: 20s } ]
server: { backlog: 8, workers: { count: 1 } }
traffic: [ { name: c, clients: 4, spacing: 100ms, send: false } ]
)";
    const auto sim = simulate(readScenarioText(yaml, "retrans"));
    QVERIFY(sim);
    const History& h = sim->history();
    StageRenderer r;
    int seen = 0;
    for (const Time t : {Time::ms(500), Time::ms(1500), Time::ms(3500), Time::ms(7600)}) {
        const auto g = r.layout(QRectF(0, 0, 1600, 900), *sim, t);
        const StageRenderer::QueueGeometry& q = g.listeners.at(0).syn;
        QCOMPARE(q.retransmissions.size(), q.entries.size());
        for (std::size_t k = 0; k < q.entries.size(); ++k) {
            int expected = 0;
            for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
                const Packet p = h.packet(i);
                if (p.kind == PacketKind::SynAck && p.retrans > 0 && p.flow == q.entries[k].flow &&
                    p.sent >= q.entries[k].entered && p.sent <= t)
                    ++expected;
            }
            QCOMPARE(q.retransmissions[k], expected);
            seen = std::max(seen, expected);
        }
    }
    QVERIFY2(seen >= 2, "the scenario should retransmit SYN-ACKs at least twice");
}

void TestStage::ghostsAreMarked() {
    // E2 in small: 3 requests fit the SYN queue, 7 clients get cookies, their ACKs find the accept
    // queue full (K1) and are dropped: 7 clients ESTABLISHED with no socket on the server.
    const char* yaml = R"(
network: { rtt: 1ms }
server: { backlog: 2, workers: { count: 0 } }
traffic: [ { name: burst, clients: 10, spacing: 0s } ]
)";
    const auto sim = simulate(readScenarioText(yaml, "ghosts"));
    QVERIFY(sim);
    const Time t = Time::ms(5);
    StageRenderer r;
    const auto g = r.layout(QRectF(0, 0, 1600, 900), *sim, t);
    QVERIFY(!g.clientsAggregated);
    int ghosts = 0, expected = 0;
    for (const StageRenderer::ClientGeometry& c : g.clients) {
        ghosts += c.ghost ? 1 : 0;
        const bool ghost = sim->history().clientStateAt(c.index, t) == TcpState::Established &&
                           sim->history().serverStateAt(c.index, t) == TcpState::Closed;
        QCOMPARE(c.ghost, ghost);
        expected += ghost ? 1 : 0;
    }
    QCOMPARE(ghosts, expected);
    QCOMPARE(ghosts, 7);
}

void TestStage::dropsFallWithTheirRule() {
    // The sandbox: c7's SYN reaches a full accept queue at about 1.07 s (S2) and falls out there.
    const auto sim = lesson("scenarios/sandbox.yaml");
    QVERIFY(sim);
    StageRenderer r;
    const Time linger = r.dropLinger(*sim);
    QCOMPARE(linger, Time::ms(20)); // one one-way delay of the 40 ms round trip
    const History& h = sim->history();
    std::uint32_t dropped = 0;
    for (std::uint32_t i = 0; i < h.packetCount(); ++i)
        if (h.packet(i).fate == PacketFate::DroppedAcceptQueueFull) {
            dropped = i;
            break;
        }
    const Packet p = h.packet(dropped);
    QCOMPARE(p.fate, PacketFate::DroppedAcceptQueueFull);
    const auto during = r.layout(QRectF(0, 0, 1600, 900), *sim, p.arrives + linger / 2);
    QCOMPARE(during.drops.size(), std::size_t{1});
    QCOMPARE(during.drops[0].fate, PacketFate::DroppedAcceptQueueFull);
    QVERIFY(during.drops[0].atServer);
    bool falling = false;
    for (const auto& pg : during.packets)
        falling = falling || (pg.index == dropped && pg.fall > 0.4 && pg.fall < 0.6);
    QVERIFY(falling);
    const auto after = r.layout(QRectF(0, 0, 1600, 900), *sim, p.arrives + linger + Time::ns(1));
    for (const auto& d : after.drops)
        QVERIFY(d.fate != PacketFate::DroppedAcceptQueueFull);
    // The parameter: longer lingering keeps it on the stage.
    StageRenderer longer;
    longer.setOptions([] {
        StageRenderer::Options o;
        o.dropLinger = Time::ms(200);
        return o;
    }());
    QCOMPARE(longer.layout(QRectF(0, 0, 1600, 900), *sim, p.arrives + Time::ms(100)).drops.size(),
             std::size_t{1});
}

void TestStage::floodIsDrawnAsStreams() {
    const auto sim = flood();
    QVERIFY(sim);
    StageRenderer r;
    const auto g = r.layout(QRectF(0, 0, 1920, 1080), *sim, Time::s(1));
    QVERIFY2(g.packetsInFlight > 1000, qPrintable(QString::number(g.packetsInFlight)));
    QVERIFY(g.streams);
    // Every packet in flight is either counted in a stream or drawn with its label.
    std::int64_t inStreams = 0, oneByOne = 0;
    for (const auto& s : g.packetStreams)
        inStreams += s.count;
    for (const auto& pg : g.packets)
        oneByOne += (pg.fall < 0 && pg.labelled) ? 1 : 0;
    QCOMPARE(inStreams + oneByOne, g.packetsInFlight);
    bool spoofedSyns = false;
    for (const auto& s : g.packetStreams)
        spoofedSyns = spoofedSyns || (s.spoofed && s.kind == PacketKind::Syn && s.count > 1000);
    QVERIFY(spoofedSyns);
    // A sample stays visible, a few dozen, not thousands; small groups (the real clients) in full.
    std::size_t flying = 0;
    for (const auto& pg : g.packets)
        flying += pg.fall < 0 ? 1 : 0;
    QVERIFY2(flying >= 10 && flying <= 200, qPrintable(QString::number(flying)));
    // The sample is a fixed choice: the same packets at the next frame, still moving.
    const auto next = r.layout(QRectF(0, 0, 1920, 1080), *sim, Time::s(1) + Time::us(500));
    std::set<std::uint32_t> before, after;
    for (const auto& pg : g.packets)
        if (pg.fall < 0 && !pg.labelled) before.insert(pg.index);
    for (const auto& pg : next.packets)
        if (pg.fall < 0 && !pg.labelled) after.insert(pg.index);
    std::size_t kept = 0;
    for (std::uint32_t i : before)
        kept += after.count(i);
    QVERIFY2(kept * 2 >= before.size(), "most sampled packets stay sampled from one frame to the next");
    // The quiet lesson is drawn packet by packet.
    const auto quiet = lesson("scenarios/sandbox.yaml");
    QVERIFY(!r.layout(QRectF(0, 0, 1920, 1080), *quiet, Time::ms(30)).streams);
}

void TestStage::manyClientsAreAggregated() {
    StageRenderer r;
    const auto quiet = lesson("scenarios/sandbox.yaml");
    const auto burst = lesson("scenarios/e2-burst.yaml");
    QVERIFY(quiet && burst);
    const auto a = r.layout(QRectF(0, 0, 1600, 900), *quiet, Time::ms(30));
    QVERIFY(!a.clientsAggregated);
    QCOMPARE(a.clients.size(), quiet->history().clients.size());
    const auto b = r.layout(QRectF(0, 0, 1600, 900), *burst, Time::ms(1));
    QVERIFY(b.clientsAggregated);
    QVERIFY(b.clients.empty());
}

// Issue 16: a step that highlights one client among two hundred, their SYNs drawn as a stream: the client
// has a row of its own above the block of the others, every packet of its in flight is drawn (none left to
// a stream's sample), a click on its row finds it, and a zoom on it follows its SYN across the network.
void TestStage::oneClientAmongHundredsIsDrawnApart() {
    // Two hundred clients at once: their two hundred SYNs fly together as one stream (a sample drawn).
    const auto sim =
        simulate(readScenarioText("title: burst\nnetwork: { rtt: 40ms }\nserver: { backlog: 128 }\n"
                                  "traffic:\n  - { clients: 200, spacing: 0s }\nseed: 1\n",
                                  "burst"));
    QVERIFY(sim);
    const History& h = sim->history();
    const std::uint32_t client = 100;
    QVERIFY(h.clients.size() > client);
    const Time t = h.clients[client].connectAt + Time::ms(10); // its SYN is halfway (rtt 40 ms)
    std::vector<std::uint32_t> flying;                         // its packets in flight at t
    for (std::uint32_t i = 0; i < h.packetCount(); ++i)
        if (const Packet p = h.packet(i); p.flow == client && p.sent <= t && p.arrives > t)
            flying.push_back(i);
    QVERIFY(!flying.empty());
    StageRenderer r;
    const QRectF target(0, 0, 1600, 900);
    const auto plain = r.layout(target, *sim, t);
    QVERIFY(plain.clientsAggregated && plain.clients.empty() && plain.streams);
    // Without the step, the client's SYN is in the stream, and not among the packets drawn one by one.
    QVERIFY(std::none_of(plain.packets.begin(), plain.packets.end(),
                         [&](const StageRenderer::PacketGeometry& pg) {
                             return std::find(flying.begin(), flying.end(), pg.index) != flying.end();
                         }));

    const Target one{Target::Kind::Client, static_cast<int>(client), "client 100", {}};
    StageRenderer::Emphasis lit;
    lit.highlight.push_back(one);
    const auto g = r.layout(target, *sim, t, lit);
    QVERIFY(g.clientsAggregated && g.streams);
    QCOMPARE(g.clients.size(), std::size_t{1});
    QCOMPARE(g.clients[0].index, client);
    QVERIFY(g.clients[0].row.bottom() < g.clientsBlock.top());
    QVERIFY(plain.clientsBlock.contains(g.clientsBlock));
    for (std::uint32_t i : flying)
        QVERIFY2(std::any_of(
                     g.packets.begin(), g.packets.end(),
                     [&](const StageRenderer::PacketGeometry& pg) { return pg.index == i && pg.labelled; }),
                 qPrintable(QString::number(i)));
    const auto hit = r.hitTest(g.clients[0].row.center(), target, *sim, t, lit);
    QVERIFY(hit && hit->kind == StageHit::Kind::Client);
    QCOMPARE(hit->client, client);
    // The spotlight takes in the row and the packets.
    const std::vector<QRectF> rects = r.rectsOf(lit.highlight[0], g, *sim);
    QCOMPARE(rects.front(), g.clients[0].row);
    QCOMPARE(rects.size(), 1 + flying.size());

    // Zoomed to it: its row and its SYN in flight are both in the picture, larger than they were.
    StageRenderer::Emphasis zoomed;
    zoomed.zoom = one;
    const auto gz = r.layout(target, *sim, t, zoomed);
    const QTransform zoom = r.zoomTransform(target, gz, *sim, zoomed);
    QVERIFY(zoom.m11() > 1.2);
    QVERIFY(target.contains(zoom.mapRect(gz.clients[0].row)));
    for (const StageRenderer::PacketGeometry& pg : gz.packets)
        if (h.packet(pg.index).flow == client) QVERIFY(target.contains(zoom.mapRect(pg.glyph)));
    // Painted, the frame differs from the plain one where the row is.
    const QImage a = render(r, *sim, t, Theme::light());
    const QImage b = render(r, *sim, t, Theme::light(), {1600, 900}, lit);
    const QRect row = g.clients[0].row.toAlignedRect().adjusted(2, 2, -2, -2);
    int changed = 0;
    for (int y = row.top(); y <= row.bottom(); ++y)
        for (int x = row.left(); x <= row.right(); ++x)
            changed += a.pixel(x, y) != b.pixel(x, y);
    QVERIFY(changed > row.width() * row.height() / 20);
}

// reveal: after-answer (issue 16): the counters strip says it is hidden, each queue's length reads "?"
// and so does the Recv-Q of the listener's `ss -lnt` line (the accept queue's length again); nothing
// else of the frame changes, and the counters and lengths are not among the words drawn.
void TestStage::concealedNumbersChangeOnlyTheirPlaces() {
    const auto sim = lesson("scenarios/e1-never-accept.yaml");
    QVERIFY(sim);
    const Time t = sim->history().end;
    const Theme theme = Theme::light();
    StageRenderer shown;
    StageRenderer concealed;
    StageRenderer::Options o;
    o.numbersConcealed = true;
    concealed.setOptions(o);
    const QImage a = render(shown, *sim, t, theme);
    const QImage b = render(concealed, *sim, t, theme);
    const StageRenderer::Geometry g = shown.layout(QRectF(0, 0, 1600, 900), *sim, t);
    std::vector<StageRenderer::QueueGeometry> queues;
    for (const StageRenderer::ListenerGeometry& l : g.listeners)
        queues.insert(queues.end(), {l.syn, l.accept});
    QVERIFY(!queues.empty());
    QRegion allowed(g.countersStrip.toAlignedRect());
    for (const StageRenderer::ListenerGeometry& l : g.listeners)
        allowed += l.header.toAlignedRect();
    // The clients' block, aggregated, has counts per state; so has each listener's block of workers.
    if (g.clientsAggregated) allowed += g.clientsBlock.toAlignedRect();
    for (const StageRenderer::WorkerGroupGeometry& w : g.workerGroups)
        allowed += w.box.toAlignedRect();
    for (const StageRenderer::QueueGeometry& q : queues) // the label column of each queue's row
        allowed +=
            QRectF(q.frame.left(), q.frame.top(), q.slotsArea.left() - q.frame.left(), q.frame.height())
                .toAlignedRect();
    int changed = 0;
    for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width(); ++x) {
            if (a.pixel(x, y) == b.pixel(x, y)) continue;
            QVERIFY2(allowed.contains(QPoint(x, y)), qPrintable(QStringLiteral("(%1, %2)").arg(x).arg(y)));
            ++changed;
        }
    QVERIFY(changed > 50);
    const QString open = svgText(shown, *sim, t, theme);
    QVERIFY(open.contains(QStringLiteral("TcpExtListenOverflows")));
    StageRenderer concealedSvg;
    concealedSvg.setOptions(o);
    const QString words = svgText(concealedSvg, *sim, t, theme);
    QVERIFY(!words.contains(QStringLiteral("TcpExtListenOverflows")));
    QVERIFY(words.contains(QStringLiteral("hidden until the question is answered")));
    for (const StageRenderer::QueueGeometry& q : queues) {
        const QString length = QStringLiteral("%1 / %2").arg(q.length).arg(q.capacity);
        QVERIFY2(open.contains(length), qPrintable(length));
        QVERIFY2(!words.contains(length), qPrintable(length));
        QVERIFY(words.contains(QStringLiteral("? / %1").arg(q.capacity)));
    }
    // e1 has more clients than rows: their block counts them by state, and those counts are hidden too.
    QVERIFY(g.clientsAggregated);
    QVERIFY(open.contains(QStringLiteral("ESTAB, not accepted")));
    QVERIFY(words.contains(QStringLiteral("ESTAB, not accepted")));
    QCOMPARE(words.count(QStringLiteral("?")) >= 9, true); // 8 client states, 2 queues, Recv-Q
    for (const StageRenderer::ListenerGeometry& l : g.listeners) {
        QVERIFY(open.contains(QStringLiteral("Recv-Q %1 ").arg(l.accept.length)));
        QVERIFY(!words.contains(QStringLiteral("Recv-Q %1 ").arg(l.accept.length)));
        QVERIFY(words.contains(QStringLiteral("Recv-Q ? ")));
    }
}

// Issue 11: workers, listeners and clients that a later change brings (a lesson step's set: or start:)
// are neither drawn nor counted before it.
void TestStage::onlyWhatExistsAtTIsDrawn() {
    ReadResult read = readScenarioText(R"(
server: { backlog: 8, workers: { count: 2 } }
traffic:
  - { name: early, clients: 2, at: 0s, spacing: 100ms, send: true }
  - { name: later, clients: 3, at: 0s, spacing: 10ms, send: true }
  - { name: planned, clients: 1, at: 3s, send: true }
)",
                                       "later");
    QVERIFY(read.scenario);
    read.scenario->traffic[1].held = true; // as a lesson holds it for its step's start:
    auto sim = std::make_unique<Simulation>(*read.scenario);
    sim->run();
    QVERIFY(!sim->changeAt(Time::s(1), "server.workers.count", "6"));
    QVERIFY(!sim->changeAt(Time::s(1), "server.listeners", "2"));
    QVERIFY(!sim->changeAt(Time::s(2), "start-traffic", "later"));
    sim->runUntil(Time::s(5));
    const History& h = sim->history();
    QCOMPARE(h.workers.size(), std::size_t{6});
    QCOMPARE(h.listeners.size(), std::size_t{2});
    QCOMPARE(h.clients.size(), std::size_t{6});

    StageRenderer r;
    const QRectF target(0, 0, 1600, 900);
    const auto stageText = [&](Time t) { return svgText(r, *sim, t, Theme::light()); };
    const auto shown = [](const StageRenderer::Geometry& g) {
        std::vector<std::uint32_t> out;
        for (const auto& c : g.clients)
            out.push_back(c.index);
        return out;
    };
    // Before the changes: two workers, one listener, the clients of `early` and the one `planned` at 3 s
    // (the scenario in force plans it); not those of the held entry.
    const auto before = r.layout(target, *sim, Time::ms(500));
    QCOMPARE(before.workersShown, std::int64_t{2});
    QCOMPARE(before.workers.size(), std::size_t{2});
    QCOMPARE(before.listeners.size(), std::size_t{1});
    std::vector<std::uint32_t> expected;
    for (std::uint32_t c = 0; c < h.clients.size(); ++c)
        if (h.clients[c].traffic != 1) expected.push_back(c);
    QCOMPARE(shown(before), expected);
    QCOMPARE(before.clientsShown, expected);
    const QString early = stageText(Time::ms(500));
    QVERIFY2(early.contains(QStringLiteral("Workers · 2")), "the title counts the workers that exist");
    QVERIFY(early.contains(QStringLiteral("Clients · 3")));
    QVERIFY(!early.contains(QStringLiteral("listener 1")));
    // The step at 1 s: six workers, two listeners (SO_REUSEPORT).
    const auto raised = r.layout(target, *sim, Time::ms(1500));
    QCOMPARE(raised.workersShown, std::int64_t{6});
    QCOMPARE(raised.listeners.size(), std::size_t{2});
    QCOMPARE(shown(raised), expected);
    const QString later = stageText(Time::ms(1500));
    QVERIFY(later.contains(QStringLiteral("Workers · 6")));
    QVERIFY(later.contains(QStringLiteral("listener 1")));
    // The held entry started at 2 s: its clients from then on.
    const auto started = r.layout(target, *sim, Time::ms(2500));
    QCOMPARE(started.clientsShown.size(), h.clients.size());
    QVERIFY(stageText(Time::ms(2500)).contains(QStringLiteral("Clients · 6")));
    // What is not drawn is not hit either.
    for (const auto& w : before.workers)
        QVERIFY(w.index < 2);
}

// Event loops that make a thundering herd (P3, M20): eight loops on one listener, a rush of clients, so
// that each connection wakes every idle loop, most losers sleep again inside epoll_wait() and a few return
// and get EAGAIN.
const char* const kHerd = R"(
network: { rtt: 1ms }
server: { backlog: 64, workers: { count: 8, accept: epoll, service: 5ms } }
traffic: [ { name: rush, clients: 40, spacing: 20us } ]
seed: 3
)";

void TestStage::workerStatesHaveColoursAndWords_data() {
    QTest::addColumn<QString>("theme");
    QTest::addColumn<int>("state");
    QTest::addColumn<QString>("words");
    const std::pair<WorkerState, const char*> states[] = {
        {WorkerState::InEpollWait, "in epoll_wait()"}, {WorkerState::Woken, "woken, not run yet"},
        {WorkerState::Serving, "serving c"},           {WorkerState::SleptAgain, "woken, asleep again"},
        {WorkerState::GotEagain, "accept() → EAGAIN"},
    };
    for (const QString& theme : Theme::names())
        for (const auto& [state, words] : states)
            QTest::newRow(qPrintable(theme + QLatin1Char(' ') + QString::fromUtf8(words)))
                << theme << int(state) << QString::fromUtf8(words);
}

// Each state a worker can be in has its own fill and its own words (DESIGN.md: colour is never the only
// cue): the two futile wake-ups apart (M20), and a woken loop lit up.
void TestStage::workersPanelSaysHowTheyWaitAtT_data() {
    QTest::addColumn<qint64>("ms");
    QTest::addColumn<QString>("subtitle");
    QTest::newRow("before any change") << qint64(500) << "blocking accept()";
    QTest::newRow("event loops") << qint64(1500) << "epoll";
    QTest::newRow("EPOLLEXCLUSIVE, handlers that block")
        << qint64(2500) << "epoll, EPOLLEXCLUSIVE · loop blocks while serving";
    QTest::newRow("a shared fd") << qint64(3500)
                                 << "epoll, one fd shared by threads · loop blocks while serving";
}

// A lesson switches how the workers wait mid-run (lesson 09): the panel says what is in force at t, not
// what the scenario began with.
void TestStage::workersPanelSaysHowTheyWaitAtT() {
    QFETCH(qint64, ms);
    QFETCH(QString, subtitle);
    const auto sim = simulate(readScenarioText(R"(
server: { workers: { count: 2, accept: blocking } }
traffic: [ { name: c, clients: 4, spacing: 1s } ]
events:
  - { at: 1s, set: { server.workers.accept: epoll } }
  - { at: 2s, set: { server.workers.accept: epoll-exclusive, server.workers.event_loop: blocking } }
  - { at: 3s, set: { server.workers.accept: epoll-shared } }
)",
                                               "switch"));
    QVERIFY(sim);
    StageRenderer r;
    const QRectF target(0, 0, 1600, 900);
    QCOMPARE(r.layout(target, *sim, Time::ms(ms)).workersWait, subtitle);
    QVERIFY2(svgText(r, *sim, Time::ms(ms), Theme::light()).contains(subtitle.toHtmlEscaped()),
             qPrintable(subtitle));
}

void TestStage::workerStatesHaveColoursAndWords() {
    QFETCH(QString, theme);
    QFETCH(int, state);
    QFETCH(QString, words);
    const auto sim = simulate(readScenarioText(kHerd, "herd"));
    QVERIFY(sim);
    const History& h = sim->history();
    const auto wanted = static_cast<WorkerState>(state);
    // The first moment some worker enters the state.
    std::uint32_t worker = 0;
    Time t = Time::never();
    for (std::uint32_t w = 0; w < h.workers.size(); ++w)
        for (const WorkerRecord::Change& c : h.workers[w].changes)
            if (c.state == wanted && c.at < t) {
                t = c.at;
                worker = w;
            }
    QVERIFY2(!t.isNever(), "the herd shows every state");
    const Theme th = Theme::byName(theme);
    const QColor fill = wanted == WorkerState::InEpollWait  ? th.workerIdle
                        : wanted == WorkerState::Woken      ? th.workerWoken
                        : wanted == WorkerState::Serving    ? th.workerServing
                        : wanted == WorkerState::SleptAgain ? th.workerWasted
                                                            : th.workerEagain;
    StageRenderer r;
    const QRectF target(0, 0, 1600, 900);
    const auto g = r.layout(target, *sim, t);
    const auto box =
        std::find_if(g.workers.begin(), g.workers.end(),
                     [&](const StageRenderer::WorkerGeometry& wg) { return wg.index == worker; });
    QVERIFY(box != g.workers.end());
    // Right of the left-aligned words, inside the outline.
    const QImage image = render(r, *sim, t, th);
    const QPoint inside = QPointF(box->box.right() - 4, box->box.center().y()).toPoint();
    QVERIFY2(colourDistance(image.pixel(inside), fill.rgb()) <= 2,
             qPrintable(QColor(image.pixel(inside)).name() + QStringLiteral(" instead of ") + fill.name()));
    // The colours of the five states differ from one another in every theme.
    std::set<QRgb> colours{th.workerIdle.rgb(),   th.workerWoken.rgb(),  th.workerServing.rgb(),
                           th.workerWasted.rgb(), th.workerEagain.rgb(), th.workerOff.rgb()};
    QCOMPARE(colours.size(), std::size_t{6});
    const QString text = svgText(r, *sim, t, th);
    QVERIFY2(text.contains(words), qPrintable(words));
    QVERIFY(text.contains(QStringLiteral("epoll")));
}

void TestStage::hitTestFindsWhatIsDrawn() {
    StageRenderer r;
    const QRectF target(0, 0, 1600, 900);
    const auto burst = lesson("scenarios/e2-burst.yaml");
    QVERIFY(burst);
    const Time t = Time::us(1600);
    const auto g = r.layout(target, *burst, t);
    for (const StageRenderer::QueueGeometry* q : {&g.listeners[0].syn, &g.listeners[0].accept}) {
        for (std::size_t s : {std::size_t{0}, std::size_t{17}, q->slotRects.size() - 1}) {
            const auto hit = r.hitTest(q->slotRects[s].center(), target, *burst, t);
            QVERIFY(hit);
            QCOMPARE(hit->kind, StageHit::Kind::QueueSlot);
            QCOMPARE(hit->listener, 0);
            QCOMPARE(hit->queue, q->kind);
            QCOMPARE(hit->slot, static_cast<int>(s));
        }
    }
    const auto listener = r.hitTest(g.listeners[0].header.center(), target, *burst, t);
    QVERIFY(listener && listener->kind == StageHit::Kind::Listener);
    QVERIFY(!r.hitTest(QPointF(-5, -5), target, *burst, t));

    const auto quiet = lesson("scenarios/sandbox.yaml");
    const Time q = Time::ms(1200);
    const auto gq = r.layout(target, *quiet, q);
    QVERIFY(!gq.workers.empty());
    const auto worker = r.hitTest(gq.workers[1].box.center(), target, *quiet, q);
    QVERIFY(worker);
    QCOMPARE(worker->kind, StageHit::Kind::Worker);
    QCOMPARE(worker->worker, gq.workers[1].index);
    const auto client = r.hitTest(gq.clients[3].row.center(), target, *quiet, q);
    QVERIFY(client);
    QCOMPARE(client->kind, StageHit::Kind::Client);
    QCOMPARE(client->client, 3u);
    // A packet, at its glyph (the last drawn is on top).
    const auto withPacket = r.layout(target, *quiet, Time::ms(30));
    QVERIFY(!withPacket.packets.empty());
    const auto packet = r.hitTest(withPacket.packets.back().centre, target, *quiet, Time::ms(30));
    QVERIFY(packet);
    QCOMPARE(packet->kind, StageHit::Kind::Packet);
    QCOMPARE(packet->packet, withPacket.packets.back().index);
}

void TestStage::framesAreDeterministic() {
    const auto sim = lesson("scenarios/e2-burst.yaml");
    const auto big = flood();
    QVERIFY(sim && big);
    for (const Simulation* s : {sim.get(), big.get()}) {
        const Time t = s == sim.get() ? Time::us(1600) : Time::s(1);
        StageRenderer a, b;
        const QImage first = render(a, *s, t, Theme::light());
        // Another renderer, after other frames and another theme (its caches must not leak into the frame).
        render(b, *s, t + Time::us(300), Theme::dark());
        render(b, *s, Time(), Theme::light());
        const QImage second = render(b, *s, t, Theme::light());
        QCOMPARE(first, second);
        QCOMPARE(render(a, *s, t, Theme::light()), first);
    }
}

void TestStage::everyThemeRenders() {
    const auto sim = lesson("scenarios/e2-burst.yaml");
    QVERIFY(sim);
    StageRenderer r;
    QSet<QRgb> previous;
    for (const QString& name : Theme::names()) {
        const Theme theme = Theme::byName(name);
        const QImage image = render(r, *sim, Time::us(1600), theme, {1280, 720});
        QCOMPARE(image.pixel(1, 1), theme.background.rgb());
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 3)
            for (int x = 0; x < image.width(); x += 3)
                colours.insert(image.pixel(x, y));
        QVERIFY2(!colours.contains(qRgb(255, 0, 255)), "every pixel is painted");
        QVERIFY2(colours.size() > 40, qPrintable(name));
        QVERIFY(colours != previous);
        previous = colours;
    }
}

void TestStage::svgAndPdfUseTheSamePath() {
    const auto sim = lesson("scenarios/sandbox.yaml");
    QVERIFY(sim);
    StageRenderer r;
    QBuffer svg;
    svg.open(QIODevice::WriteOnly);
    {
        QSvgGenerator gen;
        gen.setOutputDevice(&svg);
        gen.setSize(QSize(1600, 900));
        gen.setViewBox(QRect(0, 0, 1600, 900));
        QPainter p(&gen);
        r.paint(p, QRectF(0, 0, 1600, 900), *sim, Time::ms(1070), Theme::light());
    }
    const QByteArray text = svg.data();
    QVERIFY(text.startsWith("<?xml"));
    QVERIFY(text.contains("SYN queue"));
    QVERIFY(text.contains("accept queue"));
    QVERIFY(text.contains("Recv-Q 5"));
    QVERIFY(text.contains("DejaVu Sans"));

    QBuffer pdf;
    pdf.open(QIODevice::WriteOnly);
    {
        QPdfWriter writer(&pdf);
        writer.setPageSize(QPageSize(QSizeF(320, 180), QPageSize::Millimeter));
        writer.setPageMargins(QMarginsF(0, 0, 0, 0));
        QPainter p(&writer);
        r.paint(p, QRectF(0, 0, writer.width(), writer.height()), *sim, Time::ms(1070), Theme::projector());
    }
    QVERIFY(pdf.data().startsWith("%PDF"));
    QVERIFY(pdf.data().size() > 10'000);
}

void TestStage::widgetPaintsThePlayheadAndReportsClicks() {
    SimulationDocument doc;
    QVERIFY(doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")).isEmpty());
    StageView view;
    view.setDocument(&doc);
    view.resize(1280, 720);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));

    doc.setPlayhead(Time::ms(1070));
    // The widget draws what the renderer draws into an image of its size.
    const QImage expected =
        render(view.renderer(), doc.simulation(), doc.playhead(), view.theme(), view.size());
    QTRY_COMPARE(view.grab().toImage().convertToFormat(QImage::Format_ARGB32_Premultiplied), expected);

    doc.setPlayhead(Time::ms(30));
    const QImage moved = render(view.renderer(), doc.simulation(), doc.playhead(), view.theme(), view.size());
    QVERIFY(moved != expected);
    QTRY_COMPARE(view.grab().toImage().convertToFormat(QImage::Format_ARGB32_Premultiplied), moved);

    view.setTheme(Theme::dark());
    QTRY_COMPARE(view.grab().toImage().pixel(2, 2), Theme::dark().background.rgb());

    // A click on a slot of the accept queue says which.
    doc.setPlayhead(Time::ms(1070));
    const auto g = view.renderer().layout(QRectF(view.rect()), doc.simulation(), doc.playhead());
    QSignalSpy spy(&view, &StageView::selected);
    QTest::mouseClick(&view, Qt::LeftButton, {}, g.listeners[0].accept.slotRects[2].center().toPoint());
    QCOMPARE(spy.count(), 1);
    const auto hit = spy.at(0).at(0).value<StageHit>();
    QCOMPARE(hit.kind, StageHit::Kind::QueueSlot);
    QCOMPARE(hit.queue, QueueKind::Accept);
    QCOMPARE(hit.slot, 2);
    QVERIFY(view.describe(hit).contains(QStringLiteral("accept queue, slot 3")));
}

void TestStage::golden_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("source"); // a lesson file, or "flood"
    QTest::addColumn<qint64>("atUs");
    QTest::addColumn<QString>("theme");
    QTest::addColumn<QString>("emphasis"); // "zoom TARGET" and/or "highlight TARGET", ';'-separated
    QTest::newRow("quiet handshake") << "quiet-handshake"
                                     << "scenarios/sandbox.yaml" << qint64(30'000) << "light"
                                     << "";
    QTest::newRow("full accept queue, a SYN falls")
        << "full-accept-queue"
        << "scenarios/sandbox.yaml" << qint64(1'075'000) << "projector"
        << "";
    QTest::newRow("burst: cookies, ghosts") << "burst-ghosts"
                                            << "scenarios/e2-burst.yaml" << qint64(1'700) << "light"
                                            << "";
    QTest::newRow("flood, level of detail") << "flood-lod"
                                            << "flood" << qint64(1'000'000) << "dark"
                                            << "";
    // A lesson step's emphasis: the SYN queue and client 2 spotlit, the rest dimmed.
    QTest::newRow("lesson: spotlight") << "spotlight"
                                       << "scenarios/sandbox.yaml" << qint64(30'000) << "light"
                                       << "highlight syn-queue;highlight client 2;highlight SYN";
    // Zoomed to the accept queue of a burst, in the projector theme.
    QTest::newRow("lesson: zoom") << "zoom-accept-queue"
                                  << "scenarios/e2-burst.yaml" << qint64(1'700) << "projector"
                                  << "zoom accept-queue;highlight accept-queue";
}

void TestStage::golden() {
    QFETCH(QString, name);
    QFETCH(QString, source);
    QFETCH(qint64, atUs);
    QFETCH(QString, theme);
    QFETCH(QString, emphasis);
    const auto sim = source == QLatin1String("flood") ? flood() : lesson(qPrintable(source));
    QVERIFY(sim);
    StageRenderer r;
    StageRenderer::Emphasis e;
    for (const QString& part : emphasis.split(QLatin1Char(';'), Qt::SkipEmptyParts)) {
        const QString what = part.section(QLatin1Char(' '), 1);
        Target t;
        t.text = what.toStdString();
        if (what.startsWith(QLatin1String("syn-queue")))
            t.kind = Target::Kind::SynQueue;
        else if (what.startsWith(QLatin1String("accept-queue")))
            t.kind = Target::Kind::AcceptQueue;
        else if (what.startsWith(QLatin1String("client ")))
            t.kind = Target::Kind::Client, t.index = what.section(QLatin1Char(' '), 1).toInt();
        else
            t.kind = Target::Kind::PacketKind, t.index = static_cast<int>(PacketKind::Syn);
        if (part.startsWith(QLatin1String("zoom")))
            e.zoom = t;
        else
            e.highlight.push_back(t);
    }
    const QImage actual = render(r, *sim, Time::us(atUs), Theme::byName(theme), {960, 540}, e)
                              .convertToFormat(QImage::Format_RGB32);
    const QString problem = backlog::test::checkGolden(name, actual);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

QTEST_MAIN(TestStage)
#include "tst_stage.moc"
