// The dock where the lab is built (Linux). MachineViewWithoutLab.cpp is the same class elsewhere.
#include "app/ui/MachineView.h"

#include "app/ui/MachineSampler.h"
#include "views/render/Theme.h"
#include "views/widgets/RecentChart.h"

#include <QAbstractTableModel>
#include <QCoreApplication>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QSet>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTime>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <chrono>
#include <functional>
#include <tuple>
#include <utility>

namespace backlog::app {

namespace {

// A table of text whose rows are things with a key that outlives a refresh (a listener, a counter, a
// sysctl), so that the selection and the ticks stay on the same thing while its numbers change.
class RowsModel : public QAbstractTableModel {
  public:
    struct Row {
        QString key;
        QStringList cells;
        QStringList tips;       // a cell's tooltip; empty: the row's
        QString toolTip;        // the row's
        bool checkable = false; // a box in the first column (the counters to plot)
    };

    RowsModel(QStringList headers, QStringList headerTips, QList<int> numeric, QObject* parent)
        : QAbstractTableModel(parent), headers_(std::move(headers)), headerTips_(std::move(headerTips)),
          numeric_(std::move(numeric)) {}

    // Same things as before: the cells change in place (the selection stays); otherwise a new table.
    void setRows(std::vector<Row> rows) {
        bool sameKeys = rows.size() == rows_.size();
        for (std::size_t i = 0; sameKeys && i < rows.size(); ++i)
            sameKeys = rows[i].key == rows_[i].key;
        if (!sameKeys) {
            beginResetModel();
            rows_ = std::move(rows);
            endResetModel();
            return;
        }
        rows_ = std::move(rows);
        if (!rows_.empty()) emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
    }
    int rowOf(const QString& key) const {
        for (std::size_t i = 0; i < rows_.size(); ++i)
            if (rows_[i].key == key) return static_cast<int>(i);
        return -1;
    }
    QString keyOf(int row) const {
        return row >= 0 && row < rowCount() ? rows_[std::size_t(row)].key : QString();
    }
    QString text(int row, int column) const { return data(index(row, column), Qt::DisplayRole).toString(); }

    QSet<QString> checked;
    std::function<void()> checkedChanged;

    int rowCount(const QModelIndex& parent = {}) const override {
        return parent.isValid() ? 0 : static_cast<int>(rows_.size());
    }
    int columnCount(const QModelIndex& parent = {}) const override {
        return parent.isValid() ? 0 : static_cast<int>(headers_.size());
    }
    QVariant data(const QModelIndex& index, int role) const override {
        if (!index.isValid() || index.row() >= rowCount()) return {};
        const Row& row = rows_[static_cast<std::size_t>(index.row())];
        switch (role) {
        case Qt::DisplayRole:
            return row.cells.value(index.column());
        case Qt::TextAlignmentRole:
            return alignment(index.column());
        case Qt::ToolTipRole:
            return row.tips.value(index.column()).isEmpty() ? row.toolTip : row.tips.value(index.column());
        case Qt::CheckStateRole:
            if (row.checkable && index.column() == 0)
                return checked.contains(row.key) ? Qt::Checked : Qt::Unchecked;
            return {};
        default:
            return {};
        }
    }
    Qt::ItemFlags flags(const QModelIndex& index) const override {
        Qt::ItemFlags f = QAbstractTableModel::flags(index);
        if (index.isValid() && index.column() == 0 && rows_[static_cast<std::size_t>(index.row())].checkable)
            f |= Qt::ItemIsUserCheckable;
        return f;
    }
    bool setData(const QModelIndex& index, const QVariant& value, int role) override {
        if (role != Qt::CheckStateRole || !(flags(index) & Qt::ItemIsUserCheckable)) return false;
        const QString& key = rows_[static_cast<std::size_t>(index.row())].key;
        if (value.value<Qt::CheckState>() == Qt::Checked)
            checked.insert(key);
        else
            checked.remove(key);
        emit dataChanged(index, index, {Qt::CheckStateRole});
        if (checkedChanged) checkedChanged();
        return true;
    }
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override {
        if (orientation != Qt::Horizontal) return {};
        if (role == Qt::DisplayRole) return headers_.value(section);
        if (role == Qt::ToolTipRole) return headerTips_.value(section);
        if (role == Qt::TextAlignmentRole) return alignment(section);
        return {};
    }

