#include "views/render/LadderRenderer.h"

#include "model/kernel/Simulation.h"

#include <QFont>
#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>
#include <QPen>

#include <algorithm>
#include <cmath>
#include <map>

namespace backlog::views {

namespace {

// The ladder's sizes, in one place: lengths in units of `u` (the target's width over refWidth, within
// bounds), `share`s fractions of the room they are taken from. Type sizes are scaled by the theme's
// fontScale where fonts are made (Painting::font); the rest is geometry and follows the target only.
struct LadderMetrics {
    double refWidth = 900.0;
    double unitMin = 0.6;
    double unitMax = 3.0;

    // The header with the lines' names, the time column on the left, the lines.
    struct Columns {
        double header = 46;
        double timeColumn = 92;     // right edge of the time labels
        double firstClient = 40;    // the first client's line, right of the time column
        double serverRoomMin = 140; // right of the server's line, at least
        double barsRoom = 60;       // right of its bars, for their names
        double spreadShare = 0.45;  // several clients: over this share of the room left of the server
        double spreadMin = 160;     // closer than this: evenly over the whole width instead
    } columns;

    // Rows: one per moment.
    struct Rows {
        double pitch = 26;
        double firstShare = 0.6; // the first row below the header, in rows
    } rows;

    // Bars beside the server's line: three per connection (SYN queue, accept queue, worker).
    struct Bars {
        double left = 8; // from the server's line
        double width = 10;
        double gap = 2;
        double openMin = 4; // the least height of a bar still going, and of one that ended
        double closedMin = 2;
    } bars;

    // Pixel sizes of the type on the reference (× Theme::fontScale).
    struct Type {
        double empty = 14; // "Select a connection …"
        double name = 12;
        double time = 10;
        double bar = 10;
        double fate = 9.5;
        double arrow = 11;
        double playhead = 10;
    } type;

    // Lines, labels and marks as painted.
    struct Paint {
        double emptyInset = 8;
        double lifeline = 1.5;
        double nameMax = 160; // a line's name, narrower where the lines are closer
        double nameGap = 6;
        double nameTop = 4;
        double nameBottom = 2; // the header's room below the names
        double serverNameLeft = 110;
        double serverNameRight = 50;
        double serverNameGap = 4; // clear of the last client's name
        double rowCull = 20;      // rows this far outside the view are skipped
        double rule = 0.6;
        double ruleLeft = 4;
        double timeHalf = 8; // a time label's half height
        double barOutline = 0.8;
        double barLabelGap = 3;
        double barLabelWidth = 90;
        double barLabelHeight = 14;
        double arrowPast = 2.0;
        double arrowFuture = 1.2;
        double headLength = 9;
        double headAngle = 0.4; // radians either side of the shaft
        double cross = 2.2;
        double crossHalf = 5;
        double fateWidth = 200;
        double fateGap = 10; // at the server: right of the box, to the cross
        double fateLeft = 8; // at the client: from the cross
        double fateDrop = 3;
        double fateHeight = 14;
        double labelHalfWidth = 90;
        double labelRise = 17;
        double labelHeight = 14;
        double labelStep = 0.22; // segments sent at the same moment: their labels this far apart, along
        double labelFirst = 0.5;
        double labelLast = 0.12;
        double playhead = 1.6;
        double tagHalf = 8;
    } paint;
};

constexpr LadderMetrics kLadder{};

QString seconds(Time t) {
    return QString::fromStdString(formatSecondsTrimmed(t)) + QStringLiteral(" s");
}

} // namespace

// What the diagram shows of the selected connections, gathered once per history and selection (a
// flood's history has millions of packets: scanning them every frame would not do).
struct LadderRenderer::Trace {
    const History* history = nullptr;
    std::size_t packets = 0;
    Time end;
    std::vector<std::uint32_t> clients;

