// The scenario vocabulary: every key lands in its field, every bad file is refused with the exact
// FILE:LINE:COL and what was expected, and every shipped lesson loads.
// moc (Qt 6.4) fails on libstdc++'s <compare> when it is the first standard header it meets (Time.h
// includes it first); moc only needs the test class below.
#ifndef Q_MOC_RUN
#include "model/lesson/LessonReader.h"
#include "model/scenario/ScenarioReader.h"
#include "model/scenario/Settings.h"
#include "tests/common/SourceFileTest.h"
#endif

#include <QByteArray>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <sstream>

using namespace backlog;
using backlog::test::placeFile;
using backlog::test::utf16;
using backlog::test::withoutWaiting;

namespace {

const std::string fileName = "test.yaml";

QString number(std::int64_t v) {
    return QString::number(v);
}
QString number(Time t) {
    return QString::number(t.count());
}

QString describe(const TrafficEntry& e) {
    if (e.kind == TrafficEntry::Kind::Flood)
        return QStringLiteral("%1 rate=%2 from=%3 to=%4 routable=%5")
            .arg(QString::fromStdString(e.flood.name), number(e.flood.ratePerSecond), number(e.flood.from),
                 number(e.flood.to), number(e.flood.routable));
    return QStringLiteral("%1 clients=%2 at=%3 spacing=%4 send=%5 concurrency=%6")
        .arg(QString::fromStdString(e.clients.name), number(e.clients.clients), number(e.clients.at),
             number(e.clients.spacing), number(e.clients.send), number(e.clients.concurrency));
}

QString describe(const Fault& f) {
    return QStringLiteral("%1 of=%2 from=%3 to=%4")
        .arg(number(static_cast<int>(f.drop)), QString::fromStdString(f.of), number(f.from),
             f.to.isNever() ? QStringLiteral("never") : number(f.to));
}

QString describe(const Intervention& i) {
    return QStringLiteral("%1 %2=%3 @%4:%5")
        .arg(number(i.at), QString::fromStdString(i.key), QString::fromStdString(i.value), number(i.line),
             number(i.column));
}

template <class T> QString describeAll(const std::vector<T>& items) {
    QStringList texts;
    for (const T& item : items)
        texts << describe(item);
    return texts.join(QStringLiteral("; "));
}

// Each field of a Scenario as text, by a short name, so that a table row can name what it checks.
const std::map<QString, std::function<QString(const Scenario&)>>& fields() {
    using S = const Scenario&;
    static const std::map<QString, std::function<QString(const Scenario&)>> table{
        {"title", [](S s) { return QString::fromStdString(s.title); }},
        {"version", [](S s) { return QString::fromLatin1(s.kernel.profile.name); }},
        {"hz", [](S s) { return number(s.kernel.hz); }},
        {"somaxconn", [](S s) { return number(s.kernel.somaxconn); }},
        {"tcp_max_syn_backlog", [](S s) { return number(s.kernel.tcpMaxSynBacklog); }},
        {"tcp_syncookies", [](S s) { return number(s.kernel.tcpSyncookies); }},
        {"tcp_synack_retries", [](S s) { return number(s.kernel.tcpSynackRetries); }},
        {"tcp_syn_retries", [](S s) { return number(s.kernel.tcpSynRetries); }},
        {"tcp_syn_linear_timeouts", [](S s) { return number(s.kernel.tcpSynLinearTimeouts); }},
        {"tcp_abort_on_overflow", [](S s) { return number(s.kernel.tcpAbortOnOverflow); }},
        {"tcp_migrate_req", [](S s) { return number(s.kernel.tcpMigrateReq); }},
        {"rtt", [](S s) { return number(s.network.rtt); }},
        {"jitter", [](S s) { return number(s.network.jitter); }},
        {"lossPpm", [](S s) { return number(s.network.lossPpm); }},
        {"faults", [](S s) { return describeAll(s.network.faults); }},
        {"port", [](S s) { return number(s.server.port); }},
        {"backlog", [](S s) { return number(s.server.backlog); }},
        {"listeners", [](S s) { return number(s.server.listeners); }},
        {"workers", [](S s) { return number(s.server.workers.count); }},
        {"accept", [](S s) { return number(static_cast<int>(s.server.workers.accept)); }},
        {"start", [](S s) { return number(s.server.workers.start); }},
        {"service",
         [](S s) {
             return number(static_cast<int>(s.server.workers.service.dist)) + " " +
                    number(s.server.workers.service.mean);
         }},
        {"acceptCost", [](S s) { return number(s.server.workers.acceptCost); }},
        {"connections", [](S s) { return number(s.server.workers.connections); }},
        {"traffic", [](S s) { return describeAll(s.traffic); }},
        {"events", [](S s) { return describeAll(s.events); }},
        {"seed", [](S s) { return QString::number(s.seed); }},
        {"until", [](S s) { return s.until ? number(*s.until) : QStringLiteral("none"); }},
    };
    return table;
}

std::vector<std::string> toStd(const QStringList& list) {
    std::vector<std::string> out;
    for (const QString& item : list)
        out.push_back(item.toStdString());
    return out;
}

QString allErrors(const ReadResult& result) {
    QStringList texts;
    for (const ReadError& e : result.errors)
        texts << QString::fromStdString(e.text());
    return texts.join(QLatin1Char('\n'));
}

} // namespace

class TestScenarioReader : public QObject {
    Q_OBJECT

  private slots:
    void parse_data();
    void parse();

    void validFile_data();
    void validFile();
    void invalidFile_data();
    void invalidFile();

    void everyKeyOfTheVocabulary_data();
    void everyKeyOfTheVocabulary();
    void applySettingNeedsNoFile();
    void defaultsWithoutAnySetting();
    void reportsEveryError();
    void errorText();
    void missingFile();
    void fileGuards_data();
    void fileGuards();
    void manyErrorsAreBounded();
    void errorLinesShowAScreenful_data();
    void errorLinesShowAScreenful();
    void shippedLessons_data();
    void shippedLessons();
};

// ---- Parsers -------------------------------------------------------------------------------------

namespace {

// A text a parser accepts, with the value it gives; or refuses, with a part of its message.
void accepted(const char* parser, const char* text, qint64 value) {
    QTest::addRow("%s %s", parser, text) << QString(parser) << QString::fromUtf8(text) << value << QString();
}

void refused(const char* parser, const char* text, const char* error) {
    QTest::addRow("%s %s", parser, text)
        << QString(parser) << QString::fromUtf8(text) << qint64(0) << QString::fromUtf8(error);
}

template <class T> Parsed<qint64> widen(const Parsed<T>& p) {
    return {p.value ? std::optional<qint64>(static_cast<qint64>(*p.value)) : std::nullopt, p.error};
}

// Every parser's result as one type, so that one table covers them all.
Parsed<qint64> parseWith(const QString& parser, const std::string& text) {
    if (parser == "duration") {
        const Parsed<Time> p = parseDuration(text);
        return {p.value ? std::optional<qint64>(p.value->count()) : std::nullopt, p.error};
    }
    if (parser == "rate") return widen(parseRate(text));
    if (parser == "probability") return widen(parseProbabilityPpm(text));
    return widen(parseInteger(text, -1, 1000));
}

} // namespace