  private:
    // Numbers to the right, so their digits line up; words to the left.
    QVariant alignment(int column) const {
        return static_cast<int>((numeric_.contains(column) ? Qt::AlignRight : Qt::AlignLeft) |
                                Qt::AlignVCenter);
    }

    QStringList headers_, headerTips_;
    QList<int> numeric_;
    std::vector<Row> rows_;
};

QTableView* makeTable(RowsModel* model, const QString& objectName, QWidget* parent) {
    auto* table = new QTableView(parent);
    table->setObjectName(objectName);
    table->setModel(model);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setWordWrap(false);
    table->setAlternatingRowColors(true);
    table->verticalHeader()->hide();
    table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents); // a line a row, like ss
    table->horizontalHeader()->setStretchLastSection(true);
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    return table;
}

// Where a read failed: the lab's message, in place of the data.
QLabel* makeErrorLabel(QWidget* parent) {
    auto* label = new QLabel(parent);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->hide();
    return label;
}

// ss writes an IPv6 address in brackets before its port.
QString endpoint(const std::string& address, std::uint16_t port) {
    const QString a = QString::fromStdString(address);
    return (a.contains(QLatin1Char(':')) ? QLatin1Char('[') + a + QLatin1Char(']') : a) + QLatin1Char(':') +
           QString::number(port);
}

QString keyText(const ListenerKey& key) {
    return endpoint(key.localAddress, key.port) + QLatin1Char('#') + QString::number(key.inode);
}

const char* const kContext = "backlog::app::MachineView";

// How each of MachineSampler::watchedCounters() is drawn in the rate chart, and what it counts
// (KERNEL.md section 4).
struct CounterLook {
    const char* name;
    QColor views::Theme::*colour;
    double width;
    bool dashed;
    bool plotted; // ticked at first: the queue's own troubles and the connections it let in
    const char* means;
};

const std::vector<CounterLook>& counterLooks() {
    using T = views::Theme;
    static const std::vector<CounterLook> looks{
        {"TcpExtListenOverflows", &T::alert, 2.0, false, true,
         QT_TRANSLATE_NOOP("backlog::app::MachineView",
                           "accept queue full: a SYN or a final ACK dropped (M5, M7)")},
        {"TcpExtListenDrops", &T::rst, 1.5, true, true,
         QT_TRANSLATE_NOOP("backlog::app::MachineView",
                           "SYNs and ACKs a listener dropped, for any reason; includes the overflows (M16)")},
        {"TcpExtTCPReqQFullDrop", &T::syn, 1.5, false, true,
         QT_TRANSLATE_NOOP("backlog::app::MachineView",
                           "SYNs dropped: SYN queue full and syncookies off (M4)")},
        {"TcpExtTCPReqQFullDoCookies", &T::data, 1.5, true, true,
         QT_TRANSLATE_NOOP("backlog::app::MachineView",
                           "SYN queue full (or syncookies=2): answered with a cookie instead (M4)")},
        {"TcpExtSyncookiesSent", &T::synAck, 1.5, false, true,
         QT_TRANSLATE_NOOP("backlog::app::MachineView",
                           "SYN-ACKs sent with a cookie, no request socket kept")},
        {"TcpExtSyncookiesRecv", &T::ack, 1.5, true, false,
         QT_TRANSLATE_NOOP("backlog::app::MachineView", "ACKs that carried a valid cookie (M9)")},
        {"TcpExtSyncookiesFailed", &T::spoofed, 1.5, true, false,
         QT_TRANSLATE_NOOP("backlog::app::MachineView",
                           "ACKs whose cookie did not check out (not always an attack)")},
        {"TcpExtTCPSynRetrans", &T::fin, 1.5, false, false,
         QT_TRANSLATE_NOOP("backlog::app::MachineView", "SYNs and SYN-ACKs sent again (M16)")},
        {"TcpPassiveOpens", &T::acceptEntry, 2.0, false, true,
         QT_TRANSLATE_NOOP("backlog::app::MachineView",
                           "connections a listener created: handshake done, or a cookie ACK")},
        {"TcpActiveOpens", &T::fin, 1.5, true, false,
         QT_TRANSLATE_NOOP("backlog::app::MachineView", "connect() calls that sent their first SYN")},
        {"TcpAttemptFails", &T::mutedText, 1.5, true, false,
         QT_TRANSLATE_NOOP("backlog::app::MachineView",
                           "connection attempts that failed: timed out, refused, reset")},
        {"TcpCurrEstab", &T::text, 1.5, false, false,
         QT_TRANSLATE_NOOP("backlog::app::MachineView", "connections established now: a level, not a count")},
    };
    return looks;
}

const CounterLook* lookOf(const std::string& name) {
    for (const CounterLook& look : counterLooks())
        if (name == look.name) return &look;
    return nullptr;
}

// What each sysctl decides (KERNEL.md section 1), by labSysctlNames()' order.
QString sysctlMeaning(const std::string& name) {
    static const std::vector<std::pair<const char*, const char*>> meanings{
        {"net.core.somaxconn",
         QT_TRANSLATE_NOOP("backlog::app::MachineView", "caps every listen() backlog (M1)")},
        {"net.ipv4.tcp_max_syn_backlog",
         QT_TRANSLATE_NOOP("backlog::app::MachineView",
                           "syncookies off: unproven SYNs dropped beyond 3/4 of it (M6)")},
        {"net.ipv4.tcp_syncookies",
         QT_TRANSLATE_NOOP("backlog::app::MachineView",
                           "0 never, 1 when the SYN queue is full, 2 always (M4)")},
        {"net.ipv4.tcp_synack_retries",
         QT_TRANSLATE_NOOP("backlog::app::MachineView",
                           "SYN-ACKs sent again before a request is given up (M7)")},
        {"net.ipv4.tcp_syn_retries",
         QT_TRANSLATE_NOOP("backlog::app::MachineView",
                           "SYNs a client sends again before connect() fails (M10)")},
        {"net.ipv4.tcp_syn_linear_timeouts",
         QT_TRANSLATE_NOOP("backlog::app::MachineView",
                           "the first SYN retransmissions 1 s apart (M10; 6.5 on)")},
        {"net.ipv4.tcp_abort_on_overflow",
         QT_TRANSLATE_NOOP("backlog::app::MachineView",
                           "1: a final ACK that meets a full queue gets an RST (M8)")},
        {"net.ipv4.tcp_migrate_req",
         QT_TRANSLATE_NOOP("backlog::app::MachineView",
                           "1: a closed reuseport listener's connections move to another (M15)")},
    };
    for (const auto& [sysctl, meaning] : meanings)
        if (name == sysctl) return QCoreApplication::translate(kContext, meaning);
    return {};
}

double secondsBefore(std::int64_t at, std::int64_t now) {
    return static_cast<double>(at - now) / 1e9;
}

} // namespace

