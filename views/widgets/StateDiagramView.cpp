#include "views/widgets/StateDiagramView.h"
#include "views/render/NothingLoaded.h"
#include "views/widgets/DocumentFollower.h"

#include "views/document/SelectionModel.h"
#include "views/document/SimulationDocument.h"
#include "views/render/Fonts.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>

namespace backlog::views {

StateDiagramView::StateDiagramView(QWidget* parent) : QWidget(parent) {
    loadBundledFonts();                    // the diagram draws with the bundled families only
    setAttribute(Qt::WA_OpaquePaintEvent); // the renderer fills every pixel
}

void StateDiagramView::setDocument(SimulationDocument* document) {
    if (doc_ == document) return;
    if (doc_) disconnect(doc_, nullptr, this, nullptr);
    doc_ = document;
    if (document) repaintOnChange(this, document);
    update();
}

void StateDiagramView::setSelectionModel(SelectionModel* selection) {
    if (selection_ == selection) return;
    if (selection_) disconnect(selection_, nullptr, this, nullptr);
    selection_ = selection;
    if (selection) {
        connect(selection, &SelectionModel::changed, this, [this] { update(); });
        connect(selection, &QObject::destroyed, this, [this] { update(); });
    }
    update();
}

void StateDiagramView::setTheme(const Theme& theme) {
    theme_ = theme;
    update();
}

const SimulationDocument* StateDiagramView::loadedDocument() const {
    return loadedOrNull(doc_);
}

std::optional<std::uint32_t> StateDiagramView::connection() const {
    const SimulationDocument* d = loadedDocument();
    const SelectionModel* s = selection_.data();
    if (!d || !s) return std::nullopt;
    const std::vector<std::uint32_t>& connections = s->connections();
    if (connections.empty()) return std::nullopt;
    const std::uint32_t client = connections.front();
    if (client >= d->simulation().history().clients.size()) return std::nullopt;
    return client;
}

void StateDiagramView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const QRectF target = rect();
    const SimulationDocument* d = loadedDocument();
    if (!d) {
        paintNothingLoaded(p, target, theme_, tr("Open a lesson or a scenario to see the TCP state diagram."),
                           24);
        return;
    }
    renderer_.paint(p, target, d->simulation(), d->playhead(), theme_, connection());
}

void StateDiagramView::mousePressEvent(QMouseEvent* event) {
    const SimulationDocument* d = loadedDocument();
    const std::optional<std::uint32_t> client = connection();
    if (event->button() != Qt::LeftButton || !d || !client) return;
    const StateDiagramRenderer::Geometry g = renderer_.layout(QRectF(rect()));
    for (const StateDiagramRenderer::Side side :
         {StateDiagramRenderer::Side::Client, StateDiagramRenderer::Side::Server}) {
        for (const StateDiagramRenderer::StateGeometry& state : g.machine(side).states) {
            if (!state.rect.contains(event->position())) continue;
            std::optional<Time> before;
            std::optional<Time> after;
            for (const auto& tr : renderer_.transitions(d->simulation(), d->end(), *client, side)) {
                if (!(tr.toKey() == state.key)) continue;
                if (tr.at <= d->playhead())
                    before = tr.at;
                else if (!after)
                    after = tr.at;
            }
            if (before || after) emit seekRequested(before ? *before : *after);
            return;
        }
    }
}

} // namespace backlog::views
