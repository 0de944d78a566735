// The window's Lab menu (issue 14): the open scenario's experiment on this machine's kernel, and the
// measured run beside the model's on one playhead; a measured run saved, and opened again (on any system:
// the lab's records are portable). The lab itself is plain C++ (app/lab); here it is planned,
// confirmed, run by a process of its own and shown.
#include "app/ui/MainWindow.h"

#include "app/lab/SavedRun.h"
#include "app/ui/AppSettings.h"
#include "model/kernel/Simulation.h"
#include "model/scenario/SourceFile.h"
#include "views/document/LessonPlayer.h"
#include "views/document/Player.h"
#include "views/document/SimulationDocument.h"
#include "views/widgets/StageView.h"
#include "views/widgets/TimelineView.h"

#include <QAction>
#include <QCoreApplication>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QSaveFile>
#include <QStatusBar>

#ifdef BACKLOG_HAS_LAB
#include "app/lab/Experiment.h"
#include "app/lab/LabPlan.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>
#endif

namespace backlog::app {

namespace {
QString& labProgramOverride() {
    static QString program;
    return program;
}

// A measured run is larger than a lesson may be (a flood's capture): read with a cap of its own.
constexpr std::size_t kMaxSavedRunBytes = std::size_t{1} << 30;

// The measured run in `path` and the model's run of the file it ran; `error` when it is not one.
std::optional<lab::OpenedRun> readSavedRun(const QString& path, std::string& text, QString& error) {
    SourceText raw = readSourceFile(path.toStdString(), kMaxSavedRunBytes);
    if (raw.error) {
        error = QString::fromStdString(raw.error->text());
        return std::nullopt;
    }
    const lab::LabResult<lab::SavedRun> saved = lab::parseSavedRun(raw.text);
    if (!saved.ok()) {
        error = QString::fromStdString(saved.error());
        return std::nullopt;
    }
    lab::LabResult<lab::OpenedRun> run = lab::openSavedRun(saved.value());
    if (!run.ok()) {
        error = QString::fromStdString(run.error());
        return std::nullopt;
    }
    text = std::move(raw.text);
    return std::move(run.value());
}

} // namespace

// Whether `path` holds a measured run, by its first bytes (its name may be anything).
bool MainWindow::isSavedRunFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return false;
    const QByteArray start = f.read(static_cast<qint64>(lab::kSavedRunProbeBytes));
    return lab::looksLikeSavedRun(
        std::string_view(start.constData(), static_cast<std::size_t>(start.size())));
}

void MainWindow::setLabProgram(const QString& program) {
    labProgramOverride() = program;
}

void MainWindow::createLabMenu() {
    QMenu* labMenu = menuBar()->addMenu(tr("La&b"));
    labMenu->setToolTipsVisible(true);
    labAction_ = labMenu->addAction(tr("&Run on This Machine…"), this, &MainWindow::runOnThisMachine);
    labAction_->setObjectName(QStringLiteral("actionRunOnThisMachine"));
    labAction_->setEnabled(false);
#ifdef BACKLOG_HAS_LAB
    labAction_->setToolTip(tr("Runs the open scenario on this machine's kernel, in a private network "
                              "namespace (needs root), and shows what the kernel did beside the model"));
    // A measured run is not a scenario to run again: its window has nothing to offer here.
    // Nor is a saved run's model run: `backlog lab` reports a saved run again instead of running it.
    connect(doc_, &views::SimulationDocument::loaded, labAction_, [this] {
        labAction_->setEnabled(!labProgress_ && !doc_->simulation().source().measured &&
                               !isSavedRunFile(doc_->path()));
    });
#else
    labAction_->setToolTip(tr("The lab needs Linux: it runs a scenario on the real kernel in a network "
                              "namespace"));
#endif
    saveRunAction_ = labMenu->addAction(tr("&Save Measured Run…"), this, &MainWindow::chooseMeasuredRunFile);
    saveRunAction_->setObjectName(QStringLiteral("actionSaveMeasuredRun"));
    saveRunAction_->setToolTip(tr("Keeps the kernel's run shown here in a file, to open again later (File › "
                                  "Open…), on any system"));
    saveRunAction_->setEnabled(false);
    endComparisonAction_ =
        labMenu->addAction(tr("&End Comparison"), doc_, &views::SimulationDocument::endComparison);
    endComparisonAction_->setObjectName(QStringLiteral("actionEndComparison"));
    endComparisonAction_->setToolTip(tr("Shows this window's run alone again"));
    endComparisonAction_->setEnabled(false);
    connect(doc_, &views::SimulationDocument::comparisonChanged, this, &MainWindow::comparisonChanged);
}

