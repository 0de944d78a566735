// The worked scenarios of shared/KERNEL.md section 7 (E1-E5: lessons/scenarios/e1-... to e5-...), each
// run under several kernel versions and settings and checked against what section 7 expects. One test
// function per scenario, named after it (scenario_E<n>_...); times are checked within the timer wheel's
// lateness (M11, tests/common/MeasuredTest.h).
#include "model/core/Counters.h"
#include "model/core/Packet.h"
#include "model/core/Time.h"
#include "model/core/TimerWheel.h"
#include "model/history/History.h"
#include "model/kernel/Simulation.h"
#include "model/scenario/Scenario.h"
#include "model/scenario/ScenarioReader.h"
#include "tests/common/MeasuredTest.h"

#include <QByteArray>
#include <QFile>
#include <QList>
#include <QTest>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

using backlog::ClientError;
using backlog::ClientRecord;
using backlog::Counter;
using backlog::CounterValues;
using backlog::FlowId;
using backlog::History;
using backlog::Host;
using backlog::LeaveReason;
using backlog::Packet;
using backlog::PacketFate;
using backlog::PacketKind;
using backlog::QueueEntry;
using backlog::QueueKind;
using backlog::Simulation;
using backlog::TcpState;
using backlog::Time;
using backlog::TimerWheel;
using namespace backlog::test;
using namespace backlog::test::measured;

class tst_worked_scenarios : public QObject {
    Q_OBJECT

  private slots:
    void scenario_E1_neverAccept_data();
    void scenario_E1_neverAccept();
    void scenario_E2_burst_data();
    void scenario_E2_burst();
    void scenario_E3_abortOnOverflow_data();
    void scenario_E3_abortOnOverflow();
    void scenario_E4_floodNoCookies_data();
    void scenario_E4_floodNoCookies();
    void scenario_E5_reuseportStalledShard_data();
    void scenario_E5_reuseportStalledShard();
};

// ================================================================================================ E1

void tst_worked_scenarios::scenario_E1_neverAccept_data() {
    QTest::addColumn<QStringList>("sets");
    QTest::addColumn<int>("retries");
    QTest::addColumn<int>("failSeconds");
    QTest::addColumn<qint64>("acceptAtMs"); // -1: never
    QTest::newRow("6.18 client (6.5+)") << QStringList{} << 10 << 131 << qint64(-1);
    QTest::newRow("6.12 client (6.5+)") << QStringList{"kernel.version=6.12"} << 10 << 131 << qint64(-1);
    QTest::newRow("6.1 client (pre-6.5)") << QStringList{"kernel.version=6.1"} << 6 << 127 << qint64(-1);
    QTest::newRow("5.4 client (pre-6.5)") << QStringList{"kernel.version=5.4"} << 6 << 127 << qint64(-1);
    QTest::newRow("4.15 client (pre-6.5)") << QStringList{"kernel.version=4.15"} << 6 << 127 << qint64(-1);
    QTest::newRow("6.18, tcp_syn_linear_timeouts=0")
        << QStringList{"net.ipv4.tcp_syn_linear_timeouts=0"} << 6 << 127 << qint64(-1);
    QTest::newRow("6.18, HZ 1000") << QStringList{"kernel.hz=1000"} << 10 << 131 << qint64(-1);
    QTest::newRow("6.18, one accept() at 2.5 s") << QStringList{} << 10 << 131 << qint64(2500);
    QTest::newRow("6.18, one accept() at 6 s") << QStringList{} << 10 << 131 << qint64(6000);
    QTest::newRow("6.1, one accept() at 20 s")
        << QStringList{"kernel.version=6.1"} << 6 << 127 << qint64(20000);
}

