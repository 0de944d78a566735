// The application's workers: how they wait for a connection (blocking accept(), an epoll instance each,
// with or without EPOLLEXCLUSIVE, or one epoll fd shared by threads), which of them a new connection
// wakes, how each wake-up ends (M20), accept() itself and the service time.
#include "model/kernel/Workers.h"

#include "model/kernel/ChildSocket.h"
#include "model/kernel/Kernel.h"
#include "model/kernel/ListenSocket.h"

#include <algorithm>
#include <optional>

namespace backlog {

namespace {

// Blocking accept(): from sk_data_ready() to the woken task running.
constexpr Time kWakeupLatency = Time::us(10);
// Event loops (M20): a woken loop runs 1-30 µs after its wake-up, in an order the scheduler chooses, and
// needs kReturnToAccept more to get from the re-poll inside epoll_wait() to its accept(). A loser whose
// re-poll falls in that window of the winner's sees the listener still readable, returns and gets
// EAGAIN; the later ones find the queue empty and sleep again inside epoll_wait(). With these figures
// 0-2 losers a connection return (3 in about one connection in 50 with 8 loops), none for most
// connections with 4 loops, as measured. On a shared fd the same window decides whether the thread woken
// by the re-queued event sees it still ready and wakes a third (M20: 2-4 woken per connection).
constexpr Time kLoopWakeupMin = Time::us(1);
constexpr std::uint64_t kLoopWakeupSpreadNs = 29'000;
constexpr Time kReturnToAccept = Time::us(2);

bool oneInstanceEach(AcceptMode m) {
    return m == AcceptMode::Epoll || m == AcceptMode::EpollExclusive;
}

void setWorker(Kernel& k, int w, WorkerState st, FlowId flow = 0) {
    Worker& wk = k.s.workers[idx(w)];
    auto& ch = k.h.workers[idx(w)].changes;
    if (!ch.empty() && ch.back().state == st && ch.back().flow == flow) return;
    wk.state = st;
    if (!ch.empty() && ch.back().at == k.s.now)
        ch.back() = {k.s.now, st, flow};
    else
        ch.push_back({k.s.now, st, flow});
}

Time serviceTime(Kernel& k) {
    const ServiceTime& st = k.s.live.server.workers.service;
    return st.dist == ServiceTime::Dist::Fixed ? st.mean : k.s.rng.exponential(st.mean);
}

Time loopWakeupLatency(Kernel& k) {
    return kLoopWakeupMin + Time::ns(static_cast<std::int64_t>(k.s.rng.below(kLoopWakeupSpreadNs)));
}

void wakeAfter(Kernel& k, int w, Time latency) {
    Worker& wk = k.s.workers[idx(w)];
    wk.phase = WorkerPhase::Woken;
    setWorker(k, w, WorkerState::Woken);
    k.push(k.s.now + latency, EventType::WorkerRun, static_cast<std::uint32_t>(w), ++wk.gen);
}

// How a wake-up ended, recorded when it is known (M20): it led to an accepted connection, or it was
// futile, ending inside the kernel or in an accept() that returned EAGAIN.
enum class WakeupEnd { Accepted, SleptAgain, Eagain };

void recordWakeup(Kernel& k, int w, WakeupEnd end) {
    WorkerRecord& r = k.h.workers[idx(w)];
    const Time now = k.s.now;
    r.wakeups.push_back(now);
    if (end == WakeupEnd::Accepted) return;
    r.futile.push_back(now);
    k.h.wastedWakeups[idx(k.s.workers[idx(w)].listener)].push_back(now);
    if (end == WakeupEnd::Eagain) r.eagain.push_back(now);
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
    ClientRecord& client = k.h.clients[ch.flow];
    if (client.acceptedAt.isNever()) {
        client.acceptedAt = s.now;
        client.worker = w;
    }
    k.h.workers[idx(w)].accepts.push_back(s.now);
    if (wk.phase == WorkerPhase::Woken || wk.phase == WorkerPhase::Returning)
        recordWakeup(k, w, WakeupEnd::Accepted);
    wk.phase = WorkerPhase::Busy;
    setWorker(k, w, WorkerState::Serving, ch.flow);
    const Time service = serviceTime(k);
    const WorkerSettings& ws = s.live.server.workers;
    if (ws.accept == AcceptMode::Blocking || ws.eventLoop == EventLoop::Blocking) {
        // A thread in accept(), or an event loop whose handler blocks (M20: it then behaves like
        // blocking accept()): busy with this connection until it is done.
        wk.child = c;
        k.push(s.now + service, EventType::ServiceDone, static_cast<std::uint32_t>(w), ++wk.gen);
    } else {
        // An async event loop serves its connections side by side: it is back in epoll_wait() once
        // accept() is done.
        ++wk.connections;
        k.push(s.now + service, EventType::ConnectionDone, c);
        k.push(s.now + ws.acceptCost, EventType::WorkerRun, static_cast<std::uint32_t>(w), ++wk.gen);
    }
}

// The worker has nothing to do: accept() at once if a connection waits, otherwise wait. `shown`: the
// futile wake-up it comes back from, which the record keeps showing while it waits.
void workerIdle(Kernel& k, int w, std::optional<WorkerState> shown = std::nullopt) {
    Worker& wk = k.s.workers[idx(w)];
    ListenSock& L = k.s.listeners[idx(wk.listener)];
    if (wk.retiring || !L.open) {
        wk.phase = WorkerPhase::Off;
        setWorker(k, w, WorkerState::Stopped);
        return;
    }
    if (!L.acceptQueue.empty()) {
        // M20: a worker back in accept() (or in epoll_wait(), which finds the listener readable at once)
        // takes what is queued before the sleepers get to run.
        wk.phase = WorkerPhase::Busy;
        acceptOne(k, w);
        return;
    }
    wk.phase = WorkerPhase::Waiting;
    switch (k.s.live.server.workers.accept) {
    case AcceptMode::Blocking:
        // P2: prepare_to_wait_exclusive() queues the sleeper at the tail: FIFO wake-one.
        L.waiters.push_back(w);
        setWorker(k, w, shown.value_or(WorkerState::BlockedInAccept));
        return;
    case AcceptMode::EpollShared:
        // P3: a thread entering epoll_wait() on the shared fd is added at the head of ep->wq (LIFO).
        L.sharedWaiters.push_back(w);
        break;
    case AcceptMode::Epoll:
    case AcceptMode::EpollExclusive:
        break; // its epoll instance's entry stays on the listener's wait queue (P3)
    }
    setWorker(k, w, shown.value_or(WorkerState::InEpollWait));
}

// P3 without EPOLLEXCLUSIVE: every idle event loop is woken (the thundering herd). add_wait_queue() put
// each entry at the head, so the wake-up reaches them newest registration first. Who runs first, and so
// wins, is the scheduler's choice (M20): a seeded draw, except in the first herd after the loops
// registered, which the last-registered loop wins.
void wakeHerd(Kernel& k, ListenSock& L) {
    std::vector<std::pair<int, Time>> woken;
    for (auto it = L.watchers.rbegin(); it != L.watchers.rend(); ++it)
        if (k.s.workers[idx(*it)].phase == WorkerPhase::Waiting)
            woken.emplace_back(*it, loopWakeupLatency(k));
    if (woken.empty()) return;
    if (L.firstHerd) {
        auto fastest = std::min_element(woken.begin(), woken.end(),
                                        [](const auto& a, const auto& b) { return a.second < b.second; });
        std::swap(woken.front().second, fastest->second);
        L.firstHerd = false;
    }
    for (const auto& [w, latency] : woken)
        wakeAfter(k, w, latency);
}

// An event loop runs after its wake-up: ep_send_events() polls the listener again (P3, M20).
void loopWokenRuns(Kernel& k, int w) {
    Worker& wk = k.s.workers[idx(w)];
    ListenSock& L = k.s.listeners[idx(wk.listener)];
    if (L.acceptQueue.empty()) {
        // Another loop's accept() emptied the queue first: nothing to report, epoll_wait() sleeps again
        // inside the kernel (futile, but no EAGAIN).
        recordWakeup(k, w, WakeupEnd::SleptAgain);
        workerIdle(k, w, WorkerState::SleptAgain);
        return;
    }
    // Readable: epoll_wait() returns it and the loop calls accept().
    wk.phase = WorkerPhase::Returning;
    k.push(k.s.now + kReturnToAccept, EventType::WorkerAccept, static_cast<std::uint32_t>(w), ++wk.gen);
    if (k.s.live.server.workers.accept == AcceptMode::EpollShared && !L.sharedWaiters.empty()) {
        // P3, M20: a level-triggered event is put back on the ready list, which wakes the next thread
        // of the shared fd: 2-4 woken per connection.
        const int next = L.sharedWaiters.back();
        L.sharedWaiters.pop_back();
        wakeAfter(k, next, loopWakeupLatency(k));
    }
}

} // namespace

void startWorkers(Kernel& k, std::size_t from) {
    SimState& s = k.s;
    if (s.now < s.live.server.workers.start) return;
    for (std::size_t w = from; w < s.workers.size(); ++w) {
        Worker& wk = s.workers[w];
        if (wk.state != WorkerState::NotStarted) continue;
        ListenSock& L = s.listeners[idx(wk.listener)];
        if (oneInstanceEach(s.live.server.workers.accept)) {
            // P3: each event loop registers its epoll instance on the listener's wait queue (kept here
            // in registration order; see dataReady() for the order of wake-ups).
            L.watchers.push_back(static_cast<int>(w));
            L.firstHerd = true;
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
        k.h.workers.emplace_back().listener = l;
    }
    startWorkers(k, first);
}

void retireWorkers(Kernel& k) {
    SimState& s = k.s;
    const int count = s.live.server.workers.count;
    for (std::size_t w = static_cast<std::size_t>(count); w < s.workers.size(); ++w) {
        Worker& wk = s.workers[w];
        wk.retiring = true;
        if (wk.phase == WorkerPhase::Busy) continue; // stops when its connection is done
        ++wk.gen;                                    // a wake-up on its way finds it gone
        wk.phase = WorkerPhase::Off;
        setWorker(k, static_cast<int>(w), WorkerState::Stopped);
    }
    // The retired leave the wait queues, the others keeping their order: one pass per listener, not a
    // search per retired worker (100,000 workers down to one was 10^10 steps).
    const auto retired = [count](int w) { return w >= count; };
    for (ListenSock& L : s.listeners) {
        std::erase_if(L.waiters, retired);
        std::erase_if(L.watchers, retired);
        std::erase_if(L.sharedWaiters, retired);
    }
}

void stopWaiters(Kernel& k, int l) {
    // P1: accept() on a socket no longer in LISTEN fails (EINVAL): the application's waiters stop.
    SimState& s = k.s;
    s.listeners[idx(l)].waiters.clear();
    s.listeners[idx(l)].sharedWaiters.clear();
    for (std::size_t w = 0; w < s.workers.size(); ++w) {
        Worker& wk = s.workers[w];
        if (wk.listener != l || wk.phase != WorkerPhase::Waiting) continue;
        wk.phase = WorkerPhase::Off;
        setWorker(k, static_cast<int>(w), WorkerState::Stopped);
    }
}

void dataReady(Kernel& k, int l) {
    // A8 → sk_data_ready(): wakes every non-exclusive waiter and one exclusive waiter.
    SimState& s = k.s;
    ListenSock& L = s.listeners[idx(l)];
    switch (s.live.server.workers.accept) {
    case AcceptMode::Blocking: {
        // P2: blocking accept() is wake-one, the longest waiter first.
        if (L.waiters.empty()) return;
        const int w = L.waiters.front();
        L.waiters.pop_front();
        wakeAfter(k, w, kWakeupLatency);
        return;
    }
    case AcceptMode::EpollExclusive:
        // P3: exclusive entries sit at the tail in registration order; ep_poll_callback() succeeds only
        // for an epoll instance with a waiter: the first-registered idle loop is woken, busy ones (and
        // ones already woken) skipped. In a rush the next connection wakes the next idle loop (M20).
        for (int w : L.watchers) {
            if (s.workers[idx(w)].phase == WorkerPhase::Waiting) {
                wakeAfter(k, w, loopWakeupLatency(k));
                return;
            }
        }
        return;
    case AcceptMode::EpollShared: {
        // P3: the listener's one entry belongs to the shared epoll fd, whose wake_up() wakes one thread,
        // the most recent waiter (M20: LIFO).
        if (L.sharedWaiters.empty()) return;
        const int w = L.sharedWaiters.back();
        L.sharedWaiters.pop_back();
        wakeAfter(k, w, loopWakeupLatency(k));
        return;
    }
    case AcceptMode::Epoll:
        wakeHerd(k, L);
        return;
    }
}

void workerRun(Kernel& k, std::uint32_t w) {
    SimState& s = k.s;
    Worker& wk = s.workers[w];
    const int wi = static_cast<int>(w);
    if (wk.phase == WorkerPhase::Busy) {
        // Finished a piece of work (an accept, or an EAGAIN): back to epoll_wait()/accept().
        const bool afterEagain = wk.state == WorkerState::GotEagain;
        workerIdle(k, wi, afterEagain ? std::optional(WorkerState::GotEagain) : std::nullopt);
        return;
    }
    if (wk.phase != WorkerPhase::Woken) return;
    const ListenSock& L = s.listeners[idx(wk.listener)];
    if (wk.retiring || !L.open) {
        workerIdle(k, wi);
        return;
    }
    if (s.live.server.workers.accept != AcceptMode::Blocking) {
        loopWokenRuns(k, wi);
        return;
    }
    if (L.acceptQueue.empty()) {
        // M20: a worker that came straight back to accept() took the connection before this sleeper
        // ran; inet_csk_wait_for_connect() finds the queue empty and sleeps again, at the tail (P2).
        recordWakeup(k, wi, WakeupEnd::SleptAgain);
        workerIdle(k, wi, WorkerState::SleptAgain);
        return;
    }
    acceptOne(k, wi);
}

void workerAccept(Kernel& k, std::uint32_t w) {
    SimState& s = k.s;
    Worker& wk = s.workers[w];
    const int wi = static_cast<int>(w);
    const ListenSock& L = s.listeners[idx(wk.listener)];
    if (wk.retiring || !L.open) {
        workerIdle(k, wi);
        return;
    }
    if (!L.acceptQueue.empty()) {
        acceptOne(k, wi);
        return;
    }
    // P1, M20: the loop returned from epoll_wait() but another took the connection first: EAGAIN. It
    // pays for the call and goes back to epoll_wait().
    recordWakeup(k, wi, WakeupEnd::Eagain);
    wk.phase = WorkerPhase::Busy;
    setWorker(k, wi, WorkerState::GotEagain);
    k.push(s.now + s.live.server.workers.acceptCost, EventType::WorkerRun, w, ++wk.gen);
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

// The application changes how its workers wait (a lesson comparing Apache-style accept() with event
// loops): the old registrations go, the new ones are made in worker order, and every waiting worker
// waits the new way at once (a wake-up on its way belongs to the old way); a busy one does when it next
// goes idle.
void switchAcceptMode(Kernel& k, AcceptMode was) {
    SimState& s = k.s;
    const AcceptMode now = s.live.server.workers.accept;
    if (oneInstanceEach(was) && oneInstanceEach(now))
        return; // epoll ↔ epoll-exclusive: the same entries (P3)
    for (ListenSock& L : s.listeners) {
        L.waiters.clear();
        L.watchers.clear();
        L.sharedWaiters.clear();
        L.firstHerd = true;
    }
    for (std::size_t w = 0; w < s.workers.size(); ++w) {
        Worker& wk = s.workers[w];
        if (wk.phase == WorkerPhase::Off || wk.retiring) continue;
        if (oneInstanceEach(now)) s.listeners[idx(wk.listener)].watchers.push_back(static_cast<int>(w));
        if (wk.phase == WorkerPhase::Busy) continue;
        ++wk.gen;
        workerIdle(k, static_cast<int>(w));
    }
}

} // namespace backlog
