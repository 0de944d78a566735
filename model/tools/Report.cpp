#include "model/tools/Report.h"
#include "model/tools/KernelTools.h"

#include "model/scenario/Settings.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

namespace backlog {

std::string jsonSeconds(Time t) {
    return formatSecondsTrimmed(t);
}

std::string jsonString(std::string_view s) {
    std::string out = "\"";
    for (char ch : s) {
        switch (ch) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(ch) < 0x20) {
                static const char* hex = "0123456789abcdef";
                out += "\\u00";
                out += hex[(ch >> 4) & 0xF];
                out += hex[ch & 0xF];
            } else {
                out += ch;
            }
        }
    }
    return out + "\"";
}

namespace {

struct ListenerSummary {
    std::int64_t sendQ = 0, recvQ = 0, maxRecvQ = 0, synRecv = 0, maxSynRecv = 0, accepted = 0, wasted = 0;
    bool open = true;
};

ListenerSummary summarise(const History& h, int l, Time t) {
    ListenerSummary s;
    const QueueLengths q = h.queueLengthsAt(l, t);
    s.recvQ = q.accept;
    s.synRecv = q.syn;
    s.sendQ = h.maxBacklogAt(l, t);
    s.open = h.listenerOpenAt(l, t);
    for (const ListenerRecord::Change& c : h.listeners[static_cast<std::size_t>(l)].changes) {
        if (c.at > t) break;
        s.maxRecvQ = std::max<std::int64_t>(s.maxRecvQ, c.accept);
        s.maxSynRecv = std::max<std::int64_t>(s.maxSynRecv, c.syn);
    }
    const StayTrack& accept = h.queues[static_cast<std::size_t>(l)][1];
    for (std::uint32_t i = 0; i < accept.size(); ++i) {
        const QueueEntry e = accept.entry(i);
        if (e.reason == LeaveReason::Accepted && e.left <= t) ++s.accepted;
    }
    s.wasted = h.wastedWakeupsUntil(l, t);
    return s;
}

std::string nullableSeconds(Time at, Time t) {
    return (at.isNever() || at > t) ? "null" : jsonSeconds(at);
}

// Lines of `nstat -az` whose value is not zero: what plain `nstat -a` shows.
std::string nonZeroNstat(const CounterValues& v) {
    std::istringstream in(formatNstat(v));
    std::string line, out;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string name, value;
        fields >> name >> value;
        if (name == "#kernel" || value != "0") out += line + "\n";
    }
    return out;
}

// Who accepted whom (P1-P3, M20): per worker, what its wake-ups came to. A run with thousands of workers
// lists the first kShownWorkers; the JSON report has them all.
constexpr std::size_t kShownWorkers = 16;

void workerTable(std::ostream& out, const History& h, const Scenario& sc, Time t) {
    if (h.workers.empty()) return;
    out << "\nWorkers (" << std::string(acceptModeKey(workersAt(sc, t).accept)) << ")\n"
        << "  worker  listener  accepted  wake-ups  futile  EAGAIN\n";
    const std::size_t shown = std::min(h.workers.size(), kShownWorkers);
    for (std::uint32_t w = 0; w < shown; ++w) {
        const WorkerCounts n = h.workerCountsUntil(w, t);
        char line[96];
        std::snprintf(line, sizeof line, "  #%-6u %8d %9lld %9lld %7lld %7lld\n", w, h.workers[w].listener,
                      static_cast<long long>(n.accepted), static_cast<long long>(n.wakeups),
                      static_cast<long long>(n.futile), static_cast<long long>(n.eagain));
        out << line;
    }
    if (shown < h.workers.size())
        out << "  … " << h.workers.size() - shown << " more (--json lists them all)\n";
}

// What a client that called connect() came to, and when: the one reading of a ClientRecord that both
// clientOutcomesAt() and ClientOutcomeIndex count, so that they agree.
struct ClientMilestones {
    Time started, connected, accepted, answered, failed;
    ClientError error;
    std::size_t retransmissions; // SYNs sent up to the connection, less the first
};

