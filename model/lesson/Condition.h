// The small language a lesson uses to say what is true at a moment of a run: a step's `when:` and an
// expectation's `that:`. A condition compares one quantity of the history with a value, or joins such
// comparisons with `and`, `or` and parentheses (`and` binds tighter):
//
//   TcpExtListenOverflows >= 1        a server counter, named as nstat prints it
//   clients.TcpRetransSegs > 0        a counter of the clients' host
//   accept_queue == 129               Recv-Q summed over the listeners (accept_queue[1]: listener 1 alone;
//                                     also syn_queue; backlog is listener 0's unless indexed)
//   accept_queue_full                 sk_acceptq_is_full() on some open listener (KERNEL.md Q1)
//   client 3 is ESTABLISHED           a client socket's state, as ss prints it (ESTAB) or spelt out
//   server socket of client 3 is SYN-RECV
//   worker 0 is serving               not-started, blocked-in-accept, in-epoll-wait, serving, …
//   listener 1 is closed
//   clients in SYN-SENT >= 100        how many client sockets are in a state
//   clients connected == 200          connect() returned (also: accepted, timed out, reset, refused)
//   clients slower than 2s >= 1       connected, after more than 2 s
//   connect latency of client 3 >= 3s
//   wasted wakeups > 0                thundering herd wake-ups that found nothing (P3)
//
//   accept_queue_full and (clients in SYN-SENT > 0 or TcpExtListenDrops > 0)
//   a: TcpExtListenOverflows > 0 and b: TcpExtListenOverflows == 0
//
// Comparisons: == != < <= > >=. A quantity that is not defined yet (the latency of a client that has not
// connected) makes every comparison false. Nothing here throws or knows about files or Qt.
#pragma once

#include "model/core/Counters.h"
#include "model/core/Tcp.h"
#include "model/core/Time.h"
#include "model/history/History.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace backlog {

class Simulation;

struct Condition {
    enum class Quantity {
        Counter,     // counter of `host`
        AcceptQueue, // length, listener `index` (or every listener summed when index < 0)
        SynQueue,
        Backlog,         // the effective sk_max_ack_backlog (ss Send-Q) of listener `index`
        AcceptQueueFull, // 1 while full (`index` < 0: any open listener)
        ListenerOpen,    // 1 while listener `index` is open
        ClientState,     // 1 while client `index` is in `state`
        ServerState,     // 1 while the server's socket for client `index` is in `state`
        WorkerState,     // 1 while worker `index` is in `workerState`
        ClientsIn,       // how many client sockets are in `state`
        ClientsConnected,
        ClientsAccepted,
        ClientsTimedOut,
        ClientsReset,
        ClientsRefused,
        ClientsSlowerThan, // connected after more than `duration`
        ConnectLatency,    // of client `index`, in nanoseconds
        WastedWakeups,
    };
    enum class Op { Eq, Ne, Lt, Le, Gt, Ge };

    Quantity quantity = Quantity::Counter;
    Host host = Host::Server;
    Counter counter = Counter::TcpActiveOpens;
    int index = -1;
    TcpState state = TcpState::Closed;
    WorkerState workerState = WorkerState::NotStarted;
    Time duration;
    Op op = Op::Ne;
    std::int64_t value = 0; // nanoseconds when the quantity is a time
    std::string text;       // as written, for messages
    // Which run it reads: 0 the lesson's own ("a:" or nothing written), 1 the run a step's compare: set
    // beside it ("b: accept_queue == 0"; expectations only). A joined condition's is the highest of its
    // parts'.
    int side = 0;

    // Conditions joined (issue 16): "accept_queue_full and clients in SYN-SENT > 0", "a: … or (b: … and
    // …)". A joined condition holds (value 1, compared == 1) when all (And) or any (Or) of `parts` hold;
    // the quantity's fields above are then unused. `and` binds tighter than `or`.
    enum class Join { None, And, Or };
    Join join = Join::None;
    std::vector<Condition> parts;

    bool joined() const { return join != Join::None; }
    bool valueIsTime() const { return !joined() && quantity == Quantity::ConnectLatency; }
};

struct ConditionError {
    std::size_t offset = 0; // where in the text the problem starts
    std::string message;
};

// Parses one condition; `error` set (and no condition) when the text is not one.
struct ParsedCondition {
    std::optional<Condition> condition;
    ConditionError error;
};
ParsedCondition parseCondition(std::string_view text);

// A problem that needs the scenario to see (client 12 of 10, listener 3 of 1); empty when fine.
std::string checkCondition(const Condition& c, int clients, int listeners, int workers);

// Whether any part of `c` reads the other run (b:).
bool readsTheOtherRun(const Condition& c);

// The quantity's value at t (everything recorded at or before t counted); nullopt while undefined. A
// joined condition's is 1 while it holds, else 0. What reads side b reads `other`, and is undefined
// without one.
std::optional<std::int64_t> valueAt(const Condition& c, const Simulation& sim, Time t,
                                    const Simulation* other = nullptr);
bool holdsAt(const Condition& c, const Simulation& sim, Time t, const Simulation* other = nullptr);
// Whether a value read with valueAt() satisfies the comparison (an undefined one never does).
bool satisfies(const Condition& c, std::optional<std::int64_t> value);
// The first instant at or after `from` (and not after the end of `sim`'s run) at which the condition
// holds, or Time::never().
Time firstTimeHolding(const Condition& c, const Simulation& sim, Time from,
                      const Simulation* other = nullptr);
// "129", "1.034s", "undefined": a value as messages print it.
std::string formatValue(const Condition& c, std::optional<std::int64_t> value);

} // namespace backlog
