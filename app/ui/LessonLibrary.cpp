#include "app/ui/LessonLibrary.h"

#include "model/lesson/LessonReader.h"
#include "model/lesson/Markdown.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>

namespace backlog::app {

namespace {
// Where the sandbox lies inside a lessons folder: the scenarios are kept apart from the lessons.
const QLatin1String kSandbox("/scenarios/sandbox.yaml");
} // namespace

QString shippedLessonsDirFor(const QString& programDir) {
    // Beside the program (lessons/ with its scenarios/): a folder unpacked as it is, as on Windows.
    const QString beside = programDir + QStringLiteral("/lessons");
    if (QFileInfo::exists(beside + kSandbox)) return beside;
    // Installed (cmake --install, the Debian package): PREFIX/bin/backlog reads PREFIX/share/backlog/lessons,
    // found from the program's own folder so that a prefix moved elsewhere still works.
    const QString installed = QDir::cleanPath(programDir + QLatin1Char('/') +
                                              QStringLiteral(BACKLOG_INSTALLED_LESSONS_FROM_BINDIR));
    if (QFileInfo::exists(installed + kSandbox)) return installed;
    // The source tree's lessons only for a program of this build tree (build/app/backlog, the tests): an
    // installed copy must not read a source tree that happens to be left on the machine where it was built.
    const QString buildTree = QDir::cleanPath(QStringLiteral(BACKLOG_BUILD_DIR)) + QLatin1Char('/');
    if ((QDir::cleanPath(programDir) + QLatin1Char('/')).startsWith(buildTree))
        return QStringLiteral(BACKLOG_LESSONS_DIR);
    return installed; // where they should be: the start page then says "(no lesson files here)"
}

QString shippedLessonsDir() {
    return shippedLessonsDirFor(QCoreApplication::applicationDirPath());
}

QString defaultScenarioPath() {
    return shippedLessonsDir() + kSandbox;
}

QVector<LessonEntry> lessonsIn(const QString& folder) {
    QVector<LessonEntry> out;
    const QFileInfoList files = QDir(folder).entryInfoList(
        {QStringLiteral("*.yaml"), QStringLiteral("*.yml")}, QDir::Files, QDir::Name);
    for (const QFileInfo& info : files) {
        QFile file(info.filePath());
        if (!file.open(QIODevice::ReadOnly) || !looksLikeLesson(file.read(64 * 1024).toStdString())) continue;
        LessonEntry e;
        e.path = info.absoluteFilePath();
        const QString name = info.fileName();
        int digits = 0;
        while (digits < name.size() && name[digits].isDigit())
            ++digits;
        e.number = digits > 0 ? name.left(digits).toInt() : 0;
        const LessonReadResult read = readLessonFile(e.path.toStdString());
        if (read.lesson) {
            e.title = QString::fromStdString(read.lesson->title);
            e.summary = QString::fromStdString(markdownToPlain(read.lesson->summary));
            e.level = QString::fromStdString(read.lesson->level);
            e.minutes = read.lesson->minutes;
            e.steps = static_cast<int>(read.lesson->steps.size());
        } else {
            e.title = info.completeBaseName();
            e.error = read.errors.empty() ? QString() : QString::fromStdString(read.errors.front().text());
        }
        out.push_back(e);
    }
    std::stable_sort(out.begin(), out.end(), [](const LessonEntry& a, const LessonEntry& b) {
        // Numbered lessons first, in order; then the others by name.
        if ((a.number > 0) != (b.number > 0)) return a.number > 0;
        return a.number < b.number;
    });
    return out;
}

} // namespace backlog::app
