#include "socius/assignment.hpp"

#include <string>

#include "socius/errors.hpp"
#include "socius/parallel.hpp"
#include "socius/parameters.hpp"

namespace socius {

void assign_arms(std::span<const std::uint8_t> eligible, double p_offered, std::uint64_t seed,
                 std::span<std::uint8_t> arm) {
  if (eligible.size() != arm.size()) {
    throw Error("assign_arms: eligible has " + std::to_string(eligible.size()) + " agents but arm has " +
                std::to_string(arm.size()) + "; they must be the same length");
  }
  if (!(p_offered >= 0.0 && p_offered <= 1.0)) {
    throw Error("assign_arms: p_offered must be a probability in [0, 1], got " + format_number(p_offered));
  }
  if (eligible.size() >= kNoAgent) throw Error("assign_arms: more than 4 billion agents");
  parallel_for(0, static_cast<AgentIndex>(eligible.size()), [&](AgentIndex a) {
    if (!eligible[a]) {
      arm[a] = static_cast<std::uint8_t>(AssignedArm::NotEligible);
      return;
    }
    Stream rng(seed, 0, a, kPurposeAssignment);
    arm[a] = static_cast<std::uint8_t>(rng.bernoulli(p_offered) ? AssignedArm::Offered : AssignedArm::Control);
  });
}

}  // namespace socius
