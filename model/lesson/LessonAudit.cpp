#include "model/lesson/LessonAudit.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>

namespace backlog {

namespace {

// How many of each thing the run ever has: listeners and workers that a step adds are numbered after
// the first ones (intervene, model/kernel/Intervention.cpp), and the history keeps one record for every one
// that existed.
struct RunCounts {
    std::size_t clients = 0;
    std::size_t listeners = 0;
    std::size_t workers = 0;
};

// "the run has 6 clients (0 to 5)", "the run has no worker".
std::string has(std::size_t count, const std::string& what) {
    if (count == 0) return "the run has no " + what;
    if (count == 1) return "the run has one " + what + " (" + what + " 0)";
    return "the run has " + std::to_string(count) + " " + what + "s (0 to " + std::to_string(count - 1) + ")";
}

// Empty when `what` number `index` exists in the run; otherwise why not.
std::string missing(const std::string& what, int index, std::size_t count) {
    if (index < 0 || static_cast<std::size_t>(index) < count) return {};
    return what + " " + std::to_string(index) + " never exists: " + has(count, what);
}

std::string missing(const Target& t, const RunCounts& n) {
    switch (t.kind) {
    case Target::Kind::Client:
        return missing("client", t.index, n.clients);
    case Target::Kind::Worker:
        return missing("worker", t.index, n.workers);
    case Target::Kind::Listener:
    case Target::Kind::AcceptQueue: // a queue's number is its listener's
    case Target::Kind::SynQueue:
        return missing("listener", t.index, n.listeners);
    case Target::Kind::Clients:
    case Target::Kind::Workers:
    case Target::Kind::PacketKind:
        break;
    }
    return {};
}

std::string missing(const Condition& c, const RunCounts& n) {
    if (c.joined()) {
        // Joined by and, one part that can never hold is enough; by or, every part must be such.
        std::string first;
        for (const Condition& part : c.parts) {
            const std::string why = missing(part, n);
            if (c.join == Condition::Join::And && !why.empty()) return why;
            if (c.join == Condition::Join::Or && why.empty()) return {};
            if (first.empty()) first = why;
        }
        return first;
    }
    using Q = Condition::Quantity;
    switch (c.quantity) {
    case Q::ClientState:
    case Q::ServerState:
    case Q::ConnectLatency:
        return missing("client", c.index, n.clients);
    case Q::WorkerState:
        return missing("worker", c.index, n.workers);
    case Q::AcceptQueue: // index < 0: summed over the listeners, or any of them
    case Q::SynQueue:
    case Q::Backlog:
    case Q::AcceptQueueFull:
    case Q::ListenerOpen:
        return missing("listener", c.index, n.listeners);
    default:
        break;
    }
    return {};
}

} // namespace

std::vector<LessonProblem> auditLesson(const LessonRun& run) {
    const Lesson& lesson = run.lesson();
    const History& history = run.simulation().history();
    const RunCounts counts{history.clients.size(), history.listeners.size(), history.workers.size()};
    const std::optional<Time> until = lesson.scenario.until;
    std::vector<LessonProblem> out;

    std::map<std::string, SourcePlace> started; // held entry → where it was first started
    for (std::size_t i = 0; i < lesson.steps.size(); ++i) {
        const Step& step = lesson.steps[i];
        const std::string label = "step " + std::to_string(i + 1);
        if (step.at && until && *step.at > *until)
            out.push_back({step.place, label + " is at " + formatDuration(*step.at) +
                                           ", after the run ends (until: " + formatDuration(*until) +
                                           "); the class never reaches it"});
        for (const Target& t : step.highlight)
            if (const std::string why = missing(t, counts); !why.empty())
                out.push_back({t.place, "highlight: " + t.text + ": " + why});
        if (step.zoom)
            if (const std::string why = missing(*step.zoom, counts); !why.empty())
                out.push_back({step.zoom->place, "zoom: " + step.zoom->text + ": " + why});
        if (step.when)
            if (const std::string why = missing(*step.when, counts); !why.empty())
                out.push_back({step.whenPlace, "when: `" + step.when->text + "` can never hold: " + why});
        for (std::size_t k = 0; k < step.start.size(); ++k) {
            const SourcePlace place = k < step.startPlaces.size() ? step.startPlaces[k] : step.place;
            const auto [first, isNew] = started.emplace(step.start[k], place);
            if (!isNew)
                out.push_back({place, "start: " + step.start[k] + " is already started (line " +
                                          std::to_string(first->second.line) +
                                          "); a held traffic entry starts once"});
        }
    }
    for (const Expectation& e : lesson.expect) {
        if (e.at && until && *e.at > *until)
            out.push_back({e.place, "`" + e.that.text + "` is expected at " + formatDuration(*e.at) +
                                        ", after the run ends (until: " + formatDuration(*until) +
                                        "): the run never gets there"});
        if (const std::string why = missing(e.that, counts); !why.empty())
            out.push_back({e.place, "that: `" + e.that.text + "` can never hold: " + why});
    }
    std::stable_sort(out.begin(), out.end(), [](const LessonProblem& a, const LessonProblem& b) {
        return std::tie(a.place.line, a.place.column) < std::tie(b.place.line, b.place.column);
    });
    return out;
}

} // namespace backlog
