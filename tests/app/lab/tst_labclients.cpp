// The lab's real clients (app/lab/LabClients.h). The schedule's arithmetic without a kernel: open-loop
// times, a closed loop's ramp, replacements and stops (M18), the socket counts. Then real runs in a fresh
// network namespace this test enters (initTestCase), against listeners it makes itself: an open loop on
// time, a closed loop that never holds more than its concurrency and stops opening once its requests have
// started (M18), a full accept queue whose stuck clients get ETIMEDOUT after the kernel's SYN retries
// (tcp_syn_retries = 1, written inside that namespace only: M5, M10), a closed port (ECONNREFUSED), an
// abort the server sees as ECONNRESET, a FIN it sees as EOF, the stop flag, and RLIMIT_NOFILE. Every run
// is bounded by its `until` (at most 4 s); every socket is closed and every thread joined. QSKIP with the
// reason where no namespace can be made (not root).
#include "app/lab/LabClients.h"
#include "app/lab/Namespace.h"

#include <QTest>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using backlog::ClientTraffic;
using backlog::Time;
using backlog::lab::ClientDriverConfig;
using backlog::lab::ClientEntry;
using backlog::lab::ClientMeasurement;
using backlog::lab::ClientSchedule;
using backlog::lab::LabClock;
using backlog::lab::LabResult;
using namespace std::chrono_literals;

namespace {

constexpr std::uint32_t kLoopback = 0x7F00'0001; // 127.0.0.1
constexpr std::int64_t kMs = 1'000'000;

// A listener on 127.0.0.1 (an ephemeral port) and, unless it never accepts, one thread serving its
// connections one after another: Respond reads the request (or EOF), waits `service`, writes "ok" and
// closes; Watch reads until EOF or an error and records which (0 or the errno). Stopped and joined, and
// every descriptor closed, by the destructor.
class TestServer {
  public:
    enum class Mode { NeverAccept, Respond, Watch };
    TestServer(Mode mode, int backlog, std::chrono::milliseconds service = 0ms)
        : mode_(mode), service_(service) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(kLoopback);
        socklen_t length = sizeof a;
        auto* address = reinterpret_cast<sockaddr*>(&a);
        if (listener_ < 0 || ::bind(listener_, address, length) != 0 || ::listen(listener_, backlog) != 0 ||
            ::getsockname(listener_, address, &length) != 0)
            return;
        port = ntohs(a.sin_port);
        if (mode != Mode::NeverAccept) thread_ = std::thread([this] { serve(); });
    }
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;
    ~TestServer() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        if (listener_ >= 0) ::close(listener_);
    }
    std::vector<int> outcomes() {
        const std::lock_guard<std::mutex> lock(mutex_);
        return outcomes_;
    }
    std::uint16_t port = 0; // 0: the listener could not be made

  private:
    void serve() {
        while (!stop_) {
            pollfd p{listener_, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            const timeval timeout{2, 0}; // a client that never sends cannot hold the thread for long
            ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
            std::array<char, 256> buffer{};
            if (mode_ == Mode::Respond) {
                (void)::recv(fd, buffer.data(), buffer.size(), 0); // the 80-byte request arrives in one piece
                std::this_thread::sleep_for(service_);
                (void)::send(fd, "ok", 2, MSG_NOSIGNAL);
            } else {
                ssize_t n = 0;
                while ((n = ::recv(fd, buffer.data(), buffer.size(), 0)) > 0) {
                }
                const std::lock_guard<std::mutex> lock(mutex_);
                outcomes_.push_back(n == 0 ? 0 : errno);
            }
            ::close(fd);
        }
    }

    Mode mode_;
    std::chrono::milliseconds service_;
    int listener_ = -1;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex mutex_;
    std::vector<int> outcomes_;
};

ClientTraffic openLoopOf(int clients, Time spacing) {
    ClientTraffic t;
    t.clients = clients;
    t.spacing = spacing;
    return t;
}

