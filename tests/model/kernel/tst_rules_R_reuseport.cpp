// KERNEL.md section 3, R — SO_REUSEPORT: the 4-tuple hash splits flows unevenly, no fallback to another
// listener, a membership change remaps new flows, a closed listener resets or migrates.
// Each test builds small scenarios from YAML text (tests/common/KernelTest.h), runs the model, reads the
// History and checks what KERNEL.md says; the test functions are named after the rules (rule_<ID>_...).
#include "model/core/Counters.h"
#include "model/core/Packet.h"
#include "model/core/Tcp.h"
#include "model/core/Time.h"
#include "model/history/History.h"
#include "model/kernel/Simulation.h"
#include "model/scenario/Scenario.h"
#include "model/scenario/ScenarioReader.h"
#include "model/tools/KernelTools.h"
#include "tests/common/KernelTest.h"

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

using namespace backlog::test;
using namespace backlog::test::rules;

class TestRulesR : public QObject {
    Q_OBJECT

  private slots:
    // R — SO_REUSEPORT
    void rule_R2_hashSplitsFlowsUnevenly_data();
    void rule_R2_hashSplitsFlowsUnevenly();
    void rule_R3_noFallbackToOtherListeners_data();
    void rule_R3_noFallbackToOtherListeners();
    void rule_R4_membershipChangeRemapsNewFlows_data();
    void rule_R4_membershipChangeRemapsNewFlows();
    void rule_R6_closedListenerResetsOrMigrates_data();
    void rule_R6_closedListenerResetsOrMigrates();
};

// ============================================================================================ R

void TestRulesR::rule_R2_hashSplitsFlowsUnevenly_data() {
    QTest::addColumn<int>("seed");
    QTest::newRow("seed 1") << 1;
    QTest::newRow("seed 2") << 2;
    QTest::newRow("seed 3") << 3;
}

void TestRulesR::rule_R2_hashSplitsFlowsUnevenly() {
    QFETCH(int, seed);

    // 40 flows over 4 listeners that hold 2 each (backlog 1): most SYNs are dropped and retransmitted.
    ScenarioText text;
    text.seed(seed).listeners(4).backlog(1).clients("c", 40, "0s", "1ms", false).until("3500ms");
    SIMULATE(sim, text);
    const History& h = sim->history();

    std::vector<int> listenerOf(40, -1);
    std::vector<int> share(4, 0);
    for (const Packet& p :
         packets(h, [](const Packet& q) { return q.kind == PacketKind::Syn && q.toServer; })) {
        int& l = listenerOf[p.flow];
        if (l < 0) {
            l = p.listener;
            ++share[static_cast<std::size_t>(l)];
        }
        QCOMPARE(int(p.listener), l); // a flow's SYNs always hash to the same listener
    }
    bool roundRobin = true;
    for (int c = 0; c < 40; ++c) {
        QVERIFY(listenerOf[static_cast<std::size_t>(c)] >= 0);
        roundRobin = roundRobin && listenerOf[static_cast<std::size_t>(c)] == c % 4;
    }
    QVERIFY2(!roundRobin, "flows are dealt out in turn, not hashed");
    QVERIFY2(std::adjacent_find(share.begin(), share.end(), std::not_equal_to<>()) != share.end(),
             "an exactly even split (M14 measured 11/10/10/9, 13/13/6/8)");
    for (int l = 0; l < 4; ++l) {
        QVERIFY(share[static_cast<std::size_t>(l)] > 0);
        QCOMPARE(h.queueLengthsAt(l, sec(3)).accept, I64{std::min(2, share[static_cast<std::size_t>(l)])});
    }
}

