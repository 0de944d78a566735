// app/lab/LabServer.h on the real kernel, in a fresh network namespace this test enters first (QSKIP
// with the reason without root): in every accept mode and event loop, clients are accepted once each and
// answered no sooner than the service time, and an epoll mode's every accept follows a wake-up of the same
// worker (P3); isolated connections wake event loops as M20 says, the figures printed (the herd's
// user-space wake-ups are only bounded below: most losers sleep again inside epoll_wait()); EPOLLEXCLUSIVE
// wakes one loop per isolated connection; blocking accept() serves its sleepers in FIFO order (P2);
// before the workers start, connections wait in the accept queue, backlog + 1 of them (M1, M2); stop()
// ends workers blocked in accept(), in epoll_wait() or in a service time within a second; a reuseport
// group of two spreads connections over both (M14); a closed listener leaves the group (R4).
#include "app/lab/LabServer.h"
#include "app/lab/ListeningSockets.h"
#include "app/lab/Namespace.h"

#include <QTest>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using backlog::AcceptMode;
using backlog::EventLoop;
using backlog::ServiceTime;
using backlog::Time;
using backlog::lab::LabClock;
using backlog::lab::LabServer;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(AcceptMode)
Q_DECLARE_METATYPE(EventLoop)

namespace {

constexpr std::string_view kRequest = "GET / HTTP/1.0\r\n\r\n";

// Every client socket of a test, closed on every way out of it.
struct Clients {
    std::vector<int> fds;
    ~Clients() {
        for (const int fd : fds)
            ::close(fd);
    }
};

// A client connected to 127.0.0.1:port (on loopback connect() returns once the handshake is over, M13),
// its request sent unless `send` is false; -1 on failure. `nonBlocking`: connect() does not wait.
int connectTo(Clients& clients, std::uint16_t port, bool send = true, bool nonBlocking = false) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonBlocking ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0) return -1;
    clients.fds.push_back(fd);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) return -1;
    if (send && ::send(fd, kRequest.data(), kRequest.size(), MSG_NOSIGNAL) != std::ssize(kRequest)) return -1;
    return fd;
}

std::uint16_t localPort(int fd) {
    sockaddr_in a{};
    socklen_t length = sizeof a;
    return ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length) == 0 ? ntohs(a.sin_port) : 0;
}

// What the server wrote before it closed, read until EOF (or an error), at most `timeout`.
std::string readResponse(int fd, std::chrono::milliseconds timeout) {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::array<char, 256> buffer{};
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, 10);
        const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n > 0) text.append(buffer.data(), static_cast<std::size_t>(n));
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;
    }
    return text;
}

LabServer::Config configFor(AcceptMode mode, EventLoop loop, int workers, Time service) {
    LabServer::Config c;
    c.workers.count = workers;
    c.workers.accept = mode;
    c.workers.eventLoop = loop;
    c.workers.service.mean = service;
    c.clock = LabClock::now();
    return c;
}

std::optional<backlog::lab::ListeningSocket> listenerOn(std::uint16_t port) {
    const auto listeners = backlog::lab::readListeningSockets();
    if (listeners.ok())
        for (const auto& s : listeners.value())
            if (s.port == port) return s;
    return std::nullopt;
}

int listenersOn(std::uint16_t port) {
    const auto listeners = backlog::lab::readListeningSockets();
    if (!listeners.ok()) return -1;
    return static_cast<int>(std::count_if(listeners.value().begin(), listeners.value().end(),
                                          [port](const auto& s) { return s.port == port; }));
}

