#include "app/export/Export.h"

#include "app/export/LessonPage.h"
#include "app/export/PngEncoder.h"
#include "model/history/History.h"
#include "model/kernel/Simulation.h"
#include "model/lesson/Lesson.h"
#include "model/lesson/LessonReader.h"
#include "model/lesson/LessonRun.h"
#include "model/lesson/Markdown.h"
#include "views/document/LessonPlayer.h"
#include "views/document/SimulationDocument.h"
#include "views/render/ComparedStages.h"
#include "views/render/Fonts.h"
#include "views/render/LadderRenderer.h"
#include "views/render/StageRenderer.h"
#include "views/render/StateDiagramRenderer.h"
#include "views/render/StrokePlacement.h"
#include "views/render/Theme.h"
#include "views/widgets/ChartsView.h"

#include <QAbstractTextDocumentLayout>
#include <QApplication>
#include <QBuffer>
#include <QDir>
#include <QElapsedTimer>
#include <QEvent>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLayout>
#include <QMetaObject>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QProcess>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStandardPaths>
#include <QSvgGenerator>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTextDocument>
#include <QThread>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#ifdef Q_OS_UNIX
#include <sys/stat.h>
#endif

namespace backlog::app {

namespace {

// Frame moments multiply a frame number by 1e9 and a speed's numerator: more than 63 bits can need.
__extension__ typedef __int128 Wide;

enum class Format { Png, Svg, Pdf, Gif, Mp4, Webm, Handout, Html };
enum class View { Stage, Ladder, States, Charts, Window }; // exportViews() in this order

// The formats by the names the options use, in the order help texts list them (exportFormats()).
constexpr std::pair<const char*, Format> kFormatNames[] = {
    {"png", Format::Png}, {"svg", Format::Svg},   {"pdf", Format::Pdf},         {"gif", Format::Gif},
    {"mp4", Format::Mp4}, {"webm", Format::Webm}, {"handout", Format::Handout}, {"html", Format::Html}};

std::optional<Format> formatNamed(const QString& name) {
    const QString n = name.toLower();
    for (const auto& [text, format] : kFormatNames)
        if (n == QLatin1String(text)) return format;
    return std::nullopt;
}

QString suffixOf(Format f) {
    switch (f) {
    case Format::Png:
        return QStringLiteral("png");
    case Format::Svg:
        return QStringLiteral("svg");
    case Format::Pdf:
    case Format::Handout:
        return QStringLiteral("pdf");
    case Format::Gif:
        return QStringLiteral("gif");
    case Format::Mp4:
        return QStringLiteral("mp4");
    case Format::Webm:
        return QStringLiteral("webm");
    case Format::Html:
        return QStringLiteral("html");
    }
    return {};
}

bool isVideo(Format f) {
    return f == Format::Gif || f == Format::Mp4 || f == Format::Webm;
}
bool isSequence(Format f) {
    return f == Format::Png || f == Format::Svg;
} // a folder of numbered files
bool isRaster(Format f) {
    return f == Format::Png || isVideo(f) || f == Format::Html; // a lesson page's film is a video
}

// "300s", "0.0015s": seconds without trailing zeros, as a user would write the option (formatDuration's
// "5min" would not echo what was typed).
QString duration(Time t) {
    return QString::fromStdString(formatSecondsTrimmed(t)) + QLatin1Char('s');
}

// One picture to make: its moment, its file name in a sequence, and (a lesson step) its emphasis.
struct Frame {
    Time t;
    QString name;
    views::StageRenderer::Emphasis emphasis;
    int step = -1; // the lesson step it shows (--steps, handout)
    // A question with `reveal: after-answer` is open on it (a handout's page, a lesson page's picture
    // shown until the question is answered): the numbers that would give the answer away are not drawn
    // (StageRenderer::Options::numbersConcealed), as in the window.
    bool concealed = false;
};

// Everything the painting threads share; read-only while they run. The run is shared with whoever
// made it (the window's copy), so it outlives every thread and widget that reads it here.
struct Job {
    std::shared_ptr<const ExportRun> run;
    const Simulation* sim = nullptr; // run->simulation()
    Format format = Format::Png;
    View view = View::Stage;
    views::ChartsView::Chart chart = views::ChartsView::Chart::Queues;
    views::Theme theme;
    QSize size; // points
    double scale = 1;
    bool transparent = false;
    std::vector<std::uint32_t> clients;
    std::vector<Frame> frames;
    LessonFilm film; // a lesson page: its chapters (frames is then the film)
    // --compare: the run with the changes, painted beside (ComparedStages.h), and each side's title.
    std::shared_ptr<const ExportRun> other;
    const Simulation* otherSim = nullptr;
    std::array<QString, 2> titles;
    std::vector<views::Stroke> annotations; // the lecturer's strokes, over the stage
    QSize pixels() const { return QSize(qRound(size.width() * scale), qRound(size.height() * scale)); }
};

// Progress for a sequence: lines at most one a second and a summary at the end; `advanced` for a bar;
// and whether the caller has cancelled.
class Progress {
  public:
    Progress(const ExportOptions& o, std::size_t total)
        : report_(o.progress), advanced_(o.advanced), cancelled_(o.cancelled), total_(total) {
        clock_.start();
    }
    void update(std::size_t done) {
        const qint64 now = clock_.elapsed();
        if (advanced_ && (done >= total_ || now - lastBar_ >= 50)) {
            lastBar_ = now;
            advanced_(static_cast<int>(done), static_cast<int>(total_));
        }
        if (!report_ || done >= total_ || now - lastLine_ < 1000) return;
        lastLine_ = now;
        report_(QStringLiteral("exported %1/%2 frames").arg(done).arg(total_));
    }
    bool cancelled() {
        if (!cancelled_ || !cancelled_()) return false;
        wasCancelled_ = true;
        return true;
    }
    bool wasCancelled() const { return wasCancelled_; }
    double seconds() const { return static_cast<double>(clock_.nsecsElapsed()) / 1e9; }
    void finish(const QString& out) {
        if (advanced_) advanced_(static_cast<int>(total_), static_cast<int>(total_));
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
    std::function<void(int, int)> advanced_;
    std::function<bool()> cancelled_;
    std::size_t total_;
    QElapsedTimer clock_;
    qint64 lastLine_ = 0;
    qint64 lastBar_ = -1000;
    bool wasCancelled_ = false;
};

const QString kCancelled = QStringLiteral("cancelled; nothing was written");

bool onGuiThread() {
    const QCoreApplication* app = QCoreApplication::instance();
    return app != nullptr && QThread::currentThread() == app->thread();
}

// Functions for the GUI thread, posted from the painting and job threads. They cross in a queue under a
// std::mutex, and the event that wakes the GUI thread carries nothing: the synchronisation is one
// ThreadSanitizer sees (a functor posted through Qt's event queue crosses inside uninstrumented QtCore,
// and its captures were reported as races). Run in order, by the GUI thread's event loop.
class GuiMailbox final : public QObject {
  public:
    static GuiMailbox& instance() {
        static GuiMailbox* const mailbox = [] {
            // For the life of the process: posts may come until its end. Made on the GUI thread
            // (ExportJob::start, exportFrames there) before any other thread posts to it.
            auto* m = new GuiMailbox;
            if (const QCoreApplication* app = QCoreApplication::instance()) m->moveToThread(app->thread());
            return m;
        }();
        return *mailbox;
    }
    void post(std::function<void()> f) {
        {
            const std::lock_guard lock(mutex_);
            queue_.push_back(std::move(f));
        }
        QCoreApplication::postEvent(this, new QEvent(runType()));
    }

  protected:
    // Only our events are custom ones here, so the event itself is never read: it was made on the
    // posting thread, and only the queue's mutex orders that thread's writes before this one's reads.
    void customEvent(QEvent*) override {
        std::deque<std::function<void()>> due;
        {
            const std::lock_guard lock(mutex_);
            due.swap(queue_);
        }
        for (const std::function<void()>& f : due)
            f();
    }

  private:
    static QEvent::Type runType() {
        static const auto type = static_cast<QEvent::Type>(QEvent::registerEventType());
        return type;
    }
    std::mutex mutex_;
    std::deque<std::function<void()>> queue_;
};

// Runs `f` on the GUI thread and returns once it has run: at once on the GUI thread itself; from another
// thread, as a queued call that the GUI thread's event loop runs between its other events (no
// processEvents anywhere, so nothing runs inside anything else). A cancel heard while the call waits for
// its turn drops it, and it never runs: a GUI thread that is itself waiting for the export to end (a
// closing dialog) is then never waited for in turn. Returns false when it was dropped.
bool callOnGuiThread(const std::function<void()>& f, Progress& progress) {
    if (onGuiThread()) {
        f();
        return true;
    }
    struct Call {
        std::mutex mutex;
        std::condition_variable ran;
        const std::function<void()>* f = nullptr; // cleared when dropped: the caller's is gone then
        bool started = false;
        bool done = false;
    };
    const auto call = std::make_shared<Call>();
    call->f = &f;
    GuiMailbox::instance().post([call] {
        std::unique_lock lock(call->mutex);
        if (call->f == nullptr) return;
        call->started = true;
        lock.unlock(); // the caller waits for `done`, and cannot drop the call once it has started
        (*call->f)();
        lock.lock();
        call->done = true;
        call->ran.notify_all();
    });
    std::unique_lock lock(call->mutex);
    while (!call->done) {
        if (call->ran.wait_for(lock, std::chrono::milliseconds(50), [&] { return call->done; })) break;
        if (call->started) continue; // a frame being painted: it ends soon
        lock.unlock();
        const bool stop = progress.cancelled();
        lock.lock();
        if (stop && !call->started) {
            call->f = nullptr;
            return false;
        }
    }
    return true;
}

// What a frame is painted from. The stage and the ladder are renderers: one canvas per thread (they keep
// caches: StageRenderer.h), painting in parallel. The charts and the window are widgets: one canvas,
// painting on the GUI thread.
class Canvas {
  public:
    virtual ~Canvas() = default;
    // Paints the frame into (0, 0, job.size) of the painter's logical coordinates. The error, kCancelled,
    // or an empty string.
    virtual QString paint(QPainter& p, const Frame& frame) = 0;
};

class RendererCanvas final : public Canvas {
  public:
    explicit RendererCanvas(const Job& job) : job_(job) {}
    QString paint(QPainter& p, const Frame& frame) override {
        const QRectF target(QPointF(0, 0), QSizeF(job_.size));
        if (job_.view == View::Ladder)
            ladder_.paint(p, target, *job_.sim, frame.t, job_.theme, job_.clients);
        else if (job_.view == View::States)
            states_.paint(p, target, *job_.sim, frame.t, job_.theme,
                          job_.clients.empty() ? std::nullopt
                                               : std::optional<std::uint32_t>(job_.clients.front()));
        else if (job_.otherSim) {
            conceal(otherStage_, frame.concealed);
            conceal(stage_, frame.concealed);
            views::paintComparedStages(p, target, sides(), frame.t, job_.theme, frame.emphasis);
        } else {
            conceal(stage_, frame.concealed);
            stage_.paint(p, target, *job_.sim, frame.t, job_.theme, frame.emphasis);
        }
        if (job_.view == View::Stage && !job_.annotations.empty()) paintAnnotations(p, target, frame);
        return {};
    }

