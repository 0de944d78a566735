#include "SimulationDocument.h"

#include "LessonAudit.h"
#include "LessonReader.h"
#include "LessonRun.h"
#include "ScenarioReader.h"
#include "Theme.h"

#include <QPainter>
#include <QEvent>
#include <QWidget>

#include <algorithm>

namespace backlog::views {

SimulationDocument::SimulationDocument(QObject* parent) : QObject(parent) {}
SimulationDocument::~SimulationDocument() = default;

namespace {
QStringList lines(const std::vector<std::string>& text) {
    QStringList out;
    for (const std::string& line : text) out << QString::fromStdString(line);
    return out;
}
} // namespace

QStringList SimulationDocument::load(const QString& path) {
    // The one guarded way in (a FIFO or a device refused unread, UTF-16 decoded, a screenful of errors).
    const FileReadResult read = readLessonOrScenarioFile(path.toStdString());
    if (!read.errors.empty()) return lines(read.errorLines());
    if (read.lesson) {
        LessonRun run(*read.lesson);
        std::vector<LessonProblem> problems = run.problems();
        for (LessonProblem& p : auditLesson(run)) problems.push_back(std::move(p));
        // A screenful at most, as for a file's errors (ReadError.h), with a count of the rest.
        std::vector<ReadError> errors;
        for (const LessonProblem& p : problems) errors.push_back({path.toStdString(), p.place.line, p.place.column, p.message});
        lessonProblems_ = lines(errorLines(errors));
        stepTimes_ = run.stepTimes();
        lesson_ = run.lesson();
        install(run.takeSimulation(), path);
        return {};
    }
    auto sim = std::make_unique<Simulation>(*read.scenario);
    sim->run();
    adopt(std::move(sim), path);
    return {};
}

void SimulationDocument::adopt(std::unique_ptr<Simulation> sim, const QString& path) {
    lesson_.reset();
    stepTimes_.clear();
    lessonProblems_.clear();
    install(std::move(sim), path);
}

void SimulationDocument::install(std::unique_ptr<Simulation> sim, const QString& path) {
    sim_ = std::move(sim);
    path_ = path;
    playhead_ = Time();
    ++revision_;
    emit loaded();
    emit playheadChanged(playhead_);
}

std::optional<QString> SimulationDocument::stopped() const {
    if (!sim_ || !sim_->stopped()) return std::nullopt;
    return QString::fromStdString(*sim_->stopped());
}

QString SimulationDocument::change(const QString& key, const QString& value) {
    if (!sim_) return tr("nothing is open");
    sim_->renewBudget(); // each change a person makes is a piece of work of its own (Simulation.h)
    if (auto err = sim_->changeAt(playhead_, key.toStdString(), value.toStdString()))
        return QString::fromStdString(*err);
    sim_->run(); // on to the end, as a fresh run would go
    ++revision_;
    emit historyChanged();
    emit playheadChanged(playhead_);
    return {};
}

void paintNothingLoaded(QPainter& p, const QRectF& target, const Theme& theme, const QString& message, int textRows) {
    p.fillRect(target, theme.background);
    QFont f(theme.sansFamily);
    f.setPixelSize(std::max(12, static_cast<int>(target.height()) / textRows));
    p.setFont(f);
    p.setPen(theme.mutedText);
    p.drawText(target, Qt::AlignCenter | Qt::TextWordWrap, message);
}

void repaintOnChange(QWidget* view, SimulationDocument* document, const std::function<void()>& newHistory) {
    const auto fresh = [view, newHistory] {
        if (newHistory) newHistory();
        view->update();
    };
    QObject::connect(document, &SimulationDocument::loaded, view, fresh);
    QObject::connect(document, &SimulationDocument::historyChanged, view, fresh);
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
    return view->findChild<DocumentFollower*>(QStringLiteral("backlog-document-follower"), Qt::FindDirectChildrenOnly);
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

Time SimulationDocument::end() const { return sim_ ? sim_->history().end : Time(); }

void SimulationDocument::setPlayhead(Time t) {
    t = std::clamp(t, Time(), end());
    if (t == playhead_) return;
    playhead_ = t;
    emit playheadChanged(t);
}

} // namespace backlog::views
