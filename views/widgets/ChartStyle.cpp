#include "views/widgets/ChartStyle.h"

#include <QFontMetricsF>
#include <QGraphicsLayout>
#include <QGraphicsView>
#include <QPainter>
#include <QtCharts/QChart>
#include <QtCharts/QLegend>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>

namespace backlog::views::chartstyle {

double niceStep(double raw) {
    if (!(raw > 0)) return 1.0;
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * p >= raw * (1 - 1e-9)) return m * p;
    return 10 * p;
}

double niceCeil(double v) {
    if (!(v > 0)) return 1.0;
    const double step = niceStep(v / 5);
    return std::ceil(v / step - 1e-9) * step;
}

QFont chartFont(const Theme& theme, double points, bool bold) {
    QFont f(theme.sansFamily);
    f.setPointSizeF(points * theme.fontScale);
    f.setBold(bold);
    return f;
}

QMargins chartMargins() {
    return {6, 6, 6, 4};
}

void setUpChart(QChart* chart) {
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setMargins(chartMargins());
    chart->layout()->setContentsMargins(0, 0, 0, 0); // the background reaches the edges
}

void applyChartTheme(QChart* c, QGraphicsView* view, const Theme& t) {
    view->setBackgroundBrush(t.background);
    c->setBackgroundBrush(t.background);
    c->setBackgroundPen(Qt::NoPen);
    c->setBackgroundRoundness(0);
    c->setPlotAreaBackgroundBrush(t.listenerFill);
    c->setPlotAreaBackgroundVisible(true);
    c->setTitleBrush(t.text);
    c->setTitleFont(chartFont(t, 10.5, true));
    c->legend()->setLabelColor(t.text);
    c->legend()->setFont(chartFont(t, 8.5));
    c->legend()->setAlignment(Qt::AlignBottom);
    c->legend()->setShowToolTips(true);
    for (QAbstractAxis* a : c->axes()) {
        a->setLabelsColor(t.text);
        a->setLabelsFont(chartFont(t, 8.5));
        a->setTitleBrush(t.mutedText);
        a->setTitleFont(chartFont(t, 9));
        a->setGridLineColor(t.wire);
        a->setMinorGridLineColor(t.wire.lighter(t.name == QLatin1String("dark") ? 80 : 108));
        a->setLinePenColor(t.panelBorder);
    }
}

void setCountRange(QValueAxis* y, double max) {
    y->setRange(0, niceCeil(std::max(max, 1.0) * 1.05));
    y->applyNiceNumbers();
    const double step = (y->max() - y->min()) / std::max(1, y->tickCount() - 1);
    y->setLabelFormat(
        QStringLiteral("%.%1f").arg(std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 0, 6)));
}

QValueAxis* countAxis(const QString& title, double max) {
    auto* y = new QValueAxis;
    y->setTitleText(title);
    setCountRange(y, max);
    return y;
}

PenOf solidPen(QColor Theme::*colour, double width) {
    return [colour, width](const Theme& t) {
        QPen pen(t.*colour, width * t.lineScale);
        pen.setCapStyle(Qt::FlatCap);
        return pen;
    };
}

PenOf dashedPen(QColor Theme::*colour, double width, double offset) {
    return [colour, width, offset](const Theme& t) {
        QPen pen(t.*colour, width * t.lineScale);
        pen.setDashPattern({4, 4});
        pen.setDashOffset(offset);
        pen.setCapStyle(Qt::FlatCap);
        return pen;
    };
}

QColor otherRunColour(const QColor& colour, const Theme& theme) {
    constexpr float kept = 0.6f; // of the series' colour; the rest is the background's
    const QColor& b = theme.background;
    return QColor::fromRgbF(colour.redF() * kept + b.redF() * (1 - kept),
                            colour.greenF() * kept + b.greenF() * (1 - kept),
                            colour.blueF() * kept + b.blueF() * (1 - kept), colour.alphaF());
}

PenOf otherRunPen(PenOf pen) {
    return [pen = std::move(pen)](const Theme& t) {
        QPen p = pen(t);
        if (p.style() == Qt::NoPen) return p;
        const bool dashed = p.style() != Qt::SolidLine;
        const double offset = p.dashOffset();
        p.setColor(otherRunColour(p.color(), t));
        // Units of the pen's width: long dashes for a solid series, dots for a dashed one (a dashed
        // capacity's offset, which lets two capacities on one line both show, is kept as half a period).
        p.setDashPattern(dashed ? QList<qreal>{1, 1.5} : QList<qreal>{5, 2.5});
        p.setDashOffset(dashed && offset > 0 ? 1.25 : 0);
        return p;
    };
}

