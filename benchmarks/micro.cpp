// Micro-benchmarks (Google Benchmark) of the engine's hot paths: tie-graph iteration, in-place
// weight changes, proposing and applying a batch of tie events, the random streams, and
// recording one indicator step. Graphs are random with a mean degree of about 10 (the classic
// models' steady state; the community model's is similar), built once per size.
//
// Sizes: 10k, 100k, 1M agents (--benchmark_filter selects; run.py --quick runs the 100k ones).
// Thread counts are set with a TBB task arena (the `threads` argument).
#include <benchmark/benchmark.h>

#include <oneapi/tbb/task_arena.h>

#include <map>
#include <memory>
#include <vector>

#include "registry.hpp"
#include "socius/socius.hpp"

using namespace socius;

namespace {

constexpr std::uint64_t kSeed = 12345;

/// A random graph: each agent proposes `half_degree` ties to uniformly drawn others.
const TieGraph& random_graph(AgentIndex n) {
  static std::map<AgentIndex, std::unique_ptr<TieGraph>> cache;
  auto& slot = cache[n];
  if (!slot) {
    slot = std::make_unique<TieGraph>(n);
    std::vector<TieEvent> batch;
    batch.reserve(std::size_t{5} * n);
    for (AgentIndex a = 0; a < n; ++a) {
      Stream rng(kSeed, 0, a, 1);
      for (int k = 0; k < 5; ++k) {
        AgentIndex b = rng.below(n - 1);
        if (b >= a) ++b;
        batch.push_back(TieEvent::add(a, b, 1.0f + static_cast<float>(rng.below(8)), 0));
      }
    }
    slot->apply(batch);
  }
  return *slot;
}

void args_sizes(benchmark::internal::Benchmark* b) {
  for (int n : {10'000, 100'000, 1'000'000}) b->Arg(n);
}
void args_sizes_threads(benchmark::internal::Benchmark* b) {
  for (int n : {10'000, 100'000, 1'000'000})
    for (int t : {1, 2}) b->Args({n, t});
}

// Sum every half-tie's weight: the read pattern of every per-agent mechanism.
void BM_TieIterate(benchmark::State& state) {
  const auto n = static_cast<AgentIndex>(state.range(0));
  const TieGraph& g = random_graph(n);
  for (auto _ : state) {
    double s = 0.0;
    for (AgentIndex a = 0; a < n; ++a)
      for (const HalfTie& h : g.ties(a)) s += h.weight;
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 2 * static_cast<std::int64_t>(g.tie_count()));
  state.counters["ties"] = static_cast<double>(g.tie_count());
}
BENCHMARK(BM_TieIterate)->Apply(args_sizes)->Unit(benchmark::kMillisecond);

// Decay every weight in place, in parallel over agents: each owner writes its own halves (the
// same function of the same inputs keeps the two halves equal).
void BM_TieDecayInPlace(benchmark::State& state) {
  const auto n = static_cast<AgentIndex>(state.range(0));
  TieGraph g = random_graph(n);
  tbb::task_arena arena(static_cast<int>(state.range(1)));
  for (auto _ : state) {
    arena.execute([&] {
      parallel_for(0, n, [&](AgentIndex a) {
        for (HalfTie& h : g.ties(a)) h.weight = h.weight * 0.999f + 1e-3f;
      });
    });
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 2 * static_cast<std::int64_t>(g.tie_count()));
}
BENCHMARK(BM_TieDecayInPlace)->Apply(args_sizes_threads)->Unit(benchmark::kMillisecond)->UseRealTime();

/// A Kumpula-like batch for one round: three Strengthen events per agent with ties (on the
/// ties of a local search), one Add per 20 agents, one Remove per 20 agents.
std::vector<TieEvent> round_batch(const TieGraph& g, std::uint32_t round) {
  const AgentIndex n = g.agents();
  std::vector<TieEvent> out;
  out.reserve(std::size_t{4} * n);
  for (AgentIndex a = 0; a < n; ++a) {
    Stream rng(kSeed, round + 1, a, 2);
    const auto mine = g.ties(a);
    if (!mine.empty()) {
      const HalfTie& ij = mine[rng.below(static_cast<std::uint32_t>(mine.size()))];
      const auto theirs = g.ties(ij.other);
      const HalfTie& jk = theirs[rng.below(static_cast<std::uint32_t>(theirs.size()))];
      out.push_back(TieEvent::strengthen(a, ij.other, 1.0f));
      if (jk.other != a) {
        out.push_back(TieEvent::strengthen(ij.other, jk.other, 1.0f));
        out.push_back(TieEvent::strengthen(a, ij.other, 1.0f));
      }
      if (rng.below(20) == 0) out.push_back(TieEvent::remove(a, mine[rng.below(static_cast<std::uint32_t>(mine.size()))].other));
    }
    if (rng.below(20) == 0) {
      AgentIndex b = rng.below(n - 1);
      if (b >= a) ++b;
      out.push_back(TieEvent::add(a, b, 1.0f, 0));
    }
  }
  return out;
}

// Apply one round's batch (sort, removals, strengthen, adds). The graph keeps its size: adds
// and removals balance.
void BM_TieApplyBatch(benchmark::State& state) {
  const auto n = static_cast<AgentIndex>(state.range(0));
  TieGraph g = random_graph(n);
  tbb::task_arena arena(static_cast<int>(state.range(1)));
  std::uint32_t round = 0;
  std::size_t events = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto batch = round_batch(g, round++);
    events += batch.size();
    state.ResumeTiming();
    arena.execute([&] { g.apply(batch); });
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
  state.counters["events_per_batch"] = static_cast<double>(events) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_TieApplyBatch)->Apply(args_sizes_threads)->Unit(benchmark::kMillisecond)->UseRealTime();

// Propose a batch in parallel (per-thread buffers), then apply it: one Kumpula-like round of
// tie changes end to end.
void BM_TieProposeApply(benchmark::State& state) {
  const auto n = static_cast<AgentIndex>(state.range(0));
  TieGraph g = random_graph(n);
  tbb::task_arena arena(static_cast<int>(state.range(1)));
  EventBuffer buffer;
  std::uint32_t round = 0;
  for (auto _ : state) {
    arena.execute([&] {
      parallel_for(0, n, [&](AgentIndex a) {
        Stream rng(kSeed, round + 1, a, 3);
        auto& out = buffer.local();
        const auto mine = g.ties(a);
        if (!mine.empty()) {
          const HalfTie& ij = mine[rng.below(static_cast<std::uint32_t>(mine.size()))];
          out.push_back(TieEvent::strengthen(a, ij.other, 1.0f));
          if (rng.below(20) == 0) out.push_back(TieEvent::remove(a, ij.other));
        }
        if (rng.below(20) == 0) {
          AgentIndex b = rng.below(n - 1);
          if (b >= a) ++b;
          out.push_back(TieEvent::add(a, b, 1.0f, 0));
        }
      });
      auto batch = buffer.take();
      g.apply(batch);
    });
    ++round;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
}
BENCHMARK(BM_TieProposeApply)->Apply(args_sizes_threads)->Unit(benchmark::kMillisecond)->UseRealTime();

// Philox4x32-10: successive uniforms from one stream.
void BM_StreamUniform(benchmark::State& state) {
  Stream rng(kSeed, 1, 2, 3);
  for (auto _ : state) benchmark::DoNotOptimize(rng.uniform());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_StreamUniform);

// The per-agent pattern: a fresh stream for (seed, step, agent, purpose), then a few draws.
void BM_StreamPerAgent(benchmark::State& state) {
  std::uint32_t a = 0;
  for (auto _ : state) {
    Stream rng(kSeed, 7, a++, 3);
    benchmark::DoNotOptimize(rng.uniform());
    benchmark::DoNotOptimize(rng.below(1000));
    benchmark::DoNotOptimize(rng.bernoulli(0.3));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_StreamPerAgent);

void BM_Philox(benchmark::State& state) {
  std::array<std::uint32_t, 4> c{1, 2, 3, 0};
  for (auto _ : state) {
    benchmark::DoNotOptimize(philox4x32_10(c, {5, 6}));
    ++c[3];
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Philox);

// Recording one indicator step: the model's measure() on its state. For the classic models the
// state is the random graph above; models that build their own population (the community
// model) are set up at the given size.
void BM_RecordIndicators(benchmark::State& state, const char* model_name) {
  const auto n = static_cast<AgentIndex>(state.range(0));
  const auto& model = models::find(model_name);
  const auto schema = model.full_schema();
  const auto params = resolve_parameters(model, schema, {{"simulation.population", std::int64_t{n}, "bench"}});
  auto m = model.create(params);
  World world;
  StepContext ctx{kSeed, 0, 0};
  tbb::task_arena arena(static_cast<int>(state.range(1)));
  arena.execute([&] { m->setup(world, ctx); });
  if (world.ties.tie_count() == 0 && world.ties.agents() == n) world.ties = random_graph(n);
  const auto spec = m->indicators();
  std::vector<double> out(spec.groups.size() * spec.indicators.size());
  for (auto _ : state) arena.execute([&] { m->measure(world, ctx, out.data()); });
  state.counters["indicators"] = static_cast<double>(out.size());
}
BENCHMARK_CAPTURE(BM_RecordIndicators, kumpula, "kumpula")
    ->Args({10'000, 2})->Args({100'000, 2})->Args({1'000'000, 2})->Unit(benchmark::kMillisecond)->UseRealTime();
// The community model at time 0 records everything, the largest component of social ties and
// the sampled clustering included.
BENCHMARK_CAPTURE(BM_RecordIndicators, community, "community")
    ->Args({100'000, 2})->Args({1'000'000, 2})->Unit(benchmark::kMillisecond)->UseRealTime();

// The overlap-against-weight curve and its rank correlation (netstats::overlap_by_weight) on the
// random graph with continuous, heavy-tailed weights (as Kumpula's are), so that ordering the
// ties by weight is real work: the common-neighbour pass plus the sorts.
void BM_OverlapByWeight(benchmark::State& state) {
  const auto n = static_cast<AgentIndex>(state.range(0));
  TieGraph g = random_graph(n);
  std::vector<TieEvent> reweigh;
  for (const auto& e : g.edges()) {
    Stream rng(kSeed, 1, e.source, e.target);
    const double u = rng.uniform();
    reweigh.push_back(TieEvent::strengthen(e.source, e.target, static_cast<float>(1000.0 * u * u * u)));
  }
  g.apply(reweigh);
  tbb::task_arena arena(static_cast<int>(state.range(1)));
  for (auto _ : state) arena.execute([&] { benchmark::DoNotOptimize(netstats::overlap_by_weight(g, 20)); });
  state.counters["ties"] = static_cast<double>(g.tie_count());
}
BENCHMARK(BM_OverlapByWeight)->Args({1'000'000, 2})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
