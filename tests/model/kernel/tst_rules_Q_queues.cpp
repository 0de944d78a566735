// KERNEL.md section 3, Q — queue predicates and what tools show: the accept queue holds backlog + 1,
// the SYN queue's capacity by kernel version, ss -lnt.
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

class TestRulesQ : public QObject {
    Q_OBJECT

  private slots:
    // Q — queue predicates and ss
    void rule_Q1_acceptQueueHoldsBacklogPlusOne_data();
    void rule_Q1_acceptQueueHoldsBacklogPlusOne();
    void rule_Q2_synQueueCapacityFollowsBacklog_data();
    void rule_Q2_synQueueCapacityFollowsBacklog();
    void rule_Q3_ssShowsAcceptQueueAndBacklog_data();
    void rule_Q3_ssShowsAcceptQueueAndBacklog();
};

// ============================================================================================ Q

void TestRulesQ::rule_Q1_acceptQueueHoldsBacklogPlusOne_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("backlog");
    QTest::addColumn<int>("extra"); // clients beyond backlog + 1

    QTest::newRow("backlog 128 holds 129") << "6.18" << 128 << 3;
    QTest::newRow("backlog 0 holds 1") << "6.18" << 0 << 2;
    QTest::newRow("backlog 1 holds 2") << "6.18" << 1 << 2;
    QTest::newRow("backlog 5 holds 6") << "6.18" << 5 << 4;
    QTest::newRow("6.12: backlog 5 holds 6") << "6.12" << 5 << 1;
    QTest::newRow("4.15: backlog 5 holds 6") << "4.15" << 5 << 1;
    QTest::newRow("4.15: backlog 0 holds 1 (its SYN queue holds 0: a cookie)") << "4.15" << 0 << 2;
}

void TestRulesQ::rule_Q1_acceptQueueHoldsBacklogPlusOne() {
    QFETCH(QString, version);
    QFETCH(int, backlog);
    QFETCH(int, extra);

    const int clients = backlog + 1 + extra;
    ScenarioText text;
    text.version(str(version)).backlog(backlog).clients("c", clients, "0s", "1ms", false).until("900ms");
    SIMULATE(sim, text);
    const History& h = sim->history();

    const Time check = ms(clients) + ms(100);
    QCOMPARE(h.queueLengthsAt(0, check).accept, I64{backlog + 1});
    QCOMPARE(serverCounter(*sim, Counter::TcpPassiveOpens, check), I64{backlog + 1});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, check), I64{extra});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops, check), I64{extra});
    // The check comes before the insertion: the (backlog+2)-th SYN is the first one dropped.
    for (int c = 0; c < clients; ++c) {
        const bool in = c <= backlog;
        QCOMPARE(h.clients[static_cast<std::size_t>(c)].connectedAt.isNever(), !in);
        QCOMPARE(h.clientStateAt(static_cast<FlowId>(c), check),
                 in ? TcpState::Established : TcpState::SynSent);
    }
}

void TestRulesQ::rule_Q2_synQueueCapacityFollowsBacklog_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("backlog");
    QTest::addColumn<int>("syncookies");
    QTest::addColumn<int>("maxSynBacklog"); // -1: default
    QTest::addColumn<int>("burst");         // SYNs arriving together
    QTest::addColumn<int>("capacity");      // requests the SYN queue takes

    QTest::newRow("6.18: backlog 8 -> 9 requests") << "6.18" << 8 << 1 << -1 << 12 << 9;
    QTest::newRow("6.12: backlog 8 -> 8 requests") << "6.12" << 8 << 1 << -1 << 12 << 8;
    QTest::newRow("6.1: backlog 8 -> 8 requests") << "6.1" << 8 << 1 << -1 << 12 << 8;
    QTest::newRow("5.4: backlog 8 -> 8 requests") << "5.4" << 8 << 1 << -1 << 12 << 8;
    QTest::newRow("4.15: backlog 8 -> 8 requests") << "4.15" << 8 << 1 << -1 << 12 << 8;
    QTest::newRow("tcp_max_syn_backlog 4 does not cap it") << "6.18" << 16 << 1 << 4 << 20 << 17;
    QTest::newRow("6.18, syncookies 0: backlog 8 -> 9, rest dropped") << "6.18" << 8 << 0 << -1 << 12 << 9;
    QTest::newRow("6.18, syncookies 0, listen(0): 1 request") << "6.18" << 0 << 0 << -1 << 2 << 1;
    QTest::newRow("6.12, syncookies 0, listen(0): never a request") << "6.12" << 0 << 0 << -1 << 1 << 0;
    QTest::newRow("6.12, syncookies 1, listen(0): a cookie instead") << "6.12" << 0 << 1 << -1 << 1 << 0;
}

