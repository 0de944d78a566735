// A person's journey through the real main window, offscreen: from the start page they open every shipped
// lesson, step through it (answering some questions, skipping others), hide and show the docks across new
// documents and reloads, click queue slots, clients and packets on the stage, present, and open and cancel
// the export dialog. After every move each visible view must show the run that is open, at the playhead,
// and nothing else; CI runs this under AddressSanitizer + UBSan, where a read of a freed run is a report.
#include "app/ui/AppSettings.h"
#include "app/ui/ExportDialog.h"
#include "app/ui/LessonLibrary.h"
#include "app/ui/MainWindow.h"
#include "app/ui/PresenterWindow.h"
#include "app/ui/StartPage.h"
#include "model/lesson/Lesson.h"
#include "model/tools/KernelTools.h"
#include "model/tools/Report.h"
#include "views/document/LessonPlayer.h"
#include "views/document/Player.h"
#include "views/document/SelectionModel.h"
#include "views/document/SimulationDocument.h"
#include "views/widgets/EventLogView.h"
#include "views/widgets/InspectorView.h"
#include "views/widgets/KernelToolsView.h"
#include "views/widgets/NarrationView.h"
#include "views/widgets/StageView.h"
#include "views/widgets/TimelineView.h"

#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTextDocument>
#include <QTreeWidget>

using namespace backlog;

class TestJourney : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void everyLessonFromTheStartPage_data();
    void everyLessonFromTheStartPage();
    void docksHiddenAcrossNewDocumentsAndReloads();
    void aStepSelectsAClientWhileTheInspectorIsHidden();
    void aDeletedLessonFileStaysOpenAndComesBack();
};

