#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "socius/random.hpp"

using namespace socius;

TEST_CASE("Philox4x32-10 matches the Random123 known-answer vectors", "[random]") {
  // kat_vectors from Random123 (Salmon et al. 2011).
  CHECK(philox4x32_10({0, 0, 0, 0}, {0, 0}) ==
        std::array<std::uint32_t, 4>{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u});
  CHECK(philox4x32_10({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu}) ==
        std::array<std::uint32_t, 4>{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu});
  CHECK(philox4x32_10({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, {0xa4093822u, 0x299f31d0u}) ==
        std::array<std::uint32_t, 4>{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u});
}

TEST_CASE("a stream is a pure function of (seed, step, agent, purpose)", "[random]") {
  Stream a(42, 7, 1000, 3), b(42, 7, 1000, 3);
  for (int i = 0; i < 100; ++i) REQUIRE(a.next_u32() == b.next_u32());
  // Changing any one coordinate changes the stream.
  for (Stream other : {Stream(43, 7, 1000, 3), Stream(42, 8, 1000, 3), Stream(42, 7, 1001, 3), Stream(42, 7, 1000, 4)}) {
    Stream ref(42, 7, 1000, 3);
    int same = 0;
    for (int i = 0; i < 16; ++i) same += ref.next_u32() == other.next_u32();
    CHECK(same < 2);
  }
  // The high half of the seed matters too.
  Stream hi1(1ull << 40, 0, 0, 0), hi2(2ull << 40, 0, 0, 0);
  CHECK(hi1.next_u32() != hi2.next_u32());
}

TEST_CASE("bernoulli is certain at its edges", "[random]") {
  Stream s(1, 2, 3, 4);
  for (int i = 0; i < 10000; ++i) {
    REQUIRE_FALSE(s.bernoulli(0.0));
    REQUIRE(s.bernoulli(1.0));
    REQUIRE_FALSE(s.bernoulli(-0.5));
    REQUIRE(s.bernoulli(2.0));
  }
}

TEST_CASE("uniform, below, poisson and normal have the right range and moments", "[random]") {
  Stream s(2024, 1, 2, 3);
  const int n = 200000;
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    const double u = s.uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    sum += u;
  }
  CHECK(sum / n == Approx(0.5).margin(0.005));

  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) {
    const auto k = s.below(7);
    REQUIRE(k < 7u);
    ++counts[k];
  }
  for (int c : counts) CHECK(c == Approx(10000).margin(500));

  for (double mean : {0.5, 3.0, 9.9, 10.0, 25.0, 200.0}) {
    double m1 = 0, m2 = 0;
    const int draws = 100000;
    for (int i = 0; i < draws; ++i) {
      const double k = s.poisson(mean);
      m1 += k;
      m2 += k * k;
    }
    m1 /= draws;
    const double var = m2 / draws - m1 * m1;
    INFO("mean " << mean);
    CHECK(m1 == Approx(mean).epsilon(0.02).margin(0.02));
    CHECK(var == Approx(mean).epsilon(0.05).margin(0.05));
  }
  CHECK(s.poisson(0.0) == 0u);
  CHECK(s.poisson(-1.0) == 0u);

  double z1 = 0, z2 = 0;
  for (int i = 0; i < n; ++i) {
    const double z = s.normal();
    z1 += z;
    z2 += z * z;
  }
  CHECK(z1 / n == Approx(0.0).margin(0.01));
  CHECK(z2 / n == Approx(1.0).margin(0.02));
}

TEST_CASE("derived seeds differ by index and are reproducible", "[random]") {
  CHECK(derive_seed(1, 0) == derive_seed(1, 0));
  CHECK(derive_seed(1, 0) != derive_seed(1, 1));
  CHECK(derive_seed(1, 0) != derive_seed(2, 0));
}