void MainWindow::comparisonChanged() {
    timeline_->setSimulation(&doc_->simulation(), doc_->end()); // to the later end of the two
    const bool comparing = doc_->comparison() != nullptr;
    endComparisonAction_->setEnabled(comparing);
    if (comparing) {
        differencesDock_->show(); // what differs, at a glance
        differencesDock_->raise();
        return;
    }
    savedRun_.clear(); // what was saved was the run compared with
    saveRunAction_->setEnabled(false);
    if (doc_->isLoaded()) setWindowTitle(QFileInfo(doc_->path()).fileName() + QStringLiteral(" — Backlog"));
}

QProgressDialog* MainWindow::labProgress() const {
    return labProgress_.data();
}

void MainWindow::showLabMessage(const QString& title, const QString& text) {
    // Not exec(): a nested event loop here would run under whatever called us (a test, a finished run).
    auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("labMessage"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::compareWithMeasuredRun(std::unique_ptr<Simulation> measured, std::string savedRun) {
    if (!doc_->isLoaded() || !measured) return;
    const RunSource source = measured->source();
    const QString release = QString::fromStdString(source.kernelRelease);
    const QString profile = QString::fromLatin1(doc_->simulation().scenario().kernel.profile.name);
    doc_->compareWith(std::move(measured), tr("model (Linux %1)").arg(profile),
                      tr("measured on Linux %1").arg(release));
    savedRun_ = std::move(savedRun);
    saveRunAction_->setEnabled(!savedRun_.empty());
    setWindowTitle(tr("%1 — model and Linux %2 — Backlog").arg(QFileInfo(doc_->path()).fileName(), release));
    statusBar()->showMessage(source.warnings.empty()
                                 ? tr("The model's run and the kernel's, measured on Linux %1").arg(release)
                                 : tr("Measured on Linux %1; not reproduced: %2")
                                       .arg(release, QString::fromStdString(source.warnings.front())));
}

bool MainWindow::openSavedRun(const QString& path) {
    std::string text;
    QString error;
    std::optional<lab::OpenedRun> run = readSavedRun(path, text, error);
    if (!run) {
        QMessageBox box(QMessageBox::Warning, tr("Cannot open %1").arg(QFileInfo(path).fileName()), error,
                        QMessageBox::Ok, this);
        box.exec();
        return false;
    }
    player_->pause();
    if (lesson_->isActive()) saveLessonProgress();
    // The model's run of the file it ran, with the kernel's beside it: what Run on This Machine showed.
    doc_->adopt(std::move(run->model), path);
    compareWithMeasuredRun(std::move(run->measured), std::move(text));
    rememberRecentFile(path);
    rebuildRecentMenu();
    leaveStartPage();
    narrationDock_->setVisible(false); // its lesson's steps are not placed on a saved run
    watch(QString());
    stage_->setFocus();
    return true;
}

QString MainWindow::saveMeasuredRun(const QString& path) {
    if (savedRun_.empty()) return tr("This window compares with no measured run");
    QSaveFile file(path);
    const auto size = static_cast<qint64>(savedRun_.size());
    if (!file.open(QIODevice::WriteOnly) || file.write(savedRun_.data(), size) != size || !file.commit())
        return tr("Could not save %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
    return {};
}

void MainWindow::chooseMeasuredRunFile() {
    if (savedRun_.empty()) return;
    const QFileInfo shown(doc_->path());
    const QString suggested =
        shown.suffix() == QLatin1String("run")
            ? shown.filePath()
            : shown.dir().filePath(shown.completeBaseName() + QStringLiteral("-measured.run"));
    const QString path = QFileDialog::getSaveFileName(this, tr("Save the measured run"), suggested,
                                                      tr("Measured runs (*.run)"));
    if (path.isEmpty()) return;
    const QString error = saveMeasuredRun(path);
    if (!error.isEmpty()) {
        showLabMessage(tr("The measured run was not saved"), error);
        return;
    }
    statusBar()->showMessage(tr("Saved the measured run to %1").arg(QDir::toNativeSeparators(path)), 4000);
}

#ifdef BACKLOG_HAS_LAB

void MainWindow::runOnThisMachine() {
    if (!doc_->isLoaded() || labProgress_ || doc_->simulation().source().measured) return;
    player_->pause();
    // Planning reads the model's run and uname: cheap, on the GUI thread. A refusal names the limit.
    const lab::LabResult<lab::LabPlan> plan =
        lab::planExperiment(doc_->simulation(), lab::kernelRelease(), {});
    if (!plan.ok()) {
        showLabMessage(tr("The lab refuses this experiment"), QString::fromStdString(plan.error()));
        return;
    }
    confirmExperiment(plan.value());
}

void MainWindow::confirmExperiment(const lab::LabPlan& plan) {
    QString text = tr("<p>Run <b>%1</b> on this machine's kernel (Linux %2)?</p>"
                      "<p>It takes %3 s of real time, plus a moment to set up.</p>"
                      "<p>It runs in a private network namespace, so this machine's own sockets and "
                      "settings are not touched; making one needs root.</p>")
                       .arg(QFileInfo(doc_->path()).fileName().toHtmlEscaped(),
                            QString::fromStdString(lab::kernelRelease()).toHtmlEscaped(),
                            QString::fromStdString(formatSecondsTrimmed(plan.end)));
    if (!plan.warnings.empty()) {
        text += tr("<p>What the kernel's run will not reproduce:</p><ul>");
        for (const std::string& w : plan.warnings)
            text += QStringLiteral("<li>%1</li>").arg(QString::fromStdString(w).toHtmlEscaped());
        text += QStringLiteral("</ul>");
    }
    auto* box = new QMessageBox(QMessageBox::Question, tr("Run on this machine"), text,
                                QMessageBox::Ok | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("labConfirm"));
    box->setTextFormat(Qt::RichText);
    box->button(QMessageBox::Ok)->setText(tr("Run"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, plan](int result) {
        if (result == QMessageBox::Ok) startExperiment(plan);
    });
    box->open();
}

void MainWindow::startExperiment(const lab::LabPlan& plan) {
    if (labProgress_) return;
    const QString file = doc_->path();
    auto dir = std::make_shared<QTemporaryDir>();
    if (!QFileInfo(file).isFile() || !dir->isValid()) {
        showLabMessage(tr("The run on this machine failed"),
                       QFileInfo(file).isFile()
                           ? tr("No room for the measurement: %1").arg(dir->errorString())
                           : tr("The lab runs the scenario's file, and %1 is no longer there")
                                 .arg(QDir::toNativeSeparators(file)));
        return;
    }
    labAction_->setEnabled(false);
    auto* progress =
        new QProgressDialog(tr("Running %1 on Linux %2: %3 s of real time…")
                                .arg(QFileInfo(file).fileName(), QString::fromStdString(lab::kernelRelease()),
                                     QString::fromStdString(formatSecondsTrimmed(plan.end))),
                            tr("Cancel"), 0, 1000, this);
    progress->setObjectName(QStringLiteral("labProgress"));
    progress->setWindowTitle(tr("Run on this machine"));
    progress->setWindowModality(Qt::WindowModal);
    progress->setAutoClose(false);
    progress->setAutoReset(false);
    progress->setMinimumDuration(0);
    progress->setAttribute(Qt::WA_DeleteOnClose);
    labProgress_ = progress;
    // This window holds a model's run (runOnThisMachine() checked), and the dialog is window-modal, so
    // no other file comes in meanwhile: the action comes back as it was. Not connected to `this`: a
    // window being deleted deletes the dialog after its document and menus, from QWidget's destructor.
    connect(progress, &QObject::destroyed, labAction_, [action = labAction_] { action->setEnabled(true); });

    // The experiment takes real time: the bar follows the clock, held short of the end until it is done.
    const qint64 expected = (plan.end + lab::kSetUpLead).count() / 1'000'000;
    QElapsedTimer clock;
    clock.start();
    auto* tick = new QTimer(progress);
    connect(tick, &QTimer::timeout, progress, [progress, clock, expected] {
        const qint64 ms = clock.elapsed();
        progress->setValue(
            static_cast<int>(std::min<qint64>(990, ms * 1000 / std::max<qint64>(1, expected))));
        if (ms > expected) progress->setLabelText(tr("Finishing: collecting what the kernel did…"));
    });
    tick->start(100);

    // The experiment runs in a process of its own, `backlog lab FILE --save RUN`: a fresh program, never
    // a fork() of this one, whose threads may hold locks a child would inherit held. It plans the same
    // experiment from the same file; the run comes back in the saved form Save Measured Run… keeps.
    // It may outlive the dialog and the window until it has ended (below); the application holds it, so
    // that one still ending when the application quits is ended and deleted with it.
    auto* process = new QProcess(QCoreApplication::instance());
    process->setObjectName(QStringLiteral("labProcess"));
    process->setProgram(labProgramOverride().isEmpty() ? QCoreApplication::applicationFilePath()
                                                       : labProgramOverride());
    const QString saved = dir->filePath(QStringLiteral("measured.run"));
    process->setArguments({QStringLiteral("lab"), file, QStringLiteral("--save"), saved});
    process->setStandardOutputFile(QProcess::nullDevice()); // the report: the run itself is in `saved`
    // The temporary folder goes when the process has ended, not before (a killed one may still write).
    connect(process, &QObject::destroyed, [dir] {});
    // Cancel, or the window closing, deletes the dialog: the process is then told nothing more, killed
    // (its experiment's namespace child dies with it: PR_SET_PDEATHSIG) and deleted once it has ended.
    connect(progress, &QObject::destroyed, process, [process] {
        process->disconnect();
        if (process->state() == QProcess::NotRunning) {
            process->deleteLater();
            return;
        }
        connect(process, &QProcess::finished, process, &QObject::deleteLater);
        process->kill(); // SIGKILL: it ends at once, and its namespace child with it
    });
    connect(progress, &QProgressDialog::canceled, progress, &QWidget::close);
    connect(process, &QProcess::errorOccurred, progress, [this, process, progress](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart) return; // the rest end in finished()
        const QString why = process->errorString();
        progress->close();
        showLabMessage(tr("The run on this machine failed"),
                       tr("Could not start %1: %2").arg(process->program(), why));
    });
    connect(process, &QProcess::finished, progress,
            [this, process, progress, saved](int code, QProcess::ExitStatus status) {
                QStringList said;
                for (const QString& line :
                     QString::fromLocal8Bit(process->readAllStandardError()).split(QLatin1Char('\n')))
                    if (!line.trimmed().isEmpty() && !line.startsWith(QLatin1String("backlog: running")))
                        said << line;
                progress->close();
                if (status != QProcess::NormalExit || code != 0) {
                    showLabMessage(tr("The run on this machine failed"),
                                   said.isEmpty() ? tr("The lab's process ended without a run (%1)")
                                                        .arg(status == QProcess::NormalExit
                                                                 ? tr("exit status %1").arg(code)
                                                                 : tr("it crashed"))
                                                  : said.join(QLatin1Char('\n')));
                    return;
                }
                std::string text;
                QString error;
                std::optional<lab::OpenedRun> run = readSavedRun(saved, text, error);
                if (!run) {
                    showLabMessage(tr("The run on this machine failed"), error);
                    return;
                }
                // Beside the run this window shows: the same file (the lab read it as the window did).
                compareWithMeasuredRun(std::move(run->measured), std::move(text));
            });
    process->start();
    progress->show();
}

#else

void MainWindow::runOnThisMachine() {
}
void MainWindow::confirmExperiment(const lab::LabPlan&) {
}
void MainWindow::startExperiment(const lab::LabPlan&) {
}

#endif

} // namespace backlog::app
