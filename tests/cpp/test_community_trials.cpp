// Virtual trials of the early-action parts, run in C++ as a trial would run them: at the policy's
// start the residents in its target group (the model's policy_target bit) are randomised 1:1 into
// offered (trial_arm 1) and control (trial_arm 2) within one simulation, followed up for 52 weeks,
// and compared by intention to treat (ITT) as a standardised mean difference (Cohen's d with the
// pooled SD) among those still resident at follow-up. docs/model.md ("Virtual trials") gives the
// ranges asserted here and their sources. The long cases are tagged [trial] and named "virtual
// trial at 20,000 residents: ..." (for the sanitizer run to exclude, by tag or by name); the edge
// cases ([trial_rule]) are quick.
#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <numeric>

#include "community_helpers.hpp"

using namespace community_test;

namespace {

constexpr std::uint8_t kHubs = 1, kBefriending = 2, kRelationalPractice = 4;  // policy_target bits
constexpr std::uint32_t kNoOne = 0xFFFFFFFFu;

/// 1:1 simple randomisation of the residents whose policy_target has `bit`: a Philox draw keyed by
/// a fixed key and the agent (independent of the simulation's seed, step and thread count).
std::size_t randomise(Simulation& sim, std::uint8_t bit, std::uint64_t key) {
  auto& pop = sim.world().population;
  const auto& target = pop.column<std::uint8_t>("policy_target");
  auto& arm = pop.column<std::uint8_t>("trial_arm");
  std::size_t n = 0;
  for (AgentIndex a = 0; a < target.size(); ++a) {
    if (!(target[a] & bit)) continue;
    Stream rng(key, 0, a, 0x7269616Cu);
    arm[a] = rng.uniform() < 0.5 ? 1 : 2;
    ++n;
  }
  return n;
}

struct Smd {
  double d = 0, se = 0;
  std::size_t n1 = 0, n2 = 0;
  double mean1 = 0, mean2 = 0;
};

/// Cohen's d (offered minus control, pooled SD) and its large-sample standard error.
Smd cohens_d(const std::vector<double>& x1, const std::vector<double>& x2) {
  Smd r;
  r.n1 = x1.size();
  r.n2 = x2.size();
  if (r.n1 < 2 || r.n2 < 2) return r;
  const auto mean = [](const std::vector<double>& x) { return std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size()); };
  const auto ss = [](const std::vector<double>& x, double m) {
    double s = 0;
    for (double v : x) s += (v - m) * (v - m);
    return s;
  };
  r.mean1 = mean(x1);
  r.mean2 = mean(x2);
  const double sd = std::sqrt((ss(x1, r.mean1) + ss(x2, r.mean2)) / static_cast<double>(r.n1 + r.n2 - 2));
  const double n1 = static_cast<double>(r.n1), n2 = static_cast<double>(r.n2);
  r.d = sd > 0 ? (r.mean1 - r.mean2) / sd : 0.0;
  r.se = std::sqrt((n1 + n2) / (n1 * n2) + r.d * r.d / (2 * (n1 + n2)));
  return r;
}

/// One virtual trial. `outcome(sim, a)` is read at follow-up for each randomised resident still
/// in their slot (same agent id); `each_week(sim)` runs after every follow-up week.
struct Trial {
  std::string scenario;
  std::vector<std::pair<std::string, ParameterValue>> overrides;
  std::uint8_t bit = 0;
  std::int64_t population = 20000, burn_in = 104, follow_up = 52;
  double lonely_at_start = -1;  // >= 0: analyse only those randomised with loneliness >= this (a subgroup)
};

struct TrialRun {
  Smd smd;
  std::size_t randomised = 0;
  std::vector<AgentIndex> offered, control;  // randomised and still resident at follow-up
};

