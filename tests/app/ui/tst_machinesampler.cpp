// The "This machine" dock's sampler (app/ui/MachineSampler.h) fed fixed readings at fixed times, no
// kernel: a counter's rate is its increase over the time since the reading before (a failed read widens
// that interval; a counter that went backwards or disappeared gives no rate, never a negative or made-up
// one); a gauge has none; the histories keep only the last `keep` nanoseconds; a followed listener is
// known by address, port and inode, and a failed read of one part shows its message and leaves the other
// parts alone.
#include "app/ui/MachineSampler.h"

#include <QTest>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

using namespace backlog;
using app::MachineReading;
using app::MachineSampler;

namespace {

constexpr std::int64_t kSecond = MachineSampler::kSecond;

// A reader that returns whatever the test put in `next`.
struct FakeMachine {
    MachineReading next;
    app::MachineReader reader() {
        return [this] { return next; };
    }
};

lab::ListeningSocket listener(const char* address, std::uint16_t port, std::uint64_t inode,
                              std::uint32_t recvQ, std::uint32_t sendQ) {
    lab::ListeningSocket s;
    s.family = 2;
    s.localAddress = address;
    s.port = port;
    s.inode = inode;
    s.recvQ = recvQ;
    s.sendQ = sendQ;
    return s;
}

const MachineSampler::Counter* counter(const MachineSampler& sampler, const std::string& name) {
    for (const MachineSampler::Counter& c : sampler.counters())
        if (c.name == name) return &c;
    return nullptr;
}

// What the sampler says of one counter after a reading: "gone" (not listed), "error" (the read failed),
// "-" (no rate yet), "back" (went backwards), or the rate with up to three decimals.
QString rateText(const MachineSampler& sampler, const std::string& name) {
    if (!sampler.latest().counters.ok()) return QStringLiteral("error");
    const MachineSampler::Counter* c = counter(sampler, name);
    if (!c) return QStringLiteral("gone");
    if (c->wentBackwards) return QStringLiteral("back");
    if (!c->perSecond) return QStringLiteral("-");
    return QString::number(*c->perSecond, 'g', 6);
}

} // namespace

class TestMachineSampler : public QObject {
    Q_OBJECT
  private slots:
    void rates_data();
    void rates();
    void onlyTheWatchedCountersInTheirOrder();
    void aGaugeHasNoRate();
    void historyKeepsOnlyTheLastMinutes();
    void followsOneListenerByAddressPortAndInode();
    void eachFailedReadShowsItsMessage();
    void restartForgetsThePast();
};

void TestMachineSampler::rates_data() {
    // Readings "SECONDS:VALUE", "SECONDS:gone" (the counter is not in the file) or "SECONDS:error" (the
    // read failed); then what the sampler says after each.
    QTest::addColumn<QStringList>("readings");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("steady") << QStringList{"0:100", "1:103", "2:103", "3:110"}
                            << QStringList{"-", "3", "0", "7"};
    QTest::newRow("uneven intervals")
        << QStringList{"0:0", "0.5:10", "2.5:30"} << QStringList{"-", "20", "10"};
    QTest::newRow("goes backwards") << QStringList{"0:50", "1:60", "2:10", "3:15"}
                                    << QStringList{"-", "10", "back", "5"};
    QTest::newRow("disappears and returns")
        << QStringList{"0:5", "1:7", "2:gone", "3:20", "4:21"} << QStringList{"-", "2", "gone", "-", "1"};
    QTest::newRow("a failed read widens the interval")
        << QStringList{"0:0", "1:error", "3:60"} << QStringList{"-", "error", "20"};
    QTest::newRow("the first read fails")
        << QStringList{"0:error", "1:5", "2:6"} << QStringList{"error", "-", "1"};
    QTest::newRow("no time between two readings")
        << QStringList{"0:1", "0:2", "1:4"} << QStringList{"-", "-", "2"};
    QTest::newRow("big counters") << QStringList{"0:9000000000000000000", "2:9000000000000000004"}
                                  << QStringList{"-", "2"};
}

