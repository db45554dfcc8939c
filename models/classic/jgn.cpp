// Jin, Girvan & Newman (2001), Model II. One step has three phases, as in the paper's algorithm:
//  1. Meetings: round(n_p r0) pairs, n_p = N(N-1)/2, drawn uniformly at random;
//  2. Introductions: round(n_m r1) egos, n_m = sum_i z_i (z_i - 1) / 2, drawn with probability
//     proportional to z_i (z_i - 1); each introduces one random pair of its friends;
//     a meeting or an introduction makes a tie only if the pair is not tied and both have fewer
//     than z* ties;
//  3. Decay: round(n_e gamma) egos, n_e = number of ties, drawn in proportion to degree, each
//     lose one random tie (together: round(n_e gamma) distinct ties drawn uniformly in turn).
//
// Acceptance is sequential, in the order of the draws, so the cap z* holds exactly. The draws
// themselves are made in parallel from the network as it stands when the phase begins (meeting
// or introduction k uses stream (step, k)): phases 1 and 2 only add ties, so a proposal whose
// pair is already tied or capped at the start of the phase would be refused in turn anyway and
// is dropped in the parallel pass; only the rest are checked in order. Interpretation: in phase
// 2 the egos and their friend pairs come from the network at the start of the phase (the paper
// computes n_m once per step), not from the network as each introduction is made.
#include <algorithm>
#include <cmath>

#include "classic.hpp"
#include "socius/socius.hpp"

namespace socius::models::classic {

namespace {

enum : Purpose { kMeet = 1, kIntroduce = 2, kDecay = 3 };

/// Calls f(k) for k in [0, count): in parallel when there is enough work to pay for waking
/// threads (at the published N = 250 there never is). Same result either way.
template <class F>
void for_each_draw(AgentIndex count, F&& f) {
  if (count >= 8 * kGrain) {
    parallel_for(0, count, f);
  } else {
    for (AgentIndex k = 0; k < count; ++k) f(k);
  }
}

/// A proposed tie between a and b, or none (a == kNoAgent).
struct Proposal {
  AgentIndex a = kNoAgent;
  AgentIndex b = kNoAgent;
};

/// The model's own parameters, declared once: schema and reader come from this table.
struct JgnParams {
  double r0 = 0, r1 = 0, gamma = 0;
  std::int64_t z_star = 0;
};

const ParameterTable<JgnParams>& jgn_table() {
  static const ParameterTable<JgnParams> t = [] {
    ParameterTable<JgnParams> t;
    t.real("jgn.r0", at(&JgnParams::r0), 0.0005, 0.0, 1.0, "meetings per pair per step",
           "Rate of random meetings: round(r0 N(N-1)/2) random pairs meet each step.",
           "Jin, Girvan & Newman (2001), Model II");
    t.real("jgn.r1", at(&JgnParams::r1), 2.0, 0.0, 1e6, "introductions per friend pair per step",
           "Rate of introductions: round(r1 n_m) egos, n_m = sum z(z-1)/2, each introduce two friends.",
           "Jin, Girvan & Newman (2001), Model II");
    t.real("jgn.gamma", at(&JgnParams::gamma), 0.005, 0.0, 1.0, "per tie per step",
           "Decay rate: round(gamma x ties) ties, chosen via egos in proportion to degree, are lost each step.",
           "Jin, Girvan & Newman (2001), Model II");
    t.integer("jgn.z_star", at(&JgnParams::z_star), 5, 0, 1'000'000, "ties",
              "Most ties a person can hold: a meeting or introduction makes no tie if either has z* already.",
              "Jin, Girvan & Newman (2001), Model II");
    return t;
  }();
  return t;
}

class Jgn final : public NetworkModel {
 public:
  explicit Jgn(const ParameterSet& p)
      : NetworkModel(p, "jgn"), P_(jgn_table().read(p)), z_star_(static_cast<std::uint32_t>(P_.z_star)) {
    check(p);
  }

  /// What the schema cannot check (ModelDescription::check).
  static void check(const ParameterSet& p) {
    require_population(p, 2, "jgn");
    const auto n = p.integer("simulation.population");
    const double r0 = jgn_table().read(p).r0;
    const double pairs = 0.5 * static_cast<double>(n) * (static_cast<double>(n) - 1.0);
    if (std::round(pairs * r0) > 4e9) {
      throw ScenarioError("key 'jgn.r0' = " + format_number(r0) + ": with " + std::to_string(n) +
                          " people that is more than 4 billion meetings per step; lower r0 or the population");
    }
  }

  static std::vector<System> systems() {
    return {system<Jgn>("meet", "random meetings between pairs", &Jgn::meet),
            system<Jgn>("introduce", "friends of friends are introduced", &Jgn::introduce),
            system<Jgn>("decay", "ties are lost in proportion to degree", &Jgn::decay)};
  }

