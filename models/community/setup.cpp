// Setup: residents in households (kin ties), neighbourhoods by deprivation quintile, foci
// (workplaces, colleges, school gates, community places, policy hubs), initial friend and
// acquaintance ties drawn from foci (Feld 1981), and professionals in teams with collegial ties.
#include <algorithm>
#include <cmath>

#include "state.hpp"

namespace socius::models::community {

namespace {

/// Gamma variate with the given shape and mean 1 (Marsaglia & Tsang 2000; boost for shape < 1).
double gamma_mean1(Stream& rng, double shape) {
  double boost = 1.0;
  double k = shape;
  if (k < 1.0) {
    boost = std::pow(rng.uniform() + 1e-300, 1.0 / k);
    k += 1.0;
  }
  const double d = k - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = rng.normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = rng.uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x || std::log(u + 1e-300) < 0.5 * x * x + d * (1.0 - v + std::log(v))) {
      return boost * d * v / shape;
    }
  }
}

double uniform(Stream& rng, double lo, double hi) { return lo + (hi - lo) * rng.uniform(); }

/// Draws a household type compatible with `size` adults (0: any), from the household mix.
int draw_type(const Params& p, Stream& rng, std::uint32_t size) {
  static const bool compatible[5][5] = {
      // size:      any   1      2      3      4+
      /* one  */ {true, true, false, false, false},
      /* cpl  */ {true, false, true, false, false},
      /* cplc */ {true, false, true, true, false},
      /* lone */ {true, true, true, false, false},
      /* shrd */ {true, false, true, true, true},
  };
  const std::uint32_t col = std::min<std::uint32_t>(size, 4);
  double total = 0;
  for (int t = 0; t < 5; ++t) total += compatible[t][col] ? p.structure.household[t] : 0.0;
  if (total <= 0) return size == 1 ? kOnePerson : kShared;
  double u = rng.uniform() * total;
  for (int t = 0; t < 5; ++t) {
    if (!compatible[t][col]) continue;
    if (u < p.structure.household[t]) return t;
    u -= p.structure.household[t];
  }
  return size == 1 ? kOnePerson : kShared;
}

std::uint32_t natural_size(int type, Stream& rng) {
  switch (type) {
    case kOnePerson: return 1;
    case kCouple: return 2;
    case kCoupleChildren: return 2 + (rng.bernoulli(0.2) ? 1 : 0);
    case kLoneParent: return 1 + (rng.bernoulli(0.25) ? 1 : 0);
    default: return 2 + rng.below(2);
  }
}

}  // namespace

double need_index(const Params& P, int service, int quintile) {
  switch (service) {
    case kEmployment: {
      const double emp = P.structure.employment_rate_q1 + (P.structure.employment_rate_q5 - P.structure.employment_rate_q1) * (quintile - 1) / 4.0;
      const double emp_mean = (P.structure.employment_rate_q1 + P.structure.employment_rate_q5) / 2.0;
      return emp_mean < 1.0 ? (1.0 - emp) / (1.0 - emp_mean) : 1.0;
    }
    case kLegal: {
      const double d = P.services.legal_deprivation;
      return (1.0 + (d - 1.0) * (5 - quintile) / 4.0) / (1.0 + (d - 1.0) / 2.0);
    }
    default: return 1.0;
  }
}

std::vector<std::uint32_t> apportion(std::uint32_t total, const std::vector<double>& weight) {
  const auto n = static_cast<std::uint32_t>(weight.size());
  std::vector<std::uint32_t> out(n, 0);
  if (n == 0) return out;
  double sum = 0;
  for (double x : weight) sum += x;
  const std::uint32_t floor_each = total >= n ? 1 : 0;
  const std::uint32_t rest = total - floor_each * n;
  std::vector<std::pair<double, std::uint32_t>> remainder(n);
  std::uint32_t given = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const double quota = sum > 0 ? rest * weight[i] / sum : static_cast<double>(rest) / n;
    const auto whole = static_cast<std::uint32_t>(std::floor(quota));
    out[i] = floor_each + whole;
    given += whole;
    remainder[i] = {quota - whole, i};
  }
  std::stable_sort(remainder.begin(), remainder.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  for (std::uint32_t i = 0; given < rest; ++i, ++given) ++out[remainder[i % n].second];
  return out;
}