void TestMachineSampler::rates() {
    QFETCH(QStringList, readings);
    QFETCH(QStringList, expected);
    FakeMachine machine;
    MachineSampler sampler(machine.reader());
    const std::string name = "TcpExtListenOverflows";
    std::vector<double> rates; // what the history should hold, in order
    for (int i = 0; i < readings.size(); ++i) {
        const QStringList parts = readings[i].split(QLatin1Char(':'));
        const auto at = static_cast<std::int64_t>(std::llround(parts[0].toDouble() * 1e9));
        if (parts[1] == QLatin1String("error")) {
            machine.next.counters = lab::LabError{"/proc/net/netstat: Permission denied", 13};
        } else {
            lab::KernelCounterValues values{{"TcpExtListenDrops", 0}};
            if (parts[1] != QLatin1String("gone")) values[name] = parts[1].toLongLong();
            machine.next.counters = values;
        }
        sampler.sample(at);
        QCOMPARE(rateText(sampler, name), expected[i]);
        bool number = false;
        const double rate = expected[i].toDouble(&number);
        if (number) rates.push_back(rate);
    }
    const std::deque<MachineSampler::RatePoint>& history = sampler.rateHistory(name);
    QCOMPARE(history.size(), rates.size());
    for (std::size_t i = 0; i < rates.size(); ++i)
        QCOMPARE(history[i].perSecond, rates[i]);
}

void TestMachineSampler::onlyTheWatchedCountersInTheirOrder() {
    FakeMachine machine;
    machine.next.counters = lab::KernelCounterValues{{"TcpPassiveOpens", 3},
                                                     {"IpInReceives", 99},
                                                     {"TcpExtListenOverflows", 1},
                                                     {"TcpExtTCPSynRetrans", 2}};
    MachineSampler sampler(machine.reader());
    sampler.sample(0);
    std::vector<std::string> names;
    for (const MachineSampler::Counter& c : sampler.counters())
        names.push_back(c.name);
    QCOMPARE(names,
             (std::vector<std::string>{"TcpExtListenOverflows", "TcpExtTCPSynRetrans", "TcpPassiveOpens"}));
    QCOMPARE(counter(sampler, "TcpPassiveOpens")->total, std::int64_t{3});
}

void TestMachineSampler::aGaugeHasNoRate() {
    FakeMachine machine;
    MachineSampler sampler(machine.reader());
    for (int i = 0; i < 4; ++i) {
        machine.next.counters = lab::KernelCounterValues{{"TcpCurrEstab", 10 - 3 * i}};
        sampler.sample(i * kSecond);
        const MachineSampler::Counter* c = counter(sampler, "TcpCurrEstab");
        QVERIFY(c);
        QCOMPARE(c->total, std::int64_t{10 - 3 * i});
        QVERIFY(!c->perSecond);
        QVERIFY(!c->wentBackwards); // a level that falls is not a reset
    }
    QVERIFY(MachineSampler::isGauge("TcpCurrEstab"));
    QVERIFY(sampler.rateHistory("TcpCurrEstab").empty());
}

void TestMachineSampler::historyKeepsOnlyTheLastMinutes() {
    FakeMachine machine;
    machine.next.listeners = std::vector<lab::ListeningSocket>{listener("0.0.0.0", 80, 7, 0, 128)};
    const std::int64_t keep = 10 * kSecond;
    MachineSampler sampler(machine.reader(), keep);
    sampler.follow(app::ListenerKey{"0.0.0.0", 80, 7});
    for (int i = 0; i <= 100; ++i) {
        machine.next.counters = lab::KernelCounterValues{{"TcpPassiveOpens", 2 * i}};
        sampler.sample(i * kSecond);
        const auto& rates = sampler.rateHistory("TcpPassiveOpens");
        const auto& queue = sampler.queueHistory();
        QVERIFY(rates.size() <= 11);
        QVERIFY(queue.size() <= 11);
        if (i > 0) QVERIFY(rates.front().at >= sampler.latestAt() - keep);
        QVERIFY(queue.front().at >= sampler.latestAt() - keep);
    }
    const auto& rates = sampler.rateHistory("TcpPassiveOpens");
    QCOMPARE(rates.size(), std::size_t{11}); // 90 s … 100 s, both ends kept
    QCOMPARE(rates.front().at, 90 * kSecond);
    QCOMPARE(rates.back().at, 100 * kSecond);
    QCOMPARE(rates.back().perSecond, 2.0);
    QCOMPARE(sampler.queueHistory().size(), std::size_t{11});
    QCOMPARE(sampler.queueHistory().front().at, 90 * kSecond);

    // A counter that went away keeps its past until it is older than `keep`, then nothing is kept of it.
    machine.next.counters = lab::KernelCounterValues{};
    sampler.sample(105 * kSecond);
    QCOMPARE(sampler.rateHistory("TcpPassiveOpens").size(), std::size_t{6});
    sampler.sample(111 * kSecond);
    QVERIFY(sampler.rateHistory("TcpPassiveOpens").empty());
}

