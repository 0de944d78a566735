#include "Export.h"

#include "Fonts.h"
#include "History.h"
#include "LadderRenderer.h"
#include "Lesson.h"
#include "Simulation.h"
#include "SimulationDocument.h"
#include "StageRenderer.h"
#include "Theme.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QImage>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace backlog::app {

namespace {

enum class Format { Png, Svg, Pdf };

std::optional<Format> formatNamed(const QString& name) {
    const QString n = name.toLower();
    if (n == QLatin1String("png")) return Format::Png;
    if (n == QLatin1String("svg")) return Format::Svg;
    if (n == QLatin1String("pdf")) return Format::Pdf;
    return std::nullopt;
}

QString suffixOf(Format f) {
    switch (f) {
    case Format::Png: return QStringLiteral("png");
    case Format::Svg: return QStringLiteral("svg");
    case Format::Pdf: return QStringLiteral("pdf");
    }
    return {};
}

// "300s", "0.0015s": seconds without trailing zeros, as a user would write the option (formatDuration's
// "5min" would not echo what was typed).
QString duration(Time t) { return QString::fromStdString(formatSecondsTrimmed(t)) + QLatin1Char('s'); }

// One picture to make: its moment, its file name in a sequence, and (a lesson step) its emphasis.
struct Frame {
    Time t;
    QString name;
    views::StageRenderer::Emphasis emphasis;
};

// Everything the painting threads share; read-only while they run.
struct Job {
    const Simulation* sim = nullptr;
    Format format = Format::Png;
    bool ladder = false;
    views::Theme theme;
    QSize size;
    std::vector<std::uint32_t> clients;
    std::vector<Frame> frames;
};

// The caches of one painting thread (StageRenderer.h: one renderer per thread).
struct Renderers {
    views::StageRenderer stage;
    views::LadderRenderer ladder;
};

// The one painting path: what the window's stage (or ladder) shows at the frame's moment, in `size`.
void paintFrame(QPainter& p, Renderers& r, const Job& job, const Frame& frame) {
    const QRectF target(QPointF(0, 0), QSizeF(job.size));
    if (job.ladder)
        r.ladder.paint(p, target, *job.sim, frame.t, job.theme, job.clients);
    else
        r.stage.paint(p, target, *job.sim, frame.t, job.theme, frame.emphasis);
}

// Writes one PNG or SVG frame to an open device. Returns the error, or an empty string.
QString writeFrame(QIODevice& device, Renderers& r, const Job& job, const Frame& frame) {
    if (job.format == Format::Svg) {
        QSvgGenerator svg;
        svg.setOutputDevice(&device);
        svg.setSize(job.size);
        svg.setViewBox(QRect(QPoint(0, 0), job.size));
        QPainter p;
        if (!p.begin(&svg)) return QStringLiteral("cannot start an SVG drawing");
        paintFrame(p, r, job, frame);
        p.end();
        return {};
    }
    QImage image(job.size, QImage::Format_ARGB32_Premultiplied);
    if (image.isNull())
        return QStringLiteral("not enough memory for a %1x%2 frame").arg(job.size.width()).arg(job.size.height());
    image.fill(job.theme.background);
    QPainter p(&image);
    paintFrame(p, r, job, frame);
    p.end();
    // Every pixel is opaque (the background is filled first), so the PNG is written without alpha:
    // the same pixels, a tenth smaller, and a quarter faster to encode (encoding is nine tenths of the
    // time of a PNG frame).
    image.convertTo(QImage::Format_RGB32);
    if (!image.save(&device, "PNG")) return QStringLiteral("cannot write PNG data");
    return {};
}

// Progress lines for a sequence: at most one a second, and a summary at the end.
class Progress {
public:
    Progress(const ExportOptions& o, std::size_t total) : report_(o.progress), total_(total) { clock_.start(); }
    void update(std::size_t done) {
        if (!report_ || done >= total_ || clock_.elapsed() - last_ < 1000) return;
        last_ = clock_.elapsed();
        report_(QStringLiteral("exported %1/%2 frames").arg(done).arg(total_));
    }
    double seconds() const { return static_cast<double>(clock_.nsecsElapsed()) / 1e9; }
    void finish(const QString& out) {
        if (!report_) return;
        const double s = seconds();
        report_(QStringLiteral("exported %1 frames to %2 in %3 s (%4 frames/s)")
                    .arg(total_)
                    .arg(out)
                    .arg(s, 0, 'f', 2)
                    .arg(s > 0 ? static_cast<double>(total_) / s : 0.0, 0, 'f', 1));
    }

private:
    std::function<void(const QString&)> report_;
    std::size_t total_;
    QElapsedTimer clock_;
    qint64 last_ = 0;
};

QString cannotWrite(const QString& path, const QString& why) { return path + QStringLiteral(": cannot write: ") + why; }

// One PNG or SVG frame to a file, replaced as a whole or not at all.
QString writeSingle(const ExportOptions& o, const Job& job) {
    if (QFileInfo(o.out).isDir()) return o.out + QStringLiteral(": is a folder; --at writes one file");
    QSaveFile file(o.out);
    if (!file.open(QIODevice::WriteOnly)) return cannotWrite(o.out, file.errorString());
    Renderers r;
    if (const QString error = writeFrame(file, r, job, job.frames.front()); !error.isEmpty()) {
        file.cancelWriting();
        return cannotWrite(o.out, error);
    }
    if (!file.commit()) return cannotWrite(o.out, file.errorString());
    return {};
}

// Every frame as a page of one PDF (page size: the frame's, at 72 dpi, so a pixel is a point). A PDF is
// written in page order by one painter, so it is drawn on this thread.
QString writePdf(const ExportOptions& o, const Job& job, Progress& progress) {
    if (QFileInfo(o.out).isDir()) return o.out + QStringLiteral(": is a folder; a PDF is one file");
    QSaveFile file(o.out);
    if (!file.open(QIODevice::WriteOnly)) return cannotWrite(o.out, file.errorString());
    {
        QPdfWriter pdf(&file);
        pdf.setCreator(QStringLiteral("Backlog"));
        pdf.setTitle(QFileInfo(o.file).fileName());
        pdf.setResolution(72);
        // ExactMatch: a size near a standard one must not be snapped to it (the aspect would change).
        pdf.setPageLayout(QPageLayout(QPageSize(QSizeF(job.size), QPageSize::Point, QString(), QPageSize::ExactMatch),
                                      QPageLayout::Portrait, QMarginsF(0, 0, 0, 0)));
        QPainter p;
        if (!p.begin(&pdf)) {
            file.cancelWriting();
            return cannotWrite(o.out, QStringLiteral("cannot start a PDF"));
        }
        Renderers r;
        const double sx = pdf.width() / static_cast<double>(job.size.width());
        const double sy = pdf.height() / static_cast<double>(job.size.height());
        for (std::size_t i = 0; i < job.frames.size(); ++i) {
            if (i > 0 && !pdf.newPage()) {
                file.cancelWriting();
                return cannotWrite(o.out, QStringLiteral("cannot add a page"));
            }
            p.save();
            p.scale(sx, sy);
            paintFrame(p, r, job, job.frames[i]);
            p.restore();
            progress.update(i + 1);
        }
        p.end();
    }
    if (!file.commit()) return cannotWrite(o.out, file.errorString());
    return {};
}

// PNG or SVG frames into a new folder: painted in parallel into PATH.partial-XXXXXX, which becomes PATH
// only when every frame is written.
QString writeSequence(const ExportOptions& o, const Job& job, Progress& progress) {
    // Cleaned, so that "frames/" gets a sibling "frames.partial-…", not a folder inside itself.
    const QString target = QDir::cleanPath(QFileInfo(o.out).absoluteFilePath());
    const bool emptyFolderThere = QFileInfo(target).isDir();
    QTemporaryDir partial(target + QStringLiteral(".partial-XXXXXX"));
    if (!partial.isValid()) return cannotWrite(o.out, partial.errorString());
    const QDir folder(partial.path());

    const std::size_t total = job.frames.size();
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex mutex;
    std::condition_variable changed;
    std::size_t done = 0;
    QString error;

    const auto work = [&] {
        Renderers r;
        for (;;) {
            const std::size_t i = next.fetch_add(1);
            if (i >= total || failed.load()) return;
            const Frame& frame = job.frames[i];
            QFile file(folder.filePath(frame.name));
            QString problem;
            if (!file.open(QIODevice::WriteOnly)) {
                problem = file.errorString();
            } else if (QString e = writeFrame(file, r, job, frame); !e.isEmpty()) {
                problem = e;
            } else {
                file.close();
                if (file.error() != QFileDevice::NoError) problem = file.errorString();
            }
            if (!problem.isEmpty()) problem = cannotWrite(o.out, frame.name + QStringLiteral(": ") + problem);
            {
                const std::lock_guard lock(mutex);
                if (!problem.isEmpty() && error.isEmpty()) {
                    error = problem;
                    failed = true;
                }
                ++done;
            }
            changed.notify_one();
        }
    };
    const int ideal = std::max(1, QThread::idealThreadCount());
    const int wanted = o.threads > 0 ? std::min(o.threads, ideal) : ideal;
    const auto count = std::min(static_cast<std::size_t>(wanted), total);
    {
        std::vector<std::jthread> threads;
        threads.reserve(count);
        for (std::size_t k = 0; k < count; ++k) threads.emplace_back(work);
        std::unique_lock lock(mutex);
        while (done < total && !failed) {
            changed.wait_for(lock, std::chrono::milliseconds(200));
            const std::size_t now = done;
            lock.unlock();
            progress.update(now);
            lock.lock();
        }
    } // the threads are joined here
    if (!error.isEmpty()) return error; // `partial` removes what was written

    // An empty folder at PATH gives way to the finished one (a rename cannot replace a folder).
    if (emptyFolderThere && !QDir().rmdir(target)) return cannotWrite(o.out, QStringLiteral("cannot replace the empty folder"));
    if (!QDir().rename(partial.path(), target)) {
        if (emptyFolderThere) QDir().mkdir(target);
        return cannotWrite(o.out, QStringLiteral("cannot rename %1 to it").arg(QDir::toNativeSeparators(partial.path())));
    }
    partial.setAutoRemove(false);
    return {};
}

// "frame-00001.png": numbered from 1, with enough digits that the names sort in order.
QString numbered(const QString& stem, std::size_t n, std::size_t total, int minDigits, Format f) {
    const int digits = std::max(minDigits, static_cast<int>(QString::number(total).size()));
    return QStringLiteral("%1-%2.%3").arg(stem).arg(n, digits, 10, QLatin1Char('0')).arg(suffixOf(f));
}

} // namespace

