// Reads a lesson file (YAML). Like the scenario reader, every problem comes back as a value with
// FILE:LINE:COL and what was expected; unknown keys are errors, sizes are bounded, nothing throws, and a
// lesson is returned only when there is no error at all.
#pragma once

#include "model/lesson/Lesson.h"
#include "model/scenario/ScenarioReader.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace backlog {

struct LessonReadResult {
    std::optional<Lesson> lesson;  // set exactly when `errors` is empty
    std::vector<ReadError> errors; // in file order; the first kErrorsKept found
    std::size_t moreErrors = 0;    // found beyond `errors`, counted only (errorLines() shows them)
};

// The file is read as SourceFile.h says (the same guards as a scenario file): a regular file only, at
// most LessonLimits::maxFileBytes, UTF-8 or UTF-16 with its byte order mark.
LessonReadResult readLessonFile(const std::string& path);
LessonReadResult readLessonText(std::string_view text, const std::string& fileName);

// A file a person names (the window's Open, `backlog simulate`, `export`), read whole as what it says it
// is: a lesson when its top level has `format: backlog-lesson…` (looksLikeLesson), else a scenario.
// Exactly one of `lesson` and `scenario` is set when `errors` is empty.
struct FileReadResult {
    bool isLesson = false; // the file says it is a lesson (also when it has errors); false when unread
    std::optional<Lesson> lesson;
    std::optional<Scenario> scenario;
    std::vector<ReadError> errors; // in file order, --set errors last; the first kErrorsKept found
    std::size_t moreErrors = 0;    // found beyond `errors`, counted only

    // What a person is shown: at most kErrorsShown + 1 lines (ReadError.h: errorLines).
    std::vector<std::string> errorLines() const { return backlog::errorLines(errors, moreErrors); }
};

// Reads `path` with the guards above, deciding lesson or scenario from the text itself (never by
// opening the file twice: a FIFO or device is refused before it is opened). `sets` (KEY=VALUE, as
// `--set` takes them) apply to the scenario, or to the lesson's scenario, after the file; a lesson's
// steps still change the run where they fall.
FileReadResult readLessonOrScenarioFile(const std::string& path, const std::vector<std::string>& sets = {});
// The same for a file's text already read (a measured run keeps the file it was run from): `path` names it
// in messages.
FileReadResult readLessonOrScenarioText(std::string_view text, const std::string& path,
                                        const std::vector<std::string>& sets = {});

// The keys each map of the format allows, in the order the README lists them: for the JSON Schema's
// test and for suggestions.
const std::vector<std::string>& lessonKeys();
const std::vector<std::string>& stepKeys();
const std::vector<std::string>& questionKeys();
const std::vector<std::string>& expectationKeys();

// True when the text's top level has `format: backlog-lesson…`: the app then opens it as a lesson
// rather than as a scenario. Cheap: looks at the text, does not parse it.
bool looksLikeLesson(std::string_view text);

} // namespace backlog
