// The limits that guard a scenario hold for the run as it is changed (issue 11, "Bounded work"): every
// change through Simulation::changeAt (a lesson step's set:, a start of held traffic, a close of a
// listener, the window's Parameters) is held to the caps of a scenario file and refused with the limit
// named; a lesson step's refusal carries the step's FILE:LINE:COL; a scenario beyond the limits (a
// lesson after --set) does not run; and the total work of a run is bounded (Limits::maxEvents,
// maxHistoryBytes, maxHerdWakeups): big combinations within the per-key limits finish or are refused
// with the limit named. Timings are printed for information only; none is a pass or a fail.
// moc (Qt 6.4) fails on libstdc++'s <compare> when it is the first standard header it meets (Time.h
// includes it first); moc only needs the test class below.
#ifndef Q_MOC_RUN
#include "tests/common/ModelTest.h"

#include "model/lesson/LessonRun.h"
#include "model/scenario/Settings.h"
#include "model/tools/Report.h"
#endif

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTest>

#include <cstdlib>

using namespace backlog;
using namespace backlog::test;

namespace {

// A server and three traffic entries: a 10 s flood of 1000 SYN/s, ten users, and `late` (1000 clients a
// minute apart, 999 minutes in all: it fits in a run only if it starts before 441 minutes).
const std::string kScenario = R"(
kernel: { version: "6.18" }
server: { backlog: 128, listeners: 1, workers: { count: 2, accept: blocking, service: 1ms } }
traffic:
  - { name: attack, flood: { rate: 1000/s, from: 0s, to: 10s } }
  - { name: users, clients: 10, at: 0s, spacing: 100ms }
  - { name: late, clients: 1000, at: 0s, spacing: 60s }
seed: 7
until: 30s
)";

// The same scenario as a lesson; its steps begin on line 12 (`$STEPS`).
std::string lessonWith(const std::string& steps) {
    return "format: backlog-lesson/1\n"                                                          // 1
           "title: limits\n"                                                                     // 2
           "scenario:\n"                                                                         // 3
           "  server: { backlog: 128, workers: { count: 2, accept: blocking, service: 1ms } }\n" // 4
           "  traffic:\n"                                                                        // 5
           "    - { name: attack, flood: { rate: 1000/s, from: 0s, to: 10s } }\n"                // 6
           "    - { name: users, clients: 10, at: 0s, spacing: 100ms }\n"                        // 7
           "    - { name: late, clients: 1000, at: 0s, spacing: 60s }\n"                         // 8
           "  seed: 7\n"                                                                         // 9
           "steps:\n"                                                                            // 10
           "  - { at: 0s, say: the start }\n"                                                    // 11
           + steps +                                                                             // 12 …
           "expect: []\n";
}

// One change: "AT KEY VALUE", e.g. "1s traffic.attack.rate 10000000/s".
struct Change {
    Time at;
    std::string key;
    std::string value;
};

Change changeOf(const QString& text) {
    const QStringList parts = text.split(' ');
    Q_ASSERT(parts.size() == 3);
    const Parsed<Time> at = parseDuration(parts[0].toStdString());
    Q_ASSERT(at.value);
    return {*at.value, parts[1].toStdString(), parts[2].toStdString()};
}

QByteArray text(const std::optional<std::string>& s) {
    return s ? QByteArray::fromStdString(*s) : QByteArray("(nothing)");
}

double ms(const QElapsedTimer& timer) {
    return static_cast<double>(timer.nsecsElapsed()) / 1e6;
}

std::string shippedLesson(const QString& file) {
    QFile f(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/") + file);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll().toStdString();
}

} // namespace

class tst_limits : public QObject {
    Q_OBJECT

