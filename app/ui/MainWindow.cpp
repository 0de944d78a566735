#include "app/ui/MainWindow.h"
#include "views/widgets/DocumentFollower.h"

#include "app/ui/AboutBox.h"
#include "app/ui/AppSettings.h"
#include "app/ui/ExportDialog.h"
#include "app/ui/LessonLibrary.h"
#include "app/ui/MachineView.h"
#include "app/ui/PresenterWindow.h"
#include "app/ui/ScoreExport.h"
#include "app/ui/StartPage.h"
#include "model/tools/Report.h"
#include "views/document/AnnotationStore.h"
#include "views/document/LessonPlayer.h"
#include "views/document/Player.h"
#include "views/document/SelectionModel.h"
#include "views/document/SimulationDocument.h"
#include "views/render/Theme.h"
#include "views/widgets/ChartsView.h"
#include "views/widgets/ConcealCover.h"
#include "views/widgets/DifferencesView.h"
#include "views/widgets/EventLogView.h"
#include "views/widgets/InspectorView.h"
#include "views/widgets/KernelToolsView.h"
#include "views/widgets/LadderView.h"
#include "views/widgets/NarrationView.h"
#include "views/widgets/ParametersView.h"
#include "views/widgets/StageView.h"
#include "views/widgets/StateDiagramView.h"
#include "views/widgets/TimelineView.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QScreen>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QTimer>
#include <QToolBar>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace backlog::app {

namespace {

// A step's `view: kernel-tools/PAGE` and `view: charts/PAGE` (lessonViewPages, Lesson.h): the dock's
// page by the name the lesson format gives it; nothing for the view alone.
std::optional<views::KernelToolsView::Tool> toolNamed(const std::string& page) {
    using Tool = views::KernelToolsView::Tool;
    static const std::pair<const char*, Tool> tools[] = {{"ss", Tool::SsListening},
                                                         {"ss-all", Tool::SsAll},
                                                         {"ss-summary", Tool::SsSummary},
                                                         {"nstat", Tool::Nstat},
                                                         {"nstat-clients", Tool::NstatClient},
                                                         {"nstat-since-step", Tool::NstatSinceStep},
                                                         {"dmesg", Tool::Dmesg},
                                                         {"sysctl", Tool::Sysctl},
                                                         {"kprobe", Tool::Kprobes},
                                                         {"wakeups", Tool::Wakeups}};
    for (const auto& [name, tool] : tools)
        if (page == name) return tool;
    return std::nullopt;
}

std::optional<views::ChartsView::Chart> chartNamed(const std::string& page) {
    using Chart = views::ChartsView::Chart;
    static const std::pair<const char*, Chart> charts[] = {
        {"queues", Chart::Queues},   {"drops", Chart::Drops},  {"accepts", Chart::Accepts},
        {"workers", Chart::Workers}, {"sar", Chart::SarRates}, {"latency", Chart::ConnectLatency}};
    for (const auto& [name, chart] : charts)
        if (page == name) return chart;
    return std::nullopt;
}

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setObjectName(QStringLiteral("MainWindow"));
    setAcceptDrops(true);
    doc_ = new views::SimulationDocument(this);
    player_ = new views::Player(doc_, this);
    stage_ = new views::StageView(this);
    stage_->setDocument(doc_);
    tools_ = new views::KernelToolsView(this);
    tools_->setDocument(doc_); // nstat since the previous lesson step
    log_ = new views::EventLogView(this);
    log_->setDocument(doc_);
    inspector_ = new views::InspectorView(this);
    inspector_->setDocument(doc_);
    parameters_ = new views::ParametersView(doc_, this);
    timeline_ = new views::TimelineView(this);
    summary_ = new QPlainTextEdit(this);
    summary_->setReadOnly(true);
    summary_->setLineWrapMode(QPlainTextEdit::NoWrap);
    summary_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    // The summary and the document by value, not `this`: the document's destroyed() reaches these while
    // QWidget's destructor deletes the children, when this is no longer a MainWindow.
    views::followDocument(
        summary_, doc_, [summary = summary_] { summary->clear(); },
        [summary = summary_, doc = QPointer<views::SimulationDocument>(doc_)] {
            if (const views::SimulationDocument* d = views::loadedOrNull(doc))
                summary->setPlainText(QString::fromStdString(textReport(d->simulation(), d->playhead())));
        });
    timeLabel_ = new QLabel(this);
    timeLabel_->setMinimumWidth(150);
    timeLabel_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    modeLabel_ = new QLabel(this);
    lesson_ = new views::LessonPlayer(doc_, player_, this);
    selection_ = new views::SelectionModel(this);
    ladder_ = new views::LadderView(this);
    ladder_->setDocument(doc_);
    ladder_->setSelectionModel(selection_);
    states_ = new views::StateDiagramView(this);
    states_->setDocument(doc_);
    states_->setSelectionModel(selection_);
    charts_ = new views::ChartsView(this);
    charts_->setDocument(doc_);
    differences_ = new views::DifferencesView(this);
    differences_->setDocument(doc_);
    narration_ = new views::NarrationView(doc_, lesson_, this);
    machine_ = new MachineView(this); // reads nothing until its dock is shown
    startPage_ = new StartPage(this);
    watcher_ = new QFileSystemWatcher(this);

