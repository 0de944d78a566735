// `backlog export` and the window's export dialog: frames of a scenario or lesson as PNG, SVG or PDF,
// a video (GIF, MP4, WebM through ffmpeg), or a PDF handout with one page per lesson step, painted by the
// same renderers as the window (DESIGN.md point 5), so an exported frame is exactly what the class saw.
//
// One function does the work for the command line, the dialog and the tests: exportFrames() takes the
// options as values (times, sizes) and returns what went wrong as messages. Checking the options is its
// job too, so every caller refuses the same bad input with the same words. It opens no window, runs no
// event loop and changes no process-wide setting: it paints (history, t) from an ExportRun it shares.
//
// Frames are independent, so PNG and SVG frames are painted in parallel, one renderer per thread (the
// renderers keep caches: StageRenderer.h). A PDF is one file drawn page after page, so it is painted on
// the calling thread. Output never appears half-written: a single file goes through QSaveFile, and a
// sequence is written into a temporary sibling folder (PATH.partial-XXXXXX) that is renamed to PATH
// once every frame is on disk. A video is encoded into a temporary sibling file that is renamed at the
// end. Cancelling (ExportOptions::cancelled) leaves nothing behind either.
//
// The charts are Qt Charts widgets, which live on the GUI thread: called from another thread, the export
// hands each chart frame to the GUI thread as a queued call and waits for it, so the window goes on
// answering between two frames. The whole window is painted by the window itself, through
// ExportOptions::paintWindow (the dialog's), in the same way; the command line has no window to paint.
//
// ExportJob runs an export on a thread of its own, for the dialog: the window answers while it runs.
#pragma once

#include "model/core/Time.h"
#include "model/lesson/Lesson.h"
#include "model/scenario/Scenario.h"
#include "views/document/PlaybackClock.h"
#include "views/render/Annotations.h"

#include <QObject>
#include <QSize>
#include <QString>
#include <QStringList>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

class QPainter;

namespace backlog {
class History;
class Simulation;
} // namespace backlog

namespace backlog::views {
class SimulationDocument;
}

namespace backlog::app {

// The run an export paints: a simulated run with its lesson, shared (std::shared_ptr) by every export
// and painting thread that reads it and changed by none, so it lives as long as the last of them
// whatever the window does meanwhile (a change at the playhead, another file opened).
class ExportRun {
  public:
    // Reads and simulates a scenario or lesson file (a lesson: its steps placed on the run and their
    // changes applied, as in the window). Null, with the file's errors (FILE:LINE:COL: …), when it cannot.
    // `sets` are changes to its settings, as `--set KEY=VALUE` gives them.
    static std::shared_ptr<const ExportRun> load(const QString& file, QStringList& errors,
                                                 const std::vector<std::string>& sets = {});
    // The window's run as it is now, with the changes made there. The document's run is the window's and
    // changes under the user's hand, so the export gets a run of its own: the document's scenario with
    // every change made so far, simulated again by prepare() on the export's thread (a change at t gives
    // the run that the scenario with the change from the start gives: tst_properties,
    // changeAt_matchesFreshRunWithEvent). Cheap: nothing is simulated here. Null when nothing is loaded.
    static std::shared_ptr<const ExportRun> copyOf(const views::SimulationDocument& document);
    // The other run the window compares with (issue 16's "what if"), copied the same way. Null when there
    // is none, or when it is a run measured on this machine's kernel (issue 14), which cannot be simulated
    // again: the export then paints the document's run alone.
    static std::shared_ptr<const ExportRun> copyOfComparison(const views::SimulationDocument& document);

    ExportRun(const ExportRun&) = delete;
    ExportRun& operator=(const ExportRun&) = delete;
    ~ExportRun();

    // Simulates a copy, once (other threads asking meanwhile wait for it and share it). The error when
    // the copy is not the window's run (it would reach a limit of the work a run may do elsewhere).
    QString prepare() const;
    // After prepare() has returned no error.
    const Simulation& simulation() const { return *sim_; }
    const Lesson* lesson() const { return lesson_ ? &*lesson_ : nullptr; }
    const std::vector<Time>& stepTimes() const { return stepTimes_; }
    const QString& path() const { return path_; }

