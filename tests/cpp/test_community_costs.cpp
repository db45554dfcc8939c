// Costs and appraisal (docs/model.md, "Costs and appraisal"; issue 16): money buys quantities at
// unit costs, cost follows delivery, present values, budgets in present value, a reorganisation's
// gain credited once, and the same borough at any size.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "community/community.hpp"
#include "community/params.hpp"
#include "community/state.hpp"
#include "community_helpers.hpp"

using namespace socius;
using namespace community_test;
namespace mc = socius::models::community;

namespace {

mc::Params params_of(const std::vector<ParameterEntry>& e) { return mc::read_params(ParameterSet::resolve(model().full_schema(), e)); }

}  // namespace

TEST_CASE("community costs: the scenarios' plans, measured", "[.measure]") {
  for (const char* name : {"hubs", "befriending", "relational_practice", "local_collaboration", "early_action", "structural_reform", "combined"}) {
    for (std::int64_t pop : {2000, 10000, 20000, 40000}) {
      auto e = read_scenario(scenarios_dir() / (std::string(name) + ".toml"));
      e.push_back({"simulation.population", pop, "test"});
      const auto p = params_of(e);
      const auto plan = mc::plan(p);
      std::printf("%-20s %6ld hubs %5.1f matches %6.1f extra %4.0f trained %5.0f collab %5.0f staff %5.0f cut %4.0f  pv %10.0f (hubs %.0f bef %.0f rp %.0f col %.0f reorg %.0f) budget %.0f k: places %.2f hubs/10k %.3f extra %.4f\n",
                  name, static_cast<long>(pop), plan.hubs, plan.matches, plan.extra_posts, plan.targeted_posts, plan.collab_posts, plan.staff, plan.posts_cut,
                  plan.total_pv(), plan.spend_pv[0], plan.spend_pv[1], plan.spend_pv[2], plan.spend_pv[3], plan.spend_pv[4], mc::budget_pv(p),
                  p.policy.befriending.places, p.policy.hubs.per_10000, p.policy.relational_practice.extra_posts);
    }
  }
}

namespace {

using KV = std::vector<std::pair<std::string, ParameterValue>>;

KV with(KV base, const KV& more) {
  for (const auto& x : more) base.push_back(x);
  return base;
}

/// No leavers, so the professionals in post are those of setup (hand-computed costs).
const KV kNoLeavers = {{"burnout.leave_base", 0.0}, {"burnout.leave_burnout", 0.0}};

double posts(Simulation& sim, int state) {
  const auto& post = sim.world().population.column<std::uint8_t>("post");
  double n = 0;
  for (std::size_t p = 0; p < post.size(); ++p) n += post[p] == state ? 1.0 : 0.0;
  return n;
}

double matches(Simulation& sim) {
  const auto& bf = sim.world().population.column<std::uint32_t>("befriender");
  double n = 0;
  for (std::size_t a = 0; a < bf.size(); ++a) n += bf[a] != 0xFFFFFFFFu ? 1.0 : 0.0;
  return n;
}

double df(double rate, double week) { return std::pow(1.0 + rate, -week / 52.0); }

}  // namespace

TEST_CASE("community costs: an intervention that delivers nothing costs only its fixed part", "[community][costs]") {
  // Befriending offered to no one who accepts (take_up 0: no match ever runs) and hubs at 0 per
  // 10,000 residents (none opens): each pays its fixed part in its first week, nothing more.
  auto e = small({{"policy.befriending.enabled", true}, {"policy.befriending.take_up", 0.0}, {"policy.befriending.places", 200.0},
                  {"policy.befriending.ramp_up", std::int64_t{0}}, {"policy.befriending.cost_one_off", 5000.0},
                  {"policy.hubs.enabled", true}, {"policy.hubs.per_10000", 0.0}, {"policy.hubs.cost_one_off", 700.0}},
                 2000, 5, 8);
  Simulation sim(model(), e, 3, 2);
  sim.run();
  CHECK(matches(sim) == 0.0);
  CHECK(last(sim, "all", "cost_befriending_pv") == Approx(5000.0 * df(0.035, 1)));
  CHECK(last(sim, "all", "cost_hubs_pv") == Approx(700.0 * df(0.035, 1)));
  CHECK(last(sim, "all", "cost_to_date") == Approx(5700.0));
  for (const char* other : {"cost_relational_practice_pv", "cost_collaboration_pv", "cost_reorganisation_pv", "savings_pv"}) CHECK(last(sim, "all", other) == 0.0);
  // The same befriending with take-up: matches run and are paid for.
  auto taken = e;
  taken.push_back({"policy.befriending.take_up", 1.0, "test"});
  Simulation busy(model(), taken, 3, 2);
  busy.run();
  CHECK(matches(busy) > 0);
  CHECK(last(busy, "all", "cost_befriending_pv") > 5000.0 * df(0.035, 1) + 1.0);
}

