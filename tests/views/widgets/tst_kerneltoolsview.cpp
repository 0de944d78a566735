// The Kernel Tools dock: each tool prints what it would on the machine at the playhead, byte for byte
// what KernelTools formats (ss, the TCP line of ss -s and the states counted, nstat on the server and on
// a client, nstat's change since the previous lesson step, sysctl, the kprobe log, the wake-up log), and
// dmesg with printk's
// timestamps. It follows the playhead both ways, takes its steps from the document that holds the
// simulation, and copies what is selected, or everything.
#include "model/tools/KernelTools.h"
#include "tests/common/ViewTest.h"
#include "views/document/SimulationDocument.h"
#include "views/widgets/KernelToolsView.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QScrollBar>
#include <QTest>
#include <QTextCursor>
#include <QToolButton>

using namespace backlog;
using Tool = backlog::views::KernelToolsView::Tool;

Q_DECLARE_METATYPE(backlog::Time)

namespace {

const QString kLesson02 = QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/02-the-backlog.yaml");

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

const Lesson& lessonOf(const views::SimulationDocument& doc) {
    const Lesson* lesson = doc.lesson();
    if (!lesson) qFatal("the document holds no lesson");
    return *lesson;
}

QString printk(const KernelLogLine& line) {
    const std::int64_t us = line.at.count() / 1000;
    return QStringLiteral("[%1.%2] ").arg(us / 1'000'000, 5).arg(us % 1'000'000, 6, 10, QLatin1Char('0')) +
           q(line.text) + QLatin1Char('\n');
}

// What each tool must show at t, written out from the model's functions. `since` and `label` are where
// nstat's change is counted from (the run's start without a lesson).
QString expectedText(Tool tool, const Simulation& sim, Time t, Time since = Time(),
                     const QString& label = QStringLiteral("the run's start")) {
    const History& h = sim.history();
    switch (tool) {
    case Tool::SsListening:
        return "$ ss -lnt\n" + q(formatSsListening(sim.ssListening(t)));
    case Tool::SsAll:
        return "$ ss -tan\n" + q(formatSsAll(sim.ssAll(t)));
    case Tool::Nstat:
        return "$ nstat -az\n" + q(formatNstat(h.countersAt(Host::Server, t)));
    case Tool::NstatClient:
        return "$ nstat -az\n" + q(formatNstat(h.countersAt(Host::Clients, t)));
    case Tool::Dmesg: {
        QString out = QStringLiteral("$ dmesg\n");
        for (const KernelLogLine& line : sim.kernelLog())
            if (line.at <= t) out += printk(line);
        return out;
    }
    case Tool::SsSummary:
        return "$ ss -s | grep '^TCP:'\n" + q(formatSsSummaryTcp(tcpSockstatAt(sim, t))) +
               "$ ss -tan | awk 'NR>1 {print $1}' | sort | uniq -c\n" + q(formatStateCounts(sim.ssAll(t)));
    case Tool::NstatSinceStep:
        return "$ nstat   # since " + label + ", " + q(formatDuration(t - since)) +
               " ago (rate: per second)\n" +
               q(formatNstatIncrements(h.countersAt(Host::Server, t), h.countersAt(Host::Server, since),
                                       t - since));
    case Tool::Sysctl: {
        const std::vector<SysctlValue> values = sysctlValues(kernelSettingsAt(sim.scenario(), t));
        return "$ " + q(sysctlCommand(values)) + "\n" + q(formatSysctl(values));
    }
    case Tool::Kprobes:
        return "$ sudo python3 observe.py   # the last 200 lines\n" +
               q(formatTracePipe(probeHitsAt(sim, t), h.listeners.size() > 1));
    case Tool::Wakeups:
        return "$ sudo python3 wakeups.py   # the last 200 wake-ups and how each ended\n" +
               q(formatWakeupTrace(wakeupHitsAt(sim, t), h.listeners.size() > 1));
    }
    return {};
}

} // namespace

