// Every scenario in scenarios/ is valid, runs a few steps with a fixed seed, and every policy
// scenario extends the baseline and states the same budget in present value (docs/model.md,
// "Costs and appraisal").
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

TEST_CASE("community scenarios: policy scenarios extend the baseline and state the same budget in present value", "[community][scenarios][budget]") {
  // Every policy scenario states budget.total_pv for 20,000 residents; the early-action ones are
  // sized to it (within one hub or post; befriending places at most the expected demand), the
  // reorganisation costs what its staff in post cost (79% of it, 17% of posts vacant), local collaboration buys what it buys
  // (far less), and combined states twice the budget (the full reform and early action).
  const auto schema = model().full_schema();
  double budget = -1;
  for (const auto& name : kScenarios) {
    INFO(name);
    const auto e = read_scenario(scenarios_dir() / (name + ".toml"));
    const auto set = ParameterSet::resolve(schema, e);
    const double planned = models::community::planned_spend_pv(set);
    if (name == "baseline") {
      CHECK(planned == 0.0);
      continue;
    }
    // Extends the baseline: its entries come first.
    const auto base = read_scenario(scenarios_dir() / "baseline.toml");
    REQUIRE(e.size() > base.size());
    for (std::size_t i = 0; i < base.size(); ++i) CHECK(e[i].key == base[i].key);
    CHECK(set.real("budget.population") == 20000.0);
    const double stated = set.real("budget.total_pv") / (name == "combined" ? 2.0 : 1.0);
    CHECK(stated > 0);
    if (budget < 0) budget = stated;
    CHECK(stated == budget);
    CHECK(planned <= set.real("budget.total_pv"));
    // Befriending alone buys its expected demand, far below the budget; with hubs beside it the
    // rest goes to hubs (within one hub: tests/cpp/test_community_costs.cpp).
    if (name == "befriending") CHECK(planned < 0.5 * stated);
    if (name == "early_action" || name == "combined") CHECK(planned > 0.85 * set.real("budget.total_pv"));
    if (name == "hubs" || name == "relational_practice") CHECK(planned > 0.8 * stated);  // within one hub / one post-year stream
    // The reorganisation costs 10,000 x 1.41 per professional the plan expects in post at week 26
    // (the posts less the steady-state vacancy rate T w / (1 + T w), w = burnout.vacancy_weeks / 52:
    // 14.7% with the fitted 58.4 weeks), discounted: 81.3% of the budget (docs/model.md, "Scenarios").
    if (name == "structural_reform") CHECK(planned == Approx(0.813 * stated).epsilon(0.01));
  }
}

TEST_CASE("community scenarios: cost_to_date follows the plan and delivery", "[community][scenarios][budget]") {
  // The plan is the expected delivery (vacancies, befriending's demand), not a ceiling: a short
  // early action from a fresh setup (no burn-in) pays within 10% of it (measured: +0.7%).
  auto e = read_scenario(scenarios_dir() / "early_action.toml");
  e.push_back({"simulation.population", std::int64_t{1500}, "test"});
  e.push_back({"simulation.burn_in", std::int64_t{0}, "test"});
  e.push_back({"simulation.steps", std::int64_t{60}, "test"});
  Simulation sim(model(), e, 1, 2);
  sim.run();
  const double planned = models::community::planned_spend(sim.parameters());
  CHECK(planned > 0);
  const double spent = last(sim, "all", "cost_to_date");
  CHECK(spent > 0);
  CHECK(spent == Approx(planned).epsilon(0.1));
  CHECK(last(sim, "all", "cost_pv") == Approx(models::community::planned_spend_pv(sim.parameters())).epsilon(0.1));
}
