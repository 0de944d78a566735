#include "model/tools/Comparison.h"

#include "model/kernel/Simulation.h"
#include "model/scenario/Settings.h"
#include "model/tools/KernelTools.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <utility>

namespace backlog {

std::string_view comparisonGroupName(ComparisonGroup g) {
    switch (g) {
    case ComparisonGroup::Settings:
        return "settings";
    case ComparisonGroup::Counters:
        return "counters";
    case ComparisonGroup::Queues:
        return "queues";
    case ComparisonGroup::Clients:
        return "clients";
    }
    return "?";
}

namespace {

// One run as it is read: at t, or at its end when t is past it.
struct Side {
    const Simulation& sim;
    Time t;
    ClientOutcomes clients;
};

Time readingTime(const Simulation& sim, Time t) {
    return std::clamp(t, Time(), sim.history().end);
}

ComparedValue count(std::int64_t n) {
    return {std::to_string(n), n};
}

class RowList {
  public:
    explicit RowList(ComparisonRows which) : which_(which) {}

    void add(ComparisonGroup group, std::string name, ComparedValue a, ComparedValue b) {
        const bool differs = a.text != b.text || a.number != b.number;
        if (which_ == ComparisonRows::Differing && !differs) return;
        rows_.push_back({group, std::move(name), std::move(a), std::move(b), differs});
    }
    std::vector<ComparisonRow> take() { return std::move(rows_); }

