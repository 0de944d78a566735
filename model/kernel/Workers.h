// Internal to the kernel target: the application's workers and how they wait for connections: blocking
// accept(), epoll, epoll with EPOLLEXCLUSIVE and threads sharing one epoll fd (P1-P3, M20).
#pragma once

#ifndef BACKLOG_INSIDE_MODEL_KERNEL
#error "model/kernel/Workers.h is private to backlog_model_kernel: use model/kernel/Simulation.h"
#endif

#include "model/core/Packet.h"
#include "model/history/History.h"
#include "model/scenario/Scenario.h"

#include <cstddef>
#include <cstdint>

namespace backlog {

struct Kernel;

inline constexpr std::uint32_t kNone = 0xFFFF'FFFFu;

// Where a worker is, as the kernel sees it (the recorded WorkerState says how it got there).
enum class WorkerPhase : std::uint8_t {
    Off,       // not started, or stopped
    Waiting,   // asleep on a wait queue: blocked in accept() or in epoll_wait(); a wake-up can reach it
    Woken,     // a wake-up reached it; it has not run yet
    Returning, // epoll_wait() returned the listener readable; its accept() comes next
    Busy,      // running: serving a connection, or on its way back to waiting
};

struct Worker {
    int listener = 0;
    WorkerState state = WorkerState::NotStarted;
    WorkerPhase phase = WorkerPhase::Off;
    std::uint32_t gen = 0;
    std::uint32_t child =
        kNone;           // the connection a worker serves to the end (blocking accept, event_loop: blocking)
    int connections = 0; // an async event loop's open connections
    bool retiring = false; // server.workers.count went down: stop after this connection
};

// Workers from `from` on that have not started begin to wait for connections.
void startWorkers(Kernel& k, std::size_t from);
// server.workers.count went up from `was`: new workers, dealt out among the open listeners.
void addWorkers(Kernel& k, int was);
// server.workers.count went down: the workers beyond it stop, a busy one after its connection.
void retireWorkers(Kernel& k);
// The listener's workers that wait stop: accept() on a closed socket fails (P1).
void stopWaiters(Kernel& k, int l);
// sk_data_ready(): a connection joined listener l's accept queue (P2, P3).
void dataReady(Kernel& k, int l);
// The worker runs: after a wake-up, or when a piece of work is done.
void workerRun(Kernel& k, std::uint32_t w);
// An event loop that saw the listener readable calls accept() (P1, M20).
void workerAccept(Kernel& k, std::uint32_t w);
void serviceDone(Kernel& k, std::uint32_t w);
void connectionDone(Kernel& k, std::uint32_t c);
// The application changes how its workers wait (server.workers.accept).
void switchAcceptMode(Kernel& k, AcceptMode was);

} // namespace backlog
