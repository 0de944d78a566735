#include "app/lab/LabClients.h"
#include "app/lab/LabNetwork.h"

#include "app/lab/ProcFile.h"
#include "model/history/History.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

namespace backlog::lab {

namespace {

// The request of `send`: a small HTTP GET as ab sends, exactly the size the model gives it (D1).
constexpr std::string_view kRequest =
    "GET / HTTP/1.0\r\nHost: backlog\r\nUser-Agent: backlog-lab\r\nX-Pad: xxxxxxxxxxxxx\r\n\r\n";
static_assert(kRequest.size() == static_cast<std::size_t>(kRequestBytes));

// The stop flag is looked at least this often (ms), whatever the next deadline.
constexpr int kStopPollMs = 10;
// Descriptors beyond the clients' sockets and those already open: the epoll instance, the timerfd, and
// what the C library may open meanwhile.
constexpr std::int64_t kSpareFds = 16;
constexpr std::uint64_t kTimerTag = ~std::uint64_t{0};
constexpr int kMaxEvents = 256;
// connect() calls in one pass of the loop (about 10 ms of them) before it looks at everything else again.
constexpr int kOpenBatch = 256;

std::string errnoName(int error) {
    const char* name = ::strerrorname_np(error);
    return name != nullptr ? std::string(name) : "errno " + std::to_string(error);
}

std::string dotted(std::uint32_t address) {
    const in_addr a{htonl(address)};
    std::array<char, INET_ADDRSTRLEN> text{};
    return ::inet_ntop(AF_INET, &a, text.data(), text.size()) != nullptr ? std::string(text.data()) : "?";
}

LabError systemFailure(const std::string& what, int error) {
    return LabError{what + ": " + errnoText(error), error};
}

std::int64_t openDescriptors() {
    std::error_code ec;
    std::int64_t n = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec))
        ++n;
    return n;
}

// RLIMIT_NOFILE must let every socket of the run be open at once (peakOpenSockets()); the soft limit is
// raised to the hard one when it is short (the default soft limit is often 1024).
std::optional<LabError> ensureDescriptors(std::int64_t sockets) {
    const std::int64_t needed = openDescriptors() + sockets + kSpareFds;
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return systemFailure("getrlimit(RLIMIT_NOFILE)", errno);
    const auto fits = [needed](rlim_t l) {
        return l == RLIM_INFINITY || static_cast<std::int64_t>(l) >= needed;
    };
    if (fits(limit.rlim_cur)) return std::nullopt;
    if (!fits(limit.rlim_max))
        return LabError{"RLIMIT_NOFILE: the clients may hold " + std::to_string(sockets) +
                            " sockets open at once (" + std::to_string(needed) +
                            " descriptors in all), beyond the hard limit of " +
                            std::to_string(limit.rlim_max) + " (ulimit -Hn); run fewer clients",
                        EMFILE};
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0)
        return systemFailure("raising RLIMIT_NOFILE's soft limit to " + std::to_string(limit.rlim_max),
                             errno);
    return std::nullopt;
}

bool closedLoop(const ClientTraffic& t) {
    return t.concurrency > 0;
}

} // namespace

ClientSchedule::ClientSchedule(const ClientTraffic& traffic, std::int64_t start)
    : start_(start), spacing_(traffic.spacing.count()), clients_(traffic.clients),
      concurrency_(traffic.concurrency), requests_(traffic.requests) {
    if (opensMore()) due_.push(start);
}

bool ClientSchedule::opensMore() const {
    // As ClientSocket.cpp's opensMore(): a closed loop counting requests is bounded by connect() calls too.
    if (concurrency_ > 0 && requests_ > 0)
        return requestsStarted_ < requests_ && started_ < Limits::maxClients;
    return started_ < clients_;
}

std::optional<std::int64_t> ClientSchedule::nextDue() const {
    if (due_.empty() || !opensMore()) return std::nullopt;
    return due_.top();
}

bool ClientSchedule::takeDue(std::int64_t now) {
    if (due_.empty()) return false;
    due_.pop();
    if (!opensMore()) return false;
    // M18: a closed loop (ab -c C) keeps at most C connections in progress.
    const bool closed = concurrency_ > 0;
    if (closed && active_ >= concurrency_) return false;
    ++started_;
    ++active_;
    if (opensMore()) {
        if (!closed)
            due_.push(start_ + spacing_ * started_);
        else if (active_ < concurrency_)
            due_.push(now + spacing_);
    }
    return true;
}

void ClientSchedule::established() {
    ++requestsStarted_; // M18: ab -n counts a request once its connection is established
}

void ClientSchedule::finished(std::int64_t now) {
    --active_;
    if (concurrency_ > 0 && opensMore()) due_.push(now); // replaced at once (M18)
}

