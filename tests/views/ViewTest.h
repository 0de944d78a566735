// What the view tests share: a shipped lesson, simulated to its end.
#pragma once

#include "ScenarioReader.h"
#include "Simulation.h"

#include <memory>
#include <string>
#include <vector>

namespace backlog::test {

inline std::unique_ptr<Simulation> runLesson(const char* file, const std::vector<std::string>& sets = {}) {
    const ReadResult read = readScenarioFile(std::string(BACKLOG_SOURCE_DIR) + "/lessons/" + file, sets);
    if (!read.scenario) return nullptr;
    auto sim = std::make_unique<Simulation>(*read.scenario);
    sim->run();
    return sim;
}

} // namespace backlog::test
