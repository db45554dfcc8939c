// The network indicators shared by the classic models.
#include "classic.hpp"
#include "socius/errors.hpp"
#include "socius/netstats.hpp"
#include "socius/random.hpp"

namespace socius::models::classic {

IndicatorSpec network_indicators() {
  // Order is the order of measure_network's values. A network model favours no direction.
  constexpr Better kNeither = Better::Neither;
  IndicatorSpec spec;
  spec.groups = {"all"};
  spec.indicators = {
      {"mean_degree", "Ties per person (mean)", "network", "ties", kNeither, "mean number of ties per person (ties)"},
      {"mean_strength", "Tie strength per person (mean)", "network", "weight units", kNeither,
       "mean sum of tie weights per person (weight units)"},
      {"mean_weight", "Weight per tie (mean)", "network", "weight units", kNeither, "mean weight per tie (weight units)"},
      {"max_degree", "Most ties held by one person", "network", "ties", kNeither, "largest number of ties of one person (ties)"},
      {"isolated_share", "People with no tie at all", "network", "share", kNeither, "share of people with no tie (fraction)"},
      {"average_clustering", "Clustering coefficient (mean of local)", "network", "score", kNeither,
       "average local clustering over every person, 0 for fewer than two ties (fraction)"},
      {"transitivity", "Transitivity (global clustering)", "network", "score", kNeither,
       "global clustering: 3 x triangles / connected triples (fraction)"},
      {"assortativity", "Degree assortativity", "network", "correlation", kNeither,
       "degree assortativity: Pearson correlation of degrees across ties (NaN if undefined)"},
      {"largest_component_share", "People in the largest connected group", "network", "share", kNeither,
       "share of people in the largest connected component (fraction)"},
      {"components", "Connected groups", "network", "components", kNeither,
       "number of connected components, isolated people included (count)"},
      {"mean_overlap", "Tie overlap (mean)", "network", "score", kNeither,
       "mean topological overlap of ties, Onnela et al. 2007 (fraction)"},
      {"overlap_weight_spearman", "Overlap-weight rank correlation", "network", "correlation", kNeither,
       "Spearman correlation of tie overlap and weight (NaN if weights are all equal)"},
      {"mean_path_length", "Shortest path length (mean)", "network", "ties", kNeither,
       "mean shortest-path length, estimated by BFS from sampled sources (ties; NaN if not sampled)"},
      {"ties", "Number of ties", "network", "ties", kNeither, "number of ties (count)"},
  };
  return spec;
}

netstats::Summary measure_network(const TieGraph& g, const StepContext& ctx, std::uint32_t path_sources, double* out,
                                  std::uint32_t overlap_bins) {
  netstats::SummaryOptions opt;
  opt.path_sources = path_sources;
  opt.overlap_bins = overlap_bins;
  opt.seed = derive_seed(ctx.seed, ctx.step);
  const auto s = netstats::summarize(g, opt);
  const double values[] = {s.mean_degree, s.mean_strength, s.mean_weight, static_cast<double>(s.max_degree),
                           s.isolated_share, s.average_clustering, s.transitivity, s.assortativity,
                           s.largest_component_share, static_cast<double>(s.components), s.mean_overlap,
                           s.overlap_weight_spearman, s.mean_path_length, static_cast<double>(g.tie_count())};
  for (std::size_t i = 0; i < std::size(values); ++i) out[i] = values[i];
  return s;
}

void add_measurement_parameters(ParameterSchema& schema, const std::string& model, std::int64_t degree_bins) {
  schema.integer(model + ".path_sources", 32, 0, 1'000'000, "sources",
                 "Breadth-first searches per record for the mean shortest-path estimate (0: not estimated).",
                 "socius convention: 32 sources give about 1% precision on these networks");
  schema.integer(model + ".degree_bins", degree_bins, 1, 100'000, "ties",
                 "K of the recorded degree_distribution: degrees 0 .. K-1 get a bin each and one more bin counts "
                 "people with K or more ties (K + 1 bins, recorded with the indicators).",
                 "socius convention: above the largest degree measured at the preset (docs/classic.md)");
}

DistributionSpec degree_distribution(std::uint32_t open_from) {
  DistributionSpec d;
  d.name = "degree_distribution";
  d.dimension = "degree";
  d.bin_lower.resize(static_cast<std::size_t>(open_from) + 1);
  for (std::uint32_t k = 0; k <= open_from; ++k) d.bin_lower[k] = k;
  d.description = "people by number of ties: bin k counts people with exactly degree[k] ties; the last bin "
                  "counts people with degree[-1] ties or more (sums to the population)";
  d.units = "people";
  d.bin_units = "ties";
  return d;
}

void measure_degree_distribution(const TieGraph& g, std::uint32_t open_from, double* out) {
  const auto h = netstats::binned_degree_histogram(g, open_from);
  for (std::size_t k = 0; k < h.size(); ++k) out[k] = static_cast<double>(h[k]);
}

void require_population(const ParameterSet& p, std::int64_t minimum, const std::string& model) {
  const auto n = p.integer("simulation.population");
  if (n < minimum) {
    throw ScenarioError("key 'simulation.population' = " + std::to_string(n) + ": model '" + model +
                        "' needs at least " + std::to_string(minimum) + " people");
  }
}

NetworkModel::NetworkModel(const ParameterSet& p, const std::string& model)
    : n_(static_cast<AgentIndex>(p.integer("simulation.population"))),
      path_sources_(static_cast<std::uint32_t>(p.integer(model + ".path_sources"))),
      degree_bins_(static_cast<std::uint32_t>(p.integer(model + ".degree_bins"))) {}

void NetworkModel::setup(World& world, const StepContext&) {
  world.population.add(n_);
  world.ties.resize(n_);
}

void NetworkModel::measure(const World& world, const StepContext& ctx, double* out) const {
  measure_network(world.ties, ctx, path_sources_, out);
}

void NetworkModel::measure_distributions(const World& world, const StepContext&, const std::vector<double*>& out) const {
  measure_degree_distribution(world.ties, degree_bins_, out[0]);
}

}  // namespace socius::models::classic
