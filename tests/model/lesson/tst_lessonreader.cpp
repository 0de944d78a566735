// The lesson format (README "Lesson files"): every key of a valid lesson lands in its field; every bad
// lesson is refused with its exact FILE:LINE:COL and what was expected, never with a crash; the condition
// language and the narration Markdown subset, row by row; and a lesson placed on a run: steps at their
// moments, held traffic started by a step, expectations read where they say.
// moc (Qt 6.4) fails on libstdc++'s <compare> when it is the first standard header it meets (Time.h
// includes it first); moc only needs the test class below.
#ifndef Q_MOC_RUN
#include "tests/common/ModelTest.h"
#include "tests/common/SourceFileTest.h"

#include "model/lesson/Condition.h"
#include "model/lesson/Lesson.h"
#include "model/lesson/LessonAudit.h"
#include "model/lesson/LessonReader.h"
#include "model/lesson/LessonRun.h"
#include "model/lesson/Markdown.h"
#include "model/scenario/Settings.h"
#endif

#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <string>
#include <vector>

using namespace backlog;
using backlog::test::fill;
using backlog::test::placeFile;
using backlog::test::readLessonSafely;
using backlog::test::utf16;
using backlog::test::withoutWaiting;

namespace {

// ---- lesson texts -----------------------------------------------------------------------------------

// Nine lines, so that in lesson() below `steps:` is line 10 and the first step line 11 (when `top` is
// empty). Six clients (0–5), two listeners; `late` and `attack` are held once a step starts them.
constexpr const char* kHead = "format: backlog-lesson/1\n"
                              "title: Test\n"
                              "scenario:\n"
                              "  network: { rtt: 1ms }\n"
                              "  server: { backlog: 2, listeners: 2, workers: { count: 2 } }\n"
                              "  traffic:\n"
                              "    - { name: early, clients: 4, spacing: 10ms }\n"
                              "    - { name: late, clients: 2 }\n"
                              "    - { name: attack, flood: { rate: 1000/s, from: 0s, to: 100ms } }\n";

// kHead, then `top` (more top-level keys), the steps and the expectations.
std::string lesson(const std::string& steps, const std::string& expect = {}, const std::string& top = {}) {
    std::string text = std::string(kHead) + top + "steps:\n" + steps;
    if (!expect.empty()) text += "expect:\n" + expect;
    return text;
}

// ---- describing what was read ------------------------------------------------------------------------

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

QString time(const std::optional<Time>& t) {
    return t ? q(formatDuration(*t)) : QStringLiteral("none");
}

QString targetKind(Target::Kind k) {
    switch (k) {
    case Target::Kind::SynQueue:
        return QStringLiteral("syn-queue");
    case Target::Kind::AcceptQueue:
        return QStringLiteral("accept-queue");
    case Target::Kind::Listener:
        return QStringLiteral("listener");
    case Target::Kind::Client:
        return QStringLiteral("client");
    case Target::Kind::Worker:
        return QStringLiteral("worker");
    case Target::Kind::PacketKind:
        return QStringLiteral("packet");
    case Target::Kind::Workers:
        return QStringLiteral("workers");
    case Target::Kind::Clients:
        return QStringLiteral("clients");
    }
    return QStringLiteral("?");
}

// "client 3" → "client:3"; a packet kind by its name: "packet:SYN-ACK".
QString describe(const Target& t) {
    if (t.kind == Target::Kind::PacketKind)
        return QStringLiteral("packet:") + q(std::string(packetKindName(static_cast<PacketKind>(t.index))));
    return targetKind(t.kind) + QLatin1Char(':') + QString::number(t.index);
}

QString describe(const Question& question) {
    QStringList parts;
    if (question.kind == Question::Kind::Choice) {
        QStringList choices;
        for (const std::string& c : question.choices)
            choices << q(c);
        parts << QStringLiteral("choice") << choices.join(QLatin1Char('|'))
              << QStringLiteral("answer=%1").arg(question.answer);
    } else {
        parts << QStringLiteral("number=%1").arg(question.number)
              << QStringLiteral("tolerance=%1").arg(question.tolerance)
              << QStringLiteral("unit=") + q(question.unit);
    }
    parts << QStringLiteral("ask=") + q(question.ask) << QStringLiteral("explain=") + q(question.explain);
    return parts.join(QStringLiteral("; "));
}

QString speedOf(const std::optional<double>& speed, bool paced) {
    if (paced) return QStringLiteral("paced");
    return speed ? QString::number(*speed) : QStringLiteral("none");
}

// Each field of a read lesson as text, by a short name; `step.*` fields are those of the last step.
const std::map<QString, std::function<QString(const Lesson&)>>& fields() {
    using L = const Lesson&;
    static const auto last = [](L l) -> const Step& { return l.steps.back(); };
    static const std::map<QString, std::function<QString(const Lesson&)>> table{
        {"format", [](L l) { return QString::number(l.formatVersion); }},
        {"title", [](L l) { return q(l.title); }},
        {"summary", [](L l) { return q(l.summary); }},
        {"level", [](L l) { return q(l.level); }},
        {"minutes", [](L l) { return QString::number(l.minutes); }},
        {"speed", [](L l) { return l.speed ? QString::number(*l.speed) : QStringLiteral("paced"); }},
        {"steps", [](L l) { return QString::number(l.steps.size()); }},
        {"backlog", [](L l) { return QString::number(l.scenario.server.backlog); }},
        {"held",
         [](L l) {
             QStringList held;
             for (const TrafficEntry& e : l.scenario.traffic)
                 if (e.held) held << q(trafficEntryName(e));
             return held.join(QLatin1Char(','));
         }},
        {"step.place",
         [](L l) { return QStringLiteral("%1:%2").arg(last(l).place.line).arg(last(l).place.column); }},
        {"step.at", [](L l) { return time(last(l).at); }},
        {"step.when", [](L l) { return last(l).when ? q(last(l).when->text) : QStringLiteral("none"); }},
        {"step.whenPlace",
         [](L l) {
             return QStringLiteral("%1:%2").arg(last(l).whenPlace.line).arg(last(l).whenPlace.column);
         }},
        {"step.title", [](L l) { return q(last(l).title); }},
        {"step.say", [](L l) { return q(last(l).say); }},
        {"step.notes", [](L l) { return q(last(l).notes); }},
        {"step.set",
         [](L l) {
             QStringList set;
             for (const auto& [key, value] : last(l).set)
                 set << q(key + "=" + value);
             return set.join(QLatin1Char(';'));
         }},
        {"step.setPlaces",
         [](L l) {
             QStringList places;
             for (const SourcePlace& p : last(l).setPlaces)
                 places << QStringLiteral("%1:%2").arg(p.line).arg(p.column);
             return places.join(QLatin1Char(';'));
         }},
        {"step.start",
         [](L l) {
             QStringList start;
             for (const std::string& s : last(l).start)
                 start << q(s);
             return start.join(QLatin1Char(','));
         }},
        {"step.close-listener",
         [](L l) {
             return last(l).closeListener ? QString::number(*last(l).closeListener) : QStringLiteral("none");
         }},
        {"step.pause", [](L l) { return last(l).pause ? QStringLiteral("true") : QStringLiteral("false"); }},
        {"step.speed", [](L l) { return speedOf(last(l).speed, last(l).paced); }},
        {"step.highlight",
         [](L l) {
             QStringList targets;
             for (const Target& t : last(l).highlight)
                 targets << describe(t);
             return targets.join(QLatin1Char(','));
         }},
        {"step.highlight.text",
         [](L l) {
             QStringList targets;
             for (const Target& t : last(l).highlight)
                 targets << q(t.text);
             return targets.join(QLatin1Char(','));
         }},
        {"step.zoom", [](L l) { return last(l).zoom ? describe(*last(l).zoom) : QStringLiteral("none"); }},
        {"step.view",
         [](L l) {
             if (!last(l).view) return QStringLiteral("none");
             const QString name = q(std::string(lessonViewName(*last(l).view)));
             return last(l).viewPage.empty() ? name : name + QLatin1Char('/') + q(last(l).viewPage);
         }},
        {"step.question",
         [](L l) { return last(l).question ? describe(*last(l).question) : QStringLiteral("none"); }},
        {"expect",
         [](L l) {
             QStringList out;
             for (const Expectation& e : l.expect)
                 out << (e.at ? q(formatDuration(*e.at)) : QStringLiteral("end")) + QLatin1Char('|') +
                            q(e.that.text);
             return out.join(QStringLiteral("; "));
         }},
        {"expect.places",
         [](L l) {
             QStringList out;
             for (const Expectation& e : l.expect)
                 out << QStringLiteral("%1:%2").arg(e.place.line).arg(e.place.column);
             return out.join(QLatin1Char(';'));
         }},
    };
    return table;
}

QString allErrors(const LessonReadResult& result) {
    QStringList texts;
    for (const ReadError& e : result.errors)
        texts << q(e.text());
    return texts.join(QLatin1Char('\n'));
}

} // namespace

class TestLessonReader : public QObject {
    Q_OBJECT

  private slots:
    void validLesson_data();
    void validLesson();
    void invalidLesson_data();
    void invalidLesson();
    void limits_data();
    void limits();
    void readmeExampleReads();
    void aClosedLoopCountingRequestsHasItsClients();
    void readLessonFileErrors();
    void fileGuards_data();
    void fileGuards();
    void readLessonOrScenario_data();
    void readLessonOrScenario();
    void manyErrorsAreBounded_data();
    void manyErrorsAreBounded();
    void looksLikeLesson_data();
    void looksLikeLesson();
    void keyListsMatchTheGuide();

    void condition_data();
    void condition();
    void conditionError_data();
    void conditionError();
    void checkConditionAgainstScenario();

    void markdown_data();
    void markdown();
    void stepName_data();
    void stepName();
    void markdownError_data();
    void markdownError();

    void stepTimes_data();
    void stepTimes();
    void whenStepChangesApplyOneNanosecondAfter();
    void aCompareStepRunsTheOtherRunAndExpectationsReadIt();
    void anAfterStepBeginsATimeAfterAnother();
    void heldClientsBeginAtTheirStep();
    void heldFloodKeepsItsLength();
    void expectations_data();
    void expectations();
    void describeFound_data();
    void describeFound();
    void aJoinedConditionHoldsWhereItsPartsDo_data();
    void aJoinedConditionHoldsWhereItsPartsDo();
    void audit_data();
    void audit();
};

// ---- Valid lessons -----------------------------------------------------------------------------------

namespace {

// A lesson that reads, and what one field (a name in fields()) then holds.
void reads(const char* name, const std::string& yaml, const char* field, const QString& expected) {
    QTest::newRow(name) << q(yaml) << QString(field) << expected;
}

} // namespace

void TestLessonReader::validLesson_data() {
    QTest::addColumn<QString>("yaml");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("expected");

    const std::string first = "  - say: First.\n";
    // The top level.
    reads("format", lesson(first), "format", "1");
    reads("title", lesson(first), "title", "Test");
    reads("summary", lesson(first, {}, "summary: Ten clients meet `backlog 4`.\n"), "summary",
          "Ten clients meet `backlog 4`.");
    reads("level beginner", lesson(first, {}, "level: beginner\n"), "level", "beginner");
    reads("level intermediate", lesson(first, {}, "level: intermediate\n"), "level", "intermediate");
    reads("level advanced", lesson(first, {}, "level: advanced\n"), "level", "advanced");
    reads("minutes", lesson(first, {}, "minutes: 12\n"), "minutes", "12");
    reads("speed paced by default", lesson(first), "speed", "paced");
    reads("speed: paced", lesson(first, {}, "speed: paced\n"), "speed", "paced");
    reads("speed a factor", lesson(first, {}, "speed: 0.01\n"), "speed", "0.01");
    reads("speed 0.5x", lesson(first, {}, "speed: 0.5x\n"), "speed", "0.5");
    reads("speed 2X", lesson(first, {}, "speed: 2X\n"), "speed", "2");
    reads("speed lowest", lesson(first, {}, "speed: 0.0001\n"), "speed", "0.0001");
    reads("speed highest", lesson(first, {}, "speed: 100\n"), "speed", "100");
    reads("scenario", lesson(first), "backlog", "2");
    reads("comments and CRLF line ends",
          fill(lesson("  - say: First.   # a comment\n", {}, "minutes: 3\n"), {{"\n", "\r\n"}}), "minutes",
          "3");

    // Steps: when each begins.
    reads("first step defaults to at 0s", lesson(first), "step.at", "0s");
    reads("first step may be a when step", lesson("  - when: accept_queue >= 1\n    say: x\n"), "step.at",
          "none");
    reads("at", lesson(first + "  - at: 1.5s\n    say: Later.\n"), "step.at", "1.5s");
    reads("at the same time as the step before", lesson("  - at: 2s\n    say: a\n  - at: 2s\n    say: b\n"),
          "step.at", "2s");
    reads("when", lesson(first + "  - when: TcpExtListenOverflows >= 1\n    say: Dropped.\n"), "step.when",
          "TcpExtListenOverflows >= 1");
    reads("when has no at", lesson(first + "  - when: TcpExtListenOverflows >= 1\n    say: Dropped.\n"),
          "step.at", "none");
    reads("when's place", lesson(first + "  - when: accept_queue_full\n    say: Full.\n"), "step.whenPlace",
          "12:11");
    reads("when's place, quoted", lesson(first + "  - when: \"client 3 is ESTAB\"\n    say: x\n"),
          "step.whenPlace", "12:12");
    reads("a step's place", lesson(first + "  - at: 1s\n    say: x\n"), "step.place", "12:5");
    reads("steps", lesson(first + "  - at: 1s\n    say: b\n  - when: accept_queue >= 1\n    say: c\n"),
          "steps", "3");
    // What a step says and does.
    reads("title", lesson("  - title: Ten clients\n    say: x\n"), "step.title", "Ten clients");
    reads("say", lesson("  - say: The queue holds **five**.\n"), "step.say", "The queue holds **five**.");
    reads("notes", lesson("  - say: x\n    notes: Ask who has run `ss -lnt` on a **busy** server.\n"),
          "step.notes", "Ask who has run `ss -lnt` on a **busy** server.");
    reads("notes, a block", lesson("  - say: x\n    notes: |\n      Ask first.\n\n      - a pitfall\n"),
          "step.notes", "Ask first.\n\n- a pitfall\n");
    reads("notes are not the narration", lesson("  - say: x\n    notes: y\n"), "step.say", "x");
    reads("no notes", lesson(first), "step.notes", "");
    reads("say, a block", lesson("  - say: |\n      One line,\n      and `two`.\n"), "step.say",
          "One line,\nand `two`.\n");
    reads("set",
          lesson(first +
                 "  - at: 1s\n    say: x\n    set: { server.backlog: 4, net.ipv4.tcp_syncookies: 0 }\n"),
          "step.set", "server.backlog=4;net.ipv4.tcp_syncookies=0");
    reads("set places",
          lesson(first +
                 "  - at: 1s\n    say: x\n    set: { server.backlog: 4, net.ipv4.tcp_syncookies: 0 }\n"),
          "step.setPlaces", "14:12;14:31");
    reads("set, a block map",
          lesson(first + "  - at: 1s\n    say: x\n    set:\n      server.workers.count: 1\n"), "step.set",
          "server.workers.count=1");
    reads("start one", lesson(first + "  - at: 1s\n    say: x\n    start: late\n"), "step.start", "late");
    reads("start a list", lesson(first + "  - at: 1s\n    say: x\n    start: [late, attack]\n"), "step.start",
          "late,attack");
    reads("start marks the entry held", lesson(first + "  - at: 1s\n    say: x\n    start: late\n"), "held",
          "late");
    reads("start marks a flood held", lesson(first + "  - at: 1s\n    say: x\n    start: [attack]\n"), "held",
          "attack");
    reads("nothing held without start", lesson(first), "held", "");
    reads("start in two steps",
          lesson(first +
                 "  - at: 1s\n    say: x\n    start: late\n  - at: 2s\n    say: y\n    start: attack\n"),
          "held", "late,attack");
    reads("close-listener", lesson(first + "  - at: 1s\n    say: x\n    close-listener: 1\n"),
          "step.close-listener", "1");
    reads("pause true", lesson("  - say: x\n    pause: true\n"), "step.pause", "true");
    reads("pause false", lesson("  - say: x\n    pause: false\n"), "step.pause", "false");
    reads("no pause", lesson(first), "step.pause", "false");
    reads("speed of a step", lesson("  - say: x\n    speed: 0.001\n"), "step.speed", "0.001");
    reads("speed of a step, 0.5x", lesson("  - say: x\n    speed: 0.5x\n"), "step.speed", "0.5");
    reads("speed of a step, paced", lesson("  - say: x\n    speed: paced\n"), "step.speed", "paced");
    reads("no speed", lesson(first), "step.speed", "none");

    // Targets.
    reads("highlight every kind",
          lesson("  - say: x\n    highlight: [accept-queue, syn-queue, syn-queue 1, accept-queue 1, listener "
                 "1, client 3, "
                 "worker 1, clients, workers]\n"),
          "step.highlight",
          "accept-queue:0,syn-queue:0,syn-queue:1,accept-queue:1,listener:1,client:3,worker:1,clients:0,"
          "workers:0");
    reads("highlight packet kinds",
          lesson("  - say: x\n    highlight: [SYN, SYN-ACK, ACK, data, FIN, RST]\n"), "step.highlight",
          "packet:SYN,packet:SYN-ACK,packet:ACK,packet:data,packet:FIN,packet:RST");
    reads("highlight keeps the text", lesson("  - say: x\n    highlight: [syn-queue 1, client 3]\n"),
          "step.highlight.text", "syn-queue 1,client 3");
    reads("highlight one", lesson("  - say: x\n    highlight: accept-queue\n"), "step.highlight",
          "accept-queue:0");
    reads("highlight one client", lesson("  - say: x\n    highlight: client 5\n"), "step.highlight",
          "client:5");
    reads("zoom", lesson("  - say: x\n    zoom: accept-queue\n"), "step.zoom", "accept-queue:0");
    reads("zoom a worker", lesson("  - say: x\n    zoom: worker 1\n"), "step.zoom", "worker:1");
    reads("zoom a syn-queue", lesson("  - say: x\n    zoom: syn-queue 1\n"), "step.zoom", "syn-queue:1");
    reads("zoom a packet kind", lesson("  - say: x\n    zoom: SYN-ACK\n"), "step.zoom", "packet:SYN-ACK");
    reads("no zoom", lesson(first), "step.zoom", "none");

    // Views.
    for (const char* view : {"stage", "event-log", "kernel-tools", "inspector", "parameters"})
        reads(qPrintable(QStringLiteral("view %1").arg(QLatin1String(view))),
              lesson(std::string("  - say: x\n    view: ") + view + "\n"), "step.view", QLatin1String(view));
    reads("no view", lesson(first), "step.view", "none");
    for (const char* view : {"kernel-tools/nstat", "kernel-tools/sysctl", "kernel-tools/kprobe",
                             "charts/latency", "charts/queues"})
        reads(qPrintable(QStringLiteral("view %1").arg(QLatin1String(view))),
              lesson(std::string("  - say: x\n    view: ") + view + "\n"), "step.view", QLatin1String(view));

    // Questions.
    reads("question, choices (answer from 1)",
          lesson("  - say: x\n    question:\n      ask: What now?\n      choices: [\"A refused connection\", "
                 "Nothing, "
                 "ETIMEDOUT]\n      answer: 2\n      explain: No RST is sent.\n"),
          "step.question",
          "choice; A refused connection|Nothing|ETIMEDOUT; answer=1; ask=What now?; explain=No RST is sent.");
    reads("question, first choice",
          lesson("  - say: x\n    question: { ask: a, choices: [p, q], answer: 1, explain: e }\n"),
          "step.question", "choice; p|q; answer=0; ask=a; explain=e");
    reads("question, eight choices",
          lesson("  - say: x\n    question: { ask: a, choices: [a, b, c, d, e, f, g, h], answer: 8, explain: "
                 "e }\n"),
          "step.question", "choice; a|b|c|d|e|f|g|h; answer=7; ask=a; explain=e");
    reads("question, number",
          lesson("  - say: x\n    question:\n      ask: How many?\n      number: 5\n      tolerance: 1\n     "
                 " unit: "
                 "connections\n      explain: Backlog + 1.\n"),
          "step.question", "number=5; tolerance=1; unit=connections; ask=How many?; explain=Backlog + 1.");
    reads("question, number alone", lesson("  - say: x\n    question: { ask: a, number: 1.5, explain: e }\n"),
          "step.question", "number=1.5; tolerance=0; unit=; ask=a; explain=e");
    reads("question, negative number",
          lesson("  - say: x\n    question: { ask: a, number: -3, explain: e }\n"), "step.question",
          "number=-3; tolerance=0; unit=; ask=a; explain=e");
    reads("question without say", lesson("  - question: { ask: a, number: 1, explain: e }\n"), "step.say",
          "");
    reads("no question", lesson(first), "step.question", "none");

    // Expectations.
    reads("expect at a time", lesson(first, "  - at: 1s\n    that: accept_queue == 5\n"), "expect",
          "1s|accept_queue == 5");
    reads("expect at end", lesson(first, "  - at: end\n    that: clients accepted == 12\n"), "expect",
          "end|clients accepted == 12");
    reads("expect a list",
          lesson(first, "  - at: 1s\n    that: [accept_queue == 5, TcpExtListenOverflows >= 1, \"client 5 is "
                        "SYN-SENT\"]\n"),
          "expect", "1s|accept_queue == 5; 1s|TcpExtListenOverflows >= 1; 1s|client 5 is SYN-SENT");
    reads("expect a block list",
          lesson(first, "  - at: end\n    that:\n      - accept_queue == 0\n      - wasted wakeups == 0\n"),
          "expect", "end|accept_queue == 0; end|wasted wakeups == 0");
    reads(
        "expect places",
        lesson(first,
               "  - at: 1s\n    that: [accept_queue == 5, \"client 5 is SYN-SENT\"]\n  - at: end\n    that: "
               "backlog == 2\n"),
        "expect.places", "14:12;14:32;16:11");
    reads("expect several",
          lesson(first, "  - { at: 1s, that: accept_queue == 5 }\n  - { at: 2.5s, that: syn_queue == 0 }\n"),
          "expect", "1s|accept_queue == 5; 2.5s|syn_queue == 0");
    reads("no expect", lesson(first), "expect", "");
    reads("expect: empty", lesson(first, {}, {}) + "expect:\n", "expect", "");
}

