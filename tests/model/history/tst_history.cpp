// model/history: the recorded run and its indexes (DESIGN.md, "the picture is a function of (history,
// time)"). A History built by hand, small enough to work out every answer on paper, asked "what is true at t"
// at every boundary (exactly at an entry, exactly at a leave, a nanosecond either side, before and after
// everything): the queues, their lengths and the backlog, the counters, the packets in flight and the moments
// around t, the states of a client, of its server socket and of a worker; the same answers forwards,
// backwards and in any order; after truncate(t), the same answers before t and the state just before t from t
// on. Then small runs of the model, whose answers are checked against a scan of the records; several threads
// asking one History at once, which get one reader's answers; and the queues' stay index (StayTrack) against
// a brute-force scan after any interleaving of enter, leave and truncate, and from several threads at once.
#include "model/core/Counters.h"
#include "model/core/Packet.h"
#include "model/core/Rng.h"
#include "model/core/Tcp.h"
#include "model/core/Time.h"
#include "model/history/History.h"
#include "model/kernel/Simulation.h"
#include "tests/common/ModelTest.h"

#include <QByteArray>
#include <QList>
#include <QTest>

#include <algorithm>
#include <cstdint>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using backlog::ClientRecord;
using backlog::Counter;
using backlog::CounterValues;
using backlog::FlowId;
using backlog::History;
using backlog::Host;
using backlog::LeaveReason;
using backlog::ListenerRecord;
using backlog::Packet;
using backlog::PacketFate;
using backlog::PacketKind;
using backlog::QueueEntry;
using backlog::QueueKind;
using backlog::QueueLengths;
using backlog::Simulation;
using backlog::TcpState;
using backlog::Time;
using backlog::WorkerRecord;
using backlog::WorkerState;
using backlog::test::show;

namespace {

constexpr Time us(std::int64_t v) {
    return Time::us(v);
}
constexpr Time kNs = Time::ns(1);

// ------------------------------------------------------------------------------------------------ the
// hand-built run

// One listener (backlog 2, then 8 from 500 µs, closed at 900 µs), five flows, one worker, times in µs:
//
//   SYN queue     flow 0  100 → 300 (completed)      accept queue   flow 0  300 → 400 (accepted)
//                 flow 1  200 → 700 (expired)                       flow 4  350 → 900 (reset: closed)
//                 flow 2  300 → 300 (reset: a stay of no length)
//                 flow 3  600 → 900 (reset: closed)
//
//   packets (in order of sending)                            counters (server)
//    0  SYN      f0  50 → 100   delivered                     100  InSegs
//    1  SYN-ACK  f0 100 → 150   delivered                     200  InSegs
//    2  SYN      f1 150 → 200   delivered                     300  InSegs PassiveOpens CurrEstab
//    3  ACK      f0 150 → 300   delivered                     350  InSegs SyncookiesRecv PassiveOpens
//    CurrEstab InSegs 4  SYN-ACK  f1 200 → 250   delivered                          (two records at one time,
//    InSegs twice) 5  SYN      f2 250 → 300   delivered                     600  InSegs 6  ACK      f4 300 →
//    350   delivered, a cookie ACK       900  CurrEstab down twice 7  data     f0 300 → 300   delivered (no
//    time in flight) counters (clients) 8  SYN      f3 550 → 600   delivered                      50
//    ActiveOpens 9  SYN-ACK  f3 600 → 650   lost in the network           150  ActiveOpens
//   10  RST      f1 700 → 750   delivered, retransmission 3
//
//   client 0: SYN-SENT at 50, ESTABLISHED at 150; its server socket SYN-RECV at 100, ESTABLISHED at 300.
//   worker 0: blocked in accept() at 0, serving flow 0 at 400, blocked again at 800.
//   wake-ups that found the accept queue empty: 450, 450, 820.
History handBuilt() {
    History h;
    h.listeners.resize(1);
    h.queues.resize(1);
    h.wastedWakeups.resize(1);
    auto& changes = h.listeners[0].changes;
    const auto change = [&](std::int64_t at, std::int32_t accept, std::int32_t syn, std::int64_t backlog,
                            bool open) {
        changes.push_back({us(at), accept, syn, backlog, open});
    };
    change(0, 0, 0, 2, true);
    change(100, 0, 1, 2, true);
    change(200, 0, 2, 2, true);
    change(300, 1, 1, 2, true);
    change(350, 2, 1, 2, true);
    change(400, 1, 1, 2, true);
    change(500, 1, 1, 8, true);
    change(600, 1, 2, 8, true);
    change(700, 1, 1, 8, true);
    change(900, 0, 0, 8, false);

    backlog::StayTrack& syn = h.queues[0][static_cast<std::size_t>(QueueKind::Syn)];
    backlog::StayTrack& accept = h.queues[0][static_cast<std::size_t>(QueueKind::Accept)];
    const std::uint32_t s0 = syn.enter(0, us(100));
    const std::uint32_t s1 = syn.enter(1, us(200));
    syn.leave(s0, us(300), LeaveReason::Completed);
    const std::uint32_t a0 = accept.enter(0, us(300));
    const std::uint32_t s2 = syn.enter(2, us(300));
    syn.leave(s2, us(300), LeaveReason::Reset);
    const std::uint32_t a1 = accept.enter(4, us(350));
    accept.leave(a0, us(400), LeaveReason::Accepted);
    const std::uint32_t s3 = syn.enter(3, us(600));
    syn.leave(s1, us(700), LeaveReason::Expired);
    syn.leave(s3, us(900), LeaveReason::Reset);
    accept.leave(a1, us(900), LeaveReason::Reset);

    const auto packet = [&](PacketKind kind, FlowId flow, std::int64_t sent, std::int64_t arrives,
                            bool toServer, PacketFate fate, bool cookie = false, std::uint8_t retrans = 0) {
        Packet p;
        p.kind = kind;
        p.flow = flow;
        p.sent = us(sent);
        p.arrives = us(arrives);
        p.toServer = toServer;
        p.cookie = cookie;
        p.retrans = retrans;
        const std::uint32_t i = h.addPacket(p);
        h.setFate(i, fate, 0);
    };
    packet(PacketKind::Syn, 0, 50, 100, true, PacketFate::Delivered);
    packet(PacketKind::SynAck, 0, 100, 150, false, PacketFate::Delivered);
    packet(PacketKind::Syn, 1, 150, 200, true, PacketFate::Delivered);
    packet(PacketKind::Ack, 0, 150, 300, true, PacketFate::Delivered);
    packet(PacketKind::SynAck, 1, 200, 250, false, PacketFate::Delivered);
    packet(PacketKind::Syn, 2, 250, 300, true, PacketFate::Delivered);
    packet(PacketKind::Ack, 4, 300, 350, true, PacketFate::Delivered, true);
    packet(PacketKind::Data, 0, 300, 300, true, PacketFate::Delivered);
    packet(PacketKind::Syn, 3, 550, 600, true, PacketFate::Delivered);
    packet(PacketKind::SynAck, 3, 600, 650, false, PacketFate::LostInNetwork);
    packet(PacketKind::Rst, 1, 700, 750, true, PacketFate::Delivered, false, 3);

    auto& server = h.counters[static_cast<std::size_t>(Host::Server)];
    const auto bump = [&](std::int64_t at, std::vector<Counter> cs) {
        server.bump(us(at), cs.data(), cs.size());
    };
    bump(100, {Counter::TcpInSegs});
    bump(200, {Counter::TcpInSegs});
    bump(300, {Counter::TcpInSegs, Counter::TcpPassiveOpens, Counter::TcpCurrEstab});
    bump(350, {Counter::TcpInSegs, Counter::TcpExtSyncookiesRecv, Counter::TcpPassiveOpens,
               Counter::TcpCurrEstab, Counter::TcpInSegs});
    bump(600, {Counter::TcpInSegs});
    server.drop(us(900), Counter::TcpCurrEstab);
    server.drop(us(900), Counter::TcpCurrEstab);
    auto& clients = h.counters[static_cast<std::size_t>(Host::Clients)];
    const Counter active = Counter::TcpActiveOpens;
    clients.bump(us(50), &active, 1);
    clients.bump(us(150), &active, 1);

    h.clients.resize(5);
    for (std::uint32_t c = 0; c < 5; ++c)
        h.clients[c].connectAt = us(50 + 100 * c);
    h.clients[0].connectedAt = us(150);
    h.clients[0].acceptedAt = us(400);
    h.clients[0].synTimes = {us(50)};
    h.clients[0].states = {{us(50), TcpState::SynSent}, {us(150), TcpState::Established}};
    h.clients[0].serverStates = {{us(100), TcpState::SynRecv}, {us(300), TcpState::Established}};

    h.workers.resize(1);
    h.workers[0].changes = {{us(0), WorkerState::BlockedInAccept, 0},
                            {us(400), WorkerState::Serving, 0},
                            {us(800), WorkerState::BlockedInAccept, 0}};
    h.wastedWakeups[0] = {us(450), us(450), us(820)};
    h.end = us(1000);
    return h;
}

// A time in a table: µs, and a nanosecond before (-1) or after (+1).
Time at(qint64 micros, int nanos = 0) {
    return us(micros) + Time::ns(nanos);
}

QList<int> flowsOf(const std::vector<QueueEntry>& entries) {
    QList<int> out;
    for (const QueueEntry& e : entries)
        out << static_cast<int>(e.flow);
    return out;
}

QList<int> indices(const std::vector<std::uint32_t>& v) {
    QList<int> out;
    for (std::uint32_t i : v)
        out << static_cast<int>(i);
    return out;
}

// Which answers answersAt() gives: to compare a History cut at `horizon` with the whole one before the cut,
// a time at or after the horizon (a stay's leave, the next moment) is given only as "later", and only the
// first `clients` clients are asked about (the others called connect() after the cut).
struct Ask {
    Time horizon = Time::never();
    std::size_t clients = std::size_t(-1);
};

// Everything the History answers at t, as one text: two answers are the same exactly when their texts are.
QString answersAt(const History& h, Time t, Ask ask = {}) {
    const auto when = [&](Time x) {
        return x >= ask.horizon ? std::string("later")
                                : std::to_string(x.count()); // never is later than any horizon
    };
    std::string s = "t=" + std::to_string(t.count());
    for (int l = 0; l < static_cast<int>(h.listeners.size()); ++l) {
        for (QueueKind q : {QueueKind::Syn, QueueKind::Accept}) {
            s += q == QueueKind::Syn ? " syn[" : " accept[";
            for (const QueueEntry& e : h.queueAt(l, q, t))
                s += std::to_string(e.flow) + "@" + std::to_string(e.entered.count()) + "-" + when(e.left) +
                     "/" +
                     (e.left < ask.horizon ? std::to_string(static_cast<int>(e.reason)) : std::string("?")) +
                     " ";
            s += "]";
        }
        const QueueLengths n = h.queueLengthsAt(l, t);
        s += " lengths " + std::to_string(n.accept) + "/" + std::to_string(n.syn) + " backlog " +
             std::to_string(h.maxBacklogAt(l, t)) + (h.listenerOpenAt(l, t) ? " open" : " closed") +
             " wasted " + std::to_string(h.wastedWakeupsUntil(l, t));
    }
    for (Host host : {Host::Server, Host::Clients}) {
        s += " counters";
        for (std::int64_t v : h.countersAt(host, t))
            s += " " + std::to_string(v);
    }
    s += " in flight";
    for (std::uint32_t i : h.packetsInFlight(t))
        s += " " + std::to_string(i);
    s += " moments " + when(h.previousMoment(t)) + " " + when(h.nextMoment(t));
    for (std::uint32_t c = 0; c < std::min(h.clients.size(), ask.clients); ++c)
        s += " c" + std::to_string(c) + " " + std::to_string(static_cast<int>(h.clientStateAt(c, t))) + "/" +
             std::to_string(static_cast<int>(h.serverStateAt(c, t)));
    for (std::uint32_t w = 0; w < h.workers.size(); ++w) {
        const WorkerRecord::Change c = h.workerAt(w, t);
        s += " w" + std::to_string(w) + " " + std::to_string(static_cast<int>(c.state)) + "/" +
             std::to_string(c.flow);
    }
    return QString::fromStdString(s);
}

// Every time worth asking about in a History: before everything, each recorded instant and a nanosecond
// either side of it, and after everything.
std::vector<Time> edgesOf(const History& h) {
    std::vector<Time> base{Time(), h.end};
    for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
        base.push_back(h.packet(i).sent);
        base.push_back(h.packet(i).arrives);
    }
    for (const auto& track : h.queues) {
        for (const backlog::StayTrack& q : track) {
            for (std::uint32_t i = 0; i < q.size(); ++i) {
                base.push_back(q.entry(i).entered);
                if (!q.entry(i).left.isNever()) base.push_back(q.entry(i).left);
            }
        }
    }
    for (const ListenerRecord& l : h.listeners)
        for (const ListenerRecord::Change& c : l.changes)
            base.push_back(c.at);
    for (const ClientRecord& c : h.clients) {
        for (const auto& [t, st] : c.states)
            base.push_back(t);
        for (const auto& [t, st] : c.serverStates)
            base.push_back(t);
    }
    for (const WorkerRecord& w : h.workers)
        for (const WorkerRecord::Change& c : w.changes)
            base.push_back(c.at);
    std::vector<Time> out{Time::ns(-1), Time::s(3600)};
    for (Time t : base) {
        out.push_back(t - kNs);
        out.push_back(t);
        out.push_back(t + kNs);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// ------------------------------------------------------------------------------------------------ small runs

const char* const kBurst = R"(
kernel: { version: "6.18" }
network: { rtt: 10ms, jitter: 2ms }
server: { backlog: 8, workers: { count: 2, start: 500ms, service: 20ms } }
traffic:
  - { name: burst, clients: 40, at: 0s, spacing: 0s, send: true }
  - { name: late, clients: 10, at: 200ms, spacing: 30ms, send: true }
seed: 3
until: 20s
)";

const char* const kFlood = R"(
kernel: { version: "6.18" }
network: { rtt: 2ms, jitter: 1ms, loss: 2% }
server: { backlog: 16, workers: { count: 2, service: 10ms } }
traffic:
  - { flood: { name: f, rate: 2000/s, from: 50ms, to: 400ms } }
  - { name: c, clients: 60, at: 0s, spacing: 5ms, send: true }
seed: 5
until: 10s
)";

