// Policies: timed interventions acting on the structures and parameters of the other systems,
// and their costs. Each timed policy acts in the steps ending at policy weeks
// start < t <= start + duration, at strength ramp(t) rising linearly over ramp_up weeks; its
// fixed cost (cost_one_off) is paid in its first active week (weeks of burn-in, t < 1, are not
// counted) and its unit costs as it delivers (costs.cpp).
//  - hubs: hub foci in targeted neighbourhoods open with activity hubs.activity x ramp;
//    connectors recruit residents (favouring lonely ones) up to recruitment x ramp of each
//    neighbourhood; hubs close when the policy ends.
//  - befriending: up to places x ramp matches per 10,000 residents between isolated older
//    residents (65+, often lonely or without a close tie) and a volunteer of their
//    neighbourhood (a friend tie seen weekly); with probability introduce, the befriended
//    resident is also introduced to a community focus. Matches end at rate 1/match_weeks; the
//    introduced membership lapses with the match unless the tie is kept.
//  - relational practice: extra posts open in targeted teams (smaller caseloads); routine
//    reassignment falls by continuity x ramp; relationship building speeds up by training x ramp.
//  - collaboration: during the ramp-up, professionals in targeted areas form cross-service
//    collegial ties (support against burnout).
//  - reorganisation (structural reform): at its time, teams of paired areas merge, a share of
//    clients is moved to another professional (q resets), a share of collegial ties is broken;
//    for the transition, capacity per professional falls and stress adds to burnout; afterwards
//    the delivered share of the promised efficiency gain is credited once: as capacity, or as
//    posts cut (and their cost saved) with the same total capacity (policy.reorganisation.gain).
// Costs (costs.cpp, pay_policies) follow delivery: what each policy delivered this step is paid at
// its unit costs, by the quintile of what it reached.
#include <algorithm>
#include <atomic>
#include <cmath>

#include "state.hpp"

