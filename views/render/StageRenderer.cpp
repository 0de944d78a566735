// The stage's public face: it keeps the run's index and the frame caches, and puts the picture together
// from the layout (StageLayout.h) and the painters (StagePainters.h); hit tests and a lesson's emphasis
// read the same layout.
#include "views/render/StageRenderer.h"

#include "model/kernel/Simulation.h"
#include "views/render/StageLayout.h"
#include "views/render/StageMetrics.h"
#include "views/render/StagePainters.h"

#include <QPaintEngine>
#include <QPainter>
#include <QPainterPath>
#include <QPen>

#include <algorithm>
#include <cmath>

namespace backlog::views {

using stage::kStage;

StageRenderer::StageRenderer() : cache_(std::make_unique<stage::FrameCache>()) {
}
StageRenderer::~StageRenderer() = default;

void StageRenderer::invalidate() const {
    index_.reset();
    last_.reset();
}

namespace {
bool sameTargets(const std::vector<Target>& a, const std::vector<Target>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Target& x, const Target& y) {
        return x.kind == y.kind && x.index == y.index;
    });
}
bool sameEmphasis(const StageRenderer::Emphasis& a, const StageRenderer::Emphasis& b) {
    if (a.zoom.has_value() != b.zoom.has_value()) return false;
    if (a.zoom && !sameTargets({*a.zoom}, {*b.zoom})) return false;
    return sameTargets(a.highlight, b.highlight);
}
} // namespace

void StageRenderer::keepLaidOut(const QRectF& target, Time t, const Emphasis& emphasis, Geometry g,
                                const QTransform& zoom) const {
    last_ = LastFrame{target, t, emphasis, {std::move(g), zoom}};
}

const StageRenderer::LaidOut* StageRenderer::lastLaidOut(const QRectF& target, const Simulation& sim, Time t,
                                                         const Emphasis& emphasis) const {
    // The last frame is always of the run the index is of (index() forgets it with the index): whether it
    // is `sim`'s is the index's own question.
    if (!last_ || !index_ || !index_->current(sim) || last_->target != target || last_->t != t ||
        !sameEmphasis(last_->emphasis, emphasis))
        return nullptr;
    return &last_->laidOut;
}

const stage::RunIndex& StageRenderer::index(const Simulation& sim) const {
    if (!index_ || !index_->current(sim)) {
        index_ = stage::indexRun(sim);
        last_.reset(); // another run's frame
    }
    return *index_;
}

Time StageRenderer::dropLinger(const Simulation& sim) const {
    if (options_.dropLinger) return std::max(*options_.dropLinger, Time::ns(1));
    const NetworkSettings& net = sim.scenario().network;
    return std::max(net.rtt / 2 + net.jitter, Time::us(20));
}

// ------------------------------------------------------------------------------------------ layout

StageRenderer::Geometry StageRenderer::layout(const QRectF& target, const Simulation& sim, Time t) const {
    return stage::layoutStage(target, sim, t, options_, index(sim), dropLinger(sim));
}

StageRenderer::Geometry StageRenderer::layout(const QRectF& target, const Simulation& sim, Time t,
                                              const Emphasis& emphasis) const {
    // The clients a step points at are drawn apart from an aggregate, with every packet of theirs
    // (issue 16: one client among hundreds).
    std::vector<std::uint32_t> apart;
    const auto add = [&](const Target& pointed) {
        if (pointed.kind == Target::Kind::Client && pointed.index >= 0)
            apart.push_back(static_cast<std::uint32_t>(pointed.index));
    };
    for (const Target& h : emphasis.highlight)
        add(h);
    if (emphasis.zoom) add(*emphasis.zoom);
    if (apart.empty()) return layout(target, sim, t);
    Options o = options_;
    o.clientsApart.insert(o.clientsApart.end(), apart.begin(), apart.end());
    return stage::layoutStage(target, sim, t, o, index(sim), dropLinger(sim));
}

// ------------------------------------------------------------------------------------------ painting

