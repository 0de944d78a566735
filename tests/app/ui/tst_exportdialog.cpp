// File › Export… as a user drives it (offscreen): the dialog writes what its form says through the
// export engine, on a thread of its own, shows progress and can be cancelled, keeps its options when an
// export fails, offers only what the run and the machine can do, and previews the first frame; the
// window answers during an export, and what happens to it then does not change what is exported.
#include "app/export/Export.h"
#include "app/ui/AppSettings.h"
#include "app/ui/ExportDialog.h"
#include "app/ui/MainWindow.h"
#include "model/kernel/Simulation.h"
#include "model/lesson/Lesson.h"
#include "model/tools/Comparison.h"
#include "views/document/SimulationDocument.h"
#include "views/widgets/TimelineView.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace backlog;
using app::ExportDialog;

class TestExportDialog : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void init();
    void onePngHasTheChosenSize();
    void aComparisonIsExportedAsBothStages();
    void aScaledPngHasTwiceThePixels();
    void aTransparentPngHasNoBackground();
    void everyViewExportsAFrame_data();
    void everyViewExportsAFrame();
    void aRangeIntoAFolderHasItsFrameCount();
    void theRangeDefaultsToThePlayheadToTheEnd();
    void aLessonsFilmIsPacedAndTheCountSaysSo();
    void cancelFromProgressLeavesNothingBehind();
    void closingWhileExportingCancels();
    void anUnwritablePathShowsAnErrorAndKeepsTheOptions();
    void handoutAndStepsNeedALesson();
    void aFormatAndTheChoiceFollowEachOther();
    void aLessonPageIsTheWholeLessonOfTheStage();
    void videosNeedFfmpeg();
    void thePreviewShowsTheFirstFrame();
    void thePreviewIsTheWholeFrameShrunk();
    void theOptionsAreRemembered();
    void ctrlEOpensTheDialogForTheWindowsRun();
    void aLessonChangedDuringAnExportIsReadAtOnce();

    // Issue 11.
    void thePreviewOfAPacedOrSlowRangeIsItsFirstFrame_data();
    void thePreviewOfAPacedOrSlowRangeIsItsFirstFrame();
    void theLessonIsNeverTheOutput();
    void aFullDiskShowsTheSystemsReasonAndKeepsTheFile();

    // Issue 12.
    void theWindowAnswersDuringAnExportAndTheExportKeepsItsRun();
    void thisMomentIsThePlayheadAfterAnExport();
    void theWindowViewStopsWhenTheWindowsRunChanges();
};

namespace {

const QString kScenario = QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml");
const QString kLesson = QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/01-two-queues.yaml");

// The dialog's controls, by object name.
template <class T> T* child(const ExportDialog& d, const char* name) {
    T* w = d.findChild<T*>(QLatin1String(name));
    if (!w) qFatal("no %s in the export dialog", name);
    return w;
}

void chooseData(QComboBox* combo, const QVariant& data) {
    const int i = combo->findData(data);
    QVERIFY2(i >= 0, qPrintable(data.toString()));
    combo->setCurrentIndex(i);
}

// Typed, as a user would: the dialog then keeps the path through later changes of the form.
void typePath(const ExportDialog& d, const QString& path) {
    auto* out = child<QLineEdit>(d, "out");
    out->selectAll();
    QTest::keyClick(out, Qt::Key_Delete);
    QTest::keyClicks(out, path);
    QCOMPARE(out->text(), path);
}

bool itemEnabled(QComboBox* combo, const QString& data) {
    const auto* model = qobject_cast<QStandardItemModel*>(combo->model());
    return model && model->item(combo->findData(data))->isEnabled();
}

void setSize(const ExportDialog& d, int width, int height) {
    child<QSpinBox>(d, "width")->setValue(width);
    child<QSpinBox>(d, "height")->setValue(height);
}

// Starts the export (on a thread of its own) and waits for its end, serving events meanwhile.
void clickExport(const ExportDialog& d) {
    auto* button = child<QPushButton>(d, "export");
    QVERIFY(button->isEnabled());
    QTest::mouseClick(button, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!d.isExporting(), 120000);
}

QStringList entries(const QString& folder) {
    return QDir(folder).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System);
}

// A range of many small frames: long enough that the engine reports progress before the end.
void chooseLongRange(const ExportDialog& d, const views::SimulationDocument& doc) {
    child<QRadioButton>(d, "whatRange")->setChecked(true);
    chooseData(child<QComboBox>(d, "format"), QStringLiteral("png"));
    setSize(d, 320, 180);
    child<QDoubleSpinBox>(d, "from")->setValue(0);
    auto* to = child<QDoubleSpinBox>(d, "to");
    to->setValue(std::min(to->maximum(), 10.0));
    child<QSpinBox>(d, "fps")->setValue(std::min(60, app::ExportLimits::maxFps));
    QVERIFY(doc.end() > Time::s(2)); // hundreds of frames
}

} // namespace

void TestExportDialog::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("BacklogTests"));
    QSettings().clear();
}

void TestExportDialog::init() {
    QSettings().clear(); // every case starts from the dialog's defaults
}

void TestExportDialog::onePngHasTheChosenSize() {
    views::SimulationDocument doc;
    QVERIFY(doc.load(kScenario).isEmpty());
    doc.setPlayhead(Time::ms(500));
    ExportDialog d(&doc, nullptr, {});
    QVERIFY(child<QRadioButton>(d, "whatMoment")->isChecked()); // the default: this moment
    chooseData(child<QComboBox>(d, "format"), QStringLiteral("png"));
    setSize(d, 640, 360);
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("frame.png"));
    typePath(d, out);
    QCOMPARE(*d.options().at, Time::ms(500));
    clickExport(d);
    QVERIFY2(d.lastResult().ok(), qPrintable(d.lastResult().errors.join(QLatin1Char('\n'))));
    QVERIFY(QFileInfo::exists(out));
    QCOMPARE(QImage(out).size(), QSize(640, 360));
    QCOMPARE(d.lastResult().frames, 1);
    QVERIFY(child<QLabel>(d, "status")->text().startsWith(QStringLiteral("Exported 1 frame to ")));
    QVERIFY(child<QLabel>(d, "status")->text().contains(QDir::toNativeSeparators(out)));
    QVERIFY(child<QLabel>(d, "error")->isHidden());
    QVERIFY(!child<QPushButton>(d, "openFolder")->isHidden());
}

