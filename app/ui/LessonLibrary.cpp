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

QString shippedLessonsDir() {
    // Installed next to the binary (lessons/ with its scenarios/), or the source tree's lessons/ in a build.
    const QString beside = QCoreApplication::applicationDirPath() + QStringLiteral("/lessons");
    if (QFileInfo::exists(beside + kSandbox)) return beside;
    return QStringLiteral(BACKLOG_LESSONS_DIR);
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