void TestRulesQ::rule_Q2_synQueueCapacityFollowsBacklog() {
    QFETCH(QString, version);
    QFETCH(int, backlog);
    QFETCH(int, syncookies);
    QFETCH(int, maxSynBacklog);
    QFETCH(int, burst);
    QFETCH(int, capacity);

    ScenarioText text;
    text.version(str(version)).backlog(backlog).rtt("100ms").sysctl("net.ipv4.tcp_syncookies", syncookies);
    if (maxSynBacklog >= 0) text.sysctl("net.ipv4.tcp_max_syn_backlog", maxSynBacklog);
    text.clients("burst", burst, "0s", "0s", false).until("10s");
    SIMULATE(sim, text);
    const History& h = sim->history();

    // The SYNs arrive at 50 ms; the final ACKs are not back before 150 ms.
    const Time check = ms(100);
    const I64 over = burst - capacity;
    QCOMPARE(h.queueLengthsAt(0, check).syn, I64{capacity});
    QCOMPARE(h.queueAt(0, QueueKind::Syn, check).size(), std::size_t(capacity));
    QCOMPARE(h.queueLengthsAt(0, check).accept, I64{0});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPReqQFullDoCookies, check), syncookies ? over : 0);
    QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesSent, check), syncookies ? over : 0);
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPReqQFullDrop, check), syncookies ? 0 : over);
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops, check), syncookies ? 0 : over);
    // With cookies every client connects; without, only the requests do (the rest then meet a full
    // accept queue, or, for listen(0) before the fix, a SYN queue that is always full).
    QCOMPARE(connectedBy(h, sec(10)), syncookies ? burst : capacity);
}

void TestRulesQ::rule_Q3_ssShowsAcceptQueueAndBacklog_data() {
    QTest::addColumn<int>("listeners");
    QTest::addColumn<int>("backlog");
    QTest::addColumn<int>("somaxconn");
    QTest::addColumn<int>("clients");
    QTest::addColumn<QString>("spacing");
    QTest::addColumn<QString>("rtt");
    QTest::addColumn<int>("checkMs");
    QTest::addColumn<int>("recvQ");   // summed over the listeners
    QTest::addColumn<int>("sendQ");   // of each listener
    QTest::addColumn<int>("synRecv"); // SYN-RECV sockets in ss -tan

    QTest::newRow("full queue: Recv-Q 129, Send-Q 128") << 1 << 128 << 4096 << 131 << "1ms"
                                                        << "100us" << 500 << 129 << 128 << 0;
    QTest::newRow("two waiting: Recv-Q 2, Send-Q 4") << 1 << 4 << 4096 << 2 << "1ms"
                                                     << "100us" << 500 << 2 << 4 << 0;
    QTest::newRow("listen(-1): Send-Q shows somaxconn") << 1 << -1 << 16 << 3 << "1ms"
                                                        << "100us" << 500 << 3 << 16 << 0;
    QTest::newRow("SYN-RECV is not in Recv-Q") << 1 << 8 << 4096 << 5 << "0s"
                                               << "100ms" << 100 << 0 << 8 << 5;
    QTest::newRow("four listeners: one line each") << 4 << 8 << 4096 << 8 << "1ms"
                                                   << "100us" << 500 << 8 << 8 << 0;
}

void TestRulesQ::rule_Q3_ssShowsAcceptQueueAndBacklog() {
    QFETCH(int, listeners);
    QFETCH(int, backlog);
    QFETCH(int, somaxconn);
    QFETCH(int, clients);
    QFETCH(QString, spacing);
    QFETCH(QString, rtt);
    QFETCH(int, checkMs);
    QFETCH(int, recvQ);
    QFETCH(int, sendQ);
    QFETCH(int, synRecv);

    ScenarioText text;
    text.backlog(backlog).listeners(listeners).sysctl("net.core.somaxconn", somaxconn).rtt(str(rtt));
    text.clients("c", clients, "0s", str(spacing), false).until("900ms");
    SIMULATE(sim, text);
    const Time check = ms(checkMs);

    const std::vector<SsSocket> ss = sim->ssListening(check);
    QCOMPARE(ss.size(), std::size_t(listeners));
    I64 total = 0;
    for (int l = 0; l < listeners; ++l) {
        const SsSocket& s = ss[static_cast<std::size_t>(l)];
        QCOMPARE(s.state, TcpState::Listen);
        QCOMPARE(s.sendQ, I64{sendQ});
        QCOMPARE(s.recvQ, sim->history().queueLengthsAt(l, check).accept);
        total += s.recvQ;
    }
    QCOMPARE(total, I64{recvQ});
    const std::vector<SsSocket> all = sim->ssAll(check);
    QCOMPARE(
        std::count_if(all.begin(), all.end(), [](const SsSocket& s) { return s.state == TcpState::SynRecv; }),
        std::ptrdiff_t{synRecv});
}

QTEST_APPLESS_MAIN(TestRulesQ)
#include "tst_rules_Q_queues.moc"
