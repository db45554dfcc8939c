// Contact: each resident has a weekly contact budget, Poisson with mean
//   m = contact.mean x sociability x (1 - withdrawal L) x [parent_time if a parent of a young
//       child] x [age75_factor at 75+] x [young_factor at 16-24]
// (lonely people withdraw: Cacioppo & Hawkley 2009). Each contact either meets someone new at
// one of the resident's foci, their neighbourhood included (share contact.new_share; Feld 1981) or goes to an existing social
// tie chosen in proportion to its strength. Chance meetings with a stranger in the neighbourhood
// happen at contact.random_meeting per week. A befriended resident is in contact with their
// befriender with probability policy.befriending.contact a week. A hub member has extra contacts
// at the hub (Poisson, contact.hub_contacts x the hub's ramp): a share contact.hub_new meets
// someone new (a focal meeting), the rest go to ties with co-members of the hub by strength.
// Relatives living outside the area (structure.family_away, not agents) are each in contact in a
// week with probability contact.family_away_weekly.
// Professionals spend burnout.collegial_contacts contacts per week on collegial ties.
//
// The owner marks each tie it used (flag kUsedByOwner on its own half); a second pass counts the
// contacts each agent received by reading the twins' flags, and stamps each of its own halves
// used by either end with this step (HalfTie::stamp), so that later systems read only their own
// halves; it also counts each resident's ties in their own neighbourhood (local_ties, read by
// trust, civic efficacy and the indicators). No agent writes another's state.
#include <algorithm>
#include <array>
#include <cmath>

#include "socius/sort_network.hpp"
#include "state.hpp"

