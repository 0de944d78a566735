// What the rule tests of shared/KERNEL.md section 3 share (tests/model/kernel/tst_rules_<family>_*.cpp, one
// program per rule family): a scenario file written from a few parameters (ScenarioText), a run of it
// (SIMULATE), and readers of the run's History (counters, packets of a flow, queue stays, workers).
//
// Timing: kernel timers fire late (M11). Every timer-driven time is checked against a window
// [nominal, nominal + the largest lateness M11 allows, summed over the chain of timers]; see
// timerSlack(). Network delays are exact (no jitter), so times that follow from one packet are exact.
#pragma once

#include "model/core/Counters.h"
#include "model/core/Packet.h"
#include "model/core/Tcp.h"
#include "model/core/Time.h"
#include "model/history/History.h"
#include "model/kernel/Simulation.h"
#include "model/scenario/Scenario.h"
#include "model/scenario/ScenarioReader.h"
#include "model/tools/KernelTools.h"
#include "tests/common/ModelTest.h"

#include <QByteArray>
#include <QList>
#include <QTest>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace backlog::test::rules {

// The model's names every rule test reads; `using namespace backlog::test::rules` brings them in.
using backlog::ClientError;
using backlog::ClientRecord;
using backlog::Counter;
using backlog::FlowId;
using backlog::History;
using backlog::Host;
using backlog::LeaveReason;
using backlog::Packet;
using backlog::PacketFate;
using backlog::PacketKind;
using backlog::QueueEntry;
using backlog::QueueKind;
using backlog::Simulation;
using backlog::SsSocket;
using backlog::TcpState;
using backlog::Time;
using backlog::WorkerState;

using I64 = std::int64_t;

constexpr Time ms(I64 v) {
    return Time::ms(v);
}
constexpr Time sec(I64 v) {
    return Time::s(v);
}
inline constexpr Time kEnd = Time::s(24 * 3600); // after everything any scenario here does

// ------------------------------------------------------------------------------------ scenarios

// A scenario file written from a few parameters. Defaults: kernel 6.18, a 100 µs round trip
// (loopback-like), backlog 128, one listener, no worker (nothing is ever accepted).
class ScenarioText {
  public:
    ScenarioText& version(std::string v) {
        version_ = std::move(v);
        return *this;
    }
    ScenarioText& hz(int v) {
        hz_ = v;
        return *this;
    }
    ScenarioText& sysctl(const std::string& name, I64 value) {
        kernel_.push_back(name + ": " + std::to_string(value));
        return *this;
    }
    ScenarioText& rtt(std::string v) {
        rtt_ = std::move(v);
        return *this;
    }
    ScenarioText& backlog(I64 v) {
        backlog_ = v;
        return *this;
    }
    ScenarioText& listeners(int v) {
        listeners_ = v;
        return *this;
    }
    ScenarioText& workers(int count, std::string accept = "blocking", std::string service = "1ms",
                          std::string start = "0s") {
        workers_ = count;
        accept_ = std::move(accept);
        service_ = std::move(service);
        start_ = std::move(start);
        return *this;
    }
    ScenarioText& clients(const std::string& name, int count, const std::string& at = "0s",
                          const std::string& spacing = "1ms", bool send = true) {
        traffic_.push_back("{ name: " + name + ", clients: " + std::to_string(count) + ", at: " + at +
                           ", spacing: " + spacing + ", send: " + (send ? "true" : "false") + " }");
        return *this;
    }
    // A closed loop (ab -c concurrency -n requests, M18), each request `send`ing its data.
    ScenarioText& closedLoop(const std::string& name, int concurrency, int requests,
                             const std::string& spacing = "1ms") {
        traffic_.push_back("{ name: " + name + ", concurrency: " + std::to_string(concurrency) +
                           ", requests: " + std::to_string(requests) + ", spacing: " + spacing + " }");
        return *this;
    }
    // Another key under server.workers (event_loop, accept_cost …).
    ScenarioText& workerKey(const std::string& key, const std::string& value) {
        workerKeys_.push_back(key + ": " + value);
        return *this;
    }
    ScenarioText& flood(const std::string& name, const std::string& rate, const std::string& from,
                        const std::string& to, bool routable = true) {
        traffic_.push_back("{ name: " + name + ", flood: { rate: " + rate + ", from: " + from +
                           ", to: " + to + ", routable: " + (routable ? "true" : "false") + " } }");
        return *this;
    }
    // network.faults: drop one kind of segment (syn, synack, client-acks, data, all) of one traffic
    // entry (or everyone, with `of` empty) from `from` to `to` (or to the end).
    ScenarioText& fault(const std::string& drop, const std::string& of, const std::string& from,
                        const std::string& to = {}) {
        std::string f = "{ drop: " + drop + (of.empty() ? "" : ", of: " + of) + ", from: " + from;
        faults_.push_back(f + (to.empty() ? "" : ", to: " + to) + " }");
        return *this;
    }
    ScenarioText& set(const std::string& at, const std::string& key, const std::string& value) {
        events_.push_back("{ at: " + at + ", set: { " + key + ": " + value + " } }");
        return *this;
    }
    ScenarioText& closeListener(const std::string& at, int listener) {
        events_.push_back("{ at: " + at + ", close-listener: " + std::to_string(listener) + " }");
        return *this;
    }
    ScenarioText& until(std::string v) {
        until_ = std::move(v);
        return *this;
    }
    ScenarioText& seed(int v) {
        seed_ = v;
        return *this;
    }

