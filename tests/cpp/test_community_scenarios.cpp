// Every scenario in scenarios/ is valid, runs a few steps with a fixed seed, and every policy
// scenario extends the baseline, states its budget and plans to spend exactly that budget.
#include <catch2/catch.hpp>

#include <algorithm>

#include "community/community.hpp"
#include "community_helpers.hpp"

using namespace socius;
using namespace community_test;

namespace {
const std::vector<std::string> kScenarios = {"baseline",           "hubs", "befriending", "relational_practice", "local_collaboration",
                                             "early_action", "structural_reform", "combined"};
}

TEST_CASE("community scenarios: each runs a few steps with a fixed seed", "[community][scenarios]") {
  for (const auto& name : kScenarios) {
    INFO(name);
    auto e = read_scenario(scenarios_dir() / (name + ".toml"));
    // Small and short; the budget check follows the shorter horizon.
    e.push_back({"simulation.population", std::int64_t{2000}, "test"});
    e.push_back({"simulation.burn_in", std::int64_t{3}, "test"});
    e.push_back({"simulation.steps", std::int64_t{30}, "test"});
    Simulation sim(model(), e, 42, 2);
    sim.run();
    REQUIRE(sim.recorder().times.size() == 31);
    CHECK(sim.world().ties.check().empty());
    CHECK(last(sim, "all", "residents") == 2000);
  }
}

TEST_CASE("community scenarios: policy scenarios extend the baseline and spend the same budget", "[community][scenarios][budget]") {
  const auto schema = model().full_schema();
  double budget = -1;
  for (const auto& name : kScenarios) {
    INFO(name);
    const auto e = read_scenario(scenarios_dir() / (name + ".toml"));
    const auto set = ParameterSet::resolve(schema, e);
    const double planned = models::community::planned_spend(set);
    if (name == "baseline") {
      CHECK(planned == 0.0);
      continue;
    }
    // Extends the baseline: its entries come first.
    const auto base = read_scenario(scenarios_dir() / "baseline.toml");
    REQUIRE(e.size() > base.size());
    for (std::size_t i = 0; i < base.size(); ++i) CHECK(e[i].key == base[i].key);
    const double stated = set.real("budget.total");
    CHECK(stated > 0);
    if (budget < 0) budget = stated;
    CHECK(stated == budget);
    CHECK(planned == Approx(stated).epsilon(1e-6));
  }
}

TEST_CASE("community scenarios: cost_to_date reaches the planned spend at the horizon", "[community][scenarios][budget]") {
  auto e = read_scenario(scenarios_dir() / "early_action.toml");
  e.push_back({"simulation.population", std::int64_t{1500}, "test"});
  e.push_back({"simulation.burn_in", std::int64_t{0}, "test"});
  e.push_back({"simulation.steps", std::int64_t{60}, "test"});
  Simulation sim(model(), e, 1, 2);
  sim.run();
  const double planned = models::community::planned_spend(sim.parameters());
  CHECK(planned > 0);
  CHECK(last(sim, "all", "cost_to_date") == Approx(planned).epsilon(1e-9));
}
