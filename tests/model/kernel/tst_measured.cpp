// The facts of shared/KERNEL.md section M (measured on Linux 6.18, default sysctls, loopback), each checked
// against the model. One test function per fact, named after it (rule_M<n>_...); the worked scenarios of
// section 7 are in tst_worked_scenarios.cpp. Times are never compared exactly: every timer of the model goes
// through the kernel's timer wheel (M11), so a time is checked against [nominal, nominal + the wheel's
// granularity for each timer on the way], computed (tests/common/MeasuredTest.h) from M11 itself and not
// from model/core/TimerWheel.
#include "model/core/Counters.h"
#include "model/core/Packet.h"
#include "model/core/Time.h"
#include "model/core/TimerWheel.h"
#include "model/history/History.h"
#include "model/kernel/Simulation.h"
#include "model/scenario/Scenario.h"
#include "model/scenario/ScenarioReader.h"
#include "tests/common/MeasuredTest.h"

#include <QByteArray>
#include <QFile>
#include <QList>
#include <QTest>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

using backlog::ClientError;
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
using backlog::TcpState;
using backlog::Time;
using backlog::TimerWheel;
using namespace backlog::test;
using namespace backlog::test::measured;

class tst_measured : public QObject {
    Q_OBJECT

  private slots:
    void rule_M1_ssShowsEffectiveBacklog_data();
    void rule_M1_ssShowsEffectiveBacklog();
    void rule_M2_acceptQueueHoldsBacklogPlusOne_data();
    void rule_M2_acceptQueueHoldsBacklogPlusOne();
    void rule_M3_synQueueHoldsBacklogPlusOne_data();
    void rule_M3_synQueueHoldsBacklogPlusOne();
    void rule_M4_fullSynQueueBySyncookies_data();
    void rule_M4_fullSynQueueBySyncookies();
    void rule_M5_synToFullAcceptQueueDroppedSilently_data();
    void rule_M5_synToFullAcceptQueueDroppedSilently();
    void rule_M6_unprovenPeersCappedByMaxSynBacklog_data();
    void rule_M6_unprovenPeersCappedByMaxSynBacklog();
    void rule_M7_finalAckToFullAcceptQueueIgnored_data();
    void rule_M7_finalAckToFullAcceptQueueIgnored();
    void rule_M8_abortOnOverflowResets_data();
    void rule_M8_abortOnOverflowResets();
    void rule_M9_cookieAckToFullAcceptQueueLeavesGhost_data();
    void rule_M9_cookieAckToFullAcceptQueueLeavesGhost();
    void rule_M10_clientSynSchedule_data();
    void rule_M10_clientSynSchedule();
    void rule_M11_timerWheelRounding_data();
    void rule_M11_timerWheelRounding();
    void rule_M11_timerWheelLevelBoundaries_data();
    void rule_M11_timerWheelLevelBoundaries();
    void rule_M11_sameTickFiringOrder_data();
    void rule_M11_sameTickFiringOrder();
    void rule_M12_retransmittedBurstSpillsIntoCookies_data();
    void rule_M12_retransmittedBurstSpillsIntoCookies();
    void rule_M13_fastNetworkSynQueueHoldsAtMostOne_data();
    void rule_M13_fastNetworkSynQueueHoldsAtMostOne();
    void rule_M14_reuseportShardsDoNotSpill_data();
    void rule_M14_reuseportShardsDoNotSpill();
    void rule_M15_closingReuseportListener_data();
    void rule_M15_closingReuseportListener();
    void rule_M16_counterRelations_data();
    void rule_M16_counterRelations();
    void rule_M17_dataRetransmissionsRetryInsertion_data();
    void rule_M17_dataRetransmissionsRetryInsertion();
    void rule_M18_closedLoopClientsStarve_data();
    void rule_M18_closedLoopClientsStarve();
    void rule_M18_abCountsEstablishedRequests_data();
    void rule_M18_abCountsEstablishedRequests();
    void rule_M19_floodNeedsRoutableSources_data();
    void rule_M19_floodNeedsRoutableSources();
};

// ================================================================================================ M1

void tst_measured::rule_M1_ssShowsEffectiveBacklog_data() {
    QTest::addColumn<qint64>("backlog");
    QTest::addColumn<qint64>("somaxconn");
    QTest::addColumn<qint64>("sendQ");
    QTest::newRow("listen(128)") << qint64(128) << qint64(4096) << qint64(128);
    QTest::newRow("listen(1000), somaxconn 16") << qint64(1000) << qint64(16) << qint64(16);
    QTest::newRow("listen(-1) means somaxconn") << qint64(-1) << qint64(4096) << qint64(4096);
    QTest::newRow("listen(-1), somaxconn 16") << qint64(-1) << qint64(16) << qint64(16);
    QTest::newRow("listen(0)") << qint64(0) << qint64(4096) << qint64(0);
    QTest::newRow("listen(128), somaxconn 0") << qint64(128) << qint64(0) << qint64(0);
    QTest::newRow("listen(3)") << qint64(3) << qint64(4096) << qint64(3);
}

void tst_measured::rule_M1_ssShowsEffectiveBacklog() {
    QFETCH(qint64, backlog);
    QFETCH(qint64, somaxconn);
    QFETCH(qint64, sendQ);
    // Clients arrive faster than one slow worker takes them, so Recv-Q moves up and down.
    const std::string yaml =
        fill(R"(
kernel: { version: "6.18", net.core.somaxconn: $SOMAXCONN }
network: { rtt: 100us }
server: { backlog: $BACKLOG, workers: { count: 1, start: 20ms, service: 5ms } }
traffic:
  - { name: c, clients: 12, at: 0s, spacing: 1ms, send: false }
until: 1s
)",
             {{"$SOMAXCONN", std::to_string(somaxconn)}, {"$BACKLOG", std::to_string(backlog)}});
    auto sim = load(yaml);
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    std::int64_t maxRecvQ = 0;
    for (Time t; t <= ms(200); t += Time::us(250)) {
        const auto ss = sim->ssListening(t);
        QCOMPARE(ss.size(), std::size_t{1});
        QCOMPARE(ss[0].state, TcpState::Listen);
        QVERIFY2(ss[0].sendQ == sendQ,
                 "Send-Q at " + show(t) + " is " + QByteArray::number(qint64(ss[0].sendQ)));
        const std::int64_t accept = h.queueLengthsAt(0, t).accept;
        QCOMPARE(ss[0].recvQ, accept);
        QCOMPARE(static_cast<std::int64_t>(h.queueAt(0, QueueKind::Accept, t).size()), accept);
        maxRecvQ = std::max(maxRecvQ, ss[0].recvQ);
    }
    QVERIFY(maxRecvQ >= 1);
    QCOMPARE(maxRecvQ, std::min<std::int64_t>(sendQ + 1, 12)); // M2
}

// ================================================================================================ M2

void tst_measured::rule_M2_acceptQueueHoldsBacklogPlusOne_data() {
    QTest::addColumn<qint64>("backlog");
    QTest::addColumn<qint64>("somaxconn");
    QTest::addColumn<qint64>("capacity");
    QTest::newRow("listen(0) holds 1") << qint64(0) << qint64(4096) << qint64(1);
    QTest::newRow("listen(1000), somaxconn 16 holds 17") << qint64(1000) << qint64(16) << qint64(17);
    QTest::newRow("somaxconn 0 holds 1") << qint64(128) << qint64(0) << qint64(1);
    QTest::newRow("listen(4) holds 5") << qint64(4) << qint64(4096) << qint64(5);
    QTest::newRow("listen(128) holds 129") << qint64(128) << qint64(4096) << qint64(129);
    QTest::newRow("listen(-1), somaxconn 16 holds 17") << qint64(-1) << qint64(16) << qint64(17);
}

void tst_measured::rule_M2_acceptQueueHoldsBacklogPlusOne() {
    QFETCH(qint64, backlog);
    QFETCH(qint64, somaxconn);
    QFETCH(qint64, capacity);
    const std::int64_t n = capacity + 3;
    const std::string yaml = fill(R"(
kernel: { version: "6.18", net.core.somaxconn: $SOMAXCONN }
network: { rtt: 100us }
server: { backlog: $BACKLOG, workers: { count: 0 } }
traffic:
  - { name: c, clients: $N, at: 0s, spacing: 1ms, send: false }
until: 3s
)",
                                  {{"$SOMAXCONN", std::to_string(somaxconn)},
                                   {"$BACKLOG", std::to_string(backlog)},
                                   {"$N", std::to_string(n)}});
    auto sim = load(yaml);
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    const Time end = h.end;
    QCOMPARE(h.queueLengthsAt(0, end).accept, capacity);
    QCOMPARE(maxima(h, 0).accept, capacity);
    QCOMPARE(server(h, Counter::TcpPassiveOpens, end), capacity);
    std::int64_t connected = 0;
    for (std::uint32_t c = 0; c < h.clients.size(); ++c) {
        const ClientRecord& r = h.clients[c];
        if (!r.connectedAt.isNever()) {
            ++connected;
            continue;
        }
        // The SYNs of the others, retransmissions included, all met a full accept queue (M5).
        for (const Packet& p : packetsOf(h, c)) {
            QVERIFY(p.toServer);
            QCOMPARE(p.fate, PacketFate::DroppedAcceptQueueFull);
        }
    }
    QCOMPARE(connected, capacity);
    const auto ps = packets(h);
    QCOMPARE(server(h, Counter::TcpExtListenOverflows, end),
             countPackets(ps, [](const Packet& p) { return p.fate == PacketFate::DroppedAcceptQueueFull; }));
}

// ================================================================================================ M3

void tst_measured::rule_M3_synQueueHoldsBacklogPlusOne_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<qint64>("backlog");
    QTest::addColumn<qint64>("maxSynBacklog");
    QTest::addColumn<qint64>("synCapacity");
    QTest::newRow("6.18 listen(4)") << "6.18" << qint64(4) << qint64(2048) << qint64(5);
    QTest::newRow("6.18 listen(0)") << "6.18" << qint64(0) << qint64(2048) << qint64(1);
    QTest::newRow("6.18 listen(128), tcp_max_syn_backlog 16")
        << "6.18" << qint64(128) << qint64(16) << qint64(129);
    QTest::newRow("6.18 listen(64), tcp_max_syn_backlog 64")
        << "6.18" << qint64(64) << qint64(64) << qint64(65);
    // Contrast: before the January 2025 fix the SYN queue held exactly backlog (KERNEL.md section 5).
    QTest::newRow("6.12 (before the 2025 fix) listen(4)") << "6.12" << qint64(4) << qint64(2048) << qint64(4);
}

