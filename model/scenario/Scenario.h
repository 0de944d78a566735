// What a scenario file says: the kernel profile and sysctls, the network, the server and the traffic.
// Plain data; ScenarioReader fills it from YAML and checks every bound named in Limits.
#pragma once

#include "model/core/Time.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace backlog {

// KERNEL.md section 5: the behaviours that changed between versions.
enum class KernelVersion { v4_15, v5_4, v6_1, v6_12, v6_18 };

struct KernelProfile {
    KernelVersion version = KernelVersion::v6_18;
    const char* name = "6.18";
    std::int64_t defaultSomaxconn = 4096;    // 128 before 5.4 (19f92a030ca6)
    bool synQueueHoldsBacklogPlusOne = true; // Q2: `>` since 3479c7549fb1 (6.13, stable ~6.12.10)
    bool hasLinearSynTimeouts = true;        // T6: tcp_syn_linear_timeouts, new in 6.5
    bool hasMigrateReq = true;               // R6: tcp_migrate_req, 5.14
    bool dropsSynWhenAcceptQueueFull = true; // S2: since 4.10 (5ea8ea2cb7f1); every profile offered has it
};

// The profiles offered; the first with a matching name wins. `6.12` is the release before the
// January 2025 SYN-queue fix (capacity = backlog), as KERNEL.md's profile list asks.
const std::vector<KernelProfile>& kernelProfiles();
const KernelProfile* findKernelProfile(const std::string& name);

struct KernelSettings {
    KernelProfile profile;
    int hz = 250;
    std::int64_t somaxconn = 4096;
    std::int64_t tcpMaxSynBacklog = 2048;
    int tcpSyncookies = 1;
    int tcpSynackRetries = 5;
    int tcpSynRetries = 6;
    int tcpSynLinearTimeouts = 4;
    int tcpAbortOnOverflow = 0;
    int tcpMigrateReq = 0;

    // The defaults of a profile (SOMAXCONN 128 before 5.4, no linear timeouts before 6.5).
    static KernelSettings defaultsFor(const KernelProfile& profile);
};

enum class SegmentKind { Syn, SynAck, ClientAcks, Data, All };

// network.faults: drop every segment of one kind, from one traffic entry or everyone, for a while.
struct Fault {
    SegmentKind drop = SegmentKind::All;
    std::string of; // traffic entry name; empty: everyone
    Time from;
    Time to;
};

struct NetworkSettings {
    Time rtt = Time::us(40);
    Time jitter;               // each one-way delay gets a uniform extra in [0, jitter]
    std::uint32_t lossPpm = 0; // random loss, parts per million of segments
    std::vector<Fault> faults;
};

// How the workers wait for a connection (P2, P3, M20): threads blocked in accept(); event loops with an
// epoll instance each, plain or EPOLLEXCLUSIVE; or threads sharing one epoll fd.
enum class AcceptMode { Blocking, Epoll, EpollExclusive, EpollShared };

// What an event loop does with a connection it accepted: `async` watches it alongside the others and is
// back in epoll_wait() after `accept_cost`; `blocking` handles it to the end first, as a loop whose
// handler calls a slow backend does, and so behaves like blocking accept() (M20).
enum class EventLoop { Async, Blocking };

struct ServiceTime {
    enum class Dist { Fixed, Exponential } dist = Dist::Fixed;
    Time mean = Time::ms(1);
};

struct WorkerSettings {
    int count = 1;
    AcceptMode accept = AcceptMode::Blocking;
    EventLoop eventLoop = EventLoop::Async; // for the epoll modes
    Time start;                             // when the application starts calling accept()
    ServiceTime service;                    // accept() to close()
    // Event-loop workers (epoll, epoll-exclusive) serve their connections concurrently; each accept
    // costs the worker `acceptCost` of CPU before it returns to epoll_wait, and a worker holds at most
    // `connections` at once (NGINX worker_connections).
    Time acceptCost = Time::us(20);
    int connections = 512;
};

struct ServerSettings {
    int port = 80;
    std::int64_t backlog = 128; // the listen() argument; negative means somaxconn (L1)
    int listeners = 1;          // > 1: an SO_REUSEPORT group
    WorkerSettings workers;
};

