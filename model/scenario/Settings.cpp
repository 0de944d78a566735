#include "model/scenario/Settings.h"

#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <numeric>
#include <utility>
#include <variant>

namespace backlog {

namespace {

using Error = std::optional<std::string>;

constexpr std::int64_t maxInt64 = std::numeric_limits<std::int64_t>::max();
constexpr std::string_view durationExample = "a duration such as 40us, 3s, 2min";

bool isDigits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
    std::string out;
    for (const std::string& item : items) {
        if (!out.empty()) out += separator;
        out += item;
    }
    return out;
}

// ---- Exact decimals ------------------------------------------------------------------------------

enum class NumberError { None, Syntax, TooLarge, NotWhole };

struct Scaled {
    std::int64_t value = 0;
    NumberError error = NumberError::None;
};

std::optional<std::int64_t> parseDigits(std::string_view digits) {
    std::int64_t v = 0;
    for (char c : digits) {
        const int d = c - '0';
        if (v > (maxInt64 - d) / 10) return std::nullopt;
        v = v * 10 + d;
    }
    return v;
}

// `text` × unit ÷ divisor without floating point: "1.5" × 1'000'000'000 is exactly 1'500'000'000, and
// "0.1" × 3 ÷ 1 is refused as not whole rather than rounded. The sign may be written.
Scaled scaleDecimal(std::string_view text, std::int64_t unit, std::int64_t divisor = 1) {
    const bool negative = !text.empty() && text.front() == '-';
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
    const std::size_t point = text.find('.');
    const std::string_view wholeText = text.substr(0, point);
    std::string_view fractionText = point == std::string_view::npos ? "" : text.substr(point + 1);
    if (!isDigits(wholeText) || (point != std::string_view::npos && !isDigits(fractionText)))
        return {0, NumberError::Syntax};
    while (!fractionText.empty() && fractionText.back() == '0')
        fractionText.remove_suffix(1);

    const std::optional<std::int64_t> whole = parseDigits(wholeText);
    if (!whole || *whole > maxInt64 / unit) return {0, NumberError::TooLarge};
    // Beyond 18 significant decimals no unit used here (at most 60e9) gives a whole result.
    if (fractionText.size() > 18) return {0, NumberError::NotWhole};
    const std::int64_t fraction = *parseDigits(fractionText.empty() ? "0" : fractionText);
    std::int64_t power = 1;
    for (std::size_t i = 0; i < fractionText.size(); ++i)
        power *= 10;
    // fraction × unit ÷ power, reduced first so that nothing overflows: the result is below `unit`.
    const std::int64_t common = std::gcd(unit, power);
    if (fraction % (power / common) != 0) return {0, NumberError::NotWhole};
    const std::int64_t fractionPart = fraction / (power / common) * (unit / common);
    if (*whole * unit > maxInt64 - fractionPart) return {0, NumberError::TooLarge};
    const std::int64_t total = *whole * unit + fractionPart;
    if (total % divisor != 0) return {0, NumberError::NotWhole};
    return {negative ? -(total / divisor) : total / divisor, NumberError::None};
}

// "40us" → {"40", "us"}; spaces between the number and its unit are allowed.
std::pair<std::string_view, std::string_view> splitNumberAndUnit(std::string_view text) {
    const std::size_t end = text.find_first_not_of("+-0123456789.");
    const std::string_view number = text.substr(0, end);
    std::string_view unit = end == std::string_view::npos ? "" : text.substr(end);
    while (!unit.empty() && unit.front() == ' ')
        unit.remove_prefix(1);
    return {number, unit};
}

struct Unit {
    std::string_view name;
    std::int64_t multiplier;
    std::int64_t divisor;
};

constexpr std::array<Unit, 6> durationUnits{{{"ns", 1, 1},
                                             {"us", 1'000, 1},
                                             {"\xC2\xB5s", 1'000, 1}, // µs
                                             {"ms", 1'000'000, 1},
                                             {"s", 1'000'000'000, 1},
                                             {"min", 60'000'000'000, 1}}};

// Per-second rates: "/ms" multiplies by 1000, "/min" divides by 60.
constexpr std::array<Unit, 4> rateUnits{
    {{"s", 1, 1}, {"ms", 1'000, 1}, {"us", 1'000'000, 1}, {"min", 1, 60}}};

template <std::size_t N> const Unit* findUnit(const std::array<Unit, N>& units, std::string_view name) {
    for (const Unit& unit : units)
        if (unit.name == name) return &unit;
    return nullptr;
}

// ---- Ranges and their messages -------------------------------------------------------------------

std::string show(std::int64_t v) {
    return std::to_string(v);
}
std::string show(Time t) {
    return formatDuration(t);
}

// A bound that is one of Limits says so in the message: "1000000000 is more than the limit of 1000000".
template <class T> struct Range {
    T min;
    T max;
    bool minIsLimit = false;
    bool maxIsLimit = false;
};

template <class T> Error checkRange(const Range<T>& range, T v, std::string_view written) {
    const std::string value(written);
    if (v < range.min)
        return range.minIsLimit ? value + " is less than the limit of " + show(range.min)
                                : "expected at least " + show(range.min) + ", got " + value;
    if (v > range.max)
        return range.maxIsLimit ? value + " is more than the limit of " + show(range.max)
                                : "expected at most " + show(range.max) + ", got " + value;
    return std::nullopt;
}

struct IntegerRule {
    Range<std::int64_t> range;
    std::vector<std::int64_t> oneOf; // when not empty, only these values
};

IntegerRule between(std::int64_t min, std::int64_t max) {
    return {{min, max}, {}};
}
IntegerRule upToLimit(std::int64_t min, std::int64_t limit) {
    return {{min, limit, false, true}, {}};
}
IntegerRule withinLimit(std::int64_t limit) {
    return {{-limit, limit, true, true}, {}};
}
IntegerRule oneOf(std::vector<std::int64_t> values) {
    return {{values.front(), values.back()}, std::move(values)};
}

std::string showValues(const std::vector<std::int64_t>& values) {
    std::vector<std::string> texts;
    for (std::int64_t v : values)
        texts.push_back(show(v));
    return join(texts);
}

std::string describe(const IntegerRule& rule) {
    if (!rule.oneOf.empty()) return "one of " + showValues(rule.oneOf);
    return "an integer from " + show(rule.range.min) + " to " + show(rule.range.max);
}

Parsed<std::int64_t> parseWithRule(std::string_view text, const IntegerRule& rule) {
    Parsed<std::int64_t> parsed = parseInteger(text, std::numeric_limits<std::int64_t>::min(), maxInt64);
    if (!parsed) return parsed;
    if (!rule.oneOf.empty()) {
        if (std::find(rule.oneOf.begin(), rule.oneOf.end(), *parsed.value) == rule.oneOf.end())
            return Parsed<std::int64_t>::fail("expected one of " + showValues(rule.oneOf) + ", got " +
                                              std::string(text));
        return parsed;
    }
    if (Error error = checkRange(rule.range, *parsed.value, text)) return Parsed<std::int64_t>::fail(*error);
    return parsed;
}

Parsed<Time> parseDurationIn(std::string_view text, const Range<Time>& range) {
    Parsed<Time> parsed = parseDuration(text);
    if (!parsed) return parsed;
    if (Error error = checkRange(range, *parsed.value, text)) return Parsed<Time>::fail(*error);
    return parsed;
}

// A time within a run, or a length of one.
constexpr Range<Time> runTime{Time(), Limits::maxDuration, false, true};

// ---- Key rules -----------------------------------------------------------------------------------

using KernelField = std::variant<int KernelSettings::*, std::int64_t KernelSettings::*>;

std::int64_t get(const KernelSettings& k, KernelField field) {
    return std::visit([&k](auto member) -> std::int64_t { return k.*member; }, field);
}

void set(KernelSettings& k, KernelField field, std::int64_t v) {
    std::visit(
        [&k, v](auto member) { k.*member = static_cast<std::remove_reference_t<decltype(k.*member)>>(v); },
        field);
}

// One dotted key: how to apply a written value to `Target` (a Scenario or one traffic entry).
template <class Target> struct KeyRule {
    std::string name;
    std::string expects; // "an integer from 0 to 2"
    std::function<Error(Target&, std::string_view)> apply;
    // Kernel settings only: restored to the profile's default on kernel.version unless set explicitly.
    std::optional<KernelField> kernelField;
    bool (*exists)(const KernelProfile&) = nullptr; // nullptr: every profile has it
    std::string since;                              // the release that added it, when `exists` is set
    // The value in force, as settingValues() gives it; nullptr for a key that only writes others
    // (server.workers.service sets .dist and .mean, which are read instead).
    std::function<SettingValue(const Target&)> read;
};

// A key whose text is parsed by `parse` (returning Parsed<V>), stored by `assign(target, V)` and read
// back by `read(target)` (a SettingValue without its key; nullptr: none).
template <class Target, class Parse, class Assign>
KeyRule<Target> makeKey(std::string name, std::string expects, Parse parse, Assign assign,
                        std::function<SettingValue(const Target&)> read) {
    KeyRule<Target> key;
    key.name = std::move(name);
    key.expects = std::move(expects);
    key.apply = [parse, assign](Target& target, std::string_view text) -> Error {
        auto parsed = parse(text);
        if (!parsed) return parsed.error;
        assign(target, *parsed.value);
        return std::nullopt;
    };
    key.read = std::move(read);
    return key;
}

// The field at the end of a chain of members: path(&Scenario::server, &ServerSettings::port).
template <class T> T& follow(T& target) {
    return target;
}

template <class T, class Member, class... Rest> auto& follow(T& target, Member member, Rest... rest) {
    return follow(target.*member, rest...);
}

template <class... Members> auto path(Members... members) {
    return [members...](auto& target) -> auto& {
        return follow(target, members...);
    };
}

// Stores into the field `field(target)` returns a reference to.
template <class Field> auto assignTo(Field field) {
    return [field](auto& target, auto value) {
        auto& out = field(target);
        out = static_cast<std::remove_reference_t<decltype(out)>>(value);
    };
}

// Readers: the value of the field `field(target)` refers to, as a scenario file writes it.
SettingValue integerValue(std::int64_t v) {
    return {{}, std::to_string(v), v};
}
SettingValue durationValue(Time t) {
    return {{}, formatDuration(t), t.count(), true};
}
// An optional time left unset (until, close_after): the file leaves the key out.
SettingValue optionalDurationValue(const std::optional<Time>& t) {
    return t ? durationValue(*t) : SettingValue{{}, "none", std::nullopt};
}
// Parts per million as a percentage ("1%", "0.05%"): exact, as parseProbabilityPpm() takes it back.
SettingValue probabilityValue(std::uint32_t ppm) {
    std::string text = std::to_string(ppm / 10'000);
    if (const std::uint32_t rest = ppm % 10'000) {
        std::string fraction = std::to_string(rest);
        fraction.insert(0, 4 - fraction.size(), '0');
        while (fraction.back() == '0')
            fraction.pop_back();
        text += "." + fraction;
    }
    return {{}, text + "%", std::int64_t{ppm}};
}

template <class Field> auto readInteger(Field field) {
    return [field](const auto& target) { return integerValue(static_cast<std::int64_t>(field(target))); };
}
template <class Field> auto readDuration(Field field) {
    return [field](const auto& target) { return durationValue(field(target)); };
}
template <class Field> auto readBool(Field field) {
    return [field](const auto& target) { return SettingValue{{}, field(target) ? "true" : "false", {}}; };
}

auto integerIn(IntegerRule rule) {
    return [rule](std::string_view text) { return parseWithRule(text, rule); };
}

auto durationIn(Range<Time> range) {
    return [range](std::string_view text) { return parseDurationIn(text, range); };
}

auto rateIn(Range<std::int64_t> range) {
    return [range](std::string_view text) {
        Parsed<std::int64_t> parsed = parseRate(text);
        if (parsed) {
            if (Error error = checkRange(range, *parsed.value, text))
                return Parsed<std::int64_t>::fail(*error);
        }
        return parsed;
    };
}

template <class Enum> using Choices = std::vector<std::pair<std::string, Enum>>;

template <class Enum> std::string describe(const Choices<Enum>& choices) {
    std::vector<std::string> names;
    for (const auto& choice : choices)
        names.push_back(choice.first);
    return "one of " + join(names);
}

// The name of the choice a field holds.
template <class Field, class Enum> auto readChoice(Field field, Choices<Enum> choices) {
    return [field, choices](const auto& target) {
        for (const auto& [name, value] : choices)
            if (value == field(target)) return SettingValue{{}, name, {}};
        return SettingValue{{}, "?", {}};
    };
}

template <class Enum> auto choiceIn(Choices<Enum> choices) {
    return [choices](std::string_view text) {
        for (const auto& [name, value] : choices)
            if (name == text) return Parsed<Enum>::ok(value);
        return Parsed<Enum>::fail("expected " + describe(choices) + ", got " + std::string(text));
    };
}

template <class Target, class Field>
KeyRule<Target> integerKey(std::string name, Field field, IntegerRule rule) {
    return makeKey<Target>(std::move(name), describe(rule), integerIn(rule), assignTo(field),
                           readInteger(field));
}

template <class Target, class Field>
KeyRule<Target> durationKey(std::string name, Field field, Range<Time> range = runTime) {
    return makeKey<Target>(std::move(name), std::string(durationExample), durationIn(range), assignTo(field),
                           readDuration(field));
}

template <class Target, class Field> KeyRule<Target> boolKey(std::string name, Field field) {
    return makeKey<Target>(std::move(name), "true or false", parseBool, assignTo(field), readBool(field));
}

template <class Target, class Field, class Enum>
KeyRule<Target> choiceKey(std::string name, Field field, Choices<Enum> choices) {
    std::string expects = describe(choices);
    auto read = readChoice(field, choices);
    return makeKey<Target>(std::move(name), std::move(expects), choiceIn(std::move(choices)), assignTo(field),
                           std::move(read));
}

KeyRule<Scenario> kernelKey(std::string name, KernelField field, IntegerRule rule,
                            bool (*exists)(const KernelProfile&) = nullptr, std::string since = {}) {
    KeyRule<Scenario> key = makeKey<Scenario>(
        std::move(name), describe(rule), integerIn(rule),
        [field](Scenario& s, std::int64_t v) { set(s.kernel, field, v); },
        [field](const Scenario& s) { return integerValue(get(s.kernel, field)); });
    key.kernelField = field;
    key.exists = exists;
    key.since = std::move(since);
    return key;
}

std::string knownVersions() {
    std::vector<std::string> names;
    for (const KernelProfile& profile : kernelProfiles())
        names.emplace_back(profile.name);
    return join(names);
}

std::vector<KeyRule<Scenario>> makeScenarioKeys() {
    using S = Scenario;
    using Server = ServerSettings;
    using Workers = WorkerSettings;
    constexpr Range<Time> delay{Time(), Limits::maxRtt, false, true};
    // kernel.version is applied by SettingsEditor itself: it re-derives the other kernel settings.
    const KeyRule<Scenario> version{
        "kernel.version", "one of " + knownVersions(), nullptr, {}, nullptr, {}, [](const Scenario& s) {
            return SettingValue{{}, s.kernel.profile.name, {}};
        }};
    const auto hasLinearTimeouts = [](const KernelProfile& p) { return p.hasLinearSynTimeouts; };
    const auto hasMigrateReq = [](const KernelProfile& p) { return p.hasMigrateReq; };
    return {
        version,
        kernelKey("kernel.hz", &KernelSettings::hz, oneOf({100, 250, 300, 1000})),
        kernelKey("net.core.somaxconn", &KernelSettings::somaxconn, upToLimit(0, Limits::maxBacklog)),
        kernelKey("net.ipv4.tcp_max_syn_backlog", &KernelSettings::tcpMaxSynBacklog,
                  upToLimit(0, Limits::maxBacklog)),
        kernelKey("net.ipv4.tcp_syncookies", &KernelSettings::tcpSyncookies, oneOf({0, 1, 2})),
        // The kernel's own bounds: synack_retries is a u8, syn_retries 1..MAX_TCP_SYNCNT (127).
        kernelKey("net.ipv4.tcp_synack_retries", &KernelSettings::tcpSynackRetries, between(0, 255)),
        kernelKey("net.ipv4.tcp_syn_retries", &KernelSettings::tcpSynRetries, between(1, 127)),
        kernelKey("net.ipv4.tcp_syn_linear_timeouts", &KernelSettings::tcpSynLinearTimeouts, between(0, 127),
                  hasLinearTimeouts, "6.5"),
        kernelKey("net.ipv4.tcp_abort_on_overflow", &KernelSettings::tcpAbortOnOverflow, oneOf({0, 1})),
        kernelKey("net.ipv4.tcp_migrate_req", &KernelSettings::tcpMigrateReq, oneOf({0, 1}), hasMigrateReq,
                  "5.14"),
        durationKey<S>("network.rtt", path(&S::network, &NetworkSettings::rtt), delay),
        durationKey<S>("network.jitter", path(&S::network, &NetworkSettings::jitter), delay),
        makeKey<S>("network.loss", "a probability such as 1% or 0.01", parseProbabilityPpm,
                   assignTo(path(&S::network, &NetworkSettings::lossPpm)),
                   [](const S& s) { return probabilityValue(s.network.lossPpm); }),
        integerKey<S>("server.port", path(&S::server, &Server::port), between(1, 65535)),
        // Negative is what listen(fd, -1) asks for: somaxconn (L1).
        integerKey<S>("server.backlog", path(&S::server, &Server::backlog), withinLimit(Limits::maxBacklog)),
        integerKey<S>("server.listeners", path(&S::server, &Server::listeners),
                      upToLimit(1, Limits::maxListeners)),
        integerKey<S>("server.workers.count", path(&S::server, &Server::workers, &Workers::count),
                      upToLimit(0, Limits::maxWorkers)),
        choiceKey<S>("server.workers.accept", path(&S::server, &Server::workers, &Workers::accept),
                     Choices<AcceptMode>{{"blocking", AcceptMode::Blocking},
                                         {"epoll", AcceptMode::Epoll},
                                         {"epoll-exclusive", AcceptMode::EpollExclusive},
                                         {"epoll-shared", AcceptMode::EpollShared}}),
        choiceKey<S>("server.workers.event_loop", path(&S::server, &Server::workers, &Workers::eventLoop),
                     Choices<EventLoop>{{"async", EventLoop::Async}, {"blocking", EventLoop::Blocking}}),
        durationKey<S>("server.workers.start", path(&S::server, &Server::workers, &Workers::start)),
        // `service: 3s` is a fixed time; `service: { dist: …, mean: … }` sets the two keys below.
        makeKey<S>(
            "server.workers.service", std::string(durationExample), durationIn(runTime),
            [](S& s, Time mean) {
                s.server.workers.service = {ServiceTime::Dist::Fixed, mean};
            },
            nullptr),
        durationKey<S>("server.workers.service.mean",
                       path(&S::server, &Server::workers, &Workers::service, &ServiceTime::mean)),
        choiceKey<S>("server.workers.service.dist",
                     path(&S::server, &Server::workers, &Workers::service, &ServiceTime::dist),
                     Choices<ServiceTime::Dist>{{"fixed", ServiceTime::Dist::Fixed},
                                                {"exponential", ServiceTime::Dist::Exponential}}),
        durationKey<S>("server.workers.accept_cost",
                       path(&S::server, &Server::workers, &Workers::acceptCost)),
        integerKey<S>("server.workers.connections", path(&S::server, &Server::workers, &Workers::connections),
                      upToLimit(1, Limits::maxClients)),
        integerKey<S>("seed", path(&S::seed), between(0, maxInt64)),
        makeKey<S>(
            "until", std::string(durationExample), durationIn(runTime), [](S& s, Time t) { s.until = t; },
            [](const S& s) { return optionalDurationValue(s.until); }),
    };
}

const std::vector<KeyRule<Scenario>>& scenarioKeys() {
    static const std::vector<KeyRule<Scenario>> keys = makeScenarioKeys();
    return keys;
}

const std::vector<KeyRule<ClientTraffic>>& clientKeys() {
    using C = ClientTraffic;
    static const std::vector<KeyRule<C>> keys{
        integerKey<C>("clients", path(&C::clients), upToLimit(1, Limits::maxClients)),
        durationKey<C>("at", path(&C::at)),
        durationKey<C>("spacing", path(&C::spacing)),
        boolKey<C>("send", path(&C::send)),
        integerKey<C>("concurrency", path(&C::concurrency), upToLimit(0, Limits::maxClients)),
        // 0 stands for a closed loop that counts connect() calls instead (the key left out).
        makeKey<C>("requests", describe(upToLimit(1, Limits::maxClients)),
                   integerIn(upToLimit(1, Limits::maxClients)), assignTo(path(&C::requests)),
                   [](const C& c) {
                       return c.requests > 0 ? integerValue(c.requests) : SettingValue{{}, "none", {}};
                   }),
        makeKey<C>(
            "close_after", std::string(durationExample), durationIn(runTime),
            [](C& c, Time t) { c.closeAfter = t; },
            [](const C& c) { return optionalDurationValue(c.closeAfter); }),
        boolKey<C>("abort", path(&C::abort)),
    };
    return keys;
}

const std::vector<KeyRule<FloodTraffic>>& floodKeys() {
    using F = FloodTraffic;
    static const std::vector<KeyRule<F>> keys{
        makeKey<F>("rate", "a rate such as 50000/s", rateIn({1, Limits::maxFloodRate, false, true}),
                   assignTo(path(&F::ratePerSecond)),
                   [](const F& f) {
                       return SettingValue{{}, std::to_string(f.ratePerSecond) + "/s", f.ratePerSecond};
                   }),
        durationKey<F>("from", path(&F::from)),
        durationKey<F>("to", path(&F::to)),
        boolKey<F>("routable", path(&F::routable)),
    };
    return keys;
}

template <class Target>
const KeyRule<Target>* findRule(const std::vector<KeyRule<Target>>& rules, std::string_view name) {
    for (const KeyRule<Target>& rule : rules)
        if (rule.name == name) return &rule;
    return nullptr;
}

template <class Target> std::vector<std::string> ruleNames(const std::vector<KeyRule<Target>>& rules) {
    std::vector<std::string> names;
    for (const KeyRule<Target>& rule : rules)
        names.push_back(rule.name);
    return names;
}

// The sysctls may be written with the section they have in a file: kernel.net.core.somaxconn.
std::string_view withoutKernelPrefix(std::string_view key) {
    constexpr std::string_view prefix = "kernel.net.";
    return key.starts_with(prefix) ? key.substr(std::string_view("kernel.").size()) : key;
}

constexpr std::string_view trafficPrefix = "traffic.";

// "traffic.early.clients" → {"early", "clients"}; names are checked by the reader, fields by their table.
std::optional<std::pair<std::string_view, std::string_view>> splitTrafficKey(std::string_view key) {
    if (!key.starts_with(trafficPrefix)) return std::nullopt;
    const std::string_view rest = key.substr(trafficPrefix.size());
    const std::size_t dot = rest.rfind('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == rest.size()) return std::nullopt;
    return std::pair{rest.substr(0, dot), rest.substr(dot + 1)};
}

std::string unknownKey(std::string_view key) {
    std::string message = "unknown key " + std::string(key);
    if (std::optional<std::string> close = suggestKey(key, settingKeys()))
        message += "; did you mean " + *close + "?";
    return message;
}

std::vector<std::string> trafficNames(const Scenario& s) {
    std::vector<std::string> names;
    for (const TrafficEntry& entry : s.traffic)
        names.push_back(trafficEntryName(entry));
    return names;
}

std::string noSuchTraffic(const Scenario& s, std::string_view name) {
    const std::vector<std::string> names = trafficNames(s);
    std::string message = "no traffic entry named " + std::string(name);
    if (std::optional<std::string> close = suggestKey(name, names))
        return message + "; did you mean " + *close + "?";
    return message + (names.empty() ? "; the scenario has no traffic" : "; the entries are " + join(names));
}

template <class Target, class Other>
Error applyTrafficField(const std::vector<KeyRule<Target>>& rules, const std::vector<KeyRule<Other>>& others,
                        Target& target, std::string_view key, std::string_view field, std::string_view value,
                        std::string_view kind) {
    if (const KeyRule<Target>* rule = findRule(rules, field)) return rule->apply(target, value);
    if (findRule(others, field))
        return std::string(key.substr(0, key.size() - field.size() - 1)) + " is " + std::string(kind) +
               " entry, which has no " + std::string(field) + " (its keys: " + join(ruleNames(rules)) + ")";
    std::string message = "unknown key " + std::string(key);
    if (std::optional<std::string> close = suggestKey(field, ruleNames(rules)))
        message += "; did you mean " + std::string(key.substr(0, key.size() - field.size())) + *close + "?";
    return message;
}

Error applyTrafficSetting(Scenario& s, std::string_view key, std::string_view value) {
    const auto parts = splitTrafficKey(key);
    if (!parts) return unknownKey(key);
    const auto [name, field] = *parts;
    const auto entry = std::find_if(s.traffic.begin(), s.traffic.end(), [name = name](const TrafficEntry& e) {
        return trafficEntryName(e) == name;
    });
    if (entry == s.traffic.end()) return noSuchTraffic(s, name);
    if (entry->kind == TrafficEntry::Kind::Clients)
        return applyTrafficField(clientKeys(), floodKeys(), entry->clients, key, field, value, "a clients");
    return applyTrafficField(floodKeys(), clientKeys(), entry->flood, key, field, value, "a flood");
}

std::string missingInProfile(const KeyRule<Scenario>& rule, const KernelProfile& profile) {
    return "kernel " + std::string(profile.name) + " does not have this setting (it appeared in " +
           rule.since + ")";
}

// ---- Rules across settings -----------------------------------------------------------------------

void checkClientTotal(const Scenario& s, std::vector<ScenarioProblem>& problems) {
    std::int64_t total = 0;
    for (const TrafficEntry& entry : s.traffic) {
        if (entry.kind != TrafficEntry::Kind::Clients) continue;
        total += plannedConnections(entry.clients);
        if (total > Limits::maxClients) {
            problems.push_back({{"traffic." + entry.clients.name + ".clients"},
                                "the traffic entries start " + show(total) +
                                    " clients in all, more than the limit of " + show(Limits::maxClients),
                                true});
            return;
        }
    }
}

// `requests` is ab's -n: it needs ab's -c (`concurrency`), not more than -n, and replaces `clients`.
void checkRequests(const ClientTraffic& c, std::vector<ScenarioProblem>& problems) {
    if (c.requests <= 0) return;
    const std::string entry = "traffic." + c.name;
    if (c.concurrency <= 0)
        problems.push_back({{entry + ".requests", entry + ".concurrency"},
                            "requests counts the requests of a closed loop (ab -n); it needs concurrency "
                            "(ab -c) too"});
    else if (c.concurrency > c.requests)
        problems.push_back({{entry + ".concurrency", entry + ".requests"},
                            "concurrency " + show(c.concurrency) + " is more than the " + show(c.requests) +
                                " requests (ab refuses a concurrency level greater than the number of "
                                "requests)"});
    if (c.clients != 1)
        problems.push_back(
            {{entry + ".clients", entry + ".requests"},
             "give clients (connect() calls) or requests (ab -n: requests started), not both"});
}

// An open loop starts its last client at at + (clients - 1) × spacing; that must stay within a run.
void checkClientSpan(const ClientTraffic& c, std::vector<ScenarioProblem>& problems) {
    if (c.concurrency > 0 || c.clients <= 1 || c.spacing <= Time()) return;
    const std::int64_t room = (Limits::maxDuration - std::min(c.at, Limits::maxDuration)).count();
    if (c.spacing.count() > room / (c.clients - 1))
        problems.push_back({{"traffic." + c.name + ".spacing", "traffic." + c.name + ".clients",
                             "traffic." + c.name + ".at"},
                            "the last of " + show(c.clients) + " clients, one every " + show(c.spacing) +
                                ", would start later than the limit of " + show(Limits::maxDuration),
                            true});
}

// SYNs a flood sends: rate × (to − from), split so that the product cannot overflow.
std::int64_t floodSyns(const FloodTraffic& f) {
    const std::int64_t span = (f.to - f.from).count();
    constexpr std::int64_t second = Time::s(1).count();
    return f.ratePerSecond * (span / second) + f.ratePerSecond * (span % second) / second;
}

void checkFloods(const Scenario& s, std::vector<ScenarioProblem>& problems) {
    std::int64_t total = 0;
    bool reported = false;
    for (const TrafficEntry& entry : s.traffic) {
        if (entry.kind != TrafficEntry::Kind::Flood) continue;
        const FloodTraffic& f = entry.flood;
        if (f.to < f.from) {
            problems.push_back({{"traffic." + f.name + ".to", "traffic." + f.name + ".from"},
                                "to (" + show(f.to) + ") is before from (" + show(f.from) + ")"});
            continue;
        }
        total += floodSyns(f);
        if (total > Limits::maxFloodSyns && !reported) {
            const std::string entryKey = "traffic." + f.name;
            problems.push_back({{entryKey, entryKey + ".rate", entryKey + ".from", entryKey + ".to"},
                                "the floods send " + show(total) +
                                    " SYNs in all (rate × (to − from)), more than the limit of " +
                                    show(Limits::maxFloodSyns),
                                true});
            reported = true;
        }
    }
}

// P3 without EPOLLEXCLUSIVE: each connection that reaches an accept queue wakes every idle event loop on
// that listener. At most every client's connection does, and a listener has at most ⌈workers / listeners⌉
// loops, so connections × that is an upper bound of the wake-ups; each is an event and two state records,
// so the bound is what a run could cost (Limits::maxHerdWakeups). Spoofed SYNs never complete: no wake-up.
void checkHerd(const Scenario& s, std::vector<ScenarioProblem>& problems) {
    const WorkerSettings& w = s.server.workers;
    if (w.accept != AcceptMode::Epoll || w.count <= 0) return;
    std::int64_t connections = 0;
    for (const TrafficEntry& entry : s.traffic)
        if (entry.kind == TrafficEntry::Kind::Clients) connections += plannedConnections(entry.clients);
    const std::int64_t listeners = std::max(1, s.server.listeners);
    const std::int64_t loops = (w.count + listeners - 1) / listeners;
    // Both factors are at most a few million (Limits::maxClients, maxWorkers): the product fits.
    const std::int64_t wakeups = connections * loops;
    if (wakeups <= Limits::maxHerdWakeups) return;
    problems.push_back({{"server.workers.count", "server.workers.accept", "server.listeners"},
                        show(loops) +
                            " event loops per listener without EPOLLEXCLUSIVE, each woken for every one of " +
                            show(connections) + " connections, could be woken " + show(wakeups) +
                            " times (the thundering herd, P3), more than the limit of " +
                            show(Limits::maxHerdWakeups) + "; use epoll-exclusive or fewer workers",
                        true});
}

void checkFaults(const Scenario& s, std::vector<ScenarioProblem>& problems) {
    const std::vector<std::string> names = trafficNames(s);
    for (std::size_t i = 0; i < s.network.faults.size(); ++i) {
        const Fault& fault = s.network.faults[i];
        const std::string key = "network.faults." + std::to_string(i);
        if (fault.to < fault.from)
            problems.push_back({{key + ".to", key + ".from"},
                                "to (" + show(fault.to) + ") is before from (" + show(fault.from) + ")"});
        if (!fault.of.empty() && std::find(names.begin(), names.end(), fault.of) == names.end())
            problems.push_back({{key + ".of"}, noSuchTraffic(s, fault.of)});
    }
}

std::size_t editDistance(std::string_view a, std::string_view b) {
    // Optimal string alignment: a swap of two neighbours ("backolg") counts as one edit.
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i)
        d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j)
        d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

} // namespace

// ---- Parsers -------------------------------------------------------------------------------------

Parsed<Time> parseDuration(std::string_view text) {
    const auto [number, unitName] = splitNumberAndUnit(text);
    const std::string expected = "expected " + std::string(durationExample);
    if (number.empty() || unitName.empty()) return Parsed<Time>::fail(expected);
    const Unit* unit = findUnit(durationUnits, unitName);
    if (!unit)
        return Parsed<Time>::fail("unknown unit " + std::string(unitName) + " in " + std::string(text) +
                                  "; expected ns, us, ms, s or min");
    const Scaled scaled = scaleDecimal(number, unit->multiplier);
    switch (scaled.error) {
    case NumberError::None:
        return Parsed<Time>::ok(Time::ns(scaled.value));
    case NumberError::Syntax:
        return Parsed<Time>::fail(expected);
    case NumberError::TooLarge:
        return Parsed<Time>::fail(std::string(text) + " is too long to count in nanoseconds");
    case NumberError::NotWhole:
        break;
    }
    return Parsed<Time>::fail(std::string(text) + " is not a whole number of nanoseconds");
}

Parsed<Time> parseRunTime(std::string_view text) {
    return parseDurationIn(text, runTime);
}

Parsed<std::int64_t> parseRate(std::string_view text) {
    const std::size_t slash = text.find('/');
    const std::string expected = "expected a rate such as 50000/s";
    if (slash == std::string_view::npos) return Parsed<std::int64_t>::fail(expected);
    const Unit* unit = findUnit(rateUnits, text.substr(slash + 1));
    if (!unit)
        return Parsed<std::int64_t>::fail("unknown unit /" + std::string(text.substr(slash + 1)) + " in " +
                                          std::string(text) + "; expected /s, /ms, /us or /min");
    const Scaled scaled = scaleDecimal(text.substr(0, slash), unit->multiplier, unit->divisor);
    switch (scaled.error) {
    case NumberError::None:
        return Parsed<std::int64_t>::ok(scaled.value);
    case NumberError::Syntax:
        return Parsed<std::int64_t>::fail(expected);
    case NumberError::TooLarge:
        return Parsed<std::int64_t>::fail(std::string(text) + " is too large");
    case NumberError::NotWhole:
        break;
    }
    return Parsed<std::int64_t>::fail(std::string(text) + " is not a whole number per second");
}

Parsed<std::int64_t> parseInteger(std::string_view text, std::int64_t min, std::int64_t max) {
    const bool negative = !text.empty() && text.front() == '-';
    const std::string_view digits = text.substr(!text.empty() && (negative || text.front() == '+') ? 1 : 0);
    if (!isDigits(digits)) return Parsed<std::int64_t>::fail("expected an integer");
    const std::optional<std::int64_t> magnitude = parseDigits(digits);
    if (!magnitude) return Parsed<std::int64_t>::fail(std::string(text) + " is too large");
    const std::int64_t v = negative ? -*magnitude : *magnitude;
    if (v < min || v > max)
        return Parsed<std::int64_t>::fail("expected an integer from " + show(min) + " to " + show(max) +
                                          ", got " + std::string(text));
    return Parsed<std::int64_t>::ok(v);
}

Parsed<bool> parseBool(std::string_view text) {
    if (text == "true") return Parsed<bool>::ok(true);
    if (text == "false") return Parsed<bool>::ok(false);
    return Parsed<bool>::fail("expected true or false");
}

Parsed<std::uint32_t> parseProbabilityPpm(std::string_view text) {
    const bool percent = text.ends_with('%');
    const Scaled scaled =
        scaleDecimal(percent ? text.substr(0, text.size() - 1) : text, percent ? 10'000 : 1'000'000);
    switch (scaled.error) {
    case NumberError::None:
        if (scaled.value < 0 || scaled.value > 1'000'000)
            return Parsed<std::uint32_t>::fail("expected a probability from 0 to 1 (0% to 100%), got " +
                                               std::string(text));
        return Parsed<std::uint32_t>::ok(static_cast<std::uint32_t>(scaled.value));
    case NumberError::Syntax:
        return Parsed<std::uint32_t>::fail("expected a probability such as 1% or 0.01");
    case NumberError::TooLarge:
        return Parsed<std::uint32_t>::fail("expected a probability from 0 to 1 (0% to 100%), got " +
                                           std::string(text));
    case NumberError::NotWhole:
        break;
    }
    return Parsed<std::uint32_t>::fail(std::string(text) + " is finer than one part per million");
}

Parsed<SegmentKind> parseSegmentKind(std::string_view text) {
    static const auto parse = choiceIn(Choices<SegmentKind>{{"syn", SegmentKind::Syn},
                                                            {"synack", SegmentKind::SynAck},
                                                            {"client-acks", SegmentKind::ClientAcks},
                                                            {"data", SegmentKind::Data},
                                                            {"all", SegmentKind::All}});
    return parse(text);
}

// ---- Applying keys -------------------------------------------------------------------------------

SettingsEditor::SettingsEditor(Scenario& scenario) : scenario_(scenario) {
    const KernelSettings defaults = KernelSettings::defaultsFor(scenario_.kernel.profile);
    for (const KeyRule<Scenario>& rule : scenarioKeys())
        if (rule.kernelField && get(scenario_.kernel, *rule.kernelField) != get(defaults, *rule.kernelField))
            explicitKernelKeys_.insert(rule.name);
}

std::optional<std::string> SettingsEditor::apply(std::string_view key, std::string_view value) {
    if (key.starts_with(trafficPrefix)) return applyTrafficSetting(scenario_, key, value);
    const KeyRule<Scenario>* rule = findRule(scenarioKeys(), withoutKernelPrefix(key));
    if (!rule) return unknownKey(key);
    if (!rule->apply) return applyVersion(value);
    if (rule->exists && !rule->exists(scenario_.kernel.profile))
        return missingInProfile(*rule, scenario_.kernel.profile);
    if (Error error = rule->apply(scenario_, value)) return error;
    if (rule->kernelField) explicitKernelKeys_.insert(rule->name);
    return std::nullopt;
}

std::optional<std::string> SettingsEditor::applyVersion(std::string_view value) {
    const KernelProfile* profile = findKernelProfile(std::string(value));
    if (!profile) return "unknown kernel.version " + std::string(value) + "; known: " + knownVersions();
    const KernelSettings defaults = KernelSettings::defaultsFor(*profile);
    KernelSettings next = scenario_.kernel;
    next.profile = *profile;
    for (const KeyRule<Scenario>& rule : scenarioKeys()) {
        if (!rule.kernelField) continue;
        if (!explicitKernelKeys_.contains(rule.name))
            set(next, *rule.kernelField, get(defaults, *rule.kernelField));
        else if (rule.exists && !rule.exists(*profile))
            return "kernel " + std::string(profile->name) + " does not have " + rule.name +
                   " (it appeared in " + rule.since + "), but it is set";
    }
    scenario_.kernel = next;
    return std::nullopt;
}

std::optional<std::string> applySetting(Scenario& s, std::string_view key, std::string_view value) {
    return SettingsEditor(s).apply(key, value);
}

// ---- Keys ----------------------------------------------------------------------------------------

std::vector<std::string> settingKeys() {
    std::vector<std::string> keys = ruleNames(scenarioKeys());
    for (const std::string& field : trafficFields(TrafficEntry::Kind::Clients))
        keys.push_back("traffic.NAME." + field);
    for (const std::string& field : trafficFields(TrafficEntry::Kind::Flood))
        keys.push_back("traffic.NAME." + field);
    return keys;
}

std::vector<SettingValue> settingValues(const Scenario& s) {
    std::vector<SettingValue> out;
    const auto add = [&out](const std::string& key, SettingValue value) {
        value.key = key;
        out.push_back(std::move(value));
    };
    for (const KeyRule<Scenario>& rule : scenarioKeys()) {
        if (!rule.read || (rule.exists && !rule.exists(s.kernel.profile))) continue;
        add(rule.name, rule.read(s));
    }
    for (const TrafficEntry& entry : s.traffic) {
        const std::string prefix = std::string(trafficPrefix) + trafficEntryName(entry) + ".";
        if (entry.kind == TrafficEntry::Kind::Clients) {
            for (const KeyRule<ClientTraffic>& rule : clientKeys())
                add(prefix + rule.name, rule.read(entry.clients));
        } else {
            for (const KeyRule<FloodTraffic>& rule : floodKeys())
                add(prefix + rule.name, rule.read(entry.flood));
        }
    }
    return out;
}

std::optional<std::string> canonicalSettingKey(std::string_view key) {
    if (const auto parts = splitTrafficKey(key)) {
        if (findRule(clientKeys(), parts->second) || findRule(floodKeys(), parts->second))
            return std::string(key);
        return std::nullopt;
    }
    if (const KeyRule<Scenario>* rule = findRule(scenarioKeys(), withoutKernelPrefix(key))) return rule->name;
    return std::nullopt;
}

std::string expectedValue(std::string_view key) {
    if (const auto parts = splitTrafficKey(key)) {
        if (const KeyRule<ClientTraffic>* rule = findRule(clientKeys(), parts->second)) return rule->expects;
        if (const KeyRule<FloodTraffic>* rule = findRule(floodKeys(), parts->second)) return rule->expects;
        return {};
    }
    const KeyRule<Scenario>* rule = findRule(scenarioKeys(), withoutKernelPrefix(key));
    return rule ? rule->expects : std::string();
}

std::vector<std::string> trafficFields(TrafficEntry::Kind kind) {
    return kind == TrafficEntry::Kind::Clients ? ruleNames(clientKeys()) : ruleNames(floodKeys());
}

const std::string& trafficEntryName(const TrafficEntry& entry) {
    return entry.kind == TrafficEntry::Kind::Clients ? entry.clients.name : entry.flood.name;
}

std::optional<std::string> suggestKey(std::string_view key, const std::vector<std::string>& candidates) {
    std::optional<std::string> best;
    std::size_t bestDistance = 3;
    for (const std::string& candidate : candidates) {
        const std::size_t distance = editDistance(key, candidate);
        if (distance < bestDistance && distance > 0) {
            best = candidate;
            bestDistance = distance;
        }
    }
    return best;
}

WorkerSettings workersAt(const Scenario& s, Time t) {
    std::vector<const Intervention*> changes;
    for (const Intervention& iv : s.events)
        if (iv.at <= t && iv.key.starts_with("server.workers")) changes.push_back(&iv);
    std::stable_sort(changes.begin(), changes.end(),
                     [](const Intervention* a, const Intervention* b) { return a->at < b->at; });
    Scenario scratch;
    scratch.server.workers = s.server.workers;
    for (const Intervention* iv : changes)
        applySetting(scratch, iv->key, iv->value); // each was checked when it was made
    return scratch.server.workers;
}

std::string_view acceptModeKey(AcceptMode m) {
    switch (m) {
    case AcceptMode::Blocking:
        return "blocking";
    case AcceptMode::Epoll:
        return "epoll";
    case AcceptMode::EpollExclusive:
        return "epoll-exclusive";
    case AcceptMode::EpollShared:
        return "epoll-shared";
    }
    return "";
}

std::vector<ScenarioProblem> checkScenario(const Scenario& s) {
    std::vector<ScenarioProblem> problems;
    if (s.traffic.size() > static_cast<std::size_t>(Limits::maxTrafficEntries))
        problems.push_back({{"traffic"},
                            show(static_cast<std::int64_t>(s.traffic.size())) +
                                " traffic entries is more than the limit of " +
                                show(Limits::maxTrafficEntries),
                            true});
    checkClientTotal(s, problems);
    for (const TrafficEntry& entry : s.traffic)
        if (entry.kind == TrafficEntry::Kind::Clients) checkClientSpan(entry.clients, problems);
    for (const TrafficEntry& entry : s.traffic)
        if (entry.kind == TrafficEntry::Kind::Clients) checkRequests(entry.clients, problems);
    checkFloods(s, problems);
    checkFaults(s, problems);
    checkHerd(s, problems);
    return problems;
}

bool isFixedDuringRun(std::string_view key) {
    const std::optional<std::string> canonical = canonicalSettingKey(key);
    return canonical && (*canonical == "kernel.version" || *canonical == "kernel.hz" ||
                         *canonical == "seed" || *canonical == "until");
}

std::optional<std::pair<std::string, std::string>> splitAssignment(std::string_view item) {
    const std::size_t equals = item.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    const auto trimmed = [](std::string_view s) {
        const std::size_t begin = s.find_first_not_of(" \t");
        if (begin == std::string_view::npos) return std::string();
        return std::string(s.substr(begin, s.find_last_not_of(" \t") - begin + 1));
    };
    return std::pair{trimmed(item.substr(0, equals)), trimmed(item.substr(equals + 1))};
}

} // namespace backlog
