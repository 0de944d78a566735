// The export's benchmark (issue 6: "1920×1080 PNG frames at ≥ 30 per second on a 2-core machine, and an
// SVG frame in ≤ 50 ms; a benchmark prints frames per second").
//
// The run is lessons/scenarios/e2-burst.yaml (200 connections arriving at once, the queues full, clients
// retrying): a busy stage. Prints medians over several repetitions of:
//   (a) exportFrames() writing 1920×1080 PNG frames of 0–5 s at 30 frames/s (151 frames) into a new
//       folder, with 1 thread and with every core: frames per second, as `backlog export` does it;
//   (b) one frame's encoding alone, with Qt's PNG writer (libpng + zlib) and with app::encodePng
//       (libdeflate), and what the PNG filters Sub and Up would do to the deflate stream's size;
//   (c) SVG frames and PDF pages of the same span, in ms per frame;
//   (d) an MP4 of 0–2 s when ffmpeg is installed (H.264 is the bound there, not the painting);
//   (e) the PNG sequence of (a) as the window's dialog runs it: an ExportJob on a thread of its own
//       while this thread serves its event loop, from a copy of a document's run (simulated again).
// Figures only: a benchmark never fails.
//
//   bench_export [repetitions]     (default 5)
#include "app/export/Export.h"
#include "app/export/PngEncoder.h"
#include "views/document/SimulationDocument.h"
#include "views/render/Fonts.h"
#include "views/render/StageRenderer.h"
#include "views/render/Theme.h"

#include <QApplication>
#include <QBuffer>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QImage>
#include <QPainter>
#include <QTemporaryDir>
#include <QThread>

#include <libdeflate.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace backlog;

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double since(const QElapsedTimer& t) {
    return static_cast<double>(t.nsecsElapsed()) / 1e6;
}

const QString kBurst = QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/e2-burst.yaml");

// One export into a fresh folder; its frames per second (0 when it failed, with the reason printed).
double exportRate(const QString& format, int threads, Time to, int* frames = nullptr) {
    QTemporaryDir dir;
    app::ExportOptions o;
    o.file = kBurst;
    o.out = dir.filePath(format == QLatin1String("mp4") || format == QLatin1String("pdf")
                             ? QStringLiteral("out.") + format
                             : QStringLiteral("frames"));
    o.format = format;
    o.from = Time();
    o.to = to;
    o.fps = 30;
    o.threads = threads;
    const app::ExportResult r = app::exportFrames(o);
    if (!r.ok()) {
        std::fprintf(stderr, "export failed: %s\n", qPrintable(r.errors.join(QLatin1Char('\n'))));
        return 0;
    }
    if (frames) *frames = r.frames;
    return r.frames / r.seconds;
}

// (e): one export through an ExportJob, waited for in an event loop; frames per second of the whole job
// (the run's copy simulated again included), 0 when it failed.
double jobRate(const views::SimulationDocument& doc, int threads, Time to) {
    QTemporaryDir dir;
    app::ExportOptions o;
    o.run = app::ExportRun::copyOf(doc);
    o.out = dir.filePath(QStringLiteral("frames"));
    o.from = Time();
    o.to = to;
    o.fps = 30;
    o.threads = threads;
    app::ExportJob job(o);
    QEventLoop loop;
    app::ExportResult r;
    QElapsedTimer t;
    QObject::connect(&job, &app::ExportJob::finished, &loop, [&](const app::ExportResult& result) {
        r = result;
        loop.quit();
    });
    t.start();
    job.start();
    loop.exec();
    if (!r.ok()) {
        std::fprintf(stderr, "export failed: %s\n", qPrintable(r.errors.join(QLatin1Char('\n'))));
        return 0;
    }
    return r.frames / (static_cast<double>(t.nsecsElapsed()) / 1e9);
}

// The deflate stream of a frame's rows with one PNG filter on every row (0 None, 1 Sub, 2 Up), to see
// which one suits the flat colours of a diagram.
std::size_t deflatedSize(const QImage& rgb32, int filter) {
    const int w = rgb32.width(), h = rgb32.height();
    const std::size_t stride = 1 + 3 * static_cast<std::size_t>(w);
    std::vector<unsigned char> rows(stride * static_cast<std::size_t>(h));
    std::vector<unsigned char> previous(3 * static_cast<std::size_t>(w), 0),
        line(3 * static_cast<std::size_t>(w));
    for (int y = 0; y < h; ++y) {
        const auto* px = reinterpret_cast<const QRgb*>(rgb32.constScanLine(y));
        for (std::size_t x = 0; x < static_cast<std::size_t>(w); ++x) {
            line[3 * x] = static_cast<unsigned char>(qRed(px[x]));
            line[3 * x + 1] = static_cast<unsigned char>(qGreen(px[x]));
            line[3 * x + 2] = static_cast<unsigned char>(qBlue(px[x]));
        }
        unsigned char* out = rows.data() + static_cast<std::size_t>(y) * stride;
        out[0] = static_cast<unsigned char>(filter);
        for (std::size_t i = 0; i < line.size(); ++i) {
            const unsigned char left = i >= 3 ? line[i - 3] : 0;
            out[1 + i] = static_cast<unsigned char>(line[i] - (filter == 1   ? left
                                                               : filter == 2 ? previous[i]
                                                                             : 0));
        }
        previous = line;
    }
    libdeflate_compressor* c = libdeflate_alloc_compressor(6);
    std::vector<unsigned char> z(libdeflate_zlib_compress_bound(c, rows.size()));
    const std::size_t n = libdeflate_zlib_compress(c, rows.data(), rows.size(), z.data(), z.size());
    libdeflate_free_compressor(c);
    return n;
}

} // namespace

