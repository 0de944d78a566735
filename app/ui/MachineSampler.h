// What the "This machine" dock (issue 14, "Observe this machine") keeps between two reads of the kernel:
// the latest reading, each listen-related counter's rate per second computed from successive readings,
// the last few minutes of those rates, and the accept queue of one listener being followed. Plain C++ on
// the lab's types, no Qt and no clock of its own: a reader function and the time of each sample are
// given, so tests feed fixed values and times and no kernel is needed. Read-only like the lab: reading
// the machine changes nothing on it.
#pragma once

#include "app/lab/KernelCounters.h"
#include "app/lab/LabResult.h"
#include "app/lab/ListeningSockets.h"
#include "app/lab/Sysctls.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace backlog::app {

// One read of the machine: each part is a value or the lab's error, independently (a machine may let
// netlink be read and not /proc, or the reverse).
struct MachineReading {
    lab::LabResult<std::vector<lab::ListeningSocket>> listeners = lab::LabError{"not read yet"};
    lab::LabResult<lab::KernelCounterValues> counters = lab::LabError{"not read yet"};
    lab::LabResult<std::vector<lab::Sysctl>> sysctls = lab::LabError{"not read yet"};
};
using MachineReader = std::function<MachineReading()>;

// The real reads, of the network namespace Backlog runs in: sock_diag, /proc/net, /proc/sys.
MachineReading readThisMachine();

// A listener as `ss -lnt` names it (address and port), and which socket it is: the inode tells it from
// a later listener on the same address and port, which is another socket with a queue of its own.
struct ListenerKey {
    std::string localAddress;
    std::uint16_t port = 0;
    std::uint64_t inode = 0;
    static ListenerKey of(const lab::ListeningSocket& socket);
    friend bool operator==(const ListenerKey&, const ListenerKey&) = default;
};

class MachineSampler {
  public:
    static constexpr std::int64_t kSecond = 1'000'000'000;
    static constexpr std::int64_t kFiveMinutes = 300 * kSecond;

    // The counters about listen queues, in the order shown (KERNEL.md section 4); a kernel shows those it
    // has.
    static const std::vector<std::string>& watchedCounters();
    // A level (connections established now), not a count of events: it has no rate.
    static bool isGauge(std::string_view counter);

    struct RatePoint {
        std::int64_t at = 0;
        double perSecond = 0; // the mean over the interval that ends at `at`
    };
    struct QueuePoint {
        std::int64_t at = 0;
        std::uint32_t recvQ = 0; // the accept queue (M1)
        std::uint32_t sendQ = 0; // the backlog (M1)
    };
    struct Counter {
        std::string name;
        std::int64_t total = 0;
        // Empty on the first reading of it, for a gauge, and when it went backwards.
        std::optional<double> perSecond;
        // Lower than at the reading before: reset (or wrapped). No rate is made up for that interval.
        bool wentBackwards = false;
    };

    explicit MachineSampler(MachineReader reader, std::int64_t keep = kFiveMinutes);
    // From the next sample on (tests of the dock).
    void setReader(MachineReader reader) { reader_ = std::move(reader); }

    // Reads the machine once. `at` is nanoseconds on a clock that does not go backwards (the dock's
    // steady clock; a test's own numbers). A counter's rate is its increase since the last reading that
    // had it, over the time between: a failed read in between widens the interval, it does not make a
    // rate of zero.
    void sample(std::int64_t at);
    // Sampling paused (the dock was hidden): forgets the readings and the histories, so that no rate and
    // no line spans a time nobody looked.
    void restart();

    const MachineReading& latest() const { return latest_; }
    std::int64_t latestAt() const { return latestAt_; }
    int samples() const { return samples_; } // since the last restart()
    std::int64_t keep() const { return keep_; }

    // The watched counters of the latest reading that the kernel has (none when the read failed).
    const std::vector<Counter>& counters() const { return counters_; }
    // The rates of the last `keep` nanoseconds, oldest first; empty for a gauge or an unknown name.
    const std::deque<RatePoint>& rateHistory(std::string_view counter) const;

    // Follows one listener's queue from now on (nothing: follow none). Another listener starts a new history.
    void follow(std::optional<ListenerKey> listener);
    const std::optional<ListenerKey>& followed() const { return followed_; }
    // The followed listener in the latest reading; empty when it is gone, or the read failed.
    const std::optional<lab::ListeningSocket>& followedNow() const { return followedNow_; }
    const std::deque<QueuePoint>& queueHistory() const { return queue_; }

  private:
    struct Previous {
        std::int64_t at = 0;
        std::int64_t value = 0;
    };
    void takeCounters(std::int64_t at);
    void takeFollowed(std::int64_t at);
    void forgetBefore(std::int64_t at);

    MachineReader reader_;
    std::int64_t keep_;
    MachineReading latest_;
    std::int64_t latestAt_ = 0;
    int samples_ = 0;
    std::map<std::string, Previous, std::less<>> previous_;
    std::vector<Counter> counters_;
    std::map<std::string, std::deque<RatePoint>, std::less<>> rates_;
    std::optional<ListenerKey> followed_;
    std::optional<lab::ListeningSocket> followedNow_;
    std::deque<QueuePoint> queue_;
};

} // namespace backlog::app