void TestRulesR::rule_R3_noFallbackToOtherListeners_data() {
    QTest::addColumn<int>("listeners"); // the last one has no worker: stalled
    QTest::addColumn<int>("backlog");
    QTest::addColumn<int>("clients");
    QTest::addColumn<bool>("synQueue"); // instead: a burst fills one listener's SYN queue

    QTest::newRow("4 listeners, one stalled (E5)") << 4 << 4 << 100 << false;
    QTest::newRow("2 listeners, one stalled") << 2 << 2 << 40 << false;
    QTest::newRow("2 listeners: cookies for the shard whose SYN queue is full") << 2 << 2 << 6 << true;
}

void TestRulesR::rule_R3_noFallbackToOtherListeners() {
    QFETCH(int, listeners);
    QFETCH(int, backlog);
    QFETCH(int, clients);
    QFETCH(bool, synQueue);

    if (synQueue) {
        // A burst, a 100 ms round trip, nobody accepting: each listener's SYN queue (backlog+1)
        // takes what hashes to it; the rest of that shard gets cookies, whatever the others hold.
        ScenarioText text;
        text.listeners(listeners).backlog(backlog).rtt("100ms").clients("burst", clients, "0s", "0s", false);
        text.until("900ms");
        SIMULATE(sim, text);
        const History& h = sim->history();
        std::vector<I64> share(static_cast<std::size_t>(listeners), 0);
        for (const Packet& p : packets(h, [](const Packet& q) { return q.kind == PacketKind::Syn; }))
            ++share[p.listener];
        I64 cookies = 0;
        bool cookieWhileOtherHadRoom = false;
        for (int l = 0; l < listeners; ++l) {
            const I64 n = share[static_cast<std::size_t>(l)];
            QCOMPARE(h.queueLengthsAt(l, ms(100)).syn, std::min(n, I64{backlog + 1}));
            cookies += std::max(I64{0}, n - (backlog + 1));
            if (n > backlog + 1)
                for (int o = 0; o < listeners; ++o)
                    cookieWhileOtherHadRoom =
                        cookieWhileOtherHadRoom || share[static_cast<std::size_t>(o)] < backlog + 1;
        }
        QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesSent, ms(100)), cookies);
        QVERIFY2(cookieWhileOtherHadRoom, "the hash split the burst evenly: change the seed or the burst");
        return;
    }
    ScenarioText text;
    text.listeners(listeners).backlog(backlog).workers(listeners - 1, "blocking", "1ms");
    text.clients("c", clients, "0s", "10ms", true).until("10s");
    SIMULATE(sim, text);
    const History& h = sim->history();
    const int stalled = listeners - 1;

    QCOMPARE(h.queueLengthsAt(stalled, sec(10)).accept, I64{backlog + 1});
    const auto dropped =
        packets(h, [](const Packet& p) { return p.fate == PacketFate::DroppedAcceptQueueFull; });
    QVERIFY(!dropped.empty());
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows), I64(dropped.size()));
    for (const Packet& p : dropped) {
        QCOMPARE(int(p.listener), stalled);
        for (int l = 0; l < stalled; ++l)
            QVERIFY(h.queueLengthsAt(l, p.arrives).accept <= backlog); // had room
    }
    // The clients left out at the stalled listener never get in, however often they retry.
    std::set<FlowId> leftOut;
    for (const Packet& p : dropped)
        leftOut.insert(p.flow);
    for (FlowId c : leftOut)
        QVERIFY(h.clients[c].connectedAt.isNever());
}

void TestRulesR::rule_R4_membershipChangeRemapsNewFlows_data() {
    QTest::addColumn<QString>("change"); // close: listener 0 of 3 closes; add: a third listener joins
    QTest::addColumn<bool>("requests");  // watch requests spanning the change instead of retransmitted SYNs

    QTest::newRow("closing listener 0 of 3: the last member takes its slot") << "close" << false;
    QTest::newRow("adding a third listener: appended, most hashes move") << "add" << false;
    QTest::newRow("closing: a request keeps its listener") << "close" << true;
    QTest::newRow("adding: a request keeps its listener") << "add" << true;
}

