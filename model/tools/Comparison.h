// What differs between two runs at one moment: the kernel's measured run beside the model's run of the
// same scenario (issue 14), or one scenario under two settings (issue 16). Rows a teacher reads across:
// the settings in force, the counters nstat would print, the queues ss -lnt would show, and how the
// clients had fared, each with its value on both sides.
//
// Each run is read at t, or at its end when t is past it (a measured run may end before the model's).
// The rows come in a fixed order, whatever the values:
//   1. settings: the --set vocabulary (settingValues(), Settings.h) as in force at t, in settingKeys()
//      order, then each traffic entry's keys; keys only one side has come after the first side's, in
//      the second side's order;
//   2. counters: the server's, then the client machine's (named "… (clients)"), each in nstat's order
//      (nstatCounters(), KernelTools.h), only those that are not 0 on at least one side;
//   3. queues: listener by listener ("listener #1: …" when either run has more than one), the SYN
//      queue (requests in SYN-RECV), what it holds (Q2), the accept queue (ss's Recv-Q), the backlog
//      (ss's Send-Q) and what the accept queue holds (Q1: backlog + 1);
//   4. clients (as the report counts them, ClientOutcomes in Report.h): connect() calls, connected, then
//      connected after 0, 1, 2 … SYN retransmissions, accepted, answered, the failures by what the call
//      returned (ETIMEDOUT, ECONNRESET, ECONNREFUSED), and those still waiting. Retransmission and
//      failure rows only where a side has some.
// A side that has no such row (a listener, a traffic entry only the other run has) has an empty text.
#pragma once

#include "model/core/Time.h"
#include "model/tools/Report.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace backlog {

class Simulation;
struct Scenario;

enum class ComparisonGroup : std::uint8_t { Settings, Counters, Queues, Clients };
// "settings", "counters", "queues", "clients".
std::string_view comparisonGroupName(ComparisonGroup g);

// One side's value: as text ("128", "3s", "epoll", "" where the side has none), and as a number where
// it is one (counts; settings as settingValues() gives them).
struct ComparedValue {
    std::string text;
    std::optional<std::int64_t> number;
    bool operator==(const ComparedValue&) const = default;
};

struct ComparisonRow {
    ComparisonGroup group = ComparisonGroup::Settings;
    std::string name; // "server.backlog", "TcpExtListenOverflows", "accept queue (Recv-Q)", "answered"
    ComparedValue a, b;
    bool differs = false; // the texts differ
};

enum class ComparisonRows : std::uint8_t {
    Differing, // only the rows whose values differ
    All,       // every row (still without the counters that are 0 on both sides)
};

// The rows at t, counting each run's clients one by one: O(clients), for a single question.
std::vector<ComparisonRow> compareRuns(const Simulation& a, const Simulation& b, Time t,
                                       ComparisonRows which = ComparisonRows::Differing);
// The same rows with each run's clients indexed (ClientOutcomeIndex, built from that run's history as it
// is now): every read is O(log n), for a view that asks at every move of the playhead.
std::vector<ComparisonRow> compareRuns(const Simulation& a, const ClientOutcomeIndex& aClients,
                                       const Simulation& b, const ClientOutcomeIndex& bClients, Time t,
                                       ComparisonRows which = ComparisonRows::Differing);

// The run to compare with (issue 16's "what if"): `scenario` again with `changes` (the --set vocabulary,
// KEY and VALUE), simulated whole. From the start (`from` is 0), the scenario as if it had been written
// with them, so settings a run cannot change as it goes (kernel.version, seed, until) may be changed too;
// from a later moment, the changes are made there as the window's Parameters dock makes them
// (Simulation::changeAt), the run before it being the same. On a refused change: no run, and the reason
// naming the change ("server.backlog=abc: expected an integer").
struct ChangedRun {
    std::unique_ptr<Simulation> run;
    std::string error;
};
ChangedRun runWithChanges(const Scenario& scenario,
                          const std::vector<std::pair<std::string, std::string>>& changes, Time from);
// The other run's name when nobody gave it one: its changes as typed, "server.backlog=512, seed=2" (the
// Parameters dock and a lesson's compare: without a title; `--compare` writes the same).
std::string comparisonTitle(const std::vector<std::pair<std::string, std::string>>& changes);

// The rows as `backlog simulate --compare` prints them: a table under a heading naming both sides, a
// column for each, grouped as above; "no differences" when there are no rows.
std::string comparisonText(const std::vector<ComparisonRow>& rows, std::string_view a, std::string_view b);

} // namespace backlog