  private slots:
    // Each cap, through changeAt: the changes before the last are accepted, the last is refused with
    // the limit named, and the run is left as it was.
    void changeAt_data();
    void changeAt();
    // Each cap, through a lesson step: a problem at the step's FILE:LINE:COL that names the limit.
    void lessonStep_data();
    void lessonStep();
    // `--set` on a lesson (applied after reading, as `backlog simulate LESSON --set` does): the
    // Simulation refuses a scenario beyond the limits itself, and LessonRun says so.
    void lessonWithSetBeyondLimits();
    // A scenario made in code beyond the limits is refused whole: time 0 only, nothing simulated.
    void refusedScenario();
    // The event budget stops a run between two events, with the limit named; nothing moves until the
    // budget is renewed, and the run then goes on to exactly the run an unbounded budget makes.
    void budgetStopsCleanly();
    // The budget counts re-simulations after cuts too; a lesson's stop is reported once, at the step.
    void budgetCountsResimulations();
    // Combinations within the per-key limits: they finish, or are refused with the limit named.
    void bigCombination_data();
    void bigCombination();
    // 500 lesson steps that each change a setting during a flood.
    void manySteps_data();
    void manySteps();
    // A flood's rate changed while it sends: it goes on at the new rate from then (the next SYN once fell
    // before now: time went backwards, and a raised rate sent every SYN it "owed" since the start at once).
    void floodRateChangedDuringIt_data();
    void floodRateChangedDuringIt();
    // The shipped lessons are far inside every limit: none stops.
    void shippedLessonsUnaffected();
};

// ------------------------------------------------------------------------------------------------ changeAt

void tst_limits::changeAt_data() {
    QTest::addColumn<QStringList>("accepted"); // changes made first, each accepted
    QTest::addColumn<QString>("refused");      // the change refused
    QTest::addColumn<QString>("message");      // what its message must contain

    QTest::newRow("flood rate")
        << QStringList{} << "1s traffic.attack.rate 10000000/s"
        << "traffic.attack.rate: the floods send 100000000 SYNs in all (rate × (to − from)), "
           "more than the limit of 50000000";
    QTest::newRow("flood length")
        << QStringList{} << "1s traffic.attack.to 1000min"
        << "the floods send 60000000 SYNs in all (rate × (to − from)), more than the limit of 50000000";
    QTest::newRow("flood length, then its rate")
        << QStringList{"1s traffic.attack.to 20s"} << "2s traffic.attack.rate 3000000/s"
        << "traffic.attack.rate: the floods send 60000000 SYNs in all";
    QTest::newRow("a later change crosses it")
        << QStringList{"5s traffic.attack.to 20s"} << "1s traffic.attack.rate 3000000/s"
        << "traffic.attack.rate: the floods send 60000000 SYNs in all (rate × (to − "
           "from)), more than the limit of 50000000 (with the change of "
           "traffic.attack.to at 5s)";
    QTest::newRow("clients")
        << QStringList{} << "1s traffic.users.clients 999500"
        << "traffic.users.clients: the traffic entries start 1000500 clients in all, more than the "
           "limit of 1000000";
    QTest::newRow("clients, one key alone") << QStringList{} << "1s traffic.users.clients 1000001"
                                            << "1000001 is more than the limit of 1000000";
    QTest::newRow("client span")
        << QStringList{} << "1s traffic.late.spacing 100s"
        << "the last of 1000 clients, one every 100s, would start later than the limit of 1440min";
    QTest::newRow("workers, one key alone") << QStringList{} << "1s server.workers.count 100001"
                                            << "100001 is more than the limit of 100000";
    QTest::newRow("workers started in all")
        << QStringList{"1s server.workers.count 1", "2s server.workers.count 50000"}
        << "3s server.workers.count 1"
        << ""; // lowering starts nothing: accepted (checked below with an empty message)
    QTest::newRow("workers started in all, raised again")
        << QStringList{"1s server.workers.count 1", "2s server.workers.count 60000",
                       "3s server.workers.count 1"}
        << "4s server.workers.count 60000"
        << "server.workers.count: the run would start 120000 workers in all (a raise of server.workers.count "
           "starts new "
           "ones), more than the limit of 100000";
    QTest::newRow("listeners, one key alone") << QStringList{} << "1s server.listeners 257"
                                              << "257 is more than the limit of 256";
    QTest::newRow("listeners opened in all")
        << QStringList{"1s server.listeners 200", "2s server.listeners 1"} << "3s server.listeners 100"
        << "server.listeners: the run would open 299 listeners in all (a raise of server.listeners opens new "
           "ones), more "
           "than the limit of 256";
    QTest::newRow("thundering herd")
        << QStringList{"1s server.workers.count 100000"} << "2s server.workers.accept epoll"
        << "server.workers.accept: 100000 event loops per listener without EPOLLEXCLUSIVE, "
           "each woken for every one of 1010 connections, could be woken 101000000 times "
           "(the thundering herd, P3), more than the limit of 20000000";
    QTest::newRow("thundering herd, loops raised")
        << QStringList{"1s server.workers.accept epoll"} << "2s server.workers.count 30000"
        << "more than the limit of 20000000";
    QTest::newRow("held traffic started late")
        << QStringList{} << "1000min start-traffic late"
        << "start-traffic late: the last of 1000 clients, one every 1min, would start "
           "later than the limit of 1440min";
    QTest::newRow("a change after the longest run")
        << QStringList{} << "1441min server.backlog 64"
        << "a change at 1441min is later than the limit of 1440min";
    QTest::newRow("within every limit")
        << QStringList{"1s traffic.attack.rate 20000/s"} << "2s traffic.users.clients 500000"
        << "";
}

