// `backlog export` through the function the command line calls: a frame is exactly what the renderers
// paint, lesson steps carry their emphasis, SVG and PDF are valid, the same options give the same bytes
// (whatever the number of threads), bad options are refused before anything is written, and a failed
// export leaves nothing behind.
#include "Export.h"

#include "LadderRenderer.h"
#include "SimulationDocument.h"
#include "StageRenderer.h"
#include "Theme.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QPainter>
#include <QRegularExpression>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>

using namespace backlog;
using backlog::app::ExportOptions;
using backlog::app::ExportResult;
using backlog::app::exportFrames;

class TestExport : public QObject {
    Q_OBJECT
private slots:
    void aFrameIsWhatTheStageRendererPaints();
    void aLadderFrameIsWhatTheLadderRendererPaints();
    void stepsGiveOneFramePerStepWithItsEmphasis();
    void aSequenceIsNumberedInOrder();
    void svgAndPdfAreValid();
    void theSameOptionsGiveTheSameBytes();
    void anEmptyFolderIsFilled();
    void aFailedExportLeavesNothingBehind();
    void badOptionsAreRefused_data();
    void badOptionsAreRefused();
};

namespace {

const QString kBurst = QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/e2-burst.yaml");
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
             const views::StageRenderer::Emphasis& emphasis = {}) {
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(theme.background);
    QPainter p(&image);
    views::StageRenderer().paint(p, QRectF(QPointF(0, 0), QSizeF(size)), doc.simulation(), t, theme, emphasis);
    p.end();
    return image.convertToFormat(QImage::Format_ARGB32);
}

// "/Type /Page" objects (not "/Type /Pages"): the pages of a PDF.
int pageCount(const QByteArray& pdf) {
    static const QRegularExpression page(QStringLiteral("/Type\\s*/Page(?!s)"));
    int n = 0;
    for (auto it = page.globalMatch(QString::fromLatin1(pdf)); it.hasNext(); it.next()) ++n;
    return n;
}

QImage loaded(const QString& path) { return QImage(path).convertToFormat(QImage::Format_ARGB32); }

