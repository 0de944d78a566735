// Text exactly as the real tools print it: `ss -lnt`, `ss -tan`, the TCP line of `ss -s` (iproute2),
// `nstat -az` and `nstat` (the change since its previous run), `sysctl` (procps), and the trace_pipe
// lines of a kprobe program like the course's observe.py (BCC). The format* functions are pure formatting
// of snapshots; the *At functions read those snapshots from a Simulation at a time t. Used by the report
// and by the views' Kernel Tools panel.
#pragma once

#include "model/core/Counters.h"
#include "model/core/Tcp.h"
#include "model/core/Time.h"
#include "model/scenario/Scenario.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace backlog {

class Simulation;

// `ss -lnt`: the header and one line per LISTEN socket, columns aligned as ss aligns them.
std::string formatSsListening(const std::vector<SsSocket>& sockets);
// `ss -tan`: every TCP socket (listeners, request sockets in SYN-RECV, children, TIME-WAIT …).
std::string formatSsAll(const std::vector<SsSocket>& sockets);
// `nstat -az`: "#kernel" and every counter, zeros included, in the kernel's /proc order.
std::string formatNstat(const CounterValues& values);
// The model's counters that nstat prints, in the order it prints them: every Counter but TcpCurrEstab, a
// gauge nstat never shows. Worked out once.
const std::vector<Counter>& nstatCounters();

// ---- ss -s, and the states of ss -tan counted --------------------------------------------------------

// What `ss -s` reads for its TCP line: the "TCP:" line of /proc/net/sockstat and Tcp CurrEstab of
// /proc/net/snmp. The comments say what each counts in the kernel (6.x).
struct TcpSockstat {
    std::int64_t inuse = 0;  // hashed full sockets: listeners and connections (not requests, not TIME-WAIT)
    std::int64_t orphan = 0; // closed by the application but still alive: FIN-WAIT-1, LAST-ACK, CLOSING
    std::int64_t tw = 0;     // timewait socks: TIME-WAIT, and FIN-WAIT-2 after close()
    std::int64_t alloc = 0;  // full sockets allocated (hashed or not); request socks are not sockets
    std::int64_t currEstab = 0; // Tcp CurrEstab: ESTABLISHED and CLOSE-WAIT
};

// The counts for a host whose TCP sockets are `sockets` (as ss -tan lists them) plus `closedHeld` full
// sockets in CLOSE that nobody has released yet (ss lists no unhashed socket). Every FIN-WAIT, LAST-ACK
// and CLOSING socket is taken to be orphaned: the model's hosts reach them only through close().
TcpSockstat tcpSockstat(const std::vector<SsSocket>& sockets, std::int64_t closedHeld = 0);
// `ss -s | grep '^TCP:'`: "TCP:   8 (estab 4, closed 2, orphaned 0, timewait 2)".
std::string formatSsSummaryTcp(const TcpSockstat& s);
// `ss -tan | awk 'NR>1 {print $1}' | sort | uniq -c`: how many sockets are in each state.
std::string formatStateCounts(const std::vector<SsSocket>& sockets);
// The server's counts at t (its sockets as Simulation::ssAll lists them, and the reset children that
// still wait in an accept queue).
TcpSockstat tcpSockstatAt(const Simulation& sim, Time t);

// ---- nstat: the change since a previous run -----------------------------------------------------------

// `nstat` run at a moment with counters `before` and again, `interval` later, with counters `now`: the
// increments, in the kernel's /proc order, only the counters that moved unless `zeros` (`nstat -z`).
// The rate column is the increment per second over `interval` (what nstat's daemon reports; a plain
// `nstat` prints 0.0, which is what an `interval` of 0 gives). See KernelTools.cpp.
std::string formatNstatIncrements(const CounterValues& now, const CounterValues& before, Time interval,
                                  bool zeros = false);

// ---- sysctl ---------------------------------------------------------------------------------------------