std::int64_t plannedSockets(const ClientDriverConfig& config) {
    std::int64_t n = 0;
    for (const ClientEntry& e : config.entries)
        n += plannedConnections(e.traffic);
    return n;
}

std::int64_t peakOpenSockets(const ClientDriverConfig& config) {
    std::int64_t n = 0;
    for (const ClientEntry& e : config.entries) {
        const ClientTraffic& t = e.traffic;
        n += closedLoop(t) ? std::min<std::int64_t>(t.concurrency, plannedConnections(t)) : t.clients;
    }
    return n;
}

namespace {

class ClientDriver {
  public:
    explicit ClientDriver(const ClientDriverConfig& config) : config_(config) {
        for (const ClientEntry& e : config.entries)
            schedules_.emplace_back(e.traffic, e.start);
    }
    ClientDriver(const ClientDriver&) = delete;
    ClientDriver& operator=(const ClientDriver&) = delete;
    ~ClientDriver() {
        // At `until` or on stop the connections still open are left as they are in the records.
        for (const Connection& c : slots_)
            if (c.fd >= 0) ::close(c.fd);
        if (timer_ >= 0) ::close(timer_);
        if (epoll_ >= 0) ::close(epoll_);
    }

    std::optional<LabError> run();
    std::vector<ClientMeasurement> records;

  private:
    enum class Phase { Connecting, Open, HalfClosed };
    struct Connection {
        int fd = -1;
        std::size_t record = 0;
        std::size_t entry = 0;
        Phase phase = Phase::Connecting;
        std::size_t unsent = 0; // bytes of the request still to write
        std::uint32_t generation = 0;
    };
    struct CloseTimer {
        std::int64_t at;
        std::size_t slot;
        std::uint32_t generation;
        bool operator>(const CloseTimer& o) const { return at > o.at; }
    };

    std::int64_t now() const { return config_.clock.sinceEpoch(); }
    bool stopped() const { return config_.stop != nullptr && config_.stop->load(std::memory_order_relaxed); }
    std::optional<LabError> setUp();
    std::optional<LabError> openDue();
    std::optional<LabError> open(std::size_t entry);
    void closeDue();
    std::optional<std::int64_t> nextWake() const;
    std::optional<LabError> armTimer(std::int64_t at);
    void handle(std::size_t slot, std::uint32_t events);
    void connectResult(std::size_t slot, std::uint32_t events);
    void writeRequest(std::size_t slot);
    void readOpen(std::size_t slot);
    void readHalfClosed(std::size_t slot);
    void fail(std::size_t slot, int error);
    void finish(std::size_t slot);
    void watch(std::size_t slot, std::uint32_t events);

    const ClientDriverConfig& config_;
    std::vector<ClientSchedule> schedules_;
    std::vector<Connection> slots_;
    std::vector<std::size_t> freeSlots_;
    std::priority_queue<CloseTimer, std::vector<CloseTimer>, std::greater<>> closes_;
    std::int64_t open_ = 0;
    int epoll_ = -1;
    int timer_ = -1;
    std::optional<LabError> failure_; // an epoll_ctl() that failed inside a handler
};

std::optional<LabError> ClientDriver::setUp() {
    if (auto e = ensureDescriptors(peakOpenSockets(config_))) return e;
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) return systemFailure("epoll_create1", errno);
    // A timerfd wakes the loop at the next deadline to the nanosecond (epoll_wait's own timeout is in ms).
    timer_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (timer_ < 0) return systemFailure("timerfd_create", errno);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kTimerTag;
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, timer_, &ev) != 0)
        return systemFailure("epoll_ctl(timerfd)", errno);
    return std::nullopt;
}

std::optional<LabError> ClientDriver::run() {
    if (auto e = setUp()) return e;
    std::array<epoll_event, kMaxEvents> events{};
    while (!stopped() && now() < config_.until) {
        closeDue();
        if (auto e = openDue()) return e;
        if (failure_) return failure_;
        const std::optional<std::int64_t> wake = nextWake();
        if (!wake && open_ == 0) break; // every entry is done and nothing is in progress
        if (auto e = armTimer(std::min(wake.value_or(config_.until), config_.until))) return e;
        const int n = ::epoll_wait(epoll_, events.data(), kMaxEvents, kStopPollMs);
        if (n < 0 && errno != EINTR) return systemFailure("epoll_wait", errno);
        for (const epoll_event& event : std::span(events.data(), static_cast<std::size_t>(std::max(n, 0)))) {
            if (event.data.u64 == kTimerTag) {
                std::uint64_t expirations = 0;
                [[maybe_unused]] const ssize_t r = ::read(timer_, &expirations, sizeof expirations);
                continue;
            }
            handle(static_cast<std::size_t>(event.data.u64), event.events);
        }
        if (failure_) return failure_;
    }
    return std::nullopt;
}

