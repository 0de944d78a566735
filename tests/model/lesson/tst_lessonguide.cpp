// The lesson author's guide (docs/lesson-guide.md, issue 16) cannot drift from the code: it is the output
// of lessonGuideMarkdown() (`backlog guide`), every rule's example makes `backlog check` say that rule's
// message, every stage of the worked example passes, the catalogue's defaults are what the reader gives a
// key left out, every scenario key has a meaning, and the timer figures are KERNEL.md's.
#include "model/lesson/LessonFacts.h"
#include "model/lesson/LessonGuide.h"
#include "model/lesson/LessonKeys.h"
#include "model/lesson/LessonReader.h"
#include "model/scenario/ScenarioReader.h"
#include "model/scenario/Settings.h"

#include <QFile>
#include <QTest>

#include <cstdlib>
#include <string>
#include <vector>

using namespace backlog;

namespace {

QString joined(const std::vector<std::string>& lines) {
    QString out;
    for (const std::string& line : lines)
        out += QString::fromStdString(line) + QLatin1Char('\n');
    return out;
}

// Each time at or a little after the nominal one: the timer wheel fires late, and the longer a timer the
// coarser the wheel's level that holds it (M11), so the lateness grows along a schedule.
bool near(const std::vector<Time>& measured, const std::vector<double>& nominal) {
    if (measured.size() != nominal.size()) return false;
    for (std::size_t i = 0; i < nominal.size(); ++i) {
        const double s = static_cast<double>(measured[i].count()) / 1e9;
        if (s < nominal[i] || s > nominal[i] * 1.04 + 0.1) return false;
    }
    return true;
}

} // namespace

class TestLessonGuide : public QObject {
    Q_OBJECT
  private slots:
    void skeletonPasses();
    void ruleExamples_data();
    void ruleExamples();
    void workedExample_data();
    void workedExample();
    void defaultsAreTheReaders();
    void readerTakesTheCatalogue();
    void scenarioKeysHaveMeanings();
    void structuredKeysAreTheReaders();
    void schedulesAreKernelMds();
    void clientsTooAndByDefault();
    void guideIsUpToDate();
};

void TestLessonGuide::skeletonPasses() {
    QCOMPARE(joined(checkLessonText(ruleSkeleton())), QString());
}

void TestLessonGuide::ruleExamples_data() {
    QTest::addColumn<int>("index");
    for (std::size_t i = 0; i < lessonRules().size(); ++i)
        QTest::newRow(lessonRules()[i].rule) << static_cast<int>(i);
}

// The example breaks its rule: `backlog check` reports the rule's message (and the lesson fails).
void TestLessonGuide::ruleExamples() {
    QFETCH(int, index);
    const LessonRule& rule = lessonRules()[static_cast<std::size_t>(index)];
    const std::string text = ruleExampleLesson(rule);
    const std::vector<std::string> messages = checkLessonText(text);
    bool found = false;
    for (const std::string& m : messages)
        found = found || m.find(rule.message) != std::string::npos;
    QVERIFY2(found, qPrintable(QStringLiteral("expected a message with \"%1\" for\n%2got\n%3")
                                   .arg(QString::fromUtf8(rule.message), QString::fromStdString(text),
                                        joined(messages))));
    // Reading rules refuse the file; the others read it and fail the run.
    const bool read = readLessonText(text, "x.yaml").lesson.has_value();
    QCOMPARE(read, rule.stage != RuleStage::Reading);
}

void TestLessonGuide::workedExample_data() {
    QTest::addColumn<int>("index");
    for (std::size_t i = 0; i < backlog::workedExample().size(); ++i)
        QTest::newRow(backlog::workedExample()[i].title) << static_cast<int>(i);
}

void TestLessonGuide::workedExample() {
    QFETCH(int, index);
    const GuideStage& stage = backlog::workedExample()[static_cast<std::size_t>(index)];
    QCOMPARE(joined(checkLessonText(stage.text)), QString());
    // Each stage grows the one before: it keeps every line of it but the expectations it rewrites.
    if (index > 0) {
        const std::string before = backlog::workedExample()[static_cast<std::size_t>(index - 1)].text;
        const std::string head = before.substr(0, before.find("expect:"));
        QVERIFY(std::string(stage.text).starts_with(head.substr(0, head.find("  - when:"))));
    }
}