namespace {

// Whether the painter maps the target onto whole device pixels of a raster image: then the static layer
// is drawn once into an image and copied in (a straight copy: no blending, no span work); on SVG, PDF
// or a transformed painter it is drawn every frame.
bool cacheable(QPainter& p, const QRectF& target, double dpr, QSize pixels) {
    const QTransform dt = p.deviceTransform();
    const bool raster = p.paintEngine() && p.paintEngine()->type() == QPaintEngine::Raster;
    const bool pixelAligned = dt.type() <= QTransform::TxScale && dt.m11() == dt.m22() && dpr > 0 &&
                              std::abs(dt.m11() * dt.m22() - dpr * dpr) < 1e-9;
    const QPointF origin = dt.map(target.topLeft());
    const bool integral = std::abs(origin.x() - std::round(origin.x())) < 1e-6 &&
                          std::abs(origin.y() - std::round(origin.y())) < 1e-6;
    return raster && pixelAligned && integral && pixels.width() > 0 && pixels.height() > 0 &&
           std::abs(target.width() * dpr - pixels.width()) < 1e-6 &&
           std::abs(target.height() * dpr - pixels.height()) < 1e-6;
}

// The static layer from the cache, drawn again into it when what it depends on changed.
void copyStaticLayer(QPainter& p, stage::FrameCache& fc, const StageRenderer::Geometry& g, const Theme& th,
                     const Simulation& sim, Time t, double dpr, QSize pixels, LabelOverflows* overflows) {
    const QRectF& target = g.target;
    const QByteArray key = stage::staticKeyOf(g, th, sim, pixels, dpr);
    if (fc.staticKey != key || fc.staticLayer.size() != pixels) {
        fc.staticLayer = QImage(pixels, QImage::Format_ARGB32_Premultiplied);
        fc.staticLayer.setDevicePixelRatio(dpr);
        fc.staticLayer.fill(Qt::transparent);
        QPainter sp(&fc.staticLayer);
        sp.setRenderHint(QPainter::Antialiasing, true);
        sp.setRenderHint(QPainter::TextAntialiasing, true);
        sp.translate(-target.topLeft());
        fc.staticElided.clear();
        fc.staticOverflows.clear();
        const stage::Ctx sc(sp, th, g, sim, t, nullptr, 1, &fc.staticOverflows, &fc.staticElided);
        stage::paintStatic(sc);
        sp.end();
        fc.staticKey = key;
        fc.sprites.clear();
    }
    p.save();
    p.setCompositionMode(QPainter::CompositionMode_Source);
    p.drawImage(target.topLeft(), fc.staticLayer);
    p.restore();
    if (overflows) overflows->insert(overflows->end(), fc.staticOverflows.begin(), fc.staticOverflows.end());
    fc.staticCopied = true;
    fc.frameElided.clear();
}

} // namespace

void StageRenderer::paint(QPainter& painter, const QRectF& target, const Simulation& sim, Time t,
                          const Theme& th) const {
    Geometry g = layout(target, sim, t);
    paintLaidOut(painter, target, g, sim, t, th);
    keepLaidOut(target, t, {}, std::move(g), {});
}

