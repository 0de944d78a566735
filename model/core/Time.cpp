#include "model/core/Time.h"

#include <array>
#include <cstdlib>

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
