// Two runs' stages on one playhead (issue 14: the kernel's run beside the model's; issue 16: the same
// scenario with other settings): one above the other, or side by side when that shows each larger, each
// under a strip that names its side. The stage view paints it, and so can an export: one painting path.
#pragma once

#include "views/render/StageRenderer.h"
#include "views/render/Theme.h"

#include <QPainter>
#include <QRectF>
#include <QString>

#include <array>
#include <optional>

namespace backlog::views {

struct ComparedLayout {
    bool sideBySide = false;
    std::array<QRectF, 2> titles; // the strip naming each side
    std::array<QRectF, 2> stages; // where each run's stage is painted
};

// The layout of `target`: each stage keeps the stage's 16:9 proportion as large as it can be; ties go to
// one above the other (the docks beside the stage keep their width).
ComparedLayout comparedLayout(const QRectF& target);

// One side: its renderer (caches of its own run), its run and the words in its strip.
struct ComparedSide {
    const StageRenderer* renderer = nullptr;
    const Simulation* run = nullptr;
    QString title;
};

// Both stages at `t` with a lesson's emphasis on each (a client is the same client on both sides: the
// traffic is the same). A run that has ended is shown at its end. A title too long for its strip is
// elided and reported to `overflows` when given (the widget's tooltip has it whole).
void paintComparedStages(QPainter& p, const QRectF& target, const std::array<ComparedSide, 2>& sides, Time t,
                         const Theme& theme, const StageRenderer::Emphasis& emphasis,
                         LabelOverflows* overflows = nullptr);

// The strip that names a side above its picture (the stage's, the ladder's): how tall it is in `target`,
// and the strip itself, the title elided (and reported to `overflows`) when it is too long.
qreal comparedTitleHeight(const QRectF& target);
void paintComparedTitle(QPainter& p, const QRectF& strip, const QString& title, const Theme& theme,
                        LabelOverflows* overflows = nullptr);

// Which side `pos` is on (its stage or its strip), or nothing between them.
std::optional<int> comparedSideAt(QPointF pos, const ComparedLayout& layout);

} // namespace backlog::views
