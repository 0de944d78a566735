#include "app/lab/LabServer.h"

#include "app/lab/ProcFile.h"
#include "model/core/Rng.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <functional>
#include <string_view>
#include <system_error>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace backlog::lab {

namespace {

constexpr std::string_view kResponse = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
// A request that has not come by the end of the service time is waited for this much longer (from the
// accept), then the connection is answered anyway; an async loop looks again every kRequestRetry.
constexpr std::int64_t kRequestWait = 1'000'000'000;
constexpr std::int64_t kRequestRetry = 1'000'000;
// After an accept() error other than EAGAIN/EINVAL (EMFILE, ENOBUFS …) the connection stays queued and
// the listener readable: try again after this, not in a tight loop.
constexpr std::int64_t kErrorPause = 1'000'000;
// How long a worker waits for the one before it to be asleep in accept()/epoll_wait() (enterInOrder).
constexpr std::int64_t kOrderWait = 20'000'000;
constexpr int kMaxEvents = 8;
// epoll_event.data: which descriptor an event is about.
constexpr std::uint32_t kStopTag = 0;
constexpr std::uint32_t kListenerTag = 1;

timespec toTimespec(std::int64_t ns) {
    ns = std::max<std::int64_t>(ns, 0);
    return {static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
}

bool watch(int epoll, int fd, std::uint32_t events, std::uint32_t tag) {
    epoll_event e{};
    e.events = events;
    e.data.u32 = tag;
    return ::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &e) == 0;
}

// epoll_wait() until `deadline` (since the epoch; -1: none) with nanosecond precision where the kernel
// has epoll_pwait2() (5.11), in whole milliseconds, rounded up, where it has not.
int waitForEvents(int epoll, epoll_event* events, std::int64_t deadline, const LabClock& clock) {
    static std::atomic<bool> noPwait2{false};
    const std::int64_t left = deadline < 0 ? -1 : std::max<std::int64_t>(deadline - clock.sinceEpoch(), 0);
    if (!noPwait2.load(std::memory_order_relaxed)) {
        const timespec t = toTimespec(left);
        const int n = ::epoll_pwait2(epoll, events, kMaxEvents, left < 0 ? nullptr : &t, nullptr);
        if (n >= 0 || errno != ENOSYS) return n;
        noPwait2.store(true, std::memory_order_relaxed);
    }
    const int ms =
        left < 0 ? -1 : static_cast<int>(std::min<std::int64_t>((left + 999'999) / 1'000'000, 1 << 30));
    return ::epoll_wait(epoll, events, kMaxEvents, ms);
}

// Reads what the client has sent without waiting: true once something (or EOF, or an error) was seen,
// false if nothing has come yet. A request left unread would turn close() into an RST.
bool drainRequest(int fd) {
    std::array<char, 4096> buffer{};
    bool seen = false;
    while (true) {
        const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n > 0) {
            seen = true;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return seen;
        return true; // EOF or an error: nothing more will come
    }
}

void respondAndClose(int fd) {
    // MSG_NOSIGNAL: a client that has gone must not kill the experiment with SIGPIPE.
    (void)::send(fd, kResponse.data(), kResponse.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::close(fd);
}

// The thread is asleep in a system call ('S' in /proc/self/task/TID/stat, after the command's ')').
bool isAsleep(pid_t tid) {
    const LabResult<std::string> stat = readProcFile("/proc/self/task/" + std::to_string(tid) + "/stat");
    if (!stat.ok()) return false;
    const std::size_t paren = stat.value().rfind(')');
    return paren != std::string::npos && paren + 2 < stat.value().size() && stat.value()[paren + 2] == 'S';
}

bool eventLoopMode(AcceptMode m) {
    return m != AcceptMode::Blocking;
}

} // namespace

struct LabServer::Connection {
    int fd = -1;
    std::int64_t deadline = 0; // accept + service: answered then (or when the request has come)
    std::int64_t giveUpAt = 0; // answered then even if the request has not come
    bool requestRead = false;
    bool operator>(const Connection& o) const { return deadline > o.deadline; }
};

struct LabServer::Worker {
    int index = 0;
    int listener = 0;
    int epoll = -1; // its own instance (Epoll, EpollExclusive) or its listener's shared one
    bool ownsEpoll = false;
    Rng rng;
    std::vector<Connection> held; // an async loop's connections, a min-heap on the deadline
    std::vector<AcceptRecord> accepts;
    std::vector<WakeupRecord> wakeups;
    std::atomic<pid_t> tid{0};
    std::atomic<bool> waiting{false}; // has reached its first accept()/epoll_wait()
    std::thread thread;
};

LabServer::LabServer(const Config& config) : config_(config) {
}

LabServer::~LabServer() {
    if (!stopped_) stop();
}

int LabServer::listenerOf(int worker) const {
    // As the model deals workers (addWorkers(): group[w % group.size()]).
    return worker % std::max(config_.listeners, 1);
}

LabResult<std::unique_ptr<LabServer>> LabServer::open(const Config& config) {
    if (config.listeners < 1 || config.workers.count < 0)
        return LabError{"a server needs at least one listener and no negative worker count", EINVAL};
    std::unique_ptr<LabServer> server(new LabServer(config));
    if (auto error = server->openListeners()) return *error;
    if (auto error = server->openWaits()) return *error;
    return server;
}

std::optional<LabError> LabServer::openListeners() {
    const bool group = config_.listeners > 1;
    const bool nonBlocking = eventLoopMode(config_.workers.accept);
    for (int i = 0; i < config_.listeners; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonBlocking ? SOCK_NONBLOCK : 0), 0);
        const std::string which = "listener " + std::to_string(i) + ": ";
        if (fd < 0) return LabError{which + "socket: " + errnoText(errno), errno};
        listeners_.push_back(fd);
        const int on = 1;
        // R1: every member of a group sets SO_REUSEPORT before bind().
        if (group && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0)
            return LabError{which + "SO_REUSEPORT: " + errnoText(errno), errno};
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(config_.address);
        a.sin_port = htons(i == 0 ? config_.port : port_);
        socklen_t length = sizeof a;
        auto* address = reinterpret_cast<sockaddr*>(&a);
        if (::bind(fd, address, length) != 0) return LabError{which + "bind: " + errnoText(errno), errno};
        if (i == 0 && ::getsockname(fd, address, &length) != 0)
            return LabError{which + "getsockname: " + errnoText(errno), errno};
        if (i == 0) port_ = ntohs(a.sin_port);
        if (::listen(fd, config_.backlog) != 0) return LabError{which + "listen: " + errnoText(errno), errno};
    }
    return std::nullopt;
}

std::optional<LabError> LabServer::openWaits() {
    stopEvent_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stopEvent_ < 0) return LabError{"eventfd: " + errnoText(errno), errno};
    const AcceptMode mode = config_.workers.accept;
    const auto epollError = [](const std::string& what) {
        return LabError{what + ": epoll: " + errnoText(errno), errno};
    };
    if (mode == AcceptMode::EpollShared) {
        // P3: the threads of a listener share one epoll fd and sleep exclusively on its wait queue.
        for (std::size_t l = 0; l < listeners_.size(); ++l) {
            const int ep = ::epoll_create1(EPOLL_CLOEXEC);
            if (ep >= 0) sharedEpolls_.push_back(ep);
            if (ep < 0 || !watch(ep, listeners_[l], EPOLLIN, kListenerTag) ||
                !watch(ep, stopEvent_, EPOLLIN, kStopTag))
                return epollError("listener " + std::to_string(l) + "'s shared epoll fd");
        }
    }
    for (int i = 0; i < config_.workers.count; ++i) {
        auto w = std::make_unique<Worker>();
        w->index = i;
        w->listener = listenerOf(i);
        w->rng = Rng(mix64(config_.seed + static_cast<std::uint64_t>(i)));
        workers_.push_back(std::move(w));
        Worker& wk = *workers_.back();
        if (mode == AcceptMode::EpollShared) wk.epoll = sharedEpolls_[static_cast<std::size_t>(wk.listener)];
        if (mode != AcceptMode::Epoll && mode != AcceptMode::EpollExclusive) continue;
        // P3, M20: one instance per worker, registered on the listener in worker order, level-triggered;
        // plain entries go to the head of the listener's wait queue, exclusive ones to its tail.
        wk.epoll = ::epoll_create1(EPOLL_CLOEXEC);
        wk.ownsEpoll = wk.epoll >= 0;
        const std::uint32_t events = EPOLLIN | (mode == AcceptMode::EpollExclusive ? EPOLLEXCLUSIVE : 0U);
        if (wk.epoll < 0 ||
            !watch(wk.epoll, listeners_[static_cast<std::size_t>(wk.listener)], events, kListenerTag) ||
            !watch(wk.epoll, stopEvent_, EPOLLIN, kStopTag))
            return epollError("worker " + std::to_string(i));
    }
    return std::nullopt;
}

std::string LabServer::start() {
    if (started_ || stopped_) return started_ ? "already started" : "the server has stopped";
    started_ = true;
    for (auto& w : workers_) {
        try {
            w->thread = std::thread([this, worker = w.get()] { run(*worker); });
        } catch (const std::system_error& e) {
            return "starting worker " + std::to_string(w->index) + ": " + e.what();
        }
    }
    return {};
}

std::string LabServer::closeListener(int i) {
    if (stopped_) return "the server has stopped";
    if (i < 0 || i >= listenerCount()) return "there is no listener " + std::to_string(i);
    // P1, R6: shutdown(SHUT_RD) takes a listener out of LISTEN as close() does (its queued children are
    // reset or migrated, the group forgets it) but keeps the descriptor, which running workers still use;
    // it wakes accept() and epoll_wait() (EPOLLHUP), and accept() then fails with EINVAL.
    if (::shutdown(listeners_[static_cast<std::size_t>(i)], SHUT_RD) != 0)
        return "closing listener " + std::to_string(i) + ": shutdown: " + errnoText(errno);
    return {};
}

LabServer::Records LabServer::stop() {
    Records r;
    if (stopped_) return r;
    stopped_ = true;
    stopping_.store(true);
    // Every wait of a worker (epoll_wait, ppoll) watches the eventfd; it stays readable (never read).
    const std::uint64_t one = 1;
    if (stopEvent_ >= 0 && ::write(stopEvent_, &one, sizeof one) < 0) {
        // cannot fail on an eventfd counter this far from its maximum
    }
    // P1: a thread asleep in accept() is woken only by its listener leaving LISTEN: EINVAL.
    if (config_.workers.accept == AcceptMode::Blocking)
        for (const int fd : listeners_)
            ::shutdown(fd, SHUT_RD);
    for (auto& w : workers_) {
        if (w->thread.joinable()) w->thread.join();
        if (w->ownsEpoll) ::close(w->epoll);
        r.accepts.insert(r.accepts.end(), w->accepts.begin(), w->accepts.end());
        r.wakeups.insert(r.wakeups.end(), w->wakeups.begin(), w->wakeups.end());
    }
    for (const int fd : sharedEpolls_)
        ::close(fd);
    for (const int fd : listeners_)
        ::close(fd);
    if (stopEvent_ >= 0) ::close(stopEvent_);
    const auto byTime = [](const auto& a, const auto& b) {
        return a.at != b.at ? a.at < b.at : a.worker < b.worker;
    };
    std::sort(r.accepts.begin(), r.accepts.end(), byTime);
    std::sort(r.wakeups.begin(), r.wakeups.end(), byTime);
    return r;
}

void LabServer::run(Worker& w) {
    w.tid.store(::gettid());
    if (waitUntil(config_.workers.start.count())) {
        enterInOrder(w);
        if (config_.workers.accept == AcceptMode::Blocking)
            blockingAccepts(w);
        else
            eventLoop(w);
    }
    for (const Connection& c : w.held)
        ::close(c.fd); // stopped: unanswered
    w.held.clear();
}

// M20: "worker i is the i-th to block or to register". Threads woken at the same `start` would reach
// accept() or a shared epoll_wait() in the scheduler's order, and the kernel's FIFO (P2) or LIFO (P3)
// wake-up order would follow it; so each waits until the one before is asleep in its wait (bounded).
void LabServer::enterInOrder(const Worker& w) const {
    if (w.index == 0) return;
    const Worker& before = *workers_[static_cast<std::size_t>(w.index - 1)];
    const std::int64_t giveUpAt = config_.clock.sinceEpoch() + kOrderWait;
    while (!stopping_.load() && config_.clock.sinceEpoch() < giveUpAt) {
        if (before.waiting.load() && isAsleep(before.tid.load())) return;
        std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
}

void LabServer::blockingAccepts(Worker& w) {
    const int listener = listeners_[static_cast<std::size_t>(w.listener)];
    while (!stopping_.load()) {
        w.waiting.store(true);
        sockaddr_in peer{};
        socklen_t length = sizeof peer;
        // P1, P2: asleep in the listener's wait queue as an exclusive waiter; woken one at a time.
        const int fd =
            ::accept4(listener, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
        const std::int64_t at = config_.clock.sinceEpoch();
        if (fd >= 0) {
            record(w, at, peer);
            serveToEnd(w, fd, at);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EINVAL) return; // P1: the listener left LISTEN (closeListener(), stop())
        if (!waitUntil(at + kErrorPause)) return;
    }
}

void LabServer::eventLoop(Worker& w) {
    std::array<epoll_event, kMaxEvents> events{};
    bool listening = true;
    while (!stopping_.load()) {
        finishDue(w);
        w.waiting.store(true);
        const std::int64_t next = w.held.empty() ? -1 : w.held.front().deadline;
        const int n = waitForEvents(w.epoll, events.data(), next, config_.clock);
        const std::int64_t returnedAt = config_.clock.sinceEpoch();
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return;
        bool readable = false;
        for (int i = 0; i < n; ++i) {
            if (events[static_cast<std::size_t>(i)].data.u32 == kStopTag) return;
            readable = true;
        }
        if (readable && listening) listening = acceptAfterWakeup(w, returnedAt);
    }
}

// One accept() per return of epoll_wait(), as the model's loops do: a loop that finds more queued comes
// straight back, since the level-triggered listener is still readable (P3). False once the listener has
// left LISTEN, which this loop then stops watching.
bool LabServer::acceptAfterWakeup(Worker& w, std::int64_t returnedAt) {
    const int listener = listeners_[static_cast<std::size_t>(w.listener)];
    sockaddr_in peer{};
    socklen_t length = sizeof peer;
    const int fd =
        ::accept4(listener, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    const std::int64_t at = config_.clock.sinceEpoch();
    const std::int64_t acceptCost = config_.workers.acceptCost.count();
    if (fd < 0) {
        const int error = errno;
        if (error == EAGAIN || error == EWOULDBLOCK) {
            // M20: woken for a connection another loop's accept() took after this one's epoll_wait()
            // had seen it: futile, and the call costs the loop its accept cost all the same.
            w.wakeups.push_back({returnedAt, w.index, true});
            while (config_.clock.sinceEpoch() < at + acceptCost) {
            }
            return true;
        }
        if (error == EINVAL) {
            // P1: closeListener(); the listener reports EPOLLHUP for ever, so it leaves the set (on a
            // shared fd another thread may have removed it already: ENOENT).
            ::epoll_ctl(w.epoll, EPOLL_CTL_DEL, listener, nullptr);
            return false;
        }
        if (error != EINTR && error != ECONNABORTED) waitUntil(at + kErrorPause);
        return true;
    }
    w.wakeups.push_back({returnedAt, w.index, false});
    record(w, at, peer);
    if (config_.workers.eventLoop == EventLoop::Blocking) {
        // M20: a loop whose handler blocks for the service time behaves like blocking accept().
        serveToEnd(w, fd, at);
        return true;
    }
    hold(w, fd, at);
    // The CPU an async loop spends on an accept before it is back in epoll_wait() (Workers.cpp).
    while (config_.clock.sinceEpoch() < at + acceptCost) {
    }
    return true;
}

void LabServer::record(Worker& w, std::int64_t at, const sockaddr_in& peer) const {
    w.accepts.push_back({at, w.index, w.listener, ntohl(peer.sin_addr.s_addr), ntohs(peer.sin_port)});
}

std::int64_t LabServer::serviceTime(Worker& w) const {
    const ServiceTime& s = config_.workers.service;
    return (s.dist == ServiceTime::Dist::Fixed ? s.mean : w.rng.exponential(s.mean)).count();
}

// Blocking accept(), or a blocking event loop: the worker is this connection's until it is done.
void LabServer::serveToEnd(Worker& w, int fd, std::int64_t acceptedAt) {
    const std::int64_t deadline = acceptedAt + serviceTime(w);
    if (config_.clientsSend) waitForRequest(fd, std::max(deadline, acceptedAt + kRequestWait));
    if (waitUntil(deadline))
        respondAndClose(fd);
    else
        ::close(fd); // stopped
}

void LabServer::hold(Worker& w, int fd, std::int64_t acceptedAt) {
    const std::int64_t deadline = acceptedAt + serviceTime(w);
    w.held.push_back({fd, deadline, std::max(deadline, acceptedAt + kRequestWait), false});
    std::push_heap(w.held.begin(), w.held.end(), std::greater<>{});
}

// An async loop's connections whose service time is over: answered and closed, or, if their request
// has not come yet, looked at again a little later.
void LabServer::finishDue(Worker& w) {
    const std::int64_t now = config_.clock.sinceEpoch();
    while (!w.held.empty() && w.held.front().deadline <= now) {
        std::pop_heap(w.held.begin(), w.held.end(), std::greater<>{});
        Connection c = w.held.back();
        w.held.pop_back();
        if (config_.clientsSend && !c.requestRead) c.requestRead = drainRequest(c.fd);
        if (config_.clientsSend && !c.requestRead && now < c.giveUpAt) {
            c.deadline = std::min(now + kRequestRetry, c.giveUpAt);
            w.held.push_back(c);
            std::push_heap(w.held.begin(), w.held.end(), std::greater<>{});
            continue;
        }
        respondAndClose(c.fd);
    }
}

// Sleeps until `at` (since the epoch): false if stop() came first.
bool LabServer::waitUntil(std::int64_t at) const {
    pollfd stop{stopEvent_, POLLIN, 0};
    while (!stopping_.load()) {
        const std::int64_t left = at - config_.clock.sinceEpoch();
        if (left <= 0) return true;
        const timespec t = toTimespec(left);
        ::ppoll(&stop, 1, &t, nullptr);
    }
    return false;
}

// Waits until the client's request has come (and reads it), until `until`, or until stop().
bool LabServer::waitForRequest(int fd, std::int64_t until) const {
    std::array<pollfd, 2> fds{pollfd{fd, POLLIN, 0}, pollfd{stopEvent_, POLLIN, 0}};
    while (!stopping_.load()) {
        if (drainRequest(fd)) return true;
        const std::int64_t left = until - config_.clock.sinceEpoch();
        if (left <= 0) return false;
        const timespec t = toTimespec(left);
        ::ppoll(fds.data(), fds.size(), &t, nullptr);
    }
    return false;
}

} // namespace backlog::lab