ClientTraffic closedLoopOf(int concurrency, int requests, int clients, Time spacing) {
    ClientTraffic t;
    t.concurrency = concurrency;
    t.requests = requests;
    t.clients = clients;
    t.spacing = spacing;
    return t;
}

// One entry on `source`, starting 10 ms from now, running at most `length`.
ClientDriverConfig configFor(const ClientTraffic& traffic, std::uint16_t port,
                             std::chrono::milliseconds length, std::uint32_t source = 0x7F00'0002) {
    ClientDriverConfig config;
    config.serverAddress = kLoopback;
    config.serverPort = port;
    config.clock = LabClock::now();
    const std::int64_t start = config.clock.sinceEpoch() + 10 * kMs;
    config.entries.push_back(ClientEntry{traffic, 3, start, source});
    config.until = start + std::chrono::nanoseconds(length).count();
    return config;
}

// The most connections open at once, each from connect() to its close (or its error; open at the end
// when neither came).
int mostOpenAtOnce(const std::vector<ClientMeasurement>& records) {
    std::vector<std::pair<std::int64_t, int>> steps; // at equal times a close comes before an open
    for (const ClientMeasurement& r : records) {
        steps.emplace_back(r.connectAt, 1);
        const std::int64_t end = r.closedAt >= 0 ? r.closedAt : r.errorAt;
        if (end >= 0) steps.emplace_back(end, -1);
    }
    std::sort(steps.begin(), steps.end());
    int open = 0;
    int most = 0;
    for (const auto& step : steps)
        most = std::max(most, open += step.second);
    return most;
}

std::string describe(const ClientMeasurement& r) {
    return "connect " + std::to_string(r.connectAt) + " connected " + std::to_string(r.connectedAt) +
           " responded " + std::to_string(r.respondedAt) + " error " + r.error + " at " +
           std::to_string(r.errorAt) + " closed " + std::to_string(r.closedAt);
}

bool writeProcSys(const char* path, const std::string& value) {
    const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    const bool ok = fd >= 0 && ::write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
    if (fd >= 0) ::close(fd);
    return ok;
}

} // namespace

// Real traffic only inside the namespace initTestCase entered.
#define REQUIRE_NAMESPACE()                                                                                  \
    do {                                                                                                     \
        if (!namespaceWhy_.empty())                                                                          \
            QSKIP(qPrintable("no network namespace here: " + QString::fromStdString(namespaceWhy_)));        \
    } while (false)

class TestLabClients : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase();
    void schedule_openLoopIsOnTheClock();
    void schedule_closedLoopRampsAndReplaces();
    void schedule_closedLoopWakeUpFindsItFull();
    void schedule_requestsCountEstablishedOnly_M18();
    void socketCounts();
    void openLoop();
    void closedLoop_M18();
    void fullQueueTimesOut_M5_M10();
    void closedPortRefuses();
    void closeAfter_data();
    void closeAfter();
    void stopFlagEndsPromptly();
    void fileLimit();

  private:
    std::string namespaceWhy_ = "not entered";
};

void TestLabClients::initTestCase() {
    namespaceWhy_ = backlog::lab::enterFreshNetworkNamespace();
    if (!namespaceWhy_.empty()) return;
    // Per namespace (KERNEL.md section 1): this is the fresh namespace's, never the host's. A stuck client
    // then retransmits its SYN once, at 1 s, and gets ETIMEDOUT at about 3 s (T6, M10).
    if (!writeProcSys("/proc/sys/net/ipv4/tcp_syn_retries", "1"))
        namespaceWhy_ = "cannot write tcp_syn_retries inside the namespace";
}

