// app/lab/LabNetwork.h in a fresh network namespace the test enters first (without root it is skipped,
// with the reason): after setUpLabNetwork() the server's and the clients' addresses can be bound and
// connected between; a datagram to 10.1.2.3 leaves (the black hole's route, KERNEL.md M19 "routable")
// and nothing comes back, not even an ICMP error; one to 172.16.1.1 fails with ENETUNREACH (no route,
// M19 "routable: false"); the black hole's device is up with a carrier. Doing it twice is refused with
// the kernel's errno in words. Before the namespace is entered, the host's is recognised and refused.
#include "app/lab/LabNetwork.h"
#include "app/lab/Namespace.h"

#include <QTest>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

using backlog::lab::ipv4Address;
using backlog::lab::ipv4Endpoint;
using backlog::lab::LabResult;
using backlog::lab::labServerAddress;

namespace {

const std::vector<std::uint32_t> clients{ipv4Address(198, 51, 100, 1), ipv4Address(198, 51, 100, 2)};

// A socket closed on every way out of a test.
struct Socket {
    int fd;
    explicit Socket(int type) : fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0)) {}
    ~Socket() {
        if (fd >= 0) ::close(fd);
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    bool bindTo(std::uint32_t address, std::uint16_t port = 0) const {
        const sockaddr_in a = ipv4Endpoint(address, port);
        return ::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
    }
};

// 0 when the datagram left, else the errno of sendto.
int sendDatagramTo(std::uint32_t address) {
    const Socket s(SOCK_DGRAM);
    const sockaddr_in to = ipv4Endpoint(address, 9);
    const char byte = 'x';
    return ::sendto(s.fd, &byte, 1, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 1 ? 0 : errno;
}

short interfaceFlags(const char* name) {
    const Socket s(SOCK_DGRAM);
    ifreq request{};
    std::strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    return ::ioctl(s.fd, SIOCGIFFLAGS, &request) == 0 ? request.ifr_flags : short{0};
}

} // namespace

class TestLabNetwork : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase();
    void addressesCanBeBoundAndConnected();
    void routableSourcesLeaveAndNothingAnswers();
    void unroutableSourcesHaveNoRoute();
    void blackHoleDeviceHasACarrier();
    void secondSetUpIsRefusedWithTheErrno();
};

void TestLabNetwork::initTestCase() {
    // The guard against changing the host: the namespace this test starts in is its parent's. (Only the
    // guard is asked here; nothing that would change an interface runs before the namespace is entered.)
    QVERIFY2(!backlog::lab::refuseHostNamespace().empty(), "the host's namespace was not recognised");
    const std::string why = backlog::lab::enterFreshNetworkNamespace();
    if (!why.empty()) QSKIP(why.c_str());
    QCOMPARE(QString::fromStdString(backlog::lab::refuseHostNamespace()), QString());
    const LabResult<bool> done = backlog::lab::setUpLabNetwork(clients);
    QVERIFY2(done.ok(), done.ok() ? "" : done.error().c_str());
}

void TestLabNetwork::addressesCanBeBoundAndConnected() {
    const Socket listener(SOCK_STREAM);
    QVERIFY(listener.bindTo(labServerAddress));
    QCOMPARE(::listen(listener.fd, 4), 0);
    sockaddr_in server{};
    socklen_t length = sizeof server;
    QCOMPARE(::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&server), &length), 0);
    for (const std::uint32_t client : clients) {
        const Socket s(SOCK_STREAM);
        QVERIFY(s.bindTo(client));
        QCOMPARE(::connect(s.fd, reinterpret_cast<const sockaddr*>(&server), sizeof server), 0);
        sockaddr_in peer{};
        socklen_t peerLength = sizeof peer;
        const int accepted =
            ::accept4(listener.fd, reinterpret_cast<sockaddr*>(&peer), &peerLength, SOCK_CLOEXEC);
        QVERIFY(accepted >= 0);
        ::close(accepted);
        QCOMPARE(ntohl(peer.sin_addr.s_addr), client);
    }
}

void TestLabNetwork::routableSourcesLeaveAndNothingAnswers() {
    QCOMPARE(sendDatagramTo(ipv4Address(10, 1, 2, 3)), 0);
    // A connected UDP socket reports an ICMP error on its next call; the black hole sends none.
    const Socket s(SOCK_DGRAM);
    const sockaddr_in to = ipv4Endpoint(ipv4Address(10, 9, 8, 7), 9);
    QCOMPARE(::connect(s.fd, reinterpret_cast<const sockaddr*>(&to), sizeof to), 0);
    const timeval wait{0, 200'000};
    QCOMPARE(::setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait), 0);
    QCOMPARE(::send(s.fd, "x", 1, 0), ssize_t{1});
    char byte = 0;
    QCOMPARE(::recv(s.fd, &byte, 1, 0), ssize_t{-1});
    QVERIFY2(errno == EAGAIN, std::strerror(errno)); // not ECONNREFUSED, EHOSTUNREACH …
}

void TestLabNetwork::unroutableSourcesHaveNoRoute() {
    QCOMPARE(sendDatagramTo(ipv4Address(172, 16, 1, 1)), ENETUNREACH);
    const Socket s(SOCK_STREAM);
    const sockaddr_in to = ipv4Endpoint(ipv4Address(172, 16, 1, 1), 80);
    QCOMPARE(::connect(s.fd, reinterpret_cast<const sockaddr*>(&to), sizeof to), -1);
    QCOMPARE(errno, ENETUNREACH);
}

void TestLabNetwork::blackHoleDeviceHasACarrier() {
    // IFF_RUNNING is the carrier: without it the device's queue would drop every SYN-ACK unseen.
    QCOMPARE(interfaceFlags("v0") & (IFF_UP | IFF_RUNNING), IFF_UP | IFF_RUNNING);
    QCOMPARE(interfaceFlags("v1") & IFF_UP, IFF_UP);
}

void TestLabNetwork::secondSetUpIsRefusedWithTheErrno() {
    const LabResult<bool> address = backlog::lab::addLoopbackAddresses({labServerAddress});
    QVERIFY(!address.ok());
    QCOMPARE(address.systemError(), EEXIST);
    QVERIFY2(address.error().find("192.0.2.1/32 to lo: File exists") != std::string::npos,
             address.error().c_str());
    const LabResult<bool> hole = backlog::lab::addBlackHole();
    QVERIFY(!hole.ok());
    qInfo("%s", address.error().c_str());
    qInfo("%s", hole.error().c_str());
    QCOMPARE(hole.systemError(), EEXIST);
    QVERIFY2(hole.error().find("veth pair v0/v1: File exists") != std::string::npos, hole.error().c_str());
}

QTEST_APPLESS_MAIN(TestLabNetwork)
#include "tst_labnetwork.moc"
