// Every setting the application keeps (QSettings), typed, with its key and default in one place.
#pragma once

#include <QByteArray>
#include <QSettings>
#include <QString>
#include <QStringList>
#include <QVariant>

namespace backlog::app {

template <class T>
struct Setting {
    const char* key;
    T fallback;
    T get() const { return QSettings().value(QLatin1String(key), QVariant::fromValue(fallback)).template value<T>(); }
    void set(const T& v) const { QSettings().setValue(QLatin1String(key), QVariant::fromValue(v)); }
};

namespace settings {
inline const Setting<QByteArray> windowGeometry{"window/geometry", {}};
inline const Setting<QByteArray> windowState{"window/state", {}};
inline const Setting<QString> theme{"view/theme", QStringLiteral("light")};
inline const Setting<QStringList> recentFiles{"files/recent", {}};
inline const Setting<QStringList> lessonFolders{"lessons/folders", {}}; // added on the start page
inline constexpr int kMaxRecentFiles = 8;
} // namespace settings

// How far a student got in one lesson, remembered per lesson file.
struct LessonProgress {
    int step = -1;    // the step last shown; -1: never opened
    int steps = 0;    // how many steps the lesson had then
    QString answers;  // one letter per step: R right, W wrong, S skipped, - none
    bool finished = false;
};
LessonProgress lessonProgress(const QString& path);
void setLessonProgress(const QString& path, const LessonProgress& progress);

// Puts `path` first in the recent files, without duplicates, keeping kMaxRecentFiles.
void rememberRecentFile(const QString& path);

} // namespace backlog::app
