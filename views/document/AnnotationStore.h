// The lecturer's annotations of the open lesson (issue 16): one store per window, shared by the window's
// stage and the presenter's, so what is drawn on the laptop is on the projector at once. It holds the
// strokes (Annotations.h), the pen's colour, the laser pointer's trail, whether the strokes differ from
// the side file (AnnotationFile.h), and an undo history of stroke changes — each change keeps the
// strokes as they were, which costs little for the few hundred strokes a lecture makes.
//
// Views change it only through these commands and repaint on its signals.
#pragma once

#include "views/render/Annotations.h"
#include "views/render/StrokePlacement.h"

#include <QColor>
#include <QObject>
#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace backlog::views {

class AnnotationStore : public QObject {
    Q_OBJECT
  public:
    explicit AnnotationStore(QObject* parent = nullptr);

    const std::vector<Stroke>& strokes() const { return strokes_; }
    bool isEmpty() const { return strokes_.empty(); }
    const Stroke* find(std::uint64_t id) const;

    // Adds a stroke (it gets an id: returned). Strokes without points are not kept (0).
    std::uint64_t add(Stroke stroke);
    // Removes strokes. `sameUndoStep`: part of the last change (an eraser dragged across several strokes
    // is one step to undo). Returns how many were removed.
    int erase(const std::vector<std::uint64_t>& ids, bool sameUndoStep = false);
    // The stroke shown at `now` nearest `at` within `reach` (layout units, plus half its width), or 0.
    // `seenOn`: the stage the eraser is on, where strokes are seen as it places them (StrokePlacement.h);
    // null, the strokes' own points.
    std::uint64_t strokeAt(QPointF at, double reach, const StageMoment& now,
                           const StrokePlacement* seenOn = nullptr) const;
    // The strokes shown at `now` that the segment a–b passes within `reach` of.
    std::vector<std::uint64_t> strokesCrossed(QPointF a, QPointF b, double reach, const StageMoment& now,
                                              const StrokePlacement* seenOn = nullptr) const;
    // C: removes the strokes shown at `now` (the step's, or near the playhead). Returns how many.
    int clearMoment(const StageMoment& now);
    // Ctrl+Z: the strokes as they were before the last change. False when there is nothing to undo.
    bool undo();
    bool canUndo() const { return !undo_.empty(); }

    // The strokes of a side file that was just read (or none, for a lesson without one): not modified,
    // and nothing to undo.
    void replace(std::vector<Stroke> strokes);
    // Whether the strokes differ from what was last read or saved.
    bool isModified() const { return modified_; }
    void setSaved();

    // The pen's colour for the next strokes (Theme::penColours()).
    QColor penColour() const { return penColour_; }
    void setPenColour(const QColor& colour);
    double penWidth() const { return penWidth_; }

    // The stroke being drawn, until the pen lifts and it is add()ed: every stage shows it as it grows.
    const std::optional<Stroke>& ink() const { return ink_; }
    void setInk(std::optional<Stroke> ink);

    // The laser pointer: never stored, never undone, shown by every stage while it moves.
    const std::vector<LaserPoint>& laser() const { return laser_; }
    bool isLaserHeld() const { return laserHeld_; }
    void pointLaser(QPointF layout, qint64 ms);
    void releaseLaser();

  signals:
    void changed(); // the strokes
    void modifiedChanged(bool modified);
    void penColourChanged(const QColor& colour);
    void liveChanged(); // the ink or the laser moved

  private:
    void remember(); // before a change: the strokes as they are, for undo
    void setModified(bool modified);

    std::vector<Stroke> strokes_;
    std::vector<std::vector<Stroke>> undo_;
    std::uint64_t nextId_ = 1;
    bool modified_ = false;
    QColor penColour_;
    double penWidth_ = kDefaultPenWidth;
    std::optional<Stroke> ink_;
    std::vector<LaserPoint> laser_;
    bool laserHeld_ = false;
};

} // namespace backlog::views