void tst_measured::rule_M3_synQueueHoldsBacklogPlusOne() {
    QFETCH(QString, version);
    QFETCH(qint64, backlog);
    QFETCH(qint64, maxSynBacklog);
    QFETCH(qint64, synCapacity);
    // `held` clients send their SYNs together but lose their final ACKs: their requests stay in SYN-RECV.
    // `later` clients then find the SYN queue full, get cookies (syncookies=1) and fill the accept queue.
    const std::int64_t acceptCapacity = backlog + 1;
    const std::string yaml = fill(R"(
kernel: { version: "$V", net.ipv4.tcp_max_syn_backlog: $M, net.ipv4.tcp_syncookies: 1 }
network:
  rtt: 10ms
  faults: [ { drop: client-acks, of: held, from: 0s, to: 500ms } ]
server: { backlog: $BACKLOG, workers: { count: 0 } }
traffic:
  - { name: held, clients: $HELD, at: 0s, spacing: 0s, send: false }
  - { name: later, clients: $LATER, at: 100ms, spacing: 1ms, send: false }
until: 600ms
)",
                                  {{"$V", str(version)},
                                   {"$M", std::to_string(maxSynBacklog)},
                                   {"$BACKLOG", std::to_string(backlog)},
                                   {"$HELD", std::to_string(synCapacity + 2)},
                                   {"$LATER", std::to_string(acceptCapacity)}});
    auto sim = load(yaml);
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    // 50 ms: every held SYN has been answered; the queue holds its capacity, the two extra got cookies.
    QCOMPARE(h.queueLengthsAt(0, ms(50)).syn, synCapacity);
    QCOMPARE(static_cast<qint64>(h.queueAt(0, QueueKind::Syn, ms(50)).size()), synCapacity);
    QCOMPARE(h.queueLengthsAt(0, ms(50)).accept, std::int64_t{0});
    QCOMPARE(server(h, Counter::TcpExtSyncookiesSent, ms(50)), std::int64_t{2});
    QCOMPARE(server(h, Counter::TcpExtTCPReqQFullDrop, ms(50)), std::int64_t{0});
    QCOMPARE(maxima(h, 0, ms(99)).syn, synCapacity);
    // 400 ms: the later clients got in through cookies; both queues are full at once, counted apart.
    QCOMPARE(h.queueLengthsAt(0, ms(400)).syn, synCapacity);
    QCOMPARE(h.queueLengthsAt(0, ms(400)).accept, acceptCapacity);
    QCOMPARE(server(h, Counter::TcpExtSyncookiesSent, ms(400)), 2 + acceptCapacity);
    QCOMPARE(maxima(h, 0).syn, synCapacity);
}

// ================================================================================================ M4

void tst_measured::rule_M4_fullSynQueueBySyncookies_data() {
    QTest::addColumn<int>("syncookies");
    QTest::addColumn<qint64>("doCookies");
    QTest::addColumn<qint64>("cookiesSent");
    QTest::addColumn<qint64>("reqQFullDrop");
    QTest::addColumn<qint64>("listenDrops");
    QTest::addColumn<qint64>("maxSynQueue");
    QTest::addColumn<QString>("log");
    // 8 SYNs at once at listen(4): the SYN queue takes 5 (M3).
    QTest::newRow("syncookies=1: cookie SYN-ACKs")
        << 1 << qint64(3) << qint64(3) << qint64(0) << qint64(0) << qint64(5) << "Sending cookies.";
    QTest::newRow("syncookies=0: silent drops")
        << 0 << qint64(0) << qint64(0) << qint64(3) << qint64(3) << qint64(5) << "Dropping request.";
    QTest::newRow("syncookies=2: every SYN gets a cookie")
        << 2 << qint64(8) << qint64(8) << qint64(0) << qint64(0) << qint64(0) << "";
}

void tst_measured::rule_M4_fullSynQueueBySyncookies() {
    QFETCH(int, syncookies);
    QFETCH(qint64, doCookies);
    QFETCH(qint64, cookiesSent);
    QFETCH(qint64, reqQFullDrop);
    QFETCH(qint64, listenDrops);
    QFETCH(qint64, maxSynQueue);
    QFETCH(QString, log);
    const std::string yaml = fill(R"(
kernel: { version: "6.18", net.ipv4.tcp_syncookies: $SC }
network: { rtt: 10ms }
server: { backlog: 4, workers: { count: 0 } }
traffic:
  - { name: burst, clients: 8, at: 0s, spacing: 0s, send: false }
until: 500ms
)",
                                  {{"$SC", std::to_string(syncookies)}});
    auto sim = load(yaml);
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    const Time t = ms(8); // the SYNs arrived at 5 ms; no final ACK before 15 ms
    QCOMPARE(server(h, Counter::TcpExtTCPReqQFullDoCookies, t), doCookies);
    QCOMPARE(server(h, Counter::TcpExtSyncookiesSent, t), cookiesSent);
    QCOMPARE(server(h, Counter::TcpExtTCPReqQFullDrop, t), reqQFullDrop);
    QCOMPARE(server(h, Counter::TcpExtListenDrops, t), listenDrops);
    QCOMPARE(server(h, Counter::TcpExtListenOverflows, t), std::int64_t{0});
    QCOMPARE(h.queueLengthsAt(0, t).syn, maxSynQueue);
    QCOMPARE(maxima(h, 0).syn, maxSynQueue);
    const auto ps = packets(h);
    QCOMPARE(countPackets(ps, [](const Packet& p) { return p.kind == PacketKind::SynAck && p.cookie; }),
             cookiesSent);
    QCOMPARE(countPackets(ps, [](const Packet& p) { return p.fate == PacketFate::DroppedSynQueueFull; }),
             reqQFullDrop);
    // A dropped SYN gets nothing back: no SYN-ACK, no RST (before the client retransmits at 1 s).
    for (const Packet& p : ps) {
        if (p.fate != PacketFate::DroppedSynQueueFull) continue;
        for (const Packet& q : packetsOf(h, p.flow))
            QVERIFY(q.toServer);
    }
    QCOMPARE(countPackets(ps, [](const Packet& p) { return p.kind == PacketKind::Rst; }), std::int64_t{0});
    // The first overflow is logged once (not with syncookies=2).
    if (log.isEmpty()) {
        QVERIFY(sim->kernelLog().empty());
    } else {
        QCOMPARE(sim->kernelLog().size(), std::size_t{1});
        QVERIFY(QString::fromStdString(sim->kernelLog()[0].text).contains("Possible SYN flooding"));
        QVERIFY(QString::fromStdString(sim->kernelLog()[0].text).endsWith(log));
    }
}

// ================================================================================================ M5

void tst_measured::rule_M5_synToFullAcceptQueueDroppedSilently_data() {
    QTest::addColumn<int>("syncookies");
    QTest::addColumn<int>("abortOnOverflow");
    for (int sc : {0, 1, 2})
        for (int abort : {0, 1})
            QTest::addRow("syncookies=%d abort_on_overflow=%d", sc, abort) << sc << abort;
}

void tst_measured::rule_M5_synToFullAcceptQueueDroppedSilently() {
    QFETCH(int, syncookies);
    QFETCH(int, abortOnOverflow);
    const std::string yaml =
        fill(R"(
kernel: { version: "6.18", net.ipv4.tcp_syncookies: $SC, net.ipv4.tcp_abort_on_overflow: $ABORT }
network: { rtt: 100us }
server: { backlog: 2, workers: { count: 0 } }
traffic:
  - { name: fill, clients: 3, at: 0s, spacing: 1ms, send: false }
  - { name: late, clients: 1, at: 50ms, send: false }
until: 200s
)",
             {{"$SC", std::to_string(syncookies)}, {"$ABORT", std::to_string(abortOnOverflow)}});
    auto sim = load(yaml);
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    QCOMPARE(h.clients.size(), std::size_t{4});
    const ClientRecord& late = h.clients[3];
    QVERIFY(late.connectedAt.isNever());
    QCOMPARE(late.error, ClientError::TimedOut);
    const auto mine = packetsOf(h, 3);
    QCOMPARE(mine.size(), late.synTimes.size());
    QCOMPARE(mine.size(), std::size_t{11}); // the SYN and its 10 retransmissions (M10)
    for (const Packet& p : mine) {
        QVERIFY2(p.toServer && p.kind == PacketKind::Syn, "no SYN-ACK, no RST for a dropped SYN");
        QCOMPARE(p.fate, PacketFate::DroppedAcceptQueueFull);
    }
    // Every dropped SYN counts, retransmissions included: the counters count packets.
    QCOMPARE(server(h, Counter::TcpExtListenOverflows, h.end), std::int64_t{11});
    QCOMPARE(server(h, Counter::TcpExtListenDrops, h.end), std::int64_t{11});
    QCOMPARE(server(h, Counter::TcpOutRsts, h.end), std::int64_t{0});
    QCOMPARE(server(h, Counter::TcpExtEmbryonicRsts, h.end), std::int64_t{0});
    // Each drop happens at its own arrival: the counters move one by one.
    for (std::size_t k = 0; k < mine.size(); ++k) {
        QCOMPARE(server(h, Counter::TcpExtListenOverflows, mine[k].arrives),
                 static_cast<std::int64_t>(k + 1));
        QCOMPARE(server(h, Counter::TcpExtListenOverflows, mine[k].arrives - Time::ns(1)),
                 static_cast<std::int64_t>(k));
    }
}

// ================================================================================================ M6

void tst_measured::rule_M6_unprovenPeersCappedByMaxSynBacklog_data() {
    QTest::addColumn<qint64>("maxSynBacklog");
    QTest::addColumn<qint64>("entries");
    // Requests are refused once qlen > M − M/4: at most M − M/4 + 1 entries.
    QTest::newRow("tcp_max_syn_backlog 128: 97") << qint64(128) << qint64(97);
    QTest::newRow("tcp_max_syn_backlog 1024: 769") << qint64(1024) << qint64(769);
    QTest::newRow("tcp_max_syn_backlog 100: 76") << qint64(100) << qint64(76);
    QTest::newRow("tcp_max_syn_backlog 10: 9") << qint64(10) << qint64(9);
}

void tst_measured::rule_M6_unprovenPeersCappedByMaxSynBacklog() {
    QFETCH(qint64, maxSynBacklog);
    QFETCH(qint64, entries);
    const std::string yaml = fill(R"(
kernel: { version: "6.18", net.ipv4.tcp_syncookies: 0, net.ipv4.tcp_max_syn_backlog: $M }
server: { backlog: 4096, workers: { count: 0 } }
traffic:
  - { flood: { name: f, rate: 20000/s, from: 0s, to: 100ms } }
until: 500ms
)",
                                  {{"$M", std::to_string(maxSynBacklog)}});
    auto sim = load(yaml);
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    const Time end = h.end;
    QCOMPARE(maxima(h, 0).syn, entries);
    QCOMPARE(static_cast<qint64>(h.queues[0][0].size()), entries);
    const auto ps = packets(h);
    const std::int64_t syns = countPackets(ps, [](const Packet& p) { return p.kind == PacketKind::Syn; });
    QCOMPARE(syns, std::int64_t{2000});
    const std::int64_t m6 =
        countPackets(ps, [](const Packet& p) { return p.fate == PacketFate::DroppedSynBacklog; });
    QCOMPARE(m6, syns - entries);
    // Only ListenDrops counts these.
    QCOMPARE(server(h, Counter::TcpExtListenDrops, end), m6);
    QCOMPARE(server(h, Counter::TcpExtListenOverflows, end), std::int64_t{0});
    QCOMPARE(server(h, Counter::TcpExtTCPReqQFullDrop, end), std::int64_t{0});
    QCOMPARE(server(h, Counter::TcpExtSyncookiesSent, end), std::int64_t{0});
}