void TestScenarioReader::parse_data() {
    QTest::addColumn<QString>("parser");
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("value");  // when accepted
    QTest::addColumn<QString>("error"); // a part of the message, when refused

    accepted("duration", "40us", 40'000);
    accepted("duration", "1.5s", 1'500'000'000);
    accepted("duration", "2min", 120'000'000'000);
    accepted("duration", "0.25ms", 250'000);
    accepted("duration", "7ns", 7);
    accepted("duration", "3µs", 3'000);
    accepted("duration", "3 ms", 3'000'000);
    accepted("duration", "1.50000000000000000000s", 1'500'000'000);
    accepted("duration", "-3ms", -3'000'000);
    accepted("duration", "0s", 0);
    accepted("duration", "0.5min", 30'000'000'000);
    refused("duration", "40", "expected a duration such as 40us, 3s, 2min");
    refused("duration", "ms", "expected a duration such as 40us, 3s, 2min");
    refused("duration", "", "expected a duration such as 40us, 3s, 2min");
    refused("duration", "1.s", "expected a duration such as 40us, 3s, 2min");
    refused("duration", "40xs", "unknown unit xs in 40xs; expected ns, us, ms, s or min");
    refused("duration", "1h", "unknown unit h");
    refused("duration", "1e3ms", "unknown unit e3ms");
    refused("duration", "1.5ns", "1.5ns is not a whole number of nanoseconds");
    refused("duration", "1.0000000001s", "not a whole number of nanoseconds");
    refused("duration", "9999999999999999999s", "too long");
    refused("duration", "9999999999min", "too long");

    accepted("rate", "50000/s", 50'000);
    accepted("rate", "50/ms", 50'000);
    accepted("rate", "2/us", 2'000'000);
    accepted("rate", "600/min", 10);
    accepted("rate", "0.5/ms", 500);
    refused("rate", "90/min", "90/min is not a whole number per second");
    refused("rate", "0.5/s", "not a whole number per second");
    refused("rate", "50000", "expected a rate such as 50000/s");
    refused("rate", "/s", "expected a rate such as 50000/s");
    refused("rate", "5/h", "unknown unit /h");

    accepted("probability", "1%", 10'000);
    accepted("probability", "0.5%", 5'000);
    accepted("probability", "0.01", 10'000);
    accepted("probability", "0.000001", 1);
    accepted("probability", "100%", 1'000'000);
    accepted("probability", "1", 1'000'000);
    accepted("probability", "0", 0);
    refused("probability", "1.5", "expected a probability from 0 to 1");
    refused("probability", "200%", "expected a probability from 0 to 1");
    refused("probability", "-1%", "expected a probability from 0 to 1");
    refused("probability", "0.0000001", "finer than one part per million");
    refused("probability", "some", "expected a probability such as 1% or 0.01");

    // parseInteger(text, -1, 1000)
    accepted("integer", "128", 128);
    accepted("integer", "-1", -1);
    accepted("integer", "+5", 5);
    refused("integer", "abc", "expected an integer");
    refused("integer", "1.5", "expected an integer");
    refused("integer", "-2", "expected an integer from -1 to 1000, got -2");
    refused("integer", "1001", "expected an integer from -1 to 1000, got 1001");
    refused("integer", "99999999999999999999", "99999999999999999999 is too large");
}

void TestScenarioReader::parse() {
    QFETCH(QString, parser);
    QFETCH(QString, text);
    QFETCH(qint64, value);
    QFETCH(QString, error);
    const Parsed<qint64> result = parseWith(parser, text.toStdString());
    if (error.isEmpty()) {
        QVERIFY2(result.value, result.error.c_str());
        QCOMPARE(*result.value, value);
    } else {
        QVERIFY(!result.value);
        QVERIFY2(QString::fromStdString(result.error).contains(error), result.error.c_str());
    }
}

// ---- Files that load -----------------------------------------------------------------------------

namespace {

// A file (and --set items) that loads, and what one field of the scenario then holds.
void loads(const char* name, const char* yaml, const char* field, const char* expected,
           const QStringList& sets = {}) {
    QTest::newRow(name) << QString::fromUtf8(yaml) << sets << QString(field) << QString::fromUtf8(expected);
}

} // namespace

void TestScenarioReader::validFile_data() {
    QTest::addColumn<QString>("yaml");
    QTest::addColumn<QStringList>("sets");
    QTest::addColumn<QString>("field"); // a name in fields()
    QTest::addColumn<QString>("expected");

    loads("title", "title: \"Two queues\"\n", "title", "Two queues");
    loads("kernel.version", "kernel:\n  version: \"6.12\"\n", "version", "6.12");
    loads("kernel.version unquoted", "kernel:\n  version: 5.4\n", "version", "5.4");
    loads("kernel.hz", "kernel:\n  hz: 1000\n", "hz", "1000");
    loads("somaxconn", "kernel:\n  net.core.somaxconn: 512\n", "somaxconn", "512");
    loads("tcp_max_syn_backlog", "kernel:\n  net.ipv4.tcp_max_syn_backlog: 1024\n", "tcp_max_syn_backlog",
          "1024");
    loads("tcp_syncookies", "kernel:\n  net.ipv4.tcp_syncookies: 2\n", "tcp_syncookies", "2");
    loads("tcp_synack_retries", "kernel:\n  net.ipv4.tcp_synack_retries: 3\n", "tcp_synack_retries", "3");
    loads("tcp_syn_retries", "kernel:\n  net.ipv4.tcp_syn_retries: 4\n", "tcp_syn_retries", "4");
    loads("tcp_syn_linear_timeouts", "kernel:\n  net.ipv4.tcp_syn_linear_timeouts: 2\n",
          "tcp_syn_linear_timeouts", "2");
    loads("tcp_abort_on_overflow", "kernel:\n  net.ipv4.tcp_abort_on_overflow: 1\n", "tcp_abort_on_overflow",
          "1");
    loads("tcp_migrate_req", "kernel:\n  net.ipv4.tcp_migrate_req: 1\n", "tcp_migrate_req", "1");

    // Profile defaults (KERNEL.md section 5), and which settings a version change re-derives.
    loads("4.15 somaxconn", "kernel:\n  version: \"4.15\"\n", "somaxconn", "128");
    loads("4.15 no linear timeouts", "kernel:\n  version: \"4.15\"\n", "tcp_syn_linear_timeouts", "0");
    loads("5.4 somaxconn", "kernel:\n  version: \"5.4\"\n", "somaxconn", "4096");
    loads("6.1 no linear timeouts", "kernel:\n  version: \"6.1\"\n", "tcp_syn_linear_timeouts", "0");
    loads("6.12 linear timeouts", "kernel:\n  version: \"6.12\"\n", "tcp_syn_linear_timeouts", "4");
    loads("version after an explicit sysctl", "kernel:\n  net.core.somaxconn: 1000\n  version: \"4.15\"\n",
          "somaxconn", "1000");
    loads("--set version keeps an explicit sysctl", "kernel:\n  net.core.somaxconn: 4096\n", "somaxconn",
          "4096", {"kernel.version=4.15"});
    loads("--set version re-derives the rest", "kernel:\n  hz: 1000\n", "somaxconn", "128",
          {"kernel.version=4.15"});
    loads("--set version keeps an explicit hz", "kernel:\n  hz: 1000\n", "hz", "1000",
          {"kernel.version=4.15"});
    loads("--set a sysctl with kernel prefix", "seed: 1\n", "somaxconn", "77",
          {"kernel.net.core.somaxconn=77"});

    loads("rtt 40us", "network:\n  rtt: 40us\n", "rtt", "40000");
    loads("rtt 1.5s", "network:\n  rtt: 1.5s\n", "rtt", "1500000000");
    loads("rtt 0", "network:\n  rtt: 0s\n", "rtt", "0");
    loads("jitter", "network:\n  jitter: 5us\n", "jitter", "5000");
    loads("loss percent", "network:\n  loss: 0.5%\n", "lossPpm", "5000");
    loads("loss fraction", "network:\n  loss: 0.01\n", "lossPpm", "10000");
    loads("fault",
          "network:\n  faults:\n    - { drop: client-acks, of: early, from: 0s, to: 300ms }\n"
          "traffic:\n  - { name: early }\n",
          "faults", "2 of=early from=0 to=300000000");
    loads("fault for everyone, to the end", "network:\n  faults:\n    - { drop: synack, from: 1s }\n",
          "faults", "1 of= from=1000000000 to=never");

    loads("port", "server:\n  port: 8080\n", "port", "8080");
    loads("backlog", "server:\n  backlog: 4\n", "backlog", "4");
    loads("negative backlog", "server:\n  backlog: -1\n", "backlog", "-1");
    loads("listeners", "server:\n  listeners: 4\n", "listeners", "4");
    loads("workers.count", "server:\n  workers:\n    count: 150\n", "workers", "150");
    loads("workers.count 0", "server:\n  workers:\n    count: 0\n", "workers", "0");
    loads("accept blocking", "server:\n  workers:\n    accept: blocking\n", "accept", "0");
    loads("accept epoll", "server:\n  workers:\n    accept: epoll\n", "accept", "1");
    loads("accept epoll-exclusive", "server:\n  workers:\n    accept: epoll-exclusive\n", "accept", "2");
    loads("start", "server:\n  workers:\n    start: 2s\n", "start", "2000000000");
    loads("service fixed", "server:\n  workers:\n    service: 3s\n", "service", "0 3000000000");
    loads("service exponential", "server:\n  workers:\n    service: { dist: exponential, mean: 3s }\n",
          "service", "1 3000000000");
    loads("accept_cost", "server:\n  workers:\n    accept_cost: 50us\n", "acceptCost", "50000");
    loads("connections", "server:\n  workers:\n    connections: 1024\n", "connections", "1024");

    loads("clients entry",
          "traffic:\n  - { name: early, clients: 1000, at: 0s, spacing: 50us, send: true }\n", "traffic",
          "early clients=1000 at=0 spacing=50000 send=1 concurrency=0");
    loads("closed loop", "traffic:\n  - { name: ab, clients: 100, concurrency: 10, send: false }\n",
          "traffic", "ab clients=100 at=0 spacing=1000000 send=0 concurrency=10");
    loads("flood entry", "traffic:\n  - { flood: { rate: 50000/s, from: 2s, to: 12s } }\n", "traffic",
          "flood-1 rate=50000 from=2000000000 to=12000000000 routable=1");
    loads("flood named inside, not routable",
          "traffic:\n  - { flood: { name: attack, rate: 50/ms, routable: false } }\n", "traffic",
          "attack rate=50000 from=0 to=1000000000 routable=0");
    loads("flood named beside", "traffic:\n  - name: attack\n    flood: { rate: 600/min }\n", "traffic",
          "attack rate=10 from=0 to=1000000000 routable=1");
    loads("names by position",
          "traffic:\n  - { clients: 3 }\n  - { flood: { rate: 10/s } }\n  - { clients: 2 }\n", "traffic",
          "clients-1 clients=3 at=0 spacing=1000000 send=1 concurrency=0; "
          "flood-2 rate=10 from=0 to=1000000000 routable=1; "
          "clients-3 clients=2 at=0 spacing=1000000 send=1 concurrency=0");
    loads("spacing 0, all at once", "traffic:\n  - { name: burst, clients: 200, spacing: 0s }\n", "traffic",
          "burst clients=200 at=0 spacing=0 send=1 concurrency=0");
    loads("--set a traffic field", "traffic:\n  - { name: early, clients: 10 }\n", "traffic",
          "early clients=20 at=0 spacing=1000000 send=1 concurrency=0", {"traffic.early.clients=20"});

    loads("events",
          "server:\n  listeners: 2\nevents:\n"
          "  - { at: 5s, set: { server.backlog: 4, net.ipv4.tcp_syncookies: 0 } }\n"
          "  - { at: 8s, close-listener: 1 }\n",
          "events",
          "5000000000 server.backlog=4 @4:22; 5000000000 net.ipv4.tcp_syncookies=0 @4:41; "
          "8000000000 close-listener=1 @5:15");
    loads("seed", "seed: 42\n", "seed", "42");
    loads("until 2min", "until: 2min\n", "until", "120000000000");
    loads("no until", "seed: 1\n", "until", "none");
    loads("--set overrides the file", "server:\n  backlog: 128\n", "backlog", "4", {"server.backlog=4"});
    loads("--set with spaces", "seed: 1\n", "backlog", "5", {" server.backlog = 5 "});
    loads("an empty document after the first", "seed: 3\n---\n", "seed", "3");
    loads("empty sections", "kernel:\nserver:\ntraffic:\nevents:\n", "backlog", "128");
}

void TestScenarioReader::validFile() {
    QFETCH(QString, yaml);
    QFETCH(QStringList, sets);
    QFETCH(QString, field);
    QFETCH(QString, expected);
    const ReadResult result = readScenarioText(yaml.toStdString(), fileName, toStd(sets));
    QVERIFY2(result.errors.empty(), qPrintable(allErrors(result)));
    QVERIFY(result.scenario);
    QVERIFY2(fields().count(field), qPrintable(field));
    QCOMPARE(fields().at(field)(*result.scenario), expected);
}

// ---- Files that are refused ----------------------------------------------------------------------

namespace {

// A file (and --set items) that is refused: its first error is at line:column (0:0 for --set) and its
// message contains `message`.
void fails(const char* name, const char* yaml, int line, int column, const char* message,
           const QStringList& sets = {}) {
    QTest::newRow(name) << QString::fromUtf8(yaml) << sets << line << column << QString::fromUtf8(message);
}

} // namespace

void TestScenarioReader::invalidFile_data() {
    QTest::addColumn<QString>("yaml");
    QTest::addColumn<QStringList>("sets");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message");

    // Keys
    fails("unknown key, suggestion", "server:\n  backlg: 4\n", 2, 3,
          "unknown key backlg in server; did you mean backlog?");
    fails("unknown sysctl, suggestion", "kernel:\n  net.ipv4.tcp_syncookie: 1\n", 2, 3,
          "unknown key net.ipv4.tcp_syncookie in kernel; did you mean net.ipv4.tcp_syncookies?");
    fails("unknown top-level key, suggestion", "title: x\nsed: 4\n", 2, 1,
          "unknown key sed; did you mean seed?");
    fails("unknown key, the choices listed", "server:\n  colour: red\n", 2, 3,
          "unknown key colour in server; expected one of port, backlog, listeners, workers");
    fails("unknown key in a traffic entry", "traffic:\n  - { clints: 4 }\n", 2, 7,
          "unknown key clints in a clients entry; did you mean clients?");
    fails("flood key in a clients entry", "traffic:\n  - { clients: 4, rate: 5/s }\n", 2, 19,
          "rate belongs to a flood");
    fails("clients key in a flood", "traffic:\n  - { flood: { clients: 4 } }\n", 2, 16,
          "clients is a key of clients entries, not of a flood");
    fails("unknown key in an event", "events:\n  - { at: 1s, sett: { seed: 2 } }\n", 2, 15,
          "unknown key sett in an event; did you mean set?");
    fails("duplicate key", "server:\n  backlog: 4\n  backlog: 5\n", 3, 3,
          "duplicate key backlog (first given on line 2)");
    fails("duplicate key in a flow map", "server: { port: 1, port: 2 }\n", 1, 20, "duplicate key port");

    // Types
    fails("list where a scalar is expected", "server:\n  port: [1, 2]\n", 2, 9,
          "port: expected an integer from 1 to 65535, got a list");
    fails("map where a scalar is expected", "network:\n  rtt: { a: 1 }\n", 2, 8,
          "rtt: expected a duration such as 40us, 3s, 2min, got a map");
    fails("empty value, at its key", "network:\n  rtt:\n", 2, 3,
          "rtt: expected a duration such as 40us, 3s, 2min, got nothing");
    fails("scalar where a section is expected", "server: 5\n", 1, 9,
          "server: expected a map of settings, got \"5\"");
    fails("scalar where workers are expected", "server:\n  workers: 150\n", 2, 12,
          "workers: expected a map of settings");
    fails("map where a list is expected", "traffic:\n  clients: 5\n", 2, 3, "traffic: expected a list");
    fails("traffic entry not a map", "traffic:\n  - 7\n", 2, 5, "expected a traffic entry");
    fails("flood not a map", "traffic:\n  - { flood: 5000/s }\n", 2, 14, "flood: expected a map");
    fails("file is a list", "- a\n- b\n", 1, 1, "expected a map of sections");
    fails("file is a scalar", "hello\n", 1, 1, "expected a map of sections");
    fails("empty file", "", 1, 1, "the file is empty");
    fails("only comments", "# nothing yet\n", 1, 1, "the file is empty");
    fails("two documents", "seed: 1\n---\nseed: 2\n", 3, 1, "a scenario file holds one YAML document");

    // YAML syntax (the positions are yaml-cpp's)
    fails("unclosed flow list", "seed: 1\nserver: [1\nb: 2\n", 3, 2,
          "YAML syntax: end of sequence flow not found");
    // yaml-cpp 0.7 would loop for ever on the first (jbeder/yaml-cpp#1040).
    fails("stray comma at the top", ",\nseed: 1\n", 1, 1, "YAML syntax: unexpected ','");
    fails("stray comma after a map", "seed: 1\n,\n", 2, 1, "YAML syntax: end of map not found");
    fails("bad indentation", "server:\n  port: 80\n   backlog: 4\n", 3, 11, "YAML syntax: illegal map value");

    // Values
    fails("bare number for a duration", "network:\n  rtt: 40\n", 2, 8,
          "rtt: expected a duration such as 40us, 3s, 2min");
    fails("bad duration unit", "network:\n  rtt: 40xs\n", 2, 8,
          "rtt: unknown unit xs in 40xs; expected ns, us, ms, s or min");
    fails("duration below a nanosecond", "network:\n  jitter: 0.5ns\n", 2, 11,
          "not a whole number of nanoseconds");
    fails("negative duration", "server:\n  workers:\n    start: -1s\n", 3, 12,
          "start: expected at least 0s, got -1s");
    fails("syncookies 3", "kernel:\n  net.ipv4.tcp_syncookies: 3\n", 2, 28, "expected one of 0, 1, 2, got 3");
    fails("hz 200", "kernel:\n  hz: 200\n", 2, 7, "hz: expected one of 100, 250, 300, 1000, got 200");
    fails("unknown version", "kernel:\n  version: \"7.0\"\n", 2, 12,
          "version: unknown kernel.version 7.0; known: 4.15, 5.4, 6.1, 6.12, 6.18");
    fails("linear timeouts on 4.15", "kernel:\n  version: \"4.15\"\n  net.ipv4.tcp_syn_linear_timeouts: 2\n",
          3, 37, "kernel 4.15 does not have this setting (it appeared in 6.5)");
    fails("linear timeouts before version 4.15",
          "kernel:\n  net.ipv4.tcp_syn_linear_timeouts: 2\n  version: \"4.15\"\n", 2, 37,
          "kernel 4.15 does not have this setting (it appeared in 6.5)");
    fails("migrate_req on 4.15", "kernel:\n  version: \"4.15\"\n  net.ipv4.tcp_migrate_req: 1\n", 3, 29,
          "kernel 4.15 does not have this setting (it appeared in 5.14)");
    fails("syn_retries 0", "kernel:\n  net.ipv4.tcp_syn_retries: 0\n", 2, 29, "expected at least 1, got 0");
    fails("listeners 0", "server:\n  listeners: 0\n", 2, 14, "listeners: expected at least 1, got 0");
    fails("workers -1", "server:\n  workers:\n    count: -1\n", 3, 12, "count: expected at least 0, got -1");
    fails("port 0", "server:\n  port: 0\n", 2, 9, "port: expected at least 1, got 0");
    fails("backlog abc", "server:\n  backlog: abc\n", 2, 12, "backlog: expected an integer");
    fails("clients 0", "traffic:\n  - { clients: 0 }\n", 2, 16, "clients: expected at least 1, got 0");
    fails("send yes", "traffic:\n  - { send: yes }\n", 2, 13, "send: expected true or false");
    fails("accept poll", "server:\n  workers:\n    accept: poll\n", 3, 13,
          "accept: expected one of blocking, epoll, epoll-exclusive, epoll-shared, got poll");
    fails("service dist normal", "server:\n  workers:\n    service: { dist: normal }\n", 3, 22,
          "dist: expected one of fixed, exponential, got normal");
    fails("rate without unit", "traffic:\n  - { flood: { rate: 5000 } }\n", 2, 22,
          "rate: expected a rate such as 50000/s");
    fails("loss above 100%", "network:\n  loss: 200%\n", 2, 9, "loss: expected a probability from 0 to 1");
    fails("seed too large", "seed: 99999999999999999999\n", 1, 7, "seed: 99999999999999999999 is too large");

    // requests: is ab's -n (M18): with -c, not below it, instead of clients:
    fails(
        "requests without concurrency", "traffic:\n  - { name: ab, requests: 50 }\n", 2, 27,
        "requests: requests counts the requests of a closed loop (ab -n); it needs concurrency (ab -c) too");
    fails("concurrency above requests", "traffic:\n  - { name: ab, concurrency: 100, requests: 50 }\n", 2, 30,
          "concurrency: concurrency 100 is more than the 50 requests (ab refuses a concurrency level greater "
          "than the number of requests)");
    fails("requests and clients", "traffic:\n  - { name: ab, clients: 80, concurrency: 10, requests: 50 }\n",
          2, 26, "clients: give clients (connect() calls) or requests (ab -n: requests started), not both");

    // Limits
    fails("clients limit", "traffic:\n  - { clients: 1000000000 }\n", 2, 16,
          "clients: 1000000000 is more than the limit of 1000000");
    fails("clients limit over all entries", "traffic:\n  - { clients: 600000 }\n  - { clients: 600000 }\n", 3,
          16, "clients: the traffic entries start 1200000 clients in all, more than the limit of 1000000");
    fails("flood SYN limit", "traffic:\n  - { flood: { rate: 10000000/s, from: 0s, to: 10s } }\n", 2, 5,
          "traffic entry flood-1: the floods send 100000000 SYNs in all (rate × (to − from)), "
          "more than the limit of 50000000");
    fails("flood rate limit", "traffic:\n  - { flood: { rate: 20000000/s } }\n", 2, 22,
          "rate: 20000000/s is more than the limit of 10000000");
    fails("backlog limit", "server:\n  backlog: 20000000\n", 2, 12,
          "backlog: 20000000 is more than the limit of 16777216");
    fails("negative backlog limit", "server:\n  backlog: -20000000\n", 2, 12,
          "backlog: -20000000 is less than the limit of -16777216");
    fails("listeners limit", "server:\n  listeners: 300\n", 2, 14,
          "listeners: 300 is more than the limit of 256");
    fails("workers limit", "server:\n  workers:\n    count: 200000\n", 3, 12,
          "count: 200000 is more than the limit of 100000");
    fails("rtt limit", "network:\n  rtt: 5s\n", 2, 8, "rtt: 5s is more than the limit of 4s");
    fails("until limit", "until: 25000min\n", 1, 8, "until: 25000min is more than the limit of");
    std::string entries = "traffic: [";
    for (int i = 0; i < Limits::maxTrafficEntries; ++i)
        entries += "{}, ";
    fails("traffic entries limit", (entries + "{}]\n").c_str(), 1, 11 + 4 * Limits::maxTrafficEntries,
          "traffic: more than the limit of 1000 entries");
    fails("clients spread beyond a run", "traffic:\n  - { clients: 1000000, spacing: 1s }\n", 2, 34,
          "spacing: the last of 1000000 clients, one every 1s, would start later than the limit of");

    // Rules across settings
    fails("flood to before from", "traffic:\n  - { flood: { rate: 10/s, from: 5s, to: 1s } }\n", 2, 42,
          "to: to (1s) is before from (5s)");
    fails("fault to before from", "network:\n  faults:\n    - { drop: syn, from: 5s, to: 1s }\n", 3, 34,
          "to: to (1s) is before from (5s)");
    fails("duplicate traffic name", "traffic:\n  - { name: a }\n  - { name: a }\n", 3, 13,
          "name: a traffic entry named a already exists (line 2)");
    fails("given name equal to a position name", "traffic:\n  - { name: clients-2 }\n  - { clients: 4 }\n", 3,
          5, "a traffic entry named clients-2 already exists");
    fails("bad traffic name", "traffic:\n  - { name: \"a b\" }\n", 2, 13,
          "name: expected letters, digits, - and _ only, got \"a b\"");
    fails("fault of an unknown entry",
          "network:\n  faults:\n    - { drop: client-acks, of: early }\ntraffic:\n  - { name: erly }\n", 3,
          32, "of: no traffic entry named early; did you mean erly?");
    fails("fault kind", "network:\n  faults:\n    - { drop: acks }\n", 3, 15,
          "drop: expected one of syn, synack, client-acks, data, all, got acks");
    fails("fault without drop", "network:\n  faults:\n    - { from: 1s }\n", 3, 7, "fault: expected drop:");

    // Events
    fails("event bad value", "events:\n  - { at: 5s, set: { server.backlog: x } }\n", 2, 38,
          "server.backlog: expected an integer");
    fails("event unknown key", "events:\n  - { at: 5s, set: { server.backlg: 4 } }\n", 2, 22,
          "unknown key server.backlg; did you mean server.backlog?");
    fails("event fixed setting", "events:\n  - { at: 5s, set: { kernel.version: \"5.4\" } }\n", 2, 22,
          "kernel.version cannot change during a run");
    fails("event close-listener out of range", "events:\n  - { at: 5s, close-listener: 1 }\n", 2, 31,
          "close-listener: expected an integer from 0 to 0, got 1");
    fails("event close-listener after fewer listeners",
          "server:\n  listeners: 3\nevents:\n  - { at: 9s, close-listener: 2 }\n"
          "  - { at: 5s, set: { server.listeners: 2 } }\n",
          4, 31, "close-listener: expected an integer from 0 to 1, got 2");
    fails("event without at", "events:\n  - { set: { server.port: 2 } }\n", 2, 5, "event: expected at:");
    fails("event without change", "events:\n  - { at: 2s }\n", 2, 5, "event: expected set:");
    fails("event at beyond the limit", "events:\n  - { at: 99999min, set: { server.backlog: 4 } }\n", 2, 11,
          "at: 99999min is more than the limit of");
    fails("event breaks a limit",
          "traffic:\n  - { name: early }\nevents:\n  - { at: 5s, set: { traffic.early.clients: 2000000 } }\n",
          4, 45, "traffic.early.clients: 2000000 is more than the limit of 1000000");

    // --set
    fails("--set bad value", "seed: 1\n", 0, 0, "--set server.backlog=abc: expected an integer",
          {"server.backlog=abc"});
    fails("--set without =", "seed: 1\n", 0, 0, "--set server.backlog: expected KEY=VALUE",
          {"server.backlog"});
    fails("--set unknown key", "seed: 1\n", 0, 0,
          "--set server.backlg=3: unknown key server.backlg; did you mean server.backlog?",
          {"server.backlg=3"});
    fails("--set unknown traffic entry", "traffic:\n  - { name: early }\n", 0, 0,
          "--set traffic.x.clients=1: no traffic entry named x; the entries are early",
          {"traffic.x.clients=1"});
    fails("--set field of the other kind", "traffic:\n  - { name: early }\n", 0, 0,
          "--set traffic.early.rate=5/s: traffic.early is a clients entry, which has no rate",
          {"traffic.early.rate=5/s"});
    fails("--set limit", "seed: 1\n", 0, 0, "--set server.listeners=1000: 1000 is more than the limit of 256",
          {"server.listeners=1000"});
    fails("--set breaks a rule across settings", "traffic:\n  - { name: a, flood: { rate: 1000/s } }\n", 0, 0,
          "--set traffic.a.from=2s: to (1s) is before from (2s)", {"traffic.a.from=2s"});
    // The version is applied first, so the file's own line is blamed.
    fails("--set version refuses a sysctl of the file", "kernel:\n  net.ipv4.tcp_syn_linear_timeouts: 4\n", 2,
          37, "kernel 4.15 does not have this setting (it appeared in 6.5)", {"kernel.version=4.15"});
}

void TestScenarioReader::invalidFile() {
    QFETCH(QString, yaml);
    QFETCH(QStringList, sets);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, message);
    const ReadResult result = readScenarioText(yaml.toStdString(), fileName, toStd(sets));
    QVERIFY(!result.scenario);
    QVERIFY(!result.errors.empty());
    const ReadError& first = result.errors.front();
    const QString text = allErrors(result);
    QVERIFY2(QString::fromStdString(first.message).contains(message), qPrintable(text));
    QCOMPARE(first.line, line);
    QCOMPARE(first.column, column);
    QCOMPARE(first.file, fileName);
}

// ---- The dotted keys on their own ----------------------------------------------------------------

void TestScenarioReader::everyKeyOfTheVocabulary_data() {
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");

    // Exactly the spellings the --set vocabulary promises.
    const std::vector<std::pair<const char*, const char*>> keys{
        {"kernel.version", "6.12"},
        {"kernel.hz", "300"},
        {"net.core.somaxconn", "100"},
        {"net.ipv4.tcp_max_syn_backlog", "100"},
        {"net.ipv4.tcp_syncookies", "0"},
        {"net.ipv4.tcp_synack_retries", "2"},
        {"net.ipv4.tcp_syn_retries", "2"},
        {"net.ipv4.tcp_syn_linear_timeouts", "2"},
        {"net.ipv4.tcp_abort_on_overflow", "1"},
        {"net.ipv4.tcp_migrate_req", "1"},
        {"kernel.net.core.somaxconn", "100"},
        {"kernel.net.ipv4.tcp_max_syn_backlog", "100"},
        {"kernel.net.ipv4.tcp_syncookies", "2"},
        {"kernel.net.ipv4.tcp_synack_retries", "2"},
        {"kernel.net.ipv4.tcp_syn_retries", "2"},
        {"kernel.net.ipv4.tcp_syn_linear_timeouts", "2"},
        {"kernel.net.ipv4.tcp_abort_on_overflow", "1"},
        {"kernel.net.ipv4.tcp_migrate_req", "1"},
        {"network.rtt", "1ms"},
        {"network.jitter", "1ms"},
        {"network.loss", "1%"},
        {"server.port", "8080"},
        {"server.backlog", "-1"},
        {"server.listeners", "2"},
        {"server.workers.count", "3"},
        {"server.workers.accept", "epoll"},
        {"server.workers.start", "1s"},
        {"server.workers.service", "2s"},
        {"server.workers.service.mean", "2s"},
        {"server.workers.service.dist", "exponential"},
        {"server.workers.accept_cost", "10us"},
        {"server.workers.connections", "10"},
        {"seed", "3"},
        {"until", "1min"},
        {"traffic.web.clients", "5"},
        {"traffic.web.at", "1s"},
        {"traffic.web.spacing", "1ms"},
        {"traffic.web.send", "false"},
        {"traffic.web.concurrency", "2"},
        {"traffic.syns.rate", "100/s"},
        {"traffic.syns.from", "1s"},
        {"traffic.syns.to", "2s"},
        {"traffic.syns.routable", "false"},
    };
    for (const auto& [key, value] : keys)
        QTest::newRow(key) << key << value;
}

void TestScenarioReader::everyKeyOfTheVocabulary() {
    QFETCH(QString, key);
    QFETCH(QString, value);
    Scenario s;
    s.traffic.resize(2);
    s.traffic[0].clients.name = "web";
    s.traffic[1].kind = TrafficEntry::Kind::Flood;
    s.traffic[1].flood.name = "syns";
    const std::optional<std::string> error = applySetting(s, key.toStdString(), value.toStdString());
    QVERIFY2(!error, error ? error->c_str() : "");
    QVERIFY(canonicalSettingKey(key.toStdString()));
    QVERIFY(!expectedValue(key.toStdString()).empty());
    // settingValues() reads the value back as it was written (server.workers.service writes .mean), and
    // every value it reads, written again, changes nothing.
    std::string readAs = *canonicalSettingKey(key.toStdString());
    if (readAs == "server.workers.service") readAs += ".mean";
    const std::vector<SettingValue> values = settingValues(s);
    const auto read = std::find_if(values.begin(), values.end(),
                                   [&readAs](const SettingValue& v) { return v.key == readAs; });
    QVERIFY2(read != values.end(), readAs.c_str());
    QCOMPARE(QString::fromStdString(read->text), value);
    Scenario again = s;
    for (const SettingValue& v : values) {
        if (v.text == "none") continue; // an optional left unset has no text to write
        const std::optional<std::string> rewritten = applySetting(again, v.key, v.text);
        QVERIFY2(!rewritten, (v.key + ": " + rewritten.value_or("")).c_str());
    }
    const std::vector<SettingValue> after = settingValues(again);
    QCOMPARE(after.size(), values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        QCOMPARE(after[i].key, values[i].key);
        QCOMPARE(after[i].text, values[i].text);
        QCOMPARE(after[i].number, values[i].number);
    }
}

void TestScenarioReader::applySettingNeedsNoFile() {
    Scenario s;
    QVERIFY(!applySetting(s, "server.backlog", "-1"));
    QCOMPARE(s.server.backlog, std::int64_t(-1));
    QCOMPARE(applySetting(s, "net.ipv4.tcp_syncookis", "1").value_or(""),
             std::string("unknown key net.ipv4.tcp_syncookis; did you mean net.ipv4.tcp_syncookies?"));
    QCOMPARE(applySetting(s, "server.backlog", "x").value_or(""), std::string("expected an integer"));
    QCOMPARE(applySetting(s, "traffic.a.clients", "1").value_or(""),
             std::string("no traffic entry named a; the scenario has no traffic"));
    QVERIFY(!applySetting(s, "kernel.version", "4.15"));
    QCOMPARE(s.kernel.somaxconn, std::int64_t(128));
    QCOMPARE(applySetting(s, "net.ipv4.tcp_syn_linear_timeouts", "4").value_or(""),
             std::string("kernel 4.15 does not have this setting (it appeared in 6.5)"));
    // A fresh editor counts a value that differs from the profile's default as chosen on purpose.
    QVERIFY(!applySetting(s, "net.core.somaxconn", "1000"));
    QVERIFY(!applySetting(s, "kernel.version", "6.18"));
    QCOMPARE(s.kernel.somaxconn, std::int64_t(1000));
    QCOMPARE(s.kernel.tcpSynLinearTimeouts, 4);
    QVERIFY(!applySetting(s, "net.ipv4.tcp_syn_linear_timeouts", "2"));
    QCOMPARE(
        applySetting(s, "kernel.version", "5.4").value_or(""),
        std::string(
            "kernel 5.4 does not have net.ipv4.tcp_syn_linear_timeouts (it appeared in 6.5), but it is set"));
    QCOMPARE(std::string(s.kernel.profile.name), std::string("6.18")); // unchanged after the refusal
    QCOMPARE(suggestKey("backolg", {"backlog", "port"}).value_or(""), std::string("backlog"));
    QVERIFY(!suggestKey("colour", {"backlog", "port"}));
}

void TestScenarioReader::defaultsWithoutAnySetting() {
    const ReadResult result = readScenarioText("title: defaults\n", fileName);
    QVERIFY2(result.scenario, qPrintable(allErrors(result)));
    const Scenario& s = *result.scenario;
    const KernelSettings expected = KernelSettings::defaultsFor(*findKernelProfile("6.18"));
    QCOMPARE(std::string(s.kernel.profile.name), std::string("6.18"));
    QCOMPARE(s.kernel.somaxconn, expected.somaxconn);
    QCOMPARE(s.kernel.tcpSynLinearTimeouts, expected.tcpSynLinearTimeouts);
    QCOMPARE(s.network.rtt, Scenario().network.rtt);
    QCOMPARE(s.server.backlog, Scenario().server.backlog);
    QVERIFY(s.traffic.empty());
    QVERIFY(s.events.empty());
    QVERIFY(!s.until);
}

void TestScenarioReader::reportsEveryError() {
    const std::string yaml = "network:\n  rtt: 40\n  jitter: 5xs\nserver:\n  backlg: 4\n";
    const ReadResult result = readScenarioText(yaml, fileName, {"seed=x"});
    QVERIFY(!result.scenario);
    QCOMPARE(result.errors.size(), std::size_t(4));
    QCOMPARE(result.errors[0].text(),
             std::string("test.yaml:2:8: rtt: expected a duration such as 40us, 3s, 2min"));
    QCOMPARE(result.errors[1].line, 3);
    QCOMPARE(result.errors[2].line, 5);
    QCOMPARE(result.errors[3].text(), std::string("--set seed=x: expected an integer"));
}

void TestScenarioReader::errorText() {
    QCOMPARE((ReadError{"a.yaml", 3, 7, "expected an integer"}.text()),
             std::string("a.yaml:3:7: expected an integer"));
    QCOMPARE((ReadError{"a.yaml", 0, 0, "--set x=1: unknown key x"}.text()),
             std::string("--set x=1: unknown key x"));
}

void TestScenarioReader::missingFile() {
    const std::string path = std::string(BACKLOG_SOURCE_DIR) + "/lessons/no-such-lesson.yaml";
    const ReadResult result = readScenarioFile(path);
    QVERIFY(!result.scenario);
    QCOMPARE(result.errors.size(), std::size_t(1));
    QCOMPARE(result.errors[0].text(), path + ": no such file");
    const ReadResult directory = readScenarioFile(std::string(BACKLOG_SOURCE_DIR) + "/lessons");
    QVERIFY(!directory.errors.empty());
    QVERIFY(directory.errors[0].message.find("is a directory") != std::string::npos);
}

// ---- What a file must be before YAML sees it (SourceFile.h) ------------------------------------------

namespace {

// A scenario with a title that is not ASCII, to see it decoded.
const QString kTitled = QStringLiteral("title: Caf\u00e9 \U0001F600\nserver: { backlog: 4 }\n");

} // namespace

void TestScenarioReader::fileGuards_data() {
    QTest::addColumn<QString>("kind"); // file (with `bytes`), fifo, folder, missing, or a device's path
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("line"); // 0: the error has no place (it names the path)
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message"); // empty: the file is read, and its title is Café 😀

    const QByteArray titled = kTitled.toUtf8();
    QTest::newRow("UTF-8") << "file" << titled << 0 << 0 << QString();
    QTest::newRow("UTF-8 with a byte order mark")
        << "file" << QByteArray("\xEF\xBB\xBF") + titled << 0 << 0 << QString();
    QTest::newRow("UTF-16 LE with its BOM: decoded")
        << "file" << utf16(kTitled, false) << 0 << 0 << QString();
    QTest::newRow("UTF-16 BE with its BOM: decoded") << "file" << utf16(kTitled, true) << 0 << 0 << QString();
    QTest::newRow("UTF-16 LE, a lone surrogate")
        << "file" << utf16(QStringLiteral("title: x\nseed: ") + QChar(0xD800) + QStringLiteral("1\n"), false)
        << 2 << 7 << QStringLiteral("not valid UTF-16 LE: a lone surrogate; save the file as UTF-8");
    QTest::newRow("UTF-16 BE, an odd number of bytes")
        << "file" << utf16(QStringLiteral("title: x\n"), true) + QByteArray("a") << 2 << 1
        << QStringLiteral("the UTF-16 BE text ends in the middle of a character (an odd number of bytes)");
    QTest::newRow("UTF-16 LE, a NUL")
        << "file" << utf16(QStringLiteral("title: x") + QChar(0) + QStringLiteral("\n"), false) << 1 << 9
        << QStringLiteral("a NUL character; expected text (UTF-8)");
    QTest::newRow("UTF-32 LE") << "file" << QByteArray("\xFF\xFE\0\0t\0\0\0", 8) << 1 << 1
                               << QStringLiteral("the file is UTF-32 text; save it as UTF-8");
    // Columns count characters, as an editor shows them: `title: Tüü` is ten.
    QTest::newRow("a Latin-1 byte") << "file" << QByteArray("title: x\n# caf\xE9\n") << 2 << 6
                                    << QStringLiteral("not valid UTF-8 (byte 0xE9); save the file as UTF-8");
    QTest::newRow("a bad byte after two-byte characters")
        << "file" << QByteArray("title: T\xC3\xBC\xC3\xBC\xFF\n") << 1 << 11
        << QStringLiteral("not valid UTF-8 (byte 0xFF)");
    QTest::newRow("an overlong /") << "file" << QByteArray("title: \xC0\xAF\n") << 1 << 8
                                   << QStringLiteral("not valid UTF-8 (byte 0xC0)");
    QTest::newRow("a surrogate in UTF-8") << "file" << QByteArray("\n\n  title: \xED\xA0\x80\n") << 3 << 10
                                          << QStringLiteral("not valid UTF-8 (byte 0xED)");
    QTest::newRow("beyond U+10FFFF") << "file" << QByteArray("title: \xF4\x90\x80\x80\n") << 1 << 8
                                     << QStringLiteral("not valid UTF-8 (byte 0xF4)");
    QTest::newRow("a character cut short at the end") << "file" << QByteArray("title: x\xE2\x82") << 1 << 9
                                                      << QStringLiteral("not valid UTF-8 (byte 0xE2)");
    QTest::newRow("a stray continuation byte")
        << "file" << QByteArray("title: \x80\n") << 1 << 8 << QStringLiteral("not valid UTF-8 (byte 0x80)");
    QTest::newRow("a NUL") << "file" << QByteArray("title: x\nseed: 1\0\n", 18) << 2 << 8
                           << QStringLiteral("a NUL character; expected text (UTF-8)");
    QByteArray atTheCap = titled + "#";
    atTheCap += QByteArray(static_cast<qsizetype>(kScenarioMaxFileBytes) - atTheCap.size() - 1, 'x') + "\n";
    QTest::newRow("1 MiB") << "file" << atTheCap << 0 << 0 << QString();
    QTest::newRow("1 MiB and a byte")
        << "file" << atTheCap + "\n"
        << 1 << 1 << QStringLiteral("the file is larger than the limit of 1048576 bytes for a scenario");
    QTest::newRow("a folder") << "folder" << QByteArray() << 0 << 0 << QStringLiteral(" is a directory");
    QTest::newRow("no such file") << "missing" << QByteArray() << 0 << 0 << QStringLiteral(": no such file");
#ifdef BACKLOG_TEST_FIFO
    QTest::newRow("a FIFO")
        << "fifo" << QByteArray() << 0 << 0
        << QStringLiteral(" is a FIFO (a named pipe), not a file; expected a scenario or lesson file");
    QTest::newRow("/dev/null") << "/dev/null" << QByteArray() << 0 << 0
                               << QStringLiteral(
                                      " is a device, not a file; expected a scenario or lesson file");
    QTest::newRow("/dev/zero") << "/dev/zero" << QByteArray() << 0 << 0
                               << QStringLiteral(" is a device, not a file");
#endif
}

void TestScenarioReader::fileGuards() {
    QFETCH(QString, kind);
    QFETCH(QByteArray, bytes);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, message);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = placeFile(dir, QStringLiteral("scenario.yaml"), kind, bytes);
    QVERIFY(!path.empty());
    bool waited = false;
    const ReadResult read = withoutWaiting(
        path, [&] { return readScenarioFile(path); }, waited);
    QVERIFY2(!waited, "the reader opened the FIFO and waited for a writer");
    if (message.isEmpty()) {
        QVERIFY2(read.scenario, qPrintable(allErrors(read)));
        QCOMPARE(QString::fromStdString(read.scenario->title), QStringLiteral("Caf\u00e9 \U0001F600"));
        QCOMPARE(read.scenario->server.backlog, 4);
    } else {
        QVERIFY(!read.scenario);
        QCOMPARE(read.errors.size(), std::size_t(1));
        const ReadError& e = read.errors.front();
        QVERIFY2(e.line == line && e.column == column && QString::fromStdString(e.message).contains(message),
                 qPrintable(QString::fromStdString(e.text())));
        QCOMPARE(QString::fromStdString(e.file), QString::fromStdString(path));
        if (line == 0) QVERIFY(e.message.starts_with(path)); // a message without a place names the file
    }
    // The same bytes as text: the same verdict (a file's kind is the file reader's alone).
    if (kind == QLatin1String("file")) {
        const ReadResult text = readScenarioText(
            std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())), path);
        QCOMPARE(text.scenario.has_value(), read.scenario.has_value());
        QCOMPARE(allErrors(text), allErrors(read));
    }
}

// A file with a mistake on every line is refused with the first errors and the count of the rest, and
// without the reader building a message for each.
void TestScenarioReader::manyErrorsAreBounded() {
    std::string yaml;
    for (int i = 0; i < 100'000; ++i)
        yaml += "k" + std::to_string(i) + ": 1\n";
    QVERIFY(yaml.size() <= kScenarioMaxFileBytes);
    QElapsedTimer clock;
    clock.start();
    const ReadResult read = readScenarioText(yaml, fileName, {"server.backlog=x"});
    const qint64 ms = clock.elapsed();
    qInfo("100,000 unknown keys refused in %lld ms", ms);
    QVERIFY(!read.scenario);
    QCOMPARE(read.errors.size(), kErrorsKept);
    QCOMPARE(read.errors.size() + read.moreErrors, std::size_t(100'001)); // and the --set
    QVERIFY2(read.errors.front().text().starts_with("test.yaml:1:1: unknown key k0"),
             read.errors.front().text().c_str());
    QVERIFY(std::is_sorted(read.errors.begin(), read.errors.end(),
                           [](const ReadError& a, const ReadError& b) { return a.line < b.line; }));
    const std::vector<std::string> lines = errorLines(read.errors, read.moreErrors);
    QCOMPARE(lines.size(), kErrorsShown + 1);
    QCOMPARE(lines.back(), std::string("… and 99,981 more errors"));
    QVERIFY2(ms < 10'000, "reading took longer than 10 s");
}

void TestScenarioReader::errorLinesShowAScreenful_data() {
    QTest::addColumn<int>("kept");
    QTest::addColumn<int>("unlisted");
    QTest::addColumn<QString>("last"); // the last line shown
    QTest::addColumn<int>("lines");
    QTest::newRow("none") << 0 << 0 << QString() << 0;
    QTest::newRow("one") << 1 << 0 << QStringLiteral("f.yaml:1:1: e1") << 1;
    QTest::newRow("20") << 20 << 0 << QStringLiteral("f.yaml:20:1: e20") << 20;
    // One more than a screenful: shown, not replaced by "… and 1 more error".
    QTest::newRow("21") << 21 << 0 << QStringLiteral("f.yaml:21:1: e21") << 21;
    QTest::newRow("22") << 22 << 0 << QStringLiteral("… and 2 more errors") << 21;
    QTest::newRow("21 kept, 1 counted") << 21 << 1 << QStringLiteral("… and 2 more errors") << 21;
    QTest::newRow("100 kept, 499,900 counted")
        << 100 << 499'900 << QStringLiteral("… and 499,980 more errors") << 21;
    QTest::newRow("20 kept, 1 counted") << 20 << 1 << QStringLiteral("… and 1 more error") << 21;
}

void TestScenarioReader::errorLinesShowAScreenful() {
    QFETCH(int, kept);
    QFETCH(int, unlisted);
    QFETCH(QString, last);
    QFETCH(int, lines);
    std::vector<ReadError> errors;
    for (int i = 1; i <= kept; ++i)
        errors.push_back({"f.yaml", i, 1, "e" + std::to_string(i)});
    const std::vector<std::string> shown = errorLines(errors, static_cast<std::size_t>(unlisted));
    QCOMPARE(static_cast<int>(shown.size()), lines);
    if (lines > 0) QCOMPARE(QString::fromStdString(shown.back()), last);
    for (std::size_t i = 0; i + 1 < shown.size(); ++i)
        QCOMPARE(shown[i], errors[i].text());
}

// ---- Shipped scenarios (the lesson files among them are read by tst_shippedlessons) ---------------

static bool isLessonFile(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return backlog::looksLikeLesson(text.str());
}

void TestScenarioReader::shippedLessons_data() {
    QTest::addColumn<QString>("path");
    // The scenarios are in lessons/scenarios/ (the sandbox, E1-E5, the benchmark); any other in lessons/ too.
    const std::filesystem::path lessons = std::filesystem::path(BACKLOG_SOURCE_DIR) / "lessons";
    std::vector<std::filesystem::path> files;
    for (const std::filesystem::path& folder : {lessons, lessons / "scenarios"})
        for (const auto& entry : std::filesystem::directory_iterator(folder))
            if (entry.path().extension() == ".yaml" && !isLessonFile(entry.path()))
                files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    QVERIFY(!files.empty());
    for (const std::filesystem::path& file : files)
        QTest::newRow(file.filename().string().c_str()) << QString::fromStdString(file.string());
}

void TestScenarioReader::shippedLessons() {
    QFETCH(QString, path);
    const ReadResult result = readScenarioFile(path.toStdString());
    QVERIFY2(result.errors.empty(), qPrintable(allErrors(result)));
    QVERIFY(result.scenario);
    QVERIFY(!result.scenario->title.empty());
}

QTEST_APPLESS_MAIN(TestScenarioReader)
#include "tst_scenarioreader.moc"
