// KERNEL.md section 3, K — an ACK arrives at the listener with no request socket (the SYN cookie path):
// cookie validation, and an RST for an ACK nobody expects.
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

class TestRulesK : public QObject {
    Q_OBJECT

  private slots:
    // K — an ACK at the listener without a request
    void rule_K1_cookieValidation_data();
    void rule_K1_cookieValidation();
    void rule_K2_ackWithoutRequestGetsRst_data();
    void rule_K2_ackWithoutRequestGetsRst();
};

// ============================================================================================ K

void TestRulesK::rule_K1_cookieValidation_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("abortOnOverflow");

    QTest::newRow("a valid cookie creates the child") << "valid" << 0;
    QTest::newRow("a cookie ACK meeting a full queue: dropped, no state (ghost)") << "full" << 0;
    QTest::newRow("the same with tcp_abort_on_overflow 1: still no RST") << "full" << 1;
    QTest::newRow("retried until the cookie expires: SyncookiesFailed, RST") << "expiry" << 0;
    QTest::newRow("tcp_syncookies 0 by the time the ACK comes: not validated, RST (K2)") << "disabled" << 0;
}

void TestRulesK::rule_K1_cookieValidation() {
    QFETCH(QString, kind);
    QFETCH(int, abortOnOverflow);

    ScenarioText text;
    text.rtt("1ms")
        .sysctl("net.ipv4.tcp_syncookies", 2)
        .sysctl("net.ipv4.tcp_abort_on_overflow", abortOnOverflow);
    if (kind == "valid") {
        text.backlog(4).clients("c", 1, "0s", "1ms", false);
    } else if (kind == "full") {
        text.backlog(0).clients("c", 2, "0s", "0s", false);
    } else if (kind == "disabled") {
        // The cookie SYN-ACK leaves at 50 ms; the ACK arrives at 150 ms, after cookies are turned off.
        text.rtt("100ms").backlog(4).clients("c", 1, "0s", "1ms", false);
        text.set("100ms", "net.ipv4.tcp_syncookies", "0").until("1s");
    } else {
        // The second client's data keeps retrying K1 (M17 backoff: … 51.2, 102.4, 204.8 s). A worker
        // frees the queue at 130 s and a third cookie at 190 s keeps the overflow "recent", so the
        // retry that comes once the cookie is more than two minutes old is validated and fails.
        text.backlog(0).clients("c", 2, "0s", "0s", true).clients("refresher", 1, "190s", "1ms", false);
        text.workers(1, "blocking", "1000s", "130s");
    }
    SIMULATE(sim, text);
    const History& h = sim->history();

    if (kind == "valid") {
        QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesSent), I64{1});
        QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesRecv), I64{1});
        QCOMPARE(serverCounter(*sim, Counter::TcpPassiveOpens), I64{1});
        QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows), I64{0});
        QVERIFY(stays(h, 0, QueueKind::Syn).empty());
        QCOMPARE(h.queueLengthsAt(0, sec(1)).accept, I64{1});
        QCOMPARE(h.serverStateAt(0, sec(1)), TcpState::Established);
        return;
    }
    if (kind == "disabled") {
        QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesSent), I64{1});
        QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesRecv), I64{0});
        QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesFailed), I64{0});
        QCOMPARE(serverCounter(*sim, Counter::TcpPassiveOpens), I64{0});
        QCOMPARE(h.clients[0].error, ClientError::ConnectionReset);
        QCOMPARE(h.clients[0].errorAt, ms(200));
        QCOMPARE(flowPackets(h, 0, PacketKind::Rst, false).size(), std::size_t{1});
        return;
    }
    if (kind == "full") {
        QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesSent), I64{2});
        QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesRecv), I64{2});
        QCOMPARE(serverCounter(*sim, Counter::TcpPassiveOpens), I64{1});
        QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows), I64{1});
        QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops), I64{1});
        QCOMPARE(serverCounter(*sim, Counter::TcpOutRsts), I64{0});
        QCOMPARE(serverCounter(*sim, Counter::TcpExtEmbryonicRsts), I64{0});
        QCOMPARE(h.queueLengthsAt(0, sec(1)).accept, I64{1});
        const std::vector<Packet> acks = flowPackets(h, 1, PacketKind::Ack, true);
        QCOMPARE(acks.size(), std::size_t{1});
        QCOMPARE(acks[0].fate, PacketFate::DroppedCookieQueueFull);
        // A ghost: ESTABLISHED for ever on the client, nothing on the server, nothing more sent to it.
        QCOMPARE(h.clientStateAt(1, h.end), TcpState::Established);
        QCOMPARE(h.serverStateAt(1, h.end), TcpState::Closed);
        QCOMPARE(packets(h, [](const Packet& p) { return p.flow == 1 && !p.toServer; }).size(),
                 std::size_t{1});
        return;
    }
    // expiry
    const ClientRecord& ghost = h.clients[1];
    QCOMPARE(ghost.error, ClientError::ConnectionReset);
    QVERIFY_WITHIN(ghost.errorAt, sec(60), sec(215));
    QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesFailed), I64{1});
    const auto retried = packets(h, [&](const Packet& p) {
        return p.flow == 1 && p.toServer && p.kind != PacketKind::Syn && p.arrives < ghost.errorAt;
    });
    I64 overflowed = 0;
    for (const Packet& p : retried) {
        if (p.fate == PacketFate::DroppedCookieQueueFull)
            ++overflowed;
        else
            QCOMPARE(p.fate, PacketFate::DroppedNoSocket); // the one that failed validation
    }
    QVERIFY(overflowed >= 2); // its ACK and data retransmissions, each validated
    QCOMPARE(I64(retried.size()), overflowed + 1);
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows), overflowed);
    // Every validated cookie counts: client 0's ACK, the ghost's segments, the refresher's ACK.
    QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesRecv), overflowed + 2);
    const auto rsts = flowPackets(h, 1, PacketKind::Rst, false);
    QCOMPARE(rsts.size(), std::size_t{1});
    QCOMPARE(rsts[0].arrives, ghost.errorAt);
}

