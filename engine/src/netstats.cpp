#include "socius/netstats.hpp"

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_sort.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>

#include "socius/errors.hpp"
#include "socius/parallel.hpp"
#include "socius/random.hpp"

namespace socius::netstats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Engine-reserved purposes (>= 0xFFFF0000) for the sampled estimates.
constexpr Purpose kClusteringSample = 0xFFFF0100u;
constexpr Purpose kPathSample = 0xFFFF0101u;

/// Start of each agent's half-ties in block order (a CSR index over the blocks).
std::vector<std::uint64_t> half_offsets(const TieGraph& g) {
  std::vector<std::uint64_t> off(static_cast<std::size_t>(g.agents()) + 1, 0);
  for (AgentIndex a = 0; a < g.agents(); ++a) off[a + 1] = off[a] + g.degree(a);
  return off;
}

/// A per-thread array of N marks, where mark[x] == tag means "x is marked for the current
/// task". Tags are unique per use, so the array never needs clearing.
class Marks {
 public:
  explicit Marks(AgentIndex n) : marks_([n] { return std::vector<std::uint64_t>(n, 0); }) {}
  std::vector<std::uint64_t>& local() { return marks_.local(); }

 private:
  tbb::enumerable_thread_specific<std::vector<std::uint64_t>> marks_;
};

/// Common neighbours of a and each of its neighbours, written to out[0 .. degree(a)).
/// `tag` must not have been used before on this mark array.
template <class Out>
void common_of(const TieGraph& g, AgentIndex a, std::vector<std::uint64_t>& mark, std::uint64_t tag, Out out) {
  const auto mine = g.ties(a);
  for (const HalfTie& h : mine) mark[h.other] = tag;
  for (std::size_t i = 0; i < mine.size(); ++i) {
    std::uint32_t c = 0;
    for (const HalfTie& h2 : g.ties(mine[i].other)) c += mark[h2.other] == tag;
    out(i, c);
  }
}

double local_from(std::uint64_t twice_triangles, std::uint32_t k) {
  if (k < 2) return 0.0;
  return static_cast<double>(twice_triangles) / (static_cast<double>(k) * (k - 1));
}

/// Indices of `v` in ascending order of value, equal values in index order: the order a stable
/// sort gives, so unique, and the same for any number of threads. Sorted in parallel as
/// (value, index) pairs, which keeps the comparisons in contiguous memory.
std::vector<std::size_t> ascending_order(const std::vector<double>& v) {
  struct Key {
    double value;
    std::size_t index;
  };
  std::vector<Key> keys(v.size());
  const tbb::blocked_range<std::size_t> all(0, v.size(), 1 << 14);
  tbb::parallel_for(all, [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) keys[i] = {v[i], i};
  });
  tbb::parallel_sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    return a.value < b.value || (a.value == b.value && a.index < b.index);
  });
  std::vector<std::size_t> idx(v.size());
  tbb::parallel_for(all, [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) idx[i] = keys[i].index;
  });
  return idx;
}

/// Average ranks (1-based) of `v` given its ascending_order, equal values sharing their mean rank.
std::vector<double> ranks(const std::vector<double>& v, const std::vector<std::size_t>& idx) {
  std::vector<double> r(v.size());
  for (std::size_t i = 0; i < idx.size();) {
    std::size_t j = i;
    while (j < idx.size() && v[idx[j]] == v[idx[i]]) ++j;
    const double mean_rank = 0.5 * static_cast<double>(i + 1 + j);
    for (std::size_t k = i; k < j; ++k) r[idx[k]] = mean_rank;
    i = j;
  }
  return r;
}

std::vector<double> ranks(const std::vector<double>& v) { return ranks(v, ascending_order(v)); }

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = x.size();
  if (n < 2) return kNaN;
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx <= 0.0 || syy <= 0.0) return kNaN;
  return sxy / std::sqrt(sxx * syy);
}

