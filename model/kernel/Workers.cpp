// The application's workers: how they wait for a connection (blocking accept(), epoll, epoll with
// EPOLLEXCLUSIVE), which of them a new connection wakes, accept() itself and the service time.
#include "model/kernel/Workers.h"

#include "model/kernel/ChildSocket.h"
#include "model/kernel/Kernel.h"
#include "model/kernel/ListenSocket.h"

#include <algorithm>

namespace backlog {

namespace {

constexpr Time kWakeupLatency = Time::us(10); // from sk_data_ready() to the woken task running

void setWorker(Kernel& k, int w, WorkerState st, FlowId flow = 0) {
    k.s.workers[idx(w)].state = st;
    auto& ch = k.h.workers[idx(w)].changes;
    if (!ch.empty() && ch.back().at == k.s.now)
        ch.back() = {k.s.now, st, flow};
    else
        ch.push_back({k.s.now, st, flow});
}

Time serviceTime(Kernel& k) {
    const ServiceTime& st = k.s.live.server.workers.service;
    return st.dist == ServiceTime::Dist::Fixed ? st.mean : k.s.rng.exponential(st.mean);
}

void wakeWorker(Kernel& k, int w) {
    Worker& wk = k.s.workers[idx(w)];
    wk.wakePending = true;
    k.push(k.s.now + kWakeupLatency, EventType::WorkerRun, static_cast<std::uint32_t>(w), ++wk.gen);
}

void acceptOne(Kernel& k, int w) {
    // P1: accept() takes the head of the accept queue.
    SimState& s = k.s;
    Worker& wk = s.workers[idx(w)];
    ListenSock& L = s.listeners[idx(wk.listener)];
    const std::uint32_t c = L.acceptQueue.front();
    L.acceptQueue.pop_front();
    ChildSock& ch = s.children[c];
    ch.queued = false;
    ch.worker = w;
    k.h.queues[idx(wk.listener)][1].leave(ch.stay, s.now, LeaveReason::Accepted);
    recordLengths(k, wk.listener);
    if (k.h.clients[ch.flow].acceptedAt.isNever()) k.h.clients[ch.flow].acceptedAt = s.now;
    setWorker(k, w, WorkerState::Serving, ch.flow);
    const Time service = serviceTime(k);
    if (s.live.server.workers.accept == AcceptMode::Blocking) {
        wk.child = c;
        k.push(s.now + service, EventType::ServiceDone, static_cast<std::uint32_t>(w), ++wk.gen);
    } else {
        // An event loop serves its connections side by side: it is back in epoll_wait() once accept() is
        // done (not the loop of M20 that stays busy for the whole service time).
        ++wk.connections;
        k.push(s.now + service, EventType::ConnectionDone, c);
        const Time back = s.now + s.live.server.workers.acceptCost;
        k.push(back, EventType::WorkerRun, static_cast<std::uint32_t>(w), ++wk.gen);
    }
}

// The worker has nothing to do: accept() at once if a connection waits, otherwise wait.
void workerIdle(Kernel& k, int w) {
    Worker& wk = k.s.workers[idx(w)];
    ListenSock& L = k.s.listeners[idx(wk.listener)];
    if (wk.retiring || !L.open) {
        setWorker(k, w, WorkerState::Stopped);
        return;
    }
    if (!L.acceptQueue.empty()) {
        acceptOne(k, w); // M20: a worker back in accept() takes what is queued before the sleepers
        return;
    }
    if (k.s.live.server.workers.accept == AcceptMode::Blocking) {
        // P2: prepare_to_wait_exclusive() queues the sleeper at the tail: FIFO wake-one.
        L.waiters.push_back(w);
        setWorker(k, w, WorkerState::BlockedInAccept);
    } else {
        setWorker(k, w, WorkerState::InEpollWait);
    }
}

} // namespace

void startWorkers(Kernel& k, std::size_t from) {
    SimState& s = k.s;
    if (s.now < s.live.server.workers.start) return;
    for (std::size_t w = from; w < s.workers.size(); ++w) {
        Worker& wk = s.workers[w];
        if (wk.state != WorkerState::NotStarted) continue;
        const int l = wk.listener;
        if (s.live.server.workers.accept != AcceptMode::Blocking) {
            // P3: each event loop registers its epoll instance on the listener's wait queue
            // (kept here in registration order; see dataReady() for the order of wake-ups).
            s.listeners[idx(l)].watchers.push_back(static_cast<int>(w));
        }
        workerIdle(k, static_cast<int>(w));
    }
}

void addWorkers(Kernel& k, int was) {
    SimState& s = k.s;
    const std::size_t first = s.workers.size();
    for (int w = was; w < s.live.server.workers.count; ++w) {
        const int l = s.group.empty() ? 0 : s.group[idx(w) % s.group.size()];
        s.workers.push_back({});
        s.workers.back().listener = l;
        k.h.workers.push_back({l, {}});
    }
    startWorkers(k, first);
}

void retireWorkers(Kernel& k) {
    SimState& s = k.s;
    const int count = s.live.server.workers.count;
    for (std::size_t w = static_cast<std::size_t>(count); w < s.workers.size(); ++w) {
        Worker& wk = s.workers[w];
        wk.retiring = true;
        if (wk.state != WorkerState::Serving) setWorker(k, static_cast<int>(w), WorkerState::Stopped);
    }
    // The retired leave the wait queues, the others keeping their order: one pass per listener, not a
    // search per retired worker (100,000 workers down to one was 10^10 steps).
    const auto retired = [count](int w) { return w >= count; };
    for (ListenSock& L : s.listeners) {
        std::erase_if(L.waiters, retired);
        std::erase_if(L.watchers, retired);
    }
}

void stopWaiters(Kernel& k, int l) {
    // P1: accept() on a socket no longer in LISTEN fails (EINVAL): the application's waiters stop.
    SimState& s = k.s;
    s.listeners[idx(l)].waiters.clear();
    for (std::size_t w = 0; w < s.workers.size(); ++w) {
        Worker& wk = s.workers[w];
        const bool waiting = wk.state == WorkerState::BlockedInAccept || wk.state == WorkerState::InEpollWait;
        if (wk.listener == l && waiting) setWorker(k, static_cast<int>(w), WorkerState::Stopped);
    }
}

void dataReady(Kernel& k, int l) {
    // A8 → sk_data_ready(): wakes every non-exclusive waiter and one exclusive waiter.
    SimState& s = k.s;
    ListenSock& L = s.listeners[idx(l)];
    const AcceptMode mode = s.live.server.workers.accept;
    const auto isWaiting = [&](int w) {
        const Worker& wk = s.workers[idx(w)];
        return wk.state == WorkerState::InEpollWait && !wk.wakePending;
    };
    if (mode == AcceptMode::Blocking) {
        // P2: blocking accept() is wake-one, the longest waiter first.
        if (L.waiters.empty()) return;
        const int w = L.waiters.front();
        L.waiters.erase(L.waiters.begin());
        wakeWorker(k, w);
        return;
    }
    if (mode == AcceptMode::EpollExclusive) {
        // P3: exclusive entries sit at the tail in registration order; ep_poll_callback() succeeds
        // only for an epoll instance with a waiter: one idle event loop is woken, busy ones skipped.
        for (int w : L.watchers) {
            if (isWaiting(w)) {
                wakeWorker(k, w);
                return;
            }
        }
        return;
    }
    // P3 without EPOLLEXCLUSIVE: add_wait_queue() put each entry at the head, so the wake-up walks
    // them newest registration first, and every idle event loop is woken: the thundering herd.
    for (auto it = L.watchers.rbegin(); it != L.watchers.rend(); ++it)
        if (isWaiting(*it)) wakeWorker(k, *it);
}

void workerRun(Kernel& k, std::uint32_t w) {
    SimState& s = k.s;
    Worker& wk = s.workers[w];
    wk.wakePending = false;
    ListenSock& L = s.listeners[idx(wk.listener)];
    const bool eventLoop = s.live.server.workers.accept != AcceptMode::Blocking;
    if (wk.state == WorkerState::Serving || wk.state == WorkerState::WokenForNothing) {
        workerIdle(k, static_cast<int>(w)); // finished a piece of work: back to accept()/epoll_wait()
        return;
    }
    if (L.acceptQueue.empty()) {
        if (eventLoop) {
            // P3 / M20: woken, raced, lost: accept() returns EAGAIN.
            k.h.wastedWakeups[idx(wk.listener)].push_back(s.now);
            setWorker(k, static_cast<int>(w), WorkerState::WokenForNothing);
            k.push(s.now + s.live.server.workers.acceptCost, EventType::WorkerRun, w, ++wk.gen);
        } else {
            workerIdle(k, static_cast<int>(w));
        }
        return;
    }
    acceptOne(k, static_cast<int>(w));
}

void serviceDone(Kernel& k, std::uint32_t w) {
    Worker& wk = k.s.workers[w];
    if (wk.child != kNone) closeChild(k, wk.child);
    wk.child = kNone;
    workerIdle(k, static_cast<int>(w));
}

void connectionDone(Kernel& k, std::uint32_t c) {
    ChildSock& ch = k.s.children[c];
    closeChild(k, c);
    if (ch.worker >= 0) {
        Worker& wk = k.s.workers[idx(ch.worker)];
        --wk.connections;
    }
}

// The application changes how its workers wait (a lesson comparing Apache-style accept() with
// event loops): epoll instances register on the listener's wait queue, or leave it, and every idle
// worker goes back to waiting the new way at once; a busy one does when it next goes idle.
void switchAcceptMode(Kernel& k, AcceptMode was) {
    SimState& s = k.s;
    const bool eventLoopBefore = was != AcceptMode::Blocking;
    const bool eventLoopNow = s.live.server.workers.accept != AcceptMode::Blocking;
    if (eventLoopBefore == eventLoopNow) return; // epoll ↔ epoll-exclusive: the same registrations (P3)
    for (ListenSock& L : s.listeners) {
        L.waiters.clear();
        L.watchers.clear();
    }
    for (std::size_t w = 0; w < s.workers.size(); ++w) {
        Worker& wk = s.workers[w];
        if (wk.state == WorkerState::NotStarted || wk.state == WorkerState::Stopped || wk.retiring) continue;
        if (eventLoopNow) s.listeners[idx(wk.listener)].watchers.push_back(static_cast<int>(w));
        if (wk.state == WorkerState::BlockedInAccept || wk.state == WorkerState::InEpollWait) {
            ++wk.gen; // a wake-up already on its way belongs to the old way of waiting
            wk.wakePending = false;
            workerIdle(k, static_cast<int>(w));
        }
    }
}

} // namespace backlog
