// The model's benchmark (issue 2): a 100,000 SYN/s spoofed flood against 150 blocking workers for 60
// simulated seconds (lessons/scenarios/flood-bench.yaml). Prints simulated events per second, history bytes
// per packet and the wall time of the run, best of --repeat runs and their median. A figure, never a test.
#include "model/kernel/Simulation.h"
#include "model/scenario/ScenarioReader.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    std::string file = BACKLOG_SOURCE_DIR "/lessons/scenarios/flood-bench.yaml";
    int repeat = 3;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--repeat" && i + 1 < argc)
            repeat = std::max(1, std::atoi(argv[++i]));
        else
            file = a;
    }
    const backlog::ReadResult read = backlog::readScenarioFile(file);
    if (!read.scenario) {
        for (const auto& e : read.errors)
            std::fprintf(stderr, "%s\n", e.text().c_str());
        return 2;
    }
    std::vector<double> seconds;
    std::uint64_t events = 0;
    std::size_t packets = 0, bytes = 0;
    for (int r = 0; r < repeat; ++r) {
        const auto start = std::chrono::steady_clock::now();
        backlog::Simulation sim(*read.scenario);
        sim.run();
        const auto stop = std::chrono::steady_clock::now();
        seconds.push_back(std::chrono::duration<double>(stop - start).count());
        events = sim.eventsProcessed();
        packets = sim.history().packetCount();
        bytes = sim.history().bytes();
    }
    // A change half-way (DESIGN.md point 4): cut at 30 s, restart from the checkpoint before it, and
    // simulate the rest again.
    double changeSeconds = 0;
    {
        backlog::Simulation sim(*read.scenario);
        sim.run();
        const auto start = std::chrono::steady_clock::now();
        if (auto err = sim.changeAt(backlog::Time::s(30), "server.backlog", "64"))
            std::fprintf(stderr, "%s\n", err->c_str());
        const auto stop = std::chrono::steady_clock::now();
        changeSeconds = std::chrono::duration<double>(stop - start).count();
    }
    std::sort(seconds.begin(), seconds.end());
    const double median = seconds[seconds.size() / 2];
    std::printf("scenario          %s\n", file.c_str());
    std::printf("events            %llu\n", static_cast<unsigned long long>(events));
    std::printf("packets           %zu\n", packets);
    std::printf("wall time         %.3f s (median of %d)\n", median, repeat);
    std::printf("events per second %.2f million\n", static_cast<double>(events) / median / 1e6);
    std::printf("change at 30 s    %.3f s (cut, restore the checkpoint, simulate the last 30 s again)\n",
                changeSeconds);
    std::printf("history bytes     %zu (%.1f per packet)\n", bytes,
                packets ? static_cast<double>(bytes) / static_cast<double>(packets) : 0.0);
    return 0;
}