    // The stage over the timeline; the timeline always shows simulated time. The start page takes the
    // centre instead when asked for.
    centre_ = new QStackedWidget(this);
    auto* central = new QWidget(centre_);
    stagePage_ = central;
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(stage_, 1);
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(timeline_, 1);
    bottom->addWidget(timeLabel_);
    layout->addLayout(bottom);
    centre_->addWidget(central);
    centre_->addWidget(startPage_);
    setCentralWidget(centre_);

    createActions();
    createDocks();
    statusBar()->addPermanentWidget(modeLabel_);

    connect(doc_, &views::SimulationDocument::playheadChanged, this, &MainWindow::refresh);
    connect(doc_, &views::SimulationDocument::loaded, this, [this] {
        timeline_->setSimulation(&doc_->simulation(), doc_->end());
        timeline_->setStepTimes(doc_->stepTimes());
        timeline_->updateGeometry();
        setWindowTitle(QFileInfo(doc_->path()).fileName() + QStringLiteral(" — Backlog"));
        statusBar()->showMessage(tr("%1 events simulated, %2 packets recorded")
                                     .arg(doc_->simulation().eventsProcessed())
                                     .arg(doc_->simulation().history().packetCount()));
        showIfStopped();
        refresh();
    });
    connect(timeline_, &views::TimelineView::seekRequested, doc_, &views::SimulationDocument::setPlayhead);
    connect(log_, &views::EventLogView::seekRequested, doc_, &views::SimulationDocument::setPlayhead);
    connect(log_, &views::EventLogView::packetActivated, this, [this](std::uint32_t packet) {
        const views::Selection s{views::Selection::Kind::Packet, packet};
        selection_->select(s, views::connectionOf(doc_->simulation(), s));
    });
    connect(stage_, &views::StageView::selected, this, &MainWindow::select);
    connect(selection_, &views::SelectionModel::changed, this,
            [this] { inspector_->setSelection(selection_->current()); });
    connect(doc_, &views::SimulationDocument::loaded, selection_, &views::SelectionModel::clear);
    connect(ladder_, &views::LadderView::seekRequested, doc_, &views::SimulationDocument::setPlayhead);
    connect(charts_, &views::ChartsView::seekRequested, doc_, &views::SimulationDocument::setPlayhead);
    connect(states_, &views::StateDiagramView::seekRequested, doc_, &views::SimulationDocument::setPlayhead);
    connect(doc_, &views::SimulationDocument::historyChanged, this, [this] {
        timeline_->setSimulation(&doc_->simulation(), doc_->end());
        showIfStopped();
    });
    connect(player_, &views::Player::playingChanged, this, &MainWindow::updatePlaybackStatus);
    connect(player_, &views::Player::modeChanged, this, &MainWindow::updatePlaybackStatus);
    followLessonPlayer();
    connect(startPage_, &StartPage::openRequested, this, &MainWindow::openFile);
    connect(watcher_, &QFileSystemWatcher::fileChanged, this, [this] {
        // Editors save by writing a new file and renaming it over the old one; wait for the dust to settle.
        QTimer::singleShot(200, this, &MainWindow::lessonFileChanged);
    });
    // While the lesson's file is missing its folder is watched: the file coming back is read again.
    connect(watcher_, &QFileSystemWatcher::directoryChanged, this, [this] {
        if (lessonFileMissing_ && QFileInfo::exists(doc_->path()))
            QTimer::singleShot(200, this, &MainWindow::lessonFileChanged);
    });

    setWindowTitle(QStringLiteral("Backlog"));
    if (!restoreGeometry(settings::windowGeometry.get())) resize(screen()->availableSize());
    restoreState(settings::windowState.get());
    applyTheme(settings::theme.get());
    updatePlaybackStatus();
    stage_->setFocus();
}

