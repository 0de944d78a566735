// What the readers' file-guard tests share (tst_lessonreader, tst_scenarioreader): text as UTF-16 with
// its byte order mark, a row's file put in place, and a read that must not wait on a FIFO.
#pragma once

#include <QByteArray>
#include <QString>
#include <QTemporaryDir>

#include <chrono>
#include <fstream>
#include <future>
#include <string>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h> // the tests make a FIFO and, if a reader ever waits on one, open its other end
#include <sys/stat.h>
#include <unistd.h>
#define BACKLOG_TEST_FIFO 1
#endif

namespace backlog::test {

// `text` as UTF-16, little- or big-endian, after its byte order mark.
inline QByteArray utf16(const QString& text, bool bigEndian) {
    QByteArray out = bigEndian ? QByteArray("\xFE\xFF", 2) : QByteArray("\xFF\xFE", 2);
    for (const QChar c : text) {
        const char hi = static_cast<char>(c.unicode() >> 8);
        const char lo = static_cast<char>(c.unicode() & 0xFF);
        out.append(bigEndian ? hi : lo).append(bigEndian ? lo : hi);
    }
    return out;
}

inline QByteArray utf16(const std::string& utf8, bool bigEndian) {
    return utf16(QString::fromStdString(utf8), bigEndian);
}

// Where a row's file is, in `dir` under `name`: written from `bytes` ("file"), made a FIFO ("fifo"), the
// folder itself ("folder"), not there ("missing"), or else `kind` is a device's own path ("/dev/null").
// Empty when the FIFO could not be made.
inline std::string placeFile(const QTemporaryDir& dir, const QString& name, const QString& kind,
                             const QByteArray& bytes) {
    std::string path = dir.filePath(name).toStdString();
    if (kind == QLatin1String("file")) {
        std::ofstream out(path, std::ios::binary);
        out.write(bytes.constData(), bytes.size());
    } else if (kind == QLatin1String("folder")) {
        path = dir.path().toStdString();
    } else if (kind == QLatin1String("fifo")) {
#ifdef BACKLOG_TEST_FIFO
        if (::mkfifo(path.c_str(), 0600) != 0) return {};
#endif
    } else if (kind != QLatin1String("missing")) {
        path = kind.toStdString();
    }
    return path;
}

// Reads `path` on a thread. A reader that opened a FIFO would wait there for a writer for ever: after
// 10 s a writer comes and goes (so that the reader returns) and `waited` says the guard failed, so the
// test fails instead of hanging.
template <typename Read> auto withoutWaiting(const std::string& path, Read read, bool& waited) {
    auto reading = std::async(std::launch::async, read);
    waited = reading.wait_for(std::chrono::seconds(10)) == std::future_status::timeout;
#ifdef BACKLOG_TEST_FIFO
    if (waited) {
        const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK);
        if (fd >= 0) ::close(fd);
    }
#else
    (void)path;
#endif
    return reading.get();
}

} // namespace backlog::test
