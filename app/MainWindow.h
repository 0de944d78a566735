// The main window. For now: a timeline over the recorded run and what the kernel's tools show at the
// playhead; the animated stage (issue 3) takes the centre later.
#pragma once

#include <QMainWindow>

class QLabel;
class QSlider;
class QPlainTextEdit;

namespace backlog::views {
class SimulationDocument;
class KernelToolsView;
} // namespace backlog::views

namespace backlog::app {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    // Opens a scenario; on failure the errors are shown in the window and the current one is kept.
    bool openFile(const QString& path);

private:
    void refresh();
    void chooseFile();

    views::SimulationDocument* doc_;
    views::KernelToolsView* tools_;
    QPlainTextEdit* summary_;
    QSlider* timeline_;
    QLabel* timeLabel_;
};

} // namespace backlog::app