void MainWindow::createActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open…"), this, &MainWindow::chooseFile);
    open->setShortcut(QKeySequence::Open);
    recentMenu_ = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    file->addSeparator();
    QAction* exportAction = file->addAction(tr("&Export…"), this, &MainWindow::showExportDialog);
    exportAction->setObjectName(QStringLiteral("actionExport"));
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    exportAction->setToolTip(tr("Frames, a video or a handout of the run as it is in the window"));
    exportAction->setEnabled(false); // nothing to export until a run is loaded
    connect(doc_, &views::SimulationDocument::loaded, exportAction,
            [exportAction] { exportAction->setEnabled(true); });
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), qApp, &QApplication::quit);
    quit->setShortcut(QKeySequence::Quit);

    // Playback: Space plays and pauses, Left/Right step between events, Home/End jump (DESIGN.md).
    QMenu* play = menuBar()->addMenu(tr("&Playback"));
    QToolBar* bar = addToolBar(tr("Playback"));
    bar->setObjectName(QStringLiteral("PlaybackToolBar"));
    const auto add = [&](const QString& text, QKeySequence key, auto slot) {
        QAction* a = play->addAction(text, player_, slot);
        a->setShortcut(key);
        a->setShortcutContext(Qt::WindowShortcut);
        bar->addAction(a);
        return a;
    };
    add(tr("Jump to Start"), Qt::Key_Home, &views::Player::jumpToStart);
    add(tr("Step Back"), Qt::Key_Left, &views::Player::stepBackward);
    playAction_ = add(tr("Play"), Qt::Key_Space, &views::Player::toggle);
    add(tr("Step Forward"), Qt::Key_Right, &views::Player::stepForward);
    add(tr("Jump to End"), Qt::Key_End, &views::Player::jumpToEnd);
    play->addSeparator();
    bar->addSeparator();
    add(tr("Slower"), Qt::Key_BracketLeft, &views::Player::slower);
    add(tr("Faster"), Qt::Key_BracketRight, &views::Player::faster);
    QAction* paced = play->addAction(tr("Paced Playback"));
    paced->setCheckable(true);
    paced->setChecked(player_->clock().mode() == views::PlaybackClock::Mode::Paced);
    paced->setShortcut(Qt::Key_P);
    paced->setToolTip(tr("Paced: quiet stretches are compressed and bursts stretched so every packet can be "
                         "followed. Off: linear speed."));
    connect(paced, &QAction::toggled, this, [this](bool on) {
        player_->setMode(on ? views::PlaybackClock::Mode::Paced : views::PlaybackClock::Mode::Linear);
    });
    bar->addAction(paced);

    // Lessons: PageDown/PageUp are what presentation clickers send (DESIGN.md).
    QMenu* lessons = menuBar()->addMenu(tr("&Lessons"));
    QAction* start = lessons->addAction(tr("&Start Page"), this, &MainWindow::showStartPage);
    start->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    lessons->addSeparator();
    QAction* next = lessons->addAction(tr("&Next Step"), lesson_, &views::LessonPlayer::nextStep);
    next->setShortcuts({QKeySequence(Qt::Key_PageDown), QKeySequence(Qt::Key_N)});
    next->setShortcutContext(Qt::WindowShortcut);
    QAction* previous = lessons->addAction(tr("&Previous Step"), lesson_, &views::LessonPlayer::previousStep);
    previous->setShortcuts({QKeySequence(Qt::Key_PageUp), QKeySequence(Qt::Key_B)});
    previous->setShortcutContext(Qt::WindowShortcut);
    QAction* restart = lessons->addAction(tr("&Restart Lesson"), this, [this] {
        if (!lesson_->isActive()) return;
        lesson_->goToStep(0);
    });
    restart->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Home));
    QAction* score = lessons->addAction(tr("Export &Score…"), this, [this] {
        QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
        if (dir.isEmpty() || !QFileInfo(dir).isDir()) dir = QDir::homePath();
        const QString out = QFileDialog::getSaveFileName(
            this, tr("Export Score"),
            QDir(dir).filePath(QFileInfo(doc_->path()).completeBaseName() + "-score.csv"),
            tr("CSV, for a spreadsheet (*.csv);;JSON (*.json)"));
        if (!out.isEmpty()) exportScoreTo(out);
    });
    score->setToolTip(tr("Each question, the answer given, right or wrong, and when: for handing in"));
    for (QAction* a : {next, previous, restart, score}) {
        a->setEnabled(false);
        connect(doc_, &views::SimulationDocument::loaded, a,
                [this, a] { a->setEnabled(lesson_->isActive()); });
    }

    lessons->addSeparator();
    QAction* present = lessons->addAction(tr("&Present"), this, &MainWindow::present);
    present->setShortcut(Qt::Key_F5);
    present->setToolTip(tr("The stage full screen with the narration as a caption (Escape leaves)"));

    createLabMenu();

    viewMenu_ = menuBar()->addMenu(tr("&View"));
    QMenu* themes = viewMenu_->addMenu(tr("&Theme"));
    auto* group = new QActionGroup(this);
    for (const auto& [name, label] :
         {std::pair{QStringLiteral("light"), tr("&Light")}, std::pair{QStringLiteral("dark"), tr("&Dark")},
          std::pair{QStringLiteral("projector"), tr("&Projector (high contrast)")}}) {
        QAction* a = themes->addAction(label, this, [this, name = name] { applyTheme(name); });
        a->setCheckable(true);
        a->setData(name);
        a->setChecked(name == settings::theme.get());
        group->addAction(a);
    }
    createPen(file, viewMenu_);
    viewMenu_->addSeparator();

    // Last, as on every desktop; createDocks() adds the docks to the View menu above it.
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QAction* about = help->addAction(tr("&About Backlog"), this, [this] { showAboutBox(this); });
    about->setObjectName(QStringLiteral("actionAbout"));
    about->setMenuRole(QAction::AboutRole);
}

