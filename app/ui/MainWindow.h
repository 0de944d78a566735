// The main window: the stage in the centre, the timeline and playback controls below it, and docks for
// the event log, the kernel's tools and the summary. Everything shows the document's playhead.
#pragma once

#include <QMainWindow>
#include <QPointer>

#include <memory>
#include <string>

class QAction;
class QDockWidget;
class QFileSystemWatcher;
class QLabel;
class QMenu;
class QPlainTextEdit;
class QProgressDialog;
class QStackedWidget;

namespace backlog {
class Simulation;
}
namespace backlog::lab {
struct LabPlan;
}

namespace backlog::views {
class SimulationDocument;
class KernelToolsView;
class EventLogView;
class TimelineView;
class StageView;
class Player;
class InspectorView;
class ParametersView;
class LessonPlayer;
class NarrationView;
class LadderView;
class StateDiagramView;
class ChartsView;
class ConcealCover;
class DifferencesView;
class SelectionModel;
class AnnotationStore;
struct StageHit;
} // namespace backlog::views

namespace backlog::app {

class StartPage;
class PresenterWindow;
class MachineView;
class ExportDialog;

class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;
    // Opens a scenario; on failure the errors are shown in the window and the current one is kept.
    bool openFile(const QString& path);
    views::SimulationDocument* document() const { return doc_; }
    views::Player* player() const { return player_; }
    views::LessonPlayer* lessonPlayer() const { return lesson_; }
    views::NarrationView* narration() const { return narration_; }
    StartPage* startPage() const { return startPage_; }
    views::StageView* stage() const { return stage_; }
    views::SelectionModel* selection() const { return selection_; }
    views::LadderView* ladder() const { return ladder_; }
    // The "This machine" dock's view: the real kernel's listen queues, read while it is shown.
    MachineView* machine() const { return machine_; }
    // The start page in the centre instead of the stage (Lessons › Start Page); opening a file leaves it.
    void showStartPage();
    // Presenter mode (F5): the stage full screen, the narration as a caption.
    void present();
    // The self-study score for handing in (issue 16): Lessons › Export Score… asks where; this writes it
    // (CSV, or JSON for a .json path). The error, also shown in a message box, or an empty string.
    QString exportScoreTo(const QString& out);
    PresenterWindow* presenter() const;
    // File › Export… (Ctrl+E): the export dialog for the run as it is in the window; nullptr when closed.
    void showExportDialog();
    ExportDialog* exportDialog() const;
    bool isStartPageShown() const;
    // Paints every view in a theme (Theme::names()), and remembers it for the next start.
    void applyTheme(const QString& name);
    // The open lesson's file was deleted or moved away: the lesson stays, and comes back with the file.
    bool isLessonFileMissing() const { return lessonFileMissing_; }
    views::ParametersView* parameters() const { return parameters_; }

    // The lecturer's pen (issue 16; MainWindowPen.cpp): the strokes of the open file, shared by the
    // stage and the presenter's stage, kept in FILE.annotations.json beside it (AnnotationFile.h).
    views::AnnotationStore* annotations() const { return annotations_; }
    // File › Save Annotations: the strokes to the side file, whole or not at all. The error (also shown
    // in a message box, object name "annotationsMessage"), or an empty string.
    QString saveAnnotations();
    // Where the open file's strokes are kept (empty when nothing is open).
    QString annotationsPath() const;

