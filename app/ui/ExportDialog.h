// File › Export…: the window's run written as frames, a video or a handout, through the same engine as
// `backlog export` (Export.h), so a frame from the dialog is exactly what the command line would write.
//
// The export runs on the GUI thread (the charts and the window are widgets, and the document must not
// change under it): the engine calls back every few tens of milliseconds, and the dialog lets Qt process
// events there, so the progress bar moves and Cancel is heard. While it runs the form is disabled, the
// window behind is blocked (the dialog is window-modal), and closing the dialog only cancels — the
// dialog cannot go away with the engine still on the stack.
#pragma once

#include "app/export/Export.h"
#include "views/document/SimulationDocument.h"

#include <QDialog>
#include <QPixmap>
#include <QPointer>
#include <QString>

#include <cstdint>
#include <functional>
#include <vector>

class QButtonGroup;
class QCheckBox;
class QComboBox;
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
    // view paint the window itself at other moments (ExportOptions::window); without them that view
    // builds its own window.
    ExportDialog(views::SimulationDocument* document, QWidget* window, std::function<void(Time)> seekWindow,
                 QWidget* parent = nullptr);
    ~ExportDialog() override;

    // The connections the ladder view draws (the window's selected ones); empty: the engine's default.
    void setLadderConnections(std::vector<std::int64_t> clients);

    // What the form asks for, as the engine's options (without the callbacks).
    ExportOptions options() const;
    bool isExporting() const { return exporting_; }
    // The result of the last export (empty before the first).
    const ExportResult& lastResult() const { return lastResult_; }
    // The picture of the first frame, once a preview has been painted.
    QPixmap preview() const;

public slots:
    // Runs the export the form describes; returns when it is done, failed or cancelled.
    void startExport();
    // Asks a running export to stop (it then leaves nothing behind).
    void cancelExport();

signals:
    void progressed(int done, int total); // from inside the export, after the bar moved
    void exportFinished(bool ok);         // after the status or error line is shown
    void previewUpdated();

protected:
    void closeEvent(QCloseEvent* event) override;
    void reject() override;

private:
    void buildForm();
    void restoreSettings();
    void saveSettings() const;
    void documentChanged();
    void whatChanged();
    void formatChanged();
    void updateForm();
    void updateFrameCount();
    void updateDefaultPath();
    void browse();
    void schedulePreview();
    void paintPreview();
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

    bool pathEdited_ = false;     // the user typed or chose the path: keep it, only change its extension
    bool pathConfirmed_ = false;  // chosen in the file dialog, which already asked about replacing it
    bool exporting_ = false;
    bool cancelRequested_ = false;
    bool closeAfterExport_ = false;
    bool updating_ = false;
    QString lastOut_;
    ExportResult lastResult_;
};

} // namespace backlog::app