template <class Outcome, class Weekly>
TrialRun run_trial(const Trial& t, std::uint64_t seed, Outcome outcome, Weekly each_week) {
  auto e = read_scenario(scenarios_dir() / t.scenario);
  for (auto& x : entries({{"simulation.population", t.population}, {"simulation.burn_in", t.burn_in},
                          {"simulation.steps", t.follow_up}}))
    e.push_back(x);
  for (auto& x : entries(t.overrides)) e.push_back(x);
  Simulation sim(model(), e, seed, 2);
  sim.step(t.burn_in);  // the step at policy time 0 (the policy's start) has refreshed policy_target
  REQUIRE(sim.time() == 0);
  TrialRun run;
  run.randomised = randomise(sim, t.bit, 0x5EED0000u + seed);
  auto& pop = sim.world().population;
  const auto ids = pop.ids();
  auto arm = pop.column<std::uint8_t>("trial_arm");  // a copy: the arms as randomised
  if (t.lonely_at_start >= 0) {
    const auto& L = pop.column<float>("loneliness");
    for (AgentIndex a = 0; a < arm.size(); ++a) {
      if (L[a] < t.lonely_at_start) arm[a] = 0;  // still in the trial, not in the subgroup analysed
    }
  }
  for (std::int64_t w = 0; w < t.follow_up; ++w) {
    sim.step(1);
    each_week(sim);
  }
  std::vector<double> x1, x2;
  for (AgentIndex a = 0; a < arm.size(); ++a) {
    if (arm[a] == 0 || pop.id(a) != ids[a]) continue;  // not randomised, or moved away or died
    const double x = outcome(sim, a);
    if (!std::isnan(x)) (arm[a] == 1 ? x1 : x2).push_back(x);  // NaN: the outcome is not defined for this resident
    (arm[a] == 1 ? run.offered : run.control).push_back(a);
  }
  run.smd = cohens_d(x1, x2);
  return run;
}

template <class Outcome>
TrialRun run_trial(const Trial& t, std::uint64_t seed, Outcome outcome) {
  return run_trial(t, seed, outcome, [](Simulation&) {});
}

double loneliness(Simulation& sim, AgentIndex a) { return sim.world().population.column<float>("loneliness")[a]; }

/// The ITT SMD now among the randomised still resident: a slot whose resident moved away or died
/// is renewed with trial_arm 0, so the current arms are the randomised still resident.
template <class Outcome>
Smd itt_now(Simulation& sim, Outcome outcome) {
  const auto& arm = sim.world().population.column<std::uint8_t>("trial_arm");
  std::vector<double> x1, x2;
  for (AgentIndex a = 0; a < arm.size(); ++a) {
    if (arm[a] == 1) x1.push_back(outcome(sim, a));
    else if (arm[a] == 2) x2.push_back(outcome(sim, a));
  }
  return cohens_d(x1, x2);
}

}  // namespace

// ---- the trial rule and policy_target, at their edges (quick) ----

TEST_CASE("virtual trial: policy_target is kept from the policy's start, and only then", "[community][trial_rule]") {
  auto e = small({{"policy.befriending.enabled", true}, {"policy.befriending.start", std::int64_t{3}},
                  {"policy.hubs.enabled", true}, {"policy.hubs.start", std::int64_t{3}}},
                 3000, 4, 6);
  Simulation sim(model(), e, 11, 2);
  auto& pop = sim.world().population;
  const auto& target = pop.column<std::uint8_t>("policy_target");
  const auto& age = pop.column<float>("age");
  const auto& nbhd = pop.column<std::uint32_t>("neighbourhood");
  const auto& hub = pop.column<std::uint32_t>("focus_hub");
  sim.step(6);  // policy time 2: before the start
  REQUIRE(sim.time() == 2);
  for (auto b : target) REQUIRE(b == 0);
  sim.step(1);  // policy time 3: the start
  std::size_t bef = 0, hubs = 0;
  for (AgentIndex a = 0; a < target.size(); ++a) {
    if (target[a] & kBefriending) {
      ++bef;
      REQUIRE(age[a] >= 65.0f);
    }
    hubs += (target[a] & kHubs) ? 1 : 0;
    REQUIRE(hub[a] == kNoOne);  // the policy first acts at start + 1
  }
  CHECK(bef > 0);
  CHECK(hubs > 0);
  sim.step(2);
  // A hub member is in the hubs' target group (a resident of an area with a hub).
  for (AgentIndex a = 0; a < target.size(); ++a) {
    if (hub[a] != kNoOne) REQUIRE((target[a] & kHubs));
  }
  (void)nbhd;
}