void TestRulesR::rule_R4_membershipChangeRemapsNewFlows() {
    QFETCH(QString, change);
    QFETCH(bool, requests);

    const bool closing = change == "close";
    ScenarioText text;
    if (requests) {
        // SYNs every 10 ms with a 100 ms round trip: requests created before the change at 300 ms
        // complete after it.
        text.backlog(64).rtt("100ms").clients("c", 60, "0s", "10ms", false).until("2s");
    } else {
        // Every listener holds one connection (backlog 0) and nothing is accepted: almost every
        // flow is dropped and retransmits its SYN (same 4-tuple) at about 1 s, after the change.
        text.backlog(0).clients("c", 40, "0s", "1ms", false).until("1500ms");
    }
    const std::string at = requests ? "300ms" : "500ms";
    if (closing)
        text.listeners(3).closeListener(at, 0);
    else
        text.listeners(2).set(at, "server.listeners", "3");
    SIMULATE(sim, text);
    const History& h = sim->history();
    const Time changed = requests ? ms(300) : ms(500);

    std::set<int> before, after;
    std::map<FlowId, int> first, retried; // the listener of each flow's SYN before / after the change
    for (const Packet& p :
         packets(h, [](const Packet& q) { return q.kind == PacketKind::Syn && q.toServer; })) {
        (p.arrives < changed ? before : after).insert(p.listener);
        (p.arrives < changed ? first : retried).emplace(p.flow, p.listener);
    }
    QCOMPARE(before, closing ? (std::set<int>{0, 1, 2}) : (std::set<int>{0, 1}));
    QCOMPARE(after, closing ? (std::set<int>{1, 2}) : (std::set<int>{0, 1, 2}));

    if (!requests) {
        // reciprocal_scale(hash, n) over socks[] (R2). Closing 0 of [0, 1, 2] leaves [2, 1]: every
        // flow of listener 2 (the top third of hashes) now maps to slot 1, listener 1, and the part
        // of listener 1's flows below one half maps to slot 0, now listener 2. Adding to [0, 1] gives
        // [0, 1, 2]: a flow can only stay or move up by one listener.
        int moved = 0;
        int fromLast = 0;
        for (const auto& [flow, b] : retried) {
            const auto a = first.find(flow);
            QVERIFY(a != first.end());
            moved += a->second != b ? 1 : 0;
            if (closing) {
                QVERIFY(b != 0);
                if (a->second == 2) {
                    ++fromLast;
                    QCOMPARE(b, 1);
                }
            } else {
                QVERIFY2(b == a->second || b == a->second + 1,
                         "a flow moved other than to the next listener");
            }
        }
        QVERIFY2(moved > 0, "no flow was remapped");
        if (closing)
            QVERIFY2(fromLast > 0, "no retransmitting flow of listener 2: change the seed or the traffic");
        return;
    }
    // A request stays with the listener its SYN reached, even when its ACK comes after the change.
    const int listeners = static_cast<int>(h.listeners.size());
    int spanning = 0;
    for (const auto& [flow, l] : first) {
        const auto children = staysOf(h, listeners, QueueKind::Accept, flow);
        if (children.empty()) continue; // reset with listener 0 (R6)
        QCOMPARE(children.size(), std::size_t{1});
        bool onItsListener = false;
        for (const QueueEntry& e : stays(h, l, QueueKind::Accept))
            onItsListener = onItsListener || e.flow == flow;
        QVERIFY(onItsListener);
        spanning += children[0].entered >= changed ? 1 : 0;
    }
    QVERIFY(spanning > 0);
}

