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
};

} // namespace

struct ChartsView::Impl {
    struct Page {
        Chart kind = Chart::Queues;
        QChart* chart = nullptr;
        ChartCanvas* view = nullptr;
        QValueAxis* x = nullptr;
        std::vector<Line> lines;
        QGraphicsLineItem* cursor = nullptr;
        bool timeAxis = true;
        bool dirty = true;
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
    QMetaObject::Connection docConnections[4];

    Page& current() { return pages[static_cast<std::size_t>(stack->currentIndex())]; }
    const Page& current() const { return pages[static_cast<std::size_t>(stack->currentIndex())]; }

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

    Line& addLine(Page& p, const QString& name, std::vector<QPointF> polyline, QAbstractAxis* y,
                  std::function<QPen(const Theme&)> pen) {
        auto* s = new QLineSeries;
        s->setName(name);
        p.chart->addSeries(s);
        s->attachAxis(p.x);
        s->attachAxis(y);
        Line line;
        line.series = s;
        line.shown = s;
        line.full = std::move(polyline);
        line.pen = std::move(pen);
        p.lines.push_back(std::move(line));
        return p.lines.back();
    }

    // A filled area under a polyline, down to `base` (the axis' bottom: 0, or the log axis' minimum).
    Line& addArea(Page& p, const QString& name, std::vector<QPointF> polyline, QAbstractAxis* y, double base,
                  std::function<QPen(const Theme&)> pen, std::function<QBrush(const Theme&)> brush) {
        auto* upper = new QLineSeries;
        auto* lower = new QLineSeries;
        if (!polyline.empty())
            lower->replace(QList<QPointF>{{polyline.front().x(), base}, {polyline.back().x(), base}});
        auto* area = new QAreaSeries(upper, lower);
        upper->setParent(area);
        lower->setParent(area);
        area->setName(name);
        p.chart->addSeries(area);
        area->attachAxis(p.x);
        area->attachAxis(y);
        Line line;
        line.series = upper;
        line.shown = area;
        line.full = std::move(polyline);
        line.pen = std::move(pen);
        line.brush = std::move(brush);
        p.lines.push_back(std::move(line));
        return p.lines.back();
    }

    static PenOf solid(QColor Theme::*colour, double width = 1.5) { return solidPen(colour, width); }
    static PenOf dashed(QColor Theme::*colour, double width = 1.5, double offset = 0) {
        return dashedPen(colour, width, offset);
    }

