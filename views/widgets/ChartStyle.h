// The look every Qt Charts chart of the window shares: the run's charts (ChartsView) and the live ones
// (RecentChart) draw with the same theme, fonts, margins, axes and pens, so a rate measured on this
// machine and one simulated read alike. Private to views/widgets: Qt Charts stays inside this folder
// (STYLE.md pattern 7; it is deprecated from Qt 6.10).
#pragma once

#ifndef BACKLOG_INSIDE_VIEWS_WIDGETS
#error "views/widgets/ChartStyle.h is private to backlog_views_widgets"
#endif

#include "views/render/Theme.h"

#include <QFont>
#include <QPen>

#include <functional>

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

} // namespace backlog::views::chartstyle
