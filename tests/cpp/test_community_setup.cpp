// The community model's setup: the initial ties applied in parts (so that their batch is never
// held whole; issue 18) give exactly the tie graph of one batch.
#include <catch2/catch.hpp>

#include <memory>

#include "community/params.hpp"
#include "community/setup.hpp"
#include "community/state.hpp"
#include "community_helpers.hpp"

using namespace socius;
using namespace community_test;
namespace mc = socius::models::community;

namespace {

struct Built {
  std::unique_ptr<mc::State> state;
  std::unique_ptr<World> world;
};

Built build(const ParameterSet& set, std::uint32_t tie_parts) {
  Built b{std::make_unique<mc::State>(mc::read_params(set)), std::make_unique<World>()};
  const StepContext ctx{5, 0, 0};
  mc::setup_world(*b.state, *b.world, ctx, tie_parts);
  return b;
}

}  // namespace

TEST_CASE("community: initial ties applied in parts give the one batch's blocks, tie by tie", "[community][determinism]") {
  const auto set = ParameterSet::resolve(model().full_schema(), small({}, 3000));
  const Built one = build(set, 1);
  const TieGraph& g1 = one.world->ties;
  REQUIRE(g1.check().empty());
  REQUIRE(g1.tie_count() > 3 * 3000);  // households, kin, friends, acquaintances, colleagues
  for (std::uint32_t parts : {2u, 3u, 8u}) {
    const Built split = build(set, parts);
    const TieGraph& g = split.world->ties;
    REQUIRE(g.check().empty());
    REQUIRE(g.tie_count() == g1.tie_count());
    for (AgentIndex a = 0; a < g1.agents(); ++a) {
      const auto x = g1.ties(a), y = g.ties(a);
      REQUIRE(x.size() == y.size());
      for (std::size_t i = 0; i < x.size(); ++i) {
        REQUIRE(y[i].other == x[i].other);
        REQUIRE(y[i].weight == x[i].weight);
        REQUIRE(y[i].type == x[i].type);
      }
    }
  }
  // The automatic choice: one part for a small population, several at a million, never above 8.
  CHECK(mc::initial_tie_parts(3000) == 1);
  CHECK(mc::initial_tie_parts(1'000'000) > 1);
  CHECK(mc::initial_tie_parts(10'000'000) == 8);
}
