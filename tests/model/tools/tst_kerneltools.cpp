// Byte-exact checks of the kernel tools' text. The expected text is written out literally: the ss cases
// marked "captured" are real output of ss (iproute2-6.1.0) into a pipe for sockets made on loopback (kernel
// 6.18), the others are worked out by hand from ss.c's render_calc_width()/render() and print_summary(); the
// nstat text is real `nstat -az 'Tcp*'` output with the values zeroed and the four TcpExt counters newer than
// 6.12 removed, and the increments follow nstat.c's dump_incr_db(); the sysctl lines are procps-ng 4.0.2's;
// the trace_pipe lines follow trace_print_context(). Then the "at t" readers against the history: sysctl
// values after a timed `set`, nstat increments equal to counter differences, and kprobe lines equal to the
// queue changes.
#include "model/core/Counters.h"
#include "model/core/Tcp.h"
#include "model/scenario/Settings.h"
#include "model/tools/KernelTools.h"
#include "tests/common/ModelTest.h"

#include <QStringList>
#include <QTest>

#include <cmath>
#include <iterator>
#include <map>
#include <vector>

using backlog::Counter;
using backlog::KernelProbe;
using backlog::ProbeHit;
using backlog::SsSocket;
using backlog::TcpSockstat;
using backlog::TcpState;
using backlog::Time;

Q_DECLARE_METATYPE(std::vector<backlog::SsSocket>)
Q_DECLARE_METATYPE(backlog::TcpState)
Q_DECLARE_METATYPE(backlog::Counter)
Q_DECLARE_METATYPE(backlog::TcpSockstat)
Q_DECLARE_METATYPE(backlog::Time)
Q_DECLARE_METATYPE(std::vector<backlog::ProbeHit>)

