// What the scenario reader and the lesson reader share about YAML (yaml-cpp). Internal to the model:
// nothing outside model/*.cpp includes it, so yaml-cpp stays an implementation detail.
#pragma once

#if !defined(BACKLOG_INSIDE_MODEL_SCENARIO) && !defined(BACKLOG_INSIDE_MODEL_LESSON)
#error "model/scenario/YamlSupport.h is private to the scenario and lesson readers: use model/lesson/LessonReader.h"
#endif

#include "model/scenario/ScenarioReader.h"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace backlog {

// "a map", "a list", "\"text\"" or "nothing": how a message names what it found.
std::string describeNode(const YAML::Node& node);

// Walks the documents of `text` without building them and returns where it must be refused: a stray
// ',' that makes yaml-cpp 0.7 loop for ever, or a second document with content (`what` names the file
// kind in that message: "a lesson file").
std::optional<std::pair<YAML::Mark, std::string>> scanDocuments(const std::string& text, std::string_view what);

// Reads a scenario from an already parsed map (a lesson's `scenario:`), exactly as a scenario file's
// top level is read; positions in errors are those of the node's file.
ReadResult readScenarioNode(const YAML::Node& root, const std::string& fileName);

// readScenarioText for a text already through decodeSourceText (readLessonOrScenarioFile decodes once
// to see what the file is): not decoded, nor its size checked, again.
ReadResult readDecodedScenarioText(std::string_view text, const std::string& fileName,
                                   const std::vector<std::string>& sets);

} // namespace backlog