void fill_household(State& s, std::span<const AgentIndex> slots, std::uint32_t household_focus, Stream& rng,
                    bool at_setup, std::vector<TieEvent>& events) {
  const Params& P = s.P;
  const auto n = static_cast<std::uint32_t>(slots.size());
  const int type = draw_type(P, rng, n);
  auto& age = s.age;
  auto& parent_until = s.parent_until;
  // Ages of the household's adults by type; the rest are adult children or sharers.
  double first = 40;
  bool young_child = false;
  switch (type) {
    case kOnePerson: first = rng.bernoulli(P.structure.older_one_person_share) ? uniform(rng, 65, 95) : uniform(rng, 20, 65); break;
    case kCouple: first = rng.bernoulli(P.structure.older_couple_share) ? uniform(rng, 55, 88) : uniform(rng, 24, 55); break;
    case kCoupleChildren:
    case kLoneParent:
      first = n >= (type == kCoupleChildren ? 3u : 2u) ? uniform(rng, 38, 58) : uniform(rng, 20, 46);
      young_child = first < 45 && rng.bernoulli(P.structure.young_child_share);
      break;
    default: first = uniform(rng, 20, 35); break;
  }
  const bool family_shared = type == kShared && rng.bernoulli(0.5);
  if (family_shared) first = uniform(rng, 45, 65);
  const std::uint32_t adults = (type == kCouple || type == kCoupleChildren) ? 2 : 1;
  const double child_years = young_child ? uniform(rng, 0, 5) : 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const AgentIndex a = slots[i];
    double x;
    if (i == 0) {
      x = first;
    } else if (i < adults) {
      x = std::max(18.0, first + 3.0 * rng.normal());
    } else if (type == kShared && !family_shared) {
      x = uniform(rng, 20, 35);
    } else {
      x = uniform(rng, 16, 24);  // adult child living at home
    }
    age[a] = static_cast<float>(x);
    parent_until[a] = (young_child && i < adults) ? static_cast<float>(x + 5.0 - child_years) : 0.0f;
    s.household[a] = household_focus;
  }
  // Traits and states of each member.
  for (std::uint32_t i = 0; i < n; ++i) {
    const AgentIndex a = slots[i];
    const int q = s.quintile[s.nbhd[a]];
    const double x = age[a];
    std::uint8_t st;
    if (x < 18 || (x < 22 && rng.bernoulli(0.45))) {
      st = kEducation;
    } else if (x >= P.life.retirement_age || (x >= 60 && rng.bernoulli(0.3))) {
      st = kRetired;
    } else {
      double emp = P.structure.employment_rate_q1 + (P.structure.employment_rate_q5 - P.structure.employment_rate_q1) * (q - 1) / 4.0;
      if (parent_until[a] > age[a]) emp *= 0.75;
      st = rng.bernoulli(emp) ? kEmployed : (rng.bernoulli(P.structure.unemployment_share) ? kUnemployed : kInactive);
    }
    s.status[a] = st;
    s.sociability[a] = static_cast<float>(gamma_mean1(rng, P.contact.sociability_shape));
    double desired = P.loneliness.desired_mean * std::exp(P.loneliness.desired_sd * rng.normal() - 0.5 * P.loneliness.desired_sd * P.loneliness.desired_sd);
    s.desired[a] = static_cast<float>(desired);
    s.disposition[a] = static_cast<float>(P.trust.disposition_sd * rng.normal());
    s.positive[a] = static_cast<float>(P.trust.positive_q1 + (P.trust.positive_q5 - P.trust.positive_q1) * (q - 1) / 4.0);
    s.trust[a] = static_cast<float>(logistic(P.trust.intercept + s.disposition[a]));
    s.lonely[a] = at_setup ? 0.2f : 0.3f;  // a newcomer knows no one yet
    s.civic[a] = at_setup ? 0.3f : 0.2f;
    s.focus_comm[a] = kNone;
    s.focus_hub[a] = kNone;
    s.befriender[a] = kNone;
    s.trial_arm[a] = kArmNone;  // a newcomer takes no part in a trial under way
    s.befriended[a] = 0;
    s.made[a] = 0;
    s.received[a] = 0;
    s.local_ties[a] = 0;
    s.family_away[a] = static_cast<std::uint8_t>(std::min<std::uint32_t>(rng.poisson(P.structure.family_away), 255));
    s.meetings[a] = 0;
    s.needs[a] = 0;
    for (int k = 0; k < kServices; ++k) {
      s.prof[k][a] = kNone;
      s.quality[k][a] = 0.0f;
      s.waited[k][a] = 0;
    }
    if (st == kUnemployed) s.needs[a] |= 1u << kEmployment;
    if (st == kEducation) s.needs[a] |= 1u << kEducationSvc;
    // Work focus.
    std::uint32_t work = kNone;
    const std::uint32_t j = s.nbhd[a];
    if (st == kEmployed && s.n_workplaces > 0) {
      work = s.n_workplaces_first + rng.below(s.n_workplaces);
    } else if (st == kEducation) {
      work = s.colleges_of_nbhd[j];
    } else if (parent_until[a] > age[a]) {
      work = s.school_of_nbhd[j];
    }
    s.focus_work[a] = work;
    // Community focus, more likely for sociable people.
    const std::uint32_t c0 = s.community_foci_of_nbhd_offset[j], c1 = s.community_foci_of_nbhd_offset[j + 1];
    if (c1 > c0 && rng.bernoulli(std::min(1.0, P.structure.community_membership * s.sociability[a]))) {
      s.focus_comm[a] = s.community_foci[c0 + rng.below(c1 - c0)];
    }
  }
  // Household ties: kin, strong.
  for (std::uint32_t i = 0; i < n; ++i) {
    for (std::uint32_t k = i + 1; k < n; ++k) events.push_back(TieEvent::add(slots[i], slots[k], 0.8f, kKin));
  }
}

