#include "views/widgets/StageView.h"
#include "views/render/ComparedStages.h"
#include "views/render/NothingLoaded.h"
#include "views/widgets/DocumentFollower.h"

#include "views/document/SimulationDocument.h"
#include "views/render/Fonts.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

namespace backlog::views {

namespace {
QString latin1(std::string_view s) {
    return QString::fromLatin1(s.data(), static_cast<qsizetype>(s.size()));
}
QString seconds(Time t) {
    return QString::fromStdString(formatSeconds(t)) + QStringLiteral(" s");
}
} // namespace

StageView::StageView(QWidget* parent) : QWidget(parent) {
    loadBundledFonts();                    // the stage draws with the bundled families only
    setAttribute(Qt::WA_OpaquePaintEvent); // the renderer fills every pixel
    setMouseTracking(false);
    setFocusPolicy(Qt::ClickFocus);
    qRegisterMetaType<backlog::views::StageHit>();
}

void StageView::setDocument(SimulationDocument* document) {
    if (doc_ == document) return;
    if (doc_) disconnect(doc_, nullptr, this, nullptr);
    doc_ = document;
    renderer_.invalidate();
    // A new or cut history: the renderer's index of the old one is stale.
    if (doc_)
        repaintOnChange(this, doc_, [this] {
            renderer_.invalidate();
            otherRenderer_.invalidate();
        });
    update();
}

void StageView::setTheme(const Theme& theme) {
    theme_ = theme;
    update();
}

const SimulationDocument* StageView::loadedDocument() const {
    return loadedOrNull(doc_);
}

const Simulation& StageView::runOf(const SimulationDocument& d, int side) const {
    return side == 1 && d.comparison() ? *d.comparison() : d.simulation();
}

const StageRenderer& StageView::rendererOf(int side) const {
    return side == 1 ? otherRenderer_ : renderer_;
}

Time StageView::timeOn(const SimulationDocument& d, int side) const {
    return std::min(d.playhead(), runOf(d, side).history().end);
}

void StageView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const QRectF target = rect();
    const SimulationDocument* d = loadedDocument();
    if (!d) {
        paintNothingLoaded(p, target, theme_, tr("Open a lesson or a scenario to see the stage."), 30);
        return;
    }
    if (!d->comparison()) {
        renderer_.paint(p, target, d->simulation(), d->playhead(), theme_, emphasis_);
        return;
    }
    otherRenderer_.setOptions(renderer_.options()); // one level of detail on both sides
    paintComparedStages(p, target,
                        {ComparedSide{&renderer_, &d->simulation(), d->title()},
                         ComparedSide{&otherRenderer_, d->comparison(), d->comparisonTitle()}},
                        d->playhead(), theme_, emphasis_);
}

std::optional<StageHit> StageView::hitAt(QPointF pos) const {
    const SimulationDocument* d = loadedDocument();
    if (!d) return std::nullopt;
    if (!d->comparison()) return renderer_.hitTest(pos, rect(), d->simulation(), d->playhead(), emphasis_);
    const ComparedLayout layout = comparedLayout(rect());
    const std::optional<int> side = comparedSideAt(pos, layout);
    if (!side) return std::nullopt;
    std::optional<StageHit> hit = rendererOf(*side).hitTest(
        pos, layout.stages[static_cast<std::size_t>(*side)], runOf(*d, *side), timeOn(*d, *side), emphasis_);
    if (hit) hit->side = *side;
    return hit;
}

void StageView::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) {
        QWidget::mousePressEvent(event);
        return;
    }
    if (const std::optional<StageHit> hit = hitAt(event->position())) emit selected(*hit);
    event->accept();
}

bool StageView::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const std::optional<StageHit> hit = hitAt(help->pos());
        QString text = hit ? describe(*hit) : QString();
        // A label drawn shortened there (a narrow stage, large type): its whole text first.
        if (const SimulationDocument* d = loadedDocument()) {
            QString whole;
            if (!d->comparison()) {
                whole =
                    renderer_.elidedLabelAt(help->pos(), rect(), d->simulation(), d->playhead(), emphasis_);
            } else {
                const ComparedLayout layout = comparedLayout(rect());
                if (const std::optional<int> side = comparedSideAt(help->pos(), layout)) {
                    const auto i = static_cast<std::size_t>(*side);
                    whole =
                        layout.titles[i].contains(help->pos())
                            ? (*side == 0 ? d->title() : d->comparisonTitle())
                            : rendererOf(*side).elidedLabelAt(help->pos(), layout.stages[i], runOf(*d, *side),
                                                              timeOn(*d, *side), emphasis_);
                }
            }
            if (!whole.isEmpty() && !text.contains(whole))
                text = text.isEmpty() ? whole : whole + QLatin1Char('\n') + text;
        }
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), text, this);
        return true;
    }
    return QWidget::event(event);
}

