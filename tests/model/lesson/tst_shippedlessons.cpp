// The shipped lessons (lessons/NN-*.yaml, README "Lesson files"): lessons 01 to 12 all exist, and each
// reads without an error, narrates every step, asks at least two questions and has at least one
// expectation. Whether the expectations hold is `backlog check`'s to say (tests/lessons, label lessons).
// The scenarios in lessons/scenarios/ (sandbox.yaml, the one the app opens without a file, and the worked
// scenarios) are not lessons.
// moc (Qt 6.4) fails on libstdc++'s <compare> when it is the first standard header it meets (Time.h
// includes it first); moc only needs the test class below.
#ifndef Q_MOC_RUN
#include "tests/common/ModelTest.h"

#include "model/lesson/Lesson.h"
#include "model/lesson/LessonReader.h"
#endif

#include <QDir>
#include <QRegularExpression>
#include <QTest>

#include <map>

using namespace backlog;

namespace {

// Lessons 01 to kLessonCount are the course; each must be there.
constexpr int kLessonCount = 12;

QString lessonsDir() {
    return QStringLiteral(BACKLOG_SOURCE_DIR "/lessons");
}

// Every numbered lesson file, by its number (a 00 left out: that was the default scenario, now
// lessons/scenarios/sandbox.yaml).
std::map<int, QStringList> numberedLessons() {
    std::map<int, QStringList> found;
    static const QRegularExpression name(QStringLiteral("^([0-9][0-9])-.*\\.yaml$"));
    for (const QString& file :
         QDir(lessonsDir()).entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name)) {
        const QRegularExpressionMatch m = name.match(file);
        if (!m.hasMatch()) continue;
        const int number = m.captured(1).toInt();
        if (number == 0) continue;
        found[number] << file;
    }
    return found;
}

QString allErrors(const LessonReadResult& result) {
    QStringList texts;
    for (const ReadError& e : result.errors)
        texts << QString::fromStdString(e.text());
    return texts.join(QLatin1Char('\n'));
}

} // namespace

class TestShippedLessons : public QObject {
    Q_OBJECT

  private slots:
    void lesson_data();
    void lesson();
};

void TestShippedLessons::lesson_data() {
    QTest::addColumn<int>("number");
    QTest::addColumn<QStringList>("files"); // the files with that number (empty: missing)

    std::map<int, QStringList> found = numberedLessons();
    for (int n = 1; n <= kLessonCount; ++n)
        found.try_emplace(n); // a row for each lesson of the course
    for (const auto& [number, files] : found)
        QTest::addRow("%02d %s", number,
                      files.isEmpty() ? "(missing)" : qPrintable(files.join(QLatin1Char(' '))))
            << number << files;
}

void TestShippedLessons::lesson() {
    QFETCH(int, number);
    QFETCH(QStringList, files);
    const QString pattern = QStringLiteral("lessons/%1-*.yaml").arg(number, 2, 10, QLatin1Char('0'));
    if (files.isEmpty())
        QFAIL(qPrintable(pattern + QStringLiteral(" is missing: lessons 01 to 12 make the course")));
    QVERIFY2(files.size() == 1, qPrintable(QStringLiteral("more than one lesson numbered %1: %2")
                                               .arg(number)
                                               .arg(files.join(QStringLiteral(", ")))));

    const std::string path = (lessonsDir() + QLatin1Char('/') + files.front()).toStdString();
    const LessonReadResult read = test::readLessonSafely(
        [&] {
            QFile f(QString::fromStdString(path));
            return f.open(QIODevice::ReadOnly) ? f.readAll().toStdString() : std::string();
        }(),
        path);
    QVERIFY2(read.errors.empty(), qPrintable(allErrors(read)));
    QVERIFY(read.lesson);
    const Lesson& l = *read.lesson;

    QVERIFY2(!l.title.empty(), "the lesson has no title");
    QVERIFY2(!l.steps.empty(), "the lesson has no steps");
    int questions = 0;
    for (std::size_t i = 0; i < l.steps.size(); ++i) {
        const Step& step = l.steps[i];
        const std::string where =
            path + ":" + std::to_string(step.place.line) + ": step " + std::to_string(i + 1);
        QVERIFY2(step.say.find_first_not_of(" \t\n") != std::string::npos,
                 qPrintable(QString::fromStdString(where + " has no narration (say:)")));
        if (step.question) ++questions;
    }
    QVERIFY2(questions >= 2, qPrintable(QStringLiteral("%1 asks %2 question(s); a lesson asks at least two")
                                            .arg(QString::fromStdString(path))
                                            .arg(questions)));
    QVERIFY2(!l.expect.empty(), qPrintable(QString::fromStdString(path + " has no expectation (expect:)")));
}

QTEST_APPLESS_MAIN(TestShippedLessons)
#include "tst_shippedlessons.moc"