// Issue 16: while the window compares (Parameters › Compare with…), a stage frame from File › Export shows
// both runs, as the split stage does: pixel for pixel what `backlog export --compare` paints with the same
// options. Ended, the comparison is no longer in the frame.
void TestExportDialog::aComparisonIsExportedAsBothStages() {
    views::SimulationDocument doc;
    QVERIFY(doc.load(kScenario).isEmpty());
    ChangedRun other = runWithChanges(doc.simulation().scenario(), {{"server.backlog", "1"}}, Time());
    QVERIFY2(other.run, other.error.c_str());
    doc.compareWith(std::move(other.run), QStringLiteral("as written"), QStringLiteral("server.backlog=1"));
    doc.setPlayhead(Time::ms(500));
    ExportDialog d(&doc, nullptr, {});
    chooseData(child<QComboBox>(d, "format"), QStringLiteral("png"));
    setSize(d, 1280, 720);
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("compared.png"));
    typePath(d, out);
    QVERIFY(d.options().otherRun);
    clickExport(d);
    QVERIFY2(d.lastResult().ok(), qPrintable(d.lastResult().errors.join(QLatin1Char('\n'))));

    app::ExportOptions cli = d.options();
    cli.run = nullptr;
    cli.otherRun = nullptr;
    cli.file = kScenario;
    cli.compare = {QStringLiteral("server.backlog=1")};
    cli.out = tmp.filePath(QStringLiteral("cli.png"));
    const app::ExportResult r = app::exportFrames(cli);
    QVERIFY2(r.ok(), qPrintable(r.errors.join(QLatin1Char('\n'))));
    const QImage window(out);
    QVERIFY(!window.isNull());
    QCOMPARE(window, QImage(cli.out));

    doc.endComparison();
    QVERIFY(!d.options().otherRun);
    const QString single = tmp.filePath(QStringLiteral("single.png"));
    typePath(d, single);
    clickExport(d);
    QVERIFY2(d.lastResult().ok(), qPrintable(d.lastResult().errors.join(QLatin1Char('\n'))));
    QVERIFY(QImage(single) != window);
}

// Engine work: needs ExportOptions::scale (pixels per point).
void TestExportDialog::aScaledPngHasTwiceThePixels() {
    views::SimulationDocument doc;
    QVERIFY(doc.load(kScenario).isEmpty());
    ExportDialog d(&doc, nullptr, {});
    setSize(d, 320, 180);
    chooseData(child<QComboBox>(d, "scale"), 2.0);
    QCOMPARE(d.options().scale, 2.0);
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("sharp.png"));
    typePath(d, out);
    clickExport(d);
    QVERIFY2(d.lastResult().ok(), qPrintable(d.lastResult().errors.join(QLatin1Char('\n'))));
    QCOMPARE(QImage(out).size(), QSize(640, 360));
}

void TestExportDialog::aTransparentPngHasNoBackground() {
    views::SimulationDocument doc;
    QVERIFY(doc.load(kScenario).isEmpty());
    ExportDialog d(&doc, nullptr, {});
    setSize(d, 320, 180);
    auto* transparent = child<QCheckBox>(d, "transparent");
    QVERIFY(transparent->isEnabled());
    transparent->setChecked(true);
    QVERIFY(d.options().transparent);
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("clear.png"));
    typePath(d, out);
    clickExport(d);
    QVERIFY2(d.lastResult().ok(), qPrintable(d.lastResult().errors.join(QLatin1Char('\n'))));
    const QImage image(out);
    QVERIFY(image.hasAlphaChannel());
    QCOMPARE(qAlpha(image.pixel(0, 0)), 0);
    // The charts paint their own background: no transparency there.
    chooseData(child<QComboBox>(d, "view"), QStringLiteral("charts"));
    QVERIFY(!transparent->isEnabled());
    QVERIFY(!d.options().transparent);
}

void TestExportDialog::everyViewExportsAFrame_data() {
    QTest::addColumn<QString>("view");
    QTest::addColumn<QString>("format");
    for (const QString& view : {QStringLiteral("stage"), QStringLiteral("ladder"), QStringLiteral("charts")})
        for (const QString& format : {QStringLiteral("png"), QStringLiteral("svg"), QStringLiteral("pdf")})
            QTest::newRow(qPrintable(view + QLatin1Char(' ') + format)) << view << format;
}

void TestExportDialog::everyViewExportsAFrame() {
    QFETCH(QString, view);
    QFETCH(QString, format);
    views::SimulationDocument doc;
    QVERIFY(doc.load(kScenario).isEmpty());
    doc.setPlayhead(Time::s(1));
    ExportDialog d(&doc, nullptr, {});
    d.setLadderConnections({1, 2});
    chooseData(child<QComboBox>(d, "view"), view);
    chooseData(child<QComboBox>(d, "format"), format);
    setSize(d, 640, 360);
    if (view == QLatin1String("ladder"))
        QCOMPARE(d.options().clients, (std::vector<std::int64_t>{1, 2}));
    else
        QVERIFY(d.options().clients.empty());
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("frame.") + format);
    typePath(d, out);
    clickExport(d);
    QVERIFY2(d.lastResult().ok(), qPrintable(d.lastResult().errors.join(QLatin1Char('\n'))));
    QVERIFY(QFileInfo(out).size() > 0);
    if (format == QLatin1String("png")) QCOMPARE(QImage(out).size(), QSize(640, 360));
}

void TestExportDialog::aRangeIntoAFolderHasItsFrameCount() {
    views::SimulationDocument doc;
    QVERIFY(doc.load(kScenario).isEmpty());
    ExportDialog d(&doc, nullptr, {});
    child<QRadioButton>(d, "whatRange")->setChecked(true);
    chooseData(child<QComboBox>(d, "format"), QStringLiteral("png"));
    setSize(d, 320, 180);
    child<QDoubleSpinBox>(d, "from")->setValue(0);
    child<QDoubleSpinBox>(d, "to")->setValue(0.1);
    child<QSpinBox>(d, "fps")->setValue(30);
    // 0, 33.3, 66.6 and 100 ms: both ends fall on a frame.
    QCOMPARE(child<QLabel>(d, "frameCount")->text(), QStringLiteral("(4 frames)"));
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("frames"));
    typePath(d, out);
    QVERIFY(app::writesFolder(d.options().format, false));
    clickExport(d);
    QVERIFY2(d.lastResult().ok(), qPrintable(d.lastResult().errors.join(QLatin1Char('\n'))));
    QCOMPARE(d.lastResult().frames, 4);
    const QStringList frames = QDir(out).entryList({QStringLiteral("*.png")}, QDir::Files, QDir::Name);
    QCOMPARE(frames.size(), 4);
    QCOMPARE(QImage(QDir(out).filePath(frames.front())).size(), QSize(320, 180));
    QCOMPARE(entries(tmp.path()), QStringList{QStringLiteral("frames")}); // no partial folder left
    QVERIFY(child<QLabel>(d, "status")->text().startsWith(QStringLiteral("Exported 4 frames to ")));
    auto* progress = child<QProgressBar>(d, "progress");
    QCOMPARE(progress->value(), progress->maximum());
}

