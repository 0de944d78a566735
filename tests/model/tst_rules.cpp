// One test per lettered rule of shared/KERNEL.md section 3 (L, Q, S, A, K, T, D, P, R, X), plus the
// version profiles of section 5 and the counter definitions of section 4. Each test builds small
// scenarios from YAML text, runs the model and reads the History, and checks what KERNEL.md says.
// The measured M-rules, the worked scenarios of section 7 and determinism are in tst_measured.cpp.
//
// Timing: kernel timers fire late (M11). Every timer-driven time is checked against a window
// [nominal, nominal + the largest lateness M11 allows, summed over the chain of timers]; see
// timerSlack(). Network delays are exact (no jitter), so times that follow from one packet are exact.
#include "tests/common/ModelTest.h"
#include "model/core/Counters.h"
#include "model/history/History.h"
#include "model/tools/KernelTools.h"
#include "model/core/Packet.h"
#include "model/scenario/Scenario.h"
#include "model/scenario/ScenarioReader.h"
#include "model/kernel/Simulation.h"
#include "model/core/Tcp.h"
#include "model/core/Time.h"

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

using backlog::ClientError;
using backlog::ClientRecord;
using backlog::Counter;
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
using backlog::SsSocket;
using backlog::TcpState;
using backlog::Time;
using backlog::WorkerState;


namespace {

using I64 = std::int64_t;

constexpr Time ms(I64 v) { return Time::ms(v); }
constexpr Time sec(I64 v) { return Time::s(v); }
constexpr Time kEnd = Time::s(24 * 3600); // after everything any scenario here does

// ------------------------------------------------------------------------------------ scenarios

// A scenario file written from a few parameters. Defaults: kernel 6.18, a 100 µs round trip
// (loopback-like), backlog 128, one listener, no worker (nothing is ever accepted).
class ScenarioText {
public:
    ScenarioText& version(std::string v) { version_ = std::move(v); return *this; }
    ScenarioText& hz(int v) { hz_ = v; return *this; }
    ScenarioText& sysctl(const std::string& name, I64 value) {
        kernel_.push_back(name + ": " + std::to_string(value));
        return *this;
    }
    ScenarioText& rtt(std::string v) { rtt_ = std::move(v); return *this; }
    ScenarioText& backlog(I64 v) { backlog_ = v; return *this; }
    ScenarioText& listeners(int v) { listeners_ = v; return *this; }
    ScenarioText& workers(int count, std::string accept = "blocking", std::string service = "1ms",
                          std::string start = "0s") {
        workers_ = count;
        accept_ = std::move(accept);
        service_ = std::move(service);
        start_ = std::move(start);
        return *this;
    }
    ScenarioText& clients(const std::string& name, int count, const std::string& at = "0s",
                          const std::string& spacing = "1ms", bool send = true) {
        traffic_.push_back("{ name: " + name + ", clients: " + std::to_string(count) + ", at: " + at +
                           ", spacing: " + spacing + ", send: " + (send ? "true" : "false") + " }");
        return *this;
    }
    ScenarioText& flood(const std::string& name, const std::string& rate, const std::string& from,
                        const std::string& to, bool routable = true) {
        traffic_.push_back("{ name: " + name + ", flood: { rate: " + rate + ", from: " + from + ", to: " + to +
                           ", routable: " + (routable ? "true" : "false") + " } }");
        return *this;
    }
    // network.faults: drop one kind of segment (syn, synack, client-acks, data, all) of one traffic
    // entry (or everyone, with `of` empty) from `from` to `to` (or to the end).
    ScenarioText& fault(const std::string& drop, const std::string& of, const std::string& from,
                        const std::string& to = {}) {
        std::string f = "{ drop: " + drop + (of.empty() ? "" : ", of: " + of) + ", from: " + from;
        faults_.push_back(f + (to.empty() ? "" : ", to: " + to) + " }");
        return *this;
    }
    ScenarioText& set(const std::string& at, const std::string& key, const std::string& value) {
        events_.push_back("{ at: " + at + ", set: { " + key + ": " + value + " } }");
        return *this;
    }
    ScenarioText& closeListener(const std::string& at, int listener) {
        events_.push_back("{ at: " + at + ", close-listener: " + std::to_string(listener) + " }");
        return *this;
    }
    ScenarioText& until(std::string v) { until_ = std::move(v); return *this; }
    ScenarioText& seed(int v) { seed_ = v; return *this; }

    std::string yaml() const {
        std::string y = "title: \"tst_rules\"\nkernel:\n  version: \"" + version_ + "\"\n";
        if (hz_ > 0) y += "  hz: " + std::to_string(hz_) + "\n";
        for (const std::string& k : kernel_) y += "  " + k + "\n";
        y += "network:\n  rtt: " + rtt_ + "\n";
        if (!faults_.empty()) {
            y += "  faults:\n";
            for (const std::string& f : faults_) y += "    - " + f + "\n";
        }
        y += "server:\n  backlog: " + std::to_string(backlog_) + "\n  listeners: " + std::to_string(listeners_) +
             "\n  workers:\n    count: " + std::to_string(workers_) + "\n    accept: " + accept_ +
             "\n    start: " + start_ + "\n    service: " + service_ + "\n";
        y += "traffic:\n";
        for (const std::string& t : traffic_) y += "  - " + t + "\n";
        if (!events_.empty()) {
            y += "events:\n";
            for (const std::string& e : events_) y += "  - " + e + "\n";
        }
        y += "seed: " + std::to_string(seed_) + "\n";
        if (!until_.empty()) y += "until: " + until_ + "\n";
        return y;
    }

private:
    std::string version_ = "6.18";
    int hz_ = 0; // 0: the default (250)
    std::vector<std::string> kernel_;
    std::string rtt_ = "100us";
    I64 backlog_ = 128;
    int listeners_ = 1;
    int workers_ = 0;
    std::string accept_ = "blocking";
    std::string service_ = "1ms";
    std::string start_ = "0s";
    std::vector<std::string> traffic_;
    std::vector<std::string> faults_;
    std::vector<std::string> events_;
    std::string until_;
    int seed_ = 1;
};

// Reads and runs a scenario; on a refused text, prints the errors and the text and returns nullptr.
std::unique_ptr<Simulation> simulate(const ScenarioText& text) {
    const std::string yaml = text.yaml();
    const backlog::ReadResult read = backlog::readScenarioText(yaml, "test");
    if (!read.errors.empty() || !read.scenario) {
        for (const backlog::ReadError& e : read.errors) qWarning("%s", e.text().c_str());
        qWarning("%s", yaml.c_str());
        return nullptr;
    }
    auto sim = std::make_unique<Simulation>(*read.scenario);
    sim->run();
    return sim;
}

#define SIMULATE(name, text)                                               \
    const std::unique_ptr<Simulation> name = simulate(text);               \
    QVERIFY2(name != nullptr, "the scenario text was refused (see above)")

// The reader's verdict on a scenario text, without running it.
std::vector<std::string> readErrors(const ScenarioText& text) {
    std::vector<std::string> out;
    for (const backlog::ReadError& e : backlog::readScenarioText(text.yaml(), "test").errors) out.push_back(e.text());
    return out;
}

// ------------------------------------------------------------------------------------ reading a run

I64 serverCounter(const Simulation& sim, Counter c, Time at = kEnd) {
    return backlog::get(sim.history().countersAt(Host::Server, at), c);
}

I64 clientCounter(const Simulation& sim, Counter c, Time at = kEnd) {
    return backlog::get(sim.history().countersAt(Host::Clients, at), c);
}

// When a counter first reached `value` (never if it did not).
Time counterReached(const Simulation& sim, Host host, Counter c, I64 value) {
    for (const auto& [at, v] : sim.history().counters[static_cast<std::size_t>(host)].series(c))
        if (v >= value) return at;
    return Time::never();
}

std::vector<Packet> packets(const History& h, const std::function<bool(const Packet&)>& keep) {
    std::vector<Packet> out;
    for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
        const Packet p = h.packet(i);
        if (keep(p)) out.push_back(p);
    }
    return out;
}

// The segments of one flow, of one kind, in one direction, in the order they were sent.
std::vector<Packet> flowPackets(const History& h, FlowId flow, PacketKind kind, bool toServer) {
    return packets(h, [&](const Packet& p) { return p.flow == flow && p.kind == kind && p.toServer == toServer; });
}

// Every stay a queue of a listener ever had (present, left, or migrated away).
std::vector<QueueEntry> stays(const History& h, int listener, QueueKind q) {
    const backlog::StayTrack& track = h.queues[static_cast<std::size_t>(listener)][static_cast<std::size_t>(q)];
    std::vector<QueueEntry> out;
    for (std::uint32_t i = 0; i < track.size(); ++i) out.push_back(track.entry(i));
    return out;
}

std::vector<QueueEntry> staysOf(const History& h, int listeners, QueueKind q, FlowId flow) {
    std::vector<QueueEntry> out;
    for (int l = 0; l < listeners; ++l)
        for (const QueueEntry& e : stays(h, l, q))
            if (e.flow == flow) out.push_back(e);
    return out;
}

// The client ids (= flow ids) of one traffic entry, in connect() order.
std::vector<FlowId> clientsOf(const History& h, std::uint32_t traffic) {
    std::vector<FlowId> out;
    for (FlowId c = 0; c < h.clients.size(); ++c)
        if (h.clients[c].traffic == traffic) out.push_back(c);
    return out;
}

int connectedBy(const History& h, Time t) {
    return static_cast<int>(std::count_if(h.clients.begin(), h.clients.end(), [t](const ClientRecord& c) {
        return !c.connectedAt.isNever() && c.connectedAt <= t;
    }));
}

// When the server's socket for a client first reached `state` (never if it did not).
Time serverStateSince(const History& h, FlowId c, TcpState state) {
    for (const auto& [at, st] : h.clients[c].serverStates)
        if (st == state) return at;
    return Time::never();
}

// The worker whose accept() returned each flow (-1: none).
std::map<FlowId, int> servedBy(const History& h) {
    std::map<FlowId, int> out;
    for (std::size_t w = 0; w < h.workers.size(); ++w)
        for (const backlog::WorkerRecord::Change& c : h.workers[w].changes)
            if (c.state == WorkerState::Serving && !out.count(c.flow)) out[c.flow] = static_cast<int>(w);
    return out;
}

// ------------------------------------------------------------------------------------ M11 tolerances