void tst_worked_scenarios::scenario_E1_neverAccept() {
    QFETCH(QStringList, sets);
    QFETCH(int, retries);
    QFETCH(int, failSeconds);
    QFETCH(qint64, acceptAtMs);
    std::vector<std::string> all = toStd(sets);
    if (acceptAtMs >= 0) {
        all.push_back("server.workers.count=1");
        all.push_back("server.workers.start=" + std::to_string(acceptAtMs) + "ms");
        all.push_back("server.workers.service=1000s");
        all.push_back("until=200s");
    }
    auto sim = lesson("e1-never-accept.yaml", all);
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    const int hz = sim->scenario().kernel.hz;
    const Time rtt = sim->scenario().network.rtt;
    QCOMPARE(h.clients.size(), std::size_t{130});
    // Connections 1-129 complete, each connect() returning after one RTT.
    for (std::uint32_t c = 0; c < 129; ++c) {
        QCOMPARE(h.clients[c].connectedAt - h.clients[c].connectAt, rtt);
        QCOMPARE(h.clients[c].synTimes.size(), std::size_t{1});
    }
    const ClientRecord& last = h.clients[129];
    const std::vector<Time> rtos = synRtos(6, retries - 6);
    const Schedule s = chain(rtos, hz);
    const auto S = [&](Counter c, Time t) { return server(h, c, t); };
    if (acceptAtMs < 0) {
        // ss -lnt ends at Recv-Q 129, Send-Q 128; PassiveOpens +129.
        const auto ss = sim->ssListening(h.end);
        QCOMPARE(ss.size(), std::size_t{1});
        QCOMPARE(ss[0].recvQ, std::int64_t{129});
        QCOMPARE(ss[0].sendQ, std::int64_t{128});
        QCOMPARE(S(Counter::TcpPassiveOpens, h.end), std::int64_t{129});
        // The 130th SYN and every retransmission of it: ListenOverflows and ListenDrops +1 each.
        QVERIFY(last.connectedAt.isNever());
        QCOMPARE(static_cast<int>(last.synTimes.size()), retries + 1);
        for (int k = 1; k <= retries; ++k) {
            const auto i = static_cast<std::size_t>(k);
            VERIFY_TIME(last.synTimes[i] - last.connectAt, s.nominal[i - 1], s.slack[i - 1],
                        "SYN retransmission " + QByteArray::number(k));
        }
        QCOMPARE(S(Counter::TcpExtListenOverflows, h.end), std::int64_t{retries + 1});
        QCOMPARE(S(Counter::TcpExtListenDrops, h.end), std::int64_t{retries + 1});
        QCOMPARE(S(Counter::TcpExtListenOverflows, last.synTimes[0] + rtt), std::int64_t{1});
        QCOMPARE(last.error, ClientError::TimedOut);
        VERIFY_TIME(last.errorAt - last.connectAt, sec(failSeconds), s.slack.back(), "ETIMEDOUT");
        QCOMPARE(clients(h, Counter::TcpAttemptFails, h.end), std::int64_t{1});
        QCOMPARE(clients(h, Counter::TcpExtTCPSynRetrans, h.end), std::int64_t{retries});
        return;
    }
    // One accept() at X: the next SYN retransmission after X succeeds; the connect latency is that time.
    const Time x = ms(acceptAtMs);
    QVERIFY(!last.connectedAt.isNever());
    const std::size_t n = last.synTimes.size();
    QVERIFY(n >= 2);
    QVERIFY(last.synTimes[n - 1] > x);
    QVERIFY(last.synTimes[n - 2] < x);
    QCOMPARE(last.connectedAt - last.synTimes[n - 1], rtt);
    VERIFY_TIME(last.connectedAt - last.connectAt - rtt, s.nominal[n - 2], s.slack[n - 2], "connect latency");
    QCOMPARE(S(Counter::TcpExtListenOverflows, h.end), static_cast<std::int64_t>(n - 1));
    QCOMPARE(S(Counter::TcpPassiveOpens, h.end), std::int64_t{130});
    QCOMPARE(h.queueLengthsAt(0, h.end).accept, std::int64_t{129});
}

// ================================================================================================ E2, E3

namespace {

struct BurstResult {
    std::set<FlowId> requestLeftovers; // had a request, whose final ACK found the accept queue full
    std::set<FlowId> cookieLeftovers;  // answered with a cookie, final ACK dropped
};

} // namespace

