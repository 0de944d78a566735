// What differs between two runs at a moment (Comparison.h): two runs of one scenario under another
// backlog differ in that setting from the start, and in ListenOverflows once one of them overflowed; two
// identical runs differ in nothing; before anything happened only the settings differ; past one run's
// end that run is read at its end. The clients' counts indexed by time equal the report's counts.
#include "model/tools/Comparison.h"
#include "model/tools/KernelTools.h"
#include "model/tools/Report.h"
#include "tests/common/ModelTest.h"

#include <QStringList>
#include <QTest>

#include <algorithm>
#include <memory>
#include <set>

using backlog::ComparisonGroup;
using backlog::ComparisonRow;
using backlog::ComparisonRows;
using backlog::Simulation;
using backlog::Time;

Q_DECLARE_METATYPE(backlog::Time)

namespace {

// Eight clients, 10 ms apart, on one slow worker: with backlog 2 the accept queue holds 3 and is full
// from the fifth client on (Q1), whose SYNs are dropped (S2, ListenOverflows) and retransmitted; with
// backlog 512 nothing overflows.
const char* const kSlowWorker = R"(
network: { rtt: 1ms }
server:
  backlog: 2
  workers: { count: 1, service: 1s }
traffic:
  - { name: web, clients: 8, at: 100ms, spacing: 10ms }
until: 5s
)";

// The first SYN leaves at 100 ms: before it, nothing has happened on either side.
constexpr Time kFirstSyn = Time::ms(100);

std::unique_ptr<Simulation> run(const std::string& yaml, const std::vector<std::string>& sets = {}) {
    std::unique_ptr<Simulation> sim = backlog::test::load(yaml, sets);
    if (sim) sim->run();
    return sim;
}

QString key(const ComparisonRow& row) {
    return QString::fromStdString(std::string(backlog::comparisonGroupName(row.group)) + "/" + row.name);
}

QStringList keys(const std::vector<ComparisonRow>& rows) {
    QStringList out;
    for (const ComparisonRow& row : rows)
        out << key(row);
    return out;
}

const ComparisonRow* find(const std::vector<ComparisonRow>& rows, const QString& k) {
    const auto it =
        std::find_if(rows.begin(), rows.end(), [&k](const ComparisonRow& r) { return key(r) == k; });
    return it == rows.end() ? nullptr : &*it;
}

} // namespace

class TestComparison : public QObject {
    Q_OBJECT

  private slots:
    void differingRows_data();
    void differingRows();
    void identicalRunsDifferInNothing();
    void overflowInOneRunOnly();
    void pastOneRunsEndReadsItAtItsEnd();
    void everyRowInAStableOrder();
    void indexedCountsAreTheReportsCounts_data();
    void indexedCountsAreTheReportsCounts();
    void aChangedRunFromTheStartIsTheScenarioWrittenSo();
    void aChangedRunFromAMomentIsTheSameBeforeIt();
    void aRefusedChangeIsNamed_data();
    void aRefusedChangeIsNamed();
    void anUntitledComparisonIsNamedByItsChanges();
};

void TestComparison::differingRows_data() {
    QTest::addColumn<QStringList>("setsA");
    QTest::addColumn<QStringList>("setsB");
    QTest::addColumn<Time>("t");
    QTest::addColumn<QStringList>("mustDiffer");   // "group/name"
    QTest::addColumn<QStringList>("onlyInGroups"); // every differing row is in one of these; empty: any

    QTest::newRow("another backlog, before the first SYN")
        << QStringList{} << QStringList{"server.backlog=512"} << kFirstSyn - Time::ms(1)
        << QStringList{"settings/server.backlog", "queues/backlog (Send-Q)", "queues/SYN queue holds",
                       "queues/accept queue holds"}
        << QStringList{"settings", "queues"};
    QTest::newRow("another backlog, after the overflow")
        << QStringList{} << QStringList{"server.backlog=512"} << Time::ms(200)
        << QStringList{"settings/server.backlog", "counters/TcpExtListenOverflows",
                       "counters/TcpExtListenDrops", "queues/backlog (Send-Q)",
                       "queues/accept queue (Recv-Q)"}
        << QStringList{};
    QTest::newRow("another service time, before the first SYN: only the settings")
        << QStringList{} << QStringList{"server.workers.service.mean=2s"} << kFirstSyn - Time::ms(1)
        << QStringList{"settings/server.workers.service.mean"} << QStringList{"settings"};
    QTest::newRow("another service time, at 0: only the settings")
        << QStringList{} << QStringList{"server.workers.service.mean=2s"} << Time()
        << QStringList{"settings/server.workers.service.mean"} << QStringList{"settings"};
    QTest::newRow("two settings at once")
        << QStringList{} << QStringList{"server.workers.count=4", "net.ipv4.tcp_syncookies=2"} << Time::ms(50)
        << QStringList{"settings/server.workers.count", "settings/net.ipv4.tcp_syncookies"}
        << QStringList{"settings"};
    QTest::newRow("a traffic setting")
        << QStringList{} << QStringList{"traffic.web.spacing=20ms"} << Time::ms(50)
        << QStringList{"settings/traffic.web.spacing"} << QStringList{"settings"};
}

