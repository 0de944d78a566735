// Every label fits its box (issue 11): every step of every shipped lesson — and a run of moments of every
// shipped scenario — is painted by the stage, the ladder and the TCP state diagram in each theme and at
// the sizes a class sees them: the window and its exports (1280×720 to 3840×2160), the stage's share of
// the window beside the lesson and the docks, and the docks the ladder and the state diagram sit in. The
// renderers report every label that does not fit its box (Fonts.h drawLabel → LabelOverflow); the test
// fails on any that was cut, naming the file, the step, the theme, the size and the text. A label elided
// where the widget's tooltip has the whole text is allowed and counted (printed with -v2).
//
// The frames are recorded into QPictures (the renderers' text fitting is the same on any paint device,
// and nothing needs rasterising), on two threads with a renderer each. BACKLOG_LABELS_PNG=DIR also
// writes every frame that reports a label to DIR as a PNG, to look at (BACKLOG_LABELS_PNG_ALL: more).
#include "model/kernel/Simulation.h"
#include "model/lesson/LessonReader.h"
#include "model/lesson/LessonRun.h"
#include "model/scenario/ScenarioReader.h"
#include "views/document/LessonPlayer.h"
#include "views/render/Fonts.h"
#include "views/render/LadderRenderer.h"
#include "views/render/StageRenderer.h"
#include "views/render/StateDiagramRenderer.h"
#include "views/render/Theme.h"

#include <QDir>
#include <QElapsedTimer>
#include <QImage>
#include <QPainter>
#include <QPicture>
#include <QTest>

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

using namespace backlog;
using namespace backlog::views;

