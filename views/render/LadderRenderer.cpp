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

// Reference sizes, in units of `u` (the target's width / 900, within reason).
constexpr double kRow = 26;
constexpr double kHeader = 46;
constexpr double kTimeColumn = 92;
constexpr double kBarWidth = 10;

QString seconds(Time t) { return QString::fromStdString(formatSecondsTrimmed(t)) + QStringLiteral(" s"); }

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

const LadderRenderer::Trace& LadderRenderer::trace(const Simulation& sim, const std::vector<std::uint32_t>& clients) const {
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
                    tr->stays.push_back({syn ? Bar::Kind::SynQueue : Bar::Kind::AcceptQueue, c->second, e.entered,
                                         e.left, label});
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
                tr->stays.push_back({Bar::Kind::Worker, c->second, changes[k].at, to, QStringLiteral("worker %1").arg(w)});
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
    const double u = std::clamp(target.width() / 900.0, 0.6, 3.0);
    g.unit = u;
    g.header = QRectF(target.left(), target.top(), target.width(), kHeader * u);
    g.timeColumn = target.left() + kTimeColumn * u;
    // Client lines spread over the left part, the server line on the right.
    const double left = g.timeColumn + 40 * u;
    // Room on the right for the bars (three per connection, side by side) and their names.
    const std::size_t n = std::max<std::size_t>(1, clients.size());
    const double bars = (8 + static_cast<double>(3 * n) * (kBarWidth + 2)) * u;
    const double right = target.right() - std::max(140 * u, bars + 60 * u);
    g.serverX = right;
    // Several clients: over the left part, or — where that leaves less than a name's width between
    // them (a narrow dock) — evenly over the whole width, the server's line included.
    double step = clients.size() > 1 ? (right - left) * 0.45 / static_cast<double>(n - 1) : 0.0;
    if (clients.size() > 1 && step < 160 * u) step = (right - left) / static_cast<double>(n);
    for (std::size_t i = 0; i < clients.size(); ++i) g.clientX.push_back(left + step * static_cast<double>(i));

    // Rows: the moment k sits k rows down; the playhead, interpolated between its neighbours, is kept
    // in the middle of the visible area while the content allows.
    const double row = kRow * u;
    const double top = g.header.bottom() + row * 0.6;
    const auto rowOf = [&](Time x) -> double {
        const auto& m = tr.moments;
        if (m.empty()) return 0;
        const auto after = std::upper_bound(m.begin(), m.end(), x);
        if (after == m.begin()) return 0;
        const auto k = static_cast<double>(after - m.begin() - 1);
        if (after == m.end()) return k;
        const Time a = *(after - 1);
        const Time b = *after;
        return k + static_cast<double>((x - a).count()) / static_cast<double>(std::max<std::int64_t>(1, (b - a).count()));
    };
    const double content = static_cast<double>(tr.moments.size()) * row;
    const double visible = target.bottom() - top - row;
    const double playheadRow = rowOf(t) * row;
    g.scroll = std::clamp(playheadRow - visible / 2, 0.0, std::max(0.0, content - visible));
    const auto yOf = [&](Time x) { return top + rowOf(x) * row - g.scroll; };
    for (Time m : tr.moments) g.rows.push_back({m, yOf(m)});
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
        const double offset = (static_cast<double>(s.column) * 3 + static_cast<double>(s.kind)) * (kBarWidth + 2) * u;
        const double x = g.serverX + 8 * u + offset;
        const double y0 = yOf(s.from);
        const double y1 = s.to.isNever() ? std::max(yOf(h.end), y0 + 4 * u) : std::max(yOf(s.to), y0 + 2 * u);
        b.rect = QRectF(x, y0, kBarWidth * u, y1 - y0);
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
        return a.at + Time::ns(static_cast<std::int64_t>(std::llround(f * static_cast<double>((b.at - a.at).count()))));
    }
    return g.rows.back().at;
}