void TestComparison::differingRows() {
    QFETCH(QStringList, setsA);
    QFETCH(QStringList, setsB);
    QFETCH(Time, t);
    QFETCH(QStringList, mustDiffer);
    QFETCH(QStringList, onlyInGroups);
    const auto sets = [](const QStringList& list) {
        std::vector<std::string> out;
        for (const QString& s : list)
            out.push_back(s.toStdString());
        return out;
    };
    const auto a = run(kSlowWorker, sets(setsA));
    const auto b = run(kSlowWorker, sets(setsB));
    QVERIFY(a && b);
    const std::vector<ComparisonRow> rows = backlog::compareRuns(*a, *b, t);
    const QStringList found = keys(rows);
    for (const QString& k : mustDiffer)
        QVERIFY2(found.contains(k), qPrintable(k + " is not among " + found.join(", ")));
    for (const ComparisonRow& row : rows) {
        QVERIFY2(row.differs, qPrintable(key(row)));
        QVERIFY2(row.a.text != row.b.text, qPrintable(key(row)));
        if (!onlyInGroups.isEmpty())
            QVERIFY2(
                onlyInGroups.contains(QString::fromStdString(std::string(comparisonGroupName(row.group)))),
                qPrintable(key(row) + " differs"));
    }
}

void TestComparison::identicalRunsDifferInNothing() {
    const auto a = run(kSlowWorker);
    const auto b = run(kSlowWorker);
    QVERIFY(a && b);
    for (Time t = Time(); t <= a->history().end + Time::s(1); t += Time::ms(37)) {
        QVERIFY2(backlog::compareRuns(*a, *b, t).empty(),
                 qPrintable(keys(backlog::compareRuns(*a, *b, t)).join(", ")));
        for (const ComparisonRow& row : backlog::compareRuns(*a, *b, t, ComparisonRows::All)) {
            QVERIFY(!row.differs);
            QCOMPARE(row.a, row.b);
        }
    }
}

void TestComparison::overflowInOneRunOnly() {
    const auto a = run(kSlowWorker);
    const auto b = run(kSlowWorker, {"server.backlog=512"});
    QVERIFY(a && b);
    // The first moment run a's ListenOverflows moved: from then on it differs, and before it, it is no row.
    const auto series = a->history().counters[0].series(backlog::Counter::TcpExtListenOverflows);
    QVERIFY(!series.empty());
    const Time overflow = series.front().first;
    QVERIFY(!find(backlog::compareRuns(*a, *b, overflow - Time::ns(1), ComparisonRows::All),
                  "counters/TcpExtListenOverflows"));
    const std::vector<ComparisonRow> rows = backlog::compareRuns(*a, *b, overflow);
    const ComparisonRow* row = find(rows, "counters/TcpExtListenOverflows");
    QVERIFY(row);
    QCOMPARE(row->a.number, std::optional<std::int64_t>(1));
    QCOMPARE(row->b.number, std::optional<std::int64_t>(0));
    QCOMPARE(row->b.text, std::string("0"));
    const ComparisonRow* backlog = find(rows, "settings/server.backlog");
    QVERIFY(backlog);
    QCOMPARE(backlog->a.text, std::string("2"));
    QCOMPARE(backlog->b.text, std::string("512"));
    QCOMPARE(backlog->b.number, std::optional<std::int64_t>(512));
    // At the end the dropped SYNs were retransmitted: the clients needed retransmissions in a only.
    const std::vector<ComparisonRow> end = backlog::compareRuns(*a, *b, a->history().end);
    QVERIFY2(find(end, "clients/connected after 1 SYN retransmission"), qPrintable(keys(end).join(", ")));
    QVERIFY(find(end, "counters/TcpExtTCPSynRetrans (clients)"));
}

