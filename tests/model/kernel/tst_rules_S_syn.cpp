// KERNEL.md section 3, S — a SYN (no ACK) arrives for a listener: full SYN queue (cookie or drop), full
// accept queue, unroutable sources, the 3/4 rule, cookie SYN-ACKs, the request and its timer, connect().
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

class TestRulesS : public QObject {
    Q_OBJECT

  private slots:
    // S — a SYN arrives at a listener
    void rule_S1_fullSynQueueCookieOrDrop_data();
    void rule_S1_fullSynQueueCookieOrDrop();
    void rule_S2_fullAcceptQueueDropsEverySyn_data();
    void rule_S2_fullAcceptQueueDropsEverySyn();
    void rule_S4_unroutableSourceCreatesNoRequest_data();
    void rule_S4_unroutableSourceCreatesNoRequest();
    void rule_S5_threeQuarterRuleWithoutCookies_data();
    void rule_S5_threeQuarterRuleWithoutCookies();
    void rule_S6_cookieSynAckKeepsNoState_data();
    void rule_S6_cookieSynAckKeepsNoState();
    void rule_S8_requestQueuedAndTimerArmed_data();
    void rule_S8_requestQueuedAndTimerArmed();
    void rule_S9_clientConnectsAfterOneRttOrRetransmits_data();
    void rule_S9_clientConnectsAfterOneRttOrRetransmits();
};

// ============================================================================================ S

void TestRulesS::rule_S1_fullSynQueueCookieOrDrop_data() {
    QTest::addColumn<int>("syncookies");
    QTest::addColumn<int>("burst");
    QTest::addColumn<int>("requests");
    QTest::addColumn<int>("doCookies");
    QTest::addColumn<int>("reqQFullDrop");
    QTest::addColumn<QString>("log"); // the kernel log line's ending, or empty: no line

    // backlog 4: the SYN queue holds 5 on 6.18.
    QTest::newRow("syncookies 1: cookies once full") << 1 << 8 << 5 << 3 << 0 << "Sending cookies.";
    QTest::newRow("syncookies 1: not full, no cookies") << 1 << 5 << 5 << 0 << 0 << "";
    QTest::newRow("syncookies 0: silent drop once full") << 0 << 8 << 5 << 0 << 3 << "Dropping request.";
    QTest::newRow("syncookies 2: every SYN gets a cookie") << 2 << 8 << 0 << 8 << 0 << "";
}

void TestRulesS::rule_S1_fullSynQueueCookieOrDrop() {
    QFETCH(int, syncookies);
    QFETCH(int, burst);
    QFETCH(int, requests);
    QFETCH(int, doCookies);
    QFETCH(int, reqQFullDrop);
    QFETCH(QString, log);

    ScenarioText text;
    text.backlog(4).rtt("100ms").sysctl("net.ipv4.tcp_syncookies", syncookies);
    text.clients("burst", burst, "0s", "0s", false).until("900ms");
    SIMULATE(sim, text);
    const History& h = sim->history();
    const Time check = ms(100);

    QCOMPARE(h.queueLengthsAt(0, check).syn, I64{requests});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPReqQFullDoCookies, check), I64{doCookies});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesSent, check), I64{doCookies});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPReqQFullDrop, check), I64{reqQFullDrop});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops, check), I64{reqQFullDrop});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, check), I64{0});
    // A dropped SYN is silent: neither a SYN-ACK nor an RST for it.
    const auto dropped =
        packets(h, [](const Packet& p) { return p.fate == PacketFate::DroppedSynQueueFull; });
    QCOMPARE(dropped.size(), std::size_t(reqQFullDrop));
    for (const Packet& p : dropped) {
        QVERIFY(flowPackets(h, p.flow, PacketKind::SynAck, false).empty());
        QVERIFY(flowPackets(h, p.flow, PacketKind::Rst, false).empty());
    }
    // Cookie SYN-ACKs are marked as such.
    const auto cookies = packets(h, [](const Packet& p) { return p.kind == PacketKind::SynAck && p.cookie; });
    QCOMPARE(cookies.size(), std::size_t(doCookies));
    // One "Possible SYN flooding" line per listener, however many SYNs overflowed; none for syncookies=2.
    const auto& lines = sim->kernelLog();
    if (log.isEmpty()) {
        QVERIFY(lines.empty());
    } else {
        QCOMPARE(lines.size(), std::size_t{1});
        QVERIFY2(QString::fromStdString(lines[0].text).contains("Possible SYN flooding"),
                 lines[0].text.c_str());
        QVERIFY2(QString::fromStdString(lines[0].text).endsWith(log), lines[0].text.c_str());
    }
}

