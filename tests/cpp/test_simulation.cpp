// The engine's simulation loop, tested with a small model that uses every parallel facility:
// per-agent parallel loops with random streams, double-buffered neighbour reads, proposed tie
// events merged from threads, and deterministic sums.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <fstream>

#include "socius/socius.hpp"

using namespace socius;

namespace {

class Churn final : public Model {
 public:
  explicit Churn(const ParameterSet& p)
      : n_(static_cast<AgentIndex>(p.integer("simulation.population"))),
        form_(p.real("churn.form")),
        decay_(p.real("churn.decay")),
        floor_(p.real("churn.floor")) {}

  void setup(World& w, const StepContext&) override {
    w.population.add(n_);
    w.ties.resize(n_);
    state_ = &w.population.add_column<float>("state", 0.0f, "a value spread along ties");
    for (AgentIndex a = 0; a < n_; ++a) (*state_)[a] = static_cast<float>(a % 7) / 7.0f;
  }

  std::vector<System> systems() override {
    return {{"form", [this](World& w, const StepContext& c) { form(w, c); }},
            {"decay", [this](World& w, const StepContext& c) { decay(w, c); }},
            {"spread", [this](World& w, const StepContext& c) { spread(w, c); }}};
  }

  void save(StateWriter&) const override {}  // all state is in the state column and the ties
  void load(const StateReader&) override {}

  IndicatorSpec indicators() const override {
    return {{"all", "even"}, {"mean_degree", "mean_state"}, {"ties per agent", "mean of state"}};
  }

  void measure(const World& w, const StepContext&, double* out) const override {
    const auto& s = *state_;
    for (int g = 0; g < 2; ++g) {
      const AgentIndex count = g == 0 ? n_ : (n_ + 1) / 2;
      const double deg = parallel_sum<double>(0, n_, [&](AgentIndex a) { return (g == 0 || a % 2 == 0) ? double(w.ties.degree(a)) : 0.0; });
      const double st = parallel_sum<double>(0, n_, [&](AgentIndex a) { return (g == 0 || a % 2 == 0) ? double(s[a]) : 0.0; });
      out[g * 2 + 0] = deg / count;
      out[g * 2 + 1] = st / count;
    }
  }

 private:
  void form(World& w, const StepContext& ctx) {
    parallel_for(0, n_, [&](AgentIndex a) {
      Stream rng = ctx.stream(a, 1);
      if (rng.bernoulli(form_)) {
        AgentIndex b = rng.below(n_ - 1);
        if (b >= a) ++b;
        events_.local().push_back(TieEvent::add(a, b, static_cast<float>(0.5 + 0.5 * rng.uniform()), static_cast<TieType>(rng.below(3))));
      }
    });
    auto batch = events_.take();
    w.ties.apply(batch);
  }

  void decay(World& w, const StepContext&) {
    const float factor = static_cast<float>(std::exp(-decay_));
    parallel_for(0, n_, [&](AgentIndex a) {
      for (HalfTie& h : w.ties.ties(a)) {
        h.weight *= factor;  // both owners compute the same value: the halves stay equal
        if (h.weight < floor_ && a < h.other) events_.local().push_back(TieEvent::remove(a, h.other));
      }
    });
    auto batch = events_.take();
    w.ties.apply(batch);
  }

  void spread(World& w, const StepContext& ctx) {
    previous_ = *state_;
    parallel_for(0, n_, [&](AgentIndex a) {
      double sum = 0, weight = 0;
      for (const HalfTie& h : w.ties.ties(a)) {
        sum += h.weight * previous_[h.other];
        weight += h.weight;
      }
      Stream rng = ctx.stream(a, 2);
      const double noise = 0.01 * rng.normal();
      const double target = weight > 0 ? sum / weight : previous_[a];
      (*state_)[a] = static_cast<float>(std::clamp(0.9 * previous_[a] + 0.1 * target + noise, 0.0, 1.0));
    });
  }

