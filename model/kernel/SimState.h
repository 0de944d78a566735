// Internal to the kernel target: everything that changes while simulating. Plain values only, so a
// checkpoint is a copy. The sockets it holds are defined with the rules that move them.
#pragma once

#ifndef BACKLOG_INSIDE_MODEL_KERNEL
#error "model/kernel/SimState.h is private to backlog_model_kernel: use model/kernel/Simulation.h"
#endif

#include "model/core/EventQueue.h"
#include "model/core/Rng.h"
#include "model/core/TimerWheel.h"
#include "model/kernel/ChildSocket.h"
#include "model/kernel/ClientSocket.h"
#include "model/kernel/ListenSocket.h"
#include "model/kernel/RequestSock.h"
#include "model/kernel/Workers.h"
#include "model/scenario/Scenario.h"

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace backlog {

struct SimState {
    explicit SimState(const Scenario& scenario);

    // The bytes a copy of the state takes (a checkpoint), estimated from its containers' sizes.
    std::size_t bytes() const;

    Scenario live; // settings in force now (interventions change them)
    Time now;
    std::uint64_t seq = 0;
    EventQueue queue;
    Rng rng;
    TimerWheel wheel;
    std::uint32_t hashSecret = 0; // inet_ehashfn()'s secret (R2)
    std::int64_t cookiePhase = 0; // where the cookie minute counter stands at time 0 (K1)
    std::vector<ListenSock> listeners;
    std::vector<int> group;                                   // SO_REUSEPORT socks[] in join order (R4)
    Time lastSynqOverflow = Time::ns(-1'000'000'000'000'000); // shared by the group (R4)
    bool everOverflowed = false;
    std::vector<ClientSock> clients;
    std::vector<RequestSock> requests;
    std::vector<std::uint32_t> freeRequests;
    std::unordered_map<FlowId, std::uint32_t> spoofedRequests;
    std::vector<ChildSock> children;
    std::vector<Worker> workers;
    std::vector<TrafficGen> traffic;
    std::vector<std::int64_t> floodSent;
    std::uint32_t spoofedCount = 0;
    std::unordered_set<std::uint32_t> proven; // tcp_metrics: peers with an RTT sample (S5)
    std::size_t interventionsApplied = 0;
};

} // namespace backlog
