// KERNEL.md section 3, D — connections that are established but not yet accepted: data received by
// an unaccepted child, a peer that closes before accept().
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

class TestRulesD : public QObject {
    Q_OBJECT

  private slots:
    // D — established, not yet accepted
    void rule_D1_unacceptedChildReceivesData_data();
    void rule_D1_unacceptedChildReceivesData();
    void rule_D3_D4_peerClosesBeforeAccept_data();
    void rule_D3_D4_peerClosesBeforeAccept();
};

// ============================================================================================ D

void TestRulesD::rule_D1_unacceptedChildReceivesData_data() {
    QTest::addColumn<QString>("workerStart"); // empty: no worker
    QTest::newRow("never accepted") << "";
    QTest::newRow("accepted at 2 s") << "2s";
}

void TestRulesD::rule_D1_unacceptedChildReceivesData() {
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
    QVERIFY(
        std::any_of(acks.begin(), acks.end(), [&](const Packet& p) { return p.sent == rec.dataQueuedAt; }));
    // ss -tan: the child is ESTAB with the unread request in its Recv-Q.
    const std::vector<SsSocket> all = sim->ssAll(sec(1));
    const auto estab = std::find_if(all.begin(), all.end(),
                                    [](const SsSocket& s) { return s.state == TcpState::Established; });
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

void TestRulesD::rule_D3_D4_peerClosesBeforeAccept_data() {
    QTest::addColumn<bool>("abort"); // false: close() sends a FIN (D3); true: SO_LINGER 0, an RST (D4)
    QTest::addColumn<TcpState>("queuedState"); // the child's state while it waits in the accept queue
    QTest::newRow("D3: FIN before accept, child in CLOSE-WAIT") << false << TcpState::CloseWait;
    QTest::newRow("D4: RST before accept, child closed") << true << TcpState::Closed;
}

void TestRulesD::rule_D3_D4_peerClosesBeforeAccept() {
    QFETCH(bool, abort);
    QFETCH(TcpState, queuedState);

    const std::string yaml =
        std::string("network: { rtt: 1ms }\n"
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
        const auto cw = std::find_if(all.begin(), all.end(),
                                     [](const SsSocket& s) { return s.state == TcpState::CloseWait; });
        QVERIFY(cw != all.end());
        QVERIFY(cw->recvQ > 0);
        QCOMPARE(h.clientStateAt(0, sec(1)), TcpState::FinWait2);
        QCOMPARE(serverCounter(sim, Counter::TcpEstabResets), I64{0});
    }
}

QTEST_APPLESS_MAIN(TestRulesD)
#include "tst_rules_D_unaccepted.moc"
