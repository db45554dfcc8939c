// Sorting a few doubles without branches: Batcher's odd-even merge sort as a fixed sorting
// network (Knuth, TAOCP vol. 3, 5.3.4). A model that sorts a handful of random draws in a hot loop
// (the community model's contact draws) pays for std::sort's mispredicted comparisons; a network's
// fixed sequence of min/max steps has none. Any correct sort of finite values without -0.0 gives
// the same array bit for bit, so switching sorts never changes a result.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>

namespace socius {

/// The compare-exchange pairs of Batcher's odd-even merge sort of N values (N a power of two, at
/// most 256): applied in order as (v[i], v[j]) = (min, max), they sort any N values.
template <std::uint32_t N>
constexpr auto batcher_pairs() {
  static_assert(N >= 2 && N <= 256 && (N & (N - 1)) == 0, "N must be a power of two from 2 to 256");
  constexpr std::uint32_t count = [] {
    std::uint32_t c = 0;
    for (std::uint32_t p = 1; p < N; p <<= 1)
      for (std::uint32_t k = p; k >= 1; k >>= 1)
        for (std::uint32_t j = k % p; j + k < N; j += 2 * k)
          for (std::uint32_t i = 0; i < std::min(k, N - j - k); ++i) c += (i + j) / (2 * p) == (i + j + k) / (2 * p) ? 1u : 0u;
    return c;
  }();
  std::array<std::array<std::uint8_t, 2>, count> pairs{};
  std::uint32_t c = 0;
  for (std::uint32_t p = 1; p < N; p <<= 1)
    for (std::uint32_t k = p; k >= 1; k >>= 1)
      for (std::uint32_t j = k % p; j + k < N; j += 2 * k)
        for (std::uint32_t i = 0; i < std::min(k, N - j - k); ++i)
          if ((i + j) / (2 * p) == (i + j + k) / (2 * p)) pairs[c++] = {static_cast<std::uint8_t>(i + j), static_cast<std::uint8_t>(i + j + k)};
  return pairs;
}

/// Sorts u[0, k) ascending (k <= N) by the network of N inputs, padding with +infinity.
template <std::uint32_t N>
void network_sort(double* u, std::uint32_t k) {
  static constexpr auto kPairs = batcher_pairs<N>();
  double v[N];
  for (std::uint32_t i = 0; i < N; ++i) v[i] = i < k ? u[i] : std::numeric_limits<double>::infinity();
  for (const auto& [i, j] : kPairs) {
    const double a = v[i], b = v[j];
    v[i] = std::min(a, b);
    v[j] = std::max(a, b);
  }
  for (std::uint32_t i = 0; i < k; ++i) u[i] = v[i];
}

/// Sorts u[0, k) ascending: up to 16 values by a sorting network of 4, 8 or 16 inputs, more by
/// std::sort. For finite values without -0.0 the result is std::sort's, bit for bit (tests/cpp
/// test_sort_network.cpp).
inline void sort_small(double* u, std::uint32_t k) {
  if (k <= 1) return;
  if (k <= 4) network_sort<4>(u, k);
  else if (k <= 8) network_sort<8>(u, k);
  else if (k <= 16) network_sort<16>(u, k);
  else std::sort(u, u + k);
}

}  // namespace socius
