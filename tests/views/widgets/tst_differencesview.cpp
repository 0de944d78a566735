// The Differences dock: without a comparison it says how to get one; with one, compareRuns()'s rows at
// the playhead under the two runs' titles, the differing ones in bold; it follows the playhead, updating
// the rows in place (the same items, the same scroll position); "Only differences" off shows every row;
// ending the comparison, or loading another file, brings the message back.
#include "model/scenario/ScenarioReader.h"
#include "model/tools/Comparison.h"
#include "views/document/SimulationDocument.h"
#include "views/widgets/DifferencesView.h"

#include <QCheckBox>
#include <QFontMetrics>
#include <QLabel>
#include <QScrollBar>
#include <QTest>
#include <QTreeWidget>

#include <memory>

using namespace backlog;

namespace {

// Eight clients on one slow worker: with backlog 2 the accept queue is full from the fifth client on and
// SYNs are dropped (ListenOverflows); with backlog 512 none is.
const char* const kSlowWorker = R"(
network: { rtt: 1ms }
server:
  backlog: 2
  workers: { count: 1, service: 1s }
traffic:
  - { name: web, clients: 8, at: 100ms, spacing: 10ms }
until: 5s
)";

std::unique_ptr<Simulation> run(const std::vector<std::string>& sets = {}) {
    const ReadResult read = readScenarioText(kSlowWorker, "test", sets);
    if (!read.scenario) return nullptr;
    auto sim = std::make_unique<Simulation>(*read.scenario);
    sim->run();
    return sim;
}

QTreeWidget* tree(const views::DifferencesView& view) {
    return view.findChild<QTreeWidget*>(QStringLiteral("differences"));
}

// The row named `name` (in any group), or nullptr.
QTreeWidgetItem* row(const views::DifferencesView& view, const QString& name) {
    QTreeWidget* t = tree(view);
    for (int g = 0; g < t->topLevelItemCount(); ++g) {
        QTreeWidgetItem* group = t->topLevelItem(g);
        for (int i = 0; i < group->childCount(); ++i)
            if (group->child(i)->text(0) == name) return group->child(i);
    }
    return nullptr;
}

int rowCount(const views::DifferencesView& view) {
    QTreeWidget* t = tree(view);
    int n = 0;
    for (int g = 0; g < t->topLevelItemCount(); ++g)
        n += t->topLevelItem(g)->childCount();
    return n;
}

// Every value is shown whole: its column is at least as wide as its text in its font.
bool valuesFit(const views::DifferencesView& view) {
    QTreeWidget* t = tree(view);
    for (int g = 0; g < t->topLevelItemCount(); ++g) {
        QTreeWidgetItem* group = t->topLevelItem(g);
        for (int i = 0; i < group->childCount(); ++i) {
            for (int column : {1, 2}) {
                const QFontMetrics metrics(group->child(i)->font(column));
                if (t->columnWidth(column) < metrics.horizontalAdvance(group->child(i)->text(column)))
                    return false;
            }
        }
    }
    return true;
}

// A document holding the backlog-2 run, shown in a visible view.
struct Fixture {
    views::SimulationDocument doc;
    views::DifferencesView view;

    bool start() {
        auto sim = run();
        if (!sim) return false;
        doc.adopt(std::move(sim), QStringLiteral("backlog-2.yaml"));
        view.setDocument(&doc);
        view.resize(520, 360);
        view.show();
        return QTest::qWaitForWindowExposed(&view);
    }
    bool compare() {
        auto other = run({"server.backlog=512"});
        if (!other) return false;
        doc.compareWith(std::move(other), QStringLiteral("backlog 2"), QStringLiteral("backlog 512"));
        return true;
    }
};

} // namespace

class TestDifferencesView : public QObject {
    Q_OBJECT
  private slots:
    void withoutAComparisonItSaysHowToGetOne();
    void aComparisonShowsItsRowsUnderTheTwoTitles();
    void theRowsFollowThePlayheadInPlace();
    void everyRowWhenNotOnlyDifferences();
    void endingTheComparisonBringsTheMessageBack();
    void loadingAnotherFileEndsIt();
};

void TestDifferencesView::withoutAComparisonItSaysHowToGetOne() {
    views::DifferencesView alone;
    QVERIFY(alone.showsMessage());
    Fixture f;
    QVERIFY(f.start());
    auto* message = f.view.findChild<QLabel*>(QStringLiteral("noComparison"));
    QVERIFY(message);
    QTRY_VERIFY(message->isVisible());
    QVERIFY(f.view.showsMessage());
    QVERIFY(message->text().contains(QStringLiteral("Run on This Machine")));
    QVERIFY(message->alignment() & Qt::AlignHCenter);
    QVERIFY(!tree(f.view)->isVisible());
}

