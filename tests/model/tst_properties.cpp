// Properties of the model that hold for every run (shared/DESIGN.md, "the picture is a function of (history,
// time)"): every SYN is accounted for and the drop reasons add up to the counters (KERNEL.md section 4, M16);
// the history answers "what is true at t" the same whichever order it is asked in; the run is a function of
// the scenario and its seed (fingerprints); a change at t cuts the history at t and the result is the same as
// a fresh run that had the change from the start. (The stay index behind History::queueAt, against a brute
// force, is tests/model/history/tst_history's.) These span the model, from the scenario through the kernel
// to the history and the report, so they sit at the top of tests/model rather than in one concern's folder.
#include "model/core/Counters.h"
#include "model/core/Packet.h"
#include "model/core/Rng.h"
#include "model/core/Time.h"
#include "model/history/History.h"
#include "model/kernel/Simulation.h"
#include "model/scenario/Scenario.h"
#include "model/scenario/ScenarioReader.h"
#include "model/tools/Report.h"
#include "tests/common/ModelTest.h"

#include <QFile>
#include <QTest>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

using backlog::ClientRecord;
using backlog::Counter;
using backlog::CounterValues;
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
using backlog::Time;

namespace {

// ------------------------------------------------------------------------------------------------ scenarios

using backlog::test::fill;
using backlog::test::load;
using backlog::test::scenarioOf;
using backlog::test::show;
using backlog::test::str;

std::string lessonText(const std::string& file) {
    QFile f(QString::fromStdString(std::string(BACKLOG_SOURCE_DIR) + "/lessons/scenarios/" + file));
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll().toStdString();
}

// Scenario shapes for the properties, each a YAML text with $SEED.
struct Shape {
    const char* name;
    const char* yaml;
    bool migrates; // a listener is closed with tcp_migrate_req=1: queues may exceed backlog+1 after that
};

const std::vector<Shape>& shapes() {
    static const std::vector<Shape> all{
        {"flood with cookies", R"(
kernel: { version: "6.18" }
network: { rtt: 2ms, jitter: 1ms }
server: { backlog: 64, workers: { count: 4, service: 20ms } }
traffic:
  - { flood: { name: f, rate: 5000/s, from: 100ms, to: 1500ms } }
  - { name: c, clients: 150, at: 0s, spacing: 10ms, send: true }
seed: $SEED
until: 30s
)",
         false},
        {"flood without cookies", R"(
kernel: { version: "6.18", net.ipv4.tcp_syncookies: 0, net.ipv4.tcp_max_syn_backlog: 128 }
network: { rtt: 2ms, jitter: 1ms }
server: { backlog: 256, workers: { count: 4, service: 20ms } }
traffic:
  - { flood: { name: f, rate: 5000/s, from: 100ms, to: 1500ms } }
  - { flood: { name: dark, rate: 1000/s, from: 0s, to: 1s, routable: false } }
  - { name: c, clients: 150, at: 0s, spacing: 10ms, send: true }
seed: $SEED
until: 30s
)",
         false},
        {"burst", R"(
kernel: { version: "6.18" }
network: { rtt: 10ms, jitter: 2ms }
server: { backlog: 32, workers: { count: 2, start: 3s, service: 5ms } }
traffic:
  - { name: burst, clients: 150, at: 0s, spacing: 0s, send: true }
  - { name: idle, clients: 50, at: 10ms, spacing: 0s, send: false }
seed: $SEED
until: 150s
)",
         false},
        {"slow workers", R"(
kernel: { version: "6.18" }
network: { rtt: 40ms, jitter: 5ms }
server: { backlog: 4, workers: { count: 2, service: { dist: exponential, mean: 1s } } }
traffic:
  - { name: c, clients: 60, at: 0s, spacing: 150ms, send: true }
seed: $SEED
until: 200s
)",
         false},
        {"reuseport", R"(
kernel: { version: "6.18" }
network: { rtt: 1ms, jitter: 500us }
server: { backlog: 8, listeners: 4, workers: { count: 4, service: 15ms } }
traffic:
  - { name: c, clients: 400, at: 0s, spacing: 2ms, send: true }
seed: $SEED
until: 60s
)",
         false},
        {"lossy network", R"(
kernel: { version: "6.18" }
network: { rtt: 10ms, jitter: 5ms, loss: 5% }
server: { backlog: 16, workers: { count: 2, service: 20ms } }
traffic:
  - { name: c, clients: 200, at: 0s, spacing: 5ms, send: true }
seed: $SEED
until: 200s
)",
         false},
        {"abort_on_overflow, 6.12", R"(
kernel: { version: "6.12", net.ipv4.tcp_abort_on_overflow: 1 }
network: { rtt: 20ms, jitter: 3ms }
server: { backlog: 16, workers: { count: 1, start: 2s, service: 10ms } }
traffic:
  - { name: burst, clients: 80, at: 0s, spacing: 0s, send: true }
seed: $SEED
until: 100s
)",
         false},
        {"syncookies=2, epoll workers", R"(
kernel: { version: "6.18", net.ipv4.tcp_syncookies: 2 }
network: { rtt: 5ms, jitter: 2ms, loss: 1% }
server: { backlog: 8, workers: { count: 3, accept: epoll, service: 30ms } }
traffic:
  - { name: c, clients: 200, at: 0s, spacing: 2ms, send: true }
seed: $SEED
until: 100s
)",
         false},
        {"reuseport, a listener closed without migration", R"(
kernel: { version: "6.18", net.ipv4.tcp_migrate_req: 0 }
network: { rtt: 1ms, jitter: 1ms }
server: { backlog: 8, listeners: 3, workers: { count: 3, start: 2s, service: 20ms } }
traffic:
  - { name: c, clients: 200, at: 0s, spacing: 3ms, send: true }
events:
  - { at: 500ms, close-listener: 1 }
seed: $SEED
until: 100s
)",
         false},
        {"4.15, syncookies=0, listen(8)", R"(
kernel: { version: "4.15", net.ipv4.tcp_syncookies: 0, net.ipv4.tcp_max_syn_backlog: 16 }
network: { rtt: 5ms, jitter: 5ms }
server: { backlog: 8, workers: { count: 2, service: 50ms } }
traffic:
  - { name: c, clients: 120, at: 0s, spacing: 4ms, send: true }
  - { flood: { name: f, rate: 200/s, from: 0s, to: 2s } }
seed: $SEED
until: 150s
)",
         false},
        {"closed loop, epoll-exclusive workers", R"(
kernel: { version: "6.18" }
network: { rtt: 200us, jitter: 100us }
server: { backlog: 4, workers: { count: 2, accept: epoll-exclusive, connections: 3, service: 30ms } }
traffic:
  - { name: ab, clients: 300, concurrency: 25, spacing: 1ms, send: true }
seed: $SEED
until: 200s
)",
         false},
        {"ab -n on threads sharing an epoll fd, handlers that block", R"(
kernel: { version: "6.18" }
network: { rtt: 300us, jitter: 200us }
server: { backlog: 4, workers: { count: 6, accept: epoll-shared, event_loop: blocking, service: 20ms } }
traffic:
  - { name: ab, concurrency: 30, requests: 400, spacing: 1ms }
seed: $SEED
until: 200s
)",
         false},
        {"a herd of 6 loops, then EPOLLEXCLUSIVE, then blocking accept", R"(
kernel: { version: "6.18" }
network: { rtt: 1ms, jitter: 300us }
server: { backlog: 16, workers: { count: 6, accept: epoll, service: { dist: exponential, mean: 10ms } } }
traffic:
  - { name: c, clients: 300, at: 0s, spacing: 3ms, send: true }
events:
  - { at: 300ms, set: { server.workers.accept: epoll-exclusive } }
  - { at: 600ms, set: { server.workers.accept: blocking } }
seed: $SEED
until: 60s
)",
         false},
        {"reuseport, a listener closed with migration", R"(
kernel: { version: "6.18", net.ipv4.tcp_migrate_req: 1 }
network: { rtt: 1ms, jitter: 1ms }
server: { backlog: 8, listeners: 3, workers: { count: 3, start: 2s, service: 20ms } }
traffic:
  - { name: c, clients: 200, at: 0s, spacing: 3ms, send: true }
events:
  - { at: 500ms, close-listener: 1 }
seed: $SEED
until: 100s
)",
         true},
    };
    return all;
}

