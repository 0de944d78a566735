#include "model/lesson/LessonGuide.h"

#include "model/lesson/LessonAudit.h"
#include "model/lesson/LessonFacts.h"
#include "model/lesson/LessonKeys.h"
#include "model/lesson/LessonReader.h"
#include "model/lesson/LessonRun.h"
#include "model/scenario/Settings.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace backlog {

namespace {

// A small lesson that passes: six clients, a listener with backlog 4 that nobody accepts from. Each
// rule's example changes a line of it. One line a top-level key, so that an example replaces a line.
const char* const skeleton = "format: backlog-lesson/1\n"
                             "title: Rules\n"
                             "scenario: { server: { backlog: 4, workers: { count: 0 } }, "
                             "traffic: [ { name: burst, clients: 6, spacing: 10ms } ], until: 5s }\n"
                             "steps: [ { at: 0s, say: Six clients meet a listener with backlog 4. } ]\n"
                             "expect: [ { at: end, that: accept_queue == 5 } ]\n";

const std::vector<LessonRule> rules{
    {RuleStage::Reading, "the file is a YAML map", "FILE:- just a list",
     "expected a lesson: a map with format"},
    {RuleStage::Reading, "the file says its format first", "-format", "expected format: backlog-lesson/1"},
    {RuleStage::Reading, "the format is this one's", "format: lesson/1", "format: expected backlog-lesson/1"},
    {RuleStage::Reading, "a newer format needs a newer Backlog", "format: backlog-lesson/9",
     "this lesson is written for format version 9"},
    {RuleStage::Reading, "every key is known (a close one is suggested)", "titel: A queue",
     "unknown key titel in a lesson; did you mean title?"},
    {RuleStage::Reading, "no key twice in one map", "steps: [ { at: 0s, say: a, say: b } ]",
     "duplicate key say"},
    {RuleStage::Reading, "a lesson has a title", "-title", "expected title:"},
    {RuleStage::Reading, "a lesson has a scenario", "-scenario", "expected scenario:"},
    {RuleStage::Reading, "a lesson has steps", "-steps", "expected steps:"},
    {RuleStage::Reading, "steps are a list", "steps: { at: 0s, say: a }", "steps: expected a list of steps"},
    {RuleStage::Reading, "there is at least one step", "steps: []", "steps: expected at least one step"},
    {RuleStage::Reading, "level is one of three", "level: expert",
     "level: expected beginner, intermediate or advanced"},
    {RuleStage::Reading, "minutes are whole, 1 to 600", "minutes: 0",
     "minutes: expected an integer from 1 to 600"},
    {RuleStage::Reading, "speed is paced or a factor from 0.0001 to 100", "speed: 1000",
     "speed: expected paced or a factor from 0.0001 to 100"},
    {RuleStage::Reading, "a text is not empty", "summary: \"\"", "summary: expected text, got nothing"},
    {RuleStage::Reading, "a text keeps to the Markdown subset", "summary: \"**Strong** and **not closed\"",
     "** (strong) is opened here and not closed"},
    {RuleStage::Reading, "the scenario is a map", "scenario: 5",
     "scenario: expected a map of kernel, network, server and traffic settings"},
    {RuleStage::Reading, "the scenario's keys are the scenario vocabulary",
     "scenario: { server: { backlgo: 4 } }", "unknown key backlgo in server; did you mean backlog?"},
    {RuleStage::Reading, "a value is within its key's range", "scenario: { server: { backlog: 99999999 } }",
     "more than the limit of 16777216"},
    {RuleStage::Reading, "a sysctl exists in the profile chosen",
     "scenario: { kernel: { version: \"4.15\", net.ipv4.tcp_migrate_req: 1 } }",
     "does not have this setting (it appeared in 5.14)"},
    {RuleStage::Reading, "requests (ab -n) needs concurrency (ab -c)",
     "scenario: { traffic: [ { name: ab, requests: 10 } ] }", "it needs concurrency"},
    {RuleStage::Reading, "a step is a map", "steps: [ hello ]", "expected a step such as"},
    {RuleStage::Reading, "a step begins in one way only",
     "steps: [ { at: 0s, when: accept_queue_full, say: a } ]", "only one of them"},
    {RuleStage::Reading, "a step after the first says when it begins",
     "steps: [ { at: 0s, say: a }, { say: b } ]", "step 2: expected at: TIME, when: CONDITION or after:"},
    {RuleStage::Reading, "a step says something (or asks)", "steps: [ { at: 0s, title: Start } ]",
     "step 1: expected say:"},
    {RuleStage::Reading, "at: times go forward", "steps: [ { at: 2s, say: a }, { at: 1s, say: b } ]",
     "is before an earlier step's 2s"},
    {RuleStage::Reading, "a time has a unit", "steps: [ { at: 5, say: a } ]",
     "at: expected a duration such as 40us, 3s, 2min"},
    {RuleStage::Reading, "a time is within a day", "steps: [ { at: 1441min, say: a } ]",
     "more than the limit of"},
    {RuleStage::Reading, "after: counts from an earlier step",
     "steps: [ { at: 0s, say: a }, { after: { step: 2, by: 1s }, say: b } ]",
     "after: step 2 is not an earlier step"},
    {RuleStage::Reading,
     "after: has both step: and by:", "steps: [ { at: 0s, say: a }, { after: { step: 1 }, say: b } ]",
     "after: expected both step: N and by: TIME"},
    {RuleStage::Reading, "a condition is well formed",
     "steps: [ { at: 0s, say: a }, { when: accept_queue >, say: b } ]", "when: expected a number"},
    {RuleStage::Reading, "and/or join two whole conditions",
     "steps: [ { at: 0s, say: a }, { when: accept_queue_full and, say: b } ]",
     "when: expected a condition after and"},
    {RuleStage::Reading, "parentheses are closed",
     "steps: [ { at: 0s, say: a }, { when: \"(accept_queue_full or syn_queue > 0\", say: b } ]",
     "expected ) to close the ( at character 1"},
    {RuleStage::Reading, "a condition names a counter nstat prints",
     "steps: [ { at: 0s, say: a }, { when: TcpExtListenOverflow > 0, say: b } ]", "TcpExtListenOverflow"},
    {RuleStage::Reading, "a when: reads the lesson's own run",
     "steps: [ { at: 0s, say: a }, { when: \"b: accept_queue > 0\", say: b } ]",
     "the other run (b:) is read by expectations only"},
    {RuleStage::Reading, "a condition names a client the scenario has",
     "expect: [ { at: end, that: client 9 is ESTABLISHED } ]", "client 9 does not exist: the scenario has 6"},
    {RuleStage::Reading, "set: is a map of settings", "steps: [ { at: 0s, say: a, set: 4 } ]",
     "set: expected a map of settings"},
    {RuleStage::Reading, "set: keys are scenario keys",
     "steps: [ { at: 0s, say: a, set: { server.backlgo: 8 } } ]", "did you mean server.backlog?"},
    {RuleStage::Reading, "set: values are within range",
     "steps: [ { at: 0s, say: a, set: { server.backlog: lots } } ]", "server.backlog: expected an integer"},
    {RuleStage::Reading, "set: cannot change what describes the whole run",
     "steps: [ { at: 0s, say: a, set: { seed: 2 } } ]",
     "seed cannot change during a run; set it in the scenario"},
    {RuleStage::Reading, "start: names a traffic entry", "steps: [ { at: 0s, say: a, start: nobody } ]",
     "start: the scenario has no traffic entry named nobody"},
    {RuleStage::Reading, "close-listener: names a listener",
     "steps: [ { at: 0s, say: a, close-listener: 3 } ]", "close-listener: there is no listener 3"},
    {RuleStage::Reading, "pause: is true or false", "steps: [ { at: 0s, say: a, pause: yes } ]",
     "pause: expected true or false"},
    {RuleStage::Reading, "a highlight names a target", "steps: [ { at: 0s, say: a, highlight: stage } ]",
     "expected accept-queue, syn-queue, listener N"},
    {RuleStage::Reading, "client, worker and listener need a number",
     "steps: [ { at: 0s, say: a, highlight: client } ]", "client: expected a number after it"},
    {RuleStage::Reading, "zoom: is one target", "steps: [ { at: 0s, say: a, zoom: [ client 0, client 1 ] } ]",
     "zoom: expected one target"},
    {RuleStage::Reading, "view: names a view", "steps: [ { at: 0s, say: a, view: terminal } ]",
     "view: expected one of stage, event-log"},
    {RuleStage::Reading, "a page belongs to its view",
     "steps: [ { at: 0s, say: a, view: kernel-tools/top } ]", "expected a page of kernel-tools"},
    {RuleStage::Reading, "only kernel-tools and charts have pages",
     "steps: [ { at: 0s, say: a, view: stage/left } ]", "stage has no pages"},
    {RuleStage::Reading, "a question is a map", "steps: [ { at: 0s, say: a, question: \"Why?\" } ]",
     "question: expected a map with ask:"},
    {RuleStage::Reading, "a question asks",
     "steps: [ { at: 0s, say: a, question: { number: 5, explain: b } } ]", "question: expected ask:"},
    {RuleStage::Reading, "a question explains",
     "steps: [ { at: 0s, say: a, question: { ask: \"How many?\", number: 5 } } ]",
     "question: expected explain:"},
    {RuleStage::Reading, "choices: or number:, not both",
     "steps: [ { at: 0s, say: a, question: { ask: q, number: 5, choices: [x, y], answer: 1, explain: e } } ]",
     "not both"},
    {RuleStage::Reading, "reveal: is after-answer or always",
     "steps: [ { at: 0s, say: a, question: { ask: q, number: 5, explain: e, reveal: later } } ]",
     "reveal: expected after-answer"},
    {RuleStage::Reading, "at least two choices",
     "steps: [ { at: 0s, say: a, question: { ask: q, choices: [x], answer: 1, explain: e } } ]",
     "choices: expected a list of at least two answers"},
    {RuleStage::Reading, "at most eight choices",
     "steps: [ { at: 0s, say: a, question: { ask: q, choices: [a, b, c, d, e, f, g, h, i], answer: 1, "
     "explain: e } } ]",
     "more than the limit of 8 choices"},
    {RuleStage::Reading, "choices: need answer:",
     "steps: [ { at: 0s, say: a, question: { ask: q, choices: [x, y], explain: e } } ]",
     "question: expected answer:"},
    {RuleStage::Reading, "answer: is a choice's number",
     "steps: [ { at: 0s, say: a, question: { ask: q, choices: [x, y], answer: 3, explain: e } } ]",
     "answer: expected the number of the right choice, from 1 to 2"},
    {RuleStage::Reading, "a number question has no answer:",
     "steps: [ { at: 0s, say: a, question: { ask: q, number: 5, answer: 1, explain: e } } ]",
     "a number question gives its answer as number:"},
    {RuleStage::Reading, "tolerance: is not negative",
     "steps: [ { at: 0s, say: a, question: { ask: q, number: 5, tolerance: -1, explain: e } } ]",
     "tolerance: expected a non-negative number"},
    {RuleStage::Reading, "compare: is off or a map", "steps: [ { at: 0s, say: a, compare: on } ]",
     "compare: expected off, or"},
    {RuleStage::Reading, "compare: changes something",
     "steps: [ { at: 0s, say: a, compare: { title: Other } } ]", "compare: expected set:"},
    {RuleStage::Reading, "compare: from: is start or step",
     "steps: [ { at: 0s, say: a, compare: { set: { server.backlog: 8 }, from: now } } ]",
     "compare: from: expected start"},
    {RuleStage::Reading, "a comparison from the step keeps the whole-run settings",
     "steps: [ { at: 0s, say: a, compare: { set: { kernel.version: \"5.4\" }, from: step } } ]",
     "cannot change during a run; compare from: start to change it"},
    {RuleStage::Reading, "expect: is a list", "expect: { at: end, that: accept_queue == 5 }",
     "expect: expected a list"},
    {RuleStage::Reading, "an expectation is a map", "expect: [ 5 ]", "expected an expectation such as"},
    {RuleStage::Reading, "an expectation says when", "expect: [ { that: accept_queue == 5 } ]",
     "expectation: expected at:"},
    {RuleStage::Reading, "an expectation says what", "expect: [ { at: end } ]",
     "expectation: expected that:"},
    {RuleStage::Running, "a when: step's condition holds at some point",
     "steps: [ { at: 0s, say: a }, { when: TcpExtListenOverflows > 100, say: b } ]",
     "never holds between 0s and the end of the run"},
    {RuleStage::Running, "after: counts from a step that began",
     "steps: [ { at: 0s, say: a }, { when: TcpExtListenOverflows > 100, say: b }, { after: { step: 2, by: 1s "
     "}, say: c } ]",
     "after: step 2 never began"},
    {RuleStage::Running, "a step after: another does not go back in time",
     "steps: [ { at: 0s, say: a }, { at: 3s, say: b }, { after: { step: 1, by: 1s }, say: c } ]",
     "begins at 1s, before step 2"},
    {RuleStage::Audit, "a step comes before until:", "steps: [ { at: 0s, say: a }, { at: 9s, say: b } ]",
     "after the run ends (until: 5s); the class never reaches it"},
    {RuleStage::Audit, "an expectation comes before until:",
     "expect: [ { at: 9s, that: accept_queue == 5 } ]", "is expected at 9s, after the run ends"},
    {RuleStage::Audit, "a highlight names what the run has",
     "steps: [ { at: 0s, say: a, highlight: worker 0 } ]", "worker 0 never exists: the run has no worker"},
    {RuleStage::Audit, "a condition names what the run has (after set:)",
     "steps: [ { at: 0s, say: a, set: { traffic.burst.clients: 2 } } ]\nexpect: [ { at: end, that: client 4 "
     "is SYN-SENT } ]",
     "client 4 never exists: the run has 2 clients"},
    {RuleStage::Audit, "a held entry starts once",
     "scenario: { server: { backlog: 4, workers: { count: 0 } }, traffic: [ { name: burst, clients: 6, "
     "spacing: 10ms }, { name: late, clients: 1 } ], until: 5s }\nsteps: [ { at: 0s, say: a, start: late }, "
     "{ at: 1s, say: b, start: late } ]",
     "start: late is already started"},
    {RuleStage::Audit, "every expectation holds", "expect: [ { at: end, that: accept_queue == 4 } ]",
     "expected `accept_queue == 4` at the end (5 s); accept_queue was 5"},
};

// The worked example: "Why did my server stop answering?", grown a stage at a time. Each stage is a
// whole lesson (the guide shows it so, and the tests check each); they are put together from the pieces
// below, so that a piece is written once.
namespace example {
const std::string head = R"yaml(format: backlog-lesson/1
title: Why did my server stop answering?
summary: Forty clients, two slow workers and a small backlog; what tuning the backlog changes, and what not.
level: beginner
minutes: 10
scenario:
  network: { rtt: 2ms }
  server:
    backlog: 8
    workers: { count: 2, service: 500ms }
  traffic:
    - { name: rush, clients: 40, spacing: 10ms }
  until: 30s
steps:
)yaml";
const std::string rush = R"yaml(  - title: The rush
    say: |
      Forty clients call `connect()`, one every 10 ms. Two workers take half a second
      over each connection, and the server called `listen(fd, 8)`.
)yaml";
const std::string full = R"yaml(  - when: accept_queue_full
    title: Full
    say: "The accept queue holds **nine**: one more than the backlog."
    highlight: accept-queue
    pause: true
    question:
      ask: How many connections wait to be accepted now?
      number: 9
      unit: connections
      explain: The queue is full only when it holds *more* than the backlog (`backlog + 1`).
)yaml";
const std::string dropped = R"yaml(  - when: TcpExtListenOverflows >= 1
    title: Dropped, silently
    say: |
      The next SYN finds the queue full and is dropped. No RST is sent: the client
      waits and sends its SYN again a second later.
    view: kernel-tools/nstat
    notes: Ask the class what the client sees before showing the counter.
)yaml";
const std::string bigger = R"yaml(  - at: 2s
    title: A bigger backlog?
    say: |
      The same rush with `listen(fd, 64)`, side by side. Nothing is dropped now, but
      the workers are no faster: the connections just wait in the queue instead.
    compare: { set: { server.backlog: 64 }, title: backlog 64 }
)yaml";
const std::string overflows = R"yaml(expect:
  - at: end
    that: TcpExtListenOverflows > 0
)yaml";
const std::string nine = R"yaml(  - at: 400ms
    that: accept_queue == 9
)yaml";
const std::string evidence = R"yaml(  - at: 400ms
    that: [accept_queue == 9, clients in SYN-SENT > 0]
  - at: end
    that: clients slower than 1s >= 1
)yaml";
const std::string whatIf = R"yaml(expect:
  - at: end
    that: "a: TcpExtListenOverflows > 0 and b: TcpExtListenOverflows == 0"
)yaml";
const std::string everyoneIn = R"yaml(  - at: end
    that: "b: clients accepted == 40"
)yaml";
} // namespace example