std::optional<std::int64_t> ClientDriver::nextWake() const {
    std::optional<std::int64_t> wake;
    for (const ClientSchedule& s : schedules_)
        if (const auto due = s.nextDue(); due && (!wake || *due < *wake)) wake = due;
    if (!closes_.empty() && (!wake || closes_.top().at < *wake)) wake = closes_.top().at;
    return wake;
}

std::optional<LabError> ClientDriver::armTimer(std::int64_t at) {
    const std::int64_t monotonic = std::max<std::int64_t>(config_.clock.toMonotonic(at), 1); // 0 disarms
    itimerspec spec{};
    spec.it_value.tv_sec = monotonic / 1'000'000'000;
    spec.it_value.tv_nsec = monotonic % 1'000'000'000;
    if (::timerfd_settime(timer_, TFD_TIMER_ABSTIME, &spec, nullptr) != 0)
        return systemFailure("timerfd_settime", errno);
    return std::nullopt;
}

std::optional<LabError> ClientDriver::openDue() {
    // Earliest due first across the entries, as the model's event queue takes them; a bounded batch, so
    // that thousands due at once do not hold up the closes, reads and stop flag behind them.
    for (int taken = 0; taken < kOpenBatch; ++taken) {
        const std::int64_t t = now();
        if (t >= config_.until) break;
        std::optional<std::size_t> first;
        std::int64_t firstDue = 0;
        for (std::size_t e = 0; e < schedules_.size(); ++e) {
            const std::optional<std::int64_t> due = schedules_[e].nextDue();
            if (due && *due <= t && (!first || *due < firstDue)) { // a tie goes to the earlier entry
                first = e;
                firstDue = *due;
            }
        }
        if (!first) break;
        if (schedules_[*first].takeDue(t))
            if (auto error = open(*first)) return error;
    }
    return std::nullopt;
}

std::optional<LabError> ClientDriver::open(std::size_t entry) {
    const ClientEntry& e = config_.entries[entry];
    ClientMeasurement& rec = records.emplace_back();
    rec.traffic = e.index;
    rec.address = e.source;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return systemFailure("socket", errno);
    std::size_t slot = slots_.size();
    if (!freeSlots_.empty()) {
        slot = freeSlots_.back();
        freeSlots_.pop_back();
    } else {
        slots_.emplace_back();
    }
    Connection& c = slots_[slot];
    c.fd = fd;
    c.record = records.size() - 1;
    c.entry = entry;
    c.phase = Phase::Connecting;
    c.unsent = 0;
    ++c.generation;
    ++open_;
    // The port is chosen by connect() for the whole 4-tuple, not by bind() for the address alone, so one
    // source address is not limited to one connection per ephemeral port.
    const int one = 1;
    ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    // The entry's faults (LabFaults.h): attached before the SYN leaves, so the SYN-ACK is filtered too.
    if (e.socketFilter >= 0 &&
        ::setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF, &e.socketFilter, sizeof e.socketFilter) != 0)
        return systemFailure("setsockopt(SO_ATTACH_BPF) of the entry's fault filter", errno);
    const sockaddr_in local = ipv4Endpoint(e.source, 0);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0)
        return systemFailure("bind() to the clients' source address " + dotted(e.source), errno);
    const sockaddr_in server = ipv4Endpoint(config_.serverAddress, config_.serverPort);
    rec.connectAt = now();
    const int r = ::connect(fd, reinterpret_cast<const sockaddr*>(&server), sizeof server);
    const int error = r == 0 ? 0 : errno;
    sockaddr_in bound{};
    socklen_t length = sizeof bound;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) == 0)
        rec.port = ntohs(bound.sin_port);
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.u64 = slot;
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) return systemFailure("epoll_ctl(ADD)", errno);
    if (error != 0 && error != EINPROGRESS)
        fail(slot, error); // refused or unreachable at once, or no port left (EADDRNOTAVAIL)
    else if (error == 0)
        connectResult(slot, EPOLLOUT); // loopback may complete the handshake inside connect() (M13)
    return std::nullopt;
}

void ClientDriver::closeDue() {
    while (!closes_.empty() && closes_.top().at <= now()) {
        const CloseTimer t = closes_.top();
        closes_.pop();
        Connection& c = slots_[t.slot];
        // Only a connection still open closes: one that already read EOF has closed by itself.
        if (c.fd < 0 || c.generation != t.generation || c.phase != Phase::Open) continue;
        ClientMeasurement& rec = records[c.record];
        rec.closedAt = now();
        if (config_.entries[c.entry].traffic.abort) {
            // SO_LINGER {1, 0}: close() sends an RST and the socket is gone (D4; A4 for a request).
            const linger l{1, 0};
            ::setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
            finish(t.slot);
            continue;
        }
        // A FIN (D3). The model's client is done when the server's FIN comes back; keeping the socket
        // (half closed) lets the driver see that moment and free a closed loop's place then, as it does.
        ::shutdown(c.fd, SHUT_WR);
        c.phase = Phase::HalfClosed;
        watch(t.slot, EPOLLIN | EPOLLRDHUP);
    }
}