void tst_worked_scenarios::scenario_E2_burst_data() {
    QTest::addColumn<QStringList>("sets");
    QTest::addColumn<qint64>("requests");
    QTest::addColumn<qint64>("cookies");
    QTest::addColumn<bool>("send");
    QTest::newRow("6.18") << QStringList{} << qint64(129) << qint64(71) << false;
    QTest::newRow("6.12 (pre-2025)") << QStringList{"kernel.version=6.12"} << qint64(128) << qint64(72)
                                     << false;
    QTest::newRow("6.1 (pre-2025)") << QStringList{"kernel.version=6.1"} << qint64(128) << qint64(72)
                                    << false;
    QTest::newRow("5.4 (pre-2025)") << QStringList{"kernel.version=5.4"} << qint64(128) << qint64(72)
                                    << false;
    QTest::newRow("4.15 (pre-2025)") << QStringList{"kernel.version=4.15"} << qint64(128) << qint64(72)
                                     << false;
    const QStringList jitter{"network.rtt=20ms", "network.jitter=2ms"};
    QTest::newRow("6.18, ACKs in random order") << jitter << qint64(129) << qint64(71) << false;
    QTest::newRow("6.18, ACKs in random order, seed 7")
        << (jitter + QStringList{"seed=7"}) << qint64(129) << qint64(71) << false;
    QTest::newRow("6.12, ACKs in random order")
        << (jitter + QStringList{"kernel.version=6.12"}) << qint64(128) << qint64(72) << false;
    QTest::newRow("6.18, clients send data")
        << QStringList{"traffic.burst.send=true"} << qint64(129) << qint64(71) << true;
    QTest::newRow("6.18, clients send data, random order")
        << (jitter + QStringList{"traffic.burst.send=true", "seed=3"}) << qint64(129) << qint64(71) << true;
}

