// The scalar settings of a scenario under one vocabulary of dotted keys ("server.backlog",
// "net.ipv4.tcp_syncookies", "traffic.early.clients"), shared by the YAML reader, `--set KEY=VALUE` on the
// command line and the timed `set` events of a lesson, so that a key means the same thing everywhere.
// Parsers return a value or a message; nothing here throws or knows about files.
#pragma once

#include "model/core/Time.h"
#include "model/scenario/Scenario.h"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace backlog {

// A parsed value, or why the text is not one (then `value` is empty and `error` says what was expected).
template <class T> struct Parsed {
    std::optional<T> value;
    std::string error;

    static Parsed ok(T v) { return {std::move(v), {}}; }
    static Parsed fail(std::string message) { return {std::nullopt, std::move(message)}; }
    explicit operator bool() const { return value.has_value(); }
};

// "40us", "1.5s", "2min", "-3ms": units ns, us (or µs), ms, s, min. Decimals are exact (integer
// arithmetic); a value that is not a whole number of nanoseconds is refused, and so is a bare number.
Parsed<Time> parseDuration(std::string_view text);
// "50000/s", "50/ms", "600/min": events per second, refused unless a whole number.
Parsed<std::int64_t> parseRate(std::string_view text);
// A time within a run, or a length of one: a duration from 0s to Limits::maxDuration.
Parsed<Time> parseRunTime(std::string_view text);
// A decimal integer within [min, max].
Parsed<std::int64_t> parseInteger(std::string_view text, std::int64_t min, std::int64_t max);
// `true` or `false`, nothing else (YAML 1.1's yes/no/on/off are too easy to write by accident).
Parsed<bool> parseBool(std::string_view text);
// "1%", "0.5%" or "0.01": a probability in parts per million (whole ppm only).
Parsed<std::uint32_t> parseProbabilityPpm(std::string_view text);

// A fault's `drop:` kind: syn, synack, client-acks, data or all.
Parsed<SegmentKind> parseSegmentKind(std::string_view text);

// Applies one dotted key. Remembers which kernel settings were given explicitly, so that a later
// `kernel.version` re-derives the profile's defaults (somaxconn 128 before 5.4 …) only for the others.
// Kernel settings that already differ from their profile's default when the editor is made count as
// explicit (the scenario does not record where its values came from).
class SettingsEditor {
  public:
    explicit SettingsEditor(Scenario& scenario);

    // nullopt on success; otherwise the reason, without a file position ("expected an integer").
    std::optional<std::string> apply(std::string_view key, std::string_view value);

  private:
    std::optional<std::string> applyVersion(std::string_view value);

    Scenario& scenario_;
    std::set<std::string, std::less<>> explicitKernelKeys_;
};

// "KEY=VALUE" (as --set takes it) split at the first '=', each side without surrounding blanks; nullopt
// without an '='.
std::optional<std::pair<std::string, std::string>> splitAssignment(std::string_view item);

// One setting on its own: SettingsEditor(s).apply(key, value).
std::optional<std::string> applySetting(Scenario& s, std::string_view key, std::string_view value);

// The workers' settings in force at t: the scenario's, as its events (a lesson step's set:, a change made
// in the window) changed them up to t. How they wait (server.workers.accept) can change mid-run.
WorkerSettings workersAt(const Scenario& s, Time t);
// A way of waiting as the scenario vocabulary spells it: "blocking", "epoll", "epoll-exclusive",
// "epoll-shared".
std::string_view acceptModeKey(AcceptMode m);

// The fixed keys in their canonical spelling (the sysctls without the optional `kernel.` prefix),
// then the traffic keys as "traffic.NAME.FIELD".
std::vector<std::string> settingKeys();

// A setting's value as a scenario file would write it, which applySetting() takes back to the same value:
// "128", "3s", "epoll-exclusive", "1.5%", "100/s", "true", "6.18"; "none" for a setting left unset
// (until, and a clients entry's close_after and requests), which has no text to write. `number` is the
// value of an integer, a duration (nanoseconds), a rate (per second) or a probability (parts per
// million), and nothing for a choice or a truth value.
struct SettingValue {
    std::string key;
    std::string text;
    std::optional<std::int64_t> number;
    bool duration = false; // number is nanoseconds (a view may show it as a person reads it)
};
// Every setting of `s`: the fixed keys in settingKeys() order, then each traffic entry's keys, in the
// scenario's order of entries, as "traffic.NAME.FIELD". Left out: a sysctl the kernel profile does not
// have, and server.workers.service (it writes server.workers.service.dist and .mean, which are listed).
// For the settings in force at t, pass settingsAt(s, t) (model/tools/KernelTools.h).
std::vector<SettingValue> settingValues(const Scenario& s);
// Settings that describe the machine or the run as a whole (kernel.version, kernel.hz, seed, until):
// a change during a run (an event, a lesson step) cannot take them.
bool isFixedDuringRun(std::string_view key);
// The canonical spelling of a key, or nullopt if it is not one. A traffic key is accepted when its
// field belongs to some kind of entry; whether the entry exists depends on the scenario.
std::optional<std::string> canonicalSettingKey(std::string_view key);
// What a value of this key looks like ("an integer from 0 to 2"), for messages; empty if unknown.
std::string expectedValue(std::string_view key);
// The fields of one kind of traffic entry: "clients", "at" … or "rate", "from" …
std::vector<std::string> trafficFields(TrafficEntry::Kind kind);
// The name a traffic entry is known by in keys (its clients' or its flood's name).
const std::string& trafficEntryName(const TrafficEntry& entry);
// The candidate within edit distance 2 of `key` (the closest, the first on ties), or nullopt.
std::optional<std::string> suggestKey(std::string_view key, const std::vector<std::string>& candidates);

// A rule that involves several settings (sums over the traffic, to >= from, a fault's `of:`), broken.
// `keys` are the dotted keys involved, the one to blame by default first: "traffic.early.clients",
// "traffic.flood-2" (the whole entry), "network.faults.0.of", "traffic" (the list).
struct ScenarioProblem {
    std::vector<std::string> keys;
    std::string message;
    // A size beyond one of Limits ("… more than the limit of 1000000"), rather than settings that do not
    // fit together: a Simulation refuses to run such a scenario, however it was made (Simulation.h).
    bool overLimit = false;
};
std::vector<ScenarioProblem> checkScenario(const Scenario& s);

} // namespace backlog