namespace {

SsSocket sock(TcpState state, std::int64_t recvQ, std::int64_t sendQ, const char* local, const char* peer) {
    return SsSocket{state, recvQ, sendQ, local, peer};
}

SsSocket listener(std::int64_t recvQ, std::int64_t sendQ, const char* local, const char* peer = "0.0.0.0:*") {
    return sock(TcpState::Listen, recvQ, sendQ, local, peer);
}

QByteArray bytes(const std::string& s) {
    return QByteArray::fromStdString(s);
}

const char* const kListenHeader = "State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n";

// nstat -az 'Tcp*' on an idle 6.12 host: every counter 0. TcpRtoAlgorithm, TcpRtoMin, TcpRtoMax, TcpMaxConn
// and TcpCurrEstab are missing on purpose: nstat never prints them (useless_numbers[]).
const char* const kNstatZeros = "#kernel\n"
                                "TcpActiveOpens                  0                  0.0\n"
                                "TcpPassiveOpens                 0                  0.0\n"
                                "TcpAttemptFails                 0                  0.0\n"
                                "TcpEstabResets                  0                  0.0\n"
                                "TcpInSegs                       0                  0.0\n"
                                "TcpOutSegs                      0                  0.0\n"
                                "TcpRetransSegs                  0                  0.0\n"
                                "TcpInErrs                       0                  0.0\n"
                                "TcpOutRsts                      0                  0.0\n"
                                "TcpInCsumErrors                 0                  0.0\n"
                                "TcpExtSyncookiesSent            0                  0.0\n"
                                "TcpExtSyncookiesRecv            0                  0.0\n"
                                "TcpExtSyncookiesFailed          0                  0.0\n"
                                "TcpExtEmbryonicRsts             0                  0.0\n"
                                "TcpExtPruneCalled               0                  0.0\n"
                                "TcpExtRcvPruned                 0                  0.0\n"
                                "TcpExtOfoPruned                 0                  0.0\n"
                                "TcpExtOutOfWindowIcmps          0                  0.0\n"
                                "TcpExtLockDroppedIcmps          0                  0.0\n"
                                "TcpExtArpFilter                 0                  0.0\n"
                                "TcpExtTW                        0                  0.0\n"
                                "TcpExtTWRecycled                0                  0.0\n"
                                "TcpExtTWKilled                  0                  0.0\n"
                                "TcpExtPAWSActive                0                  0.0\n"
                                "TcpExtPAWSEstab                 0                  0.0\n"
                                "TcpExtDelayedACKs               0                  0.0\n"
                                "TcpExtDelayedACKLocked          0                  0.0\n"
                                "TcpExtDelayedACKLost            0                  0.0\n"
                                "TcpExtListenOverflows           0                  0.0\n"
                                "TcpExtListenDrops               0                  0.0\n"
                                "TcpExtTCPHPHits                 0                  0.0\n"
                                "TcpExtTCPPureAcks               0                  0.0\n"
                                "TcpExtTCPHPAcks                 0                  0.0\n"
                                "TcpExtTCPRenoRecovery           0                  0.0\n"
                                "TcpExtTCPSackRecovery           0                  0.0\n"
                                "TcpExtTCPSACKReneging           0                  0.0\n"
                                "TcpExtTCPSACKReorder            0                  0.0\n"
                                "TcpExtTCPRenoReorder            0                  0.0\n"
                                "TcpExtTCPTSReorder              0                  0.0\n"
                                "TcpExtTCPFullUndo               0                  0.0\n"
                                "TcpExtTCPPartialUndo            0                  0.0\n"
                                "TcpExtTCPDSACKUndo              0                  0.0\n"
                                "TcpExtTCPLossUndo               0                  0.0\n"
                                "TcpExtTCPLostRetransmit         0                  0.0\n"
                                "TcpExtTCPRenoFailures           0                  0.0\n"
                                "TcpExtTCPSackFailures           0                  0.0\n"
                                "TcpExtTCPLossFailures           0                  0.0\n"
                                "TcpExtTCPFastRetrans            0                  0.0\n"
                                "TcpExtTCPSlowStartRetrans       0                  0.0\n"
                                "TcpExtTCPTimeouts               0                  0.0\n"
                                "TcpExtTCPLossProbes             0                  0.0\n"
                                "TcpExtTCPLossProbeRecovery      0                  0.0\n"
                                "TcpExtTCPRenoRecoveryFail       0                  0.0\n"
                                "TcpExtTCPSackRecoveryFail       0                  0.0\n"
                                "TcpExtTCPRcvCollapsed           0                  0.0\n"
                                "TcpExtTCPBacklogCoalesce        0                  0.0\n"
                                "TcpExtTCPDSACKOldSent           0                  0.0\n"
                                "TcpExtTCPDSACKOfoSent           0                  0.0\n"
                                "TcpExtTCPDSACKRecv              0                  0.0\n"
                                "TcpExtTCPDSACKOfoRecv           0                  0.0\n"
                                "TcpExtTCPAbortOnData            0                  0.0\n"
                                "TcpExtTCPAbortOnClose           0                  0.0\n"
                                "TcpExtTCPAbortOnMemory          0                  0.0\n"
                                "TcpExtTCPAbortOnTimeout         0                  0.0\n"
                                "TcpExtTCPAbortOnLinger          0                  0.0\n"
                                "TcpExtTCPAbortFailed            0                  0.0\n"
                                "TcpExtTCPMemoryPressures        0                  0.0\n"
                                "TcpExtTCPMemoryPressuresChrono  0                  0.0\n"
                                "TcpExtTCPSACKDiscard            0                  0.0\n"
                                "TcpExtTCPDSACKIgnoredOld        0                  0.0\n"
                                "TcpExtTCPDSACKIgnoredNoUndo     0                  0.0\n"
                                "TcpExtTCPSpuriousRTOs           0                  0.0\n"
                                "TcpExtTCPMD5NotFound            0                  0.0\n"
                                "TcpExtTCPMD5Unexpected          0                  0.0\n"
                                "TcpExtTCPMD5Failure             0                  0.0\n"
                                "TcpExtTCPSackShifted            0                  0.0\n"
                                "TcpExtTCPSackMerged             0                  0.0\n"
                                "TcpExtTCPSackShiftFallback      0                  0.0\n"
                                "TcpExtTCPBacklogDrop            0                  0.0\n"
                                "TcpExtPFMemallocDrop            0                  0.0\n"
                                "TcpExtTCPMinTTLDrop             0                  0.0\n"
                                "TcpExtTCPDeferAcceptDrop        0                  0.0\n"
                                "TcpExtIPReversePathFilter       0                  0.0\n"
                                "TcpExtTCPTimeWaitOverflow       0                  0.0\n"
                                "TcpExtTCPReqQFullDoCookies      0                  0.0\n"
                                "TcpExtTCPReqQFullDrop           0                  0.0\n"
                                "TcpExtTCPRetransFail            0                  0.0\n"
                                "TcpExtTCPRcvCoalesce            0                  0.0\n"
                                "TcpExtTCPOFOQueue               0                  0.0\n"
                                "TcpExtTCPOFODrop                0                  0.0\n"
                                "TcpExtTCPOFOMerge               0                  0.0\n"
                                "TcpExtTCPChallengeACK           0                  0.0\n"
                                "TcpExtTCPSYNChallenge           0                  0.0\n"
                                "TcpExtTCPFastOpenActive         0                  0.0\n"
                                "TcpExtTCPFastOpenActiveFail     0                  0.0\n"
                                "TcpExtTCPFastOpenPassive        0                  0.0\n"
                                "TcpExtTCPFastOpenPassiveFail    0                  0.0\n"
                                "TcpExtTCPFastOpenListenOverflow 0                  0.0\n"
                                "TcpExtTCPFastOpenCookieReqd     0                  0.0\n"
                                "TcpExtTCPFastOpenBlackhole      0                  0.0\n"
                                "TcpExtTCPSpuriousRtxHostQueues  0                  0.0\n"
                                "TcpExtBusyPollRxPackets         0                  0.0\n"
                                "TcpExtTCPAutoCorking            0                  0.0\n"
                                "TcpExtTCPFromZeroWindowAdv      0                  0.0\n"
                                "TcpExtTCPToZeroWindowAdv        0                  0.0\n"
                                "TcpExtTCPWantZeroWindowAdv      0                  0.0\n"
                                "TcpExtTCPSynRetrans             0                  0.0\n"
                                "TcpExtTCPOrigDataSent           0                  0.0\n"
                                "TcpExtTCPHystartTrainDetect     0                  0.0\n"
                                "TcpExtTCPHystartTrainCwnd       0                  0.0\n"
                                "TcpExtTCPHystartDelayDetect     0                  0.0\n"
                                "TcpExtTCPHystartDelayCwnd       0                  0.0\n"
                                "TcpExtTCPACKSkippedSynRecv      0                  0.0\n"
                                "TcpExtTCPACKSkippedPAWS         0                  0.0\n"
                                "TcpExtTCPACKSkippedSeq          0                  0.0\n"
                                "TcpExtTCPACKSkippedFinWait2     0                  0.0\n"
                                "TcpExtTCPACKSkippedTimeWait     0                  0.0\n"
                                "TcpExtTCPACKSkippedChallenge    0                  0.0\n"
                                "TcpExtTCPWinProbe               0                  0.0\n"
                                "TcpExtTCPKeepAlive              0                  0.0\n"
                                "TcpExtTCPMTUPFail               0                  0.0\n"
                                "TcpExtTCPMTUPSuccess            0                  0.0\n"
                                "TcpExtTCPDelivered              0                  0.0\n"
                                "TcpExtTCPDeliveredCE            0                  0.0\n"
                                "TcpExtTCPAckCompressed          0                  0.0\n"
                                "TcpExtTCPZeroWindowDrop         0                  0.0\n"
                                "TcpExtTCPRcvQDrop               0                  0.0\n"
                                "TcpExtTCPWqueueTooBig           0                  0.0\n"
                                "TcpExtTCPFastOpenPassiveAltKey  0                  0.0\n"
                                "TcpExtTcpTimeoutRehash          0                  0.0\n"
                                "TcpExtTcpDuplicateDataRehash    0                  0.0\n"
                                "TcpExtTCPDSACKRecvSegs          0                  0.0\n"
                                "TcpExtTCPDSACKIgnoredDubious    0                  0.0\n"
                                "TcpExtTCPMigrateReqSuccess      0                  0.0\n"
                                "TcpExtTCPMigrateReqFailure      0                  0.0\n"
                                "TcpExtTCPPLBRehash              0                  0.0\n"
                                "TcpExtTCPAORequired             0                  0.0\n"
                                "TcpExtTCPAOBad                  0                  0.0\n"
                                "TcpExtTCPAOKeyNotFound          0                  0.0\n"
                                "TcpExtTCPAOGood                 0                  0.0\n"
                                "TcpExtTCPAODroppedIcmps         0                  0.0\n";

// The sockets of a capture on loopback (6.18): a listener on 8097 (backlog 4) and three clients; the server
// closed the first connection, the second client closed its own, the third waits in the accept queue.
// `ss -tan 'sport = :8097 or dport = :8097'` listed them in this order.
std::vector<SsSocket> capturedSockets() {
    return {listener(1, 4, "127.0.0.1:8097"),
            sock(TcpState::Established, 0, 0, "127.0.0.1:8097", "127.0.0.1:56528"),
            sock(TcpState::FinWait2, 0, 0, "127.0.0.1:8097", "127.0.0.1:56504"),
            sock(TcpState::CloseWait, 1, 0, "127.0.0.1:8097", "127.0.0.1:56520"),
            sock(TcpState::CloseWait, 1, 0, "127.0.0.1:56504", "127.0.0.1:8097"),
            sock(TcpState::FinWait2, 0, 0, "127.0.0.1:56520", "127.0.0.1:8097"),
            sock(TcpState::Established, 0, 0, "127.0.0.1:56528", "127.0.0.1:8097")};
}

TcpSockstat sockstat(std::int64_t inuse, std::int64_t orphan, std::int64_t tw, std::int64_t alloc,
                     std::int64_t currEstab) {
    return TcpSockstat{inuse, orphan, tw, alloc, currEstab};
}

using Counts = std::map<Counter, std::int64_t>;

backlog::CounterValues counters(const Counts& values) {
    backlog::CounterValues out{};
    for (const auto& [c, v] : values)
        out[static_cast<std::size_t>(c)] = v;
    return out;
}

ProbeHit hit(Time at, KernelProbe probe, std::int64_t ackBacklog, std::int64_t maxAckBacklog,
             std::int64_t qlen, int listener = 0) {
    return ProbeHit{at, probe, listener, ackBacklog, maxAckBacklog, qlen};
}

bool sameHits(const std::vector<ProbeHit>& a, const std::vector<ProbeHit>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const ProbeHit& x, const ProbeHit& y) {
        return x.at == y.at && x.probe == y.probe && x.listener == y.listener &&
               x.ackBacklog == y.ackBacklog && x.maxAckBacklog == y.maxAckBacklog && x.qlen == y.qlen;
    });
}

// Four clients, 10 ms apart, at a listener with backlog 2 whose only worker starts accepting at 50 ms and
// serves each connection for 100 ms: the accept queue fills to 3 (Q1), the fourth SYN is dropped (S2).
const char* const kSmallQueue = R"(
network: { rtt: 1ms }
server:
  backlog: 2
  workers: { count: 1, start: 50ms, service: 100ms }
traffic:
  - { name: c, clients: 4, spacing: 10ms }
