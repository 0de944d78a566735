// KERNEL.md section 3, P — accept(), poll and wake-ups (thundering herd): accept() takes the head,
// blocking accept() wakes one in FIFO order, epoll wakes every idle watcher, switching accept modes.
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

class TestRulesP : public QObject {
    Q_OBJECT

  private slots:
    // P — accept() and wake-ups
    void rule_P1_acceptTakesTheHead_data();
    void rule_P1_acceptTakesTheHead();
    void rule_P2_blockingAcceptWakesOneInFifoOrder_data();
    void rule_P2_blockingAcceptWakesOneInFifoOrder();
    void rule_P3_epollWakesEveryIdleWatcher_data();
    void rule_P3_epollWakesEveryIdleWatcher();
    void rule_P_switchingAcceptModeKeepsAccepting_data();
    void rule_P_switchingAcceptModeKeepsAccepting();
};

// ============================================================================================ P

void TestRulesP::rule_P1_acceptTakesTheHead_data() {
    QTest::addColumn<bool>("lateCompleter");
    QTest::newRow("connect order") << false;
    QTest::newRow("a late completer joins the tail") << true;
}

void TestRulesP::rule_P1_acceptTakesTheHead() {
    QFETCH(bool, lateCompleter);

    ScenarioText text;
    text.rtt("1ms").backlog(8).workers(1, "blocking", "100ms", "2s");
    if (lateCompleter)
        text.clients("late", 1, "0s", "1ms", false).fault("client-acks", "late", "0s", "300ms");
    text.clients("c", 4, "100ms", "10ms", false);
    SIMULATE(sim, text);
    const History& h = sim->history();

    std::vector<QueueEntry> queued = stays(h, 0, QueueKind::Accept);
    QCOMPARE(queued.size(), h.clients.size());
    std::sort(queued.begin(), queued.end(),
              [](const QueueEntry& a, const QueueEntry& b) { return a.entered < b.entered; });
    if (lateCompleter) QCOMPARE(queued.back().flow, FlowId{0}); // completed at about 1 s, after the others
    // One worker, 100 ms per connection: accept() returns them in the order they entered.
    for (std::size_t k = 0; k < queued.size(); ++k) {
        QCOMPARE(queued[k].reason, LeaveReason::Accepted);
        QCOMPARE(h.clients[queued[k].flow].acceptedAt, queued[k].left);
        QCOMPARE(queued[k].left, sec(2) + ms(100) * I64(k));
    }
}

void TestRulesP::rule_P2_blockingAcceptWakesOneInFifoOrder_data() {
    QTest::addColumn<int>("workers");
    QTest::addColumn<int>("clients");
    QTest::addColumn<QString>("spacing");
    QTest::addColumn<QString>("service");
    QTest::addColumn<QList<int>>("expectedWorker"); // per client

    QTest::newRow("three sleepers: the longest waiter first") << 3 << 3 << "100ms"
                                                              << "10s" << QList<int>{0, 1, 2};
    QTest::newRow("re-queued at the tail: round robin") << 3 << 7 << "100ms"
                                                        << "50ms" << QList<int>{0, 1, 2, 0, 1, 2, 0};
    QTest::newRow("more connections than sleepers") << 2 << 4 << "1ms"
                                                    << "1s" << QList<int>{0, 1, 0, 1};
}

void TestRulesP::rule_P2_blockingAcceptWakesOneInFifoOrder() {
    QFETCH(int, workers);
    QFETCH(int, clients);
    QFETCH(QString, spacing);
    QFETCH(QString, service);
    QFETCH(QList<int>, expectedWorker);

    ScenarioText text;
    text.workers(workers, "blocking", str(service)).clients("c", clients, "0s", str(spacing), true);
    SIMULATE(sim, text);
    const History& h = sim->history();

    const std::map<FlowId, int> served = servedBy(h);
    for (int c = 0; c < clients; ++c) {
        const auto it = served.find(static_cast<FlowId>(c));
        QVERIFY(it != served.end());
        QCOMPARE(it->second, expectedWorker[c]);
    }
    // Wake-one: nobody is ever woken for nothing.
    QCOMPARE(h.wastedWakeupsUntil(0, kEnd), I64{0});
    for (const backlog::WorkerRecord& w : h.workers)
        for (const backlog::WorkerRecord::Change& c : w.changes)
            QVERIFY(c.state != WorkerState::WokenForNothing);
}

