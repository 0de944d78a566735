// A lesson placed on a run: the scenario simulated, each step given its moment (its `at:`, or the first
// instant its `when:` holds, at or after the step before), the step's changes applied there (which cuts
// the history and simulates on, DESIGN.md point 4), and the expectations read from the result. The
// command line's `check` and the window's lesson player both use it, so a lesson behaves the same in
// both.
#pragma once

#include "model/kernel/Simulation.h"
#include "model/lesson/Lesson.h"

#include <memory>
#include <string>
#include <vector>

namespace backlog {

struct LessonProblem {
    SourcePlace place;
    std::string message;
};

struct ExpectationResult {
    const Expectation* expectation = nullptr;
    Time at; // when it was read (the end of the run for `at: end`)
    bool holds = false;
    std::string found; // what the run had there ("accept_queue was 12", "client 3 was SYN-SENT")
};

class LessonRun {
  public:
    // `maxEvents`: the run's budget (Simulation::setEventLimit), Limits::maxEvents unless a test lowers it.
    explicit LessonRun(const Lesson& lesson, std::uint64_t maxEvents = Limits::maxEvents);

    const Lesson& lesson() const { return lesson_; }
    Simulation& simulation() { return *sim_; }
    const Simulation& simulation() const { return *sim_; }
    std::unique_ptr<Simulation> takeSimulation() { return std::move(sim_); }

    // Each step's moment; Time::never() for a step whose condition never held (see problems()).
    const std::vector<Time>& stepTimes() const { return stepTimes_; }
    // Steps that could not be placed, changes the run refused: each with where it was written. A run
    // that stopped short (Simulation::stopped()) says so once: at the step whose change stopped it, or
    // without a place when the scenario itself was refused or the run's end was out of budget.
    const std::vector<LessonProblem>& problems() const { return problems_; }
    // Every expectation, in file order, read from the run.
    std::vector<ExpectationResult> check() const;
    // Where the run ends: the last thing that happened, or the scenario's `until`.
    Time end() const;
    // The other run a step's compare: set beside the lesson's (issue 16) that is in force at t: the last
    // step that has begun by t with a compare:, unless it is compare: off. Null when none is.
    const Simulation* comparisonAt(Time t) const;

  private:
    void place();
    bool stoppedAt(std::size_t step);
    Time firstHolding(const Condition& c, Time from);

    void compare();

    Lesson lesson_;
    std::unique_ptr<Simulation> sim_;
    std::vector<std::unique_ptr<Simulation>> compared_; // per step: its compare:'s run, or null
    std::vector<Time> stepTimes_;
    std::vector<LessonProblem> problems_;
    bool stoppedReported_ = false; // a problem already says the run stopped (Simulation::stopped())
};

// The last step whose moment has come by t (a step that never began is passed over), or -1 before the
// first. The window's lesson player, the page's film and `check`'s messages agree through this.
int stepBegunBy(const std::vector<Time>& stepTimes, Time t);

// The step whose compare: is in force once `step` has begun: the last step up to it (whose moment came,
// stepTimes) that has a compare:, or -1 when there is none or it says off. The window and LessonRun agree
// through this.
int comparisonStepAt(const Lesson& lesson, const std::vector<Time>& stepTimes, int step);

// "accept_queue was 12", "client 3 was SYN-SENT", "connect latency of client 3 was undefined"; "b: …" for
// what reads the other run; each part of a joined condition so, joined as written.
std::string describeFound(const Condition& c, const Simulation& sim, Time t,
                          const Simulation* other = nullptr);
// The same, given the condition's value at t already read with valueAt().
std::string describeFound(const Condition& c, const Simulation& sim, Time t,
                          std::optional<std::int64_t> value, const Simulation* other = nullptr);

} // namespace backlog
