// Lab › Run on this machine… in the window: the action follows the open file, a refused plan is shown
// without running anything, a measured run opens in a window of its own whose parameters cannot be
// changed, is saved and opened again (anywhere: no lab needed), and — as root, where a network namespace
// can be made — a short real run by `backlog lab` ends in that window; a cancelled one ends its process.
#include "app/ui/MainWindow.h"
#include "model/kernel/Simulation.h"
#include "views/document/SimulationDocument.h"
#include "views/widgets/DifferencesView.h"
#include "views/widgets/ParametersView.h"
#include "views/widgets/StageView.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#ifdef BACKLOG_HAS_LAB
#include "app/lab/Namespace.h"

#include <thread>
#endif

using namespace backlog;

class TestLabWindow : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void theActionFollowsTheOpenFile();
    void aMeasuredRunIsComparedOnOnePlayhead();
    void aMeasuredRunRefusesChanges();
    void aSavedRunOpensAgain();
    void aBrokenSavedRunIsRefusedInWords();
#ifdef BACKLOG_HAS_LAB
    void aRefusedPlanIsShownWithoutRunning();
    void aShortRunIsComparedWithTheModel();
    void aCancelledRunIsDropped();
    void aWindowClosedMidRunIsSafe();
#endif
};

namespace {
const QString kSandbox = QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml");

QAction* labAction(const app::MainWindow& w) {
    return w.findChild<QAction*>(QStringLiteral("actionRunOnThisMachine"));
}

#ifdef BACKLOG_HAS_LAB
QString writeScenario(const QTemporaryDir& dir, const char* yaml) {
    const QString path = dir.filePath(QStringLiteral("scenario.yaml"));
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(yaml) < 0) return {};
    return path;
}

// Empty when this process may make a network namespace (root), else why not. Tried on a thread of its
// own, which takes the namespace with it when it ends.
std::string whyNoNamespace() {
    std::string why;
    std::thread([&why] { why = lab::enterFreshNetworkNamespace(); }).join();
    return why;
}

// Triggers the action and accepts the confirmation, as a person would.
void runAndConfirm(app::MainWindow& w) {
    labAction(w)->trigger();
    QMessageBox* confirm = nullptr;
    QTRY_VERIFY((confirm = w.findChild<QMessageBox*>(QStringLiteral("labConfirm"))) != nullptr);
    QVERIFY(confirm->text().contains(QStringLiteral("private network namespace")));
    confirm->button(QMessageBox::Ok)->click();
    QTRY_VERIFY(w.labProgress() != nullptr);
}

// How many processes (`backlog lab`, and the experiment it forks) name `file` on their command line: the
// scenario's temporary path is this test's alone, so other tests' lab runs are not counted.
int labProcessesRunning(const QString& file) {
    int n = 0;
    for (const QString& pid : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (pid.toInt() > 0 && cmdline.open(QIODevice::ReadOnly) &&
            cmdline.readAll().split('\0').contains(file.toLocal8Bit()))
            ++n;
    }
    return n;
}

// The tiny experiment: five clients over 50 ms, stopped at 300 ms of real time.
const char* kTiny = "title: tiny\nserver:\n  backlog: 4\n  workers:\n    count: 1\n    service: 5ms\n"
                    "traffic:\n  - clients: 5\n    at: 10ms\n    spacing: 10ms\nuntil: 300ms\n";
#endif
} // namespace

void TestLabWindow::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("BacklogTests"));
    QSettings().clear();
    app::MainWindow::setLabProgram(QStringLiteral(BACKLOG_PROGRAM));
}

void TestLabWindow::theActionFollowsTheOpenFile() {
    app::MainWindow w;
    QAction* action = labAction(w);
    QVERIFY(action);
    QVERIFY(!action->isEnabled()); // nothing open
    QVERIFY(w.openFile(kSandbox));
#ifdef BACKLOG_HAS_LAB
    QVERIFY(action->isEnabled());
#else
    QVERIFY(!action->isEnabled());
    QVERIFY(action->toolTip().contains(QStringLiteral("Linux")));
#endif
}