void TestRulesS::rule_S2_fullAcceptQueueDropsEverySyn_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("syncookies");
    QTest::addColumn<int>("dropsBy9s"); // SYNs (first + retransmitted) of the two clients left out
    QTest::addColumn<int>("doCookies");

    // backlog 2 (holds 3), five clients: two are left out and retransmit.
    QTest::newRow("6.18, syncookies 1: 2 x (1 + 6 retransmissions)") << "6.18" << 1 << 14 << 0;
    QTest::newRow("6.18, syncookies 0: the same") << "6.18" << 0 << 14 << 0;
    QTest::newRow("6.18, syncookies 2: cookie SYNs are dropped too") << "6.18" << 2 << 14 << 3 + 14;
    QTest::newRow("4.15: 2 x (1 + 3 retransmissions)") << "4.15" << 1 << 8 << 0;
}

void TestRulesS::rule_S2_fullAcceptQueueDropsEverySyn() {
    QFETCH(QString, version);
    QFETCH(int, syncookies);
    QFETCH(int, dropsBy9s);
    QFETCH(int, doCookies);

    ScenarioText text;
    text.version(str(version)).backlog(2).sysctl("net.ipv4.tcp_syncookies", syncookies);
    text.clients("c", 5, "0s", "1ms", false).until("9500ms");
    SIMULATE(sim, text);
    const History& h = sim->history();
    const Time check = sec(9);

    QCOMPARE(h.queueLengthsAt(0, check).accept, I64{3});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, check), I64{dropsBy9s});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops, check), I64{dropsBy9s});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPReqQFullDoCookies, check), I64{doCookies});
    const auto dropped = packets(h, [&](const Packet& p) {
        return p.fate == PacketFate::DroppedAcceptQueueFull && p.arrives <= check;
    });
    QCOMPARE(dropped.size(), std::size_t(dropsBy9s));
    for (const Packet& p : dropped) {
        QCOMPARE(p.kind, PacketKind::Syn);
        QVERIFY(p.flow == 3 || p.flow == 4);
    }
    // Silent: the two left out never hear from the server, whatever tcp_abort_on_overflow says.
    for (FlowId c : {FlowId{3}, FlowId{4}}) {
        QVERIFY(packets(h, [c](const Packet& p) { return p.flow == c && !p.toServer; }).empty());
        QCOMPARE(h.clientStateAt(c, check), TcpState::SynSent);
    }
}

void TestRulesS::rule_S4_unroutableSourceCreatesNoRequest_data() {
    QTest::addColumn<int>("backlog");
    QTest::addColumn<int>("routable");   // spoofed SYNs with a route back, from 0 s (1 per ms)
    QTest::addColumn<int>("unroutable"); // then spoofed SYNs without, from 200 ms (1 per ms)
    QTest::addColumn<int>("requests");
    QTest::addColumn<int>("listenDrops");
    QTest::addColumn<int>("doCookies");
    QTest::addColumn<int>("synAcks");

    QTest::newRow("no route back (M19): no request, ListenDrops only")
        << 128 << 0 << 100 << 0 << 100 << 0 << 0;
    QTest::newRow("routable spoofed sources: requests") << 128 << 100 << 0 << 100 << 0 << 0 << 100;
    // S1 comes first (TCPReqQFullDoCookies), but S4 drops the SYN before the cookie is made (S6).
    QTest::newRow("SYN queue full: a cookie is wanted, none is sent")
        << 4 << 5 << 100 << 5 << 100 << 100 << 5;
}

