#include "socius/simulation.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/task_arena.h>

#include <chrono>
#include <random>

namespace socius {

ParameterSchema ModelDescription::full_schema() const {
  ParameterSchema s;
  s.integer("simulation.population", default_population, 1, 2'000'000'000, "agents",
            "Number of agents at the start.", "model default");
  s.integer("simulation.steps", default_steps, 0, 100'000'000, "steps",
            "Steps recorded after burn-in (the horizon).", "model default");
  s.integer("simulation.burn_in", default_burn_in, 0, 100'000'000, "steps",
            "Steps run before time 0 so the network reaches its steady state; not recorded.",
            "model default");
  s.integer("simulation.record_every", 1, 1, 100'000'000, "steps",
            "Indicators are recorded at time 0 and every this many steps.", "engine default");
  s.integer("simulation.snapshot_every", 0, 0, 100'000'000, "steps",
            "Tie-graph snapshots at time 0, every this many steps and at the horizon (0: none).",
            "engine default");
  for (const auto& sys : systems) {
    s.boolean("systems." + sys.name, true, "Runs the system '" + sys.name + "': " + sys.description,
              "engine default");
  }
  for (const auto& spec : schema.specs()) s.add(spec);
  return s;
}

struct Simulation::Arena {
  explicit Arena(int threads) : arena(threads) {
    // TBB caps workers at the core count; asking for more threads than cores (e.g. to check
    // that results do not depend on the thread count) lifts the cap while this arena lives.
    if (threads > tbb::info::default_concurrency()) {
      limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    }
  }
  std::optional<tbb::global_control> limit;
  tbb::task_arena arena;
};

template <class F>
void Simulation::in_arena(F&& f) {
  arena_->arena.execute(std::forward<F>(f));
}

Simulation::Simulation(const ModelDescription& model, const std::vector<ParameterEntry>& entries,
                       std::optional<std::uint64_t> seed, int threads)
    : model_name_(model.name),
      schema_(model.full_schema()),
      params_(ParameterSet::resolve(schema_, entries)),
      seed_(seed ? *seed : (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}()),
      threads_(threads > 0 ? threads : tbb::info::default_concurrency()),
      burn_in_(params_.integer("simulation.burn_in")),
      horizon_(params_.integer("simulation.steps")),
      record_every_(params_.integer("simulation.record_every")),
      snapshot_every_(params_.integer("simulation.snapshot_every")),
      arena_(std::make_unique<Arena>(threads_)) {
  if (threads < 0) throw ScenarioError("threads = " + std::to_string(threads) + ": must be 0 (all cores) or more");
  if (burn_in_ + horizon_ > 0xFFFFFFFFll) throw ScenarioError("simulation.burn_in + simulation.steps exceeds 2^32 steps");
  model_ = model.create(params_);
  auto all = model_->systems();
  if (all.size() != model.systems.size()) throw InvariantError("model '" + model.name + "' declares other systems than it runs");
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].name != model.systems[i].name) throw InvariantError("model '" + model.name + "': system order differs from its description");
    if (params_.boolean("systems." + all[i].name)) systems_.push_back(std::move(all[i]));
  }
  recorder_.spec = model_->indicators();
  const auto t0 = std::chrono::steady_clock::now();
  StepContext ctx{seed_, 0, -burn_in_};
  in_arena([&] { model_->setup(world_, ctx); });
  world_.population.freeze();
  wall_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (world_.ties.agents() != world_.population.size()) {
    throw InvariantError("model '" + model.name + "' set up a tie graph whose size differs from the population");
  }
}

Simulation::~Simulation() = default;

void Model::reconfigure(const ParameterSet&) {
  throw ScenarioError("this model does not support changing parameters during a run");
}

void Simulation::set_parameters(const std::vector<ParameterEntry>& entries) {
  std::vector<ParameterEntry> all;
  for (const auto& [key, value] : params_.values()) all.push_back({key, value, "current"});
  for (const auto& e : entries) {
    if (e.key.rfind("simulation.", 0) == 0 || e.key.rfind("systems.", 0) == 0) {
      throw ScenarioError((e.origin.empty() ? "" : e.origin + ": ") + "key '" + e.key +
                          "': fixed once a simulation is built; set it in the scenario instead");
    }
    all.push_back(e);
  }
  ParameterSet next = ParameterSet::resolve(schema_, all);
  model_->reconfigure(next);
  params_ = std::move(next);
}

void Simulation::record() {
  const std::int64_t t = time();
  const bool on_schedule = t % record_every_ == 0 || t == horizon_;
  if (on_schedule) {
    const std::size_t row = recorder_.spec.groups.size() * recorder_.spec.indicators.size();
    recorder_.times.push_back(t);
    recorder_.values.resize(recorder_.values.size() + row, 0.0);
    StepContext ctx{seed_, static_cast<std::uint32_t>(steps_done_), t};
    double* out = recorder_.values.data() + recorder_.values.size() - row;
    in_arena([&] { model_->measure(world_, ctx, out); });
  }
  if (sink_ && snapshot_every_ > 0 && (t % snapshot_every_ == 0 || t == horizon_)) sink_(t, world_.ties);
}

std::int64_t Simulation::step(std::int64_t n, const std::atomic<bool>* stop) {
  const auto t0 = std::chrono::steady_clock::now();
  if (steps_done_ == burn_in_ && recorder_.times.empty()) record();
  std::int64_t done = 0;
  while (done < n && remaining() > 0) {
    if (stop && stop->load(std::memory_order_relaxed)) break;
    StepContext ctx{seed_, static_cast<std::uint32_t>(steps_done_ + 1), time() + 1};
    in_arena([&] {
      for (auto& sys : systems_) sys.run(world_, ctx);
    });
    ++steps_done_;
    ++done;
    if (time() >= 0) record();
  }
  wall_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return done;
}

}  // namespace socius