// Made from the model's run here (no root needed): a run marked measured beside the model's, on one
// playhead; the model's side still takes changes; End Comparison shows the model alone again.
void TestLabWindow::aMeasuredRunIsComparedOnOnePlayhead() {
    app::MainWindow w;
    w.resize(1400, 900);
    QVERIFY(w.openFile(kSandbox));
    const Simulation& model = w.document()->simulation();
    RunSource source;
    source.kernelRelease = "6.1.0-test";
    w.compareWithMeasuredRun(Simulation::measured(model.scenario(), model.history(), {}, std::move(source)));
    const views::SimulationDocument* d = w.document();
    QVERIFY(d->comparison());
    QVERIFY(d->comparison()->source().measured);
    QVERIFY(!d->simulation().source().measured);
    QCOMPARE(d->comparisonTitle(), QStringLiteral("measured on Linux 6.1.0-test"));
    QVERIFY(d->title().startsWith(QStringLiteral("model (Linux ")));
    QVERIFY2(w.windowTitle().contains(QStringLiteral("sandbox.yaml — model and Linux 6.1.0-test")),
             qPrintable(w.windowTitle()));
    QAction* end = w.findChild<QAction*>(QStringLiteral("actionEndComparison"));
    QVERIFY(end && end->isEnabled());
#ifdef BACKLOG_HAS_LAB
    QVERIFY(labAction(w)->isEnabled()); // the model's run may be measured again
#else
    QVERIFY(!labAction(w)->isEnabled()); // no lab in this build: the comparison opens all the same
#endif
    // Nothing was saved (no `backlog lab --save` made it): nothing to save.
    QVERIFY(!w.findChild<QAction*>(QStringLiteral("actionSaveMeasuredRun"))->isEnabled());
    // The stage is split: a click on the lower (or right) half is on the measured run's stage.
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    views::StageView* stage = w.stage();
    const QRectF all(stage->rect());
    bool sawOther = false, sawMine = false;
    for (int y = 1; y < 40; ++y)
        for (int x = 1; x < 40; ++x)
            if (const auto hit = stage->hitAt({all.width() * x / 40, all.height() * y / 40})) {
                (hit->side == 1 ? sawOther : sawMine) = true;
            }
    QVERIFY(sawMine && sawOther);
    // The Differences dock is raised and lists what differs (nothing but the kernel's own: the same
    // history was given here, so its rows are the settings' and counters' that agree, hidden).
    auto* differences = w.findChild<views::DifferencesView*>();
    QVERIFY(differences);
    QTRY_VERIFY(differences->isVisible());
    QVERIFY(!differences->showsMessage());
    // A change to the model's side cuts its run only; the measured one stays beside it.
    QCOMPARE(w.parameters()->apply(QStringLiteral("server.backlog"), QStringLiteral("5")), QString());
    QVERIFY(d->comparison());
    end->trigger();
    QVERIFY(!d->comparison());
    QTRY_VERIFY(differences->showsMessage());
    QVERIFY(!end->isEnabled());
    QCOMPARE(w.windowTitle(), QStringLiteral("sandbox.yaml — Backlog"));
}

// A measured run alone in a document (a test's, an export's): its fields offer no change, and one asked
// for anyway is refused in words.
void TestLabWindow::aMeasuredRunRefusesChanges() {
    app::MainWindow w;
    QVERIFY(w.openFile(kSandbox));
    const Simulation& model = w.document()->simulation();
    RunSource source;
    source.kernelRelease = "6.1.0-test";
    w.document()->adopt(Simulation::measured(model.scenario(), model.history(), {}, std::move(source)),
                        kSandbox);
    QVERIFY(w.document()->simulation().source().measured);
    QVERIFY(!labAction(w)->isEnabled()); // a measured run is not run again
    const QList<QSpinBox*> boxes = w.parameters()->findChildren<QSpinBox*>();
    QVERIFY(!boxes.isEmpty());
    for (const QSpinBox* b : boxes)
        QVERIFY(!b->isEnabled());
    const QString error = w.parameters()->apply(QStringLiteral("server.backlog"), QStringLiteral("5"));
    QVERIFY(error.contains(QStringLiteral("measured")));
    QVERIFY(w.parameters()->findChild<QLabel*>(QStringLiteral("status"))->text().contains(error));
}

namespace {
// A run measured on Linux 6.18.44 and kept by `backlog lab --save` (the CLI tests' fixture).
const QString kSavedRun = QStringLiteral(BACKLOG_SOURCE_DIR "/tests/app/cli/data/measured-lab-smoke.run");
} // namespace