    std::string yaml() const {
        std::string y = "title: \"tst_rules\"\nkernel:\n  version: \"" + version_ + "\"\n";
        if (hz_ > 0) y += "  hz: " + std::to_string(hz_) + "\n";
        for (const std::string& k : kernel_)
            y += "  " + k + "\n";
        y += "network:\n  rtt: " + rtt_ + "\n";
        if (!faults_.empty()) {
            y += "  faults:\n";
            for (const std::string& f : faults_)
                y += "    - " + f + "\n";
        }
        y += "server:\n  backlog: " + std::to_string(backlog_) +
             "\n  listeners: " + std::to_string(listeners_) +
             "\n  workers:\n    count: " + std::to_string(workers_) + "\n    accept: " + accept_ +
             "\n    start: " + start_ + "\n    service: " + service_ + "\n";
        for (const std::string& k : workerKeys_)
            y += "    " + k + "\n";
        y += "traffic:\n";
        for (const std::string& t : traffic_)
            y += "  - " + t + "\n";
        if (!events_.empty()) {
            y += "events:\n";
            for (const std::string& e : events_)
                y += "  - " + e + "\n";
        }
        y += "seed: " + std::to_string(seed_) + "\n";
        if (!until_.empty()) y += "until: " + until_ + "\n";
        return y;
    }

  private:
    std::string version_ = "6.18";
    int hz_ = 0; // 0: the default (250)
    std::vector<std::string> kernel_;
    std::string rtt_ = "100us";
    I64 backlog_ = 128;
    int listeners_ = 1;
    int workers_ = 0;
    std::string accept_ = "blocking";
    std::string service_ = "1ms";
    std::string start_ = "0s";
    std::vector<std::string> workerKeys_;
    std::vector<std::string> traffic_;
    std::vector<std::string> faults_;
    std::vector<std::string> events_;
    std::string until_;
    int seed_ = 1;
};

// Reads and runs a scenario; on a refused text, prints the errors and the text and returns nullptr.
inline std::unique_ptr<Simulation> simulate(const ScenarioText& text) {
    const std::string yaml = text.yaml();
    const backlog::ReadResult read = backlog::readScenarioText(yaml, "test");
    if (!read.errors.empty() || !read.scenario) {
        for (const backlog::ReadError& e : read.errors)
            qWarning("%s", e.text().c_str());
        qWarning("%s", yaml.c_str());
        return nullptr;
    }
    auto sim = std::make_unique<Simulation>(*read.scenario);
    sim->run();
    return sim;
}

