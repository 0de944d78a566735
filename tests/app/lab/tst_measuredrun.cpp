// A measurement made into a run of the model's shape (app/lab/MeasuredRun): hand-built records, as the
// capture, the workers and the clients would give them, and what the history, the report and ss then
// say. No kernel is needed.
#include "app/lab/MeasuredRun.h"
#include "app/lab/SavedRun.h"

#include "model/tools/KernelTools.h"
#include "model/tools/Report.h"

#include <QTest>

#include <algorithm>
#include <limits>

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

    void measurementAsJsonRoundTrips() {
        Measurement m = measurement();
        m.warnings = {"network.rtt 100ms is not reproduced", "two \"quoted\" words\nand a line"};
        m.clients[1].error = "ETIMEDOUT";
        m.clients[1].errorAt = ms(2400);
        m.clients[0].closedAt = -1;
        m.captureDrops = 3;
        m.wakeups = {{ms(1.9), 0, false}, {ms(2.2), 0, true}};
        const LabResult<std::string> text = serialiseMeasurement(m);
        QVERIFY2(text.ok(), text.ok() ? "" : text.error().c_str());
        QVERIFY(text.value().rfind("{\"format\":\"backlog-lab-measurement\",\"version\":2,", 0) == 0);
        // The many records are arrays of numbers, one a line; the others objects with named keys.
        QVERIFY(text.value().find("\n[1000000,3221225986,3221225985,40000,80,2,0,0,0],\n") !=
                std::string::npos);
        QVERIFY(text.value().find("\"server_address\":\"192.0.2.1\",\"server_port\":80") !=
                std::string::npos);
        QVERIFY(text.value().find("\"peer_address\":\"192.0.2.2\"") != std::string::npos);
        QVERIFY(text.value().find("\"error_ns\":null,\"error\":null,\"closed_ns\":null}") !=
                std::string::npos);
        const LabResult<Measurement> back = parseMeasurement(text.value());
        QVERIFY2(back.ok(), back.ok() ? "" : back.error().c_str());
        const LabResult<std::string> again = serialiseMeasurement(back.value());
        QVERIFY(again.ok());
        QCOMPARE(again.value(), text.value());
        const Measurement& b = back.value();
        QCOMPARE(b.warnings, m.warnings);
        QCOMPARE(b.clients[1].error, std::string("ETIMEDOUT"));
        QCOMPARE(b.clients[1].errorAt, ms(2400));
        QCOMPARE(b.clients[0].error, std::string());
        QCOMPARE(b.clients[0].errorAt, std::int64_t{-1});
        QCOMPARE(b.clients[0].closedAt, std::int64_t{-1});
        QCOMPARE(b.segments.size(), m.segments.size());
        QCOMPARE(b.segments[2].flags, std::uint8_t{kSyn | kAck});
        QCOMPARE(b.segments[4].payload, std::uint32_t{80});
        QCOMPARE(b.serverAddress, kServer);
        QCOMPARE(b.accepts[1].peerPort, std::uint16_t{40001});
        QCOMPARE(b.wakeups.size(), std::size_t{2});
        QVERIFY(b.wakeups[1].eagain);
        QCOMPARE(b.queues[0].acceptQueue, std::uint32_t{2});
        QCOMPARE(b.counters[1].values.at("TcpExtListenOverflows"), std::int64_t{8});
        QCOMPARE(b.captureDrops, std::uint64_t{3});
        // The extremes of each field's range come back as they were.
        Measurement edges;
        edges.kernelRelease = "6.1.0-café"; // UTF-8
        edges.serverAddress = 0xFFFF'FFFF;
        edges.serverPort = 65535;
        edges.captureDrops = std::numeric_limits<std::uint64_t>::max();
        edges.segments = {{std::numeric_limits<std::int64_t>::min(), 0, 0xFFFF'FFFF, 0, 65535, 0xFF,
                           0xFFFF'FFFF, 0, 0xFFFF'FFFF}};
        const LabResult<std::string> edgeText = serialiseMeasurement(edges);
        QVERIFY(edgeText.ok());
        const LabResult<Measurement> edgesBack = parseMeasurement(edgeText.value());
        QVERIFY2(edgesBack.ok(), edgesBack.ok() ? "" : edgesBack.error().c_str());
        QCOMPARE(serialiseMeasurement(edgesBack.value()).value(), edgeText.value());
        QCOMPARE(edgesBack.value().segments[0].at, std::numeric_limits<std::int64_t>::min());
        QCOMPARE(edgesBack.value().kernelRelease, edges.kernelRelease);
    }

    // JSON holds UTF-8 alone: a string that is not is refused by name, never thrown nor altered.
    void textThatIsNotUtf8IsRefusedWhenWritten() {
        Measurement m = measurement();
        m.kernelRelease = "6.1\xff";
        const LabResult<std::string> text = serialiseMeasurement(m);
        QVERIFY(!text.ok());
        QVERIFY2(text.error().find("a lab measurement: kernel_release: not UTF-8 text") != std::string::npos,
                 text.error().c_str());
        SavedRun run;
        run.fileText = "title: caf\xe9\n"; // Latin-1: what a saved run must not keep (it keeps decoded text)
        run.measurement = measurement();
        const LabResult<std::string> saved = serialiseSavedRun(run);
        QVERIFY(!saved.ok());
        QVERIFY2(saved.error().find("a measured run: file_text: not UTF-8 text") != std::string::npos,
                 saved.error().c_str());
        run.fileText.clear();
        run.measurement.counters[0].values["Bad\xc3"] = 1;
        QVERIFY(serialiseSavedRun(run).error().find("measurement.counters[0].values.Bad") !=
                std::string::npos);
    }

    void malformedMeasurementsAreRefusedInWords_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("message");
        const std::string good = serialiseMeasurement(measurement()).value();
        // `good` with its first `from` made `to` (a missing `from` leaves it whole, which parses: that row
        // then fails).
        const auto edited = [&good](const std::string& from, const std::string& to) {
            std::string t = good;
            if (const std::size_t at = t.find(from); at != std::string::npos) t.replace(at, from.size(), to);
            return QString::fromStdString(t);
        };
        QTest::newRow("empty") << ""
                               << "a lab measurement: it is empty";
        QTest::newRow("blank") << " \n\t"
                               << "a lab measurement: it is empty";
        QTest::newRow("not JSON") << "backlog-lab-measurement 1\nkernel 6.1\n"
                                  << "not a lab measurement (it is not JSON)";
        QTest::newRow("not an object") << "[1, 2]"
                                       << "not a lab measurement (it is JSON, but not an object)";
        QTest::newRow("cut short") << QString::fromStdString(good.substr(0, good.size() / 2))
                                   << "a lab measurement: its text is cut short";
        QTest::newRow("cut before its last brace") << QString::fromStdString(good.substr(0, good.rfind('}')))
                                                   << "a lab measurement: its text is cut short";
        QTest::newRow("not valid JSON") << edited("\"workers\":1", "\"workers\" 1")
                                        << "a lab measurement: it is not valid JSON: parse error at line 3";
        QTest::newRow("text after it")
            << QString::fromStdString(good + "{}") << "a lab measurement: it is not valid JSON";
        QTest::newRow("no format") << "{\"version\": 2}"
                                   << "not a lab measurement (it has no \"format\")";
        QTest::newRow("wrong format") << edited("backlog-lab-measurement", "backlog-measured-run")
                                      << "not a lab measurement (its \"format\" is \"backlog-measured-run\"";
        QTest::newRow("format not a string") << edited("\"backlog-lab-measurement\"", "7")
                                             << "not a lab measurement (its \"format\" is 7, not";
        QTest::newRow("wrong version") << edited("\"version\":2", "\"version\":3")
                                       << "a lab measurement of version 3: this Backlog reads version 2";
        QTest::newRow("no version") << edited("\"version\":2,", "")
                                    << "a lab measurement: missing \"version\"";
        QTest::newRow("unknown key") << edited("\"version\":2,", "\"version\":2,\"colour\":\"red\",")
                                     << "a lab measurement: unknown key \"colour\"";
        QTest::newRow("missing key") << edited(",\"workers\":1", "")
                                     << "a lab measurement: missing \"workers\"";
        QTest::newRow("misspelt key in a record") << edited("\"peer_port\":40000", "\"port\":40000")
                                                  << "a lab measurement: accepts[0]: unknown key \"port\"";
        QTest::newRow("missing key in a record")
            << edited(",\"peer_port\":40000", "") << "a lab measurement: accepts[0]: missing \"peer_port\"";
        QTest::newRow("wrong type") << edited("\"duration_ns\":3000000000", "\"duration_ns\":\"3s\"")
                                    << "a lab measurement: duration_ns: expected an integer, found a string";
        QTest::newRow("a fraction")
            << edited("\"duration_ns\":3000000000", "\"duration_ns\":3e9")
            << "a lab measurement: duration_ns: expected an integer, found 3000000000.0";
        QTest::newRow("records not an array")
            << edited("\"queues\":[\n[0,0,2,1,0],\n[5000000,0,0,1,0]]", "\"queues\":{}")
            << "a lab measurement: queues: expected an array, found an object";
        QTest::newRow("negative port")
            << edited("\"server_port\":80", "\"server_port\":-80")
            << "a lab measurement: server_port: expected an integer from 0 to 65535, found -80";
        QTest::newRow("port out of range")
            << edited("\"peer_port\":40001", "\"peer_port\":65536")
            << "accepts[1].peer_port: expected an integer from 0 to 65535, found 65536";
        QTest::newRow("address out of range")
            << edited("\"server_address\":\"192.0.2.1\"", "\"server_address\":\"192.0.2.256\"")
            << "server_address: expected an IPv4 address such as \"192.0.2.1\", found \"192.0.2.256\"";
        QTest::newRow("address of three parts")
            << edited("\"peer_address\":\"192.0.2.2\"", "\"peer_address\":\"192.0.2\"")
            << "accepts[0].peer_address: expected an IPv4 address";
        QTest::newRow("segment of 8 numbers")
            << edited("[1000000,3221225986,3221225985,40000,80,2,0,0,0]",
                      "[1000000,3221225986,3221225985,40000,80,2,0,0]")
            << "a lab measurement: segments[1]: expected 9 numbers [at, source, "
               "destination, source_port, destination_port, flags, seq, ack, "
               "payload], found an array of 8";
        QTest::newRow("segment not an array")
            << edited("[1000000,3221225986,3221225985,40000,80,2,0,0,0]", "{}")
            << "segments[1]: expected 9 numbers [at, source";
        QTest::newRow("segment address out of range")
            << edited("[1000000,3221225986,", "[1000000,4294967296,")
            << "a lab measurement: segments[1][1] (source): expected an integer from 0 to 4294967295, found "
               "4294967296";
        QTest::newRow("segment port negative")
            << edited("3221225985,40000,80,2", "3221225985,-1,80,2")
            << "segments[1][3] (source_port): expected an integer from 0 to 65535, found -1";
        QTest::newRow("segment flags out of range")
            << edited("3221225985,40000,80,2", "3221225985,40000,80,256")
            << "segments[1][5] (flags): expected an integer from 0 to 255";
        QTest::newRow("queue sample of 4")
            << edited("[0,0,2,1,0]", "[0,0,2,1]")
            << "queues[0]: expected 5 numbers [at, listener, accept_queue, backlog, "
               "syn_recv], found an array of 4";
        QTest::newRow("negative client time") << edited("\"connect_ns\":1000000", "\"connect_ns\":-5")
                                              << "clients[0].connect_ns: expected an integer from 0 to";
        QTest::newRow("client error not text")
            << edited("\"error\":null", "\"error\":5") << "clients[0].error: expected a string, found 5";
        QTest::newRow("counter value")
            << edited("\"TcpActiveOpens\":10", "\"TcpActiveOpens\":\"x\"")
            << "counters[0].values.TcpActiveOpens: expected an integer, found a string";
        QTest::newRow("counter values not an object")
            << edited("\"values\":{\"TcpActiveOpens\":10,\"TcpExtListenOverflows\":5}", "\"values\":[]")
            << "counters[0].values: expected an object, found an array";
        QTest::newRow("warning not text") << edited("\"warnings\":[]", "\"warnings\":[\"a\",null]")
                                          << "warnings[1]: expected a string, found null";
        QTest::newRow("worker negative")
            << edited("\"at_ns\":2000000,\"worker\":0", "\"at_ns\":2000000,\"worker\":-1")
            << "accepts[0].worker: expected an integer from 0 to 2147483647, found -1";
    }
    void malformedMeasurementsAreRefusedInWords() {
        QFETCH(QString, text);
        QFETCH(QString, message);
        const LabResult<Measurement> m = parseMeasurement(text.toStdString());
        QVERIFY2(!m.ok(), "accepted");
        QVERIFY2(m.error().find(message.toStdString()) != std::string::npos, m.error().c_str());
    }

    void savedRunRoundTrips() {
        SavedRun run;
        run.path = "lessons/x.yaml";
        run.sets = {"server.backlog=4", "net.ipv4.tcp_syncookies=0"};
        run.until = 300'000'000;
        run.fileText = "title: x — café\nserver:\n  backlog: 8\n"; // decoded UTF-8, ends in a newline
        run.measurement = measurement();
        const LabResult<std::string> text = serialiseSavedRun(run);
        QVERIFY2(text.ok(), text.ok() ? "" : text.error().c_str());
        QVERIFY(text.value().rfind(
                    "{\"format\":\"backlog-measured-run\",\"version\":2,\"file\":\"lessons/x.yaml\"", 0) ==
                0);
        QVERIFY(text.value().find("\"file_text\":\"title: x — café\\nserver:\\n  backlog: 8\\n\"") !=
                std::string::npos);
        QVERIFY(text.value().find("\"measurement\":{\"format\":\"backlog-lab-measurement\",\"version\":2,") !=
                std::string::npos);
        QCOMPARE(text.value().back(), '\n');
        const LabResult<SavedRun> back = parseSavedRun(text.value());
        QVERIFY2(back.ok(), back.ok() ? "" : back.error().c_str());
        QCOMPARE(back.value().path, run.path);
        QCOMPARE(back.value().sets, run.sets);
        QCOMPARE(back.value().until, run.until);
        QCOMPARE(back.value().fileText, run.fileText);
        QCOMPARE(back.value().measurement.segments.size(), run.measurement.segments.size());
        QCOMPARE(serialiseSavedRun(back.value()).value(), text.value());
        // No --until, no --set.
        run.until = -1;
        run.sets.clear();
        const std::string bare = serialiseSavedRun(run).value();
        QVERIFY(bare.find("\"sets\":[],\n\"until_ns\":null,") != std::string::npos);
        const LabResult<SavedRun> bareBack = parseSavedRun(bare);
        QVERIFY(bareBack.ok());
        QCOMPARE(bareBack.value().until, std::int64_t{-1});
        QVERIFY(bareBack.value().sets.empty());
        QCOMPARE(serialiseSavedRun(bareBack.value()).value(), bare);
    }

    // A saved run is told by its first bytes (kSavedRunProbeBytes), whatever the file is called, as the
    // writer lays it out or as a pretty printer would.
    void savedRunIsToldByItsFirstBytes() {
        SavedRun run;
        run.path = "x.yaml";
        run.measurement = measurement();
        const std::string text = serialiseSavedRun(run).value();
        QVERIFY(looksLikeSavedRun(text));
        QVERIFY(looksLikeSavedRun(text.substr(0, kSavedRunProbeBytes)));
        const std::string pretty =
            "\n  {\n    \"format\" : \"backlog-measured-run\"," + text.substr(text.find("\"version\""));
        QVERIFY(looksLikeSavedRun(pretty));
        const LabResult<SavedRun> prettyRun = parseSavedRun(pretty);
        QVERIFY2(prettyRun.ok(), prettyRun.ok() ? "" : prettyRun.error().c_str());
        QVERIFY(looksLikeSavedRun("backlog-measured-run 1\nfile x\n")); // version 1: refused by version
        QVERIFY(!looksLikeSavedRun(serialiseMeasurement(measurement()).value()));
        QVERIFY(!looksLikeSavedRun("title: x\n"));
        QVERIFY(!looksLikeSavedRun("{\"title\": \"backlog-measured-run\"}"));
        QVERIFY(!looksLikeSavedRun("{\"format\":\"backlog-measured-runs\"")); // another name, which starts so
        QVERIFY(!looksLikeSavedRun(""));
        QVERIFY(!looksLikeSavedRun(std::string(kSavedRunProbeBytes, ' ') + text));
    }

    void malformedSavedRunsAreRefusedInWords_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("message");
        SavedRun run;
        run.path = "lessons/x.yaml";
        run.sets = {"server.backlog=4"};
        run.until = 300'000'000;
        run.fileText = "title: x\nserver:\n  backlog: 8\n";
        run.measurement = measurement();
        const std::string good = serialiseSavedRun(run).value();
        const auto edited = [&good](const std::string& from, const std::string& to) {
            std::string t = good;
            if (const std::size_t at = t.find(from); at != std::string::npos) t.replace(at, from.size(), to);
            return QString::fromStdString(t);
        };
        QTest::newRow("a scenario") << "title: x\n"
                                    << "not a measured run (it is not JSON)";
        QTest::newRow("empty") << ""
                               << "a measured run: it is empty";
        QTest::newRow("version 1")
            << "backlog-measured-run 1\nfile x\nuntil z\n"
            << "a measured run of version 1 (text, before JSON): this Backlog reads version 2";
        QTest::newRow("cut short") << QString::fromStdString(good.substr(0, good.size() / 2))
                                   << "a measured run: its text is cut short";
        QTest::newRow("cut in its file text")
            << QString::fromStdString(good.substr(0, good.find("title") + 5))
            << "a measured run: its text is cut short";
        QTest::newRow("a measurement")
            << QString::fromStdString(serialiseMeasurement(measurement()).value())
            << "not a measured run (its \"format\" is \"backlog-lab-measurement\", not "
               "\"backlog-measured-run\")";
        QTest::newRow("wrong format") << edited("backlog-measured-run", "backlog-measured-walk")
                                      << "not a measured run (its \"format\" is \"backlog-measured-walk\"";
        QTest::newRow("wrong version") << edited("\"version\":2,\"file\"", "\"version\":3,\"file\"")
                                       << "a measured run of version 3: this Backlog reads version 2";
        QTest::newRow("version not a number")
            << edited("\"version\":2,\"file\"", "\"version\":\"2\",\"file\"")
            << "a measured run: version: expected an integer, found a string";
        QTest::newRow("measurement's version")
            << edited("\"backlog-lab-measurement\",\"version\":2",
                      "\"backlog-lab-measurement\",\"version\":1")
            << "a measured run: measurement: version 1: this Backlog reads version 2";
        QTest::newRow("missing key") << edited("\"file\":\"lessons/x.yaml\",", "")
                                     << "a measured run: missing \"file\"";
        QTest::newRow("missing measurement")
            << QString::fromStdString(good.substr(0, good.find(",\n\"measurement\"")) + "}")
            << "a measured run: missing \"measurement\"";
        QTest::newRow("unknown key") << edited("\"file\":", "\"files\":[],\"file\":")
                                     << "a measured run: unknown key \"files\"";
        QTest::newRow("wrong type") << edited("\"sets\":[\"server.backlog=4\"]",
                                              "\"sets\":\"server.backlog=4\"")
                                    << "a measured run: sets: expected an array, found a string";
        QTest::newRow("a set not text") << edited("\"sets\":[\"server.backlog=4\"]", "\"sets\":[\"a=1\",4]")
                                        << "a measured run: sets[1]: expected a string, found 4";
        QTest::newRow("negative until") << edited("\"until_ns\":300000000", "\"until_ns\":-1")
                                        << "a measured run: until_ns: expected an integer from 0 to";
        QTest::newRow("file text not text")
            << edited("\"file_text\":\"title: x\\nserver:\\n  backlog: 8\\n\"", "\"file_text\":null")
            << "a measured run: file_text: expected a string, found null";
        QTest::newRow("segment of 8 numbers")
            << edited("[1000000,3221225986,3221225985,40000,80,2,0,0,0]",
                      "[1000000,3221225986,3221225985,40000,80,2,0,0]")
            << "a measured run: measurement.segments[1]: expected 9 numbers";
        QTest::newRow("negative port")
            << edited("\"peer_port\":40000", "\"peer_port\":-1")
            << "a measured run: measurement.accepts[0].peer_port: expected an integer "
               "from 0 to 65535, found -1";
        QTest::newRow("measurement not an object")
            << QString::fromStdString(good.substr(0, good.find("\"measurement\":")) + "\"measurement\":[]}")
            << "a measured run: measurement: expected an object, found an array";
    }
    void malformedSavedRunsAreRefusedInWords() {
        QFETCH(QString, text);
        QFETCH(QString, message);
        const LabResult<SavedRun> run = parseSavedRun(text.toStdString());
        QVERIFY2(!run.ok(), "accepted");
        QVERIFY2(run.error().find(message.toStdString()) != std::string::npos, run.error().c_str());
    }

    // A fault the experiment's socket filter reproduced (LabFaults.h): the capture saw the segment leave,
    // the filter dropped it. It is marked lost in the network, as the model marks a fault's loss, and
    // makes nothing: client 0's ACK at 1.02 ms is lost, so its request at 1.03 ms made the child.
    void faultLossesAreMarkedAndMakeNothing() {
        Scenario sc = scenario();
        sc.network.faults.push_back({SegmentKind::ClientAcks, "web", Time(), Time::ms(300)});
        Measurement m = measurement();
        QCOMPARE(measuredRun(sc, m).value()->history().packet(3).fate, PacketFate::Delivered); // not loaded
        m.faultsReproduced = {0};
        const LabResult<std::unique_ptr<Simulation>> run = measuredRun(sc, m);
        QVERIFY(run.ok());
        const History& h = run.value()->history();
        QCOMPARE(h.packet(3).fate, PacketFate::LostInNetwork);
        QCOMPARE(h.packet(4).fate, PacketFate::Delivered);
        QCOMPARE(h.queueLengthsAt(0, Time::ns(ms(1.025))).syn, 1);
        QCOMPARE(h.queueLengthsAt(0, Time::ns(ms(1.5))).accept, 1);
        QCOMPARE(h.packet(12).fate, PacketFate::Delivered); // client 1's ACK at 2000.52 ms: after the window
        // Of another entry: nothing. Of everyone: the same. Data: the request instead of the ACK.
        sc.network.faults[0].of = "other";
        QCOMPARE(measuredRun(sc, m).value()->history().packet(3).fate, PacketFate::Delivered);
        sc.network.faults[0].of.clear();
        QCOMPARE(measuredRun(sc, m).value()->history().packet(3).fate, PacketFate::LostInNetwork);
        sc.network.faults[0].drop = SegmentKind::Data;
        const LabResult<std::unique_ptr<Simulation>> data = measuredRun(sc, m);
        QCOMPARE(data.value()->history().packet(3).fate, PacketFate::Delivered);
        QCOMPARE(data.value()->history().packet(4).fate, PacketFate::LostInNetwork);
        // Kept in the measurement's JSON, and left out when there are none.
        const std::string text = serialiseMeasurement(m).value();
        QVERIFY(text.find(",\"faults_reproduced\":[0]") != std::string::npos);
        QCOMPARE(parseMeasurement(text).value().faultsReproduced, std::vector<int>{0});
        QVERIFY(serialiseMeasurement(measurement()).value().find("faults_reproduced") == std::string::npos);
    }

    // S1 read from a capture: a SYN-ACK sent while the SYN queue was full (Q2: backlog + 1 on 6.18,
    // backlog on 6.12) was a cookie and left no request behind; with syncookies 2 every one was; with 0
    // none. Six spoofed SYNs a millisecond apart at backlog 2, and one real client answered last.
    void cookiesAreToldBySynQueueLength_data() {
        QTest::addColumn<int>("syncookies");
        QTest::addColumn<QString>("profile");
        QTest::addColumn<int>("synQueue"); // after every SYN-ACK
        QTest::addColumn<int>("cookies");  // SYN-ACKs marked as cookies
        QTest::addColumn<bool>("clientInSynQueue");
        QTest::newRow("6.18, syncookies 1: three requests, the rest cookies")
            << 1 << "6.18" << 3 << 4 << false;
        QTest::newRow("6.12, syncookies 1: two requests") << 1 << "6.12" << 2 << 5 << false;
        QTest::newRow("syncookies 2: cookies only") << 2 << "6.18" << 0 << 7 << false;
        QTest::newRow("syncookies 0: no cookie (S5 drops, not here)") << 0 << "6.18" << 7 << 0 << true;
    }
    void cookiesAreToldBySynQueueLength() {
        QFETCH(int, syncookies);
        QFETCH(QString, profile);
        QFETCH(int, synQueue);
        QFETCH(int, cookies);
        QFETCH(bool, clientInSynQueue);
        Scenario sc = scenario();
        sc.server.backlog = 2;
        sc.kernel.profile = *findKernelProfile(profile.toStdString());
        sc.kernel.tcpSyncookies = syncookies;
        sc.traffic[0].clients.clients = 1;
        Measurement m = measurement();
        m.clients = {client(40000, 7, 7.02, 9)};
        m.accepts = {{ms(8), 0, 0, kClient, 40000}};
        m.wakeups.clear();
        m.segments.clear();
        for (int i = 0; i < 6; ++i) {
            const auto from = static_cast<std::uint32_t>(0x0A01'0000 + i);
            m.segments.push_back(toServer(1 + i, from, 1234, kSyn));
            m.segments.push_back(fromServer(1.01 + i, from, 1234, kSyn | kAck));
        }
        m.segments.push_back(toServer(7, kClient, 40000, kSyn));
        m.segments.push_back(fromServer(7.01, kClient, 40000, kSyn | kAck));
        m.segments.push_back(toServer(7.02, kClient, 40000, kAck));
        const LabResult<std::unique_ptr<Simulation>> run = measuredRun(sc, m);
        QVERIFY2(run.ok(), run.ok() ? "" : run.error().c_str());
        const History& h = run.value()->history();
        QCOMPARE(h.queueLengthsAt(0, Time::us(7015)).syn, std::int64_t{synQueue});
        // The real client's request is in the SYN queue only where no cookie answered it.
        const std::vector<QueueEntry> entries = h.queueAt(0, QueueKind::Syn, Time::us(7015));
        QCOMPARE(std::any_of(entries.begin(), entries.end(), [](const QueueEntry& e) { return e.flow == 0; }),
                 clientInSynQueue);
        int marked = 0;
        for (std::uint32_t i = 0; i < h.packetCount(); ++i)
            marked += h.packet(i).kind == PacketKind::SynAck && h.packet(i).cookie ? 1 : 0;
        QCOMPARE(marked, cookies);
        // The real client's ACK made its child either way: in the accept queue until accept() at 8 ms.
        QCOMPARE(h.queueLengthsAt(0, Time::us(7500)).accept, std::int64_t{1});
        QCOMPARE(h.queueLengthsAt(0, Time::ms(9)).accept, std::int64_t{0});
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
