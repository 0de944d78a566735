// The lecturer's pen in the main window (issue 16): View › Pen (its modes and colours, with the keys
// the presenter takes too), File › Save Annotations, the side file read when a file opens, and unsaved
// strokes offered for saving before they would be lost.
//
// Keys: D draws, E erases, L is the laser pointer (each again, or Escape, turns the pen off), C clears
// the strokes of the step, Ctrl+Z takes back the last change to them, 1–5 pick the colour. None of
// them is taken elsewhere in the window (Ctrl+E exports, Ctrl+L is the start page; N, B and P are
// steps and playback); plain letters typed into a field (a question's number, a parameter) go to the
// field, as with N, B and P.
#include "app/ui/MainWindow.h"

#include "views/document/AnnotationFile.h"
#include "views/document/AnnotationStore.h"
#include "views/document/SimulationDocument.h"
#include "views/render/Theme.h"
#include "views/widgets/StageView.h"

#include <QAction>
#include <QActionGroup>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPixmap>
#include <QPushButton>
#include <QStatusBar>

namespace backlog::app {

namespace {
using Pen = views::StageView::Pen;

QIcon swatch(const QColor& colour) {
    QPixmap pixmap(16, 16);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setPen(QPen(Qt::black, 1));
    p.setBrush(colour);
    p.drawEllipse(QRectF(2, 2, 12, 12));
    return QIcon(pixmap);
}
} // namespace

void MainWindow::createPen(QMenu* file, QMenu* view) {
    annotations_ = new views::AnnotationStore(this);
    stage_->setAnnotations(annotations_);

    QAction* save = new QAction(tr("Save &Annotations"), this);
    save->setObjectName(QStringLiteral("actionSaveAnnotations"));
    save->setShortcut(QKeySequence::Save);
    save->setToolTip(tr("The strokes drawn on the stage, beside the lesson in FILE.annotations.json"));
    save->setEnabled(false);
    connect(save, &QAction::triggered, this, [this] { saveAnnotations(); });
    connect(doc_, &views::SimulationDocument::loaded, save, [save] { save->setEnabled(true); });
    // After Export…, before Quit.
    const QList<QAction*> fileActions = file->actions();
    file->insertAction(fileActions.isEmpty() ? nullptr : fileActions.back(), save);

    QMenu* pen = view->addMenu(tr("P&en"));
    pen->setObjectName(QStringLiteral("penMenu"));
    auto* modes = new QActionGroup(this);
    modes->setExclusionPolicy(QActionGroup::ExclusionPolicy::ExclusiveOptional);
    const auto mode = [&](const QString& text, Qt::Key key, Pen which, const char* name) {
        QAction* a = pen->addAction(text);
        a->setObjectName(QLatin1String(name));
        a->setCheckable(true);
        a->setShortcut(key);
        a->setShortcutContext(Qt::WindowShortcut);
        modes->addAction(a);
        connect(a, &QAction::triggered, this,
                [this, a, which] { stage_->setPen(a->isChecked() ? which : Pen::Off); });
        connect(stage_, &views::StageView::penChanged, a,
                [a, which](Pen now) { a->setChecked(now == which); });
        return a;
    };
    mode(tr("&Draw"), Qt::Key_D, Pen::Draw, "actionPenDraw")->setToolTip(tr("Draw on the stage (D)"));
    mode(tr("&Erase"), Qt::Key_E, Pen::Erase, "actionPenErase")
        ->setToolTip(tr("Click a stroke to remove it, or drag across strokes (E)"));
    mode(tr("&Laser Pointer"), Qt::Key_L, Pen::Laser, "actionPenLaser")
        ->setToolTip(tr("A bright dot that follows the mouse while the button is held (L)"));
    QAction* off = pen->addAction(tr("Pen &Off"), this, [this] { stage_->setPen(Pen::Off); });
    off->setObjectName(QStringLiteral("actionPenOff"));
    off->setShortcut(Qt::Key_Escape);
    off->setShortcutContext(Qt::WindowShortcut);
    off->setEnabled(false); // Escape is the pen's only while one is on
    connect(stage_, &views::StageView::penChanged, off, [off](Pen now) { off->setEnabled(now != Pen::Off); });
    pen->addSeparator();

    QAction* clear =
        pen->addAction(tr("&Clear This Step"), this, [this] { annotations_->clearMoment(stage_->moment()); });
    clear->setObjectName(QStringLiteral("actionPenClear"));
    clear->setShortcut(Qt::Key_C);
    clear->setShortcutContext(Qt::WindowShortcut);
    QAction* undo = pen->addAction(tr("&Undo Stroke"), this, [this] { annotations_->undo(); });
    undo->setObjectName(QStringLiteral("actionPenUndo"));
    undo->setShortcut(QKeySequence::Undo);
    undo->setEnabled(false);
    connect(annotations_, &views::AnnotationStore::changed, undo,
            [this, undo] { undo->setEnabled(annotations_->canUndo()); });
    pen->addSeparator();

    auto* colours = new QActionGroup(this);
    const QStringList names = {tr("&1 Vermillion"), tr("&2 Blue"), tr("&3 Bluish Green"), tr("&4 Orange"),
                               tr("&5 Reddish Purple")};
    const std::vector<QColor> palette = views::Theme::penColours();
    for (std::size_t i = 0; i < palette.size() && i < static_cast<std::size_t>(names.size()); ++i) {
        const QColor colour = palette[i];
        QAction* a = pen->addAction(swatch(colour), names[static_cast<qsizetype>(i)]);
        a->setObjectName(QStringLiteral("actionPenColour%1").arg(i + 1));
        a->setCheckable(true);
        a->setChecked(colour == annotations_->penColour());
        a->setShortcut(QKeySequence(QString::number(i + 1)));
        a->setShortcutContext(Qt::WindowShortcut);
        colours->addAction(a);
        connect(a, &QAction::triggered, this, [this, colour] { annotations_->setPenColour(colour); });
        connect(annotations_, &views::AnnotationStore::penColourChanged, a,
                [a, colour](const QColor& now) { a->setChecked(now == colour); });
    }
}

QString MainWindow::annotationsPath() const {
    return annotationsPath_;
}

void MainWindow::showAnnotationsMessage(const QString& text) {
    statusBar()->showMessage(text, 10'000);
    // Not modal: a file still opens (and a test goes on) while it is read.
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Annotations"), text, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("annotationsMessage"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->show();
}

void MainWindow::loadAnnotations(const QString& path) {
    annotationsPath_ = views::annotationsPathFor(path);
    if (!QFileInfo::exists(annotationsPath_)) {
        annotations_->replace({});
        return;
    }
    const views::AnnotationsRead read = views::readAnnotations(annotationsPath_);
    annotations_->replace(read.ok() ? read.strokes : std::vector<views::Stroke>{});
    if (!read.ok()) {
        showAnnotationsMessage(tr("The annotations were not loaded: %1").arg(read.error));
        return;
    }
    if (!read.strokes.empty())
        statusBar()->showMessage(tr("%n stroke(s) from %1", nullptr, static_cast<int>(read.strokes.size()))
                                     .arg(QFileInfo(annotationsPath_).fileName()),
                                 6000);
}

QString MainWindow::saveAnnotations() {
    if (annotationsPath_.isEmpty()) return tr("no file is open");
    const QString error = views::writeAnnotations(annotationsPath_, annotations_->strokes());
    if (!error.isEmpty()) {
        showAnnotationsMessage(tr("The annotations were not saved: %1").arg(error));
        return error;
    }
    annotations_->setSaved();
    statusBar()->showMessage(tr("Annotations saved to %1").arg(QFileInfo(annotationsPath_).fileName()), 4000);
    return {};
}

bool MainWindow::offerToSaveAnnotations() {
    if (!annotations_->isModified() || annotationsPath_.isEmpty()) return true;
    QMessageBox box(QMessageBox::Question, tr("Unsaved annotations"),
                    tr("The strokes drawn on %1 have not been saved. Save them in %2?")
                        .arg(QFileInfo(doc_->path()).fileName(), QFileInfo(annotationsPath_).fileName()),
                    QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, this);
    box.setObjectName(QStringLiteral("annotationsUnsaved"));
    box.setDefaultButton(QMessageBox::Save);
    const int answer = box.exec();
    if (answer == QMessageBox::Cancel) return false;
    if (answer == QMessageBox::Discard) {
        annotations_->setSaved(); // asked once: the same strokes are not asked about again
        return true;
    }
    return saveAnnotations().isEmpty();
}

} // namespace backlog::app
