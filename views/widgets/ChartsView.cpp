#include "views/widgets/ChartsView.h"

#include "views/document/SimulationDocument.h"
#include "views/render/ChartSeries.h"
#include "views/widgets/ChartStyle.h"

#include <QApplication>
#include <QComboBox>
#include <QGraphicsLayout>
#include <QGraphicsLineItem>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QStackedWidget>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <QtCharts/QAreaSeries>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>
#include <functional>

namespace backlog::views {

using namespace charts;
using namespace chartstyle;

namespace {

// The bin of the latency histogram: fine enough to separate the first round trip from the first
// retransmission, coarse enough (100 ms at most) that the retransmission clusters are tall.
Time latencyBin(Time slowest) {
    const double raw = std::max(1e-6, seconds(slowest) / 200.0);
    const double step = std::min(0.1, niceStep(raw));
    return Time::ns(std::max<std::int64_t>(1'000, std::llround(step * 1e9)));
}

QList<QPointF> toList(const std::vector<QPointF>& v) {
    return QList<QPointF>(v.begin(), v.end());
}

} // namespace

// ------------------------------------------------------------------------------------------------

namespace {

// A QChartView that seeks on a click, pans on a drag, zooms on the wheel (and to a range on
// Shift+drag) along x only, and resets on a right-click. It only reports; ChartsView decides.
class ChartCanvas : public QChartView {
  public:
    std::function<void(QPointF)> clicked;
    std::function<void(double dx)> panned;
    std::function<void(double x, double steps)> zoomed;
    std::function<void()> reset;

    explicit ChartCanvas(QChart* chart) : QChartView(chart) {
        setRenderHint(QPainter::Antialiasing, true);
        setRubberBand(NoRubberBand);
        setFrameShape(QFrame::NoFrame);
        setToolTip(QObject::tr("Click: move the playhead here. Wheel: zoom. Drag: pan. Shift+drag: zoom to a "
                               "range. Right-click: the whole run."));
    }

  protected:
    void mousePressEvent(QMouseEvent* e) override {
        if (e->button() == Qt::LeftButton && (e->modifiers() & Qt::ShiftModifier)) {
            rubberBanding_ = true;
            setRubberBand(HorizontalRubberBand);
            QChartView::mousePressEvent(e);
            return;
        }
        if (e->button() == Qt::LeftButton) {
            pressed_ = true;
            moved_ = false;
            press_ = last_ = e->position();
            e->accept();
            return;
        }
        if (e->button() == Qt::RightButton) {
            if (reset) reset();
            e->accept();
            return;
        }
        QGraphicsView::mousePressEvent(e);
    }
    void mouseMoveEvent(QMouseEvent* e) override {
        if (rubberBanding_) {
            QChartView::mouseMoveEvent(e);
            return;
        }
        if (!pressed_) return;
        if (!moved_ && (e->position() - press_).manhattanLength() >= QApplication::startDragDistance())
            moved_ = true;
        if (moved_) {
            setCursor(Qt::ClosedHandCursor);
            if (panned) panned(e->position().x() - last_.x());
            last_ = e->position();
        }
    }
    void mouseReleaseEvent(QMouseEvent* e) override {
        if (rubberBanding_) {
            QChartView::mouseReleaseEvent(e);
            rubberBanding_ = false;
            setRubberBand(NoRubberBand);
            return;
        }
        if (pressed_ && e->button() == Qt::LeftButton) {
            pressed_ = false;
            unsetCursor();
            if (!moved_ && clicked) clicked(e->position());
        }
        e->accept();
    }
    void wheelEvent(QWheelEvent* e) override {
        const double steps = e->angleDelta().y() / 120.0;
        if (steps != 0 && zoomed) zoomed(e->position().x(), steps);
        e->accept();
    }

  private:
    bool rubberBanding_ = false;
    bool pressed_ = false;
    bool moved_ = false;
    QPointF press_, last_;
};

// One drawn line (or filled area) and the whole polyline it is cut from.
struct Line {
    QXYSeries* series = nullptr;      // what replace() feeds: the line, or the area's upper line
    QAbstractSeries* shown = nullptr; // what the chart holds: the line, or the area
    std::vector<QPointF> full;        // the whole polyline, sorted by x
    std::function<QPen(const Theme&)> pen;
    std::function<QBrush(const Theme&)> brush; // areas only
    bool reduce = true;                        // false: few points (markers), handed over as they are
    std::size_t run = 0;                       // the run it plots (Run::index)
    QString legendName;                        // its name under its run's title in a comparison's legend
    bool inLegend = true;                      // false: a marker repeated (one legend entry for all)
};

// A run the charts plot: the document's, and while the document compares, the other one
// (SimulationDocument::compareWith), paler and dashed (ChartStyle.h: otherRunPen), its side's title in
// its series' names. Asked of the document at every build and never kept: the other run may go at any
// time, and revision() says when.
struct Run {
    const Simulation* sim = nullptr;
    std::size_t index = 0;
    QString title; // empty with one run: the names are then as they have always been
    bool other = false;
    double end = 1e-6; // its own end (s): its lines stop there; the time axis goes on to the later end
    QString named(const QString& name) const {
        return title.isEmpty() ? name : name + QStringLiteral(" — ") + title;
    }
};

// The series of the workers chart for one run.
struct WorkerLines {
    std::vector<QPointF> busy, saturated, waiting; // utilisation and saturation in %
    WakeupRates wakeups;
};

WorkerLines workerLines(const Simulation& sim, Time bin) {
    WorkerLines w{utilisation(sim), saturation(sim, bin), waitingForAccept(sim),
                  wakeupRates(sim.history(), bin)};
    for (QPointF& pt : w.busy)
        pt.setY(pt.y() * 100.0);
    for (QPointF& pt : w.saturated)
        pt.setY(pt.y() * 100.0);
    return w;
}

} // namespace

struct ChartsView::Impl {
    struct Page {
        Chart kind = Chart::Queues;
        QChart* chart = nullptr;
        ChartCanvas* view = nullptr;
        QValueAxis* x = nullptr;
        std::vector<Line> lines;
        QGraphicsLineItem* cursor = nullptr;
        RunLegend* legend = nullptr; // while two runs are plotted, in place of Qt's legend
        QStringList runTitles;       // the runs' titles while two are plotted, else empty
        bool timeAxis = true;
        bool dirty = true;
        std::uint64_t revision = 0; // the document's revision the lines were built from
        double fullMin = 0, fullMax = 1;
        int lodColumns = 0; // the columns the lines were last reduced for
        std::pair<double, double> lodRange{0, 0};
        bool settingRange = false;
    };

    ChartsView* q = nullptr;
    QComboBox* chartSelector = nullptr;
    QLabel* listenerLabel = nullptr;
    QComboBox* listenerSelector = nullptr;
    QToolButton* resetButton = nullptr;
    QStackedWidget* stack = nullptr;
    std::vector<Page> pages;
    QMetaObject::Connection docConnections[5];

    Page& current() { return pages[static_cast<std::size_t>(stack->currentIndex())]; }
    const Page& current() const { return pages[static_cast<std::size_t>(stack->currentIndex())]; }

    // ---- the runs

    std::uint64_t revision() const {
        const SimulationDocument* d = loadedOrNull(q->document_);
        return d ? d->revision() : 0;
    }

    // The document's run (or the one given to setSimulation), then the one it is compared with.
    std::vector<Run> runs() const {
        std::vector<Run> out;
        const Simulation* sim = q->run();
        if (!sim) return out;
        const auto endOf = [](const Simulation& s) { return std::max(seconds(s.history().end), 1e-6); };
        out.push_back({sim, 0, {}, false, endOf(*sim)});
        const SimulationDocument* d = loadedOrNull(q->document_);
        const Simulation* other = d ? d->comparison() : nullptr;
        if (!other) return out;
        out[0].title = d->title().isEmpty() ? tr("this run") : d->title();
        QString title = d->comparisonTitle().isEmpty() ? tr("the other run") : d->comparisonTitle();
        if (title == out[0].title) title += QStringLiteral(" (2)");
        out.push_back({other, 1, title, true, endOf(*other)});
        return out;
    }

    // ---- building

    void clear(Page& p) {
        p.chart->removeAllSeries();
        for (QAbstractAxis* a : p.chart->axes()) {
            p.chart->removeAxis(a);
            delete a;
        }
        p.lines.clear();
        p.x = nullptr;
        p.lodColumns = 0;
        if (p.cursor) p.cursor->hide();
        p.runTitles.clear(); // the legend itself is replaced (or not) by updateLegend(), not toggled here
    }

    QValueAxis* addTimeAxis(Page& p, const QString& title, double from, double to) {
        auto* x = new QValueAxis;
        x->setTitleText(title);
        x->setRange(from, to);
        p.chart->addAxis(x, Qt::AlignBottom);
        p.x = x;
        p.fullMin = from;
        p.fullMax = to;
        QObject::connect(x, &QValueAxis::rangeChanged, q, [this, &p](qreal, qreal) { rangeChanged(p); });
        return x;
    }

    QValueAxis* addValueAxis(Page& p, const QString& title, double max, Qt::Alignment side = Qt::AlignLeft) {
        QValueAxis* y = countAxis(title, max);
        p.chart->addAxis(y, side);
        return y;
    }

    // A line of run `r`: named with its run's title and drawn with the other run's pen when it is that.
    Line& addLine(Page& p, const Run& r, const QString& name, std::vector<QPointF> polyline, QAbstractAxis* y,
                  PenOf pen) {
        auto* s = new QLineSeries;
        s->setName(r.named(name));
        p.chart->addSeries(s);
        s->attachAxis(p.x);
        s->attachAxis(y);
        Line line;
        line.series = s;
        line.shown = s;
        line.full = std::move(polyline);
        line.pen = r.other ? otherRunPen(std::move(pen)) : std::move(pen);
        line.run = r.index;
        line.legendName = name;
        p.lines.push_back(std::move(line));
        return p.lines.back();
    }

    // A filled area under a polyline, down to `base` (the axis' bottom: 0, or the log axis' minimum).
    // The brush is the caller's, for either run (ChartStyle.h: otherRunBrush); the pen is as for a line.
    Line& addArea(Page& p, const Run& r, const QString& name, std::vector<QPointF> polyline, QAbstractAxis* y,
                  double base, PenOf pen, std::function<QBrush(const Theme&)> brush) {
        auto* upper = new QLineSeries;
        auto* lower = new QLineSeries;
        if (!polyline.empty())
            lower->replace(QList<QPointF>{{polyline.front().x(), base}, {polyline.back().x(), base}});
        auto* area = new QAreaSeries(upper, lower);
        upper->setParent(area);
        lower->setParent(area);
        area->setName(r.named(name));
        p.chart->addSeries(area);
        area->attachAxis(p.x);
        area->attachAxis(y);
        Line line;
        line.series = upper;
        line.shown = area;
        line.full = std::move(polyline);
        line.pen = r.other ? otherRunPen(std::move(pen)) : std::move(pen);
        line.brush = std::move(brush);
        line.run = r.index;
        line.legendName = name;
        p.lines.push_back(std::move(line));
        return p.lines.back();
    }

    static PenOf solid(QColor Theme::*colour, double width = 1.5) { return solidPen(colour, width); }
    static PenOf dashed(QColor Theme::*colour, double width = 1.5, double offset = 0) {
        return dashedPen(colour, width, offset);
    }

    // Every chart is built from every run at once (its axes must hold both), once per revision of the
    // document: a move of the playhead only moves the cursor.
    void build(Page& p) {
        clear(p);
        p.dirty = false;
        p.revision = revision();
        const std::vector<Run> rs = runs();
        if (rs.empty()) {
            p.chart->setTitle(tr("Nothing is open"));
            updateLegend(p);
            return;
        }
        double end = 0; // the time axis: to the later end
        Time later;
        for (const Run& r : rs) {
            end = std::max(end, r.end);
            later = std::max(later, r.sim->history().end);
            if (rs.size() > 1) p.runTitles << r.title;
        }
        // Rates of both runs in the same bins, so that their heights compare.
        const Time bin = rateBin(later);
        p.timeAxis = p.kind != Chart::ConnectLatency;
        switch (p.kind) {
        case Chart::Queues:
            buildQueues(p, rs, end);
            break;
        case Chart::Drops:
            buildDrops(p, rs, end, bin);
            break;
        case Chart::Accepts:
            buildAccepts(p, rs, end, bin);
            break;
        case Chart::Workers:
            buildWorkers(p, rs, end, bin);
            break;
        case Chart::SarRates:
            buildSar(p, rs, end, bin);
            break;
        case Chart::ConnectLatency:
            buildLatency(p, rs);
            break;
        }
        applyTheme(p);
        layOut(p);
        updateTicks(p);
        reduce(p, true);
        moveCursor(p);
    }

    // Qt Charts lays the title, legend and axes out on a posted event; a chart drawn or measured before
    // the event loop runs (export, a chart just switched to, the plot's width for the level of detail)
    // needs it done now.
    static void layOut(Page& p) {
        // The legend first: its size is part of the chart's layout.
        if (QGraphicsLayout* l = p.chart->legend()->layout()) l->activate();
        if (QGraphicsLayout* l = p.chart->layout()) l->activate();
    }

    static QString tr(const char* text) { return ChartsView::tr(text); }

    void buildQueues(Page& p, const std::vector<Run>& runs, double end) {
        const Simulation& sim = *runs.front().sim;
        const int listeners = static_cast<int>(sim.history().listeners.size());
        const int l = std::clamp(q->listener_, 0, std::max(0, listeners - 1));
        // The other run's listener of the same number (its last, should it have fewer).
        std::vector<QueueSeries> series;
        std::int64_t top = 0;
        for (const Run& r : runs) {
            const int n = static_cast<int>(r.sim->history().listeners.size());
            series.push_back(n > 0 ? queueSeries(*r.sim, std::min(l, n - 1)) : QueueSeries{});
            top = std::max({top, series.back().maxCapacity, series.back().maxAccept, series.back().maxSyn});
        }
        QString title = listeners > 1 ? tr("Listener %1: accept queue and SYN queue").arg(l)
                                      : tr("Accept queue and SYN queue");
        // A listener closed mid-run (R6): say when, since its queues simply stop there.
        bool wasOpen = false;
        for (const ListenerRecord::Change& c : sim.history().listeners[static_cast<std::size_t>(l)].changes) {
            if (wasOpen && !c.open) {
                title += tr(" (closed at %1)").arg(QString::fromStdString(formatDuration(c.at)));
                break;
            }
            wasOpen = c.open;
        }
        p.chart->setTitle(title);
        addTimeAxis(p, tr("simulated time (s)"), 0, end);
        QValueAxis* y = addValueAxis(p, tr("connections"), static_cast<double>(top));
        for (const Run& r : runs) {
            const QueueSeries& s = series[r.index];
            const bool plusOne = r.sim->scenario().kernel.profile.synQueueHoldsBacklogPlusOne;
            addLine(p, r, tr("accept queue capacity: backlog + 1"), stairs(s.acceptCapacity, r.end), y,
                    dashed(&Theme::acceptEntry));
            addLine(p, r, plusOne ? tr("SYN queue capacity: backlog + 1") : tr("SYN queue capacity: backlog"),
                    stairs(s.synCapacity, r.end), y, dashed(&Theme::syn, 1.5, 4));
            addLine(p, r, tr("SYN queue (SYN-RECV)"), stairs(s.syn, r.end), y, solid(&Theme::syn));
            addLine(p, r, tr("accept queue (Recv-Q)"), stairs(s.accept, r.end), y,
                    solid(&Theme::acceptEntry, 2.0));
        }
    }

    static PenOf dropPen(PacketFate fate) {
        switch (fate) {
        case PacketFate::DroppedAcceptQueueFull:
            return solid(&Theme::alert, 2.0);
        case PacketFate::DroppedAckQueueFull:
            return solid(&Theme::synAck);
        case PacketFate::DroppedCookieQueueFull:
            return solid(&Theme::fin);
        case PacketFate::DroppedSynQueueFull:
            return solid(&Theme::syn, 2.0);
        case PacketFate::DroppedSynBacklog:
            return solid(&Theme::data);
        case PacketFate::DroppedRateLimited:
            return solid(&Theme::ack);
        case PacketFate::DroppedNoSocket:
            return dashed(&Theme::panelBorder);
        case PacketFate::LostInNetwork:
            return dashed(&Theme::mutedText);
        default:
            return solid(&Theme::mutedText);
        }
    }

    void buildDrops(Page& p, const std::vector<Run>& runs, double end, Time bin) {
        struct Drops {
            std::vector<DropsByReason> reasons;
            Bins cookies;
        };
        std::vector<Drops> drops;
        double peak = 0;
        bool any = false;
        const auto peakOf = [&](const Bins& b) {
            for (std::size_t i = 0; i < b.counts.size(); ++i)
                peak = std::max(peak, b.perSecond(i));
        };
        for (const Run& r : runs) {
            drops.push_back({dropsByReason(*r.sim, bin),
                             counterPerBin(*r.sim, Host::Server, Counter::TcpExtTCPReqQFullDoCookies, bin)});
            for (const DropsByReason& reason : drops.back().reasons)
                peakOf(reason.bins);
            if (drops.back().cookies.total() > 0) peakOf(drops.back().cookies);
            any = any || !drops.back().reasons.empty() || drops.back().cookies.total() > 0;
        }
        p.chart->setTitle(any               ? tr("Drops and overflows per second, by reason")
                          : runs.size() > 1 ? tr("Drops and overflows per second: none in either run")
                                            : tr("Drops and overflows per second: none in this run"));
        addTimeAxis(p, tr("simulated time (s)"), 0, end);
        // The three "accept queue full" reasons are what TcpExtListenOverflows counts (M5, M7, M9).
        QValueAxis* y =
            addValueAxis(p, tr("drops %1; ListenOverflows = S2 + A7a + K1").arg(rateAxisTitle(bin)), peak);
        for (const Run& r : runs) {
            const Drops& d = drops[r.index];
            for (const DropsByReason& reason : d.reasons)
                addLine(p, r, dropReasonLabel(reason.fate), stairs(reason.bins.rateSteps(), r.end), y,
                        dropPen(reason.fate));
            if (d.cookies.total() > 0)
                addLine(p, r, tr("SYN queue full, cookie sent instead (S6)"),
                        stairs(d.cookies.rateSteps(), r.end), y, dashed(&Theme::syn));
        }
    }

    void buildAccepts(Page& p, const std::vector<Run>& runs, double end, Time bin) {
        std::vector<std::pair<Bins, Bins>> rates; // connect() returned, accept() returned
        double peak = 0;
        for (const Run& r : runs) {
            const Bins accepts = acceptsPerBin(*r.sim, bin);
            std::vector<Time> connected;
            for (const ClientRecord& c : r.sim->history().clients)
                if (!c.connectedAt.isNever()) connected.push_back(c.connectedAt);
            const Bins connects = binTimes(connected, r.sim->history().end, bin);
            for (std::size_t i = 0; i < accepts.counts.size(); ++i)
                peak = std::max({peak, accepts.perSecond(i), connects.perSecond(i)});
            rates.emplace_back(connects, accepts);
        }
        p.chart->setTitle(tr("accept() per second"));
        addTimeAxis(p, tr("simulated time (s)"), 0, end);
        QValueAxis* y = addValueAxis(p, tr("connections %1").arg(rateAxisTitle(bin)), peak);
        for (const Run& r : runs) {
            const auto& [connects, accepts] = rates[r.index];
            addLine(p, r, tr("connect() returned (clients)"), stairs(connects.rateSteps(), r.end), y,
                    dashed(&Theme::syn));
            addLine(p, r, tr("accept() returned a connection (workers)"), stairs(accepts.rateSteps(), r.end),
                    y, solid(&Theme::acceptEntry, 2.0));
        }
    }

    // Utilisation and saturation (left axis), the connections waiting (right axis), and wake-ups per second
    // on an axis of their own (far right): every wake-up and the futile ones (P2, P3, M20). Blocking
    // accept() wakes one worker a connection, so the two wake-up lines part only where a herd (epoll
    // without EPOLLEXCLUSIVE) or a rush wakes more workers than accept.
    void buildWorkers(Page& p, const std::vector<Run>& runs, double end, Time bin) {
        std::vector<WorkerLines> lines;
        double maxWaiting = 0, maxWakeups = 0;
        for (const Run& r : runs) {
            lines.push_back(workerLines(*r.sim, bin));
            for (const QPointF& pt : lines.back().waiting)
                maxWaiting = std::max(maxWaiting, pt.y());
            const Bins& wakeups = lines.back().wakeups.wakeups;
            for (std::size_t i = 0; i < wakeups.counts.size(); ++i)
                maxWakeups = std::max(maxWakeups, wakeups.perSecond(i));
        }
        p.chart->setTitle(tr("Workers: utilisation against saturation, and their wake-ups"));
        addTimeAxis(p, tr("simulated time (s)"), 0, end);
        auto* y = new QValueAxis;
        y->setTitleText(tr("utilisation (%)"));
        y->setRange(0, 100);
        y->setTickCount(6);
        y->setLabelFormat(QStringLiteral("%.0f"));
        p.chart->addAxis(y, Qt::AlignLeft);
        QValueAxis* y2 = addValueAxis(p, tr("connections waiting for accept()"), maxWaiting, Qt::AlignRight);
        y2->setGridLineVisible(false); // the left axis' grid is enough
        QValueAxis* y3 =
            addValueAxis(p, tr("wake-ups %1").arg(rateAxisTitle(bin)), maxWakeups, Qt::AlignRight);
        y3->setGridLineVisible(false);
        for (const Run& r : runs) {
            const WorkerLines& w = lines[r.index];
            addArea(
                p, r,
                tr("saturated: a connection waits and no worker is idle, or a full queue drops (%1 after a "
                   "drop)")
                    .arg(QString::fromStdString(formatDuration(bin))),
                stairs(w.saturated, r.end), y, 0, [](const Theme&) { return QPen(Qt::NoPen); },
                [other = r.other](const Theme& t) {
                    QColor c = t.alert;
                    if (other) {
                        c.setAlphaF(0.4f);
                        return otherRunBrush(c);
                    }
                    c.setAlphaF(t.name == QLatin1String("projector") ? 0.30f : 0.22f);
                    return QBrush(c);
                });
            addLine(p, r, tr("waiting in the accept queue (right axis)"), stairs(w.waiting, r.end), y2,
                    solid(&Theme::syn));
            addLine(p, r, tr("utilisation: serving / running workers"), stairs(w.busy, r.end), y,
                    solid(&Theme::acceptEntry, 2.0));
            addLine(p, r, tr("wake-ups/s, all workers (far right axis)"),
                    stairs(w.wakeups.wakeups.rateSteps(), r.end), y3, dashed(&Theme::workerWoken));
            addLine(p, r, tr("futile wake-ups/s: asleep again or EAGAIN (far right axis)"),
                    stairs(w.wakeups.futile.rateSteps(), r.end), y3, solid(&Theme::workerEagain));
        }
    }

    void buildSar(Page& p, const std::vector<Run>& runs, double end, Time bin) {
        std::vector<SarRates> rates;
        double peak = 0;
        for (const Run& r : runs) {
            rates.push_back(sarRates(*r.sim, bin));
            const SarRates& s = rates.back();
            for (const Bins* b :
                 {&s.serverPassive, &s.serverActive, &s.serverRetrans, &s.clientsActive, &s.clientsRetrans})
                for (std::size_t i = 0; i < b->counts.size(); ++i)
                    peak = std::max(peak, b->perSecond(i));
        }
        p.chart->setTitle(bin == Time::s(1) ? tr("sar -n TCP,ETCP 1")
                                            : tr("sar -n TCP,ETCP (finer bins: a short run)"));
        addTimeAxis(p, tr("simulated time (s)"), 0, end);
        QValueAxis* y = addValueAxis(p, tr("segments or sockets %1").arg(rateAxisTitle(bin)), peak);
        for (const Run& r : runs) {
            const SarRates& s = rates[r.index];
            addLine(p, r, tr("passive/s, server (TcpPassiveOpens)"),
                    stairs(s.serverPassive.rateSteps(), r.end), y, solid(&Theme::acceptEntry, 2.0));
            if (s.serverActive.total() > 0)
                addLine(p, r, tr("active/s, server (TcpActiveOpens)"),
                        stairs(s.serverActive.rateSteps(), r.end), y, solid(&Theme::fin));
            addLine(p, r, tr("active/s, clients (TcpActiveOpens)"),
                    stairs(s.clientsActive.rateSteps(), r.end), y, dashed(&Theme::syn));
            addLine(p, r, tr("retrans/s, server (TcpRetransSegs)"),
                    stairs(s.serverRetrans.rateSteps(), r.end), y, solid(&Theme::synAck));
            addLine(p, r, tr("retrans/s, clients (TcpRetransSegs)"),
                    stairs(s.clientsRetrans.rateSteps(), r.end), y, dashed(&Theme::alert));
        }
    }

    QString latencyTitle(const std::vector<Run>& runs, const std::vector<LatencyHistogram>& hists, Time bin) {
        const QString width = QString::fromStdString(formatDuration(bin));
        if (runs.size() == 1)
            return tr("connect() latency of %1 connected clients (%2 bins)")
                .arg(hists.front().total)
                .arg(width);
        QStringList counts;
        for (const Run& r : runs)
            counts << tr("%1 (%2)").arg(hists[r.index].total).arg(r.title);
        return tr("connect() latency of the connected clients: %1 (%2 bins)")
            .arg(counts.join(QStringLiteral(", ")), width);
    }

    // A distribution, not a time series: with two runs, their bars stand side by side in each bin (the
    // document's run in the left half, the other in the right, hatched) rather than on each other. On a
    // log axis one run's outline laid over the other's hides the lower bars of whichever is drawn first,
    // and two translucent fills blend into a third colour; grouped bars show both heights at every
    // latency, and keep the x axis in seconds, so zoom, ticks and the retransmission markers are as they
    // are for one run. Both runs are counted in the same bins.
    void buildLatency(Page& p, const std::vector<Run>& runs) {
        Time slowest;
        for (const Run& r : runs)
            for (const ClientRecord& c : r.sim->history().clients)
                if (!c.connectedAt.isNever()) slowest = std::max(slowest, c.connectedAt - c.connectAt);
        const Time bin = latencyBin(slowest);
        std::vector<LatencyHistogram> hists;
        std::uint32_t tallest = 1;
        Time slowestCounted;
        for (const Run& r : runs) {
            hists.push_back(latencyHistogram(*r.sim, bin));
            for (std::uint32_t c : hists.back().counts)
                tallest = std::max(tallest, c);
            slowestCounted = std::max(slowestCounted, hists.back().slowest);
        }
        p.chart->setTitle(latencyTitle(runs, hists, bin));
        const double xMax = std::max(seconds(slowestCounted) + 2 * seconds(bin), 10 * seconds(bin)) * 1.04;
        auto* x = new QValueAxis;
        x->setTitleText(tr("connect() latency (s)"));
        x->setRange(0, xMax);
        p.chart->addAxis(x, Qt::AlignBottom);
        p.x = x;
        p.fullMin = 0;
        p.fullMax = xMax;
        QObject::connect(x, &QValueAxis::rangeChanged, q, [this, &p](qreal, qreal) { rangeChanged(p); });
        // A log scale: the clients that got in at once outnumber each retransmission cluster by far.
        auto* y = new QLogValueAxis;
        y->setTitleText(tr("clients (log scale)"));
        y->setBase(10);
        y->setLabelFormat(QStringLiteral("%g"));
        constexpr double bottom = 0.7; // where an empty bin is drawn: below 1 on the log axis
        y->setRange(bottom, std::pow(10.0, std::ceil(std::log10(static_cast<double>(tallest) * 1.5))));
        y->setMinorTickCount(-1);
        p.chart->addAxis(y, Qt::AlignLeft);
        for (const Run& r : runs) {
            addRetransmissionMarkers(p, r, y, xMax, bottom);
            std::vector<QPointF> outline = stairs(
                hists[r.index].stepsInSlot(static_cast<int>(r.index), static_cast<int>(runs.size())), xMax);
            for (QPointF& pt : outline)
                pt.setY(std::max(pt.y(), bottom));
            addArea(p, r, tr("clients, by connect() latency"), std::move(outline), y, bottom,
                    solid(&Theme::syn, 1.0), [other = r.other](const Theme& t) {
                        QColor c = t.syn;
                        if (other) return otherRunBrush(c);
                        c.setAlphaF(0.55f);
                        return QBrush(c);
                    });
        }
    }

    // The SYN retransmissions of a run, where clusters are expected: at the median send time of each
    // retransmission (one legend entry for all of them).
    void addRetransmissionMarkers(Page& p, const Run& r, QLogValueAxis* y, double xMax, double bottom) {
        bool first = true;
        for (double at : synRetransmissionTimes(*r.sim)) {
            if (at > xMax) break;
            Line& m = addLine(p, r, tr("SYN retransmissions (median send time after the first SYN)"),
                              {{at, bottom}, {at, y->max()}}, y, dashed(&Theme::mutedText, 1.0));
            m.reduce = false;
            if (!first) {
                m.inLegend = false;
                for (QLegendMarker* marker : p.chart->legend()->markers(m.shown))
                    marker->setVisible(false);
            }
            first = false;
        }
    }

    // ---- theme and legend

    void applyTheme(Page& p) {
        const Theme& t = q->theme_;
        applyChartTheme(p.chart, p.view, t);
        for (Line& line : p.lines) {
            if (auto* area = qobject_cast<QAreaSeries*>(line.shown)) {
                area->setPen(line.pen(t));
                area->setBrush(line.brush(t));
            } else {
                line.series->setPen(line.pen(t));
            }
        }
        if (p.cursor) {
            QPen pen(t.text, 2.0 * t.lineScale);
            pen.setCosmetic(true);
            p.cursor->setPen(pen);
        }
        updateLegend(p);
    }

    // Two runs: the legend of both (ChartStyle.h: RunLegend) in place of Qt's, with the lines' own pens.
    void updateLegend(Page& p) {
        if (p.runTitles.size() < 2) {
            if (p.legend) { // a comparison ended: Qt's legend back, as for any one run
                delete p.legend;
                p.legend = nullptr;
                p.chart->legend()->setVisible(true);
                p.chart->setMargins(chartMargins());
            }
            return;
        }
        const Theme& t = q->theme_;
        if (!p.legend) {
            p.legend = new RunLegend(p.chart);
            p.chart->legend()->setVisible(false);
        }
        std::vector<RunLegend::Group> groups;
        for (const QString& title : p.runTitles)
            groups.push_back({title, {}});
        for (const Line& line : p.lines) {
            if (!line.inLegend || line.run >= groups.size()) continue;
            const bool area = qobject_cast<QAreaSeries*>(line.shown) != nullptr;
            groups[line.run].entries.push_back(
                {line.legendName, line.pen(t), area ? line.brush(t) : QBrush()});
        }
        p.legend->setContent(std::move(groups), t);
        placeLegend(p);
    }

    // The legend at the chart's bottom, across its width, in at most a third of its height (when it can);
    // the chart's bottom margin makes room for it.
    static void placeLegend(Page& p) {
        if (!p.legend) return;
        const QMargins m = chartMargins();
        const QSizeF size = p.chart->size();
        const double height = std::ceil(
            p.legend->layOut(std::max(200.0, size.width() - m.left() - m.right()), size.height() / 3));
        p.legend->setPos(m.left(), std::max(0.0, size.height() - m.bottom() - height));
        const QMargins wanted(m.left(), m.top(), m.right(), m.bottom() + static_cast<int>(height) + 6);
        if (p.chart->margins() != wanted) p.chart->setMargins(wanted);
    }

    // ---- zoom, pan and level of detail

    int columns(const Page& p) const {
        const double w = p.chart->plotArea().width();
        return std::max(50, static_cast<int>(std::ceil(w > 10 ? w : std::max(600, p.view->width() - 80))));
    }

    // Reduces every line to about two points per pixel column of the visible range (one replace()
    // each), unless nothing changed since the last time.
    void reduce(Page& p, bool force) {
        if (!p.x) return;
        const int cols = columns(p);
        const std::pair<double, double> range{p.x->min(), p.x->max()};
        if (!force && cols == p.lodColumns && range == p.lodRange) return;
        p.lodColumns = cols;
        p.lodRange = range;
        for (Line& line : p.lines)
            line.series->replace(
                toList(line.reduce ? decimateMinMax(line.full, range.first, range.second, cols) : line.full));
    }

    void updateTicks(Page& p) {
        if (!p.x) return;
        const double span = p.x->max() - p.x->min();
        const double plotWidth = std::max(200.0, p.chart->plotArea().width());
        const double step = niceStep(span / std::max(2.0, plotWidth / 95.0));
        p.x->setTickType(QValueAxis::TicksDynamic);
        p.x->setTickAnchor(0);
        p.x->setTickInterval(step);
        const int decimals = std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 0, 9);
        p.x->setLabelFormat(QStringLiteral("%.%1f").arg(decimals));
    }

    void rangeChanged(Page& p) {
        if (p.settingRange) return;
        updateTicks(p);
        reduce(p, false);
        moveCursor(p);
    }

    void setRange(Page& p, double from, double to) {
        if (!p.x) return;
        const double full = p.fullMax - p.fullMin;
        double span = std::clamp(to - from, std::min(full, 1e-6), full);
        from = std::clamp(from, p.fullMin, p.fullMax - span);
        p.settingRange = true;
        p.x->setRange(from, from + span);
        p.settingRange = false;
        rangeChanged(p);
    }

    void pan(Page& p, double dx) {
        const QRectF plot = p.chart->plotArea();
        if (!p.x || plot.width() <= 0) return;
        const double shift = -dx / plot.width() * (p.x->max() - p.x->min());
        setRange(p, p.x->min() + shift, p.x->max() + shift);
    }

    void zoom(Page& p, double viewX, double steps) {
        if (!p.x) return;
        const QRectF plot = p.chart->plotArea();
        const double cx = p.chart->mapFromScene(p.view->mapToScene(QPoint(static_cast<int>(viewX), 0))).x();
        const double f = std::clamp((cx - plot.left()) / std::max(1.0, plot.width()), 0.0, 1.0);
        const double min = p.x->min(), max = p.x->max();
        const double anchor = min + f * (max - min);
        const double span = (max - min) * std::pow(0.8, steps);
        setRange(p, anchor - f * span, anchor + (1 - f) * span);
    }

    // ---- the cursor

    // x in the chart's own coordinates of a value on the x axis.
    static double chartX(const Page& p, double value) {
        const QRectF plot = p.chart->plotArea();
        return plot.left() + (value - p.x->min()) / std::max(1e-300, p.x->max() - p.x->min()) * plot.width();
    }

    void moveCursor(Page& p) {
        if (!p.cursor) return;
        const QRectF plot = p.chart->plotArea();
        const double t = seconds(q->playhead_);
        if (!q->run() || !p.timeAxis || !p.x || plot.isEmpty() || t < p.x->min() || t > p.x->max()) {
            p.cursor->hide();
            return;
        }
        const double x = chartX(p, t);
        p.cursor->setLine(QLineF(x, plot.top(), x, plot.bottom()));
        p.cursor->show();
    }

    // ---- mapping between this widget and a page

    QPointF toWidget(const Page& p, QPointF chartPos) const {
        const QPointF scene = p.chart->mapToScene(chartPos);
        const QPointF viewport = p.view->viewportTransform().map(scene);
        return viewport + QPointF(p.view->viewport()->mapTo(q, QPoint(0, 0)));
    }

    QPointF toChart(const Page& p, QPointF widgetPos) const {
        const QPointF viewport = widgetPos - QPointF(p.view->viewport()->mapTo(q, QPoint(0, 0)));
        const QPointF scene = p.view->viewportTransform().inverted().map(viewport);
        return p.chart->mapFromScene(scene);
    }

    void click(Page& p, QPointF viewportPos) {
        if (!q->run() || !p.timeAxis || !p.x) return;
        const QPointF widgetPos = viewportPos + QPointF(p.view->viewport()->mapTo(q, QPoint(0, 0)));
        if (const std::optional<Time> t = q->timeAt(widgetPos)) emit q->seekRequested(*t);
    }
};

// ------------------------------------------------------------------------------------------------

ChartsView::ChartsView(QWidget* parent) : QWidget(parent), d_(std::make_unique<Impl>()) {
    d_->q = this;
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    auto* row = new QHBoxLayout;
    row->setContentsMargins(4, 2, 4, 0);
    d_->chartSelector = new QComboBox(this);
    d_->chartSelector->setAccessibleName(tr("Chart"));
    for (Chart c : charts())
        d_->chartSelector->addItem(chartName(c), QVariant::fromValue(c));
    d_->listenerLabel = new QLabel(tr("Listener"), this);
    d_->listenerSelector = new QComboBox(this);
    d_->listenerSelector->setAccessibleName(tr("Listener"));
    d_->listenerLabel->setBuddy(d_->listenerSelector);
    d_->resetButton = new QToolButton(this);
    d_->resetButton->setText(tr("Reset zoom"));
    d_->resetButton->setToolTip(tr("Show the whole run (right-click on the chart does the same)"));
    row->addWidget(d_->chartSelector);
    row->addWidget(d_->listenerLabel);
    row->addWidget(d_->listenerSelector);
    row->addStretch(1);
    row->addWidget(d_->resetButton);
    layout->addLayout(row);
    d_->stack = new QStackedWidget(this);
    layout->addWidget(d_->stack, 1);

    for (Chart c : charts()) {
        Impl::Page page;
        page.kind = c;
        page.chart = new QChart;
        setUpChart(page.chart);
        page.view = new ChartCanvas(page.chart);
        page.cursor = new QGraphicsLineItem(page.chart);
        page.cursor->setZValue(1000);
        page.cursor->hide();
        d_->stack->addWidget(page.view);
        d_->pages.push_back(page);
    }
    // Pages never move once made: the lambdas below keep references to them.
    for (Impl::Page& page : d_->pages) {
        Impl* d = d_.get();
        page.view->clicked = [d, &page](QPointF pos) { d->click(page, pos); };
        page.view->panned = [d, &page](double dx) { d->pan(page, dx); };
        page.view->zoomed = [d, &page](double x, double steps) { d->zoom(page, x, steps); };
        page.view->reset = [d, &page] { d->setRange(page, page.fullMin, page.fullMax); };
        // A comparison's legend wraps to the chart's width: placed again when the chart is resized.
        connect(page.chart, &QGraphicsWidget::geometryChanged, this, [&page] { Impl::placeLegend(page); });
        connect(page.chart, &QChart::plotAreaChanged, this, [d, &page](const QRectF&) {
            d->updateTicks(page);
            d->reduce(page, false);
            d->moveCursor(page);
        });
        d->applyTheme(page);
    }
    d_->listenerLabel->hide();
    d_->listenerSelector->hide();

    connect(d_->chartSelector, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (i < 0) return;
        d_->stack->setCurrentIndex(i);
        Impl::Page& p = d_->current();
        if (p.dirty || p.revision != d_->revision()) {
            d_->build(p);
        } else {
            Impl::layOut(p);
            d_->moveCursor(p);
        }
        const bool queues = p.kind == Chart::Queues && d_->listenerSelector->count() > 1;
        d_->listenerLabel->setVisible(queues);
        d_->listenerSelector->setVisible(queues);
    });
    connect(d_->listenerSelector, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (i >= 0) setListener(i);
    });
    connect(d_->resetButton, &QToolButton::clicked, this, &ChartsView::resetZoom);
    d_->build(d_->current());
}

