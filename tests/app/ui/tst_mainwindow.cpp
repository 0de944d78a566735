// The main window as a user drives it: open a file, the playback keys, the timeline and the docks all
// show the same playhead.
#include "app/ui/AppSettings.h"
#include "app/ui/LessonLibrary.h"
#include "app/ui/MainWindow.h"
#include "app/ui/PresenterWindow.h"
#include "app/ui/StartPage.h"
#include "views/document/LessonPlayer.h"
#include "views/document/Player.h"
#include "views/document/SelectionModel.h"
#include "views/document/SimulationDocument.h"
#include "views/widgets/ChartsView.h"
#include "views/widgets/ConcealCover.h"
#include "views/widgets/InspectorView.h"
#include "views/widgets/KernelToolsView.h"
#include "views/widgets/LadderView.h"
#include "views/widgets/NarrationView.h"
#include "views/widgets/StageView.h"
#include "views/widgets/TimelineView.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QSettings>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTimer>
#include <QTreeWidget>

using namespace backlog;

class TestMainWindow : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void keysMoveThePlayhead();
    void spacePlaysAndPauses();
    void badFileKeepsTheCurrentOne();
    void themesRestyleTheWholeWindow();
    void clickingTheStageInspects();
    void aSelectedConnectionIsSelectedEverywhere();
    void aStepAboutAClientSelectsIt();
    void presenterMode();
    void presenterViewShowsTheStepsNotes();
    void pageDownAndPageUpStepThroughALesson();
    void aStepOpensAPageOfADock();
    void aRevealAfterAnswerQuestionCoversWhatGivesItAway();
    void startPageListsTheLessonsInOrder();
    void startPageListsAddedFolders();
    void progressIsRememberedPerLesson();
    void lessonReloadsWhenItsFileChanges();
};

namespace {
const QString kExample = QStringLiteral(BACKLOG_SOURCE_DIR "/tests/lessons/readme-example.yaml");

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeAll(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}
} // namespace

void TestMainWindow::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("BacklogTests"));
    QSettings().clear();
}

