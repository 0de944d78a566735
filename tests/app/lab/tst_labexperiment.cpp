// A scenario run both ways: on the real kernel (app/lab/Experiment, in a namespace this test creates) and
// in the model; the measurement made into a run (MeasuredRun) is checked against what the capture and
// sock_diag saw, and against the model's run of the same scenario. QSKIPs, with the reason, where no
// namespace can be made.
#include "app/lab/Experiment.h"
#include "app/lab/MeasuredRun.h"
#include "app/lab/Namespace.h"

#include "model/scenario/ScenarioReader.h"
#include "model/tools/Report.h"
#include "tests/common/LabTest.h"

#include <QTest>

using namespace backlog;
using namespace backlog::lab;

namespace {

using labtest::Both;
using labtest::read;
using labtest::runBoth;

// Clients whose connect() succeeded after n SYN retransmissions: {n: count}.
std::map<std::size_t, int> retransmissions(const History& h, Time t) {
    std::map<std::size_t, int> out;
    for (const ClientRecord& c : h.clients) {
        if (c.connectedAt > t) continue;
        std::size_t n = 0;
        for (Time s : c.synTimes)
            n += s <= c.connectedAt ? 1u : 0u;
        ++out[n - 1];
    }
    return out;
}

} // namespace

class TestLabExperiment : public QObject {
    Q_OBJECT
  private slots:
    // Each experiment in a namespace of its own: the lab's addresses and black hole are made once a
    // namespace.
    void init() {
        if (const std::string why = enterFreshNetworkNamespace(); !why.empty()) QSKIP(why.c_str());
    }

    // 20 clients 2 ms apart at a backlog of 4 with 2 slow workers: the accept queue fills (M2), SYNs are
    // dropped (S2) and retransmitted after 1 s (T6).
    void fullAcceptQueueBothWays() {
        const std::string yaml =
            "title: both ways\nkernel:\n  net.ipv4.tcp_syncookies: 0\nserver:\n  backlog: 4\n"
            "  workers:\n    count: 2\n    service: 50ms\ntraffic:\n  - clients: 20\n"
            "    at: 10ms\n    spacing: 2ms\n";
        const Both b = runBoth(yaml, Time::ms(2500));
        const History& h = b.measured->history();
        QCOMPARE(h.clients.size(), std::size_t{20});
        // The inferred accept queue never holds more than backlog + 1 (M2), and agrees with sock_diag's
        // Recv-Q at the moments it was sampled (within one: a sample and a capture are not atomic).
        int agree = 0, samples = 0;
        for (const QueueSample& q : b.measurement.queues) {
            const std::int64_t inferred = h.queueLengthsAt(0, Time::ns(q.at)).accept;
            QVERIFY2(inferred <= 5, qPrintable(QString("inferred %1 at %2 ns").arg(inferred).arg(q.at)));
            ++samples;
            agree += std::llabs(inferred - q.acceptQueue) <= 1 ? 1 : 0;
        }
        QVERIFY(samples > 100);
        QVERIFY2(agree * 10 >= samples * 9,
                 qPrintable(QString("%1 of %2 samples agree").arg(agree).arg(samples)));
        // The kernel and the model: the same capacity (the 5 the accept queue holds and the 2 the workers
        // take get in at once), and every client's SYNs on the schedule T6 gives (1 s, then 3 s after the
        // first) within the timer wheel's rounding. Who gets in at which retransmission depends on when
        // real workers finish, so those counts are printed, not compared.
        const Time t = Time::ms(2500);
        const std::map<std::size_t, int> kernel = retransmissions(h, t);
        const std::map<std::size_t, int> model = retransmissions(b.model->history(), t);
        QCOMPARE(kernel.at(0), model.at(0));
        QCOMPARE(kernel.at(0), 7);
        // T6 on 6.18: tcp_syn_linear_timeouts 4, so the k-th retransmission is due k seconds after the
        // first SYN, and the timer wheel fires each 1 s timer up to one level-1 slot late (8 jiffies,
        // 32 ms at HZ 250, M11): both the kernel's and the model's SYNs lie in [k s, k s + k·50 ms].
        const auto onSchedule = [](const History& run, const char* who) {
            for (const ClientRecord& c : run.clients)
                for (std::size_t k = 1; k < c.synTimes.size() && k <= 4; ++k) {
                    const Time offset = c.synTimes[k] - c.synTimes[0];
                    const Time due = Time::s(static_cast<std::int64_t>(k));
                    QVERIFY2(offset >= due && offset <= due + Time::ms(50) * static_cast<std::int64_t>(k),
                             qPrintable(QString("%1: SYN %2 at +%3 ns").arg(who).arg(k).arg(offset.count())));
                }
        };
        onSchedule(h, "kernel");
        onSchedule(b.model->history(), "model");
        int connected = 0;
        for (const auto& [n, count] : kernel)
            connected += count;
        QVERIFY(connected >=
                12); // 7 at once, and the queue has room again when the first retransmissions come
        qInfo("connected after n SYN retransmissions, kernel / model: 0: %d/%d, 1: %d/%d, 2: %d/%d",
              kernel.at(0), model.at(0), kernel.count(1) ? kernel.at(1) : 0, model.count(1) ? model.at(1) : 0,
              kernel.count(2) ? kernel.at(2) : 0, model.count(2) ? model.at(2) : 0);
        const CounterValues counters = h.countersAt(Host::Server, h.end);
        QVERIFY(get(counters, Counter::TcpExtListenOverflows) > 0); // S2: SYNs met the full queue
        // Every handshake the capture saw complete made a child (TcpPassiveOpens counts each child made).
        // The kernel may make one more for a request: when the final ACK and the request itself are
        // processed on two CPUs at once, both make a child and the one that does not own the request is
        // freed (inet_csk_complete_hashdance's own_req), counted all the same. That can only happen to a
        // client that sent two segments in a row with no answer between them.
        std::int64_t completed = 0, twoInARow = 0;
        for (const ClientRecord& c : h.clients) {
            completed += std::any_of(c.serverStates.begin(), c.serverStates.end(),
                                     [](const auto& s) { return s.second == TcpState::Established; });
            bool previousFromClient = false, pair = false;
            for (const TcpSegment& s : b.measurement.segments) {
                if (s.sourcePort != c.port && s.destinationPort != c.port) continue;
                const bool fromClient = s.sourcePort == c.port;
                pair = pair || (fromClient && previousFromClient && !(s.flags & (kSyn | kFin)));
                previousFromClient = fromClient && !(s.flags & kSyn);
            }
            twoInARow += pair ? 1 : 0;
        }
        const std::int64_t passive = get(counters, Counter::TcpPassiveOpens);
        QVERIFY2(
            passive >= completed && passive <= completed + twoInARow,
            qPrintable(QString("TcpPassiveOpens %1, handshakes completed %2, clients that sent two segments "
                               "in a row %3")
                           .arg(passive)
                           .arg(completed)
                           .arg(twoInARow)));
        QVERIFY(textReport(*b.measured, h.end).find("MEASURED on this machine") != std::string::npos);
    }