void TestExportDialog::theRangeDefaultsToThePlayheadToTheEnd() {
    views::SimulationDocument doc;
    QVERIFY(doc.load(kScenario).isEmpty());
    {
        // At the start: the whole run.
        ExportDialog d(&doc, nullptr, {});
        child<QRadioButton>(d, "whatRange")->setChecked(true);
        QCOMPARE(*d.options().from, Time());
        QCOMPARE(*d.options().to, doc.end()); // exactly: no rounding past the end
    }
    doc.setPlayhead(Time::ms(1500));
    ExportDialog d(&doc, nullptr, {});
    child<QRadioButton>(d, "whatRange")->setChecked(true);
    QCOMPARE(*d.options().from, Time::ms(1500));
    QCOMPARE(*d.options().to, doc.end());
    QCOMPARE(*d.options().fps, app::ExportLimits::defaultFps);
}

void TestExportDialog::aLessonsFilmIsPacedAndTheCountSaysSo() {
    // A lesson plays paced in the window, so its film does too; a scenario's plays at ×1. The frame
    // count beside the range is the engine's (rangeMoments), whichever clock is chosen.
    views::SimulationDocument lesson;
    QVERIFY(lesson.load(kLesson).isEmpty());
    ExportDialog d(&lesson, nullptr, {});
    child<QRadioButton>(d, "whatRange")->setChecked(true);
    auto* clock = child<QComboBox>(d, "clock");
    QCOMPARE(clock->currentData().toString(), QStringLiteral("paced"));
    QVERIFY(d.options().paced);
    const auto count = [&](const app::ExportOptions& o) {
        return app::rangeMoments(*o.from, *o.to, *o.fps, o.speed, o.paced, lesson.simulation().history(),
                                 1'000'000)
            .size();
    };
    auto* label = child<QLabel>(d, "frameCount");
    QCOMPARE(label->text(), QStringLiteral("(%1 frames)").arg(count(d.options())));
    chooseData(clock, QStringLiteral("1/1000"));
    QVERIFY(!d.options().paced);
    QVERIFY((d.options().speed == views::PlaybackClock::Factor{1, 1000}));
    QCOMPARE(label->text(), QStringLiteral("(%1 frames)").arg(count(d.options())));
    QCOMPARE(count(d.options()), std::size_t{16 * 30 + 1}); // 16 ms at a millisecond a second, 30 a second

    views::SimulationDocument scenario;
    QVERIFY(scenario.load(kScenario).isEmpty());
    QSettings().remove(QStringLiteral("export/clock"));
    ExportDialog plain(&scenario, nullptr, {});
    QCOMPARE(child<QComboBox>(plain, "clock")->currentData().toString(), QStringLiteral("1"));

    // A lesson's stage shows its steps' highlights and zoom unless asked not to; a scenario has none.
    auto* emphasis = child<QCheckBox>(d, "emphasis");
    chooseData(child<QComboBox>(d, "view"), QStringLiteral("stage"));
    QVERIFY(emphasis->isEnabled());
    QVERIFY(emphasis->isChecked());
    QVERIFY(!d.options().plain);
    emphasis->setChecked(false);
    QVERIFY(d.options().plain);
    chooseData(child<QComboBox>(d, "view"), QStringLiteral("ladder"));
    QVERIFY(!emphasis->isEnabled());
    QVERIFY(!child<QCheckBox>(plain, "emphasis")->isEnabled());
}

// Engine work: needs ExportOptions::advanced and ExportOptions::cancelled.
void TestExportDialog::cancelFromProgressLeavesNothingBehind() {
    views::SimulationDocument doc;
    QVERIFY(doc.load(kScenario).isEmpty());
    ExportDialog d(&doc, nullptr, {});
    d.show();
    chooseLongRange(d, doc);
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("frames"));
    typePath(d, out);
    int updates = 0;
    bool formDisabled = false;
    bool cancelEnabled = false;
    connect(&d, &ExportDialog::progressed, &d, [&](int done, int total) {
        if (updates++ > 0 || done >= total) return;
        formDisabled =
            !child<QComboBox>(d, "format")->isEnabled() && !child<QPushButton>(d, "export")->isEnabled();
        cancelEnabled = child<QPushButton>(d, "cancel")->isEnabled();
        // Clicked from the event loop the export spins, as a user's click arrives.
        QTimer::singleShot(0, &d,
                           [&d] { QTest::mouseClick(child<QPushButton>(d, "cancel"), Qt::LeftButton); });
    });
    clickExport(d);
    QVERIFY(updates > 0);
    QVERIFY(formDisabled);
    QVERIFY(cancelEnabled);
    QVERIFY(d.lastResult().cancelled);
    QVERIFY(!QFileInfo::exists(out));
    QCOMPARE(entries(tmp.path()), QStringList()); // no partial folder either
    QVERIFY(child<QLabel>(d, "status")->text().contains(QStringLiteral("Cancelled")));
    // The form is back, with the options as they were.
    QVERIFY(child<QComboBox>(d, "format")->isEnabled());
    QVERIFY(child<QRadioButton>(d, "whatRange")->isChecked());
    QCOMPARE(child<QLineEdit>(d, "out")->text(), out);
    QVERIFY(!child<QPushButton>(d, "cancel")->isEnabled());
    QVERIFY(d.isVisible());
}

// Engine work: needs ExportOptions::advanced and ExportOptions::cancelled.
void TestExportDialog::closingWhileExportingCancels() {
    views::SimulationDocument doc;
    QVERIFY(doc.load(kScenario).isEmpty());
    auto* d = new ExportDialog(&doc, nullptr, {});
    QPointer<ExportDialog> guard(d);
    d->setAttribute(Qt::WA_DeleteOnClose);
    d->show();
    chooseLongRange(*d, doc);
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("frames"));
    typePath(*d, out);
    bool stillThere = false;
    connect(d, &ExportDialog::progressed, d, [&, d](int done, int total) {
        if (done >= total || stillThere) return;
        QTimer::singleShot(0, d, [&, d] {
            d->close();                  // ignored while the export runs...
            stillThere = d->isVisible(); // ...which then stops
        });
    });
    QTest::mouseClick(child<QPushButton>(*d, "export"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!guard, 120000); // closed (and deleted) once the export had stopped
    QVERIFY(stillThere);
    QVERIFY(!QFileInfo::exists(out));
    QCOMPARE(entries(tmp.path()), QStringList());
}