namespace {

const char* const kDocks[] = {"InspectorDock", "ParametersDock", "EventLogDock", "KernelToolsDock",
                              "LadderDock",    "StatesDock",     "ChartsDock",   "SummaryDock"};

QDockWidget* dockOf(app::MainWindow& w, const char* name) {
    return w.findChild<QDockWidget*>(QString::fromLatin1(name));
}

QString plain(const QString& html) {
    QTextDocument d;
    d.setHtml(html);
    return d.toPlainText();
}

// Every visible view shows the open run at the playhead; a hidden one is rebuilt when shown.
void verifyViewsShowTheRun(app::MainWindow& w, const char* where) {
    const views::SimulationDocument* doc = w.document();
    QVERIFY2(doc->isLoaded(), where);
    const Simulation& sim = doc->simulation();
    const Time t = doc->playhead();
    auto* log = w.findChild<views::EventLogView*>();
    if (log->isVisible()) {
        const std::vector<views::LogEvent> events =
            views::eventsAround(sim.history(), t, views::LogFilter::All);
        QCOMPARE(log->model()->rowCount(), static_cast<int>(events.size()));
        for (int row = 0; row < log->model()->rowCount(); ++row) {
            const views::LogEvent& e = events[static_cast<std::size_t>(row)];
            const Packet p = sim.history().packet(e.packet);
            QCOMPARE(log->model()->data(log->model()->index(row, 1), Qt::DisplayRole).toString(),
                     views::eventWho(sim, p));
            QCOMPARE(log->model()->data(log->model()->index(row, 2), Qt::DisplayRole).toString(),
                     views::eventWhat(p, e.arrival));
        }
    }
    auto* inspector = w.findChild<views::InspectorView*>();
    if (inspector->isVisible())
        QCOMPARE(inspector->findChild<QTextBrowser*>()->toPlainText(),
                 plain(views::describeSelection(sim, inspector->selection(), t)));
    auto* tools = w.findChild<views::KernelToolsView*>();
    if (tools->isVisible()) {
        views::KernelToolsView fresh(
            w.centralWidget()); // finds the window's document, for nstat since a step
        fresh.setTool(tools->tool());
        fresh.show(sim, t);
        QCOMPARE(tools->text(), fresh.text());
    }
    auto* summary = dockOf(w, "SummaryDock")->findChild<QPlainTextEdit*>();
    if (summary->isVisible()) QCOMPARE(summary->toPlainText(), QString::fromStdString(textReport(sim, t)));
    auto* somaxconn = dockOf(w, "ParametersDock")->findChild<QSpinBox*>(QStringLiteral("net.core.somaxconn"));
    if (somaxconn && somaxconn->isVisible() && !somaxconn->hasFocus())
        QCOMPARE(std::int64_t{somaxconn->value()}, settingsAt(sim.scenario(), t).kernel.somaxconn);
    QCOMPARE(w.findChild<views::TimelineView*>()->playhead(), t);
}

// Clicks what a student clicks on the stage at the playhead: the first queue slots, a client, a packet in
// flight and a worker. Each click must select something of this run (or nothing), never crash.
void clickAroundTheStage(app::MainWindow& w) {
    views::StageView* stage = w.stage();
    const views::SimulationDocument* doc = w.document();
    const QRectF target(stage->rect());
    const views::StageRenderer::Geometry g =
        stage->renderer().layout(target, doc->simulation(), doc->playhead());
    const QTransform zoom =
        stage->renderer().zoomTransform(target, doc->simulation(), doc->playhead(), stage->emphasis());
    std::vector<QPointF> points;
    for (const auto& listener : g.listeners) {
        for (const auto* queue : {&listener.syn, &listener.accept})
            for (std::size_t i = 0; i < std::min<std::size_t>(2, queue->slotRects.size()); ++i)
                points.push_back(queue->slotRects[i].center());
    }
    if (!g.clients.empty()) points.push_back(g.clients.front().row.center());
    if (!g.workers.empty()) points.push_back(g.workers.front().box.center());
    for (const auto& packet : g.packets) {
        points.push_back(packet.glyph.center());
        break;
    }
    for (const QPointF& at : points) {
        const QPoint widgetPoint = zoom.map(at).toPoint();
        if (!stage->rect().contains(widgetPoint)) continue; // zoomed out of view
        QTest::mouseClick(stage, Qt::LeftButton, {}, widgetPoint);
        const views::Selection s = w.selection()->current();
        const History& h = doc->simulation().history();
        switch (s.kind) {
        case views::Selection::Kind::Packet:
            QVERIFY(s.index < h.packetCount());
            break;
        case views::Selection::Kind::Client:
            QVERIFY(s.index < h.clients.size());
            break;
        case views::Selection::Kind::Worker:
            QVERIFY(s.index < h.workers.size());
            break;
        case views::Selection::Kind::Listener:
            QVERIFY(s.index < h.listeners.size());
            break;
        case views::Selection::Kind::None:
            break;
        }
    }
}

void setDocksVisible(app::MainWindow& w, bool visible) {
    for (const char* name : kDocks)
        dockOf(w, name)->setVisible(visible);
}

} // namespace

void TestJourney::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("BacklogJourneyTests"));
    QSettings().clear();
}

void TestJourney::everyLessonFromTheStartPage_data() {
    QTest::addColumn<QString>("path");
    const QDir lessons(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons"));
    // lessons/ holds the lessons only; the sandbox and the other scenarios are in lessons/scenarios/.
    for (const QString& file : lessons.entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name))
        QTest::newRow(qPrintable(file)) << lessons.filePath(file);
}

