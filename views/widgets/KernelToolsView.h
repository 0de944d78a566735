// What the kernel's own tools would print at the playhead (KernelTools.h): ss -lnt, ss -tan, nstat -az on
// the server and on a client, dmesg, the TCP line of ss -s with the states counted, nstat's change since the
// previous lesson step, the sysctls in force, a kprobe log of the queues, and a log of the workers'
// wake-ups (accepted, asleep again or EAGAIN). The text is selectable and
// can be copied; it follows the playhead through show().
// While the document that holds the run compares it with another (SimulationDocument::compareWith), the
// tool's output for both runs at the playhead is shown, one under the other, each under its side's title
// ("── model ──", "── measured on Linux 6.18.44 ──"); a run that ended before the playhead is shown as
// at its end, and its heading says so.
#pragma once

#include "model/core/Time.h"

#include <QPointer>
#include <QString>
#include <QWidget>

#include <string>
#include <utility>
#include <vector>

class QPlainTextEdit;
class QComboBox;
class QToolButton;

namespace backlog {
class Simulation;
}

namespace backlog::views {

class SimulationDocument;

class KernelToolsView : public QWidget {
    Q_OBJECT
  public:
    // In the selector's order (the first five keep their places).
    enum class Tool {
        SsListening,    // ss -lnt
        SsAll,          // ss -tan
        Nstat,          // nstat -az, the server
        NstatClient,    // nstat -az, a client machine
        Dmesg,          // the server's kernel log
        SsSummary,      // ss -s's TCP line and the states of ss -tan counted
        NstatSinceStep, // nstat: the change since the previous lesson step (or the run's start)
        Sysctl,         // the kernel settings in force
        Kprobes, // trace_pipe of kprobes on tcp_conn_request, inet_csk_reqsk_queue_add, inet_csk_accept
        Wakeups, // trace_pipe of the workers' wake-ups and how each ended (M20)
    };

    explicit KernelToolsView(QWidget* parent = nullptr);

    // Prints the tools' output for `sim` at t now. The view keeps no hold on `sim`: choosing another tool
    // prints again only while the document that holds it (found as for nstatSince) holds it still;
    // otherwise the text goes.
    void show(const Simulation& sim, Time t);
    // The document the view follows: printed at its playhead while the view is visible, emptied at once
    // when the run is replaced or cut, and the lesson whose steps nstat's change is counted from. Without
    // one, the view uses the SimulationDocument among its ancestors' children that holds the simulation
    // it is shown; without a lesson, the change is counted from the run's start (and the command line
    // says so).
    void setDocument(SimulationDocument* doc);

    void setTool(Tool tool);
    Tool tool() const;
    QString text() const;

    // The moment nstat's change is counted from at t, and how the command line names it ("step 3 …").
    struct Since {
        Time at;
        QString label;
    };
    Since nstatSince(const Simulation& sim, Time t) const;

  public slots:
    // Copies the selection to the clipboard, or all the text when nothing is selected.
    void copy();

  private:
    using Command = std::pair<QString, std::string>; // what is typed, what it prints
    // `since`: where nstat's change is counted from (nstatSince of the document's run, for both runs).
    std::vector<Command> commands(const Simulation& sim, Time t, const Since& since) const;
    QString printed(const Simulation& sim, Time t, const Since& since) const;
    // One run of a comparison under its title, at t or at its end.
    QString side(const QString& title, const Simulation& sim, Time t, Since since) const;
    SimulationDocument* documentFor(const Simulation& sim) const;
    void print(const Simulation& sim, Time t);
    void refresh(); // prints again what was last shown, if its document still holds that run

    QComboBox* tool_;
    QToolButton* copy_;
    QPlainTextEdit* text_;
    QPointer<SimulationDocument> doc_;
    QMetaObject::Connection comparison_; // doc_'s comparisonChanged()
    // What was printed last: a run known by its document and revision (never by a pointer into it).
    struct Shown {
        QPointer<SimulationDocument> doc;
        std::uint64_t revision = 0;
        Time t;
    } shown_;
};

} // namespace backlog::views
