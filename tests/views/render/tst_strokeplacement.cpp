// Where the lecturer's strokes land (StrokePlacement.h): a stroke is anchored to the part of the stage it
// was drawn over, so that a ring round a queue in a 4:3 window rings that queue on a 16:9 projector and
// in an export of any size, where the plain stretch of the stage would miss it; on the target it was
// drawn on it stays exactly where the pen went; an arrow from part to part follows both ends; on two
// runs compared a stroke stays on its side whichever way the sides are arranged; a part
// the stage does not have falls back to the stretch; the eraser reaches a stroke where it is seen.
#include "tests/common/ViewTest.h"
#include "views/document/AnnotationStore.h"
#include "views/render/Fonts.h"
#include "views/render/StrokePlacement.h"
#include "views/render/Theme.h"

#include <QImage>
#include <QPainter>
#include <QTest>

#include <cmath>
#include <numbers>

using namespace backlog;
using namespace backlog::views;

Q_DECLARE_METATYPE(backlog::views::StagePart)

namespace {

constexpr double kRoom = 12; // pixels between a part and the ring drawn round it

QRectF partRect(const StageRenderer::Geometry& g, StagePart part, int listener) {
    for (const StagePartRect& r : stagePartsOf(g))
        if (r.part == part && r.listener == listener) return r.rect;
    return {};
}

// A ring round `r`, `kRoom` pixels outside it, as a pen draws one: points of the target, in layout
// units by the plain stretch (what the pen keeps until it lifts).
Stroke ringRound(const QRectF& r, const StrokePlacement& where) {
    Stroke s;
    s.moment = {0, Time()};
    s.colour = Theme::penColours().front();
    const QRectF ring = r.adjusted(-kRoom, -kRoom, kRoom, kRoom);
    for (int k = 0; k <= 48; ++k) {
        const double a = 2 * std::numbers::pi * k / 48;
        const QPointF at(ring.center().x() + ring.width() / 2 * std::cos(a),
                         ring.center().y() + ring.height() / 2 * std::sin(a));
        s.points.push_back(where.toLayout(at));
    }
    return s;
}

QRectF boundsOf(const std::vector<QPointF>& points) {
    double left = points.front().x(), right = left, top = points.front().y(), bottom = top;
    for (const QPointF& p : points) {
        left = std::min(left, p.x());
        right = std::max(right, p.x());
        top = std::min(top, p.y());
        bottom = std::max(bottom, p.y());
    }
    return QRectF(QPointF(left, top), QPointF(right, bottom));
}

bool holds(const QRectF& outer, const QRectF& inner) {
    return inner.left() >= outer.left() && inner.right() <= outer.right() && inner.top() >= outer.top() &&
           inner.bottom() <= outer.bottom();
}

QString describe(const QRectF& r) {
    return QStringLiteral("(%1, %2 %3×%4)").arg(r.x()).arg(r.y()).arg(r.width()).arg(r.height());
}

} // namespace

class TestStrokePlacement : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void aRingFollowsThePartItWasDrawnRound_data();
    void aRingFollowsThePartItWasDrawnRound();
    void aStrokeStaysWhereItWasDrawn_data();
    void aStrokeStaysWhereItWasDrawn();
    void anArrowFollowsBothEnds();
    void aPartTheStageLacksFallsBackToTheStretch();
    void withoutPartsAStrokeIsStretched();
    void aRingOnAComparisonStaysOnItsSide();
    void theEraserReachesAStrokeWhereItIsSeen();
    void theFramePaintedLendsItsLayout();

  private:
    std::unique_ptr<Simulation> sim_;
    std::unique_ptr<Simulation> shards_;
    StageRenderer renderer_;
};

void TestStrokePlacement::initTestCase() {
    loadBundledFonts();
    sim_ = test::runLesson("scenarios/e1-never-accept.yaml");
    shards_ = test::runLesson("scenarios/e5-reuseport.yaml");
    QVERIFY(sim_ && shards_);
}

