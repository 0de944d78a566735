// The ladder diagram as a widget: the selected connections (SelectionModel) at the document's playhead,
// painted by LadderRenderer; a click seeks to the time under the mouse. While the document compares two
// runs, the same connections' ladders from both, side by side under their titles.
#pragma once

#include "views/render/LadderRenderer.h"
#include "views/render/Theme.h"

#include <QPointer>
#include <QWidget>

#include <array>
#include <utility>

namespace backlog::views {

class SelectionModel;
class SimulationDocument;

class LadderView : public QWidget {
    Q_OBJECT
  public:
    explicit LadderView(QWidget* parent = nullptr);
    void setDocument(SimulationDocument* document);
    void setSelectionModel(SelectionModel* selection);
    void setTheme(const Theme& theme);
    const LadderRenderer& renderer() const { return renderer_; }
    // The selected connections that the document's run has (`side` 1: the compared run's).
    std::vector<std::uint32_t> connections(int side = 0) const;
    QSize sizeHint() const override { return {560, 420}; }

  signals:
    void seekRequested(backlog::Time t);

  protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;

  private:
    // Where each side's ladder goes while comparing: {title strip, ladder} per side.
    std::array<std::pair<QRectF, QRectF>, 2> comparedRects() const;
    QPointer<SimulationDocument> doc_;
    QPointer<SelectionModel> selection_;
    LadderRenderer renderer_;
    LadderRenderer otherRenderer_; // the compared run's: its trace is of its own run
    Theme theme_ = Theme::light();
};

} // namespace backlog::views
