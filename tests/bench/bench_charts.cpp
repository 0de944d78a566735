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
// Figures only: a benchmark never fails.
//
//   bench_charts [frames]     (default 240 frames per chart; 7 rebuilds)
//   BACKLOG_CHARTS_PNG=/tmp/charts bench_charts    also writes each chart's last frame there
#include "model/kernel/Simulation.h"
#include "model/scenario/ScenarioReader.h"
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
    return 0;
}
