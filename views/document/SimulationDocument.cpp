#include "views/document/SimulationDocument.h"

#include "model/lesson/LessonAudit.h"
#include "model/lesson/LessonReader.h"
#include "model/lesson/LessonRun.h"
#include "model/scenario/ScenarioReader.h"

#include <algorithm>

namespace backlog::views {

SimulationDocument::SimulationDocument(QObject* parent) : QObject(parent) {
}
SimulationDocument::~SimulationDocument() = default;

namespace {
QStringList lines(const std::vector<std::string>& text) {
    QStringList out;
    for (const std::string& line : text)
        out << QString::fromStdString(line);
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
        for (LessonProblem& p : auditLesson(run))
            problems.push_back(std::move(p));
        // A screenful at most, as for a file's errors (ReadError.h), with a count of the rest.
        std::vector<ReadError> errors;
        for (const LessonProblem& p : problems)
            errors.push_back({path.toStdString(), p.place.line, p.place.column, p.message});
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
    const bool compared = other_ != nullptr;
    other_.reset(); // a new document: what it was compared with belongs to the last
    title_.clear();
    otherTitle_.clear();
    sim_ = std::move(sim);
    path_ = path;
    playhead_ = Time();
    ++revision_;
    emit loaded();
    if (compared) emit comparisonChanged();
    emit playheadChanged(playhead_);
}

void SimulationDocument::compareWith(std::unique_ptr<Simulation> other, const QString& title,
                                     const QString& otherTitle) {
    if (!sim_ || !other) return;
    other_ = std::move(other);
    title_ = title;
    otherTitle_ = otherTitle;
    ++revision_;
    emit comparisonChanged();
    emit playheadChanged(playhead_);
}

void SimulationDocument::endComparison() {
    if (!other_) return;
    other_.reset();
    title_.clear();
    otherTitle_.clear();
    ++revision_;
    playhead_ = std::min(playhead_, end());
    emit comparisonChanged();
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

Time SimulationDocument::end() const {
    if (!sim_) return Time();
    return other_ ? std::max(sim_->history().end, other_->history().end) : sim_->history().end;
}

void SimulationDocument::setPlayhead(Time t) {
    t = std::clamp(t, Time(), end());
    if (t == playhead_) return;
    playhead_ = t;
    emit playheadChanged(t);
}

} // namespace backlog::views
