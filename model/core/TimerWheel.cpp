#include "model/core/TimerWheel.h"

namespace backlog {

namespace {
// kernel/time/timer.c: LVL_CLK_SHIFT 3, LVL_SIZE 64; 9 levels when HZ > 100, else 8.
constexpr unsigned kClkShift = 3;
constexpr std::uint64_t kLevelSize = 64;
constexpr std::uint64_t levelStart(unsigned n) {
    return (kLevelSize - 1) << ((n - 1) * kClkShift);
}
} // namespace

TimerWheel::TimerWheel(int hz, std::uint64_t jiffiesAtZero) : hz_(hz), j0_(jiffiesAtZero) {
}

std::uint64_t TimerWheel::jiffiesAt(Time t) const {
    // floor(t · hz / 10^9), split so that no run length can overflow 64 bits.
    const std::int64_t ns = t.count();
    return j0_ +
           static_cast<std::uint64_t>(ns / 1'000'000'000 * hz_ + (ns % 1'000'000'000) * hz_ / 1'000'000'000);
}

Time TimerWheel::timeOfJiffy(std::uint64_t j) const {
    const auto k = static_cast<std::int64_t>(j - j0_);
    // ceil(k · 10^9 / hz), split to stay inside 64 bits for any run length we allow.
    const std::int64_t whole = k / hz_ * 1'000'000'000;
    const std::int64_t rest = (k % hz_) * 1'000'000'000;
    return Time::ns(whole + (rest + hz_ - 1) / hz_);
}

std::uint64_t TimerWheel::jiffiesFor(Time d) const {
    const std::int64_t ns = d.count();
    const std::int64_t whole = ns / 1'000'000'000 * hz_;
    const std::int64_t rest = (ns % 1'000'000'000) * hz_;
    return static_cast<std::uint64_t>(whole + (rest + 999'999'999) / 1'000'000'000);
}

TimerWheel::Expiry TimerWheel::arm(Time now, std::uint64_t delay) const {
    // calc_wheel_index(): the level is chosen by the delay, then the expiry is rounded up to the
    // next boundary of that level's granularity (calc_index: (expires >> shift) + 1 << shift).
    const std::uint64_t clk = jiffiesAt(now);
    const std::uint64_t expires = clk + delay;
    const unsigned depth = hz_ > 100 ? 9 : 8;
    unsigned level = 0;
    while (level + 1 < depth && delay >= levelStart(level + 1))
        ++level;
    const unsigned shift = level * kClkShift;
    const std::uint64_t bucket = ((expires >> shift) + 1) << shift;
    return {timeOfJiffy(bucket), static_cast<int>(level)};
}

} // namespace backlog
