// app/lab/Capture.h. Pure: parseIpv4Tcp on hand-built packets (a SYN with the usual TCP options, a
// SYN-ACK with IP options, data whose length comes from the IP total length whether the capture kept
// the payload, only the headers, or padding after it, a FIN) and on garbage (not IPv4, not TCP, a
// fragment, headers cut short, lengths that contradict each other), each error saying which.
// On the real kernel, in a fresh namespace the test enters and sets up with LabNetwork.h (skipped
// without root): a capture of port P sees a connection to 192.0.2.1:P (connect, 5 bytes, close) as SYN,
// SYN-ACK, ACK, the data, then a FIN each way and the last ACK, each segment once, in order, with
// sequence numbers that fit and times inside the test's window, and nothing of a connection on another
// port (port 0 captures both); one spoofed SYN from 10.0.0.0/8 gives exactly its SYN (on lo) and its SYN-ACK
// (out of the black hole's v0), once each, though lo shows every packet twice and the veth pair shows the
// SYN-ACK on both ends. No drops, nothing unreadable; a second stop() is refused.
#include "app/lab/Capture.h"
#include "app/lab/LabNetwork.h"
#include "app/lab/Namespace.h"
#include "app/lab/SynSender.h"
#include "tests/app/lab/ProcNetTcp.h"

#include <QTest>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using backlog::lab::Capture;
using backlog::lab::CaptureOptions;
using backlog::lab::CaptureResult;
using backlog::lab::ipv4Address;
using backlog::lab::ipv4Endpoint;
using backlog::lab::LabClock;
using backlog::lab::LabResult;
using backlog::lab::labServerAddress;
using backlog::lab::TcpSegment;
using namespace std::chrono_literals;

namespace {

constexpr std::uint8_t synAck = backlog::lab::kSyn | backlog::lab::kAck;
constexpr std::uint8_t finAck = backlog::lab::kFin | backlog::lab::kAck;
constexpr std::uint8_t pshAck = backlog::lab::kPsh | backlog::lab::kAck;

QByteArray hex(const char* text) {
    return QByteArray::fromHex(QByteArray(text).replace(' ', ""));
}

// 192.0.2.10:40000 → 192.0.2.1:8080. IPv4: version 4, header length in words, total length, id, DF,
// TTL 64, protocol 6, checksum 0 (the parser does not check it: outgoing packets carry partial sums).
// A SYN, seq 1000, 40-byte TCP header: MSS 1460, SACK permitted, timestamps, NOP, window scale 7.
const QByteArray syn = hex("4500003c 0001 4000 4006 0000 c000020a c0000201"
                           "9c40 1f90 000003e8 00000000 a002 faf0 0000 0000"
                           "020405b4 0402080a 00000001 00000000 01030307");
// The SYN-ACK, seq 2000, ack 1001, with 4 bytes of IP options (NOP NOP NOP EOL): header length 6 words.
const QByteArray synAckWithIpOptions = hex("46000030 0002 4000 4006 0000 c0000201 c000020a 01010100"
                                           "1f90 9c40 000007d0 000003e9 6012 ffff 0000 0000 020405b4");
// 5 bytes of data ("hello"), PSH ACK: total length 45.
const QByteArray data = hex("4500002d 0003 4000 4006 0000 c000020a c0000201"
                            "9c40 1f90 000003e9 000007d1 5018 0200 0000 0000 68656c6c6f");
const QByteArray fin = hex("45000028 0004 4000 4006 0000 c000020a c0000201"
                           "9c40 1f90 000003ee 000007d1 5011 0200 0000 0000");

LabResult<TcpSegment> parse(const QByteArray& bytes, std::int64_t at = 7) {
    return backlog::lab::parseIpv4Tcp(reinterpret_cast<const unsigned char*>(bytes.constData()),
                                      static_cast<std::size_t>(bytes.size()), at);
}

// A listener on 192.0.2.1, port chosen by the kernel.
struct Listener {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    std::uint16_t port = 0;
    Listener() {
        sockaddr_in a = ipv4Endpoint(labServerAddress, 0);
        socklen_t length = sizeof a;
        if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), length) == 0 && ::listen(fd, 16) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length) == 0)
            port = ntohs(a.sin_port);
    }
    ~Listener() {
        if (fd >= 0) ::close(fd);
    }
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;
};

// connect, 5 bytes, the client closes, the server reads them and the end, and closes: false on a failure.
bool converse(const Listener& listener) {
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in to = ipv4Endpoint(labServerAddress, listener.port);
    if (client < 0 || ::connect(client, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) return false;
    const int server = ::accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC);
    const bool sent = server >= 0 && ::send(client, "hello", 5, 0) == 5;
    ::close(client);
    char buffer[16];
    ssize_t got = 0;
    for (ssize_t n = 1; sent && n > 0 && got <= 5;) // 5 bytes then end of file, bounded by the buffer
        if ((n = ::recv(server, buffer, sizeof buffer, 0)) > 0) got += n;
    if (server >= 0) ::close(server);
    return sent && got == 5;
}