class TestKernelToolsView : public QObject {
    Q_OBJECT
  private slots:
    void theSelectorKeepsTheFirstFiveTools();
    void eachToolPrintsItsOutput_data();
    void eachToolPrintsItsOutput();
    void followsThePlayhead_data();
    void followsThePlayhead();
    void nstatCountsFromThePreviousStep_data();
    void nstatCountsFromThePreviousStep();
    void nstatFindsTheDocumentThatHoldsTheSimulation();
    void sysctlFollowsTheLessonStep();
    void dmesgShowsOnlyWhatWasLogged();
    void forgetsASimulationItsDocumentReplaced();
    void copyTakesTheSelectionOrEverything();
    void logsShowTheNewestLine();
    void wakeupLogSaysHowEachWakeupEnded_data();
    void wakeupLogSaysHowEachWakeupEnded();

    // Two runs on one playhead (issues 14 and 16).
    void comparisonShowsBothRuns_data();
    void comparisonShowsBothRuns();
    void comparisonShowsAShorterRunAsAtItsEnd();
    void comparisonEndsWithTheDocumentsRunAlone();
};

void TestKernelToolsView::theSelectorKeepsTheFirstFiveTools() {
    views::KernelToolsView view;
    auto* combo = view.findChild<QComboBox*>();
    QCOMPARE(combo->count(), 10);
    const QStringList first{QStringLiteral("ss -lnt"), QStringLiteral("ss -tan"), QStringLiteral("nstat -az"),
                            QStringLiteral("nstat -az   (on a client)"), QStringLiteral("dmesg")};
    for (int i = 0; i < first.size(); ++i)
        QCOMPARE(combo->itemText(i), first[i]);
    view.setTool(Tool::Kprobes);
    QCOMPARE(combo->currentIndex(), 8);
    QCOMPARE(view.tool(), Tool::Kprobes);
}

void TestKernelToolsView::eachToolPrintsItsOutput_data() {
    QTest::addColumn<int>("tool");
    QTest::newRow("ss -lnt") << 0;
    QTest::newRow("ss -tan") << 1;
    QTest::newRow("nstat, server") << 2;
    QTest::newRow("nstat, a client") << 3;
    QTest::newRow("dmesg") << 4;
    QTest::newRow("ss -s and the states") << 5;
    QTest::newRow("nstat since the run's start") << 6;
    QTest::newRow("sysctl") << 7;
    QTest::newRow("kprobes") << 8;
    QTest::newRow("wake-ups") << 9;
}

void TestKernelToolsView::eachToolPrintsItsOutput() {
    QFETCH(int, tool);
    const auto sim = test::runLesson("scenarios/e2-burst.yaml");
    QVERIFY(sim);
    views::KernelToolsView view;
    view.findChild<QComboBox*>()->setCurrentIndex(tool);
    const Time t = Time::ms(500);
    view.show(*sim, t);
    QCOMPARE(view.text(), expectedText(static_cast<Tool>(tool), *sim, t));
    // The two hosts really differ: the clients opened the connections, the server took them in.
    if (tool == 3) QVERIFY(view.text().contains(QRegularExpression(QStringLiteral("TcpActiveOpens +200 "))));
    if (tool == 2) QVERIFY(view.text().contains(QRegularExpression(QStringLiteral("TcpActiveOpens +0 "))));
    // Not empty where the burst leaves something to see.
    if (tool == 5) QVERIFY(view.text().contains(QStringLiteral("      1 LISTEN\n")));
    if (tool == 6)
        QVERIFY(view.text().contains(QRegularExpression(QStringLiteral("\nTcpPassiveOpens +129 "))));
    if (tool == 7) QVERIFY(view.text().contains(QStringLiteral("\nnet.core.somaxconn = ")));
    if (tool == 8) QCOMPARE(view.text().count(QStringLiteral(": bpf_trace_printk: ")), 200);
}

// Moving the playhead forwards and back again shows each tool's output at the new moment.
void TestKernelToolsView::followsThePlayhead_data() {
    QTest::addColumn<int>("tool");
    for (int tool = 0; tool <= 8; ++tool)
        QTest::newRow(qPrintable(QString::number(tool))) << tool;
}

