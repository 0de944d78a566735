// The stage as a widget: paints the document's simulation at its playhead with a StageRenderer (the same
// painting path as export and the golden-image tests), repaints when the playhead moves or a run is
// loaded, and says what was clicked. While the document compares two runs, both stages share it
// (ComparedStages.h). It pulls everything at paint time; signals only mark it dirty.
//
// The lecturer's pen (issue 16): with an AnnotationStore set, the store's strokes are painted over the
// stage (Annotations.h), and a pen mode turns clicks into drawing, erasing or the laser pointer instead
// of selecting. The window's stage and the presenter's share one store, so both show every stroke.
#pragma once

#include "views/document/AnnotationStore.h"
#include "views/render/Annotations.h"
#include "views/render/StageRenderer.h"
#include "views/render/StrokePlacement.h"
#include "views/render/Theme.h"

#include <QPointer>
#include <QWidget>

#include <array>
#include <optional>

class QTimer;

namespace backlog::views {

class SimulationDocument;

class StageView : public QWidget {
    Q_OBJECT
  public:
    explicit StageView(QWidget* parent = nullptr);

    void setDocument(SimulationDocument* document);
    SimulationDocument* document() const { return doc_; }

    void setTheme(const Theme& theme);
    const Theme& theme() const { return theme_; }

    // Options (level of detail, drop animation) and layout queries.
    StageRenderer& renderer() { return renderer_; }
    const StageRenderer& renderer() const { return renderer_; }

    // A lesson step's highlights and zoom (empty: the plain stage).
    void setEmphasis(const StageRenderer::Emphasis& emphasis);
    const StageRenderer::Emphasis& emphasis() const { return emphasis_; }

    // A question with `reveal: after-answer` is open (issue 16): the counters strip is hidden.
    void setNumbersConcealed(bool concealed);

    // What is at a point of the widget, at the playhead; nothing when no run is loaded.
    std::optional<StageHit> hitAt(QPointF pos) const;
    // One line saying what a hit is, at the playhead (the tooltip).
    QString describe(const StageHit& hit) const;

    // ---- the pen ----
    enum class Pen { Off, Draw, Erase, Laser };
    // The strokes shown and drawn on this stage (the window's and the presenter's share one); none: no pen.
    void setAnnotations(AnnotationStore* store);
    AnnotationStore* annotations() const { return annotations_; }
    // The lesson step the class is at (LessonPlayer::currentStep): new strokes belong to it. Unset (-1)
    // with a lesson open, the step at the playhead (stepAtMoment) is taken.
    void setLessonStep(int step);
    // Where the stage is, for the strokes: the step, the playhead, the run's end.
    StageMoment moment() const;
    void setPen(Pen pen);
    Pen pen() const { return pen_; }
    // Where strokes land on this stage now (StrokePlacement.h): its layout at the playhead and the zoom a
    // lesson step's emphasis puts on it (strokes are stored without the zoom). While two runs are compared,
    // the plain stretch over the widget.
    StrokePlacement strokePlacement() const;

    QSize sizeHint() const override { return {1280, 720}; }
    QSize minimumSizeHint() const override { return {480, 270}; }

  signals:
    // A click on something: a packet, a client, a queue slot, a listener, a worker.
    void selected(const backlog::views::StageHit& hit);
    void penChanged(backlog::views::StageView::Pen pen);

  protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void tabletEvent(QTabletEvent* event) override;
    bool event(QEvent* event) override;

  private:
    const SimulationDocument* loadedDocument() const; // the document, when it holds a run
    // While the document compares two runs: the run and renderer of a side (0 the document's, 1 the
    // other), at the playhead (a run that has ended, at its end).
    const Simulation& runOf(const SimulationDocument& d, int side) const;
    const StageRenderer& rendererOf(int side) const;
    // Both sides as paintComparedStages draws them and as strokes are placed on them.
    std::array<ComparedSide, 2> comparedSides(const SimulationDocument& d) const;
    Time timeOn(const SimulationDocument& d, int side) const;
    // The pen, from the mouse or a tablet (pressure 1 for the mouse).
    void penDown(QPointF pos, double pressure);
    void penMoved(QPointF pos, double pressure);
    void penUp();
    void eraseAlong(QPointF from, QPointF to);
    void paintAnnotations(QPainter& p);
    void updateCursor();
    QPointer<SimulationDocument> doc_;
    StageRenderer renderer_;
    StageRenderer otherRenderer_; // the compared run's: its caches are its own run's
    Theme theme_ = Theme::light();
    StageRenderer::Emphasis emphasis_;

    QPointer<AnnotationStore> annotations_;
    int step_ = -1;
    Pen pen_ = Pen::Off;
    bool penHeld_ = false;
    double pressureSum_ = 0;
    int pressureCount_ = 0;
    QPointF lastPen_; // layout units: where the eraser was
    // The stage as the pen found it when it went down: its points are kept, and the stroke anchored, by it.
    std::optional<StrokePlacement> placement_;
    bool erasedOnce_ = false; // this drag has erased: what it erases next is the same undo step
    AnnotationFader fader_;
    QTimer* frame_; // another frame while a stroke fades or the laser's tail shortens
};

} // namespace backlog::views

Q_DECLARE_METATYPE(backlog::views::StageView::Pen)
