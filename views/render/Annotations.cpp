#include "views/render/Annotations.h"

#include <QLineF>
#include <QPainter>
#include <QPainterPath>
#include <QPen>

#include <algorithm>
#include <cmath>
#include <limits>

namespace backlog::views {

QPointF toLayout(QPointF pos, const QRectF& target, const QTransform& zoom) {
    const QPointF unzoomed = zoom.inverted().map(pos);
    return {(unzoomed.x() - target.left()) * kAnnotationWidth / std::max(1e-9, target.width()),
            (unzoomed.y() - target.top()) * kAnnotationHeight / std::max(1e-9, target.height())};
}

QPointF fromLayout(QPointF layout, const QRectF& target, const QTransform& zoom) {
    return zoom.map(QPointF(target.left() + layout.x() * target.width() / kAnnotationWidth,
                            target.top() + layout.y() * target.height() / kAnnotationHeight));
}

namespace {
struct PartName {
    StagePart part;
    const char* name;
};
constexpr PartName kPartNames[] = {
    {StagePart::Stage, "stage"},
    {StagePart::Header, "header"},
    {StagePart::Footer, "footer"},
    {StagePart::Clients, "clients"},
    {StagePart::Network, "network"},
    {StagePart::Server, "server"},
    {StagePart::ServerTitle, "server-title"},
    {StagePart::Counters, "counters"},
    {StagePart::Workers, "workers"},
    {StagePart::Listener, "listener"},
    {StagePart::SynQueue, "syn-queue"},
    {StagePart::AcceptQueue, "accept-queue"},
};
} // namespace

const char* stagePartName(StagePart part) {
    for (const PartName& n : kPartNames)
        if (n.part == part) return n.name;
    return "stage";
}

bool stagePartNamed(const QString& name, StagePart& part) {
    for (const PartName& n : kPartNames)
        if (name == QLatin1String(n.name)) {
            part = n.part;
            return true;
        }
    return false;
}

double layoutUnit(const QRectF& target, const QTransform& zoom) {
    const double stretch = std::min(target.width() / kAnnotationWidth, target.height() / kAnnotationHeight);
    // A zoom is a uniform scale and a translation (StageRenderer::zoomTransform).
    return stretch * std::sqrt(std::abs(zoom.determinant()));
}

Time nearWindow(Time end) {
    return std::max(Time::ns(1), end / 200);
}

double strokePresence(const Stroke& stroke, const StageMoment& now) {
    if (stroke.moment.step >= 0) return now.step == stroke.moment.step ? 1.0 : 0.0;
    // A plain run's stroke is never shown on a lesson step, nor a lesson step's without one.
    if (now.step >= 0) return 0.0;
    const Time near = nearWindow(now.end);
    const std::int64_t away = std::abs(now.t.count() - stroke.moment.at.count());
    if (away <= near.count()) return 1.0;
    if (away >= 2 * near.count()) return 0.0;
    return 1.0 - static_cast<double>(away - near.count()) / static_cast<double>(near.count());
}

namespace {

double distanceToSegment(QPointF p, QPointF a, QPointF b) {
    const QPointF ab = b - a;
    const double len2 = QPointF::dotProduct(ab, ab);
    const double k = len2 > 0 ? std::clamp(QPointF::dotProduct(p - a, ab) / len2, 0.0, 1.0) : 0.0;
    const QPointF d = p - (a + k * ab);
    return std::hypot(d.x(), d.y());
}

bool segmentsIntersect(QPointF a, QPointF b, QPointF c, QPointF d) {
    QPointF at;
    return QLineF(a, b).intersects(QLineF(c, d), &at) == QLineF::BoundedIntersection;
}

} // namespace

double distanceToStroke(const Stroke& stroke, QPointF p) {
    const std::vector<QPointF>& pts = stroke.points;
    if (pts.empty()) return std::numeric_limits<double>::infinity();
    if (pts.size() == 1) return std::hypot(p.x() - pts[0].x(), p.y() - pts[0].y());
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t i = 1; i < pts.size(); ++i)
        best = std::min(best, distanceToSegment(p, pts[i - 1], pts[i]));
    return best;
}

bool segmentCrossesStroke(const Stroke& stroke, QPointF a, QPointF b, double reach) {
    const std::vector<QPointF>& pts = stroke.points;
    if (distanceToStroke(stroke, a) <= reach || distanceToStroke(stroke, b) <= reach) return true;
    for (std::size_t i = 1; i < pts.size(); ++i) {
        if (segmentsIntersect(a, b, pts[i - 1], pts[i])) return true;
        if (distanceToSegment(pts[i], a, b) <= reach) return true;
    }
    return pts.size() == 1 && distanceToSegment(pts[0], a, b) <= reach;
}

void paintLaser(QPainter& p, const QRectF& target, const QTransform& zoom,
                const std::vector<LaserPoint>& trail, bool held, qint64 nowMs) {
    if (trail.empty()) return;
    // Okabe–Ito vermillion, lit: the pointer a lecturer's laser is, on every theme.
    const QColor laser(0xFF, 0x45, 0x00);
    const double unit = layoutUnit(target, zoom);
    p.save();
    p.setClipRect(target, Qt::IntersectClip);
    p.setRenderHint(QPainter::Antialiasing, true);
    for (std::size_t i = 1; i < trail.size(); ++i) {
        const double age = static_cast<double>(nowMs - trail[i].ms) / static_cast<double>(kLaserTrailMs);
        if (age >= 1) continue;
        QColor c = laser;
        c.setAlphaF(static_cast<float>(0.8 * (1 - std::max(0.0, age))));
        p.setPen(QPen(c, 6 * unit * (1 - 0.5 * std::max(0.0, age)), Qt::SolidLine, Qt::RoundCap));
        p.drawLine(fromLayout(trail[i - 1].at, target, zoom), fromLayout(trail[i].at, target, zoom));
    }
    if (held) {
        const QPointF at = fromLayout(trail.back().at, target, zoom);
        QRadialGradient glow(at, 18 * unit);
        glow.setColorAt(0, QColor(255, 255, 255, 255));
        glow.setColorAt(0.25, laser);
        glow.setColorAt(1, QColor(laser.red(), laser.green(), laser.blue(), 0));
        p.setPen(Qt::NoPen);
        p.setBrush(glow);
        p.drawEllipse(at, 18 * unit, 18 * unit);
    }
    p.restore();
}

std::vector<double> AnnotationFader::opacities(const std::vector<Stroke>& strokes, const StageMoment& now,
                                               qint64 nowMs) {
    const qint64 step = lastMs_ < 0 ? 0 : std::clamp<qint64>(nowMs - lastMs_, 0, kLongestFrameMs);
    lastMs_ = nowMs;
    const double fall = static_cast<double>(step) / kFadeMs;
    std::unordered_map<std::uint64_t, double> shown;
    std::vector<double> out;
    out.reserve(strokes.size());
    fading_ = false;
    for (const Stroke& s : strokes) {
        const double presence = strokePresence(s, now);
        const auto was = shown_.find(s.id);
        // A stroke seen for the first time shows as it is; one the stage came back to, at once.
        double opacity = presence;
        if (was != shown_.end() && was->second > presence) opacity = std::max(presence, was->second - fall);
        if (opacity > presence) fading_ = true;
        shown[s.id] = opacity;
        out.push_back(opacity);
    }
    shown_ = std::move(shown);
    return out;
}

} // namespace backlog::views
