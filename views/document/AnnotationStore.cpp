#include "views/document/AnnotationStore.h"

#include "views/render/Theme.h"

#include <algorithm>
#include <cmath>

namespace backlog::views {

namespace {
// Enough undo for a lecture's slips; older changes are forgotten first.
constexpr std::size_t kUndoDepth = 200;
} // namespace

AnnotationStore::AnnotationStore(QObject* parent) : QObject(parent), penColour_(Theme::penColours().front()) {
}

const Stroke* AnnotationStore::find(std::uint64_t id) const {
    const auto it =
        std::find_if(strokes_.begin(), strokes_.end(), [&](const Stroke& s) { return s.id == id; });
    return it == strokes_.end() ? nullptr : &*it;
}

void AnnotationStore::remember() {
    undo_.push_back(strokes_);
    if (undo_.size() > kUndoDepth) undo_.erase(undo_.begin());
}

void AnnotationStore::setModified(bool modified) {
    if (modified_ == modified) return;
    modified_ = modified;
    emit modifiedChanged(modified_);
}

std::uint64_t AnnotationStore::add(Stroke stroke) {
    if (stroke.points.empty()) return 0;
    remember();
    stroke.id = nextId_++;
    strokes_.push_back(std::move(stroke));
    setModified(true);
    emit changed();
    return strokes_.back().id;
}

int AnnotationStore::erase(const std::vector<std::uint64_t>& ids, bool sameUndoStep) {
    const auto doomed = [&](const Stroke& s) { return std::find(ids.begin(), ids.end(), s.id) != ids.end(); };
    const auto n = std::count_if(strokes_.begin(), strokes_.end(), doomed);
    if (n == 0) return 0;
    if (!sameUndoStep || undo_.empty()) remember();
    std::erase_if(strokes_, doomed);
    setModified(true);
    emit changed();
    return static_cast<int>(n);
}

std::uint64_t AnnotationStore::strokeAt(QPointF at, double reach, const StageMoment& now,
                                        const StrokePlacement* seenOn) const {
    std::uint64_t best = 0;
    double nearest = std::numeric_limits<double>::infinity();
    // The last drawn is on top: it wins a tie.
    for (auto it = strokes_.rbegin(); it != strokes_.rend(); ++it) {
        if (!isShownAt(*it, now)) continue;
        const double d = distanceToStroke(seenOn ? seenOn->seen(*it) : *it, at);
        if (d <= reach + it->width / 2 && d < nearest) {
            nearest = d;
            best = it->id;
        }
    }
    return best;
}

std::vector<std::uint64_t> AnnotationStore::strokesCrossed(QPointF a, QPointF b, double reach,
                                                           const StageMoment& now,
                                                           const StrokePlacement* seenOn) const {
    std::vector<std::uint64_t> out;
    for (const Stroke& s : strokes_)
        if (isShownAt(s, now) &&
            segmentCrossesStroke(seenOn ? seenOn->seen(s) : s, a, b, reach + s.width / 2))
            out.push_back(s.id);
    return out;
}

int AnnotationStore::clearMoment(const StageMoment& now) {
    std::vector<std::uint64_t> ids;
    for (const Stroke& s : strokes_)
        if (isShownAt(s, now)) ids.push_back(s.id);
    return erase(ids);
}

bool AnnotationStore::undo() {
    if (undo_.empty()) return false;
    strokes_ = std::move(undo_.back());
    undo_.pop_back();
    setModified(true);
    emit changed();
    return true;
}

void AnnotationStore::replace(std::vector<Stroke> strokes) {
    strokes_ = std::move(strokes);
    for (Stroke& s : strokes_)
        s.id = nextId_++;
    undo_.clear();
    setModified(false);
    emit changed();
}

void AnnotationStore::setSaved() {
    setModified(false);
}

void AnnotationStore::setPenColour(const QColor& colour) {
    if (penColour_ == colour) return;
    penColour_ = colour;
    emit penColourChanged(colour);
}

void AnnotationStore::setInk(std::optional<Stroke> ink) {
    ink_ = std::move(ink);
    emit liveChanged();
}

void AnnotationStore::pointLaser(QPointF layout, qint64 ms) {
    laserHeld_ = true;
    // Only the tail that is still drawn is kept.
    std::erase_if(laser_, [&](const LaserPoint& p) { return ms - p.ms > kLaserTrailMs; });
    laser_.push_back({layout, ms});
    emit liveChanged();
}

void AnnotationStore::releaseLaser() {
    laserHeld_ = false;
    emit liveChanged();
}

} // namespace backlog::views
