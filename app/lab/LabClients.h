// The real clients of a lab experiment (issue 14): a scenario's `clients` traffic entries driven against a
// real listener with real sockets, as the model's clients behave (model/kernel/ClientSocket.cpp), and
// what each connect() saw recorded as a ClientMeasurement. One thread, non-blocking sockets and epoll, so a
// few thousand connections at once cost no threads. The kernel retransmits the SYNs itself (T6, M10; the
// caller sets tcp_syn_retries in the experiment's namespace): the driver never retries a connect().
#pragma once

#include "app/lab/LabResult.h"
#include "app/lab/Measurement.h"
#include "model/scenario/Scenario.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <vector>

namespace backlog::lab {

// One `clients` entry of the scenario, placed for the run by the caller.
struct ClientEntry {
    ClientTraffic traffic;
    int index = 0;            // its index in the scenario's traffic list (ClientMeasurement::traffic)
    std::int64_t start = 0;   // when it begins, ns since the epoch; replaces traffic.at (held: resolved)
    std::uint32_t source = 0; // local IPv4 address, host order: one per entry, so a filter tells them apart
    int socketFilter = -1;    // an eBPF program (LabFaults.h) attached to each socket before connect(), or -1
};

struct ClientDriverConfig {
    std::uint32_t serverAddress = 0; // IPv4, host order
    std::uint16_t serverPort = 0;
    std::vector<ClientEntry> entries;
    LabClock clock;
    std::int64_t until = 0; // ns since the epoch: the driver stops here, leaving what is pending as it is
    const std::atomic<bool>* stop = nullptr; // optional: set by another thread to end the run promptly
};

// When one entry's connect() calls are due, as model/kernel/ClientSocket.cpp decides them (its TrafficGen
// and TrafficNext events), without a kernel: the driver feeds it what happened, the tests feed it stories.
// Open loop: the k-th connect() is due at start + k·spacing. Closed loop (ab -c C, M18): the first at
// start, then one every `spacing` while fewer than C are in progress, and each finished connection
// replaced at once; it stops after `clients` connect() calls, or with `requests` (ab -n) once that many
// connections were established — one stuck in SYN-SENT neither counts nor is replaced.
class ClientSchedule {
  public:
    ClientSchedule(const ClientTraffic& traffic, std::int64_t start);

    // When the next connect() is due; none while a closed loop is full or when the entry is done.
    std::optional<std::int64_t> nextDue() const;
    // Consumes the wake-up due at nextDue() (≤ now): true when a connection is to be opened now (it is
    // then counted as started and in progress), false when the entry is done or the closed loop full.
    bool takeDue(std::int64_t now);
    void established();              // its connect() succeeded: a request started (M18)
    void finished(std::int64_t now); // it ended (closed, refused, timed out, reset)
    // Whether the entry may still open connections (the model's opensMore()).
    bool opensMore() const;

    std::int64_t started() const { return started_; }
    std::int64_t active() const { return active_; }
    std::int64_t requestsStarted() const { return requestsStarted_; }

  private:
    std::int64_t start_;
    std::int64_t spacing_;
    std::int64_t clients_;
    std::int64_t concurrency_;
    std::int64_t requests_;
    std::int64_t started_ = 0;
    std::int64_t active_ = 0;
    std::int64_t requestsStarted_ = 0;
    std::priority_queue<std::int64_t, std::vector<std::int64_t>, std::greater<>> due_;
};

// The connections a config opens, stuck ones aside (plannedConnections() of each entry): for the lab's
// limits before anything runs. A closed loop with `requests` opens more when connections fail (M18).
std::int64_t plannedSockets(const ClientDriverConfig& config);
// The most sockets it may hold open at once: an open loop's every client (nobody may ever answer), a
// closed loop's concurrency. What RLIMIT_NOFILE must allow.
std::int64_t peakOpenSockets(const ClientDriverConfig& config);

// Runs the clients until every entry is done, `until`, or the stop flag; one record per connect(), in
// the order of the calls. Each connection: bind() to its entry's source (port 0), connect(); once
// established, the 80-byte request (kRequestBytes) if `send`, then read until the response and EOF and
// close. With closeAfter the client closes that long after the connection was established: a FIN
// (shutdown(SHUT_WR), and the connection ends when the server's FIN comes back, as in the model), or with
// `abort` an RST (SO_LINGER {1, 0}). Errors are the client's (ETIMEDOUT, ECONNREFUSED, ECONNRESET …,
// named as errno names them); the result is an error only when the driver itself cannot run: a socket,
// bind() or epoll failure, or RLIMIT_NOFILE too low for peakOpenSockets() even after raising the soft limit
// to the hard one (which it leaves raised). Every socket is closed before it returns.
LabResult<std::vector<ClientMeasurement>> runClients(const ClientDriverConfig& config);

} // namespace backlog::lab
