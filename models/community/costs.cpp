// Costs and appraisal (docs/model.md, "Costs and appraisal"): spending recorded by item and
// deprivation quintile, present values at the Green Book's rates, and the appraisal system
// that adds up person-years often lonely.
//   cost_pv = sum over steps t >= 1 of spend(t) (1 + r)^(-t/52),   r = appraisal.discount_rate
//   lonely_years = sum over t >= 1 of lonely(t) / 52,
//   lonely_years_pv = sum over t >= 1 of lonely(t) / 52 (1 + r_h)^(-t/52),   r_h = appraisal.health_discount_rate
// (HM Treasury Green Book 2022: 3.5% a year; 1.5% for health and wellbeing effects).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "state.hpp"

namespace socius::models::community {

namespace {

constexpr double kNotYet = std::numeric_limits<double>::quiet_NaN();

/// First active week of a timed policy (its fixed part and one-off unit costs are paid then).
std::int64_t first_week(const TimedPolicy& tp) { return std::max<std::int64_t>(tp.start + 1, 1); }

/// Residents' shares by quintile: of the whole borough (area == kNone) or of one team area.
std::array<double, kQuintiles> quintile_shares(const State& s, std::uint32_t area = kNone) {
  std::array<double, kQuintiles> share{};
  double total = 0;
  for (std::uint32_t j = 0; j < s.n_nbhd; ++j) {
    if (area != kNone && s.nbhd_team_area[j] != area) continue;
    share[s.quintile[j] - 1] += s.nbhd_size[j];
    total += s.nbhd_size[j];
  }
  for (double& x : share) x = total > 0 ? x / total : 1.0 / kQuintiles;
  return share;
}

/// Whether professional p (in post) has been paid for since they arrived: `arrival` holds the
/// arrival week (step - tenure) of the professional last paid for in each post, NaN for none.
/// Tenure grows by exactly 1 a week and restarts at 0 on arrival, so a newcomer in the post has
/// another arrival week.
bool paid_since_arrival(const State& s, const std::vector<double>& arrival, AgentIndex p, std::uint32_t step) {
  const double a = arrival[p - s.residents];
  return !std::isnan(a) && std::abs(a - (static_cast<double>(step) - s.tenure[p])) < 0.5;
}

}  // namespace

void State::spend(int item, int q, double gbp, std::int64_t t) {
  if (gbp == 0.0 || t < 1) return;
  const int i = std::clamp(q, 1, kQuintiles) - 1;
  cost_to_date += gbp;
  cost_q[i] += gbp;
  cost_pv[item][i] += gbp * discount_factor(P.appraisal.discount_rate, static_cast<double>(t));
}

void State::spend(int item, const std::array<double, kQuintiles>& share, double gbp, std::int64_t t) {
  if (gbp == 0.0 || t < 1) return;
  const double df = discount_factor(P.appraisal.discount_rate, static_cast<double>(t));
  cost_to_date += gbp;
  for (int i = 0; i < kQuintiles; ++i) {
    cost_q[i] += gbp * share[i];
    cost_pv[item][i] += gbp * share[i] * df;
  }
}

void State::save(const std::array<double, kQuintiles>& share, double gbp, std::int64_t t) {
  if (gbp == 0.0 || t < 1) return;
  const double df = discount_factor(P.appraisal.discount_rate, static_cast<double>(t));
  savings_to_date += gbp;
  for (int i = 0; i < kQuintiles; ++i) {
    savings_q[i] += gbp * share[i];
    savings_pv[i] += gbp * share[i] * df;
  }
}

void pay_policies(State& s, const StepContext& ctx) {
  const Params& P = s.P;
  const std::int64_t t = ctx.time;
  if (t < 1) return;
  const auto& pol = P.policy;
  if (!pol.hubs.enabled && !pol.befriending.enabled && !pol.relational_practice.enabled && !pol.collaboration.enabled && s.reorg_posts_cut == 0) return;
  const auto everyone = quintile_shares(s);
  std::vector<std::array<double, kQuintiles>> area(s.n_areas);
  for (std::uint32_t ar = 0; ar < s.n_areas; ++ar) area[ar] = quintile_shares(s, ar);
  const std::size_t staff = s.professionals;
  if (s.rp_trained.size() != staff) s.rp_trained.assign(staff, kNotYet);
  if (s.collab_joined.size() != staff) s.collab_joined.assign(staff, kNotYet);

  // Hubs: the fixed part and each hub's opening in the first active week; every hub open
  // (the policy active) costs cost_per_hub_year / 52 a week, by its neighbourhood's quintile.
  const auto& H = P.policy.hubs;
  if (ramp(H, t) > 0) {
    if (t == first_week(H)) s.spend(kCostHubs, everyone, H.cost_one_off, t);
    for (std::uint32_t f = s.hub_first; s.hub_count > 0 && f < s.hub_first + s.hub_count; ++f) {
      const int q = s.quintile[s.focus_nbhd[f]];
      s.spend(kCostHubs, q, H.cost_per_hub_year / 52.0 + (t == first_week(H) ? H.cost_per_hub_opened : 0.0), t);
    }
  }
  // Befriending: the fixed part, then cost_per_match_year / 52 for every match running after this
  // week's matching, by the befriended resident's quintile (empty places cost nothing).
  const auto& B = P.policy.befriending;
  if (B.enabled && (ramp(B, t) > 0 || s.befriending_matches > 0)) {
    if (ramp(B, t) > 0 && t == first_week(B)) s.spend(kCostBefriending, everyone, B.cost_one_off, t);
    std::array<double, kQuintiles> running{};
    for (AgentIndex a = 0; a < s.residents; ++a) {
      if (s.befriender[a] != kNone) running[s.quintile[s.nbhd[a]] - 1] += 1;
    }
    for (int q = 0; q < kQuintiles; ++q) s.spend(kCostBefriending, q + 1, running[q] * B.cost_per_match_year / 52.0, t);
  }
  // Relational practice: the fixed part; each extra post filled costs cost_per_post_year / 52 a
  // week (a vacant one nothing); each professional in post in a targeted team is trained once,
  // on the policy's first week or on arrival, by the quintiles of the team's area.
  const auto& RP = P.policy.relational_practice;
  if (ramp(RP, t) > 0) {
    if (t == first_week(RP)) s.spend(kCostRelationalPractice, everyone, RP.cost_one_off, t);
    for (AgentIndex p = s.residents; p < s.agents(); ++p) {
      if (s.post[p] != 1) continue;
      const std::uint32_t ar = s.team[p] % s.n_areas;
      if (s.extra_post[p]) s.spend(kCostRelationalPractice, area[ar], P.budget.cost_per_post_year / 52.0, t);
      if (!s.area_targeted_rp[ar] && !s.extra_post[p]) continue;
      if (paid_since_arrival(s, s.rp_trained, p, ctx.step)) continue;
      s.rp_trained[p - s.residents] = static_cast<double>(ctx.step) - s.tenure[p];
      s.spend(kCostRelationalPractice, area[ar], RP.cost_per_trained, t);
    }
  }
  // Collaboration: the fixed part; each professional in post in a collaborating area during the
  // ramp-up (when the ties form) once; every collaborating team cost_per_team_year / 52 a week.
  const auto& C = P.policy.collaboration;
  if (ramp(C, t) > 0) {
    if (t == first_week(C)) s.spend(kCostCollaboration, everyone, C.cost_one_off, t);
    if (t <= C.start + std::max<std::int64_t>(1, C.ramp_up)) {
      for (AgentIndex p = s.residents; p < s.agents(); ++p) {
        if (s.post[p] != 1) continue;
        const std::uint32_t ar = s.team[p] % s.n_areas;
        if (!s.area_targeted_collab[ar] || paid_since_arrival(s, s.collab_joined, p, ctx.step)) continue;
        s.collab_joined[p - s.residents] = static_cast<double>(ctx.step) - s.tenure[p];
        s.spend(kCostCollaboration, area[ar], C.cost_per_professional, t);
      }
    }
    if (C.cost_per_team_year > 0) {
      for (std::uint32_t tm = 0; tm < s.n_teams; ++tm) {
        const std::uint32_t ar = tm % s.n_areas;
        if (s.area_targeted_collab[ar] && s.team_offset[tm + 1] > s.team_offset[tm]) s.spend(kCostCollaboration, area[ar], C.cost_per_team_year / 52.0, t);
      }
    }
  }
  // Savings of posts cut by a reorganisation (policies.cpp), from the week of the cut.
  if (s.reorg_posts_cut > 0) {
    for (int q = 0; q < kQuintiles; ++q) {
      std::array<double, kQuintiles> one{};
      one[q] = 1.0;
      s.save(one, s.savings_week_q[q], t);
    }
  }
}

std::vector<std::uint32_t> hubs_per_neighbourhood(const Params& P, const std::vector<std::uint8_t>& quintile) {
  std::vector<std::uint32_t> out(quintile.size(), 0);
  if (!P.policy.hubs.enabled) return out;
  std::vector<std::uint32_t> targeted;
  for (std::uint32_t j = 0; j < quintile.size(); ++j) {
    if (targets_quintile(P.policy.hubs.target, quintile[j])) targeted.push_back(j);
  }
  if (targeted.empty()) return out;
  const auto count = static_cast<std::uint32_t>(std::max(0L, std::lround(P.policy.hubs.per_10000 * static_cast<double>(P.simulation.population) / 10000.0)));
  const auto n = static_cast<std::uint32_t>(targeted.size());
  for (std::uint32_t i = 0; i < n; ++i) out[targeted[i]] = count / n + (i < count % n ? 1u : 0u);
  return out;
}

/// Befriending matches running week by week as the plan expects them (docs/model.md, "Costs and
/// appraisal"), for `people` x 10,000 residents of the targeted quintiles and `places` places at
/// full strength: a willing pool W (take_up x budget.befriending_eligible at the first active week,
/// plus take_up x budget.befriending_inflow / 52 each week after) is matched as places x ramp
/// allow; a match that breaks down (drop_out) ends after one week, any other at rate
/// 1 / match_weeks; all end with the policy. Returns the peak of matches running when `weeks` is
/// null, else the match-weeks over the horizon, with matches running after each week's matching
/// (index t - 1) in `weeks`.
double expected_befriending(const Params& P, double people, double places, std::vector<double>* weeks) {
  const auto& B = P.policy.befriending;
  const std::int64_t horizon = P.simulation.steps;
  if (weeks) weeks->assign(static_cast<std::size_t>(std::max<std::int64_t>(horizon, 0)), 0.0);
  double pool = 0, lasting = 0, broken = 0, peak = 0, total = 0;
  bool started = false;
  for (std::int64_t t = 1; t <= horizon; ++t) {
    const double r = ramp(B, t);
    if (r <= 0) {
      lasting = broken = 0;
      continue;
    }
    pool += B.take_up * people * (started ? P.budget.befriending_inflow / 52.0 : P.budget.befriending_eligible);
    started = true;
    lasting -= lasting / B.match_weeks;
    broken = 0;
    const double free = std::isinf(places) ? pool : std::max(0.0, places * r - lasting);
    const double matched = std::min(pool, free);
    pool -= matched;
    lasting += matched * (1.0 - B.drop_out);
    broken = matched * B.drop_out;
    const double now = lasting + broken;
    peak = std::max(peak, now);
    total += now;
    if (weeks) (*weeks)[static_cast<std::size_t>(t - 1)] = now;
  }
  return weeks ? total : peak;
}

Plan plan(const Params& P) {
  Plan out;
  const double R = static_cast<double>(P.simulation.population);
  const auto n_nbhd = 5u * std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::lround(R / (5.0 * P.structure.neighbourhood_size))));
  const auto tn = static_cast<std::uint32_t>(P.services.team_neighbourhoods);
  const std::uint32_t n_areas = (n_nbhd + tn - 1) / tn;
  std::vector<double> residents(n_nbhd);
  std::vector<std::uint8_t> rp_area(n_areas, 0), collab_area(n_areas, 0);
  for (std::uint32_t j = 0; j < n_nbhd; ++j) {
    residents[j] = std::floor((j + 1.0) * R / n_nbhd) - std::floor(static_cast<double>(j) * R / n_nbhd);
    const int q = static_cast<int>(1 + j % 5);
    if (targets_quintile(P.policy.relational_practice.target, q)) rp_area[j / tn] = 1;
    if (targets_quintile(P.policy.collaboration.target, q)) collab_area[j / tn] = 1;
  }
  {
    std::vector<std::uint8_t> quintile(n_nbhd);
    for (std::uint32_t j = 0; j < n_nbhd; ++j) quintile[j] = static_cast<std::uint8_t>(1 + j % 5);
    for (std::uint32_t h : hubs_per_neighbourhood(P, quintile)) out.hubs += h;
  }
  // Posts as setup_world shares them (setup.cpp): by need, largest remainder, at least one a team.
  double targeted = 0, rp_posts = 0;
  std::vector<double> merged(n_areas, 0.0);  // funded posts per service of each (merged) area, summed over services below
  std::vector<std::vector<std::uint32_t>> funded(kServices);
  for (int k = 0; k < kServices; ++k) {
    std::vector<double> need(n_areas, 0.0), tneed(n_areas, 0.0);
    for (std::uint32_t j = 0; j < n_nbhd; ++j) {
      const double x = residents[j] * need_index(P, k, static_cast<int>(1 + j % 5));
      need[j / tn] += x;
      if (targets_quintile(P.policy.relational_practice.target, static_cast<int>(1 + j % 5))) tneed[j / tn] += x;
    }
    const double total = std::max(static_cast<double>(n_areas), std::round(P.services.posts[k] * R / 10000.0));
    funded[k] = apportion(static_cast<std::uint32_t>(total), need);
    for (std::uint32_t ar = 0; ar < n_areas; ++ar) {
      const double f = funded[k][ar];
      out.staff += f;
      targeted += need[ar] > 0 ? f * tneed[ar] / need[ar] : 0.0;
      if (rp_area[ar]) rp_posts += f;
      if (collab_area[ar]) {
        out.collab_posts += f;
        out.collab_teams += 1;
      }
    }
  }
  out.targeted_posts = rp_posts;
  if (P.policy.relational_practice.enabled) out.extra_posts = static_cast<double>(std::lround(P.policy.relational_practice.extra_posts * targeted));
  if (P.policy.befriending.enabled) out.matches = P.policy.befriending.places * R / 10000.0;
  // Befriending's expected demand (residents of the targeted quintiles; neighbourhoods split evenly).
  double bef_share = 0;
  for (int q = 1; q <= kQuintiles; ++q) bef_share += targets_quintile(P.policy.befriending.target, q) ? 1.0 / kQuintiles : 0.0;
  const auto& B0 = P.policy.befriending;
  const double bef_people = B0.enabled ? bef_share * R / 10000.0 : 0.0;
  out.demand = B0.enabled ? expected_befriending(P, bef_people, std::numeric_limits<double>::infinity(), nullptr) : 0.0;
  std::vector<double> running;
  if (B0.enabled) out.match_weeks = expected_befriending(P, bef_people, out.matches, &running);
  const auto& G = P.policy.reorganisation;
  const double g = G.delivered * G.efficiency_gain;
  if (G.enabled && G.gain == Gain::Savings && g > 0) {
    for (int k = 0; k < kServices; ++k) {
      std::vector<double> team(n_areas, 0.0);
      for (std::uint32_t ar = 0; ar < n_areas; ++ar) team[G.merge_teams ? ar - ar % 2 : ar] += funded[k][ar];
      for (double f : team) out.posts_cut += static_cast<double>(std::lround(f * g / (1.0 + g)));
    }
  }

  // Planned spend week by week (the same weeks and units the model pays).
  const std::int64_t horizon = P.simulation.steps;
  auto pay = [&](int item, std::int64_t t, double gbp) {
    if (t < 1 || t > horizon || gbp == 0.0) return;
    out.spend[item] += gbp;
    out.spend_pv[item] += gbp * discount_factor(P.appraisal.discount_rate, static_cast<double>(t));
  };
  const double turnover_week = P.budget.planned_turnover / 52.0;
  // Extra posts open vacant and fill after burnout.vacancy_weeks on average; a filled one falls
  // vacant at budget.planned_turnover: the share filled, f, follows
  // f(t) = f(t-1) + (1 - f(t-1)) / vacancy_weeks - f(t-1) x turnover / 52 from f = 0 at the start.
  // Professionals in post: funded posts less the steady-state vacancy rate of the setup's
  // turnover and time to fill, v = T w / (1 + T w), T = planned_turnover, w = vacancy_weeks / 52
  // (17% at the defaults, the calibration's vacancy rate): only they are trained, join or are
  // reorganised, and vacant posts are cut first, so only the cut posts beyond the vacant ones
  // cost a redundancy.
  const double tw = P.budget.planned_turnover * P.burnout.vacancy_weeks / 52.0;
  const double in_post = 1.0 - tw / (1.0 + tw);
  const double fill_week = P.burnout.vacancy_weeks > 0 ? std::min(1.0, 1.0 / P.burnout.vacancy_weeks) : 1.0;
  double filled = 0.0;
  for (std::int64_t t = 1; t <= horizon; ++t) {
    const auto& H = P.policy.hubs;
    if (ramp(H, t) > 0) pay(kCostHubs, t, (t == first_week(H) ? H.cost_one_off + out.hubs * H.cost_per_hub_opened : 0.0) + out.hubs * H.cost_per_hub_year / 52.0);
    const auto& B = P.policy.befriending;
    const double rb = ramp(B, t);
    if (rb > 0) pay(kCostBefriending, t, (t == first_week(B) ? B.cost_one_off : 0.0) + running[static_cast<std::size_t>(t - 1)] * B.cost_per_match_year / 52.0);
    const auto& RP = P.policy.relational_practice;
    if (ramp(RP, t) > 0) {
      // Newcomers trained: the targeted posts' arrivals at turnover; the extra posts' as they fill.
      const double arriving = t == first_week(RP) ? (P.burnout.vacancy_weeks > 0 ? 0.0 : 1.0) : (1.0 - filled) * fill_week;
      filled = t == first_week(RP) ? arriving : filled + arriving - filled * turnover_week;
      const double trained = out.targeted_posts * in_post * (t == first_week(RP) ? 1.0 : turnover_week) + out.extra_posts * arriving;
      pay(kCostRelationalPractice, t, (t == first_week(RP) ? RP.cost_one_off : 0.0) + out.extra_posts * filled * P.budget.cost_per_post_year / 52.0 + trained * RP.cost_per_trained);
    }
    const auto& C = P.policy.collaboration;
    if (ramp(C, t) > 0) {
      const bool forming = t <= C.start + std::max<std::int64_t>(1, C.ramp_up);
      const double joined = forming ? out.collab_posts * in_post * (t == first_week(C) ? 1.0 : turnover_week) : 0.0;
      pay(kCostCollaboration, t, (t == first_week(C) ? C.cost_one_off : 0.0) + joined * C.cost_per_professional + out.collab_teams * C.cost_per_team_year / 52.0);
    }
  }
  if (G.enabled) {
    const std::int64_t at = std::max<std::int64_t>(G.time, 1);
    pay(kCostReorganisation, at, (out.staff * in_post * G.cost_per_staff + G.cost_one_off) * (1.0 + G.optimism_bias));
    pay(kCostReorganisation, at + G.transition, std::max(0.0, out.posts_cut - (1.0 - in_post) * out.staff) * G.cost_per_redundancy);
  }
  return out;
}

