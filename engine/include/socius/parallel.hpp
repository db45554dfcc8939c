// Parallel loops that keep results independent of the number of threads: loops over agents
// where each iteration writes only its own agent's state; sums with a fixed reduction tree;
// per-thread buffers of proposed tie events whose merged content (not order) is what matters,
// because TieGraph::apply sorts the batch.
#pragma once

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/partitioner.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "socius/ties.hpp"

namespace socius {

/// Agents per task. Fixed, so that deterministic reductions split the same way for any thread
/// count.
inline constexpr AgentIndex kGrain = 1024;

/// Calls f(a) for every agent a in [begin, end), in parallel in the current task arena.
template <class F>
void parallel_for(AgentIndex begin, AgentIndex end, F&& f) {
  tbb::parallel_for(tbb::blocked_range<AgentIndex>(begin, end, kGrain),
                    [&](const tbb::blocked_range<AgentIndex>& r) {
                      for (AgentIndex a = r.begin(); a != r.end(); ++a) f(a);
                    });
}

/// Calls f(lo, hi) for consecutive blocks of agents [lo, hi) covering [begin, end), in
/// parallel; for loops that handle a few agents at a time (e.g. to overlap their memory
/// accesses) or set up per-block state once.
template <class F>
void parallel_for_blocks(AgentIndex begin, AgentIndex end, F&& f) {
  tbb::parallel_for(tbb::blocked_range<AgentIndex>(begin, end, kGrain),
                    [&](const tbb::blocked_range<AgentIndex>& r) { f(r.begin(), r.end()); });
}

/// Sum of f(a) over [begin, end) with a reduction tree fixed by the range and grain alone, so
/// the floating-point result is bit-identical for any number of threads.
template <class T, class F>
T parallel_sum(AgentIndex begin, AgentIndex end, F&& f) {
  return tbb::parallel_deterministic_reduce(
      tbb::blocked_range<AgentIndex>(begin, end, kGrain), T{},
      [&](const tbb::blocked_range<AgentIndex>& r, T acc) {
        for (AgentIndex a = r.begin(); a != r.end(); ++a) acc += f(a);
        return acc;
      },
      [](T x, T y) { return x + y; }, tbb::simple_partitioner());
}

namespace detail {
/// Replaces `all` with the concatenation of `parts` (vectors, in their iteration order); with
/// `release`, each part's memory is freed as it is copied, so that the parts and the whole are
/// not all resident at the peak.
template <class T, class Parts>
void join(std::vector<T>& all, Parts& parts, bool release) {
  std::size_t n = 0;
  for (const auto& p : parts) n += p.size();
  all.clear();
  all.reserve(n);
  for (auto& p : parts) {
    all.insert(all.end(), p.begin(), p.end());
    if (release) {
      std::vector<T>().swap(p);
    } else {
      p.clear();
    }
  }
}
}  // namespace detail

/// The items f(a, out) appends for each agent a in [begin, end), in agent order (and, for one
/// agent, in the order f appended them) whatever the number of threads: blocks of agents fill
/// their own vectors in parallel, which are then joined in block order. For a serial pass that
/// reads every agent to pick out a few (a waiting list, the agents an event touches).
template <class T, class F>
std::vector<T> parallel_gather(AgentIndex begin, AgentIndex end, F&& f) {
  if (end <= begin) return {};
  constexpr AgentIndex kBlock = 8 * kGrain;
  const std::size_t blocks = (static_cast<std::size_t>(end - begin) + kBlock - 1) / kBlock;
  std::vector<std::vector<T>> parts(blocks);
  tbb::parallel_for(std::size_t{0}, blocks, [&](std::size_t b) {
    const AgentIndex lo = begin + static_cast<AgentIndex>(b * kBlock);
    const AgentIndex hi = static_cast<AgentIndex>(std::min<std::size_t>(end, std::size_t{lo} + kBlock));
    for (AgentIndex a = lo; a != hi; ++a) f(a, parts[b]);
  });
  std::vector<T> all;
  detail::join(all, parts, true);
  return all;
}

/// Per-thread buffers of proposed tie events. `local()` is safe to call from any task; `take()`
/// merges them (the order is irrelevant: TieGraph::apply sorts).
class EventBuffer {
 public:
  std::vector<TieEvent>& local() { return buffers_.local(); }
  /// The merged events, releasing each thread's buffer as it is copied: for a one-off batch
  /// (e.g. a model's initial ties), whose per-thread buffers would otherwise stay resident
  /// beside the merged copy and the sort's scratch (a third copy of the batch at the peak).
  std::vector<TieEvent> take() {
    std::vector<TieEvent> all;
    detail::join(all, buffers_, true);
    return all;
  }
  /// The same into `all` (replacing its content), reusing its memory: for a batch taken every
  /// step, so that a large batch does not map and fault in fresh pages each time.
  void take(std::vector<TieEvent>& all) { detail::join(all, buffers_, false); }

 private:
  tbb::enumerable_thread_specific<std::vector<TieEvent>> buffers_;
};

}  // namespace socius