// ================================================================================================ M7, M8,
// M17

namespace {

// Client 0 (`late`) completes its handshake while the accept queue has room, but its final ACK (and its
// first data) is lost; three `early` clients then fill the accept queue (listen(2) holds 3). Every later
// segment of client 0 meets a full accept queue.
std::unique_ptr<Simulation> lateClient(const QString& version, int hz, int abort, bool send, int workers,
                                       Time workersStart) {
    const std::string yaml = fill(R"(
kernel: { version: "$V", hz: $HZ, net.ipv4.tcp_abort_on_overflow: $ABORT }
network:
  rtt: 1ms
  faults:
    - { drop: client-acks, of: late, from: 0s, to: 100ms }
    - { drop: data, of: late, from: 0s, to: 100ms }
server: { backlog: 2, workers: { count: $W, start: $START, service: 1000s } }
traffic:
  - { name: late, clients: 1, at: 0s, send: $SEND }
  - { name: early, clients: 3, at: 10ms, spacing: 1ms, send: false }
until: 200s
)",
                                  {{"$V", str(version)},
                                   {"$HZ", std::to_string(hz)},
                                   {"$ABORT", std::to_string(abort)},
                                   {"$SEND", send ? "true" : "false"},
                                   {"$W", std::to_string(workers)},
                                   {"$START", nsTime(workersStart)}});
    return load(yaml);
}

} // namespace

void tst_measured::rule_M7_finalAckToFullAcceptQueueIgnored_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("hz");
    QTest::addColumn<bool>("send");
    QTest::addColumn<qint64>("workerStartMs"); // -1: nobody accepts
    QTest::newRow("6.18 HZ 250, idle client") << "6.18" << 250 << false << qint64(-1);
    QTest::newRow("6.18 HZ 250, client sent data") << "6.18" << 250 << true << qint64(-1);
    QTest::newRow("6.18 HZ 1000, idle client") << "6.18" << 1000 << false << qint64(-1);
    QTest::newRow("6.18 HZ 100, client sent data") << "6.18" << 100 << true << qint64(-1);
    QTest::newRow("6.18 HZ 300, idle client") << "6.18" << 300 << false << qint64(-1);
    QTest::newRow("4.15 HZ 250, client sent data") << "4.15" << 250 << true << qint64(-1);
    QTest::newRow("6.18 HZ 250, idle client, a slot frees at 2 s") << "6.18" << 250 << false << qint64(2000);
    QTest::newRow("6.18 HZ 1000, idle client, a slot frees at 10 s")
        << "6.18" << 1000 << false << qint64(10000);
}

void tst_measured::rule_M7_finalAckToFullAcceptQueueIgnored() {
    QFETCH(QString, version);
    QFETCH(int, hz);
    QFETCH(bool, send);
    QFETCH(qint64, workerStartMs);
    const bool frees = workerStartMs >= 0;
    auto sim = lateClient(version, hz, 0, send, frees ? 1 : 0, frees ? ms(workerStartMs) : Time());
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    QCOMPARE(h.clients.size(), std::size_t{4});
    QCOMPARE(h.queueLengthsAt(0, ms(50)).accept, std::int64_t{3});
    const Schedule synacks = chain({sec(1), sec(2), sec(4), sec(8), sec(16), sec(32)}, hz);
    if (frees) {
        // The ACK drawn by the first SYN-ACK retransmission after the slot freed creates the child.
        const auto stays = staysOf(h, 0, QueueKind::Syn, 0);
        QCOMPARE(stays.size(), std::size_t{1});
        QCOMPARE(stays[0].reason, LeaveReason::Completed);
        const auto mine = packetsOf(h, 0);
        std::vector<Packet> resent;
        for (const Packet& p : mine)
            if (!p.toServer && p.kind == PacketKind::SynAck && p.retrans > 0) resent.push_back(p);
        QVERIFY(!resent.empty());
        const Packet& last = resent.back();
        QVERIFY(last.sent > ms(workerStartMs));
        QVERIFY(resent.size() == 1 || resent[resent.size() - 2].sent < ms(workerStartMs));
        const std::size_t k = resent.size() - 1;
        VERIFY_TIME(last.sent - stays[0].entered, synacks.nominal[k], synacks.slack[k],
                    "the SYN-ACK that gets it in");
        const auto answer = std::find_if(mine.begin(), mine.end(), [&](const Packet& p) {
            return p.toServer && p.kind == PacketKind::Ack && p.sent == last.arrives;
        });
        QVERIFY(answer != mine.end());
        QCOMPARE(answer->fate, PacketFate::Delivered);
        QCOMPARE(stays[0].left, answer->arrives);
        const auto child = staysOf(h, 0, QueueKind::Accept, 0);
        QCOMPARE(child.size(), std::size_t{1});
        QCOMPARE(child[0].entered, answer->arrives);
        QCOMPARE(server(h, Counter::TcpExtListenOverflows, h.end), static_cast<std::int64_t>(k));
        return;
    }

    // The request stays in SYN-RECV and disappears at about 63-64 s (T1 via the wheel).
    const auto stays = staysOf(h, 0, QueueKind::Syn, 0);
    QCOMPARE(stays.size(), std::size_t{1});
    const QueueEntry req = stays[0];
    QCOMPARE(req.reason, LeaveReason::Expired);
    VERIFY_TIME(req.left - req.entered, synacks.nominal[5], synacks.slack[5], "request lifetime");
    for (Time t : {sec(2), sec(10), sec(40), synacks.nominal[5] - ms(1)}) {
        const auto q = h.queueAt(0, QueueKind::Syn, req.entered + t);
        QVERIFY2(q.size() == 1 && q[0].flow == 0,
                 "the request is still in SYN-RECV at " + show(req.entered + t));
        QCOMPARE(h.serverStateAt(0, req.entered + t), TcpState::SynRecv);
        QCOMPARE(h.clientStateAt(0, req.entered + t), TcpState::Established); // connect() succeeded
    }

    // SYN-ACKs are retransmitted at about 1, 3, 7, 15, 31 s; each one draws an ACK that retries the
    // insertion.
    const auto mine = packetsOf(h, 0);
    std::vector<Packet> retransmitted;
    for (const Packet& p : mine)
        if (!p.toServer && p.kind == PacketKind::SynAck && p.retrans > 0) retransmitted.push_back(p);
    QCOMPARE(retransmitted.size(), std::size_t{5});
    for (std::size_t k = 0; k < 5; ++k) {
        VERIFY_TIME(retransmitted[k].sent - req.entered, synacks.nominal[k], synacks.slack[k],
                    "SYN-ACK retransmission " + QByteArray::number(int(k + 1)));
        const auto answer = std::find_if(mine.begin(), mine.end(), [&](const Packet& p) {
            return p.toServer && p.kind == PacketKind::Ack && p.sent == retransmitted[k].arrives;
        });
        QVERIFY2(answer != mine.end(), "the client answers every retransmitted SYN-ACK with an ACK");
        QCOMPARE(answer->fate, PacketFate::DroppedAckQueueFull);
    }
    // Each ignored segment counts ListenOverflows and ListenDrops once.
    const std::int64_t ignored =
        countPackets(mine, [](const Packet& p) { return p.fate == PacketFate::DroppedAckQueueFull; });
    QCOMPARE(server(h, Counter::TcpExtListenOverflows, h.end), ignored);
    QCOMPARE(server(h, Counter::TcpExtListenDrops, h.end), ignored);
    if (!send) QCOMPARE(ignored, std::int64_t{5});
    QCOMPARE(server(h, Counter::TcpExtTCPSynRetrans, h.end), std::int64_t{5});
    QCOMPARE(server(h, Counter::TcpExtEmbryonicRsts, h.end), std::int64_t{0});

    // After the request is gone, the client's next send gets an RST; an idle client never learns (half-open).
    const auto after = std::find_if(mine.begin(), mine.end(),
                                    [&](const Packet& p) { return p.toServer && p.arrives >= req.left; });
    if (!send) {
        QVERIFY(after == mine.end());
        QCOMPARE(h.clientStateAt(0, h.end), TcpState::Established);
        QCOMPARE(server(h, Counter::TcpOutRsts, h.end), std::int64_t{0});
        return;
    }
    QVERIFY2(after != mine.end(), "a sending client retransmits after the request expired");
    QCOMPARE(after->kind, PacketKind::Data);
    QCOMPARE(after->fate, PacketFate::DroppedNoSocket);
    const auto rst = std::find_if(mine.begin(), mine.end(),
                                  [](const Packet& p) { return !p.toServer && p.kind == PacketKind::Rst; });
    QVERIFY(rst != mine.end());
    QCOMPARE(rst->sent, after->arrives);
    QCOMPARE(h.clients[0].error, ClientError::ConnectionReset);
    QCOMPARE(h.clients[0].errorAt, rst->arrives);
    QCOMPARE(server(h, Counter::TcpOutRsts, h.end), std::int64_t{1});
}

void tst_measured::rule_M8_abortOnOverflowResets_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<bool>("send");
    QTest::newRow("6.18, idle client: reset at the challenge ACK") << "6.18" << false;
    QTest::newRow("6.18, client sent data: reset at its retransmission") << "6.18" << true;
    QTest::newRow("5.4, idle client") << "5.4" << false;
}

void tst_measured::rule_M8_abortOnOverflowResets() {
    QFETCH(QString, version);
    QFETCH(bool, send);
    auto sim = lateClient(version, 250, 1, send, 0, Time());
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    const auto mine = packetsOf(h, 0);
    const auto first = std::find_if(
        mine.begin(), mine.end(), [](const Packet& p) { return p.fate == PacketFate::DroppedAckQueueFull; });
    QVERIFY2(first != mine.end(), "a segment of the late client met the full accept queue");
    QCOMPARE(first->kind, send ? PacketKind::Data : PacketKind::Ack);
    const Time at = first->arrives;
    // The server answers with an RST: EmbryonicRsts+1, OutRsts+1 (and the overflow is counted).
    QCOMPARE(server(h, Counter::TcpExtEmbryonicRsts, at), std::int64_t{1});
    QCOMPARE(server(h, Counter::TcpOutRsts, at), std::int64_t{1});
    QCOMPARE(server(h, Counter::TcpExtListenOverflows, at), std::int64_t{1});
    QCOMPARE(server(h, Counter::TcpExtListenDrops, at), std::int64_t{1});
    QCOMPARE(server(h, Counter::TcpAttemptFails, h.end), std::int64_t{0}); // not for A7b
    const auto rsts =
        countPackets(mine, [](const Packet& p) { return !p.toServer && p.kind == PacketKind::Rst; });
    QCOMPARE(rsts, std::int64_t{1});
    const auto rst = std::find_if(mine.begin(), mine.end(),
                                  [](const Packet& p) { return !p.toServer && p.kind == PacketKind::Rst; });
    QCOMPARE(rst->sent, at);
    const auto stays = staysOf(h, 0, QueueKind::Syn, 0);
    QCOMPARE(stays.size(), std::size_t{1});
    QCOMPARE(stays[0].reason, LeaveReason::Reset);
    QCOMPARE(stays[0].left, at);
    // connect() had succeeded; the application then sees ECONNRESET.
    const ClientRecord& c = h.clients[0];
    QVERIFY(c.connectedAt < at);
    QCOMPARE(c.error, ClientError::ConnectionReset);
    QCOMPARE(c.errorAt, rst->arrives);
    QCOMPARE(clients(h, Counter::TcpEstabResets, h.end), std::int64_t{1});
    // Nothing more from the server for that connection.
    QCOMPARE(countPackets(mine, [&](const Packet& p) { return !p.toServer && p.sent > at; }),
             std::int64_t{0});
}