// True once no socket on `port` is between LISTEN and TIME_WAIT: the closing handshake is over and its
// last ACK has been sent. Checked for one second at most.
bool closingIsOver(std::uint16_t port) {
    using backlog::lab::test::TcpEntry;
    const auto deadline = std::chrono::steady_clock::now() + 1s;
    while (std::chrono::steady_clock::now() < deadline) {
        bool busy = false;
        for (const TcpEntry& e : backlog::lab::test::readProcNetTcp())
            busy = busy || ((e.localPort == port || e.remotePort == port) &&
                            e.state != backlog::lab::test::Listen && e.state != backlog::lab::test::TimeWait);
        if (!busy) return true;
        std::this_thread::sleep_for(2ms);
    }
    return false;
}

std::string describe(const TcpSegment& s) {
    return std::to_string(s.at) + " ns " + backlog::lab::ipv4Text(s.source) + ":" +
           std::to_string(s.sourcePort) + " > " + backlog::lab::ipv4Text(s.destination) + ":" +
           std::to_string(s.destinationPort) + " flags " + std::to_string(s.flags) + " seq " +
           std::to_string(s.seq) + " ack " + std::to_string(s.ack) + " len " + std::to_string(s.payload);
}

CaptureResult stopped(std::unique_ptr<Capture>& capture) {
    LabResult<CaptureResult> result = capture->stop();
    if (!result.ok()) qFatal("%s", result.error().c_str());
    for (const TcpSegment& s : result.value().segments)
        qInfo("%s", describe(s).c_str());
    return result.value();
}

} // namespace

class TestCapture : public QObject {
    Q_OBJECT

  private slots:
    void parsesSegments_data();
    void parsesSegments();
    void refusesGarbage_data();
    void refusesGarbage();
    void initTestCase();
    void connectionIsCapturedOnceInOrder();
    void spoofedSynAndItsSynAckAreCapturedOnce();
    void portZeroCapturesEveryPort();

  private:
    std::string unavailable_;
};

void TestCapture::parsesSegments_data() {
    QTest::addColumn<QByteArray>("packet");
    QTest::addColumn<int>("flags");
    QTest::addColumn<uint>("seq");
    QTest::addColumn<uint>("ack");
    QTest::addColumn<uint>("payload");
    QTest::addColumn<bool>("fromClient");
    QTest::newRow("SYN with TCP options") << syn << int{backlog::lab::kSyn} << 1000U << 0U << 0U << true;
    QTest::newRow("SYN-ACK with IP options")
        << synAckWithIpOptions << int{synAck} << 2000U << 1001U << 0U << false;
    QTest::newRow("data, whole") << data << int{pshAck} << 1001U << 2001U << 5U << true;
    QTest::newRow("data, headers only") << data.left(40) << int{pshAck} << 1001U << 2001U << 5U << true;
    QTest::newRow("data, padded frame")
        << data + QByteArray(15, '\0') << int{pshAck} << 1001U << 2001U << 5U << true;
    QTest::newRow("FIN") << fin << int{finAck} << 1006U << 2001U << 0U << true;
}

void TestCapture::parsesSegments() {
    QFETCH(QByteArray, packet);
    QFETCH(int, flags);
    QFETCH(uint, seq);
    QFETCH(uint, ack);
    QFETCH(uint, payload);
    QFETCH(bool, fromClient);
    const LabResult<TcpSegment> s = parse(packet, 123);
    QVERIFY2(s.ok(), s.ok() ? "" : s.error().c_str());
    const std::uint32_t client = ipv4Address(192, 0, 2, 10);
    QCOMPARE(s.value().at, std::int64_t{123});
    QCOMPARE(s.value().source, fromClient ? client : labServerAddress);
    QCOMPARE(s.value().destination, fromClient ? labServerAddress : client);
    QCOMPARE(s.value().sourcePort, std::uint16_t(fromClient ? 40000 : 8080));
    QCOMPARE(s.value().destinationPort, std::uint16_t(fromClient ? 8080 : 40000));
    QCOMPARE(int{s.value().flags}, flags);
    QCOMPARE(s.value().seq, seq);
    QCOMPARE(s.value().ack, ack);
    QCOMPARE(s.value().payload, payload);
}