// ------------------------------------------------------------------------------------------------

struct MachineView::Impl {
    MachineView* q = nullptr;
    MachineSampler sampler{readThisMachine};
    QTimer timer;
    views::Theme theme = views::Theme::light();
    bool reselecting = false; // the table is being put back on the followed listener

    QLabel* listenersError = nullptr;
    RowsModel* listeners = nullptr;
    QTableView* listenerTable = nullptr;
    views::RecentChart* queueChart = nullptr;
    QLabel* countersError = nullptr;
    RowsModel* counters = nullptr;
    views::RecentChart* rateChart = nullptr;
    QLabel* sysctlsError = nullptr;
    RowsModel* sysctls = nullptr;
    QLabel* status = nullptr;

    static QString tr(const char* text) { return MachineView::tr(text); }

    // A tab: where its read failed, then its table, and its chart beside it.
    QWidget* page(QLabel*& error, const QString& errorName, QWidget* top, QWidget* side) {
        auto* w = new QWidget;
        auto* layout = new QVBoxLayout(w);
        layout->setContentsMargins(4, 4, 4, 4);
        layout->setSpacing(4);
        error = makeErrorLabel(w);
        error->setObjectName(errorName);
        layout->addWidget(error);
        if (!side) {
            layout->addWidget(top, 1);
            return w;
        }
        auto* split = new QSplitter(Qt::Horizontal, w);
        split->setChildrenCollapsible(false);
        split->addWidget(top);
        split->addWidget(side);
        split->setStretchFactor(0, 1);
        split->setStretchFactor(1, 1);
        // Half each to begin with: a table's size hint would take nearly all and leave the chart a strip.
        split->setSizes({1000, 1000});
        layout->addWidget(split, 1);
        return w;
    }

