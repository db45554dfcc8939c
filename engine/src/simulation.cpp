#include "socius/simulation.hpp"

#include "socius/checkpoint.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/task_arena.h>

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <set>

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
  ParameterSchema full;
  for (ParameterSpec spec : s.specs()) {  // the shared keys are fixed once a simulation is built
    spec.fixed = true;
    full.add(std::move(spec));
  }
  for (const auto& spec : schema.specs()) full.add(spec);
  return full;
}

namespace {

std::string gib(double bytes) {
  char buf[64];
  if (bytes >= 1024.0 * 1024 * 1024 * 1024) std::snprintf(buf, sizeof buf, "%.3g TiB", bytes / (1024.0 * 1024 * 1024 * 1024));
  else std::snprintf(buf, sizeof buf, "%.3g GiB", bytes / (1024.0 * 1024 * 1024));
  return buf;
}

/// Refuses a change, from `before` to `after`, of a key that shapes the setup (ParameterSpec::fixed),
/// except, with `policy_open` (before policy time 0 has started), of a policy key.
void refuse_fixed_changes(const ParameterSchema& schema, const ParameterSet& before, const ParameterSet& after,
                          bool policy_open = false) {
  for (const auto& [key, value] : after.values()) {
    const ParameterSpec* spec = schema.find(key);
    if (!spec || !spec->fixed || (policy_open && spec->policy)) continue;
    const auto was = before.values().find(key);
    if (was != before.values().end() && was->second != value) {
      throw ScenarioError("key '" + key + "' = " + to_toml(value) + ": shapes the model's setup and is fixed once the simulation is built (it was " +
                          to_toml(was->second) + ")");
    }
  }
}

}  // namespace

ParameterSet resolve_parameters(const ModelDescription& model, const ParameterSchema& schema,
                                const std::vector<ParameterEntry>& entries) {
  const ParameterEntry* population = nullptr;
  for (const auto& e : entries) {
    if (e.key == "simulation.population" && e.value.index() == 1) population = &e;
  }
  if (population) {
    const auto n = static_cast<double>(std::get<std::int64_t>(population->value));
    const double need = n * static_cast<double>(model.bytes_per_agent);
    const double have = static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<double>(::sysconf(_SC_PAGE_SIZE));
    if (have > 0 && need > have) {
      throw ScenarioError((population->origin.empty() ? "" : population->origin + ": ") +
                          "key 'simulation.population' = " + std::to_string(std::get<std::int64_t>(population->value)) +
                          ": would need about " + gib(need) + " of memory (about " + std::to_string(model.bytes_per_agent) +
                          " bytes per agent for model '" + model.name + "'); this machine has " + gib(have) +
                          ". Choose a smaller population.");
    }
  }
  ParameterSet set = ParameterSet::resolve(schema, entries);
  if (model.check) model.check(set);
  return set;
}

std::size_t IndicatorSpec::index(const std::string& name) const {
  std::size_t i = 0;
  while (i < indicators.size() && indicators[i].name != name) ++i;
  return i;
}