// The latest a kernel timer armed for `delay` can fire after it was due (M11): it lands on the wheel
// level whose range holds the delay (level n: from 63·8^(n−1) jiffies, granularity 8^n jiffies) and is
// rounded up to that level's next boundary; one more jiffy covers a delay that is not a whole number
// of jiffies and the arming instant falling inside a jiffy.
Time timerSlack(Time delay, int hz) {
    const I64 jiffies = (delay.count() * hz + 999'999'999) / 1'000'000'000;
    I64 granule = 1;
    for (I64 start = 63; jiffies >= start; start *= 8) granule *= 8;
    return Time::ns(((granule + 1) * 1'000'000'000 + hz - 1) / hz);
}

struct Window {
    Time lo;
    Time hi;
};

// A chain of timers, each armed when the previous one fired, due at the cumulative times given (in
// seconds from the start): the window of each firing. Lateness accumulates along the chain.
std::vector<Window> chainWindows(const QList<int>& cumulativeSeconds, int hz) {
    std::vector<Window> out;
    Time slack;
    int previous = 0;
    for (int at : cumulativeSeconds) {
        slack += timerSlack(sec(at - previous), hz);
        out.push_back({sec(at), sec(at) + slack});
        previous = at;
    }
    return out;
}

bool within(Time t, Time lo, Time hi) { return !t.isNever() && lo <= t && t <= hi; }

QByteArray windowMessage(const char* what, Time t, Time lo, Time hi) {
    return QByteArray(what) + " = " + QByteArray::fromStdString(t.isNever() ? "never" : backlog::formatSeconds(t)) +
           " s, expected within [" + QByteArray::fromStdString(backlog::formatSeconds(lo)) + ", " +
           QByteArray::fromStdString(backlog::formatSeconds(hi)) + "] s";
}

#define QVERIFY_WITHIN(actual, lo, hi) \
    QVERIFY2(within((actual), (lo), (hi)), windowMessage(#actual, (actual), (lo), (hi)).constData())

using backlog::test::str;

// Checks one request's SYN-ACKs and expiry against a schedule (seconds after its first SYN-ACK);
// returns what is wrong, or nothing.
QByteArray scheduleProblem(const History& h, FlowId flow, const QList<int>& retrans, int expiry, int hz, Time left) {
    const std::vector<Packet> synAcks = flowPackets(h, flow, PacketKind::SynAck, false);
    const QByteArray who = "flow " + QByteArray::number(flow) + ": ";
    if (synAcks.size() != std::size_t(1 + retrans.size()))
        return who + QByteArray::number(qulonglong(synAcks.size())) + " SYN-ACKs, expected " +
               QByteArray::number(1 + retrans.size());
    const Time first = synAcks[0].sent;
    QList<int> chain = retrans;
    chain.append(expiry);
    const std::vector<Window> w = chainWindows(chain, hz);
    for (std::size_t k = 0; k + 1 < synAcks.size(); ++k) {
        const Packet& a = synAcks[k + 1];
        if (int(a.retrans) != int(k + 1)) return who + "retransmission numbers out of order";
        if (!within(a.sent - first, w[k].lo, w[k].hi))
            return who + windowMessage("retransmission", a.sent - first, w[k].lo, w[k].hi);
    }
    if (!within(left - first, w.back().lo, w.back().hi)) return who + windowMessage("expiry", left - first, w.back().lo, w.back().hi);
    return {};
}

// A7a, A7b: two `late` clients whose final ACK (and, with `send`, first data) is lost until
// 300 ms sit in the SYN queue while three `early` clients fill the accept queue (backlog 2: three
// entries) from 100 ms. One worker starts accepting at 5 s and keeps each connection 100 s.
ScenarioText lateAckScenario(bool send, int abortOnOverflow) {
    ScenarioText t;
    t.rtt("1ms").backlog(2).workers(1, "blocking", "100s", "5s");
    t.sysctl("net.ipv4.tcp_abort_on_overflow", abortOnOverflow);
    t.clients("late", 2, "0s", "1ms", send).clients("early", 3, "100ms", "10ms", false);
    t.fault("client-acks", "late", "0s", "300ms");
    if (send) t.fault("data", "late", "0s", "300ms");
    return t;
}

} // namespace

class TestRules : public QObject {
    Q_OBJECT

private slots:
    // L — listen()
    void rule_L1_backlogClampedBySomaxconn_data();
    void rule_L1_backlogClampedBySomaxconn();
    void rule_L2_listenStartsWithEmptyQueues_data();
    void rule_L2_listenStartsWithEmptyQueues();
    void rule_L3_relistenOnlyUpdatesBacklog_data();
    void rule_L3_relistenOnlyUpdatesBacklog();
    // Q — queue predicates and ss
    void rule_Q1_acceptQueueHoldsBacklogPlusOne_data();
    void rule_Q1_acceptQueueHoldsBacklogPlusOne();
    void rule_Q2_synQueueCapacityFollowsBacklog_data();
    void rule_Q2_synQueueCapacityFollowsBacklog();
    void rule_Q3_ssShowsAcceptQueueAndBacklog_data();
    void rule_Q3_ssShowsAcceptQueueAndBacklog();
    // S — a SYN arrives at a listener
    void rule_S1_fullSynQueueCookieOrDrop_data();
    void rule_S1_fullSynQueueCookieOrDrop();
    void rule_S2_fullAcceptQueueDropsEverySyn_data();
    void rule_S2_fullAcceptQueueDropsEverySyn();
    void rule_S4_unroutableSourceCreatesNoRequest_data();
    void rule_S4_unroutableSourceCreatesNoRequest();
    void rule_S5_threeQuarterRuleWithoutCookies_data();
    void rule_S5_threeQuarterRuleWithoutCookies();
    void rule_S6_cookieSynAckKeepsNoState_data();
    void rule_S6_cookieSynAckKeepsNoState();
    void rule_S8_requestQueuedAndTimerArmed_data();
    void rule_S8_requestQueuedAndTimerArmed();
    void rule_S9_clientConnectsAfterOneRttOrRetransmits_data();
    void rule_S9_clientConnectsAfterOneRttOrRetransmits();
    // A — a segment for a request socket
    void rule_A1_duplicateSynResendsSynAck_data();
    void rule_A1_duplicateSynResendsSynAck();
    void rule_A4_clientRstKillsRequest_data();
    void rule_A4_clientRstKillsRequest();
    void rule_A7a_ackMeetingFullQueueIsIgnored_data();
    void rule_A7a_ackMeetingFullQueueIsIgnored();
    void rule_A7b_abortOnOverflowResets_data();
    void rule_A7b_abortOnOverflowResets();
    void rule_A8_childAppendedToAcceptQueue_data();
    void rule_A8_childAppendedToAcceptQueue();
    // K — an ACK at the listener without a request
    void rule_K1_cookieValidation_data();
    void rule_K1_cookieValidation();
    void rule_K2_ackWithoutRequestGetsRst_data();
    void rule_K2_ackWithoutRequestGetsRst();
    // T — timers
    void rule_T1_synAckScheduleExpiryAndPruning_data();
    void rule_T1_synAckScheduleExpiryAndPruning();
    void rule_T2_challengeAckDrivesRetry_data();
    void rule_T2_challengeAckDrivesRetry();
    void rule_T5_dataRtoFallsBackAfterRetransmittedHandshake_data();
    void rule_T5_dataRtoFallsBackAfterRetransmittedHandshake();
    void rule_T6_clientSynSchedule_data();
    void rule_T6_clientSynSchedule();
    // D — established, not yet accepted
    void rule_D1_unacceptedChildReceivesData_data();
    void rule_D1_unacceptedChildReceivesData();
    void rule_D3_D4_peerClosesBeforeAccept_data();
    void rule_D3_D4_peerClosesBeforeAccept();
    // P — accept() and wake-ups
    void rule_P1_acceptTakesTheHead_data();
    void rule_P1_acceptTakesTheHead();
    void rule_P2_blockingAcceptWakesOneInFifoOrder_data();
    void rule_P2_blockingAcceptWakesOneInFifoOrder();
    void rule_P3_epollWakesEveryIdleWatcher_data();
    void rule_P3_epollWakesEveryIdleWatcher();
    void rule_P_switchingAcceptModeKeepsAccepting_data();
    void rule_P_switchingAcceptModeKeepsAccepting();
    // R — SO_REUSEPORT
    void rule_R2_hashSplitsFlowsUnevenly_data();
    void rule_R2_hashSplitsFlowsUnevenly();
    void rule_R3_noFallbackToOtherListeners_data();
    void rule_R3_noFallbackToOtherListeners();
    void rule_R4_membershipChangeRemapsNewFlows_data();
    void rule_R4_membershipChangeRemapsNewFlows();
    void rule_R6_closedListenerResetsOrMigrates_data();
    void rule_R6_closedListenerResetsOrMigrates();
    // X
    void rule_X1_cookiesLetClientsPastFullSynQueue_data();
    void rule_X1_cookiesLetClientsPastFullSynQueue();
    // Section 5 (versions) and section 4 (what each counter counts)
    void section5_versionProfiles_data();
    void section5_versionProfiles();
    void section4_countersCountWhatTheyName_data();
    void section4_countersCountWhatTheyName();
};

// ============================================================================================ L

void TestRules::rule_L1_backlogClampedBySomaxconn_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("somaxconn");      // -1: the profile's default
    QTest::addColumn<int>("backlog");        // the listen() argument
    QTest::addColumn<int>("somaxconnLater"); // -1: unchanged; otherwise set right after listen()
    QTest::addColumn<int>("effective");      // sk_max_ack_backlog = Send-Q
    QTest::addColumn<bool>("fill");          // also fill the accept queue: effective + 1 entries

    QTest::newRow("backlog 128, somaxconn 4096 -> 128 (holds 129)") << "6.18" << -1 << 128 << -1 << 128 << true;
    QTest::newRow("backlog -1 -> somaxconn 64 (holds 65)") << "6.18" << 64 << -1 << -1 << 64 << true;
    QTest::newRow("backlog -1 -> default somaxconn 4096") << "6.18" << -1 << -1 << -1 << 4096 << false;
    QTest::newRow("backlog -2 -> somaxconn 32 (any negative)") << "6.18" << 32 << -2 << -1 << 32 << true;
    QTest::newRow("backlog 0 stays 0 (holds 1)") << "6.18" << -1 << 0 << -1 << 0 << true;
    QTest::newRow("backlog 1000, somaxconn 16 -> 16 (holds 17)") << "6.18" << 16 << 1000 << -1 << 16 << true;
    QTest::newRow("somaxconn 0 -> 0 (holds 1)") << "6.18" << 0 << 128 << -1 << 0 << true;
    QTest::newRow("backlog = somaxconn is not clamped") << "6.18" << 16 << 16 << -1 << 16 << true;
    QTest::newRow("4.15: default somaxconn 128 (backlog 1000 -> 128)") << "4.15" << -1 << 1000 << -1 << 128 << true;
    QTest::newRow("4.15: backlog -1 -> 128") << "4.15" << -1 << -1 << -1 << 128 << false;
    QTest::newRow("5.4: default somaxconn 4096 (backlog 1000 stays)") << "5.4" << -1 << 1000 << -1 << 1000 << false;
    QTest::newRow("somaxconn read at listen() time only (16, then 4)") << "6.18" << 16 << 1000 << 4 << 16 << true;
}

void TestRules::rule_L1_backlogClampedBySomaxconn() {
    QFETCH(QString, version);
    QFETCH(int, somaxconn);
    QFETCH(int, backlog);
    QFETCH(int, somaxconnLater);
    QFETCH(int, effective);
    QFETCH(bool, fill);

    const int clients = fill ? effective + 3 : 1;
    ScenarioText text;
    text.version(str(version)).backlog(backlog).clients("c", clients, "0s", "1ms", false);
    if (somaxconn >= 0) text.sysctl("net.core.somaxconn", somaxconn);
    if (somaxconnLater >= 0) text.set("0s", "net.core.somaxconn", std::to_string(somaxconnLater));
    SIMULATE(sim, text);

    const Time check = ms(clients) + ms(100); // every first SYN handled, no retransmission yet (1 s)
    QCOMPARE(sim->history().maxBacklogAt(0, check), I64{effective});
    const std::vector<SsSocket> ss = sim->ssListening(check);
    QCOMPARE(ss.size(), std::size_t{1});
    QCOMPARE(ss[0].sendQ, I64{effective});
    if (fill) {
        QCOMPARE(ss[0].recvQ, I64{effective + 1});
        QCOMPARE(connectedBy(sim->history(), check), effective + 1);
        QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, check), I64{2});
    }
}

void TestRules::rule_L2_listenStartsWithEmptyQueues_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("listeners");
    QTest::addColumn<int>("backlog");
    QTest::addColumn<int>("effective");

    QTest::newRow("one listener") << "6.18" << 1 << 128 << 128;
    QTest::newRow("four SO_REUSEPORT listeners") << "6.18" << 4 << 16 << 16;
    QTest::newRow("4.15, backlog clamped to 128") << "4.15" << 1 << 511 << 128;
}

void TestRules::rule_L2_listenStartsWithEmptyQueues() {
    QFETCH(QString, version);
    QFETCH(int, listeners);
    QFETCH(int, backlog);
    QFETCH(int, effective);

    ScenarioText text;
    text.version(str(version)).backlog(backlog).listeners(listeners).clients("c", 1, "1s");
    SIMULATE(sim, text);
    const History& h = sim->history();

    QCOMPARE(sim->ssListening(Time()).size(), std::size_t(listeners));
    for (int l = 0; l < listeners; ++l) {
        QVERIFY(h.listenerOpenAt(l, Time()));
        QCOMPARE(h.maxBacklogAt(l, Time()), I64{effective});
        QCOMPARE(h.queueLengthsAt(l, Time()).accept, I64{0});
        QCOMPARE(h.queueLengthsAt(l, Time()).syn, I64{0});
        QVERIFY(h.queueAt(l, QueueKind::Accept, Time()).empty());
        QVERIFY(h.queueAt(l, QueueKind::Syn, Time()).empty());
    }
    // The one connection lands in exactly one of the (empty) accept queues.
    I64 queued = 0;
    for (int l = 0; l < listeners; ++l) queued += h.queueLengthsAt(l, sec(2)).accept;
    QCOMPARE(queued, I64{1});
}

void TestRules::rule_L3_relistenOnlyUpdatesBacklog_data() {
    QTest::addColumn<int>("backlog");     // the first listen()
    QTest::addColumn<int>("relisten");    // listen() again at 500 ms
    QTest::addColumn<int>("somaxconn");
    QTest::addColumn<int>("effectiveAfter");
    QTest::addColumn<int>("queuedAfterRetransmissions"); // Recv-Q at 1.5 s
    QTest::addColumn<int>("overflowsAt1500ms");
    QTest::addColumn<bool>("viaChangeAt"); // Simulation::changeAt() on a finished run instead of an event

    // 12 clients at 0-11 ms; the ones dropped at first retransmit their SYN at about 1 s.
    QTest::newRow("raise 4 -> 8: room at once for 4 more") << 4 << 8 << 4096 << 8 << 9 << 7 + 3 << false;
    QTest::newRow("lower 8 -> 2: nothing is removed") << 8 << 2 << 4096 << 2 << 9 << 3 + 3 << false;
    QTest::newRow("raise 4 -> 100 with somaxconn 8: clamped again") << 4 << 100 << 8 << 8 << 9 << 7 + 3 << false;
    QTest::newRow("listen(fd, -1) again: somaxconn 6") << 4 << -1 << 6 << 6 << 7 << 7 + 5 << false;
    QTest::newRow("raise 4 -> 8 through changeAt()") << 4 << 8 << 4096 << 8 << 9 << 7 + 3 << true;
    QTest::newRow("lower 8 -> 2 through changeAt()") << 8 << 2 << 4096 << 2 << 9 << 3 + 3 << true;
}

void TestRules::rule_L3_relistenOnlyUpdatesBacklog() {
    QFETCH(int, backlog);
    QFETCH(int, relisten);
    QFETCH(int, somaxconn);
    QFETCH(int, effectiveAfter);
    QFETCH(int, queuedAfterRetransmissions);
    QFETCH(int, overflowsAt1500ms);
    QFETCH(bool, viaChangeAt);

    ScenarioText text;
    text.backlog(backlog).sysctl("net.core.somaxconn", somaxconn).clients("c", 12, "0s", "1ms", false).until("1800ms");
    if (!viaChangeAt) text.set("500ms", "server.backlog", std::to_string(relisten));
    SIMULATE(sim, text);
    if (viaChangeAt) {
        const std::optional<std::string> refused = sim->changeAt(ms(500), "server.backlog", std::to_string(relisten));
        QVERIFY2(!refused, refused ? refused->c_str() : "");
    }
    const History& h = sim->history();

    const I64 queuedBefore = std::min(backlog + 1, 12);
    QCOMPARE(h.queueLengthsAt(0, ms(499)).accept, queuedBefore);
    // The new backlog takes effect at once; the queue itself is untouched.
    QCOMPARE(h.maxBacklogAt(0, ms(500)), I64{effectiveAfter});
    QCOMPARE(h.queueLengthsAt(0, ms(500)).accept, queuedBefore);
    QCOMPARE(sim->ssListening(ms(500)).at(0).sendQ, I64{effectiveAfter});
    QVERIFY(h.listenerOpenAt(0, ms(500)));
    QCOMPARE(h.queueLengthsAt(0, ms(1500)).accept, I64{queuedAfterRetransmissions});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, ms(1500)), I64{overflowsAt1500ms});
}

// ============================================================================================ Q

void TestRules::rule_Q1_acceptQueueHoldsBacklogPlusOne_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("backlog");
    QTest::addColumn<int>("extra"); // clients beyond backlog + 1

    QTest::newRow("backlog 128 holds 129") << "6.18" << 128 << 3;
    QTest::newRow("backlog 0 holds 1") << "6.18" << 0 << 2;
    QTest::newRow("backlog 1 holds 2") << "6.18" << 1 << 2;
    QTest::newRow("backlog 5 holds 6") << "6.18" << 5 << 4;
    QTest::newRow("6.12: backlog 5 holds 6") << "6.12" << 5 << 1;
    QTest::newRow("4.15: backlog 5 holds 6") << "4.15" << 5 << 1;
    QTest::newRow("4.15: backlog 0 holds 1 (its SYN queue holds 0: a cookie)") << "4.15" << 0 << 2;
}

void TestRules::rule_Q1_acceptQueueHoldsBacklogPlusOne() {
    QFETCH(QString, version);
    QFETCH(int, backlog);
    QFETCH(int, extra);

    const int clients = backlog + 1 + extra;
    ScenarioText text;
    text.version(str(version)).backlog(backlog).clients("c", clients, "0s", "1ms", false).until("900ms");
    SIMULATE(sim, text);
    const History& h = sim->history();

    const Time check = ms(clients) + ms(100);
    QCOMPARE(h.queueLengthsAt(0, check).accept, I64{backlog + 1});
    QCOMPARE(serverCounter(*sim, Counter::TcpPassiveOpens, check), I64{backlog + 1});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, check), I64{extra});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops, check), I64{extra});
    // The check comes before the insertion: the (backlog+2)-th SYN is the first one dropped.
    for (int c = 0; c < clients; ++c) {
        const bool in = c <= backlog;
        QCOMPARE(h.clients[static_cast<std::size_t>(c)].connectedAt.isNever(), !in);
        QCOMPARE(h.clientStateAt(static_cast<FlowId>(c), check), in ? TcpState::Established : TcpState::SynSent);
    }
}