void TestMachineSampler::followsOneListenerByAddressPortAndInode() {
    FakeMachine machine;
    machine.next.listeners = std::vector<lab::ListeningSocket>{listener("127.0.0.1", 8080, 41, 0, 7),
                                                               listener("::", 8080, 42, 3, 4096)};
    MachineSampler sampler(machine.reader());
    sampler.sample(0);
    QVERIFY(!sampler.followedNow());
    QVERIFY(sampler.queueHistory().empty());

    // Following starts with the latest reading.
    sampler.follow(app::ListenerKey{"127.0.0.1", 8080, 41});
    QVERIFY(sampler.followedNow());
    QCOMPARE(sampler.queueHistory().size(), std::size_t{1});
    machine.next.listeners.value()[0].recvQ = 5;
    sampler.sample(kSecond);
    QCOMPARE(sampler.queueHistory().size(), std::size_t{2});
    QCOMPARE(sampler.queueHistory().back().recvQ, std::uint32_t{5});
    QCOMPARE(sampler.queueHistory().back().sendQ, std::uint32_t{7});

    // Closed and opened again on the same address and port: another socket, not the one followed.
    machine.next.listeners.value()[0] = listener("127.0.0.1", 8080, 77, 0, 7);
    sampler.sample(2 * kSecond);
    QVERIFY(!sampler.followedNow());
    QCOMPARE(sampler.queueHistory().size(), std::size_t{2});
    QCOMPARE(sampler.followed()->inode, std::uint64_t{41});

    // Another listener: a history of its own.
    sampler.follow(app::ListenerKey{"::", 8080, 42});
    QCOMPARE(sampler.queueHistory().size(), std::size_t{1});
    QCOMPARE(sampler.queueHistory().back().recvQ, std::uint32_t{3});
    QCOMPARE(sampler.queueHistory().back().sendQ, std::uint32_t{4096});

    // A failed read: not known to be gone, no point made up.
    machine.next.listeners =
        lab::LabError{"reading the listening sockets (sock_diag): socket: Operation not permitted", 1};
    sampler.sample(3 * kSecond);
    QVERIFY(!sampler.followedNow());
    QCOMPARE(sampler.queueHistory().size(), std::size_t{1});

    sampler.follow(std::nullopt);
    QVERIFY(!sampler.followed());
    QVERIFY(sampler.queueHistory().empty());
}

void TestMachineSampler::eachFailedReadShowsItsMessage() {
    FakeMachine machine;
    machine.next.listeners =
        lab::LabError{"reading the listening sockets (sock_diag): socket: Permission denied", 13};
    machine.next.counters = lab::KernelCounterValues{{"TcpExtListenDrops", 4}};
    machine.next.sysctls = lab::LabError{"/proc/sys/net/core/somaxconn: not an integer: \"x\""};
    MachineSampler sampler(machine.reader());
    sampler.sample(0);
    QVERIFY(!sampler.latest().listeners.ok());
    QCOMPARE(sampler.latest().listeners.error(),
             std::string("reading the listening sockets (sock_diag): socket: Permission denied"));
    QCOMPARE(sampler.latest().listeners.systemError(), 13);
    QVERIFY(sampler.latest().counters.ok());
    QCOMPARE(sampler.counters().size(), std::size_t{1});
    QVERIFY(!sampler.latest().sysctls.ok());

    // No reader at all is a failed read of everything, not a crash.
    MachineSampler none(nullptr);
    none.sample(0);
    QVERIFY(!none.latest().listeners.ok());
    QVERIFY(!none.latest().counters.ok());
    QVERIFY(!none.latest().sysctls.ok());
    QVERIFY(none.counters().empty());
}

void TestMachineSampler::restartForgetsThePast() {
    FakeMachine machine;
    MachineSampler sampler(machine.reader());
    machine.next.listeners = std::vector<lab::ListeningSocket>{listener("0.0.0.0", 22, 9, 0, 128)};
    sampler.follow(app::ListenerKey{"0.0.0.0", 22, 9});
    machine.next.counters = lab::KernelCounterValues{{"TcpActiveOpens", 10}};
    sampler.sample(0);
    machine.next.counters = lab::KernelCounterValues{{"TcpActiveOpens", 20}};
    sampler.sample(kSecond);
    QCOMPARE(sampler.rateHistory("TcpActiveOpens").size(), std::size_t{1});
    sampler.restart();
    QCOMPARE(sampler.samples(), 0);
    QVERIFY(sampler.rateHistory("TcpActiveOpens").empty());
    QVERIFY(sampler.queueHistory().empty());
    QVERIFY(sampler.followed()); // still the one to follow
    // A minute nobody looked at: no rate over it.
    machine.next.counters = lab::KernelCounterValues{{"TcpActiveOpens", 500}};
    sampler.sample(61 * kSecond);
    QCOMPARE(rateText(sampler, "TcpActiveOpens"), QStringLiteral("-"));
    QCOMPARE(sampler.queueHistory().size(), std::size_t{1});
}

QTEST_GUILESS_MAIN(TestMachineSampler)
#include "tst_machinesampler.moc"
