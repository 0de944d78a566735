// `backlog export` through the function the command line calls: a frame is exactly what the renderers
// paint, lesson steps carry their emphasis, SVG and PDF are valid, the same options give the same bytes
// (whatever the number of threads), bad options are refused before anything is written, and a failed
// export leaves nothing behind. And the export without a window (issue 12): a job on its own thread
// writes what the calling thread would, from its own copy of the window's run, and the command line
// makes no window at all.
#include "app/cli/CommandLine.h"
#include "app/export/Export.h"

#include "app/export/PngEncoder.h"
#include "model/history/History.h"
#include "model/lesson/Lesson.h"
#include "model/lesson/Markdown.h"
#include "model/tools/Comparison.h"
#include "tests/common/TinyDisk.h"
#include "tests/common/VideoProbe.h"
#include "tests/common/ViewTest.h"
#include "views/document/LessonPlayer.h"
#include "views/document/SimulationDocument.h"
#include "views/render/ComparedStages.h"
#include "views/render/Fonts.h"
#include "views/render/LadderRenderer.h"
#include "views/render/StageRenderer.h"
#include "views/render/StateDiagramRenderer.h"
#include "views/render/Theme.h"
#include "views/widgets/ChartsView.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QMainWindow>
#include <QPainter>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <QWidget>

#include <algorithm>
#include <memory>

using namespace backlog;
using backlog::app::exportFrames;
using backlog::app::ExportOptions;
using backlog::app::ExportResult;
using backlog::test::Probe;
using backlog::test::probe;

using backlog::test::TinyDisk;

class TestExport : public QObject {
    Q_OBJECT
  private slots:
    void aFrameIsWhatTheStageRendererPaints();
    void aLadderFrameIsWhatTheLadderRendererPaints();
    void aComparedFrameIsBothStagesOnOneClock();
    void aStatesFrameIsWhatTheStateDiagramPaints();
    void aLessonsFrameShowsItsStepLikeTheWindow();
    void stepsGiveOneFramePerStepWithItsEmphasis();
    void aSequenceIsNumberedInOrder();
    void svgAndPdfAreValid();
    void theSameOptionsGiveTheSameBytes();
    void zoomedTextIsTheSameOnAnyThread();
    void anEmptyFolderIsFilled();
    void aFailedExportLeavesNothingBehind();
    void badOptionsAreRefused_data();
    void badOptionsAreRefused();

    // Issue 6, second part: what slides need beyond a plain frame.
    void thePngEncoderKeepsEveryPixel_data();
    void thePngEncoderKeepsEveryPixel();
    void aTransparentFrameHasOnlyTheDrawing();
    void aScaledFrameIsTheSameLayoutInMorePixels();
    void theWindowsOwnRunIsExported();
    void theWindowsComparisonIsExportedOnlyAsStages();
    void theChartsAndTheWindowAreExported();
    void aHandoutHasAPagePerStepWithItsWords();
    void videosAreMadeByFfmpeg_data();
    void videosAreMadeByFfmpeg();
    void withoutFfmpegTheMessageNamesThePackage();
    void progressCountsUpToTheTotal();
    void aFilmPlaysAtItsSpeedOrPaced();
    void speedsAreReadAsTyped_data();
    void speedsAreReadAsTyped();
    void cancellingLeavesNothingBehind_data();
    void cancellingLeavesNothingBehind();
    void aWindowsSizeIsCheckedLikeAnyOther();
    void exportedFramesMatchTheirGoldenImages_data();
    void exportedFramesMatchTheirGoldenImages();

    // Issue 11: files are never lost.
    void aFullDiskIsAnErrorAndKeepsWhatWasThere_data();
    void aFullDiskIsAnErrorAndKeepsWhatWasThere();
    void aFullDiskFailsTheCommandLine_data();
    void aFullDiskFailsTheCommandLine();
    void theOutputIsNeverTheInput_data();
    void theOutputIsNeverTheInput();

    // Issue 12: export without the window.
    void aCopyOfTheWindowsRunIsThatRun();
    void aJobPaintsOnItsThreadAndTheChartsOnTheGuiThread_data();
    void aJobPaintsOnItsThreadAndTheChartsOnTheGuiThread();
    void aJobIsCancelledByItsDestructor();
    void theWindowIsPaintedByTheWindowOnTheGuiThread();
    void theCommandLineOpensNoWindow();
    void cleanup();

  private:
    std::unique_ptr<TinyDisk> disk_; // a row's small tmpfs, unmounted in cleanup()
};

