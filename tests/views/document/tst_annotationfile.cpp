// The annotations' side file (issue 16): FILE.annotations.json beside FILE.yaml, read back as written,
// bad files refused with a message naming the file, the stroke and the problem, and a full disk that
// leaves the previous file as it was.
#include "views/document/AnnotationFile.h"

#include "tests/common/TinyDisk.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace backlog;
using namespace backlog::views;

namespace {
Stroke stroke(StrokeMoment m, QColor colour, double width, std::vector<QPointF> points) {
    Stroke s;
    s.moment = m;
    s.colour = colour;
    s.width = width;
    s.points = std::move(points);
    return s;
}
QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
} // namespace

class TestAnnotationFile : public QObject {
    Q_OBJECT
  private slots:
    void theSideFileIsBesideTheLesson_data();
    void theSideFileIsBesideTheLesson();
    void whatIsWrittenIsReadBack();
    void badFilesAreRefused_data();
    void badFilesAreRefused();
    void theFirstFormatIsStillRead();
    void aMissingFileSaysSo();
    void aFullDiskKeepsTheOldFile();
};

void TestAnnotationFile::theSideFileIsBesideTheLesson_data() {
    QTest::addColumn<QString>("lesson");
    QTest::addColumn<QString>("side");
    QTest::newRow("yaml") << "/l/04-the-full-queue.yaml"
                          << "/l/04-the-full-queue.annotations.json";
    QTest::newRow("yml") << "/l/a.yml"
                         << "/l/a.annotations.json";
    QTest::newRow("dots in the name") << "/l/v1.2.lesson.yaml"
                                      << "/l/v1.2.lesson.annotations.json";
}

void TestAnnotationFile::theSideFileIsBesideTheLesson() {
    QFETCH(QString, lesson);
    QFETCH(QString, side);
    QCOMPARE(annotationsPathFor(lesson), side);
}