TEST_CASE("virtual trial: the control arm is never matched or recruited, and the offered arm is offered everything", "[community][trial_rule]") {
  // Places and recruitment quotas would allow almost nobody; in a trial they do not bind.
  auto e = small({{"policy.befriending.enabled", true}, {"policy.befriending.places", 0.1},
                  {"policy.befriending.take_up", 1.0}, {"policy.befriending.contact", 1.0},
                  {"policy.befriending.drop_out", 0.0}, {"policy.befriending.match_weeks", 100000.0},
                  {"policy.befriending.ramp_up", std::int64_t{0}},
                  {"policy.hubs.enabled", true}, {"policy.hubs.recruitment", 0.001}, {"policy.hubs.uptake", 1.0},
                  {"policy.hubs.distance", 1.0}, {"policy.hubs.trust_effect", 0.0}},
                 4000, 30, 8);
  Simulation sim(model(), e, 5, 2);
  sim.step(30);
  REQUIRE(sim.time() == 0);
  auto& pop = sim.world().population;
  const auto& bf = pop.column<std::uint32_t>("befriender");
  const auto& hub = pop.column<std::uint32_t>("focus_hub");
  const auto& target = pop.column<std::uint8_t>("policy_target");
  const auto& soc = pop.column<float>("sociability");
  const auto& arm = pop.column<std::uint8_t>("trial_arm");
  const std::size_t n = randomise(sim, kBefriending | kHubs, 99);
  REQUIRE(n > 200);
  for (int w = 0; w < 8; ++w) {
    sim.step(1);
    std::size_t offered_target = 0, matched = 0, unmatched_offered = 0, joined = 0, could_join = 0;
    for (AgentIndex a = 0; a < arm.size(); ++a) {
      if (arm[a] != 1) {
        REQUIRE(bf[a] == kNoOne);   // never the control arm, nor anyone outside the trial
        REQUIRE(hub[a] == kNoOne);
        continue;
      }
      if (target[a] & kBefriending) {
        ++offered_target;
        if (bf[a] != kNoOne) ++matched;
        else ++unmatched_offered;
      }
      if ((target[a] & kHubs) && soc[a] >= 1.0f) {  // uptake = sociability x 1 >= 1: joins at once
        ++could_join;
        joined += hub[a] != kNoOne;
      }
    }
    INFO("week " << w + 1 << ": " << matched << " of " << offered_target << " matched; " << joined << " of " << could_join << " joined");
    // take_up 1: every offered resident of the target group is matched in the week they are in it.
    CHECK(unmatched_offered == 0);
    CHECK(joined == could_join);
    if (w == 0) CHECK(matched >= 5);  // the quota would allow 0.04 places
  }
}

TEST_CASE("virtual trial: take_up 0 gives no match, drop_out 1 ends every match after a week", "[community][trial_rule]") {
  SECTION("take_up 0") {
    auto e = small({{"policy.befriending.enabled", true}, {"policy.befriending.take_up", 0.0}, {"policy.befriending.places", 500.0}}, 3000, 10, 30);
    Simulation sim(model(), e, 3, 2);
    const auto& bf = sim.world().population.column<std::uint32_t>("befriender");
    while (!sim.finished()) {
      sim.step(1);
      for (auto b : bf) REQUIRE(b == kNoOne);
    }
  }
  SECTION("drop_out 1") {
    auto e = small({{"policy.befriending.enabled", true}, {"policy.befriending.take_up", 1.0}, {"policy.befriending.drop_out", 1.0},
                    {"policy.befriending.places", 500.0}, {"policy.befriending.match_weeks", 100000.0}},
                   3000, 10, 30);
    Simulation sim(model(), e, 3, 2);
    const auto& bf = sim.world().population.column<std::uint32_t>("befriender");
    std::vector<std::uint32_t> before(bf.begin(), bf.end());
    std::size_t made = 0;
    while (!sim.finished()) {
      sim.step(1);
      for (AgentIndex a = 0; a < bf.size(); ++a) {
        if (bf[a] == kNoOne) continue;
        ++made;
        REQUIRE(bf[a] != before[a]);  // no match lasts into a second week
      }
      before.assign(bf.begin(), bf.end());
    }
    CHECK(made >= 10);  // matches were made (20 at seed 3), so the check above is not vacuous
  }
}

