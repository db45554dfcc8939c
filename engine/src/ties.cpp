#include "socius/ties.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>
#include <limits>

#include <oneapi/tbb/parallel_for.h>

#include "socius/checkpoint.hpp"
#include "socius/errors.hpp"

namespace socius {

namespace detail {
namespace {
constexpr std::size_t kHugePage = std::size_t{2} << 20;
}
void* huge_allocate(std::size_t bytes) {
  if (bytes < kHugePage) return ::operator new(bytes);
  const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, rounded);
  if (!p) throw std::bad_alloc();
  // Advice only: without huge pages it still works. SOCIUS_NO_THP=1 turns it off (first-touch
  // faults of huge pages are slow on some virtual machines; docs/engine.md).
  static const bool off = std::getenv("SOCIUS_NO_THP") != nullptr;
  if (!off) ::madvise(p, rounded, MADV_HUGEPAGE);
  return p;
}
void huge_deallocate(void* p, std::size_t bytes) noexcept {
  if (bytes < kHugePage) ::operator delete(p);
  else std::free(p);
}

Reservation::~Reservation() {
  if (base_) ::munmap(base_, reserved_);
}

Reservation::Reservation(Reservation&& o) noexcept
    : base_(std::exchange(o.base_, nullptr)), reserved_(std::exchange(o.reserved_, 0)), committed_(std::exchange(o.committed_, 0)) {}

Reservation& Reservation::operator=(Reservation&& o) noexcept {
  if (this != &o) {
    if (base_) ::munmap(base_, reserved_);
    base_ = std::exchange(o.base_, nullptr);
    reserved_ = std::exchange(o.reserved_, 0);
    committed_ = std::exchange(o.committed_, 0);
  }
  return *this;
}

void Reservation::commit(std::size_t bytes) {
  if (bytes <= committed_) return;
  // Small arrays grow in steps of 64 KiB, large ones in whole huge pages.
  const std::size_t step = bytes < kHugePage ? (std::size_t{64} << 10) : kHugePage;
  const std::size_t want = (bytes + step - 1) / step * step;
  if (want > reserved_) {
    // A new 2 MiB-aligned reservation, at least twice the old one (address space only: nothing
    // is resident until written), and the committed pages moved into it without copying.
    const std::size_t size = std::max({want * 2, reserved_ * 2, std::size_t{64} << 20});
    void* raw = ::mmap(nullptr, size + kHugePage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    char* r = static_cast<char*>(raw);
    char* aligned = reinterpret_cast<char*>((reinterpret_cast<std::uintptr_t>(r) + kHugePage - 1) / kHugePage * kHugePage);
    if (aligned > r) ::munmap(r, static_cast<std::size_t>(aligned - r));
    const std::size_t tail = static_cast<std::size_t>(r + size + kHugePage - (aligned + size));
    if (tail) ::munmap(aligned + size, tail);
    if (committed_ > 0) {
      if (::mremap(base_, committed_, committed_, MREMAP_MAYMOVE | MREMAP_FIXED, aligned) == MAP_FAILED) {
        // The kernel moves one mapping at a time; should the committed range be several, copy.
        if (::mprotect(aligned, committed_, PROT_READ | PROT_WRITE) != 0) {
          ::munmap(aligned, size);
          throw std::bad_alloc();
        }
        std::memcpy(aligned, base_, committed_);
        ::munmap(base_, reserved_);
      } else if (reserved_ > committed_) {
        ::munmap(base_ + committed_, reserved_ - committed_);
      }
    } else if (base_) {
      ::munmap(base_, reserved_);
    }
    base_ = aligned;
    reserved_ = size;
  }
  if (::mprotect(base_ + committed_, want - committed_, PROT_READ | PROT_WRITE) != 0) throw std::bad_alloc();
  static const bool off = std::getenv("SOCIUS_NO_THP") != nullptr;
  // The whole committed range alike, so that it stays one mapping (which mremap can move).
  if (!off && want >= kHugePage) ::madvise(base_, want, MADV_HUGEPAGE);
  committed_ = want;
}
}  // namespace detail

namespace {
constexpr std::uint32_t kUnset = 0xFFFFFFFFu;

bool event_less(const TieEvent& a, const TieEvent& b) {
  if (a.op != b.op) return a.op < b.op;
  if (a.u != b.u) return a.u < b.u;
  if (a.v != b.v) return a.v < b.v;
  if (a.weight != b.weight) return a.weight < b.weight;
  return a.type < b.type;
}

/// Calls f(lo, hi, chunk) in parallel for consecutive chunks of about `grain` elements of
/// [begin, end). A boundary never falls inside a group (a run in which same(i - 1, i) holds), so
/// each group is handled whole by one call. Chunks depend on the data alone, never on threads.
template <class Same, class F>
void parallel_groups(std::size_t begin, std::size_t end, std::size_t grain, Same same, F f) {
  if (end <= begin) return;
  const std::size_t chunks = (end - begin + grain - 1) / grain;
  if (chunks == 1) {  // small batches (e.g. one event at a time) allocate nothing
    f(begin, end, std::size_t{0});
    return;
  }
  std::vector<std::size_t> cut(chunks + 1, end);
  cut[0] = begin;
  for (std::size_t c = 1; c < chunks; ++c) {
    std::size_t i = std::max(begin + c * grain, cut[c - 1]);
    while (i < end && i > begin && same(i - 1, i)) ++i;
    cut[c] = i;
  }
  tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t c) {
    if (cut[c] < cut[c + 1]) f(cut[c], cut[c + 1], c);
  });
}

