#include "app/lab/SavedRun.h"

#include "app/lab/LabPlan.h"
#include "app/lab/MeasuredRun.h"

#include <optional>
#include <sstream>
#include <stdexcept>

namespace backlog::lab {

std::string serialiseSavedRun(const SavedRun& run) {
    std::ostringstream out;
    out << kSavedRunHeader << "\nfile " << run.path << "\n";
    for (const std::string& s : run.sets)
        out << "set " << s << "\n";
    out << "until " << run.until << "\ntext " << run.fileText.size() << "\n" << run.fileText << "\n";
    out << serialiseMeasurement(run.measurement);
    return out.str();
}

LabResult<SavedRun> parseSavedRun(std::string_view text) {
    SavedRun run;
    const auto line = [&text]() {
        const std::size_t end = text.find('\n');
        const std::string_view l = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        return std::string(l);
    };
    if (line() != kSavedRunHeader)
        return LabError{"not a measured run (its first line is not \"" + std::string(kSavedRunHeader) +
                        "\")"};
    std::string l = line();
    if (l.rfind("file ", 0) != 0) return LabError{"a measured run: expected \"file NAME\" on line 2"};
    run.path = l.substr(5);
    for (l = line(); l.rfind("set ", 0) == 0; l = line())
        run.sets.push_back(l.substr(4));
    try {
        if (l.rfind("until ", 0) != 0) throw std::invalid_argument("until");
        run.until = std::stoll(l.substr(6));
        l = line();
        if (l.rfind("text ", 0) != 0) throw std::invalid_argument("text");
        const std::size_t size = std::stoull(l.substr(5));
        if (size + 1 > text.size()) return LabError{"a measured run: its file text is cut short"};
        run.fileText = std::string(text.substr(0, size));
        text.remove_prefix(size + 1);
    } catch (const std::exception&) {
        return LabError{"a measured run: expected \"until NS\" and then \"text BYTES\" after the sets"};
    }
    LabResult<Measurement> m = parseMeasurement(text);
    if (!m.ok()) return LabError{"a measured run: " + m.error()};
    run.measurement = std::move(m.value());
    return run;
}

} // namespace backlog::lab

namespace backlog::lab {

bool looksLikeSavedRun(std::string_view text) {
    return text.substr(0, kSavedRunHeader.size()) == kSavedRunHeader &&
           (text.size() == kSavedRunHeader.size() || text[kSavedRunHeader.size()] == '\n');
}

ModelRun::ModelRun(const FileReadResult& read, bool oneReading) {
    if (read.lesson) {
        lesson_ = std::make_unique<LessonRun>(*read.lesson);
        return;
    }
    scenario_ = std::make_unique<Simulation>(*read.scenario);
    if (oneReading) scenario_->setCheckpointInterval(Time::never());
    scenario_->run();
}

LabResult<OpenedRun> openSavedRun(const SavedRun& run) {
    const FileReadResult read = readLessonOrScenarioText(run.fileText, run.path, run.sets);
    if (!read.errors.empty())
        return LabError{"the file it ran no longer reads: " + read.errors.front().text()};
    ModelRun model(read, false);
    const std::optional<Time> until = run.until < 0 ? std::nullopt : std::optional<Time>(Time::ns(run.until));
    const LabResult<LabPlan> plan = planExperiment(model.simulation(), run.measurement.kernelRelease, until);
    if (!plan.ok()) return LabError{plan.error()};
    LabResult<std::unique_ptr<Simulation>> measured = measuredRun(plan.value().scenario, run.measurement);
    if (!measured.ok()) return LabError{measured.error()};
    return OpenedRun{model.take(), std::move(measured.value())};
}

} // namespace backlog::lab
