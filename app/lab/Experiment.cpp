#include "app/lab/Experiment.h"

#include "app/lab/Capture.h"
#include "app/lab/KernelCounters.h"
#include "app/lab/LabClients.h"
#include "app/lab/LabFaults.h"
#include "app/lab/LabNetwork.h"
#include "app/lab/LabServer.h"
#include "app/lab/ListeningSockets.h"
#include "app/lab/Namespace.h"
#include "app/lab/SynSender.h"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

namespace backlog::lab {

namespace {

// The scenario's sysctls, written in the experiment's namespace (net.* are per namespace, KERNEL.md
// section 1). One this kernel does not have is a warning, not a failure.
void setSysctls(const KernelSettings& k, std::vector<std::string>& warnings) {
    const std::pair<const char*, std::int64_t> values[] = {
        {"net/core/somaxconn", k.somaxconn},
        {"net/ipv4/tcp_max_syn_backlog", k.tcpMaxSynBacklog},
        {"net/ipv4/tcp_syncookies", k.tcpSyncookies},
        {"net/ipv4/tcp_synack_retries", k.tcpSynackRetries},
        {"net/ipv4/tcp_syn_retries", k.tcpSynRetries},
        {"net/ipv4/tcp_syn_linear_timeouts", k.tcpSynLinearTimeouts},
        {"net/ipv4/tcp_abort_on_overflow", k.tcpAbortOnOverflow},
        {"net/ipv4/tcp_migrate_req", k.tcpMigrateReq},
    };
    for (const auto& [name, value] : values) {
        std::ofstream out(std::string("/proc/sys/") + name);
        out << value << "\n";
        out.flush();
        if (!out) {
            std::string dotted = name;
            for (char& c : dotted)
                if (c == '/') c = '.';
            warnings.push_back(dotted + " = " + std::to_string(value) +
                               " could not be set in the namespace (this kernel may not have it)");
        }
    }
}

// The listeners' queues and the namespace's counters, read on a thread of their own while it runs.
class Sampler {
  public:
    Sampler(const LabClock& clock, std::uint16_t port, std::vector<std::uint64_t> inodes, Measurement& m)
        : clock_(clock), port_(port), inodes_(std::move(inodes)), m_(m) {
        thread_ = std::thread([this] { run(); });
    }
    ~Sampler() { stop(); }
    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    void counters() {
        const LabResult<KernelCounterValues> v = readKernelCounters();
        if (!v.ok()) return;
        const std::lock_guard lock(mutex_);
        CounterSample s;
        s.at = std::max<std::int64_t>(0, clock_.sinceEpoch()); // the baseline is read before the epoch
        // The counters the model moves (the report's and MeasuredRun's): a run keeps no others.
        for (std::size_t c = 0; c < kCounterCount; ++c) {
            const auto it = v.value().find(counterName(static_cast<Counter>(c)));
            if (it != v.value().end()) s.values.emplace(it->first, it->second);
        }
        m_.counters.push_back(std::move(s));
    }