// Real clients: `clients` connect() calls, one every `spacing` from `at`. With `concurrency` set the
// entry is a closed loop instead (ab -c): that many connections at once, each finished one replaced
// at once by a new one, until `clients` connections have been started — or, with `requests` (ab -n),
// until that many requests have started (M18): a request starts when its connection is established, so
// a connection stuck in SYN-SENT neither counts nor is replaced, and is left as it is at the end.
struct ClientTraffic {
    std::string name;
    int clients = 1;
    Time at;
    Time spacing = Time::ms(1);
    bool send = true;
    int concurrency = 0; // 0: open loop
    int requests = 0;    // closed loop only; 0: count connect() calls (`clients`) instead
    // The client closes its side this long after connect() returned: a FIN (D3: the child waits in
    // CLOSE-WAIT in the accept queue), or an RST with `abort` (SO_LINGER 0; D4, or A4 for a request).
    std::optional<Time> closeAfter;
    bool abort = false;
};

// The connections a clients entry opens, stuck ones aside: `clients` connect() calls, or with `requests`
// (M18) the requests plus the connections still in progress when the last one starts. What limits, lesson
// checks and the stage count on.
inline std::int64_t plannedConnections(const ClientTraffic& c) {
    return c.concurrency > 0 && c.requests > 0 ? std::int64_t{c.requests} + c.concurrency
                                               : std::int64_t{c.clients};
}

// Spoofed-source SYNs that never answer (M19: `routable: false` sources create no request).
struct FloodTraffic {
    std::string name;
    std::int64_t ratePerSecond = 1000;
    Time from;
    Time to = Time::s(1);
    bool routable = true;
};

struct TrafficEntry {
    enum class Kind { Clients, Flood } kind = Kind::Clients;
    // Waits for a "start-traffic" intervention (a lesson step's `start:`) instead of its own `at:` or
    // `from:`; the entry then begins at that moment, a flood keeping its length (to - from).
    bool held = false;
    ClientTraffic clients;
    FloodTraffic flood;
};

// A change at a time during the run: `set` dotted keys, or close one listener of the group.
struct Intervention {
    Time at;
    std::string key;   // dotted key as in --set, "close-listener" or "start-traffic"
    std::string value; // the value as written (a listener index, a traffic entry's name)
    int line = 0;      // where it was written, for messages
    int column = 0;
};

struct Scenario {
    std::string title;
    KernelSettings kernel;
    NetworkSettings network;
    ServerSettings server;
    std::vector<TrafficEntry> traffic;
    std::vector<Intervention> events;
    std::uint64_t seed = 1;
    std::optional<Time> until; // stop simulating here; default: when nothing is left to happen
};

// The sizes a scenario may ask for; beyond them the reader refuses the file and names the limit.
struct Limits {
    static constexpr std::int64_t maxClients = 1'000'000;
    static constexpr std::int64_t maxFloodSyns = 50'000'000;
    static constexpr std::int64_t maxFloodRate = 10'000'000;
    static constexpr int maxListeners = 256;
    static constexpr int maxWorkers = 100'000;
    static constexpr std::int64_t maxBacklog = 16'777'216;
    static constexpr Time maxRtt = Time::s(4);
    static constexpr Time maxDuration = Time::s(24 * 3600);
    static constexpr int maxTrafficEntries = 1000;

    // The thundering herd (P3, M20): without EPOLLEXCLUSIVE every idle event loop on a listener is woken
    // for every connection that reaches its accept queue, so the wake-ups of a run grow as
    // connections × event loops per listener (100,000 loops × 10,000 clients would be 10^9 wake-ups, each
    // an event and two worker-state records). checkScenario() refuses the estimate beyond this, before
    // anything runs; a lesson teaches the herd with a handful of loops.
    static constexpr std::int64_t maxHerdWakeups = 20'000'000;

    // The work of one run, as the run goes (Simulation::stopped()). The per-key limits above bound the
    // scenario; these bound what the run does with it, whatever changes a lesson or the window makes.
    // Events simulated in all, re-simulations after a change included (DESIGN.md point 4): the largest
    // scenario within the limits above (a 50,000,000-SYN flood, a million clients) needs about
    // 120,000,000; lessons/scenarios/flood-bench.yaml needs 12,000,000 (about 1.5 s). At about 8 million
    // events a second, a run that goes beyond is stopped within 20 s.
    static constexpr std::uint64_t maxEvents = 150'000'000;
    // Bytes the history holds (packets, queue stays, counters, clients, workers, wake-ups): the largest
    // flood above records about 2.3 GB.
    static constexpr std::uint64_t maxHistoryBytes = 4'000'000'000;
    // Bytes of the checkpoints kept for changes; beyond it every other checkpoint is dropped (a change
    // then simulates a longer stretch again; the results are the same).
    static constexpr std::uint64_t maxCheckpointBytes = 512'000'000;
};

} // namespace backlog
