// Charts of a run (issue 5): the queues of a listener against their capacities, drops per second by
// reason, accepts per second, worker utilisation against saturation with the workers' wake-ups (all and
// futile) per second, the rates `sar -n TCP,ETCP 1` prints, and a histogram of connect() latency. A selector
// picks the chart; time runs along x in simulated seconds, with a cursor at the playhead. Click to seek,
// wheel to zoom, drag to pan, Shift+drag to zoom to a range, right-click (or "Reset zoom") to see the whole
// run.
//
// The numbers come from ChartSeries.h (pure functions of the run); Qt Charts stays inside views/widgets
// (this view, its look in ChartStyle.h, the live RecentChart), so that it can be replaced (it is
// deprecated from Qt 6.10; STYLE.md pattern 7).
// Series are built once per revision of the document (on load, on a change to the history, when a
// comparison begins or ends, on first showing a chart) and reduced to about two points per pixel column,
// min and max, before one QXYSeries::replace() each; a zoom or a pan reduces them again for the new
// range. Per frame only the cursor moves.
#pragma once

#include "model/core/Time.h"
#include "views/render/Theme.h"

#include <QList>
#include <QPointer>
#include <QStringList>
#include <QWidget>

#include <memory>
#include <optional>
#include <utility>

class QPainter;

namespace backlog {
class Simulation;
}

namespace backlog::views {

class SimulationDocument;

class ChartsView : public QWidget {
    Q_OBJECT
  public:
    enum class Chart { Queues, Drops, Accepts, Workers, SarRates, ConnectLatency };
    Q_ENUM(Chart)

    explicit ChartsView(QWidget* parent = nullptr);
    ~ChartsView() override;

    // Follows a document: rebuilds on loaded(), historyChanged() and comparisonChanged(), moves the cursor
    // on playheadChanged(). Does not seek by itself: connect seekRequested() to whatever moves the
    // playhead (the player, or SimulationDocument::setPlayhead).
    // While the document compares two runs (SimulationDocument::compareWith), every chart plots both on
    // the same axes (time to the later end): the other run in the same colours, paler and dashed, each
    // run's series named with its side's title ("accept queue (Recv-Q) — model"), under a legend with a
    // row per run; the latency histogram puts the two runs' bars side by side in each bin.
    void setDocument(SimulationDocument* document);
    // Or drive it directly (export, benchmarks): the run, which the caller keeps alive and unchanged for
    // as long as the view shows it (nullptr clears), and the playhead. A view that follows a document
    // reads the run from it every time instead.
    void setSimulation(const Simulation* sim);
    // Recomputes every chart's series from the run (the history changed); keeps the zoom if it fits.
    void rebuild();
    void setPlayhead(Time t);
    Time playhead() const { return playhead_; }

    void setTheme(const Theme& theme);
    const Theme& theme() const { return theme_; }

    static QList<Chart> charts();
    static QString chartName(Chart chart); // as the selector lists it
    Chart currentChart() const;
    void setCurrentChart(Chart chart);
    // The listener the queue chart shows (SO_REUSEPORT groups have several).
    int listener() const { return listener_; }
    void setListener(int listener);

    // The visible span of x (seconds) on the current chart; zoom and pan change it.
    std::pair<double, double> visibleRange() const;
    void setVisibleRange(double from, double to);
    void resetZoom();

    // Geometry in this widget's coordinates, for the current chart. positionOf: where time t is drawn
    // (the plot's vertical middle); timeAt: the time under a point of the plot (nothing outside the plot
    // or on the latency histogram, whose x is not simulated time); cursorX: where the cursor is drawn
    // (nothing when it is outside the visible span or the chart has no time axis).
    QPointF positionOf(Time t) const;
    std::optional<Time> timeAt(QPointF position) const;
    std::optional<double> cursorX() const;
    QSize chartSize() const; // the current chart's own widget (the selector row is above it)

    // What the current chart holds, for tests and the window's status line.
    struct Summary {
        QString title;
        QStringList series;         // the series' names, in order (with two runs, "NAME — TITLE")
        QList<double> peaks;        // the highest y of each series (its whole polyline), as `series`
        QList<double> ends;         // where each series' polyline ends (x), as `series`
        qsizetype points = 0;       // points handed to Qt Charts, all series together
        std::size_t fullPoints = 0; // points before the level of detail reduced them
    };
    Summary summary() const;

    // Draws the current chart into `target` (export, benchmarks, golden images).
    void renderChart(QPainter& painter, const QRectF& target);

  signals:
    void seekRequested(backlog::Time t);

  private:
    struct Impl;
    std::unique_ptr<Impl> d_;
    const Simulation* run() const; // the document's run, else the one given to setSimulation()
    void runChanged();             // the listener selector and every chart, for the run now shown
    const Simulation* direct_ = nullptr;
    QPointer<SimulationDocument> document_;
    Theme theme_ = Theme::light();
    Time playhead_;
    int listener_ = 0;
};

} // namespace backlog::views