void TestRules::rule_Q2_synQueueCapacityFollowsBacklog_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("backlog");
    QTest::addColumn<int>("syncookies");
    QTest::addColumn<int>("maxSynBacklog"); // -1: default
    QTest::addColumn<int>("burst");          // SYNs arriving together
    QTest::addColumn<int>("capacity");       // requests the SYN queue takes

    QTest::newRow("6.18: backlog 8 -> 9 requests") << "6.18" << 8 << 1 << -1 << 12 << 9;
    QTest::newRow("6.12: backlog 8 -> 8 requests") << "6.12" << 8 << 1 << -1 << 12 << 8;
    QTest::newRow("6.1: backlog 8 -> 8 requests") << "6.1" << 8 << 1 << -1 << 12 << 8;
    QTest::newRow("5.4: backlog 8 -> 8 requests") << "5.4" << 8 << 1 << -1 << 12 << 8;
    QTest::newRow("4.15: backlog 8 -> 8 requests") << "4.15" << 8 << 1 << -1 << 12 << 8;
    QTest::newRow("tcp_max_syn_backlog 4 does not cap it") << "6.18" << 16 << 1 << 4 << 20 << 17;
    QTest::newRow("6.18, syncookies 0: backlog 8 -> 9, rest dropped") << "6.18" << 8 << 0 << -1 << 12 << 9;
    QTest::newRow("6.18, syncookies 0, listen(0): 1 request") << "6.18" << 0 << 0 << -1 << 2 << 1;
    QTest::newRow("6.12, syncookies 0, listen(0): never a request") << "6.12" << 0 << 0 << -1 << 1 << 0;
    QTest::newRow("6.12, syncookies 1, listen(0): a cookie instead") << "6.12" << 0 << 1 << -1 << 1 << 0;
}

void TestRules::rule_Q2_synQueueCapacityFollowsBacklog() {
    QFETCH(QString, version);
    QFETCH(int, backlog);
    QFETCH(int, syncookies);
    QFETCH(int, maxSynBacklog);
    QFETCH(int, burst);
    QFETCH(int, capacity);

    ScenarioText text;
    text.version(str(version)).backlog(backlog).rtt("100ms").sysctl("net.ipv4.tcp_syncookies", syncookies);
    if (maxSynBacklog >= 0) text.sysctl("net.ipv4.tcp_max_syn_backlog", maxSynBacklog);
    text.clients("burst", burst, "0s", "0s", false).until("10s");
    SIMULATE(sim, text);
    const History& h = sim->history();

    // The SYNs arrive at 50 ms; the final ACKs are not back before 150 ms.
    const Time check = ms(100);
    const I64 over = burst - capacity;
    QCOMPARE(h.queueLengthsAt(0, check).syn, I64{capacity});
    QCOMPARE(h.queueAt(0, QueueKind::Syn, check).size(), std::size_t(capacity));
    QCOMPARE(h.queueLengthsAt(0, check).accept, I64{0});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPReqQFullDoCookies, check), syncookies ? over : 0);
    QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesSent, check), syncookies ? over : 0);
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPReqQFullDrop, check), syncookies ? 0 : over);
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops, check), syncookies ? 0 : over);
    // With cookies every client connects; without, only the requests do (the rest then meet a full
    // accept queue, or, for listen(0) before the fix, a SYN queue that is always full).
    QCOMPARE(connectedBy(h, sec(10)), syncookies ? burst : capacity);
}

void TestRules::rule_Q3_ssShowsAcceptQueueAndBacklog_data() {
    QTest::addColumn<int>("listeners");
    QTest::addColumn<int>("backlog");
    QTest::addColumn<int>("somaxconn");
    QTest::addColumn<int>("clients");
    QTest::addColumn<QString>("spacing");
    QTest::addColumn<QString>("rtt");
    QTest::addColumn<int>("checkMs");
    QTest::addColumn<int>("recvQ");    // summed over the listeners
    QTest::addColumn<int>("sendQ");    // of each listener
    QTest::addColumn<int>("synRecv");  // SYN-RECV sockets in ss -tan

    QTest::newRow("full queue: Recv-Q 129, Send-Q 128") << 1 << 128 << 4096 << 131 << "1ms" << "100us" << 500 << 129
                                                        << 128 << 0;
    QTest::newRow("two waiting: Recv-Q 2, Send-Q 4") << 1 << 4 << 4096 << 2 << "1ms" << "100us" << 500 << 2 << 4 << 0;
    QTest::newRow("listen(-1): Send-Q shows somaxconn") << 1 << -1 << 16 << 3 << "1ms" << "100us" << 500 << 3 << 16
                                                        << 0;
    QTest::newRow("SYN-RECV is not in Recv-Q") << 1 << 8 << 4096 << 5 << "0s" << "100ms" << 100 << 0 << 8 << 5;
    QTest::newRow("four listeners: one line each") << 4 << 8 << 4096 << 8 << "1ms" << "100us" << 500 << 8 << 8 << 0;
}

void TestRules::rule_Q3_ssShowsAcceptQueueAndBacklog() {
    QFETCH(int, listeners);
    QFETCH(int, backlog);
    QFETCH(int, somaxconn);
    QFETCH(int, clients);
    QFETCH(QString, spacing);
    QFETCH(QString, rtt);
    QFETCH(int, checkMs);
    QFETCH(int, recvQ);
    QFETCH(int, sendQ);
    QFETCH(int, synRecv);

    ScenarioText text;
    text.backlog(backlog).listeners(listeners).sysctl("net.core.somaxconn", somaxconn).rtt(str(rtt));
    text.clients("c", clients, "0s", str(spacing), false).until("900ms");
    SIMULATE(sim, text);
    const Time check = ms(checkMs);

    const std::vector<SsSocket> ss = sim->ssListening(check);
    QCOMPARE(ss.size(), std::size_t(listeners));
    I64 total = 0;
    for (int l = 0; l < listeners; ++l) {
        const SsSocket& s = ss[static_cast<std::size_t>(l)];
        QCOMPARE(s.state, TcpState::Listen);
        QCOMPARE(s.sendQ, I64{sendQ});
        QCOMPARE(s.recvQ, sim->history().queueLengthsAt(l, check).accept);
        total += s.recvQ;
    }
    QCOMPARE(total, I64{recvQ});
    const std::vector<SsSocket> all = sim->ssAll(check);
    QCOMPARE(std::count_if(all.begin(), all.end(), [](const SsSocket& s) { return s.state == TcpState::SynRecv; }),
             std::ptrdiff_t{synRecv});
}

// ============================================================================================ S

void TestRules::rule_S1_fullSynQueueCookieOrDrop_data() {
    QTest::addColumn<int>("syncookies");
    QTest::addColumn<int>("burst");
    QTest::addColumn<int>("requests");
    QTest::addColumn<int>("doCookies");
    QTest::addColumn<int>("reqQFullDrop");
    QTest::addColumn<QString>("log"); // the kernel log line's ending, or empty: no line

    // backlog 4: the SYN queue holds 5 on 6.18.
    QTest::newRow("syncookies 1: cookies once full") << 1 << 8 << 5 << 3 << 0 << "Sending cookies.";
    QTest::newRow("syncookies 1: not full, no cookies") << 1 << 5 << 5 << 0 << 0 << "";
    QTest::newRow("syncookies 0: silent drop once full") << 0 << 8 << 5 << 0 << 3 << "Dropping request.";
    QTest::newRow("syncookies 2: every SYN gets a cookie") << 2 << 8 << 0 << 8 << 0 << "";
}

void TestRules::rule_S1_fullSynQueueCookieOrDrop() {
    QFETCH(int, syncookies);
    QFETCH(int, burst);
    QFETCH(int, requests);
    QFETCH(int, doCookies);
    QFETCH(int, reqQFullDrop);
    QFETCH(QString, log);

    ScenarioText text;
    text.backlog(4).rtt("100ms").sysctl("net.ipv4.tcp_syncookies", syncookies);
    text.clients("burst", burst, "0s", "0s", false).until("900ms");
    SIMULATE(sim, text);
    const History& h = sim->history();
    const Time check = ms(100);

    QCOMPARE(h.queueLengthsAt(0, check).syn, I64{requests});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPReqQFullDoCookies, check), I64{doCookies});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesSent, check), I64{doCookies});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPReqQFullDrop, check), I64{reqQFullDrop});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops, check), I64{reqQFullDrop});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, check), I64{0});
    // A dropped SYN is silent: neither a SYN-ACK nor an RST for it.
    const auto dropped = packets(h, [](const Packet& p) { return p.fate == PacketFate::DroppedSynQueueFull; });
    QCOMPARE(dropped.size(), std::size_t(reqQFullDrop));
    for (const Packet& p : dropped) {
        QVERIFY(flowPackets(h, p.flow, PacketKind::SynAck, false).empty());
        QVERIFY(flowPackets(h, p.flow, PacketKind::Rst, false).empty());
    }
    // Cookie SYN-ACKs are marked as such.
    const auto cookies = packets(h, [](const Packet& p) { return p.kind == PacketKind::SynAck && p.cookie; });
    QCOMPARE(cookies.size(), std::size_t(doCookies));
    // One "Possible SYN flooding" line per listener, however many SYNs overflowed; none for syncookies=2.
    const auto& lines = sim->kernelLog();
    if (log.isEmpty()) {
        QVERIFY(lines.empty());
    } else {
        QCOMPARE(lines.size(), std::size_t{1});
        QVERIFY2(QString::fromStdString(lines[0].text).contains("Possible SYN flooding"), lines[0].text.c_str());
        QVERIFY2(QString::fromStdString(lines[0].text).endsWith(log), lines[0].text.c_str());
    }
}

void TestRules::rule_S2_fullAcceptQueueDropsEverySyn_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("syncookies");
    QTest::addColumn<int>("dropsBy9s");  // SYNs (first + retransmitted) of the two clients left out
    QTest::addColumn<int>("doCookies");

    // backlog 2 (holds 3), five clients: two are left out and retransmit.
    QTest::newRow("6.18, syncookies 1: 2 x (1 + 6 retransmissions)") << "6.18" << 1 << 14 << 0;
    QTest::newRow("6.18, syncookies 0: the same") << "6.18" << 0 << 14 << 0;
    QTest::newRow("6.18, syncookies 2: cookie SYNs are dropped too") << "6.18" << 2 << 14 << 3 + 14;
    QTest::newRow("4.15: 2 x (1 + 3 retransmissions)") << "4.15" << 1 << 8 << 0;
}

void TestRules::rule_S2_fullAcceptQueueDropsEverySyn() {
    QFETCH(QString, version);
    QFETCH(int, syncookies);
    QFETCH(int, dropsBy9s);
    QFETCH(int, doCookies);

    ScenarioText text;
    text.version(str(version)).backlog(2).sysctl("net.ipv4.tcp_syncookies", syncookies);
    text.clients("c", 5, "0s", "1ms", false).until("9500ms");
    SIMULATE(sim, text);
    const History& h = sim->history();
    const Time check = sec(9);

    QCOMPARE(h.queueLengthsAt(0, check).accept, I64{3});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, check), I64{dropsBy9s});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops, check), I64{dropsBy9s});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPReqQFullDoCookies, check), I64{doCookies});
    const auto dropped = packets(h, [&](const Packet& p) {
        return p.fate == PacketFate::DroppedAcceptQueueFull && p.arrives <= check;
    });
    QCOMPARE(dropped.size(), std::size_t(dropsBy9s));
    for (const Packet& p : dropped) {
        QCOMPARE(p.kind, PacketKind::Syn);
        QVERIFY(p.flow == 3 || p.flow == 4);
    }
    // Silent: the two left out never hear from the server, whatever tcp_abort_on_overflow says.
    for (FlowId c : {FlowId{3}, FlowId{4}}) {
        QVERIFY(packets(h, [c](const Packet& p) { return p.flow == c && !p.toServer; }).empty());
        QCOMPARE(h.clientStateAt(c, check), TcpState::SynSent);
    }
}

void TestRules::rule_S4_unroutableSourceCreatesNoRequest_data() {
    QTest::addColumn<int>("backlog");
    QTest::addColumn<int>("routable");   // spoofed SYNs with a route back, from 0 s (1 per ms)
    QTest::addColumn<int>("unroutable"); // then spoofed SYNs without, from 200 ms (1 per ms)
    QTest::addColumn<int>("requests");
    QTest::addColumn<int>("listenDrops");
    QTest::addColumn<int>("doCookies");
    QTest::addColumn<int>("synAcks");

    QTest::newRow("no route back (M19): no request, ListenDrops only") << 128 << 0 << 100 << 0 << 100 << 0 << 0;
    QTest::newRow("routable spoofed sources: requests") << 128 << 100 << 0 << 100 << 0 << 0 << 100;
    // S1 comes first (TCPReqQFullDoCookies), but S4 drops the SYN before the cookie is made (S6).
    QTest::newRow("SYN queue full: a cookie is wanted, none is sent") << 4 << 5 << 100 << 5 << 100 << 100 << 5;
}

void TestRules::rule_S4_unroutableSourceCreatesNoRequest() {
    QFETCH(int, backlog);
    QFETCH(int, routable);
    QFETCH(int, unroutable);
    QFETCH(int, requests);
    QFETCH(int, listenDrops);
    QFETCH(int, doCookies);
    QFETCH(int, synAcks);

    ScenarioText text;
    text.backlog(backlog).clients("c", 1, "5s").until("900ms");
    if (routable > 0) text.flood("routed", "1000/s", "0s", std::to_string(routable) + "ms", true);
    if (unroutable > 0) text.flood("unrouted", "1000/s", "200ms", std::to_string(200 + unroutable) + "ms", false);
    SIMULATE(sim, text);
    const History& h = sim->history();
    const Time check = ms(500);

    QCOMPARE(h.queueLengthsAt(0, check).syn, I64{requests});
    QCOMPARE(stays(h, 0, QueueKind::Syn).size(), std::size_t(requests));
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops, check), I64{listenDrops});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, check), I64{0});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPReqQFullDoCookies, check), I64{doCookies});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesSent, check), I64{0});
    QCOMPARE(packets(h, [&](const Packet& p) { return p.kind == PacketKind::SynAck && p.sent <= check; }).size(),
             std::size_t(synAcks));
    QCOMPARE(packets(h, [](const Packet& p) { return p.fate == PacketFate::DroppedNoRoute; }).size(),
             std::size_t(unroutable));
}

void TestRules::rule_S5_threeQuarterRuleWithoutCookies_data() {
    QTest::addColumn<int>("syncookies");
    QTest::addColumn<int>("maxSynBacklog");
    QTest::addColumn<int>("backlog");
    QTest::addColumn<int>("flood");        // spoofed SYNs within 100 ms
    QTest::addColumn<int>("requests");
    QTest::addColumn<int>("listenDrops");
    QTest::addColumn<int>("reqQFullDrop");
    QTest::addColumn<bool>("provenPeer"); // also: a proven peer and a stranger connect once it bites

    QTest::newRow("M 128: unproven peers fill at most 97") << 0 << 128 << 4096 << 200 << 97 << 103 << 0 << false;
    QTest::newRow("M 1024: at most 769 (E4)") << 0 << 1024 << 4096 << 1000 << 769 << 231 << 0 << false;
    QTest::newRow("M 16: at most 13") << 0 << 16 << 4096 << 20 << 13 << 7 << 0 << false;
    QTest::newRow("backlog 50 < 3/4 M: the SYN queue is full first") << 0 << 128 << 50 << 100 << 51 << 49 << 49
                                                                      << false;
    QTest::newRow("syncookies 1: no 3/4 rule") << 1 << 128 << 4096 << 200 << 200 << 0 << 0 << false;
    // The stranger's SYN is one more ListenDrop; the proven peer's is admitted.
    QTest::newRow("M 16: a proven peer still gets in, a stranger does not") << 0 << 16 << 4096 << 20 << 13 << 7 + 1
                                                                            << 0 << true;
}

