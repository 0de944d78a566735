// The event log: the sends, arrivals and drops at and around the playhead, filterable by kind. Clicking
// a row moves the playhead there, as Packet Tracer's event list does. Read from the History only.
#pragma once

#include "views/document/SimulationDocument.h"

#include <QAbstractTableModel>
#include <QPointer>
#include <QWidget>

#include <vector>

class QComboBox;
class QTableView;

namespace backlog::views {

struct LogEvent {
    Time at;
    std::uint32_t packet = 0;
    bool arrival = false; // false: the packet left; true: it arrived (or was dropped there)
};

enum class LogFilter { All, Syn, SynAck, Ack, Data, FinRst, Drops };

// The events around t: up to `around` packets sent before t and as many after, each as its send and
// its arrival, in time order, kept only if they pass the filter.
std::vector<LogEvent> eventsAround(const History& h, Time t, LogFilter filter, std::uint32_t around = 150);
// "client 3 → server", "server → client 3", "attacker → server"
QString eventWho(const Simulation& sim, const Packet& p);
// "SYN #2 sent", "SYN-ACK (cookie) arrived", "ACK dropped: accept queue full"
QString eventWhat(const Packet& p, bool arrival);

// The rows are built in full when shown (a few hundred), so the model keeps nothing of the run: a row
// painted or clicked after the run has gone is still the text it was built with, never a read of it.
class EventLogModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    explicit EventLogModel(QObject* parent = nullptr);
    // The events around t in `sim`; nullptr: no rows.
    void show(const Simulation* sim, Time t, LogFilter filter);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    const LogEvent& event(int row) const { return events_[static_cast<std::size_t>(row)]; }
    int currentRow() const { return current_; } // the last event at or before the playhead

  private:
    struct Row {
        QString time, who, what;
    };
    std::vector<LogEvent> events_;
    std::vector<Row> rows_;
    int current_ = -1;
};

class EventLogView : public QWidget {
    Q_OBJECT
  public:
    explicit EventLogView(QWidget* parent = nullptr);
    // The document whose run is listed around its playhead: followed while the log is visible, and
    // emptied at once when the run is replaced or cut.
    void setDocument(SimulationDocument* document);
    EventLogModel* model() const { return model_; }
    void setFilter(LogFilter f);

  signals:
    void seekRequested(backlog::Time t);
    // A row was clicked: its packet (a History index), so that its connection is selected everywhere.
    void packetActivated(std::uint32_t packet);

  private:
    void refresh(); // the rows around the document's playhead, or none
    QComboBox* filter_;
    QTableView* table_;
    EventLogModel* model_;
    QPointer<SimulationDocument> doc_;
};

} // namespace backlog::views