TEST_CASE("befriending: an introduced group membership lapses with the match at keep 0 and stays at keep 1", "[community][trial_rule]") {
  for (double keep : {0.0, 1.0}) {
    auto e = small({{"policy.befriending.enabled", true}, {"policy.befriending.take_up", 1.0}, {"policy.befriending.introduce", 1.0},
                    {"policy.befriending.drop_out", 0.0}, {"policy.befriending.keep", keep}, {"policy.befriending.places", 500.0},
                    {"policy.befriending.match_weeks", 100000.0}, {"policy.befriending.ramp_up", std::int64_t{0}},
                    {"policy.befriending.duration", std::int64_t{6}}},
                   3000, 10, 10);
    Simulation sim(model(), e, 7, 2);
    auto& pop = sim.world().population;
    sim.step(16);  // policy time 6: the programme's last week, matches running
    REQUIRE(sim.time() == 6);
    const auto& bef = pop.column<std::uint8_t>("befriended");
    const auto& comm = pop.column<std::uint32_t>("focus_community");
    const auto ids = pop.ids();
    std::vector<std::uint32_t> focus(comm.begin(), comm.end());
    std::vector<std::uint8_t> introduced(bef.begin(), bef.end());
    const std::vector<std::uint32_t> volunteer = pop.column<std::uint32_t>("befriender");
    const auto n = std::count(introduced.begin(), introduced.end(), std::uint8_t{2});
    INFO("keep " << keep << ": " << n << " introduced");
    REQUIRE(n >= 5);
    sim.step(2);  // policy time 8: every match ended at time 7
    for (AgentIndex a = 0; a < introduced.size(); ++a) {
      if (introduced[a] != 2 || pop.id(a) != ids[a]) continue;
      if (volunteer[a] == kNoOne || pop.id(volunteer[a]) != ids[volunteer[a]]) continue;  // the volunteer moved away: nothing kept
      REQUIRE(focus[a] != kNoOne);
      CHECK(bef[a] == 1);
      if (keep == 0.0) CHECK(comm[a] == kNoOne);  // the pair lost touch: the membership lapsed
      else CHECK(comm[a] == focus[a]);            // the tie was kept: so was the group
    }
  }
}

TEST_CASE("virtual trial at 20,000 residents: take_up 0 gives an ITT SMD whose interval includes 0", "[community][trial]") {
  const Trial t{"befriending.toml", {{"policy.befriending.take_up", 0.0}}, kBefriending, 20000, 104, 26};
  const auto r = run_trial(t, 1, loneliness);
  INFO("d " << r.smd.d << " se " << r.smd.se << " n " << r.smd.n1 << "/" << r.smd.n2);
  REQUIRE(r.smd.n1 > 60);  // about 90-100 per arm at seed 1
  CHECK(std::abs(r.smd.d) < 1.96 * r.smd.se);
}

TEST_CASE("virtual trial: a trial under way gives the same results with 1 and 3 threads", "[community][trial_rule]") {
  auto e = small({{"policy.befriending.enabled", true}, {"policy.hubs.enabled", true}, {"policy.relational_practice.enabled", true}},
                 3000, 20, 12);
  std::vector<std::vector<double>> values;
  std::vector<std::vector<std::uint32_t>> matched, hubs;
  for (int threads : {1, 3}) {
    Simulation sim(model(), e, 17, threads);
    sim.step(20);
    REQUIRE(randomise(sim, kBefriending | kHubs | kRelationalPractice, 4) > 100);
    sim.run();
    values.push_back(sim.recorder().values);
    matched.push_back(sim.world().population.column<std::uint32_t>("befriender"));
    hubs.push_back(sim.world().population.column<std::uint32_t>("focus_hub"));
  }
  CHECK(std::count_if(matched[0].begin(), matched[0].end(), [](std::uint32_t b) { return b != kNoOne; }) > 0);
  CHECK(std::count_if(hubs[0].begin(), hubs[0].end(), [](std::uint32_t h) { return h != kNoOne; }) > 0);
  CHECK(same_bits(values[0], values[1]));
  CHECK(matched[0] == matched[1]);
  CHECK(hubs[0] == hubs[1]);
}

// ---- virtual trials of the defaults (release; tens of seconds) ----

