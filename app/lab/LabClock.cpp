// The experiment's clocks (Measurement.h LabClock): read on this machine, so in the Linux lab, not in the
// records a measured run is opened from anywhere.
#include "app/lab/Measurement.h"

#include <ctime>

namespace backlog::lab {

namespace {

std::int64_t clockNs(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

} // namespace

LabClock LabClock::now() {
    LabClock c;
    c.monotonicEpoch = clockNs(CLOCK_MONOTONIC);
    c.realtimeEpoch = clockNs(CLOCK_REALTIME);
    return c;
}

std::int64_t LabClock::sinceEpoch() const {
    return clockNs(CLOCK_MONOTONIC) - monotonicEpoch;
}

} // namespace backlog::lab
