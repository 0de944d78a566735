#include "views/render/StageSupport.h"

#include "model/kernel/Simulation.h"
#include "model/scenario/Settings.h"

#include <algorithm>

namespace backlog::views::stage {

QString latin1(std::string_view s) {
    return QString::fromLatin1(s.data(), static_cast<qsizetype>(s.size()));
}

QString thousands(std::int64_t v) {
    QString digits = QString::number(v < 0 ? -v : v);
    for (qsizetype at = digits.size() - 3; at > 0; at -= 3)
        digits.insert(at, QLatin1Char(','));
    return v < 0 ? QLatin1Char('-') + digits : digits;
}

QString formatClock(Time t) {
    const std::int64_t ns = t.count();
    if (ns < 1'000'000'000) return QStringLiteral("%1 ms").arg(dbl(ns) / 1e6, 0, 'f', 3);
    return QStringLiteral("%1 s").arg(dbl(ns) / 1e9, 0, 'f', 6);
}

QString formatSpan(Time t) {
    const std::int64_t ns = t.count();
    const auto trim = [](double v, const char* unit) {
        const int decimals = v < 9.995 ? 2 : (v < 99.95 ? 1 : 0);
        QString s = QString::number(v, 'f', decimals);
        if (s.contains(QLatin1Char('.'))) {
            while (s.endsWith(QLatin1Char('0')))
                s.chop(1);
            if (s.endsWith(QLatin1Char('.'))) s.chop(1);
        }
        return s + QString::fromUtf8(unit);
    };
    // 999.9996 ms is "1 s", not "1000 ms": the unit is chosen after rounding to what is shown.
    if (ns >= 999'500'000) return trim(dbl(ns) / 1e9, " s");
    if (ns >= 999'500) return trim(dbl(ns) / 1e6, " ms");
    if (ns >= 1'000) return trim(dbl(ns) / 1e3, " µs");
    if (ns == 0) return QStringLiteral("0 s");
    return trim(dbl(ns), " ns");
}

const char* lookName(ClientLook l) {
    switch (l) {
    case ClientLook::NotYet:
        return "not connected yet";
    case ClientLook::Connecting:
        return "SYN-SENT";
    case ClientLook::Retrying:
        return "SYN-SENT, retrying";
    case ClientLook::Waiting:
        return "ESTAB, not accepted";
    case ClientLook::Accepted:
        return "accepted";
    case ClientLook::Ghost:
        return "ghost (server forgot)";
    case ClientLook::Done:
        return "done";
    case ClientLook::Failed:
        return "failed";
    case ClientLook::Count_:
        break;
    }
    return "";
}

ClientStatus clientStatus(const History& h, std::uint32_t c, Time t, Time maxFlight) {
    const ClientRecord& rec = h.clients[c];
    ClientStatus s;
    if (rec.connectAt > t) return s;
    s.state = h.clientStateAt(c, t);
    s.syns = static_cast<int>(std::upper_bound(rec.synTimes.begin(), rec.synTimes.end(), t) -
                              rec.synTimes.begin());
    if (rec.error != ClientError::None && rec.errorAt <= t) {
        s.look = ClientLook::Failed;
    } else if (s.state == TcpState::SynSent) {
        s.look = s.syns > 1 ? ClientLook::Retrying : ClientLook::Connecting;
    } else if (!rec.acceptedAt.isNever() && rec.acceptedAt <= t) {
        s.look =
            (s.state == TcpState::Established || s.state == TcpState::FinWait1 ||
             s.state == TcpState::FinWait2 || s.state == TcpState::CloseWait || s.state == TcpState::LastAck)
                ? ClientLook::Accepted
                : ClientLook::Done;
    } else if (s.state == TcpState::Established || s.state == TcpState::FinWait1 ||
               s.state == TcpState::FinWait2) {
        // A ghost: the client believes it is connected and the server has nothing — once the final
        // ACK had time to arrive (before that, a cookie handshake legitimately has no server state).
        const bool serverForgot = h.serverStateAt(c, t) == TcpState::Closed && !rec.connectedAt.isNever() &&
                                  t - rec.connectedAt >= maxFlight;
        s.look = serverForgot ? ClientLook::Ghost : ClientLook::Waiting;
    } else {
        s.look = ClientLook::Done;
    }
    return s;
}

QString acceptModeName(const WorkerSettings& w) {
    QString mode;
    switch (w.accept) {
    case AcceptMode::Blocking:
        return QStringLiteral("blocking accept()");
    case AcceptMode::Epoll:
        mode = QStringLiteral("epoll");
        break;
    case AcceptMode::EpollExclusive:
        mode = QStringLiteral("epoll, EPOLLEXCLUSIVE");
        break;
    case AcceptMode::EpollShared:
        // P3: threads sleeping on one epoll fd are woken newest first (LIFO, M20).
        mode = QStringLiteral("epoll, one fd shared by threads");
        break;
    }
    if (w.eventLoop == EventLoop::Blocking) mode += QStringLiteral(" · loop blocks while serving");
    return mode;
}

bool floodShown(const Simulation& sim, std::size_t entry, Time t) {
    const TrafficEntry& e = sim.scenario().traffic[entry];
    if (e.kind != TrafficEntry::Kind::Flood) return false;
    return !e.held || sim.trafficAsRun(entry).flood.from <= t;
}

namespace {

// From when the stage shows each client, worker and listener. The History records a client at its
// connect(), a listener at its listen() and a worker only once it changes state; the scenario says the
// rest. Replayed here in the engine's order (start() in model/kernel/Engine.cpp, intervene() in
// Intervention.cpp): the scenario as written, then its changes in time order — a change that raises
// server.workers.count appends workers at its moment, a start-traffic starts a held traffic entry,
// traffic.NAME.clients plans more clients. A client is shown from the first moment the scenario in force
// plans it (its entry started, asking for at least that many), or from its connect() if that comes first.
void whenThingsExist(const Simulation& sim, std::vector<Time>& clientKnownFrom,
                     std::vector<Time>& workerBornAt, std::vector<Time>& listenerBornAt) {
    const History& h = sim.history();
    Scenario live = sim.scenario();
    std::vector<const Intervention*> changes;
    for (const Intervention& iv : sim.scenario().events)
        changes.push_back(&iv);
    std::stable_sort(changes.begin(), changes.end(),
                     [](const Intervention* a, const Intervention* b) { return a->at < b->at; });

    const std::size_t entries = live.traffic.size();
    std::vector<bool> started(entries);
    for (std::size_t e = 0; e < entries; ++e)
        started[e] = !live.traffic[e].held;
    const auto planned = [&](std::size_t e) -> std::int64_t {
        const TrafficEntry& te = live.traffic[e];
        return te.kind == TrafficEntry::Kind::Clients && started[e] ? plannedConnections(te.clients) : 0;
    };
    // Per entry: (from, how many clients are planned), the count only ever rising (a client once
    // shown stays: it may have connected).
    std::vector<std::vector<std::pair<Time, std::int64_t>>> plans(entries);
    const auto note = [&](Time at) {
        for (std::size_t e = 0; e < entries; ++e) {
            const std::int64_t n = planned(e);
            if (plans[e].empty() ? n > 0 : n > plans[e].back().second) plans[e].emplace_back(at, n);
        }
    };
    note(Time());
    workerBornAt.assign(static_cast<std::size_t>(std::max(0, live.server.workers.count)), Time());
    for (const Intervention* iv : changes) {
        if (iv->key == "close-listener") continue;
        if (iv->key == "start-traffic") {
            for (std::size_t e = 0; e < entries; ++e)
                if (live.traffic[e].held && trafficEntryName(live.traffic[e]) == iv->value) started[e] = true;
        } else {
            const int before = live.server.workers.count;
            if (applySetting(live, iv->key, iv->value)) continue; // refused: the engine skips it too
            for (int w = before; w < live.server.workers.count; ++w)
                workerBornAt.push_back(iv->at);
        }
        note(iv->at);
    }
    // What the history has beyond the replay (it should have nothing): from its first record on.
    workerBornAt.resize(h.workers.size(), Time());
    for (std::size_t w = 0; w < h.workers.size(); ++w)
        if (!h.workers[w].changes.empty())
            workerBornAt[w] = std::min(workerBornAt[w], h.workers[w].changes.front().at);
    listenerBornAt.assign(h.listeners.size(), Time::never());
    for (std::size_t l = 0; l < h.listeners.size(); ++l)
        if (!h.listeners[l].changes.empty()) listenerBornAt[l] = h.listeners[l].changes.front().at;

    clientKnownFrom.resize(h.clients.size());
    std::vector<std::int64_t> ordinal(entries, 0);
    for (std::size_t c = 0; c < h.clients.size(); ++c) {
        const ClientRecord& rec = h.clients[c];
        Time from = rec.connectAt;
        if (rec.traffic < entries) {
            const std::int64_t k = ordinal[rec.traffic]++;
            const auto& plan = plans[rec.traffic];
            const auto it =
                std::find_if(plan.begin(), plan.end(), [k](const auto& p) { return p.second > k; });
            if (it != plan.end()) from = std::min(from, it->first);
        }
        clientKnownFrom[c] = from;
    }
}

} // namespace

bool RunIndex::current(const Simulation& sim) const {
    const History& h = sim.history();
    return matches(h) && changes == sim.scenario().events.size() &&
           clientKnownFrom.size() == h.clients.size() && workerBornAt.size() == h.workers.size() &&
           listenerBornAt.size() == h.listeners.size();
}

std::unique_ptr<RunIndex> indexRun(const Simulation& sim) {
    const History& h = sim.history();
    auto idx = std::make_unique<RunIndex>();
    idx->history = &h;
    idx->packets = h.packetCount();
    idx->end = h.end;
    idx->changes = sim.scenario().events.size();
    whenThingsExist(sim, idx->clientKnownFrom, idx->workerBornAt, idx->listenerBornAt);
    for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
        const Packet p = h.packet(i);
        idx->maxFlight = std::max(idx->maxFlight, p.arrives - p.sent);
        if (p.kind == PacketKind::SynAck && p.retrans > 0)
            idx->synAckRetrans.emplace_back(p.flow, p.sent.count());
    }
    if (idx->packets > 0) idx->last = h.packet(static_cast<std::uint32_t>(idx->packets - 1));
    std::sort(idx->synAckRetrans.begin(), idx->synAckRetrans.end());
    return idx;
}

} // namespace backlog::views::stage
