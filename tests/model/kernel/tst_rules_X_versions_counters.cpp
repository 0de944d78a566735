// KERNEL.md section 3, X — other notes (X1: cookies let clients past a full SYN queue); section 5, the
// kernel version profiles; section 4, what each counter counts (X2: counters are per netns).
// Each test builds small scenarios from YAML text (tests/common/KernelTest.h), runs the model, reads the
// History and checks what KERNEL.md says; the test functions are named after the rules (rule_<ID>_...).
#include "model/core/Counters.h"
#include "model/core/Packet.h"
#include "model/core/Tcp.h"
#include "model/core/Time.h"
#include "model/history/History.h"
#include "model/kernel/Simulation.h"
#include "model/scenario/Scenario.h"
#include "model/scenario/ScenarioReader.h"
#include "model/tools/KernelTools.h"
#include "tests/common/KernelTest.h"

#include <QByteArray>
#include <QList>
#include <QTest>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace backlog::test;
using namespace backlog::test::rules;

class TestRulesX : public QObject {
    Q_OBJECT

  private slots:
    // X
    void rule_X1_cookiesLetClientsPastFullSynQueue_data();
    void rule_X1_cookiesLetClientsPastFullSynQueue();
    // Section 5 (versions) and section 4 (what each counter counts)
    void section5_versionProfiles_data();
    void section5_versionProfiles();
    void section4_countersCountWhatTheyName_data();
    void section4_countersCountWhatTheyName();
};

// ============================================================================================ X

void TestRulesX::rule_X1_cookiesLetClientsPastFullSynQueue_data() {
    QTest::addColumn<int>("syncookies");
    QTest::addColumn<int>("connectedAtOnce"); // of 10 clients, within one RTT of connect()

    QTest::newRow("syncookies 1: everyone gets in through cookies") << 1 << 10;
    QTest::newRow("syncookies 0: the full SYN queue keeps them out") << 0 << 0;
}

void TestRulesX::rule_X1_cookiesLetClientsPastFullSynQueue() {
    QFETCH(int, syncookies);
    QFETCH(int, connectedAtOnce);

    // A flood keeps the SYN queue (17 at backlog 16) full from 0 to 5 s; the accept queue stays empty.
    ScenarioText text;
    text.rtt("1ms").backlog(16).sysctl("net.ipv4.tcp_syncookies", syncookies).workers(1, "blocking", "1ms");
    text.flood("spoof", "2000/s", "0s", "5s").clients("c", 10, "1s", "100ms", true).until("4s");
    SIMULATE(sim, text);
    const History& h = sim->history();

    QCOMPARE(h.queueLengthsAt(0, ms(1500)).syn, I64{17});
    int atOnce = 0;
    for (FlowId c = 0; c < 10; ++c) {
        const ClientRecord& rec = h.clients[c];
        if (!rec.connectedAt.isNever() && rec.connectedAt - rec.connectAt == ms(1)) {
            ++atOnce;
            QVERIFY(!rec.acceptedAt.isNever());
        }
    }
    QCOMPARE(atOnce, connectedAtOnce);
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows), I64{0});
    if (syncookies) QVERIFY(serverCounter(*sim, Counter::TcpExtSyncookiesRecv) >= 10);
}

// ============================================================================================ section 5

void TestRulesX::section5_versionProfiles_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("somaxconn");   // the default, shown as Send-Q of listen(fd, -1)
    QTest::addColumn<int>("cookies");     // E2: 200 SYNs at once at backlog 128
    QTest::addColumn<bool>("linear");     // tcp_syn_linear_timeouts exists (6.5)
    QTest::addColumn<bool>("migrateReq"); // tcp_migrate_req exists (5.14)

    QTest::newRow("4.15") << "4.15" << 128 << 72 << false << false;
    QTest::newRow("5.4") << "5.4" << 4096 << 72 << false << false;
    QTest::newRow("6.1") << "6.1" << 4096 << 72 << false << true;
    QTest::newRow("6.12 (before the January 2025 fix)") << "6.12" << 4096 << 72 << true << true;
    QTest::newRow("6.18") << "6.18" << 4096 << 71 << true << true;
}

void TestRulesX::section5_versionProfiles() {
    QFETCH(QString, version);
    QFETCH(int, somaxconn);
    QFETCH(int, cookies);
    QFETCH(bool, linear);
    QFETCH(bool, migrateReq);

    // E2 on a listener with backlog 128 (listen(fd, 128)), and one client whose SYNs are all lost.
    ScenarioText text;
    text.version(str(version)).rtt("1ms").backlog(128).clients("burst", 200, "0s", "0s", false);
    text.clients("probe", 1, "0s", "1ms", false).fault("syn", "probe", "0s").until("5s");
    SIMULATE(sim, text);
    const History& h = sim->history();

    // The SYNs arrive at 0.5 ms, the final ACKs at 1.5 ms.
    QCOMPARE(h.queueLengthsAt(0, Time::us(1000)).syn, I64{200 - cookies});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPReqQFullDoCookies), I64{cookies});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesSent), I64{cookies});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops, Time::us(1000)),
             I64{0}); // not for cookie SYNs (4.7)
    QCOMPARE(h.queueLengthsAt(0, sec(1)).accept, I64{129});
    // SYN retransmissions: 1, 2, 3 … s with linear timeouts, 1, 3 s without.
    const ClientRecord& probe = h.clients[clientsOf(h, 1).at(0)];
    QVERIFY(probe.synTimes.size() >= 3);
    const Time second = probe.synTimes[2] - probe.connectAt;
    if (linear)
        QVERIFY_WITHIN(second, sec(2), sec(2) + timerSlack(sec(1), 250) * 2);
    else
        QVERIFY_WITHIN(second, sec(3), sec(3) + timerSlack(sec(1), 250) + timerSlack(sec(2), 250));

    ScenarioText defaults;
    defaults.version(str(version)).backlog(-1).clients("c", 1);
    SIMULATE(plain, defaults);
    QCOMPARE(plain->ssListening(Time()).at(0).sendQ, I64{somaxconn});

    ScenarioText withLinear;
    withLinear.version(str(version)).sysctl("net.ipv4.tcp_syn_linear_timeouts", 4).clients("c", 1);
    QCOMPARE(readErrors(withLinear).empty(), linear);
    ScenarioText withMigrate;
    withMigrate.version(str(version)).sysctl("net.ipv4.tcp_migrate_req", 1).clients("c", 1);
    QCOMPARE(readErrors(withMigrate).empty(), migrateReq);
}