/// Overlap of every tie in edges() order from the per-half common-neighbour counts.
std::vector<double> overlap_from(const TieGraph& g, const std::vector<std::uint32_t>& cn,
                                 const std::vector<std::uint64_t>& off) {
  std::vector<double> out;
  out.reserve(g.tie_count());
  for (AgentIndex a = 0; a < g.agents(); ++a) {
    const auto mine = g.ties(a);
    for (std::size_t i = 0; i < mine.size(); ++i) {
      const AgentIndex b = mine[i].other;
      if (a > b) continue;
      const double n = cn[off[a] + i];
      const double denom = static_cast<double>(g.degree(a) - 1) + static_cast<double>(g.degree(b) - 1) - n;
      out.push_back(denom > 0.0 ? n / denom : 0.0);
    }
  }
  return out;
}

struct MomentAcc {  // degree moments over half-ties, for assortativity
  double x = 0, xx = 0, xy = 0;
  MomentAcc& operator+=(const MomentAcc& o) {
    x += o.x;
    xx += o.xx;
    xy += o.xy;
    return *this;
  }
  friend MomentAcc operator+(MomentAcc p, const MomentAcc& q) { return p += q; }
};

struct PathAcc {
  std::uint64_t sum = 0;
  std::uint64_t pairs = 0;
  std::uint32_t max = 0;
  PathAcc& operator+=(const PathAcc& o) {
    sum += o.sum;
    pairs += o.pairs;
    max = std::max(max, o.max);
    return *this;
  }
  friend PathAcc operator+(PathAcc x, const PathAcc& y) { return x += y; }
};

}  // namespace

std::vector<std::uint64_t> degree_histogram(const TieGraph& g) {
  std::uint32_t kmax = 0;
  for (AgentIndex a = 0; a < g.agents(); ++a) kmax = std::max(kmax, g.degree(a));
  std::vector<std::uint64_t> h(static_cast<std::size_t>(kmax) + 1, 0);
  for (AgentIndex a = 0; a < g.agents(); ++a) ++h[g.degree(a)];
  return h;
}

namespace {
/// Integer counts in `bins` bins from f(a, counts) called for every agent, in parallel with
/// per-thread counts added up at the end (exact, so independent of the thread count).
template <class F>
std::vector<std::uint64_t> count_in_parallel(const TieGraph& g, std::size_t bins, F&& f) {
  tbb::enumerable_thread_specific<std::vector<std::uint64_t>> local([bins] { return std::vector<std::uint64_t>(bins, 0); });
  parallel_for_blocks(0, g.agents(), [&](AgentIndex lo, AgentIndex hi) {
    auto& counts = local.local();
    for (AgentIndex a = lo; a < hi; ++a) f(a, counts);
  });
  std::vector<std::uint64_t> h(bins, 0);
  for (const auto& counts : local) {
    for (std::size_t k = 0; k < bins; ++k) h[k] += counts[k];
  }
  return h;
}
}  // namespace

std::vector<std::uint64_t> binned_degree_histogram(const TieGraph& g, std::uint32_t open_from) {
  return count_in_parallel(g, static_cast<std::size_t>(open_from) + 1, [&](AgentIndex a, std::vector<std::uint64_t>& counts) {
    ++counts[std::min(g.degree(a), open_from)];
  });
}

std::vector<std::uint64_t> binned_weight_histogram(const TieGraph& g, const std::vector<double>& lower) {
  if (lower.empty()) throw Error("netstats::binned_weight_histogram: needs at least one bin edge");
  for (std::size_t k = 0; k < lower.size(); ++k) {
    if (!std::isfinite(lower[k]) || (k > 0 && !(lower[k] > lower[k - 1]))) {
      throw Error("netstats::binned_weight_histogram: bin edges must be finite and strictly increasing (edge " +
                  std::to_string(k) + " = " + std::to_string(lower[k]) + ")");
    }
  }
  return count_in_parallel(g, lower.size(), [&](AgentIndex a, std::vector<std::uint64_t>& counts) {
    for (const HalfTie& h : g.ties(a)) {
      if (a > h.other) continue;  // each tie once
      const auto k = std::upper_bound(lower.begin(), lower.end(), static_cast<double>(h.weight)) - lower.begin();
      ++counts[k > 0 ? static_cast<std::size_t>(k - 1) : 0];
    }
  });
}

double mean_degree(const TieGraph& g) {
  if (g.agents() == 0) return kNaN;
  return 2.0 * static_cast<double>(g.tie_count()) / g.agents();
}