const std::vector<GuideStage> stages{
    {"A scenario and one step",
     "The smallest lesson: `format`, `title`, a `scenario` and one step. The first step begins at `0s` "
     "unless it says otherwise, and every step says something. `summary`, `level` and `minutes` are for the "
     "lesson library.",
     example::head + example::rush},
    {"An expectation makes it a test",
     "`expect:` lists what must hold, and when. `backlog check` now fails if the rush ever stops overflowing "
     "the queue, say after someone raises the backlog in the scenario.",
     example::head + example::rush + example::overflows},
    {"A step that waits for a moment",
     "`when:` begins a step the first instant its condition holds: the class sees the queue at the moment it "
     "fills. `pause: true` stops playback there, and the question waits for an answer. A second expectation "
     "pins down the number the question asks for.",
     example::head + example::rush + example::full + example::overflows + example::nine},
    {"Show the evidence",
     "A step can bring a view to the front, here the nstat page of Kernel Tools. `notes:` are for the "
     "teacher's screen only. An expectation can list several conditions.",
     example::head + example::rush + example::full + example::dropped + example::overflows +
         example::evidence},
    {"Tuning: the what-if",
     "`compare:` runs the lesson's scenario again with a change, beside the lesson's own run. Expectations "
     "read either run with `a:` and `b:`: a backlog of 64 ends the drops, and every client gets in, but not "
     "sooner.",
     example::head + example::rush + example::full + example::dropped + example::bigger + example::whatIf +
         example::evidence + example::everyoneIn},
};

} // namespace

