// Loneliness (cognitive discrepancy: Perlman & Peplau 1981). Actual relationships are the
// strength-weighted close ties plus this week's contacts,
//   A = close_weight x (sum over kin and friend ties of w) + contact_weight x (contacts made + received),
// the discrepancy is D = max(0, 1 - A / desired), and loneliness moves toward
//   L* = logistic(slope (D - midpoint) + spread (Lbar - L))
// at loneliness.rate per week, where Lbar is the strength-weighted mean loneliness of one's
// social ties last week. Desired relationships fall with age, at one log-linear rate below a pivot
// age and another above it (state.hpp, desired_age_factor),
//   desired* = desired x exp(-(desired_age_young (min(age, pivot) - min(45, pivot))
//                              + desired_age (max(age, pivot) - max(45, pivot))) / 10)
//              x [desired_parent if a parent of a child under 5],
// (1 at 45; a pivot of 16, or equal slopes, give the single decline
// exp(-desired_age (age - 45) / 10); the defaults, from the refit, put the pivot at 67.2),
// socioemotional selectivity (Carstensen 1992; Lang & Carstensen 1994): as the time horizon
// shortens, older adults prune peripheral partners and want fewer relationships, so the same
// network leaves a smaller discrepancy (Wrzus et al. 2013: personal and friendship networks shrink
// through adulthood while well-being does not). The spread term is the contagion Cacioppo, Fowler & Christakis (2009)
// found in the Framingham data; applied week after week it reaches beyond direct ties. The
// withdrawal feedback acts through the contact budget (contact.cpp).
// Neighbours' loneliness is read from a copy taken before the loop (double buffer).
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/partitioner.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "state.hpp"

namespace socius::models::community {

void run_loneliness(State& s, World& w, const StepContext& ctx) {
  const Params& P = s.P;
  const auto& g = w.ties;
  auto& L = s.lonely;
  auto& prev = s.lonely_prev;
  prev.resize(s.residents);
  parallel_for(0, s.residents, [&](AgentIndex a) { prev[a] = L[a]; });
  const float close_min = close_threshold(P);
  // Updates resident a's loneliness; returns its social ties' count, summed weight and whether
  // one is close, which the indicators need.
  const auto update = [&](AgentIndex a) {
    if (a + 8 < s.residents) g.prefetch_ties(a + 8);  // blocks are scattered: overlap the misses
    double close = 0, wsum = 0, lsum = 0;
    SocialTies st;
    for (const HalfTie& h : g.ties(a)) {
      if (!is_social(h.type)) continue;
      ++st.degree;
      if (h.type != kAcquaintance) close += h.weight;
      st.has_close |= is_close_tie(h, close_min);
      wsum += h.weight;
      lsum += h.weight * prev[h.other];
    }
    st.strength = wsum;
    const double actual = P.loneliness.close_weight * close + P.loneliness.contact_weight * (s.made[a] + s.received[a]);
    double desired = std::max(1e-6, static_cast<double>(s.desired[a]));
    if (s.parent_until[a] > s.age[a]) desired *= P.loneliness.desired_parent;
    desired *= desired_age_factor(P, s.age[a]);
    const double D = std::max(0.0, 1.0 - actual / desired);
    const double spread = wsum > 0 ? P.loneliness.spread * (lsum / wsum - prev[a]) : 0.0;
    const double target = logistic(P.loneliness.slope * (D - P.loneliness.midpoint) + spread);
    L[a] = clamp01(static_cast<float>(prev[a] + P.loneliness.rate * (target - prev[a])));
    return st;
  };
  if (!ctx.recorded) {
    parallel_for(0, s.residents, [&](AgentIndex a) { update(a); });
    return;
  }
  // In a recorded step the loop is also a reduction: per indicator cell, the social-tie sums the
  // indicators need (state.hpp, `social_sums`), with the indicators' blocks and tree.
  using Sums = std::vector<double>;
  Sums sums = tbb::parallel_deterministic_reduce(
      tbb::blocked_range<AgentIndex>(0, s.residents, kGrain), Sums(State::kCells * State::kSocialFields, 0.0),
      [&](const tbb::blocked_range<AgentIndex>& r, Sums acc) {
        for (AgentIndex a = r.begin(); a != r.end(); ++a) {
          const SocialTies st = update(a);
          double* row = acc.data() + s.cell_of(a) * State::kSocialFields;
          row[0] += static_cast<double>(st.degree);
          row[1] += st.strength;
          row[2] += st.has_close ? 0.0 : 1.0;
        }
        return acc;
      },
      [](Sums x, const Sums& y) {
        for (std::size_t i = 0; i < x.size(); ++i) x[i] += y[i];
        return x;
      },
      tbb::simple_partitioner());
  s.social_sums = std::move(sums);
  s.social_sums_step = ctx.step;
}

}  // namespace socius::models::community