  private:
    ExportRun() = default;
    // What a copy must come to, to be the window's run.
    struct Expected {
        Scenario scenario;
        std::uint64_t eventLimit = 0;
        std::uint64_t events = 0;
        Time end;
        bool stopped = false;
    };
    std::optional<Lesson> lesson_;
    std::vector<Time> stepTimes_;
    QString path_;
    std::optional<Expected> expected_; // a copy, until simulated
    mutable std::once_flag simulated_;
    mutable std::unique_ptr<Simulation> sim_;
    mutable QString error_;
};

struct ExportOptions {
    QString file; // a scenario or a lesson (lessons run with their steps' changes, as in the window)
    // Or a run already made (the window's: ExportRun::copyOf): then `file` is not read.
    std::shared_ptr<const ExportRun> run;
    // KEY=VALUE changes (issue 16): `file` is run a second time with them, and each frame shows both runs'
    // stages on one clock, side by side or one above the other (ComparedStages.h), titled "as written"
    // and with the changes. The stage only; not with `run`.
    QStringList compare;
    // Or the window's comparison (with `run`): the other run as the window shows it (copyOfComparison),
    // painted beside `run` as --compare paints it, under these titles. The stage only.
    std::shared_ptr<const ExportRun> otherRun;
    QString title, otherTitle;
    QString out; // a file for one frame, a PDF, a handout or a video; a folder for a PNG or SVG sequence

    // Exactly one of: `at` (one frame); `from` and `to` with `fps` (a film of from..to at `fps`
    // frames per second of film, played at `speed` or paced: rangeMoments()); `steps` (a lesson: one
    // frame per step at its moment, with the step's highlight and zoom).
    std::optional<Time> at;
    std::optional<Time> from;
    std::optional<Time> to;
    std::optional<int> fps; // unset: 30
    // Simulated seconds per second of film, from 1/1,000,000 to 1,000: ×1/1000 shows a 10 ms
    // handshake in 10 s. Or `paced`: the window's paced clock, every packet's flight at least 0.8 s
    // and every quiet gap at most 0.6 s (PlaybackClock.h), as a class sees a lesson.
    views::PlaybackClock::Factor speed{1, 1};
    bool paced = false;
    bool steps = false;
    // A lesson's stage shows each moment's step as the window does: its highlights and zoom. `plain`
    // leaves them out (the stage alone, for a slide that makes its own point).
    bool plain = false;
    // The lecturer's strokes (issue 16, Annotations.h), painted over every stage frame as the window
    // shows them once their fade is over: a lesson step's strokes on the frames of that step, a plain
    // run's near their moment. The command line reads them from --annotations or FILE.annotations.json;
    // the dialog takes the window's when "Include annotations" is ticked.
    std::vector<views::Stroke> annotations;

    QSize size{1920, 1080}; // in points: the layout; a PNG or video frame has size × scale pixels
    double scale = 1; // pixels per point (PNG, video): 2 gives a sharp 3840×2160 frame of a 1920×1080 layout
    bool transparent = false; // PNG only: no background, for slides with their own
    // "png", "svg", "pdf", "gif", "mp4", "webm", "handout" (a PDF: one page per lesson step with its
    // narration) or "html" (a lesson as one self-contained web page: LessonPage.h); empty: from the
    // extension of `out` (.gif, .mp4, .webm, .html too), else png.
    QString format;
    QString view = QStringLiteral("stage");  // "stage", "ladder", "states" (TCP states), "charts" or "window"
    QString chart;                           // --view charts: a chart's key (chartKeys()); empty: queues
    QString theme = QStringLiteral("light"); // a Theme::names() entry
    std::vector<std::int64_t> clients; // the ladder's connections, the state diagram's one; empty: client 0
    // --view window: the window paints itself at a moment into the painter, at `windowSize` points (the
    // frame's size), on the GUI thread; an error (it was closed, its run changed) stops the export. The
    // window owns it (the dialog); without it --view window is refused: the command line has no window.
    std::function<QString(QPainter&, Time)> paintWindow;
    QSize windowSize;

    int threads = 0; // painting threads, at most QThread::idealThreadCount(); 0: that many
    // Lines of progress for a sequence (at most one a second, then a summary), on the calling thread.
    std::function<void(const QString&)> progress;
    // After frames are done (done of total), on the calling thread, at most every 50 ms and at the end:
    // for a progress bar.
    std::function<void(int done, int total)> advanced;
    // Asked on the calling thread at least every 100 ms, also while it waits for the GUI thread to paint
    // a chart or the window; true stops the export, which then leaves nothing behind and reports
    // ExportResult::cancelled.
    std::function<bool()> cancelled;
};

struct ExportResult {
    QStringList errors;     // empty on success; each one line (a file's errors: FILE:LINE:COL: …)
    int frames = 0;         // frames written
    double seconds = 0;     // wall time spent painting and writing them
    bool cancelled = false; // stopped by ExportOptions::cancelled (errors then says so too)
    bool ok() const { return errors.isEmpty(); }
};

// Limits on what one export may ask for: beyond them the options are refused, naming the limit.
struct ExportLimits {
    static constexpr int maxSide = 8192; // pixels, either side of a frame
    static constexpr int maxFps = 240;
    static constexpr int maxFrames = 100'000; // in one sequence
    static constexpr int defaultFps = 30;
    static constexpr int pageFps = 20; // a lesson page's film: smooth enough, and half the bytes of 40