double planned_spend(const Params& p, std::int64_t horizon) {
  Params q = p;
  q.simulation.steps = horizon;
  return plan(q).total();
}

double budget_pv(const Params& p) {
  if (p.budget.population > 0) return p.budget.total_pv * static_cast<double>(p.simulation.population) / p.budget.population;
  return p.budget.total_pv;
}

/// The last system of a step: person-weeks often lonely (L >= loneliness.threshold) this week,
/// per indicator group, undiscounted and at the health discount rate. Serial over residents
/// (a count per cell, then per group), so the sums are the same for any number of threads.
void run_appraisal(State& s, World&, const StepContext& ctx) {
  if (ctx.time < 1) return;
  const std::size_t G = s.groups.size();
  if (s.lonely_weeks.size() != G) s.lonely_weeks.assign(G, 0.0);
  if (s.lonely_weeks_pv.size() != G) s.lonely_weeks_pv.assign(G, 0.0);
  std::array<std::uint32_t, State::kCells> cells{};
  const auto threshold = static_cast<float>(s.P.loneliness.threshold);
  for (AgentIndex a = 0; a < s.residents; ++a) {
    if (s.lonely[a] >= threshold) ++cells[s.cell_of(a)];
  }
  const double df = discount_factor(s.P.appraisal.health_discount_rate, static_cast<double>(ctx.time));
  std::uint32_t groups[8];
  for (std::uint32_t c = 0; c < State::kCells; ++c) {
    if (cells[c] == 0) continue;
    const int n = State::groups_of_cell(c, groups);
    for (int k = 0; k < n; ++k) {
      s.lonely_weeks[groups[k]] += cells[c];
      s.lonely_weeks_pv[groups[k]] += cells[c] * df;
    }
  }
}

}  // namespace socius::models::community