void tst_limits::changeAt() {
    QFETCH(QStringList, accepted);
    QFETCH(QString, refused);
    QFETCH(QString, message);
    std::optional<Scenario> scenario = scenarioOf(kScenario);
    QVERIFY(scenario);
    scenario->traffic[2].held = true; // `late` waits for a start-traffic (a lesson's `start:`)
    Simulation sim(*scenario);
    sim.run();
    QVERIFY(!sim.stopped());
    for (const QString& c : accepted) {
        const Change change = changeOf(c);
        const std::optional<std::string> error = sim.changeAt(change.at, change.key, change.value);
        QVERIFY2(!error, qPrintable(c + ": " + text(error)));
        sim.run();
    }
    const std::string before = jsonReport(sim, sim.history().end);
    const std::size_t events = sim.scenario().events.size();
    const Change change = changeOf(refused);
    const std::optional<std::string> error = sim.changeAt(change.at, change.key, change.value);
    if (message.isEmpty()) {
        QVERIFY2(!error, text(error));
        QVERIFY(!sim.stopped());
        return;
    }
    QVERIFY2(error && error->find(message.toStdString()) != std::string::npos,
             "got: " + text(error) + "\nexpected it to contain: " + message.toUtf8());
    // Refused: nothing of it is in the run.
    QCOMPARE(sim.scenario().events.size(), events);
    QVERIFY(jsonReport(sim, sim.history().end) == before);
    QVERIFY(!sim.stopped());
}

// ------------------------------------------------------------------------------------------------ lesson
// steps

