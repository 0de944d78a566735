// The main window as a user drives it: open a file, the playback keys, the timeline and the docks all
// show the same playhead.
#include "MainWindow.h"
#include "Player.h"
#include "InspectorView.h"
#include "SimulationDocument.h"
#include "StageView.h"

#include <QAction>
#include <QSettings>
#include <QTest>
#include <QTimer>
#include <QApplication>

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
};

void TestMainWindow::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("BacklogTests"));
    QSettings().clear();
}

void TestMainWindow::keysMoveThePlayhead() {
    app::MainWindow w;
    QVERIFY(w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/00-default.yaml")));
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
    QVERIFY(w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/00-default.yaml")));
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
    QVERIFY(w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/00-default.yaml")));
    const std::size_t packets = w.document()->simulation().history().packetCount();
    // The error box is modal: close it as soon as it appears.
    QTimer::singleShot(0, [] {
        for (QWidget* top : QApplication::topLevelWidgets())
            if (top->inherits("QMessageBox")) top->close();
    });
    QVERIFY(!w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/tests/app/data/bad-key.yaml")));
    QCOMPARE(w.document()->simulation().history().packetCount(), packets);
}

void TestMainWindow::themesRestyleTheWholeWindow() {
    app::MainWindow w;
    QVERIFY(w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/00-default.yaml")));
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
    QVERIFY(w.openFile(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/00-default.yaml")));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    auto* stage = w.findChild<views::StageView*>();
    auto* inspector = w.findChild<views::InspectorView*>();
    QVERIFY(stage && inspector);
    w.document()->setPlayhead(Time::s(1));
    const auto geometry = stage->renderer().layout(QRectF(stage->rect()), w.document()->simulation(), Time::s(1));
    QVERIFY(!geometry.workers.empty());
    QTest::mouseClick(stage, Qt::LeftButton, {}, geometry.workers.front().box.center().toPoint());
    QTRY_COMPARE(inspector->selection().kind, views::Selection::Kind::Worker);
    QTRY_VERIFY(inspector->html().contains(QStringLiteral("Worker 0")));
    // It follows the worker as time moves.
    w.document()->setPlayhead(Time::s(70));
    QTRY_VERIFY(inspector->html().contains(QStringLiteral("blocked in accept()")));
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