void TestJourney::everyLessonFromTheStartPage() {
    QFETCH(QString, path);
    app::MainWindow w;
    w.resize(1280, 800);
    // As a first start does: the sandbox behind the start page, then the start page.
    QVERIFY(w.openFile(app::defaultScenarioPath()));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    setDocksVisible(w, true);
    w.showStartPage();
    QTreeWidget* list = w.startPage()->list();
    QTreeWidgetItem* item = nullptr;
    for (int i = 0; i < list->topLevelItemCount(); ++i)
        if (QFileInfo(list->topLevelItem(i)->data(0, Qt::UserRole).toString()) == QFileInfo(path))
            item = list->topLevelItem(i);
    QVERIFY2(item, qPrintable(path + QStringLiteral(" is not on the start page")));
    list->setCurrentItem(item);
    QTest::keyClick(list, Qt::Key_Return);
    QTRY_VERIFY(!w.isStartPageShown());
    QCOMPARE(QFileInfo(w.document()->path()), QFileInfo(path));
    verifyViewsShowTheRun(w, "opened from the start page");
    clickAroundTheStage(w); // a click right after opening

    views::LessonPlayer* lesson = w.lessonPlayer();
    QVERIFY(lesson->isActive());
    int questions = 0;
    for (int guard = 0; guard < 4 * lesson->stepCount() && lesson->currentStep() < lesson->stepCount() - 1;
         ++guard) {
        const int before = lesson->currentStep();
        // A question that playing reached waits: the first Page Down asks whether to skip it (issue 16),
        // the second skips it.
        if (lesson->isWaitingForAnswer()) {
            QTest::keyClick(w.stage(), Qt::Key_PageDown);
            QVERIFY(lesson->isAskingToSkip());
            QCOMPARE(lesson->currentStep(), before);
        }
        QTest::keyClick(w.stage(), Qt::Key_PageDown);
        if (lesson->isWaitingForAnswer()) {
            // Answer some, skip others: the first choice, a number, or a skip in turn.
            const Step& step = lesson->lesson()->steps[static_cast<std::size_t>(lesson->currentStep())];
            QVERIFY(step.question);
            const bool choice = step.question->kind == Question::Kind::Choice;
            switch (questions++ % 3) {
            case 0:
                if (choice)
                    lesson->answerChoice(0);
                else
                    lesson->answerNumber(step.question->number);
                break;
            case 1:
                lesson->skipQuestion();
                break;
            default:
                if (choice)
                    lesson->answerChoice(static_cast<int>(step.question->choices.size()) - 1);
                else
                    lesson->answerNumber(step.question->number + 10 * step.question->tolerance + 1);
            }
            QVERIFY(!lesson->isWaitingForAnswer());
            lesson->resume();
        }
        QTRY_VERIFY(lesson->currentStep() != before || lesson->isWaitingForAnswer());
        w.player()->pause();
        verifyViewsShowTheRun(w, "a step");
        if (lesson->currentStep() % 3 == 1) clickAroundTheStage(w);
        if (lesson->currentStep() % 4 == 2) {
            // Hide every dock, reload the lesson as an author's save would, show them again.
            setDocksVisible(w, false);
            const int step = lesson->currentStep();
            QVERIFY(w.openFile(path));
            lesson->goToStep(step);
            setDocksVisible(w, true);
            verifyViewsShowTheRun(w, "docks shown after a reload");
        }
    }
    QVERIFY(lesson->currentStep() == lesson->stepCount() - 1);

    // Presenter mode, in and out.
    w.present();
    QTRY_VERIFY(w.presenter() && w.presenter()->isVisible());
    QTest::keyClick(w.presenter(), Qt::Key_PageUp);
    QTest::keyClick(w.presenter(), Qt::Key_Escape);
    QTRY_VERIFY(!w.presenter() || !w.presenter()->isVisible());
    verifyViewsShowTheRun(w, "after presenting");

    // The export dialog, opened and cancelled.
    w.showExportDialog();
    QTRY_VERIFY(w.exportDialog() && w.exportDialog()->isVisible());
    QTest::keyClick(w.exportDialog(), Qt::Key_Escape); // as a person cancels a dialog
    QTRY_VERIFY(!w.exportDialog() || !w.exportDialog()->isVisible());

    // Back to the start page and into the sandbox: nothing of the lesson is left in any view.
    w.showStartPage();
    QVERIFY(w.openFile(app::defaultScenarioPath()));
    QVERIFY(!w.lessonPlayer()->isActive());
    setDocksVisible(w, true);
    verifyViewsShowTheRun(w, "the sandbox after the lesson");
}

