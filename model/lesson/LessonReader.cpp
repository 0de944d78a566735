#include "model/lesson/LessonReader.h"

#include "model/core/Packet.h"
#include "model/lesson/LessonKeys.h"
#include "model/lesson/Markdown.h"
#include "model/scenario/Settings.h"
#include "model/scenario/SourceFile.h"
#include "model/scenario/SourceTree.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <functional>
#include <map>
#include <sstream>
#include <tuple>

namespace backlog {

const std::vector<std::string>& lessonViewPages(LessonView v) {
    // The names the window maps to its docks' pages (MainWindow::showStepView).
    static const std::vector<std::string> tools{
        "ss",    "ss-all", "ss-summary", "nstat",  "nstat-clients", "nstat-since-step",
        "dmesg", "sysctl", "kprobe",     "wakeups"};
    static const std::vector<std::string> charts{"queues", "drops", "accepts", "workers", "sar", "latency"};
    static const std::vector<std::string> none;
    return v == LessonView::KernelTools ? tools : v == LessonView::Charts ? charts : none;
}

std::string_view lessonViewName(LessonView v) {
    switch (v) {
    case LessonView::Stage:
        return "stage";
    case LessonView::EventLog:
        return "event-log";
    case LessonView::KernelTools:
        return "kernel-tools";
    case LessonView::Inspector:
        return "inspector";
    case LessonView::Parameters:
        return "parameters";
    case LessonView::Ladder:
        return "ladder";
    case LessonView::Charts:
        return "charts";
    case LessonView::States:
        return "states";
    }
    return "?";
}

namespace {

constexpr std::array<LessonView, 8> lessonViews{
    LessonView::Stage,      LessonView::EventLog, LessonView::KernelTools, LessonView::Inspector,
    LessonView::Parameters, LessonView::Ladder,   LessonView::Charts,      LessonView::States};

// The upgrade chain: upgrades[v - 1] turns a version-v document into a version v+1 one, so that a file
// written for any earlier format is read by the current code alone. Version 1 is the first format, so
// the chain is empty; a format change adds its link here and raises kLessonFormatVersion (SourceNode is
// read-only so far: the first link adds to SourceTree.h what it needs to change a node).
using Upgrade = void (*)(SourceNode& root);
const std::vector<Upgrade> upgrades{}; // size kLessonFormatVersion - 1

struct Field {
    SourceNode key;
    std::string name;
    SourceNode value;
};

class LessonBuilder {
  public:
    // decoded: `text` has been through decodeSourceText already (readLessonOrScenarioFile).
    LessonBuilder(std::string fileName, std::string text, bool decoded)
        : fileName_(std::move(fileName)), text_(std::move(text)), decoded_(decoded) {}

    LessonReadResult read();

  private:
    void readRoot(SourceNode root);
    bool readFormat(const SourceNode& root);
    void readStep(const SourceNode& node, std::size_t index);
    void readStepField(Step& step, const Field& f);
    void readExpectation(const SourceNode& node);
    std::optional<Question> readQuestion(const Field& f);
    std::optional<StepCompare> readCompare(const Field& f);
    std::optional<Step::After> readAfter(const Field& f);
    void readView(Step& step, const Field& f, const std::string& text);
    void readSettings(const Field& f, const char* label,
                      std::vector<std::pair<std::string, std::string>>& set,
                      std::vector<SourcePlace>& places);
    void checkSettings(const std::vector<std::pair<std::string, std::string>>& set,
                       const std::vector<SourcePlace>& places, Scenario& probe, const std::string& label,
                       const char* fixed, bool canonical);
    std::optional<Target> readTarget(const SourceNode& node);
    std::optional<double> readSpeed(const Field& f, bool& paced);
    std::optional<Condition> readCondition(const SourceNode& node, const std::string& label);
    std::string readText(const Field& f, bool required = true);
    std::optional<std::string> scalar(const Field& f, std::string_view expects);
    std::optional<Time> runTime(const Field& f);
    std::vector<Field> fields(const SourceNode& map, std::string_view where,
                              const std::vector<std::string>& allowed);
    std::vector<SourceNode> items(const SourceNode& node); // a list, or one item on its own
    void checkAgainstScenario();

    // Where the text of a scalar begins: after a quote, or on the line after a block scalar's | or >.
    SourcePlace textStart(const SourceNode& node) const { return placeInValue(node, 0); }
    // Where the character at `offset` of a scalar's value was written: block scalars drop their
    // indentation, folding turns line breaks into spaces, quotes have escapes.
    SourcePlace placeInValue(const SourceNode& node, std::size_t offset) const;
    SourcePlace placeOf(const SourceNode& node) const {
        const SourceMark m = node.mark();
        return {std::max(m.line, 0) + 1, std::max(m.column, 0) + 1};
    }
    void error(const SourcePlace& at, std::string message) {
        errors_.add({fileName_, at.line, at.column, std::move(message)});
    }
    void error(const SourceNode& node, std::string message) { error(placeOf(node), std::move(message)); }
    void unknown(const Field& f, std::string_view where, const std::vector<std::string>& allowed);

