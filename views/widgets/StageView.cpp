#include "views/widgets/StageView.h"
#include "views/render/ComparedStages.h"
#include "views/render/NothingLoaded.h"
#include "views/widgets/DocumentFollower.h"

#include "views/document/AnnotationStore.h"
#include "views/document/LessonPlayer.h"
#include "views/document/SimulationDocument.h"
#include "views/render/Fonts.h"

#include <QCursor>
#include <QElapsedTimer>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPen>
#include <QPixmap>
#include <QTabletEvent>
#include <QTimer>
#include <QToolTip>
#include <utility>

namespace backlog::views {

namespace {
QString latin1(std::string_view s) {
    return QString::fromLatin1(s.data(), static_cast<qsizetype>(s.size()));
}
QString seconds(Time t) {
    return QString::fromStdString(formatSeconds(t)) + QStringLiteral(" s");
}
// One wall clock for every stage of the process: the laser's trail, stamped by the stage it is drawn on,
// fades on the other stage by the same clock.
qint64 wallMs() {
    static const QElapsedTimer clock = [] {
        QElapsedTimer c;
        c.start();
        return c;
    }();
    return clock.elapsed();
}
// How far the eraser reaches, in layout units (a fingertip's width on the reference stage).
constexpr double kEraserReach = 10;
} // namespace

StageView::StageView(QWidget* parent) : QWidget(parent) {
    loadBundledFonts();                    // the stage draws with the bundled families only
    setAttribute(Qt::WA_OpaquePaintEvent); // the renderer fills every pixel
    setMouseTracking(false);
    setFocusPolicy(Qt::ClickFocus);
    qRegisterMetaType<backlog::views::StageHit>();
    qRegisterMetaType<backlog::views::StageView::Pen>();
    frame_ = new QTimer(this);
    frame_->setSingleShot(true);
    frame_->setInterval(16);
    connect(frame_, &QTimer::timeout, this, qOverload<>(&QWidget::update));
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
    } else {
        otherRenderer_.setOptions(renderer_.options()); // one level of detail on both sides
        paintComparedStages(p, target, comparedSides(*d), d->playhead(), theme_, emphasis_);
    }
    paintAnnotations(p);
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
    if (pen_ != Pen::Off && annotations_) {
        penDown(event->position(), 1.0);
        event->accept();
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

// ---- the pen -------------------------------------------------------------------------------------------

void StageView::setAnnotations(AnnotationStore* store) {
    if (annotations_ == store) return;
    if (annotations_) disconnect(annotations_, nullptr, this, nullptr);
    annotations_ = store;
    if (store) {
        connect(store, &AnnotationStore::changed, this, qOverload<>(&QWidget::update));
        connect(store, &AnnotationStore::liveChanged, this, qOverload<>(&QWidget::update));
        connect(store, &AnnotationStore::penColourChanged, this, &StageView::updateCursor);
    } else {
        setPen(Pen::Off);
    }
    update();
}

void StageView::setLessonStep(int step) {
    if (step_ == step) return;
    step_ = step;
    update();
}

StageMoment StageView::moment() const {
    StageMoment m;
    const SimulationDocument* d = loadedDocument();
    if (!d) return m;
    m.t = d->playhead();
    m.end = d->end();
    if (step_ >= 0)
        m.step = step_;
    else if (d->lesson() && !d->lesson()->steps.empty())
        m.step = stepAtMoment(d->stepTimes(), d->playhead());
    return m;
}

std::array<ComparedSide, 2> StageView::comparedSides(const SimulationDocument& d) const {
    return {ComparedSide{&renderer_, &d.simulation(), d.title()},
            ComparedSide{&otherRenderer_, d.comparison(), d.comparisonTitle()}};
}

StrokePlacement StageView::strokePlacement() const {
    const SimulationDocument* d = loadedDocument();
    if (!d) return StrokePlacement(rect());
    if (d->comparison())
        return StrokePlacement::ofCompared(comparedSides(*d), rect(), d->playhead(), emphasis_);
    return StrokePlacement::of(renderer_, rect(), d->simulation(), d->playhead(), emphasis_);
}

void StageView::setPen(Pen pen) {
    if (!annotations_) pen = Pen::Off;
    if (pen_ == pen) return;
    if (penHeld_) penUp(); // a stroke half drawn is kept; the laser lets go
    pen_ = pen;
    updateCursor();
    emit penChanged(pen_);
}

// The cursor says which pen is on: a dot of the pen's colour, a ring the eraser's size, the laser's dot.
void StageView::updateCursor() {
    if (pen_ == Pen::Off) {
        unsetCursor();
        return;
    }
    QPixmap pixmap(24, 24);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing, true);
    const QPointF c(12, 12);
    const AnnotationStore* store = annotations_.data();
    switch (pen_) {
    case Pen::Draw:
        p.setPen(QPen(Qt::white, 2));
        p.setBrush(store ? store->penColour() : QColor(Qt::black));
        p.drawEllipse(c, 5, 5);
        p.setPen(QPen(Qt::black, 1));
        p.setBrush(Qt::NoBrush);
        p.drawEllipse(c, 6.5, 6.5);
        break;
    case Pen::Erase:
        p.setPen(QPen(Qt::white, 3));
        p.drawEllipse(c, 9, 9);
        p.setPen(QPen(Qt::black, 1.2));
        p.drawEllipse(c, 9, 9);
        break;
    case Pen::Laser:
    case Pen::Off:
        p.setPen(Qt::NoPen);
        p.setBrush(QColor(0xFF, 0x45, 0x00));
        p.drawEllipse(c, 4, 4);
        break;
    }
    p.end();
    setCursor(QCursor(pixmap, 12, 12));
}

void StageView::penDown(QPointF pos, double pressure) {
    AnnotationStore* store = annotations_.data();
    if (!store || !loadedDocument()) return;
    penHeld_ = true;
    // The stage's layout is made once a stroke, not at each move of the pen: the points are kept by the
    // plain stretch (the zoom undone) until the pen lifts and anchors the stroke.
    placement_ = strokePlacement();
    const QPointF at = placement_->toLayout(pos);
    lastPen_ = at;
    erasedOnce_ = false;
    switch (pen_) {
    case Pen::Draw: {
        Stroke ink;
        ink.moment = moment().strokeMoment();
        ink.colour = store->penColour();
        ink.width = store->penWidth();
        ink.points.push_back(at);
        pressureSum_ = pressure;
        pressureCount_ = 1;
        store->setInk(std::move(ink));
        break;
    }
    case Pen::Erase:
        // A click removes the stroke under it; a drag, every stroke it crosses.
        if (const std::uint64_t id = store->strokeAt(at, kEraserReach, moment(), &*placement_))
            erasedOnce_ = store->erase({id}) > 0;
        break;
    case Pen::Laser:
        store->pointLaser(at, wallMs());
        break;
    case Pen::Off:
        break;
    }
}

void StageView::penMoved(QPointF pos, double pressure) {
    AnnotationStore* store = annotations_.data();
    if (!penHeld_ || !store || !placement_) return;
    const QPointF at = placement_->toLayout(pos);
    switch (pen_) {
    case Pen::Draw:
        if (std::optional<Stroke> ink = store->ink(); ink && at != ink->points.back()) {
            ink->points.push_back(at);
            pressureSum_ += pressure;
            ++pressureCount_;
            store->setInk(std::move(ink));
        }
        break;
    case Pen::Erase:
        eraseAlong(lastPen_, at);
        break;
    case Pen::Laser:
        store->pointLaser(at, wallMs());
        break;
    case Pen::Off:
        break;
    }
    lastPen_ = at;
}

void StageView::eraseAlong(QPointF from, QPointF to) {
    AnnotationStore* store = annotations_.data();
    if (!store || !placement_) return;
    const std::vector<std::uint64_t> crossed =
        store->strokesCrossed(from, to, kEraserReach, moment(), &*placement_);
    if (crossed.empty()) return;
    store->erase(crossed, erasedOnce_);
    erasedOnce_ = true;
}

void StageView::penUp() {
    penHeld_ = false;
    const std::optional<StrokePlacement> where = std::exchange(placement_, std::nullopt);
    AnnotationStore* store = annotations_.data();
    if (!store) return;
    if (pen_ == Pen::Laser) store->releaseLaser();
    if (std::optional<Stroke> ink = store->ink()) {
        Stroke done = std::move(*ink);
        store->setInk(std::nullopt);
        // A tablet's pressure makes the line heavier or lighter (half to one and a half times the pen's
        // width); the mouse presses at 1.
        const double pressure = pressureCount_ > 0 ? pressureSum_ / pressureCount_ : 1.0;
        done.width = store->penWidth() * std::clamp(0.5 + pressure * 0.5, 0.5, 1.5);
        if (where) where->anchor(done);
        store->add(std::move(done));
    }
}

void StageView::mouseMoveEvent(QMouseEvent* event) {
    if (penHeld_ && (event->buttons() & Qt::LeftButton)) {
        penMoved(event->position(), 1.0);
        event->accept();
        return;
    }
    QWidget::mouseMoveEvent(event);
}

void StageView::mouseReleaseEvent(QMouseEvent* event) {
    if (penHeld_ && event->button() == Qt::LeftButton) {
        penMoved(event->position(), 1.0);
        penUp();
        event->accept();
        return;
    }
    QWidget::mouseReleaseEvent(event);
}

// A pen tablet: its pressure is heard here; without a pen mode the event is left for the mouse events Qt
// makes of it (selection works as with a mouse).
void StageView::tabletEvent(QTabletEvent* event) {
    if (pen_ == Pen::Off || !annotations_) {
        event->ignore();
        return;
    }
    const double pressure = event->pressure() > 0 ? event->pressure() : 1.0;
    switch (event->type()) {
    case QEvent::TabletPress:
        if (event->button() == Qt::LeftButton) penDown(event->position(), pressure);
        break;
    case QEvent::TabletMove:
        penMoved(event->position(), pressure);
        break;
    case QEvent::TabletRelease:
        if (penHeld_) {
            penMoved(event->position(), pressure);
            penUp();
        }
        break;
    default:
        event->ignore();
        return;
    }
    event->accept();
}

void StageView::paintAnnotations(QPainter& p) {
    const AnnotationStore* store = annotations_.data();
    if (!store) return;
    const qint64 now = wallMs();
    const std::vector<LaserPoint>& laser = store->laser();
    const bool tail = !laser.empty() && now - laser.back().ms < kLaserTrailMs;
    // Nothing to draw: no placement either (without a frame's layout to borrow, a flood's takes
    // milliseconds).
    if (store->isEmpty() && !store->ink() && !store->isLaserHeld() && !tail) return;
    const StrokePlacement where = strokePlacement();
    const std::vector<Stroke>& strokes = store->strokes();
    paintStrokes(p, where, strokes, fader_.opacities(strokes, moment(), now));
    if (const std::optional<Stroke>& ink = store->ink()) paintStrokes(p, where, {*ink}, {1.0});
    paintLaser(p, where.target(), where.zoom(), laser, store->isLaserHeld(), now);
    if (fader_.isFading() || tail) frame_->start();
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
