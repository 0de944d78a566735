// A chart of the last few minutes of something measured live (the "This machine" dock, issue 14: a
// machine's counter rates, a listener's accept queue): lines whose x is seconds before now, from -span
// to 0, drawn with the look of the run's charts (ChartStyle.h: theme, fonts, axes, pens). It only draws
// what it is given; whoever measures keeps the history. Qt Charts stays behind this interface (STYLE.md
// pattern 7). Fed once per sample: one QXYSeries::replace() a line, the series rebuilt only when the
// set of lines changes.
#pragma once

#include "views/render/Theme.h"

#include <QPointF>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <memory>
#include <vector>

namespace backlog::views {

class RecentChart : public QWidget {
    Q_OBJECT
  public:
    struct Line {
        QString name; // the legend's words
        QColor Theme::*colour = &Theme::text;
        double width = 1.5;
        bool dashed = false;
        // A level read at each sample (a queue's length), drawn held until the next sample; otherwise
        // the points are joined (rates, each the mean over the interval before it).
        bool steps = false;
        std::vector<QPointF> points; // x: seconds before now (≤ 0), in order
    };

    explicit RecentChart(QWidget* parent = nullptr);
    ~RecentChart() override;

    void setSpan(double seconds); // x runs from -seconds to 0
    double span() const { return span_; }
    void setTitle(const QString& title);
    void setAxisTitles(const QString& x, const QString& y);
    void setLines(std::vector<Line> lines);
    void setTheme(const Theme& theme);
    // Below the plot (as the run's charts have it), or to its right: a column, for many long names.
    void setLegendAlignment(Qt::Alignment side);

    // What the chart holds, for tests.
    QString title() const;
    QStringList lineNames() const;
    std::vector<QPointF> shownPoints(int line) const; // as handed to Qt Charts (steps drawn as stairs)
    double yMax() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> d_;
    Theme theme_ = Theme::light();
    double span_ = 300;
};

} // namespace backlog::views