void TestKernelToolsView::followsThePlayhead() {
    QFETCH(int, tool);
    views::SimulationDocument doc;
    QVERIFY(doc.load(kLesson02).isEmpty());
    views::KernelToolsView view;
    view.setDocument(&doc);
    view.setTool(static_cast<Tool>(tool));
    QStringList seen;
    for (const Time t : {Time::ms(150), Time::ms(1600), Time::ms(4200), Time::ms(150)}) {
        doc.setPlayhead(t);
        view.show(doc.simulation(), doc.playhead());
        const views::KernelToolsView::Since since = view.nstatSince(doc.simulation(), t);
        QCOMPARE(view.text(),
                 expectedText(static_cast<Tool>(tool), doc.simulation(), t, since.at, since.label));
        seen << view.text();
    }
    QCOMPARE(seen[3], seen[0]); // back where it started: the same text
    if (tool != static_cast<int>(Tool::Dmesg)) QVERIFY(seen[1] != seen[0]);
}

// The change is counted from the latest step that began before the playhead; at a step's own moment,
// from the one before it; before any step has passed, from the run's start.
void TestKernelToolsView::nstatCountsFromThePreviousStep_data() {
    QTest::addColumn<int>("stepOfPlayhead"); // the step whose moment the playhead is placed by (0-based)
    QTest::addColumn<Time>("offset");        // added to that moment
    QTest::addColumn<int>("countedFrom");    // the step counted from, or -1 for the run's start
    QTest::newRow("at the first step (0s)") << 0 << Time() << -1;
    QTest::newRow("just after the first step") << 0 << Time::ms(1) << 0;
    QTest::newRow("between two steps") << 2 << Time::ms(10) << 2;
    QTest::newRow("exactly at a step") << 5 << Time() << 4;
    QTest::newRow("after the last step") << 8 << Time::s(1) << 8;
}

void TestKernelToolsView::nstatCountsFromThePreviousStep() {
    QFETCH(int, stepOfPlayhead);
    QFETCH(Time, offset);
    QFETCH(int, countedFrom);
    views::SimulationDocument doc;
    QVERIFY(doc.load(kLesson02).isEmpty());
    const Lesson& lesson = lessonOf(doc);
    const std::vector<Time>& steps = doc.stepTimes();
    QCOMPARE(steps.size(), std::size_t{9});
    for (std::size_t i = 1; i < steps.size(); ++i)
        QVERIFY(!steps[i].isNever() && steps[i - 1] < steps[i]);
    const Time t = steps[static_cast<std::size_t>(stepOfPlayhead)] + offset;
    views::KernelToolsView view;
    view.setDocument(&doc);
    view.setTool(Tool::NstatSinceStep);
    view.show(doc.simulation(), t);
    Time since;
    QString label = QStringLiteral("the run's start");
    if (countedFrom >= 0) {
        since = steps[static_cast<std::size_t>(countedFrom)];
        label =
            QStringLiteral("step %1 \"%2\" at %3")
                .arg(countedFrom + 1)
                .arg(q(lesson.steps[static_cast<std::size_t>(countedFrom)].title), q(formatDuration(since)));
    }
    QCOMPARE(view.text(), expectedText(Tool::NstatSinceStep, doc.simulation(), t, since, label));
    // The increments are the counters' differences: ListenOverflows as an example.
    const CounterValues now = doc.simulation().history().countersAt(Host::Server, t);
    const CounterValues then = doc.simulation().history().countersAt(Host::Server, since);
    const std::int64_t overflows =
        get(now, Counter::TcpExtListenOverflows) - get(then, Counter::TcpExtListenOverflows);
    QCOMPARE(view.text().contains(
                 QRegularExpression(QStringLiteral("\nTcpExtListenOverflows +%1 ").arg(overflows))),
             overflows > 0);
}

// Without setDocument(), the main window's document (a sibling of the dock) is found by the simulation
// it holds; a simulation no document holds counts from the run's start.
void TestKernelToolsView::nstatFindsTheDocumentThatHoldsTheSimulation() {
    QWidget window;
    auto* doc = new views::SimulationDocument(&window);
    QVERIFY(doc->load(kLesson02).isEmpty());
    auto* holder = new QWidget(&window); // the dock's own widgets sit between the window and the view
    auto* view = new views::KernelToolsView(holder);
    view->setTool(Tool::NstatSinceStep);
    const Time t = doc->stepTimes()[3] + (doc->stepTimes()[4] - doc->stepTimes()[3]) / 2;
    view->show(doc->simulation(), t);
    QVERIFY2(view->text().startsWith(
                 QStringLiteral("$ nstat   # since step 4 \"%1\" at ").arg(q(lessonOf(*doc).steps[3].title))),
             qPrintable(view->text()));
    const auto other = test::runLesson("scenarios/e2-burst.yaml");
    QVERIFY(other);
    view->show(*other, Time::ms(500));
    QVERIFY(view->text().startsWith(QStringLiteral("$ nstat   # since the run's start, 500ms ago")));
}

