// The TCP state diagram: the boxes StateDiagramRenderer lights are the states History records for the
// connection at t (client and server), the highlighted edge is the last recorded change, every
// transition any shipped lesson records has an edge to draw, the layout scales with its target without
// boxes or labels running into each other, every theme paints every pixel, the widget follows the
// shared selection and the document's playhead, and golden images guard the picture itself.
//
// Golden images live in tests/views/golden/state-*.png. After an intended change of the picture,
// regenerate them with BACKLOG_UPDATE_GOLDEN=1 and look at every one before committing. On a mismatch
// the rendered frame and a difference image are written to the temporary directory.
#include "model/kernel/Simulation.h"
#include "model/lesson/LessonReader.h"
#include "model/lesson/LessonRun.h"
#include "model/scenario/ScenarioReader.h"
#include "tests/common/ViewTest.h"
#include "views/document/SelectionModel.h"
#include "views/document/SimulationDocument.h"
#include "views/render/Fonts.h"
#include "views/render/StateDiagramRenderer.h"
#include "views/render/Theme.h"
#include "views/widgets/StateDiagramView.h"

#include <QDir>
#include <QImage>
#include <QPainter>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>

using namespace backlog;
using namespace backlog::views;

using Side = StateDiagramRenderer::Side;
using StateKey = StateDiagramRenderer::StateKey;

using backlog::test::colourDistance;

namespace {

// A shipped scenario or lesson, simulated to its end (a lesson: its steps' changes applied, as the app
// and `backlog check` do).
std::unique_ptr<Simulation> lesson(const QString& file) {
    const std::string path = std::string(BACKLOG_SOURCE_DIR) + "/lessons/" + file.toStdString();
    const ReadResult read = readScenarioFile(path);
    if (read.scenario) {
        auto sim = std::make_unique<Simulation>(*read.scenario);
        sim->run();
        return sim;
    }
    const LessonReadResult lessonRead = readLessonFile(path);
    for (const ReadError& e : lessonRead.errors)
        qWarning("%s", e.text().c_str());
    if (!lessonRead.lesson) return nullptr;
    LessonRun run(*lessonRead.lesson);
    return run.takeSimulation();
}

// Runs are shared between rows: simulating a lesson takes longer than checking a row.
const Simulation* cached(const QString& file) {
    static std::map<QString, std::unique_ptr<Simulation>> runs;
    auto it = runs.find(file);
    if (it == runs.end()) it = runs.emplace(file, lesson(file)).first;
    return it->second.get();
}

QImage render(const StateDiagramRenderer& r, const Simulation& sim, Time t, const Theme& theme, QSize size,
              std::optional<std::uint32_t> client) {
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::magenta); // anything the diagram leaves unpainted would show
    QPainter p(&image);
    r.paint(p, QRectF(QPointF(0, 0), QSizeF(size)), sim, t, theme, client);
    p.end();
    return image;
}

// A point of a box its name and its outline never cover: right of the middle, near the top.
QPoint probe(const QRectF& box) {
    return QPointF(box.left() + box.width() * 0.8, box.top() + box.height() * 0.2).toPoint();
}

// "CLOSED (start)" for the client's initial box; the box's name otherwise ("LISTEN" is the server's).
QString boxName(const StateKey& k) {
    if (k.initial && k.state == TcpState::Closed) return QStringLiteral("CLOSED (start)");
    return StateDiagramRenderer::stateName(k.state);
}

QString noteName(StateDiagramRenderer::QueueNote::Kind k) {
    switch (k) {
    case StateDiagramRenderer::QueueNote::Kind::None:
        return QStringLiteral("none");
    case StateDiagramRenderer::QueueNote::Kind::SynQueue:
        return QStringLiteral("syn");
    case StateDiagramRenderer::QueueNote::Kind::AcceptQueue:
        return QStringLiteral("accept");
    case StateDiagramRenderer::QueueNote::Kind::Accepted:
        return QStringLiteral("accepted");
    }
    return {};
}

} // namespace