int main(int argc, char** argv) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication application(argc, argv);
    views::loadBundledFonts();
    const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
    const int cores = std::max(1, QThread::idealThreadCount());
    std::printf("bench_export: lessons/scenarios/e2-burst.yaml, 1920x1080, median of %d, %d core(s)\n", reps,
                cores);

    // (a) PNG sequences.
    for (const int threads : {1, cores}) {
        std::vector<double> rates;
        int frames = 0;
        for (int i = 0; i < reps; ++i)
            rates.push_back(exportRate(QStringLiteral("png"), threads, Time::s(5), &frames));
        std::printf("PNG sequence, %d thread(s): %.1f frames/s (%d frames)\n", threads, median(rates),
                    frames);
        if (threads == cores) break;
    }

    // (b) One frame's encoding.
    views::SimulationDocument doc;
    if (!doc.load(kBurst).isEmpty()) return 1;
    QImage frame(1920, 1080, QImage::Format_ARGB32_Premultiplied);
    const views::Theme theme = views::Theme::light();
    frame.fill(theme.background);
    {
        QPainter p(&frame);
        views::StageRenderer().paint(p, QRectF(0, 0, 1920, 1080), doc.simulation(), Time::s(1), theme, {});
    }
    std::vector<double> paint, qt, deflate;
    qsizetype qtBytes = 0, deflateBytes = 0;
    for (int i = 0; i < std::max(reps, 5); ++i) {
        QElapsedTimer t;
        QImage image(1920, 1080, QImage::Format_ARGB32_Premultiplied);
        t.start();
        image.fill(theme.background);
        QPainter p(&image);
        views::StageRenderer().paint(p, QRectF(0, 0, 1920, 1080), doc.simulation(), Time::s(1), theme, {});
        p.end();
        paint.push_back(since(t));
        const QImage opaque = frame.convertToFormat(QImage::Format_RGB32);
        QByteArray bytes;
        QBuffer buffer(&bytes);
        buffer.open(QIODevice::WriteOnly);
        t.restart();
        opaque.save(&buffer, "PNG");
        qt.push_back(since(t));
        qtBytes = bytes.size();
        t.restart();
        deflateBytes = app::encodePng(frame, false).size();
        deflate.push_back(since(t));
    }
    std::printf("one frame: painting %.1f ms; PNG with Qt (libpng, zlib) %.1f ms, %lld bytes; with "
                "libdeflate %.1f ms, "
                "%lld bytes\n",
                median(paint), median(qt), static_cast<long long>(qtBytes), median(deflate),
                static_cast<long long>(deflateBytes));
    const QImage rgb = frame.convertToFormat(QImage::Format_RGB32);
    std::printf("deflate stream by PNG filter: None %zu, Sub %zu, Up %zu bytes\n", deflatedSize(rgb, 0),
                deflatedSize(rgb, 1), deflatedSize(rgb, 2));

    // (c) Vectors.
    for (const char* format : {"svg", "pdf"}) {
        std::vector<double> rates;
        int frames = 0;
        for (int i = 0; i < reps; ++i)
            rates.push_back(exportRate(QString::fromLatin1(format), 0, Time::s(5), &frames));
        std::printf("%s, %d frames: %.2f ms per frame\n", format, frames, 1000.0 / median(rates));
    }

    // (d) A film.
    if (app::ffmpegAvailable()) {
        std::vector<double> rates;
        for (int i = 0; i < std::min(reps, 3); ++i)
            rates.push_back(exportRate(QStringLiteral("mp4"), 0, Time::s(2)));
        std::printf("MP4 (H.264, ffmpeg), 61 frames: %.1f frames/s\n", median(rates));
    } else {
        std::printf("MP4: ffmpeg is not installed\n");
    }

    // (e) The dialog's way.
    {
        std::vector<double> rates;
        for (int i = 0; i < reps; ++i)
            rates.push_back(jobRate(doc, cores, Time::s(5)));
        std::printf("PNG sequence through an ExportJob, %d thread(s): %.1f frames/s\n", cores, median(rates));
    }
    return 0;
}