TEST_CASE("virtual trial at 20,000 residents: befriending's ITT SMD on loneliness at 52 weeks is trial-sized", "[community][trial]") {
  const Trial t{"befriending.toml", {}, kBefriending};
  double sum = 0;
  for (std::uint64_t seed : {1, 2, 3}) {
    const auto r = run_trial(t, seed, loneliness);
    INFO("seed " << seed << ": d " << r.smd.d << " (se " << r.smd.se << "), n " << r.smd.n1 << "/" << r.smd.n2 << ", means " << r.smd.mean1 << " / " << r.smd.mean2);
    CHECK(r.smd.n1 > 50);
    UNSCOPED_INFO("befriending seed " << seed << " d " << r.smd.d << " se " << r.smd.se << " n " << r.smd.n1 << "/" << r.smd.n2 << " means " << r.smd.mean1 << "/" << r.smd.mean2);
    sum += r.smd.d;
  }
  const double mean = sum / 3;
  INFO("mean d over seeds 1-3: " << mean);
  CHECK(mean <= -0.1);
  CHECK(mean >= -0.5);
}

namespace {

/// The measurement tools' parameter overrides from an environment variable: "key=value,key=value".
std::vector<std::pair<std::string, ParameterValue>> overrides_from_env(const char* var) {
  const char* v = std::getenv(var);
  std::vector<std::pair<std::string, ParameterValue>> ov;
  std::stringstream ss(v ? v : "");
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto eq = item.find('=');
    if (eq != std::string::npos) ov.push_back({item.substr(0, eq), parse_value(item.substr(eq + 1))});
  }
  return ov;
}

/// Befriending stopped at week 52 (every match ends then): the ITT SMD on loneliness at each of
/// `weeks` (ascending) after the start, one simulation per seed, those randomised still resident.
std::vector<Smd> befriending_stopped(std::uint64_t seed, const std::vector<std::int64_t>& weeks, std::vector<std::pair<std::string, ParameterValue>> ov, std::int64_t population = 20000) {
  ov.push_back({"policy.befriending.duration", std::int64_t{52}});
  const Trial t{"befriending.toml", ov, kBefriending, population, 104, weeks.back()};
  std::vector<Smd> out;
  std::size_t next = 0;
  std::int64_t week = 0;
  run_trial(t, seed, loneliness, [&](Simulation& sim) {
    ++week;
    if (next < weeks.size() && week == weeks[next]) {
      out.push_back(itt_now(sim, loneliness));
      ++next;
    }
  });
  return out;
}

}  // namespace

TEST_CASE("virtual trial at 20,000 residents: befriending's effect fades after the matches end", "[community][trial]") {
  // Mead et al. 2010: SMD -0.27 short term, -0.18 long term. The programme stops at week 52;
  // the effect two years later (week 156) must be smaller than at the end of the matches.
  // Five seeds (about 80-110 per arm at week 52, 50-70 at week 156; measured means -0.26 and
  // -0.13, docs/model.md "After matches end").
  double at52 = 0, at156 = 0;
  const int seeds = 5;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    const auto d = befriending_stopped(seed, {52, 156}, {});
    REQUIRE(d.size() == 2);
    UNSCOPED_INFO("seed " << seed << ": week 52 d " << d[0].d << " (n " << d[0].n1 << "/" << d[0].n2 << "), week 156 d " << d[1].d << " (n " << d[1].n1 << "/" << d[1].n2 << ")");
    at52 += d[0].d / seeds;
    at156 += d[1].d / seeds;
  }
  INFO("mean d: week 52 " << at52 << ", week 156 " << at156);
  CHECK(at52 <= -0.1);
  CHECK(at52 >= -0.5);
  CHECK(std::abs(at156) < std::abs(at52));
}

TEST_CASE("virtual trial at 20,000 residents: hubs' ITT SMD on loneliness at 52 weeks is within the documented range", "[community][trial]") {
  const Trial t{"hubs.toml", {}, kHubs};
  double sum = 0;
  for (std::uint64_t seed : {1, 2, 3}) {
    const auto r = run_trial(t, seed, loneliness);
    UNSCOPED_INFO("hubs seed " << seed << " d " << r.smd.d << " se " << r.smd.se << " n " << r.smd.n1 << "/" << r.smd.n2 << " means " << r.smd.mean1 << "/" << r.smd.mean2);
    sum += r.smd.d;
  }
  const double mean = sum / 3;
  INFO("mean d over seeds 1-3: " << mean);
  CHECK(mean <= 0.0);
  CHECK(mean >= -0.3);
}