ChartsView::~ChartsView() = default;

QList<ChartsView::Chart> ChartsView::charts() {
    return {Chart::Queues,  Chart::Drops,    Chart::Accepts,
            Chart::Workers, Chart::SarRates, Chart::ConnectLatency};
}

QString ChartsView::chartName(Chart chart) {
    switch (chart) {
    case Chart::Queues:
        return tr("Queues: accept and SYN queue");
    case Chart::Drops:
        return tr("Drops and overflows per second");
    case Chart::Accepts:
        return tr("accept() per second");
    case Chart::Workers:
        return tr("Workers: utilisation and saturation");
    case Chart::SarRates:
        return tr("sar -n TCP,ETCP 1");
    case Chart::ConnectLatency:
        return tr("connect() latency histogram");
    }
    return {};
}

void ChartsView::setDocument(SimulationDocument* document) {
    for (QMetaObject::Connection& c : d_->docConnections)
        disconnect(c);
    document_ = document;
    direct_ = nullptr;
    if (!document) {
        runChanged();
        return;
    }
    d_->docConnections[0] = connect(document, &SimulationDocument::loaded, this, [this, document] {
        runChanged();
        setPlayhead(document->playhead());
    });
    d_->docConnections[1] =
        connect(document, &SimulationDocument::historyChanged, this, &ChartsView::rebuild);
    d_->docConnections[2] =
        connect(document, &SimulationDocument::playheadChanged, this, &ChartsView::setPlayhead);
    // The run belongs to the document: when it goes, the charts are emptied at once.
    d_->docConnections[3] = connect(document, &QObject::destroyed, this, [this] { runChanged(); });
    // A comparison began or ended: both runs (or the one left) plotted again, once. Loading a file ends a
    // comparison after loaded() has rebuilt the charts for that revision already.
    d_->docConnections[4] = connect(document, &SimulationDocument::comparisonChanged, this, [this] {
        if (d_->current().revision != d_->revision()) rebuild();
    });
    runChanged();
    setPlayhead(document->isLoaded() ? document->playhead() : Time());
}

