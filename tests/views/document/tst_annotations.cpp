// The lecturer's annotations (issue 16), without a window: the store's commands (add, erase, clear a
// step, undo), which strokes show at a step or a playhead and how strongly, the window's fade, and the
// mapping between a stage's pixels and the layout units strokes are kept in.
#include "views/document/AnnotationStore.h"
#include "views/render/Annotations.h"
#include "views/render/Theme.h"

#include <QSignalSpy>
#include <QTest>

using namespace backlog;
using namespace backlog::views;

Q_DECLARE_METATYPE(backlog::views::StrokeMoment)
Q_DECLARE_METATYPE(backlog::views::StageMoment)

namespace {
Stroke line(StrokeMoment m, QPointF a, QPointF b) {
    Stroke s;
    s.moment = m;
    s.colour = Theme::penColours().front();
    s.width = 4;
    s.points = {a, b};
    return s;
}
StrokeMoment step(int k) {
    return {k, Time()};
}
StageMoment atStep(int k) {
    return {k, Time::s(1), Time::s(10)};
}
} // namespace

class TestAnnotations : public QObject {
    Q_OBJECT
  private slots:
    void presenceAtAMoment_data();
    void presenceAtAMoment();
    void addEraseClearUndo();
    void theEraserReachesOnlyWhatIsShown();
    void aDragAcrossStrokesIsOneUndoStep();
    void layoutAndWidgetPointsMapBothWays_data();
    void layoutAndWidgetPointsMapBothWays();
    void aLeftStrokeFadesOverHalfASecondAndComesBackAtOnce();
    void thePaletteIsOkabeIto();
};

// A step's stroke shows on its step only; a plain run's near its moment (a two-hundredth of the run),
// fading over as much again; the one never shows in the other.
void TestAnnotations::presenceAtAMoment_data() {
    QTest::addColumn<StrokeMoment>("stroke");
    QTest::addColumn<StageMoment>("stage");
    QTest::addColumn<double>("presence");
    const Time end = Time::s(10); // near: 50 ms
    QTest::newRow("its step") << step(2) << StageMoment{2, Time::s(5), end} << 1.0;
    QTest::newRow("the next step") << step(2) << StageMoment{3, Time::s(5), end} << 0.0;
    QTest::newRow("the step before") << step(2) << StageMoment{1, Time::s(5), end} << 0.0;
    QTest::newRow("plain, at its moment")
        << StrokeMoment{-1, Time::s(2)} << StageMoment{-1, Time::s(2), end} << 1.0;
    QTest::newRow("plain, within near")
        << StrokeMoment{-1, Time::s(2)} << StageMoment{-1, Time::s(2) + Time::ms(50), end} << 1.0;
    QTest::newRow("plain, half faded")
        << StrokeMoment{-1, Time::s(2)} << StageMoment{-1, Time::s(2) - Time::ms(75), end} << 0.5;
    QTest::newRow("plain, gone") << StrokeMoment{-1, Time::s(2)}
                                 << StageMoment{-1, Time::s(2) + Time::ms(100), end} << 0.0;
    QTest::newRow("plain stroke on a lesson step")
        << StrokeMoment{-1, Time::s(2)} << StageMoment{0, Time::s(2), end} << 0.0;
    QTest::newRow("step stroke without a lesson") << step(0) << StageMoment{-1, Time::s(2), end} << 0.0;
}

void TestAnnotations::presenceAtAMoment() {
    QFETCH(StrokeMoment, stroke);
    QFETCH(StageMoment, stage);
    QFETCH(double, presence);
    const Stroke s = line(stroke, {0, 0}, {10, 10});
    QCOMPARE(strokePresence(s, stage), presence);
    QCOMPARE(isShownAt(s, stage), presence > 0);
}