// Everything in `folder` whose name starts with `prefix` (the partial folders an export may leave).
QStringList entriesStartingWith(const QString& folder, const QString& prefix) {
    return QDir(folder).entryList({prefix + QLatin1Char('*')}, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
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
    views::LadderRenderer().paint(p, QRectF(QPointF(0, 0), QSizeF(o.size)), doc.simulation(), *o.at, theme, {0, 150});
    p.end();
    QVERIFY(loaded(o.out) == expected.convertToFormat(QImage::Format_ARGB32));
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
    for (std::size_t i = 1; i <= steps; ++i) expected << QStringLiteral("step-%1.png").arg(i, 2, 10, QLatin1Char('0'));
    QCOMPARE(QDir(o.out).entryList(QDir::Files, QDir::Name), expected);
    QVERIFY(progress.last().startsWith(QStringLiteral("exported %1 frames").arg(steps)));
    QVERIFY(progress.last().contains(QLatin1String("frames/s")));
    // Every frame is the stage at its step's moment with the step's highlight and zoom (step 2 zooms).
    QVERIFY(doc.lesson()->steps[1].zoom.has_value());
    for (std::size_t i = 0; i < steps; ++i) {
        const Step& step = doc.lesson()->steps[i];
        const QImage written = loaded(QDir(o.out).filePath(expected[static_cast<qsizetype>(i)]));
        QVERIFY2(written == stage(doc, doc.stepTimes()[i], o.size, views::Theme::light(), {step.highlight, step.zoom}),
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
    QVERIFY(loaded(QDir(o.out).filePath(files[4])) == stage(doc, Time::ms(101), o.size, views::Theme::light()));
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
    QVERIFY(QString::fromLatin1(pdf).contains(QRegularExpression(QStringLiteral("/MediaBox \\[0 0 800(\\.0*)? 450(\\.0*)?\\]"))));

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
    const QString c = sequence(QStringLiteral("c"), 1); // one thread: one renderer, its caches reused in order
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
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), QStringList{QStringLiteral("empty")});
}

void TestExport::aFailedExportLeavesNothingBehind() {
    // An unwritable place: one frame, a sequence, a PDF.
    for (const QString& out : {QStringLiteral("/proc/x.png"), QStringLiteral("/proc/x"), QStringLiteral("/proc/x.pdf")}) {
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
        QVERIFY2(r.errors.front().startsWith(out + QLatin1String(": cannot write")), qPrintable(r.errors.front()));
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
    QCOMPARE(r.errors, QStringList{full + QStringLiteral(": the folder is not empty; frames go into a new or empty folder")});
    QCOMPARE(QDir(full).entryList(QDir::Files), QStringList{QStringLiteral("keep.txt")});
    QCOMPARE(readAll(keep.fileName()), QByteArray("mine"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), QStringList{QStringLiteral("full")});

    // A file where the folder would go.
    o.out = keep.fileName();
    QVERIFY(!exportFrames(o).ok());
    QCOMPARE(readAll(keep.fileName()), QByteArray("mine"));
}

void TestExport::badOptionsAreRefused_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("set");
    QTest::addColumn<QString>("message");
    const QString scenario = QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/00-default.yaml");
    QTest::newRow("no mode") << kBurst << "" << "expected one of --at T, --from T --to T [--fps N], or --steps";
    QTest::newRow("two modes") << kBurst << "at=1ms steps" << "expected one of --at T";
    QTest::newRow("from alone") << kBurst << "from=1ms" << "--from needs --to";
    QTest::newRow("fps alone") << kBurst << "at=1ms fps=30" << "--fps goes with --from and --to";
    QTest::newRow("fps 0") << kBurst << "from=0s to=1s fps=0" << "--fps 0: expected 1 to 240 frames per second";
    QTest::newRow("fps 241") << kBurst << "from=0s to=1s fps=241" << "--fps 241: expected 1 to 240";
    QTest::newRow("size 0x0") << kBurst << "at=1ms size=0x0" << "--size 0x0: expected 1 to 8192 pixels a side";
    QTest::newRow("size 8193") << kBurst << "at=1ms size=8193x100" << "--size 8193x100: expected 1 to 8192";
    QTest::newRow("from > to") << kBurst << "from=2s to=1s" << "--from 2s --to 1s: expected 0s <= --from <= --to";
    QTest::newRow("too many frames") << kBurst << "from=0s to=500s fps=240"
                                     << "--from 0s --to 500s at 240 frames/s: more than 100000 frames";
    QTest::newRow("format") << kBurst << "at=1ms format=jpg" << "--format jpg: unknown format; expected png, svg or pdf";
    QTest::newRow("extension") << kBurst << "at=1ms out=frame.jpg" << "cannot tell the format from .jpg";
    QTest::newRow("view") << kBurst << "at=1ms view=charts" << "--view charts: unknown view; expected stage or ladder";
    QTest::newRow("theme") << kBurst << "at=1ms theme=solarized" << "--theme solarized: unknown theme";
    QTest::newRow("client on the stage") << kBurst << "at=1ms client=3" << "--client 3: connections are drawn by --view ladder";
    QTest::newRow("client out of range") << kBurst << "at=1ms view=ladder client=200" << "--client 200: the run has 200 clients (0 to 199)";
    QTest::newRow("client negative") << kBurst << "at=1ms view=ladder client=-1" << "--client -1: the run has 200 clients";
    QTest::newRow("steps on a scenario") << scenario << "steps" << "--steps needs a lesson; this is a scenario";
    QTest::newRow("after the end") << kBurst << "at=300s" << "--at 300s: after the end of the run (211.796s)";
    QTest::newRow("to after the end") << kBurst << "from=0s to=300s fps=1" << "--to 300s: after the end of the run";
    QTest::newRow("missing folder") << kBurst << "at=1ms out=missing/frame.png" << "missing/frame.png: cannot write: the folder";
    QTest::newRow("missing file") << QStringLiteral("/nonexistent.yaml") << "at=1ms" << "/nonexistent.yaml";
}

void TestExport::badOptionsAreRefused() {
    QFETCH(QString, file);
    QFETCH(QString, set);
    QFETCH(QString, message);
    QTemporaryDir dir;
    ExportOptions o = options(file, dir.filePath(QStringLiteral("out")));
    const auto time = [](const QString& v) {
        return v.endsWith(QLatin1String("ms")) ? Time::ms(v.chopped(2).toLongLong()) : Time::s(v.chopped(1).toLongLong());
    };
    for (const QString& item : set.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const QString key = item.section(QLatin1Char('='), 0, 0);
        const QString value = item.section(QLatin1Char('='), 1);
        if (key == QLatin1String("at")) o.at = time(value);
        else if (key == QLatin1String("from")) o.from = time(value);
        else if (key == QLatin1String("to")) o.to = time(value);
        else if (key == QLatin1String("fps")) o.fps = value.toInt();
        else if (key == QLatin1String("steps")) o.steps = true;
        else if (key == QLatin1String("size")) o.size = QSize(value.section('x', 0, 0).toInt(), value.section('x', 1).toInt());
        else if (key == QLatin1String("format")) o.format = value;
        else if (key == QLatin1String("out")) o.out = dir.filePath(value);
        else if (key == QLatin1String("view")) o.view = value;
        else if (key == QLatin1String("theme")) o.theme = value;
        else if (key == QLatin1String("client")) o.clients.push_back(value.toLongLong());
        else QFAIL(qPrintable(QStringLiteral("unknown key in the test table: ") + key));
    }
    const ExportResult r = exportFrames(o);
    QVERIFY(!r.ok());
    QCOMPARE(r.errors.size(), 1);
    QVERIFY2(r.errors.front().contains(message), qPrintable(r.errors.front()));
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), QStringList());
}

QTEST_MAIN(TestExport)
#include "tst_export.moc"