void TestLessonReader::validLesson() {
    QFETCH(QString, yaml);
    QFETCH(QString, field);
    QFETCH(QString, expected);
    const LessonReadResult result = readLessonSafely(yaml.toStdString());
    QVERIFY2(result.lesson, qPrintable(allErrors(result)));
    QVERIFY(result.errors.empty());
    const auto get = fields().find(field);
    QVERIFY2(get != fields().end(), qPrintable(field));
    QCOMPARE(get->second(*result.lesson), expected);
}

// ---- Invalid lessons ---------------------------------------------------------------------------------

namespace {

// A lesson that is refused: an error at line:column whose message contains `message`. `errors` is how
// many errors the file gets in all (0: any number).
void refused(const char* name, const std::string& yaml, int line, int column, const char* message,
             int errors = 1) {
    QTest::newRow(name) << q(yaml) << line << column << QString::fromUtf8(message) << errors;
}

} // namespace

// `requests: N` (ab -n, M18) opens N connections and up to `concurrency` more still in progress when the
// N-th starts: a condition may name any of them (it was checked against `clients:`, 1 by default).
void TestLessonReader::aClosedLoopCountingRequestsHasItsClients() {
    const auto read = [](int client) {
        return backlog::readLessonText("format: backlog-lesson/1\ntitle: t\nscenario:\n  traffic:\n"
                                       "    - { name: ab, concurrency: 10, requests: 40 }\nsteps:\n"
                                       "  - at: 0s\n    say: x\nexpect:\n  - at: end\n    that: \"client " +
                                           std::to_string(client) + " is ESTAB\"\n",
                                       "t.yaml");
    };
    QVERIFY(read(49).lesson);
    const backlog::LessonReadResult beyond = read(50);
    QVERIFY(!beyond.lesson);
    QVERIFY2(QString::fromStdString(beyond.errors.front().message)
                 .contains(QStringLiteral("client 50 does not exist: the scenario has 50")),
             beyond.errors.front().message.c_str());
}

