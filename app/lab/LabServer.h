// The real server of a lab experiment: the scenario's listeners and workers on the real kernel, threads
// as workers. It waits for connections as the scenario says (blocking accept(), an epoll instance per
// worker with or without EPOLLEXCLUSIVE, or threads sharing one epoll fd: KERNEL.md P1-P3, M20), holds
// each connection for its service time, answers and closes, and records from user space every accept()
// and every epoll_wait() return that reported a listener readable (Measurement.h). The records are kept
// per worker, without a lock, and merged when the server stops.
//
// Its sockets belong to the network namespace of the thread that opens it: run it only inside a
// namespace the experiment created (Namespace.h).
#pragma once

#include "app/lab/LabResult.h"
#include "app/lab/Measurement.h"
#include "model/scenario/Scenario.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct sockaddr_in;

namespace backlog::lab {

class LabServer {
  public:
    struct Config {
        std::uint32_t address = 0x7f000001; // IPv4, host order (127.0.0.1)
        std::uint16_t port = 0;             // 0: the kernel chooses; every listener of a group shares it
        int backlog = 128;                  // listen()'s argument; negative means somaxconn (L1)
        int listeners = 1;                  // > 1: an SO_REUSEPORT group, one socket each (R1-R3, M14)
        // count, accept, eventLoop, start (since the clock's epoch), service and acceptCost, as the
        // model's workers have them (model/kernel/Workers.cpp); `connections` is not enforced.
        WorkerSettings workers;
        bool clientsSend = true; // the clients send a request, read before the answer is written
        std::uint64_t seed = 1;  // exponential service times, one generator per worker
        LabClock clock;
    };

    // From user space, in time order: the accept() calls that returned a connection, and the
    // epoll_wait() returns that reported a listener readable (none in the blocking accept() mode).
    struct Records {
        std::vector<AcceptRecord> accepts;
        std::vector<WakeupRecord> wakeups;
    };

    // Opens the listeners (bind, listen) and the workers' epoll instances, in worker order, but starts
    // no thread: a client may already connect, and waits in the accept queue (or is refused).
    static LabResult<std::unique_ptr<LabServer>> open(const Config& config);
    ~LabServer(); // stop() if it has not run
    LabServer(const LabServer&) = delete;
    LabServer& operator=(const LabServer&) = delete;

    // Starts the worker threads; each sleeps until `workers.start`, then waits for connections. Empty,
    // or why not every worker could be started (those that were run until stop()).
    std::string start();
    // The intervention "close-listener": listener `i` leaves LISTEN (shutdown(SHUT_RD), as close() would
    // do it: R4, R6), its waiters' accept() fails with EINVAL (P1) and they stop taking connections.
    // Empty, or why not.
    std::string closeListener(int i);
    // Ends every worker at once, wherever it waits (its held connections are closed unanswered), joins
    // them, closes every descriptor and returns the records. Later calls return nothing.
    Records stop();

    int listenerCount() const { return static_cast<int>(listeners_.size()); }
    std::uint16_t port() const { return port_; } // host order
    int listenerFd(int i) const { return listeners_.at(static_cast<std::size_t>(i)); }
    int listenerOf(int worker) const; // the model's deal: worker w serves listener w % listeners
    const Config& config() const { return config_; }

  private:
    struct Connection;
    struct Worker;

    explicit LabServer(const Config& config);
    std::optional<LabError> openListeners();
    std::optional<LabError> openWaits();
    void run(Worker& w);
    void enterInOrder(const Worker& w) const;
    void blockingAccepts(Worker& w);
    void eventLoop(Worker& w);
    bool acceptAfterWakeup(Worker& w, std::int64_t returnedAt);
    void serveToEnd(Worker& w, int fd, std::int64_t acceptedAt);
    void hold(Worker& w, int fd, std::int64_t acceptedAt);
    void finishDue(Worker& w);
    std::int64_t serviceTime(Worker& w) const;
    bool waitUntil(std::int64_t at) const;
    bool waitForRequest(int fd, std::int64_t until) const;
    void record(Worker& w, std::int64_t at, const sockaddr_in& peer) const;

    Config config_;
    std::vector<int> listeners_;
    std::uint16_t port_ = 0;
    std::vector<int> sharedEpolls_; // EpollShared: one per listener, every thread of it waiting on it
    int stopEvent_ = -1;            // eventfd, readable once stop() has begun; in every epoll set
    std::vector<std::unique_ptr<Worker>> workers_;
    std::atomic<bool> stopping_{false};
    bool started_ = false;
    bool stopped_ = false;
};

} // namespace backlog::lab
