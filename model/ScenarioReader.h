// Reads a scenario from YAML (a file or text) plus `--set KEY=VALUE` overrides from the command line.
// Every problem comes back as a value with FILE:LINE:COL and what was expected; nothing throws, nothing
// is silently defaulted, and a scenario is returned only when there is no error at all.
#pragma once

#include "Scenario.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace backlog {

struct ReadError {
    std::string file;
    int line = 0;   // 1-based; 0 when the error has no place in the file (--set, an unreadable file)
    int column = 0; // 1-based
    std::string message;

    // "FILE:LINE:COL: message", or just the message when there is no place (it then says where itself,
    // e.g. "--set server.backlog=abc: expected an integer").
    std::string text() const;
};

struct ReadResult {
    std::optional<Scenario> scenario; // set exactly when `errors` is empty
    std::vector<ReadError> errors;    // in file order, --set errors last
};

// Each `sets` item is KEY=VALUE with a dotted key (see Settings.h), applied after the file.
ReadResult readScenarioFile(const std::string& path, const std::vector<std::string>& sets = {});
// `fileName` only names the text in messages.
ReadResult readScenarioText(std::string_view text, const std::string& fileName,
                            const std::vector<std::string>& sets = {});

} // namespace backlog
