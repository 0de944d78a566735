#include "model/kernel/Simulation.h"

#include "model/kernel/Engine.h"
#include "model/scenario/Settings.h"

#include <algorithm>

namespace backlog {

struct Simulation::Checkpoint {
    Time at;
    SimState state;
    std::size_t logLines;
    std::size_t workers;
    std::size_t listeners;
    std::uint64_t events;
    std::size_t bytes; // state.bytes()
};

namespace {
// Packets a run will record, roughly: a flood's SYN and its answer, a dozen segments per client.
// Reserving them up front spares the copies of a growing column (capped: it is only a hint).
std::size_t expectedPackets(const Scenario& s) {
    std::int64_t n = 0;
    for (const TrafficEntry& e : s.traffic) {
        if (e.kind == TrafficEntry::Kind::Flood)
            n += 2 * e.flood.ratePerSecond *
                 std::max<std::int64_t>(0, (e.flood.to - e.flood.from).count() / 1'000'000) / 1000;
        else
            n += 12LL * plannedConnections(e.clients);
    }
    return static_cast<std::size_t>(std::clamp<std::int64_t>(n, 0, 64'000'000));
}

std::string seconds(Time t) {
    return formatSecondsTrimmed(t) + " s";
}

// What the run has started in all, as the changes go: a raise of server.listeners opens new listeners
// after the old ones, and a raise of server.workers.count starts new workers after the old (intervene(),
// Intervention.cpp); closed or retired ones stay in the history. Their numbers are bounded as the counts are
// (Limits), and a packet records its listener in 8 bits (History: meta_).
struct Started {
    std::int64_t listeners = 0;
    std::int64_t openListeners = 0;
    std::int64_t workers = 0;

    explicit Started(const Scenario& s)
        : listeners(s.server.listeners), openListeners(s.server.listeners), workers(s.server.workers.count) {}

    // `before`: the server settings before the intervention `iv`, `after` those it left.
    void follow(const ServerSettings& before, const ServerSettings& after, const Intervention& iv) {
        if (iv.key == "close-listener") openListeners = std::max<std::int64_t>(0, openListeners - 1);
        if (after.listeners != before.listeners) {
            listeners += std::max<std::int64_t>(0, after.listeners - openListeners);
            openListeners = after.listeners;
        }
        workers += std::max(0, after.workers.count - before.workers.count);
    }

