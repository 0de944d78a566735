// The lecturer's pen in the window and in presenter mode (issue 16), offscreen: D draws with the mouse,
// the presenter's stage shows the same stroke and draws into the same strokes, Page Down fades it and
// Page Up brings it back, C clears the step and Ctrl+Z undoes it, Escape leaves the pen before it
// leaves presenter mode; File › Save Annotations writes the side file, opening the lesson again reads
// it, a bad side file is a message and the lesson still opens; unsaved strokes are offered on close;
// the export dialog offers "Include annotations" once there are strokes.
#include "app/ui/ExportDialog.h"
#include "app/ui/MainWindow.h"
#include "app/ui/PresenterWindow.h"

#include "tests/common/ViewTest.h"
#include "views/document/AnnotationFile.h"
#include "views/document/AnnotationStore.h"
#include "views/document/LessonPlayer.h"
#include "views/document/SimulationDocument.h"
#include "views/render/Theme.h"
#include "views/widgets/StageView.h"

#include <QAbstractButton>
#include <QAction>
#include <QCheckBox>
#include <QFile>
#include <QMessageBox>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <cmath>

using namespace backlog;
using Pen = backlog::views::StageView::Pen;

namespace {
const QString kLesson = QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/04-the-full-queue.yaml");

QImage shot(QWidget& w) {
    return w.grab().toImage().convertToFormat(QImage::Format_RGB32);
}

// Whether a pixel within 2 px of `p` has the colour (within 90 levels a channel: a stroke on a stage
// narrowed by the docks is a pixel and a half wide, and its pixels are blended with the background;
// the background and the stage's lines are further away than that from every pen colour).
bool inkNear(const QImage& img, QPoint p, QColor colour) {
    for (int dy = -2; dy <= 2; ++dy)
        for (int dx = -2; dx <= 2; ++dx) {
            const QPoint q = p + QPoint(dx, dy);
            if (img.rect().contains(q) && test::colourDistance(img.pixel(q), colour.rgb()) <= 90) return true;
        }
    return false;
}

void drag(QWidget* w, QPoint from, QPoint to) {
    QTest::mousePress(w, Qt::LeftButton, {}, from);
    for (int k = 1; k <= 8; ++k)
        QTest::mouseMove(w, from + (to - from) * k / 8);
    QTest::mouseRelease(w, Qt::LeftButton, {}, to);
}

// Answers the next "Unsaved annotations" question with `button` once it is shown.
void answerUnsaved(QMessageBox::StandardButton button, bool* asked) {
    QTimer::singleShot(0, [button, asked] {
        for (QWidget* w : QApplication::topLevelWidgets())
            if (auto* box = qobject_cast<QMessageBox*>(w);
                box && box->objectName() == QLatin1String("annotationsUnsaved") && box->isVisible()) {
                *asked = true;
                box->button(button)->click();
                return;
            }
        answerUnsaved(button, asked); // not shown yet
    });
}
} // namespace

class TestPen : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void init();
    void cleanup();
    void drawInTheWindowSeeItOnTheProjector();
    void aRingRoundAQueueRingsItOnTheProjector();
    void clearUndoAndEscape();
    void theSideFileIsSavedAndRead();
    void aBadSideFileIsAMessageAndTheLessonOpens();
    void unsavedStrokesAreOfferedOnClose();
    void theExportDialogOffersTheStrokes();

  private:
    QString lesson_;
    std::unique_ptr<QTemporaryDir> dir_;
};

void TestPen::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("BacklogTests"));
}

void TestPen::init() {
    QSettings().clear();
    dir_ = std::make_unique<QTemporaryDir>();
    lesson_ = dir_->filePath(QStringLiteral("04-the-full-queue.yaml"));
    QVERIFY(QFile::copy(kLesson, lesson_));
}

void TestPen::cleanup() {
    dir_.reset();
}