constexpr std::size_t kApplyGrain = std::size_t{1} << 13;  // events per parallel chunk

/// Sorts canonical events (u < v, or v = kNoAgent for RemoveAll) into event_less order. Large
/// batches (a parallel round proposes one or more events per agent) use a least-significant-
/// digit radix sort on (op, u, v) packed into 64 bits, then order each run of equal (op, u, v)
/// by (weight, type): several times faster than a comparison sort, and the result is the same
/// sequence, since event_less is a total order on the fields. Each radix pass counts and
/// scatters chunks of the batch in parallel; a stable sort has one result, so the output does
/// not depend on the chunks or the threads. A pass whose digit is the same for every event is
/// skipped (e.g. the operation bits of a batch of Strengthen events).
void sort_events(std::vector<TieEvent>& events, AgentIndex agents, std::vector<TieEvent>& tmp) {
  const std::size_t m = events.size();
  const unsigned b = static_cast<unsigned>(std::bit_width(static_cast<std::uint64_t>(agents)));  // kNoAgent packs as `agents`
  if (m < 512 || 2 * b + 2 > 64) {
    std::sort(events.begin(), events.end(), [](const TieEvent& x, const TieEvent& y) { return event_less(x, y); });
    return;
  }
  const auto key = [b, agents](const TieEvent& e) {
    const std::uint64_t v = e.v == kNoAgent ? agents : e.v;
    return (static_cast<std::uint64_t>(e.op) << (2 * b)) | (static_cast<std::uint64_t>(e.u) << b) | v;
  };
  constexpr unsigned kDigit = 11;
  constexpr std::size_t kBuckets = std::size_t{1} << kDigit;
  // At most about 32 chunks (the digit offsets are summed serially over chunks x buckets), and
  // at least 16,384 events each; the sorted result does not depend on the chunks.
  const std::size_t kChunk = std::max<std::size_t>(std::size_t{1} << 14, (m + 31) / 32);
  const std::size_t chunks = (m + kChunk - 1) / kChunk;
  tmp.resize(m);  // `tmp` and `events` trade buffers at each pass; both keep their capacity
  std::vector<std::size_t> count(chunks * kBuckets);  // count[c * kBuckets + digit]
  for (unsigned shift = 0; shift < 2 * b + 2; shift += kDigit) {
    tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t c) {
      std::size_t* cc = count.data() + c * kBuckets;
      std::fill(cc, cc + kBuckets, 0);
      const std::size_t hi = std::min(m, (c + 1) * kChunk);
      for (std::size_t i = c * kChunk; i < hi; ++i) ++cc[(key(events[i]) >> shift) & (kBuckets - 1)];
    });
    // Where each chunk's events of each digit go: digits in order, chunks in order within a
    // digit (what keeps the sort stable).
    std::size_t sum = 0, used = 0;
    for (std::size_t d = 0; d < kBuckets; ++d) {
      std::size_t digit_total = 0;
      for (std::size_t c = 0; c < chunks; ++c) {
        const std::size_t here = count[c * kBuckets + d];
        count[c * kBuckets + d] = sum;
        sum += here;
        digit_total += here;
      }
      used += digit_total != 0;
    }
    if (used == 1) continue;  // every event has this digit: the pass would change nothing
    tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t c) {
      std::size_t* cc = count.data() + c * kBuckets;
      const std::size_t hi = std::min(m, (c + 1) * kChunk);
      for (std::size_t i = c * kChunk; i < hi; ++i) tmp[cc[(key(events[i]) >> shift) & (kBuckets - 1)]++] = events[i];
    });
    events.swap(tmp);
  }
  parallel_groups(0, m, kApplyGrain, [&](std::size_t i, std::size_t j) { return key(events[i]) == key(events[j]); },
                  [&](std::size_t lo, std::size_t hi, std::size_t) {
                    for (std::size_t i = lo; i < hi;) {
                      std::size_t j = i + 1;
                      const std::uint64_t k = key(events[i]);
                      while (j < hi && key(events[j]) == k) ++j;
                      if (j - i > 1) {
                        std::sort(events.begin() + static_cast<std::ptrdiff_t>(i), events.begin() + static_cast<std::ptrdiff_t>(j),
                                  [](const TieEvent& x, const TieEvent& y) { return event_less(x, y); });
                      }
                      i = j;
                    }
                  });
}
}  // namespace

