// Calibration: after the default burn-in (260 weeks), the default baseline at 20,000 residents
// lands near MODEL.md's published figures. Targets, sources and how the parameters were chosen:
// docs/model.md, "Calibration". Tolerances allow for sampling variation between seeds at this
// size (seeds 1-4 fall inside them; see the doc for the figures).
#include <catch2/catch.hpp>

#include "community_helpers.hpp"

using namespace socius;
using namespace community_test;

TEST_CASE("community: the default baseline lands near the UK figures after burn-in", "[community][calibration]") {
  Simulation sim(model(), entries({{"simulation.population", std::int64_t{20000}}, {"simulation.steps", std::int64_t{0}}}), 1, 2);
  REQUIRE(sim.parameters().integer("simulation.burn_in") == 260);
  sim.run();
  const double lonely = last(sim, "all", "lonely_share");
  const double lonely_young = last(sim, "age_16_24", "lonely_share");
  const double no_contact_older = last(sim, "age_65_plus", "no_contact_share");
  const double trust = last(sim, "all", "trust_share");
  const double trust_q1 = last(sim, "quintile_1", "trust_share"), trust_q5 = last(sim, "quintile_5", "trust_share");
  const double lonely_parents = last(sim, "parents", "lonely_share");
  INFO("lonely " << lonely << ", 16-24 " << lonely_young << ", 65+ no contact " << no_contact_older << ", trust " << trust
                 << " (q1 " << trust_q1 << ", q5 " << trust_q5 << "), parents lonely " << lonely_parents);
  // ONS 2016-2024: 5-7% of adults often or always lonely.
  CHECK(lonely >= 0.05);
  CHECK(lonely <= 0.075);
  // ONS 2018: about 10% of 16-24 year olds.
  CHECK(lonely_young >= 0.07);
  CHECK(lonely_young <= 0.13);
  // Age UK 2024: about 3% of people 65+ go a week without speaking to friends or family.
  CHECK(no_contact_older >= 0.015);
  CHECK(no_contact_older <= 0.045);
  // Community Life Survey 2012-13: 41-42% say most people can be trusted.
  CHECK(trust >= 0.38);
  CHECK(trust <= 0.45);
  // ONS / Onward: clearly higher in the least deprived areas; wards range from 28% to 62%.
  CHECK(trust_q5 - trust_q1 >= 0.15);
  CHECK(trust_q1 >= 0.22);
  CHECK(trust_q5 <= 0.68);
  // Action for Children 2015: almost a quarter of parents always or often lonely.
  CHECK(lonely_parents >= 0.18);
  CHECK(lonely_parents <= 0.32);
}
