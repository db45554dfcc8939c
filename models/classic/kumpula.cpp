// Kumpula, Onnela, Saramäki, Kaski & Kertész (2007). Each round, every node i, from the network
// as it stands at the start of the round:
//  - local search (cyclic closure): if i has ties, it goes to a neighbour j chosen with
//    probability w_ij / s_i, then to a neighbour k != i of j chosen with probability
//    w_jk / (s_j - w_ij); w_ij and w_jk grow by delta, and w_ik grows by delta if that tie
//    exists, or is created with weight w0 with probability p_delta;
//  - global attachment (focal closure): if i has no ties, or otherwise with probability p_r, it
//    ties to a random other node with weight w0.
// The changes of the round are applied together at its end, as one batch of Strengthen and Add
// events (increments to one tie add up; a tie proposed twice is made once). Then node deletion:
// each node, with probability p_d, loses all its ties (a second batch, so a deleted node also
// loses the ties it made in this round).
//
// Interpretation: when j's only neighbour is i, the search stops and no weight changes (the
// paper's search needs a k != i). A random attachment to a node already tied to i changes
// nothing.
#include <array>
#include <cmath>
#include <limits>
#include <optional>

#include "classic.hpp"
#include "socius/socius.hpp"

namespace socius::models::classic {

namespace {

enum : Purpose { kRound = 1 };

/// Sum of the weights of a block, in block order.
double strength(std::span<const HalfTie> ties) {
  double s = 0.0;
  for (const HalfTie& h : ties) s += h.weight;
  return s;
}

/// Index in `ties` of the tie drawn with probability weight / total (total > 0), skipping the
/// tie to `skip` (whose weight the caller left out of total).
std::size_t draw_by_weight(std::span<const HalfTie> ties, double total, Stream& rng, AgentIndex skip) {
  double r = rng.uniform() * total;
  std::size_t last = ties.size();
  for (std::size_t i = 0; i < ties.size(); ++i) {
    if (ties[i].other == skip) continue;
    last = i;
    r -= ties[i].weight;
    if (r < 0.0) return i;
  }
  return last;  // rounding left r just above zero: the last eligible tie
}

/// The model's own parameters, declared once: schema and reader come from this table.
struct KumpulaParams {
  double delta = 0, p_delta = 0, p_r = 0, p_d = 0, w0 = 0;
  std::int64_t weight_bins = 0, overlap_bins = 0;
};

const ParameterTable<KumpulaParams>& kumpula_table() {
  static const ParameterTable<KumpulaParams> t = [] {
    ParameterTable<KumpulaParams> t;
    t.real("kumpula.delta", at(&KumpulaParams::delta), 1.0, 0.0, 1e6, "weight units",
           "Reinforcement: weight added to each tie of a local search's triangle (or path).",
           "Kumpula et al. (2007); delta = 1 is the community-forming case");
    t.real("kumpula.p_delta", at(&KumpulaParams::p_delta), 0.05, 0.0, 1.0, "probability per search",
           "Probability that a local search ending at a stranger k creates the tie i-k (cyclic closure).",
           "Kumpula et al. (2007)");
    t.real("kumpula.p_r", at(&KumpulaParams::p_r), 0.0005, 0.0, 1.0, "probability per node per round",
           "Probability that a node with ties also ties to a random node (focal closure).", "Kumpula et al. (2007)");
    t.real("kumpula.p_d", at(&KumpulaParams::p_d), 0.001, 0.0, 1.0, "probability per node per round",
           "Probability that a node loses all its ties (it leaves and is replaced).", "Kumpula et al. (2007)");
    t.real("kumpula.w0", at(&KumpulaParams::w0), 1.0, 1e-6, 1e6, "weight units", "Weight of a new tie.",
           "Kumpula et al. (2007)");
    t.integer("kumpula.weight_bins", at(&KumpulaParams::weight_bins), 64, 1, 160, "bins",
              "Bins of the recorded weight_distribution, over the weights w0 + m delta: one per m = 0 .. 15, then "
              "m = floor(16 x 2^((k-16)/4)) for bin k (four per doubling); the last bin is open-ended. "
              "64 bins reach m = 55,108.",
              "socius convention: mean weight is about 256 at the preset (docs/classic.md), so 64 bins hold the tail");
    t.integer("kumpula.overlap_bins", at(&KumpulaParams::overlap_bins), 20, 1, 1000, "bins",
              "Bins of the recorded overlap_by_weight and weight_by_weight_rank: ties ranked by weight are cut "
              "into this many slices of equal count (the coordinate weight_rank is the share of lighter ties).",
              "socius convention: 20 slices of 5% resolve the rise of overlap with weight of Onnela et al. (2007), Fig. 2");
    return t;
  }();
  return t;
}

class Kumpula final : public NetworkModel {
 public:
  explicit Kumpula(const ParameterSet& p)
      : Kumpula(p, kumpula_table().read(p)) {}

