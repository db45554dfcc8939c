// The tie graph: undirected, weighted, typed ties with per-agent adjacency blocks (after STINGER
// and NetworKit's GraphBuilder). Each tie is stored as two half-ties, one in each endpoint's
// block, and each half knows where its twin is. Weights change in place; insertions and
// deletions arrive as a batch of events that one deterministic step sorts and applies, so
// parallel code can propose changes without locks and the result never depends on threads.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>
#include <span>
#include <string>
#include <vector>

namespace socius {

using AgentIndex = std::uint32_t;
using TieType = std::uint8_t;
inline constexpr AgentIndex kNoAgent = 0xFFFFFFFFu;

/// One endpoint's view of a tie. The owner may write `weight` and `stamp` of its own halves in
/// parallel loops; a model that changes a weight must change the twin's in the same way (both
/// owners computing the same function of the same inputs keeps the two equal).
struct HalfTie {
  AgentIndex other;     ///< the agent at the other end
  float weight;         ///< strength; the engine keeps both halves equal
  std::uint32_t twin;   ///< position of the other half in the entry array
  std::uint16_t stamp;  ///< free for the model, e.g. the last step (mod 2^16) the tie was used
  TieType type;         ///< model-defined type (kin, friend, ...)
  std::uint8_t flags;   ///< free for the model
};
static_assert(sizeof(HalfTie) == 16);

enum class TieOp : std::uint8_t {
  RemoveAll = 0,   ///< agent u loses every tie (v ignored)
  Remove = 1,      ///< the tie u-v, if any, is removed
  Strengthen = 2,  ///< weight += `weight` on an existing tie u-v (increments add up)
  Add = 3,         ///< create u-v with `weight` and `type` if absent; an existing tie is kept
};

/// A proposed change. Pairs are unordered: (u, v) and (v, u) mean the same tie.
struct TieEvent {
  TieOp op;
  TieType type;
  AgentIndex u;
  AgentIndex v;
  float weight;