// P3: in an event loop, each accept() follows a return of that worker's epoll_wait() that was not
// futile, and each such return is followed by its accept(), before the next return. Empty, or what broke.
QString wakeupsPrecedeAccepts(const LabServer::Records& r, int workers) {
    for (int w = 0; w < workers; ++w) {
        std::vector<std::int64_t> woken;
        std::vector<std::int64_t> accepted;
        for (const auto& x : r.wakeups)
            if (x.worker == w && !x.eagain) woken.push_back(x.at);
        for (const auto& a : r.accepts)
            if (a.worker == w) accepted.push_back(a.at);
        if (woken.size() != accepted.size())
            return QString("worker %1: %2 useful wake-ups, %3 accepts")
                .arg(w)
                .arg(woken.size())
                .arg(accepted.size());
        for (std::size_t k = 0; k < woken.size(); ++k)
            if (woken[k] > accepted[k] || (k + 1 < woken.size() && accepted[k] > woken[k + 1]))
                return QString("worker %1: accept %2 is not between its wake-up and the next").arg(w).arg(k);
    }
    return {};
}

template <typename Records> bool sortedByTime(const Records& records) {
    return std::is_sorted(records.begin(), records.end(),
                          [](const auto& a, const auto& b) { return a.at < b.at; });
}

// The rows every test of all modes uses.
void addModeRows(bool withBlockingLoops) {
    QTest::addColumn<AcceptMode>("mode");
    QTest::addColumn<EventLoop>("loop");
    QTest::newRow("blocking accept()") << AcceptMode::Blocking << EventLoop::Async;
    QTest::newRow("epoll, async loop") << AcceptMode::Epoll << EventLoop::Async;
    QTest::newRow("epoll-exclusive, async loop") << AcceptMode::EpollExclusive << EventLoop::Async;
    QTest::newRow("epoll-shared, async loop") << AcceptMode::EpollShared << EventLoop::Async;
    if (!withBlockingLoops) return;
    QTest::newRow("epoll, blocking loop") << AcceptMode::Epoll << EventLoop::Blocking;
    QTest::newRow("epoll-exclusive, blocking loop") << AcceptMode::EpollExclusive << EventLoop::Blocking;
    QTest::newRow("epoll-shared, blocking loop") << AcceptMode::EpollShared << EventLoop::Blocking;
}

} // namespace

class TestLabServer : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase();
    void servesEveryClientOnce_data() { addModeRows(true); }
    void servesEveryClientOnce();
    void isolatedConnections_data();
    void isolatedConnections();
    void notStartedQueuesBacklogPlusOne_data() { addModeRows(false); }
    void notStartedQueuesBacklogPlusOne();
    void stopIsPrompt_data();
    void stopIsPrompt();
    void reuseportSpreadsOverListeners();
    void closeListenerLeavesTheGroup_data() { addModeRows(false); }
    void closeListenerLeavesTheGroup();
};

void TestLabServer::initTestCase() {
    const std::string why = backlog::lab::enterFreshNetworkNamespace();
    if (!why.empty()) QSKIP(why.c_str());
}

void TestLabServer::servesEveryClientOnce() {
    QFETCH(AcceptMode, mode);
    QFETCH(EventLoop, loop);
    constexpr int kClients = 12;
    constexpr int kWorkers = 4;
    const Time service = Time::ms(5);
    auto opened = LabServer::open(configFor(mode, loop, kWorkers, service));
    QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().c_str());
    std::unique_ptr<LabServer> server = std::move(opened.value());
    QCOMPARE(server->start(), std::string());
    Clients clients;
    std::map<std::uint16_t, int> ports; // client port → times accepted
    const auto began = std::chrono::steady_clock::now();
    for (int i = 0; i < kClients; ++i) {
        const int fd = connectTo(clients, server->port());
        QVERIFY(fd >= 0);
        ports[localPort(fd)] = 0;
    }
    for (const int fd : clients.fds)
        QVERIFY(readResponse(fd, 2s).starts_with("HTTP/1.0 200 OK\r\n"));
    const auto took = std::chrono::steady_clock::now() - began;
    const LabServer::Records r = server->stop();
    // Each connection held for its service time: at least one round of 5 ms.
    QVERIFY(took >= std::chrono::nanoseconds(service.count()));
    QCOMPARE(static_cast<int>(r.accepts.size()), kClients);
    for (const auto& a : r.accepts) {
        QCOMPARE(a.peerAddress, std::uint32_t{INADDR_LOOPBACK});
        QCOMPARE(a.listener, 0);
        QVERIFY(a.worker >= 0 && a.worker < kWorkers);
        QVERIFY2(ports.count(a.peerPort) == 1, "an accept of a connection no client made");
        ++ports[a.peerPort];
    }
    for (const auto& [port, times] : ports)
        QCOMPARE(times, 1);
    QVERIFY(sortedByTime(r.accepts));
    QVERIFY(sortedByTime(r.wakeups));
    if (mode == AcceptMode::Blocking) {
        QVERIFY2(r.wakeups.empty(), "a blocked accept() that returns is an accept, not a wake-up");
        return;
    }
    const QString broken = wakeupsPrecedeAccepts(r, kWorkers);
    QVERIFY2(broken.isEmpty(), qPrintable(broken));
}

