// app/lab/SynSender.h. Pure: the Internet checksum against known values (RFC 1071's example header from
// the literature, an odd length), a SYN built byte for byte as an independent implementation computed
// it (Python's struct, both checksums), and the spoofed sources (inside their prefix, never its network
// or broadcast address, the same for a seed, other for another seed). On the real kernel, in a fresh
// namespace the test enters and sets up with LabNetwork.h (tcp_syncookies 0 written there only; skipped
// without root): 100 SYNs from 10.0.0.0/8 to a listen(…, 16) on 192.0.2.1 leave requests in SYN-RECV,
// no more than the SYN queue holds (M3: backlog + 1 on 6.18), the others dropped (M4: TCPReqQFullDrop),
// and their SYN-ACKs leave through the black hole's v0 with nothing coming back; 100 SYNs from
// 172.16.0.0/12 leave no request at all and count only ListenDrops (M19).
#include "app/lab/KernelCounters.h"
#include "app/lab/LabNetwork.h"
#include "app/lab/Namespace.h"
#include "app/lab/SynSender.h"
#include "tests/app/lab/ProcNetTcp.h"

#include <QTest>

#include <array>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using backlog::lab::buildSyn;
using backlog::lab::FloodOptions;
using backlog::lab::FloodResult;
using backlog::lab::internetChecksum;
using backlog::lab::ipv4Address;
using backlog::lab::Ipv4Prefix;
using backlog::lab::LabResult;
using backlog::lab::SpoofedSources;
using backlog::lab::SynFields;
using backlog::lab::SynPacket;
using namespace std::chrono_literals;

namespace {

std::int64_t counter(const char* name) {
    const auto counters = backlog::lab::readKernelCounters();
    if (!counters.ok()) qFatal("%s", counters.error().c_str());
    const auto found = counters.value().find(name);
    return found == counters.value().end() ? -1 : found->second;
}

enum class Direction { Received, Sent };

// Packets a device of this namespace received or sent, from /proc/net/dev, which is per namespace
// (/sys/class/net shows the namespace sysfs was mounted in: the host's).
std::uint64_t packets(const std::string& device, Direction direction) {
    std::ifstream file("/proc/net/dev");
    std::string line;
    while (std::getline(file, line)) {
        std::istringstream fields(line);
        std::string name;
        fields >> name;
        if (name != device + ":") continue;
        std::array<std::uint64_t, 16> v{}; // bytes, packets … received, then bytes, packets … sent
        for (auto& x : v)
            fields >> x;
        return direction == Direction::Received ? v[1] : v[9];
    }
    return 0;
}

// A listener on 192.0.2.1 with the given backlog; its port, or 0.
struct Listener {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    std::uint16_t port = 0;
    explicit Listener(int backlog) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(backlog::lab::labServerAddress);
        socklen_t length = sizeof a;
        if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), length) == 0 &&
            ::listen(fd, backlog) == 0 && ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length) == 0)
            port = ntohs(a.sin_port);
    }
    ~Listener() {
        if (fd >= 0) ::close(fd);
    }
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;
};

FloodResult flood(std::uint16_t port, Ipv4Prefix sources, std::uint64_t seed) {
    FloodOptions options;
    options.destinationPort = port;
    options.sources = sources;
    options.ratePerSecond = 2000;
    options.duration = 50ms;
    options.maxCount = 100;
    options.seed = seed;
    const LabResult<FloodResult> result = backlog::lab::sendFlood(options);
    if (!result.ok()) qFatal("%s", result.error().c_str());
    return result.value();
}

// Waits (2 s at most) until the kernel has dealt with `sent` SYNs on `port`: each either made a request
// or was counted in ListenDrops.
void waitForSyns(std::uint16_t port, std::int64_t dropsBefore, int sent) {
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    while (backlog::lab::test::countOnPort(port, backlog::lab::test::SynRecv) +
                   (counter("TcpExtListenDrops") - dropsBefore) <
               sent &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
}

} // namespace

class TestSynSender : public QObject {
    Q_OBJECT

  private slots:
    void internetChecksumOfKnownData_data();
    void internetChecksumOfKnownData();
    void synIsBuiltByteForByte();
    void spoofedSourcesStayInTheirPrefix();
    void spoofedSourcesFollowTheSeed();
    void routableSourcesLeaveRequestsInSynRecv();
    void unroutableSourcesLeaveNoRequest();