    // A spoofed flood without SYN cookies (lessons/scenarios/e4): 40,000 SYNs from sources routed into the
    // black hole. The 3/4 rule of tcp_max_syn_backlog (S5) lets 769 requests in and drops the rest; both
    // ways give the same numbers, exactly.
    void floodWithoutCookiesBothWays() {
        const std::string yaml = "title: flood\nkernel:\n  net.ipv4.tcp_max_syn_backlog: 1024\n"
                                 "  net.ipv4.tcp_syncookies: 0\nserver:\n  backlog: 4096\ntraffic:\n"
                                 "  - { flood: { name: attack, rate: 20000/s, from: 0s, to: 2s } }\n";
        const Both b = runBoth(yaml, Time::ms(2500));
        const History& h = b.measured->history();
        const Time t = Time::ms(2500);
        QCOMPARE(h.queueLengthsAt(0, h.end).syn, b.model->history().queueLengthsAt(0, t).syn);
        QCOMPARE(h.queueLengthsAt(0, h.end).syn, 769);
        const CounterValues kernel = h.countersAt(Host::Server, h.end);
        const CounterValues model = b.model->history().countersAt(Host::Server, t);
        for (Counter c :
             {Counter::TcpExtListenDrops, Counter::TcpExtTCPReqQFullDrop, Counter::TcpExtSyncookiesSent})
            QCOMPARE(get(kernel, c), get(model, c));
        QCOMPARE(get(kernel, Counter::TcpExtListenDrops), 40000 - 769);
        QCOMPARE(b.measured->source().spoofedSources.size(), std::size_t{40000});
        // The SYNs nobody answered are told apart as the kernel drops them: by the 3/4 rule (S5).
        std::size_t s5 = 0, other = 0;
        for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
            const Packet p = h.packet(i);
            if (p.kind != PacketKind::Syn) continue;
            s5 += p.fate == PacketFate::DroppedSynBacklog ? 1u : 0u;
            other += p.fate != PacketFate::DroppedSynBacklog && p.fate != PacketFate::Delivered ? 1u : 0u;
        }
        QCOMPARE(s5, std::size_t{40000 - 769});
        QCOMPARE(other, std::size_t{0});
    }
};

QTEST_APPLESS_MAIN(TestLabExperiment)
#include "tst_labexperiment.moc"
