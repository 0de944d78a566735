// A measured run kept in a file (`backlog lab FILE --save RUN`, or the window's File › Save Measured
// Run…): the scenario or lesson file it ran (its text, so that it opens again anywhere, without the
// original), the --set and --until it ran with, and the measurement. Opening it plans the experiment
// again from that text (the plan is a function of the file) and makes the measurement into the same run.
// Nothing here needs Linux: a measured run opens on any system the model builds on.
#pragma once

#include "app/lab/LabResult.h"
#include "app/lab/Measurement.h"
#include "model/kernel/Simulation.h"
#include "model/lesson/LessonReader.h"
#include "model/lesson/LessonRun.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace backlog::lab {

struct SavedRun {
    std::string path; // the file's name as given, for messages
    std::vector<std::string> sets;
    std::int64_t until = -1; // ns; -1: none
    std::string fileText;
    Measurement measurement;
};

inline constexpr std::string_view kSavedRunHeader = "backlog-measured-run 1";
// True when `text` is a saved measured run, by its first line (not by the file's name).
bool looksLikeSavedRun(std::string_view text);
std::string serialiseSavedRun(const SavedRun& run);
LabResult<SavedRun> parseSavedRun(std::string_view text);

// The model's run an experiment is planned from: a lesson's (its steps placed, their changes made) or a
// scenario's, run to its end. `read` has no errors. `oneReading`: the run is read once, front to back (a
// report), so it keeps no checkpoints to seek back or change from (the window's run does).
class ModelRun {
  public:
    explicit ModelRun(const FileReadResult& read, bool oneReading = true);
    const Simulation& simulation() const { return lesson_ ? lesson_->simulation() : *scenario_; }
    std::unique_ptr<Simulation> take() { return lesson_ ? lesson_->takeSimulation() : std::move(scenario_); }

  private:
    std::unique_ptr<LessonRun> lesson_;
    std::unique_ptr<Simulation> scenario_;
};

// A saved run opened: the kernel's run in the model's shape (MeasuredRun), as it was when measured, and the
// model's run of the same file beside it.
struct OpenedRun {
    std::unique_ptr<Simulation> model;
    std::unique_ptr<Simulation> measured;
};

// Refused, with the reason, when its file text no longer reads (a later version's format) or does not
// fit the measurement.
LabResult<OpenedRun> openSavedRun(const SavedRun& run);

} // namespace backlog::lab
