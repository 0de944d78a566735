// The static layer of the stage: the title, the network's wires, the panels, the listeners' frames and
// empty slots, the legend — everything that does not change while the playhead moves.
#include "views/render/StagePainters.h"

#include "views/render/StageLayout.h"

#include "model/kernel/Simulation.h"

#include <QFontMetricsF>

#include <algorithm>
#include <array>

namespace backlog::views::stage {

namespace {

// The title, left of the room the clock takes (its widest reading: "t = 999.999999 s").
void title(const Ctx& c) {
    const double clockW = QFontMetricsF(c.fClock).horizontalAdvance(QStringLiteral("t = 999.999999 s")) +
                          kStage.panels.clockRoom * c.u;
    c.text(c.g.header.adjusted(0, 0, -clockW, 0), Qt::AlignLeft | Qt::AlignVCenter,
           QString::fromStdString(c.sc.title), c.fTitle, c.th.text, TextFit{0.6, true, true});
}

// The network: its round trip and the paths.
void network(const Ctx& c) {
    const auto& m = kStage.panels;
    QPainter& p = c.p;
    const Theme& th = c.th;
    const StageRenderer::Geometry& g = c.g;
    const double u = c.u;
    const QRectF n = g.network;
    c.text(QRectF(n.left(), n.top() + m.networkTop * u, n.width(), m.networkHeight * u),
           Qt::AlignHCenter | Qt::AlignVCenter,
           // A measured run's segments crossed the lab namespace's loopback, not the scenario's network.
           c.sim.source().measured ? QStringLiteral("network · this machine's loopback")
                                   : QStringLiteral("network · RTT %1").arg(formatSpan(c.sc.network.rtt)),
           c.fBody, th.mutedText);
    p.setPen(c.pen(th.wire, kStage.lines.wire));
    p.setBrush(Qt::NoBrush);
    const std::size_t wires = g.clients.size() * g.listeners.size();
    if (wires > 0 && wires <= m.wiresMax) {
        for (const StageRenderer::ClientGeometry& cg : g.clients)
            for (const StageRenderer::ListenerGeometry& L : g.listeners)
                p.drawLine(cg.anchor, L.door);
    } else if (!g.listeners.empty() && g.clientsBlock.isValid() && !g.clientsShown.empty()) {
        // Too many clients for a wire each: a few wires from across the block stand for them all.
        const int perListener = std::max(2, 8 / static_cast<int>(g.listeners.size()));
        for (const StageRenderer::ListenerGeometry& L : g.listeners)
            for (int k = 0; k < perListener; ++k)
                p.drawLine(QPointF(g.clientsPanel.right(),
                                   g.clientsBlock.top() + g.clientsBlock.height() * (k + 0.5) / perListener),
                           L.door);
    }
    if (g.attackers.isValid()) {
        p.setPen(c.pen(withAlpha(th.spoofed, 0.35), kStage.lines.wire, Qt::DashLine));
        for (const StageRenderer::ListenerGeometry& L : g.listeners)
            for (int k = 0; k < 3; ++k)
                p.drawLine(
                    QPointF(g.clientsPanel.right(), g.attackers.top() + g.attackers.height() * (k + 0.5) / 3),
                    L.door);
    }
}

void attackersPanel(const Ctx& c) {
    const auto& m = kStage.panels;
    QPainter& p = c.p;
    const Theme& th = c.th;
    const double u = c.u;
    const QRectF a = c.g.attackers;
    p.setPen(c.pen(th.spoofed, kStage.lines.attackers));
    p.setBrush(withAlpha(th.spoofed, 0.10));
    p.drawRoundedRect(a, m.attackersRadius * u, m.attackersRadius * u);
    p.setBrush(QBrush(withAlpha(th.spoofed, 0.22), Qt::BDiagPattern));
    p.setPen(Qt::NoPen);
    p.drawRoundedRect(a, m.attackersRadius * u, m.attackersRadius * u);
    c.text(QRectF(a.left() + m.attackersTitleInset * u, a.top() + m.attackersTitleTop * u,
                  a.width() - 2 * m.attackersTitleInset * u, m.attackersTitleHeight * u),
           Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("Attacker"), c.fPanel, th.spoofed);
    drawGlyph(p, th, QPointF(a.right() - m.attackerGlyphRight * u, a.top() + m.attackerGlyphTop * u),
              c.glyph(kStage.glyphs.attacker), PacketKind::Syn, false, true, true,
              c.line(kStage.lines.attackerGlyph));
}

// The server's title: its address and kernel, and the sysctls that size its queues.
void serverPanel(const Ctx& c) {
    const auto& m = kStage.panels;
    const Theme& th = c.th;
    const double u = c.u;
    const QRectF title = c.g.serverTitle;
    const KernelSettings& k = c.sc.kernel;
    c.panel(c.g.serverPanel, QString());
    c.text(QRectF(title.left(), title.top(), title.width(), m.serverLine * u),
           Qt::AlignLeft | Qt::AlignVCenter,
           QStringLiteral("Server %1:%2 · %3")
               .arg(QString::fromStdString(c.sim.serverAddress()))
               .arg(c.sc.server.port)
               .arg(c.sim.source().measured
                        ? QStringLiteral("measured on Linux %1")
                              .arg(QString::fromStdString(c.sim.source().kernelRelease))
                        : QStringLiteral("Linux %1").arg(QString::fromLatin1(k.profile.name))),
           c.fPanel, th.text);
    const QString sysctls =
        QStringLiteral(
            "listen(fd, %1) · somaxconn %2 · tcp_max_syn_backlog %3 · syncookies %4 · abort_on_overflow %5")
            .arg(c.sc.server.backlog)
            .arg(k.somaxconn)
            .arg(k.tcpMaxSynBacklog)
            .arg(k.tcpSyncookies)
            .arg(k.tcpAbortOnOverflow);
    // The whole line, in smaller type if need be (large-type themes): every value matters.
    c.text(QRectF(title.left(), title.top() + m.serverLine * u, title.width(), m.sysctlsHeight * u),
           Qt::AlignLeft | Qt::AlignVCenter, sysctls, c.fSmall, th.mutedText, TextFit{0.6, false, true});
}

void panels(const Ctx& c) {
    const StageRenderer::Geometry& g = c.g;
    const Theme& th = c.th;
    const double u = c.u;
    c.panel(g.clientsPanel,
            QStringLiteral("Clients · %1").arg(thousands(static_cast<std::int64_t>(g.clientsShown.size()))));
    if (g.attackers.isValid()) attackersPanel(c);
    serverPanel(c);
    c.panel(g.workersPanel, QStringLiteral("Workers · %1").arg(thousands(g.workersShown)));
    c.text(c.panelSubtitle(g.workersPanel), Qt::AlignLeft | Qt::AlignVCenter, g.workersWait, c.fSmall,
           th.mutedText);
    if (g.workersShown == 0) {
        const double inset = kStage.workers.inset;
        const QRectF r =
            g.listeners.empty()
                ? g.workersPanel
                : QRectF(g.workersPanel.left() + inset * u, g.listeners.front().frame.top(),
                         g.workersPanel.width() - 2 * inset * u, kStage.panels.idleNoteHeight * u);
        c.text(r, Qt::AlignCenter | Qt::TextWordWrap, QStringLiteral("nobody calls accept()"), c.fBody,
               th.alert);
    }
}

// A queue's row as it is without entries: its name, empty slots (dashed beyond the backlog) or the
// gauge's frame, and the backlog line's name.
void emptyQueue(const Ctx& c, const StageRenderer::QueueGeometry& q) {
    const auto& m = kStage.listenerPaint;
    QPainter& p = c.p;
    const Theme& th = c.th;
    const double u = c.u;
    const bool synQ = q.kind == QueueKind::Syn;
    const bool big = q.label.height() >= m.bigLabelMin * u;
    const QString title = synQ ? QStringLiteral("SYN queue") : QStringLiteral("accept queue");
    if (big)
        c.text(
            QRectF(q.label.left(), q.label.center().y() - m.nameRise * u, q.label.width(), m.nameHeight * u),
            Qt::AlignLeft | Qt::AlignBottom, title, c.fBodyBold, th.text);
    const double radius = slotRadius(q);
    for (std::size_t s = 0; s < q.slotRects.size(); ++s) {
        const bool extra = static_cast<std::int64_t>(s) >= q.limit;
        p.setPen(c.pen(th.slotBorder, kStage.lines.slot, extra ? Qt::DashLine : Qt::SolidLine));
        p.setBrush(th.slotEmpty);
        p.drawRoundedRect(q.slotRects[s], radius, radius);
    }
    if (q.gauge) {
        const QRectF bar = gaugeBar(q, u);
        p.setPen(c.pen(th.slotBorder, kStage.lines.slot));
        p.setBrush(th.slotEmpty);
        p.drawRect(bar);
    }
    if (q.limitLine.isNull()) return;
    // Named beside the line when the slots are one row; under the count otherwise.
    const bool oneRow =
        !q.gauge && !q.slotRects.empty() && q.slotRects.front().top() == q.slotRects.back().top();
    const QString what = q.limit < q.capacity ? QStringLiteral("backlog %1 (+1)").arg(q.limit)
                                              : QStringLiteral("backlog %1").arg(q.limit);
    const bool roomAbove = q.limitLine.y1() - q.frame.top() >= m.backlogRoomAbove * u;
    if ((oneRow || q.gauge) && roomAbove) {
        const QRectF lr(q.limitLine.x1() - m.backlogLabelLeft * u, q.limitLine.y1() - m.backlogLabelRise * u,
                        m.backlogLabelWidth * u, m.backlogLabelHeight * u);
        c.text(lr, Qt::AlignRight | Qt::AlignBottom, what, c.fSmall, th.mutedText);
    } else if (q.label.height() >= m.backlogUnderMin * u) {
        c.text(QRectF(q.label.left(), q.label.center().y() + m.backlogUnderTop * u, q.label.width(),
                      m.backlogLabelHeight * u),
               Qt::AlignLeft | Qt::AlignTop, what, c.fSmall, th.mutedText);
    }
}

// A listening socket: frame, door, name, the queues' empty slots and backlog lines, the way to accept().
void listenerFrame(const Ctx& c, const StageRenderer::ListenerGeometry& L) {
    const auto& m = kStage.listenerPaint;
    QPainter& p = c.p;
    const Theme& th = c.th;
    const double u = c.u;
    p.setPen(c.pen(th.panelBorder, kStage.lines.listener));
    p.setBrush(th.listenerFill);
    p.drawRoundedRect(L.frame, m.radius * u, m.radius * u);
    p.setPen(Qt::NoPen);
    p.setBrush(th.panelBorder);
    p.drawRect(QRectF(L.door.x() - m.doorHalfWidth * u, L.door.y() - m.doorHalfHeight * u,
                      2 * m.doorHalfWidth * u, 2 * m.doorHalfHeight * u));
    const QString name =
        c.g.listeners.size() > 1
            ? QStringLiteral("listener %1 (SO_REUSEPORT) · 0.0.0.0:%2").arg(L.index).arg(c.sc.server.port)
            : QStringLiteral("listening socket · 0.0.0.0:%1").arg(c.sc.server.port);
    // The name on the left, what ss says (or "closed") on the right: each in its own part of the header.
    c.text(headerLeft(L, u), Qt::AlignLeft | Qt::AlignVCenter, name,
           L.header.height() >= m.boldHeaderMin * u ? c.fBodyBold : c.fSmall,
           L.open ? th.text : th.mutedText);
    if (!L.open)
        c.text(headerRight(L, u), Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("closed"), c.fMonoBold,
               th.alert);
    for (const StageRenderer::QueueGeometry* q : {&L.syn, &L.accept})
        emptyQueue(c, *q);
    // The way to the workers: accept() takes the head.
    p.setPen(c.pen(th.panelBorder, kStage.lines.acceptArrow));
    const QPointF a0 = L.exit + QPointF(m.arrowGap * u, 0);
    const QPointF a1(c.g.workersPanel.left() - m.arrowGap * u, L.exit.y());
    p.drawLine(a0, a1);
    const std::array<QPointF, 3> head{a1, a1 + QPointF(-m.arrowHeadLength * u, -m.arrowHeadHalf * u),
                                      a1 + QPointF(-m.arrowHeadLength * u, m.arrowHeadHalf * u)};
    p.setBrush(th.panelBorder);
    p.drawPolygon(head.data(), 3);
    if (!L.open) {
        p.setPen(Qt::NoPen);
        p.setBrush(withAlpha(th.background, 0.6));
        p.drawRoundedRect(L.frame, m.radius * u, m.radius * u);
    }
}

// The legend: each packet kind's glyph and name, then how to read numbers and drops.
void legend(const Ctx& c) {
    const auto& m = kStage.legend;
    const Theme& th = c.th;
    const StageRenderer::Geometry& g = c.g;
    const double u = c.u;
    struct Entry {
        PacketKind kind;
        bool cookie;
        bool spoofed;
        const char* text;
    };
    const std::array<Entry, 8> entries{{{PacketKind::Syn, false, false, "SYN"},
                                        {PacketKind::Syn, false, true, "spoofed SYN"},
                                        {PacketKind::SynAck, false, false, "SYN-ACK"},
                                        {PacketKind::SynAck, true, false, "SYN-ACK cookie"},
                                        {PacketKind::Ack, false, false, "ACK"},
                                        {PacketKind::Data, false, false, "data"},
                                        {PacketKind::Fin, false, false, "FIN"},
                                        {PacketKind::Rst, false, false, "RST"}}};
    double x = g.footer.left() + m.left * u;
    const double cy = g.footer.center().y();
    const QFontMetricsF fm(c.fBody);
    for (const Entry& e : entries) {
        drawGlyph(c.p, th, QPointF(x + m.glyphX * u, cy), c.glyph(kStage.glyphs.legend), e.kind, e.cookie,
                  e.spoofed, true, c.line(kStage.lines.glyph));
        const QString s = QString::fromLatin1(e.text);
        const double w = fm.horizontalAdvance(s);
        c.text(QRectF(x + m.textX * u, g.footer.top(), w + m.textRoom * u, g.footer.height()),
               Qt::AlignLeft | Qt::AlignVCenter, s, c.fBody, th.text);
        x += m.textX * u + w + m.spacing * u;
    }
    c.text(QRectF(x, g.footer.top(), g.footer.right() - x, g.footer.height()),
           Qt::AlignRight | Qt::AlignVCenter,
           QStringLiteral("#n: n-th retransmission · drops fall out, labelled with the rule"), c.fSmall,
           th.mutedText, TextFit{0.6, true, false});
}

} // namespace

void paintStatic(const Ctx& c) {
    const StageRenderer::Geometry& g = c.g;
    c.p.fillRect(g.target, c.th.background);
    title(c);
    network(c);
    panels(c);
    for (const StageRenderer::ListenerGeometry& L : g.listeners)
        listenerFrame(c, L);
    const QRectF cs = g.countersStrip;
    c.text(QRectF(cs.left(), cs.top(), cs.width(), cs.height() / 2), Qt::AlignLeft | Qt::AlignVCenter,
           QStringLiteral("nstat"), c.fMonoBold, c.th.mutedText);
    legend(c);
}

QByteArray staticKeyOf(const StageRenderer::Geometry& g, const Theme& th, const Simulation& sim, QSize pixels,
                       double dpr) {
    QByteArray key;
    const auto put = [&key](const auto& v) { key.append(reinterpret_cast<const char*>(&v), sizeof(v)); };
    const auto putRect = [&](const QRectF& r) {
        put(r.x());
        put(r.y());
        put(r.width());
        put(r.height());
    };
    put(pixels.width());
    put(pixels.height());
    put(dpr);
    put(&sim.history());
    put(sim.history().clients.size());
    put(sim.history().workers.size());
    put(g.clientsShown.size());
    put(g.workersShown);
    key.append(g.workersWait.toUtf8());
    put(g.listeners.size());
    putRect(g.target);
    put(g.clientsAggregated);
    put(g.clients.size()); // aggregated: the clients drawn apart
    putRect(g.attackers);
    for (const StageRenderer::ListenerGeometry& L : g.listeners) {
        putRect(L.frame);
        put(L.open);
        put(L.backlog);
        for (const StageRenderer::QueueGeometry* q : {&L.syn, &L.accept}) {
            put(q->capacity);
            put(q->gauge);
        }
    }
    key.append(th.name.toUtf8());
    key.append(th.sansFamily.toUtf8());
    key.append(th.monoFamily.toUtf8());
    for (const QColor* c :
         {&th.background,    &th.panel,        &th.panelBorder,  &th.listenerFill, &th.text,
          &th.mutedText,     &th.wire,         &th.syn,          &th.synAck,       &th.ack,
          &th.data,          &th.fin,          &th.rst,          &th.spoofed,      &th.glyphOutline,
          &th.slotEmpty,     &th.slotBorder,   &th.synEntry,     &th.spoofedEntry, &th.acceptEntry,
          &th.entryText,     &th.limitLine,    &th.alert,        &th.workerIdle,   &th.workerWoken,
          &th.workerServing, &th.workerWasted, &th.workerEagain, &th.workerOff,    &th.clientDone})
        put(c->rgba());
    put(th.fontScale);
    put(th.lineScale);
    put(th.glyphScale);
    return key;
}

} // namespace backlog::views::stage