  private:
    bool enterLab();
    bool entered_ = false;
    std::string unavailable_;
};

void TestSynSender::internetChecksumOfKnownData_data() {
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<int>("checksum");
    // The IPv4 header of the usual worked example (192.168.0.1 → 192.168.0.199, UDP), checksum field 0.
    QTest::newRow("IPv4 header") << QByteArray::fromHex("450000730000400040110000c0a80001c0a800c7") << 0xb861;
    // With its checksum in place, the sum over the header is 0.
    QTest::newRow("IPv4 header, filled in") << QByteArray::fromHex("450000730000400040110000c0a80001c0a800c7")
                                                   .replace(10, 2, QByteArray::fromHex("b861"))
                                            << 0;
    // RFC 1071's example words 0001 f203 f4f5 f6f7: sum ddf2, complement 220d; an odd last byte is padded.
    QTest::newRow("RFC 1071 words") << QByteArray::fromHex("0001f203f4f5f6f7") << 0x220d;
    QTest::newRow("odd length") << QByteArray::fromHex("0001f203f4f5f6") << 0x2304;
    QTest::newRow("empty") << QByteArray() << 0xffff;
}

void TestSynSender::internetChecksumOfKnownData() {
    QFETCH(QByteArray, data);
    QFETCH(int, checksum);
    const auto* bytes = reinterpret_cast<const unsigned char*>(data.constData());
    QCOMPARE(int{internetChecksum(bytes, static_cast<std::size_t>(data.size()))}, checksum);
}

void TestSynSender::synIsBuiltByteForByte() {
    SynFields f;
    f.source = ipv4Address(10, 1, 2, 3);
    f.destination = ipv4Address(192, 0, 2, 1);
    f.sourcePort = 40000;
    f.destinationPort = 8080;
    f.seq = 0x12345678;
    // Computed independently (Python struct and its own RFC 1071 sum): IP checksum 0x287b, TCP 0xaab3.
    const SynPacket expected{0x45, 0x00, 0x00, 0x2c, 0x44, 0x4c, 0x40, 0x00, 0x40, 0x06, 0x28,
                             0x7b, 0x0a, 0x01, 0x02, 0x03, 0xc0, 0x00, 0x02, 0x01, 0x9c, 0x40,
                             0x1f, 0x90, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x00, 0x60,
                             0x02, 0xfa, 0xf0, 0xaa, 0xb3, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4};
    const SynPacket built = buildSyn(f);
    for (std::size_t i = 0; i < built.size(); ++i)
        QVERIFY2(built[i] == expected[i], qPrintable(QString("byte %1: %2, expected %3")
                                                         .arg(i)
                                                         .arg(built[i], 2, 16, QChar('0'))
                                                         .arg(expected[i], 2, 16, QChar('0'))));
    QCOMPARE(int{internetChecksum(built.data(), 20)}, 0);
}

void TestSynSender::spoofedSourcesStayInTheirPrefix() {
    for (const Ipv4Prefix prefix :
         {backlog::lab::routableSpoofedSources, backlog::lab::unroutableSpoofedSources,
          Ipv4Prefix{ipv4Address(10, 0, 0, 0), 30}}) {
        SpoofedSources sources(prefix, 7);
        std::set<std::uint32_t> seen;
        for (int i = 0; i < 2000; ++i) {
            const SynFields f = sources.next(backlog::lab::labServerAddress, 80);
            QVERIFY(prefix.contains(f.source));
            QVERIFY(f.source != prefix.network && f.source != (prefix.network | ~prefix.mask()));
            QVERIFY(f.sourcePort >= 1024);
            QCOMPARE(f.destinationPort, std::uint16_t{80});
            seen.insert(f.source);
        }
        // A /30 has two usable addresses; the wide prefixes give (almost) all different ones.
        QVERIFY(prefix.length == 30 ? seen.size() == 2 : seen.size() > 1990);
    }
}