const char* const kReuseport = R"(
kernel: { version: "6.18" }
network: { rtt: 1ms, jitter: 500us }
server: { backlog: 4, listeners: 3, workers: { count: 3, service: 15ms } }
traffic:
  - { name: c, clients: 90, at: 0s, spacing: 1ms, send: true }
seed: 9
until: 10s
)";

std::unique_ptr<Simulation> ran(const char* yaml) {
    std::unique_ptr<Simulation> sim = backlog::test::load(yaml);
    if (sim) sim->run();
    return sim;
}

// The brute force: what a scan of the records says is true at t.
std::vector<QueueEntry> scanQueue(const History& h, int listener, QueueKind q, Time t) {
    const backlog::StayTrack& track =
        h.queues[static_cast<std::size_t>(listener)][static_cast<std::size_t>(q)];
    std::vector<QueueEntry> out;
    for (std::uint32_t i = 0; i < track.size(); ++i) {
        const QueueEntry e = track.entry(i);
        if (e.entered <= t && t < e.left) out.push_back(e);
    }
    return out;
}

std::vector<std::uint32_t> scanInFlight(const History& h, Time t) {
    std::vector<std::uint32_t> out;
    for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
        const Packet p = h.packet(i);
        if (p.sent <= t && t < p.arrives) out.push_back(i);
    }
    return out;
}

TcpState scanServerState(const History& h, std::uint32_t client, Time t) {
    TcpState s = TcpState::Closed;
    for (const auto& [when, state] : h.clients[client].serverStates)
        if (when <= t) s = state;
    return s;
}

// The times of a sweep: `steps` even steps over the run, and every stay's entry and leave.
std::vector<Time> sweep(const History& h, int steps) {
    std::vector<Time> out;
    for (int k = 0; k <= steps; ++k)
        out.push_back(h.end * k / steps);
    for (const auto& track : h.queues) {
        for (const backlog::StayTrack& q : track) {
            for (std::uint32_t i = 0; i < q.size(); i += 3) {
                out.push_back(q.entry(i).entered);
                if (!q.entry(i).left.isNever()) out.push_back(q.entry(i).left);
            }
        }
    }
    return out;
}

bool sameEntries(const std::vector<QueueEntry>& a, const std::vector<QueueEntry>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const QueueEntry& x, const QueueEntry& y) {
        return x.flow == y.flow && x.entered == y.entered && x.left == y.left && x.reason == y.reason;
    });
}

} // namespace

class TestHistory : public QObject {
    Q_OBJECT

  private slots:
    // The hand-built run, one question at a time.
    void queueAt_data();
    void queueAt();
    void queueLengthsAt_data();
    void queueLengthsAt();
    void countersAt_data();
    void countersAt();
    void countersAcrossChunks();
    void packetsInFlight_data();
    void packetsInFlight();
    void packetsSentIn_data();
    void packetsSentIn();
    void packetFieldsKept();
    void statesAt_data();
    void statesAt();
    void anyOrder_data();
    void anyOrder();
    void truncate_data();
    void truncate();
    void truncateThenWriteAgain();
    // Small runs of the model.
    void run_answersMatchRecords_data();
    void run_answersMatchRecords();
    void run_truncateKeepsThePast_data();
    void run_truncateKeepsThePast();
    void concurrentReaders_data();
    void concurrentReaders();
    // The stay index behind queueAt.
    void stayIndex_interleavedEnterLeave_data();
    void stayIndex_interleavedEnterLeave();
    void stayIndex_afterTruncate_data();
    void stayIndex_afterTruncate();
    void stayIndex_concurrentReaders_data();
    void stayIndex_concurrentReaders();
};