class TestStateDiagram : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void formatAt();
    void litStatesFollowTheHistory_data();
    void litStatesFollowTheHistory();
    void everyRecordedTransitionHasAnEdge();
    void layoutScalesWithoutCollisions_data();
    void layoutScalesWithoutCollisions();
    void withoutAClientNothingIsLit();
    void everyThemePaintsEveryPixel();
    void viewFollowsSelectionAndPlayhead();
    void clickingAStateSeeksToItsEntry();
    void golden_data();
    void golden();
};

void TestStateDiagram::initTestCase() {
    loadBundledFonts();
    QVERIFY(bundledFontFamilies().contains(QStringLiteral("DejaVu Sans")));
}

void TestStateDiagram::formatAt() {
    QCOMPARE(StateDiagramRenderer::formatAt(Time::ms(40)), QStringLiteral("0.040 s"));
    QCOMPARE(StateDiagramRenderer::formatAt(Time::ms(1034)), QStringLiteral("1.034 s"));
    QCOMPARE(StateDiagramRenderer::formatAt(Time::us(2'080'010)), QStringLiteral("2.080010 s"));
    QCOMPARE(StateDiagramRenderer::formatAt(Time::s(1) + Time::ns(1)), QStringLiteral("1.000000001 s"));
    QCOMPARE(StateDiagramRenderer::formatAt(Time()), QStringLiteral("0.000 s"));
}