void TestSynSender::spoofedSourcesFollowTheSeed() {
    SpoofedSources a(backlog::lab::routableSpoofedSources, 42);
    SpoofedSources b(backlog::lab::routableSpoofedSources, 42);
    SpoofedSources c(backlog::lab::routableSpoofedSources, 43);
    int same = 0;
    for (int i = 0; i < 100; ++i) {
        const SynFields x = a.next(1, 2), y = b.next(1, 2), z = c.next(1, 2);
        QVERIFY(x.source == y.source && x.sourcePort == y.sourcePort && x.seq == y.seq);
        same += x.source == z.source ? 1 : 0;
    }
    QVERIFY(same < 5);
}

// Enters the namespace once, for the two tests that need it: the listeners of both live there.
bool TestSynSender::enterLab() {
    if (entered_ || !unavailable_.empty()) return entered_;
    if (std::string why = backlog::lab::enterFreshNetworkNamespace(); !why.empty()) {
        unavailable_ = why;
        return false;
    }
    const LabResult<bool> done = backlog::lab::setUpLabNetwork();
    if (!done.ok()) qFatal("%s", done.error().c_str());
    // tcp_syncookies is per namespace: this writes the fresh one's, never the host's (entered just above).
    const int fd = ::open("/proc/sys/net/ipv4/tcp_syncookies", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, "0", 1) != 1) qFatal("writing tcp_syncookies inside the namespace failed");
    ::close(fd);
    entered_ = true;
    return true;
}

void TestSynSender::routableSourcesLeaveRequestsInSynRecv() {
    if (!enterLab()) QSKIP(unavailable_.c_str());
    const Listener listener(16);
    QVERIFY(listener.port != 0);
    const std::int64_t drops = counter("TcpExtListenDrops");
    const std::int64_t full = counter("TcpExtTCPReqQFullDrop");
    const std::uint64_t synAcksBefore = packets("v0", Direction::Sent);
    const FloodResult sent = flood(listener.port, backlog::lab::routableSpoofedSources, 1);
    QCOMPARE(sent.sent, std::uint64_t{100});
    QCOMPARE(sent.failed, std::uint64_t{0});
    QVERIFY2(sent.elapsed < 1'000'000'000, "100 SYNs at 2000/s take 50 ms");
    waitForSyns(listener.port, drops, 100);
    const int requests = backlog::lab::test::countOnPort(listener.port, backlog::lab::test::SynRecv);
    const std::int64_t dropped = counter("TcpExtListenDrops") - drops;
    qInfo("SYN-RECV %d, ListenDrops +%lld, TCPReqQFullDrop +%lld, v0 sent %llu, took %lld us", requests,
          static_cast<long long>(dropped), static_cast<long long>(counter("TcpExtTCPReqQFullDrop") - full),
          static_cast<unsigned long long>(packets("v0", Direction::Sent) - synAcksBefore),
          static_cast<long long>(sent.elapsed / 1000));
    QVERIFY2(requests >= 1, "routable spoofed SYNs leave requests (M19)");
    QVERIFY2(requests <= 17, "no more than the SYN queue holds: backlog + 1 (M3)");
    QCOMPARE(requests + dropped, std::int64_t{100});
    QCOMPARE(counter("TcpExtTCPReqQFullDrop") - full, dropped); // syncookies 0: a full queue drops (M4)
    QVERIFY(packets("v0", Direction::Sent) - synAcksBefore >= std::uint64_t(requests));
    QCOMPARE(packets("v0", Direction::Received), std::uint64_t{0}); // nothing answers
}

void TestSynSender::unroutableSourcesLeaveNoRequest() {
    if (!enterLab()) QSKIP(unavailable_.c_str());
    const Listener listener(16);
    QVERIFY(listener.port != 0);
    const std::int64_t drops = counter("TcpExtListenDrops");
    const std::int64_t full = counter("TcpExtTCPReqQFullDrop");
    const FloodResult sent = flood(listener.port, backlog::lab::unroutableSpoofedSources, 2);
    QCOMPARE(sent.sent, std::uint64_t{100});
    waitForSyns(listener.port, drops, 100);
    QCOMPARE(backlog::lab::test::countOnPort(listener.port, backlog::lab::test::SynRecv), 0);
    QCOMPARE(counter("TcpExtListenDrops") - drops, std::int64_t{100}); // M19: only ListenDrops counts them
    QCOMPARE(counter("TcpExtTCPReqQFullDrop") - full, std::int64_t{0});
}

QTEST_APPLESS_MAIN(TestSynSender)
#include "tst_synsender.moc"