const Simulation* ChartsView::run() const {
    if (!document_) return direct_;
    const SimulationDocument* d = loadedOrNull(document_);
    return d ? &d->simulation() : nullptr;
}

void ChartsView::setSimulation(const Simulation* sim) {
    for (QMetaObject::Connection& c : d_->docConnections)
        disconnect(c);
    document_ = nullptr;
    direct_ = sim;
    runChanged();
}

void ChartsView::runChanged() {
    const Simulation* sim = run();
    // The listener selector: one entry per listener of an SO_REUSEPORT group.
    const int listeners = sim ? static_cast<int>(sim->history().listeners.size()) : 0;
    {
        const QSignalBlocker block(d_->listenerSelector);
        d_->listenerSelector->clear();
        for (int l = 0; l < listeners; ++l) {
            const auto& L = sim->history().listeners[static_cast<std::size_t>(l)];
            d_->listenerSelector->addItem(tr("%1 (port %2)").arg(l).arg(L.port));
        }
        listener_ = std::clamp(listener_, 0, std::max(0, listeners - 1));
        d_->listenerSelector->setCurrentIndex(listeners ? listener_ : -1);
    }
    const bool queues = currentChart() == Chart::Queues && listeners > 1;
    d_->listenerLabel->setVisible(queues);
    d_->listenerSelector->setVisible(queues);
    for (Impl::Page& p : d_->pages)
        p.dirty = true;
    d_->build(d_->current());
}

