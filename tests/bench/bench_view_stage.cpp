// Frame time of the stage (StageRenderer::paint) at 1920 × 1080 into an ARGB32_Premultiplied QImage,
// the way export and the widget's backing store draw it, with the playhead moving every frame.
// Prints the median and the 90th percentile, in ms per frame, for a quiet handshake lesson and for a
// 100,000 SYN/s flood (thousands of packets in flight: the level-of-detail path). Aims: ≤ 4 ms quiet,
// ≤ 12 ms flood. Then a comparison's frame (issue 16: the same scenario with another setting, both stages
// in one frame through paintComparedStages) against the single frame: aim ≤ 2×. Last, a frame with a
// dozen of the lecturer's strokes over it (the stage laid out again to place them on their parts,
// StrokePlacement.h) against the bare frame. Figures only: a benchmark never fails.
//
//   bench_view_stage [frames]     (default 240 frames per scenario)
#include "model/kernel/Simulation.h"
#include "model/scenario/ScenarioReader.h"
#include "model/tools/Comparison.h"
#include "tests/common/ViewTest.h"
#include "views/render/ComparedStages.h"
#include "views/render/Fonts.h"
#include "views/render/StageRenderer.h"
#include "views/render/StrokePlacement.h"
#include "views/render/Theme.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QPainter>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
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

// The milliseconds of `paint(t)` for `frames` moments evenly over [from, to], sorted.
template <typename Paint> std::vector<double> timeFrames(Time from, Time to, int frames, Paint&& paint) {
    std::vector<double> ms;
    for (int f = 0; f < frames; ++f) {
        const Time t = from + (to - from) * f / std::max(1, frames - 1);
        QElapsedTimer timer;
        timer.start();
        paint(t);
        ms.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
    }
    std::sort(ms.begin(), ms.end());
    return ms;
}

// A comparison's frames: both runs' stages in one 1920x1080 frame, as the split stage and an export
// with --compare paint them.
std::vector<double> measureCompared(const Simulation& a, const Simulation& b, Time from, Time to, int frames,
                                    const Theme& theme) {
    StageRenderer left, right;
    QImage image(1920, 1080, QImage::Format_ARGB32_Premultiplied);
    const QRectF target(0, 0, 1920, 1080);
    const auto paint = [&](Time t) {
        QPainter p(&image);
        paintComparedStages(p, target,
                            {ComparedSide{&left, &a, QStringLiteral("as written")},
                             ComparedSide{&right, &b, QStringLiteral("server.backlog=64")}},
                            t, theme, {});
    };
    paint(from); // the renderers' indexes and the glyph caches, as for the single frame
    return timeFrames(from, to, frames, paint);
}

// Renders `frames` frames with t moving evenly over [from, to].
Figures measure(const Simulation& sim, Time from, Time to, int frames, const Theme& theme,
                QSize size = QSize(1920, 1080)) {
    StageRenderer renderer;
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    const QRectF target(QPointF(0, 0), QSizeF(size));
    {
        // One frame first: builds the renderer's index of the run and warms the glyph caches.
        QPainter p(&image);
        renderer.paint(p, target, sim, from, theme);
    }
    const std::vector<double> ms = timeFrames(from, to, frames, [&](Time t) {
        QPainter p(&image);
        renderer.paint(p, target, sim, t, theme);
    });
    double inFlight = 0;
    for (int f = 0; f < frames; ++f)
        inFlight += static_cast<double>(
            renderer.layout(target, sim, from + (to - from) * f / std::max(1, frames - 1)).packetsInFlight);
    Figures out;
    out.median = ms[ms.size() / 2];
    out.p90 = ms[std::min(ms.size() - 1, ms.size() * 9 / 10)];
    out.inFlight = inFlight / frames;
    return out;
}

// A frame with `strokes` over it, each anchored to a part of the stage, as the window paints them: the
// stage, then a placement made from its layout at t, then the strokes.
std::vector<double> measureWithStrokes(const Simulation& sim, Time from, Time to, int frames,
                                       const Theme& theme) {
    StageRenderer renderer;
    const QRectF target(0, 0, 1920, 1080);
    QImage image(target.size().toSize(), QImage::Format_ARGB32_Premultiplied);
    std::vector<Stroke> strokes;
    {
        const StrokePlacement where = StrokePlacement::of(renderer, target, sim, from);
        for (int k = 0; k < 12; ++k) {
            Stroke s;
            s.moment = {0, Time()};
            s.colour = Theme::penColours()[static_cast<std::size_t>(k) % Theme::penColours().size()];
            for (int i = 0; i <= 60; ++i) // a ring of 61 points, as a mouse draws one
                s.points.push_back(where.toLayout(QPointF(200 + 130 * k + 60 * std::cos(i / 9.55),
                                                          300 + 40 * k + 40 * std::sin(i / 9.55))));
            where.anchor(s);
            strokes.push_back(std::move(s));
        }
    }
    const std::vector<double> shown(strokes.size(), 1.0);
    return timeFrames(from, to, frames, [&](Time t) {
        QPainter p(&image);
        renderer.paint(p, target, sim, t, theme);
        paintStrokes(p, StrokePlacement::of(renderer, target, sim, t), strokes, shown);
    });
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
    // The comparison: each scenario beside itself with another backlog, from the start.
    for (const auto& [name, sim, from, to] :
         {std::tuple{"quiet handshake (sandbox)", quiet.get(), Time(), Time::s(2)},
          std::tuple{"100,000 SYN/s flood", flood.get(), Time::s(1), Time::s(2)}}) {
        const ChangedRun other = runWithChanges(sim->scenario(), {{"server.backlog", "64"}}, Time());
        if (!other.run) return 1;
        const Figures single = measure(*sim, from, to, frames, Theme::light());
        // One side's own frame, alone at the size it has in the split (one above the other: 938x528).
        const Figures half = measure(*sim, from, to, frames, Theme::light(), QSize(938, 528));
        std::printf("  one side alone at 938x528  %-28s median %6.2f ms\n", name, half.median);
        // With itself (the same packets on both sides: what the split costs), then with backlog 64 (the
        // other run may have more in flight: a flood's SYN-ACKs).
        for (const auto& [label, b] : {std::pair{"itself", sim}, std::pair{"backlog 64", other.run.get()}}) {
            const std::vector<double> both = measureCompared(*sim, *b, from, to, frames, Theme::light());
            const double median = both[both.size() / 2],
                         p90 = both[std::min(both.size() - 1, both.size() * 9 / 10)];
            std::printf(
                "  compared with %-10s %-28s median %6.2f ms  p90 %6.2f ms  (%.2fx the single frame's "
                "%.2f ms)\n",
                label, name, median, p90, median / single.median, single.median);
        }
    }
    std::printf("aim: a comparison's frame <= 2x a single frame\n");
    for (const auto& [name, sim, from, to] :
         {std::tuple{"quiet handshake (sandbox)", quiet.get(), Time(), Time::s(2)},
          std::tuple{"100,000 SYN/s flood", flood.get(), Time::s(1), Time::s(2)}}) {
        const Figures bare = measure(*sim, from, to, frames, Theme::light());
        const std::vector<double> inked = measureWithStrokes(*sim, from, to, frames, Theme::light());
        const double median = inked[inked.size() / 2];
        std::printf("  with 12 strokes            %-28s median %6.2f ms  (%.2fx the bare frame's %.2f ms)\n",
                    name, median, median / bare.median, bare.median);
    }
    return 0;
}