TEST_CASE("virtual trial at 20,000 residents: relational practice raises relationship quality and service outcomes within the documented range", "[community][trial]") {
  const Trial t{"relational_practice.toml", {}, kRelationalPractice};
  // Outcomes: relationship quality q at 52 weeks, the mean over the client's current
  // professionals among the randomised still resident who have at least one (the outcome of
  // python/socius/trial.py and docs/validation.md: a resident whose needs ended or who is
  // waiting has no relationship to rate, so is not counted, rather than counted as q = 0), and
  // positive service outcomes (job found, attainment, behaviour change, case resolved) per
  // randomised resident over the 52 weeks (intention to treat).
  const char* svc[4] = {"employment", "education", "health", "legal"};
  double sum_d = 0, sum_ratio = 0;
  for (std::uint64_t seed : {1, 2, 3}) {
    std::vector<double> events;
    const auto quality = [&](Simulation& sim, AgentIndex a) {
      auto& pop = sim.world().population;
      double q = 0;
      int n = 0;
      for (const char* k : svc) {
        if (pop.column<std::uint32_t>(std::string("professional_") + k)[a] == kNoOne) continue;
        q += pop.column<float>(std::string("quality_") + k)[a];
        ++n;
      }
      return n ? q / n : std::nan("");
    };
    const auto count = [&](Simulation& sim) {
      const auto& ev = sim.world().population.column<std::uint16_t>("service_event");
      if (events.empty()) events.assign(ev.size(), 0.0);
      for (AgentIndex a = 0; a < ev.size(); ++a) events[a] += std::popcount(static_cast<unsigned>(ev[a] & 23u));
    };
    const auto r = run_trial(t, seed, quality, count);
    std::vector<double> e1, e2;
    for (AgentIndex a : r.offered) e1.push_back(events[a]);
    for (AgentIndex a : r.control) e2.push_back(events[a]);
    const Smd ev = cohens_d(e1, e2);
    const double ratio = ev.mean2 > 0 ? ev.mean1 / ev.mean2 : 0.0;
    UNSCOPED_INFO("relational practice seed " << seed << ": q d " << r.smd.d << " se " << r.smd.se << " n " << r.smd.n1 << "/" << r.smd.n2 << " means " << r.smd.mean1 << "/" << r.smd.mean2
                  << "; outcomes per client " << ev.mean1 << "/" << ev.mean2 << " ratio " << ratio << " d " << ev.d);
    CHECK(r.smd.n1 > 500);
    sum_d += r.smd.d;
    sum_ratio += ratio;
  }
  INFO("mean q d " << sum_d / 3 << ", mean outcome ratio " << sum_ratio / 3);
  // Relationship quality: within the 95% interval of the pooled effect of empathic consultations
  // in randomised trials, SMD 0.18 (0.03 to 0.32; Howick et al. 2018); trials of training
  // clinicians that measure the patient-rated relationship find a small effect or none (Riess
  // et al. 2012: +2.2 points of patient-rated CARE empathy; Johnson et al. 2013: no significant
  // change; Dwamena et al. 2012: patient satisfaction mixed). docs/model.md, "Virtual trials".
  CHECK(sum_d / 3 >= 0.03);
  CHECK(sum_d / 3 <= 0.32);
  // Service outcomes: with the continuity betas of the literature (0.37: a settled relationship
  // gives about 1.35 times a new one's hazard) and a quality difference of a few hundredths, the
  // expected gain is about 1%, below what a 52-week trial of this size can detect (seeds 1-3
  // with `training` 0.1: ratios 1.009, 1.015, 1.001). The range asserts no loss beyond chance and
  // no more than the few percent the continuity studies report for a year (Barker et al. 2017)
  // and the small effect of relationship trials on health outcomes (Kelley et al. 2014: d = 0.11).
  CHECK(sum_ratio / 3 >= 0.95);
  CHECK(sum_ratio / 3 <= 1.10);
}

