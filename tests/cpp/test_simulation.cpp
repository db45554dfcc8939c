// The engine's simulation loop, tested with a small model that uses every parallel facility:
// per-agent parallel loops with random streams, double-buffered neighbour reads, proposed tie
// events merged from threads, and deterministic sums.
#include <catch2/catch.hpp>
#include <oneapi/tbb/task_arena.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "socius/socius.hpp"

using namespace socius;

namespace {

class Churn : public Model {
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

  static std::vector<System> systems() {
    return {system<Churn>("form", "ties proposed at random", &Churn::form),
            system<Churn>("decay", "weights decay; ties below the floor are lost", &Churn::decay),
            system<Churn>("spread", "state spreads along ties", &Churn::spread)};
  }

  void save(StateWriter&) const override {}  // all state is in the state column and the ties
  void load(const StateReader&) override {}

  IndicatorSpec indicators() const override {
    return {{"all", "even"},
            {{"mean_degree", "Ties per agent", "network", "ties", Better::Neither, "ties per agent"},
             {"mean_state", "State (mean)", "state", "score", Better::Higher, "mean of state"}}};
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

 protected:
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
  d.systems = Churn::systems();
  d.default_population = 5000;
  d.default_steps = 30;
  d.default_burn_in = 5;
  d.create = [](const ParameterSet& p) { return std::make_unique<Churn>(p); };
  return d;
}

/// Churn that also records two distributions: agents by state in bins from 0, 0.25, 0.5 and
/// 0.75, and agents by degree in bins 0, 1 and ">= 2". Other specs can be given (to test their
/// validation).
class ChurnDist final : public Churn {
 public:
  ChurnDist(const ParameterSet& p, std::vector<DistributionSpec> specs) : Churn(p), specs_(std::move(specs)) {}

  std::vector<DistributionSpec> distributions() const override { return specs_; }

  void measure_distributions(const World& w, const StepContext&, const std::vector<double*>& out) const override {
    for (AgentIndex a = 0; a < n_; ++a) {
      out[0][std::min(3, static_cast<int>((*state_)[a] * 4.0f))] += 1.0;
      out[1][std::min(2u, w.ties.degree(a))] += 1.0;
    }
  }