  Kumpula(const ParameterSet& p, const KumpulaParams& q)
      : NetworkModel(p, "kumpula"),
        delta_(static_cast<float>(q.delta)),
        p_delta_(q.p_delta),
        p_r_(q.p_r),
        p_d_(q.p_d),
        w0_(static_cast<float>(q.w0)),
        overlap_bins_(static_cast<std::uint32_t>(q.overlap_bins)) {
    check(p);
    // Weight bins on the lattice of weights w0 + m delta (m reinforcements): one bin per m
    // below 16, then m_k = floor(16 * 2^((k - 16) / 4)), about four bins per doubling. The
    // declared edges are the lattice points; ties are counted against edges half a step lower,
    // i.e. by m = round((w - w0) / step), so single-precision rounding of w cannot move a tie
    // into the bin below. With delta = 0 every weight is w0 (bin 0); the step is then w0.
    const auto bins = static_cast<std::size_t>(q.weight_bins);
    const double step = delta_ > 0.0f ? static_cast<double>(delta_) : static_cast<double>(w0_);
    for (std::size_t k = 0; k < bins; ++k) {
      const double m = k < 16 ? static_cast<double>(k) : std::floor(16.0 * std::exp2((static_cast<double>(k) - 16.0) / 4.0));
      weight_lower_.push_back(static_cast<double>(w0_) + m * step);
      weight_cuts_.push_back(static_cast<double>(w0_) + (m - 0.5) * step);
    }
  }

  /// What the schema cannot check (ModelDescription::check).
  static void check(const ParameterSet& p) { require_population(p, 2, "kumpula"); }

  static std::vector<System> systems() {
    return {system<Kumpula>("round", "local search, random attachment and node deletion, applied at the round's end", &Kumpula::round)};
  }

  void measure(const World& world, const StepContext& ctx, double* out) const override {
    // The overlap curve needs the overlaps the indicators compute anyway (the common-neighbour
    // pass is most of a record's cost), so it is taken here and kept for measure_distributions,
    // which the engine calls next on the same graph.
    auto s = measure_network(world.ties, ctx, path_sources_, out, overlap_bins_);
    curve_ = Curve{&world.ties, ctx.step, ctx.time, world.ties.tie_count(), std::move(s.overlap_curve)};
  }

  std::vector<DistributionSpec> distributions() const override {
    DistributionSpec w;
    w.name = "weight_distribution";
    w.dimension = "weight";
    w.bin_lower = weight_lower_;
    w.description = "ties by weight w = w0 + m delta, binned by their number of reinforcements m = round((w - w0) / delta): "
                    "one bin per m below 16, then about four bins per doubling of m; the last bin is open-ended "
                    "(sums to the number of ties)";
    w.units = "ties";
    w.bin_units = "weight units";
    // Onnela et al. (2007)'s weak-ties check over time: ties ranked by weight and cut into bins of
    // equal count, so the coordinate is the cumulative share of ties lighter than the bin, P_cum(w).
    std::vector<double> ranks(overlap_bins_);
    for (std::uint32_t k = 0; k < overlap_bins_; ++k) ranks[k] = static_cast<double>(k) / overlap_bins_;
    DistributionSpec o;
    o.name = "overlap_by_weight";
    o.dimension = "weight_rank";
    o.bin_lower = ranks;
    o.description = "mean topological overlap of the ties in each slice of equal count, ties ranked by weight (equal "
                    "weights in tie order): bin k holds the ties whose rank share is in [k/B, (k+1)/B); NaN while "
                    "there are fewer ties than bins";
    o.units = "fraction";
    o.bin_units = "share of ties lighter (P_cum(w))";
    DistributionSpec mw = o;
    mw.name = "weight_by_weight_rank";
    mw.description = "mean weight of the ties in each slice of overlap_by_weight (NaN while there are fewer ties than bins)";
    mw.units = "weight units";
    return {degree_distribution(degree_bins_), std::move(w), std::move(o), std::move(mw)};
  }