void TestMainWindow::keysMoveThePlayhead() {
    app::MainWindow w;
    QVERIFY(w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")));
    w.show();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    views::SimulationDocument* doc = w.document();
    const History& h = doc->simulation().history();
    QCOMPARE(doc->playhead(), Time());
    // Right steps to the next moment, Left back; End and Home jump.
    QTest::keyClick(&w, Qt::Key_Right);
    QTRY_COMPARE(doc->playhead(), h.nextMoment(Time()));
    QTest::keyClick(&w, Qt::Key_Right);
    QTRY_COMPARE(doc->playhead(), h.nextMoment(h.nextMoment(Time())));
    QTest::keyClick(&w, Qt::Key_Left);
    QTRY_COMPARE(doc->playhead(), h.nextMoment(Time()));
    QTest::keyClick(&w, Qt::Key_End);
    QTRY_COMPARE(doc->playhead(), h.end);
    QTest::keyClick(&w, Qt::Key_Home);
    QTRY_COMPARE(doc->playhead(), Time());
}

void TestMainWindow::spacePlaysAndPauses() {
    app::MainWindow w;
    QVERIFY(w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")));
    w.show();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    QTest::keyClick(&w, Qt::Key_Space);
    QTRY_VERIFY(w.player()->isPlaying());
    QTRY_VERIFY(w.document()->playhead() > Time()); // the frame timer moves it
    QTest::keyClick(&w, Qt::Key_Space);
    QTRY_VERIFY(!w.player()->isPlaying());
    const Time paused = w.document()->playhead();
    QTest::qWait(100); // nothing may move while paused: a short look is the point here
    QCOMPARE(w.document()->playhead(), paused);
}

void TestMainWindow::badFileKeepsTheCurrentOne() {
    app::MainWindow w;
    QVERIFY(w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")));
    const std::size_t packets = w.document()->simulation().history().packetCount();
    // The error box is modal: close it as soon as it appears.
    QTimer::singleShot(0, [] {
        for (QWidget* top : QApplication::topLevelWidgets())
            if (top->inherits("QMessageBox")) top->close();
    });
    QVERIFY(!w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/tests/app/cli/data/bad-key.yaml")));
    QCOMPARE(w.document()->simulation().history().packetCount(), packets);
}

void TestMainWindow::themesRestyleTheWholeWindow() {
    app::MainWindow w;
    QVERIFY(w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")));
    const auto theme = [&](const char* name) {
        for (QAction* a : w.findChildren<QAction*>())
            if (a->data().toString() == QLatin1String(name)) return a;
        return static_cast<QAction*>(nullptr);
    };
    QVERIFY(theme("light") && theme("dark") && theme("projector"));
    theme("light")->trigger();
    const QColor lightWindow = QApplication::palette().color(QPalette::Window);
    const qreal lightSize = QApplication::font().pointSizeF();
    theme("dark")->trigger();
    QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < lightWindow.lightness());
    theme("projector")->trigger();
    QVERIFY(QApplication::font().pointSizeF() > lightSize);
    theme("light")->trigger();
    QCOMPARE(QApplication::palette().color(QPalette::Window), lightWindow);
    QCOMPARE(QApplication::font().pointSizeF(), lightSize);
    QCOMPARE(QSettings().value(QStringLiteral("view/theme")).toString(), QStringLiteral("light"));
}

void TestMainWindow::clickingTheStageInspects() {
    app::MainWindow w;
    QVERIFY(w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    auto* stage = w.findChild<views::StageView*>();
    auto* inspector = w.findChild<views::InspectorView*>();
    QVERIFY(stage && inspector);
    w.document()->setPlayhead(Time::s(1));
    const auto geometry =
        stage->renderer().layout(QRectF(stage->rect()), w.document()->simulation(), Time::s(1));
    QVERIFY(!geometry.workers.empty());
    QTest::mouseClick(stage, Qt::LeftButton, {}, geometry.workers.front().box.center().toPoint());
    QTRY_COMPARE(inspector->selection().kind, views::Selection::Kind::Worker);
    QTRY_VERIFY(inspector->html().contains(QStringLiteral("Worker 0")));
    // It follows the worker as time moves.
    w.document()->setPlayhead(Time::s(70));
    QTRY_VERIFY(inspector->html().contains(QStringLiteral("blocked in accept()")));
}

void TestMainWindow::aSelectedConnectionIsSelectedEverywhere() {
    app::MainWindow w;
    QVERIFY(w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    auto* stage = w.stage();
    const Time t = Time::ms(400);
    w.document()->setPlayhead(t);
    const auto g = stage->renderer().layout(QRectF(stage->rect()), w.document()->simulation(), t);
    QVERIFY(g.clients.size() > 3);
    // A click on client 2's row: the inspector, the selection and the ladder all show client 2.
    QTest::mouseClick(stage, Qt::LeftButton, {}, g.clients[2].row.center().toPoint());
    QTRY_COMPARE(w.selection()->connections(), std::vector<std::uint32_t>{2});
    QCOMPARE(w.findChild<views::InspectorView*>()->selection(),
             (views::Selection{views::Selection::Kind::Client, 2}));
    QCOMPARE(w.ladder()->connections(), std::vector<std::uint32_t>{2});
    // Ctrl+click adds client 3 to the ladder.
    QTest::mouseClick(stage, Qt::LeftButton, Qt::ControlModifier, g.clients[3].row.center().toPoint());
    QTRY_COMPARE(w.ladder()->connections(), (std::vector<std::uint32_t>{2, 3}));
    // A click in the ladder moves the playhead.
    w.findChild<QDockWidget*>(QStringLiteral("LadderDock"))->show();
    w.findChild<QDockWidget*>(QStringLiteral("LadderDock"))->raise();
    QTRY_VERIFY(w.ladder()->isVisible());
    const auto lg = w.ladder()->renderer().layout(QRectF(w.ladder()->rect()), w.document()->simulation(), t,
                                                  w.ladder()->connections());
    QVERIFY(lg.rows.size() > 2);
    QTest::mouseClick(w.ladder(), Qt::LeftButton, {},
                      QPoint(w.ladder()->width() / 2, static_cast<int>(lg.rows[1].y)));
    QTRY_VERIFY(std::abs((w.document()->playhead() - lg.rows[1].at).count()) < 1'000'000);
    // Opening another file clears the selection.
    QVERIFY(w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/e2-burst.yaml")));
    QVERIFY(w.selection()->connections().empty());
}

void TestMainWindow::aStepAboutAClientSelectsIt() {
    app::MainWindow w;
    QVERIFY(w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/05-lost-final-ack.yaml")));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    // Step 8 highlights client 3 and brings the ladder forward.
    w.lessonPlayer()->goToStep(7);
    QCOMPARE(w.selection()->connections(), std::vector<std::uint32_t>{3});
    QTRY_VERIFY(w.ladder()->isVisible());
    QCOMPARE(w.ladder()->connections(), std::vector<std::uint32_t>{3});
}

void TestMainWindow::presenterMode() {
    QSettings().clear();
    app::MainWindow w;
    QVERIFY(w.openFile(kExample));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QTest::keyClick(&w, Qt::Key_F5);
    QTRY_VERIFY(w.presenter() && w.presenter()->isVisible());
    app::PresenterWindow* p = w.presenter();
    QVERIFY(p->isFullScreen());
    // The caption is the step's narration; the stage is the projector theme's.
    QTRY_VERIFY(p->caption()->text().contains(QStringLiteral("Ten clients call")));
    QCOMPARE(p->stage()->theme().background, views::Theme::projector().background);
    // A clicker: PageDown and the arrow keys move between steps; the caption and the emphasis follow.
    QTest::keyClick(p, Qt::Key_PageDown);
    QCOMPARE(w.lessonPlayer()->currentStep(), 1);
    QVERIFY(p->caption()->text().contains(QStringLiteral("Count before you answer")));
    QVERIFY(p->stage()->emphasis().zoom.has_value());
    // Step 2 asks a question: the first press asks whether to skip it, in the caption (issue 16).
    QTest::keyClick(p, Qt::Key_Right);
    QCOMPARE(w.lessonPlayer()->currentStep(), 1);
    QVERIFY(p->caption()->text().contains(QStringLiteral("Skip this question?")));
    QTest::keyClick(p, Qt::Key_Right);
    QCOMPARE(w.lessonPlayer()->currentStep(), 2);
    QTest::keyClick(p, Qt::Key_Left);
    QCOMPARE(w.lessonPlayer()->currentStep(), 1);
    // B blacks the screen and brings it back; S turns the mouse spotlight on.
    QTest::keyClick(p, Qt::Key_B);
    QVERIFY(p->isBlacked());
    QVERIFY(!p->stage()->isVisible());
    QTest::keyClick(p, Qt::Key_B);
    QVERIFY(!p->isBlacked());
    QVERIFY(p->stage()->isVisible());
    QTest::keyClick(p, Qt::Key_S);
    QVERIFY(p->hasSpotlight());
    QVERIFY(p->stage()->findChild<QWidget*>(QStringLiteral("spotlight"))->isVisible());
    // Escape leaves presenter mode; the window is still there, at the same step.
    QTest::keyClick(p, Qt::Key_Escape);
    QTRY_VERIFY(!w.presenter());
    QCOMPARE(w.lessonPlayer()->currentStep(), 1);
}

void TestMainWindow::presenterViewShowsTheStepsNotes() {
    QSettings().clear();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("notes.yaml"));
    QVERIFY(writeAll(path, "format: backlog-lesson/1\n"
                           "title: Notes for the teacher\n"
                           "scenario:\n"
                           "  network: { rtt: 1ms }\n"
                           "  server: { backlog: 4, workers: { count: 0 } }\n"
                           "  traffic:\n"
                           "    - { clients: 10, spacing: 10ms }\n"
                           "  until: 2s\n"
                           "steps:\n"
                           "  - at: 0s\n"
                           "    title: Ten clients\n"
                           "    say: Ten clients call `connect()`.\n"
                           "    notes: Ask who has seen **Recv-Q** in `ss -lnt`.\n"
                           "    highlight: [syn-queue, SYN]\n"
                           "  - at: 500ms\n"
                           "    title: Full\n"
                           "    say: The accept queue holds five.\n"
                           "    notes: |\n"
                           "      Many will say *four*.\n"
                           "    question:\n"
                           "      ask: How many connections can wait?\n"
                           "      choices: [four, backlog + 1]\n"
                           "      answer: 2\n"
                           "      explain: The test for full is a strict greater-than.\n"
                           "  - at: 1s\n"
                           "    title: Quiet\n"
                           "    say: Nothing more happens.\n"
                           "    highlight: accept-queue\n"));
    app::MainWindow w;
    QVERIFY(w.openFile(path));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QTest::keyClick(&w, Qt::Key_F5);
    QTRY_VERIFY(w.presenter() && w.presenter()->isVisible());
    app::PresenterWindow* p = w.presenter();
    // The offscreen platform has one screen, so present() puts no presenter's view anywhere: this is the
    // one it would put on a second screen, following the same lesson player.
    app::PresenterNotes notes(w.document(), w.lessonPlayer());
    notes.show();
    QVERIFY(QTest::qWaitForWindowExposed(&notes));
    const QString heading = QStringLiteral("<h3>Notes</h3>");
    QTRY_VERIFY2(notes.text().contains(heading), qPrintable(notes.text()));
    QVERIFY(notes.text().contains(QStringLiteral("Ask who has seen <b>Recv-Q</b> in <code>ss -lnt</code>.")));
    // The class never sees them: the projector's caption is the narration alone.
    QVERIFY(p->caption()->text().contains(QStringLiteral("Ten clients call")));
    QVERIFY(!p->caption()->text().contains(QStringLiteral("Recv-Q")));
    // The clicker's next step brings that step's notes.
    QTest::keyClick(p, Qt::Key_PageDown);
    QCOMPARE(w.lessonPlayer()->currentStep(), 1);
    QTRY_VERIFY2(notes.text().contains(QStringLiteral("Many will say <i>four</i>.")),
                 qPrintable(notes.text()));
    // The question's answer is there for the teacher, as is its explanation.
    QVERIFY2(notes.text().contains(QStringLiteral("<b>Answer:</b> backlog + 1")), qPrintable(notes.text()));
    QVERIFY(notes.text().contains(QStringLiteral("strict greater-than")));
    QVERIFY(!notes.text().contains(QStringLiteral("Recv-Q")));
    QVERIFY(!p->caption()->text().contains(QStringLiteral("four")));
    // A step without notes has no Notes heading. (Page Down twice: the first asks before skipping the
    // question.)
    QTest::keyClick(p, Qt::Key_PageDown);
    QTest::keyClick(p, Qt::Key_PageDown);
    QCOMPARE(w.lessonPlayer()->currentStep(), 2);
    QTRY_VERIFY2(notes.text().contains(QStringLiteral("Nothing more happens.")), qPrintable(notes.text()));
    QVERIFY(!notes.text().contains(heading));
    // The step points at one element and has no zoom of its own: presenter mode zooms to it; Z turns
    // that off and on. (The first step also lit packets, which fly in from outside: no zoom there.)
    QVERIFY(p->zoomsToHighlight());
    QVERIFY(p->stage()->emphasis().zoom.has_value());
    QCOMPARE(p->stage()->emphasis().zoom->kind, Target::Kind::AcceptQueue);
    QTest::keyClick(p, Qt::Key_Z);
    QVERIFY(!p->zoomsToHighlight());
    QVERIFY(!p->stage()->emphasis().zoom.has_value());
    QCOMPARE(p->stage()->emphasis().highlight.size(), std::size_t{1}); // still lit
    QTest::keyClick(p, Qt::Key_Z);
    QVERIFY(p->stage()->emphasis().zoom.has_value());
    QTest::keyClick(p, Qt::Key_PageUp);
    QTest::keyClick(p, Qt::Key_PageUp);
    QCOMPARE(w.lessonPlayer()->currentStep(), 0);
    QVERIFY(!p->stage()->emphasis().zoom.has_value());
    QTest::keyClick(p, Qt::Key_Escape);
    QTRY_VERIFY(!w.presenter());
}

// view: kernel-tools/PAGE and charts/PAGE (issue 16): the dock comes forward on that page.
void TestMainWindow::aStepOpensAPageOfADock() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("pages.yaml"));
    QVERIFY(writeAll(path, "format: backlog-lesson/1\ntitle: Pages\nscenario:\n  traffic:\n"
                           "    - { name: a, clients: 4, spacing: 10ms }\n  until: 1s\nsteps:\n"
                           "  - say: Start.\n"
                           "  - at: 100ms\n    say: The counters.\n    view: kernel-tools/nstat\n"
                           "  - at: 200ms\n    say: The settings.\n    view: kernel-tools/sysctl\n"
                           "  - at: 300ms\n    say: How long connect() took.\n    view: charts/latency\n"));
    app::MainWindow w;
    QVERIFY(w.openFile(path));
    w.show();
    auto* tools = w.findChild<views::KernelToolsView*>();
    QVERIFY(tools);
    w.lessonPlayer()->goToStep(1);
    QTRY_VERIFY(w.findChild<QDockWidget*>(QStringLiteral("KernelToolsDock"))->isVisible());
    QCOMPARE(tools->tool(), views::KernelToolsView::Tool::Nstat);
    w.lessonPlayer()->goToStep(2);
    QCOMPARE(tools->tool(), views::KernelToolsView::Tool::Sysctl);
    w.lessonPlayer()->goToStep(3);
    if (auto* charts = w.findChild<views::ChartsView*>()) {
        QTRY_VERIFY(w.findChild<QDockWidget*>(QStringLiteral("ChartsDock"))->isVisible());
        QCOMPARE(charts->currentChart(), views::ChartsView::Chart::ConnectLatency);
    }
}

void TestMainWindow::pageDownAndPageUpStepThroughALesson() {
    QSettings().clear(); // no remembered progress: the lesson starts at its first step
    app::MainWindow w;
    QVERIFY(w.openFile(kExample));
    w.show();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    views::LessonPlayer* lesson = w.lessonPlayer();
    QVERIFY(w.findChild<QDockWidget*>(QStringLiteral("NarrationDock"))->isVisible());
    QCOMPARE(lesson->currentStep(), 0);
    // What a presentation clicker sends.
    QTest::keyClick(&w, Qt::Key_PageDown);
    QTRY_COMPARE(lesson->currentStep(), 1);
    QCOMPARE(w.document()->playhead(), lesson->stepTime(1));
    // The step highlights and zooms to the accept queue.
    QVERIFY(w.stage()->emphasis().zoom.has_value());
    QCOMPARE(w.stage()->emphasis().zoom->kind, Target::Kind::AcceptQueue);
    // Step 2's question is open: the first press asks, in the narration, and the second skips it.
    QTest::keyClick(&w, Qt::Key_PageDown);
    QCOMPARE(lesson->currentStep(), 1);
    QTRY_VERIFY(w.findChild<QLabel*>(QStringLiteral("verdict"))
                    ->text()
                    .startsWith(QStringLiteral("Skip this question?")));
    QTest::keyClick(&w, Qt::Key_PageDown);
    QTRY_COMPARE(lesson->currentStep(), 2);
    QCOMPARE(lesson->answer(1), views::LessonPlayer::Answer::Skipped);
    // Step 3 brings the kernel tools forward.
    QTRY_VERIFY(w.findChild<QDockWidget*>(QStringLiteral("KernelToolsDock"))->isVisible());
    QTest::keyClick(&w, Qt::Key_PageUp);
    QTRY_COMPARE(lesson->currentStep(), 1);
    QVERIFY(!w.player()->isPlaying());
}

void TestMainWindow::startPageListsTheLessonsInOrder() {
    app::MainWindow w;
    QVERIFY(w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")));
    w.show();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    QTest::keyClick(&w, Qt::Key_L, Qt::ControlModifier);
    QTRY_VERIFY(w.isStartPageShown());
    QTreeWidget* list = w.startPage()->list();
    QStringList numbers;
    for (int i = 0; i < list->topLevelItemCount(); ++i)
        if (!list->topLevelItem(i)->text(0).isEmpty()) numbers << list->topLevelItem(i)->text(0);
    QVERIFY2(numbers.size() >= 1, qPrintable(numbers.join(QLatin1Char(' '))));
    for (int i = 1; i < numbers.size(); ++i)
        QVERIFY(numbers[i - 1].toInt() < numbers[i].toInt());
    // The shipped section is lessons/ and nothing else: every lesson there, no scenario of
    // lessons/scenarios/.
    const QDir shipped(app::shippedLessonsDir());
    QStringList listed;
    for (int i = 0; i < list->topLevelItemCount(); ++i)
        if (const QString path = list->topLevelItem(i)->data(0, Qt::UserRole).toString(); !path.isEmpty())
            listed << QFileInfo(path).canonicalFilePath();
    QStringList lessons;
    for (const QFileInfo& f : shipped.entryInfoList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name))
        lessons << f.canonicalFilePath();
    QCOMPARE(lessons.size(), 12);
    QCOMPARE(listed, lessons);
    QVERIFY(QFileInfo(app::defaultScenarioPath()).isFile());
    QCOMPARE(QFileInfo(app::defaultScenarioPath()).canonicalFilePath(),
             QFileInfo(shipped.filePath(QStringLiteral("scenarios/sandbox.yaml"))).canonicalFilePath());
    // Enter opens the selected lesson (the first), and the stage comes back.
    QTest::keyClick(list, Qt::Key_Return);
    QTRY_VERIFY(!w.isStartPageShown());
    QVERIFY(w.lessonPlayer()->isActive());
    QCOMPARE(w.document()->path(), list->topLevelItem(1)->data(0, Qt::UserRole).toString());
}

void TestMainWindow::startPageListsAddedFolders() {
    QTemporaryDir dir;
    QVERIFY(writeAll(dir.filePath(QStringLiteral("mine.yaml")), readAll(kExample)));
    QVERIFY(
        writeAll(dir.filePath(QStringLiteral("broken.yaml")), "format: backlog-lesson/1\ntitle: Broken\n"));
    QVERIFY(writeAll(dir.filePath(QStringLiteral("scenario.yaml")), "title: not a lesson\n"));
    app::settings::lessonFolders.set({dir.path()});
    app::StartPage page;
    QTreeWidget* list = page.list();
    QStringList titles;
    QString brokenTip;
    for (int i = 0; i < list->topLevelItemCount(); ++i) {
        const QTreeWidgetItem* item = list->topLevelItem(i);
        titles << item->text(0) + QLatin1Char('|') + item->text(1);
        if (item->text(1) == QLatin1String("broken")) brokenTip = item->toolTip(1);
    }
    // The folder's own section: its lessons (not the scenario), a broken one saying why.
    QVERIFY2(titles.contains(QDir::toNativeSeparators(dir.path()) + QLatin1Char('|')),
             qPrintable(titles.join(QLatin1Char('\n'))));
    QVERIFY(titles.contains(QStringLiteral("|A queue of five")));
    QVERIFY(!titles.join(QLatin1Char(' ')).contains(QStringLiteral("not a lesson")));
    QVERIFY2(brokenTip.contains(QStringLiteral("expected scenario")), qPrintable(brokenTip));
    app::settings::lessonFolders.set({});
}

void TestMainWindow::progressIsRememberedPerLesson() {
    QSettings().clear(); // the other tests' progress in the same lesson
    {
        app::MainWindow w;
        QVERIFY(w.openFile(kExample));
        w.lessonPlayer()->nextStep();
        w.lessonPlayer()->answerNumber(5);
        w.lessonPlayer()->nextStep();
        QCOMPARE(w.lessonPlayer()->currentStep(), 2);
        w.close();
    }
    const app::LessonProgress saved = app::lessonProgress(kExample);
    QCOMPARE(saved.step, 2);
    QCOMPARE(saved.answers, QStringLiteral("-R--"));
    app::MainWindow w;
    QVERIFY(w.openFile(kExample));
    QCOMPARE(w.lessonPlayer()->currentStep(), 2);
    QCOMPARE(w.lessonPlayer()->answer(1), views::LessonPlayer::Answer::Right);
}

void TestMainWindow::lessonReloadsWhenItsFileChanges() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("lesson.yaml"));
    const QByteArray original = readAll(kExample);
    QVERIFY(writeAll(path, original));
    app::MainWindow w;
    QVERIFY(w.openFile(path));
    w.lessonPlayer()->nextStep();
    w.lessonPlayer()->nextStep(); // step 2's question: asked whether to skip it
    w.lessonPlayer()->nextStep(); // skipped
    QCOMPARE(w.lessonPlayer()->currentStep(), 2);
    // An author rewrites step 3's narration: the window reads it again and stays at step 3.
    QByteArray edited = original;
    edited.replace("is dropped, silently.", "is dropped, and nobody is told.");
    QVERIFY(edited != original);
    QVERIFY(writeAll(path, edited));
    QTRY_VERIFY(w.narration()->narration()->toPlainText().contains(QStringLiteral("nobody is told")));
    QCOMPARE(w.lessonPlayer()->currentStep(), 2);
    // A broken save keeps the lesson as it was.
    QVERIFY(writeAll(path, edited + "\nbogus: key\n"));
    QTRY_VERIFY(w.statusBar()->currentMessage().startsWith(QStringLiteral("Not reloaded")));
    QVERIFY(w.statusBar()->currentMessage().contains(QStringLiteral("unknown key bogus")));
    QCOMPARE(w.lessonPlayer()->currentStep(), 2);
    QVERIFY(w.narration()->narration()->toPlainText().contains(QStringLiteral("nobody is told")));
}

// reveal: after-answer (issue 16): at the README example's step 2 the docks that would give the answer
// away are covered, and nothing of them shows; the stage's counters and the timeline's future drops are
// hidden, on the projector too. Answering lifts it all.
void TestMainWindow::aRevealAfterAnswerQuestionCoversWhatGivesItAway() {
    QSettings().clear();
    app::MainWindow w;
    QVERIFY(w.openFile(kExample));
    w.show();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    auto* tools = w.findChild<views::KernelToolsView*>();
    auto* toolsDock = w.findChild<QDockWidget*>(QStringLiteral("KernelToolsDock"));
    QVERIFY(tools && toolsDock);
    toolsDock->show();
    toolsDock->raise();
    const auto cover = [](QWidget* view) { return view->findChild<views::ConcealCover*>(); };
    QVERIFY(cover(tools) && !cover(tools)->isConcealed());
    // The share of a view's pixels (per mille) that are not its commonest colour: a covered view shows its
    // panel and one line of words.
    const auto inked = [](QWidget* view) {
        const QImage image = view->grab().toImage();
        QHash<QRgb, int> seen;
        for (int y = 0; y < image.height(); ++y)
            for (int x = 0; x < image.width(); ++x)
                ++seen[image.pixel(x, y)];
        int commonest = 0;
        for (const int n : seen)
            commonest = std::max(commonest, n);
        const qsizetype all = image.width() * image.height();
        return static_cast<int>((all - commonest) * 1000 / std::max<qsizetype>(1, all));
    };
    QTest::keyClick(&w, Qt::Key_PageDown);
    QTRY_COMPARE(w.lessonPlayer()->currentStep(), 1);
    QTRY_VERIFY(w.lessonPlayer()->isConcealing());
    for (const char* name :
         {"KernelToolsView", "ChartsView", "EventLogView", "InspectorView", "LadderView"}) {
        QWidget* view = nullptr;
        for (QWidget* child : w.findChildren<QWidget*>())
            if (QString::fromLatin1(child->metaObject()->className()).endsWith(QLatin1String(name)))
                view = child;
        QVERIFY2(view && cover(view) && cover(view)->isConcealed(), name);
    }
    QTRY_VERIFY(tools->isVisible() && cover(tools)->isVisible());
    QCOMPARE(cover(tools)->geometry(), tools->rect());
    const int covered = inked(tools);
    QVERIFY2(covered < 30, qPrintable(QString::number(covered))); // one line of words, not ss and nstat
    QVERIFY(w.stage()->renderer().options().numbersConcealed);
    QVERIFY(w.findChild<views::TimelineView*>()->isFutureConcealed());
    // The projector hides the stage's counters too.
    QTest::keyClick(&w, Qt::Key_F5);
    QTRY_VERIFY(w.presenter() && w.presenter()->isVisible());
    QVERIFY(w.presenter()->stage()->renderer().options().numbersConcealed);
    // Answered: everything is back, as it is at the playhead.
    w.lessonPlayer()->answerNumber(5);
    QVERIFY(!w.lessonPlayer()->isConcealing());
    QVERIFY(!cover(tools)->isVisible());
    QVERIFY2(inked(tools) > 2 * covered, qPrintable(QStringLiteral("%1 %2").arg(inked(tools)).arg(covered)));
    QVERIFY(!w.stage()->renderer().options().numbersConcealed);
    QVERIFY(!w.presenter()->stage()->renderer().options().numbersConcealed);
    QVERIFY(!w.findChild<views::TimelineView*>()->isFutureConcealed());
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
