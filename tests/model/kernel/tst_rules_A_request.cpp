// KERNEL.md section 3, A — a segment arrives for an existing request socket: duplicate SYNs, a client
// RST, a final ACK meeting a full accept queue (ignored, or reset with tcp_abort_on_overflow), the child.
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

class TestRulesA : public QObject {
    Q_OBJECT

  private slots:
    // A — a segment for a request socket
    void rule_A1_duplicateSynResendsSynAck_data();
    void rule_A1_duplicateSynResendsSynAck();
    void rule_A4_clientRstKillsRequest_data();
    void rule_A4_clientRstKillsRequest();
    void rule_A7a_ackMeetingFullQueueIsIgnored_data();
    void rule_A7a_ackMeetingFullQueueIsIgnored();
    void rule_A7b_abortOnOverflowResets_data();
    void rule_A7b_abortOnOverflowResets();
    void rule_A8_childAppendedToAcceptQueue_data();
    void rule_A8_childAppendedToAcceptQueue();
};

// ============================================================================================ A

void TestRulesA::rule_A1_duplicateSynResendsSynAck_data() {
    QTest::addColumn<int>("lostUntilMs");   // every SYN-ACK sent before this is lost
    QTest::addColumn<int>("minDuplicates"); // retransmitted SYNs sent inside the loss window

    QTest::newRow("SYN-ACKs lost until 1.5 s") << 1500 << 1;
    QTest::newRow("SYN-ACKs lost until 2.5 s") << 2500 << 2;
}

void TestRulesA::rule_A1_duplicateSynResendsSynAck() {
    QFETCH(int, lostUntilMs);
    QFETCH(int, minDuplicates);

    const Time lostUntil = ms(lostUntilMs);
    ScenarioText text;
    text.rtt("100ms").clients("c", 1, "0s", "1ms", false);
    text.fault("synack", "c", "0s", std::to_string(lostUntilMs) + "ms").until("6s");
    SIMULATE(sim, text);
    const History& h = sim->history();
    const ClientRecord& rec = h.clients[0];
    QVERIFY(!rec.connectedAt.isNever());

    // One request for the flow, whatever the number of SYNs.
    QCOMPARE(stays(h, 0, QueueKind::Syn).size(), std::size_t{1});
    // Each retransmitted SYN reaching the request is answered at once by a SYN-ACK, then dropped.
    const std::vector<Packet> syns = flowPackets(h, 0, PacketKind::Syn, true);
    const std::vector<Packet> synAcks = flowPackets(h, 0, PacketKind::SynAck, false);
    int duplicates = 0;
    for (const Packet& syn : syns) {
        if (syn.retrans == 0 || syn.arrives > rec.connectedAt) continue;
        ++duplicates;
        QCOMPARE(syn.fate, PacketFate::DroppedDuplicateSyn);
        QVERIFY2(std::any_of(synAcks.begin(), synAcks.end(),
                             [&](const Packet& a) { return a.sent == syn.arrives && a.retrans > 0; }),
                 "no SYN-ACK answered a retransmitted SYN at once");
    }
    QVERIFY(duplicates >= minDuplicates);
    // The first SYN-ACK sent after the loss completes the handshake; it is no later than the answer
    // to the first SYN that reaches the server after the loss (the request timer may come first).
    const auto through =
        std::find_if(synAcks.begin(), synAcks.end(), [&](const Packet& a) { return a.sent >= lostUntil; });
    QVERIFY(through != synAcks.end());
    QCOMPARE(rec.connectedAt, through->arrives);
    const auto nextSyn =
        std::find_if(syns.begin(), syns.end(), [&](const Packet& p) { return p.arrives >= lostUntil; });
    if (nextSyn != syns.end()) QVERIFY(through->sent <= nextSyn->arrives);
    const auto retransmitted =
        std::count_if(synAcks.begin(), synAcks.end(), [](const Packet& a) { return a.retrans > 0; });
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPSynRetrans), I64{retransmitted});
    QCOMPARE(serverCounter(*sim, Counter::TcpRetransSegs), I64{retransmitted});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPACKSkippedSynRecv), I64{0});
    QCOMPARE(serverCounter(*sim, Counter::TcpPassiveOpens), I64{1});
}

