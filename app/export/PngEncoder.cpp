#include "app/export/PngEncoder.h"

#include <QImage>

#include <libdeflate.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace backlog::app {

namespace {

void putBigEndian(std::uint8_t* at, std::uint32_t v) {
    at[0] = static_cast<std::uint8_t>(v >> 24);
    at[1] = static_cast<std::uint8_t>(v >> 16);
    at[2] = static_cast<std::uint8_t>(v >> 8);
    at[3] = static_cast<std::uint8_t>(v);
}

// A chunk: length, type, data, CRC-32 of type and data (PNG specification, section 5.3).
void appendChunk(QByteArray& png, const char type[4], const std::uint8_t* data, std::size_t size) {
    std::uint8_t head[8];
    putBigEndian(head, static_cast<std::uint32_t>(size));
    std::memcpy(head + 4, type, 4);
    png.append(reinterpret_cast<const char*>(head), 8);
    if (size > 0) png.append(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    std::uint32_t crc = libdeflate_crc32(0, head + 4, 4);
    if (size > 0) crc = libdeflate_crc32(crc, data, size);
    std::uint8_t tail[4];
    putBigEndian(tail, crc);
    png.append(reinterpret_cast<const char*>(tail), 4);
}

struct FreeCompressor {
    void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};

} // namespace

QByteArray encodePng(const QImage& source, bool withAlpha, int level) {
    // ARGB32 (straight alpha) or RGB32: one 32-bit 0xAARRGGBB word a pixel, whatever the source was.
    const QImage image = source.convertToFormat(withAlpha ? QImage::Format_ARGB32 : QImage::Format_RGB32);
    if (image.isNull()) return {};
    const auto width = static_cast<std::size_t>(image.width());
    const auto height = static_cast<std::size_t>(image.height());
    const std::size_t channels = withAlpha ? 4 : 3;
    const std::size_t stride = 1 + channels * width; // a filter-type byte, then the row

    std::vector<std::uint8_t> rows;
    try {
        rows.resize(stride * height);
    } catch (const std::bad_alloc&) {
        return {};
    }
    for (std::size_t y = 0; y < height; ++y) {
        const auto* in = reinterpret_cast<const QRgb*>(image.constScanLine(static_cast<int>(y)));
        std::uint8_t* out = rows.data() + y * stride;
        *out++ = 0; // filter type None
        for (std::size_t x = 0; x < width; ++x) {
            const QRgb px = in[x];
            *out++ = static_cast<std::uint8_t>(qRed(px));
            *out++ = static_cast<std::uint8_t>(qGreen(px));
            *out++ = static_cast<std::uint8_t>(qBlue(px));
            if (withAlpha) *out++ = static_cast<std::uint8_t>(qAlpha(px));
        }
    }

    const std::unique_ptr<libdeflate_compressor, FreeCompressor> compressor(
        libdeflate_alloc_compressor(level));
    if (!compressor) return {};
    std::vector<std::uint8_t> idat;
    try {
        idat.resize(libdeflate_zlib_compress_bound(compressor.get(), rows.size()));
    } catch (const std::bad_alloc&) {
        return {};
    }
    const std::size_t compressed =
        libdeflate_zlib_compress(compressor.get(), rows.data(), rows.size(), idat.data(), idat.size());
    if (compressed == 0) return {}; // cannot happen with a buffer of the bound's size

    QByteArray png;
    png.reserve(static_cast<qsizetype>(8 + 25 + 21 + 12 + compressed + 12));
    png.append("\x89PNG\r\n\x1a\n", 8);
    std::uint8_t ihdr[13];
    putBigEndian(ihdr, static_cast<std::uint32_t>(width));
    putBigEndian(ihdr + 4, static_cast<std::uint32_t>(height));
    ihdr[8] = 8;                 // bits per channel
    ihdr[9] = withAlpha ? 6 : 2; // colour type: truecolour with alpha, or truecolour
    ihdr[10] = 0;                // compression: deflate
    ihdr[11] = 0;                // filtering: adaptive (with every row None)
    ihdr[12] = 0;                // no interlace
    appendChunk(png, "IHDR", ihdr, sizeof ihdr);
    std::uint8_t phys[9];
    putBigEndian(phys, static_cast<std::uint32_t>(std::max(1, source.dotsPerMeterX())));
    putBigEndian(phys + 4, static_cast<std::uint32_t>(std::max(1, source.dotsPerMeterY())));
    phys[8] = 1; // the unit is the metre
    appendChunk(png, "pHYs", phys, sizeof phys);
    appendChunk(png, "IDAT", idat.data(), compressed);
    appendChunk(png, "IEND", nullptr, 0);
    return png;
}

} // namespace backlog::app
