// KERNEL.md section 3, P — accept(), poll and wake-ups (thundering herd), with M20's measurements:
// accept() takes the head, blocking accept() wakes one in FIFO order, epoll wakes every idle loop and most
// losers sleep again inside epoll_wait(), EPOLLEXCLUSIVE wakes the first-registered idle loop, threads on
// a shared epoll fd are woken LIFO, an event loop that blocks behaves like accept(), switching modes.
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
#include <tuple>
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
    void rule_P2_M20_aWorkerStraightBackTakesTheQueueFirst();
    void rule_P3_epollWakesEveryIdleWatcher_data();
    void rule_P3_epollWakesEveryIdleWatcher();
    void rule_P3_M20_mostLosersSleepAgainInsideEpollWait_data();
    void rule_P3_M20_mostLosersSleepAgainInsideEpollWait();
    void rule_P3_M20_theLastRegisteredLoopWinsTheFirstHerd_data();
    void rule_P3_M20_theLastRegisteredLoopWinsTheFirstHerd();
    void rule_P3_M20_exclusiveWakesTheFirstRegisteredIdleLoop_data();
    void rule_P3_M20_exclusiveWakesTheFirstRegisteredIdleLoop();
    void rule_P3_M20_anExclusiveRushWakesMoreLoopsThanAccept();
    void rule_P3_M20_threadsSharingAnEpollFdAreWokenLifo_data();
    void rule_P3_M20_threadsSharingAnEpollFdAreWokenLifo();
    void rule_M20_aBlockingEventLoopBehavesLikeAccept_data();
    void rule_M20_aBlockingEventLoopBehavesLikeAccept();
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
    // Wake-one, and every sleeper runs before anyone else can take its connection: one wake-up per
    // connection, none of them futile.
    QCOMPARE(h.wastedWakeupsUntil(0, kEnd), I64{0});
    I64 wakeups = 0;
    for (std::uint32_t w = 0; w < h.workers.size(); ++w) {
        wakeups += h.workerCountsUntil(w, kEnd).wakeups;
        for (const backlog::WorkerRecord::Change& c : h.workers[w].changes)
            QVERIFY(c.state != WorkerState::SleptAgain && c.state != WorkerState::GotEagain);
    }
    QVERIFY(wakeups <= clients);
}

// M20: "a worker that comes straight back to accept() (no service time) takes what is queued before the
// sleepers it woke get to run". The woken sleeper finds the queue empty in inet_csk_wait_for_connect()
// and sleeps again: a futile wake-up that never reaches user space.
void TestRulesP::rule_P2_M20_aWorkerStraightBackTakesTheQueueFirst() {
    ScenarioText text;
    text.workers(2, "blocking", "0s").clients("burst", 6, "0s", "1us", true);
    SIMULATE(sim, text);
    const History& h = sim->history();
    I64 futile = 0, eagain = 0, accepted = 0;
    for (std::uint32_t w = 0; w < 2; ++w) {
        const backlog::WorkerCounts n = h.workerCountsUntil(w, kEnd);
        futile += n.futile;
        eagain += n.eagain;
        accepted += n.accepted;
    }
    QCOMPARE(accepted, I64{6});
    QVERIFY2(futile > 0, "a sleeper woken for a connection the other worker already took");
    QCOMPARE(eagain, I64{0}); // blocking accept() never returns EAGAIN: it sleeps again
    QCOMPARE(h.wastedWakeupsUntil(0, kEnd), futile);
    // Worker 0 ran first and, coming straight back, took more than its turn.
    QVERIFY(h.workerCountsUntil(0, kEnd).accepted > 3);
}

void TestRulesP::rule_P3_epollWakesEveryIdleWatcher_data() {
    QTest::addColumn<QString>("accept");
    QTest::addColumn<int>("workers");
    QTest::addColumn<int>("clients");
    QTest::addColumn<int>("wasted");

    QTest::newRow("epoll, 4 idle loops: 3 futile per connection") << "epoll" << 4 << 5 << 15;
    QTest::newRow("epoll, 8 idle loops: 7 futile per connection") << "epoll" << 8 << 3 << 21;
    QTest::newRow("epoll, 1 loop: none futile") << "epoll" << 1 << 5 << 0;
    QTest::newRow("EPOLLEXCLUSIVE, 4 loops: none futile") << "epoll-exclusive" << 4 << 5 << 0;
    QTest::newRow("blocking accept, 4 workers: none futile") << "blocking" << 4 << 5 << 0;
}

