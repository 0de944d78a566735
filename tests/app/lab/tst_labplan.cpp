// The lab's plan of an experiment (app/lab/LabPlan): the safety limits, each refusal naming its limit;
// the warnings for what the kernel's run cannot reproduce; held traffic resolved to its real start; the
// experiment's length from the model's run or --until. No kernel is needed.
#include "app/lab/LabPlan.h"

#include <QTest>

using namespace backlog;
using namespace backlog::lab;

namespace {

Scenario base() {
    Scenario sc;
    sc.server.backlog = 8;
    TrafficEntry e;
    e.clients.name = "web";
    e.clients.clients = 10;
    sc.traffic.push_back(e);
    return sc;
}

LabResult<LabPlan> plan(const Scenario& sc, std::optional<Time> until = std::nullopt,
                        const std::string& release = "6.18.0-1-amd64") {
    Simulation sim(sc);
    sim.run();
    return planExperiment(sim, release, until);
}

bool hasWarning(const LabPlan& p, const std::string& part) {
    for (const std::string& w : p.warnings)
        if (w.find(part) != std::string::npos) return true;
    return false;
}

} // namespace

class TestLabPlan : public QObject {
    Q_OBJECT
  private slots:
    void lastsAsLongAsTheModelsRun() {
        const LabResult<LabPlan> p = plan(base());
        QVERIFY2(p.ok(), p.ok() ? "" : p.error().c_str());
        Simulation sim(base());
        sim.run();
        QCOMPARE(p.value().end, sim.history().end + Time::s(1));
        QVERIFY(p.value().warnings.empty());
        QCOMPARE(plan(base(), Time::ms(300)).value().end, Time::ms(300));
        QVERIFY(!plan(base(), Time()).ok());
    }

    void refusesBeyondItsLimits_data() {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("message");
        QTest::newRow("long") << "long"
                              << "more than the lab's limit of 3min";
        QTest::newRow("sockets") << "sockets"
                                 << "client connections 5000, more than the lab's limit of 4000";
        QTest::newRow("workers") << "workers"
                                 << "server.workers.count 600, more than the lab's limit of 512";
        QTest::newRow("listeners") << "listeners"
                                   << "server.listeners 20, more than the lab's limit of 16";
        QTest::newRow("flood rate") << "rate"
                                    << "a rate of 60000, more than the lab's limit of 50000";
        QTest::newRow("flood size") << "syns"
                                    << "spoofed SYNs 400000, more than the lab's limit of 200000";
    }
    void refusesBeyondItsLimits() {
        QFETCH(QString, key);
        QFETCH(QString, message);
        Scenario sc = base();
        std::optional<Time> until;
        if (key == "long") sc.traffic[0].clients.at = Time::s(400);
        if (key == "sockets") {
            sc.traffic[0].clients.clients = 5000;
            sc.traffic[0].clients.spacing = Time::us(10);
            until = Time::s(10);
        }
        if (key == "workers") sc.server.workers.count = 600;
        if (key == "listeners") sc.server.listeners = 20;
        if (key == "rate" || key == "syns") {
            TrafficEntry f;
            f.kind = TrafficEntry::Kind::Flood;
            f.flood.name = "attack";
            f.flood.ratePerSecond = key == "rate" ? 60'000 : 40'000;
            f.flood.to = Time::s(10);
            sc.traffic.push_back(f);
            until = Time::s(20);
        }
        const LabResult<LabPlan> p = plan(sc, until);
        QVERIFY(!p.ok());
        QVERIFY2(p.error().find(message.toStdString()) != std::string::npos, p.error().c_str());
    }

    void namesWhatItCannotReproduce() {
        Scenario sc = base();
        sc.network.rtt = Time::ms(100);
        Fault f;
        f.from = Time::ms(1);
        f.to = Time::ms(2);
        sc.network.faults.push_back(f);
        sc.kernel.hz = 100;
        Intervention iv;
        iv.at = Time::ms(5);
        iv.key = "server.backlog";
        iv.value = "64";
        sc.events.push_back(iv);
        const LabResult<LabPlan> p = plan(sc, std::nullopt, "6.1.0-25-amd64");
        QVERIFY(p.ok());
        QVERIFY(hasWarning(p.value(), "the scenario models Linux 6.18; this machine runs 6.1.0-25-amd64"));
        QVERIFY(hasWarning(p.value(), "network.rtt 100ms"));
        // Faults are reproduced by a socket filter (LabFaults.h): nothing to warn about before the run.
        QVERIFY(!hasWarning(p.value(), "network.faults"));
        QVERIFY(hasWarning(p.value(), "kernel.hz 100"));
        QVERIFY(hasWarning(p.value(), "the change of server.backlog to 64 at 5ms is not reproduced"));
        QVERIFY(p.value().scenario.events.empty());
    }

    void heldTrafficStartsWhereTheRunStartsIt() {
        Scenario sc = base();
        sc.traffic[0].held = true;
        Intervention iv;
        iv.at = Time::ms(250);
        iv.key = "start-traffic";
        iv.value = "web";
        sc.events.push_back(iv);
        const LabResult<LabPlan> p = plan(sc);
        QVERIFY(p.ok());
        QVERIFY(!p.value().scenario.traffic[0].held);
        QCOMPARE(p.value().scenario.traffic[0].clients.at, Time::ms(250));
        QVERIFY(p.value().warnings.empty());
    }
};

QTEST_APPLESS_MAIN(TestLabPlan)
#include "tst_labplan.moc"
