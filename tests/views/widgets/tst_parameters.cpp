// Changing a setting in the window applies it from the playhead on and keeps what came before.
#include "model/kernel/Simulation.h"
#include "views/document/SimulationDocument.h"
#include "views/widgets/ParametersView.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
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
    void compareWithRunsTheScenarioAgainBeside_data();
    void compareWithRunsTheScenarioAgainBeside();
    void compareWithRefusesBadChangesAndKeepsWhatWasTyped();
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

// Issue 16's "what if", through the dialog as a teacher would: the changes typed, from the start or from
// the playhead; the other run beside this one on the playhead, its strip naming the changes.
void TestParameters::compareWithRunsTheScenarioAgainBeside_data() {
    QTest::addColumn<bool>("fromStart");
    QTest::addColumn<QString>("title");
    QTest::newRow("from the start") << true << "server.backlog=64, server.workers.count=8";
    QTest::newRow("from the playhead") << false << "server.backlog=64, server.workers.count=8 from 1.5 s";
}

void TestParameters::compareWithRunsTheScenarioAgainBeside() {
    QFETCH(bool, fromStart);
    QFETCH(QString, title);
    SimulationDocument doc;
    QVERIFY(doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")).isEmpty());
    ParametersView view(&doc);
    doc.setPlayhead(Time::ms(1500));
    const std::size_t packets = doc.simulation().history().packetCount();
    view.findChild<QPushButton*>(QStringLiteral("compareWith"))->click();
    auto* dialog = view.findChild<QDialog*>(QStringLiteral("compareDialog"));
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    dialog->findChild<QPlainTextEdit*>(QStringLiteral("changes"))
        ->setPlainText(QStringLiteral("server.backlog=64\n\n server.workers.count = 8 \n"));
    dialog->findChild<QRadioButton*>(fromStart ? QStringLiteral("fromStart") : QStringLiteral("fromPlayhead"))
        ->setChecked(true);
    dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
    QVERIFY(doc.comparison());
    QCOMPARE(doc.comparisonTitle(), title);
    QCOMPARE(doc.comparison()->scenario().server.backlog, fromStart ? std::int64_t{64} : std::int64_t{4});
    QCOMPARE(doc.comparison()->history().maxBacklogAt(0, Time::ms(1500)), std::int64_t{64});
    if (!fromStart) QCOMPARE(doc.comparison()->history().maxBacklogAt(0, Time::ms(1499)), std::int64_t{4});
    // This run is as it was.
    QCOMPARE(doc.simulation().history().packetCount(), packets);
    QCOMPARE(doc.playhead(), Time::ms(1500));
}

void TestParameters::compareWithRefusesBadChangesAndKeepsWhatWasTyped() {
    SimulationDocument doc;
    QVERIFY(doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")).isEmpty());
    ParametersView view(&doc);
    QVERIFY(view.compareWith(QStringLiteral("server.backlog 64"), true)
                .contains(QStringLiteral("expected KEY=VALUE")));
    QVERIFY(
        view.compareWith(QStringLiteral("  "), true).startsWith(QStringLiteral("no change to compare with")));
    QVERIFY(!doc.comparison());
    doc.setPlayhead(Time::ms(100));
    view.findChild<QPushButton*>(QStringLiteral("compareWith"))->click();
    auto* dialog = view.findChild<QDialog*>(QStringLiteral("compareDialog"));
    QVERIFY(dialog);
    auto* text = dialog->findChild<QPlainTextEdit*>(QStringLiteral("changes"));
    text->setPlainText(QStringLiteral("kernel.version=6.12"));
    dialog->findChild<QRadioButton*>(QStringLiteral("fromPlayhead"))->setChecked(true);
    dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
    // A run keeps its kernel: refused from the playhead, said in the dialog, which stays with the text.
    QVERIFY(dialog->isVisible());
    QVERIFY2(dialog->findChild<QLabel*>(QStringLiteral("error"))
                 ->text()
                 .startsWith(QStringLiteral("kernel.version=6.12: ")),
             qPrintable(dialog->findChild<QLabel*>(QStringLiteral("error"))->text()));
    QCOMPARE(text->toPlainText(), QStringLiteral("kernel.version=6.12"));
    QVERIFY(!doc.comparison());
    // From the start, the kernel can be another.
    dialog->findChild<QRadioButton*>(QStringLiteral("fromStart"))->setChecked(true);
    dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
    QVERIFY(doc.comparison());
    QCOMPARE(QString::fromLatin1(doc.comparison()->scenario().kernel.profile.name), QStringLiteral("6.12"));
}

QTEST_MAIN(TestParameters)
#include "tst_parameters.moc"