void TestRules::rule_S5_threeQuarterRuleWithoutCookies() {
    QFETCH(int, syncookies);
    QFETCH(int, maxSynBacklog);
    QFETCH(int, backlog);
    QFETCH(int, flood);
    QFETCH(int, requests);
    QFETCH(int, listenDrops);
    QFETCH(int, reqQFullDrop);
    QFETCH(bool, provenPeer);

    ScenarioText text;
    text.backlog(backlog).sysctl("net.ipv4.tcp_syncookies", syncookies);
    text.sysctl("net.ipv4.tcp_max_syn_backlog", maxSynBacklog);
    if (!provenPeer) {
        text.flood("spoof", std::to_string(flood * 10) + "/s", "0s", "100ms").until("900ms");
    } else {
        // `regular`'s first connection completes and is closed by the server (TIME-WAIT: an RTT sample
        // in tcp_metrics, so that host is proven); the flood then passes 3/4 of M; at 2 s `regular`
        // connects again and a `stranger` host connects for the first time.
        text.workers(1).clients("regular", 2, "0s", "2s", true);
        text.flood("spoof", std::to_string(flood * 50) + "/s", "500ms", "520ms");
        text.clients("stranger", 1, "2s", "1ms", true).until("2500ms");
    }
    SIMULATE(sim, text);
    const Time check = provenPeer ? ms(2500) : ms(500);
    if (provenPeer) {
        const History& h = sim->history();
        const ClientRecord& again = h.clients[clientsOf(h, 0).at(1)];
        const ClientRecord& stranger = h.clients[clientsOf(h, 2).at(0)];
        QCOMPARE(again.connectedAt - again.connectAt, Time::us(100));
        QVERIFY(stranger.connectedAt.isNever());
        QCOMPARE(stranger.synTimes.size(), std::size_t{1});
    }

    QCOMPARE(sim->history().queueLengthsAt(0, check).syn, I64{requests});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops, check), I64{listenDrops});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPReqQFullDrop, check), I64{reqQFullDrop});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, check), I64{0});
    QCOMPARE(packets(sim->history(), [](const Packet& p) { return p.fate == PacketFate::DroppedSynBacklog; }).size(),
             std::size_t(listenDrops - reqQFullDrop));
}

void TestRules::rule_S6_cookieSynAckKeepsNoState_data() {
    QTest::addColumn<int>("syncookies");
    QTest::addColumn<int>("requests"); // of a burst of 6 at backlog 2 (SYN queue holds 3)

    QTest::newRow("syncookies 1: the overflow gets cookies") << 1 << 3;
    QTest::newRow("syncookies 2: everyone gets a cookie") << 2 << 0;
}

void TestRules::rule_S6_cookieSynAckKeepsNoState() {
    QFETCH(int, syncookies);
    QFETCH(int, requests);

    // The final ACKs are all lost: a request's SYN-ACK is retransmitted, a cookie's never.
    ScenarioText text;
    text.backlog(2).rtt("100ms").sysctl("net.ipv4.tcp_syncookies", syncookies);
    text.clients("burst", 6, "0s", "0s", false).fault("client-acks", "", "0s").until("2500ms");
    SIMULATE(sim, text);
    const History& h = sim->history();

    QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesSent), I64{6 - requests});
    int cookieFlows = 0;
    for (FlowId c = 0; c < 6; ++c) {
        const std::vector<Packet> synAcks = flowPackets(h, c, PacketKind::SynAck, false);
        QVERIFY(!synAcks.empty());
        QCOMPARE(h.clients[c].connectedAt, ms(100)); // S9: either way connect() succeeds
        if (synAcks.front().cookie) {
            ++cookieFlows;
            QCOMPARE(synAcks.size(), std::size_t{1}); // never retransmitted
            QVERIFY(staysOf(h, 1, QueueKind::Syn, c).empty()); // never in the SYN queue
            QCOMPARE(h.serverStateAt(c, sec(2)), TcpState::Closed); // no state at all
        } else {
            QVERIFY(synAcks.size() >= 2); // retransmitted at about 1 s
            QCOMPARE(staysOf(h, 1, QueueKind::Syn, c).size(), std::size_t{1});
        }
    }
    QCOMPARE(cookieFlows, 6 - requests);
    QCOMPARE(h.queueLengthsAt(0, sec(2)).syn, I64{requests});
}

void TestRules::rule_S8_requestQueuedAndTimerArmed_data() {
    QTest::addColumn<int>("hz");
    QTest::newRow("HZ 250") << 250;
    QTest::newRow("HZ 1000") << 1000;
    QTest::newRow("HZ 100") << 100;
}

void TestRules::rule_S8_requestQueuedAndTimerArmed() {
    QFETCH(int, hz);

    ScenarioText text;
    text.hz(hz).rtt("100ms").clients("c", 1, "0s", "1ms", false).fault("client-acks", "", "0s", "1500ms");
    text.until("2s");
    SIMULATE(sim, text);
    const History& h = sim->history();

    // The SYN arrives at 50 ms: a request enters the SYN queue and the SYN-ACK leaves at once.
    const std::vector<QueueEntry> synq = stays(h, 0, QueueKind::Syn);
    QCOMPARE(synq.size(), std::size_t{1});
    QCOMPARE(synq[0].entered, ms(50));
    QCOMPARE(h.queueLengthsAt(0, ms(60)).syn, I64{1});
    QCOMPARE(h.queueLengthsAt(0, ms(60)).accept, I64{0});
    const std::vector<Packet> synAcks = flowPackets(h, 0, PacketKind::SynAck, false);
    QVERIFY(synAcks.size() >= 2);
    QCOMPARE(synAcks[0].sent, ms(50));
    QVERIFY(!synAcks[0].cookie);
    // Its timer is armed at TCP_TIMEOUT_INIT = 1 s.
    QVERIFY_WITHIN(synAcks[1].sent, ms(1050), ms(1050) + timerSlack(sec(1), hz));
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPTimeouts, synAcks[1].sent), I64{1});
    QCOMPARE(serverCounter(*sim, Counter::TcpPassiveOpens, sec(2)), I64{0});
}

void TestRules::rule_S9_clientConnectsAfterOneRttOrRetransmits_data() {
    QTest::addColumn<int>("syncookies");
    QTest::addColumn<int>("backlog");
    QTest::addColumn<int>("maxSynBacklog"); // -1: default
    QTest::addColumn<int>("clients");
    QTest::addColumn<QString>("spacing");
    QTest::addColumn<int>("client");     // the one watched
    QTest::addColumn<QString>("expect"); // "rtt", "retransmission" or "never"

    QTest::newRow("S8: ESTABLISHED after one RTT, nothing accepted") << 1 << 4 << -1 << 1 << "0s" << 0 << "rtt";
    QTest::newRow("S6: a cookie SYN-ACK connects as well") << 2 << 4 << -1 << 1 << "0s" << 0 << "rtt";
    QTest::newRow("S2 drop: silent, the client retransmits") << 1 << 0 << -1 << 2 << "200ms" << 1 << "never";
    QTest::newRow("S1 drop (syncookies 0): silent") << 0 << 0 << -1 << 2 << "0s" << 1 << "never";
    QTest::newRow("S5 drop: silent, the retransmission gets in") << 0 << 128 << 4 << 5 << "0s" << 4
                                                                 << "retransmission";
}

void TestRules::rule_S9_clientConnectsAfterOneRttOrRetransmits() {
    QFETCH(int, syncookies);
    QFETCH(int, backlog);
    QFETCH(int, maxSynBacklog);
    QFETCH(int, clients);
    QFETCH(QString, spacing);
    QFETCH(int, client);
    QFETCH(QString, expect);

    ScenarioText text;
    text.backlog(backlog).rtt("100ms").sysctl("net.ipv4.tcp_syncookies", syncookies);
    if (maxSynBacklog >= 0) text.sysctl("net.ipv4.tcp_max_syn_backlog", maxSynBacklog);
    text.clients("c", clients, "0s", str(spacing), false).until("3s");
    SIMULATE(sim, text);
    const History& h = sim->history();
    const auto c = static_cast<FlowId>(client);
    const ClientRecord& rec = h.clients[c];
    const auto fromServer = [&](Time before) {
        return packets(h, [&](const Packet& p) { return p.flow == c && !p.toServer && p.sent < before; });
    };

    if (expect == "rtt") {
        QCOMPARE(rec.connectedAt - rec.connectAt, ms(100));
        QCOMPARE(rec.synTimes.size(), std::size_t{1});
        QCOMPARE(h.clientStateAt(c, sec(3)), TcpState::Established);
        QVERIFY(rec.acceptedAt.isNever());
    } else if (expect == "retransmission") {
        QVERIFY(rec.synTimes.size() >= 2);
        QVERIFY_WITHIN(rec.synTimes[1], rec.connectAt + sec(1), rec.connectAt + sec(1) + timerSlack(sec(1), 250));
        QVERIFY(fromServer(rec.synTimes[1]).empty()); // the first SYN got no answer at all
        QCOMPARE(rec.connectedAt - rec.synTimes[1], ms(100));
    } else {
        QVERIFY(rec.connectedAt.isNever());
        QVERIFY(rec.synTimes.size() >= 2);
        QVERIFY(fromServer(kEnd).empty());
        QCOMPARE(h.clientStateAt(c, sec(3)), TcpState::SynSent);
    }
}

// ============================================================================================ A

void TestRules::rule_A1_duplicateSynResendsSynAck_data() {
    QTest::addColumn<int>("lostUntilMs");   // every SYN-ACK sent before this is lost
    QTest::addColumn<int>("minDuplicates"); // retransmitted SYNs sent inside the loss window

    QTest::newRow("SYN-ACKs lost until 1.5 s") << 1500 << 1;
    QTest::newRow("SYN-ACKs lost until 2.5 s") << 2500 << 2;
}

void TestRules::rule_A1_duplicateSynResendsSynAck() {
    QFETCH(int, lostUntilMs);
    QFETCH(int, minDuplicates);

    const Time lostUntil = ms(lostUntilMs);
    ScenarioText text;
    text.rtt("100ms").clients("c", 1, "0s", "1ms", false);
    text.fault("synack", "c", "0s", std::to_string(lostUntilMs) + "ms").until("6s");
    SIMULATE(sim, text);
    const History& h = sim->history();
    const ClientRecord& rec = h.clients[0];
    QVERIFY(!rec.connectedAt.isNever());

    // One request for the flow, whatever the number of SYNs.
    QCOMPARE(stays(h, 0, QueueKind::Syn).size(), std::size_t{1});
    // Each retransmitted SYN reaching the request is answered at once by a SYN-ACK, then dropped.
    const std::vector<Packet> syns = flowPackets(h, 0, PacketKind::Syn, true);
    const std::vector<Packet> synAcks = flowPackets(h, 0, PacketKind::SynAck, false);
    int duplicates = 0;
    for (const Packet& syn : syns) {
        if (syn.retrans == 0 || syn.arrives > rec.connectedAt) continue;
        ++duplicates;
        QCOMPARE(syn.fate, PacketFate::DroppedDuplicateSyn);
        QVERIFY2(std::any_of(synAcks.begin(), synAcks.end(),
                             [&](const Packet& a) { return a.sent == syn.arrives && a.retrans > 0; }),
                 "no SYN-ACK answered a retransmitted SYN at once");
    }
    QVERIFY(duplicates >= minDuplicates);
    // The first SYN-ACK sent after the loss completes the handshake; it is no later than the answer
    // to the first SYN that reaches the server after the loss (the request timer may come first).
    const auto through = std::find_if(synAcks.begin(), synAcks.end(), [&](const Packet& a) { return a.sent >= lostUntil; });
    QVERIFY(through != synAcks.end());
    QCOMPARE(rec.connectedAt, through->arrives);
    const auto nextSyn = std::find_if(syns.begin(), syns.end(), [&](const Packet& p) { return p.arrives >= lostUntil; });
    if (nextSyn != syns.end()) QVERIFY(through->sent <= nextSyn->arrives);
    const auto retransmitted = std::count_if(synAcks.begin(), synAcks.end(), [](const Packet& a) { return a.retrans > 0; });
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPSynRetrans), I64{retransmitted});
    QCOMPARE(serverCounter(*sim, Counter::TcpRetransSegs), I64{retransmitted});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPACKSkippedSynRecv), I64{0});
    QCOMPARE(serverCounter(*sim, Counter::TcpPassiveOpens), I64{1});
}

void TestRules::rule_A4_clientRstKillsRequest_data() {
    QTest::addColumn<QString>("synAckLostUntil");
    // The client gives up (tcp_syn_retries 1, no linear timeouts: SYNs at 0 and 1 s, ETIMEDOUT at 3 s)
    // before any SYN-ACK reaches it; the next SYN-ACK finds no socket and draws an RST.
    QTest::newRow("SYN-ACKs lost until 3.5 s") << "3500ms";
    QTest::newRow("SYN-ACKs lost until 2.5 s") << "2500ms";
}

void TestRules::rule_A4_clientRstKillsRequest() {
    QFETCH(QString, synAckLostUntil);

    ScenarioText text;
    text.rtt("100ms").sysctl("net.ipv4.tcp_syn_retries", 1).sysctl("net.ipv4.tcp_syn_linear_timeouts", 0);
    text.clients("c", 1, "0s", "1ms", false).fault("synack", "c", "0s", str(synAckLostUntil)).until("20s");
    SIMULATE(sim, text);
    const History& h = sim->history();
    const ClientRecord& rec = h.clients[0];

    QCOMPARE(rec.error, ClientError::TimedOut);
    QVERIFY(rec.connectedAt.isNever());
    const std::vector<Packet> rsts = flowPackets(h, 0, PacketKind::Rst, true);
    QCOMPARE(rsts.size(), std::size_t{1});
    const Packet rst = rsts[0];
    QVERIFY(rst.sent > rec.errorAt);
    QCOMPARE(clientCounter(*sim, Counter::TcpOutRsts), I64{1});
    // The RST answers the first SYN-ACK that got through.
    const std::vector<Packet> synAcks = flowPackets(h, 0, PacketKind::SynAck, false);
    const auto delivered = std::find_if(synAcks.begin(), synAcks.end(),
                                        [](const Packet& a) { return a.fate != PacketFate::LostInNetwork; });
    QVERIFY(delivered != synAcks.end());
    QCOMPARE(rst.sent, delivered->arrives);
    // A4 at the server: AttemptFails, EmbryonicRsts, the request unlinked; no RST back.
    const std::vector<QueueEntry> synq = stays(h, 0, QueueKind::Syn);
    QCOMPARE(synq.size(), std::size_t{1});
    QCOMPARE(synq[0].reason, LeaveReason::Reset);
    QCOMPARE(synq[0].left, rst.arrives);
    QCOMPARE(serverCounter(*sim, Counter::TcpExtEmbryonicRsts), I64{1});
    QCOMPARE(serverCounter(*sim, Counter::TcpAttemptFails), I64{1});
    QCOMPARE(serverCounter(*sim, Counter::TcpOutRsts), I64{0});
    QCOMPARE(serverCounter(*sim, Counter::TcpPassiveOpens), I64{0});
    QCOMPARE(h.queueLengthsAt(0, rst.arrives).syn, I64{0});
    QCOMPARE(clientCounter(*sim, Counter::TcpAttemptFails), I64{1}); // the client's own ETIMEDOUT
}