void TestPen::drawInTheWindowSeeItOnTheProjector() {
    app::MainWindow w;
    QVERIFY(w.openFile(lesson_));
    w.resize(1400, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    views::StageView* stage = w.stage();
    // D (View › Pen › Draw) turns the pen on; the menu says so.
    QTest::keyClick(&w, Qt::Key_D);
    QCOMPARE(stage->pen(), Pen::Draw);
    QVERIFY(w.findChild<QAction*>(QStringLiteral("actionPenDraw"))->isChecked());
    const QPoint a(stage->width() / 4, stage->height() / 2), b(stage->width() * 3 / 4, stage->height() / 2);
    drag(stage, a, b);
    views::AnnotationStore* store = w.annotations();
    QCOMPARE(store->strokes().size(), std::size_t{1});
    QCOMPARE(store->strokes().front().moment.step, 0);
    const QColor ink = views::Theme::penColours().front();
    QVERIFY(inkNear(shot(*stage), (a + b) / 2, ink));

    // F5: the presenter's stage shows it at the same place of its layout.
    w.present();
    QTRY_VERIFY(w.presenter() && w.presenter()->isVisible());
    app::PresenterWindow* p = w.presenter();
    views::StageView* projector = p->stage();
    QCOMPARE(projector->annotations(), store);
    // Where the projector places the stroke's middle point (it follows the parts it was drawn over).
    const auto middleOn = [&](views::StageView* on, const views::Stroke& s) {
        const std::vector<QPointF> placed = on->strokePlacement().place(s);
        return placed[placed.size() / 2].toPoint();
    };
    const QPoint middle = middleOn(projector, store->strokes().front());
    QVERIFY(inkNear(shot(*projector), middle, ink));
    // Drawn on the projector, in colour 2: in the window too.
    QTest::keyClick(p, Qt::Key_2);
    QTest::keyClick(p, Qt::Key_D);
    QCOMPARE(projector->pen(), Pen::Draw);
    drag(projector, {projector->width() / 4, projector->height() / 5},
         {projector->width() / 2, projector->height() / 5});
    QCOMPARE(store->strokes().size(), std::size_t{2});
    QCOMPARE(store->strokes().back().colour, views::Theme::penColours()[1]);
    QVERIFY(inkNear(shot(*stage), middleOn(stage, store->strokes().back()), views::Theme::penColours()[1]));

    // Page Down: the step's strokes fade away on both; Page Up: back at once.
    QTest::keyClick(p, Qt::Key_PageDown);
    QCOMPARE(w.lessonPlayer()->currentStep(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(!inkNear(shot(*projector), middle, ink), 3000);
    QTRY_VERIFY_WITH_TIMEOUT(!inkNear(shot(*stage), (a + b) / 2, ink), 3000);
    QTest::keyClick(p, Qt::Key_PageUp);
    QCOMPARE(w.lessonPlayer()->currentStep(), 0);
    QVERIFY(inkNear(shot(*projector), middle, ink));
    QVERIFY(inkNear(shot(*stage), (a + b) / 2, ink));

    // Escape leaves the pen first, then presenter mode.
    QTest::keyClick(p, Qt::Key_Escape);
    QCOMPARE(projector->pen(), Pen::Off);
    QVERIFY(w.presenter());
    QTest::keyClick(p, Qt::Key_Escape);
    QTRY_VERIFY(!w.presenter());
    store->setSaved(); // nothing to ask on close
}

// A lecturer rings the accept queue in a window whose stage is far from 16:9 (docks at the side); the
// projector's stage has another shape, where the queue sits elsewhere in the stretched stage. The ring
// is round the projector's accept queue on all four sides.
void TestPen::aRingRoundAQueueRingsItOnTheProjector() {
    app::MainWindow w;
    QVERIFY(w.openFile(lesson_));
    w.resize(1100, 1000);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    views::StageView* stage = w.stage();
    const auto acceptQueue = [](views::StageView* on) {
        const views::StrokePlacement where = on->strokePlacement();
        for (const views::StagePartRect& r : where.parts())
            if (r.part == views::StagePart::AcceptQueue && r.listener == 0) return r.rect;
        return QRectF();
    };
    const QRectF queue = acceptQueue(stage);
    QVERIFY(!queue.isEmpty());
    // In reddish purple (5): no colour of the stage is near it (the step's highlight is orange, near
    // vermillion).
    QTest::keyClick(&w, Qt::Key_5);
    QTest::keyClick(&w, Qt::Key_D);
    const QColor ink = views::Theme::penColours()[4];
    QCOMPARE(w.annotations()->penColour(), ink);
    // The ring, 10 px round the queue, drawn as a pen goes: down, round, up.
    const QRectF ring = queue.adjusted(-10, -10, 10, 10);
    const auto onRing = [&](int k) {
        const double a = 2 * 3.14159265358979 * k / 40;
        return QPointF(ring.center().x() + ring.width() / 2 * std::cos(a),
                       ring.center().y() + ring.height() / 2 * std::sin(a))
            .toPoint();
    };
    QTest::mousePress(stage, Qt::LeftButton, {}, onRing(0));
    for (int k = 1; k <= 40; ++k)
        QTest::mouseMove(stage, onRing(k));
    QTest::mouseRelease(stage, Qt::LeftButton, {}, onRing(40));
    views::AnnotationStore* store = w.annotations();
    QCOMPARE(store->strokes().size(), std::size_t{1});
    QCOMPARE(store->strokes().front().anchor.part, views::StagePart::AcceptQueue);

    w.present();
    QTRY_VERIFY(w.presenter() && w.presenter()->isVisible());
    views::StageView* projector = w.presenter()->stage();
    const double windowShape = double(stage->width()) / stage->height();
    const double projectorShape = double(projector->width()) / projector->height();
    QVERIFY2(std::abs(windowShape / projectorShape - 1) > 0.15,
             qPrintable(QStringLiteral("the stages' shapes are too alike to test: %1 and %2")
                            .arg(windowShape)
                            .arg(projectorShape)));
    const QRectF there = acceptQueue(projector);
    QVERIFY(!there.isEmpty());
    // Ink just outside the middle of each side of the projector's queue, and none inside it.
    const QImage img = shot(*projector);
    const auto inkAlong = [&](QPointF from, QPointF step) {
        for (int k = 0; k < 40; ++k)
            if (inkNear(img, (from + step * k).toPoint(), ink)) return true;
        return false;
    };
    QVERIFY(inkAlong({there.center().x(), there.top()}, {0, -1}));
    QVERIFY(inkAlong({there.center().x(), there.bottom()}, {0, 1}));
    QVERIFY(inkAlong({there.left(), there.center().y()}, {-1, 0}));
    QVERIFY(inkAlong({there.right(), there.center().y()}, {1, 0}));
    QVERIFY(!inkNear(img, there.center().toPoint(), ink));
    QTest::keyClick(w.presenter(), Qt::Key_Escape);
    QTRY_VERIFY(!w.presenter());
    store->setSaved();
}

void TestPen::clearUndoAndEscape() {
    app::MainWindow w;
    QVERIFY(w.openFile(lesson_));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    views::StageView* stage = w.stage();
    QTest::keyClick(&w, Qt::Key_D);
    drag(stage, {100, 100}, {300, 120});
    drag(stage, {100, 200}, {300, 220});
    views::AnnotationStore* store = w.annotations();
    QCOMPARE(store->strokes().size(), std::size_t{2});
    // On another step, C clears nothing of step 0's.
    w.lessonPlayer()->goToStep(2);
    QTest::keyClick(&w, Qt::Key_C);
    QCOMPARE(store->strokes().size(), std::size_t{2});
    w.lessonPlayer()->goToStep(0);
    QTest::keyClick(&w, Qt::Key_C);
    QVERIFY(store->isEmpty());
    QTest::keyClick(&w, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(store->strokes().size(), std::size_t{2});
    // E: a click on a stroke removes it.
    QTest::keyClick(&w, Qt::Key_E);
    QCOMPARE(stage->pen(), Pen::Erase);
    QTest::mouseClick(stage, Qt::LeftButton, {}, {200, 110});
    QCOMPARE(store->strokes().size(), std::size_t{1});
    // L: the laser leaves nothing; Escape turns the pen off, and a click selects again.
    QTest::keyClick(&w, Qt::Key_L);
    QCOMPARE(stage->pen(), Pen::Laser);
    drag(stage, {400, 300}, {500, 300});
    QCOMPARE(store->strokes().size(), std::size_t{1});
    QTest::keyClick(&w, Qt::Key_Escape);
    QCOMPARE(stage->pen(), Pen::Off);
    QVERIFY(!w.findChild<QAction*>(QStringLiteral("actionPenOff"))->isEnabled());
    store->setSaved();
}

void TestPen::theSideFileIsSavedAndRead() {
    const QString side = views::annotationsPathFor(lesson_);
    {
        app::MainWindow w;
        QVERIFY(w.openFile(lesson_));
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QCOMPARE(w.annotationsPath(), side);
        QTest::keyClick(&w, Qt::Key_D);
        drag(w.stage(), {100, 100}, {300, 150});
        QVERIFY(w.annotations()->isModified());
        w.findChild<QAction*>(QStringLiteral("actionSaveAnnotations"))->trigger();
        QVERIFY(!w.annotations()->isModified());
        QVERIFY(QFile::exists(side));
    }
    const views::AnnotationsRead read = views::readAnnotations(side);
    QVERIFY2(read.ok(), qPrintable(read.error));
    QCOMPARE(read.strokes.size(), std::size_t{1});
    // Opened again: the stroke is there, nothing unsaved.
    app::MainWindow again;
    QVERIFY(again.openFile(lesson_));
    QCOMPARE(again.annotations()->strokes().size(), std::size_t{1});
    QVERIFY(again.annotations()->strokes().front().sameDrawing(read.strokes.front()));
    QVERIFY(!again.annotations()->isModified());
}

void TestPen::aBadSideFileIsAMessageAndTheLessonOpens() {
    const QString side = views::annotationsPathFor(lesson_);
    QFile f(side);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(
        R"({"format":"backlog-annotations/1","strokes":[{"step":0,"colour":"red","width":4,"points":[[1,2]]}]})");
    f.close();
    app::MainWindow w;
    QVERIFY(w.openFile(lesson_));
    QVERIFY(w.lessonPlayer()->isActive());
    QVERIFY(w.annotations()->isEmpty());
    auto* box = w.findChild<QMessageBox*>(QStringLiteral("annotationsMessage"));
    QVERIFY(box);
    QVERIFY2(box->text().contains(side + QStringLiteral(": stroke 1 \"colour\" is not a colour")),
             qPrintable(box->text()));
    box->close();
}

// Closing with strokes not saved asks: Cancel keeps the window open, Save writes the side file.
void TestPen::unsavedStrokesAreOfferedOnClose() {
    const QString side = views::annotationsPathFor(lesson_);
    app::MainWindow w;
    QVERIFY(w.openFile(lesson_));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QTest::keyClick(&w, Qt::Key_D);
    drag(w.stage(), {100, 100}, {300, 150});
    bool asked = false;
    answerUnsaved(QMessageBox::Cancel, &asked);
    QVERIFY(!w.close());
    QVERIFY(asked);
    QVERIFY(w.isVisible());
    QVERIFY(!QFile::exists(side));
    asked = false;
    answerUnsaved(QMessageBox::Save, &asked);
    QVERIFY(w.close());
    QVERIFY(asked);
    QVERIFY(QFile::exists(side));
    QCOMPARE(views::readAnnotations(side).strokes.size(), std::size_t{1});
}

void TestPen::theExportDialogOffersTheStrokes() {
    app::MainWindow w;
    QVERIFY(w.openFile(lesson_));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.showExportDialog();
    app::ExportDialog* dialog = w.exportDialog();
    QVERIFY(dialog);
    auto* include = dialog->findChild<QCheckBox*>(QStringLiteral("annotations"));
    QVERIFY(include);
    QVERIFY(include->isHidden()); // nothing drawn yet
    QVERIFY(dialog->options().annotations.empty());
    QTest::keyClick(&w, Qt::Key_D);
    drag(w.stage(), {100, 100}, {300, 150});
    QVERIFY(!include->isHidden());
    QVERIFY(include->isChecked());
    QCOMPARE(dialog->options().annotations.size(), std::size_t{1});
    include->setChecked(false);
    QVERIFY(dialog->options().annotations.empty());
    w.annotations()->setSaved();
}

QTEST_MAIN(TestPen)
#include "tst_pen.moc"