void TestRulesA::rule_A4_clientRstKillsRequest_data() {
    QTest::addColumn<QString>("synAckLostUntil");
    // The client gives up (tcp_syn_retries 1, no linear timeouts: SYNs at 0 and 1 s, ETIMEDOUT at 3 s)
    // before any SYN-ACK reaches it; the next SYN-ACK finds no socket and draws an RST.
    QTest::newRow("SYN-ACKs lost until 3.5 s") << "3500ms";
    QTest::newRow("SYN-ACKs lost until 2.5 s") << "2500ms";
}

void TestRulesA::rule_A4_clientRstKillsRequest() {
    QFETCH(QString, synAckLostUntil);

    ScenarioText text;
    text.rtt("100ms").sysctl("net.ipv4.tcp_syn_retries", 1).sysctl("net.ipv4.tcp_syn_linear_timeouts", 0);
    text.clients("c", 1, "0s", "1ms", false).fault("synack", "c", "0s", str(synAckLostUntil)).until("20s");
    SIMULATE(sim, text);
    const History& h = sim->history();
    const ClientRecord& rec = h.clients[0];

    QCOMPARE(rec.error, ClientError::TimedOut);
    QVERIFY(rec.connectedAt.isNever());
    const std::vector<Packet> rsts = flowPackets(h, 0, PacketKind::Rst, true);
    QCOMPARE(rsts.size(), std::size_t{1});
    const Packet rst = rsts[0];
    QVERIFY(rst.sent > rec.errorAt);
    QCOMPARE(clientCounter(*sim, Counter::TcpOutRsts), I64{1});
    // The RST answers the first SYN-ACK that got through.
    const std::vector<Packet> synAcks = flowPackets(h, 0, PacketKind::SynAck, false);
    const auto delivered = std::find_if(synAcks.begin(), synAcks.end(),
                                        [](const Packet& a) { return a.fate != PacketFate::LostInNetwork; });
    QVERIFY(delivered != synAcks.end());
    QCOMPARE(rst.sent, delivered->arrives);
    // A4 at the server: AttemptFails, EmbryonicRsts, the request unlinked; no RST back.
    const std::vector<QueueEntry> synq = stays(h, 0, QueueKind::Syn);
    QCOMPARE(synq.size(), std::size_t{1});
    QCOMPARE(synq[0].reason, LeaveReason::Reset);
    QCOMPARE(synq[0].left, rst.arrives);
    QCOMPARE(serverCounter(*sim, Counter::TcpExtEmbryonicRsts), I64{1});
    QCOMPARE(serverCounter(*sim, Counter::TcpAttemptFails), I64{1});
    QCOMPARE(serverCounter(*sim, Counter::TcpOutRsts), I64{0});
    QCOMPARE(serverCounter(*sim, Counter::TcpPassiveOpens), I64{0});
    QCOMPARE(h.queueLengthsAt(0, rst.arrives).syn, I64{0});
    QCOMPARE(clientCounter(*sim, Counter::TcpAttemptFails), I64{1}); // the client's own ETIMEDOUT
}

void TestRulesA::rule_A7a_ackMeetingFullQueueIsIgnored_data() {
    QTest::addColumn<bool>("send");
    QTest::addColumn<int>("overflowsAt900ms");
    // Challenge ACKs (T2) to the SYN-ACK retransmissions retry; or, with data, the client's data
    // retransmissions (M17: 0.4, 0.8, 1.6 … s) as well.
    QTest::newRow("idle clients: challenge ACKs retry") << false << 0;
    QTest::newRow("clients with data: data retransmissions retry too") << true << 4;
}