void TestRulesS::rule_S4_unroutableSourceCreatesNoRequest() {
    QFETCH(int, backlog);
    QFETCH(int, routable);
    QFETCH(int, unroutable);
    QFETCH(int, requests);
    QFETCH(int, listenDrops);
    QFETCH(int, doCookies);
    QFETCH(int, synAcks);

    ScenarioText text;
    text.backlog(backlog).clients("c", 1, "5s").until("900ms");
    if (routable > 0) text.flood("routed", "1000/s", "0s", std::to_string(routable) + "ms", true);
    if (unroutable > 0)
        text.flood("unrouted", "1000/s", "200ms", std::to_string(200 + unroutable) + "ms", false);
    SIMULATE(sim, text);
    const History& h = sim->history();
    const Time check = ms(500);

    QCOMPARE(h.queueLengthsAt(0, check).syn, I64{requests});
    QCOMPARE(stays(h, 0, QueueKind::Syn).size(), std::size_t(requests));
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops, check), I64{listenDrops});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, check), I64{0});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPReqQFullDoCookies, check), I64{doCookies});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesSent, check), I64{0});
    QCOMPARE(
        packets(h, [&](const Packet& p) { return p.kind == PacketKind::SynAck && p.sent <= check; }).size(),
        std::size_t(synAcks));
    QCOMPARE(packets(h, [](const Packet& p) { return p.fate == PacketFate::DroppedNoRoute; }).size(),
             std::size_t(unroutable));
}

void TestRulesS::rule_S5_threeQuarterRuleWithoutCookies_data() {
    QTest::addColumn<int>("syncookies");
    QTest::addColumn<int>("maxSynBacklog");
    QTest::addColumn<int>("backlog");
    QTest::addColumn<int>("flood"); // spoofed SYNs within 100 ms
    QTest::addColumn<int>("requests");
    QTest::addColumn<int>("listenDrops");
    QTest::addColumn<int>("reqQFullDrop");
    QTest::addColumn<bool>("provenPeer"); // also: a proven peer and a stranger connect once it bites

    QTest::newRow("M 128: unproven peers fill at most 97")
        << 0 << 128 << 4096 << 200 << 97 << 103 << 0 << false;
    QTest::newRow("M 1024: at most 769 (E4)") << 0 << 1024 << 4096 << 1000 << 769 << 231 << 0 << false;
    QTest::newRow("M 16: at most 13") << 0 << 16 << 4096 << 20 << 13 << 7 << 0 << false;
    QTest::newRow("backlog 50 < 3/4 M: the SYN queue is full first")
        << 0 << 128 << 50 << 100 << 51 << 49 << 49 << false;
    QTest::newRow("syncookies 1: no 3/4 rule") << 1 << 128 << 4096 << 200 << 200 << 0 << 0 << false;
    // The stranger's SYN is one more ListenDrop; the proven peer's is admitted.
    QTest::newRow("M 16: a proven peer still gets in, a stranger does not")
        << 0 << 16 << 4096 << 20 << 13 << 7 + 1 << 0 << true;
}

void TestRulesS::rule_S5_threeQuarterRuleWithoutCookies() {
    QFETCH(int, syncookies);
    QFETCH(int, maxSynBacklog);
    QFETCH(int, backlog);
    QFETCH(int, flood);
    QFETCH(int, requests);
    QFETCH(int, listenDrops);
    QFETCH(int, reqQFullDrop);
    QFETCH(bool, provenPeer);

    ScenarioText text;
    text.backlog(backlog).sysctl("net.ipv4.tcp_syncookies", syncookies);
    text.sysctl("net.ipv4.tcp_max_syn_backlog", maxSynBacklog);
    if (!provenPeer) {
        text.flood("spoof", std::to_string(flood * 10) + "/s", "0s", "100ms").until("900ms");
    } else {
        // `regular`'s first connection completes and is closed by the server (TIME-WAIT: an RTT sample
        // in tcp_metrics, so that host is proven); the flood then passes 3/4 of M; at 2 s `regular`
        // connects again and a `stranger` host connects for the first time.
        text.workers(1).clients("regular", 2, "0s", "2s", true);
        text.flood("spoof", std::to_string(flood * 50) + "/s", "500ms", "520ms");
        text.clients("stranger", 1, "2s", "1ms", true).until("2500ms");
    }
    SIMULATE(sim, text);
    const Time check = provenPeer ? ms(2500) : ms(500);
    if (provenPeer) {
        const History& h = sim->history();
        const ClientRecord& again = h.clients[clientsOf(h, 0).at(1)];
        const ClientRecord& stranger = h.clients[clientsOf(h, 2).at(0)];
        QCOMPARE(again.connectedAt - again.connectAt, Time::us(100));
        QVERIFY(stranger.connectedAt.isNever());
        QCOMPARE(stranger.synTimes.size(), std::size_t{1});
    }

    QCOMPARE(sim->history().queueLengthsAt(0, check).syn, I64{requests});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops, check), I64{listenDrops});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPReqQFullDrop, check), I64{reqQFullDrop});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, check), I64{0});
    QCOMPARE(packets(sim->history(), [](const Packet& p) { return p.fate == PacketFate::DroppedSynBacklog; })
                 .size(),
             std::size_t(listenDrops - reqQFullDrop));
}

