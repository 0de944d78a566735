// KERNEL.md section 3, T — timers: the SYN-ACK schedule, expiry and pruning, challenge ACKs, the data
// RTO after a retransmitted handshake, the client's SYN schedule.
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

class TestRulesT : public QObject {
    Q_OBJECT

  private slots:
    // T — timers
    void rule_T1_synAckScheduleExpiryAndPruning_data();
    void rule_T1_synAckScheduleExpiryAndPruning();
    void rule_T2_challengeAckDrivesRetry_data();
    void rule_T2_challengeAckDrivesRetry();
    void rule_T5_dataRtoFallsBackAfterRetransmittedHandshake_data();
    void rule_T5_dataRtoFallsBackAfterRetransmittedHandshake();
    void rule_T6_clientSynSchedule_data();
    void rule_T6_clientSynSchedule();
};

// ============================================================================================ T

void TestRulesT::rule_T1_synAckScheduleExpiryAndPruning_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("hz");
    QTest::addColumn<int>("synackRetries");
    QTest::addColumn<int>("flood"); // 0: one real client; else spoofed SYNs within 100 ms, backlog 128
    QTest::addColumn<QList<int>>("retrans"); // seconds after the first SYN-ACK
    QTest::addColumn<int>("expiry");         // seconds after the first SYN-ACK
    QTest::addColumn<int>("pruned");         // flood requests that die after two retransmissions (7 s)

    const QList<int> classic{1, 3, 7, 15, 31};
    QTest::newRow("default: 1, 3, 7, 15, 31 s, gone at 63 s")
        << "6.18" << 250 << 5 << 0 << classic << 63 << 0;
    QTest::newRow("4.15: the same (SYN-ACKs have no linear phase)")
        << "4.15" << 250 << 5 << 0 << classic << 63 << 0;
    QTest::newRow("HZ 1000") << "6.18" << 1000 << 5 << 0 << classic << 63 << 0;
    QTest::newRow("HZ 100") << "6.18" << 100 << 5 << 0 << classic << 63 << 0;
    QTest::newRow("tcp_synack_retries 2: gone at 7 s")
        << "6.18" << 250 << 2 << 0 << QList<int>{1, 3} << 7 << 0;
    QTest::newRow("tcp_synack_retries 0: gone at 1 s") << "6.18" << 250 << 0 << 0 << QList<int>{} << 1 << 0;
    QTest::newRow("tcp_synack_retries 7: RTO capped at 120 s")
        << "6.18" << 250 << 7 << 0 << QList<int>{1, 3, 7, 15, 31, 63, 127} << 247 << 0;
    QTest::newRow("60 old requests of 128: no pruning") << "6.18" << 250 << 5 << 60 << classic << 63 << 0;
    // 2·qlen > 128 while more than 64 remain: 36 die at the third firing, 64 live the full 63 s.
    QTest::newRow("100 old requests of 128: 36 pruned after two retransmissions (M19)")
        << "6.18" << 250 << 5 << 100 << classic << 63 << 36;
}