void TestRulesR::rule_R6_closedListenerResetsOrMigrates_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("migrate"); // -1: the profile has no tcp_migrate_req
    QTest::addColumn<QString>("what");
    QTest::addColumn<bool>("viaChangeAt"); // close through Simulation::changeAt() instead of an event
    // children: listener 0's accept queue is full at the close (a);
    // requests: listener 0 has requests in SYN-RECV; their final ACKs come after the close (c);
    // requests-full: the same, but the other listener's accept queue is full (c, failure);
    // requests-timer: the final ACKs are lost, so the requests' SYN-ACK timers fire first (b).

    QTest::newRow("tcp_migrate_req 0: queued children are reset") << "6.18" << 0 << "children" << false;
    QTest::newRow("tcp_migrate_req 1: they move, past backlog+1 (M15)") << "6.18" << 1 << "children" << false;
    QTest::newRow("5.4 (no tcp_migrate_req): reset") << "5.4" << -1 << "children" << false;
    QTest::newRow("tcp_migrate_req 1, closed through changeAt()") << "6.18" << 1 << "children" << true;
    QTest::newRow("tcp_migrate_req 0, closed through changeAt()") << "6.18" << 0 << "children" << true;
    QTest::newRow("tcp_migrate_req 0: a request's ACK after the close gets an RST")
        << "6.18" << 0 << "requests" << false;
    QTest::newRow("tcp_migrate_req 1: the request completes on the other listener")
        << "6.18" << 1 << "requests" << false;
    QTest::newRow("tcp_migrate_req 1: target full: ListenOverflows, TCPMigrateReqFailure")
        << "6.18" << 1 << "requests-full" << false;
    QTest::newRow("tcp_migrate_req 0: the request is dropped when its timer fires")
        << "6.18" << 0 << "requests-timer" << false;
    QTest::newRow("tcp_migrate_req 1: its timer clones it to the other listener")
        << "6.18" << 1 << "requests-timer" << false;
}