void TestExportDialog::anUnwritablePathShowsAnErrorAndKeepsTheOptions() {
    views::SimulationDocument doc;
    QVERIFY(doc.load(kScenario).isEmpty());
    ExportDialog d(&doc, nullptr, {});
    d.show();
    chooseData(child<QComboBox>(d, "format"), QStringLiteral("svg"));
    chooseData(child<QComboBox>(d, "theme"), QStringLiteral("dark"));
    setSize(d, 1280, 720);
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("missing/frame.svg")); // a folder that does not exist
    typePath(d, out);
    clickExport(d);
    QVERIFY(!d.lastResult().ok());
    auto* error = child<QLabel>(d, "error");
    QVERIFY(error->isVisible());
    QVERIFY2(error->text().contains(QStringLiteral("cannot write")), qPrintable(error->text()));
    QVERIFY(child<QPushButton>(d, "openFolder")->isHidden());
    QVERIFY(d.isVisible());
    // Everything chosen is still there, ready for a corrected path.
    QCOMPARE(child<QComboBox>(d, "format")->currentData().toString(), QStringLiteral("svg"));
    QCOMPARE(child<QComboBox>(d, "theme")->currentData().toString(), QStringLiteral("dark"));
    QCOMPARE(child<QSpinBox>(d, "width")->value(), 1280);
    QCOMPARE(child<QSpinBox>(d, "height")->value(), 720);
    QCOMPARE(child<QLineEdit>(d, "out")->text(), out);
    QVERIFY(child<QComboBox>(d, "format")->isEnabled());
    QVERIFY(child<QPushButton>(d, "export")->isEnabled());
    QCOMPARE(entries(tmp.path()), QStringList());
}

void TestExportDialog::handoutAndStepsNeedALesson() {
    views::SimulationDocument scenario;
    QVERIFY(scenario.load(kScenario).isEmpty());
    {
        ExportDialog d(&scenario, nullptr, {});
        auto* format = child<QComboBox>(d, "format");
        QVERIFY(!itemEnabled(format, QStringLiteral("handout")));
        const int handout = format->findData(QStringLiteral("handout"));
        QVERIFY(!format->itemData(handout, Qt::ToolTipRole).toString().isEmpty());
        QVERIFY(!child<QRadioButton>(d, "whatSteps")->isEnabled());
    }
    views::SimulationDocument lesson;
    QVERIFY(lesson.load(kLesson).isEmpty());
    QVERIFY(lesson.lesson());
    ExportDialog d(&lesson, nullptr, {});
    QVERIFY(itemEnabled(child<QComboBox>(d, "format"), QStringLiteral("handout")));
    QVERIFY(child<QRadioButton>(d, "whatSteps")->isEnabled());
    // A handout is one page per step: choosing it chooses the steps.
    chooseData(child<QComboBox>(d, "format"), QStringLiteral("handout"));
    QVERIFY(child<QRadioButton>(d, "whatSteps")->isChecked());
    QVERIFY(d.options().steps);
    QVERIFY(child<QLineEdit>(d, "out")->text().endsWith(QStringLiteral("-handout.pdf")));
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("handout.pdf"));
    typePath(d, out);
    clickExport(d);
    QVERIFY2(d.lastResult().ok(), qPrintable(d.lastResult().errors.join(QLatin1Char('\n'))));
    QCOMPARE(d.lastResult().frames, static_cast<int>(lesson.lesson()->steps.size()));
    QFile pdf(out);
    QVERIFY(pdf.open(QIODevice::ReadOnly));
    QVERIFY(pdf.read(5) == "%PDF-");
}

// Issue 15: "Web page" is offered for a lesson (with ffmpeg, which makes its film), is the whole lesson
// (the steps are chosen, and no --steps is asked of the export), films the stage whatever view was
// chosen, is named after the lesson, and writes the page.
void TestExportDialog::aLessonPageIsTheWholeLessonOfTheStage() {
    views::SimulationDocument scenario;
    QVERIFY(scenario.load(kScenario).isEmpty());
    {
        ExportDialog d(&scenario, nullptr, {});
        auto* format = child<QComboBox>(d, "format");
        QVERIFY(!itemEnabled(format, QStringLiteral("html")));
        QVERIFY(!format->itemData(format->findData(QStringLiteral("html")), Qt::ToolTipRole)
                     .toString()
                     .isEmpty());
    }
    if (!app::ffmpegAvailable()) QSKIP("ffmpeg is not installed (the Debian package ffmpeg); CI installs it");
    views::SimulationDocument lesson;
    QVERIFY(lesson.load(kLesson).isEmpty());
    ExportDialog d(&lesson, nullptr, {});
    auto* format = child<QComboBox>(d, "format");
    auto* view = child<QComboBox>(d, "view");
    chooseData(view, QStringLiteral("ladder"));
    QVERIFY(itemEnabled(format, QStringLiteral("html")));
    chooseData(format, QStringLiteral("html"));
    QVERIFY(child<QRadioButton>(d, "whatSteps")->isChecked());
    QCOMPARE(view->currentData().toString(), QStringLiteral("stage"));
    QVERIFY(!view->isEnabled());
    const app::ExportOptions o = d.options();
    QVERIFY(!o.steps);
    QCOMPARE(o.format, QStringLiteral("html"));
    QCOMPARE(o.view, QStringLiteral("stage"));
    QVERIFY(child<QLineEdit>(d, "out")->text().endsWith(QStringLiteral("01-two-queues.html")));
    // A small film: the test is about the dialog's path to the page, not its pixels.
    setSize(d, 320, 180);
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("lesson.html"));
    typePath(d, out);
    clickExport(d);
    QVERIFY2(d.lastResult().ok(), qPrintable(d.lastResult().errors.join(QLatin1Char('\n'))));
    QFile page(out);
    QVERIFY(page.open(QIODevice::ReadOnly));
    const QByteArray text = page.readAll();
    QVERIFY(text.startsWith("<!DOCTYPE html>"));
    QVERIFY(text.contains("\"width\":320") && text.contains("\"height\":180"));
    // Back to a single frame: a page is the whole lesson, so "This moment" gives way to a PDF.
    child<QRadioButton>(d, "whatMoment")->setChecked(true);
    QCOMPARE(format->currentData().toString(), QStringLiteral("pdf"));
    QVERIFY(view->isEnabled());
}