void tst_measured::rule_M17_dataRetransmissionsRetryInsertion_data() {
    QTest::addColumn<int>("hz");
    QTest::addColumn<qint64>("workerStartMs"); // -1: nobody accepts
    QTest::newRow("HZ 250, the queue stays full") << 250 << qint64(-1);
    QTest::newRow("HZ 1000, the queue stays full") << 1000 << qint64(-1);
    QTest::newRow("HZ 100, the queue stays full") << 100 << qint64(-1);
    QTest::newRow("HZ 250, a slot frees at 1.2 s") << 250 << qint64(1200);
    QTest::newRow("HZ 1000, a slot frees at 0.5 s") << 1000 << qint64(500);
}

void tst_measured::rule_M17_dataRetransmissionsRetryInsertion() {
    QFETCH(int, hz);
    QFETCH(qint64, workerStartMs);
    const bool frees = workerStartMs >= 0;
    auto sim = lateClient("6.18", hz, 0, true, frees ? 1 : 0, frees ? ms(workerStartMs) : Time());
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    const auto mine = packetsOf(h, 0);
    std::vector<Packet> data;
    for (const Packet& p : mine)
        if (p.toServer && p.kind == PacketKind::Data) data.push_back(p);
    QVERIFY(data.size() >= 2);
    const Time write = data[0].sent;
    QCOMPARE(write, h.clients[0].connectedAt);
    QCOMPARE(data[0].fate, PacketFate::LostInNetwork);
    // A tail-loss probe after 200 ms, then an RTO of 200 ms that doubles: about 0.2, 0.4,
    // 0.8, 1.6, 3.2(3.3), 6.4 s.
    const Schedule s = chain({ms(200), ms(200), ms(400), ms(800), ms(1600), ms(3200)}, hz);
    const auto acceptStays = staysOf(h, 0, QueueKind::Accept, 0);
    QCOMPARE(acceptStays.size(), std::size_t(frees ? 1 : 0));
    const Time settled = frees ? acceptStays[0].entered : Time::never();
    std::size_t checked = 0;
    for (std::size_t k = 1; k < data.size() && k <= s.nominal.size(); ++k) {
        if (data[k - 1].arrives >= settled) break; // the retransmissions stop once the data is in
        QCOMPARE(int(data[k].retrans), int(k));
        VERIFY_TIME(data[k].sent - write, s.nominal[k - 1], s.slack[k - 1],
                    "data retransmission " + QByteArray::number(int(k)));
        ++checked;
    }
    QVERIFY(checked >= (frees ? 3u : 6u));
    if (!frees) {
        // Every retransmission retried the insertion and met the full queue (ListenOverflows each time).
        for (std::size_t k = 1; k <= 6; ++k)
            QCOMPARE(data[k].fate, PacketFate::DroppedAckQueueFull);
        const std::int64_t ignored =
            countPackets(mine, [](const Packet& p) { return p.fate == PacketFate::DroppedAckQueueFull; });
        QCOMPARE(server(h, Counter::TcpExtListenOverflows, ms(10'000)),
                 countPackets(mine, [](const Packet& p) {
                     return p.fate == PacketFate::DroppedAckQueueFull && p.arrives <= ms(10'000);
                 }));
        QVERIFY(ignored >= 6);
        return;
    }
    // The first retry after the slot freed gets in: with the data RTO shorter than the SYN-ACK timer, that is
    // a data retransmission, and the request's data reaches the new child at once.
    const auto in = std::find_if(mine.begin(), mine.end(), [&](const Packet& p) {
        return p.toServer && p.arrives > ms(workerStartMs);
    });
    QVERIFY(in != mine.end());
    QCOMPARE(in->kind, PacketKind::Data);
    QVERIFY(in->retrans >= 1);
    QCOMPARE(in->fate, PacketFate::Delivered);
    QCOMPARE(settled, in->arrives);
    QCOMPARE(h.clients[0].dataQueuedAt, in->arrives);
    for (const Packet& p : data)
        if (p.arrives < settled && p.retrans > 0) QCOMPARE(p.fate, PacketFate::DroppedAckQueueFull);
}

// ================================================================================================ M9

void tst_measured::rule_M9_cookieAckToFullAcceptQueueLeavesGhost_data() {
    QTest::addColumn<int>("abortOnOverflow");
    QTest::addColumn<bool>("send");
    QTest::addColumn<int>("workers"); // start at 2 s
    QTest::newRow("idle clients, nobody accepts") << 0 << false << 0;
    QTest::newRow("idle clients, abort_on_overflow=1 changes nothing") << 1 << false << 0;
    QTest::newRow("idle clients, room from 2 s: still ghosts") << 0 << false << 10;
    QTest::newRow("sending clients, room from 2 s: data retransmissions get in") << 0 << true << 10;
}

void tst_measured::rule_M9_cookieAckToFullAcceptQueueLeavesGhost() {
    QFETCH(int, abortOnOverflow);
    QFETCH(bool, send);
    QFETCH(int, workers);
    // 10 SYNs at once at listen(4): 5 requests, 5 cookies (M3, M4). The 5 request ACKs fill the accept queue.
    const std::string yaml = fill(R"(
kernel: { version: "6.18", net.ipv4.tcp_abort_on_overflow: $ABORT }
network: { rtt: 10ms }
server: { backlog: 4, workers: { count: $W, start: 2s, service: 1ms } }
traffic:
  - { name: burst, clients: 10, at: 0s, spacing: 0s, send: $SEND }
until: 300s
)",
                                  {{"$ABORT", std::to_string(abortOnOverflow)},
                                   {"$W", std::to_string(workers)},
                                   {"$SEND", send ? "true" : "false"}});
    auto sim = load(yaml);
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    const auto ps = packets(h);
    std::set<FlowId> cookieFlows;
    for (const Packet& p : ps)
        if (p.kind == PacketKind::SynAck && p.cookie) cookieFlows.insert(p.flow);
    QCOMPARE(cookieFlows.size(), std::size_t{5});
    const Time t = ms(100);
    QCOMPARE(h.queueLengthsAt(0, t).accept, std::int64_t{5});
    QCOMPARE(server(h, Counter::TcpExtSyncookiesRecv, t),
             std::int64_t(send ? 10 : 5)); // the ACK (and the data)
    QCOMPARE(server(h, Counter::TcpExtListenOverflows, t), std::int64_t(send ? 10 : 5));
    QCOMPARE(server(h, Counter::TcpExtListenDrops, t), std::int64_t(send ? 10 : 5));
    QCOMPARE(server(h, Counter::TcpOutRsts, t), std::int64_t{0});
    QCOMPARE(server(h, Counter::TcpExtEmbryonicRsts, t), std::int64_t{0});
    for (FlowId f : cookieFlows) {
        // No state kept: never a request, and the dropped cookie ACK got no answer.
        QVERIFY(staysOf(h, 0, QueueKind::Syn, f).empty());
        const auto mine = packetsOf(h, f);
        const auto ack = std::find_if(mine.begin(), mine.end(), isFinalAck);
        QVERIFY(ack != mine.end());
        QVERIFY(ack->cookie);
        QCOMPARE(ack->fate, PacketFate::DroppedCookieQueueFull);
        QCOMPARE(h.serverStateAt(f, t), TcpState::Closed);
        QCOMPARE(h.clientStateAt(f, t), TcpState::Established);
        if (!send) {
            // A ghost: ESTABLISHED forever on the client, nothing on the server, nothing more on the wire.
            QCOMPARE(h.clientStateAt(f, h.end), TcpState::Established);
            QCOMPARE(h.serverStateAt(f, h.end), TcpState::Closed);
            QVERIFY(h.clients[f].acceptedAt.isNever());
            QCOMPARE(countPackets(
                         mine, [](const Packet& p) { return !p.toServer && p.kind != PacketKind::SynAck; }),
                     std::int64_t{0});
            QCOMPARE(static_cast<std::int64_t>(mine.size()), std::int64_t{3}); // SYN, cookie SYN-ACK, ACK
        } else {
            // It gets in only by retransmitting data, once the accept queue has room.
            QVERIFY(!h.clients[f].acceptedAt.isNever());
            const auto in = std::find_if(mine.begin(), mine.end(), [](const Packet& p) {
                return p.toServer && p.kind == PacketKind::Data && p.fate == PacketFate::Delivered;
            });
            QVERIFY(in != mine.end());
            QVERIFY(in->retrans >= 1);
            QVERIFY(in->arrives > sec(2));
            const auto accepted = staysOf(h, 0, QueueKind::Accept, f);
            QCOMPARE(accepted.size(), std::size_t{1});
            QCOMPARE(accepted[0].entered, in->arrives);
        }
    }
}

// ================================================================================================ M10

void tst_measured::rule_M10_clientSynSchedule_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("hz");
    QTest::addColumn<int>("linear"); // -1: the profile's default
    QTest::addColumn<QList<int>>("retransmitSeconds");
    QTest::addColumn<int>("failSeconds");
    const QList<int> linear{1, 2, 3, 4, 5, 7, 11, 19, 35, 67};
    const QList<int> classic{1, 3, 7, 15, 31, 63};
    QTest::newRow("6.18 HZ 250") << "6.18" << 250 << -1 << linear << 131;
    QTest::newRow("6.18 HZ 1000") << "6.18" << 1000 << -1 << linear << 131;
    QTest::newRow("6.18 HZ 100") << "6.18" << 100 << -1 << linear << 131;
    QTest::newRow("6.18 HZ 300") << "6.18" << 300 << -1 << linear << 131;
    QTest::newRow("6.18 tcp_syn_linear_timeouts=0") << "6.18" << 250 << 0 << classic << 127;
    QTest::newRow("6.12 (after 6.5)") << "6.12" << 250 << -1 << linear << 131;
    QTest::newRow("6.1 (before 6.5)") << "6.1" << 250 << -1 << classic << 127;
    QTest::newRow("5.4") << "5.4" << 250 << -1 << classic << 127;
    QTest::newRow("4.15") << "4.15" << 250 << -1 << classic << 127;
}

void tst_measured::rule_M10_clientSynSchedule() {
    QFETCH(QString, version);
    QFETCH(int, hz);
    QFETCH(int, linear);
    QFETCH(QList<int>, retransmitSeconds);
    QFETCH(int, failSeconds);
    const std::string yaml =
        fill(R"(
kernel: { version: "$V", hz: $HZ $LINEAR }
network:
  faults: [ { drop: syn, from: 0s, to: 1000s } ]
server: { backlog: 128 }
traffic:
  - { name: probe, clients: 1, at: 0s, send: false }
until: 200s
)",
             {{"$V", str(version)},
              {"$HZ", std::to_string(hz)},
              {"$LINEAR", linear < 0 ? std::string()
                                     : ", net.ipv4.tcp_syn_linear_timeouts: " + std::to_string(linear)}});
    auto sim = load(yaml);
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    QCOMPARE(h.clients.size(), std::size_t{1});
    const ClientRecord& c = h.clients[0];
    const int retries = static_cast<int>(retransmitSeconds.size());
    const std::vector<Time> rtos = synRtos(6, retries - 6);
    const Schedule s = chain(rtos, hz);
    QCOMPARE(static_cast<int>(c.synTimes.size()), retries + 1);
    for (int k = 1; k <= retries; ++k) {
        const auto i = static_cast<std::size_t>(k);
        QCOMPARE(s.nominal[i - 1], sec(retransmitSeconds[k - 1])); // the schedule KERNEL.md states
        VERIFY_TIME(c.synTimes[i] - c.connectAt, s.nominal[i - 1], s.slack[i - 1],
                    "SYN retransmission " + QByteArray::number(k));
    }
    // connect() fails with ETIMEDOUT when the timer fires after the last retransmission.
    QCOMPARE(s.nominal.back(), sec(failSeconds));
    QCOMPARE(c.error, ClientError::TimedOut);
    VERIFY_TIME(c.errorAt - c.connectAt, s.nominal.back(), s.slack.back(), "ETIMEDOUT");
    QCOMPARE(clients(h, Counter::TcpActiveOpens, h.end), std::int64_t{1});
    QCOMPARE(clients(h, Counter::TcpAttemptFails, h.end), std::int64_t{1});
    QCOMPARE(clients(h, Counter::TcpExtTCPSynRetrans, h.end), std::int64_t{retries});
    QCOMPARE(clients(h, Counter::TcpRetransSegs, h.end), std::int64_t{retries});
    QCOMPARE(clients(h, Counter::TcpExtTCPTimeouts, h.end), std::int64_t{retries + 1});
}

