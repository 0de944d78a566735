// A measurement made into a run of the model's shape (app/lab/MeasuredRun): hand-built records, as the
// capture, the workers and the clients would give them, and what the history, the report and ss then
// say. No kernel is needed.
#include "app/lab/MeasuredRun.h"
#include "app/lab/SavedRun.h"

#include "model/tools/KernelTools.h"
#include "model/tools/Report.h"

#include <QTest>

using namespace backlog;
using namespace backlog::lab;

namespace {

constexpr std::uint32_t kServer = 0xC000'0201; // 192.0.2.1
constexpr std::uint32_t kClient = 0xC000'0202; // 192.0.2.2
constexpr std::uint16_t kPort = 80;

std::int64_t ms(double v) {
    return static_cast<std::int64_t>(v * 1e6);
}

TcpSegment toServer(double atMs, std::uint32_t from, std::uint16_t port, std::uint8_t flags,
                    std::uint32_t payload = 0) {
    return {ms(atMs), from, kServer, port, kPort, flags, 0, 0, payload};
}
TcpSegment fromServer(double atMs, std::uint32_t to, std::uint16_t port, std::uint8_t flags) {
    return {ms(atMs), kServer, to, kPort, port, flags, 0, 0, 0};
}

Scenario scenario() {
    Scenario sc;
    sc.title = "measured";
    sc.server.port = kPort;
    sc.server.backlog = 1;
    sc.server.workers.count = 1;
    TrafficEntry e;
    e.clients.name = "web";
    e.clients.clients = 2;
    sc.traffic.push_back(e);
    return sc;
}

ClientMeasurement client(std::uint16_t port, double connectMs, double connectedMs, double respondedMs) {
    ClientMeasurement c;
    c.address = kClient;
    c.port = port;
    c.connectAt = ms(connectMs);
    c.connectedAt = ms(connectedMs);
    c.respondedAt = ms(respondedMs);
    c.closedAt = ms(respondedMs);
    return c;
}

// Client 0: a plain handshake at 1 ms, accepted at 2 ms. Client 1: its first SYN meets a full accept
// queue (sampled), its retransmission at 1001 ms is answered, its first ACK meets a full queue again (the
// server retransmits its SYN-ACK, A7a), the second ACK completes it. One spoofed SYN from the black hole.
Measurement measurement() {
    Measurement m;
    m.kernelRelease = "6.18.0-test";
    m.privilege = "as root";
    m.serverAddress = kServer;
    m.serverPort = kPort;
    m.workers = 1;
    m.duration = ms(3000);
    m.clients = {client(40000, 1, 1.02, 3), client(40001, 0.5, 1001.02, 2500)};
    m.segments = {
        toServer(0.5, kClient, 40001, kSyn),
        toServer(1, kClient, 40000, kSyn),
        fromServer(1.01, kClient, 40000, kSyn | kAck),
        toServer(1.02, kClient, 40000, kAck),
        toServer(1.03, kClient, 40000, kAck | kPsh, 80),
        fromServer(2.5, kClient, 40000, kFin | kAck),
        toServer(10, 0x0A01'0203, 1234, kSyn),
        fromServer(10.01, 0x0A01'0203, 1234, kSyn | kAck),
        toServer(1000.5, kClient, 40001, kSyn),
        fromServer(1000.51, kClient, 40001, kSyn | kAck),
        toServer(1000.52, kClient, 40001, kAck),
        fromServer(2000.51, kClient, 40001, kSyn | kAck),
        toServer(2000.52, kClient, 40001, kAck),
    };
    m.accepts = {{ms(2), 0, 0, kClient, 40000}, {ms(2100), 0, 0, kClient, 40001}};
    m.queues = {{0, 0, 2, 1, 0}, {ms(5), 0, 0, 1, 0}};
    m.counters = {{0, {{"TcpExtListenOverflows", 5}, {"TcpActiveOpens", 10}}},
                  {ms(1500), {{"TcpExtListenOverflows", 8}, {"TcpActiveOpens", 12}}}};
    return m;
}

} // namespace

class TestMeasuredRun : public QObject {
    Q_OBJECT
  private slots:
    void clientsQueuesAndPackets() {
        const LabResult<std::unique_ptr<Simulation>> run = measuredRun(scenario(), measurement());
        QVERIFY2(run.ok(), run.ok() ? "" : run.error().c_str());
        const Simulation& sim = *run.value();
        const History& h = sim.history();
        QCOMPARE(h.clients.size(), std::size_t{2});
        QCOMPARE(h.clients[0].synTimes, std::vector<Time>{Time::ns(ms(1))});
        QCOMPARE(h.clients[1].synTimes.size(), std::size_t{2});
        QCOMPARE(h.clients[0].acceptedAt, Time::ms(2));
        QCOMPARE(h.clients[0].worker, 0);
        QCOMPARE(h.clients[0].dataQueuedAt, Time::ns(ms(1.03)) + kLoopbackFlight);
        // Client 0 waits in the accept queue from its ACK to accept(); client 1's request stays in the
        // SYN queue from its first SYN-ACK until its second ACK.
        QCOMPARE(h.queueLengthsAt(0, Time::ns(ms(1.5))).accept, 1);
        QCOMPARE(h.queueLengthsAt(0, Time::ns(ms(2.5))).accept, 0);
        QCOMPARE(h.queueLengthsAt(0, Time::ns(ms(1500))).syn, 2); // client 1 and the spoofed SYN
        QCOMPARE(h.queueLengthsAt(0, Time::ns(ms(2050))).accept, 1);
        QCOMPARE(h.serverStateAt(1, Time::ns(ms(1500))), TcpState::SynRecv);
        QCOMPARE(h.serverStateAt(1, Time::ns(ms(2050))), TcpState::Established);
        // Fates the capture implies.
        QCOMPARE(h.packet(0).fate, PacketFate::DroppedAcceptQueueFull); // sampled queue full (S2)
        QCOMPARE(h.packet(8).retrans, std::uint8_t{1});
        QCOMPARE(h.packet(10).fate, PacketFate::DroppedAckQueueFull); // a SYN-ACK came again (A7a)
        QCOMPARE(h.packet(11).retrans, std::uint8_t{1});
        QCOMPARE(h.packet(7).fate, PacketFate::Unanswered); // into the black hole
        QVERIFY(isSpoofed(h.packet(6).flow));
        QVERIFY(!isUnroutable(h.packet(6).flow));
    }

    void countersSplitByHost() {
        const LabResult<std::unique_ptr<Simulation>> run = measuredRun(scenario(), measurement());
        QVERIFY(run.ok());
        const History& h = run.value()->history();
        QCOMPARE(get(h.countersAt(Host::Server, Time::ms(1000)), Counter::TcpExtListenOverflows), 0);
        QCOMPARE(get(h.countersAt(Host::Server, Time::ms(1600)), Counter::TcpExtListenOverflows), 3);
        QCOMPARE(get(h.countersAt(Host::Server, Time::ms(1600)), Counter::TcpActiveOpens), 0);
        QCOMPARE(get(h.countersAt(Host::Clients, Time::ms(1600)), Counter::TcpActiveOpens), 2);
        // From the capture: one SYN retransmitted, one SYN-ACK retransmitted.
        QCOMPARE(get(h.countersAt(Host::Clients, Time::s(3)), Counter::TcpExtTCPSynRetrans), 1);
        QCOMPARE(get(h.countersAt(Host::Server, Time::s(3)), Counter::TcpExtTCPSynRetrans), 1);
    }

    void reportIsMarkedMeasured() {
        const LabResult<std::unique_ptr<Simulation>> run = measuredRun(scenario(), measurement());
        QVERIFY(run.ok());
        const Simulation& sim = *run.value();
        const std::string json = jsonReport(sim, Time::s(3));
        QVERIFY(json.find("\"source\": \"measured\"") != std::string::npos);
        QVERIFY(json.find("\"kernel_release\": \"6.18.0-test\"") != std::string::npos);
        const std::string text = textReport(sim, Time::s(3));
        QVERIFY(text.find("MEASURED on this machine: Linux 6.18.0-test") != std::string::npos);
        QVERIFY(text.find("2 accepted") != std::string::npos);
        // ss shows the spoofed request with the address it came from.
        QVERIFY(formatSsAll(sim.ssAll(Time::ms(20))).find("10.1.2.3:1234") != std::string::npos);
        QVERIFY(formatSsAll(sim.ssAll(Time::ms(20))).find("192.0.2.1:80") != std::string::npos);
        // A measured run is what the kernel did: it is not changed, nor simulated further.
        Simulation& writable = *run.value();
        const std::optional<std::string> refused = writable.changeAt(Time::s(1), "server.backlog", "8");
        QVERIFY(refused && refused->find("measured on the real kernel") != std::string::npos);
        QVERIFY(writable.idle());
    }

    void measurementAsTextRoundTrips() {
        Measurement m = measurement();
        m.warnings = {"network.rtt 100ms is not reproduced", "two words"};
        m.clients[1].error = "ETIMEDOUT";
        m.captureDrops = 3;
        const std::string text = serialiseMeasurement(m);
        const LabResult<Measurement> back = parseMeasurement(text);
        QVERIFY2(back.ok(), back.ok() ? "" : back.error().c_str());
        QCOMPARE(serialiseMeasurement(back.value()), text);
        QCOMPARE(back.value().warnings.size(), std::size_t{2});
        QCOMPARE(back.value().clients[1].error, std::string("ETIMEDOUT"));
        QCOMPARE(back.value().clients[0].error, std::string());
        QCOMPARE(back.value().segments.size(), m.segments.size());
    }

    void malformedMeasurementsAreRefusedAtTheirLine_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("not a measurement") << "hello\n"
                                           << "line 1: expected \"backlog-lab-measurement 1\"";
        QTest::newRow("unknown record") << "backlog-lab-measurement 1\nfoo 1\n"
                                        << "line 2: unknown record \"foo\"";
        QTest::newRow("short segment") << "backlog-lab-measurement 1\nseg 1 2 3\n"
                                       << "line 2: a seg record";
        QTest::newRow("bad counter") << "backlog-lab-measurement 1\ncnt 5 TcpActiveOpens\n"
                                     << "line 2: expected NAME=VALUE";
        QTest::newRow("counter value") << "backlog-lab-measurement 1\ncnt 5 TcpActiveOpens=x\n"
                                       << "line 2: expected an integer";
        QTest::newRow("empty") << ""
                               << "empty";
    }
    void malformedMeasurementsAreRefusedAtTheirLine() {
        QFETCH(QString, text);
        QFETCH(QString, message);
        const LabResult<Measurement> m = parseMeasurement(text.toStdString());
        QVERIFY(!m.ok());
        QVERIFY2(m.error().find(message.toStdString()) != std::string::npos, m.error().c_str());
    }

    void savedRunRoundTrips() {
        SavedRun run;
        run.path = "lessons/x.yaml";
        run.sets = {"server.backlog=4", "net.ipv4.tcp_syncookies=0"};
        run.until = 300'000'000;
        run.fileText = "title: x\nserver:\n  backlog: 8\n"; // ends in a newline, as files do
        run.measurement = measurement();
        const std::string text = serialiseSavedRun(run);
        const LabResult<SavedRun> back = parseSavedRun(text);
        QVERIFY2(back.ok(), back.ok() ? "" : back.error().c_str());
        QCOMPARE(back.value().path, run.path);
        QCOMPARE(back.value().sets, run.sets);
        QCOMPARE(back.value().until, run.until);
        QCOMPARE(back.value().fileText, run.fileText);
        QCOMPARE(serialiseSavedRun(back.value()), text);
        // Cut anywhere in its file text, or not one at all: refused with the reason.
        QVERIFY(!parseSavedRun(text.substr(0, text.find("title") + 5)).ok());
        QVERIFY(parseSavedRun("title: x\n").error().find("not a measured run") != std::string::npos);
        QVERIFY(!parseSavedRun(std::string(kSavedRunHeader) + "\nfile x\nuntil z\n").ok());
    }

    void refusesRecordsTheScenarioHasNot() {
        Measurement m = measurement();
        m.accepts.push_back({ms(2), 3, 0, kClient, 40000});
        const LabResult<std::unique_ptr<Simulation>> run = measuredRun(scenario(), m);
        QVERIFY(!run.ok());
        QVERIFY(run.error().find("worker 3") != std::string::npos);
        m = measurement();
        m.clients[0].traffic = 4;
        QVERIFY(!measuredRun(scenario(), m).ok());
    }
};

QTEST_APPLESS_MAIN(TestMeasuredRun)
#include "tst_measuredrun.moc"
