#include "views/render/StageLayout.h"

#include "model/kernel/Simulation.h"
#include "model/scenario/Settings.h"
#include "views/render/StageMetrics.h"
#include "views/render/StageSupport.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace backlog::views::stage {

namespace {

using Geometry = StageRenderer::Geometry;
using QueueGeometry = StageRenderer::QueueGeometry;
using ListenerGeometry = StageRenderer::ListenerGeometry;
using StreamGeometry = StageRenderer::StreamGeometry;

// The rows and columns a queue's capacity is laid out in: the largest square-ish slots that fit, with
// no more rows than needed. Zero rows: too small for slots, a gauge instead.
struct SlotGrid {
    int rows = 0;
    double best = 0;
};

SlotGrid slotGrid(const QRectF& a, std::int64_t capacity, double u) {
    const auto& m = kStage.queueSlots;
    const double maxW = m.widthMax * u, maxH = m.heightMax * u, minCell = m.cellMin * u;
    SlotGrid grid;
    const int maxRows = std::max(1, static_cast<int>(a.height() / minCell));
    for (int r = 1; r <= maxRows; ++r) {
        const std::int64_t cols = (capacity + r - 1) / r;
        const double cw = std::min(a.width() / dbl(cols), maxW);
        const double ch = std::min(a.height() / r, maxH);
        const double score = std::min(cw, ch);
        if (score > grid.best + 1e-9) {
            grid.best = score;
            grid.rows = r;
        }
        // A queue reads best as one row: keep it while its slots are comfortably large.
        if (r == 1 && score >= m.oneRowMin * u) break;
        if (dbl(cols) * minCell < a.width() && a.height() / r < cw) break; // more rows only shrink it
    }
    return grid;
}

// Fill order of a queue's slotRects: slot 0 (the head, next to leave) sits at the exit on the right of the
// first row; later entries queue up behind it towards the door, row after row.
void placeSlots(QueueGeometry& q, int rows, double u) {
    const auto& m = kStage.queueSlots;
    const QRectF a = q.slotsArea;
    const std::int64_t capacity = q.capacity;
    const std::int64_t cols = (capacity + rows - 1) / rows;
    const double cw = std::min(a.width() / dbl(cols), m.widthMax * u);
    const double ch = std::min(a.height() / rows, m.heightMax * u);
    const double gap = std::clamp(std::min(cw, ch) * m.gapShare, m.gapMin * u, m.gapMax * u);
    const double y0 = a.center().y() - rows * ch / 2;
    q.slotRects.reserve(static_cast<std::size_t>(capacity));
    for (std::int64_t k = 0; k < capacity; ++k) {
        const std::int64_t row = k / cols, col = k % cols;
        const QRectF cell(a.right() - dbl(col + 1) * cw, y0 + dbl(row) * ch, cw, ch);
        // Whole pixels: crisp edges, and a filled slot drawn later lands exactly on its outline.
        const QRectF r = cell.adjusted(gap / 2, gap / 2, -gap / 2, -gap / 2);
        q.slotRects.emplace_back(std::round(r.left()), std::round(r.top()),
                                 std::max(1.0, std::round(r.width())), std::max(1.0, std::round(r.height())));
    }
}

void layoutSlots(QueueGeometry& q, double u) {
    const auto& m = kStage.queueSlots;
    const QRectF a = q.slotsArea;
    const std::int64_t capacity = q.capacity;
    q.slotRects.clear();
    q.gauge = false;
    if (capacity <= 0 || a.width() <= 0 || a.height() <= 0) {
        q.gauge = true;
    } else {
        const SlotGrid grid = slotGrid(a, capacity, u);
        if (grid.rows == 0 || grid.best < m.cellMin * u)
            q.gauge = true;
        else
            placeSlots(q, grid.rows, u);
    }
    if (q.limit <= 0) {
        q.limitLine = {};
    } else if (q.gauge) {
        const QRectF bar = gaugeBar(q, u);
        const double x = bar.right() -
                         bar.width() * std::min(1.0, dbl(q.limit) / dbl(std::max<std::int64_t>(1, capacity)));
        q.limitLine =
            QLineF(x, bar.top() - m.gaugeLimitOverhang * u, x, bar.bottom() + m.gaugeLimitOverhang * u);
    } else {
        const QRectF s = q.slotRects[static_cast<std::size_t>(std::min(q.limit, capacity) - 1)];
        const double gap = (q.slotRects.size() > 1 && q.slotRects[0].top() == q.slotRects[1].top())
                               ? (q.slotRects[0].left() - q.slotRects[1].right())
                               : m.gapFallback * u;
        const double x = s.left() - gap / 2;
        q.limitLine = QLineF(x, s.top() - m.limitOverhang * u, x, s.bottom() + m.limitOverhang * u);
    }
}

// A packet sent within one flight and one drop animation before t: where it is, and — when it was
// dropped — how far through its fall.
struct Candidate {
    std::uint32_t index;
    Packet p;
    QPointF pos;
    double fall;
};

using StreamKey = std::tuple<bool, int, bool, bool, int>;

StreamKey streamKey(const Packet& p) {
    return std::make_tuple(p.toServer, static_cast<int>(p.kind), p.cookie, isSpoofed(p.flow),
                           static_cast<int>(p.listener));
}

// One layout: the steps in the order they depend on each other (listeners before workers, which stand
// beside them; clients before packets, which leave from them).
class StageLayout {
  public:
    StageLayout(const QRectF& target, const Simulation& sim, Time t, const StageRenderer::Options& options,
                const RunIndex& idx, Time linger)
        : sim_(sim), h_(sim.history()), sc_(sim.scenario()), idx_(idx), options_(options), t_(t),
          linger_(linger) {
        g_.target = target;
        u_ = std::max(1e-3, std::min(target.width() / kStage.refWidth, target.height() / kStage.refHeight));
        g_.unit = u_;
    }

