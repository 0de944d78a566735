#include "app/ui/AppSettings.h"

#include <QCryptographicHash>
#include <QFileInfo>

namespace backlog::app {

void rememberRecentFile(const QString& path) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QStringList files = settings::recentFiles.get();
    files.removeAll(absolute);
    files.prepend(absolute);
    while (files.size() > settings::kMaxRecentFiles)
        files.removeLast();
    settings::recentFiles.set(files);
}

namespace {
// One group per lesson file, named by a hash of its absolute path (a path is not a valid settings key).
QString progressGroup(const QString& path) {
    const QByteArray id =
        QCryptographicHash::hash(QFileInfo(path).absoluteFilePath().toUtf8(), QCryptographicHash::Sha1);
    return QStringLiteral("lessons/progress/") + QString::fromLatin1(id.toHex().left(16));
}
} // namespace

LessonProgress lessonProgress(const QString& path) {
    QSettings s;
    s.beginGroup(progressGroup(path));
    LessonProgress p;
    p.step = s.value(QStringLiteral("step"), -1).toInt();
    p.steps = s.value(QStringLiteral("steps"), 0).toInt();
    p.answers = s.value(QStringLiteral("answers")).toString();
    p.finished = s.value(QStringLiteral("finished"), false).toBool();
    return p;
}

void setLessonProgress(const QString& path, const LessonProgress& progress) {
    QSettings s;
    s.beginGroup(progressGroup(path));
    s.setValue(QStringLiteral("step"), progress.step);
    s.setValue(QStringLiteral("steps"), progress.steps);
    s.setValue(QStringLiteral("answers"), progress.answers);
    s.setValue(QStringLiteral("finished"), progress.finished);
}

} // namespace backlog::app
