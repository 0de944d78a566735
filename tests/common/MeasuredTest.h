// What the tests of shared/KERNEL.md section M (tst_measured) and of the worked scenarios of section 7
// (tst_worked_scenarios) share: the shipped scenarios, M11's timer wheel worked out from M11 itself
// (not from model/core/TimerWheel), the client's SYN schedule (T6), and readers of a run's History.
// Times are never compared exactly: every timer of the model goes through the kernel's timer wheel (M11),
// so a time is checked against [nominal, nominal + the wheel's granularity for each timer on the way].
#pragma once

#include "model/core/Counters.h"
#include "model/core/Packet.h"
#include "model/core/Time.h"
#include "model/core/TimerWheel.h"
#include "model/history/History.h"
#include "model/kernel/Simulation.h"
#include "model/scenario/Scenario.h"
#include "model/scenario/ScenarioReader.h"
#include "tests/common/ModelTest.h"

#include <QByteArray>
#include <QFile>
#include <QList>
#include <QStringList>
#include <QTest>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace backlog::test::measured {

// ------------------------------------------------------------------------------------------------ scenarios

inline std::unique_ptr<Simulation> lesson(const std::string& file,
                                          const std::vector<std::string>& sets = {}) {
    const backlog::ReadResult read =
        backlog::readScenarioFile(std::string(BACKLOG_SOURCE_DIR) + "/lessons/scenarios/" + file, sets);
    for (const backlog::ReadError& e : read.errors)
        qWarning("%s", e.text().c_str());
    if (!read.scenario) return nullptr;
    return std::make_unique<Simulation>(*read.scenario);
}

inline std::vector<std::string> toStd(const QStringList& list) {
    std::vector<std::string> out;
    for (const QString& s : list)
        out.push_back(s.toStdString());
    return out;
}

// ------------------------------------------------------------------------------------------------ time

inline Time ms(std::int64_t v) {
    return Time::ms(v);
}
inline Time sec(std::int64_t v) {
    return Time::s(v);
}

// A duration in jiffies, rounded up (msecs_to_jiffies).
inline std::uint64_t toJiffies(Time d, int hz) {
    const auto ns = static_cast<std::uint64_t>(d.count());
    const auto uhz = static_cast<std::uint64_t>(hz);
    return (ns * uhz + 999'999'999u) / 1'000'000'000u;
}