void MainWindow::createDocks() {
    const auto dock = [&](QWidget* w, const QString& title, const char* name, Qt::DockWidgetArea area) {
        auto* d = new QDockWidget(title, this);
        d->setObjectName(QLatin1String(name));
        d->setWidget(w);
        addDockWidget(area, d);
        viewMenu_->addAction(d->toggleViewAction());
        return d;
    };
    // One column on the right, so the stage keeps most of the window: what is selected and what can be
    // changed above, what happened and what the tools print below.
    QDockWidget* inspector = dock(inspector_, tr("Inspector"), "InspectorDock", Qt::RightDockWidgetArea);
    QDockWidget* parameters = dock(parameters_, tr("Parameters"), "ParametersDock", Qt::RightDockWidgetArea);
    QDockWidget* log = dock(log_, tr("Event Log"), "EventLogDock", Qt::RightDockWidgetArea);
    QDockWidget* tools = dock(tools_, tr("Kernel Tools"), "KernelToolsDock", Qt::RightDockWidgetArea);
    QDockWidget* ladder = dock(ladder_, tr("Ladder"), "LadderDock", Qt::RightDockWidgetArea);
    tabifyDockWidget(log, ladder);
    QDockWidget* states = dock(states_, tr("TCP States"), "StatesDock", Qt::RightDockWidgetArea);
    tabifyDockWidget(inspector, states);
    inspector->raise();
    log->raise();
    ladderDock_ = ladder;
    statesDock_ = states;
    // The charts below the stage: they share its time axis.
    chartsDock_ = dock(charts_, tr("Charts"), "ChartsDock", Qt::BottomDockWidgetArea);
    chartsDock_->hide();
    // Shown, a chart needs the height of its axes and legend: a quarter of the window at least.
    connect(chartsDock_, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        if (!visible || chartsDock_->height() >= 220) return;
        QTimer::singleShot(
            0, this, [this] { resizeDocks({chartsDock_}, {std::max(260, height() / 4)}, Qt::Vertical); });
    });
    inspectorDock_ = inspector;
    parametersDock_ = parameters;
    logDock_ = log;
    toolsDock_ = tools;
    // The lesson's narration on the left: read from left to right, then the stage, then the details.
    narrationDock_ = dock(narration_, tr("Lesson"), "NarrationDock", Qt::LeftDockWidgetArea);
    resizeDocks({narrationDock_}, {380}, Qt::Horizontal);
    narrationDock_->hide();
    tabifyDockWidget(inspector, parameters);
    tabifyDockWidget(log, tools);
    // What differs between two compared runs at the playhead: beside the log, raised when one begins.
    differencesDock_ = dock(differences_, tr("Differences"), "DifferencesDock", Qt::RightDockWidgetArea);
    tabifyDockWidget(log, differencesDock_);
    inspector->raise();
    log->raise();
    resizeDocks({inspector}, {420}, Qt::Horizontal);
    QDockWidget* summary = dock(summary_, tr("Summary"), "SummaryDock", Qt::BottomDockWidgetArea);
    summary->hide();
    // The real kernel's listen queues, beside the simulated ones; hidden, it reads nothing (MachineView).
    machineDock_ = dock(machine_, tr("This machine"), "MachineDock", Qt::BottomDockWidgetArea);
    machineDock_->hide();
    // Shown, its tables and charts need a third of the window's height.
    connect(machineDock_, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        if (!visible || machineDock_->isFloating()) return;
        QTimer::singleShot(0, this, [this] {
            const int third = std::max(300, height() / 3);
            if (machineDock_->height() < third) resizeDocks({machineDock_}, {third}, Qt::Vertical);
        });
    });
}