    Geometry run() {
        bands();
        listeners();
        clients();
        workers();
        packets();
        return std::move(g_);
    }

  private:
    void bands();
    void listeners();
    ListenerGeometry listener(int l, const QRectF& frame, double lh) const;
    void queue(ListenerGeometry& L, QueueKind k, const QRectF& rows, double rh, double rowGap,
               const QueueLengths& len) const;
    void clients();
    void addClientRow(std::uint32_t client, const QRectF& row);
    void workers();
    QRectF workerSpan(int l) const;
    void packets();
    void gather(std::vector<Candidate>& moving, std::vector<Candidate>& falling) const;
    void group(const std::vector<Candidate>& moving);
    void drops(const std::vector<Candidate>& falling);
    void sample(const std::vector<Candidate>& moving, const std::vector<Candidate>& falling);
    void add(const Candidate& c, bool labelled);
    std::uint64_t sampleMask(std::size_t n) const;

    // Where packets to listener l arrive (the server panel's middle before any listener exists).
    QPointF door(int l) const {
        if (g_.listeners.empty()) return QPointF(g_.serverPanel.left(), g_.serverPanel.center().y());
        return g_.listeners[static_cast<std::size_t>(std::clamp(l, 0, nl_ - 1))].door;
    }
    QPointF clientEnd(FlowId flow) const;
    // Positions along a path: packets to the server ride above the line, answers below it.
    QPointF along(QPointF from, QPointF to, double f, bool toServer) const {
        const double off = kStage.packets.pathOffset * u_;
        QPointF d = to - from;
        const double len = std::hypot(d.x(), d.y());
        QPointF n = len > 0 ? QPointF(-d.y() / len, d.x() / len) : QPointF(0, 1);
        if (n.y() < 0) n = -n;
        return lerp(from, to, f) + n * (toServer ? -off : off);
    }

