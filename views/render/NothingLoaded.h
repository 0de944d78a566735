// The picture of a view with no run to show.
#pragma once

#include "views/render/Theme.h"

#include <QPainter>
#include <QRectF>
#include <QString>

namespace backlog::views {

// What a view shows while no run is loaded: `message` centred on the theme's background, in muted type
// a `textRows`-th of the height (at least 12 px), wrapped when the view is narrow.
void paintNothingLoaded(QPainter& p, const QRectF& target, const Theme& theme, const QString& message,
                        int textRows);

} // namespace backlog::views
