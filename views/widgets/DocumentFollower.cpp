#include "views/widgets/DocumentFollower.h"

#include <QEvent>
#include <QPointer>

namespace backlog::views {

void repaintOnChange(QWidget* view, SimulationDocument* document, const std::function<void()>& newHistory) {
    const auto fresh = [view, newHistory] {
        if (newHistory) newHistory();
        view->update();
    };
    QObject::connect(document, &SimulationDocument::loaded, view, fresh);
    QObject::connect(document, &SimulationDocument::historyChanged, view, fresh);
    QObject::connect(document, &SimulationDocument::comparisonChanged, view, fresh);
    QObject::connect(document, &SimulationDocument::playheadChanged, view, [view] { view->update(); });
    QObject::connect(document, &QObject::destroyed, view, [view] { view->update(); });
}

namespace {

// The state behind followDocument(): a child of the view, so that its connections and the event filter
// end with it.
class DocumentFollower : public QObject {
  public:
    DocumentFollower(QWidget* view, std::function<void()> forget, std::function<void()> rebuild)
        : QObject(view), view_(view), forget_(std::move(forget)), rebuild_(std::move(rebuild)) {
        setObjectName(QStringLiteral("backlog-document-follower"));
        view->installEventFilter(this);
    }

    void follow(SimulationDocument* document) {
        if (document_) disconnect(document_, nullptr, this, nullptr);
        document_ = document;
        newRun();
        if (!document) return;
        connect(document, &SimulationDocument::loaded, this, &DocumentFollower::newRun);
        connect(document, &SimulationDocument::historyChanged, this, &DocumentFollower::newRun);
        connect(document, &SimulationDocument::comparisonChanged, this, &DocumentFollower::newRun);
        connect(document, &SimulationDocument::playheadChanged, this, &DocumentFollower::moved);
        connect(document, &QObject::destroyed, this, [this] { forget_(); });
    }

    void moved() {
        if (view_->isVisible()) {
            stale_ = false;
            rebuild_();
        } else {
            stale_ = true;
        }
    }

  protected:
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (watched == view_ && event->type() == QEvent::Show && stale_) {
            stale_ = false;
            rebuild_();
        }
        return false;
    }

  private:
    void newRun() {
        forget_();
        moved();
    }

    QWidget* view_;
    QPointer<SimulationDocument> document_;
    std::function<void()> forget_;
    std::function<void()> rebuild_;
    bool stale_ = true;
};

DocumentFollower* followerOf(QWidget* view) {
    return view->findChild<DocumentFollower*>(QStringLiteral("backlog-document-follower"),
                                              Qt::FindDirectChildrenOnly);
}

} // namespace

void followDocument(QWidget* view, SimulationDocument* document, std::function<void()> forget,
                    std::function<void()> rebuild) {
    DocumentFollower* follower = followerOf(view);
    if (!follower) follower = new DocumentFollower(view, std::move(forget), std::move(rebuild));
    follower->follow(document);
}

void rebuildWhenVisible(QWidget* view) {
    if (DocumentFollower* follower = followerOf(view)) follower->moved();
}

} // namespace backlog::views