    static constexpr views::PlaybackClock::Factor minSpeed{1, 1'000'000};
    static constexpr views::PlaybackClock::Factor maxSpeed{1'000, 1};
};

// The moments of a range's frames, frame k shown k/fps seconds into the film. Linear: from + k × speed
// / fps, in whole nanoseconds (every machine picks the same moments), while at or before `to`. Paced:
// where the window's paced clock has got to after k/fps seconds of playback from `from`, then `to`
// itself, so the film ends on it. At most `limit` moments (the caller sees that it hit the limit).
std::vector<Time> rangeMoments(Time from, Time to, int fps, views::PlaybackClock::Factor speed, bool paced,
                               const History& history, std::size_t limit);
// "1/1000", "0.001", "2": a speed as the command line takes it; nullopt when it is not one.
std::optional<views::PlaybackClock::Factor> parseSpeed(const QString& text);

// Needs a QGuiApplication (text is painted), a QApplication for --view charts; loads the bundled fonts
// itself. May be called on any thread; --view charts and window then need the GUI thread's event loop
// to be running (their frames are painted there, one queued call each).
//
// A write that fails (a full disk, a quota, an I/O error) is an error that names the system's reason
// ("PATH: cannot write: No space left on device"): every write, the PDF's end, every commit and ffmpeg's
// exit status and words are checked, and what was at PATH before is left as it was.
ExportResult exportFrames(const ExportOptions& options);

// The refusal of an `out` that is the file being exported (`input`), by the same or another spelling,
// a symbolic link or a hard link: writing there would replace the lesson with its picture. Empty when
// they are different files (or either does not exist).
QString outIsTheInput(const QString& out, const QString& input);

// Whether the options ask for a lesson page (--format html, or an --out ending .html without a --format).
bool writesPage(const ExportOptions& options);
// A lesson page's film is laid out at this size unless one is given: text on the stage stays readable
// when a phone shrinks the film, and a projector enlarges it without blur that matters.
inline constexpr QSize kPageFilmSize{1280, 720};

// What the options accept, for help texts and the dialog's choices.
QStringList exportFormats(); // png, svg, pdf, gif, mp4, webm, handout, html
QStringList exportViews();   // stage, ladder, states, charts, window
QStringList chartKeys();     // queues, drops, accepts, workers, sar, latency
// Whether a format needs ffmpeg, and whether ffmpeg is there (found on PATH).
bool needsFfmpeg(const QString& format);
bool ffmpegAvailable();
// What an export of `format` and `view` writes: true for a folder of numbered frames (a PNG or SVG range
// or steps), false for a single file.
bool writesFolder(const QString& format, bool oneFrame);

// An export on a thread of its own (exportFrames()), for the window: the GUI thread goes on with its
// events, and hears of the export through signals. Cancelling is heard between frames; destroying the
// job cancels it and waits for its thread (never for the GUI thread: a frame queued for the GUI thread
// and not yet painted is dropped by a cancel). The options' `advanced` and `cancelled` are the job's.
class ExportJob final : public QObject {
    Q_OBJECT
  public:
    explicit ExportJob(ExportOptions options, QObject* parent = nullptr);
    ~ExportJob() override;
    ExportJob(const ExportJob&) = delete;
    ExportJob& operator=(const ExportJob&) = delete;

    void start();
    void cancel() { cancelled_ = true; }
    bool isRunning() const { return running_; }
    const ExportOptions& options() const { return options_; }

  signals:
    void advanced(int done, int total);
    void finished(const backlog::app::ExportResult& result); // the thread has ended

  private:
    // On this object's thread: emits what the job's thread left in the mailbox (the latest progress, then
    // the result). Invoked by name, queued: the call carries nothing, so everything crosses the threads
    // under mailboxMutex_ (a std::mutex that ThreadSanitizer sees, unlike the uninstrumented Qt event
    // queue a functor's captures would travel through).
    Q_INVOKABLE void deliver();

    ExportOptions options_;
    std::thread thread_;
    std::atomic<bool> cancelled_{false};
    bool running_ = false;
    std::mutex mailboxMutex_;
    std::optional<std::pair<int, int>> progress_; // (done, total), not yet emitted
    std::optional<ExportResult> result_;          // the job's, not yet emitted
};

} // namespace backlog::app