ClientMilestones milestonesOf(const ClientRecord& c) {
    std::size_t syns = 0;
    for (Time s : c.synTimes)
        syns += s <= c.connectedAt ? 1u : 0u;
    return {c.connectAt, c.connectedAt, c.acceptedAt,           c.respondedAt,
            c.errorAt,   c.error,       syns > 0 ? syns - 1 : 0};
}

// The failures by the name the call returned, in the order of the names ("ECONNREFUSED" first).
std::map<std::string, std::int64_t> failuresByName(const ClientOutcomes& o) {
    std::map<std::string, std::int64_t> out;
    for (std::size_t e = 1; e < o.failed.size(); ++e)
        if (o.failed[e] > 0) out[std::string(clientErrorName(static_cast<ClientError>(e)))] = o.failed[e];
    return out;
}

std::int64_t countUntil(const std::vector<Time>& sorted, Time t) {
    return std::upper_bound(sorted.begin(), sorted.end(), t) - sorted.begin();
}

} // namespace

ClientOutcomes clientOutcomesAt(const History& h, Time t) {
    ClientOutcomes o;
    for (const ClientRecord& c : h.clients) {
        const ClientMilestones m = milestonesOf(c);
        if (m.started > t) continue;
        ++o.started;
        if (m.connected <= t) {
            if (o.byRetransmissions.size() <= m.retransmissions)
                o.byRetransmissions.resize(m.retransmissions + 1);
            ++o.connected;
            ++o.byRetransmissions[m.retransmissions];
        }
        if (m.accepted <= t) ++o.accepted;
        if (m.answered <= t) ++o.answered;
        if (m.failed <= t) ++o.failed[static_cast<std::size_t>(m.error)];
        if (m.answered > t && m.failed > t) ++o.waiting;
    }
    return o;
}

ClientOutcomeIndex::ClientOutcomeIndex(const History& h) {
    const auto add = [](std::vector<Time>& times, Time at) {
        if (!at.isNever()) times.push_back(at);
    };
    for (const ClientRecord& c : h.clients) {
        const ClientMilestones m = milestonesOf(c);
        add(started_, m.started);
        add(connected_, m.connected);
        if (!m.connected.isNever()) {
            if (connectedAfter_.size() <= m.retransmissions) connectedAfter_.resize(m.retransmissions + 1);
            connectedAfter_[m.retransmissions].push_back(m.connected);
        }
        add(accepted_, m.accepted);
        add(answered_, m.answered);
        add(failed_[static_cast<std::size_t>(m.error)], m.failed);
        add(finished_, std::min(m.answered, m.failed));
    }
    for (std::vector<Time>* times : {&started_, &connected_, &accepted_, &answered_, &finished_})
        std::sort(times->begin(), times->end());
    for (std::vector<Time>& times : failed_)
        std::sort(times.begin(), times.end());
    for (std::vector<Time>& times : connectedAfter_)
        std::sort(times.begin(), times.end());
}

ClientOutcomes ClientOutcomeIndex::at(Time t) const {
    ClientOutcomes o;
    o.started = countUntil(started_, t);
    o.connected = countUntil(connected_, t);
    o.accepted = countUntil(accepted_, t);
    o.answered = countUntil(answered_, t);
    for (std::size_t e = 0; e < failed_.size(); ++e)
        o.failed[e] = countUntil(failed_[e], t);
    o.waiting = o.started - countUntil(finished_, t);
    for (std::size_t r = 0; r < connectedAfter_.size(); ++r) {
        if (const std::int64_t n = countUntil(connectedAfter_[r], t)) {
            o.byRetransmissions.resize(r + 1);
            o.byRetransmissions[r] = n;
        }
    }
    return o;
}

