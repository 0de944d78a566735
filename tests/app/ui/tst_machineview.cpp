// The "This machine" dock (app/ui/MachineView.h), offscreen. In the main window it is hidden at first,
// toggled from the View menu, and reads only while shown. On the real kernel, inside a fresh network
// namespace the test enters first (real-kernel tests send traffic only inside namespaces they create;
// skipped, with the reason, where none can be made): a listen(fd, 7) on 127.0.0.1 is listed with Send-Q 7,
// a connection nobody accepted makes its Recv-Q 1 (M1) and its followed chart says so, and a full accept
// queue (listen(fd, 0) and a second client, M2, M5) shows in TcpExtListenOverflows and its rate. With a
// reader of the test's own: each failed read shows the lab's message in place of its table, and fixed
// readings give the rates and "not on this kernel". Where the lab is not built, the dock says why.
#include "app/ui/MachineView.h"
#include "app/ui/MainWindow.h"
#include "views/widgets/RecentChart.h"

#include <QAction>
#include <QDockWidget>
#include <QLabel>
#include <QMenuBar>
#include <QSettings>
#include <QTableView>
#include <QTest>

#ifdef BACKLOG_HAS_LAB
#include "app/lab/Namespace.h"
#include "app/ui/MachineSampler.h"

#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <string>

using namespace backlog;
using namespace std::chrono_literals;

namespace {

// How many times the dock has read the machine (none where the lab is not built).
int readsOf(const app::MachineView& view) {
#ifdef BACKLOG_HAS_LAB
    return view.sampler()->samples();
#else
    return view.sampler() ? -1 : 0;
#endif
}

#ifdef BACKLOG_HAS_LAB
QAbstractItemModel* tableModel(QWidget& view, const char* name) {
    auto* table = view.findChild<QTableView*>(QLatin1String(name));
    return table ? table->model() : nullptr;
}

// The row whose `column` reads `text`, or -1.
int rowWith(const QAbstractItemModel* model, int column, const QString& text) {
    if (!model) return -1;
    for (int r = 0; r < model->rowCount(); ++r)
        if (model->index(r, column).data().toString() == text) return r;
    return -1;
}

QString cell(const QAbstractItemModel* model, int row, int column) {
    return row < 0 || !model ? QString() : model->index(row, column).data().toString();
}

// The last point's y, or -1 for none.
double lastY(const std::vector<QPointF>& points) {
    return points.empty() ? -1.0 : points.back().y();
}

bool anyAboveZero(const std::vector<QPointF>& points) {
    return std::any_of(points.begin(), points.end(), [](QPointF p) { return p.y() > 0; });
}

int lineIndex(const views::RecentChart* chart, const QString& name) {
    return chart ? static_cast<int>(chart->lineNames().indexOf(name)) : -1;
}

// A listener on 127.0.0.1, port chosen by the kernel; -1 on failure.
int listenOnLoopback(int backlog, std::uint16_t& port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), length) != 0 || ::listen(fd, backlog) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length) != 0) {
        ::close(fd);
        return -1;
    }
    port = ntohs(a.sin_port);
    return fd;
}

// A client of 127.0.0.1:port. Blocking, it returns once the handshake is over (on loopback inside
// connect(), M13); non-blocking, at once, its SYN on its way. -1 on failure.
int connectTo(std::uint16_t port, bool blocking) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (blocking ? 0 : SOCK_NONBLOCK), 0);
    if (fd < 0) return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && (blocking || errno != EINPROGRESS)) {
        ::close(fd);
        return -1;
    }
    return fd;
}
#endif

} // namespace

class TestMachineView : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void theDockIsHiddenAndReadsOnlyWhileShown();
#ifdef BACKLOG_HAS_LAB
    void listsAListenerItCanSee();
    void aFullQueueShowsInTheCounters();
    void failedReadsShowTheirMessage();
    void fixedReadingsGiveRatesAndAbsentSysctls();
#else
    void saysWhyWithoutTheLab();
#endif

  private:
    std::string noNamespace_; // why no namespace could be entered, if so
};

void TestMachineView::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("BacklogMachineViewTests"));
    QSettings().clear();
#ifdef BACKLOG_HAS_LAB
    // Before any window: every read of the machine below is of this namespace, never of the host's.
    noNamespace_ = lab::enterFreshNetworkNamespace();
#endif
}