void TestExportDialog::aFormatAndTheChoiceFollowEachOther() {
    views::SimulationDocument doc;
    QVERIFY(doc.load(kLesson).isEmpty());
    ExportDialog d(&doc, nullptr, {});
    auto* format = child<QComboBox>(d, "format");
    auto* out = child<QLineEdit>(d, "out");
    // The default name sits next to the lesson file and follows the format and the choice.
    QCOMPARE(QFileInfo(out->text()).absolutePath(), QFileInfo(kLesson).absolutePath());
    QVERIFY(out->text().endsWith(QStringLiteral("01-two-queues.png")));
    chooseData(format, QStringLiteral("pdf"));
    QVERIFY(out->text().endsWith(QStringLiteral(".pdf")));
    child<QRadioButton>(d, "whatRange")->setChecked(true);
    chooseData(format, QStringLiteral("png"));
    QVERIFY(!out->text().endsWith(QStringLiteral(".png"))); // a folder of frames
    // A handout chosen, then "This moment": a single PDF instead.
    chooseData(format, QStringLiteral("handout"));
    child<QRadioButton>(d, "whatMoment")->setChecked(true);
    QCOMPARE(format->currentData().toString(), QStringLiteral("pdf"));
    // Transparency is for PNG only; the scale for pixels only.
    QVERIFY(!child<QCheckBox>(d, "transparent")->isEnabled());
    QVERIFY(!child<QComboBox>(d, "scale")->isEnabled());
    chooseData(format, QStringLiteral("png"));
    QVERIFY(child<QCheckBox>(d, "transparent")->isEnabled());
    QVERIFY(child<QComboBox>(d, "scale")->isEnabled());
    // A typed path keeps its name; only its extension follows the format.
    QTemporaryDir tmp;
    typePath(d, tmp.filePath(QStringLiteral("talk.png")));
    chooseData(format, QStringLiteral("svg"));
    QCOMPARE(out->text(), tmp.filePath(QStringLiteral("talk.svg")));
    // The chart selector shows with the charts only.
    auto* chart = child<QComboBox>(d, "chart");
    QVERIFY(chart->isHidden());
    chooseData(child<QComboBox>(d, "view"), QStringLiteral("charts"));
    QVERIFY(!chart->isHidden());
    chooseData(chart, QStringLiteral("drops"));
    QCOMPARE(d.options().view, QStringLiteral("charts"));
    QCOMPARE(d.options().chart, QStringLiteral("drops"));
    // The size presets fill in the boxes; odd sizes are "Custom".
    auto* preset = child<QComboBox>(d, "sizePreset");
    preset->setCurrentIndex(preset->findData(QSize(3840, 2160)));
    emit preset->activated(preset->currentIndex());
    QCOMPARE(d.options().size, QSize(3840, 2160));
    setSize(d, 1000, 700);
    QVERIFY(!preset->currentData().toSize().isValid());
}

void TestExportDialog::videosNeedFfmpeg() {
    views::SimulationDocument doc;
    QVERIFY(doc.load(kScenario).isEmpty());
    ExportDialog d(&doc, nullptr, {});
    auto* format = child<QComboBox>(d, "format");
    for (const QString& video : {QStringLiteral("gif"), QStringLiteral("mp4"), QStringLiteral("webm")}) {
        QCOMPARE(itemEnabled(format, video), app::ffmpegAvailable());
        const QString tip = format->itemData(format->findData(video), Qt::ToolTipRole).toString();
        if (!app::ffmpegAvailable()) QCOMPARE(tip, QStringLiteral("needs ffmpeg (Debian package ffmpeg)"));
    }
    if (!app::ffmpegAvailable()) return;
    // A video is of a range: choosing one at "This moment" chooses the range.
    QVERIFY(child<QRadioButton>(d, "whatMoment")->isChecked());
    chooseData(format, QStringLiteral("gif"));
    QVERIFY(child<QRadioButton>(d, "whatRange")->isChecked());
    QVERIFY(child<QLineEdit>(d, "out")->text().endsWith(QStringLiteral(".gif")));
    // GIF frame delays are hundredths of a second: the dialog offers at most 50 frames a second.
    QCOMPARE(child<QSpinBox>(d, "fps")->maximum(), 50);
    setSize(d, 320, 180);
    child<QDoubleSpinBox>(d, "from")->setValue(0);
    child<QDoubleSpinBox>(d, "to")->setValue(0.5);
    child<QSpinBox>(d, "fps")->setValue(10);
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("film.gif"));
    typePath(d, out);
    clickExport(d);
    QVERIFY2(d.lastResult().ok(), qPrintable(d.lastResult().errors.join(QLatin1Char('\n'))));
    QCOMPARE(d.lastResult().frames, 6);
    QFile gif(out);
    QVERIFY(gif.open(QIODevice::ReadOnly));
    QVERIFY(gif.read(4) == "GIF8");
    QCOMPARE(entries(tmp.path()), QStringList{QStringLiteral("film.gif")});
}

void TestExportDialog::thePreviewShowsTheFirstFrame() {
    views::SimulationDocument doc;
    QVERIFY(doc.load(kScenario).isEmpty());
    ExportDialog d(&doc, nullptr, {});
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    QTRY_VERIFY(!d.preview().isNull());
    // Another shape of frame gives another shape of preview (the debounced repaint follows the form).
    setSize(d, 1000, 1000);
    QTRY_COMPARE(d.preview().width(), d.preview().height());
    setSize(d, 1920, 1080);
    QTRY_VERIFY(d.preview().width() > d.preview().height());
    chooseData(child<QComboBox>(d, "theme"), QStringLiteral("dark"));
    QSignalSpy spy(&d, &ExportDialog::previewUpdated);
    QVERIFY(spy.wait());
    QVERIFY(!d.preview().isNull());
}

// The preview is the whole first frame, shrunk (not its top-left corner, as a frame painted at a
// fraction of a pixel per point would be today).
void TestExportDialog::thePreviewIsTheWholeFrameShrunk() {
    views::SimulationDocument doc;
    QVERIFY(doc.load(kScenario).isEmpty());
    doc.setPlayhead(Time::s(1));
    ExportDialog d(&doc, nullptr, {});
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    QTRY_VERIFY(!d.preview().isNull());
    const QImage preview = d.preview().toImage().convertToFormat(QImage::Format_RGB32);
    // The same frame at one pixel per point, shrunk here to the preview's size.
    app::ExportOptions o = d.options();
    QTemporaryDir tmp;
    o.out = tmp.filePath(QStringLiteral("full.png"));
    const app::ExportResult r = app::exportFrames(o);
    QVERIFY2(r.ok(), qPrintable(r.errors.join(QLatin1Char('\n'))));
    const QImage full = QImage(o.out)
                            .scaled(preview.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation)
                            .convertToFormat(QImage::Format_RGB32);
    // Painted small and shrunk differ in anti-aliasing and text hinting only: a small mean difference.
    double difference = 0;
    for (int y = 0; y < preview.height(); ++y)
        for (int x = 0; x < preview.width(); ++x) {
            const QRgb a = preview.pixel(x, y);
            const QRgb b = full.pixel(x, y);
            difference +=
                std::abs(qRed(a) - qRed(b)) + std::abs(qGreen(a) - qGreen(b)) + std::abs(qBlue(a) - qBlue(b));
        }
    difference /= 3.0 * preview.width() * preview.height();
    QVERIFY2(difference < 8, qPrintable(QStringLiteral("mean difference %1 of 255").arg(difference)));
}

