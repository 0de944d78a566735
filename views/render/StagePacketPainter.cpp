// Packets on the stage: streams (level of detail), the packets drawn one by one with their labels where
// there is room, the streams' counts, and the drops' labels naming the rule.
#include "views/render/StagePainters.h"

#include "model/kernel/Simulation.h"

#include <QFontMetricsF>

#include <algorithm>
#include <array>

namespace backlog::views::stage {

namespace {

// A label placed beside what it names, moved back inside the stage's body (between the title and the
// legend) where it would leave it.
QRectF keepInside(QRectF r, const StageRenderer::Geometry& g) {
    const double inset = kStage.flows.bodyInset;
    const QRectF body(g.target.left() + inset * g.unit, g.header.bottom(),
                      g.target.width() - 2 * inset * g.unit, g.footer.top() - g.header.bottom());
    if (r.right() > body.right()) r.moveRight(body.right());
    if (r.left() < body.left()) r.moveLeft(body.left());
    if (r.bottom() > body.bottom()) r.moveBottom(body.bottom());
    if (r.top() < body.top()) r.moveTop(body.top());
    return r;
}

// Label placement: a label is drawn only where it overlaps no glyph but its own and no other label.
class LabelSpace {
  public:
    void addGlyph(const QRectF& r) { glyphs_.push_back(r); }
    bool free(const QRectF& r, const QRectF& own = QRectF()) const {
        for (const QRectF& q : labels_)
            if (q.intersects(r)) return false;
        for (const QRectF& q : glyphs_)
            if (q != own && q.intersects(r)) return false;
        return true;
    }
    void take(const QRectF& r) { labels_.push_back(r); }