// P3: without EPOLLEXCLUSIVE every idle loop is woken for every connection (the herd is real): W wake-ups,
// one of which accepts, W − 1 futile (M20: 6 connections, W = 4: 24 wake-ups, 18 futile).
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
    I64 wakeups = 0, futile = 0;
    for (std::uint32_t w = 0; w < h.workers.size(); ++w) {
        wakeups += h.workerCountsUntil(w, kEnd).wakeups;
        futile += h.workerCountsUntil(w, kEnd).futile;
    }
    QCOMPARE(futile, I64{wasted});
    QCOMPARE(wakeups, I64{clients} + wasted);
    const std::map<FlowId, int> served = servedBy(h);
    QCOMPARE(served.size(), std::size_t(clients));
    for (FlowId c = 0; c < static_cast<FlowId>(clients); ++c) {
        QVERIFY(!h.clients[c].acceptedAt.isNever());
        QCOMPARE(h.clients[c].worker, served.at(c));
        // Each connection's herd is over within a millisecond of its arrival.
        QCOMPARE(h.wastedWakeupsUntil(0, h.clients[c].acceptedAt + ms(1)),
                 I64{wasted / clients} * I64(c + 1));
    }
}

// Wake-ups of all workers in [from, to): (all, futile, EAGAIN).
std::tuple<I64, I64, I64> wakeupsIn(const History& h, Time from, Time to) {
    I64 all = 0, futile = 0, eagain = 0;
    for (std::uint32_t w = 0; w < h.workers.size(); ++w) {
        const backlog::WorkerCounts a = h.workerCountsUntil(w, from - Time::ns(1));
        const backlog::WorkerCounts b = h.workerCountsUntil(w, to - Time::ns(1));
        all += b.wakeups - a.wakeups;
        futile += b.futile - a.futile;
        eagain += b.eagain - a.eagain;
    }
    return {all, futile, eagain};
}

void TestRulesP::rule_P3_M20_mostLosersSleepAgainInsideEpollWait_data() {
    QTest::addColumn<int>("loops");
    QTest::addColumn<int>("seed");
    QTest::newRow("4 loops") << 4 << 1;
    QTest::newRow("4 loops, seed 2") << 4 << 2;
    QTest::newRow("8 loops") << 8 << 1;
    QTest::newRow("8 loops, seed 3") << 8 << 3;
}

// M20: the losers' epoll_wait() re-polls the listener, finds the queue already empty and sleeps again
// inside the call; only 0-2 losers a connection return to user space and get EAGAIN, none for most
// connections with W = 4.
void TestRulesP::rule_P3_M20_mostLosersSleepAgainInsideEpollWait() {
    QFETCH(int, loops);
    QFETCH(int, seed);
    constexpr int kClients = 60;
    ScenarioText text;
    text.workers(loops, "epoll", "1ms").clients("c", kClients, "0s", "100ms", true).seed(seed);
    SIMULATE(sim, text);
    const History& h = sim->history();
    int withoutEagain = 0, atMostTwo = 0;
    I64 eagainAll = 0;
    for (int c = 0; c < kClients; ++c) {
        const Time from = ms(100) * I64(c);
        const auto [all, futile, eagain] = wakeupsIn(h, from, from + ms(50));
        QCOMPARE(all, I64{loops});
        QCOMPARE(futile, I64{loops - 1});
        atMostTwo += eagain <= 2 ? 1 : 0;
        withoutEagain += eagain == 0 ? 1 : 0;
        eagainAll += eagain;
    }
    // The measurement saw 0-2 in a handful of connections; the model's wake-up order is a seeded draw, so
    // over 60 connections a third loser may slip into the window now and then (one in 30 here).
    QVERIFY2(atMostTwo * 20 >= kClients * 19,
             qPrintable(QStringLiteral("%1 of %2 with 0-2 EAGAIN").arg(atMostTwo).arg(kClients)));
    if (loops == 4) QVERIFY2(withoutEagain * 2 > kClients, "most connections: no loser reaches user space");
    QVERIFY2(eagainAll > 0, "but some losers do return and get EAGAIN");
    // The two kinds are what the stage shows.
    bool sawSleptAgain = false;
    for (const backlog::WorkerRecord& w : h.workers)
        for (const backlog::WorkerRecord::Change& c : w.changes)
            sawSleptAgain = sawSleptAgain || c.state == WorkerState::SleptAgain;
    QVERIFY(sawSleptAgain);
}

void TestRulesP::rule_P3_M20_theLastRegisteredLoopWinsTheFirstHerd_data() {
    QTest::addColumn<int>("loops");
    QTest::addColumn<int>("seed");
    for (int loops : {4, 8})
        for (int seed : {1, 2, 3})
            QTest::addRow("%d loops, seed %d", loops, seed) << loops << seed;
}

