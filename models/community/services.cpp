// Services. Residents with a need (unemployed: employment adviser; in education: teacher; a
// health need: health professional; a legal problem: legal adviser) are on the caseload of a
// professional of their area's team, or on the waiting list when no one there has room below
// services.overload x capacity (first come, first served: longest wait first). Relationship quality q on the service tie grows with contact
// time and continuity,
//   q += q_rate c (1 + training r_team) (1 - q),
//   c = min(1, capacity / caseload) (1 - q_burnout B) learning(tenure)   (learning curve: state.hpp),
// and resets to q0 when the client is moved to another professional (routine reassignment at
// services.reassign per week, reduced by relational practice's continuity; leavers; a
// reorganisation). Outcomes follow weekly hazards h = h0 (1 + beta q) (MODEL.md; beta from the
// continuity-of-care studies, docs/model.md "Services": a settled relationship, q = 1, has a
// hazard about 1.35 times a new one's, q = q0): a job found (the need ends),
// a step of progress at school (attainment), positive health behaviour change (the need ends),
// a legal case resolved (the need ends). Health needs start at services.health_onset
// (doubling every 20 years of age); legal problems at services.legal_onset, more often in
// deprived neighbourhoods. Each week's draws are made in parallel from each resident's stream;
// the shared caseloads are then changed serially in agent order.
#include <oneapi/tbb/parallel_sort.h>

#include <algorithm>
#include <cmath>

#include "state.hpp"