void TestLabClients::schedule_openLoopIsOnTheClock() {
    ClientSchedule s(openLoopOf(4, Time::ms(5)), 100);
    QCOMPARE(s.nextDue(), std::optional<std::int64_t>(100));
    QVERIFY(s.takeDue(100));
    QCOMPARE(s.nextDue(), std::optional<std::int64_t>(100 + 5 * kMs));
    // A late connect() does not shift the ones after it: the k-th is due at start + k·spacing.
    QVERIFY(s.takeDue(100 + 7 * kMs));
    QCOMPARE(s.nextDue(), std::optional<std::int64_t>(100 + 10 * kMs));
    QVERIFY(s.takeDue(100 + 10 * kMs));
    s.finished(100 + 11 * kMs); // an open loop replaces nothing
    QCOMPARE(s.nextDue(), std::optional<std::int64_t>(100 + 15 * kMs));
    QVERIFY(s.takeDue(100 + 15 * kMs));
    QCOMPARE(s.nextDue(), std::nullopt);
    QVERIFY(!s.opensMore());
    QCOMPARE(s.started(), std::int64_t{4});
    QCOMPARE(s.active(), std::int64_t{3});
}

void TestLabClients::schedule_closedLoopRampsAndReplaces() {
    ClientSchedule s(closedLoopOf(3, 0, 5, Time::ms(1)), 0);
    QVERIFY(s.takeDue(0));
    QCOMPARE(s.nextDue(), std::optional<std::int64_t>(1 * kMs)); // one every `spacing` up to C
    QVERIFY(s.takeDue(1 * kMs));
    QVERIFY(s.takeDue(2 * kMs));
    QCOMPARE(s.active(), std::int64_t{3});
    QCOMPARE(s.nextDue(), std::nullopt); // full: waits for one to finish
    s.finished(10 * kMs);
    QCOMPARE(s.nextDue(), std::optional<std::int64_t>(10 * kMs)); // replaced at once (M18)
    QVERIFY(s.takeDue(10 * kMs));
    QCOMPARE(s.nextDue(), std::nullopt);
    s.finished(11 * kMs);
    QVERIFY(s.takeDue(11 * kMs));
    QCOMPARE(s.started(), std::int64_t{5}); // `clients` connect() calls, then no more
    QVERIFY(!s.opensMore());
    s.finished(12 * kMs);
    QCOMPARE(s.nextDue(), std::nullopt);
}

void TestLabClients::schedule_closedLoopWakeUpFindsItFull() {
    // As the model's TrafficNext: a ramp wake-up that finds the loop full again opens nothing.
    ClientSchedule s(closedLoopOf(2, 0, 10, Time::ms(10)), 0);
    QVERIFY(s.takeDue(0));        // ramp: next at 10 ms
    s.finished(5 * kMs);          // replacement at 5 ms
    QVERIFY(s.takeDue(5 * kMs));  // ramp: next at 15 ms
    QVERIFY(s.takeDue(10 * kMs)); // the first ramp wake-up; now full
    QCOMPARE(s.nextDue(), std::optional<std::int64_t>(15 * kMs));
    QVERIFY(!s.takeDue(15 * kMs)); // full: nothing
    QCOMPARE(s.started(), std::int64_t{3});
    QCOMPARE(s.nextDue(), std::nullopt);
}

void TestLabClients::schedule_requestsCountEstablishedOnly_M18() {
    // ab -c 2 -n 3: one connection stays in SYN-SENT throughout; it takes a place, is not replaced, and
    // its request does not count.
    ClientSchedule s(closedLoopOf(2, 3, 0, Time()), 0);
    QVERIFY(s.takeDue(0));
    QVERIFY(s.takeDue(0)); // the stuck one
    QCOMPARE(s.nextDue(), std::nullopt);
    s.established();
    s.finished(5 * kMs);
    QVERIFY(s.takeDue(5 * kMs));
    s.established();
    s.finished(6 * kMs);
    QVERIFY(s.takeDue(6 * kMs));
    QVERIFY(s.opensMore()); // two requests started: the stuck connection did not use up the budget
    s.established();        // the third request: ab stops opening
    QVERIFY(!s.opensMore());
    s.finished(7 * kMs);
    QCOMPARE(s.nextDue(), std::nullopt);
    QCOMPARE(s.started(), std::int64_t{4}); // N + the stuck one (M18)
    QCOMPARE(s.active(), std::int64_t{1});

    // A stuck connection that fails (ETIMEDOUT) is replaced, and counts no request.
    ClientSchedule f(closedLoopOf(1, 1, 0, Time()), 0);
    QVERIFY(f.takeDue(0));
    f.finished(3000 * kMs);
    QCOMPARE(f.nextDue(), std::optional<std::int64_t>(3000 * kMs));
    QCOMPARE(f.requestsStarted(), std::int64_t{0});
}