  AgentIndex n_;
  double form_, decay_, floor_;
  std::vector<float>* state_ = nullptr;
  std::vector<float> previous_;
  EventBuffer events_;
};

ModelDescription churn() {
  ModelDescription d;
  d.name = "churn";
  d.summary = "test model";
  d.schema.real("churn.form", 0.2, 0, 1, "per step", "tie proposal probability", "test")
      .real("churn.decay", 0.05, 0, 10, "per step", "decay rate", "test")
      .real("churn.floor", 0.1, 0, 1, "", "loss threshold", "test");
  d.systems = {{"form", ""}, {"decay", ""}, {"spread", ""}};
  d.default_population = 5000;
  d.default_steps = 30;
  d.default_burn_in = 5;
  d.create = [](const ParameterSet& p) { return std::make_unique<Churn>(p); };
  return d;
}

std::vector<double> run(std::uint64_t seed, int threads, std::vector<ParameterEntry> entries = {}) {
  Simulation sim(churn(), entries, seed, threads);
  sim.run();
  REQUIRE(sim.world().ties.check().empty());
  return sim.recorder().values;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

}  // namespace

TEST_CASE("same seed gives bit-identical results for 1, 2 and 4 threads", "[simulation][determinism]") {
  const auto one = run(7, 1);
  CHECK(same_bits(one, run(7, 1)));
  CHECK(same_bits(one, run(7, 2)));
  CHECK(same_bits(one, run(7, 4)));
}

TEST_CASE("a different seed gives different results", "[simulation][determinism]") {
  CHECK_FALSE(same_bits(run(7, 2), run(8, 2)));
}

TEST_CASE("the loop records at time 0, on schedule and at the horizon", "[simulation]") {
  Simulation sim(churn(), {{"simulation.steps", std::int64_t{10}, ""}, {"simulation.record_every", std::int64_t{4}, ""},
                           {"simulation.burn_in", std::int64_t{3}, ""}}, 1, 1);
  CHECK(sim.steps_total() == 13);
  CHECK(sim.time() == -3);
  CHECK(sim.step(2) == 2);
  CHECK(sim.recorder().times.empty());
  sim.run();
  CHECK(sim.recorder().times == std::vector<std::int64_t>{0, 4, 8, 10});
  CHECK(sim.recorder().values.size() == 4 * 2 * 2);
  CHECK(sim.step(5) == 0);  // past the horizon nothing happens
}

TEST_CASE("a stop request ends a run between steps", "[simulation]") {
  Simulation sim(churn(), {}, 1, 2);
  std::atomic<bool> stop{true};
  CHECK(sim.step(10, &stop) == 0);
  stop = false;
  CHECK(sim.step(3, &stop) == 3);
}

TEST_CASE("probability edges: no formation keeps the graph empty, certain formation adds a tie per agent", "[simulation]") {
  {
    Simulation sim(churn(), {{"churn.form", 0.0, ""}}, 3, 2);
    sim.run();
    CHECK(sim.world().ties.tie_count() == 0);
  }
  {
    Simulation sim(churn(), {{"churn.form", 1.0, ""}, {"churn.decay", 0.0, ""}, {"simulation.burn_in", std::int64_t{0}, ""},
                             {"simulation.steps", std::int64_t{1}, ""}, {"systems.spread", false, ""}}, 3, 2);
    sim.run();
    // Every agent proposed one tie; duplicates (a->b and b->a) merge, so between n/2 and n.
    const auto ties = sim.world().ties.tie_count();
    CHECK(ties <= 5000);
    CHECK(ties > 4900);
    for (AgentIndex a = 0; a < 5000; ++a) REQUIRE(sim.world().ties.degree(a) >= 1);
  }
}

TEST_CASE("a switched-off system does not run", "[simulation]") {
  Simulation sim(churn(), {{"systems.form", false, ""}}, 3, 2);
  sim.run();
  CHECK(sim.world().ties.tie_count() == 0);
}

TEST_CASE("scenario errors name the key, the value and what is allowed", "[parameters]") {
  auto msg = [](std::vector<ParameterEntry> e) {
    try {
      Simulation sim(churn(), e, 1, 1);
    } catch (const ScenarioError& err) {
      return std::string(err.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(msg({{"churn.fomr", 0.1, "a.toml"}}), Catch::Contains("a.toml") && Catch::Contains("churn.fomr") && Catch::Contains("did you mean 'churn.form'"));
  CHECK_THAT(msg({{"churn.form", 1.5, "a.toml"}}), Catch::Contains("out of range") && Catch::Contains("1.5") && Catch::Contains("from 0.0 to 1.0"));
  CHECK_THAT(msg({{"churn.form", std::string("lots"), "b.toml"}}), Catch::Contains("expected a number") && Catch::Contains("\"lots\""));
  CHECK_THAT(msg({{"simulation.population", 2.5, "c.toml"}}), Catch::Contains("expected an integer"));
  CHECK_THAT(msg({{"simulation.population", std::int64_t{1'000'000'000'000}, "c.toml"}}), Catch::Contains("TiB of memory"));
  CHECK_THAT(msg({{"churn.form", std::nan(""), "d.toml"}}), Catch::Contains("out of range"));
  // Every problem is reported at once.
  CHECK_THAT(msg({{"churn.fomr", 0.1, "a.toml"}, {"churn.decay", -1.0, "a.toml"}}), Catch::Contains("2 problems"));
  // Integers are accepted where reals are expected.
  CHECK(msg({{"churn.decay", std::int64_t{1}, ""}}) == "no error");
}

TEST_CASE("results are written atomically and carry the seed", "[output]") {
  const std::string path = "socius_test_output.h5";
  std::remove(path.c_str());
  {
    Simulation sim(churn(), {{"simulation.snapshot_every", std::int64_t{10}, ""}}, 12345, 2);
    ResultsWriter writer(path);
    writer.attach(sim);
    sim.step(10);
    CHECK_FALSE(std::ifstream(path).good());  // nothing at the final path while running
    CHECK(std::ifstream(writer.temp_path()).good());
    sim.run();
    writer.commit(sim);
    CHECK(std::ifstream(path).good());
    CHECK_FALSE(std::ifstream(writer.temp_path()).good());
  }
  std::remove(path.c_str());
  std::string temp;
  {
    Simulation sim(churn(), {}, 1, 1);
    ResultsWriter writer(path);
    temp = writer.temp_path();
    sim.step(3);
    // Abandoned (an exception, a failed run): the destructor removes the temporary file.
  }
  CHECK_FALSE(std::ifstream(path).good());
  CHECK_FALSE(std::ifstream(temp).good());
  CHECK_THROWS_WITH(ResultsWriter("no/such/dir/out.h5"), Catch::Contains("does not exist"));
}

TEST_CASE("a simulation restored from a checkpoint continues exactly as the original", "[checkpoint]") {
  const std::vector<ParameterEntry> entries{{"simulation.steps", std::int64_t{40}, ""}};
  Simulation whole(churn(), entries, 99, 2);
  whole.run();

  Simulation first(churn(), entries, 99, 2);
  first.step(20);
  StateWriter out;
  first.save(out);
  StateReader in(out.bytes(), "memory");
  auto resumed = Simulation::restore(churn(), in, 1);  // another thread count, same bits
  CHECK(resumed->steps_done() == 20);
  resumed->run();
  CHECK(same_bits(whole.recorder().values, resumed->recorder().values));
  CHECK(whole.recorder().times == resumed->recorder().times);
  CHECK(resumed->world().ties.check().empty());
  CHECK(whole.world().population.ids() == resumed->world().population.ids());
}

TEST_CASE("damaged checkpoints are refused with a reason", "[checkpoint]") {
  Simulation sim(churn(), {}, 5, 1);
  sim.step(8);
  StateWriter out;
  sim.save(out);
  const auto good = out.bytes();
  CHECK_NOTHROW(Simulation::restore(churn(), StateReader(good, "ok"), 1));
  auto truncated = good;
  truncated.resize(good.size() / 2);
  CHECK_THROWS_WITH(StateReader(truncated, "t.ckpt"), Catch::Contains("t.ckpt") && Catch::Contains("truncated"));
  // Every single flipped byte is caught, whichever byte it is (a sample across the file).
  for (std::size_t i = 0; i < good.size(); i += 1 + good.size() / 500) {
    auto bad = good;
    bad[i] ^= 0x5A;
    CHECK_THROWS_AS(Simulation::restore(churn(), StateReader(bad, "b.ckpt"), 1), CheckpointError);
  }
  // A checkpoint of another model is refused.
  ModelDescription other = churn();
  other.name = "other";
  CHECK_THROWS_WITH(Simulation::restore(other, StateReader(good, "m.ckpt"), 1), Catch::Contains("model 'churn'"));
}
