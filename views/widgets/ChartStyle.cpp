#include "views/widgets/ChartStyle.h"

#include <QGraphicsLayout>
#include <QGraphicsView>
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

void setUpChart(QChart* chart) {
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setMargins(QMargins(6, 6, 6, 4));
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

} // namespace backlog::views::chartstyle