namespace {

const QString kBurst = QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/e2-burst.yaml");
const QString kTwoQueues = QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/01-two-queues.yaml");

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

ExportOptions options(const QString& file, const QString& out) {
    ExportOptions o;
    o.file = file;
    o.out = out;
    o.size = QSize(800, 450); // small: the tests are about the path, not the pixels' count
    return o;
}

// What the window's stage paints at t into an image of `size`.
QImage stage(const views::SimulationDocument& doc, Time t, QSize size, const views::Theme& theme,
             const views::StageRenderer::Emphasis& emphasis = {}, double scale = 1) {
    QImage image(size * scale, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(scale);
    image.fill(theme.background);
    QPainter p(&image);
    views::StageRenderer().paint(p, QRectF(QPointF(0, 0), QSizeF(size)), doc.simulation(), t, theme,
                                 emphasis);
    p.end();
    image.setDevicePixelRatio(1);
    return image.convertToFormat(QImage::Format_ARGB32);
}

// "/Type /Page" objects (not "/Type /Pages"): the pages of a PDF.
int pageCount(const QByteArray& pdf) {
    static const QRegularExpression page(QStringLiteral("/Type\\s*/Page(?!s)"));
    int n = 0;
    for (auto it = page.globalMatch(QString::fromLatin1(pdf)); it.hasNext(); it.next())
        ++n;
    return n;
}

QImage loaded(const QString& path) {
    return QImage(path).convertToFormat(QImage::Format_ARGB32);
}

// The text of a PDF's pages, as pdftotext (poppler-utils) reads it, a page per entry; empty without it.
QStringList pdfText(const QString& path) {
    QProcess p;
    p.start(QStringLiteral("pdftotext"),
            {QStringLiteral("-raw"), path, QStringLiteral("-")}); // in drawing order
    if (!p.waitForFinished(60'000) || p.exitCode() != 0) return {};
    QStringList pages = QString::fromUtf8(p.readAllStandardOutput()).split(QLatin1Char('\f'));
    if (!pages.isEmpty() && pages.back().trimmed().isEmpty()) pages.removeLast();
    return pages;
}

// Sets an environment variable for a scope.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, const QByteArray& value)
        : name_(name), had_(qEnvironmentVariableIsSet(name)), old_(qgetenv(name)) {
        qputenv(name, value);
    }
    ~ScopedEnv() { had_ ? qputenv(name_, old_) : qunsetenv(name_); }

  private:
    const char* name_;
    bool had_;
    QByteArray old_;
};

// Everything in `folder`, hidden entries too, sorted by name.
QStringList entries(const QString& folder) {
    return QDir(folder).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System,
                                  QDir::Name);
}

// Everything in `folder` whose name starts with `prefix` (the partial folders an export may leave).
QStringList entriesStartingWith(const QString& folder, const QString& prefix) {
    return QDir(folder).entryList({prefix + QLatin1Char('*')},
                                  QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
}

} // namespace

void TestExport::aFrameIsWhatTheStageRendererPaints() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    views::SimulationDocument doc;
    QVERIFY(doc.load(kBurst).isEmpty());
    for (const QString& theme : {QStringLiteral("light"), QStringLiteral("projector")}) {
        ExportOptions o = options(kBurst, dir.filePath(theme + QStringLiteral(".png")));
        o.at = Time::us(1500); // the burst in flight: streams, packets, filling queues
        o.theme = theme;
        const ExportResult r = exportFrames(o);
        QVERIFY2(r.ok(), qPrintable(r.errors.join('\n')));
        QCOMPARE(r.frames, 1);
        const QImage written = loaded(o.out);
        QCOMPARE(written.size(), o.size);
        QVERIFY(written == stage(doc, *o.at, o.size, views::Theme::byName(theme)));
    }
}

// --compare (issue 16): the file run again with the change, both stages painted on one clock as the
// window's split stage paints them (ComparedStages.h), titled "as written" and with the change; a PDF
// of steps and a film of a span take it too.
void TestExport::aComparedFrameIsBothStagesOnOneClock() {
    QTemporaryDir dir;
    ExportOptions o = options(kBurst, dir.filePath(QStringLiteral("compared.png")));
    o.at = Time::us(1500);
    o.compare = {QStringLiteral("server.backlog=512")};
    const ExportResult r = exportFrames(o);
    QVERIFY2(r.ok(), qPrintable(r.errors.join('\n')));
    QStringList errors;
    const auto a = app::ExportRun::load(kBurst, errors);
    const auto b = app::ExportRun::load(kBurst, errors, {"server.backlog=512"});
    QVERIFY(a && b);
    QCOMPARE(b->simulation().scenario().server.backlog, std::int64_t{512});
    const views::Theme theme = views::Theme::byName(QStringLiteral("light"));
    QImage expected(o.size, QImage::Format_ARGB32_Premultiplied);
    expected.fill(theme.background);
    QPainter p(&expected);
    const views::StageRenderer left, right;
    views::paintComparedStages(
        p, QRectF(QPointF(0, 0), QSizeF(o.size)),
        {views::ComparedSide{&left, &a->simulation(), QStringLiteral("as written")},
         views::ComparedSide{&right, &b->simulation(), QStringLiteral("server.backlog=512")}},
        *o.at, theme, {});
    p.end();
    QVERIFY(loaded(o.out) == expected.convertToFormat(QImage::Format_ARGB32));
}

void TestExport::aLadderFrameIsWhatTheLadderRendererPaints() {
    QTemporaryDir dir;
    views::SimulationDocument doc;
    QVERIFY(doc.load(kBurst).isEmpty());
    ExportOptions o = options(kBurst, dir.filePath(QStringLiteral("ladder.png")));
    o.at = Time::ms(3);
    o.view = QStringLiteral("ladder");
    o.clients = {0, 150};
    o.theme = QStringLiteral("dark");
    QVERIFY(exportFrames(o).ok());
    const views::Theme theme = views::Theme::dark();
    QImage expected(o.size, QImage::Format_ARGB32_Premultiplied);
    expected.fill(theme.background);
    QPainter p(&expected);
    views::LadderRenderer().paint(p, QRectF(QPointF(0, 0), QSizeF(o.size)), doc.simulation(), *o.at, theme,
                                  {0, 150});
    p.end();
    QVERIFY(loaded(o.out) == expected.convertToFormat(QImage::Format_ARGB32));
}

void TestExport::aStatesFrameIsWhatTheStateDiagramPaints() {
    QTemporaryDir dir;
    views::SimulationDocument doc;
    QVERIFY(doc.load(kBurst).isEmpty());
    ExportOptions o = options(kBurst, dir.filePath(QStringLiteral("states.svg")));
    o.at = Time::ms(3);
    o.view = QStringLiteral("states");
    o.clients = {150};
    QVERIFY(exportFrames(o).ok());
    QVERIFY(QSvgRenderer(o.out).isValid());
    o.out = dir.filePath(QStringLiteral("states.png"));
    QVERIFY(exportFrames(o).ok());
    const views::Theme theme = views::Theme::light();
    QImage expected(o.size, QImage::Format_ARGB32_Premultiplied);
    expected.fill(theme.background);
    QPainter p(&expected);
    views::StateDiagramRenderer().paint(p, QRectF(QPointF(0, 0), QSizeF(o.size)), doc.simulation(), *o.at,
                                        theme, 150);
    p.end();
    QVERIFY(loaded(o.out) == expected.convertToFormat(QImage::Format_ARGB32));
}

void TestExport::aLessonsFrameShowsItsStepLikeTheWindow() {
    // A moment of a lesson is drawn with the step the class is at then (its highlights and zoom), as the
    // window's stage draws it; --plain leaves them out.
    QTemporaryDir dir;
    views::SimulationDocument doc;
    QVERIFY(doc.load(kTwoQueues).isEmpty());
    const Lesson& lesson = *doc.lesson();
    const Time t = doc.stepTimes()[1] + Time::us(100); // inside step 2, which zooms to the SYN queue
    const int step = views::stepAtMoment(doc.stepTimes(), t);
    QCOMPARE(step, 1);
    QVERIFY(lesson.steps[1].zoom.has_value());
    views::StageRenderer::Emphasis e;
    e.highlight = lesson.steps[1].highlight;
    e.zoom = lesson.steps[1].zoom;
    ExportOptions o = options(kTwoQueues, dir.filePath(QStringLiteral("step.png")));
    o.at = t;
    QVERIFY(exportFrames(o).ok());
    QVERIFY(loaded(o.out) == stage(doc, t, o.size, views::Theme::light(), e));
    o.plain = true;
    o.out = dir.filePath(QStringLiteral("plain.png"));
    QVERIFY(exportFrames(o).ok());
    QVERIFY(loaded(o.out) == stage(doc, t, o.size, views::Theme::light()));
    // In a film too: a frame before the first step's moment is the first step's, one after the last the
    // last's.
    QCOMPARE(views::stepAtMoment(doc.stepTimes(), Time()), 0);
    QCOMPARE(views::stepAtMoment(doc.stepTimes(), doc.end()), static_cast<int>(lesson.steps.size()) - 1);
}

void TestExport::stepsGiveOneFramePerStepWithItsEmphasis() {
    QTemporaryDir dir;
    views::SimulationDocument doc;
    QVERIFY(doc.load(kTwoQueues).isEmpty());
    const std::size_t steps = doc.lesson()->steps.size();
    QVERIFY(steps >= 3);
    ExportOptions o = options(kTwoQueues, dir.filePath(QStringLiteral("steps")));
    o.steps = true;
    QStringList progress;
    o.progress = [&progress](const QString& line) { progress << line; };
    const ExportResult r = exportFrames(o);
    QVERIFY2(r.ok(), qPrintable(r.errors.join('\n')));
    QCOMPARE(r.frames, static_cast<int>(steps));
    QStringList expected;
    for (std::size_t i = 1; i <= steps; ++i)
        expected << QStringLiteral("step-%1.png").arg(i, 2, 10, QLatin1Char('0'));
    QCOMPARE(QDir(o.out).entryList(QDir::Files, QDir::Name), expected);
    QVERIFY(progress.last().startsWith(QStringLiteral("exported %1 frames").arg(steps)));
    QVERIFY(progress.last().contains(QLatin1String("frames/s")));
    // Every frame is the stage at its step's moment with the step's highlight and zoom (step 2 zooms).
    QVERIFY(doc.lesson()->steps[1].zoom.has_value());
    for (std::size_t i = 0; i < steps; ++i) {
        const Step& step = doc.lesson()->steps[i];
        const QImage written = loaded(QDir(o.out).filePath(expected[static_cast<qsizetype>(i)]));
        QVERIFY2(written == stage(doc, doc.stepTimes()[i], o.size, views::Theme::light(),
                                  {step.highlight, step.zoom}),
                 qPrintable(expected[static_cast<qsizetype>(i)]));
    }
    QVERIFY(entriesStartingWith(dir.path(), QStringLiteral("steps.partial")).isEmpty());
}

void TestExport::aSequenceIsNumberedInOrder() {
    QTemporaryDir dir;
    views::SimulationDocument doc;
    QVERIFY(doc.load(kBurst).isEmpty());
    ExportOptions o = options(kBurst, dir.filePath(QStringLiteral("frames")));
    o.size = QSize(320, 180);
    o.from = Time::ms(1);
    o.to = Time::ms(1) + Time::ms(250);
    o.fps = 40; // 0, 25 ms, … 250 ms: eleven frames, both ends included
    const ExportResult r = exportFrames(o);
    QVERIFY2(r.ok(), qPrintable(r.errors.join('\n')));
    QCOMPARE(r.frames, 11);
    const QStringList files = QDir(o.out).entryList(QDir::Files, QDir::Name);
    QCOMPARE(files.size(), 11);
    QCOMPARE(files.first(), QStringLiteral("frame-00001.png"));
    QCOMPARE(files.last(), QStringLiteral("frame-00011.png"));
    QVERIFY(loaded(QDir(o.out).filePath(files[4])) ==
            stage(doc, Time::ms(101), o.size, views::Theme::light()));
}

void TestExport::svgAndPdfAreValid() {
    QTemporaryDir dir;
    ExportOptions svg = options(kBurst, dir.filePath(QStringLiteral("frame.svg")));
    svg.at = Time::ms(1);
    QVERIFY(exportFrames(svg).ok());
    QSvgRenderer renderer(svg.out);
    QVERIFY(renderer.isValid());
    QCOMPARE(renderer.viewBox(), QRect(QPoint(0, 0), svg.size));
    QVERIFY(readAll(svg.out).contains("accept queue"));

    // A sequence in SVG: a folder of files, as PNG.
    ExportOptions svgs = options(kBurst, dir.filePath(QStringLiteral("svgs")));
    svgs.from = Time();
    svgs.to = Time::ms(100);
    svgs.fps = 30;
    svgs.format = QStringLiteral("svg"); // a folder has no extension to tell it
    QVERIFY(exportFrames(svgs).ok());
    QCOMPARE(QDir(svgs.out).entryList({QStringLiteral("frame-*.svg")}, QDir::Files).size(), 4);

    ExportOptions one = options(kBurst, dir.filePath(QStringLiteral("frame.pdf")));
    one.at = Time::ms(1);
    QVERIFY(exportFrames(one).ok());
    const QByteArray pdf = readAll(one.out);
    QVERIFY(pdf.startsWith("%PDF"));
    QCOMPARE(pageCount(pdf), 1);
    // The page is the frame's size (a pixel a point), not a paper size it was near.
    QVERIFY(QString::fromLatin1(pdf).contains(
        QRegularExpression(QStringLiteral("/MediaBox \\[0 0 800(\\.0*)? 450(\\.0*)?\\]"))));

    // A sequence in PDF: one file, a page per frame.
    ExportOptions pages = options(kTwoQueues, dir.filePath(QStringLiteral("steps.pdf")));
    pages.steps = true;
    const ExportResult r = exportFrames(pages);
    QVERIFY2(r.ok(), qPrintable(r.errors.join('\n')));
    views::SimulationDocument doc;
    QVERIFY(doc.load(kTwoQueues).isEmpty());
    const QByteArray steps = readAll(pages.out);
    QVERIFY(steps.startsWith("%PDF"));
    QCOMPARE(pageCount(steps), static_cast<int>(doc.lesson()->steps.size()));
}

void TestExport::theSameOptionsGiveTheSameBytes() {
    QTemporaryDir dir;
    const auto sequence = [&](const QString& name, int threads) {
        ExportOptions o = options(kBurst, dir.filePath(name));
        o.size = QSize(640, 360);
        o.from = Time();
        o.to = Time::ms(20);
        o.fps = 240; // 0 … 20 ms: the burst arriving and the queues filling, 5 frames
        o.threads = threads;
        const ExportResult r = exportFrames(o);
        return r.ok() ? o.out : QString();
    };
    const QString a = sequence(QStringLiteral("a"), 2);
    const QString b = sequence(QStringLiteral("b"), 2);
    const QString c =
        sequence(QStringLiteral("c"), 1); // one thread: one renderer, its caches reused in order
    QVERIFY(!a.isEmpty() && !b.isEmpty() && !c.isEmpty());
    const QStringList files = QDir(a).entryList(QDir::Files, QDir::Name);
    QCOMPARE(files.size(), 5);
    QCOMPARE(QDir(b).entryList(QDir::Files, QDir::Name), files);
    for (const QString& f : files) {
        const QByteArray bytes = readAll(QDir(a).filePath(f));
        QVERIFY(!bytes.isEmpty());
        QVERIFY2(bytes == readAll(QDir(b).filePath(f)), qPrintable(f));
        QVERIFY2(bytes == readAll(QDir(c).filePath(f)), qPrintable(f));
    }
    // Single frames too.
    ExportOptions one = options(kBurst, dir.filePath(QStringLiteral("1.png")));
    one.at = Time::us(1500);
    QVERIFY(exportFrames(one).ok());
    ExportOptions two = one;
    two.out = dir.filePath(QStringLiteral("2.png"));
    QVERIFY(exportFrames(two).ok());
    QCOMPARE(readAll(one.out), readAll(two.out));
}

// Lesson 7's step 7 zooms in on the clients in the projector theme: state words far larger than Qt's
// glyph caches keep. With FreeType's per-thread glyph cache on, their anti-aliased edges depended on what
// each painting thread had drawn before: about 1,900 pixels of step-07.png differed between the command
// run on one core and on two (and between runs on two). main() calls Fonts.h
// useGlyphsIndependentOfThreads() first; with QT_NO_FT_CACHE set empty (the cache on) this fails.
// The command as a user runs it, on one core (taskset) and on every core.
void TestExport::zoomedTextIsTheSameOnAnyThread() {
    if (QThread::idealThreadCount() < 2) QSKIP("one core: nothing to compare one core with");
    const QString taskset = QStandardPaths::findExecutable(QStringLiteral("taskset"));
    if (taskset.isEmpty()) QSKIP("taskset (util-linux) is not installed");
    QTemporaryDir dir;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    const QStringList arguments{
        QStringLiteral("export"),    QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/07-syn-cookies.yaml"),
        QStringLiteral("--steps"),   QStringLiteral("--theme"),
        QStringLiteral("projector"), QStringLiteral("--out")};
    const auto run = [&](const QString& program, const QStringList& before, const QString& out) {
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(program, before + arguments + QStringList{dir.filePath(out)});
        return p.waitForFinished(120'000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    };
    const QString backlog = QStringLiteral(BACKLOG_EXECUTABLE);
    QVERIFY(run(taskset, {QStringLiteral("-c"), QStringLiteral("0"), backlog}, QStringLiteral("one")));
    QVERIFY(run(backlog, {}, QStringLiteral("two")));
    QVERIFY(run(backlog, {}, QStringLiteral("again")));
    const QStringList files = QDir(dir.filePath(QStringLiteral("one"))).entryList(QDir::Files, QDir::Name);
    QVERIFY(files.contains(QStringLiteral("step-07.png")));
    for (const QString& f : files) {
        const QByteArray bytes = readAll(dir.filePath(QStringLiteral("one/") + f));
        QVERIFY2(bytes == readAll(dir.filePath(QStringLiteral("two/") + f)),
                 qPrintable(f + QStringLiteral(": one core and two")));
        QVERIFY2(bytes == readAll(dir.filePath(QStringLiteral("again/") + f)),
                 qPrintable(f + QStringLiteral(": one core and two, again")));
    }
}

void TestExport::anEmptyFolderIsFilled() {
    QTemporaryDir dir;
    const QString out = dir.filePath(QStringLiteral("empty"));
    QVERIFY(QDir().mkdir(out));
    ExportOptions o = options(kBurst, out);
    o.from = Time();
    o.to = Time::ms(40);
    o.fps = 50;
    const ExportResult r = exportFrames(o);
    QVERIFY2(r.ok(), qPrintable(r.errors.join('\n')));
    QCOMPARE(QDir(out).entryList(QDir::Files).size(), 3);
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
             QStringList{QStringLiteral("empty")});
}

void TestExport::aFailedExportLeavesNothingBehind() {
    // An unwritable place: one frame, a sequence, a PDF.
    for (const QString& out :
         {QStringLiteral("/proc/x.png"), QStringLiteral("/proc/x"), QStringLiteral("/proc/x.pdf")}) {
        ExportOptions o = options(kBurst, out);
        if (out.endsWith(QLatin1String(".png"))) {
            o.at = Time::ms(1);
        } else {
            o.from = Time();
            o.to = Time::ms(100);
        }
        const ExportResult r = exportFrames(o);
        QVERIFY(!r.ok());
        QCOMPARE(r.errors.size(), 1);
        QVERIFY2(r.errors.front().startsWith(out + QLatin1String(": cannot write")),
                 qPrintable(r.errors.front()));
        QVERIFY(!QFileInfo::exists(out));
        QVERIFY(entriesStartingWith(QStringLiteral("/proc"), QStringLiteral("x.")).isEmpty());
    }

    // A folder with files in it is not written into, nor replaced; nothing appears next to it.
    QTemporaryDir dir;
    const QString full = dir.filePath(QStringLiteral("full"));
    QVERIFY(QDir().mkdir(full));
    QFile keep(QDir(full).filePath(QStringLiteral("keep.txt")));
    QVERIFY(keep.open(QIODevice::WriteOnly) && keep.write("mine") == 4);
    keep.close();
    ExportOptions o = options(kBurst, full);
    o.from = Time();
    o.to = Time::ms(100);
    const ExportResult r = exportFrames(o);
    QCOMPARE(r.errors,
             QStringList{full +
                         QStringLiteral(": the folder is not empty; frames go into a new or empty folder")});
    QCOMPARE(QDir(full).entryList(QDir::Files), QStringList{QStringLiteral("keep.txt")});
    QCOMPARE(readAll(keep.fileName()), QByteArray("mine"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
             QStringList{QStringLiteral("full")});

    // A file where the folder would go.
    o.out = keep.fileName();
    QVERIFY(!exportFrames(o).ok());
    QCOMPARE(readAll(keep.fileName()), QByteArray("mine"));
}

void TestExport::badOptionsAreRefused_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("set");
    QTest::addColumn<QString>("message");
    const QString scenario = QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml");
    QTest::newRow("no mode") << kBurst << ""
                             << "expected one of --at T, --from T --to T [--fps N], or --steps";
    QTest::newRow("two modes") << kBurst << "at=1ms steps"
                               << "expected one of --at T";
    QTest::newRow("from alone") << kBurst << "from=1ms"
                                << "--from needs --to";
    QTest::newRow("fps alone") << kBurst << "at=1ms fps=30"
                               << "--fps goes with --from and --to";
    QTest::newRow("fps 0") << kBurst << "from=0s to=1s fps=0"
                           << "--fps 0: expected 1 to 240 frames per second";
    QTest::newRow("fps 241") << kBurst << "from=0s to=1s fps=241"
                             << "--fps 241: expected 1 to 240";
    QTest::newRow("size 0x0") << kBurst << "at=1ms size=0x0"
                              << "--size 0x0: expected 1 to 8192 pixels a side";
    QTest::newRow("size 8193") << kBurst << "at=1ms size=8193x100"
                               << "--size 8193x100: expected 1 to 8192";
    QTest::newRow("from > to") << kBurst << "from=2s to=1s"
                               << "--from 2s --to 1s: expected 0s <= --from <= --to";
    QTest::newRow("too many frames") << kBurst << "from=0s to=500s fps=240"
                                     << "--from 0s --to 500s at 240 frames/s: more than 100000 frames";
    QTest::newRow("format")
        << kBurst << "at=1ms format=jpg"
        << "--format jpg: unknown format; expected png, svg, pdf, gif, mp4, webm, handout";
    QTest::newRow("extension") << kBurst << "at=1ms out=frame.jpg"
                               << "cannot tell the format from .jpg";
    QTest::newRow("view") << kBurst << "at=1ms view=timeline"
                          << "--view timeline: unknown view; expected stage, ladder, states, charts, window";
    QTest::newRow("chart without charts") << kBurst << "at=1ms chart=drops"
                                          << "--chart drops: a chart is chosen with --view charts";
    QTest::newRow("unknown chart") << kBurst << "at=1ms view=charts chart=pie"
                                   << "--chart pie: unknown chart; expected queues, drops";
    QTest::newRow("scale 0") << kBurst << "at=1ms scale=0"
                             << "--scale 0: expected 1 to 4 pixels per point";
    QTest::newRow("scale 0.5")
        << kBurst << "at=1ms scale=0.5"
        << "--scale 0.5: expected 1 to 4 pixels per point (for a smaller picture, give a smaller --size)";
    QTest::newRow("scale 5") << kBurst << "at=1ms scale=5"
                             << "--scale 5: expected 1 to 4";
    QTest::newRow("speed 0") << kBurst << "from=0s to=1s speed=0/1"
                             << "--speed 0: expected 1/1000000 to 1000 simulated seconds";
    QTest::newRow("speed too slow") << kBurst << "from=0s to=1s speed=1/10000000"
                                    << "--speed 1/10000000: expected 1/1000000 to 1000";
    QTest::newRow("speed too fast") << kBurst << "from=0s to=1s speed=2000/1"
                                    << "--speed 2000: expected 1/1000000 to 1000";
    QTest::newRow("speed at a moment") << kBurst << "at=1ms speed=1/10"
                                       << "--speed goes with --from and --to";
    QTest::newRow("paced at a moment") << kBurst << "at=1ms paced"
                                       << "--paced goes with --from and --to";
    QTest::newRow("paced and speed") << kBurst << "from=0s to=1s paced speed=1/10"
                                     << "--paced and --speed: a film is either paced";
    QTest::newRow("slow motion, too many")
        << kBurst << "from=0s to=10s speed=1/1000"
        << "more than 100000 frames; export a shorter span, fewer frames per second or a faster --speed";
    QTest::newRow("scale svg") << kBurst << "at=1ms format=svg scale=2"
                               << "--scale is for PNG and video frames; SVG is drawn in vectors";
    QTest::newRow("scaled too big") << kBurst << "at=1ms size=4096x2160 scale=4"
                                    << "--size 4096x2160 at --scale 4: expected 1 to 8192 pixels a side";
    QTest::newRow("transparent svg") << kBurst << "at=1ms format=svg transparent"
                                     << "--transparent is for PNG; SVG has no transparent";
    QTest::newRow("transparent window") << kBurst << "at=1ms view=window transparent"
                                        << "--transparent is for --view stage, ladder or states";
    QTest::newRow("video at a moment") << kBurst << "at=1ms format=mp4"
                                       << "--format mp4 is a film of a span: give --from T --to T";
    QTest::newRow("video of steps") << kTwoQueues << "steps format=webm"
                                    << "--format webm is a film of a span";
    QTest::newRow("gif too fast") << kBurst << "from=0s to=1s fps=60 format=gif"
                                  << "--fps 60: a GIF plays at most 50 frames per second";
    QTest::newRow("odd mp4") << kBurst << "from=0s to=1s size=641x360 format=mp4"
                             << "--size 641x360: MP4 needs an even number of pixels a side";
    QTest::newRow("odd scaled webm") << kBurst << "from=0s to=1s size=642x362 scale=1.5 format=webm"
                                     << "--size 963x543: WEBM needs an even";
    QTest::newRow("handout at a moment") << kTwoQueues << "at=1ms format=handout"
                                         << "--format handout is one page per lesson step; it takes no --at";
    QTest::newRow("handout of a scenario") << scenario << "format=handout"
                                           << "--format handout needs a lesson; this is a scenario";
    QTest::newRow("theme") << kBurst << "at=1ms theme=solarized"
                           << "--theme solarized: unknown theme";
    QTest::newRow("client on the stage")
        << kBurst << "at=1ms client=3"
        << "--client 3: connections are drawn by --view ladder or states; the stage shows every client";
    QTest::newRow("two clients' states") << kBurst << "at=1ms view=states client=3 client=4"
                                         << "--client 4: the state diagram follows one connection";
    QTest::newRow("client out of range") << kBurst << "at=1ms view=ladder client=200"
                                         << "--client 200: the run has 200 clients (0 to 199)";
    QTest::newRow("client negative") << kBurst << "at=1ms view=ladder client=-1"
                                     << "--client -1: the run has 200 clients";
    QTest::newRow("steps on a scenario") << scenario << "steps"
                                         << "--steps needs a lesson; this is a scenario";
    QTest::newRow("after the end") << kBurst << "at=300s"
                                   << "--at 300s: after the end of the run (211.796s)";
    QTest::newRow("to after the end") << kBurst << "from=0s to=300s fps=1"
                                      << "--to 300s: after the end of the run";
    QTest::newRow("missing folder") << kBurst << "at=1ms out=missing/frame.png"
                                    << "missing/frame.png: cannot write: the folder";
    QTest::newRow("missing file") << QStringLiteral("/nonexistent.yaml") << "at=1ms"
                                  << "/nonexistent.yaml";
}

void TestExport::badOptionsAreRefused() {
    QFETCH(QString, file);
    QFETCH(QString, set);
    QFETCH(QString, message);
    QTemporaryDir dir;
    ExportOptions o = options(file, dir.filePath(QStringLiteral("out")));
    const auto time = [](const QString& v) {
        return v.endsWith(QLatin1String("ms")) ? Time::ms(v.chopped(2).toLongLong())
                                               : Time::s(v.chopped(1).toLongLong());
    };
    for (const QString& item : set.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const QString key = item.section(QLatin1Char('='), 0, 0);
        const QString value = item.section(QLatin1Char('='), 1);
        if (key == QLatin1String("at"))
            o.at = time(value);
        else if (key == QLatin1String("from"))
            o.from = time(value);
        else if (key == QLatin1String("to"))
            o.to = time(value);
        else if (key == QLatin1String("fps"))
            o.fps = value.toInt();
        else if (key == QLatin1String("steps"))
            o.steps = true;
        else if (key == QLatin1String("size"))
            o.size = QSize(value.section('x', 0, 0).toInt(), value.section('x', 1).toInt());
        else if (key == QLatin1String("format"))
            o.format = value;
        else if (key == QLatin1String("out"))
            o.out = dir.filePath(value);
        else if (key == QLatin1String("view"))
            o.view = value;
        else if (key == QLatin1String("theme"))
            o.theme = value;
        else if (key == QLatin1String("client"))
            o.clients.push_back(value.toLongLong());
        else if (key == QLatin1String("chart"))
            o.chart = value;
        else if (key == QLatin1String("scale"))
            o.scale = value.toDouble();
        else if (key == QLatin1String("transparent"))
            o.transparent = true;
        else if (key == QLatin1String("paced"))
            o.paced = true;
        else if (key == QLatin1String("speed"))
            o.speed = {value.section('/', 0, 0).toLongLong(), value.section('/', 1).toLongLong()};
        else
            QFAIL(qPrintable(QStringLiteral("unknown key in the test table: ") + key));
    }
    const ExportResult r = exportFrames(o);
    QVERIFY(!r.ok());
    QCOMPARE(r.errors.size(), 1);
    QVERIFY2(r.errors.front().contains(message), qPrintable(r.errors.front()));
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), QStringList());
}