// ================================================================================================ the
// hand-built run

void TestHistory::queueAt_data() {
    QTest::addColumn<qint64>("micros");
    QTest::addColumn<int>("nanos"); // added to micros
    QTest::addColumn<QList<int>>("syn");
    QTest::addColumn<QList<int>>("accept");
    QTest::newRow("before everything") << qint64(0) << -1 << QList<int>{} << QList<int>{};
    QTest::newRow("at listen()") << qint64(0) << 0 << QList<int>{} << QList<int>{};
    QTest::newRow("1 ns before flow 0 enters") << qint64(100) << -1 << QList<int>{} << QList<int>{};
    QTest::newRow("exactly when flow 0 enters") << qint64(100) << 0 << QList<int>{0} << QList<int>{};
    QTest::newRow("two requests, in order of entry") << qint64(250) << 0 << QList<int>{0, 1} << QList<int>{};
    QTest::newRow("1 ns before flow 0 completes") << qint64(300) << -1 << QList<int>{0, 1} << QList<int>{};
    // Flow 0 has left the SYN queue and is in the accept queue; flow 2 entered and left at this instant.
    QTest::newRow("exactly when flow 0 completes") << qint64(300) << 0 << QList<int>{1} << QList<int>{0};
    QTest::newRow("1 ns after it") << qint64(300) << 1 << QList<int>{1} << QList<int>{0};
    QTest::newRow("exactly when the cookie child enters")
        << qint64(350) << 0 << QList<int>{1} << QList<int>{0, 4};
    QTest::newRow("1 ns before flow 0 is accepted") << qint64(400) << -1 << QList<int>{1} << QList<int>{0, 4};
    QTest::newRow("exactly when flow 0 is accepted") << qint64(400) << 0 << QList<int>{1} << QList<int>{4};
    QTest::newRow("exactly when flow 3 enters") << qint64(600) << 0 << QList<int>{1, 3} << QList<int>{4};
    QTest::newRow("1 ns before flow 1 expires") << qint64(700) << -1 << QList<int>{1, 3} << QList<int>{4};
    QTest::newRow("exactly when flow 1 expires") << qint64(700) << 0 << QList<int>{3} << QList<int>{4};
    QTest::newRow("1 ns before the close") << qint64(900) << -1 << QList<int>{3} << QList<int>{4};
    QTest::newRow("exactly at the close") << qint64(900) << 0 << QList<int>{} << QList<int>{};
    QTest::newRow("long after") << qint64(5'000'000) << 0 << QList<int>{} << QList<int>{};
}

void TestHistory::queueAt() {
    QFETCH(qint64, micros);
    QFETCH(int, nanos);
    QFETCH(QList<int>, syn);
    QFETCH(QList<int>, accept);
    const History h = handBuilt();
    const Time t = at(micros, nanos);
    const std::vector<QueueEntry> s = h.queueAt(0, QueueKind::Syn, t);
    const std::vector<QueueEntry> a = h.queueAt(0, QueueKind::Accept, t);
    QCOMPARE(flowsOf(s), syn);
    QCOMPARE(flowsOf(a), accept);
    // Each entry is the whole stay, whatever t it was asked at.
    for (const std::vector<QueueEntry>* entries : {&s, &a}) {
        for (const QueueEntry& e : *entries) {
            QVERIFY(e.entered <= t);
            QVERIFY(t < e.left);
            QVERIFY(!e.left.isNever()); // every stay of this run ends
            QVERIFY(e.reason != LeaveReason::Still);
        }
    }
    if (!s.empty() && s.front().flow == 1) {
        QCOMPARE(s.front().entered, us(200));
        QCOMPARE(s.front().left, us(700));
        QCOMPARE(s.front().reason, LeaveReason::Expired);
    }
    if (!a.empty() && a.back().flow == 4) {
        QCOMPARE(a.back().entered, us(350));
        QCOMPARE(a.back().left, us(900));
        QCOMPARE(a.back().reason, LeaveReason::Reset);
    }
}

void TestHistory::queueLengthsAt_data() {
    QTest::addColumn<qint64>("micros");
    QTest::addColumn<int>("nanos");
    QTest::addColumn<int>("accept");
    QTest::addColumn<int>("syn");
    QTest::addColumn<int>("backlog");
    QTest::addColumn<bool>("open");
    QTest::newRow("before listen()") << qint64(0) << -1 << 0 << 0 << 0 << false;
    QTest::newRow("exactly at listen()") << qint64(0) << 0 << 0 << 0 << 2 << true;
    QTest::newRow("1 ns before the first change") << qint64(100) << -1 << 0 << 0 << 2 << true;
    QTest::newRow("exactly at it") << qint64(100) << 0 << 0 << 1 << 2 << true;
    QTest::newRow("between changes") << qint64(250) << 0 << 0 << 2 << 2 << true;
    QTest::newRow("exactly at a completion") << qint64(300) << 0 << 1 << 1 << 2 << true;
    QTest::newRow("two in the accept queue (listen(2) holds 3)") << qint64(350) << 0 << 2 << 1 << 2 << true;
    QTest::newRow("1 ns before the backlog changes") << qint64(500) << -1 << 1 << 1 << 2 << true;
    QTest::newRow("exactly when it changes") << qint64(500) << 0 << 1 << 1 << 8 << true;
    QTest::newRow("1 ns before the close") << qint64(900) << -1 << 1 << 1 << 8 << true;
    QTest::newRow("exactly at the close") << qint64(900) << 0 << 0 << 0 << 8 << false;
    QTest::newRow("long after") << qint64(5'000'000) << 0 << 0 << 0 << 8 << false;
}

void TestHistory::queueLengthsAt() {
    QFETCH(qint64, micros);
    QFETCH(int, nanos);
    QFETCH(int, accept);
    QFETCH(int, syn);
    QFETCH(int, backlog);
    QFETCH(bool, open);
    const History h = handBuilt();
    const Time t = at(micros, nanos);
    const QueueLengths n = h.queueLengthsAt(0, t);
    QCOMPARE(n.accept, std::int64_t{accept});
    QCOMPARE(n.syn, std::int64_t{syn});
    QCOMPARE(h.maxBacklogAt(0, t), std::int64_t{backlog});
    QCOMPARE(h.listenerOpenAt(0, t), open);
    // In this run the lengths are the queues' contents.
    QCOMPARE(n.accept, static_cast<std::int64_t>(h.queueAt(0, QueueKind::Accept, t).size()));
    QCOMPARE(n.syn, static_cast<std::int64_t>(h.queueAt(0, QueueKind::Syn, t).size()));
}

void TestHistory::countersAt_data() {
    QTest::addColumn<qint64>("micros");
    QTest::addColumn<int>("nanos");
    QTest::addColumn<int>("inSegs");
    QTest::addColumn<int>("passiveOpens");
    QTest::addColumn<int>("currEstab");
    QTest::addColumn<int>("cookiesRecv");
    QTest::addColumn<int>("activeOpens"); // the clients' host
    QTest::newRow("before everything") << qint64(0) << -1 << 0 << 0 << 0 << 0 << 0;
    QTest::newRow("exactly at the first client change") << qint64(50) << 0 << 0 << 0 << 0 << 0 << 1;
    QTest::newRow("1 ns before the first server change") << qint64(100) << -1 << 0 << 0 << 0 << 0 << 1;
    QTest::newRow("exactly at it") << qint64(100) << 0 << 1 << 0 << 0 << 0 << 1;
    QTest::newRow("between changes") << qint64(149) << 0 << 1 << 0 << 0 << 0 << 1;
    QTest::newRow("exactly at three changes in one record") << qint64(300) << 0 << 3 << 1 << 1 << 0 << 2;
    QTest::newRow("1 ns before two records at one time") << qint64(350) << -1 << 3 << 1 << 1 << 0 << 2;
    QTest::newRow("exactly at them (a counter twice)") << qint64(350) << 0 << 5 << 2 << 2 << 1 << 2;
    QTest::newRow("1 ns before the gauge goes down") << qint64(900) << -1 << 6 << 2 << 2 << 1 << 2;
    QTest::newRow("exactly when it does, twice") << qint64(900) << 0 << 6 << 2 << 0 << 1 << 2;
    QTest::newRow("long after") << qint64(5'000'000) << 0 << 6 << 2 << 0 << 1 << 2;
}

