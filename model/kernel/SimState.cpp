#include "model/kernel/SimState.h"

namespace backlog {

SimState::SimState(const Scenario& scenario)
    : live(scenario), rng(scenario.seed),
      wheel(scenario.kernel.hz, mix64(scenario.seed ^ 0x6a09e667ULL) & 0xFFFFF) {
    hashSecret = static_cast<std::uint32_t>(mix64(scenario.seed ^ 0xbb67ae85ULL));
    cookiePhase = static_cast<std::int64_t>(mix64(scenario.seed ^ 0x3c6ef372ULL) % 60'000'000'000ULL);
}

// A million clients make a state of about 100 MB; one copy a simulated second would exhaust memory
// long before the run's end, so Limits::maxCheckpointBytes bounds the checkpoints' sum (Simulation).
std::size_t SimState::bytes() const {
    constexpr std::size_t kHashNode = 4 * sizeof(void*); // an unordered container's node and bucket, about
    std::size_t b = sizeof(SimState) + queue.size() * sizeof(Event) + clients.size() * sizeof(ClientSock) +
                    requests.size() * sizeof(RequestSock) + freeRequests.size() * sizeof(std::uint32_t) +
                    children.size() * sizeof(ChildSock) + workers.size() * sizeof(Worker) +
                    traffic.size() * sizeof(TrafficGen) + floodSent.size() * sizeof(std::int64_t) +
                    group.size() * sizeof(int) + (spoofedRequests.size() + proven.size()) * kHashNode +
                    live.traffic.size() * sizeof(TrafficEntry) + live.events.size() * sizeof(Intervention);
    for (const ListenSock& l : listeners)
        b += sizeof(ListenSock) + l.acceptQueue.size() * sizeof(std::uint32_t) +
             (l.waiters.size() + l.watchers.size() + l.sharedWaiters.size()) * sizeof(int);
    return b;
}

} // namespace backlog
