#include "views/document/AnnotationFile.h"

#include "views/document/WholeFile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QRegularExpression>

#include <cmath>
#include <optional>

namespace backlog::views {

QString annotationsPathFor(const QString& lessonPath) {
    const QFileInfo info(lessonPath);
    return info.dir().filePath(info.completeBaseName() + QStringLiteral(".annotations.json"));
}

namespace {

// A JSON number that is a whole number (nanoseconds, a step): JSON has doubles only, and 2^53 is far
// beyond any run's length in nanoseconds (about 104 days).
std::optional<std::int64_t> wholeNumber(const QJsonValue& v) {
    if (!v.isDouble()) return std::nullopt;
    const double d = v.toDouble();
    if (!std::isfinite(d) || std::floor(d) != d || std::abs(d) > 9.0e15) return std::nullopt;
    return static_cast<std::int64_t>(d);
}

// The stage is 1600 × 900; a coordinate far outside it is a broken file, not a stroke.
bool isCoordinate(const QJsonValue& c) {
    return c.isDouble() && std::isfinite(c.toDouble()) && std::abs(c.toDouble()) <= 100'000;
}

// A stroke's "anchor" or "end-anchor", or the problem with it.
QString readAnchor(const QJsonValue& value, const QString& key, StrokeAnchor& out) {
    if (!value.isObject()) return QStringLiteral("\"%1\" is not an object").arg(key);
    const QJsonObject o = value.toObject();
    for (const QString& k : o.keys())
        if (k != QLatin1String("part") && k != QLatin1String("listener") && k != QLatin1String("side") &&
            k != QLatin1String("frame"))
            return QStringLiteral("\"%1\" has an unknown key \"%2\" (expected part, listener, side, frame)")
                .arg(key, k);
    if (!stagePartNamed(o.value(QStringLiteral("part")).toString(), out.part))
        return QStringLiteral(
                   "\"%1\" names no part of the stage (\"part\" is one of stage, header, footer, "
                   "clients, network, server, server-title, counters, workers, listener, syn-queue, "
                   "accept-queue)")
            .arg(key);
    if (stagePartHasListener(out.part)) {
        const std::optional<std::int64_t> listener = wholeNumber(o.value(QStringLiteral("listener")));
        if (!listener || *listener < 0 || *listener > 10'000)
            return QStringLiteral("\"%1\" needs \"listener\", a listener's number (0 or more)").arg(key);
        out.listener = static_cast<int>(*listener);
    } else if (o.contains(QStringLiteral("listener"))) {
        return QStringLiteral("\"%1\": a %2 has no \"listener\"")
            .arg(key, QLatin1String(stagePartName(out.part)));
    }
    if (o.contains(QStringLiteral("side"))) {
        const std::optional<std::int64_t> side = wholeNumber(o.value(QStringLiteral("side")));
        if (!side || (*side != 0 && *side != 1))
            return QStringLiteral("\"%1\": \"side\" is 0 or 1 (a side of two runs compared)").arg(key);
        out.side = static_cast<int>(*side);
    }
    const QJsonArray frame = o.value(QStringLiteral("frame")).toArray();
    if (!o.value(QStringLiteral("frame")).isArray() || frame.size() != 4 || !isCoordinate(frame.at(0)) ||
        !isCoordinate(frame.at(1)) || !isCoordinate(frame.at(2)) || !isCoordinate(frame.at(3)) ||
        !(frame.at(2).toDouble() > 0) || !(frame.at(3).toDouble() > 0))
        return QStringLiteral("\"%1\" needs \"frame\": [x, y, width, height], width and height above 0")
            .arg(key);
    out.frame = QRectF(frame.at(0).toDouble(), frame.at(1).toDouble(), frame.at(2).toDouble(),
                       frame.at(3).toDouble());
    return {};
}

// One stroke of the file, or the problem with it. `anchored`: the format has anchors.
QString readStroke(const QJsonValue& value, bool anchored, Stroke& out) {
    if (!value.isObject()) return QStringLiteral("is not an object");
    const QJsonObject o = value.toObject();
    QStringList known = {QStringLiteral("step"), QStringLiteral("at"), QStringLiteral("colour"),
                         QStringLiteral("width"), QStringLiteral("points")};
    if (anchored) known << QStringLiteral("anchor") << QStringLiteral("end-anchor");
    for (const QString& key : o.keys())
        if (!known.contains(key))
            return QStringLiteral("unknown key \"%1\" (expected %2)")
                .arg(key, anchored ? QStringLiteral("step or at, colour, width, points, anchor, end-anchor")
                                   : QStringLiteral("step or at, colour, width, points"));
    if (o.contains(QStringLiteral("step")) == o.contains(QStringLiteral("at")))
        return QStringLiteral("needs either \"step\" (a lesson step) or \"at\" (nanoseconds), not %1")
            .arg(o.contains(QStringLiteral("step")) ? QStringLiteral("both") : QStringLiteral("neither"));
    if (o.contains(QStringLiteral("step"))) {
        const std::optional<std::int64_t> step = wholeNumber(o.value(QStringLiteral("step")));
        if (!step || *step < 0 || *step > 100'000)
            return QStringLiteral("\"step\" is not a step number (0 or more)");
        out.moment = {static_cast<int>(*step), Time()};
    } else {
        const std::optional<std::int64_t> at = wholeNumber(o.value(QStringLiteral("at")));
        if (!at || *at < 0) return QStringLiteral("\"at\" is not a time in nanoseconds (0 or more)");
        out.moment = {-1, Time::ns(*at)};
    }
    static const QRegularExpression hex(QStringLiteral("^#[0-9a-fA-F]{6}$"));
    const QString colour = o.value(QStringLiteral("colour")).toString();
    if (!hex.match(colour).hasMatch())
        return QStringLiteral("\"colour\" is not a colour such as \"#d55e00\"");
    out.colour = QColor(colour);
    const QJsonValue width = o.value(QStringLiteral("width"));
    if (!width.isDouble() || !(width.toDouble() > 0) || width.toDouble() > kMaxPenWidth)
        return QStringLiteral("\"width\" is not a width from 0 to %1").arg(kMaxPenWidth);
    out.width = width.toDouble();
    const QJsonValue points = o.value(QStringLiteral("points"));
    if (!points.isArray() || points.toArray().isEmpty())
        return QStringLiteral("\"points\" is not a list of [x, y] points");
    const QJsonArray list = points.toArray();
    if (static_cast<std::size_t>(list.size()) > kMaxStrokePoints)
        return QStringLiteral("has %1 points (at most %2)").arg(list.size()).arg(kMaxStrokePoints);
    for (qsizetype k = 0; k < list.size(); ++k) {
        const QJsonArray xy = list.at(k).toArray();
        if (!list.at(k).isArray() || xy.size() != 2 || !isCoordinate(xy.at(0)) || !isCoordinate(xy.at(1)))
            return QStringLiteral("point %1 is not [x, y]").arg(k + 1);
        out.points.emplace_back(xy.at(0).toDouble(), xy.at(1).toDouble());
    }
    if (o.contains(QStringLiteral("anchor"))) {
        if (QString problem =
                readAnchor(o.value(QStringLiteral("anchor")), QStringLiteral("anchor"), out.anchor);
            !problem.isEmpty())
            return problem;
    }
    out.endAnchor = out.anchor;
    if (o.contains(QStringLiteral("end-anchor"))) {
        if (!o.contains(QStringLiteral("anchor")))
            return QStringLiteral("has \"end-anchor\" without \"anchor\"");
        if (QString problem = readAnchor(o.value(QStringLiteral("end-anchor")), QStringLiteral("end-anchor"),
                                         out.endAnchor);
            !problem.isEmpty())
            return problem;
    }
    return {};
}

QJsonObject anchorJson(const StrokeAnchor& a, double (*round)(double)) {
    QJsonObject o;
    o.insert(QStringLiteral("part"), QLatin1String(stagePartName(a.part)));
    if (stagePartHasListener(a.part)) o.insert(QStringLiteral("listener"), a.listener);
    if (a.side >= 0) o.insert(QStringLiteral("side"), a.side);
    o.insert(QStringLiteral("frame"), QJsonArray{round(a.frame.x()), round(a.frame.y()),
                                                 round(a.frame.width()), round(a.frame.height())});
    return o;
}

} // namespace

AnnotationsRead parseAnnotations(const QByteArray& json, const QString& name) {
    AnnotationsRead r;
    QJsonParseError parsed;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parsed);
    if (parsed.error != QJsonParseError::NoError) {
        r.error =
            QStringLiteral("%1: not JSON: %2 at byte %3").arg(name, parsed.errorString()).arg(parsed.offset);
        return r;
    }
    if (!doc.isObject()) {
        r.error = name + QStringLiteral(": not an annotations file (a JSON object is expected)");
        return r;
    }
    const QJsonObject root = doc.object();
    const QString format = root.value(QStringLiteral("format")).toString();
    const bool anchored = format == QLatin1String(kAnnotationsFormat);
    if (!anchored && format != QLatin1String(kAnnotationsFormatV1)) {
        r.error = format.startsWith(QLatin1String("backlog-annotations/"))
                      ? QStringLiteral("%1: format \"%2\" is newer than this Backlog reads (%3)")
                            .arg(name, format, QLatin1String(kAnnotationsFormat))
                      : QStringLiteral("%1: not an annotations file (\"format\" is not \"%2\")")
                            .arg(name, QLatin1String(kAnnotationsFormat));
        return r;
    }
    for (const QString& key : root.keys())
        if (key != QLatin1String("format") && key != QLatin1String("strokes")) {
            r.error = QStringLiteral("%1: unknown key \"%2\" (expected format, strokes)").arg(name, key);
            return r;
        }
    if (!root.value(QStringLiteral("strokes")).isArray()) {
        r.error = name + QStringLiteral(": \"strokes\" is not a list");
        return r;
    }
    const QJsonArray strokes = root.value(QStringLiteral("strokes")).toArray();
    if (static_cast<std::size_t>(strokes.size()) > kMaxStrokes) {
        r.error =
            QStringLiteral("%1: %2 strokes (at most %3)").arg(name).arg(strokes.size()).arg(kMaxStrokes);
        return r;
    }
    for (qsizetype i = 0; i < strokes.size(); ++i) {
        Stroke s;
        if (const QString problem = readStroke(strokes.at(i), anchored, s); !problem.isEmpty()) {
            r.error = QStringLiteral("%1: stroke %2 %3").arg(name).arg(i + 1).arg(problem);
            r.strokes.clear();
            return r;
        }
        r.strokes.push_back(std::move(s));
    }
    return r;
}

AnnotationsRead readAnnotations(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        AnnotationsRead r;
        r.error = path + QStringLiteral(": cannot read: ") + f.errorString();
        return r;
    }
    // A side file of the bounds' size is a few megabytes; a larger one is not one of ours.
    constexpr qint64 kMaxBytes = 64LL * 1024 * 1024;
    if (f.size() > kMaxBytes) {
        AnnotationsRead r;
        r.error = path + QStringLiteral(": too large for an annotations file");
        return r;
    }
    return parseAnnotations(f.readAll(), path);
}

QByteArray annotationsJson(const std::vector<Stroke>& strokes) {
    // Hundredths of a layout unit: far below a pixel on any screen, and a file a person can read.
    double (*hundredths)(double) = [](double v) { return std::round(v * 100) / 100; };
    QJsonArray list;
    for (const Stroke& s : strokes) {
        QJsonObject o;
        if (s.moment.step >= 0)
            o.insert(QStringLiteral("step"), s.moment.step);
        else
            o.insert(QStringLiteral("at"), static_cast<qint64>(s.moment.at.count()));
        o.insert(QStringLiteral("colour"), s.colour.name(QColor::HexRgb));
        o.insert(QStringLiteral("width"), hundredths(s.width));
        QJsonArray points;
        for (const QPointF& p : s.points)
            points.append(QJsonArray{hundredths(p.x()), hundredths(p.y())});
        o.insert(QStringLiteral("points"), points);
        // The plain stretch is what no anchor means: it is not written.
        if (s.anchor != StrokeAnchor{} || s.endAnchor != s.anchor)
            o.insert(QStringLiteral("anchor"), anchorJson(s.anchor, hundredths));
        if (s.endAnchor != s.anchor)
            o.insert(QStringLiteral("end-anchor"), anchorJson(s.endAnchor, hundredths));
        list.append(o);
    }
    QJsonObject root;
    root.insert(QStringLiteral("format"), QLatin1String(kAnnotationsFormat));
    root.insert(QStringLiteral("strokes"), list);
    return QJsonDocument(root).toJson(QJsonDocument::Compact) + '\n';
}

QString writeAnnotations(const QString& path, const std::vector<Stroke>& strokes) {
    return writeWholeFile(path, annotationsJson(strokes));
}

} // namespace backlog::views