QBrush otherRunBrush(const QColor& colour) {
    QColor c = colour;
    c.setAlphaF(1.0f);
    return QBrush(c, Qt::BDiagPattern);
}

// ------------------------------------------------------------------------------------------------

RunLegend::RunLegend(QGraphicsItem* parent) : QGraphicsItem(parent) {
}

void RunLegend::setContent(std::vector<Group> groups, const Theme& theme) {
    groups_ = std::move(groups);
    placed_.clear();
    font_ = chartFont(theme, 8.5);
    titleFont_ = chartFont(theme, 8.5, true);
    textColour_ = theme.text;
}

double RunLegend::layOut(double width, double maxHeight) {
    prepareGeometryChange();
    // The first that fits: every name whole, the titles beside or above; then names cut to a half, a
    // third, a quarter of the width (as Qt's own legend elides them when they do not fit).
    struct Way {
        bool titlesAbove;
        double widest; // of the width
    };
    constexpr Way ways[] = {{false, 1.0}, {true, 1.0}, {false, 0.5}, {false, 1.0 / 3}, {false, 0.25}};
    double height = 0;
    for (const Way& way : ways) {
        height = place(width, way.titlesAbove, way.widest * width);
        if (height <= maxHeight) break;
    }
    bounds_ = QRectF(0, 0, width, height);
    update();
    return height;
}

// A row per run (more when its entries do not fit), every run's entries from the same x on (after a column
// of titles, or under each title): both runs have mostly the same series, in the same order and with the
// same names, so a series of one run stands over the same series of the other. (A strict table, with a
// column per series, would be as wide as the widest entry in each column: more rows for the same.)
double RunLegend::place(double width, bool titlesAbove, double widest) {
    placed_.clear();
    const QFontMetricsF fm(font_), tfm(titleFont_);
    const double em = fm.height();
    const double row = std::ceil(std::max(em, tfm.height()) + 0.3 * em);
    const double sample = std::round(2.4 * em), gap = std::round(0.35 * em), between = std::round(1.1 * em);
    double indent = titlesAbove ? std::round(em) : 0;
    if (!titlesAbove)
        for (const Group& g : groups_)
            indent = std::max(indent, tfm.horizontalAdvance(g.title + QLatin1Char(':')) + 2 * gap);
    double y = 0, right = 0;
    for (const Group& g : groups_) {
        const QString title = g.title + QLatin1Char(':');
        placed_.push_back({QRectF(), QRectF(0, y, tfm.horizontalAdvance(title) + 1, row), title, nullptr});
        right = std::max(right, tfm.horizontalAdvance(title));
        if (titlesAbove) y += row;
        double x = indent;
        for (const Entry& e : g.entries) {
            QString label = e.name;
            double textWidth = fm.horizontalAdvance(label);
            const double most = std::max(0.0, std::min(widest, width - indent) - sample - gap);
            if (textWidth > most) {
                label = fm.elidedText(e.name, Qt::ElideRight, most);
                textWidth = fm.horizontalAdvance(label);
            }
            if (x > indent && x + sample + gap + textWidth > width) {
                x = indent;
                y += row;
            }
            placed_.push_back({QRectF(x, y, sample, row),
                               QRectF(x + sample + gap, y, std::ceil(textWidth) + 1, row), label, &e});
            right = std::max(right, x + sample + gap + textWidth);
            x += sample + gap + textWidth + between;
        }
        y += row;
    }
    // The rows as one block, in the middle, as Qt's own legend is.
    const double shift = std::max(0.0, std::floor((width - right) / 2));
    for (Placed& p : placed_) {
        p.sample.translate(shift, 0);
        p.text.translate(shift, 0);
    }
    return y;
}

QRectF RunLegend::boundingRect() const {
    return bounds_;
}

void RunLegend::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, true);
    const double swatch = std::round(QFontMetricsF(font_).height() * 0.6);
    for (const Placed& p : placed_) {
        if (p.entry) {
            const double mid = p.sample.center().y();
            painter->setPen(p.entry->pen);
            if (p.entry->brush.style() != Qt::NoBrush) {
                painter->setBrush(p.entry->brush);
                painter->drawRect(
                    QRectF(p.sample.left() + 2, mid - swatch / 2, p.sample.width() - 4, swatch));
                painter->setBrush(Qt::NoBrush);
            } else {
                painter->drawLine(QPointF(p.sample.left(), mid), QPointF(p.sample.right(), mid));
            }
        }
        painter->setFont(p.entry ? font_ : titleFont_);
        painter->setPen(textColour_);
        painter->drawText(p.text, Qt::AlignLeft | Qt::AlignVCenter, p.label);
    }
    painter->restore();
}

} // namespace backlog::views::chartstyle