// A sysctl as `sysctl NAME` reads it; no value when the kernel profile does not have it (it appeared in a
// later release), which sysctl reports as a missing /proc/sys file.
struct SysctlValue {
    std::string name; // "net.core.somaxconn"
    std::optional<std::int64_t> value;
};

// The scenario's settings in force at t: as written, changed by every `set` event at or before t, in order
// (a lesson step's `set:`, a change made at the playhead).
Scenario settingsAt(const Scenario& scenario, Time t);
// Their kernel part.
KernelSettings kernelSettingsAt(const Scenario& scenario, Time t);
// Every sysctl the scenario vocabulary has (the net.* keys of settingKeys(), in that order).
std::vector<SysctlValue> sysctlValues(const KernelSettings& kernel);
// "sysctl net.core.somaxconn net.ipv4.tcp_max_syn_backlog …": the command that prints them.
std::string sysctlCommand(const std::vector<SysctlValue>& values);
// What it prints: "net.core.somaxconn = 4096" a line, and for a missing one sysctl's error line.
std::string formatSysctl(const std::vector<SysctlValue>& values);

// ---- kprobes: the queue lengths at each enqueue and dequeue -------------------------------------------

enum class KernelProbe : std::uint8_t {
    TcpConnRequest,       // a SYN reached a listener (the request, if one is made, joins the SYN queue)
    InetCskReqskQueueAdd, // a child joins the accept queue (handshake done, cookie ACK, or migration)
    InetCskAccept,        // accept() takes the head of the accept queue
};
std::string_view kernelProbeName(KernelProbe p); // the kernel function: "tcp_conn_request" …

struct ProbeHit {
    Time at;
    KernelProbe probe = KernelProbe::TcpConnRequest;
    int listener = 0;
    // The listener's fields right after the call: sk_ack_backlog (the accept queue, ss's Recv-Q),
    // sk_max_ack_backlog (the backlog, ss's Send-Q) and icsk_accept_queue.qlen (the SYN queue).
    std::int64_t ackBacklog = 0;
    std::int64_t maxAckBacklog = 0;
    std::int64_t qlen = 0;
};

inline constexpr std::size_t kProbeLogLines = 200;

// The last `limit` probe hits at or before t, oldest first (a flood makes millions; a terminal keeps the
// last screens). Reads back from t only as far as those need, so it stays cheap at any t.
std::vector<ProbeHit> probeHitsAt(const Simulation& sim, Time t, std::size_t limit = kProbeLogLines);
// trace_pipe lines, as BPF.trace_print() prints them. `withListener` adds which listener of an
// SO_REUSEPORT group each line is about.
std::string formatTracePipe(const std::vector<ProbeHit>& hits, bool withListener = false);

// ---- the workers' wake-ups and how each ended (P2, P3, M20) --------------------------------------------

// How a wake-up ended: the worker accept()ed a connection, or it was futile and either slept again inside
// epoll_wait() or accept() without returning, or returned to user space where accept() said EAGAIN.
enum class WakeupOutcome : std::uint8_t { Accepted, SleptAgain, Eagain };
std::string_view wakeupOutcomeName(WakeupOutcome o); // "accepted", "slept_again", "EAGAIN"

struct WakeupHit {
    Time at; // when the outcome was known (WorkerRecord::wakeups)
    int worker = 0;
    int listener = 0;
    WakeupOutcome outcome = WakeupOutcome::Accepted;
};

// The last `limit` wake-ups of all workers at or before t, oldest first (ties: by worker). Reads at most
// `limit` records back per worker: O(workers · (log n + limit)).
std::vector<WakeupHit> wakeupHitsAt(const Simulation& sim, Time t, std::size_t limit = kProbeLogLines);
// trace_pipe lines in the kprobe log's format, one a wake-up: "wakeup: worker=2 outcome=slept_again".
std::string formatWakeupTrace(const std::vector<WakeupHit>& hits, bool withListener = false);

} // namespace backlog