TEST_CASE("community costs: doubling a unit cost doubles that cost, and nothing else changes", "[community][costs]") {
  const KV base = {{"policy.hubs.enabled", true}, {"policy.hubs.target", std::string("all")}, {"policy.hubs.per_10000", 10.0},
                   {"policy.hubs.cost_per_hub_opened", 0.0}, {"policy.befriending.enabled", true}, {"policy.befriending.take_up", 1.0},
                   {"policy.befriending.places", 100.0}, {"policy.befriending.ramp_up", std::int64_t{2}}};
  Simulation one(model(), small(base, 3000, 5, 12), 5, 2);
  Simulation two(model(), small(with(base, {{"policy.hubs.cost_per_hub_year", 90000.0}, {"policy.befriending.cost_per_match_year", 2000.0}}), 3000, 5, 12), 5, 2);
  one.run();
  two.run();
  for (const char* item : {"cost_hubs_pv", "cost_befriending_pv"}) {
    INFO(item);
    CHECK(last(one, "all", item) > 0);
    CHECK(last(two, "all", item) == Approx(2.0 * last(one, "all", item)).epsilon(1e-12));
  }
  CHECK(matches(one) == matches(two));  // money buys the same quantities: the runs are otherwise identical
  CHECK(last(one, "all", "lonely_share") == last(two, "all", "lonely_share"));
  // 3,000 residents, 10 per 10,000: 3 hubs, 12 weeks at 45,000 a year, paid exactly as planned.
  CHECK(last(one, "all", "cost_hubs_pv") == Approx(mc::plan(params_of(small(base, 3000, 5, 12))).spend_pv[mc::kCostHubs]));
  CHECK(mc::plan(params_of(small(base, 3000, 5, 12))).hubs == 3.0);
}