void TestHistory::countersAt() {
    QFETCH(qint64, micros);
    QFETCH(int, nanos);
    QFETCH(int, inSegs);
    QFETCH(int, passiveOpens);
    QFETCH(int, currEstab);
    QFETCH(int, cookiesRecv);
    QFETCH(int, activeOpens);
    const History h = handBuilt();
    const Time t = at(micros, nanos);
    const CounterValues server = h.countersAt(Host::Server, t);
    const CounterValues clients = h.countersAt(Host::Clients, t);
    QCOMPARE(backlog::get(server, Counter::TcpInSegs), std::int64_t{inSegs});
    QCOMPARE(backlog::get(server, Counter::TcpPassiveOpens), std::int64_t{passiveOpens});
    QCOMPARE(backlog::get(server, Counter::TcpCurrEstab), std::int64_t{currEstab});
    QCOMPARE(backlog::get(server, Counter::TcpExtSyncookiesRecv), std::int64_t{cookiesRecv});
    QCOMPARE(backlog::get(clients, Counter::TcpActiveOpens), std::int64_t{activeOpens});
    QCOMPARE(backlog::get(server, Counter::TcpActiveOpens), std::int64_t{0}); // the hosts are apart
    QCOMPARE(backlog::get(clients, Counter::TcpInSegs), std::int64_t{0});
    // The series of a counter agrees with at().
    std::int64_t fromSeries = 0;
    for (const auto& [when, value] :
         h.counters[static_cast<std::size_t>(Host::Server)].series(Counter::TcpInSegs))
        if (when <= t) fromSeries = value;
    QCOMPARE(fromSeries, std::int64_t{inSegs});
}

// A log of many records over a long time: chunks begin every 512 records and after 2^32 ns; every answer
// is the sum of the bumps up to t, on either side of each chunk's first record.
void TestHistory::countersAcrossChunks() {
    backlog::CounterLog log;
    std::vector<std::pair<Time, std::int64_t>> truth; // (time, InSegs after)
    Time t;
    std::int64_t n = 0;
    const Counter c = Counter::TcpInSegs;
    for (int k = 0; k < 3000; ++k) {
        // Mostly 1 µs apart, sometimes several at one time, twice a gap longer than a chunk may span.
        t += (k == 1000 || k == 2000) ? Time::s(7) : (k % 5 == 0 ? Time() : Time::us(1));
        log.bump(t, &c, 1);
        truth.emplace_back(t, ++n);
    }
    QCOMPARE(backlog::get(log.latest(), c), n);
    QCOMPARE(backlog::get(log.at(Time::ns(-1)), c), std::int64_t{0});
    const auto expected = [&](Time x) {
        std::int64_t v = 0;
        for (const auto& [when, value] : truth)
            if (when <= x) v = value;
        return v;
    };
    for (std::size_t k = 0; k < truth.size(); k += 7) {
        for (Time x : {truth[k].first - kNs, truth[k].first, truth[k].first + kNs})
            QCOMPARE(backlog::get(log.at(x), c), expected(x));
    }
    QCOMPARE(log.series(c).size(), truth.size());
    // Cut in the middle of a chunk, and at a chunk's first time.
    for (std::size_t k : {std::size_t(2500), std::size_t(2000), std::size_t(700)}) {
        const Time cut = truth[k].first;
        log.truncate(cut);
        QCOMPARE(backlog::get(log.latest(), c), expected(cut - kNs));
        QCOMPARE(backlog::get(log.at(Time::s(3600)), c), expected(cut - kNs));
        QCOMPARE(backlog::get(log.at(cut - kNs), c), expected(cut - kNs));
    }
}

void TestHistory::packetsInFlight_data() {
    QTest::addColumn<qint64>("micros");
    QTest::addColumn<int>("nanos");
    QTest::addColumn<QList<int>>("inFlight");
    QTest::addColumn<qint64>("previous"); // ns; the previous moment
    QTest::addColumn<qint64>("next");     // ns; -1: never
    const auto n = [](qint64 micros, int nanos = 0) { return micros * 1000 + nanos; };
    // A packet is in flight from the instant it is sent until (not including) the instant it arrives.
    QTest::newRow("before everything") << qint64(0) << -1 << QList<int>{} << n(0, -1) << n(50);
    QTest::newRow("exactly when the first leaves") << qint64(50) << 0 << QList<int>{0} << n(50) << n(100);
    QTest::newRow("1 ns after") << qint64(50) << 1 << QList<int>{0} << n(50) << n(100);
    QTest::newRow("1 ns before it arrives") << qint64(100) << -1 << QList<int>{0} << n(50) << n(100);
    QTest::newRow("exactly when it arrives and the next leaves")
        << qint64(100) << 0 << QList<int>{1} << n(50) << n(150);
    QTest::newRow("two leave at one instant") << qint64(150) << 0 << QList<int>{2, 3} << n(100) << n(200);
    QTest::newRow("1 ns before three arrivals") << qint64(300) << -1 << QList<int>{3, 5} << n(250) << n(300);
    // Packet 7 leaves and arrives at 300 µs: in flight at no instant.
    QTest::newRow("exactly at three arrivals") << qint64(300) << 0 << QList<int>{6} << n(250) << n(350);
    QTest::newRow("in a quiet stretch") << qint64(450) << 0 << QList<int>{} << n(350) << n(550);
    QTest::newRow("a lost packet is in flight") << qint64(620) << 0 << QList<int>{9} << n(600) << n(650);
    QTest::newRow("1 ns before the last arrival") << qint64(750) << -1 << QList<int>{10} << n(700) << n(750);
    QTest::newRow("exactly at the last arrival") << qint64(750) << 0 << QList<int>{} << n(700) << qint64(-1);
    QTest::newRow("long after") << qint64(5'000'000) << 0 << QList<int>{} << n(750) << qint64(-1);
}

void TestHistory::packetsInFlight() {
    QFETCH(qint64, micros);
    QFETCH(int, nanos);
    QFETCH(QList<int>, inFlight);
    QFETCH(qint64, previous);
    QFETCH(qint64, next);
    const History h = handBuilt();
    const Time t = at(micros, nanos);
    QCOMPARE(indices(h.packetsInFlight(t)), inFlight);
    QCOMPARE(indices(h.packetsInFlight(t)), indices(scanInFlight(h, t)));
    QCOMPARE(h.previousMoment(t), Time::ns(previous));
    QCOMPARE(h.nextMoment(t), next < 0 ? Time::never() : Time::ns(next));
}