void TestMachineView::theDockIsHiddenAndReadsOnlyWhileShown() {
    app::MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    auto* dock = w.findChild<QDockWidget*>(QStringLiteral("MachineDock"));
    QVERIFY(dock);
    QCOMPARE(dock->windowTitle(), QStringLiteral("This machine"));
    QCOMPARE(dock->widget(), static_cast<QWidget*>(w.machine()));
    QVERIFY(dock->isHidden());
    QVERIFY(!w.machine()->isSampling());
    // Its toggle is in the View menu, like every dock's.
    QMenu* view = nullptr;
    for (QAction* a : w.menuBar()->actions())
        if (a->text() == QLatin1String("&View")) view = a->menu();
    QVERIFY(view);
    QVERIFY(view->actions().contains(dock->toggleViewAction()));
    QCOMPARE(readsOf(*w.machine()), 0); // closed: nothing read

    for (int round = 0; round < 3; ++round) {
        dock->toggleViewAction()->trigger();
        QTRY_VERIFY(dock->isVisible());
        QCOMPARE(w.machine()->isSampling(), app::MachineView::labAvailable());
        QCOMPARE(readsOf(*w.machine()) >= 1, app::MachineView::labAvailable());
        w.applyTheme(round == 1 ? QStringLiteral("dark") : QStringLiteral("projector"));
        dock->toggleViewAction()->trigger();
        QTRY_VERIFY(dock->isHidden());
        QVERIFY(!w.machine()->isSampling());
    }
    w.applyTheme(QStringLiteral("light"));
}

#ifdef BACKLOG_HAS_LAB

void TestMachineView::listsAListenerItCanSee() {
    if (!noNamespace_.empty()) QSKIP(noNamespace_.c_str());
    app::MachineView view;
    view.setInterval(100ms);
    view.resize(1000, 500);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QVERIFY(view.isSampling());
    std::uint16_t port = 0;
    const int fd = listenOnLoopback(7, port);
    QVERIFY(fd >= 0);
    const QString address = QStringLiteral("127.0.0.1:%1").arg(port);
    const QAbstractItemModel* listeners = tableModel(view, "MachineListeners");
    QVERIFY(listeners);
    QCOMPARE(listeners->headerData(1, Qt::Horizontal).toString(), QStringLiteral("Recv-Q"));
    QCOMPARE(listeners->headerData(2, Qt::Horizontal).toString(), QStringLiteral("Send-Q"));
    QTRY_VERIFY(rowWith(listeners, 3, address) >= 0);
    int row = rowWith(listeners, 3, address);
    QCOMPARE(cell(listeners, row, 0), QStringLiteral("LISTEN"));
    QCOMPARE(cell(listeners, row, 2), QStringLiteral("7")); // M1: min(7, somaxconn)
    QCOMPARE(cell(listeners, row, 1), QStringLiteral("0"));

    // Followed: its chart shows its queue against its backlog.
    auto* table = view.findChild<QTableView*>(QStringLiteral("MachineListeners"));
    table->selectRow(row);
    auto* chart = view.findChild<views::RecentChart*>(QStringLiteral("MachineQueueChart"));
    QVERIFY(chart);
    QVERIFY(chart->title().contains(address));
    const int queue = lineIndex(chart, QStringLiteral("accept queue (Recv-Q)"));
    const int backlog = lineIndex(chart, QStringLiteral("backlog (Send-Q)"));
    QVERIFY(queue >= 0 && backlog >= 0);
    QTRY_COMPARE(lastY(chart->shownPoints(backlog)), 7.0);

    // A connection nobody accepts waits in the accept queue (M1, M13).
    const int client = connectTo(port, true);
    QVERIFY(client >= 0);
    QTRY_COMPARE(cell(listeners, rowWith(listeners, 3, address), 1), QStringLiteral("1"));
    QTRY_COMPARE(lastY(chart->shownPoints(queue)), 1.0);
    QVERIFY(view.sampler()->followedNow());
    QCOMPARE(view.sampler()->followedNow()->recvQ, std::uint32_t{1});

    // Closed: gone from the table; the chart keeps its past and says so.
    ::close(client);
    ::close(fd);
    QTRY_COMPARE(rowWith(listeners, 3, address), -1);
    QTRY_VERIFY(chart->title().contains(QStringLiteral("no longer listening")));
    QVERIFY(!chart->shownPoints(queue).empty());
}

void TestMachineView::aFullQueueShowsInTheCounters() {
    if (!noNamespace_.empty()) QSKIP(noNamespace_.c_str());
    app::MachineView view;
    view.setInterval(100ms);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QAbstractItemModel* counters = tableModel(view, "MachineCounters");
    QTRY_VERIFY(rowWith(counters, 0, QStringLiteral("TcpExtListenOverflows")) >= 0);
    const qlonglong before =
        cell(counters, rowWith(counters, 0, QStringLiteral("TcpExtListenOverflows")), 1).toLongLong();
    QVERIFY(counters->index(0, 0).flags() & Qt::ItemIsUserCheckable);
    QCOMPARE(counters->headerData(2, Qt::Horizontal).toString(), QStringLiteral("Per second"));

    // listen(fd, 0): the queue holds one (M2). The second client's SYN finds it full and is dropped (M5).
    std::uint16_t port = 0;
    const int fd = listenOnLoopback(0, port);
    QVERIFY(fd >= 0);
    const int first = connectTo(port, true);
    QVERIFY(first >= 0);
    const int second = connectTo(port, false);
    QVERIFY(second >= 0);
    QTRY_VERIFY(
        cell(counters, rowWith(counters, 0, QStringLiteral("TcpExtListenOverflows")), 1).toLongLong() >
        before);
    auto* rates = view.findChild<views::RecentChart*>(QStringLiteral("MachineRateChart"));
    const int overflows = lineIndex(rates, QStringLiteral("TcpExtListenOverflows"));
    QVERIFY(overflows >= 0); // plotted unless unticked
    QTRY_VERIFY(anyAboveZero(rates->shownPoints(overflows)));
    ::close(second);
    ::close(first);
    ::close(fd);

    // The sysctls of this namespace are read (never written).
    const QAbstractItemModel* sysctls = tableModel(view, "MachineSysctls");
    const int somaxconn = rowWith(sysctls, 0, QStringLiteral("net.core.somaxconn"));
    QVERIFY(somaxconn >= 0);
    bool number = false;
    QVERIFY(cell(sysctls, somaxconn, 1).toLongLong(&number) > 0 && number);
}