void State::rebuild_foci() {
  const std::uint32_t F = n_foci();
  focus_offset.assign(F + 1, 0);
  const std::span<const std::uint32_t> cols[4] = {household, focus_work, focus_comm, focus_hub};
  for (AgentIndex a = 0; a < residents; ++a) {
    for (const auto c : cols) {
      const std::uint32_t f = c[a];
      if (f != kNone) ++focus_offset[f + 1];
    }
  }
  for (std::uint32_t f = 0; f < F; ++f) focus_offset[f + 1] += focus_offset[f];
  focus_members.resize(focus_offset[F]);
  std::vector<std::uint32_t> fill(focus_offset.begin(), focus_offset.end() - 1);
  for (AgentIndex a = 0; a < residents; ++a) {
    for (const auto c : cols) {
      const std::uint32_t f = c[a];
      if (f != kNone) focus_members[fill[f]++] = a;
    }
  }
}

void State::rebuild_residents_of_nbhd() {
  residents_of_nbhd_offset.assign(n_nbhd + 1, 0);
  for (AgentIndex a = 0; a < residents; ++a) ++residents_of_nbhd_offset[nbhd[a] + 1];
  for (std::uint32_t j = 0; j < n_nbhd; ++j) residents_of_nbhd_offset[j + 1] += residents_of_nbhd_offset[j];
  residents_of_nbhd.resize(residents);
  std::vector<std::uint32_t> fill(residents_of_nbhd_offset.begin(), residents_of_nbhd_offset.end() - 1);
  for (AgentIndex a = 0; a < residents; ++a) residents_of_nbhd[fill[nbhd[a]]++] = a;
  nbhd_size.assign(n_nbhd, 0);
  for (std::uint32_t j = 0; j < n_nbhd; ++j) nbhd_size[j] = residents_of_nbhd_offset[j + 1] - residents_of_nbhd_offset[j];
}

int State::groups_of_cell(std::uint32_t cell, std::uint32_t* out) {
  const std::uint32_t parent = cell % 2, band = (cell / 2) % 7, quintile = cell / 14 + 1;
  int n = 0;
  out[n++] = 0;          // all
  out[n++] = quintile;   // groups 1..5
  out[n++] = 6 + band;   // age_16_24 .. age_75_plus
  if (band >= 5) out[n++] = 13;  // age_65_plus
  if (parent) out[n++] = 14;     // parents
  return n;
}