    QWidget* buildListeners() {
        listeners = new RowsModel(
            {tr("State"), tr("Recv-Q"), tr("Send-Q"), tr("Local Address:Port")},
            {tr("Every socket here listens (ss -lnt lists only those)"),
             tr("The accept queue: connections that finished their handshake and wait for accept() (M1)"),
             tr("The backlog: min(listen()'s argument, somaxconn) (M1); the queue holds one more (M2)"),
             tr("The address and port it listens on")},
            {1, 2}, q);
        listenerTable = makeTable(listeners, QStringLiteral("MachineListeners"), q);
        listenerTable->setToolTip(tr("Select a listener to follow its accept queue"));
        queueChart = new views::RecentChart(q);
        queueChart->setObjectName(QStringLiteral("MachineQueueChart"));
        queueChart->setAxisTitles(tr("seconds before now"), tr("connections"));
        queueChart->setMinimumWidth(320);
        QObject::connect(listenerTable->selectionModel(), &QItemSelectionModel::selectionChanged, q,
                         [this] { followSelected(); });
        return page(listenersError, QStringLiteral("MachineListenersError"), listenerTable, queueChart);
    }

    QWidget* buildCounters() {
        counters = new RowsModel({tr("Counter"), tr("Total"), tr("Per second"), tr("Counts")},
                                 {tr("As nstat names it; tick to plot its rate"),
                                  tr("Since the kernel started (this namespace's)"),
                                  tr("The increase since the reading before, over the time between"),
                                  tr("What makes it go up")},
                                 {1, 2}, q);
        for (const CounterLook& look : counterLooks())
            if (look.plotted) counters->checked.insert(QString::fromLatin1(look.name));
        counters->checkedChanged = [this] { showRates(); };
        QTableView* table = makeTable(counters, QStringLiteral("MachineCounters"), q);
        rateChart = new views::RecentChart(q);
        rateChart->setObjectName(QStringLiteral("MachineRateChart"));
        rateChart->setAxisTitles(tr("seconds before now"), tr("per second"));
        rateChart->setLegendAlignment(Qt::AlignRight); // up to eleven nstat names: a column, not a row
        rateChart->setMinimumWidth(320);
        return page(countersError, QStringLiteral("MachineCountersError"), table, rateChart);
    }

    QWidget* buildSysctls() {
        sysctls = new RowsModel({tr("Sysctl"), tr("Value"), tr("Decides")},
                                {tr("As sysctl(8) names it; read, never written"),
                                 tr("This network namespace's value"), tr("What it changes for a listener")},
                                {1}, q);
        return page(sysctlsError, QStringLiteral("MachineSysctlsError"),
                    makeTable(sysctls, QStringLiteral("MachineSysctls"), q), nullptr);
    }

    void build() {
        auto* layout = new QVBoxLayout(q);
        layout->setContentsMargins(0, 0, 0, 0);
        layout->setSpacing(2);
        auto* tabs = new QTabWidget(q);
        tabs->setObjectName(QStringLiteral("MachineTabs"));
        tabs->setDocumentMode(true);
        tabs->addTab(buildListeners(), tr("Listeners (ss -lnt)"));
        tabs->addTab(buildCounters(), tr("Counters (nstat)"));
        tabs->addTab(buildSysctls(), tr("Sysctls"));
        layout->addWidget(tabs, 1);
        status = new QLabel(q);
        status->setObjectName(QStringLiteral("MachineStatus"));
        status->setContentsMargins(6, 0, 6, 2);
        layout->addWidget(status);
        timer.setInterval(1000);
        QObject::connect(&timer, &QTimer::timeout, q, [this] { sampleNow(); });
    }

    // ---- one reading

