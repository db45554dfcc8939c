// A borough from a table (docs/borough.md): the setup builds the neighbourhoods, ages and
// households the table gives, at any scale, and refuses a table whose digest the scenario does
// not record.
#include <catch2/catch.hpp>

#include <memory>

#include "community/borough.hpp"
#include "community/community.hpp"
#include "community_helpers.hpp"

using namespace community_test;
namespace cm = socius::models::community;

namespace {

/// Two neighbourhoods of opposite extremes: quintile 1, everyone 16-24 in one-person households;
/// quintile 5 (three times as many residents), everyone 75+ in couples.
std::shared_ptr<const cm::Borough> extremes() {
  auto b = std::make_shared<cm::Borough>();
  b->population = {1000, 3000};
  b->quintile = {1, 5};
  b->age = {{1, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 1}};
  b->household = {{1, 0, 0, 0, 0}, {0, 1, 0, 0, 0}};
  b->digest = 42;
  return b;
}

}  // namespace

TEST_CASE("a borough table gives the neighbourhoods, ages and households of the population", "[community][borough]") {
  for (std::int64_t population : {4000, 40000}) {
    Simulation sim(cm::description(extremes()), small({{"structure.borough_digest", std::int64_t{42}}}, population, 0, 1), 7, 2);
    auto& pop = sim.world().population;
    const auto& nbhd = pop.column<std::uint32_t>("neighbourhood");
    const auto& age = pop.column<float>("age");
    const auto& household = pop.column<std::uint32_t>("household");
    sim.step(0);  // records time 0 without a step
    // A quarter of the residents in quintile 1, three quarters in quintile 5 (largest remainder,
    // at least one each: within one resident).
    const double R = static_cast<double>(population);
    const double q1 = last(sim, "quintile_1", "residents");
    CHECK(std::abs(q1 - R / 4.0) <= 1.0);
    CHECK(last(sim, "quintile_5", "residents") == R - q1);
    CHECK(last(sim, "quintile_3", "residents") == 0);
    // Every resident of quintile 1 is 16-24 and every one of quintile 5 is 75+.
    CHECK(last(sim, "age_16_24", "residents") == q1);
    CHECK(last(sim, "age_75_plus", "residents") == R - q1);
    // Neighbourhoods keep the model's size (about 1,500) at any scale.
    std::uint32_t n_nbhd = 0;
    for (std::int64_t a = 0; a < population; ++a) n_nbhd = std::max(n_nbhd, nbhd[a] + 1);
    CHECK(n_nbhd == static_cast<std::uint32_t>(std::max<long>(1, std::lround(q1 / 1500.0)) +
                                               std::max<long>(1, std::lround((R - q1) / 1500.0))));
    // One-person households in the young neighbourhood, couples in the old one.
    std::vector<int> size(sim.world().population.size(), 0);
    for (std::int64_t a = 0; a < population; ++a) ++size[household[a]];
    for (std::int64_t a = 0; a < population; ++a) {
      if (age[a] < 25) CHECK(size[household[a]] == 1);
      if (age[a] >= 75 && size[household[a]] != 2) {
        // the last household of a neighbourhood may be truncated to one
        CHECK(size[household[a]] == 1);
      }
    }
  }
}

TEST_CASE("a borough table whose digest the scenario does not record is refused", "[community][borough]") {
  CHECK_THROWS_WITH(Simulation(cm::description(extremes()), small({{"structure.borough_digest", std::int64_t{41}}}, 2000, 0, 1), 1, 1),
                    Catch::Contains("structure.borough_digest") && Catch::Contains("changed"));
  CHECK_THROWS_WITH(Simulation(model(), small({{"structure.borough_digest", std::int64_t{42}}}, 2000, 0, 1), 1, 1),
                    Catch::Contains("was not given"));
  auto bad = std::make_shared<cm::Borough>(*extremes());
  bad->quintile[1] = 6;
  CHECK_THROWS_WITH(Simulation(cm::description(bad), small({{"structure.borough_digest", std::int64_t{42}}}, 2000, 0, 1), 1, 1),
                    Catch::Contains("row 2") && Catch::Contains("quintile 6"));
}

TEST_CASE("staffing by need follows the borough's deprivation", "[community][borough]") {
  // One area per neighbourhood: the quintile-1 neighbourhood (the young one) gets more
  // employment posts per resident than the quintile-5 ones (need_index: 1 - employment rate, 1.9
  // times as much at the default rates; 60 posts so that rounding does not hide it).
  Simulation sim(cm::description(extremes()),
                 small({{"structure.borough_digest", std::int64_t{42}}, {"services.team_neighbourhoods", std::int64_t{1}},
                        {"services.employment_posts", 100.0}}, 6000, 0, 1), 3, 2);
  auto& pop = sim.world().population;
  const auto& nbhd = pop.column<std::uint32_t>("neighbourhood");
  const auto& age = pop.column<float>("age");
  const auto& service = pop.column<std::uint8_t>("service");
  const auto& team = pop.column<std::uint32_t>("team");
  const auto& post = pop.column<std::uint8_t>("post");
  const std::uint32_t R = 6000;
  std::uint32_t n_nbhd = 0;
  for (std::uint32_t a = 0; a < R; ++a) n_nbhd = std::max(n_nbhd, nbhd[a] + 1);
  std::vector<double> residents(n_nbhd, 0.0), posts(n_nbhd, 0.0);
  std::vector<bool> young(n_nbhd, false);
  for (std::uint32_t a = 0; a < R; ++a) {
    residents[nbhd[a]] += 1;
    if (age[a] < 25) young[nbhd[a]] = true;
  }
  for (std::size_t a = R; a < pop.size(); ++a) {
    if (service[a] == 0 /* employment */ && post[a] == 1) posts[team[a] % n_nbhd] += 1;  // team = service x areas + area
  }
  double q1 = 0, q5 = 0, r1 = 0, r5 = 0;
  for (std::uint32_t j = 0; j < n_nbhd; ++j) {
    (young[j] ? q1 : q5) += posts[j];
    (young[j] ? r1 : r5) += residents[j];
  }
  REQUIRE(r1 > 0);
  REQUIRE(r5 > 0);
  CHECK(q1 / r1 > 1.5 * (q5 / r5));
}

TEST_CASE("a borough run is bit-identical for 1 and 3 threads", "[community][borough]") {
  auto run = [](int threads) {
    Simulation sim(cm::description(extremes()), small({{"structure.borough_digest", std::int64_t{42}}}, 3000, 5, 5), 11, threads);
    sim.run();
    return result_digest(sim);
  };
  CHECK(run(1) == run(3));
}