void TieGraph::resize(AgentIndex agents) {
  if (agents < this->agents()) throw InvariantError("TieGraph::resize cannot shrink the agent set");
  const auto end = static_cast<std::uint32_t>(entries_.size());
  block_.resize(agents, Block{end, 0});
  capacity_.resize(agents, 0);
}

std::int64_t TieGraph::find(AgentIndex a, AgentIndex b) const {
  const auto block = ties(a);
  for (std::size_t i = 0; i < block.size(); ++i) {
    if (block[i].other == b) return static_cast<std::int64_t>(i);
  }
  return -1;
}

void TieGraph::relocate(AgentIndex a, std::uint32_t capacity) {
  const std::size_t start = entries_.size();
  if (start + capacity > std::numeric_limits<std::uint32_t>::max() - 1) {
    compact();  // reclaim abandoned blocks before giving up
    if (entries_.size() + capacity > std::numeric_limits<std::uint32_t>::max() - 1) {
      throw Error("tie graph is full: more than 4 billion half-ties");
    }
    relocate(a, capacity);
    return;
  }
  entries_.resize(start + capacity);
  const std::uint32_t old = block_[a].offset;
  for (std::uint32_t i = 0; i < block_[a].degree; ++i) {
    entries_[start + i] = entries_[old + i];
    const std::uint32_t t = entries_[start + i].twin;
    if (t != kUnset) entries_[t].twin = static_cast<std::uint32_t>(start + i);
  }
  wasted_ += capacity_[a];
  block_[a].offset = static_cast<std::uint32_t>(start);
  capacity_[a] = capacity;
}

void TieGraph::push_half(AgentIndex a, const HalfTie& h) {
  if (block_[a].degree == capacity_[a]) relocate(a, std::max<std::uint32_t>(4, 2 * capacity_[a]));
  entries_[block_[a].offset + block_[a].degree] = h;
  ++block_[a].degree;
}

void TieGraph::remove_half(AgentIndex a, std::uint32_t pos) {
  const std::uint32_t base = block_[a].offset;
  const std::uint32_t last = block_[a].degree - 1;
  if (pos != last) {
    entries_[base + pos] = entries_[base + last];
    entries_[entries_[base + pos].twin].twin = base + pos;
  }
  --block_[a].degree;
}