// ---- a measurement tool (hidden: run by name) for the figures in docs/model.md ----
// SC=befriending.toml OV="policy.befriending.keep=0.5,..." SEEDS=3 FOLLOW_UP=52 POP=20000 BURN_IN=104
//   build/release/tests/socius_tests "[.measure]"
// prints the ITT SMD on loneliness (OUTCOME=trust, civic_efficacy: another column) for each seed
// and their mean; LONELY_AT_START=0.5 analyses only
// those randomised while often lonely.
TEST_CASE("virtual trial measurement from the environment", "[.measure]") {
  const auto env = [](const char* k, const char* d) { const char* v = std::getenv(k); return std::string(v ? v : d); };
  const auto ov = overrides_from_env("OV");
  const std::string spec = env("OV", "");
  const std::string sc = env("SC", "befriending.toml");
  const std::uint8_t bit = sc == "hubs.toml" ? kHubs : sc == "befriending.toml" ? kBefriending : kRelationalPractice;
  const int seeds = std::stoi(env("SEEDS", "3"));
  Trial t{sc, ov, bit};
  t.follow_up = std::stoll(env("FOLLOW_UP", "52"));
  t.population = std::stoll(env("POP", "20000"));
  t.burn_in = std::stoll(env("BURN_IN", "104"));
  t.lonely_at_start = std::stod(env("LONELY_AT_START", "-1"));
  const std::string column = env("OUTCOME", "loneliness");  // a float column: loneliness, trust, civic_efficacy
  const auto outcome = [&](Simulation& sim, AgentIndex a) -> double { return sim.world().population.column<float>(column)[a]; };
  double sum = 0;
  for (int seed = 1; seed <= seeds; ++seed) {
    const auto r = run_trial(t, static_cast<std::uint64_t>(seed), outcome);
    std::printf("%s %s %s seed %d: d %.3f se %.3f n %zu/%zu means %.3f/%.3f\n", sc.c_str(), spec.c_str(), column.c_str(), seed, r.smd.d, r.smd.se, r.smd.n1, r.smd.n2, r.smd.mean1, r.smd.mean2);
    sum += r.smd.d;
  }
  std::printf("%s %s mean d %.3f\n", sc.c_str(), spec.c_str(), sum / seeds);
}

