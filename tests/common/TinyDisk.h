// A small tmpfs to fill up, for tests of what a full disk does to a write (Linux, as root; the test
// skips with why() elsewhere). The same disk tst_export mounts for its own full-disk rows.
#pragma once

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <algorithm>

namespace backlog::test {

class TinyDisk {
  public:
    explicit TinyDisk(qint64 kilobytes = 64) {
#ifdef Q_OS_LINUX
        if (!dir_.isValid()) {
            why_ = QStringLiteral("cannot make a folder to mount on: ") + dir_.errorString();
            return;
        }
        QProcess mount;
        mount.start(QStringLiteral("mount"),
                    {QStringLiteral("-t"), QStringLiteral("tmpfs"), QStringLiteral("-o"),
                     QStringLiteral("size=%1k").arg(kilobytes), QStringLiteral("tmpfs"), dir_.path()});
        if (!mount.waitForFinished(20'000) || mount.exitStatus() != QProcess::NormalExit ||
            mount.exitCode() != 0) {
            why_ = QStringLiteral(
                       "mount -t tmpfs -o size=%1k failed (it needs root; CI runs the tests as root): %2")
                       .arg(kilobytes)
                       .arg(QString::fromLocal8Bit(mount.readAllStandardError()).trimmed() +
                            mount.errorString());
            return;
        }
        mounted_ = true;
#else
        Q_UNUSED(kilobytes);
        why_ = QStringLiteral("a small tmpfs to fill is mounted on Linux only");
#endif
    }
    ~TinyDisk() {
        unmount();
    }
    TinyDisk(const TinyDisk&) = delete;
    TinyDisk& operator=(const TinyDisk&) = delete;

    bool isMounted() const {
        return mounted_;
    }
    const QString& why() const {
        return why_;
    }
    QString filePath(const QString& name) const {
        return QDir(dir_.path()).filePath(name);
    }
    QString path() const {
        return dir_.path();
    }

    // Fills the disk up with a file of `name`, then gives back `room` bytes of it.
    bool fill(const QString& name, qint64 room) {
        QFile filler(filePath(name));
        if (!filler.open(QIODevice::WriteOnly | QIODevice::Unbuffered)) return false;
        const QByteArray block(4096, 'f');
        while (filler.write(block) > 0) {
        }
        filler.close();
        return QFile::resize(filler.fileName(),
                             std::max<qint64>(0, QFileInfo(filler.fileName()).size() - room));
    }

    void unmount() {
        if (!mounted_) return;
        // A lazy unmount when something still holds a file there.
        if (QProcess::execute(QStringLiteral("umount"), {dir_.path()}) != 0)
            QProcess::execute(QStringLiteral("umount"), {QStringLiteral("-l"), dir_.path()});
        mounted_ = false;
    }

  private:
    QTemporaryDir dir_;
    bool mounted_ = false;
    QString why_;
};

} // namespace backlog::test