bool MainWindow::openFile(const QString& path) {
    if (!offerToSaveAnnotations()) return false;
    if (isSavedRunFile(path)) {
        const bool opened = openSavedRun(path);
        if (opened) loadAnnotations(path);
        return opened;
    }
    player_->pause();
    if (lesson_->isActive()) saveLessonProgress();
    reloading_ = true; // the new lesson enters its first step: that must not overwrite its saved progress
    const QStringList errors = doc_->load(path);
    reloading_ = false;
    if (errors.isEmpty()) {
        savedRun_.clear(); // a model's run now: nothing measured to save
        saveRunAction_->setEnabled(false);
        rememberRecentFile(path);
        rebuildRecentMenu();
        leaveStartPage();
        const bool narrationShown = narrationDock_->isVisible();
        narrationDock_->setVisible(lesson_->isActive());
        // Appearing, the dock takes a reading column's width, not half of what the stage had.
        if (!narrationShown && lesson_->isActive())
            QTimer::singleShot(0, this, [this] { // once the layout has made room for it
                resizeDocks({narrationDock_}, {std::clamp(width() / 5, 320, 440)}, Qt::Horizontal);
            });
        watch(lesson_->isActive() ? path : QString());
        loadAnnotations(path);
        if (lesson_->isActive()) restoreLessonProgress();
        stage_->setFocus();
        return true;
    }
    QMessageBox box(QMessageBox::Warning, tr("Cannot open %1").arg(QFileInfo(path).fileName()),
                    errors.join(QLatin1Char('\n')), QMessageBox::Ok, this);
    box.exec();
    return false;
}

void MainWindow::showStartPage() {
    player_->pause();
    if (lesson_->isActive()) saveLessonProgress();
    startPage_->refresh();
    if (!isStartPageShown()) {
        // The start page has the window to itself: the docks come back as they were when a file opens.
        dockStateBeforeStartPage_ = saveState();
        for (QDockWidget* d : findChildren<QDockWidget*>())
            d->hide();
    }
    centre_->setCurrentWidget(startPage_);
    startPage_->list()->setFocus();
}

void MainWindow::leaveStartPage() {
    if (!isStartPageShown()) return;
    centre_->setCurrentWidget(stagePage_);
    restoreState(dockStateBeforeStartPage_);
}

PresenterWindow* MainWindow::presenter() const {
    return presenter_.data();
}