void TestRulesA::rule_A7a_ackMeetingFullQueueIsIgnored() {
    QFETCH(bool, send);
    QFETCH(int, overflowsAt900ms);

    SIMULATE(sim, lateAckScenario(send, 0).until("70s"));
    const History& h = sim->history();
    const std::vector<FlowId> late = clientsOf(h, 0);
    QCOMPARE(late.size(), std::size_t{2});

    // Before any retry: the late ones in SYN-RECV, the early ones filling the accept queue.
    QCOMPARE(h.queueLengthsAt(0, ms(300)).syn, I64{2});
    QCOMPARE(h.queueLengthsAt(0, ms(300)).accept, I64{3});
    for (FlowId c : late)
        QCOMPARE(h.clientStateAt(c, ms(300)), TcpState::Established);
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, ms(900)), I64{overflowsAt900ms});

    // Until the worker starts (5 s) every retry is dropped; the requests stay, their timers run.
    const Time stall = ms(4900);
    const auto retries = packets(h, [&](const Packet& p) {
        return p.toServer && (p.flow == late[0] || p.flow == late[1]) && p.arrives > ms(300) &&
               p.arrives <= stall && (p.kind == PacketKind::Ack || p.kind == PacketKind::Data);
    });
    QVERIFY(retries.size() >= 2);
    for (const Packet& p : retries)
        QCOMPARE(p.fate, PacketFate::DroppedAckQueueFull);
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, stall), I64(retries.size()));
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops, stall), I64(retries.size()));
    QCOMPARE(h.queueLengthsAt(0, stall).syn, I64{2});
    QCOMPARE(h.queueLengthsAt(0, stall).accept, I64{3});
    QCOMPARE(serverCounter(*sim, Counter::TcpOutRsts, stall), I64{0});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtEmbryonicRsts, stall), I64{0});
    for (FlowId c : late) {
        QVERIFY(h.clients[c].dataQueuedAt.isNever() || h.clients[c].dataQueuedAt > stall); // data discarded
        // SYN-ACKs are still retransmitted (at about 1 and 3 s) although the ACK came.
        const auto synAcks = flowPackets(h, c, PacketKind::SynAck, false);
        QVERIFY(std::count_if(synAcks.begin(), synAcks.end(),
                              [&](const Packet& a) { return a.sent <= stall; }) >= 3);
        QCOMPARE(h.clientStateAt(c, stall), TcpState::Established);
    }

    // The worker takes one connection at 5 s: the next retry of one late client succeeds.
    int completed = 0;
    for (FlowId c : late) {
        const Time child = serverStateSince(h, c, TcpState::Established);
        if (child.isNever() || child > sec(20)) continue;
        ++completed;
        QVERIFY(child > sec(5));
        if (!h.clients[c].dataQueuedAt.isNever()) QVERIFY(h.clients[c].dataQueuedAt >= child);
    }
    QCOMPARE(completed, 1);
    QCOMPARE(h.queueLengthsAt(0, sec(20)).syn, I64{1});
    // The other request expires silently at about 63 s.
    QCOMPARE(h.queueLengthsAt(0, sec(70)).syn, I64{0});
    const std::vector<QueueEntry> synq = stays(h, 0, QueueKind::Syn);
    QCOMPARE(std::count_if(synq.begin(), synq.end(),
                           [](const QueueEntry& e) { return e.reason == LeaveReason::Expired; }),
             std::ptrdiff_t{1});
}

void TestRulesA::rule_A7b_abortOnOverflowResets_data() {
    QTest::addColumn<bool>("send");
    QTest::newRow("idle clients: reset at the challenge ACK") << false;
    QTest::newRow("clients with data: reset at the data retransmission") << true;
}