void TestAnnotations::addEraseClearUndo() {
    AnnotationStore store;
    QSignalSpy changed(&store, &AnnotationStore::changed);
    QSignalSpy modified(&store, &AnnotationStore::modifiedChanged);
    QVERIFY(!store.isModified());
    QCOMPARE(store.add(Stroke{}), std::uint64_t{0}); // nothing drawn: nothing kept
    const std::uint64_t a = store.add(line(step(1), {100, 100}, {200, 100}));
    const std::uint64_t b = store.add(line(step(1), {100, 300}, {200, 300}));
    const std::uint64_t c = store.add(line(step(2), {100, 500}, {200, 500}));
    QVERIFY(a && b && c && a != b && b != c);
    QCOMPARE(store.strokes().size(), std::size_t{3});
    QCOMPARE(changed.count(), 3);
    QVERIFY(store.isModified());
    QCOMPARE(modified.count(), 1);

    QCOMPARE(store.erase({b}), 1);
    QVERIFY(!store.find(b));
    QCOMPARE(store.erase({b}), 0); // already gone: no change, nothing to undo for it
    // C on step 1 clears step 1's strokes, not step 2's.
    QCOMPARE(store.clearMoment(atStep(1)), 1);
    QCOMPARE(store.strokes().size(), std::size_t{1});
    QCOMPARE(store.strokes().front().id, c);
    // Ctrl+Z: the clear, then the erase, then the adds, one by one.
    QVERIFY(store.undo());
    QVERIFY(store.find(a) && !store.find(b));
    QVERIFY(store.undo());
    QVERIFY(store.find(b));
    QVERIFY(store.undo());
    QVERIFY(store.undo());
    QVERIFY(store.undo());
    QVERIFY(store.isEmpty());
    QVERIFY(!store.canUndo());
    QVERIFY(!store.undo());

    // A side file's strokes: as saved, and nothing to undo.
    store.replace({line(step(0), {0, 0}, {5, 5})});
    QVERIFY(!store.isModified());
    QVERIFY(!store.canUndo());
    store.add(line(step(0), {1, 1}, {2, 2}));
    QVERIFY(store.isModified());
    store.setSaved();
    QVERIFY(!store.isModified());
}

// The eraser finds the stroke under it, within its reach plus half the stroke's width, and never a
// stroke of another step that happens to be drawn at the same place.
void TestAnnotations::theEraserReachesOnlyWhatIsShown() {
    AnnotationStore store;
    const std::uint64_t other = store.add(line(step(0), {100, 100}, {300, 100}));
    const std::uint64_t here = store.add(line(step(1), {100, 100}, {300, 100}));
    Q_UNUSED(other);
    QCOMPARE(store.strokeAt({200, 105}, 5, atStep(1)), here);
    QCOMPARE(store.strokeAt({200, 112}, 5, atStep(1)), std::uint64_t{0}); // 12 > 5 + 2
    QCOMPARE(store.strokeAt({200, 100}, 5, atStep(3)), std::uint64_t{0});
    // A segment crossing the line, and one beside it.
    QCOMPARE(store.strokesCrossed({200, 50}, {200, 150}, 5, atStep(1)), std::vector<std::uint64_t>{here});
    QVERIFY(store.strokesCrossed({200, 150}, {300, 150}, 5, atStep(1)).empty());
}

void TestAnnotations::aDragAcrossStrokesIsOneUndoStep() {
    AnnotationStore store;
    const std::uint64_t a = store.add(line(step(0), {100, 100}, {100, 200}));
    const std::uint64_t b = store.add(line(step(0), {200, 100}, {200, 200}));
    QCOMPARE(store.erase({a}), 1);
    QCOMPARE(store.erase({b}, true), 1);
    QVERIFY(store.isEmpty());
    QVERIFY(store.undo());
    QCOMPARE(store.strokes().size(), std::size_t{2});
}

