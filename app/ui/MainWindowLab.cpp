// The window's Lab menu (issue 14): the open scenario's experiment on this machine's kernel, and the
// measured run in a window of its own beside the model's. The lab itself is plain C++ (app/lab); here it
// is planned, confirmed, run off the GUI thread and shown.
#include "app/ui/MainWindow.h"

#include "model/kernel/Simulation.h"
#include "views/document/Player.h"
#include "views/document/SimulationDocument.h"

#include <QAction>
#include <QFileInfo>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QScreen>
#include <QStatusBar>

#ifdef BACKLOG_HAS_LAB
#include "app/lab/Experiment.h"
#include "app/lab/LabPlan.h"
#include "app/lab/MeasuredRun.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>
#endif

namespace backlog::app {

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
    connect(doc_, &views::SimulationDocument::loaded, labAction_,
            [this] { labAction_->setEnabled(!labProgress_ && !doc_->simulation().source().measured); });
#else
    labAction_->setToolTip(tr("The lab needs Linux: it runs a scenario on the real kernel in a network "
                              "namespace"));
#endif
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

MainWindow* MainWindow::openMeasuredRun(std::unique_ptr<Simulation> run) {
    const RunSource source = run->source();
    const QString name = QFileInfo(doc_->path()).fileName();
    auto* w = new MainWindow; // top-level, beside this one
    w->setAttribute(Qt::WA_DeleteOnClose);
    w->showsMeasuredRun_ = true;
    w->doc_->adopt(std::move(run), doc_->path());
    // After adopt(): its `loaded` names the window after the file alone.
    w->setWindowTitle(
        tr("%1 — measured on Linux %2 — Backlog").arg(name, QString::fromStdString(source.kernelRelease)));
    w->statusBar()->showMessage(
        source.warnings.empty() ? tr("Measured on Linux %1").arg(QString::fromStdString(source.kernelRelease))
                                : tr("Measured on Linux %1; not reproduced: %2")
                                      .arg(QString::fromStdString(source.kernelRelease),
                                           QString::fromStdString(source.warnings.front())));
    // The model's run above, the kernel's below, compared at a glance. One above the other, not side by
    // side: the stage is wider than tall, and the column of docks keeps its width.
    const QRect area = screen()->availableGeometry();
    const int half = area.height() / 2;
    if (isMaximized() || isFullScreen()) showNormal();
    setGeometry(area.x(), area.y(), area.width(), half);
    w->show(); // then placed: shown, a new window takes the size it remembers
    w->setGeometry(area.x(), area.y() + half, area.width(), area.height() - half);
    measuredWindow_ = w;
    return w;
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

namespace {
// What the worker thread hands back: the measured run, or why there is none. Shared, because a
// QFuture's result is copied.
struct LabOutcome {
    std::unique_ptr<Simulation> run;
    std::string error;
};
} // namespace

void MainWindow::startExperiment(const lab::LabPlan& plan) {
    if (labProgress_) return;
    labAction_->setEnabled(false);
    auto* progress = new QProgressDialog(tr("Running %1 on Linux %2: %3 s of real time…")
                                             .arg(QFileInfo(doc_->path()).fileName(),
                                                  QString::fromStdString(lab::kernelRelease()),
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

    // The watcher belongs to the dialog: cancelling or closing the window deletes both, and the result is
    // then dropped when it arrives. The experiment cannot be interrupted from here, but it does not run
    // on: its child process ends by its own timeout (the plan's end, and runInNetworkNamespace() kills it
    // when it overruns), and the worker thread returns then.
    auto* watcher = new QFutureWatcher<std::shared_ptr<LabOutcome>>(progress);
    connect(progress, &QProgressDialog::canceled, progress, &QWidget::close);
    connect(watcher, &QFutureWatcher<std::shared_ptr<LabOutcome>>::finished, this, [this, watcher, progress] {
        const std::shared_ptr<LabOutcome> outcome = watcher->result();
        progress->close();
        if (!outcome->run) {
            showLabMessage(tr("The run on this machine failed"), QString::fromStdString(outcome->error));
            return;
        }
        openMeasuredRun(std::move(outcome->run));
    });
    watcher->setFuture(QtConcurrent::run([plan] {
        auto outcome = std::make_shared<LabOutcome>();
        const lab::LabResult<lab::Measurement> measured = lab::runExperiment(plan);
        if (!measured.ok()) {
            outcome->error = measured.error();
            return outcome;
        }
        lab::LabResult<std::unique_ptr<Simulation>> run = lab::measuredRun(plan.scenario, measured.value());
        if (run.ok())
            outcome->run = std::move(run.value());
        else
            outcome->error = run.error();
        return outcome;
    }));
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