void TestRulesT::rule_T1_synAckScheduleExpiryAndPruning() {
    QFETCH(QString, version);
    QFETCH(int, hz);
    QFETCH(int, synackRetries);
    QFETCH(int, flood);
    QFETCH(QList<int>, retrans);
    QFETCH(int, expiry);
    QFETCH(int, pruned);

    ScenarioText text;
    text.version(str(version)).hz(hz).rtt("1ms").sysctl("net.ipv4.tcp_synack_retries", synackRetries);
    if (flood > 0)
        text.flood("spoof", std::to_string(flood * 10) + "/s", "0s", "100ms"); // never answer
    else
        text.clients("c", 1, "0s", "1ms", false).fault("client-acks", "c", "0s");
    SIMULATE(sim, text);
    const History& h = sim->history();

    // Every request expires, silently: it leaves the SYN queue and nothing is sent.
    const std::vector<QueueEntry> synq = stays(h, 0, QueueKind::Syn);
    QCOMPARE(synq.size(), std::size_t(flood > 0 ? flood : 1));
    int shortLived = 0;
    for (const QueueEntry& e : synq) {
        QCOMPARE(e.reason, LeaveReason::Expired);
        const bool prunedOne = flood > 0 && e.left < sec(10);
        shortLived += prunedOne ? 1 : 0;
        const QByteArray problem = prunedOne ? scheduleProblem(h, e.flow, {1, 3}, 7, hz, e.left)
                                             : scheduleProblem(h, e.flow, retrans, expiry, hz, e.left);
        QVERIFY2(problem.isEmpty(), problem.constData());
    }
    QCOMPARE(shortLived, pruned);
    QCOMPARE(serverCounter(*sim, Counter::TcpOutRsts), I64{0});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtEmbryonicRsts), I64{0});
    QCOMPARE(serverCounter(*sim, Counter::TcpAttemptFails), I64{0});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops), I64{0});
    if (flood == 0) {
        QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPTimeouts), I64(retrans.size() + 1));
        QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPSynRetrans), I64(retrans.size()));
        QCOMPARE(serverCounter(*sim, Counter::TcpRetransSegs), I64(retrans.size()));
        QCOMPARE(h.clientStateAt(0, h.end), TcpState::Established); // it never finds out (send: false)
    } else {
        QCOMPARE(h.queueLengthsAt(0, sec(10)).syn, I64{flood - pruned});
        QCOMPARE(h.queueLengthsAt(0, sec(62)).syn, I64{flood - pruned});
        QCOMPARE(h.queueLengthsAt(0, sec(70)).syn, I64{0});
    }
}

void TestRulesT::rule_T2_challengeAckDrivesRetry_data() {
    QTest::addColumn<bool>("fullQueue");
    QTest::newRow("a lost final ACK: the challenge ACK completes the handshake") << false;
    QTest::newRow("a full accept queue: each retransmission draws an ACK that retries") << true;
}

void TestRulesT::rule_T2_challengeAckDrivesRetry() {
    QFETCH(bool, fullQueue);

    ScenarioText text;
    text.rtt(fullQueue ? "1ms" : "100ms").backlog(fullQueue ? 1 : 4);
    text.clients("late", 1, "0s", "1ms", false).fault("client-acks", "late", "0s", "300ms");
    if (fullQueue) text.clients("early", 2, "100ms", "10ms", false);
    SIMULATE(sim, text);
    const History& h = sim->history();

    const std::vector<Packet> synAcks = flowPackets(h, 0, PacketKind::SynAck, false);
    const std::vector<Packet> acks = flowPackets(h, 0, PacketKind::Ack, true);
    QVERIFY(synAcks.size() >= 2);
    // Every retransmitted SYN-ACK reaching the ESTABLISHED client draws one challenge ACK at once.
    const I64 retransmitted = I64(synAcks.size()) - 1;
    QCOMPARE(clientCounter(*sim, Counter::TcpExtTCPSYNChallenge), retransmitted);
    QCOMPARE(clientCounter(*sim, Counter::TcpExtTCPChallengeACK), retransmitted);
    QCOMPARE(I64(acks.size()), 1 + retransmitted);
    for (std::size_t k = 1; k < synAcks.size(); ++k)
        QCOMPARE(acks[k].sent, synAcks[k].arrives);
    if (!fullQueue) {
        QCOMPARE(synAcks.size(), std::size_t{2});
        QCOMPARE(acks[1].fate, PacketFate::Delivered);
        QCOMPARE(serverStateSince(h, 0, TcpState::Established), acks[1].arrives);
        QCOMPARE(serverCounter(*sim, Counter::TcpPassiveOpens), I64{1});
        return;
    }
    // Veithen's trace: the dup ACKs at about 1, 3, 7, 15, 31 s each meet the full queue again.
    QCOMPARE(synAcks.size(), std::size_t{6});
    for (std::size_t k = 1; k < acks.size(); ++k)
        QCOMPARE(acks[k].fate, PacketFate::DroppedAckQueueFull);
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows), I64{5});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops), I64{5});
    const std::vector<QueueEntry> synq = staysOf(h, 1, QueueKind::Syn, 0);
    QCOMPARE(synq.size(), std::size_t{1});
    QCOMPARE(synq[0].reason, LeaveReason::Expired);
}

