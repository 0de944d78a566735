// The QObject face of a Simulation for the views: it owns the model, holds the playhead, and says what
// changed. The model itself knows nothing of Qt (STYLE.md pattern 2).
#pragma once

#include "model/kernel/Simulation.h"
#include "model/lesson/Lesson.h"

#include <QObject>

#include <QPointer>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace backlog::views {

class SimulationDocument : public QObject {
    Q_OBJECT
  public:
    explicit SimulationDocument(QObject* parent = nullptr);
    ~SimulationDocument() override;

    // Reads and simulates a scenario or lesson file (a lesson: its steps placed on the run, their changes
    // applied). On failure the current document is kept and the errors (FILE:LINE:COL: …) are returned.
    QStringList load(const QString& path);
    // Takes a run that is already simulated (a test's, an export's): as load() does for a file, without
    // a lesson. `path` names it in titles; it is not read.
    void adopt(std::unique_ptr<Simulation> sim, const QString& path = {});

    bool isLoaded() const { return sim_ != nullptr; }
    // Why the run stopped short of its end (it reached a limit of the work a run may do: Simulation.h),
    // or nothing while it is whole. The window says so; the run up to there is shown as it is.
    std::optional<QString> stopped() const;
    // The lesson, when a lesson file is open; its steps' moments on the run (Time::never(): the step's
    // condition never held), and what could not be placed.
    const Lesson* lesson() const { return lesson_ ? &*lesson_ : nullptr; }
    const std::vector<Time>& stepTimes() const { return stepTimes_; }
    const QStringList& lessonProblems() const { return lessonProblems_; }
    const Simulation& simulation() const { return *sim_; }
    QString path() const { return path_; }
    Time end() const;
    Time playhead() const { return playhead_; }
    void setPlayhead(Time t);
    // Goes up each time the run is replaced (load, adopt) or its history cut (change): what a view built
    // from the run at one revision says nothing about another.
    std::uint64_t revision() const { return revision_; }
    // Changes a setting from the playhead on (the --set vocabulary, or "close-listener"): the history is
    // cut there and simulated again. Returns the error, or an empty string.
    QString change(const QString& key, const QString& value);

    // A second run on the same playhead (issue 14: the kernel's run beside the model's; issue 16: the same
    // scenario with other settings). Both runs begin at 0; the playhead goes to the later end. `title` and
    // `otherTitle` name the two sides wherever both are shown ("model", "measured on Linux 6.18.44").
    // Loading or adopting another run ends the comparison; a change() changes this document's run only.
    void compareWith(std::unique_ptr<Simulation> other, const QString& title, const QString& otherTitle);
    void endComparison();
    // The other run while comparing, else nullptr. Views hold no pointer to it beyond a paint or a
    // rebuild: revision() goes up when it comes or goes.
    const Simulation* comparison() const { return other_.get(); }
    QString title() const { return title_; }
    QString comparisonTitle() const { return otherTitle_; }

  signals:
    void loaded();
    // A comparison began or ended (after revision() went up); the playhead is where it was, within end().
    void comparisonChanged();
    void playheadChanged(backlog::Time t);
    void historyChanged(); // a change cut the history and simulated on

  private:
    // The run in place of the last, at time 0 (the lesson's fields already set): every view is told.
    void install(std::unique_ptr<Simulation> sim, const QString& path);

    std::unique_ptr<Simulation> sim_;
    std::unique_ptr<Simulation> other_;
    QString title_, otherTitle_;
    std::optional<Lesson> lesson_;
    std::vector<Time> stepTimes_;
    QStringList lessonProblems_;
    QString path_;
    Time playhead_;
    std::uint64_t revision_ = 0;
};

// The document when it holds a run, else nullptr: what a view paints from.
inline const SimulationDocument* loadedOrNull(const QPointer<SimulationDocument>& document) {
    const SimulationDocument* d = document.data();
    return d && d->isLoaded() ? d : nullptr;
}

} // namespace backlog::views
