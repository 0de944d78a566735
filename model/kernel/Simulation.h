// The discrete-event model of a Linux host taking in TCP connections (shared/KERNEL.md).
// It owns its state (no globals), runs deterministically from the scenario and its seed, and records
// everything it does into a History. A change at time t cuts the history at t and simulates on from
// the nearest checkpoint before it (DESIGN.md points 2-4).
#pragma once

#include "model/core/Tcp.h"
#include "model/history/History.h"
#include "model/scenario/Scenario.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace backlog {

struct SimState; // everything that changes while simulating: copyable, so it can be checkpointed

// A line the kernel would log (dmesg), e.g. "Possible SYN flooding on port 80. Sending cookies."
struct KernelLogLine {
    Time at;
    std::string text;
};

// Where a run's history came from: the model simulating the scenario, or the lab measuring what the
// machine's own kernel did with it (issue 14). A measured history is shown by the same report and views.
struct RunSource {
    bool measured = false;
    std::string kernelRelease;            // measured: `uname -r` of the machine
    std::string how;                      // measured: "as root, in a private network namespace" …
    std::string serverAddress;            // measured: the real listener's address
    std::vector<std::string> warnings;    // measured: what the kernel run could not reproduce
    std::vector<Endpoint> spoofedSources; // measured: the source of spoofed flow kSpoofedFlow | i
};

class Simulation {
  public:
    explicit Simulation(Scenario scenario);
    // A run the lab measured on the real kernel: its history is what the kernel did, so nothing is
    // simulated; run() does nothing and every change is refused (a person changes the scenario and runs
    // the experiment again). Scenario limits apply as to any run.
    static std::unique_ptr<Simulation> measured(Scenario scenario, History history,
                                                std::vector<KernelLogLine> kernelLog, RunSource source);
    const RunSource& source() const { return source_; }
    ~Simulation();
    Simulation(const Simulation&) = delete;
    Simulation& operator=(const Simulation&) = delete;

    // Simulates every event at or before t (or until nothing is left to happen).
    void runUntil(Time t);
    // Simulates to the scenario's `until`, or until nothing is left to happen.
    void run();
    // True when no event is pending: the run is complete.
    bool idle() const;
    Time now() const;

    // Applies `key = value` (the --set vocabulary, "close-listener" or "start-traffic") from time t on. The
    // history is cut at t and simulated again up to where it had reached. Returns an error message, or
    // nothing. A change is held to the same limits as a scenario file (Limits, checkScenario()): the scenario
    // as it will be in force from t on, with every later change applied after it, must stay within them, and
    // so must the listeners and workers the run starts in all (a raise of a count starts new ones); a change
    // later than Limits::maxDuration is refused. The message names the limit ("… more than the limit of
    // 50000000"). A stopped run refuses every change, with stopped() as the message.
    std::optional<std::string> changeAt(Time t, const std::string& key, const std::string& value);

    // Why the run stopped short, or nothing while it is whole. Set when
    //  - the scenario is beyond one of Limits (checkScenario(), Limits::maxHerdWakeups included, or its
    //    own timed changes take it there: a scenario built in code, or a lesson's scenario after `--set`):
    //    the run is refused whole ("the run was refused: …"), and its history holds only time 0;
    //  - the run's work reached a limit as it went: Limits::maxEvents (events simulated in all,
    //    re-simulations after changes included) or Limits::maxHistoryBytes.
    // The message names the limit and says when the run stopped ("the run stopped at 12.5 s: it has
    // simulated 150000001 events …, more than the limit of 150000000"). Once stopped, the Simulation
    // simulates no further: run() and runUntil() return at once and changeAt() refuses; the history up to
    // history().end stays valid and may be shown, with this message beside it. Nothing is thrown.
    const std::optional<std::string>& stopped() const { return stopped_; }
    // Events simulated since the Simulation was made, re-simulations after changes included
    // (eventsProcessed() counts only the events of the history as it is).
    std::uint64_t eventsSimulated() const { return work_; }
    // Limits::maxEvents bounds the events simulated since the Simulation was made or since the last
    // renewBudget(). A lesson's run (LessonRun: the scenario and every step's change) is one piece of
    // work. The window calls renewBudget() before each change a person makes at the playhead, so that
    // a session of many changes is not stopped for their sum; a run stopped by its budget then goes on
    // from where it stopped (a refused scenario stays refused).
    void renewBudget();
    // The events a budget allows: Limits::maxEvents unless lowered (tests and benchmarks reach a stop
    // without simulating 150,000,000 events); never above Limits::maxEvents.
    void setEventLimit(std::uint64_t maxEvents) { eventLimit_ = std::min(maxEvents, Limits::maxEvents); }
    std::uint64_t eventLimit() const { return eventLimit_; }

    const Scenario& scenario() const { return scenario_; }
    // A traffic entry as it runs: a held one (a lesson's `start:`) begins at its start-traffic change,
    // a flood keeping its length; one never started has from = to = Time::never().
    TrafficEntry trafficAsRun(std::size_t index) const;
    const History& history() const { return history_; }
    const std::vector<KernelLogLine>& kernelLog() const { return kernelLog_; }
    std::uint64_t eventsProcessed() const { return events_; }

    // What the tools would print at t, read from the history.
    std::vector<SsSocket> ssListening(Time t) const;
    std::vector<SsSocket> ssAll(Time t) const;
    std::string serverAddress() const;
    std::string clientAddress(std::uint32_t client) const;
    std::string
    peerAddress(FlowId flow) const; // "a.b.c.d:port" of a client, or a spoofed SYN's claimed source

    // How often a checkpoint is taken (simulated time). Checkpoints make changeAt cheap.
    void setCheckpointInterval(Time every) {
        checkpointEvery_ = every;
        if (checkpoints_.empty()) nextCheckpoint_ = every;
    }

  private:
    struct Checkpoint;
    void takeCheckpoint(Time at);
    void dropLastCheckpoint();
    void thinCheckpoints();
    std::optional<std::string> checkChange(Time t, const std::string& key, const std::string& value) const;
    bool overBudget(); // sets stopped_ when the run's work is beyond Limits

    Scenario scenario_;
    History history_;
    std::vector<KernelLogLine> kernelLog_;
    std::unique_ptr<SimState> state_;
    std::vector<Checkpoint> checkpoints_;
    Time checkpointEvery_ = Time::s(1);
    Time nextCheckpoint_;
    std::uint64_t events_ = 0;
    std::uint64_t work_ = 0;           // events simulated in all (never restored by a cut)
    std::uint64_t nextBytesCheck_ = 0; // when work_ reaches it, the history's bytes are measured
    std::size_t checkpointBytes_ = 0;  // the checkpoints' states, estimated
    std::uint64_t workAtRenewal_ = 0;  // work_ at the last renewBudget()
    std::uint64_t eventLimit_ = Limits::maxEvents;
    std::optional<std::string> stopped_;
    bool refused_ = false; // stopped_ says the scenario is beyond the limits
    RunSource source_;
};

} // namespace backlog
