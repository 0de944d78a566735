// The real kernel's accept queue, inside a network namespace each test creates (app/lab/Namespace.h),
// read the way the lab reads it: listen(fd, B) on 127.0.0.1, N non-blocking connect()s, nobody calls
// accept(). sock_diag (as ss -lnt) must show Send-Q = min(B, somaxconn) and Recv-Q = that + 1 (M1, M2),
// and the namespace's /proc/net/netstat ListenOverflows ≥ 1 with ListenDrops ≥ ListenOverflows for the
// SYNs that met the full queue (M5, M16). The queue is re-read until it is full or 2 s pass; every
// socket is closed and the child reaped by Namespace.h. QSKIP with the reason where no namespace can be
// made (not root).
#include "app/lab/KernelCounters.h"
#include "app/lab/ListeningSockets.h"
#include "app/lab/Namespace.h"
#include "app/lab/Sysctls.h"

#include <QMap>
#include <QStringList>
#include <QTest>

#include <cerrno>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using backlog::lab::NamespaceRun;
using backlog::lab::readKernelCounters;
using backlog::lab::readListeningSockets;
using backlog::lab::readSysctls;
using backlog::lab::runInNetworkNamespace;
using backlog::lab::sysctlValue;
using namespace std::chrono_literals;

namespace {

// Every socket of an experiment, closed on every way out of it.
struct Sockets {
    std::vector<int> fds;
    ~Sockets() {
        for (const int fd : fds)
            ::close(fd);
    }
    int add(int fd) {
        if (fd >= 0) fds.push_back(fd);
        return fd;
    }
};

struct Experiment {
    int backlog = 0;
    int clients = 0;
    std::optional<int> somaxconn; // written inside the namespace first (per netns)
    std::uint32_t fullQueue = 0;  // the Recv-Q to wait for: effective backlog + 1 (M2)
};

std::string error(const std::string& what) {
    return "error: " + what + ": " + std::to_string(errno);
}

std::optional<backlog::lab::ListeningSocket> listenerOn(std::uint16_t port) {
    const auto listeners = readListeningSockets();
    if (listeners.ok())
        for (const auto& s : listeners.value())
            if (s.port == port) return s;
    return std::nullopt;
}

// Runs inside the namespace: "somaxconn=… recvQ=… sendQ=… overflows=… drops=…", or "error: …".
std::string runExperiment(const Experiment& e) {
    if (e.somaxconn) {
        const int fd = ::open("/proc/sys/net/core/somaxconn", O_WRONLY | O_CLOEXEC);
        const std::string value = std::to_string(*e.somaxconn);
        const bool ok =
            fd >= 0 && ::write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
        if (fd >= 0) ::close(fd);
        if (!ok) return error("writing somaxconn inside the namespace");
    }
    const auto sysctls = readSysctls();
    if (!sysctls.ok()) return "error: " + sysctls.error();
    Sockets sockets;
    const int listener = sockets.add(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    auto* a = reinterpret_cast<sockaddr*>(&address);
    if (listener < 0 || ::bind(listener, a, length) != 0 || ::listen(listener, e.backlog) != 0 ||
        ::getsockname(listener, a, &length) != 0)
        return error("the listener");
    for (int i = 0; i < e.clients; ++i) {
        const int client = sockets.add(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (client < 0 || (::connect(client, a, length) != 0 && errno != EINPROGRESS))
            return error("connect");
    }
    const std::uint16_t port = ntohs(address.sin_port);
    std::optional<backlog::lab::ListeningSocket> seen;
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    while ((!(seen = listenerOn(port)) || seen->recvQ < e.fullQueue) &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(2ms);
    const auto counters = readKernelCounters();
    if (!seen || !counters.ok())
        return "error: " + (seen ? counters.error() : std::string("the listener is not in sock_diag"));
    return "somaxconn=" + std::to_string(sysctlValue(sysctls.value(), "net.core.somaxconn").value_or(-1)) +
           " recvQ=" + std::to_string(seen->recvQ) + " sendQ=" + std::to_string(seen->sendQ) +
           " overflows=" + std::to_string(counters.value().at("TcpExtListenOverflows")) +
           " drops=" + std::to_string(counters.value().at("TcpExtListenDrops"));
}

QMap<QString, qint64> parse(const std::string& output) {
    QMap<QString, qint64> values;
    for (const QString& pair : QString::fromStdString(output).split(' ', Qt::SkipEmptyParts))
        values.insert(pair.section('=', 0, 0), pair.section('=', 1).toLongLong());
    return values;
}

} // namespace

class TestAcceptQueue : public QObject {
    Q_OBJECT

  private slots:
    void fullQueue_data();
    void fullQueue();
};

void TestAcceptQueue::fullQueue_data() {
    QTest::addColumn<int>("backlog");
    QTest::addColumn<int>("clients");
    QTest::addColumn<int>("somaxconn"); // -1: the namespace's default, which must be 4096
    QTest::addColumn<int>("sendQ");
    QTest::newRow("listen(4), 8 clients: 5 queued (M1, M2, M5)") << 4 << 8 << -1 << 4;
    QTest::newRow("listen(0), 3 clients: 1 queued (M2)") << 0 << 3 << -1 << 0;
    QTest::newRow("listen(1000) with somaxconn 16, 20 clients: 17 queued (M2)") << 1000 << 20 << 16 << 16;
}

void TestAcceptQueue::fullQueue() {
    QFETCH(int, backlog);
    QFETCH(int, clients);
    QFETCH(int, somaxconn);
    QFETCH(int, sendQ);
    Experiment e;
    e.backlog = backlog;
    e.clients = clients;
    if (somaxconn >= 0) e.somaxconn = somaxconn;
    e.fullQueue = static_cast<std::uint32_t>(sendQ + 1);
    const auto start = std::chrono::steady_clock::now();
    const NamespaceRun run = runInNetworkNamespace([&e] { return runExperiment(e); }, 5s);
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    if (run.outcome == NamespaceRun::Outcome::Unavailable)
        QSKIP(qPrintable("no network namespace here: " + QString::fromStdString(run.reason)));
    QVERIFY2(run.outcome == NamespaceRun::Outcome::Ran, run.reason.c_str());
    QVERIFY2(run.output.rfind("error:", 0) != 0, run.output.c_str());
    qInfo("%s (%lld ms)", run.output.c_str(), static_cast<long long>(took.count()));
    const QMap<QString, qint64> v = parse(run.output);
    QCOMPARE(v.value("somaxconn"), qint64{somaxconn >= 0 ? somaxconn : 4096}); // a new netns starts at 4096
    QCOMPARE(v.value("sendQ"), qint64{sendQ});                                 // M1
    QCOMPARE(v.value("recvQ"), qint64{sendQ + 1});                             // M2
    QVERIFY2(v.value("overflows") >= 1, "M5: a SYN that met the full queue counts ListenOverflows");
    QVERIFY2(v.value("drops") >= v.value("overflows"), "M16: ListenOverflows ≤ ListenDrops");
}

QTEST_APPLESS_MAIN(TestAcceptQueue)
#include "tst_acceptqueue.moc"
