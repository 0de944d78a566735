// The pen on the stage widget (issue 16), offscreen: a stroke drawn with the mouse in draw mode is on
// the stage where it was drawn, and on a second stage sharing the store (the presenter's, another size
// and theme) at the same place of the layout; stepping the lesson on fades it out, stepping back shows
// it again; the eraser and Ctrl+Z's undo; the laser leaves nothing behind; without a pen a click
// selects as before.
#include "views/widgets/StageView.h"

#include "tests/common/ViewTest.h"
#include "views/document/AnnotationStore.h"
#include "views/document/SimulationDocument.h"
#include "views/render/Theme.h"

#include <QSignalSpy>
#include <QTest>

using namespace backlog;
using namespace backlog::views;

namespace {
const QString kLesson = QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/04-the-full-queue.yaml");

QImage shot(StageView& v) {
    return v.grab().toImage().convertToFormat(QImage::Format_RGB32);
}

// Pixels that differ by more than 16 levels in a channel, and where.
QRect differing(const QImage& a, const QImage& b, int* count = nullptr) {
    QRect box;
    int n = 0;
    for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width(); ++x)
            if (test::colourDistance(a.pixel(x, y), b.pixel(x, y)) > 16) {
                box |= QRect(x, y, 1, 1);
                ++n;
            }
    if (count) *count = n;
    return box;
}

// Whether a pixel near `p` (within 2 px) has the pen's colour (within `tolerance` per channel).
bool inkNear(const QImage& img, QPoint p, QColor colour, int tolerance = 40) {
    for (int dy = -2; dy <= 2; ++dy)
        for (int dx = -2; dx <= 2; ++dx)
            if (test::colourDistance(img.pixel(p + QPoint(dx, dy)), colour.rgb()) <= tolerance) return true;
    return false;
}
} // namespace

class TestStagePen : public QObject {
    Q_OBJECT
  private slots:
    void init();
    void cleanup();
    void aStrokeIsDrawnWhereTheMouseWent();
    void thePresentersStageShowsTheSameStroke();
    void aStrokeFadesWhenTheStepIsLeftAndComesBack();
    void theEraserAndUndo();
    void theLaserLeavesNothingBehind();
    void withoutAPenAClickSelects();

  private:
    void drawLine(QPoint from, QPoint to);
    void goToStep(int step);

    std::unique_ptr<SimulationDocument> doc_;
    std::unique_ptr<AnnotationStore> store_;
    std::unique_ptr<StageView> stage_;
};

void TestStagePen::init() {
    doc_ = std::make_unique<SimulationDocument>();
    QVERIFY(doc_->load(kLesson).isEmpty());
    store_ = std::make_unique<AnnotationStore>();
    stage_ = std::make_unique<StageView>();
    stage_->resize(960, 540);
    stage_->setDocument(doc_.get());
    stage_->setAnnotations(store_.get());
    stage_->show();
    QVERIFY(QTest::qWaitForWindowExposed(stage_.get()));
    goToStep(0);
}

void TestStagePen::cleanup() {
    stage_.reset();
    store_.reset();
    doc_.reset();
}

void TestStagePen::goToStep(int step) {
    doc_->setPlayhead(doc_->stepTimes()[static_cast<std::size_t>(step)]);
    stage_->setLessonStep(step);
}

void TestStagePen::drawLine(QPoint from, QPoint to) {
    QTest::mousePress(stage_.get(), Qt::LeftButton, {}, from);
    for (int k = 1; k <= 10; ++k)
        QTest::mouseMove(stage_.get(), from + (to - from) * k / 10);
    QTest::mouseRelease(stage_.get(), Qt::LeftButton, {}, to);
}

