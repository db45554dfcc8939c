// Description apart from execution. A ModelDescription is plain data: the model's parameters,
// the ordered systems that make up one step, and a factory. A Simulation validates a scenario
// against it, builds the model's state, and owns everything that changes while it runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "socius/errors.hpp"
#include "socius/parameters.hpp"
#include "socius/population.hpp"
#include "socius/random.hpp"
#include "socius/ties.hpp"

namespace socius {

/// The state every system sees.
struct World {
  Population population;
  TieGraph ties;
};

/// Where in time a system runs, and its random streams.
struct StepContext {
  std::uint64_t seed = 0;
  std::uint32_t step = 0;  ///< absolute step, counting burn-in; keys the random streams
  std::int64_t time = 0;   ///< policy time in steps: negative during burn-in, 0 when it ends
  /// Whether the indicators are recorded at the end of this step, so that a system may skip
  /// work that only the indicators need.
  bool recorded = false;
  /// The random stream of agent `a` for `purpose` in this step.
  Stream stream(AgentIndex a, Purpose purpose) const { return Stream(seed, step, a, purpose); }
};

class Model;

/// One mechanism of a step: its name (also its switch, `systems.<name>`), one sentence on what it
/// does, and the function that runs it on the model built by ModelDescription::create. A model
/// lists its systems once, in ModelDescription::systems, in the order they run.
struct System {
  std::string name;
  std::string description;
  std::function<void(Model&, World&, const StepContext&)> run;
};

/// A system run by `f(M&, World&, const StepContext&)` on a model of type M (the type its
/// description's factory creates), e.g. `system<Jgn>("meet", "random meetings", &Jgn::meet)`.
/// Running it on a model of another type is a bug in the model's table: InvariantError.
template <class M, class F>
System system(std::string name, std::string description, F f) {
  auto run = [f = std::move(f), name](Model& model, World& world, const StepContext& ctx) {
    M* m = dynamic_cast<M*>(&model);
    if (!m) throw InvariantError("system '" + name + "' was given a model of another type");
    std::invoke(f, *m, world, ctx);
  };
  return {std::move(name), std::move(description), std::move(run)};
}

/// Which way an indicator is better, for a reader that marks a change as a gain or a loss.
enum class Better : std::int8_t { Lower = -1, Neither = 0, Higher = 1 };

/// One indicator a model records, declared once with what a reader of the results needs; every
/// results file carries it (output.hpp), so a report works for any model.
struct Indicator {
  std::string name;      ///< identifier in results files, e.g. "lonely_share"
  std::string label;     ///< short plain-language label for tables and plots, e.g. "Often or always lonely"
  std::string category;  ///< what it is about: e.g. "loneliness", "trust", "services", "staff", "cost", "network", "other"
  /// "share" (a fraction of the group, 0-1), "score" (a mean on a 0-1 scale), a currency
  /// ("GBP"), or what is counted or measured ("people", "ties", "weight units", "correlation").
  std::string unit;
  Better better = Better::Neither;  ///< whether a higher value is better, a lower one, or neither
  std::string description;  ///< one sentence: what is measured, over whom; a stock, a flow or cumulative
};

/// What a model records: values[group][indicator] at each recorded time.
struct IndicatorSpec {
  std::vector<std::string> groups;     ///< e.g. "all", "quintile_1", "age_65_plus"
  std::vector<Indicator> indicators;   ///< in recorded order
  /// The position of the indicator called `name`, or indicators.size() if there is none.
  std::size_t index(const std::string& name) const;
};

/// A distribution a model records over time: counts (or any per-bin value) in fixed bins declared
/// up front, so the recorded array is rectangular (time x bins) however the state evolves. Bin k
/// holds values in [bin_lower[k], bin_lower[k + 1]); the last bin is open-ended, [bin_lower.back(),
/// infinity). Where values below bin_lower[0] go is the model's choice (say so in `description`).
struct DistributionSpec {
  std::string name;                ///< results variable, e.g. "degree_distribution"; an identifier
  std::string dimension;           ///< its bin dimension, e.g. "degree"; an identifier
  std::vector<double> bin_lower;   ///< lower edges, finite and strictly increasing, at least one
  std::string description;         ///< one sentence: what is counted, and how values are binned
  std::string units;               ///< of the values, e.g. "people", "ties"
  std::string bin_units;           ///< of the bin edges, e.g. "ties", "weight units"
};

/// The running state of a model. Built by ModelDescription::create from validated parameters.
class Model {
 public:
  virtual ~Model() = default;
  /// Creates the initial population and ties (step 0, before burn-in).
  virtual void setup(World& world, const StepContext& ctx) = 0;
  virtual IndicatorSpec indicators() const = 0;
  /// Writes the current indicators into out[group * n_indicators + indicator].
  virtual void measure(const World& world, const StepContext& ctx, double* out) const = 0;
  /// Optional: distributions recorded at the same times as the indicators. Asked once, when the
  /// simulation is built (from the initial parameters); fixed for the run. None by default.
  virtual std::vector<DistributionSpec> distributions() const { return {}; }
  /// Writes the current value of each bin of distribution d into out[d][0 .. bins of d), in the
  /// order of distributions(). The rows are zeroed before the call. Must give the same values
  /// for any number of threads.
  virtual void measure_distributions(const World& world, const StepContext& ctx,
                                     const std::vector<double*>& out) const;
  /// Saves the model's state that is not in population columns or the tie graph and that setup
  /// does not rebuild identically (setup is rerun with the same seed before load). The default
  /// refuses: a model opts in to checkpoints by overriding both (possibly with nothing to save).
  virtual void save(class StateWriter& out) const;
  virtual void load(const class StateReader& in);
  /// Takes new parameter values between steps (e.g. a Python hook acting as a custom
  /// intervention). Called with the complete, validated set. The default refuses.
  virtual void reconfigure(const ParameterSet& params);
  /// Called once when burn-in ends (policy time 0, ctx.time = 0), before the indicators at time 0
  /// are recorded: what the model sets up for the run after burn-in (e.g. interventions that
  /// start then). Nothing before it may read a key marked `policy`, so that one burnt-in state
  /// can continue under other policy parameters (Simulation::restore with parameters, which
  /// hands them to reconfigure(): a model refuses there, with ScenarioError naming the key, a
  /// policy value that its setup depended on after all). Nothing by default.
  virtual void start(World& world, const StepContext& ctx);
};

struct ModelDescription {
  std::string name;
  std::string summary;
  /// The model's own parameters. The engine adds `simulation.*` keys and one boolean
  /// `systems.<name>` per system (true by default) that switches the system off.
  ParameterSchema schema;
  /// The mechanisms of one step, in the order they run: the only list of them (names for the
  /// switches and `socius models`, functions for the step loop).
  std::vector<System> systems;
  /// Defaults of the simulation keys for this model.
  std::int64_t default_population = 10000;
  std::int64_t default_steps = 520;
  std::int64_t default_burn_in = 0;
  /// Typical memory per agent, ties included, at default parameters: a population that would
  /// not fit in this machine's memory is refused before anything is allocated.
  std::size_t bytes_per_agent = 512;
  std::function<std::unique_ptr<Model>(const ParameterSet&)> create;
  /// Checks what the schema cannot (combinations of keys, a minimum population) without
  /// building anything; throws ScenarioError naming the key, the value and what is allowed.
  /// Run by resolve_parameters, so validating a scenario (and every point of a sweep) catches
  /// everything the model would refuse at setup. Optional.
  std::function<void(const ParameterSet&)> check;