events:
  - { at: 2s, set: { net.core.somaxconn: 64, net.ipv4.tcp_syncookies: 2 } }
  - { at: 2s, set: { net.core.somaxconn: 32 } }
  - { at: 4s, set: { net.ipv4.tcp_abort_on_overflow: 1 } }
until: 6s
)";

// A SYN flood that fills the SYN queue (16 + 1 requests), then is answered with cookies, while 50 real
// clients connect (by cookie too) and four quick workers keep the accept queue short: no SYN is dropped.
const char* const kCookieFlood = R"(
network: { rtt: 2ms }
server:
  backlog: 16
  workers: { count: 4, service: 5ms }
traffic:
  - { name: attack, flood: { rate: 20000/s, from: 0s, to: 500ms } }
  - { name: c, clients: 50, spacing: 10ms }
until: 2s
)";

// Clients without a flood: every SYN makes a request, every request becomes a child.
const char* const kPlainClients = R"(
network: { rtt: 40ms, jitter: 5ms }
server:
  backlog: 8
  workers: { count: 4, service: 10ms }
traffic:
  - { name: c, clients: 60, spacing: 7ms }
until: 3s
)";

} // namespace

Q_DECLARE_METATYPE(Counts)

class TestKernelTools : public QObject {
    Q_OBJECT

  private slots:
    void ssStateName_data() {
        QTest::addColumn<TcpState>("state");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("closed") << TcpState::Closed << QByteArray("UNCONN");
        QTest::newRow("listen") << TcpState::Listen << QByteArray("LISTEN");
        QTest::newRow("syn-sent") << TcpState::SynSent << QByteArray("SYN-SENT");
        QTest::newRow("syn-recv") << TcpState::SynRecv << QByteArray("SYN-RECV");
        QTest::newRow("established") << TcpState::Established << QByteArray("ESTAB");
        QTest::newRow("fin-wait-1") << TcpState::FinWait1 << QByteArray("FIN-WAIT-1");
        QTest::newRow("fin-wait-2") << TcpState::FinWait2 << QByteArray("FIN-WAIT-2");
        QTest::newRow("close-wait") << TcpState::CloseWait << QByteArray("CLOSE-WAIT");
        QTest::newRow("last-ack") << TcpState::LastAck << QByteArray("LAST-ACK");
        QTest::newRow("closing") << TcpState::Closing << QByteArray("CLOSING");
        QTest::newRow("time-wait") << TcpState::TimeWait << QByteArray("TIME-WAIT");
    }
    void ssStateName() {
        QFETCH(TcpState, state);
        QFETCH(QByteArray, expected);
        const std::string_view name = backlog::ssStateName(state);
        QCOMPARE(QByteArray(name.data(), static_cast<qsizetype>(name.size())), expected);
    }

    void counterName_data() {
        QTest::addColumn<Counter>("counter");
        QTest::addColumn<QByteArray>("expected");
        const char* const names[] = {"TcpActiveOpens",
                                     "TcpPassiveOpens",
                                     "TcpAttemptFails",
                                     "TcpEstabResets",
                                     "TcpCurrEstab",
                                     "TcpInSegs",
                                     "TcpOutSegs",
                                     "TcpRetransSegs",
                                     "TcpOutRsts",
                                     "TcpExtSyncookiesSent",
                                     "TcpExtSyncookiesRecv",
                                     "TcpExtSyncookiesFailed",
                                     "TcpExtEmbryonicRsts",
                                     "TcpExtListenOverflows",
                                     "TcpExtListenDrops",
                                     "TcpExtTCPLossProbes",
                                     "TcpExtTCPTimeouts",
                                     "TcpExtTCPSynRetrans",
                                     "TcpExtTCPReqQFullDoCookies",
                                     "TcpExtTCPReqQFullDrop",
                                     "TcpExtTCPACKSkippedSynRecv",
                                     "TcpExtTCPSYNChallenge",
                                     "TcpExtTCPChallengeACK",
                                     "TcpExtTCPMigrateReqSuccess",
                                     "TcpExtTCPMigrateReqFailure"};
        static_assert(std::size(names) == backlog::kCounterCount);
        for (std::size_t i = 0; i < backlog::kCounterCount; ++i)
            QTest::newRow(names[i]) << static_cast<Counter>(i) << QByteArray(names[i]);
    }
    void counterName() {
        QFETCH(Counter, counter);
        QFETCH(QByteArray, expected);
        const std::string_view name = backlog::counterName(counter);
        QCOMPARE(QByteArray(name.data(), static_cast<qsizetype>(name.size())), expected);
    }

    void ssListening_data() {
        QTest::addColumn<std::vector<SsSocket>>("sockets");
        QTest::addColumn<QByteArray>("expected");

        // Header widths decide: "Local Address:" (14) and "Peer Address:" (13) are wider than "0.0.0.0:".
        QTest::newRow("one listener, port 80")
            << std::vector{listener(17, 4096, "0.0.0.0:80")}
            << QByteArray(kListenHeader) +
                   "LISTEN 17     4096         0.0.0.0:80        0.0.0.0:*          \n";
        // Captured: with no rows the State column is only as wide as its header.
        QTest::newRow("captured: no listener, header only")
            << std::vector<SsSocket>{}
            << QByteArray("State Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n");
        QTest::newRow("captured: three listeners")
            << std::vector{listener(0, 511, "0.0.0.0:8081"), listener(16, 4096, "127.0.0.1:8080"),
                           listener(0, 128, "0.0.0.0:2024")}
            << QByteArray(kListenHeader) +
                   "LISTEN 0      511          0.0.0.0:8081      0.0.0.0:*          \n"
                   "LISTEN 16     4096       127.0.0.1:8080      0.0.0.0:*          \n"
                   "LISTEN 0      128          0.0.0.0:2024      0.0.0.0:*          \n";
        QTest::newRow("captured: IPv6 and dual-stack")
            << std::vector{listener(0, 511, "0.0.0.0:8090"), listener(0, 511, "[::]:8090", "[::]:*"),
                           listener(0, 0, "*:8091", "*:*")}
            << QByteArray(kListenHeader) +
                   "LISTEN 0      511          0.0.0.0:8090      0.0.0.0:*          \n"
                   "LISTEN 0      511             [::]:8090         [::]:*          \n"
                   "LISTEN 0      0                  *:8091            *:*          \n";
        QTest::newRow("captured: only LISTEN sockets are shown")
            << std::vector{sock(TcpState::FinWait2, 0, 0, "127.0.0.1:8080", "127.0.0.1:33364"),
                           sock(TcpState::CloseWait, 1001, 0, "127.0.0.1:33364", "127.0.0.1:8080"),
                           listener(1, 4096, "127.0.0.1:8080"),
                           sock(TcpState::TimeWait, 0, 0, "127.0.0.1:33348", "127.0.0.1:8080")}
            << QByteArray(kListenHeader) +
                   "LISTEN 1      4096       127.0.0.1:8080      0.0.0.0:*          \n";
        // A queue length wider than "%-6d" widens its column: 7 digits + the one-space delimiter.
        QTest::newRow("seven-digit Recv-Q")
            << std::vector{listener(1234567, 4096, "0.0.0.0:80")}
            << QByteArray("State  Recv-Q  Send-Q Local Address:Port Peer Address:PortProcess\n"
                          "LISTEN 1234567 4096         0.0.0.0:80        0.0.0.0:*          \n");
    }
    void ssListening() {
        QFETCH(std::vector<SsSocket>, sockets);
        QFETCH(QByteArray, expected);
        QCOMPARE(bytes(backlog::formatSsListening(sockets)), expected);
    }