std::string shapeYaml(const Shape& s, std::uint64_t seed) {
    return fill(s.yaml, {{"$SEED", std::to_string(seed)}});
}

// ------------------------------------------------------------------------------------------------ history

std::int64_t value(const CounterValues& v, Counter c) {
    return backlog::get(v, c);
}

std::vector<Packet> packets(const History& h) {
    std::vector<Packet> out;
    out.reserve(h.packetCount());
    for (std::uint32_t i = 0; i < h.packetCount(); ++i)
        out.push_back(h.packet(i));
    return out;
}

std::vector<QueueEntry> allStays(const History& h, std::size_t listener, QueueKind q) {
    std::vector<QueueEntry> out;
    const backlog::StayTrack& track = h.queues[listener][static_cast<std::size_t>(q)];
    for (std::uint32_t i = 0; i < track.size(); ++i)
        out.push_back(track.entry(i));
    return out;
}

bool isSynFate(PacketFate f) {
    switch (f) {
    case PacketFate::Delivered:
    case PacketFate::LostInNetwork:
    case PacketFate::DroppedAcceptQueueFull:
    case PacketFate::DroppedSynQueueFull:
    case PacketFate::DroppedSynBacklog:
    case PacketFate::DroppedNoRoute:
    case PacketFate::DroppedRateLimited:
    case PacketFate::DroppedDuplicateSyn:
    case PacketFate::DroppedNoSocket:
        return true;
    default:
        return false;
    }
}

bool synOnlyFate(PacketFate f) {
    return f == PacketFate::DroppedAcceptQueueFull || f == PacketFate::DroppedSynQueueFull ||
           f == PacketFate::DroppedSynBacklog || f == PacketFate::DroppedNoRoute ||
           f == PacketFate::DroppedRateLimited;
}

// ------------------------------------------------------------------------------------------------ equality

std::string describe(const Packet& p) {
    std::ostringstream o;
    o << backlog::formatSeconds(p.sent) << "->" << backlog::formatSeconds(p.arrives) << " flow " << p.flow
      << " " << backlog::packetKindName(p.kind) << (p.toServer ? " C>S" : " S>C") << " cookie " << p.cookie
      << " retrans " << int(p.retrans) << " listener " << int(p.listener) << " "
      << backlog::packetFateName(p.fate);
    return o.str();
}

// The first difference between two histories in everything that happened before `upTo` (all of it when
// `upTo` is never), or an empty string.
std::string firstDifference(const Simulation& sa, const Simulation& sb, Time upTo) {
    const History& a = sa.history();
    const History& b = sb.history();
    const bool all = upTo.isNever();
    const auto before = [&](Time t) { return t < upTo; };
    // Packets, in order.
    std::size_t na = 0, nb = 0;
    for (std::uint32_t i = 0; i < a.packetCount(); ++i)
        na += before(a.packet(i).sent) ? 1u : 0u;
    for (std::uint32_t i = 0; i < b.packetCount(); ++i)
        nb += before(b.packet(i).sent) ? 1u : 0u;
    if (na != nb) return "packets sent: " + std::to_string(na) + " vs " + std::to_string(nb);
    for (std::uint32_t i = 0; i < na; ++i) {
        Packet p = a.packet(i), q = b.packet(i);
        if (!all && !before(p.arrives)) p.fate = PacketFate::InFlight;
        if (!all && !before(q.arrives)) q.fate = PacketFate::InFlight;
        if (describe(p) != describe(q))
            return "packet " + std::to_string(i) + ": " + describe(p) + " vs " + describe(q);
    }
    // Counters: every change of every counter on both hosts.
    for (std::size_t host = 0; host < 2; ++host) {
        for (std::size_t c = 0; c < backlog::kCounterCount; ++c) {
            auto x = a.counters[host].series(static_cast<Counter>(c));
            auto y = b.counters[host].series(static_cast<Counter>(c));
            const auto cut = [&](auto& s) {
                s.erase(std::remove_if(s.begin(), s.end(), [&](const auto& e) { return !before(e.first); }),
                        s.end());
            };
            cut(x);
            cut(y);
            if (x != y)
                return "counter " + std::string(backlog::counterName(static_cast<Counter>(c))) + " on host " +
                       std::to_string(host);
        }
    }
    // Listeners and their queues.
    if (a.listeners.size() != b.listeners.size()) return "listener count";
    for (std::size_t l = 0; l < a.listeners.size(); ++l) {
        std::vector<backlog::ListenerRecord::Change> x, y;
        for (const auto& c : a.listeners[l].changes)
            if (before(c.at)) x.push_back(c);
        for (const auto& c : b.listeners[l].changes)
            if (before(c.at)) y.push_back(c);
        if (x.size() != y.size())
            return "listener " + std::to_string(l) + " change records: " + std::to_string(x.size()) + " vs " +
                   std::to_string(y.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
            if (x[i].at != y[i].at || x[i].accept != y[i].accept || x[i].syn != y[i].syn ||
                x[i].maxBacklog != y[i].maxBacklog || x[i].open != y[i].open)
                return "listener " + std::to_string(l) + " change " + std::to_string(i) + " at " +
                       backlog::formatSeconds(x[i].at) + " vs " + backlog::formatSeconds(y[i].at);
        }
        for (std::size_t q = 0; q < 2; ++q) {
            std::vector<QueueEntry> x2, y2;
            for (const QueueEntry& e : allStays(a, l, static_cast<QueueKind>(q)))
                if (before(e.entered)) x2.push_back(e);
            for (const QueueEntry& e : allStays(b, l, static_cast<QueueKind>(q)))
                if (before(e.entered)) y2.push_back(e);
            if (x2.size() != y2.size())
                return "listener " + std::to_string(l) + " queue " + std::to_string(q) + " stays";
            for (std::size_t i = 0; i < x2.size(); ++i) {
                const bool lx = before(x2[i].left), ly = before(y2[i].left);
                if (x2[i].flow != y2[i].flow || x2[i].entered != y2[i].entered || lx != ly ||
                    (lx && (x2[i].left != y2[i].left || x2[i].reason != y2[i].reason)))
                    return "listener " + std::to_string(l) + " queue " + std::to_string(q) + " stay " +
                           std::to_string(i);
            }
        }
    }
    // Clients.
    std::size_t ca = 0, cb = 0;
    for (const ClientRecord& c : a.clients)
        ca += before(c.connectAt) ? 1u : 0u;
    for (const ClientRecord& c : b.clients)
        cb += before(c.connectAt) ? 1u : 0u;
    if (ca != cb) return "clients: " + std::to_string(ca) + " vs " + std::to_string(cb);
    for (std::size_t i = 0; i < ca; ++i) {
        const ClientRecord& x = a.clients[i];
        const ClientRecord& y = b.clients[i];
        const auto t = [&](Time v) { return before(v) ? v : Time::never(); };
        if (x.traffic != y.traffic || x.address != y.address || x.port != y.port ||
            x.connectAt != y.connectAt || t(x.connectedAt) != t(y.connectedAt) ||
            t(x.acceptedAt) != t(y.acceptedAt) || t(x.respondedAt) != t(y.respondedAt) ||
            t(x.errorAt) != t(y.errorAt) || t(x.dataQueuedAt) != t(y.dataQueuedAt) ||
            (before(x.errorAt) && x.error != y.error) || (before(x.acceptedAt) && x.worker != y.worker))
            return "client " + std::to_string(i) + " record";
        std::vector<Time> sx, sy;
        for (Time s : x.synTimes)
            if (before(s)) sx.push_back(s);
        for (Time s : y.synTimes)
            if (before(s)) sy.push_back(s);
        if (sx != sy) return "client " + std::to_string(i) + " SYN times";
        for (int which = 0; which < 2; ++which) {
            const auto& vx = which ? x.serverStates : x.states;
            const auto& vy = which ? y.serverStates : y.states;
            std::vector<std::pair<Time, backlog::TcpState>> px, py;
            for (const auto& e : vx)
                if (before(e.first)) px.push_back(e);
            for (const auto& e : vy)
                if (before(e.first)) py.push_back(e);
            if (px != py) return "client " + std::to_string(i) + (which ? " server states" : " states");
        }
    }
    // Workers.
    if (a.workers.size() != b.workers.size()) return "worker count";
    for (std::size_t w = 0; w < a.workers.size(); ++w) {
        std::vector<std::tuple<Time, backlog::WorkerState, FlowId>> x, y;
        for (const auto& c : a.workers[w].changes)
            if (before(c.at)) x.emplace_back(c.at, c.state, c.flow);
        for (const auto& c : b.workers[w].changes)
            if (before(c.at)) y.emplace_back(c.at, c.state, c.flow);
        if (x != y) return "worker " + std::to_string(w) + " changes";
        // Its wake-ups and accepts (M20): what the inspector, the charts and the report count.
        const backlog::WorkerRecord& ra = a.workers[w];
        const backlog::WorkerRecord& rb = b.workers[w];
        for (const auto member : {&backlog::WorkerRecord::wakeups, &backlog::WorkerRecord::futile,
                                  &backlog::WorkerRecord::eagain, &backlog::WorkerRecord::accepts}) {
            std::vector<Time> ta, tb;
            for (Time t : ra.*member)
                if (before(t)) ta.push_back(t);
            for (Time t : rb.*member)
                if (before(t)) tb.push_back(t);
            if (ta != tb) return "worker " + std::to_string(w) + " wake-ups or accepts";
        }
    }
    for (std::size_t l = 0; l < a.wastedWakeups.size() && l < b.wastedWakeups.size(); ++l) {
        std::vector<Time> x, y;
        for (Time t : a.wastedWakeups[l])
            if (before(t)) x.push_back(t);
        for (Time t : b.wastedWakeups[l])
            if (before(t)) y.push_back(t);
        if (x != y) return "wasted wake-ups of listener " + std::to_string(l);
    }
    // The kernel log.
    std::vector<std::string> kx, ky;
    for (const auto& line : sa.kernelLog())
        if (before(line.at)) kx.push_back(backlog::formatSeconds(line.at) + line.text);
    for (const auto& line : sb.kernelLog())
        if (before(line.at)) ky.push_back(backlog::formatSeconds(line.at) + line.text);
    if (kx != ky) return "kernel log";
    if (all && a.end != b.end)
        return "history end: " + backlog::formatSeconds(a.end) + " vs " + backlog::formatSeconds(b.end);
    return {};
}