// File › Open takes a measured run as it takes a lesson (by its first bytes, whatever its name): it shows
// the kernel's run, offers it to be saved again, and a model's file opened after it has nothing to save.
void TestLabWindow::aSavedRunOpensAgain() {
    app::MainWindow w;
    QAction* save = w.findChild<QAction*>(QStringLiteral("actionSaveMeasuredRun"));
    QVERIFY(save);
    QVERIFY(!save->isEnabled());
    QVERIFY(w.openFile(kSavedRun));
    // The model's run of the file it ran, and the kernel's beside it.
    QVERIFY(!w.document()->simulation().source().measured);
    QVERIFY(w.document()->comparison());
    const Simulation& sim = *w.document()->comparison();
    QVERIFY(sim.source().measured);
    QVERIFY(QString::fromStdString(sim.source().kernelRelease).startsWith(QStringLiteral("6.18.44")));
    QVERIFY(!sim.history().clients.empty());
    QCOMPARE(w.document()->simulation().history().clients.size(), sim.history().clients.size());
    QVERIFY2(w.windowTitle().startsWith(QStringLiteral("measured-lab-smoke.run — model and Linux 6.18.44")),
             qPrintable(w.windowTitle()));
    QVERIFY(!labAction(w)->isEnabled()); // `backlog lab` would report the saved run, not run it
    QVERIFY(save->isEnabled());
    // Saved again under another name (a .txt: the name does not matter), it is the same file, byte for byte.
    QTemporaryDir dir;
    const QString again = dir.filePath(QStringLiteral("again.txt"));
    QCOMPARE(w.saveMeasuredRun(again), QString());
    QFile a(kSavedRun), b(again);
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    QCOMPARE(b.readAll(), a.readAll());
    app::MainWindow w2;
    QVERIFY(w2.openFile(again));
    QCOMPARE(w2.document()->comparison()->history().clients.size(), sim.history().clients.size());
    // Where it cannot be written, it says so and nothing is left half-written.
    QVERIFY(w.saveMeasuredRun(dir.filePath(QStringLiteral("no/such/folder/x.run")))
                .contains(QStringLiteral("Could not save")));
    QVERIFY(w.openFile(kSandbox));
    QVERIFY(!w.document()->comparison()); // another file: the comparison ends
    QVERIFY(!save->isEnabled());
#ifdef BACKLOG_HAS_LAB
    QVERIFY(labAction(w)->isEnabled());
#endif
}

// A file that begins like a measured run but is cut short is refused with the reason, and the window keeps
// what it showed.
void TestLabWindow::aBrokenSavedRunIsRefusedInWords() {
    QFile whole(kSavedRun);
    QVERIFY(whole.open(QIODevice::ReadOnly));
    const QByteArray text = whole.readAll();
    QTemporaryDir dir;
    const QString cut = dir.filePath(QStringLiteral("cut.run"));
    QFile f(cut);
    QVERIFY(f.open(QIODevice::WriteOnly) && f.write(text.left(text.size() / 2)) > 0);
    f.close();
    app::MainWindow w;
    QVERIFY(w.openFile(kSandbox));
    QTimer::singleShot(0, &w, [&w] { // the refusal is a modal box, as for a broken lesson
        QMessageBox* box = nullptr;
        QTRY_VERIFY((box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) != nullptr);
        QVERIFY2(box->text().contains(QStringLiteral("measure")), qPrintable(box->text()));
        box->accept();
    });
    QVERIFY(!w.openFile(cut));
    QVERIFY(!w.document()->simulation().source().measured);
    QVERIFY(w.windowTitle().startsWith(QStringLiteral("sandbox.yaml")));
}

#ifdef BACKLOG_HAS_LAB
void TestLabWindow::aRefusedPlanIsShownWithoutRunning() {
    QTemporaryDir dir;
    const QString path = writeScenario(dir, "title: many workers\nserver:\n  backlog: 4\n  workers:\n"
                                            "    count: 600\ntraffic:\n  - clients: 3\n    at: 10ms\n");
    app::MainWindow w;
    QVERIFY(w.openFile(path));
    labAction(w)->trigger();
    QMessageBox* box = nullptr;
    QTRY_VERIFY((box = w.findChild<QMessageBox*>(QStringLiteral("labMessage"))) != nullptr);
    QVERIFY2(box->text().contains(QStringLiteral("600")), qPrintable(box->text()));
    QVERIFY(box->text().contains(QStringLiteral("512")));
    QVERIFY(!w.findChild<QMessageBox*>(QStringLiteral("labConfirm")));
    QVERIFY(!w.labProgress());
    QVERIFY(labAction(w)->isEnabled());
}

