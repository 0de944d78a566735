#include "views/widgets/ConcealCover.h"

#include <QEvent>
#include <QPainter>

namespace backlog::views {

ConcealCover::ConcealCover(QWidget* view) : QWidget(view) {
    setObjectName(QStringLiteral("concealCover"));
    setAttribute(Qt::WA_OpaquePaintEvent);
    // The cover takes the clicks, wheel turns and tooltips meant for the view beneath.
    setAttribute(Qt::WA_NoMousePropagation);
    setAccessibleName(tr(kMessage));
    view->installEventFilter(this);
    hide();
}

void ConcealCover::setConcealed(bool concealed) {
    if (concealed) {
        setGeometry(parentWidget()->rect());
        raise();
    }
    setVisible(concealed);
}

bool ConcealCover::eventFilter(QObject* watched, QEvent* event) {
    if (watched == parentWidget() && event->type() == QEvent::Resize) setGeometry(parentWidget()->rect());
    // A view that adds children (a chart page, a table) must not put them above the cover.
    if (watched == parentWidget() && event->type() == QEvent::ChildAdded && isVisible()) raise();
    return QWidget::eventFilter(watched, event);
}

void ConcealCover::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Window));
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap, tr(kMessage));
}

} // namespace backlog::views