std::string textReport(const Simulation& sim, Time t) {
    const History& h = sim.history();
    const Scenario& sc = sim.scenario();
    std::ostringstream out;
    const RunSource& source = sim.source();
    out << (sc.title.empty() ? "Backlog simulation" : sc.title) << "\n";
    if (source.measured) {
        // The lab's run (issue 14): what this machine's kernel did, not the model.
        out << "MEASURED on this machine: Linux " << source.kernelRelease << " (" << source.how << "), at "
            << jsonSeconds(t) << " s (" << sim.eventsProcessed() << " segments captured)\n";
        for (const std::string& w : source.warnings)
            out << "  warning: " << w << "\n";
        out << "\n";
    } else {
        out << "kernel " << sc.kernel.profile.name << ", HZ " << sc.kernel.hz << ", seed " << sc.seed
            << ", at " << jsonSeconds(t) << " s (" << sim.eventsProcessed() << " events)\n\n";
    }

    out << "Listeners\n";
    for (std::size_t l = 0; l < h.listeners.size(); ++l) {
        const ListenerSummary s = summarise(h, static_cast<int>(l), t);
        out << "  #" << l << (s.open ? "" : " (closed)") << ": backlog (Send-Q) " << s.sendQ
            << ", accept queue " << s.recvQ << " (max " << s.maxRecvQ << "), SYN queue " << s.synRecv
            << " (max " << s.maxSynRecv << "), accepted " << s.accepted;
        if (sc.server.workers.accept != AcceptMode::Blocking || s.wasted > 0)
            out << ", wasted wake-ups " << s.wasted;
        out << "\n";
    }

    const ClientOutcomes clients = clientOutcomesAt(h, t);
    out << "\nClients: " << clients.started << " connect() calls, " << clients.connected << " connected, "
        << clients.accepted << " accepted, " << clients.answered << " answered";
    for (const auto& [name, n] : failuresByName(clients))
        out << ", " << n << " " << name;
    out << "\n";
    for (std::size_t retrans = 0; retrans < clients.byRetransmissions.size(); ++retrans) {
        if (const std::int64_t n = clients.byRetransmissions[retrans])
            out << "  connected after " << retrans << " SYN retransmission" << (retrans == 1 ? "" : "s")
                << ": " << n << "\n";
    }

    workerTable(out, h, sc, t);

    if (!sim.kernelLog().empty() && sim.kernelLog().front().at <= t) {
        out << "\nKernel log\n";
        for (const KernelLogLine& line : sim.kernelLog())
            if (line.at <= t) out << "  [" << formatSeconds(line.at) << "] " << line.text << "\n";
    }
    out << "\n$ ss -lnt\n" << formatSsListening(sim.ssListening(t));
    out << "\n$ nstat -a   (server)\n" << nonZeroNstat(h.countersAt(Host::Server, t));
    return out.str();
}