    std::optional<std::string> problem() const {
        if (listeners > Limits::maxListeners)
            return "the run would open " + std::to_string(listeners) +
                   " listeners in all (a raise of server.listeners opens new ones), more than the limit of " +
                   std::to_string(Limits::maxListeners);
        if (workers > Limits::maxWorkers)
            return "the run would start " + std::to_string(workers) +
                   " workers in all (a raise of server.workers.count starts new ones), more than the limit "
                   "of " +
                   std::to_string(Limits::maxWorkers);
        return std::nullopt;
    }
};

// An intervention applied to the settings of a run, as the engine applies it: a start of held traffic
// moves the entry to that moment (a flood keeping its length), as Simulation::trafficAsRun says.
std::optional<std::string> applyToRun(Scenario& s, SettingsEditor& editor, const Intervention& iv) {
    if (iv.key == "close-listener") return std::nullopt;
    if (iv.key == "start-traffic") {
        for (TrafficEntry& e : s.traffic) {
            if (!e.held || trafficEntryName(e) != iv.value) continue;
            e.held = false;
            if (e.kind == TrafficEntry::Kind::Clients) {
                e.clients.at = iv.at;
            } else {
                const Time length = e.flood.to - e.flood.from;
                e.flood.from = iv.at;
                e.flood.to = iv.at + length;
            }
        }
        return std::nullopt;
    }
    return editor.apply(iv.key, iv.value);
}
// A scenario's own timed changes (a scenario file's `events`, a scenario made in code) taken in time
// order: the first that takes the run beyond a limit, or nothing. The reader checks each change's keys
// and the rules across keys; the listeners and workers started in all are checked here too.
std::optional<std::string> changesBeyondLimits(const Scenario& scenario) {
    std::vector<const Intervention*> order;
    for (const Intervention& iv : scenario.events)
        order.push_back(&iv);
    std::stable_sort(order.begin(), order.end(),
                     [](const Intervention* a, const Intervention* b) { return a->at < b->at; });
    Scenario run = scenario;
    run.events.clear();
    SettingsEditor editor(run);
    Started started(run);
    for (const Intervention* iv : order) {
        const ServerSettings was = run.server;
        if (applyToRun(run, editor, *iv)) continue; // the engine skips it too
        started.follow(was, run.server, *iv);
        const std::string where = " (with the change of " + iv->key + " at " + formatDuration(iv->at) + ")";
        if (const std::optional<std::string> problem = started.problem()) return *problem + where;
        for (const ScenarioProblem& p : checkScenario(run))
            if (p.overLimit) return p.keys.front() + ": " + p.message + where;
    }
    return std::nullopt;
}
} // namespace

Simulation::Simulation(Scenario scenario)
    : scenario_(std::move(scenario)), state_(std::make_unique<SimState>(scenario_)) {
    // The readers refuse a scenario beyond the limits, but a scenario may also come from code, or from a
    // lesson with `--set` applied after reading: whatever its way here, it does not run.
    std::vector<std::string> over;
    for (const ScenarioProblem& p : checkScenario(scenario_))
        if (p.overLimit) over.push_back(p.keys.front() + ": " + p.message);
    if (const std::optional<std::string> started = Started(scenario_).problem()) over.push_back(*started);
    if (over.empty())
        if (const std::optional<std::string> changed = changesBeyondLimits(scenario_))
            over.push_back(*changed);
    if (!over.empty()) {
        std::string message = "the run was refused: " + over.front();
        for (std::size_t i = 1; i < over.size(); ++i)
            message += "; " + over[i];
        stopped_ = std::move(message);
        refused_ = true;
    } else {
        history_.reservePackets(expectedPackets(scenario_));
    }
    // The server as it starts (its listeners and workers at time 0), even for a refused run, so that a
    // view has something true to show beside the message.
    Engine engine(*state_, history_, kernelLog_);
    engine.start();
    engine.flushCounters();
    // start() records at time 0 before any event runs, so the first checkpoint comes one interval
    // later; a change before it restarts from scratch.
    nextCheckpoint_ = checkpointEvery_;
}

Simulation::~Simulation() = default;

std::unique_ptr<Simulation> Simulation::measured(Scenario scenario, History history,
                                                 std::vector<KernelLogLine> kernelLog, RunSource source) {
    auto sim = std::make_unique<Simulation>(std::move(scenario));
    sim->history_ = std::move(history);
    sim->kernelLog_ = std::move(kernelLog);
    sim->source_ = std::move(source);
    sim->source_.measured = true;
    sim->events_ = sim->history_.packetCount();
    return sim;
}

bool Simulation::idle() const {
    return source_.measured || state_->queue.empty();
}
Time Simulation::now() const {
    return source_.measured ? history_.end : state_->now;
}

void Simulation::takeCheckpoint(Time at) {
    const std::size_t bytes = state_->bytes();
    while (!checkpoints_.empty() && checkpointBytes_ + bytes > Limits::maxCheckpointBytes)
        thinCheckpoints();
    // A state larger than the whole allowance is not kept: a change before the next kept checkpoint
    // simulates again from an earlier one, or from the start.
    if (checkpointBytes_ + bytes > Limits::maxCheckpointBytes) return;
    checkpoints_.push_back(
        {at, *state_, kernelLog_.size(), history_.workers.size(), history_.listeners.size(), events_, bytes});
    checkpointBytes_ += bytes;
}

void Simulation::dropLastCheckpoint() {
    checkpointBytes_ -= checkpoints_.back().bytes;
    checkpoints_.pop_back();
}

// Every other checkpoint goes (the first stays), and they are taken half as often from now on.
void Simulation::thinCheckpoints() {
    std::vector<Checkpoint> kept;
    kept.reserve(checkpoints_.size() / 2 + 1);
    checkpointBytes_ = 0;
    for (std::size_t i = 0; i < checkpoints_.size(); i += 2) {
        checkpointBytes_ += checkpoints_[i].bytes;
        kept.push_back(std::move(checkpoints_[i]));
    }
    checkpoints_ = std::move(kept);
    checkpointEvery_ = checkpointEvery_ * 2;
}

void Simulation::renewBudget() {
    workAtRenewal_ = work_;
    if (stopped_ && !refused_) stopped_.reset(); // stopped between two events: the state goes on from there
}

bool Simulation::overBudget() {
    if (work_ - workAtRenewal_ > eventLimit_) {
        stopped_ = "the run stopped at " + seconds(state_->now) + ": it has simulated " +
                   std::to_string(work_ - workAtRenewal_) +
                   " events (re-simulations after changes included), more than the limit of " +
                   std::to_string(eventLimit_);
        return true;
    }
    // Measuring the history visits every client and worker: about once every million events.
    if (work_ >= nextBytesCheck_) {
        nextBytesCheck_ = work_ + (1u << 20);
        const std::size_t bytes = history_.bytesHeld();
        if (bytes > Limits::maxHistoryBytes) {
            stopped_ = "the run stopped at " + seconds(state_->now) + ": its history holds " +
                       std::to_string(bytes) + " bytes, more than the limit of " +
                       std::to_string(Limits::maxHistoryBytes);
            return true;
        }
    }
    return false;
}

void Simulation::runUntil(Time t) {
    if (stopped_ || source_.measured) return;
    SimState& s = *state_;
    Engine engine(s, history_, kernelLog_);
    Event e{};
    // The budget is looked at between events, every 4096 of them and right after the last one allowed:
    // a single event does a bounded amount of work (the one that did not, the herd's wake-ups, is
    // bounded by checkScenario()).
    const std::uint64_t pastLimit = workAtRenewal_ + eventLimit_ + 1;
    const auto nextLookFrom = [pastLimit](std::uint64_t work) { return std::min(work + 4096, pastLimit); };
    std::uint64_t nextLook = nextLookFrom(work_);
    while (!s.queue.empty()) {
        // A checkpoint holds the state before any event at or after its time (History::truncate).
        const Time next = s.queue.top().at;
        if (next > t) break;
        if (next >= nextCheckpoint_) {
            if (checkpoints_.empty() || checkpoints_.back().at < nextCheckpoint_)
                takeCheckpoint(nextCheckpoint_);
            while (nextCheckpoint_ <= next)
                nextCheckpoint_ += checkpointEvery_;
        }
        // Between checkpoints, events are taken without looking at the checkpoint time again.
        while (s.queue.popIfNotAfter(std::min(t, nextCheckpoint_ - Time::ns(1)), e)) {
            engine.process(e);
            ++events_;
            if (++work_ >= nextLook) {
                nextLook = nextLookFrom(work_);
                if (overBudget()) {
                    // Stopped cleanly between two events: the history is whole up to now.
                    history_.end = std::max(history_.end, s.now);
                    return;
                }
            }
        }
    }
    history_.end = std::max(history_.end, s.queue.empty() ? s.now : t);
    if (!s.queue.empty()) s.now = std::max(s.now, t);
}

void Simulation::run() {
    if (stopped_ || source_.measured) return;
    const Time limit = scenario_.until.value_or(Limits::maxDuration);
    runUntil(limit);
    if (scenario_.until && !stopped_) history_.end = *scenario_.until;
}

// The run's settings from the start, with the changes applied in time order (a new one after those
// already at its moment, as the engine will apply it), must stay within the limits from the new change on.
std::optional<std::string> Simulation::checkChange(Time t, const std::string& key,
                                                   const std::string& value) const {
    if (t > Limits::maxDuration)
        return "a change at " + formatDuration(t) + " is later than the limit of " +
               formatDuration(Limits::maxDuration);
    Intervention added;
    added.at = t;
    added.key = key;
    added.value = value;
    std::vector<const Intervention*> order;
    for (const Intervention& iv : scenario_.events)
        order.push_back(&iv);
    order.push_back(&added);
    std::stable_sort(order.begin(), order.end(),
                     [](const Intervention* a, const Intervention* b) { return a->at < b->at; });
    Scenario run = scenario_;
    run.events.clear(); // the changes are applied from `order`; checkScenario() does not read them
    SettingsEditor editor(run);
    Started started(run);
    std::vector<ScenarioProblem> before;
    bool from = false; // at or after the new change
    for (const Intervention* iv : order) {
        if (iv == &added) {
            before = checkScenario(run);
            from = true;
        }
        const ServerSettings was = run.server;
        if (const std::optional<std::string> problem = applyToRun(run, editor, *iv)) {
            if (iv == &added) return problem;
            continue; // an earlier change the engine will skip too (it was checked when it was made)
        }
        started.follow(was, run.server, *iv);
        if (!from) continue;
        // Named by what was changed (the sum that overflows may cross its limit at another entry).
        const std::string what = key == "start-traffic" ? "start-traffic " + value : key;
        if (const std::optional<std::string> problem = started.problem()) return what + ": " + *problem;
        for (const ScenarioProblem& p : checkScenario(run)) {
            const bool isNew = std::none_of(before.begin(), before.end(), [&](const ScenarioProblem& old) {
                return old.message == p.message;
            });
            if (!isNew) continue;
            const std::string later =
                iv == &added ? std::string()
                             : " (with the change of " + iv->key + " at " + formatDuration(iv->at) + ")";
            return what + ": " + p.message + later;
        }
    }
    return std::nullopt;
}

std::optional<std::string> Simulation::changeAt(Time t, const std::string& key, const std::string& value) {
    if (stopped_) return stopped_;
    if (source_.measured)
        return "this run was measured on the real kernel and cannot be changed: change the scenario and run "
               "it on this machine again";
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
        const bool held =
            std::any_of(scenario_.traffic.begin(), scenario_.traffic.end(),
                        [&](const TrafficEntry& e) { return e.held && trafficEntryName(e) == value; });
        if (!held) return "start-traffic: no traffic entry named " + value + " waits to be started";
    } else {
        Scenario probe = state_->live;
        if (auto err = applySetting(probe, key, value)) return err;
    }
    if (auto err = checkChange(t, key, value)) return err;
    const Time reached = history_.end;
    if (state_->now < t) {
        // Nothing has been simulated at or after t (a lesson runs up to each step before its change):
        // nothing to cut. The change joins the queue as a restored state's would, before the other
        // events at t (an intervention's order has no class bits, EventQueue.h).
        Intervention iv;
        iv.at = t;
        iv.key = key;
        iv.value = value;
        scenario_.events.push_back(iv);
        state_->live.events.push_back(iv);
        Engine(*state_, history_, kernelLog_).pushIntervention(state_->live.events.size() - 1);
        runUntil(std::max(reached, t));
        return std::nullopt;
    }
    // Cut: the latest checkpoint at or before t, everything after it forgotten, then forward again.
    while (!checkpoints_.empty() && checkpoints_.back().at > t)
        dropLastCheckpoint();
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
        dropLastCheckpoint(); // retaken on the way forward
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
    for (std::size_t i = known; i < scenario_.events.size(); ++i)
        engine.pushIntervention(i);
    runUntil(std::max(reached, t));
    if (scenario_.until && reached >= *scenario_.until && !stopped_)
        history_.end = std::max(history_.end, *scenario_.until);
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

std::string Simulation::serverAddress() const {
    return source_.measured ? source_.serverAddress : "10.0.0.1";
}

std::string Simulation::clientAddress(std::uint32_t c) const {
    return formatIpv4(history_.clients[c].address);
}

std::string Simulation::peerAddress(FlowId flow) const {
    if (isSpoofed(flow)) {
        const std::size_t i = flow & ~(kSpoofedFlow | kUnroutableFlow);
        if (source_.measured)
            return i < source_.spoofedSources.size() ? formatEndpoint(source_.spoofedSources[i]) : "?";
        return formatEndpoint(spoofedSource(scenario_.seed, flow));
    }
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
        const bool unread = !rec.dataQueuedAt.isNever() && rec.dataQueuedAt <= t &&
                            (rec.acceptedAt.isNever() || t < rec.acceptedAt);
        s.recvQ = unread ? kRequestBytes : 0; // D1: the request waits, unread, until accept() + read()
        s.local = local;
        s.peer = peerAddress(c);
        out.push_back(s);
    }
    return out;
}

} // namespace backlog