    struct Stay {
        Bar::Kind kind;
        int column;
        Time from, to; // to: never while still there
        QString label;
    };
    std::vector<std::uint32_t> packetIndices; // of the selected flows, in order of sending
    std::vector<int> packetColumn;
    std::vector<Stay> stays;
    std::vector<Time> moments; // every distinct time a row is drawn for
};

LadderRenderer::LadderRenderer() = default;
LadderRenderer::~LadderRenderer() = default;

const LadderRenderer::Trace& LadderRenderer::trace(const Simulation& sim,
                                                   const std::vector<std::uint32_t>& clients) const {
    const History& h = sim.history();
    if (trace_ && trace_->history == &h && trace_->packets == h.packetCount() && trace_->end == h.end &&
        trace_->clients == clients)
        return *trace_;
    auto tr = std::make_unique<Trace>();
    tr->history = &h;
    tr->packets = h.packetCount();
    tr->end = h.end;
    tr->clients = clients;
    std::map<FlowId, int> column;
    for (std::size_t i = 0; i < clients.size(); ++i)
        if (clients[i] < h.clients.size()) column.emplace(clients[i], static_cast<int>(i));
    if (!column.empty()) {
        for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
            const Packet p = h.packet(i);
            const auto c = column.find(p.flow);
            if (c == column.end()) continue;
            tr->packetIndices.push_back(i);
            tr->packetColumn.push_back(c->second);
        }
        for (std::size_t l = 0; l < h.queues.size(); ++l) {
            for (int q = 0; q < 2; ++q) {
                const StayTrack& track = h.queues[l][static_cast<std::size_t>(q)];
                for (std::uint32_t s = 0; s < track.size(); ++s) {
                    const QueueEntry e = track.entry(s);
                    const auto c = column.find(e.flow);
                    if (c == column.end()) continue;
                    const bool syn = q == 0;
                    QString label = syn ? QStringLiteral("SYN queue") : QStringLiteral("accept queue");
                    if (h.queues.size() > 1) label += QStringLiteral(" %1").arg(l);
                    tr->stays.push_back({syn ? Bar::Kind::SynQueue : Bar::Kind::AcceptQueue, c->second,
                                         e.entered, e.left, label});
                }
            }
        }
        for (std::size_t w = 0; w < h.workers.size(); ++w) {
            const auto& changes = h.workers[w].changes;
            for (std::size_t k = 0; k < changes.size(); ++k) {
                if (changes[k].state != WorkerState::Serving) continue;
                const auto c = column.find(changes[k].flow);
                if (c == column.end()) continue;
                const Time to = k + 1 < changes.size() ? changes[k + 1].at : Time::never();
                tr->stays.push_back(
                    {Bar::Kind::Worker, c->second, changes[k].at, to, QStringLiteral("worker %1").arg(w)});
            }
        }
    }
    for (std::uint32_t i : tr->packetIndices) {
        const Packet p = h.packet(i);
        tr->moments.push_back(p.sent);
        if (!p.arrives.isNever()) tr->moments.push_back(p.arrives);
    }
    for (const Trace::Stay& s : tr->stays) {
        tr->moments.push_back(s.from);
        if (!s.to.isNever()) tr->moments.push_back(s.to);
    }
    std::sort(tr->moments.begin(), tr->moments.end());
    tr->moments.erase(std::unique(tr->moments.begin(), tr->moments.end()), tr->moments.end());
    trace_ = std::move(tr);
    return *trace_;
}