void TestExport::thePngEncoderKeepsEveryPixel_data() {
    QTest::addColumn<QSize>("size");
    QTest::addColumn<bool>("alpha");
    QTest::newRow("1x1 opaque") << QSize(1, 1) << false;
    QTest::newRow("odd opaque") << QSize(333, 77) << false;
    QTest::newRow("odd alpha") << QSize(97, 131) << true;
    QTest::newRow("wide alpha") << QSize(2000, 3) << true;
}

void TestExport::thePngEncoderKeepsEveryPixel() {
    QFETCH(QSize, size);
    QFETCH(bool, alpha);
    // Noise (the worst case for deflate) with straight alpha values of every kind, and a drawn frame.
    QImage noise(size, QImage::Format_ARGB32);
    QRandomGenerator random(42);
    for (int y = 0; y < size.height(); ++y)
        for (int x = 0; x < size.width(); ++x) {
            const quint32 v = random.generate();
            noise.setPixel(x, y, alpha ? v : (v | 0xFF000000u));
        }
    noise.setDotsPerMeterX(7559); // 192 dpi across, 96 down: kept as written
    noise.setDotsPerMeterY(3780);
    const QByteArray png = app::encodePng(noise, alpha);
    QVERIFY(png.startsWith("\x89PNG\r\n\x1a\n"));
    QImage back;
    QVERIFY(back.loadFromData(png, "PNG"));
    QCOMPARE(back.size(), size);
    QCOMPARE(back.hasAlphaChannel(), alpha);
    QCOMPARE(back.dotsPerMeterX(), 7559);
    QCOMPARE(back.dotsPerMeterY(), 3780);
    QVERIFY(back.convertToFormat(QImage::Format_ARGB32) == noise);
    QCOMPARE(app::encodePng(noise, alpha), png); // the same bytes every time
}

