// The inspector: details of the selected packet, client, worker or queue entry at the playhead, kept up
// to date as time moves (TCP state and flags, sequence numbers, timers and retries, the listener it
// hashed to, why it was dropped). Everything is read from the History at t.
#pragma once

#include "model/kernel/Simulation.h"
#include "views/document/SelectionModel.h"
#include "views/document/SimulationDocument.h"

#include <QPointer>
#include <QWidget>

class QTextBrowser;

namespace backlog::views {

// The details as HTML, for the inspector and for tests.
QString describeSelection(const Simulation& sim, const Selection& s, Time t);

// Sequence numbers as the kernel would pick them (a keyed hash per connection, like secure_tcp_seq):
// the client's and the server's initial sequence numbers of a flow.
std::uint32_t clientIsn(const Simulation& sim, FlowId flow);
std::uint32_t serverIsn(const Simulation& sim, FlowId flow);

class InspectorView : public QWidget {
    Q_OBJECT
  public:
    explicit InspectorView(QWidget* parent = nullptr);
    // The document whose run is described at its playhead: followed while the inspector is visible;
    // a new run empties it and forgets the selection (it named something of the old run).
    void setDocument(SimulationDocument* document);
    void setSelection(const Selection& s);
    const Selection& selection() const { return selection_; }
    QString html() const;

  private:
    void refresh();
    QTextBrowser* text_;
    Selection selection_;
    QPointer<SimulationDocument> doc_;
};

} // namespace backlog::views