std::uint64_t fnv1a64(const std::string& bytes) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (char ch : bytes) {
        h ^= static_cast<std::uint8_t>(ch);
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::string withoutSeedLine(const std::string& report) {
    std::istringstream in(report);
    std::string line, out;
    while (std::getline(in, line))
        if (line.find("\"seed\":") == std::string::npos) out += line + "\n";
    return out;
}

} // namespace

class tst_properties : public QObject {
    Q_OBJECT

  private slots:
    void property_everySynAccountedFor_data();
    void property_everySynAccountedFor();
    void property_everyConnectionAcceptedByOneWorker_data();
    void property_everyConnectionAcceptedByOneWorker();
    void property_historyAnswersAtTimeInAnyOrder_data();
    void property_historyAnswersAtTimeInAnyOrder();
    void property_partialRunAnswersLikeFullRun_data();
    void property_partialRunAnswersLikeFullRun();
    void property_momentsStepThroughEveryPacketEvent_data();
    void property_momentsStepThroughEveryPacketEvent();
    void determinism_fingerprint_data();
    void determinism_fingerprint();
    void determinism_sameRunTwice_data();
    void determinism_sameRunTwice();
    void determinism_seedsDiffer_data();
    void determinism_seedsDiffer();
    void changeAt_keepsHistoryBeforeTheChange_data();
    void changeAt_keepsHistoryBeforeTheChange();
    void changeAt_matchesFreshRunWithEvent_data();
    void changeAt_matchesFreshRunWithEvent();
    void changeAt_successiveChanges_data();
    void changeAt_successiveChanges();
};

// ================================================================================================ (a)

void tst_properties::property_everyConnectionAcceptedByOneWorker_data() {
    QTest::addColumn<int>("shape");
    for (int i = 0; i < static_cast<int>(shapes().size()); ++i)
        QTest::addRow("%s", shapes()[static_cast<std::size_t>(i)].name) << i;
}

// Who accepted whom (P1-P3, M20): a connection that accept() returned names exactly one worker, and that
// worker counts it; every wake-up either accepted a connection at that instant or is futile, and the
// futile ones of a listener's workers are its wasted wake-ups (futile = wake-ups − accepting wake-ups).
void tst_properties::property_everyConnectionAcceptedByOneWorker() {
    QFETCH(int, shape);
    for (quint64 seed = 1; seed <= 4; ++seed) {
        auto sim = load(shapeYaml(shapes()[static_cast<std::size_t>(shape)], seed));
        QVERIFY(sim);
        sim->run();
        const History& h = sim->history();
        const Time end = h.end;
        std::vector<std::int64_t> acceptedBy(h.workers.size(), 0);
        for (const backlog::ClientRecord& c : h.clients) {
            QCOMPARE(c.worker >= 0, !c.acceptedAt.isNever());
            if (c.worker < 0) continue;
            QVERIFY(static_cast<std::size_t>(c.worker) < h.workers.size());
            ++acceptedBy[static_cast<std::size_t>(c.worker)];
        }
        std::vector<std::vector<Time>> futileOf(h.listeners.size());
        for (std::uint32_t w = 0; w < h.workers.size(); ++w) {
            const backlog::WorkerRecord& r = h.workers[w];
            const backlog::WorkerCounts n = h.workerCountsUntil(w, end);
            QCOMPARE(n.accepted, acceptedBy[w]);
            QVERIFY(std::is_sorted(r.wakeups.begin(), r.wakeups.end()));
            QVERIFY(std::includes(r.wakeups.begin(), r.wakeups.end(), r.futile.begin(), r.futile.end()));
            QVERIFY(std::includes(r.futile.begin(), r.futile.end(), r.eagain.begin(), r.eagain.end()));
            std::vector<Time> accepting;
            std::set_difference(r.wakeups.begin(), r.wakeups.end(), r.futile.begin(), r.futile.end(),
                                std::back_inserter(accepting));
            QCOMPARE(static_cast<std::int64_t>(accepting.size()), n.wakeups - n.futile);
            QVERIFY2(std::includes(r.accepts.begin(), r.accepts.end(), accepting.begin(), accepting.end()),
                     "an accepting wake-up is an accept() that returned a connection, at that instant");
            auto& lf = futileOf[static_cast<std::size_t>(r.listener)];
            lf.insert(lf.end(), r.futile.begin(), r.futile.end());
        }
        for (std::size_t l = 0; l < h.listeners.size(); ++l) {
            std::sort(futileOf[l].begin(), futileOf[l].end());
            QVERIFY(futileOf[l] == h.wastedWakeups[l]);
        }
    }
}