TEST_CASE("community costs: present values equal hand-computed ones", "[community][costs]") {
  // One hub (2,000 residents, 5 per 10,000) open 10 weeks at 52,000 a year: 1,000 a week, and
  // sum_{t=1..10} 1000 x 1.035^(-t/52) = 9,963.698 (computed by hand, Python).
  auto e = small(with(kNoLeavers, {{"policy.hubs.enabled", true}, {"policy.hubs.target", std::string("all")}, {"policy.hubs.per_10000", 5.0},
                                   {"policy.hubs.duration", std::int64_t{10}}, {"policy.hubs.ramp_up", std::int64_t{0}},
                                   {"policy.hubs.cost_per_hub_year", 52000.0}, {"policy.hubs.cost_per_hub_opened", 0.0},
                                   {"policy.reorganisation.enabled", true}, {"policy.reorganisation.time", std::int64_t{4}},
                                   {"policy.reorganisation.cost_per_staff", 100.0}, {"policy.reorganisation.optimism_bias", 0.5},
                                   {"policy.reorganisation.cost_one_off", 1000.0}, {"policy.reorganisation.transition", std::int64_t{2}}}),
                 2000, 5, 10);
  Simulation sim(model(), e, 9, 2);
  sim.run();
  CHECK(last(sim, "all", "cost_hubs_pv") == Approx(9963.697981176168).epsilon(1e-12));
  const double staff = posts(sim, 1);  // nobody left: the staff affected at week 4
  REQUIRE(staff > 0);
  CHECK(last(sim, "all", "cost_reorganisation_pv") == Approx((staff * 100.0 + 1000.0) * 1.5 * std::pow(1.035, -4.0 / 52.0)).epsilon(1e-12));
  CHECK(last(sim, "all", "cost_to_date") == Approx(10000.0 + (staff * 100.0 + 1000.0) * 1.5));
  CHECK(last(sim, "all", "cost_pv") == Approx(last(sim, "all", "cost_hubs_pv") + last(sim, "all", "cost_reorganisation_pv")));
  // By quintile: the sums are the whole.
  for (const char* k : {"cost_to_date", "cost_pv", "cost_hubs_pv", "cost_reorganisation_pv"}) {
    double total = 0;
    for (int q = 1; q <= 5; ++q) total += last(sim, "quintile_" + std::to_string(q), k);
    CHECK(total == Approx(last(sim, "all", k)));
    CHECK(std::isnan(last(sim, "age_65_plus", k)));
  }
  // Lonely person-years: at a zero health rate the present value is the count; at 1.5% it is
  // below it, and never above residents x weeks / 52.
  const double years = last(sim, "all", "lonely_years");
  CHECK(years > 0);
  CHECK(years <= last(sim, "all", "residents") * 10 / 52.0);
  CHECK(last(sim, "all", "lonely_years_pv") < years);
  CHECK(last(sim, "all", "lonely_years_pv") > years * df(0.015, 10));
  auto zero = e;
  for (const auto& x : entries({{"appraisal.health_discount_rate", 0.0}, {"appraisal.discount_rate", 0.0}})) zero.push_back(x);
  Simulation flat(model(), zero, 9, 2);
  flat.run();
  CHECK(last(flat, "all", "lonely_years_pv") == Approx(last(flat, "all", "lonely_years")).epsilon(1e-12));
  CHECK(last(flat, "all", "cost_pv") == Approx(last(flat, "all", "cost_to_date")).epsilon(1e-12));
  CHECK(last(flat, "all", "jobs_found_pv") == last(flat, "all", "jobs_found"));
  CHECK(mc::discount_factor(0.035, 52.0) == Approx(1.0 / 1.035).epsilon(1e-15));
}

TEST_CASE("community costs: a budget in present value is met within one unit", "[community][costs][budget]") {
  const auto schema = model().full_schema();
  const auto sized = [&](const char* name, std::int64_t pop, const KV& more = {}) {
    auto e = read_scenario(scenarios_dir() / (std::string(name) + ".toml"));
    e.push_back({"simulation.population", pop, "test"});
    for (const auto& [k, v] : more) e.push_back({k, v, "test"});
    return params_of(e);
  };
  for (std::int64_t pop : {10000, 20000, 40000}) {
    INFO(pop);
    // Befriending places never exceed the expected demand (Plan::demand, the peak of matches
    // running with places unbounded); alone, befriending buys the demand and leaves the rest.
    const auto b = sized("befriending", pop);
    const auto bp = mc::plan(b);
    CHECK(bp.demand > 0);
    CHECK(bp.matches == Approx(bp.demand).epsilon(1e-9));
    CHECK(bp.total_pv() < 0.5 * mc::budget_pv(b));
    // With hubs beside it, what befriending cannot use goes to hubs: the plan meets the budget
    // within one hub's present value, and places are at the demand.
    for (const char* name : {"early_action", "combined"}) {
      INFO(name);
      const auto p = sized(name, pop);
      const auto plan = mc::plan(p);
      auto one_more = p;
      one_more.policy.hubs.per_10000 += 10000.0 / static_cast<double>(pop);
      const double hub = mc::plan(one_more).total_pv() - plan.total_pv();
      CHECK(mc::plan(one_more).hubs == plan.hubs + 1);
      CHECK(plan.matches <= plan.demand * (1.0 + 1e-12));
      CHECK(plan.total_pv() <= mc::budget_pv(p));
      CHECK(mc::budget_pv(p) - plan.total_pv() < hub);
      // More hubs than the scenario's unsized 1.5 per 10,000 (at 10,000 residents the money
      // freed falls short of a third hub: 2 either way).
      const double unsized = mc::plan(sized(name, pop, {{"budget.size", false}, {"budget.total_pv", 0.0}})).hubs;
      CHECK(plan.hubs >= unsized);
      if (pop >= 20000) CHECK(plan.hubs > unsized);
    }
    // Hubs alone come in whole hubs: within one hub's present value.
    const auto p = sized("hubs", pop);
    auto one_more = p;
    one_more.policy.hubs.per_10000 += 10000.0 / static_cast<double>(pop);
    const double planned = mc::plan(p).total_pv(), budget = mc::budget_pv(p);
    const double hub = mc::plan(one_more).total_pv() - planned;
    CHECK(mc::plan(one_more).hubs == mc::plan(p).hubs + 1);
    CHECK(planned <= budget);
    CHECK(budget - planned < hub);
  }
  // Edge: nobody accepts (take_up 0): no demand, no places planned, the budget all to hubs.
  const auto none = sized("early_action", 10000, {{"policy.befriending.take_up", 0.0}});
  CHECK(mc::plan(none).demand == 0.0);
  CHECK(none.policy.befriending.places == 0.0);
  CHECK(mc::plan(none).spend_pv[mc::kCostBefriending] == Approx(none.policy.befriending.cost_one_off * df(0.035, 1)));
  CHECK(mc::plan(none).hubs >= mc::plan(sized("early_action", 10000)).hubs);
  // Without budget.size a scenario that overspends is refused (tests/cpp/test_community.cpp).
}

