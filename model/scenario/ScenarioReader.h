// Reads a scenario from YAML (a file or text) plus `--set KEY=VALUE` overrides from the command line.
// Every problem comes back as a value with FILE:LINE:COL and what was expected; nothing throws, nothing
// is silently defaulted, and a scenario is returned only when there is no error at all.
#pragma once

#include "model/scenario/ReadError.h"
#include "model/scenario/Scenario.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace backlog {

class SourceNode; // model/scenario/SourceTree.h

// The largest scenario file read (as for a lesson, LessonLimits::maxFileBytes): a scenario is a page of
// settings; anything larger is a mistake (a log, a video) and is refused before YAML sees it.
inline constexpr std::size_t kScenarioMaxFileBytes = 1 << 20;

struct ReadResult {
    std::optional<Scenario> scenario; // set exactly when `errors` is empty
    std::vector<ReadError> errors;    // in file order, --set errors last; the first kErrorsKept found
    std::size_t moreErrors = 0;       // found beyond `errors`, counted only (errorLines() shows them)
};

// Each `sets` item is KEY=VALUE with a dotted key (see Settings.h), applied after the file. The file
// is read as SourceFile.h says: a regular file only, at most kScenarioMaxFileBytes, UTF-8 or UTF-16
// with its byte order mark.
ReadResult readScenarioFile(const std::string& path, const std::vector<std::string>& sets = {});
// `fileName` only names the text in messages. The text is refused as a file would be when it is too
// large or not UTF-8 (SourceFile.h: decodeSourceText).
ReadResult readScenarioText(std::string_view text, const std::string& fileName,
                            const std::vector<std::string>& sets = {});

// Reads a scenario from an already parsed map (a lesson's `scenario:`), exactly as a scenario file's
// top level is read; positions in errors are those of the node's file.
ReadResult readScenarioNode(const SourceNode& root, const std::string& fileName);

// readScenarioText for a text already through decodeSourceText (readLessonOrScenarioFile decodes once
// to see what the file is): not decoded, nor its size checked, again.
ReadResult readDecodedScenarioText(std::string_view text, const std::string& fileName,
                                   const std::vector<std::string>& sets);

} // namespace backlog