// Drawn on one shape of stage, shown on another: the ring still holds the part, with about the room it
// was drawn with. The plain stretch is shown to miss it (or the row would test nothing).
void TestStrokePlacement::aRingFollowsThePartItWasDrawnRound_data() {
    QTest::addColumn<QSize>("drawnOn");
    QTest::addColumn<QSize>("shownOn");
    QTest::addColumn<StagePart>("part");
    QTest::addColumn<bool>("stretchMisses");
    QTest::newRow("accept queue, 4:3 window → 16:9 projector")
        << QSize(1024, 768) << QSize(1920, 1080) << StagePart::AcceptQueue << true;
    QTest::newRow("SYN queue, 4:3 window → 16:9 projector")
        << QSize(1024, 768) << QSize(1920, 1080) << StagePart::SynQueue << true;
    QTest::newRow("accept queue, 16:9 projector → tall docked stage")
        << QSize(1920, 1080) << QSize(900, 1000) << StagePart::AcceptQueue << true;
    QTest::newRow("counters, wide strip → 4K export")
        << QSize(2400, 700) << QSize(3840, 2160) << StagePart::Counters << true;
    QTest::newRow("accept queue, 16:9 → 16:9 four times larger")
        << QSize(960, 540) << QSize(3840, 2160) << StagePart::AcceptQueue << false;
}

void TestStrokePlacement::aRingFollowsThePartItWasDrawnRound() {
    QFETCH(QSize, drawnOn);
    QFETCH(QSize, shownOn);
    QFETCH(StagePart, part);
    QFETCH(bool, stretchMisses);
    const Time t = sim_->history().end / 2;
    const QRectF a(QPointF(0, 0), QSizeF(drawnOn)), b(QPointF(0, 0), QSizeF(shownOn));
    const StageRenderer::Geometry ga = renderer_.layout(a, *sim_, t), gb = renderer_.layout(b, *sim_, t);
    const StrokePlacement onA(a, {}, stagePartsOf(ga)), onB(b, {}, stagePartsOf(gb));
    const int listener = stagePartHasListener(part) ? 0 : -1;
    const QRectF partA = partRect(ga, part, listener), partB = partRect(gb, part, listener);
    QVERIFY(!partA.isEmpty() && !partB.isEmpty());

    Stroke ring = ringRound(partA, onA);
    const Stroke stretched = ring;
    onA.anchor(ring);
    QCOMPARE(ring.anchor.part, part);
    QCOMPARE(ring.anchor.listener, listener);
    QCOMPARE(ring.endAnchor, ring.anchor);

    // Shown on B: round B's part, about as far from it as drawn (the room scales with the part).
    const QRectF shown = boundsOf(onB.place(ring));
    const double scale = std::max(partB.width() / partA.width(), partB.height() / partA.height());
    QVERIFY2(holds(shown, partB),
             qPrintable(describe(shown) + QStringLiteral(" does not hold ") + describe(partB)));
    const double far = kRoom * scale + 2;
    QVERIFY2(holds(partB.adjusted(-far, -far, far, far), shown),
             qPrintable(describe(shown) + QStringLiteral(" strays beyond ") + describe(partB)));

    // What the plain stretch would have done.
    const QRectF naive = boundsOf(onB.place(stretched));
    QCOMPARE(!holds(naive, partB) || !holds(partB.adjusted(-far, -far, far, far), naive), stretchMisses);
}

// On the target it was drawn on, anchoring moves no point (zoomed or not, one part or two).
void TestStrokePlacement::aStrokeStaysWhereItWasDrawn_data() {
    QTest::addColumn<bool>("zoomed");
    QTest::addColumn<bool>("arrow");
    QTest::newRow("a ring") << false << false;
    QTest::newRow("a ring, zoomed") << true << false;
    QTest::newRow("an arrow") << false << true;
    QTest::newRow("an arrow, zoomed") << true << true;
}