void tst_limits::lessonStep_data() {
    QTest::addColumn<QString>("steps"); // from line 12 on
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message");

    QTest::newRow("flood rate")
        << "  - at: 1s\n"
           "    say: the flood grows\n"
           "    set: { traffic.attack.rate: 10000000/s }\n"
        << 14 << 12
        << "step 2: traffic.attack.rate: the floods send 100000000 SYNs in all (rate × (to − from)), "
           "more than the limit of 50000000";
    QTest::newRow("flood length") << "  - at: 1s\n"
                                     "    say: the flood lasts\n"
                                     "    set: { traffic.attack.to: 1000min }\n"
                                  << 14 << 12
                                  << "step 2: traffic.attack.to: the floods send 60000000 SYNs in all";
    QTest::newRow("clients")
        << "  - at: 2s\n"
           "    say: everyone comes\n"
           "    set: { traffic.users.clients: 999500 }\n"
        << 14 << 12
        << "step 2: traffic.users.clients: the traffic entries start 1000500 clients in all, more "
           "than the limit of 1000000";
    QTest::newRow("held traffic started late")
        << "  - at: 1000min\n"
           "    say: the late ones\n"
           "    start: late\n"
        << 12 << 5
        << "step 2: start-traffic late: the last of 1000 clients, one every 1min, "
           "would start later than the limit of 1440min";
    QTest::newRow("workers started in all")
        << "  - at: 1s\n"
           "    say: fewer\n"
           "    set: { server.workers.count: 1 }\n"
           "  - at: 2s\n"
           "    say: many\n"
           "    set: { server.workers.count: 60000 }\n"
           "  - at: 3s\n"
           "    say: fewer\n"
           "    set: { server.workers.count: 1 }\n"
           "  - at: 4s\n"
           "    say: many again\n"
           "    set: { server.workers.count: 60000 }\n"
        << 23 << 12 << "step 5: server.workers.count: the run would start 120000 workers in all";
    QTest::newRow("thundering herd")
        << "  - at: 1s\n"
           "    say: many workers\n"
           "    set: { server.workers.count: 100000 }\n"
           "  - at: 2s\n"
           "    say: event loops\n"
           "    set: { server.workers.accept: epoll }\n"
        << 17 << 12
        << "step 3: server.workers.accept: 100000 event loops per listener without "
           "EPOLLEXCLUSIVE, each woken for every one of 1010 connections, could be woken "
           "101000000 times (the thundering herd, P3), more than the limit of 20000000";
}

void tst_limits::lessonStep() {
    QFETCH(QString, steps);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, message);
    const LessonReadResult read = readLessonSafely(lessonWith(steps.toStdString()), "limits.yaml");
    for (const ReadError& e : read.errors)
        qWarning("%s", e.text().c_str());
    QVERIFY(read.lesson);
    const LessonRun run(*read.lesson);
    QByteArray all;
    const LessonProblem* found = nullptr;
    for (const LessonProblem& p : run.problems()) {
        const std::string shown = ReadError{"limits.yaml", p.place.line, p.place.column, p.message}.text();
        all += QByteArray::fromStdString(shown) + '\n';
        if (p.message.find(message.toStdString()) != std::string::npos) found = &p;
    }
    QVERIFY2(found, "problems:\n" + all + "expected one containing: " + message.toUtf8());
    QCOMPARE(found->place.line, line);
    QCOMPARE(found->place.column, column);
    QCOMPARE(run.problems().size(), std::size_t{1});
    QVERIFY(!run.simulation().stopped()); // refused changes: the run itself goes on without them
}

void tst_limits::lessonWithSetBeyondLimits() {
    LessonReadResult read = readLessonSafely(lessonWith(""), "limits.yaml");
    QVERIFY(read.lesson);
    // As `backlog simulate LESSON --set …` applies its items: after reading, without the reader's checks.
    SettingsEditor editor(read.lesson->scenario);
    QVERIFY(!editor.apply("traffic.attack.rate", "10000000/s"));
    const LessonRun run(*read.lesson);
    QVERIFY(run.simulation().stopped());
    QCOMPARE(run.problems().size(), std::size_t{1});
    const LessonProblem& p = run.problems().front();
    QCOMPARE(p.place.line, 0); // no place in the file: it came from the command line
    QCOMPARE(QString::fromStdString(p.message),
             QStringLiteral(
                 "the run was refused: traffic.attack: the floods send 100000000 SYNs in all (rate × (to − "
                 "from)), more than the limit of 50000000"));
    // What checkScenario says of it, as the command line can print before running (--set's own message).
    bool over = false;
    for (const ScenarioProblem& problem : checkScenario(read.lesson->scenario))
        over = over || problem.overLimit;
    QVERIFY(over);
}