    void sampleNow() {
        const auto now = std::chrono::steady_clock::now().time_since_epoch();
        sampler.sample(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
        showListeners();
        showFollowed();
        showCounters();
        showRates();
        showSysctls();
        status->setText(tr("Read-only, from the kernel Backlog runs on (its network namespace) every %1 s; "
                           "last read %2. The charts keep %3 minutes, from when this dock was shown.")
                            .arg(static_cast<double>(timer.interval()) / 1000.0)
                            .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")))
                            .arg(sampler.keep() / (60 * MachineSampler::kSecond)));
    }

    // False (and the message shown, the table emptied) when the read failed.
    template <typename T>
    static bool showError(const lab::LabResult<T>& result, QLabel* label, RowsModel* model,
                          const QString& what) {
        label->setVisible(!result.ok());
        if (result.ok()) return true;
        label->setText(what.arg(QString::fromStdString(result.error())));
        model->setRows({});
        return false;
    }

    void showListeners() {
        const auto& result = sampler.latest().listeners;
        if (!showError(result, listenersError, listeners, tr("Cannot read the listening sockets: %1")))
            return;
        // By port, then address: the kernel's order is its hash table's, which moves a row when another
        // listener comes or goes.
        std::vector<lab::ListeningSocket> sockets = result.value();
        std::stable_sort(sockets.begin(), sockets.end(), [](const auto& a, const auto& b) {
            return std::tie(a.port, a.localAddress) < std::tie(b.port, b.localAddress);
        });
        std::vector<RowsModel::Row> rows;
        for (const lab::ListeningSocket& s : sockets) {
            RowsModel::Row row;
            row.key = keyText(ListenerKey::of(s));
            row.cells = {QStringLiteral("LISTEN"), QString::number(s.recvQ), QString::number(s.sendQ),
                         endpoint(s.localAddress, s.port)};
            row.toolTip = tr("%1, socket inode %2: select it to follow its accept queue")
                              .arg(s.localAddress.find(':') != std::string::npos ? tr("IPv6") : tr("IPv4"))
                              .arg(s.inode);
            rows.push_back(std::move(row));
        }
        listeners->setRows(std::move(rows));
        // Back on the followed listener after a new table (a listener came or went); a followed listener
        // that is gone stays followed, its chart says so.
        const std::optional<ListenerKey>& followed = sampler.followed();
        const int row = followed ? listeners->rowOf(keyText(*followed)) : -1;
        reselecting = true;
        if (row >= 0 && !listenerTable->selectionModel()->isRowSelected(row, {}))
            listenerTable->selectRow(row);
        else if (row < 0)
            listenerTable->clearSelection();
        reselecting = false;
    }

    void followSelected() {
        if (reselecting) return;
        const QModelIndexList rows = listenerTable->selectionModel()->selectedRows();
        std::optional<ListenerKey> key;
        if (!rows.isEmpty() && sampler.latest().listeners.ok()) {
            const QString wanted = listeners->keyOf(rows.front().row());
            for (const lab::ListeningSocket& s : sampler.latest().listeners.value())
                if (keyText(ListenerKey::of(s)) == wanted) key = ListenerKey::of(s);
        }
        sampler.follow(key);
        showFollowed();
    }

    void showFollowed() {
        const std::optional<ListenerKey>& followed = sampler.followed();
        if (!followed) {
            queueChart->setTitle(tr("Select a listener to follow its queue"));
            queueChart->setLines({});
            return;
        }
        const QString name = endpoint(followed->localAddress, followed->port);
        if (sampler.followedNow())
            queueChart->setTitle(tr("%1: accept queue (Recv-Q) against backlog (Send-Q)").arg(name));
        else if (sampler.latest().listeners.ok())
            queueChart->setTitle(
                tr("%1: no longer listening (socket inode %2)").arg(name).arg(followed->inode));
        else
            queueChart->setTitle(tr("%1: not read this time").arg(name));
        views::RecentChart::Line backlog{
            tr("backlog (Send-Q)"), &views::Theme::limitLine, 1.5, true, true, {}};
        views::RecentChart::Line queue{
            tr("accept queue (Recv-Q)"), &views::Theme::acceptEntry, 2.0, false, true, {}};
        for (const MachineSampler::QueuePoint& p : sampler.queueHistory()) {
            const double x = secondsBefore(p.at, sampler.latestAt());
            backlog.points.emplace_back(x, p.sendQ);
            queue.points.emplace_back(x, p.recvQ);
        }
        queueChart->setLines({std::move(backlog), std::move(queue)});
    }

    static RowsModel::Row counterRow(const MachineSampler::Counter& c) {
        RowsModel::Row row;
        row.key = QString::fromStdString(c.name);
        const CounterLook* look = lookOf(c.name);
        row.toolTip = look ? QCoreApplication::translate(kContext, look->means) : QString();
        QString rate, tip;
        if (MachineSampler::isGauge(c.name)) {
            rate = tr("level");
            tip = tr("A level, not a count of events: no rate");
        } else if (c.wentBackwards) {
            rate = tr("reset");
            tip = tr("Lower than at the reading before: reset or wrapped; no rate for that interval");
        } else if (c.perSecond) {
            rate = QString::number(*c.perSecond, 'f', 1);
        } else {
            rate = QStringLiteral("…");
            tip = tr("A rate needs two readings");
        }
        row.cells = {row.key, QString::number(c.total), rate, row.toolTip};
        row.tips = {QString(), QString(), tip};
        row.checkable = !MachineSampler::isGauge(c.name);
        return row;
    }

    void showCounters() {
        const auto& result = sampler.latest().counters;
        if (!showError(result, countersError, counters, tr("Cannot read the kernel's counters: %1"))) return;
        std::vector<RowsModel::Row> rows;
        for (const MachineSampler::Counter& c : sampler.counters())
            rows.push_back(counterRow(c));
        if (rows.empty()) {
            countersError->setText(tr("This kernel shows none of the listen-related counters."));
            countersError->show();
        }
        counters->setRows(std::move(rows));
    }

    void showRates() {
        std::vector<views::RecentChart::Line> lines;
        for (const std::string& counter : MachineSampler::watchedCounters()) {
            const QString name = QString::fromStdString(counter);
            const CounterLook* look = lookOf(counter);
            if (!look || MachineSampler::isGauge(counter) || !counters->checked.contains(name)) continue;
            // A ticked counter this kernel does not have is not drawn; one that went away keeps its past.
            const std::deque<MachineSampler::RatePoint>& history = sampler.rateHistory(counter);
            if (history.empty() && counters->rowOf(name) < 0) continue;
            views::RecentChart::Line line{name, look->colour, look->width, look->dashed, false, {}};
            for (const MachineSampler::RatePoint& p : history)
                line.points.emplace_back(secondsBefore(p.at, sampler.latestAt()), p.perSecond);
            lines.push_back(std::move(line));
        }
        rateChart->setTitle(lines.empty() ? tr("Tick counters in the table to plot their rates")
                                          : tr("Rates per second, the last %1 minutes")
                                                .arg(sampler.keep() / (60 * MachineSampler::kSecond)));
        rateChart->setLines(std::move(lines));
    }

    void showSysctls() {
        const auto& result = sampler.latest().sysctls;
        if (!showError(result, sysctlsError, sysctls, tr("Cannot read the sysctls: %1"))) return;
        std::vector<RowsModel::Row> rows;
        for (const lab::Sysctl& s : result.value()) {
            RowsModel::Row row;
            row.key = QString::fromStdString(s.name);
            row.cells = {row.key, s.value ? QString::number(*s.value) : tr("not on this kernel"),
                         sysctlMeaning(s.name)};
            rows.push_back(std::move(row));
        }
        sysctls->setRows(std::move(rows));
    }

    void applyTheme() {
        queueChart->setTheme(theme);
        rateChart->setTheme(theme);
        for (QLabel* label : {listenersError, countersError, sysctlsError}) {
            QPalette p = label->palette();
            p.setColor(QPalette::WindowText, theme.alert);
            label->setPalette(p);
        }
        QPalette p = status->palette();
        p.setColor(QPalette::WindowText, theme.mutedText);
        status->setPalette(p);
    }
};

// ------------------------------------------------------------------------------------------------

MachineView::MachineView(QWidget* parent) : QWidget(parent), d_(std::make_unique<Impl>()) {
    d_->q = this;
    d_->build();
    d_->applyTheme();
    // Nothing is read until the dock is shown.
}

MachineView::~MachineView() = default;

bool MachineView::labAvailable() {
    return true;
}

void MachineView::setTheme(const views::Theme& theme) {
    d_->theme = theme;
    d_->applyTheme();
}

void MachineView::setInterval(std::chrono::milliseconds interval) {
    d_->timer.setInterval(std::max<int>(1, static_cast<int>(interval.count())));
}

bool MachineView::isSampling() const {
    return d_->timer.isActive();
}

const MachineSampler* MachineView::sampler() const {
    return &d_->sampler;
}

void MachineView::setReader(std::function<MachineReading()> reader) {
    d_->sampler.setReader(std::move(reader));
}

void MachineView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (d_->timer.isActive()) return;
    // A fresh start: the time the dock was hidden was not looked at, so no rate or line spans it.
    d_->sampler.restart();
    d_->sampleNow();
    d_->timer.start();
}

void MachineView::hideEvent(QHideEvent* event) {
    QWidget::hideEvent(event);
    d_->timer.stop();
}

} // namespace backlog::app
