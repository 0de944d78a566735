// The ladder diagram as a widget: the selected connections (SelectionModel) at the document's playhead,
// painted by LadderRenderer; a click seeks to the time under the mouse.
#pragma once

#include "views/render/LadderRenderer.h"
#include "views/render/Theme.h"

#include <QPointer>
#include <QWidget>

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
    std::vector<std::uint32_t> connections() const;
    QSize sizeHint() const override { return {560, 420}; }

  signals:
    void seekRequested(backlog::Time t);

  protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;

  private:
    QPointer<SimulationDocument> doc_;
    QPointer<SelectionModel> selection_;
    LadderRenderer renderer_;
    Theme theme_ = Theme::light();
};

} // namespace backlog::views
