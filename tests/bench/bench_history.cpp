// How fast the History answers "what is true at t" as it grows (DESIGN.md: O(log n), backwards as fast
// as forwards). Runs floods of growing length and times queries at random times, in random order.
// Prints nanoseconds per query; a figure, never a test.
#include "model/core/Rng.h"
#include "model/history/History.h"
#include "model/kernel/Simulation.h"
#include "model/scenario/ScenarioReader.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using namespace backlog;

template <class F> double nsPerCall(int calls, F&& f) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i)
        f(i);
    const auto stop = std::chrono::steady_clock::now();
    return std::chrono::duration<double, std::nano>(stop - start).count() / calls;
}

// One queue's track written directly (the simulation's own writes are a small part of a flood's run):
// `stays` entries, 129 present at a time (backlog 128), the one leaving the oldest (an accept queue) or a
// random one (SYN-queue expiries and resets). Times the writes per stay, then the first at() (which pays
// for any index not yet built) and later at()s at random times; the median of five runs of each.
struct TrackFigures {
    double writeNs = 0, firstAtNs = 0, atNs = 0;
};

TrackFigures trackRun(std::size_t stays, bool randomLeave) {
    std::vector<double> writes, firsts, ats;
    for (int run = 0; run < 5; ++run) {
        StayTrack track;
        Rng rng(11 + static_cast<std::uint64_t>(run));
        std::vector<std::uint32_t> live;
        live.reserve(130);
        const auto start = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < stays; ++i) {
            const Time now = Time::ns(static_cast<std::int64_t>(i) * 10);
            live.push_back(track.enter(static_cast<FlowId>(i), now));
            if (live.size() > 129) {
                const std::size_t victim = randomLeave ? static_cast<std::size_t>(rng.below(live.size())) : 0;
                track.leave(live[victim], now, LeaveReason::Accepted);
                if (randomLeave) {
                    live[victim] = live.back();
                    live.pop_back();
                } else {
                    live.erase(live.begin());
                }
            }
        }
        const auto written = std::chrono::steady_clock::now();
        writes.push_back(std::chrono::duration<double, std::nano>(written - start).count() /
                         static_cast<double>(stays));
        const std::int64_t span = static_cast<std::int64_t>(stays) * 10;
        std::size_t sink = 0;
        firsts.push_back(nsPerCall(1, [&](int) { sink += track.at(Time::ns(span / 2)).size(); }));
        std::vector<Time> times(4096);
        for (Time& t : times)
            t = Time::ns(static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(span))));
        ats.push_back(
            nsPerCall(4096, [&](int i) { sink += track.at(times[static_cast<std::size_t>(i)]).size(); }));
        if (sink == 42) std::printf(" ");
    }
    const auto median = [](std::vector<double>& v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    return {median(writes), median(firsts), median(ats)};
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
                                 std::to_string(seconds) +
                                 "s } }\n"
                                 "  - { name: clients, clients: 1000, spacing: 10ms }\n"
                                 "until: " +
                                 std::to_string(seconds) + "s\n";
        const ReadResult read = readScenarioText(yaml, "bench");
        if (!read.scenario) return 2;
        Simulation sim(*read.scenario);
        sim.run();
        const History& h = sim.history();
        // Random times (a fixed sequence), so the queries jump backwards and forwards.
        Rng rng(7);
        std::vector<Time> times(4096);
        for (Time& t : times)
            t = Time::ns(static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(h.end.count()))));
        const int n = 20000;
        std::int64_t sink = 0;
        const double counters = nsPerCall(n, [&](int i) {
            sink += h.countersAt(Host::Server, times[static_cast<std::size_t>(i % 4096)])[0];
        });
        const double lengths = nsPerCall(
            n, [&](int i) { sink += h.queueLengthsAt(0, times[static_cast<std::size_t>(i % 4096)]).syn; });
        const double synQueue = nsPerCall(n / 10, [&](int i) {
            sink += static_cast<std::int64_t>(
                h.queueAt(0, QueueKind::Syn, times[static_cast<std::size_t>(i % 4096)]).size());
        });
        const double inFlight = nsPerCall(n, [&](int i) {
            sink += static_cast<std::int64_t>(
                h.packetsInFlight(times[static_cast<std::size_t>(i % 4096)]).size());
        });
        std::printf("%-10s %12zu %11.0f ns %11.0f ns %11.0f ns %11.0f ns\n",
                    (std::to_string(seconds) + " s").c_str(), h.packetCount(), counters, lengths, synQueue,
                    inFlight);
        if (sink == 42) std::printf(" ");
    }
    std::printf("(queueAt returns the whole SYN queue: up to 129 request sockets, each a QueueEntry)\n\n");

    std::printf("%-10s %-8s %16s %14s %14s\n", "stays", "leave", "enter+leave", "first at()", "at()");
    for (std::size_t stays : {std::size_t(1) << 20, std::size_t(4) << 20}) {
        for (bool randomLeave : {false, true}) {
            const TrackFigures f = trackRun(stays, randomLeave);
            std::printf("%-10zu %-8s %13.1f ns %11.0f ns %11.0f ns\n", stays,
                        randomLeave ? "random" : "oldest", f.writeNs, f.firstAtNs, f.atNs);
        }
    }
    std::printf("(one StayTrack, 129 present at a time; medians of 5 runs; at() returns the 129 present)\n");
    return 0;
}