void TestRulesS::rule_S6_cookieSynAckKeepsNoState_data() {
    QTest::addColumn<int>("syncookies");
    QTest::addColumn<int>("requests"); // of a burst of 6 at backlog 2 (SYN queue holds 3)

    QTest::newRow("syncookies 1: the overflow gets cookies") << 1 << 3;
    QTest::newRow("syncookies 2: everyone gets a cookie") << 2 << 0;
}

void TestRulesS::rule_S6_cookieSynAckKeepsNoState() {
    QFETCH(int, syncookies);
    QFETCH(int, requests);

    // The final ACKs are all lost: a request's SYN-ACK is retransmitted, a cookie's never.
    ScenarioText text;
    text.backlog(2).rtt("100ms").sysctl("net.ipv4.tcp_syncookies", syncookies);
    text.clients("burst", 6, "0s", "0s", false).fault("client-acks", "", "0s").until("2500ms");
    SIMULATE(sim, text);
    const History& h = sim->history();

    QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesSent), I64{6 - requests});
    int cookieFlows = 0;
    for (FlowId c = 0; c < 6; ++c) {
        const std::vector<Packet> synAcks = flowPackets(h, c, PacketKind::SynAck, false);
        QVERIFY(!synAcks.empty());
        QCOMPARE(h.clients[c].connectedAt, ms(100)); // S9: either way connect() succeeds
        if (synAcks.front().cookie) {
            ++cookieFlows;
            QCOMPARE(synAcks.size(), std::size_t{1});               // never retransmitted
            QVERIFY(staysOf(h, 1, QueueKind::Syn, c).empty());      // never in the SYN queue
            QCOMPARE(h.serverStateAt(c, sec(2)), TcpState::Closed); // no state at all
        } else {
            QVERIFY(synAcks.size() >= 2); // retransmitted at about 1 s
            QCOMPARE(staysOf(h, 1, QueueKind::Syn, c).size(), std::size_t{1});
        }
    }
    QCOMPARE(cookieFlows, 6 - requests);
    QCOMPARE(h.queueLengthsAt(0, sec(2)).syn, I64{requests});
}

void TestRulesS::rule_S8_requestQueuedAndTimerArmed_data() {
    QTest::addColumn<int>("hz");
    QTest::newRow("HZ 250") << 250;
    QTest::newRow("HZ 1000") << 1000;
    QTest::newRow("HZ 100") << 100;
}

void TestRulesS::rule_S8_requestQueuedAndTimerArmed() {
    QFETCH(int, hz);

    ScenarioText text;
    text.hz(hz).rtt("100ms").clients("c", 1, "0s", "1ms", false).fault("client-acks", "", "0s", "1500ms");
    text.until("2s");
    SIMULATE(sim, text);
    const History& h = sim->history();

    // The SYN arrives at 50 ms: a request enters the SYN queue and the SYN-ACK leaves at once.
    const std::vector<QueueEntry> synq = stays(h, 0, QueueKind::Syn);
    QCOMPARE(synq.size(), std::size_t{1});
    QCOMPARE(synq[0].entered, ms(50));
    QCOMPARE(h.queueLengthsAt(0, ms(60)).syn, I64{1});
    QCOMPARE(h.queueLengthsAt(0, ms(60)).accept, I64{0});
    const std::vector<Packet> synAcks = flowPackets(h, 0, PacketKind::SynAck, false);
    QVERIFY(synAcks.size() >= 2);
    QCOMPARE(synAcks[0].sent, ms(50));
    QVERIFY(!synAcks[0].cookie);
    // Its timer is armed at TCP_TIMEOUT_INIT = 1 s.
    QVERIFY_WITHIN(synAcks[1].sent, ms(1050), ms(1050) + timerSlack(sec(1), hz));
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPTimeouts, synAcks[1].sent), I64{1});
    QCOMPARE(serverCounter(*sim, Counter::TcpPassiveOpens, sec(2)), I64{0});
}