void tst_properties::property_everySynAccountedFor_data() {
    QTest::addColumn<int>("shape");
    QTest::addColumn<quint64>("firstSeed");
    QTest::addColumn<int>("seeds");
    for (int i = 0; i < static_cast<int>(shapes().size()); ++i)
        QTest::addRow("%s", shapes()[static_cast<std::size_t>(i)].name) << i << quint64(1) << 10;
}

void tst_properties::property_everySynAccountedFor() {
    QFETCH(int, shape);
    QFETCH(quint64, firstSeed);
    QFETCH(int, seeds);
    const Shape& s = shapes()[static_cast<std::size_t>(shape)];
    for (quint64 seed = firstSeed; seed < firstSeed + static_cast<quint64>(seeds); ++seed) {
        const QByteArray where = QByteArray("seed ") + QByteArray::number(seed);
        auto sim = load(shapeYaml(s, seed));
        QVERIFY(sim);
        sim->run();
        const History& h = sim->history();
        const Time end = h.end;
        const auto ps = packets(h);
        // Every packet has a final fate, or is still in flight at the end; each fate fits its kind.
        std::map<PacketFate, std::int64_t> fates;
        for (const Packet& p : ps) {
            if (p.fate == PacketFate::InFlight) {
                QVERIFY2(p.arrives > end, where + ": in flight although it arrived: " +
                                              QByteArray::fromStdString(describe(p)));
                continue;
            }
            QVERIFY2(p.arrives <= end || p.fate == PacketFate::LostInNetwork ||
                         p.fate == PacketFate::Unanswered,
                     where + ": a fate before arrival: " + QByteArray::fromStdString(describe(p)));
            if (p.kind == PacketKind::Syn)
                QVERIFY2(isSynFate(p.fate), where + ": " + QByteArray::fromStdString(describe(p)));
            else
                QVERIFY2(!synOnlyFate(p.fate), where + ": " + QByteArray::fromStdString(describe(p)));
            if (p.fate == PacketFate::Unanswered) QVERIFY(!p.toServer && backlog::isSpoofed(p.flow));
            if (p.fate == PacketFate::DroppedAckQueueFull || p.fate == PacketFate::DroppedCookieQueueFull)
                QVERIFY(p.toServer && p.kind != PacketKind::Syn && p.kind != PacketKind::Rst);
            if (p.fate == PacketFate::DroppedCookieQueueFull) QVERIFY(p.cookie);
            ++fates[p.fate];
        }
        // The drop reasons add up to the counters, at the end and at times along the way.
        for (Time t : {end / 7, end / 3, end / 2, end}) {
            const CounterValues v = h.countersAt(Host::Server, t);
            std::map<PacketFate, std::int64_t> upTo;
            for (const Packet& p : ps)
                if (p.fate != PacketFate::InFlight && p.arrives <= t) ++upTo[p.fate];
            const std::int64_t overflows = upTo[PacketFate::DroppedAcceptQueueFull] +
                                           upTo[PacketFate::DroppedAckQueueFull] +
                                           upTo[PacketFate::DroppedCookieQueueFull];
            QVERIFY2(value(v, Counter::TcpExtListenOverflows) == overflows,
                     where + " at " + show(t) + ": ListenOverflows " +
                         QByteArray::number(qint64(value(v, Counter::TcpExtListenOverflows))) +
                         " vs dropped packets " + QByteArray::number(qint64(overflows)));
            QVERIFY(value(v, Counter::TcpExtListenOverflows) <= value(v, Counter::TcpExtListenDrops));
            QCOMPARE(value(v, Counter::TcpExtListenDrops), overflows + upTo[PacketFate::DroppedSynQueueFull] +
                                                               upTo[PacketFate::DroppedSynBacklog] +
                                                               upTo[PacketFate::DroppedNoRoute]);
            QCOMPARE(value(v, Counter::TcpExtTCPReqQFullDrop), upTo[PacketFate::DroppedSynQueueFull]);
            QCOMPARE(value(v, Counter::TcpExtTCPACKSkippedSynRecv), upTo[PacketFate::DroppedRateLimited]);
            std::int64_t cookieSynAcks = 0, serverRsts = 0, clientRsts = 0;
            for (const Packet& p : ps) {
                if (p.sent > t) break;
                cookieSynAcks += (p.kind == PacketKind::SynAck && p.cookie) ? 1 : 0;
                serverRsts += (!p.toServer && p.kind == PacketKind::Rst) ? 1 : 0;
                clientRsts += (p.toServer && p.kind == PacketKind::Rst) ? 1 : 0;
            }
            QCOMPARE(value(v, Counter::TcpExtSyncookiesSent), cookieSynAcks);
            QVERIFY(value(v, Counter::TcpExtTCPReqQFullDoCookies) >= cookieSynAcks);
            QCOMPARE(value(v, Counter::TcpOutRsts), serverRsts);
            QCOMPARE(value(h.countersAt(Host::Clients, t), Counter::TcpOutRsts), clientRsts);
        }
        // PassiveOpens == accept-queue entries ever created, minus those created by migration.
        std::int64_t entries = 0, migrated = 0;
        for (std::size_t l = 0; l < h.queues.size(); ++l) {
            for (const QueueEntry& e : allStays(h, l, QueueKind::Accept)) {
                ++entries;
                migrated += e.reason == LeaveReason::Migrated ? 1 : 0;
            }
        }
        QCOMPARE(value(h.countersAt(Host::Server, end), Counter::TcpPassiveOpens), entries - migrated);
        // SyncookiesRecv: every valid cookie ACK, whether it then created a child or met a full accept queue.
        std::int64_t cookieChildren = 0, embryonic = 0;
        bool closed = false;
        for (std::size_t l = 0; l < h.queues.size(); ++l) {
            closed = closed || !h.listenerOpenAt(static_cast<int>(l), end);
            std::set<std::pair<FlowId, std::int64_t>> completed, migratedIn;
            for (const QueueEntry& e : allStays(h, l, QueueKind::Syn)) {
                if (e.reason == LeaveReason::Completed) completed.insert({e.flow, e.left.count()});
                embryonic += e.reason == LeaveReason::Reset ? 1 : 0;
            }
            for (std::size_t m = 0; m < h.queues.size(); ++m)
                for (const QueueEntry& e : allStays(h, m, QueueKind::Accept))
                    if (e.reason == LeaveReason::Migrated) migratedIn.insert({e.flow, e.left.count()});
            for (const QueueEntry& e : allStays(h, l, QueueKind::Accept))
                if (!completed.count({e.flow, e.entered.count()}) &&
                    !migratedIn.count({e.flow, e.entered.count()}))
                    ++cookieChildren;
        }
        QCOMPARE(value(h.countersAt(Host::Server, end), Counter::TcpExtSyncookiesRecv),
                 fates[PacketFate::DroppedCookieQueueFull] + cookieChildren);
        // EmbryonicRsts: requests reset by an RST from the client (A4) or by abort_on_overflow (A7b).
        if (!closed)
            QCOMPARE(value(h.countersAt(Host::Server, end), Counter::TcpExtEmbryonicRsts), embryonic);
        // TCPSynRetrans: SYN-ACK retransmissions on the server, SYN retransmissions on the clients.
        std::int64_t synAckRetrans = 0, synRetrans = 0;
        for (const Packet& p : ps) {
            synAckRetrans += (!p.toServer && p.kind == PacketKind::SynAck && p.retrans > 0) ? 1 : 0;
            synRetrans +=
                (p.toServer && p.kind == PacketKind::Syn && p.retrans > 0 && !backlog::isSpoofed(p.flow)) ? 1
                                                                                                          : 0;
        }
        QCOMPARE(value(h.countersAt(Host::Server, end), Counter::TcpExtTCPSynRetrans), synAckRetrans);
        QCOMPARE(value(h.countersAt(Host::Clients, end), Counter::TcpExtTCPSynRetrans), synRetrans);
        QCOMPARE(value(h.countersAt(Host::Clients, end), Counter::TcpActiveOpens),
                 static_cast<std::int64_t>(h.clients.size()));
        // A completed request becomes an accept-queue entry of the same listener at the same instant.
        Time firstMigration = Time::never();
        for (std::size_t l = 0; l < h.queues.size(); ++l) {
            std::set<std::pair<FlowId, std::int64_t>> accepted;
            for (const QueueEntry& e : allStays(h, l, QueueKind::Accept))
                accepted.insert({e.flow, e.entered.count()});
            for (std::size_t q = 0; q < 2; ++q)
                for (const QueueEntry& e : allStays(h, l, static_cast<QueueKind>(q)))
                    if (e.reason == LeaveReason::Migrated) firstMigration = std::min(firstMigration, e.left);
            for (const QueueEntry& e : allStays(h, l, QueueKind::Syn))
                if (e.reason == LeaveReason::Completed)
                    QVERIFY2(accepted.count({e.flow, e.left.count()}),
                             where + ": completed request without a child");
        }
        if (!s.migrates) QVERIFY(firstMigration.isNever());
        // Queue lengths never exceed backlog+1, except after a migration; the recorded lengths are the stays.
        for (std::size_t l = 0; l < h.listeners.size(); ++l) {
            const auto syn = allStays(h, l, QueueKind::Syn);
            const auto acc = allStays(h, l, QueueKind::Accept);
            std::vector<std::pair<Time, int>> sweep[2];
            for (const QueueEntry& e : syn) {
                sweep[0].emplace_back(e.entered, +1);
                if (!e.left.isNever()) sweep[0].emplace_back(e.left, -1);
            }
            for (const QueueEntry& e : acc) {
                sweep[1].emplace_back(e.entered, +1);
                if (!e.left.isNever()) sweep[1].emplace_back(e.left, -1);
            }
            for (auto& v : sweep)
                std::sort(v.begin(), v.end());
            std::size_t at[2] = {0, 0};
            std::int64_t present[2] = {0, 0};
            for (const auto& c : h.listeners[l].changes) {
                for (int k = 0; k < 2; ++k) {
                    while (at[k] < sweep[k].size() && sweep[k][at[k]].first <= c.at)
                        present[k] += sweep[k][at[k]++].second;
                }
                QVERIFY2(c.syn == present[0] && c.accept == present[1],
                         where + ": listener " + QByteArray::number(qulonglong(l)) + " at " + show(c.at) +
                             " records " + QByteArray::number(c.accept) + "/" + QByteArray::number(c.syn) +
                             ", stays " + QByteArray::number(qint64(present[1])) + "/" +
                             QByteArray::number(qint64(present[0])));
                if (c.at < firstMigration) {
                    QVERIFY2(c.accept <= c.maxBacklog + 1 && c.syn <= c.maxBacklog + 1,
                             where + ": queue beyond backlog+1 at " + show(c.at));
                }
            }
        }
        // Clients: AttemptFails counts connect() failures in SYN-SENT.
        std::int64_t failedConnects = 0;
        for (const ClientRecord& c : h.clients)
            failedConnects += (c.connectedAt.isNever() && c.error != backlog::ClientError::None) ? 1 : 0;
        QCOMPARE(value(h.countersAt(Host::Clients, end), Counter::TcpAttemptFails), failedConnects);
        if (QTest::currentTestFailed()) return;
    }
}