// Jiffies as a duration, rounded up to the nanosecond.
inline Time jiffiesToTime(std::uint64_t jiffies, int hz) {
    const auto uhz = static_cast<std::uint64_t>(hz);
    return Time::ns(static_cast<std::int64_t>((jiffies * 1'000'000'000u + uhz - 1) / uhz));
}

// M11: 64 slots per level; level n has granularity 8^n jiffies and holds delays from 63·8^(n−1) jiffies up
// (9 levels when HZ > 100, 8 at HZ 100).
inline int wheelLevel(std::uint64_t delayJiffies, int hz) {
    const int depth = hz > 100 ? 9 : 8;
    int level = 0;
    std::uint64_t start = 63;
    while (level + 1 < depth && delayJiffies >= start) {
        ++level;
        start *= 8;
    }
    return level;
}

inline std::uint64_t granularityJiffies(int level) {
    return std::uint64_t{1} << (3 * level);
}

// How late (at most) a timer of this delay fires: its level's granularity, plus a nanosecond of rounding.
inline Time lateness(Time delay, int hz) {
    return jiffiesToTime(granularityJiffies(wheelLevel(toJiffies(delay, hz), hz)), hz) + Time::ns(1);
}

// A chain of timers, each armed when the previous one fired.
struct Schedule {
    std::vector<Time> nominal; // cumulative nominal times
    std::vector<Time> slack;   // cumulative allowed lateness
};

inline Schedule chain(const std::vector<Time>& delays, int hz) {
    Schedule s;
    Time at, late;
    for (Time d : delays) {
        at += d;
        late += lateness(d, hz);
        s.nominal.push_back(at);
        s.slack.push_back(late);
    }
    return s;
}

inline bool within(Time actual, Time nominal, Time slack) {
    return actual >= nominal && actual <= nominal + slack;
}

#define VERIFY_TIME(actual, nominal, slack, what)                                                            \
    QVERIFY2(within((actual), (nominal), (slack)), QByteArray(what) + ": " + show(actual) + " not in [" +    \
                                                       show(nominal) + ", " + show((nominal) + (slack)) +    \
                                                       "]")

// T6: the client's RTO before each SYN retransmission and before giving up.
inline std::vector<Time> synRtos(int synRetries, int linear) {
    std::vector<Time> out;
    Time rto = sec(1);
    for (int i = 0; i < synRetries + linear + 1; ++i) {
        out.push_back(rto);
        if (i + 1 > linear) rto = std::min(rto * 2, sec(120));
    }
    return out;
}

// ------------------------------------------------------------------------------------------------ history

inline std::int64_t counter(const History& h, Host host, Counter c, Time t) {
    return backlog::get(h.countersAt(host, t), c);
}
inline std::int64_t server(const History& h, Counter c, Time t) {
    return counter(h, Host::Server, c, t);
}
inline std::int64_t clients(const History& h, Counter c, Time t) {
    return counter(h, Host::Clients, c, t);
}

inline std::vector<Packet> packets(const History& h) {
    std::vector<Packet> out;
    out.reserve(h.packetCount());
    for (std::uint32_t i = 0; i < h.packetCount(); ++i)
        out.push_back(h.packet(i));
    return out;
}

inline std::vector<Packet> packetsOf(const History& h, FlowId flow) {
    std::vector<Packet> out;
    for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
        const Packet p = h.packet(i);
        if (p.flow == flow) out.push_back(p);
    }
    return out;
}

template <class Pred> inline std::int64_t countPackets(const std::vector<Packet>& ps, Pred pred) {
    return static_cast<std::int64_t>(std::count_if(ps.begin(), ps.end(), pred));
}

struct Maxima {
    std::int64_t accept = 0;
    std::int64_t syn = 0;
};

inline Maxima maxima(const History& h, int listener, Time until = Time::never()) {
    Maxima m;
    for (const backlog::ListenerRecord::Change& c : h.listeners[static_cast<std::size_t>(listener)].changes) {
        if (c.at > until) break;
        m.accept = std::max<std::int64_t>(m.accept, c.accept);
        m.syn = std::max<std::int64_t>(m.syn, c.syn);
    }
    return m;
}

// Every stay of one flow in one queue of one listener.
inline std::vector<QueueEntry> staysOf(const History& h, int listener, QueueKind q, FlowId flow) {
    std::vector<QueueEntry> out;
    const backlog::StayTrack& track =
        h.queues[static_cast<std::size_t>(listener)][static_cast<std::size_t>(q)];
    for (std::uint32_t i = 0; i < track.size(); ++i)
        if (track.entry(i).flow == flow) out.push_back(track.entry(i));
    return out;
}

inline std::vector<QueueEntry> allStays(const History& h, int listener, QueueKind q) {
    std::vector<QueueEntry> out;
    const backlog::StayTrack& track =
        h.queues[static_cast<std::size_t>(listener)][static_cast<std::size_t>(q)];
    for (std::uint32_t i = 0; i < track.size(); ++i)
        out.push_back(track.entry(i));
    return out;
}

inline bool isFinalAck(const Packet& p) {
    return p.toServer && p.kind == PacketKind::Ack && p.retrans == 0;
}

// For each real client, the first segment to reach the server after its connect() succeeded: the final ACK,
// or the request data sent with it if the network reordered them. (Later ACKs with retrans 0 answer
// retransmitted SYN-ACKs, T2.)
inline std::vector<Packet> finalAcksOf(const History& h) {
    std::map<FlowId, Packet> first;
    for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
        const Packet p = h.packet(i);
        if (!p.toServer || backlog::isSpoofed(p.flow) || p.retrans != 0) continue;
        if (p.kind != PacketKind::Ack && p.kind != PacketKind::Data) continue;
        if (p.sent != h.clients[p.flow].connectedAt) continue;
        auto it = first.find(p.flow);
        if (it == first.end() || p.arrives < it->second.arrives) first[p.flow] = p;
    }
    std::vector<Packet> out;
    for (const auto& [flow, p] : first)
        out.push_back(p);
    return out;
}

inline std::string nsTime(Time t) {
    return std::to_string(t.count()) + "ns";
}

} // namespace backlog::test::measured