QString StageView::describe(const StageHit& hit) const {
    const SimulationDocument* d = loadedDocument();
    if (!d) return {};
    const Simulation& sim = runOf(*d, hit.side);
    const History& h = sim.history();
    const Time t = timeOn(*d, hit.side);
    switch (hit.kind) {
    case StageHit::Kind::Packet: {
        const Packet p = h.packet(hit.packet);
        QString who = isSpoofed(p.flow) ? tr("a spoofed source") : QStringLiteral("c%1").arg(p.flow);
        QString what = latin1(packetKindName(p.kind));
        if (p.cookie) what += tr(" (cookie)");
        if (p.retrans > 0) what += QStringLiteral(" #%1").arg(p.retrans);
        return tr("%1 %2 %3, sent at %4, arrives at %5: %6")
            .arg(what, p.toServer ? tr("from") : tr("to"), who, seconds(p.sent), seconds(p.arrives),
                 latin1(packetFateName(p.fate)));
    }
    case StageHit::Kind::Client: {
        const ClientRecord& c = h.clients[hit.client];
        QString s = tr("c%1 (%2): %3")
                        .arg(hit.client)
                        .arg(QString::fromStdString(sim.clientAddress(hit.client)))
                        .arg(latin1(ssStateName(h.clientStateAt(hit.client, t))));
        s += tr("; server side %1").arg(latin1(ssStateName(h.serverStateAt(hit.client, t))));
        if (c.error != ClientError::None && c.errorAt <= t)
            s += QStringLiteral("; ") + latin1(clientErrorName(c.error));
        return s;
    }
    case StageHit::Kind::Clients:
        return tr("%1 clients").arg(h.clients.size());
    case StageHit::Kind::Attackers:
        return tr("spoofed SYNs: nobody answers their SYN-ACKs");
    case StageHit::Kind::QueueSlot: {
        const bool syn = hit.queue == QueueKind::Syn;
        const std::vector<QueueEntry> entries = h.queueAt(hit.listener, hit.queue, t);
        QString s = tr("listener %1, %2 queue, slot %3")
                        .arg(hit.listener)
                        .arg(syn ? tr("SYN") : tr("accept"))
                        .arg(hit.slot + 1);
        if (hit.slot >= 0 && static_cast<std::size_t>(hit.slot) < entries.size()) {
            const QueueEntry& e = entries[static_cast<std::size_t>(hit.slot)];
            s += tr(": %1, waiting since %2")
                     .arg(isSpoofed(e.flow) ? tr("a spoofed request") : QStringLiteral("c%1").arg(e.flow),
                          seconds(e.entered));
        } else {
            s += tr(": empty");
        }
        return s;
    }
    case StageHit::Kind::Listener: {
        const QueueLengths q = h.queueLengthsAt(hit.listener, t);
        return tr("listener %1: %2 in the SYN queue, %3 in the accept queue, backlog %4")
            .arg(hit.listener)
            .arg(q.syn)
            .arg(q.accept)
            .arg(h.maxBacklogAt(hit.listener, t));
    }
    case StageHit::Kind::Worker: {
        const WorkerRecord::Change c = h.workerAt(hit.worker, t);
        return tr("w%1 (listener %2): %3 since %4")
            .arg(hit.worker)
            .arg(hit.listener)
            .arg(latin1(workerStateName(c.state)), seconds(c.at));
    }
    case StageHit::Kind::Workers:
        return tr("the workers of listener %1").arg(hit.listener);
    }
    return {};
}

void StageView::setEmphasis(const StageRenderer::Emphasis& emphasis) {
    emphasis_ = emphasis;
    update();
}

void StageView::setNumbersConcealed(bool concealed) {
    StageRenderer::Options o = renderer_.options();
    if (o.numbersConcealed == concealed) return;
    o.numbersConcealed = concealed;
    renderer_.setOptions(o);
    update();
}

} // namespace backlog::views
