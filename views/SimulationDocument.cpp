#include "SimulationDocument.h"

#include "ScenarioReader.h"

#include <algorithm>

namespace backlog::views {

SimulationDocument::SimulationDocument(QObject* parent) : QObject(parent) {}
SimulationDocument::~SimulationDocument() = default;

QStringList SimulationDocument::load(const QString& path) {
    const ReadResult read = readScenarioFile(path.toStdString());
    if (!read.scenario) {
        QStringList errors;
        for (const ReadError& e : read.errors) errors << QString::fromStdString(e.text());
        return errors;
    }
    auto sim = std::make_unique<Simulation>(*read.scenario);
    sim->run();
    sim_ = std::move(sim);
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

Time SimulationDocument::end() const { return sim_ ? sim_->history().end : Time(); }

void SimulationDocument::setPlayhead(Time t) {
    t = std::clamp(t, Time(), end());
    if (t == playhead_) return;
    playhead_ = t;
    emit playheadChanged(t);
}

} // namespace backlog::views