void TestRulesR::rule_R6_closedListenerResetsOrMigrates() {
    QFETCH(QString, version);
    QFETCH(int, migrate);
    QFETCH(QString, what);
    QFETCH(bool, viaChangeAt);

    const bool children = what == "children";
    const int backlog = children ? 4 : what == "requests-full" ? 2 : 16;
    const Time close = children ? ms(500) : what == "requests-full" ? ms(1100) : ms(100);
    const std::string closeAt = std::to_string(close.count() / 1'000'000) + "ms";
    ScenarioText text;
    text.version(str(version)).listeners(2).backlog(backlog).until("2500ms");
    if (migrate >= 0) text.sysctl("net.ipv4.tcp_migrate_req", migrate);
    if (children) {
        text.clients("c", 30, "0s", "1ms", false);
    } else if (what == "requests-full") {
        // A worker on listener 0 only (workers are dealt out in turn): listener 1 fills up, then
        // `late` clients leave requests on listener 0, closed before their ACKs arrive.
        text.rtt("100ms")
            .workers(1)
            .clients("fill", 16, "0s", "1ms", false)
            .clients("late", 16, "1s", "1ms", false);
        text.until("1900ms");
    } else {
        text.rtt("100ms").clients("c", 16, "0s", "1ms", false);
        if (what == "requests-timer") text.fault("client-acks", "c", "0s", "500ms");
    }
    if (!viaChangeAt) text.closeListener(closeAt, 0);
    SIMULATE(sim, text);
    if (viaChangeAt) {
        const std::optional<std::string> refused = sim->changeAt(close, "close-listener", "0");
        QVERIFY2(!refused, refused ? refused->c_str() : "");
    }
    const History& h = sim->history();
    const Time just = close - Time::ns(1);
    const Time after = close + ms(200);

    // The connections listener 0 has at the close.
    std::vector<FlowId> victims;
    for (const QueueEntry& e : h.queueAt(0, children ? QueueKind::Accept : QueueKind::Syn, just))
        victims.push_back(e.flow);
    QVERIFY2(!victims.empty(), "no connection on listener 0 at the close: change the seed or the traffic");
    const I64 q1 = h.queueLengthsAt(1, just).accept;

    QVERIFY(!h.listenerOpenAt(0, after));
    const std::vector<SsSocket> ss = sim->ssListening(after);
    QCOMPARE(ss.size(), std::size_t{1});
    QCOMPARE(ss[0].sendQ, I64{backlog});
    const bool migrates = migrate == 1;
    const I64 rstsAtClose =
        serverCounter(*sim, Counter::TcpOutRsts, after) - serverCounter(*sim, Counter::TcpOutRsts, just);
    const I64 victimCount = I64(victims.size());
    const auto onListener1 = [&](FlowId c, Time t) {
        for (const QueueEntry& e : h.queueAt(1, QueueKind::Accept, t))
            if (e.flow == c) return true;
        return false;
    };

    if (children) {
        const I64 moved = migrates ? victimCount : 0;
        QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPMigrateReqSuccess), moved);
        QCOMPARE(ss[0].recvQ, q1 + moved); // no fullness check: Recv-Q past backlog+1
        if (migrates) QVERIFY(ss[0].recvQ > backlog + 1);
        QCOMPARE(clientCounter(*sim, Counter::TcpEstabResets), migrates ? 0 : victimCount);
        for (FlowId c : victims) {
            QCOMPARE(h.clients[c].error, migrates ? ClientError::None : ClientError::ConnectionReset);
            if (migrates) {
                QVERIFY(onListener1(c, after));
            } else {
                QVERIFY(h.clients[c].errorAt < after);
                QCOMPARE(flowPackets(h, c, PacketKind::Rst, false).size(), std::size_t{1});
            }
        }
        QCOMPARE(rstsAtClose, migrates ? 0 : victimCount); // OutRsts: one per reset child
        return;
    }
    if (what == "requests-full") {
        // A7 on the target listener: each ACK is dropped there and the migration fails.
        for (FlowId c : victims) {
            const auto acks = flowPackets(h, c, PacketKind::Ack, true);
            QVERIFY(!acks.empty());
            QCOMPARE(acks[0].fate, PacketFate::DroppedAckQueueFull);
            QCOMPARE(h.clients[c].error, ClientError::None);
        }
        QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPMigrateReqFailure, after), victimCount);
        QCOMPARE(rstsAtClose, I64{0});
        return;
    }
    if (what == "requests") {
        for (FlowId c : victims) {
            if (migrates) {
                QCOMPARE(h.clients[c].error, ClientError::None);
                QVERIFY(onListener1(c, after));
            } else {
                // The request is dropped; the ACK, looked up again, finds listener 1: K2, an RST.
                QCOMPARE(h.clients[c].error, ClientError::ConnectionReset);
                QCOMPARE(flowPackets(h, c, PacketKind::Rst, false).size(), std::size_t{1});
            }
        }
        QCOMPARE(rstsAtClose, migrates ? 0 : victimCount);
        return;
    }
    // requests-timer: the first SYN-ACK timer (about 1 s after the SYN) finds the listener closed.
    const Time timerLo = ms(1050);
    const Time timerHi = ms(1050) + timerSlack(sec(1), 250);
    for (FlowId c : victims) {
        const auto synq = staysOf(h, 2, QueueKind::Syn, c);
        QVERIFY(!synq.empty());
        QCOMPARE(synq[0].reason, migrates ? LeaveReason::Migrated : LeaveReason::Reset);
        QVERIFY_WITHIN(synq[0].left, timerLo, timerHi);
        const auto synAcks = flowPackets(h, c, PacketKind::SynAck, false);
        if (migrates) {
            // Cloned to listener 1, whose timer work goes on: a SYN-ACK, a challenge ACK, a child.
            QVERIFY(synAcks.size() >= 2);
            QVERIFY(onListener1(c, sec(2)));
        } else {
            // Dropped silently: no SYN-ACK retransmission, no RST; the client never learns (idle).
            QCOMPARE(synAcks.size(), std::size_t{1});
            QVERIFY(flowPackets(h, c, PacketKind::Rst, false).empty());
            QCOMPARE(h.clientStateAt(c, sec(2)), TcpState::Established);
        }
    }
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPMigrateReqSuccess), migrates ? victimCount : 0);
}

QTEST_APPLESS_MAIN(TestRulesR)
#include "tst_rules_R_reuseport.moc"