#define SIMULATE(name, text)                                                                                 \
    const std::unique_ptr<Simulation> name = simulate(text);                                                 \
    QVERIFY2(name != nullptr, "the scenario text was refused (see above)")

// The reader's verdict on a scenario text, without running it.
inline std::vector<std::string> readErrors(const ScenarioText& text) {
    std::vector<std::string> out;
    for (const backlog::ReadError& e : backlog::readScenarioText(text.yaml(), "test").errors)
        out.push_back(e.text());
    return out;
}

// ------------------------------------------------------------------------------------ reading a run

inline I64 serverCounter(const Simulation& sim, Counter c, Time at = kEnd) {
    return backlog::get(sim.history().countersAt(Host::Server, at), c);
}

inline I64 clientCounter(const Simulation& sim, Counter c, Time at = kEnd) {
    return backlog::get(sim.history().countersAt(Host::Clients, at), c);
}

// When a counter first reached `value` (never if it did not).
inline Time counterReached(const Simulation& sim, Host host, Counter c, I64 value) {
    for (const auto& [at, v] : sim.history().counters[static_cast<std::size_t>(host)].series(c))
        if (v >= value) return at;
    return Time::never();
}

inline std::vector<Packet> packets(const History& h, const std::function<bool(const Packet&)>& keep) {
    std::vector<Packet> out;
    for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
        const Packet p = h.packet(i);
        if (keep(p)) out.push_back(p);
    }
    return out;
}

// The segments of one flow, of one kind, in one direction, in the order they were sent.
inline std::vector<Packet> flowPackets(const History& h, FlowId flow, PacketKind kind, bool toServer) {
    return packets(
        h, [&](const Packet& p) { return p.flow == flow && p.kind == kind && p.toServer == toServer; });
}

// Every stay a queue of a listener ever had (present, left, or migrated away).
inline std::vector<QueueEntry> stays(const History& h, int listener, QueueKind q) {
    const backlog::StayTrack& track =
        h.queues[static_cast<std::size_t>(listener)][static_cast<std::size_t>(q)];
    std::vector<QueueEntry> out;
    for (std::uint32_t i = 0; i < track.size(); ++i)
        out.push_back(track.entry(i));
    return out;
}

inline std::vector<QueueEntry> staysOf(const History& h, int listeners, QueueKind q, FlowId flow) {
    std::vector<QueueEntry> out;
    for (int l = 0; l < listeners; ++l)
        for (const QueueEntry& e : stays(h, l, q))
            if (e.flow == flow) out.push_back(e);
    return out;
}

// The client ids (= flow ids) of one traffic entry, in connect() order.
inline std::vector<FlowId> clientsOf(const History& h, std::uint32_t traffic) {
    std::vector<FlowId> out;
    for (FlowId c = 0; c < h.clients.size(); ++c)
        if (h.clients[c].traffic == traffic) out.push_back(c);
    return out;
}

inline int connectedBy(const History& h, Time t) {
    return static_cast<int>(std::count_if(h.clients.begin(), h.clients.end(), [t](const ClientRecord& c) {
        return !c.connectedAt.isNever() && c.connectedAt <= t;
    }));
}

// When the server's socket for a client first reached `state` (never if it did not).
inline Time serverStateSince(const History& h, FlowId c, TcpState state) {
    for (const auto& [at, st] : h.clients[c].serverStates)
        if (st == state) return at;
    return Time::never();
}

// The worker whose accept() returned each flow (-1: none).
inline std::map<FlowId, int> servedBy(const History& h) {
    std::map<FlowId, int> out;
    for (std::size_t w = 0; w < h.workers.size(); ++w)
        for (const backlog::WorkerRecord::Change& c : h.workers[w].changes)
            if (c.state == WorkerState::Serving && !out.count(c.flow)) out[c.flow] = static_cast<int>(w);
    return out;
}

// ------------------------------------------------------------------------------------ M11 tolerances