void tst_worked_scenarios::scenario_E2_burst() {
    QFETCH(QStringList, sets);
    QFETCH(qint64, requests);
    QFETCH(qint64, cookies);
    QFETCH(bool, send);
    std::vector<std::string> all{"traffic.burst.send=false", "until=300s"};
    for (const std::string& s : toStd(sets))
        all.push_back(s);
    auto sim = lesson("e2-burst.yaml", all);
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    const int hz = sim->scenario().kernel.hz;
    const Time settled = ms(500); // every final ACK has arrived, no SYN-ACK retransmission yet
    const auto S = [&](Counter c, Time t) { return server(h, c, t); };
    QCOMPARE(h.clients.size(), std::size_t{200});
    // SYNs 1-129 (128 before the 2025 fix) get request sockets; the rest get cookies.
    QCOMPARE(static_cast<qint64>(h.queues[0][0].size()), requests);
    QCOMPARE(maxima(h, 0).syn, requests);
    QCOMPARE(S(Counter::TcpExtTCPReqQFullDoCookies, h.end), cookies);
    QCOMPARE(S(Counter::TcpExtSyncookiesSent, h.end), cookies);
    QCOMPARE(sim->kernelLog().size(), std::size_t{1});
    QVERIFY(QString::fromStdString(sim->kernelLog()[0].text).contains("Possible SYN flooding"));
    QVERIFY(QString::fromStdString(sim->kernelLog()[0].text).endsWith("Sending cookies."));
    // All 200 clients see connect() succeed, without a retransmission.
    for (const ClientRecord& c : h.clients) {
        QVERIFY(!c.connectedAt.isNever());
        QCOMPARE(c.synTimes.size(), std::size_t{1});
    }
    // The first 129 final ACKs to arrive create children; the other 71 are dropped (A7a or K1).
    std::vector<Packet> finalAcks = finalAcksOf(h);
    QCOMPARE(finalAcks.size(), std::size_t{200});
    std::stable_sort(finalAcks.begin(), finalAcks.end(),
                     [](const Packet& a, const Packet& b) { return a.arrives < b.arrives; });
    BurstResult r;
    for (std::size_t i = 0; i < finalAcks.size(); ++i) {
        const Packet& p = finalAcks[i];
        if (i < 129) {
            QCOMPARE(p.fate, PacketFate::Delivered);
            continue;
        }
        QCOMPARE(p.fate, p.cookie ? PacketFate::DroppedCookieQueueFull : PacketFate::DroppedAckQueueFull);
        (p.cookie ? r.cookieLeftovers : r.requestLeftovers).insert(p.flow);
    }
    QCOMPARE(h.queueLengthsAt(0, settled).accept, std::int64_t{129});
    QCOMPARE(S(Counter::TcpPassiveOpens, h.end), std::int64_t{129});
    const std::int64_t leftovers = 71;
    QCOMPARE(static_cast<std::int64_t>(r.cookieLeftovers.size() + r.requestLeftovers.size()), leftovers);
    if (!send) {
        QCOMPARE(S(Counter::TcpExtListenOverflows, settled), leftovers);
        QCOMPARE(S(Counter::TcpExtListenDrops, settled), leftovers);
        // SyncookiesRecv counts each cookie ACK.
        QCOMPARE(S(Counter::TcpExtSyncookiesRecv, settled), cookies);
    }
    // Request-based leftovers: SYN-ACK retransmissions at 1, 3, 7, 15, 31 s, then the request dies silently
    // at 63 s.
    const Schedule t1 = chain({sec(1), sec(2), sec(4), sec(8), sec(16), sec(32)}, hz);
    for (FlowId f : r.requestLeftovers) {
        const auto stays = staysOf(h, 0, QueueKind::Syn, f);
        QCOMPARE(stays.size(), std::size_t{1});
        const QueueEntry& e = stays[0];
        QCOMPARE(e.reason, LeaveReason::Expired);
        VERIFY_TIME(e.left - e.entered, t1.nominal[5], t1.slack[5], "request lifetime");
        std::vector<Time> resent;
        for (const Packet& p : packetsOf(h, f)) {
            if (!p.toServer && p.kind == PacketKind::SynAck && p.retrans > 0) resent.push_back(p.sent);
            if (!p.toServer && p.kind == PacketKind::Rst)
                QVERIFY2(p.sent > e.left, "the request dies silently");
        }
        QCOMPARE(resent.size(), std::size_t{5});
        for (std::size_t k = 0; k < 5; ++k)
            VERIFY_TIME(resent[k] - e.entered, t1.nominal[k], t1.slack[k], "SYN-ACK retransmission");
    }
    QCOMPARE(S(Counter::TcpExtTCPSynRetrans, h.end),
             static_cast<std::int64_t>(5 * r.requestLeftovers.size()));
    // Cookie-based leftovers get nothing further from the server (until they send something themselves).
    for (FlowId f : r.cookieLeftovers) {
        for (const Packet& p : packetsOf(h, f)) {
            if (p.toServer || p.kind == PacketKind::SynAck) continue;
            QVERIFY2(send, "nothing for an idle cookie leftover");
            QCOMPARE(p.kind, PacketKind::Rst);
        }
    }
    if (!send) {
        QCOMPARE(S(Counter::TcpOutRsts, h.end), std::int64_t{0});
        return;
    }
    // Clients that send data keep retrying; once the server-side state is gone they get an RST (K2).
    for (const std::set<FlowId>* set : {&r.requestLeftovers, &r.cookieLeftovers}) {
        for (FlowId f : *set) {
            const auto mine = packetsOf(h, f);
            const auto rst = std::find_if(mine.begin(), mine.end(), [](const Packet& p) {
                return !p.toServer && p.kind == PacketKind::Rst;
            });
            QVERIFY2(rst != mine.end(), "the leftover finally gets an RST");
            QCOMPARE(h.clients[f].error, ClientError::ConnectionReset);
            const auto trigger = std::find_if(mine.begin(), mine.end(), [&](const Packet& p) {
                return p.toServer && p.arrives == rst->sent;
            });
            QVERIFY(trigger != mine.end());
            QCOMPARE(trigger->kind, PacketKind::Data);
            QCOMPARE(trigger->fate, PacketFate::DroppedNoSocket);
            if (set == &r.requestLeftovers) {
                const auto stays = staysOf(h, 0, QueueKind::Syn, f);
                QCOMPARE(stays.size(), std::size_t{1});
                QVERIFY(rst->sent >= stays[0].left);
            } else {
                // A cookie is valid for 60-120 s after it was sent: the last retry it let through (to the
                // full accept queue) came within 120 s, the one that got the RST after 60 s at least.
                const Time cookieSent = std::find_if(mine.begin(), mine.end(), [](const Packet& p) {
                                            return p.kind == PacketKind::SynAck;
                                        })->sent;
                QVERIFY(rst->sent - cookieSent >= sec(60));
                Time lastValid;
                for (const Packet& p : mine)
                    if (p.fate == PacketFate::DroppedCookieQueueFull) lastValid = p.arrives;
                QVERIFY(lastValid - cookieSent <= sec(120));
            }
            // Every data retransmission before that retried the insertion (ListenOverflows).
            for (const Packet& p : mine)
                if (p.toServer && p.kind == PacketKind::Data && p.arrives < rst->sent &&
                    p.fate != PacketFate::LostInNetwork)
                    QVERIFY(p.fate == PacketFate::DroppedAckQueueFull ||
                            p.fate == PacketFate::DroppedCookieQueueFull);
        }
    }
    QCOMPARE(S(Counter::TcpOutRsts, h.end), leftovers);
}

