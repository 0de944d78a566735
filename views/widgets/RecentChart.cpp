#include "views/widgets/RecentChart.h"

#include "views/render/ChartSeries.h"
#include "views/widgets/ChartStyle.h"

#include <QVBoxLayout>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>

namespace backlog::views {

using namespace chartstyle;

struct RecentChart::Impl {
    QChart* chart = nullptr;
    QChartView* view = nullptr;
    QValueAxis* x = nullptr;
    QValueAxis* y = nullptr;
    std::vector<Line> lines;
    std::vector<QLineSeries*> series; // one a line, in the same order
    Qt::Alignment legendSide = Qt::AlignBottom;

    static PenOf penOf(const Line& line) {
        return line.dashed ? dashedPen(line.colour, line.width) : solidPen(line.colour, line.width);
    }

    void applyTheme(const Theme& t) {
        applyChartTheme(chart, view, t);
        chart->legend()->setAlignment(legendSide);
        for (std::size_t i = 0; i < series.size(); ++i)
            series[i]->setPen(penOf(lines[i])(t));
    }

    // Seconds before now: a tick a minute over minutes, round steps over less.
    void setSpan(double span) {
        x->setRange(-span, 0);
        x->setTickType(QValueAxis::TicksDynamic);
        x->setTickAnchor(0);
        x->setTickInterval(span >= 120 ? 60 : niceStep(span / 5));
        x->setLabelFormat(QStringLiteral("%.0f"));
    }

    static std::vector<QPointF> drawn(const Line& line) {
        if (!line.steps || line.points.empty()) return line.points;
        // Held from each sample to the next; the last one up to itself (now is its own moment).
        return charts::stairs(line.points, line.points.back().x());
    }

    bool sameLines(const std::vector<Line>& next) const {
        if (next.size() != lines.size()) return false;
        for (std::size_t i = 0; i < next.size(); ++i)
            if (next[i].name != lines[i].name || next[i].colour != lines[i].colour ||
                next[i].dashed != lines[i].dashed || next[i].width != lines[i].width)
                return false;
        return true;
    }

    void rebuildSeries(const std::vector<Line>& next, const Theme& theme) {
        chart->removeAllSeries();
        series.clear();
        for (const Line& line : next) {
            auto* s = new QLineSeries;
            s->setName(line.name);
            chart->addSeries(s);
            s->attachAxis(x);
            s->attachAxis(y);
            s->setPen(penOf(line)(theme));
            series.push_back(s);
        }
    }
};

RecentChart::RecentChart(QWidget* parent) : QWidget(parent), d_(std::make_unique<Impl>()) {
    d_->chart = new QChart;
    setUpChart(d_->chart);
    d_->view = new QChartView(d_->chart, this);
    d_->view->setRenderHint(QPainter::Antialiasing, true);
    d_->view->setFrameShape(QFrame::NoFrame);
    d_->x = new QValueAxis;
    d_->chart->addAxis(d_->x, Qt::AlignBottom);
    d_->y = countAxis(QString(), 1);
    d_->chart->addAxis(d_->y, Qt::AlignLeft);
    d_->setSpan(span_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(d_->view);
    d_->applyTheme(theme_);
}

RecentChart::~RecentChart() = default;

void RecentChart::setSpan(double seconds) {
    span_ = std::max(seconds, 1.0);
    d_->setSpan(span_);
}

void RecentChart::setTitle(const QString& title) {
    d_->chart->setTitle(title);
}

void RecentChart::setAxisTitles(const QString& x, const QString& y) {
    d_->x->setTitleText(x);
    d_->y->setTitleText(y);
}

void RecentChart::setLines(std::vector<Line> lines) {
    if (!d_->sameLines(lines)) d_->rebuildSeries(lines, theme_);
    double top = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::vector<QPointF> points = Impl::drawn(lines[i]);
        for (const QPointF& p : points)
            if (p.x() >= -span_) top = std::max(top, p.y());
        d_->series[i]->replace(QList<QPointF>(points.begin(), points.end()));
    }
    setCountRange(d_->y, top);
    d_->lines = std::move(lines);
}

void RecentChart::setTheme(const Theme& theme) {
    theme_ = theme;
    d_->applyTheme(theme_);
}

void RecentChart::setLegendAlignment(Qt::Alignment side) {
    d_->legendSide = side;
    d_->chart->legend()->setAlignment(side);
}

QString RecentChart::title() const {
    return d_->chart->title();
}

QStringList RecentChart::lineNames() const {
    QStringList names;
    for (const Line& line : d_->lines)
        names << line.name;
    return names;
}

std::vector<QPointF> RecentChart::shownPoints(int line) const {
    if (line < 0 || static_cast<std::size_t>(line) >= d_->series.size()) return {};
    const QList<QPointF> points = d_->series[static_cast<std::size_t>(line)]->points();
    return {points.begin(), points.end()};
}

double RecentChart::yMax() const {
    return d_->y->max();
}

} // namespace backlog::views