void TieGraph::remove_tie(AgentIndex a, std::uint32_t pos) {
  const HalfTie h = entries_[block_[a].offset + pos];
  remove_half(h.other, h.twin - block_[h.other].offset);
  remove_half(a, pos);
  --ties_;
}

void TieGraph::compact() {
  // Blocks are copied in agent order with room for a quarter more ties; each old entry's twin
  // field then records where that entry went (the old array is discarded), so remapping the
  // twins needs no array of its own and the transient is the new array alone. Agents are taken
  // in fixed ranges: each range's start is a prefix sum of the ranges before it, so the layout
  // is the serial one whatever the number of threads, and each pass writes only its own
  // agents' entries (the second reads the first's remap of other agents' old entries).
  const AgentIndex n = agents();
  const auto room = [](std::uint32_t d) { return d + d / 4 + 2; };
  constexpr AgentIndex kRange = AgentIndex{1} << 14;
  const std::size_t ranges = (static_cast<std::size_t>(n) + kRange - 1) / kRange;
  std::vector<std::size_t> start(ranges + 1, 0);
  tbb::parallel_for(std::size_t{0}, ranges, [&](std::size_t r) {
    const AgentIndex hi = static_cast<AgentIndex>(std::min<std::size_t>(n, (r + 1) * kRange));
    std::size_t total = 0;
    for (AgentIndex a = static_cast<AgentIndex>(r * kRange); a < hi; ++a) total += room(block_[a].degree);
    start[r + 1] = total;
  });
  for (std::size_t r = 0; r < ranges; ++r) start[r + 1] += start[r];
  decltype(entries_) fresh(start[ranges]);
  tbb::parallel_for(std::size_t{0}, ranges, [&](std::size_t r) {
    const AgentIndex hi = static_cast<AgentIndex>(std::min<std::size_t>(n, (r + 1) * kRange));
    auto next = static_cast<std::uint32_t>(start[r]);
    for (AgentIndex a = static_cast<AgentIndex>(r * kRange); a < hi; ++a) {
      const std::uint32_t from = block_[a].offset;
      for (std::uint32_t i = 0; i < block_[a].degree; ++i) {
        fresh[next + i] = entries_[from + i];
        entries_[from + i].twin = next + i;
      }
      block_[a].offset = next;
      capacity_[a] = room(block_[a].degree);
      next += capacity_[a];
    }
  });
  tbb::parallel_for(std::size_t{0}, ranges, [&](std::size_t r) {
    const AgentIndex hi = static_cast<AgentIndex>(std::min<std::size_t>(n, (r + 1) * kRange));
    for (AgentIndex a = static_cast<AgentIndex>(r * kRange); a < hi; ++a) {
      for (std::uint32_t i = 0; i < block_[a].degree; ++i) {
        HalfTie& h = fresh[block_[a].offset + i];
        if (h.twin != kUnset) h.twin = entries_[h.twin].twin;
      }
    }
  });
  entries_ = std::move(fresh);
  wasted_ = 0;
}

void TieGraph::canonicalise(std::vector<TieEvent>& events) const {
  const AgentIndex n = agents();
  // Checked in parallel; on a problem, the serial pass below reports the first one, so the
  // message does not depend on threads.
  std::atomic<bool> bad{false};
  const auto fix = [n](TieEvent& e) {
    if (e.u >= n) return false;
    if (e.op == TieOp::RemoveAll) {
      e.v = kNoAgent;
      e.weight = 0.0f;
      e.type = 0;
      return true;
    }
    if (e.v >= n || e.u == e.v) return false;
    if (!std::isfinite(e.weight) || (e.op == TieOp::Add && !(e.weight > 0.0f))) return false;
    if (e.u > e.v) std::swap(e.u, e.v);
    if (e.op == TieOp::Remove) {
      e.weight = 0.0f;
      e.type = 0;
    }
    if (e.op == TieOp::Strengthen) e.type = 0;
    return true;
  };
  const auto canonical = [&](std::size_t lo, std::size_t hi, std::size_t) {
    bool ok = true;
    for (std::size_t i = lo; i < hi; ++i) {
      TieEvent e = events[i];
      if (fix(e)) events[i] = e;
      else ok = false;
    }
    if (!ok) bad.store(true, std::memory_order_relaxed);
  };
  parallel_groups(0, events.size(), kApplyGrain, [](std::size_t, std::size_t) { return false; }, canonical);
  if (!bad.load()) return;
  for (const auto& e : events) {
    if (e.u >= n) throw InvariantError("tie event names agent " + std::to_string(e.u) + " of " + std::to_string(n));
    if (e.op == TieOp::RemoveAll) continue;
    if (e.v >= n) throw InvariantError("tie event names agent " + std::to_string(e.v) + " of " + std::to_string(n));
    if (e.u == e.v) throw InvariantError("tie event would tie agent " + std::to_string(e.u) + " to itself");
    if (!std::isfinite(e.weight) || (e.op == TieOp::Add && !(e.weight > 0.0f))) {
      throw InvariantError("tie event has an invalid weight " + std::to_string(e.weight));
    }
  }
}