void TestLabServer::isolatedConnections_data() {
    QTest::addColumn<AcceptMode>("mode");
    QTest::newRow("blocking accept(): FIFO, one woken (P2)") << AcceptMode::Blocking;
    QTest::newRow("epoll: the herd (P3, M20)") << AcceptMode::Epoll;
    QTest::newRow("epoll-exclusive: one idle loop woken (P3)") << AcceptMode::EpollExclusive;
    QTest::newRow("epoll-shared: LIFO, re-queued (P3, M20)") << AcceptMode::EpollShared;
}

// Four workers, ten connections 20 ms apart, each answered after 1 ms: every connection finds every
// worker idle, as in M20's measurements.
void TestLabServer::isolatedConnections() {
    QFETCH(AcceptMode, mode);
    constexpr int kClients = 10;
    constexpr int kWorkers = 4;
    const auto spacing = 20ms;
    auto opened = LabServer::open(configFor(mode, EventLoop::Async, kWorkers, Time::ms(1)));
    QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().c_str());
    std::unique_ptr<LabServer> server = std::move(opened.value());
    QCOMPARE(server->start(), std::string());
    std::this_thread::sleep_for(spacing); // every worker in its wait
    Clients clients;
    std::vector<std::int64_t> connectedAt;
    const auto first = std::chrono::steady_clock::now();
    for (int i = 0; i < kClients; ++i) {
        std::this_thread::sleep_until(first + i * spacing);
        connectedAt.push_back(server->config().clock.sinceEpoch());
        const int fd = connectTo(clients, server->port());
        QVERIFY(fd >= 0);
        QVERIFY(readResponse(fd, 2s).starts_with("HTTP/1.0 200 OK"));
    }
    const LabServer::Records r = server->stop();
    QCOMPARE(static_cast<int>(r.accepts.size()), kClients);
    QString winners;
    for (const auto& a : r.accepts)
        winners += QString::number(a.worker);
    std::vector<int> perConnection(kClients, 0);
    int eagain = 0;
    for (const auto& x : r.wakeups) {
        const auto next = std::upper_bound(connectedAt.begin(), connectedAt.end(), x.at);
        if (next != connectedAt.begin())
            ++perConnection[static_cast<std::size_t>(next - connectedAt.begin() - 1)];
        eagain += x.eagain ? 1 : 0;
    }
    QString counts;
    for (const int n : perConnection)
        counts += QString::number(n);
    qInfo("%s: accepted by workers %s; %d wake-ups reached user space (per connection %s), %d EAGAIN",
          QTest::currentDataTag(), qPrintable(winners), static_cast<int>(r.wakeups.size()),
          qPrintable(counts), eagain);
    switch (mode) {
    case AcceptMode::Blocking:
        // P2, M20: exclusive sleepers at the tail, woken one at a time: the longest waiter first.
        QCOMPARE(winners, QString("0123012301"));
        QVERIFY(r.wakeups.empty());
        break;
    case AcceptMode::EpollExclusive:
        // P3: one idle instance woken per connection, nothing futile; the first registered (M20).
        QCOMPARE(static_cast<int>(r.wakeups.size()), kClients);
        QCOMPARE(eagain, 0);
        QCOMPARE(winners, QString(kClients, '0'));
        break;
    case AcceptMode::Epoll:
    case AcceptMode::EpollShared:
        // P3, M20: all (or 2-4) are woken, but most losers sleep again inside epoll_wait(): only a lower
        // bound is the kernel's promise from user space.
        QVERIFY(r.wakeups.size() >= r.accepts.size());
        break;
    }
    if (mode == AcceptMode::Blocking) return;
    const QString broken = wakeupsPrecedeAccepts(r, kWorkers);
    QVERIFY2(broken.isEmpty(), qPrintable(broken));
}