TEST_CASE("community costs: the plan's befriending follows its demand, computed by hand", "[community][costs][budget]") {
  // 10,000 residents, 100 eligible, take_up 0.5, no inflow, no breakdowns, matches that hardly end
  // (match_weeks 100,000: 0.01% of them in ten weeks), no ramp: 50 matched in the first week.
  const KV base = {{"policy.befriending.enabled", true}, {"policy.befriending.take_up", 0.5}, {"policy.befriending.drop_out", 0.0},
                   {"policy.befriending.match_weeks", 100000.0}, {"policy.befriending.ramp_up", std::int64_t{0}},
                   {"policy.befriending.cost_one_off", 0.0}, {"policy.befriending.cost_per_match_year", 5200.0},
                   {"budget.befriending_eligible", 100.0}, {"budget.befriending_inflow", 0.0}};
  const auto unbound = mc::plan(params_of(small(with(base, {{"policy.befriending.places", 1000.0}}), 10000, 0, 10)));
  CHECK(unbound.demand == Approx(50.0).epsilon(1e-9));
  CHECK(unbound.match_weeks == Approx(500.0).epsilon(1e-4));
  // 100 a week per match: sum_{t=1..10} 50 x 100 x 1.035^(-t/52).
  double pv = 0;
  for (int t = 1; t <= 10; ++t) pv += 5000.0 * df(0.035, t);
  CHECK(unbound.spend_pv[mc::kCostBefriending] == Approx(pv).epsilon(1e-4));
  // Places bind: 20 places run 20 matches from the first week.
  const auto bound = mc::plan(params_of(small(with(base, {{"policy.befriending.places", 20.0}}), 10000, 0, 10)));
  CHECK(bound.match_weeks == Approx(200.0).epsilon(1e-6));
  // Breakdowns (drop_out 1): every match ends after one week; inflow 52 a year brings one resident
  // a week, half of whom accept: matches running 50 in week 1, then 0.5 a week.
  const auto broken = mc::plan(params_of(small(with(base, {{"policy.befriending.places", 1000.0}, {"policy.befriending.drop_out", 1.0},
                                                          {"budget.befriending_inflow", 52.0}}), 10000, 0, 10)));
  CHECK(broken.match_weeks == Approx(50.0 + 9 * 0.5).epsilon(1e-6));
}