void TestRulesP::rule_P3_epollWakesEveryIdleWatcher_data() {
    QTest::addColumn<QString>("accept");
    QTest::addColumn<int>("workers");
    QTest::addColumn<int>("clients");
    QTest::addColumn<int>("wasted");

    QTest::newRow("epoll, 4 idle loops: 3 wasted per connection") << "epoll" << 4 << 5 << 15;
    QTest::newRow("epoll, 8 idle loops: 7 wasted per connection") << "epoll" << 8 << 3 << 21;
    QTest::newRow("epoll, 1 loop: none wasted") << "epoll" << 1 << 5 << 0;
    QTest::newRow("EPOLLEXCLUSIVE, 4 loops: none wasted") << "epoll-exclusive" << 4 << 5 << 0;
    QTest::newRow("blocking accept, 4 workers: none wasted") << "blocking" << 4 << 5 << 0;
}

void TestRulesP::rule_P3_epollWakesEveryIdleWatcher() {
    QFETCH(QString, accept);
    QFETCH(int, workers);
    QFETCH(int, clients);
    QFETCH(int, wasted);

    ScenarioText text;
    text.workers(workers, str(accept), "1ms").clients("c", clients, "0s", "100ms", true);
    SIMULATE(sim, text);
    const History& h = sim->history();

    QCOMPARE(h.wastedWakeupsUntil(0, kEnd), I64{wasted});
    const std::map<FlowId, int> served = servedBy(h);
    QCOMPARE(served.size(), std::size_t(clients));
    for (FlowId c = 0; c < static_cast<FlowId>(clients); ++c) {
        QVERIFY(!h.clients[c].acceptedAt.isNever());
        // Each connection's herd is over within a millisecond of its arrival.
        QCOMPARE(h.wastedWakeupsUntil(0, h.clients[c].acceptedAt + ms(1)),
                 I64{wasted / clients} * I64(c + 1));
    }
}

// The application switches how its workers wait, mid-run (a lesson comparing Apache and NGINX): idle
// workers re-register at once, nothing is left in the queue, and the herd appears only under epoll.
void TestRulesP::rule_P_switchingAcceptModeKeepsAccepting_data() {
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    QTest::addColumn<bool>("herdAfter");
    QTest::newRow("blocking → epoll") << "blocking"
                                      << "epoll" << true;
    QTest::newRow("epoll → blocking") << "epoll"
                                      << "blocking" << false;
    QTest::newRow("blocking → epoll-exclusive") << "blocking"
                                                << "epoll-exclusive" << false;
    QTest::newRow("epoll-exclusive → epoll") << "epoll-exclusive"
                                             << "epoll" << true;
}

void TestRulesP::rule_P_switchingAcceptModeKeepsAccepting() {
    QFETCH(QString, from);
    QFETCH(QString, to);
    QFETCH(bool, herdAfter);
    ScenarioText text;
    text.workers(4, str(from), "50ms")
        .clients("c", 40, "0s", "100ms", true)
        .set("2.05s", "server.workers.accept", str(to));
    SIMULATE(sim, text);
    const History& h = sim->history();
    for (FlowId c = 0; c < 40; ++c)
        QVERIFY2(!h.clients[c].acceptedAt.isNever(), qPrintable(QString::number(c)));
    const bool herdBefore = from == QLatin1String("epoll");
    const Time change = Time::ms(2050);
    QCOMPARE(h.wastedWakeupsUntil(0, change) > 0, herdBefore);
    QCOMPARE(h.wastedWakeupsUntil(0, kEnd) - h.wastedWakeupsUntil(0, change) > 0, herdAfter);
    // After the switch every idle worker waits the new way.
    const WorkerState idle =
        to == QLatin1String("blocking") ? WorkerState::BlockedInAccept : WorkerState::InEpollWait;
    for (std::uint32_t w = 0; w < 4; ++w)
        QCOMPARE(h.workerAt(w, Time::s(2) + Time::ms(99)).state, idle);
}

QTEST_APPLESS_MAIN(TestRulesP)
#include "tst_rules_P_accept.moc"
