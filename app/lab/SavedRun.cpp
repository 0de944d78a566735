#include "app/lab/SavedRun.h"

#include "app/lab/LabJson.h"
#include "app/lab/LabPlan.h"
#include "app/lab/MeasuredRun.h"

#include <exception>
#include <optional>

namespace backlog::lab {

namespace {

constexpr std::string_view kFormat = "backlog-measured-run";
constexpr std::int64_t kVersion = 2;
// Version 1 was text, its first line "backlog-measured-run 1".
constexpr std::string_view kVersion1Header = "backlog-measured-run 1";

// `text` after any JSON whitespace.
std::string_view skipSpace(std::string_view text) {
    const std::size_t start = text.find_first_not_of(" \t\r\n");
    return text.substr(start == std::string_view::npos ? text.size() : start);
}

// Whether `text` begins with `token` (after whitespace); if so, `text` is moved past it.
bool take(std::string_view& text, std::string_view token) {
    text = skipSpace(text);
    if (text.substr(0, token.size()) != token) return false;
    text.remove_prefix(token.size());
    return true;
}

void writeSavedRun(json::Writer& w, const SavedRun& run, const json::Where& root) {
    w.raw("{\"format\":\"");
    w.raw(kFormat);
    w.raw("\",\"version\":");
    w.number(kVersion);
    w.raw(",\"file\":");
    w.string(run.path, root.member("file"));
    w.raw(",\"sets\":[");
    const json::Where sets = root.member("sets");
    for (std::size_t i = 0; i < run.sets.size(); ++i) {
        if (i) w.raw(",");
        w.string(run.sets[i], sets.element(i));
    }
    w.raw("],\n\"until_ns\":");
    if (run.until < 0)
        w.raw("null");
    else
        w.number(run.until);
    w.raw(",\n\"file_text\":");
    w.string(run.fileText, root.member("file_text"));
    w.raw(",\n\"measurement\":");
    json::writeMeasurement(w, run.measurement, root.member("measurement"));
    w.raw("}\n");
}

SavedRun readSavedRun(std::string_view text, const json::Where& root) {
    using namespace json;
    if (skipSpace(text).substr(0, kVersion1Header.size()) == kVersion1Header)
        throw Refusal{"a measured run of version 1 (text, before JSON): this Backlog reads version " +
                      std::to_string(kVersion)};
    const Json j = parseDocument(text, root);
    checkHeader(j, kFormat, kVersion, root);
    onlyKeys(j, {"format", "version", "file", "sets", "until_ns", "file_text", "measurement"}, root);
    SavedRun run;
    run.path = json::text(member(j, "file", root), root.member("file"));
    const Where sets = root.member("sets");
    const Json& list = array(member(j, "sets", root), sets);
    for (std::size_t i = 0; i < list.size(); ++i)
        run.sets.push_back(json::text(list[i], sets.element(i)));
    const Json& until = member(j, "until_ns", root);
    run.until = until.is_null() ? -1 : integer<std::int64_t>(until, root.member("until_ns"), 0);
    run.fileText = json::text(member(j, "file_text", root), root.member("file_text"));
    run.measurement = readMeasurement(member(j, "measurement", root), root.member("measurement"));
    return run;
}

} // namespace

LabResult<std::string> serialiseSavedRun(const SavedRun& run) {
    try {
        json::Writer w;
        writeSavedRun(w, run, json::Where{"a measured run"});
        return w.take();
    } catch (const json::Refusal& r) {
        return LabError{r.message};
    } catch (const std::exception& e) { // out of memory: nothing else is thrown here
        return LabError{std::string("a measured run: ") + e.what()};
    }
}

LabResult<SavedRun> parseSavedRun(std::string_view text) {
    try {
        return readSavedRun(text, json::Where{"a measured run"});
    } catch (const json::Refusal& r) {
        return LabError{r.message};
    } catch (const std::exception& e) { // out of memory, or a nlohmann error the checks missed
        return LabError{std::string("a measured run: ") + e.what()};
    }
}

bool looksLikeSavedRun(std::string_view text) {
    text = text.substr(0, kSavedRunProbeBytes);
    if (skipSpace(text).substr(0, kVersion1Header.size()) == kVersion1Header) return true;
    return take(text, "{") && take(text, "\"format\"") && take(text, ":") &&
           take(text, "\"" + std::string(kFormat) + "\"");
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
