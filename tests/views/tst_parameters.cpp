// Changing a setting in the window applies it from the playhead on and keeps what came before.
#include "ParametersView.h"
#include "SimulationDocument.h"

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
    QVERIFY(doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/00-default.yaml")).isEmpty());
    ParametersView view(&doc);
    doc.setPlayhead(Time::ms(atMs));
    const std::size_t packetsBefore = doc.simulation().history().packetsSentIn(Time(), Time::ms(atMs) - Time::ns(1)).second;
    QSignalSpy changed(&doc, &SimulationDocument::historyChanged);
    // Through the form, as a teacher would: the backlog field.
    QSpinBox* backlog = nullptr;
    for (QSpinBox* box : view.findChildren<QSpinBox*>())
        if (box->value() == 4) backlog = box; // 00-default listens with backlog 4
    QVERIFY(backlog);
    backlog->setValue(1);
    QTRY_COMPARE(changed.count(), 1);
    const History& h = doc.simulation().history();
    if (atMs > 0) QCOMPARE(h.maxBacklogAt(0, Time::ms(atMs) - Time::ns(1)), std::int64_t{4});
    QCOMPARE(h.maxBacklogAt(0, Time::ms(atMs)), std::int64_t{1});
    // What happened before the playhead is kept as it was.
    QCOMPARE(static_cast<std::size_t>(h.packetsSentIn(Time(), Time::ms(atMs) - Time::ns(1)).second), packetsBefore);
    QCOMPARE(doc.playhead(), Time::ms(atMs));
}

void TestParameters::badValueIsRefusedAndNothingIsLost() {
    SimulationDocument doc;
    QVERIFY(doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/00-default.yaml")).isEmpty());
    ParametersView view(&doc);
    const std::size_t packets = doc.simulation().history().packetCount();
    const QString error = view.apply(QStringLiteral("server.workers.service"), QStringLiteral("3 seconds"));
    QVERIFY(!error.isEmpty());
    QCOMPARE(doc.simulation().history().packetCount(), packets);
}

QTEST_MAIN(TestParameters)
#include "tst_parameters.moc"
