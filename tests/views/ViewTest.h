// What the view tests share: a shipped lesson, simulated to its end.
#pragma once

#include "ScenarioReader.h"
#include "Simulation.h"

#include <memory>
#include <string>
#include <vector>

namespace backlog::test {

// The flood the stage is measured and golden-tested with (tst_stage, bench_view_stage): thousands of
// packets in flight at once.
inline constexpr const char* kStageFlood = R"(
title: "A 100,000 SYN/s flood"
network:
  rtt: 40ms
server:
  backlog: 128
  workers:
    count: 8
    accept: blocking
    service: 50ms
traffic:
  - { name: attack, flood: { rate: 100000/s, from: 0s, to: 5s } }
  - { name: c, clients: 200, spacing: 20ms }
seed: 1
)";

inline std::unique_ptr<Simulation> runLesson(const char* file, const std::vector<std::string>& sets = {}) {
    const ReadResult read = readScenarioFile(std::string(BACKLOG_SOURCE_DIR) + "/lessons/" + file, sets);
    if (!read.scenario) return nullptr;
    auto sim = std::make_unique<Simulation>(*read.scenario);
    sim->run();
    return sim;
}

} // namespace backlog::test
