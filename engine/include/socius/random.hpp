// Counter-based random streams (Philox4x32-10, Salmon et al. 2011, "Parallel random numbers:
// as easy as 1, 2, 3"). A stream is a pure function of (seed, step, agent, purpose): any thread
// can draw agent a's numbers for step t without shared state, so results never depend on the
// number of threads or on the order in which work is scheduled.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace socius {

/// The Philox4x32 block function with 10 rounds: encrypts a 128-bit counter under a 64-bit key.
/// Exposed for the known-answer tests; models use `Stream`.
/// Inline: every agent's stream calls it for each four 32-bit draws, and a call across
/// translation units cost about a tenth of a community-model step.
inline std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> c,
                                                  std::array<std::uint32_t, 2> k) noexcept {
  constexpr std::uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // multipliers
  constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // Weyl key increments
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = static_cast<std::uint64_t>(kM0) * c[0];
    const std::uint64_t p1 = static_cast<std::uint64_t>(kM1) * c[2];
    c = {static_cast<std::uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<std::uint32_t>(p1),
         static_cast<std::uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<std::uint32_t>(p0)};
    k[0] += kW0;
    k[1] += kW1;
  }
  return c;
}

/// Named purposes keep the streams of different mechanisms independent. Models define their own
/// values (any 32-bit number); the engine reserves values from 0xFFFF0000 upwards.
using Purpose = std::uint32_t;

/// A stream of random numbers for one (seed, step, agent, purpose). Cheap to construct (no
/// state beyond 32 bytes); draw as many numbers as needed, each successive block of four 32-bit
/// outputs uses the next counter value.
class Stream {
 public:
  Stream(std::uint64_t seed, std::uint32_t step, std::uint32_t agent, Purpose purpose) noexcept
      : key_{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)},
        ctr_{step, agent, purpose, 0} {}

  /// Next 32 uniformly distributed bits.
  std::uint32_t next_u32() noexcept {
    if (used_ == 4) refill();
    return block_[used_++];
  }

  /// Uniform double in [0, 1) with 53 random bits.
  double uniform() noexcept {
    const std::uint64_t hi = next_u32() >> 5;  // 27 bits
    const std::uint64_t lo = next_u32() >> 6;  // 26 bits
    return static_cast<double>((hi << 26) | lo) * 0x1.0p-53;
  }

  /// True with probability p. p <= 0 is never true and p >= 1 always true, exactly.
  bool bernoulli(double p) noexcept { return p >= 1.0 || (p > 0.0 && uniform() < p); }

  /// Uniform integer in [0, n), n > 0, without modulo bias (Lemire 2019).
  std::uint32_t below(std::uint32_t n) noexcept {
    std::uint64_t m = static_cast<std::uint64_t>(next_u32()) * n;
    auto low = static_cast<std::uint32_t>(m);
    if (low < n) {
      const std::uint32_t threshold = (0u - n) % n;
      while (low < threshold) {
        m = static_cast<std::uint64_t>(next_u32()) * n;
        low = static_cast<std::uint32_t>(m);
      }
    }
    return static_cast<std::uint32_t>(m >> 32);
  }

  /// Exponential variate with mean 1.
  double exponential() noexcept { return -std::log1p(-uniform()); }

  /// Standard normal variate (Box-Muller; one value per call, so the stream position does not
  /// depend on earlier calls' parity).
  double normal() noexcept;

  /// Poisson variate with the given mean (mean <= 0 gives 0). Inversion below mean 10, the
  /// PTRS transformed-rejection method of Hormann (1993) above.
  std::uint32_t poisson(double mean) noexcept;

 private:
  void refill() noexcept {
    block_ = philox4x32_10(ctr_, key_);
    ++ctr_[3];
    used_ = 0;
  }

  std::array<std::uint32_t, 2> key_;
  std::array<std::uint32_t, 4> ctr_;
  std::array<std::uint32_t, 4> block_{};
  unsigned used_ = 4;
};

/// Derives an independent 64-bit seed from a parent seed and an index (SplitMix64 finaliser),
/// e.g. replicate r of a comparison, or design point i of a sweep.
std::uint64_t derive_seed(std::uint64_t parent, std::uint64_t index) noexcept;

}  // namespace socius