// ================================================================================================ M11

void tst_measured::rule_M11_timerWheelRounding_data() {
    QTest::addColumn<int>("hz");
    QTest::addColumn<qint64>("delayMs");
    QTest::addColumn<qint64>(
        "maxLateNs"); // KERNEL.md's own numbers where it gives them (HZ 250), else 8^level jiffies
    for (int hz : {100, 250, 300, 1000}) {
        for (qint64 d : {200, 1000, 7000, 64000}) {
            qint64 maxLate = lateness(ms(d), hz).count();
            if (hz == 250 && d == 1000) maxLate = 32'000'000;  // "a 1 s timer fires 0-32 ms late"
            if (hz == 250 && d == 7000) maxLate = 256'000'000; // "a 7 s timer up to 256 ms late"
            if (hz == 250 && d == 64000)
                maxLate = 2'048'000'000; // "a 64 s timer up to 2 s late" (512 jiffies)
            QTest::addRow("HZ %d, %lld ms", hz, static_cast<long long>(d)) << hz << d << maxLate;
        }
    }
}

void tst_measured::rule_M11_timerWheelRounding() {
    QFETCH(int, hz);
    QFETCH(qint64, delayMs);
    QFETCH(qint64, maxLateNs);
    const Time delay = ms(delayMs);
    const std::uint64_t jiffies = toJiffies(delay, hz);
    const int level = wheelLevel(jiffies, hz);
    const Time granule = jiffiesToTime(granularityJiffies(level), hz);
    Time latest = Time::ns(-1);
    std::uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (std::uint64_t j0 : {std::uint64_t{0}, std::uint64_t{4242}, std::uint64_t{0xFFFFF}}) {
        const TimerWheel wheel(hz, j0);
        QCOMPARE(wheel.jiffiesFor(delay), jiffies);
        for (int i = 0; i < 3000; ++i) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            const Time now = Time::ns(static_cast<std::int64_t>(x % 200'000'000'000ULL)); // anywhere in 200 s
            const TimerWheel::Expiry e = wheel.arm(now, jiffies);
            QCOMPARE(e.level, level);
            const Time late = e.at - (now + delay);
            QVERIFY2(late >= Time(), "fired early by " + show(Time() - late) + " armed at " + show(now));
            QVERIFY2(late <= granule + Time::ns(1), "fired late by " + show(late) + " armed at " + show(now));
            QVERIFY2(late.count() <= maxLateNs, "fired late by " + show(late) + " armed at " + show(now));
            // It fires on a tick, at a boundary of its level's granularity.
            QCOMPARE(wheel.timeOfJiffy(wheel.jiffiesAt(e.at)), e.at);
            QCOMPARE(wheel.jiffiesAt(e.at) % granularityJiffies(level), std::uint64_t{0});
            latest = std::max(latest, late);
        }
    }
    // The rounding really happens: over many start times the lateness spans most of the granule.
    QVERIFY2(latest * 4 >= granule * 3, "latest " + show(latest) + " granule " + show(granule));
}

void tst_measured::rule_M11_timerWheelLevelBoundaries_data() {
    QTest::addColumn<int>("hz");
    QTest::addColumn<qint64>("delayJiffies");
    QTest::addColumn<int>("level");
    for (int hz : {100, 250, 300, 1000}) {
        QTest::addRow("HZ %d: 1 jiffy, level 0", hz) << hz << qint64(1) << 0;
        QTest::addRow("HZ %d: 62 jiffies, level 0", hz) << hz << qint64(62) << 0;
        QTest::addRow("HZ %d: 63 jiffies, level 1", hz) << hz << qint64(63) << 1;
        QTest::addRow("HZ %d: 503 jiffies, level 1", hz) << hz << qint64(503) << 1;
        QTest::addRow("HZ %d: 504 jiffies, level 2", hz) << hz << qint64(504) << 2;
        QTest::addRow("HZ %d: 4031 jiffies, level 2", hz) << hz << qint64(4031) << 2;
        QTest::addRow("HZ %d: 4032 jiffies, level 3", hz) << hz << qint64(4032) << 3;
        QTest::addRow("HZ %d: 32255 jiffies, level 3", hz) << hz << qint64(32255) << 3;
        QTest::addRow("HZ %d: 32256 jiffies, level 4", hz) << hz << qint64(32256) << 4;
        QTest::addRow("HZ %d: 258048 jiffies, level 5", hz) << hz << qint64(258048) << 5;
    }
}

void tst_measured::rule_M11_timerWheelLevelBoundaries() {
    QFETCH(int, hz);
    QFETCH(qint64, delayJiffies);
    QFETCH(int, level);
    const auto delay = static_cast<std::uint64_t>(delayJiffies);
    QCOMPARE(wheelLevel(delay, hz), level); // the test's own reading of M11
    const std::uint64_t granule = granularityJiffies(level);
    for (std::uint64_t j0 : {std::uint64_t{0}, std::uint64_t{7}, std::uint64_t{1000003}}) {
        const TimerWheel wheel(hz, j0);
        for (std::uint64_t tick = 0; tick < 2 * granule + 3;
             tick += std::max<std::uint64_t>(1, granule / 16)) {
            const Time now = wheel.timeOfJiffy(j0 + tick) + Time::ns(17);
            const TimerWheel::Expiry e = wheel.arm(now, delay);
            QCOMPARE(e.level, level);
            const std::uint64_t fires = wheel.jiffiesAt(e.at);
            const std::uint64_t expires = j0 + tick + delay;
            QVERIFY2(fires > expires && fires <= expires + granule,
                     QByteArray::number(qulonglong(fires - j0)) + " for expiry " +
                         QByteArray::number(qulonglong(expires - j0)));
            QCOMPARE(fires % granule, std::uint64_t{0});
        }
    }
}

void tst_measured::rule_M11_sameTickFiringOrder_data() {
    QTest::addColumn<int>("hz");
    QTest::newRow("HZ 100") << 100;
    QTest::newRow("HZ 250") << 250;
    QTest::newRow("HZ 300") << 300;
    QTest::newRow("HZ 1000") << 1000;
}

void tst_measured::rule_M11_sameTickFiringOrder() {
    QFETCH(int, hz);
    // (1) Newest first within a bucket: listen(0) is full after one client; 24 clients, 0.5 ms apart, are
    // dropped, and their 1 s timers land in one or two buckets of 8 jiffies.
    {
        const std::string yaml = fill(R"(
kernel: { version: "6.18", hz: $HZ }
network: { rtt: 100us }
server: { backlog: 0, workers: { count: 0 } }
traffic:
  - { name: fill, clients: 1, at: 0s, send: false }
  - { name: dropped, clients: 24, at: 10ms, spacing: 500us, send: false }
until: 1500ms
)",
                                      {{"$HZ", std::to_string(hz)}});
        auto sim = load(yaml);
        QVERIFY(sim);
        sim->run();
        const History& h = sim->history();
        std::map<Time, std::vector<std::uint32_t>> byTick; // retransmission time → clients, in packet order
        for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
            const Packet p = h.packet(i);
            if (p.kind == PacketKind::Syn && p.retrans == 1) byTick[p.sent].push_back(p.flow);
        }
        std::size_t biggest = 0;
        for (const auto& [at, flows] : byTick) {
            biggest = std::max(biggest, flows.size());
            for (std::size_t k = 1; k < flows.size(); ++k)
                QVERIFY2(flows[k] < flows[k - 1],
                         "timers sharing a bucket fire newest first, at " + show(at));
        }
        QVERIFY(biggest >= 12);
    }
    // (2) Higher levels first: client Y (no linear timeouts) retransmits at about 1, 3, 7, 15 s. Its first
    // timer of a higher wheel level than a 1 s timer fires at a boundary T of that level. Client X is started
    // 1 s + 3 jiffies before T, so its 1 s timer falls due in the same tick. Y's SYN must leave first.
    const int oneSecondLevel = wheelLevel(toJiffies(sec(1), hz), hz);
    const std::vector<Time> yRtos = synRtos(6, 0);
    std::size_t k = 1; // Y's k-th retransmission is sent by a timer of delay yRtos[k - 1]
    while (wheelLevel(toJiffies(yRtos[k - 1], hz), hz) <= oneSecondLevel)
        ++k;
    QVERIFY(k <= 4);
    const std::string base = R"(