  private:
    void run() {
        const std::int64_t epoch = clock_.toMonotonic(0);
        const timespec ts{static_cast<time_t>(epoch / 1'000'000'000),
                          static_cast<long>(epoch % 1'000'000'000)};
        while (!stop_ && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
        }
        std::int64_t nextCounters = kCounterSampleEvery.count();
        while (!stop_) {
            queues();
            if (clock_.sinceEpoch() >= nextCounters) {
                counters();
                nextCounters += kCounterSampleEvery.count();
            }
            std::this_thread::sleep_for(std::chrono::nanoseconds(kQueueSampleEvery.count()));
        }
    }
    void queues() {
        const LabResult<std::vector<ListeningSocket>> all = readListeningSockets();
        if (!all.ok()) return;
        const std::int64_t at = clock_.sinceEpoch();
        const std::lock_guard lock(mutex_);
        for (const ListeningSocket& s : all.value()) {
            if (s.port != port_) continue;
            for (std::size_t l = 0; l < inodes_.size(); ++l)
                if (inodes_[l] == s.inode)
                    m_.queues.push_back({at, static_cast<int>(l), s.recvQ, s.sendQ, 0});
        }
    }
    LabClock clock_;
    std::uint16_t port_;
    std::vector<std::uint64_t> inodes_;
    Measurement& m_;
    std::mutex mutex_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

std::vector<std::uint64_t> listenerInodes(const LabServer& server) {
    std::vector<std::uint64_t> out;
    for (int l = 0; l < server.listenerCount(); ++l) {
        struct stat st {};
        out.push_back(fstat(server.listenerFd(l), &st) == 0 ? st.st_ino : 0);
    }
    return out;
}

// Each clients entry on its own address, 192.0.2.10 + its index (LabPlan bounds the entries).
std::uint32_t entryAddress(std::size_t index) {
    return labServerAddress + 9 + static_cast<std::uint32_t>(index);
}

// The floods, each on a thread of its own from its start to its end (or the experiment's).
std::vector<std::thread> startFloods(const LabPlan& plan, const LabClock& clock, std::mutex& mutex,
                                     std::vector<std::string>& errors) {
    std::vector<std::thread> floods;
    for (const TrafficEntry& e : plan.scenario.traffic) {
        if (e.kind != TrafficEntry::Kind::Flood || e.flood.from.isNever()) continue;
        const Time to = std::min(e.flood.to, plan.end);
        if (to <= e.flood.from) continue;
        FloodOptions o;
        o.destinationPort = static_cast<std::uint16_t>(plan.scenario.server.port);
        o.sources = e.flood.routable ? routableSpoofedSources : unroutableSpoofedSources;
        o.ratePerSecond = static_cast<std::uint32_t>(e.flood.ratePerSecond);
        o.duration = std::chrono::milliseconds((to - e.flood.from).count() / 1'000'000);
        o.maxCount = static_cast<std::uint64_t>(LabLimits::maxFloodSyns);
        o.seed = plan.scenario.seed;
        const std::int64_t start = clock.toMonotonic(e.flood.from.count());
        floods.emplace_back([o, start, &mutex, &errors] {
            const timespec ts{static_cast<time_t>(start / 1'000'000'000),
                              static_cast<long>(start % 1'000'000'000)};
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
            const LabResult<FloodResult> r = sendFlood(o);
            if (!r.ok()) {
                const std::lock_guard lock(mutex);
                errors.push_back("a flood could not be sent: " + r.error());
            }
        });
    }
    return floods;
}

ClientDriverConfig clientConfig(const LabPlan& plan, const LabClock& clock, const LabFaultFilters& faults) {
    ClientDriverConfig c;
    c.serverAddress = labServerAddress;
    c.serverPort = static_cast<std::uint16_t>(plan.scenario.server.port);
    c.clock = clock;
    c.until = plan.end.count();
    for (std::size_t i = 0; i < plan.scenario.traffic.size(); ++i) {
        const TrafficEntry& e = plan.scenario.traffic[i];
        if (e.kind != TrafficEntry::Kind::Clients || e.clients.at.isNever()) continue;
        const std::optional<SocketFilter>& filter = faults.clientByEntry.at(i);
        c.entries.push_back({e.clients, static_cast<int>(i), e.clients.at.count(), entryAddress(i),
                             filter ? filter->fd() : -1});
    }
    return c;
}

// The scenario's faults as socket filters (LabFaults.h): the server's on every listener (the children
// accept() returns inherit it), the clients' handed to the driver. One that cannot be loaded is a warning
// naming the fault, and the run goes on without it; a loaded one that cannot be attached is an error.
LabResult<LabFaultFilters> faultFilters(const LabPlan& plan, const LabClock& clock, const LabServer& server,
                                        Measurement& m) {
    std::vector<std::uint32_t> addresses;
    for (std::size_t i = 0; i < plan.scenario.traffic.size(); ++i)
        addresses.push_back(entryAddress(i));
    LabFaultFilters faults = loadFaultFilters(plan.scenario, clock, addresses);
    m.warnings.insert(m.warnings.end(), faults.warnings.begin(), faults.warnings.end());
    if (faults.server)
        for (int l = 0; l < server.listenerCount(); ++l)
            if (const std::string why = faults.server->attach(server.listenerFd(l)); !why.empty())
                return LabError{"network.faults: the server's filter could not be attached to listener " +
                                std::to_string(l) + ": " + why};
    m.faultsReproduced = faults.reproduced;
    return faults;
}

void sleepUntil(const LabClock& clock, Time t) {
    const std::int64_t at = clock.toMonotonic(t.count());
    const timespec ts{static_cast<time_t>(at / 1'000'000'000), static_cast<long>(at % 1'000'000'000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
}

} // namespace

std::string kernelRelease() {
    utsname u{};
    return uname(&u) == 0 ? std::string(u.release) : std::string("unknown");
}

LabResult<Measurement> runExperimentHere(const LabPlan& plan) {
    if (const std::string why = refuseHostNamespace(); !why.empty()) return LabError{why};
    Measurement m;
    m.kernelRelease = kernelRelease();
    m.privilege = namespacePrivilege();
    m.warnings = plan.warnings;
    m.serverAddress = labServerAddress;
    m.serverPort = static_cast<std::uint16_t>(plan.scenario.server.port);
    m.workers = plan.scenario.server.workers.count;
    setSysctls(plan.scenario.kernel, m.warnings);
    std::vector<std::uint32_t> clients;
    for (std::size_t i = 0; i < plan.scenario.traffic.size(); ++i)
        if (plan.scenario.traffic[i].kind == TrafficEntry::Kind::Clients) clients.push_back(entryAddress(i));
    if (const LabResult<bool> net = setUpLabNetwork(clients); !net.ok())
        return LabError{"the experiment's network could not be set up: " + net.error()};

    // The epoch is set a little ahead: the capture's ring, the listeners and the threads are made before
    // it, so that a client due at 1 ms leaves at 1 ms, not after the set-up.
    LabClock clock = LabClock::now();
    clock.monotonicEpoch += kSetUpLead.count();
    clock.realtimeEpoch += kSetUpLead.count();
    CaptureOptions co;
    co.port = m.serverPort;
    LabResult<std::unique_ptr<Capture>> capture = Capture::start(clock, co);
    if (!capture.ok()) return LabError{"the capture could not start: " + capture.error()};
    LabServer::Config sc;
    sc.address = labServerAddress;
    sc.port = m.serverPort;
    sc.backlog = static_cast<int>(std::min<std::int64_t>(plan.scenario.server.backlog, 1 << 30));
    sc.listeners = plan.scenario.server.listeners;
    sc.workers = plan.scenario.server.workers;
    sc.seed = plan.scenario.seed;
    sc.clock = clock;
    sc.clientsSend =
        std::any_of(plan.scenario.traffic.begin(), plan.scenario.traffic.end(), [](const TrafficEntry& e) {
            return e.kind == TrafficEntry::Kind::Clients && e.clients.send;
        });
    LabResult<std::unique_ptr<LabServer>> server = LabServer::open(sc);
    if (!server.ok()) return LabError{"the server could not listen: " + server.error()};
    const LabResult<LabFaultFilters> faults = faultFilters(plan, clock, *server.value(), m);
    if (!faults.ok()) return LabError{faults.error()};
    Sampler sampler(clock, m.serverPort, listenerInodes(*server.value()), m);
    sampler.counters(); // before any traffic: the baseline every counter is measured from
    if (const std::string why = server.value()->start(); !why.empty()) m.warnings.push_back(why);
    std::mutex mutex;
    std::vector<std::string> errors;
    if (const std::int64_t late = clock.sinceEpoch(); late > 0)
        m.warnings.push_back("the experiment's set-up took " + formatDuration(Time::ns(late)) +
                             " longer than planned: what was due before then started late");
    std::vector<std::thread> floods = startFloods(plan, clock, mutex, errors);
    LabResult<std::vector<ClientMeasurement>> ran = runClients(clientConfig(plan, clock, faults.value()));
    sleepUntil(clock, plan.end); // the clients may be done early; the kernel's timers go on to the end
    for (std::thread& f : floods)
        f.join();
    const LabServer::Records records = server.value()->stop();
    sampler.stop();
    sampler.counters();
    LabResult<CaptureResult> captured = capture.value()->stop();
    if (!ran.ok()) return LabError{"the clients could not run: " + ran.error()};
    if (!captured.ok()) return LabError{"the capture failed: " + captured.error()};
    if (!errors.empty()) return LabError{errors.front()};
    m.duration = clock.sinceEpoch();
    m.clients = std::move(ran.value());
    m.accepts = records.accepts;
    m.wakeups = records.wakeups;
    m.segments = std::move(captured.value().segments);
    m.captureDrops = captured.value().drops + captured.value().notKept;
    return m;
}

LabResult<Measurement> runExperiment(const LabPlan& plan) {
    const auto timeout = std::chrono::milliseconds((plan.end + Time::s(30)).count() / 1'000'000);
    std::string failure;
    const NamespaceRun run = runInNetworkNamespace(
        [&]() -> std::string {
            const LabResult<Measurement> m = runExperimentHere(plan);
            if (!m.ok()) return "error: " + m.error();
            // JSON begins with '{', so the parent never takes it for an "error: ".
            const LabResult<std::string> text = serialiseMeasurement(m.value());
            return text.ok() ? text.value() : "error: " + text.error();
        },
        timeout);
    if (run.outcome == NamespaceRun::Outcome::Unavailable)
        return LabError{"the lab cannot run here: " + run.reason};
    if (run.outcome == NamespaceRun::Outcome::Failed) return LabError{"the experiment failed: " + run.reason};
    if (run.output.rfind("error: ", 0) == 0) return LabError{run.output.substr(7)};
    return parseMeasurement(run.output);
}

} // namespace backlog::lab