// Workers that start in a minute: nobody calls accept(), so the accept queue fills to backlog + 1 (M2)
// and stays there; stop() ends the sleeping workers at once.
void TestLabServer::notStartedQueuesBacklogPlusOne() {
    QFETCH(AcceptMode, mode);
    QFETCH(EventLoop, loop);
    LabServer::Config config = configFor(mode, loop, 2, Time::ms(1));
    config.backlog = 4;
    config.workers.start = Time::ns(config.clock.sinceEpoch()) + Time::s(60);
    auto opened = LabServer::open(config);
    QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().c_str());
    std::unique_ptr<LabServer> server = std::move(opened.value());
    QCOMPARE(server->start(), std::string());
    Clients clients;
    for (int i = 0; i < 8; ++i)
        QVERIFY(connectTo(clients, server->port(), false, true) >= 0);
    std::optional<backlog::lab::ListeningSocket> seen;
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    while ((!(seen = listenerOn(server->port())) || seen->recvQ < 5) &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(2ms);
    QVERIFY(seen.has_value());
    QCOMPARE(seen->sendQ, std::uint32_t{4}); // M1
    QCOMPARE(seen->recvQ, std::uint32_t{5}); // M2
    const auto before = std::chrono::steady_clock::now();
    const LabServer::Records r = server->stop();
    QVERIFY(std::chrono::steady_clock::now() - before < 1s);
    QVERIFY(r.accepts.empty());
    QVERIFY(r.wakeups.empty());
}

void TestLabServer::stopIsPrompt_data() {
    QTest::addColumn<AcceptMode>("mode");
    QTest::addColumn<EventLoop>("loop");
    QTest::addColumn<bool>("serving"); // one worker holds a connection with 10 s of service left
    const std::array<std::pair<AcceptMode, const char*>, 4> modes{
        {{AcceptMode::Blocking, "blocking accept()"},
         {AcceptMode::Epoll, "epoll"},
         {AcceptMode::EpollExclusive, "epoll-exclusive"},
         {AcceptMode::EpollShared, "epoll-shared"}}};
    for (const auto& [mode, name] : modes) {
        QTest::addRow("%s, idle", name) << mode << EventLoop::Async << false;
        QTest::addRow("%s, serving", name) << mode << EventLoop::Async << true;
        if (mode != AcceptMode::Blocking)
            QTest::addRow("%s, blocking loop serving", name) << mode << EventLoop::Blocking << true;
    }
}

