// The lecturer's strokes in exported frames (issue 16): painted by the stage's own painting path, a frame
// with them differs from one without exactly where the stroke is; a step's stroke is on that step's
// frame only; SVG and PDF carry them too; and `backlog export` takes --annotations, the side file beside
// the lesson by default, and --no-annotations.
#include "app/export/Export.h"

#include "tests/common/ViewTest.h"
#include "views/document/AnnotationFile.h"
#include "views/render/Theme.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace backlog;
using namespace backlog::app;

namespace {
const QString kLesson = QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/04-the-full-queue.yaml");

// A horizontal line across the middle of the stage at step `step`: layout (500, 450) to (1100, 450).
views::Stroke line(int step) {
    views::Stroke s;
    s.moment = {step, Time()};
    s.colour = views::Theme::penColours().front();
    s.width = 6;
    s.points = {{500, 450}, {800, 450}, {1100, 450}};
    return s;
}

ExportOptions options(const QString& out) {
    ExportOptions o;
    o.file = kLesson;
    o.out = out;
    o.size = QSize(800, 450); // half the reference stage: the line is at y = 225, x 250..550, 3 px wide
    o.at = Time();
    o.plain = true; // no zoom: the stroke's place is the layout's
    return o;
}

QImage exported(const ExportOptions& o) {
    const ExportResult r = exportFrames(o);
    if (!r.ok()) qWarning() << r.errors;
    return QImage(o.out).convertToFormat(QImage::Format_RGB32);
}

QRect differing(const QImage& a, const QImage& b) {
    QRect box;
    for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width(); ++x)
            if (test::colourDistance(a.pixel(x, y), b.pixel(x, y)) > 16) box |= QRect(x, y, 1, 1);
    return box;
}