void TestExportDialog::theOptionsAreRemembered() {
    views::SimulationDocument doc;
    QVERIFY(doc.load(kScenario).isEmpty());
    QTemporaryDir tmp;
    {
        ExportDialog d(&doc, nullptr, {});
        chooseData(child<QComboBox>(d, "format"), QStringLiteral("svg"));
        chooseData(child<QComboBox>(d, "view"), QStringLiteral("ladder"));
        chooseData(child<QComboBox>(d, "theme"), QStringLiteral("projector"));
        setSize(d, 1280, 720);
        typePath(d, tmp.filePath(QStringLiteral("ladder.svg")));
        clickExport(d);
        QVERIFY2(d.lastResult().ok(), qPrintable(d.lastResult().errors.join(QLatin1Char('\n'))));
    }
    ExportDialog d(&doc, nullptr, {});
    QCOMPARE(child<QComboBox>(d, "format")->currentData().toString(), QStringLiteral("svg"));
    QCOMPARE(child<QComboBox>(d, "view")->currentData().toString(), QStringLiteral("ladder"));
    QCOMPARE(child<QComboBox>(d, "theme")->currentData().toString(), QStringLiteral("projector"));
    QCOMPARE(d.options().size, QSize(1280, 720));
    QCOMPARE(app::settings::exportFormat.get(), QStringLiteral("svg"));
}

void TestExportDialog::ctrlEOpensTheDialogForTheWindowsRun() {
    app::MainWindow w;
    auto* action = w.findChild<QAction*>(QStringLiteral("actionExport"));
    QVERIFY(action);
    QVERIFY(!action->isEnabled()); // nothing loaded yet
    QVERIFY(w.openFile(kLesson));
    QVERIFY(action->isEnabled());
    w.show();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    QTest::keyClick(&w, Qt::Key_E, Qt::ControlModifier);
    QTRY_VERIFY(w.exportDialog() && w.exportDialog()->isVisible());
    ExportDialog& d = *w.exportDialog();
    // The window's run (a copy of it as it is), not the file read again.
    QVERIFY(d.options().run && d.options().run->path() == w.document()->path() && d.options().file.isEmpty());
    QVERIFY(child<QRadioButton>(d, "whatSteps")->isEnabled());
    // The window as it stands, at its own size, through a range of moments; its playhead goes back where
    // it was afterwards.
    const Time before = w.document()->playhead();
    chooseData(child<QComboBox>(d, "view"), QStringLiteral("window"));
    chooseData(child<QComboBox>(d, "format"), QStringLiteral("png"));
    QVERIFY(!child<QSpinBox>(d, "width")->isEnabled());
    child<QRadioButton>(d, "whatRange")->setChecked(true);
    // The lesson is 16 ms of a LAN: 0, 4.2, 8.3 and 12.5 ms at 240 frames a simulated second.
    QCOMPARE(w.document()->end(), Time::ms(16));
    child<QDoubleSpinBox>(d, "from")->setValue(0);
    auto* to = child<QDoubleSpinBox>(d, "to");
    to->setValue(to->maximum());
    child<QSpinBox>(d, "fps")->setValue(240);
    chooseData(child<QComboBox>(d, "clock"), QStringLiteral("1")); // a lesson's film is paced unless told
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("window"));
    typePath(d, out);
    clickExport(d);
    QVERIFY2(d.lastResult().ok(), qPrintable(d.lastResult().errors.join(QLatin1Char('\n'))));
    const QStringList frames = QDir(out).entryList({QStringLiteral("*.png")}, QDir::Files, QDir::Name);
    QCOMPARE(frames.size(), 4);
    QCOMPARE(QImage(QDir(out).filePath(frames.back())).size(), w.size());
    QCOMPARE(w.document()->playhead(), before);
    QPointer<ExportDialog> guard(&d);
    QTest::keyClick(&d, Qt::Key_Escape);
    QTRY_VERIFY(!guard);
}