    void ssAll_data() {
        QTest::addColumn<std::vector<SsSocket>>("sockets");
        QTest::addColumn<QByteArray>("expected");

        // Captured (`ss -tan 'sport = :8080 or dport = :8080'`). The listener is handed over in the middle
        // and must still come first, as inet_diag dumps the listening hash first.
        QTest::newRow("captured: listener, children, TIME-WAIT")
            << std::vector{sock(TcpState::FinWait2, 0, 0, "127.0.0.1:8080", "127.0.0.1:33364"),
                           sock(TcpState::TimeWait, 0, 0, "127.0.0.1:33348", "127.0.0.1:8080"),
                           listener(1, 4096, "127.0.0.1:8080"),
                           sock(TcpState::CloseWait, 1001, 0, "127.0.0.1:33364", "127.0.0.1:8080"),
                           sock(TcpState::Established, 0, 0, "127.0.0.1:33376", "127.0.0.1:8080"),
                           sock(TcpState::Established, 5, 0, "127.0.0.1:8080", "127.0.0.1:33376")}
            << QByteArray("State      Recv-Q Send-Q Local Address:Port  Peer Address:Port Process\n"
                          "LISTEN     1      4096       127.0.0.1:8080       0.0.0.0:*           \n"
                          "FIN-WAIT-2 0      0          127.0.0.1:8080     127.0.0.1:33364       \n"
                          "TIME-WAIT  0      0          127.0.0.1:33348    127.0.0.1:8080        \n"
                          "CLOSE-WAIT 1001   0          127.0.0.1:33364    127.0.0.1:8080        \n"
                          "ESTAB      0      0          127.0.0.1:33376    127.0.0.1:8080        \n"
                          "ESTAB      5      0          127.0.0.1:8080     127.0.0.1:33376       \n");
        // Captured: TCP_DEFER_ACCEPT keeps the server's request socket in SYN-RECV after the handshake;
        // the second client of a full backlog-0 listener stays in SYN-SENT (its SYN is dropped).
        QTest::newRow("captured: SYN-RECV and SYN-SENT")
            << std::vector{listener(0, 128, "127.0.0.1:8095"),
                           listener(1, 0, "127.0.0.1:8096"),
                           sock(TcpState::Established, 0, 0, "127.0.0.1:49234", "127.0.0.1:8096"),
                           sock(TcpState::SynSent, 0, 1, "127.0.0.1:49236", "127.0.0.1:8096"),
                           sock(TcpState::SynRecv, 0, 0, "127.0.0.1:8095", "127.0.0.1:44246"),
                           sock(TcpState::Established, 0, 0, "127.0.0.1:44246", "127.0.0.1:8095"),
                           sock(TcpState::Established, 0, 0, "127.0.0.1:8096", "127.0.0.1:49234")}
            << QByteArray("State    Recv-Q Send-Q Local Address:Port  Peer Address:Port Process\n"
                          "LISTEN   0      128        127.0.0.1:8095       0.0.0.0:*           \n"
                          "LISTEN   1      0          127.0.0.1:8096       0.0.0.0:*           \n"
                          "ESTAB    0      0          127.0.0.1:49234    127.0.0.1:8096        \n"
                          "SYN-SENT 0      1          127.0.0.1:49236    127.0.0.1:8096        \n"
                          "SYN-RECV 0      0          127.0.0.1:8095     127.0.0.1:44246       \n"
                          "ESTAB    0      0          127.0.0.1:44246    127.0.0.1:8095        \n"
                          "ESTAB    0      0          127.0.0.1:8096     127.0.0.1:49234       \n");
        // A spoofed SYN's request socket: the peer column grows to the widest address.
        QTest::newRow("wide spoofed peer")
            << std::vector{listener(0, 128, "10.0.0.1:80"),
                           sock(TcpState::SynRecv, 0, 0, "10.0.0.1:80", "198.51.100.23:40002"),
                           sock(TcpState::SynSent, 0, 1, "10.1.0.7:40003", "10.0.0.1:80")}
            << QByteArray("State    Recv-Q Send-Q Local Address:Port   Peer Address:Port Process\n"
                          "LISTEN   0      128         10.0.0.1:80          0.0.0.0:*           \n"
                          "SYN-RECV 0      0           10.0.0.1:80    198.51.100.23:40002       \n"
                          "SYN-SENT 0      1           10.1.0.7:40003      10.0.0.1:80          \n");
    }
    void ssAll() {
        QFETCH(std::vector<SsSocket>, sockets);
        QFETCH(QByteArray, expected);
        QCOMPARE(bytes(backlog::formatSsAll(sockets)), expected);
    }

    void nstatAllZeros() {
        const backlog::CounterValues zeros{};
        QCOMPARE(bytes(backlog::formatNstat(zeros)), QByteArray(kNstatZeros));
    }

    void nstatValue_data() {
        QTest::addColumn<Counter>("counter");
        QTest::addColumn<qint64>("value");
        QTest::addColumn<QByteArray>("expected"); // the whole line, or empty: the counter is not printed

        QTest::newRow("ListenOverflows")
            << Counter::TcpExtListenOverflows << qint64(129)
            << QByteArray("TcpExtListenOverflows           129                0.0\n");
        QTest::newRow("PassiveOpens")
            << Counter::TcpPassiveOpens << qint64(1)
            << QByteArray("TcpPassiveOpens                 1                  0.0\n");
        QTest::newRow("16 digits fill the value column")
            << Counter::TcpOutSegs << qint64(1234567890123456)
            << QByteArray("TcpOutSegs                      1234567890123456   0.0\n");
        QTest::newRow("17 digits push the rate right")
            << Counter::TcpInSegs << qint64(12345678901234567)
            << QByteArray("TcpInSegs                       12345678901234567   0.0\n");
        QTest::newRow("the longest name")
            << Counter::TcpExtTCPReqQFullDoCookies << qint64(3)
            << QByteArray("TcpExtTCPReqQFullDoCookies      3                  0.0\n");
        QTest::newRow("CurrEstab is a gauge nstat never prints")
            << Counter::TcpCurrEstab << qint64(7) << QByteArray();
    }
    void nstatValue() {
        QFETCH(Counter, counter);
        QFETCH(qint64, value);
        QFETCH(QByteArray, expected);
        backlog::CounterValues values{};
        values[static_cast<std::size_t>(counter)] = value;
        const QByteArray out = bytes(backlog::formatNstat(values));
        QCOMPARE(out.count('\n'), QByteArray(kNstatZeros).count('\n'));
        if (expected.isEmpty()) {
            QCOMPARE(out, QByteArray(kNstatZeros));
            QVERIFY(!out.contains("TcpCurrEstab"));
        } else {
            QVERIFY2(out.contains("\n" + expected), out.constData());
        }
    }

    // Every modelled counter (except the gauge) has its line in the kernel's table: a misspelt name there
    // would silently print 0 forever.
    void nstatShowsEveryModelledCounter_data() {
        QTest::addColumn<Counter>("counter");
        for (std::size_t i = 0; i < backlog::kCounterCount; ++i) {
            const auto c = static_cast<Counter>(i);
            if (c != Counter::TcpCurrEstab) QTest::newRow(backlog::counterName(c).data()) << c;
        }
    }
    void nstatShowsEveryModelledCounter() {
        QFETCH(Counter, counter);
        backlog::CounterValues values{};
        values[static_cast<std::size_t>(counter)] = 42;
        const std::string name(backlog::counterName(counter));
        const QByteArray line =
            QByteArray::fromStdString(name).leftJustified(32, ' ') + "42" + QByteArray(14, ' ') + "   0.0\n";
        QVERIFY(bytes(backlog::formatNstat(values)).contains("\n" + line));
    }
    // ---- ss -s, state counts --------------------------------------------------------------------------

