// The main window: the stage in the centre, the timeline and playback controls below it, and docks for
// the event log, the kernel's tools and the summary. Everything shows the document's playhead.
#pragma once

#include <QMainWindow>

class QAction;
class QLabel;
class QMenu;
class QPlainTextEdit;

namespace backlog::views {
class SimulationDocument;
class KernelToolsView;
class EventLogView;
class TimelineView;
class StageView;
class Player;
class InspectorView;
class ParametersView;
struct StageHit;
} // namespace backlog::views

namespace backlog::app {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    // Opens a scenario; on failure the errors are shown in the window and the current one is kept.
    bool openFile(const QString& path);
    views::SimulationDocument* document() const { return doc_; }
    views::Player* player() const { return player_; }

protected:
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createActions();
    void createDocks();
    void refresh();
    void chooseFile();
    void rebuildRecentMenu();
    void applyTheme(const QString& name);
    void updatePlaybackStatus();
    void select(const views::StageHit& hit);

    views::SimulationDocument* doc_;
    views::Player* player_;
    views::StageView* stage_;
    views::KernelToolsView* tools_;
    views::EventLogView* log_;
    views::InspectorView* inspector_;
    views::ParametersView* parameters_;
    views::TimelineView* timeline_;
    QPlainTextEdit* summary_;
    QLabel* timeLabel_;
    QLabel* modeLabel_;
    QMenu* recentMenu_ = nullptr;
    QMenu* viewMenu_ = nullptr;
    QAction* playAction_ = nullptr;
    double defaultPointSize_ = 0; // the application font's size before a theme scaled it
};

} // namespace backlog::app