void TestStagePen::aStrokeIsDrawnWhereTheMouseWent() {
    const QImage before = shot(*stage_);
    stage_->setPen(StageView::Pen::Draw);
    QCOMPARE(stage_->cursor().shape(), Qt::BitmapCursor); // the cursor says a pen is on
    const QPoint a(300, 270), b(600, 270);
    drawLine(a, b);
    QCOMPARE(store_->strokes().size(), std::size_t{1});
    const Stroke& s = store_->strokes().front();
    QCOMPARE(s.moment.step, 0);
    QCOMPARE(s.colour, Theme::penColours().front());
    // Kept in layout units: 960 × 540 is 0.6 of the reference stage.
    QVERIFY(std::abs(s.points.front().x() - 500) < 1e-6 && std::abs(s.points.front().y() - 450) < 1e-6);
    QVERIFY(std::abs(s.points.back().x() - 1000) < 1e-6);

    const QImage after = shot(*stage_);
    int count = 0;
    const QRect changed = differing(before, after, &count);
    // Only along the line: its width (4 units × 0.6) and anti-aliasing around it.
    QVERIFY2(QRect(a, b).adjusted(-5, -5, 5, 5).contains(changed), qPrintable(QStringLiteral("%1,%2 %3×%4")
                                                                                  .arg(changed.x())
                                                                                  .arg(changed.y())
                                                                                  .arg(changed.width())
                                                                                  .arg(changed.height())));
    QVERIFY2(count > 300, qPrintable(QString::number(count)));
    for (const QPoint p : {a + QPoint(10, 0), (a + b) / 2, b - QPoint(10, 0)})
        QVERIFY(inkNear(after, p, s.colour));
}

// The presenter's stage (another size, the projector theme) shares the store: the stroke is at the same
// place of its layout, drawn as it is drawn, and one drawn there is on the window's stage.
void TestStagePen::thePresentersStageShowsTheSameStroke() {
    StageView presenter;
    presenter.resize(1600, 900);
    presenter.setTheme(Theme::projector());
    presenter.setDocument(doc_.get());
    presenter.setAnnotations(store_.get());
    presenter.setLessonStep(0);
    presenter.show();
    QVERIFY(QTest::qWaitForWindowExposed(&presenter));
    const QImage before = shot(presenter);
    stage_->setPen(StageView::Pen::Draw);
    drawLine({300, 270}, {600, 270});
    const QImage after = shot(presenter);
    const QRect changed = differing(before, after);
    QVERIFY(QRect(QPoint(500, 450), QPoint(1000, 450)).adjusted(-7, -7, 7, 7).contains(changed));
    QVERIFY(inkNear(after, {750, 450}, Theme::penColours().front()));

    // Drawn on the presenter in another colour: on the window's stage too.
    store_->setPenColour(Theme::penColours()[1]);
    presenter.setPen(StageView::Pen::Draw);
    QTest::mousePress(&presenter, Qt::LeftButton, {}, {500, 700});
    QTest::mouseMove(&presenter, {800, 700});
    QTest::mouseRelease(&presenter, Qt::LeftButton, {}, {1000, 700});
    QCOMPARE(store_->strokes().size(), std::size_t{2});
    QVERIFY(inkNear(shot(*stage_), {450, 420}, Theme::penColours()[1]));
}

void TestStagePen::aStrokeFadesWhenTheStepIsLeftAndComesBack() {
    stage_->setPen(StageView::Pen::Draw);
    const QImage clean = shot(*stage_);
    drawLine({300, 270}, {600, 270});
    const QImage drawn = shot(*stage_);
    const QPoint mid(450, 270);
    QVERIFY(inkNear(drawn, mid, Theme::penColours().front()));

    goToStep(1);
    // The stage at step 1 without strokes, to compare with.
    StageView plain;
    plain.resize(960, 540);
    plain.setDocument(doc_.get());
    plain.setLessonStep(1);
    const QImage stepOne = shot(plain);
    // The first frame after the step is left still shows the stroke, fainter: it fades, it does not
    // vanish (a frame's worth of fade at most, whatever the time since the last paint).
    QVERIFY(inkNear(shot(*stage_), mid, Theme::penColours().front(), 60));
    // Within half a second of wall-clock time it is gone altogether.
    int count = -1;
    QTRY_VERIFY_WITH_TIMEOUT((differing(stepOne, shot(*stage_), &count), count == 0), 3000);
    // Back to step 0: there at once, as drawn.
    goToStep(0);
    const QImage back = shot(*stage_);
    QVERIFY(inkNear(back, mid, Theme::penColours().front()));
    differing(back, drawn, &count);
    QCOMPARE(count, 0);
    differing(back, clean, &count);
    QVERIFY(count > 300);
}