void ChartsView::rebuild() {
    // Keep the zoom of the current chart when the history was cut and simulated on.
    Impl::Page& cur = d_->current();
    const bool zoomed = cur.x && (cur.x->min() > cur.fullMin || cur.x->max() < cur.fullMax);
    const std::pair<double, double> range = visibleRange();
    for (Impl::Page& p : d_->pages)
        p.dirty = true;
    d_->build(cur);
    if (zoomed) setVisibleRange(range.first, range.second);
}

void ChartsView::setPlayhead(Time t) {
    playhead_ = t;
    d_->moveCursor(d_->current());
}

void ChartsView::setTheme(const Theme& theme) {
    theme_ = theme;
    for (Impl::Page& p : d_->pages) {
        d_->applyTheme(p);
        d_->updateTicks(p);
        d_->moveCursor(p);
    }
}

ChartsView::Chart ChartsView::currentChart() const {
    return d_->current().kind;
}

void ChartsView::setCurrentChart(Chart chart) {
    d_->chartSelector->setCurrentIndex(static_cast<int>(charts().indexOf(chart)));
}

void ChartsView::setListener(int listener) {
    const int listeners = run() ? static_cast<int>(run()->history().listeners.size()) : 0;
    listener = std::clamp(listener, 0, std::max(0, listeners - 1));
    if (listener == listener_) return;
    listener_ = listener;
    {
        const QSignalBlocker block(d_->listenerSelector);
        d_->listenerSelector->setCurrentIndex(listener);
    }
    Impl::Page& queues = d_->pages[static_cast<std::size_t>(charts().indexOf(Chart::Queues))];
    queues.dirty = true;
    if (&queues == &d_->current()) d_->build(queues);
}

