// Where the lecturer's strokes (Annotations.h) land on one target: the stage laid out there, its zoom,
// and the rectangles of the parts strokes are anchored to. The window's stage and the presenter's make
// one for each paint and each stroke finished, export for each frame; every stroke is painted through
// it, so a stroke lands on the same part of the stage on every target, whatever its shape.
//
// The anchoring keeps a stroke exactly where it was drawn on the target it was drawn on: the anchor's
// frame is the part's rectangle there, in layout units, so the part's mapping is the plain stretch on
// that target. Elsewhere the frame maps onto the part's rectangle of that target.
#pragma once

#include "views/render/Annotations.h"
#include "views/render/ComparedStages.h"
#include "views/render/StageRenderer.h"

#include <QRectF>
#include <QTransform>

#include <array>
#include <vector>

class QPainter;

namespace backlog::views {

// One part of the stage laid out on a target, in the target's (unzoomed) pixels.
struct StagePartRect {
    StagePart part = StagePart::Stage;
    int listener = -1;
    QRectF rect;
    int side = -1; // two runs compared: the side it is on
};

// The anchorable parts of a layout (not the whole stage: StrokePlacement adds its target).
std::vector<StagePartRect> stagePartsOf(const StageRenderer::Geometry& g);

class StrokePlacement {
  public:
    // Without parts (two runs compared side by side, or no run), every stroke is placed by the plain
    // stretch over the target.
    explicit StrokePlacement(const QRectF& target, const QTransform& zoom = {},
                             std::vector<StagePartRect> parts = {});
    // The stage's layout at a moment, with its emphasis' zoom.
    static StrokePlacement of(const StageRenderer& renderer, const QRectF& target, const Simulation& sim,
                              Time t, const StageRenderer::Emphasis& emphasis = {});
    // Two runs compared, as paintComparedStages lays them out: each side's stage and its parts, where
    // they are shown (zoomed by the emphasis within their side), so that a stroke stays on its side's
    // part whether the sides are side by side (a projector) or one above the other (a window).
    static StrokePlacement ofCompared(const std::array<ComparedSide, 2>& sides, const QRectF& target, Time t,
                                      const StageRenderer::Emphasis& emphasis = {});

    const QRectF& target() const { return target_; }
    const QTransform& zoom() const { return zoom_; }
    // The parts strokes can be anchored to, in the target's unzoomed pixels, smallest first.
    const std::vector<StagePartRect>& parts() const { return parts_; }
    // Pixels of the target per layout unit, for widths (Annotations.h layoutUnit).
    double unit() const;
    // A point of the target in layout units, by the plain stretch (the pen's points as it draws).
    QPointF toLayout(QPointF pos) const;

    // Where each of a stroke's points is painted on the target.
    std::vector<QPointF> place(const Stroke& stroke) const;
    // The stroke as it is seen here, in this target's layout units: what the eraser reaches.
    Stroke seen(const Stroke& stroke) const;
    // A stroke just finished here: anchored to the part it was drawn over (the smallest part that holds
    // it, with a little room round the part, so that a ring round a queue belongs to that queue), or —
    // when no part but the whole stage holds it — to the part under its first point and the part under
    // its last. Its points are kept where they are painted here.
    void anchor(Stroke& stroke) const;

  private:
    const StagePartRect* find(const StrokeAnchor& anchor) const;
    QPointF unzoomed(QPointF layout, const StrokeAnchor& anchor) const;
    std::vector<QPointF> unzoomedPoints(const Stroke& stroke) const;
    StrokeAnchor anchorOf(const StagePartRect& part) const;

    QRectF target_;
    QTransform zoom_;
    std::vector<StagePartRect> parts_; // smallest first
};

// Paints strokes over a stage, each at its opacity (0: not drawn). `opacity` has one entry per stroke.
void paintStrokes(QPainter& p, const StrokePlacement& where, const std::vector<Stroke>& strokes,
                  const std::vector<double>& opacity);
// The strokes as an exported frame shows them at `now`: each at its presence.
void paintStrokesAt(QPainter& p, const StrokePlacement& where, const std::vector<Stroke>& strokes,
                    const StageMoment& now);

} // namespace backlog::views