kernel: { version: "6.18", hz: $HZ, net.ipv4.tcp_syn_linear_timeouts: 0 }
network: { rtt: 100us }
server: { backlog: 0, workers: { count: 0 } }
traffic:
  - { name: fill, clients: 1, at: 0s, send: false }
  - { name: y, clients: 1, at: 10ms, send: false }
$X
until: 25s
)";
    Time tick;
    {
        auto sim = load(fill(base, {{"$HZ", std::to_string(hz)}, {"$X", ""}}));
        QVERIFY(sim);
        sim->run();
        const ClientRecord& y = sim->history().clients[1];
        QVERIFY(y.synTimes.size() > k);
        tick = y.synTimes[k];
    }
    const Time jiffy = jiffiesToTime(1, hz);
    const Time xAt = tick - sec(1) - Time::ns(jiffy.count() * 3) + Time::ns(1);
    auto sim =
        load(fill(base, {{"$HZ", std::to_string(hz)},
                         {"$X", "  - { name: x, clients: 1, at: " + nsTime(xAt) + ", send: false }"}}));
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    QCOMPARE(h.clients[1].synTimes[k], tick);
    QCOMPARE(h.clients[2].synTimes[1], tick); // the same tick
    std::vector<FlowId> order;
    for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
        const Packet p = h.packet(i);
        if (p.kind == PacketKind::Syn && p.sent == tick) order.push_back(p.flow);
    }
    QCOMPARE(order, (std::vector<FlowId>{1, 2}));
}

// ================================================================================================ M12

void tst_measured::rule_M12_retransmittedBurstSpillsIntoCookies_data() {
    QTest::addColumn<quint64>("seed");
    QTest::addColumn<int>("hz");
    QTest::addColumn<QString>("spacing");
    // Rows with spaced clients use seeds whose 2.2 ms of drops fall in one wheel bucket (checked below).
    QTest::newRow("all at once, seed 1") << quint64(1) << 250 << "0s";
    QTest::newRow("0.2 ms apart, seed 2") << quint64(2) << 250 << "200us";
    QTest::newRow("0.2 ms apart, seed 3, HZ 1000") << quint64(3) << 1000 << "200us";
    QTest::newRow("0.2 ms apart, seed 4, HZ 100") << quint64(4) << 100 << "200us";
    QTest::newRow("all at once, seed 5, HZ 300") << quint64(5) << 300 << "0s";
}

void tst_measured::rule_M12_retransmittedBurstSpillsIntoCookies() {
    QFETCH(quint64, seed);
    QFETCH(int, hz);
    QFETCH(QString, spacing);
    // listen(4): 5 `fill` clients fill the accept queue; 12 `burst` clients are dropped together. Three
    // workers start at 0.5 s and take three connections each for good: the accept queue then has room for 3.
    const std::string yaml =
        fill(R"(
kernel: { version: "6.18", hz: $HZ }
network: { rtt: 100us }
server: { backlog: 4, workers: { count: 3, start: 500ms, service: 1000s } }
traffic:
  - { name: fill, clients: 5, at: 0s, spacing: 1ms, send: false }
  - { name: burst, clients: 12, at: 10ms, spacing: $SPACING, send: false }
seed: $SEED
until: 300s
)",
             {{"$HZ", std::to_string(hz)}, {"$SEED", std::to_string(seed)}, {"$SPACING", str(spacing)}});
    auto sim = load(yaml);
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    QCOMPARE(h.clients.size(), std::size_t{17});
    // The dropped clients retransmit as one burst (their timers share a wheel bucket).
    std::map<Time, std::vector<FlowId>> bursts;
    for (FlowId f = 5; f < 17; ++f) {
        QVERIFY(h.clients[f].synTimes.size() >= 2);
        QCOMPARE(packetsOf(h, f).front().fate, PacketFate::DroppedAcceptQueueFull);
        bursts[h.clients[f].synTimes[1]].push_back(f);
    }
    QCOMPARE(bursts.size(), std::size_t{1});
    const std::vector<FlowId>& group = bursts.begin()->second;
    QCOMPARE(group.size(), std::size_t{12});
    const Time arrive = bursts.begin()->first + Time::us(50); // rtt/2
    QVERIFY2(h.queueLengthsAt(0, arrive - Time::ns(1)).accept < 5,
             "the accept queue has room when the burst arrives");
    // The burst is processed before any of its final ACKs return: it fills the SYN queue and spills into
    // cookies.
    QCOMPARE(h.queueLengthsAt(0, arrive).syn, std::int64_t{5});
    const std::int64_t cookies = server(h, Counter::TcpExtSyncookiesSent, arrive) -
                                 server(h, Counter::TcpExtSyncookiesSent, arrive - Time::ns(1));
    QCOMPARE(cookies, static_cast<std::int64_t>(group.size()) - 5);
    std::vector<FlowId> withRequest, withCookie;
    for (FlowId f : group) {
        const auto mine = packetsOf(h, f);
        const auto ack = std::find_if(mine.begin(), mine.end(), isFinalAck);
        QVERIFY(ack != mine.end());
        QVERIFY2(ack->arrives > arrive, "no final ACK of the burst returns before the burst is processed");
        if (staysOf(h, 0, QueueKind::Syn, f).empty()) {
            withCookie.push_back(f);
            // The cookie ACK meets a full accept queue (M9): connected, never accepted, nothing on the
            // server.
            QVERIFY(ack->cookie);
            QCOMPARE(ack->fate, PacketFate::DroppedCookieQueueFull);
            QVERIFY(!h.clients[f].connectedAt.isNever());
            QVERIFY(h.clients[f].acceptedAt.isNever());
            QCOMPARE(h.clientStateAt(f, h.end), TcpState::Established);
            QCOMPARE(h.serverStateAt(f, h.end), TcpState::Closed);
        } else {
            withRequest.push_back(f);
        }
    }
    QCOMPARE(withRequest.size(), std::size_t{5});
    // M11: timers sharing a bucket fire newest first, so the newest clients of the burst got the requests.
    QVERIFY2(*std::min_element(withRequest.begin(), withRequest.end()) >
                 *std::max_element(withCookie.begin(), withCookie.end()),
             "the newest timers fire first and take the SYN queue");
}

// ================================================================================================ M13

void tst_measured::rule_M13_fastNetworkSynQueueHoldsAtMostOne_data() {
    QTest::addColumn<QString>("rtt");
    QTest::addColumn<QString>("spacing");
    QTest::addColumn<qint64>("atLeast");
    QTest::addColumn<qint64>("atMost");
    QTest::newRow("loopback 40 us, clients 1 ms apart") << "40us"
                                                        << "1ms" << qint64(1) << qint64(1);
    QTest::newRow("100 us, clients 200 us apart") << "100us"
                                                  << "200us" << qint64(1) << qint64(1);
    QTest::newRow("1 ms, clients 5 ms apart") << "1ms"
                                              << "5ms" << qint64(1) << qint64(1);
    // Contrast: a round trip longer than the gap between SYNs is what fills it.
    QTest::newRow("10 ms round trip, clients 1 ms apart") << "10ms"
                                                          << "1ms" << qint64(2) << qint64(11);
}

void tst_measured::rule_M13_fastNetworkSynQueueHoldsAtMostOne() {
    QFETCH(QString, rtt);
    QFETCH(QString, spacing);
    QFETCH(qint64, atLeast);
    QFETCH(qint64, atMost);
    const std::string yaml = fill(R"(
kernel: { version: "6.18" }
network: { rtt: $RTT }
server: { backlog: 128, workers: { count: 4, service: 1ms } }
traffic:
  - { name: c, clients: 300, at: 0s, spacing: $SPACING, send: true }
until: 5s
)",
                                  {{"$RTT", str(rtt)}, {"$SPACING", str(spacing)}});
    auto sim = load(yaml);
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    const Maxima m = maxima(h, 0);
    QVERIFY2(m.syn >= atLeast && m.syn <= atMost, "SYN queue reached " + QByteArray::number(qint64(m.syn)));
    std::int64_t connected = 0;
    for (const ClientRecord& c : h.clients)
        connected += c.connectedAt.isNever() ? 0 : 1;
    QCOMPARE(connected, std::int64_t{300});
}

// ================================================================================================ M14

void tst_measured::rule_M14_reuseportShardsDoNotSpill_data() {
    QTest::addColumn<qint64>("backlog");
    QTest::addColumn<quint64>("firstSeed");
    QTest::newRow("listen(9) x4, seeds 1-6") << qint64(9) << quint64(1);
    QTest::newRow("listen(9) x4, seeds 7-12") << qint64(9) << quint64(7);
    QTest::newRow("listen(7) x4, seeds 13-18") << qint64(7) << quint64(13);
}

void tst_measured::rule_M14_reuseportShardsDoNotSpill() {
    QFETCH(qint64, backlog);
    QFETCH(quint64, firstSeed);
    const std::int64_t cap = backlog + 1;
    int uneven = 0, spilledWhileRoom = 0;
    for (quint64 seed = firstSeed; seed < firstSeed + 6; ++seed) {
        const std::string yaml =
            fill(R"(
kernel: { version: "6.18" }
network: { rtt: 100us }
server: { backlog: $BACKLOG, listeners: 4, workers: { count: 0 } }
traffic:
  - { name: c, clients: 40, at: 0s, spacing: 1ms, send: false }
seed: $SEED
until: 3s
)",
                 {{"$BACKLOG", std::to_string(backlog)}, {"$SEED", std::to_string(seed)}});
        auto sim = load(yaml);
        QVERIFY(sim);
        sim->run();
        const History& h = sim->history();
        QCOMPARE(h.listeners.size(), std::size_t{4});
        const auto ss = sim->ssListening(h.end);
        QCOMPARE(ss.size(), std::size_t{4});
        for (const auto& s : ss)
            QCOMPARE(s.sendQ, backlog);
        // A 4-tuple hash picks the listener: every SYN of one flow goes to the same one.
        std::array<std::int64_t, 4> flows{};
        for (FlowId f = 0; f < 40; ++f) {
            const auto mine = packetsOf(h, f);
            QVERIFY(!mine.empty());
            const int l = mine.front().listener;
            for (const Packet& p : mine)
                if (p.toServer && p.kind == PacketKind::Syn) QCOMPARE(int(p.listener), l);
            ++flows[static_cast<std::size_t>(l)];
        }
        std::int64_t children = 0;
        for (int l = 0; l < 4; ++l) {
            const std::int64_t expect = std::min(flows[static_cast<std::size_t>(l)], cap);
            QCOMPARE(h.queueLengthsAt(l, h.end).accept, expect);
            QCOMPARE(maxima(h, l).accept, expect); // never more than its own backlog+1
            children += expect;
        }
        QCOMPARE(server(h, Counter::TcpPassiveOpens, h.end), children);
        // Nothing spills over: a SYN hashed to a full listener is dropped, whatever the others hold.
        for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
            const Packet p = h.packet(i);
            if (p.fate != PacketFate::DroppedAcceptQueueFull) continue;
            QVERIFY(flows[p.listener] > cap);
            QCOMPARE(h.queueLengthsAt(p.listener, p.arrives).accept, cap);
            for (int l = 0; l < 4; ++l)
                if (h.queueLengthsAt(l, p.arrives).accept < cap) ++spilledWhileRoom;
        }
        const auto [lo, hi] = std::minmax_element(flows.begin(), flows.end());
        if (*lo != *hi) ++uneven;
        if (*hi > cap && *lo < cap) QVERIFY(spilledWhileRoom > 0);
    }
    QVERIFY2(uneven > 0, "the split over the listeners is uneven (e.g. 11/10/10/9, 13/13/6/8)");
    QVERIFY(spilledWhileRoom > 0);
}