void setup_world(State& s, World& w, const StepContext& ctx) {
  const Params& P = s.P;
  auto& pop = w.population;
  const auto R = static_cast<AgentIndex>(P.simulation.population);
  s.residents = R;

  // Neighbourhoods (docs/model.md, "Setup"): their number is a multiple of five, about
  // R / structure.neighbourhood_size, so every deprivation quintile holds the same number of
  // neighbourhoods (a fifth of the residents) at any population; at least one each. Quintiles
  // cycle 1..5 along the neighbourhoods and an area (served by one team of each service) is
  // services.team_neighbourhoods consecutive neighbourhoods: at the default 5 every area holds one
  // neighbourhood of each quintile (areas of mixed deprivation, as a local authority's patches are).
  s.n_nbhd = 5 * std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::lround(R / (5.0 * P.structure.neighbourhood_size))));
  s.quintile.resize(s.n_nbhd);
  for (std::uint32_t j = 0; j < s.n_nbhd; ++j) s.quintile[j] = static_cast<std::uint8_t>(1 + j % 5);
  s.n_areas = static_cast<std::uint32_t>((s.n_nbhd + P.services.team_neighbourhoods - 1) / P.services.team_neighbourhoods);
  s.nbhd_team_area.resize(s.n_nbhd);
  for (std::uint32_t j = 0; j < s.n_nbhd; ++j) s.nbhd_team_area[j] = static_cast<std::uint32_t>(j / P.services.team_neighbourhoods);

  // Households: drawn one after another until the population is full (the last is truncated).
  std::vector<std::uint32_t> hh_first, hh_size;
  {
    AgentIndex next = 0;
    std::uint32_t h = 0;
    while (next < R) {
      Stream rng = ctx.stream(h, kPurposeSetup);
      const std::uint32_t size = std::min<std::uint32_t>(natural_size(draw_type(P, rng, 0), rng), R - next);
      hh_first.push_back(next);
      hh_size.push_back(size);
      next += size;
      ++h;
    }
  }
  const auto H = static_cast<std::uint32_t>(hh_first.size());

  // Professionals: the posts of each service are services.<name>_posts per 10,000 residents in
  // all, shared among the areas' teams by need (a resource-allocation formula): a
  // neighbourhood's need index for a service is its residents times the service's relative need
  // in its quintile (need_index), and each team gets its area's share of the service's posts
  // (largest remainder, at least one post per team). Counted first so the population is added once.
  std::vector<double> nbhd_residents(s.n_nbhd, 0.0);
  for (std::uint32_t j = 0; j < s.n_nbhd; ++j) {
    const double first = std::floor(static_cast<double>(j) * R / s.n_nbhd), last = std::floor(static_cast<double>(j + 1) * R / s.n_nbhd);
    nbhd_residents[j] = last - first;
  }
  s.n_teams = kServices * s.n_areas;
  std::vector<std::uint32_t> team_funded(s.n_teams), team_reserve(s.n_teams);
  std::vector<std::uint8_t> area_rp(s.n_areas, 0);
  std::vector<double> team_targeted(s.n_teams, 0.0);  // need share of the team's area in targeted neighbourhoods
  for (std::uint32_t j = 0; j < s.n_nbhd; ++j) {
    if (targets_quintile(P.policy.relational_practice.target, s.quintile[j])) area_rp[s.nbhd_team_area[j]] = 1;
  }
  s.team_offset.assign(s.n_teams + 1, 0);
  double targeted_posts = 0;
  for (int k = 0; k < kServices; ++k) {
    std::vector<double> need(s.n_areas, 0.0), targeted(s.n_areas, 0.0);
    for (std::uint32_t j = 0; j < s.n_nbhd; ++j) {
      const double x = nbhd_residents[j] * need_index(P, k, s.quintile[j]);
      need[s.nbhd_team_area[j]] += x;
      if (targets_quintile(P.policy.relational_practice.target, s.quintile[j])) targeted[s.nbhd_team_area[j]] += x;
    }
    const double total = std::max(static_cast<double>(s.n_areas), std::round(P.services.posts[k] * R / 10000.0));
    const auto posts = apportion(static_cast<std::uint32_t>(total), need);
    for (std::uint32_t ar = 0; ar < s.n_areas; ++ar) {
      const std::uint32_t t = k * s.n_areas + ar;
      team_funded[t] = posts[ar];
      team_targeted[t] = need[ar] > 0 ? targeted[ar] / need[ar] : 0.0;
      targeted_posts += team_funded[t] * team_targeted[t];
    }
  }
  // Relational practice's extra posts: round(extra_posts x targeted posts) in all (a team's
  // targeted posts: its posts x the share of its area's need in targeted neighbourhoods), handed
  // out one at a time to teams with targeted neighbourhoods, most targeted posts first (ties by
  // team index), cycling.
  if (P.policy.relational_practice.enabled) {
    auto extra = static_cast<std::uint32_t>(std::lround(P.policy.relational_practice.extra_posts * targeted_posts));
    std::vector<std::uint32_t> order;
    for (std::uint32_t t = 0; t < s.n_teams; ++t) {
      if (area_rp[t % s.n_areas]) order.push_back(t);
    }
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) { return team_funded[x] * team_targeted[x] > team_funded[y] * team_targeted[y]; });
    for (std::size_t i = 0; extra > 0 && !order.empty(); ++i, --extra) ++team_reserve[order[i % order.size()]];
  }
  for (std::uint32_t t = 0; t < s.n_teams; ++t) s.team_offset[t + 1] = s.team_offset[t] + team_funded[t] + team_reserve[t];
  s.professionals = s.team_offset[s.n_teams];
  pop.add(R + s.professionals);
  w.ties.resize(R + s.professionals);

  // Columns. State variables are writable from Python and range-checked; indices are read-only.
  constexpr double kInf = std::numeric_limits<double>::infinity();
  pop.set_kinds({{"resident", 0, R}, {"professional", R, R + s.professionals}});
  s.nbhd = pop.add_column<std::uint32_t>("neighbourhood", kNone, "neighbourhood index (residents)");
  s.age = pop.add_column<float>("age", 0.0f, ColumnSpec::state("age in years", 0.0, kInf));
  s.household = pop.add_column<std::uint32_t>("household", kNone, "household focus id");
  s.status = pop.add_column<std::uint8_t>("status", kInactive, "0 employed, 1 unemployed, 2 retired, 3 education, 4 inactive");
  s.parent_until = pop.add_column<float>("parent_until", 0.0f, ColumnSpec::state("age at which the youngest child turns 5 (parent while age is below)", 0.0, kInf));
  s.sociability = pop.add_column<float>("sociability", 1.0f, ColumnSpec::state("contact budget multiplier", 0.0, kInf));
  s.desired = pop.add_column<float>("desired", 0.0f, ColumnSpec::state("desired close-tie strength", 0.0, kInf));
  s.lonely = pop.add_column<float>("loneliness", 0.0f, ColumnSpec::state("loneliness L in [0,1]", 0.0, 1.0));
  s.trust = pop.add_column<float>("trust", 0.0f, ColumnSpec::state("generalised trust T in [0,1]", 0.0, 1.0));
  s.civic = pop.add_column<float>("civic_efficacy", 0.0f, ColumnSpec::state("civic efficacy E in [0,1]", 0.0, 1.0));
  s.disposition = pop.add_column<float>("trust_disposition", 0.0f, ColumnSpec::state("individual trust intercept (logit)", -kInf, kInf));
  s.positive = pop.add_column<float>("positive_contacts", 0.0f, ColumnSpec::state("moving average of the positive share of contacts", 0.0, 1.0));
  s.focus_work = pop.add_column<std::uint32_t>("focus_work", kNone, "workplace, college or school-gate focus");
  s.focus_comm = pop.add_column<std::uint32_t>("focus_community", kNone, "community focus");
  s.focus_hub = pop.add_column<std::uint32_t>("focus_hub", kNone, "policy hub focus");
  s.made = pop.add_column<std::uint16_t>("contacts_made", 0, "social contacts made this week");
  s.received = pop.add_column<std::uint16_t>("contacts_received", 0, "social contacts received this week");
  s.local_ties = pop.add_column<std::uint16_t>("local_ties", 0, "social ties in one's own neighbourhood");
  s.family_away = pop.add_column<std::uint8_t>("family_away", 0, "close relatives living outside the area");
  s.meetings = pop.add_column<std::uint8_t>("meetings", 0, "contacts spent meeting someone new this week");
  s.event = pop.add_column<std::uint8_t>("life_event", 0, "life event drawn this week (scratch)");
  s.svc_event = pop.add_column<std::uint16_t>("service_event", 0, "service outcomes drawn this week (scratch)");
  s.befriender = pop.add_column<std::uint32_t>("befriender", kNone, "befriending volunteer");
  s.befriended = pop.add_column<std::uint8_t>("befriended", 0, "1: has had a befriending match in this run (offered once)");
  s.needs = pop.add_column<std::uint8_t>("needs", 0, "bit s: need for service s");
  s.trial_arm = pop.add_column<std::uint8_t>("trial_arm", kArmNone, ColumnSpec::state("virtual trial arm: 0 not in a trial, 1 offered, 2 control", 0.0, 2.0));
  s.policy_target = pop.add_column<std::uint8_t>("policy_target", 0, "bit per person-level policy in whose target group the resident is now: 1 hubs, 2 befriending, 4 relational practice");
  const char* svc[4] = {"employment", "education", "health", "legal"};
  for (int k = 0; k < kServices; ++k) {
    s.prof[k] = pop.add_column<std::uint32_t>(std::string("professional_") + svc[k], kNone, "current professional");
    s.quality[k] = pop.add_column<float>(std::string("quality_") + svc[k], 0.0f, ColumnSpec::state("relationship quality q in [0,1]", 0.0, 1.0));
    s.waited[k] = pop.add_column<std::uint16_t>(std::string("waited_") + svc[k], 0, "weeks on the waiting list");
  }
  s.service = pop.add_column<std::uint8_t>("service", 0, "service of a professional");
  s.team = pop.add_column<std::uint32_t>("team", kNone, "team of a professional");
  s.post = pop.add_column<std::uint8_t>("post", 0, "0 resident or unfunded reserve, 1 filled post, 2 vacant post");
  s.caseload = pop.add_column<std::uint32_t>("caseload", 0, "clients of a professional");
  s.capacity = pop.add_column<float>("capacity", 0.0f, ColumnSpec::state("caseload a professional can serve well", 0.0, kInf));
  s.tenure = pop.add_column<float>("tenure", 0.0f, ColumnSpec::state("weeks in post", 0.0, kInf));
  s.burnout = pop.add_column<float>("burnout", 0.0f, ColumnSpec::state("burnout B in [0,1]", 0.0, 1.0));
  s.sensitivity = pop.add_column<float>("burnout_sensitivity", 1.0f, ColumnSpec::state("burnout sensitivity v of a professional (lognormal, mean 1)", 0.0, kInf));
  s.vacant_until = pop.add_column<std::int32_t>("vacant_until", 0, "step at which a vacancy is filled");
  s.extra_post = pop.add_column<std::uint8_t>("extra_post", 0, "1: post funded by relational practice");

  // Neighbourhood of each resident from its household's first member.
  for (std::uint32_t h = 0; h < H; ++h) {
    const auto j = static_cast<std::uint32_t>((static_cast<std::uint64_t>(hh_first[h]) * s.n_nbhd) / R);
    for (std::uint32_t i = 0; i < hh_size[h]; ++i) s.nbhd[hh_first[h] + i] = j;
  }
  s.rebuild_residents_of_nbhd();

  // Foci: households, workplaces, colleges, school gates, community places, hubs.
  auto add_focus = [&](FocusKind k, std::uint32_t j, double activity) {
    s.focus_kind.push_back(k);
    s.focus_nbhd.push_back(j);
    s.focus_activity.push_back(static_cast<float>(activity));
    return s.n_foci() - 1;
  };
  for (std::uint32_t h = 0; h < H; ++h) add_focus(kHousehold, s.nbhd[hh_first[h]], 1.0);
  // Workplaces sized to an expected employment of about 60% of residents.
  s.n_workplaces_first = s.n_foci();
  s.n_workplaces = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::lround(0.6 * R / P.structure.workplace_size)));
  for (std::uint32_t i = 0; i < s.n_workplaces; ++i) add_focus(kWorkplace, kNone, P.structure.activity_work);
  // Colleges serve contiguous groups of neighbourhoods (about 8% of residents are students).
  const std::uint32_t n_colleges = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::lround(0.08 * R / P.structure.college_size)));
  const std::uint32_t first_college = s.n_foci();
  for (std::uint32_t i = 0; i < n_colleges; ++i) add_focus(kCollege, kNone, P.structure.activity_college);
  s.colleges_of_nbhd.resize(s.n_nbhd);
  for (std::uint32_t j = 0; j < s.n_nbhd; ++j) s.colleges_of_nbhd[j] = first_college + static_cast<std::uint32_t>((static_cast<std::uint64_t>(j) * n_colleges) / s.n_nbhd);
  s.school_of_nbhd.resize(s.n_nbhd);
  for (std::uint32_t j = 0; j < s.n_nbhd; ++j) s.school_of_nbhd[j] = add_focus(kSchoolGate, j, P.structure.activity_school_gate);
  s.community_foci_of_nbhd_offset.assign(s.n_nbhd + 1, 0);
  for (std::uint32_t j = 0; j < s.n_nbhd; ++j) {
    for (std::int64_t c = 0; c < P.structure.community_foci; ++c) s.community_foci.push_back(add_focus(kCommunity, j, P.structure.activity_community));
    s.community_foci_of_nbhd_offset[j + 1] = static_cast<std::uint32_t>(s.community_foci.size());
  }
  // Hubs are created when the policies start (start_policies, policies.cpp), not here: nothing
  // the burn-in does depends on a policy (docs/appraisal.md, "One burn-in for every option").
  s.hubs_of_nbhd.assign(s.n_nbhd, kNone);
  s.hubs_in_nbhd.assign(s.n_nbhd, 0);

  // Residents, household by household.
  std::vector<TieEvent> events;
  for (std::uint32_t h = 0; h < H; ++h) {
    Stream rng = ctx.stream(h, kPurposeSetup + 100);
    std::vector<AgentIndex> slots(hh_size[h]);
    for (std::uint32_t i = 0; i < hh_size[h]; ++i) slots[i] = hh_first[h] + i;
    fill_household(s, slots, h, rng, true, events);
  }
  w.ties.apply(events);
  s.rebuild_foci();
  // The adult age pyramid drawn here is the one the area keeps (life_events.cpp).
  s.age_target.fill(0);
  for (AgentIndex a = 0; a < s.residents; ++a) ++s.age_target[State::age_band(s.age[a])];

  // Professionals.
  for (std::uint32_t t = 0; t < s.n_teams; ++t) {
    for (std::uint32_t i = s.team_offset[t]; i < s.team_offset[t + 1]; ++i) {
      const AgentIndex a = R + i;
      const bool reserve = i - s.team_offset[t] >= team_funded[t];
      Stream rng = ctx.stream(a, kPurposeSetup);
      s.service[a] = static_cast<std::uint8_t>(t / s.n_areas);
      s.team[a] = t;
      s.post[a] = reserve ? 0 : 1;
      s.extra_post[a] = reserve ? 1 : 0;
      s.tenure[a] = reserve ? 0.0f : static_cast<float>(uniform(rng, 0, 520));
      s.age[a] = static_cast<float>(uniform(rng, 25, 60));
      s.sensitivity[a] = static_cast<float>(draw_sensitivity(P, rng));
      s.burnout[a] = reserve ? 0.0f : clamp01(static_cast<float>(s.sensitivity[a] * P.burnout.newcomer));
      s.capacity[a] = full_capacity(s, a);
    }
  }
  s.rebuild_teams();
  s.team_rp.assign(s.n_teams, 0.0f);
  // The areas relational practice and collaboration target are set when the policies start.
  s.area_targeted_rp.assign(s.n_areas, 0);
  s.area_targeted_collab.assign(s.n_areas, 0);

  // Initial social ties: kin in other households, friends and acquaintances from one's foci and
  // neighbourhood, proposed in parallel and applied as one batch.
  EventBuffer buffer;
  parallel_for(0, R, [&](AgentIndex a) {
    auto& out = buffer.local();
    Stream rng = ctx.stream(a, kPurposeSetupTies);
    const std::uint32_t kin = rng.poisson(0.5 * static_cast<double>(P.structure.kin_outside));
    for (std::uint32_t i = 0; i < kin && R > 1; ++i) {
      AgentIndex b = rng.below(R - 1);
      if (b >= a) ++b;
      out.push_back(TieEvent::add(a, b, 0.4f, kKin));
    }
    const std::uint32_t foci[2] = {s.focus_work[a], s.focus_comm[a]};
    const std::uint32_t j = s.nbhd[a];
    auto someone = [&]() -> AgentIndex {
      const std::uint32_t pick = rng.below(3);
      std::uint32_t lo, hi;
      const AgentIndex* members;
      if (pick < 2 && foci[pick] != kNone) {
        lo = s.focus_offset[foci[pick]];
        hi = s.focus_offset[foci[pick] + 1];
        members = s.focus_members.data();
      } else {
        lo = s.residents_of_nbhd_offset[j];
        hi = s.residents_of_nbhd_offset[j + 1];
        members = s.residents_of_nbhd.data();
      }
      if (hi - lo < 2) return kNone;
      const AgentIndex b = members[lo + rng.below(hi - lo)];
      return b == a ? kNone : b;
    };
    const std::uint32_t friends = rng.poisson(0.5 * P.structure.initial_friends * s.sociability[a]);
    for (std::uint32_t i = 0; i < friends; ++i) {
      const AgentIndex b = someone();
      if (b != kNone) out.push_back(TieEvent::add(a, b, static_cast<float>(uniform(rng, 0.5, 0.9)), kFriend));
    }
    const std::uint32_t acq = rng.poisson(0.5 * P.structure.initial_acquaintances * s.sociability[a]);
    for (std::uint32_t i = 0; i < acq; ++i) {
      const AgentIndex b = someone();
      if (b != kNone) out.push_back(TieEvent::add(a, b, static_cast<float>(uniform(rng, 0.1, 0.4)), kAcquaintance));
    }
  });
  // Collegial ties within teams.
  for (std::uint32_t t = 0; t < s.n_teams; ++t) {
    std::vector<AgentIndex> filled;
    for (std::uint32_t i = s.team_offset[t]; i < s.team_offset[t + 1]; ++i) {
      if (s.post[R + i] == 1) filled.push_back(R + i);
    }
    if (filled.size() < 2) continue;
    for (AgentIndex a : filled) {
      Stream rng = ctx.stream(a, kPurposeSetupTies);
      for (std::int64_t c = 0; c < P.burnout.colleagues; ++c) {
        const AgentIndex b = filled[rng.below(static_cast<std::uint32_t>(filled.size()))];
        if (b != a) buffer.local().push_back(TieEvent::add(a, b, 0.5f, kCollegial));
      }
    }
  }
  auto batch = buffer.take();
  w.ties.apply(batch);

  // Initial needs (prevalence near the steady state) and assignment.
  for (AgentIndex a = 0; a < R; ++a) {
    Stream rng = ctx.stream(a, kPurposeSetup + 200);
    const double age_factor = std::exp2((s.age[a] - 50.0) / 20.0);
    if (rng.bernoulli(std::min(1.0, P.services.health_onset * age_factor * 2.0))) s.needs[a] |= 1u << kHealth;
    const int q = s.quintile[s.nbhd[a]];
    const double legal = P.services.legal_onset * (1.0 + (P.services.legal_deprivation - 1.0) * (5 - q) / 4.0);
    if (rng.bernoulli(std::min(1.0, legal))) s.needs[a] |= 1u << kLegal;
  }
  s.nbhd_trust.assign(s.n_nbhd, 0.0f);
  s.lonely_prev.assign(R, 0.0f);
  assign_waiting(s, w, ctx);
}

}  // namespace socius::models::community