int run(const QStringList& arguments, QString* err = nullptr) {
    QProcess p;
    p.start(QStringLiteral(BACKLOG_EXECUTABLE), arguments);
    if (!p.waitForFinished(60'000)) return -1;
    if (err) *err = QString::fromLocal8Bit(p.readAllStandardError());
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}
} // namespace

class TestExportAnnotations : public QObject {
    Q_OBJECT
  private slots:
    void aFrameWithTheStrokeDiffersOnlyWhereItIs();
    void aStepsStrokeIsOnItsStepOnly();
    void svgAndPdfCarryTheStroke();
    void theCommandLineTakesTheSideFile();
};

void TestExportAnnotations::aFrameWithTheStrokeDiffersOnlyWhereItIs() {
    QTemporaryDir dir;
    const QImage without = exported(options(dir.filePath(QStringLiteral("without.png"))));
    ExportOptions o = options(dir.filePath(QStringLiteral("with.png")));
    o.annotations = {line(0)};
    const QImage with = exported(o);
    QCOMPARE(with.size(), QSize(800, 450));
    const QRect changed = differing(without, with);
    // The line's box (250..550 × 225, 3 px wide, round caps) and its anti-aliased edge, nothing else.
    QVERIFY2(QRect(QPoint(246, 221), QPoint(554, 229)).contains(changed),
             qPrintable(QStringLiteral("%1,%2 %3×%4")
                            .arg(changed.x())
                            .arg(changed.y())
                            .arg(changed.width())
                            .arg(changed.height())));
    QVERIFY(changed.width() > 290);
    QVERIFY(test::colourDistance(with.pixel(400, 225), views::Theme::penColours().front().rgb()) <= 24);
    // At twice the pixels, the same layout: the line is where it was, twice as wide.
    ExportOptions scaled = o;
    scaled.out = dir.filePath(QStringLiteral("scaled.png"));
    scaled.scale = 2;
    const QImage big = exported(scaled);
    QVERIFY(test::colourDistance(big.pixel(800, 450), views::Theme::penColours().front().rgb()) <= 24);
}

// The frames of --steps: the stroke of step 2 on the third frame only.
void TestExportAnnotations::aStepsStrokeIsOnItsStepOnly() {
    QTemporaryDir dir;
    ExportOptions plain = options(dir.filePath(QStringLiteral("plain")));
    plain.at.reset();
    plain.steps = true;
    QVERIFY(exportFrames(plain).ok());
    ExportOptions o = plain;
    o.out = dir.filePath(QStringLiteral("annotated"));
    o.annotations = {line(2)};
    QVERIFY(exportFrames(o).ok());
    const QStringList frames = QDir(plain.out).entryList(QDir::Files, QDir::Name);
    QVERIFY(frames.size() > 3);
    for (int i = 0; i < frames.size(); ++i) {
        const QImage a = QImage(QDir(plain.out).filePath(frames[i])).convertToFormat(QImage::Format_RGB32);
        const QImage b = QImage(QDir(o.out).filePath(frames[i])).convertToFormat(QImage::Format_RGB32);
        QCOMPARE(differing(a, b).isEmpty(), i != 2);
    }
}

void TestExportAnnotations::svgAndPdfCarryTheStroke() {
    QTemporaryDir dir;
    for (const QString& format : {QStringLiteral("svg"), QStringLiteral("pdf")}) {
        ExportOptions without = options(dir.filePath(QStringLiteral("without.") + format));
        without.format = format;
        QVERIFY(exportFrames(without).ok());
        ExportOptions with = without;
        with.out = dir.filePath(QStringLiteral("with.") + format);
        with.annotations = {line(0)};
        QVERIFY(exportFrames(with).ok());
        QFile a(without.out), b(with.out);
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        const QByteArray before = a.readAll(), after = b.readAll();
        QVERIFY2(after.size() > before.size(), qPrintable(format));
        if (format == QLatin1String("svg")) QVERIFY(after.count("#d55e00") > before.count("#d55e00"));
    }
}

// `backlog export`: the side file beside the lesson is taken by default, --annotations names another,
// --no-annotations leaves them out, and a bad side file is refused naming it.
void TestExportAnnotations::theCommandLineTakesTheSideFile() {
    QTemporaryDir dir;
    const QString lesson = dir.filePath(QStringLiteral("lesson.yaml"));
    QVERIFY(QFile::copy(kLesson, lesson));
    const auto frame = [&](const QString& name, const QStringList& more, QString* err = nullptr) {
        const QString out = dir.filePath(name);
        const int status =
            run(QStringList{QStringLiteral("export"), lesson, QStringLiteral("--out"), out,
                            QStringLiteral("--at"), QStringLiteral("0s"), QStringLiteral("--size"),
                            QStringLiteral("800x450"), QStringLiteral("--plain")} +
                    more,
                err);
        return std::pair{status, QImage(out).convertToFormat(QImage::Format_RGB32)};
    };
    const auto [s0, bare] = frame(QStringLiteral("bare.png"), {});
    QCOMPARE(s0, 0);
    QCOMPARE(views::writeAnnotations(views::annotationsPathFor(lesson), {line(0)}), QString());
    const auto [s1, beside] = frame(QStringLiteral("beside.png"), {});
    QCOMPARE(s1, 0);
    QVERIFY(QRect(QPoint(246, 221), QPoint(554, 229)).contains(differing(bare, beside)));
    QVERIFY(!differing(bare, beside).isEmpty());
    const auto [s2, none] = frame(QStringLiteral("none.png"), {QStringLiteral("--no-annotations")});
    QCOMPARE(s2, 0);
    QVERIFY(differing(bare, none).isEmpty());
    // Another file, named: its stroke (step 0, moved down 100 units: y = 275 px).
    views::Stroke lower = line(0);
    for (QPointF& p : lower.points)
        p.ry() += 100;
    const QString other = dir.filePath(QStringLiteral("other.json"));
    QCOMPARE(views::writeAnnotations(other, {lower}), QString());
    const auto [s3, named] = frame(QStringLiteral("named.png"), {QStringLiteral("--annotations"), other});
    QCOMPARE(s3, 0);
    QVERIFY(QRect(QPoint(246, 271), QPoint(554, 279)).contains(differing(bare, named)));
    // A bad side file: exit status 2, the file and its problem named, nothing written.
    QFile bad(views::annotationsPathFor(lesson));
    QVERIFY(bad.open(QIODevice::WriteOnly | QIODevice::Truncate));
    bad.write(R"({"format":"backlog-annotations/1","strokes":[{"step":0}]})");
    bad.close();
    QString err;
    const auto [s4, refused] = frame(QStringLiteral("refused.png"), {}, &err);
    QCOMPARE(s4, 2);
    QVERIFY(refused.isNull());
    QVERIFY2(err.contains(views::annotationsPathFor(lesson) + QStringLiteral(": stroke 1 ")),
             qPrintable(err));
    QVERIFY2(err.contains(QStringLiteral("--no-annotations")), qPrintable(err));
    QString both;
    const auto [s5, _] =
        frame(QStringLiteral("both.png"),
              {QStringLiteral("--annotations"), other, QStringLiteral("--no-annotations")}, &both);
    QCOMPARE(s5, 2);
    QVERIFY2(both.contains(QStringLiteral("one or the other")), qPrintable(both));
}

QTEST_MAIN(TestExportAnnotations)
#include "tst_exportannotations.moc"