  private:
    std::vector<QRectF> glyphs_, labels_;
};

// A band as wide as the log of its count, on its side of the path (requests above, answers below),
// wider at the client end where its packets spread out.
void streamBand(const Ctx& c, const StageRenderer::StreamGeometry& s) {
    const auto& m = kStage.flows;
    const double u = c.u;
    const QColor colour = c.th.packetColor(s.kind, s.spoofed);
    const double w =
        std::clamp(std::log2(dbl(s.count)) * m.widthPerDoubling * u, m.widthMin * u, m.widthMax * u);
    const double spread =
        std::clamp((s.sourceBottom.y() - s.sourceTop.y()) * m.spreadShare, w, m.spreadMax * u);
    const double side = s.toServer ? -1 : 1;
    const std::array<QPointF, 4> band{s.source + QPointF(0, side * m.sideOffset * u - spread / 2),
                                      s.sink + QPointF(0, side * (m.sideOffset * u + w / 2) - w / 2),
                                      s.sink + QPointF(0, side * (m.sideOffset * u + w / 2) + w / 2),
                                      s.source + QPointF(0, side * m.sideOffset * u + spread / 2)};
    c.p.setPen(Qt::NoPen);
    c.p.setBrush(withAlpha(colour, 0.28));
    c.p.drawPolygon(band.data(), 4);
}

// A packet's label ("SYN-ACK cookie #2"), prepared once per kind, cookie and retransmission for the
// label font in use.
const QStaticText& labelOf(FrameCache& fc, const Packet& pk, const QFont& fLabel, const QString& family) {
    const int px = fLabel.pixelSize();
    if (fc.pixelSize != px || fc.family != family) {
        fc.packetLabels.clear();
        fc.pixelSize = px;
        fc.family = family;
    }
    const auto key = std::make_tuple(static_cast<int>(pk.kind), pk.cookie && pk.kind == PacketKind::SynAck,
                                     static_cast<int>(pk.retrans));
    auto it = fc.packetLabels.find(key);
    if (it == fc.packetLabels.end()) {
        QStaticText st(packetLabelText(pk.kind, std::get<1>(key), pk.retrans));
        st.setTextFormat(Qt::PlainText);
        st.setPerformanceHint(QStaticText::AggressiveCaching);
        st.prepare(QTransform(), fLabel);
        it = fc.packetLabels.emplace(key, st).first;
    }
    return it->second;
}

// The packets drawn one by one (falling ones fading), each labelled above or below where that is free.
void packetGlyphs(const Ctx& c, FrameCache& cache, LabelSpace& space, double gr, double outline) {
    QPainter& p = c.p;
    const Theme& th = c.th;
    const double labelGap = kStage.glyphs.labelGap;
    p.setFont(c.fLabel);
    for (const StageRenderer::PacketGeometry& pg : c.g.packets) {
        const Packet pk = c.h.packet(pg.index);
        const bool falling = pg.fall >= 0;
        if (falling) p.setOpacity(1.0 - 0.75 * pg.fall);
        if (c.sprites) {
            const double side = std::ceil(2 * kStage.glyphs.spriteShare * gr + 2 * outline + 2);
            const bool spoofed = isSpoofed(pk.flow);
            const std::uint64_t key = (2ull << 60) | (static_cast<std::uint64_t>(pk.kind) << 8) |
                                      (static_cast<std::uint64_t>(pk.cookie) << 4) |
                                      (static_cast<std::uint64_t>(spoofed) << 2) |
                                      static_cast<std::uint64_t>(pk.toServer);
            c.sprites->blit(p, c.dpr, pg.centre - QPointF(side / 2, side / 2), QSizeF(side, side), key,
                            [&](QPainter& sp) {
                                drawGlyph(sp, th, QPointF(side / 2, side / 2), gr, pk.kind, pk.cookie,
                                          spoofed, pk.toServer, outline);
                            });
        } else {
            drawGlyph(p, th, pg.centre, gr, pk.kind, pk.cookie, isSpoofed(pk.flow), pk.toServer, outline);
        }
        if (falling) {
            p.setOpacity(1.0);
            continue;
        }
        if (!pg.labelled) continue;
        const QStaticText& st = labelOf(cache, pk, c.fLabel, th.sansFamily);
        const QSizeF sz = st.size();
        const QPointF at(pg.centre.x() - sz.width() / 2, pk.toServer
                                                             ? pg.centre.y() - gr * labelGap - sz.height()
                                                             : pg.centre.y() + gr * labelGap);
        const QRectF lr(at, sz);
        if (space.free(lr, QRectF(pg.centre.x() - gr, pg.centre.y() - gr, 2 * gr, 2 * gr))) {
            space.take(lr);
            p.setPen(th.text);
            p.drawStaticText(at, st);
        }
    }
}

// A stream's label: its kind and count, on a card beside the stream, moved along where it would cover
// another label.
void streamLabel(const Ctx& c, LabelSpace& space, const StageRenderer::StreamGeometry& s) {
    const auto& m = kStage.flows;
    const double u = c.u;
    const QPointF mid = lerp(s.source, s.sink, m.labelAt);
    QString label = packetLabelText(s.kind, s.cookie, 0);
    if (s.cookie && s.kind != PacketKind::SynAck) label += QStringLiteral(" (cookie)");
    label += QStringLiteral(" ×") + thousands(s.count);
    if (s.spoofed && s.kind == PacketKind::Syn) label += QStringLiteral(" spoofed");
    const QFontMetricsF fm(c.fBodyBold);
    const QSizeF sz(fm.horizontalAdvance(label) + m.labelPadX * u, fm.height() + m.labelPadY * u);
    QRectF lr(mid.x() - sz.width() / 2,
              mid.y() + (s.toServer ? -sz.height() - m.labelGap * u : m.labelGap * u), sz.width(),
              sz.height());
    for (int tries = 0; tries < 6 && !space.free(lr); ++tries)
        lr.translate(0, s.toServer ? -sz.height() : sz.height());
    lr = keepInside(lr, c.g);
    space.take(lr);
    c.p.setPen(c.pen(c.th.packetColor(s.kind, s.spoofed), kStage.lines.streamLabel));
    c.p.setBrush(withAlpha(c.th.background, 0.9));
    c.p.drawRoundedRect(lr, m.labelRadius * u, m.labelRadius * u);
    c.text(lr, Qt::AlignCenter, label, c.fBodyBold, c.th.text);
}

// Drop labels: the rule that dropped them, where they fall (stacked where several fall at one place).
void dropLabels(const Ctx& c, LabelSpace& space) {
    const auto& m = kStage.flows;
    const double u = c.u;
    std::map<std::pair<long, long>, int> stacked; // per place: how many labels already
    const QFontMetricsF fmSmall(c.fSmall);
    for (const StageRenderer::DropGeometry& d : c.g.drops) {
        QString label = latin1(packetFateName(d.fate));
        if (label.startsWith(QLatin1String("dropped: ")))
            label = latin1(packetKindName(d.kind)) + QStringLiteral(" dropped: ") + label.mid(9);
        if (d.count > 1) label += QStringLiteral(" ×") + thousands(d.count);
        const double w = fmSmall.horizontalAdvance(label) + m.dropPadX * u;
        const double lh = fmSmall.height() + m.dropPadY * u;
        const int n = stacked[{std::lround(d.anchor.x()), std::lround(d.anchor.y())}]++;
        const double y = d.anchor.y() + m.dropBelow * u + n * (lh + m.dropStackGap * u);
        QRectF lr = d.atServer ? QRectF(d.anchor.x() - m.dropAtServer * u - w, y, w, lh)
                               : QRectF(d.anchor.x() + m.dropAtClient * u, y, w, lh);
        for (int tries = 0; tries < 8 && !space.free(lr); ++tries)
            lr.translate(0, lh + m.dropStackGap * u);
        lr = keepInside(lr, c.g);
        space.take(lr);
        c.p.setPen(c.pen(c.th.alert, kStage.lines.dropLabel));
        c.p.setBrush(withAlpha(c.th.background, 0.92));
        c.p.drawRoundedRect(lr, m.dropRadius * u, m.dropRadius * u);
        c.text(lr, Qt::AlignCenter, label, c.fSmall, c.th.alert);
    }
}

} // namespace

void paintPackets(const Ctx& c, FrameCache& cache) {
    const double gr = c.glyph(kStage.glyphs.packet);
    const double outline = c.line(kStage.lines.glyph);
    LabelSpace space;
    for (const StageRenderer::PacketGeometry& pg : c.g.packets)
        if (pg.fall < 0) space.addGlyph(QRectF(pg.centre.x() - gr, pg.centre.y() - gr, 2 * gr, 2 * gr));
    for (const StageRenderer::StreamGeometry& s : c.g.packetStreams)
        streamBand(c, s);
    packetGlyphs(c, cache, space, gr, outline);
    for (const StageRenderer::StreamGeometry& s : c.g.packetStreams)
        streamLabel(c, space, s);
    dropLabels(c, space);
}

} // namespace backlog::views::stage