void TestStrokePlacement::aStrokeStaysWhereItWasDrawn() {
    QFETCH(bool, zoomed);
    QFETCH(bool, arrow);
    const QRectF target(10, 20, 1100, 800);
    const Time t = sim_->history().end / 3;
    StageRenderer::Emphasis emphasis;
    if (zoomed) emphasis.zoom = Target{Target::Kind::AcceptQueue, 0, "listener 0 accept queue", {}};
    const StrokePlacement where = StrokePlacement::of(renderer_, target, *sim_, t, emphasis);
    QCOMPARE(where.zoom().isIdentity(), !zoomed);
    const StageRenderer::Geometry g = renderer_.layout(target, *sim_, t, emphasis);
    Stroke s;
    s.moment = {0, Time()};
    if (arrow) {
        // From the clients to the accept queue: what the pen went through, in pixels of the widget.
        const QPointF from = where.zoom().map(g.clientsPanel.center());
        const QPointF to = where.zoom().map(partRect(g, StagePart::AcceptQueue, 0).center());
        for (int k = 0; k <= 20; ++k)
            s.points.push_back(
                where.toLayout(from + (to - from) * (k / 20.0) + QPointF(0, 30 * std::sin(k / 3.0))));
    } else {
        s = ringRound(partRect(g, StagePart::AcceptQueue, 0), StrokePlacement(target));
    }
    const std::vector<QPointF> before = where.place(s);
    where.anchor(s);
    QVERIFY(s.anchor.part != StagePart::Stage);
    QCOMPARE(s.anchor != s.endAnchor, arrow);
    const std::vector<QPointF> after = where.place(s);
    QCOMPARE(after.size(), before.size());
    for (std::size_t k = 0; k < after.size(); ++k)
        QVERIFY2(std::hypot(after[k].x() - before[k].x(), after[k].y() - before[k].y()) < 1e-6,
                 qPrintable(QStringLiteral("point %1 moved").arg(k)));
}

// An arrow from the clients to the accept queue: its tail stays on the clients and its head on the
// queue, at the same place of each, on a stage of another shape.
void TestStrokePlacement::anArrowFollowsBothEnds() {
    const Time t = sim_->history().end / 2;
    const QRectF a(0, 0, 1024, 768), b(0, 0, 1920, 1080);
    const StageRenderer::Geometry ga = renderer_.layout(a, *sim_, t), gb = renderer_.layout(b, *sim_, t);
    const StrokePlacement onA(a, {}, stagePartsOf(ga)), onB(b, {}, stagePartsOf(gb));
    const QRectF queueA = partRect(ga, StagePart::AcceptQueue, 0);
    const QRectF queueB = partRect(gb, StagePart::AcceptQueue, 0);
    const QPointF from = ga.clientsPanel.center(), to = queueA.center() + QPointF(queueA.width() / 4, 0);
    Stroke s;
    s.moment = {0, Time()};
    for (int k = 0; k <= 10; ++k)
        s.points.push_back(onA.toLayout(from + (to - from) * (k / 10.0)));
    onA.anchor(s);
    QCOMPARE(s.anchor.part, StagePart::Clients);
    QCOMPARE(s.endAnchor.part, StagePart::AcceptQueue);
    const std::vector<QPointF> shown = onB.place(s);
    const QPointF tail = gb.clientsPanel.center();
    const QPointF head = queueB.center() + QPointF(queueB.width() / 4, 0);
    QVERIFY(std::hypot(shown.front().x() - tail.x(), shown.front().y() - tail.y()) < 1e-6);
    QVERIFY(std::hypot(shown.back().x() - head.x(), shown.back().y() - head.y()) < 1e-6);
    // Between them, on the line's way: inside the stage.
    for (const QPointF& p : shown)
        QVERIFY(b.contains(p));
}