  static TieEvent add(AgentIndex u, AgentIndex v, float w, TieType t) { return {TieOp::Add, t, u, v, w}; }
  static TieEvent remove(AgentIndex u, AgentIndex v) { return {TieOp::Remove, 0, u, v, 0.0f}; }
  static TieEvent strengthen(AgentIndex u, AgentIndex v, float dw) { return {TieOp::Strengthen, 0, u, v, dw}; }
  static TieEvent remove_all(AgentIndex u) { return {TieOp::RemoveAll, 0, u, kNoAgent, 0.0f}; }
};

/// What a batch did, for accounting and tests.
struct BatchSummary {
  std::size_t removed = 0;
  std::size_t strengthened = 0;
  std::size_t added = 0;
  std::size_t ignored = 0;  ///< events on absent ties, or adds of ties that already exist
};

/// One tie seen from its lower endpoint, for snapshots and exports.
struct Edge {
  AgentIndex source;
  AgentIndex target;
  float weight;
  TieType type;
};

namespace detail {
/// Memory for large arrays read at random (the tie entries): 2 MiB-aligned, and marked for
/// transparent huge pages where the kernel offers them on request, which cuts the TLB misses of
/// reaching another agent's ties. Small requests use plain new.
void* huge_allocate(std::size_t bytes);
void huge_deallocate(void* p, std::size_t bytes) noexcept;

template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(huge_allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { huge_deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept { return true; }
};
/// A range of address space reserved once and made usable as it is needed: growing it never
/// copies and never holds two arrays at once (a std::vector that outgrows its capacity has the
/// old and the new array resident while it copies, a transient as large as the array). When the
/// reservation itself is outgrown, a larger one is reserved and the pages are moved into it by
/// the kernel (mremap), again without copying. Reservations are 2 MiB-aligned and large ones are
/// marked for transparent huge pages (huge_allocate's advice, SOCIUS_NO_THP=1 turns it off).
class Reservation {
 public:
  Reservation() = default;
  ~Reservation();
  Reservation(Reservation&& o) noexcept;
  Reservation& operator=(Reservation&& o) noexcept;
  Reservation(const Reservation&) = delete;
  Reservation& operator=(const Reservation&) = delete;
  char* data() const { return base_; }
  /// Bytes usable from data() (what commit() last made usable).
  std::size_t committed() const { return committed_; }
  /// Makes at least `bytes` usable, keeping the content; data() may change.
  void commit(std::size_t bytes);

 private:
  char* base_ = nullptr;
  std::size_t reserved_ = 0, committed_ = 0;
};

/// A growable array of a trivially copyable type in a Reservation: the tie entries. Elements
/// beyond the size are zero when the array grows over them (fresh pages are zero; pages used
/// before are cleared), as std::vector's value-initialisation would make them.
template <class T>
class ReservedArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  ReservedArray() = default;
  explicit ReservedArray(std::size_t n) { resize(n); }
  ReservedArray(const ReservedArray& o) { *this = o; }
  ReservedArray& operator=(const ReservedArray& o) {
    if (this != &o) {
      resize(0);
      resize(o.size_);
      if (o.size_) std::memcpy(data(), o.data(), o.size_ * sizeof(T));
    }
    return *this;
  }
  ReservedArray(ReservedArray&& o) noexcept
      : mem_(std::move(o.mem_)), size_(std::exchange(o.size_, 0)), touched_(std::exchange(o.touched_, 0)) {}
  ReservedArray& operator=(ReservedArray&& o) noexcept {
    mem_ = std::move(o.mem_);
    size_ = std::exchange(o.size_, 0);
    touched_ = std::exchange(o.touched_, 0);
    return *this;
  }

  T* data() { return reinterpret_cast<T*>(mem_.data()); }
  const T* data() const { return reinterpret_cast<const T*>(mem_.data()); }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return mem_.committed() / sizeof(T); }
  T& operator[](std::size_t i) { return data()[i]; }
  const T& operator[](std::size_t i) const { return data()[i]; }
  void resize(std::size_t n) {
    if (n > size_) {
      mem_.commit(n * sizeof(T));
      const std::size_t dirty = std::min(n, touched_);
      if (dirty > size_) std::memset(static_cast<void*>(data() + size_), 0, (dirty - size_) * sizeof(T));
      touched_ = std::max(touched_, n);
    }
    size_ = n;
  }

 private:
  Reservation mem_;
  std::size_t size_ = 0;
  std::size_t touched_ = 0;  // elements ever in use: beyond them the pages are still zero
};
}  // namespace detail

class TieGraph {
 public:
  explicit TieGraph(AgentIndex agents = 0) { resize(agents); }

  /// Grows the agent set (new agents have no ties). Shrinking is not supported.
  void resize(AgentIndex agents);
  AgentIndex agents() const { return static_cast<AgentIndex>(block_.size()); }

  std::uint32_t degree(AgentIndex a) const { return block_[a].degree; }
  std::span<HalfTie> ties(AgentIndex a) { return {entries_.data() + block_[a].offset, block_[a].degree}; }
  std::span<const HalfTie> ties(AgentIndex a) const { return {entries_.data() + block_[a].offset, block_[a].degree}; }
  /// Hints that agent a's block record (where its ties are) will be read soon.
  void prefetch(AgentIndex a) const { __builtin_prefetch(&block_[a]); }
  /// Hints that agent a's ties will be read soon (the first 4 cache lines of its block).
  void prefetch_ties(AgentIndex a) const {
    const HalfTie* p = entries_.data() + block_[a].offset;
    const std::uint32_t d = block_[a].degree;
    for (std::uint32_t i = 0; i < d && i < 16; i += 4) __builtin_prefetch(p + i);
  }
  /// The other half of a half-tie.
  HalfTie& twin(const HalfTie& h) { return entries_[h.twin]; }
  const HalfTie& twin(const HalfTie& h) const { return entries_[h.twin]; }
  /// Position of tie a-b in a's block, or -1. Linear in a's degree.
  std::int64_t find(AgentIndex a, AgentIndex b) const;

