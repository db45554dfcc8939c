// Network statistics for any model's tie graph: degrees and strengths, clustering (local average
// and global transitivity, which differ a lot on social networks), assortativity, weights, tie
// overlap against weight (Onnela et al. 2007's test of Granovetter's weak-ties hypothesis),
// connected components and sampled shortest paths. Every function is deterministic: results
// depend only on the graph (and, for sampled estimates, on the seed), never on the number of
// threads; floating-point sums use parallel_sum's fixed reduction tree or integer counts.
//
// Conventions follow NetworkX where it has the statistic, so the two can be compared directly:
// local clustering of a node with fewer than two ties is 0, and the average runs over every node.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <span>
#include <vector>

#include "socius/ties.hpp"

namespace socius::netstats {

/// Which ties a measure counts, by type: a set of TieType values, every type by default. E.g. a
/// model's social ties without its service ties: `TieFilter::only({kKin, kFriend, kAcquaintance})`.
class TieFilter {
 public:
  /// Every type.
  TieFilter() { bits_.fill(~std::uint64_t{0}); }
  /// Only the types listed.
  static TieFilter only(std::initializer_list<TieType> types) {
    TieFilter f;
    f.bits_.fill(0);
    for (TieType t : types) f.bits_[t >> 6] |= std::uint64_t{1} << (t & 63);
    return f;
  }
  bool admits(TieType t) const { return (bits_[t >> 6] >> (t & 63)) & 1u; }