 private:
  std::vector<DistributionSpec> specs_;
};

std::vector<DistributionSpec> churn_specs() {
  return {{"state_distribution", "state", {0.0, 0.25, 0.5, 0.75}, "agents by state", "agents", "state units"},
          {"degree_distribution", "degree", {0.0, 1.0, 2.0}, "agents by degree", "agents", "ties"}};
}

ModelDescription churn_dist(std::vector<DistributionSpec> specs = churn_specs()) {
  ModelDescription d = churn();
  d.create = [specs](const ParameterSet& p) { return std::make_unique<ChurnDist>(p, specs); };
  return d;
}

/// A dataset of a results file read back whole (HDF5 converts to the memory type).
template <class T>
std::vector<T> read_dataset(hid_t file, const char* name, hid_t mem_type, std::vector<hsize_t>* shape = nullptr) {
  const hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
  REQUIRE(ds >= 0);
  const hid_t space = H5Dget_space(ds);
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  hsize_t n = 1;
  for (auto d : dims) n *= d;
  std::vector<T> out(n);
  if (n) REQUIRE(H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) >= 0);
  if (shape) *shape = dims;
  H5Sclose(space);
  H5Dclose(ds);
  return out;
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

TEST_CASE("parallel_gather returns each agent's items in agent order for any number of threads", "[parallel][determinism]") {
  // Agents 0..N-1 over several blocks; agent a appends a % 3 items (a, 0), (a, 1), ...
  const AgentIndex n = 50000;
  std::vector<std::pair<AgentIndex, int>> expected;
  for (AgentIndex a = 0; a < n; ++a) {
    for (int i = 0; i < static_cast<int>(a % 3); ++i) expected.emplace_back(a, i);
  }
  for (const int threads : {1, 4}) {
    tbb::task_arena arena(threads);
    const auto got = arena.execute([&] {
      return parallel_gather<std::pair<AgentIndex, int>>(0, n, [](AgentIndex a, std::vector<std::pair<AgentIndex, int>>& out) {
        for (int i = 0; i < static_cast<int>(a % 3); ++i) out.emplace_back(a, i);
      });
    });
    CHECK(got == expected);
  }
  CHECK(parallel_gather<int>(7, 7, [](AgentIndex, std::vector<int>& out) { out.push_back(1); }).empty());
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

// ---------------------------------------------------------------------------------------------
// Distributions recorded over time (Model::distributions)

TEST_CASE("distributions are recorded with the indicators, one full row of bins per time", "[simulation][distributions]") {
  const std::vector<ParameterEntry> e{{"simulation.population", std::int64_t{400}, ""}, {"simulation.steps", std::int64_t{10}, ""},
                                      {"simulation.record_every", std::int64_t{4}, ""}, {"simulation.burn_in", std::int64_t{3}, ""}};
  Simulation sim(churn_dist(), e, 3, 2);
  sim.run();
  const auto& r = sim.recorder();
  REQUIRE(r.times == std::vector<std::int64_t>{0, 4, 8, 10});
  REQUIRE(r.distributions.size() == 2);
  CHECK(r.distributions[0].spec.name == "state_distribution");
  CHECK(r.distributions[0].values.size() == 4 * 4);
  CHECK(r.distributions[1].values.size() == 4 * 3);
  for (const auto& d : r.distributions) {
    const std::size_t bins = d.spec.bin_lower.size();
    for (std::size_t t = 0; t < r.times.size(); ++t) {
      double sum = 0;
      for (std::size_t k = 0; k < bins; ++k) sum += d.values[t * bins + k];
      CHECK(sum == 400.0);  // every agent in one bin at every time
    }
  }
  // The last row is the final state: the open bin counts every degree of 2 or more.
  std::vector<double> expect(3, 0.0);
  for (AgentIndex a = 0; a < 400; ++a) expect[std::min(2u, sim.world().ties.degree(a))] += 1.0;
  CHECK(std::vector<double>(r.distributions[1].values.end() - 3, r.distributions[1].values.end()) == expect);
  CHECK(expect[2] > 0.0);
  // A model without distributions records none.
  Simulation plain(churn(), e, 3, 1);
  plain.run();
  CHECK(plain.recorder().distributions.empty());
}

TEST_CASE("recorded distributions are the same for 1 and 2 threads", "[simulation][distributions][determinism]") {
  Simulation one(churn_dist(), {}, 7, 1), two(churn_dist(), {}, 7, 2);
  one.run();
  two.run();
  for (std::size_t d = 0; d < 2; ++d) CHECK(same_bits(one.recorder().distributions[d].values, two.recorder().distributions[d].values));
  Simulation other(churn_dist(), {}, 8, 2);
  other.run();
  CHECK_FALSE(same_bits(one.recorder().distributions[0].values, other.recorder().distributions[0].values));
}

TEST_CASE("a model's distribution specs are checked when the simulation is built", "[simulation][distributions]") {
  auto bad = [](auto change) {
    auto specs = churn_specs();
    change(specs);
    try {
      Simulation sim(churn_dist(specs), {}, 1, 1);
    } catch (const InvariantError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(bad([](auto& s) { s[0].bin_lower = {0.0, 0.5, 0.5}; }), Catch::Contains("strictly increasing") && Catch::Contains("state_distribution"));
  CHECK_THAT(bad([](auto& s) { s[0].bin_lower = {}; }), Catch::Contains("no bins"));
  CHECK_THAT(bad([](auto& s) { s[0].bin_lower = {0.0, std::nan("")}; }), Catch::Contains("finite"));
  CHECK_THAT(bad([](auto& s) { s[0].name = "time"; }), Catch::Contains("already uses"));
  CHECK_THAT(bad([](auto& s) { s[0].dimension = "indicator"; }), Catch::Contains("already uses"));
  CHECK_THAT(bad([](auto& s) { s[1].name = s[0].name; }), Catch::Contains("used twice"));
  CHECK_THAT(bad([](auto& s) { s[0].name = "a/b"; }), Catch::Contains("identifiers"));
  CHECK_THAT(bad([](auto& s) { s[1].dimension = "state"; }), Catch::Contains("different bins"));
  CHECK_THAT(bad([](auto& s) { s[1].dimension = "state_distribution"; }), Catch::Contains("also a distribution's name"));
  CHECK(bad([](auto& s) { s[1].dimension = "state"; s[1].bin_lower = s[0].bin_lower; }) == "no error");  // shared, same bins
}

TEST_CASE("the results file holds each distribution over (time, bin) with its bin edges", "[output][distributions]") {
  const std::string path = "socius_test_distributions.h5";
  std::remove(path.c_str());
  Simulation sim(churn_dist(), {{"simulation.population", std::int64_t{300}, ""}, {"simulation.steps", std::int64_t{6}, ""},
                                {"simulation.record_every", std::int64_t{2}, ""}}, 5, 2);
  sim.run();
  ResultsWriter writer(path);
  writer.commit(sim);
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  std::vector<hsize_t> shape;
  const auto state = read_dataset<double>(f, "state_distribution", H5T_NATIVE_DOUBLE, &shape);
  CHECK(shape == std::vector<hsize_t>{4, 4});  // times 0, 2, 4, 6
  CHECK(state == sim.recorder().distributions[0].values);
  const auto degree = read_dataset<double>(f, "degree_distribution", H5T_NATIVE_DOUBLE, &shape);
  CHECK(shape == std::vector<hsize_t>{4, 3});
  CHECK(degree == sim.recorder().distributions[1].values);
  // Coordinates: lower edges, as float64 or, all whole numbers, int64; both dimension scales.
  CHECK(read_dataset<double>(f, "state", H5T_NATIVE_DOUBLE) == std::vector<double>{0.0, 0.25, 0.5, 0.75});
  CHECK(read_dataset<std::int64_t>(f, "degree", H5T_NATIVE_INT64) == std::vector<std::int64_t>{0, 1, 2});
  for (const char* name : {"state", "degree"}) {
    const hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
    CHECK(H5DSis_scale(ds) > 0);
    const hid_t type = H5Dget_type(ds);
    CHECK(H5Tget_class(type) == (std::string(name) == "degree" ? H5T_INTEGER : H5T_FLOAT));
    H5Tclose(type);
    H5Dclose(ds);
  }
  const hid_t ds = H5Dopen2(f, "degree_distribution", H5P_DEFAULT);
  const hid_t time = H5Dopen2(f, "time", H5P_DEFAULT);
  const hid_t deg = H5Dopen2(f, "degree", H5P_DEFAULT);
  CHECK(H5DSis_attached(ds, time, 0) > 0);
  CHECK(H5DSis_attached(ds, deg, 1) > 0);
  CHECK(H5Aexists(ds, "units") > 0);
  CHECK(H5Aexists(ds, "long_name") > 0);
  H5Dclose(deg);
  H5Dclose(time);
  H5Dclose(ds);
  H5Fclose(f);
  std::remove(path.c_str());

  // A model without distributions writes no such variable.
  Simulation plain(churn(), {{"simulation.steps", std::int64_t{2}, ""}}, 5, 1);
  plain.run();
  ResultsWriter w2(path);
  w2.commit(plain);
  const hid_t f2 = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK(H5Lexists(f2, "indicators", H5P_DEFAULT) > 0);
  CHECK(H5Lexists(f2, "degree", H5P_DEFAULT) == 0);
  H5Fclose(f2);
  std::remove(path.c_str());
}

TEST_CASE("checkpoints carry the recorded distributions, checked on load", "[checkpoint][distributions]") {
  const std::vector<ParameterEntry> entries{{"simulation.steps", std::int64_t{40}, ""}, {"simulation.record_every", std::int64_t{3}, ""}};
  Simulation whole(churn_dist(), entries, 99, 2);
  whole.run();
  Simulation first(churn_dist(), entries, 99, 2);
  first.step(20);
  StateWriter out;
  first.save(out);
  auto resumed = Simulation::restore(churn_dist(), StateReader(out.bytes(), "memory"), 1);
  resumed->run();
  CHECK(whole.recorder().times == resumed->recorder().times);
  for (std::size_t d = 0; d < 2; ++d) CHECK(same_bits(whole.recorder().distributions[d].values, resumed->recorder().distributions[d].values));

  // A section of the wrong shape is refused, naming the distribution.
  out.put_vector("recorder.distribution.degree_distribution", std::vector<double>(5, 0.0));  // the later section wins
  CHECK_THROWS_WITH(Simulation::restore(churn_dist(), StateReader(out.bytes(), "s.ckpt"), 1),
                    Catch::Contains("s.ckpt") && Catch::Contains("degree_distribution") && Catch::Contains("expected"));

  // A checkpoint written without distributions: refused once something was recorded...
  Simulation old(churn(), entries, 99, 1);
  old.step(5);
  StateWriter old_out;
  old.save(old_out);
  CHECK_THROWS_WITH(Simulation::restore(churn_dist(), StateReader(old_out.bytes(), "o.ckpt"), 1),
                    Catch::Contains("no recorded values of distribution 'state_distribution'"));
  // ... accepted (as empty) before the first record.
  Simulation fresh(churn(), entries, 99, 1);
  StateWriter fresh_out;
  fresh.save(fresh_out);
  auto from_fresh = Simulation::restore(churn_dist(), StateReader(fresh_out.bytes(), "f.ckpt"), 1);
  from_fresh->run();
  CHECK(same_bits(whole.recorder().distributions[0].values, from_fresh->recorder().distributions[0].values));
}

TEST_CASE("a model's one system table gives the switches, the order and the functions", "[simulation]") {
  const auto d = churn();
  const auto schema = d.full_schema();
  for (const auto& sys : d.systems) CHECK(schema.find("systems." + sys.name));
  // A system written for another model type is a bug in the table, found when it runs.
  ModelDescription wrong = churn();
  wrong.systems.push_back(system<ChurnDist>("other", "a system of another model", [](ChurnDist&, World&, const StepContext&) {}));
  Simulation sim(wrong, {{"simulation.burn_in", std::int64_t{0}, ""}}, 1, 1);
  CHECK_THROWS_AS(sim.step(1), InvariantError);
}

TEST_CASE("the results file carries each indicator's label, category, units and direction", "[output]") {
  const std::string path = "socius_test_indicator_metadata.h5";
  std::remove(path.c_str());
  Simulation sim(churn(), {{"simulation.population", std::int64_t{200}, ""}, {"simulation.steps", std::int64_t{2}, ""}}, 5, 1);
  sim.run();
  ResultsWriter writer(path);
  writer.commit(sim);
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  const auto strings = [&](const char* name) {
    const hid_t text = H5Tcopy(H5T_C_S1);
    H5Tset_size(text, H5T_VARIABLE);
    H5Tset_cset(text, H5T_CSET_UTF8);
    auto raw = read_dataset<char*>(f, name, text);
    std::vector<std::string> out(raw.begin(), raw.end());
    const hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
    const hid_t space = H5Dget_space(ds);
    H5Dvlen_reclaim(text, space, H5P_DEFAULT, raw.data());
    if (std::string(name) != "indicator") {  // a variable along the dimension, with its meaning
      const hid_t indicator = H5Dopen2(f, "indicator", H5P_DEFAULT);
      CHECK(H5DSis_attached(ds, indicator, 0) > 0);
      CHECK(H5Aexists(ds, "long_name") > 0);
      H5Dclose(indicator);
    }
    H5Sclose(space);
    H5Dclose(ds);
    H5Tclose(text);
    return out;
  };
  CHECK(strings("indicator") == std::vector<std::string>{"mean_degree", "mean_state"});
  CHECK(strings("indicator_label") == std::vector<std::string>{"Ties per agent", "State (mean)"});
  CHECK(strings("indicator_category") == std::vector<std::string>{"network", "state"});
  CHECK(strings("indicator_unit") == std::vector<std::string>{"ties", "score"});
  CHECK(strings("indicator_description") == std::vector<std::string>{"ties per agent", "mean of state"});
  CHECK(read_dataset<std::int8_t>(f, "indicator_better", H5T_NATIVE_INT8) == std::vector<std::int8_t>{0, 1});
  const hid_t better = H5Dopen2(f, "indicator_better", H5P_DEFAULT);
  CHECK(H5Aexists(better, "flag_values") > 0);
  CHECK(H5Aexists(better, "flag_meanings") > 0);
  H5Dclose(better);
  H5Fclose(f);
  std::remove(path.c_str());
}

TEST_CASE("a model's indicators must have unique identifier names", "[simulation]") {
  class Twice final : public Churn {
   public:
    using Churn::Churn;
    IndicatorSpec indicators() const override {
      return {{"all", "even"}, {{"mean_degree", "", "", "", Better::Neither, ""}, {"mean_degree", "", "", "", Better::Neither, ""}}};
    }
  };
  ModelDescription d = churn();
  d.create = [](const ParameterSet& p) { return std::make_unique<Twice>(p); };
  CHECK_THROWS_AS(Simulation(d, {}, 1, 1), InvariantError);
}
