#include "AppSettings.h"

#include <QFileInfo>

namespace backlog::app {

void rememberRecentFile(const QString& path) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QStringList files = settings::recentFiles.get();
    files.removeAll(absolute);
    files.prepend(absolute);
    while (files.size() > settings::kMaxRecentFiles) files.removeLast();
    settings::recentFiles.set(files);
}

} // namespace backlog::app
