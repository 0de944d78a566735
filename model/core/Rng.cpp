#include "model/core/Rng.h"

namespace backlog {

std::uint64_t mix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

Rng::Rng(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& word : s_) {
        word = mix64(x);
        x += 0x9e3779b97f4a7c15ULL;
    }
}

static std::uint64_t rotl(std::uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

std::uint64_t Rng::next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

namespace {
// The full 128-bit product of two 64-bit words, portably (no __int128 on every compiler).
void multiply(std::uint64_t a, std::uint64_t b, std::uint64_t& hi, std::uint64_t& lo) {
    const std::uint64_t aLo = a & 0xFFFFFFFFu, aHi = a >> 32, bLo = b & 0xFFFFFFFFu, bHi = b >> 32;
    const std::uint64_t ll = aLo * bLo, lh = aLo * bHi, hl = aHi * bLo, hh = aHi * bHi;
    const std::uint64_t mid = (ll >> 32) + (lh & 0xFFFFFFFFu) + (hl & 0xFFFFFFFFu);
    lo = (mid << 32) | (ll & 0xFFFFFFFFu);
    hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}
} // namespace

std::uint64_t Rng::below(std::uint64_t n) {
    if (n == 0) return 0;
    std::uint64_t hi = 0, lo = 0;
    multiply(next(), n, hi, lo);
    if (lo < n) {
        const std::uint64_t threshold = (0 - n) % n;
        while (lo < threshold)
            multiply(next(), n, hi, lo);
    }
    return hi;
}

double Rng::unit() {
    return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

bool Rng::chancePpm(std::uint32_t ppm) {
    return ppm != 0 && below(1'000'000) < ppm;
}

Time Rng::exponential(Time mean) {
    const double u = 1.0 - unit(); // (0, 1]
    const double v = -portableLog(u) * static_cast<double>(mean.count());
    return Time::ns(static_cast<std::int64_t>(v + 0.5));
}

double portableLog(double x) {
    if (!(x > 0.0)) return 0.0;
    // x = m · 2^e with m in [1, 2): scaling by powers of two is exact.
    int e = 0;
    while (x >= 2.0) {
        x *= 0.5;
        ++e;
    }
    while (x < 1.0) {
        x *= 2.0;
        --e;
    }
    // ln m = 2·atanh(z), z = (m − 1)/(m + 1) ≤ 1/3: the series converges fast.
    const double z = (x - 1.0) / (x + 1.0);
    const double z2 = z * z;
    double term = z;
    double sum = 0.0;
    for (int k = 1; k < 60; k += 2) {
        sum += term / k;
        term *= z2;
    }
    constexpr double ln2 = 0.6931471805599453094;
    return 2.0 * sum + e * ln2;
}

} // namespace backlog
