#include "views/widgets/EventLogView.h"
#include "views/widgets/DocumentFollower.h"

#include <QComboBox>
#include <QFont>
#include <QHeaderView>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace backlog::views {

namespace {

bool isDrop(PacketFate f) {
    return f != PacketFate::InFlight && f != PacketFate::Delivered && f != PacketFate::Unanswered;
}

bool passes(const Packet& p, bool arrival, LogFilter filter) {
    switch (filter) {
    case LogFilter::All:
        return true;
    case LogFilter::Syn:
        return p.kind == PacketKind::Syn;
    case LogFilter::SynAck:
        return p.kind == PacketKind::SynAck;
    case LogFilter::Ack:
        return p.kind == PacketKind::Ack;
    case LogFilter::Data:
        return p.kind == PacketKind::Data;
    case LogFilter::FinRst:
        return p.kind == PacketKind::Fin || p.kind == PacketKind::Rst;
    case LogFilter::Drops:
        return arrival && isDrop(p.fate);
    }
    return true;
}

} // namespace

std::vector<LogEvent> eventsAround(const History& h, Time t, LogFilter filter, std::uint32_t around) {
    std::vector<LogEvent> out;
    const std::uint32_t n = static_cast<std::uint32_t>(h.packetCount());
    if (n == 0) return out;
    // The packets sent up to t and after it; a filter that keeps few events looks further.
    const std::uint32_t mid = h.packetsSentIn(Time(), t).second;
    const std::uint32_t reach = filter == LogFilter::All ? around : around * 40;
    const std::uint32_t first = mid > reach ? mid - reach : 0;
    const std::uint32_t last = std::min(n, mid + reach);
    for (std::uint32_t i = first; i < last; ++i) {
        const Packet p = h.packet(i);
        if (passes(p, false, filter)) out.push_back({p.sent, i, false});
        // Packets lost in the network or sent to a spoofed address have no arrival to show.
        if (p.fate != PacketFate::LostInNetwork && p.fate != PacketFate::Unanswered && p.arrives <= h.end &&
            passes(p, true, filter))
            out.push_back({p.arrives, i, true});
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const LogEvent& a, const LogEvent& b) { return a.at < b.at; });
    // Keep `around` events on each side of t.
    const auto split =
        std::upper_bound(out.begin(), out.end(), t, [](Time x, const LogEvent& e) { return x < e.at; });
    const auto from = split - std::min<std::ptrdiff_t>(split - out.begin(), around);
    const auto to = split + std::min<std::ptrdiff_t>(out.end() - split, around);
    return {from, to};
}

QString eventWho(const Simulation& sim, const Packet& p) {
    if (isSpoofed(p.flow))
        return p.toServer ? QObject::tr("attacker → server") : QObject::tr("server → spoofed");
    const QString client = QObject::tr("client %1").arg(p.flow);
    const QString server = sim.history().listeners.size() > 1 ? QObject::tr("listener %1").arg(p.listener)
                                                              : QObject::tr("server");
    return p.toServer ? client + QStringLiteral(" → ") + server : server + QStringLiteral(" → ") + client;
}

QString eventWhat(const Packet& p, bool arrival) {
    QString what = QString::fromUtf8(packetKindName(p.kind).data());
    if (p.cookie && p.kind == PacketKind::SynAck) what += QObject::tr(" (cookie)");
    if (p.retrans > 0)
        what += QStringLiteral(" #%1").arg(p.retrans); // the n-th retransmission, as on the stage
    if (!arrival) return what + QObject::tr(" sent");
    if (isDrop(p.fate)) return what + QStringLiteral(" ") + QString::fromUtf8(packetFateName(p.fate).data());
    return what + QObject::tr(" arrived");
}

// ------------------------------------------------------------------------------------ model

EventLogModel::EventLogModel(QObject* parent) : QAbstractTableModel(parent) {
}

void EventLogModel::show(const Simulation* sim, Time t, LogFilter filter) {
    beginResetModel();
    events_ = sim ? eventsAround(sim->history(), t, filter) : std::vector<LogEvent>{};
    rows_.clear();
    rows_.reserve(events_.size());
    current_ = -1;
    for (std::size_t i = 0; i < events_.size(); ++i) {
        const LogEvent& e = events_[i];
        const Packet p = sim->history().packet(e.packet);
        rows_.push_back(
            {QString::fromStdString(formatSeconds(e.at)), eventWho(*sim, p), eventWhat(p, e.arrival)});
        if (e.at <= t) current_ = static_cast<int>(i);
    }
    endResetModel();
}

int EventLogModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(events_.size());
}

int EventLogModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : 3;
}

QVariant EventLogModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || static_cast<std::size_t>(index.row()) >= rows_.size()) return {};
    if (role == Qt::FontRole && index.row() == current_) {
        QFont bold;
        bold.setBold(true);
        return bold;
    }
    if (role != Qt::DisplayRole) return {};
    const Row& r = rows_[static_cast<std::size_t>(index.row())];
    switch (index.column()) {
    case 0:
        return r.time;
    case 1:
        return r.who;
    default:
        return r.what;
    }
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case 0:
        return tr("Time (s)");
    case 1:
        return tr("Between");
    default:
        return tr("Event");
    }
}

// ------------------------------------------------------------------------------------ view

EventLogView::EventLogView(QWidget* parent) : QWidget(parent) {
    filter_ = new QComboBox(this);
    filter_->addItems({tr("All events"), tr("SYN"), tr("SYN-ACK"), tr("ACK"), tr("Data"), tr("FIN and RST"),
                       tr("Drops only")});
    model_ = new EventLogModel(this);
    table_ = new QTableView(this);
    table_->setModel(model_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    table_->setWordWrap(false); // one line per event, like a packet list
    table_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(filter_);
    layout->addWidget(table_);
    connect(filter_, &QComboBox::currentIndexChanged, this, [this] { rebuildWhenVisible(this); });
    connect(table_, &QTableView::clicked, this, [this](const QModelIndex& index) {
        const LogEvent e = model_->event(index.row()); // a copy: seeking rebuilds the rows
        emit packetActivated(e.packet);
        emit seekRequested(e.at);
    });
}

void EventLogView::setFilter(LogFilter f) {
    filter_->setCurrentIndex(static_cast<int>(f));
}

void EventLogView::setDocument(SimulationDocument* document) {
    doc_ = document;
    followDocument(
        this, document,
        [this] { model_->show(nullptr, Time(), static_cast<LogFilter>(filter_->currentIndex())); },
        [this] { refresh(); });
}

void EventLogView::refresh() {
    const SimulationDocument* d = loadedOrNull(doc_);
    model_->show(d ? &d->simulation() : nullptr, d ? d->playhead() : Time(),
                 static_cast<LogFilter>(filter_->currentIndex()));
    if (model_->currentRow() >= 0)
        table_->scrollTo(model_->index(model_->currentRow(), 0), QAbstractItemView::PositionAtCenter);
}

} // namespace backlog::views