void tst_limits::refusedScenario() {
    std::optional<Scenario> s = scenarioOf(kScenario);
    QVERIFY(s);
    s->traffic[1].clients.clients = 1'000'000; // with `late`'s 1000: beyond the limit of 1,000,000
    Simulation sim(*s);
    QVERIFY(sim.stopped());
    QVERIFY2(
        sim.stopped()->find("the run was refused: traffic.late.clients: the traffic entries start 1001000 "
                            "clients in all, more than the limit of 1000000") != std::string::npos,
        text(sim.stopped()));
    sim.run();
    QCOMPARE(sim.eventsSimulated(), std::uint64_t{0});
    QCOMPARE(sim.history().end, Time());
    QCOMPARE(sim.history().listeners.size(),
             std::size_t{1}); // the server at time 0, to show beside the message
    QCOMPARE(sim.changeAt(Time::s(1), "server.backlog", "64"), sim.stopped());
    sim.renewBudget(); // a refusal is not a budget: it stays
    QVERIFY(sim.stopped());

    // The scenario's own timed changes (a scenario file's events) are held to the limits in all too.
    std::optional<Scenario> changing = scenarioOf(kScenario);
    QVERIFY(changing);
    for (const auto& [at, count] : {std::pair{1, "1"}, {2, "60000"}, {3, "1"}, {4, "60000"}}) {
        Intervention iv;
        iv.at = Time::s(at);
        iv.key = "server.workers.count";
        iv.value = count;
        changing->events.push_back(iv);
    }
    Simulation changed(*changing);
    QVERIFY(changed.stopped());
    QCOMPARE(QString::fromStdString(*changed.stopped()),
             QStringLiteral(
                 "the run was refused: the run would start 120000 workers in all (a raise of "
                 "server.workers.count starts new ones), more than the limit of 100000 (with the change of "
                 "server.workers.count at 4s)"));
}

// ------------------------------------------------------------------------------------------------ budget