  /// Number of undirected ties.
  std::size_t tie_count() const { return ties_; }

  /// Applies a batch: events are sorted into a canonical order, so the result depends only on
  /// the multiset of events. Order of effect: RemoveAll, Remove, Strengthen (summed per pair,
  /// on ties that exist after removals), then Add (for each absent pair, the proposal with the
  /// largest weight, then the smallest type, wins). Self-ties and out-of-range agents throw
  /// InvariantError before anything changes. The vector is sorted in place.
  BatchSummary apply(std::vector<TieEvent>& events);
  /// The same, with the sort's second buffer supplied by the caller (its content is overwritten;
  /// it may trade memory with `events`). For a caller that applies a large batch every step and
  /// keeps both vectors, so that the sort does not map, fault in and unmap fresh pages each time.
  BatchSummary apply(std::vector<TieEvent>& events, std::vector<TieEvent>& scratch);

  /// Makes room in each agent a's block for extra[a] more half-ties (extra has agents() entries):
  /// each block that would overflow moves once, in agent order, to room for them and a quarter
  /// more, as a large batch of additions moves it. For one batch of additions applied in parts
  /// (a model's initial ties, part by part in canonical pair order, so that the whole batch is
  /// never held at once; issue 18): without it a block gaining ties in several parts would move
  /// once a part, abandoning its room each time. The room counts as needed (compaction does not
  /// reclaim it) until that many half-ties have been added or reserve({}) ends it. Where blocks
  /// sit never changes a result (only the order within a block does, which moving keeps).
  void reserve(std::span<const std::uint32_t> extra);

  /// Every tie once, with source < target, ordered by (source, position in block).
  std::vector<Edge> edges() const;

  /// Checks symmetry, twins, no self-ties, no duplicates, finite positive weights, and that the
  /// blocks agree with the tie count. Returns an empty string when all hold, else the first
  /// violation.
  std::string check() const;

  /// Saves every agent's ties in block order (the order matters: models pick ties by position).
  void save(class StateWriter& out) const;
  /// Replaces the graph with a saved one; CheckpointError if the saved graph is inconsistent.
  void load(const class StateReader& in);

  /// Bytes held by the graph (entries including slack, and per-agent bookkeeping).
  std::size_t memory_bytes() const;

 private:
  void remove_half(AgentIndex a, std::uint32_t pos);  // swap-remove, fixing the moved twin
  void remove_tie(AgentIndex a, std::uint32_t pos);   // both halves
  void push_half(AgentIndex a, const HalfTie& h);     // grows the block when full
  void relocate(AgentIndex a, std::uint32_t capacity);
  void compact();
  // Applies canonical events in sort_events order (the body of apply).
  BatchSummary apply_sorted(const std::vector<TieEvent>& events);
  // Checks every event and puts it in canonical form (u < v; unused fields zeroed). Throws
  // InvariantError naming the first bad event.
  void canonicalise(std::vector<TieEvent>& events) const;

  // The half-ties of every block, in one array that grows without a copy (no transient that
  // doubles it; issue 18).
  detail::ReservedArray<HalfTie> entries_;
  // Where each agent's block starts and how many of its entries are used, side by side so
  // that reaching another agent's ties costs one cache miss for both.
  struct Block {
    std::uint32_t offset;
    std::uint32_t degree;
  };
  std::vector<Block, detail::HugePageAllocator<Block>> block_;
  std::vector<std::uint32_t> capacity_;
  std::size_t ties_ = 0;
  std::size_t wasted_ = 0;  // entries in abandoned blocks
  std::size_t reserved_ = 0;  // half-ties reserve() made room for that have not yet been added
};

}  // namespace socius