void TestRules::rule_A7a_ackMeetingFullQueueIsIgnored_data() {
    QTest::addColumn<bool>("send");
    QTest::addColumn<int>("overflowsAt900ms");
    // Challenge ACKs (T2) to the SYN-ACK retransmissions retry; or, with data, the client's data
    // retransmissions (M17: 0.4, 0.8, 1.6 … s) as well.
    QTest::newRow("idle clients: challenge ACKs retry") << false << 0;
    QTest::newRow("clients with data: data retransmissions retry too") << true << 4;
}

void TestRules::rule_A7a_ackMeetingFullQueueIsIgnored() {
    QFETCH(bool, send);
    QFETCH(int, overflowsAt900ms);

    SIMULATE(sim, lateAckScenario(send, 0).until("70s"));
    const History& h = sim->history();
    const std::vector<FlowId> late = clientsOf(h, 0);
    QCOMPARE(late.size(), std::size_t{2});

    // Before any retry: the late ones in SYN-RECV, the early ones filling the accept queue.
    QCOMPARE(h.queueLengthsAt(0, ms(300)).syn, I64{2});
    QCOMPARE(h.queueLengthsAt(0, ms(300)).accept, I64{3});
    for (FlowId c : late) QCOMPARE(h.clientStateAt(c, ms(300)), TcpState::Established);
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, ms(900)), I64{overflowsAt900ms});

    // Until the worker starts (5 s) every retry is dropped; the requests stay, their timers run.
    const Time stall = ms(4900);
    const auto retries = packets(h, [&](const Packet& p) {
        return p.toServer && (p.flow == late[0] || p.flow == late[1]) && p.arrives > ms(300) &&
               p.arrives <= stall && (p.kind == PacketKind::Ack || p.kind == PacketKind::Data);
    });
    QVERIFY(retries.size() >= 2);
    for (const Packet& p : retries) QCOMPARE(p.fate, PacketFate::DroppedAckQueueFull);
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, stall), I64(retries.size()));
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops, stall), I64(retries.size()));
    QCOMPARE(h.queueLengthsAt(0, stall).syn, I64{2});
    QCOMPARE(h.queueLengthsAt(0, stall).accept, I64{3});
    QCOMPARE(serverCounter(*sim, Counter::TcpOutRsts, stall), I64{0});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtEmbryonicRsts, stall), I64{0});
    for (FlowId c : late) {
        QVERIFY(h.clients[c].dataQueuedAt.isNever() || h.clients[c].dataQueuedAt > stall); // data discarded
        // SYN-ACKs are still retransmitted (at about 1 and 3 s) although the ACK came.
        const auto synAcks = flowPackets(h, c, PacketKind::SynAck, false);
        QVERIFY(std::count_if(synAcks.begin(), synAcks.end(), [&](const Packet& a) { return a.sent <= stall; }) >= 3);
        QCOMPARE(h.clientStateAt(c, stall), TcpState::Established);
    }

    // The worker takes one connection at 5 s: the next retry of one late client succeeds.
    int completed = 0;
    for (FlowId c : late) {
        const Time child = serverStateSince(h, c, TcpState::Established);
        if (child.isNever() || child > sec(20)) continue;
        ++completed;
        QVERIFY(child > sec(5));
        if (!h.clients[c].dataQueuedAt.isNever()) QVERIFY(h.clients[c].dataQueuedAt >= child);
    }
    QCOMPARE(completed, 1);
    QCOMPARE(h.queueLengthsAt(0, sec(20)).syn, I64{1});
    // The other request expires silently at about 63 s.
    QCOMPARE(h.queueLengthsAt(0, sec(70)).syn, I64{0});
    const std::vector<QueueEntry> synq = stays(h, 0, QueueKind::Syn);
    QCOMPARE(std::count_if(synq.begin(), synq.end(), [](const QueueEntry& e) { return e.reason == LeaveReason::Expired; }),
             std::ptrdiff_t{1});
}

void TestRules::rule_A7b_abortOnOverflowResets_data() {
    QTest::addColumn<bool>("send");
    QTest::newRow("idle clients: reset at the challenge ACK") << false;
    QTest::newRow("clients with data: reset at the data retransmission") << true;
}

void TestRules::rule_A7b_abortOnOverflowResets() {
    QFETCH(bool, send);

    SIMULATE(sim, lateAckScenario(send, 1).until("4900ms"));
    const History& h = sim->history();
    const std::vector<FlowId> late = clientsOf(h, 0);
    QCOMPARE(late.size(), std::size_t{2});
    QCOMPARE(h.queueLengthsAt(0, ms(300)).syn, I64{2});
    QCOMPARE(h.queueLengthsAt(0, ms(300)).accept, I64{3});

    const Time end = ms(4900);
    for (FlowId c : late) {
        // The first retry meets the full queue and is answered by an RST at once.
        const auto dropped = packets(h, [c](const Packet& p) {
            return p.flow == c && p.fate == PacketFate::DroppedAckQueueFull;
        });
        QCOMPARE(dropped.size(), std::size_t{1});
        const auto rsts = flowPackets(h, c, PacketKind::Rst, false);
        QCOMPARE(rsts.size(), std::size_t{1});
        QCOMPARE(rsts[0].sent, dropped[0].arrives);
        QCOMPARE(h.clients[c].error, ClientError::ConnectionReset);
        QCOMPARE(h.clients[c].errorAt, rsts[0].arrives);
        QCOMPARE(h.clientStateAt(c, end), TcpState::Closed);
        const auto synq = staysOf(h, 1, QueueKind::Syn, c);
        QCOMPARE(synq.size(), std::size_t{1});
        QCOMPARE(synq[0].reason, LeaveReason::Reset);
    }
    QCOMPARE(serverCounter(*sim, Counter::TcpExtEmbryonicRsts, end), I64{2});
    QCOMPARE(serverCounter(*sim, Counter::TcpAttemptFails, end), I64{0}); // not for A7b
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows, end), I64{2});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops, end), I64{2});
    QCOMPARE(clientCounter(*sim, Counter::TcpEstabResets, end), I64{2});
    QCOMPARE(h.queueLengthsAt(0, end).syn, I64{0});
    QCOMPARE(h.queueLengthsAt(0, end).accept, I64{3}); // the early ones are untouched
    QCOMPARE(serverCounter(*sim, Counter::TcpOutRsts, end), I64{2}); // one per RST
}

void TestRules::rule_A8_childAppendedToAcceptQueue_data() {
    QTest::addColumn<int>("workers");
    QTest::newRow("three completions join the tail in order") << 0;
    QTest::newRow("a sleeping worker is woken (sk_data_ready)") << 1;
}

void TestRules::rule_A8_childAppendedToAcceptQueue() {
    QFETCH(int, workers);

    ScenarioText text;
    text.backlog(4).rtt("100ms").workers(workers, "blocking", "10s").clients("c", 3, "0s", "10ms", true);
    text.until("2s");
    SIMULATE(sim, text);
    const History& h = sim->history();

    const std::vector<QueueEntry> synq = stays(h, 0, QueueKind::Syn);
    const std::vector<QueueEntry> acceptq = stays(h, 0, QueueKind::Accept);
    QCOMPARE(synq.size(), std::size_t{3});
    QCOMPARE(acceptq.size(), std::size_t{3});
    for (FlowId c = 0; c < 3; ++c) {
        // The final ACK arrives at connect + 1.5 RTT: request out, child in at the tail, same instant.
        const Time ack = h.clients[c].connectAt + ms(150);
        QCOMPARE(synq[c].flow, c);
        QCOMPARE(synq[c].reason, LeaveReason::Completed);
        QCOMPARE(synq[c].left, ack);
        QCOMPARE(acceptq[c].flow, c);
        QCOMPARE(acceptq[c].entered, ack);
        QCOMPARE(serverStateSince(h, c, TcpState::Established), ack);
        QCOMPARE(h.clients[c].dataQueuedAt, ack); // the request sent with the ACK goes to the child
        if (workers > 0 && c == 0) QVERIFY(h.clients[c].acceptedAt - ack < ms(1));
    }
    QCOMPARE(serverCounter(*sim, Counter::TcpPassiveOpens), I64{3});
    QCOMPARE(h.queueLengthsAt(0, sec(1)).syn, I64{0});
    QCOMPARE(h.queueLengthsAt(0, sec(1)).accept, I64{3 - workers});
}

// ============================================================================================ K

void TestRules::rule_K1_cookieValidation_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("abortOnOverflow");

    QTest::newRow("a valid cookie creates the child") << "valid" << 0;
    QTest::newRow("a cookie ACK meeting a full queue: dropped, no state (ghost)") << "full" << 0;
    QTest::newRow("the same with tcp_abort_on_overflow 1: still no RST") << "full" << 1;
    QTest::newRow("retried until the cookie expires: SyncookiesFailed, RST") << "expiry" << 0;
    QTest::newRow("tcp_syncookies 0 by the time the ACK comes: not validated, RST (K2)") << "disabled" << 0;
}

void TestRules::rule_K1_cookieValidation() {
    QFETCH(QString, kind);
    QFETCH(int, abortOnOverflow);

    ScenarioText text;
    text.rtt("1ms").sysctl("net.ipv4.tcp_syncookies", 2).sysctl("net.ipv4.tcp_abort_on_overflow", abortOnOverflow);
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
        QCOMPARE(packets(h, [](const Packet& p) { return p.flow == 1 && !p.toServer; }).size(), std::size_t{1});
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
        if (p.fate == PacketFate::DroppedCookieQueueFull) ++overflowed;
        else QCOMPARE(p.fate, PacketFate::DroppedNoSocket); // the one that failed validation
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

void TestRules::rule_K2_ackWithoutRequestGetsRst_data() {
    QTest::addColumn<bool>("recentOverflow");
    QTest::newRow("data after the request expired: RST") << false;
    QTest::newRow("the same after a recent cookie: SyncookiesFailed, then RST") << true;
}

void TestRules::rule_K2_ackWithoutRequestGetsRst() {
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

// ============================================================================================ T

void TestRules::rule_T1_synAckScheduleExpiryAndPruning_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("hz");
    QTest::addColumn<int>("synackRetries");
    QTest::addColumn<int>("flood");          // 0: one real client; else spoofed SYNs within 100 ms, backlog 128
    QTest::addColumn<QList<int>>("retrans"); // seconds after the first SYN-ACK
    QTest::addColumn<int>("expiry");         // seconds after the first SYN-ACK
    QTest::addColumn<int>("pruned");         // flood requests that die after two retransmissions (7 s)

    const QList<int> classic{1, 3, 7, 15, 31};
    QTest::newRow("default: 1, 3, 7, 15, 31 s, gone at 63 s") << "6.18" << 250 << 5 << 0 << classic << 63 << 0;
    QTest::newRow("4.15: the same (SYN-ACKs have no linear phase)") << "4.15" << 250 << 5 << 0 << classic << 63 << 0;
    QTest::newRow("HZ 1000") << "6.18" << 1000 << 5 << 0 << classic << 63 << 0;
    QTest::newRow("HZ 100") << "6.18" << 100 << 5 << 0 << classic << 63 << 0;
    QTest::newRow("tcp_synack_retries 2: gone at 7 s") << "6.18" << 250 << 2 << 0 << QList<int>{1, 3} << 7 << 0;
    QTest::newRow("tcp_synack_retries 0: gone at 1 s") << "6.18" << 250 << 0 << 0 << QList<int>{} << 1 << 0;
    QTest::newRow("tcp_synack_retries 7: RTO capped at 120 s")
        << "6.18" << 250 << 7 << 0 << QList<int>{1, 3, 7, 15, 31, 63, 127} << 247 << 0;
    QTest::newRow("60 old requests of 128: no pruning") << "6.18" << 250 << 5 << 60 << classic << 63 << 0;
    // 2·qlen > 128 while more than 64 remain: 36 die at the third firing, 64 live the full 63 s.
    QTest::newRow("100 old requests of 128: 36 pruned after two retransmissions (M19)")
        << "6.18" << 250 << 5 << 100 << classic << 63 << 36;
}

void TestRules::rule_T1_synAckScheduleExpiryAndPruning() {
    QFETCH(QString, version);
    QFETCH(int, hz);
    QFETCH(int, synackRetries);
    QFETCH(int, flood);
    QFETCH(QList<int>, retrans);
    QFETCH(int, expiry);
    QFETCH(int, pruned);

    ScenarioText text;
    text.version(str(version)).hz(hz).rtt("1ms").sysctl("net.ipv4.tcp_synack_retries", synackRetries);
    if (flood > 0) text.flood("spoof", std::to_string(flood * 10) + "/s", "0s", "100ms"); // never answer
    else text.clients("c", 1, "0s", "1ms", false).fault("client-acks", "c", "0s");
    SIMULATE(sim, text);
    const History& h = sim->history();

    // Every request expires, silently: it leaves the SYN queue and nothing is sent.
    const std::vector<QueueEntry> synq = stays(h, 0, QueueKind::Syn);
    QCOMPARE(synq.size(), std::size_t(flood > 0 ? flood : 1));
    int shortLived = 0;
    for (const QueueEntry& e : synq) {
        QCOMPARE(e.reason, LeaveReason::Expired);
        const bool prunedOne = flood > 0 && e.left < sec(10);
        shortLived += prunedOne ? 1 : 0;
        const QByteArray problem = prunedOne ? scheduleProblem(h, e.flow, {1, 3}, 7, hz, e.left)
                                             : scheduleProblem(h, e.flow, retrans, expiry, hz, e.left);
        QVERIFY2(problem.isEmpty(), problem.constData());
    }
    QCOMPARE(shortLived, pruned);
    QCOMPARE(serverCounter(*sim, Counter::TcpOutRsts), I64{0});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtEmbryonicRsts), I64{0});
    QCOMPARE(serverCounter(*sim, Counter::TcpAttemptFails), I64{0});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops), I64{0});
    if (flood == 0) {
        QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPTimeouts), I64(retrans.size() + 1));
        QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPSynRetrans), I64(retrans.size()));
        QCOMPARE(serverCounter(*sim, Counter::TcpRetransSegs), I64(retrans.size()));
        QCOMPARE(h.clientStateAt(0, h.end), TcpState::Established); // it never finds out (send: false)
    } else {
        QCOMPARE(h.queueLengthsAt(0, sec(10)).syn, I64{flood - pruned});
        QCOMPARE(h.queueLengthsAt(0, sec(62)).syn, I64{flood - pruned});
        QCOMPARE(h.queueLengthsAt(0, sec(70)).syn, I64{0});
    }
}

void TestRules::rule_T2_challengeAckDrivesRetry_data() {
    QTest::addColumn<bool>("fullQueue");
    QTest::newRow("a lost final ACK: the challenge ACK completes the handshake") << false;
    QTest::newRow("a full accept queue: each retransmission draws an ACK that retries") << true;
}