BatchSummary TieGraph::apply(std::vector<TieEvent>& events) {
  canonicalise(events);
  {
    // Freed before the batch is applied, so that it is not resident while the tie array may
    // be reallocating (the peak of a large batch, e.g. a model's initial ties).
    std::vector<TieEvent> scratch;
    sort_events(events, agents(), scratch);
  }
  return apply_sorted(events);
}

BatchSummary TieGraph::apply(std::vector<TieEvent>& events, std::vector<TieEvent>& scratch) {
  canonicalise(events);
  sort_events(events, agents(), scratch);
  return apply_sorted(events);
}

BatchSummary TieGraph::apply_sorted(const std::vector<TieEvent>& events) {
  BatchSummary summary;
  std::size_t i = 0;
  const std::size_t m = events.size();
  // RemoveAll and Remove (few: serial).
  for (; i < m && events[i].op <= TieOp::Remove; ++i) {
    const TieEvent& e = events[i];
    if (e.op == TieOp::RemoveAll) {
      if (block_[e.u].degree == 0) ++summary.ignored;
      while (block_[e.u].degree > 0) {
        remove_tie(e.u, block_[e.u].degree - 1);
        ++summary.removed;
      }
    } else {
      const auto pos = find(e.u, e.v);
      if (pos < 0) {
        ++summary.ignored;
      } else {
        remove_tie(e.u, static_cast<std::uint32_t>(pos));
        ++summary.removed;
      }
    }
  }
  const auto same_pair = [&](std::size_t x, std::size_t y) { return events[x].u == events[y].u && events[x].v == events[y].v; };

  // Strengthen: sum the increments of each pair in canonical order. Pairs are distinct, and the
  // pair (u, v) writes only the weights of its own two halves, so chunks of pairs are updated in
  // parallel (other threads read only the `other` and `twin` fields, which nothing writes here).
  // A tie whose weight would drop to zero or below is removed afterwards, serially and in
  // canonical order: removals move entries within blocks, and doing them after the weight
  // updates (which move nothing) leaves every block exactly as removing them on the way would.
  std::size_t s_end = i;
  while (s_end < m && events[s_end].op == TieOp::Strengthen) ++s_end;
  {
    struct Part {
      std::size_t strengthened = 0, ignored = 0;
      std::vector<std::pair<AgentIndex, AgentIndex>> drop;
    };
    const auto strengthen = [&](std::size_t lo, std::size_t hi, Part& part) {
      for (std::size_t k = lo; k < hi;) {
        const AgentIndex u = events[k].u, v = events[k].v;
        double dw = 0.0;
        std::size_t j = k;
        for (; j < hi && events[j].u == u && events[j].v == v; ++j) dw += events[j].weight;
        const auto pos = find(u, v);
        if (pos < 0) {
          part.ignored += j - k;
        } else {
          HalfTie& h = entries_[block_[u].offset + static_cast<std::uint32_t>(pos)];
          const float w = static_cast<float>(static_cast<double>(h.weight) + dw);
          if (w > 0.0f) {
            h.weight = w;
            entries_[h.twin].weight = w;
            ++part.strengthened;
          } else {
            part.drop.emplace_back(u, v);
          }
        }
        k = j;
      }
    };
    const auto merge = [&](const Part& part) {
      summary.strengthened += part.strengthened;
      summary.ignored += part.ignored;
      for (const auto& [u, v] : part.drop) {
        remove_tie(u, static_cast<std::uint32_t>(find(u, v)));
        ++summary.removed;
      }
    };
    if (s_end - i <= kApplyGrain) {
      Part part;
      strengthen(i, s_end, part);
      merge(part);
    } else {
      std::vector<Part> parts((s_end - i + kApplyGrain - 1) / kApplyGrain);
      parallel_groups(i, s_end, kApplyGrain, same_pair, [&](std::size_t lo, std::size_t hi, std::size_t c) { strengthen(lo, hi, parts[c]); });
      for (const Part& part : parts) merge(part);
    }
  }
  i = s_end;

  // Add: within a pair's group the events are sorted by weight ascending, then type; the winner
  // is the largest weight, and among equal weights the smallest type. Whether each pair is
  // already tied is looked up in parallel for large batches (nothing changes meanwhile); the new
  // halves are then appended serially in canonical order, so every block grows exactly as when
  // one pair is handled at a time.
  {
    const auto add = [&](std::size_t w) {
      const TieEvent& e = events[w];
      const AgentIndex u = e.u, v = e.v;
      push_half(u, HalfTie{v, e.weight, kUnset, 0, e.type, 0});
      const std::uint32_t pos_u = block_[u].offset + block_[u].degree - 1;
      push_half(v, HalfTie{u, e.weight, pos_u, 0, e.type, 0});
      entries_[pos_u].twin = block_[v].offset + block_[v].degree - 1;
      reserved_ -= std::min<std::size_t>(reserved_, 2);
      ++ties_;
      ++summary.added;
    };
    // Calls winner(index of the winning event) for each absent pair of [lo, hi), in order;
    // returns the number of events ignored.
    const auto choose = [&](std::size_t lo, std::size_t hi, auto&& winner) {
      std::size_t ignored = 0;
      for (std::size_t k = lo; k < hi;) {
        const AgentIndex u = events[k].u, v = events[k].v;
        std::size_t j = k;
        while (j < hi && events[j].u == u && events[j].v == v) ++j;
        if (find(u, v) >= 0) {
          ignored += j - k;
        } else {
          std::size_t win = j - 1;
          while (win > k && events[win - 1].weight == events[j - 1].weight) --win;
          winner(win);
          ignored += j - k - 1;
        }
        k = j;
      }
      return ignored;
    };
    if (m - i <= kApplyGrain) {
      summary.ignored += choose(i, m, add);  // pairs are distinct: adding on the way is the same
    } else {
      // The winners are marked with a byte per event (not listed by index: 8 bytes per winner
      // was a transient of 48 MB at a million residents' initial ties). Chunks hold whole pairs
      // and write only their own events' bytes.
      const std::size_t chunks = (m - i + kApplyGrain - 1) / kApplyGrain;
      std::vector<std::uint8_t> won(m - i, 0);
      std::vector<std::size_t> ignored(chunks, 0);
      parallel_groups(i, m, kApplyGrain, same_pair, [&](std::size_t lo, std::size_t hi, std::size_t c) {
        ignored[c] = choose(lo, hi, [&](std::size_t w) { won[w - i] = 1; });
      });
      std::size_t added = m - i;
      for (const std::size_t x : ignored) added -= x;
      summary.ignored += (m - i) - added;
      // A large batch of additions (a model's initial ties, say) would grow a block several
      // times, each time moving it to the end of the array with double room and abandoning the
      // old room: the array would hold about three times the ties. Each block that would
      // overflow moves once instead, in agent order, to room for all its additions and a
      // quarter more. Where blocks sit never changes a result (only the order within a block
      // does, which moving keeps).
      if (added >= (std::size_t{1} << 16)) {
        std::vector<std::uint32_t> extra(agents(), 0);
        for (std::size_t k = i; k < m; ++k) {
          if (!won[k - i]) continue;
          ++extra[events[k].u];
          ++extra[events[k].v];
        }
        for (AgentIndex a = 0; a < agents(); ++a) {
          const std::uint32_t need = block_[a].degree + extra[a];
          if (need > capacity_[a]) relocate(a, need + need / 4 + 2);
        }
      }
      for (std::size_t k = i; k < m; ++k) {
        if (won[k - i]) add(k);
      }
    }
  }
  // Compact when abandoned blocks are half the array, or when the array holds more than 1.5
  // times its compacted need: blocks keep the room of the most ties they ever held (with
  // turnover, a slot that once held a hub keeps a hub's room), which is slack that no
  // relocation counts as abandoned, and blocks that outgrow their room move to the end with
  // double room. Compaction lays the blocks out again in agent order with a quarter more room
  // (about 1.25 times the need), so the array shrinks by at least a sixth each time and the cost
  // is amortised over the growth that preceded it. The factor was 3 until issue 18's long runs:
  // 100,000 residents of the community model over 1,300 weeks compacted twice and peaked at
  // 1,074 bytes per resident (whole process); at 1.5 they compact 13 times (each a parallel pass
  // over the array) and peak at 882, same results, no slower (benchmarks/NOTES.md).
  // Room reserve() made for half-ties still to come counts as needed.
  const std::size_t need = 2 * ties_ + reserved_ + 2 * static_cast<std::size_t>(agents());
  if (entries_.size() > (1u << 16) && (wasted_ * 2 > entries_.size() || 2 * entries_.size() > 3 * need)) compact();
  return summary;
}

