#include "model/scenario/ScenarioReader.h"

#include "model/scenario/Settings.h"
#include "model/scenario/SourceFile.h"
#include "model/scenario/SourceTree.h"
#include "model/scenario/YamlSupport.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <tuple>

namespace backlog {

namespace {

// The maps of a file that hold settings (the rest of the layout is the dotted keys themselves).
constexpr std::array<std::string_view, 5> sections{"kernel", "network", "server", "server.workers",
                                                   "server.workers.service"};

// Keys whose values are lists or text rather than scalar settings; each has its own reader below.
constexpr std::array<std::string_view, 4> structuredKeys{"title", "network.faults", "traffic", "events"};

constexpr std::string_view closeListener = "close-listener";

template <std::size_t N> bool contains(const std::array<std::string_view, N>& list, std::string_view item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

// The keys a map at `prefix` may hold, relative to it: "backlog" rather than "server.backlog", and
// subsections ("workers") rather than every key inside them. Sysctls are spelt as the file has them,
// under kernel.
std::vector<std::string> keysIn(const std::string& prefix) {
    std::vector<std::string> all;
    for (const std::string& known : settingKeys())
        if (!known.starts_with("traffic."))
            all.push_back(known.starts_with("net.") ? "kernel." + known : known);
    all.insert(all.end(), structuredKeys.begin(), structuredKeys.end());
    std::vector<std::string> keys;
    const std::string start = prefix.empty() ? "" : prefix + ".";
    for (const std::string& candidate : all) {
        if (!candidate.starts_with(start)) continue;
        std::string rest = candidate.substr(start.size());
        const std::string first = rest.substr(0, rest.find('.'));
        if (contains(sections, start + first)) rest = first;
        if (std::find(keys.begin(), keys.end(), rest) == keys.end()) keys.push_back(rest);
    }
    return keys;
}

// Where a value came from, and how a message names it: the key as written in the file, or
// "--set KEY=VALUE". Line 0: not in the file.
struct Origin {
    int line = 0;
    int column = 0;
    std::string label;
};

Origin originOf(const YAML::Node& node, std::string label = {}) {
    const YAML::Mark mark = node.Mark();
    // yaml-cpp counts from 0; a node it made up itself has no mark, so point at the top of the file.
    return {std::max(mark.line, 0) + 1, std::max(mark.column, 0) + 1, std::move(label)};
}

// One scalar setting to apply once the whole file is read (so that kernel.version can go first).
struct Assignment {
    std::string key; // dotted, as it will be applied
    std::string value;
    Origin origin;
};

struct PendingEvent {
    Intervention intervention;
    Origin valueOrigin;
};

struct KeyValue {
    YAML::Node key;
    std::string name;
    YAML::Node value;
};

// Where to point at a value: yaml-cpp places an empty value (`rtt:`) at the next token, often on the
// next line, so point at its key instead.
const YAML::Node& placeOf(const KeyValue& field) {
    return field.value.IsNull() ? field.key : field.value;
}

class ScenarioBuilder {
  public:
    explicit ScenarioBuilder(std::string fileName) : fileName_(std::move(fileName)) {}

    void readText(std::string_view text, bool decoded); // decoded: already through decodeSourceText
    void readNode(const YAML::Node& root);
    void readSets(const std::vector<std::string>& sets);
    ReadResult finish();

  private:
    void readRoot(const YAML::Node& root);
    void readSettings(const YAML::Node& map, const std::string& prefix);
    void readSetting(const KeyValue& entry, const std::string& prefix);
    void readStructured(std::string_view key, const KeyValue& entry);
    void readTraffic(const YAML::Node& list);
    void readTrafficEntry(const YAML::Node& entry, std::size_t position);
    std::vector<KeyValue> trafficFields(const YAML::Node& entry, TrafficEntry::Kind kind);
    std::optional<std::string> trafficName(const std::vector<KeyValue>& fields, const YAML::Node& entry,
                                           std::string fallback);
    void readFaults(const YAML::Node& list);
    void readFault(const YAML::Node& item, std::size_t index);
    void readEvents(const YAML::Node& list);
    void readEvent(const YAML::Node& item);
    void readEventSettings(const KeyValue& set, std::vector<PendingEvent>& changes);

    std::vector<KeyValue> entries(const YAML::Node& map);
    std::optional<std::string> scalar(const KeyValue& field, std::string_view expects);
    std::optional<Time> runTime(const KeyValue& field);
    bool isList(const YAML::Node& node, std::string_view label, std::string_view example);
    void unknownKey(const KeyValue& entry, const std::string& where, const std::vector<std::string>& keys);
    void addAssignment(const std::string& key, const KeyValue& field);

    void applyAssignments();
    void reportProblems();
    void checkEvents();
    void checkEvent(const PendingEvent& event, Scenario& copy, SettingsEditor& editor);
    Origin originOfProblem(const ScenarioProblem& problem) const;

    void error(const Origin& origin, const std::string& message);
    void error(const YAML::Node& node, const std::string& message) { error(originOf(node), message); }

    std::string fileName_;
    Scenario scenario_ = defaultScenario();
    SettingsEditor editor_{scenario_};
    ErrorList errors_;
    std::vector<Assignment> assignments_;
    std::map<std::string, Origin> origins_; // dotted key → where its value was last given
    std::vector<PendingEvent> events_;

    static Scenario defaultScenario() {
        Scenario s;
        s.kernel = KernelSettings::defaultsFor(s.kernel.profile);
        return s;
    }
};

void ScenarioBuilder::error(const Origin& origin, const std::string& message) {
    errors_.add({fileName_, origin.line, origin.column,
                 origin.label.empty() ? message : origin.label + ": " + message});
}

// ---- The YAML document ---------------------------------------------------------------------------

void ScenarioBuilder::readText(std::string_view text, bool decoded) {
    SourceText source;
    if (decoded)
        source.text = text;
    else
        source = decodeSourceText(text, fileName_, kScenarioMaxFileBytes, "a scenario");
    if (source.error) {
        error(Origin{source.error->line, source.error->column, {}}, source.error->message);
        return;
    }
    const ParsedSource parsed = parseSource(source.text, "a scenario file");
    if (parsed.problem) {
        error(Origin{parsed.problem->line, parsed.problem->column, {}}, parsed.problem->message);
        return;
    }
    if (parsed.root.isNull()) {
        error(Origin{1, 1, {}}, "the file is empty; expected a map of sections such as kernel, network, "
                                "server and traffic");
        return;
    }
    readNode(YamlNodes::unwrap(parsed.root));
}

void ScenarioBuilder::readNode(const YAML::Node& root) {
    try {
        readRoot(root);
    } catch (const YAML::Exception& e) {
        error(Origin{e.mark.line + 1, e.mark.column + 1, {}}, "YAML syntax: " + e.msg);
    }
}

void ScenarioBuilder::readRoot(const YAML::Node& root) {
    if (!root.IsMap()) {
        error(root, "expected a map of sections such as kernel, network, server and traffic, got " +
                        describeNode(root));
        return;
    }
    readSettings(root, "");
}

// The keys of a map in file order. Duplicates (yaml-cpp keeps them all) and keys that are not plain
// names are reported and left out.
std::vector<KeyValue> ScenarioBuilder::entries(const YAML::Node& map) {
    std::vector<KeyValue> out;
    std::map<std::string, int> firstLine;
    for (auto it = map.begin(); it != map.end(); ++it) {
        if (!it->first.IsScalar()) {
            error(it->first, "expected a key name, got " + describeNode(it->first));
            continue;
        }
        const std::string name = it->first.Scalar();
        const auto [previous, inserted] = firstLine.emplace(name, originOf(it->first).line);
        if (!inserted) {
            error(it->first, "duplicate key " + name + " (first given on line " +
                                 std::to_string(previous->second) + ")");
            continue;
        }
        out.push_back({it->first, name, it->second});
    }
    return out;
}

void ScenarioBuilder::readSettings(const YAML::Node& map, const std::string& prefix) {
    for (const KeyValue& entry : entries(map))
        readSetting(entry, prefix);
}

void ScenarioBuilder::readSetting(const KeyValue& entry, const std::string& prefix) {
    const std::string key = prefix.empty() ? entry.name : prefix + "." + entry.name;
    if (contains(structuredKeys, key)) return readStructured(key, entry);
    const bool section = contains(sections, key);
    if (section && entry.value.IsMap()) return readSettings(entry.value, key);
    if (canonicalSettingKey(key)) return addAssignment(key, entry);
    if (section) {
        if (!entry.value.IsNull()) // an empty section is allowed and changes nothing
            error(entry.value, entry.name + ": expected a map of settings, got " + describeNode(entry.value));
        return;
    }
    // Past the errors kept, a key that is not one is only counted: finding the keys it might have meant
    // costs a pass over the vocabulary, too much to spend on each of 100,000 mistakes.
    if (errors_.full()) return errors_.count();
    unknownKey(entry, prefix.empty() ? "" : " in " + prefix, keysIn(prefix));
}

void ScenarioBuilder::unknownKey(const KeyValue& entry, const std::string& where,
                                 const std::vector<std::string>& keys) {
    std::string message = "unknown key " + entry.name + where;
    if (std::optional<std::string> close = suggestKey(entry.name, keys))
        message += "; did you mean " + *close + "?";
    else
        message += "; expected one of " + joined(keys);
    error(entry.key, message);
}

void ScenarioBuilder::addAssignment(const std::string& key, const KeyValue& field) {
    if (const std::optional<std::string> value = scalar(field, expectedValue(key)))
        assignments_.push_back({key, *value, originOf(field.value, field.name)});
}

std::optional<std::string> ScenarioBuilder::scalar(const KeyValue& field, std::string_view expects) {
    if (field.value.IsScalar()) return field.value.Scalar();
    error(placeOf(field), field.name + ": expected " + (expects.empty() ? "a value" : std::string(expects)) +
                              ", got " + describeNode(field.value));
    return std::nullopt;
}

std::optional<Time> ScenarioBuilder::runTime(const KeyValue& field) {
    const std::optional<std::string> text = scalar(field, "a time such as 2s");
    if (!text) return std::nullopt;
    Parsed<Time> parsed = parseRunTime(*text);
    if (!parsed) error(field.value, field.name + ": " + parsed.error);
    return parsed.value;
}

// A missing list (`events:` with nothing after it) is an empty one.
bool ScenarioBuilder::isList(const YAML::Node& node, std::string_view label, std::string_view example) {
    if (node.IsSequence()) return true;
    if (!node.IsNull())
        error(node, std::string(label) + ": expected a list such as " + std::string(example) + ", got " +
                        describeNode(node));
    return false;
}

void ScenarioBuilder::readStructured(std::string_view key, const KeyValue& entry) {
    origins_[std::string(key)] = originOf(placeOf(entry));
    if (key == "title") {
        if (std::optional<std::string> title = scalar(entry, "a line of text")) scenario_.title = *title;
    } else if (key == "network.faults") {
        readFaults(entry.value);
    } else if (key == "traffic") {
        readTraffic(entry.value);
    } else {
        readEvents(entry.value);
    }
}

// ---- traffic -------------------------------------------------------------------------------------

void ScenarioBuilder::readTraffic(const YAML::Node& list) {
    if (!isList(list, "traffic", "- { clients: 100, spacing: 1ms }")) return;
    std::size_t position = 0;
    for (const YAML::Node& entry : list) {
        if (++position > static_cast<std::size_t>(Limits::maxTrafficEntries)) {
            error(entry, "traffic: more than the limit of " + std::to_string(Limits::maxTrafficEntries) +
                             " entries");
            return;
        }
        readTrafficEntry(entry, position);
    }
}

void ScenarioBuilder::readTrafficEntry(const YAML::Node& entry, std::size_t position) {
    if (!entry.IsMap()) {
        error(entry, "expected a traffic entry such as { name: early, clients: 100, spacing: 1ms } or "
                     "{ flood: { rate: 1000/s } }, got " +
                         describeNode(entry));
        return;
    }
    const bool flood = std::any_of(entry.begin(), entry.end(),
                                   [](const auto& item) { return item.first.Scalar() == "flood"; });
    TrafficEntry traffic;
    traffic.kind = flood ? TrafficEntry::Kind::Flood : TrafficEntry::Kind::Clients;
    const std::vector<KeyValue> fields = trafficFields(entry, traffic.kind);
    const std::string fallback = (flood ? "flood-" : "clients-") + std::to_string(position);
    const std::optional<std::string> name = trafficName(fields, entry, fallback);
    if (!name) return; // its settings would land on another entry; the name's error says enough
    (flood ? traffic.flood.name : traffic.clients.name) = *name;
    scenario_.traffic.push_back(traffic);
    origins_["traffic." + *name] = originOf(entry, "traffic entry " + *name);
    for (const KeyValue& field : fields)
        if (field.name != "name") addAssignment("traffic." + *name + "." + field.name, field);
}

// The keys of an entry, checked against its kind. A flood's keys may be written inside `flood:` or
// beside it.
std::vector<KeyValue> ScenarioBuilder::trafficFields(const YAML::Node& entry, TrafficEntry::Kind kind) {
    const bool flood = kind == TrafficEntry::Kind::Flood;
    std::vector<KeyValue> fields;
    for (const KeyValue& field : entries(entry)) {
        if (!flood || field.name != "flood")
            fields.push_back(field);
        else if (field.value.IsMap())
            std::ranges::copy(entries(field.value), std::back_inserter(fields));
        else
            error(placeOf(field), "flood: expected a map such as { rate: 50000/s, from: 2s, to: 12s }, got " +
                                      describeNode(field.value));
    }
    std::vector<std::string> allowed = backlog::trafficFields(kind);
    allowed.insert(allowed.begin(), "name");
    const std::vector<std::string> others =
        backlog::trafficFields(flood ? TrafficEntry::Kind::Clients : TrafficEntry::Kind::Flood);
    std::vector<KeyValue> known;
    std::map<std::string, int> seen; // a key may be written both inside `flood:` and beside it
    for (const KeyValue& field : fields) {
        if (std::ranges::find(others, field.name) != others.end())
            error(field.key,
                  field.name + (flood ? " is a key of clients entries, not of a flood"
                                      : " belongs to a flood: { flood: { " + field.name + ": … } }"));
        else if (std::ranges::find(allowed, field.name) == allowed.end())
            unknownKey(field, flood ? " in a flood entry" : " in a clients entry", allowed);
        else if (const auto [first, isNew] = seen.emplace(field.name, originOf(field.key).line); !isNew)
            error(field.key, "duplicate key " + field.name + " (first given on line " +
                                 std::to_string(first->second) + ")");
        else
            known.push_back(field);
    }
    return known;
}

std::optional<std::string> ScenarioBuilder::trafficName(const std::vector<KeyValue>& fields,
                                                        const YAML::Node& entry, std::string fallback) {
    YAML::Node where = entry;
    std::string name = std::move(fallback);
    for (const KeyValue& field : fields) {
        if (field.name != "name") continue;
        const std::optional<std::string> given = scalar(field, "a name such as early");
        if (!given) return std::nullopt;
        name = *given;
        where = field.value;
    }
    // Names become part of dotted keys (traffic.NAME.clients) and of --set KEY=VALUE.
    const bool plain = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
               c == '_';
    });
    if (!plain) {
        error(where, "name: expected letters, digits, - and _ only, got " + describeNode(where));
        return std::nullopt;
    }
    for (const TrafficEntry& other : scenario_.traffic) {
        if (trafficEntryName(other) == name) {
            error(where, "name: a traffic entry named " + name + " already exists (line " +
                             std::to_string(origins_["traffic." + name].line) + ")");
            return std::nullopt;
        }
    }
    return name;
}

// ---- network.faults ------------------------------------------------------------------------------

void ScenarioBuilder::readFaults(const YAML::Node& list) {
    if (!isList(list, "faults", "- { drop: synack, from: 0s, to: 2s }")) return;
    std::size_t index = 0;
    for (const YAML::Node& item : list)
        readFault(item, index++);
}

void ScenarioBuilder::readFault(const YAML::Node& item, std::size_t index) {
    if (!item.IsMap()) {
        error(item, "expected a fault such as { drop: synack, from: 0s, to: 2s }, got " + describeNode(item));
        return;
    }
    const std::string key = "network.faults." + std::to_string(index);
    origins_[key] = originOf(item, "fault");
    Fault fault;
    fault.to = Time::never(); // without `to:` the fault lasts to the end of the run
    bool hasDrop = false;
    for (const KeyValue& field : entries(item)) {
        if (field.name == "drop") {
            hasDrop = true;
            if (const auto text = scalar(field, "one of syn, synack, client-acks, data, all")) {
                const Parsed<SegmentKind> kind = parseSegmentKind(*text);
                if (kind)
                    fault.drop = *kind.value;
                else
                    error(field.value, "drop: " + kind.error);
            }
        } else if (field.name == "of") {
            if (const auto of = scalar(field, "the name of a traffic entry")) fault.of = *of;
            origins_[key + ".of"] = originOf(field.value, "of");
        } else if (field.name == "from" || field.name == "to") {
            if (const std::optional<Time> t = runTime(field))
                (field.name == "from" ? fault.from : fault.to) = *t;
            origins_[key + "." + field.name] = originOf(field.value, field.name);
        } else {
            unknownKey(field, " in a fault", {"drop", "of", "from", "to"});
        }
    }
    if (!hasDrop) error(item, "fault: expected drop: (one of syn, synack, client-acks, data, all)");
    scenario_.network.faults.push_back(fault);
}

// ---- events --------------------------------------------------------------------------------------

void ScenarioBuilder::readEvents(const YAML::Node& list) {
    if (!isList(list, "events", "- { at: 5s, set: { server.backlog: 4 } }")) return;
    for (const YAML::Node& item : list)
        readEvent(item);
}

// One change of an event: the key (or close-listener) and its value, where they were written.
PendingEvent pendingChange(const KeyValue& field, const std::string& value) {
    const Origin key = originOf(field.key);
    return {{Time(), field.name, value, key.line, key.column}, originOf(field.value, field.name)};
}

void ScenarioBuilder::readEvent(const YAML::Node& item) {
    if (!item.IsMap()) {
        error(item,
              "expected an event such as { at: 5s, set: { server.backlog: 4 } }, got " + describeNode(item));
        return;
    }
    std::optional<Time> at;
    bool hasAt = false;
    bool hasChange = false;
    bool hasUnknown = false;
    std::vector<PendingEvent> changes;
    for (const KeyValue& field : entries(item)) {
        if (field.name == "at") {
            hasAt = true;
            at = runTime(field);
        } else if (field.name == "set") {
            hasChange = true;
            readEventSettings(field, changes);
        } else if (field.name == closeListener) {
            hasChange = true;
            if (const auto value = scalar(field, "the index of a listener"))
                changes.push_back(pendingChange(field, *value));
        } else {
            unknownKey(field, " in an event", {"at", "set", std::string(closeListener)});
            hasUnknown = true;
        }
    }
    if (!hasAt) error(item, "event: expected at: (the time of the change)");
    if (!hasChange && !hasUnknown) // an unknown key is most likely the change, misspelt
        error(item, "event: expected set: { KEY: VALUE … } or close-listener: INDEX");
    if (!at) return;
    for (PendingEvent& change : changes) {
        change.intervention.at = *at;
        events_.push_back(change);
    }
}

// `set: { KEY: VALUE … }`; the keys and values are checked once the whole file is read.
void ScenarioBuilder::readEventSettings(const KeyValue& set, std::vector<PendingEvent>& changes) {
    if (!set.value.IsMap()) {
        error(placeOf(set), "set: expected a map of settings such as { server.backlog: 4 }, got " +
                                describeNode(set.value));
        return;
    }
    for (const KeyValue& setting : entries(set.value))
        if (const auto value = scalar(setting, expectedValue(setting.name)))
            changes.push_back(pendingChange(setting, *value));
}

// ---- --set ---------------------------------------------------------------------------------------

void ScenarioBuilder::readSets(const std::vector<std::string>& sets) {
    for (const std::string& item : sets) {
        const Origin origin{0, 0, "--set " + item};
        const auto assignment = splitAssignment(item);
        if (!assignment) {
            error(origin, "expected KEY=VALUE");
            continue;
        }
        assignments_.push_back({assignment->first, assignment->second, origin});
    }
}

// ---- Applying and checking -----------------------------------------------------------------------

void ScenarioBuilder::applyAssignments() {
    // The kernel version first, wherever it was written: it decides the other kernel defaults and
    // which sysctls exist at all.
    std::stable_partition(assignments_.begin(), assignments_.end(), [](const Assignment& a) {
        const std::optional<std::string> key = canonicalSettingKey(a.key);
        return key && *key == "kernel.version";
    });
    for (const Assignment& a : assignments_) {
        if (std::optional<std::string> problem = editor_.apply(a.key, a.value))
            error(a.origin, *problem);
        else
            origins_[canonicalSettingKey(a.key).value_or(a.key)] = a.origin;
    }
}

// Where to blame a problem: a command-line --set among its keys (the user's latest word, and the file
// alone was fine), else the most specific place known for its first key: the key, its entry or section.
Origin ScenarioBuilder::originOfProblem(const ScenarioProblem& problem) const {
    for (const std::string& key : problem.keys)
        if (const auto found = origins_.find(key); found != origins_.end() && found->second.line == 0)
            return found->second;
    std::string key = problem.keys.front();
    for (;;) {
        if (const auto found = origins_.find(key); found != origins_.end()) return found->second;
        const std::size_t dot = key.rfind('.');
        if (dot == std::string::npos) return {1, 1, {}};
        key.resize(dot);
    }
}

void ScenarioBuilder::reportProblems() {
    for (const ScenarioProblem& problem : checkScenario(scenario_))
        error(originOfProblem(problem), problem.message);
}

// Each change is applied, in time order, to a copy of the scenario, so that a bad value is reported
// now, where it was written, rather than when the run reaches it.
void ScenarioBuilder::checkEvents() {
    std::vector<const PendingEvent*> order;
    for (const PendingEvent& event : events_)
        order.push_back(&event);
    std::stable_sort(order.begin(), order.end(), [](const PendingEvent* a, const PendingEvent* b) {
        return a->intervention.at < b->intervention.at;
    });
    Scenario copy = scenario_;
    SettingsEditor editor(copy);
    for (const PendingEvent* event : order)
        checkEvent(*event, copy, editor);
    for (const PendingEvent& event : events_)
        scenario_.events.push_back(event.intervention);
}

void ScenarioBuilder::checkEvent(const PendingEvent& event, Scenario& copy, SettingsEditor& editor) {
    const Intervention& change = event.intervention;
    const Origin keyOrigin{change.line, change.column, {}};
    if (change.key == closeListener) {
        const Parsed<std::int64_t> index = parseInteger(change.value, 0, copy.server.listeners - 1);
        if (!index) error(event.valueOrigin, index.error + " (the listeners are numbered from 0)");
        return;
    }
    const std::optional<std::string> key = canonicalSettingKey(change.key);
    if (key && isFixedDuringRun(*key)) {
        error(keyOrigin, change.key + " cannot change during a run; set it outside events");
        return;
    }
    const std::vector<ScenarioProblem> before = checkScenario(copy);
    if (std::optional<std::string> problem = editor.apply(change.key, change.value)) {
        error(key ? event.valueOrigin : keyOrigin, *problem);
        return;
    }
    for (const ScenarioProblem& problem : checkScenario(copy)) {
        const bool isNew = std::none_of(before.begin(), before.end(), [&](const ScenarioProblem& p) {
            return p.message == problem.message;
        });
        if (isNew) error(event.valueOrigin, problem.message);
    }
}

ReadResult ScenarioBuilder::finish() {
    applyAssignments();
    reportProblems();
    checkEvents();
    // File order; what came from the command line after the file.
    std::vector<ReadError>& errors = errors_.kept();
    std::stable_sort(errors.begin(), errors.end(), [](const ReadError& a, const ReadError& b) {
        return std::tuple(a.line == 0, a.line, a.column) < std::tuple(b.line == 0, b.line, b.column);
    });
    if (!errors.empty()) return {std::nullopt, std::move(errors), errors_.unlisted()};
    return {std::move(scenario_), {}};
}

} // namespace

ReadResult readScenarioText(std::string_view text, const std::string& fileName,
                            const std::vector<std::string>& sets) {
    ScenarioBuilder builder(fileName);
    builder.readText(text, false);
    builder.readSets(sets);
    return builder.finish();
}

ReadResult readDecodedScenarioText(std::string_view text, const std::string& fileName,
                                   const std::vector<std::string>& sets) {
    ScenarioBuilder builder(fileName);
    builder.readText(text, true);
    builder.readSets(sets);
    return builder.finish();
}

ReadResult readScenarioNode(const SourceNode& root, const std::string& fileName) {
    ScenarioBuilder builder(fileName);
    builder.readNode(YamlNodes::unwrap(root));
    return builder.finish();
}

ReadResult readScenarioFile(const std::string& path, const std::vector<std::string>& sets) {
    SourceText source = readSourceFile(path, kScenarioMaxFileBytes);
    if (source.error) return {std::nullopt, {std::move(*source.error)}};
    return readScenarioText(source.text, path, sets);
}

} // namespace backlog
