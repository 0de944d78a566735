#include "SimulationDocument.h"

#include "LessonReader.h"
#include "LessonRun.h"
#include "ScenarioReader.h"
#include "Theme.h"

#include <QFile>
#include <QPainter>
#include <QWidget>

#include <algorithm>

namespace backlog::views {

SimulationDocument::SimulationDocument(QObject* parent) : QObject(parent) {}
SimulationDocument::~SimulationDocument() = default;

namespace {
QStringList messages(const std::vector<ReadError>& errors) {
    QStringList out;
    for (const ReadError& e : errors) out << QString::fromStdString(e.text());
    return out;
}
} // namespace

QStringList SimulationDocument::load(const QString& path) {
    QFile file(path);
    if (file.open(QIODevice::ReadOnly) && looksLikeLesson(file.read(64 * 1024).toStdString())) {
        const LessonReadResult read = readLessonFile(path.toStdString());
        if (!read.lesson) return messages(read.errors);
        LessonRun run(*read.lesson);
        lessonProblems_.clear();
        for (const LessonProblem& p : run.problems())
            lessonProblems_ << QString::fromStdString(ReadError{path.toStdString(), p.place.line, p.place.column, p.message}.text());
        stepTimes_ = run.stepTimes();
        lesson_ = run.lesson();
        sim_ = run.takeSimulation();
        path_ = path;
        playhead_ = Time();
        emit loaded();
        emit playheadChanged(playhead_);
        return {};
    }
    const ReadResult read = readScenarioFile(path.toStdString());
    if (!read.scenario) return messages(read.errors);
    auto sim = std::make_unique<Simulation>(*read.scenario);
    sim->run();
    sim_ = std::move(sim);
    lesson_.reset();
    stepTimes_.clear();
    lessonProblems_.clear();
    path_ = path;
    playhead_ = Time();
    emit loaded();
    emit playheadChanged(playhead_);
    return {};
}

QString SimulationDocument::change(const QString& key, const QString& value) {
    if (!sim_) return tr("nothing is open");
    if (auto err = sim_->changeAt(playhead_, key.toStdString(), value.toStdString()))
        return QString::fromStdString(*err);
    sim_->run(); // on to the end, as a fresh run would go
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

Time SimulationDocument::end() const { return sim_ ? sim_->history().end : Time(); }

void SimulationDocument::setPlayhead(Time t) {
    t = std::clamp(t, Time(), end());
    if (t == playhead_) return;
    playhead_ = t;
    emit playheadChanged(t);
}

} // namespace backlog::views
