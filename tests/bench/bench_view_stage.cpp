// Frame time of the stage (StageRenderer::paint) at 1920 × 1080 into an ARGB32_Premultiplied QImage,
// the way export and the widget's backing store draw it, with the playhead moving every frame.
// Prints the median and the 90th percentile, in ms per frame, for a quiet handshake lesson and for a
// 100,000 SYN/s flood (thousands of packets in flight: the level-of-detail path). Aims: ≤ 4 ms quiet,
// ≤ 12 ms flood. Figures only: a benchmark never fails.
//
//   bench_view_stage [frames]     (default 240 frames per scenario)
#include "model/kernel/Simulation.h"
#include "model/scenario/ScenarioReader.h"
#include "tests/common/ViewTest.h"
#include "views/render/Fonts.h"
#include "views/render/StageRenderer.h"
#include "views/render/Theme.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QPainter>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

using namespace backlog;
using namespace backlog::views;

namespace {

using backlog::test::kStageFlood;

std::unique_ptr<Simulation> simulate(const ReadResult& read) {
    if (!read.scenario) {
        for (const ReadError& e : read.errors)
            std::fprintf(stderr, "%s\n", e.text().c_str());
        return nullptr;
    }
    auto sim = std::make_unique<Simulation>(*read.scenario);
    sim->run();
    return sim;
}

struct Figures {
    double median = 0;
    double p90 = 0;
    double inFlight = 0; // mean packets in flight over the frames
};

// Renders `frames` frames with t moving evenly over [from, to].
Figures measure(const Simulation& sim, Time from, Time to, int frames, const Theme& theme) {
    StageRenderer renderer;
    QImage image(1920, 1080, QImage::Format_ARGB32_Premultiplied);
    const QRectF target(0, 0, 1920, 1080);
    {
        // One frame first: builds the renderer's index of the run and warms the glyph caches.
        QPainter p(&image);
        renderer.paint(p, target, sim, from, theme);
    }
    std::vector<double> ms;
    double inFlight = 0;
    for (int f = 0; f < frames; ++f) {
        const Time t = from + (to - from) * f / std::max(1, frames - 1);
        QElapsedTimer timer;
        timer.start();
        {
            QPainter p(&image);
            renderer.paint(p, target, sim, t, theme);
        }
        ms.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
        inFlight += static_cast<double>(renderer.layout(target, sim, t).packetsInFlight);
    }
    std::sort(ms.begin(), ms.end());
    Figures out;
    out.median = ms[ms.size() / 2];
    out.p90 = ms[std::min(ms.size() - 1, ms.size() * 9 / 10)];
    out.inFlight = inFlight / frames;
    return out;
}

} // namespace

int main(int argc, char** argv) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    loadBundledFonts();
    const int frames = argc > 1 ? std::max(1, std::atoi(argv[1])) : 240;

    const auto quiet = simulate(readScenarioFile(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml"));
    const auto flood = simulate(readScenarioText(kStageFlood, "flood"));
    if (!quiet || !flood) return 1;

    std::printf("stage frame time at 1920x1080, ARGB32_Premultiplied, %d frames each\n", frames);
    for (const Theme& theme : {Theme::light(), Theme::projector()}) {
        // Quiet: the first two seconds of the default lesson (handshakes, the queue filling, a drop).
        const Figures q = measure(*quiet, Time(), Time::s(2), frames, theme);
        std::printf(
            "  quiet handshake (sandbox)    %-9s median %6.2f ms  p90 %6.2f ms  (%.1f packets in flight)\n",
            qPrintable(theme.name), q.median, q.p90, q.inFlight);
        // Flood: one to two seconds into a 100,000 SYN/s flood with a 40 ms round trip.
        const Figures f = measure(*flood, Time::s(1), Time::s(2), frames, theme);
        std::printf(
            "  100,000 SYN/s flood           %-9s median %6.2f ms  p90 %6.2f ms  (%.0f packets in flight)\n",
            qPrintable(theme.name), f.median, f.p90, f.inFlight);
    }
    std::printf("aims: quiet <= 4 ms, flood <= 12 ms\n");
    return 0;
}
