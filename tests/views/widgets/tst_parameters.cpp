// Changing a setting in the window applies it from the playhead on and keeps what came before.
#include "views/document/SimulationDocument.h"
#include "views/widgets/ParametersView.h"

#include <QLabel>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

using namespace backlog;
using namespace backlog::views;

class TestParameters : public QObject {
    Q_OBJECT
  private slots:
    void changeAppliesFromThePlayhead_data();
    void changeAppliesFromThePlayhead();
    void badValueIsRefusedAndNothingIsLost();
    void showsWhatIsInForceAtThePlayhead();
};

void TestParameters::changeAppliesFromThePlayhead_data() {
    QTest::addColumn<qint64>("atMs");
    QTest::newRow("at 0 s") << qint64(0);
    QTest::newRow("at 1.5 s") << qint64(1500);
    QTest::newRow("at 5 s") << qint64(5000);
}

void TestParameters::changeAppliesFromThePlayhead() {
    QFETCH(qint64, atMs);
    SimulationDocument doc;
    QVERIFY(doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")).isEmpty());
    ParametersView view(&doc);
    doc.setPlayhead(Time::ms(atMs));
    const std::size_t packetsBefore =
        doc.simulation().history().packetsSentIn(Time(), Time::ms(atMs) - Time::ns(1)).second;
    QSignalSpy changed(&doc, &SimulationDocument::historyChanged);
    // Through the form, as a teacher would: the backlog field.
    QSpinBox* backlog = nullptr;
    for (QSpinBox* box : view.findChildren<QSpinBox*>())
        if (box->value() == 4) backlog = box; // the sandbox listens with backlog 4
    QVERIFY(backlog);
    backlog->setValue(1);
    QTRY_COMPARE(changed.count(), 1);
    const History& h = doc.simulation().history();
    if (atMs > 0) QCOMPARE(h.maxBacklogAt(0, Time::ms(atMs) - Time::ns(1)), std::int64_t{4});
    QCOMPARE(h.maxBacklogAt(0, Time::ms(atMs)), std::int64_t{1});
    // What happened before the playhead is kept as it was.
    QCOMPARE(static_cast<std::size_t>(h.packetsSentIn(Time(), Time::ms(atMs) - Time::ns(1)).second),
             packetsBefore);
    QCOMPARE(doc.playhead(), Time::ms(atMs));
}

void TestParameters::badValueIsRefusedAndNothingIsLost() {
    SimulationDocument doc;
    QVERIFY(doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")).isEmpty());
    ParametersView view(&doc);
    const std::size_t packets = doc.simulation().history().packetCount();
    const QString error = view.apply(QStringLiteral("server.workers.service"), QStringLiteral("3 seconds"));
    QVERIFY(!error.isEmpty());
    QCOMPARE(doc.simulation().history().packetCount(), packets);
}

// The form shows what is in force at the playhead: lesson 02 raises somaxconn from 128 to 4096 in a step,
// so the field reads 128 before that step's moment and 4096 from it on. Another file opened: its own
// values, and nothing said about the last one.
void TestParameters::showsWhatIsInForceAtThePlayhead() {
    SimulationDocument doc;
    QVERIFY(doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/02-the-backlog.yaml")).isEmpty());
    std::optional<Time> raised;
    const Lesson* lesson = doc.lesson();
    QVERIFY(lesson);
    for (std::size_t i = 0; i < lesson->steps.size(); ++i)
        for (const auto& [key, value] : lesson->steps[i].set)
            if (key == "net.core.somaxconn" && value == "4096") raised = doc.stepTimes()[i];
    QVERIFY(raised);
    ParametersView view(&doc);
    view.show();
    auto* somaxconn = view.findChild<QSpinBox*>(QStringLiteral("net.core.somaxconn"));
    QVERIFY(somaxconn);
    doc.setPlayhead(*raised - Time::ns(1));
    QCOMPARE(somaxconn->value(), 128);
    doc.setPlayhead(*raised);
    QCOMPARE(somaxconn->value(), 4096);
    doc.setPlayhead(Time());
    QCOMPARE(somaxconn->value(), 128);

    // Hidden while the playhead moves: shown again, the value of the new moment.
    view.hide();
    doc.setPlayhead(doc.end());
    view.show();
    QCOMPARE(somaxconn->value(), 4096);

    QVERIFY(view.apply(QStringLiteral("server.backlog"), QStringLiteral("7")).isEmpty());
    auto* status = view.findChild<QLabel*>(QStringLiteral("status"));
    QVERIFY(status);
    QVERIFY(!status->text().isEmpty());
    QVERIFY(doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")).isEmpty());
    QVERIFY(status->text().isEmpty());
    auto* backlog = view.findChild<QSpinBox*>(QStringLiteral("server.backlog"));
    QVERIFY(backlog);
    QCOMPARE(backlog->value(), 4); // the sandbox listens with backlog 4
}

QTEST_MAIN(TestParameters)
#include "tst_parameters.moc"