void TestExport::aTransparentFrameHasOnlyTheDrawing() {
    QTemporaryDir dir;
    views::SimulationDocument doc;
    QVERIFY(doc.load(kBurst).isEmpty());
    ExportOptions o = options(kBurst, dir.filePath(QStringLiteral("clear.png")));
    o.at = Time::us(1500);
    o.transparent = true;
    const ExportResult r = exportFrames(o);
    QVERIFY2(r.ok(), qPrintable(r.errors.join('\n')));
    const QImage written(o.out);
    QVERIFY(written.hasAlphaChannel());
    const QImage clear = written.convertToFormat(QImage::Format_ARGB32);
    QCOMPARE(qAlpha(clear.pixel(0, 0)), 0); // where the background was
    // The drawing is the stage's, painted on nothing instead of on the theme's background.
    views::Theme theme = views::Theme::light();
    theme.background = Qt::transparent;
    QImage expected(o.size, QImage::Format_ARGB32_Premultiplied);
    expected.fill(Qt::transparent);
    QPainter p(&expected);
    views::StageRenderer().paint(p, QRectF(QPointF(0, 0), QSizeF(o.size)), doc.simulation(), *o.at, theme,
                                 {});
    p.end();
    // PNG keeps straight alpha: compare after the same conversion, within a level for the rounding.
    const QImage straight = expected.convertToFormat(QImage::Format_ARGB32);
    int opaque = 0, off = 0;
    for (int y = 0; y < o.size.height(); ++y)
        for (int x = 0; x < o.size.width(); ++x) {
            const QRgb a = clear.pixel(x, y), b = straight.pixel(x, y);
            if (qAlpha(b) == 255) ++opaque;
            if (std::abs(qAlpha(a) - qAlpha(b)) > 1 ||
                (qAlpha(b) > 0 && (std::abs(qRed(a) - qRed(b)) > 1 || std::abs(qGreen(a) - qGreen(b)) > 1 ||
                                   std::abs(qBlue(a) - qBlue(b)) > 1)))
                ++off;
        }
    QCOMPARE(off, 0);
    QVERIFY(opaque > 1000); // there is a drawing
}

void TestExport::aScaledFrameIsTheSameLayoutInMorePixels() {
    QTemporaryDir dir;
    views::SimulationDocument doc;
    QVERIFY(doc.load(kBurst).isEmpty());
    ExportOptions o = options(kBurst, dir.filePath(QStringLiteral("sharp.png")));
    o.at = Time::us(1500);
    o.scale = 2;
    QVERIFY(exportFrames(o).ok());
    const QImage written = loaded(o.out);
    QCOMPARE(written.size(), QSize(1600, 900));
    QVERIFY(written == stage(doc, *o.at, o.size, views::Theme::light(), {}, 2));
    // 192 dpi: slide software places it at the size of the 96-dpi frame of --scale 1, sharper.
    QCOMPARE(QImage(o.out).dotsPerMeterX(), qRound(2 * 96 / 0.0254));
    o.scale = 1;
    o.out = dir.filePath(QStringLiteral("plain.png"));
    QVERIFY(exportFrames(o).ok());
    QCOMPARE(QImage(o.out).dotsPerMeterX(), qRound(96 / 0.0254));
}

void TestExport::theWindowsOwnRunIsExported() {
    // The window passes its document: what was changed there is what is exported, not the file.
    QTemporaryDir dir;
    views::SimulationDocument doc;
    QVERIFY(doc.load(kBurst).isEmpty());
    doc.setPlayhead(Time::ms(1));
    QCOMPARE(doc.change(QStringLiteral("server.backlog"), QStringLiteral("8")), QString());
    ExportOptions o = options(QString(), dir.filePath(QStringLiteral("changed.png")));
    o.run = app::ExportRun::copyOf(doc);
    o.at = Time::ms(50);
    const ExportResult r = exportFrames(o);
    QVERIFY2(r.ok(), qPrintable(r.errors.join('\n')));
    QVERIFY(loaded(o.out) == stage(doc, *o.at, o.size, views::Theme::light()));
    views::SimulationDocument file;
    QVERIFY(file.load(kBurst).isEmpty());
    QVERIFY(loaded(o.out) != stage(file, *o.at, o.size, views::Theme::light()));
}

// Issue 16: the window's comparison (ExportRun::copyOfComparison) goes with the window's own run and the
// stage only; without a comparison there is none to copy.
void TestExport::theWindowsComparisonIsExportedOnlyAsStages() {
    QTemporaryDir dir;
    views::SimulationDocument doc;
    QVERIFY(doc.load(kBurst).isEmpty());
    QVERIFY(!app::ExportRun::copyOfComparison(doc));
    ChangedRun other = runWithChanges(doc.simulation().scenario(), {{"server.backlog", "8"}}, Time::ms(5));
    QVERIFY2(other.run, other.error.c_str());
    doc.compareWith(std::move(other.run), QStringLiteral("as written"), QStringLiteral("server.backlog=8"));
    ExportOptions o = options(QString(), dir.filePath(QStringLiteral("both.png")));
    o.run = app::ExportRun::copyOf(doc);
    o.otherRun = app::ExportRun::copyOfComparison(doc);
    QVERIFY(o.otherRun);
    o.at = Time::ms(50);
    const auto refused = [&](ExportOptions bad, const QString& message) {
        const ExportResult r = exportFrames(bad);
        QVERIFY(!r.ok());
        QVERIFY2(r.errors.join('\n').contains(message), qPrintable(r.errors.join('\n')));
    };
    ExportOptions ladder = o;
    ladder.view = QStringLiteral("ladder");
    refused(ladder, QStringLiteral("a comparison is exported as both runs' stages"));
    ExportOptions file = o;
    file.run = nullptr;
    file.file = kBurst;
    refused(file, QStringLiteral("the window's comparison is exported with the window's own run only"));
    QVERIFY(!QFileInfo::exists(o.out));
    // A change made from a moment (changeAt) is repeated for the export: the frame is the split stage.
    const ExportResult r = exportFrames(o);
    QVERIFY2(r.ok(), qPrintable(r.errors.join('\n')));
    QVERIFY(loaded(o.out) != stage(doc, *o.at, o.size, views::Theme::light()));
}

