#include "views/widgets/TimelineView.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace backlog::views {

namespace {

bool isOverflow(PacketFate f) {
    return f == PacketFate::DroppedAcceptQueueFull || f == PacketFate::DroppedAckQueueFull ||
           f == PacketFate::DroppedCookieQueueFull;
}

bool isOtherDrop(PacketFate f) {
    return f == PacketFate::DroppedSynQueueFull || f == PacketFate::DroppedSynBacklog ||
           f == PacketFate::DroppedNoRoute || f == PacketFate::DroppedRateLimited ||
           f == PacketFate::LostInNetwork;
}

// A readable step for the axis: 1, 2 or 5 × 10^k nanoseconds, giving about `ticks` labels.
std::int64_t niceStep(std::int64_t span, int ticks) {
    const double raw = static_cast<double>(span) / std::max(1, ticks);
    const double p = std::pow(10.0, std::floor(std::log10(std::max(raw, 1.0))));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * p >= raw) return static_cast<std::int64_t>(m * p);
    return static_cast<std::int64_t>(10 * p);
}

} // namespace

TimelineMarks TimelineMarks::of(const History& h, Time end) {
    TimelineMarks m;
    m.end = std::max({h.end, end, Time::ns(1)});
    m.overflows.assign(kBins, 0);
    m.otherDrops.assign(kBins, 0);
    m.cookies.assign(kBins, 0);
    const auto bin = [&](Time t) {
        const auto b = static_cast<std::int64_t>(static_cast<double>(t.count()) /
                                                 static_cast<double>(m.end.count()) * kBins);
        return static_cast<std::size_t>(std::clamp<std::int64_t>(b, 0, kBins - 1));
    };
    for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
        const Packet p = h.packet(i);
        if (isOverflow(p.fate))
            ++m.overflows[bin(p.arrives)];
        else if (isOtherDrop(p.fate))
            ++m.otherDrops[bin(p.fate == PacketFate::LostInNetwork ? p.sent : p.arrives)];
        if (p.kind == PacketKind::SynAck && p.cookie) ++m.cookies[bin(p.sent)];
    }
    for (std::size_t b = 0; b < kBins; ++b)
        m.peak = std::max({m.peak, m.overflows[b], m.otherDrops[b], m.cookies[b]});
    return m;
}

TimelineView::TimelineView(QWidget* parent) : QWidget(parent) {
    setMouseTracking(false);
    setFocusPolicy(Qt::StrongFocus);
    setToolTip(tr("Click or drag to move the playhead. Marks: red, accept queue overflows; orange, other "
                  "drops; blue, SYN cookies sent."));
}

void TimelineView::setSimulation(const Simulation* sim, Time end) {
    hasRun_ = sim != nullptr;
    marks_ = sim ? TimelineMarks::of(sim->history(), end) : TimelineMarks{};
    update();
}

void TimelineView::setPlayhead(Time t) {
    if (t == playhead_) return;
    playhead_ = t;
    update();
}

// Room above the track for a lesson's step numbers.
QRectF TimelineView::track() const {
    return QRectF(rect()).adjusted(8, steps_.empty() ? 4 : 15, -8, -16);
}

double TimelineView::xOf(Time t) const {
    const QRectF r = track();
    if (marks_.end.count() <= 0) return r.left();
    return r.left() + r.width() * static_cast<double>(t.count()) / static_cast<double>(marks_.end.count());
}

Time TimelineView::timeAt(double x) const {
    const QRectF r = track();
    const double f = std::clamp((x - r.left()) / std::max(1.0, r.width()), 0.0, 1.0);
    return Time::ns(static_cast<std::int64_t>(std::llround(f * static_cast<double>(marks_.end.count()))));
}