void TieGraph::reserve(std::span<const std::uint32_t> extra) {
  if (extra.empty()) {
    reserved_ = 0;
    return;
  }
  if (extra.size() != agents()) {
    throw InvariantError("TieGraph::reserve: " + std::to_string(extra.size()) + " counts for " + std::to_string(agents()) + " agents");
  }
  std::size_t total = 0;
  for (AgentIndex a = 0; a < agents(); ++a) {
    const std::uint32_t need = block_[a].degree + extra[a];
    if (need > capacity_[a]) relocate(a, need + need / 4 + 2);
    total += extra[a];
  }
  reserved_ = total;
}

std::vector<Edge> TieGraph::edges() const {
  std::vector<Edge> out;
  out.reserve(ties_);
  for (AgentIndex a = 0; a < agents(); ++a) {
    for (const HalfTie& h : ties(a)) {
      if (a < h.other) out.push_back({a, h.other, h.weight, h.type});
    }
  }
  return out;
}

std::string TieGraph::check() const {
  std::size_t halves = 0;
  std::vector<AgentIndex> seen;
  for (AgentIndex a = 0; a < agents(); ++a) {
    if (block_[a].degree > capacity_[a]) return "agent " + std::to_string(a) + ": degree exceeds its block";
    if (static_cast<std::size_t>(block_[a].offset) + capacity_[a] > entries_.size()) return "agent " + std::to_string(a) + ": block outside the entry array";
    halves += block_[a].degree;
    seen.clear();
    for (std::uint32_t i = 0; i < block_[a].degree; ++i) {
      const HalfTie& h = entries_[block_[a].offset + i];
      const std::string where = "tie " + std::to_string(a) + "-" + std::to_string(h.other);
      if (h.other >= agents()) return where + ": other end out of range";
      if (h.other == a) return where + ": self-tie";
      if (h.twin < block_[h.other].offset || h.twin >= block_[h.other].offset + block_[h.other].degree) return where + ": twin outside the other end's block";
      const HalfTie& t = entries_[h.twin];
      if (t.other != a || t.twin != block_[a].offset + i) return where + ": twin does not point back";
      if (t.weight != h.weight) return where + ": asymmetric weight";
      if (t.type != h.type) return where + ": asymmetric type";
      if (!std::isfinite(h.weight) || !(h.weight > 0.0f)) return where + ": weight not positive and finite";
      seen.push_back(h.other);
    }
    std::sort(seen.begin(), seen.end());
    if (std::adjacent_find(seen.begin(), seen.end()) != seen.end()) return "agent " + std::to_string(a) + ": duplicate tie";
  }
  if (halves != 2 * ties_) return "tie count " + std::to_string(ties_) + " disagrees with " + std::to_string(halves) + " half-ties";
  return {};
}

