// Tie strength: a tie used this week by either end is reinforced, w += delta_type (1 - w); an
// unused tie decays, w *= exp(-decay_type) (MODEL.md default forms; Burt 2000 on decay). A
// non-kin tie below ties.floor is lost; kin ties go dormant at ties.kin_floor instead. An
// acquaintance tie that reaches ties.friend_threshold becomes a friend tie; a friend tie that
// falls below ties.demote_threshold becomes an acquaintance again. Service ties are left to the
// services system.
//
// Both owners compute the same function of the same inputs (the weight, the type, and "used" =
// the stamp the contact system put on both halves), so the two halves stay bit-identical
// without writing each other's half.
#include <cmath>

#include "state.hpp"

namespace socius::models::community {

void run_tie_strength(State& s, World& w, const StepContext& ctx) {
  const Params& P = s.P;
  auto& g = w.ties;
  std::array<float, 5> keep{}, delta{};
  for (int t = 0; t < 5; ++t) {
    keep[t] = static_cast<float>(std::exp(-P.ties.decay[t]));
    delta[t] = static_cast<float>(P.ties.delta[t]);
  }
  const auto floor = static_cast<float>(P.ties.floor), kin_floor = static_cast<float>(P.ties.kin_floor);
  const auto promote = static_cast<float>(P.ties.friend_threshold), demote = static_cast<float>(P.ties.demote_threshold);
  const std::uint16_t now = stamp_of(ctx.step);
  EventBuffer lost;
  parallel_for(0, s.agents(), [&](AgentIndex a) {
    if (a + 8 < s.agents()) g.prefetch_ties(a + 8);  // blocks are scattered: overlap the misses
    for (HalfTie& h : g.ties(a)) {
      const TieType t = h.type;
      if (t == kService) continue;
      const bool used = h.stamp == now;  // stamped by the contact system on both halves
      float wt = h.weight;
      wt = used ? wt + delta[t] * (1.0f - wt) : wt * keep[t];
      if (t == kKin) {
        if (wt < kin_floor) wt = kin_floor;
      } else if (wt < floor) {
        if (a < h.other) lost.local().push_back(TieEvent::remove(a, h.other));
        continue;  // removed below; leave the weight as both halves see it
      }
      if (t == kAcquaintance && wt >= promote) h.type = kFriend;
      else if (t == kFriend && wt < demote) h.type = kAcquaintance;
      h.weight = wt;
    }
  });
  auto batch = lost.take();
  if (!batch.empty()) g.apply(batch);
}

}  // namespace socius::models::community