// ================================================================================================ (b)

namespace {

struct Snapshot {
    std::vector<std::vector<QueueEntry>> queues; // listener × kind
    std::vector<backlog::QueueLengths> lengths;
    std::vector<std::int64_t> backlogs;
    std::vector<bool> open;
    std::vector<std::int64_t> wasted;
    CounterValues server{}, clients{};
    std::vector<std::uint32_t> inFlight;
    std::vector<backlog::TcpState> clientStates, serverStates;
    std::vector<backlog::WorkerState> workers;
};

bool sameEntries(const std::vector<QueueEntry>& a, const std::vector<QueueEntry>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].flow != b[i].flow || a[i].entered != b[i].entered || a[i].left != b[i].left ||
            a[i].reason != b[i].reason)
            return false;
    return true;
}

std::string compareSnapshots(const Snapshot& a, const Snapshot& b) {
    if (a.queues.size() != b.queues.size()) return "queues";
    for (std::size_t i = 0; i < a.queues.size(); ++i)
        if (!sameEntries(a.queues[i], b.queues[i])) return "queue contents " + std::to_string(i);
    for (std::size_t i = 0; i < a.lengths.size(); ++i)
        if (a.lengths[i].accept != b.lengths[i].accept || a.lengths[i].syn != b.lengths[i].syn)
            return "queue lengths";
    if (a.backlogs != b.backlogs) return "backlogs";
    if (a.open != b.open) return "open";
    if (a.wasted != b.wasted) return "wasted wake-ups";
    if (a.server != b.server) return "server counters";
    if (a.clients != b.clients) return "client counters";
    if (a.inFlight != b.inFlight) return "packets in flight";
    if (a.clientStates != b.clientStates) return "client states";
    if (a.serverStates != b.serverStates) return "server states";
    if (a.workers != b.workers) return "worker states";
    return {};
}

// What the history says at t. Queue entries that leave after `horizon` are reported as still queued (a
// history cut or stopped at the horizon cannot know yet when they leave); clients are those that had started
// by t.
Snapshot query(const History& h, Time t, Time horizon = Time::never()) {
    Snapshot s;
    for (std::size_t l = 0; l < h.listeners.size(); ++l) {
        const int li = static_cast<int>(l);
        for (QueueKind q : {QueueKind::Syn, QueueKind::Accept}) {
            std::vector<QueueEntry> entries = h.queueAt(li, q, t);
            for (QueueEntry& e : entries) {
                if (e.left >= horizon) {
                    e.left = Time::never();
                    e.reason = LeaveReason::Still;
                }
            }
            s.queues.push_back(entries);
        }
        s.lengths.push_back(h.queueLengthsAt(li, t));
        s.backlogs.push_back(h.maxBacklogAt(li, t));
        s.open.push_back(h.listenerOpenAt(li, t));
        s.wasted.push_back(h.wastedWakeupsUntil(li, t));
    }
    s.server = h.countersAt(Host::Server, t);
    s.clients = h.countersAt(Host::Clients, t);
    s.inFlight = h.packetsInFlight(t);
    for (std::uint32_t c = 0; c < h.clients.size() && h.clients[c].connectAt <= t; c += 7) {
        s.clientStates.push_back(h.clientStateAt(c, t));
        s.serverStates.push_back(h.serverStateAt(c, t));
    }
    for (std::uint32_t w = 0; w < h.workers.size(); ++w)
        s.workers.push_back(h.workerAt(w, t).state);
    return s;
}

// The same answers, worked out from the raw records by brute force.
struct BruteForce {
    explicit BruteForce(const History& h) : h_(h) {
        for (std::size_t host = 0; host < 2; ++host)
            for (std::size_t c = 0; c < backlog::kCounterCount; ++c)
                series_[host][c] = h.counters[host].series(static_cast<Counter>(c));
        for (std::uint32_t i = 0; i < h.packetCount(); ++i)
            packets_.push_back(h.packet(i));
        for (std::size_t l = 0; l < h.listeners.size(); ++l)
            for (std::size_t q = 0; q < 2; ++q)
                stays_.push_back(allStays(h, l, static_cast<QueueKind>(q)));
    }