void TestExport::theChartsAndTheWindowAreExported() {
    QTemporaryDir dir;
    views::SimulationDocument doc;
    QVERIFY(doc.load(kBurst).isEmpty());
    // A chart: the dock's chart alone, at the frame's size, with the cursor at the moment.
    ExportOptions chart = options(kBurst, dir.filePath(QStringLiteral("drops.png")));
    chart.at = Time::s(2);
    chart.view = QStringLiteral("charts");
    chart.chart = QStringLiteral("drops");
    ExportResult r = exportFrames(chart);
    QVERIFY2(r.ok(), qPrintable(r.errors.join('\n')));
    QImage written = loaded(chart.out);
    QCOMPARE(written.size(), chart.size);
    views::ChartsView view;
    view.setSimulation(&doc.simulation());
    view.setCurrentChart(views::ChartsView::Chart::Drops);
    view.setAttribute(Qt::WA_DontShowOnScreen);
    view.show();
    view.resize(chart.size);
    view.resize(chart.size + (view.size() - view.chartSize()));
    QTRY_COMPARE(view.chartSize(), chart.size);
    view.setPlayhead(*chart.at);
    QImage expected(chart.size, QImage::Format_ARGB32_Premultiplied);
    expected.fill(views::Theme::light().background);
    QPainter p(&expected);
    view.renderChart(p, QRectF(QPointF(0, 0), QSizeF(chart.size)));
    p.end();
    QVERIFY(written == expected.convertToFormat(QImage::Format_ARGB32));
    // The same in SVG: vectors a browser can read.
    chart.out = dir.filePath(QStringLiteral("drops.svg"));
    QVERIFY(exportFrames(chart).ok());
    QVERIFY(QSvgRenderer(chart.out).isValid());

    // The whole window is the window's to paint (ExportOptions::paintWindow): the command line has none,
    // and says so instead of opening one.
    ExportOptions window = options(kTwoQueues, dir.filePath(QStringLiteral("w1.png")));
    window.at = Time::ms(10);
    window.view = QStringLiteral("window");
    r = exportFrames(window);
    QCOMPARE(r.errors.size(), 1);
    QVERIFY2(r.errors.front().startsWith(
                 QStringLiteral("--view window is the application's window as it is on screen")),
             qPrintable(r.errors.front()));
    QVERIFY(!QFileInfo::exists(window.out));
}