namespace socius::models::community {

namespace {

bool has_close_tie(const State& s, const TieGraph& g, AgentIndex a) {
  const float close = close_threshold(s.P);
  for (const HalfTie& h : g.ties(a)) {
    if (is_close_tie(h, close)) return true;
  }
  return false;
}

/// The hub each neighbourhood's residents are invited to: its own (near) or, for the other
/// neighbourhoods of an area with a hub, the hub of the area's first hub neighbourhood (far);
/// kNone outside areas with a hub.
struct HubReach {
  std::vector<std::uint32_t> hub;
  std::vector<std::uint8_t> near;
};
HubReach hub_reach(const State& s) {
  HubReach out{std::vector<std::uint32_t>(s.n_nbhd, kNone), std::vector<std::uint8_t>(s.n_nbhd, 0)};
  std::vector<std::uint32_t> area_hub(s.n_areas, kNone);
  for (std::uint32_t j = 0; j < s.n_nbhd; ++j) {
    if (s.hubs_of_nbhd[j] == kNone) continue;
    out.hub[j] = s.hubs_of_nbhd[j];
    out.near[j] = 1;
    std::uint32_t& first = area_hub[s.nbhd_team_area[j]];
    if (first == kNone) first = s.hubs_of_nbhd[j];
  }
  for (std::uint32_t j = 0; j < s.n_nbhd; ++j) {
    if (out.hub[j] == kNone) out.hub[j] = area_hub[s.nbhd_team_area[j]];
  }
  return out;
}

/// Probability that resident a accepts an invitation to the hub: uptake x [distance if far] x
/// sociability x (1 + trust_effect (T - 0.5)), clamped to [0, 1].
double hub_uptake(const State& s, AgentIndex a, bool near) {
  const auto& H = s.P.policy.hubs;
  const double p = H.uptake * (near ? 1.0 : H.distance) * s.sociability[a] * (1.0 + H.trust_effect * (s.trust[a] - 0.5));
  return std::clamp(p, 0.0, 1.0);
}

void run_hubs(State& s, const StepContext& ctx, const HubReach& reach) {
  const Params& P = s.P;
  if (s.hub_count == 0) return;
  const double r = ramp(P.policy.hubs, ctx.time);
  for (std::uint32_t f = s.hub_first; f < s.hub_first + s.hub_count; ++f) s.focus_activity[f] = static_cast<float>(P.policy.hubs.activity * r);
  auto& hub = s.focus_hub;
  const bool trial = s.trial_active;
  if (r <= 0 || trial) {
    // Closed: members leave. In a trial, members outside the offered arm leave.
    const bool closed = r <= 0 && ended(P.policy.hubs, ctx.time);
    if (closed || trial) {
      const auto left = parallel_sum<std::uint64_t>(0, s.residents, [&](AgentIndex a) -> std::uint64_t {
        if (hub[a] == kNone || (!closed && s.trial_arm[a] == kArmOffered)) return 0;
        hub[a] = kNone;
        return 1;
      });
      if (left) s.rebuild_foci();
    }
    if (r <= 0) return;
  }
  std::uint64_t joined = 0;
  if (trial) {
    // Every offered resident of the target group is invited; each accepts or not (a trait of the
    // run compared with today's uptake probability, so an invitation stands).
    joined = parallel_sum<std::uint64_t>(0, s.residents, [&](AgentIndex a) -> std::uint64_t {
      if (hub[a] != kNone || s.trial_arm[a] != kArmOffered || !(s.policy_target[a] & kTargetHubs)) return 0;
      const std::uint32_t j = s.nbhd[a];
      if (trait_uniform(ctx, a, kPurposeHubUptake) >= hub_uptake(s, a, reach.near[j])) return 0;
      const std::uint32_t n = s.hubs_in_nbhd[s.focus_nbhd[reach.hub[j]]];
      hub[a] = reach.hub[j] + (n > 1 ? ctx.stream(a, kPurposeHubs).below(n) : 0u);
      return 1;
    });
  } else {
    // Connectors invite residents of the hub's area until the members reach recruitment x ramp of
    // the hub neighbourhood's residents, favouring lonely residents; uptake decides who joins.
    // Quotas are kept per hub neighbourhood (the first hub focus of a neighbourhood).
    std::vector<double> members(s.n_foci(), 0.0), weight(s.n_foci(), 0.0);
    for (AgentIndex a = 0; a < s.residents; ++a) {
      const std::uint32_t j = s.nbhd[a];
      const std::uint32_t h = reach.hub[j];
      if (h == kNone || s.trial_arm[a] == kArmControl) continue;
      if (hub[a] != kNone) members[s.hubs_of_nbhd[s.focus_nbhd[hub[a]]]] += 1;
      else weight[h] += (1.0 + P.policy.hubs.isolated_bias * s.lonely[a]) * hub_uptake(s, a, reach.near[j]);
    }
    std::vector<double> scale(s.n_foci(), 0.0);
    for (std::uint32_t j = 0; j < s.n_nbhd; ++j) {
      const std::uint32_t h = s.hubs_of_nbhd[j];
      if (h == kNone) continue;
      const double deficit = P.policy.hubs.recruitment * r * s.nbhd_size[j] * s.hubs_in_nbhd[j] - members[h];
      if (deficit > 0 && weight[h] > 0) scale[h] = deficit / weight[h];
    }
    joined = parallel_sum<std::uint64_t>(0, s.residents, [&](AgentIndex a) -> std::uint64_t {
      const std::uint32_t j = s.nbhd[a];
      const std::uint32_t h = reach.hub[j];
      if (hub[a] != kNone || h == kNone || scale[h] <= 0 || s.trial_arm[a] == kArmControl) return 0;
      Stream rng = ctx.stream(a, kPurposeHubs);
      if (!rng.bernoulli(scale[h] * (1.0 + P.policy.hubs.isolated_bias * s.lonely[a]) * hub_uptake(s, a, reach.near[j]))) return 0;
      const std::uint32_t n = s.hubs_in_nbhd[s.focus_nbhd[h]];
      hub[a] = h + (n > 1 ? rng.below(n) : 0u);
      return 1;
    });
  }
  if (joined) s.rebuild_foci();
}

/// Befriending's target group: older residents (age >= befriending.age) of a targeted
/// neighbourhood who are often lonely or have no close tie.
bool befriending_target(const State& s, const TieGraph& g, AgentIndex a) {
  const Params& P = s.P;
  if (s.age[a] < P.policy.befriending.age) return false;
  if (!targets_quintile(P.policy.befriending.target, s.quintile[s.nbhd[a]])) return false;
  return s.lonely[a] >= P.loneliness.threshold || !has_close_tie(s, g, a);
}

void run_befriending(State& s, World& w, const StepContext& ctx) {
  const Params& P = s.P;
  const auto& B = P.policy.befriending;
  if (!B.enabled) return;
  const double r = ramp(B, ctx.time);
  auto& bf = s.befriender;
  const bool trial = s.trial_active;
  // Matches end: all of them when the programme ends (and, in a trial, those outside the offered
  // arm); a match that breaks down (a per-match draw, probability drop_out) ends at its first
  // weekly check, i.e. after one week; any other ends at rate 1 / match_weeks.
  // When a match ends its tie goes on as an ordinary tie with probability `keep` (a per-match
  // draw; never after a breakdown); otherwise the pair lose touch and the tie is removed.
  // A resident the match introduced to a community focus (befriended == 2) goes on attending
  // only while the pair stay in touch: the membership lapses with the match unless the tie is
  // kept (the same draw), and then it is an ordinary membership (befriended = 1). Uptake of
  // groups after a referral rests on continued support (Husk et al. 2019, realist review of social
  // prescribing: adherence; Wildman et al. 2019: setbacks once support ended); docs/model.md.
  EventBuffer ends;
  std::atomic<bool> lapsed{false};
  const auto matches = parallel_sum<std::uint64_t>(0, s.residents, [&](AgentIndex a) -> std::uint64_t {
    if (bf[a] == kNone) return 0;
    Stream rng = ctx.stream(a, kPurposeBefriending);
    const bool outside = trial && s.trial_arm[a] != kArmOffered;
    const bool broke_down = trait_uniform(ctx, a, kPurposeBefriendingDropOut, bf[a]) < B.drop_out;
    const bool moved = w.ties.find(a, bf[a]) < 0;  // the volunteer moved away (their slot lost its ties)
    if (r <= 0 || outside || broke_down || moved || rng.bernoulli(1.0 / B.match_weeks)) {
      const bool kept = !moved && !broke_down && trait_uniform(ctx, a, kPurposeBefriendingKeep, bf[a]) < B.keep;
      if (!moved && !kept) ends.local().push_back(TieEvent::remove(a, bf[a]));
      if (s.befriended[a] == 2) {
        if (!kept) {
          s.focus_comm[a] = kNone;
          lapsed.store(true, std::memory_order_relaxed);
        }
        s.befriended[a] = 1;
      }
      bf[a] = kNone;
      return 0;
    }
    return 1;
  });
  if (auto batch = ends.take(); !batch.empty()) w.ties.apply(batch);
  if (lapsed.load()) s.rebuild_foci();
  s.befriending_matches = static_cast<std::uint32_t>(matches);
  // A running match is a limited, formal relationship (Jopling & Jones 2021): its tie is held at
  // no more than `weight` while the match runs (the contacts still count); once the match ends
  // it is an ordinary tie that grows with use or decays.
  if (matches) {
    const auto cap = static_cast<float>(B.weight);
    for (AgentIndex a = 0; a < s.residents; ++a) {
      if (bf[a] == kNone) continue;
      for (HalfTie& h : w.ties.ties(a)) {
        if (h.other != bf[a] || !is_social(h.type)) continue;
        if (h.weight > cap) h.weight = w.ties.twin(h).weight = cap;
        break;
      }
    }
  }
  if (r <= 0) return;
  // Offered residents: unmatched members of the target group, never the control arm, only the
  // offered arm in a trial. Those who accept (take_up, a trait of the run) are matched.
  auto willing = [&](AgentIndex a) {
    if (bf[a] != kNone || s.befriended[a] || !(s.policy_target[a] & kTargetBefriending)) return false;
    if (trial ? s.trial_arm[a] != kArmOffered : s.trial_arm[a] == kArmControl) return false;
    return trait_uniform(ctx, a, kPurposeBefriendingTakeUp) < B.take_up;
  };
  double p = 1.0;  // in a trial every offered resident who accepts is matched (places do not bind)
  if (!trial) {
    const double places = B.places * s.residents / 10000.0 * r;
    if (places <= static_cast<double>(matches)) return;
    const auto n = parallel_sum<std::uint64_t>(0, s.residents, [&](AgentIndex a) -> std::uint64_t { return willing(a); });
    if (n == 0) return;
    p = std::min(1.0, (places - static_cast<double>(matches)) / static_cast<double>(n));
  }
  EventBuffer buffer;
  const auto introduced = parallel_sum<std::uint64_t>(0, s.residents, [&](AgentIndex a) -> std::uint64_t {
    if (!willing(a)) return 0;
    Stream rng = ctx.stream(a, kPurposeBefriending + 1000);
    if (!rng.bernoulli(p)) return 0;
    const std::uint32_t j = s.nbhd[a];
    const std::uint32_t lo = s.residents_of_nbhd_offset[j], hi = s.residents_of_nbhd_offset[j + 1];
    AgentIndex b = kNone;
    for (int tries = 0; tries < 20 && b == kNone; ++tries) {
      const AgentIndex c = s.residents_of_nbhd[lo + rng.below(hi - lo)];
      if (c != a && s.age[c] >= 18 && s.age[c] < 75) b = c;
    }
    if (b == kNone) return 0;
    bf[a] = b;
    s.befriended[a] = 1;
    buffer.local().push_back(TieEvent::add(a, b, static_cast<float>(B.weight), kFriend));
    const std::uint32_t c0 = s.community_foci_of_nbhd_offset[j], c1 = s.community_foci_of_nbhd_offset[j + 1];
    if (s.focus_comm[a] == kNone && c1 > c0 && rng.bernoulli(B.introduce)) {
      s.focus_comm[a] = s.community_foci[c0 + rng.below(c1 - c0)];
      s.befriended[a] = 2;  // the membership lasts while the pair stay in touch (above)
      return 1;
    }
    return 0;
  });
  auto batch = buffer.take();
  if (!batch.empty()) w.ties.apply(batch);
  if (introduced) s.rebuild_foci();
}

/// Refreshes the policy_target bits of every resident: hubs (a resident of an area with a hub),
/// befriending (befriending_target) and relational practice (a resident of a targeted area with
/// a service need), each while its policy is enabled and time >= its start; 0 otherwise.
void update_targets(State& s, const World& w, const StepContext& ctx, const HubReach& reach) {
  const Params& P = s.P;
  const bool hubs = P.policy.hubs.enabled && ctx.time >= P.policy.hubs.start && s.hub_count > 0;
  const bool bef = P.policy.befriending.enabled && ctx.time >= P.policy.befriending.start;
  const bool rp = P.policy.relational_practice.enabled && ctx.time >= P.policy.relational_practice.start;
  parallel_for(0, s.residents, [&](AgentIndex a) {
    std::uint8_t bits = 0;
    const std::uint32_t j = s.nbhd[a];
    if (hubs && reach.hub[j] != kNone) bits |= kTargetHubs;
    if (bef && befriending_target(s, w.ties, a)) bits |= kTargetBefriending;
    if (rp && s.needs[a] && s.area_targeted_rp[s.nbhd_team_area[j]]) bits |= kTargetRelationalPractice;
    s.policy_target[a] = bits;
  });
}

void run_relational_practice(State& s, World& w, const StepContext& ctx) {
  const Params& P = s.P;
  if (!P.policy.relational_practice.enabled) return;
  const double r = ramp(P.policy.relational_practice, ctx.time);
  for (std::uint32_t t = 0; t < s.n_teams; ++t) s.team_rp[t] = s.area_targeted_rp[t % s.n_areas] ? static_cast<float>(r) : 0.0f;
  if (r > 0 && !s.extra_posts_open) {  // recruit the extra posts (they fill after a vacancy)
    for (AgentIndex p = s.residents; p < s.agents(); ++p) {
      if (!s.extra_post[p] || s.post[p] != 0) continue;
      Stream rng = ctx.stream(p, kPurposeVacancy + 2);
      s.post[p] = 2;
      s.vacant_until[p] = static_cast<std::int32_t>(ctx.step + std::ceil(rng.exponential() * P.burnout.vacancy_weeks));
    }
    s.extra_posts_open = true;
  } else if (r <= 0 && s.extra_posts_open && ended(P.policy.relational_practice, ctx.time)) {
    std::vector<TieEvent> events;
    for (AgentIndex p = s.residents; p < s.agents(); ++p) {
      if (!s.extra_post[p]) continue;
      release_clients(s, w, p, events);
      events.push_back(TieEvent::remove_all(p));
      s.post[p] = 0;
    }
    w.ties.apply(events);
    s.extra_posts_open = false;
    assign_waiting(s, w, ctx);
  }
}

void run_collaboration(State& s, World& w, const StepContext& ctx) {
  const Params& P = s.P;
  const TimedPolicy& c = P.policy.collaboration;
  const double r = ramp(c, ctx.time);
  if (r <= 0 || ctx.time > c.start + std::max<std::int64_t>(1, c.ramp_up)) return;
  const double per_week = 0.5 * P.policy.collaboration.ties / static_cast<double>(std::max<std::int64_t>(1, c.ramp_up));
  EventBuffer buffer;
  parallel_for(s.residents, s.agents(), [&](AgentIndex p) {
    if (s.post[p] != 1) return;
    const std::uint32_t area = s.team[p] % s.n_areas;
    if (!s.area_targeted_collab[area]) return;
    Stream rng = ctx.stream(p, kPurposeCollaboration);
    const std::uint32_t n = rng.poisson(per_week);
    for (std::uint32_t i = 0; i < n; ++i) {
      std::uint32_t k = rng.below(kServices - 1);
      if (k >= s.service[p]) ++k;
      const std::uint32_t t = k * s.n_areas + area;
      const std::uint32_t lo = s.team_offset[t], hi = s.team_offset[t + 1];
      if (hi == lo) continue;
      const AgentIndex q = s.team_posts[lo + rng.below(hi - lo)];
      if (s.post[q] == 1) buffer.local().push_back(TieEvent::add(p, q, static_cast<float>(P.policy.collaboration.weight), kCollegial));
    }
  });
  auto batch = buffer.take();
  if (!batch.empty()) w.ties.apply(batch);
}

/// A reorganisation that takes its gain g as savings: in each team, round(g / (1 + g) x its
/// funded posts) posts (not relational practice's extra posts) are cut, vacant ones first, then
/// the most recent arrivals (least tenure; ties by agent index); their clients return to the
/// waiting list and are reassigned. A filled post cut costs cost_per_redundancy; every cut post
/// saves budget.cost_per_post_year a year from now on (costs.cpp), by its area's quintiles.
void cut_posts(State& s, World& w, const StepContext& ctx, double g) {
  const Params& P = s.P;
  if (g <= 0) return;
  std::vector<TieEvent> events;
  std::array<double, kQuintiles> redundancy{};
  for (std::uint32_t t = 0; t < s.n_teams; ++t) {
    std::vector<AgentIndex> posts;
    for (std::uint32_t i = s.team_offset[t]; i < s.team_offset[t + 1]; ++i) {
      const AgentIndex p = s.team_posts[i];
      if (s.post[p] != 0 && !s.extra_post[p]) posts.push_back(p);
    }
    const auto cut = static_cast<std::size_t>(std::lround(static_cast<double>(posts.size()) * g / (1.0 + g)));
    if (cut == 0) continue;
    std::stable_sort(posts.begin(), posts.end(), [&](AgentIndex x, AgentIndex y) {
      if ((s.post[x] == 2) != (s.post[y] == 2)) return s.post[x] == 2;
      return s.tenure[x] < s.tenure[y];
    });
    std::array<double, kQuintiles> share{};
    double total = 0;
    for (std::uint32_t j = 0; j < s.n_nbhd; ++j) {
      if (s.nbhd_team_area[j] != t % s.n_areas) continue;
      share[s.quintile[j] - 1] += s.nbhd_size[j];
      total += s.nbhd_size[j];
    }
    for (double& x : share) x = total > 0 ? x / total : 1.0 / kQuintiles;
    for (std::size_t i = 0; i < cut && i < posts.size(); ++i) {
      const AgentIndex p = posts[i];
      if (s.post[p] == 1) {
        release_clients(s, w, p, events);
        events.push_back(TieEvent::remove_all(p));
        for (int q = 0; q < kQuintiles; ++q) redundancy[q] += share[q];
      }
      s.post[p] = 0;
      s.reorg_posts_cut += 1;
      for (int q = 0; q < kQuintiles; ++q) s.savings_week_q[q] += share[q] * P.budget.cost_per_post_year / 52.0;
    }
  }
  double filled = 0;
  for (double x : redundancy) filled += x;
  if (filled > 0) {
    for (double& x : redundancy) x /= filled;
    s.spend(kCostReorganisation, redundancy, filled * P.policy.reorganisation.cost_per_redundancy, ctx.time);
  }
  w.ties.apply(events);
  assign_waiting(s, w, ctx);
}

void run_reorganisation(State& s, World& w, const StepContext& ctx) {
  const Params& P = s.P;
  if (!P.policy.reorganisation.enabled) return;
  const std::int64_t at = std::max<std::int64_t>(P.policy.reorganisation.time, 1);
  if (ctx.time < at) return;
  // Capacity and stress through the transition (default 104 weeks: Fulop et al. 2002, service
  // developments delayed at least 18 months), then the delivered share of the promised gain
  // (delivered x efficiency_gain; Fulop et al.: savings 36-69% of target).
  // The gain is credited once (policy.reorganisation.gain): as capacity, or as posts cut with
  // the same total capacity (cut_posts), whose cost is then saved (costs.cpp).
  const auto& G = P.policy.reorganisation;
  const bool transition = ctx.time < at + G.transition;
  const double factor = transition ? 1.0 - G.capacity_lost : 1.0 + G.efficiency_gain * G.delivered;
  if (!transition && G.gain == Gain::Savings && !s.reorg_finished) {
    cut_posts(s, w, ctx, G.efficiency_gain * G.delivered);
    s.reorg_finished = true;
  }
  s.reorg_stress = transition ? P.policy.reorganisation.stress : 0.0;
  if (factor != s.capacity_factor) {
    s.capacity_factor = factor;
    for (AgentIndex p = s.residents; p < s.agents(); ++p) s.capacity[p] = full_capacity(s, p);
  }
  if (s.reorg_started) return;
  s.reorg_started = true;
  // One-off cost: every professional in post is affected (by their area's quintiles), plus the
  // fixed programme cost (by residents), both uplifted for optimism bias.
  {
    std::array<double, kQuintiles> staff{}, everyone{};
    double n = 0, people = 0;
    for (AgentIndex p = s.residents; p < s.agents(); ++p) {
      if (s.post[p] != 1) continue;
      const std::uint32_t area = s.team[p] % s.n_areas;
      for (std::uint32_t j = 0; j < s.n_nbhd; ++j) {
        if (s.nbhd_team_area[j] == area) staff[s.quintile[j] - 1] += s.nbhd_size[j];
      }
      n += 1;
    }
    for (std::uint32_t j = 0; j < s.n_nbhd; ++j) everyone[s.quintile[j] - 1] += s.nbhd_size[j];
    double staff_total = 0;
    for (int q = 0; q < kQuintiles; ++q) {
      staff_total += staff[q];
      people += everyone[q];
    }
    for (int q = 0; q < kQuintiles; ++q) {
      staff[q] = staff_total > 0 ? staff[q] / staff_total : 0.0;
      everyone[q] = people > 0 ? everyone[q] / people : 0.0;
    }
    const double uplift = 1.0 + G.optimism_bias;
    s.spend(kCostReorganisation, staff, n * G.cost_per_staff * uplift, ctx.time);
    s.spend(kCostReorganisation, everyone, G.cost_one_off * uplift, ctx.time);
  }
  auto& g = w.ties;
  // Teams of paired areas merge.
  if (P.policy.reorganisation.merge_teams) {
    for (AgentIndex p = s.residents; p < s.agents(); ++p) {
      const std::uint32_t k = s.service[p], area = s.team[p] % s.n_areas;
      s.team[p] = k * s.n_areas + (area - area % 2);
    }
    for (auto& area : s.nbhd_team_area) area -= area % 2;
    s.rebuild_teams();
  }
  // Collegial ties broken (each tie decided once, by its lower end).
  EventBuffer broken;
  parallel_for(s.residents, s.agents(), [&](AgentIndex p) {
    Stream rng = ctx.stream(p, kPurposeReorganisation);
    for (const HalfTie& h : g.ties(p)) {
      if (h.type == kCollegial && p < h.other && rng.bernoulli(P.policy.reorganisation.break_collegial)) broken.local().push_back(TieEvent::remove(p, h.other));
    }
  });
  auto batch = broken.take();
  // Clients moved to another professional of the (merged) team: q resets; without room they
  // go back to the waiting list.
  const auto q0 = static_cast<float>(P.services.q0);
  for (AgentIndex a = 0; a < s.residents; ++a) {
    if (!s.needs[a]) continue;
    Stream rng = ctx.stream(a, kPurposeReorganisation);
    for (int k = 0; k < kServices; ++k) {
      const std::uint32_t old = s.prof[k][a];
      if (old == kNone || !rng.bernoulli(P.policy.reorganisation.reassign)) continue;
      --s.caseload[old];
      batch.push_back(TieEvent::remove(a, old));
      const AgentIndex p = pick_professional(s, s.team[old], old);
      if (p == kNone) {
        s.prof[k][a] = kNone;
        s.quality[k][a] = 0.0f;
        continue;
      }
      ++s.caseload[p];
      s.prof[k][a] = p;
      s.quality[k][a] = q0;
      batch.push_back(TieEvent::add(a, p, std::max(q0, 1e-3f), kService));
    }
  }
  g.apply(batch);
}

/// The areas relational practice and collaboration target (by their neighbourhoods' quintiles),
/// with the team areas as they were at setup.
void target_areas(State& s, const std::vector<std::uint32_t>& team_area) {
  const Params& P = s.P;
  s.area_targeted_rp.assign(s.n_areas, 0);
  s.area_targeted_collab.assign(s.n_areas, 0);
  for (std::uint32_t j = 0; j < s.n_nbhd; ++j) {
    if (targets_quintile(P.policy.relational_practice.target, s.quintile[j])) s.area_targeted_rp[team_area[j]] = 1;
    if (targets_quintile(P.policy.collaboration.target, s.quintile[j])) s.area_targeted_collab[team_area[j]] = 1;
  }
}

}  // namespace

void start_policies(State& s, World& w, const StepContext& ctx) {
  const Params& P = s.P;
  // Hub foci (policy.hubs.per_10000 shared among the targeted neighbourhoods, costs.cpp), after
  // every focus the burn-in made; they open with the policy (activity 0 until then).
  s.hubs_in_nbhd = hubs_per_neighbourhood(P, s.quintile);
  s.hubs_of_nbhd.assign(s.n_nbhd, kNone);
  s.hub_first = kNone;
  s.hub_count = 0;
  if (P.policy.hubs.enabled) {
    s.hub_first = s.n_foci();
    for (std::uint32_t j = 0; j < s.n_nbhd; ++j) {
      if (s.hubs_in_nbhd[j] == 0) continue;
      s.hubs_of_nbhd[j] = s.n_foci();
      for (std::uint32_t c = 0; c < s.hubs_in_nbhd[j]; ++c) {
        s.focus_kind.push_back(kHub);
        s.focus_nbhd.push_back(j);
        s.focus_activity.push_back(0.0f);
      }
    }
    s.hub_count = s.n_foci() - s.hub_first;
    s.rebuild_foci();
  }
  target_areas(s, s.nbhd_team_area);
  // The target groups as they stand at policy time 0 (what a trial randomises at a start of 0).
  update_targets(s, w, ctx, hub_reach(s));
}

void find_hubs(State& s, const std::vector<std::uint32_t>& setup_team_area) {
  s.hubs_in_nbhd.assign(s.n_nbhd, 0);
  s.hubs_of_nbhd.assign(s.n_nbhd, kNone);
  s.hub_first = kNone;
  s.hub_count = 0;
  for (std::uint32_t f = 0; f < s.n_foci(); ++f) {
    if (s.focus_kind[f] != kHub || s.focus_nbhd[f] >= s.n_nbhd) continue;
    if (s.hub_count == 0) s.hub_first = f;
    ++s.hub_count;
    const std::uint32_t j = s.focus_nbhd[f];
    if (s.hubs_of_nbhd[j] == kNone) s.hubs_of_nbhd[j] = f;
    ++s.hubs_in_nbhd[j];
  }
  // With the setup's team areas, as at policy time 0 (a reorganisation merges them later).
  target_areas(s, setup_team_area);
}

void run_policies(State& s, World& w, const StepContext& ctx) {
  if (ctx.time < 1) return;  // nothing acts during burn-in (the policies start at time 0: start_policies)
  // The trial rule (docs/model.md, "Virtual trials"): decided once per step.
  s.trial_active = parallel_sum<std::uint64_t>(0, s.residents, [&](AgentIndex a) -> std::uint64_t { return s.trial_arm[a] != kArmNone; }) > 0;
  const HubReach reach = hub_reach(s);
  update_targets(s, w, ctx, reach);
  run_reorganisation(s, w, ctx);
  run_relational_practice(s, w, ctx);
  run_collaboration(s, w, ctx);
  run_hubs(s, ctx, reach);
  run_befriending(s, w, ctx);
  pay_policies(s, ctx);  // cost follows delivery (costs.cpp)
}

}  // namespace socius::models::community
