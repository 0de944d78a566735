// Simulated time: a signed 64-bit count of nanoseconds (DESIGN.md "integer nanoseconds").
// One type serves for instants and durations; the model never uses floating point for time.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
// After the others: moc (Qt 6.4) fails to parse <compare> when it is the first standard header it meets.
#include <compare>

namespace backlog {

class Time {
  public:
    constexpr Time() = default;
    static constexpr Time ns(std::int64_t v) { return Time(v); }
    static constexpr Time us(std::int64_t v) { return Time(v * 1'000); }
    static constexpr Time ms(std::int64_t v) { return Time(v * 1'000'000); }
    static constexpr Time s(std::int64_t v) { return Time(v * 1'000'000'000); }
    static constexpr Time never() { return Time(std::numeric_limits<std::int64_t>::max()); }

    constexpr std::int64_t count() const { return v_; }
    constexpr bool isNever() const { return v_ == std::numeric_limits<std::int64_t>::max(); }

    constexpr auto operator<=>(const Time&) const = default;
    constexpr Time operator+(Time o) const { return Time(v_ + o.v_); }
    constexpr Time operator-(Time o) const { return Time(v_ - o.v_); }
    constexpr Time& operator+=(Time o) {
        v_ += o.v_;
        return *this;
    }
    constexpr Time& operator-=(Time o) {
        v_ -= o.v_;
        return *this;
    }
    constexpr Time operator*(std::int64_t k) const { return Time(v_ * k); }
    constexpr Time operator/(std::int64_t k) const { return Time(v_ / k); }

  private:
    constexpr explicit Time(std::int64_t v) : v_(v) {}
    std::int64_t v_ = 0;
};

// "1.034s", "40us", "0s": the shortest exact spelling, used in reports and messages.
std::string formatDuration(Time t);
// "325 ms", "1.52 s", "40 µs", "0 s": three significant digits with a space before the unit, as a person
// reads a duration (an inspector, a dock); rounded half up, so it is for showing, never for files.
std::string readableDuration(Time t);
// Seconds with nine decimals ("1.034000000"), computed from integers so every compiler agrees.
std::string formatSeconds(Time t);
// The same without trailing zeros ("1.034", "0", "300"): for JSON, messages and labels.
std::string formatSecondsTrimmed(Time t);

} // namespace backlog