void TestLessonReader::invalidLesson_data() {
    QTest::addColumn<QString>("yaml");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message"); // a distinctive part of it, or all of it
    QTest::addColumn<int>("errors");

    const std::string first = "  - say: First.\n"; // line 11
    const std::string rest = "title: T\nscenario: {}\nsteps:\n  - say: hi\n";

    // The format line.
    refused("missing format", rest, 1, 1,
            "expected format: backlog-lesson/1 (a lesson file says which format it is written in)");
    refused("wrong format name", "format: backlog-lessen/1\n" + rest, 1, 9,
            "format: expected backlog-lesson/1, got \"backlog-lessen/1\"");
    refused("a scenario's format", "format: scenario\n" + rest, 1, 9,
            "format: expected backlog-lesson/1, got \"scenario\"");
    refused("format not a text", "format: [backlog-lesson, 1]\n" + rest, 1, 9,
            "format: expected backlog-lesson/1, got a list");
    refused("format without a version", "format: backlog-lesson/\n" + rest, 1, 9,
            "format: expected a version number after backlog-lesson/, as in backlog-lesson/1");
    refused("format version 0", "format: backlog-lesson/0\n" + rest, 1, 9,
            "format: expected a version number");
    refused(
        "a newer format version", "format: backlog-lesson/2\n" + rest, 1, 9,
        "format: this lesson is written for format version 2; this Backlog reads versions up to 1 (a newer "
        "Backlog is needed)");
    refused("a much newer format version", "format: backlog-lesson/37\n" + rest, 1, 9,
            "written for format version 37; this Backlog reads versions up to 1");

    // Unknown keys, with a suggestion.
    refused("unknown top-level key", lesson(first, {}, "summery: x\n"), 10, 1,
            "summery in a lesson; did you mean summary?");
    refused("unknown top-level key, no close one", lesson(first, {}, "colour: red\n"), 10, 1,
            "colour in a lesson; expected one of format, title, summary, level, minutes, speed, scenario, "
            "steps, expect");
    // compare: (issue 16).
    refused("compare without set", lesson(first + "  - at: 1s\n    say: x\n    compare: { from: step }\n"),
            14, 5, "compare: expected set: { KEY: VALUE } (what the other run changes), or compare: off");
    refused("compare, a word", lesson(first + "  - at: 1s\n    say: x\n    compare: on\n"), 14, 14,
            "compare: expected off, or { set: { KEY: VALUE }, from: start or step, title: … }, got");
    refused(
        "compare from nowhere",
        lesson(first + "  - at: 1s\n    say: x\n    compare: { set: { server.backlog: 8 }, from: then }\n"),
        14, 50,
        "compare: from: expected start (the whole run again) or step (from this step's moment), got then");
    refused("compare, an unknown key",
            lesson(first + "  - at: 1s\n    say: x\n    compare: { set: { server.backlogg: 8 } }\n"), 14, 23,
            "compare: set: ");
    refused(
        "compare the kernel from the step",
        lesson(first +
               "  - at: 1s\n    say: x\n    compare: { set: { kernel.version: \"6.12\" }, from: step }\n"),
        14, 23, "compare: set: kernel.version cannot change during a run; compare from: start to change it");
    refused("a view's unknown page", lesson("  - say: x\n    view: kernel-tools/top\n"), 12, 11,
            "view: kernel-tools/top: expected a page of kernel-tools: ss, ss-all, ss-summary, nstat");
    refused("a view without pages", lesson("  - say: x\n    view: inspector/first\n"), 12, 11,
            "view: inspector has no pages; only kernel-tools and charts do");
    refused("after a later step", lesson(first + "  - after: { step: 2, by: 1s }\n    say: x\n"), 12, 12,
            "after: step 2 is not an earlier step (this is step 2)");
    refused("after without by", lesson(first + "  - after: { step: 1 }\n    say: x\n"), 12, 12,
            "after: expected both step: N and by: TIME, as { step: 3, by: 500ms }");
    refused("after and at", lesson(first + "  - after: { step: 1, by: 1s }\n    at: 2s\n    say: x\n"), 12, 5,
            "a step starts at: a time, when: a condition or after: another step, only one of them");
    refused("b: in when:", lesson(first + "  - when: \"b: accept_queue == 1\"\n    say: x\n"), 12, 12,
            "when: b: a step begins by the lesson's own run");
    refused("b: in a joined when:",
            lesson(first + "  - when: \"accept_queue == 1 and (b: accept_queue == 1)\"\n    say: x\n"), 12,
            12, "when: b: a step begins by the lesson's own run");
    refused("a joined when: with a bad part",
            lesson(first + "  - when: accept_queue_full or accept_queue ==\n    say: x\n"), 12, 47,
            "when: expected a number");
    refused("unknown step key", lesson("  - say: x\n    titel: y\n"), 12, 5,
            "unknown key titel in a step; did you mean title?");
    refused("unknown step key, highlights", lesson("  - say: x\n    highlights: SYN\n"), 12, 5,
            "unknown key highlights in a step; did you mean highlight?");
    refused("unknown step key, close_listener",
            lesson(first + "  - at: 1s\n    say: x\n    close_listener: 1\n"), 14, 5,
            "unknown key close_listener in a step; did you mean close-listener?");
    refused("unknown question key",
            lesson("  - say: x\n    question: { ask: a, number: 1, unti: s, explain: e }\n"), 12, 36,
            "unknown key unti in a question; did you mean unit?");
    refused("unknown expectation key",
            lesson(first, "  - at: 1s\n    that: accept_queue == 0\n    thta: backlog == 2\n"), 15, 5,
            "unknown key thta in an expectation; did you mean that?");
    refused("a key that is not a name", lesson(first, {}, "? [a, b]\n: c\n"), 10, 3,
            "expected a key name, got a list");

    // Duplicate keys.
    refused("duplicate top-level key", lesson(first, {}, "title: Again\n"), 10, 1,
            "duplicate key title (first given on line 2)");
    refused("duplicate step key", lesson("  - say: x\n    pause: true\n    say: y\n"), 13, 5,
            "duplicate key say (first given on line 11)");
    refused("duplicate question key",
            lesson("  - say: x\n    question: { ask: a, number: 1, number: 2, explain: e }\n"), 12, 36,
            "duplicate key number (first given on line 12)");

    // Required keys.
    refused("no title", "format: backlog-lesson/1\nscenario: {}\nsteps:\n  - say: hi\n", 1, 1,
            "expected title: (the lesson's title)");
    refused("no scenario", "format: backlog-lesson/1\ntitle: T\nsteps:\n  - say: hi\n", 1, 1,
            "expected scenario: (the kernel, network, server and traffic of the lesson)");
    refused("no steps", std::string(kHead), 1, 1,
            "expected steps: (what the class sees and hears, in order)");
    refused("steps: empty list", std::string(kHead) + "steps: []\n", 10, 8,
            "steps: expected at least one step");
    refused("steps: a map", std::string(kHead) + "steps: { say: hi }\n", 10, 8,
            "steps: expected a list of steps");
    refused("a step that is not a map", lesson("  - hello\n"), 11, 5,
            "expected a step such as { at: 0s, say: \"…\" }, got \"hello\"");
    refused("scenario: a list", "format: backlog-lesson/1\ntitle: T\nscenario: [1, 2]\nsteps:\n  - say: hi\n",
            3, 11, "scenario: expected a map of kernel, network, server and traffic settings, got a list");

    // When a step begins.
    refused("step with both at and when", lesson("  - at: 0s\n    when: accept_queue == 0\n    say: x\n"), 11,
            5, "a step starts at: a time, when: a condition or after: another step, only one of them");
    refused("step without at or when (not first)", lesson(first + "  - say: Second.\n"), 12, 5,
            "step 2: expected at: TIME, when: CONDITION or after: { step: N, by: TIME }");
    refused("steps going back in time", lesson("  - at: 2s\n    say: a\n  - at: 1s\n    say: b\n"), 13, 9,
            "at: 1s is before an earlier step's 2s (line 11); steps go forward in time");
    refused(
        "steps going back in time past a when step",
        lesson(
            "  - at: 2s\n    say: a\n  - when: accept_queue >= 1\n    say: b\n  - at: 500ms\n    say: c\n"),
        15, 9, "at: 500ms is before an earlier step's 2s (line 11)");
    refused("at: not a time", lesson(first + "  - at: soon\n    say: x\n"), 12, 9,
            "at: expected a duration such as 40us, 3s, 2min", 0);
    refused("at: negative", lesson("  - at: -1s\n    say: x\n"), 11, 9, "at: expected at least 0s, got -1s");
    refused("at: end in a step", lesson(first + "  - at: end\n    say: x\n"), 12, 9,
            "at: expected a duration", 0);

    // Narration.
    refused("missing say", lesson("  - at: 0s\n    title: x\n"), 11, 5,
            "step 1: expected say: (every step tells the class something)");
    refused("missing say, later step", lesson(first + "  - at: 1s\n    pause: true\n"), 12, 5,
            "step 2: expected say:");
    refused("say: a list", lesson("  - say: [a]\n"), 11, 10, "say: expected text, got a list", 2);
    refused("say: blank", lesson("  - say: \"  \"\n"), 11, 10, "say: expected text, got nothing", 2);
    refused("title: a map", lesson("  - say: x\n    title: { a: b }\n"), 12, 12,
            "title: expected a few words, got a map");
    // Notes for the teacher: checked like say:, but they do not stand in for it.
    refused("notes: a map", lesson("  - say: x\n    notes: { ask: why }\n"), 12, 12,
            "notes: expected text, got a map");
    refused("notes: a list", lesson("  - say: x\n    notes: [a, b]\n"), 12, 12,
            "notes: expected text, got a list");
    refused("notes: empty", lesson("  - say: x\n    notes:\n"), 12, 5, "notes: expected text, got nothing");
    refused("notes: blank", lesson("  - say: x\n    notes: \"  \"\n"), 12, 12,
            "notes: expected text, got nothing");
    refused("notes without say", lesson("  - notes: Ask about Recv-Q.\n"), 11, 5,
            "step 1: expected say: (every step tells the class something)");
    refused("unknown step key, note", lesson("  - say: x\n    note: y\n"), 12, 5,
            "unknown key note in a step; did you mean notes?");
    refused("duplicate notes", lesson("  - say: x\n    notes: a\n    notes: b\n"), 13, 5,
            "duplicate key notes (first given on line 12)");

    // Questions.
    refused("question without explain", lesson("  - say: x\n    question:\n      ask: q\n      number: 3\n"),
            13, 7, "question: expected explain: (shown once the class has answered)");
    refused("question without ask", lesson("  - say: x\n    question: { number: 3, explain: e }\n"), 12, 15,
            "question: expected ask: (the question)");
    refused(
        "reveal: an unknown value",
        lesson("  - say: x\n    question: { ask: q, number: 3, explain: e, reveal: later }\n"), 12, 56,
        "reveal: expected after-answer (the numbers that would give the answer away are hidden until it is "
        "answered or skipped) or always, got later");
    refused("reveal: a list",
            lesson("  - say: x\n    question: { ask: q, number: 3, explain: e, reveal: [a] }\n"), 12, 56,
            "reveal: expected after-answer or always");
    refused("question: not a map", lesson("  - say: x\n    question: How many?\n"), 12, 15,
            "question: expected a map with ask:, choices: and answer: (or number:), and explain:, got \"How "
            "many?\"");
    refused(
        "choices and number together",
        lesson("  - say: x\n    question: { ask: q, number: 3, choices: [a, b], answer: 1, explain: e }\n"),
        12, 15,
        "question: expected either choices: with answer: (multiple choice) or number: (a number to predict), "
        "not both");
    refused("neither choices nor number", lesson("  - say: x\n    question: { ask: q, explain: e }\n"), 12,
            15,
            "question: expected either choices: with answer: (multiple choice) or number: (a number to "
            "predict), not neither");
    refused("answer out of range",
            lesson("  - say: x\n    question: { ask: q, choices: [a, b], answer: 3, explain: e }\n"), 12, 50,
            "answer: expected the number of the right choice, from 1 to 2, got 3");
    refused("answer 0 (answers count from 1)",
            lesson("  - say: x\n    question: { ask: q, choices: [a, b, c], answer: 0, explain: e }\n"), 12,
            53, "answer: expected the number of the right choice, from 1 to 3, got 0");
    // LessonReader.cpp readQuestion: `n.error.substr(n.error.find("from"))` throws std::out_of_range when
    // parseInteger's message has no "from" ("expected an integer"): the reader must refuse, not throw.
    refused("answer: not a number",
            lesson("  - say: x\n    question: { ask: q, choices: [a, b], answer: first, explain: e }\n"), 12,
            50, "answer: expected the number of the right choice");
    refused("answer: a list",
            lesson("  - say: x\n    question: { ask: q, choices: [a, b], answer: [1], explain: e }\n"), 12,
            50, "answer: expected the number of the right choice, got a list");
    refused("choices without answer",
            lesson("  - say: x\n    question: { ask: q, choices: [a, b], explain: e }\n"), 12, 15,
            "question: expected answer: (the number of the right choice, from 1)");
    refused("one choice",
            lesson("  - say: x\n    question: { ask: q, choices: [a], answer: 1, explain: e }\n"), 12, 34,
            "choices: expected a list of at least two answers");
    refused("nine choices",
            lesson("  - say: x\n    question: { ask: q, choices: [a, b, c, d, e, f, g, h, i], answer: 1, "
                   "explain: e }\n"),
            12, 34, "choices: more than the limit of 8 choices");
    refused("a choice that is a map",
            lesson("  - say: x\n    question: { ask: q, choices: [a, {b: c}], answer: 1, explain: e }\n"), 12,
            38, "choices: expected text, got a map");
    refused("number question with answer",
            lesson("  - say: x\n    question: { ask: q, number: 3, answer: 1, explain: e }\n"), 12, 44,
            "answer: a number question gives its answer as number:");
    refused("number: not a number",
            lesson("  - say: x\n    question: { ask: q, number: five, explain: e }\n"), 12, 33,
            "number: expected a number, got five");
    refused("number: nan", lesson("  - say: x\n    question: { ask: q, number: nan, explain: e }\n"), 12, 33,
            "number: expected a number, got nan");
    refused("tolerance: negative",
            lesson("  - say: x\n    question: { ask: q, number: 3, tolerance: -1, explain: e }\n"), 12, 47,
            "tolerance: expected a non-negative number, got -1");
    refused("unit: a list",
            lesson("  - say: x\n    question: { ask: q, number: 3, unit: [a], explain: e }\n"), 12, 42,
            "unit: expected a unit such as connections, got a list");

    // Targets and views.
    refused("highlight: an unknown target", lesson("  - say: x\n    highlight: [accept-queue, queue]\n"), 12,
            31,
            "expected accept-queue, syn-queue, listener N, client N, worker N, clients, workers or a packet "
            "kind (SYN, "
            "SYN-ACK, ACK, data, FIN, RST), got queue");
    refused("highlight: client without a number", lesson("  - say: x\n    highlight: client\n"), 12, 16,
            "client: expected a number after it, as in client 0");
    refused("highlight: listener without a number", lesson("  - say: x\n    highlight: [listener]\n"), 12, 17,
            "listener: expected a number after it, as in listener 0");
    refused("highlight: clients takes no number", lesson("  - say: x\n    highlight: clients 3\n"), 12, 16,
            "clients takes no number; expected accept-queue");
    refused("highlight: a packet kind with a number", lesson("  - say: x\n    highlight: SYN 2\n"), 12, 16,
            "expected accept-queue, syn-queue, listener N, client N, worker N, clients, workers or a packet "
            "kind (SYN, "
            "SYN-ACK, ACK, data, FIN, RST), got SYN 2");
    refused("highlight: lower-case packet kind", lesson("  - say: x\n    highlight: syn\n"), 12, 16,
            "got syn");
    refused("highlight: three words", lesson("  - say: x\n    highlight: client 1 2\n"), 12, 16,
            "got client 1 2");
    refused("highlight: negative client", lesson("  - say: x\n    highlight: client -1\n"), 12, 16,
            "client: expected a number from 0, got -1");
    refused("highlight: empty list", lesson("  - say: x\n    highlight: []\n"), 12, 5,
            "highlight: expected what to highlight (accept-queue, client 3, SYN …)");
    refused("highlight: a map", lesson("  - say: x\n    highlight: [{ client: 1 }]\n"), 12, 17, "got a map");
    refused("zoom: a list", lesson("  - say: x\n    zoom: [worker 1]\n"), 12, 11,
            "zoom: expected one target (the stage zooms to one thing)");
    refused("zoom: worker x", lesson("  - say: x\n    zoom: worker x\n"), 12, 11,
            "worker: expected a number from 0, got x");
    refused("view: unknown", lesson("  - say: x\n    view: log\n"), 12, 11,
            "view: expected one of stage, event-log, kernel-tools, inspector, parameters, ladder, charts, "
            "states, got log");
    refused("view: a list", lesson("  - say: x\n    view: [stage]\n"), 12, 11,
            "view: expected a view, got a list");

    // Speeds.
    const char* speedMessage =
        "speed: expected paced or a factor from 0.0001 to 100 (0.01 is a hundred times slower than "
        "real time), got ";
    refused("speed 0", lesson(first, {}, "speed: 0\n"), 10, 8,
            qPrintable(QString::fromUtf8(speedMessage) + "0"));
    refused("speed 1000", lesson(first, {}, "speed: 1000\n"), 10, 8,
            qPrintable(QString::fromUtf8(speedMessage) + "1000"));
    refused("speed fast", lesson(first, {}, "speed: fast\n"), 10, 8,
            qPrintable(QString::fromUtf8(speedMessage) + "fast"));
    refused("speed negative", lesson(first, {}, "speed: -1\n"), 10, 8, "got -1");
    refused("speed below the slowest", lesson(first, {}, "speed: 0.00001\n"), 10, 8, "got 0.00001");
    refused("speed x alone", lesson(first, {}, "speed: x\n"), 10, 8, "got x");
    refused("speed inf", lesson(first, {}, "speed: inf\n"), 10, 8, "got inf");
    refused("step speed 0", lesson("  - say: x\n    speed: 0\n"), 12, 12,
            qPrintable(QString::fromUtf8(speedMessage) + "0"));
    refused("step speed 1000", lesson("  - say: x\n    speed: 1000\n"), 12, 12, "got 1000");
    refused("step speed fast", lesson("  - say: x\n    speed: fast\n"), 12, 12, "got fast");

    // Other step keys.
    refused("pause: maybe", lesson("  - say: x\n    pause: maybe\n"), 12, 12,
            "pause: expected true or false");
    refused("close-listener beyond the scenario",
            lesson(first + "  - at: 1s\n    say: x\n    close-listener: 2\n"), 12, 5,
            "close-listener: there is no listener 2 (the scenario has 2, numbered from 0)");
    refused("close-listener: not a number",
            lesson(first + "  - at: 1s\n    say: x\n    close-listener: one\n"), 14, 21,
            "close-listener: expected an integer");
    refused("level: expert", lesson(first, {}, "level: expert\n"), 10, 8,
            "level: expected beginner, intermediate or advanced, got expert");
    refused("minutes: 0", lesson(first, {}, "minutes: 0\n"), 10, 10,
            "minutes: expected an integer from 1 to 600, got 0");

    // start: and set:.
    refused("start: a missing traffic entry", lesson(first + "  - at: 1s\n    say: x\n    start: rescue\n"),
            14, 12, "start: the scenario has no traffic entry named rescue");
    refused("start: a near name", lesson(first + "  - at: 1s\n    say: x\n    start: [lates]\n"), 14, 13,
            "start: the scenario has no traffic entry named lates; did you mean late?");
    refused("start: a map", lesson(first + "  - at: 1s\n    say: x\n    start: [{ a: b }]\n"), 14, 13,
            "start: expected the name of a traffic entry, got a map", 0);
    refused("start: empty", lesson(first + "  - at: 1s\n    say: x\n    start: []\n"), 14, 5,
            "start: expected the name of a traffic entry (or a list of names)");
    refused("set: an unknown key", lesson(first + "  - at: 1s\n    say: x\n    set: { server.backlgo: 4 }\n"),
            14, 12, "unknown key server.backlgo; did you mean server.backlog?");
    refused("set: a bad value", lesson(first + "  - at: 1s\n    say: x\n    set: { server.backlog: many }\n"),
            14, 12, "set: server.backlog: expected an integer");
    refused("set: a sysctl out of range",
            lesson(first + "  - at: 1s\n    say: x\n    set: { net.ipv4.tcp_syncookies: 3 }\n"), 14, 12,
            "set: net.ipv4.tcp_syncookies");
    refused("set: not a map", lesson(first + "  - at: 1s\n    say: x\n    set: server.backlog=4\n"), 14, 10,
            "set: expected a map of settings such as { server.backlog: 4 }, got \"server.backlog=4\"");
    refused("set: a nested value",
            lesson(first + "  - at: 1s\n    say: x\n    set: { server: { backlog: 4 } }\n"), 14, 12,
            "set: expected KEY: VALUE with a dotted key and a plain value");

    // Conditions: the column is where the problem starts inside the text.
    refused("when: unknown counter", lesson(first + "  - when: TcpExtListenOverflow >= 1\n    say: x\n"), 12,
            11, "when: unknown quantity TcpExtListenOverflow; did you mean TcpExtListenOverflows?", 0);
    refused("when: missing comparison", lesson(first + "  - when: accept_queue\n    say: x\n"), 12, 23,
            "when: expected a comparison (==, !=, <, <=, >, >=) and a value", 0);
    refused("when: bad value", lesson(first + "  - when: \"accept_queue == many\"\n    say: x\n"), 12, 28,
            "when: expected a whole number, got many", 0);
    refused("when: trailing words", lesson(first + "  - when: accept_queue == 1 please\n    say: x\n"), 12,
            29, "when: unexpected please after the condition", 0);
    refused("when: a block scalar", lesson(first + "  - say: x\n    when: |\n      accept_queue >= x\n"), 14,
            23, "when: expected a whole number, got x", 0);
    refused("when: a list", lesson(first + "  - when: [accept_queue == 1]\n    say: x\n"), 12, 11,
            "when: expected a condition such as TcpExtListenOverflows >= 1, got a list", 0);
    refused("when: client beyond the scenario",
            lesson(first + "  - when: client 6 is ESTABLISHED\n    say: x\n"), 12, 11,
            "client 6 does not exist: the scenario has 6 (numbered from 0)");
    refused("that: client beyond the scenario, in a list",
            lesson(first, "  - at: end\n    that: [accept_queue == 0, \"client 7 is SYN-SENT\"]\n"), 14, 32,
            "client 7 does not exist: the scenario has 6 (numbered from 0)");
    refused("that: latency of a client beyond the scenario",
            lesson(first, "  - at: end\n    that: connect latency of client 9 >= 1s\n"), 14, 11,
            "client 9 does not exist");
    refused("that: bad duration", lesson(first, "  - at: end\n    that: clients slower than soon >= 1\n"), 14,
            31, "that: expected a duration such as 40us, 3s, 2min");
    refused("that: a map", lesson(first, "  - at: 1s\n    that: { a: b }\n"), 14, 11,
            "that: expected a condition such as TcpExtListenOverflows >= 1, got a map");
    refused("that: empty list", lesson(first, "  - at: 1s\n    that: []\n"), 14, 5,
            "that: expected a condition or a list of them");
    refused("expectation without at", lesson(first, "  - that: accept_queue == 0\n"), 13, 5,
            "expectation: expected at: (a time, or end)");
    refused("expectation without that", lesson(first, "  - at: 1s\n"), 13, 5,
            "expectation: expected that: (a condition such as accept_queue == 129)");
    refused("expectation at a bad time", lesson(first, "  - at: later\n    that: accept_queue == 0\n"), 13, 9,
            "at: expected a duration such as 40us, 3s, 2min");
    refused(
        "expectation not a map", lesson(first, "  - accept_queue == 0\n"), 13, 5,
        "expected an expectation such as { at: 5s, that: accept_queue == 129 }, got \"accept_queue == 0\"");
    refused("expect: a map", lesson(first, "  at: 1s\n  that: accept_queue == 0\n"), 13, 3,
            "expect: expected a list such as - { at: 5s, that: accept_queue == 129 }");

    // Markdown in narration: places inside a block scalar are those of the file.
    refused("say: a heading", lesson("  - say: |\n      Some text.\n      # A heading\n"), 13, 7,
            "say: headings are not part of the narration subset (the step's title is the heading)");
    refused("say: unclosed code", lesson("  - say: |\n      First line.\n      Call `connect() now.\n"), 13,
            12, "say: a code span opened with ` is not closed");
    refused("say: unclosed strong", lesson("  - say: |\n      First line.\n      A **strong word.\n"), 13, 9,
            "say: ** (strong) is opened here and not closed");
    refused("say: unclosed emphasis", lesson("  - say: |\n      An *emphasised word.\n"), 12, 10,
            "say: * (emphasis) is opened here and not closed");
    refused("say: an image", lesson("  - say: |\n      Look: ![a picture](https://x.org/a.png)\n"), 12, 13,
            "say: images are not part of the narration subset");
    refused("say: a link to a file",
            lesson("  - say: |\n      See\n      [the man page](file:///usr/share/man)\n"), 13, 22,
            "say: a link's address must start with https://, http:// or mailto:");
    refused("say: a code block", lesson("  - say: |\n      Text.\n\n          indented code\n"), 14, 11,
            "say: code blocks are not part of the narration subset; use `code` within a line");
    refused("say: a fenced code block", lesson("  - say: |\n      ```\n      code\n      ```\n"), 12, 7,
            "say: code blocks", 2);
    refused("say: plain scalar", lesson("  - say: Call `connect() now.\n"), 11, 15,
            "say: a code span opened with ` is not closed");
    refused("say: double-quoted", lesson("  - say: \"Call `connect() now.\"\n"), 11, 16,
            "say: a code span opened with ` is not closed");
    refused("say: |- block", lesson("  - say: |-\n      Call `connect() now.\n"), 12, 12,
            "say: a code span opened");
    refused("notes: unclosed strong",
            lesson("  - say: x\n    notes: |\n      Ask first.\n      A **strong word.\n"), 14, 9,
            "notes: ** (strong) is opened here and not closed");
    refused("notes: a heading", lesson("  - say: x\n    notes: |\n      # Ask\n"), 13, 7,
            "notes: headings are not part of the narration subset");
    refused("notes: plain scalar", lesson("  - say: x\n    notes: Call `connect() now.\n"), 12, 17,
            "notes: a code span opened with ` is not closed");
    refused("notes: double-quoted", lesson("  - say: x\n    notes: \"Run `ss -lnt\"\n"), 12, 17,
            "notes: a code span opened with ` is not closed");
    refused("ask: unclosed strong",
            lesson("  - say: x\n    question:\n      ask: What **now?\n      number: 1\n      explain: e\n"),
            13, 17, "ask: ** (strong) is opened here and not closed");
    refused(
        "explain: a heading",
        lesson("  - say: x\n    question:\n      ask: a\n      number: 1\n      explain: |\n        # No\n"),
        16, 9, "explain: headings are not part of the narration subset");
    refused("summary: unclosed code", lesson(first, {}, "summary: Meet `backlog.\n"), 10, 15,
            "summary: a code span opened");
    refused("a choice: an image",
            lesson("  - say: x\n    question: { ask: q, choices: [a, \"![b](https://b)\"], answer: 1, "
                   "explain: e }\n"),
            12, 39, "choice: images are not part of the narration subset");

    // Scenario errors inside scenario: are placed in the lesson file.
    refused("scenario: unknown key",
            "format: backlog-lesson/1\ntitle: T\nscenario:\n  network: { rtt: 1ms }\n  server:\n    backlgo: "
            "4\nsteps:\n  - say: hi\n",
            6, 5, "unknown key backlgo in server; did you mean backlog?");
    refused("scenario: bad duration",
            "format: backlog-lesson/1\ntitle: T\nscenario:\n  network:\n    rtt: fast\nsteps:\n  - say: hi\n",
            5, 10, "rtt: expected a duration such as 40us, 3s, 2min");
    refused("scenario: bad traffic entry",
            "format: backlog-lesson/1\ntitle: T\nscenario:\n  traffic:\n    - { name: a, clients: -3 "
            "}\nsteps:\n  - say: hi\n",
            5, 27, "clients: expected at least 1, got -3");
    refused("scenario: unknown section",
            "format: backlog-lesson/1\ntitle: T\nscenario:\n  sever: { backlog: 4 }\nsteps:\n  - say: hi\n",
            4, 3, "unknown key sever");

    // YAML itself.
    refused("YAML: unclosed flow map",
            "format: backlog-lesson/1\ntitle: T\nscenario: {\nsteps:\n  - say: hi\n", 5, 3,
            "YAML syntax: illegal block entry");
    refused("YAML: bad indentation", "format: backlog-lesson/1\ntitle: T\n  scenario: {}\n", 3, 11,
            "YAML syntax: illegal map value");
    refused("YAML: tab indentation", "format: backlog-lesson/1\ntitle: T\nscenario:\n\tnetwork: {}\n", 0, 0,
            "YAML syntax", 0);
    refused("YAML: unknown alias",
            "format: backlog-lesson/1\ntitle: *nothing\nscenario: {}\nsteps:\n  - say: hi\n", 0, 0,
            "YAML syntax", 0);
    // A stray ',' outside brackets makes yaml-cpp 0.7 loop for ever; the reader scans for it first.
    refused("YAML: stray comma alone", ",\n", 1, 1, "YAML syntax: unexpected ','");
    refused("YAML: stray comma on its own line",
            "format: backlog-lesson/1\ntitle: T\nscenario: {}\n,\nsteps:\n  - say: hi\n", 4, 1, "YAML syntax",
            0);
    refused("YAML: stray comma after the steps", lesson(first + "  ,\n"), 0, 0, "YAML syntax", 0);
    refused("YAML: stray comma after a document", "format: backlog-lesson/1\n...\n,\n", 0, 0, "YAML syntax",
            0);
    refused("YAML: two documents", "format: backlog-lesson/1\n---\ntitle: x\n", 3, 1,
            "a lesson file holds one YAML document; this is a second one");
    refused("empty file", "", 1, 1,
            "the file is empty; expected a lesson (format, title, scenario, steps, expect)");
    refused("only a comment", "# nothing here\n", 1, 1, "the file is empty");
    refused("a scalar", "hello\n", 1, 1,
            "expected a lesson: a map with format, title, scenario, steps and expect, got \"hello\"");
    refused("a list", "- a\n- b\n", 1, 1,
            "expected a lesson: a map with format, title, scenario, steps and expect, got a list");
    refused("binary", std::string("\x00\x01\x02\xff\xfe", 5), 0, 0, "", 0);

    // Found by these tests (see the report): each row says what the reader should do.
    // LessonReader.cpp readRoot passes "in a lesson" without the leading space the other callers give.
    refused("unknown top-level key, message spacing", lesson(first, {}, "step:\n  - say: x\n"), 10, 1,
            "unknown key step in a lesson; did you mean steps?", 0);
    // `steps:` with nothing after it: yaml-cpp places the empty value at the next token (here, past the
    // end), so the message must point at the key, as everywhere else.
    refused("steps: nothing", std::string(kHead) + "steps:\n", 10, 1, "steps: expected a list of steps");
    // A step whose at: or when: is given but invalid gets that error only, not also "expected at: or when:".
    refused("step with an invalid at gets one error", lesson(first + "  - at: soon\n    say: x\n"), 12, 9,
            "at: expected a duration");
    refused("step with an invalid when gets one error",
            lesson(first + "  - when: \"syn_queue >= x\"\n    say: x\n"), 12, 25,
            "when: expected a whole number, got x");
    // Folded (>) and plain scalars join their lines with spaces, so a place past the first line must be
    // found in the file, not counted in the joined text.
    refused("say: folded block, error on its second line",
            lesson("  - say: >\n      Because\n      of `this.\n"), 13, 10,
            "say: a code span opened with ` is not closed");
    refused("say: plain scalar over two lines, error on the second",
            lesson("  - say: Because\n      of `this.\n"), 12, 10,
            "say: a code span opened with ` is not closed");
    // A step's set: may not change what is fixed for the whole run, as a scenario's events: may not
    // (ScenarioReader: "until cannot change during a run"); the lesson reader accepted it and the run
    // ignored it.
    refused("set: until (fixed for the run)",
            lesson(first + "  - at: 1s\n    say: x\n    set: { until: 5s }\n"), 14, 12,
            "until cannot change during a run");
    refused("set: kernel.version (fixed for the run)",
            lesson(first + "  - at: 1s\n    say: x\n    set: { kernel.version: \"4.15\" }\n"), 14, 12,
            "kernel.version cannot change during a run");
    // A literal block whose first line is empty: the column must still count the block's indentation.
    refused("say: literal block starting with an empty line", lesson("  - say: |\n\n      Call `x\n"), 13, 12,
            "say: a code span opened with ` is not closed");
}