void TestRulesK::rule_K2_ackWithoutRequestGetsRst_data() {
    QTest::addColumn<bool>("recentOverflow");
    QTest::newRow("data after the request expired: RST") << false;
    QTest::newRow("the same after a recent cookie: SyncookiesFailed, then RST") << true;
}

void TestRulesK::rule_K2_ackWithoutRequestGetsRst() {
    QFETCH(bool, recentOverflow);

    // Every ACK and data segment of the client is lost for 100 s: its request expires at about 63 s;
    // its data retransmission at about 102 s reaches a listener with no request for it.
    ScenarioText text;
    text.rtt("1ms").backlog(recentOverflow ? 0 : 4).clients("c", 1, "0s", "1ms", true);
    text.fault("client-acks", "c", "0s", "100s").fault("data", "c", "0s", "100s");
    if (recentOverflow) text.clients("others", 2, "90s", "0s", false); // the second one gets a cookie
    text.until("150s");
    SIMULATE(sim, text);
    const History& h = sim->history();
    const ClientRecord& rec = h.clients[0];

    const std::vector<QueueEntry> synq = staysOf(h, 1, QueueKind::Syn, 0);
    QCOMPARE(synq.size(), std::size_t{1});
    QCOMPARE(synq[0].reason, LeaveReason::Expired);
    QCOMPARE(rec.error, ClientError::ConnectionReset);
    QVERIFY(rec.errorAt > sec(100));
    const auto rsts = flowPackets(h, 0, PacketKind::Rst, false);
    QCOMPARE(rsts.size(), std::size_t{1});
    QCOMPARE(rsts[0].arrives, rec.errorAt);
    QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesFailed), I64{recentOverflow ? 1 : 0});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesSent), I64{recentOverflow ? 1 : 0});
    QCOMPARE(clientCounter(*sim, Counter::TcpEstabResets), I64{1});
    QCOMPARE(serverCounter(*sim, Counter::TcpOutRsts), I64{1}); // one RST, counted once
}

QTEST_APPLESS_MAIN(TestRulesK)
#include "tst_rules_K_cookie.moc"
