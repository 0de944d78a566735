#include "model/lesson/LessonKeys.h"

#include <algorithm>
#include <array>
#include <map>
#include <sstream>

namespace backlog {

namespace {

using Probe = LessonKeyProbe;

std::string number(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
}

std::string truth(bool v) {
    return v ? "true" : "false";
}

std::string listed(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

std::string settings(const std::vector<std::pair<std::string, std::string>>& set) {
    std::string out;
    for (const auto& [key, value] : set)
        out += (out.empty() ? "" : ", ") + key + ": " + value;
    return out;
}

std::string targets(const std::vector<Target>& list) {
    std::vector<std::string> texts;
    for (const Target& t : list)
        texts.push_back(t.text);
    return listed(texts);
}

// The table itself. A key added to the format is added here first: LessonReader's unknown-key check
// reads lessonMapKeys(), so a key missing from this table is refused by the reader.
const std::vector<LessonKeyDoc> docs{
    // ---- the top level
    {LessonMap::Lesson, "format", "`backlog-lesson/N`",
     "the format version the file is written in; older ones are "
     "upgraded on reading, newer ones refused"},
    {LessonMap::Lesson, "title", "text", "the lesson's name in the library and the window's title"},
    {LessonMap::Lesson, "summary", "Markdown subset", "a sentence or two for the lesson library",
     [](const Probe& p) { return p.lesson->summary; }, ""},
    {LessonMap::Lesson, "level", "`beginner`, `intermediate`, `advanced`", "who the lesson is for",
     [](const Probe& p) { return p.lesson->level; }, ""},
    {LessonMap::Lesson, "minutes", "an integer from 1 to 600",
     "about how long it takes in class; 0: not said",
     [](const Probe& p) { return std::to_string(p.lesson->minutes); }, ""},
    {LessonMap::Lesson, "speed", "`paced`, or a factor from 0.0001 to 100", "how playback starts",
     [](const Probe& p) { return p.lesson->speed ? number(*p.lesson->speed) : std::string("paced"); }, ""},
    {LessonMap::Lesson, "scenario", "a scenario (the table below)", "what is simulated"},
    {LessonMap::Lesson, "steps", "a list of 1 to 500 steps", "what the class sees and hears, in order"},
    {LessonMap::Lesson, "expect", "a list of expectations", "what must hold, which makes the lesson a test",
     [](const Probe& p) {
         return p.lesson->expect.empty() ? std::string()
                                         : std::to_string(p.lesson->expect.size()) + " expectations";
     },
     ""},
    // ---- a step
    {LessonMap::Step, "at", "a time (`2s`)", "the step begins at this moment of the run", nullptr,
     "`0s` on the first step; a later step needs one of at:, when:, after:"},
    {LessonMap::Step, "when", "a condition",
     "the step begins the first instant it holds, at or after the step "
     "before; its changes apply 1 ns later",
     [](const Probe& p) { return p.step->when ? p.step->when->text : ""; }, ""},
    {LessonMap::Step, "after", "`{ step: N, by: TIME }`", "the step begins TIME after step N (from 1) began",
     [](const Probe& p) { return p.step->after ? std::string("set") : std::string(); }, ""},
    {LessonMap::Step, "title", "text",
     "a few words for the step list; without it, the narration's first line",
     [](const Probe& p) { return p.step->title; }, ""},
    {LessonMap::Step, "say", "Markdown subset", "the narration", nullptr,
     "required, unless the step asks a question"},
    {LessonMap::Step, "notes", "Markdown subset",
     "for the teacher only: shown in presenter mode's second screen",
     [](const Probe& p) { return p.step->notes; }, ""},
    {LessonMap::Step, "set", "`{ KEY: VALUE … }` (scenario keys)", "changes the run from this moment",
     [](const Probe& p) { return settings(p.step->set); }, ""},
    {LessonMap::Step, "start", "a traffic entry's name, or a list",
     "starts held entries now (they wait for it)", [](const Probe& p) { return listed(p.step->start); }, ""},
    {LessonMap::Step, "close-listener", "a listener's number, from 0", "closes that listener of the group",
     [](const Probe& p) { return p.step->closeListener ? std::to_string(*p.step->closeListener) : ""; }, ""},
    {LessonMap::Step, "pause", "`true`, `false`", "playback stops when the step begins",
     [](const Probe& p) { return truth(p.step->pause); }, ""},
    {LessonMap::Step, "speed", "`paced`, or a factor from 0.0001 to 100",
     "the playback speed from here on; "
     "without it, unchanged",
     [](const Probe& p) {
         return p.step->paced ? std::string("paced") : p.step->speed ? number(*p.step->speed) : std::string();
     },
     ""},
    {LessonMap::Step, "highlight", "a target or a list of up to 16",
     "marks things on the stage; a client among more than 40 gets a row of its own above the others' block, "
     "and every packet of its is drawn",
     [](const Probe& p) { return targets(p.step->highlight); }, ""},
    {LessonMap::Step, "zoom", "one target",
     "the stage zooms to it; on a client, to its row and wherever its connection is (its packets, its queue "
     "entry), so the zoom follows it to the server",
     [](const Probe& p) { return p.step->zoom ? p.step->zoom->text : std::string(); }, ""},
    {LessonMap::Step, "view", "a view, or `view/page`", "brings a dock (or one of its pages) to the front",
     [](const Probe& p) { return p.step->view ? std::string(lessonViewName(*p.step->view)) : std::string(); },
     ""},
    {LessonMap::Step, "question", "a question (below)", "playback waits for an answer or a skip",
     [](const Probe& p) { return p.step->question ? std::string("set") : std::string(); }, ""},
    {LessonMap::Step, "compare", "`off`, or a comparison (below)",
     "a second run beside the lesson's from here on",
     [](const Probe& p) { return p.step->compare ? std::string("set") : std::string(); }, ""},
    // ---- a question
    {LessonMap::Question, "ask", "Markdown subset", "the question"},
    {LessonMap::Question, "choices", "a list of 2 to 8 answers", "a multiple-choice question (needs answer:)",
     [](const Probe& p) { return listed(p.question->choices); }, ""},
    {LessonMap::Question, "answer", "the right choice's number, from 1", "multiple choice only", nullptr,
     "required with choices:"},
    {LessonMap::Question, "number", "a number", "a question whose answer is a number (instead of choices:)",
     nullptr, "required without choices:"},
    {LessonMap::Question, "tolerance", "a number, 0 or more", "how far from number: still counts as right",
     [](const Probe& p) { return number(p.question->tolerance); }, ""},
    {LessonMap::Question, "unit", "text", "shown after the number's input (`connections`)",
     [](const Probe& p) { return p.question->unit; }, ""},
    {LessonMap::Question, "explain", "Markdown subset", "shown once the class has answered or skipped"},
    {LessonMap::Question, "reveal", "`after-answer`, `always`",
     "after-answer: until the question is answered or skipped, what would give the answer away is hidden: "
     "the "
     "stage's counters and queue lengths, the timeline's drops after the playhead, and the Kernel Tools, "
     "Charts, Event Log, "
     "Inspector, Ladder, Differences and Summary docks",
     [](const Probe& p) { return std::string(p.question->revealAfterAnswer ? "after-answer" : "always"); },
     ""},
    // ---- a comparison
    {LessonMap::Compare, "set", "`{ KEY: VALUE … }` (scenario keys, kernel.version too)",
     "what the other run changes"},
    {LessonMap::Compare, "from", "`start`, `step`",
     "the other run from the start, or from this step's moment",
     [](const Probe& p) { return std::string(p.compare->fromStep ? "step" : "start"); }, ""},
    {LessonMap::Compare, "title", "text, or `{ a: …, b: … }`", "the other run's name (or both runs')",
     [](const Probe& p) { return p.compare->titleB; }, ""},
    {LessonMap::CompareTitle, "a", "text", "the lesson's own run; without it, \"as written\"",
     [](const Probe& p) { return p.compare->titleA; }, ""},
    {LessonMap::CompareTitle, "b", "text", "the other run; without it, its changes (`server.backlog=512`)",
     [](const Probe& p) { return p.compare->titleB; }, ""},
    // ---- after:
    {LessonMap::After, "step", "an earlier step's number, from 1", "the step this one counts from"},
    {LessonMap::After, "by", "a time", "how long after that step began"},
    // ---- an expectation
    {LessonMap::Expectation, "at", "a time, or `end`", "when the condition is read"},
    {LessonMap::Expectation, "that", "a condition, or a list of them",
     "what must hold then (`b:` reads the other "
     "run of a comparison)"},
};

const std::vector<ScenarioKeyDoc> scenarioDocs{
    {"kernel.version", "the behaviour profile: which release's rules and defaults the model follows"},
    {"kernel.hz", "the timer wheel's tick: kernel timers fire on its boundaries, a little late (M11)"},
    {"net.core.somaxconn", "the cap on every listen() backlog (L1)"},
    {"net.ipv4.tcp_max_syn_backlog",
     "how many requests the SYN queue holds before the 3/4 rule drops SYNs without cookies (S5)"},
    {"net.ipv4.tcp_syncookies", "0 never, 1 when the SYN queue is full, 2 always: answer with a cookie (K)"},
    {"net.ipv4.tcp_synack_retries",
     "how often the server resends a SYN-ACK before forgetting the request (T1)"},
    {"net.ipv4.tcp_syn_retries", "how often a client resends its SYN before connect() fails (T6)"},
    {"net.ipv4.tcp_syn_linear_timeouts", "how many of those resends come 1 s apart before the backoff (T6)"},
    {"net.ipv4.tcp_abort_on_overflow",
     "1: answer the final ACK with an RST when the accept queue is full (A7b)"},
    {"net.ipv4.tcp_migrate_req", "1: a closing listener hands its requests to another of the group (R6)"},
    {"network.rtt", "the round-trip time between the clients and the server"},
    {"network.jitter", "each one-way delay gets a random extra of up to this much"},
    {"network.loss", "the share of segments lost at random"},
    {"server.port", "the port the server listens on"},
    {"server.backlog", "the listen() argument; negative means somaxconn"},
    {"server.listeners", "more than one makes an SO_REUSEPORT group"},
    {"server.workers.count", "how many workers call accept(); 0: nobody does"},
    {"server.workers.accept", "how the workers wait for a connection (P1-P3)"},
    {"server.workers.event_loop", "epoll modes: a loop hands the connection on (async) or serves it itself"},
    {"server.workers.start", "when the application starts calling accept()"},
    {"server.workers.service", "accept() to close(), a fixed time (`service: 3s`)"},
    {"server.workers.service.mean", "the mean of the service time"},
    {"server.workers.service.dist", "how the service time varies"},
    {"server.workers.accept_cost", "event loops: CPU per accept before they wait again"},
    {"server.workers.connections", "event loops: how many connections one worker holds at most"},
    {"seed", "the random generator's seed: loss, jitter, service times and the timer wheel's phase"},
    {"until", "stop simulating here; without it, when nothing is left to happen"},
    {"traffic.NAME.clients", "how many connect() calls the entry makes"},
    {"traffic.NAME.at", "when the first client connects"},
    {"traffic.NAME.spacing", "the time between two clients' connect() (open loop)"},
    {"traffic.NAME.send", "each client sends a request once connected"},
    {"traffic.NAME.concurrency", "a closed loop of this many connections at once (ab -c); 0: an open loop"},
    {"traffic.NAME.requests", "a closed loop stops after this many requests started (ab -n)"},
    {"traffic.NAME.close_after", "the client closes this long after connect() returned"},
    {"traffic.NAME.abort", "that close is an RST (SO_LINGER 0) rather than a FIN"},
    {"traffic.NAME.rate", "a flood: spoofed SYNs a second"},
    {"traffic.NAME.from", "a flood: when it begins"},
    {"traffic.NAME.to", "a flood: when it ends"},
    {"traffic.NAME.routable", "a flood: whether its spoofed sources answer anything (M19)"},
    {"title", "the scenario's name"},
    {"network.faults", "segments of one kind dropped for a while: a list of faults"},
    {"network.faults.drop", "which segments: all of that kind"},
    {"network.faults.of", "only those of this traffic entry"},
    {"network.faults.from", "when the fault begins"},
    {"network.faults.to", "when it ends"},
    {"traffic", "the clients and floods: a list of entries"},
    {"traffic.NAME.name", "the entry's name, for steps (start:), faults (of:) and keys (traffic.NAME.…)"},
    {"traffic.NAME.flood", "makes the entry a flood; its keys may be written inside it or beside it"},
    {"events", "changes at given times: a list"},
    {"events.at", "when the change happens"},
    {"events.set", "the settings it changes (not kernel.version, kernel.hz, seed, until)"},
    {"events.close-listener", "closes that listener of the group (from 0)"},
};

const std::vector<StructuredKeyDoc> structuredDocs{
    {"title", "text", ""},
    {"network.faults", "a list of faults", ""},
    {"network.faults.drop", "`syn`, `synack`, `client-acks`, `data`, `all`", "required"},
    {"network.faults.of", "a traffic entry's name", "everyone"},
    {"network.faults.from", "a time", "0s"},
    {"network.faults.to", "a time", "the end of the run"},
    {"traffic", "a list of entries", ""},
    {"traffic.NAME.name", "letters, digits, `-`, `_`", "`clients-N` / `flood-N` (N: its place in the list)"},
    {"traffic.NAME.flood", "a map of rate, from, to, routable", ""},
    {"events", "a list of events", ""},
    {"events.at", "a time", "required"},
    {"events.set", "`{ KEY: VALUE … }`", ""},
    {"events.close-listener", "a listener's number", ""},
};

} // namespace

const std::vector<ScenarioKeyDoc>& scenarioKeyDocs() {
    return scenarioDocs;
}

std::string scenarioKeyMeaning(std::string_view key) {
    for (const ScenarioKeyDoc& doc : scenarioDocs)
        if (doc.key == key) return doc.meaning;
    return {};
}

const std::vector<StructuredKeyDoc>& scenarioStructuredKeys() {
    return structuredDocs;
}

std::string_view lessonMapName(LessonMap map) {
    switch (map) {
    case LessonMap::Lesson:
        return "the top level";
    case LessonMap::Step:
        return "a step";
    case LessonMap::Question:
        return "a question";
    case LessonMap::Compare:
        return "compare:";
    case LessonMap::CompareTitle:
        return "compare: title:";
    case LessonMap::After:
        return "after:";
    case LessonMap::Expectation:
        return "an expectation";
    }
    return "?";
}

const std::vector<LessonKeyDoc>& lessonKeyDocs() {
    return docs;
}

const std::vector<std::string>& lessonMapKeys(LessonMap map) {
    static const std::map<LessonMap, std::vector<std::string>> keys = [] {
        std::map<LessonMap, std::vector<std::string>> out;
        for (const LessonKeyDoc& doc : docs)
            out[doc.map].emplace_back(doc.name);
        return out;
    }();
    return keys.at(map);
}

LessonKeyProbe defaultLessonProbe() {
    static const Lesson lesson;
    static const Step step;
    static const Question question;
    static const StepCompare compare;
    static const Step::After after;
    static const Expectation expectation;
    return {&lesson, &step, &question, &compare, &after, &expectation};
}

std::string lessonKeyDefault(const LessonKeyDoc& doc) {
    return doc.read ? doc.read(defaultLessonProbe()) : std::string(doc.defaultText);
}

} // namespace backlog