TEST_CASE("community costs: the same scenario at 10,000 and 40,000 residents delivers the same per resident, measured", "[community][costs][scaling]") {
  // Befriending (sized to the budget, which scales with the population): matches running per
  // 10,000 residents and spending per resident after 39 weeks agree within 25% (stated
  // tolerance). Measured (seeds 1-4 at 10,000, seed 1 at 40,000): 20.8 and 22.5 matches per
  // 10,000 (8%), 1.48 and 1.74 GBP per resident (18%; the 40,000 borough fills its places
  // faster in the first weeks). The places planned are the same per resident to the pound; what
  // differs is delivery: a few dozen matches per 10,000 residents from an eligible group drawn
  // afresh at each size, in neighbourhoods that differ too (5 of 2,000 against 25 of 1,600).
  // Four seeds at 10,000 against one at 40,000 (the same number of residents in all), so that
  // both sides average over as many eligible residents.
  double per[2][2] = {{0, 0}, {0, 0}};
  const auto run = [&](std::int64_t pop, std::uint64_t seed, int side, double weight) {
    auto e = read_scenario(scenarios_dir() / "befriending.toml");
    e.push_back({"simulation.population", pop, "test"});
    e.push_back({"simulation.burn_in", std::int64_t{26}, "test"});
    e.push_back({"simulation.steps", std::int64_t{39}, "test"});
    Simulation sim(model(), e, seed, 2);
    sim.run();
    per[side][0] += weight * matches(sim) / static_cast<double>(pop) * 10000.0;
    per[side][1] += weight * last(sim, "all", "cost_befriending_pv") / static_cast<double>(pop);
  };
  for (std::uint64_t seed = 1; seed <= 4; ++seed) run(10000, seed, 0, 0.25);
  run(40000, 1, 1, 1.0);
  INFO("matches per 10,000: " << per[0][0] << " and " << per[1][0] << "; GBP per resident: " << per[0][1] << " and " << per[1][1]);
  CHECK(per[0][0] > 10);
  CHECK(per[1][0] == Approx(per[0][0]).epsilon(0.25));
  CHECK(per[1][1] == Approx(per[0][1]).epsilon(0.25));
  // The plan's quantities scale exactly where units are fine (places, posts, staff).
  const auto at = [](const char* name, std::int64_t pop) {
    auto e = read_scenario(scenarios_dir() / (std::string(name) + ".toml"));
    e.push_back({"simulation.population", pop, "test"});
    return mc::plan(params_of(e));
  };
  CHECK(at("structural_reform", 40000).staff == 4 * at("structural_reform", 10000).staff);
  CHECK(at("befriending", 40000).matches == Approx(4 * at("befriending", 10000).matches));
}

TEST_CASE("community costs: a reorganisation's gain is credited once, as capacity or as savings", "[community][costs][reorganisation]") {
  // Gain g = delivered x efficiency_gain = 0.5 at week 1 + transition 3 = week 4.
  const KV reorg = with(kNoLeavers, {{"policy.reorganisation.enabled", true}, {"policy.reorganisation.time", std::int64_t{1}},
                                     {"policy.reorganisation.transition", std::int64_t{3}}, {"policy.reorganisation.efficiency_gain", 0.5},
                                     {"policy.reorganisation.delivered", 1.0}, {"policy.reorganisation.merge_teams", false}});
  Simulation base(model(), small(kNoLeavers, 3000, 5, 12), 6, 2);
  Simulation capacity(model(), small(with(reorg, {{"policy.reorganisation.gain", std::string("capacity")}}), 3000, 5, 12), 6, 2);
  Simulation savings(model(), small(with(reorg, {{"policy.reorganisation.gain", std::string("savings")}}), 3000, 5, 12), 6, 2);
  base.run();
  capacity.run();
  savings.run();
  const double funded = posts(base, 1) + posts(base, 2);
  // Capacity: as many posts as before, capacity per professional x 1.5, no savings.
  CHECK(posts(capacity, 1) + posts(capacity, 2) == funded);
  CHECK(last(capacity, "all", "savings_to_date") == 0.0);
  CHECK(last(capacity, "all", "savings_pv") == 0.0);
  // Savings: a third of the posts cut (g / (1 + g)), their cost saved every week from week 4.
  const double cut = funded - (posts(savings, 1) + posts(savings, 2));
  CHECK(cut > 0);
  CHECK(cut == Approx(funded / 3.0).margin(4 * 2));  // rounded per team (8 teams at 3,000 residents)
  CHECK(last(savings, "all", "savings_to_date") == Approx(cut * 62000.0 / 52.0 * 9));
  CHECK(last(savings, "all", "savings_pv") > 0.0);
  CHECK(last(savings, "all", "savings_pv") < last(savings, "all", "savings_to_date"));
  // The planned cuts are the cuts made; a filled post cut is paid as a redundancy.
  CHECK(mc::plan(params_of(small(with(reorg, {{"policy.reorganisation.gain", std::string("savings")}}), 3000, 5, 12))).posts_cut == cut);
  CHECK(last(savings, "all", "cost_to_date") > last(capacity, "all", "cost_to_date"));
  // Total capacity: the same with savings as before the reorganisation (within rounding).
  const auto capacity_sum = [](Simulation& sim) {
    const auto& c = sim.world().population.column<float>("capacity");
    const auto& post = sim.world().population.column<std::uint8_t>("post");
    double x = 0;
    for (std::size_t p = 0; p < c.size(); ++p) x += post[p] == 1 ? c[p] : 0.0;
    return x;
  };
  CHECK(capacity_sum(capacity) == Approx(1.5 * capacity_sum(base)).epsilon(1e-6));
  CHECK(capacity_sum(savings) == Approx(capacity_sum(base)).epsilon(0.1));
}

