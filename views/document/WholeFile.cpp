#include "views/document/WholeFile.h"

#include <QSaveFile>

#include <cerrno>
#include <cstring>

namespace backlog::views {

QString writeWholeFile(const QString& path, const QByteArray& bytes) {
    QSaveFile file(path);
    const auto failed = [&](const QString& why) { return path + QStringLiteral(": cannot write: ") + why; };
    // A short write on a full disk leaves Qt's own message vague ("Unknown error"): the system's says why.
    const auto reason = [&] {
        const QString said = file.errorString();
        return errno != 0 ? QString::fromLocal8Bit(std::strerror(errno)) : said;
    };
    errno = 0;
    if (!file.open(QIODevice::WriteOnly | QIODevice::Unbuffered)) return failed(reason());
    errno = 0;
    if (file.write(bytes) != bytes.size()) {
        const QString why = reason();
        file.cancelWriting();
        return failed(why);
    }
    errno = 0;
    if (!file.commit()) return failed(reason());
    return {};
}

} // namespace backlog::views
