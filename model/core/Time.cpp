#include "model/core/Time.h"

#include <array>
#include <cstdlib>
#include <limits>

namespace backlog {

std::string formatDuration(Time t) {
    struct Unit {
        std::int64_t ns;
        const char* name;
    };
    static constexpr std::array<Unit, 5> units{
        {{60'000'000'000, "min"}, {1'000'000'000, "s"}, {1'000'000, "ms"}, {1'000, "us"}, {1, "ns"}}};
    const std::int64_t v = t.count();
    if (v == 0) return "0s";
    const std::string sign = v < 0 ? "-" : "";
    const std::int64_t a = std::llabs(v);
    // The largest unit that shows the value with at most three decimals, exactly.
    for (const Unit& u : units) {
        if (u.ns > a && u.ns != 1) continue;
        if (a % u.ns == 0) return sign + std::to_string(a / u.ns) + u.name;
        if (u.ns >= 1000 && (a * 1000) % u.ns == 0 && u.ns != 60'000'000'000) {
            const std::int64_t milli = a * 1000 / u.ns;
            std::string frac = std::to_string(milli % 1000);
            frac.insert(0, 3 - frac.size(), '0');
            while (frac.back() == '0')
                frac.pop_back();
            return sign + std::to_string(milli / 1000) + "." + frac + u.name;
        }
    }
    return sign + std::to_string(a) + "ns";
}

namespace {

__extension__ typedef __int128 Wide; // a × 100 can pass 2^63

// `a` ns in `unit` with three significant digits: hundredths of the unit, rounded half up, then to as
// many decimals as three digits leave.
Wide roundedHundredths(std::int64_t a, std::int64_t unit) {
    const Wide hundredths = (static_cast<Wide>(a) * 100 + unit / 2) / unit;
    const int step = hundredths >= 10'000 ? 100 : hundredths >= 1'000 ? 10 : 1;
    return (hundredths + step / 2) / step * step;
}

} // namespace

std::string readableDuration(Time t) {
    struct Unit {
        std::int64_t ns;
        const char* name;
    };
    static constexpr std::array<Unit, 4> units{
        {{1'000'000'000, "s"}, {1'000'000, "ms"}, {1'000, "\u00b5s"}, {1, "ns"}}};
    const std::int64_t v = t.count();
    if (v == 0) return "0 s";
    const std::string sign = v < 0 ? "-" : "";
    const std::int64_t a = v == std::numeric_limits<std::int64_t>::min()
                               ? std::numeric_limits<std::int64_t>::max()
                               : std::llabs(v);
    std::size_t i = 0;
    while (i + 1 < units.size() && a < units[i].ns)
        ++i;
    Wide shown = roundedHundredths(a, units[i].ns);
    // 999.6 ms shows as "1 s", not "1000 ms".
    if (shown >= 100'000 && i > 0) shown = roundedHundredths(a, units[--i].ns);
    std::string text = std::to_string(static_cast<std::int64_t>(shown / 100));
    if (const auto frac = static_cast<int>(shown % 100); frac != 0) {
        text += '.';
        text += static_cast<char>('0' + frac / 10);
        if (frac % 10 != 0) text += static_cast<char>('0' + frac % 10);
    }
    return sign + text + " " + units[i].name;
}

std::string formatSeconds(Time t) {
    const std::int64_t v = t.count();
    const std::int64_t a = std::llabs(v);
    std::string frac = std::to_string(a % 1'000'000'000);
    frac.insert(0, 9 - frac.size(), '0');
    return (v < 0 ? "-" : "") + std::to_string(a / 1'000'000'000) + "." + frac;
}

std::string formatSecondsTrimmed(Time t) {
    std::string s = formatSeconds(t); // always has a '.', so trimming stops there
    while (s.back() == '0')
        s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
}

} // namespace backlog
