// `backlog export`: frames of a scenario or lesson as PNG, SVG or PDF, painted by the same renderers as
// the window (DESIGN.md point 5), so an exported frame is exactly what the class saw.
//
// One function does the work for the command line and the tests: exportFrames() takes the options as
// values (times, sizes) and returns what went wrong as messages. Checking the options is its job too,
// so every caller refuses the same bad input with the same words.
//
// Frames are independent, so PNG and SVG frames are painted in parallel, one renderer per thread (the
// renderers keep caches: StageRenderer.h). A PDF is one file drawn page after page, so it is painted on
// the calling thread. Output never appears half-written: a single file goes through QSaveFile, and a
// sequence is written into a temporary sibling folder (PATH.partial-XXXXXX) that is renamed to PATH
// once every frame is on disk.
#pragma once

#include "Time.h"

#include <QSize>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace backlog::app {

struct ExportOptions {
    QString file; // a scenario or a lesson (lessons run with their steps' changes, as in the window)
    QString out;  // a file for one frame or a PDF; a folder for a PNG or SVG sequence

    // Exactly one of: `at` (one frame); `from` and `to` with `fps` (frames from..to, `fps` per
    // simulated second, both ends included when they fall on a frame); `steps` (a lesson: one frame
    // per step at its moment, with the step's highlight and zoom).
    std::optional<Time> at;
    std::optional<Time> from;
    std::optional<Time> to;
    std::optional<int> fps; // unset: 30
    bool steps = false;

    QSize size{1920, 1080};
    QString format; // "png", "svg" or "pdf"; empty: from the extension of `out`, else png
    QString view = QStringLiteral("stage"); // "stage" or "ladder"
    QString theme = QStringLiteral("light"); // a Theme::names() entry
    std::vector<std::int64_t> clients;       // the ladder's connections; empty: client 0

    int threads = 0; // painting threads, at most QThread::idealThreadCount(); 0: that many
    // Lines of progress for a sequence (at most one a second, then a summary), on the calling thread.
    std::function<void(const QString&)> progress;
};

struct ExportResult {
    QStringList errors; // empty on success; each one line (a file's errors: FILE:LINE:COL: …)
    int frames = 0;     // frames written
    double seconds = 0; // wall time spent painting and writing them
    bool ok() const { return errors.isEmpty(); }
};

// Limits on what one export may ask for: beyond them the options are refused, naming the limit.
struct ExportLimits {
    static constexpr int maxSide = 8192;      // pixels, either side of a frame
    static constexpr int maxFps = 240;
    static constexpr int maxFrames = 100'000; // in one sequence
    static constexpr int defaultFps = 30;
};

// Needs a QGuiApplication (text is painted); loads the bundled fonts itself.
ExportResult exportFrames(const ExportOptions& options);

} // namespace backlog::app