namespace {
double strength_sum(const TieGraph& g) {  // sum over agents of their strength: 2 W
  return parallel_sum<double>(0, g.agents(), [&](AgentIndex a) {
    double s = 0.0;
    for (const HalfTie& h : g.ties(a)) s += h.weight;
    return s;
  });
}
}  // namespace

double mean_strength(const TieGraph& g) {
  if (g.agents() == 0) return kNaN;
  return strength_sum(g) / g.agents();
}

double mean_weight(const TieGraph& g) {
  if (g.tie_count() == 0) return kNaN;
  return strength_sum(g) / (2.0 * static_cast<double>(g.tie_count()));
}

std::vector<double> weights(const TieGraph& g) {
  std::vector<double> w;
  w.reserve(g.tie_count());
  for (AgentIndex a = 0; a < g.agents(); ++a) {
    for (const HalfTie& h : g.ties(a)) {
      if (a < h.other) w.push_back(h.weight);
    }
  }
  return w;
}

std::vector<std::uint32_t> common_neighbours(const TieGraph& g) {
  const auto off = half_offsets(g);
  std::vector<std::uint32_t> cn(off.back());
  Marks marks(g.agents());
  parallel_for(0, g.agents(), [&](AgentIndex a) {
    common_of(g, a, marks.local(), static_cast<std::uint64_t>(a) + 1,
              [&](std::size_t i, std::uint32_t c) { cn[off[a] + i] = c; });
  });
  return cn;
}

namespace {
/// Twice the triangles through each agent (the sum of its ties' common-neighbour counts).
std::vector<std::uint64_t> twice_triangles(const TieGraph& g, const std::vector<std::uint32_t>& cn,
                                           const std::vector<std::uint64_t>& off) {
  std::vector<std::uint64_t> t2(g.agents());
  parallel_for(0, g.agents(), [&](AgentIndex a) {
    std::uint64_t s = 0;
    for (std::uint64_t i = off[a]; i < off[a + 1]; ++i) s += cn[i];
    t2[a] = s;
  });
  return t2;
}

double average_of_local(const TieGraph& g, const std::vector<std::uint64_t>& t2, bool only_degree_two) {
  const double sum = parallel_sum<double>(0, g.agents(), [&](AgentIndex a) { return local_from(t2[a], g.degree(a)); });
  if (!only_degree_two) return g.agents() ? sum / g.agents() : kNaN;
  std::uint64_t eligible = 0;
  for (AgentIndex a = 0; a < g.agents(); ++a) eligible += g.degree(a) >= 2;
  return eligible ? sum / static_cast<double>(eligible) : kNaN;
}

double transitivity_of(const TieGraph& g, const std::vector<std::uint64_t>& t2) {
  std::uint64_t closed = 0, triples = 0;  // closed = 2 x (3 x triangles); triples counted twice too
  for (AgentIndex a = 0; a < g.agents(); ++a) {
    const std::uint64_t k = g.degree(a);
    closed += t2[a];
    triples += k * (k - (k > 0));
  }
  return triples ? static_cast<double>(closed) / static_cast<double>(triples) : kNaN;
}
}  // namespace

std::vector<std::uint64_t> triangles(const TieGraph& g) {
  const auto off = half_offsets(g);
  auto t = twice_triangles(g, common_neighbours(g), off);
  for (auto& x : t) x /= 2;
  return t;
}

std::vector<double> local_clustering(const TieGraph& g) {
  const auto off = half_offsets(g);
  const auto t2 = twice_triangles(g, common_neighbours(g), off);
  std::vector<double> c(g.agents());
  for (AgentIndex a = 0; a < g.agents(); ++a) c[a] = local_from(t2[a], g.degree(a));
  return c;
}

double average_clustering(const TieGraph& g, bool only_degree_two) {
  const auto off = half_offsets(g);
  return average_of_local(g, twice_triangles(g, common_neighbours(g), off), only_degree_two);
}

