// The community model: residents in neighbourhoods and foci, typed weighted ties formed and lost
// week by week, loneliness, trust and civic efficacy, public services with relationship
// quality, professionals with burnout, and timed policies with costs. Specification:
// MODEL.md; equations, parameters and sources: docs/model.md.
#pragma once

#include <cstdint>

#include "socius/parameters.hpp"
#include "socius/simulation.hpp"

namespace socius::models::community {

/// The community model's description (parameters, systems, factory), for the registry.
ModelDescription description();

/// What the scenario's enabled policies will have spent (GBP) by the end of its horizon
/// (simulation.steps): the value cost_to_date reaches at the horizon. `set` is a validated
/// parameter set of the community model (e.g. Simulation::parameters()).
double planned_spend(const ParameterSet& set);

}  // namespace socius::models::community
