// How fast the History answers "what is true at t" as it grows (DESIGN.md: O(log n), backwards as fast
// as forwards). Runs floods of growing length and times queries at random times, in random order.
// Prints nanoseconds per query; a figure, never a test.
#include "Rng.h"
#include "ScenarioReader.h"
#include "Simulation.h"

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using namespace backlog;

template <class F>
double nsPerCall(int calls, F&& f) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) f(i);
    const auto stop = std::chrono::steady_clock::now();
    return std::chrono::duration<double, std::nano>(stop - start).count() / calls;
}

} // namespace

int main() {
    std::printf("%-10s %12s %14s %14s %14s %14s\n", "flood", "packets", "countersAt", "queueLengths",
                "queueAt(SYN)", "inFlight");
    for (int seconds : {2, 8, 32}) {
        const std::string yaml = "network: { rtt: 1ms }\n"
                                 "server: { backlog: 128, workers: { count: 150, service: 3s } }\n"
                                 "traffic:\n"
                                 "  - { name: attack, flood: { rate: 100000/s, from: 0s, to: " +
                                 std::to_string(seconds) + "s } }\n"
                                 "  - { name: clients, clients: 1000, spacing: 10ms }\n"
                                 "until: " + std::to_string(seconds) + "s\n";
        const ReadResult read = readScenarioText(yaml, "bench");
        if (!read.scenario) return 2;
        Simulation sim(*read.scenario);
        sim.run();
        const History& h = sim.history();
        // Random times (a fixed sequence), so the queries jump backwards and forwards.
        Rng rng(7);
        std::vector<Time> times(4096);
        for (Time& t : times) t = Time::ns(static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(h.end.count()))));
        const int n = 20000;
        std::int64_t sink = 0;
        const double counters = nsPerCall(n, [&](int i) { sink += h.countersAt(Host::Server, times[static_cast<std::size_t>(i % 4096)])[0]; });
        const double lengths = nsPerCall(n, [&](int i) { sink += h.queueLengthsAt(0, times[static_cast<std::size_t>(i % 4096)]).syn; });
        const double synQueue = nsPerCall(n / 10, [&](int i) {
            sink += static_cast<std::int64_t>(h.queueAt(0, QueueKind::Syn, times[static_cast<std::size_t>(i % 4096)]).size());
        });
        const double inFlight = nsPerCall(n, [&](int i) {
            sink += static_cast<std::int64_t>(h.packetsInFlight(times[static_cast<std::size_t>(i % 4096)]).size());
        });
        std::printf("%-10s %12zu %11.0f ns %11.0f ns %11.0f ns %11.0f ns\n", (std::to_string(seconds) + " s").c_str(),
                    h.packetCount(), counters, lengths, synQueue, inFlight);
        if (sink == 42) std::printf(" ");
    }
    std::printf("(queueAt returns the whole SYN queue: up to 129 request sockets, each a QueueEntry)\n");
    return 0;
}