    void ssSummaryTcp_data() {
        QTest::addColumn<TcpSockstat>("stat");
        QTest::addColumn<QByteArray>("expected");
        // Captured: /proc/net/sockstat "TCP: inuse 1 orphan 0 tw 0 alloc 1", no connection.
        QTest::newRow("captured: one listener")
            << sockstat(1, 0, 0, 1, 0)
            << QByteArray("TCP:   1 (estab 0, closed 0, orphaned 0, timewait 0)\n");
        // Captured: "TCP: inuse 6 orphan 0 tw 2 alloc 6", CurrEstab 4 (capturedSockets() and one more
        // listener).
        QTest::newRow("captured: closed = alloc - inuse + tw")
            << sockstat(6, 0, 2, 6, 4)
            << QByteArray("TCP:   8 (estab 4, closed 2, orphaned 0, timewait 2)\n");
        QTest::newRow("orphans and a reset child")
            << sockstat(5, 2, 1, 6, 1)
            << QByteArray("TCP:   7 (estab 1, closed 2, orphaned 2, timewait 1)\n");
        QTest::newRow("wide numbers are not padded")
            << sockstat(1000001, 0, 250000, 1000001, 1000000)
            << QByteArray("TCP:   1250001 (estab 1000000, closed 250000, orphaned 0, timewait 250000)\n");
    }
    void ssSummaryTcp() {
        QFETCH(TcpSockstat, stat);
        QFETCH(QByteArray, expected);
        QCOMPARE(bytes(backlog::formatSsSummaryTcp(stat)), expected);
    }

    void tcpSockstat_data() {
        QTest::addColumn<std::vector<SsSocket>>("sockets");
        QTest::addColumn<qint64>("closedHeld");
        QTest::addColumn<TcpSockstat>("expected");
        // The capture's /proc/net/sockstat, with the host's one other listener added to the list.
        std::vector<SsSocket> captured = capturedSockets();
        captured.push_back(listener(0, 128, "0.0.0.0:2024"));
        QTest::newRow("captured: the FIN-WAIT-2 of close() is a timewait sock")
            << captured << qint64(0) << sockstat(6, 0, 2, 6, 4);
        QTest::newRow("requests are not sockets, SYN-SENT is hashed")
            << std::vector{listener(0, 128, "10.0.0.1:80"),
                           sock(TcpState::SynRecv, 0, 0, "10.0.0.1:80", "10.1.0.1:1"),
                           sock(TcpState::SynRecv, 0, 0, "10.0.0.1:80", "10.1.0.1:2"),
                           sock(TcpState::SynSent, 0, 1, "10.1.0.1:3", "10.0.0.1:80")}
            << qint64(0) << sockstat(2, 0, 0, 2, 0);
        QTest::newRow("FIN-WAIT-1, LAST-ACK and CLOSING are orphans")
            << std::vector{sock(TcpState::FinWait1, 0, 1, "10.0.0.1:80", "10.1.0.1:1"),
                           sock(TcpState::LastAck, 0, 1, "10.0.0.1:80", "10.1.0.1:2"),
                           sock(TcpState::Closing, 0, 1, "10.0.0.1:80", "10.1.0.1:3"),
                           sock(TcpState::TimeWait, 0, 0, "10.0.0.1:80", "10.1.0.1:4"),
                           sock(TcpState::Established, 80, 0, "10.0.0.1:80", "10.1.0.1:5")}
            << qint64(0) << sockstat(4, 3, 1, 4, 1);
        QTest::newRow("a reset child still in the accept queue is allocated, not hashed")
            << std::vector{listener(1, 128, "0.0.0.0:80")} << qint64(1) << sockstat(1, 0, 0, 2, 0);
    }
    void tcpSockstat() {
        QFETCH(std::vector<SsSocket>, sockets);
        QFETCH(qint64, closedHeld);
        QFETCH(TcpSockstat, expected);
        const TcpSockstat s = backlog::tcpSockstat(sockets, closedHeld);
        QCOMPARE(s.inuse, expected.inuse);
        QCOMPARE(s.orphan, expected.orphan);
        QCOMPARE(s.tw, expected.tw);
        QCOMPARE(s.alloc, expected.alloc);
        QCOMPARE(s.currEstab, expected.currEstab);
    }

    void stateCounts_data() {
        QTest::addColumn<std::vector<SsSocket>>("sockets");
        QTest::addColumn<QByteArray>("expected");
        // Captured: `ss -tan 'sport = :8097 or dport = :8097' | awk 'NR>1 {print $1}' | sort | uniq -c`.
        QTest::newRow("captured")
            << capturedSockets()
            << QByteArray("      2 CLOSE-WAIT\n      2 ESTAB\n      2 FIN-WAIT-2\n      1 LISTEN\n");
        QTest::newRow("no socket: the header only, awk prints nothing")
            << std::vector<SsSocket>{} << QByteArray();
        std::vector<SsSocket> many(10, sock(TcpState::TimeWait, 0, 0, "10.0.0.1:80", "10.1.0.1:1"));
        for (TcpState st : {TcpState::SynSent, TcpState::SynRecv, TcpState::LastAck, TcpState::Listen,
                            TcpState::Closing, TcpState::FinWait1, TcpState::CloseWait})
            many.push_back(sock(st, 0, 0, "10.0.0.1:80", "10.1.0.1:2"));
        QTest::newRow("sorted as sort sorts them, counts right-aligned in 7")
            << many
            << QByteArray("      1 CLOSE-WAIT\n      1 CLOSING\n      1 FIN-WAIT-1\n      1 LAST-ACK\n      "
                          "1 LISTEN\n"
                          "      1 SYN-RECV\n      1 SYN-SENT\n     10 TIME-WAIT\n");
    }
    void stateCounts() {
        QFETCH(std::vector<SsSocket>, sockets);
        QFETCH(QByteArray, expected);
        QCOMPARE(bytes(backlog::formatStateCounts(sockets)), expected);
    }

    // The server of the small run at 1 s: the three served connections wait in TIME-WAIT (the server closed
    // first), and the fourth client has not retransmitted its SYN yet; at 40 ms three children wait in the
    // accept queue.
    void tcpSockstatAtFollowsTheServer() {
        const auto sim = backlog::test::load(kSmallQueue);
        QVERIFY(sim);
        sim->run();
        const Time t = Time::ms(1000);
        QCOMPARE(bytes(backlog::formatStateCounts(sim->ssAll(t))),
                 QByteArray("      1 LISTEN\n      3 TIME-WAIT\n"));
        QCOMPARE(bytes(backlog::formatSsSummaryTcp(backlog::tcpSockstatAt(*sim, t))),
                 QByteArray("TCP:   4 (estab 0, closed 3, orphaned 0, timewait 3)\n"));
        QCOMPARE(bytes(backlog::formatSsSummaryTcp(backlog::tcpSockstatAt(*sim, Time::ms(40)))),
                 QByteArray("TCP:   4 (estab 3, closed 0, orphaned 0, timewait 0)\n"));
    }

    // ---- nstat increments ----------------------------------------------------------------------------