void TestExportDialog::aLessonChangedDuringAnExportIsReadAtOnce() {
    // The window reads a lesson file again when it changes (an editor beside it), export or not: the
    // export paints its own copy of the run, which the reload does not touch.
    QTemporaryDir tmp;
    const QString lesson = tmp.filePath(QStringLiteral("flood.yaml"));
    QVERIFY(QFile::copy(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/06-syn-flood.yaml"), lesson));
    app::MainWindow w;
    QVERIFY(w.openFile(lesson));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.showExportDialog();
    QTRY_VERIFY(w.exportDialog() && w.exportDialog()->isVisible());
    ExportDialog& d = *w.exportDialog();
    chooseLongRange(d, *w.document());
    chooseData(child<QComboBox>(d, "clock"), QStringLiteral("1"));
    typePath(d, tmp.filePath(QStringLiteral("frames")));
    const auto title = [&w] {
        const Lesson* l = w.document()->lesson();
        return l != nullptr ? QString::fromStdString(l->title) : QString();
    };
    bool edited = false, readDuringTheExport = false;
    connect(&d, &ExportDialog::progressed, &d, [&](int done, int) {
        if (done == 0 || edited) return;
        edited = true;
        QFile f(lesson);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QByteArray text = f.readAll();
        f.close();
        text.replace("title: A SYN flood", "title: A SYN flood, edited");
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(text) == text.size());
        f.close();
    });
    connect(w.document(), &views::SimulationDocument::loaded, &d,
            [&] { readDuringTheExport = readDuringTheExport || d.isExporting(); });
    QTest::mouseClick(child<QPushButton>(d, "export"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(title() == QStringLiteral("A SYN flood, edited") || !d.isExporting(), 120000);
    QTRY_VERIFY_WITH_TIMEOUT(!d.isExporting(), 120000);
    QVERIFY2(d.lastResult().ok(), qPrintable(d.lastResult().errors.join(QLatin1Char('\n'))));
    QVERIFY(edited);
    QTRY_COMPARE(title(), QStringLiteral("A SYN flood, edited"));
    if (!readDuringTheExport)
        qWarning("the export ended before the window read the lesson again: a weaker check");
}

// The preview of a range is its first frame, whatever its clock: paced (a lesson's default) and slowed
// films too, which the engine refuses as one frame unless the preview leaves their clock out.
void TestExportDialog::thePreviewOfAPacedOrSlowRangeIsItsFirstFrame_data() {
    QTest::addColumn<QString>("clock");
    QTest::newRow("paced") << "paced";
    QTest::newRow("1/1000") << "1/1000";
    QTest::newRow("x1") << "1";
}

void TestExportDialog::thePreviewOfAPacedOrSlowRangeIsItsFirstFrame() {
    QFETCH(QString, clock);
    views::SimulationDocument doc;
    QVERIFY(doc.load(kLesson).isEmpty());
    ExportDialog d(&doc, nullptr, {});
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    child<QRadioButton>(d, "whatRange")->setChecked(true);
    chooseData(child<QComboBox>(d, "format"), QStringLiteral("mp4"));
    chooseData(child<QComboBox>(d, "clock"), clock);
    setSize(d, 640, 360);
    child<QDoubleSpinBox>(d, "from")->setValue(0.002);
    child<QDoubleSpinBox>(d, "to")->setValue(0.5);
    QCOMPARE(d.options().paced, clock == QLatin1String("paced"));
    QSignalSpy spy(&d, &ExportDialog::previewUpdated);
    QVERIFY(spy.wait());
    auto* preview = child<QLabel>(d, "preview");
    QVERIFY2(!d.preview().isNull(), qPrintable(preview->text()));
    QCOMPARE(preview->text(), QString());

    // The first frame of that range, at one pixel per point, shrunk as the preview is.
    app::ExportOptions o = d.options();
    QTemporaryDir tmp;
    o.out = tmp.filePath(QStringLiteral("frame.png"));
    o.format = QStringLiteral("png");
    o.at = *o.from;
    o.from.reset();
    o.to.reset();
    o.fps.reset();
    o.paced = false;
    o.speed = {1, 1};
    const app::ExportResult r = app::exportFrames(o);
    QVERIFY2(r.ok(), qPrintable(r.errors.join(QLatin1Char('\n'))));
    const QImage shown = d.preview().toImage().convertToFormat(QImage::Format_RGB32);
    const QImage first = QImage(o.out)
                             .scaled(shown.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation)
                             .convertToFormat(QImage::Format_RGB32);
    QCOMPARE(shown, first);
}

// The path of the lesson itself (here by a symbolic link) is refused with the engine's words, before
// any question about replacing it, and the lesson is left as it was.
void TestExportDialog::theLessonIsNeverTheOutput() {
    QTemporaryDir tmp;
    const QString lesson = tmp.filePath(QStringLiteral("lesson.yaml"));
    QVERIFY(QFile::copy(kLesson, lesson));
    const QString link = tmp.filePath(QStringLiteral("link.yaml"));
    QVERIFY(QFile::link(lesson, link));
    QFile f(lesson);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray original = f.readAll();
    f.close();
    views::SimulationDocument doc;
    QVERIFY(doc.load(lesson).isEmpty());
    ExportDialog d(&doc, nullptr, {});
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    chooseData(child<QComboBox>(d, "format"), QStringLiteral("handout"));
    // Typed with the lesson's own extension: the dialog keeps a typed path.
    auto* out = child<QLineEdit>(d, "out");
    out->setText(link);
    // A question about replacing the file would be a failure here: answered No, if one came.
    bool asked = false;
    QTimer::singleShot(2000, &d, [&asked] {
        if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
            asked = true;
            box->reject();
        }
    });
    clickExport(d);
    QVERIFY(!asked);
    QVERIFY(!d.lastResult().ok());
    auto* error = child<QLabel>(d, "error");
    QVERIFY(error->isVisible());
    QCOMPARE(error->text(), app::outIsTheInput(link, lesson));
    QVERIFY2(
        error->text().startsWith(
            QStringLiteral("--out %1: that is the file being exported").arg(QDir::toNativeSeparators(link))),
        qPrintable(error->text()));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), original);
    f.close();
    QCOMPARE(entries(tmp.path()), (QStringList{QStringLiteral("lesson.yaml"), QStringLiteral("link.yaml")}));
    QVERIFY(child<QPushButton>(d, "export")->isEnabled());
}

// A PDF onto a full disk: the dialog shows the engine's error with the system's reason, and the PDF
// that was there is kept. A 64 KB tmpfs, mounted as root (CI runs the tests as root); skipped otherwise.
void TestExportDialog::aFullDiskShowsTheSystemsReasonAndKeepsTheFile() {
#ifndef Q_OS_LINUX
    QSKIP("a small tmpfs to fill is mounted on Linux only");
#else
    QTemporaryDir mountPoint;
    QProcess mount;
    mount.start(QStringLiteral("mount"),
                {QStringLiteral("-t"), QStringLiteral("tmpfs"), QStringLiteral("-o"),
                 QStringLiteral("size=64k"), QStringLiteral("tmpfs"), mountPoint.path()});
    if (!mount.waitForFinished(20'000) || mount.exitStatus() != QProcess::NormalExit || mount.exitCode() != 0)
        QSKIP(qPrintable(
            QStringLiteral("mount -t tmpfs -o size=64k failed (it needs root; CI runs the tests as root): %1")
                .arg(QString::fromLocal8Bit(mount.readAllStandardError()).trimmed() + mount.errorString())));
    // Unmounted however the test ends.
    struct Unmount {
        QString path;
        ~Unmount() {
            if (QProcess::execute(QStringLiteral("umount"), {path}) != 0)
                QProcess::execute(QStringLiteral("umount"), {QStringLiteral("-l"), path});
        }
    } unmount{mountPoint.path()};
    const QDir disk(mountPoint.path());
    const QString target = disk.filePath(QStringLiteral("handout.pdf"));
    const QByteArray good = QByteArray("%PDF-1.4 the handout from last term\n").repeated(100);
    {
        QFile f(target);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(good), good.size());
    }
    {
        // Full, but for one page.
        QFile filler(disk.filePath(QStringLiteral("filler")));
        QVERIFY(filler.open(QIODevice::WriteOnly | QIODevice::Unbuffered));
        const QByteArray block(4096, 'f');
        while (filler.write(block) > 0) {
        }
        filler.close();
        QVERIFY(filler.resize(filler.size() - 4096));
    }
    views::SimulationDocument doc;
    QVERIFY(doc.load(kLesson).isEmpty());
    ExportDialog d(&doc, nullptr, {});
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    chooseData(child<QComboBox>(d, "format"), QStringLiteral("handout"));
    child<QLineEdit>(d, "out")->setText(target);
    // The file that is there is to be replaced: the question is answered Yes.
    QTimer answer;
    connect(&answer, &QTimer::timeout, &d, [] {
        if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget()))
            box->button(QMessageBox::Yes)->click();
    });
    answer.start(50);
    clickExport(d);
    answer.stop();
    QVERIFY(!d.lastResult().ok());
    auto* error = child<QLabel>(d, "error");
    QVERIFY(error->isVisible());
    QCOMPARE(error->text(), d.lastResult().errors.join(QLatin1Char('\n')));
    QVERIFY2(error->text().startsWith(target + QStringLiteral(": cannot write: No space left on device")),
             qPrintable(error->text()));
    QVERIFY(child<QPushButton>(d, "openFolder")->isHidden());
    QFile kept(target);
    QVERIFY(kept.open(QIODevice::ReadOnly));
    QCOMPARE(kept.readAll(), good);
    QCOMPARE(entries(mountPoint.path()),
             (QStringList{QStringLiteral("filler"), QStringLiteral("handout.pdf")}));
#endif
}