namespace {

bool identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

/// Checks a model's distributions (a model bug if wrong: InvariantError naming the model and the
/// distribution): identifier names that do not clash with each other or with the results file's
/// own variables, at least one finite, strictly increasing bin edge, and a dimension shared by
/// two distributions only with the same edges.
void check_distributions(const std::string& model, const std::vector<DistributionSpec>& specs) {
  // The variables every results file has (output.hpp).
  const std::set<std::string> reserved = {"time", "group", "indicator", "indicators", "indicator_description",
                                          "indicator_label", "indicator_category", "indicator_unit", "indicator_better",
                                          "snapshot", "snapshot_offset", "snapshot_count", "edge",
                                          "edge_source", "edge_target", "edge_weight", "edge_type"};
  std::set<std::string> names;
  for (const auto& d : specs) {
    const std::string where = "model '" + model + "', distribution '" + d.name + "': ";
    if (!identifier(d.name) || !identifier(d.dimension)) {
      throw InvariantError(where + "name and dimension ('" + d.dimension + "') must be identifiers (letters, digits, _)");
    }
    for (const auto& n : {d.name, d.dimension}) {
      if (reserved.count(n)) throw InvariantError(where + "'" + n + "' is a name the results file already uses");
    }
    if (d.name == d.dimension || !names.insert(d.name).second) {
      throw InvariantError(where + "the name is used twice (by another distribution or as its dimension)");
    }
    if (d.bin_lower.empty()) throw InvariantError(where + "it has no bins");
    for (std::size_t k = 0; k < d.bin_lower.size(); ++k) {
      if (!std::isfinite(d.bin_lower[k]) || (k > 0 && !(d.bin_lower[k] > d.bin_lower[k - 1]))) {
        throw InvariantError(where + "bin edges must be finite and strictly increasing (edge " + std::to_string(k) + ")");
      }
    }
  }
  for (const auto& d : specs) {
    if (names.count(d.dimension)) {
      throw InvariantError("model '" + model + "': dimension '" + d.dimension + "' is also a distribution's name");
    }
    for (const auto& e : specs) {
      if (d.dimension == e.dimension && d.bin_lower != e.bin_lower) {
        throw InvariantError("model '" + model + "': distributions '" + d.name + "' and '" + e.name +
                             "' share dimension '" + d.dimension + "' with different bins");
      }
    }
  }
}

/// Checks a model's indicators (a model bug if wrong: InvariantError): unique identifier names
/// and a direction that is -1, 0 or +1.
void check_indicators(const std::string& model, const IndicatorSpec& spec) {
  std::set<std::string> names;
  for (const auto& i : spec.indicators) {
    const std::string where = "model '" + model + "', indicator '" + i.name + "': ";
    if (!identifier(i.name)) throw InvariantError(where + "the name must be an identifier (letters, digits, _)");
    if (!names.insert(i.name).second) throw InvariantError(where + "declared twice");
    const auto b = static_cast<int>(i.better);
    if (b < -1 || b > 1) throw InvariantError(where + "better must be Lower, Neither or Higher");
  }
}

/// Refuses a change, from the parameters a burnt-in state was saved with to those it is to
/// continue under, of any key not marked `policy` (it shaped the setup or the burn-in).
void refuse_burn_in_changes(const ParameterSchema& schema, const ParameterSet& saved, const ParameterSet& next) {
  for (const auto& [key, value] : next.values()) {
    const ParameterSpec* spec = schema.find(key);
    if (spec && spec->policy) continue;
    const auto was = saved.values().find(key);
    if (was != saved.values().end() && was->second != value) {
      throw ScenarioError("key '" + key + "' = " + to_toml(value) + ": shaped the setup or the burn-in (the saved state ran with " +
                          to_toml(was->second) + "); only policy keys, read from policy time 0 on, may differ when a burnt-in state "
                          "continues under other parameters: run this one from the start");
    }
  }
}

}  // namespace

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
      initial_params_(resolve_parameters(model, schema_, entries)),
      params_(initial_params_),
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
  for (const auto& sys : model.systems) {
    if (params_.boolean("systems." + sys.name)) systems_.push_back(sys);
  }
  recorder_.spec = model_->indicators();
  check_indicators(model.name, recorder_.spec);
  auto distributions = model_->distributions();
  check_distributions(model.name, distributions);
  for (auto& d : distributions) recorder_.distributions.push_back({std::move(d), {}});
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

void Model::start(World&, const StepContext&) {}

void Model::measure_distributions(const World&, const StepContext&, const std::vector<double*>&) const {}

void Model::save(StateWriter&) const {
  throw CheckpointError("this model does not support checkpoints");
}

void Model::load(const StateReader&) {
  throw CheckpointError("this model does not support checkpoints");
}

namespace {
// Parameters as text lines "key<TAB>type<TAB>value", the type keeping integers and reals apart.
std::string encode(const ParameterSet& p) {
  std::string out;
  for (const auto& [key, value] : p.values()) {
    out += key + '\t' + std::to_string(value.index()) + '\t';
    switch (value.index()) {
      case 0: out += std::get<bool>(value) ? "1" : "0"; break;
      case 1: out += std::to_string(std::get<std::int64_t>(value)); break;
      case 2: {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%a", std::get<double>(value));  // exact
        out += buf;
        break;
      }
      default: out += std::get<std::string>(value); break;
    }
    out += '\n';
  }
  return out;
}

std::vector<ParameterEntry> decode(const std::string& text, const StateReader& in) {
  std::vector<ParameterEntry> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto end = text.find('\n', pos);
    const auto t1 = text.find('\t', pos);
    const auto t2 = t1 == std::string::npos ? t1 : text.find('\t', t1 + 1);
    if (end == std::string::npos || t2 == std::string::npos || t2 > end) in.fail("corrupt parameter list");
    ParameterEntry e{text.substr(pos, t1 - pos), {}, "checkpoint"};
    const std::string kind = text.substr(t1 + 1, t2 - t1 - 1), value = text.substr(t2 + 1, end - t2 - 1);
    try {
      if (kind == "0") e.value = value == "1";
      else if (kind == "1") e.value = static_cast<std::int64_t>(std::stoll(value));
      else if (kind == "2") e.value = std::strtod(value.c_str(), nullptr);
      else if (kind == "3") e.value = value;
      else in.fail("corrupt parameter type");
    } catch (const std::logic_error&) {
      in.fail("corrupt parameter value for '" + e.key + "'");
    }
    out.push_back(std::move(e));
    pos = end + 1;
  }
  return out;
}
}  // namespace