void TestRulesS::rule_S9_clientConnectsAfterOneRttOrRetransmits_data() {
    QTest::addColumn<int>("syncookies");
    QTest::addColumn<int>("backlog");
    QTest::addColumn<int>("maxSynBacklog"); // -1: default
    QTest::addColumn<int>("clients");
    QTest::addColumn<QString>("spacing");
    QTest::addColumn<int>("client");     // the one watched
    QTest::addColumn<QString>("expect"); // "rtt", "retransmission" or "never"

    QTest::newRow("S8: ESTABLISHED after one RTT, nothing accepted")
        << 1 << 4 << -1 << 1 << "0s" << 0 << "rtt";
    QTest::newRow("S6: a cookie SYN-ACK connects as well") << 2 << 4 << -1 << 1 << "0s" << 0 << "rtt";
    QTest::newRow("S2 drop: silent, the client retransmits") << 1 << 0 << -1 << 2 << "200ms" << 1 << "never";
    QTest::newRow("S1 drop (syncookies 0): silent") << 0 << 0 << -1 << 2 << "0s" << 1 << "never";
    QTest::newRow("S5 drop: silent, the retransmission gets in")
        << 0 << 128 << 4 << 5 << "0s" << 4 << "retransmission";
}

void TestRulesS::rule_S9_clientConnectsAfterOneRttOrRetransmits() {
    QFETCH(int, syncookies);
    QFETCH(int, backlog);
    QFETCH(int, maxSynBacklog);
    QFETCH(int, clients);
    QFETCH(QString, spacing);
    QFETCH(int, client);
    QFETCH(QString, expect);

    ScenarioText text;
    text.backlog(backlog).rtt("100ms").sysctl("net.ipv4.tcp_syncookies", syncookies);
    if (maxSynBacklog >= 0) text.sysctl("net.ipv4.tcp_max_syn_backlog", maxSynBacklog);
    text.clients("c", clients, "0s", str(spacing), false).until("3s");
    SIMULATE(sim, text);
    const History& h = sim->history();
    const auto c = static_cast<FlowId>(client);
    const ClientRecord& rec = h.clients[c];
    const auto fromServer = [&](Time before) {
        return packets(h, [&](const Packet& p) { return p.flow == c && !p.toServer && p.sent < before; });
    };

    if (expect == "rtt") {
        QCOMPARE(rec.connectedAt - rec.connectAt, ms(100));
        QCOMPARE(rec.synTimes.size(), std::size_t{1});
        QCOMPARE(h.clientStateAt(c, sec(3)), TcpState::Established);
        QVERIFY(rec.acceptedAt.isNever());
    } else if (expect == "retransmission") {
        QVERIFY(rec.synTimes.size() >= 2);
        QVERIFY_WITHIN(rec.synTimes[1], rec.connectAt + sec(1),
                       rec.connectAt + sec(1) + timerSlack(sec(1), 250));
        QVERIFY(fromServer(rec.synTimes[1]).empty()); // the first SYN got no answer at all
        QCOMPARE(rec.connectedAt - rec.synTimes[1], ms(100));
    } else {
        QVERIFY(rec.connectedAt.isNever());
        QVERIFY(rec.synTimes.size() >= 2);
        QVERIFY(fromServer(kEnd).empty());
        QCOMPARE(h.clientStateAt(c, sec(3)), TcpState::SynSent);
    }
}

QTEST_APPLESS_MAIN(TestRulesS)
#include "tst_rules_S_syn.moc"
