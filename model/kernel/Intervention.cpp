// A change the lesson makes while the run goes: each is handed to the concept it concerns.
#include "model/kernel/Intervention.h"

#include "model/kernel/Kernel.h"
#include "model/kernel/ListenSocket.h"
#include "model/kernel/SynFlood.h"
#include "model/kernel/Workers.h"
#include "model/scenario/Settings.h"

#include <string>

namespace backlog {

namespace {

// A held entry begins now: clients from now on, a flood for as long as it was written to last.
void startTraffic(Kernel& k, const std::string& name) {
    SimState& s = k.s;
    for (std::size_t t = 0; t < s.live.traffic.size(); ++t) {
        TrafficEntry& e = s.live.traffic[t];
        if (!e.held || trafficEntryName(e) != name) continue;
        e.held = false;
        const auto target = static_cast<std::uint32_t>(t);
        if (e.kind == TrafficEntry::Kind::Clients) {
            e.clients.at = s.now;
            k.push(s.now, EventType::TrafficNext, target);
        } else {
            const Time length = e.flood.to - e.flood.from;
            e.flood.from = s.now;
            e.flood.to = s.now + length;
            k.push(s.now, EventType::FloodNext, target);
        }
    }
}

// server.listeners changed: new listeners join the group, or the last ones close (R4).
void setListenerCount(Kernel& k, int count) {
    int open = static_cast<int>(k.s.group.size());
    while (open < count) {
        addListener(k);
        ++open;
    }
    while (open > count && !k.s.group.empty()) {
        closeListener(k, k.s.group.back());
        --open;
    }
}

} // namespace

void intervene(Kernel& k, std::size_t index) {
    SimState& s = k.s;
    const Intervention& iv = s.live.events[index];
    ++s.interventionsApplied;
    if (iv.key == "close-listener") {
        const int l = std::stoi(iv.value);
        if (l >= 0 && static_cast<std::size_t>(l) < s.listeners.size()) closeListener(k, l);
        return;
    }
    if (iv.key == "start-traffic") {
        startTraffic(k, iv.value);
        return;
    }
    const Scenario before = s.live;
    if (applySetting(s.live, iv.key, iv.value)) return; // validated when it was added
    floodRatesChanged(k, before);
    const ServerSettings& was = before.server;
    const ServerSettings& is = s.live.server;
    if (is.backlog != was.backlog)
        for (std::size_t l = 0; l < s.listeners.size(); ++l)
            if (s.listeners[l].open) listen(k, static_cast<int>(l)); // L3
    if (is.listeners != was.listeners) setListenerCount(k, is.listeners);
    if (is.workers.count > was.workers.count)
        addWorkers(k, was.workers.count);
    else if (is.workers.count < was.workers.count)
        retireWorkers(k);
    if (is.workers.start != was.workers.start && is.workers.start <= s.now) startWorkers(k, 0);
    if (is.workers.accept != was.workers.accept) switchAcceptMode(k, was.workers.accept);
}

} // namespace backlog