void tst_worked_scenarios::scenario_E3_abortOnOverflow_data() {
    QTest::addColumn<QStringList>("sets");
    QTest::addColumn<bool>("random");
    QTest::newRow("6.18, as shipped") << QStringList{} << false;
    QTest::newRow("6.12, as shipped") << QStringList{"kernel.version=6.12"} << false;
    const QStringList jitter{"network.rtt=20ms", "network.jitter=2ms"};
    QTest::newRow("6.18, ACKs in random order, seed 1") << jitter << true;
    QTest::newRow("6.18, ACKs in random order, seed 2") << (jitter + QStringList{"seed=2"}) << true;
    QTest::newRow("6.12, ACKs in random order, seed 3")
        << (jitter + QStringList{"seed=3", "kernel.version=6.12"}) << true;
}

void tst_worked_scenarios::scenario_E3_abortOnOverflow() {
    QFETCH(QStringList, sets);
    QFETCH(bool, random);
    std::vector<std::string> all{"traffic.burst.send=false", "until=300s"};
    for (const std::string& s : toStd(sets))
        all.push_back(s);
    auto sim = lesson("e3-abort-on-overflow.yaml", all);
    QVERIFY(sim);
    QCOMPARE(sim->scenario().kernel.tcpAbortOnOverflow, 1);
    sim->run();
    const History& h = sim->history();
    const Time settled = ms(500);
    const auto S = [&](Counter c, Time t) { return server(h, c, t); };
    const std::vector<Packet> finalAcks = finalAcksOf(h);
    QCOMPARE(finalAcks.size(), std::size_t{200});
    std::set<FlowId> requestLeftovers, cookieLeftovers;
    for (const Packet& p : finalAcks) {
        if (p.fate == PacketFate::DroppedAckQueueFull)
            requestLeftovers.insert(p.flow);
        else if (p.fate == PacketFate::DroppedCookieQueueFull)
            cookieLeftovers.insert(p.flow);
        else
            QCOMPARE(p.fate, PacketFate::Delivered);
    }
    QCOMPARE(requestLeftovers.size() + cookieLeftovers.size(), std::size_t{71});
    if (random)
        QVERIFY2(!requestLeftovers.empty(),
                 "with ACKs in random order some request-based ACKs come too late");
    const auto R = static_cast<std::int64_t>(requestLeftovers.size());
    // Request-based leftovers: an RST right away; EmbryonicRsts, OutRsts, ListenOverflows, ListenDrops +1
    // each.
    QCOMPARE(S(Counter::TcpExtEmbryonicRsts, settled), R);
    QCOMPARE(S(Counter::TcpOutRsts, settled), R);
    QCOMPARE(S(Counter::TcpExtListenOverflows, settled), std::int64_t{71});
    QCOMPARE(S(Counter::TcpExtListenDrops, settled), std::int64_t{71});
    for (FlowId f : requestLeftovers) {
        const auto mine = packetsOf(h, f);
        const auto ack = std::find_if(mine.begin(), mine.end(), isFinalAck);
        const auto rst = std::find_if(mine.begin(), mine.end(), [](const Packet& p) {
            return !p.toServer && p.kind == PacketKind::Rst;
        });
        QVERIFY(rst != mine.end());
        QCOMPARE(rst->sent, ack->arrives);
        QCOMPARE(h.clients[f].error, ClientError::ConnectionReset);
        const auto stays = staysOf(h, 0, QueueKind::Syn, f);
        QCOMPARE(stays.size(), std::size_t{1});
        QCOMPARE(stays[0].reason, LeaveReason::Reset);
    }
    // Cookie-based leftovers are still silently dropped: no RST, the client stays ESTABLISHED.
    for (FlowId f : cookieLeftovers) {
        for (const Packet& p : packetsOf(h, f))
            QVERIFY(p.toServer || p.kind == PacketKind::SynAck);
        QCOMPARE(h.clientStateAt(f, h.end), TcpState::Established);
        QCOMPARE(h.clients[f].error, ClientError::None);
    }
    QCOMPARE(S(Counter::TcpOutRsts, h.end), R);
    QCOMPARE(S(Counter::TcpAttemptFails, h.end), std::int64_t{0});
}