// ================================================================================================ M15

void tst_measured::rule_M15_closingReuseportListener_data() {
    QTest::addColumn<int>("migrate");
    QTest::addColumn<int>("closed");
    QTest::newRow("tcp_migrate_req=0, close the first") << 0 << 0;
    QTest::newRow("tcp_migrate_req=0, close the last") << 0 << 3;
    QTest::newRow("tcp_migrate_req=1, close the first") << 1 << 0;
    QTest::newRow("tcp_migrate_req=1, close the last") << 1 << 3;
}

void tst_measured::rule_M15_closingReuseportListener() {
    QFETCH(int, migrate);
    QFETCH(int, closed);
    const std::string yaml =
        fill(R"(
kernel: { version: "6.18", net.ipv4.tcp_migrate_req: $MIGRATE }
network: { rtt: 100us }
server: { backlog: 16, listeners: 4, workers: { count: 0 } }
traffic:
  - { name: c, clients: 200, at: 0s, spacing: 1ms, send: false }
events:
  - { at: 1s, close-listener: $CLOSED }
until: 2s
)",
             {{"$MIGRATE", std::to_string(migrate)}, {"$CLOSED", std::to_string(closed)}});
    auto sim = load(yaml);
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    const Time before = sec(1) - Time::ns(1);
    const Time close = sec(1);
    for (int l = 0; l < 4; ++l)
        QCOMPARE(h.queueLengthsAt(l, before).accept, std::int64_t{17});
    QVERIFY(!h.listenerOpenAt(closed, close));
    QCOMPARE(h.queueLengthsAt(closed, close).accept, std::int64_t{0});
    const auto moved = h.queueAt(closed, QueueKind::Accept, before);
    QCOMPARE(moved.size(), std::size_t{17});
    const auto rstsAt = [&](Time t) { return server(h, Counter::TcpOutRsts, t); };
    if (migrate == 0) {
        // Its unaccepted connections are reset.
        QCOMPARE(rstsAt(close) - rstsAt(before), std::int64_t{17});
        QCOMPARE(server(h, Counter::TcpExtTCPMigrateReqSuccess, h.end), std::int64_t{0});
        for (const QueueEntry& e : moved) {
            QCOMPARE(e.left, close);
            QCOMPARE(e.reason, LeaveReason::Reset);
            QCOMPARE(h.clients[e.flow].error, ClientError::ConnectionReset);
        }
        for (int l = 0; l < 4; ++l)
            if (l != closed) QCOMPARE(h.queueLengthsAt(l, close).accept, std::int64_t{17});
        return;
    }
    // They all move to one other listener, which then exceeds its own limit: Recv-Q 34 against Send-Q 16.
    QCOMPARE(rstsAt(h.end), std::int64_t{0});
    QCOMPARE(server(h, Counter::TcpExtTCPMigrateReqSuccess, h.end), std::int64_t{17});
    std::set<int> targets;
    for (const QueueEntry& e : moved) {
        QCOMPARE(e.reason, LeaveReason::Migrated);
        for (int l = 0; l < 4; ++l)
            if (l != closed && !staysOf(h, l, QueueKind::Accept, e.flow).empty()) targets.insert(l);
        QCOMPARE(h.clients[e.flow].error, ClientError::None);
    }
    QCOMPARE(targets.size(), std::size_t{1});
    const int target = *targets.begin();
    QCOMPARE(h.queueLengthsAt(target, close).accept, std::int64_t{34});
    bool shown = false;
    for (const auto& s : sim->ssListening(close)) {
        if (s.recvQ == 34) {
            QCOMPARE(s.sendQ, std::int64_t{16});
            shown = true;
        }
    }
    QVERIFY(shown);
    QCOMPARE(sim->ssListening(close).size(), std::size_t{3});
}

// ================================================================================================ M16

void tst_measured::rule_M16_counterRelations_data() {
    QTest::addColumn<QString>("yaml");
    QTest::newRow("E1 with drops") << R"(
kernel: { version: "6.18" }
network: { rtt: 100us }
server: { backlog: 8, workers: { count: 0 } }
traffic: [ { name: c, clients: 12, at: 0s, spacing: 1ms, send: true } ]
until: 150s
)";
    QTest::newRow("burst, cookies and leftovers") << R"(
kernel: { version: "6.18" }
network: { rtt: 20ms, jitter: 2ms }
server: { backlog: 16, workers: { count: 1, start: 30s, service: 100ms } }
traffic: [ { name: c, clients: 40, at: 0s, spacing: 0s, send: true } ]
until: 150s
)";
    QTest::newRow("syncookies=0 burst, SYN-queue drops") << R"(
kernel: { version: "6.18", net.ipv4.tcp_syncookies: 0 }
network: { rtt: 10ms }
server: { backlog: 4, workers: { count: 1, service: 200ms } }
traffic: [ { name: c, clients: 20, at: 0s, spacing: 0s, send: true } ]
until: 150s
)";
    QTest::newRow("syncookies=0 flood, M6 drops, with clients") << R"(
kernel: { version: "6.18", net.ipv4.tcp_syncookies: 0, net.ipv4.tcp_max_syn_backlog: 64 }
server: { backlog: 128, workers: { count: 2, service: 10ms } }
traffic:
  - { flood: { name: f, rate: 2000/s, from: 0s, to: 3s } }
  - { name: c, clients: 50, at: 0s, spacing: 20ms, send: true }
until: 100s
)";
    QTest::newRow("unroutable flood with clients") << R"(
kernel: { version: "6.18" }
server: { backlog: 16, workers: { count: 1, service: 10ms } }
traffic:
  - { flood: { name: f, rate: 5000/s, from: 0s, to: 2s, routable: false } }
  - { name: c, clients: 50, at: 0s, spacing: 20ms, send: true }
until: 20s
)";
    QTest::newRow("abort_on_overflow=1 burst") << R"(
kernel: { version: "6.18", net.ipv4.tcp_abort_on_overflow: 1 }
network: { rtt: 20ms, jitter: 2ms }
server: { backlog: 16, workers: { count: 0 } }
traffic: [ { name: c, clients: 60, at: 0s, spacing: 0s, send: true } ]
until: 150s
)";
}

void tst_measured::rule_M16_counterRelations() {
    QFETCH(QString, yaml);
    auto sim = load(str(yaml));
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    const Time end = h.end;
    const auto ps = packets(h);
    const auto S = [&](Counter c) { return server(h, c, end); };
    const auto C = [&](Counter c) { return clients(h, c, end); };
    // TCPSynRetrans counts SYN retransmissions (client host) and SYN-ACK retransmissions (server host).
    const std::int64_t synRetrans = countPackets(ps, [](const Packet& p) {
        return p.toServer && p.kind == PacketKind::Syn && p.retrans > 0 && !backlog::isSpoofed(p.flow);
    });
    const std::int64_t synAckRetrans = countPackets(
        ps, [](const Packet& p) { return !p.toServer && p.kind == PacketKind::SynAck && p.retrans > 0; });
    const std::int64_t dataRetrans = countPackets(
        ps, [](const Packet& p) { return p.toServer && p.kind == PacketKind::Data && p.retrans > 0; });
    QCOMPARE(C(Counter::TcpExtTCPSynRetrans), synRetrans);
    QCOMPARE(S(Counter::TcpExtTCPSynRetrans), synAckRetrans);
    // RetransSegs includes them.
    QCOMPARE(C(Counter::TcpRetransSegs), synRetrans + dataRetrans);
    QCOMPARE(S(Counter::TcpRetransSegs), synAckRetrans);
    // ListenOverflows ≤ ListenDrops, differing only by SYN-queue drops (syncookies=0), M6 and M19 drops.
    QVERIFY(S(Counter::TcpExtListenOverflows) <= S(Counter::TcpExtListenDrops));
    const std::int64_t notOverflows = countPackets(ps, [](const Packet& p) {
        return p.fate == PacketFate::DroppedSynQueueFull || p.fate == PacketFate::DroppedSynBacklog ||
               p.fate == PacketFate::DroppedNoRoute;
    });
    QCOMPARE(S(Counter::TcpExtListenDrops) - S(Counter::TcpExtListenOverflows), notOverflows);
    QCOMPARE(S(Counter::TcpExtTCPReqQFullDrop),
             countPackets(ps, [](const Packet& p) { return p.fate == PacketFate::DroppedSynQueueFull; }));
    // PassiveOpens counts child sockets created, not SYNs answered.
    std::int64_t children = 0;
    for (std::size_t l = 0; l < h.queues.size(); ++l)
        children += static_cast<std::int64_t>(h.queues[l][1].size());
    QCOMPARE(S(Counter::TcpPassiveOpens), children);
    const std::int64_t answered = countPackets(
        ps, [](const Packet& p) { return !p.toServer && p.kind == PacketKind::SynAck && p.retrans == 0; });
    QVERIFY(S(Counter::TcpPassiveOpens) <= answered);
    QCOMPARE(C(Counter::TcpActiveOpens), static_cast<std::int64_t>(h.clients.size()));
    QCOMPARE(S(Counter::TcpOutRsts),
             countPackets(ps, [](const Packet& p) { return !p.toServer && p.kind == PacketKind::Rst; }));
    QCOMPARE(S(Counter::TcpExtSyncookiesSent),
             countPackets(ps, [](const Packet& p) { return p.kind == PacketKind::SynAck && p.cookie; }));
}

// ================================================================================================ M18

void tst_measured::rule_M18_closedLoopClientsStarve_data() {
    QTest::addColumn<int>("workers");
    QTest::addColumn<qint64>("backlog");
    QTest::addColumn<QString>("service");
    QTest::addColumn<int>("concurrency");
    QTest::addColumn<int>("requests");
    QTest::addColumn<quint64>("seed");
    QTest::newRow("ab -c 20 -n 400, 2 workers, listen(4)")
        << 2 << qint64(4) << "50ms" << 20 << 400 << quint64(1);
    QTest::newRow("ab -c 20 -n 400, seed 2") << 2 << qint64(4) << "50ms" << 20 << 400 << quint64(2);
    QTest::newRow("ab -c 40 -n 1000, 4 workers, listen(8)")
        << 4 << qint64(8) << "20ms" << 40 << 1000 << quint64(3);
    QTest::newRow("ab -c 10 -n 300, 1 worker, listen(2)")
        << 1 << qint64(2) << "30ms" << 10 << 300 << quint64(4);
}