void LadderRenderer::paint(QPainter& p, const QRectF& target, const Simulation& sim, Time t, const Theme& th,
                           const std::vector<std::uint32_t>& clients, LabelOverflows* overflows) const {
    const Geometry g = layout(target, sim, t, clients);
    const double u = g.unit;
    const auto font = [&](double px, bool bold = false, bool mono = false) {
        QFont f(mono ? th.monoFamily : th.sansFamily);
        f.setPixelSize(std::max(1, static_cast<int>(std::lround(px * u * th.fontScale))));
        f.setBold(bold);
        return f;
    };
    // Every label, in its box within the picture (`scrolled`: in the rows, where the top and the bottom
    // only scroll out of view).
    const auto label = [&](const QRectF& box, int flags, const QString& text, const QFont& f, const QColor& colour,
                           bool scrolled = false) {
        const QRectF within = p.transform().inverted().mapRect(target);
        if (scrolled && (box.bottom() < within.top() || box.top() > within.bottom())) return; // out of view
        const double left = std::max(box.left(), within.left()), right = std::min(box.right(), within.right());
        const QRectF room = scrolled ? QRectF(left, box.top(), std::max(0.0, right - left), box.height())
                                     : box.intersected(within);
        drawLabel(p, room, flags, text, f, colour, {}, overflows, u"ladder");
    };
    p.save();
    p.setClipRect(target, Qt::IntersectClip);
    p.setRenderHint(QPainter::Antialiasing, true);
    p.fillRect(target, th.background);
    if (clients.empty()) {
        label(target.adjusted(8 * u, 8 * u, -8 * u, -8 * u), Qt::AlignCenter | Qt::TextWordWrap,
              QStringLiteral("Select a connection (click a client, a queue slot or a packet) to see its ladder. "
                             "Ctrl+click adds more."),
              font(14), th.mutedText);
        p.restore();
        return;
    }
    const QColor faint = th.mutedText;
    // Lines and their names.
    const double body = g.header.bottom();
    p.setPen(QPen(th.panelBorder, 1.5 * u));
    for (double x : g.clientX) p.drawLine(QPointF(x, body), QPointF(x, target.bottom()));
    p.drawLine(QPointF(g.serverX, body), QPointF(g.serverX, target.bottom()));
    // Each line's name as wide as the room between it and its neighbours.
    std::vector<double> lines = g.clientX;
    lines.push_back(g.serverX);
    double nameW = 160 * u;
    for (std::size_t i = 1; i < lines.size(); ++i) nameW = std::min(nameW, lines[i] - lines[i - 1] - 6 * u);
    for (std::size_t i = 0; i < clients.size(); ++i) {
        const QString name = QStringLiteral("client %1\n%2")
                                 .arg(clients[i])
                                 .arg(clients[i] < sim.history().clients.size()
                                          ? QString::fromStdString(sim.peerAddress(clients[i]))
                                          : QString());
        // Shorter where the room is narrow: "c3" as the stage names it, then the port alone (a traffic
        // entry's clients share their address).
        const QRectF room(g.clientX[i] - nameW / 2, g.header.top() + 4 * u, nameW, g.header.height() - 6 * u);
        const QString address = name.section(QLatin1Char('\n'), 1);
        QStringList names{name, QStringLiteral("c%1\n%2").arg(clients[i]).arg(address),
                          QStringLiteral("c%1\n:%2").arg(clients[i]).arg(address.section(QLatin1Char(':'), -1))};
        while (names.size() > 1 && !fitLabel(room, Qt::AlignHCenter | Qt::AlignBottom, names.front(), font(12, true)).complete)
            names.removeFirst();
        label(room, Qt::AlignHCenter | Qt::AlignBottom, names.front(), font(12, true), th.text);
    }
    // The server's name clear of the last client's.
    const double serverLeft =
        std::max(g.serverX - 110 * u, clients.empty() ? target.left() : g.clientX.back() + nameW / 2 + 4 * u);
    label(QRectF(serverLeft, g.header.top() + 4 * u, g.serverX + 50 * u - serverLeft, g.header.height() - 6 * u),
          Qt::AlignHCenter | Qt::AlignBottom,
          QStringLiteral("server\n%1:%2").arg(QString::fromStdString(sim.serverAddress())).arg(sim.scenario().server.port),
          font(12, true), th.text);
    p.save();
    p.setClipRect(QRectF(target.left(), body, target.width(), target.bottom() - body), Qt::IntersectClip);

    // Moments: a faint rule and the time in the left column.
    const QFont fTime = font(10, false, true);
    for (const Row& r : g.rows) {
        if (r.y < body - 20 * u || r.y > target.bottom() + 20 * u) continue;
        p.setPen(QPen(th.wire, 0.6 * u, Qt::DotLine));
        p.drawLine(QPointF(g.timeColumn + 4 * u, r.y), QPointF(target.right(), r.y));
        label(QRectF(target.left(), r.y - 8 * u, g.timeColumn - target.left(), 16 * u), Qt::AlignRight | Qt::AlignVCenter,
              seconds(r.at), fTime, r.at > t ? faint : th.text, true);
    }
    // Bars on the server line: how long the connection waited where.
    const QFont fBar = font(10);
    for (const Bar& b : g.bars) {
        QColor fill = b.kind == Bar::Kind::SynQueue ? th.synEntry : b.kind == Bar::Kind::AcceptQueue ? th.acceptEntry : th.workerServing;
        p.setPen(QPen(th.slotBorder, 0.8 * u));
        p.setBrush(fill);
        p.drawRect(b.rect);
        p.save();
        p.translate(b.rect.right() + 3 * u, b.rect.top());
        // The name, or its short form where the picture ends before it ("SYN", "accept", "w3").
        QRectF room = QRectF(0, 0, 90 * u, 14 * u).intersected(p.transform().inverted().mapRect(target));
        room = QRectF(room.left(), 0, room.width(), 14 * u);
        QString brief = b.label;
        brief.replace(QLatin1String("SYN queue"), QLatin1String("SYN"))
            .replace(QLatin1String("accept queue"), QLatin1String("accept"))
            .replace(QLatin1String("worker "), QLatin1String("w"));
        const QString shown = fitLabel(room, Qt::AlignLeft | Qt::AlignTop, b.label, fBar).complete ? b.label : brief;
        label(room, Qt::AlignLeft | Qt::AlignTop, shown, fBar, th.mutedText, true);
        p.restore();
    }
    // Arrows, with their labels; a drop ends in a cross with its reason. Segments sent at the same
    // moment (an ACK and the request right behind it) have their labels spread along the arrow.
    std::map<std::pair<std::int64_t, int>, int> sameMoment;
    for (const Arrow& a : g.arrows) {
        const Packet pk = sim.history().packet(a.packet);
        QColor c = th.packetColor(pk.kind, false);
        if (a.future) c.setAlpha(60);
        p.setPen(QPen(c, (a.future ? 1.2 : 2.0) * u, pk.retrans > 0 ? Qt::DashLine : Qt::SolidLine));
        p.drawLine(a.from, a.to);
        const QLineF line(a.from, a.to);
        if (a.fate.isEmpty()) {
            // Arrowhead.
            const double angle = std::atan2(a.to.y() - a.from.y(), a.to.x() - a.from.x());
            const double len = 9 * u;
            QPainterPath head;
            head.moveTo(a.to);
            head.lineTo(a.to - QPointF(std::cos(angle - 0.4) * len, std::sin(angle - 0.4) * len));
            head.lineTo(a.to - QPointF(std::cos(angle + 0.4) * len, std::sin(angle + 0.4) * len));
            head.closeSubpath();
            p.fillPath(head, c);
        } else {
            QColor alert = th.alert;
            if (a.future) alert.setAlpha(80);
            p.setPen(QPen(alert, 2.2 * u));
            const double s = 5 * u;
            p.drawLine(a.to + QPointF(-s, -s), a.to + QPointF(s, s));
            p.drawLine(a.to + QPointF(-s, s), a.to + QPointF(s, -s));
            const bool atServer = pk.toServer;
            const QRectF box = atServer ? QRectF(a.to.x() - 210 * u, a.to.y() + 3 * u, 200 * u, 14 * u)
                                        : QRectF(a.to.x() + 8 * u, a.to.y() + 3 * u, 200 * u, 14 * u);
            label(box, static_cast<int>((atServer ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter), a.fate, font(9.5),
                  alert, true);
        }
        // The label sits above the middle of the arrow.
        const int k = sameMoment[{std::llround(a.from.y() * 8), a.from.x() < a.to.x() ? 1 : 0}]++;
        const QPointF mid = line.pointAt(std::clamp(0.5 - 0.22 * k, 0.12, 0.5));
        label(QRectF(mid.x() - 90 * u, mid.y() - 17 * u, 180 * u, 14 * u), Qt::AlignCenter, a.label, font(11, true),
              a.future ? faint : th.text, true);
    }
    // The playhead.
    p.setPen(QPen(th.syn, 1.6 * u));
    p.drawLine(QPointF(target.left(), g.playheadY), QPointF(target.right(), g.playheadY));
    const QRectF tag(target.left(), g.playheadY - 8 * u, g.timeColumn - target.left(), 16 * u);
    p.fillRect(tag, th.background); // over the moments' times, which it would otherwise cross
    label(tag, Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("▶ ") + seconds(t), font(10, true, true), th.syn);
    p.restore();
    p.restore();
}

} // namespace backlog::views
