// Setup's parts that tests reach directly (setup_world itself is declared in state.hpp).
#pragma once

#include <cstdint>

#include "state.hpp"

namespace socius::models::community {

/// setup_world with the initial ties applied in `tie_parts` parts (0: initial_tie_parts of the
/// residents); any number of parts gives the same tie graph, tie by tie.
void setup_world(State& s, World& w, const StepContext& ctx, std::uint32_t tie_parts);
/// Parts in which setup applies the initial ties: one per 65,536 residents, at most 8.
std::uint32_t initial_tie_parts(AgentIndex residents);

}  // namespace socius::models::community