// M20: plain entries sit at the head of the wait queue, newest first, so the loop that registered last
// wins an isolated connection when nothing has run yet; after the first connection no order holds.
void TestRulesP::rule_P3_M20_theLastRegisteredLoopWinsTheFirstHerd() {
    QFETCH(int, loops);
    QFETCH(int, seed);
    ScenarioText text;
    text.workers(loops, "epoll", "1ms").clients("c", 30, "0s", "100ms", true).seed(seed);
    SIMULATE(sim, text);
    const History& h = sim->history();
    QCOMPARE(h.clients[0].worker, loops - 1);
    std::set<int> winners;
    for (std::size_t c = 1; c < h.clients.size(); ++c)
        winners.insert(h.clients[c].worker);
    QVERIFY2(winners.size() >= 3, "no fixed order after the first connection");
}

void TestRulesP::rule_P3_M20_exclusiveWakesTheFirstRegisteredIdleLoop_data() {
    QTest::addColumn<QString>("eventLoop");
    QTest::addColumn<QList<int>>("expectedWorker");
    // Isolated connections, all loops idle: loop 0 takes every one (6 of 6, every run).
    QTest::newRow("async loops: loop 0 takes all") << "async" << QList<int>{0, 0, 0, 0, 0, 0};
    // Loops that stay busy for the 250 ms service: the busy ones are skipped.
    QTest::newRow("busy loops are skipped") << "blocking" << QList<int>{0, 1, 2, 0, 1, 2};
}

// P3 with EPOLLEXCLUSIVE: exclusive entries are added at the tail, so the wake-up goes to the
// first-registered instance that has a waiter, one wake-up per connection, nothing futile (M20).
void TestRulesP::rule_P3_M20_exclusiveWakesTheFirstRegisteredIdleLoop() {
    QFETCH(QString, eventLoop);
    QFETCH(QList<int>, expectedWorker);
    ScenarioText text;
    text.workers(3, "epoll-exclusive", "250ms")
        .workerKey("event_loop", str(eventLoop))
        .clients("c", 6, "0s", "100ms", true);
    SIMULATE(sim, text);
    const History& h = sim->history();
    for (std::size_t c = 0; c < h.clients.size(); ++c)
        QCOMPARE(h.clients[c].worker, expectedWorker[static_cast<qsizetype>(c)]);
    const auto [all, futile, eagain] = wakeupsIn(h, Time(), kEnd);
    QCOMPARE(all, I64{6});
    QCOMPARE(futile, I64{0});
    QCOMPARE(eagain, I64{0});
}

// M20: "in a rush, more loops wake than accept (the first woken loop drains the queue while the next
// exclusive wake-up goes to another idle loop): 2-7 futile wake-ups for 8 connections, one loop taking
// most of them". Eight connections a microsecond apart, eight loops whose accept costs a microsecond.
void TestRulesP::rule_P3_M20_anExclusiveRushWakesMoreLoopsThanAccept() {
    for (int seed = 1; seed <= 5; ++seed) {
        ScenarioText text;
        text.workers(8, "epoll-exclusive", "10ms")
            .workerKey("accept_cost", "1us")
            .clients("rush", 8, "0s", "1us", true)
            .seed(seed);
        SIMULATE(sim, text);
        const History& h = sim->history();
        const auto [all, futile, eagain] = wakeupsIn(h, Time(), kEnd);
        Q_UNUSED(eagain);
        QVERIFY2(all > 8 - futile, "more loops woken than accepted after a wake-up");
        QVERIFY2(futile >= 2 && futile <= 7,
                 qPrintable(QStringLiteral("seed %1: %2 futile").arg(seed).arg(futile)));
        I64 most = 0;
        for (std::uint32_t w = 0; w < 8; ++w)
            most = std::max(most, h.workerCountsUntil(w, kEnd).accepted);
        QVERIFY2(most >= 4,
                 qPrintable(QStringLiteral("seed %1: the busiest loop took %2 of 8").arg(seed).arg(most)));
    }
}

void TestRulesP::rule_P3_M20_threadsSharingAnEpollFdAreWokenLifo_data() {
    QTest::addColumn<int>("threads");
    QTest::addColumn<int>("seed");
    QTest::newRow("8 threads") << 8 << 1;
    QTest::newRow("8 threads, seed 2") << 8 << 2;
    QTest::newRow("4 threads") << 4 << 1;
}