    template <class Vec, class Key> static auto lastAtOrBefore(const Vec& v, Time t, Key key) {
        auto found = v.end();
        for (auto it = v.begin(); it != v.end(); ++it)
            if (key(*it) <= t) found = it;
        return found;
    }

    Snapshot at(Time t) const {
        Snapshot s;
        for (std::size_t l = 0; l < h_.listeners.size(); ++l) {
            for (std::size_t q = 0; q < 2; ++q) {
                std::vector<QueueEntry> present;
                for (const QueueEntry& e : stays_[2 * l + q])
                    if (e.entered <= t && t < e.left) present.push_back(e);
                s.queues.push_back(present);
            }
            const auto& ch = h_.listeners[l].changes;
            const auto it = lastAtOrBefore(ch, t, [](const auto& c) { return c.at; });
            s.lengths.push_back(it == ch.end() ? backlog::QueueLengths{}
                                               : backlog::QueueLengths{it->accept, it->syn});
            s.backlogs.push_back(it == ch.end() ? 0 : it->maxBacklog);
            s.open.push_back(it != ch.end() && it->open);
            std::int64_t wasted = 0;
            for (Time w : h_.wastedWakeups[l])
                wasted += w <= t ? 1 : 0;
            s.wasted.push_back(wasted);
        }
        for (std::size_t host = 0; host < 2; ++host) {
            CounterValues& v = host == 0 ? s.server : s.clients;
            for (std::size_t c = 0; c < backlog::kCounterCount; ++c) {
                const auto& series = series_[host][c];
                const auto it = lastAtOrBefore(series, t, [](const auto& e) { return e.first; });
                v[c] = it == series.end() ? 0 : it->second;
            }
        }
        for (std::uint32_t i = 0; i < packets_.size(); ++i)
            if (packets_[i].sent <= t && t < packets_[i].arrives) s.inFlight.push_back(i);
        for (std::uint32_t c = 0; c < h_.clients.size() && h_.clients[c].connectAt <= t; c += 7) {
            const auto& st = h_.clients[c].states;
            const auto it = lastAtOrBefore(st, t, [](const auto& e) { return e.first; });
            s.clientStates.push_back(it == st.end() ? backlog::TcpState::Closed : it->second);
            const auto& sv = h_.clients[c].serverStates;
            const auto jt = lastAtOrBefore(sv, t, [](const auto& e) { return e.first; });
            s.serverStates.push_back(jt == sv.end() ? backlog::TcpState::Closed : jt->second);
        }
        for (const auto& w : h_.workers) {
            const auto it = lastAtOrBefore(w.changes, t, [](const auto& c) { return c.at; });
            s.workers.push_back(it == w.changes.end() ? backlog::WorkerState::NotStarted : it->state);
        }
        return s;
    }

  private:
    const History& h_;
    std::vector<std::pair<Time, std::int64_t>> series_[2][backlog::kCounterCount];
    std::vector<Packet> packets_;
    std::vector<std::vector<QueueEntry>> stays_;
};

// Times worth asking about: random ones, and the instants where things happen (and just around them).
std::vector<Time> probeTimes(const History& h, std::uint64_t seed, std::size_t random) {
    std::vector<Time> out;
    std::uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
    const auto next = [&] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    const auto span = static_cast<std::uint64_t>(h.end.count()) + 1;
    for (std::size_t i = 0; i < random; ++i)
        out.push_back(Time::ns(static_cast<std::int64_t>(next() % span)));
    const std::size_t n = h.packetCount();
    for (std::size_t i = 0; i < 60 && n > 0; ++i) {
        const Packet p = h.packet(static_cast<std::uint32_t>(next() % n));
        for (Time t : {p.sent, p.arrives}) {
            out.push_back(t);
            out.push_back(t - Time::ns(1));
            out.push_back(t + Time::ns(1));
        }
    }
    for (const auto& l : h.listeners) {
        for (std::size_t i = 0; i < 20 && !l.changes.empty(); ++i) {
            const Time t = l.changes[next() % l.changes.size()].at;
            out.push_back(t);
            out.push_back(t - Time::ns(1));
        }
    }
    out.push_back(Time());
    out.push_back(h.end);
    out.push_back(h.end + Time::s(1));
    // Shuffle: any order.
    for (std::size_t i = out.size(); i > 1; --i)
        std::swap(out[i - 1], out[next() % i]);
    return out;
}

} // namespace

void tst_properties::property_historyAnswersAtTimeInAnyOrder_data() {
    QTest::addColumn<int>("shape");
    QTest::addColumn<quint64>("seed");
    for (int i = 0; i < static_cast<int>(shapes().size()); ++i) {
        for (quint64 seed : {quint64(11), quint64(12)})
            QTest::addRow("%s, seed %llu", shapes()[static_cast<std::size_t>(i)].name,
                          static_cast<unsigned long long>(seed))
                << i << seed;
    }
}

void tst_properties::property_historyAnswersAtTimeInAnyOrder() {
    QFETCH(int, shape);
    QFETCH(quint64, seed);
    auto sim = load(shapeYaml(shapes()[static_cast<std::size_t>(shape)], seed));
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    const BruteForce brute(h);
    const std::vector<Time> times = probeTimes(h, seed, 120);
    std::vector<Snapshot> first;
    for (Time t : times) {
        first.push_back(query(h, t));
        const std::string diff = compareSnapshots(first.back(), brute.at(t));
        QVERIFY2(diff.empty(), "at " + show(t) + ": " + QByteArray::fromStdString(diff));
    }
    // Backwards, then forwards in time order: the same answers.
    for (std::size_t i = times.size(); i-- > 0;) {
        const std::string diff = compareSnapshots(query(h, times[i]), first[i]);
        QVERIFY2(diff.empty(), "asked again at " + show(times[i]) + ": " + QByteArray::fromStdString(diff));
    }
    std::vector<std::size_t> order(times.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return times[a] < times[b]; });
    for (std::size_t i : order) {
        const std::string diff = compareSnapshots(query(h, times[i]), first[i]);
        QVERIFY2(diff.empty(),
                 "asked in order at " + show(times[i]) + ": " + QByteArray::fromStdString(diff));
    }
}

void tst_properties::property_momentsStepThroughEveryPacketEvent_data() {
    QTest::addColumn<int>("shape");
    for (std::size_t i = 0; i < shapes().size(); ++i)
        QTest::addRow("%s", shapes()[i].name) << int(i);
}

// Stepping the playhead: nextMoment/previousMoment agree with the sorted set of every send and arrival.
void tst_properties::property_momentsStepThroughEveryPacketEvent() {
    QFETCH(int, shape);
    auto sim = load(shapeYaml(shapes()[static_cast<std::size_t>(shape)], 3));
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    std::vector<Time> moments;
    for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
        moments.push_back(h.packet(i).sent);
        moments.push_back(h.packet(i).arrives);
    }
    std::sort(moments.begin(), moments.end());
    moments.erase(std::unique(moments.begin(), moments.end()), moments.end());
    QVERIFY(!moments.empty());
    backlog::Rng rng(9);
    for (int k = 0; k < 400; ++k) {
        // Half the probes sit exactly on a moment, half between.
        const Time t = k % 2 ? moments[static_cast<std::size_t>(rng.below(moments.size()))]
                             : Time::ns(static_cast<std::int64_t>(
                                   rng.below(static_cast<std::uint64_t>(moments.back().count()) + 1)));
        const auto after = std::upper_bound(moments.begin(), moments.end(), t);
        QCOMPARE(h.nextMoment(t), after == moments.end() ? Time::never() : *after);
        const auto before = std::lower_bound(moments.begin(), moments.end(), t);
        QCOMPARE(h.previousMoment(t), before == moments.begin() ? t : *std::prev(before));
    }
}

