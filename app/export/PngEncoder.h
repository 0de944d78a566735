// PNG frames for export, compressed with libdeflate: four to five times faster than Qt's PNG writer
// (zlib through libpng) on the same frame, and a little smaller (README, "Figures"). Export is bound by
// PNG encoding (nine tenths of a frame's time with Qt's writer), so this is what lets 1920×1080 frames
// go out at more than 30 a second on two cores.
//
// The file is a plain PNG: IHDR, pHYs, one IDAT, IEND; 8-bit RGB, or RGBA for a transparent frame; filter
// type 0 on every row (on the flat colours of a diagram, Sub and Up filters make the deflate stream larger,
// measured in tests/bench/bench_export.cpp). Given the same pixels the bytes are the same on every run.
#pragma once

#include <QByteArray>

class QImage;

namespace backlog::app {

// `image` in any format; alpha is kept when `withAlpha` (straight, not premultiplied, as PNG wants),
// else dropped. The resolution (pHYs) is the image's dots per metre: 96 dpi times its device pixel
// ratio, so that slide software places a --scale 2 frame at the size of a --scale 1 one, sharper.
// Level: libdeflate's 1 (fastest) to 12 (smallest); 6 is its default balance.
// Returns an empty array when out of memory.
QByteArray encodePng(const QImage& image, bool withAlpha, int level = 6);

} // namespace backlog::app