// ============================================================================================ section 4

void TestRulesX::section4_countersCountWhatTheyName_data() {
    QTest::addColumn<QString>("scenario");
    QTest::newRow("A7b resets") << "a7b";
    QTest::newRow("K2 reset after expiry") << "k2";
    QTest::newRow("R6 listener closed, children reset") << "r6";
    QTest::newRow("A4 client RST") << "a4";
    QTest::newRow("E2 burst with cookies and overflows") << "e2";
    QTest::newRow("syncookies 0 overflow and S2 drops") << "nocookies";
}

void TestRulesX::section4_countersCountWhatTheyName() {
    QFETCH(QString, scenario);

    ScenarioText text;
    if (scenario == "a7b") {
        text = lateAckScenario(false, 1).until("10s");
    } else if (scenario == "k2") {
        text.rtt("1ms").clients("c", 1, "0s", "1ms", true).fault("client-acks", "c", "0s", "100s");
        text.fault("data", "c", "0s", "100s").until("150s");
    } else if (scenario == "r6") {
        text.listeners(2)
            .backlog(4)
            .clients("c", 30, "0s", "1ms", false)
            .closeListener("500ms", 0)
            .until("3s");
    } else if (scenario == "a4") {
        text.rtt("100ms").sysctl("net.ipv4.tcp_syn_retries", 1).sysctl("net.ipv4.tcp_syn_linear_timeouts", 0);
        text.clients("c", 1, "0s", "1ms", false).fault("synack", "c", "0s", "3500ms").until("20s");
    } else if (scenario == "e2") {
        text.rtt("1ms").backlog(128).clients("burst", 200, "0s", "0s", true).until("30s");
    } else {
        text.rtt("100ms")
            .backlog(4)
            .sysctl("net.ipv4.tcp_syncookies", 0)
            .clients("burst", 8, "0s", "0s", false);
        text.until("10s");
    }
    SIMULATE(sim, text);
    const History& h = sim->history();
    const auto countPackets = [&](const std::function<bool(const Packet&)>& keep) {
        return I64(packets(h, keep).size());
    };

    // TcpOutRsts: any RST sent, once per RST (the server's is checked last, below).
    QCOMPARE(clientCounter(*sim, Counter::TcpOutRsts),
             countPackets([](const Packet& p) { return p.kind == PacketKind::Rst && p.toServer; }));
    // TCPSynRetrans: every retransmitted SYN (client) and SYN-ACK (server).
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPSynRetrans),
             countPackets([](const Packet& p) { return p.kind == PacketKind::SynAck && p.retrans > 0; }));
    QCOMPARE(clientCounter(*sim, Counter::TcpExtTCPSynRetrans), countPackets([](const Packet& p) {
                 return p.kind == PacketKind::Syn && p.toServer && p.retrans > 0;
             }));
    // SyncookiesSent: cookie SYN-ACKs generated.
    QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesSent),
             countPackets([](const Packet& p) { return p.kind == PacketKind::SynAck && p.cookie; }));
    // ListenOverflows: S2, A7 and K1 overflows; ListenDrops is a superset; TCPReqQFullDrop: S1 drops.
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows), countPackets([](const Packet& p) {
                 return p.fate == PacketFate::DroppedAcceptQueueFull ||
                        p.fate == PacketFate::DroppedAckQueueFull ||
                        p.fate == PacketFate::DroppedCookieQueueFull;
             }));
    QVERIFY(serverCounter(*sim, Counter::TcpExtListenOverflows) <=
            serverCounter(*sim, Counter::TcpExtListenDrops));
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPReqQFullDrop),
             countPackets([](const Packet& p) { return p.fate == PacketFate::DroppedSynQueueFull; }));
    // ActiveOpens: once per connect(); PassiveOpens: once per child created.
    QCOMPARE(clientCounter(*sim, Counter::TcpActiveOpens), I64(h.clients.size()));
    std::set<FlowId> children;
    for (std::size_t l = 0; l < h.listeners.size(); ++l)
        for (const QueueEntry& e : stays(h, static_cast<int>(l), QueueKind::Accept))
            children.insert(e.flow);
    QCOMPARE(serverCounter(*sim, Counter::TcpPassiveOpens), I64(children.size()));
    QCOMPARE(serverCounter(*sim, Counter::TcpOutRsts),
             countPackets([](const Packet& p) { return p.kind == PacketKind::Rst && !p.toServer; }));
}

QTEST_APPLESS_MAIN(TestRulesX)
#include "tst_rules_X_versions_counters.moc"