void TestRules::rule_T2_challengeAckDrivesRetry() {
    QFETCH(bool, fullQueue);

    ScenarioText text;
    text.rtt(fullQueue ? "1ms" : "100ms").backlog(fullQueue ? 1 : 4);
    text.clients("late", 1, "0s", "1ms", false).fault("client-acks", "late", "0s", "300ms");
    if (fullQueue) text.clients("early", 2, "100ms", "10ms", false);
    SIMULATE(sim, text);
    const History& h = sim->history();

    const std::vector<Packet> synAcks = flowPackets(h, 0, PacketKind::SynAck, false);
    const std::vector<Packet> acks = flowPackets(h, 0, PacketKind::Ack, true);
    QVERIFY(synAcks.size() >= 2);
    // Every retransmitted SYN-ACK reaching the ESTABLISHED client draws one challenge ACK at once.
    const I64 retransmitted = I64(synAcks.size()) - 1;
    QCOMPARE(clientCounter(*sim, Counter::TcpExtTCPSYNChallenge), retransmitted);
    QCOMPARE(clientCounter(*sim, Counter::TcpExtTCPChallengeACK), retransmitted);
    QCOMPARE(I64(acks.size()), 1 + retransmitted);
    for (std::size_t k = 1; k < synAcks.size(); ++k) QCOMPARE(acks[k].sent, synAcks[k].arrives);
    if (!fullQueue) {
        QCOMPARE(synAcks.size(), std::size_t{2});
        QCOMPARE(acks[1].fate, PacketFate::Delivered);
        QCOMPARE(serverStateSince(h, 0, TcpState::Established), acks[1].arrives);
        QCOMPARE(serverCounter(*sim, Counter::TcpPassiveOpens), I64{1});
        return;
    }
    // Veithen's trace: the dup ACKs at about 1, 3, 7, 15, 31 s each meet the full queue again.
    QCOMPARE(synAcks.size(), std::size_t{6});
    for (std::size_t k = 1; k < acks.size(); ++k) QCOMPARE(acks[k].fate, PacketFate::DroppedAckQueueFull);
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows), I64{5});
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops), I64{5});
    const std::vector<QueueEntry> synq = staysOf(h, 1, QueueKind::Syn, 0);
    QCOMPARE(synq.size(), std::size_t{1});
    QCOMPARE(synq[0].reason, LeaveReason::Expired);
}

void TestRules::rule_T5_dataRtoFallsBackAfterRetransmittedHandshake_data() {
    QTest::addColumn<QString>("lost");     // what is lost until 500 ms besides the data: "", syn, synack
    QTest::addColumn<int>("firstRtoMs");  // the first data RTO firing, after the write

    QTest::newRow("clean handshake: TLP at 0.2 s, then RTO 0.2 s (M17)") << "" << 400;
    QTest::newRow("SYN retransmitted: RTO 3 s") << "syn" << 3000;
    QTest::newRow("SYN-ACK lost, SYN retransmitted: RTO 3 s") << "synack" << 3000;
}

void TestRules::rule_T5_dataRtoFallsBackAfterRetransmittedHandshake() {
    QFETCH(QString, lost);
    QFETCH(int, firstRtoMs);

    ScenarioText text;
    text.rtt("1ms").clients("c", 1, "0s", "1ms", true).fault("data", "c", "0s", "20s").until("15s");
    if (!lost.isEmpty()) text.fault(str(lost), "c", "0s", "500ms");
    SIMULATE(sim, text);
    const History& h = sim->history();
    const ClientRecord& rec = h.clients[0];

    QVERIFY(!rec.connectedAt.isNever());
    QCOMPARE(rec.synTimes.size(), std::size_t(lost.isEmpty() ? 1 : 2));
    const std::vector<Packet> data = flowPackets(h, 0, PacketKind::Data, true);
    QVERIFY(data.size() >= 2);
    const Time write = data[0].sent;
    QCOMPARE(write, rec.connectedAt);
    // The first RTO firing of the data (TCPTimeouts after the write; a SYN timeout comes before it).
    const I64 before = clientCounter(*sim, Counter::TcpExtTCPTimeouts, write);
    const Time rto = counterReached(*sim, Host::Clients, Counter::TcpExtTCPTimeouts, before + 1);
    const Time due = ms(firstRtoMs);
    Time slack = timerSlack(due, 250);
    if (lost.isEmpty()) slack = timerSlack(ms(200), 250) + timerSlack(ms(200), 250); // probe, then RTO
    QVERIFY_WITHIN(rto - write, due, due + slack);
    QVERIFY(std::any_of(data.begin(), data.end(), [&](const Packet& p) { return p.sent == rto && p.retrans > 0; }));
}

void TestRules::rule_T6_clientSynSchedule_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("hz");
    QTest::addColumn<int>("synRetries");     // -1: default
    QTest::addColumn<int>("linearTimeouts"); // -1: the profile's default
    QTest::addColumn<QList<int>>("retrans"); // seconds after connect()
    QTest::addColumn<int>("timeout");        // ETIMEDOUT, seconds after connect()

    const QList<int> linear{1, 2, 3, 4, 5, 7, 11, 19, 35, 67};
    const QList<int> classic{1, 3, 7, 15, 31, 63};
    QTest::newRow("6.18 defaults (6, 4): linear then exponential, 131 s") << "6.18" << 250 << -1 << -1 << linear << 131;
    QTest::newRow("6.18 at HZ 1000") << "6.18" << 1000 << -1 << -1 << linear << 131;
    QTest::newRow("6.18 at HZ 100") << "6.18" << 100 << -1 << -1 << linear << 131;
    QTest::newRow("6.18 at HZ 300") << "6.18" << 300 << -1 << -1 << linear << 131;
    QTest::newRow("6.12 defaults (after 6.5): linear") << "6.12" << 250 << -1 << -1 << linear << 131;
    QTest::newRow("tcp_syn_linear_timeouts 0: classic, 127 s") << "6.18" << 250 << -1 << 0 << classic << 127;
    QTest::newRow("4.15 profile: classic, 127 s") << "4.15" << 250 << -1 << -1 << classic << 127;
    QTest::newRow("6.1 profile (before 6.5): classic") << "6.1" << 250 << -1 << -1 << classic << 127;
    QTest::newRow("syn_retries 3, linear 0: 1, 3, 7; 15 s") << "6.18" << 250 << 3 << 0 << QList<int>{1, 3, 7} << 15;
    QTest::newRow("syn_retries 1, linear 0: 1; 3 s") << "6.18" << 250 << 1 << 0 << QList<int>{1} << 3;
    QTest::newRow("syn_retries 2, linear 4: the 7 s time limit first")
        << "6.18" << 250 << 2 << 4 << QList<int>{1, 2, 3, 4, 5} << 7;
    QTest::newRow("syn_retries 1, linear 4: the 3 s time limit first") << "6.18" << 250 << 1 << 4 << QList<int>{1, 2}
                                                                        << 3;
    QTest::newRow("syn_retries 8, linear 0: RTO capped at 120 s")
        << "6.18" << 250 << 8 << 0 << QList<int>{1, 3, 7, 15, 31, 63, 127, 247} << 367;
    QTest::newRow("syn_retries 6, linear 2") << "6.18" << 250 << 6 << 2 << QList<int>{1, 2, 3, 5, 9, 17, 33, 65} << 129;
    // No schedule: an RST in SYN-SENT (the only listener has been closed) refuses the connection.
    QTest::newRow("RST in SYN-SENT: ECONNREFUSED") << "6.18" << 250 << -1 << -1 << QList<int>{} << 0;
}

void TestRules::rule_T6_clientSynSchedule() {
    QFETCH(QString, version);
    QFETCH(int, hz);
    QFETCH(int, synRetries);
    QFETCH(int, linearTimeouts);
    QFETCH(QList<int>, retrans);
    QFETCH(int, timeout);

    if (timeout == 0) {
        ScenarioText refused;
        refused.rtt("1ms").clients("c", 1, "1s", "1ms", false).closeListener("500ms", 0);
        SIMULATE(sim, refused);
        const ClientRecord& rec = sim->history().clients[0];
        QCOMPARE(rec.error, ClientError::ConnectionRefused);
        QCOMPARE(rec.errorAt - rec.connectAt, ms(1));
        QCOMPARE(rec.synTimes.size(), std::size_t{1});
        QCOMPARE(clientCounter(*sim, Counter::TcpAttemptFails), I64{1});
        QCOMPARE(serverCounter(*sim, Counter::TcpOutRsts), I64{1});
        return;
    }
    // Every SYN is lost.
    ScenarioText text;
    text.version(str(version)).hz(hz).clients("c", 1, "0s", "1ms", false).fault("syn", "c", "0s");
    if (synRetries >= 0) text.sysctl("net.ipv4.tcp_syn_retries", synRetries);
    if (linearTimeouts >= 0) text.sysctl("net.ipv4.tcp_syn_linear_timeouts", linearTimeouts);
    SIMULATE(sim, text);
    const ClientRecord& rec = sim->history().clients[0];

    QCOMPARE(rec.synTimes.size(), std::size_t(1 + retrans.size()));
    QCOMPARE(rec.synTimes[0], rec.connectAt);
    QList<int> chain = retrans;
    chain.append(timeout);
    const std::vector<Window> w = chainWindows(chain, hz);
    for (qsizetype k = 0; k < retrans.size(); ++k) {
        const auto i = static_cast<std::size_t>(k);
        QVERIFY_WITHIN(rec.synTimes[i + 1] - rec.connectAt, w[i].lo, w[i].hi);
    }
    QCOMPARE(rec.error, ClientError::TimedOut);
    QVERIFY_WITHIN(rec.errorAt - rec.connectAt, w.back().lo, w.back().hi);
    QCOMPARE(clientCounter(*sim, Counter::TcpActiveOpens), I64{1});
    QCOMPARE(clientCounter(*sim, Counter::TcpExtTCPSynRetrans), I64(retrans.size()));
    QCOMPARE(clientCounter(*sim, Counter::TcpRetransSegs), I64(retrans.size()));
    QCOMPARE(clientCounter(*sim, Counter::TcpExtTCPTimeouts), I64(retrans.size() + 1));
    QCOMPARE(clientCounter(*sim, Counter::TcpAttemptFails), I64{1});
}

// ============================================================================================ D

void TestRules::rule_D1_unacceptedChildReceivesData_data() {
    QTest::addColumn<QString>("workerStart"); // empty: no worker
    QTest::newRow("never accepted") << "";
    QTest::newRow("accepted at 2 s") << "2s";
}

void TestRules::rule_D1_unacceptedChildReceivesData() {
    QFETCH(QString, workerStart);

    ScenarioText text;
    text.rtt("1ms").backlog(4).clients("c", 1, "0s", "1ms", true).until("5s");
    if (!workerStart.isEmpty()) text.workers(1, "blocking", "1ms", str(workerStart));
    SIMULATE(sim, text);
    const History& h = sim->history();
    const ClientRecord& rec = h.clients[0];

    // The request reached the child at once and was ACKed: the client never retransmits it.
    const Time child = serverStateSince(h, 0, TcpState::Established);
    QCOMPARE(rec.dataQueuedAt, child);
    QCOMPARE(flowPackets(h, 0, PacketKind::Data, true).size(), std::size_t{1});
    const auto acks = flowPackets(h, 0, PacketKind::Ack, false);
    QVERIFY(std::any_of(acks.begin(), acks.end(), [&](const Packet& p) { return p.sent == rec.dataQueuedAt; }));
    // ss -tan: the child is ESTAB with the unread request in its Recv-Q.
    const std::vector<SsSocket> all = sim->ssAll(sec(1));
    const auto estab = std::find_if(all.begin(), all.end(), [](const SsSocket& s) { return s.state == TcpState::Established; });
    QVERIFY(estab != all.end());
    QVERIFY(estab->recvQ > 0);
    QCOMPARE(h.queueLengthsAt(0, sec(1)).accept, I64{1});
    if (workerStart.isEmpty()) {
        QVERIFY(rec.acceptedAt.isNever());
        QCOMPARE(h.serverStateAt(0, h.end), TcpState::Established);
    } else {
        QVERIFY_WITHIN(rec.acceptedAt, sec(2), sec(2) + ms(1));
        QVERIFY(!rec.respondedAt.isNever());
    }
}

void TestRules::rule_D3_D4_peerClosesBeforeAccept_data() {
    QTest::addColumn<bool>("abort");             // false: close() sends a FIN (D3); true: SO_LINGER 0, an RST (D4)
    QTest::addColumn<TcpState>("queuedState");   // the child's state while it waits in the accept queue
    QTest::newRow("D3: FIN before accept, child in CLOSE-WAIT") << false << TcpState::CloseWait;
    QTest::newRow("D4: RST before accept, child closed") << true << TcpState::Closed;
}

void TestRules::rule_D3_D4_peerClosesBeforeAccept() {
    QFETCH(bool, abort);
    QFETCH(TcpState, queuedState);

    const std::string yaml = std::string("network: { rtt: 1ms }\n"
                                         "server: { backlog: 4, workers: { count: 1, start: 2s, service: 10ms } }\n"
                                         "traffic:\n"
                                         "  - { name: c, clients: 1, send: true, close_after: 100ms, abort: ") +
                             (abort ? "true" : "false") + " }\n";
    const backlog::ReadResult read = backlog::readScenarioText(yaml, "d3d4");
    QVERIFY2(read.scenario, read.errors.empty() ? "" : read.errors.front().text().c_str());
    Simulation sim(*read.scenario);
    sim.run();
    const History& h = sim.history();
    const ClientRecord& rec = h.clients[0];

    // Before accept(): the child has seen the peer's FIN or RST and still counts in Recv-Q (D5).
    QCOMPARE(h.serverStateAt(0, sec(1)), queuedState);
    QCOMPARE(h.queueLengthsAt(0, sec(1)).accept, I64{1});
    QCOMPARE(sim.ssListening(sec(1)).front().recvQ, I64{1});
    // accept() still returns it (Linux does not answer ECONNABORTED).
    QVERIFY_WITHIN(rec.acceptedAt, sec(2), sec(2) + ms(1));
    const auto accepted = staysOf(h, 1, QueueKind::Accept, 0);
    QCOMPARE(accepted.size(), std::size_t{1});
    QCOMPARE(accepted.front().reason, LeaveReason::Accepted);
    if (abort) {
        // ESTABLISHED → CLOSE on both sides is a reset; the server sends nothing back.
        QCOMPARE(serverCounter(sim, Counter::TcpEstabResets), I64{1});
        QCOMPARE(clientCounter(sim, Counter::TcpEstabResets), I64{1});
        QCOMPARE(serverCounter(sim, Counter::TcpOutRsts), I64{0});
    } else {
        // The unread request waits in CLOSE-WAIT (ss -tan shows it with its Recv-Q).
        const std::vector<SsSocket> all = sim.ssAll(sec(1));
        const auto cw = std::find_if(all.begin(), all.end(), [](const SsSocket& s) { return s.state == TcpState::CloseWait; });
        QVERIFY(cw != all.end());
        QVERIFY(cw->recvQ > 0);
        QCOMPARE(h.clientStateAt(0, sec(1)), TcpState::FinWait2);
        QCOMPARE(serverCounter(sim, Counter::TcpEstabResets), I64{0});
    }
}

// ============================================================================================ P

void TestRules::rule_P1_acceptTakesTheHead_data() {
    QTest::addColumn<bool>("lateCompleter");
    QTest::newRow("connect order") << false;
    QTest::newRow("a late completer joins the tail") << true;
}