// A key left out reads as the catalogue says: a lesson with none of the optional keys, read by the reader,
// gives each key the value the catalogue's default was read from (a default-constructed object).
void TestLessonGuide::defaultsAreTheReaders() {
    const LessonReadResult read = readLessonText("format: backlog-lesson/1\n"
                                                 "title: T\n"
                                                 "scenario: { traffic: [ { name: c } ] }\n"
                                                 "steps:\n"
                                                 "  - say: a\n"
                                                 "  - at: 1s\n"
                                                 "    question: { ask: q, number: 5, explain: e }\n"
                                                 "    compare: { set: { server.backlog: 8 } }\n"
                                                 "  - after: { step: 1, by: 1s }\n"
                                                 "    say: c\n",
                                                 "defaults.yaml");
    QVERIFY(read.lesson);
    const Lesson& lesson = *read.lesson;
    const LessonKeyProbe probe{&lesson,
                               &lesson.steps[0],
                               &*lesson.steps[1].question,
                               &*lesson.steps[1].compare,
                               &*lesson.steps[2].after,
                               nullptr};
    int compared = 0;
    for (const LessonKeyDoc& doc : lessonKeyDocs()) {
        if (!doc.read) continue;
        QVERIFY2(doc.read(probe) == lessonKeyDefault(doc), doc.name);
        ++compared;
    }
    QVERIFY(compared > 20);
    // The one default the reader decides: the first step begins at 0s.
    QVERIFY(lesson.steps[0].at && *lesson.steps[0].at == Time());
}

// The reader's lists are the catalogue's: a key outside it is refused with the catalogue's list.
void TestLessonGuide::readerTakesTheCatalogue() {
    QCOMPARE(lessonKeys(), lessonMapKeys(LessonMap::Lesson));
    QCOMPARE(stepKeys(), lessonMapKeys(LessonMap::Step));
    QCOMPARE(questionKeys(), lessonMapKeys(LessonMap::Question));
    QCOMPARE(expectationKeys(), lessonMapKeys(LessonMap::Expectation));
    const LessonReadResult read = readLessonText(
        "format: backlog-lesson/1\ntitle: T\nscenario: {}\n"
        "steps: [ { say: a, after: { zzzzzzz: 1 } }, { at: 1s, say: b, compare: { zzzzzzz: 1 } } ]\n",
        "x.yaml");
    QString all;
    for (const ReadError& e : read.errors)
        all += QString::fromStdString(e.message) + QLatin1Char('\n');
    QVERIFY2(all.contains(QLatin1String("in after:; expected one of step, by")), qPrintable(all));
    QVERIFY2(all.contains(QLatin1String("in compare:; expected one of set, from, title")), qPrintable(all));
}

void TestLessonGuide::scenarioKeysHaveMeanings() {
    for (const std::string& key : settingKeys())
        QVERIFY2(!scenarioKeyMeaning(key).empty(), key.c_str());
    for (const StructuredKeyDoc& doc : scenarioStructuredKeys())
        QVERIFY2(!scenarioKeyMeaning(doc.key).empty(), doc.key);
    // And no meaning for a key that is not one.
    std::vector<std::string> known = settingKeys();
    for (const StructuredKeyDoc& doc : scenarioStructuredKeys())
        known.emplace_back(doc.key);
    for (const ScenarioKeyDoc& doc : scenarioKeyDocs())
        QVERIFY2(std::find(known.begin(), known.end(), doc.key) != known.end(), doc.key);
}