  void measure_distributions(const World& world, const StepContext& ctx, const std::vector<double*>& out) const override {
    measure_degree_distribution(world.ties, degree_bins_, out[0]);
    const auto h = netstats::binned_weight_histogram(world.ties, weight_cuts_);
    for (std::size_t k = 0; k < h.size(); ++k) out[1][k] = static_cast<double>(h[k]);
    const bool cached = curve_ && curve_->graph == &world.ties && curve_->step == ctx.step &&
                        curve_->time == ctx.time && curve_->ties == world.ties.tie_count();
    const auto curve = cached ? std::move(curve_->value) : netstats::overlap_by_weight(world.ties, overlap_bins_);
    curve_.reset();
    // No ties: overlap_by_weight returns no bins; every bin is then empty (NaN).
    for (std::uint32_t k = 0; k < overlap_bins_; ++k) {
      const bool filled = k < curve.count.size() && curve.count[k] > 0;
      out[2][k] = filled ? curve.mean_overlap[k] : std::numeric_limits<double>::quiet_NaN();
      out[3][k] = filled ? curve.mean_weight[k] : std::numeric_limits<double>::quiet_NaN();
    }
  }

 private:
  void round(World& world, const StepContext& ctx) {
    TieGraph& g = world.ties;
    // Each search reaches a random neighbour j's ties: two dependent cache misses (j's block
    // record, then j's entries) that dominate the round at a million nodes. Agents are taken
    // in groups: first every member draws its j and the group asks for j's record, then for
    // j's entries, and only then are the searches completed, so the misses of a group overlap
    // instead of following one another. Each agent's draws come from its own stream in the
    // same order as one agent at a time, so the results are unchanged.
    // Small networks (n <= kDirect) keep each search's reinforcements as positions in the blocks
    // (search_[i]) and apply them below in one serial pass in agent order, instead of as
    // Strengthen events through the batch's sort: at N = 10,000 the sort and the batch
    // machinery cost as much as the searches (benchmarks/NOTES.md, issue 18). Large networks
    // keep the events, whose application is parallel.
    const bool direct = n_ <= kDirect;
    if (direct) {
      search_.assign(n_, Reinforce{});
      // At this size every block is in cache: the strengths are summed once per node, in
      // parallel and in block order (the same sums as below), instead of twice per search.
      strength_.resize(n_);
      parallel_for(0, n_, [&](AgentIndex a) { strength_[a] = strength(g.ties(a)); });
    }
    parallel_for_blocks(0, n_, [&](AgentIndex lo, AgentIndex hi) {
      auto& out = changes_.local();
      auto& leaving = deletions_.local();
      constexpr AgentIndex kGroup = 32;
      struct Search {
        Stream rng;
        AgentIndex j;
        float w_ij;
        std::uint32_t ij;  // position of the tie i-j in i's block
      };
      std::array<std::optional<Search>, kGroup> group;
      for (AgentIndex first = lo; first < hi; first += kGroup) {
        const AgentIndex last = std::min<AgentIndex>(hi, first + kGroup);
        for (AgentIndex i = first; i < last; ++i) {
          Search& s = group[i - first].emplace(Search{ctx.stream(i, kRound), kNoAgent, 0.0f, 0});
          const auto mine = g.ties(i);
          if (mine.empty()) continue;
          // Large networks sum strengths from the blocks as they are needed (j's block is read
          // anyway to draw k), in block order, rather than keeping an array: one cache miss
          // fewer. Small ones (direct) sum them once per round above: the same sums.
          const std::size_t x = draw_by_weight(mine, direct ? strength_[i] : strength(mine), s.rng, kNoAgent);
          const HalfTie& ij = mine[x];
          s.j = ij.other;
          s.w_ij = ij.weight;
          s.ij = static_cast<std::uint32_t>(x);
          g.prefetch(s.j);
        }
        for (AgentIndex i = first; i < last; ++i) {
          if (group[i - first]->j != kNoAgent) g.prefetch_ties(group[i - first]->j);
        }
        for (AgentIndex i = last; i < std::min<AgentIndex>(hi, last + kGroup); ++i) g.prefetch_ties(i);
        for (AgentIndex i = first; i < last; ++i) {
          Search& s = *group[i - first];
          Stream& rng = s.rng;
          const auto mine = g.ties(i);
          if (s.j != kNoAgent) {
            const AgentIndex j = s.j;
            const auto theirs = g.ties(j);
            if (theirs.size() > 1) {
              const double s_j = (direct ? strength_[j] : strength(theirs)) - s.w_ij;
              const std::size_t jk = draw_by_weight(theirs, s_j, rng, i);
              const AgentIndex k = theirs[jk].other;
              // Whether i and k are tied, from i's block (in cache), not k's.
              std::uint32_t ik = kNoAgent;
              for (std::uint32_t x = 0; x < mine.size(); ++x) {
                if (mine[x].other == k) ik = x;
              }
              const bool tied = ik != kNoAgent;
              if (direct) {
                search_[i] = Reinforce{j, s.ij, static_cast<std::uint32_t>(jk), ik};
              } else {
                out.push_back(TieEvent::strengthen(i, j, delta_));
                out.push_back(TieEvent::strengthen(j, k, delta_));
                if (tied) out.push_back(TieEvent::strengthen(i, k, delta_));
              }
              if (!tied && rng.bernoulli(p_delta_)) {
                out.push_back(TieEvent::add(i, k, w0_, 0));
              }
            }
          }
          if (mine.empty() || rng.bernoulli(p_r_)) {
            AgentIndex j = rng.below(n_ - 1);
            if (j >= i) ++j;
            out.push_back(TieEvent::add(i, j, w0_, 0));
          }
          if (rng.bernoulli(p_d_)) leaving.push_back(TieEvent::remove_all(i));
        }
      }
    });
    // The batch (about 3 events per node) and the sort's buffer are kept between rounds: at a
    // million nodes each is about 48 MB, which would otherwise be mapped and unmapped every round.
    if (direct) {
      // w += delta on both halves of each reinforced tie, searches in agent order. The blocks
      // do not change until the batch below, so the positions found by the searches hold.
      // Adding delta once per search gives the same weights as the batch's sum of the
      // increments of a tie whenever the sums are exact in floating point, as they are with the
      // preset's integer weights (w0 = delta = 1); otherwise the last bit may differ from the
      // event path (each path is deterministic, for any number of threads).
      const auto reinforce = [&](HalfTie& h) {
        h.weight = static_cast<float>(static_cast<double>(h.weight) + static_cast<double>(delta_));
        g.twin(h).weight = h.weight;
      };
      for (AgentIndex i = 0; i < n_; ++i) {
        const Reinforce& r = search_[i];
        if (r.j == kNoAgent) continue;
        const auto mine = g.ties(i);
        reinforce(mine[r.ij]);
        reinforce(g.ties(r.j)[r.jk]);
        if (r.ik != kNoAgent) reinforce(mine[r.ik]);
      }
    }
    changes_.take(batch_);
    g.apply(batch_, sort_buffer_);
    deletions_.take(batch_);
    if (!batch_.empty()) {
      g.apply(batch_, sort_buffer_);
      for (const TieEvent& e : batch_) world.population.renew(e.u);
    }
  }

