// The application's identity and its place on the machine (issue 15): where the shipped lessons are found
// (beside the program, installed under PREFIX/share/backlog/lessons, the source tree's only in this build
// tree), and Help › About Backlog (the version of project(VERSION), the licence, the model's kernel
// profiles, the lessons' folder).
#include "app/ui/AboutBox.h"
#include "app/ui/LessonLibrary.h"
#include "app/ui/MainWindow.h"
#include "model/scenario/Scenario.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace backlog;

class TestIdentity : public QObject {
    Q_OBJECT
  private slots:
    void installedLessonsAreFoundFromTheProgram();
    void lessonsBesideTheProgramComeFirst();
    void theSourceTreeOnlyInTheBuildTree();
    void helpAboutSaysVersionLicenceAndProfiles();
};

namespace {

// A shipped lessons folder at DIR: what the lookup recognises it by is its sandbox scenario.
bool makeLessonsFolder(const QString& dir) {
    if (!QDir().mkpath(dir + QStringLiteral("/scenarios"))) return false;
    QFile sandbox(dir + QStringLiteral("/scenarios/sandbox.yaml"));
    return sandbox.open(QIODevice::WriteOnly) && sandbox.write("title: sandbox\n") > 0;
}

QString canonical(const QString& path) {
    return QFileInfo(path).canonicalFilePath();
}

} // namespace

void TestIdentity::installedLessonsAreFoundFromTheProgram() {
    // PREFIX/bin/backlog and PREFIX/share/backlog/lessons, for any PREFIX (a relocated install too).
    QTemporaryDir prefix;
    QVERIFY(prefix.isValid());
    const QString bin = prefix.filePath(QStringLiteral(BACKLOG_INSTALL_BINDIR));
    QVERIFY(QDir().mkpath(bin));
    const QString lessons = prefix.filePath(QStringLiteral(BACKLOG_INSTALL_LESSONSDIR));
    QVERIFY(makeLessonsFolder(lessons));
    QCOMPARE(canonical(app::shippedLessonsDirFor(bin)), canonical(lessons));
}

void TestIdentity::lessonsBesideTheProgramComeFirst() {
    QTemporaryDir prefix;
    const QString bin = prefix.filePath(QStringLiteral(BACKLOG_INSTALL_BINDIR));
    QVERIFY(makeLessonsFolder(bin + QStringLiteral("/lessons")));
    QVERIFY(makeLessonsFolder(prefix.filePath(QStringLiteral(BACKLOG_INSTALL_LESSONSDIR))));
    QCOMPARE(canonical(app::shippedLessonsDirFor(bin)), canonical(bin + QStringLiteral("/lessons")));
}

void TestIdentity::theSourceTreeOnlyInTheBuildTree() {
    // This test's program is in the build tree: the source tree's lessons.
    QCOMPARE(canonical(app::shippedLessonsDir()), canonical(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons")));
    // A program elsewhere with nothing installed beside it is not sent to the source tree: the installed
    // folder is named (missing), so the start page shows no lessons rather than another tree's.
    QTemporaryDir prefix;
    const QString bin = prefix.filePath(QStringLiteral(BACKLOG_INSTALL_BINDIR));
    QVERIFY(QDir().mkpath(bin));
    const QString found = app::shippedLessonsDirFor(bin);
    QCOMPARE(QDir::cleanPath(found),
             QDir::cleanPath(prefix.filePath(QStringLiteral(BACKLOG_INSTALL_LESSONSDIR))));
    QVERIFY(!QFileInfo::exists(found));
}

void TestIdentity::helpAboutSaysVersionLicenceAndProfiles() {
    app::MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    // The Help menu is the menu bar's last.
    const QList<QAction*> menus = w.menuBar()->actions();
    QVERIFY(!menus.isEmpty());
    QCOMPARE(menus.last()->text(), QStringLiteral("&Help"));
    auto* about = w.findChild<QAction*>(QStringLiteral("actionAbout"));
    QVERIFY(about);
    QVERIFY(menus.last()->menu()->actions().contains(about));
    about->trigger();
    QMessageBox* box = nullptr;
    QTRY_VERIFY((box = w.findChild<QMessageBox*>(QStringLiteral("aboutBox"))) && box->isVisible());
    const QString text = box->text();
    QVERIFY2(text.contains(QStringLiteral("Backlog " BACKLOG_VERSION)), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("GPL-3.0-or-later")), qPrintable(text));
    QVERIFY(!kernelProfiles().empty());
    for (const KernelProfile& profile : kernelProfiles())
        QVERIFY2(text.contains(QString::fromLatin1(profile.name)), profile.name);
    QVERIFY2(text.contains(QUrl::fromLocalFile(app::shippedLessonsDir()).toString()), qPrintable(text));
    QCOMPARE(text, app::aboutText());
    // The lessons' link opens the folder (QMessageBox's label opens links itself).
    auto* label = box->findChild<QLabel*>(QStringLiteral("qt_msgbox_label"));
    QVERIFY(label);
    QVERIFY(label->openExternalLinks());
    QTest::keyClick(box, Qt::Key_Escape);
    QTRY_VERIFY(!w.findChild<QMessageBox*>(QStringLiteral("aboutBox"))); // deleted on close
    QTRY_VERIFY(w.isActiveWindow()); // the keyboard back to the window, with or without a window manager
}

QTEST_MAIN(TestIdentity)
#include "tst_identity.moc"