void TestLabClients::socketCounts() {
    ClientDriverConfig config;
    config.entries.push_back(ClientEntry{openLoopOf(10, Time::ms(1)), 0, 0, 0});
    config.entries.push_back(ClientEntry{closedLoopOf(3, 10, 1, Time()), 1, 0, 0});
    config.entries.push_back(ClientEntry{closedLoopOf(5, 0, 2, Time()), 2, 0, 0});
    QCOMPARE(backlog::lab::plannedSockets(config), std::int64_t{10 + (10 + 3) + 2});
    QCOMPARE(backlog::lab::peakOpenSockets(config), std::int64_t{10 + 3 + 2});
}

void TestLabClients::openLoop() {
    REQUIRE_NAMESPACE();
    TestServer server(TestServer::Mode::Respond, 64);
    QVERIFY(server.port != 0);
    const ClientDriverConfig config = configFor(openLoopOf(10, Time::ms(5)), server.port, 2s);
    const auto began = std::chrono::steady_clock::now();
    const LabResult<std::vector<ClientMeasurement>> run = backlog::lab::runClients(config);
    const auto took = std::chrono::steady_clock::now() - began;
    QVERIFY2(run.ok(), run.ok() ? "" : run.error().c_str());
    const std::vector<ClientMeasurement>& records = run.value();
    QCOMPARE(records.size(), std::size_t{10});
    const std::int64_t start = config.entries[0].start;
    for (std::size_t k = 0; k < records.size(); ++k) {
        const ClientMeasurement& r = records[k];
        QVERIFY2(r.error.empty() && r.connectedAt >= r.connectAt && r.respondedAt >= r.connectedAt &&
                     r.closedAt >= r.respondedAt,
                 describe(r).c_str());
        QCOMPARE(r.traffic, 3);
        QCOMPARE(r.address, std::uint32_t{0x7F00'0002});
        QVERIFY(r.port != 0);
        // Never early (a timerfd at the due time); late by scheduling only: generous, this is real time.
        const std::int64_t due = start + static_cast<std::int64_t>(k) * 5 * kMs;
        QVERIFY2(r.connectAt >= due && r.connectAt < due + 20 * kMs, describe(r).c_str());
    }
    QVERIFY(took < 1s); // done when the last client is, not at `until`
}

void TestLabClients::closedLoop_M18() {
    REQUIRE_NAMESPACE();
    // One connection served at a time, 20 ms each: the loop's three connections are open together.
    TestServer server(TestServer::Mode::Respond, 64, 20ms);
    QVERIFY(server.port != 0);
    const LabResult<std::vector<ClientMeasurement>> run =
        backlog::lab::runClients(configFor(closedLoopOf(3, 10, 0, Time()), server.port, 3s));
    QVERIFY2(run.ok(), run.ok() ? "" : run.error().c_str());
    const std::vector<ClientMeasurement>& records = run.value();
    std::vector<std::int64_t> established;
    for (const ClientMeasurement& r : records) {
        QVERIFY2(r.error.empty() && r.respondedAt >= r.connectedAt, describe(r).c_str());
        if (r.connectedAt >= 0) established.push_back(r.connectedAt);
    }
    QCOMPARE(mostOpenAtOnce(records), 3);
    // M18: 10 requests, plus those in progress when the 10th started (at most C - 1), and no connect()
    // after it.
    QVERIFY2(established.size() >= 10 && records.size() <= 12, qPrintable(QString::number(records.size())));
    std::sort(established.begin(), established.end());
    for (const ClientMeasurement& r : records)
        QVERIFY2(r.connectAt <= established[9], describe(r).c_str());
}

void TestLabClients::fullQueueTimesOut_M5_M10() {
    REQUIRE_NAMESPACE();
    // listen(1): the accept queue holds 2 (M2); the other SYNs are dropped (M5), retransmitted once at
    // about 1 s, and connect() fails at about 3 s (1 s + 2 s, tcp_syn_retries = 1; timers late by up to a
    // few tens of ms, M11).
    TestServer server(TestServer::Mode::NeverAccept, 1);
    QVERIFY(server.port != 0);
    ClientTraffic t = openLoopOf(5, Time::ms(1));
    t.send = false;
    const LabResult<std::vector<ClientMeasurement>> run =
        backlog::lab::runClients(configFor(t, server.port, 3800ms));
    QVERIFY2(run.ok(), run.ok() ? "" : run.error().c_str());
    const std::vector<ClientMeasurement>& records = run.value();
    QCOMPARE(records.size(), std::size_t{5});
    int connected = 0;
    int timedOut = 0;
    for (const ClientMeasurement& r : records) {
        if (r.connectedAt >= 0) {
            ++connected;
            QVERIFY2(r.closedAt < 0 && r.error.empty(), describe(r).c_str()); // still pending at `until`
            continue;
        }
        QCOMPARE(QString::fromStdString(r.error), QString("ETIMEDOUT"));
        const std::int64_t after = r.errorAt - r.connectAt;
        qInfo("ETIMEDOUT after %.3f s", static_cast<double>(after) / 1e9);
        QVERIFY2(after >= 2900 * kMs && after < 3600 * kMs, describe(r).c_str());
        ++timedOut;
    }
    QCOMPARE(connected, 2);
    QCOMPARE(timedOut, 3);
}

void TestLabClients::closedPortRefuses() {
    REQUIRE_NAMESPACE();
    // A port held by a socket that is bound but not listening: its SYNs are answered with an RST.
    const int holder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(kLoopback);
    socklen_t length = sizeof a;
    const bool bound = holder >= 0 && ::bind(holder, reinterpret_cast<sockaddr*>(&a), length) == 0 &&
                       ::getsockname(holder, reinterpret_cast<sockaddr*>(&a), &length) == 0;
    const LabResult<std::vector<ClientMeasurement>> run =
        backlog::lab::runClients(configFor(openLoopOf(3, Time::ms(1)), ntohs(a.sin_port), 1s));
    if (holder >= 0) ::close(holder);
    QVERIFY(bound);
    QVERIFY2(run.ok(), run.ok() ? "" : run.error().c_str());
    QCOMPARE(run.value().size(), std::size_t{3});
    for (const ClientMeasurement& r : run.value()) {
        QCOMPARE(QString::fromStdString(r.error), QString("ECONNREFUSED"));
        QVERIFY2(r.connectedAt < 0 && r.errorAt >= r.connectAt && r.closedAt == r.errorAt,
                 describe(r).c_str());
    }
}

void TestLabClients::closeAfter_data() {
    QTest::addColumn<bool>("abort");
    QTest::addColumn<int>("serverSees");
    QTest::newRow("abort: an RST, the server's recv() fails with ECONNRESET (D4)") << true << int{ECONNRESET};
    QTest::newRow("close: a FIN, the server reads EOF and closes, which ends the client") << false << 0;
}

void TestLabClients::closeAfter() {
    REQUIRE_NAMESPACE();
    QFETCH(bool, abort);
    QFETCH(int, serverSees);
    TestServer server(TestServer::Mode::Watch, 8);
    QVERIFY(server.port != 0);
    ClientTraffic t = openLoopOf(2, Time::ms(10));
    t.send = false;
    t.closeAfter = Time::ms(50);
    t.abort = abort;
    const LabResult<std::vector<ClientMeasurement>> run =
        backlog::lab::runClients(configFor(t, server.port, 2s));
    QVERIFY2(run.ok(), run.ok() ? "" : run.error().c_str());
    QCOMPARE(run.value().size(), std::size_t{2});
    for (const ClientMeasurement& r : run.value()) {
        const std::int64_t after = r.closedAt - r.connectedAt;
        QVERIFY2(r.error.empty() && r.connectedAt >= 0 && after >= 50 * kMs && after < 100 * kMs,
                 describe(r).c_str());
    }
    // The run returned when both had ended: for a FIN, once the server's FIN came back (as the model).
    QTRY_COMPARE_WITH_TIMEOUT(server.outcomes().size(), std::size_t{2}, 2000);
    for (const int seen : server.outcomes())
        QCOMPARE(seen, serverSees);
}

void TestLabClients::stopFlagEndsPromptly() {
    REQUIRE_NAMESPACE();
    TestServer server(TestServer::Mode::Respond, 64);
    QVERIFY(server.port != 0);
    ClientDriverConfig config = configFor(openLoopOf(1000, Time::ms(10)), server.port, 10s);
    std::atomic<bool> stop{false};
    config.stop = &stop;
    const auto began = std::chrono::steady_clock::now();
    std::thread stopper([&stop] {
        std::this_thread::sleep_for(200ms);
        stop = true;
    });
    const LabResult<std::vector<ClientMeasurement>> run = backlog::lab::runClients(config);
    const auto took = std::chrono::steady_clock::now() - began;
    stopper.join();
    QVERIFY2(run.ok(), run.ok() ? "" : run.error().c_str());
    QVERIFY(took < 500ms);
    QVERIFY2(run.value().size() >= 5 && run.value().size() < 50,
             qPrintable(QString::number(run.value().size())));
}

void TestLabClients::fileLimit() {
    // No traffic: every entry starts at `until`, so only the limits are looked at. The hard limit is
    // never lowered (raising it back needs CAP_SYS_RESOURCE).
    rlimit original{};
    QVERIFY(::getrlimit(RLIMIT_NOFILE, &original) == 0);
    const int beyond = original.rlim_max == RLIM_INFINITY || original.rlim_max >= 1'000'000
                           ? 0
                           : static_cast<int>(original.rlim_max) + 1;
    const ClientDriverConfig fits = configFor(openLoopOf(1000, Time::ms(1)), 9, 0ms);
    const ClientDriverConfig tooMany = configFor(openLoopOf(std::max(beyond, 1), Time::ms(1)), 9, 0ms);

    rlimit low{std::min<rlim_t>(256, original.rlim_cur), original.rlim_max};
    QVERIFY(::setrlimit(RLIMIT_NOFILE, &low) == 0);
    const LabResult<std::vector<ClientMeasurement>> raised = backlog::lab::runClients(fits);
    rlimit after{};
    ::getrlimit(RLIMIT_NOFILE, &after);
    const LabResult<std::vector<ClientMeasurement>> refused = backlog::lab::runClients(tooMany);
    QVERIFY(::setrlimit(RLIMIT_NOFILE, &original) == 0);

    QVERIFY2(raised.ok(), raised.ok() ? "" : raised.error().c_str());
    QVERIFY(raised.value().empty());
    QCOMPARE(after.rlim_cur, original.rlim_max); // the soft limit was raised to the hard one
    if (beyond == 0) QSKIP("RLIMIT_NOFILE's hard limit is too high here to go beyond it");
    QVERIFY(!refused.ok());
    QVERIFY2(QString::fromStdString(refused.error()).contains("RLIMIT_NOFILE"), refused.error().c_str());
    QCOMPARE(refused.systemError(), EMFILE);
    qInfo("%s", refused.error().c_str());
}

QTEST_APPLESS_MAIN(TestLabClients)
#include "tst_labclients.moc"