void StageRenderer::paintLaidOut(QPainter& painter, const QRectF& target, const Geometry& g,
                                 const Simulation& sim, Time t, const Theme& th) const {
    const stage::RunIndex& idx = index(sim);
    const double u = g.unit;
    QPainter& p = painter;
    stage::FrameCache& fc = *cache_;

    p.save();
    p.setClipRect(target, Qt::IntersectClip);
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setRenderHint(QPainter::TextAntialiasing, true);

    const double dpr = p.deviceTransform().m11();
    const QSize pixels(static_cast<int>(std::lround(target.width() * dpr)),
                       static_cast<int>(std::lround(target.height() * dpr)));
    const bool cached = cacheable(p, target, dpr, pixels);
    if (cached) {
        copyStaticLayer(p, fc, g, th, sim, t, dpr, pixels, options_.overflows);
    } else {
        fc.staticCopied = false;
        fc.frameElided.clear();
        const stage::Ctx sc(p, th, g, sim, t, nullptr, 1, options_.overflows, &fc.frameElided);
        stage::paintStatic(sc);
    }

    stage::Ctx c(p, th, g, sim, t, cached ? &fc.sprites : nullptr, dpr, options_.overflows, &fc.frameElided);
    c.numbersConcealed = options_.numbersConcealed;
    c.text(g.header, Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("t = ") + stage::formatClock(t),
           c.fClock, th.text);
    if (g.streams) {
        const auto& m = kStage.panels;
        c.text(QRectF(g.network.left(), g.network.top() + m.inFlightTop * u, g.network.width(),
                      m.inFlightHeight * u),
               Qt::AlignHCenter | Qt::AlignVCenter,
               QStringLiteral("%1 packets in flight").arg(stage::thousands(g.packetsInFlight)), c.fSmall,
               th.mutedText);
    }
    stage::paintClients(c, idx.maxFlight);
    stage::paintQueues(c);
    if (c.numbersConcealed)
        stage::paintCountersConcealed(c);
    else
        stage::paintCounters(c);
    stage::paintWorkers(c);
    stage::paintPackets(c, fc);
    p.restore();
}

// ------------------------------------------------------------------------------------------ hit test

std::optional<StageHit> StageRenderer::hitTest(QPointF pos, const QRectF& target, const Simulation& sim,
                                               Time t) const {
    if (!target.contains(pos)) return std::nullopt;
    return hitTestIn(pos, layout(target, sim, t));
}

std::optional<StageHit> StageRenderer::hitTestIn(QPointF pos, const Geometry& g) const {
    const double u = g.unit;
    // Topmost first: packets (last drawn on top), slotRects, listeners, workers, clients.
    for (auto it = g.packets.rbegin(); it != g.packets.rend(); ++it) {
        const double slack = kStage.emphasis.hitSlack * u;
        if (it->glyph.adjusted(-slack, -slack, slack, slack).contains(pos)) {
            StageHit hit;
            hit.kind = StageHit::Kind::Packet;
            hit.packet = it->index;
            return hit;
        }
    }
    for (const ListenerGeometry& L : g.listeners) {
        if (!L.frame.contains(pos)) continue;
        for (const QueueGeometry* q : {&L.syn, &L.accept}) {
            for (std::size_t s = 0; s < q->slotRects.size(); ++s) {
                if (!q->slotRects[s].contains(pos)) continue;
                StageHit hit;
                hit.kind = StageHit::Kind::QueueSlot;
                hit.listener = L.index;
                hit.queue = q->kind;
                hit.slot = static_cast<int>(s);
                return hit;
            }
            if (q->gauge && q->slotsArea.contains(pos)) {
                // A gauge: the slot under the point, counted from the head at the right.
                const double f = (q->slotsArea.right() - pos.x()) / std::max(1.0, q->slotsArea.width());
                StageHit hit;
                hit.kind = StageHit::Kind::QueueSlot;
                hit.listener = L.index;
                hit.queue = q->kind;
                hit.slot = static_cast<int>(
                    std::clamp<std::int64_t>(static_cast<std::int64_t>(f * stage::dbl(q->capacity)), 0,
                                             std::max<std::int64_t>(0, q->capacity - 1)));
                return hit;
            }
        }
        StageHit hit;
        hit.kind = StageHit::Kind::Listener;
        hit.listener = L.index;
        return hit;
    }
    for (const WorkerGeometry& w : g.workers) {
        if (!w.box.contains(pos)) continue;
        StageHit hit;
        hit.kind = StageHit::Kind::Worker;
        hit.worker = w.index;
        hit.listener = w.listener;
        return hit;
    }
    for (const WorkerGroupGeometry& w : g.workerGroups) {
        if (!w.box.contains(pos)) continue;
        StageHit hit;
        hit.kind = StageHit::Kind::Workers;
        hit.listener = w.listener;
        return hit;
    }
    for (const ClientGeometry& c : g.clients) {
        if (!c.row.contains(pos)) continue;
        StageHit hit;
        hit.kind = StageHit::Kind::Client;
        hit.client = c.index;
        return hit;
    }
    if (g.clientsAggregated && g.clientsBlock.contains(pos)) {
        StageHit hit;
        hit.kind = StageHit::Kind::Clients;
        return hit;
    }
    if (g.attackers.isValid() && g.attackers.contains(pos)) {
        StageHit hit;
        hit.kind = StageHit::Kind::Attackers;
        return hit;
    }
    return std::nullopt;
}

