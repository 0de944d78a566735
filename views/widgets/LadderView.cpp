#include "views/widgets/LadderView.h"
#include "views/widgets/DocumentFollower.h"

#include "views/document/SelectionModel.h"
#include "views/document/SimulationDocument.h"

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

std::vector<std::uint32_t> LadderView::connections() const {
    const SimulationDocument* d = loadedOrNull(doc_);
    const SelectionModel* s = selection_.data();
    if (!s || !d) return {};
    std::vector<std::uint32_t> out;
    for (std::uint32_t c : s->connections())
        if (c < d->simulation().history().clients.size()) out.push_back(c);
    return out;
}

void LadderView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const SimulationDocument* d = loadedOrNull(doc_);
    if (!d) {
        p.fillRect(rect(), theme_.background);
        return;
    }
    renderer_.paint(p, QRectF(rect()), d->simulation(), d->playhead(), theme_, connections());
}

void LadderView::mousePressEvent(QMouseEvent* event) {
    const SimulationDocument* d = loadedOrNull(doc_);
    if (event->button() != Qt::LeftButton || !d) return;
    const auto g = renderer_.layout(QRectF(rect()), d->simulation(), d->playhead(), connections());
    if (g.rows.empty() || event->position().y() < g.header.bottom()) return;
    emit seekRequested(renderer_.timeAt(event->position().y(), g));
}

} // namespace backlog::views
