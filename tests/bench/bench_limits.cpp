// The bounded work of a run (issue 11): the big combinations within the per-key limits, at full size,
// with their wall times, events simulated (re-simulations included) and history bytes. Each either
// finishes or is refused or stopped with the limit named (Simulation::stopped()). Figures, never a test:
// tests/model/tst_limits checks the same cases at a size the sanitizers can run.
#include "model/kernel/Simulation.h"
#include "model/lesson/LessonReader.h"
#include "model/lesson/LessonRun.h"
#include "model/scenario/ScenarioReader.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

using namespace backlog;

namespace {

double secondsOf(const std::function<void()>& work) {
    const auto start = std::chrono::steady_clock::now();
    work();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void print(const char* name, double seconds, const Simulation& sim, const std::string& note = {}) {
    std::printf("%-52s %8.2f s  %11llu events  %6.0f MB history  %s%s\n", name, seconds,
                static_cast<unsigned long long>(sim.eventsSimulated()),
                static_cast<double>(sim.history().bytesHeld()) / 1e6,
                sim.stopped() ? sim.stopped()->c_str() : "finished", note.c_str());
}

void scenario(const char* name, const std::string& yaml) {
    const ReadResult read = readScenarioText(yaml, name);
    if (!read.scenario) {
        std::printf("%-52s refused by the reader: %s\n", name, read.errors.front().message.c_str());
        return;
    }
    Simulation sim(*read.scenario);
    const double s = secondsOf([&] { sim.run(); });
    print(name, s, sim);
}

// flood-bench's scenario as a lesson with 500 steps, each changing server.backlog.
void lesson(const char* name, const std::string& scenarioYaml, bool when) {
    std::string yaml = "format: backlog-lesson/1\ntitle: steps\nscenario:\n";
    std::istringstream lines(scenarioYaml);
    for (std::string line; std::getline(lines, line);)
        yaml += "  " + line + "\n";
    yaml += "steps:\n";
    for (int i = 0; i < 500; ++i) {
        yaml += when ? "  - when: syn_queue > 0\n" : "  - at: " + std::to_string(100 * (i + 1)) + "ms\n";
        yaml += "    say: change " + std::to_string(i) +
                "\n    set: { server.backlog: " + std::to_string(128 + i % 7) + " }\n";
    }
    yaml += "expect: []\n";
    const LessonReadResult read = readLessonText(yaml, name);
    if (!read.lesson) {
        std::printf("%-52s unreadable: %s\n", name, read.errors.front().text().c_str());
        return;
    }
    std::unique_ptr<LessonRun> run;
    const double s = secondsOf([&] { run = std::make_unique<LessonRun>(*read.lesson); });
    print(name, s, run->simulation(),
          run->problems().empty() ? "" : " (" + std::to_string(run->problems().size()) + " problem)");
}

std::string workers(const char* accept) {
    return std::string("server: { backlog: 4096, workers: { count: 100000, accept: ") + accept +
           ", service: 1ms } }\ntraffic:\n  - { name: c, clients: 10000, at: 0s, spacing: 100us }\nseed: 1\n";
}

} // namespace

int main() {
    std::ifstream in(BACKLOG_SOURCE_DIR "/lessons/scenarios/flood-bench.yaml");
    std::stringstream floodBench;
    floodBench << in.rdbuf();
    scenario("flood-bench (6,000,000 SYNs)", floodBench.str());
    scenario("100,000 epoll workers x 10,000 clients", workers("epoll"));
    scenario("100,000 epoll-exclusive workers x 10,000 clients", workers("epoll-exclusive"));
    scenario("100,000 blocking workers x 10,000 clients", workers("blocking"));
    scenario("1,000,000 clients, 1 ms apart",
             "server: { backlog: 4096, workers: { count: 100, service: 1ms } }\n"
             "traffic:\n  - { name: c, clients: 1000000, at: 0s, spacing: 1ms }\nseed: 1\n");
    lesson("flood-bench + 500 at: steps", floodBench.str(), false);
    lesson("flood-bench + 500 when: steps", floodBench.str(), true);
    return 0;
}