// Lesson 02 runs a 4.15 kernel (somaxconn 128, no tcp_syn_linear_timeouts, no tcp_migrate_req) and raises
// somaxconn in a step: sysctl shows the new value from that step's moment on.
void TestKernelToolsView::sysctlFollowsTheLessonStep() {
    views::SimulationDocument doc;
    QVERIFY(doc.load(kLesson02).isEmpty());
    std::optional<Time> change;
    const Lesson& lesson = lessonOf(doc);
    for (std::size_t i = 0; i < lesson.steps.size(); ++i)
        for (const auto& [key, value] : lesson.steps[i].set)
            if (key == "net.core.somaxconn") change = doc.stepTimes()[i];
    QVERIFY(change);
    views::KernelToolsView view;
    view.setTool(Tool::Sysctl);
    view.show(doc.simulation(), *change - Time::ns(1));
    QVERIFY(view.text().contains(QStringLiteral("\nnet.core.somaxconn = 128\n")));
    QVERIFY(view.text().contains(QStringLiteral(
        "\nsysctl: cannot stat /proc/sys/net/ipv4/tcp_syn_linear_timeouts: No such file or directory\n")));
    view.show(doc.simulation(), *change);
    QVERIFY(view.text().contains(QStringLiteral("\nnet.core.somaxconn = 4096\n")));
    QCOMPARE(view.text(), expectedText(Tool::Sysctl, doc.simulation(), *change));
}

void TestKernelToolsView::dmesgShowsOnlyWhatWasLogged() {
    const auto sim = test::runLesson("scenarios/e2-burst.yaml");
    QVERIFY(sim);
    QVERIFY(!sim->kernelLog().empty());
    const KernelLogLine& first = sim->kernelLog().front();
    views::KernelToolsView view;
    view.findChild<QComboBox*>()->setCurrentIndex(4);
    view.show(*sim, first.at - Time::ns(1));
    QCOMPARE(view.text(), QStringLiteral("$ dmesg\n"));
    view.show(*sim, first.at);
    QCOMPARE(view.text(), QStringLiteral("$ dmesg\n") + printk(first));
    QVERIFY(view.text().contains(QStringLiteral("Possible SYN flooding")));
}

// A new file replaces the document's simulation while the dock is hidden (nobody shows it the new one):
// choosing another tool must not read the old one, and its text goes. Shown the new one, all is back.
void TestKernelToolsView::forgetsASimulationItsDocumentReplaced() {
    views::SimulationDocument doc;
    QVERIFY(doc.load(kLesson02).isEmpty());
    views::KernelToolsView view;
    view.setDocument(&doc);
    view.setTool(Tool::SsAll);
    view.show(doc.simulation(), Time::ms(150));
    QVERIFY(!view.text().isEmpty());
    QVERIFY(doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/e2-burst.yaml")).isEmpty());
    QVERIFY(view.text().isEmpty());
    view.setTool(Tool::Kprobes);
    QVERIFY(view.text().isEmpty());
    view.show(doc.simulation(), Time::ms(500));
    QCOMPARE(view.text(), expectedText(Tool::Kprobes, doc.simulation(), Time::ms(500)));
    // Shown the new simulation first (as the main window does on loading), the view keeps it.
    QVERIFY(doc.load(kLesson02).isEmpty());
    view.show(doc.simulation(), Time::ms(150));
    QVERIFY(doc.load(kLesson02).isEmpty());
    view.show(doc.simulation(), Time::ms(150));
    view.setTool(Tool::Sysctl);
    QCOMPARE(view.text(), expectedText(Tool::Sysctl, doc.simulation(), Time::ms(150)));
}

void TestKernelToolsView::copyTakesTheSelectionOrEverything() {
    const auto sim = test::runLesson("scenarios/e2-burst.yaml");
    QVERIFY(sim);
    views::KernelToolsView view;
    view.setTool(Tool::SsSummary);
    view.show(*sim, Time::ms(500));
    QApplication::clipboard()->clear();
    view.findChild<QToolButton*>()->click();
    QCOMPARE(QApplication::clipboard()->text(), view.text());
    // Select the second line (the TCP line of ss -s): only it is copied.
    auto* edit = view.findChild<QPlainTextEdit*>();
    QTextCursor cursor = edit->textCursor();
    cursor.movePosition(QTextCursor::Start);
    cursor.movePosition(QTextCursor::NextBlock);
    cursor.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);
    edit->setTextCursor(cursor);
    view.copy();
    QCOMPARE(QApplication::clipboard()->text(),
             q(formatSsSummaryTcp(tcpSockstatAt(*sim, Time::ms(500)))).trimmed());
    // A refresh at the same moment keeps the selection.
    view.show(*sim, Time::ms(500));
    QVERIFY(edit->textCursor().hasSelection());
}

