// Burnout, turnover and vacancies of professionals (MODEL.md mechanism 9; docs/model.md,
// "Burnout, turnover and vacancies"). Each week, for a professional in post,
//   B += v [demand x + load max(0, x - 1) + relationship max(0, quality_ref - qbar)] + stress
//        - (recovery + support S) B,
// clamped to [0, 1], where x = caseload / capacity is the workload ratio, qbar the mean
// relationship quality over the caseload (the weights of the professional's service ties),
// S = min(1, collegial tie strength / support_norm), stress the reorganisation's transition
// stress and v the professional's sensitivity (lognormal, mean 1, log-sd sensitivity_sd, drawn
// on arrival): the drivers of Maslach & Leiter (2016), workload, relationships and support.
// A burnt-out professional gives clients less contact time (services.cpp) and is more likely to
// leave: weekly hazard (leave_base + leave_burnout B) / 52. A leaver's clients go back to the
// waiting list and are reassigned (continuity lost); the post stays vacant for an exponential
// time with mean vacancy_weeks (0: filled in the same week), then a newcomer fills it, with
// sensitivity v, burnout v x newcomer, new collegial ties, and capacity and relationship-building
// rate on the learning curve learning(tenure) (state.hpp).
#include <algorithm>
#include <cmath>

#include "state.hpp"

namespace socius::models::community {

double draw_sensitivity(const Params& P, Stream& rng) {
  const double sd = P.burnout.sensitivity_sd;
  return std::exp(sd * rng.normal() - 0.5 * sd * sd);
}

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
    const double x = s.caseload[p] / std::max(1e-6, static_cast<double>(s.capacity[p]));
    double drive = P.burnout.demand * x + P.burnout.load * std::max(0.0, x - 1.0);
    if (clients > 0) drive += P.burnout.relationship * std::max(0.0, P.burnout.quality_ref - qsum / clients);
    double b = B[p];
    b += s.sensitivity[p] * drive + s.reorg_stress;
    b -= (P.burnout.support * S + P.burnout.recovery) * b;
    B[p] = clamp01(static_cast<float>(b));
    s.tenure[p] += 1.0f;
    s.capacity[p] = full_capacity(s, p);
    Stream rng = ctx.stream(p, kPurposeBurnout);
    if (rng.bernoulli((P.burnout.leave_base + P.burnout.leave_burnout * B[p]) / 52.0)) leave[p] = 1;
  });

  // Leavers and vacancies (serial, agent order). A vacancy whose time is up is filled in this
  // week, including one vacated this week when vacancy_weeks is 0.
  std::vector<TieEvent> events;
  std::vector<AgentIndex> arrivals;
  double leavers = 0;
  for (AgentIndex p = R; p < s.agents(); ++p) {
    if (leave[p]) {
      release_clients(s, w, p, events);
      events.push_back(TieEvent::remove_all(p));
      s.post[p] = 2;
      B[p] = 0.0f;
      Stream rng = ctx.stream(p, kPurposeVacancy);
      s.vacant_until[p] = static_cast<std::int32_t>(ctx.step + std::ceil(rng.exponential() * P.burnout.vacancy_weeks));
      leavers += 1.0;
      if (ctx.time > 0) s.staff_leavers += 1.0;
    }
    if (s.post[p] == 2 && s.vacant_until[p] <= static_cast<std::int64_t>(ctx.step)) {
      Stream rng = ctx.stream(p, kPurposeVacancy + 2);
      w.population.renew(p);
      s.post[p] = 1;
      s.tenure[p] = 0.0f;
      s.sensitivity[p] = static_cast<float>(draw_sensitivity(P, rng));
      B[p] = clamp01(static_cast<float>(s.sensitivity[p] * P.burnout.newcomer));
      s.caseload[p] = 0;
      s.capacity[p] = full_capacity(s, p);
      arrivals.push_back(p);
    }
  }
  s.leavers_week[ctx.step % s.leavers_week.size()] = leavers;
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