  /// The full schema: simulation keys, system switches and the model's own parameters.
  ParameterSchema full_schema() const;
};

/// Validates scenario entries for `model` (schema = model.full_schema()): refuses a population
/// that cannot fit in physical memory, with the memory it would need, before anything is
/// allocated; then checks every entry (ParameterSet::resolve) and the model's own combinations
/// (ModelDescription::check). Throws ScenarioError.
ParameterSet resolve_parameters(const ModelDescription& model, const ParameterSchema& schema,
                                const std::vector<ParameterEntry>& entries);

/// One recorded distribution: its spec and its values, times x bins, row-major.
struct RecordedDistribution {
  DistributionSpec spec;
  std::vector<double> values;  ///< Recorder::times.size() x spec.bin_lower.size()
};

/// Recorded indicators and distributions, kept in memory: tiny next to the state.
struct Recorder {
  IndicatorSpec spec;
  std::vector<std::int64_t> times;
  std::vector<double> values;  ///< times.size() x groups x indicators, row-major
  std::vector<RecordedDistribution> distributions;  ///< in the model's order; none for most models
};

/// Receives tie-graph snapshots as they are taken (e.g. to stream them to the results file).
using SnapshotSink = std::function<void(std::int64_t time, const TieGraph& ties)>;

class Simulation {
 public:
  /// Validates `entries` against the model's schema (ScenarioError on any problem), builds the
  /// model and runs its setup. Without a seed, one is drawn from the operating system and can be
  /// read back with seed(). threads = 0 uses every core.
  Simulation(const ModelDescription& model, const std::vector<ParameterEntry>& entries,
             std::optional<std::uint64_t> seed = std::nullopt, int threads = 0);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  /// Runs up to `n` steps (burn-in first), recording and snapshotting on schedule. Stops early,
  /// between steps, when `stop` becomes true or the horizon is reached. Returns steps done.
  std::int64_t step(std::int64_t n, const std::atomic<bool>* stop = nullptr);
  /// Runs to the horizon.
  void run(const std::atomic<bool>* stop = nullptr) { step(remaining(), stop); }
  /// Runs what is left of the burn-in and stops before policy time 0 starts (Model::start and
  /// the record at time 0; the next step() does them): the state that other policy parameters
  /// can continue from (save, then restore with parameters). Returns steps done.
  std::int64_t burn_in(const std::atomic<bool>* stop = nullptr);
  /// Whether policy time 0 has started (Model::start has run).
  bool started() const { return started_; }