// The kprobe log reads like a terminal: when new lines come, the newest is in view. Other tools keep the
// place the reader scrolled to.
void TestKernelToolsView::logsShowTheNewestLine() {
    views::SimulationDocument doc;
    QVERIFY(doc.load(kLesson02).isEmpty());
    const Simulation* sim = &doc.simulation();
    views::KernelToolsView view;
    view.resize(600, 300);
    view.setVisible(true);
    auto* edit = view.findChild<QPlainTextEdit*>();
    QScrollBar* scroll = edit->verticalScrollBar();
    view.setTool(Tool::Kprobes);
    view.show(*sim, Time::ms(500));
    QTRY_VERIFY(scroll->maximum() > 0);
    scroll->setValue(0);
    const QString before = view.text();
    view.show(*sim, Time::ms(1500)); // more SYNs have come
    QVERIFY(view.text() != before);
    QCOMPARE(scroll->value(), scroll->maximum());

    view.setTool(Tool::SsAll);
    view.show(*sim, Time::ms(500));
    QTRY_VERIFY(scroll->maximum() > 10);
    scroll->setValue(10);
    view.show(*sim, Time::ms(1500));
    QCOMPARE(scroll->value(), 10);
}

void TestKernelToolsView::wakeupLogSaysHowEachWakeupEnded_data() {
    QTest::addColumn<QString>("accept");
    QTest::addColumn<qint64>("atMs");
    QTest::addColumn<int>("rows");
    QTest::newRow("epoll, early") << "epoll" << qint64(400) << -1;
    QTest::newRow("epoll, the end") << "epoll" << qint64(-1) << -1;
    QTest::newRow("epoll-exclusive") << "epoll-exclusive" << qint64(-1) << -1;
    QTest::newRow("epoll-shared") << "epoll-shared" << qint64(-1) << -1;
    QTest::newRow("blocking accept()") << "blocking" << qint64(-1) << -1;
}