namespace {
/// Local clustering of agent a counting only the ties `filter` admits, with the coefficient's
/// usual value 2 links / (k (k - 1)) over a's k neighbours, and `below_two` when k < 2. The
/// neighbours (distinct: one tie per pair) are given in `nb`; membership is an open-addressing
/// hash table at most half full, so a look-up (most are misses: a neighbour's other ties)
/// usually ends at the first, empty slot. `table` is scratch.
double clustering_of(const TieGraph& g, std::span<const AgentIndex> nb, const TieFilter& filter, double below_two,
                     std::vector<AgentIndex>& table) {
  if (nb.size() < 2) return below_two;
  std::uint32_t bits = 4;
  while ((std::size_t{1} << bits) < 2 * nb.size()) ++bits;
  const std::uint32_t mask = (1u << bits) - 1;
  if (table.size() < std::size_t{mask} + 1) table.resize(std::size_t{mask} + 1);
  std::fill(table.begin(), table.begin() + mask + 1, kNoAgent);
  const auto slot = [&](AgentIndex x) { return (x * 0x9E3779B1u) >> (32 - bits); };
  for (AgentIndex j : nb) {
    std::uint32_t k = slot(j);
    while (table[k] != kNoAgent) k = (k + 1) & mask;
    table[k] = j;
  }
  std::uint64_t links = 0;
  for (AgentIndex j : nb) {
    for (const HalfTie& h : g.ties(j)) {
      if (!filter.admits(h.type) || h.other <= j) continue;
      for (std::uint32_t k = slot(h.other); table[k] != kNoAgent; k = (k + 1) & mask) {
        if (table[k] == h.other) {
          ++links;
          break;
        }
      }
    }
  }
  const double d = static_cast<double>(nb.size());
  return 2.0 * static_cast<double>(links) / (d * (d - 1.0));
}
}  // namespace

std::vector<double> local_clustering(const TieGraph& g, std::span<const AgentIndex> agents, const TieFilter& filter,
                                     double below_two) {
  std::vector<double> out(agents.size());
  // Every block (record, then ties) a sampled agent needs is scattered in memory. Agents are
  // taken in groups of 16 and each stage asks for all of the group's blocks before reading any:
  // the agents' own blocks, then their neighbours', so that the cache misses overlap.
  parallel_for_blocks(0, static_cast<AgentIndex>(agents.size()), [&](AgentIndex lo, AgentIndex hi) {
    constexpr AgentIndex kGroup = 16;
    std::vector<AgentIndex> nb, table;
    std::uint32_t start[kGroup + 1];
    for (AgentIndex k0 = lo; k0 < hi; k0 += kGroup) {
      const AgentIndex k1 = std::min(hi, k0 + kGroup);
      for (AgentIndex k = k0; k < k1; ++k) g.prefetch(agents[k]);
      for (AgentIndex k = k0; k < k1; ++k) g.prefetch_ties(agents[k]);
      nb.clear();
      for (AgentIndex k = k0; k < k1; ++k) {
        start[k - k0] = static_cast<std::uint32_t>(nb.size());
        for (const HalfTie& h : g.ties(agents[k])) {
          if (filter.admits(h.type)) nb.push_back(h.other);
        }
      }
      start[k1 - k0] = static_cast<std::uint32_t>(nb.size());
      for (AgentIndex j : nb) g.prefetch(j);
      for (AgentIndex j : nb) g.prefetch_ties(j);
      for (AgentIndex k = k0; k < k1; ++k) {
        const std::span<const AgentIndex> mine(nb.data() + start[k - k0], start[k - k0 + 1] - start[k - k0]);
        out[k] = clustering_of(g, mine, filter, below_two, table);
      }
    }
  });
  return out;
}

double average_clustering_sampled(const TieGraph& g, std::uint32_t samples, std::uint64_t seed) {
  if (g.agents() == 0 || samples == 0) return kNaN;
  std::vector<AgentIndex> agents(samples);
  parallel_for(0, samples, [&](AgentIndex s) { agents[s] = Stream(seed, 0, s, kClusteringSample).below(g.agents()); });
  const auto c = local_clustering(g, agents);
  return parallel_sum<double>(0, samples, [&](AgentIndex s) { return c[s]; }) / samples;
}

double transitivity(const TieGraph& g) {
  const auto off = half_offsets(g);
  return transitivity_of(g, twice_triangles(g, common_neighbours(g), off));
}

