// The side file a lesson's annotations are kept in (issue 16): FILE.yaml's in FILE.annotations.json
// beside it, so the lesson file itself is never written by the window. A versioned JSON document:
//
//   {"format": "backlog-annotations/2",
//    "strokes": [{"step": 3, "colour": "#d55e00", "width": 4, "points": [[812.5, 301], [830, 310.25]],
//                 "anchor": {"part": "accept-queue", "listener": 0, "frame": [420, 300, 640, 80]}},
//                {"at": 1500000, "colour": "#0072b2", "width": 6, "points": [[100, 200]]}]}
//
// A stroke has "step" (a lesson step, from 0) or "at" (a plain run's moment, in nanoseconds), never
// both; its colour as #rrggbb; its width and points in the stage's layout units (the 1600 × 900
// reference stage stretched over the stage it was drawn on, Annotations.h). "anchor" names the part of
// the stage it follows and where that part lay, [x, y, width, height] in the same units ("side": 0 or 1
// when it was drawn on two runs compared, the side the part is on); "end-anchor",
// when it goes from one part to another, the part its end follows. Without them a stroke is stretched
// with the whole stage (as every stroke of the first format, "backlog-annotations/1", which is still
// read). Reading is strict, as for lessons: an unknown key, a missing one or a value out of range is
// refused with a message naming the file, the stroke and the problem — never a silent default — and
// the lesson opens without them. Writing goes through QSaveFile: the old file is replaced only once the
// new one is wholly on disk.
#pragma once

#include "views/render/Annotations.h"

#include <QByteArray>
#include <QString>

#include <vector>

namespace backlog::views {

inline constexpr const char* kAnnotationsFormat = "backlog-annotations/2";
// The first format (no anchors): read, never written.
inline constexpr const char* kAnnotationsFormatV1 = "backlog-annotations/1";
// Bounds on what a side file may hold (a file that asks for more is refused, clearly).
inline constexpr std::size_t kMaxStrokes = 10'000;
inline constexpr std::size_t kMaxStrokePoints = 100'000;

// FILE.yaml → FILE.annotations.json (any other extension is replaced the same way).
QString annotationsPathFor(const QString& lessonPath);

struct AnnotationsRead {
    std::vector<Stroke> strokes;
    QString error; // empty when read; else "PATH: what is wrong"
    bool ok() const { return error.isEmpty(); }
};

// The strokes of a side file's text; `name` starts the error message.
AnnotationsRead parseAnnotations(const QByteArray& json, const QString& name);
AnnotationsRead readAnnotations(const QString& path);

// The side file's text: points and widths to a hundredth of a unit.
QByteArray annotationsJson(const std::vector<Stroke>& strokes);
// Writes the side file whole or not at all. The error ("PATH: cannot write: REASON"), or an empty string.
QString writeAnnotations(const QString& path, const std::vector<Stroke>& strokes);

} // namespace backlog::views
