// Where everything on the stage goes at t: the bands and panels, the listeners and their queues' slots,
// the clients, the workers, and the packets in flight (streams, samples and drops when there are many).
// A function of the target, the simulation and t only (StageRenderer.h); the sizes are StageMetrics'.
#pragma once

#ifndef BACKLOG_INSIDE_VIEWS_RENDER
#error "views/render/StageLayout.h is private to backlog_views_render: use views/render/StageRenderer.h"
#endif

#include "views/render/StageRenderer.h"
#include "views/render/StageSupport.h"

namespace backlog::views::stage {

// StageRenderer::layout(): `linger` is how long drops stay visible (StageRenderer::dropLinger).
StageRenderer::Geometry layoutStage(const QRectF& target, const Simulation& sim, Time t,
                                    const StageRenderer::Options& options, const RunIndex& idx, Time linger);

// The bar a queue with too many slots to draw is shown as, in its slots area.
QRectF gaugeBar(const StageRenderer::QueueGeometry& q, double u);

} // namespace backlog::views::stage
