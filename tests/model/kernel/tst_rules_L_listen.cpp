// KERNEL.md section 3, L — listen(): the backlog clamped by somaxconn, empty queues
// after listen(), a second listen() that only changes the backlog.
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

class TestRulesL : public QObject {
    Q_OBJECT

  private slots:
    // L — listen()
    void rule_L1_backlogClampedBySomaxconn_data();
    void rule_L1_backlogClampedBySomaxconn();
    void rule_L2_listenStartsWithEmptyQueues_data();
    void rule_L2_listenStartsWithEmptyQueues();
    void rule_L3_relistenOnlyUpdatesBacklog_data();
    void rule_L3_relistenOnlyUpdatesBacklog();
};

// ============================================================================================ L

void TestRulesL::rule_L1_backlogClampedBySomaxconn_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("somaxconn");      // -1: the profile's default
    QTest::addColumn<int>("backlog");        // the listen() argument
    QTest::addColumn<int>("somaxconnLater"); // -1: unchanged; otherwise set right after listen()
    QTest::addColumn<int>("effective");      // sk_max_ack_backlog = Send-Q
    QTest::addColumn<bool>("fill");          // also fill the accept queue: effective + 1 entries

    QTest::newRow("backlog 128, somaxconn 4096 -> 128 (holds 129)")
        << "6.18" << -1 << 128 << -1 << 128 << true;
    QTest::newRow("backlog -1 -> somaxconn 64 (holds 65)") << "6.18" << 64 << -1 << -1 << 64 << true;
    QTest::newRow("backlog -1 -> default somaxconn 4096") << "6.18" << -1 << -1 << -1 << 4096 << false;
    QTest::newRow("backlog -2 -> somaxconn 32 (any negative)") << "6.18" << 32 << -2 << -1 << 32 << true;
    QTest::newRow("backlog 0 stays 0 (holds 1)") << "6.18" << -1 << 0 << -1 << 0 << true;
    QTest::newRow("backlog 1000, somaxconn 16 -> 16 (holds 17)") << "6.18" << 16 << 1000 << -1 << 16 << true;
    QTest::newRow("somaxconn 0 -> 0 (holds 1)") << "6.18" << 0 << 128 << -1 << 0 << true;
    QTest::newRow("backlog = somaxconn is not clamped") << "6.18" << 16 << 16 << -1 << 16 << true;
    QTest::newRow("4.15: default somaxconn 128 (backlog 1000 -> 128)")
        << "4.15" << -1 << 1000 << -1 << 128 << true;
    QTest::newRow("4.15: backlog -1 -> 128") << "4.15" << -1 << -1 << -1 << 128 << false;
    QTest::newRow("5.4: default somaxconn 4096 (backlog 1000 stays)")
        << "5.4" << -1 << 1000 << -1 << 1000 << false;
    QTest::newRow("somaxconn read at listen() time only (16, then 4)")
        << "6.18" << 16 << 1000 << 4 << 16 << true;
}

void TestRulesL::rule_L1_backlogClampedBySomaxconn() {
    QFETCH(QString, version);
    QFETCH(int, somaxconn);
    QFETCH(int, backlog);
    QFETCH(int, somaxconnLater);
    QFETCH(int, effective);
    QFETCH(bool, fill);

    const int clients = fill ? effective + 3 : 1;
    ScenarioText text;
    text.version(str(version)).backlog(backlog).clients("c", clients, "0s", "1ms", false);
    if (somaxconn >= 0) text.sysctl("net.core.somaxconn", somaxconn);
    if (somaxconnLater >= 0) text.set("0s", "net.core.somaxconn", std::to_string(somaxconnLater));
    SIMULATE(sim, text);

    const Time check = ms(clients) + ms(100); // every first SYN handled, no retransmission yet (1 s)
    QCOMPARE(sim->history().maxBacklogAt(0, check), I64{effective});
    const std::vector<SsSocket> ss = sim->ssListening(check);
    QCOMPARE(ss.size(), std::size_t{1});
    QCOMPARE(ss[0].sendQ, I64{effective});
    if (fill) {
        QCOMPARE(ss[0].recvQ, I64{effective + 1});
        QCOMPARE(connectedBy(sim->history(), check), effective + 1);
        QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, check), I64{2});
    }
}

void TestRulesL::rule_L2_listenStartsWithEmptyQueues_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("listeners");
    QTest::addColumn<int>("backlog");
    QTest::addColumn<int>("effective");

    QTest::newRow("one listener") << "6.18" << 1 << 128 << 128;
    QTest::newRow("four SO_REUSEPORT listeners") << "6.18" << 4 << 16 << 16;
    QTest::newRow("4.15, backlog clamped to 128") << "4.15" << 1 << 511 << 128;
}

