// The stage as a widget: paints the document's simulation at its playhead with a StageRenderer (the same
// painting path as export and the golden-image tests), repaints when the playhead moves or a run is
// loaded, and says what was clicked. While the document compares two runs, both stages share it
// (ComparedStages.h). It pulls everything at paint time; signals only mark it dirty.
#pragma once

#include "views/render/StageRenderer.h"
#include "views/render/Theme.h"

#include <QPointer>
#include <QWidget>

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

    QSize sizeHint() const override { return {1280, 720}; }
    QSize minimumSizeHint() const override { return {480, 270}; }

  signals:
    // A click on something: a packet, a client, a queue slot, a listener, a worker.
    void selected(const backlog::views::StageHit& hit);

  protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    bool event(QEvent* event) override;

  private:
    const SimulationDocument* loadedDocument() const; // the document, when it holds a run
    // While the document compares two runs: the run and renderer of a side (0 the document's, 1 the
    // other), at the playhead (a run that has ended, at its end).
    const Simulation& runOf(const SimulationDocument& d, int side) const;
    const StageRenderer& rendererOf(int side) const;
    Time timeOn(const SimulationDocument& d, int side) const;
    QPointer<SimulationDocument> doc_;
    StageRenderer renderer_;
    StageRenderer otherRenderer_; // the compared run's: its caches are its own run's
    Theme theme_ = Theme::light();
    StageRenderer::Emphasis emphasis_;
};

} // namespace backlog::views