double degree_assortativity(const TieGraph& g) {
  const double halves = 2.0 * static_cast<double>(g.tie_count());
  if (halves == 0.0) return kNaN;
  const MomentAcc s = parallel_sum<MomentAcc>(0, g.agents(), [&](AgentIndex a) {
    const double k = g.degree(a);
    double neighbours = 0.0;
    for (const HalfTie& h : g.ties(a)) neighbours += g.degree(h.other);
    return MomentAcc{k * k, k * k * k, k * neighbours};
  });
  const double mean = s.x / halves;
  const double var = s.xx / halves - mean * mean;
  if (!(var > 1e-12 * std::max(1.0, mean * mean))) return kNaN;
  return (s.xy / halves - mean * mean) / var;
}

std::vector<double> overlap(const TieGraph& g) {
  return overlap_from(g, common_neighbours(g), half_offsets(g));
}

namespace {
OverlapByWeight overlap_by_weight_from(const std::vector<double>& w, const std::vector<double>& o, std::uint32_t bins) {
  OverlapByWeight r;
  // One ordering by weight serves both the rank correlation and the slices.
  const auto idx = ascending_order(w);
  r.spearman = pearson(ranks(w, idx), ranks(o));
  r.pearson = pearson(w, o);
  const std::size_t m = w.size();
  if (bins == 0 || m == 0) return r;
  r.mean_weight.assign(bins, 0.0);
  r.mean_overlap.assign(bins, 0.0);
  r.count.assign(bins, 0);
  for (std::size_t i = 0; i < m; ++i) {
    const std::size_t b = i * bins / m;
    r.mean_weight[b] += w[idx[i]];
    r.mean_overlap[b] += o[idx[i]];
    ++r.count[b];
  }
  for (std::uint32_t b = 0; b < bins; ++b) {
    if (r.count[b]) {
      r.mean_weight[b] /= static_cast<double>(r.count[b]);
      r.mean_overlap[b] /= static_cast<double>(r.count[b]);
    } else {
      r.mean_weight[b] = r.mean_overlap[b] = kNaN;
    }
  }
  return r;
}
}  // namespace

OverlapByWeight overlap_by_weight(const TieGraph& g, std::uint32_t bins) {
  return overlap_by_weight_from(weights(g), overlap(g), bins);
}

Components connected_components(const TieGraph& g, const TieFilter& filter, AgentRange range) {
  Components c;
  const AgentIndex begin = std::min(range.begin, g.agents());
  const AgentIndex end = std::max(begin, std::min(range.end, g.agents()));
  const AgentIndex n = end - begin;
  if (n == 0) return c;
  // parent[i] for agent begin + i. Links are made by compare-and-swap on roots, always from the
  // larger index to the smaller (so no cycle can form and a root is its tree's smallest index),
  // and finds halve paths towards ancestors.
  std::vector<std::atomic<AgentIndex>> parent(n);
  parallel_for(0, n, [&](AgentIndex i) { parent[i].store(i, std::memory_order_relaxed); });
  const auto find = [&](AgentIndex x) {
    AgentIndex p = parent[x].load(std::memory_order_acquire);
    while (p != x) {
      const AgentIndex grand = parent[p].load(std::memory_order_acquire);
      if (grand != p) parent[x].compare_exchange_weak(p, grand, std::memory_order_acq_rel, std::memory_order_acquire);
      x = p;
      p = parent[x].load(std::memory_order_acquire);
    }
    return x;
  };
  parallel_for(0, n, [&](AgentIndex i) {
    for (const HalfTie& h : g.ties(begin + i)) {
      // Each tie once, from its smaller end, and only inside the range.
      if (!filter.admits(h.type) || h.other < begin + i || h.other >= end) continue;
      AgentIndex x = i, y = h.other - begin;
      while (true) {
        x = find(x);
        y = find(y);
        if (x == y) break;
        if (x < y) std::swap(x, y);  // link the larger root under the smaller
        AgentIndex expected = x;
        if (parent[x].compare_exchange_strong(expected, y, std::memory_order_acq_rel, std::memory_order_acquire)) break;
      }
    }
  });
  c.label.resize(n);
  parallel_for(0, n, [&](AgentIndex i) { c.label[i] = find(i); });
  std::vector<std::uint32_t> size(n, 0);
  for (AgentIndex i = 0; i < n; ++i) ++size[c.label[i]];
  for (AgentIndex i = 0; i < n; ++i) {
    if (size[i]) c.sizes.push_back(size[i]);
    c.label[i] += begin;
  }
  std::sort(c.sizes.begin(), c.sizes.end(), std::greater<>());
  c.largest_share = static_cast<double>(c.sizes.front()) / n;
  return c;
}

