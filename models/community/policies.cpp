// Policies: timed interventions acting on the structures and parameters of the other systems,
// and their costs. Each timed policy acts in the steps ending at policy weeks
// start < t <= start + duration, at strength ramp(t) rising linearly over ramp_up weeks; its
// one-off cost is paid in its first active week and its running cost, cost_per_year / 52, in
// every active week (weeks of burn-in, t < 1, are not counted).
//  - hubs: hub foci in targeted neighbourhoods open with activity hubs.activity x ramp;
//    connectors recruit residents (favouring lonely ones) up to recruitment x ramp of each
//    neighbourhood; hubs close when the policy ends.
//  - befriending: up to places x ramp matches per 10,000 residents between isolated older
//    residents (65+, often lonely or without a close tie) and a volunteer of their
//    neighbourhood (a friend tie seen weekly); with probability introduce, the befriended
//    resident is also introduced to a community focus. Matches end at rate 1/match_weeks.
//  - relational practice: extra posts open in targeted teams (smaller caseloads); routine
//    reassignment falls by continuity x ramp; relationship building speeds up by training x ramp.
//  - collaboration: during the ramp-up, professionals in targeted areas form cross-service
//    collegial ties (support against burnout).
//  - reorganisation (structural reform): at its time, teams of paired areas merge, a share of
//    clients is moved to another professional (q resets), a share of collegial ties is broken;
//    for the transition, capacity per professional falls and stress adds to burnout; afterwards
//    capacity rises by the delivered share of the promised efficiency gain and savings accrue.
#include <algorithm>
#include <cmath>

#include "state.hpp"