void Simulation::save(StateWriter& out) const {
  out.put_string("engine.version", SOCIUS_VERSION);
  out.put_string("model", model_name_);
  out.put_string("parameters.initial", encode(initial_params_));
  out.put_string("parameters.current", encode(params_));
  out.put_value("seed", seed_);
  out.put_value("steps_done", steps_done_);
  out.put_value("wall_seconds", wall_seconds_);
  out.put_vector("recorder.times", recorder_.times);
  out.put_vector("recorder.values", recorder_.values);
  for (const auto& d : recorder_.distributions) out.put_vector("recorder.distribution." + d.spec.name, d.values);
  world_.population.save(out);
  world_.ties.save(out);
  model_->save(out);
}

std::unique_ptr<Simulation> Simulation::restore(const ModelDescription& model, const StateReader& in, int threads,
                                               const std::vector<ParameterEntry>* parameters) {
  const std::string version = in.get_string("engine.version");
  if (version != SOCIUS_VERSION) {
    in.fail("written by socius " + version + "; this is socius " + SOCIUS_VERSION + " (resume with the version that wrote it)");
  }
  const std::string name = in.get_string("model");
  if (name != model.name) in.fail("it is of model '" + name + "', not '" + model.name + "'");
  std::unique_ptr<Simulation> sim;
  try {
    sim = std::make_unique<Simulation>(model, decode(in.get_string("parameters.initial"), in), in.get_value<std::uint64_t>("seed"), threads);
    const auto current = decode(in.get_string("parameters.current"), in);
    sim->params_ = ParameterSet::resolve(sim->schema_, current);
    if (!(sim->params_.values() == sim->initial_params_.values())) {
      // Policy keys may have changed before policy time 0: setup does not read them.
      refuse_fixed_changes(sim->schema_, sim->initial_params_, sim->params_, true);
      sim->model_->reconfigure(sim->params_);
    }
  } catch (const ScenarioError& e) {
    in.fail(std::string("its parameters are not valid for this model: ") + e.what());
  }
  sim->steps_done_ = in.get_value<std::int64_t>("steps_done");
  if (sim->steps_done_ < 0 || sim->steps_done_ > sim->steps_total()) in.fail("its step count is out of range");
  sim->started_ = in.get_vector<std::int64_t>("recorder.times").size() > 0;  // start() records time 0
  if (parameters) {
    // Continue a burnt-in state under other parameters (errors are the caller's: ScenarioError).
    if (sim->started_ || sim->steps_done_ != sim->burn_in_) {
      throw ScenarioError("checkpoint '" + in.what() + "' was saved at step " + std::to_string(sim->steps_done_) + (sim->started_ ? ", after policy time 0 started" : "") +
                          "; it can continue under other parameters only if saved at the end of its burn-in (step " + std::to_string(sim->burn_in_) +
                          ") before policy time 0 starts (Simulation::burn_in)");
    }
    ParameterSet next = resolve_parameters(model, sim->schema_, *parameters);
    refuse_burn_in_changes(sim->schema_, sim->params_, next);
    if (!(next.values() == sim->params_.values())) sim->model_->reconfigure(next);
    sim->params_ = std::move(next);
  }
  sim->wall_seconds_ = in.get_value<double>("wall_seconds");
  sim->recorder_.times = in.get_vector<std::int64_t>("recorder.times");
  sim->recorder_.values = in.get_vector<double>("recorder.values");
  const std::size_t row = sim->recorder_.spec.groups.size() * sim->recorder_.spec.indicators.size();
  if (sim->recorder_.values.size() != sim->recorder_.times.size() * row) in.fail("its recorded indicators have the wrong shape");
  // Distributions: a checkpoint without a model's distribution (written before distributions
  // were recorded) is accepted only if nothing was recorded yet; otherwise the file would have
  // a hole, so it is refused.
  for (auto& d : sim->recorder_.distributions) {
    const std::string key = "recorder.distribution." + d.spec.name;
    if (!in.has(key)) {
      if (!sim->recorder_.times.empty()) {
        in.fail("it has no recorded values of distribution '" + d.spec.name + "' (section '" + key +
                "'); it was written before this model recorded distributions: rerun from the start");
      }
      continue;
    }
    d.values = in.get_vector<double>(key);
    const std::size_t bins = d.spec.bin_lower.size();
    if (d.values.size() != sim->recorder_.times.size() * bins) {
      in.fail("its recorded distribution '" + d.spec.name + "' has " + std::to_string(d.values.size()) +
              " values; expected " + std::to_string(sim->recorder_.times.size()) + " times x " + std::to_string(bins) +
              " bins (were the bins changed?)");
    }
  }
  sim->world_.population.load(in);
  sim->world_.ties.load(in);
  sim->model_->load(in);
  return sim;
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
  refuse_fixed_changes(schema_, params_, next, !started_);
  model_->reconfigure(next);
  params_ = std::move(next);
}

