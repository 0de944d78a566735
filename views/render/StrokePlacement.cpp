#include "views/render/StrokePlacement.h"

#include "model/kernel/Simulation.h"

#include <QPainter>
#include <QPainterPath>
#include <QPen>

#include <algorithm>
#include <cmath>

namespace backlog::views {

namespace {

bool holds(const QRectF& outer, const QRectF& inner) {
    return inner.left() >= outer.left() && inner.right() <= outer.right() && inner.top() >= outer.top() &&
           inner.bottom() <= outer.bottom();
}

QRectF bounds(const std::vector<QPointF>& points) {
    QPointF lo = points.front(), hi = points.front();
    for (const QPointF& p : points) {
        lo = {std::min(lo.x(), p.x()), std::min(lo.y(), p.y())};
        hi = {std::max(hi.x(), p.x()), std::max(hi.y(), p.y())};
    }
    return {lo, hi};
}

} // namespace

std::vector<StagePartRect> stagePartsOf(const StageRenderer::Geometry& g) {
    std::vector<StagePartRect> parts;
    const auto add = [&](StagePart part, const QRectF& rect, int listener = -1) {
        if (rect.width() > 0 && rect.height() > 0) parts.push_back({part, listener, rect});
    };
    add(StagePart::Header, g.header);
    add(StagePart::Footer, g.footer);
    add(StagePart::Clients, g.clientsPanel);
    add(StagePart::Network, g.network);
    add(StagePart::Server, g.serverPanel);
    add(StagePart::ServerTitle, g.serverTitle);
    add(StagePart::Counters, g.countersStrip);
    add(StagePart::Workers, g.workersPanel);
    for (const StageRenderer::ListenerGeometry& l : g.listeners) {
        add(StagePart::Listener, l.frame, l.index);
        add(StagePart::SynQueue, l.syn.frame, l.index);
        add(StagePart::AcceptQueue, l.accept.frame, l.index);
    }
    return parts;
}

StrokePlacement::StrokePlacement(const QRectF& target, const QTransform& zoom,
                                 std::vector<StagePartRect> parts)
    : target_(target), zoom_(zoom), parts_(std::move(parts)) {
    // Smallest first: a stroke belongs to the innermost part that holds it (a queue before its listener,
    // the listener before the server panel).
    std::stable_sort(parts_.begin(), parts_.end(), [](const StagePartRect& a, const StagePartRect& b) {
        return a.rect.width() * a.rect.height() < b.rect.width() * b.rect.height();
    });
}

StrokePlacement StrokePlacement::of(const StageRenderer& renderer, const QRectF& target,
                                    const Simulation& sim, Time t, const StageRenderer::Emphasis& emphasis) {
    // The frame just painted has the layout already (a flood's takes milliseconds to make again).
    if (const StageRenderer::LaidOut* painted = renderer.lastLaidOut(target, sim, t, emphasis))
        return StrokePlacement(target, painted->zoom, stagePartsOf(painted->geometry));
    const StageRenderer::Geometry g = renderer.layout(target, sim, t, emphasis);
    return StrokePlacement(target, renderer.zoomTransform(target, g, sim, emphasis), stagePartsOf(g));
}

StrokePlacement StrokePlacement::ofCompared(const std::array<ComparedSide, 2>& sides, const QRectF& target,
                                            Time t, const StageRenderer::Emphasis& emphasis) {
    const ComparedLayout layout = comparedLayout(target);
    std::vector<StagePartRect> parts;
    for (int side = 0; side < 2; ++side) {
        const auto i = static_cast<std::size_t>(side);
        const QRectF& stage = layout.stages[i];
        parts.push_back({StagePart::Stage, -1, stage, side});
        const ComparedSide& s = sides[i];
        if (!s.renderer || !s.run) continue;
        // As paintComparedStages draws it: a run that has ended at its end, the emphasis' zoom inside the
        // side (a uniform scale and a shift: rectangles stay rectangles).
        const Time at = std::min(t, s.run->history().end);
        const StrokePlacement one = of(*s.renderer, stage, *s.run, at, emphasis);
        for (StagePartRect part : one.parts()) {
            part.rect = one.zoom().mapRect(part.rect).intersected(stage);
            part.side = side;
            if (!part.rect.isEmpty()) parts.push_back(part);
        }
    }
    return StrokePlacement(target, {}, std::move(parts));
}

double StrokePlacement::unit() const {
    return layoutUnit(target_, zoom_);
}

QPointF StrokePlacement::toLayout(QPointF pos) const {
    return views::toLayout(pos, target_, zoom_);
}

const StagePartRect* StrokePlacement::find(const StrokeAnchor& anchor) const {
    for (const StagePartRect& p : parts_)
        if (p.part == anchor.part && p.listener == anchor.listener && p.side == anchor.side) return &p;
    return nullptr;
}

QPointF StrokePlacement::unzoomed(QPointF layout, const StrokeAnchor& anchor) const {
    // The one stage's whole is the target itself (the plain stretch); a compared side's is its half.
    const StagePartRect* part = anchor.part == StagePart::Stage && anchor.side < 0 ? nullptr : find(anchor);
    const QRectF& from = anchor.frame;
    // A part this stage does not have (a listener not yet listening, a side's part on the one stage):
    // the stroke stays where the plain stretch puts it.
    if (!part || from.width() <= 1e-9 || from.height() <= 1e-9) return fromLayout(layout, target_);
    const QRectF& to = part->rect;
    return {to.left() + (layout.x() - from.left()) * to.width() / from.width(),
            to.top() + (layout.y() - from.top()) * to.height() / from.height()};
}

std::vector<QPointF> StrokePlacement::unzoomedPoints(const Stroke& stroke) const {
    const std::vector<QPointF>& pts = stroke.points;
    std::vector<QPointF> out;
    out.reserve(pts.size());
    if (stroke.anchor == stroke.endAnchor) {
        for (const QPointF& p : pts)
            out.push_back(unzoomed(p, stroke.anchor));
        return out;
    }
    // From part to part: each point between where its start's part and its end's part would put it, by
    // how far along the stroke it is (measured as drawn, so the same on every target).
    std::vector<double> along(pts.size(), 0.0);
    for (std::size_t k = 1; k < pts.size(); ++k)
        along[k] = along[k - 1] + std::hypot(pts[k].x() - pts[k - 1].x(), pts[k].y() - pts[k - 1].y());
    const double length = along.empty() ? 0.0 : along.back();
    for (std::size_t k = 0; k < pts.size(); ++k) {
        const double w =
            length > 0
                ? along[k] / length
                : (pts.size() > 1 ? static_cast<double>(k) / static_cast<double>(pts.size() - 1) : 0.0);
        out.push_back((1 - w) * unzoomed(pts[k], stroke.anchor) + w * unzoomed(pts[k], stroke.endAnchor));
    }
    return out;
}

std::vector<QPointF> StrokePlacement::place(const Stroke& stroke) const {
    std::vector<QPointF> out = unzoomedPoints(stroke);
    for (QPointF& p : out)
        p = zoom_.map(p);
    return out;
}

Stroke StrokePlacement::seen(const Stroke& stroke) const {
    Stroke s = stroke;
    s.points = unzoomedPoints(stroke);
    for (QPointF& p : s.points)
        p = views::toLayout(p, target_);
    s.anchor = s.endAnchor = StrokeAnchor{};
    return s;
}

StrokeAnchor StrokePlacement::anchorOf(const StagePartRect& part) const {
    return {part.part, part.listener, part.side,
            QRectF(views::toLayout(part.rect.topLeft(), target_),
                   views::toLayout(part.rect.bottomRight(), target_))};
}

void StrokePlacement::anchor(Stroke& stroke) const {
    if (stroke.points.empty()) return;
    const std::vector<QPointF> at = unzoomedPoints(stroke);
    for (std::size_t k = 0; k < at.size(); ++k)
        stroke.points[k] = views::toLayout(at[k], target_);
    const QRectF box = bounds(at);
    const double u = layoutUnit(target_);
    for (const StagePartRect& part : parts_) {
        // The room round a part: a ring or a tick drawn just outside it still belongs to it.
        const double room = std::max(24 * u, 0.25 * std::min(part.rect.width(), part.rect.height()));
        if (holds(part.rect.adjusted(-room, -room, room, room), box)) {
            stroke.anchor = stroke.endAnchor = anchorOf(part);
            return;
        }
    }
    const auto under = [&](QPointF p) {
        for (const StagePartRect& part : parts_)
            if (part.rect.contains(p)) return anchorOf(part);
        return StrokeAnchor{};
    };
    stroke.anchor = under(at.front());
    stroke.endAnchor = under(at.back());
}

void paintStrokes(QPainter& p, const StrokePlacement& where, const std::vector<Stroke>& strokes,
                  const std::vector<double>& opacity) {
    // The zoom is applied to the points, not to the painter: a stroke is as thick as the stage's lines
    // around it at any zoom, by unit(), and SVG and PDF get plain coordinates.
    const double unit = where.unit();
    p.save();
    p.setClipRect(where.target(), Qt::IntersectClip);
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setBrush(Qt::NoBrush);
    for (std::size_t i = 0; i < strokes.size() && i < opacity.size(); ++i) {
        const Stroke& s = strokes[i];
        if (opacity[i] <= 0 || s.points.empty()) continue;
        QColor c = s.colour;
        c.setAlphaF(static_cast<float>(std::clamp(opacity[i], 0.0, 1.0) * static_cast<double>(c.alphaF())));
        p.setPen(QPen(c, std::max(0.5, s.width * unit), Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        const std::vector<QPointF> at = where.place(s);
        if (at.size() == 1) {
            p.drawPoint(at.front());
            continue;
        }
        // One path, so that a stroke crossing itself is not darker where it overlaps at half opacity.
        QPainterPath path(at.front());
        for (std::size_t k = 1; k < at.size(); ++k)
            path.lineTo(at[k]);
        p.drawPath(path);
    }
    p.restore();
}

void paintStrokesAt(QPainter& p, const StrokePlacement& where, const std::vector<Stroke>& strokes,
                    const StageMoment& now) {
    std::vector<double> opacity;
    opacity.reserve(strokes.size());
    for (const Stroke& s : strokes)
        opacity.push_back(strokePresence(s, now));
    paintStrokes(p, where, strokes, opacity);
}

} // namespace backlog::views
