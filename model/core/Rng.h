// The model's one source of randomness: xoshiro256** seeded through splitmix64, with the project's own
// distributions. Standard-library distributions differ between implementations; these use only integer
// arithmetic and correctly rounded IEEE operations, so a seed gives the same run on every compiler.
#pragma once

#include "model/core/Time.h"

#include <array>
#include <cstdint>

namespace backlog {

class Rng {
  public:
    explicit Rng(std::uint64_t seed = 1);

    std::uint64_t next();
    // Uniform in [0, n), without modulo bias (Lemire's multiply-and-reject).
    std::uint64_t below(std::uint64_t n);
    // Uniform in [0, 1) with 53 random bits.
    double unit();
    // True with probability ppm / 1,000,000.
    bool chancePpm(std::uint32_t ppm);
    // Exponentially distributed duration with the given mean, rounded to whole nanoseconds.
    Time exponential(Time mean);

  private:
    std::array<std::uint64_t, 4> s_{};
};

// Natural logarithm from + − × ÷ only (no libm), exact to a few ulps and identical everywhere.
double portableLog(double x);

// A keyed, stateless 64-bit mix (splitmix64's finaliser): derives per-object values such as a spoofed
// source address from (seed, index) without drawing from the generator.
std::uint64_t mix64(std::uint64_t x);

} // namespace backlog