void TestStateDiagram::litStatesFollowTheHistory_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<uint>("client");
    QTest::addColumn<qint64>("atUs");
    QTest::addColumn<QString>("clientBox"); // the box expected lit (also checked against History below)
    QTest::addColumn<QString>("serverBox");
    QTest::addColumn<QString>("queue"); // none, syn, accept, accepted
    QTest::addColumn<bool>("ghost");
    const auto row = [](const char* name, const char* file, uint client, qint64 atUs, const char* clientBox,
                        const char* serverBox, const char* queue, bool ghost) {
        QTest::newRow(name) << QString::fromUtf8(file) << client << atUs << QString::fromUtf8(clientBox)
                            << QString::fromUtf8(serverBox) << QString::fromUtf8(queue) << ghost;
    };
    // The sandbox: ordinary handshakes (rtt 40 ms); the server closes first after its service time.
    const char* d = "scenarios/sandbox.yaml";
    row("sandbox: before connect()", d, 2, 100'000, "CLOSED (start)", "LISTEN", "none", false);
    row("sandbox: SYN in flight", d, 0, 10'000, "SYN-SENT", "LISTEN", "none", false);
    row("sandbox: SYN-ACK in flight", d, 0, 30'000, "SYN-SENT", "SYN-RECV", "syn", false);
    row("sandbox: final ACK in flight", d, 0, 50'000, "ESTABLISHED", "SYN-RECV", "syn", false);
    row("sandbox: in the accept queue", d, 0, 60'005, "ESTABLISHED", "ESTABLISHED", "accept", false);
    row("sandbox: accepted", d, 0, 70'000, "ESTABLISHED", "ESTABLISHED", "accepted", false);
    row("sandbox: server closed first", d, 0, 2'070'000, "ESTABLISHED", "FIN-WAIT-1", "accepted", false);
    row("sandbox: CLOSE-WAIT for no time", d, 0, 2'090'000, "LAST-ACK", "FIN-WAIT-1", "accepted", false);
    row("sandbox: TIME-WAIT", d, 0, 2'110'000, "LAST-ACK", "TIME-WAIT", "accepted", false);
    row("sandbox: client closed", d, 0, 3'000'000, "CLOSED", "TIME-WAIT", "accepted", false);
    row("sandbox: both closed", d, 0, 63'000'000, "CLOSED", "CLOSED", "accepted", false);
    // e2: a burst; clients from 129 on got SYN cookies, and their ACKs found the accept queue full.
    const char* e2 = "scenarios/e2-burst.yaml";
    row("e2: queued child", e2, 0, 1'700, "ESTABLISHED", "ESTABLISHED", "accept", false);
    row("e2: ghost", e2, 150, 1'700, "ESTABLISHED", "LISTEN", "none", true);
    row("e2: ghost reset", e2, 150, 108'000'000, "CLOSED", "LISTEN", "none", false);
    // e3: tcp_abort_on_overflow; the cookie leftovers are still dropped silently, then reset (K2).
    const char* e3 = "scenarios/e3-abort-on-overflow.yaml";
    row("e3: at the reset", e3, 129, 107'349'000, "CLOSED", "LISTEN", "none", false);
    row("e3: last queued child", e3, 128, 50'000'000, "ESTABLISHED", "ESTABLISHED", "accept", false);
    // 11: data, FINs and RSTs before accept(): the child changes state inside the accept queue (D3, D4).
    const char* l11 = "11-data-before-accept.yaml";
    row("11: FIN before accept (D3)", l11, 3, 1'635'000, "FIN-WAIT-1", "CLOSE-WAIT", "accept", false);
    row("11: FIN-WAIT-2", l11, 3, 1'650'000, "FIN-WAIT-2", "CLOSE-WAIT", "accept", false);
    row("11: LAST-ACK after accept", l11, 3, 7'005'000, "FIN-WAIT-2", "LAST-ACK", "accepted", false);
    row("11: data / RST", l11, 3, 7'015'000, "CLOSED", "LAST-ACK", "accepted", false);
    row("11: both closed", l11, 3, 7'030'000, "CLOSED", "CLOSED", "accepted", false);
    row("11: reset child still queued (D4)", l11, 5, 2'700'000, "CLOSED", "CLOSED", "accept", false);
    row("11: reset child accepted", l11, 5, 7'600'000, "CLOSED", "CLOSED", "accepted", false);
}

void TestStateDiagram::litStatesFollowTheHistory() {
    QFETCH(QString, file);
    QFETCH(uint, client);
    QFETCH(qint64, atUs);
    QFETCH(QString, clientBox);
    QFETCH(QString, serverBox);
    QFETCH(QString, queue);
    QFETCH(bool, ghost);
    const Simulation* sim = cached(file);
    QVERIFY(sim);
    const History& h = sim->history();
    QVERIFY(client < h.clients.size());
    const Time t = Time::us(atUs);
    const StateDiagramRenderer r;

    // The lit states are the model's.
    const StateDiagramRenderer::LitStates lit = r.litStates(*sim, t, client);
    QCOMPARE(lit.client, h.clientStateAt(client, t));
    QCOMPARE(lit.server, h.serverStateAt(client, t));
    QCOMPARE(boxName(lit.clientBox), clientBox);
    QCOMPARE(boxName(lit.serverBox), serverBox);
    QCOMPARE(lit.clientBox.side, Side::Client);
    QCOMPARE(lit.serverBox.side, Side::Server);
    // An initial box exactly while the socket has no recorded change.
    const ClientRecord& rec = h.clients[client];
    QCOMPARE(lit.clientBox.initial, rec.states.empty() || rec.states.front().first > t);
    QCOMPARE(lit.serverBox.initial, rec.serverStates.empty() || rec.serverStates.front().first > t);
    QCOMPARE(noteName(r.queueNote(*sim, t, client).kind), queue);
    QCOMPARE(r.isGhost(*sim, t, client), ghost);

    // The last transition is the record's last change at or before t, and has an edge to highlight.
    const StateDiagramRenderer::Geometry g = r.layout(QRectF(0, 0, 960, 540));
    for (Side side : {Side::Client, Side::Server}) {
        const auto& changes = side == Side::Client ? rec.states : rec.serverStates;
        std::size_t n = 0;
        while (n < changes.size() && changes[n].first <= t)
            ++n;
        const std::optional<StateDiagramRenderer::Transition> last = r.lastTransition(*sim, t, client, side);
        const std::vector<StateDiagramRenderer::Transition> all = r.transitions(*sim, t, client, side);
        QCOMPARE(all.size(), n);
        QCOMPARE(last.has_value(), n > 0);
        if (!last) continue;
        QCOMPARE(*last, all.back());
        QCOMPARE(last->at, changes[n - 1].first);
        QCOMPARE(last->to, changes[n - 1].second);
        QCOMPARE(last->from, n > 1 ? changes[n - 2].second : TcpState::Closed);
        QCOMPARE(last->toKey(), side == Side::Client ? lit.clientBox : lit.serverBox);
        QVERIFY2(g.edge(last->fromKey(), last->toKey()),
                 qPrintable(boxName(last->fromKey()) + QStringLiteral(" → ") + boxName(last->toKey())));
    }

    // The pixels: the lit boxes are filled with the theme's colour, and no other box is.
    for (const QString& name : Theme::names()) {
        const Theme theme = Theme::byName(name);
        const QImage image = render(r, *sim, t, theme, {960, 540}, client);
        for (const StateDiagramRenderer::MachineGeometry* m : {&g.client, &g.server}) {
            for (const StateDiagramRenderer::StateGeometry& s : m->states) {
                const bool isLit = s.key == lit.clientBox || s.key == lit.serverBox;
                const QRgb expected = isLit ? theme.synEntry.rgb() : theme.listenerFill.rgb();
                QVERIFY2(colourDistance(image.pixel(probe(s.rect)), expected) <= 8,
                         qPrintable(name + QLatin1Char(' ') + boxName(s.key) + (isLit ? " lit" : " unlit")));
            }
        }
        // The last transition's arrowhead is drawn in the highlight's colour (no label hides it).
        for (Side side : {Side::Client, Side::Server}) {
            const auto last = r.lastTransition(*sim, t, client, side);
            if (!last) continue;
            const StateDiagramRenderer::EdgeGeometry* e = g.edge(last->fromKey(), last->toKey());
            const QPointF tip = e->path.back();
            const QPointF before = e->path[e->path.size() - 2];
            const QPointF dir = (tip - before) / std::hypot(tip.x() - before.x(), tip.y() - before.y());
            // Back from the tip, clear of the lit box's thick outline: in the arrowhead or the shaft.
            const QPointF at =
                tip - dir * std::min(16.0, std::hypot(tip.x() - before.x(), tip.y() - before.y()) / 2);
            int best = 255;
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx)
                    best = std::min(best, colourDistance(image.pixel(at.toPoint() + QPoint(dx, dy)),
                                                         theme.spotlight.rgb()));
            QVERIFY2(best <= 40, qPrintable(name + QStringLiteral(": the highlighted arrow")));
        }
    }
}

void TestStateDiagram::everyRecordedTransitionHasAnEdge() {
    // Every change of state any shipped lesson records, on either side, is drawn as an edge (and every
    // state it reaches as a box): the diagram is the model's, not the textbook's.
    const StateDiagramRenderer r;
    const StateDiagramRenderer::Geometry g = r.layout(QRectF(0, 0, 960, 540));
    // The lessons, and the scenarios in lessons/scenarios/ but the benchmark.
    QStringList files = QDir(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons"))
                            .entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name);
    for (const QString& name : QDir(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios"))
                                   .entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name)
                                   .filter(QRegularExpression(QStringLiteral("^(?!flood-bench)"))))
        files << QStringLiteral("scenarios/") + name;
    QVERIFY(files.size() >= 15);
    std::map<QString, int> seen;
    for (const QString& file : files) {
        const Simulation* sim = cached(file);
        QVERIFY2(sim, qPrintable(file));
        const History& h = sim->history();
        for (std::uint32_t c = 0; c < h.clients.size(); ++c) {
            for (Side side : {Side::Client, Side::Server}) {
                for (const StateDiagramRenderer::Transition& tr :
                     r.transitions(*sim, Time::never(), c, side)) {
                    const QString name =
                        QStringLiteral("%1 %2 → %3")
                            .arg(side == Side::Client ? QStringLiteral("client") : QStringLiteral("server"),
                                 boxName(tr.fromKey()), boxName(tr.toKey()));
                    if (seen[name]++ > 0) continue;
                    QVERIFY2(g.state(tr.fromKey()) && g.state(tr.toKey()),
                             qPrintable(file + QStringLiteral(": ") + name));
                    QVERIFY2(g.edge(tr.fromKey(), tr.toKey()),
                             qPrintable(file + QStringLiteral(" client %1: no edge for ").arg(c) + name));
                }
            }
        }
    }
    // The lessons do reach both closes and the resets (so the loop above checked them).
    for (const char* expected :
         {"client SYN-SENT → ESTABLISHED", "server SYN-RECV → ESTABLISHED", "client ESTABLISHED → CLOSE-WAIT",
          "client ESTABLISHED → FIN-WAIT-1", "server ESTABLISHED → CLOSE-WAIT",
          "server ESTABLISHED → FIN-WAIT-1", "server TIME-WAIT → CLOSED", "client ESTABLISHED → CLOSED",
          "server SYN-RECV → CLOSED", "client SYN-SENT → CLOSED"})
        QVERIFY2(seen.count(QString::fromUtf8(expected)), expected);
}

void TestStateDiagram::layoutScalesWithoutCollisions_data() {
    QTest::addColumn<QSize>("size");
    QTest::newRow("a dock, 400 × 300") << QSize(400, 300);
    QTest::newRow("the widget's size hint, 640 × 360") << QSize(640, 360);
    QTest::newRow("the golden images, 960 × 540") << QSize(960, 540);
    QTest::newRow("an exported frame, 1920 × 1080") << QSize(1920, 1080);
}

void TestStateDiagram::layoutScalesWithoutCollisions() {
    QFETCH(QSize, size);
    const StateDiagramRenderer r;
    const QRectF target(QPointF(10, 20), QSizeF(size)); // not at the origin: export draws into a page
    const StateDiagramRenderer::Geometry g = r.layout(target);
    QVERIFY(!g.client.frame.intersects(g.server.frame));
    QVERIFY(g.client.frame.right() < g.server.frame.left());
    for (const StateDiagramRenderer::MachineGeometry* m : {&g.client, &g.server}) {
        QVERIFY(target.contains(m->frame));
        QVERIFY(m->frame.contains(m->title) && m->frame.contains(m->status) && m->frame.contains(m->caption));
        QVERIFY(m->title.bottom() <= m->diagram.top() + 1e-9 &&
                m->diagram.bottom() <= m->caption.top() + 1e-9);
        QCOMPARE(m->states.size(), m->side == Side::Client ? std::size_t{9} : std::size_t{8});
        for (std::size_t i = 0; i < m->states.size(); ++i) {
            const auto& s = m->states[i];
            QCOMPARE(s.key.side, m->side);
            QVERIFY2(m->diagram.contains(s.rect), qPrintable(s.name));
            for (std::size_t j = i + 1; j < m->states.size(); ++j)
                QVERIFY2(!s.rect.intersects(m->states[j].rect),
                         qPrintable(s.name + QLatin1Char('/') + m->states[j].name));
        }
        for (std::size_t i = 0; i < m->edges.size(); ++i) {
            const auto& e = m->edges[i];
            const QString what = boxName(e.from) + QStringLiteral(" → ") + boxName(e.to);
            QVERIFY2(g.state(e.from) && g.state(e.to), qPrintable(what));
            QVERIFY2(!e.label.isEmpty() && !e.labelRect.isEmpty(), qPrintable(what));
            QVERIFY2(m->diagram.contains(e.labelRect), qPrintable(what));
            for (const QPointF& point : e.path)
                QVERIFY2(m->diagram.adjusted(-1e-9, -1e-9, 1e-9, 1e-9).contains(point), qPrintable(what));
            // The arrow runs from its source box's border to its target's.
            const QRectF from = g.state(e.from)->rect.adjusted(-1e-6, -1e-6, 1e-6, 1e-6);
            const QRectF to = g.state(e.to)->rect.adjusted(-1e-6, -1e-6, 1e-6, 1e-6);
            QVERIFY2(from.contains(e.path.front()) && to.contains(e.path.back()), qPrintable(what));
            // Labels never run into a box, nor into each other.
            for (const auto& s : m->states)
                QVERIFY2(!e.labelRect.intersects(s.rect), qPrintable(what + QStringLiteral(" / ") + s.name));
            for (std::size_t j = i + 1; j < m->edges.size(); ++j)
                QVERIFY2(!e.labelRect.intersects(m->edges[j].labelRect),
                         qPrintable(what + QStringLiteral(" / ") + boxName(m->edges[j].from) +
                                    QStringLiteral(" → ") + boxName(m->edges[j].to)));
        }
    }
    // Geometry scales with the target: twice the size, the same picture twice as large — except that
    // the rows for the titles and the caption keep a legible height in a small dock (textUnit).
    const StateDiagramRenderer::Geometry twice = r.layout(QRectF(QPointF(20, 40), QSizeF(size * 2)));
    const bool proportional = g.textUnit == g.unit;
    QCOMPARE(proportional, size.width() >= 960);
    for (std::size_t i = 0; i < g.server.states.size(); ++i) {
        const QRectF a = g.server.states[i].rect;
        const QRectF b = twice.server.states[i].rect;
        QVERIFY(std::abs(b.left() - 2 * a.left()) < 1e-6 && std::abs(b.width() - 2 * a.width()) < 1e-6);
        if (proportional)
            QVERIFY(std::abs(b.top() - 2 * a.top()) < 1e-6 && std::abs(b.height() - 2 * a.height()) < 1e-6);
    }
}

void TestStateDiagram::withoutAClientNothingIsLit() {
    const Simulation* sim = cached(QStringLiteral("scenarios/sandbox.yaml"));
    QVERIFY(sim);
    const StateDiagramRenderer r;
    const Theme theme = Theme::light();
    const Time t = Time::ms(30);
    const QImage none = render(r, *sim, t, theme, {960, 540}, std::nullopt);
    const StateDiagramRenderer::Geometry g = r.layout(QRectF(0, 0, 960, 540));
    for (const auto* m : {&g.client, &g.server})
        for (const auto& s : m->states)
            QVERIFY(colourDistance(none.pixel(probe(s.rect)), theme.listenerFill.rgb()) <= 8);
    // A client the run does not have is no client; a real one changes the picture.
    QCOMPARE(render(r, *sim, t, theme, {960, 540}, 1'000'000u), none);
    QVERIFY(render(r, *sim, t, theme, {960, 540}, 0u) != none);
    QVERIFY(!r.lastTransition(*sim, t, 1'000'000u, Side::Client));
    QCOMPARE(r.queueNote(*sim, t, 1'000'000u).kind, StateDiagramRenderer::QueueNote::Kind::None);
}

void TestStateDiagram::everyThemePaintsEveryPixel() {
    const Simulation* sim = cached(QStringLiteral("11-data-before-accept.yaml"));
    QVERIFY(sim);
    const StateDiagramRenderer r;
    for (const QString& name : Theme::names()) {
        for (const QSize size : {QSize(400, 300), QSize(1920, 1080)}) {
            for (const std::optional<std::uint32_t> client :
                 {std::optional<std::uint32_t>(), std::optional<std::uint32_t>(3)}) {
                const QImage image = render(r, *sim, Time::ms(1635), Theme::byName(name), size, client);
                bool magenta = false;
                for (int y = 0; y < image.height() && !magenta; y += 3)
                    for (int x = 0; x < image.width() && !magenta; x += 3)
                        magenta = image.pixel(x, y) == QColor(Qt::magenta).rgb();
                QVERIFY2(!magenta, qPrintable(name));
                QCOMPARE(image.pixel(1, 1), Theme::byName(name).background.rgb());
            }
        }
    }
}

void TestStateDiagram::viewFollowsSelectionAndPlayhead() {
    SimulationDocument doc;
    QVERIFY(doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")).isEmpty());
    SelectionModel selection;
    StateDiagramView view;
    QCOMPARE(view.sizeHint(), QSize(640, 360));
    view.setDocument(&doc);
    view.setSelectionModel(&selection);
    view.resize(640, 360);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const auto grabbed = [&view] { return view.grab().toImage().convertToFormat(QImage::Format_RGB32); };
    const auto expected = [&](std::optional<std::uint32_t> client) {
        return render(view.renderer(), doc.simulation(), doc.playhead(), view.theme(), view.size(), client)
            .convertToFormat(QImage::Format_RGB32);
    };

    // Nothing selected: the unlit machines with the hint.
    doc.setPlayhead(Time::ms(30));
    QVERIFY(!view.connection());
    QTRY_COMPARE(grabbed(), expected(std::nullopt));

    // A click on client 2 elsewhere (the stage) selects its connection here too.
    selection.select({Selection::Kind::Client, 2}, 2u);
    QCOMPARE(view.connection(), std::optional<std::uint32_t>(2u));
    QTRY_COMPARE(grabbed(), expected(2u));

    // The playhead moves: the diagram follows (client 2 connects at 0.3 s).
    doc.setPlayhead(Time::ms(330));
    const QImage moved = expected(2u);
    QVERIFY(moved != expected(std::nullopt));
    QTRY_COMPARE(grabbed(), moved);

    // A packet's selection carries its connection; Ctrl+click adds one: the first is followed.
    selection.select({Selection::Kind::Packet, 0}, 0u);
    selection.toggleConnection(2u);
    QCOMPARE(view.connection(), std::optional<std::uint32_t>(0u));
    QTRY_COMPARE(grabbed(), expected(0u));

    view.setTheme(Theme::projector());
    QTRY_COMPARE(grabbed(), expected(0u));

    selection.clear();
    QVERIFY(!view.connection());
    QTRY_COMPARE(grabbed(), expected(std::nullopt));
}

void TestStateDiagram::golden_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("file");
    QTest::addColumn<uint>("client");
    QTest::addColumn<qint64>("atUs");
    QTest::addColumn<QString>("theme");
    const auto row = [](const char* what, const char* name, const char* file, uint client, qint64 atUs,
                        const char* theme) {
        QTest::newRow(what) << QString::fromUtf8(name) << QString::fromUtf8(file) << client << atUs
                            << QString::fromUtf8(theme);
    };
    // Client 0's SYN-ACK on its way: SYN-SENT against SYN-RECV, the request in the SYN queue.
    row("handshake mid-way", "state-handshake", "scenarios/sandbox.yaml", 0, 30'000, "light");
    // A cookie client whose ACK found the accept queue full: ESTABLISHED against no socket at all.
    row("ghost", "state-ghost", "scenarios/e2-burst.yaml", 150, 1'700, "projector");
}

void TestStateDiagram::golden() {
    QFETCH(QString, name);
    QFETCH(QString, file);
    QFETCH(uint, client);
    QFETCH(qint64, atUs);
    QFETCH(QString, theme);
    const Simulation* sim = cached(file);
    QVERIFY(sim);
    const StateDiagramRenderer r;
    const QImage actual = render(r, *sim, Time::us(atUs), Theme::byName(theme), {960, 540}, client)
                              .convertToFormat(QImage::Format_RGB32);
    const QString problem = backlog::test::checkGolden(name, actual);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

// A click on a state the connection went through moves the playhead to when it entered it.
void TestStateDiagram::clickingAStateSeeksToItsEntry() {
    SimulationDocument doc;
    QVERIFY(doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")).isEmpty());
    SelectionModel selection;
    StateDiagramView view;
    view.setDocument(&doc);
    view.setSelectionModel(&selection);
    view.resize(960, 540);
    selection.select({Selection::Kind::Client, 2}, 2u);
    doc.setPlayhead(doc.end());
    QSignalSpy seek(&view, &StateDiagramView::seekRequested);
    const auto g = view.renderer().layout(QRectF(view.rect()));
    const auto* established = g.state({StateDiagramRenderer::Side::Client, TcpState::Established, false});
    QVERIFY(established);
    QTest::mouseClick(&view, Qt::LeftButton, {}, established->rect.center().toPoint());
    QCOMPARE(seek.count(), 1);
    QCOMPARE(seek.front().front().value<Time>(), doc.simulation().history().clients[2].connectedAt);
    // The server's SYN-RECV: when the SYN arrived and the request socket was made.
    const auto* synRecv = g.state({StateDiagramRenderer::Side::Server, TcpState::SynRecv, false});
    QVERIFY(synRecv);
    QTest::mouseClick(&view, Qt::LeftButton, {}, synRecv->rect.center().toPoint());
    QCOMPARE(seek.count(), 2);
    QCOMPARE(seek.back().front().value<Time>(),
             doc.simulation().history().clients[2].serverStates.front().first);
}

QTEST_MAIN(TestStateDiagram)
#include "tst_statediagram.moc"