// A fault's and an event's keys, which the scenario reader lists itself, are the guide's.
void TestLessonGuide::structuredKeysAreTheReaders() {
    const ReadResult read = readScenarioText("network: { faults: [ { drop: syn, zzzzzzz: 1 } ] }\n"
                                             "events: [ { at: 1s, zzzzzzz: 1 } ]\n",
                                             "x.yaml");
    QString all;
    for (const ReadError& e : read.errors)
        all += QString::fromStdString(e.message) + QLatin1Char('\n');
    for (const auto& [prefix, where] :
         {std::pair{"network.faults.", "in a fault"}, std::pair{"events.", "in an event"}}) {
        std::string keys;
        for (const StructuredKeyDoc& doc : scenarioStructuredKeys())
            if (std::string(doc.key).starts_with(prefix))
                keys += (keys.empty() ? "" : ", ") + std::string(doc.key).substr(std::string(prefix).size());
        const QString expected =
            QStringLiteral("%1; expected one of %2").arg(QLatin1String(where), QString::fromStdString(keys));
        QVERIFY2(all.contains(expected), qPrintable(expected + QLatin1String("\nin\n") + all));
    }
}

// The measured schedules are KERNEL.md T6 and T1: 1, 2, 3, 4, 5, 7 … s on 6.5 and later, 1, 3, 7 … before.
void TestLessonGuide::schedulesAreKernelMds() {
    const std::vector<ProfileSchedule> schedules = profileSchedules();
    QCOMPARE(schedules.size(), kernelProfiles().size());
    for (const ProfileSchedule& p : schedules) {
        const bool linear = p.synLinearTimeouts > 0;
        QVERIFY2(near(p.synRetransmits, linear ? std::vector<double>{1, 2, 3, 4, 5, 7, 11, 19, 35, 67}
                                               : std::vector<double>{1, 3, 7, 15, 31, 63}),
                 p.profile.c_str());
        QVERIFY2(near({p.connectFails}, {linear ? 131.0 : 127.0}), p.profile.c_str());
        QVERIFY2(near(p.synackRetransmits, {1, 3, 7, 15, 31}), p.profile.c_str());
        QVERIFY(p.requestExpires > Time::s(63));
    }
    for (const TimerSpread& s : firstRetransmitSpread(16)) {
        QVERIFY(s.earliest >= Time::s(1));
        QVERIFY(s.latest < Time::ms(1100));
        QVERIFY(s.earliest < s.latest); // the seed moves it
    }
}

void TestLessonGuide::clientsTooAndByDefault() {
    const std::vector<std::string> both = clientHostSettings();
    for (const char* key : {"net.ipv4.tcp_syn_retries", "net.ipv4.tcp_syn_linear_timeouts", "kernel.version"})
        QVERIFY2(std::find(both.begin(), both.end(), key) != both.end(), key);
    for (const char* key : {"net.core.somaxconn", "net.ipv4.tcp_syncookies", "net.ipv4.tcp_synack_retries"})
        QVERIFY2(std::find(both.begin(), both.end(), key) == both.end(), key);
    const auto entry = defaultClientEntry();
    QVERIFY(std::find(entry.begin(), entry.end(), std::pair<std::string, std::string>{"send", "true"}) !=
            entry.end());
}

// docs/lesson-guide.md is what `backlog guide` prints. BACKLOG_UPDATE_GUIDE=1 writes it instead.
void TestLessonGuide::guideIsUpToDate() {
    const std::string generated = lessonGuideMarkdown();
    QFile file(QStringLiteral(BACKLOG_SOURCE_DIR "/docs/lesson-guide.md"));
    if (qEnvironmentVariableIsSet("BACKLOG_UPDATE_GUIDE")) {
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(generated.data(), static_cast<qint64>(generated.size()));
        return;
    }
    QVERIFY2(file.open(QIODevice::ReadOnly), "docs/lesson-guide.md is missing");
    const QByteArray committed = file.readAll();
    QVERIFY2(
        committed == QByteArray::fromStdString(generated),
        "docs/lesson-guide.md differs from what the code generates; regenerate it with "
        "`build/app/backlog guide > docs/lesson-guide.md` (or run this test with BACKLOG_UPDATE_GUIDE=1) "
        "and commit it");
}

QTEST_APPLESS_MAIN(TestLessonGuide)
#include "tst_lessonguide.moc"