    void nstatIncrements_data() {
        QTest::addColumn<Counts>("before");
        QTest::addColumn<Counts>("now");
        QTest::addColumn<Time>("interval");
        QTest::addColumn<bool>("zeros");
        QTest::addColumn<QByteArray>("expected"); // the whole output, or a line of it when `zeros`

        QTest::newRow("nothing moved: the header only")
            << Counts{} << Counts{} << Time::s(2) << false << QByteArray("#kernel\n");
        QTest::newRow("only what moved, with its rate")
            << Counts{{Counter::TcpExtListenOverflows, 10},
                      {Counter::TcpExtListenDrops, 10},
                      {Counter::TcpInSegs, 7}}
            << Counts{{Counter::TcpExtListenOverflows, 139},
                      {Counter::TcpExtListenDrops, 139},
                      {Counter::TcpInSegs, 7}}
            << Time::s(2) << false
            << QByteArray("#kernel\n"
                          "TcpExtListenOverflows           129               64.5\n"
                          "TcpExtListenDrops               129               64.5\n");
        QTest::newRow("kernel order, rate to a tenth")
            << Counts{} << Counts{{Counter::TcpExtSyncookiesSent, 1}, {Counter::TcpPassiveOpens, 2}}
            << Time::s(3) << false
            << QByteArray("#kernel\n"
                          "TcpPassiveOpens                 2                  0.7\n"
                          "TcpExtSyncookiesSent            1                  0.3\n");
        // nstat's daemon: 10 * 1000.0 / 1600 ms = 6.25 exactly; glibc's "%6.1f" rounds the tie to even.
        QTest::newRow("a tie rounds to even, as printf does")
            << Counts{} << Counts{{Counter::TcpExtTCPTimeouts, 10}} << Time::ms(1600) << false
            << QByteArray("#kernel\n"
                          "TcpExtTCPTimeouts               10                 6.2\n");
        QTest::newRow("a rate of 10000 or more widens the column")
            << Counts{} << Counts{{Counter::TcpExtTCPReqQFullDoCookies, 1234567}} << Time::ms(100) << false
            << QByteArray("#kernel\n"
                          "TcpExtTCPReqQFullDoCookies      1234567         12345670.0\n");
        QTest::newRow("no interval: the 0.0 of nstat without its daemon")
            << Counts{} << Counts{{Counter::TcpActiveOpens, 5}} << Time() << false
            << QByteArray("#kernel\n"
                          "TcpActiveOpens                  5                  0.0\n");
        QTest::newRow("CurrEstab is never printed") << Counts{} << Counts{{Counter::TcpCurrEstab, 3}}
                                                    << Time::s(1) << false << QByteArray("#kernel\n");
        QTest::newRow("a counter that went down is hidden without -z")
            << Counts{{Counter::TcpOutRsts, 5}} << Counts{{Counter::TcpOutRsts, 3}} << Time::s(1) << false
            << QByteArray("#kernel\n");
        QTest::newRow("-z: a counter that went down prints 0 and (overflow)")
            << Counts{{Counter::TcpOutRsts, 5}} << Counts{{Counter::TcpOutRsts, 3}} << Time::s(1) << true
            << QByteArray("\nTcpOutRsts                      0                  0.0 (overflow)\n");
        QTest::newRow("-z: zeros too")
            << Counts{} << Counts{{Counter::TcpExtEmbryonicRsts, 4}} << Time::s(8) << true
            << QByteArray("\nTcpExtEmbryonicRsts             4                  0.5\n");
    }
    void nstatIncrements() {
        QFETCH(Counts, before);
        QFETCH(Counts, now);
        QFETCH(Time, interval);
        QFETCH(bool, zeros);
        QFETCH(QByteArray, expected);
        const QByteArray out =
            bytes(backlog::formatNstatIncrements(counters(now), counters(before), interval, zeros));
        if (!zeros) {
            QCOMPARE(out, expected);
            return;
        }
        QVERIFY2(out.contains(expected), out.constData());
        QCOMPARE(out.count('\n'), QByteArray(kNstatZeros).count('\n')); // every counter, as nstat -az
    }

    // With -z and nothing moved, the increments look exactly like `nstat -az` on an idle host.
    void nstatIncrementsWithZerosOfNothing() {
        const backlog::CounterValues some =
            counters({{Counter::TcpInSegs, 12}, {Counter::TcpExtListenDrops, 3}});
        QCOMPARE(bytes(backlog::formatNstatIncrements(some, some, Time::s(1), true)),
                 QByteArray(kNstatZeros));
    }

