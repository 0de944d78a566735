// What the lab will run for a scenario, decided before anything starts (issue 14, "Safety is part of the
// feature"): the scenario with each traffic entry's real start (a held entry at its start-traffic change),
// how long the experiment takes in real time (as long as the model says the run lasts, or --until), and
// what the kernel run cannot reproduce, each in a warning. A scenario beyond the lab's limits is refused,
// the limit named: the lab runs in real time, on this machine, with real sockets and threads.
#pragma once

#include "app/lab/LabResult.h"
#include "model/kernel/Simulation.h"

#include <optional>
#include <string>
#include <vector>

namespace backlog::lab {

struct LabLimits {
    static constexpr Time maxDuration = Time::s(180); // a few minutes of real time
    static constexpr std::int64_t maxSockets = 4000;  // client connections, planned
    static constexpr int maxWorkers = 512;            // threads
    static constexpr int maxListeners = 16;
    static constexpr int maxTrafficEntries = 64;          // each clients entry has an address of its own
    static constexpr std::int64_t maxFloodSyns = 200'000; // spoofed SYNs in all
    static constexpr std::int64_t maxFloodRate = 50'000;  // per second, per flood
};

struct LabPlan {
    Scenario scenario; // traffic as it runs: held entries resolved, timed changes left out
    Time end;          // when the experiment stops, from its epoch
    std::vector<std::string> warnings;
};

// `model`: the scenario's model run, already run (its end is the run's natural length; a lesson's run
// carries its steps' changes). `kernelRelease`: uname -r of this machine. `until`: the person's --until.
LabResult<LabPlan> planExperiment(const Simulation& model, const std::string& kernelRelease,
                                  std::optional<Time> until);

} // namespace backlog::lab
