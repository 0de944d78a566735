// Internal to the kernel target: the listening socket, its SYN queue and accept queue, and its backlog
// (L, Q, S, K2, R6 a).
#pragma once

#ifndef BACKLOG_INSIDE_MODEL_KERNEL
#error "model/kernel/ListenSocket.h is private to backlog_model_kernel: use model/kernel/Simulation.h"
#endif

#include "model/core/Packet.h"
#include "model/scenario/Scenario.h"

#include <cstdint>
#include <deque>
#include <vector>

namespace backlog {

struct Kernel;

struct ListenSock {
    bool open = true;
    std::int64_t maxBacklog = 0;           // sk_max_ack_backlog
    std::deque<std::uint32_t> acceptQueue; // children, FIFO (P1)
    std::int64_t qlen = 0;                 // request sockets (Q2)
    std::int64_t young = 0;                // requests whose timer has not fired yet
    // Workers blocked in accept(): exclusive, FIFO (P2). A deque: each wake-up takes the head, which a
    // vector paid with a move of every other waiter (100,000 workers × a million clients).
    std::deque<int> waiters;
    // Event loops with an epoll instance each (epoll, epoll-exclusive): their entries on the listener's
    // wait queue, in registration order (P3).
    std::vector<int> watchers;
    // The first herd since the loops registered: no loop has run yet, so they run in the order the
    // wake-up reached them (M20: the last-registered loop tends to win an isolated connection).
    bool firstHerd = true;
    // Threads in epoll_wait() on the one epoll fd the listener's workers share (epoll-shared): the most
    // recent waiter at the back, woken first (P3: exclusive waiters added at the head of ep->wq, M20).
    std::vector<int> sharedWaiters;
    bool synfloodWarned = false;
};

// Q1: sk_acceptq_is_full() is a strict `>`: the accept queue holds backlog+1.
inline bool acceptQueueFull(const ListenSock& L) {
    return static_cast<std::int64_t>(L.acceptQueue.size()) > L.maxBacklog;
}

// Q2: qlen > backlog on 6.18 (3479c7549fb1); qlen >= backlog from 4.4 until that fix.
inline bool synQueueFull(const ListenSock& L, const KernelSettings& k) {
    return k.profile.synQueueHoldsBacklogPlusOne ? L.qlen > L.maxBacklog : L.qlen >= L.maxBacklog;
}

// A new listening socket, joining the SO_REUSEPORT group, then listen().
void addListener(Kernel& k);
// listen() with the backlog in force (L1, L3).
void listen(Kernel& k, int l);
// The queue lengths and backlog of listener l, into the history.
void recordLengths(Kernel& k, int l);
// tcp_conn_request(): a SYN for listener l (S1-S8).
void connRequest(Kernel& k, std::uint32_t packet, const Packet& p, int l);
// A segment other than a SYN with no request or child: a cookie ACK (K1) or an RST (K2).
void listenerSegment(Kernel& k, std::uint32_t packet, const Packet& p, int l);
// close() of a listener: it leaves the group (R4); its children migrate or are reset (R6 a).
void closeListener(Kernel& k, int l);

} // namespace backlog