namespace {

// One moment to paint: a lesson step (or a moment of a scenario), with what the step points at.
struct Moment {
    QString what; // "step 3 'Both workers busy' at 0.004 s"
    Time t;
    StageRenderer::Emphasis emphasis;
    std::optional<std::uint32_t> client; // the connection the ladder and the state diagram show
};

struct Source {
    QString file;
    std::unique_ptr<Simulation> sim;
    std::unique_ptr<LessonRun> run; // for a lesson
    std::vector<Moment> moments;
};

enum class View { Stage, Ladder, States };

struct Size {
    QString name;
    QSize size;
    View view;
};

// The sizes each view is seen at. The stage's share of a window: the lesson's column on the left
// (MainWindow: a fifth of the width, 320 to 440 pixels), the docks' column on the right (420), the
// menu, toolbar, timeline and status bar (about 130 pixels). The ladder and the state diagram: a dock in
// that column (half its height), and the whole picture as exported.
std::vector<Size> sizes() {
    std::vector<Size> out;
    for (const QSize window : {QSize(1280, 720), QSize(1920, 1080), QSize(3840, 2160)}) {
        const QString w = QStringLiteral("%1×%2").arg(window.width()).arg(window.height());
        const int lessonColumn = std::clamp(window.width() / 5, 320, 440);
        const QSize stage(window.width() - lessonColumn - 420 - 16, window.height() - 130);
        const QSize dock(420, (window.height() - 100) / 2);
        for (View v : {View::Stage, View::Ladder, View::States})
            out.push_back({w, window, v});
        out.push_back({QStringLiteral("%1 (the stage in a %2 window)")
                           .arg(QStringLiteral("%1×%2").arg(stage.width()).arg(stage.height()), w),
                       stage, View::Stage});
        if (window.width() < 3840) {
            const QString d =
                QStringLiteral("%1×%2 (a dock of a %3 window)").arg(dock.width()).arg(dock.height()).arg(w);
            out.push_back({d, dock, View::Ladder});
            out.push_back({d, dock, View::States});
        }
    }
    return out;
}

QString viewName(View v) {
    switch (v) {
    case View::Stage:
        return QStringLiteral("stage");
    case View::Ladder:
        return QStringLiteral("ladder");
    case View::States:
        return QStringLiteral("state diagram");
    }
    return {};
}

QString seconds(Time t) {
    return QString::fromStdString(formatSecondsTrimmed(t)) + QStringLiteral(" s");
}

std::optional<std::uint32_t> clientOf(const StageRenderer::Emphasis& e, const Simulation& sim) {
    std::vector<Target> targets = e.highlight;
    if (e.zoom) targets.push_back(*e.zoom);
    for (const Target& t : targets)
        if (t.kind == Target::Kind::Client && t.index >= 0 &&
            static_cast<std::size_t>(t.index) < sim.history().clients.size())
            return static_cast<std::uint32_t>(t.index);
    if (!sim.history().clients.empty()) return 0u;
    return std::nullopt;
}

std::unique_ptr<Source> load(const QString& path) {
    auto src = std::make_unique<Source>();
    src->file = QFileInfo(path).fileName();
    const std::string file = path.toStdString();
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return nullptr;
    const QByteArray text = f.readAll();
    if (looksLikeLesson(std::string_view(text.constData(), static_cast<std::size_t>(text.size())))) {
        LessonReadResult read = readLessonFile(file);
        for (const ReadError& e : read.errors)
            qWarning("%s", e.text().c_str());
        if (!read.lesson) return nullptr;
        src->run = std::make_unique<LessonRun>(*read.lesson);
        const Lesson& lesson = src->run->lesson();
        const Simulation& sim = src->run->simulation();
        const std::vector<Time>& times = src->run->stepTimes();
        const Time end = src->run->end();
        for (std::size_t i = 0; i < lesson.steps.size(); ++i) {
            if (times[i].isNever()) continue;
            // At the step's moment, and halfway to the next (what the class watches while it plays).
            Time next = end;
            for (std::size_t j = i + 1; j < times.size(); ++j)
                if (!times[j].isNever() && times[j] > times[i]) {
                    next = times[j];
                    break;
                }
            const QString title = QString::fromStdString(lesson.steps[i].title);
            for (const Time t : {times[i], times[i] + (next - times[i]) / 2}) {
                if (t != times[i] && (t <= times[i] || t > end)) continue;
                const Step& shown = lesson.steps[static_cast<std::size_t>(stepAtMoment(times, t))];
                Moment m;
                m.what = QStringLiteral("step %1 '%2' %3 %4")
                             .arg(i + 1)
                             .arg(title)
                             .arg(t == times[i] ? QStringLiteral("at") : QStringLiteral("halfway, at"))
                             .arg(seconds(t));
                m.t = t;
                m.emphasis = StageRenderer::Emphasis::of(shown);
                m.client = clientOf(m.emphasis, sim);
                src->moments.push_back(std::move(m));
            }
        }
    } else {
        const ReadResult read = readScenarioFile(file);
        for (const ReadError& e : read.errors)
            qWarning("%s", e.text().c_str());
        if (!read.scenario) return nullptr;
        src->sim = std::make_unique<Simulation>(*read.scenario);
        src->sim->run();
        const Time end = src->sim->history().end;
        // A scenario has no steps: nine moments across its run.
        for (int k = 0; k <= 8; ++k) {
            Moment m;
            m.t = Time::ns(end.count() / 8 * k);
            m.what = QStringLiteral("moment %1/8 at %2").arg(k).arg(seconds(m.t));
            m.client = clientOf(m.emphasis, *src->sim);
            src->moments.push_back(std::move(m));
        }
    }
    return src;
}

const Simulation& simOf(const Source& s) {
    return s.run ? s.run->simulation() : *s.sim;
}

// Paints one frame of one view into `device`, collecting what the renderers report.
void paintFrame(QPaintDevice& device, const QRectF& target, const Source& src, const Moment& m, View view,
                const Theme& theme, StageRenderer& stage, const LadderRenderer& ladder,
                const LadderRenderer& ladder3, const StateDiagramRenderer& states,
                LabelOverflows* overflows) {
    QPainter p(&device);
    const Simulation& sim = simOf(src);
    switch (view) {
    case View::Stage: {
        StageRenderer::Options o = stage.options();
        o.overflows = overflows;
        stage.setOptions(o);
        stage.paint(p, target, sim, m.t, theme, m.emphasis);
        o.overflows = nullptr;
        stage.setOptions(o);
        break;
    }
    case View::Ladder: {
        std::vector<std::uint32_t> clients;
        if (m.client) clients.push_back(*m.client);
        ladder.paint(p, target, sim, m.t, theme, clients, overflows);
        // Three connections side by side, as Ctrl+click selects them.
        if (sim.history().clients.size() >= 3) {
            p.fillRect(target, Qt::white);
            ladder3.paint(p, target, sim, m.t, theme, {0, 1, 2}, overflows);
        }
        break;
    }
    case View::States:
        states.paint(p, target, sim, m.t, theme, m.client, overflows);
        break;
    }
}

} // namespace

class TestLabelsFit : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void everyLabelFits();
    void aLabelThatDoesNotFitIsReported();
};

void TestLabelsFit::initTestCase() {
    loadBundledFonts();
}