void TestLabServer::stopIsPrompt() {
    QFETCH(AcceptMode, mode);
    QFETCH(EventLoop, loop);
    QFETCH(bool, serving);
    auto opened = LabServer::open(configFor(mode, loop, 3, Time::s(10)));
    QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().c_str());
    std::unique_ptr<LabServer> server = std::move(opened.value());
    QCOMPARE(server->start(), std::string());
    Clients clients;
    if (serving) {
        QVERIFY(connectTo(clients, server->port()) >= 0);
        std::optional<backlog::lab::ListeningSocket> seen;
        const auto deadline = std::chrono::steady_clock::now() + 2s;
        while ((!(seen = listenerOn(server->port())) || seen->recvQ > 0) &&
               std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(1ms);
        QVERIFY(seen.has_value() && seen->recvQ == 0); // accepted
    }
    std::this_thread::sleep_for(50ms); // every worker asleep in its wait, or in its service time
    const auto before = std::chrono::steady_clock::now();
    const LabServer::Records r = server->stop();
    const auto took = std::chrono::steady_clock::now() - before;
    qInfo("stop() took %lld µs",
          static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(took).count()));
    QVERIFY(took < 1s);
    QCOMPARE(static_cast<int>(r.accepts.size()), serving ? 1 : 0);
    if (serving) QCOMPARE(readResponse(clients.fds.front(), 1s), std::string()); // closed unanswered
}

// M14: a 4-tuple hash picks the listener; 40 flows over 2 listeners leave neither empty (but for a
// chance of 2^-39), and each listener's connections go to its own workers (w % 2).
void TestLabServer::reuseportSpreadsOverListeners() {
    constexpr int kClients = 40;
    LabServer::Config config = configFor(AcceptMode::Blocking, EventLoop::Async, 4, Time::ms(1));
    config.listeners = 2;
    auto opened = LabServer::open(config);
    QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().c_str());
    std::unique_ptr<LabServer> server = std::move(opened.value());
    QCOMPARE(server->listenerCount(), 2);
    QVERIFY(server->listenerFd(0) != server->listenerFd(1));
    QCOMPARE(listenersOn(server->port()), 2);
    QCOMPARE(server->start(), std::string());
    Clients clients;
    for (int i = 0; i < kClients; ++i)
        QVERIFY(connectTo(clients, server->port()) >= 0);
    for (const int fd : clients.fds)
        QVERIFY(readResponse(fd, 2s).starts_with("HTTP/1.0 200 OK"));
    const LabServer::Records r = server->stop();
    QCOMPARE(static_cast<int>(r.accepts.size()), kClients);
    std::array<int, 2> perListener{};
    for (const auto& a : r.accepts) {
        QCOMPARE(a.listener, a.worker % 2);
        QCOMPARE(server->listenerOf(a.worker), a.listener);
        ++perListener[static_cast<std::size_t>(a.listener)];
    }
    qInfo("split %d/%d", perListener[0], perListener[1]);
    QVERIFY(perListener[0] > 0 && perListener[1] > 0);
}

// R4: a closed member leaves the group; every later connection hashes to the one left. Its workers'
// accept() fails (EINVAL, P1) and they stop taking connections.
void TestLabServer::closeListenerLeavesTheGroup() {
    QFETCH(AcceptMode, mode);
    QFETCH(EventLoop, loop);
    constexpr int kClients = 10;
    LabServer::Config config = configFor(mode, loop, 4, Time::ms(1));
    config.listeners = 2;
    auto opened = LabServer::open(config);
    QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().c_str());
    std::unique_ptr<LabServer> server = std::move(opened.value());
    QCOMPARE(server->start(), std::string());
    std::this_thread::sleep_for(20ms);
    QCOMPARE(server->closeListener(1), std::string());
    QVERIFY(!server->closeListener(2).empty());
    QCOMPARE(listenersOn(server->port()), 1);
    Clients clients;
    for (int i = 0; i < kClients; ++i)
        QVERIFY(connectTo(clients, server->port()) >= 0);
    for (const int fd : clients.fds)
        QVERIFY(readResponse(fd, 2s).starts_with("HTTP/1.0 200 OK"));
    const LabServer::Records r = server->stop();
    QCOMPARE(static_cast<int>(r.accepts.size()), kClients);
    for (const auto& a : r.accepts)
        QCOMPARE(a.listener, 0);
}

QTEST_APPLESS_MAIN(TestLabServer)
#include "tst_labserver.moc"
