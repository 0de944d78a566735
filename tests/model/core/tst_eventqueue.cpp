// The event queue hands out events in (time, order) order whatever lane they were pushed to, and
// interleaved pushes and pops never go back in time (STYLE.md: total, deterministic event order).
#include "model/core/EventQueue.h"
#include "model/core/Rng.h"
#include "model/kernel/Engine.h" // the model's EventType

#include <QTest>

#include <algorithm>
#include <vector>

using backlog::Event;
using backlog::EventQueue;
using backlog::Rng;
using backlog::Time;

class TestEventQueue : public QObject {
    Q_OBJECT
  private slots:
    void popsInTimeThenOrder_data();
    void popsInTimeThenOrder();
    void interleavedPushAndPopNeverGoBack();
    void popIfNotAfterStopsAtTheLimit();
};

void TestEventQueue::popsInTimeThenOrder_data() {
    QTest::addColumn<int>("lanes");      // how many lanes the pushes use (0: all to the heap)
    QTest::addColumn<bool>("monotonic"); // pushes in non-decreasing time within each lane
    QTest::newRow("heap only") << 0 << false;
    QTest::newRow("one lane, in order") << 1 << true;
    QTest::newRow("all lanes, in order") << int(EventQueue::kLanes) << true;
    QTest::newRow("all lanes, out of order (falls back to the heap)") << int(EventQueue::kLanes) << false;
}

void TestEventQueue::popsInTimeThenOrder() {
    QFETCH(int, lanes);
    QFETCH(bool, monotonic);
    Rng rng(11);
    EventQueue q;
    std::vector<Event> pushed;
    std::vector<std::int64_t> laneTime(EventQueue::kLanes, 0);
    for (std::uint64_t seq = 0; seq < 20000; ++seq) {
        const std::size_t lane = lanes == 0
                                     ? EventQueue::kNoLane
                                     : static_cast<std::size_t>(rng.below(static_cast<std::uint64_t>(lanes)));
        std::int64_t at = static_cast<std::int64_t>(rng.below(1000));
        if (monotonic && lane < EventQueue::kLanes)
            at = laneTime[lane] += static_cast<std::int64_t>(rng.below(3));
        // Equal times are frequent: the order key must break the ties.
        const Event e{Time::ns(at), rng.below(4) << 60 | seq, static_cast<std::uint32_t>(seq), 0,
                      backlog::EventType::Arrival};
        q.push(e, lane);
        pushed.push_back(e);
    }
    std::sort(pushed.begin(), pushed.end(), [](const Event& a, const Event& b) { return b > a; });
    QCOMPARE(q.size(), pushed.size());
    for (const Event& expected : pushed) {
        const Event got = q.pop();
        QCOMPARE(got.target, expected.target);
    }
    QVERIFY(q.empty());
}

void TestEventQueue::interleavedPushAndPopNeverGoBack() {
    Rng rng(5);
    EventQueue q;
    std::int64_t now = 0;
    std::uint64_t seq = 0;
    for (int i = 0; i < 50000; ++i) {
        const int pushes = static_cast<int>(rng.below(3));
        for (int k = 0; k < pushes; ++k) {
            const std::size_t lane = static_cast<std::size_t>(rng.below(EventQueue::kLanes + 1));
            const std::int64_t delay = lane == EventQueue::kNoLane
                                           ? static_cast<std::int64_t>(rng.below(5000))
                                           : static_cast<std::int64_t>(lane) * 100;
            q.push({Time::ns(now + delay), (2ULL << 62) | seq, static_cast<std::uint32_t>(seq), 0,
                    backlog::EventType::Arrival},
                   lane);
            ++seq;
        }
        if (!q.empty()) {
            const Event e = q.pop();
            QVERIFY(e.at.count() >= now);
            now = e.at.count();
        }
    }
}

void TestEventQueue::popIfNotAfterStopsAtTheLimit() {
    EventQueue q;
    for (std::uint32_t i = 0; i < 10; ++i)
        q.push({Time::ms(i), i, i, 0, backlog::EventType::Arrival}, i % 2 ? 0 : EventQueue::kNoLane);
    Event e{};
    int taken = 0;
    while (q.popIfNotAfter(Time::ms(4), e))
        ++taken;
    QCOMPARE(taken, 5);
    QCOMPARE(q.top().at, Time::ms(5));
    QCOMPARE(q.size(), std::size_t{5});
}

QTEST_APPLESS_MAIN(TestEventQueue)
#include "tst_eventqueue.moc"