TEST_CASE("community costs: what the scenarios spend as they deliver, measured", "[.measure]") {
  // Spending by item and quintile after ten years (seed 1; SOCIUS_POP residents, default 10,000;
  // SOCIUS_BURN_IN weeks of burn-in, default 104; SOCIUS_SCENARIO one scenario):
  // build/release/tests/socius_tests "community costs: what the scenarios spend*".
  const char* only = std::getenv("SOCIUS_SCENARIO");
  const char* pop_env = std::getenv("SOCIUS_POP");
  const char* burn_env = std::getenv("SOCIUS_BURN_IN");
  const std::int64_t pop = pop_env ? std::atol(pop_env) : 10000;
  const std::int64_t burn = burn_env ? std::atol(burn_env) : 104;
  for (const char* name : {"befriending", "hubs", "relational_practice", "early_action", "structural_reform", "combined"}) {
    if (only && std::string(only) != name) continue;
    for (const char* gain : {"capacity", "savings"}) {
      if (std::string(gain) == "savings" && std::string(name) != "structural_reform") continue;
      auto e = read_scenario(scenarios_dir() / (std::string(name) + ".toml"));
      e.push_back({"simulation.population", pop, "test"});
      e.push_back({"simulation.burn_in", burn, "test"});
      e.push_back({"policy.reorganisation.gain", std::string(gain), "test"});
      // Savings add redundancies to the plan: above the common budget, so no budget check here.
      if (std::string(gain) == "savings") e.push_back({"budget.total_pv", 0.0, "test"});
      Simulation sim(model(), e, 1, 2);
      sim.run();
      const double planned = mc::planned_spend_pv(sim.parameters());
      const auto pl = mc::plan(mc::read_params(sim.parameters()));
      std::printf("%-18s %6ld budget PV %9.0f planned PV %9.0f (hubs %.0f bef %.0f rp %.0f col %.0f reorg %.0f; hubs %.0f places %.1f demand %.1f extra posts %.0f)\n", name,
                  static_cast<long>(pop), mc::budget_pv(mc::read_params(sim.parameters())), planned, pl.spend_pv[0], pl.spend_pv[1], pl.spend_pv[2], pl.spend_pv[3],
                  pl.spend_pv[4], pl.hubs, pl.matches, pl.demand, pl.extra_posts);
      std::printf("%-18s %-8s planned PV %9.0f  cost_pv %9.0f (hubs %.0f bef %.0f rp %.0f col %.0f reorg %.0f) cost_to_date %9.0f savings_pv %8.0f  by quintile:",
                  name, gain, planned, last(sim, "all", "cost_pv"), last(sim, "all", "cost_hubs_pv"), last(sim, "all", "cost_befriending_pv"),
                  last(sim, "all", "cost_relational_practice_pv"), last(sim, "all", "cost_collaboration_pv"), last(sim, "all", "cost_reorganisation_pv"),
                  last(sim, "all", "cost_to_date"), last(sim, "all", "savings_pv"));
      for (int q = 1; q <= 5; ++q) std::printf(" %.0f", last(sim, "quintile_" + std::to_string(q), "cost_pv"));
      std::printf("  lonely_years %.0f (pv %.0f) matches now %.0f\n", last(sim, "all", "lonely_years"), last(sim, "all", "lonely_years_pv"), matches(sim));
    }
  }
}

