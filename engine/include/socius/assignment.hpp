// Random assignment by agent, for virtual trials (docs/trials.md): which eligible agents are
// offered an intervention and which form the control arm. Any model can use it; the arm is
// written to a column the model owns (e.g. the community model's trial_arm).
#pragma once

#include <cstdint>
#include <span>

#include "socius/random.hpp"

namespace socius {

/// Arms written by assign_arms (a scoped enum, so its names never clash with a model's own).
enum class AssignedArm : std::uint8_t { NotEligible = 0, Offered = 1, Control = 2 };

/// Engine-reserved purpose of the assignment draw (values >= 0xFFFF0000 are the engine's).
inline constexpr Purpose kPurposeAssignment = 0xFFFF0200u;

/// Simple (Bernoulli) randomisation by agent: agent a with eligible[a] != 0 is offered
/// (arm[a] = 1) with probability p_offered and is a control (arm[a] = 2) otherwise; an agent
/// with eligible[a] == 0 gets arm[a] = 0. Agent a's draw is the first uniform of
/// Stream(seed, 0, a, kPurposeAssignment): a pure function of (seed, a), so the arms do not
/// depend on the number of threads, on the order in which agents are visited, or on which
/// other agents are eligible. p_offered = 0 offers no one and p_offered = 1 everyone, exactly.
/// Arm sizes are binomial (not blocked to an exact split).
///
/// Runs in parallel in the current TBB task arena.
/// Throws socius::Error if the spans differ in length or p_offered is not in [0, 1].
void assign_arms(std::span<const std::uint8_t> eligible, double p_offered, std::uint64_t seed,
                 std::span<std::uint8_t> arm);

}  // namespace socius
