// The lecturer's pen (issue 16): strokes drawn on the stage, painted over it by the one painting path —
// the window's stage, the presenter's and every exported frame call paintStrokes() with the stage's
// target and zoom.
//
// Strokes live in the stage's layout units: the 1600 × 900 reference stage (StageMetrics.h) stretched
// over the target. On a 16:9 target the stage's parts stretch the same way, but not on another shape:
// the bands and the listeners keep their proportions (their sizes follow the smaller stretch), so a
// queue sits elsewhere in a 4:3 window than on a 16:9 projector. A finished stroke is therefore anchored
// (StrokePlacement.h) to the part of the stage it was drawn over — a queue, a listener, the server panel —
// and follows that part wherever a target lays it out: a ring drawn round the accept queue in a 4:3
// window rings it on the projector and in a 3840 × 2160 export. A lesson step's zoom is undone before
// a point is stored and applied again when it is painted, so a stroke drawn on a zoomed queue stays on
// that queue when the step is left and the zoom goes.
//
// A stroke belongs to a moment: the lesson step it was drawn at, or — a plain run — the playhead. It is
// at full strength while the stage is at that moment (strokePresence) and gone elsewhere; the window
// lets it fade out over half a second of wall-clock time as the class moves on (AnnotationFader). The
// presence is a function of (step, t) alone, so an exported frame shows what the class saw once the
// fade was over.
#pragma once

#include "model/core/Time.h"

#include <QColor>
#include <QPointF>
#include <QRectF>
#include <QString>
#include <QTransform>

#include <cstdint>
#include <unordered_map>
#include <vector>

class QPainter;