    void build(Page& p) {
        clear(p);
        p.dirty = false;
        const Simulation* sim = q->run();
        if (!sim) {
            p.chart->setTitle(tr("Nothing is open"));
            return;
        }
        const double end = std::max(seconds(sim->history().end), 1e-6);
        p.timeAxis = p.kind != Chart::ConnectLatency;
        switch (p.kind) {
        case Chart::Queues:
            buildQueues(p, *sim, end);
            break;
        case Chart::Drops:
            buildDrops(p, *sim, end);
            break;
        case Chart::Accepts:
            buildAccepts(p, *sim, end);
            break;
        case Chart::Workers:
            buildWorkers(p, *sim, end);
            break;
        case Chart::SarRates:
            buildSar(p, *sim, end);
            break;
        case Chart::ConnectLatency:
            buildLatency(p, *sim);
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

    void buildQueues(Page& p, const Simulation& sim, double end) {
        const int listeners = static_cast<int>(sim.history().listeners.size());
        const int l = std::clamp(q->listener_, 0, std::max(0, listeners - 1));
        const QueueSeries s = queueSeries(sim, l);
        const bool plusOne = sim.scenario().kernel.profile.synQueueHoldsBacklogPlusOne;
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
        QValueAxis* y = addValueAxis(p, tr("connections"),
                                     static_cast<double>(std::max({s.maxCapacity, s.maxAccept, s.maxSyn})));
        addLine(p, tr("accept queue capacity: backlog + 1"), stairs(s.acceptCapacity, end), y,
                dashed(&Theme::acceptEntry));
        addLine(p, plusOne ? tr("SYN queue capacity: backlog + 1") : tr("SYN queue capacity: backlog"),
                stairs(s.synCapacity, end), y, dashed(&Theme::syn, 1.5, 4));
        addLine(p, tr("SYN queue (SYN-RECV)"), stairs(s.syn, end), y, solid(&Theme::syn));
        addLine(p, tr("accept queue (Recv-Q)"), stairs(s.accept, end), y, solid(&Theme::acceptEntry, 2.0));
    }

    void buildDrops(Page& p, const Simulation& sim, double end) {
        const Time bin = rateBin(sim.history().end);
        const std::vector<DropsByReason> drops = dropsByReason(sim, bin);
        const Bins cookies = counterPerBin(sim, Host::Server, Counter::TcpExtTCPReqQFullDoCookies, bin);
        double peak = 0;
        const auto peakOf = [&](const Bins& b) {
            for (std::size_t i = 0; i < b.counts.size(); ++i)
                peak = std::max(peak, b.perSecond(i));
        };
        for (const DropsByReason& r : drops)
            peakOf(r.bins);
        if (cookies.total() > 0) peakOf(cookies);
        p.chart->setTitle(drops.empty() && cookies.total() == 0
                              ? tr("Drops and overflows per second: none in this run")
                              : tr("Drops and overflows per second, by reason"));
        addTimeAxis(p, tr("simulated time (s)"), 0, end);
        // The three "accept queue full" reasons are what TcpExtListenOverflows counts (M5, M7, M9).
        QValueAxis* y =
            addValueAxis(p, tr("drops %1; ListenOverflows = S2 + A7a + K1").arg(rateAxisTitle(bin)), peak);
        for (const DropsByReason& r : drops) {
            std::function<QPen(const Theme&)> pen;
            switch (r.fate) {
            case PacketFate::DroppedAcceptQueueFull:
                pen = solid(&Theme::alert, 2.0);
                break;
            case PacketFate::DroppedAckQueueFull:
                pen = solid(&Theme::synAck);
                break;
            case PacketFate::DroppedCookieQueueFull:
                pen = solid(&Theme::fin);
                break;
            case PacketFate::DroppedSynQueueFull:
                pen = solid(&Theme::syn, 2.0);
                break;
            case PacketFate::DroppedSynBacklog:
                pen = solid(&Theme::data);
                break;
            case PacketFate::DroppedRateLimited:
                pen = solid(&Theme::ack);
                break;
            case PacketFate::DroppedNoSocket:
                pen = dashed(&Theme::panelBorder);
                break;
            case PacketFate::LostInNetwork:
                pen = dashed(&Theme::mutedText);
                break;
            default:
                pen = solid(&Theme::mutedText);
                break;
            }
            addLine(p, dropReasonLabel(r.fate), stairs(r.bins.rateSteps(), end), y, pen);
        }
        if (cookies.total() > 0)
            addLine(p, tr("SYN queue full, cookie sent instead (S6)"), stairs(cookies.rateSteps(), end), y,
                    dashed(&Theme::syn));
    }

    void buildAccepts(Page& p, const Simulation& sim, double end) {
        const Time bin = rateBin(sim.history().end);
        const Bins accepts = acceptsPerBin(sim, bin);
        std::vector<Time> connected;
        for (const ClientRecord& c : sim.history().clients)
            if (!c.connectedAt.isNever()) connected.push_back(c.connectedAt);
        const Bins connects = binTimes(connected, sim.history().end, bin);
        double peak = 0;
        for (std::size_t i = 0; i < accepts.counts.size(); ++i)
            peak = std::max({peak, accepts.perSecond(i), connects.perSecond(i)});
        p.chart->setTitle(tr("accept() per second"));
        addTimeAxis(p, tr("simulated time (s)"), 0, end);
        QValueAxis* y = addValueAxis(p, tr("connections %1").arg(rateAxisTitle(bin)), peak);
        addLine(p, tr("connect() returned (clients)"), stairs(connects.rateSteps(), end), y,
                dashed(&Theme::syn));
        addLine(p, tr("accept() returned a connection (workers)"), stairs(accepts.rateSteps(), end), y,
                solid(&Theme::acceptEntry, 2.0));
    }

    void buildWorkers(Page& p, const Simulation& sim, double end) {
        const Time bin = rateBin(sim.history().end);
        std::vector<QPointF> busy = utilisation(sim);
        for (QPointF& pt : busy)
            pt.setY(pt.y() * 100.0);
        std::vector<QPointF> saturated = saturation(sim, bin);
        for (QPointF& pt : saturated)
            pt.setY(pt.y() * 100.0);
        const std::vector<QPointF> waiting = waitingForAccept(sim);
        double maxWaiting = 0;
        for (const QPointF& pt : waiting)
            maxWaiting = std::max(maxWaiting, pt.y());
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
        addArea(
            p,
            tr("saturated: a connection waits and no worker is idle, or a full queue drops (%1 after a drop)")
                .arg(QString::fromStdString(formatDuration(bin))),
            stairs(saturated, end), y, 0, [](const Theme&) { return QPen(Qt::NoPen); },
            [](const Theme& t) {
                QColor c = t.alert;
                c.setAlphaF(t.name == QLatin1String("projector") ? 0.30f : 0.22f);
                return QBrush(c);
            });
        addLine(p, tr("waiting in the accept queue (right axis)"), stairs(waiting, end), y2,
                solid(&Theme::syn));
        addLine(p, tr("utilisation: serving / running workers"), stairs(busy, end), y,
                solid(&Theme::acceptEntry, 2.0));
        addWakeups(p, sim, end, bin);
    }

    // Wake-ups per second on an axis of their own (right, outside the connections'): every wake-up and
    // the futile ones (P2, P3, M20). Blocking accept() wakes one worker a connection, so the two lines
    // part only where a herd (epoll without EPOLLEXCLUSIVE) or a rush wakes more workers than accept.
    void addWakeups(Page& p, const Simulation& sim, double end, Time bin) {
        const WakeupRates r = wakeupRates(sim.history(), bin);
        double peak = 0;
        for (std::size_t i = 0; i < r.wakeups.counts.size(); ++i)
            peak = std::max(peak, r.wakeups.perSecond(i));
        QValueAxis* y3 = addValueAxis(p, tr("wake-ups %1").arg(rateAxisTitle(bin)), peak, Qt::AlignRight);
        y3->setGridLineVisible(false);
        addLine(p, tr("wake-ups/s, all workers (far right axis)"), stairs(r.wakeups.rateSteps(), end), y3,
                dashed(&Theme::workerWoken));
        addLine(p, tr("futile wake-ups/s: asleep again or EAGAIN (far right axis)"),
                stairs(r.futile.rateSteps(), end), y3, solid(&Theme::workerEagain));
    }

    void buildSar(Page& p, const Simulation& sim, double end) {
        const Time bin = rateBin(sim.history().end);
        const SarRates r = sarRates(sim, bin);
        double peak = 0;
        for (const Bins* b :
             {&r.serverPassive, &r.serverActive, &r.serverRetrans, &r.clientsActive, &r.clientsRetrans})
            for (std::size_t i = 0; i < b->counts.size(); ++i)
                peak = std::max(peak, b->perSecond(i));
        p.chart->setTitle(bin == Time::s(1) ? tr("sar -n TCP,ETCP 1")
                                            : tr("sar -n TCP,ETCP (finer bins: a short run)"));
        addTimeAxis(p, tr("simulated time (s)"), 0, end);
        QValueAxis* y = addValueAxis(p, tr("segments or sockets %1").arg(rateAxisTitle(bin)), peak);
        addLine(p, tr("passive/s, server (TcpPassiveOpens)"), stairs(r.serverPassive.rateSteps(), end), y,
                solid(&Theme::acceptEntry, 2.0));
        if (r.serverActive.total() > 0)
            addLine(p, tr("active/s, server (TcpActiveOpens)"), stairs(r.serverActive.rateSteps(), end), y,
                    solid(&Theme::fin));
        addLine(p, tr("active/s, clients (TcpActiveOpens)"), stairs(r.clientsActive.rateSteps(), end), y,
                dashed(&Theme::syn));
        addLine(p, tr("retrans/s, server (TcpRetransSegs)"), stairs(r.serverRetrans.rateSteps(), end), y,
                solid(&Theme::synAck));
        addLine(p, tr("retrans/s, clients (TcpRetransSegs)"), stairs(r.clientsRetrans.rateSteps(), end), y,
                dashed(&Theme::alert));
    }

    void buildLatency(Page& p, const Simulation& sim) {
        Time slowest;
        for (const ClientRecord& c : sim.history().clients)
            if (!c.connectedAt.isNever()) slowest = std::max(slowest, c.connectedAt - c.connectAt);
        const Time bin = latencyBin(slowest);
        const LatencyHistogram hist = latencyHistogram(sim, bin);
        std::uint32_t tallest = 1;
        for (std::uint32_t c : hist.counts)
            tallest = std::max(tallest, c);
        p.chart->setTitle(tr("connect() latency of %1 connected clients (%2 bins)")
                              .arg(hist.total)
                              .arg(QString::fromStdString(formatDuration(bin))));
        const double xMax = std::max(seconds(hist.slowest) + 2 * seconds(bin), 10 * seconds(bin)) * 1.04;
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
        std::vector<QPointF> outline = stairs(hist.steps(), xMax);
        for (QPointF& pt : outline)
            pt.setY(std::max(pt.y(), bottom));
        // The SYN retransmissions of the run, where clusters are expected: at the median send time of
        // each retransmission (one legend entry for all of them).
        bool first = true;
        for (double at : synRetransmissionTimes(sim)) {
            if (at > xMax) break;
            Line& m = addLine(p, tr("SYN retransmissions (median send time after the first SYN)"),
                              {{at, bottom}, {at, y->max()}}, y, dashed(&Theme::mutedText, 1.0));
            m.reduce = false;
            if (!first)
                for (QLegendMarker* marker : p.chart->legend()->markers(m.shown))
                    marker->setVisible(false);
            first = false;
        }
        addArea(p, tr("clients, by connect() latency"), std::move(outline), y, bottom,
                solid(&Theme::syn, 1.0), [](const Theme& t) {
                    QColor c = t.syn;
                    c.setAlphaF(0.55f);
                    return QBrush(c);
                });
    }

    // ---- theme

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
        if (p.dirty) {
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
    return std::clamp(Time::ns(ns), Time(), sim->history().end);
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
        if (!s.series.contains(line.shown->name())) s.series << line.shown->name();
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