namespace socius::models::community {

namespace {

enum : std::uint16_t {
  kJobFound = 1,
  kAttainment = 2,
  kBehaviour = 4,
  kHealthEnds = 8,
  kCaseResolved = 16,
  kLegalEnds = 32,
  kReassignShift = 8,  // bits 8..11: reassign service k
};

}  // namespace

void drop_service(State& s, AgentIndex a, int k, std::vector<TieEvent>& events) {
  const std::uint32_t p = s.prof[k][a];
  if (p != kNone) {
    --s.caseload[p];
    events.push_back(TieEvent::remove(a, p));
  }
  s.prof[k][a] = kNone;
  s.quality[k][a] = 0.0f;
  s.waited[k][a] = 0;
  s.needs[a] &= static_cast<std::uint8_t>(~(1u << k));
}

void State::rebuild_teams() {
  team_offset.assign(n_teams + 1, 0);
  for (AgentIndex i = 0; i < professionals; ++i) ++team_offset[team[residents + i] + 1];
  for (std::uint32_t t = 0; t < n_teams; ++t) team_offset[t + 1] += team_offset[t];
  team_posts.resize(professionals);
  std::vector<std::uint32_t> fill(team_offset.begin(), team_offset.end() - 1);
  for (AgentIndex i = 0; i < professionals; ++i) team_posts[fill[team[residents + i]]++] = residents + i;
}

AgentIndex pick_professional(const State& s, std::uint32_t team, AgentIndex exclude) {
  AgentIndex best = kNone;
  double best_room = 0;
  for (std::uint32_t i = s.team_offset[team]; i < s.team_offset[team + 1]; ++i) {
    const AgentIndex p = s.team_posts[i];
    if (p == exclude || s.post[p] != 1) continue;
    const double room = s.P.services.overload * s.capacity[p] - s.caseload[p];
    if (room >= 1.0 && room > best_room) {
      best = p;
      best_room = room;
    }
  }
  return best;
}

void release_clients(State& s, World& w, AgentIndex p, std::vector<TieEvent>& events) {
  const int k = s.service[p];
  for (const HalfTie& h : w.ties.ties(p)) {
    if (h.type != kService) continue;
    const AgentIndex c = h.other;
    if (s.prof[k][c] == p) {
      s.prof[k][c] = kNone;
      s.quality[k][c] = 0.0f;
      s.waited[k][c] = 0;
    }
    events.push_back(TieEvent::remove(c, p));
  }
  s.caseload[p] = 0;
}

void assign_waiting(State& s, World& w, const StepContext& ctx) {
  // Waiting needs, longest wait first: a team's waiting list is first come, first served, so
  // where a resident lives does not decide how long they wait. Needs that have waited equally
  // long (those arising in the same week; everyone at setup) are taken in a random order, a draw
  // per resident and week (kPurposeAssign), then by service.
  struct Waiting {
    std::uint16_t waited;
    std::uint32_t order;
    AgentIndex a;
    std::uint8_t k;
  };
  // Gathered in parallel, in agent order (then by service), each resident's draw made once for
  // all its waiting needs; the sort's key is unique, so its order does not depend on threads.
  std::vector<Waiting> queue = parallel_gather<Waiting>(0, s.residents, [&](AgentIndex a, std::vector<Waiting>& out) {
    const std::uint8_t needs = s.needs[a];
    if (!needs) return;
    std::uint32_t order = 0;
    bool drawn = false;
    for (int k = 0; k < kServices; ++k) {
      if ((needs & (1u << k)) && s.prof[k][a] == kNone) {
        if (!drawn) {
          Stream rng = ctx.stream(a, kPurposeAssign);
          order = rng.next_u32();
          drawn = true;
        }
        out.push_back({s.waited[k][a], order, a, static_cast<std::uint8_t>(k)});
      }
    }
  });
  if (queue.empty()) return;
  tbb::parallel_sort(queue.begin(), queue.end(), [](const Waiting& x, const Waiting& y) {
    if (x.waited != y.waited) return x.waited > y.waited;
    if (x.order != y.order) return x.order < y.order;
    if (x.a != y.a) return x.a < y.a;
    return x.k < y.k;
  });
  std::vector<TieEvent> events;
  std::vector<std::uint8_t> full(s.n_teams, 0);
  const auto q0 = static_cast<float>(s.P.services.q0);
  for (const Waiting& e : queue) {
    const AgentIndex a = e.a;
    const int k = e.k;
    const std::uint32_t team = k * s.n_areas + s.nbhd_team_area[s.nbhd[a]];
    if (full[team]) continue;
    const AgentIndex p = pick_professional(s, team, kNone);
    if (p == kNone) {
      full[team] = 1;
      continue;
    }
    s.prof[k][a] = p;
    s.quality[k][a] = q0;
    s.waited[k][a] = 0;
    ++s.caseload[p];
    events.push_back(TieEvent::add(a, p, std::max(q0, 1e-3f), kService));
  }
  if (!events.empty()) w.ties.apply(events);
}

void run_services(State& s, World& w, const StepContext& ctx) {
  const Params& P = s.P;
  auto& g = w.ties;
  const AgentIndex R = s.residents;
  const double week = 1.0 / 52.0;

  // 1. Needs, relationship quality and outcome draws (parallel, own state and own service ties).
  parallel_for(0, R, [&](AgentIndex a) {
    Stream rng = ctx.stream(a, kPurposeServices);
    std::uint8_t needs = s.needs[a];
    const double age_factor = std::exp2((s.age[a] - 50.0) / 20.0);
    if (!(needs & (1u << kHealth)) && rng.bernoulli(P.services.health_onset * age_factor * week)) needs |= 1u << kHealth;
    const int qn = s.quintile[s.nbhd[a]];
    const double legal = P.services.legal_onset * (1.0 + (P.services.legal_deprivation - 1.0) * (5 - qn) / 4.0);
    if (!(needs & (1u << kLegal)) && rng.bernoulli(legal * week)) needs |= 1u << kLegal;
    s.needs[a] = needs;
    std::uint16_t ev = 0;
    for (int k = 0; k < kServices; ++k) {
      if (!(needs & (1u << k))) continue;
      const std::uint32_t p = s.prof[k][a];
      float q = 0.0f;
      if (p != kNone) {
        const double load = std::max(1u, s.caseload[p]);
        const double c = std::min(1.0, s.capacity[p] / load) * (1.0 - P.services.q_burnout * s.burnout[p]) * learning(P, s.tenure[p]);
        // Relational practice reaches the client; in a virtual trial only the offered arm.
        const double rp = s.trial_active && s.trial_arm[a] != kArmOffered ? 0.0 : s.team_rp[s.team[p]];
        q = s.quality[k][a];
        q = clamp01(static_cast<float>(q + P.services.q_rate * c * (1.0 + P.policy.relational_practice.training * rp) * (1.0 - q)));
        s.quality[k][a] = q;
        // Mirror q on the service tie (this thread is the only writer of both halves).
        for (HalfTie& h : g.ties(a)) {
          if (h.type == kService && h.other == p) {
            h.weight = std::max(q, 1e-3f);
            g.twin(h).weight = h.weight;
            break;
          }
        }
        if (rng.bernoulli(P.services.reassign * (1.0 - P.policy.relational_practice.continuity * rp))) ev |= static_cast<std::uint16_t>(1u << (kReassignShift + k));
      }
      const double h = P.services.h0[k] * (1.0 + P.services.beta[k] * q);
      switch (k) {
        case kEmployment:
          if (rng.bernoulli(h)) ev |= kJobFound;
          break;
        case kEducationSvc:
          if (rng.bernoulli(h)) ev |= kAttainment;
          break;
        case kHealth:
          if (rng.bernoulli(h)) ev |= kBehaviour;
          else if (rng.bernoulli(P.services.health_resolve)) ev |= kHealthEnds;
          break;
        default:
          if (rng.bernoulli(h)) ev |= kCaseResolved;
          else if (rng.bernoulli(P.services.legal_resolve)) ev |= kLegalEnds;
          break;
      }
    }
    s.svc_event[a] = ev;
  });

  // 2. Outcomes and reassignments (serial, agent order).
  std::vector<TieEvent> events;
  std::uint32_t groups[8];
  const bool count = ctx.time > 0;
  const double df = count ? discount_factor(s.P.appraisal.discount_rate, static_cast<double>(ctx.time)) : 0.0;
  for (AgentIndex a = 0; a < R; ++a) {
    const std::uint16_t ev = s.svc_event[a];
    if (!ev) continue;
    const int n = count ? s.groups_of(a, groups) : 0;
    // Each outcome is counted, and counted in present value at appraisal.discount_rate (costs.cpp).
    auto tally = [&](std::vector<double>& c, std::vector<double>& pv) {
      for (int i = 0; i < n; ++i) {
        c[groups[i]] += 1.0;
        pv[groups[i]] += df;
      }
    };
    if (ev & kJobFound) {
      tally(s.outcomes.jobs, s.outcomes_pv.jobs);
      drop_service(s, a, kEmployment, events);
      s.status[a] = kEmployed;
      Stream rng = ctx.stream(a, kPurposeServices + 1);
      s.focus_work[a] = s.n_workplaces_first + rng.below(s.n_workplaces);
    }
    if (ev & kAttainment) tally(s.outcomes.attainment, s.outcomes_pv.attainment);
    if (ev & kBehaviour) tally(s.outcomes.behaviour, s.outcomes_pv.behaviour);
    if (ev & (kBehaviour | kHealthEnds)) drop_service(s, a, kHealth, events);
    if (ev & kCaseResolved) tally(s.outcomes.cases, s.outcomes_pv.cases);
    if (ev & (kCaseResolved | kLegalEnds)) drop_service(s, a, kLegal, events);
    for (int k = 0; k < kServices; ++k) {
      if (!(ev & (1u << (kReassignShift + k)))) continue;
      const std::uint32_t old = s.prof[k][a];
      if (old == kNone) continue;
      const AgentIndex p = pick_professional(s, s.team[old], old);
      if (p == kNone) continue;
      --s.caseload[old];
      events.push_back(TieEvent::remove(a, old));
      ++s.caseload[p];
      s.prof[k][a] = p;
      s.quality[k][a] = static_cast<float>(P.services.q0);
      events.push_back(TieEvent::add(a, p, std::max(static_cast<float>(P.services.q0), 1e-3f), kService));
    }
  }
  if (!events.empty()) g.apply(events);
  assign_waiting(s, w, ctx);
  // Weeks on the waiting list.
  parallel_for(0, R, [&](AgentIndex a) {
    const std::uint8_t needs = s.needs[a];
    if (!needs) return;
    for (int k = 0; k < kServices; ++k) {
      if ((needs & (1u << k)) && s.prof[k][a] == kNone) {
        auto& wk = s.waited[k][a];
        if (wk < 65535) ++wk;
      }
    }
  });
}

}  // namespace socius::models::community
