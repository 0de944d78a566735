// The Kernel Tools dock: each tool prints what it would on the machine at the playhead, byte for byte
// what KernelTools formats (ss, nstat on the server and on a client), and dmesg with printk's timestamps.
#include "KernelTools.h"
#include "KernelToolsView.h"
#include "ViewTest.h"

#include <QComboBox>
#include <QRegularExpression>
#include <QTest>

using namespace backlog;

class TestKernelToolsView : public QObject {
    Q_OBJECT
private slots:
    void eachToolPrintsItsOutput_data();
    void eachToolPrintsItsOutput();
    void dmesgShowsOnlyWhatWasLogged();
};

void TestKernelToolsView::eachToolPrintsItsOutput_data() {
    QTest::addColumn<int>("tool");
    QTest::addColumn<QString>("command");
    QTest::newRow("ss -lnt") << 0 << "ss -lnt";
    QTest::newRow("ss -tan") << 1 << "ss -tan";
    QTest::newRow("nstat, server") << 2 << "nstat -az";
    QTest::newRow("nstat, a client") << 3 << "nstat -az";
}

void TestKernelToolsView::eachToolPrintsItsOutput() {
    QFETCH(int, tool);
    QFETCH(QString, command);
    const auto sim = test::runLesson("e2-burst.yaml");
    QVERIFY(sim);
    views::KernelToolsView view;
    view.findChild<QComboBox*>()->setCurrentIndex(tool);
    const Time t = Time::ms(500);
    view.show(*sim, t);
    std::string expected;
    switch (tool) {
    case 0: expected = formatSsListening(sim->ssListening(t)); break;
    case 1: expected = formatSsAll(sim->ssAll(t)); break;
    case 2: expected = formatNstat(sim->history().countersAt(Host::Server, t)); break;
    default: expected = formatNstat(sim->history().countersAt(Host::Clients, t)); break;
    }
    QCOMPARE(view.text(), QStringLiteral("$ ") + command + QLatin1Char('\n') + QString::fromStdString(expected));
    // The two hosts really differ: the clients opened the connections, the server took them in.
    if (tool == 3) QVERIFY(view.text().contains(QRegularExpression(QStringLiteral("TcpActiveOpens +200 "))));
    if (tool == 2) QVERIFY(view.text().contains(QRegularExpression(QStringLiteral("TcpActiveOpens +0 "))));
}

void TestKernelToolsView::dmesgShowsOnlyWhatWasLogged() {
    const auto sim = test::runLesson("e2-burst.yaml");
    QVERIFY(sim);
    QVERIFY(!sim->kernelLog().empty());
    const KernelLogLine& first = sim->kernelLog().front();
    views::KernelToolsView view;
    view.findChild<QComboBox*>()->setCurrentIndex(4);
    view.show(*sim, first.at - Time::ns(1));
    QCOMPARE(view.text(), QStringLiteral("$ dmesg\n"));
    view.show(*sim, first.at);
    const std::int64_t us = first.at.count() / 1000;
    const QString stamp = QStringLiteral("[%1.%2] ").arg(us / 1'000'000, 5).arg(us % 1'000'000, 6, 10, QLatin1Char('0'));
    QCOMPARE(view.text(), QStringLiteral("$ dmesg\n") + stamp + QString::fromStdString(first.text) + QLatin1Char('\n'));
    QVERIFY(view.text().contains(QStringLiteral("Possible SYN flooding")));
}

QTEST_MAIN(TestKernelToolsView)
#include "tst_kerneltoolsview.moc"