void TimelineView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing, false);
    const QPalette& pal = palette();
    const QRectF r = track();
    p.fillRect(r, pal.color(QPalette::Base));
    p.setPen(pal.color(QPalette::Mid));
    p.drawRect(r);
    if (!hasRun_) return;

    // Marks: one bar per pixel column, the height scaled to the busiest bin (square root, so that a few
    // drops next to a flood of them are still visible).
    const int columns = std::max(1, static_cast<int>(r.width()));
    // While the future is concealed (reveal: after-answer), only the columns up to the playhead's.
    const int markedColumns =
        futureConcealed_ ? std::clamp(static_cast<int>(std::floor(xOf(playhead_) - r.left())) + 1, 0, columns)
                         : columns;
    const double scale = marks_.peak ? std::sqrt(static_cast<double>(marks_.peak)) : 1.0;
    const auto drawFamily = [&](const std::vector<std::uint32_t>& bins, const QColor& colour, double top,
                                double height) {
        for (int x = 0; x < markedColumns; ++x) {
            const std::size_t b0 =
                static_cast<std::size_t>(x) * TimelineMarks::kBins / static_cast<std::size_t>(columns);
            const std::size_t b1 = std::max(b0 + 1, static_cast<std::size_t>(x + 1) * TimelineMarks::kBins /
                                                        static_cast<std::size_t>(columns));
            std::uint32_t n = 0;
            for (std::size_t b = b0; b < b1 && b < bins.size(); ++b)
                n += bins[b];
            if (!n) continue;
            const double h = std::max(2.0, height * std::sqrt(static_cast<double>(n)) / scale);
            p.fillRect(QRectF(r.left() + x, top + height - h, 1.0, h), colour);
        }
    };
    const double third = r.height() / 3.0;
    // Okabe–Ito: vermillion, orange, blue — told apart by their row as well as their colour.
    drawFamily(marks_.overflows, QColor(0xD5, 0x5E, 0x00), r.top(), third);
    drawFamily(marks_.otherDrops, QColor(0xE6, 0x9F, 0x00), r.top() + third, third);
    drawFamily(marks_.cookies, QColor(0x00, 0x72, 0xB2), r.top() + 2 * third, third);

    // The axis: simulated time, with readable steps.
    p.setPen(pal.color(QPalette::Text));
    QFont small = font();
    small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.8));
    p.setFont(small);
    const std::int64_t step = niceStep(marks_.end.count(), std::max(2, columns / 90));
    for (std::int64_t t = 0; t <= marks_.end.count(); t += step) {
        const double x = xOf(Time::ns(t));
        p.drawLine(QPointF(x, r.bottom()), QPointF(x, r.bottom() + 3));
        p.drawText(QRectF(x - 40, r.bottom() + 2, 80, 12), Qt::AlignHCenter | Qt::AlignTop,
                   QString::fromStdString(formatDuration(Time::ns(t))));
    }
    // A lesson's steps: a tick on the track's top edge and the step's number above it, every one that
    // fits without overlapping the one before.
    double lastLabel = -1e9;
    for (std::size_t i = 0; i < steps_.size(); ++i) {
        if (steps_[i].isNever()) continue;
        const double sx = xOf(steps_[i]);
        p.setPen(QPen(pal.color(QPalette::Text), 1));
        p.drawLine(QPointF(sx, r.top() - 5), QPointF(sx, r.top() + 4));
        const QString label = QString::number(i + 1);
        const double w = p.fontMetrics().horizontalAdvance(label) + 4;
        if (sx - w / 2 < lastLabel) continue;
        p.drawText(QRectF(sx - w / 2, 0, w, r.top() - 4), Qt::AlignHCenter | Qt::AlignBottom, label);
        lastLabel = sx + w / 2;
    }
    // The playhead.
    const double x = xOf(playhead_);
    p.setPen(QPen(pal.color(QPalette::Highlight), 2));
    p.drawLine(QPointF(x, r.top() - 2), QPointF(x, r.bottom() + 2));
}

void TimelineView::setStepTimes(std::vector<Time> times) {
    steps_ = std::move(times);
    update();
}

void TimelineView::mousePressEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton) emit seekRequested(timeAt(event->position().x()));
}

void TimelineView::mouseMoveEvent(QMouseEvent* event) {
    if (event->buttons() & Qt::LeftButton) emit seekRequested(timeAt(event->position().x()));
}

void TimelineView::setFutureConcealed(bool concealed) {
    if (futureConcealed_ == concealed) return;
    futureConcealed_ = concealed;
    update();
}

} // namespace backlog::views