void TestComparison::pastOneRunsEndReadsItAtItsEnd() {
    const auto a = run(kSlowWorker, {"until=1s"});
    const auto b = run(kSlowWorker);
    QVERIFY(a && b);
    QVERIFY(a->history().end < b->history().end);
    const Time later = b->history().end;
    const std::vector<ComparisonRow> past = backlog::compareRuns(*a, *b, later, ComparisonRows::All);
    const std::vector<ComparisonRow> atEnd =
        backlog::compareRuns(*a, *b, a->history().end, ComparisonRows::All);
    const std::vector<ComparisonRow> alone =
        backlog::compareRuns(*a, *a, a->history().end, ComparisonRows::All);
    for (const ComparisonRow& row : alone) {
        const ComparisonRow* p = find(past, key(row));
        QVERIFY2(p, qPrintable(key(row)));
        QCOMPARE(p->a, row.a);
    }
    const ComparisonRow* until = find(past, "settings/until");
    QVERIFY(until && until->differs);
    // Durations as a person reads them (issue 16), the exact nanoseconds beside them.
    QCOMPARE(until->a.text, std::string("1 s"));
    QCOMPARE(until->b.text, std::string("5 s"));
    QCOMPARE(until->a.number, std::optional<std::int64_t>(1'000'000'000));
    // b is read at `later` itself: its answered clients are more than at a's end.
    const ComparisonRow* answered = find(past, "clients/answered");
    const ComparisonRow* answeredThen = find(atEnd, "clients/answered");
    QVERIFY(answered && answeredThen);
    QCOMPARE(answered->a, answeredThen->a);
    QVERIFY(*answered->b.number > *answeredThen->b.number);
    QCOMPARE(*answered->b.number, backlog::clientOutcomesAt(b->history(), later).answered);
}

void TestComparison::everyRowInAStableOrder() {
    const auto a = run(kSlowWorker);
    const auto b = run(kSlowWorker, {"server.backlog=512", "server.listeners=2"});
    QVERIFY(a && b);
    const std::vector<ComparisonRow> rows = backlog::compareRuns(*a, *b, Time::ms(300), ComparisonRows::All);
    // Groups in order, every name once.
    QVERIFY(std::is_sorted(rows.begin(), rows.end(),
                           [](const ComparisonRow& x, const ComparisonRow& y) { return x.group < y.group; }));
    const QStringList all = keys(rows);
    QCOMPARE(QSet<QString>(all.begin(), all.end()).size(), all.size());
    // The settings in the vocabulary's order; a listener that only b has is empty on a's side.
    QVERIFY(all.indexOf("settings/net.core.somaxconn") < all.indexOf("settings/server.backlog"));
    QVERIFY(all.indexOf("settings/server.backlog") < all.indexOf("settings/traffic.web.clients"));
    const ComparisonRow* second = find(rows, "queues/listener #1: backlog (Send-Q)");
    QVERIFY(second);
    QCOMPARE(second->a.text, std::string());
    QCOMPARE(second->a.number, std::optional<std::int64_t>());
    QCOMPARE(second->b.text, std::string("512"));
    QVERIFY(all.indexOf("queues/listener #0: SYN queue (SYN-RECV)") <
            all.indexOf("queues/listener #0: backlog (Send-Q)"));
    QVERIFY(all.indexOf("clients/connect() calls") < all.indexOf("clients/still waiting"));
    // The same question twice, with or without the clients indexed, gives the same rows.
    const backlog::ClientOutcomeIndex ia(a->history()), ib(b->history());
    for (Time t = Time(); t <= b->history().end; t += Time::ms(61)) {
        const auto counted = backlog::compareRuns(*a, *b, t, ComparisonRows::All);
        const auto indexed = backlog::compareRuns(*a, ia, *b, ib, t, ComparisonRows::All);
        QCOMPARE(keys(indexed), keys(counted));
        for (std::size_t i = 0; i < counted.size(); ++i) {
            QCOMPARE(indexed[i].a, counted[i].a);
            QCOMPARE(indexed[i].b, counted[i].b);
        }
    }
}

void TestComparison::indexedCountsAreTheReportsCounts_data() {
    QTest::addColumn<QString>("yaml");
    QTest::addColumn<QStringList>("sets");
    QTest::newRow("SYNs dropped and retransmitted") << QString(kSlowWorker) << QStringList{};
    // Only two SYN retries and nobody accepts: most clients time out (ETIMEDOUT).
    QTest::newRow("timed out") << QString(kSlowWorker)
                               << QStringList{"net.ipv4.tcp_syn_retries=2", "server.workers.count=0",
                                              "until=20s"};
    // tcp_abort_on_overflow answers a full accept queue with a reset (ECONNRESET).
    QTest::newRow("reset") << QString(kSlowWorker) << QStringList{"net.ipv4.tcp_abort_on_overflow=1"};
}

void TestComparison::indexedCountsAreTheReportsCounts() {
    QFETCH(QString, yaml);
    QFETCH(QStringList, sets);
    std::vector<std::string> set;
    for (const QString& s : sets)
        set.push_back(s.toStdString());
    const auto sim = run(yaml.toStdString(), set);
    QVERIFY(sim);
    const backlog::History& h = sim->history();
    const backlog::ClientOutcomeIndex index(h);
    // Every moment a client's outcome changes, and just before it.
    std::set<Time> moments{Time(), h.end};
    for (const backlog::ClientRecord& c : h.clients)
        for (Time at : {c.connectAt, c.connectedAt, c.acceptedAt, c.respondedAt, c.errorAt})
            if (!at.isNever()) moments.insert({at - Time::ns(1), at});
    bool failed = false;
    for (Time t : moments) {
        const backlog::ClientOutcomes counted = backlog::clientOutcomesAt(h, t);
        QVERIFY2(index.at(t) == counted, qPrintable(QString::fromStdString(backlog::formatSeconds(t))));
        QVERIFY(counted.waiting >= 0 && counted.waiting <= counted.started);
        QVERIFY(counted.connected <= counted.started && counted.answered <= counted.started);
        for (std::int64_t n : counted.failed)
            failed = failed || n > 0;
    }
    if (QTest::currentDataTag() != QLatin1String("SYNs dropped and retransmitted")) QVERIFY(failed);
}

// runWithChanges from the start: the scenario as if written with the change, a setting a run cannot change
// as it goes (the kernel's version) included; the same rows as a run of the file with --set.
void TestComparison::aChangedRunFromTheStartIsTheScenarioWrittenSo() {
    const auto a = run(kSlowWorker);
    QVERIFY(a);
    const backlog::ChangedRun b = backlog::runWithChanges(
        a->scenario(), {{"server.backlog", "512"}, {"kernel.version", "6.12"}}, Time());
    QVERIFY2(b.run, b.error.c_str());
    QCOMPARE(b.run->scenario().server.backlog, std::int64_t{512});
    const auto written = run(kSlowWorker, {"server.backlog=512", "kernel.version=6.12"});
    QVERIFY(written);
    QCOMPARE(b.run->history().end, written->history().end);
    QVERIFY(backlog::compareRuns(*b.run, *written, written->history().end).empty());
}

// From a moment: nothing differs before it (the same run up to there), the setting from it on, and the
// run then goes its own way (with backlog 512 from 150 ms, no SYN is dropped after it).
void TestComparison::aChangedRunFromAMomentIsTheSameBeforeIt() {
    const auto a = run(kSlowWorker);
    QVERIFY(a);
    const Time from = Time::ms(150);
    const backlog::ChangedRun b = backlog::runWithChanges(a->scenario(), {{"server.backlog", "512"}}, from);
    QVERIFY2(b.run, b.error.c_str());
    QVERIFY(backlog::compareRuns(*a, *b.run, from - Time::ms(1)).empty());
    const std::vector<ComparisonRow> later = backlog::compareRuns(*a, *b.run, Time::s(2));
    QVERIFY(keys(later).contains(QStringLiteral("settings/server.backlog")));
    QVERIFY(keys(later).contains(QStringLiteral("counters/TcpExtListenOverflows")));
}

void TestComparison::aRefusedChangeIsNamed_data() {
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");
    QTest::addColumn<Time>("from");
    QTest::addColumn<QString>("message");
    QTest::newRow("not a number") << "server.backlog"
                                  << "abc" << Time() << "server.backlog=abc: ";
    QTest::newRow("unknown key") << "server.backlogg"
                                 << "4" << Time() << "server.backlogg=4: unknown key";
    QTest::newRow("later, not a number") << "server.backlog"
                                         << "abc" << Time::ms(150) << "server.backlog=abc: ";
    QTest::newRow("the kernel, later") << "kernel.version"
                                       << "6.12" << Time::ms(150) << "kernel.version=6.12: ";
}

void TestComparison::aRefusedChangeIsNamed() {
    QFETCH(QString, key);
    QFETCH(QString, value);
    QFETCH(Time, from);
    QFETCH(QString, message);
    const auto a = run(kSlowWorker);
    QVERIFY(a);
    const backlog::ChangedRun b =
        backlog::runWithChanges(a->scenario(), {{key.toStdString(), value.toStdString()}}, from);
    QVERIFY(!b.run);
    QVERIFY2(QString::fromStdString(b.error).startsWith(message), b.error.c_str());
}

// The other run's default name, as the Parameters dock and a lesson's compare: without a title show it.
void TestComparison::anUntitledComparisonIsNamedByItsChanges() {
    QCOMPARE(QString::fromStdString(backlog::comparisonTitle({})), QString());
    QCOMPARE(QString::fromStdString(backlog::comparisonTitle({{"server.backlog", "512"}})),
             QStringLiteral("server.backlog=512"));
    QCOMPARE(QString::fromStdString(
                 backlog::comparisonTitle({{"server.backlog", "512"}, {"kernel.version", "6.12"}})),
             QStringLiteral("server.backlog=512, kernel.version=6.12"));
}

QTEST_APPLESS_MAIN(TestComparison)
#include "tst_comparison.moc"