LadderRenderer::Geometry LadderRenderer::layout(const QRectF& target, const Simulation& sim, Time t,
                                                const std::vector<std::uint32_t>& clients) const {
    const Trace& tr = trace(sim, clients);
    const History& h = sim.history();
    Geometry g;
    g.target = target;
    const auto& mc = kLadder.columns;
    const auto& mb = kLadder.bars;
    const double u = std::clamp(target.width() / kLadder.refWidth, kLadder.unitMin, kLadder.unitMax);
    g.unit = u;
    g.header = QRectF(target.left(), target.top(), target.width(), mc.header * u);
    g.timeColumn = target.left() + mc.timeColumn * u;
    // Client lines spread over the left part, the server line on the right.
    const double left = g.timeColumn + mc.firstClient * u;
    // Room on the right for the bars (three per connection, side by side) and their names.
    const std::size_t n = std::max<std::size_t>(1, clients.size());
    const double bars = (mb.left + static_cast<double>(3 * n) * (mb.width + mb.gap)) * u;
    const double right = target.right() - std::max(mc.serverRoomMin * u, bars + mc.barsRoom * u);
    g.serverX = right;
    // Several clients: over the left part, or — where that leaves less than a name's width between
    // them (a narrow dock) — evenly over the whole width, the server's line included.
    double step = clients.size() > 1 ? (right - left) * mc.spreadShare / static_cast<double>(n - 1) : 0.0;
    if (clients.size() > 1 && step < mc.spreadMin * u) step = (right - left) / static_cast<double>(n);
    for (std::size_t i = 0; i < clients.size(); ++i)
        g.clientX.push_back(left + step * static_cast<double>(i));

    // Rows: the moment k sits k rows down; the playhead, interpolated between its neighbours, is kept
    // in the middle of the visible area while the content allows.
    const double row = kLadder.rows.pitch * u;
    const double top = g.header.bottom() + row * kLadder.rows.firstShare;
    const auto rowOf = [&](Time x) -> double {
        const auto& m = tr.moments;
        if (m.empty()) return 0;
        const auto after = std::upper_bound(m.begin(), m.end(), x);
        if (after == m.begin()) return 0;
        const auto k = static_cast<double>(after - m.begin() - 1);
        if (after == m.end()) return k;
        const Time a = *(after - 1);
        const Time b = *after;
        return k + static_cast<double>((x - a).count()) /
                       static_cast<double>(std::max<std::int64_t>(1, (b - a).count()));
    };
    const double content = static_cast<double>(tr.moments.size()) * row;
    const double visible = target.bottom() - top - row;
    const double playheadRow = rowOf(t) * row;
    g.scroll = std::clamp(playheadRow - visible / 2, 0.0, std::max(0.0, content - visible));
    const auto yOf = [&](Time x) { return top + rowOf(x) * row - g.scroll; };
    for (Time m : tr.moments)
        g.rows.push_back({m, yOf(m)});
    g.playheadY = yOf(t);

    for (std::size_t k = 0; k < tr.packetIndices.size(); ++k) {
        const Packet p = h.packet(tr.packetIndices[k]);
        Arrow a;
        a.packet = tr.packetIndices[k];
        a.column = tr.packetColumn[k];
        const double cx = g.clientX[static_cast<std::size_t>(a.column)];
        const double fromX = p.toServer ? cx : g.serverX;
        const double toX = p.toServer ? g.serverX : cx;
        a.from = QPointF(fromX, yOf(p.sent));
        a.to = QPointF(toX, yOf(p.arrives));
        a.label = QString::fromUtf8(packetKindName(p.kind).data());
        if (p.retrans > 0) a.label += QStringLiteral(" #%1").arg(p.retrans);
        if (p.cookie) a.label += QStringLiteral(" (cookie)");
        if (p.fate != PacketFate::Delivered && p.fate != PacketFate::InFlight)
            a.fate = QString::fromUtf8(packetFateName(p.fate).data());
        if (p.fate == PacketFate::LostInNetwork) a.to = (a.from + a.to) / 2; // lost on the way
        a.future = p.sent > t;
        g.arrows.push_back(a);
    }
    for (const Trace::Stay& s : tr.stays) {
        Bar b;
        b.kind = s.kind;
        b.column = s.column;
        b.label = s.label;
        b.open = s.to.isNever();
        const double offset =
            (static_cast<double>(s.column) * 3 + static_cast<double>(s.kind)) * (mb.width + mb.gap) * u;
        const double x = g.serverX + mb.left * u + offset;
        const double y0 = yOf(s.from);
        const double y1 = s.to.isNever() ? std::max(yOf(h.end), y0 + mb.openMin * u)
                                         : std::max(yOf(s.to), y0 + mb.closedMin * u);
        b.rect = QRectF(x, y0, mb.width * u, y1 - y0);
        g.bars.push_back(b);
    }
    return g;
}

Time LadderRenderer::timeAt(double y, const Geometry& g) const {
    if (g.rows.empty()) return Time();
    if (y <= g.rows.front().y) return g.rows.front().at;
    for (std::size_t k = 1; k < g.rows.size(); ++k) {
        if (y > g.rows[k].y) continue;
        const Row& a = g.rows[k - 1];
        const Row& b = g.rows[k];
        const double f = (y - a.y) / std::max(1e-9, b.y - a.y);
        return a.at + Time::ns(static_cast<std::int64_t>(
                          std::llround(f * static_cast<double>((b.at - a.at).count()))));
    }
    return g.rows.back().at;
}