void TestStagePen::theEraserAndUndo() {
    stage_->setPen(StageView::Pen::Draw);
    drawLine({300, 200}, {600, 200});
    drawLine({300, 350}, {600, 350});
    QCOMPARE(store_->strokes().size(), std::size_t{2});
    stage_->setPen(StageView::Pen::Erase);
    // A click beside a stroke (within the eraser's reach) removes it; a click in the open does nothing.
    QTest::mouseClick(stage_.get(), Qt::LeftButton, {}, {450, 203});
    QCOMPARE(store_->strokes().size(), std::size_t{1});
    QTest::mouseClick(stage_.get(), Qt::LeftButton, {}, {450, 280});
    QCOMPARE(store_->strokes().size(), std::size_t{1});
    QVERIFY(store_->undo());
    QCOMPARE(store_->strokes().size(), std::size_t{2});
    // A drag across both removes both, as one step to undo.
    QTest::mousePress(stage_.get(), Qt::LeftButton, {}, {450, 150});
    QTest::mouseMove(stage_.get(), {452, 280});
    QTest::mouseMove(stage_.get(), {455, 400});
    QTest::mouseRelease(stage_.get(), Qt::LeftButton, {}, {455, 400});
    QVERIFY(store_->isEmpty());
    QVERIFY(store_->undo());
    QCOMPARE(store_->strokes().size(), std::size_t{2});
}

void TestStagePen::theLaserLeavesNothingBehind() {
    const QImage before = shot(*stage_);
    stage_->setPen(StageView::Pen::Laser);
    QTest::mousePress(stage_.get(), Qt::LeftButton, {}, {300, 300});
    QTest::mouseMove(stage_.get(), {400, 300});
    QVERIFY(store_->isLaserHeld());
    QVERIFY(!store_->laser().empty());
    // The dot is drawn while the button is held.
    int count = 0;
    differing(before, shot(*stage_), &count);
    QVERIFY(count > 50);
    QTest::mouseRelease(stage_.get(), Qt::LeftButton, {}, {400, 300});
    QVERIFY(!store_->isLaserHeld());
    QVERIFY(store_->isEmpty());
    QVERIFY(!store_->isModified());
    // Its tail fades and the stage is as it was.
    QTRY_VERIFY_WITH_TIMEOUT((differing(before, shot(*stage_), &count), count == 0), 3000);
}

void TestStagePen::withoutAPenAClickSelects() {
    QSignalSpy selected(stage_.get(), &StageView::selected);
    stage_->setPen(StageView::Pen::Draw);
    QTest::mouseClick(stage_.get(), Qt::LeftButton, {}, {900, 300});
    QCOMPARE(selected.count(), 0); // drawing, not selecting
    QCOMPARE(store_->strokes().size(), std::size_t{1});
    stage_->setPen(StageView::Pen::Off);
    QCOMPARE(stage_->cursor().shape(), Qt::ArrowCursor);
    // Something on the stage (a client, a queue, a worker), found by the stage's own hit test.
    QPoint worker;
    for (int y = 60; y < 500 && worker.isNull(); y += 10)
        for (int x = 20; x < 940 && worker.isNull(); x += 10)
            if (stage_->hitAt(QPoint(x, y))) worker = QPoint(x, y);
    QVERIFY(!worker.isNull());
    QTest::mouseClick(stage_.get(), Qt::LeftButton, {}, worker);
    QCOMPARE(selected.count(), 1);
    QCOMPARE(store_->strokes().size(), std::size_t{1});
}

QTEST_MAIN(TestStagePen)
#include "tst_stagepen.moc"