void TestCapture::refusesGarbage_data() {
    QTest::addColumn<QByteArray>("packet");
    QTest::addColumn<QString>("error");
    QTest::newRow("empty") << QByteArray() << "an IPv4 header needs 20 bytes, 0 bytes were captured";
    QTest::newRow("IPv4 header cut short") << syn.left(19) << "an IPv4 header needs 20 bytes, 19 bytes";
    QTest::newRow("IPv6") << hex("6000000000140640") + QByteArray(32, '\0') << "not IPv4 (IP version 6)";
    QTest::newRow("header length 4 words")
        << QByteArray(syn).replace(0, 1, hex("44")) << "an IPv4 header length of 16 bytes";
    QTest::newRow("IP options cut short")
        << synAckWithIpOptions.left(22)
        << "the IPv4 header with its options is 24 bytes, 22 bytes were captured";
    QTest::newRow("total length below the header")
        << QByteArray(syn).replace(2, 2, hex("0010"))
        << "an IPv4 total length of 16 bytes, less than its header's 20";
    QTest::newRow("UDP") << hex("4500001c 0001 4000 4011 0000 c000020a c0000201 9c40 0035 0008 0000")
                         << "not TCP (IP protocol 17)";
    QTest::newRow("fragment") << QByteArray(data).replace(6, 2, hex("0002")) << "a fragment (offset 16)";
    QTest::newRow("first fragment") << QByteArray(data).replace(6, 2, hex("2000")) << "a fragment (offset 0)";
    QTest::newRow("no room for TCP") << QByteArray(syn).replace(2, 2, hex("0020"))
                                     << "the IPv4 total length leaves 12 bytes for TCP";
    QTest::newRow("TCP header cut short") << syn.left(30) << "the TCP header is cut short: 10 bytes of 20";
    QTest::newRow("TCP data offset 4 words")
        << QByteArray(fin).replace(32, 1, hex("40")) << "a TCP data offset of 16 bytes";
    QTest::newRow("TCP header beyond the segment")
        << QByteArray(fin).replace(32, 1, hex("60")) << "a TCP header of 24 bytes in a segment of 20 bytes";
    QTest::newRow("TCP options cut short")
        << syn.left(50) << "the TCP options are cut short: 30 bytes of the header's 40 bytes";
}

void TestCapture::refusesGarbage() {
    QFETCH(QByteArray, packet);
    QFETCH(QString, error);
    const LabResult<TcpSegment> s = parse(packet);
    QVERIFY(!s.ok());
    QVERIFY2(QString::fromStdString(s.error()).contains(error), s.error().c_str());
}

void TestCapture::initTestCase() {
    unavailable_ = backlog::lab::enterFreshNetworkNamespace();
    if (!unavailable_.empty()) return; // the pure tests run all the same; the kernel's skip
    const LabResult<bool> done = backlog::lab::setUpLabNetwork();
    QVERIFY2(done.ok(), done.ok() ? "" : done.error().c_str());
}

void TestCapture::connectionIsCapturedOnceInOrder() {
    if (!unavailable_.empty()) QSKIP(unavailable_.c_str());
    const Listener listener;
    const Listener elsewhere; // a connection here must not be captured
    QVERIFY(listener.port != 0 && elsewhere.port != 0);
    const LabClock clock = LabClock::now();
    CaptureOptions options;
    options.port = listener.port;
    LabResult<std::unique_ptr<Capture>> capture = Capture::start(clock, options);
    QVERIFY2(capture.ok(), capture.ok() ? "" : capture.error().c_str());
    const std::int64_t from = clock.sinceEpoch();
    QVERIFY(converse(listener));
    QVERIFY(converse(elsewhere));
    QVERIFY(closingIsOver(listener.port));
    const std::int64_t to = clock.sinceEpoch();
    const CaptureResult result = stopped(capture.value());
    QVERIFY(!capture.value()->stop().ok()); // once only
    QCOMPARE(result.drops, std::uint64_t{0});
    QCOMPARE(result.unreadable, std::uint64_t{0});
    QCOMPARE(result.ringFrames, options.ringBytes / 256); // frames of 256 bytes

    const std::vector<TcpSegment>& s = result.segments;
    QVERIFY(s.size() >= 6);
    const std::uint16_t port = listener.port;
    const std::uint16_t clientPort = s[0].sourcePort;
    // Clock conversion: CLOCK_REALTIME stamps against a CLOCK_MONOTONIC window; 1 ms covers a slew.
    const std::int64_t slack = 1'000'000;
    int fins = 0, data = 0, synAcks = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        QVERIFY2(s[i].at >= from - slack && s[i].at <= to + slack,
                 (describe(s[i]) + " outside " + std::to_string(from) + " … " + std::to_string(to)).c_str());
        QVERIFY2(i == 0 || s[i].at >= s[i - 1].at, "in time order");
        const bool fromClient = s[i].sourcePort == clientPort && s[i].destinationPort == port;
        QVERIFY2(fromClient || (s[i].sourcePort == port && s[i].destinationPort == clientPort),
                 "one connection");
        QVERIFY2(i == 0 || (s[i].flags & backlog::lab::kSyn) == 0 || s[i].flags == synAck, "one SYN");
        synAcks += s[i].flags == synAck ? 1 : 0;
        data += s[i].payload > 0 ? 1 : 0;
        fins += (s[i].flags & backlog::lab::kFin) != 0 ? 1 : 0;
    }
    QCOMPARE(synAcks, 1);
    QCOMPARE(data, 1);
    QCOMPARE(fins, 2);
    QCOMPARE(s[0].flags, std::uint8_t{backlog::lab::kSyn});
    QCOMPARE(s[0].source, labServerAddress);
    QCOMPARE(s[1].flags, synAck);
    QCOMPARE(s[1].ack, s[0].seq + 1);
    QCOMPARE(s[2].flags, std::uint8_t{backlog::lab::kAck});
    QCOMPARE(s[2].sourcePort, clientPort);
    QCOMPARE(s[3].flags, pshAck); // the data follows the handshake at once
    QCOMPARE(s[3].payload, std::uint32_t{5});
    QCOMPARE(s[3].seq, s[0].seq + 1);
    // The client's FIN (after its data), then the server's, then the client's ACK of it, last.
    std::size_t clientFin = 0, serverFin = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
        if ((s[i].flags & backlog::lab::kFin) != 0)
            (s[i].sourcePort == clientPort ? clientFin : serverFin) = i;
    QVERIFY(clientFin > 3 && serverFin > clientFin);
    QCOMPARE(s[clientFin].seq, s[0].seq + 6);
    QCOMPARE(s.back().flags, std::uint8_t{backlog::lab::kAck});
    QCOMPARE(s.back().sourcePort, clientPort);
    QCOMPARE(s.back().ack, s[serverFin].seq + 1);
}

