// Burnout of professionals (MODEL.md mechanism 9; Maslach & Leiter 2016 for the drivers):
//   B += load max(0, caseload / capacity - 1) + relationship max(0, quality_ref - qbar)
//        + stress [reorganisation transition] - support S B - recovery B,
// clamped to [0, 1], where qbar is the mean relationship quality over the caseload (the weights
// of the professional's service ties) and S = min(1, collegial tie strength / support_norm).
// A burnt-out professional gives clients less contact time (services.cpp) and is more likely to
// leave: weekly hazard (leave_base + leave_burnout B) / 52. A leaver's clients go back to the
// waiting list and are reassigned (continuity lost); the post stays vacant for an exponential
// time with mean burnout.vacancy_weeks, then a newcomer fills it (with new collegial ties).
#include <algorithm>
#include <cmath>

#include "state.hpp"

namespace socius::models::community {

void run_burnout(State& s, World& w, const StepContext& ctx) {
  const Params& P = s.P;
  auto& g = w.ties;
  const AgentIndex R = s.residents;
  auto& B = s.burnout;
  auto& leave = s.event;  // scratch for professionals (life events use it for residents)

  parallel_for(R, s.agents(), [&](AgentIndex p) {
    leave[p] = 0;
    if (s.post[p] != 1) return;
    double qsum = 0, support = 0;
    std::uint32_t clients = 0;
    for (const HalfTie& h : g.ties(p)) {
      if (h.type == kService) {
        qsum += h.weight;
        ++clients;
      } else if (h.type == kCollegial) {
        support += h.weight;
      }
    }
    const double S = std::min(1.0, support / P.burnout.support_norm);
    const double load = s.caseload[p] / std::max(1e-6, static_cast<double>(s.capacity[p]));
    double b = B[p];
    b += P.burnout.load * std::max(0.0, load - 1.0);
    if (clients > 0) b += P.burnout.relationship * std::max(0.0, P.burnout.quality_ref - qsum / clients);
    b += s.reorg_stress;
    b -= (P.burnout.support * S + P.burnout.recovery) * b;
    B[p] = clamp01(static_cast<float>(b));
    s.tenure[p] += 1.0f;
    Stream rng = ctx.stream(p, kPurposeBurnout);
    if (rng.bernoulli((P.burnout.leave_base + P.burnout.leave_burnout * B[p]) / 52.0)) leave[p] = 1;
  });

  // Leavers and vacancies (serial, agent order).
  std::vector<TieEvent> events;
  std::vector<AgentIndex> arrivals;
  for (AgentIndex p = R; p < s.agents(); ++p) {
    if (leave[p]) {
      release_clients(s, w, p, events);
      events.push_back(TieEvent::remove_all(p));
      s.post[p] = 2;
      B[p] = 0.0f;
      Stream rng = ctx.stream(p, kPurposeVacancy);
      s.vacant_until[p] = static_cast<std::int32_t>(ctx.step + std::ceil(rng.exponential() * P.burnout.vacancy_weeks));
      if (ctx.time > 0) s.staff_leavers += 1.0;
    } else if (s.post[p] == 2 && s.vacant_until[p] <= static_cast<std::int64_t>(ctx.step)) {
      w.population.renew(p);
      s.post[p] = 1;
      s.tenure[p] = 0.0f;
      B[p] = 0.0f;
      s.caseload[p] = 0;
      s.capacity[p] = static_cast<float>(P.services.capacity[s.service[p]] * s.capacity_factor);
      arrivals.push_back(p);
    }
  }
  // Newcomers meet colleagues of their team.
  for (AgentIndex p : arrivals) {
    Stream rng = ctx.stream(p, kPurposeVacancy + 1);
    const std::uint32_t t = s.team[p];
    const std::uint32_t lo = s.team_offset[t], hi = s.team_offset[t + 1];
    for (std::int64_t c = 0; c < P.burnout.colleagues && hi - lo > 1; ++c) {
      const AgentIndex b = s.team_posts[lo + rng.below(hi - lo)];
      if (b != p && s.post[b] == 1) events.push_back(TieEvent::add(p, b, 0.5f, kCollegial));
    }
  }
  if (!events.empty()) g.apply(events);
  assign_waiting(s, w, ctx);
}

}  // namespace socius::models::community
