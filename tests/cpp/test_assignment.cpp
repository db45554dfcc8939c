// socius::assign_arms (engine/include/socius/assignment.hpp): random assignment by agent.
#include <catch2/catch.hpp>

#include <oneapi/tbb/task_arena.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "socius/assignment.hpp"
#include "socius/errors.hpp"

using namespace socius;

namespace {
constexpr std::uint8_t kNot = static_cast<std::uint8_t>(AssignedArm::NotEligible);
constexpr std::uint8_t kOffered = static_cast<std::uint8_t>(AssignedArm::Offered);
constexpr std::uint8_t kControl = static_cast<std::uint8_t>(AssignedArm::Control);

std::vector<std::uint8_t> every_third_ineligible(std::size_t n) {
  std::vector<std::uint8_t> e(n, 1);
  for (std::size_t a = 0; a < n; a += 3) e[a] = 0;
  return e;
}

std::vector<std::uint8_t> assign_in_arena(int threads, const std::vector<std::uint8_t>& eligible, double p,
                                          std::uint64_t seed) {
  std::vector<std::uint8_t> arm(eligible.size(), 99);
  tbb::task_arena arena(threads);
  arena.execute([&] { assign_arms(eligible, p, seed, arm); });
  return arm;
}
}  // namespace

TEST_CASE("assign_arms gives the same arms for any number of threads", "[assignment]") {
  const auto eligible = every_third_ineligible(200000);
  const auto one = assign_in_arena(1, eligible, 0.5, 12345);
  const auto four = assign_in_arena(4, eligible, 0.5, 12345);
  REQUIRE(one == four);
  // And another seed gives other arms.
  const auto other = assign_in_arena(2, eligible, 0.5, 12346);
  CHECK(other != one);
}

TEST_CASE("an agent's arm depends only on (seed, agent), not on who else is eligible", "[assignment]") {
  std::vector<std::uint8_t> all(5000, 1), half(5000, 0);
  for (std::size_t a = 0; a < half.size(); a += 2) half[a] = 1;
  std::vector<std::uint8_t> arm_all(all.size()), arm_half(half.size());
  assign_arms(all, 0.5, 7, arm_all);
  assign_arms(half, 0.5, 7, arm_half);
  for (std::size_t a = 0; a < half.size(); a += 2) REQUIRE(arm_half[a] == arm_all[a]);
}

TEST_CASE("assign_arms at p = 0 and p = 1 puts every eligible agent in one arm", "[assignment]") {
  const auto eligible = every_third_ineligible(30000);
  std::vector<std::uint8_t> arm(eligible.size(), 99);
  assign_arms(eligible, 0.0, 3, arm);
  for (std::size_t a = 0; a < arm.size(); ++a) REQUIRE(arm[a] == (eligible[a] ? kControl : kNot));
  assign_arms(eligible, 1.0, 3, arm);
  for (std::size_t a = 0; a < arm.size(); ++a) REQUIRE(arm[a] == (eligible[a] ? kOffered : kNot));
}

TEST_CASE("the offered share is near p for many agents, and ineligible agents stay 0", "[assignment]") {
  const auto eligible = every_third_ineligible(300000);
  for (double p : {0.5, 0.2, 0.9}) {
    std::vector<std::uint8_t> arm(eligible.size(), 99);
    assign_arms(eligible, p, 2024, arm);
    std::size_t offered = 0, control = 0, n = 0;
    for (std::size_t a = 0; a < arm.size(); ++a) {
      if (!eligible[a]) {
        REQUIRE(arm[a] == kNot);
        continue;
      }
      ++n;
      REQUIRE((arm[a] == kOffered || arm[a] == kControl));
      offered += arm[a] == kOffered;
      control += arm[a] == kControl;
    }
    REQUIRE(offered + control == n);
    // Binomial(n = 200000, p): 5 standard deviations is at most 0.0056 of n.
    const double sd = std::sqrt(p * (1.0 - p) / static_cast<double>(n));
    CHECK(std::abs(static_cast<double>(offered) / static_cast<double>(n) - p) < 5.0 * sd);
  }
}

TEST_CASE("assign_arms refuses a bad probability or mismatched lengths", "[assignment]") {
  std::vector<std::uint8_t> eligible(10, 1), arm(10), short_arm(9);
  CHECK_THROWS_AS(assign_arms(eligible, 1.5, 1, arm), Error);
  CHECK_THROWS_AS(assign_arms(eligible, -0.1, 1, arm), Error);
  CHECK_THROWS_AS(assign_arms(eligible, std::nan(""), 1, arm), Error);
  CHECK_THROWS_AS(assign_arms(eligible, 0.5, 1, short_arm), Error);
}