  private:
    // --compare's two runs, as the stage and the strokes over it are painted.
    std::array<views::ComparedSide, 2> sides() const {
        return {views::ComparedSide{&stage_, job_.sim, job_.titles[0]},
                views::ComparedSide{&otherStage_, job_.otherSim, job_.titles[1]}};
    }

    static void conceal(views::StageRenderer& stage, bool concealed) {
        if (stage.options().numbersConcealed == concealed) return;
        views::StageRenderer::Options o = stage.options();
        o.numbersConcealed = concealed;
        stage.setOptions(o);
    }

    // Over the stage, under the same zoom (StageView does the same): the strokes of the frame's step,
    // or near its moment in a plain run.
    void paintAnnotations(QPainter& p, const QRectF& target, const Frame& frame) const {
        views::StageMoment now{-1, frame.t, job_.sim->history().end};
        const Lesson* lesson = job_.run->lesson();
        if (lesson && !lesson->steps.empty())
            now.step = frame.step >= 0 ? frame.step : views::stepAtMoment(job_.run->stepTimes(), frame.t);
        const views::StrokePlacement where =
            job_.otherSim ? views::StrokePlacement::ofCompared(sides(), target, frame.t, frame.emphasis)
                          : views::StrokePlacement::of(stage_, target, *job_.sim, frame.t, frame.emphasis);
        views::paintStrokesAt(p, where, job_.annotations, now);
    }

    const Job& job_;
    views::StageRenderer stage_;
    views::StageRenderer otherStage_; // --compare's run: a renderer's caches are its run's
    views::LadderRenderer ladder_;
    views::StateDiagramRenderer states_;
};

// The charts dock's chart, alone (without its selector row), at the frame's moment: a Qt Charts widget,
// made, used and deleted on the GUI thread, one frame a queued call (callOnGuiThread).
class ChartsCanvas final : public Canvas {
  public:
    ChartsCanvas(const Job& job, Progress& progress) : job_(job), progress_(progress) {}
    ~ChartsCanvas() override {
        views::ChartsView* view = view_.release();
        if (view == nullptr) return;
        if (onGuiThread()) {
            delete view;
            return;
        }
        // Deleted where it lives, later; the run it reads stays until then (the lambda holds it).
        GuiMailbox::instance().post([view, run = job_.run] { delete view; });
    }
    QString paint(QPainter& p, const Frame& frame) override {
        const bool ran = callOnGuiThread(
            [&] {
                if (!view_) view_ = made();
                view_->setPlayhead(frame.t);
                view_->renderChart(p, QRectF(QPointF(0, 0), QSizeF(job_.size)));
            },
            progress_);
        return ran ? QString() : kCancelled;
    }

  private:
    std::unique_ptr<views::ChartsView> made() const {
        auto view = std::make_unique<views::ChartsView>();
        view->setTheme(job_.theme);
        view->setSimulation(job_.sim);
        view->setCurrentChart(job_.chart);
        // The chart is laid out at the frame's size (its axes and type keep their sizes, as in the dock):
        // the widget is the chart plus the selector row above it.
        view->setAttribute(Qt::WA_DontShowOnScreen);
        view->show();
        for (int pass = 0; pass < 2; ++pass) {
            const QSize chart = view->chartSize();
            view->resize(pass == 0 ? job_.size : job_.size + (view->size() - chart));
            if (view->layout()) view->layout()->activate();
        }
        return view;
    }

    const Job& job_;
    Progress& progress_;
    std::unique_ptr<views::ChartsView> view_; // GUI thread only
};

// The whole window at the frame's moment, painted by the window (ExportOptions::paintWindow) on the GUI
// thread.
class WindowCanvas final : public Canvas {
  public:
    WindowCanvas(const std::function<QString(QPainter&, Time)>& paintWindow, Progress& progress)
        : paintWindow_(paintWindow), progress_(progress) {}
    QString paint(QPainter& p, const Frame& frame) override {
        QString error;
        if (!callOnGuiThread([&] { error = paintWindow_(p, frame.t); }, progress_)) return kCancelled;
        return error;
    }

  private:
    const std::function<QString(QPainter&, Time)>& paintWindow_;
    Progress& progress_;
};

// QTemporaryDir and QTemporaryFile are private to their owner (0700, 0600): what is finished gets the
// permissions anything else the user makes would have (0777 or 0666 less the umask).
void makeOrdinary(const QString& path, bool folder) {
#ifdef Q_OS_UNIX
    // umask() can only be read by setting it: done once, the first time, not around every export.
    static const mode_t mask = [] {
        const mode_t m = ::umask(0);
        ::umask(m);
        return m;
    }();
    const mode_t mode = (folder ? 0777 : 0666) & ~mask;
    ::chmod(QFile::encodeName(path).constData(), mode);
#else
    Q_UNUSED(path);
    Q_UNUSED(folder);
#endif
}

QString cannotWrite(const QString& path, const QString& why) {
    return path + QStringLiteral(": cannot write: ") + why;
}

// ---- Writes that are checked, with the system's reason when they fail.
//
// Qt's file devices do not say reliably that a write failed. A write that the disk takes only part of
// (it fills up) returns the part, with no error; QSaveFile::commit() then renames the truncated file
// over the good one and returns true; and the error text, when there is one, may be "Unknown error"
// while errno says ENOSPC. So every file here is opened unbuffered (nothing waits in Qt's buffer for a
// flush whose failure nobody reads), every byte is written by writeAll() (a short write is tried again
// with the rest, which then fails with the reason), and the reason is the device's or else errno's.

// The system's words for why `file` could not be written: the device's text when it has one, else
// errno's as it was just after the failed call (`error`).
QString reasonOf(const QFileDevice& file, int error) {
    if (file.error() != QFileDevice::NoError) {
        const QString said = file.errorString();
        if (!said.isEmpty() && said != QLatin1String("Unknown error")) return said;
    }
    if (error != 0) return qt_error_string(error);
    return QStringLiteral("the write stopped short");
}

// All of data[0, size) to `file`, or the reason it could not be.
QString writeAll(QFileDevice& file, const char* data, qint64 size) {
    while (size > 0) {
        errno = 0;
        const qint64 n = file.write(data, size);
        const int error = errno;
        if (n <= 0) return reasonOf(file, error);
        data += n;
        size -= n;
    }
    return {};
}
QString writeAll(QFileDevice& file, const QByteArray& bytes) {
    return writeAll(file, bytes.constData(), bytes.size());
}

// A file that replaces PATH as a whole when committed, or not at all: a QSaveFile whose every write and
// whose commit are checked. Not committed, it is removed (QSaveFile's destructor).
class SafeFile {
  public:
    explicit SafeFile(const QString& path) : file_(path) {}
    // The reason it cannot be opened, or an empty string.
    QString open() {
        errno = 0;
        if (file_.open(QIODevice::WriteOnly | QIODevice::Unbuffered)) return {};
        return reasonOf(file_, errno);
    }
    QString write(const char* data, qint64 size) {
        if (!failure_.isEmpty()) return failure_;
        failure_ = writeAll(file_, data, size);
        return failure_;
    }
    QString write(const QByteArray& bytes) { return write(bytes.constData(), bytes.size()); }
    // Renames the written file to PATH (after an earlier failure: removes it and gives that reason).
    QString commit() {
        if (!failure_.isEmpty()) {
            file_.cancelWriting();
            return failure_;
        }
        errno = 0;
        if (file_.commit()) return {};
        return reasonOf(file_, errno);
    }
    void cancel() { file_.cancelWriting(); }

  private:
    QSaveFile file_;
    QString failure_;
};

// What a QPdfWriter writes into: its many small writes gathered into large ones to a SafeFile, each
// checked; the first failure is kept, and everything after it refused.
class CheckedSink final : public QIODevice {
  public:
    explicit CheckedSink(SafeFile& file) : file_(file) { open(QIODevice::WriteOnly); }
    ~CheckedSink() override { QIODevice::close(); }
    bool failed() const { return !failure_.isEmpty(); }
    const QString& failure() const { return failure_; }
    // Writes what is gathered; the reason it could not be, or an empty string.
    QString drain() {
        if (failure_.isEmpty() && !pending_.isEmpty()) failure_ = file_.write(pending_);
        pending_.clear();
        return failure_;
    }

  protected:
    qint64 readData(char*, qint64) override { return -1; }
    qint64 writeData(const char* data, qint64 size) override {
        if (failed()) return -1;
        pending_.append(data, size);
        if (pending_.size() >= kChunk && !drain().isEmpty()) return -1;
        return size;
    }