// ---- a lesson's emphasis -------------------------------------------------------------------------------

std::vector<QRectF> StageRenderer::rectsOf(const Target& target, const Geometry& g,
                                           const Simulation& sim) const {
    std::vector<QRectF> out;
    // "accept-queue" on its own means every listener's; "accept-queue 1" one of them.
    const bool anyListener = target.text.find(' ') == std::string::npos;
    const auto worker = [&](std::uint32_t w) {
        for (const WorkerGeometry& wg : g.workers)
            if (wg.index == w) return out.push_back(wg.box);
        const auto& records = sim.history().workers;
        if (w < records.size())
            for (const WorkerGroupGeometry& group : g.workerGroups)
                if (group.listener == records[w].listener) return out.push_back(group.box);
    };
    switch (target.kind) {
    case Target::Kind::SynQueue:
    case Target::Kind::AcceptQueue:
    case Target::Kind::Listener:
        for (const ListenerGeometry& L : g.listeners) {
            if (!(anyListener && target.kind != Target::Kind::Listener) && L.index != target.index) continue;
            out.push_back(target.kind == Target::Kind::Listener   ? L.frame
                          : target.kind == Target::Kind::SynQueue ? L.syn.frame
                                                                  : L.accept.frame);
        }
        break;
    case Target::Kind::Client: {
        // The client's row, and where its connection is at this moment: its packets in flight and its
        // entries in the queues. A zoom on a client follows it from its row to the server.
        const auto client = static_cast<std::uint32_t>(target.index);
        for (const ClientGeometry& c : g.clients)
            if (c.index == client) out.push_back(c.row);
        if (out.empty() && g.clientsAggregated) out.push_back(g.clientsBlock);
        const History& h = sim.history();
        for (const PacketGeometry& pg : g.packets)
            if (h.packet(pg.index).flow == client) out.push_back(pg.glyph);
        for (const ListenerGeometry& L : g.listeners)
            for (const QueueGeometry* q : {&L.syn, &L.accept})
                for (std::size_t k = 0; k < q->entries.size() && k < q->slotRects.size(); ++k)
                    if (q->entries[k].flow == client) out.push_back(q->slotRects[k]);
        break;
    }
    case Target::Kind::Clients:
        out.push_back(g.clientsBlock);
        if (g.attackers.isValid()) out.push_back(g.attackers);
        break;
    case Target::Kind::Worker:
        worker(static_cast<std::uint32_t>(target.index));
        break;
    case Target::Kind::Workers:
        out.push_back(g.workersPanel);
        break;
    case Target::Kind::PacketKind: {
        const History& h = sim.history();
        for (const PacketGeometry& pg : g.packets)
            if (static_cast<int>(h.packet(pg.index).kind) == target.index) out.push_back(pg.glyph);
        for (const StreamGeometry& st : g.packetStreams)
            if (static_cast<int>(st.kind) == target.index)
                out.push_back(QRectF(st.source, st.sink)
                                  .normalized()
                                  .adjusted(0, -kStage.emphasis.streamSlack * g.unit, 0,
                                            kStage.emphasis.streamSlack * g.unit));
        break;
    }
    }
    return out;
}

QTransform StageRenderer::zoomTransform(const QRectF& target, const Simulation& sim, Time t,
                                        const Emphasis& emphasis) const {
    if (!emphasis.zoom) return {};
    return zoomTransform(target, layout(target, sim, t, emphasis), sim, emphasis);
}