void ClientDriver::handle(std::size_t slot, std::uint32_t events) {
    if (slot >= slots_.size() || slots_[slot].fd < 0) return; // finished earlier in this batch
    switch (slots_[slot].phase) {
    case Phase::Connecting:
        connectResult(slot, events);
        break;
    case Phase::Open:
        if ((events & EPOLLOUT) != 0 && slots_[slot].unsent > 0) writeRequest(slot);
        if (slots_[slot].fd >= 0 && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0)
            readOpen(slot);
        break;
    case Phase::HalfClosed:
        readHalfClosed(slot);
        break;
    }
}

void ClientDriver::connectResult(std::size_t slot, std::uint32_t events) {
    Connection& c = slots_[slot];
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
    // SO_ERROR: ETIMEDOUT once the kernel's SYN retries are spent (T6, M10), ECONNREFUSED on an RST.
    if (error != 0) {
        fail(slot, error);
        return;
    }
    if ((events & EPOLLOUT) == 0) return;
    ClientMeasurement& rec = records[c.record];
    rec.connectedAt = now();
    schedules_[c.entry].established();
    c.phase = Phase::Open;
    const ClientTraffic& t = config_.entries[c.entry].traffic;
    if (t.closeAfter) closes_.push(CloseTimer{rec.connectedAt + t.closeAfter->count(), slot, c.generation});
    watch(slot, EPOLLIN | EPOLLRDHUP);
    if (t.send) {
        c.unsent = kRequest.size();
        writeRequest(slot);
    }
}

void ClientDriver::writeRequest(std::size_t slot) {
    Connection& c = slots_[slot];
    const std::string_view rest = kRequest.substr(kRequest.size() - c.unsent);
    const ssize_t n = ::send(c.fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
        fail(slot, errno);
        return;
    }
    if (n > 0) c.unsent -= static_cast<std::size_t>(n);
    watch(slot, EPOLLIN | EPOLLRDHUP | (c.unsent > 0 ? EPOLLOUT : 0u));
}

void ClientDriver::readOpen(std::size_t slot) {
    Connection& c = slots_[slot];
    ClientMeasurement& rec = records[c.record];
    std::array<char, 4096> buffer{};
    // Level-triggered: a server that streams more than this comes back on the next epoll_wait().
    for (int reads = 0; reads < 16; ++reads) {
        const ssize_t n = ::recv(c.fd, buffer.data(), buffer.size(), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        if (n < 0) {
            fail(slot, errno); // ECONNRESET: the server reset it (A7b, M8)
            return;
        }
        if (rec.respondedAt < 0) rec.respondedAt = now();
        if (n == 0) {
            rec.closedAt = now(); // the response is complete: the client closes its side
            finish(slot);
            return;
        }
    }
}

void ClientDriver::readHalfClosed(std::size_t slot) {
    Connection& c = slots_[slot];
    char byte = 0;
    const ssize_t n = ::recv(c.fd, &byte, 1, MSG_PEEK);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n < 0) {
        fail(slot, errno);
        return;
    }
    // n == 0: the server's FIN; the connection is over. n > 0: data for a socket the client has closed:
    // closing with it unread sends the RST the model sends there (TCPAbortOnData in FIN-WAIT).
    finish(slot);
}

void ClientDriver::fail(std::size_t slot, int error) {
    Connection& c = slots_[slot];
    ClientMeasurement& rec = records[c.record];
    rec.errorAt = now();
    rec.error = errnoName(error);
    if (rec.closedAt < 0) rec.closedAt = rec.errorAt; // the client closes the failed socket at once
    finish(slot);
}

void ClientDriver::finish(std::size_t slot) {
    Connection& c = slots_[slot];
    ::close(c.fd); // also leaves the epoll set
    c.fd = -1;
    ++c.generation;
    --open_;
    freeSlots_.push_back(slot);
    schedules_[c.entry].finished(now());
}

void ClientDriver::watch(std::size_t slot, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = slot;
    if (::epoll_ctl(epoll_, EPOLL_CTL_MOD, slots_[slot].fd, &ev) != 0 && !failure_)
        failure_ = systemFailure("epoll_ctl(MOD)", errno);
}

} // namespace

LabResult<std::vector<ClientMeasurement>> runClients(const ClientDriverConfig& config) {
    ClientDriver driver(config);
    if (std::optional<LabError> error = driver.run()) return *error;
    return std::move(driver.records);
}

} // namespace backlog::lab
