// The community model: residents in neighbourhoods and foci, typed weighted ties formed and lost
// week by week, loneliness, trust and civic efficacy, public services with relationship
// quality, professionals with burnout, and timed policies with costs. Specification:
// MODEL.md; equations, parameters and sources: docs/model.md.
#pragma once

#include <cstdint>
#include <memory>

#include "socius/parameters.hpp"
#include "socius/simulation.hpp"

namespace socius::models::community {

/// The community model's description (parameters, systems, factory), for the registry.
ModelDescription description();

struct Borough;  // borough.hpp
/// The same description whose factory builds the population from `borough` (docs/borough.md):
/// the scenario's structure.borough_digest must equal borough->digest (ScenarioError otherwise,
/// and when the digest is set but no borough is given).
ModelDescription description(std::shared_ptr<const Borough> borough);

/// What the scenario's enabled policies plan to spend (GBP, undiscounted) by the end of its
/// horizon (simulation.steps), at their unit costs with every planned quantity delivered (places
/// full, posts filled; docs/model.md, "Costs and appraisal"), after budget.size. Cost follows
/// delivery, so cost_to_date at the horizon is at most this when turnover is at most
/// budget.planned_turnover. `set` is a validated parameter set of the community model.
double planned_spend(const ParameterSet& set);
/// The same in present value at appraisal.discount_rate (what budget.total_pv is checked against).
double planned_spend_pv(const ParameterSet& set);

}  // namespace socius::models::community