void TestRulesT::rule_T5_dataRtoFallsBackAfterRetransmittedHandshake_data() {
    QTest::addColumn<QString>("lost");   // what is lost until 500 ms besides the data: "", syn, synack
    QTest::addColumn<int>("firstRtoMs"); // the first data RTO firing, after the write

    QTest::newRow("clean handshake: TLP at 0.2 s, then RTO 0.2 s (M17)") << "" << 400;
    QTest::newRow("SYN retransmitted: RTO 3 s") << "syn" << 3000;
    QTest::newRow("SYN-ACK lost, SYN retransmitted: RTO 3 s") << "synack" << 3000;
}

void TestRulesT::rule_T5_dataRtoFallsBackAfterRetransmittedHandshake() {
    QFETCH(QString, lost);
    QFETCH(int, firstRtoMs);

    ScenarioText text;
    text.rtt("1ms").clients("c", 1, "0s", "1ms", true).fault("data", "c", "0s", "20s").until("15s");
    if (!lost.isEmpty()) text.fault(str(lost), "c", "0s", "500ms");
    SIMULATE(sim, text);
    const History& h = sim->history();
    const ClientRecord& rec = h.clients[0];

    QVERIFY(!rec.connectedAt.isNever());
    QCOMPARE(rec.synTimes.size(), std::size_t(lost.isEmpty() ? 1 : 2));
    const std::vector<Packet> data = flowPackets(h, 0, PacketKind::Data, true);
    QVERIFY(data.size() >= 2);
    const Time write = data[0].sent;
    QCOMPARE(write, rec.connectedAt);
    // The first RTO firing of the data (TCPTimeouts after the write; a SYN timeout comes before it).
    const I64 before = clientCounter(*sim, Counter::TcpExtTCPTimeouts, write);
    const Time rto = counterReached(*sim, Host::Clients, Counter::TcpExtTCPTimeouts, before + 1);
    const Time due = ms(firstRtoMs);
    Time slack = timerSlack(due, 250);
    if (lost.isEmpty()) slack = timerSlack(ms(200), 250) + timerSlack(ms(200), 250); // probe, then RTO
    QVERIFY_WITHIN(rto - write, due, due + slack);
    QVERIFY(std::any_of(data.begin(), data.end(),
                        [&](const Packet& p) { return p.sent == rto && p.retrans > 0; }));
}

void TestRulesT::rule_T6_clientSynSchedule_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("hz");
    QTest::addColumn<int>("synRetries");     // -1: default
    QTest::addColumn<int>("linearTimeouts"); // -1: the profile's default
    QTest::addColumn<QList<int>>("retrans"); // seconds after connect()
    QTest::addColumn<int>("timeout");        // ETIMEDOUT, seconds after connect()

    const QList<int> linear{1, 2, 3, 4, 5, 7, 11, 19, 35, 67};
    const QList<int> classic{1, 3, 7, 15, 31, 63};
    QTest::newRow("6.18 defaults (6, 4): linear then exponential, 131 s")
        << "6.18" << 250 << -1 << -1 << linear << 131;
    QTest::newRow("6.18 at HZ 1000") << "6.18" << 1000 << -1 << -1 << linear << 131;
    QTest::newRow("6.18 at HZ 100") << "6.18" << 100 << -1 << -1 << linear << 131;
    QTest::newRow("6.18 at HZ 300") << "6.18" << 300 << -1 << -1 << linear << 131;
    QTest::newRow("6.12 defaults (after 6.5): linear") << "6.12" << 250 << -1 << -1 << linear << 131;
    QTest::newRow("tcp_syn_linear_timeouts 0: classic, 127 s") << "6.18" << 250 << -1 << 0 << classic << 127;
    QTest::newRow("4.15 profile: classic, 127 s") << "4.15" << 250 << -1 << -1 << classic << 127;
    QTest::newRow("6.1 profile (before 6.5): classic") << "6.1" << 250 << -1 << -1 << classic << 127;
    QTest::newRow("syn_retries 3, linear 0: 1, 3, 7; 15 s")
        << "6.18" << 250 << 3 << 0 << QList<int>{1, 3, 7} << 15;
    QTest::newRow("syn_retries 1, linear 0: 1; 3 s") << "6.18" << 250 << 1 << 0 << QList<int>{1} << 3;
    QTest::newRow("syn_retries 2, linear 4: the 7 s time limit first")
        << "6.18" << 250 << 2 << 4 << QList<int>{1, 2, 3, 4, 5} << 7;
    QTest::newRow("syn_retries 1, linear 4: the 3 s time limit first")
        << "6.18" << 250 << 1 << 4 << QList<int>{1, 2} << 3;
    QTest::newRow("syn_retries 8, linear 0: RTO capped at 120 s")
        << "6.18" << 250 << 8 << 0 << QList<int>{1, 3, 7, 15, 31, 63, 127, 247} << 367;
    QTest::newRow("syn_retries 6, linear 2")
        << "6.18" << 250 << 6 << 2 << QList<int>{1, 2, 3, 5, 9, 17, 33, 65} << 129;
    // No schedule: an RST in SYN-SENT (the only listener has been closed) refuses the connection.
    QTest::newRow("RST in SYN-SENT: ECONNREFUSED") << "6.18" << 250 << -1 << -1 << QList<int>{} << 0;
}

