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

#include <cstddef>
#include <cstdint>
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

// A saved run is JSON (UTF-8), one object, "format" its first key so that the file says what it is in its
// first bytes:
//
//   {"format":"backlog-measured-run","version":2,"file":"lab-smoke.yaml","sets":["server.backlog=4"],
//    "until_ns":300000000,
//    "file_text":"title: lab smoke\n…",
//    "measurement":{"format":"backlog-lab-measurement","version":2,…}}
//
// "until_ns" is null when the run had no --until; "file_text" is the file's text decoded (a lesson saved
// as UTF-16 is kept as UTF-8); "measurement" is a Measurement's object, as serialiseMeasurement() writes
// it (Measurement.h). The writer puts a line break between the records, and no other whitespace.
//
// True when `text` begins as a saved run does: `{"format":"backlog-measured-run"`, with any whitespace
// around those tokens (the compact writer's and a pretty printer's layout alike), or the text format of
// version 1 ("backlog-measured-run 1"), which parseSavedRun() then refuses by its version. Only the first
// kSavedRunProbeBytes of `text` are looked at, so that a reader may pass no more than those.
inline constexpr std::size_t kSavedRunProbeBytes = 256;
bool looksLikeSavedRun(std::string_view text);
// The run as JSON; refused, naming the field, when a string in it is not UTF-8 (JSON cannot hold that).
// Never throws.
LabResult<std::string> serialiseSavedRun(const SavedRun& run);
// Refused in words naming what is wrong and where ("a measured run: measurement.segments[12]: expected 9
// numbers …", "a measured run: its text is cut short …", "a measured run of version 3: this Backlog
// reads version 2"). Never throws.
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