QTransform StageRenderer::zoomTransform(const QRectF& target, const Geometry& g, const Simulation& sim,
                                        const Emphasis& emphasis) const {
    if (!emphasis.zoom) return {};
    QRectF area;
    for (const QRectF& r : rectsOf(*emphasis.zoom, g, sim))
        area = area.isNull() ? r : area.united(r);
    if (area.isNull()) return {};
    // Some room around it, the target's proportions, and never beyond the stage itself.
    const double room = kStage.emphasis.zoomRoom * g.unit;
    area.adjust(-room, -room, room, room);
    const double aspect = target.width() / std::max(1.0, target.height());
    if (area.width() / area.height() < aspect) {
        const double w = area.height() * aspect;
        area.adjust(-(w - area.width()) / 2, 0, (w - area.width()) / 2, 0);
    } else {
        const double h = area.width() / aspect;
        area.adjust(0, -(h - area.height()) / 2, 0, (h - area.height()) / 2);
    }
    if (area.width() >= target.width() || area.height() >= target.height()) return {};
    area.moveLeft(std::clamp(area.left(), target.left(), target.right() - area.width()));
    area.moveTop(std::clamp(area.top(), target.top(), target.bottom() - area.height()));
    const double k = target.width() / area.width();
    QTransform m;
    m.translate(target.left(), target.top());
    m.scale(k, k);
    m.translate(-area.left(), -area.top());
    return m;
}

void StageRenderer::paint(QPainter& p, const QRectF& target, const Simulation& sim, Time t,
                          const Theme& theme, const Emphasis& emphasis) const {
    if (emphasis.isEmpty()) return paint(p, target, sim, t, theme);
    Geometry g = layout(target, sim, t, emphasis);
    const QTransform zoom = zoomTransform(target, g, sim, emphasis);
    p.save();
    p.setClipRect(target, Qt::IntersectClip);
    p.setTransform(zoom, true);
    paintLaidOut(p, target, g, sim, t, theme);
    if (!emphasis.highlight.empty()) {
        const double u = g.unit;
        const auto& m = kStage.emphasis;
        QPainterPath lit;
        for (const Target& h : emphasis.highlight)
            for (const QRectF& r : rectsOf(h, g, sim))
                lit.addRoundedRect(r.adjusted(-m.spotlightRoom * u, -m.spotlightRoom * u, m.spotlightRoom * u,
                                              m.spotlightRoom * u),
                                   m.spotlightRadius * u, m.spotlightRadius * u);
        lit.setFillRule(Qt::WindingFill);
        QPainterPath dim;
        dim.addRect(target);
        QColor veil = theme.background;
        veil.setAlpha(110);
        p.setRenderHint(QPainter::Antialiasing, true);
        p.fillPath(dim.subtracted(lit.simplified()), veil);
        p.setPen(QPen(theme.spotlight, m.spotlightLine * u));
        p.setBrush(Qt::NoBrush);
        p.drawPath(lit.simplified());
    }
    p.restore();
    keepLaidOut(target, t, emphasis, std::move(g), zoom);
}

std::optional<StageHit> StageRenderer::hitTest(QPointF pos, const QRectF& target, const Simulation& sim,
                                               Time t, const Emphasis& emphasis) const {
    if (!target.contains(pos)) return std::nullopt;
    const Geometry g = layout(target, sim, t, emphasis);
    const QPointF at = zoomTransform(target, g, sim, emphasis).inverted().map(pos);
    if (!target.contains(at)) return std::nullopt;
    return hitTestIn(at, g);
}

QString StageRenderer::elidedLabelAt(QPointF pos, const QRectF& target, const Simulation& sim, Time t,
                                     const Emphasis& emphasis) const {
    if (!target.contains(pos)) return {};
    const QPointF at = zoomTransform(target, sim, t, emphasis).inverted().map(pos);
    const stage::FrameCache& fc = *cache_;
    for (const stage::ElidedLabel& e : fc.frameElided)
        if (e.box.contains(at)) return e.text;
    if (fc.staticCopied)
        for (const stage::ElidedLabel& e : fc.staticElided)
            if (e.box.contains(at)) return e.text;
    return {};
}

} // namespace backlog::views