void TestLessonReader::invalidLesson() {
    QFETCH(QString, yaml);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, message);
    QFETCH(int, errors);
    const LessonReadResult result = readLessonSafely(yaml.toStdString(), "lesson.yaml");
    QVERIFY2(!result.lesson, "the lesson was read");
    QVERIFY(!result.errors.empty());
    for (const ReadError& e : result.errors) {
        QCOMPARE(q(e.file), QStringLiteral("lesson.yaml"));
        QVERIFY2(e.line >= 1 && e.column >= 1, qPrintable(q(e.text())));
        QVERIFY2(!q(e.message).startsWith(QLatin1String("threw")), qPrintable(q(e.text())));
    }
    // line 0: the place is yaml-cpp's to choose; only the message matters.
    const bool found = std::any_of(result.errors.begin(), result.errors.end(), [&](const ReadError& e) {
        return (line == 0 || (e.line == line && e.column == column)) && q(e.message).contains(message);
    });
    QVERIFY2(found, qPrintable(QStringLiteral("expected %1:%2: …%3…; got\n%4")
                                   .arg(line)
                                   .arg(column)
                                   .arg(message, allErrors(result))));
    if (errors > 0)
        QVERIFY2(result.errors.size() == static_cast<std::size_t>(errors), qPrintable(allErrors(result)));
}

// ---- Sizes -------------------------------------------------------------------------------------------

void TestLessonReader::limits_data() {
    QTest::addColumn<QString>("yaml");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message"); // empty: the lesson is read

    const auto steps = [](int n) {
        std::string text;
        for (int i = 0; i < n; ++i)
            text += "  - { at: 1s, say: Step " + std::to_string(i + 2) + ". }\n";
        return text;
    };
    const auto expectations = [](int n) {
        std::string text;
        for (int i = 0; i < n; ++i)
            text += "  - { at: 1s, that: accept_queue >= 0 }\n";
        return text;
    };
    // Step i (from 1) is on line 10 + i; 500 steps read, the 501st is refused where it is.
    QTest::newRow("500 steps") << q(lesson("  - at: 0s\n    say: First.\n" + steps(499))) << 0 << 0
                               << QString();
    QTest::newRow("501 steps") << q(lesson("  - say: First.\n" + steps(500))) << 511 << 5
                               << QStringLiteral("steps: more than the limit of 500 steps");
    QTest::newRow("5000 steps") << q(lesson("  - say: First.\n" + steps(4999))) << 511 << 5
                                << QStringLiteral("steps: more than the limit of 500 steps");
    // Expectations begin on line 13 (one step, then expect:).
    QTest::newRow("1000 expectations")
        << q(lesson("  - say: x\n", expectations(1000))) << 0 << 0 << QString();
    QTest::newRow("1001 expectations") << q(lesson("  - say: x\n", expectations(1001))) << 1013 << 5
                                       << QStringLiteral("expect: more than the limit of 1000 expectations");
    const std::string longText(LessonLimits::maxTextBytes, 'a');
    QTest::newRow("a say of 20,000 bytes") << q(lesson("  - say: " + longText + "\n")) << 0 << 0 << QString();
    QTest::newRow("a say of 20,001 bytes") << q(lesson("  - say: " + longText + "b\n")) << 11 << 10
                                           << QStringLiteral("say: longer than the limit of 20000 bytes");
    QTest::newRow("notes of 20,000 bytes")
        << q(lesson("  - say: x\n    notes: " + longText + "\n")) << 0 << 0 << QString();
    QTest::newRow("notes of 20,001 bytes")
        << q(lesson("  - say: x\n    notes: " + longText + "b\n")) << 12 << 12
        << QStringLiteral("notes: longer than the limit of 20000 bytes");
    QTest::newRow("an explain of 20,001 bytes")
        << q(lesson("  - say: x\n    question:\n      ask: a\n      number: 1\n      explain: " + longText +
                    "b\n"))
        << 15 << 16 << QStringLiteral("explain: longer than the limit of 20000 bytes");
    QTest::newRow("16 targets")
        << q(lesson("  - say: x\n    highlight: [SYN, SYN, SYN, SYN, SYN, SYN, SYN, SYN, SYN, SYN, SYN, SYN, "
                    "SYN, SYN, SYN, SYN]\n"))
        << 0 << 0 << QString();
    QTest::newRow("17 targets")
        << q(lesson("  - say: x\n    highlight: [SYN, SYN, SYN, SYN, SYN, SYN, SYN, SYN, SYN, SYN, SYN, SYN, "
                    "SYN, SYN, SYN, SYN, SYN]\n"))
        << 12 << 16 << QStringLiteral("highlight: more than the limit of 16 targets");
    // 1 MiB and one byte: refused before YAML sees it (a comment makes up the size).
    std::string big = lesson("  - say: x\n");
    big += "#" + std::string(LessonLimits::maxFileBytes - big.size() - 2, 'x') + "\n";
    QTest::newRow("a file of 1 MiB") << q(big) << 0 << 0 << QString();
    QTest::newRow("a file over 1 MiB")
        << q(big + "\n") << 1 << 1
        << QStringLiteral("the file is larger than the limit of 1048576 bytes for a lesson");
    QTest::newRow("scenario: too many clients")
        << q("format: backlog-lesson/1\ntitle: T\nscenario:\n  traffic:\n    - { clients: 2000000 "
             "}\nsteps:\n  - say: x\n")
        << 5 << 18 << QStringLiteral("clients: 2000000 is more than the limit of 1000000");
}

void TestLessonReader::limits() {
    QFETCH(QString, yaml);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, message);
    const std::string text = yaml.toStdString();
    const LessonReadResult result = readLessonSafely(text, "big.yaml");
    if (message.isEmpty()) {
        QVERIFY2(result.lesson, qPrintable(allErrors(result).left(2000)));
        return;
    }
    QVERIFY(!result.lesson);
    const bool found = std::any_of(result.errors.begin(), result.errors.end(), [&](const ReadError& e) {
        return e.line == line && e.column == column && q(e.message).contains(message);
    });
    QVERIFY2(found, qPrintable(QStringLiteral("expected %1:%2: …%3…; got\n%4")
                                   .arg(line)
                                   .arg(column)
                                   .arg(message, allErrors(result).left(2000))));
}

void TestLessonReader::readmeExampleReads() {
    const std::string path = std::string(BACKLOG_SOURCE_DIR) + "/tests/lessons/readme-example.yaml";
    const LessonReadResult result = readLessonFile(path);
    QVERIFY2(result.lesson, qPrintable(allErrors(result)));
    const Lesson& l = *result.lesson;
    QCOMPARE(q(l.title), QStringLiteral("A queue of five"));
    QCOMPARE(l.steps.size(), std::size_t{4});
    QCOMPARE(l.expect.size(), std::size_t{5});
    QVERIFY(l.speed);
    QCOMPARE(*l.speed, 0.01);
    QVERIFY(l.steps[1].question && l.steps[1].question->kind == Question::Kind::Number);
    QCOMPARE(l.steps[2].question->answer, 1);
    QVERIFY(l.steps[1].question->revealAfterAnswer);  // reveal: after-answer
    QVERIFY(!l.steps[2].question->revealAfterAnswer); // the default: always
    QCOMPARE(fields().at(QStringLiteral("held"))(l), QStringLiteral("rescue"));
    // The README shows the same text.
    QFile readme(QStringLiteral(BACKLOG_SOURCE_DIR "/README.md"));
    QVERIFY(readme.open(QIODevice::ReadOnly));
    QFile example(q(path));
    QVERIFY(example.open(QIODevice::ReadOnly));
    QVERIFY2(QString::fromUtf8(readme.readAll()).contains(QString::fromUtf8(example.readAll())),
             "README.md no longer shows tests/lessons/readme-example.yaml as it is");
}

void TestLessonReader::readLessonFileErrors() {
    const LessonReadResult missing = readLessonFile("/nonexistent/lesson.yaml");
    QVERIFY(!missing.lesson);
    QCOMPARE(missing.errors.size(), std::size_t{1});
    QCOMPARE(q(missing.errors[0].text()), QStringLiteral("/nonexistent/lesson.yaml: no such file"));

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const LessonReadResult directory = readLessonFile(dir.path().toStdString());
    QVERIFY(!directory.lesson);
    QVERIFY2(q(directory.errors.at(0).message).endsWith(QLatin1String(" is a directory")),
             qPrintable(allErrors(directory)));

    // A file over 1 MiB is refused with the limit, without reading all of it.
    const std::string big = dir.filePath(QStringLiteral("big.yaml")).toStdString();
    {
        std::ofstream out(big, std::ios::binary);
        out << "format: backlog-lesson/1\n#" << std::string(3 << 20, 'x') << "\n";
    }
    const LessonReadResult tooBig = readLessonFile(big);
    QVERIFY(!tooBig.lesson);
    QCOMPARE(tooBig.errors.size(), std::size_t{1});
    QCOMPARE(q(tooBig.errors[0].text()),
             q(big) +
                 QStringLiteral(":1:1: the file is larger than the limit of 1048576 bytes for a lesson"));

    const std::string good = dir.filePath(QStringLiteral("good.yaml")).toStdString();
    {
        std::ofstream out(good, std::ios::binary);
        out << lesson("  - say: x\n");
    }
    const LessonReadResult read = readLessonFile(good);
    QVERIFY2(read.lesson, qPrintable(allErrors(read)));
}

// ---- What a file must be before YAML sees it (SourceFile.h; tst_scenarioreader has every row) ------

namespace {

QByteArray bytesOf(const std::string& text) {
    return QByteArray::fromStdString(text);
}

// A lesson whose title is not ASCII, to see it decoded.
std::string titledLesson() {
    return fill(lesson("  - say: x\n"), {{"title: Test", "title: Caf\u00e9 \U0001F600"}});
}

} // namespace

void TestLessonReader::fileGuards_data() {
    QTest::addColumn<QString>("kind"); // file (with `bytes`), fifo, missing, or a device's path
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("line"); // 0: the error has no place (it names the path)
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message"); // empty: the lesson is read, and its title is Café 😀

    const std::string titled = titledLesson();
    QTest::newRow("UTF-8") << "file" << bytesOf(titled) << 0 << 0 << QString();
    QTest::newRow("UTF-16 LE with its BOM: decoded") << "file" << utf16(titled, false) << 0 << 0 << QString();
    QTest::newRow("UTF-16 BE with its BOM: decoded") << "file" << utf16(titled, true) << 0 << 0 << QString();
    QTest::newRow("UTF-8 with its BOM")
        << "file" << QByteArray("\xEF\xBB\xBF") + bytesOf(titled) << 0 << 0 << QString();
    // Line 11 is `  - say: x é` and then the bad byte, the 13th character (é is one, in two bytes).
    QTest::newRow("a bad byte in the narration")
        << "file" << bytesOf(lesson("  - say: x \xC3\xA9\xFF\n")) << 11 << 13
        << QStringLiteral("not valid UTF-8 (byte 0xFF); save the file as UTF-8");
    QTest::newRow("a NUL in the narration")
        << "file" << bytesOf(lesson(std::string("  - say: x\0y\n", 14))) << 11 << 11
        << QStringLiteral("a NUL character; expected text (UTF-8)");
    QTest::newRow("UTF-16 LE, a lone surrogate")
        << "file" << utf16(titled, false).append("\x00\xDC", 2) << 12 << 1
        << QStringLiteral("not valid UTF-16 LE: a lone surrogate");
    std::string big = lesson("  - say: x\n");
    big += "#" + std::string(LessonLimits::maxFileBytes - big.size() - 2, 'x') + "\n";
    QTest::newRow("1 MiB and a byte")
        << "file" << bytesOf(big + "\n") << 1 << 1
        << QStringLiteral("the file is larger than the limit of 1048576 bytes for a lesson");
    QTest::newRow("no such file") << "missing" << QByteArray() << 0 << 0 << QStringLiteral(": no such file");
#ifdef BACKLOG_TEST_FIFO
    QTest::newRow("a FIFO")
        << "fifo" << QByteArray() << 0 << 0
        << QStringLiteral(" is a FIFO (a named pipe), not a file; expected a scenario or lesson file");
    QTest::newRow("/dev/null") << "/dev/null" << QByteArray() << 0 << 0
                               << QStringLiteral(
                                      " is a device, not a file; expected a scenario or lesson file");
    QTest::newRow("/dev/zero") << "/dev/zero" << QByteArray() << 0 << 0
                               << QStringLiteral(" is a device, not a file");
#endif
}

// readLessonFile and readLessonOrScenarioFile guard alike (the window and `simulate` use the second).
void TestLessonReader::fileGuards() {
    QFETCH(QString, kind);
    QFETCH(QByteArray, bytes);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, message);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = placeFile(dir, QStringLiteral("lesson.yaml"), kind, bytes);
    QVERIFY(!path.empty());
    bool waited = false;
    const LessonReadResult read = withoutWaiting(
        path, [&] { return readLessonFile(path); }, waited);
    QVERIFY2(!waited, "readLessonFile opened the FIFO and waited for a writer");
    const FileReadResult opened = withoutWaiting(
        path, [&] { return readLessonOrScenarioFile(path); }, waited);
    QVERIFY2(!waited, "readLessonOrScenarioFile opened the FIFO and waited for a writer");
    if (message.isEmpty()) {
        QVERIFY2(read.lesson, qPrintable(allErrors(read)));
        QCOMPARE(q(read.lesson->title), QStringLiteral("Caf\u00e9 \U0001F600"));
        QVERIFY(opened.isLesson && opened.lesson && !opened.scenario && opened.errors.empty());
        QCOMPARE(opened.lesson->title, read.lesson->title);
        return;
    }
    QVERIFY(!read.lesson && !opened.lesson && !opened.scenario);
    QCOMPARE(read.errors.size(), std::size_t{1});
    const ReadError& e = read.errors.front();
    QVERIFY2(e.line == line && e.column == column && q(e.message).contains(message), qPrintable(q(e.text())));
    QCOMPARE(q(e.file), q(path));
    // The one entry point says the same, except that it does not yet know what the file is.
    QCOMPARE(opened.errors.size(), std::size_t{1});
    QCOMPARE(opened.errors.front().line, e.line);
    QCOMPARE(opened.errors.front().column, e.column);
    QCOMPARE(q(opened.errors.front().message),
             q(e.message).replace(QLatin1String("for a lesson"), QLatin1String("for a lesson or scenario")));
}

