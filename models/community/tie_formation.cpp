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
#include <vector>

#include "state.hpp"

namespace socius::models::community {

namespace {

/// What the acceptance reads of each party of a meeting, in one 16-byte record: a candidate met
/// at random costs one cache miss instead of four (trust, age, neighbourhood and degree live in
/// four columns). Copied from the columns and the graph at the start of the system, so the
/// values, and the results, are the same as reading the columns.
struct Party {
  float trust;
  float age;
  std::uint32_t nbhd;
  std::uint32_t degree;
};
static_assert(sizeof(Party) == 16);

struct Acceptance {
  const Party* party;
  double accept, age_scale, other_nbhd, trust_effect, capacity;

  double room(const Party& x) const {
    return std::max(0.0, 1.0 - static_cast<double>(x.degree) / capacity);
  }
  double will(const Party& x, double effect) const {
    return std::clamp(0.5 + effect * (x.trust - 0.5), 0.0, 1.0);
  }
  double operator()(AgentIndex a, AgentIndex b, bool stranger) const {
    const Party& x = party[a];
    const Party& y = party[b];
    const double e = stranger ? trust_effect : 0.5 * trust_effect;
    double p = accept * std::exp(-std::abs(x.age - y.age) / age_scale);
    if (x.nbhd != y.nbhd) p *= other_nbhd;
    return p * will(x, e) * will(y, e) * room(x) * room(y);
  }
};

}  // namespace

void run_tie_formation(State& s, World& w, const StepContext& ctx) {
  const Params& P = s.P;
  auto& g = w.ties;
  // Scratch for this system only (freed before the batch is applied, so not resident while the
  // tie array grows), on huge pages: 16 bytes a resident.
  std::vector<Party, detail::HugePageAllocator<Party>> party(s.residents);
  parallel_for(0, s.residents, [&](AgentIndex a) { party[a] = Party{s.trust[a], s.age[a], s.nbhd[a], g.degree(a)}; });
  const Acceptance acc{party.data(), P.formation.accept, P.formation.age_scale, P.formation.other_neighbourhood, P.formation.trust_effect, P.formation.capacity};
  const auto new_weight = static_cast<float>(P.ties.new_weight);
  EventBuffer proposals;
  parallel_for(0, s.residents, [&](AgentIndex a) {
    // The triadic closure reads a's own block, scattered by relocation: ask for the block of
    // the resident 8 places ahead, so that the misses overlap (perf put 12% of this system on
    // the first read of a's flags).
    if (a + 8 < s.residents) g.prefetch_ties(a + 8);
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
  decltype(party)().swap(party);
  auto batch = proposals.take();
  if (!batch.empty()) g.apply(batch);
}

}  // namespace socius::models::community
