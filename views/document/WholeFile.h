// A file written whole or not at all: the bytes go to a temporary file beside it, which replaces the old
// one only once every byte is on disk (QSaveFile). A full disk, a missing folder, a read-only place leave
// what was there as it was, and the message says why in the system's words. The pen's side file and the
// self-study score use it.
#pragma once

#include <QByteArray>
#include <QString>

namespace backlog::views {

// Empty when written; else "PATH: cannot write: REASON".
QString writeWholeFile(const QString& path, const QByteArray& bytes);

} // namespace backlog::views
