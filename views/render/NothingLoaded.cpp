#include "views/render/NothingLoaded.h"

#include <QFont>

#include <algorithm>

namespace backlog::views {

void paintNothingLoaded(QPainter& p, const QRectF& target, const Theme& theme, const QString& message,
                        int textRows) {
    p.fillRect(target, theme.background);
    QFont f(theme.sansFamily);
    f.setPixelSize(std::max(12, static_cast<int>(target.height()) / textRows));
    p.setFont(f);
    p.setPen(theme.mutedText);
    p.drawText(target, Qt::AlignCenter | Qt::TextWordWrap, message);
}

} // namespace backlog::views