// The window answers while it exports: the user drags the playhead on the timeline and changes the run
// at it, and the export goes on painting the run it started with, exactly as the file gives it.
void TestExportDialog::theWindowAnswersDuringAnExportAndTheExportKeepsItsRun() {
    app::MainWindow w;
    QVERIFY(w.openFile(kScenario));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.showExportDialog();
    QTRY_VERIFY(w.exportDialog() && w.exportDialog()->isVisible());
    ExportDialog& d = *w.exportDialog();
    QVERIFY(!d.isModal());
    chooseLongRange(d, *w.document());
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("frames"));
    typePath(d, out);
    auto* timeline = w.findChild<views::TimelineView*>();
    QVERIFY(timeline && timeline->isVisible());

    int ticks = 0; // the window's own timer, served while the export runs
    QTimer tick;
    connect(&tick, &QTimer::timeout, &tick, [&] { ticks += d.isExporting() ? 1 : 0; });
    tick.start(5);
    const Time before = w.document()->playhead();
    bool dragged = false, changed = false;
    connect(&d, &ExportDialog::progressed, &d, [&](int done, int total) {
        if (dragged || done == 0 || done >= total) return;
        dragged = true;
        // A drag along the timeline, as a user's hand does it.
        const int y = timeline->height() / 2;
        QTest::mousePress(timeline, Qt::LeftButton, {}, QPoint(5, y));
        QTest::mouseMove(timeline, QPoint(timeline->width() / 3, y));
        QTest::mouseMove(timeline, QPoint(timeline->width() / 2, y));
        QTest::mouseRelease(timeline, Qt::LeftButton, {}, QPoint(timeline->width() / 2, y));
        // And a change of the run at the playhead (the parameters dock's way).
        changed = w.document()->change(QStringLiteral("server.backlog"), QStringLiteral("2")).isEmpty();
    });
    app::ExportOptions fromFile = d.options(); // the form follows the changed run after the export
    QTest::mouseClick(child<QPushButton>(d, "export"), Qt::LeftButton);
    QVERIFY(d.isExporting());
    QTRY_VERIFY_WITH_TIMEOUT(dragged, 120000);
    QVERIFY(d.isExporting() || d.lastResult().ok());
    QVERIFY(w.document()->playhead() != before); // the window moved under the user's hand
    QVERIFY(changed);
    QTRY_VERIFY_WITH_TIMEOUT(!d.isExporting(), 120000);
    tick.stop();
    QVERIFY2(d.lastResult().ok(), qPrintable(d.lastResult().errors.join(QLatin1Char('\n'))));
    QVERIFY(ticks > 0);

    // Every frame of the run as the file gives it (the change came after the export began).
    fromFile.run.reset();
    fromFile.file = kScenario;
    fromFile.out = tmp.filePath(QStringLiteral("from-file"));
    const app::ExportResult r = app::exportFrames(fromFile);
    QVERIFY2(r.ok(), qPrintable(r.errors.join(QLatin1Char('\n'))));
    QCOMPARE(d.lastResult().frames, r.frames);
    const QStringList frames = QDir(out).entryList(QDir::Files, QDir::Name);
    QCOMPARE(frames.size(), r.frames);
    for (const QString& f : frames) {
        QFile a(QDir(out).filePath(f)), b(QDir(fromFile.out).filePath(f));
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        QVERIFY2(a.readAll() == b.readAll(), qPrintable(f));
    }
    // The form follows the changed run once the export is over.
    QVERIFY(child<QComboBox>(d, "format")->isEnabled());
}

// The playhead moved while an export ran (and nothing else changed): once it is over, "This moment" is
// where the playhead is now, not where it was when the dialog opened.
void TestExportDialog::thisMomentIsThePlayheadAfterAnExport() {
    app::MainWindow w;
    QVERIFY(w.openFile(kScenario));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.showExportDialog();
    QTRY_VERIFY(w.exportDialog() && w.exportDialog()->isVisible());
    ExportDialog& d = *w.exportDialog();
    chooseLongRange(d, *w.document());
    QTemporaryDir tmp;
    typePath(d, tmp.filePath(QStringLiteral("frames")));
    auto* moment = child<QRadioButton>(d, "whatMoment");
    const QString atOpening = moment->text();
    bool moved = false;
    connect(&d, &ExportDialog::progressed, &d, [&](int done, int total) {
        if (moved || done == 0 || done >= total) return;
        moved = true;
        w.document()->setPlayhead(w.document()->end() / 2);
    });
    QTest::mouseClick(child<QPushButton>(d, "export"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(moved, 120000);
    QCOMPARE(moment->text(), atOpening); // the form is the export's while it runs
    QTRY_VERIFY_WITH_TIMEOUT(!d.isExporting(), 120000);
    QVERIFY2(d.lastResult().ok(), qPrintable(d.lastResult().errors.join(QLatin1Char('\n'))));
    QVERIFY(moment->text() != atOpening);
    // The same words the form gives that moment when the playhead comes to it outside an export.
    const QString afterExport = moment->text();
    const Time mid = w.document()->playhead();
    w.document()->setPlayhead(Time());
    QCOMPARE(moment->text(), atOpening);
    w.document()->setPlayhead(mid);
    QCOMPARE(moment->text(), afterExport);
}

// The window view is the window as it is: if its run changes during the export, the frames would mix
// two runs, so the export stops and says why.
void TestExportDialog::theWindowViewStopsWhenTheWindowsRunChanges() {
    app::MainWindow w;
    QVERIFY(w.openFile(kScenario));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.showExportDialog();
    QTRY_VERIFY(w.exportDialog() && w.exportDialog()->isVisible());
    ExportDialog& d = *w.exportDialog();
    chooseLongRange(d, *w.document());
    chooseData(child<QComboBox>(d, "view"), QStringLiteral("window"));
    chooseData(child<QComboBox>(d, "format"), QStringLiteral("png"));
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("frames"));
    typePath(d, out);
    const Time before = w.document()->playhead();
    bool changed = false;
    connect(&d, &ExportDialog::progressed, &d, [&](int done, int total) {
        if (changed || done == 0 || done >= total) return;
        changed = w.document()->change(QStringLiteral("server.backlog"), QStringLiteral("2")).isEmpty();
    });
    QTest::mouseClick(child<QPushButton>(d, "export"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!d.isExporting(), 120000);
    if (!changed) QSKIP("the export was over before it reported progress");
    QVERIFY(!d.lastResult().ok());
    QVERIFY2(d.lastResult()
                 .errors.join(QLatin1Char('\n'))
                 .contains(QStringLiteral("the window's run changed during the export")),
             qPrintable(d.lastResult().errors.join(QLatin1Char('\n'))));
    QVERIFY(!QFileInfo::exists(out));
    QCOMPARE(entries(tmp.path()), QStringList());
    QCOMPARE(w.document()->playhead(), before); // put back after every frame
}

QTEST_MAIN(TestExportDialog)
#include "tst_exportdialog.moc"