QString MainWindow::exportScoreTo(const QString& out) {
    if (!lesson_->isActive()) return tr("no lesson is open");
    const QString error = writeScore(*lesson_, doc_->path(), out);
    if (!error.isEmpty()) {
        auto* box = new QMessageBox(QMessageBox::Warning, tr("Export Score"), error, QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
        return error;
    }
    statusBar()->showMessage(tr("Score written to %1").arg(QDir::toNativeSeparators(out)), 5000);
    return {};
}

void MainWindow::present() {
    if (!doc_->isLoaded()) return;
    if (presenter_) {
        presenter_->activateWindow();
        return;
    }
    leaveStartPage();
    auto* presenter = new PresenterWindow(doc_, player_, lesson_);
    presenter->stage()->setAnnotations(annotations_); // one store: what is drawn here is there
    presenter_ = presenter;
    connect(presenter_, &PresenterWindow::closed, this, [this] { activateWindow(); });
    presenter_->present(screen());
}

MainWindow::~MainWindow() {
    // The export dialog is a child whose export paints this window (the window view) until it stops:
    // deleted here, while this is still a MainWindow, not later from QWidget's destructor.
    delete exportDialog_.data();
}

ExportDialog* MainWindow::exportDialog() const {
    return exportDialog_.data();
}

void MainWindow::showExportDialog() {
    if (!doc_->isLoaded()) return;
    if (exportDialog_) {
        exportDialog_->raise();
        exportDialog_->activateWindow();
        return;
    }
    // "This moment" is where the playhead stands: it stays there unless the user moves it. The dialog is
    // not modal: an export paints a copy of the run on a thread of its own, and the window answers.
    player_->pause();
    auto* dialog = new ExportDialog(
        doc_, this, [this](Time t) { doc_->setPlayhead(t); }, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    // The ladder exports the connections the window's ladder shows.
    const std::vector<std::uint32_t>& connections = selection_->connections();
    dialog->setLadderConnections(std::vector<std::int64_t>(connections.begin(), connections.end()));
    dialog->setAnnotations(annotations_);
    exportDialog_ = dialog;
    dialog->show();
}

bool MainWindow::isStartPageShown() const {
    return centre_->currentWidget() == startPage_;
}

// What a lesson step asks of the window: the stage's highlights and zoom, and the view to bring forward.
// A lesson's step, its questions' answers (kept per lesson) and what a `reveal: after-answer` question
// hides while it is open.
void MainWindow::followLessonPlayer() {
    connect(lesson_, &views::LessonPlayer::stepChanged, this, &MainWindow::showLessonStep);
    coverWhatGivesAnswersAway();
    connect(lesson_, &views::LessonPlayer::concealingChanged, this, &MainWindow::concealAnswers);
    connect(lesson_, &views::LessonPlayer::answerChanged, this, &MainWindow::saveLessonProgress);
    connect(lesson_, &views::LessonPlayer::finishedChanged, this, &MainWindow::saveLessonProgress);
}

// What would give away the answer to a question with `reveal: after-answer` (issue 16): the views that
// print counters or show the run beyond the playhead. The stage keeps its picture (the class watches it)
// but not its counters; the timeline its past but not its future drops (concealAnswers).
void MainWindow::coverWhatGivesAnswersAway() {
    for (QWidget* view :
         std::initializer_list<QWidget*>{tools_, charts_, log_, inspector_, ladder_, differences_, summary_})
        covers_.push_back(new views::ConcealCover(view));
}

void MainWindow::concealAnswers(bool concealed) {
    for (views::ConcealCover* cover : covers_)
        cover->setConcealed(concealed);
    stage_->setNumbersConcealed(concealed);
    timeline_->setFutureConcealed(concealed);
}

void MainWindow::showLessonStep(int step) {
    views::StageRenderer::Emphasis emphasis;
    const Lesson* lesson = lesson_->lesson();
    if (lesson && step >= 0) {
        const Step& s = lesson->steps[static_cast<std::size_t>(step)];
        emphasis = views::StageRenderer::Emphasis::of(s);
        // A step about one client selects its connection, so the ladder and the state diagram show it.
        std::vector<Target> targets = s.highlight;
        if (s.zoom) targets.push_back(*s.zoom);
        for (const Target& target : targets) {
            if (target.kind != Target::Kind::Client) continue;
            const auto client = static_cast<std::uint32_t>(target.index);
            if (client < doc_->simulation().history().clients.size())
                selection_->select({views::Selection::Kind::Client, client}, client);
            break;
        }
        if (s.view) {
            switch (*s.view) {
            case LessonView::Stage:
                leaveStartPage();
                break;
            case LessonView::EventLog:
                logDock_->show(), logDock_->raise();
                break;
            case LessonView::KernelTools:
                toolsDock_->show(), toolsDock_->raise();
                if (const std::optional<views::KernelToolsView::Tool> tool = toolNamed(s.viewPage))
                    tools_->setTool(*tool);
                break;
            case LessonView::Inspector:
                inspectorDock_->show(), inspectorDock_->raise();
                break;
            case LessonView::Parameters:
                parametersDock_->show(), parametersDock_->raise();
                break;
            case LessonView::Ladder:
                ladderDock_->show(), ladderDock_->raise();
                break;
            case LessonView::States:
                statesDock_->show(), statesDock_->raise();
                break;
            case LessonView::Charts:
                if (chartsDock_) chartsDock_->show(), chartsDock_->raise();
                if (const std::optional<views::ChartsView::Chart> chart = chartNamed(s.viewPage);
                    chart && charts_)
                    charts_->setCurrentChart(*chart);
                break;
            }
            refresh(); // a dock just raised shows the playhead's moment at once
        }
    }
    stage_->setEmphasis(emphasis);
    stage_->setLessonStep(lesson ? step : -1);
    if (lesson && !reloading_) saveLessonProgress();
}

void MainWindow::saveLessonProgress() {
    if (!lesson_->isActive() || reloading_) return;
    LessonProgress p;
    p.step = lesson_->currentStep();
    p.steps = lesson_->stepCount();
    for (int i = 0; i < lesson_->stepCount(); ++i) {
        switch (lesson_->answer(i)) {
        case views::LessonPlayer::Answer::Right:
            p.answers += QLatin1Char('R');
            break;
        case views::LessonPlayer::Answer::Wrong:
            p.answers += QLatin1Char('W');
            break;
        case views::LessonPlayer::Answer::Skipped:
            p.answers += QLatin1Char('S');
            break;
        case views::LessonPlayer::Answer::None:
            p.answers += QLatin1Char('-');
            break;
        }
    }
    p.finished = lesson_->isFinished() || lessonProgress(doc_->path()).finished;
    setLessonProgress(doc_->path(), p);
}

// Back where the student left off: the answers given, and the step (when the lesson has not changed
// its number of steps since).
void MainWindow::restoreLessonProgress() {
    const LessonProgress p = lessonProgress(doc_->path());
    if (p.step < 0 || p.steps != lesson_->stepCount()) return;
    reloading_ = true;
    for (int i = 0; i < p.answers.size() && i < lesson_->stepCount(); ++i) {
        const QChar c = p.answers[i];
        if (c == QLatin1Char('R'))
            lesson_->restoreAnswer(i, views::LessonPlayer::Answer::Right);
        else if (c == QLatin1Char('W'))
            lesson_->restoreAnswer(i, views::LessonPlayer::Answer::Wrong);
        else if (c == QLatin1Char('S'))
            lesson_->restoreAnswer(i, views::LessonPlayer::Answer::Skipped);
    }
    if (p.step > 0 && p.step < lesson_->stepCount() && !p.finished) lesson_->goToStep(p.step);
    reloading_ = false;
}

// A run that reached a limit of the work a run may do (Simulation.h) is shown up to where it stopped, and
// the status bar says why until something else is said.
void MainWindow::showIfStopped() {
    if (const std::optional<QString> why = doc_->stopped()) statusBar()->showMessage(*why);
}

void MainWindow::watch(const QString& path) {
    if (!watcher_->files().isEmpty()) watcher_->removePaths(watcher_->files());
    if (!watcher_->directories().isEmpty()) watcher_->removePaths(watcher_->directories());
    setLessonFileMissing(false);
    if (!path.isEmpty()) watcher_->addPath(path);
}

void MainWindow::setLessonFileMissing(bool missing) {
    if (missing == lessonFileMissing_) return;
    lessonFileMissing_ = missing;
    const QString name = QFileInfo(doc_->path()).fileName();
    setWindowTitle(name + (missing ? tr(" (file missing)") : QString()) + QStringLiteral(" — Backlog"));
    if (missing) {
        statusBar()->showMessage(
            tr("%1 was deleted or moved: the lesson stays open, and is read again if the "
               "file comes back")
                .arg(name));
        watcher_->addPath(QFileInfo(doc_->path()).absolutePath());
    }
}

// An author saved the lesson: read it again and stay at the same step. A file that no longer reads keeps
// the lesson as it was and says why in the status bar.
void MainWindow::lessonFileChanged() {
    const QString path = doc_->path();
    if (!lesson_->isActive() || path.isEmpty()) return;
    if (!QFileInfo::exists(path)) {
        // In the middle of an editor's rename, or deleted: look again shortly, then say so and wait for it.
        QTimer::singleShot(500, this, [this, path] {
            if (doc_->path() != path) return;
            if (QFileInfo::exists(path))
                lessonFileChanged();
            else
                setLessonFileMissing(true);
        });
        return;
    }
    watch(path); // a rename replaced the watched file: watch the new one
    const int step = lesson_->currentStep();
    const bool playing = player_->isPlaying();
    player_->pause();
    reloading_ = true;
    const QStringList errors = doc_->load(path);
    if (!errors.isEmpty()) {
        reloading_ = false;
        statusBar()->showMessage(tr("Not reloaded: %1").arg(errors.front()));
        return;
    }
    lesson_->goToStep(std::clamp(step, 0, lesson_->stepCount() - 1));
    reloading_ = false;
    statusBar()->showMessage(
        tr("Reloaded %1 at step %2").arg(QFileInfo(path).fileName()).arg(lesson_->currentStep() + 1), 4000);
    if (playing) player_->play();
}

void MainWindow::chooseFile() {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open a scenario or lesson"), QString(),
                                     tr("Lessons, scenarios and measured runs (*.yaml *.yml *.run)"));
    if (!path.isEmpty()) openFile(path);
}

void MainWindow::rebuildRecentMenu() {
    recentMenu_->clear();
    const QStringList files = settings::recentFiles.get();
    for (const QString& f : files)
        recentMenu_->addAction(QFileInfo(f).fileName(), this, [this, f] { openFile(f); })->setToolTip(f);
    recentMenu_->setEnabled(!files.isEmpty());
}

void MainWindow::applyTheme(const QString& name) {
    settings::theme.set(name);
    const views::Theme theme = views::Theme::byName(name);
    stage_->setTheme(theme);
    ladder_->setTheme(theme);
    states_->setTheme(theme);
    charts_->setTheme(theme);
    differences_->setTheme(theme);
    machine_->setTheme(theme);
    // The whole window follows the stage: the docks and the timeline take the theme's colours, and the
    // projector theme its larger type.
    QPalette palette = QApplication::style()->standardPalette();
    if (name != QLatin1String("light")) {
        palette.setColor(QPalette::Window, theme.panel);
        palette.setColor(QPalette::Base, theme.background);
        palette.setColor(QPalette::AlternateBase, theme.panel);
        palette.setColor(QPalette::Button, theme.panel);
        for (QPalette::ColorRole role :
             {QPalette::WindowText, QPalette::Text, QPalette::ButtonText, QPalette::ToolTipText})
            palette.setColor(role, theme.text);
        palette.setColor(QPalette::PlaceholderText, theme.mutedText);
        palette.setColor(QPalette::Mid, theme.panelBorder);
        palette.setColor(QPalette::Highlight, theme.syn);
        palette.setColor(QPalette::HighlightedText, theme.entryText);
    }
    QApplication::setPalette(palette);
    QFont font = QApplication::font();
    if (defaultPointSize_ <= 0) defaultPointSize_ = font.pointSizeF();
    font.setPointSizeF(defaultPointSize_ * theme.fontScale);
    QApplication::setFont(font);
}

void MainWindow::updatePlaybackStatus() {
    playAction_->setText(player_->isPlaying() ? tr("Pause") : tr("Play"));
    modeLabel_->setText(player_->clock().description());
}

void MainWindow::refresh() {
    if (!doc_->isLoaded()) return;
    const Time t = doc_->playhead();
    timeLabel_->setText(QString::fromStdString(formatSeconds(t)) + QStringLiteral(" s"));
    timeline_->setPlayhead(t);
    // The text docks follow the document themselves (views::followDocument), while they are visible.
}

void MainWindow::select(const views::StageHit& hit) {
    using Kind = views::StageHit::Kind;
    // A hit on the compared run's stage: its indices are into that run. A client is the same client in
    // both (the same traffic); a packet or a worker of that run is shown by its connection or listener.
    const bool other = hit.side == 1 && doc_->comparison();
    const History& h = other ? doc_->comparison()->history() : doc_->simulation().history();
    const History& mine = doc_->simulation().history();
    const int lastListener = std::max(0, static_cast<int>(mine.listeners.size()) - 1);
    const views::Selection listener{views::Selection::Kind::Listener,
                                    static_cast<std::uint32_t>(std::clamp(hit.listener, 0, lastListener))};
    views::Selection s;
    switch (hit.kind) {
    case Kind::Packet:
        if (!other) {
            s = {views::Selection::Kind::Packet, hit.packet};
        } else if (const Packet p = h.packet(hit.packet);
                   !isSpoofed(p.flow) && p.flow < mine.clients.size()) {
            s = {views::Selection::Kind::Client, p.flow};
        } else {
            s = {views::Selection::Kind::Listener, 0};
        }
        break;
    case Kind::Client:
        s = hit.client < mine.clients.size() ? views::Selection{views::Selection::Kind::Client, hit.client}
                                             : views::Selection{views::Selection::Kind::Listener, 0};
        break;
    case Kind::Worker:
        s = !other ? views::Selection{views::Selection::Kind::Worker, hit.worker} : listener;
        break;
    case Kind::QueueSlot: {
        // The connection in that slot, if it is a real client's; otherwise its listener.
        const auto entries = h.queueAt(hit.listener, hit.queue, std::min(doc_->playhead(), h.end));
        const auto slot = static_cast<std::size_t>(hit.slot);
        if (hit.slot >= 0 && slot < entries.size() && !isSpoofed(entries[slot].flow) &&
            entries[slot].flow < mine.clients.size())
            s = {views::Selection::Kind::Client, entries[slot].flow};
        else
            s = listener;
        break;
    }
    case Kind::Listener:
    case Kind::Workers:
        s = listener;
        break;
    case Kind::Clients:
    case Kind::Attackers:
        s = {views::Selection::Kind::Listener, 0};
        break;
    }
    // The connection it concerns, if a real client's: the ladder and the state diagram follow it.
    const std::optional<std::uint32_t> connection = views::connectionOf(doc_->simulation(), s);
    if (connection && (QApplication::keyboardModifiers() & Qt::ControlModifier))
        selection_->toggleConnection(*connection); // Ctrl+click: several connections side by side
    else
        selection_->select(s, connection);
}

void MainWindow::showEvent(QShowEvent* event) {
    QMainWindow::showEvent(event);
    stage_->setFocus(); // the playback keys (Space, arrows, Home, End) go to the stage, not to a dock's field
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (!offerToSaveAnnotations()) {
        event->ignore();
        return;
    }
    if (lesson_->isActive()) saveLessonProgress();
    settings::windowGeometry.set(saveGeometry());
    settings::windowState.set(isStartPageShown() ? dockStateBeforeStartPage_ : saveState());
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QList<QUrl> urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.front().isLocalFile()) openFile(urls.front().toLocalFile());
}

} // namespace backlog::app