std::pair<double, double> ChartsView::visibleRange() const {
    const Impl::Page& p = d_->current();
    if (!p.x) return {0, 0};
    return {p.x->min(), p.x->max()};
}

void ChartsView::setVisibleRange(double from, double to) {
    d_->setRange(d_->current(), from, to);
}

void ChartsView::resetZoom() {
    Impl::Page& p = d_->current();
    d_->setRange(p, p.fullMin, p.fullMax);
}

QPointF ChartsView::positionOf(Time t) const {
    const Impl::Page& p = d_->current();
    if (!p.x) return {};
    return d_->toWidget(p, QPointF(Impl::chartX(p, seconds(t)), p.chart->plotArea().center().y()));
}

std::optional<Time> ChartsView::timeAt(QPointF position) const {
    const Impl::Page& p = d_->current();
    const Simulation* sim = run();
    if (!sim || !p.timeAxis || !p.x) return std::nullopt;
    const QPointF c = d_->toChart(p, position);
    const QRectF plot = p.chart->plotArea();
    if (!plot.adjusted(-1, -1, 1, 1).contains(c) || plot.width() <= 0) return std::nullopt;
    const double f = std::clamp((c.x() - plot.left()) / plot.width(), 0.0, 1.0);
    const double s = p.x->min() + f * (p.x->max() - p.x->min());
    const std::int64_t ns = std::llround(s * 1e9);
    const SimulationDocument* doc = loadedOrNull(document_);
    return std::clamp(Time::ns(ns), Time(), doc ? doc->end() : sim->history().end);
}

std::optional<double> ChartsView::cursorX() const {
    const Impl::Page& p = d_->current();
    if (!p.cursor || !p.cursor->isVisible()) return std::nullopt;
    return d_->toWidget(p, p.cursor->line().p1()).x();
}

QSize ChartsView::chartSize() const {
    return d_->current().view->size();
}

ChartsView::Summary ChartsView::summary() const {
    const Impl::Page& p = d_->current();
    Summary s;
    s.title = p.chart->title();
    for (const Line& line : p.lines) {
        qsizetype i = s.series.indexOf(line.shown->name());
        if (i < 0) {
            i = s.series.size();
            s.series << line.shown->name();
            s.peaks << 0.0;
            s.ends << 0.0;
        }
        for (const QPointF& pt : line.full)
            s.peaks[i] = std::max(s.peaks[i], pt.y());
        if (!line.full.empty()) s.ends[i] = std::max(s.ends[i], line.full.back().x());
        s.points += line.series->count();
        s.fullPoints += line.full.size();
    }
    return s;
}

void ChartsView::renderChart(QPainter& painter, const QRectF& target) {
    Impl::Page& p = d_->current();
    Impl::layOut(p);
    p.view->render(&painter, target, p.view->viewport()->rect());
}

} // namespace backlog::views