TEST_CASE("community costs: befriending demand with places that never bind, measured", "[.measure]") {
  // The eligible pool and its inflow that budget.befriending_eligible and
  // budget.befriending_inflow state (docs/model.md, "Costs and appraisal"):
  //   SOCIUS_POP=10000 SOCIUS_BURN_IN=780 build/release/tests/socius_tests "community costs: befriending demand*"
  const char* pop_env = std::getenv("SOCIUS_POP");
  const char* burn_env = std::getenv("SOCIUS_BURN_IN");
  const std::int64_t pop = pop_env ? std::atol(pop_env) : 10000;
  const std::int64_t burn = burn_env ? std::atol(burn_env) : 780;
  auto e = read_scenario(scenarios_dir() / "befriending.toml");
  e.push_back({"simulation.population", pop, "test"});
  e.push_back({"simulation.burn_in", burn, "test"});
  e.push_back({"budget.size", false, "test"});
  e.push_back({"budget.total_pv", 0.0, "test"});
  e.push_back({"policy.befriending.places", 10000.0, "test"});
  e.push_back({"policy.befriending.ramp_up", std::int64_t{0}, "test"});
  Simulation sim(model(), e, 1, 2);
  sim.step(burn + 1);
  const auto& target = sim.world().population.column<std::uint8_t>("policy_target");
  const auto& befriended = sim.world().population.column<std::uint8_t>("befriended");
  std::vector<std::uint8_t> ever(target.size(), 0);
  double at_start = 0;
  for (std::size_t a = 0; a < target.size(); ++a) {
    ever[a] = (target[a] & 2) ? 1 : 0;
    at_start += ever[a];
  }
  std::printf("pop %ld burn_in %ld: eligible at week 1 %.0f (per 10,000 %.1f), matched at week 1 %.0f\n", static_cast<long>(pop), static_cast<long>(burn), at_start,
              at_start / static_cast<double>(pop) * 10000.0, matches(sim));
  double match_weeks = 0;
  while (!sim.finished()) {
    sim.step(1);
    double newly = 0, now = 0, was = 0;
    for (std::size_t a = 0; a < target.size(); ++a) {
      if ((target[a] & 2) && !ever[a]) {
        ever[a] = 1;
        ++newly;
      }
      now += (target[a] & 2) ? 1 : 0;
      was += befriended[a];
    }
    const double m = matches(sim);
    match_weeks += m;
    if (sim.time() % 26 == 0) {
      double ev = 0;
      for (auto x : ever) ev += x;
      std::printf("week %4ld eligible now %5.0f ever %6.0f befriended %5.0f running %5.0f match-weeks %8.0f\n", static_cast<long>(sim.time()), now, ev, was, m, match_weeks);
    }
  }
}

TEST_CASE("community costs: a sized early action pays close to its budget, measured", "[community][costs][sizing]") {
  // Ten years of early_action at 10,000 residents after the scenario's 780-week burn-in, seed 1:
  // befriending's places are capped at the expected demand and the money freed buys hubs, so what
  // is paid (cost_pv) is close to the plan and the plan close to the budget (within one hub's
  // present value, 0.43m of 1.70m at this size). Measured (docs/model.md, "Costs and appraisal"):
  // see the table there. Stated tolerances: paid within 10% of the plan, and at least 80% of the
  // budget (before the cap: 62%); befriending paid within 10% of its plan.
  auto e = read_scenario(scenarios_dir() / "early_action.toml");
  e.push_back({"simulation.population", std::int64_t{10000}, "test"});
  Simulation sim(model(), e, 1, 2);
  sim.run();
  const auto p = mc::read_params(sim.parameters());
  const auto plan = mc::plan(p);
  const double paid = last(sim, "all", "cost_pv"), budget = mc::budget_pv(p);
  INFO("paid " << paid << " planned " << plan.total_pv() << " budget " << budget);
  CHECK(plan.matches <= plan.demand * (1.0 + 1e-12));
  CHECK(paid == Approx(plan.total_pv()).epsilon(0.10));
  CHECK(paid >= 0.8 * budget);
  CHECK(paid <= budget);
  CHECK(last(sim, "all", "cost_befriending_pv") == Approx(plan.spend_pv[mc::kCostBefriending]).epsilon(0.10));
}
