// Reads a lesson file (YAML). Like the scenario reader, every problem comes back as a value with
// FILE:LINE:COL and what was expected; unknown keys are errors, sizes are bounded, nothing throws, and a
// lesson is returned only when there is no error at all.
#pragma once

#include "Lesson.h"
#include "ScenarioReader.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace backlog {

struct LessonReadResult {
    std::optional<Lesson> lesson; // set exactly when `errors` is empty
    std::vector<ReadError> errors;
};

LessonReadResult readLessonFile(const std::string& path);
LessonReadResult readLessonText(std::string_view text, const std::string& fileName);

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
