// backlog: the teaching application. With a command (simulate …) it runs headless; otherwise it opens
// the main window on the given file, or on the default scenario.
#include "app/cli/CommandLine.h"
#include "app/ui/LessonLibrary.h"
#include "app/ui/MainWindow.h"
#include "views/render/Fonts.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QIcon>

#include <cstdio>
#include <memory>

namespace {

QStringList rawArguments(int argc, char** argv) {
    QStringList args;
    for (int i = 0; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);
    return args;
}

// A window needs a display. Say how to get one (or how to work without) instead of Qt's abort.
bool displayAvailable() {
#if defined(Q_OS_LINUX) || defined(Q_OS_FREEBSD)
    return qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY") ||
           qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
#else
    return true;
#endif
}

// Qt notes on stderr that XDG_RUNTIME_DIR is unset (containers, CI) while it sets up the platform, and
// the offscreen platform that it cannot pass a window's size hints on (an export's window is never
// shown). A command's stderr is its result and its progress, so those notices alone are dropped.
QtMessageHandler setUpHandler = nullptr;
void quietSetUp(QtMsgType type, const QMessageLogContext& context, const QString& message) {
    if (message.startsWith(QLatin1String("QStandardPaths: XDG_RUNTIME_DIR not set")) ||
        message == QLatin1String("This plugin does not support propagateSizeHints()"))
        return;
    if (setUpHandler) setUpHandler(type, context, message);
}

} // namespace

int main(int argc, char** argv) {
    // Before any QApplication: the window and every export paint the same glyphs on any thread.
    backlog::views::useGlyphsIndependentOfThreads();
    const QStringList args = rawArguments(argc, argv);
    if (args.value(1) == QLatin1String("export")) {
        // Painting needs a QApplication (the charts are widgets, painted without a window); without a
        // display, Qt's offscreen platform serves.
#if defined(Q_OS_LINUX) || defined(Q_OS_FREEBSD)
        if (!qEnvironmentVariableIsSet("DISPLAY") && !qEnvironmentVariableIsSet("WAYLAND_DISPLAY") &&
            !qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
#endif
        setUpHandler = qInstallMessageHandler(quietSetUp);
        QApplication gui(argc, argv);
        QApplication::setApplicationName(QStringLiteral("backlog"));
        QApplication::setApplicationVersion(QStringLiteral(BACKLOG_VERSION));
        return backlog::app::runCommand(args);
    }
    if (backlog::app::isCommand(args)) {
        QCoreApplication core(argc, argv);
        QCoreApplication::setApplicationName(QStringLiteral("backlog"));
        QCoreApplication::setApplicationVersion(QStringLiteral(BACKLOG_VERSION));
        return backlog::app::runCommand(args);
    }
    // `backlog present FILE`: the window opens behind presenter mode, so Escape lands somewhere useful.
    const bool present = args.value(1) == QLatin1String("present");
    if (present && (args.contains(QStringLiteral("--help")) || args.contains(QStringLiteral("-h")))) {
        QCoreApplication core(argc, argv); // no display needed to say how the command is used
        QCoreApplication::setApplicationName(QStringLiteral("backlog"));
        QCoreApplication::setApplicationVersion(QStringLiteral(BACKLOG_VERSION));
        return backlog::app::presentHelp(args);
    }
    if (present && (args.size() != 3 || args[2].startsWith(QLatin1Char('-')))) {
        std::fputs("backlog present: expected one scenario or lesson file (backlog present FILE)\n", stderr);
        return 2;
    }
    const bool wantsHelp = args.contains(QStringLiteral("--help")) || args.contains(QStringLiteral("-h")) ||
                           args.contains(QStringLiteral("--version")) || args.contains(QStringLiteral("-v"));
    if (!wantsHelp && !displayAvailable()) {
        std::fputs(
            "backlog: no display to open a window on.\n"
            "  Run it under a virtual display:  xvfb-run backlog [FILE]\n"
            "  or use the command line:         backlog simulate FILE [--json]   (see backlog --help)\n",
            stderr);
        return 2;
    }
    if (wantsHelp) {
        QCoreApplication core(argc, argv);
        QCoreApplication::setApplicationName(QStringLiteral("backlog"));
        QCoreApplication::setApplicationVersion(QStringLiteral(BACKLOG_VERSION));
        QCommandLineParser parser;
        parser.setApplicationDescription(
            "Backlog shows how Linux takes in TCP connections: the SYN queue, the accept queue and "
            "accept().\n\n"
            "Commands (no display needed):\n"
            "  simulate FILE [--until DURATION] [--set KEY=VALUE]... [--json]\n"
            "                      run a scenario or a lesson and print a report (backlog simulate --help)\n"
            "  check FILE...         validate lessons and run their expectations; a folder's files,\n"
            "                      scenarios too (backlog check --help)\n"
            "  guide                 print the lesson author's guide (Markdown; docs/lesson-guide.md)\n"
            "  export FILE --out PATH ...\n"
            "                      write frames (PNG, SVG, PDF), films (GIF, MP4, WebM) or a lesson's\n"
            "                      handout (backlog export --help)\n"
            "  present FILE          open FILE straight in presenter mode: the stage full screen, the\n"
            "                      narration as a caption (Escape returns to the window)\n\n"
            "Without a command, opens the window on FILE (or on the default scenario).");
        parser.addHelpOption();
        parser.addVersionOption();
        parser.addPositionalArgument("FILE", "A scenario or lesson file to open.", "[FILE]");
        parser.process(core);
        return 0;
    }

    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Backlog"));
    QApplication::setOrganizationName(QStringLiteral("Backlog"));
    QApplication::setApplicationVersion(QStringLiteral(BACKLOG_VERSION));
    // The icon (packaging/backlog.svg, compiled in) for the window, the task bar and the About box; the
    // desktop file's name, so that a Wayland or X11 desktop ties the window to backlog.desktop's entry.
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/backlog/backlog.svg")));
    QGuiApplication::setDesktopFileName(QStringLiteral("backlog"));
    backlog::views::loadBundledFonts(); // the stage draws with these, so every machine shows the same pixels
    const QString file = present ? args[2] : args.size() > 1 ? args[1] : backlog::app::defaultScenarioPath();
    backlog::app::MainWindow window;
    window.show();
    window.activateWindow(); // without a window manager (a projector PC's kiosk session) nobody else does
    const bool opened = window.openFile(file);
    if (args.size() <= 1) window.showStartPage(); // no file named: offer the lessons first
    if (present && opened) window.present();      // a file that did not open shows its errors instead
    return QApplication::exec();
}