 private:
  bool open(const TieGraph& g, AgentIndex a, AgentIndex b) const {
    if (g.degree(a) >= z_star_ || g.degree(b) >= z_star_) return false;
    // Search the shorter block.
    return g.degree(a) <= g.degree(b) ? g.find(a, b) < 0 : g.find(b, a) < 0;
  }

  /// Accepts the surviving proposals in draw order against the current network.
  void accept(TieGraph& g, std::vector<Proposal>& proposals) {
    std::vector<TieEvent> one(1);
    for (const Proposal& pr : proposals) {
      if (pr.a == kNoAgent || !open(g, pr.a, pr.b)) continue;
      one[0] = TieEvent::add(pr.a, pr.b, 1.0f, 0);
      g.apply(one);
    }
  }

  void meet(World& w, const StepContext& ctx) {
    TieGraph& g = w.ties;
    const double pairs = 0.5 * static_cast<double>(n_) * (n_ - 1.0);
    const auto count = static_cast<AgentIndex>(std::llround(pairs * P_.r0));
    proposals_.assign(count, Proposal{});
    for_each_draw(count, [&](AgentIndex k) {
      Stream rng = ctx.stream(k, kMeet);
      const AgentIndex a = rng.below(n_);
      AgentIndex b = rng.below(n_ - 1);
      if (b >= a) ++b;
      if (open(g, a, b)) proposals_[k] = {a, b};
    });
    accept(g, proposals_);
  }

  void introduce(World& w, const StepContext& ctx) {
    TieGraph& g = w.ties;
    // cum[i] = sum over agents before i of z (z - 1): egos drawn by inverting it.
    cum_.resize(static_cast<std::size_t>(n_) + 1);
    cum_[0] = 0;
    for (AgentIndex a = 0; a < n_; ++a) {
      const std::uint64_t z = g.degree(a);
      cum_[a + 1] = cum_[a] + z * (z - (z > 0));
    }
    const std::uint64_t total = cum_.back();  // 2 n_m
    if (total == 0) return;
    const double count_d = std::round(0.5 * static_cast<double>(total) * P_.r1);
    if (count_d > 4e9) throw ScenarioError("key 'jgn.r1' = " + format_number(P_.r1) + ": more than 4 billion introductions per step");
    const auto count = static_cast<AgentIndex>(count_d);
    proposals_.assign(count, Proposal{});
    for_each_draw(count, [&](AgentIndex k) {
      Stream rng = ctx.stream(k, kIntroduce);
      const auto r = static_cast<std::uint64_t>(rng.uniform() * static_cast<double>(total));
      const auto ego = static_cast<AgentIndex>(std::upper_bound(cum_.begin(), cum_.end(), std::min(r, total - 1)) - cum_.begin() - 1);
      const auto friends = g.ties(ego);
      const auto f = static_cast<std::uint32_t>(friends.size());
      const auto x = rng.below(f);
      auto y = rng.below(f - 1);
      if (y >= x) ++y;
      if (open(g, friends[x].other, friends[y].other)) proposals_[k] = {friends[x].other, friends[y].other};
    });
    accept(g, proposals_);
  }

  void decay(World& w, const StepContext& ctx) {
    TieGraph& g = w.ties;
    const auto count = static_cast<std::size_t>(std::llround(static_cast<double>(g.tie_count()) * P_.gamma));
    if (count == 0) return;
    // Choosing an ego in proportion to degree, then one of its ties at random, draws a half-tie
    // uniformly. Halves are listed once at the start; a draw that hits a tie removed earlier in
    // the phase is drawn again, which is uniform over the ties that remain.
    halves_.clear();
    for (AgentIndex a = 0; a < n_; ++a) {
      for (const HalfTie& h : g.ties(a)) halves_.push_back({a, h.other});
    }
    Stream rng = ctx.stream(0, kDecay);
    std::vector<TieEvent> one(1);
    for (std::size_t removed = 0; removed < count;) {
      const Proposal& h = halves_[rng.below(static_cast<std::uint32_t>(halves_.size()))];
      one[0] = TieEvent::remove(h.a, h.b);
      if (g.apply(one).removed) ++removed;
    }
  }

  JgnParams P_;
  std::uint32_t z_star_;
  std::vector<Proposal> proposals_;
  std::vector<std::uint64_t> cum_;
  std::vector<Proposal> halves_;
};

}  // namespace

ModelDescription jgn() {
  ModelDescription d;
  d.name = "jgn";
  d.summary = "Jin, Girvan & Newman (2001) Model II: meetings, introductions, decay, capped degree";
  d.schema = jgn_table().schema();
  add_measurement_parameters(d.schema, "jgn", 50);
  d.systems = Jgn::systems();
  d.default_population = 250;
  d.default_steps = 30000;
  d.default_burn_in = 0;
  d.create = [](const ParameterSet& p) { return std::make_unique<Jgn>(p); };
  d.check = [](const ParameterSet& p) { Jgn::check(p); };
  return d;
}

}  // namespace socius::models::classic
