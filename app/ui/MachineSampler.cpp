#include "app/ui/MachineSampler.h"

#include <utility>

namespace backlog::app {

MachineReading readThisMachine() {
    MachineReading r;
    r.listeners = lab::readListeningSockets();
    r.counters = lab::readKernelCounters();
    r.sysctls = lab::readSysctls();
    return r;
}

ListenerKey ListenerKey::of(const lab::ListeningSocket& socket) {
    return {socket.localAddress, socket.port, socket.inode};
}

const std::vector<std::string>& MachineSampler::watchedCounters() {
    // Overflows and drops first (what a full queue does, M5, M16), then the cookie path (S1, S6, K1), then
    // the handshakes around them.
    static const std::vector<std::string> names{
        "TcpExtListenOverflows",  "TcpExtListenDrops",
        "TcpExtTCPReqQFullDrop",  "TcpExtTCPReqQFullDoCookies",
        "TcpExtSyncookiesSent",   "TcpExtSyncookiesRecv",
        "TcpExtSyncookiesFailed", "TcpExtTCPSynRetrans",
        "TcpPassiveOpens",        "TcpActiveOpens",
        "TcpAttemptFails",        "TcpCurrEstab",
    };
    return names;
}

bool MachineSampler::isGauge(std::string_view counter) {
    return counter == "TcpCurrEstab";
}

MachineSampler::MachineSampler(MachineReader reader, std::int64_t keep)
    : reader_(std::move(reader)), keep_(keep) {
}

void MachineSampler::sample(std::int64_t at) {
    latest_ = reader_ ? reader_() : MachineReading{};
    latestAt_ = at;
    ++samples_;
    takeCounters(at);
    takeFollowed(at);
    forgetBefore(at - keep_);
}

void MachineSampler::restart() {
    latest_ = MachineReading{};
    latestAt_ = 0;
    samples_ = 0;
    previous_.clear();
    counters_.clear();
    rates_.clear();
    followedNow_.reset();
    queue_.clear();
}

void MachineSampler::takeCounters(std::int64_t at) {
    counters_.clear();
    // A failed read keeps the previous values: the next good one gives the mean over the whole interval.
    if (!latest_.counters.ok()) return;
    const lab::KernelCounterValues& values = latest_.counters.value();
    for (const std::string& name : watchedCounters()) {
        const auto it = values.find(name);
        if (it == values.end()) {
            // Gone from the kernel's files (or never there): when it comes back, its first reading is a
            // new start, not an increase since long ago.
            previous_.erase(name);
            continue;
        }
        Counter c{name, it->second, std::nullopt, false};
        if (!isGauge(name)) {
            const auto before = previous_.find(name);
            if (before != previous_.end() && at > before->second.at) {
                if (c.total < before->second.value) {
                    c.wentBackwards = true;
                } else {
                    c.perSecond = static_cast<double>(c.total - before->second.value) * 1e9 /
                                  static_cast<double>(at - before->second.at);
                    rates_[name].push_back({at, *c.perSecond});
                }
            }
            previous_[name] = Previous{at, c.total};
        }
        counters_.push_back(std::move(c));
    }
}

void MachineSampler::takeFollowed(std::int64_t at) {
    followedNow_.reset();
    if (!followed_ || !latest_.listeners.ok()) return;
    for (const lab::ListeningSocket& s : latest_.listeners.value()) {
        if (ListenerKey::of(s) != *followed_) continue;
        followedNow_ = s;
        queue_.push_back({at, s.recvQ, s.sendQ});
        return;
    }
}

void MachineSampler::forgetBefore(std::int64_t at) {
    for (auto it = rates_.begin(); it != rates_.end();) {
        std::deque<RatePoint>& points = it->second;
        while (!points.empty() && points.front().at < at)
            points.pop_front();
        it = points.empty() ? rates_.erase(it) : std::next(it);
    }
    while (!queue_.empty() && queue_.front().at < at)
        queue_.pop_front();
}

const std::deque<MachineSampler::RatePoint>& MachineSampler::rateHistory(std::string_view counter) const {
    static const std::deque<RatePoint> none;
    const auto it = rates_.find(counter);
    return it == rates_.end() ? none : it->second;
}

void MachineSampler::follow(std::optional<ListenerKey> listener) {
    if (listener == followed_) return;
    followed_ = std::move(listener);
    queue_.clear();
    followedNow_.reset();
    if (samples_ > 0) takeFollowed(latestAt_);
}

} // namespace backlog::app