ExportResult exportFrames(const ExportOptions& o) {
    ExportResult result;
    const auto fail = [&result](const QString& message) {
        result.errors << message;
        return result;
    };
    if (!qobject_cast<QGuiApplication*>(QCoreApplication::instance()))
        return fail(QStringLiteral("export needs a QGuiApplication (painting text needs one)"));

    // ---- the options, before anything is read or written
    if (o.out.isEmpty()) return fail(QStringLiteral("expected --out PATH"));
    const int modes = int(o.at.has_value()) + int(o.from.has_value() || o.to.has_value()) + int(o.steps);
    if (modes != 1) return fail(QStringLiteral("expected one of --at T, --from T --to T [--fps N], or --steps"));
    if (o.from.has_value() != o.to.has_value())
        return fail(o.from ? QStringLiteral("--from needs --to") : QStringLiteral("--to needs --from"));
    if (o.fps && !o.from) return fail(QStringLiteral("--fps goes with --from and --to"));
    const int fps = o.fps.value_or(ExportLimits::defaultFps);
    if (fps < 1 || fps > ExportLimits::maxFps)
        return fail(QStringLiteral("--fps %1: expected 1 to %2 frames per second").arg(fps).arg(ExportLimits::maxFps));
    if (o.size.width() < 1 || o.size.height() < 1 || o.size.width() > ExportLimits::maxSide ||
        o.size.height() > ExportLimits::maxSide)
        return fail(QStringLiteral("--size %1x%2: expected 1 to %3 pixels a side")
                        .arg(o.size.width())
                        .arg(o.size.height())
                        .arg(ExportLimits::maxSide));
    std::int64_t sequenceFrames = 0;
    if (o.from) {
        if (*o.from < Time() || *o.from > *o.to)
            return fail(QStringLiteral("--from %1 --to %2: expected 0s <= --from <= --to").arg(duration(*o.from), duration(*o.to)));
        // Frame k is at from + k/fps: integer nanoseconds, so every machine picks the same moments.
        // Frames are k = 0, 1, … while floor(k * 1e9 / fps) <= to - from.
        // (A span of more than maxFrames seconds is too many frames at any rate: no overflow below.)
        const std::int64_t span = (*o.to - *o.from).count();
        sequenceFrames = span > std::int64_t{ExportLimits::maxFrames} * 1'000'000'000
                             ? std::int64_t{ExportLimits::maxFrames} + 1
                             : ((span + 1) * fps - 1) / 1'000'000'000 + 1;
        if (sequenceFrames > ExportLimits::maxFrames)
            return fail(QStringLiteral("--from %1 --to %2 at %3 frames/s: more than %4 frames; export a shorter span or "
                                       "fewer frames per second")
                            .arg(duration(*o.from), duration(*o.to))
                            .arg(fps)
                            .arg(ExportLimits::maxFrames));
    }
    if (o.at && *o.at < Time()) return fail(QStringLiteral("--at %1: expected 0s or later").arg(duration(*o.at)));

    std::optional<Format> format;
    const QString extension = QFileInfo(o.out).suffix();
    if (!o.format.isEmpty()) {
        format = formatNamed(o.format);
        if (!format) return fail(QStringLiteral("--format %1: unknown format; expected png, svg or pdf").arg(o.format));
    } else if (!(format = formatNamed(extension))) {
        if (o.at && !extension.isEmpty())
            return fail(QStringLiteral("--out %1: cannot tell the format from .%2; name it .png, .svg or .pdf, or give "
                                       "--format")
                            .arg(o.out, extension));
        format = Format::Png;
    }
    const QString view = o.view.toLower();
    if (view != QLatin1String("stage") && view != QLatin1String("ladder"))
        return fail(QStringLiteral("--view %1: unknown view; expected stage or ladder").arg(o.view));
    const bool ladder = view == QLatin1String("ladder");
    if (!views::Theme::names().contains(o.theme, Qt::CaseInsensitive))
        return fail(QStringLiteral("--theme %1: unknown theme; expected %2").arg(o.theme, views::Theme::names().join(QStringLiteral(", "))));
    if (!ladder && !o.clients.empty())
        return fail(QStringLiteral("--client %1: connections are drawn by --view ladder; the stage shows every client")
                        .arg(o.clients.front()));

    const bool sequence = !o.at && *format != Format::Pdf;
    if (const QFileInfo parent(QFileInfo(QDir::cleanPath(QFileInfo(o.out).absoluteFilePath())).absolutePath()); !parent.isDir())
        return fail(cannotWrite(o.out, QStringLiteral("the folder %1 does not exist").arg(QDir::toNativeSeparators(parent.filePath()))));
    if (sequence) {
        const QFileInfo info(o.out);
        if (info.exists() && !info.isDir())
            return fail(o.out + QStringLiteral(": exists and is not a folder; frames go into a new or empty folder"));
        if (info.isDir() && !QDir(o.out).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System))
            return fail(o.out + QStringLiteral(": the folder is not empty; frames go into a new or empty folder"));
    }

    // ---- the run
    views::SimulationDocument doc;
    if (const QStringList errors = doc.load(o.file); !errors.isEmpty()) {
        result.errors = errors;
        return result;
    }
    const Simulation& sim = doc.simulation();
    const Time end = doc.end();

    Job job;
    job.sim = &sim;
    job.format = *format;
    job.ladder = ladder;
    job.theme = views::Theme::byName(o.theme);
    job.size = o.size;
    const std::size_t clientCount = sim.history().clients.size();
    for (const std::int64_t c : o.clients) {
        if (c < 0 || static_cast<std::size_t>(c) >= clientCount)
            return fail(clientCount == 0 ? QStringLiteral("--client %1: the run has no clients").arg(c)
                                         : QStringLiteral("--client %1: the run has %2 clients (0 to %3)")
                                               .arg(c)
                                               .arg(clientCount)
                                               .arg(clientCount - 1));
        job.clients.push_back(static_cast<std::uint32_t>(c));
    }
    if (ladder && job.clients.empty() && clientCount > 0) job.clients.push_back(0);

    const auto afterEnd = [&](const char* option, Time t) {
        return QStringLiteral("%1 %2: after the end of the run (%3)").arg(QLatin1String(option), duration(t), duration(end));
    };
    if (o.at) {
        if (*o.at > end) return fail(afterEnd("--at", *o.at));
        job.frames.push_back({*o.at, {}, {}});
    } else if (o.from) {
        if (*o.to > end) return fail(afterEnd("--to", *o.to));
        const auto n = static_cast<std::size_t>(sequenceFrames);
        for (std::size_t k = 0; k < n; ++k)
            job.frames.push_back({*o.from + Time::ns(static_cast<std::int64_t>(k) * 1'000'000'000 / fps),
                                  numbered(QStringLiteral("frame"), k + 1, n, 5, *format), {}});
    } else {
        const Lesson* lesson = doc.lesson();
        if (!lesson) return fail(o.file + QStringLiteral(": --steps needs a lesson; this is a scenario, which has no steps"));
        if (lesson->steps.empty()) return fail(o.file + QStringLiteral(": --steps: the lesson has no steps"));
        const std::size_t n = lesson->steps.size();
        for (std::size_t i = 0; i < n; ++i) {
            const Step& step = lesson->steps[i];
            const Time t = doc.stepTimes()[i];
            if (t.isNever())
                return fail(QStringLiteral("%1:%2: step %3 never begins (its condition never holds), so it has no frame")
                                .arg(o.file)
                                .arg(step.place.line)
                                .arg(i + 1));
            Frame frame{t, numbered(QStringLiteral("step"), i + 1, n, 2, *format), {}};
            frame.emphasis.highlight = step.highlight;
            frame.emphasis.zoom = step.zoom;
            job.frames.push_back(std::move(frame));
        }
    }

    // The stays' interval index is built on first use: build it here, before threads read it together.
    for (const auto& queues : sim.history().queues)
        for (const StayTrack& track : queues) (void)track.at(Time());
    views::loadBundledFonts(); // the same pixels on every machine (Fonts.h)

    // ---- the frames
    Progress progress(o, job.frames.size());
    const QString error = *format == Format::Pdf ? writePdf(o, job, progress)
                          : sequence            ? writeSequence(o, job, progress)
                                                : writeSingle(o, job);
    if (!error.isEmpty()) return fail(error);
    result.frames = static_cast<int>(job.frames.size());
    result.seconds = progress.seconds();
    if (!o.at) progress.finish(o.out);
    return result;
}

} // namespace backlog::app
