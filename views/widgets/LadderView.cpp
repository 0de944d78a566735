#include "views/widgets/LadderView.h"
#include "views/widgets/DocumentFollower.h"

#include "views/document/SelectionModel.h"
#include "views/document/SimulationDocument.h"
#include "views/render/ComparedStages.h"

#include <QMouseEvent>
#include <QPainter>

namespace backlog::views {

LadderView::LadderView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("LadderView"));
    setAttribute(Qt::WA_OpaquePaintEvent);
}

void LadderView::setDocument(SimulationDocument* document) {
    if (doc_ == document) return;
    if (doc_) disconnect(doc_, nullptr, this, nullptr);
    doc_ = document;
    if (document) repaintOnChange(this, document);
    update();
}

void LadderView::setSelectionModel(SelectionModel* selection) {
    if (selection_ == selection) return;
    if (selection_) disconnect(selection_, nullptr, this, nullptr);
    selection_ = selection;
    if (selection) connect(selection, &SelectionModel::changed, this, [this] { update(); });
    update();
}

void LadderView::setTheme(const Theme& theme) {
    theme_ = theme;
    update();
}

std::vector<std::uint32_t> LadderView::connections(int side) const {
    const SimulationDocument* d = loadedOrNull(doc_);
    const SelectionModel* s = selection_.data();
    if (!s || !d) return {};
    const Simulation& run = side == 1 && d->comparison() ? *d->comparison() : d->simulation();
    std::vector<std::uint32_t> out;
    for (std::uint32_t c : s->connections())
        if (c < run.history().clients.size()) out.push_back(c);
    return out;
}

std::array<std::pair<QRectF, QRectF>, 2> LadderView::comparedRects() const {
    const QRectF all(rect());
    const qreal strip = comparedTitleHeight(all);
    const qreal gap = 2;
    const qreal w = (all.width() - gap) / 2;
    std::array<std::pair<QRectF, QRectF>, 2> out;
    for (std::size_t i = 0; i < 2; ++i) {
        const QRectF column(all.left() + static_cast<qreal>(i) * (w + gap), all.top(), w, all.height());
        out[i] = {QRectF(column.left(), column.top(), w, strip), column.adjusted(0, strip, 0, 0)};
    }
    return out;
}

void LadderView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const SimulationDocument* d = loadedOrNull(doc_);
    if (!d) {
        p.fillRect(rect(), theme_.background);
        return;
    }
    if (!d->comparison()) {
        renderer_.paint(p, QRectF(rect()), d->simulation(), d->playhead(), theme_, connections());
        return;
    }
    p.fillRect(rect(), theme_.panelBorder); // the gap between the two reads as a rule
    const auto rects = comparedRects();
    const Simulation* runs[2] = {&d->simulation(), d->comparison()};
    const QString titles[2] = {d->title(), d->comparisonTitle()};
    const LadderRenderer* renderers[2] = {&renderer_, &otherRenderer_};
    for (int side = 0; side < 2; ++side) {
        const auto i = static_cast<std::size_t>(side);
        paintComparedTitle(p, rects[i].first, titles[i], theme_);
        p.save();
        p.setClipRect(rects[i].second);
        renderers[i]->paint(p, rects[i].second, *runs[i], std::min(d->playhead(), runs[i]->history().end),
                            theme_, connections(side));
        p.restore();
    }
}

void LadderView::mousePressEvent(QMouseEvent* event) {
    const SimulationDocument* d = loadedOrNull(doc_);
    if (event->button() != Qt::LeftButton || !d) return;
    QRectF target(rect());
    const Simulation* run = &d->simulation();
    const LadderRenderer* renderer = &renderer_;
    int side = 0;
    if (d->comparison()) {
        const auto rects = comparedRects();
        side = rects[1].second.contains(event->position()) ? 1 : 0;
        target = rects[static_cast<std::size_t>(side)].second;
        if (side == 1) {
            run = d->comparison();
            renderer = &otherRenderer_;
        }
        if (!target.contains(event->position())) return;
    }
    const Time t = std::min(d->playhead(), run->history().end);
    const auto g = renderer->layout(target, *run, t, connections(side));
    if (g.rows.empty() || event->position().y() < g.header.bottom()) return;
    emit seekRequested(renderer->timeAt(event->position().y(), g));
}

} // namespace backlog::views
