// The queues at t: what `ss -lnt` says, each queue's fill, its entries (filled slots with their
// client, state and SYN-ACK retransmissions, or a gauge), the backlog line over them; and the nstat strip.
#include "views/render/StagePainters.h"

#include "views/render/StageLayout.h"

#include "model/kernel/Simulation.h"

#include <QFontMetricsF>

#include <algorithm>

namespace backlog::views::stage {

namespace {

// The queue's fill: big figures under its name where the label column is high, else one small line.
void queueFigures(const Ctx& c, const StageRenderer::QueueGeometry& q) {
    const auto& m = kStage.listenerPaint;
    const Theme& th = c.th;
    const double u = c.u;
    const bool synQ = q.kind == QueueKind::Syn;
    const bool big = q.label.height() >= m.bigLabelMin * u;
    // Concealed (reveal: after-answer), the length is the answer a question may ask for; the capacity
    // is the scenario's, known before.
    const QString fill = QStringLiteral("%1 / %2").arg(
        c.numbersConcealed ? QStringLiteral("?") : thousands(q.length), thousands(q.capacity));
    const bool full = q.length >= q.capacity && !c.numbersConcealed;
    if (big) {
        // Big figures, smaller when "769 / 4,097" would not fit the label column.
        const QRectF figures(q.label.left(), q.label.center().y(), q.label.width(), m.figuresHeight * u);
        const bool fits = c.fits(figures.adjusted(0, 0, -m.figuresRoom * u, 0), Qt::AlignLeft | Qt::AlignTop,
                                 fill, c.fBig, TextFit{1.0, false, false});
        c.text(figures, Qt::AlignLeft | Qt::AlignTop, fill, fits ? c.fBig : c.fMonoBold,
               full ? th.alert : th.text);
    } else {
        c.text(q.label, Qt::AlignLeft | Qt::AlignVCenter,
               (synQ ? QStringLiteral("SYN queue ") : QStringLiteral("accept queue ")) + fill, c.fSmall,
               full ? th.alert : th.text);
    }
}

// The type of a queue's filled slots, sized to the slots.
struct SlotFonts {
    QFont main, small;
};

SlotFonts slotFonts(const Ctx& c, double slotHeight) {
    const auto& m = kStage.type;
    return {c.font(std::clamp(slotHeight / c.u * m.slotShare, m.slotMin, m.slotMax), true, true),
            c.font(std::clamp(slotHeight / c.u * m.slotSmallShare, m.slotSmallMin, m.slotSmallMax))};
}

// The text in a filled slot: the client (or "spoofed") over its state or its age in the queue; in the
// SYN queue, where the slot is high enough, a third line with the time to its next SYN-ACK (T1).
void slotText(const Ctx& c, const StageRenderer::QueueGeometry& q, std::size_t s, const QColor& fillColour,
              const SlotFonts& fonts) {
    const QRectF r = q.slotRects[s];
    const QueueEntry& e = q.entries[s];
    const bool synQ = q.kind == QueueKind::Syn;
    const bool spoofed = isSpoofed(e.flow);
    const int retrans = s < q.retransmissions.size() ? q.retransmissions[s] : 0;
    const QColor tc = textOn(fillColour, c.th);
    const QFont& fSlotSmall = fonts.small;
    QString main, shortMain, sub, shortSub, third;
    // The slot's own tooltip names the entry: its text may be elided as a last resort.
    const TextFit inSlot{0.6, false, true};
    const double inset = kStage.slotPaint.textInset * c.u;
    const QRectF inner = r.adjusted(inset, 0, -inset, 0);
    if (synQ) {
        main = spoofed ? QStringLiteral("spoofed") : QStringLiteral("c%1").arg(e.flow);
        shortMain = spoofed ? QStringLiteral("spf") : main;
        sub = retrans > 0 ? QStringLiteral("SYN-ACK #%1").arg(retrans) : QStringLiteral("SYN-RECV");
        shortSub = retrans > 0 ? QStringLiteral("#%1").arg(retrans) : QString();
        const Time next = s < q.nextSynAck.size() ? q.nextSynAck[s] : Time::never();
        const QString nextText = QStringLiteral("next ") + formatSpan(next - c.t);
        if (!next.isNever() &&
            r.height() >= kStage.slotPaint.thirdLineShare * QFontMetricsF(fSlotSmall).height() &&
            c.fits(QRectF(inner.left(), r.top(), inner.width(), r.height() / 3.0),
                   Qt::AlignHCenter | Qt::AlignVCenter, nextText, fSlotSmall, TextFit{1.0, false, false}))
            third = nextText;
    } else {
        main = QStringLiteral("c%1").arg(e.flow);
        shortMain = main;
        sub = formatSpan(c.t - e.entered);
        shortSub = sub;
    }
    const QFont& fMain = spoofed ? fSlotSmall : fonts.main;
    const int centred = Qt::AlignHCenter | Qt::AlignVCenter;
    const auto lines = [&](const QRectF& mainBox, const QRectF& subBox) {
        c.firstFitting(mainBox, centred, {main, shortMain}, fMain, tc, inSlot);
        // The long form when it fits the slot, else the short one ("#2"), or none.
        const bool longFits = c.fits(subBox, centred, sub, fSlotSmall, TextFit{0.85, false, false});
        c.text(subBox, centred, longFits ? sub : shortSub, fSlotSmall, tc, inSlot);
    };
    // The lines' places are the slot's own proportions.
    if (third.isEmpty()) {
        lines(QRectF(inner.left(), r.top() + r.height() * 0.08, inner.width(), r.height() * 0.5),
              QRectF(inner.left(), r.center().y(), inner.width(), r.height() * 0.45));
    } else {
        const double h3 = r.height() / 3.0;
        lines(QRectF(inner.left(), r.top() + 0.1 * h3, inner.width(), h3),
              QRectF(inner.left(), r.top() + h3, inner.width(), h3));
        c.text(QRectF(inner.left(), r.top() + 1.9 * h3, inner.width(), h3), centred, third, fSlotSmall, tc,
               inSlot);
    }
}

// Too small for text: one pip per SYN-ACK retransmission.
void retransmissionPips(const Ctx& c, const QRectF& r, double sw, int retrans, const QColor& fillColour) {
    const auto& m = kStage.slotPaint;
    c.p.setPen(Qt::NoPen);
    c.p.setBrush(textOn(fillColour, c.th));
    const double pr = std::max(1.0, sw * m.pipShare);
    for (int k2 = 0; k2 < std::min(retrans, m.pipsMax); ++k2)
        c.p.drawEllipse(QPointF(r.left() + pr * 2 + k2 * pr * 2.6, r.bottom() - pr * 2), pr, pr);
}

// The entries in their slots: a filled slot each (hatched for a spoofed SYN), copied in from a sprite
// on a raster target, with its text or pips.
void filledSlots(const Ctx& c, const StageRenderer::QueueGeometry& q) {
    const auto& m = kStage.slotPaint;
    QPainter& p = c.p;
    const Theme& th = c.th;
    const double u = c.u;
    const bool synQ = q.kind == QueueKind::Syn;
    const QColor entryColour = synQ ? th.synEntry : th.acceptEntry;
    const double sw = q.slotRects.empty() ? 0 : q.slotRects[0].width();
    const double sh = q.slotRects.empty() ? 0 : q.slotRects[0].height();
    const double radius = slotRadius(q);
    const bool showText = sw >= m.textWidthMin * u && sh >= m.textHeightMin * u;
    const SlotFonts fonts = slotFonts(c, sh);
    // As wide as the empty slot's outline underneath, so that it covers it.
    const QPen outline = c.pen(th.glyphOutline, kStage.lines.slot);
    const std::size_t filled = std::min(q.entries.size(), q.slotRects.size());
    const auto drawSlot = [&](QPainter& sp, const QRectF& r, const QColor& fillColour, bool spoofed) {
        sp.setPen(outline);
        sp.setBrush(fillColour);
        sp.drawRoundedRect(r, radius, radius);
        if (spoofed) {
            sp.setPen(Qt::NoPen);
            sp.setBrush(QBrush(withAlpha(th.entryText, 0.45), Qt::BDiagPattern));
            sp.drawRoundedRect(r, radius, radius);
        }
    };
    const double margin = std::ceil(outline.widthF() / 2 + 1);
    for (std::size_t s = 0; s < filled; ++s) {
        const QRectF r = q.slotRects[s];
        const bool spoofed = isSpoofed(q.entries[s].flow);
        const QColor fillColour = spoofed ? th.spoofedEntry : entryColour;
        if (c.sprites) {
            const std::uint64_t key = (1ull << 60) | (static_cast<std::uint64_t>(synQ) << 59) |
                                      (static_cast<std::uint64_t>(spoofed) << 58) |
                                      (static_cast<std::uint64_t>(r.width()) << 20) |
                                      static_cast<std::uint64_t>(r.height());
            c.sprites->blit(p, c.dpr, r.topLeft() - QPointF(margin, margin),
                            r.size() + QSizeF(2 * margin, 2 * margin), key, [&](QPainter& sp) {
                                drawSlot(sp, QRectF(QPointF(margin, margin), r.size()), fillColour, spoofed);
                            });
        } else {
            drawSlot(p, r, fillColour, spoofed);
        }
        const int retrans = s < q.retransmissions.size() ? q.retransmissions[s] : 0;
        if (showText)
            slotText(c, q, s, fillColour, fonts);
        else if (retrans > 0 && sw >= m.pipWidthMin * u)
            retransmissionPips(c, r, sw, retrans, fillColour);
    }
}

// A gauge: the share filled (spoofed entries hatched), its size, and in the SYN queue without
// cookies the cap tcp_max_syn_backlog's 3/4 rule (S5) sets.
void gaugeFill(const Ctx& c, const StageRenderer::QueueGeometry& q) {
    const auto& m = kStage.slotPaint;
    QPainter& p = c.p;
    const Theme& th = c.th;
    const double u = c.u;
    const KernelSettings& k = c.sc.kernel;
    const bool synQ = q.kind == QueueKind::Syn;
    const QRectF bar = gaugeBar(q, u);
    std::int64_t spoofed = 0;
    for (const QueueEntry& e : q.entries)
        spoofed += isSpoofed(e.flow) ? 1 : 0;
    const double cap = dbl(std::max<std::int64_t>(1, q.capacity));
    const double wAll = bar.width() * std::min(1.0, dbl(q.length) / cap);
    const double wSpoof =
        q.entries.empty() ? 0 : wAll * dbl(spoofed) / dbl(static_cast<std::int64_t>(q.entries.size()));
    p.setPen(Qt::NoPen);
    p.setBrush(synQ ? th.synEntry : th.acceptEntry);
    p.drawRect(QRectF(bar.right() - wAll, bar.top(), wAll - wSpoof, bar.height()));
    if (wSpoof > 0) {
        const QRectF rs(bar.right() - wSpoof, bar.top(), wSpoof, bar.height());
        p.setBrush(th.spoofedEntry);
        p.drawRect(rs);
        p.setBrush(QBrush(withAlpha(th.entryText, 0.45), Qt::BDiagPattern));
        p.drawRect(rs);
    }
    c.text(bar.adjusted(m.gaugeTextInset * u, 0, -m.gaugeTextInset * u, 0), Qt::AlignLeft | Qt::AlignVCenter,
           QStringLiteral("%1 slots").arg(thousands(q.capacity)), c.fSmall, th.mutedText);
    if (!synQ || k.tcpSyncookies != 0) return;
    const std::int64_t cap34 = k.tcpMaxSynBacklog - (k.tcpMaxSynBacklog >> 2) + 1;
    if (cap34 >= q.capacity) return;
    const double x = bar.right() - bar.width() * dbl(cap34) / cap;
    p.setPen(c.pen(th.alert, kStage.lines.synBacklogCap, Qt::DashLine));
    p.drawLine(QPointF(x, bar.top() - m.capOverhang * u), QPointF(x, bar.bottom() + m.capOverhang * u));
    c.text(QRectF(x - m.capLabelLeft * u, bar.bottom() + m.capLabelTop * u, m.capLabelWidth * u,
                  m.capLabelHeight * u),
           Qt::AlignRight | Qt::AlignTop, QStringLiteral("¾ of tcp_max_syn_backlog: %1").arg(cap34), c.fSmall,
           th.alert);
}

} // namespace

void paintQueues(const Ctx& c) {
    const double u = c.u;
    const std::vector<SsSocket> ss = c.sim.ssListening(c.t);
    std::size_t ssAt = 0;
    for (const StageRenderer::ListenerGeometry& L : c.g.listeners) {
        if (L.open && ssAt < ss.size()) {
            const SsSocket& s = ss[ssAt++];
            // Concealed (reveal: after-answer), Recv-Q is the accept queue's length, hidden as the
            // queue's own figure is; Send-Q is the backlog, the scenario's, known before.
            const QString recvQ = c.numbersConcealed ? QStringLiteral("?") : QString::number(s.recvQ);
            c.text(headerRight(L, u), Qt::AlignRight | Qt::AlignVCenter,
                   QStringLiteral("ss -lnt: Recv-Q %1  Send-Q %2").arg(recvQ).arg(s.sendQ),
                   L.header.height() >= kStage.listenerPaint.boldHeaderMin * u ? c.fMonoBold : c.fMono,
                   c.th.text);
        }
        for (const StageRenderer::QueueGeometry* q : {&L.syn, &L.accept}) {
            queueFigures(c, *q);
            if (!q->gauge)
                filledSlots(c, *q);
            else
                gaugeFill(c, *q);
            // The backlog line goes over the entries.
            if (!q->limitLine.isNull()) {
                c.p.setPen(c.pen(c.th.limitLine, kStage.lines.limit));
                c.p.drawLine(q->limitLine);
            }
        }
    }
}

// The counters a lesson is about, as nstat names them, flowing over two lines — or, in smaller type
// when they would not fit (the projector's larger type during a flood), over three.
void paintCounters(const Ctx& c) {
    const auto& m = kStage.counters;
    const double u = c.u;
    const CounterValues cv = c.h.countersAt(Host::Server, c.t);
    const QRectF cs = c.g.countersStrip;
    QStringList items;
    for (Counter counter : kStageCounters) {
        const std::int64_t v = get(cv, counter);
        if (v == 0 && counter != Counter::TcpExtListenOverflows && counter != Counter::TcpExtListenDrops)
            continue;
        items << latin1(counterName(counter)) + QLatin1Char(' ') + thousands(v);
    }
    const double x0 =
        cs.left() + QFontMetricsF(c.fMonoBold).horizontalAdvance(QStringLiteral("nstat")) + m.afterName * u;
    struct Item {
        QRectF r;
        QString s;
    };
    std::vector<Item> placed;
    QFont fCounters = c.fMono;
    const int asked = c.fMono.pixelSize();
    const int least = std::max(1, static_cast<int>(std::ceil(asked * m.leastShare)));
    for (int px = asked; px >= least; --px) {
        QFont f = c.fMono;
        f.setPixelSize(px);
        const QFontMetricsF fm(f);
        const int rows = std::max(2, static_cast<int>(std::floor(cs.height() / fm.height() + 0.1)));
        const double lineH = cs.height() / rows;
        placed.clear();
        fCounters = f;
        double cx = x0, cy = cs.top();
        for (const QString& item : items) {
            const double w = fm.horizontalAdvance(item);
            if (cx + w > cs.right() && cx > x0) {
                cx = x0;
                cy += lineH;
                if (cy + lineH > cs.bottom() + 1) break;
            }
            placed.push_back({QRectF(cx, cy, w + m.itemRoom * u, lineH), item});
            cx += w + m.itemGap * u;
        }
        if (placed.size() == static_cast<std::size_t>(items.size())) break;
    }
    for (const Item& item : placed)
        c.text(item.r, Qt::AlignLeft | Qt::AlignVCenter, item.s, fCounters, c.th.text);
    for (qsizetype left = static_cast<qsizetype>(placed.size()); left < items.size(); ++left)
        reportOverflow(c.overflows, u"stage", items[left], cs, fCounters);
}

// The counters strip while a question with `reveal: after-answer` is open (issue 16): the counters would
// give the answer away, so the strip says why it is empty instead.
void paintCountersConcealed(const Ctx& c) {
    const auto& m = kStage.counters;
    const QRectF cs = c.g.countersStrip;
    const double x0 =
        cs.left() + QFontMetricsF(c.fMonoBold).horizontalAdvance(QStringLiteral("nstat")) + m.afterName * c.u;
    const QRectF r(x0, cs.top(), std::max(0.0, cs.right() - x0), cs.height());
    c.text(r, Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("hidden until the question is answered"),
           c.fSmall, c.th.mutedText);
}

} // namespace backlog::views::stage