    // Between any two moments of a run, each printed increment is the counter's difference, and every
    // counter that moved (but the gauge) is printed.
    void nstatIncrementsEqualCounterDifferences_data() {
        QTest::addColumn<QByteArray>("scenario");
        QTest::addColumn<Time>("from");
        QTest::addColumn<Time>("to");
        QTest::newRow("flood: first 100 ms") << QByteArray(kCookieFlood) << Time() << Time::ms(100);
        QTest::newRow("flood: a step in the middle")
            << QByteArray(kCookieFlood) << Time::ms(120) << Time::ms(470);
        QTest::newRow("flood: after it") << QByteArray(kCookieFlood) << Time::ms(400) << Time::s(2);
        QTest::newRow("small queue: the drop") << QByteArray(kSmallQueue) << Time::ms(25) << Time::ms(35);
        QTest::newRow("small queue: retransmission") << QByteArray(kSmallQueue) << Time::ms(35) << Time::s(2);
    }
    void nstatIncrementsEqualCounterDifferences() {
        QFETCH(QByteArray, scenario);
        QFETCH(Time, from);
        QFETCH(Time, to);
        const auto sim = backlog::test::load(scenario.toStdString());
        QVERIFY(sim);
        sim->run();
        const backlog::CounterValues a = sim->history().countersAt(backlog::Host::Server, from);
        const backlog::CounterValues b = sim->history().countersAt(backlog::Host::Server, to);
        const QString out = QString::fromStdString(backlog::formatNstatIncrements(b, a, to - from));
        QStringList lines = out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.takeFirst(), QStringLiteral("#kernel"));
        std::map<std::string, std::int64_t> printed;
        for (const QString& line : lines) {
            const QStringList fields = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
            QCOMPARE(fields.size(), 3);
            printed[fields[0].toStdString()] = fields[1].toLongLong();
            // The rate: the increment per second, to a tenth.
            const double rate =
                static_cast<double>(fields[1].toLongLong()) * 1e9 / static_cast<double>((to - from).count());
            QVERIFY2(std::abs(fields[2].toDouble() - rate) <= 0.05 + 1e-9, qPrintable(line));
        }
        int moved = 0;
        for (std::size_t i = 0; i < backlog::kCounterCount; ++i) {
            const auto c = static_cast<Counter>(i);
            const std::int64_t diff = b[i] - a[i];
            if (c == Counter::TcpCurrEstab || diff == 0) {
                QVERIFY(!printed.count(std::string(backlog::counterName(c))));
                continue;
            }
            ++moved;
            QCOMPARE(printed[std::string(backlog::counterName(c))], diff);
        }
        QVERIFY(moved > 0);
        QCOMPARE(static_cast<int>(printed.size()), moved);
    }

    // ---- sysctl ----------------------------------------------------------------------------------------

    void sysctlText_data() {
        QTest::addColumn<QByteArray>("version");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("6.18 defaults") << QByteArray("6.18")
                                       << QByteArray("net.core.somaxconn = 4096\n"
                                                     "net.ipv4.tcp_max_syn_backlog = 2048\n"
                                                     "net.ipv4.tcp_syncookies = 1\n"
                                                     "net.ipv4.tcp_synack_retries = 5\n"
                                                     "net.ipv4.tcp_syn_retries = 6\n"
                                                     "net.ipv4.tcp_syn_linear_timeouts = 4\n"
                                                     "net.ipv4.tcp_abort_on_overflow = 0\n"
                                                     "net.ipv4.tcp_migrate_req = 0\n");
        // 4.15 has neither tcp_syn_linear_timeouts (6.5) nor tcp_migrate_req (5.14): sysctl says so in place.
        QTest::newRow("4.15: somaxconn 128, two files missing")
            << QByteArray("4.15")
            << QByteArray(
                   "net.core.somaxconn = 128\n"
                   "net.ipv4.tcp_max_syn_backlog = 2048\n"
                   "net.ipv4.tcp_syncookies = 1\n"
                   "net.ipv4.tcp_synack_retries = 5\n"
                   "net.ipv4.tcp_syn_retries = 6\n"
                   "sysctl: cannot stat /proc/sys/net/ipv4/tcp_syn_linear_timeouts: No such file or "
                   "directory\n"
                   "net.ipv4.tcp_abort_on_overflow = 0\n"
                   "sysctl: cannot stat /proc/sys/net/ipv4/tcp_migrate_req: No such file or directory\n");
    }
    void sysctlText() {
        QFETCH(QByteArray, version);
        QFETCH(QByteArray, expected);
        const auto s = backlog::test::scenarioOf("kernel: { version: \"" + version.toStdString() + "\" }\n");
        QVERIFY(s);
        const auto values = backlog::sysctlValues(s->kernel);
        QCOMPARE(bytes(backlog::formatSysctl(values)), expected);
        QCOMPARE(bytes(backlog::sysctlCommand(values)),
                 QByteArray(
                     "sysctl net.core.somaxconn net.ipv4.tcp_max_syn_backlog net.ipv4.tcp_syncookies "
                     "net.ipv4.tcp_synack_retries net.ipv4.tcp_syn_retries net.ipv4.tcp_syn_linear_timeouts "
                     "net.ipv4.tcp_abort_on_overflow net.ipv4.tcp_migrate_req"));
    }

    // Every sysctl a scenario can set is printed, in settingKeys() order: a key added to Settings.cpp
    // without a line here would silently be missing from the panel.
    void sysctlCoversEverySettingKey() {
        QStringList expected;
        for (const std::string& key : backlog::settingKeys())
            if (key.starts_with("net.")) expected << QString::fromStdString(key);
        QStringList names;
        for (const backlog::SysctlValue& v : backlog::sysctlValues(backlog::KernelSettings{}))
            names << QString::fromStdString(v.name);
        QCOMPARE(names, expected);
    }

    // The kernel settings in force follow the scenario's timed `set` events (and a change made during the
    // run, as a lesson step makes it); a change at exactly t counts, and same-time changes apply in order.
    void sysctlFollowsTimedSet_data() {
        QTest::addColumn<Time>("t");
        QTest::addColumn<QByteArray>("somaxconn");
        QTest::addColumn<QByteArray>("syncookies");
        QTest::addColumn<QByteArray>("abortOnOverflow");
        QTest::newRow("start") << Time() << QByteArray("4096") << QByteArray("1") << QByteArray("0");
        QTest::newRow("1 ns before the set")
            << Time::s(2) - Time::ns(1) << QByteArray("4096") << QByteArray("1") << QByteArray("0");
        QTest::newRow("at the set: both, in order")
            << Time::s(2) << QByteArray("32") << QByteArray("2") << QByteArray("0");
        QTest::newRow("a change made during the run")
            << Time::s(3) << QByteArray("32") << QByteArray("0") << QByteArray("0");
        QTest::newRow("the last set") << Time::s(5) << QByteArray("32") << QByteArray("0") << QByteArray("1");
    }
    void sysctlFollowsTimedSet() {
        QFETCH(Time, t);
        QFETCH(QByteArray, somaxconn);
        QFETCH(QByteArray, syncookies);
        QFETCH(QByteArray, abortOnOverflow);
        const auto sim = backlog::test::load(kSmallQueue);
        QVERIFY(sim);
        sim->run();
        QVERIFY(!sim->changeAt(Time::s(3), "net.ipv4.tcp_syncookies", "0"));
        const QByteArray out = bytes(
            backlog::formatSysctl(backlog::sysctlValues(backlog::kernelSettingsAt(sim->scenario(), t))));
        QVERIFY2(out.contains("net.core.somaxconn = " + somaxconn + "\n"), out.constData());
        QVERIFY2(out.contains("net.ipv4.tcp_syncookies = " + syncookies + "\n"), out.constData());
        QVERIFY2(out.contains("net.ipv4.tcp_abort_on_overflow = " + abortOnOverflow + "\n"), out.constData());
    }

    // ---- kprobes ---------------------------------------------------------------------------------------

    void tracePipe_data() {
        QTest::addColumn<std::vector<ProbeHit>>("hits");
        QTest::addColumn<bool>("withListener");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("nothing yet") << std::vector<ProbeHit>{} << false << QByteArray();
        QTest::newRow("softirq and process context")
            << std::vector{hit(Time::us(500), KernelProbe::TcpConnRequest, 0, 128, 1),
                           hit(Time::us(1500), KernelProbe::InetCskReqskQueueAdd, 1, 128, 0),
                           hit(Time::ms(50), KernelProbe::InetCskAccept, 0, 128, 0)}
            << false
            << QByteArray(
                   "          <idle>-0       [000] ..s2.     0.000500: bpf_trace_printk: tcp_conn_request: "
                   "sk_ack_backlog=0 sk_max_ack_backlog=128 qlen=1\n"
                   "          <idle>-0       [000] ..s2.     0.001500: bpf_trace_printk: "
                   "inet_csk_reqsk_queue_add: "
                   "sk_ack_backlog=1 sk_max_ack_backlog=128 qlen=0\n"
                   "          server-1000    [000] ...11     0.050000: bpf_trace_printk: inet_csk_accept: "
                   "sk_ack_backlog=0 sk_max_ack_backlog=128 qlen=0\n");
        // ns2usecs() truncates; seconds past 99999 widen the " %5lu" field.
        QTest::newRow("microseconds truncated, wide seconds")
            << std::vector{hit(Time::ns(12'345'678'999), KernelProbe::TcpConnRequest, 129, 128, 129),
                           hit(Time::s(123456) + Time::us(1), KernelProbe::InetCskAccept, 128, 128, 0)}
            << false
            << QByteArray(
                   "          <idle>-0       [000] ..s2.    12.345678: bpf_trace_printk: tcp_conn_request: "
                   "sk_ack_backlog=129 sk_max_ack_backlog=128 qlen=129\n"
                   "          server-1000    [000] ...11 123456.000001: bpf_trace_printk: inet_csk_accept: "
                   "sk_ack_backlog=128 sk_max_ack_backlog=128 qlen=0\n");
        QTest::newRow("a listener of a group")
            << std::vector{hit(Time::s(2), KernelProbe::InetCskReqskQueueAdd, 3, 16, 2, 1)} << true
            << QByteArray("          <idle>-0       [000] ..s2.     2.000000: bpf_trace_printk: "
                          "inet_csk_reqsk_queue_add: "
                          "listener=1 sk_ack_backlog=3 sk_max_ack_backlog=16 qlen=2\n");
    }
    void tracePipe() {
        QFETCH(std::vector<ProbeHit>, hits);
        QFETCH(bool, withListener);
        QFETCH(QByteArray, expected);
        QCOMPARE(bytes(backlog::formatTracePipe(hits, withListener)), expected);
    }

    // The small run, probe by probe: each SYN's request (qlen 1), its child joining the accept queue when
    // the ACK lands one RTT later, the queue reaching 3 = backlog + 1 (Q1), the fourth SYN meeting the full
    // queue (S2: dropped, nothing changes), then the worker taking one every 100 ms from 50 ms on.
    void probeLogOfTheSmallQueue_data() {
        QTest::addColumn<Time>("t");
        QTest::addColumn<QByteArray>("expected");
        const QByteArray all = "          <idle>-0       [000] ..s2.     0.000500: bpf_trace_printk: "
                               "tcp_conn_request: sk_ack_backlog=0 sk_max_ack_backlog=2 qlen=1\n"
                               "          <idle>-0       [000] ..s2.     0.001500: bpf_trace_printk: "
                               "inet_csk_reqsk_queue_add: sk_ack_backlog=1 sk_max_ack_backlog=2 qlen=0\n"
                               "          <idle>-0       [000] ..s2.     0.010500: bpf_trace_printk: "
                               "tcp_conn_request: sk_ack_backlog=1 sk_max_ack_backlog=2 qlen=1\n"
                               "          <idle>-0       [000] ..s2.     0.011500: bpf_trace_printk: "
                               "inet_csk_reqsk_queue_add: sk_ack_backlog=2 sk_max_ack_backlog=2 qlen=0\n"
                               "          <idle>-0       [000] ..s2.     0.020500: bpf_trace_printk: "
                               "tcp_conn_request: sk_ack_backlog=2 sk_max_ack_backlog=2 qlen=1\n"
                               "          <idle>-0       [000] ..s2.     0.021500: bpf_trace_printk: "
                               "inet_csk_reqsk_queue_add: sk_ack_backlog=3 sk_max_ack_backlog=2 qlen=0\n"
                               "          <idle>-0       [000] ..s2.     0.030500: bpf_trace_printk: "
                               "tcp_conn_request: sk_ack_backlog=3 sk_max_ack_backlog=2 qlen=0\n"
                               "          server-1000    [000] ...11     0.050000: bpf_trace_printk: "
                               "inet_csk_accept: sk_ack_backlog=2 sk_max_ack_backlog=2 qlen=0\n"
                               "          server-1000    [000] ...11     0.150000: bpf_trace_printk: "
                               "inet_csk_accept: sk_ack_backlog=1 sk_max_ack_backlog=2 qlen=0\n"
                               "          server-1000    [000] ...11     0.250000: bpf_trace_printk: "
                               "inet_csk_accept: sk_ack_backlog=0 sk_max_ack_backlog=2 qlen=0\n";
        QTest::newRow("before anything") << Time::us(499) << QByteArray();
        QTest::newRow("a hit at exactly t counts") << Time::us(500) << all.left(all.indexOf('\n') + 1);
        QTest::newRow("the drop") << Time::ms(40) << all.left(all.indexOf("          server"));
        QTest::newRow("after the last accept") << Time::ms(1000) << all;
    }
    void probeLogOfTheSmallQueue() {
        QFETCH(Time, t);
        QFETCH(QByteArray, expected);
        const auto sim = backlog::test::load(kSmallQueue);
        QVERIFY(sim);
        sim->run();
        QCOMPARE(bytes(backlog::formatTracePipe(backlog::probeHitsAt(*sim, t))), expected);
    }

    // Every enqueue and dequeue up to t is there, with the listener's lengths at that moment: one
    // tcp_conn_request per request made or cookie sent (no SYN is dropped in these runs), one
    // inet_csk_reqsk_queue_add per child (TcpPassiveOpens), one inet_csk_accept per accepted child.
    void probeHitsEqualQueueChanges_data() {
        QTest::addColumn<QByteArray>("scenario");
        QTest::addColumn<Time>("t");
        QTest::newRow("cookie flood, during") << QByteArray(kCookieFlood) << Time::ms(300);
        QTest::newRow("cookie flood, after") << QByteArray(kCookieFlood) << Time::s(2);
        QTest::newRow("clients with jitter") << QByteArray(kPlainClients) << Time::ms(700);
        QTest::newRow("clients with jitter, the end") << QByteArray(kPlainClients) << Time::s(3);
    }
    void probeHitsEqualQueueChanges() {
        QFETCH(QByteArray, scenario);
        QFETCH(Time, t);
        const auto sim = backlog::test::load(scenario.toStdString());
        QVERIFY(sim);
        sim->run();
        const backlog::History& h = sim->history();
        const std::vector<ProbeHit> hits = backlog::probeHitsAt(*sim, t, 100'000'000);
        std::map<KernelProbe, std::int64_t> seen;
        for (std::size_t i = 0; i < hits.size(); ++i) {
            const ProbeHit& p = hits[i];
            QVERIFY(p.at <= t);
            if (i > 0) QVERIFY(hits[i - 1].at <= p.at);
            const backlog::QueueLengths q = h.queueLengthsAt(p.listener, p.at);
            QCOMPARE(p.ackBacklog, q.accept);
            QCOMPARE(p.qlen, q.syn);
            QCOMPARE(p.maxAckBacklog, h.maxBacklogAt(p.listener, p.at));
            ++seen[p.probe];
        }
        std::int64_t requests = 0, children = 0, accepted = 0;
        for (const auto& queues : h.queues) {
            for (std::uint32_t s = 0; s < queues[0].size(); ++s)
                requests += queues[0].entry(s).entered <= t;
            for (std::uint32_t s = 0; s < queues[1].size(); ++s) {
                const backlog::QueueEntry e = queues[1].entry(s);
                children += e.entered <= t;
                accepted += e.reason == backlog::LeaveReason::Accepted && e.left <= t;
            }
        }
        const backlog::CounterValues c = h.countersAt(backlog::Host::Server, t);
        QCOMPARE(backlog::get(c, Counter::TcpExtListenDrops), std::int64_t{0});
        QCOMPARE(seen[KernelProbe::TcpConnRequest],
                 requests + backlog::get(c, Counter::TcpExtSyncookiesSent));
        QCOMPARE(seen[KernelProbe::InetCskReqskQueueAdd], children);
        QCOMPARE(children, backlog::get(c, Counter::TcpPassiveOpens));
        QCOMPARE(seen[KernelProbe::InetCskAccept], accepted);
        QVERIFY(accepted > 0);
    }

    // A flood makes thousands of hits; the log keeps the last 200, exactly the tail of the whole log, and
    // finds them by looking back only a few milliseconds.
    void probeLogKeepsTheLastLines_data() {
        QTest::addColumn<Time>("t");
        QTest::addColumn<int>("limit");
        QTest::newRow("200 during the flood") << Time::ms(300) << 200;
        QTest::newRow("200 just after it") << Time::ms(505) << 200;
        QTest::newRow("200 long after") << Time::s(2) << 200;
        QTest::newRow("7") << Time::ms(250) << 7;
    }
    void probeLogKeepsTheLastLines() {
        QFETCH(Time, t);
        QFETCH(int, limit);
        const auto sim = backlog::test::load(kCookieFlood);
        QVERIFY(sim);
        sim->run();
        const std::vector<ProbeHit> all = backlog::probeHitsAt(*sim, t, 100'000'000);
        QVERIFY(all.size() > 1000);
        const std::vector<ProbeHit> last = backlog::probeHitsAt(*sim, t, static_cast<std::size_t>(limit));
        QCOMPARE(static_cast<int>(last.size()), limit);
        QVERIFY(sameHits(last, std::vector<ProbeHit>(all.end() - limit, all.end())));
        QCOMPARE(bytes(backlog::formatTracePipe(last)).count('\n'), limit);
    }

    void kernelProbeNames() {
        const auto name = [](KernelProbe p) {
            const std::string_view n = backlog::kernelProbeName(p);
            return QByteArray(n.data(), static_cast<qsizetype>(n.size()));
        };
        QCOMPARE(name(KernelProbe::TcpConnRequest), QByteArray("tcp_conn_request"));
        QCOMPARE(name(KernelProbe::InetCskReqskQueueAdd), QByteArray("inet_csk_reqsk_queue_add"));
        QCOMPARE(name(KernelProbe::InetCskAccept), QByteArray("inet_csk_accept"));
    }
};

QTEST_APPLESS_MAIN(TestKernelTools)
#include "tst_kerneltools.moc"