namespace socius::models::community {

namespace {

const TimedPolicy* timed_policies(const Params& p, int i) {
  switch (i) {
    case 0: return &p.policy.hubs;
    case 1: return &p.policy.befriending;
    case 2: return &p.policy.relational_practice;
    default: return &p.policy.collaboration;
  }
}

bool has_close_tie(const State& s, const TieGraph& g, AgentIndex a) {
  const float close = close_threshold(s.P);
  for (const HalfTie& h : g.ties(a)) {
    if (is_close_tie(h, close)) return true;
  }
  return false;
}

void run_hubs(State& s, const StepContext& ctx) {
  const Params& P = s.P;
  if (s.hub_count == 0) return;
  const double r = ramp(P.policy.hubs, ctx.time);
  for (std::uint32_t f = s.hub_first; f < s.hub_first + s.hub_count; ++f) s.focus_activity[f] = static_cast<float>(P.policy.hubs.activity * r);
  auto& hub = s.focus_hub;
  if (r <= 0) {
    if (ended(P.policy.hubs, ctx.time)) {  // closed: members leave
      const auto members = parallel_sum<std::uint64_t>(0, s.residents, [&](AgentIndex a) -> std::uint64_t {
        const bool m = hub[a] != kNone;
        hub[a] = kNone;
        return m;
      });
      if (members) s.rebuild_foci();
    }
    return;
  }
  // Connectors recruit up to the target share, favouring lonely residents.
  std::vector<double> members(s.n_nbhd, 0.0), weight(s.n_nbhd, 0.0);
  for (AgentIndex a = 0; a < s.residents; ++a) {
    const std::uint32_t j = s.nbhd[a];
    if (s.hubs_of_nbhd[j] == kNone) continue;
    if (hub[a] != kNone) members[j] += 1;
    else weight[j] += 1.0 + P.policy.hubs.isolated_bias * s.lonely[a];
  }
  std::vector<double> scale(s.n_nbhd, 0.0);
  for (std::uint32_t j = 0; j < s.n_nbhd; ++j) {
    const double deficit = P.policy.hubs.recruitment * r * s.nbhd_size[j] - members[j];
    if (deficit > 0 && weight[j] > 0) scale[j] = deficit / weight[j];
  }
  const auto joined = parallel_sum<std::uint64_t>(0, s.residents, [&](AgentIndex a) -> std::uint64_t {
    const std::uint32_t j = s.nbhd[a];
    if (hub[a] != kNone || scale[j] <= 0) return 0;
    Stream rng = ctx.stream(a, kPurposeHubs);
    if (!rng.bernoulli(scale[j] * (1.0 + P.policy.hubs.isolated_bias * s.lonely[a]))) return 0;
    hub[a] = s.hubs_of_nbhd[j] + (P.policy.hubs.per_neighbourhood > 1 ? rng.below(static_cast<std::uint32_t>(P.policy.hubs.per_neighbourhood)) : 0u);
    return 1;
  });
  if (joined) s.rebuild_foci();
}

void run_befriending(State& s, World& w, const StepContext& ctx) {
  const Params& P = s.P;
  if (!P.policy.befriending.enabled) return;
  const double r = ramp(P.policy.befriending, ctx.time);
  auto& bf = s.befriender;
  const auto& g = w.ties;
  // Matches end (all of them when the programme ends).
  const auto matches = parallel_sum<std::uint64_t>(0, s.residents, [&](AgentIndex a) -> std::uint64_t {
    if (bf[a] == kNone) return 0;
    Stream rng = ctx.stream(a, kPurposeBefriending);
    if (r <= 0 || rng.bernoulli(1.0 / P.policy.befriending.match_weeks)) {
      bf[a] = kNone;
      return 0;
    }
    return 1;
  });
  s.befriending_matches = static_cast<std::uint32_t>(matches);
  if (r <= 0) return;
  const double places = P.policy.befriending.places * s.residents / 10000.0 * r;
  if (places <= static_cast<double>(matches)) return;
  auto eligible = [&](AgentIndex a) {
    if (bf[a] != kNone || s.age[a] < P.policy.befriending.age) return false;
    if (!targets_quintile(P.policy.befriending.target, s.quintile[s.nbhd[a]])) return false;
    return s.lonely[a] >= P.loneliness.threshold || !has_close_tie(s, g, a);
  };
  const auto n = parallel_sum<std::uint64_t>(0, s.residents, [&](AgentIndex a) -> std::uint64_t { return eligible(a); });
  if (n == 0) return;
  const double p = std::min(1.0, (places - static_cast<double>(matches)) / static_cast<double>(n));
  EventBuffer buffer;
  const auto introduced = parallel_sum<std::uint64_t>(0, s.residents, [&](AgentIndex a) -> std::uint64_t {
    if (!eligible(a)) return 0;
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
    buffer.local().push_back(TieEvent::add(a, b, static_cast<float>(P.policy.befriending.weight), kFriend));
    const std::uint32_t c0 = s.community_foci_of_nbhd_offset[j], c1 = s.community_foci_of_nbhd_offset[j + 1];
    if (s.focus_comm[a] == kNone && c1 > c0 && rng.bernoulli(P.policy.befriending.introduce)) {
      s.focus_comm[a] = s.community_foci[c0 + rng.below(c1 - c0)];
      return 1;
    }
    return 0;
  });
  auto batch = buffer.take();
  if (!batch.empty()) w.ties.apply(batch);
  if (introduced) s.rebuild_foci();
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

void run_reorganisation(State& s, World& w, const StepContext& ctx) {
  const Params& P = s.P;
  if (!P.policy.reorganisation.enabled) return;
  const std::int64_t at = std::max<std::int64_t>(P.policy.reorganisation.time, 1);
  if (ctx.time < at) return;
  // Capacity and stress through the transition (default 104 weeks: Fulop et al. 2002, service
  // developments delayed at least 18 months), then the delivered share of the promised gain
  // (delivered x efficiency_gain; Fulop et al.: savings 36-69% of target).
  const bool transition = ctx.time < at + P.policy.reorganisation.transition;
  const double factor = transition ? 1.0 - P.policy.reorganisation.capacity_lost
                                   : 1.0 + P.policy.reorganisation.efficiency_gain * P.policy.reorganisation.delivered;
  s.reorg_stress = transition ? P.policy.reorganisation.stress : 0.0;
  if (factor != s.capacity_factor) {
    s.capacity_factor = factor;
    for (AgentIndex p = s.residents; p < s.agents(); ++p) s.capacity[p] = full_capacity(s, p);
  }
  if (s.reorg_started) return;
  s.reorg_started = true;
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

}  // namespace

double spend_at(const Params& p, std::int64_t t) {
  if (t < 1) return 0.0;  // burn-in is not policy time
  double total = 0.0;
  for (int i = 0; i < 4; ++i) {
    const TimedPolicy& tp = *timed_policies(p, i);
    if (!tp.enabled || tp.duration <= 0 || t <= tp.start || t > tp.start + tp.duration) continue;
    if (t == std::max<std::int64_t>(tp.start + 1, 1)) total += tp.cost_one_off;
    total += tp.cost_per_year / 52.0;
  }
  if (p.policy.reorganisation.enabled && t == std::max<std::int64_t>(p.policy.reorganisation.time, 1)) total += p.policy.reorganisation.cost_one_off;
  return total;
}

double savings_at(const Params& p, std::int64_t t) {
  if (!p.policy.reorganisation.enabled || t < 1) return 0.0;
  return t >= std::max<std::int64_t>(p.policy.reorganisation.time, 1) + p.policy.reorganisation.transition ? p.policy.reorganisation.savings_per_year / 52.0 : 0.0;
}

double planned_spend(const Params& p, std::int64_t horizon) {
  double total = 0.0;
  for (std::int64_t t = 1; t <= horizon; ++t) total += spend_at(p, t);
  return total;
}

void run_policies(State& s, World& w, const StepContext& ctx) {
  if (ctx.time >= 1) {
    s.cost_to_date += spend_at(s.P, ctx.time);
    s.savings_to_date += savings_at(s.P, ctx.time);
  }
  run_reorganisation(s, w, ctx);
  run_relational_practice(s, w, ctx);
  run_collaboration(s, w, ctx);
  run_hubs(s, ctx);
  run_befriending(s, w, ctx);
}

}  // namespace socius::models::community