// The wake-up log: one line per wake-up up to t (the last 200), oldest first, each naming the worker and
// how its wake-up ended (M20), as the worker's records say: accepted, slept_again (futile, inside the
// kernel) or EAGAIN (futile, in user space).
void TestKernelToolsView::wakeupLogSaysHowEachWakeupEnded() {
    QFETCH(QString, accept);
    QFETCH(qint64, atMs);
    const auto sim = test::runLesson(
        "scenarios/sandbox.yaml", {"server.workers.count=4", "server.workers.accept=" + accept.toStdString(),
                                   "traffic.clients.clients=300", "traffic.clients.spacing=20ms"});
    QVERIFY(sim);
    const History& h = sim->history();
    const Time t = atMs < 0 ? h.end : Time::ms(atMs);
    // Every wake-up of every worker, with its outcome counted from the records: a moment that is in
    // `futile` (and `eagain`) as often as in `wakeups` is that many futile (EAGAIN) wake-ups.
    struct Line {
        Time at;
        int worker;
        QString outcome;
    };
    std::vector<Line> all;
    std::int64_t futile = 0, eagain = 0;
    for (std::size_t w = 0; w < h.workers.size(); ++w) {
        const WorkerRecord& r = h.workers[w];
        for (std::size_t i = 0; i < r.wakeups.size(); ++i) {
            const Time at = r.wakeups[i];
            if (at > t) break;
            const auto seen =
                std::count(r.wakeups.begin(), r.wakeups.begin() + static_cast<std::ptrdiff_t>(i), at);
            const auto inFutile = std::count(r.futile.begin(), r.futile.end(), at);
            const auto inEagain = std::count(r.eagain.begin(), r.eagain.end(), at);
            const QString outcome = seen < inEagain   ? QStringLiteral("EAGAIN")
                                    : seen < inFutile ? QStringLiteral("slept_again")
                                                      : QStringLiteral("accepted");
            futile += outcome != QStringLiteral("accepted");
            eagain += outcome == QStringLiteral("EAGAIN");
            all.push_back({at, static_cast<int>(w), outcome});
        }
    }
    std::stable_sort(all.begin(), all.end(), [](const Line& a, const Line& b) { return a.at < b.at; });
    if (all.size() > kProbeLogLines)
        all.erase(all.begin(), all.end() - static_cast<std::ptrdiff_t>(kProbeLogLines));
    views::KernelToolsView view;
    view.setTool(Tool::Wakeups);
    view.show(*sim, t);
    QCOMPARE(view.text(), expectedText(Tool::Wakeups, *sim, t));
    QStringList lines = view.text().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QVERIFY(lines.size() >= 1);
    lines.removeFirst(); // the command
    QCOMPARE(lines.size(), static_cast<qsizetype>(all.size()));
    for (std::size_t i = 0; i < all.size(); ++i) {
        const QString& line = lines[static_cast<qsizetype>(i)];
        const std::int64_t us = all[i].at.count() / 1000;
        QVERIFY2(line.startsWith(QStringLiteral("          server-1000    [000] ...11 ")), qPrintable(line));
        QVERIFY2(
            line.contains(
                QStringLiteral(" %1.%2: ").arg(us / 1'000'000).arg(us % 1'000'000, 6, 10, QLatin1Char('0'))),
            qPrintable(line));
        QVERIFY2(line.endsWith(QStringLiteral(": bpf_trace_printk: wakeup: worker=%1 outcome=%2")
                                   .arg(all[i].worker)
                                   .arg(all[i].outcome)),
                 qPrintable(line));
    }
    // What each mode is known for (P2, P3, M20), over the whole run.
    if (atMs < 0 && accept == QStringLiteral("epoll")) QVERIFY2(futile > 0, "a herd wakes loops for nothing");
    if (atMs < 0 && accept == QStringLiteral("blocking")) QCOMPARE(eagain, std::int64_t{0});
}

// ------------------------------------------------------------------------------ two runs

namespace {

// The sandbox (listen(fd, 4)) and the same with a backlog of 8.
std::unique_ptr<Simulation> sandbox(std::vector<std::string> sets = {}) {
    return test::runLesson("scenarios/sandbox.yaml", sets);
}

QString bothSides(Tool tool, const QString& title, const Simulation& sim, Time t, const QString& otherTitle,
                  const Simulation& other, Time otherT) {
    return QStringLiteral("── %1 ──\n").arg(title) + expectedText(tool, sim, t) +
           QStringLiteral("\n── %1 ──\n").arg(otherTitle) + expectedText(tool, other, otherT);
}

// The Send-Q of the listener on port 80 in a text of ss -lnt: its backlog.
QStringList sendQs(const QString& text) {
    QStringList out;
    static const QRegularExpression line(QStringLiteral("\nLISTEN +\\d+ +(\\d+) +\\S+:80 "));
    for (const QRegularExpressionMatch& m : line.globalMatch(text))
        out << m.captured(1);
    return out;
}

} // namespace

void TestKernelToolsView::comparisonShowsBothRuns_data() {
    QTest::addColumn<int>("tool");
    for (int tool = 0; tool <= 9; ++tool)
        QTest::newRow(qPrintable(QString::number(tool))) << tool;
}