void TestExport::aHandoutHasAPagePerStepWithItsWords() {
    QTemporaryDir dir;
    views::SimulationDocument doc;
    QVERIFY(doc.load(kTwoQueues).isEmpty());
    const Lesson& lesson = *doc.lesson();
    ExportOptions o = options(kTwoQueues, dir.filePath(QStringLiteral("handout.pdf")));
    o.format = QStringLiteral("handout"); // a page per step: --steps need not be said
    const ExportResult r = exportFrames(o);
    QVERIFY2(r.ok(), qPrintable(r.errors.join('\n')));
    QCOMPARE(r.frames, static_cast<int>(lesson.steps.size()));
    const QByteArray pdf = readAll(o.out);
    QVERIFY(pdf.startsWith("%PDF"));
    QCOMPARE(pageCount(pdf), static_cast<int>(lesson.steps.size()));
    // A4 portrait: 595 × 842 points.
    QVERIFY(QString::fromLatin1(pdf).contains(
        QRegularExpression(QStringLiteral("/MediaBox \\[0 0 595(\\.\\d*)? 842(\\.\\d*)?\\]"))));
    const QStringList pages = pdfText(o.out);
    if (pages.isEmpty()) QSKIP("pdftotext (poppler-utils) is not installed: the pages' words are not read");
    QCOMPARE(pages.size(), static_cast<int>(lesson.steps.size()));
    // Its title is the lesson's (what a PDF reader's window and tab show), as pdfinfo reads it.
    QProcess info;
    info.start(QStringLiteral("pdfinfo"), {o.out});
    QVERIFY(info.waitForFinished(60'000));
    const QString infoText = QString::fromUtf8(info.readAllStandardOutput());
    QVERIFY2(infoText.contains(QRegularExpression(
                 QStringLiteral("^Title:\\s+") +
                     QRegularExpression::escape(QString::fromStdString(lesson.title)) + QStringLiteral("$"),
                 QRegularExpression::MultilineOption)),
             qPrintable(infoText));
    // Words on one line each; the PDF's ligatures (ﬁ, ﬂ) read back as their letters.
    const auto words = [](QString text) {
        return text.replace(QChar(0xFB01), QStringLiteral("fi"))
            .replace(QChar(0xFB02), QStringLiteral("fl"))
            .simplified();
    };
    for (std::size_t i = 0; i < lesson.steps.size(); ++i) {
        const Step& step = lesson.steps[i];
        const QString page = words(pages[static_cast<int>(i)]);
        QVERIFY2(page.contains(QStringLiteral("Step %1 of %2").arg(i + 1).arg(lesson.steps.size())),
                 qPrintable(page));
        // The narration's first words, as plain text.
        const QString said = words(QString::fromStdString(markdownToPlain(step.say))).left(40);
        QVERIFY2(page.contains(said.section(QLatin1Char(' '), 0, 4)),
                 qPrintable(QStringLiteral("step %1: %2 | %3").arg(i + 1).arg(said, page)));
        if (step.question) QVERIFY(page.contains(QStringLiteral("Question.")));
        // A question with `reveal: after-answer` (lesson 1's step 3) keeps the stage's numbers to itself
        // on the page students take away, as the window does until it is answered.
        const bool conceals = step.question && step.question->revealAfterAnswer;
        QCOMPARE(page.contains(QStringLiteral("hidden until the question is answered")), conceals);
        QCOMPARE(page.contains(QStringLiteral("TcpExtListenOverflows")), !conceals);
    }
}

void TestExport::videosAreMadeByFfmpeg_data() {
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("codec");
    QTest::newRow("mp4") << "mp4"
                         << "h264";
    QTest::newRow("webm") << "webm"
                          << "vp9";
    QTest::newRow("gif") << "gif"
                         << "gif";
}

void TestExport::videosAreMadeByFfmpeg() {
    QFETCH(QString, format);
    QFETCH(QString, codec);
    if (!app::ffmpegAvailable()) QSKIP("ffmpeg is not installed (the Debian package ffmpeg); CI installs it");
    QTemporaryDir dir;
    ExportOptions o = options(kBurst, dir.filePath(QStringLiteral("film.") + format));
    o.size = QSize(320, 180);
    o.scale = 2;
    o.from = Time();
    o.to = Time::ms(500);
    o.fps = 20; // 0, 50, … 500 ms: 11 frames
    const ExportResult r = exportFrames(o);
    QVERIFY2(r.ok(), qPrintable(r.errors.join('\n')));
    QCOMPARE(r.frames, 11);
    const Probe p = probe(o.out);
    QCOMPARE(p.codec, codec);
    QCOMPARE(p.width, 640);
    QCOMPARE(p.height, 360);
    QCOMPARE(p.frames, 11);
    QCOMPARE(QFileInfo(o.out).permissions() & QFileDevice::ReadOther,
             QFileDevice::ReadOther); // not left private
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
             QStringList{QStringLiteral("film.") + format});
    // ffmpeg's bitexact mode keeps its version and the time out of the file: the same film, the same bytes.
    ExportOptions again = o;
    again.out = dir.filePath(QStringLiteral("again.") + format);
    QVERIFY(exportFrames(again).ok());
    QCOMPARE(readAll(again.out), readAll(o.out));
}

void TestExport::withoutFfmpegTheMessageNamesThePackage() {
    QTemporaryDir dir, empty;
    const ScopedEnv path("PATH", QFile::encodeName(empty.path()));
    QVERIFY(!app::ffmpegAvailable());
    ExportOptions o = options(kBurst, dir.filePath(QStringLiteral("film.mp4")));
    o.from = Time();
    o.to = Time::ms(100);
    const ExportResult r = exportFrames(o);
    QCOMPARE(r.errors.size(), 1);
    QVERIFY2(r.errors.front().startsWith(QStringLiteral("--format mp4 needs ffmpeg")),
             qPrintable(r.errors.front()));
    QVERIFY(r.errors.front().contains(QStringLiteral("install the package ffmpeg")));
    QVERIFY(QDir(dir.path()).isEmpty());
}

void TestExport::progressCountsUpToTheTotal() {
    QTemporaryDir dir;
    ExportOptions o = options(kBurst, dir.filePath(QStringLiteral("frames")));
    o.from = Time();
    o.to = Time::ms(200);
    o.fps = 100; // 21 frames
    std::vector<std::pair<int, int>> calls;
    o.advanced = [&calls](int done, int total) { calls.emplace_back(done, total); };
    QVERIFY(exportFrames(o).ok());
    QVERIFY(!calls.empty());
    for (std::size_t i = 0; i < calls.size(); ++i) {
        QCOMPARE(calls[i].second, 21);
        if (i > 0) QVERIFY(calls[i].first >= calls[i - 1].first);
    }
    QCOMPARE(calls.back().first, 21);
}

void TestExport::aFilmPlaysAtItsSpeedOrPaced() {
    views::SimulationDocument doc;
    QVERIFY(doc.load(kTwoQueues).isEmpty()); // a 16 ms lesson: a film of it needs slow motion
    const History& h = doc.simulation().history();
    const Time end = doc.end();

    // Linear at ×1/1000: 30 frames a second of film, 33.333 µs of the run apart, to the nanosecond.
    const std::vector<Time> slow = app::rangeMoments(Time(), end, 30, {1, 1000}, false, h, 1'000'000);
    QCOMPARE(slow.front(), Time());
    QCOMPARE(slow[1], Time::ns(33'333));
    QCOMPARE(slow[3], Time::ns(100'000));
    QVERIFY(slow.back() <= end && end - slow.back() < Time::ns(33'334));
    QCOMPARE(static_cast<std::int64_t>(slow.size()), end.count() * 30 / 1'000'000 + 1);
    QCOMPARE(app::rangeMoments(Time(), end, 30, {1, 1000}, false, h, 10).size(),
             std::size_t{10}); // the limit

    // Paced: the window's clock, frame by frame; it begins at --from, ends on --to, never goes back,
    // and every packet's flight lasts at least 0.8 s of film (24 frames at 30 per second).
    const std::vector<Time> paced = app::rangeMoments(Time(), end, 30, {1, 1}, true, h, 100'000);
    QCOMPARE(paced.front(), Time());
    QCOMPARE(paced.back(), end);
    for (std::size_t i = 1; i < paced.size(); ++i)
        QVERIFY(paced[i] > paced[i - 1]);
    views::PlaybackClock clock;
    Time t;
    for (std::size_t i = 1; i + 1 < paced.size(); ++i) {
        const auto k = static_cast<std::int64_t>(i);
        t = clock.advance(t, k * 1'000'000'000 / 30 - (k - 1) * 1'000'000'000 / 30, h);
        QCOMPARE(paced[i], t);
    }
    QVERIFY(paced.size() > 24 * 10); // ten-odd flights at least 0.8 s each (a handshake is three)

    // The export writes those moments: frame count and names.
    QTemporaryDir dir;
    ExportOptions o = options(kTwoQueues, dir.filePath(QStringLiteral("paced")));
    o.size = QSize(320, 180);
    o.from = Time();
    o.to = end;
    o.paced = true;
    const ExportResult r = exportFrames(o);
    QVERIFY2(r.ok(), qPrintable(r.errors.join('\n')));
    QCOMPARE(static_cast<std::size_t>(r.frames), paced.size());
    const QStringList files = QDir(o.out).entryList(QDir::Files, QDir::Name);
    QCOMPARE(static_cast<std::size_t>(files.size()), paced.size());
    QCOMPARE(files.front(), QStringLiteral("frame-00001.png"));
}

void TestExport::speedsAreReadAsTyped_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("num");
    QTest::addColumn<qint64>("den");
    QTest::newRow("whole") << "2" << qint64(2) << qint64(1);
    QTest::newRow("fraction") << "1/1000" << qint64(1) << qint64(1000);
    QTest::newRow("fraction, blanks") << " 1 / 250 " << qint64(1) << qint64(250);
    QTest::newRow("decimal") << "0.001" << qint64(1) << qint64(1000);
    QTest::newRow("decimal 2.5") << "2.5" << qint64(25) << qint64(10);
    QTest::newRow("zero denominator") << "1/0" << qint64(0) << qint64(0);
    QTest::newRow("negative") << "-1" << qint64(0) << qint64(0);
    QTest::newRow("words") << "slow" << qint64(0) << qint64(0);
    QTest::newRow("too many decimals") << "0.0000001" << qint64(0) << qint64(0);
}

void TestExport::speedsAreReadAsTyped() {
    QFETCH(QString, text);
    QFETCH(qint64, num);
    QFETCH(qint64, den);
    const auto speed = app::parseSpeed(text);
    if (den == 0) {
        QVERIFY(!speed);
        return;
    }
    QVERIFY(speed);
    QVERIFY((*speed == views::PlaybackClock::Factor{num, den}));
}

void TestExport::cancellingLeavesNothingBehind_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("out");
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("view");
    QTest::newRow("png frames") << kBurst << "frames"
                                << "png"
                                << "stage";
    QTest::newRow("svg frames") << kBurst << "frames"
                                << "svg"
                                << "ladder";
    QTest::newRow("pdf") << kBurst << "frames.pdf"
                         << "pdf"
                         << "stage";
    QTest::newRow("chart frames") << kBurst << "frames"
                                  << "png"
                                  << "charts";
    QTest::newRow("handout") << kTwoQueues << "handout.pdf"
                             << "handout"
                             << "stage";
    QTest::newRow("mp4") << kBurst << "film.mp4"
                         << "mp4"
                         << "stage";
}

void TestExport::cancellingLeavesNothingBehind() {
    QFETCH(QString, file);
    QFETCH(QString, out);
    QFETCH(QString, format);
    QFETCH(QString, view);
    if (app::needsFfmpeg(format) && !app::ffmpegAvailable()) QSKIP("ffmpeg is not installed");
    QTemporaryDir dir;
    // A file that was there before is kept as it was.
    const QString target = dir.filePath(out);
    if (out.contains(QLatin1Char('.'))) {
        QFile before(target);
        QVERIFY(before.open(QIODevice::WriteOnly) && before.write("before") == 6);
    }
    ExportOptions o = options(file, target);
    o.format = format;
    o.view = view;
    o.size = QSize(320, 180);
    if (format != QLatin1String("handout")) {
        o.from = Time();
        o.to = Time::s(2);
        o.fps = 30;
    }
    // Cancel once some frames are done (the window's Cancel button, Ctrl+C on the command line).
    int asked = 0;
    bool sawProgress = false;
    o.advanced = [&](int done, int) { sawProgress = sawProgress || done > 0; };
    o.cancelled = [&] { return ++asked > 3 && sawProgress; };
    const ExportResult r = exportFrames(o);
    QVERIFY(!r.ok());
    QVERIFY(r.cancelled);
    QCOMPARE(r.errors, QStringList{QStringLiteral("cancelled; nothing was written")});
    const QStringList left =
        QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
    if (out.contains(QLatin1Char('.'))) {
        QCOMPARE(left, QStringList{out});
        QCOMPARE(readAll(target), QByteArray("before"));
    } else {
        QCOMPARE(left, QStringList());
    }
}

void TestExport::aWindowsSizeIsCheckedLikeAnyOther() {
    QTemporaryDir dir;
    views::SimulationDocument doc;
    QVERIFY(doc.load(kBurst).isEmpty());
    // The window's own window is exported at its size: an odd width cannot be an MP4, and says so
    // before ffmpeg is asked.
    ExportOptions o = options(QString(), dir.filePath(QStringLiteral("film.mp4")));
    o.run = app::ExportRun::copyOf(doc);
    o.view = QStringLiteral("window");
    o.windowSize = QSize(641, 360);
    o.paintWindow = [](QPainter&, Time) { return QString(); };
    o.from = Time();
    o.to = Time::ms(100);
    ExportResult r = exportFrames(o);
    QCOMPARE(r.errors, QStringList{QStringLiteral(
                           "the window's size 641x360: MP4 needs an even number of pixels a side "
                           "(641x360); resize the window by a pixel")});
    QVERIFY(QDir(dir.path()).isEmpty());
}

// What the charts and the window look like exported (the stage's and the ladder's pictures have their
// goldens in tests/views; these are the export's other views, and a film's frame in the paced clock).
void TestExport::exportedFramesMatchTheirGoldenImages_data() {
    QTest::addColumn<QString>("golden");
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("view");
    QTest::addColumn<QString>("chart");
    QTest::addColumn<QString>("theme");
    QTest::addColumn<qint64>("atMs");
    QTest::addColumn<QSize>("size");
    QTest::newRow("queue chart") << "export-chart-queues" << kBurst << "charts"
                                 << "queues"
                                 << "light" << qint64(2000) << QSize(960, 540);
    QTest::newRow("drops chart, dark") << "export-chart-drops" << kBurst << "charts"
                                       << "drops"
                                       << "dark" << qint64(60000) << QSize(960, 540);
    QTest::newRow("latency histogram") << "export-chart-latency" << kBurst << "charts"
                                       << "latency"
                                       << "light" << qint64(200000) << QSize(960, 540);
}

void TestExport::exportedFramesMatchTheirGoldenImages() {
    QFETCH(QString, golden);
    QFETCH(QString, file);
    QFETCH(QString, view);
    QFETCH(QString, chart);
    QFETCH(QString, theme);
    QFETCH(qint64, atMs);
    QFETCH(QSize, size);
    QTemporaryDir dir;
    ExportOptions o = options(file, dir.filePath(QStringLiteral("frame.png")));
    o.at = Time::ms(atMs);
    o.view = view;
    o.chart = chart;
    o.theme = theme;
    o.size = size;
    const ExportResult r = exportFrames(o);
    QVERIFY2(r.ok(), qPrintable(r.errors.join('\n')));
    const QString why = test::checkGolden(golden, QImage(o.out));
    QVERIFY2(why.isEmpty(), qPrintable(why));
}

void TestExport::cleanup() {
    disk_.reset();
} // unmounts a row's tiny disk, whether the row passed or not

// A full disk (or a quota, an I/O error) is an error that names the system's reason, leaves no partial
// file or folder, and keeps what was at the path before byte for byte. The disk is filled to leave a
// page, so every export takes part of what it writes and then fails (a short write, which Qt's devices
// report as success or as "Unknown error"); or to leave all but the last page of what the export writes,
// so that only its end fails (the PDF's last bytes at the commit, a film's trailer: ffmpeg then says so
// and still exits with 0).
void TestExport::aFullDiskIsAnErrorAndKeepsWhatWasThere_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>(
        "out"); // a name with an extension: a file that was there; without: an empty folder
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("what"); // at, range, steps or page
    QTest::addColumn<int>("room"); // bytes left on the disk when the export starts; -1: all but its last page
    const struct {
        const char* name;
        QString file;
        const char* out;
        const char* format;
        const char* what;
    } exports[] = {{"png frame", kBurst, "frame.png", "png", "at"},
                   {"png sequence", kBurst, "frames", "png", "range"},
                   {"svg frame", kBurst, "frame.svg", "svg", "at"},
                   {"svg sequence", kBurst, "frames", "svg", "range"},
                   {"pdf", kBurst, "frames.pdf", "pdf", "range"},
                   {"pdf of steps", kTwoQueues, "steps.pdf", "pdf", "steps"},
                   {"handout", kTwoQueues, "handout.pdf", "handout", "steps"},
                   {"mp4", kBurst, "film.mp4", "mp4", "range"},
                   {"webm", kBurst, "film.webm", "webm", "range"},
                   {"gif", kBurst, "film.gif", "gif", "range"},
                   {"lesson page", kTwoQueues, "lesson.html", "html", "page"}};
    for (const auto& e : exports)
        for (const int room : {4096, -1})
            QTest::addRow("%s, %s", e.name, room < 0 ? "all but its end" : "a page left")
                << e.file << e.out << e.format << e.what << room;
}

void TestExport::aFullDiskIsAnErrorAndKeepsWhatWasThere() {
    QFETCH(QString, file);
    QFETCH(QString, out);
    QFETCH(QString, format);
    QFETCH(QString, what);
    QFETCH(int, room);
    if (app::needsFfmpeg(format) && !app::ffmpegAvailable())
        QSKIP("ffmpeg is not installed (the Debian package ffmpeg); CI installs it");
    const auto make = [&](const QString& path) {
        ExportOptions o = options(file, path);
        o.format = format;
        o.size = QSize(1280, 720);
        if (what == QLatin1String("at")) {
            o.at = Time::ms(2);
        } else if (what == QLatin1String("range")) {
            o.from = Time();
            o.to = Time::ms(500);
            o.fps = 20;
        } else if (what == QLatin1String("steps")) {
            o.steps = true;
        } // a page: the whole lesson
        return o;
    };
    // The pages (tmpfs counts 4 KB pages) the export takes on a disk with room for it.
    const auto pages = [](qint64 bytes) { return (bytes + 4095) / 4096 * 4096; };
    qint64 needs = 0;
    {
        QTemporaryDir roomy;
        const ExportOptions o = make(roomy.filePath(out));
        const ExportResult r = exportFrames(o);
        QVERIFY2(r.ok(), qPrintable(r.errors.join('\n')));
        const QFileInfo written(o.out);
        if (written.isDir()) {
            for (const QFileInfo& f : QDir(o.out).entryInfoList(QDir::Files))
                needs += pages(f.size());
        } else {
            needs = pages(written.size());
        }
    }
    if (room < 0) room = static_cast<int>(needs - 4096);
    QVERIFY(room < needs);
    // 64 KB, or more for an export that needs more: what was there, the export's room, and some.
    disk_ = std::make_unique<TinyDisk>(std::max<qint64>(64, (needs + 65536) / 1024 + 64));
    if (!disk_->isMounted()) QSKIP(qPrintable(disk_->why()));

    // What was there before: a good file at the path (or the empty folder frames go into), and another
    // file beside it.
    const bool folder = !out.contains(QLatin1Char('.'));
    const QString target = disk_->filePath(out);
    const QString beside = disk_->filePath(QStringLiteral("keep.pdf"));
    QByteArray good("%PDF-1.4 a good file, written before the disk filled up\n");
    good = good.repeated(100);
    for (const QString& path : folder ? QStringList{beside} : QStringList{target, beside}) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(good), good.size());
    }
    if (folder) QVERIFY(QDir().mkdir(target));
    QVERIFY(disk_->fill(QStringLiteral("filler"), room));
    const QStringList before = entries(disk_->path());

    const ExportResult r = exportFrames(make(target));
    QVERIFY(!r.ok());
    QVERIFY(!r.cancelled);
    QCOMPARE(r.errors.size(), 1);
    const QString& error = r.errors.front();
    QVERIFY2(error.startsWith(target + QStringLiteral(": cannot write: ")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("No space left on device")), qPrintable(error));
    QVERIFY2(!error.contains(QStringLiteral("partial")),
             qPrintable(error)); // the temporary file's name is not shown
    // Nothing half-written, and what was there is as it was.
    QCOMPARE(entries(disk_->path()), before);
    QCOMPARE(readAll(beside), good);
    if (folder)
        QCOMPARE(entries(target), QStringList());
    else
        QCOMPARE(readAll(target), good);
}

// The same through `backlog export` as a user runs it: exit status 2 and the reason on the last line
// (the case: a handout onto a disk with room for all but its end said "exported" and left a
// truncated PDF in place of the good one).
void TestExport::aFullDiskFailsTheCommandLine_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("out");
    QTest::addColumn<int>("room"); // as in aFullDiskIsAnErrorAndKeepsWhatWasThere
    const QStringList handout{kTwoQueues, QStringLiteral("--format"), QStringLiteral("handout")};
    const QStringList range{kBurst,
                            QStringLiteral("--from"),
                            QStringLiteral("0s"),
                            QStringLiteral("--to"),
                            QStringLiteral("1s"),
                            QStringLiteral("--fps"),
                            QStringLiteral("10")};
    QTest::newRow("handout, a page left") << handout << "handout.pdf" << 4096;
    QTest::newRow("handout, all but its end") << handout << "handout.pdf" << -1;
    QTest::newRow("pdf, all but its end") << range << "frames.pdf" << -1;
    QTest::newRow("png sequence, a page left") << range << "frames" << 4096;
}

void TestExport::aFullDiskFailsTheCommandLine() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, out);
    QFETCH(int, room);
    const QString backlog = QStringLiteral(BACKLOG_EXECUTABLE);
    QVERIFY2(QFileInfo(backlog).isExecutable(), qPrintable(backlog));
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    p.setProcessEnvironment(env);
    const auto run = [&](const QString& path) {
        p.start(backlog, QStringList{QStringLiteral("export")} + arguments +
                             QStringList{QStringLiteral("--out"), path});
        return p.waitForFinished(120'000) && p.exitStatus() == QProcess::NormalExit;
    };
    // What it writes on a disk with room for it (in 4 KB pages, as tmpfs counts).
    qint64 needs = 0;
    {
        QTemporaryDir roomy;
        QVERIFY(run(roomy.filePath(out)));
        QCOMPARE(p.exitCode(), 0);
        const QFileInfo written(roomy.filePath(out));
        const QFileInfoList files =
            written.isDir() ? QDir(written.filePath()).entryInfoList(QDir::Files) : QFileInfoList{written};
        for (const QFileInfo& f : files)
            needs += (f.size() + 4095) / 4096 * 4096;
    }
    if (room < 0) room = static_cast<int>(needs - 4096);
    disk_ = std::make_unique<TinyDisk>(std::max<qint64>(64, (needs + 65536) / 1024 + 64));
    if (!disk_->isMounted()) QSKIP(qPrintable(disk_->why()));
    const QString target = disk_->filePath(out);
    const QByteArray good = QByteArray("%PDF-1.4 the handout from last term\n").repeated(100);
    if (out.contains(QLatin1Char('.'))) {
        QFile f(target);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(good), good.size());
    }
    QVERIFY(disk_->fill(QStringLiteral("filler"), room));
    const QStringList before = entries(disk_->path());

    QVERIFY(run(target));
    const QString said = QString::fromLocal8Bit(p.readAllStandardOutput() + p.readAllStandardError());
    QVERIFY2(p.exitCode() == 2, qPrintable(QStringLiteral("exit %1: %2").arg(p.exitCode()).arg(said)));
    // Progress lines ("exported 5/11 frames", on a slow machine) may come first; the last line is the
    // error, and no line says the export was done ("exported 11 frames to …").
    QVERIFY2(
        said.trimmed().section(QLatin1Char('\n'), -1).startsWith(target + QStringLiteral(": cannot write: ")),
        qPrintable(said));
    QVERIFY2(said.contains(QStringLiteral("No space left on device")), qPrintable(said));
    QVERIFY2(!said.contains(QRegularExpression(QStringLiteral("exported \\d+ frames to"))), qPrintable(said));
    QCOMPARE(entries(disk_->path()), before);
    if (out.contains(QLatin1Char('.'))) QCOMPARE(readAll(target), good);
}