void TestAnnotationFile::whatIsWrittenIsReadBack() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.annotations.json"));
    std::vector<Stroke> strokes{
        stroke({3, Time()}, QColor(0xD5, 0x5E, 0x00), 4, {{812.5, 301}, {830, 310.25}, {845.01, 330}}),
        stroke({-1, Time::ns(1'500'000'017)}, QColor(0x00, 0x72, 0xB2), 6.5, {{100, 200}}),
        stroke({0, Time()}, QColor(0x00, 0x9E, 0x73), 2, {{-3, -4}, {1600, 900}}),
        stroke({1, Time()}, QColor(0xD5, 0x5E, 0x00), 4, {{100, 400}, {700, 420}})};
    // A ring round listener 2's accept queue, and an arrow from the clients to listener 0's SYN queue.
    strokes[0].anchor =
        strokes[0].endAnchor = {StagePart::AcceptQueue, 2, -1, QRectF(420.5, 300, 640.25, 80)};
    strokes[3].anchor = {StagePart::Clients, -1, 0, QRectF(14, 58, 266, 800)};
    strokes[3].endAnchor = {StagePart::SynQueue, 0, 1,
                            QRectF(640, 380, 600, 70)}; // on side 1 of a comparison
    QCOMPARE(writeAnnotations(path, strokes), QString());
    const QByteArray bytes = readAll(path);
    QVERIFY(bytes.startsWith("{\"format\":\"backlog-annotations/2\""));
    // The plain stretch is not written: the strokes without an anchor have no "anchor" key.
    QCOMPARE(bytes.count("\"anchor\""), 2);
    QCOMPARE(bytes.count("\"end-anchor\""), 1);
    const AnnotationsRead r = readAnnotations(path);
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(r.strokes.size(), strokes.size());
    for (std::size_t i = 0; i < strokes.size(); ++i)
        QVERIFY2(r.strokes[i].sameDrawing(strokes[i]), qPrintable(QString::number(i)));
    // Written again, the same bytes.
    QCOMPARE(annotationsJson(r.strokes), bytes);
    // No strokes is a file too.
    QCOMPARE(writeAnnotations(path, {}), QString());
    QVERIFY(readAnnotations(path).ok());
    QVERIFY(readAnnotations(path).strokes.empty());
}

void TestAnnotationFile::badFilesAreRefused_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error"); // what the message says after "NAME: "
    const QByteArray head = R"({"format":"backlog-annotations/1","strokes":[)";
    const auto one = [&](const char* s) { return head + s + "]}"; };
    QTest::newRow("not JSON") << QByteArray("{\"format\": ") << "not JSON: ";
    QTest::newRow("a list") << QByteArray("[]") << "not an annotations file (a JSON object is expected)";
    QTest::newRow("no format") << QByteArray(R"({"strokes":[]})")
                               << "not an annotations file (\"format\" is not \"backlog-annotations/2\")";
    QTest::newRow("a newer format") << QByteArray(R"({"format":"backlog-annotations/3","strokes":[]})")
                                    << "format \"backlog-annotations/3\" is newer than this Backlog reads";
    QTest::newRow("an unknown key") << QByteArray(R"({"format":"backlog-annotations/1","strokes":[],"x":1})")
                                    << "unknown key \"x\" (expected format, strokes)";
    QTest::newRow("strokes not a list")
        << QByteArray(R"({"format":"backlog-annotations/1","strokes":{}})") << "\"strokes\" is not a list";
    QTest::newRow("a stroke not an object") << one("3") << "stroke 1 is not an object";
    QTest::newRow("neither step nor at") << one(R"({"colour":"#d55e00","width":4,"points":[[1,2]]})")
                                         << "stroke 1 needs either \"step\" (a lesson step) or \"at\" "
                                            "(nanoseconds), not neither";
    QTest::newRow("both step and at")
        << one(R"({"step":1,"at":5,"colour":"#d55e00","width":4,"points":[[1,2]]})") << "not both";
    QTest::newRow("a negative step") << one(R"({"step":-1,"colour":"#d55e00","width":4,"points":[[1,2]]})")
                                     << "stroke 1 \"step\" is not a step number (0 or more)";
    QTest::newRow("a fractional step") << one(R"({"step":1.5,"colour":"#d55e00","width":4,"points":[[1,2]]})")
                                       << "\"step\" is not a step number";
    QTest::newRow("at as text") << one(R"({"at":"1s","colour":"#d55e00","width":4,"points":[[1,2]]})")
                                << "\"at\" is not a time in nanoseconds";
    QTest::newRow("a colour by name") << one(R"({"step":0,"colour":"red","width":4,"points":[[1,2]]})")
                                      << "\"colour\" is not a colour such as \"#d55e00\"";
    QTest::newRow("a zero width") << one(R"({"step":0,"colour":"#d55e00","width":0,"points":[[1,2]]})")
                                  << "\"width\" is not a width from 0 to 200";
    QTest::newRow("a huge width") << one(R"({"step":0,"colour":"#d55e00","width":1e9,"points":[[1,2]]})")
                                  << "\"width\" is not a width";
    QTest::newRow("no points") << one(R"({"step":0,"colour":"#d55e00","width":4,"points":[]})")
                               << "\"points\" is not a list of [x, y] points";
    QTest::newRow("a point of three")
        << one(R"({"step":0,"colour":"#d55e00","width":4,"points":[[1,2],[1,2,3]]})")
        << "stroke 1 point 2 is not [x, y]";
    QTest::newRow("a point far away")
        << one(R"({"step":0,"colour":"#d55e00","width":4,"points":[[1e12,2]]})") << "point 1 is not [x, y]";
    QTest::newRow("an unknown stroke key")
        << one(R"({"step":0,"colour":"#d55e00","width":4,"points":[[1,2]],"pressure":1})")
        << "stroke 1 unknown key \"pressure\"";
    QTest::newRow("the second stroke")
        << one(R"({"step":0,"colour":"#d55e00","width":4,"points":[[1,2]]},{})") << "stroke 2 needs either";

    // Anchors (the second format only).
    const QByteArray head2 = R"({"format":"backlog-annotations/2","strokes":[)";
    const auto anchored = [&](const char* anchor) {
        return head2 + R"({"step":0,"colour":"#d55e00","width":4,"points":[[1,2]],)" + anchor + "}]}";
    };
    QTest::newRow("an anchor in the first format")
        << one(R"({"step":0,"colour":"#d55e00","width":4,"points":[[1,2]],"anchor":{}})")
        << "stroke 1 unknown key \"anchor\" (expected step or at, colour, width, points)";
    QTest::newRow("an anchor not an object")
        << anchored(R"("anchor":"queue")") << "stroke 1 \"anchor\" is not an object";
    QTest::newRow("an unknown part")
        << anchored(R"("anchor":{"part":"queue","frame":[0,0,10,10]})")
        << "stroke 1 \"anchor\" names no part of the stage (\"part\" is one of stage, header";
    QTest::newRow("a queue without its listener")
        << anchored(R"("anchor":{"part":"accept-queue","frame":[0,0,10,10]})")
        << "\"anchor\" needs \"listener\", a listener's number (0 or more)";
    QTest::newRow("a negative listener")
        << anchored(R"("anchor":{"part":"listener","listener":-1,"frame":[0,0,10,10]})")
        << "\"anchor\" needs \"listener\"";
    QTest::newRow("a listener on the header")
        << anchored(R"("anchor":{"part":"header","listener":0,"frame":[0,0,10,10]})")
        << "\"anchor\": a header has no \"listener\"";
    QTest::newRow("an empty frame")
        << anchored(R"("anchor":{"part":"server","frame":[0,0,0,10]})")
        << "\"anchor\" needs \"frame\": [x, y, width, height], width and height above 0";
    QTest::newRow("a frame of three")
        << anchored(R"("anchor":{"part":"server","frame":[0,0,10]})") << "needs \"frame\"";
    QTest::newRow("an unknown anchor key")
        << anchored(R"("anchor":{"part":"server","frame":[0,0,10,10],"turn":1})")
        << "\"anchor\" has an unknown key \"turn\" (expected part, listener, side, frame)";
    QTest::newRow("a third side") << anchored(R"("anchor":{"part":"server","side":2,"frame":[0,0,10,10]})")
                                  << "\"anchor\": \"side\" is 0 or 1 (a side of two runs compared)";
    QTest::newRow("an end without a start")
        << anchored(R"("end-anchor":{"part":"server","frame":[0,0,10,10]})")
        << "stroke 1 has \"end-anchor\" without \"anchor\"";
    QTest::newRow("a bad end")
        << anchored(
               R"("anchor":{"part":"server","frame":[0,0,10,10]},"end-anchor":{"part":"x","frame":[0,0,1,1]})")
        << "stroke 1 \"end-anchor\" names no part";
}

// A side file of the first format (before anchors) is read as it was: every stroke stretched with the
// whole stage.
void TestAnnotationFile::theFirstFormatIsStillRead() {
    const AnnotationsRead r = parseAnnotations(
        R"({"format":"backlog-annotations/1","strokes":[{"step":2,"colour":"#0072b2","width":4,"points":[[5,6],[7,8]]}]})",
        QStringLiteral("old.annotations.json"));
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(r.strokes.size(), std::size_t{1});
    QCOMPARE(r.strokes[0].anchor, StrokeAnchor{});
    QCOMPARE(r.strokes[0].endAnchor, StrokeAnchor{});
    QCOMPARE(r.strokes[0].points, (std::vector<QPointF>{{5, 6}, {7, 8}}));
    // Written again, it is of the second format, and still unanchored.
    QVERIFY(annotationsJson(r.strokes).startsWith("{\"format\":\"backlog-annotations/2\""));
    QVERIFY(!annotationsJson(r.strokes).contains("anchor"));
}

void TestAnnotationFile::badFilesAreRefused() {
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    const AnnotationsRead r = parseAnnotations(json, QStringLiteral("l.annotations.json"));
    QVERIFY(!r.ok());
    QVERIFY(r.strokes.empty());
    QVERIFY2(r.error.startsWith(QStringLiteral("l.annotations.json: ")), qPrintable(r.error));
    QVERIFY2(r.error.contains(error), qPrintable(r.error));
}

void TestAnnotationFile::aMissingFileSaysSo() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("none.annotations.json"));
    const AnnotationsRead r = readAnnotations(path);
    QVERIFY(!r.ok());
    QVERIFY2(r.error.startsWith(path + QStringLiteral(": cannot read: ")), qPrintable(r.error));
}

// Saving on a full disk is an error with the system's reason, and the previous side file is as it was.
void TestAnnotationFile::aFullDiskKeepsTheOldFile() {
    test::TinyDisk disk(64);
    if (!disk.isMounted()) QSKIP(qPrintable(disk.why()));
    const QString path = disk.filePath(QStringLiteral("lesson.annotations.json"));
    const std::vector<Stroke> before{stroke({0, Time()}, QColor(0xD5, 0x5E, 0x00), 4, {{1, 2}, {3, 4}})};
    QCOMPARE(writeAnnotations(path, before), QString());
    const QByteArray good = readAll(path);
    // A drawing of many points needs more than the page left.
    std::vector<QPointF> many;
    for (int i = 0; i < 2000; ++i)
        many.emplace_back(i * 0.75, 450 + (i % 7));
    const std::vector<Stroke> after{stroke({1, Time()}, QColor(0x00, 0x72, 0xB2), 4, many)};
    QVERIFY(annotationsJson(after).size() > 8192);
    QVERIFY(disk.fill(QStringLiteral("filler"), 4096));
    const QString error = writeAnnotations(path, after);
    QVERIFY2(error.startsWith(path + QStringLiteral(": cannot write: ")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("No space left on device")), qPrintable(error));
    QCOMPARE(readAll(path), good);
    QCOMPARE(QDir(disk.path()).entryList(QDir::Files | QDir::Hidden),
             (QStringList{QStringLiteral("filler"), QStringLiteral("lesson.annotations.json")}));
}

QTEST_MAIN(TestAnnotationFile)
#include "tst_annotationfile.moc"