namespace {

// Everything painting needs: the painter, the theme, the target, and where labels that do not fit go.
struct Painting {
    QPainter& p;
    const Theme& th;
    const QRectF& target;
    double u;
    LabelOverflows* overflows;

    // `px` on the reference, scaled by the target and the theme's type.
    QFont font(double px, bool bold = false, bool mono = false) const {
        QFont f(mono ? th.monoFamily : th.sansFamily);
        f.setPixelSize(std::max(1, static_cast<int>(std::lround(px * u * th.fontScale))));
        f.setBold(bold);
        return f;
    }
    // Every label, in its box within the picture (`scrolled`: in the rows, where the top and the bottom
    // only scroll out of view).
    void label(const QRectF& box, int flags, const QString& text, const QFont& f, const QColor& colour,
               bool scrolled = false) const {
        const QRectF within = p.transform().inverted().mapRect(target);
        if (scrolled && (box.bottom() < within.top() || box.top() > within.bottom())) return; // out of view
        const double left = std::max(box.left(), within.left()),
                     right = std::min(box.right(), within.right());
        const QRectF room = scrolled ? QRectF(left, box.top(), std::max(0.0, right - left), box.height())
                                     : box.intersected(within);
        drawLabel(p, room, flags, text, f, colour, {}, overflows, u"ladder");
    }
};

// The lines and their names: each client's, and the server's clear of the last client's.
void lineNames(const Painting& c, const LadderRenderer::Geometry& g, const Simulation& sim,
               const std::vector<std::uint32_t>& clients) {
    const auto& m = kLadder.paint;
    const auto& type = kLadder.type;
    QPainter& p = c.p;
    const double u = c.u;
    const double body = g.header.bottom();
    p.setPen(QPen(c.th.panelBorder, m.lifeline * u));
    for (double x : g.clientX)
        p.drawLine(QPointF(x, body), QPointF(x, c.target.bottom()));
    p.drawLine(QPointF(g.serverX, body), QPointF(g.serverX, c.target.bottom()));
    // Each line's name as wide as the room between it and its neighbours.
    std::vector<double> lines = g.clientX;
    lines.push_back(g.serverX);
    double nameW = m.nameMax * u;
    for (std::size_t i = 1; i < lines.size(); ++i)
        nameW = std::min(nameW, lines[i] - lines[i - 1] - m.nameGap * u);
    const double nameTop = g.header.top() + m.nameTop * u;
    const double nameHeight = g.header.height() - (m.nameTop + m.nameBottom) * u;
    for (std::size_t i = 0; i < clients.size(); ++i) {
        const QString name = QStringLiteral("client %1\n%2")
                                 .arg(clients[i])
                                 .arg(clients[i] < sim.history().clients.size()
                                          ? QString::fromStdString(sim.peerAddress(clients[i]))
                                          : QString());
        // Shorter where the room is narrow: "c3" as the stage names it, then the port alone (a traffic
        // entry's clients share their address).
        const QRectF room(g.clientX[i] - nameW / 2, nameTop, nameW, nameHeight);
        const QString address = name.section(QLatin1Char('\n'), 1);
        QStringList names{
            name, QStringLiteral("c%1\n%2").arg(clients[i]).arg(address),
            QStringLiteral("c%1\n:%2").arg(clients[i]).arg(address.section(QLatin1Char(':'), -1))};
        while (names.size() > 1 &&
               !fitLabel(room, Qt::AlignHCenter | Qt::AlignBottom, names.front(), c.font(type.name, true))
                    .complete)
            names.removeFirst();
        c.label(room, Qt::AlignHCenter | Qt::AlignBottom, names.front(), c.font(type.name, true), c.th.text);
    }
    const double serverLeft =
        std::max(g.serverX - m.serverNameLeft * u,
                 clients.empty() ? c.target.left() : g.clientX.back() + nameW / 2 + m.serverNameGap * u);
    c.label(QRectF(serverLeft, nameTop, g.serverX + m.serverNameRight * u - serverLeft, nameHeight),
            Qt::AlignHCenter | Qt::AlignBottom,
            QStringLiteral("server\n%1:%2")
                .arg(QString::fromStdString(sim.serverAddress()))
                .arg(sim.scenario().server.port),
            c.font(type.name, true), c.th.text);
}

// Moments: a faint rule and the time in the left column.
void moments(const Painting& c, const LadderRenderer::Geometry& g, Time t) {
    const auto& m = kLadder.paint;
    const double u = c.u;
    const double body = g.header.bottom();
    const QFont fTime = c.font(kLadder.type.time, false, true);
    for (const LadderRenderer::Row& r : g.rows) {
        if (r.y < body - m.rowCull * u || r.y > c.target.bottom() + m.rowCull * u) continue;
        c.p.setPen(QPen(c.th.wire, m.rule * u, Qt::DotLine));
        c.p.drawLine(QPointF(g.timeColumn + m.ruleLeft * u, r.y), QPointF(c.target.right(), r.y));
        c.label(
            QRectF(c.target.left(), r.y - m.timeHalf * u, g.timeColumn - c.target.left(), 2 * m.timeHalf * u),
            Qt::AlignRight | Qt::AlignVCenter, seconds(r.at), fTime, r.at > t ? c.th.mutedText : c.th.text,
            true);
    }
}

// Bars on the server line: how long the connection waited where.
void bars(const Painting& c, const LadderRenderer::Geometry& g) {
    using Bar = LadderRenderer::Bar;
    const auto& m = kLadder.paint;
    QPainter& p = c.p;
    const Theme& th = c.th;
    const double u = c.u;
    const QFont fBar = c.font(kLadder.type.bar);
    for (const Bar& b : g.bars) {
        QColor fill = b.kind == Bar::Kind::SynQueue      ? th.synEntry
                      : b.kind == Bar::Kind::AcceptQueue ? th.acceptEntry
                                                         : th.workerServing;
        p.setPen(QPen(th.slotBorder, m.barOutline * u));
        p.setBrush(fill);
        p.drawRect(b.rect);
        p.save();
        p.translate(b.rect.right() + m.barLabelGap * u, b.rect.top());
        // The name, or its short form where the picture ends before it ("SYN", "accept", "w3").
        QRectF room = QRectF(0, 0, m.barLabelWidth * u, m.barLabelHeight * u)
                          .intersected(p.transform().inverted().mapRect(c.target));
        room = QRectF(room.left(), 0, room.width(), m.barLabelHeight * u);
        QString brief = b.label;
        brief.replace(QLatin1String("SYN queue"), QLatin1String("SYN"))
            .replace(QLatin1String("accept queue"), QLatin1String("accept"))
            .replace(QLatin1String("worker "), QLatin1String("w"));
        const QString shown =
            fitLabel(room, Qt::AlignLeft | Qt::AlignTop, b.label, fBar).complete ? b.label : brief;
        c.label(room, Qt::AlignLeft | Qt::AlignTop, shown, fBar, th.mutedText, true);
        p.restore();
    }
}

// A drop: a cross where it ended, with its reason beside it.
void dropMark(const Painting& c, const LadderRenderer::Arrow& a, bool atServer) {
    const auto& m = kLadder.paint;
    const double u = c.u;
    QColor alert = c.th.alert;
    if (a.future) alert.setAlpha(80);
    c.p.setPen(QPen(alert, m.cross * u));
    const double s = m.crossHalf * u;
    c.p.drawLine(a.to + QPointF(-s, -s), a.to + QPointF(s, s));
    c.p.drawLine(a.to + QPointF(-s, s), a.to + QPointF(s, -s));
    const QRectF box = atServer ? QRectF(a.to.x() - (m.fateWidth + m.fateGap) * u, a.to.y() + m.fateDrop * u,
                                         m.fateWidth * u, m.fateHeight * u)
                                : QRectF(a.to.x() + m.fateLeft * u, a.to.y() + m.fateDrop * u,
                                         m.fateWidth * u, m.fateHeight * u);
    c.label(box, static_cast<int>((atServer ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter), a.fate,
            c.font(kLadder.type.fate), alert, true);
}

// Arrows, with their labels; a drop ends in a cross with its reason. Segments sent at the same
// moment (an ACK and the request right behind it) have their labels spread along the arrow.
void arrows(const Painting& c, const LadderRenderer::Geometry& g, const Simulation& sim) {
    const auto& m = kLadder.paint;
    QPainter& p = c.p;
    const double u = c.u;
    std::map<std::pair<std::int64_t, int>, int> sameMoment;
    for (const LadderRenderer::Arrow& a : g.arrows) {
        const Packet pk = sim.history().packet(a.packet);
        QColor colour = c.th.packetColor(pk.kind, false);
        if (a.future) colour.setAlpha(60);
        p.setPen(QPen(colour, (a.future ? m.arrowFuture : m.arrowPast) * u,
                      pk.retrans > 0 ? Qt::DashLine : Qt::SolidLine));
        p.drawLine(a.from, a.to);
        const QLineF line(a.from, a.to);
        if (a.fate.isEmpty()) {
            const double angle = std::atan2(a.to.y() - a.from.y(), a.to.x() - a.from.x());
            const double len = m.headLength * u;
            QPainterPath head;
            head.moveTo(a.to);
            head.lineTo(a.to -
                        QPointF(std::cos(angle - m.headAngle) * len, std::sin(angle - m.headAngle) * len));
            head.lineTo(a.to -
                        QPointF(std::cos(angle + m.headAngle) * len, std::sin(angle + m.headAngle) * len));
            head.closeSubpath();
            p.fillPath(head, colour);
        } else {
            dropMark(c, a, pk.toServer);
        }
        // The label sits above the middle of the arrow.
        const int k = sameMoment[{std::llround(a.from.y() * 8), a.from.x() < a.to.x() ? 1 : 0}]++;
        const QPointF mid =
            line.pointAt(std::clamp(m.labelFirst - m.labelStep * k, m.labelLast, m.labelFirst));
        c.label(QRectF(mid.x() - m.labelHalfWidth * u, mid.y() - m.labelRise * u, 2 * m.labelHalfWidth * u,
                       m.labelHeight * u),
                Qt::AlignCenter, a.label, c.font(kLadder.type.arrow, true),
                a.future ? c.th.mutedText : c.th.text, true);
    }
}

void playhead(const Painting& c, const LadderRenderer::Geometry& g, Time t) {
    const auto& m = kLadder.paint;
    const double u = c.u;
    c.p.setPen(QPen(c.th.syn, m.playhead * u));
    c.p.drawLine(QPointF(c.target.left(), g.playheadY), QPointF(c.target.right(), g.playheadY));
    const QRectF tag(c.target.left(), g.playheadY - m.tagHalf * u, g.timeColumn - c.target.left(),
                     2 * m.tagHalf * u);
    c.p.fillRect(tag, c.th.background); // over the moments' times, which it would otherwise cross
    c.label(tag, Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("▶ ") + seconds(t),
            c.font(kLadder.type.playhead, true, true), c.th.syn);
}

} // namespace

void LadderRenderer::paint(QPainter& p, const QRectF& target, const Simulation& sim, Time t, const Theme& th,
                           const std::vector<std::uint32_t>& clients, LabelOverflows* overflows) const {
    const Geometry g = layout(target, sim, t, clients);
    const double u = g.unit;
    const Painting c{p, th, target, u, overflows};
    p.save();
    p.setClipRect(target, Qt::IntersectClip);
    p.setRenderHint(QPainter::Antialiasing, true);
    p.fillRect(target, th.background);
    if (clients.empty()) {
        const double inset = kLadder.paint.emptyInset * u;
        c.label(target.adjusted(inset, inset, -inset, -inset), Qt::AlignCenter | Qt::TextWordWrap,
                QStringLiteral(
                    "Select a connection (click a client, a queue slot or a packet) to see its ladder. "
                    "Ctrl+click adds more."),
                c.font(kLadder.type.empty), th.mutedText);
        p.restore();
        return;
    }
    lineNames(c, g, sim, clients);
    p.save();
    const double body = g.header.bottom();
    p.setClipRect(QRectF(target.left(), body, target.width(), target.bottom() - body), Qt::IntersectClip);
    moments(c, g, t);
    bars(c, g);
    arrows(c, g, sim);
    playhead(c, g, t);
    p.restore();
    p.restore();
}

} // namespace backlog::views