void tst_properties::property_partialRunAnswersLikeFullRun_data() {
    QTest::addColumn<int>("shape");
    QTest::addColumn<qint64>("stopMs");
    QTest::newRow("slow workers, stopped at 3.7 s") << 3 << qint64(3700);
    QTest::newRow("burst, stopped at 1 s") << 2 << qint64(1000);
    QTest::newRow("lossy network, stopped at 2.5 s") << 5 << qint64(2500);
    QTest::newRow("flood with cookies, stopped at 0.9 s") << 0 << qint64(900);
}

void tst_properties::property_partialRunAnswersLikeFullRun() {
    QFETCH(int, shape);
    QFETCH(qint64, stopMs);
    const std::string yaml = shapeYaml(shapes()[static_cast<std::size_t>(shape)], 5);
    auto full = load(yaml);
    auto part = load(yaml);
    QVERIFY(full && part);
    full->run();
    const Time stop = Time::ms(stopMs);
    part->runUntil(stop);
    QCOMPARE(part->history().end, stop);
    // Everything at or before the stop reads the same; a packet still travelling has no fate yet.
    QVERIFY2(firstDifference(*part, *full, stop + Time::ns(1)).empty(),
             QByteArray::fromStdString(firstDifference(*part, *full, stop + Time::ns(1))));
    const History& h = part->history();
    for (Time t : probeTimes(h, 3, 80)) {
        if (t > stop) continue;
        const std::string diff =
            compareSnapshots(query(h, t, stop + Time::ns(1)), query(full->history(), t, stop + Time::ns(1)));
        QVERIFY2(diff.empty(), "at " + show(t) + ": " + QByteArray::fromStdString(diff));
    }
    // Simulating on from there gives the full run.
    part->run();
    const std::string diff = firstDifference(*part, *full, Time::never());
    QVERIFY2(diff.empty(), QByteArray::fromStdString(diff));
}

// ================================================================================================ (c)

void tst_properties::determinism_fingerprint_data() {
    QTest::addColumn<QString>("lesson");
    QTest::addColumn<QStringList>("sets");
    QTest::addColumn<quint64>("fingerprint");
    // FNV-1a 64 over the bytes of jsonReport(sim, sim.history().end) after sim.run(), for the shipped
    // scenario as it is (lessons/scenarios/sandbox.yaml, which was lessons/00-default.yaml and keeps its row
    // name, and lessons/scenarios/e2-burst.yaml). Regenerated for e2 when server RSTs stopped being counted
    // twice. A different value means the model's behaviour (or the JSON report format) changed. If that
    // change is intended, regenerate: run `tst_properties determinism_fingerprint`, check the new behaviour,
    // and copy the "fingerprint 0x…" value each failing row prints into this table. The third row draws on
    // every random path: jitter, loss, exponential service times (portableLog), the reuseport hash and epoll
    // wake-ups; it was checked to give the same value with GCC 12 and Clang 14.
    // All three regenerated for issue 13: the report gained "workers" and each client's "worker" (the
    // first two rows, blocking accept(), changed by those fields only: the rest of their reports is the
    // same byte for byte); the third also because epoll wake-ups now follow M20 (seeded wake-up order,
    // losers that sleep again inside epoll_wait()).
    // All three regenerated for issue 14: the report's header gained "source", "kernel_release" and
    // "warnings" (the lab's measured runs print the same keys); nothing else in the reports changed.
    QTest::newRow("00-default") << "sandbox.yaml" << QStringList{} << quint64(0xb14553b36b6bbb92ULL);
    QTest::newRow("e2-burst") << "e2-burst.yaml" << QStringList{} << quint64(0xc4193da6d2d5aba1ULL);
    QTest::newRow("e5-reuseport, random paths")
        << "e5-reuseport.yaml"
        << QStringList{"network.jitter=30us", "network.loss=2%", "server.workers.service.dist=exponential",
                       "server.workers.accept=epoll", "until=20s"}
        << quint64(0x38d04c18effae2a7ULL);
}

void tst_properties::determinism_fingerprint() {
    QFETCH(QString, lesson);
    QFETCH(QStringList, sets);
    QFETCH(quint64, fingerprint);
    std::vector<std::string> overrides;
    for (const QString& set : sets)
        overrides.push_back(str(set));
    auto sim = load(lessonText(str(lesson)), overrides);
    QVERIFY(sim);
    sim->run();
    const std::string report = backlog::jsonReport(*sim, sim->history().end);
    QVERIFY(report.size() > 1000);
    const std::uint64_t actual = fnv1a64(report);
    QVERIFY2(actual == fingerprint, "fingerprint 0x" + QByteArray::number(qulonglong(actual), 16) +
                                        ", expected 0x" + QByteArray::number(qulonglong(fingerprint), 16));
}

void tst_properties::determinism_sameRunTwice_data() {
    QTest::addColumn<QString>("yaml");
    QTest::newRow("00-default") << QString::fromStdString(lessonText("sandbox.yaml"));
    QTest::newRow("e2-burst") << QString::fromStdString(lessonText("e2-burst.yaml"));
    QTest::newRow("e5-reuseport") << QString::fromStdString(lessonText("e5-reuseport.yaml"));
    for (std::size_t i = 0; i < shapes().size(); ++i)
        QTest::addRow("%s", shapes()[i].name) << QString::fromStdString(shapeYaml(shapes()[i], 42));
}

void tst_properties::determinism_sameRunTwice() {
    QFETCH(QString, yaml);
    auto a = load(str(yaml));
    QVERIFY(a);
    a->run();
    const std::string first = backlog::jsonReport(*a, a->history().end);
    auto b = load(str(yaml));
    QVERIFY(b);
    b->run();
    QCOMPARE(QByteArray::fromStdString(backlog::jsonReport(*b, b->history().end)),
             QByteArray::fromStdString(first));
    const std::string diff = firstDifference(*a, *b, Time::never());
    QVERIFY2(diff.empty(), QByteArray::fromStdString(diff));
    QCOMPARE(a->eventsProcessed(), b->eventsProcessed());
}

void tst_properties::determinism_seedsDiffer_data() {
    QTest::addColumn<QString>("yaml");
    QTest::newRow("00-default") << QString::fromStdString(lessonText("sandbox.yaml"));
    QTest::newRow("e2-burst") << QString::fromStdString(lessonText("e2-burst.yaml"));
    QTest::newRow("e5-reuseport") << QString::fromStdString(lessonText("e5-reuseport.yaml"));
    QTest::newRow("lossy network") << QString::fromStdString(shapes()[5].yaml);
}

void tst_properties::determinism_seedsDiffer() {
    QFETCH(QString, yaml);
    std::set<std::string> reports;
    for (int seed : {1, 2, 3}) {
        auto sim = load(fill(str(yaml), {{"$SEED", "1"}}), {"seed=" + std::to_string(seed)});
        QVERIFY(sim);
        sim->run();
        reports.insert(withoutSeedLine(backlog::jsonReport(*sim, sim->history().end)));
    }
    QCOMPARE(reports.size(), std::size_t{3});
}

// ================================================================================================ (d)