// A stroke anchored to the fourth listener of SO_REUSEPORT, shown on a stage with one listener: where
// the plain stretch puts it, not lost.
void TestStrokePlacement::aPartTheStageLacksFallsBackToTheStretch() {
    const QRectF a(0, 0, 1024, 768);
    const Time t = shards_->history().end / 2;
    const StageRenderer::Geometry ga = renderer_.layout(a, *shards_, t);
    QVERIFY(ga.listeners.size() >= 2);
    const int last = ga.listeners.back().index;
    const StrokePlacement onA(a, {}, stagePartsOf(ga));
    Stroke ring = ringRound(partRect(ga, StagePart::AcceptQueue, last), onA);
    const Stroke stretched = ring;
    onA.anchor(ring);
    QCOMPARE(ring.anchor.part, StagePart::AcceptQueue);
    QCOMPARE(ring.anchor.listener, last);
    const StrokePlacement single =
        StrokePlacement::of(renderer_, QRectF(0, 0, 1920, 1080), *sim_, sim_->history().end / 2);
    const std::vector<QPointF> shown = single.place(ring), plain = single.place(stretched);
    for (std::size_t k = 0; k < shown.size(); ++k)
        QVERIFY(std::hypot(shown[k].x() - plain[k].x(), shown[k].y() - plain[k].y()) < 1e-6);
}

// Without parts (no run), a stroke is anchored to the whole stage: the stretch.
void TestStrokePlacement::withoutPartsAStrokeIsStretched() {
    const StrokePlacement compared(QRectF(0, 0, 1280, 800));
    Stroke s = ringRound(QRectF(500, 300, 200, 60), compared);
    const Stroke before = s;
    compared.anchor(s);
    QCOMPARE(s.anchor, StrokeAnchor{});
    QCOMPARE(s.endAnchor, StrokeAnchor{});
    QVERIFY(s.sameDrawing(before));
}

// Two runs compared: one above the other in a window, side by side on a projector. A ring round the
// second run's accept queue in the window rings the second run's accept queue on the projector.
void TestStrokePlacement::aRingOnAComparisonStaysOnItsSide() {
    const Time t = sim_->history().end / 2;
    StageRenderer other;
    const std::array<ComparedSide, 2> sides{
        ComparedSide{&renderer_, sim_.get(), QStringLiteral("as written")},
        ComparedSide{&other, shards_.get(), QStringLiteral("other")}};
    const QRectF a(0, 0, 1280, 800), b(0, 0, 1920, 1080);
    QVERIFY(!comparedLayout(a).sideBySide);
    QVERIFY(comparedLayout(b).sideBySide);
    const StrokePlacement onA = StrokePlacement::ofCompared(sides, a, t);
    const StrokePlacement onB = StrokePlacement::ofCompared(sides, b, t);
    const auto queueOf = [](const StrokePlacement& where, int side) {
        for (const StagePartRect& r : where.parts())
            if (r.part == StagePart::AcceptQueue && r.listener == 0 && r.side == side) return r.rect;
        return QRectF();
    };
    const QRectF queueA = queueOf(onA, 1), queueB = queueOf(onB, 1);
    QVERIFY(!queueA.isEmpty() && !queueB.isEmpty());
    QVERIFY(comparedLayout(b).stages[1].contains(queueB));
    Stroke ring = ringRound(queueA, onA);
    const Stroke stretched = ring;
    onA.anchor(ring);
    QCOMPARE(ring.anchor.part, StagePart::AcceptQueue);
    QCOMPARE(ring.anchor.side, 1);
    const QRectF shown = boundsOf(onB.place(ring));
    QVERIFY2(holds(shown, queueB),
             qPrintable(describe(shown) + QStringLiteral(" does not hold ") + describe(queueB)));
    const double far =
        kRoom * std::max(queueB.width() / queueA.width(), queueB.height() / queueA.height()) + 2;
    QVERIFY(holds(queueB.adjusted(-far, -far, far, far), shown));
    // Stretched with the whole frame, it would have missed.
    QVERIFY(!holds(boundsOf(onB.place(stretched)), queueB));
}