void TestRulesL::rule_L2_listenStartsWithEmptyQueues() {
    QFETCH(QString, version);
    QFETCH(int, listeners);
    QFETCH(int, backlog);
    QFETCH(int, effective);

    ScenarioText text;
    text.version(str(version)).backlog(backlog).listeners(listeners).clients("c", 1, "1s");
    SIMULATE(sim, text);
    const History& h = sim->history();

    QCOMPARE(sim->ssListening(Time()).size(), std::size_t(listeners));
    for (int l = 0; l < listeners; ++l) {
        QVERIFY(h.listenerOpenAt(l, Time()));
        QCOMPARE(h.maxBacklogAt(l, Time()), I64{effective});
        QCOMPARE(h.queueLengthsAt(l, Time()).accept, I64{0});
        QCOMPARE(h.queueLengthsAt(l, Time()).syn, I64{0});
        QVERIFY(h.queueAt(l, QueueKind::Accept, Time()).empty());
        QVERIFY(h.queueAt(l, QueueKind::Syn, Time()).empty());
    }
    // The one connection lands in exactly one of the (empty) accept queues.
    I64 queued = 0;
    for (int l = 0; l < listeners; ++l)
        queued += h.queueLengthsAt(l, sec(2)).accept;
    QCOMPARE(queued, I64{1});
}

void TestRulesL::rule_L3_relistenOnlyUpdatesBacklog_data() {
    QTest::addColumn<int>("backlog");  // the first listen()
    QTest::addColumn<int>("relisten"); // listen() again at 500 ms
    QTest::addColumn<int>("somaxconn");
    QTest::addColumn<int>("effectiveAfter");
    QTest::addColumn<int>("queuedAfterRetransmissions"); // Recv-Q at 1.5 s
    QTest::addColumn<int>("overflowsAt1500ms");
    QTest::addColumn<bool>("viaChangeAt"); // Simulation::changeAt() on a finished run instead of an event

    // 12 clients at 0-11 ms; the ones dropped at first retransmit their SYN at about 1 s.
    QTest::newRow("raise 4 -> 8: room at once for 4 more") << 4 << 8 << 4096 << 8 << 9 << 7 + 3 << false;
    QTest::newRow("lower 8 -> 2: nothing is removed") << 8 << 2 << 4096 << 2 << 9 << 3 + 3 << false;
    QTest::newRow("raise 4 -> 100 with somaxconn 8: clamped again")
        << 4 << 100 << 8 << 8 << 9 << 7 + 3 << false;
    QTest::newRow("listen(fd, -1) again: somaxconn 6") << 4 << -1 << 6 << 6 << 7 << 7 + 5 << false;
    QTest::newRow("raise 4 -> 8 through changeAt()") << 4 << 8 << 4096 << 8 << 9 << 7 + 3 << true;
    QTest::newRow("lower 8 -> 2 through changeAt()") << 8 << 2 << 4096 << 2 << 9 << 3 + 3 << true;
}

void TestRulesL::rule_L3_relistenOnlyUpdatesBacklog() {
    QFETCH(int, backlog);
    QFETCH(int, relisten);
    QFETCH(int, somaxconn);
    QFETCH(int, effectiveAfter);
    QFETCH(int, queuedAfterRetransmissions);
    QFETCH(int, overflowsAt1500ms);
    QFETCH(bool, viaChangeAt);

    ScenarioText text;
    text.backlog(backlog)
        .sysctl("net.core.somaxconn", somaxconn)
        .clients("c", 12, "0s", "1ms", false)
        .until("1800ms");
    if (!viaChangeAt) text.set("500ms", "server.backlog", std::to_string(relisten));
    SIMULATE(sim, text);
    if (viaChangeAt) {
        const std::optional<std::string> refused =
            sim->changeAt(ms(500), "server.backlog", std::to_string(relisten));
        QVERIFY2(!refused, refused ? refused->c_str() : "");
    }
    const History& h = sim->history();

    const I64 queuedBefore = std::min(backlog + 1, 12);
    QCOMPARE(h.queueLengthsAt(0, ms(499)).accept, queuedBefore);
    // The new backlog takes effect at once; the queue itself is untouched.
    QCOMPARE(h.maxBacklogAt(0, ms(500)), I64{effectiveAfter});
    QCOMPARE(h.queueLengthsAt(0, ms(500)).accept, queuedBefore);
    QCOMPARE(sim->ssListening(ms(500)).at(0).sendQ, I64{effectiveAfter});
    QVERIFY(h.listenerOpenAt(0, ms(500)));
    QCOMPARE(h.queueLengthsAt(0, ms(1500)).accept, I64{queuedAfterRetransmissions});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, ms(1500)), I64{overflowsAt1500ms});
}

QTEST_APPLESS_MAIN(TestRulesL)
#include "tst_rules_L_listen.moc"