// While the document compares, every tool prints both runs at the playhead, the document's first, each
// under its side's title; until then, and after, exactly what it prints for one run.
void TestKernelToolsView::comparisonShowsBothRuns() {
    QFETCH(int, tool);
    views::SimulationDocument doc;
    doc.adopt(sandbox());
    QVERIFY(doc.isLoaded());
    views::KernelToolsView view;
    view.resize(700, 400);
    view.setDocument(&doc);
    view.setTool(static_cast<Tool>(tool));
    view.setVisible(true);
    const Time t = Time::ms(1500);
    doc.setPlayhead(t);
    QTRY_COMPARE(view.text(), expectedText(static_cast<Tool>(tool), doc.simulation(), t));
    std::unique_ptr<Simulation> other = sandbox({"server.backlog=8"});
    QVERIFY(other);
    const Simulation& b = *other;
    doc.compareWith(std::move(other), QStringLiteral("model"), QStringLiteral("backlog 8"));
    QTRY_COMPARE(view.text(), bothSides(static_cast<Tool>(tool), QStringLiteral("model"), doc.simulation(), t,
                                        QStringLiteral("backlog 8"), b, t));
    // Both follow the playhead.
    doc.setPlayhead(Time::ms(2500));
    QTRY_COMPARE(view.text(), bothSides(static_cast<Tool>(tool), QStringLiteral("model"), doc.simulation(),
                                        Time::ms(2500), QStringLiteral("backlog 8"), b, Time::ms(2500)));
    if (static_cast<Tool>(tool) == Tool::SsListening)
        QCOMPARE(sendQs(view.text()), (QStringList{QStringLiteral("4"), QStringLiteral("8")}));
}

// The playhead runs to the later end: the run that ended first is shown as it was at its end, and its
// heading says so.
void TestKernelToolsView::comparisonShowsAShorterRunAsAtItsEnd() {
    views::SimulationDocument doc;
    doc.adopt(sandbox());
    std::unique_ptr<Simulation> other = sandbox({"server.backlog=8", "until=3s"});
    QVERIFY(other);
    const Simulation& b = *other;
    QCOMPARE(b.history().end, Time::s(3));
    QVERIFY(doc.simulation().history().end > Time::s(3));
    views::KernelToolsView view;
    view.setDocument(&doc);
    view.setTool(Tool::Nstat);
    view.setVisible(true);
    doc.compareWith(std::move(other), QStringLiteral("model"), QStringLiteral("backlog 8"));
    const Time end = doc.simulation().history().end;
    doc.setPlayhead(end);
    QTRY_COMPARE(view.text(), bothSides(Tool::Nstat, QStringLiteral("model"), doc.simulation(), end,
                                        QStringLiteral("backlog 8, as at its end (3s)"), b, Time::s(3)));
}

// endComparison, and loading a file, leave the document's run alone again, printed as it always was. A
// comparison begun while the view is hidden takes the old text away at once, and prints both when shown.
void TestKernelToolsView::comparisonEndsWithTheDocumentsRunAlone() {
    views::SimulationDocument doc;
    doc.adopt(sandbox());
    views::KernelToolsView view;
    view.setDocument(&doc);
    view.setTool(Tool::SsListening);
    view.setVisible(true);
    const Time t = Time::ms(1500);
    doc.setPlayhead(t);
    const QString alone = expectedText(Tool::SsListening, doc.simulation(), t);
    QTRY_COMPARE(view.text(), alone);
    doc.compareWith(sandbox({"server.backlog=8"}), QStringLiteral("model"), QStringLiteral("backlog 8"));
    QTRY_VERIFY(view.text().contains(QStringLiteral("── backlog 8 ──")));
    QCOMPARE(sendQs(view.text()), (QStringList{QStringLiteral("4"), QStringLiteral("8")}));
    doc.endComparison();
    QTRY_COMPARE(view.text(), alone);

    view.setVisible(false);
    doc.compareWith(sandbox({"server.backlog=8"}), QStringLiteral("model"), QStringLiteral("backlog 8"));
    QVERIFY(view.text().isEmpty());
    view.setTool(Tool::Nstat); // no run printed: nothing to print again
    QVERIFY(view.text().isEmpty());
    view.setTool(Tool::SsListening);
    view.setVisible(true);
    QTRY_COMPARE(sendQs(view.text()), (QStringList{QStringLiteral("4"), QStringLiteral("8")}));
    QVERIFY(view.text().startsWith(QStringLiteral("── model ──\n$ ss -lnt\n")));

    // A file loaded: its run alone.
    QVERIFY(doc.load(kLesson02).isEmpty());
    QVERIFY(!doc.comparison());
    doc.setPlayhead(t);
    QTRY_COMPARE(view.text(), expectedText(Tool::SsListening, doc.simulation(), t));
    QVERIFY(!view.text().contains(QStringLiteral("──")));
}

QTEST_MAIN(TestKernelToolsView)
#include "tst_kerneltoolsview.moc"