 private:
  static_assert(sizeof(TieType) == 1, "one bit per value of TieType");
  std::array<std::uint64_t, 4> bits_;
};

/// Agents [begin, end), for a measure over part of the population (e.g. a model's residents,
/// kept in its first slots, without its professionals); end = kNoAgent means every agent. Such a
/// measure counts only the ties with both ends in the range.
struct AgentRange {
  AgentIndex begin = 0;
  AgentIndex end = kNoAgent;
};

/// Number of agents with each degree: result[k] = agents with exactly k ties (size max degree + 1).
std::vector<std::uint64_t> degree_histogram(const TieGraph& g);

/// Agents per degree in fixed bins, for recording over time: result[k] = agents with exactly k
/// ties for k < open_from, result[open_from] = agents with open_from ties or more (size
/// open_from + 1). In parallel; integer counts, so the same for any number of threads.
std::vector<std::uint64_t> binned_degree_histogram(const TieGraph& g, std::uint32_t open_from);

/// Ties per weight bin with lower edges `lower` (finite, strictly increasing, at least one):
/// bin k holds lower[k] <= w < lower[k + 1]; weights below lower[0] go in bin 0 and the last bin
/// is open-ended. In parallel; the same for any number of threads. Throws Error on bad edges.
std::vector<std::uint64_t> binned_weight_histogram(const TieGraph& g, const std::vector<double>& lower);

/// Mean number of ties per agent, 2E / N (NaN for an empty population).
double mean_degree(const TieGraph& g);

/// Mean strength (sum of tie weights) per agent, 2 W / N.
double mean_strength(const TieGraph& g);

/// Mean weight per tie (NaN without ties).
double mean_weight(const TieGraph& g);

/// Every tie's weight once, in TieGraph::edges() order.
std::vector<double> weights(const TieGraph& g);

/// For each half-tie, in block order (agent 0's ties first, then agent 1's, ...), the number of
/// common neighbours of its two ends. The building block of clustering and overlap; costs
/// sum over agents of degree squared, in parallel.
std::vector<std::uint32_t> common_neighbours(const TieGraph& g);

/// Triangles through each agent.
std::vector<std::uint64_t> triangles(const TieGraph& g);

/// Local clustering of each agent: 2 t_i / (k_i (k_i - 1)), 0 when k_i < 2.
std::vector<double> local_clustering(const TieGraph& g);

/// Local clustering of the listed agents only (e.g. a sample), counting only the ties `filter`
/// admits: out[i] = 2 t / (k (k - 1)) for agents[i], whose k neighbours and t triangles are
/// those of admitted ties; `below_two` when k < 2 (0 as in networkx; NaN to leave such agents
/// out of a mean). Cost proportional to the listed agents' neighbourhoods, in parallel (agents
/// in groups whose memory accesses overlap); the same for any number of threads.
std::vector<double> local_clustering(const TieGraph& g, std::span<const AgentIndex> agents,
                                     const TieFilter& filter = {}, double below_two = 0.0);

/// Average local clustering over every agent (those with fewer than two ties count as 0), as
/// networkx.average_clustering. With `only_degree_two = true`, averages over agents with at
/// least two ties instead (the convention of some papers).
double average_clustering(const TieGraph& g, bool only_degree_two = false);

/// A deterministic estimate of average_clustering(g) from `samples` agents drawn uniformly with
/// replacement by a counter-based stream keyed on `seed`: cost proportional to the samples'
/// neighbourhoods instead of the whole graph. Standard error about 0.5 / sqrt(samples).
double average_clustering_sampled(const TieGraph& g, std::uint32_t samples, std::uint64_t seed);

/// Global clustering (transitivity): 3 x triangles / connected triples, as networkx.transitivity.
double transitivity(const TieGraph& g);

/// Degree assortativity: Pearson correlation of the degrees at the two ends of a tie, over both
/// orientations of every tie (Newman 2002), as networkx.degree_assortativity_coefficient. NaN
/// when undefined (no ties, or every tie joins agents of one degree).
double degree_assortativity(const TieGraph& g);

/// Topological overlap of each tie, in TieGraph::edges() order (Onnela et al. 2007):
/// O_ij = n_ij / ((k_i - 1) + (k_j - 1) - n_ij), with n_ij common neighbours; 0 when both
/// ends have no other tie.
std::vector<double> overlap(const TieGraph& g);

/// Overlap against weight: ties sorted by weight (equal weights in edges() order) are cut into
/// `bins` groups of equal count; for each, the mean weight and mean overlap. A rising curve is
/// Granovetter's weak-ties structure (strong ties inside dense groups, weak ties between them).
struct OverlapByWeight {
  std::vector<double> mean_weight;
  std::vector<double> mean_overlap;
  std::vector<std::uint64_t> count;
  double spearman = std::numeric_limits<double>::quiet_NaN();  ///< rank correlation of overlap and weight (average ranks for ties); NaN if undefined
  double pearson = std::numeric_limits<double>::quiet_NaN();   ///< linear correlation of overlap and weight; NaN if undefined
};
OverlapByWeight overlap_by_weight(const TieGraph& g, std::uint32_t bins = 10);

/// Connected components of the agents in `range`, joined by the ties `filter` admits with both
/// ends in the range: label[i] is the smallest agent index in the component of agent
/// range.begin + i; sizes are in descending order (agents without such ties are components of
/// size 1). Union-find in parallel (links by compare-and-swap from the larger root to the
/// smaller, so every root is its component's smallest index): the components, and so every
/// result here, depend on the graph alone, not on the number of threads or the order of unions.
struct Components {
  std::vector<AgentIndex> label;
  std::vector<std::uint64_t> sizes;
  double largest_share = std::numeric_limits<double>::quiet_NaN();  ///< largest size / agents in the range; NaN for an empty range
  std::uint64_t count() const { return sizes.size(); }
};
Components connected_components(const TieGraph& g, const TieFilter& filter = {}, AgentRange range = {});

/// Shortest paths estimated by breadth-first search from `sources` agents drawn uniformly (with
/// replacement) by a stream keyed on `seed`, in parallel; with `sources` >= N, from every agent
/// once (exact, and the cost is bounded by N searches). Distances to unreachable agents and to
/// the source itself are left out.
struct PathLengths {
  double mean = std::numeric_limits<double>::quiet_NaN();  ///< mean distance over reached (source, target) pairs; NaN if none
  std::uint32_t max_seen = 0;     ///< longest distance seen: a lower bound on the diameter
  std::uint64_t pairs = 0;        ///< (source, target) pairs reached
};
PathLengths shortest_paths_sampled(const TieGraph& g, std::uint32_t sources, std::uint64_t seed);

/// Everything a model usually records, in one call (one pass over common neighbours).
/// One rule for every statistic here: a quantity that is undefined for the graph (a mean over no
/// agents, no ties or no pairs; a ratio 0/0; a correlation of a constant) is NaN, never 0.
/// Counts (max_degree, components) are 0 for an empty graph. Two per-element conventions are
/// kept, as in networkx and Onnela et al. (2007): local clustering is 0 for an agent with fewer
/// than two ties, and a tie's overlap is 0 when neither end has another tie.
struct Summary {
  static constexpr double kUndefined = std::numeric_limits<double>::quiet_NaN();
  double mean_degree = kUndefined;      ///< 2E / N; NaN when N = 0
  double mean_strength = kUndefined;    ///< 2W / N; NaN when N = 0
  double mean_weight = kUndefined;      ///< W / E; NaN without ties
  std::uint32_t max_degree = 0;
  double isolated_share = kUndefined;   ///< agents without ties / agents; NaN when N = 0
  double average_clustering = kUndefined;  ///< over every agent, as networkx.average_clustering; NaN when N = 0
  double transitivity = kUndefined;     ///< 3 x triangles / connected triples; NaN without a connected triple
  double assortativity = kUndefined;    ///< NaN without ties or when every tie joins agents of one degree
  double largest_component_share = kUndefined;  ///< NaN when N = 0
  std::uint64_t components = 0;         ///< including isolated agents
  double mean_overlap = kUndefined;     ///< mean topological overlap per tie; NaN without ties
  double overlap_weight_spearman = kUndefined;  ///< NaN when undefined (fewer than 2 ties, or a constant)
  double mean_path_length = kUndefined;  ///< NaN when not computed or no pair reached
  OverlapByWeight overlap_curve;      ///< overlap against weight; empty unless options.overlap_bins > 0
};
struct SummaryOptions {
  std::uint32_t path_sources = 0;   ///< BFS sources for mean_path_length; 0 skips it (NaN)
  bool overlap = true;              ///< compute mean_overlap and overlap_weight_spearman
  std::uint32_t overlap_bins = 0;   ///< with overlap: also overlap_curve, as overlap_by_weight(g, overlap_bins)
  std::uint64_t seed = 0;           ///< keys the sampled estimates
};
Summary summarize(const TieGraph& g, const SummaryOptions& options = {});

}  // namespace socius::netstats