void TestLessonReader::readLessonOrScenario_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QStringList>("sets");
    QTest::addColumn<QString>("expected"); // "lesson: backlog N", "scenario: backlog N", or "errors (lesson):
                                           // …" (how the first error begins)

    const std::string aLesson = lesson("  - say: x\n");
    const std::string aScenario = "title: S\nserver: { backlog: 3 }\n";
    QTest::newRow("a lesson") << bytesOf(aLesson) << QStringList() << "lesson: backlog 2";
    QTest::newRow("a scenario") << bytesOf(aScenario) << QStringList() << "scenario: backlog 3";
    QTest::newRow("a UTF-16 LE lesson") << utf16(aLesson, false) << QStringList() << "lesson: backlog 2";
    QTest::newRow("a UTF-16 BE scenario") << utf16(aScenario, true) << QStringList() << "scenario: backlog 3";
    QTest::newRow("a lesson, --set") << bytesOf(aLesson) << QStringList{"server.backlog=7"}
                                     << "lesson: backlog 7";
    QTest::newRow("a scenario, --set")
        << bytesOf(aScenario) << QStringList{"server.backlog=7"} << "scenario: backlog 7";
    QTest::newRow("a lesson, a bad --set")
        << bytesOf(aLesson) << QStringList{"server.backlog=abc"}
        << "errors (lesson): --set server.backlog=abc: expected an integer";
    QTest::newRow("a lesson, --set without =") << bytesOf(aLesson) << QStringList{"server.backlog"}
                                               << "errors (lesson): --set server.backlog: expected KEY=VALUE";
    // Each key within its limit, the clients of all entries beyond theirs: blamed on the --set.
    QTest::newRow("a lesson, --set breaking a rule across keys")
        << bytesOf(aLesson) << QStringList{"server.backlog=5", "traffic.early.clients=999999"}
        << "errors (lesson): --set traffic.early.clients=999999: the traffic entries start ";
    QTest::newRow("a lesson with an error")
        << bytesOf(fill(aLesson, {{"title: Test\n", "title: Test\nlevel: expert\n"}})) << QStringList()
        << "errors (lesson): lesson.yaml:3:8: level: expected beginner, "
           "intermediate or advanced, got expert";
    QTest::newRow("a scenario with an error")
        << bytesOf("serverr: {}\n") << QStringList()
        << "errors (scenario): lesson.yaml:1:1: unknown key serverr; did you "
           "mean server?";
}

void TestLessonReader::readLessonOrScenario() {
    QFETCH(QByteArray, bytes);
    QFETCH(QStringList, sets);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = placeFile(dir, QStringLiteral("lesson.yaml"), QStringLiteral("file"), bytes);
    std::vector<std::string> items;
    for (const QString& set : sets)
        items.push_back(set.toStdString());
    const FileReadResult read = readLessonOrScenarioFile(path, items);
    QString found;
    if (!read.errors.empty()) {
        QVERIFY(!read.lesson && !read.scenario);
        found = QStringLiteral("errors (%1): ").arg(read.isLesson ? "lesson" : "scenario") +
                q(read.errors.front().text()).replace(q(path), QStringLiteral("lesson.yaml"));
    } else if (read.lesson) {
        QVERIFY(read.isLesson && !read.scenario);
        found = QStringLiteral("lesson: backlog %1").arg(read.lesson->scenario.server.backlog);
    } else {
        QVERIFY(read.scenario && !read.isLesson);
        found = QStringLiteral("scenario: backlog %1").arg(read.scenario->server.backlog);
    }
    QVERIFY2(found.startsWith(expected), qPrintable(found));
    if (read.errors.empty()) QCOMPARE(found, expected);
}