void TestRulesT::rule_T6_clientSynSchedule() {
    QFETCH(QString, version);
    QFETCH(int, hz);
    QFETCH(int, synRetries);
    QFETCH(int, linearTimeouts);
    QFETCH(QList<int>, retrans);
    QFETCH(int, timeout);

    if (timeout == 0) {
        ScenarioText refused;
        refused.rtt("1ms").clients("c", 1, "1s", "1ms", false).closeListener("500ms", 0);
        SIMULATE(sim, refused);
        const ClientRecord& rec = sim->history().clients[0];
        QCOMPARE(rec.error, ClientError::ConnectionRefused);
        QCOMPARE(rec.errorAt - rec.connectAt, ms(1));
        QCOMPARE(rec.synTimes.size(), std::size_t{1});
        QCOMPARE(clientCounter(*sim, Counter::TcpAttemptFails), I64{1});
        QCOMPARE(serverCounter(*sim, Counter::TcpOutRsts), I64{1});
        return;
    }
    // Every SYN is lost.
    ScenarioText text;
    text.version(str(version)).hz(hz).clients("c", 1, "0s", "1ms", false).fault("syn", "c", "0s");
    if (synRetries >= 0) text.sysctl("net.ipv4.tcp_syn_retries", synRetries);
    if (linearTimeouts >= 0) text.sysctl("net.ipv4.tcp_syn_linear_timeouts", linearTimeouts);
    SIMULATE(sim, text);
    const ClientRecord& rec = sim->history().clients[0];

    QCOMPARE(rec.synTimes.size(), std::size_t(1 + retrans.size()));
    QCOMPARE(rec.synTimes[0], rec.connectAt);
    QList<int> chain = retrans;
    chain.append(timeout);
    const std::vector<Window> w = chainWindows(chain, hz);
    for (qsizetype k = 0; k < retrans.size(); ++k) {
        const auto i = static_cast<std::size_t>(k);
        QVERIFY_WITHIN(rec.synTimes[i + 1] - rec.connectAt, w[i].lo, w[i].hi);
    }
    QCOMPARE(rec.error, ClientError::TimedOut);
    QVERIFY_WITHIN(rec.errorAt - rec.connectAt, w.back().lo, w.back().hi);
    QCOMPARE(clientCounter(*sim, Counter::TcpActiveOpens), I64{1});
    QCOMPARE(clientCounter(*sim, Counter::TcpExtTCPSynRetrans), I64(retrans.size()));
    QCOMPARE(clientCounter(*sim, Counter::TcpRetransSegs), I64(retrans.size()));
    QCOMPARE(clientCounter(*sim, Counter::TcpExtTCPTimeouts), I64(retrans.size() + 1));
    QCOMPARE(clientCounter(*sim, Counter::TcpAttemptFails), I64{1});
}

QTEST_APPLESS_MAIN(TestRulesT)
#include "tst_rules_T_timers.moc"