void TestRules::rule_P1_acceptTakesTheHead() {
    QFETCH(bool, lateCompleter);

    ScenarioText text;
    text.rtt("1ms").backlog(8).workers(1, "blocking", "100ms", "2s");
    if (lateCompleter) text.clients("late", 1, "0s", "1ms", false).fault("client-acks", "late", "0s", "300ms");
    text.clients("c", 4, "100ms", "10ms", false);
    SIMULATE(sim, text);
    const History& h = sim->history();

    std::vector<QueueEntry> queued = stays(h, 0, QueueKind::Accept);
    QCOMPARE(queued.size(), h.clients.size());
    std::sort(queued.begin(), queued.end(), [](const QueueEntry& a, const QueueEntry& b) { return a.entered < b.entered; });
    if (lateCompleter) QCOMPARE(queued.back().flow, FlowId{0}); // completed at about 1 s, after the others
    // One worker, 100 ms per connection: accept() returns them in the order they entered.
    for (std::size_t k = 0; k < queued.size(); ++k) {
        QCOMPARE(queued[k].reason, LeaveReason::Accepted);
        QCOMPARE(h.clients[queued[k].flow].acceptedAt, queued[k].left);
        QCOMPARE(queued[k].left, sec(2) + ms(100) * I64(k));
    }
}

void TestRules::rule_P2_blockingAcceptWakesOneInFifoOrder_data() {
    QTest::addColumn<int>("workers");
    QTest::addColumn<int>("clients");
    QTest::addColumn<QString>("spacing");
    QTest::addColumn<QString>("service");
    QTest::addColumn<QList<int>>("expectedWorker"); // per client

    QTest::newRow("three sleepers: the longest waiter first") << 3 << 3 << "100ms" << "10s" << QList<int>{0, 1, 2};
    QTest::newRow("re-queued at the tail: round robin") << 3 << 7 << "100ms" << "50ms"
                                                         << QList<int>{0, 1, 2, 0, 1, 2, 0};
    QTest::newRow("more connections than sleepers") << 2 << 4 << "1ms" << "1s" << QList<int>{0, 1, 0, 1};
}

void TestRules::rule_P2_blockingAcceptWakesOneInFifoOrder() {
    QFETCH(int, workers);
    QFETCH(int, clients);
    QFETCH(QString, spacing);
    QFETCH(QString, service);
    QFETCH(QList<int>, expectedWorker);

    ScenarioText text;
    text.workers(workers, "blocking", str(service)).clients("c", clients, "0s", str(spacing), true);
    SIMULATE(sim, text);
    const History& h = sim->history();

    const std::map<FlowId, int> served = servedBy(h);
    for (int c = 0; c < clients; ++c) {
        const auto it = served.find(static_cast<FlowId>(c));
        QVERIFY(it != served.end());
        QCOMPARE(it->second, expectedWorker[c]);
    }
    // Wake-one: nobody is ever woken for nothing.
    QCOMPARE(h.wastedWakeupsUntil(0, kEnd), I64{0});
    for (const backlog::WorkerRecord& w : h.workers)
        for (const backlog::WorkerRecord::Change& c : w.changes) QVERIFY(c.state != WorkerState::WokenForNothing);
}

void TestRules::rule_P3_epollWakesEveryIdleWatcher_data() {
    QTest::addColumn<QString>("accept");
    QTest::addColumn<int>("workers");
    QTest::addColumn<int>("clients");
    QTest::addColumn<int>("wasted");

    QTest::newRow("epoll, 4 idle loops: 3 wasted per connection") << "epoll" << 4 << 5 << 15;
    QTest::newRow("epoll, 8 idle loops: 7 wasted per connection") << "epoll" << 8 << 3 << 21;
    QTest::newRow("epoll, 1 loop: none wasted") << "epoll" << 1 << 5 << 0;
    QTest::newRow("EPOLLEXCLUSIVE, 4 loops: none wasted") << "epoll-exclusive" << 4 << 5 << 0;
    QTest::newRow("blocking accept, 4 workers: none wasted") << "blocking" << 4 << 5 << 0;
}

void TestRules::rule_P3_epollWakesEveryIdleWatcher() {
    QFETCH(QString, accept);
    QFETCH(int, workers);
    QFETCH(int, clients);
    QFETCH(int, wasted);

    ScenarioText text;
    text.workers(workers, str(accept), "1ms").clients("c", clients, "0s", "100ms", true);
    SIMULATE(sim, text);
    const History& h = sim->history();

    QCOMPARE(h.wastedWakeupsUntil(0, kEnd), I64{wasted});
    const std::map<FlowId, int> served = servedBy(h);
    QCOMPARE(served.size(), std::size_t(clients));
    for (FlowId c = 0; c < static_cast<FlowId>(clients); ++c) {
        QVERIFY(!h.clients[c].acceptedAt.isNever());
        // Each connection's herd is over within a millisecond of its arrival.
        QCOMPARE(h.wastedWakeupsUntil(0, h.clients[c].acceptedAt + ms(1)), I64{wasted / clients} * I64(c + 1));
    }
}

// The application switches how its workers wait, mid-run (a lesson comparing Apache and NGINX): idle
// workers re-register at once, nothing is left in the queue, and the herd appears only under epoll.
void TestRules::rule_P_switchingAcceptModeKeepsAccepting_data() {
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    QTest::addColumn<bool>("herdAfter");
    QTest::newRow("blocking → epoll") << "blocking" << "epoll" << true;
    QTest::newRow("epoll → blocking") << "epoll" << "blocking" << false;
    QTest::newRow("blocking → epoll-exclusive") << "blocking" << "epoll-exclusive" << false;
    QTest::newRow("epoll-exclusive → epoll") << "epoll-exclusive" << "epoll" << true;
}

void TestRules::rule_P_switchingAcceptModeKeepsAccepting() {
    QFETCH(QString, from);
    QFETCH(QString, to);
    QFETCH(bool, herdAfter);
    ScenarioText text;
    text.workers(4, str(from), "50ms").clients("c", 40, "0s", "100ms", true).set("2.05s", "server.workers.accept", str(to));
    SIMULATE(sim, text);
    const History& h = sim->history();
    for (FlowId c = 0; c < 40; ++c) QVERIFY2(!h.clients[c].acceptedAt.isNever(), qPrintable(QString::number(c)));
    const bool herdBefore = from == QLatin1String("epoll");
    const Time change = Time::ms(2050);
    QCOMPARE(h.wastedWakeupsUntil(0, change) > 0, herdBefore);
    QCOMPARE(h.wastedWakeupsUntil(0, kEnd) - h.wastedWakeupsUntil(0, change) > 0, herdAfter);
    // After the switch every idle worker waits the new way.
    const WorkerState idle = to == QLatin1String("blocking") ? WorkerState::BlockedInAccept : WorkerState::InEpollWait;
    for (std::uint32_t w = 0; w < 4; ++w) QCOMPARE(h.workerAt(w, Time::s(2) + Time::ms(99)).state, idle);
}

// ============================================================================================ R

void TestRules::rule_R2_hashSplitsFlowsUnevenly_data() {
    QTest::addColumn<int>("seed");
    QTest::newRow("seed 1") << 1;
    QTest::newRow("seed 2") << 2;
    QTest::newRow("seed 3") << 3;
}

void TestRules::rule_R2_hashSplitsFlowsUnevenly() {
    QFETCH(int, seed);

    // 40 flows over 4 listeners that hold 2 each (backlog 1): most SYNs are dropped and retransmitted.
    ScenarioText text;
    text.seed(seed).listeners(4).backlog(1).clients("c", 40, "0s", "1ms", false).until("3500ms");
    SIMULATE(sim, text);
    const History& h = sim->history();

    std::vector<int> listenerOf(40, -1);
    std::vector<int> share(4, 0);
    for (const Packet& p : packets(h, [](const Packet& q) { return q.kind == PacketKind::Syn && q.toServer; })) {
        int& l = listenerOf[p.flow];
        if (l < 0) {
            l = p.listener;
            ++share[static_cast<std::size_t>(l)];
        }
        QCOMPARE(int(p.listener), l); // a flow's SYNs always hash to the same listener
    }
    bool roundRobin = true;
    for (int c = 0; c < 40; ++c) {
        QVERIFY(listenerOf[static_cast<std::size_t>(c)] >= 0);
        roundRobin = roundRobin && listenerOf[static_cast<std::size_t>(c)] == c % 4;
    }
    QVERIFY2(!roundRobin, "flows are dealt out in turn, not hashed");
    QVERIFY2(std::adjacent_find(share.begin(), share.end(), std::not_equal_to<>()) != share.end(),
             "an exactly even split (M14 measured 11/10/10/9, 13/13/6/8)");
    for (int l = 0; l < 4; ++l) {
        QVERIFY(share[static_cast<std::size_t>(l)] > 0);
        QCOMPARE(h.queueLengthsAt(l, sec(3)).accept, I64{std::min(2, share[static_cast<std::size_t>(l)])});
    }
}

void TestRules::rule_R3_noFallbackToOtherListeners_data() {
    QTest::addColumn<int>("listeners"); // the last one has no worker: stalled
    QTest::addColumn<int>("backlog");
    QTest::addColumn<int>("clients");
    QTest::addColumn<bool>("synQueue"); // instead: a burst fills one listener's SYN queue

    QTest::newRow("4 listeners, one stalled (E5)") << 4 << 4 << 100 << false;
    QTest::newRow("2 listeners, one stalled") << 2 << 2 << 40 << false;
    QTest::newRow("2 listeners: cookies for the shard whose SYN queue is full") << 2 << 2 << 6 << true;
}

void TestRules::rule_R3_noFallbackToOtherListeners() {
    QFETCH(int, listeners);
    QFETCH(int, backlog);
    QFETCH(int, clients);
    QFETCH(bool, synQueue);

    if (synQueue) {
        // A burst, a 100 ms round trip, nobody accepting: each listener's SYN queue (backlog+1)
        // takes what hashes to it; the rest of that shard gets cookies, whatever the others hold.
        ScenarioText text;
        text.listeners(listeners).backlog(backlog).rtt("100ms").clients("burst", clients, "0s", "0s", false);
        text.until("900ms");
        SIMULATE(sim, text);
        const History& h = sim->history();
        std::vector<I64> share(static_cast<std::size_t>(listeners), 0);
        for (const Packet& p : packets(h, [](const Packet& q) { return q.kind == PacketKind::Syn; }))
            ++share[p.listener];
        I64 cookies = 0;
        bool cookieWhileOtherHadRoom = false;
        for (int l = 0; l < listeners; ++l) {
            const I64 n = share[static_cast<std::size_t>(l)];
            QCOMPARE(h.queueLengthsAt(l, ms(100)).syn, std::min(n, I64{backlog + 1}));
            cookies += std::max(I64{0}, n - (backlog + 1));
            if (n > backlog + 1)
                for (int o = 0; o < listeners; ++o)
                    cookieWhileOtherHadRoom = cookieWhileOtherHadRoom || share[static_cast<std::size_t>(o)] < backlog + 1;
        }
        QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesSent, ms(100)), cookies);
        QVERIFY2(cookieWhileOtherHadRoom, "the hash split the burst evenly: change the seed or the burst");
        return;
    }
    ScenarioText text;
    text.listeners(listeners).backlog(backlog).workers(listeners - 1, "blocking", "1ms");
    text.clients("c", clients, "0s", "10ms", true).until("10s");
    SIMULATE(sim, text);
    const History& h = sim->history();
    const int stalled = listeners - 1;

    QCOMPARE(h.queueLengthsAt(stalled, sec(10)).accept, I64{backlog + 1});
    const auto dropped = packets(h, [](const Packet& p) { return p.fate == PacketFate::DroppedAcceptQueueFull; });
    QVERIFY(!dropped.empty());
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows), I64(dropped.size()));
    for (const Packet& p : dropped) {
        QCOMPARE(int(p.listener), stalled);
        for (int l = 0; l < stalled; ++l) QVERIFY(h.queueLengthsAt(l, p.arrives).accept <= backlog); // had room
    }
    // The clients left out at the stalled listener never get in, however often they retry.
    std::set<FlowId> leftOut;
    for (const Packet& p : dropped) leftOut.insert(p.flow);
    for (FlowId c : leftOut) QVERIFY(h.clients[c].connectedAt.isNever());
}

void TestRules::rule_R4_membershipChangeRemapsNewFlows_data() {
    QTest::addColumn<QString>("change"); // close: listener 0 of 3 closes; add: a third listener joins
    QTest::addColumn<bool>("requests");  // watch requests spanning the change instead of retransmitted SYNs

    QTest::newRow("closing listener 0 of 3: the last member takes its slot") << "close" << false;
    QTest::newRow("adding a third listener: appended, most hashes move") << "add" << false;
    QTest::newRow("closing: a request keeps its listener") << "close" << true;
    QTest::newRow("adding: a request keeps its listener") << "add" << true;
}

void TestRules::rule_R4_membershipChangeRemapsNewFlows() {
    QFETCH(QString, change);
    QFETCH(bool, requests);

    const bool closing = change == "close";
    ScenarioText text;
    if (requests) {
        // SYNs every 10 ms with a 100 ms round trip: requests created before the change at 300 ms
        // complete after it.
        text.backlog(64).rtt("100ms").clients("c", 60, "0s", "10ms", false).until("2s");
    } else {
        // Every listener holds one connection (backlog 0) and nothing is accepted: almost every
        // flow is dropped and retransmits its SYN (same 4-tuple) at about 1 s, after the change.
        text.backlog(0).clients("c", 40, "0s", "1ms", false).until("1500ms");
    }
    const std::string at = requests ? "300ms" : "500ms";
    if (closing) text.listeners(3).closeListener(at, 0);
    else text.listeners(2).set(at, "server.listeners", "3");
    SIMULATE(sim, text);
    const History& h = sim->history();
    const Time changed = requests ? ms(300) : ms(500);

    std::set<int> before, after;
    std::map<FlowId, int> first, retried; // the listener of each flow's SYN before / after the change
    for (const Packet& p : packets(h, [](const Packet& q) { return q.kind == PacketKind::Syn && q.toServer; })) {
        (p.arrives < changed ? before : after).insert(p.listener);
        (p.arrives < changed ? first : retried).emplace(p.flow, p.listener);
    }
    QCOMPARE(before, closing ? (std::set<int>{0, 1, 2}) : (std::set<int>{0, 1}));
    QCOMPARE(after, closing ? (std::set<int>{1, 2}) : (std::set<int>{0, 1, 2}));

    if (!requests) {
        // reciprocal_scale(hash, n) over socks[] (R2). Closing 0 of [0, 1, 2] leaves [2, 1]: every
        // flow of listener 2 (the top third of hashes) now maps to slot 1, listener 1, and the part
        // of listener 1's flows below one half maps to slot 0, now listener 2. Adding to [0, 1] gives
        // [0, 1, 2]: a flow can only stay or move up by one listener.
        int moved = 0;
        int fromLast = 0;
        for (const auto& [flow, b] : retried) {
            const auto a = first.find(flow);
            QVERIFY(a != first.end());
            moved += a->second != b ? 1 : 0;
            if (closing) {
                QVERIFY(b != 0);
                if (a->second == 2) {
                    ++fromLast;
                    QCOMPARE(b, 1);
                }
            } else {
                QVERIFY2(b == a->second || b == a->second + 1, "a flow moved other than to the next listener");
            }
        }
        QVERIFY2(moved > 0, "no flow was remapped");
        if (closing) QVERIFY2(fromLast > 0, "no retransmitting flow of listener 2: change the seed or the traffic");
        return;
    }
    // A request stays with the listener its SYN reached, even when its ACK comes after the change.
    const int listeners = static_cast<int>(h.listeners.size());
    int spanning = 0;
    for (const auto& [flow, l] : first) {
        const auto children = staysOf(h, listeners, QueueKind::Accept, flow);
        if (children.empty()) continue; // reset with listener 0 (R6)
        QCOMPARE(children.size(), std::size_t{1});
        bool onItsListener = false;
        for (const QueueEntry& e : stays(h, l, QueueKind::Accept)) onItsListener = onItsListener || e.flow == flow;
        QVERIFY(onItsListener);
        spanning += children[0].entered >= changed ? 1 : 0;
    }
    QVERIFY(spanning > 0);
}

