// The sorting network (socius/sort_network.hpp) sorts as std::sort does, bit for bit.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "socius/sort_network.hpp"

namespace {

template <std::uint32_t N>
bool sorts_every_zero_one_input() {
  // The 0-1 principle (Knuth, TAOCP 5.3.4): a network that sorts every sequence of 0s and 1s
  // sorts every sequence.
  for (std::uint32_t bits = 0; bits < (1u << N); ++bits) {
    double v[N];
    for (std::uint32_t i = 0; i < N; ++i) v[i] = (bits >> i) & 1u ? 1.0 : 0.0;
    socius::network_sort<N>(v, N);
    if (!std::is_sorted(v, v + N)) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("sort network: Batcher's networks of 4, 8 and 16 inputs sort every 0-1 input", "[sort_network]") {
  CHECK(socius::batcher_pairs<4>().size() == 5);
  CHECK(socius::batcher_pairs<8>().size() == 19);
  CHECK(socius::batcher_pairs<16>().size() == 63);
  CHECK(sorts_every_zero_one_input<4>());
  CHECK(sorts_every_zero_one_input<8>());
  CHECK(sorts_every_zero_one_input<16>());
}

TEST_CASE("sort network: sort_small gives std::sort's array, bit for bit, for any count", "[sort_network]") {
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<double> uniform(0.0, 3.0);
  for (std::uint32_t k = 0; k <= 24; ++k) {
    for (int rep = 0; rep < 200; ++rep) {
      std::vector<double> a(k);
      for (double& x : a) x = rep % 4 == 0 ? std::floor(uniform(gen)) : uniform(gen);  // ties too
      std::vector<double> b = a;
      socius::sort_small(a.data(), k);
      std::sort(b.begin(), b.end());
      INFO("k = " << k << ", repetition " << rep);
      REQUIRE(std::equal(a.begin(), a.end(), b.begin(), [](double x, double y) {
        return std::memcmp(&x, &y, sizeof x) == 0;
      }));
    }
  }
}