namespace socius::models::community {

namespace {

inline constexpr std::uint32_t kMaxContacts = 64;

/// Marks `k` contacts on ties of `block` accepted by `eligible`, chosen with probability
/// proportional to weight (with replacement). Returns the number of contacts placed.
template <class Eligible>
std::uint32_t spend_on_ties(std::span<HalfTie> block, std::uint32_t k, Stream& rng, Eligible eligible) {
  if (k == 0) return 0;
  double total = 0;
  for (const HalfTie& h : block) {
    if (eligible(h)) total += h.weight;
  }
  if (total <= 0) return 0;
  std::array<double, kMaxContacts> u;
  k = std::min(k, kMaxContacts);
  for (std::uint32_t i = 0; i < k; ++i) u[i] = rng.uniform() * total;
  sort_small(u.data(), k);  // a sorting network up to 16 draws: std::sort's result, without its mispredictions
  double acc = 0;
  std::uint32_t i = 0;
  HalfTie* last = nullptr;
  for (HalfTie& h : block) {
    if (!eligible(h)) continue;
    last = &h;
    acc += h.weight;
    while (i < k && u[i] < acc) {
      h.flags |= kUsedByOwner;
      ++i;
    }
    if (i == k) break;
  }
  // Rounding can leave the last draws past the final cumulative sum: they go to the last tie.
  if (i < k && last) last->flags |= kUsedByOwner;
  return k;
}

}  // namespace

void run_contact(State& s, World& w, const StepContext& ctx) {
  const Params& P = s.P;
  auto& g = w.ties;
  const AgentIndex R = s.residents;

  parallel_for(0, s.agents(), [&](AgentIndex a) {
    if (a + 8 < s.agents()) g.prefetch_ties(a + 8);  // blocks are scattered: overlap the misses
    auto block = g.ties(a);
    for (HalfTie& h : block) {
      std::uint8_t f = static_cast<std::uint8_t>(h.flags & ~kUsedByOwner);
      if (!(f & kLocalKnown) && a < R && h.other < R) {
        f |= kLocalKnown;
        if (s.nbhd[h.other] == s.nbhd[a]) f |= kLocal;
      }
      h.flags = f;
    }
    Stream rng = ctx.stream(a, kPurposeContact);
    if (a >= R) {  // a professional: contacts with colleagues
      std::uint32_t made = 0;
      if (s.post[a] == 1) {
        made = spend_on_ties(block, rng.poisson(P.burnout.collegial_contacts), rng, [](const HalfTie& h) { return h.type == kCollegial; });
      }
      s.made[a] = static_cast<std::uint16_t>(made);
      s.meetings[a] = 0;
      return;
    }
    const float x = s.age[a];
    double mean = P.contact.mean * s.sociability[a] * (1.0 - P.contact.withdrawal * s.lonely[a]);
    if (s.parent_until[a] > x) mean *= P.contact.parent_time;
    if (x >= 75) mean *= P.contact.age75_factor;
    if (x < 25) mean *= P.contact.young_factor;
    const std::uint32_t k = std::min(rng.poisson(mean), kMaxContacts);
    // Everyone has at least one focus: their neighbourhood (the street, the shops).
    std::uint32_t meet = 0;
    for (std::uint32_t i = 0; i < k; ++i) meet += chance(rng, P.contact.new_share) ? 1u : 0u;
    // A running befriending match's tie is used only through the match's own contact (below), by
    // either end: the volunteer (whose befriended resident's befriender is a) does not spend the
    // general budget on it, nor does the befriended resident.
    const std::uint32_t bf = s.befriender[a];
    const bool matches = P.policy.befriending.enabled;  // skips the befriender reads otherwise
    std::uint32_t made = spend_on_ties(block, k - meet, rng, [&](const HalfTie& h) {
      return is_social(h.type) && (!matches || (h.other != bf && s.befriender[h.other] != a));
    });
    // A befriended resident is in contact with their befriender with probability
    // policy.befriending.contact in a week (if the match still stands).
    if (bf != kNone) {
      Stream brng = ctx.stream(a, kPurposeBefriendingContact);
      if (chance(brng, P.policy.befriending.contact)) {
        for (HalfTie& h : block) {
          if (h.other == bf && is_social(h.type)) {  // absent if the volunteer moved away (the match ends: policies)
            h.flags |= kUsedByOwner;
            ++made;
            break;
          }
        }
      }
    }
    // A hub member has extra contacts at the hub, Poisson(contact.hub_contacts x ramp): each
    // meets someone new with probability contact.hub_new (a focal meeting), or else goes to a
    // tie with a co-member of the hub chosen by strength (a meeting if there is none).
    const std::uint32_t hub = s.focus_hub[a];
    if (hub != kNone && s.focus_activity[hub] > 0 && P.contact.hub_contacts > 0) {
      Stream hrng = ctx.stream(a, kPurposeHubContact);
      const double strength = P.policy.hubs.activity > 0 ? s.focus_activity[hub] / P.policy.hubs.activity : 1.0;
      const std::uint32_t kh = std::min(hrng.poisson(P.contact.hub_contacts * strength), kMaxContacts);
      std::uint32_t hub_meet = 0;
      for (std::uint32_t i = 0; i < kh; ++i) hub_meet += chance(hrng, P.contact.hub_new) ? 1u : 0u;
      const std::uint32_t placed = spend_on_ties(block, kh - hub_meet, hrng, [&](const HalfTie& h) { return is_social(h.type) && s.focus_hub[h.other] == hub; });
      made += placed;
      meet += kh - hub_meet - placed;
      meet += hub_meet;
    }
    const bool chance = rng.bernoulli(P.contact.random_meeting);
    s.made[a] = static_cast<std::uint16_t>(made);
    s.meetings[a] = static_cast<std::uint8_t>(std::min<std::uint32_t>(meet, 63) | (chance ? 0x80u : 0u));
  });

  // Contacts received: ties whose other end used them this week, and relatives living
  // elsewhere who phone or visit.
  const std::uint16_t now = stamp_of(ctx.step);
  const auto count_received = [&](AgentIndex a) {
    std::uint32_t received = 0, local = 0;
    for (HalfTie& h : g.ties(a)) {
      if (h.type == kService) continue;
      local += (h.flags & kLocal) ? 1u : 0u;
      const bool by_other = g.twin(h).flags & kUsedByOwner;
      received += by_other ? 1u : 0u;
      if (by_other || (h.flags & kUsedByOwner)) h.stamp = now;  // used by either end this week
    }
    if (a < R) {
      s.local_ties[a] = static_cast<std::uint16_t>(std::min<std::uint32_t>(local, 65535));
      Stream rng = ctx.stream(a, kPurposeContact + 1);
      for (std::uint32_t i = 0; i < s.family_away[a]; ++i) received += chance(rng, P.contact.family_away_weekly) ? 1u : 0u;
    }
    s.received[a] = static_cast<std::uint16_t>(std::min<std::uint32_t>(received, 65535));
  };
  // Reading the twins' flags is a cache miss per tie at large sizes; asking for the twins of an
  // agent a few places ahead lets those misses overlap with the work on the current one.
  constexpr AgentIndex kAhead = 4;
  parallel_for_blocks(0, s.agents(), [&](AgentIndex lo, AgentIndex hi) {
    for (AgentIndex b = lo; b < std::min(hi, lo + kAhead); ++b)
      for (const HalfTie& h : g.ties(b)) __builtin_prefetch(&g.twin(h));
    for (AgentIndex a = lo; a < hi; ++a) {
      if (a + kAhead < hi)
        for (const HalfTie& h : g.ties(a + kAhead)) __builtin_prefetch(&g.twin(h));
      count_received(a);
    }
  });
}

}  // namespace socius::models::community