void TestCapture::spoofedSynAndItsSynAckAreCapturedOnce() {
    if (!unavailable_.empty()) QSKIP(unavailable_.c_str());
    const Listener listener;
    QVERIFY(listener.port != 0);
    LabResult<std::unique_ptr<Capture>> capture =
        Capture::start(LabClock::now(), CaptureOptions{listener.port});
    QVERIFY2(capture.ok(), capture.ok() ? "" : capture.error().c_str());
    backlog::lab::FloodOptions one;
    one.destinationPort = listener.port;
    one.maxCount = 1;
    const auto sent = backlog::lab::sendFlood(one);
    QVERIFY2(sent.ok() && sent.value().sent == 1, sent.ok() ? "not sent" : sent.error().c_str());
    // The SYN-ACK leaves while the SYN is processed; its first retransmission would come a second later.
    const auto deadline = std::chrono::steady_clock::now() + 1s;
    while (backlog::lab::test::countOnPort(listener.port, backlog::lab::test::SynRecv) < 1 &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    const CaptureResult result = stopped(capture.value());
    QCOMPARE(result.drops, std::uint64_t{0});
    QCOMPARE(result.segments.size(), std::size_t{2});
    const TcpSegment& synSegment = result.segments[0];
    const TcpSegment& synAckSegment = result.segments[1];
    QVERIFY(backlog::lab::routableSpoofedSources.contains(synSegment.source));
    QCOMPARE(synSegment.flags, std::uint8_t{backlog::lab::kSyn});
    QCOMPARE(synAckSegment.flags, synAck);
    QCOMPARE(synAckSegment.destination, synSegment.source);
    QCOMPARE(synAckSegment.destinationPort, synSegment.sourcePort);
    QCOMPARE(synAckSegment.ack, synSegment.seq + 1);
}

void TestCapture::portZeroCapturesEveryPort() {
    if (!unavailable_.empty()) QSKIP(unavailable_.c_str());
    const Listener a;
    const Listener b;
    QVERIFY(a.port != 0 && b.port != 0);
    LabResult<std::unique_ptr<Capture>> capture = Capture::start(LabClock::now(), CaptureOptions{});
    QVERIFY2(capture.ok(), capture.ok() ? "" : capture.error().c_str());
    QVERIFY(converse(a));
    QVERIFY(converse(b));
    QVERIFY(closingIsOver(a.port) && closingIsOver(b.port));
    const CaptureResult result = stopped(capture.value());
    int synsToA = 0, synsToB = 0;
    for (const TcpSegment& s : result.segments) {
        synsToA += s.flags == backlog::lab::kSyn && s.destinationPort == a.port ? 1 : 0;
        synsToB += s.flags == backlog::lab::kSyn && s.destinationPort == b.port ? 1 : 0;
    }
    QCOMPARE(synsToA, 1);
    QCOMPARE(synsToB, 1);
}

QTEST_APPLESS_MAIN(TestCapture)
#include "tst_capture.moc"
