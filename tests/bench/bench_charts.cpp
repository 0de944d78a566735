// The charts' benchmark (issue 5: "a benchmark of chart updates per frame with 500,000 points, aim
// ≤ 4 ms"). The run: lessons/scenarios/flood-bench.yaml's 100,000 SYN/s flood with the backlog raised to
// 1,000,000 and cut at 5 s, so that every spoofed SYN stays in the SYN queue: 500,000 queue changes
// (the shipped flood-bench fills a 129-entry queue and then sends cookies: a few thousand changes).
//
// Prints medians (and the 90th percentile) of:
//   (a) rebuilding the queue chart from the run: the series built from the history, reduced to the
//       plot's columns and handed over with replace(), and the first frame after it;
//   (b) a frame: the playhead moves, the cursor follows, and the chart is painted at 1280 × 720 into an
//       ARGB32_Premultiplied QImage (everything, as export does), or the widget repaints what changed
//       (the cursor's old and new strips, as playback does), for every chart.
//   (c) a big lesson (12: ab's 2616 connections on 6.18, 30 s) through a document, as the window has it:
//       each chart rebuilt alone, and while the document compares it with the same lesson at somaxconn
//       4096 (SimulationDocument::compareWith: twice the series), and a move of the playhead in both
//       cases (which rebuilds nothing: only the cursor moves).
// Figures only: a benchmark never fails.
//
//   bench_charts [frames]     (default 240 frames per chart; 7 rebuilds)
//   BACKLOG_CHARTS_PNG=/tmp/charts bench_charts    also writes each chart's last frame there
#include "model/kernel/Simulation.h"
#include "model/lesson/LessonReader.h"
#include "model/lesson/LessonRun.h"
#include "model/scenario/ScenarioReader.h"
#include "views/document/SimulationDocument.h"
#include "views/render/Fonts.h"
#include "views/render/Theme.h"
#include "views/widgets/ChartsView.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QPainter>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace backlog;
using namespace backlog::views;

namespace {

struct Figures {
    double median = 0;
    double p90 = 0;
};

Figures figures(std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 9 / 10)]};
}

double since(const QElapsedTimer& t) {
    return static_cast<double>(t.nsecsElapsed()) / 1e6;
}

constexpr const char* kLesson12 = BACKLOG_SOURCE_DIR "/lessons/12-ab-on-6-18.yaml";

// (c): every chart of lesson 12 rebuilt `rebuilds` times, with the document's run alone and compared with
// another; and the playhead moved `frames` times.
void compareRebuilds(int rebuilds, int frames) {
    SimulationDocument doc;
    QElapsedTimer clock;
    clock.start();
    if (const QStringList errors = doc.load(QString::fromLatin1(kLesson12)); !errors.isEmpty()) {
        std::fprintf(stderr, "%s\n", qPrintable(errors.join(QLatin1Char('\n'))));
        return;
    }
    const double loaded = since(clock);
    clock.restart();
    const FileReadResult read = readLessonOrScenarioFile(kLesson12, {"net.core.somaxconn=4096"});
    if (!read.lesson) return;
    LessonRun other(*read.lesson);
    const double otherRan = since(clock);
    const History& h = doc.simulation().history();
    std::printf(
        "(c) lesson 12 through a document: %zu clients, %zu packets, %zu accept-queue changes (loaded "
        "in %.0f ms); the other run (somaxconn 4096): %zu packets (%.0f ms)\n",
        h.clients.size(), h.packetCount(), h.listeners[0].changes.size(), loaded,
        other.simulation().history().packetCount(), otherRan);
    ChartsView view;
    view.setTheme(Theme::light());
    view.resize(1280, 760);
    view.setDocument(&doc);
    view.show();
    QApplication::processEvents();
    view.rebuild(); // the first build of the run's series is not counted: the caches are cold
    std::vector<std::vector<double>> medians(2); // [alone, compared][chart]
    std::vector<double> moves(2);
    for (int compared = 0; compared < 2; ++compared) {
        if (compared) doc.compareWith(other.takeSimulation(), QStringLiteral("model"), QStringLiteral("b"));
        for (const ChartsView::Chart chart : ChartsView::charts()) {
            view.setCurrentChart(chart);
            std::vector<double> ms;
            for (int i = 0; i < rebuilds; ++i) {
                clock.restart();
                view.rebuild();
                ms.push_back(since(clock));
            }
            medians[static_cast<std::size_t>(compared)].push_back(figures(ms).median);
        }
        view.setCurrentChart(ChartsView::Chart::Queues);
        std::vector<double> ms;
        for (int f = 0; f < frames; ++f) {
            clock.restart();
            doc.setPlayhead(doc.end() * f / std::max(1, frames - 1));
            ms.push_back(since(clock));
        }
        moves[static_cast<std::size_t>(compared)] = figures(ms).median;
    }
    std::printf("    rebuild, median of %d                     one run        compared (two runs)\n",
                rebuilds);
    const QList<ChartsView::Chart> charts = ChartsView::charts();
    for (qsizetype c = 0; c < charts.size(); ++c) {
        const auto i = static_cast<std::size_t>(c);
        std::printf("    %-38s %8.2f ms    %8.2f ms\n", qPrintable(ChartsView::chartName(charts[c])),
                    medians[0][i], medians[1][i]);
    }
    std::printf("    a playhead move (queue chart, median)  %8.1f us    %8.1f us\n", moves[0] * 1000,
                moves[1] * 1000);
}

} // namespace