void TestLessonReader::manyErrorsAreBounded_data() {
    QTest::addColumn<QString>("yaml");
    QTest::addColumn<int>("total");     // errors found
    QTest::addColumn<QString>("first"); // the first one shown

    std::string keys = "format: backlog-lesson/1\n";
    for (int i = 0; i < 100'000; ++i)
        keys += "k" + std::to_string(i) + ": 1\n";
    // 100,000 unknown keys, and no title, scenario or steps: those three are found after the keys, and
    // only counted.
    QTest::newRow("100,000 unknown keys")
        << q(keys) << 100'003
        << QStringLiteral("big.yaml:2:1: unknown key k0 in a lesson; expected one of "
                          "format, title, summary, level, minutes, speed, scenario, "
                          "steps, expect");
    std::string images;
    for (int i = 0; i < 10; ++i)
        images +=
            "  - at: 1s\n    say: |-\n      " + fill("$$$$$$$$$$", {{"$", std::string(2'000, '!')}}) + "\n";
    images = fill(images, {{"!!", "!["}});
    QTest::newRow("100,000 images in the narration")
        << q(lesson(images)) << 100'000
        << QStringLiteral("big.yaml:13:7: say: images are not part of the narration subset");
}

// A lesson with a mistake every few bytes is refused with the first errors and the count of the rest,
// without the reader finding the place of each (which walked the text each time: its length squared).
void TestLessonReader::manyErrorsAreBounded() {
    QFETCH(QString, yaml);
    QFETCH(int, total);
    QFETCH(QString, first);
    const std::string text = yaml.toStdString();
    QVERIFY(text.size() <= LessonLimits::maxFileBytes);
    QElapsedTimer clock;
    clock.start();
    const LessonReadResult read = readLessonSafely(text, "big.yaml");
    const qint64 ms = clock.elapsed();
    qInfo("%d errors in %lld ms", total, ms);
    QVERIFY(!read.lesson);
    QCOMPARE(read.errors.size(), kErrorsKept);
    QCOMPARE(static_cast<int>(read.errors.size() + read.moreErrors), total);
    const std::vector<std::string> lines = errorLines(read.errors, read.moreErrors);
    QCOMPARE(lines.size(), kErrorsShown + 1);
    QCOMPARE(q(lines.front()), first);
    QCOMPARE(q(lines.back()), QStringLiteral("… and %1 more errors")
                                  .arg(q(groupedCount(static_cast<std::size_t>(total) - kErrorsShown))));
    QVERIFY2(ms < 10'000, "reading took longer than 10 s");
}

void TestLessonReader::looksLikeLesson_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("lesson");
    QTest::newRow("a lesson") << q(lesson("  - say: x\n")) << true;
    QTest::newRow("after comments") << QStringLiteral("# A lesson\n\nformat: backlog-lesson/1\n") << true;
    QTest::newRow("a newer lesson") << QStringLiteral("format: backlog-lesson/9\n") << true;
    QTest::newRow("a scenario") << QStringLiteral("title: x\nserver: { backlog: 4 }\n") << false;
    QTest::newRow("another format") << QStringLiteral("format: something/1\n") << false;
    QTest::newRow("format nested") << QStringLiteral("a:\n  format: backlog-lesson/1\n") << false;
    QTest::newRow("empty") << QString() << false;
}

void TestLessonReader::looksLikeLesson() {
    QFETCH(QString, text);
    QFETCH(bool, lesson);
    QCOMPARE(backlog::looksLikeLesson(text.toStdString()), lesson);
}

// Every key the reader allows is in the lesson author's guide (docs/lesson-guide.md, which the README's
// "Lesson files" points to), and its step table lists exactly the step keys. (The guide is generated from
// the same catalogue; tst_lessonguide keeps the file as generated.)
void TestLessonReader::keyListsMatchTheGuide() {
    QFile file(QStringLiteral(BACKLOG_SOURCE_DIR "/docs/lesson-guide.md"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString guide = QString::fromUtf8(file.readAll());
    const qsizetype from = guide.indexOf(QLatin1String("### a step"));
    QVERIFY(from >= 0);
    const QString section = guide.mid(from, guide.indexOf(QLatin1String("\n### "), from + 1) - from);
    QStringList tableKeys;
    static const QRegularExpression row(QStringLiteral("^\\| `([a-z-]+)` \\|"),
                                        QRegularExpression::MultilineOption);
    for (auto it = row.globalMatch(section); it.hasNext();)
        tableKeys << it.next().captured(1);
    QStringList stepKeyList;
    for (const std::string& k : stepKeys())
        stepKeyList << q(k);
    tableKeys.sort();
    stepKeyList.sort();
    QCOMPARE(tableKeys, stepKeyList);
    for (const auto* keys : {&lessonKeys(), &questionKeys(), &expectationKeys()})
        for (const std::string& k : *keys)
            QVERIFY2(guide.contains(QStringLiteral("| `%1` |").arg(q(k))), k.c_str());
    // The README points to it.
    QFile readme(QStringLiteral(BACKLOG_SOURCE_DIR "/README.md"));
    QVERIFY(readme.open(QIODevice::ReadOnly));
    QVERIFY(QString::fromUtf8(readme.readAll()).contains(QLatin1String("(docs/lesson-guide.md)")));
}

// ---- Conditions --------------------------------------------------------------------------------------

namespace {

const char* quantityName(Condition::Quantity quantity) {
    using Q = Condition::Quantity;
    switch (quantity) {
    case Q::Counter:
        return "Counter";
    case Q::AcceptQueue:
        return "AcceptQueue";
    case Q::SynQueue:
        return "SynQueue";
    case Q::Backlog:
        return "Backlog";
    case Q::AcceptQueueFull:
        return "AcceptQueueFull";
    case Q::ListenerOpen:
        return "ListenerOpen";
    case Q::ClientState:
        return "ClientState";
    case Q::ServerState:
        return "ServerState";
    case Q::WorkerState:
        return "WorkerState";
    case Q::ClientsIn:
        return "ClientsIn";
    case Q::ClientsConnected:
        return "ClientsConnected";
    case Q::ClientsAccepted:
        return "ClientsAccepted";
    case Q::ClientsTimedOut:
        return "ClientsTimedOut";
    case Q::ClientsReset:
        return "ClientsReset";
    case Q::ClientsRefused:
        return "ClientsRefused";
    case Q::ClientsSlowerThan:
        return "ClientsSlowerThan";
    case Q::ConnectLatency:
        return "ConnectLatency";
    case Q::WastedWakeups:
        return "WastedWakeups";
    }
    return "?";
}

const char* opName(Condition::Op op) {
    switch (op) {
    case Condition::Op::Eq:
        return "==";
    case Condition::Op::Ne:
        return "!=";
    case Condition::Op::Lt:
        return "<";
    case Condition::Op::Le:
        return "<=";
    case Condition::Op::Gt:
        return ">";
    case Condition::Op::Ge:
        return ">=";
    }
    return "?";
}

// The fields a quantity uses, as "Quantity field=value … op value"; "b:" before what reads the other run;
// a joined condition as "and(…; …)" or "or(…; …)".
QString describe(const Condition& c) {
    if (c.joined()) {
        QStringList parts;
        for (const Condition& part : c.parts)
            parts << describe(part);
        return QLatin1String(c.join == Condition::Join::And ? "and(" : "or(") +
               parts.join(QStringLiteral("; ")) + QLatin1Char(')');
    }
    if (c.side == 1) {
        Condition a = c;
        a.side = 0;
        return QStringLiteral("b:") + describe(a);
    }
    using Q = Condition::Quantity;
    QStringList parts{QLatin1String(quantityName(c.quantity))};
    switch (c.quantity) {
    case Q::Counter:
        parts << QLatin1String(c.host == Host::Server ? "server" : "clients")
              << q(std::string(counterName(c.counter)));
        break;
    case Q::AcceptQueue:
    case Q::SynQueue:
    case Q::Backlog:
    case Q::AcceptQueueFull:
    case Q::ListenerOpen:
        parts << QStringLiteral("index=%1").arg(c.index);
        break;
    case Q::ClientState:
    case Q::ServerState:
        parts << QStringLiteral("index=%1").arg(c.index) << q(std::string(ssStateName(c.state)));
        break;
    case Q::WorkerState:
        parts << QStringLiteral("index=%1").arg(c.index) << q(std::string(workerStateName(c.workerState)));
        break;
    case Q::ClientsIn:
        parts << q(std::string(ssStateName(c.state)));
        break;
    case Q::ClientsSlowerThan:
        parts << QStringLiteral("than=") + q(formatDuration(c.duration));
        break;
    case Q::ConnectLatency:
        parts << QStringLiteral("index=%1").arg(c.index);
        break;
    default:
        break;
    }
    parts << QLatin1String(opName(c.op)) << QString::number(c.value);
    return parts.join(QLatin1Char(' '));
}

void parses(const char* text, const char* expected) {
    QTest::newRow(text) << QString::fromUtf8(text) << QString::fromUtf8(expected);
}

void conditionRefused(const char* text, int offset, const char* message) {
    QTest::newRow(text) << QString::fromUtf8(text) << offset << QString::fromUtf8(message);
}

} // namespace

void TestLessonReader::condition_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected"); // describe() of the condition

    // Every row of the README's condition table, and the spellings around it.
    parses("TcpExtListenOverflows >= 1", "Counter server TcpExtListenOverflows >= 1");
    parses("TcpExtListenDrops > 0", "Counter server TcpExtListenDrops > 0");
    parses("TcpExtSyncookiesSent == 71", "Counter server TcpExtSyncookiesSent == 71");
    parses("server.TcpExtListenOverflows != 0", "Counter server TcpExtListenOverflows != 0");
    parses("clients.TcpRetransSegs > 0", "Counter clients TcpRetransSegs > 0");
    parses("accept_queue == 129", "AcceptQueue index=-1 == 129");
    parses("accept_queue[1] == 3", "AcceptQueue index=1 == 3");
    parses("syn_queue > 0", "SynQueue index=-1 > 0");
    parses("syn_queue[0] <= 256", "SynQueue index=0 <= 256");
    parses("backlog == 4", "Backlog index=0 == 4");
    parses("backlog[2] < 4096", "Backlog index=2 < 4096");
    parses("accept_queue_full", "AcceptQueueFull index=-1 == 1");
    parses("accept_queue_full[1]", "AcceptQueueFull index=1 == 1");
    parses("client 3 is ESTABLISHED", "ClientState index=3 ESTAB == 1");
    parses("client 3 is ESTAB", "ClientState index=3 ESTAB == 1");
    parses("client 0 is SYN-SENT", "ClientState index=0 SYN-SENT == 1");
    parses("client 0 is syn_sent", "ClientState index=0 SYN-SENT == 1");
    parses("client 1 is SYN-RECEIVED", "ClientState index=1 SYN-RECV == 1");
    parses("client 2 is CLOSE-WAIT", "ClientState index=2 CLOSE-WAIT == 1");
    parses("client 2 is CLOSED", "ClientState index=2 UNCONN == 1");
    parses("client 2 is UNCONN", "ClientState index=2 UNCONN == 1");
    parses("client 4 is FIN-WAIT-1", "ClientState index=4 FIN-WAIT-1 == 1");
    parses("client 4 is TIME-WAIT", "ClientState index=4 TIME-WAIT == 1");
    parses("server socket of client 3 is SYN-RECV", "ServerState index=3 SYN-RECV == 1");
    parses("server socket of client 0 is ESTABLISHED", "ServerState index=0 ESTAB == 1");
    parses("worker 0 is not-started", "WorkerState index=0 not started == 1");
    parses("worker 0 is blocked-in-accept", "WorkerState index=0 blocked in accept() == 1");
    parses("worker 1 is in-epoll-wait", "WorkerState index=1 in epoll_wait() == 1");
    parses("worker 2 is serving", "WorkerState index=2 serving == 1");
    parses("worker 3 is woken", "WorkerState index=3 woken == 1");
    parses("worker 3 is slept-again", "WorkerState index=3 woken for nothing, asleep again == 1");
    parses("worker 3 is got-eagain", "WorkerState index=3 woken for nothing, accept() said EAGAIN == 1");
    parses("worker 4 is stopped", "WorkerState index=4 stopped == 1");
    parses("listener 1 is closed", "ListenerOpen index=1 == 0");
    parses("listener 0 is open", "ListenerOpen index=0 == 1");
    parses("clients in SYN-SENT >= 100", "ClientsIn SYN-SENT >= 100");
    parses("clients in ESTABLISHED == 2", "ClientsIn ESTAB == 2");
    parses("clients connected == 200", "ClientsConnected == 200");
    parses("clients accepted == 12", "ClientsAccepted == 12");
    parses("clients timed out > 0", "ClientsTimedOut > 0");
    parses("clients reset >= 71", "ClientsReset >= 71");
    parses("clients refused == 0", "ClientsRefused == 0");
    parses("clients slower than 2s >= 1", "ClientsSlowerThan than=2s >= 1");
    parses("clients slower than 1.5ms == 0", "ClientsSlowerThan than=1.5ms == 0");
    parses("connect latency of client 3 >= 3s", "ConnectLatency index=3 >= 3000000000");
    parses("connect latency of client 0 < 1.5ms", "ConnectLatency index=0 < 1500000");
    parses("wasted wakeups > 0", "WastedWakeups > 0");
    // Spacing.
    parses("accept_queue==5", "AcceptQueue index=-1 == 5");
    parses("  accept_queue   >=   5  ", "AcceptQueue index=-1 >= 5");
    parses("accept_queue\t<\t5", "AcceptQueue index=-1 < 5");
    // Sides, and conditions joined with and, or and parentheses (issue 16); and binds tighter than or.
    parses("b: accept_queue == 0", "b:AcceptQueue index=-1 == 0");
    parses("b:accept_queue == 0", "b:AcceptQueue index=-1 == 0");
    parses("a: accept_queue == 0", "AcceptQueue index=-1 == 0");
    parses("accept_queue_full and TcpExtListenDrops > 0",
           "and(AcceptQueueFull index=-1 == 1; Counter server TcpExtListenDrops > 0)");
    parses("accept_queue == 1 or accept_queue == 2 or accept_queue == 3",
           "or(AcceptQueue index=-1 == 1; AcceptQueue index=-1 == 2; AcceptQueue index=-1 == 3)");
    parses(
        "accept_queue == 1 or accept_queue_full and client 0 is ESTAB",
        "or(AcceptQueue index=-1 == 1; and(AcceptQueueFull index=-1 == 1; ClientState index=0 ESTAB == 1))");
    parses(
        "(accept_queue == 1 or accept_queue_full) and client 0 is ESTAB",
        "and(or(AcceptQueue index=-1 == 1; AcceptQueueFull index=-1 == 1); ClientState index=0 ESTAB == 1)");
    parses("((accept_queue_full))", "AcceptQueueFull index=-1 == 1");
    parses("(syn_queue>0)and(accept_queue_full[0])",
           "and(SynQueue index=-1 > 0; AcceptQueueFull index=0 == 1)");
    parses("a: TcpExtListenOverflows > 0 and b: TcpExtListenOverflows == 0",
           "and(Counter server TcpExtListenOverflows > 0; b:Counter server TcpExtListenOverflows == 0)");
    parses("b: (accept_queue == 0 or a: syn_queue == 0)",
           "or(b:AcceptQueue index=-1 == 0; SynQueue index=-1 == 0)");
    parses("clients in SYN-SENT > 0 and worker 0 is serving or listener 0 is closed",
           "or(and(ClientsIn SYN-SENT > 0; WorkerState index=0 serving == 1); ListenerOpen index=0 == 0)");
}

void TestLessonReader::condition() {
    QFETCH(QString, text);
    QFETCH(QString, expected);
    const ParsedCondition parsed = parseCondition(text.toStdString());
    QVERIFY2(parsed.condition, parsed.error.message.c_str());
    QCOMPARE(describe(*parsed.condition), expected);
    QCOMPARE(q(parsed.condition->text), text);
}

void TestLessonReader::conditionError_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("offset");
    QTest::addColumn<QString>("message");

    conditionRefused("", 0, "expected a condition such as TcpExtListenOverflows >= 1");
    conditionRefused("   ", 0, "expected a condition such as TcpExtListenOverflows >= 1");
    conditionRefused("TcpExtListenOverflow >= 1", 0,
                     "unknown quantity TcpExtListenOverflow; did you mean TcpExtListenOverflows?");
    conditionRefused("accept_queu == 1", 0, "unknown quantity accept_queu; did you mean accept_queue?");
    conditionRefused("accept_queues == 1", 0, "unknown quantity accept_queues; did you mean accept_queue?");
    conditionRefused("foo >= 1", 0,
                     "unknown quantity foo; expected a counter (TcpExtListenOverflows …), accept_queue");
    conditionRefused("clients.Foo > 1", 0, "unknown quantity clients.Foo");
    conditionRefused("accept_queue", 12, "expected a comparison (==, !=, <, <=, >, >=) and a value");
    conditionRefused("accept_queue => 1", 13, "expected a comparison (==, !=, <, <=, >, >=), got =>");
    conditionRefused("accept_queue = 1", 13, "expected a comparison (==, !=, <, <=, >, >=), got =");
    conditionRefused("accept_queue ==", 15, "expected a number");
    conditionRefused("accept_queue == many", 16, "expected a whole number, got many");
    conditionRefused("accept_queue == -1", 16, "expected a whole number, got -1");
    conditionRefused("accept_queue == 1.5", 16, "expected a whole number, got 1.5");
    conditionRefused("accept_queue == 1 2", 18, "unexpected 2 after the condition");
    conditionRefused("accept_queue == 1 please", 18, "unexpected please after the condition");
    conditionRefused("accept_queue[x] == 1", 13, "expected a listener number from 0 to 255 inside [ ]");
    conditionRefused("accept_queue[1 == 1", 14, "expected ] after the listener's number");
    conditionRefused("accept_queue_full[300]", 18, "expected a listener number from 0 to 255 inside [ ]");
    conditionRefused("accept_queue_full == 1", 18, "unexpected == after the condition");
    conditionRefused("client x is ESTAB", 7, "expected a client's number (from 0), got x");
    conditionRefused("client", 6, "expected a client's number (from 0)");
    conditionRefused("client 3 ESTAB", 9, "expected is, got ESTAB");
    conditionRefused("client 3 is", 11, "expected a state after is");
    conditionRefused("client 3 is happy", 12,
                     "expected a TCP state as ss prints it (SYN-SENT, SYN-RECV, ESTAB or ESTABLISHED");
    conditionRefused("client 3 is ESTAB now", 18, "unexpected now after the condition");
    conditionRefused("server socket client 1 is ESTAB", 14, "expected of, got client");
    conditionRefused("server 1 is ESTAB", 7, "expected socket of client N is STATE, got 1");
    conditionRefused(
        "worker 0 is sleeping", 12,
        "expected a worker state (not-started, blocked-in-accept, in-epoll-wait, woken, serving, "
        "slept-again, got-eagain or stopped), got sleeping");
    // The one state the lessons used to name, before M20 split it in two, gets told what it became.
    conditionRefused("worker 0 is woken-for-nothing", 12,
                     "woken-for-nothing is two states now (M20): slept-again");
    conditionRefused("listener 0 is ajar", 14, "expected open or closed, got ajar");
    conditionRefused("clients", 7,
                     "expected in STATE, connected, accepted, timed out, reset, refused or slower than "
                     "DURATION after clients");
    conditionRefused("clients flying == 1", 8,
                     "expected in STATE, connected, accepted, timed out, reset, refused or slower than "
                     "DURATION after clients, got flying");
    conditionRefused("clients in", 10, "expected a TCP state after in");
    conditionRefused("clients in LIMBO >= 1", 11,
                     "expected a TCP state as ss prints it (SYN-SENT, ESTAB …), got LIMBO");
    conditionRefused("clients timed == 1", 14, "expected out, got ==");
    conditionRefused("clients connected", 17, "expected a comparison");
    conditionRefused("clients slower than soon >= 1", 20, "expected a duration such as 40us, 3s, 2min");
    conditionRefused("clients slower than", 19, "expected a duration such as 2s");
    conditionRefused("connect latency of client 3 >= 3", 31, "expected a duration such as 40us, 3s, 2min");
    conditionRefused("connect latency of client 3 >=", 30, "expected a duration such as 3s");
    conditionRefused("connect time of client 3 >= 3s", 8, "expected latency of client N, got time");
    conditionRefused("wasted wakeup > 0", 7, "expected wakeups, got wakeup");
    // Joined (issue 16).
    conditionRefused("accept_queue == 1 and", 21, "expected a condition after and");
    conditionRefused("and accept_queue == 1", 0, "expected a condition, got and");
    conditionRefused("accept_queue == 1 or or syn_queue > 0", 21, "expected a condition, got or");
    conditionRefused("(accept_queue == 1", 18, "expected ) to close the ( at character 1");
    conditionRefused("(accept_queue == 1 syn_queue > 0)", 19,
                     "expected ) to close the ( at character 1, got syn_queue");
    conditionRefused("accept_queue == 1)", 17, "unmatched ): no ( before it");
    conditionRefused("()", 1, "expected a condition, got )");
    conditionRefused("accept_queue == 1 and (syn_queue > 0 or foo > 1)", 40, "unknown quantity foo");
    conditionRefused("accept_queue == 1 && syn_queue > 0", 18, "unexpected && after the condition");
    conditionRefused("b:", 2, "expected a condition after b:");
    conditionRefused("accept_queue_full and == 1", 22, "unknown quantity ==");
}

void TestLessonReader::conditionError() {
    QFETCH(QString, text);
    QFETCH(int, offset);
    QFETCH(QString, message);
    const ParsedCondition parsed = parseCondition(text.toStdString());
    QVERIFY2(!parsed.condition, "parsed");
    QVERIFY2(q(parsed.error.message).contains(message), parsed.error.message.c_str());
    QCOMPARE(parsed.error.offset, static_cast<std::size_t>(offset));
}

void TestLessonReader::checkConditionAgainstScenario() {
    const auto check = [](const char* text, int clients, int listeners, int workers) {
        return q(backlog::checkCondition(*parseCondition(text).condition, clients, listeners, workers));
    };
    QCOMPARE(check("client 9 is ESTAB", 10, 1, 1), QString());
    QCOMPARE(check("client 10 is ESTAB", 10, 1, 1),
             QStringLiteral("client 10 does not exist: the scenario has 10 (numbered from 0)"));
    QCOMPARE(check("server socket of client 10 is SYN-RECV", 10, 1, 1),
             QStringLiteral("client 10 does not exist: the scenario has 10 (numbered from 0)"));
    QCOMPARE(check("connect latency of client 10 >= 1s", 10, 1, 1),
             QStringLiteral("client 10 does not exist: the scenario has 10 (numbered from 0)"));
    QCOMPARE(check("worker 2 is serving", 10, 1, 2),
             QStringLiteral("worker 2 does not exist: the scenario has 2 (numbered from 0)"));
    QCOMPARE(check("accept_queue[1] == 0", 10, 1, 2),
             QStringLiteral("listener 1 does not exist: the scenario has 1 (numbered from 0)"));
    QCOMPARE(check("listener 3 is open", 10, 4, 2), QString());
    QCOMPARE(check("accept_queue == 0", 0, 1, 0), QString());
    QCOMPARE(check("clients connected == 100", 10, 1, 1), QString());
}

// ---- Markdown ----------------------------------------------------------------------------------------

namespace {

void converts(const char* name, const char* markdown, const char* html, const char* plain) {
    QTest::newRow(name) << QString::fromUtf8(markdown) << QString::fromUtf8(html) << QString::fromUtf8(plain);
}

} // namespace

void TestLessonReader::markdown_data() {
    QTest::addColumn<QString>("markdown");
    QTest::addColumn<QString>("html");
    QTest::addColumn<QString>("plain");

    converts("plain text", "plain", "<p>plain</p>", "plain");
    converts("emphasis *", "an *emphasised* word", "<p>an <i>emphasised</i> word</p>", "an emphasised word");
    converts("emphasis _", "an _emphasised_ word", "<p>an <i>emphasised</i> word</p>", "an emphasised word");
    converts("emphasis before punctuation", "_em_.", "<p><i>em</i>.</p>", "em.");
    converts("strong", "**five**, not four", "<p><b>five</b>, not four</p>", "five, not four");
    converts("code", "call `accept()`", "<p>call <code>accept()</code></p>", "call accept()");
    converts("code keeps markup literal", "`a *b* <c>`", "<p><code>a *b* &lt;c&gt;</code></p>", "a *b* <c>");
    converts("code keeps snake_case", "`tcp_abort_on_overflow`", "<p><code>tcp_abort_on_overflow</code></p>",
             "tcp_abort_on_overflow");
    converts("link", "see [KERNEL.md](https://example.org/k)",
             "<p>see <a href=\"https://example.org/k\">KERNEL.md</a></p>", "see KERNEL.md");
    converts("link, http", "[x](http://example.org)", "<p><a href=\"http://example.org\">x</a></p>", "x");
    converts("link, mailto", "[mail](mailto:a@b.org)", "<p><a href=\"mailto:a@b.org\">mail</a></p>", "mail");
    converts("link address escaped", "[a](https://x.org/?a=1&b=2)",
             "<p><a href=\"https://x.org/?a=1&amp;b=2\">a</a></p>", "a");
    converts("link with emphasis", "[*the* man page](https://man7.org)",
             "<p><a href=\"https://man7.org\"><i>the</i> man page</a></p>", "the man page");
    converts("brackets that are no link", "accept_queue[1] and [x]", "<p>accept_queue[1] and [x]</p>",
             "accept_queue[1] and [x]");
    converts("unordered list", "- one\n- two", "<ul><li>one</li><li>two</li></ul>", "one two");
    converts("unordered list with *", "* one\n* two", "<ul><li>one</li><li>two</li></ul>", "one two");
    converts("ordered list", "1. one\n2. two", "<ol><li>one</li><li>two</li></ol>", "one two");
    converts("ordered list from 10", "10. ten", "<ol><li>ten</li></ol>", "ten");
    converts("list item over two lines", "- a\n- b\n  more", "<ul><li>a</li><li>b more</li></ul>",
             "a b more");
    converts("paragraph then lists", "para\n\n- item\n\n1. x",
             "<p>para</p><ul><li>item</li></ul><ol><li>x</li></ol>", "para item x");
    converts("paragraph straight after a list", "- a\n\nafter", "<ul><li>a</li></ul><p>after</p>", "a after");
    converts("lines join", "one\ntwo", "<p>one two</p>", "one two");
    converts("paragraphs", "one\n\ntwo", "<p>one</p><p>two</p>", "one two");
    converts("CRLF", "one\r\ntwo\r\n\r\nthree", "<p>one two</p><p>three</p>", "one two three");
    converts("trailing newline of a block scalar", "text\n", "<p>text</p>", "text");
    converts("escaped asterisks", "\\*not em\\*", "<p>*not em*</p>", "*not em*");
    converts("escaped backtick", "a \\` b", "<p>a ` b</p>", "a ` b");
    converts("escaped underscore", "\\_x\\_", "<p>_x_</p>", "_x_");
    converts("escaped bracket", "\\[x](https://a)", "<p>[x](https://a)</p>", "[x](https://a)");
    converts("backslash before a letter stays", "C:\\temp", "<p>C:\\temp</p>", "C:\\temp");
    converts("snake_case stays literal", "tcp_abort_on_overflow and net.core.somaxconn",
             "<p>tcp_abort_on_overflow and net.core.somaxconn</p>",
             "tcp_abort_on_overflow and net.core.somaxconn");
    converts("snake_case beside emphasis", "tcp_syncookies is _on_", "<p>tcp_syncookies is <i>on</i></p>",
             "tcp_syncookies is on");
    converts("a lone asterisk", "2 * 3 * 4", "<p>2 * 3 * 4</p>", "2 * 3 * 4");
    converts("HTML escaped", "a < b && c > d", "<p>a &lt; b &amp;&amp; c &gt; d</p>", "a < b && c > d");
    converts("tags escaped", "<script>x</script>", "<p>&lt;script&gt;x&lt;/script&gt;</p>",
             "<script>x</script>");
    converts("quotes escaped", "say \"hi\"", "<p>say &quot;hi&quot;</p>", "say \"hi\"");
    converts("a hash inside a line", "a\n#hashtag and #5", "<p>a #hashtag and #5</p>", "a #hashtag and #5");
    converts(
        "everything", "**Five**, not *four* (`backlog + 1`): [why](https://a.org).",
        "<p><b>Five</b>, not <i>four</i> (<code>backlog + 1</code>): <a href=\"https://a.org\">why</a>.</p>",
        "Five, not four (backlog + 1): why.");
    converts("empty", "", "", "");
    // Found by these tests: `***` closing both must nest the tags (the HTML is read by Qt's rich text).
    converts("strong around emphasis", "**bold *and em***", "<p><b>bold <i>and em</i></b></p>",
             "bold and em");
}

void TestLessonReader::markdown() {
    QFETCH(QString, markdown);
    QFETCH(QString, html);
    QFETCH(QString, plain);
    const MarkdownResult result = markdownToHtml(markdown.toStdString());
    QStringList errors;
    for (const MarkdownError& e : result.errors)
        errors << QStringLiteral("%1:%2: %3").arg(e.line).arg(e.column).arg(q(e.message));
    QVERIFY2(result.errors.empty(), qPrintable(errors.join(QLatin1Char('\n'))));
    QCOMPARE(q(result.html), html);
    QCOMPARE(q(markdownToPlain(markdown.toStdString())), plain);
}

void TestLessonReader::stepName_data() {
    QTest::addColumn<QString>("title");
    QTest::addColumn<QString>("say");
    QTest::addColumn<QString>("ask"); // a question's, when not empty
    QTest::addColumn<QString>("name");
    const QString sixty(60, QLatin1Char('x'));
    QTest::newRow("the title") << "The queue fills"
                               << "Two **wait**."
                               << ""
                               << "The queue fills";
    QTest::newRow("the narration, plain") << ""
                                          << "Two **wait** now."
                                          << ""
                                          << "Two wait now.";
    QTest::newRow("sixty characters stay") << "" << sixty << "" << sixty;
    QTest::newRow("sixty-one are cut")
        << "" << sixty + QLatin1Char('y') << "" << QString(57, QLatin1Char('x')) + "…";
    // Characters, not bytes: 61 two-byte ones are cut after the 57th, not inside one.
    QTest::newRow("UTF-8 is not cut inside a character")
        << "" << QString(61, QChar(0xE9)) << "" << QString(57, QChar(0xE9)) + "…";
    QTest::newRow("the question when it says nothing") << ""
                                                       << ""
                                                       << "How many **wait**?"
                                                       << "How many wait?";
}

void TestLessonReader::stepName() {
    QFETCH(QString, title);
    QFETCH(QString, say);
    QFETCH(QString, ask);
    QFETCH(QString, name);
    Step step;
    step.title = title.toStdString();
    step.say = say.toStdString();
    if (!ask.isEmpty()) {
        step.question.emplace();
        step.question->ask = ask.toStdString();
    }
    QCOMPARE(q(backlog::stepName(step)), name);
}

void TestLessonReader::markdownError_data() {
    QTest::addColumn<QString>("markdown");
    QTest::addColumn<QString>("errors"); // "LINE:COL: message", one a line

    const auto row = [](const char* name, const char* markdown, const char* errors) {
        QTest::newRow(name) << QString::fromUtf8(markdown) << QString::fromUtf8(errors);
    };
    const char* heading = "headings are not part of the narration subset (the step's title is the heading)";
    row("heading", "# Heading", qPrintable(QStringLiteral("1:1: ") + QLatin1String(heading)));
    row("heading level 3, indented, second line", "text\n  ### h",
        qPrintable(QStringLiteral("2:3: ") + QLatin1String(heading)));
    row("heading without text", "text\n\n##", qPrintable(QStringLiteral("3:1: ") + QLatin1String(heading)));
    row("fenced code", "```\ncode\n```",
        "1:1: code blocks are not part of the narration subset; use `code` within a line\n"
        "3:1: code blocks are not part of the narration subset; use `code` within a line");
    row("tilde fence", "~~~",
        "1:1: code blocks are not part of the narration subset; use `code` within a line");
    row("indented code", "para\n\n    code",
        "3:5: code blocks are not part of the narration subset; use `code` within a line");
    row("unclosed code", "call `accept()", "1:6: a code span opened with ` is not closed");
    row("unclosed strong", "a **b", "1:3: ** (strong) is opened here and not closed");
    row("unclosed emphasis *", "*open", "1:1: * (emphasis) is opened here and not closed");
    row("unclosed emphasis _", "an _open", "1:4: _ (emphasis) is opened here and not closed");
    row("unclosed strong on a later line", "one\ntwo **three\nfour",
        "2:5: ** (strong) is opened here and not closed");
    row("image", "![i](https://a)", "1:1: images are not part of the narration subset");
    row("link to ftp", "[a](ftp://x)", "1:5: a link's address must start with https://, http:// or mailto:");
    row("link to a relative file", "see [KERNEL](KERNEL.md)",
        "1:14: a link's address must start with https://, http:// or mailto:");
    row("javascript link", "[x](javascript:alert(1))",
        "1:5: a link's address must start with https://, http:// or mailto:");
    row("link not closed", "[a](https://x", "1:4: a link's address opened with ( is not closed");
    row("error in a list item", "- one\n- `two", "2:3: a code span opened with ` is not closed");
    row("error in an indented list item", "  1. one **x", "1:10: ** (strong) is opened here and not closed");
    // Found by these tests: an error inside a link's label is placed from the start of the paragraph,
    // not of the label (Markdown.cpp: the label's Inline gets the block's line and column).
    row("error inside a link's label", "see [a `b](https://x)",
        "1:8: a code span opened with ` is not closed");
    row("error inside a link's label, second line", "one\nsee [a **b](https://x)",
        "2:8: ** (strong) is opened here and not closed");
    row("two errors", "# h\n\n`x",
        qPrintable(QStringLiteral("1:1: ") + QLatin1String(heading) +
                   QStringLiteral("\n3:1: a code span opened with ` is not closed")));
}

void TestLessonReader::markdownError() {
    QFETCH(QString, markdown);
    QFETCH(QString, errors);
    const MarkdownResult result = markdownToHtml(markdown.toStdString());
    QStringList found;
    for (const MarkdownError& e : result.errors)
        found << QStringLiteral("%1:%2: %3").arg(e.line).arg(e.column).arg(q(e.message));
    QCOMPARE(found.join(QLatin1Char('\n')), errors);
}

// ---- A lesson placed on a run --------------------------------------------------------------------------

namespace {

// One listener with backlog 1 that nobody accepts from; rtt 1 ms. Client k connects at 10k ms and its ACK
// completes the handshake at 10k + 1.5 ms: the accept queue holds 1 from 1.5 ms and 2 (more than the
// backlog: full, Q1) from 11.5 ms. Client 2's SYN (20.5 ms) and client 3's (30.5 ms) are dropped (S2),
// and so are their retransmissions a second later. `steps:` is line 9, the first step line 10.
constexpr const char* kRunHead = "format: backlog-lesson/1\n"
                                 "title: Run\n"
                                 "scenario:\n"
                                 "  network: { rtt: 1ms }\n"
                                 "  server: { backlog: 1, workers: { count: 0 } }\n"
                                 "  traffic:\n"
                                 "    - { name: a, clients: 4, spacing: 10ms }\n";

// Entries for a step to start: two clients 1 ms apart, and 100 ms of a 1000 SYN/s flood.
constexpr const char* kHeldTraffic = "    - { name: late, clients: 2, at: 5ms }\n"
                                     "    - { name: f, flood: { rate: 1000/s, from: 0s, to: 100ms } }\n";

std::string runLesson(const std::string& steps, const std::string& expect = {},
                      const std::string& traffic = {}) {
    std::string text = std::string(kRunHead) + traffic + "  until: 2s\nsteps:\n" + steps;
    if (!expect.empty()) text += "expect:\n" + expect;
    return text;
}

std::optional<Lesson> lessonOf(const std::string& yaml) {
    LessonReadResult result = readLessonSafely(yaml);
    for (const ReadError& e : result.errors)
        qWarning("%s", e.text().c_str());
    return std::move(result.lesson);
}

QString stepTimesOf(const LessonRun& run) {
    QStringList times;
    for (Time t : run.stepTimes())
        times << (t.isNever() ? QStringLiteral("never") : q(formatDuration(t)));
    return times.join(QLatin1Char(','));
}

QString problemsOf(const LessonRun& run) {
    QStringList problems;
    for (const LessonProblem& p : run.problems())
        problems << QStringLiteral("%1:%2: %3").arg(p.place.line).arg(p.place.column).arg(q(p.message));
    return problems.join(QLatin1Char('\n'));
}

} // namespace

void TestLessonReader::stepTimes_data() {
    QTest::addColumn<QString>("yaml");
    QTest::addColumn<QString>("times");    // each step's moment
    QTest::addColumn<QString>("problems"); // "LINE:COL: message", one a line

    const std::string first = "  - say: Start.\n"; // line 12
    QTest::newRow("at") << q(runLesson(first + "  - at: 500ms\n    say: x\n  - at: 1.5s\n    say: y\n"))
                        << "0s,500ms,1.5s"
                        << "";
    QTest::newRow("when: the first instant it holds")
        << q(runLesson(first + "  - when: accept_queue_full\n    say: Full.\n")) << "0s,11.5ms"
        << "";
    QTest::newRow("when: a counter") << q(runLesson(first +
                                                    "  - when: TcpExtListenOverflows >= 1\n    say: x\n"))
                                     << "0s,20.5ms"
                                     << "";
    QTest::newRow("when: a client's state")
        << q(runLesson(first + "  - when: client 1 is ESTABLISHED\n    say: x\n")) << "0s,11ms"
        << "";
    QTest::newRow("when: the server socket's state")
        << q(runLesson(first + "  - when: server socket of client 1 is SYN-RECV\n    say: x\n"))
        << "0s,10.5ms"
        << "";
    QTest::newRow("when: already true at the step before")
        << q(runLesson(first + "  - at: 500ms\n    say: x\n  - when: accept_queue >= 1\n    say: y\n"))
        << "0s,500ms,500ms"
        << "";
    QTest::newRow("when: joined with and, the first instant both hold")
        << q(runLesson(first + "  - when: accept_queue_full and TcpExtListenOverflows >= 1\n    say: x\n"))
        << "0s,20.5ms"
        << "";
    QTest::newRow("when: joined with or, the first instant either holds")
        << q(runLesson(first +
                       "  - when: (TcpExtListenOverflows >= 1 or client 1 is ESTABLISHED)\n    say: x\n"))
        << "0s,11ms"
        << "";
    QTest::newRow("when: and that never holds")
        << q(runLesson(first + "  - when: accept_queue_full and accept_queue == 0\n    say: x\n"))
        << "0s,never"
        << "11:11: step 2: `accept_queue_full and accept_queue == 0` never holds between 0s and the end of "
           "the "
           "run at 2s";
    QTest::newRow("when: two steps at one instant")
        << q(runLesson(first +
                       "  - when: accept_queue_full\n    say: x\n  - when: accept_queue >= 1\n    say: y\n"))
        << "0s,11.5ms,11.5ms"
        << "";
    QTest::newRow("when: after the step before, not before it")
        << q(runLesson(first + "  - at: 15ms\n    say: x\n  - when: clients connected >= 1\n    say: y\n"))
        << "0s,15ms,15ms"
        << "";
    QTest::newRow("when: the first instant after the step before")
        << q(runLesson(first + "  - at: 5ms\n    say: x\n  - when: clients connected >= 2\n    say: y\n"))
        << "0s,5ms,11ms"
        << "";
    QTest::newRow("when as the first step")
        << q(runLesson("  - when: accept_queue >= 1\n    say: x\n")) << "1.5ms"
        << "";
    QTest::newRow("when: never holds")
        << q(runLesson(first + "  - at: 500ms\n    say: x\n  - when: clients reset >= 1\n    say: y\n"))
        << "0s,500ms,never"
        << "13:11: step 3: `clients reset >= 1` never holds between 500ms and the end of the run at 2s";
    QTest::newRow("when: held only before the step before")
        << q(runLesson(first + "  - at: 5ms\n    say: x\n  - when: accept_queue == 0\n    say: y\n  - when: "
                               "client 0 is SYN-SENT\n    say: z\n"))
        << "0s,5ms,never,never"
        << "13:11: step 3: `accept_queue == 0` never holds between 5ms and the end of the run at 2s\n"
           "15:11: step 4: `client 0 is SYN-SENT` never holds between 5ms and the end of the run at 2s";
    QTest::newRow("a step after one that never holds")
        << q(runLesson(first + "  - when: clients reset >= 1\n    say: y\n  - at: 1s\n    say: z\n"))
        << "0s,never,1s"
        << "11:11: step 2: `clients reset >= 1` never holds between 0s and the end of the run at 2s";
    QTest::newRow("at: before a when step's moment")
        << q(runLesson(first + "  - when: accept_queue_full\n    say: x\n  - at: 10ms\n    say: y\n"))
        << "0s,11.5ms,10ms"
        << "13:5: step 3 is at 10ms, before step 2 which began at 11.5ms; steps go forward in time";
    QTest::newRow("at: past the end of the run")
        << q(runLesson(first + "  - at: 5s\n    say: x\n  - when: accept_queue >= 0\n    say: y\n"))
        << "0s,5s,never"
        << "13:11: step 3: `accept_queue >= 0` never holds between 5s and the end of the run at 2s";
    QTest::newRow("a change moves a later when step")
        << q(runLesson(first + "  - at: 5ms\n    say: x\n    set: { server.backlog: 3 }\n  - when: "
                               "accept_queue_full\n    say: y\n"))
        << "0s,5ms,31.5ms"
        << "";
}

void TestLessonReader::stepTimes() {
    QFETCH(QString, yaml);
    QFETCH(QString, times);
    QFETCH(QString, problems);
    const std::optional<Lesson> l = lessonOf(yaml.toStdString());
    QVERIFY(l);
    const LessonRun run(*l);
    QCOMPARE(stepTimesOf(run), times);
    QCOMPARE(problemsOf(run), problems);
}

// after: (issue 16): a step begins a time after an earlier one began, wherever that one fell; after a step
// that never began, never.
void TestLessonReader::anAfterStepBeginsATimeAfterAnother() {
    const std::optional<Lesson> l =
        lessonOf(runLesson("  - say: Start.\n"
                           "  - when: accept_queue_full\n    say: Full.\n"
                           "  - after: { step: 2, by: 500ms }\n    say: Later.\n"
                           "  - when: TcpExtListenOverflows >= 100\n    say: Never.\n"
                           "  - after: { step: 4, by: 1s }\n    say: Neither.\n"));
    QVERIFY(l);
    const LessonRun run(*l);
    QCOMPARE(run.stepTimes()[2], run.stepTimes()[1] + Time::ms(500));
    QVERIFY(run.stepTimes()[4].isNever());
    QVERIFY2(problemsOf(run).contains(QStringLiteral("step 5: after: step 4 never began")),
             qPrintable(problemsOf(run)));
}

// compare: (issue 16): from the step on, the other run is the lesson's scenario with the change; "b: …"
// expectations read it there, an expectation before it (or after compare: off) finds no comparison, and
// from: step keeps the run the same before the step's moment.
void TestLessonReader::aCompareStepRunsTheOtherRunAndExpectationsReadIt() {
    const std::optional<Lesson> l = lessonOf(runLesson(
        "  - say: Start.\n"
        "  - at: 100ms\n    say: Wider.\n    compare: { set: { server.backlog: 8 }, title: { a: one, b: "
        "eight } }\n"
        "  - at: 500ms\n    say: From here.\n    compare: { set: { server.backlog: 8 }, from: step }\n"
        "  - at: 1s\n    say: Done.\n    compare: off\n",
        "  - at: 200ms\n    that: \"b: accept_queue == 4\"\n"
        "  - at: 200ms\n    that: \"a: accept_queue == 2\"\n"
        "  - at: 200ms\n    that: accept_queue == 2\n"
        "  - at: 50ms\n    that: \"b: accept_queue == 4\"\n"
        "  - at: 600ms\n    that: \"b: accept_queue == 2\"\n"
        "  - at: 1500ms\n    that: \"b: accept_queue == 4\"\n"
        "  - at: 200ms\n    that: \"a: accept_queue == 2 and b: accept_queue == 4\"\n"
        "  - at: 50ms\n    that: \"accept_queue == 3 or b: accept_queue == 4\"\n"));
    QVERIFY(l);
    const StepCompare& c = *l->steps[1].compare;
    QCOMPARE(c.titleA, std::string("one"));
    QCOMPARE(c.titleB, std::string("eight"));
    QVERIFY(!c.fromStep);
    QVERIFY(l->steps[2].compare->fromStep);
    QVERIFY(l->steps[3].compare->off);
    QCOMPARE(l->expect[0].that.side, 1);
    QCOMPARE(l->expect[1].that.side, 0);
    const LessonRun run(*l);
    QVERIFY2(run.problems().empty(), qPrintable(problemsOf(run)));
    QVERIFY(!run.comparisonAt(Time::ms(50)));
    QVERIFY(run.comparisonAt(Time::ms(100)));
    QVERIFY(!run.comparisonAt(Time::s(1)));
    const std::vector<ExpectationResult> results = run.check();
    QVERIFY2(results[0].holds, results[0].found.c_str()); // backlog 8: all four clients wait
    QVERIFY2(results[1].holds, results[1].found.c_str()); // backlog 1: two (Q1: backlog + 1)
    QVERIFY2(results[2].holds, results[2].found.c_str());
    QVERIFY(!results[3].holds); // before any compare:
    QCOMPARE(results[3].found, std::string("no comparison at 50ms (a step's compare: begins one)"));
    // From the step at 500 ms: the clients had all arrived by then, so the other run still holds two.
    QVERIFY2(results[4].holds, results[4].found.c_str());
    QVERIFY(!results[5].holds); // after compare: off
    // Both runs in one condition.
    QVERIFY2(results[6].holds, results[6].found.c_str());
    QCOMPARE(results[6].found, std::string("accept_queue was 2 and b: accept_queue was 4"));
    QVERIFY(!results[7].holds);
    QCOMPARE(results[7].found,
             std::string("accept_queue was 2 or b: no comparison at 50ms (a step's compare: begins one)"));
}

// A when: step's changes follow what made its condition true by one nanosecond, so what the class is told
// about (the queue full at backlog 1) stays in the history at the step's moment.
void TestLessonReader::whenStepChangesApplyOneNanosecondAfter() {
    const std::optional<Lesson> l =
        lessonOf(runLesson("  - say: Start.\n"
                           "  - when: accept_queue_full\n    say: Full.\n    set: { server.backlog: 8 }\n"
                           "  - when: backlog == 8\n    say: Raised.\n"
                           "  - at: 100ms\n    say: Later.\n    set: { server.backlog: 16 }\n"
                           "  - when: backlog == 16\n    say: Raised again.\n"));
    QVERIFY(l);
    const LessonRun run(*l);
    QVERIFY2(run.problems().empty(), qPrintable(problemsOf(run)));
    const Time full = Time::us(11'500);
    QCOMPARE(run.stepTimes()[1], full);
    QCOMPARE(run.stepTimes()[2], full + Time::ns(1));
    // An at: step's changes apply at its moment itself.
    QCOMPARE(run.stepTimes()[3], Time::ms(100));
    QCOMPARE(run.stepTimes()[4], Time::ms(100));
    const Simulation& sim = run.simulation();
    const Condition backlog = *parseCondition("backlog == 8").condition;
    QCOMPARE(valueAt(backlog, sim, full), std::optional<std::int64_t>(1));
    QCOMPARE(valueAt(backlog, sim, full + Time::ns(1)), std::optional<std::int64_t>(8));
    QVERIFY(holdsAt(*parseCondition("accept_queue_full").condition, sim, full));
    QVERIFY(!holdsAt(*parseCondition("accept_queue_full").condition, sim, full + Time::ns(1)));
    // With backlog 8 from then on, clients 2 and 3 are no longer dropped.
    QVERIFY(holdsAt(*parseCondition("TcpExtListenOverflows == 0").condition, sim, run.end()));
    QVERIFY(holdsAt(*parseCondition("accept_queue == 4").condition, sim, run.end()));
}

// Clients held by a start: begin at the step's moment (their own at: no longer counts).
void TestLessonReader::heldClientsBeginAtTheirStep() {
    const std::optional<Lesson> l =
        lessonOf(runLesson("  - say: Start.\n  - at: 500ms\n    say: Two more.\n    start: late\n    set: { "
                           "server.backlog: 8 }\n"
                           "  - when: client 5 is ESTABLISHED\n    say: Both in.\n",
                           {}, kHeldTraffic));
    QVERIFY(l);
    const auto late = std::find_if(l->scenario.traffic.begin(), l->scenario.traffic.end(),
                                   [](const TrafficEntry& e) { return trafficEntryName(e) == "late"; });
    QVERIFY(late != l->scenario.traffic.end() && late->held);
    const LessonRun run(*l);
    QVERIFY2(run.problems().empty(), qPrintable(problemsOf(run)));
    const History& h = run.simulation().history();
    QStringList starts;
    for (const ClientRecord& c : h.clients)
        if (c.traffic == 1) starts << q(formatDuration(c.connectAt));
    QCOMPARE(starts.join(QLatin1Char(',')), QStringLiteral("500ms,501ms"));
    // Nothing of `late` before 500 ms: clients 0–3 are `a`'s.
    QCOMPARE(h.clients.size(), std::size_t{6});
    for (std::size_t i = 0; i < 4; ++i)
        QCOMPARE(h.clients[i].traffic, 0u);
    QCOMPARE(run.stepTimes()[2], Time::ms(502));
    QCOMPARE(q(backlog::describeFound(*parseCondition("client 5 is ESTAB").condition, run.simulation(),
                                      Time::ms(400))),
             QStringLiteral("client 5 was UNCONN"));
    QCOMPARE(q(backlog::describeFound(*parseCondition("client 5 is ESTAB").condition, run.simulation(),
                                      Time::ms(600))),
             QStringLiteral("client 5 was ESTAB"));
}

// A flood held by a start: begins at the step's moment and lasts as long as it was written to (to - from).
void TestLessonReader::heldFloodKeepsItsLength() {
    const std::optional<Lesson> l = lessonOf(
        runLesson("  - say: Start.\n  - at: 300ms\n    say: A flood.\n    start: [f]\n", {}, kHeldTraffic));
    QVERIFY(l);
    const LessonRun run(*l);
    QVERIFY2(run.problems().empty(), qPrintable(problemsOf(run)));
    const History& h = run.simulation().history();
    std::vector<Time> syns;
    for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
        const Packet p = h.packet(i);
        if (p.kind == PacketKind::Syn && p.toServer && isSpoofed(p.flow)) syns.push_back(p.sent);
    }
    std::sort(syns.begin(), syns.end());
    // 1000/s for 100 ms: 100 SYNs, from 300 ms to before 400 ms.
    QCOMPARE(syns.size(), std::size_t{100});
    QCOMPARE(syns.front(), Time::ms(300));
    QVERIFY2(syns.back() < Time::ms(400), qPrintable(test::show(syns.back())));
    QVERIFY2(syns.back() >= Time::ms(399), qPrintable(test::show(syns.back())));
    // What the stage says of it: the flood as it ran, not as written.
    for (std::size_t i = 0; i < run.simulation().scenario().traffic.size(); ++i) {
        const TrafficEntry e = run.simulation().trafficAsRun(i);
        if (e.kind != TrafficEntry::Kind::Flood) continue;
        QCOMPARE(e.flood.from, Time::ms(300));
        QCOMPARE(e.flood.to, Time::ms(400));
    }
}

void TestLessonReader::expectations_data() {
    QTest::addColumn<QString>("yaml");
    QTest::addColumn<QString>("results"); // per expectation: "holds|at|found" or "fails|at|found"

    const std::string steps = "  - say: Start.\n";
    QTest::newRow("at a time") << q(runLesson(steps, "  - at: 11500us\n    that: [accept_queue == 2, "
                                                     "accept_queue_full, \"client 0 is ESTABLISHED\"]\n"))
                               << "holds|11.5ms|accept_queue was 2; holds|11.5ms|accept_queue_full was true; "
                                  "holds|11.5ms|client 0 was ESTAB";
    QTest::newRow("just before")
        << q(runLesson(steps, "  - at: 11499999ns\n    that: [accept_queue == 2, accept_queue == 1]\n"))
        << "fails|11499.999us|accept_queue was 1; holds|11499.999us|accept_queue was 1";
    QTest::newRow("at end")
        << q(runLesson(steps,
                       "  - at: end\n    that: [TcpExtListenOverflows >= 2, clients connected == 4]\n"))
        << "holds|2s|TcpExtListenOverflows was 4; fails|2s|clients connected was 2";
    QTest::newRow("end follows the steps' changes")
        << q(runLesson(steps + "  - at: 1s\n    say: x\n    start: late\n    set: { server.backlog: 8 }\n",
                       "  - at: 999ms\n    that: accept_queue == 2\n  - at: end\n    that: [accept_queue == "
                       "6, clients connected == 6]\n",
                       kHeldTraffic))
        << "holds|999ms|accept_queue was 2; holds|2s|accept_queue was 6; holds|2s|clients connected was 6";
    QTest::newRow("undefined is false")
        << q(runLesson(steps, "  - at: end\n    that: [connect latency of client 3 >= 0s, connect latency of "
                              "client 0 == 1ms]\n"))
        << "fails|2s|connect latency of client 3 was undefined; holds|2s|connect latency of client 0 was 1ms";
}

void TestLessonReader::expectations() {
    QFETCH(QString, yaml);
    QFETCH(QString, results);
    const std::optional<Lesson> l = lessonOf(yaml.toStdString());
    QVERIFY(l);
    const LessonRun run(*l);
    QStringList found;
    const std::vector<ExpectationResult> checked = run.check();
    QCOMPARE(checked.size(), l->expect.size());
    for (std::size_t i = 0; i < checked.size(); ++i) {
        const ExpectationResult& r = checked[i];
        QCOMPARE(r.expectation, &run.lesson().expect[i]);
        found << QStringLiteral("%1|%2|%3")
                     .arg(QLatin1String(r.holds ? "holds" : "fails"), q(formatDuration(r.at)), q(r.found));
    }
    QCOMPARE(found.join(QStringLiteral("; ")), results);
}

void TestLessonReader::describeFound_data() {
    QTest::addColumn<QString>("condition");
    QTest::addColumn<qint64>("atNs");
    QTest::addColumn<QString>("found");

    const auto row = [](const char* condition, Time t, const char* found) {
        QTest::addRow("%s @%s", condition, formatDuration(t).c_str())
            << QString::fromUtf8(condition) << qint64(t.count()) << QString::fromUtf8(found);
    };
    row("accept_queue == 129", Time::ms(15), "accept_queue was 2");
    row("accept_queue[0] >= 1", Time::ms(1), "accept_queue[0] was 0");
    row("syn_queue > 0", Time::us(10'700), "syn_queue was 1");
    row("backlog == 4", Time::ms(1), "backlog was 1");
    row("accept_queue_full", Time::ms(5), "accept_queue_full was false");
    row("accept_queue_full", Time::ms(12), "accept_queue_full was true");
    row("listener 0 is closed", Time::ms(5),
        "listener 0 is closed was true"); // open: listener 0 "is closed" is false
    row("TcpExtListenOverflows >= 1", Time::ms(25), "TcpExtListenOverflows was 1");
    row("clients.TcpRetransSegs > 0", Time::s(2), "clients.TcpRetransSegs was 2");
    row("client 3 is ESTABLISHED", Time::ms(35), "client 3 was SYN-SENT");
    row("client 1 is SYN-SENT", Time::ms(5), "client 1 was UNCONN");
    row("server socket of client 0 is SYN-RECV", Time::us(700), "the server socket of client 0 was SYN-RECV");
    row("server socket of client 0 is SYN-RECV", Time::ms(2), "the server socket of client 0 was ESTAB");
    row("clients in SYN-SENT >= 100", Time::ms(35), "clients in SYN-SENT was 2");
    row("clients connected == 200", Time::ms(15), "clients connected was 2");
    row("clients accepted > 0", Time::s(2), "clients accepted was 0");
    row("clients slower than 1ms >= 1", Time::ms(15), "clients slower than 1ms was 0");
    row("connect latency of client 1 >= 3s", Time::ms(15), "connect latency of client 1 was 1ms");
    row("connect latency of client 3 >= 3s", Time::ms(15), "connect latency of client 3 was undefined");
    row("wasted wakeups > 0", Time::s(2), "wasted wakeups was 0");
    row("worker 0 is serving", Time::s(1), "worker 0 was not there");
    row("client 9 is ESTABLISHED", Time::s(1), "client 9 was not yet started");
    row("server socket of client 9 is ESTAB", Time::s(1),
        "the server socket of client 9 was not there (the client had not started)");
    // Joined: each part as found, joined as written.
    row("accept_queue == 129 and accept_queue_full", Time::ms(12),
        "accept_queue was 2 and accept_queue_full was true");
    row("client 3 is ESTAB or (syn_queue > 0 and backlog == 4)", Time::us(10'700),
        "client 3 was UNCONN or (syn_queue was 1 and backlog was 1)");
    row("b: accept_queue == 0", Time::ms(12), "b: no comparison at 12ms (a step's compare: begins one)");
}

void TestLessonReader::describeFound() {
    QFETCH(QString, condition);
    QFETCH(qint64, atNs);
    QFETCH(QString, found);
    // The run of kRunHead without steps: nothing held, backlog 1, nobody accepts.
    static const std::unique_ptr<LessonRun> run = [] {
        const std::optional<Lesson> l = lessonOf(runLesson("  - say: Start.\n"));
        return l ? std::make_unique<LessonRun>(*l) : nullptr;
    }();
    QVERIFY(run);
    const ParsedCondition parsed = parseCondition(condition.toStdString());
    QVERIFY2(parsed.condition, parsed.error.message.c_str());
    QCOMPARE(q(backlog::describeFound(*parsed.condition, run->simulation(), Time::ns(atNs))), found);
}

void TestLessonReader::aJoinedConditionHoldsWhereItsPartsDo_data() {
    QTest::addColumn<QString>("condition");
    QTest::newRow("and") << "accept_queue_full and TcpExtListenOverflows >= 2";
    QTest::newRow("or") << "client 2 is ESTAB or server socket of client 3 is SYN-RECV";
    QTest::newRow("and of or") << "(syn_queue > 0 or accept_queue >= 2) and clients in SYN-SENT >= 1";
    QTest::newRow("or of and") << "syn_queue > 0 and clients connected >= 2 or TcpExtListenDrops >= 3";
    QTest::newRow("never") << "accept_queue_full and accept_queue == 0";
}

// Read at every instant anything changed (and between): a joined condition holds exactly where its parts,
// read one by one, say it does; the first instant it holds from any moment is the first such instant.
void TestLessonReader::aJoinedConditionHoldsWhereItsPartsDo() {
    QFETCH(QString, condition);
    const std::optional<Lesson> l = lessonOf(runLesson("  - say: Start.\n"));
    QVERIFY(l);
    const LessonRun run(*l);
    const Simulation& sim = run.simulation();
    const Condition c = *parseCondition(condition.toStdString()).condition;
    QVERIFY(c.joined());
    const std::function<bool(const Condition&, Time)> byParts = [&](const Condition& part, Time t) {
        if (!part.joined()) return holdsAt(part, sim, t);
        const auto holds = [&](const Condition& p) { return byParts(p, t); };
        return part.join == Condition::Join::And ? std::all_of(part.parts.begin(), part.parts.end(), holds)
                                                 : std::any_of(part.parts.begin(), part.parts.end(), holds);
    };
    std::vector<Time> instants{Time()};
    for (Time t = Time(); t <= Time::ms(60); t = t + Time::us(250))
        for (Time d : {Time(), Time::ns(1), Time::us(125)})
            instants.push_back(t + d);
    instants.push_back(sim.history().end);
    std::sort(instants.begin(), instants.end());
    for (Time t : instants)
        QVERIFY2(holdsAt(c, sim, t) == byParts(c, t), formatDuration(t).c_str());
    for (Time from : {Time(), Time::ms(5), Time::ms(11), Time::ms(30)}) {
        const Time first = firstTimeHolding(c, sim, from);
        if (first.isNever()) {
            for (Time t : instants)
                QVERIFY2(t < from || !byParts(c, t), formatDuration(t).c_str());
            continue;
        }
        QVERIFY(first >= from);
        QVERIFY(byParts(c, first));
        for (Time t : instants)
            QVERIFY2(t < from || t >= first || !byParts(c, t), formatDuration(t).c_str());
    }
}

// ---- What can never happen (LessonAudit.h) ---------------------------------------------------------

void TestLessonReader::audit_data() {
    QTest::addColumn<QString>("yaml");
    QTest::addColumn<QString>("findings"); // "LINE:COL: message", one a line

    // With kHeldTraffic: `steps:` is line 11, the first step line 12; 4 clients (0–3) until a step starts
    // `late` (4 and 5), one listener, no worker; the run ends at `until: 2s`.
    const std::string first = "  - say: Start.\n";
    const auto run = [](const std::string& steps, const std::string& expect = {}) {
        return q(runLesson(steps, expect, kHeldTraffic));
    };
    // An entry that starts after `until`: its clients are in the scenario (the reader counts them), never in
    // the run. `steps:` is line 10, the first step line 11.
    const auto later = [](const std::string& steps, const std::string& expect = {}) {
        return q(runLesson(steps, expect, "    - { name: later, clients: 2, at: 3s }\n"));
    };
    QTest::newRow("what exists")
        << run("  - say: Start.\n    highlight: [client 3, listener 0, accept-queue, syn-queue 0, clients, "
               "SYN]\n"
               "  - when: client 3 is ESTABLISHED\n    say: x\n",
               "  - at: 2s\n    that:\n      - client 0 is ESTABLISHED\n      - accept_queue[0] >= 0\n")
        << "";
    QTest::newRow("highlight: a client of an entry that starts after until")
        << later("  - say: Start.\n    highlight: client 5\n")
        << "12:16: highlight: client 5: client 5 never exists: the run has 4 clients (0 to 3)";
    QTest::newRow("highlight: a client a step starts")
        << run("  - say: Start.\n    start: late\n    highlight: client 5\n") << "";
    QTest::newRow("zoom: a worker the run never has")
        << run(first + "  - at: 1s\n    say: x\n    zoom: worker 0\n")
        << "15:11: zoom: worker 0: worker 0 never exists: the run has no worker";
    QTest::newRow("a worker a step adds")
        << run(first +
               "  - at: 1s\n    say: x\n    set: { server.workers.count: 2 }\n  - at: 1.5s\n    say: y\n"
               "    highlight: worker 1\n")
        << "";
    QTest::newRow("highlight: a queue of a listener the run never has")
        << run("  - say: Start.\n    highlight: [syn-queue 1, listener 2]\n")
        << "13:17: highlight: syn-queue 1: listener 1 never exists: the run has one listener (listener 0)\n"
           "13:30: highlight: listener 2: listener 2 never exists: the run has one listener (listener 0)";
    QTest::newRow("when: a client of an entry that starts after until")
        << later(first + "  - when: client 4 is ESTABLISHED\n    say: x\n")
        << "12:11: when: `client 4 is ESTABLISHED` can never hold: client 4 never exists: the run has 4 "
           "clients (0 "
           "to 3)";
    QTest::newRow("when: joined with and, one part never")
        << later(first + "  - when: accept_queue_full and client 4 is ESTABLISHED\n    say: x\n")
        << "12:11: when: `accept_queue_full and client 4 is ESTABLISHED` can never hold: client 4 never "
           "exists: "
           "the run has 4 clients (0 to 3)";
    QTest::newRow("when: joined with or, one part never") // the other part can hold
        << later(first + "  - when: accept_queue_full or client 4 is ESTABLISHED\n    say: x\n") << "";
    QTest::newRow("that: a client of an entry that starts after until")
        << later(first, "  - { at: 1s, that: client 5 is SYN-SENT }\n")
        << "13:21: that: `client 5 is SYN-SENT` can never hold: client 5 never exists: the run has 4 clients "
           "(0 to 3)";
    QTest::newRow("a step after until")
        << run(first + "  - at: 3s\n    say: x\n")
        << "13:5: step 2 is at 3s, after the run ends (until: 2s); the class never "
           "reaches it";
    QTest::newRow("a step at until") << run(first + "  - at: 2s\n    say: x\n") << "";
    QTest::newRow("an expectation after until") << run(first, "  - { at: 2.5s, that: accept_queue >= 0 }\n")
                                                << "14:23: `accept_queue >= 0` is expected at 2.5s, after "
                                                   "the run ends (until: 2s): the run never gets there";
    QTest::newRow("an expectation at the end")
        << run(first, "  - { at: end, that: accept_queue >= 0 }\n") << "";
    QTest::newRow("a held entry started twice")
        << run("  - say: Start.\n    start: late\n  - at: 1s\n    say: x\n    start: [f, late]\n")
        << "16:16: start: late is already started (line 13); a held traffic entry starts once";
    QTest::newRow("a held entry started twice by one step")
        << run("  - say: Start.\n    start: [late, late]\n")
        << "13:19: start: late is already started (line 13); a held traffic entry starts once";
}

void TestLessonReader::audit() {
    QFETCH(QString, yaml);
    QFETCH(QString, findings);
    const std::optional<Lesson> l = lessonOf(yaml.toStdString());
    QVERIFY(l);
    const LessonRun run(*l);
    QStringList found;
    for (const LessonProblem& p : auditLesson(run))
        found << QStringLiteral("%1:%2: %3").arg(p.place.line).arg(p.place.column).arg(q(p.message));
    QCOMPARE(found.join(QLatin1Char('\n')), findings);
}

QTEST_APPLESS_MAIN(TestLessonReader)
#include "tst_lessonreader.moc"
