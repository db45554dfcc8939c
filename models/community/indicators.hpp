// The community model's indicators and groups.
#pragma once

#include <string>
#include <vector>

#include "socius/simulation.hpp"

namespace socius::models::community {

struct State;

/// Every indicator, in output order, with its label, category, unit, direction and description
/// (the model's one list of them; measure_indicators writes them in this order).
const std::vector<Indicator>& indicator_list();
/// Every group, in output order: "all", "quintile_1".."quintile_5" (1 = most deprived), age
/// bands, "age_65_plus" and "parents" (of a child under 5).
const std::vector<std::string>& group_list();
/// Writes out[group * indicators + indicator].
void measure_indicators(const State& s, const World& world, const StepContext& ctx, double* out);

}  // namespace socius::models::community
