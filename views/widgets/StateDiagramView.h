// The TCP state diagram as a widget: the first selected connection (SelectionModel) at the document's
// playhead, painted by StateDiagramRenderer — the same painting path as export and the golden-image
// tests. It pulls everything at paint time; the document's and the selection's signals only mark it
// dirty.
#pragma once

#include "views/render/StateDiagramRenderer.h"
#include "views/render/Theme.h"

#include <QPointer>
#include <QWidget>

#include <cstdint>
#include <optional>

namespace backlog::views {

class SelectionModel;
class SimulationDocument;

class StateDiagramView : public QWidget {
    Q_OBJECT
  public:
    explicit StateDiagramView(QWidget* parent = nullptr);

    // Repaints when the playhead moves, a run is loaded, or a change cuts the history.
    void setDocument(SimulationDocument* document);
    SimulationDocument* document() const { return doc_; }

    // Follows the first selected connection; repaints when the selection changes.
    void setSelectionModel(SelectionModel* selection);
    SelectionModel* selectionModel() const { return selection_; }

    void setTheme(const Theme& theme);
    const Theme& theme() const { return theme_; }

    const StateDiagramRenderer& renderer() const { return renderer_; }

    // The client drawn: the selection's first connection, when a run is loaded and has that client.
    std::optional<std::uint32_t> connection() const;

    QSize sizeHint() const override { return {640, 360}; }
    QSize minimumSizeHint() const override { return {320, 180}; }

  signals:
    // A click on a state the connection passed through: the moment it entered it (the latest entry at
    // or before the playhead, else the next one).
    void seekRequested(backlog::Time t);

  protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;

  private:
    const SimulationDocument* loadedDocument() const; // the document, when it holds a run
    QPointer<SimulationDocument> doc_;
    QPointer<SelectionModel> selection_;
    StateDiagramRenderer renderer_;
    Theme theme_ = Theme::light();
};

} // namespace backlog::views