// The latest a kernel timer armed for `delay` can fire after it was due (M11): it lands on the wheel
// level whose range holds the delay (level n: from 63·8^(n−1) jiffies, granularity 8^n jiffies) and is
// rounded up to that level's next boundary; one more jiffy covers a delay that is not a whole number
// of jiffies and the arming instant falling inside a jiffy.
inline Time timerSlack(Time delay, int hz) {
    const I64 jiffies = (delay.count() * hz + 999'999'999) / 1'000'000'000;
    I64 granule = 1;
    for (I64 start = 63; jiffies >= start; start *= 8)
        granule *= 8;
    return Time::ns(((granule + 1) * 1'000'000'000 + hz - 1) / hz);
}

struct Window {
    Time lo;
    Time hi;
};

// A chain of timers, each armed when the previous one fired, due at the cumulative times given (in
// seconds from the start): the window of each firing. Lateness accumulates along the chain.
inline std::vector<Window> chainWindows(const QList<int>& cumulativeSeconds, int hz) {
    std::vector<Window> out;
    Time slack;
    int previous = 0;
    for (int at : cumulativeSeconds) {
        slack += timerSlack(sec(at - previous), hz);
        out.push_back({sec(at), sec(at) + slack});
        previous = at;
    }
    return out;
}

inline bool within(Time t, Time lo, Time hi) {
    return !t.isNever() && lo <= t && t <= hi;
}

inline QByteArray windowMessage(const char* what, Time t, Time lo, Time hi) {
    return QByteArray(what) + " = " +
           QByteArray::fromStdString(t.isNever() ? "never" : backlog::formatSeconds(t)) +
           " s, expected within [" + QByteArray::fromStdString(backlog::formatSeconds(lo)) + ", " +
           QByteArray::fromStdString(backlog::formatSeconds(hi)) + "] s";
}

#define QVERIFY_WITHIN(actual, lo, hi)                                                                       \
    QVERIFY2(within((actual), (lo), (hi)), windowMessage(#actual, (actual), (lo), (hi)).constData())

// Checks one request's SYN-ACKs and expiry against a schedule (seconds after its first SYN-ACK);
// returns what is wrong, or nothing.
inline QByteArray scheduleProblem(const History& h, FlowId flow, const QList<int>& retrans, int expiry,
                                  int hz, Time left) {
    const std::vector<Packet> synAcks = flowPackets(h, flow, PacketKind::SynAck, false);
    const QByteArray who = "flow " + QByteArray::number(flow) + ": ";
    if (synAcks.size() != std::size_t(1 + retrans.size()))
        return who + QByteArray::number(qulonglong(synAcks.size())) + " SYN-ACKs, expected " +
               QByteArray::number(1 + retrans.size());
    const Time first = synAcks[0].sent;
    QList<int> chain = retrans;
    chain.append(expiry);
    const std::vector<Window> w = chainWindows(chain, hz);
    for (std::size_t k = 0; k + 1 < synAcks.size(); ++k) {
        const Packet& a = synAcks[k + 1];
        if (int(a.retrans) != int(k + 1)) return who + "retransmission numbers out of order";
        if (!within(a.sent - first, w[k].lo, w[k].hi))
            return who + windowMessage("retransmission", a.sent - first, w[k].lo, w[k].hi);
    }
    if (!within(left - first, w.back().lo, w.back().hi))
        return who + windowMessage("expiry", left - first, w.back().lo, w.back().hi);
    return {};
}

// A7a, A7b: two `late` clients whose final ACK (and, with `send`, first data) is lost until
// 300 ms sit in the SYN queue while three `early` clients fill the accept queue (backlog 2: three
// entries) from 100 ms. One worker starts accepting at 5 s and keeps each connection 100 s.
inline ScenarioText lateAckScenario(bool send, int abortOnOverflow) {
    ScenarioText t;
    t.rtt("1ms").backlog(2).workers(1, "blocking", "100s", "5s");
    t.sysctl("net.ipv4.tcp_abort_on_overflow", abortOnOverflow);
    t.clients("late", 2, "0s", "1ms", send).clients("early", 3, "100ms", "10ms", false);
    t.fault("client-acks", "late", "0s", "300ms");
    if (send) t.fault("data", "late", "0s", "300ms");
    return t;
}

} // namespace backlog::test::rules