// ================================================================================================ E4

void tst_worked_scenarios::scenario_E4_floodNoCookies_data() {
    QTest::addColumn<QStringList>("sets");
    QTest::addColumn<qint64>("entries");
    QTest::addColumn<bool>("reqQFullDrop");
    QTest::newRow("as shipped: listen(4096), tcp_max_syn_backlog 1024")
        << QStringList{} << qint64(769) << false;
    QTest::newRow("listen(1000)") << QStringList{"server.backlog=1000"} << qint64(769) << false;
    QTest::newRow("6.12 profile") << QStringList{"kernel.version=6.12"} << qint64(769) << false;
    QTest::newRow("4.15 profile, somaxconn 4096")
        << QStringList{"kernel.version=4.15", "net.core.somaxconn=4096"} << qint64(769) << false;
    // Below 3/4 of tcp_max_syn_backlog the SYN-queue-full test triggers first.
    QTest::newRow("listen(512): TCPReqQFullDrop") << QStringList{"server.backlog=512"} << qint64(513) << true;
}

void tst_worked_scenarios::scenario_E4_floodNoCookies() {
    QFETCH(QStringList, sets);
    QFETCH(qint64, entries);
    QFETCH(bool, reqQFullDrop);
    std::vector<std::string> all = toStd(sets);
    all.push_back("until=5s");
    auto sim = lesson("e4-flood-no-cookies.yaml", all);
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    const Time end = h.end;
    const auto ps = packets(h);
    const std::int64_t syns = countPackets(ps, [](const Packet& p) { return p.kind == PacketKind::Syn; });
    QCOMPARE(syns, std::int64_t{40'000});
    QCOMPARE(maxima(h, 0).syn, entries);
    QVERIFY(maxima(h, 0).syn <= 769);
    QCOMPARE(static_cast<qint64>(h.queues[0][0].size()), entries); // nothing expired before 5 s
    const std::int64_t m6 =
        countPackets(ps, [](const Packet& p) { return p.fate == PacketFate::DroppedSynBacklog; });
    const std::int64_t s1 =
        countPackets(ps, [](const Packet& p) { return p.fate == PacketFate::DroppedSynQueueFull; });
    QCOMPARE(m6 + s1, syns - entries);
    QCOMPARE(server(h, Counter::TcpExtListenDrops, end), syns - entries);
    QCOMPARE(server(h, Counter::TcpExtListenOverflows, end), std::int64_t{0});
    QCOMPARE(server(h, Counter::TcpExtSyncookiesSent, end), std::int64_t{0});
    QCOMPARE(server(h, Counter::TcpExtTCPReqQFullDrop, end), s1);
    if (reqQFullDrop) {
        QVERIFY(s1 > 0);
        QCOMPARE(m6, std::int64_t{0});
        QCOMPARE(sim->kernelLog().size(), std::size_t{1});
        QVERIFY(QString::fromStdString(sim->kernelLog()[0].text).endsWith("Dropping request."));
    } else {
        QCOMPARE(s1, std::int64_t{0});
        QVERIFY(sim->kernelLog().empty()); // S5 logs no "Possible SYN flooding"
    }
}

// ================================================================================================ E5

void tst_worked_scenarios::scenario_E5_reuseportStalledShard_data() {
    QTest::addColumn<QStringList>("sets");
    QTest::addColumn<QString>("events");
    QTest::addColumn<qint64>("stallAtMs");
    // The shipped lesson's clients come faster than its workers serve; 10 ms apart, every listener but the
    // stalled one has idle capacity. Workers are dealt round-robin, so with 3 workers listener 3 has none.
    const QStringList spaced{"traffic.clients.spacing=10ms"};
    QTest::newRow("listener 3 without a worker")
        << (spaced + QStringList{"server.workers.count=3"}) << "" << qint64(0);
    QTest::newRow("listener 3 without a worker, seed 5")
        << (spaced + QStringList{"server.workers.count=3", "seed=5"}) << "" << qint64(0);
    QTest::newRow("worker of listener 3 stops at 1 s")
        << spaced << "events:\n  - { at: 1s, set: { server.workers.count: 3 } }\n"
        << qint64(1000);
}

void tst_worked_scenarios::scenario_E5_reuseportStalledShard() {
    QFETCH(QStringList, sets);
    QFETCH(QString, events);
    QFETCH(qint64, stallAtMs);
    std::vector<std::string> all = toStd(sets);
    all.push_back("until=60s");
    QFile file(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/e5-reuseport.yaml"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const std::string text = file.readAll().toStdString() + "\n" + str(events);
    auto sim = load(text, all);
    QVERIFY(sim);
    sim->run();
    const History& h = sim->history();
    const int stalled = 3;
    const std::int64_t cap = 17;
    QCOMPARE(h.listeners.size(), std::size_t{4});
    // About 1/4 of new flows hash to the stalled listener.
    std::array<std::int64_t, 4> flows{};
    std::vector<FlowId> toStalled;
    for (FlowId f = 0; f < h.clients.size(); ++f) {
        const auto mine = packetsOf(h, f);
        ++flows[mine.front().listener];
        if (mine.front().listener == stalled && h.clients[f].connectAt >= ms(stallAtMs))
            toStalled.push_back(f);
    }
    const std::int64_t total = static_cast<std::int64_t>(h.clients.size());
    QCOMPARE(total, std::int64_t{400});
    QVERIFY2(flows[stalled] * 100 >= total * 17 && flows[stalled] * 100 <= total * 33,
             "share of the stalled listener: " + QByteArray::number(qint64(flows[stalled])));
    // After its backlog+1 children, its SYNs are dropped (ListenOverflows) while the others have room.
    const Maxima m = maxima(h, stalled);
    QCOMPARE(m.accept, cap);
    QCOMPARE(h.queueLengthsAt(stalled, h.end).accept, cap);
    std::int64_t drops = 0;
    for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
        const Packet p = h.packet(i);
        if (p.fate != PacketFate::DroppedAcceptQueueFull) continue;
        ++drops;
        QCOMPARE(int(p.listener), stalled);
        QCOMPARE(h.queueLengthsAt(stalled, p.arrives).accept, cap);
        for (int l = 0; l < 4; ++l)
            if (l != stalled)
                QVERIFY2(h.queueLengthsAt(l, p.arrives).accept < cap, "another listener has room");
    }
    QVERIFY(drops > 0);
    QCOMPARE(server(h, Counter::TcpExtListenOverflows, h.end), drops);
    QCOMPARE(server(h, Counter::TcpExtListenDrops, h.end), drops);
    // The other listeners serve everybody hashed to them.
    for (FlowId f = 0; f < h.clients.size(); ++f) {
        if (packetsOf(h, f).front().listener == stalled) continue;
        QVERIFY2(!h.clients[f].respondedAt.isNever(), "a client of a working listener is served");
    }
    // Clients of the stalled listener: at most backlog+1 of those arriving after the stall connect at all.
    std::int64_t connected = 0;
    for (FlowId f : toStalled)
        connected += h.clients[f].connectedAt.isNever() ? 0 : 1;
    QVERIFY(connected <= cap);
    QVERIFY(static_cast<std::int64_t>(toStalled.size()) > cap);
}

QTEST_APPLESS_MAIN(tst_worked_scenarios)
#include "tst_worked_scenarios.moc"