    const Simulation& sim_;
    const History& h_;
    const Scenario& sc_;
    const RunIndex& idx_;
    const StageRenderer::Options& options_;
    const Time t_;
    const Time linger_;
    Geometry g_;
    double u_ = 1;
    int nl_ = 0;              // the listeners that exist at t
    std::vector<int> rowOf_;  // a client's row in g_.clients, or -1
    std::vector<bool> apart_; // a client of Options::clientsApart that exists at t
    bool apart(FlowId flow) const { return flow < apart_.size() && apart_[flow]; }
    // Level of detail: the groups of same-kind packets on one path, and which are drawn as streams.
    std::map<StreamKey, std::size_t> streamOf_;
    std::vector<StreamGeometry> groups_;
    std::vector<bool> asStream_;
    std::size_t streamed_ = 0;
};

void StageLayout::bands() {
    const auto& m = kStage.bands;
    const auto& s = kStage.server;
    const QRectF& target = g_.target;
    const double u = u_;
    const double margin = m.margin * u;
    g_.header = QRectF(target.left() + margin, target.top() + m.headerTop * u, target.width() - 2 * margin,
                       m.headerHeight * u);
    g_.footer = QRectF(target.left() + margin, target.bottom() - m.footerBottom * u - m.footerHeight * u,
                       target.width() - 2 * margin, m.footerHeight * u);
    const QRectF body(target.left() + margin, g_.header.bottom() + m.bodyGap * u, target.width() - 2 * margin,
                      g_.footer.top() - m.bodyGap * u - (g_.header.bottom() + m.bodyGap * u));
    const double bw = body.width();
    g_.clientsPanel = QRectF(body.left(), body.top(), m.clientsShare * bw, body.height());
    g_.serverPanel =
        QRectF(body.left() + m.serverLeftShare * bw, body.top(), m.serverShare * bw, body.height());
    g_.workersPanel = QRectF(body.left() + m.workersLeftShare * bw, body.top(),
                             body.right() - (body.left() + m.workersLeftShare * bw), body.height());
    g_.network = QRectF(g_.clientsPanel.right(), body.top(), g_.serverPanel.left() - g_.clientsPanel.right(),
                        body.height());

    const QRectF sp = g_.serverPanel;
    g_.serverTitle = QRectF(sp.left() + s.inset * u, sp.top() + s.titleTop * u, sp.width() - 2 * s.inset * u,
                            s.titleHeight * u);
    g_.countersStrip = QRectF(sp.left() + s.inset * u, sp.bottom() - s.countersRise * u,
                              sp.width() - 2 * s.inset * u, s.countersHeight * u);
}

void StageLayout::listeners() {
    const auto& s = kStage.server;
    const auto& m = kStage.listener;
    const double u = u_;
    const QRectF sp = g_.serverPanel;
    const QRectF area(
        sp.left() + s.inset * u, g_.serverTitle.bottom() + s.listenersTop * u, sp.width() - 2 * s.inset * u,
        g_.countersStrip.top() - s.listenersBottom * u - (g_.serverTitle.bottom() + s.listenersTop * u));
    // Listeners are only ever appended: the ones that exist at t are the first nl.
    int nl = 0;
    while (static_cast<std::size_t>(nl) < idx_.listenerBornAt.size() &&
           idx_.listenerBornAt[static_cast<std::size_t>(nl)] <= t_)
        ++nl;
    nl_ = nl;
    if (nl == 0) return;
    const double gap = std::min(m.gapMax * u, area.height() * m.gapShare / nl);
    const double lh = std::min(m.heightMax * u, (area.height() - gap * (nl - 1)) / nl);
    const double top = area.center().y() - (lh * nl + gap * (nl - 1)) / 2;
    for (int l = 0; l < nl; ++l)
        g_.listeners.push_back(listener(l, QRectF(area.left(), top + l * (lh + gap), area.width(), lh), lh));
}

ListenerGeometry StageLayout::listener(int l, const QRectF& frame, double lh) const {
    const auto& m = kStage.listener;
    const double u = u_;
    ListenerGeometry L;
    L.index = l;
    L.frame = frame;
    L.open = h_.listenerOpenAt(l, t_);
    L.backlog = h_.maxBacklogAt(l, t_);
    const double hh = std::min(m.headerMax * u, lh * m.headerShare);
    L.header = QRectF(L.frame.left() + m.inset * u, L.frame.top(), L.frame.width() - 2 * m.inset * u, hh);
    const QRectF rows(
        L.frame.left() + m.inset * u, L.frame.top() + hh + m.rowsTop * u, L.frame.width() - 2 * m.inset * u,
        L.frame.height() - hh - m.rowsTop * u - std::min(m.rowsBottomMax * u, lh * m.rowsBottomShare));
    const double rowGap = std::min(m.rowGapMax * u, rows.height() * m.rowGapShare);
    const double rh = (rows.height() - rowGap) / 2;
    const QueueLengths len = h_.queueLengthsAt(l, t_);
    for (QueueKind k : {QueueKind::Syn, QueueKind::Accept})
        queue(L, k, rows, rh, rowGap, len);
    L.door = QPointF(L.frame.left(), L.frame.center().y());
    L.exit = QPointF(L.accept.slotsArea.right(), L.accept.frame.center().y());
    return L;
}

void StageLayout::queue(ListenerGeometry& L, QueueKind k, const QRectF& rows, double rh, double rowGap,
                        const QueueLengths& len) const {
    const auto& m = kStage.listener;
    const double u = u_;
    const double labelW = m.labelWidth * u;
    const int l = L.index;
    QueueGeometry& q = k == QueueKind::Syn ? L.syn : L.accept;
    q.listener = l;
    q.kind = k;
    q.frame = QRectF(rows.left(), rows.top() + (k == QueueKind::Syn ? 0 : rh + rowGap), rows.width(), rh);
    q.label = QRectF(q.frame.left(), q.frame.top(), labelW, rh);
    q.slotsArea = q.frame.adjusted(labelW + m.slotsLeft * u, m.slotsInset * u, 0, -m.slotsInset * u);
    q.limit = L.backlog;
    // Q1: the accept queue holds backlog + 1; Q2: the SYN queue too since 6.13, backlog before.
    const bool plusOne = k == QueueKind::Accept || sc_.kernel.profile.synQueueHoldsBacklogPlusOne;
    q.capacity = std::max<std::int64_t>(0, L.backlog + (plusOne ? 1 : 0));
    q.length = k == QueueKind::Syn ? len.syn : len.accept;
    layoutSlots(q, u);
    // A gauge lists its entries only while that is cheap (it shows the spoofed share).
    if (!q.gauge || q.length <= 20'000) q.entries = h_.queueAt(l, k, t_);
    if (k == QueueKind::Syn && !q.gauge) {
        q.retransmissions.reserve(q.entries.size());
        q.nextSynAck.reserve(q.entries.size());
        for (const QueueEntry& e : q.entries) {
            q.retransmissions.push_back(idx_.retransmissions(e.flow, e.entered, t_));
            q.nextSynAck.push_back(idx_.nextRetransmission(e.flow, t_, e.left));
        }
    }
}

void StageLayout::clients() {
    const auto& m = kStage.clients;
    const double u = u_;
    const QRectF cp = g_.clientsPanel;
    bool flood = false;
    for (std::size_t i = 0; i < sc_.traffic.size(); ++i)
        flood = flood || floodShown(sim_, i, t_);
    QRectF rowsArea(cp.left() + m.inset * u, cp.top() + m.rowsTop * u, cp.width() - m.inset * u,
                    cp.height() - (m.rowsTop + m.rowsBottom) * u);
    if (flood) {
        const double ah = std::min(m.attackersHeightMax * u, rowsArea.height() * m.attackersShare);
        g_.attackers = QRectF(cp.left() + m.inset * u, cp.bottom() - m.attackersBottom * u - ah,
                              cp.width() - 2 * m.inset * u, ah);
        rowsArea.setBottom(g_.attackers.top() - m.attackersGap * u);
    }
    for (std::uint32_t c = 0; c < h_.clients.size(); ++c)
        if (idx_.clientKnownFrom[c] <= t_) g_.clientsShown.push_back(c);
    const auto nc = static_cast<std::uint32_t>(g_.clientsShown.size());
    rowOf_.assign(h_.clients.size(), -1);
    apart_.assign(h_.clients.size(), false);
    std::vector<std::uint32_t> apart;
    for (std::uint32_t c : options_.clientsApart)
        if (c < h_.clients.size() && idx_.clientKnownFrom[c] <= t_ && !apart_[c] &&
            apart.size() < static_cast<std::size_t>(m.apartMax)) {
            apart_[c] = true;
            apart.push_back(c);
        }
    g_.clientsAggregated = nc > static_cast<std::uint32_t>(std::max(0, options_.clientRowsMax));
    if (g_.clientsAggregated) {
        // A step's clients first, each in a row of its own, then the block of the others below them.
        QRectF block = rowsArea.adjusted(0, 0, -m.rowRight * u, 0);
        if (!apart.empty()) {
            const double rh =
                std::min(m.rowHeightMax * u, rowsArea.height() * m.apartShare / dbl(apart.size()));
            for (std::size_t k = 0; k < apart.size(); ++k)
                addClientRow(apart[k], QRectF(rowsArea.left(), rowsArea.top() + dbl(k) * rh,
                                              rowsArea.width() - m.rowRight * u, rh));
            block.setTop(rowsArea.top() + dbl(apart.size()) * rh + m.apartGap * u);
        }
        g_.clientsBlock = block;
        return;
    }
    if (nc == 0) return;
    const double rh = std::min(m.rowHeightMax * u, rowsArea.height() / nc);
    const double top = rowsArea.center().y() - rh * nc / 2;
    g_.clientsBlock = QRectF(rowsArea.left(), top, rowsArea.width(), rh * nc);
    for (std::uint32_t k = 0; k < nc; ++k)
        addClientRow(g_.clientsShown[k],
                     QRectF(rowsArea.left(), top + k * rh, rowsArea.width() - m.rowRight * u, rh));
}

void StageLayout::addClientRow(std::uint32_t c, const QRectF& row) {
    StageRenderer::ClientGeometry cg;
    cg.index = c;
    cg.row = row;
    cg.anchor = QPointF(g_.clientsPanel.right(), row.center().y());
    cg.ghost = clientStatus(h_, c, t_, idx_.maxFlight).look == ClientLook::Ghost;
    rowOf_[c] = static_cast<int>(g_.clients.size());
    g_.clients.push_back(cg);
}

// The height workers of listener l have: beside it, or the panel below its title before any listener.
QRectF StageLayout::workerSpan(int l) const {
    const auto& m = kStage.workers;
    const double u = u_;
    const QRectF wp = g_.workersPanel;
    if (l < static_cast<int>(g_.listeners.size())) {
        const QRectF f = g_.listeners[static_cast<std::size_t>(l)].frame;
        return QRectF(wp.left() + m.inset * u, f.top(), wp.width() - 2 * m.inset * u, f.height());
    }
    return QRectF(wp.left() + m.inset * u, wp.top() + m.spareTop * u, wp.width() - 2 * m.inset * u,
                  wp.height() - (m.spareTop + m.spareBottom) * u);
}

void StageLayout::workers() {
    const auto& m = kStage.workers;
    const double u = u_;
    const int nl = nl_;
    std::vector<std::vector<std::uint32_t>> byListener(static_cast<std::size_t>(std::max(nl, 1)));
    for (std::uint32_t w = 0; w < h_.workers.size(); ++w) {
        if (idx_.workerBornAt[w] > t_) continue; // added by a later change
        byListener[static_cast<std::size_t>(std::clamp(h_.workers[w].listener, 0, std::max(nl, 1) - 1))]
            .push_back(w);
        ++g_.workersShown;
    }
    g_.workersAggregated = g_.workersShown > std::max(0, options_.workerBoxesMax);
    g_.workersWait = acceptModeName(workersAt(sc_, t_));
    const double gap = m.gap * u;
    const auto boxHeight = [&](const QRectF& span, std::size_t k) {
        return std::min(m.boxHeightMax * u, (span.height() - gap * dbl(k - 1)) / dbl(k));
    };
    for (std::size_t l = 0; l < byListener.size() && !g_.workersAggregated; ++l) {
        const auto k = byListener[l].size();
        if (k == 0) continue;
        if (boxHeight(workerSpan(static_cast<int>(l)), k) < m.boxHeightMin * u) g_.workersAggregated = true;
    }
    for (std::size_t l = 0; l < byListener.size(); ++l) {
        const auto& ws = byListener[l];
        if (ws.empty()) continue;
        const QRectF span = workerSpan(static_cast<int>(l));
        if (g_.workersAggregated) {
            g_.workerGroups.push_back(
                {static_cast<int>(l), span.adjusted(0, m.groupInset * u, 0, -m.groupInset * u), ws});
            continue;
        }
        const double bh = boxHeight(span, ws.size());
        const double top = span.center().y() - (bh * dbl(ws.size()) + gap * dbl(ws.size() - 1)) / 2;
        for (std::size_t k = 0; k < ws.size(); ++k)
            g_.workers.push_back({ws[k], static_cast<int>(l),
                                  QRectF(span.left(), top + dbl(k) * (bh + gap), span.width(), bh)});
    }
}

QPointF StageLayout::clientEnd(FlowId flow) const {
    const auto& m = kStage.packets;
    if (isSpoofed(flow)) {
        const QRectF a = g_.attackers.isEmpty() ? g_.clientsBlock : g_.attackers;
        return QPointF(g_.clientsPanel.right(),
                       a.top() + m.spoofedInset * u_ +
                           unitHash(flow) * std::max(0.0, a.height() - 2 * m.spoofedInset * u_));
    }
    if (flow < rowOf_.size() && rowOf_[flow] >= 0)
        return g_.clients[static_cast<std::size_t>(rowOf_[flow])].anchor;
    const QRectF b = g_.clientsBlock;
    const auto nc = static_cast<std::uint32_t>(g_.clientsShown.size());
    const auto rank =
        std::lower_bound(g_.clientsShown.begin(), g_.clientsShown.end(), flow) - g_.clientsShown.begin();
    return QPointF(g_.clientsPanel.right(), b.top() + (dbl(static_cast<std::int64_t>(rank)) + 0.5) /
                                                          dbl(static_cast<std::int64_t>(std::max(1u, nc))) *
                                                          b.height());
}

// Everything sent within one flight and one drop animation before t: flying, or falling after a drop.
void StageLayout::gather(std::vector<Candidate>& moving, std::vector<Candidate>& falling) const {
    const auto& m = kStage.packets;
    const double u = u_;
    const Time t = t_;
    const Time linger = linger_;
    const Time windowStart = t - idx_.maxFlight - linger;
    const auto [first, last] = h_.packetsSentIn(windowStart, t);
    for (std::uint32_t i = first; i < last; ++i) {
        const Packet p = h_.packet(i);
        const QPointF c = clientEnd(p.flow);
        const QPointF s = door(p.listener);
        const QPointF from = p.toServer ? c : s;
        const QPointF to = p.toServer ? s : c;
        const Time flight = p.arrives - p.sent;
        if (t < p.arrives) {
            const double f = flight.count() > 0 ? dbl((t - p.sent).count()) / dbl(flight.count()) : 1.0;
            if (p.fate == PacketFate::LostInNetwork && f >= 0.5) {
                const double fall = dbl((t - p.sent - flight / 2).count()) / dbl(linger.count());
                if (fall < 1) falling.push_back({i, p, along(from, to, 0.5, p.toServer), fall});
            } else {
                // A segment sent together with another (ACK + data, data + FIN) rides just behind it.
                const double behind = p.kind == PacketKind::Data
                                          ? m.dataBehind
                                          : (p.kind == PacketKind::Fin ? m.finBehind : 0.0);
                const QPointF d = to - from;
                const double len = std::max(1e-9, std::hypot(d.x(), d.y()));
                const double back = std::min(behind * m.pitch * u, f * len);
                moving.push_back({i, p, along(from, to, f, p.toServer) - d / len * back, -1});
            }
        } else if (isDrop(p.fate)) {
            const Time dropped = p.fate == PacketFate::LostInNetwork ? p.sent + flight / 2 : p.arrives;
            const double fall = dbl((t - dropped).count()) / dbl(linger.count());
            if (fall < 1) {
                const double at = p.fate == PacketFate::LostInNetwork ? 0.5 : 0.95;
                falling.push_back({i, p, along(from, to, at, p.toServer), fall});
            }
        }
    }
}

// Level of detail: packets of one kind on one path form a group. In a flood (more than
// streamThreshold in flight) every group larger than smallGroup is drawn as a stream with a count
// and a sample of its packets; so is any group larger than groupStreamThreshold (a burst of a
// hundred ACKs would be a smear of overlapping glyphs). Other groups are drawn packet by packet.
void StageLayout::group(const std::vector<Candidate>& moving) {
    const bool flooded = g_.packetsInFlight > options_.streamThreshold;
    for (const Candidate& c : moving) {
        if (apart(c.p.flow)) continue; // drawn one by one whatever the crowd (sample())
        const auto key = streamKey(c.p);
        auto it = streamOf_.find(key);
        const QPointF src = clientEnd(c.p.flow);
        if (it == streamOf_.end()) {
            StreamGeometry s;
            s.kind = c.p.kind;
            s.toServer = c.p.toServer;
            s.cookie = c.p.cookie;
            s.spoofed = isSpoofed(c.p.flow);
            s.listener = c.p.listener;
            s.sourceTop = s.sourceBottom = src;
            s.source = QPointF(src.x(), 0);
            s.sink = door(c.p.listener);
            it = streamOf_.emplace(key, groups_.size()).first;
            groups_.push_back(s);
        }
        StreamGeometry& s = groups_[it->second];
        ++s.count;
        s.source.ry() += src.y();
        if (src.y() < s.sourceTop.y()) s.sourceTop = src;
        if (src.y() > s.sourceBottom.y()) s.sourceBottom = src;
    }
    for (StreamGeometry& s : groups_)
        s.source.ry() /= dbl(s.count);
    asStream_.assign(groups_.size(), false);
    for (std::size_t k = 0; k < groups_.size(); ++k) {
        asStream_[k] = (flooded && groups_[k].count > options_.smallGroup) ||
                       groups_[k].count > options_.groupStreamThreshold;
        if (!asStream_[k]) continue;
        streamed_ += static_cast<std::size_t>(groups_[k].count);
        g_.packetStreams.push_back(groups_[k]);
    }
    g_.streams = !g_.packetStreams.empty();
}

// Drops: one label per reason and place (counting connections: a cookie ACK and the data behind
// it are one connection's loss); the packets fall from there.
void StageLayout::drops(const std::vector<Candidate>& falling) {
    std::map<std::tuple<int, bool, int>, std::size_t> dropOf;
    std::vector<std::vector<FlowId>> dropFlows;
    for (const Candidate& c : falling) {
        const bool atServer = c.p.toServer && c.p.fate != PacketFate::LostInNetwork;
        const int place =
            c.p.fate == PacketFate::LostInNetwork ? -1 : (atServer ? static_cast<int>(c.p.listener) : -2);
        const auto key = std::make_tuple(static_cast<int>(c.p.fate), atServer, place);
        auto it = dropOf.find(key);
        if (it == dropOf.end()) {
            StageRenderer::DropGeometry d;
            d.fate = c.p.fate;
            d.kind = c.p.kind;
            d.anchor = c.pos;
            d.atServer = atServer;
            it = dropOf.emplace(key, g_.drops.size()).first;
            g_.drops.push_back(d);
            dropFlows.emplace_back();
        }
        ++g_.drops[it->second].packets;
        dropFlows[it->second].push_back(c.p.flow);
    }
    for (std::size_t k = 0; k < g_.drops.size(); ++k) {
        std::vector<FlowId>& flows = dropFlows[k];
        std::sort(flows.begin(), flows.end());
        g_.drops[k].count =
            static_cast<std::int64_t>(std::unique(flows.begin(), flows.end()) - flows.begin());
    }
}

std::uint64_t StageLayout::sampleMask(std::size_t n) const {
    std::uint64_t k = 1;
    while (dbl(static_cast<std::int64_t>(k)) * std::max(1, options_.sampleTarget) < dbl(n))
        k <<= 1;
    return k - 1;
}

void StageLayout::add(const Candidate& c, bool labelled) {
    const double glyph = kStage.packets.glyph * u_;
    StageRenderer::PacketGeometry pg;
    pg.index = c.index;
    pg.centre = c.pos;
    pg.glyph = QRectF(c.pos.x() - glyph / 2, c.pos.y() - glyph / 2, glyph, glyph);
    pg.toServer = c.p.toServer;
    pg.fall = c.fall;
    pg.labelled = labelled;
    g_.packets.push_back(pg);
}

// The packets drawn one by one: falling ones (a sample of them in a flood), then those flying.
void StageLayout::sample(const std::vector<Candidate>& moving, const std::vector<Candidate>& falling) {
    const auto& m = kStage.packets;
    const double u = u_;
    const double glyph = m.glyph * u;
    const std::uint64_t movingMask = sampleMask(streamed_);
    const std::uint64_t fallingMask =
        falling.size() > static_cast<std::size_t>(options_.streamThreshold) ? sampleMask(falling.size()) : 0;
    for (const Candidate& c : falling) {
        const double f = std::clamp(c.fall, 0.0, 1.0);
        Candidate moved = c;
        // Falling: accelerating downwards, drifting back the way it came; each packet its own way
        // (a fixed hash of its index), so a burst of drops sprays instead of piling up.
        const double spread = unitHash(c.index),
                     speed = m.fallSpeedMin + m.fallSpeedSpread * unitHash(c.index ^ 0x5bd1e995u);
        const double drift = (c.p.toServer ? -1 : 1) * (m.fallDrift * u + spread * m.fallDriftSpread * u) * f;
        moved.pos = c.pos + QPointF(drift, m.fallDepth * u * speed * f * f);
        if ((mix(c.index) & fallingMask) == 0 || apart(c.p.flow)) add(moved, false);
    }
    // A stream's sample: a fixed hash of the packet index picks it (the same packet stays picked while
    // it flies), and of samples that would sit on top of each other only the first is kept.
    std::vector<std::vector<QPointF>> kept(groups_.size());
    for (const Candidate& c : moving) {
        if (apart(c.p.flow)) {
            add(c, true);
            continue;
        }
        const std::size_t k = streamOf_.at(streamKey(c.p));
        if (!asStream_[k]) {
            add(c, true);
            continue;
        }
        if ((mix(c.index) & movingMask) != 0) continue;
        const bool crowded = std::any_of(kept[k].begin(), kept[k].end(), [&](QPointF q) {
            return std::abs(q.x() - c.pos.x()) < glyph * m.crowdedShare &&
                   std::abs(q.y() - c.pos.y()) < glyph * m.crowdedShare;
        });
        if (crowded) continue;
        kept[k].push_back(c.pos);
        add(c, false);
    }
}

void StageLayout::packets() {
    std::vector<Candidate> moving, falling;
    gather(moving, falling);
    g_.packetsInFlight = static_cast<std::int64_t>(moving.size());
    group(moving);
    drops(falling);
    sample(moving, falling);
}

} // namespace

QRectF gaugeBar(const StageRenderer::QueueGeometry& q, double u) {
    const QRectF a = q.slotsArea;
    const double h = std::min(a.height(), kStage.queueSlots.gaugeHeight * u);
    return {a.left(), a.center().y() - h / 2, a.width(), h};
}

StageRenderer::Geometry layoutStage(const QRectF& target, const Simulation& sim, Time t,
                                    const StageRenderer::Options& options, const RunIndex& idx, Time linger) {
    return StageLayout(target, sim, t, options, idx, linger).run();
}

} // namespace backlog::views::stage