PathLengths shortest_paths_sampled(const TieGraph& g, std::uint32_t sources, std::uint64_t seed) {
  PathLengths r;
  r.mean = kNaN;
  if (g.agents() == 0 || sources == 0) return r;
  struct Scratch {
    std::vector<std::uint32_t> dist;
    std::vector<AgentIndex> queue;
  };
  const AgentIndex n = g.agents();
  tbb::enumerable_thread_specific<Scratch> scratch([n] {
    return Scratch{std::vector<std::uint32_t>(n, 0xFFFFFFFFu), std::vector<AgentIndex>()};
  });
  // With as many sources as agents, every agent is a source once: the exact mean, at bounded cost.
  const bool exact = sources >= n;
  const PathAcc acc = parallel_sum<PathAcc>(0, exact ? n : sources, [&](AgentIndex s) {
    Stream rng(seed, 0, s, kPathSample);
    const AgentIndex src = exact ? s : rng.below(n);
    Scratch& sc = scratch.local();
    PathAcc out;
    sc.queue.clear();
    sc.queue.push_back(src);
    sc.dist[src] = 0;
    for (std::size_t head = 0; head < sc.queue.size(); ++head) {
      const AgentIndex x = sc.queue[head];
      const std::uint32_t d = sc.dist[x] + 1;
      for (const HalfTie& h : g.ties(x)) {
        if (sc.dist[h.other] == 0xFFFFFFFFu) {
          sc.dist[h.other] = d;
          sc.queue.push_back(h.other);
          out.sum += d;
          ++out.pairs;
          out.max = std::max(out.max, d);
        }
      }
    }
    for (AgentIndex x : sc.queue) sc.dist[x] = 0xFFFFFFFFu;
    return out;
  });
  r.pairs = acc.pairs;
  r.max_seen = acc.max;
  if (acc.pairs) r.mean = static_cast<double>(acc.sum) / static_cast<double>(acc.pairs);
  return r;
}

Summary summarize(const TieGraph& g, const SummaryOptions& options) {
  Summary s;  // every statistic starts undefined (NaN); counts start at 0
  const AgentIndex n = g.agents();
  if (n == 0) return s;
  const auto off = half_offsets(g);
  const auto cn = common_neighbours(g);
  const auto t2 = twice_triangles(g, cn, off);
  s.mean_degree = mean_degree(g);
  const double strength = strength_sum(g);
  s.mean_strength = strength / n;
  s.mean_weight = g.tie_count() ? strength / (2.0 * static_cast<double>(g.tie_count())) : kNaN;
  std::uint64_t isolated = 0;
  for (AgentIndex a = 0; a < n; ++a) {
    s.max_degree = std::max(s.max_degree, g.degree(a));
    isolated += g.degree(a) == 0;
  }
  s.isolated_share = static_cast<double>(isolated) / n;
  s.average_clustering = average_of_local(g, t2, false);
  s.transitivity = transitivity_of(g, t2);
  s.assortativity = degree_assortativity(g);
  const auto comps = connected_components(g);
  s.largest_component_share = comps.largest_share;
  s.components = comps.count();
  s.mean_overlap = kNaN;
  s.overlap_weight_spearman = kNaN;
  if (options.overlap && g.tie_count() > 0) {
    const auto o = overlap_from(g, cn, off);
    s.mean_overlap = std::accumulate(o.begin(), o.end(), 0.0) / static_cast<double>(o.size());
    if (options.overlap_bins > 0) {
      // The same overlaps and the same rank correlation, plus the binned curve.
      s.overlap_curve = overlap_by_weight_from(weights(g), o, options.overlap_bins);
      s.overlap_weight_spearman = s.overlap_curve.spearman;
    } else {
      s.overlap_weight_spearman = pearson(ranks(weights(g)), ranks(o));
    }
  }
  s.mean_path_length = options.path_sources ? shortest_paths_sampled(g, options.path_sources, options.seed).mean : kNaN;
  return s;
}

}  // namespace socius::netstats
