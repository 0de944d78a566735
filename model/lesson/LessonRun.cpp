#include "model/lesson/LessonRun.h"

#include "model/tools/Comparison.h"

namespace backlog {

LessonRun::LessonRun(const Lesson& lesson, std::uint64_t maxEvents)
    : lesson_(lesson), sim_(std::make_unique<Simulation>(lesson.scenario)) {
    sim_->setEventLimit(maxEvents);
    // A scenario beyond the limits (e.g. after --set) is refused whole; that is no step's doing.
    if (sim_->stopped()) {
        problems_.push_back({SourcePlace{}, *sim_->stopped()});
        stoppedReported_ = true;
    }
    place();
    sim_->run();
    // Out of budget after the last step's change.
    if (sim_->stopped() && !stoppedReported_) problems_.push_back({SourcePlace{}, *sim_->stopped()});
    compare();
}

int comparisonStepAt(const Lesson& lesson, const std::vector<Time>& stepTimes, int step) {
    int found = -1;
    for (int i = 0; i <= step && static_cast<std::size_t>(i) < lesson.steps.size(); ++i) {
        const std::optional<StepCompare>& c = lesson.steps[static_cast<std::size_t>(i)].compare;
        if (!c || static_cast<std::size_t>(i) >= stepTimes.size() ||
            stepTimes[static_cast<std::size_t>(i)].isNever())
            continue;
        found = c->off ? -1 : i;
    }
    return found;
}

// Each compare: step's other run: the scenario as the lesson's run has it (its steps' changes included)
// with the comparison's changes, from the start or from the step's moment (runWithChanges). A refused
// change is a problem at its place, and that step compares with nothing.
void LessonRun::compare() {
    compared_.resize(lesson_.steps.size());
    for (std::size_t i = 0; i < lesson_.steps.size() && i < stepTimes_.size(); ++i) {
        const std::optional<StepCompare>& c = lesson_.steps[i].compare;
        if (!c || c->off || stepTimes_[i].isNever() || sim_->stopped()) continue;
        ChangedRun other = runWithChanges(sim_->scenario(), c->set, c->fromStep ? stepTimes_[i] : Time());
        if (!other.run) {
            problems_.push_back({c->place, "step " + std::to_string(i + 1) + ": compare: " + other.error});
            continue;
        }
        if (other.run->stopped())
            problems_.push_back(
                {c->place, "step " + std::to_string(i + 1) + ": compare: " + *other.run->stopped()});
        compared_[i] = std::move(other.run);
    }
}

int stepBegunBy(const std::vector<Time>& stepTimes, Time t) {
    int found = -1;
    for (std::size_t i = 0; i < stepTimes.size(); ++i)
        if (!stepTimes[i].isNever() && stepTimes[i] <= t) found = static_cast<int>(i);
    return found;
}

const Simulation* LessonRun::comparisonAt(Time t) const {
    const int i = comparisonStepAt(lesson_, stepTimes_, stepBegunBy(stepTimes_, t));
    return i < 0 || static_cast<std::size_t>(i) >= compared_.size()
               ? nullptr
               : compared_[static_cast<std::size_t>(i)].get();
}

// Once the run has stopped nothing more is simulated: the step that finds it so says it, once, and
// the steps from there on get their `at:` (a `when:` cannot be looked for) and make no change.
bool LessonRun::stoppedAt(std::size_t i) {
    if (!sim_->stopped()) return false;
    if (!stoppedReported_)
        problems_.push_back(
            {lesson_.steps[i].place, "step " + std::to_string(i + 1) + ": " + *sim_->stopped()});
    stoppedReported_ = true;
    stepTimes_.push_back(lesson_.steps[i].at.value_or(Time::never()));
    return true;
}

// The first instant at or after `from` at which `c` holds, simulating only as far as it takes: what has
// been simulated first, then a second further, two, four … and, if it never holds, the whole run. What
// a condition reads at t is in the history up to t, so the answer is the whole run's; a lesson of many
// `when:` steps during a flood then re-simulates about a second per step, not the rest of the run.
Time LessonRun::firstHolding(const Condition& c, Time from) {
    const Time last = lesson_.scenario.until.value_or(Limits::maxDuration);
    Time window = Time::s(1);
    for (;;) {
        const Time t = firstTimeHolding(c, *sim_, from);
        if (!t.isNever() || sim_->stopped()) return t;
        const Time reached = sim_->history().end;
        if (sim_->idle() || reached >= last) break;
        sim_->runUntil(std::min(last, std::max(reached, from) + window));
        window = window * 2;
    }
    sim_->run(); // to the run's end (its `until`), as a condition that never holds is looked for there
    return sim_->stopped() ? Time::never() : firstTimeHolding(c, *sim_, from);
}

void LessonRun::place() {
    Time previous;
    std::size_t previousIndex = 0;
    for (std::size_t i = 0; i < lesson_.steps.size(); ++i) {
        const Step& step = lesson_.steps[i];
        if (stoppedAt(i)) continue;
        Time t;
        if (step.at) {
            t = *step.at;
            if (t < previous)
                problems_.push_back({step.place, "step " + std::to_string(i + 1) + " is at " +
                                                     formatDuration(t) + ", before step " +
                                                     std::to_string(previousIndex + 1) + " which began at " +
                                                     formatDuration(previous) +
                                                     "; steps go forward in time"});
        } else if (step.after) {
            // A time after an earlier step began; after one that never began, never.
            const auto from = static_cast<std::size_t>(step.after->step);
            t = from < stepTimes_.size() && !stepTimes_[from].isNever() ? stepTimes_[from] + step.after->by
                                                                        : Time::never();
            if (t.isNever()) {
                problems_.push_back({step.after->place, "step " + std::to_string(i + 1) + ": after: step " +
                                                            std::to_string(from + 1) + " never began"});
                stepTimes_.push_back(t);
                continue;
            }
            if (t < previous)
                problems_.push_back({step.after->place, "step " + std::to_string(i + 1) + " begins at " +
                                                            formatDuration(t) + ", before step " +
                                                            std::to_string(previousIndex + 1) +
                                                            " which began at " + formatDuration(previous) +
                                                            "; steps go forward in time"});
        } else {
            t = firstHolding(*step.when, previous);
            if (stoppedAt(i)) continue;
            if (t.isNever()) {
                problems_.push_back(
                    {step.whenPlace, "step " + std::to_string(i + 1) + ": `" + step.when->text +
                                         "` never holds between " + formatDuration(previous) +
                                         " and the end of the run at " + formatDuration(end())});
                stepTimes_.push_back(t);
                continue;
            }
        }
        stepTimes_.push_back(t);
        // A `when:` step's changes follow what made its condition true: they apply one nanosecond after
        // that instant, so the overflow (or state) the class is told about stays in the history.
        const Time applyAt = step.when ? t + Time::ns(1) : t;
        // The run is simulated only up to the change (not to its end and cut back): a lesson of many
        // `at:` steps then simulates each stretch about once (Limits::maxEvents counts every re-simulation).
        // The same history either way: a change at t restores the state before any event at t.
        if (applyAt > Time()) sim_->runUntil(applyAt - Time::ns(1));
        const auto change = [&](const std::string& key, const std::string& value, const SourcePlace& where) {
            if (stoppedReported_) return; // one message for a stopped run, not one per change after it
            if (const std::optional<std::string> problem = sim_->changeAt(applyAt, key, value)) {
                problems_.push_back({where, "step " + std::to_string(i + 1) + ": " + *problem});
                stoppedReported_ = sim_->stopped().has_value();
            } else if (sim_->stopped()) {
                problems_.push_back({where, "step " + std::to_string(i + 1) + ": " + *sim_->stopped()});
                stoppedReported_ = true;
            }
        };
        for (std::size_t k = 0; k < step.set.size(); ++k)
            change(step.set[k].first, step.set[k].second, step.setPlaces[k]);
        for (const std::string& name : step.start)
            change("start-traffic", name, step.place);
        if (step.closeListener) change("close-listener", std::to_string(*step.closeListener), step.place);
        previous = t;
        previousIndex = i;
    }
}

Time LessonRun::end() const {
    return sim_->history().end;
}

std::string describeFound(const Condition& c, const Simulation& sim, Time t, const Simulation* other) {
    return describeFound(c, sim, t, valueAt(c, sim, t, other), other);
}

namespace {

// What one quantity was: "accept_queue was 12", "client 3 was SYN-SENT".
std::string describeQuantity(const Condition& c, const Simulation& sim, Time t,
                             std::optional<std::int64_t> value) {
    using Q = Condition::Quantity;
    const History& h = sim.history();
    const auto index = static_cast<std::size_t>(std::max(c.index, 0));
    switch (c.quantity) {
    case Q::ClientState:
        return "client " + std::to_string(c.index) + " was " +
               std::string(index < h.clients.size()
                               ? ssStateName(h.clientStateAt(static_cast<std::uint32_t>(index), t))
                               : "not yet started");
    case Q::ServerState:
        return "the server socket of client " + std::to_string(c.index) + " was " +
               std::string(index < h.clients.size()
                               ? ssStateName(h.serverStateAt(static_cast<std::uint32_t>(index), t))
                               : "not there (the client had not started)");
    case Q::WorkerState:
        return "worker " + std::to_string(c.index) + " was " +
               std::string(index < h.workers.size()
                               ? workerStateName(h.workerAt(static_cast<std::uint32_t>(index), t).state)
                               : "not there");
    default:
        break;
    }
    // The quantity as written: the text up to its comparison, without its side.
    std::string name = c.text;
    for (const char* op : {"==", "!=", "<=", ">=", "<", ">"}) {
        const std::size_t at = name.find(op);
        if (at != std::string::npos) name = name.substr(0, at);
    }
    const auto space = [](char ch) { return ch == ' ' || ch == '\t'; };
    while (!name.empty() && space(name.back()))
        name.pop_back();
    std::size_t start = 0;
    while (start < name.size() && space(name[start]))
        ++start;
    if (name.compare(start, 2, "a:") == 0 || name.compare(start, 2, "b:") == 0) start += 2;
    while (start < name.size() && space(name[start]))
        ++start;
    return name.substr(start) + " was " + formatValue(c, value);
}

} // namespace

std::string describeFound(const Condition& c, const Simulation& sim, Time t,
                          std::optional<std::int64_t> value, const Simulation* other) {
    if (c.joined()) {
        // Each part as found, joined as written: "accept_queue was 3 and (client 1 was ESTAB or …)".
        std::string out;
        for (const Condition& part : c.parts) {
            if (!out.empty()) out += c.join == Condition::Join::And ? " and " : " or ";
            const std::string found = describeFound(part, sim, t, other);
            out += part.joined() ? "(" + found + ")" : found;
        }
        return out;
    }
    if (c.side == 1) {
        if (!other) return "b: no comparison at " + formatDuration(t) + " (a step's compare: begins one)";
        return "b: " + describeQuantity(c, *other, t, value);
    }
    return describeQuantity(c, sim, t, value);
}

std::vector<ExpectationResult> LessonRun::check() const {
    std::vector<ExpectationResult> out;
    for (const Expectation& e : lesson_.expect) {
        ExpectationResult r;
        r.expectation = &e;
        r.at = e.at.value_or(end());
        // "b: …" reads the run a step's compare: set beside the lesson's at that moment.
        const Simulation* other = comparisonAt(r.at);
        if (!other && readsTheOtherRun(e.that) && !e.that.joined()) {
            r.found = "no comparison at " + formatDuration(r.at) + " (a step's compare: begins one)";
            out.push_back(std::move(r));
            continue;
        }
        const std::optional<std::int64_t> value =
            valueAt(e.that, *sim_, r.at, other); // read once: a series can be long
        r.holds = satisfies(e.that, value);
        r.found = describeFound(e.that, *sim_, r.at, value, other);
        out.push_back(std::move(r));
    }
    return out;
}

} // namespace backlog
