// Kernel timers fire late (KERNEL.md M11): a timer armed for `delay` jiffies lands in a bucket of the
// timer wheel whose granularity grows with the delay (8^level jiffies), and fires at that bucket's
// boundary. Timers due in the same tick fire highest level first, and newest first within a bucket.
#pragma once

#include "model/core/Time.h"

#include <cstdint>

namespace backlog {

class TimerWheel {
  public:
    // `jiffiesAtZero`: the jiffies counter at simulated time 0 (the machine's uptime, seeded).
    TimerWheel(int hz, std::uint64_t jiffiesAtZero);

    struct Expiry {
        Time at;   // when the timer fires
        int level; // wheel level, for the firing order within a tick
    };
    // A timer armed at `now` to expire `delay` jiffies later (mod_timer(jiffies + delay)).
    Expiry arm(Time now, std::uint64_t delay) const;

    std::uint64_t jiffiesAt(Time t) const;
    Time timeOfJiffy(std::uint64_t j) const; // the first instant at which jiffies == j
    std::uint64_t jiffiesFor(Time d) const;  // a duration in jiffies, rounded up (msecs_to_jiffies)
    int hz() const { return hz_; }

  private:
    int hz_;
    std::uint64_t j0_;
};

} // namespace backlog
