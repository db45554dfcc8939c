// Tie formation: focal closure (a meeting with a co-member of one of one's foci, chosen by
// activity level, the neighbourhood being everyone's focus; Feld 1981), triadic closure (a tie used this week introduces one of their own
// ties, with probability formation.triadic x w, so strong ties introduce more; Granovetter 1973,
// Davidsen et al. 2002), and chance meetings with a stranger in the neighbourhood. A meeting
// becomes an acquaintance tie with probability
//   accept x exp(-|age_a - age_b| / age_scale) x [other_neighbourhood if apart]
//          x will(a) x will(b) x room(a) x room(b)
// where will = clamp(0.5 + e (T - 0.5)), e = formation.trust_effect for strangers and half of it
// at a shared focus or through an introduction (trust raises willingness to tie with
// strangers), and room = max(0, 1 - social ties / formation.capacity) (Dunbar 1992).
// Proposals go to an EventBuffer and are applied as one sorted batch.
#include <algorithm>
#include <cmath>

#include "state.hpp"

namespace socius::models::community {

namespace {

struct Acceptance {
  const State& s;
  const TieGraph& g;
  double accept, age_scale, other_nbhd, trust_effect, capacity;

  double room(AgentIndex a) const {
    return std::max(0.0, 1.0 - static_cast<double>(g.degree(a)) / capacity);
  }
  double will(AgentIndex a, double effect) const {
    return std::clamp(0.5 + effect * (s.trust[a] - 0.5), 0.0, 1.0);
  }
  double operator()(AgentIndex a, AgentIndex b, bool stranger) const {
    const double e = stranger ? trust_effect : 0.5 * trust_effect;
    double p = accept * std::exp(-std::abs(s.age[a] - s.age[b]) / age_scale);
    if (s.nbhd[a] != s.nbhd[b]) p *= other_nbhd;
    return p * will(a, e) * will(b, e) * room(a) * room(b);
  }
};

}  // namespace

void run_tie_formation(State& s, World& w, const StepContext& ctx) {
  const Params& P = s.P;
  auto& g = w.ties;
  const Acceptance acc{s, g, P.formation.accept, P.formation.age_scale, P.formation.other_neighbourhood, P.formation.trust_effect, P.formation.capacity};
  const auto new_weight = static_cast<float>(P.ties.new_weight);
  EventBuffer proposals;
  parallel_for(0, s.residents, [&](AgentIndex a) {
    Stream rng = ctx.stream(a, kPurposeFormation);
    auto& out = proposals.local();
    auto propose = [&](AgentIndex b, bool stranger) {
      if (b == a || b == kNone || b >= s.residents) return;
      if (!rng.bernoulli(acc(a, b, stranger))) return;
      if (g.find(a, b) >= 0) return;
      out.push_back(TieEvent::add(a, b, new_weight, kAcquaintance));
    };
    // Focal closure.
    const std::uint32_t focal = s.meetings[a] & 63u;
    if (focal > 0) {
      // The neighbourhood is a focus of everyone's (index 3).
      const std::uint32_t foci[3] = {s.focus_work[a], s.focus_comm[a], s.focus_hub[a]};
      double act[4], total = 0;
      for (int i = 0; i < 3; ++i) {
        act[i] = foci[i] == kNone ? 0.0 : s.focus_activity[foci[i]];
        total += act[i];
      }
      act[3] = P.structure.activity_neighbourhood;
      total += act[3];
      for (std::uint32_t m = 0; m < focal && total > 0; ++m) {
        double u = rng.uniform() * total;
        int i = 0;
        while (i < 3 && (act[i] == 0 || u >= act[i])) {
          u -= act[i];
          ++i;
        }
        if (act[i] == 0) continue;
        std::uint32_t lo, hi;
        const AgentIndex* members;
        if (i < 3) {
          lo = s.focus_offset[foci[i]];
          hi = s.focus_offset[foci[i] + 1];
          members = s.focus_members.data();
        } else {
          const std::uint32_t j = s.nbhd[a];
          lo = s.residents_of_nbhd_offset[j];
          hi = s.residents_of_nbhd_offset[j + 1];
          members = s.residents_of_nbhd.data();
        }
        if (hi - lo < 2) continue;
        propose(members[lo + rng.below(hi - lo)], false);
      }
    }
    // Triadic closure through the ties used this week.
    if (P.formation.triadic > 0) {
      for (const HalfTie& h : g.ties(a)) {
        if (!(h.flags & kUsedByOwner) || !is_social(h.type)) continue;
        if (!rng.bernoulli(P.formation.triadic * h.weight)) continue;
        const AgentIndex j = h.other;
        const std::uint32_t dj = g.degree(j);
        if (dj < 2) continue;
        const HalfTie& via = g.ties(j)[rng.below(dj)];
        if (is_social(via.type)) propose(via.other, false);
      }
    }
    // A chance meeting with a stranger in the neighbourhood.
    if (s.meetings[a] & 0x80u) {
      const std::uint32_t j = s.nbhd[a];
      const std::uint32_t lo = s.residents_of_nbhd_offset[j], hi = s.residents_of_nbhd_offset[j + 1];
      if (hi - lo >= 2) propose(s.residents_of_nbhd[lo + rng.below(hi - lo)], true);
    }
  });
  auto batch = proposals.take();
  if (!batch.empty()) g.apply(batch);
}

}  // namespace socius::models::community
