// The look every Qt Charts chart of the window shares: the run's charts (ChartsView) and the live ones
// (RecentChart) draw with the same theme, fonts, margins, axes and pens, so a rate measured on this
// machine and one simulated read alike. Private to views/widgets: Qt Charts stays inside this folder
// (STYLE.md pattern 7; it is deprecated from Qt 6.10).
#pragma once

#ifndef BACKLOG_INSIDE_VIEWS_WIDGETS
#error "views/widgets/ChartStyle.h is private to backlog_views_widgets"
#endif

#include "views/render/Theme.h"

#include <QBrush>
#include <QFont>
#include <QGraphicsItem>
#include <QMargins>
#include <QPen>

#include <functional>
#include <vector>

class QChart;
class QGraphicsView;
class QString;
class QValueAxis;

namespace backlog::views::chartstyle {

// A readable step: 1, 2 or 5 × 10^k, at least `raw`.
double niceStep(double raw);
// A round number at or above `v` (1 for nothing to show).
double niceCeil(double v);

QFont chartFont(const Theme& theme, double points, bool bold = false);

// A new chart as the window shows them: no animation, small margins, the background to the edges.
void setUpChart(QChart* chart);
QMargins chartMargins(); // the chart's own, around its title, axes and legend
// The theme on the chart, the view around it, its title, its legend and every axis it has now; the
// series' pens are the caller's (it knows which pen each line has).
void applyChartTheme(QChart* chart, QGraphicsView* view, const Theme& theme);

// y from 0 to a round number above `max` (at least 1), with as many decimals as the tick step needs:
// whole numbers of connections and segments show no decimals.
void setCountRange(QValueAxis* axis, double max);
QValueAxis* countAxis(const QString& title, double max);

using PenOf = std::function<QPen(const Theme&)>;
PenOf solidPen(QColor Theme::*colour, double width = 1.5);
// `offset` 4 fills the gaps of offset 0: two capacities on one line (backlog + 1 both) show both.
PenOf dashedPen(QColor Theme::*colour, double width = 1.5, double offset = 0);

// A comparison's other run (SimulationDocument::compareWith): the same colour as its series, paler (40 %
// of the way to the background, in every theme), and dashed where the series is solid, dotted where it
// is dashed, so that the two runs of one series are told apart by the line itself, not only by its hue.
PenOf otherRunPen(PenOf pen);
QColor otherRunColour(const QColor& colour, const Theme& theme);
// An area of the other run (saturation, a histogram's bars): its colour hatched instead of filled, so
// that where both runs' areas lie on each other both are seen.
QBrush otherRunBrush(const QColor& colour);

// The legend of a comparison, in place of Qt Charts' own while two runs are plotted. Qt's legend is one
// row that elides every name once the entries no longer fit (twice the entries: "accept que…"), and it
// shows a line as a square of its colour, so the two runs of one series would look the same in it.
// This one gives each run a row of its own, headed by its title ("model:", "measured on Linux 6.18.44:"),
// with each entry a short piece of its line's own pen (solid, dashed, dotted) or a swatch of its area;
// a row that does not fit goes on in the next, from the same x, and a narrow chart's legend is kept to a
// part of its height. It is a child of the chart, so it is drawn wherever the chart is (the dock, a
// picture of it); the chart's bottom margin is what it takes.
class RunLegend : public QGraphicsItem {
  public:
    struct Entry {
        QString name;
        QPen pen;
        QBrush brush; // an area's; Qt::NoBrush for a line
    };
    struct Group {
        QString title;
        std::vector<Entry> entries;
    };

    explicit RunLegend(QGraphicsItem* parent = nullptr);
    void setContent(std::vector<Group> groups, const Theme& theme);
    // Places the entries in rows at most `width` wide, if it can in no more than `maxHeight` (a narrow
    // chart: the titles above their runs' entries, then the longest names elided), and returns the height
    // they take.
    double layOut(double width, double maxHeight);

    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

  private:
    // One way of placing the entries: the titles in a column of their own or each above its run's
    // entries; no entry wider than `widest`. Returns the height taken.
    double place(double width, bool titlesAbove, double widest);

    struct Placed {
        QRectF sample; // the pen's stroke or the area's swatch (empty for a title)
        QRectF text;
        QString label;                // elided to fit
        const Entry* entry = nullptr; // nullptr: a group's title
    };
    std::vector<Group> groups_;
    std::vector<Placed> placed_;
    QFont font_, titleFont_;
    QColor textColour_;
    QRectF bounds_;
};

} // namespace backlog::views::chartstyle