void TestMachineView::failedReadsShowTheirMessage() {
    app::MachineView view;
    view.setReader([] {
        app::MachineReading r;
        r.listeners =
            lab::LabError{"reading the listening sockets (sock_diag): socket: Permission denied", 13};
        r.counters = lab::LabError{"/proc/net/netstat: No such file or directory", 2};
        r.sysctls = lab::LabError{"/proc/sys/net/core/somaxconn: not one integer"};
        return r;
    });
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    for (const auto& [label, message] :
         {std::pair{"MachineListenersError", "socket: Permission denied"},
          std::pair{"MachineCountersError", "/proc/net/netstat: No such file or directory"},
          std::pair{"MachineSysctlsError", "not one integer"}}) {
        auto* error = view.findChild<QLabel*>(QLatin1String(label));
        QVERIFY(error);
        QVERIFY2(!error->isHidden(), label);
        QVERIFY2(error->text().contains(QLatin1String(message)), qPrintable(error->text()));
    }
    for (const char* table : {"MachineListeners", "MachineCounters", "MachineSysctls"})
        QCOMPARE(tableModel(view, table)->rowCount(), 0);
}

void TestMachineView::fixedReadingsGiveRatesAndAbsentSysctls() {
    app::MachineView view;
    view.setInterval(50ms);
    int reads = 0;
    view.setReader([&reads] {
        app::MachineReading r;
        ++reads;
        r.listeners = std::vector<lab::ListeningSocket>{{10, "::", 443, 2, 511, 99}};
        r.counters = lab::KernelCounterValues{{"TcpPassiveOpens", 1000 * reads}, {"TcpCurrEstab", 5}};
        r.sysctls = std::vector<lab::Sysctl>{{"net.core.somaxconn", 4096}, {"net.ipv4.tcp_migrate_req", {}}};
        return r;
    });
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QAbstractItemModel* listeners = tableModel(view, "MachineListeners");
    QCOMPARE(cell(listeners, 0, 3), QStringLiteral("[::]:443")); // as ss writes an IPv6 address
    QCOMPARE(cell(listeners, 0, 1), QStringLiteral("2"));
    QCOMPARE(cell(listeners, 0, 2), QStringLiteral("511"));
    QCOMPARE(listeners->index(0, 1).data(Qt::TextAlignmentRole).toInt() & Qt::AlignRight,
             int{Qt::AlignRight});

    const QAbstractItemModel* counters = tableModel(view, "MachineCounters");
    const int passive = rowWith(counters, 0, QStringLiteral("TcpPassiveOpens"));
    const int established = rowWith(counters, 0, QStringLiteral("TcpCurrEstab"));
    QVERIFY(passive >= 0 && established >= 0);
    QCOMPARE(cell(counters, passive, 2), QStringLiteral("…")); // one reading: no rate yet
    QTRY_VERIFY(cell(counters, passive, 2).toDouble() > 0);
    QCOMPARE(cell(counters, established, 2), QStringLiteral("level"));
    QVERIFY(!(counters->index(established, 0).flags() & Qt::ItemIsUserCheckable));

    const QAbstractItemModel* sysctls = tableModel(view, "MachineSysctls");
    QCOMPARE(cell(sysctls, rowWith(sysctls, 0, QStringLiteral("net.core.somaxconn")), 1),
             QStringLiteral("4096"));
    QCOMPARE(cell(sysctls, rowWith(sysctls, 0, QStringLiteral("net.ipv4.tcp_migrate_req")), 1),
             QStringLiteral("not on this kernel"));

    // Hidden, it stops reading.
    view.hide();
    QVERIFY(!view.isSampling());
    const int readsWhenHidden = reads;
    QCoreApplication::processEvents();
    QCOMPARE(reads, readsWhenHidden);
}

#else

void TestMachineView::saysWhyWithoutTheLab() {
    app::MachineView view;
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    auto* why = view.findChild<QLabel*>(QStringLiteral("MachineUnavailable"));
    QVERIFY(why);
    QVERIFY(why->text().contains(QStringLiteral("needs Linux")));
    QVERIFY(!view.isSampling());
    QVERIFY(!view.sampler());
}

#endif

QTEST_MAIN(TestMachineView)
#include "tst_machineview.moc"