// `out` naming the file being exported is refused whatever the format, by any spelling or link, and the
// file is left as it was.
void TestExport::theOutputIsNeverTheInput_data() {
    QTest::addColumn<QString>("spelling"); // same, dotted, relative, symlink, hardlink
    QTest::addColumn<QString>("set");
    QTest::addColumn<bool>("document"); // the window's run (the dialog's way) instead of the file
    QTest::newRow("handout, same path") << "same"
                                        << "format=handout" << false;
    QTest::newRow("handout, ./ and ..") << "dotted"
                                        << "format=handout" << false;
    QTest::newRow("handout, relative") << "relative"
                                       << "format=handout" << false;
    QTest::newRow("handout, symbolic link") << "symlink"
                                            << "format=handout" << false;
    QTest::newRow("handout, hard link") << "hardlink"
                                        << "format=handout" << false;
    QTest::newRow("pdf of steps, symbolic link") << "symlink"
                                                 << "format=pdf steps" << false;
    QTest::newRow("png frame") << "same"
                               << "format=png at" << false;
    QTest::newRow("png without a format") << "same"
                                          << "at" << false;
    QTest::newRow("svg sequence") << "dotted"
                                  << "format=svg range" << false;
    QTest::newRow("mp4") << "symlink"
                         << "format=mp4 range" << false;
    QTest::newRow("the window's run, handout") << "symlink"
                                               << "format=handout" << true;
    QTest::newRow("the window's run, png") << "same"
                                           << "format=png at" << true;
}

void TestExport::theOutputIsNeverTheInput() {
    QFETCH(QString, spelling);
    QFETCH(QString, set);
    QFETCH(bool, document);
    QTemporaryDir dir;
    QVERIFY(QDir().mkdir(dir.filePath(QStringLiteral("lessons"))));
    const QString lesson = dir.filePath(QStringLiteral("lessons/lesson.yaml"));
    QVERIFY(QFile::copy(kTwoQueues, lesson));
    const QByteArray original = readAll(lesson);
    QString out = lesson;
    if (spelling == QLatin1String("dotted")) {
        out = dir.filePath(QStringLiteral("lessons/./../lessons/lesson.yaml"));
    } else if (spelling == QLatin1String("relative")) {
        out = QDir::current().relativeFilePath(lesson);
        QVERIFY(!QFileInfo(out).isAbsolute());
    } else if (spelling == QLatin1String("symlink")) {
        out = dir.filePath(QStringLiteral("link.yaml"));
        QVERIFY(QFile::link(lesson, out));
    } else if (spelling == QLatin1String("hardlink")) {
#ifdef Q_OS_UNIX
        out = dir.filePath(QStringLiteral("hard.yaml"));
        QCOMPARE(QProcess::execute(QStringLiteral("ln"), {lesson, out}), 0);
#else
        QSKIP("hard links are made with ln here");
#endif
    }
    const QStringList before = entries(dir.path());

    views::SimulationDocument doc;
    ExportOptions o = options(lesson, out);
    if (document) {
        QVERIFY(doc.load(lesson).isEmpty());
        o.file.clear();
        o.run = app::ExportRun::copyOf(doc);
    }
    for (const QString& item : set.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        if (item.startsWith(QLatin1String("format="))) {
            o.format = item.section(QLatin1Char('='), 1);
        } else if (item == QLatin1String("at")) {
            o.at = Time::ms(1);
        } else if (item == QLatin1String("steps")) {
            o.steps = true;
        } else if (item == QLatin1String("range")) {
            o.from = Time();
            o.to = Time::ms(10);
        }
    }
    const ExportResult r = exportFrames(o);
    QCOMPARE(r.errors.size(), 1);
    const QString expected =
        QStringLiteral("--out %1: that is the file being exported").arg(QDir::toNativeSeparators(out));
    QVERIFY2(r.errors.front().startsWith(expected), qPrintable(r.errors.front()));
    QVERIFY2(r.errors.front().endsWith(QStringLiteral("; choose another path")),
             qPrintable(r.errors.front()));
    // Through a link, the message names the file it leads to.
    if (spelling.endsWith(QLatin1String("link")))
        QVERIFY2(r.errors.front().contains(QStringLiteral("(%1)").arg(QDir::toNativeSeparators(lesson))),
                 qPrintable(r.errors.front()));
    QCOMPARE(readAll(lesson), original);
    QCOMPARE(entries(dir.path()), before);
    QCOMPARE(entries(dir.filePath(QStringLiteral("lessons"))), QStringList{QStringLiteral("lesson.yaml")});

    // Another file beside it is written as usual: the check is about the same file, not the same name.
    if (spelling == QLatin1String("same") && !document) {
        ExportOptions other = options(lesson, dir.filePath(QStringLiteral("lesson.png")));
        other.at = Time::ms(1);
        const ExportResult ok = exportFrames(other);
        QVERIFY2(ok.ok(), qPrintable(ok.errors.join('\n')));
    }
}

