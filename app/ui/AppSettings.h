// Every setting the application keeps (QSettings), typed, with its key and default in one place.
#pragma once

#include <QByteArray>
#include <QSettings>
#include <QSize>
#include <QString>
#include <QStringList>
#include <QVariant>

namespace backlog::app {

template <class T> struct Setting {
    const char* key;
    T fallback;
    T get() const {
        return QSettings().value(QLatin1String(key), QVariant::fromValue(fallback)).template value<T>();
    }
    void set(const T& v) const { QSettings().setValue(QLatin1String(key), QVariant::fromValue(v)); }
};

namespace settings {
inline const Setting<QByteArray> windowGeometry{"window/geometry", {}};
inline const Setting<QByteArray> windowState{"window/state", {}};
inline const Setting<QString> theme{"view/theme", QStringLiteral("light")};
inline const Setting<QStringList> recentFiles{"files/recent", {}};
inline const Setting<QStringList> lessonFolders{"lessons/folders", {}}; // added on the start page
inline constexpr int kMaxRecentFiles = 8;
// The export dialog's last choices (the output path is not kept: it goes next to each lesson file).
inline const Setting<QString> exportWhat{"export/what", QStringLiteral("moment")}; // moment, range, steps
inline const Setting<QString> exportFormat{"export/format", QStringLiteral("png")};
inline const Setting<QString> exportView{"export/view", QStringLiteral("stage")};
inline const Setting<QString> exportChart{"export/chart", QStringLiteral("queues")};
inline const Setting<QString> exportTheme{"export/theme", {}}; // empty: the window's theme
inline const Setting<QSize> exportSize{"export/size", QSize(1920, 1080)};
inline const Setting<double> exportScale{"export/scale", 1.0};
inline const Setting<bool> exportTransparent{"export/transparent", false};
inline const Setting<bool> exportEmphasis{"export/emphasis", true}; // a lesson step's highlights and zoom
inline const Setting<int> exportFps{"export/fps", 30};
inline const Setting<QString> exportClock{"export/clock",
                                          {}}; // "paced" or a speed; empty: paced for a lesson
} // namespace settings

// How far a student got in one lesson, remembered per lesson file.
struct LessonProgress {
    int step = -1;   // the step last shown; -1: never opened
    int steps = 0;   // how many steps the lesson had then
    QString answers; // one letter per step: R right, W wrong, S skipped, - none
    bool finished = false;
};
LessonProgress lessonProgress(const QString& path);
void setLessonProgress(const QString& path, const LessonProgress& progress);

// Puts `path` first in the recent files, without duplicates, keeping kMaxRecentFiles.
void rememberRecentFile(const QString& path);

} // namespace backlog::app