void tst_measured::rule_M18_closedLoopClientsStarve() {
    QFETCH(int, workers);
    QFETCH(qint64, backlog);
    QFETCH(QString, service);
    QFETCH(int, concurrency);
    QFETCH(int, requests);
    QFETCH(quint64, seed);
    // ab starts its C connections one after another (on loopback each handshake completes inside connect()).
    const std::string yaml = fill(R"(
kernel: { version: "6.18" }
network: { rtt: 100us }
server: { backlog: $BACKLOG, workers: { count: $W, service: $SERVICE } }
traffic:
  - { name: ab, clients: $N, concurrency: $C, spacing: 1ms, send: true }
seed: $SEED
until: 300s
)",
                                  {{"$BACKLOG", std::to_string(backlog)},
                                   {"$W", std::to_string(workers)},
                                   {"$SERVICE", str(service)},
                                   {"$N", std::to_string(requests)},
                                   {"$C", std::to_string(concurrency)},
                                   {"$SEED", std::to_string(seed)}});
    auto sim = load(yaml);
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    QCOMPARE(static_cast<int>(h.clients.size()), requests);
    std::vector<Time> served;
    for (const ClientRecord& c : h.clients)
        if (!c.respondedAt.isNever()) served.push_back(c.respondedAt);
    std::sort(served.begin(), served.end());
    QVERIFY(served.size() * 10 >= static_cast<std::size_t>(requests) * 9);
    const Time t90 = served[static_cast<std::size_t>(requests) * 9 / 10 - 1];
    // Starving: among the first C connections, yet not connected until 90% of all requests had been served.
    int starving = 0;
    for (std::uint32_t i = 0; i < static_cast<std::uint32_t>(concurrency); ++i) {
        const ClientRecord& c = h.clients[i];
        if (c.connectedAt <= t90) continue;
        ++starving;
        // Each of its SYNs met a full accept queue: fresh SYNs had refilled every freed slot before it came.
        for (const Packet& p : packetsOf(h, i))
            if (p.toServer && p.kind == PacketKind::Syn && p.arrives <= t90)
                QCOMPARE(p.fate, PacketFate::DroppedAcceptQueueFull);
        QVERIFY(c.synTimes.size() >= 2);
    }
    QVERIFY2(starving > 0, "some of the first clients starve while the others are served");
    // The load generator sees no failure while it runs.
    for (const ClientRecord& c : h.clients)
        QVERIFY(c.errorAt > t90);
}

void tst_measured::rule_M18_abCountsEstablishedRequests_data() {
    QTest::addColumn<int>("concurrency");
    QTest::addColumn<int>("requests");
    QTest::addColumn<quint64>("seed");
    QTest::newRow("ab -c 40 -n 400") << 40 << 400 << quint64(1);
    QTest::newRow("ab -c 40 -n 400, seed 2") << 40 << 400 << quint64(2);
    QTest::newRow("ab -c 100 -n 600") << 100 << 600 << quint64(3);
}

// M18: `-n N` counts requests whose connection was established; one stuck in SYN-SENT does not use up
// the budget and is not replaced, so the accept queue stays full until the N-th request starts, and
// ActiveOpens ends near N + the stuck ones. `clients: N` (connect() calls) stops after N connect()s.
void tst_measured::rule_M18_abCountsEstablishedRequests() {
    QFETCH(int, concurrency);
    QFETCH(int, requests);
    QFETCH(quint64, seed);
    const auto run = [&](const std::string& budget) {
        auto sim = load(fill(
            R"(
kernel: { version: "6.18" }
network: { rtt: 100us }
server: { backlog: 4, workers: { count: 4, service: 50ms } }
traffic:
  - { name: ab, concurrency: $C, $BUDGET, spacing: 1ms }
seed: $SEED
until: 60s
)",
            {{"$C", std::to_string(concurrency)}, {"$BUDGET", budget}, {"$SEED", std::to_string(seed)}}));
        if (sim) sim->run();
        return sim;
    };
    const auto ab = run("requests: " + std::to_string(requests));
    const auto connects = run("clients: " + std::to_string(requests));
    QVERIFY(ab && connects);

    const History& h = ab->history();
    std::vector<Time> established;
    for (const ClientRecord& c : h.clients)
        if (!c.connectedAt.isNever()) established.push_back(c.connectedAt);
    std::sort(established.begin(), established.end());
    QVERIFY(established.size() >= static_cast<std::size_t>(requests));
    // Up to C − 1 connections still in progress when the N-th request starts may get in later.
    QVERIFY(established.size() <= static_cast<std::size_t>(requests + concurrency - 1));
    const Time nth = established[static_cast<std::size_t>(requests) - 1];
    // Connections still in SYN-SENT when the N-th request started: they never counted, and some had been
    // starving since the first half of the run.
    std::size_t stuck = 0, starvedLong = 0;
    for (const ClientRecord& c : h.clients) {
        if (c.connectAt >= nth || c.connectedAt <= nth) continue;
        ++stuck;
        starvedLong += c.connectAt < nth / 2 ? 1u : 0u;
    }
    QVERIFY2(starvedLong > 0, "some connections starve in SYN-SENT for most of the run");
    // Every connect() is an ActiveOpen, and none is made after the N-th request started: N + the stuck.
    const std::int64_t opens =
        h.countersAt(Host::Clients, h.end)[static_cast<std::size_t>(Counter::TcpActiveOpens)];
    QCOMPARE(opens, static_cast<std::int64_t>(h.clients.size()));
    QCOMPARE(opens, std::int64_t{requests} + static_cast<std::int64_t>(stuck));
    // The queue stays full until the N-th request (a freed slot is refilled within a round trip or two):
    // full at nearly every one of 20 moments of the second half of the run.
    int full = 0;
    for (int k = 0; k < 20; ++k)
        full += h.queueLengthsAt(0, nth / 2 + (nth / 2 - ms(200)) * k / 20).accept == 5 ? 1 : 0;
    QVERIFY2(full >= 17, qPrintable(QStringLiteral("full at %1 of 20 moments").arg(full)));
    // ab sees no failure while it runs.
    for (const ClientRecord& c : h.clients)
        QVERIFY(c.errorAt > nth);

    // clients: N counts connect() calls: exactly N, and once they are spent the starving clients get in.
    QCOMPARE(static_cast<int>(connects->history().clients.size()), requests);
}

// ================================================================================================ M19

void tst_measured::rule_M19_floodNeedsRoutableSources_data() {
    QTest::addColumn<bool>("routable");
    QTest::addColumn<int>("syncookies");
    QTest::newRow("unroutable sources") << false << 1;
    QTest::newRow("unroutable sources, syncookies=0") << false << 0;
    QTest::newRow("routable sources: pruning") << true << 1;
}

void tst_measured::rule_M19_floodNeedsRoutableSources() {
    QFETCH(bool, routable);
    QFETCH(int, syncookies);
    const std::string yaml = fill(R"(
kernel: { version: "6.18", net.ipv4.tcp_syncookies: $SC }
server: { backlog: 128, workers: { count: 1 } }
traffic:
  - { flood: { name: f, rate: 1000/s, from: 0s, to: $TO, routable: $ROUTABLE } }
until: $UNTIL
)",
                                  {{"$SC", std::to_string(syncookies)},
                                   {"$ROUTABLE", routable ? "true" : "false"},
                                   {"$TO", routable ? "100s" : "10s"},
                                   {"$UNTIL", routable ? "200s" : "20s"}});
    auto sim = load(yaml);
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    const auto ps = packets(h);
    const std::int64_t syns = countPackets(ps, [](const Packet& p) { return p.kind == PacketKind::Syn; });
    if (!routable) {
        // No request: the SYN-ACK's route is looked up first and fails; only ListenDrops counts it.
        QCOMPARE(syns, std::int64_t{10'000});
        QCOMPARE(static_cast<std::int64_t>(ps.size()), syns);
        for (const Packet& p : ps)
            QCOMPARE(p.fate, PacketFate::DroppedNoRoute);
        QCOMPARE(h.queues[0][0].size(), std::size_t{0});
        QCOMPARE(server(h, Counter::TcpExtListenDrops, h.end), syns);
        CounterValues v = h.countersAt(Host::Server, h.end);
        for (std::size_t c = 0; c < backlog::kCounterCount; ++c) {
            const auto counter = static_cast<Counter>(c);
            if (counter == Counter::TcpExtListenDrops || counter == Counter::TcpInSegs) continue;
            QVERIFY2(v[c] == 0, QByteArray("no other counter moves: ") +
                                    QByteArray::fromStdString(std::string(backlog::counterName(counter))));
        }
        QVERIFY(sim->kernelLog().empty());
        return;
    }
    // Routable: the SYN queue is full (cookies for the rest).
    QCOMPARE(maxima(h, 0).syn, std::int64_t{129});
    QVERIFY(server(h, Counter::TcpExtSyncookiesSent, h.end) > 0);
    // Requests die after 2 SYN-ACK retransmissions (~7 s) while the queue is more than half full of old
    // entries; the flood refills their places; the survivors live the full ~63-64 s.
    std::map<FlowId, int> retransmissions;
    for (const Packet& p : ps)
        if (p.kind == PacketKind::SynAck && p.retrans > 0) ++retransmissions[p.flow];
    const Schedule t1 = chain({sec(1), sec(2), sec(4), sec(8), sec(16), sec(32)}, 250);
    int pruned = 0, survivors = 0;
    for (const QueueEntry& e : allStays(h, 0, QueueKind::Syn)) {
        if (e.reason != LeaveReason::Expired) continue;
        const int n = retransmissions[e.flow];
        QVERIFY2(n >= 2 && n <= 5, "a request gets 2 to 5 SYN-ACK retransmissions");
        const auto i = static_cast<std::size_t>(n);
        VERIFY_TIME(e.left - e.entered, t1.nominal[i], t1.slack[i],
                    "lifetime after " + QByteArray::number(n) + " retransmissions");
        if (n < 5) {
            const backlog::QueueLengths q = h.queueLengthsAt(0, e.left - Time::ns(1));
            QVERIFY2(2 * q.syn > 128, "pruning only while the SYN queue is more than half full");
        }
        if (e.left < sec(90)) {
            // The flood (1 SYN/ms) refills the places soon after.
            bool refilled = false;
            for (Time t = e.left; t <= e.left + ms(500) && !refilled; t += ms(1))
                refilled = h.queueLengthsAt(0, t).syn == 129;
            QVERIFY2(refilled, "the flood refills the SYN queue after " + show(e.left));
        }
        pruned += n == 2 ? 1 : 0;
        survivors += n == 5 ? 1 : 0;
    }
    QVERIFY2(pruned > 0, "requests pruned after about 7 s");
    QVERIFY2(survivors > 0, "survivors living about 63 s");
    QVERIFY(pruned > survivors);
}

QTEST_APPLESS_MAIN(tst_measured)
#include "tst_measured.moc"
