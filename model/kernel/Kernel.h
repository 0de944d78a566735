// Internal to the kernel target: the room the rules of shared/KERNEL.md act in. Each kernel concept
// is a set of free functions on a Kernel (the state they change, the history they record into, the
// kernel's log), so that one concept calls another directly, with no dispatch of its own:
//   ListenSocket    listen() and the backlog, the two queues, the SYN at the listener (L, Q, S, K2, R6 a)
//   RequestSock     request sockets, the final ACK, the SYN-ACK timer (S8, A, T1, R6 b/c)
//   SynCookies      cookies sent and checked (S1, S6, K1)
//   ChildSocket     children before and after accept() (A8, D)
//   ClientSocket    connect(), the SYN schedule, the request and what the client sees (S9, T2, T5, T6, M17)
//   Workers         blocking accept(), epoll, EPOLLEXCLUSIVE, a shared epoll fd (P, M20)
//   ReuseportGroup  the SO_REUSEPORT group (R)
//   Ehash           the lookup every segment meets first (section S)
//   Network         the path: delay, jitter, loss, faults
//   SynFlood        the attacker's spoofed SYNs (M19)
//   Intervention    a change the lesson makes while the run goes
// Engine dispatches each event to one of them. SimState is what a checkpoint copies. Simulation.h is
// the API.
#pragma once

#ifndef BACKLOG_INSIDE_MODEL_KERNEL
#error "model/kernel/Kernel.h is private to backlog_model_kernel: use model/kernel/Simulation.h"
#endif

#include "model/history/History.h"
#include "model/kernel/SimState.h"
#include "model/kernel/Simulation.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace backlog {

// The events the kernel schedules; the value is also the event's lane in the EventQueue.
enum class EventType : std::uint8_t {
    Intervention,
    TrafficNext, // a traffic entry's next connect()
    FloodNext,   // a flood's next spoofed SYN
    Arrival,     // a packet reaches its destination host
    ClientSynTimer,
    ClientDataTimer,
    RequestTimer,   // a request socket's SYN-ACK timer (T1)
    WorkersStart,   // the application starts calling accept()
    WorkerRun,      // a worker runs after a wake-up (or after finishing a piece of work)
    WorkerAccept,   // an event loop's epoll_wait() returned the listener readable: it calls accept()
    ServiceDone,    // a blocking worker's connection is finished: close()
    ConnectionDone, // an event-loop worker's connection is finished
    TimeWaitDone,
    ClientClose, // the client application calls close() (or aborts)
};

// Constants more than one concept uses.
inline constexpr Time kInvalidRatelimit = Time::ms(500); // tcp_invalid_ratelimit = HZ/2 (A1, T2)
inline constexpr Time kTimeWait = Time::s(60);           // TCP_TIMEWAIT_LEN
inline constexpr Time kTimeoutInit = Time::s(1);         // TCP_TIMEOUT_INIT (T1, T6)
inline constexpr Time kRtoMax = Time::s(120);            // TCP_RTO_MAX

inline std::size_t idx(int i) {
    return static_cast<std::size_t>(i);
}

struct Kernel {
    Kernel(SimState& state, History& history, std::vector<KernelLogLine>& kernelLog)
        : s(state), h(history), log(kernelLog) {}

    // An ordinary event: class 2, kept in the order in which it was scheduled.
    void push(Time at, EventType type, std::uint32_t target, std::uint32_t gen = 0) {
        s.queue.push({at, (2ULL << 62) | s.seq++, target, gen, type}, static_cast<std::size_t>(type));
    }

    // M11: the expiry is rounded up to the wheel's granularity; in one tick, higher levels fire first
    // and, within a bucket, the newest timer first (hlist_add_head).
    void armTimer(Time delay, EventType type, std::uint32_t target, std::uint32_t gen) {
        const TimerWheel::Expiry e = s.wheel.arm(s.now, s.wheel.jiffiesFor(delay));
        const std::uint64_t newestFirst = (1ULL << 54) - 1 - (s.seq++ & ((1ULL << 54) - 1));
        const std::uint64_t level = static_cast<std::uint64_t>(15 - e.level) << 54;
        const std::uint64_t order = (1ULL << 62) | level | newestFirst;
        s.queue.push({e.at, order, target, gen, type}, EventQueue::kNoLane);
    }

    void count(Host host, Counter c) {
        const auto i = static_cast<std::size_t>(host);
        if (pendingCount[i] == pending[i].size()) flushCounters(); // an event that bumps very many
        pending[i][pendingCount[i]++] = c;
    }

    void flushCounters() {
        for (std::size_t i = 0; i < 2; ++i) {
            if (pendingCount[i] == 0) continue;
            h.counters[i].bump(s.now, pending[i].data(), pendingCount[i]);
            pendingCount[i] = 0;
        }
    }

    void kernelLog(std::string text) { log.push_back({s.now, std::move(text)}); }

    SimState& s;
    History& h;
    std::vector<KernelLogLine>& log;
    // Counters bumped by the current event, written as one history record per host (History.h).
    std::array<std::array<Counter, 32>, 2> pending{};
    std::array<std::size_t, 2> pendingCount{};
};

} // namespace backlog
