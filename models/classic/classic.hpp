// Classic network-formation models, as published, used to validate the engine. Each records the
// same network indicators (network.cpp), computed with socius/netstats.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "socius/netstats.hpp"
#include "socius/simulation.hpp"

namespace socius::models::classic {

/// Jin, Girvan & Newman (2001), "The structure of growing social networks", Phys. Rev. E 64,
/// 046132: Model II (meetings, introductions, decay, and a cap z* on friendships).
ModelDescription jgn();

/// Davidsen, Ebel & Bornholdt (2002), "Emergence of a small world from local interactions:
/// modeling acquaintance networks", Phys. Rev. Lett. 88, 128701.
ModelDescription davidsen();

/// Kumpula, Onnela, Saramäki, Kaski & Kertész (2007), "Emergence of communities in weighted
/// networks", Phys. Rev. Lett. 99, 228701.
ModelDescription kumpula();

// Shared by the three models (internal to models/classic).

/// The network indicators every classic model records, in one group "all".
IndicatorSpec network_indicators();

/// Writes network_indicators() of `g` into out; shortest paths are estimated from
/// `path_sources` breadth-first searches whose sources are drawn from ctx's seed and step.
/// Returns the summary, with the overlap-against-weight curve in `overlap_bins` bins if > 0.
netstats::Summary measure_network(const TieGraph& g, const StepContext& ctx, std::uint32_t path_sources, double* out,
                                  std::uint32_t overlap_bins = 0);

/// Adds "<model>.path_sources" and "<model>.degree_bins" (default `degree_bins`) to a schema.
void add_measurement_parameters(ParameterSchema& schema, const std::string& model, std::int64_t degree_bins);

/// The degree distribution recorded over time, "degree_distribution" over dimension "degree":
/// degrees 0 .. open_from - 1 get a bin each and one more bin counts degrees >= open_from.
DistributionSpec degree_distribution(std::uint32_t open_from);

/// Writes degree_distribution(open_from)'s counts of `g` into out[0 .. open_from].
void measure_degree_distribution(const TieGraph& g, std::uint32_t open_from, double* out);

/// Throws ScenarioError unless the population has at least `minimum` agents.
void require_population(const ParameterSet& p, std::int64_t minimum, const std::string& model);

/// What the three models share: `simulation.population` agents without ties at setup; the whole
/// state in the tie graph (a checkpoint adds nothing to it, so save and load are empty); the
/// network indicators, with shortest paths from `<model>.path_sources` sources; and the degree
/// distribution in `<model>.degree_bins` bins. A model adds its systems and parameters.
class NetworkModel : public Model {
 public:
  NetworkModel(const ParameterSet& p, const std::string& model);

  void setup(World& world, const StepContext& ctx) override;
  void save(StateWriter&) const override {}
  void load(const StateReader&) override {}
  IndicatorSpec indicators() const override { return network_indicators(); }
  void measure(const World& world, const StepContext& ctx, double* out) const override;
  std::vector<DistributionSpec> distributions() const override { return {degree_distribution(degree_bins_)}; }
  void measure_distributions(const World& world, const StepContext& ctx, const std::vector<double*>& out) const override;

 protected:
  AgentIndex n_;
  std::uint32_t path_sources_;
  std::uint32_t degree_bins_;
};

}  // namespace socius::models::classic