void tst_limits::budgetStopsCleanly() {
    const std::optional<Scenario> s = scenarioOf(kScenario);
    QVERIFY(s);
    Simulation full(*s);
    full.run();
    QVERIFY(!full.stopped());
    QVERIFY(full.eventsSimulated() > 20'000);

    Simulation sim(*s);
    sim.setEventLimit(10'000);
    sim.run();
    QVERIFY(sim.stopped());
    const std::string message = *sim.stopped();
    QVERIFY2(
        message.starts_with("the run stopped at ") &&
            message.find(" events (re-simulations after changes included), more than the limit of 10000") !=
                std::string::npos,
        message.c_str());
    QVERIFY(!sim.idle());
    QVERIFY(sim.history().end < full.history().end);
    QCOMPARE(sim.history().end, sim.now());
    const std::uint64_t done = sim.eventsSimulated();
    QCOMPARE(done, std::uint64_t{10'001}); // the first event beyond the limit ends it
    // Stopped: nothing moves, every change is refused with the message.
    sim.run();
    sim.runUntil(Time::s(20));
    QCOMPARE(sim.eventsSimulated(), done);
    QCOMPARE(sim.changeAt(Time::s(1), "server.backlog", "64"), std::optional<std::string>(message));
    // The history so far is the full run's up to there (a little before: packets then in flight have no
    // fate yet).
    const Time before = sim.history().end - Time::ms(100);
    QVERIFY(before > Time());
    for (Host host : {Host::Server, Host::Clients})
        QVERIFY(sim.history().countersAt(host, before) == full.history().countersAt(host, before));
    QCOMPARE(sim.history().queueLengthsAt(0, before).syn, full.history().queueLengthsAt(0, before).syn);
    QCOMPARE(sim.history().queueLengthsAt(0, before).accept, full.history().queueLengthsAt(0, before).accept);
    QVERIFY(sim.history().packetsSentIn(Time(), before) == full.history().packetsSentIn(Time(), before));
    // A renewed budget goes on from where it stopped, to the same run.
    sim.setEventLimit(Limits::maxEvents);
    sim.renewBudget();
    QVERIFY(!sim.stopped());
    sim.run();
    QVERIFY(!sim.stopped());
    QCOMPARE(sim.history().end, full.history().end);
    QVERIFY(jsonReport(sim, sim.history().end) == jsonReport(full, full.history().end));
    QCOMPARE(sim.eventsSimulated(), full.eventsSimulated());
}

void tst_limits::budgetCountsResimulations() {
    // Each `when:` step is placed on the whole run, and its change cuts it and simulates the rest again.
    std::string steps;
    for (int i = 0; i < 60; ++i)
        steps += "  - when: syn_queue > 0\n"
                 "    say: again\n"
                 "    set: { server.backlog: " +
                 std::to_string(100 + i % 3) + " }\n";
    const LessonReadResult read = readLessonSafely(lessonWith(steps), "limits.yaml");
    for (const ReadError& e : read.errors)
        qWarning("%s", e.text().c_str());
    QVERIFY(read.lesson);
    const LessonRun unbounded(*read.lesson);
    QVERIFY(!unbounded.simulation().stopped());
    const std::uint64_t all = unbounded.simulation().eventsSimulated();
    const std::uint64_t once = unbounded.simulation().eventsProcessed();
    qInfo("60 when: steps: %llu events simulated in all, %llu in the run as it ends",
          static_cast<unsigned long long>(all), static_cast<unsigned long long>(once));
    QVERIFY(all > 3 * once); // the re-simulations are counted

    const std::uint64_t limit = once * 2;
    const LessonRun bounded(*read.lesson, limit);
    QVERIFY(bounded.simulation().stopped());
    QCOMPARE(bounded.problems().size(), std::size_t{1});
    const LessonProblem& p = bounded.problems().front();
    QVERIFY2(p.message.find("more than the limit of " + std::to_string(limit)) != std::string::npos,
             p.message.c_str());
    QVERIFY2(p.message.starts_with("step "), p.message.c_str());
    QVERIFY(p.place.line >= 12); // a step's line: the change that went over
    QCOMPARE(bounded.simulation().eventsSimulated(), limit + 1);
}

void tst_limits::bigCombination_data() {
    QTest::addColumn<QString>("yaml");
    QTest::addColumn<QStringList>("changes"); // made after the run, in order
    QTest::addColumn<QString>("refusal");     // empty: must finish

    const auto server = [](const QString& accept) {
        return QStringLiteral(
                   "server: { backlog: 4096, workers: { count: 100000, accept: %1, service: 1ms } }\n"
                   "traffic:\n"
                   "  - { name: c, clients: 10000, at: 0s, spacing: 100us }\n"
                   "seed: 1\n")
            .arg(accept);
    };
    QTest::newRow("100000 epoll workers x 10000 clients")
        << server("epoll") << QStringList{}
        << "could be woken 1000000000 times (the thundering herd, P3), "
           "more than the limit of 20000000";
    QTest::newRow("100000 epoll-exclusive workers x 10000 clients")
        << server("epoll-exclusive") << QStringList{} << "";
    QTest::newRow("100000 blocking workers x 10000 clients") << server("blocking") << QStringList{} << "";
    QTest::newRow("100000 workers down to 1 and back, 20 times") << server("blocking") << [] {
        QStringList c;
        for (int i = 0; i < 20; ++i)
            c << QString("%1ms server.workers.count %2").arg(10 + 10 * i).arg(i % 2 ? 50000 : 1);
        return c;
    }() << "more than the limit of 100000";
    QTest::newRow("100000 blocking workers retired at once")
        << server("blocking") << QStringList{"10ms server.workers.count 1"} << "";
    // Checkpoints are thinned: a copy of a state of 100,000 clients each simulated second was 1 GB (and a
    // million clients, within the limits, ran out of memory: tests/bench/bench_limits).
    QTest::newRow("100000 clients") << "server: { backlog: 4096, workers: { count: 100, service: 1ms } }\n"
                                       "traffic:\n"
                                       "  - { name: c, clients: 100000, at: 0s, spacing: 2ms }\n"
                                       "seed: 1\n"
                                    << QStringList{"50s server.backlog 64"} << "";
}

void tst_limits::bigCombination() {
    QFETCH(QString, yaml);
    QFETCH(QStringList, changes);
    QFETCH(QString, refusal);
    QElapsedTimer timer;
    timer.start();
    const ReadResult read = readScenarioText(yaml.toStdString(), "big.yaml");
    if (!read.scenario) {
        QByteArray all;
        for (const ReadError& e : read.errors)
            all += QByteArray::fromStdString(e.text()) + '\n';
        QVERIFY2(!refusal.isEmpty() && all.contains(refusal.toUtf8()), all);
        qInfo("refused by the reader in %.1f ms", ms(timer));
        // Made in code, past the reader, the Simulation refuses it as well.
        std::optional<Scenario> s = scenarioOf("seed: 1\n");
        QVERIFY(s);
        s->server.workers.count = 100'000;
        s->server.workers.accept = AcceptMode::Epoll;
        s->traffic.push_back({});
        s->traffic.back().clients.name = "c";
        s->traffic.back().clients.clients = 10'000;
        Simulation sim(*s);
        QVERIFY(sim.stopped());
        QVERIFY2(sim.stopped()->find(refusal.toStdString()) != std::string::npos, text(sim.stopped()));
        return;
    }
    Simulation sim(*read.scenario);
    sim.run();
    const double first = ms(timer);
    std::optional<std::string> refused;
    for (const QString& c : changes) {
        const Change change = changeOf(c);
        if (const std::optional<std::string> error = sim.changeAt(change.at, change.key, change.value)) {
            refused = error;
            break;
        }
        sim.run();
    }
    qInfo("run %.0f ms, with the changes %.0f ms; %llu events simulated, %zu history bytes%s%s", first,
          ms(timer), static_cast<unsigned long long>(sim.eventsSimulated()), sim.history().bytesHeld(),
          refused ? "; refused: " : "", refused ? refused->c_str() : "");
    QVERIFY2(!sim.stopped(), text(sim.stopped()));
    if (refusal.isEmpty()) {
        QVERIFY2(!refused, text(refused));
        QVERIFY(sim.idle());
    } else {
        QVERIFY2(refused && refused->find(refusal.toStdString()) != std::string::npos, text(refused));
    }
}

void tst_limits::manySteps_data() {
    QTest::addColumn<int>("rate");  // of the flood, SYN/s for 20 s
    QTest::addColumn<bool>("when"); // `when:` steps (placed on the whole run) instead of `at:`
    QTest::newRow("500 at: steps, 5000 SYN/s") << 5'000 << false;
    QTest::newRow("500 when: steps, 200 SYN/s") << 200 << true;
}

void tst_limits::manySteps() {
    QFETCH(int, rate);
    QFETCH(bool, when);
    std::string yaml = "format: backlog-lesson/1\n"
                       "title: 500 steps during a flood\n"
                       "scenario:\n"
                       "  server: { backlog: 128, workers: { count: 150, service: 3s } }\n"
                       "  traffic:\n"
                       "    - { name: attack, flood: { rate: " +
                       std::to_string(rate) +
                       "/s, from: 0s, to: 20s } }\n"
                       "    - { name: clients, clients: 200, at: 0s, spacing: 50ms }\n"
                       "  until: 20s\n"
                       "steps:\n";
    for (int i = 0; i < 500; ++i) {
        yaml += when ? "  - when: syn_queue > 0\n" : "  - at: " + std::to_string(40 * (i + 1)) + "ms\n";
        yaml += "    say: change " + std::to_string(i) + "\n";
        yaml += "    set: { server.backlog: " + std::to_string(100 + i % 7) + " }\n";
    }
    yaml += "expect: []\n";
    const LessonReadResult read = readLessonSafely(yaml, "steps.yaml");
    for (const ReadError& e : read.errors)
        qWarning("%s", e.text().c_str());
    QVERIFY(read.lesson);
    QElapsedTimer timer;
    timer.start();
    const LessonRun run(*read.lesson);
    const Simulation& sim = run.simulation();
    qInfo("%.0f ms: %llu events simulated in all, %llu in the run as it ends%s%s", ms(timer),
          static_cast<unsigned long long>(sim.eventsSimulated()),
          static_cast<unsigned long long>(sim.eventsProcessed()), sim.stopped() ? "; stopped: " : "",
          sim.stopped() ? sim.stopped()->c_str() : "");
    // Finished, or stopped with the limit named at the step that went over: never more than the budget.
    QVERIFY(sim.eventsSimulated() <= Limits::maxEvents + 1);
    if (sim.stopped()) {
        QCOMPARE(run.problems().size(), std::size_t{1});
        QVERIFY(run.problems().front().message.find("more than the limit of") != std::string::npos);
    } else {
        QVERIFY(run.problems().empty());
        QCOMPARE(sim.history().end, Time::s(20));
    }
    if (!when) QVERIFY(!sim.stopped()); // each stretch is simulated about once
}

void tst_limits::floodRateChangedDuringIt_data() {
    QTest::addColumn<QString>("rate"); // from 5 s on; 1000/s before, the flood lasting 10 s
    QTest::addColumn<int>("syns");     // spoofed SYNs sent in all
    QTest::newRow("raised") << "3000/s" << 5'000 + 15'000;
    QTest::newRow("lowered") << "200/s" << 5'000 + 1'000;
    QTest::newRow("the same") << "1000/s" << 10'000;
}

void tst_limits::floodRateChangedDuringIt() {
    QFETCH(QString, rate);
    QFETCH(int, syns);
    const std::optional<Scenario> s = scenarioOf(kScenario);
    QVERIFY(s);
    // Cut back to it after the whole run, and reached from before it: the same history either way.
    Simulation cut(*s);
    cut.run();
    QVERIFY(!cut.changeAt(Time::s(5), "traffic.attack.rate", rate.toStdString()));
    cut.run();
    Simulation ahead(*s);
    ahead.runUntil(Time::s(5) - Time::ns(1));
    QVERIFY(!ahead.changeAt(Time::s(5), "traffic.attack.rate", rate.toStdString()));
    ahead.run();
    for (const Simulation* sim : {&cut, &ahead}) {
        const History& h = sim->history();
        int spoofed = 0;
        Time last;
        for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
            const Packet p = h.packet(i);
            QVERIFY2(p.sent >= last, "a packet sent before the one recorded before it");
            last = p.sent;
            if (p.toServer && isSpoofed(p.flow)) {
                ++spoofed;
                QVERIFY(p.sent < Time::s(10));
            }
        }
        // ± one SYN where the rates meet (the one already scheduled at the old rate).
        QVERIFY2(std::abs(spoofed - syns) <= 1, QByteArray::number(spoofed));
    }
    QVERIFY(jsonReport(cut, cut.history().end) == jsonReport(ahead, ahead.history().end));
}

void tst_limits::shippedLessonsUnaffected() {
    // The lessons (lessons/NN-*.yaml) and the scenarios (lessons/scenarios/: the sandbox, E1-E5), as paths
    // from lessons/.
    QStringList files =
        QDir(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons")).entryList({"*.yaml"}, QDir::Files);
    for (const QString& file :
         QDir(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios")).entryList({"*.yaml"}, QDir::Files))
        files << QStringLiteral("scenarios/") + file;
    QVERIFY(files.size() >= 12);
    for (const QString& file : files) {
        if (file == QLatin1String("scenarios/flood-bench.yaml"))
            continue; // 12 million events: tests/bench/bench_limits
        const std::string content = shippedLesson(file);
        if (!looksLikeLesson(content)) {
            const std::unique_ptr<Simulation> sim = load(content);
            QVERIFY2(sim, qPrintable(file));
            QVERIFY2(!sim->stopped(), qPrintable(file));
            sim->run();
            QVERIFY2(!sim->stopped(), qPrintable(file));
            continue;
        }
        const LessonReadResult read = readLessonSafely(content, file.toStdString());
        QVERIFY2(read.lesson, qPrintable(file));
        const LessonRun run(*read.lesson);
        QVERIFY2(!run.simulation().stopped(), qPrintable(file + ": " + text(run.simulation().stopped())));
        for (const LessonProblem& p : run.problems())
            QVERIFY2(p.message.find("limit") == std::string::npos,
                     qPrintable(file + ": " + QString::fromStdString(p.message)));
    }
}

QTEST_APPLESS_MAIN(tst_limits)

#include "tst_limits.moc"