  private:
    ComparisonRows which_;
    std::vector<ComparisonRow> rows_;
};

// A setting as the rows show it: a duration as a person reads it ("3.04 s", not "3036241.005us"); the
// exact value stays in `number`, so two durations that round alike still differ.
ComparedValue shown(const SettingValue& v) {
    if (v.duration && v.number) return {readableDuration(Time::ns(*v.number)), v.number};
    return {v.text, v.number};
}

// The settings in force at each side's time, keys matched by name: a's order, then b's own keys.
void addSettings(RowList& rows, const Side& a, const Side& b) {
    const std::vector<SettingValue> as = settingValues(settingsAt(a.sim.scenario(), a.t));
    const std::vector<SettingValue> bs = settingValues(settingsAt(b.sim.scenario(), b.t));
    std::map<std::string_view, const SettingValue*> inB;
    for (const SettingValue& v : bs)
        inB.emplace(v.key, &v);
    std::set<std::string_view> inA;
    for (const SettingValue& v : as) {
        inA.insert(v.key);
        const auto other = inB.find(v.key);
        ComparedValue right;
        if (other != inB.end()) right = shown(*other->second);
        rows.add(ComparisonGroup::Settings, v.key, shown(v), std::move(right));
    }
    for (const SettingValue& v : bs)
        if (!inA.contains(v.key)) rows.add(ComparisonGroup::Settings, v.key, {}, shown(v));
}

// The counters nstat would print on each host, those that moved on either side.
void addCounters(RowList& rows, const Side& a, const Side& b) {
    const std::vector<Counter>& counters = nstatCounters();
    for (const Host host : {Host::Server, Host::Clients}) {
        const CounterValues va = a.sim.history().countersAt(host, a.t);
        const CounterValues vb = b.sim.history().countersAt(host, b.t);
        for (const Counter c : counters) {
            const std::int64_t x = get(va, c), y = get(vb, c);
            if (x == 0 && y == 0) continue;
            std::string name(counterName(c));
            if (host == Host::Clients) name += " (clients)";
            rows.add(ComparisonGroup::Counters, std::move(name), count(x), count(y));
        }
    }
}

// One listener's queues as the rows show them; nothing when the run has no such listener.
struct ListenerQueues {
    std::int64_t syn = 0, synHolds = 0, accept = 0, backlog = 0, acceptHolds = 0;
};

std::optional<ListenerQueues> listenerQueues(const Side& side, std::size_t l) {
    const History& h = side.sim.history();
    if (l >= h.listeners.size()) return std::nullopt;
    const int listener = static_cast<int>(l);
    const QueueLengths q = h.queueLengthsAt(listener, side.t);
    ListenerQueues out;
    out.syn = q.syn;
    out.accept = q.accept;
    out.backlog = h.maxBacklogAt(listener, side.t);
    // Q2: a strict `>` since 3479c7549fb1 lets the SYN queue hold backlog + 1; before it, backlog.
    out.synHolds = out.backlog + (side.sim.scenario().kernel.profile.synQueueHoldsBacklogPlusOne ? 1 : 0);
    out.acceptHolds = out.backlog + 1; // Q1
    return out;
}

void addQueues(RowList& rows, const Side& a, const Side& b) {
    const std::size_t listeners =
        std::max(a.sim.history().listeners.size(), b.sim.history().listeners.size());
    for (std::size_t l = 0; l < listeners; ++l) {
        const std::optional<ListenerQueues> qa = listenerQueues(a, l), qb = listenerQueues(b, l);
        const std::string prefix = listeners > 1 ? "listener #" + std::to_string(l) + ": " : std::string();
        const auto row = [&](const char* name, std::int64_t ListenerQueues::*field) {
            rows.add(ComparisonGroup::Queues, prefix + name, qa ? count((*qa).*field) : ComparedValue{},
                     qb ? count((*qb).*field) : ComparedValue{});
        };
        row("SYN queue (SYN-RECV)", &ListenerQueues::syn);
        row("SYN queue holds", &ListenerQueues::synHolds);
        row("accept queue (Recv-Q)", &ListenerQueues::accept);
        row("backlog (Send-Q)", &ListenerQueues::backlog);
        row("accept queue holds", &ListenerQueues::acceptHolds);
    }
}

std::string retransmissionsName(std::size_t n) {
    return "connected after " + std::to_string(n) + " SYN retransmission" + (n == 1 ? "" : "s");
}

std::string failureName(ClientError e) {
    const std::string name(clientErrorName(e));
    switch (e) {
    case ClientError::TimedOut:
        return name + " (timed out)";
    case ClientError::ConnectionReset:
        return name + " (reset)";
    case ClientError::ConnectionRefused:
        return name + " (refused)";
    case ClientError::None:
        break;
    }
    return name;
}

void addClients(RowList& rows, const Side& a, const Side& b) {
    const ClientOutcomes& x = a.clients;
    const ClientOutcomes& y = b.clients;
    const auto row = [&rows](std::string name, std::int64_t n, std::int64_t m) {
        rows.add(ComparisonGroup::Clients, std::move(name), count(n), count(m));
    };
    row("connect() calls", x.started, y.started);
    row("connected", x.connected, y.connected);
    const std::size_t most = std::max(x.byRetransmissions.size(), y.byRetransmissions.size());
    for (std::size_t r = 0; r < most; ++r) {
        const std::int64_t n = r < x.byRetransmissions.size() ? x.byRetransmissions[r] : 0;
        const std::int64_t m = r < y.byRetransmissions.size() ? y.byRetransmissions[r] : 0;
        if (n != 0 || m != 0) row(retransmissionsName(r), n, m);
    }
    row("accepted", x.accepted, y.accepted);
    row("answered", x.answered, y.answered);
    for (const ClientError e :
         {ClientError::TimedOut, ClientError::ConnectionReset, ClientError::ConnectionRefused})
        if (x.failedWith(e) != 0 || y.failedWith(e) != 0)
            row(failureName(e), x.failedWith(e), y.failedWith(e));
    row("still waiting", x.waiting, y.waiting);
}

std::vector<ComparisonRow> rowsOf(const Side& a, const Side& b, ComparisonRows which) {
    RowList rows(which);
    addSettings(rows, a, b);
    addCounters(rows, a, b);
    addQueues(rows, a, b);
    addClients(rows, a, b);
    return rows.take();
}

} // namespace

std::vector<ComparisonRow> compareRuns(const Simulation& a, const Simulation& b, Time t,
                                       ComparisonRows which) {
    const Time ta = readingTime(a, t), tb = readingTime(b, t);
    return rowsOf({a, ta, clientOutcomesAt(a.history(), ta)}, {b, tb, clientOutcomesAt(b.history(), tb)},
                  which);
}

std::vector<ComparisonRow> compareRuns(const Simulation& a, const ClientOutcomeIndex& aClients,
                                       const Simulation& b, const ClientOutcomeIndex& bClients, Time t,
                                       ComparisonRows which) {
    const Time ta = readingTime(a, t), tb = readingTime(b, t);
    return rowsOf({a, ta, aClients.at(ta)}, {b, tb, bClients.at(tb)}, which);
}

std::string comparisonText(const std::vector<ComparisonRow>& rows, std::string_view a, std::string_view b) {
    if (rows.empty()) return "  no differences\n";
    // Widths in characters; the values are ASCII but for "µs", which counts as one column.
    const auto width = [](std::string_view text) {
        std::size_t n = 0;
        for (const char c : text)
            n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
        return n;
    };
    std::size_t name = 0, left = width(a);
    for (const ComparisonRow& r : rows) {
        name = std::max(name, width(r.name));
        left = std::max(left, width(r.a.text.empty() ? "-" : r.a.text));
    }
    const auto pad = [&](std::string text, std::size_t to) {
        const std::size_t w = width(text);
        if (w < to) text.append(to - w, ' ');
        return text;
    };
    std::ostringstream out;
    out << "  " << pad("", name) << "  " << pad(std::string(a), left) << "  " << b << "\n";
    std::optional<ComparisonGroup> group;
    for (const ComparisonRow& r : rows) {
        if (r.group != group) {
            group = r.group;
            out << " " << comparisonGroupName(r.group) << ":\n";
        }
        out << "  " << pad(r.name, name) << "  " << pad(r.a.text.empty() ? "-" : r.a.text, left) << "  "
            << (r.b.text.empty() ? "-" : r.b.text) << "\n";
    }
    return out.str();
}

std::string comparisonTitle(const std::vector<std::pair<std::string, std::string>>& changes) {
    std::string title;
    for (const auto& [key, value] : changes)
        title += (title.empty() ? "" : ", ") + key + "=" + value;
    return title;
}

ChangedRun runWithChanges(const Scenario& scenario,
                          const std::vector<std::pair<std::string, std::string>>& changes, Time from) {
    ChangedRun out;
    const auto named = [](const std::pair<std::string, std::string>& c) { return c.first + "=" + c.second; };
    if (from <= Time()) {
        Scenario changed = scenario;
        SettingsEditor editor(changed);
        for (const auto& c : changes)
            if (const std::optional<std::string> problem = editor.apply(c.first, c.second)) {
                out.error = named(c) + ": " + *problem;
                return out;
            }
        if (const std::vector<ScenarioProblem> problems = checkScenario(changed); !problems.empty()) {
            out.error = problems.front().message;
            return out;
        }
        out.run = std::make_unique<Simulation>(std::move(changed));
        out.run->run();
        return out;
    }
    for (const auto& c : changes)
        if (isFixedDuringRun(canonicalSettingKey(c.first).value_or(c.first))) {
            out.error = named(c) + ": a run keeps this setting from start to end; compare from the start to "
                                   "change it";
            return out;
        }
    out.run = std::make_unique<Simulation>(scenario);
    out.run->runUntil(from);
    for (const auto& c : changes)
        if (const std::optional<std::string> problem = out.run->changeAt(from, c.first, c.second)) {
            out.error = named(c) + ": " + *problem;
            out.run.reset();
            return out;
        }
    out.run->run();
    return out;
}

} // namespace backlog
