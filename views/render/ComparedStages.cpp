#include "views/render/ComparedStages.h"

#include <QRegion>

#include "model/kernel/Simulation.h"
#include "views/render/Fonts.h"

#include <QFont>

#include <algorithm>
#include <cmath>

namespace backlog::views {

namespace {
constexpr qreal kStageAspect = 16.0 / 9.0; // the stage's own proportion (StageView::sizeHint)

// The scale a 16:9 stage gets in a w × h box.
qreal stageScale(qreal w, qreal h) {
    return std::min(w / kStageAspect, h);
}
} // namespace

// Readable on a projector, never more than a tenth of the picture.
qreal comparedTitleHeight(const QRectF& target) {
    return std::clamp(target.height() / 40.0, 16.0, 30.0);
}

void paintComparedTitle(QPainter& p, const QRectF& strip, const QString& title, const Theme& theme,
                        LabelOverflows* overflows) {
    p.fillRect(strip, theme.panel);
    QFont font(theme.sansFamily);
    font.setPixelSize(std::max(11, static_cast<int>(strip.height() * 0.6)));
    font.setBold(true);
    drawLabel(p, strip.adjusted(strip.height() / 3, 0, -strip.height() / 3, 0),
              Qt::AlignLeft | Qt::AlignVCenter, title, font, theme.text, {0.6, false, true}, overflows,
              QStringLiteral("stage"));
}

ComparedLayout comparedLayout(const QRectF& target) {
    ComparedLayout out;
    // Whole pixels: a stage painted at a fractional offset would draw its cached layers through
    // Qt's transformed (filtering) path, which made a comparison's frame cost 2.3–2.9 single frames
    // (bench_view_stage) where its two half-size stages cost less than one.
    const qreal strip = std::round(comparedTitleHeight(target));
    const qreal gap = std::max(2.0, std::round(strip / 8.0));
    const qreal stacked = stageScale(target.width(), (target.height() - gap) / 2 - strip);
    const qreal beside = stageScale((target.width() - gap) / 2, target.height() - strip);
    out.sideBySide = beside > stacked;
    for (int side = 0; side < 2; ++side) {
        QRectF box;
        if (out.sideBySide) {
            const qreal w = std::floor((target.width() - gap) / 2);
            box = QRectF(target.left() + side * (w + gap), target.top(), w, target.height());
        } else {
            const qreal h = std::floor((target.height() - gap) / 2);
            box = QRectF(target.left(), target.top() + side * (h + gap), target.width(), h);
        }
        const auto i = static_cast<std::size_t>(side);
        out.titles[i] = QRectF(box.left(), box.top(), box.width(), strip);
        out.stages[i] = box.adjusted(0, strip, 0, 0);
    }
    return out;
}

void paintComparedStages(QPainter& p, const QRectF& target, const std::array<ComparedSide, 2>& sides, Time t,
                         const Theme& theme, const StageRenderer::Emphasis& emphasis,
                         LabelOverflows* overflows) {
    const ComparedLayout layout = comparedLayout(target);
    // The gap between the two reads as a rule: only what the sides leave is filled (filling the whole
    // frame first cost a fifth of a comparison's frame, measured with bench_view_stage).
    QRegion rest(target.toAlignedRect());
    for (std::size_t i = 0; i < 2; ++i)
        rest -= QRegion(layout.titles[i].toAlignedRect()) + QRegion(layout.stages[i].toAlignedRect());
    for (const QRect& r : rest)
        p.fillRect(r, theme.panelBorder);
    for (std::size_t i = 0; i < 2; ++i) {
        const ComparedSide& s = sides[i];
        paintComparedTitle(p, layout.titles[i], s.title, theme, overflows);
        if (!s.renderer || !s.run) continue;
        p.save();
        p.setClipRect(layout.stages[i]);
        s.renderer->paint(p, layout.stages[i], *s.run, std::min(t, s.run->history().end), theme, emphasis);
        p.restore();
    }
}

std::optional<int> comparedSideAt(QPointF pos, const ComparedLayout& layout) {
    for (int side = 0; side < 2; ++side) {
        const auto i = static_cast<std::size_t>(side);
        if (layout.stages[i].contains(pos) || layout.titles[i].contains(pos)) return side;
    }
    return std::nullopt;
}

} // namespace backlog::views