void TestDifferencesView::aComparisonShowsItsRowsUnderTheTwoTitles() {
    Fixture f;
    QVERIFY(f.start());
    QVERIFY(f.compare());
    QTRY_VERIFY(!f.view.showsMessage());
    QTRY_VERIFY(tree(f.view)->isVisible());
    QTreeWidgetItem* header = tree(f.view)->headerItem();
    QCOMPARE(header->text(1), QStringLiteral("backlog 2"));
    QCOMPARE(header->text(2), QStringLiteral("backlog 512"));
    auto* only = f.view.findChild<QCheckBox*>(QStringLiteral("onlyDifferences"));
    QVERIFY(only && only->isChecked());
    QTreeWidgetItem* backlog = row(f.view, QStringLiteral("server.backlog"));
    QVERIFY(backlog);
    QCOMPARE(backlog->text(1), QStringLiteral("2"));
    QCOMPARE(backlog->text(2), QStringLiteral("512"));
    QVERIFY(backlog->font(1).bold());
    QCOMPARE(backlog->parent()->text(0).section(QLatin1Char(' '), 0, 0), QStringLiteral("Settings"));
    // The rows are compareRuns()'s, nothing else.
    QCOMPARE(rowCount(f.view),
             static_cast<int>(compareRuns(f.doc.simulation(), *f.doc.comparison(), f.doc.playhead()).size()));
}

void TestDifferencesView::theRowsFollowThePlayheadInPlace() {
    Fixture f;
    QVERIFY(f.start());
    QVERIFY(f.compare());
    f.doc.setPlayhead(Time::ms(50)); // before the first SYN
    QTRY_VERIFY(row(f.view, QStringLiteral("server.backlog")));
    QVERIFY(!row(f.view, QStringLiteral("TcpExtListenOverflows")));
    QTreeWidgetItem* backlog = row(f.view, QStringLiteral("server.backlog"));
    f.doc.setPlayhead(Time::ms(300)); // the fifth client on found the queue full in the first run
    QTRY_VERIFY(row(f.view, QStringLiteral("TcpExtListenOverflows")));
    QTreeWidgetItem* overflows = row(f.view, QStringLiteral("TcpExtListenOverflows"));
    QVERIFY(overflows->text(1).toInt() > 0);
    QCOMPARE(overflows->text(2), QStringLiteral("0"));
    QCOMPARE(row(f.view, QStringLiteral("server.backlog")), backlog); // the same item, updated in place
    const QString before = overflows->text(1);
    f.doc.setPlayhead(f.doc.end()); // the values change with the playhead
    QTRY_VERIFY(row(f.view, QStringLiteral("TcpExtListenOverflows"))->text(1) != before);

    // With every row shown and the table scrolled, a move of the playhead keeps the scroll position.
    f.view.setOnlyDifferences(false);
    QScrollBar* bar = tree(f.view)->verticalScrollBar();
    QTRY_VERIFY(bar->maximum() > 0);
    bar->setValue(bar->maximum() / 2);
    const int scrolled = bar->value();
    QTreeWidgetItem* answered = row(f.view, QStringLiteral("answered"));
    QVERIFY(answered);
    const QString answeredAtEnd = answered->text(1);
    f.doc.setPlayhead(Time::ms(1200));
    QTRY_VERIFY(row(f.view, QStringLiteral("answered"))->text(1) != answeredAtEnd);
    QCOMPARE(row(f.view, QStringLiteral("answered")), answered);
    QCOMPARE(bar->value(), scrolled);
    QVERIFY(valuesFit(f.view));
}

void TestDifferencesView::everyRowWhenNotOnlyDifferences() {
    Fixture f;
    QVERIFY(f.start());
    QVERIFY(f.compare());
    f.doc.setPlayhead(Time::ms(300));
    QTRY_VERIFY(row(f.view, QStringLiteral("server.backlog")));
    const int differing = rowCount(f.view);
    QVERIFY(!row(f.view, QStringLiteral("server.workers.count"))); // the same on both sides
    f.view.findChild<QCheckBox*>(QStringLiteral("onlyDifferences"))->setChecked(false);
    QTRY_VERIFY(rowCount(f.view) > differing);
    QTreeWidgetItem* workers = row(f.view, QStringLiteral("server.workers.count"));
    QVERIFY(workers);
    QCOMPARE(workers->text(1), workers->text(2));
    QVERIFY(!workers->font(1).bold());
    QCOMPARE(rowCount(f.view), static_cast<int>(compareRuns(f.doc.simulation(), *f.doc.comparison(),
                                                            f.doc.playhead(), ComparisonRows::All)
                                                    .size()));
    QVERIFY(valuesFit(f.view));
    f.view.setOnlyDifferences(true);
    QTRY_COMPARE(rowCount(f.view), differing);
    QVERIFY(valuesFit(f.view));
}

void TestDifferencesView::endingTheComparisonBringsTheMessageBack() {
    Fixture f;
    QVERIFY(f.start());
    QVERIFY(f.compare());
    QTRY_VERIFY(!f.view.showsMessage());
    f.doc.endComparison();
    QTRY_VERIFY(f.view.showsMessage());
    QCOMPARE(rowCount(f.view), 0);
    // And again.
    QVERIFY(f.compare());
    QTRY_VERIFY(!f.view.showsMessage());
    QVERIFY(row(f.view, QStringLiteral("server.backlog")));
}

void TestDifferencesView::loadingAnotherFileEndsIt() {
    Fixture f;
    QVERIFY(f.start());
    QVERIFY(f.compare());
    QTRY_VERIFY(!f.view.showsMessage());
    QVERIFY(f.doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/01-two-queues.yaml")).isEmpty());
    QCOMPARE(f.doc.comparison(), nullptr);
    QTRY_VERIFY(f.view.showsMessage());
    QCOMPARE(rowCount(f.view), 0);
}

QTEST_MAIN(TestDifferencesView)
#include "tst_differencesview.moc"