int main(int argc, char** argv) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    loadBundledFonts();
    const int frames = argc > 1 ? std::max(1, std::atoi(argv[1])) : 240;
    // BACKLOG_CHARTS_PNG=<dir>: the last frame of each chart is written there, to be looked at.
    const QString pngDir = qEnvironmentVariable("BACKLOG_CHARTS_PNG");
    constexpr int kRebuilds = 7;

    QElapsedTimer clock;
    clock.start();
    const ReadResult read =
        readScenarioFile(BACKLOG_SOURCE_DIR "/lessons/scenarios/flood-bench.yaml",
                         {"server.backlog=1000000", "net.core.somaxconn=1000000", "until=5s"});
    if (!read.scenario) {
        for (const ReadError& e : read.errors)
            std::fprintf(stderr, "%s\n", e.text().c_str());
        return 1;
    }
    Simulation sim(*read.scenario);
    sim.run();
    const History& h = sim.history();
    std::printf("run: flood-bench.yaml, backlog 1,000,000, 5 s: %zu packets, %zu queue changes (simulated in "
                "%.0f ms)\n",
                h.packetCount(), h.listeners[0].changes.size(), since(clock));

    ChartsView view;
    view.setTheme(Theme::light());
    view.resize(1280, 760);
    view.show();
    QApplication::processEvents();
    // The chart itself (below the selector row) at exactly 1280 × 720.
    view.resize(1280, 760 + 720 - view.chartSize().height());
    QApplication::processEvents();
    const QSize size = view.chartSize();
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    const auto paint = [&] {
        QPainter p(&image);
        view.renderChart(p, QRectF(QPointF(0, 0), QSizeF(size)));
    };

    clock.restart();
    view.setSimulation(&sim);
    const double firstBuild = since(clock);
    paint();
    const ChartsView::Summary s = view.summary();
    std::printf("chart at %dx%d: %zu points in the queue chart's lines, %lld handed to Qt Charts\n",
                size.width(), size.height(), s.fullPoints, static_cast<long long>(s.points));

    // (a) Rebuilds.
    std::vector<double> rebuild, rebuildAndFrame;
    for (int i = 0; i < kRebuilds; ++i) {
        clock.restart();
        view.rebuild();
        rebuild.push_back(since(clock));
        paint();
        rebuildAndFrame.push_back(since(clock));
    }
    const Figures a = figures(rebuild);
    const Figures af = figures(rebuildAndFrame);
    std::printf(
        "(a) rebuild the queue chart (500,000 changes)  first %6.2f ms  median %6.2f ms  p90 %6.2f ms\n",
        firstBuild, a.median, a.p90);
    std::printf("    rebuild + first frame                      median %6.2f ms  p90 %6.2f ms\n", af.median,
                af.p90);

    // (b) Frames, for every chart: the playhead moves over the run.
    std::printf("(b) per frame, playhead moving, %d frames     into a 1280x720 QImage      widget repaint\n",
                frames);
    for (const ChartsView::Chart chart : ChartsView::charts()) {
        view.setCurrentChart(chart);
        view.setPlayhead(Time());
        paint(); // the first frame after switching builds the chart's lines
        std::vector<double> full, widget;
        for (int f = 0; f < frames; ++f) {
            const Time t = h.end * f / std::max(1, frames - 1);
            clock.restart();
            view.setPlayhead(t);
            paint();
            full.push_back(since(clock));
        }
        for (int f = 0; f < frames; ++f) {
            const Time t = h.end * f / std::max(1, frames - 1);
            clock.restart();
            view.setPlayhead(t);
            // The scene marks the cursor's old and new strips dirty; the event loop repaints them.
            QApplication::processEvents();
            QApplication::processEvents();
            widget.push_back(since(clock));
        }
        if (!pngDir.isEmpty())
            image.save(QStringLiteral("%1/bench-chart-%2.png").arg(pngDir).arg(static_cast<int>(chart)));
        const Figures ff = figures(full);
        const Figures fw = figures(widget);
        std::printf("    %-38s median %6.2f ms p90 %6.2f   median %6.2f ms p90 %6.2f\n",
                    qPrintable(ChartsView::chartName(chart)), ff.median, ff.p90, fw.median, fw.p90);
    }
    std::printf("aim: a frame <= 4 ms with 500,000 points\n");
    compareRebuilds(3 * kRebuilds, frames);
    return 0;
}