  std::int64_t steps_done() const { return steps_done_; }    ///< including burn-in
  std::int64_t steps_total() const { return burn_in_ + horizon_; }
  std::int64_t remaining() const { return steps_total() - steps_done_; }
  std::int64_t time() const { return steps_done_ - burn_in_; }  ///< policy time
  bool finished() const { return remaining() == 0; }

  std::uint64_t seed() const { return seed_; }
  int threads() const { return threads_; }
  double wall_seconds() const { return wall_seconds_; }
  const std::string& model_name() const { return model_name_; }
  const ParameterSet& parameters() const { return params_; }
  World& world() { return world_; }
  const World& world() const { return world_; }
  const Recorder& recorder() const { return recorder_; }
  std::int64_t snapshot_every() const { return snapshot_every_; }
  /// Saves the complete state: parameters (initial and current), seed, step, recorded
  /// indicators and distributions, population, ties and the model's own state.
  void save(class StateWriter& out) const;
  /// Rebuilds a simulation from a checkpoint: setup is rerun with the saved seed and initial
  /// parameters, then the saved state replaces it. CheckpointError if the checkpoint does not
  /// match this engine version or model.
  /// With `parameters` (complete scenario entries, as for the constructor), the state continues
  /// under them: allowed only for a state saved before policy time 0 started (burn_in()), and
  /// only if every key that differs from the saved parameters is marked `policy` and the model
  /// accepts it (Model::branch); otherwise ScenarioError naming the key.
  static std::unique_ptr<Simulation> restore(const ModelDescription& model, const class StateReader& in, int threads = 0,
                                             const std::vector<ParameterEntry>* parameters = nullptr);
  /// Changes parameters between steps: `entries` are validated on top of the current values
  /// (ScenarioError on any problem, and nothing changes) and handed to the model. The
  /// `simulation.*` and `systems.*` keys are fixed once a simulation is built, and so is every
  /// key whose spec is `fixed` (it shaped the setup): a change of its value is refused, except
  /// of a `policy` key before policy time 0 has started.
  void set_parameters(const std::vector<ParameterEntry>& entries);
  void set_snapshot_sink(SnapshotSink sink) { sink_ = std::move(sink); }

 private:
  void record();
  /// Policy time 0: Model::start, then the record at time 0 (once).
  void start();
  std::int64_t advance(std::int64_t n, const std::atomic<bool>* stop, bool start_at_zero);
  /// Whether the indicators are recorded at policy time t (the schedule of record()).
  bool records_at(std::int64_t t) const { return t >= 0 && (t % record_every_ == 0 || t == horizon_); }
  template <class F>
  void in_arena(F&& f);

  std::string model_name_;
  ParameterSchema schema_;
  ParameterSet initial_params_;
  ParameterSet params_;
  std::uint64_t seed_;
  int threads_;
  std::int64_t burn_in_, horizon_, record_every_, snapshot_every_;
  std::int64_t steps_done_ = 0;
  bool started_ = false;
  double wall_seconds_ = 0.0;
  World world_;
  std::unique_ptr<Model> model_;
  std::vector<System> systems_;  // enabled systems only
  Recorder recorder_;
  SnapshotSink sink_;
  struct Arena;
  std::unique_ptr<Arena> arena_;
};

/// FNV-1a over every agent's tie block in block order (other end, weight bits, stamp, type,
/// flags) and the recorded indicators. Equal digests mean bit-identical results: the benchmarks
/// print it so that an optimisation can be shown to change nothing, and tests pin it.
std::uint64_t result_digest(const Simulation& sim);

}  // namespace socius
