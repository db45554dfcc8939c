// Calibration: after the default burn-in (260 weeks), the default baseline at 20,000 residents
// lands near MODEL.md's published figures. Targets, sources and how the parameters were chosen:
// docs/model.md, "Calibration".
//
// Tolerances follow the measured seed-to-seed spread (issue 13): each figure is the mean over
// seeds 1-3, and is checked twice.
// 1. Against the published figure, with the band the source gives ("5 to 7%"), or for "about X"
//    a stated allowance that is at least three standard deviations of one seed.
// 2. Against the model's own calibration as measured over seeds 1-10 (mean and standard deviation
//    of one seed, 2026-11-30): the 3-seed mean must lie within 3 standard errors of it. A change
//    to the model that moves a calibrated figure by more than chance fails here; re-measure
//    (scripts in docs/model.md), update the table and say so in docs/model.md.
#include <catch2/catch.hpp>

#include <cmath>

#include "community_helpers.hpp"

using namespace socius;
using namespace community_test;

namespace {

struct Figure {
  const char* group;
  const char* indicator;
  double lo, hi;         // published band (see the comments in the test)
  double mean10, sd10;   // measured over seeds 1-10: mean, and standard deviation of one seed
};

}  // namespace

TEST_CASE("community: the default baseline lands near the UK figures after burn-in", "[community][calibration]") {
  const Figure figures[] = {
      // ONS 2016-2024: 5-7% of adults often or always lonely.
      {"all", "lonely_share", 0.05, 0.07, 0.0607, 0.0020},
      // ONS 2018: about 10% of 16-24 year olds (allowance +-2 points; one seed's sd is 0.57).
      {"age_16_24", "lonely_share", 0.08, 0.12, 0.0949, 0.0057},
      // Age UK 2024: about 3% of people 65+ go a week without speaking to friends or family
      // (allowance +-1 point; one seed's sd is 0.35).
      {"age_65_plus", "no_contact_share", 0.02, 0.04, 0.0255, 0.0035},
      // Community Life Survey 2012-13: 41-42% say most people can be trusted (+-2.5 points).
      {"all", "trust_share", 0.39, 0.445, 0.4084, 0.0059},
      // ONS / Onward: wards range from 28% to 62% (the most and least deprived quintiles lie
      // inside that range, 3 points allowed at each end).
      {"quintile_1", "trust_share", 0.25, 0.65, 0.2905, 0.0084},
      {"quintile_5", "trust_share", 0.25, 0.65, 0.5535, 0.0115},
      // Action for Children 2015: about a quarter of parents always or often lonely (+-5 points).
      {"parents", "lonely_share", 0.20, 0.30, 0.2823, 0.0070},
  };
  constexpr int kSeeds = 3;
  double mean[std::size(figures)] = {};
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    Simulation sim(model(), entries({{"simulation.population", std::int64_t{20000}}, {"simulation.steps", std::int64_t{0}}}), seed, 2);
    REQUIRE(sim.parameters().integer("simulation.burn_in") == 260);
    sim.run();
    for (std::size_t i = 0; i < std::size(figures); ++i) mean[i] += last(sim, figures[i].group, figures[i].indicator) / kSeeds;
  }
  for (std::size_t i = 0; i < std::size(figures); ++i) {
    const Figure& f = figures[i];
    INFO(f.group << " " << f.indicator << ": mean of seeds 1-3 " << mean[i] << "; published band [" << f.lo << ", " << f.hi
                 << "]; calibrated " << f.mean10 << " +- " << 3 * f.sd10 / std::sqrt(kSeeds) << " (3 standard errors)");
    CHECK(mean[i] >= f.lo);
    CHECK(mean[i] <= f.hi);
    CHECK(std::abs(mean[i] - f.mean10) <= 3 * f.sd10 / std::sqrt(double{kSeeds}));
  }
  // Clearly higher trust in the least deprived areas: the gap is 0.26 (sd 0.011 for one seed).
  CHECK(mean[5] - mean[4] >= 0.15);
}