  // Largest network whose reinforcements are applied in one serial pass (round()).
  static constexpr AgentIndex kDirect = AgentIndex{1} << 15;
  // A search's reinforcements: j, and the positions of i-j and i-k in i's block and of j-k in
  // j's (ik = kNoAgent when i and k are not tied; j = kNoAgent when there was no search).
  struct Reinforce {
    AgentIndex j = kNoAgent;
    std::uint32_t ij = 0, jk = 0, ik = kNoAgent;
  };
  std::vector<Reinforce> search_;  // scratch kept between rounds, not state
  std::vector<double> strength_;   // each node's strength at the start of the round (n <= kDirect)
  float delta_;
  double p_delta_, p_r_, p_d_;
  float w0_;
  std::uint32_t overlap_bins_;
  // The overlap curve computed by the last measure(), for the measure_distributions() of the same
  // record; keyed on the graph, step, time and tie count so that a stale value is never used.
  struct Curve {
    const TieGraph* graph;
    std::uint32_t step;
    std::int64_t time;
    std::size_t ties;
    netstats::OverlapByWeight value;
  };
  mutable std::optional<Curve> curve_;
  std::vector<double> weight_lower_, weight_cuts_;  // declared edges; the edges ties are counted against
  EventBuffer changes_, deletions_;
  std::vector<TieEvent> batch_, sort_buffer_;  // scratch kept between rounds, not state
};

}  // namespace

ModelDescription kumpula() {
  ModelDescription d;
  d.name = "kumpula";
  d.summary = "Kumpula et al. (2007): weighted local search, random attachment and node deletion";
  d.schema = kumpula_table().schema();
  add_measurement_parameters(d.schema, "kumpula", 200);
  d.systems = Kumpula::systems();
  d.default_population = 10000;
  d.default_steps = 25000;
  d.default_burn_in = 0;
  d.create = [](const ParameterSet& p) { return std::make_unique<Kumpula>(p); };
  d.check = [](const ParameterSet& p) { Kumpula::check(p); };
  return d;
}

}  // namespace socius::models::classic