void TestHistory::packetsSentIn_data() {
    QTest::addColumn<qint64>("from"); // ns
    QTest::addColumn<qint64>("to");
    QTest::addColumn<int>("first");
    QTest::addColumn<int>("last");
    // Both ends included; [first, last) are indices in order of sending.
    QTest::newRow("all") << qint64(0) << qint64(1'000'000) << 0 << 11;
    QTest::newRow("one instant, two packets") << qint64(150'000) << qint64(150'000) << 2 << 4;
    QTest::newRow("1 ns either side of an instant") << qint64(149'999) << qint64(150'001) << 2 << 4;
    QTest::newRow("between two sends") << qint64(150'001) << qint64(199'999) << 4 << 4;
    QTest::newRow("from exactly a send to exactly a send") << qint64(200'000) << qint64(300'000) << 4 << 8;
    QTest::newRow("before everything") << qint64(-10) << qint64(49'999) << 0 << 0;
    QTest::newRow("after everything") << qint64(700'001) << qint64(9'000'000) << 11 << 11;
}

void TestHistory::packetsSentIn() {
    QFETCH(qint64, from);
    QFETCH(qint64, to);
    QFETCH(int, first);
    QFETCH(int, last);
    const History h = handBuilt();
    const auto [f, l] = h.packetsSentIn(Time::ns(from), Time::ns(to));
    QCOMPARE(int(f), first);
    QCOMPARE(int(l), last);
}

// What addPacket() and setFate() were given is what packet() returns.
void TestHistory::packetFieldsKept() {
    History h = handBuilt();
    QCOMPARE(h.packetCount(), std::size_t(11));
    const Packet cookieAck = h.packet(6);
    QCOMPARE(cookieAck.kind, PacketKind::Ack);
    QCOMPARE(cookieAck.flow, FlowId(4));
    QVERIFY(cookieAck.cookie);
    QVERIFY(cookieAck.toServer);
    QCOMPARE(cookieAck.sent, us(300));
    QCOMPARE(cookieAck.arrives, us(350));
    const Packet lost = h.packet(9);
    QCOMPARE(lost.kind, PacketKind::SynAck);
    QVERIFY(!lost.toServer);
    QVERIFY(!lost.cookie);
    QCOMPARE(lost.fate, PacketFate::LostInNetwork);
    const Packet rst = h.packet(10);
    QCOMPARE(rst.kind, PacketKind::Rst);
    QCOMPARE(int(rst.retrans), 3);
    QCOMPARE(rst.fate, PacketFate::Delivered);
    h.setFate(10, PacketFate::DroppedNoSocket, 2);
    QCOMPARE(h.packet(10).fate, PacketFate::DroppedNoSocket);
    QCOMPARE(int(h.packet(10).listener), 2);
    QCOMPARE(h.packet(10).sent, us(700)); // nothing else moved
    QCOMPARE(h.packet(9).fate, PacketFate::LostInNetwork);
}

void TestHistory::statesAt_data() {
    QTest::addColumn<qint64>("micros");
    QTest::addColumn<int>("nanos");
    QTest::addColumn<int>("client"); // TcpState of client 0
    QTest::addColumn<int>("server"); // TcpState of its server socket
    QTest::addColumn<int>("worker"); // WorkerState of worker 0
    QTest::addColumn<int>("wasted"); // wake-ups for nothing up to t
    const auto row = [](const char* name, qint64 micros, int nanos, TcpState c, TcpState s, WorkerState w,
                        int wasted) {
        QTest::newRow(name) << micros << nanos << int(c) << int(s) << int(w) << wasted;
    };
    row("before everything", 0, -1, TcpState::Closed, TcpState::Closed, WorkerState::NotStarted, 0);
    row("exactly when the worker starts", 0, 0, TcpState::Closed, TcpState::Closed,
        WorkerState::BlockedInAccept, 0);
    row("exactly at connect()", 50, 0, TcpState::SynSent, TcpState::Closed, WorkerState::BlockedInAccept, 0);
    row("1 ns before the request socket", 100, -1, TcpState::SynSent, TcpState::Closed,
        WorkerState::BlockedInAccept, 0);
    row("exactly at it", 100, 0, TcpState::SynSent, TcpState::SynRecv, WorkerState::BlockedInAccept, 0);
    row("exactly when connect() returns", 150, 0, TcpState::Established, TcpState::SynRecv,
        WorkerState::BlockedInAccept, 0);
    row("exactly when the child is made", 300, 0, TcpState::Established, TcpState::Established,
        WorkerState::BlockedInAccept, 0);
    row("exactly when accept() returns it", 400, 0, TcpState::Established, TcpState::Established,
        WorkerState::Serving, 0);
    row("1 ns before two wasted wake-ups", 450, -1, TcpState::Established, TcpState::Established,
        WorkerState::Serving, 0);
    row("exactly at them", 450, 0, TcpState::Established, TcpState::Established, WorkerState::Serving, 2);
    row("exactly when the worker is back", 800, 0, TcpState::Established, TcpState::Established,
        WorkerState::BlockedInAccept, 2);
    row("long after", 5'000'000, 0, TcpState::Established, TcpState::Established,
        WorkerState::BlockedInAccept, 3);
}

void TestHistory::statesAt() {
    QFETCH(qint64, micros);
    QFETCH(int, nanos);
    QFETCH(int, client);
    QFETCH(int, server);
    QFETCH(int, worker);
    QFETCH(int, wasted);
    const History h = handBuilt();
    const Time t = at(micros, nanos);
    QCOMPARE(h.clientStateAt(0, t), static_cast<TcpState>(client));
    QCOMPARE(h.serverStateAt(0, t), static_cast<TcpState>(server));
    QCOMPARE(h.serverStateAt(4, t), TcpState::Closed); // a client with no server socket recorded
    QCOMPARE(h.clientStateAt(4, t), TcpState::Closed);
    const WorkerRecord::Change w = h.workerAt(0, t);
    QCOMPARE(int(w.state), worker);
    if (w.state == WorkerState::Serving) QCOMPARE(w.flow, FlowId(0));
    QCOMPARE(h.wastedWakeupsUntil(0, t), std::int64_t{wasted});
}

void TestHistory::anyOrder_data() {
    QTest::addColumn<QString>("order");
    QTest::newRow("forwards") << "forwards";
    QTest::newRow("backwards") << "backwards";
    QTest::newRow("from the middle outwards") << "outwards";
    QTest::newRow("shuffled") << "shuffled";
}

// Asked at every edge in any order, one History gives the answers it gives asked in order of time.
void TestHistory::anyOrder() {
    QFETCH(QString, order);
    const History h = handBuilt();
    const std::vector<Time> times = edgesOf(h);
    std::vector<QString> inOrder;
    {
        const History fresh = handBuilt();
        for (Time t : times)
            inOrder.push_back(answersAt(fresh, t));
    }
    std::vector<std::size_t> ks(times.size());
    for (std::size_t k = 0; k < ks.size(); ++k)
        ks[k] = k;
    if (order == "backwards") {
        std::reverse(ks.begin(), ks.end());
    } else if (order == "outwards") {
        std::vector<std::size_t> out;
        const std::size_t mid = ks.size() / 2;
        for (std::size_t d = 0; d <= mid; ++d) {
            if (mid + d < ks.size()) out.push_back(mid + d);
            if (d > 0 && d <= mid) out.push_back(mid - d);
        }
        ks = out;
    } else if (order == "shuffled") {
        backlog::Rng rng(42);
        for (std::size_t k = ks.size(); k > 1; --k)
            std::swap(ks[k - 1], ks[static_cast<std::size_t>(rng.below(k))]);
    }
    QCOMPARE(ks.size(), times.size());
    for (std::size_t k : ks)
        QCOMPARE(answersAt(h, times[k]), inOrder[k]);
}

void TestHistory::truncate_data() {
    QTest::addColumn<qint64>("micros");
    QTest::addColumn<int>("nanos");
    QTest::newRow("at the first instant (everything goes)") << qint64(0) << 0;
    QTest::newRow("exactly when flow 0 enters") << qint64(100) << 0;
    QTest::newRow("1 ns after it") << qint64(100) << 1;
    QTest::newRow("exactly at a completion and a stay of no length") << qint64(300) << 0;
    QTest::newRow("exactly at two counter records") << qint64(350) << 0;
    QTest::newRow("exactly when flow 0 is accepted") << qint64(400) << 0;
    QTest::newRow("in a quiet stretch") << qint64(450) << 0;
    QTest::newRow("while a lost packet is in flight (it stays lost)") << qint64(620) << 0;
    QTest::newRow("exactly when flow 1 expires (it is queued again)") << qint64(700) << 0;
    QTest::newRow("exactly at the close") << qint64(900) << 0;
    QTest::newRow("after everything") << qint64(2'000) << 0;
}

// Cut at t: every answer before t is the same as before the cut, and from t on the History answers what was
// true just before t, as if the run had stopped there (stays that left at or after t are queued again).
void TestHistory::truncate() {
    QFETCH(qint64, micros);
    QFETCH(int, nanos);
    const Time cut = at(micros, nanos);
    const History whole = handBuilt();
    History h = handBuilt();
    h.truncate(cut);
    QCOMPARE(h.end, std::min(whole.end, cut));
    const Ask beforeTheCut{cut, h.clients.size()};
    for (Time t : edgesOf(whole)) {
        if (t < cut) {
            QCOMPARE(answersAt(h, t, beforeTheCut), answersAt(whole, t, beforeTheCut));
            continue;
        }
        const Time before = cut - kNs;
        for (QueueKind q : {QueueKind::Syn, QueueKind::Accept}) {
            const std::vector<QueueEntry> now = h.queueAt(0, q, t);
            const std::vector<QueueEntry> then = whole.queueAt(0, q, before);
            QCOMPARE(flowsOf(now), flowsOf(then));
            for (std::size_t i = 0; i < now.size(); ++i) {
                QCOMPARE(now[i].entered, then[i].entered);
                QVERIFY(now[i].left.isNever());
                QCOMPARE(now[i].reason, LeaveReason::Still);
            }
        }
        QCOMPARE(h.queueLengthsAt(0, t).accept, whole.queueLengthsAt(0, before).accept);
        QCOMPARE(h.queueLengthsAt(0, t).syn, whole.queueLengthsAt(0, before).syn);
        QCOMPARE(h.maxBacklogAt(0, t), whole.maxBacklogAt(0, before));
        QCOMPARE(h.listenerOpenAt(0, t), whole.listenerOpenAt(0, before));
        QVERIFY(h.countersAt(Host::Server, t) == whole.countersAt(Host::Server, before));
        QVERIFY(h.countersAt(Host::Clients, t) == whole.countersAt(Host::Clients, before));
        QCOMPARE(h.wastedWakeupsUntil(0, t), whole.wastedWakeupsUntil(0, before));
        QCOMPARE(int(h.workerAt(0, t).state), int(whole.workerAt(0, before).state));
        for (std::uint32_t c = 0; c < h.clients.size(); ++c) {
            QCOMPARE(h.clientStateAt(c, t), whole.clientStateAt(c, before));
            QCOMPARE(h.serverStateAt(c, t), whole.serverStateAt(c, before));
        }
        // Packets sent before the cut that were still in flight at t stay in flight.
        std::vector<std::uint32_t> flying;
        for (std::uint32_t i : whole.packetsInFlight(t))
            if (whole.packet(i).sent < cut) flying.push_back(i);
        QCOMPARE(indices(h.packetsInFlight(t)), indices(flying));
    }
    // The packets sent before the cut are kept; a fate decided at or after the cut is forgotten, unless it
    // was decided when the packet was sent (lost in the network).
    std::uint32_t kept = 0;
    for (std::uint32_t i = 0; i < whole.packetCount(); ++i)
        if (whole.packet(i).sent < cut) ++kept;
    QCOMPARE(h.packetCount(), std::size_t(kept));
    for (std::uint32_t i = 0; i < kept; ++i) {
        const Packet p = whole.packet(i);
        const PacketFate fate =
            p.arrives < cut || p.fate == PacketFate::LostInNetwork ? p.fate : PacketFate::InFlight;
        QCOMPARE(h.packet(i).fate, fate);
        QCOMPARE(h.packet(i).arrives, p.arrives);
    }
    // The clients that had called connect() before the cut are kept, with what happened to them before it.
    for (std::uint32_t c = 0; c < whole.clients.size(); ++c) {
        if (whole.clients[c].connectAt >= cut) {
            QVERIFY(c >= h.clients.size());
            continue;
        }
        QVERIFY(c < h.clients.size());
        for (const auto& [mine, theirs] : {std::pair{h.clients[c].connectedAt, whole.clients[c].connectedAt},
                                           std::pair{h.clients[c].acceptedAt, whole.clients[c].acceptedAt}})
            QCOMPARE(mine, theirs < cut ? theirs : Time::never());
    }
    // A second cut at the same time changes nothing.
    const QString once = answersAt(h, cut);
    h.truncate(cut);
    QCOMPARE(answersAt(h, cut), once);
}

// After a cut the run is simulated again from there: what is written then is answered like the rest.
void TestHistory::truncateThenWriteAgain() {
    History h = handBuilt();
    h.truncate(us(700)); // flow 1 is queued again, flow 3 too
    QCOMPARE(flowsOf(h.queueAt(0, QueueKind::Syn, us(800))), (QList<int>{1, 3}));
    backlog::StayTrack& syn = h.queues[0][static_cast<std::size_t>(QueueKind::Syn)];
    // Flow 1 now completes at 750 µs instead of expiring at 700 µs, and a new flow 5 enters at 760 µs.
    syn.leave(1, us(750), LeaveReason::Completed);
    const std::uint32_t s5 = syn.enter(5, us(760));
    QCOMPARE(s5, std::uint32_t(4));
    h.queues[0][static_cast<std::size_t>(QueueKind::Accept)].enter(1, us(750));
    h.listeners[0].changes.push_back({us(750), 2, 1, 8, true});
    h.listeners[0].changes.push_back({us(760), 2, 2, 8, true});
    const Counter in = Counter::TcpInSegs;
    h.counters[0].bump(us(750), &in, 1);
    Packet p;
    p.kind = PacketKind::Syn;
    p.flow = 5;
    p.sent = us(740);
    p.arrives = us(760);
    h.addPacket(p);
    QCOMPARE(flowsOf(h.queueAt(0, QueueKind::Syn, us(750) - kNs)), (QList<int>{1, 3}));
    QCOMPARE(flowsOf(h.queueAt(0, QueueKind::Syn, us(750))), (QList<int>{3}));
    QCOMPARE(flowsOf(h.queueAt(0, QueueKind::Syn, us(760))), (QList<int>{3, 5}));
    QCOMPARE(h.queueAt(0, QueueKind::Syn, us(700)).front().reason, LeaveReason::Completed);
    QCOMPARE(h.queueLengthsAt(0, us(755)).accept, std::int64_t{2});
    QCOMPARE(backlog::get(h.countersAt(Host::Server, us(750)), in), std::int64_t{7});
    QCOMPARE(backlog::get(h.countersAt(Host::Server, us(750) - kNs), in), std::int64_t{6});
    QCOMPARE(flowsOf(h.queueAt(0, QueueKind::Accept, us(750))), (QList<int>{4, 1}));
    QCOMPARE(indices(h.packetsInFlight(us(750))), (QList<int>{10}));
    QCOMPARE(h.nextMoment(us(700)), us(740));
    QCOMPARE(h.previousMoment(us(745)), us(740));
    // The past before the cut did not move (from 650 µs on, the next moment is the new SYN at 740 µs instead
    // of the RST at 700 µs that the cut forgot).
    const History whole = handBuilt();
    const Ask beforeTheCut{us(700), h.clients.size()};
    for (Time t : edgesOf(whole))
        if (t < us(650)) QCOMPARE(answersAt(h, t, beforeTheCut), answersAt(whole, t, beforeTheCut));
}

// ================================================================================================ small runs

void TestHistory::run_answersMatchRecords_data() {
    QTest::addColumn<QString>("yaml");
    QTest::newRow("a burst, cookies, ghosts") << QString(kBurst);
    QTest::newRow("a flood, a lossy network") << QString(kFlood);
    QTest::newRow("three reuseport listeners") << QString(kReuseport);
}

// A sweep forwards and then backwards: every answer is what a scan of the records says.
void TestHistory::run_answersMatchRecords() {
    QFETCH(QString, yaml);
    const auto sim = ran(qPrintable(yaml));
    QVERIFY(sim);
    const History& h = sim->history();
    QVERIFY(h.packetCount() > 100);
    std::vector<Time> times = sweep(h, 400);
    std::sort(times.begin(), times.end());
    std::vector<Time> backwards(times.rbegin(), times.rend());
    int listeners = static_cast<int>(h.listeners.size());
    for (const std::vector<Time>* pass : {&times, &backwards}) {
        for (Time t : *pass) {
            for (int l = 0; l < listeners; ++l) {
                for (QueueKind q : {QueueKind::Syn, QueueKind::Accept}) {
                    const std::vector<QueueEntry> got = h.queueAt(l, q, t);
                    QVERIFY2(sameEntries(got, scanQueue(h, l, q, t)), "queueAt at " + show(t));
                }
            }
            QCOMPARE(indices(h.packetsInFlight(t)), indices(scanInFlight(h, t)));
            for (std::uint32_t c = 0; c < h.clients.size(); c += 7)
                QCOMPARE(h.serverStateAt(c, t), scanServerState(h, c, t));
        }
    }
    // The counters against their own series, each counter replayed on its own.
    for (Counter c :
         {Counter::TcpInSegs, Counter::TcpCurrEstab, Counter::TcpExtListenDrops, Counter::TcpPassiveOpens}) {
        const auto series = h.counters[static_cast<std::size_t>(Host::Server)].series(c);
        std::size_t k = 0;
        std::int64_t value = 0;
        for (Time t : times) {
            while (k < series.size() && series[k].first <= t)
                value = series[k++].second;
            QCOMPARE(backlog::get(h.countersAt(Host::Server, t), c), value);
        }
    }
}

void TestHistory::run_truncateKeepsThePast_data() {
    QTest::addColumn<QString>("yaml");
    QTest::addColumn<int>("perMille"); // where to cut, in thousandths of the run
    QTest::newRow("a burst, cut early") << QString(kBurst) << 30;
    QTest::newRow("a burst, cut half-way") << QString(kBurst) << 500;
    QTest::newRow("a flood, cut during it") << QString(kFlood) << 20;
    QTest::newRow("reuseport, cut late") << QString(kReuseport) << 900;
}

// A copy of a run's History cut at t answers as the run did before t.
void TestHistory::run_truncateKeepsThePast() {
    QFETCH(QString, yaml);
    QFETCH(int, perMille);
    const auto sim = ran(qPrintable(yaml));
    QVERIFY(sim);
    const History& whole = sim->history();
    const Time cut = whole.end * perMille / 1000;
    History h = whole;
    h.truncate(cut);
    QVERIFY(h.packetCount() <= whole.packetCount());
    const Ask beforeTheCut{cut, h.clients.size()};
    for (Time t : sweep(whole, 300)) {
        if (t >= cut) continue;
        QCOMPARE(answersAt(h, t, beforeTheCut), answersAt(whole, t, beforeTheCut));
    }
    const Time before = cut - kNs;
    for (int l = 0; l < static_cast<int>(h.listeners.size()); ++l) {
        QCOMPARE(h.queueAt(l, QueueKind::Accept, cut).size(),
                 whole.queueAt(l, QueueKind::Accept, before).size());
        QCOMPARE(h.queueAt(l, QueueKind::Syn, Time::s(3600)).size(),
                 whole.queueAt(l, QueueKind::Syn, before).size());
    }
    QVERIFY(h.countersAt(Host::Server, Time::s(3600)) == whole.countersAt(Host::Server, before));
}

void TestHistory::concurrentReaders_data() {
    QTest::addColumn<QString>("yaml");
    QTest::addColumn<int>("threads");
    QTest::newRow("a burst, 2 readers") << QString(kBurst) << 2;
    QTest::newRow("a flood, 4 readers") << QString(kFlood) << 4;
    QTest::newRow("reuseport, 3 readers") << QString(kReuseport) << 3;
}

// Threads that ask one History everything at once (as the export's painters do), each in its own order,
// get the answers one reader got alone. Under ThreadSanitizer this also shows that the readers write nothing.
void TestHistory::concurrentReaders() {
    QFETCH(QString, yaml);
    QFETCH(int, threads);
    const auto sim = ran(qPrintable(yaml));
    QVERIFY(sim);
    const History& h = sim->history();
    std::vector<Time> times = sweep(h, 150);
    if (times.size() > 600) times.resize(600);
    std::vector<QString> alone;
    for (Time t : times)
        alone.push_back(answersAt(h, t));

    std::vector<int> wrong(static_cast<std::size_t>(threads), 0);
    std::latch start(threads);
    std::vector<std::thread> readers;
    for (int r = 0; r < threads; ++r) {
        readers.emplace_back([&, r] {
            const auto me = static_cast<std::size_t>(r);
            start.arrive_and_wait();
            for (std::size_t n = 0; n < times.size(); ++n) {
                // Reader 0 forwards, reader 1 backwards, the others strided.
                const std::size_t k = me == 0   ? n
                                      : me == 1 ? times.size() - 1 - n
                                                : (n * (2 * me + 1) + me * 31) % times.size();
                if (answersAt(h, times[k]) != alone[k]) ++wrong[me];
            }
        });
    }
    for (std::thread& t : readers)
        t.join();
    for (std::size_t r = 0; r < wrong.size(); ++r)
        QVERIFY2(wrong[r] == 0, "reader " + QByteArray::number(qulonglong(r)) + ": " +
                                    QByteArray::number(wrong[r]) + " answers differ from a lone reader's");
}

// ================================================================================================ the stay
// index StayTrack's index (the segment tree behind History::queueAt) against a brute-force scan of a plain
// list of stays, at every size around its leaves of 8 stays and its powers of two, whatever order the stays
// leave in, after truncate(), and read from several threads at once (the export paints frames in
// parallel): the writers keep the index, so at() only reads.

namespace {

enum class LeaveOrder { Oldest, Newest, Random, AnyTime, Never, AtOnce };

// A track and the same stays as (entered, left) pairs, written together.
struct StayModel {
    backlog::StayTrack& track;
    std::vector<std::pair<Time, Time>> stays;
    std::vector<std::uint32_t> present; // stays not left, in no order
    Time now;

    void enter() {
        const std::uint32_t i = track.enter(static_cast<FlowId>(stays.size() + 1), now);
        QCOMPARE(i, static_cast<std::uint32_t>(stays.size()));
        stays.emplace_back(now, Time::never());
        present.push_back(i);
    }
    void leave(std::size_t which, Time at) {
        const std::uint32_t i = present[which];
        track.leave(i, at, LeaveReason::Accepted);
        stays[i].second = at;
        present.erase(present.begin() + static_cast<std::ptrdiff_t>(which));
    }
    void truncate(Time t) {
        track.truncate(t);
        while (!stays.empty() && stays.back().first >= t)
            stays.pop_back();
        present.clear();
        for (std::size_t i = 0; i < stays.size(); ++i) {
            if (!stays[i].second.isNever() && stays[i].second >= t) stays[i].second = Time::never();
            if (stays[i].second.isNever()) present.push_back(static_cast<std::uint32_t>(i));
        }
        now = std::min(now, t);
    }
    std::vector<std::uint32_t> expected(Time t) const {
        std::vector<std::uint32_t> out;
        for (std::size_t i = 0; i < stays.size(); ++i)
            if (stays[i].first <= t && t < stays[i].second) out.push_back(static_cast<std::uint32_t>(i));
        return out;
    }
    // Empty when the track answers at t as the brute force does.
    QByteArray differs(Time t) const {
        const std::vector<std::uint32_t> got = track.at(t), want = expected(t);
        if (got == want) return {};
        QByteArray m = "at " + show(t) + ": at() gives " + QByteArray::number(qulonglong(got.size())) +
                       " stays, the brute force " + QByteArray::number(qulonglong(want.size()));
        for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
            if (got[i] != want[i]) {
                m += "; first difference at #" + QByteArray::number(qulonglong(i)) + ": stay " +
                     QByteArray::number(got[i]) + " instead of " + QByteArray::number(want[i]);
                break;
            }
        }
        return m;
    }
    // The stored entries are the written ones.
    QByteArray entriesDiffer() const {
        if (track.size() != stays.size())
            return "size " + QByteArray::number(qulonglong(track.size())) + " vs " +
                   QByteArray::number(qulonglong(stays.size()));
        for (std::uint32_t i = 0; i < stays.size(); ++i) {
            const QueueEntry e = track.entry(i);
            if (e.entered != stays[i].first || e.left != stays[i].second ||
                (e.reason == LeaveReason::Still) != e.left.isNever())
                return "entry " + QByteArray::number(i) + " differs";
        }
        return {};
    }
};

// Enters `count` stays, `now` moving by 0–2 ns (so that times tie), and has one leave whenever more than
// `maxPresent` are queued, chosen by `order`; calls check() after every write.
template <class Check>
void writeStays(StayModel& m, backlog::Rng& rng, int count, int maxPresent, LeaveOrder order, Check&& check) {
    for (int k = 0; k < count; ++k) {
        m.now += Time::ns(static_cast<std::int64_t>(rng.below(3)));
        m.enter();
        check();
        if (order == LeaveOrder::AtOnce) { // a zero-length stay: present at no t
            m.leave(m.present.size() - 1, m.now);
            check();
            continue;
        }
        if (order == LeaveOrder::Never || static_cast<int>(m.present.size()) <= maxPresent) continue;
        m.now += Time::ns(static_cast<std::int64_t>(rng.below(3)));
        std::size_t which = 0;
        Time at = m.now;
        switch (order) {
        case LeaveOrder::Oldest:
            which = static_cast<std::size_t>(std::min_element(m.present.begin(), m.present.end()) -
                                             m.present.begin());
            break;
        case LeaveOrder::Newest:
            which = static_cast<std::size_t>(std::max_element(m.present.begin(), m.present.end()) -
                                             m.present.begin());
            break;
        case LeaveOrder::Random:
            which = static_cast<std::size_t>(rng.below(m.present.size()));
            break;
        case LeaveOrder::AnyTime: {
            // Out of time order: any time from its entry on, earlier or later than other leaves.
            which = static_cast<std::size_t>(rng.below(m.present.size()));
            const Time entered = m.stays[m.present[which]].first;
            at = entered + Time::ns(static_cast<std::int64_t>(
                               rng.below(static_cast<std::uint64_t>((m.now - entered).count()) * 2 + 1)));
            break;
        }
        case LeaveOrder::Never:
        case LeaveOrder::AtOnce:
            break;
        }
        m.leave(which, at);
        check();
    }
}

// Times worth asking about: every entry and leave, one nanosecond either side, and before everything.
std::vector<Time> edgeTimes(const StayModel& m) {
    std::vector<Time> out{Time::ns(-1), Time(), m.now, m.now + Time::ns(1)};
    for (const auto& [entered, left] : m.stays) {
        for (Time t : {entered, left}) {
            if (t.isNever()) continue;
            out.push_back(t - Time::ns(1));
            out.push_back(t);
            out.push_back(t + Time::ns(1));
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

} // namespace

void TestHistory::stayIndex_interleavedEnterLeave_data() {
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("maxPresent");
    QTest::addColumn<int>("order");
    QTest::addColumn<quint64>("seed");
    const auto row = [](const char* name, int count, int maxPresent, LeaveOrder order, quint64 seed) {
        QTest::newRow(name) << count << maxPresent << static_cast<int>(order) << seed;
    };
    row("one stay, never leaves", 1, 0, LeaveOrder::Never, 1);
    row("one stay, leaves", 1, 0, LeaveOrder::Oldest, 1);
    row("7 stays (within one leaf), oldest leaves", 7, 2, LeaveOrder::Oldest, 2);
    row("8 stays (one full leaf), newest leaves", 8, 3, LeaveOrder::Newest, 3);
    row("9 stays (a second leaf), random", 9, 1, LeaveOrder::Random, 4);
    row("17 stays, oldest leaves, one present", 17, 1, LeaveOrder::Oldest, 5);
    row("65 stays, none leaves", 65, 0, LeaveOrder::Never, 6);
    row("64 stays, each leaves as it enters", 64, 0, LeaveOrder::AtOnce, 7);
    row("300 stays, accept queue (oldest leaves), backlog 128", 300, 129, LeaveOrder::Oldest, 8);
    row("300 stays, random leaves, 20 present", 300, 20, LeaveOrder::Random, 9);
    row("300 stays, newest leaves, 5 present", 300, 5, LeaveOrder::Newest, 10);
    row("300 stays, leave times out of order", 300, 12, LeaveOrder::AnyTime, 11);
    row("1100 stays, random leaves, 129 present", 1100, 129, LeaveOrder::Random, 12);
}

// After every enter and every leave, at() at the times just written and at random ones.
void TestHistory::stayIndex_interleavedEnterLeave() {
    QFETCH(int, count);
    QFETCH(int, maxPresent);
    QFETCH(int, order);
    QFETCH(quint64, seed);
    backlog::StayTrack track;
    StayModel m{track, {}, {}, Time::ns(100)};
    backlog::Rng rng(seed), probe(seed + 1000);
    QVERIFY(track.at(Time()).empty());
    bool failed = false;
    writeStays(m, rng, count, maxPresent, static_cast<LeaveOrder>(order), [&] {
        if (failed) return;
        const std::uint64_t span = static_cast<std::uint64_t>(m.now.count()) + 3;
        for (Time t : {m.now, m.now - Time::ns(1), m.now + Time::ns(1),
                       Time::ns(static_cast<std::int64_t>(probe.below(span))),
                       Time::ns(static_cast<std::int64_t>(probe.below(span)))}) {
            const QByteArray diff = m.differs(t);
            if (!diff.isEmpty()) {
                failed = true;
                QFAIL("after " + QByteArray::number(qulonglong(m.stays.size())) + " stays, " + diff);
            }
        }
    });
    if (failed) return;
    QVERIFY2(m.entriesDiffer().isEmpty(), m.entriesDiffer());
    for (Time t : edgeTimes(m))
        QVERIFY2(m.differs(t).isEmpty(), m.differs(t));
}

void TestHistory::stayIndex_afterTruncate_data() {
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("maxPresent");
    QTest::addColumn<int>("order");
    QTest::addColumn<QString>("cut"); // "start", "end", "entry" (an entry's time), "leave" (a leave's time),
                                      // or per mille of the run
    QTest::addColumn<int>("more");    // stays written after the cut
    const auto row = [](const char* name, int count, int maxPresent, LeaveOrder order, const char* cut,
                        int more) {
        QTest::newRow(name) << count << maxPresent << static_cast<int>(order) << QString(cut) << more;
    };
    row("empty track", 0, 0, LeaveOrder::Oldest, "500", 20);
    row("cut before every stay", 200, 10, LeaveOrder::Random, "start", 50);
    row("cut after every stay", 200, 10, LeaveOrder::Random, "end", 50);
    row("cut half-way, accept queue", 400, 129, LeaveOrder::Oldest, "500", 300);
    row("cut half-way, random leaves", 400, 30, LeaveOrder::Random, "500", 300);
    row("cut at an entry's time (that entry goes)", 300, 20, LeaveOrder::Random, "entry", 100);
    row("cut at a leave's time (that stay reopens)", 300, 20, LeaveOrder::Random, "leave", 100);
    row("cut early, few stays kept, many written again", 1000, 129, LeaveOrder::Random, "30", 1000);
    row("cut within the first leaf", 100, 3, LeaveOrder::Oldest, "40", 40);
    row("cut, leave times out of order", 300, 12, LeaveOrder::AnyTime, "600", 100);
    row("cut, nothing ever leaves", 100, 0, LeaveOrder::Never, "500", 30);
}

// Cut the track, check every edge, write more (the reopened stays leave again), check, and cut again.
void TestHistory::stayIndex_afterTruncate() {
    QFETCH(int, count);
    QFETCH(int, maxPresent);
    QFETCH(int, order);
    QFETCH(QString, cut);
    QFETCH(int, more);
    backlog::StayTrack track;
    StayModel m{track, {}, {}, Time::ns(100)};
    backlog::Rng rng(static_cast<std::uint64_t>(count) * 31 + static_cast<std::uint64_t>(order));
    const auto none = [] {};
    writeStays(m, rng, count, maxPresent, static_cast<LeaveOrder>(order), none);
    for (Time x : {Time(), m.now / 2, m.now})
        QVERIFY2(m.differs(x).isEmpty(), m.differs(x));
    // Where to cut.
    Time t;
    if (cut == "start") {
        t = Time();
    } else if (cut == "end") {
        t = m.now + Time::ns(1);
    } else if (cut == "entry") {
        t = m.stays[m.stays.size() / 2].first;
    } else if (cut == "leave") {
        std::size_t i = m.stays.size() / 3;
        while (i < m.stays.size() && m.stays[i].second.isNever())
            ++i;
        QVERIFY(i < m.stays.size());
        t = m.stays[i].second;
    } else {
        t = Time::ns(100 + (m.now.count() - 100) * cut.toLongLong() / 1000);
    }
    const std::size_t before = m.stays.size();
    m.truncate(t);
    QVERIFY2(m.entriesDiffer().isEmpty(), m.entriesDiffer());
    if (cut == "start") QCOMPARE(track.size(), std::size_t(0));
    if (cut == "end") QCOMPARE(track.size(), before);
    for (Time x : edgeTimes(m))
        QVERIFY2(m.differs(x).isEmpty(), "after the cut at " + show(t) + ", " + m.differs(x));
    QVERIFY(track.at(t).size() == m.present.size()); // everything not left before t is present at t
    // Simulated again from t: more stays, the reopened ones among those that leave.
    writeStays(m, rng, more, std::max(1, maxPresent), static_cast<LeaveOrder>(order), none);
    QVERIFY2(m.entriesDiffer().isEmpty(), m.entriesDiffer());
    for (Time x : edgeTimes(m))
        QVERIFY2(m.differs(x).isEmpty(), "written again after the cut, " + m.differs(x));
    // And cut a second time, a little earlier than the first.
    const Time again = Time::ns(std::max<std::int64_t>(0, t.count() - 3));
    m.truncate(again);
    QVERIFY2(m.entriesDiffer().isEmpty(), m.entriesDiffer());
    for (Time x : edgeTimes(m))
        QVERIFY2(m.differs(x).isEmpty(), "after a second cut at " + show(again) + ", " + m.differs(x));
}

void TestHistory::stayIndex_concurrentReaders_data() {
    QTest::addColumn<int>("threads");
    QTest::addColumn<int>("order");
    QTest::addRow("2 threads, accept queue") << 2 << static_cast<int>(LeaveOrder::Oldest);
    QTest::addRow("3 threads, random leaves") << 3 << static_cast<int>(LeaveOrder::Random);
    QTest::addRow("4 threads, leave times out of order") << 4 << static_cast<int>(LeaveOrder::AnyTime);
}

// Threads that ask one History (through queueAt, as the export's painters do) and its track at once,
// none of them the first to have asked since the last write, all get the brute force's answers. Run under
// ThreadSanitizer, this is also the proof that the readers write nothing.
void TestHistory::stayIndex_concurrentReaders() {
    QFETCH(int, threads);
    QFETCH(int, order);
    History h;
    h.queues.resize(1);
    backlog::StayTrack& track = h.queues[0][static_cast<std::size_t>(QueueKind::Syn)];
    StayModel m{track, {}, {}, Time::ns(100)};
    backlog::Rng rng(static_cast<std::uint64_t>(threads));
    writeStays(m, rng, 20000, 129, static_cast<LeaveOrder>(order), [] {});
    // The questions and the brute force's answers, before any thread asks.
    std::vector<Time> times;
    for (int k = 0; k < 600; ++k)
        times.push_back(
            Time::ns(static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(m.now.count()) + 2))));
    for (std::size_t k = 0; k < 200; ++k)
        times.push_back(m.stays[static_cast<std::size_t>(rng.below(m.stays.size()))].first);
    std::vector<std::vector<std::uint32_t>> want;
    for (Time t : times)
        want.push_back(m.expected(t));

    std::vector<int> wrong(static_cast<std::size_t>(threads), 0);
    std::vector<std::size_t> firstWrong(static_cast<std::size_t>(threads), times.size());
    std::latch start(threads);
    std::vector<std::thread> readers;
    const History& shared = h;
    for (int r = 0; r < threads; ++r) {
        readers.emplace_back([&, r] {
            const auto me = static_cast<std::size_t>(r);
            start.arrive_and_wait(); // all ask their first question together
            for (std::size_t n = 0; n < times.size(); ++n) {
                // Each reader in its own order: the same stays are read by several at once all the same.
                const std::size_t k = (n * (2 * me + 1) + me * 97) % times.size();
                std::vector<std::uint32_t> got;
                if (n % 2 == 0) {
                    got = shared.queues[0][static_cast<std::size_t>(QueueKind::Syn)].at(times[k]);
                } else {
                    for (const QueueEntry& e : shared.queueAt(0, QueueKind::Syn, times[k]))
                        got.push_back(static_cast<std::uint32_t>(e.flow - 1)); // flows are stay + 1
                }
                if (got != want[k]) {
                    ++wrong[me];
                    firstWrong[me] = std::min(firstWrong[me], k);
                }
            }
        });
    }
    for (std::thread& t : readers)
        t.join();
    for (std::size_t r = 0; r < wrong.size(); ++r) {
        QVERIFY2(wrong[r] == 0, "reader " + QByteArray::number(qulonglong(r)) + ": " +
                                    QByteArray::number(wrong[r]) + " wrong answers, the first at " +
                                    show(times[std::min(firstWrong[r], times.size() - 1)]));
    }
    // And a reader after them still agrees.
    for (std::size_t k = 0; k < times.size(); k += 7)
        QVERIFY2(m.differs(times[k]).isEmpty(), m.differs(times[k]));
}

QTEST_APPLESS_MAIN(TestHistory)
#include "tst_history.moc"