// The eraser, on the projector, removes a ring drawn in the 4:3 window where the projector shows it —
// and not where the ring's own points would be by the stretch.
void TestStrokePlacement::theEraserReachesAStrokeWhereItIsSeen() {
    const Time t = sim_->history().end / 2;
    const QRectF a(0, 0, 1024, 768), b(0, 0, 1920, 1080);
    const StageRenderer::Geometry ga = renderer_.layout(a, *sim_, t), gb = renderer_.layout(b, *sim_, t);
    const StrokePlacement onA(a, {}, stagePartsOf(ga)), onB(b, {}, stagePartsOf(gb));
    Stroke ring = ringRound(partRect(ga, StagePart::AcceptQueue, 0), onA);
    onA.anchor(ring);
    AnnotationStore store;
    const std::uint64_t id = store.add(ring);
    const StageMoment now{0, t, sim_->history().end};
    const QPointF seen = onB.toLayout(onB.place(ring).front());
    const QPointF own = ring.points.front();
    QVERIFY2(std::hypot(seen.x() - own.x(), seen.y() - own.y()) > 10, "the shapes differ too little to test");
    QCOMPARE(store.strokeAt(seen, 3, now, &onB), id);
    QCOMPARE(store.strokeAt(own, 3, now, &onB), std::uint64_t{0});
    QCOMPARE(store.strokesCrossed(seen + QPointF(-20, 0), seen + QPointF(20, 0), 3, now, &onB),
             std::vector<std::uint64_t>{id});
}

// A paint keeps its layout for the strokes placed over it (no second layout a frame): only for the same
// target, run, moment and emphasis, and it is the layout a fresh one would be.
void TestStrokePlacement::theFramePaintedLendsItsLayout() {
    StageRenderer renderer;
    const QRectF target(0, 0, 1280, 720);
    const Time t = sim_->history().end / 2;
    StageRenderer::Emphasis emphasis;
    emphasis.zoom = Target{Target::Kind::AcceptQueue, 0, "accept-queue", {}};
    QVERIFY(!renderer.lastLaidOut(target, *sim_, t, emphasis));
    QImage image(target.size().toSize(), QImage::Format_ARGB32_Premultiplied);
    {
        QPainter p(&image);
        renderer.paint(p, target, *sim_, t, Theme::light(), emphasis);
    }
    const StageRenderer::LaidOut* kept = renderer.lastLaidOut(target, *sim_, t, emphasis);
    QVERIFY(kept);
    QCOMPARE(kept->zoom, renderer.zoomTransform(target, *sim_, t, emphasis));
    const std::vector<StagePartRect> fresh = stagePartsOf(renderer.layout(target, *sim_, t, emphasis));
    const std::vector<StagePartRect> lent = stagePartsOf(kept->geometry);
    QCOMPARE(lent.size(), fresh.size());
    for (std::size_t k = 0; k < lent.size(); ++k)
        QCOMPARE(lent[k].rect, fresh[k].rect);
    // Another moment, size, run or emphasis: not that frame's.
    QVERIFY(!renderer.lastLaidOut(target, *sim_, t + Time::ms(1), emphasis));
    QVERIFY(!renderer.lastLaidOut(QRectF(0, 0, 1280, 721), *sim_, t, emphasis));
    QVERIFY(!renderer.lastLaidOut(target, *shards_, t, emphasis));
    QVERIFY(!renderer.lastLaidOut(target, *sim_, t));
    renderer.invalidate();
    QVERIFY(!renderer.lastLaidOut(target, *sim_, t, emphasis));
}

QTEST_MAIN(TestStrokePlacement)
#include "tst_strokeplacement.moc"