namespace backlog::views {

// The reference stage strokes are stored in (StageMetrics.h refWidth × refHeight).
inline constexpr double kAnnotationWidth = 1600.0;
inline constexpr double kAnnotationHeight = 900.0;

// Where a stroke belongs.
struct StrokeMoment {
    int step = -1; // >= 0: the lesson step it was drawn at
    Time at;       // step < 0: the playhead of a plain run when it was drawn
    bool operator==(const StrokeMoment&) const = default;
};

// Where the stage is: the lesson step it shows (-1: no lesson), the playhead, and the run's end (how
// near "near its moment" is in a plain run: nearWindow()).
struct StageMoment {
    int step = -1;
    Time t;
    Time end;
    // The moment a stroke drawn now belongs to.
    StrokeMoment strokeMoment() const { return step >= 0 ? StrokeMoment{step, Time()} : StrokeMoment{-1, t}; }
};

// The parts of the stage a stroke can be anchored to: the bands, the panels, and each listener with its
// two queue rows (StageRenderer::Geometry). Parts that move within a moment (clients' rows, packets,
// workers' boxes) are not anchors: a stroke must not wander while the run plays under it.
enum class StagePart : std::uint8_t {
    Stage, // the whole stage: a plain stretch of the layout units over the target
    Header,
    Footer,
    Clients,
    Network,
    Server,
    ServerTitle,
    Counters,
    Workers,
    Listener, // `listener`: its frame
    SynQueue, // `listener`: its SYN queue's row
    AcceptQueue,
};
// A part's name in the side file ("accept-queue"), and the part of a name (false: no such part).
const char* stagePartName(StagePart part);
bool stagePartNamed(const QString& name, StagePart& part);
inline bool stagePartHasListener(StagePart part) {
    return part == StagePart::Listener || part == StagePart::SynQueue || part == StagePart::AcceptQueue;
}

// The part a stroke follows, and where that part lay — in layout units — on the stage the stroke was
// drawn on. Painted on another target, the stroke is moved and stretched as the part was: the frame
// maps onto the part's rectangle there. The default (the whole stage at its reference frame) is the plain
// stretch: what strokes of a first-format side file get.
struct StrokeAnchor {
    StagePart part = StagePart::Stage;
    int listener = -1; // Listener, SynQueue, AcceptQueue: which listening socket; -1 otherwise
    // Two runs compared (ComparedStages.h): the side the part is on, 0 or 1 (`Stage` then names that
    // side's whole stage); -1, the one stage.
    int side = -1;
    QRectF frame{0, 0, kAnnotationWidth, kAnnotationHeight};
    bool operator==(const StrokeAnchor&) const = default;
};

struct Stroke {
    std::uint64_t id = 0; // given by the store (AnnotationStore.h); 0 outside one
    StrokeMoment moment;
    QColor colour;
    double width = 4;            // in layout units
    std::vector<QPointF> points; // in layout units, on the stage it was drawn on
    // What it follows (StrokePlacement::anchor). A stroke within one part has one anchor, and `endAnchor`
    // equals `anchor`; one that goes from part to part (an arrow from the clients to a queue) follows the
    // part under its first point at its start and the part under its last at its end, and is bent
    // between them along its length.
    StrokeAnchor anchor;
    StrokeAnchor endAnchor;
    // The stroke as a file keeps it: everything but the store's id.
    bool sameDrawing(const Stroke& o) const {
        return moment == o.moment && colour == o.colour && width == o.width && points == o.points &&
               anchor == o.anchor && endAnchor == o.endAnchor;
    }
};

// The pen's colours are Theme::penColours().
inline constexpr double kDefaultPenWidth = 4;
inline constexpr double kMaxPenWidth = 200;

// Between a point of the target (after the zoom `zoom` maps the stage onto it) and the layout, by the
// plain stretch: what the laser's trail and a stroke being drawn are kept in.
QPointF toLayout(QPointF pos, const QRectF& target, const QTransform& zoom = {});
QPointF fromLayout(QPointF layout, const QRectF& target, const QTransform& zoom = {});
// Pixels of the target per layout unit, for widths: the smaller of the two stretches (as the stage's
// own `unit`), times the zoom's.
double layoutUnit(const QRectF& target, const QTransform& zoom = {});

// A plain run's "near": a stroke stays at full strength while the playhead is within this of its
// moment (a two-hundredth of the run, at least a nanosecond), and fades out over as much again.
Time nearWindow(Time end);
// How strongly a stroke shows at a moment: 1 at its own, 0 away from it (in a plain run, linearly
// between).
double strokePresence(const Stroke& stroke, const StageMoment& now);
// Whether a stroke is the current moment's: what C clears and what the eraser reaches.
inline bool isShownAt(const Stroke& stroke, const StageMoment& now) {
    return strokePresence(stroke, now) > 0;
}

// The shortest distance from a point to a stroke's line, in layout units (to its point when it has one).
double distanceToStroke(const Stroke& stroke, QPointF p);
// Whether the segment a–b passes within `reach` of the stroke's line (the eraser dragged across it).
bool segmentCrossesStroke(const Stroke& stroke, QPointF a, QPointF b, double reach);

// The laser pointer: where it has been in the last moments, in layout units, with the wall-clock time
// (ms) of each point. It leaves nothing behind: the trail is never stored.
struct LaserPoint {
    QPointF at;
    qint64 ms = 0;
};
inline constexpr qint64 kLaserTrailMs = 350;
// A bright dot at the last point (while `held`) and a tail that fades over kLaserTrailMs.
void paintLaser(QPainter& p, const QRectF& target, const QTransform& zoom,
                const std::vector<LaserPoint>& trail, bool held, qint64 nowMs);

// The window's fade: a stroke the stage has left fades out over kFadeMs of wall-clock time instead of
// vanishing, and comes back at once when the stage returns to it. Each paint advances the fade by the
// time since the last one, but by one frame's worth at most, so a first paint after a long pause does
// not skip the fade.
class AnnotationFader {
  public:
    static constexpr double kFadeMs = 500;
    static constexpr qint64 kLongestFrameMs = 40;
    // The opacity of each stroke at `nowMs` (one entry per stroke).
    std::vector<double> opacities(const std::vector<Stroke>& strokes, const StageMoment& now, qint64 nowMs);
    // Whether a stroke was drawn fainter than its presence (the widget asks for another frame).
    bool isFading() const { return fading_; }

  private:
    std::unordered_map<std::uint64_t, double> shown_;
    qint64 lastMs_ = -1;
    bool fading_ = false;
};

} // namespace backlog::views
