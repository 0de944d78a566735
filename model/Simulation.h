// The discrete-event model of a Linux host taking in TCP connections (shared/KERNEL.md).
// It owns its state (no globals), runs deterministically from the scenario and its seed, and records
// everything it does into a History. A change at time t cuts the history at t and simulates on from
// the nearest checkpoint before it (DESIGN.md points 2-4).
#pragma once

#include "History.h"
#include "KernelTools.h"
#include "Scenario.h"

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

class Simulation {
public:
    explicit Simulation(Scenario scenario);
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

    // Applies `key = value` (the --set vocabulary, "close-listener" or "start-traffic") from time t on. The history is
    // cut at t and simulated again up to where it had reached. Returns an error message, or nothing.
    std::optional<std::string> changeAt(Time t, const std::string& key, const std::string& value);

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
    std::string peerAddress(FlowId flow) const; // "a.b.c.d:port" of a client, or a spoofed SYN's claimed source

    // How often a checkpoint is taken (simulated time). Checkpoints make changeAt cheap.
    void setCheckpointInterval(Time every) {
        checkpointEvery_ = every;
        if (checkpoints_.empty()) nextCheckpoint_ = every;
    }

private:
    struct Checkpoint;
    void takeCheckpoint(Time at);

    Scenario scenario_;
    History history_;
    std::vector<KernelLogLine> kernelLog_;
    std::unique_ptr<SimState> state_;
    std::vector<Checkpoint> checkpoints_;
    Time checkpointEvery_ = Time::s(1);
    Time nextCheckpoint_;
    std::uint64_t events_ = 0;
};

} // namespace backlog