// The paths of the issue that showed freed runs: a dock hidden, another file opened (or the lesson
// reloaded), the dock shown again.
void TestJourney::docksHiddenAcrossNewDocumentsAndReloads() {
    app::MainWindow w;
    w.resize(1280, 800);
    QVERIFY(w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/e2-burst.yaml")));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.document()->setPlayhead(Time::ms(500));
    for (const char* name : kDocks) {
        QDockWidget* dock = dockOf(w, name);
        dock->show();
        dock->raise();
        verifyViewsShowTheRun(w, name);
        dock->hide();
        QVERIFY(w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/01-two-queues.yaml")));
        w.document()->setPlayhead(w.document()->end() / 2);
        dock->show();
        dock->raise();
        verifyViewsShowTheRun(w, name);
        dock->hide();
        QVERIFY(w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/e2-burst.yaml")));
        dock->show();
        dock->raise();
        verifyViewsShowTheRun(w, name);
    }
}

void TestJourney::aStepSelectsAClientWhileTheInspectorIsHidden() {
    app::MainWindow w;
    w.resize(1280, 800);
    QVERIFY(w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/05-lost-final-ack.yaml")));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QDockWidget* inspectorDock = dockOf(w, "InspectorDock");
    inspectorDock->hide();
    w.lessonPlayer()->goToStep(7); // step 8 highlights client 3
    QCOMPARE(w.selection()->connections(), std::vector<std::uint32_t>{3});
    inspectorDock->show();
    inspectorDock->raise();
    auto* inspector = w.findChild<views::InspectorView*>();
    QTRY_VERIFY(inspector->isVisible());
    QCOMPARE(inspector->selection(), (views::Selection{views::Selection::Kind::Client, 3}));
    verifyViewsShowTheRun(w, "inspector shown after the step");
    QVERIFY(inspector->html().contains(QStringLiteral("Client 3")));
}

void TestJourney::aDeletedLessonFileStaysOpenAndComesBack() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("lesson.yaml"));
    QVERIFY(QFile::copy(QStringLiteral(BACKLOG_SOURCE_DIR "/tests/lessons/readme-example.yaml"), path));
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    app::MainWindow w;
    QVERIFY(w.openFile(path));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.lessonPlayer()->goToStep(2);
    QVERIFY(QFile::remove(path));
    QTRY_VERIFY_WITH_TIMEOUT(w.isLessonFileMissing(), 5000);
    QVERIFY(w.windowTitle().contains(QStringLiteral("file missing")));
    QVERIFY(w.statusBar()->currentMessage().contains(QStringLiteral("deleted or moved")));
    QVERIFY(w.lessonPlayer()->isActive());
    QCOMPARE(w.lessonPlayer()->currentStep(), 2);
    verifyViewsShowTheRun(w, "the file deleted");
    // It comes back, changed: read again, at the same step.
    QFile original(QStringLiteral(BACKLOG_SOURCE_DIR "/tests/lessons/readme-example.yaml"));
    QVERIFY(original.open(QIODevice::ReadOnly));
    QByteArray edited = original.readAll();
    edited.replace("is dropped, silently.", "is dropped, and nobody is told.");
    QFile back(path);
    QVERIFY(back.open(QIODevice::WriteOnly));
    QCOMPARE(back.write(edited), edited.size());
    back.close();
    QTRY_VERIFY_WITH_TIMEOUT(!w.isLessonFileMissing(), 5000);
    QTRY_VERIFY(w.narration()->narration()->toPlainText().contains(QStringLiteral("nobody is told")));
    QCOMPARE(w.lessonPlayer()->currentStep(), 2);
    QVERIFY(!w.windowTitle().contains(QStringLiteral("file missing")));
}

QTEST_MAIN(TestJourney)
#include "tst_journey.moc"
