#include "views/render/StagePainters.h"

#include "model/kernel/Simulation.h"

#include <QFontMetricsF>

#include <algorithm>
#include <array>

namespace backlog::views::stage {

QColor withAlpha(QColor c, double a) {
    c.setAlphaF(static_cast<float>(std::clamp(a, 0.0, 1.0)));
    return c;
}

QColor textOn(const QColor& fill, const Theme& th) {
    const double lum = 0.2126 * static_cast<double>(fill.redF()) +
                       0.7152 * static_cast<double>(fill.greenF()) +
                       0.0722 * static_cast<double>(fill.blueF());
    return lum > 0.55 ? QColor(0x1B, 0x1B, 0x1B) : th.entryText;
}

QString packetLabelText(PacketKind kind, bool cookie, int retrans) {
    QString s = latin1(packetKindName(kind));
    if (cookie && kind == PacketKind::SynAck) s += QLatin1String(" cookie");
    if (retrans > 0) s += QStringLiteral(" #%1").arg(retrans);
    return s;
}

// The proportions below are each shape's own, in radii: the radius itself is the theme's (Glyphs).
void drawGlyph(QPainter& p, const Theme& th, QPointF c, double r, PacketKind kind, bool cookie, bool spoofed,
               bool toServer, double outline) {
    const QColor fill = th.packetColor(kind, spoofed);
    QPen pen(th.glyphOutline, outline, cookie ? Qt::DashLine : Qt::SolidLine, Qt::FlatCap, Qt::MiterJoin);
    p.setPen(pen);
    p.setBrush(fill);
    switch (kind) {
    case PacketKind::Syn:
        if (spoofed) {
            // Spoofed: a hollow ring in the attacker's colour (no one will answer its SYN-ACK).
            p.setPen(QPen(fill, std::max(outline * 2.2, r * 0.45)));
            p.setBrush(Qt::NoBrush);
            p.drawEllipse(c, r * 0.78, r * 0.78);
        } else {
            p.drawEllipse(c, r, r);
        }
        break;
    case PacketKind::SynAck: {
        const std::array<QPointF, 4> pts{c + QPointF(0, -r * 1.15), c + QPointF(r * 1.15, 0),
                                         c + QPointF(0, r * 1.15), c + QPointF(-r * 1.15, 0)};
        if (cookie) pen.setWidthF(outline * 1.6);
        p.setPen(pen);
        p.drawPolygon(pts.data(), static_cast<int>(pts.size()));
        break;
    }
    case PacketKind::Ack:
        p.drawRect(QRectF(c.x() - r * 0.9, c.y() - r * 0.9, r * 1.8, r * 1.8));
        break;
    case PacketKind::Data: {
        const QRectF env(c.x() - r * 1.25, c.y() - r * 0.8, r * 2.5, r * 1.6);
        p.drawRect(env);
        const std::array<QPointF, 3> flap{
            env.topLeft(), QPointF(env.center().x(), env.center().y() + r * 0.1), env.topRight()};
        p.setBrush(Qt::NoBrush);
        p.drawPolyline(flap.data(), 3);
        break;
    }
    case PacketKind::Fin: {
        const double s = toServer ? 1 : -1;
        const std::array<QPointF, 3> pts{c + QPointF(s * r * 1.2, 0), c + QPointF(-s * r * 0.9, -r * 1.05),
                                         c + QPointF(-s * r * 0.9, r * 1.05)};
        p.drawPolygon(pts.data(), 3);
        break;
    }
    case PacketKind::Rst: {
        std::array<QPointF, 8> pts;
        for (std::size_t k = 0; k < 8; ++k) {
            const double a = (dbl(static_cast<int>(k)) + 0.5) * 3.14159265358979 / 4;
            pts[k] = c + QPointF(std::cos(a) * r * 1.05, std::sin(a) * r * 1.05);
        }
        p.drawPolygon(pts.data(), 8);
        break;
    }
    }
}

// ------------------------------------------------------------------------------------------ Ctx

Ctx::Ctx(QPainter& painter, const Theme& theme, const StageRenderer::Geometry& geometry,
         const Simulation& simulation, Time at, SpriteCache* spriteCache, double pixelRatio,
         LabelOverflows* overflowSink, std::vector<ElidedLabel>* elidedSink)
    : p(painter), th(theme), g(geometry), sim(simulation), h(simulation.history()), sc(simulation.scenario()),
      t(at), u(geometry.unit), sprites(spriteCache), dpr(pixelRatio), overflows(overflowSink),
      elided(elidedSink) {
    const auto& m = kStage.type;
    fTitle = font(m.title, true);
    fClock = font(m.clock, true, true);
    fPanel = font(m.panel, true);
    fBody = font(m.body);
    fBodyBold = font(m.body, true);
    fSmall = font(m.small);
    fMono = font(m.mono, false, true);
    fMonoBold = font(m.monoBold, true, true);
    fBig = font(m.big, true, true);
    fLabel = font(m.label, true);
}

QFont Ctx::font(double px, bool bold, bool mono) const {
    QFont f(mono ? th.monoFamily : th.sansFamily);
    f.setPixelSize(std::max(1, static_cast<int>(std::lround(px * u * th.fontScale))));
    f.setBold(bold);
    f.setHintingPreference(QFont::PreferNoHinting);
    f.setStyleStrategy(static_cast<QFont::StyleStrategy>(QFont::PreferAntialias | QFont::NoSubpixelAntialias |
                                                         QFont::NoFontMerging));
    return f;
}

FittedLabel Ctx::text(const QRectF& r, int flags, const QString& s, const QFont& f, const QColor& c,
                      const TextFit& fit) const {
    const FittedLabel out = drawLabel(p, r.intersected(g.target), flags, s, f, c, fit, overflows, u"stage");
    if (!out.complete && elided) elided->push_back({r, s});
    return out;
}

bool Ctx::fits(const QRectF& r, int flags, const QString& s, const QFont& f, const TextFit& fit) const {
    return fitLabel(r, flags, s, f, fit).complete;
}

FittedLabel Ctx::firstFitting(const QRectF& r, int flags, const QStringList& candidates, const QFont& f,
                              const QColor& c, const TextFit& fit) const {
    for (qsizetype k = 0; k + 1 < candidates.size(); ++k)
        if (fits(r, flags, candidates[k], f, fit)) return text(r, flags, candidates[k], f, c, fit);
    return text(r, flags, candidates.isEmpty() ? QString() : candidates.last(), f, c, fit);
}

void Ctx::panel(const QRectF& r, const QString& title) const {
    const auto& m = kStage.panels;
    p.setPen(pen(th.panelBorder, kStage.lines.panel));
    p.setBrush(th.panel);
    p.drawRoundedRect(r, m.radius * u, m.radius * u);
    if (!title.isEmpty())
        text(QRectF(r.left() + m.titleInset * u, r.top() + m.titleTop * u, r.width() - 2 * m.titleInset * u,
                    m.titleHeight * u),
             Qt::AlignLeft | Qt::AlignVCenter, title, fPanel, th.text);
}

QRectF Ctx::panelSubtitle(const QRectF& r) const {
    const auto& m = kStage.panels;
    return {r.left() + m.titleInset * u, r.top() + m.subtitleTop * u, r.width() - 2 * m.titleInset * u,
            m.subtitleHeight * u};
}

QRectF headerLeft(const StageRenderer::ListenerGeometry& L, double u) {
    const auto& m = kStage.listenerPaint;
    return {L.header.left(), L.header.top(), L.header.width() * m.headerNameShare - m.headerSplitGap * u,
            L.header.height()};
}

QRectF headerRight(const StageRenderer::ListenerGeometry& L, double u) {
    const auto& m = kStage.listenerPaint;
    return {L.header.left() + L.header.width() * m.headerNameShare + m.headerSplitGap * u, L.header.top(),
            L.header.width() * m.headerSsShare - m.headerSplitGap * u, L.header.height()};
}

double slotRadius(const StageRenderer::QueueGeometry& q) {
    if (q.slotRects.empty()) return 0;
    return std::min(q.slotRects[0].width(), q.slotRects[0].height()) * kStage.slotPaint.radiusShare;
}

// ------------------------------------------------------------------------------------------ clients

namespace {

QColor lookColour(const Theme& th, ClientLook l) {
    switch (l) {
    case ClientLook::NotYet:
        return th.panel;
    case ClientLook::Connecting:
    case ClientLook::Retrying:
        return th.syn;
    case ClientLook::Waiting:
        return withAlpha(th.acceptEntry, 0.3);
    case ClientLook::Accepted:
        return th.acceptEntry;
    case ClientLook::Ghost:
        return withAlpha(th.alert, 0.25);
    case ClientLook::Done:
        return th.clientDone;
    case ClientLook::Failed:
        return th.alert;
    case ClientLook::Count_:
        break;
    }
    return th.panel;
}

// A client's marker: a rounded box in its look's colour (its proportions are the marker's own).
void clientMarker(const Ctx& c, QPointF at, double r, ClientLook look) {
    const Theme& th = c.th;
    Qt::PenStyle style = Qt::SolidLine;
    QColor border = th.glyphOutline;
    if (look == ClientLook::NotYet) {
        style = Qt::DotLine;
        border = th.mutedText;
    } else if (look == ClientLook::Ghost) {
        style = Qt::DashLine;
        border = th.alert;
    } else if (look == ClientLook::Waiting) {
        border = th.acceptEntry;
    }
    const auto& lines = kStage.lines;
    c.p.setPen(c.pen(
        border, look == ClientLook::Ghost || look == ClientLook::Waiting ? lines.clientLoud : lines.client,
        style));
    c.p.setBrush(lookColour(th, look));
    c.p.drawRoundedRect(QRectF(at.x() - r, at.y() - r * 0.8, 2 * r, 1.6 * r), r * 0.3, r * 0.3);
    if (look == ClientLook::Ghost)
        c.text(QRectF(at.x() - r, at.y() - r, 2 * r, 2 * r), Qt::AlignCenter, QStringLiteral("?"),
               c.font(std::max(kStage.type.ghostMarkMin, r / c.u * kStage.type.ghostMarkShare), true),
               th.alert);
}

// What a client's row says under its name, and in which colour.
std::pair<QString, QColor> clientDetail(const Ctx& c, std::uint32_t client, const ClientStatus& st) {
    const Theme& th = c.th;
    const ClientRecord& rec = c.h.clients[client];
    switch (st.look) {
    case ClientLook::NotYet:
        return {QStringLiteral("connects at %1").arg(formatSpan(rec.connectAt)), th.mutedText};
    case ClientLook::Connecting:
        return {QStringLiteral("SYN sent"), th.mutedText};
    case ClientLook::Retrying:
        return {QStringLiteral("SYN #%1 sent").arg(st.syns - 1), th.text};
    case ClientLook::Waiting:
        return {c.h.serverStateAt(client, c.t) == TcpState::SynRecv ? QStringLiteral("server still SYN-RECV")
                                                                    : QStringLiteral("waiting for accept()"),
                th.mutedText};
    case ClientLook::Accepted:
        return {!rec.respondedAt.isNever() && rec.respondedAt <= c.t
                    ? QStringLiteral("response received")
                    : QStringLiteral("accepted, being served"),
                th.mutedText};
    case ClientLook::Ghost:
        return {QStringLiteral("ghost: no socket on the server"), th.alert};
    case ClientLook::Done:
        return {QStringLiteral("done"), th.mutedText};
    case ClientLook::Failed:
        return {latin1(clientErrorName(rec.error)), th.alert};
    case ClientLook::Count_:
        break;
    }
    return {QString(), th.mutedText};
}

// A row per client: its marker, its name and state, and what it is doing — on two lines where the row
// is high enough, else on one.
void clientRow(const Ctx& c, const StageRenderer::ClientGeometry& cg, Time maxFlight) {
    const auto& m = kStage.clientPaint;
    const Theme& th = c.th;
    const double u = c.u;
    const ClientStatus st = clientStatus(c.h, cg.index, c.t, maxFlight);
    const QRectF r = cg.row;
    const double rh = r.height();
    const double mr = std::min(rh * m.markerShare, m.markerMax * u);
    clientMarker(c, QPointF(r.left() + m.markerLeft * u + mr, r.center().y()), mr, st.look);
    const QRectF textR(r.left() + m.textLeft * u + 2 * mr, r.top(), r.width() - m.textRight * u - 2 * mr, rh);
    const QString name = QStringLiteral("c%1").arg(cg.index);
    const QString state = st.look == ClientLook::NotYet ? QStringLiteral("—") : latin1(ssStateName(st.state));
    const auto [detail, detailColour] = clientDetail(c, cg.index, st);
    const QColor nameColour = st.look == ClientLook::NotYet ? th.mutedText : th.text;
    if (rh >= m.twoLinesMin * u) {
        const QRectF top(textR.left(), r.center().y() - m.lineHeight * u, textR.width(), m.lineHeight * u);
        const QRectF bottom(textR.left(), r.center().y(), textR.width(), m.lineHeight * u);
        const FittedLabel n = c.text(top, Qt::AlignLeft | Qt::AlignBottom, name, c.fBodyBold, nameColour);
        const double nw = QFontMetricsF(n.font).horizontalAdvance(name) + m.nameGap * u;
        c.text(top.adjusted(nw, 0, 0, 0), Qt::AlignLeft | Qt::AlignBottom, state, c.fMono, nameColour,
               TextFit{0.6, false, true});
        c.text(bottom, Qt::AlignLeft | Qt::AlignTop, detail, c.fSmall, detailColour,
               TextFit{0.6, false, true});
    } else {
        const QFont& fn = rh >= m.boldMin * u ? c.fBodyBold : c.fSmall;
        const FittedLabel n = c.text(textR, Qt::AlignLeft | Qt::AlignVCenter, name, fn, nameColour);
        const double nw = QFontMetricsF(n.font).horizontalAdvance(name) + m.nameGapSmall * u;
        const bool loud = st.look == ClientLook::Ghost || st.look == ClientLook::Failed;
        const QString rest = st.look == ClientLook::NotYet               ? QString()
                             : (loud || st.look == ClientLook::Retrying) ? detail
                                                                         : state;
        c.text(textR.adjusted(nw, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter, rest, c.fSmall,
               loud ? th.alert : nameColour, TextFit{0.6, false, true});
    }
}

// Too many clients for a row each: a stacked bar of all of them, then one line per look with its count.
void clientsBlock(const Ctx& c, Time maxFlight) {
    const auto& m = kStage.clientPaint;
    const Theme& th = c.th;
    const double u = c.u;
    // The clients drawn apart in rows of their own (a step's highlighted ones) are not counted again.
    std::vector<std::uint32_t> apart;
    for (const StageRenderer::ClientGeometry& cg : c.g.clients)
        apart.push_back(cg.index);
    std::sort(apart.begin(), apart.end());
    const auto nc = c.g.clientsShown.size() - apart.size();
    std::array<std::int64_t, kClientLooks> counts{};
    for (std::uint32_t k : c.g.clientsShown)
        if (!std::binary_search(apart.begin(), apart.end(), k))
            ++counts[lookIndex(clientStatus(c.h, k, c.t, maxFlight).look)];
    const QRectF b = c.g.clientsBlock;
    const QRectF bar(b.left(), b.top(), b.width(), std::min(m.barHeight * u, b.height() * m.barShare));
    double x = bar.left();
    c.p.setPen(Qt::NoPen);
    for (std::size_t k = 0; k < kClientLooks; ++k) {
        if (counts[k] == 0) continue;
        const double w = bar.width() * dbl(counts[k]) / dbl(std::max<std::size_t>(1, nc));
        c.p.setBrush(lookColour(th, static_cast<ClientLook>(k)));
        c.p.drawRect(QRectF(x, bar.top(), w, bar.height()));
        x += w;
    }
    c.p.setPen(c.pen(th.panelBorder, kStage.lines.panel));
    c.p.setBrush(Qt::NoBrush);
    c.p.drawRect(bar);
    const double lh =
        std::min(m.lineMax * u, (b.height() - bar.height() - m.lineGap * u) / dbl(kClientLooks));
    double y = bar.bottom() + m.lineGap * u;
    for (std::size_t k = 0; k < kClientLooks; ++k) {
        const auto look = static_cast<ClientLook>(k);
        const QRectF row(b.left(), y, b.width(), lh);
        y += lh;
        // Concealed (reveal: after-answer), the counts are hidden as the queues' figures are ("ESTAB, not
        // accepted" is the accept queue's length again), and a zero is not told apart by its colour.
        const bool zero = counts[k] == 0 && !c.numbersConcealed;
        clientMarker(c, QPointF(row.left() + m.keyLeft * u, row.center().y()),
                     std::min(m.keyMax * u, lh * m.keyShare), look);
        const QColor colour =
            zero ? th.mutedText
                 : (look == ClientLook::Ghost || look == ClientLook::Failed ? th.alert : th.text);
        const QString count = c.numbersConcealed ? QStringLiteral("?") : thousands(counts[k]);
        const QFont& fCount = zero ? c.fMono : c.fMonoBold;
        const double cw = std::min(row.width() * m.countShare,
                                   QFontMetricsF(fCount).horizontalAdvance(count) + m.countRoom * u);
        c.text(row.adjusted(m.keyTextLeft * u, 0, -cw - m.countGap * u, 0), Qt::AlignLeft | Qt::AlignVCenter,
               QString::fromLatin1(lookName(look)), zero ? c.fSmall : c.fBody, colour);
        c.text(row.adjusted(row.width() - cw, 0, 0, 0), Qt::AlignRight | Qt::AlignVCenter, count, fCount,
               colour);
    }
}

// The floods under way: their rate, and when they run.
void attackerLines(const Ctx& c) {
    const auto& m = kStage.clientPaint;
    const Theme& th = c.th;
    const double u = c.u;
    const QRectF a = c.g.attackers;
    double y = a.top() + m.attackersTop * u;
    for (std::size_t i = 0; i < c.sc.traffic.size(); ++i) {
        if (!floodShown(c.sim, i, c.t)) continue;
        const TrafficEntry e = c.sim.trafficAsRun(i); // a lesson may start it later than written
        const FloodTraffic& f = e.flood;
        const bool on = c.t >= f.from && c.t < f.to;
        const QRectF line(a.left() + m.attackersInset * u, y, a.width() - 2 * m.attackersInset * u,
                          m.attackersLine * u);
        c.text(line, Qt::AlignLeft | Qt::AlignVCenter,
               QStringLiteral("%1 spoofed SYN/s%2")
                   .arg(thousands(f.ratePerSecond), on ? QString() : QStringLiteral(" (idle)")),
               c.fBodyBold, on ? th.text : th.mutedText);
        y += m.attackersRate * u;
        c.text(QRectF(a.left() + m.attackersInset * u, y, a.width() - 2 * m.attackersInset * u,
                      m.attackersLine * u),
               Qt::AlignLeft | Qt::AlignVCenter,
               f.from.isNever() ? QStringLiteral("not started")
                                : QStringLiteral("from %1 to %2%3")
                                      .arg(formatSpan(f.from), formatSpan(f.to),
                                           f.routable ? QString() : QStringLiteral(", unroutable")),
               c.fSmall, th.mutedText);
        y += m.attackersSpan * u;
        if (y > a.bottom() - m.attackersLine * u) break;
    }
}

} // namespace

void paintClients(const Ctx& c, Time maxFlight) {
    // Aggregated, g.clients holds only the clients drawn apart, above the block.
    for (const StageRenderer::ClientGeometry& cg : c.g.clients)
        clientRow(c, cg, maxFlight);
    if (c.g.clientsAggregated) clientsBlock(c, maxFlight);
    if (c.g.attackers.isValid()) attackerLines(c);
}

// ------------------------------------------------------------------------------------------ workers

namespace {

// The two futile wake-ups get colours of their own (M20): most losers of a thundering herd never leave
// the kernel (asleep again), a few return and get EAGAIN. A worker keeps showing how its last wake-up
// ended until it next changes (History.h), so a paused frame still tells them apart.
QColor workerColour(const Theme& th, WorkerState s) {
    switch (s) {
    case WorkerState::BlockedInAccept:
    case WorkerState::InEpollWait:
        return th.workerIdle;
    case WorkerState::Woken:
        return th.workerWoken;
    case WorkerState::Serving:
        return th.workerServing;
    case WorkerState::SleptAgain:
        return th.workerWasted;
    case WorkerState::GotEagain:
        return th.workerEagain;
    case WorkerState::NotStarted:
    case WorkerState::Stopped:
        return th.workerOff;
    }
    return th.workerOff;
}

QString workerDoing(const WorkerRecord::Change& ch, Time t) {
    switch (ch.state) {
    case WorkerState::NotStarted:
        return QStringLiteral("not started");
    case WorkerState::BlockedInAccept:
        return QStringLiteral("blocked in accept()");
    case WorkerState::InEpollWait:
        return QStringLiteral("in epoll_wait()");
    case WorkerState::Woken:
        return QStringLiteral("woken, not run yet");
    case WorkerState::Serving:
        return QStringLiteral("serving c%1 · %2").arg(ch.flow).arg(formatSpan(t - ch.at));
    case WorkerState::SleptAgain:
        // P3: epoll_wait() (or accept(), P2) re-checked the queue, found it empty and slept again.
        return QStringLiteral("woken, asleep again");
    case WorkerState::GotEagain:
        return QStringLiteral("accept() → EAGAIN");
    case WorkerState::Stopped:
        return QStringLiteral("stopped");
    }
    return {};
}

void workerBox(const Ctx& c, const StageRenderer::WorkerGeometry& wg) {
    const auto& m = kStage.workerPaint;
    QPainter& p = c.p;
    const Theme& th = c.th;
    const double u = c.u;
    const WorkerRecord::Change ch = c.h.workerAt(wg.index, c.t);
    const QColor fill = workerColour(th, ch.state);
    const bool dashed = ch.state == WorkerState::NotStarted || ch.state == WorkerState::Stopped;
    p.setPen(c.pen(th.glyphOutline, kStage.lines.worker, dashed ? Qt::DashLine : Qt::SolidLine));
    p.setBrush(fill);
    const QRectF r = wg.box;
    p.drawRoundedRect(r, m.radius * u, m.radius * u);
    const QColor tc = textOn(fill, th);
    const QString what = workerDoing(ch, c.t);
    if (r.height() >= m.twoLinesMin * u) {
        c.text(QRectF(r.left() + m.inset * u, r.top(), r.width() - 2 * m.inset * u,
                      r.height() / 2 + m.nameDrop * u),
               Qt::AlignLeft | Qt::AlignBottom, QStringLiteral("w%1").arg(wg.index), c.fBodyBold, tc);
        c.text(QRectF(r.left() + m.inset * u, r.center().y() + m.stateDrop * u, r.width() - 2 * m.inset * u,
                      r.height() / 2),
               Qt::AlignLeft | Qt::AlignTop, what, c.fSmall, tc, TextFit{0.6, false, true});
    } else {
        c.text(r.adjusted(m.oneLineLeft * u, 0, -m.oneLineRight * u, 0), Qt::AlignLeft | Qt::AlignVCenter,
               QStringLiteral("w%1 %2").arg(wg.index).arg(what), c.fSmall, tc, TextFit{0.6, false, true});
    }
}

// Every state, busiest first; the futile wake-ups after the waiting they end in.
constexpr std::array<WorkerState, kWorkerStateCount> kGroupOrder{
    WorkerState::Serving,    WorkerState::Woken,     WorkerState::BlockedInAccept, WorkerState::InEpollWait,
    WorkerState::SleptAgain, WorkerState::GotEagain, WorkerState::NotStarted,      WorkerState::Stopped};

// Too many workers for a box each: per listener, a stacked bar and one line per state with its count.
void workerGroup(const Ctx& c, const StageRenderer::WorkerGroupGeometry& grp) {
    const auto& m = kStage.workerPaint;
    const auto& order = kGroupOrder;
    QPainter& p = c.p;
    const Theme& th = c.th;
    const double u = c.u;
    std::array<std::int64_t, kGroupOrder.size()> counts{};
    for (std::uint32_t w : grp.workers) {
        const WorkerState s = c.h.workerAt(w, c.t).state;
        for (std::size_t k = 0; k < order.size(); ++k)
            if (order[k] == s) ++counts[k];
    }
    const QRectF r = grp.box;
    p.setPen(c.pen(th.panelBorder, kStage.lines.panel));
    p.setBrush(th.listenerFill);
    p.drawRoundedRect(r, m.radius * u, m.radius * u);
    const QRectF bar(r.left() + m.barInset * u, r.top() + m.barInset * u, r.width() - 2 * m.barInset * u,
                     std::min(m.barHeight * u, r.height() * m.barShare));
    double x = bar.left();
    p.setPen(Qt::NoPen);
    for (std::size_t k = 0; k < order.size(); ++k) {
        if (counts[k] == 0) continue;
        const double w = bar.width() * dbl(counts[k]) / dbl(grp.workers.size());
        p.setBrush(workerColour(th, order[k]));
        p.drawRect(QRectF(x, bar.top(), w, bar.height()));
        x += w;
    }
    p.setPen(c.pen(th.glyphOutline, kStage.lines.swatch));
    p.setBrush(Qt::NoBrush);
    p.drawRect(bar);
    double y = bar.bottom() + m.linesGap * u;
    // Room for six lines, so that the lines keep their height as states come and go; the rare moment
    // with more states at once (eight since M20's wake-ups) shares the same room.
    const auto present = std::count_if(counts.begin(), counts.end(), [](std::int64_t n) { return n > 0; });
    const double lh = std::min(m.lineMax * u, (r.bottom() - y - m.linesBottom * u) /
                                                  dbl(std::max<std::ptrdiff_t>(6, present)));
    if (lh < m.lineMin * u) return;
    for (std::size_t k = 0; k < order.size(); ++k) {
        if (counts[k] == 0) continue;
        const QRectF row(r.left() + m.barInset * u, y, r.width() - 2 * m.barInset * u, lh);
        y += lh;
        p.setPen(c.pen(th.glyphOutline, kStage.lines.swatch));
        p.setBrush(workerColour(th, order[k]));
        p.drawRect(
            QRectF(row.left(), row.center().y() - m.keyHalf * u, 2 * m.keyHalf * u, 2 * m.keyHalf * u));
        const QString count = c.numbersConcealed ? QStringLiteral("?") : thousands(counts[k]);
        const double cw = std::min(row.width() * m.countShare,
                                   QFontMetricsF(c.fMono).horizontalAdvance(count) + m.countRoom * u);
        c.text(row.adjusted(m.keyTextLeft * u, 0, -cw - m.countGap * u, 0), Qt::AlignLeft | Qt::AlignVCenter,
               latin1(workerStateName(order[k])), c.fSmall, th.text);
        c.text(row.adjusted(row.width() - cw, 0, 0, 0), Qt::AlignRight | Qt::AlignVCenter, count, c.fMono,
               th.text);
    }
}

} // namespace

void paintWorkers(const Ctx& c) {
    for (const StageRenderer::WorkerGeometry& wg : c.g.workers)
        workerBox(c, wg);
    for (const StageRenderer::WorkerGroupGeometry& grp : c.g.workerGroups)
        workerGroup(c, grp);
}

} // namespace backlog::views::stage