void TestRulesA::rule_A7b_abortOnOverflowResets() {
    QFETCH(bool, send);

    SIMULATE(sim, lateAckScenario(send, 1).until("4900ms"));
    const History& h = sim->history();
    const std::vector<FlowId> late = clientsOf(h, 0);
    QCOMPARE(late.size(), std::size_t{2});
    QCOMPARE(h.queueLengthsAt(0, ms(300)).syn, I64{2});
    QCOMPARE(h.queueLengthsAt(0, ms(300)).accept, I64{3});

    const Time end = ms(4900);
    for (FlowId c : late) {
        // The first retry meets the full queue and is answered by an RST at once.
        const auto dropped = packets(
            h, [c](const Packet& p) { return p.flow == c && p.fate == PacketFate::DroppedAckQueueFull; });
        QCOMPARE(dropped.size(), std::size_t{1});
        const auto rsts = flowPackets(h, c, PacketKind::Rst, false);
        QCOMPARE(rsts.size(), std::size_t{1});
        QCOMPARE(rsts[0].sent, dropped[0].arrives);
        QCOMPARE(h.clients[c].error, ClientError::ConnectionReset);
        QCOMPARE(h.clients[c].errorAt, rsts[0].arrives);
        QCOMPARE(h.clientStateAt(c, end), TcpState::Closed);
        const auto synq = staysOf(h, 1, QueueKind::Syn, c);
        QCOMPARE(synq.size(), std::size_t{1});
        QCOMPARE(synq[0].reason, LeaveReason::Reset);
    }
    QCOMPARE(serverCounter(*sim, Counter::TcpExtEmbryonicRsts, end), I64{2});
    QCOMPARE(serverCounter(*sim, Counter::TcpAttemptFails, end), I64{0}); // not for A7b
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, end), I64{2});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops, end), I64{2});
    QCOMPARE(clientCounter(*sim, Counter::TcpEstabResets, end), I64{2});
    QCOMPARE(h.queueLengthsAt(0, end).syn, I64{0});
    QCOMPARE(h.queueLengthsAt(0, end).accept, I64{3});               // the early ones are untouched
    QCOMPARE(serverCounter(*sim, Counter::TcpOutRsts, end), I64{2}); // one per RST
}

void TestRulesA::rule_A8_childAppendedToAcceptQueue_data() {
    QTest::addColumn<int>("workers");
    QTest::newRow("three completions join the tail in order") << 0;
    QTest::newRow("a sleeping worker is woken (sk_data_ready)") << 1;
}

void TestRulesA::rule_A8_childAppendedToAcceptQueue() {
    QFETCH(int, workers);

    ScenarioText text;
    text.backlog(4).rtt("100ms").workers(workers, "blocking", "10s").clients("c", 3, "0s", "10ms", true);
    text.until("2s");
    SIMULATE(sim, text);
    const History& h = sim->history();

    const std::vector<QueueEntry> synq = stays(h, 0, QueueKind::Syn);
    const std::vector<QueueEntry> acceptq = stays(h, 0, QueueKind::Accept);
    QCOMPARE(synq.size(), std::size_t{3});
    QCOMPARE(acceptq.size(), std::size_t{3});
    for (FlowId c = 0; c < 3; ++c) {
        // The final ACK arrives at connect + 1.5 RTT: request out, child in at the tail, same instant.
        const Time ack = h.clients[c].connectAt + ms(150);
        QCOMPARE(synq[c].flow, c);
        QCOMPARE(synq[c].reason, LeaveReason::Completed);
        QCOMPARE(synq[c].left, ack);
        QCOMPARE(acceptq[c].flow, c);
        QCOMPARE(acceptq[c].entered, ack);
        QCOMPARE(serverStateSince(h, c, TcpState::Established), ack);
        QCOMPARE(h.clients[c].dataQueuedAt, ack); // the request sent with the ACK goes to the child
        if (workers > 0 && c == 0) QVERIFY(h.clients[c].acceptedAt - ack < ms(1));
    }
    QCOMPARE(serverCounter(*sim, Counter::TcpPassiveOpens), I64{3});
    QCOMPARE(h.queueLengthsAt(0, sec(1)).syn, I64{0});
    QCOMPARE(h.queueLengthsAt(0, sec(1)).accept, I64{3 - workers});
}

QTEST_APPLESS_MAIN(TestRulesA)
#include "tst_rules_A_request.moc"