void TestLabelsFit::everyLabelFits() {
    QElapsedTimer clock;
    clock.start();
    std::vector<std::unique_ptr<Source>> sources;
    // The lessons and the scenarios beside them.
    for (const QDir& dir : {QDir(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons")),
                            QDir(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios"))}) {
        for (const QString& name : dir.entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name)) {
            if (name.startsWith(QLatin1String("flood-bench"))) continue; // a benchmark, not a lesson
            auto src = load(dir.filePath(name));
            QVERIFY2(src, qPrintable(name + QStringLiteral(" does not load")));
            sources.push_back(std::move(src));
        }
    }
    QVERIFY(sources.size() >= 12);
    const qint64 loading = clock.elapsed();

    struct Job {
        const Source* source;
        Theme theme;
        Size size;
    };
    std::vector<Job> jobs;
    for (const auto& src : sources)
        for (const QString& theme : Theme::names())
            for (const Size& size : sizes())
                jobs.push_back({src.get(), Theme::byName(theme), size});

    // BACKLOG_LABELS_PNG=DIR: frames that report a label are written there; with BACKLOG_LABELS_PNG_ALL=TEXT
    // also every frame whose file name contains TEXT (e.g. "07-syn-cookies-stage-projector-1280x720").
    const QString pngDir = qEnvironmentVariable("BACKLOG_LABELS_PNG");
    const QString pngAll = qEnvironmentVariable("BACKLOG_LABELS_PNG_ALL");
    std::mutex lock;
    QStringList failures, elided;
    int frames = 0;
    std::array<qint64, 3> perView{}; // ms painting each view
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
        StageRenderer stage;
        LadderRenderer ladder, ladder3; // each keeps its trace of one selection
        StateDiagramRenderer states;
        QStringList myFailures, myElided;
        int myFrames = 0;
        std::array<qint64, 3> myPerView{};
        QElapsedTimer jobClock;
        for (std::size_t j = next++; j < jobs.size(); j = next++) {
            const Job& job = jobs[j];
            const QRectF target(QPointF(0, 0), QSizeF(job.size.size));
            stage.invalidate();
            jobClock.start();
            for (const Moment& m : job.source->moments) {
                LabelOverflows overflows;
                QPicture picture;
                paintFrame(picture, target, *job.source, m, job.size.view, job.theme, stage, ladder, ladder3,
                           states, &overflows);
                ++myFrames;
                bool cut = false;
                for (const LabelOverflow& o : overflows) {
                    const QString where =
                        QStringLiteral("%1, %2, %3 theme, %4 at %5: \"%6\" needs %7×%8 px, has %9×%10")
                            .arg(job.source->file, m.what, job.theme.name, viewName(job.size.view),
                                 job.size.name, o.text)
                            .arg(o.needed.width(), 0, 'f', 0)
                            .arg(o.needed.height(), 0, 'f', 0)
                            .arg(o.box.width(), 0, 'f', 0)
                            .arg(o.box.height(), 0, 'f', 0);
                    if (o.kind == LabelOverflow::Kind::Cut) {
                        myFailures << where;
                        cut = true;
                    } else {
                        myElided << where;
                    }
                }
                const QString png =
                    QStringLiteral("%1-%2-%3-%4x%5-%6.png")
                        .arg(job.source->file.section(QLatin1Char('.'), 0, 0),
                             viewName(job.size.view).section(QLatin1Char(' '), 0, 0), job.theme.name)
                        .arg(job.size.size.width())
                        .arg(job.size.size.height())
                        .arg(m.t.count());
                if (!pngDir.isEmpty() &&
                    (cut || !overflows.empty() || (!pngAll.isEmpty() && png.contains(pngAll)))) {
                    QImage image(job.size.size, QImage::Format_ARGB32_Premultiplied);
                    image.fill(Qt::white);
                    paintFrame(image, target, *job.source, m, job.size.view, job.theme, stage, ladder,
                               ladder3, states, nullptr);
                    QDir().mkpath(pngDir);
                    image.save(pngDir + QLatin1Char('/') + png);
                }
            }
            myPerView[static_cast<std::size_t>(job.size.view)] += jobClock.elapsed();
        }
        const std::lock_guard<std::mutex> guard(lock);
        failures << myFailures;
        elided << myElided;
        frames += myFrames;
        for (std::size_t v = 0; v < perView.size(); ++v)
            perView[v] += myPerView[v];
    };
    const unsigned threads =
        qEnvironmentVariableIsSet("BACKLOG_LABELS_THREADS")
            ? static_cast<unsigned>(std::max(1, qEnvironmentVariableIntValue("BACKLOG_LABELS_THREADS")))
            : std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
    std::vector<std::thread> pool;
    for (unsigned k = 1; k < threads; ++k)
        pool.emplace_back(work);
    work();
    for (std::thread& t : pool)
        t.join();

    failures.removeDuplicates();
    elided.removeDuplicates();
    qInfo("%d frames of %zu files (%zu jobs) on %u threads: %lld ms (%lld ms reading and simulating); "
          "%lld labels elided where a tooltip has them",
          frames, sources.size(), jobs.size(), threads, static_cast<long long>(clock.elapsed()),
          static_cast<long long>(loading), static_cast<long long>(elided.size()));
    qInfo("painting: stage %lld ms, ladder %lld ms, state diagram %lld ms (all threads)",
          static_cast<long long>(perView[0]), static_cast<long long>(perView[1]),
          static_cast<long long>(perView[2]));
    for (const QString& e : elided)
        qDebug("elided: %s", qPrintable(e));
    if (!failures.isEmpty()) {
        std::sort(failures.begin(), failures.end());
        QStringList shown = failures.mid(0, 60);
        if (failures.size() > shown.size())
            shown << QStringLiteral("… and %1 more").arg(failures.size() - shown.size());
        QFAIL(qPrintable(QStringLiteral("%1 labels do not fit their box:\n").arg(failures.size()) +
                         shown.join(QLatin1Char('\n'))));
    }
}

// The check itself: a label that cannot fit is reported, with its text and its box; one that fits is not.
void TestLabelsFit::aLabelThatDoesNotFitIsReported() {
    QImage image(400, 100, QImage::Format_ARGB32_Premultiplied);
    QPainter p(&image);
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPixelSize(20);
    LabelOverflows overflows;
    const QString text = QStringLiteral("ghost: no socket on the server");
    // Room for it: drawn as asked.
    FittedLabel fitted = drawLabel(p, QRectF(0, 0, 400, 30), Qt::AlignLeft | Qt::AlignVCenter, text, f,
                                   Qt::black, {}, &overflows, u"test");
    QVERIFY(fitted.asked && fitted.complete);
    QVERIFY(overflows.empty());
    // A little short: smaller type.
    fitted = drawLabel(p, QRectF(0, 0, 260, 30), Qt::AlignLeft | Qt::AlignVCenter, text, f, Qt::black, {},
                       &overflows, u"test");
    QVERIFY(!fitted.asked && fitted.complete);
    QVERIFY(fitted.font.pixelSize() < 20 && fitted.font.pixelSize() >= 12);
    QVERIFY(overflows.empty());
    // Tall enough for two lines: wrapped.
    fitted = drawLabel(p, QRectF(0, 0, 180, 60), Qt::AlignLeft | Qt::AlignVCenter, text, f, Qt::black,
                       TextFit{0.6, true, false}, &overflows, u"test");
    QVERIFY(fitted.complete);
    QVERIFY(fitted.shown.contains(QLatin1Char('\n')));
    QVERIFY(overflows.empty());
    // Far too short: reported as cut, or as elided where a tooltip has it.
    fitted = drawLabel(p, QRectF(0, 0, 80, 20), Qt::AlignLeft | Qt::AlignVCenter, text, f, Qt::black, {},
                       &overflows, u"test");
    QVERIFY(!fitted.complete);
    QCOMPARE(overflows.size(), std::size_t{1});
    QCOMPARE(overflows[0].kind, LabelOverflow::Kind::Cut);
    QCOMPARE(overflows[0].text, text);
    QCOMPARE(overflows[0].view, QStringLiteral("test"));
    QCOMPARE(overflows[0].box, QRectF(0, 0, 80, 20));
    QVERIFY(overflows[0].needed.width() > 80);
    drawLabel(p, QRectF(0, 0, 80, 20), Qt::AlignLeft | Qt::AlignVCenter, text, f, Qt::black,
              TextFit{0.6, false, true}, &overflows, u"test");
    QCOMPARE(overflows.size(), std::size_t{2});
    QCOMPARE(overflows[1].kind, LabelOverflow::Kind::Elided);
    QVERIFY(fitLabel(QRectF(0, 0, 80, 20), Qt::AlignLeft, text, f, TextFit{0.6, false, true})
                .shown.endsWith(QChar(0x2026)));
}

QTEST_MAIN(TestLabelsFit)
#include "tst_labelsfit.moc"