// M20: threads blocked in epoll_wait() on one shared fd sleep exclusively at the head of ep->wq, so the
// most recent waiter wins (LIFO): the last thread to enter epoll_wait() takes the first connection and
// threads 0-4 of 8 never accept anything. The level-triggered event put back on the ready list wakes
// another thread: 2-4 woken per connection.
void TestRulesP::rule_P3_M20_threadsSharingAnEpollFdAreWokenLifo() {
    QFETCH(int, threads);
    QFETCH(int, seed);
    constexpr int kClients = 40;
    ScenarioText text;
    text.workers(threads, "epoll-shared", "1ms").clients("c", kClients, "0s", "100ms", true).seed(seed);
    SIMULATE(sim, text);
    const History& h = sim->history();
    QCOMPARE(h.clients[0].worker, threads - 1);
    // Only the two most recent waiters ever win (of 8: threads 0-5 never accept anything).
    for (const ClientRecord& c : h.clients)
        QVERIFY2(c.worker >= threads - 2, qPrintable(QStringLiteral("accepted by %1").arg(c.worker)));
    for (int c = 0; c < kClients; ++c) {
        const Time from = ms(100) * I64(c);
        const auto [all, futile, eagain] = wakeupsIn(h, from, from + ms(50));
        QVERIFY2(all >= 2 && all <= 4, qPrintable(QStringLiteral("connection %1: %2 woken").arg(c).arg(all)));
        QCOMPARE(futile, all - 1);
        Q_UNUSED(eagain);
    }
}

void TestRulesP::rule_M20_aBlockingEventLoopBehavesLikeAccept_data() {
    QTest::addColumn<QString>("accept");
    QTest::newRow("epoll") << "epoll";
    QTest::newRow("epoll-exclusive") << "epoll-exclusive";
    QTest::newRow("epoll-shared") << "epoll-shared";
}

// M20: "an event loop whose worker is busy for the whole service time behaves like blocking accept():
// one connection per idle worker per round". A rush of 8 against 4 loops that each serve 1 s: four are
// accepted at once, four wait in the accept queue for the next round, as with blocking accept().
void TestRulesP::rule_M20_aBlockingEventLoopBehavesLikeAccept() {
    QFETCH(QString, accept);
    const auto run = [](const std::string& mode, const std::string& loop) {
        ScenarioText text;
        text.workers(4, mode, "1s").clients("rush", 8, "0s", "1us", true);
        if (!loop.empty()) text.workerKey("event_loop", loop);
        return simulate(text);
    };
    const std::unique_ptr<Simulation> loops = run(str(accept), "blocking");
    const std::unique_ptr<Simulation> threads = run("blocking", "");
    QVERIFY(loops && threads);
    for (const Simulation* sim : {loops.get(), threads.get()}) {
        const History& h = sim->history();
        QCOMPARE(h.queueLengthsAt(0, ms(500)).accept, I64{4});
        int firstRound = 0;
        for (const ClientRecord& c : h.clients)
            firstRound += c.acceptedAt < ms(10) ? 1 : 0;
        QCOMPARE(firstRound, 4);
        for (std::uint32_t w = 0; w < 4; ++w)
            QCOMPARE(h.workerCountsUntil(w, kEnd).accepted, I64{2});
    }
    // Async loops, for contrast, take the whole rush at once.
    const std::unique_ptr<Simulation> async = run(str(accept), "async");
    QVERIFY(async);
    QCOMPARE(async->history().queueLengthsAt(0, ms(500)).accept, I64{0});
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
    QTest::newRow("epoll → epoll-shared") << "epoll"
                                          << "epoll-shared" << true;
    QTest::newRow("epoll-shared → blocking") << "epoll-shared"
                                             << "blocking" << false;
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
    // Futile wake-ups: the herd under plain epoll; the level-triggered chain on a shared fd (M20).
    const bool herdBefore = from == QLatin1String("epoll") || from == QLatin1String("epoll-shared");
    const Time change = Time::ms(2050);
    QCOMPARE(h.wastedWakeupsUntil(0, change) > 0, herdBefore);
    QCOMPARE(h.wastedWakeupsUntil(0, kEnd) - h.wastedWakeupsUntil(0, change) > 0, herdAfter);
    // After the switch every idle worker waits the new way (or shows how its last wake-up ended).
    const WorkerState idle =
        to == QLatin1String("blocking") ? WorkerState::BlockedInAccept : WorkerState::InEpollWait;
    for (std::uint32_t w = 0; w < 4; ++w) {
        const WorkerState st = h.workerAt(w, Time::s(2) + Time::ms(99)).state;
        QVERIFY2(st == idle || st == WorkerState::SleptAgain || st == WorkerState::GotEagain,
                 backlog::workerStateName(st).data());
    }
}

QTEST_APPLESS_MAIN(TestRulesP)
#include "tst_rules_P_accept.moc"