// ---- relational practice: what the trial population looks like (hidden: run by name) ----
// BURN_IN=780 build/release/tests/socius_tests "[.measure_rp]": the relationship quality of the
// randomised by arm and service at the start and at 52 weeks, and the staff serving them.
TEST_CASE("relational practice trial population, measured from the environment", "[.measure_rp]") {
  const auto env = [](const char* k, const char* d) { const char* v = std::getenv(k); return std::string(v ? v : d); };
  const auto ov = overrides_from_env("OV");
  const std::int64_t burn_in = std::stoll(env("BURN_IN", "780"));
  const std::uint64_t seed = std::stoull(env("SEED", "1"));
  auto e = read_scenario(scenarios_dir() / "relational_practice.toml");
  for (auto& x : entries({{"simulation.population", std::int64_t{20000}}, {"simulation.burn_in", burn_in}, {"simulation.steps", std::int64_t{52}}})) e.push_back(x);
  for (auto& x : entries(ov)) e.push_back(x);
  Simulation sim(model(), e, seed, 2);
  sim.step(burn_in);
  randomise(sim, kRelationalPractice, 0x5EED0000u + seed);
  auto& pop = sim.world().population;
  const auto ids = pop.ids();
  const auto arm = pop.column<std::uint8_t>("trial_arm");
  const char* svc[4] = {"employment", "education", "health", "legal"};
  // The docs' outcome (python/socius/trial.py): mean q over one's current professionals, among
  // the randomised still resident with at least one.
  const auto conditional = [&](const char* when) {
    std::vector<double> x[2];
    const auto& arm_now = pop.column<std::uint8_t>("trial_arm");
    for (AgentIndex a = 0; a < arm_now.size(); ++a) {
      if (arm_now[a] != 1 && arm_now[a] != 2) continue;
      double q = 0;
      int n = 0;
      for (const char* k : svc) {
        if (pop.column<std::uint32_t>(std::string("professional_") + k)[a] == kNoOne) continue;
        q += pop.column<float>(std::string("quality_") + k)[a];
        ++n;
      }
      if (n) x[arm_now[a] - 1].push_back(q / n);
    }
    const Smd d = cohens_d(x[0], x[1]);
    std::printf("%s: conditional q SMD %.3f (se %.3f) n %zu/%zu means %.3f/%.3f\n", when, d.d, d.se, d.n1, d.n2, d.mean1, d.mean2);
  };
  // Per arm and service: clients served, waiting, mean q, sd q, share q >= 0.8, mean professional tenure.
  const auto report = [&](const char* when) {
    const auto& post = pop.column<std::uint8_t>("post");
    const auto& ten = pop.column<float>("tenure");
    const auto& load = pop.column<std::uint32_t>("caseload");
    const auto& cap = pop.column<float>("capacity");
    const auto& bo = pop.column<float>("burnout");
    double nt = 0, t52 = 0, tsum = 0, xsum = 0, bsum = 0, vac = 0, posts = 0;
    for (AgentIndex p = 0; p < post.size(); ++p) {
      if (post[p] == 0) continue;
      posts += 1;
      if (post[p] == 2) { vac += 1; continue; }
      nt += 1; tsum += ten[p]; t52 += ten[p] < 52; xsum += static_cast<double>(load[p]) / std::max(1e-6, static_cast<double>(cap[p])); bsum += bo[p];
    }
    std::printf("%s burn-in %lld: posts %.0f vacant %.3f tenure mean %.0f share<52w %.3f load/cap %.2f burnout %.3f\n", when, (long long)burn_in, posts, vac / posts, tsum / nt, t52 / nt, xsum / nt, bsum / nt);
    for (int k = 0; k < 4; ++k) {
      const auto& pr = pop.column<std::uint32_t>(std::string("professional_") + svc[k]);
      const auto& q = pop.column<float>(std::string("quality_") + svc[k]);
      const auto& nd = pop.column<std::uint8_t>("needs");
      for (int g = 1; g <= 2; ++g) {
        double n = 0, wait = 0, s1 = 0, s2 = 0, hi = 0, pt = 0;
        for (AgentIndex a = 0; a < arm.size(); ++a) {
          if (arm[a] != g || pop.id(a) != ids[a]) continue;
          if (!(nd[a] & (1u << k))) continue;
          if (pr[a] == kNoOne) { wait += 1; continue; }
          n += 1; s1 += q[a]; s2 += q[a] * q[a]; hi += q[a] >= 0.8f; pt += ten[pr[a]];
        }
        const double m = n ? s1 / n : 0;
        std::printf("  %-10s arm %d: served %.0f waiting %.0f q mean %.3f sd %.3f share>=0.8 %.3f prof tenure %.0f\n", svc[k], g, n, wait, m, n ? std::sqrt(std::max(0.0, s2 / n - m * m)) : 0.0, n ? hi / n : 0.0, n ? pt / n : 0.0);
      }
    }
  };
  report("start");
  sim.step(26);
  report("week 26");
  conditional("week 26");
  sim.step(26);
  report("week 52");
  conditional("week 52");
}

// BEF_OV="policy.befriending.introduce=0.0" SEEDS=3 build/release/tests/socius_tests "[.measure_fade]":
// befriending stopped at week 52, the ITT SMD at weeks 26, 52, 104 and 156.
TEST_CASE("befriending stopped at week 52, measured from the environment", "[.measure_fade]") {
  const auto env = [](const char* k, const char* d) { const char* v = std::getenv(k); return std::string(v ? v : d); };
  const auto ov = overrides_from_env("BEF_OV");
  const int seeds = std::stoi(env("SEEDS", "3"));
  const std::int64_t pop = std::stoll(env("POP", "20000"));
  const int first = std::stoi(env("FIRST_SEED", "1"));
  const std::vector<std::int64_t> weeks{26, 52, 104, 156};
  std::vector<double> mean(weeks.size(), 0.0);
  for (int seed = first; seed < first + seeds; ++seed) {
    const auto d = befriending_stopped(static_cast<std::uint64_t>(seed), weeks, ov, pop);
    std::printf("%s seed %d:", env("BEF_OV", "defaults").c_str(), seed);
    for (std::size_t i = 0; i < d.size(); ++i) {
      std::printf(" w%lld d %.3f (n %zu/%zu, means %.3f/%.3f)", static_cast<long long>(weeks[i]), d[i].d, d[i].n1, d[i].n2, d[i].mean1, d[i].mean2);
      mean[i] += d[i].d / seeds;
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  std::printf("%s mean d:", env("BEF_OV", "defaults").c_str());
  for (std::size_t i = 0; i < weeks.size(); ++i) std::printf(" w%lld %.3f", static_cast<long long>(weeks[i]), mean[i]);
  std::printf("\n");
}
