// File › Export…: the window's run written as frames, a video or a handout, through the same engine as
// `backlog export` (Export.h), so a frame from the dialog is exactly what the command line would write.
//
// The export runs on a thread of its own (ExportJob), from a copy of the window's run (ExportRun::copyOf)
// made when it starts: the window answers meanwhile — its playhead may be dragged, its run changed or
// another file opened — and the export still paints the run as it was. The progress bar follows the
// job's signals and Cancel stops it between frames. While it runs the form is disabled; closing the
// dialog cancels, and the dialog closes once the export has stopped. The preview is painted the same way.
#pragma once

#include "app/export/Export.h"
#include "views/document/AnnotationStore.h"
#include "views/document/SimulationDocument.h"

#include <QDialog>
#include <QPixmap>
#include <QPointer>
#include <QString>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QFormLayout;
class QPainter;
class QTemporaryDir;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTimer;

namespace backlog::app {

class ExportDialog : public QDialog {
    Q_OBJECT
  public:
    enum class What { Moment, Range, Steps };

    // `document` is the window's run (it must be loaded). `window` and `seekWindow` let the "Window"
    // view paint the window itself at other moments (ExportOptions::paintWindow); without them that view
    // is refused, as on the command line.
    ExportDialog(views::SimulationDocument* document, QWidget* window, std::function<void(Time)> seekWindow,
                 QWidget* parent = nullptr);
    ~ExportDialog() override;

    // The connections the ladder view draws (the window's selected ones); empty: the engine's default.
    void setLadderConnections(std::vector<std::int64_t> clients);
    // The window's strokes (issue 16): "Include annotations" is offered while there are any, and a ticked
    // box paints them over the stage (a copy taken when the export starts, as of the run).
    void setAnnotations(views::AnnotationStore* store);

    // What the form asks for, as the engine's options: the copy of the window's run for its present
    // state, and for the window view the window's own painter (without the progress callbacks).
    ExportOptions options() const;
    bool isExporting() const { return exporting_; }
    // The result of the last export (empty before the first).
    const ExportResult& lastResult() const { return lastResult_; }
    // The picture of the first frame, once a preview has been painted.
    QPixmap preview() const;

  public slots:
    // Starts the export the form describes; exportFinished() says when it is done, failed or cancelled.
    void startExport();
    // Asks a running export to stop (it then leaves nothing behind).
    void cancelExport();

  signals:
    void progressed(int done, int total); // while the export runs, after the bar moved
    void exportFinished(bool ok);         // after the status or error line is shown
    void previewUpdated();

  protected:
    void closeEvent(QCloseEvent* event) override;
    void reject() override;

  private:
    void buildForm();
    void buildWhat(QFormLayout* formLayout);
    void buildFormatAndView(QFormLayout* formLayout);
    void buildLook(QFormLayout* formLayout);
    void buildOutput(QFormLayout* formLayout);
    void buildBelowTheForm();
    void connectForm();
    void restoreSettings();
    void saveSettings() const;
    void documentChanged();
    void playheadChanged();
    void whatChanged();
    void formatChanged();
    void updateForm();
    void updateFrameCount();
    void updateDefaultPath();
    void browse();
    void schedulePreview();
    void paintPreview();
    void previewPainted(const ExportResult& result);
    void exportDone(const ExportResult& result);
    std::shared_ptr<const ExportRun> exportRun() const;
    std::function<QString(QPainter&, Time)> windowPainter() const;
    void setExporting(bool on);
    void showResult(const ExportResult& result, const QString& out);
    // The window's run when it holds one, else nullptr (the document may go away with the window).
    const views::SimulationDocument* run() const { return views::loadedOrNull(doc_); }
    What what() const;
    bool canBeTransparent() const;
    QSize frameSize() const;
    QString format() const;
    Time fromTime() const;
    Time toTime() const;
    QString defaultPath() const;
    QString retargeted(const QString& path) const;

    QPointer<views::SimulationDocument> doc_;
    QPointer<QWidget> window_;
    std::function<void(Time)> seekWindow_;
    std::vector<std::int64_t> clients_;

    QButtonGroup* whatGroup_;
    QRadioButton* moment_;
    QRadioButton* range_;
    QRadioButton* steps_;
    QDoubleSpinBox* from_;
    QDoubleSpinBox* to_;
    QSpinBox* fps_;
    QComboBox* clock_;
    QLabel* frameCount_;
    QComboBox* format_;
    QComboBox* view_;
    QLabel* chartLabel_;
    QComboBox* chart_;
    QComboBox* theme_;
    QSpinBox* width_;
    QSpinBox* height_;
    QComboBox* sizePreset_;
    QComboBox* scale_;
    QLabel* pixels_;
    QCheckBox* transparent_;
    QCheckBox* emphasis_;
    QCheckBox* annotations_;
    QPointer<views::AnnotationStore> store_;
    QLineEdit* out_;
    QPushButton* browse_;
    QLabel* preview_;
    QProgressBar* progress_;
    QPushButton* cancel_;
    QLabel* status_;
    QLabel* error_;
    QPushButton* openFolder_;
    QPushButton* export_;
    QPushButton* close_;
    QWidget* form_;
    QTimer* previewTimer_;

    bool pathEdited_ = false;    // the user typed or chose the path: keep it, only change its extension
    bool pathConfirmed_ = false; // chosen in the file dialog, which already asked about replacing it
    bool exporting_ = false;
    bool closeAfterExport_ = false;
    bool documentChangedMeanwhile_ = false; // the form follows the run once the export has ended
    bool previewAgain_ = false;             // the form changed while the preview was being painted
    bool updating_ = false;
    QString lastOut_;
    ExportResult lastResult_;
    QPointer<ExportJob> exportJob_;
    QPointer<ExportJob> previewJob_;
    std::unique_ptr<QTemporaryDir> previewDir_; // where the preview job writes its frame
    // The copy of the window's run that exports and previews paint, and the run's revision it copies.
    mutable std::shared_ptr<const ExportRun> runCopy_;
    mutable std::uint64_t runCopyRevision_ = 0;
    mutable std::shared_ptr<const ExportRun> otherCopy_; // the window's comparison, if any (same revision)
};

} // namespace backlog::app
