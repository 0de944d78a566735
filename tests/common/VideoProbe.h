// What ffprobe (which comes with ffmpeg) reads of a video: its codec, size and frame count. Shared by the
// export's tests (tst_export's films, tst_lessonpage's film inside a page).
#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>

namespace backlog::test {

// A video's frames, size and codec as ffprobe (which comes with ffmpeg) reads them; empty when it cannot.
struct Probe {
    QString codec;
    int width = 0, height = 0, frames = 0;
};
inline Probe probe(const QString& path) {
    QProcess p;
    p.start(QStringLiteral("ffprobe"),
            {QStringLiteral("-v"), QStringLiteral("error"), QStringLiteral("-count_frames"),
             QStringLiteral("-select_streams"), QStringLiteral("v:0"), QStringLiteral("-show_entries"),
             QStringLiteral("stream=codec_name,width,height,nb_read_frames"), QStringLiteral("-of"),
             QStringLiteral("default=noprint_wrappers=1"), path});
    if (!p.waitForFinished(60'000) || p.exitCode() != 0) return {};
    Probe r;
    for (const QString& line : QString::fromUtf8(p.readAllStandardOutput()).split(QLatin1Char('\n'))) {
        const QString key = line.section(QLatin1Char('='), 0, 0),
                      value = line.section(QLatin1Char('='), 1).trimmed();
        if (key == QLatin1String("codec_name"))
            r.codec = value;
        else if (key == QLatin1String("width"))
            r.width = value.toInt();
        else if (key == QLatin1String("height"))
            r.height = value.toInt();
        else if (key == QLatin1String("nb_read_frames"))
            r.frames = value.toInt();
    }
    return r;
}

} // namespace backlog::test