    // Lab › Run on this machine… (issue 14): the open file's experiment on the real kernel, planned here,
    // confirmed, run by a process of its own (`backlog lab FILE --save RUN`: a fresh process, never a
    // fork of this one's threads) under a progress dialog whose Cancel ends it, and opened in a window of
    // its own beside this one. Refusals and failures are shown in message boxes (object name
    // "labMessage"), the confirmation is one too ("labConfirm"); none of them blocks the event loop.
    // Without the lab (not Linux) the action is there, disabled, and says why.
    void runOnThisMachine();
    // The program that runs experiments: this one (applicationFilePath()), unless a test names `backlog`.
    static void setLabProgram(const QString& program);
    // A run the lab measured, beside this window's model run on one playhead (the stage split in two, the
    // charts overlaid, both ladders, the differences): titled "model (Linux 6.18)" and "measured on Linux
    // RELEASE". `savedRun`: the run as `backlog lab --save` keeps it, for Lab › Save Measured Run… (empty:
    // nothing to save). Lab › End Comparison, or opening another file, ends it.
    void compareWithMeasuredRun(std::unique_ptr<Simulation> measured, std::string savedRun = {});
    // Lab › Save Measured Run…: the measured run this window compares with, to `path` whole or not at all.
    // The error in words, or an empty string. Opened again with openFile() (any system: no lab needed).
    QString saveMeasuredRun(const QString& path);
    // The progress of a run on this machine, while it runs.
    QProgressDialog* labProgress() const;

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
    void updatePlaybackStatus();
    void select(const views::StageHit& hit);
    void showLessonStep(int step);
    // A question with `reveal: after-answer` opened (true) or was answered or skipped (false).
    void concealAnswers(bool concealed);
    void coverWhatGivesAnswersAway();
    void followLessonPlayer();
    void saveLessonProgress();
    void restoreLessonProgress();
    void lessonFileChanged();
    void watch(const QString& path);
    // The open lesson's file is gone (deleted, moved): the title and status bar say so, and its folder is
    // watched for its return.
    void setLessonFileMissing(bool missing);
    void showIfStopped();

    void leaveStartPage();
    void createLabMenu();
    void showLabMessage(const QString& title, const QString& text);
    void confirmExperiment(const lab::LabPlan& plan);
    void startExperiment(const lab::LabPlan& plan);
    // openFile() for a measured run kept by `backlog lab --save` or Save Measured Run….
    bool openSavedRun(const QString& path);
    static bool isSavedRunFile(const QString& path);
    void chooseMeasuredRunFile();
    void comparisonChanged();

    // The strokes' store, shared with the stage, and File › Save Annotations and View › Pen.
    void createPen(QMenu* file, QMenu* view);
    // The side file of a file just opened: its strokes, or none; one that does not read is said in a
    // message (the file stays open, without strokes).
    void loadAnnotations(const QString& path);
    // Unsaved strokes, before they would be lost (another file, closing): Save, Discard or Cancel.
    // False when the user cancels or the save fails.
    bool offerToSaveAnnotations();
    void showAnnotationsMessage(const QString& text);

    views::SimulationDocument* doc_;
    views::Player* player_;
    views::StageView* stage_;
    views::KernelToolsView* tools_;
    views::EventLogView* log_;
    views::InspectorView* inspector_;
    views::ParametersView* parameters_;
    views::TimelineView* timeline_;
    std::vector<views::ConcealCover*> covers_; // over the docks that would give an answer away
    QPlainTextEdit* summary_;
    views::LessonPlayer* lesson_;
    views::SelectionModel* selection_;
    views::LadderView* ladder_;
    views::StateDiagramView* states_;
    views::ChartsView* charts_;
    views::DifferencesView* differences_;
    views::NarrationView* narration_;
    views::AnnotationStore* annotations_ = nullptr; // createPen()
    QString annotationsPath_;                       // the side file of the open file
    MachineView* machine_;
    StartPage* startPage_;
    QStackedWidget* centre_;
    QWidget* stagePage_;
    QDockWidget* narrationDock_ = nullptr;
    QDockWidget* inspectorDock_ = nullptr;
    QDockWidget* parametersDock_ = nullptr;
    QDockWidget* logDock_ = nullptr;
    QDockWidget* ladderDock_ = nullptr;
    QDockWidget* statesDock_ = nullptr;
    QDockWidget* chartsDock_ = nullptr;
    QDockWidget* differencesDock_ = nullptr;
    QDockWidget* toolsDock_ = nullptr;
    QDockWidget* machineDock_ = nullptr;
    QFileSystemWatcher* watcher_;
    bool reloading_ = false;
    bool lessonFileMissing_ = false;
    QByteArray dockStateBeforeStartPage_;
    QPointer<PresenterWindow> presenter_;
    QPointer<ExportDialog> exportDialog_;
    QLabel* timeLabel_;
    QLabel* modeLabel_;
    QMenu* recentMenu_ = nullptr;
    QMenu* viewMenu_ = nullptr;
    QAction* playAction_ = nullptr;
    QAction* labAction_ = nullptr;
    QAction* saveRunAction_ = nullptr;
    QAction* endComparisonAction_ = nullptr;
    std::string savedRun_; // the measured run compared with, as saved (SavedRun.h); empty when none
    QPointer<QProgressDialog> labProgress_;
    double defaultPointSize_ = 0; // the application font's size before a theme scaled it
};

} // namespace backlog::app