void TestRules::rule_R6_closedListenerResetsOrMigrates_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("migrate"); // -1: the profile has no tcp_migrate_req
    QTest::addColumn<QString>("what");
    QTest::addColumn<bool>("viaChangeAt"); // close through Simulation::changeAt() instead of an event
    // children: listener 0's accept queue is full at the close (a);
    // requests: listener 0 has requests in SYN-RECV; their final ACKs come after the close (c);
    // requests-full: the same, but the other listener's accept queue is full (c, failure);
    // requests-timer: the final ACKs are lost, so the requests' SYN-ACK timers fire first (b).

    QTest::newRow("tcp_migrate_req 0: queued children are reset") << "6.18" << 0 << "children" << false;
    QTest::newRow("tcp_migrate_req 1: they move, past backlog+1 (M15)") << "6.18" << 1 << "children" << false;
    QTest::newRow("5.4 (no tcp_migrate_req): reset") << "5.4" << -1 << "children" << false;
    QTest::newRow("tcp_migrate_req 1, closed through changeAt()") << "6.18" << 1 << "children" << true;
    QTest::newRow("tcp_migrate_req 0, closed through changeAt()") << "6.18" << 0 << "children" << true;
    QTest::newRow("tcp_migrate_req 0: a request's ACK after the close gets an RST") << "6.18" << 0 << "requests"
                                                                                   << false;
    QTest::newRow("tcp_migrate_req 1: the request completes on the other listener") << "6.18" << 1 << "requests"
                                                                                   << false;
    QTest::newRow("tcp_migrate_req 1: target full: ListenOverflows, TCPMigrateReqFailure")
        << "6.18" << 1 << "requests-full" << false;
    QTest::newRow("tcp_migrate_req 0: the request is dropped when its timer fires") << "6.18" << 0
                                                                                   << "requests-timer" << false;
    QTest::newRow("tcp_migrate_req 1: its timer clones it to the other listener") << "6.18" << 1 << "requests-timer"
                                                                                 << false;
}

void TestRules::rule_R6_closedListenerResetsOrMigrates() {
    QFETCH(QString, version);
    QFETCH(int, migrate);
    QFETCH(QString, what);
    QFETCH(bool, viaChangeAt);

    const bool children = what == "children";
    const int backlog = children ? 4 : what == "requests-full" ? 2 : 16;
    const Time close = children ? ms(500) : what == "requests-full" ? ms(1100) : ms(100);
    const std::string closeAt = std::to_string(close.count() / 1'000'000) + "ms";
    ScenarioText text;
    text.version(str(version)).listeners(2).backlog(backlog).until("2500ms");
    if (migrate >= 0) text.sysctl("net.ipv4.tcp_migrate_req", migrate);
    if (children) {
        text.clients("c", 30, "0s", "1ms", false);
    } else if (what == "requests-full") {
        // A worker on listener 0 only (workers are dealt out in turn): listener 1 fills up, then
        // `late` clients leave requests on listener 0, closed before their ACKs arrive.
        text.rtt("100ms").workers(1).clients("fill", 16, "0s", "1ms", false).clients("late", 16, "1s", "1ms", false);
        text.until("1900ms");
    } else {
        text.rtt("100ms").clients("c", 16, "0s", "1ms", false);
        if (what == "requests-timer") text.fault("client-acks", "c", "0s", "500ms");
    }
    if (!viaChangeAt) text.closeListener(closeAt, 0);
    SIMULATE(sim, text);
    if (viaChangeAt) {
        const std::optional<std::string> refused = sim->changeAt(close, "close-listener", "0");
        QVERIFY2(!refused, refused ? refused->c_str() : "");
    }
    const History& h = sim->history();
    const Time just = close - Time::ns(1);
    const Time after = close + ms(200);

    // The connections listener 0 has at the close.
    std::vector<FlowId> victims;
    for (const QueueEntry& e : h.queueAt(0, children ? QueueKind::Accept : QueueKind::Syn, just)) victims.push_back(e.flow);
    QVERIFY2(!victims.empty(), "no connection on listener 0 at the close: change the seed or the traffic");
    const I64 q1 = h.queueLengthsAt(1, just).accept;

    QVERIFY(!h.listenerOpenAt(0, after));
    const std::vector<SsSocket> ss = sim->ssListening(after);
    QCOMPARE(ss.size(), std::size_t{1});
    QCOMPARE(ss[0].sendQ, I64{backlog});
    const bool migrates = migrate == 1;
    const I64 rstsAtClose = serverCounter(*sim, Counter::TcpOutRsts, after) - serverCounter(*sim, Counter::TcpOutRsts, just);
    const I64 victimCount = I64(victims.size());
    const auto onListener1 = [&](FlowId c, Time t) {
        for (const QueueEntry& e : h.queueAt(1, QueueKind::Accept, t))
            if (e.flow == c) return true;
        return false;
    };

    if (children) {
        const I64 moved = migrates ? victimCount : 0;
        QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPMigrateReqSuccess), moved);
        QCOMPARE(ss[0].recvQ, q1 + moved); // no fullness check: Recv-Q past backlog+1
        if (migrates) QVERIFY(ss[0].recvQ > backlog + 1);
        QCOMPARE(clientCounter(*sim, Counter::TcpEstabResets), migrates ? 0 : victimCount);
        for (FlowId c : victims) {
            QCOMPARE(h.clients[c].error, migrates ? ClientError::None : ClientError::ConnectionReset);
            if (migrates) {
                QVERIFY(onListener1(c, after));
            } else {
                QVERIFY(h.clients[c].errorAt < after);
                QCOMPARE(flowPackets(h, c, PacketKind::Rst, false).size(), std::size_t{1});
            }
        }
        QCOMPARE(rstsAtClose, migrates ? 0 : victimCount); // OutRsts: one per reset child
        return;
    }
    if (what == "requests-full") {
        // A7 on the target listener: each ACK is dropped there and the migration fails.
        for (FlowId c : victims) {
            const auto acks = flowPackets(h, c, PacketKind::Ack, true);
            QVERIFY(!acks.empty());
            QCOMPARE(acks[0].fate, PacketFate::DroppedAckQueueFull);
            QCOMPARE(h.clients[c].error, ClientError::None);
        }
        QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPMigrateReqFailure, after), victimCount);
        QCOMPARE(rstsAtClose, I64{0});
        return;
    }
    if (what == "requests") {
        for (FlowId c : victims) {
            if (migrates) {
                QCOMPARE(h.clients[c].error, ClientError::None);
                QVERIFY(onListener1(c, after));
            } else {
                // The request is dropped; the ACK, looked up again, finds listener 1: K2, an RST.
                QCOMPARE(h.clients[c].error, ClientError::ConnectionReset);
                QCOMPARE(flowPackets(h, c, PacketKind::Rst, false).size(), std::size_t{1});
            }
        }
        QCOMPARE(rstsAtClose, migrates ? 0 : victimCount);
        return;
    }
    // requests-timer: the first SYN-ACK timer (about 1 s after the SYN) finds the listener closed.
    const Time timerLo = ms(1050);
    const Time timerHi = ms(1050) + timerSlack(sec(1), 250);
    for (FlowId c : victims) {
        const auto synq = staysOf(h, 2, QueueKind::Syn, c);
        QVERIFY(!synq.empty());
        QCOMPARE(synq[0].reason, migrates ? LeaveReason::Migrated : LeaveReason::Reset);
        QVERIFY_WITHIN(synq[0].left, timerLo, timerHi);
        const auto synAcks = flowPackets(h, c, PacketKind::SynAck, false);
        if (migrates) {
            // Cloned to listener 1, whose timer work goes on: a SYN-ACK, a challenge ACK, a child.
            QVERIFY(synAcks.size() >= 2);
            QVERIFY(onListener1(c, sec(2)));
        } else {
            // Dropped silently: no SYN-ACK retransmission, no RST; the client never learns (idle).
            QCOMPARE(synAcks.size(), std::size_t{1});
            QVERIFY(flowPackets(h, c, PacketKind::Rst, false).empty());
            QCOMPARE(h.clientStateAt(c, sec(2)), TcpState::Established);
        }
    }
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPMigrateReqSuccess), migrates ? victimCount : 0);
}

// ============================================================================================ X

void TestRules::rule_X1_cookiesLetClientsPastFullSynQueue_data() {
    QTest::addColumn<int>("syncookies");
    QTest::addColumn<int>("connectedAtOnce"); // of 10 clients, within one RTT of connect()

    QTest::newRow("syncookies 1: everyone gets in through cookies") << 1 << 10;
    QTest::newRow("syncookies 0: the full SYN queue keeps them out") << 0 << 0;
}

void TestRules::rule_X1_cookiesLetClientsPastFullSynQueue() {
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

void TestRules::section5_versionProfiles_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("somaxconn");  // the default, shown as Send-Q of listen(fd, -1)
    QTest::addColumn<int>("cookies");    // E2: 200 SYNs at once at backlog 128
    QTest::addColumn<bool>("linear");    // tcp_syn_linear_timeouts exists (6.5)
    QTest::addColumn<bool>("migrateReq"); // tcp_migrate_req exists (5.14)

    QTest::newRow("4.15") << "4.15" << 128 << 72 << false << false;
    QTest::newRow("5.4") << "5.4" << 4096 << 72 << false << false;
    QTest::newRow("6.1") << "6.1" << 4096 << 72 << false << true;
    QTest::newRow("6.12 (before the January 2025 fix)") << "6.12" << 4096 << 72 << true << true;
    QTest::newRow("6.18") << "6.18" << 4096 << 71 << true << true;
}

void TestRules::section5_versionProfiles() {
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
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenDrops, Time::us(1000)), I64{0}); // not for cookie SYNs (4.7)
    QCOMPARE(h.queueLengthsAt(0, sec(1)).accept, I64{129});
    // SYN retransmissions: 1, 2, 3 … s with linear timeouts, 1, 3 s without.
    const ClientRecord& probe = h.clients[clientsOf(h, 1).at(0)];
    QVERIFY(probe.synTimes.size() >= 3);
    const Time second = probe.synTimes[2] - probe.connectAt;
    if (linear) QVERIFY_WITHIN(second, sec(2), sec(2) + timerSlack(sec(1), 250) * 2);
    else QVERIFY_WITHIN(second, sec(3), sec(3) + timerSlack(sec(1), 250) + timerSlack(sec(2), 250));

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

void TestRules::section4_countersCountWhatTheyName_data() {
    QTest::addColumn<QString>("scenario");
    QTest::newRow("A7b resets") << "a7b";
    QTest::newRow("K2 reset after expiry") << "k2";
    QTest::newRow("R6 listener closed, children reset") << "r6";
    QTest::newRow("A4 client RST") << "a4";
    QTest::newRow("E2 burst with cookies and overflows") << "e2";
    QTest::newRow("syncookies 0 overflow and S2 drops") << "nocookies";
}

void TestRules::section4_countersCountWhatTheyName() {
    QFETCH(QString, scenario);

    ScenarioText text;
    if (scenario == "a7b") {
        text = lateAckScenario(false, 1).until("10s");
    } else if (scenario == "k2") {
        text.rtt("1ms").clients("c", 1, "0s", "1ms", true).fault("client-acks", "c", "0s", "100s");
        text.fault("data", "c", "0s", "100s").until("150s");
    } else if (scenario == "r6") {
        text.listeners(2).backlog(4).clients("c", 30, "0s", "1ms", false).closeListener("500ms", 0).until("3s");
    } else if (scenario == "a4") {
        text.rtt("100ms").sysctl("net.ipv4.tcp_syn_retries", 1).sysctl("net.ipv4.tcp_syn_linear_timeouts", 0);
        text.clients("c", 1, "0s", "1ms", false).fault("synack", "c", "0s", "3500ms").until("20s");
    } else if (scenario == "e2") {
        text.rtt("1ms").backlog(128).clients("burst", 200, "0s", "0s", true).until("30s");
    } else {
        text.rtt("100ms").backlog(4).sysctl("net.ipv4.tcp_syncookies", 0).clients("burst", 8, "0s", "0s", false);
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
    QCOMPARE(clientCounter(*sim, Counter::TcpExtTCPSynRetrans),
             countPackets([](const Packet& p) { return p.kind == PacketKind::Syn && p.toServer && p.retrans > 0; }));
    // SyncookiesSent: cookie SYN-ACKs generated.
    QCOMPARE(serverCounter(*sim, Counter::TcpExtSyncookiesSent),
             countPackets([](const Packet& p) { return p.kind == PacketKind::SynAck && p.cookie; }));
    // ListenOverflows: S2, A7 and K1 overflows; ListenDrops is a superset; TCPReqQFullDrop: S1 drops.
    QCOMPARE(serverCounter(*sim, Counter::TcpExtListenOverflows), countPackets([](const Packet& p) {
                 return p.fate == PacketFate::DroppedAcceptQueueFull || p.fate == PacketFate::DroppedAckQueueFull ||
                        p.fate == PacketFate::DroppedCookieQueueFull;
             }));
    QVERIFY(serverCounter(*sim, Counter::TcpExtListenOverflows) <= serverCounter(*sim, Counter::TcpExtListenDrops));
    QCOMPARE(serverCounter(*sim, Counter::TcpExtTCPReqQFullDrop),
             countPackets([](const Packet& p) { return p.fate == PacketFate::DroppedSynQueueFull; }));
    // ActiveOpens: once per connect(); PassiveOpens: once per child created.
    QCOMPARE(clientCounter(*sim, Counter::TcpActiveOpens), I64(h.clients.size()));
    std::set<FlowId> children;
    for (std::size_t l = 0; l < h.listeners.size(); ++l)
        for (const QueueEntry& e : stays(h, static_cast<int>(l), QueueKind::Accept)) children.insert(e.flow);
    QCOMPARE(serverCounter(*sim, Counter::TcpPassiveOpens), I64(children.size()));
    QCOMPARE(serverCounter(*sim, Counter::TcpOutRsts),
             countPackets([](const Packet& p) { return p.kind == PacketKind::Rst && !p.toServer; }));
}

QTEST_APPLESS_MAIN(TestRules)
#include "tst_rules.moc"
