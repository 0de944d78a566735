#include "Fonts.h"

#include <QFontDatabase>
#include <QMutex>
#include <QMutexLocker>

// The resources of a static library are not registered by themselves: the initialiser has to be
// referenced from code that is linked in. Q_INIT_RESOURCE must be used outside any namespace.
static void initViewsResources() { Q_INIT_RESOURCE(views); }

namespace backlog::views {

namespace {
QMutex& fontsMutex() {
    static QMutex m;
    return m;
}
QStringList& loadedFamilies() {
    static QStringList families;
    return families;
}
bool& fontsLoaded() {
    static bool loaded = false;
    return loaded;
}
} // namespace

void loadBundledFonts() {
    const QMutexLocker lock(&fontsMutex());
    if (fontsLoaded()) return;
    fontsLoaded() = true;
    initViewsResources();
    for (const char* file : {":/fonts/DejaVuSans.ttf", ":/fonts/DejaVuSans-Bold.ttf", ":/fonts/DejaVuSansMono.ttf"}) {
        const int id = QFontDatabase::addApplicationFont(QString::fromLatin1(file));
        if (id < 0) {
            qWarning("Backlog: could not load the bundled font %s", file);
            continue;
        }
        for (const QString& family : QFontDatabase::applicationFontFamilies(id))
            if (!loadedFamilies().contains(family)) loadedFamilies() << family;
    }
}

QStringList bundledFontFamilies() {
    const QMutexLocker lock(&fontsMutex());
    return loadedFamilies();
}

} // namespace backlog::views