    std::string fileName_;
    std::string text_;
    bool decoded_ = false;
    Lesson lesson_;
    ErrorList errors_;
    std::map<std::string, SourcePlace> started_; // traffic entries steps start, where first named
    std::vector<std::pair<Condition, SourcePlace>> conditions_; // to check against the scenario
};

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

SourcePlace LessonBuilder::placeInValue(const SourceNode& node, std::size_t offset) const {
    const SourceMark m = node.mark();
    if (!node.isScalar() || m.offset < 0 || static_cast<std::size_t>(m.offset) >= text_.size())
        return placeOf(node);
    const std::string& value = node.scalar();
    const std::string& src = text_;
    std::size_t p = static_cast<std::size_t>(m.offset);
    const char style = src[p];
    const bool block = style == '|' || style == '>';
    std::size_t indent = 0;
    const auto skipIndent = [&](std::size_t limit) {
        for (std::size_t k = 0; k < limit && p < src.size() && src[p] == ' '; ++k)
            ++p;
    };
    if (block) {
        p = src.find('\n', p);
        if (p == std::string::npos) return placeOf(node);
        ++p;
        // The block's indentation is that of its first line with text.
        for (std::size_t q = p; q < src.size();) {
            std::size_t spaces = 0;
            while (q + spaces < src.size() && src[q + spaces] == ' ')
                ++spaces;
            if (q + spaces < src.size() && src[q + spaces] == '\n') {
                q += spaces + 1;
                continue;
            }
            indent = spaces;
            break;
        }
        skipIndent(indent);
    } else if (style == '"' || style == '\'') {
        ++p;
    }
    const std::size_t limit = block ? indent : std::string::npos;
    for (std::size_t v = 0; v < offset && v < value.size() && p < src.size(); ++v) {
        const char c = value[v];
        if (src[p] == '\n' && (c == '\n' || c == ' ')) { // a line break: kept, or folded into a space
            ++p;
            skipIndent(limit);
            continue;
        }
        if (c != ' ' && c != '\n') // folding may have dropped line breaks and indentation before it
            while (p < src.size() && src[p] != c && (src[p] == '\n' || src[p] == ' '))
                ++p;
        if (style == '"' && p < src.size() && src[p] == '\\' && p + 1 < src.size()) {
            const char e = src[p + 1];
            p += e == 'x' ? 4 : e == 'u' ? 6 : e == 'U' ? 10 : 2;
            continue;
        }
        if (style == '\'' && src[p] == '\'' && p + 1 < src.size() && src[p + 1] == '\'') {
            p += 2;
            continue;
        }
        ++p;
    }
    SourcePlace place = placeOf(node);
    for (std::size_t k = static_cast<std::size_t>(m.offset); k < p && k < src.size(); ++k) {
        if (src[k] == '\n')
            ++place.line, place.column = 1;
        else
            ++place.column;
    }
    return place;
}

void LessonBuilder::unknown(const Field& f, std::string_view where, const std::vector<std::string>& allowed) {
    if (errors_.full()) return errors_.count(); // no suggestion sought for a mistake only counted
    std::string message = "unknown key " + f.name + std::string(where);
    if (const std::optional<std::string> close = suggestKey(f.name, allowed))
        message += "; did you mean " + *close + "?";
    else
        message += "; expected one of " + joined(allowed);
    error(f.key, message);
}

std::vector<Field> LessonBuilder::fields(const SourceNode& map, std::string_view where,
                                         const std::vector<std::string>& allowed) {
    std::vector<Field> out;
    std::map<std::string, int> seen;
    for (const SourceEntry& entry : map.entries()) {
        if (!entry.key.isScalar()) {
            error(entry.key, "expected a key name, got " + entry.key.describe());
            continue;
        }
        const Field f{entry.key, entry.key.scalar(), entry.value};
        if (std::find(allowed.begin(), allowed.end(), f.name) == allowed.end()) {
            unknown(f, where, allowed);
            continue;
        }
        if (const auto [first, isNew] = seen.emplace(f.name, placeOf(f.key).line); !isNew) {
            error(f.key,
                  "duplicate key " + f.name + " (first given on line " + std::to_string(first->second) + ")");
            continue;
        }
        out.push_back(f);
    }
    return out;
}

std::vector<SourceNode> LessonBuilder::items(const SourceNode& node) {
    if (node.isList()) return node.items();
    if (node.isNull()) return {};
    return {node};
}

std::optional<std::string> LessonBuilder::scalar(const Field& f, std::string_view expects) {
    if (f.value.isScalar()) return f.value.scalar();
    error(f.value.isNull() ? f.key : f.value,
          f.name + ": expected " + std::string(expects) + ", got " + f.value.describe());
    return std::nullopt;
}

std::optional<Time> LessonBuilder::runTime(const Field& f) {
    const std::optional<std::string> text = scalar(f, "a time such as 2s");
    if (!text) return std::nullopt;
    const Parsed<Time> t = parseRunTime(*text);
    if (!t) error(f.value, f.name + ": " + t.error);
    return t.value;
}

// A Markdown-subset text, checked; its errors point into the file.
std::string LessonBuilder::readText(const Field& f, bool required) {
    const std::optional<std::string> text = scalar(f, "text");
    if (!text) return {};
    if (text->size() > LessonLimits::maxTextBytes) {
        error(f.value,
              f.name + ": longer than the limit of " + std::to_string(LessonLimits::maxTextBytes) + " bytes");
        return {};
    }
    if (required && text->find_first_not_of(" \t\n") == std::string::npos) {
        error(f.value.isNull() ? f.key : f.value, f.name + ": expected text, got nothing");
        return {};
    }
    const std::vector<MarkdownError> problems = markdownToHtml(*text).errors;
    for (std::size_t i = 0; i < problems.size(); ++i) {
        // Finding a place walks the text from its start: past the errors kept, only count the rest, or a
        // text full of mistakes (`![![![…`) costs its length squared.
        if (errors_.full()) {
            errors_.count(problems.size() - i);
            break;
        }
        error(placeInValue(f.value, problems[i].offset), f.name + ": " + problems[i].message);
    }
    return *text;
}

std::optional<Condition> LessonBuilder::readCondition(const SourceNode& node, const std::string& label) {
    if (!node.isScalar()) {
        error(node,
              label + ": expected a condition such as TcpExtListenOverflows >= 1, got " + node.describe());
        return std::nullopt;
    }
    const ParsedCondition parsed = parseCondition(node.scalar());
    if (!parsed.condition) {
        if (errors_.full())
            errors_.count(); // no place to find: see readText
        else
            error(placeInValue(node, parsed.error.offset), label + ": " + parsed.error.message);
        return std::nullopt;
    }
    if (readsTheOtherRun(*parsed.condition) && label == "when") {
        error(textStart(node),
              "when: b: a step begins by the lesson's own run; the other run (b:) is read by "
              "expectations only");
        return std::nullopt;
    }
    conditions_.emplace_back(*parsed.condition, textStart(node));
    return parsed.condition;
}

// ---- the document ---------------------------------------------------------------------------------

LessonReadResult LessonBuilder::read() {
    SourceText source;
    if (!decoded_) source = decodeSourceText(text_, fileName_, LessonLimits::maxFileBytes, "a lesson");
    if (source.error) {
        errors_.add(std::move(*source.error));
    } else {
        if (!decoded_) text_ = std::move(source.text); // what the marks and placeInValue() count in
        ParsedSource parsed = parseSource(text_, "a lesson file");
        if (const std::optional<SourceProblem>& problem = parsed.problem)
            error(SourcePlace{problem->line, problem->column}, problem->message);
        else
            readRoot(std::move(parsed.root));
    }
    std::vector<ReadError>& errors = errors_.kept();
    std::stable_sort(errors.begin(), errors.end(), [](const ReadError& a, const ReadError& b) {
        return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    if (!errors.empty()) return {std::nullopt, std::move(errors), errors_.unlisted()};
    return {std::move(lesson_), {}};
}

bool LessonBuilder::readFormat(const SourceNode& root) {
    const SourceNode format = root["format"];
    const std::string example = std::string(kLessonFormatName) + "/" + std::to_string(kLessonFormatVersion);
    if (format.isMissing()) {
        error(root, "expected format: " + example + " (a lesson file says which format it is written in)");
        return false;
    }
    const std::string prefix = std::string(kLessonFormatName) + "/";
    if (!format.isScalar() || !format.scalar().starts_with(prefix)) {
        error(format, "format: expected " + example + ", got " + format.describe());
        return false;
    }
    const Parsed<std::int64_t> version = parseInteger(format.scalar().substr(prefix.size()), 1, 1'000'000);
    if (!version) {
        error(format, "format: expected a version number after " + prefix + ", as in " + example);
        return false;
    }
    if (*version.value > kLessonFormatVersion) {
        error(format, "format: this lesson is written for format version " + std::to_string(*version.value) +
                          "; this Backlog reads versions up to " + std::to_string(kLessonFormatVersion) +
                          " (a newer Backlog is needed)");
        return false;
    }
    lesson_.formatVersion = static_cast<int>(*version.value);
    return true;
}

void LessonBuilder::readRoot(SourceNode root) {
    if (root.isNull()) {
        error(SourcePlace{1, 1},
              "the file is empty; expected a lesson (format, title, scenario, steps, expect)");
        return;
    }
    if (!root.isMap()) {
        error(root, "expected a lesson: a map with format, title, scenario, steps and expect, got " +
                        root.describe());
        return;
    }
    if (!readFormat(root)) return;
    for (int v = lesson_.formatVersion; v < kLessonFormatVersion; ++v)
        upgrades.at(static_cast<std::size_t>(v - 1))(root);

    const std::vector<std::string>& allowed = lessonKeys();
    bool hasScenario = false;
    bool hasSteps = false;
    SourceNode stepsNode;
    SourceNode stepsKey;
    SourceNode expectNode;
    for (const Field& f : fields(root, " in a lesson", allowed)) {
        if (f.name == "title") {
            if (const auto t = scalar(f, "a title")) lesson_.title = *t;
        } else if (f.name == "summary") {
            lesson_.summary = readText(f);
        } else if (f.name == "level") {
            if (const auto l = scalar(f, "beginner, intermediate or advanced")) {
                if (*l != "beginner" && *l != "intermediate" && *l != "advanced")
                    error(f.value, "level: expected beginner, intermediate or advanced, got " + *l);
                lesson_.level = *l;
            }
        } else if (f.name == "minutes") {
            if (const auto m = scalar(f, "a number of minutes")) {
                const Parsed<std::int64_t> n = parseInteger(*m, 1, 600);
                if (!n)
                    error(f.value, "minutes: " + n.error);
                else
                    lesson_.minutes = static_cast<int>(*n.value);
            }
        } else if (f.name == "speed") {
            bool paced = false;
            lesson_.speed = readSpeed(f, paced);
        } else if (f.name == "scenario") {
            hasScenario = true;
            if (!f.value.isMap()) {
                error(f.value.isNull() ? f.key : f.value,
                      "scenario: expected a map of kernel, network, server and traffic settings, got " +
                          f.value.describe());
                continue;
            }
            ReadResult scenario = readScenarioNode(f.value, fileName_);
            errors_.append(std::move(scenario.errors), scenario.moreErrors);
            if (scenario.scenario) lesson_.scenario = std::move(*scenario.scenario);
        } else if (f.name == "steps") {
            hasSteps = true;
            stepsNode = f.value;
            stepsKey = f.key;
        } else if (f.name == "expect") {
            expectNode = f.value;
        }
    }
    if (lesson_.title.empty()) error(root, "expected title: (the lesson's title)");
    if (!hasScenario)
        error(root, "expected scenario: (the kernel, network, server and traffic of the lesson)");
    if (!hasSteps) error(root, "expected steps: (what the class sees and hears, in order)");

    if (hasSteps && !stepsNode.isList()) {
        error(stepsNode.isNull() ? stepsKey : stepsNode,
              "steps: expected a list of steps such as - { at: 0s, say: … }");
    } else if (hasSteps) {
        std::size_t index = 0;
        for (const SourceNode& step : stepsNode.items()) {
            if (index == LessonLimits::maxSteps) {
                error(step,
                      "steps: more than the limit of " + std::to_string(LessonLimits::maxSteps) + " steps");
                break;
            }
            readStep(step, index++);
        }
        if (index == 0) error(stepsNode, "steps: expected at least one step");
    }
    if (!expectNode.isMissing() && !expectNode.isNull()) {
        if (!expectNode.isList()) {
            error(expectNode, "expect: expected a list such as - { at: 5s, that: accept_queue == 129 }");
        } else {
            for (const SourceNode& e : expectNode.items()) {
                if (lesson_.expect.size() >= LessonLimits::maxExpectations) {
                    error(e, "expect: more than the limit of " +
                                 std::to_string(LessonLimits::maxExpectations) + " expectations");
                    break;
                }
                readExpectation(e);
            }
        }
    }
    checkAgainstScenario();
}

// ---- steps -----------------------------------------------------------------------------------------

void LessonBuilder::readStep(const SourceNode& node, std::size_t index) {
    if (!node.isMap()) {
        error(node, "expected a step such as { at: 0s, say: \"…\" }, got " + node.describe());
        return;
    }
    Step step;
    step.place = placeOf(node);
    for (const Field& f : fields(node, " in a step", stepKeys()))
        readStepField(step, f);
    // Whether the keys were written, not whether their values read: a bad value has its own message.
    const bool atGiven = !node["at"].isMissing();
    const bool whenGiven = !node["when"].isMissing();
    const bool afterGiven = !node["after"].isMissing();
    if (int(atGiven) + int(whenGiven) + int(afterGiven) > 1)
        error(node, "a step starts at: a time, when: a condition or after: another step, only one of them");
    if (!atGiven && !whenGiven && !afterGiven) {
        if (index == 0)
            step.at = Time();
        else
            error(node, "step " + std::to_string(index + 1) +
                            ": expected at: TIME, when: CONDITION or after: { step: N, by: TIME }");
    }
    if (step.after && step.after->step >= static_cast<int>(index))
        error(step.after->place, "after: step " + std::to_string(step.after->step + 1) +
                                     " is not an earlier step (this is step " + std::to_string(index + 1) +
                                     ")");
    if (step.say.empty() && !step.question)
        error(node,
              "step " + std::to_string(index + 1) + ": expected say: (every step tells the class something)");
    if (step.at) {
        for (auto it = lesson_.steps.rbegin(); it != lesson_.steps.rend(); ++it) {
            if (!it->at) continue;
            if (*step.at < *it->at)
                error(node["at"], "at: " + formatDuration(*step.at) + " is before an earlier step's " +
                                      formatDuration(*it->at) + " (line " + std::to_string(it->place.line) +
                                      "); steps go forward in time");
            break;
        }
    }
    lesson_.steps.push_back(std::move(step));
}

void LessonBuilder::readStepField(Step& step, const Field& f) {
    if (f.name == "at") {
        step.at = runTime(f);
    } else if (f.name == "when") {
        step.when = readCondition(f.value, "when");
        step.whenPlace = textStart(f.value);
    } else if (f.name == "title") {
        if (const auto t = scalar(f, "a few words")) step.title = *t;
    } else if (f.name == "say") {
        step.say = readText(f);
    } else if (f.name == "notes") {
        // Checked like the narration: a presenter reads them rendered, so stray markup would show.
        step.notes = readText(f);
    } else if (f.name == "set") {
        readSettings(f, "set:", step.set, step.setPlaces);
    } else if (f.name == "start") {
        for (const SourceNode& n : items(f.value)) {
            if (!n.isScalar()) {
                error(n, "start: expected the name of a traffic entry, got " + n.describe());
                continue;
            }
            step.start.push_back(n.scalar());
            step.startPlaces.push_back(placeOf(n));
            started_.emplace(n.scalar(), placeOf(n));
        }
        if (step.start.empty())
            error(f.key, "start: expected the name of a traffic entry (or a list of names)");
    } else if (f.name == "close-listener") {
        if (const auto v = scalar(f, "a listener's number")) {
            const Parsed<std::int64_t> n = parseInteger(*v, 0, Limits::maxListeners - 1);
            if (!n)
                error(f.value, "close-listener: " + n.error);
            else
                step.closeListener = static_cast<int>(*n.value);
        }
    } else if (f.name == "pause") {
        if (const auto v = scalar(f, "true or false")) {
            const Parsed<bool> b = parseBool(*v);
            if (!b)
                error(f.value, "pause: " + b.error);
            else
                step.pause = *b.value;
        }
    } else if (f.name == "speed") {
        step.speed = readSpeed(f, step.paced);
    } else if (f.name == "highlight") {
        std::vector<SourceNode> targets = items(f.value);
        if (targets.size() > LessonLimits::maxTargets) {
            error(f.value, "highlight: more than the limit of " + std::to_string(LessonLimits::maxTargets) +
                               " targets");
            return;
        }
        if (targets.empty())
            error(f.key, "highlight: expected what to highlight (accept-queue, client 3, SYN …)");
        for (const SourceNode& n : targets)
            if (auto t = readTarget(n)) step.highlight.push_back(*t);
    } else if (f.name == "zoom") {
        if (f.value.isList())
            error(f.value, "zoom: expected one target (the stage zooms to one thing)");
        else
            step.zoom = readTarget(f.value);
    } else if (f.name == "view") {
        if (const auto v = scalar(f, "a view")) readView(step, f, *v);
    } else if (f.name == "question") {
        step.question = readQuestion(f);
    } else if (f.name == "compare") {
        step.compare = readCompare(f);
    } else if (f.name == "after") {
        step.after = readAfter(f);
    }
}

// A map of settings, `{ server.backlog: 4 }` (a step's set:, a comparison's): each KEY: VALUE with where
// its key was written; `label` begins the messages.
void LessonBuilder::readSettings(const Field& f, const char* label,
                                 std::vector<std::pair<std::string, std::string>>& set,
                                 std::vector<SourcePlace>& places) {
    if (!f.value.isMap()) {
        error(f.value.isNull() ? f.key : f.value,
              std::string(label) + " expected a map of settings such as { server.backlog: 4 }, got " +
                  f.value.describe());
        return;
    }
    for (const SourceEntry& entry : f.value.entries()) {
        if (!entry.key.isScalar() || !entry.value.isScalar()) {
            error(entry.key, std::string(label) + " expected KEY: VALUE with a dotted key and a plain value");
            continue;
        }
        set.emplace_back(entry.key.scalar(), entry.value.scalar());
        places.push_back(placeOf(entry.key));
    }
}

// `view: kernel-tools`, or a page of it: `view: kernel-tools/nstat`, `view: charts/latency`.
void LessonBuilder::readView(Step& step, const Field& f, const std::string& text) {
    const std::size_t slash = text.find('/');
    const std::string name = text.substr(0, slash);
    std::vector<std::string> names;
    for (LessonView lv : lessonViews) {
        names.emplace_back(lessonViewName(lv));
        if (lessonViewName(lv) == name) step.view = lv;
    }
    if (!step.view) {
        error(f.value, "view: expected one of " + joined(names) + ", got " + text);
        return;
    }
    if (slash == std::string::npos) return;
    const std::string page = text.substr(slash + 1);
    const std::vector<std::string>& pages = lessonViewPages(*step.view);
    if (pages.empty()) {
        error(f.value, "view: " + name + " has no pages; only kernel-tools and charts do");
    } else if (std::find(pages.begin(), pages.end(), page) == pages.end()) {
        error(f.value, "view: " + name + "/" + page + ": expected a page of " + name + ": " + joined(pages));
    } else {
        step.viewPage = page;
    }
}

// `after: { step: 3, by: 500ms }`: a time after an earlier step began (that step from 1).
std::optional<Step::After> LessonBuilder::readAfter(const Field& f) {
    if (!f.value.isMap()) {
        error(f.value.isNull() ? f.key : f.value,
              "after: expected { step: N, by: TIME } (a time after step N began), got " + f.value.describe());
        return std::nullopt;
    }
    Step::After after;
    after.place = placeOf(f.value);
    bool stepGiven = false, byGiven = false;
    for (const Field& g : fields(f.value, " in after:", lessonMapKeys(LessonMap::After))) {
        if (g.name == "step") {
            if (const auto v = scalar(g, "a step's number, from 1")) {
                const Parsed<std::int64_t> n =
                    parseInteger(*v, 1, static_cast<std::int64_t>(LessonLimits::maxSteps));
                if (!n) {
                    error(g.value, "after: step: " + n.error);
                } else {
                    after.step = static_cast<int>(*n.value - 1);
                    stepGiven = true;
                }
            }
        } else if (g.name == "by") {
            if (const std::optional<Time> t = runTime(g)) {
                after.by = *t;
                byGiven = true;
            }
        }
    }
    if (!stepGiven || !byGiven) {
        error(f.value, "after: expected both step: N and by: TIME, as { step: 3, by: 500ms }");
        return std::nullopt;
    }
    return after;
}

// `compare: { set: { server.backlog: 512 }, from: start | step, title: "…" | { a: "…", b: "…" } }`, or
// `compare: off`.
std::optional<StepCompare> LessonBuilder::readCompare(const Field& f) {
    StepCompare c;
    c.place = placeOf(f.key);
    const char* expected = "compare: expected off, or { set: { KEY: VALUE }, from: start or step, title: … }";
    if (f.value.isScalar()) {
        if (f.value.scalar() == "off") {
            c.off = true;
            return c;
        }
        error(f.value, std::string(expected) + ", got " + f.value.describe());
        return std::nullopt;
    }
    if (!f.value.isMap()) {
        error(f.value.isNull() ? f.key : f.value, std::string(expected) + ", got " + f.value.describe());
        return std::nullopt;
    }
    for (const Field& g : fields(f.value, " in compare:", lessonMapKeys(LessonMap::Compare))) {
        if (g.name == "set") {
            readSettings(g, "compare: set:", c.set, c.setPlaces);
        } else if (g.name == "from") {
            if (const auto v = scalar(g, "start or step")) {
                if (*v == "step")
                    c.fromStep = true;
                else if (*v != "start")
                    error(g.value, "compare: from: expected start (the whole run again) or step (from this "
                                   "step's moment), got " +
                                       *v);
            }
        } else if (g.name == "title") {
            if (g.value.isScalar()) {
                c.titleB = g.value.scalar();
            } else if (g.value.isMap()) {
                for (const Field& side :
                     fields(g.value, " in compare: title:", lessonMapKeys(LessonMap::CompareTitle)))
                    if (const auto t = scalar(side, "a few words"))
                        (side.name == "a" ? c.titleA : c.titleB) = *t;
            } else {
                error(g.value, "compare: title: expected the other run's name, or { a: …, b: … }, got " +
                                   g.value.describe());
            }
        }
    }
    if (c.set.empty()) {
        error(f.key, "compare: expected set: { KEY: VALUE } (what the other run changes), or compare: off");
        return std::nullopt;
    }
    return c;
}

// `speed: 0.01` (linear, a factor of real time) or `speed: paced`.
std::optional<double> LessonBuilder::readSpeed(const Field& f, bool& paced) {
    const std::optional<std::string> v = scalar(f, "paced or a speed factor such as 0.01");
    if (!v) return std::nullopt;
    if (*v == "paced") {
        paced = true;
        return std::nullopt;
    }
    std::string number = *v;
    if (!number.empty() && (number.back() == 'x' || number.back() == 'X')) number.pop_back();
    char* end = nullptr;
    const double speed = std::strtod(number.c_str(), &end);
    if (number.empty() || end != number.c_str() + number.size() || !std::isfinite(speed) ||
        speed < LessonLimits::minSpeed || speed > LessonLimits::maxSpeed) {
        error(f.value, "speed: expected paced or a factor from 0.0001 to 100 (0.01 is a hundred times slower "
                       "than real time), got " +
                           *v);
        return std::nullopt;
    }
    return speed;
}

// accept-queue, syn-queue (each optionally with a listener number), listener N, client N, worker N,
// clients, workers, or a packet kind (SYN, SYN-ACK, ACK, data, FIN, RST).
std::optional<Target> LessonBuilder::readTarget(const SourceNode& node) {
    const std::string expected =
        "accept-queue, syn-queue, listener N, client N, worker N, clients, workers or a "
        "packet kind (SYN, SYN-ACK, ACK, data, FIN, RST)";
    if (!node.isScalar()) {
        error(node, "expected " + expected + ", got " + node.describe());
        return std::nullopt;
    }
    const std::string text = node.scalar();
    Target t;
    t.text = text;
    t.place = placeOf(node);
    std::istringstream words(text);
    std::string word;
    std::string number;
    std::string extra;
    words >> word >> number >> extra;
    static const std::map<std::string, Target::Kind> named{{"accept-queue", Target::Kind::AcceptQueue},
                                                           {"syn-queue", Target::Kind::SynQueue},
                                                           {"listener", Target::Kind::Listener},
                                                           {"client", Target::Kind::Client},
                                                           {"worker", Target::Kind::Worker},
                                                           {"clients", Target::Kind::Clients},
                                                           {"workers", Target::Kind::Workers}};
    for (PacketKind k : {PacketKind::Syn, PacketKind::SynAck, PacketKind::Ack, PacketKind::Data,
                         PacketKind::Fin, PacketKind::Rst}) {
        if (number.empty() && word == packetKindName(k)) {
            t.kind = Target::Kind::PacketKind;
            t.index = static_cast<int>(k);
            return t;
        }
    }
    const auto kind = named.find(word);
    if (kind == named.end() || !extra.empty()) {
        error(node, "expected " + expected + ", got " + text);
        return std::nullopt;
    }
    t.kind = kind->second;
    const bool needsNumber =
        t.kind == Target::Kind::Listener || t.kind == Target::Kind::Client || t.kind == Target::Kind::Worker;
    const bool mayHaveNumber =
        needsNumber || t.kind == Target::Kind::AcceptQueue || t.kind == Target::Kind::SynQueue;
    if (number.empty()) {
        if (needsNumber) {
            error(node, word + ": expected a number after it, as in " + word + " 0");
            return std::nullopt;
        }
        return t;
    }
    const Parsed<std::int64_t> n = parseInteger(number, 0, Limits::maxClients);
    if (!mayHaveNumber || !n) {
        error(node, mayHaveNumber ? word + ": expected a number from 0, got " + number
                                  : word + " takes no number; expected " + expected);
        return std::nullopt;
    }
    t.index = static_cast<int>(*n.value);
    return t;
}

std::optional<Question> LessonBuilder::readQuestion(const Field& f) {
    if (!f.value.isMap()) {
        error(f.value.isNull() ? f.key : f.value,
              "question: expected a map with ask:, choices: and answer: (or number:), and explain:, got " +
                  f.value.describe());
        return std::nullopt;
    }
    Question q;
    bool hasAsk = false, hasAnswer = false, hasNumber = false, hasChoices = false, hasExplain = false;
    SourceNode answerNode;
    for (const Field& qf : fields(f.value, " in a question", questionKeys())) {
        if (qf.name == "ask") {
            hasAsk = true;
            q.ask = readText(qf);
        } else if (qf.name == "explain") {
            hasExplain = true;
            q.explain = readText(qf);
        } else if (qf.name == "unit") {
            if (const auto u = scalar(qf, "a unit such as connections")) q.unit = *u;
        } else if (qf.name == "reveal") {
            if (const auto r = scalar(qf, "after-answer or always")) {
                if (*r == "after-answer" || *r == "always")
                    q.revealAfterAnswer = *r == "after-answer";
                else
                    error(qf.value,
                          "reveal: expected after-answer (the numbers that would give the answer away "
                          "are hidden until it is answered or skipped) or always, got " +
                              *r);
            }
        } else if (qf.name == "choices") {
            hasChoices = true;
            if (!qf.value.isList() || qf.value.size() < 2) {
                error(qf.value.isNull() ? qf.key : qf.value,
                      "choices: expected a list of at least two answers");
                continue;
            }
            if (qf.value.size() > LessonLimits::maxChoices) {
                error(qf.value, "choices: more than the limit of " +
                                    std::to_string(LessonLimits::maxChoices) + " choices");
                continue;
            }
            for (const SourceNode& c : qf.value.items()) {
                if (!c.isScalar()) {
                    error(c, "choices: expected text, got " + c.describe());
                    continue;
                }
                q.choices.push_back(readText(Field{c, "choice", c}));
            }
        } else if (qf.name == "answer") {
            hasAnswer = true;
            answerNode = qf.value;
        } else if (qf.name == "number" || qf.name == "tolerance") {
            if (qf.name == "number") hasNumber = true;
            const auto v = scalar(qf, "a number");
            if (!v) continue;
            char* end = nullptr;
            const double d = std::strtod(v->c_str(), &end);
            if (v->empty() || end != v->c_str() + v->size() || !std::isfinite(d) ||
                (qf.name == "tolerance" && d < 0))
                error(qf.value, qf.name + ": expected a" +
                                    std::string(qf.name == "tolerance" ? " non-negative" : "") +
                                    " number, got " + *v);
            else
                (qf.name == "number" ? q.number : q.tolerance) = d;
        }
    }
    if (!hasAsk) error(f.value, "question: expected ask: (the question)");
    if (!hasExplain) error(f.value, "question: expected explain: (shown once the class has answered)");
    if (hasChoices == hasNumber)
        error(f.value,
              "question: expected either choices: with answer: (multiple choice) or number: (a number to "
              "predict), not " +
                  std::string(hasChoices ? "both" : "neither"));
    if (hasChoices) {
        q.kind = Question::Kind::Choice;
        if (!hasAnswer) {
            error(f.value, "question: expected answer: (the number of the right choice, from 1)");
        } else if (answerNode.isScalar()) {
            const Parsed<std::int64_t> n =
                parseInteger(answerNode.scalar(), 1,
                             static_cast<std::int64_t>(std::max<std::size_t>(q.choices.size(), 1)));
            if (!n)
                error(answerNode, "answer: expected the number of the right choice, from 1 to " +
                                      std::to_string(std::max<std::size_t>(q.choices.size(), 1)) + ", got " +
                                      answerNode.scalar());
            else
                q.answer = static_cast<int>(*n.value) - 1;
        } else {
            error(answerNode,
                  "answer: expected the number of the right choice, got " + answerNode.describe());
        }
    } else if (hasNumber) {
        q.kind = Question::Kind::Number;
        if (hasAnswer) error(answerNode, "answer: a number question gives its answer as number:");
    }
    return q;
}

// ---- expectations ---------------------------------------------------------------------------------

void LessonBuilder::readExpectation(const SourceNode& node) {
    if (!node.isMap()) {
        error(node, "expected an expectation such as { at: 5s, that: accept_queue == 129 }, got " +
                        node.describe());
        return;
    }
    std::optional<Time> at;
    bool hasAt = false;
    bool atEnd = false;
    std::vector<std::pair<Condition, SourcePlace>> thats;
    bool hasThat = false;
    for (const Field& f : fields(node, " in an expectation", expectationKeys())) {
        if (f.name == "at") {
            hasAt = true;
            if (f.value.isScalar() && f.value.scalar() == "end")
                atEnd = true;
            else
                at = runTime(f);
        } else {
            hasThat = true;
            const std::vector<SourceNode> conditions = items(f.value);
            if (conditions.empty()) error(f.key, "that: expected a condition or a list of them");
            for (const SourceNode& c : conditions)
                if (auto cond = readCondition(c, "that")) thats.emplace_back(*cond, textStart(c));
        }
    }
    if (!hasAt) error(node, "expectation: expected at: (a time, or end)");
    if (!hasThat) error(node, "expectation: expected that: (a condition such as accept_queue == 129)");
    if (!at && !atEnd) return;
    for (auto& [c, place] : thats)
        lesson_.expect.push_back({place, at, c});
}

// ---- what needs the scenario -----------------------------------------------------------------------

// Settings written in a step (its set:, its comparison's), each checked where it was written against
// `probe` (the settings in force there), which takes them. `fixed`: why a setting a run keeps from start to
// end is refused here, or null where one may change (a comparison from the start is the scenario written
// so). `canonical`: such a setting is recognised by its canonical key too, not only as written.
void LessonBuilder::checkSettings(const std::vector<std::pair<std::string, std::string>>& set,
                                  const std::vector<SourcePlace>& places, Scenario& probe,
                                  const std::string& label, const char* fixed, bool canonical) {
    for (std::size_t i = 0; i < set.size(); ++i) {
        const auto& [key, value] = set[i];
        if (fixed && isFixedDuringRun(canonical ? canonicalSettingKey(key).value_or(key) : key)) {
            error(places[i], label + " " + key + " cannot change during a run; " + fixed);
            continue;
        }
        if (const std::optional<std::string> problem = applySetting(probe, key, value)) {
            std::string message = problem->starts_with(key) ? *problem : key + ": " + *problem;
            error(places[i], label + " " + message);
        }
    }
}

void LessonBuilder::checkAgainstScenario() {
    Scenario& s = lesson_.scenario;
    for (const auto& started : started_) {
        const std::string& name = started.first; // a plain reference: clang < 16 cannot capture a binding
        const SourcePlace& place = started.second;
        const auto entry = std::find_if(s.traffic.begin(), s.traffic.end(),
                                        [&](const TrafficEntry& e) { return trafficEntryName(e) == name; });
        if (entry == s.traffic.end()) {
            std::vector<std::string> names;
            for (const TrafficEntry& e : s.traffic)
                names.push_back(trafficEntryName(e));
            std::string message = "start: the scenario has no traffic entry named " + name;
            if (const auto close = suggestKey(name, names)) message += "; did you mean " + *close + "?";
            error(place, message);
            continue;
        }
        entry->held = true; // begins when its step comes, not at its own at: / from:
    }
    std::int64_t clients = 0;
    for (const TrafficEntry& e : s.traffic)
        if (e.kind == TrafficEntry::Kind::Clients) clients += plannedConnections(e.clients);
    // Listeners and workers are numbered in the order they start, and a step that raises their count
    // starts new ones after the old (intervene(), model/kernel/Intervention.cpp): count every one that ever
    // exists.
    int listeners = s.server.listeners;
    int workers = s.server.workers.count;
    Scenario running = s;
    for (const Step& step : lesson_.steps) {
        const int listenersBefore = running.server.listeners;
        const int workersBefore = running.server.workers.count;
        for (const auto& [key, value] : step.set)
            applySetting(running, key, value);
        listeners += std::max(0, running.server.listeners - listenersBefore);
        workers += std::max(0, running.server.workers.count - workersBefore);
    }
    for (const auto& [c, place] : conditions_) {
        const std::string problem =
            checkCondition(c, static_cast<int>(std::min<std::int64_t>(clients, 1 << 30)), listeners, workers);
        if (!problem.empty()) error(place, problem);
    }
    // Step settings are checked now, against the scenario, so a typo is reported where it was written.
    for (const Step& step : lesson_.steps) {
        Scenario probe = s;
        checkSettings(step.set, step.setPlaces, probe, "set:", "set it in the scenario", false);
        if (step.compare) {
            // A comparison's changes, against the settings in force at the step.
            Scenario compared = probe;
            checkSettings(step.compare->set, step.compare->setPlaces, compared, "compare: set:",
                          step.compare->fromStep ? "compare from: start to change it" : nullptr, true);
        }
        if (step.closeListener && *step.closeListener >= std::max(s.server.listeners, probe.server.listeners))
            error(step.place, "close-listener: there is no listener " + std::to_string(*step.closeListener) +
                                  " (the scenario has " + std::to_string(s.server.listeners) +
                                  ", numbered from 0)");
    }
}

} // namespace

// The lists come from the catalogue (LessonKeys.h), so that a key the reader accepts is documented.
const std::vector<std::string>& lessonKeys() {
    return lessonMapKeys(LessonMap::Lesson);
}

const std::vector<std::string>& stepKeys() {
    return lessonMapKeys(LessonMap::Step);
}

const std::vector<std::string>& questionKeys() {
    return lessonMapKeys(LessonMap::Question);
}

const std::vector<std::string>& expectationKeys() {
    return lessonMapKeys(LessonMap::Expectation);
}

LessonReadResult readLessonText(std::string_view text, const std::string& fileName) {
    return LessonBuilder(fileName, std::string(text), false).read();
}

LessonReadResult readLessonFile(const std::string& path) {
    SourceText source = readSourceFile(path, LessonLimits::maxFileBytes);
    if (source.error) return {std::nullopt, {std::move(*source.error)}};
    return readLessonText(source.text, path);
}

FileReadResult readLessonOrScenarioFile(const std::string& path, const std::vector<std::string>& sets) {
    FileReadResult out;
    // Read once, decoded once: what the file is is decided on its text (UTF-16 too), and the reader
    // then parses that same text. Both kinds have the same cap (checked here on the file's bytes).
    static_assert(LessonLimits::maxFileBytes == kScenarioMaxFileBytes);
    SourceText source = readSourceFile(path, LessonLimits::maxFileBytes);
    if (source.error) {
        out.errors.push_back(std::move(*source.error));
        return out;
    }
    return readLessonOrScenarioText(source.text, path, sets);
}

FileReadResult readLessonOrScenarioText(std::string_view text, const std::string& path,
                                        const std::vector<std::string>& sets) {
    FileReadResult out;
    SourceText source =
        decodeSourceText(std::string(text), path, LessonLimits::maxFileBytes, "a lesson or scenario");
    if (source.error) {
        out.errors.push_back(std::move(*source.error));
        return out;
    }
    out.isLesson = looksLikeLesson(source.text);
    if (!out.isLesson) {
        ReadResult read = readDecodedScenarioText(source.text, path, sets);
        out.scenario = std::move(read.scenario);
        out.errors = std::move(read.errors);
        out.moreErrors = read.moreErrors;
        return out;
    }
    LessonReadResult read = LessonBuilder(path, std::move(source.text), true).read();
    out.errors = std::move(read.errors);
    out.moreErrors = read.moreErrors;
    if (!read.lesson) return out;
    // --set changes the lesson's scenario as it changes a scenario file: each key checked as it is
    // applied, then the rules across keys (a sum over the traffic), blamed on the --set that broke them
    // (the scenario itself was fine).
    Scenario& scenario = read.lesson->scenario;
    SettingsEditor editor(scenario);
    std::vector<std::pair<std::string, std::string>> applied; // canonical key, the --set as given
    for (const std::string& item : sets) {
        const auto assignment = splitAssignment(item);
        if (!assignment) {
            out.errors.push_back({path, 0, 0, "--set " + item + ": expected KEY=VALUE"});
            continue;
        }
        if (const std::optional<std::string> problem = editor.apply(assignment->first, assignment->second))
            out.errors.push_back({path, 0, 0, "--set " + item + ": " + *problem});
        else
            applied.emplace_back(canonicalSettingKey(assignment->first).value_or(assignment->first), item);
    }
    if (out.errors.empty() && !applied.empty()) {
        for (const ScenarioProblem& problem : checkScenario(scenario)) {
            std::string blamed = applied.back().second;
            for (const auto& [key, item] : applied)
                for (const std::string& involved : problem.keys)
                    if (key == involved || key.starts_with(involved + ".")) blamed = item;
            out.errors.push_back({path, 0, 0, "--set " + blamed + ": " + problem.message});
        }
    }
    if (out.errors.empty()) out.lesson = std::move(read.lesson);
    return out;
}

bool looksLikeLesson(std::string_view text) {
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t nl = text.find('\n', at);
        const std::string_view line =
            text.substr(at, nl == std::string_view::npos ? std::string_view::npos : nl - at);
        if (line.starts_with("format:")) return line.find(kLessonFormatName) != std::string_view::npos;
        if (nl == std::string_view::npos) break;
        at = nl + 1;
    }
    return false;
}

} // namespace backlog