  private:
    static constexpr qsizetype kChunk = 1 << 20;
    SafeFile& file_;
    QByteArray pending_;
    QString failure_;
};

// A raster frame: size × scale pixels, painted in the frame's points; transparent or the theme's
// background underneath.
// The error (out of memory, a cancel, the window's), or an empty string.
QString outOfMemory(const Job& job);
QString paintImage(QImage& image, Canvas& canvas, const Job& job, const Frame& frame) {
    image = QImage(job.pixels(), QImage::Format_ARGB32_Premultiplied);
    if (image.isNull()) return outOfMemory(job);
    image.setDevicePixelRatio(job.scale);
    // 96 dpi per point of the layout (encodePng writes it): the frame's size on a slide is its layout's.
    const int dotsPerMetre = qRound(96.0 / 0.0254 * job.scale);
    image.setDotsPerMeterX(dotsPerMetre);
    image.setDotsPerMeterY(dotsPerMetre);
    image.fill(job.transparent ? QColor(Qt::transparent) : job.theme.background);
    QPainter p(&image);
    const QString error = canvas.paint(p, frame);
    p.end();
    return error;
}

QString outOfMemory(const Job& job) {
    return QStringLiteral("not enough memory for a %1x%2 frame")
        .arg(job.pixels().width())
        .arg(job.pixels().height());
}

// One frame as the bytes of a PNG or SVG file. Returns the error, or an empty string.
QString encodeFrame(QByteArray& bytes, Canvas& canvas, const Job& job, const Frame& frame) {
    if (job.format == Format::Svg) {
        QBuffer buffer(&bytes);
        buffer.open(QIODevice::WriteOnly);
        QSvgGenerator svg;
        svg.setOutputDevice(&buffer);
        svg.setSize(job.size);
        svg.setViewBox(QRect(QPoint(0, 0), job.size));
        svg.setTitle(frame.name);
        QPainter p;
        if (!p.begin(&svg)) return QStringLiteral("cannot start an SVG drawing");
        const QString error = canvas.paint(p, frame);
        p.end();
        return error;
    }
    QImage image;
    if (QString error = paintImage(image, canvas, job, frame); !error.isEmpty()) return error;
    // Opaque frames are written without alpha: the same pixels, smaller and faster to encode.
    bytes = encodePng(image, job.transparent);
    if (bytes.isEmpty()) return outOfMemory(job);
    return {};
}

// Frames produced in order of index, possibly on several threads, handed to `consume` on the calling
// thread in order. `produce` fills a frame's output or returns an error; the first error (or a
// cancel) stops the others. Output is what one frame becomes (encoded bytes, or an image for a video).
struct Output {
    QByteArray bytes;
    QImage image;
};
using Produce = std::function<QString(Canvas&, const Frame&, Output&)>;
using Consume = std::function<QString(std::size_t, Output&&)>;

// `produce` and `consume` as one call that turns running out of memory into a message: a frame of a
// large export is tens of megabytes, and a worker thread must not end the program.
template <class F> QString guarded(const Job& job, F&& f) {
    try {
        return f();
    } catch (const std::bad_alloc&) {
        return outOfMemory(job);
    }
}

QString runFrames(const Job& job, const std::vector<Canvas*>& canvases, const Produce& produce,
                  const Consume& consume, Progress& progress) {
    const std::size_t total = job.frames.size();
    if (canvases.size() == 1) { // a widget, or one thread: all on this one
        for (std::size_t i = 0; i < total; ++i) {
            if (progress.cancelled()) return kCancelled;
            Output out;
            if (QString e = guarded(job, [&] { return produce(*canvases.front(), job.frames[i], out); });
                !e.isEmpty())
                return e;
            if (QString e = guarded(job, [&] { return consume(i, std::move(out)); }); !e.isEmpty()) return e;
            progress.update(i + 1);
        }
        return {};
    }
    // Threads take the next index while it is fewer than `window` ahead of the one being consumed, so a
    // slow consumer (a video encoder) holds at most that many finished frames in memory: four a thread,
    // fewer when frames are large (raw video frames: 33 MB at 3840×2160), within about 512 MB.
    const auto frameBytes =
        static_cast<std::size_t>(job.pixels().width()) * static_cast<std::size_t>(job.pixels().height()) * 4;
    const std::size_t window =
        std::clamp<std::size_t>((std::size_t{512} << 20) / std::max<std::size_t>(frameBytes, 1),
                                canvases.size() + 1, 4 * canvases.size());
    std::vector<std::optional<Output>> ready(total);
    std::vector<QString> errors(total);
    std::mutex mutex;
    std::condition_variable produced, consumed;
    std::size_t next = 0, taken = 0;
    bool stop = false;

    const auto work = [&](Canvas* canvas) {
        for (;;) {
            std::size_t i;
            {
                std::unique_lock lock(mutex);
                consumed.wait(lock, [&] { return stop || next >= total || next < taken + window; });
                if (stop || next >= total) return;
                i = next++;
            }
            Output out;
            QString error = guarded(job, [&] { return produce(*canvas, job.frames[i], out); });
            {
                const std::lock_guard lock(mutex);
                errors[i] = std::move(error);
                ready[i] = std::move(out);
            }
            produced.notify_one();
        }
    };
    QString error;
    std::vector<std::jthread> threads;
    // However this function is left (an error, a cancel, an exception), the workers are told to stop
    // before they are joined: otherwise a worker waiting for room would be waited for forever.
    const auto stopWorkers = [&] {
        {
            const std::lock_guard lock(mutex);
            stop = true;
        }
        consumed.notify_all();
        threads.clear(); // joins
    };
    struct Finally {
        std::function<void()> f;
        ~Finally() { f(); }
    } finally{stopWorkers};
    threads.reserve(canvases.size());
    for (Canvas* c : canvases)
        threads.emplace_back(work, c);
    std::unique_lock lock(mutex);
    while (taken < total) {
        // Wake at least every 50 ms: the progress bar and a cancel are served from here, without the
        // lock (asking about a cancel runs the dialog's events, which may take a while).
        produced.wait_for(lock, std::chrono::milliseconds(50), [&] { return ready[taken].has_value(); });
        std::optional<Output> out;
        QString problem;
        std::size_t done = taken;
        if (ready[taken]) {
            out = std::move(ready[taken]);
            ready[taken].reset();
            problem = std::move(errors[taken]);
            done = ++taken;
        }
        lock.unlock();
        consumed.notify_all();
        if (out && problem.isEmpty())
            problem = guarded(job, [&] { return consume(done - 1, std::move(*out)); });
        progress.update(done);
        if (!problem.isEmpty()) {
            error = problem;
            break;
        }
        if (progress.cancelled()) {
            error = kCancelled;
            break;
        }
        lock.lock();
    }
    if (lock.owns_lock()) lock.unlock();
    return error;
}

// One PNG or SVG frame to a file, replaced as a whole or not at all.
QString writeSingle(const ExportOptions& o, const Job& job, Canvas& canvas) {
    if (QFileInfo(o.out).isDir()) return o.out + QStringLiteral(": is a folder; --at writes one file");
    QByteArray bytes;
    if (const QString error =
            guarded(job, [&] { return encodeFrame(bytes, canvas, job, job.frames.front()); });
        !error.isEmpty())
        return error == kCancelled || job.view == View::Window ? error : cannotWrite(o.out, error);
    SafeFile file(o.out);
    if (QString why = file.open(); !why.isEmpty()) return cannotWrite(o.out, why);
    file.write(bytes);
    if (QString why = file.commit(); !why.isEmpty()) return cannotWrite(o.out, why);
    return {};
}

// A PDF's title, which a reader's window and tab show: a lesson's own, else its file's name.
QString pdfTitle(const Job& job) {
    const Lesson* lesson = job.run->lesson();
    if (lesson && !lesson->title.empty()) return QString::fromStdString(lesson->title);
    return QFileInfo(job.run->path()).fileName();
}

// A PDF drawn by one painter, page after page, on this thread (a PDF is written in page order).
// `setUp` lays out the pages; `page` draws page i. Replaced as a whole or not at all: every write is
// checked (CheckedSink), the painter's end (the PDF's trailer) and the commit too, and the first
// failure stops the pages.
QString writePdfPages(const ExportOptions& o, const QString& title, const QPageLayout& layout, int resolution,
                      std::size_t pages,
                      const std::function<QString(QPainter&, QPdfWriter&, std::size_t)>& page,
                      Progress& progress) {
    if (QFileInfo(o.out).isDir()) return o.out + QStringLiteral(": is a folder; a PDF is one file");
    SafeFile file(o.out);
    if (QString why = file.open(); !why.isEmpty()) return cannotWrite(o.out, why);
    CheckedSink sink(file);
    const QString error = [&]() -> QString {
        QPdfWriter pdf(&sink);
        pdf.setCreator(QStringLiteral("Backlog"));
        pdf.setTitle(title);
        pdf.setResolution(resolution);
        pdf.setPageLayout(layout);
        QPainter p;
        if (!p.begin(&pdf))
            return cannotWrite(o.out, sink.failed() ? sink.failure() : QStringLiteral("cannot start a PDF"));
        for (std::size_t i = 0; i < pages; ++i) {
            if (progress.cancelled()) {
                p.end();
                return kCancelled;
            }
            if (sink.failed()) break; // the disk is full: no point drawing the rest
            if (i > 0 && !pdf.newPage()) {
                p.end();
                return cannotWrite(o.out,
                                   sink.failed() ? sink.failure() : QStringLiteral("cannot add a page"));
            }
            if (QString failed = page(p, pdf, i); !failed.isEmpty()) {
                p.end();
                return failed;
            }
            progress.update(i + 1);
        }
        const bool ended = p.end();
        if (!sink.drain().isEmpty()) return cannotWrite(o.out, sink.failure());
        if (!ended) return cannotWrite(o.out, QStringLiteral("cannot finish the PDF"));
        return {};
    }();
    if (!error.isEmpty()) {
        file.cancel();
        return error;
    }
    if (QString why = file.commit(); !why.isEmpty()) return cannotWrite(o.out, why);
    return {};
}

// Every frame as a page of its own size (72 dpi, so a point of the frame is a point of the page).
QString writePdf(const ExportOptions& o, const Job& job, Canvas& canvas, Progress& progress) {
    // ExactMatch: a size near a standard one must not be snapped to it (the aspect would change).
    const QPageLayout layout(QPageSize(QSizeF(job.size), QPageSize::Point, QString(), QPageSize::ExactMatch),
                             QPageLayout::Portrait, QMarginsF(0, 0, 0, 0));
    return writePdfPages(
        o, pdfTitle(job), layout, 72, job.frames.size(),
        [&](QPainter& p, QPdfWriter& pdf, std::size_t i) {
            p.save();
            p.scale(pdf.width() / static_cast<double>(job.size.width()),
                    pdf.height() / static_cast<double>(job.size.height()));
            const QString error = canvas.paint(p, job.frames[i]);
            p.restore();
            return error;
        },
        progress);
}

// The handout: an A4 page per lesson step with its title, its frame (vector) and its narration and
// question, for students to take away. A teacher's notes are not on it.
QString writeHandout(const ExportOptions& o, const Job& job, Canvas& canvas, Progress& progress) {
    const Lesson& lesson = *job.run->lesson();
    const QPageLayout layout(QPageSize(QPageSize::A4), QPageLayout::Portrait, QMarginsF(18, 16, 18, 16),
                             QPageLayout::Millimeter);
    const QString lessonTitle = QString::fromStdString(lesson.title).toHtmlEscaped();
    const std::size_t n = job.frames.size();
    return writePdfPages(
        o, pdfTitle(job), layout, 72,
        n, // 72 dpi: a unit is a point, and fonts in points come out at their size
        [&](QPainter& p, QPdfWriter& pdf, std::size_t i) {
            const Frame& frame = job.frames[i];
            const Step& step = lesson.steps[static_cast<std::size_t>(frame.step)];
            p.save();
            const double width = pdf.width(), height = pdf.height();

            QFont small(job.theme.sansFamily);
            small.setPointSizeF(8.5);
            p.setFont(small);
            p.setPen(QColor(0x55, 0x55, 0x55));
            p.drawText(QRectF(0, 0, width, 14), Qt::AlignLeft | Qt::AlignVCenter,
                       QString::fromStdString(lesson.title));
            p.drawText(QRectF(0, 0, width, 14), Qt::AlignRight | Qt::AlignVCenter,
                       QStringLiteral("Step %1 of %2 · t = %3")
                           .arg(frame.step + 1)
                           .arg(lesson.steps.size())
                           .arg(QString::fromStdString(formatDuration(frame.t))));

            // The frame, scaled to the page's width, keeping its aspect; framed by a hairline.
            const double frameHeight = std::min(height * 0.55, width * job.size.height() / job.size.width());
            const double frameWidth = frameHeight * job.size.width() / job.size.height();
            const QRectF box((width - frameWidth) / 2, 20, frameWidth, frameHeight);
            p.save();
            p.translate(box.topLeft());
            p.scale(frameWidth / job.size.width(), frameHeight / job.size.height());
            p.setClipRect(QRectF(QPointF(0, 0), QSizeF(job.size)));
            p.fillRect(QRectF(QPointF(0, 0), QSizeF(job.size)), job.theme.background);
            if (QString error = canvas.paint(p, frame); !error.isEmpty()) {
                p.restore();
                p.restore();
                return error;
            }
            p.restore();
            p.setPen(QPen(QColor(0xBB, 0xBB, 0xBB), 0.5));
            p.setBrush(Qt::NoBrush);
            p.drawRect(box);

            // The words: the step's title, its narration, its question (without the answer).
            QString html =
                QStringLiteral("<h2 style='margin-bottom:4pt'>%1</h2>")
                    .arg(QString::fromStdString(step.title.empty() ? markdownToPlain(step.say) : step.title)
                             .toHtmlEscaped());
            html += QString::fromStdString(markdownToHtml(step.say).html);
            if (step.question) {
                const Question& q = *step.question;
                html += QStringLiteral("<p style='margin-top:10pt'><b>Question.</b> %1</p>")
                            .arg(QString::fromStdString(markdownToHtml(q.ask).html));
                if (q.kind == Question::Kind::Choice) {
                    html += QStringLiteral("<ol type='a'>");
                    for (const std::string& c : q.choices)
                        html +=
                            QStringLiteral("<li>%1</li>").arg(QString::fromStdString(markdownToHtml(c).html));
                    html += QStringLiteral("</ol>");
                } else {
                    html += QStringLiteral("<p>Answer: ______ %1</p>")
                                .arg(QString::fromStdString(q.unit).toHtmlEscaped());
                }
            }
            QTextDocument text;
            text.documentLayout()->setPaintDevice(&pdf); // the page's metrics, not the screen's
            QFont body(job.theme.sansFamily);
            body.setPointSizeF(10.5);
            text.setDefaultFont(body);
            text.setDocumentMargin(0);
            text.setHtml(html);
            text.setTextWidth(width);
            p.save();
            p.translate(0, box.bottom() + 16);
            const QRectF clip(0, 0, width, height - box.bottom() - 16 - 18);
            text.drawContents(&p, clip);
            p.restore();

            p.setFont(small);
            p.setPen(QColor(0x77, 0x77, 0x77));
            p.drawText(QRectF(0, height - 12, width, 12), Qt::AlignRight | Qt::AlignVCenter,
                       QStringLiteral("%1 / %2").arg(i + 1).arg(n));
            p.drawText(QRectF(0, height - 12, width, 12), Qt::AlignLeft | Qt::AlignVCenter,
                       QStringLiteral("Backlog · %1").arg(lessonTitle));
            p.restore();
            return QString();
        },
        progress);
}

// PNG or SVG frames into a new folder: painted (in parallel when the canvas allows) into
// PATH.partial-XXXXXX, which becomes PATH only when every frame is written.
QString writeSequence(const ExportOptions& o, const Job& job, const std::vector<Canvas*>& canvases,
                      Progress& progress) {
    // Cleaned, so that "frames/" gets a sibling "frames.partial-…", not a folder inside itself.
    const QString target = QDir::cleanPath(QFileInfo(o.out).absoluteFilePath());
    const bool emptyFolderThere = QFileInfo(target).isDir();
    QTemporaryDir partial(target + QStringLiteral(".partial-XXXXXX"));
    if (!partial.isValid()) return cannotWrite(o.out, partial.errorString());
    const QDir folder(partial.path());

    const Produce produce = [&job](Canvas& canvas, const Frame& frame, Output& out) {
        return encodeFrame(out.bytes, canvas, job, frame);
    };
    const Consume consume = [&](std::size_t i, Output&& out) -> QString {
        const QString& name = job.frames[i].name;
        QFile file(folder.filePath(name));
        const auto failed = [&](const QString& why) {
            return cannotWrite(o.out, name + QStringLiteral(": ") + why);
        };
        errno = 0;
        if (!file.open(QIODevice::WriteOnly | QIODevice::Unbuffered)) return failed(reasonOf(file, errno));
        if (const QString why = writeAll(file, out.bytes); !why.isEmpty()) return failed(why);
        errno = 0;
        file.close();
        if (file.error() != QFileDevice::NoError) return failed(reasonOf(file, errno));
        return {};
    };
    if (QString error = runFrames(job, canvases, produce, consume, progress); !error.isEmpty())
        return error; // `partial` removes what was written

    // An empty folder at PATH gives way to the finished one (a rename cannot replace a folder).
    if (emptyFolderThere && !QDir().rmdir(target))
        return cannotWrite(o.out, QStringLiteral("cannot replace the empty folder"));
    std::error_code ec; // the system's reason when the rename fails (UTF-16 paths, as for a video)
    std::filesystem::rename(std::filesystem::path(partial.path().toStdU16String()),
                            std::filesystem::path(target.toStdU16String()), ec);
    if (ec) {
        if (emptyFolderThere) QDir().mkdir(target);
        return cannotWrite(
            o.out, QStringLiteral("cannot rename %1 to it: %2")
                       .arg(QDir::toNativeSeparators(partial.path()), QString::fromStdString(ec.message())));
    }
    partial.setAutoRemove(false);
    makeOrdinary(target, true);
    return {};
}

// ffmpeg's arguments for a video of raw BGRA frames on its standard input. The encoders are chosen for
// slides: H.264 (plays everywhere) and VP9 at constant quality, and a GIF with a palette per frame
// (a palette for the whole film would need every frame in memory first). `bitexact` keeps ffmpeg's
// version out of the file, so the same frames give the same bytes.
QStringList ffmpegArguments(const Job& job, int fps, const QString& out) {
    const QSize px = job.pixels();
    QStringList a = {QStringLiteral("-hide_banner"), QStringLiteral("-loglevel"),
                     QStringLiteral("error"),        QStringLiteral("-nostdin"),
                     QStringLiteral("-f"),           QStringLiteral("rawvideo"),
                     QStringLiteral("-pix_fmt"),     QStringLiteral("bgra"),
                     QStringLiteral("-s"),           QStringLiteral("%1x%2").arg(px.width()).arg(px.height()),
                     QStringLiteral("-framerate"),   QString::number(fps),
                     QStringLiteral("-i"),           QStringLiteral("pipe:0"),
                     QStringLiteral("-an"),          QStringLiteral("-map_metadata"),
                     QStringLiteral("-1"),           QStringLiteral("-fflags"),
                     QStringLiteral("+bitexact"),    QStringLiteral("-flags:v"),
                     QStringLiteral("+bitexact")};
    switch (job.format) {
    case Format::Gif:
        a << QStringLiteral("-vf")
          << QStringLiteral("split[a][b];[a]palettegen=stats_mode=single:reserve_transparent=0[p];[b][p]"
                            "paletteuse=new=1:dither=none")
          << QStringLiteral("-loop") << QStringLiteral("0") << QStringLiteral("-f") << QStringLiteral("gif");
        break;
    case Format::Mp4:
        a << QStringLiteral("-c:v") << QStringLiteral("libx264") << QStringLiteral("-preset")
          << QStringLiteral("medium") << QStringLiteral("-tune") << QStringLiteral("animation")
          << QStringLiteral("-crf") << QStringLiteral("18") << QStringLiteral("-pix_fmt")
          << QStringLiteral("yuv420p") << QStringLiteral("-movflags") << QStringLiteral("+faststart")
          << QStringLiteral("-f") << QStringLiteral("mp4");
        break;
    case Format::Webm:
        a << QStringLiteral("-c:v") << QStringLiteral("libvpx-vp9") << QStringLiteral("-crf")
          << QStringLiteral("30") << QStringLiteral("-b:v") << QStringLiteral("0")
          << QStringLiteral("-deadline") << QStringLiteral("good") << QStringLiteral("-cpu-used")
          << QStringLiteral("4") << QStringLiteral("-row-mt") << QStringLiteral("1")
          << QStringLiteral("-pix_fmt") << QStringLiteral("yuv420p") << QStringLiteral("-f")
          << QStringLiteral("webm");
        break;
    default:
        break;
    }
    a << QStringLiteral("-y") << out;
    return a;
}

QString ffmpegMissing(Format f) {
    return QStringLiteral(
               "--format %1 needs ffmpeg, which was not found on PATH; install the package ffmpeg "
               "(Debian, Ubuntu: sudo apt install ffmpeg) or export PNG frames and encode them yourself")
        .arg(suffixOf(f));
}

// A video: frames painted (in parallel when the canvas allows) and piped in order, as raw pixels, into
// ffmpeg, which writes a temporary sibling file; renamed to PATH when ffmpeg has finished well.
QString writeVideo(const ExportOptions& o, const Job& job, int fps, const std::vector<Canvas*>& canvases,
                   Progress& progress) {
    const QString ffmpeg = QStandardPaths::findExecutable(QStringLiteral("ffmpeg"));
    if (ffmpeg.isEmpty()) return ffmpegMissing(job.format);
    if (QFileInfo(o.out).isDir()) return o.out + QStringLiteral(": is a folder; a video is one file");
    const QString target = QFileInfo(o.out).absoluteFilePath();
    QTemporaryFile partial(target + QStringLiteral(".partial-XXXXXX"));
    errno = 0;
    if (!partial.open()) return cannotWrite(o.out, reasonOf(partial, errno));
    partial.close(); // ffmpeg writes it; the object removes it unless it is renamed

    // What ffmpeg says (at -loglevel error, only errors), gathered as it comes: the first 64 KB. Made
    // before the process, so that it outlives anything the process's destructor may still deliver.
    QByteArray said;
    QProcess encoder;
    encoder.setProgram(ffmpeg);
    encoder.setArguments(ffmpegArguments(job, fps, partial.fileName()));
    encoder.setProcessChannelMode(QProcess::SeparateChannels);
    const auto listen = [&] {
        const QByteArray more = encoder.readAllStandardError();
        if (said.size() < 65536) said += more.left(65536 - said.size());
    };
    QObject::connect(&encoder, &QProcess::readyReadStandardError, &encoder, listen);
    encoder.start(QIODevice::ReadWrite);
    if (!encoder.waitForStarted(10'000))
        return QStringLiteral("cannot start ffmpeg: ") + encoder.errorString();
    // A failed write of the film in what ffmpeg says. Some versions report one ("Error writing trailer of
    // F: No space left on device") and still exit with status 0, so its words are read, not only its status.
    static const QRegularExpression writeFailure(
        QStringLiteral(
            "error (writing|closing|opening)|write_frame|write_packet|no space left|quota|input/output error|"
            "file too large|read-only file system"),
        QRegularExpression::CaseInsensitiveOption);
    // One line of it: the one that says a write failed (it names the system's reason), else its last;
    // the temporary file's name in it is PATH's.
    const auto ffmpegSaid = [&] {
        listen();
        QStringList lines;
        for (const QString& line : QString::fromLocal8Bit(said).split(QLatin1Char('\n')))
            if (!line.trimmed().isEmpty()) lines << line.trimmed();
        QString line = lines.isEmpty() ? QString() : lines.back();
        for (const QString& l : lines)
            if (writeFailure.match(l).hasMatch()) {
                line = l;
                break;
            }
        if (line.isEmpty()) return QStringLiteral("ffmpeg stopped");
        line.replace(partial.fileName(), QDir::toNativeSeparators(o.out));
        line.replace(QDir::toNativeSeparators(partial.fileName()), QDir::toNativeSeparators(o.out));
        return QStringLiteral("ffmpeg: ") + line;
    };
    const auto stopEncoder = [&encoder] {
        encoder.kill();
        encoder.waitForFinished(10'000);
    };

    const Produce produce = [&job](Canvas& canvas, const Frame& frame, Output& out) -> QString {
        if (QString error = paintImage(out.image, canvas, job, frame); !error.isEmpty()) return error;
        out.image.convertTo(QImage::Format_RGB32); // B, G, R, 255 in memory: ffmpeg's bgra
        return {};
    };
    const Consume consume = [&](std::size_t, Output&& out) -> QString {
        const QImage& image = out.image;
        const auto rowBytes = static_cast<qsizetype>(image.width()) * 4;
        for (int y = 0; y < image.height(); ++y)
            encoder.write(reinterpret_cast<const char*>(image.constScanLine(y)), rowBytes);
        // Keep at most a few frames queued for ffmpeg: the pipe is the bottleneck for slow encoders.
        while (encoder.bytesToWrite() > 2 * rowBytes * image.height()) {
            if (encoder.state() != QProcess::Running) return cannotWrite(o.out, ffmpegSaid());
            encoder.waitForBytesWritten(50);
            if (progress.cancelled()) return kCancelled;
        }
        return {};
    };
    if (QString error = runFrames(job, canvases, produce, consume, progress); !error.isEmpty()) {
        stopEncoder();
        return error;
    }
    while (encoder.bytesToWrite() > 0 && encoder.state() == QProcess::Running) {
        encoder.waitForBytesWritten(100);
        if (progress.cancelled()) {
            stopEncoder();
            return kCancelled;
        }
    }
    encoder.closeWriteChannel();
    // ffmpeg finishes the file after its input ends (x264's lookahead, VP9's second pass): wait, still
    // answering a cancel.
    while (!encoder.waitForFinished(100)) {
        if (encoder.state() != QProcess::Running) break;
        if (progress.cancelled()) {
            stopEncoder();
            return kCancelled;
        }
    }
    listen();
    if (encoder.exitStatus() != QProcess::NormalExit || encoder.exitCode() != 0 ||
        writeFailure.match(QString::fromLocal8Bit(said)).hasMatch())
        return cannotWrite(o.out, ffmpegSaid());
    std::error_code ec;
    // Replaces PATH at once. UTF-16 paths: a narrow string would be read in the ANSI code page on Windows.
    std::filesystem::rename(std::filesystem::path(partial.fileName().toStdU16String()),
                            std::filesystem::path(target.toStdU16String()), ec);
    if (ec) return cannotWrite(o.out, QString::fromStdString(ec.message()));
    partial.setAutoRemove(false);
    makeOrdinary(target, false);
    return {};
}

// A lesson as a web page: its film encoded by writeVideo into a private folder beside PATH, a picture of
// each chapter's first frame, and the page made of them (LessonPage.h), which replaces PATH as a whole.
QString writePage(const ExportOptions& o, const Job& job, int fps, const std::vector<Canvas*>& canvases,
                  Progress& progress) {
    const QString target = QDir::cleanPath(QFileInfo(o.out).absoluteFilePath());
    if (QFileInfo(target).isDir()) return o.out + QStringLiteral(": is a folder; a page is one file");
    QTemporaryDir work(target + QStringLiteral(".partial-XXXXXX"));
    if (!work.isValid()) return cannotWrite(o.out, work.errorString());
    ExportOptions filmOptions = o;
    filmOptions.out = work.filePath(QStringLiteral("film.mp4"));
    if (QString error = writeVideo(filmOptions, job, fps, canvases, progress); !error.isEmpty())
        return error.replace(filmOptions.out, o.out); // the user named the page, not the folder
    QFile filmFile(filmOptions.out);
    if (!filmFile.open(QIODevice::ReadOnly))
        return cannotWrite(o.out, QStringLiteral("cannot read the film back: ") + filmFile.errorString());

    LessonPageContent content;
    content.lesson = job.run->lesson();
    content.film = &job.film;
    content.fps = fps;
    content.pixels = job.pixels();
    content.video = filmFile.readAll();
    // A renderer of this thread's own: the film's kept caches of text made on the painting threads, which
    // have ended (StageRenderer.h).
    RendererCanvas stills(job);
    for (const FilmChapter& chapter : job.film.chapters) {
        if (progress.cancelled()) return kCancelled;
        QImage image;
        if (QString error = paintImage(image, stills, job, job.frames[chapter.first]); !error.isEmpty())
            return error;
        content.stills.push_back(encodePng(image, false));
        if (content.stills.back().isEmpty()) return outOfMemory(job);
        // The picture the page shows in place of the film while the step's question is open, when it has
        // `reveal: after-answer`: the same frame without the numbers that would answer it.
        const Step& step = content.lesson->steps[static_cast<std::size_t>(chapter.step)];
        content.concealedStills.emplace_back();
        if (!step.question || !step.question->revealAfterAnswer) continue;
        Frame concealed = job.frames[chapter.first];
        concealed.concealed = true;
        if (QString error = paintImage(image, stills, job, concealed); !error.isEmpty()) return error;
        content.concealedStills.back() = encodePng(image, false);
        if (content.concealedStills.back().isEmpty()) return outOfMemory(job);
    }
    const QByteArray page = lessonPageHtml(content);
    if (page.isEmpty()) return QStringLiteral("the lesson page's template is missing from this program");
    SafeFile file(target);
    if (QString why = file.open(); !why.isEmpty()) return cannotWrite(o.out, why);
    file.write(page);
    if (QString why = file.commit(); !why.isEmpty()) return cannotWrite(o.out, why);
    makeOrdinary(target, false);
    return {};
}

// "frame-00001.png": numbered from 1, with enough digits that the names sort in order.
QString numbered(const QString& stem, std::size_t n, std::size_t total, int minDigits, Format f) {
    const int digits = std::max(minDigits, static_cast<int>(QString::number(total).size()));
    return QStringLiteral("%1-%2.%3").arg(stem).arg(n, digits, 10, QLatin1Char('0')).arg(suffixOf(f));
}

std::optional<views::ChartsView::Chart> chartNamed(const QString& key) {
    const QStringList keys = chartKeys();
    const auto charts = views::ChartsView::charts();
    const qsizetype i = keys.indexOf(key.toLower());
    if (i < 0 || i >= charts.size()) return std::nullopt;
    return charts[i];
}

// What the options come to once they are checked.
struct Plan {
    Format format = Format::Png;
    View view = View::Stage;
    views::ChartsView::Chart chart = views::ChartsView::Chart::Queues;
    bool handout = false;
    bool page = false; // a lesson as a web page: its film, an H.264 video inside the page
    bool video = false;
    bool steps = false;    // one frame per lesson step
    bool sequence = false; // a folder of numbered files
    int fps = ExportLimits::defaultFps;
    QSize size; // points: --size, or the window's own
};

QString tooManyFrames(const ExportOptions& o, int fps) {
    return QStringLiteral(
               "--from %1 --to %2 at %3 frames/s: more than %4 frames; export a shorter span, fewer frames "
               "per second or a faster --speed")
        .arg(duration(*o.from), duration(*o.to))
        .arg(fps)
        .arg(ExportLimits::maxFrames);
}

// The format, and which of --at, --from/--to and --steps with what: the error, or an empty string.
QString checkFormatAndMode(const ExportOptions& o, Plan& plan) {
    const QString extension = QFileInfo(o.out).suffix();
    std::optional<Format> format;
    if (!o.format.isEmpty()) {
        format = formatNamed(o.format);
        if (!format)
            return QStringLiteral("--format %1: unknown format; expected %2")
                .arg(o.format, exportFormats().join(QStringLiteral(", ")));
    } else if (!(format = formatNamed(extension)) || *format == Format::Handout) {
        if (o.at && !extension.isEmpty())
            return QStringLiteral("--out %1: cannot tell the format from .%2; name it .png, .svg or .pdf, or "
                                  "give --format")
                .arg(o.out, extension);
        format = Format::Png;
    }
    plan.format = *format;
    plan.handout = *format == Format::Handout;
    plan.page = *format == Format::Html;
    plan.video = isVideo(*format);
    // A handout is one page per step: --steps is what it means, so it need not be said.
    plan.steps = o.steps || (plan.handout && !o.at && !o.from && !o.to);
    const int modes = int(o.at.has_value()) + int(o.from.has_value() || o.to.has_value()) + int(plan.steps);
    // A page is the whole lesson as the class sees it: its span and frames are the lesson's.
    if (plan.page && modes != 0)
        return QStringLiteral("--format html is the whole lesson, played as in the window; it takes no --at, "
                              "--from, --to or --steps (--fps sets its frames per second)");
    if (plan.page) {
        plan.fps = o.fps.value_or(ExportLimits::pageFps);
        if (plan.fps < 1 || plan.fps > ExportLimits::maxFps)
            return QStringLiteral("--fps %1: expected 1 to %2 frames per second")
                .arg(plan.fps)
                .arg(ExportLimits::maxFps);
        return {};
    }
    if (modes != 1) return QStringLiteral("expected one of --at T, --from T --to T [--fps N], or --steps");
    if (plan.handout && !plan.steps)
        return QStringLiteral(
            "--format handout is one page per lesson step; it takes no --at, --from or --to");
    if (plan.video && !o.from && !o.to)
        return QStringLiteral("--format %1 is a film of a span: give --from T --to T [--fps N]")
            .arg(suffixOf(*format));
    if (o.from.has_value() != o.to.has_value())
        return o.from ? QStringLiteral("--from needs --to") : QStringLiteral("--to needs --from");
    if (o.fps && !o.from) return QStringLiteral("--fps goes with --from and --to");
    plan.fps = o.fps.value_or(ExportLimits::defaultFps);
    if (plan.fps < 1 || plan.fps > ExportLimits::maxFps)
        return QStringLiteral("--fps %1: expected 1 to %2 frames per second")
            .arg(plan.fps)
            .arg(ExportLimits::maxFps);
    // GIF delays are counted in hundredths of a second: faster than 50 frames a second players slow down.
    if (*format == Format::Gif && plan.fps > 50)
        return QStringLiteral("--fps %1: a GIF plays at most 50 frames per second").arg(plan.fps);
    plan.sequence = !o.at && isSequence(*format);
    return {};
}

// The frame's size and scale: the error, or an empty string.
QString checkSize(const ExportOptions& o, Plan& plan) {
    // A smaller picture is a smaller --size: the layout adapts to it, where scaling it down would not.
    if (!(o.scale >= 1 && o.scale <= 4))
        return QStringLiteral("--scale %1: expected 1 to 4 pixels per point (for a smaller picture, give a "
                              "smaller --size)")
            .arg(o.scale);
    if (o.scale != 1 && !isRaster(plan.format))
        return QStringLiteral(
                   "--scale is for PNG and video frames; %1 is drawn in vectors, sharp at any size")
            .arg(suffixOf(plan.format).toUpper());
    // The window is exported at its own size (Export.h): that is the size to check.
    const bool window = o.paintWindow && o.view.compare(QLatin1String("window"), Qt::CaseInsensitive) == 0;
    const QSize size = window ? o.windowSize : o.size;
    const QString sizeName =
        window ? QStringLiteral("the window's size %1x%2").arg(size.width()).arg(size.height())
               : QStringLiteral("--size %1x%2").arg(size.width()).arg(size.height());
    const auto side = [&o](int points) { return static_cast<std::int64_t>(std::llround(points * o.scale)); };
    if (size.width() < 1 || size.height() < 1 || side(size.width()) > ExportLimits::maxSide ||
        side(size.height()) > ExportLimits::maxSide)
        return QStringLiteral("%1%2: expected 1 to %3 pixels a side")
            .arg(sizeName)
            .arg(o.scale != 1 ? QStringLiteral(" at --scale %1").arg(o.scale) : QString())
            .arg(ExportLimits::maxSide);
    const QSize pixels(static_cast<int>(side(size.width())), static_cast<int>(side(size.height())));
    // H.264 and VP9 store colour at half resolution (4:2:0): both sides must be even.
    if ((plan.format == Format::Mp4 || plan.format == Format::Webm || plan.format == Format::Html) &&
        (pixels.width() % 2 || pixels.height() % 2))
        return QStringLiteral("%1: %2 needs an even number of pixels a side (%3x%4)%5")
            .arg(window ? sizeName : QStringLiteral("--size %1x%2").arg(pixels.width()).arg(pixels.height()))
            .arg(suffixOf(plan.format).toUpper())
            .arg(pixels.width())
            .arg(pixels.height())
            .arg(window ? QStringLiteral("; resize the window by a pixel") : QString());
    if (o.transparent && plan.format != Format::Png)
        return QStringLiteral("--transparent is for PNG; %1 has no transparent background")
            .arg(suffixOf(plan.format).toUpper());
    plan.size = size;
    return {};
}

// The film's clock and span: the error, or an empty string.
QString checkTimes(const ExportOptions& o, const Plan& plan) {
    using Factor = views::PlaybackClock::Factor;
    const auto below = [](Factor a, Factor b) {
        return static_cast<Wide>(a.num) * b.den < static_cast<Wide>(b.num) * a.den;
    };
    if (o.speed.num <= 0 || o.speed.den <= 0 || below(o.speed, ExportLimits::minSpeed) ||
        below(ExportLimits::maxSpeed, o.speed))
        return QStringLiteral("--speed %1: expected 1/1000000 to 1000 simulated seconds per second of film")
            .arg(views::PlaybackClock::factorText(o.speed).mid(1));
    if (plan.page && (o.paced || !(o.speed == Factor{1, 1})))
        return QStringLiteral("--format html plays at the lesson's own speeds, as the window does; it takes "
                              "no --speed or --paced");
    if ((o.paced || !(o.speed == Factor{1, 1})) && !o.from)
        return o.paced ? QStringLiteral("--paced goes with --from and --to")
                       : QStringLiteral("--speed goes with --from and --to");
    if (o.paced && !(o.speed == Factor{1, 1}))
        return QStringLiteral("--paced and --speed: a film is either paced or played at one speed");
    if (o.from) {
        if (*o.from < Time() || *o.from > *o.to)
            return QStringLiteral("--from %1 --to %2: expected 0s <= --from <= --to")
                .arg(duration(*o.from), duration(*o.to));
        // Linear: refused before the run is made when there would be too many frames (rangeMoments).
        if (!o.paced) {
            const Wide a = static_cast<Wide>(1'000'000'000) * o.speed.num,
                       b = static_cast<Wide>(plan.fps) * o.speed.den;
            const Wide count = ((static_cast<Wide>((*o.to - *o.from).count()) + 1) * b + a - 1) / a;
            if (count > ExportLimits::maxFrames) return tooManyFrames(o, plan.fps);
        }
    }
    if (o.at && *o.at < Time()) return QStringLiteral("--at %1: expected 0s or later").arg(duration(*o.at));
    return {};
}

// What is painted (view, chart, theme, clients) and where it goes: the error, or an empty string.
QString checkViewAndOut(const ExportOptions& o, Plan& plan) {
    const qsizetype viewIndex = exportViews().indexOf(o.view.toLower());
    if (viewIndex < 0)
        return QStringLiteral("--view %1: unknown view; expected %2")
            .arg(o.view, exportViews().join(QStringLiteral(", ")));
    plan.view = static_cast<View>(viewIndex);
    const bool widget = plan.view == View::Charts || plan.view == View::Window;
    if (plan.view == View::Charts && !qobject_cast<QApplication*>(QCoreApplication::instance()))
        return QStringLiteral("--view %1 needs a QApplication (it paints widgets)").arg(o.view);
    if (!o.chart.isEmpty() && plan.view != View::Charts)
        return QStringLiteral("--chart %1: a chart is chosen with --view charts").arg(o.chart);
    const std::optional<views::ChartsView::Chart> chart =
        chartNamed(o.chart.isEmpty() ? QStringLiteral("queues") : o.chart);
    if (!chart)
        return QStringLiteral("--chart %1: unknown chart; expected %2")
            .arg(o.chart, chartKeys().join(QStringLiteral(", ")));
    plan.chart = *chart;
    if (o.transparent && widget)
        return QStringLiteral(
                   "--transparent is for --view stage, ladder or states; the %1 paints its own background")
            .arg(o.view);
    if (!views::Theme::names().contains(o.theme, Qt::CaseInsensitive))
        return QStringLiteral("--theme %1: unknown theme; expected %2")
            .arg(o.theme, views::Theme::names().join(QStringLiteral(", ")));
    if (plan.view != View::Ladder && plan.view != View::States && !o.clients.empty())
        return QStringLiteral(
                   "--client %1: connections are drawn by --view ladder or states; the %2 shows every client")
            .arg(o.clients.front())
            .arg(o.view);
    if (plan.view == View::States && o.clients.size() > 1)
        return QStringLiteral("--client %1: the state diagram follows one connection").arg(o.clients[1]);
    // The window paints itself, and only a window can give the way to (ExportOptions::paintWindow): the
    // command line opens none, and a window of its own would be a window's default layout, not the one
    // the user sees (Export.h).
    if (plan.view == View::Window && !o.paintWindow)
        return QStringLiteral(
            "--view window is the application's window as it is on screen, which the command line "
            "does not open; export it from the window (File › Export…), or give --view stage, ladder, "
            "states or charts");
    if (!o.compare.isEmpty()) {
        if (plan.view != View::Stage)
            return QStringLiteral("--compare paints both runs' stages; it takes no --view %1").arg(o.view);
        if (plan.page)
            return QStringLiteral("--compare: a lesson page films one run; export the comparison as "
                                  "frames, a film, a PDF or a handout");
        if (o.run) return QStringLiteral("--compare runs the file again; it is not for the window's own run");
    }
    if (o.otherRun) {
        if (!o.compare.isEmpty() || !o.run)
            return QStringLiteral("the window's comparison is exported with the window's own run only");
        if (plan.view != View::Stage)
            return QStringLiteral("a comparison is exported as both runs' stages; this view shows one run");
        if (plan.page)
            return QStringLiteral("a lesson page films one run; export the comparison as frames, a film, "
                                  "a PDF or a handout");
    }
    if (plan.page && plan.view != View::Stage)
        return QStringLiteral("--format html is a lesson's film of the stage; it takes no --view %1")
            .arg(o.view);
    if ((plan.video || plan.page) && !ffmpegAvailable()) return ffmpegMissing(plan.format);

    if (const QFileInfo parent(
            QFileInfo(QDir::cleanPath(QFileInfo(o.out).absoluteFilePath())).absolutePath());
        !parent.isDir())
        return cannotWrite(
            o.out,
            QStringLiteral("the folder %1 does not exist").arg(QDir::toNativeSeparators(parent.filePath())));
    if (plan.sequence) {
        const QFileInfo info(o.out);
        if (info.exists() && !info.isDir())
            return o.out +
                   QStringLiteral(": exists and is not a folder; frames go into a new or empty folder");
        if (info.isDir() &&
            !QDir(o.out).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System))
            return o.out + QStringLiteral(": the folder is not empty; frames go into a new or empty folder");
    }
    return {};
}

// Every option that can be checked before the run is read: the error, or an empty string.
QString checkOptions(const ExportOptions& o, Plan& plan) {
    if (!qobject_cast<QGuiApplication*>(QCoreApplication::instance()))
        return QStringLiteral("export needs a QGuiApplication (painting text needs one)");
    if (o.out.isEmpty()) return QStringLiteral("expected --out PATH");
    if (QString refused = outIsTheInput(o.out, o.run ? o.run->path() : o.file); !refused.isEmpty())
        return refused;
    for (const auto check : {checkFormatAndMode, checkSize})
        if (QString error = check(o, plan); !error.isEmpty()) return error;
    if (QString error = checkTimes(o, plan); !error.isEmpty()) return error;
    return checkViewAndOut(o, plan);
}

// The lesson's steps, one frame each at its moment (--steps, a handout): the error, or an empty string.
QString stepFrames(const ExportOptions& o, const Plan& plan, Job& job) {
    const ExportRun& run = *job.run;
    const Lesson* lesson = run.lesson();
    const char* option = plan.handout ? "--format handout" : "--steps";
    if (!lesson)
        return run.path() + QStringLiteral(": %1 needs a lesson; this is a scenario, which has no steps")
                                .arg(QLatin1String(option));
    if (lesson->steps.empty())
        return run.path() + QStringLiteral(": %1: the lesson has no steps").arg(QLatin1String(option));
    const std::size_t n = lesson->steps.size();
    for (std::size_t i = 0; i < n; ++i) {
        const Step& step = lesson->steps[i];
        const Time t = run.stepTimes()[i];
        if (t.isNever())
            return QStringLiteral(
                       "%1:%2: step %3 never begins (its condition never holds), so it has no frame")
                .arg(run.path())
                .arg(step.place.line)
                .arg(i + 1);
        // A handout is what students take away: a question's page keeps the answer to itself as the
        // window does until it is answered. Frames for slides (--steps) show everything.
        const bool concealed = plan.handout && step.question && step.question->revealAfterAnswer;
        job.frames.push_back(
            {t, numbered(QStringLiteral("step"), i + 1, n, 2, plan.format),
             o.plain ? views::StageRenderer::Emphasis{} : views::StageRenderer::Emphasis::of(step),
             static_cast<int>(i), concealed});
    }
    return {};
}

// A lesson page's film, one frame per moment of the lesson played through (LessonPage.h), each with the
// highlights of its step: the error, or an empty string.
QString pageFrames(const ExportOptions& o, const Plan& plan, Job& job) {
    const ExportRun& run = *job.run;
    const Lesson* lesson = run.lesson();
    if (!lesson)
        return run.path() +
               QStringLiteral(": --format html needs a lesson; this is a scenario, which has no steps");
    if (lesson->steps.empty()) return run.path() + QStringLiteral(": --format html: the lesson has no steps");
    job.film = lessonFilm(*lesson, run.stepTimes(), job.sim->history(), plan.fps, ExportLimits::maxFrames);
    if (job.film.chapters.empty()) {
        const bool begins =
            std::any_of(run.stepTimes().begin(), run.stepTimes().end(), [](Time t) { return !t.isNever(); });
        if (!begins) return run.path() + QStringLiteral(": --format html: no step of the lesson ever begins");
        return QStringLiteral("%1: the lesson played through at %2 frames/s is more than %3 frames; give a "
                              "lower --fps")
            .arg(run.path())
            .arg(plan.fps)
            .arg(ExportLimits::maxFrames);
    }
    const std::size_t n = job.film.moments.size();
    for (std::size_t k = 0; k < n; ++k) {
        const Step& step = lesson->steps[static_cast<std::size_t>(job.film.steps[k])];
        job.frames.push_back(
            {job.film.moments[k],
             {},
             o.plain ? views::StageRenderer::Emphasis{} : views::StageRenderer::Emphasis::of(step),
             job.film.steps[k]});
    }
    job.format = Format::Mp4; // the film inside the page
    return {};
}

// The job for a checked plan on a run that is ready: its clients and its frames. The error, or an
// empty string.
QString planJob(const ExportOptions& o, const Plan& plan, Job& job) {
    const Simulation& sim = *job.sim;
    const Time end =
        job.otherSim ? std::max(sim.history().end, job.otherSim->history().end) : sim.history().end;
    job.format = plan.format;
    job.view = plan.view;
    job.chart = plan.chart;
    job.theme = views::Theme::byName(o.theme);
    job.size = plan.size;
    job.scale = o.scale;
    job.transparent = o.transparent;
    job.annotations = o.annotations;
    if (o.transparent) job.theme.background = Qt::transparent; // nothing under the drawing (paintImage)
    const std::size_t clientCount = sim.history().clients.size();
    for (const std::int64_t c : o.clients) {
        if (c < 0 || static_cast<std::size_t>(c) >= clientCount)
            return clientCount == 0 ? QStringLiteral("--client %1: the run has no clients").arg(c)
                                    : QStringLiteral("--client %1: the run has %2 clients (0 to %3)")
                                          .arg(c)
                                          .arg(clientCount)
                                          .arg(clientCount - 1);
        job.clients.push_back(static_cast<std::uint32_t>(c));
    }
    if ((plan.view == View::Ladder || plan.view == View::States) && job.clients.empty() && clientCount > 0)
        job.clients.push_back(0);

    const auto afterEnd = [&](const char* option, Time t) {
        return QStringLiteral("%1 %2: after the end of the run (%3)")
            .arg(QLatin1String(option), duration(t), duration(end));
    };
    // The emphasis the window's stage shows at t: the highlights and zoom of the lesson's step there.
    const Lesson* lessonShown = o.plain ? nullptr : job.run->lesson();
    const auto emphasisAt = [&](Time t) {
        if (!lessonShown || lessonShown->steps.empty()) return views::StageRenderer::Emphasis{};
        return views::StageRenderer::Emphasis::of(
            lessonShown->steps[static_cast<std::size_t>(views::stepAtMoment(job.run->stepTimes(), t))]);
    };
    if (plan.page) return pageFrames(o, plan, job);
    if (o.at) {
        if (*o.at > end) return afterEnd("--at", *o.at);
        job.frames.push_back({*o.at, {}, emphasisAt(*o.at)});
        return {};
    }
    if (!o.from) return stepFrames(o, plan, job);
    if (*o.to > end) return afterEnd("--to", *o.to);
    const std::vector<Time> moments =
        rangeMoments(*o.from, *o.to, plan.fps, o.speed, o.paced, sim.history(), ExportLimits::maxFrames + 1);
    if (moments.size() > ExportLimits::maxFrames) return tooManyFrames(o, plan.fps);
    const std::size_t n = moments.size();
    for (std::size_t k = 0; k < n; ++k)
        job.frames.push_back({moments[k], numbered(QStringLiteral("frame"), k + 1, n, 5, plan.format),
                              emphasisAt(moments[k])});
    return {};
}

// What the frames are painted from: a chart or the window (one canvas, painting on the GUI thread), or
// renderers (one per painting thread).
std::vector<std::unique_ptr<Canvas>> canvasesFor(const ExportOptions& o, const Plan& plan, const Job& job,
                                                 Progress& progress) {
    std::vector<std::unique_ptr<Canvas>> canvases;
    if (plan.view == View::Charts) {
        canvases.push_back(std::make_unique<ChartsCanvas>(job, progress));
    } else if (plan.view == View::Window) {
        canvases.push_back(std::make_unique<WindowCanvas>(o.paintWindow, progress));
    } else {
        // The stage and ladder paint in parallel: one renderer per thread, all reading the one history.
        const int ideal = std::max(1, QThread::idealThreadCount());
        const int wanted = o.threads > 0 ? std::min(o.threads, ideal) : ideal;
        const bool parallel = !o.at && (plan.sequence || plan.video || plan.page);
        const std::size_t count =
            parallel ? std::min<std::size_t>(static_cast<std::size_t>(wanted), job.frames.size()) : 1;
        for (std::size_t k = 0; k < std::max<std::size_t>(count, 1); ++k)
            canvases.push_back(std::make_unique<RendererCanvas>(job));
    }
    return canvases;
}

// The run to paint: the options' (a copy simulated now, when it is not yet), or the file read. Null with
// the errors.
std::shared_ptr<const ExportRun> runFor(const ExportOptions& o, QStringList& errors) {
    if (!o.run) return ExportRun::load(o.file, errors);
    if (QString error = o.run->prepare(); !error.isEmpty()) {
        errors << error;
        return nullptr;
    }
    return o.run;
}

// --compare's run: the file read again with the changes; a bad one is named as --compare.
std::shared_ptr<const ExportRun> comparedRun(const ExportOptions& o, QStringList& errors) {
    std::vector<std::string> sets;
    for (const QString& c : o.compare)
        sets.push_back(c.toStdString());
    QStringList said;
    std::shared_ptr<const ExportRun> run = ExportRun::load(o.file, said, sets);
    for (QString& line : said) {
        for (const QString& c : o.compare)
            line.replace(QStringLiteral("--set ") + c + QLatin1Char(':'),
                         QStringLiteral("--compare ") + c + QLatin1Char(':'));
        errors << line;
    }
    return run;
}

} // namespace

ExportResult exportFrames(const ExportOptions& o) {
    if (onGuiThread()) GuiMailbox::instance(); // made here, before this export's threads post to it
    ExportResult result;
    const auto fail = [&result](const QString& message) {
        result.errors << message;
        return result;
    };
    Plan plan;
    if (QString error = checkOptions(o, plan); !error.isEmpty()) return fail(error);
    Job job;
    job.run = runFor(o, result.errors);
    if (!job.run) return result;
    job.sim = &job.run->simulation();
    if (!o.compare.isEmpty()) {
        job.other = comparedRun(o, result.errors);
        if (!job.other) return result;
        job.otherSim = &job.other->simulation();
        job.titles = {QStringLiteral("as written"), o.compare.join(QStringLiteral(", "))};
    } else if (o.otherRun) {
        if (QString error = o.otherRun->prepare(); !error.isEmpty()) return fail(error);
        job.other = o.otherRun;
        job.otherSim = &job.other->simulation();
        job.titles = {o.title, o.otherTitle};
    }
    if (QString error = planJob(o, plan, job); !error.isEmpty()) return fail(error);
    views::loadBundledFonts(); // the same pixels on every machine (Fonts.h)

    Progress progress(o, job.frames.size());
    const std::vector<std::unique_ptr<Canvas>> owned = canvasesFor(o, plan, job, progress);
    std::vector<Canvas*> canvases;
    for (const auto& c : owned)
        canvases.push_back(c.get());
    QString error;
    if (plan.handout)
        error = writeHandout(o, job, *canvases.front(), progress);
    else if (plan.page)
        error = writePage(o, job, plan.fps, canvases, progress);
    else if (plan.format == Format::Pdf)
        error = writePdf(o, job, *canvases.front(), progress);
    else if (plan.video)
        error = writeVideo(o, job, plan.fps, canvases, progress);
    else if (plan.sequence)
        error = writeSequence(o, job, canvases, progress);
    else
        error = writeSingle(o, job, *canvases.front());
    // Ctrl+C reaches ffmpeg too, which may stop first: the cause is still the cancel, not ffmpeg.
    if (!error.isEmpty() && error != kCancelled && progress.cancelled()) error = kCancelled;
    if (!error.isEmpty()) {
        result.cancelled = progress.wasCancelled() || error == kCancelled;
        return fail(error);
    }
    result.frames = static_cast<int>(job.frames.size());
    result.seconds = progress.seconds();
    if (!o.at) progress.finish(o.out);
    return result;
}

} // namespace backlog::app

namespace backlog::app {

std::vector<Time> rangeMoments(Time from, Time to, int fps, views::PlaybackClock::Factor speed, bool paced,
                               const History& history, std::size_t limit) {
    std::vector<Time> moments;
    if (fps < 1 || from > to || limit == 0) return moments;
    if (!paced) {
        // floor(k × 1e9 × num / (fps × den)) ns after `from`; 128 bits, as k × 1e9 × num can pass 2^63.
        const Wide a = static_cast<Wide>(1'000'000'000) * speed.num, b = static_cast<Wide>(fps) * speed.den;
        const std::int64_t span = (to - from).count();
        for (std::size_t k = 0; moments.size() < limit; ++k) {
            const Wide dt = static_cast<Wide>(k) * a / b;
            if (dt > span) break;
            moments.push_back(from + Time::ns(static_cast<std::int64_t>(dt)));
        }
        return moments;
    }
    views::PlaybackClock clock; // paced at tempo 1: the window's default for a lesson
    Time t = from;
    moments.push_back(t);
    for (std::int64_t k = 1; t < to && moments.size() < limit; ++k) {
        // The wall time between frames k-1 and k, whole nanoseconds that add up to exactly k/fps.
        const std::int64_t wall = k * 1'000'000'000 / fps - (k - 1) * 1'000'000'000 / fps;
        t = std::min(clock.advance(t, wall, history), to);
        moments.push_back(t);
    }
    return moments;
}

std::optional<views::PlaybackClock::Factor> parseSpeed(const QString& text) {
    static const QRegularExpression fraction(QStringLiteral("^\\s*(\\d{1,9})\\s*/\\s*(\\d{1,9})\\s*$"));
    static const QRegularExpression decimal(QStringLiteral("^\\s*(\\d{1,9})(?:\\.(\\d{1,6}))?\\s*$"));
    if (const QRegularExpressionMatch m = fraction.match(text); m.hasMatch()) {
        const std::int64_t num = m.captured(1).toLongLong(), den = m.captured(2).toLongLong();
        if (den == 0) return std::nullopt;
        return views::PlaybackClock::Factor{num, den};
    }
    if (const QRegularExpressionMatch m = decimal.match(text); m.hasMatch()) {
        const QString digits = m.captured(2);
        std::int64_t den = 1;
        for (qsizetype i = 0; i < digits.size(); ++i)
            den *= 10;
        return views::PlaybackClock::Factor{
            m.captured(1).toLongLong() * den + (digits.isEmpty() ? 0 : digits.toLongLong()), den};
    }
    return std::nullopt;
}

QString outIsTheInput(const QString& out, const QString& input) {
    if (out.isEmpty() || input.isEmpty()) return {};
    // UTF-16 paths, as for the video's rename: a narrow string would be read in the ANSI code page on
    // Windows.
    std::error_code ec;
    if (!std::filesystem::equivalent(std::filesystem::path(out.toStdU16String()),
                                     std::filesystem::path(input.toStdU16String()), ec) ||
        ec)
        return {};
    const bool sameSpelling = QDir::cleanPath(QFileInfo(out).absoluteFilePath()) ==
                              QDir::cleanPath(QFileInfo(input).absoluteFilePath());
    return QStringLiteral("--out %1: that is the file being exported%2; choose another path")
        .arg(QDir::toNativeSeparators(out),
             sameSpelling ? QString() : QStringLiteral(" (%1)").arg(QDir::toNativeSeparators(input)));
}

bool writesPage(const ExportOptions& o) {
    const std::optional<Format> f = formatNamed(o.format.isEmpty() ? QFileInfo(o.out).suffix() : o.format);
    return f == Format::Html;
}

QStringList exportFormats() {
    QStringList names;
    for (const auto& [text, format] : kFormatNames)
        names << QLatin1String(text);
    return names;
}

QStringList exportViews() {
    return {QStringLiteral("stage"), QStringLiteral("ladder"), QStringLiteral("states"),
            QStringLiteral("charts"), QStringLiteral("window")};
}

QStringList chartKeys() {
    return {QStringLiteral("queues"),  QStringLiteral("drops"), QStringLiteral("accepts"),
            QStringLiteral("workers"), QStringLiteral("sar"),   QStringLiteral("latency")};
}

bool needsFfmpeg(const QString& format) {
    const std::optional<Format> f = formatNamed(format);
    return f && (isVideo(*f) || *f == Format::Html); // a lesson page holds a film
}

bool ffmpegAvailable() {
    return !QStandardPaths::findExecutable(QStringLiteral("ffmpeg")).isEmpty();
}

bool writesFolder(const QString& format, bool oneFrame) {
    const std::optional<Format> f = formatNamed(format);
    return !oneFrame && f && isSequence(*f);
}

// ---- the run

ExportRun::~ExportRun() = default;

std::shared_ptr<const ExportRun> ExportRun::load(const QString& file, QStringList& errors,
                                                 const std::vector<std::string>& sets) {
    // The one guarded way in, as the window's (a FIFO or a device refused unread, UTF-16 decoded, a
    // screenful of errors).
    const FileReadResult read = readLessonOrScenarioFile(file.toStdString(), sets);
    if (!read.errors.empty()) {
        for (const std::string& line : read.errorLines())
            errors << QString::fromStdString(line);
        return nullptr;
    }
    std::shared_ptr<ExportRun> run(new ExportRun);
    run->path_ = file;
    if (read.lesson) {
        LessonRun lesson(*read.lesson);
        run->stepTimes_ = lesson.stepTimes();
        run->lesson_ = lesson.lesson();
        run->sim_ = lesson.takeSimulation();
    } else {
        run->sim_ = std::make_unique<Simulation>(*read.scenario);
        run->sim_->run();
    }
    std::call_once(run->simulated_, [] {}); // made whole: prepare() has nothing to do
    return run;
}

std::shared_ptr<const ExportRun> ExportRun::copyOf(const views::SimulationDocument& document) {
    if (!document.isLoaded()) return nullptr;
    const Simulation& sim = document.simulation();
    std::shared_ptr<ExportRun> run(new ExportRun);
    run->path_ = document.path();
    if (const Lesson* lesson = document.lesson()) run->lesson_ = *lesson;
    run->stepTimes_ = document.stepTimes();
    run->expected_ = Expected{sim.scenario(), sim.eventLimit(), sim.eventsProcessed(), sim.history().end,
                              sim.stopped().has_value()};
    return run;
}

std::shared_ptr<const ExportRun> ExportRun::copyOfComparison(const views::SimulationDocument& document) {
    const Simulation* other = document.isLoaded() ? document.comparison() : nullptr;
    if (!other || other->source().measured) return nullptr;
    std::shared_ptr<ExportRun> run(new ExportRun);
    run->path_ = document.path();
    run->expected_ = Expected{other->scenario(), other->eventLimit(), other->eventsProcessed(),
                              other->history().end, other->stopped().has_value()};
    return run;
}

QString ExportRun::prepare() const {
    std::call_once(simulated_, [this] {
        const Expected& e = *expected_;
        auto sim = std::make_unique<Simulation>(e.scenario);
        sim->setEventLimit(e.eventLimit);
        sim->run();
        // A run is repeatable (DESIGN.md point 1); only the budget of work, renewed in the window at
        // each change, can end a copy elsewhere. Then the copy is not what the window shows: say so.
        if (sim->eventsProcessed() != e.events || sim->history().end != e.end ||
            sim->stopped().has_value() != e.stopped) {
            error_ =
                QStringLiteral(
                    "the window's run could not be repeated for the export (%1); save the changes in the "
                    "lesson file and export that")
                    .arg(sim->stopped() ? QString::fromStdString(*sim->stopped())
                                        : QStringLiteral("it ended at %1, the window's at %2")
                                              .arg(duration(sim->history().end), duration(e.end)));
            return;
        }
        sim_ = std::move(sim);
    });
    return error_;
}

// ---- the job on a thread of its own

ExportJob::ExportJob(ExportOptions options, QObject* parent) : QObject(parent), options_(std::move(options)) {
}

ExportJob::~ExportJob() {
    cancel();
    if (thread_.joinable()) thread_.join();
}

void ExportJob::start() {
    if (running_) return;
    running_ = true;
    cancelled_ = false;
    if (thread_.joinable()) thread_.join(); // the last run's, already over
    views::loadBundledFonts();              // here, once, before any thread paints text
    GuiMailbox::instance();                 // made on this, the GUI thread, before the job's threads use it
    ExportOptions o = options_;
    // Reported on the job's thread, heard on this one: a queued deliver(), dropped once the job is gone.
    o.advanced = [this](int done, int total) {
        {
            const std::lock_guard lock(mailboxMutex_);
            progress_ = std::pair(done, total);
        }
        QMetaObject::invokeMethod(this, "deliver", Qt::QueuedConnection);
    };
    o.cancelled = [this] { return cancelled_.load(); };
    thread_ = std::thread([this, o = std::move(o)] {
        ExportResult result = exportFrames(o);
        {
            const std::lock_guard lock(mailboxMutex_);
            result_ = std::move(result);
        }
        QMetaObject::invokeMethod(this, "deliver", Qt::QueuedConnection);
    });
}

void ExportJob::deliver() {
    std::optional<std::pair<int, int>> progress;
    std::optional<ExportResult> result;
    {
        const std::lock_guard lock(mailboxMutex_);
        progress = std::exchange(progress_, std::nullopt);
        result = std::exchange(result_, std::nullopt);
    }
    if (progress) emit advanced(progress->first, progress->second);
    if (!result) return;
    if (thread_.joinable()) thread_.join(); // it has returned from exportFrames: at once
    running_ = false;
    emit finished(*result);
}

} // namespace backlog::app