void Simulation::record() {
  const std::int64_t t = time();
  if (records_at(t)) {
    const std::size_t row = recorder_.spec.groups.size() * recorder_.spec.indicators.size();
    recorder_.times.push_back(t);
    recorder_.values.resize(recorder_.values.size() + row, 0.0);
    StepContext ctx{seed_, static_cast<std::uint32_t>(steps_done_), t};
    ctx.recorded = true;
    double* out = recorder_.values.data() + recorder_.values.size() - row;
    in_arena([&] { model_->measure(world_, ctx, out); });
    if (!recorder_.distributions.empty()) {
      std::vector<double*> rows;
      for (auto& d : recorder_.distributions) {
        const std::size_t bins = d.spec.bin_lower.size();
        d.values.resize(d.values.size() + bins, 0.0);
        rows.push_back(d.values.data() + d.values.size() - bins);
      }
      in_arena([&] { model_->measure_distributions(world_, ctx, rows); });
    }
  }
  if (sink_ && snapshot_every_ > 0 && (t % snapshot_every_ == 0 || t == horizon_)) sink_(t, world_.ties);
}

void Simulation::start() {
  StepContext ctx{seed_, static_cast<std::uint32_t>(steps_done_), 0};
  in_arena([&] { model_->start(world_, ctx); });
  started_ = true;
  record();
}

std::int64_t Simulation::advance(std::int64_t n, const std::atomic<bool>* stop, bool start_at_zero) {
  const auto t0 = std::chrono::steady_clock::now();
  if (steps_done_ == burn_in_ && !started_ && start_at_zero) start();
  std::int64_t done = 0;
  while (done < n && remaining() > 0) {
    if (stop && stop->load(std::memory_order_relaxed)) break;
    StepContext ctx{seed_, static_cast<std::uint32_t>(steps_done_ + 1), time() + 1};
    ctx.recorded = records_at(ctx.time);
    in_arena([&] {
      for (auto& sys : systems_) sys.run(*model_, world_, ctx);
    });
    ++steps_done_;
    ++done;
    if (time() == 0 && start_at_zero) start();
    else if (time() > 0) record();
  }
  wall_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return done;
}

std::int64_t Simulation::step(std::int64_t n, const std::atomic<bool>* stop) { return advance(n, stop, true); }

std::int64_t Simulation::burn_in(const std::atomic<bool>* stop) {
  return advance(std::max<std::int64_t>(0, burn_in_ - steps_done_), stop, false);
}

std::uint64_t result_digest(const Simulation& sim) {
  std::uint64_t h = 1469598103934665603ull;
  const auto mix = [&h](const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  };
  const TieGraph& g = sim.world().ties;
  for (AgentIndex a = 0; a < g.agents(); ++a) {
    const std::uint32_t d = g.degree(a);
    mix(&d, sizeof d);
    for (const HalfTie& t : g.ties(a)) {
      mix(&t.other, sizeof t.other);
      mix(&t.weight, sizeof t.weight);
      mix(&t.stamp, sizeof t.stamp);
      mix(&t.type, sizeof t.type);
      mix(&t.flags, sizeof t.flags);
    }
  }
  const auto& values = sim.recorder().values;
  mix(values.data(), values.size() * sizeof(double));
  return h;
}

}  // namespace socius