std::size_t TieGraph::memory_bytes() const {
  return entries_.capacity() * sizeof(HalfTie) +
         block_.capacity() * sizeof(Block) + capacity_.capacity() * sizeof(std::uint32_t);
}

}  // namespace socius

namespace socius {

namespace {
struct SavedHalf {  // a half-tie without its twin position, which is rebuilt on load
  AgentIndex other;
  float weight;
  std::uint16_t stamp;
  TieType type;
  std::uint8_t flags;
};
static_assert(sizeof(SavedHalf) == 12);
}  // namespace

void TieGraph::save(StateWriter& out) const {
  std::vector<SavedHalf> halves;
  halves.reserve(2 * ties_);
  for (AgentIndex a = 0; a < agents(); ++a) {
    for (const HalfTie& h : ties(a)) halves.push_back({h.other, h.weight, h.stamp, h.type, h.flags});
  }
  std::vector<std::uint32_t> degree(agents());
  for (AgentIndex a = 0; a < agents(); ++a) degree[a] = block_[a].degree;
  out.put_vector("ties.degree", degree);
  out.put_vector("ties.halves", halves);
}

void TieGraph::load(const StateReader& in) {
  const auto degree = in.get_vector<std::uint32_t>("ties.degree");
  const auto halves = in.get_vector<SavedHalf>("ties.halves");
  if (degree.size() != agents()) in.fail("the tie graph has " + std::to_string(degree.size()) + " agents, the population " + std::to_string(agents()));
  std::size_t total = 0;
  for (auto d : degree) total += d;
  if (total != halves.size() || total % 2 != 0) in.fail("the tie graph's degrees do not match its ties");
  if (total + agents() * std::size_t{2} >= std::numeric_limits<std::uint32_t>::max()) in.fail("the tie graph is too large");
  decltype(entries_) entries;
  std::vector<std::uint32_t> offset(agents()), capacity(agents());
  std::size_t pos = 0, next = 0;
  for (AgentIndex a = 0; a < agents(); ++a) {
    offset[a] = static_cast<std::uint32_t>(next);
    capacity[a] = degree[a] + degree[a] / 4 + 2;
    entries.resize(next + capacity[a]);
    for (std::uint32_t i = 0; i < degree[a]; ++i, ++pos) {
      const SavedHalf& s = halves[pos];
      if (s.other >= agents() || s.other == a || !std::isfinite(s.weight) || !(s.weight > 0.0f)) in.fail("a saved tie is invalid");
      entries[next + i] = HalfTie{s.other, s.weight, kUnset, s.stamp, s.type, s.flags};
    }
    next += capacity[a];
  }
  // Rebuild twins: the half a->b pairs with the half b->a (there is exactly one if the graph
  // was consistent).
  for (AgentIndex a = 0; a < agents(); ++a) {
    for (std::uint32_t i = 0; i < degree[a]; ++i) {
      HalfTie& h = entries[offset[a] + i];
      if (h.twin != kUnset) continue;
      const AgentIndex b = h.other;
      std::uint32_t found = kUnset;
      for (std::uint32_t j = 0; j < degree[b]; ++j) {
        const HalfTie& t = entries[offset[b] + j];
        if (t.other == a && t.twin == kUnset) {
          found = offset[b] + j;
          break;
        }
      }
      if (found == kUnset) in.fail("a saved tie has no matching other half");
      HalfTie& t = entries[found];
      if (t.weight != h.weight || t.type != h.type) in.fail("a saved tie's two halves disagree");
      h.twin = found;
      t.twin = offset[a] + i;
    }
  }
  entries_ = std::move(entries);
  block_.resize(agents());
  for (AgentIndex a = 0; a < agents(); ++a) block_[a] = Block{offset[a], degree[a]};
  capacity_ = std::move(capacity);
  ties_ = total / 2;
  wasted_ = 0;
  const auto problem = check();
  if (!problem.empty()) in.fail("the saved tie graph is inconsistent: " + problem);
}

}  // namespace socius
