#include "MainWindow.h"

#include "KernelToolsView.h"
#include "Report.h"
#include "SimulationDocument.h"

#include <QAction>
#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSlider>
#include <QSplitter>
#include <QStatusBar>
#include <QVBoxLayout>

namespace backlog::app {

namespace {
constexpr std::int64_t kSliderStepNs = 1'000'000; // the timeline moves in milliseconds
}

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    doc_ = new views::SimulationDocument(this);
    tools_ = new views::KernelToolsView(this);
    summary_ = new QPlainTextEdit(this);
    summary_->setReadOnly(true);
    summary_->setLineWrapMode(QPlainTextEdit::NoWrap);
    summary_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    timeline_ = new QSlider(Qt::Horizontal, this);
    timeLabel_ = new QLabel(this);
    timeLabel_->setMinimumWidth(160);

    auto* splitter = new QSplitter(this);
    splitter->addWidget(summary_);
    splitter->addWidget(tools_);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(timeline_, 1);
    bottom->addWidget(timeLabel_);
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->addWidget(splitter, 1);
    layout->addLayout(bottom);
    setCentralWidget(central);

    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open…"), this, &MainWindow::chooseFile);
    open->setShortcut(QKeySequence::Open);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), qApp, &QApplication::quit);
    quit->setShortcut(QKeySequence::Quit);
    QMenu* play = menuBar()->addMenu(tr("&Playback"));
    QAction* toStart = play->addAction(tr("Jump to &Start"), this, [this] { timeline_->setValue(timeline_->minimum()); });
    toStart->setShortcut(Qt::Key_Home);
    QAction* toEnd = play->addAction(tr("Jump to &End"), this, [this] { timeline_->setValue(timeline_->maximum()); });
    toEnd->setShortcut(Qt::Key_End);

    connect(timeline_, &QSlider::valueChanged, this,
            [this](int v) { doc_->setPlayhead(Time::ns(static_cast<std::int64_t>(v) * kSliderStepNs)); });
    connect(doc_, &views::SimulationDocument::playheadChanged, this, &MainWindow::refresh);
    connect(doc_, &views::SimulationDocument::loaded, this, [this] {
        const QSignalBlocker block(timeline_);
        timeline_->setRange(0, static_cast<int>(doc_->end().count() / kSliderStepNs));
        timeline_->setValue(0);
        setWindowTitle(QFileInfo(doc_->path()).fileName() + QStringLiteral(" — Backlog"));
        statusBar()->showMessage(tr("%1 events simulated, %2 packets recorded")
                                     .arg(doc_->simulation().eventsProcessed())
                                     .arg(doc_->simulation().history().packetCount()));
    });
    setWindowTitle(QStringLiteral("Backlog"));
    timeline_->setFocus(); // the arrow keys, Home and End move the playhead from the start
}

bool MainWindow::openFile(const QString& path) {
    const QStringList errors = doc_->load(path);
    if (errors.isEmpty()) return true;
    QMessageBox box(QMessageBox::Warning, tr("Cannot open %1").arg(QFileInfo(path).fileName()),
                    errors.join(QLatin1Char('\n')), QMessageBox::Ok, this);
    box.exec();
    return false;
}

void MainWindow::chooseFile() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open a scenario or lesson"), QString(),
                                                      tr("Lessons and scenarios (*.yaml *.yml)"));
    if (!path.isEmpty()) openFile(path);
}

void MainWindow::refresh() {
    if (!doc_->isLoaded()) return;
    const Time t = doc_->playhead();
    timeLabel_->setText(QString::fromStdString(formatSeconds(t)) + QStringLiteral(" s"));
    tools_->show(doc_->simulation(), t);
    summary_->setPlainText(QString::fromStdString(textReport(doc_->simulation(), t)));
}

} // namespace backlog::app
