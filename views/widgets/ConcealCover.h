// A cover over a view while a question with `reveal: after-answer` is open (issue 16): the view's
// numbers would give the answer away (Kernel Tools' ss and nstat, the charts' whole run, the event log,
// the run's summary), so it is hidden behind a plain panel that says why and until when. The view
// underneath goes on following the document; it is only not seen, and it is there again, as it is at
// the playhead, the moment the question is answered or skipped.
#pragma once

#include <QWidget>

namespace backlog::views {

class ConcealCover : public QWidget {
    Q_OBJECT
  public:
    // A cover over `view` (its child, the view's whole area, kept so when the view is resized); hidden
    // until setConcealed(true).
    explicit ConcealCover(QWidget* view);

    void setConcealed(bool concealed);
    bool isConcealed() const { return isVisibleTo(parentWidget()); }

    static constexpr const char* kMessage = "Hidden until the question is answered or skipped";

  protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void paintEvent(QPaintEvent* event) override;
};

} // namespace backlog::views
