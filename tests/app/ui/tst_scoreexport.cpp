// The self-study score for handing in (issue 16): every question of the lesson, what was answered, right
// or wrong, and when; CSV (quoted where a field needs it) and JSON; written whole or not at all, and a
// path that cannot be written gets the system's reason. Through the window's own Lessons menu path.
#include "app/ui/MainWindow.h"
#include "app/ui/ScoreExport.h"
#include "views/document/LessonPlayer.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace backlog;

namespace {
const QString kExample = QStringLiteral(BACKLOG_SOURCE_DIR "/tests/lessons/readme-example.yaml");

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
} // namespace

class TestScoreExport : public QObject {
    Q_OBJECT
  private slots:
    // Progress is remembered per lesson (QSettings): each test starts afresh, in test settings.
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void init() { QSettings().clear(); }
    void csvHasEveryQuestionWithItsAnswer();
    void jsonHasTheSameRowsAndTheScore();
    void anUnwritablePathIsRefusedWithItsReason();
};

void TestScoreExport::csvHasEveryQuestionWithItsAnswer() {
    app::MainWindow w;
    QVERIFY(w.openFile(kExample));
    views::LessonPlayer* lesson = w.lessonPlayer();
    const QDateTime before = QDateTime::currentDateTimeUtc().addSecs(-1);
    lesson->goToStep(1);
    lesson->answerNumber(4); // wrong: the queue holds five
    QTemporaryDir dir;
    const QString out = dir.filePath(QStringLiteral("score.csv"));
    QCOMPARE(w.exportScoreTo(out), QString());
    const QList<QByteArray> lines = readAll(out).split('\n');
    QCOMPARE(lines.size(), 4); // the header, two questions, and the empty rest after the last CRLF
    QCOMPARE(lines[0], QByteArray("lesson,file,step,question,answer,right answer,result,answered at\r"));
    QVERIFY2(lines[1].startsWith("A queue of five,readme-example.yaml,2,How many connections wait in the "
                                 "accept queue now?,4,5 connections,wrong,"),
             lines[1].constData());
    const QDateTime at =
        QDateTime::fromString(QString::fromUtf8(lines[1].split(',').last().trimmed()), Qt::ISODate);
    QVERIFY(at.isValid() && at >= before && at <= QDateTime::currentDateTimeUtc());
    // The unanswered question says so, with the right answer's words and no time.
    QVERIFY2(lines[2].endsWith(",,Nothing: it waits and sends its SYN again,not answered,\r"),
             lines[2].constData());
}

void TestScoreExport::jsonHasTheSameRowsAndTheScore() {
    app::MainWindow w;
    QVERIFY(w.openFile(kExample));
    views::LessonPlayer* lesson = w.lessonPlayer();
    lesson->goToStep(1);
    lesson->answerNumber(5);
    lesson->goToStep(2);
    lesson->skipQuestion();
    QTemporaryDir dir;
    const QString out = dir.filePath(QStringLiteral("score.json"));
    QCOMPARE(app::writeScore(*lesson, kExample, out), QString());
    const QJsonObject o = QJsonDocument::fromJson(readAll(out)).object();
    QCOMPARE(o[QStringLiteral("right")].toInt(), 1);
    QCOMPARE(o[QStringLiteral("questions")].toInt(), 2);
    const QJsonArray answers = o[QStringLiteral("answers")].toArray();
    QCOMPARE(answers.size(), 2);
    QCOMPARE(answers[0].toObject()[QStringLiteral("result")].toString(), QStringLiteral("right"));
    QCOMPARE(answers[0].toObject()[QStringLiteral("answer")].toString(), QStringLiteral("5"));
    QCOMPARE(answers[1].toObject()[QStringLiteral("result")].toString(), QStringLiteral("skipped"));
    QCOMPARE(answers[1].toObject()[QStringLiteral("step")].toInt(), 3);
}

void TestScoreExport::anUnwritablePathIsRefusedWithItsReason() {
    app::MainWindow w;
    QVERIFY(w.openFile(kExample));
    QTemporaryDir dir;
    const QString out = dir.filePath(QStringLiteral("missing/score.csv"));
    const QString error = w.exportScoreTo(out);
    QVERIFY2(error.startsWith(out + QStringLiteral(": cannot write: ")), qPrintable(error));
    QVERIFY(!QFile::exists(out));
}

QTEST_MAIN(TestScoreExport)
#include "tst_scoreexport.moc"
