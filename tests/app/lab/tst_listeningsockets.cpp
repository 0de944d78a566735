// app/lab/ListeningSockets.h against sockets this test opens on the loopback of a fresh network namespace
// it enters first (real-kernel tests send traffic only inside namespaces they create; without root the
// test is skipped, with the reason): a listen(fd, 7) on 127.0.0.1 and
// one on ::1 appear with their port, address, inode (the fd's own), Send-Q 7 (M1: min(7, somaxconn))
// and Recv-Q 0; a connection nobody accepted makes Recv-Q 1 (M1); after close() the listener is gone.
#include "app/lab/ListeningSockets.h"
#include "app/lab/Namespace.h"

#include <QTest>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

using backlog::lab::LabResult;
using backlog::lab::ListeningSocket;
using backlog::lab::readListeningSockets;

namespace {

// A listener on the loopback of `family`, port chosen by the kernel; -1 if the family has none.
int listenOnLoopback(int family, int backlog, std::uint16_t& port) {
    const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_storage address{};
    socklen_t length = 0;
    if (family == AF_INET) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        std::memcpy(&address, &a, sizeof a);
        length = sizeof a;
    } else {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_addr = in6addr_loopback;
        std::memcpy(&address, &a, sizeof a);
        length = sizeof a;
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 || ::listen(fd, backlog) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(fd);
        return -1;
    }
    // The port sits at the same place in sockaddr_in and sockaddr_in6.
    sockaddr_in bound{};
    std::memcpy(&bound, &address, sizeof bound);
    port = ntohs(bound.sin_port);
    return fd;
}

std::optional<ListeningSocket> find(std::uint16_t port, int family) {
    const LabResult<std::vector<ListeningSocket>> listeners = readListeningSockets();
    if (!listeners.ok()) qFatal("%s", listeners.error().c_str());
    for (const ListeningSocket& s : listeners.value())
        if (s.port == port && s.family == family) return s;
    return std::nullopt;
}

std::uint64_t inodeOf(int fd) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 ? std::uint64_t{st.st_ino} : 0;
}

} // namespace

class TestListeningSockets : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase();
    void listeners_data();
    void listeners();
};

void TestListeningSockets::initTestCase() {
    const std::string why = backlog::lab::enterFreshNetworkNamespace();
    if (!why.empty()) QSKIP(why.c_str());
}

void TestListeningSockets::listeners_data() {
    QTest::addColumn<int>("family");
    QTest::addColumn<QString>("address");
    QTest::newRow("IPv4") << int{AF_INET} << "127.0.0.1";
    QTest::newRow("IPv6") << int{AF_INET6} << "::1";
}

void TestListeningSockets::listeners() {
    QFETCH(int, family);
    QFETCH(QString, address);
    std::uint16_t port = 0;
    const int fd = listenOnLoopback(family, 7, port);
    if (fd < 0 && family == AF_INET6) QSKIP("no IPv6 loopback here");
    QVERIFY(fd >= 0);
    const std::optional<ListeningSocket> listener = find(port, family);
    QVERIFY(listener.has_value());
    QCOMPARE(QString::fromStdString(listener->localAddress), address);
    QCOMPARE(listener->sendQ, std::uint32_t{7});
    QCOMPARE(listener->recvQ, std::uint32_t{0});
    QCOMPARE(listener->inode, inodeOf(fd));

    // One connection, never accepted: on loopback the handshake is over when connect() returns (M13).
    const int client = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    QVERIFY(client >= 0);
    sockaddr_storage to{};
    socklen_t length = sizeof to;
    QVERIFY(::getsockname(fd, reinterpret_cast<sockaddr*>(&to), &length) == 0);
    QVERIFY(::connect(client, reinterpret_cast<sockaddr*>(&to), length) == 0);
    const std::optional<ListeningSocket> queued = find(port, family);
    ::close(client);
    QVERIFY(queued.has_value());
    QCOMPARE(queued->recvQ, std::uint32_t{1});

    ::close(fd);
    QVERIFY(!find(port, family).has_value());
}

QTEST_APPLESS_MAIN(TestListeningSockets)
#include "tst_listeningsockets.moc"