namespace {

struct Base {
    const char* name;
    std::string yaml; // with `until`
    std::string key;
    std::string value;
};

const std::vector<Base>& bases() {
    static const std::vector<Base> all{
        {"00-default, backlog 4 -> 1", lessonText("sandbox.yaml") + "\nuntil: 60s\n", "server.backlog", "1"},
        {"00-default until 200 s (idle before until), workers 2 -> 1",
         lessonText("sandbox.yaml") + "\nuntil: 200s\n", "server.workers.count", "1"},
        {"e5-reuseport, workers 4 -> 3", lessonText("e5-reuseport.yaml") + "\nuntil: 40s\n",
         "server.workers.count", "3"},
        {"lossy network, syncookies 1 -> 0", fill(shapes()[5].yaml, {{"$SEED", "9"}}),
         "net.ipv4.tcp_syncookies", "0"},
        {"flood with cookies, backlog 64 -> 8", fill(shapes()[0].yaml, {{"$SEED", "4"}}), "server.backlog",
         "8"},
        {"e5-reuseport, close listener 2", lessonText("e5-reuseport.yaml") + "\nuntil: 40s\n",
         "close-listener", "2"},
        {"lossy network, loss 5% -> 30%", fill(shapes()[5].yaml, {{"$SEED", "2"}}), "network.loss", "30%"},
    };
    return all;
}

std::string withEvents(const std::string& yaml,
                       const std::vector<std::tuple<Time, std::string, std::string>>& changes) {
    std::string out = yaml + "\nevents:\n";
    for (const auto& [at, key, value] : changes) {
        if (key == "close-listener")
            out += "  - { at: " + std::to_string(at.count()) + "ns, close-listener: " + value + " }\n";
        else
            out += "  - { at: " + std::to_string(at.count()) + "ns, set: { " + key + ": " + value + " } }\n";
    }
    return out;
}

} // namespace

void tst_properties::changeAt_keepsHistoryBeforeTheChange_data() {
    QTest::addColumn<int>("base");
    QTest::addColumn<qint64>("atMs");
    QTest::addColumn<qint64>("checkpointMs");
    for (int b = 0; b < static_cast<int>(bases().size()); ++b) {
        for (qint64 at : {0, 500, 1000, 1700, 3000, 20000, 29000}) {
            for (qint64 every : {1000, 100, 7000, 1000000}) {
                QTest::addRow("%s, change at %lld ms, checkpoints every %lld ms",
                              bases()[static_cast<std::size_t>(b)].name, static_cast<long long>(at),
                              static_cast<long long>(every))
                    << b << at << every;
            }
        }
    }
}

void tst_properties::changeAt_keepsHistoryBeforeTheChange() {
    QFETCH(int, base);
    QFETCH(qint64, atMs);
    QFETCH(qint64, checkpointMs);
    const Base& b = bases()[static_cast<std::size_t>(base)];
    auto plain = load(b.yaml);
    auto changed = load(b.yaml);
    QVERIFY(plain && changed);
    changed->setCheckpointInterval(Time::ms(checkpointMs));
    plain->run();
    changed->run();
    const Time at = Time::ms(atMs);
    const auto err = changed->changeAt(at, b.key, b.value);
    QVERIFY2(!err, err ? err->c_str() : "");
    // Exactly the same history before t as the run without the change.
    const std::string diff = firstDifference(*changed, *plain, at);
    QVERIFY2(diff.empty(), QByteArray::fromStdString(diff));
    for (Time t : {Time(), at / 2, at - Time::ns(1)}) {
        if (t < Time() || t >= at) continue;
        const std::string d =
            compareSnapshots(query(changed->history(), t, at), query(plain->history(), t, at));
        QVERIFY2(d.empty(), "at " + show(t) + ": " + QByteArray::fromStdString(d));
    }
}

void tst_properties::changeAt_matchesFreshRunWithEvent_data() {
    changeAt_keepsHistoryBeforeTheChange_data();
}

void tst_properties::changeAt_matchesFreshRunWithEvent() {
    QFETCH(int, base);
    QFETCH(qint64, atMs);
    QFETCH(qint64, checkpointMs);
    const Base& b = bases()[static_cast<std::size_t>(base)];
    const Time at = Time::ms(atMs);
    auto fresh = load(withEvents(b.yaml, {{at, b.key, b.value}}));
    auto changed = load(b.yaml);
    QVERIFY(fresh && changed);
    changed->setCheckpointInterval(Time::ms(checkpointMs));
    fresh->run();
    changed->run();
    const auto err = changed->changeAt(at, b.key, b.value);
    QVERIFY2(!err, err ? err->c_str() : "");
    const std::string diff = firstDifference(*changed, *fresh, Time::never());
    QVERIFY2(diff.empty(), QByteArray::fromStdString(diff));
    QCOMPARE(QByteArray::fromStdString(backlog::jsonReport(*changed, changed->history().end)),
             QByteArray::fromStdString(backlog::jsonReport(*fresh, fresh->history().end)));
}

void tst_properties::changeAt_successiveChanges_data() {
    QTest::addColumn<int>("base");
    QTest::addColumn<qint64>("firstMs");
    QTest::addColumn<QString>("firstValue");
    QTest::addColumn<qint64>("secondMs");
    QTest::addColumn<QString>("secondValue");
    QTest::addColumn<qint64>("checkpointMs");
    // Decreasing times (the second change lands before the first), increasing times, and far apart.
    QTest::newRow("default: 20 s then 5 s")
        << 0 << qint64(20000) << "1" << qint64(5000) << "8" << qint64(1000);
    QTest::newRow("default: 5 s then 20 s")
        << 0 << qint64(5000) << "8" << qint64(20000) << "1" << qint64(1000);
    QTest::newRow("default: 50 s then 0.5 s")
        << 0 << qint64(50000) << "2" << qint64(500) << "0" << qint64(1000);
    QTest::newRow("default: 50 s then 0.5 s, checkpoints every 7 s")
        << 0 << qint64(50000) << "2" << qint64(500) << "0" << qint64(7000);
    QTest::newRow("default: 3.3 s then 3.2 s, checkpoints every 100 ms")
        << 0 << qint64(3300) << "1" << qint64(3200) << "16" << qint64(100);
    QTest::newRow("default: twice at 2 s") << 0 << qint64(2000) << "1" << qint64(2000) << "3" << qint64(1000);
    QTest::newRow("flood: 1.2 s then 0.3 s")
        << 4 << qint64(1200) << "4" << qint64(300) << "128" << qint64(1000);
    QTest::newRow("e5: 30 s then 0.2 s") << 2 << qint64(30000) << "2" << qint64(200) << "3" << qint64(1000);
}

void tst_properties::changeAt_successiveChanges() {
    QFETCH(int, base);
    QFETCH(qint64, firstMs);
    QFETCH(QString, firstValue);
    QFETCH(qint64, secondMs);
    QFETCH(QString, secondValue);
    QFETCH(qint64, checkpointMs);
    const Base& b = bases()[static_cast<std::size_t>(base)];
    const Time first = Time::ms(firstMs), second = Time::ms(secondMs);
    auto fresh =
        load(withEvents(b.yaml, {{first, b.key, str(firstValue)}, {second, b.key, str(secondValue)}}));
    auto changed = load(b.yaml);
    QVERIFY(fresh && changed);
    changed->setCheckpointInterval(Time::ms(checkpointMs));
    fresh->run();
    changed->run();
    QVERIFY(!changed->changeAt(first, b.key, str(firstValue)));
    QVERIFY(!changed->changeAt(second, b.key, str(secondValue)));
    const std::string diff = firstDifference(*changed, *fresh, Time::never());
    QVERIFY2(diff.empty(), QByteArray::fromStdString(diff));
    QCOMPARE(QByteArray::fromStdString(backlog::jsonReport(*changed, changed->history().end)),
             QByteArray::fromStdString(backlog::jsonReport(*fresh, fresh->history().end)));
}

QTEST_APPLESS_MAIN(tst_properties)
#include "tst_properties.moc"