// Layout units are the 1600 × 900 reference stage stretched over the target; a zoom is undone on the
// way in and applied on the way out, so a point on a zoomed queue is that queue's point.
void TestAnnotations::layoutAndWidgetPointsMapBothWays_data() {
    QTest::addColumn<QRectF>("target");
    QTest::addColumn<QTransform>("zoom");
    QTest::addColumn<QPointF>("widget");
    QTest::addColumn<QPointF>("layout");
    QTest::newRow("reference size") << QRectF(0, 0, 1600, 900) << QTransform() << QPointF(800, 450)
                                    << QPointF(800, 450);
    QTest::newRow("half size") << QRectF(0, 0, 800, 450) << QTransform() << QPointF(400, 225)
                               << QPointF(800, 450);
    QTest::newRow("wide window") << QRectF(0, 0, 3200, 900) << QTransform() << QPointF(3200, 0)
                                 << QPointF(1600, 0);
    QTest::newRow("offset target") << QRectF(100, 50, 1600, 900) << QTransform() << QPointF(100, 50)
                                   << QPointF(0, 0);
    QTransform zoom;
    zoom.translate(0, 0);
    zoom.scale(2, 2);
    zoom.translate(-400, -225); // the middle quarter of the stage fills it
    QTest::newRow("zoomed ×2") << QRectF(0, 0, 1600, 900) << zoom << QPointF(0, 0) << QPointF(400, 225);
    QTest::newRow("zoomed ×2, centre")
        << QRectF(0, 0, 1600, 900) << zoom << QPointF(800, 450) << QPointF(800, 450);
}

void TestAnnotations::layoutAndWidgetPointsMapBothWays() {
    QFETCH(QRectF, target);
    QFETCH(QTransform, zoom);
    QFETCH(QPointF, widget);
    QFETCH(QPointF, layout);
    const QPointF in = toLayout(widget, target, zoom);
    QVERIFY2(std::abs(in.x() - layout.x()) < 1e-9 && std::abs(in.y() - layout.y()) < 1e-9,
             qPrintable(QStringLiteral("%1,%2").arg(in.x()).arg(in.y())));
    const QPointF out = fromLayout(layout, target, zoom);
    QVERIFY(std::abs(out.x() - widget.x()) < 1e-9 && std::abs(out.y() - widget.y()) < 1e-9);
    // Widths follow the smaller stretch, times the zoom.
    const double stretch = std::min(target.width() / 1600, target.height() / 900);
    QVERIFY(std::abs(layoutUnit(target, zoom) - stretch * (zoom.isIdentity() ? 1 : 2)) < 1e-9);
}

// The window's fade: leaving a step, its stroke loses opacity with wall-clock time, a frame's worth at
// most per paint (a paint long after the last does not skip the fade), and is gone after 0.5 s; going
// back shows it at once.
void TestAnnotations::aLeftStrokeFadesOverHalfASecondAndComesBackAtOnce() {
    std::vector<Stroke> strokes{line(step(1), {0, 0}, {10, 10})};
    strokes.front().id = 7;
    AnnotationFader fader;
    QCOMPARE(fader.opacities(strokes, atStep(1), 1000), std::vector<double>{1.0});
    QVERIFY(!fader.isFading());
    // Left after a long pause: the first frame takes one frame's worth off.
    std::vector<double> o = fader.opacities(strokes, atStep(2), 60'000);
    QVERIFY(o.front() < 1.0 && o.front() > 0.9);
    QVERIFY(fader.isFading());
    qint64 now = 60'000;
    for (int frame = 0; frame < 10; ++frame)
        o = fader.opacities(strokes, atStep(2), now += 20);
    QVERIFY2(o.front() > 0.4 && o.front() < 0.6, qPrintable(QString::number(o.front())));
    for (int frame = 0; frame < 20; ++frame)
        o = fader.opacities(strokes, atStep(2), now += 20);
    QCOMPARE(o.front(), 0.0);
    QVERIFY(!fader.isFading());
    // Back to its step: at once.
    QCOMPARE(fader.opacities(strokes, atStep(1), now += 20), std::vector<double>{1.0});
}

void TestAnnotations::thePaletteIsOkabeIto() {
    const std::vector<QColor> colours = Theme::penColours();
    QCOMPARE(colours.size(), std::size_t{5});
    QCOMPARE(colours.front().name(), QStringLiteral("#d55e00")); // vermillion
    QCOMPARE(colours[1].name(), QStringLiteral("#0072b2"));      // blue
}

QTEST_MAIN(TestAnnotations)
#include "tst_annotations.moc"