std::string jsonReport(const Simulation& sim, Time t) {
    const History& h = sim.history();
    const Scenario& sc = sim.scenario();
    std::ostringstream out;
    out << "{\n  \"title\": " << jsonString(sc.title)
        << ",\n  \"kernel\": " << jsonString(sc.kernel.profile.name) << ",\n  \"seed\": " << sc.seed
        << ",\n  \"at\": " << jsonSeconds(t) << ",\n  \"events\": " << sim.eventsProcessed() << ",\n";
    // Where the numbers come from: the model, or this machine's kernel (issue 14: the same keys either way).
    const RunSource& source = sim.source();
    out << "  \"source\": " << (source.measured ? "\"measured\"" : "\"model\"") << ",\n  \"kernel_release\": "
        << (source.measured ? jsonString(source.kernelRelease) : std::string("null"))
        << ",\n  \"warnings\": [";
    for (std::size_t i = 0; i < source.warnings.size(); ++i)
        out << (i ? ", " : "") << jsonString(source.warnings[i]);
    out << "],\n";

    const auto counters = [&](const char* key, Host host) {
        const CounterValues v = h.countersAt(host, t);
        out << "  " << jsonString(key) << ": {";
        for (std::size_t c = 0; c < kCounterCount; ++c)
            out << (c ? ", " : "") << jsonString(counterName(static_cast<Counter>(c))) << ": " << v[c];
        out << "},\n";
    };
    counters("counters", Host::Server);
    counters("client_counters", Host::Clients);

    out << "  \"listeners\": [";
    for (std::size_t l = 0; l < h.listeners.size(); ++l) {
        const ListenerSummary s = summarise(h, static_cast<int>(l), t);
        out << (l ? "," : "") << "\n    {\"index\": " << l << ", \"open\": " << (s.open ? "true" : "false")
            << ", \"send_q\": " << s.sendQ << ", \"recv_q\": " << s.recvQ
            << ", \"max_recv_q\": " << s.maxRecvQ << ", \"syn_recv\": " << s.synRecv
            << ", \"max_syn_recv\": " << s.maxSynRecv << ", \"accepted\": " << s.accepted
            << ", \"wasted_wakeups\": " << s.wasted << "}";
    }
    out << "\n  ],\n  \"workers\": [";
    const std::string accept = jsonString(std::string(acceptModeKey(workersAt(sc, t).accept)));
    for (std::uint32_t w = 0; w < h.workers.size(); ++w) {
        const WorkerCounts n = h.workerCountsUntil(w, t);
        out << (w ? "," : "") << "\n    {\"index\": " << w << ", \"listener\": " << h.workers[w].listener
            << ", \"accept\": " << accept << ", \"accepted\": " << n.accepted
            << ", \"wakeups\": " << n.wakeups << ", \"futile_wakeups\": " << n.futile
            << ", \"eagain\": " << n.eagain << "}";
    }
    out << "\n  ],\n  \"clients\": [";
    bool first = true;
    for (std::uint32_t c = 0; c < h.clients.size(); ++c) {
        const ClientRecord& r = h.clients[c];
        if (r.connectAt > t) continue;
        out << (first ? "" : ",") << "\n    {\"id\": " << c
            << ", \"traffic\": " << jsonString(trafficEntryName(sc.traffic[r.traffic]))
            << ", \"connect_at\": " << jsonSeconds(r.connectAt)
            << ", \"connected_at\": " << nullableSeconds(r.connectedAt, t)
            << ", \"accepted_at\": " << nullableSeconds(r.acceptedAt, t)
            << ", \"responded_at\": " << nullableSeconds(r.respondedAt, t) << ", \"worker\": "
            << (r.worker >= 0 && r.acceptedAt <= t ? std::to_string(r.worker) : std::string("null"))
            << ", \"state\": " << jsonString(ssStateName(h.clientStateAt(c, t))) << ", \"error\": "
            << (r.errorAt <= t ? jsonString(clientErrorName(r.error)) : std::string("null"))
            << ", \"syn_times\": [";
        bool firstSyn = true;
        for (Time s : r.synTimes) {
            if (s > t) break;
            out << (firstSyn ? "" : ", ") << jsonSeconds(s);
            firstSyn = false;
        }
        out << "]}";
        first = false;
    }
    out << "\n  ],\n  \"kernel_log\": [";
    first = true;
    for (const KernelLogLine& line : sim.kernelLog()) {
        if (line.at > t) break;
        out << (first ? "" : ",") << "\n    {\"at\": " << jsonSeconds(line.at)
            << ", \"text\": " << jsonString(line.text) << "}";
        first = false;
    }
    out << "\n  ],\n  \"ss\": " << jsonString(formatSsListening(sim.ssListening(t)))
        << ",\n  \"ss_all\": " << jsonString(formatSsAll(sim.ssAll(t)))
        << ",\n  \"nstat\": " << jsonString(formatNstat(h.countersAt(Host::Server, t))) << "\n}\n";
    return out.str();
}

} // namespace backlog