const std::vector<GuideStage>& workedExample() {
    return stages;
}

const std::vector<LessonRule>& lessonRules() {
    return rules;
}

const char* ruleSkeleton() {
    return skeleton;
}

namespace {

std::vector<std::string> linesOf(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

std::string keyOf(const std::string& line) {
    return line.substr(0, line.find(':'));
}

} // namespace

std::string ruleExampleLesson(const LessonRule& rule) {
    const std::string example = rule.example;
    if (example.starts_with("FILE:")) return example.substr(5) + "\n";
    std::vector<std::string> lines = linesOf(skeleton);
    for (const std::string& change : linesOf(example)) {
        const bool remove = change.starts_with("-");
        const std::string key = remove ? change.substr(1) : keyOf(change);
        const auto found =
            std::find_if(lines.begin(), lines.end(), [&](const std::string& l) { return keyOf(l) == key; });
        if (remove) {
            if (found != lines.end()) lines.erase(found);
        } else if (found != lines.end()) {
            *found = change;
        } else {
            lines.insert(lines.begin() + 2, change); // after format and title, where a reader looks
        }
    }
    std::string out;
    for (const std::string& line : lines)
        out += line + "\n";
    return out;
}

std::vector<std::string> checkLessonText(const std::string& text) {
    std::vector<std::string> out;
    const LessonReadResult read = readLessonText(text, "lesson.yaml");
    for (const ReadError& e : read.errors)
        out.push_back(e.message);
    if (!read.lesson) return out;
    // As `backlog check` does (app/cli/CommandLine.cpp checkLesson): the run's problems, the audit's
    // findings, then the expectations that do not hold.
    const LessonRun run(*read.lesson);
    for (const LessonProblem& p : run.problems())
        out.push_back(p.message);
    for (const LessonProblem& p : auditLesson(run))
        out.push_back(p.message);
    for (const ExpectationResult& r : run.check()) {
        if (r.holds) continue;
        const Expectation& e = *r.expectation;
        // Worded as app/cli/CommandLine.cpp checkLesson() words it.
        const auto seconds = [](Time t) { return formatSecondsTrimmed(t) + " s"; };
        out.push_back("expected `" + e.that.text + "` at " +
                      (e.at ? seconds(*e.at) : "the end (" + seconds(r.at) + ")") + "; " + r.found);
    }
    return out;
}

namespace {

// `text` as inline code, with a longer fence when it holds a backquote.
std::string code(const std::string& text) {
    if (text.find('`') == std::string::npos) return "`" + text + "`";
    return "`` " + text + " ``";
}

std::string orNone(const std::string& text) {
    return text.empty() ? "—" : code(text);
}

// Seconds with `decimals` decimals, rounded half up: "1.01".
std::string secondsText(Time t, int decimals) {
    std::int64_t unit = 1'000'000'000;
    for (int i = 0; i < decimals; ++i)
        unit /= 10;
    const std::int64_t n = (t.count() + unit / 2) / unit;
    std::int64_t scale = 1;
    for (int i = 0; i < decimals; ++i)
        scale *= 10;
    std::string fraction = std::to_string(n % scale);
    fraction.insert(0, static_cast<std::size_t>(decimals) - fraction.size(), '0');
    return std::to_string(n / scale) + (decimals > 0 ? "." + fraction : "");
}

std::string timesText(const std::vector<Time>& times) {
    std::string out;
    for (const Time t : times)
        out += (out.empty() ? "" : ", ") + secondsText(t, 2);
    return out.empty() ? "none" : out;
}

void introduction(std::ostream& out) {
    out << "# Writing a lesson\n\n"
           "<!-- Generated by `backlog guide` from the code it describes (model/lesson/LessonGuide.cpp, "
           "LessonKeys.cpp, LessonFacts.cpp). Do not edit: change the code, then run "
           "`backlog guide > docs/lesson-guide.md`. The test model.lesson.tst_lessonguide fails while the "
           "two "
           "differ. -->\n\n"
           "A lesson is a YAML file: a scenario (what is simulated), steps (what the class sees and hears, "
           "in "
           "order) and expectations (what must hold, which makes the lesson a test). This guide lists every "
           "key with its default, the timer figures a lesson's times depend on, every rule `backlog check` "
           "enforces, and ends with a lesson built step by step. The tables, figures and messages below are "
           "produced by the code they describe: the key tables are the lists the reader accepts, the timer "
           "figures are runs of the model, and each rule's message is what `backlog check` printed for its "
           "example.\n\n"
           "`backlog check FILE` reads a lesson, places its steps on a run and checks its expectations: exit "
           "status 0 when all is well, 1 when a step cannot be placed, something can never happen or an "
           "expectation does not hold, 2 when the file is not a valid lesson. The conditions `when:` and "
           "`that:` take are described in the README (\"Lesson files\", Conditions).\n\n";
}

void lessonKeyTables(std::ostream& out) {
    out << "## Keys\n\n"
           "Every map of a lesson file and the keys it allows; any other key is an error (with a suggestion "
           "when it is close to one). A default of — means nothing: the key left out adds nothing.\n";
    for (const LessonMap map : {LessonMap::Lesson, LessonMap::Step, LessonMap::Question, LessonMap::Compare,
                                LessonMap::CompareTitle, LessonMap::After, LessonMap::Expectation}) {
        out << "\n### " << lessonMapName(map)
            << "\n\n| key | value | default | meaning |\n|---|---|---|---|\n";
        for (const LessonKeyDoc& doc : lessonKeyDocs()) {
            if (doc.map != map) continue;
            const std::string def = lessonKeyDefault(doc);
            out << "| `" << doc.name << "` | " << doc.values << " | " << (doc.read ? orNone(def) : def)
                << " | " << doc.meaning << " |\n";
        }
    }
    out << "\n";
}

// The scenario's settings, their defaults read from a scenario the reader made of nothing but one clients
// entry and one flood (so the traffic keys have values too).
void scenarioKeyTable(std::ostream& out, const std::vector<std::string>& clientHost) {
    const ReadResult read =
        readScenarioText("traffic: [ { name: NAME }, { name: FLOOD, flood: { rate: 1000/s } } ]\n", "guide");
    const Scenario scenario = read.scenario.value_or(Scenario{});
    out << "## The scenario\n\n"
           "`scenario:` holds exactly the vocabulary of a scenario file (README, \"Scenario files\"); the "
           "same "
           "dotted keys are what a step's `set:` and a comparison's `set:` change. Sysctls are written under "
           "`kernel:` (`kernel: { net.core.somaxconn: 128 }`); the others as nested maps (`server: { "
           "workers: "
           "{ count: 2 } }`). Defaults are those of kernel "
        << scenario.kernel.profile.name
        << ", the default profile; the profiles' own defaults are listed after the table. A key marked "
           "**clients too** also changes what the clients' host does (see below).\n\n"
           "| key | value | default | meaning |\n|---|---|---|---|\n";
    for (const SettingValue& v : settingValues(scenario)) {
        std::string key = v.key;
        if (key.starts_with("traffic.FLOOD.")) key = "traffic.NAME." + key.substr(14);
        const bool both = std::find(clientHost.begin(), clientHost.end(), key) != clientHost.end();
        out << "| `" << key << "` | " << expectedValue(v.key) << " | "
            << orNone(v.text == "none" ? "" : v.text) << " | " << scenarioKeyMeaning(key)
            << (both ? " (**clients too**)" : "") << " |\n";
    }
    out << "| `server.workers.service` | " << expectedValue("server.workers.service") << " | — | "
        << scenarioKeyMeaning("server.workers.service") << " |\n";
    out << "\nThe keys a scenario writes as lists and maps of their own:\n\n"
           "| key | value | default | meaning |\n|---|---|---|---|\n";
    for (const StructuredKeyDoc& doc : scenarioStructuredKeys())
        out << "| `" << doc.key << "` | " << doc.values << " | " << (*doc.defaultText ? doc.defaultText : "—")
            << " | " << scenarioKeyMeaning(doc.key) << " |\n";
    out << "\n";
}

void profileDefaults(std::ostream& out) {
    out << "Each `kernel.version` brings its own defaults for the sysctls not written in the file:\n\n"
           "| profile | net.core.somaxconn | net.ipv4.tcp_syn_linear_timeouts |\n|---|---|---|\n";
    for (const KernelProfile& profile : kernelProfiles()) {
        const KernelSettings k = KernelSettings::defaultsFor(profile);
        out << "| " << profile.name << " | " << k.somaxconn << " | "
            << (profile.hasLinearSynTimeouts ? std::to_string(k.tcpSynLinearTimeouts)
                                             : std::string("(not in this kernel)"))
            << " |\n";
    }
    out << "\n";
}

void clientFacts(std::ostream& out, const std::vector<std::string>& clientHost) {
    out << "### The clients' host\n\n"
           "The model's clients run under the same `kernel:` section as the server. Changing each kernel "
           "setting in a run whose server never answers shows which ones the clients follow: ";
    for (std::size_t i = 0; i < clientHost.size(); ++i)
        out << (i == 0 ? "" : i + 1 == clientHost.size() ? " and " : ", ") << "`" << clientHost[i] << "`";
    out << ". So a lesson that lowers `net.ipv4.tcp_syn_retries` shortens the clients' patience too; the "
           "others (somaxconn, the SYN queue, cookies, SYN-ACK retries …) are the server's alone. The "
           "clients' "
           "counters are read as `clients.TcpRetransSegs` in conditions.\n\n"
           "### What a clients entry does by default\n\n"
           "A traffic entry with nothing but a name (`- { name: c }`) is:";
    for (const auto& [key, value] : defaultClientEntry())
        out << " `" << key << ": " << value << "`,";
    out << " so **clients send a request by default** (`send: true`): each client sends one data segment "
           "once connected, which waits in the child socket until a worker accepts it (`send: false` for a "
           "handshake alone).\n\n";
}

void timerFacts(std::ostream& out) {
    out << "## Timers: what the model does\n\n"
           "Each figure below is read from a run of the model (seed 1, the profile's default sysctls): a "
           "client whose SYNs are all lost, and a client whose final ACK is always lost. Times are seconds "
           "from the client's `connect()` (SYNs) and from the server's first SYN-ACK (SYN-ACKs), so a "
           "lesson's `at:` and `when:` can be placed against them (KERNEL.md T1, T6).\n\n"
           "| profile | tcp_syn_retries | linear timeouts | SYN resent at | connect() fails at | "
           "tcp_synack_retries | SYN-ACK resent at | request dropped at "
           "|\n|---|---|---|---|---|---|---|---|\n";
    for (const ProfileSchedule& p : profileSchedules())
        out << "| " << p.profile << " | " << p.synRetries << " | " << p.synLinearTimeouts << " | "
            << timesText(p.synRetransmits) << " | "
            << (p.connectFails.isNever() ? std::string("never") : secondsText(p.connectFails, 2)) << " | "
            << p.synackRetries << " | " << timesText(p.synackRetransmits) << " | "
            << (p.requestExpires == Time() ? std::string("never") : secondsText(p.requestExpires, 2))
            << " |\n";
    out << "\nThe nominal schedules are KERNEL.md's (1, 3, 7, 15, 31, 63 s; with linear timeouts 1, 2, 3, 4, "
           "5, 7, "
           "11, 19, 35, 67 s). The model's times come later, and later the further along: the longer a "
           "timer, "
           "the coarser the level of the timer wheel that holds it, so a 4 s timeout may fire a quarter of a "
           "second late where a 1 s one is a few milliseconds late.\n"
           "\n### The timer wheel's granularity\n\n"
           "Kernel timers fire on the timer wheel's boundaries, a little after they are due (KERNEL.md M11), "
           "and "
           "the seed sets where the wheel stands when the run begins. So a retransmission due at \"1 s\" "
           "comes "
           "a few milliseconds later, by an amount that depends on the seed: write `at: 1.1s` rather than "
           "`at: 1s` for a moment just after it, or use `when:`. The first SYN retransmission, armed for 1 "
           "s, "
           "measured over seeds 1 to 64:\n\n| kernel.hz | earliest | latest |\n|---|---|---|\n";
    for (const TimerSpread& s : firstRetransmitSpread(64))
        out << "| " << s.hz << " | " << secondsText(s.earliest, 3) << " s | " << secondsText(s.latest, 3)
            << " s |\n";
    out << "\n";
}

void ruleList(std::ostream& out) {
    out << "## What `backlog check` enforces\n\n"
           "Each rule with an example that breaks it and the message `backlog check` prints for it (after "
           "FILE:LINE:COL). An example changes lines of this lesson, which passes:\n\n```yaml\n"
        << skeleton << "```\n\nA file has at most 1 MiB, 500 steps, 1000 conditions in expectations, 20,000 "
        << "bytes a text and 16 highlight targets; a scenario's sizes are bounded as the README says.\n";
    const std::pair<RuleStage, const char*> stagesOf[]{
        {RuleStage::Reading, "Reading the file (exit status 2)"},
        {RuleStage::Running, "Placing the steps on the run (exit status 1)"},
        {RuleStage::Audit, "Looking at the whole run (exit status 1)"}};
    for (const auto& [stage, heading] : stagesOf) {
        out << "\n### " << heading << "\n\n";
        for (const LessonRule& rule : rules) {
            if (rule.stage != stage) continue;
            const std::vector<std::string> messages = checkLessonText(ruleExampleLesson(rule));
            const auto found = std::find_if(messages.begin(), messages.end(), [&](const std::string& m) {
                return m.find(rule.message) != std::string::npos;
            });
            std::string example;
            for (const std::string& line : linesOf(rule.example))
                example += (example.empty() ? "" : " and ") +
                           (line.starts_with("-") ? "without " + code(line.substr(1) + ":")
                                                  : code(line.starts_with("FILE:") ? line.substr(5) : line));
            out << "- **" << rule.rule << "**: " << example << " → "
                << code(found != messages.end() ? *found
                                                : "(no such message: " + std::string(rule.message) + ")")
                << "\n";
        }
    }
    out << "\n";
}

void workedExampleSection(std::ostream& out) {
    out << "## A worked example\n\n"
           "\"Why did my server stop answering?\" A lesson on tuning the backlog, grown in stages. Each "
           "stage is "
           "a whole lesson that `backlog check` passes (a test checks every one).\n";
    int n = 0;
    for (const GuideStage& stage : stages)
        out << "\n### " << ++n << ". " << stage.title << "\n\n"
            << stage.explain << "\n\n```yaml\n"
            << stage.text << "```\n";
}

} // namespace

std::string lessonGuideMarkdown() {
    std::ostringstream out;
    const std::vector<std::string> clientHost = clientHostSettings();
    introduction(out);
    lessonKeyTables(out);
    scenarioKeyTable(out, clientHost);
    profileDefaults(out);
    clientFacts(out, clientHost);
    timerFacts(out);
    ruleList(out);
    workedExampleSection(out);
    return out.str();
}

} // namespace backlog
