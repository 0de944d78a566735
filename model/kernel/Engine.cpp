// The engine: one event at a time, handed to the rule it concerns. The rules themselves, each branch
// citing shared/KERNEL.md, are in the concept files.
#include "model/kernel/Engine.h"

#include "model/kernel/ChildSocket.h"
#include "model/kernel/ClientSocket.h"
#include "model/kernel/Intervention.h"
#include "model/kernel/ListenSocket.h"
#include "model/kernel/Network.h"
#include "model/kernel/RequestSock.h"
#include "model/kernel/SynFlood.h"
#include "model/kernel/Workers.h"

#include <cassert>

namespace backlog {

void Engine::start() {
    SimState& s = k_.s;
    const Scenario& sc = s.live;
    const int n = sc.server.listeners;
    for (int i = 0; i < n; ++i)
        addListener(k_);
    for (std::size_t t = 0; t < sc.traffic.size(); ++t) {
        s.traffic.emplace_back();
        s.floodSent.push_back(0);
        const TrafficEntry& e = sc.traffic[t];
        if (e.held) continue; // started by a start-traffic intervention
        k_.push(e.kind == TrafficEntry::Kind::Clients ? e.clients.at : e.flood.from,
                e.kind == TrafficEntry::Kind::Clients ? EventType::TrafficNext : EventType::FloodNext,
                static_cast<std::uint32_t>(t));
    }
    for (int w = 0; w < sc.server.workers.count; ++w) {
        s.workers.push_back({});
        s.workers.back().listener = w % n; // dealt out among the listeners
        k_.h.workers.emplace_back().listener = w % n;
    }
    k_.push(sc.server.workers.start, EventType::WorkersStart, 0);
    for (std::size_t i = 0; i < sc.events.size(); ++i)
        pushIntervention(i);
}

void Engine::pushIntervention(std::size_t index) {
    // Class 0: before the kernel's timers and the other events of the same instant.
    const Intervention& iv = k_.s.live.events[index];
    k_.s.queue.push({iv.at, k_.s.seq++, static_cast<std::uint32_t>(index), 0, EventType::Intervention},
                    EventQueue::kNoLane);
}

void Engine::process(const Event& e) {
    SimState& s = k_.s;
    assert(e.at >= s.now); // time never goes backwards
    s.now = e.at;
    // An event whose generation no longer matches its target's was cancelled (EventQueue.h).
    switch (e.type) {
    case EventType::Intervention:
        intervene(k_, e.target);
        break;
    case EventType::TrafficNext:
        connect(k_, e.target);
        break;
    case EventType::FloodNext:
        floodNext(k_, e.target);
        break;
    case EventType::Arrival:
        arrive(k_, e.target);
        break;
    case EventType::ClientSynTimer:
        if (s.clients[e.target].synGen == e.gen) clientSynTimer(k_, e.target);
        break;
    case EventType::ClientDataTimer:
        if (s.clients[e.target].dataGen == e.gen) clientDataTimer(k_, e.target);
        break;
    case EventType::RequestTimer:
        if (s.requests[e.target].live && s.requests[e.target].gen == e.gen) requestTimer(k_, e.target);
        break;
    case EventType::WorkersStart:
        startWorkers(k_, 0);
        break;
    case EventType::WorkerRun:
        if (s.workers[e.target].gen == e.gen) workerRun(k_, e.target);
        break;
    case EventType::WorkerAccept:
        if (s.workers[e.target].gen == e.gen) workerAccept(k_, e.target);
        break;
    case EventType::ServiceDone:
        if (s.workers[e.target].gen == e.gen) serviceDone(k_, e.target);
        break;
    case EventType::ConnectionDone:
        connectionDone(k_, e.target);
        break;
    case EventType::ClientClose:
        clientCloses(k_, e.target);
        break;
    case EventType::TimeWaitDone:
        if (e.target & kClientTimeWait)
            setClientState(k_, e.target & ~kClientTimeWait, TcpState::Closed);
        else if (s.children[e.target].gen == e.gen)
            setChildState(k_, e.target, TcpState::Closed);
        break;
    }
    k_.flushCounters();
}

} // namespace backlog