// The window's run changes under the user's hand; the export's copy is the run as it was when it was
// taken, simulated again on its own (a lesson with its steps' changes and a change made in the window).
void TestExport::aCopyOfTheWindowsRunIsThatRun() {
    QTemporaryDir dir;
    views::SimulationDocument doc;
    QVERIFY(doc.load(kTwoQueues).isEmpty());
    doc.setPlayhead(Time::ms(3));
    QCOMPARE(doc.change(QStringLiteral("server.backlog"), QStringLiteral("1")), QString());
    const std::shared_ptr<const app::ExportRun> copy = app::ExportRun::copyOf(doc);
    QVERIFY(copy);
    QCOMPARE(copy->path(), kTwoQueues);
    QCOMPARE(copy->stepTimes(), doc.stepTimes());
    QVERIFY(copy->lesson() && doc.lesson() && copy->lesson()->title == doc.lesson()->title);
    const QImage before = stage(doc, Time::ms(10), QSize(800, 450), views::Theme::light());
    // The window goes on: another change, then another file. The copy is still the run it was.
    doc.setPlayhead(Time::ms(1));
    QCOMPARE(doc.change(QStringLiteral("server.backlog"), QStringLiteral("64")), QString());
    QVERIFY(doc.load(kBurst).isEmpty());
    QCOMPARE(copy->prepare(), QString());
    QCOMPARE(copy->prepare(), QString()); // once
    ExportOptions o = options(QString(), dir.filePath(QStringLiteral("copy.png")));
    o.run = copy;
    o.at = Time::ms(10);
    o.plain = true;
    const ExportResult r = exportFrames(o);
    QVERIFY2(r.ok(), qPrintable(r.errors.join('\n')));
    QVERIFY(loaded(o.out) == before);
}

void TestExport::aJobPaintsOnItsThreadAndTheChartsOnTheGuiThread_data() {
    QTest::addColumn<QString>("view");
    QTest::addColumn<QString>("format");
    QTest::newRow("stage, png") << "stage"
                                << "png";
    QTest::newRow("charts, png") << "charts"
                                 << "png";
    QTest::newRow("charts, pdf") << "charts"
                                 << "pdf";
    QTest::newRow("ladder, handout") << "ladder"
                                     << "handout";
}

// An ExportJob writes the same bytes as the export on the calling thread, while this thread goes on
// with its events (the charts' frames are among them: painted here, one queued call each).
void TestExport::aJobPaintsOnItsThreadAndTheChartsOnTheGuiThread() {
    QFETCH(QString, view);
    QFETCH(QString, format);
    QTemporaryDir dir;
    const bool handout = format == QLatin1String("handout");
    const QString name =
        handout || format == QLatin1String("pdf") ? QStringLiteral("out.pdf") : QStringLiteral("frames");
    ExportOptions o = options(kTwoQueues, dir.filePath(QStringLiteral("here-") + name));
    o.view = view;
    o.format = format;
    if (!handout) {
        o.from = Time();
        o.to = Time::ms(16);
        o.fps = 240;
    }
    const ExportResult here = exportFrames(o);
    QVERIFY2(here.ok(), qPrintable(here.errors.join('\n')));

    o.out = dir.filePath(QStringLiteral("job-") + name);
    app::ExportJob job(o);
    QSignalSpy finished(&job, &app::ExportJob::finished);
    QSignalSpy advanced(&job, &app::ExportJob::advanced);
    int ticks = 0; // the GUI thread's own events, served during the job
    QTimer tick;
    connect(&tick, &QTimer::timeout, &tick, [&ticks] { ++ticks; });
    tick.start(1);
    job.start();
    QVERIFY(job.isRunning());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
    tick.stop();
    QVERIFY(!job.isRunning());
    const auto result = finished.front().front().value<app::ExportResult>();
    QVERIFY2(result.ok(), qPrintable(result.errors.join('\n')));
    QCOMPARE(result.frames, here.frames);
    QVERIFY(!advanced.isEmpty());
    QVERIFY(ticks > 0);
    if (QFileInfo(o.out).isDir()) {
        const QStringList frames = QDir(o.out).entryList(QDir::Files, QDir::Name);
        QCOMPARE(frames,
                 QDir(dir.filePath(QStringLiteral("here-") + name)).entryList(QDir::Files, QDir::Name));
        for (const QString& f : frames)
            QVERIFY2(readAll(QDir(o.out).filePath(f)) ==
                         readAll(dir.filePath(QStringLiteral("here-") + name + QLatin1Char('/') + f)),
                     qPrintable(f));
    } else {
        // A PDF holds its date of making: the pages are compared, not the bytes.
        QCOMPARE(pageCount(readAll(o.out)), pageCount(readAll(dir.filePath(QStringLiteral("here-") + name))));
    }
}

// Destroying a running job stops it and waits for its thread, even with a chart's frame waiting for
// this (busy) thread: nothing is left behind.
void TestExport::aJobIsCancelledByItsDestructor() {
    QTemporaryDir dir;
    ExportOptions o = options(kBurst, dir.filePath(QStringLiteral("frames")));
    o.view = QStringLiteral("charts");
    o.from = Time();
    o.to = Time::s(10);
    o.fps = 30;
    {
        app::ExportJob job(o);
        QSignalSpy advanced(&job, &app::ExportJob::advanced);
        job.start();
        QTRY_VERIFY_WITH_TIMEOUT(!advanced.isEmpty(), 60000);
    } // this thread is busy here: the job's next chart frame waits for it, and is dropped
    QVERIFY(!QFileInfo::exists(o.out));
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
             QStringList());
}

// --view window: the window paints itself, on the GUI thread, whichever thread exports; its error stops
// the export, which leaves nothing behind.
void TestExport::theWindowIsPaintedByTheWindowOnTheGuiThread() {
    QTemporaryDir dir;
    ExportOptions o = options(kTwoQueues, dir.filePath(QStringLiteral("frames")));
    o.view = QStringLiteral("window");
    o.windowSize = QSize(320, 200);
    o.from = Time();
    o.to = Time::ms(16);
    o.fps = 240;
    std::vector<Time> painted;
    bool onGuiThread = true;
    o.paintWindow = [&](QPainter& p, Time t) {
        onGuiThread = onGuiThread && QThread::currentThread() == qApp->thread();
        painted.push_back(t);
        p.fillRect(QRect(0, 0, 320, 200), QColor(0x20, 0x40, 0x60));
        return QString();
    };
    app::ExportJob job(o);
    QSignalSpy finished(&job, &app::ExportJob::finished);
    job.start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
    auto result = finished.front().front().value<app::ExportResult>();
    QVERIFY2(result.ok(), qPrintable(result.errors.join('\n')));
    QVERIFY(onGuiThread);
    QCOMPARE(painted.size(), std::size_t(4)); // 0, 4.2, 8.3 and 12.5 ms
    QCOMPARE(painted.back(), Time::us(12500));
    const QStringList frames = QDir(o.out).entryList(QDir::Files, QDir::Name);
    QCOMPARE(frames.size(), 4);
    QCOMPARE(QImage(QDir(o.out).filePath(frames.front())).size(), QSize(320, 200));
    QCOMPARE(QImage(QDir(o.out).filePath(frames.front())).pixel(5, 5), qRgb(0x20, 0x40, 0x60));

    // The window's error (it was closed, its run changed) is the export's.
    o.out = dir.filePath(QStringLiteral("again"));
    o.paintWindow = [](QPainter&, Time) { return QStringLiteral("the window was closed during the export"); };
    app::ExportJob failing(o);
    QSignalSpy failed(&failing, &app::ExportJob::finished);
    failing.start();
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 60000);
    result = failed.front().front().value<app::ExportResult>();
    QCOMPARE(result.errors, QStringList{QStringLiteral("the window was closed during the export")});
    QVERIFY(!QFileInfo::exists(o.out));
}

// `backlog export` paints every view without a window of the application's: no QMainWindow is made
// (each would be seen here, by its first event), and --view window is refused with what to do instead.
void TestExport::theCommandLineOpensNoWindow() {
    struct MainWindowWatch : QObject {
        bool seen = false;
        bool eventFilter(QObject* watched, QEvent* event) override {
            if (qobject_cast<QMainWindow*>(watched)) seen = true;
            return QObject::eventFilter(watched, event);
        }
    } watch;
    qApp->installEventFilter(&watch);
    QTemporaryDir dir;
    for (const QString& view : {QStringLiteral("stage"), QStringLiteral("ladder"), QStringLiteral("states"),
                                QStringLiteral("charts")}) {
        const QString out = dir.filePath(view + QStringLiteral(".png"));
        const int status = app::runCommand({QStringLiteral("backlog"), QStringLiteral("export"), kTwoQueues,
                                            QStringLiteral("--out"), out, QStringLiteral("--at"),
                                            QStringLiteral("10ms"), QStringLiteral("--view"), view,
                                            QStringLiteral("--size"), QStringLiteral("640x360")});
        QCOMPARE(status, 0);
        QVERIFY(QFileInfo::exists(out));
    }
    const QString out = dir.filePath(QStringLiteral("window.png"));
    const int status = app::runCommand(
        {QStringLiteral("backlog"), QStringLiteral("export"), kTwoQueues, QStringLiteral("--out"), out,
         QStringLiteral("--at"), QStringLiteral("10ms"), QStringLiteral("--view"), QStringLiteral("window")});
    QCOMPARE(status, 2);
    QVERIFY(!QFileInfo::exists(out));
    qApp->removeEventFilter(&watch);
    QVERIFY(!watch.seen);
    // Not even linked in: the export's library does not depend on the window's (app/export/CMakeLists.txt).
    QVERIFY(QApplication::topLevelWidgets().isEmpty() ||
            std::none_of(QApplication::topLevelWidgets().cbegin(), QApplication::topLevelWidgets().cend(),
                         [](const QWidget* w) { return qobject_cast<const QMainWindow*>(w) != nullptr; }));
}

QTEST_MAIN(TestExport)
#include "tst_export.moc"
