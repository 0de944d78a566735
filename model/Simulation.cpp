#include "Simulation.h"

#include "Engine.h"
#include "Settings.h"

#include <algorithm>

namespace backlog {

struct Simulation::Checkpoint {
    Time at;
    SimState state;
    std::size_t logLines;
    std::size_t workers;
    std::size_t listeners;
    std::uint64_t events;
};

namespace {
// Packets a run will record, roughly: a flood's SYN and its answer, a dozen segments per client.
// Reserving them up front spares the copies of a growing column (capped: it is only a hint).
std::size_t expectedPackets(const Scenario& s) {
    std::int64_t n = 0;
    for (const TrafficEntry& e : s.traffic) {
        if (e.kind == TrafficEntry::Kind::Flood)
            n += 2 * e.flood.ratePerSecond * std::max<std::int64_t>(0, (e.flood.to - e.flood.from).count() / 1'000'000) / 1000;
        else
            n += 12LL * e.clients.clients;
    }
    return static_cast<std::size_t>(std::clamp<std::int64_t>(n, 0, 64'000'000));
}
} // namespace

Simulation::Simulation(Scenario scenario)
    : scenario_(std::move(scenario)), state_(std::make_unique<SimState>(scenario_)) {
    history_.reservePackets(expectedPackets(scenario_));
    Engine engine(*state_, history_, kernelLog_);
    engine.start();
    engine.flushCounters();
    // start() records at time 0 before any event runs, so the first checkpoint comes one interval
    // later; a change before it restarts from scratch.
    nextCheckpoint_ = checkpointEvery_;
}

Simulation::~Simulation() = default;

bool Simulation::idle() const { return state_->queue.empty(); }
Time Simulation::now() const { return state_->now; }

void Simulation::takeCheckpoint(Time at) {
    checkpoints_.push_back({at, *state_, kernelLog_.size(), history_.workers.size(), history_.listeners.size(), events_});
}

void Simulation::runUntil(Time t) {
    SimState& s = *state_;
    Engine engine(s, history_, kernelLog_);
    Event e{};
    while (!s.queue.empty()) {
        // A checkpoint holds the state before any event at or after its time (History::truncate).
        const Time next = s.queue.top().at;
        if (next > t) break;
        if (next >= nextCheckpoint_) {
            if (checkpoints_.empty() || checkpoints_.back().at < nextCheckpoint_) takeCheckpoint(nextCheckpoint_);
            while (nextCheckpoint_ <= next) nextCheckpoint_ += checkpointEvery_;
        }
        // Between checkpoints, events are taken without looking at the checkpoint time again.
        while (s.queue.popIfNotAfter(std::min(t, nextCheckpoint_ - Time::ns(1)), e)) {
            engine.process(e);
            ++events_;
        }
    }
    history_.end = std::max(history_.end, s.queue.empty() ? s.now : t);
    if (!s.queue.empty()) s.now = std::max(s.now, t);
}

void Simulation::run() {
    const Time limit = scenario_.until.value_or(Limits::maxDuration);
    runUntil(limit);
    if (scenario_.until) history_.end = *scenario_.until;
}

std::optional<std::string> Simulation::changeAt(Time t, const std::string& key, const std::string& value) {
    if (t < Time()) return "a change needs a time at or after 0s";
    if (key == "close-listener") {
        int l = -1;
        try {
            l = std::stoi(value);
        } catch (...) {
            return "close-listener: expected a listener index";
        }
        if (l < 0 || l >= static_cast<int>(history_.listeners.size()))
            return "close-listener: there is no listener " + value;
    } else if (key == "start-traffic") {
        const bool held = std::any_of(scenario_.traffic.begin(), scenario_.traffic.end(), [&](const TrafficEntry& e) {
            return e.held && trafficEntryName(e) == value;
        });
        if (!held) return "start-traffic: no traffic entry named " + value + " waits to be started";
    } else {
        Scenario probe = state_->live;
        if (auto err = applySetting(probe, key, value)) return err;
    }
    const Time reached = history_.end;
    // Cut: the latest checkpoint at or before t, everything after it forgotten, then forward again.
    while (!checkpoints_.empty() && checkpoints_.back().at > t) checkpoints_.pop_back();
    if (checkpoints_.empty()) {
        *state_ = SimState(scenario_);
        history_ = History();
        kernelLog_.clear();
        events_ = 0;
        Engine engine(*state_, history_, kernelLog_);
        engine.start();
        engine.flushCounters();
        nextCheckpoint_ = checkpointEvery_;
    } else {
        const Checkpoint& cp = checkpoints_.back();
        *state_ = cp.state;
        history_.truncate(cp.at);
        history_.workers.resize(cp.workers);
        history_.listeners.resize(cp.listeners);
        history_.queues.resize(cp.listeners);
        history_.wastedWakeups.resize(cp.listeners);
        kernelLog_.resize(cp.logLines);
        events_ = cp.events;
        nextCheckpoint_ = cp.at;
        checkpoints_.pop_back(); // retaken on the way forward
    }
    Intervention iv;
    iv.at = t;
    iv.key = key;
    iv.value = value;
    scenario_.events.push_back(iv);
    // The restored state knows the interventions that existed at its checkpoint; later ones (this
    // one, and any added since at times after the checkpoint) are scheduled now.
    const std::size_t known = state_->live.events.size();
    state_->live.events = scenario_.events;
    Engine engine(*state_, history_, kernelLog_);
    for (std::size_t i = known; i < scenario_.events.size(); ++i) engine.pushIntervention(i);
    runUntil(std::max(reached, t));
    if (scenario_.until && reached >= *scenario_.until) history_.end = std::max(history_.end, *scenario_.until);
    return std::nullopt;
}

TrafficEntry Simulation::trafficAsRun(std::size_t index) const {
    TrafficEntry e = scenario_.traffic.at(index);
    if (!e.held) return e;
    Time start = Time::never();
    for (const Intervention& iv : scenario_.events)
        if (iv.key == "start-traffic" && iv.value == trafficEntryName(e)) start = std::min(start, iv.at);
    e.held = false;
    if (e.kind == TrafficEntry::Kind::Clients) {
        e.clients.at = start;
    } else {
        const Time length = e.flood.to - e.flood.from;
        e.flood.from = start;
        e.flood.to = start.isNever() ? start : start + length;
    }
    return e;
}

std::string Simulation::serverAddress() const { return "10.0.0.1"; }

std::string Simulation::clientAddress(std::uint32_t c) const { return formatIpv4(history_.clients[c].address); }

std::string Simulation::peerAddress(FlowId flow) const {
    if (isSpoofed(flow)) return formatEndpoint(spoofedSource(scenario_.seed, flow));
    return formatEndpoint({history_.clients[flow].address, history_.clients[flow].port});
}

std::vector<SsSocket> Simulation::ssListening(Time t) const {
    std::vector<SsSocket> out;
    for (std::size_t l = 0; l < history_.listeners.size(); ++l) {
        if (!history_.listenerOpenAt(static_cast<int>(l), t)) continue;
        const QueueLengths q = history_.queueLengthsAt(static_cast<int>(l), t);
        SsSocket s;
        s.state = TcpState::Listen;
        s.recvQ = q.accept; // Q3
        s.sendQ = history_.maxBacklogAt(static_cast<int>(l), t);
        s.local = "0.0.0.0:" + std::to_string(history_.listeners[l].port);
        s.peer = "0.0.0.0:*";
        out.push_back(s);
    }
    return out;
}

std::vector<SsSocket> Simulation::ssAll(Time t) const {
    std::vector<SsSocket> out = ssListening(t);
    const std::string local = serverAddress() + ":" + std::to_string(scenario_.server.port);
    for (std::size_t l = 0; l < history_.listeners.size(); ++l) {
        for (const QueueEntry& e : history_.queueAt(static_cast<int>(l), QueueKind::Syn, t)) {
            if (!isSpoofed(e.flow)) continue; // real clients are listed below, from their own record
            out.push_back({TcpState::SynRecv, 0, 0, local, peerAddress(e.flow)});
        }
    }
    for (std::uint32_t c = 0; c < history_.clients.size(); ++c) {
        const TcpState st = history_.serverStateAt(c, t);
        if (st == TcpState::Closed) continue;
        const ClientRecord& rec = history_.clients[c];
        SsSocket s;
        s.state = st;
        const bool unread = !rec.dataQueuedAt.isNever() && rec.dataQueuedAt <= t && (rec.acceptedAt.isNever() || t < rec.acceptedAt);
        s.recvQ = unread ? kRequestBytes : 0; // D1: the request waits, unread, until accept() + read()
        s.local = local;
        s.peer = peerAddress(c);
        out.push_back(s);
    }
    return out;
}

} // namespace backlog
