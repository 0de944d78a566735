#include "views/document/PlaybackClock.h"

#include "model/history/History.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

namespace backlog::views {

namespace {

using Factor = PlaybackClock::Factor;

constexpr std::array<Factor, 11> kLinearLadder{{
    {1, 10'000},
    {1, 1'000},
    {1, 100},
    {1, 10},
    {1, 4},
    {1, 2},
    {1, 1},
    {2, 1},
    {5, 1},
    {10, 1},
    {100, 1},
}};
constexpr std::array<Factor, 6> kPacedLadder{{{1, 4}, {1, 2}, {1, 1}, {2, 1}, {5, 1}, {10, 1}}};

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

bool less(Factor a, Factor b) {
    return a.num * b.den < b.num * a.den;
}

// a × b / c for a, b ≥ 0 and c > 0, rounded down or up, saturated at the largest int64.
std::int64_t mulDiv(std::int64_t a, std::int64_t b, std::int64_t c, bool roundUp) {
#if defined(__SIZEOF_INT128__)
    __extension__ typedef __int128 Wide;
    const Wide product = static_cast<Wide>(a) * static_cast<Wide>(b);
    const Wide q = (product + (roundUp ? static_cast<Wide>(c - 1) : Wide(0))) / c;
    return q > static_cast<Wide>(kInt64Max) ? kInt64Max : static_cast<std::int64_t>(q);
#else
    using Long = long double;
    const Long q = static_cast<Long>(a) * static_cast<Long>(b) / static_cast<Long>(c);
    const Long r = roundUp ? std::ceil(q) : std::floor(q);
    return r >= static_cast<Long>(kInt64Max) ? kInt64Max : static_cast<std::int64_t>(r);
#endif
}

Factor normalized(Factor f, Factor lo, Factor hi) {
    if (f.den <= 0 || f.num <= 0) return lo;
    if (f.num / f.den >= 1'000'000) return hi;
    if (f.den / f.num >= 1'000'000) return lo;
    // Within a factor of a million of 1: a denominator of at most a million keeps the cross products of
    // less() small, and loses nothing for the ladders' factors.
    if (f.den > 1'000'000) f = {std::max<std::int64_t>(1, mulDiv(f.num, 1'000'000, f.den, false)), 1'000'000};
    const std::int64_t g = std::gcd(f.num, f.den);
    f = {f.num / g, f.den / g};
    if (less(f, lo)) return lo;
    if (less(hi, f)) return hi;
    return f;
}

// from + step without overflow, and never past `limit` (limit ≥ from).
Time stepTo(Time from, std::int64_t step, Time limit) {
    step = std::max<std::int64_t>(step, 1);
    if (step >= (limit - from).count()) return limit;
    return from + Time::ns(step);
}

template <std::size_t N> bool climb(const std::array<Factor, N>& ladder, Factor& current, bool up) {
    if (up) {
        for (const Factor& f : ladder) {
            if (less(current, f)) {
                current = f;
                return true;
            }
        }
    } else {
        for (auto it = ladder.rbegin(); it != ladder.rend(); ++it) {
            if (less(*it, current)) {
                current = *it;
                return true;
            }
        }
    }
    return false;
}

} // namespace

void PlaybackClock::setLinearSpeed(Factor f) {
    linearSpeed_ = normalized(f, kMinLinearSpeed, kMaxLinearSpeed);
}
void PlaybackClock::setPacedTempo(Factor f) {
    pacedTempo_ = normalized(f, kMinPacedTempo, kMaxPacedTempo);
}

bool PlaybackClock::faster() {
    return mode_ == Mode::Linear ? climb(kLinearLadder, linearSpeed_, true)
                                 : climb(kPacedLadder, pacedTempo_, true);
}

bool PlaybackClock::slower() {
    return mode_ == Mode::Linear ? climb(kLinearLadder, linearSpeed_, false)
                                 : climb(kPacedLadder, pacedTempo_, false);
}

Time PlaybackClock::advance(Time from, std::int64_t wallNanoseconds, const History& h) const {
    if (from >= h.end || wallNanoseconds <= 0) return from;
    if (mode_ == Mode::Paced) return advancePaced(from, wallNanoseconds, h);
    const std::int64_t step = mulDiv(wallNanoseconds, linearSpeed_.num, linearSpeed_.den, false);
    if (step == 0) return from; // a sliver of wall time at a slow speed: nothing to show yet
    return stepTo(from, step, h.end);
}

Time PlaybackClock::advancePaced(Time from, std::int64_t wall, const History& h) const {
    // The segment [start, stop) holding `from`: no send or arrival inside it, so neither the packets in
    // flight nor the rate change within it, and the step ends on `stop` at the latest.
    const Time next = h.nextMoment(from);
    const Time stop = next.isNever() || next > h.end ? h.end : next;

    std::int64_t shortestFlight = kInt64Max;
    for (const std::uint32_t i : h.packetsInFlight(from)) {
        const Packet p = h.packet(i);
        shortestFlight = std::min(shortestFlight, (p.arrives - p.sent).count());
    }
    if (shortestFlight != kInt64Max) {
        // rate = shortest flight × tempo / 0.8 s, rounded down: a flight never takes less than 0.8 s.
        const std::int64_t step =
            mulDiv(wall, shortestFlight * pacedTempo_.num, kPacedFlightWallNs * pacedTempo_.den, false);
        return stepTo(from, step, stop);
    }

    // A quiet gap, from the last moment before `stop` (0 before the first one) to `stop`.
    const Time previous = h.previousMoment(stop);
    const Time start = previous >= stop ? Time() : std::min(previous, from);
    const Time gap = stop - start;
    const std::int64_t gapWall =
        std::max<std::int64_t>(1, mulDiv(quietGapWallNs(gap), pacedTempo_.den, pacedTempo_.num, false));
    // rate = G / W(G), rounded up: the gap never takes longer than W(G) (plus the frame it ends in).
    return stepTo(from, mulDiv(wall, gap.count(), gapWall, true), stop);
}

std::int64_t PlaybackClock::quietGapWallNs(Time gap) {
    if (gap <= Time()) return 0;
    const double knee = static_cast<double>(kPacedGapKnee.count());
    const double share = std::log1p(static_cast<double>(gap.count()) / knee) /
                         std::log1p(static_cast<double>(kPacedGapFull.count()) / knee);
    const double wall = static_cast<double>(kPacedGapWallNs) * std::min(1.0, share);
    return std::clamp<std::int64_t>(std::llround(wall), 1, kPacedGapWallNs);
}

Time PlaybackClock::stepForward(Time t, const History& h) {
    if (t >= h.end) return h.end;
    const Time next = h.nextMoment(t);
    return next.isNever() || next > h.end ? h.end : next;
}

Time PlaybackClock::stepBackward(Time t, const History& h) {
    t = std::min(t, h.end);
    const Time previous = h.previousMoment(t);
    return previous >= t ? Time() : previous;
}

QString PlaybackClock::factorText(Factor f) {
    if (f.den == 1) return QStringLiteral("×%1").arg(f.num);
    return QStringLiteral("×%1/%2").arg(f.num).arg(f.den);
}

QString PlaybackClock::description() const {
    if (mode_ == Mode::Linear) return QStringLiteral("linear ") + factorText(linearSpeed_);
    if (pacedTempo_ == Factor{1, 1}) return QStringLiteral("paced");
    return QStringLiteral("paced ") + factorText(pacedTempo_);
}

} // namespace backlog::views