void TestLabWindow::aShortRunIsComparedWithTheModel() {
    if (const std::string why = whyNoNamespace(); !why.empty())
        QSKIP(qPrintable(QStringLiteral("the lab cannot run here: ") + QString::fromStdString(why)));
    QTemporaryDir dir;
    app::MainWindow w;
    QVERIFY(w.openFile(writeScenario(dir, kTiny)));
    runAndConfirm(w);
    QVERIFY(!labAction(w)->isEnabled()); // one run at a time
    // Real time: the plan's 300 ms and the set-up; generous for a loaded machine.
    const views::SimulationDocument* d = w.document();
    QTRY_VERIFY_WITH_TIMEOUT(d->comparison() || w.findChild<QMessageBox*>(QStringLiteral("labMessage")),
                             60000);
    if (const QMessageBox* failed = w.findChild<QMessageBox*>(QStringLiteral("labMessage")))
        QFAIL(qPrintable(failed->text()));
    // The kernel's run beside the model's, in this window.
    QVERIFY(d->comparison()->source().measured);
    QVERIFY(!d->simulation().source().measured);
    QVERIFY(d->comparisonTitle().startsWith(QStringLiteral("measured on Linux")));
    QCOMPARE(d->comparison()->history().clients.size(), std::size_t{5});
    QVERIFY(w.findChild<QAction*>(QStringLiteral("actionSaveMeasuredRun"))->isEnabled()); // keepable
    QTRY_VERIFY(w.labProgress() == nullptr);
    QVERIFY(labAction(w)->isEnabled());
}

void TestLabWindow::aCancelledRunIsDropped() {
    if (const std::string why = whyNoNamespace(); !why.empty())
        QSKIP(qPrintable(QStringLiteral("the lab cannot run here: ") + QString::fromStdString(why)));
    QTemporaryDir dir;
    app::MainWindow w;
    const QString file = writeScenario(dir, kTiny);
    QVERIFY(w.openFile(file));
    runAndConfirm(w);
    QTRY_VERIFY(labProcessesRunning(file) > 0); // started
    QPushButton* cancel = w.labProgress()->findChild<QPushButton*>();
    QVERIFY(cancel);
    cancel->click(); // before the 300 ms of the experiment are up
    QTRY_VERIFY(w.labProgress() == nullptr);
    QVERIFY(labAction(w)->isEnabled());
    // The lab's process is killed, and with it its experiment: none of them is left running.
    QTRY_COMPARE_WITH_TIMEOUT(labProcessesRunning(file), 0, 10000);
    QCoreApplication::processEvents();
    QVERIFY(w.document()->comparison() == nullptr);
    QVERIFY(!w.findChild<QMessageBox*>(QStringLiteral("labMessage")));
}

// The window goes while the experiment runs: its dialog and watcher go with it, and the result nowhere.
void TestLabWindow::aWindowClosedMidRunIsSafe() {
    if (const std::string why = whyNoNamespace(); !why.empty())
        QSKIP(qPrintable(QStringLiteral("the lab cannot run here: ") + QString::fromStdString(why)));
    const auto mainWindows = [] {
        int n = 0;
        for (QWidget* top : QApplication::topLevelWidgets())
            n += qobject_cast<app::MainWindow*>(top) ? 1 : 0;
        return n;
    };
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete); // earlier tests' closed windows
    const int before = mainWindows();
    QTemporaryDir dir;
    auto* w = new app::MainWindow;
    const QString file = writeScenario(dir, kTiny);
    QVERIFY(w->openFile(file));
    runAndConfirm(*w);
    QTRY_VERIFY(labProcessesRunning(file) > 0);
    const QPointer<QProgressDialog> progress = w->labProgress();
    delete w;
    QVERIFY(progress.isNull());
    QTRY_COMPARE_WITH_TIMEOUT(labProcessesRunning(file), 0, 10000);
    QCoreApplication::processEvents();
    QCOMPARE(mainWindows(), before); // nothing came of it
}
#endif

QTEST_MAIN(TestLabWindow)
#include "tst_labwindow.moc"
