#include "socius/ties.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "socius/checkpoint.hpp"
#include "socius/errors.hpp"

namespace socius {

namespace {
constexpr std::uint32_t kUnset = 0xFFFFFFFFu;

bool event_less(const TieEvent& a, const TieEvent& b) {
  if (a.op != b.op) return a.op < b.op;
  if (a.u != b.u) return a.u < b.u;
  if (a.v != b.v) return a.v < b.v;
  if (a.weight != b.weight) return a.weight < b.weight;
  return a.type < b.type;
}

/// Sorts canonical events (u < v, or v = kNoAgent for RemoveAll) into event_less order. Large
/// batches (a parallel round proposes one or more events per agent) use a least-significant-
/// digit radix sort on (op, u, v) packed into 64 bits, then order each run of equal (op, u, v)
/// by (weight, type): several times faster than a comparison sort, and the result is the same
/// sequence, since event_less is a total order on the fields.
void sort_events(std::vector<TieEvent>& events, AgentIndex agents) {
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
  std::vector<TieEvent> tmp(m);
  std::vector<std::size_t> count(kBuckets);
  for (unsigned shift = 0; shift < 2 * b + 2; shift += kDigit) {
    std::fill(count.begin(), count.end(), 0);
    for (const TieEvent& e : events) ++count[(key(e) >> shift) & (kBuckets - 1)];
    std::size_t sum = 0;
    for (auto& c : count) {
      const std::size_t here = c;
      c = sum;
      sum += here;
    }
    for (const TieEvent& e : events) tmp[count[(key(e) >> shift) & (kBuckets - 1)]++] = e;
    events.swap(tmp);
  }
  for (std::size_t i = 0; i < m;) {
    std::size_t j = i + 1;
    const std::uint64_t k = key(events[i]);
    while (j < m && key(events[j]) == k) ++j;
    if (j - i > 1) {
      std::sort(events.begin() + static_cast<std::ptrdiff_t>(i), events.begin() + static_cast<std::ptrdiff_t>(j),
                [](const TieEvent& x, const TieEvent& y) { return event_less(x, y); });
    }
    i = j;
  }
}
}  // namespace

void TieGraph::resize(AgentIndex agents) {
  if (agents < this->agents()) throw InvariantError("TieGraph::resize cannot shrink the agent set");
  const auto end = static_cast<std::uint32_t>(entries_.size());
  offset_.resize(agents, end);
  degree_.resize(agents, 0);
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
  const std::uint32_t old = offset_[a];
  for (std::uint32_t i = 0; i < degree_[a]; ++i) {
    entries_[start + i] = entries_[old + i];
    const std::uint32_t t = entries_[start + i].twin;
    if (t != kUnset) entries_[t].twin = static_cast<std::uint32_t>(start + i);
  }
  wasted_ += capacity_[a];
  offset_[a] = static_cast<std::uint32_t>(start);
  capacity_[a] = capacity;
}

void TieGraph::push_half(AgentIndex a, const HalfTie& h) {
  if (degree_[a] == capacity_[a]) relocate(a, std::max<std::uint32_t>(4, 2 * capacity_[a]));
  entries_[offset_[a] + degree_[a]] = h;
  ++degree_[a];
}

void TieGraph::remove_half(AgentIndex a, std::uint32_t pos) {
  const std::uint32_t base = offset_[a];
  const std::uint32_t last = degree_[a] - 1;
  if (pos != last) {
    entries_[base + pos] = entries_[base + last];
    entries_[entries_[base + pos].twin].twin = base + pos;
  }
  --degree_[a];
}

void TieGraph::remove_tie(AgentIndex a, std::uint32_t pos) {
  const HalfTie h = entries_[offset_[a] + pos];
  remove_half(h.other, h.twin - offset_[h.other]);
  remove_half(a, pos);
  --ties_;
}

void TieGraph::compact() {
  std::vector<HalfTie> fresh;
  std::size_t total = 0;
  for (AgentIndex a = 0; a < agents(); ++a) total += degree_[a] + degree_[a] / 4 + 2;
  fresh.resize(total);
  std::vector<std::uint32_t> moved_to(entries_.size(), kUnset);
  std::uint32_t next = 0;
  for (AgentIndex a = 0; a < agents(); ++a) {
    const std::uint32_t cap = degree_[a] + degree_[a] / 4 + 2;
    for (std::uint32_t i = 0; i < degree_[a]; ++i) {
      fresh[next + i] = entries_[offset_[a] + i];
      moved_to[offset_[a] + i] = next + i;
    }
    offset_[a] = next;
    capacity_[a] = cap;
    next += cap;
  }
  for (AgentIndex a = 0; a < agents(); ++a) {
    for (std::uint32_t i = 0; i < degree_[a]; ++i) {
      HalfTie& h = fresh[offset_[a] + i];
      h.twin = moved_to[h.twin];
    }
  }
  entries_ = std::move(fresh);
  wasted_ = 0;
}

BatchSummary TieGraph::apply(std::vector<TieEvent>& events) {
  const AgentIndex n = agents();
  for (auto& e : events) {
    if (e.u >= n) throw InvariantError("tie event names agent " + std::to_string(e.u) + " of " + std::to_string(n));
    if (e.op == TieOp::RemoveAll) {
      e.v = kNoAgent;
      e.weight = 0.0f;
      e.type = 0;
      continue;
    }
    if (e.v >= n) throw InvariantError("tie event names agent " + std::to_string(e.v) + " of " + std::to_string(n));
    if (e.u == e.v) throw InvariantError("tie event would tie agent " + std::to_string(e.u) + " to itself");
    if (!std::isfinite(e.weight) || (e.op == TieOp::Add && !(e.weight > 0.0f))) {
      throw InvariantError("tie event has an invalid weight " + std::to_string(e.weight));
    }
    if (e.u > e.v) std::swap(e.u, e.v);
    if (e.op == TieOp::Remove) {
      e.weight = 0.0f;
      e.type = 0;
    }
    if (e.op == TieOp::Strengthen) e.type = 0;
  }
  sort_events(events, n);

  BatchSummary summary;
  std::size_t i = 0;
  const std::size_t m = events.size();
  // RemoveAll and Remove.
  for (; i < m && events[i].op <= TieOp::Remove; ++i) {
    const TieEvent& e = events[i];
    if (e.op == TieOp::RemoveAll) {
      if (degree_[e.u] == 0) ++summary.ignored;
      while (degree_[e.u] > 0) {
        remove_tie(e.u, degree_[e.u] - 1);
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
  // Strengthen: sum the increments of each pair in canonical order.
  while (i < m && events[i].op == TieOp::Strengthen) {
    const AgentIndex u = events[i].u, v = events[i].v;
    double dw = 0.0;
    std::size_t j = i;
    for (; j < m && events[j].op == TieOp::Strengthen && events[j].u == u && events[j].v == v; ++j) dw += events[j].weight;
    const auto pos = find(u, v);
    if (pos < 0) {
      summary.ignored += j - i;
    } else {
      HalfTie& h = entries_[offset_[u] + static_cast<std::uint32_t>(pos)];
      const float w = static_cast<float>(static_cast<double>(h.weight) + dw);
      if (w > 0.0f) {
        h.weight = w;
        entries_[h.twin].weight = w;
        ++summary.strengthened;
      } else {
        remove_tie(u, static_cast<std::uint32_t>(pos));
        ++summary.removed;
      }
    }
    i = j;
  }
  // Add: within a pair's group the events are sorted by weight ascending, then type; the winner
  // is the largest weight, and among equal weights the smallest type.
  while (i < m) {
    const AgentIndex u = events[i].u, v = events[i].v;
    std::size_t j = i;
    while (j < m && events[j].u == u && events[j].v == v) ++j;
    std::size_t win = j - 1;
    while (win > i && events[win - 1].weight == events[j - 1].weight) --win;
    if (find(u, v) >= 0) {
      summary.ignored += j - i;
    } else {
      const TieEvent& e = events[win];
      push_half(u, HalfTie{v, e.weight, kUnset, 0, e.type, 0});
      const std::uint32_t pos_u = offset_[u] + degree_[u] - 1;
      push_half(v, HalfTie{u, e.weight, pos_u, 0, e.type, 0});
      entries_[pos_u].twin = offset_[v] + degree_[v] - 1;
      ++ties_;
      ++summary.added;
      summary.ignored += j - i - 1;
    }
    i = j;
  }
  if (wasted_ > (1u << 16) && wasted_ * 2 > entries_.size()) compact();
  return summary;
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
    if (degree_[a] > capacity_[a]) return "agent " + std::to_string(a) + ": degree exceeds its block";
    if (static_cast<std::size_t>(offset_[a]) + capacity_[a] > entries_.size()) return "agent " + std::to_string(a) + ": block outside the entry array";
    halves += degree_[a];
    seen.clear();
    for (std::uint32_t i = 0; i < degree_[a]; ++i) {
      const HalfTie& h = entries_[offset_[a] + i];
      const std::string where = "tie " + std::to_string(a) + "-" + std::to_string(h.other);
      if (h.other >= agents()) return where + ": other end out of range";
      if (h.other == a) return where + ": self-tie";
      if (h.twin < offset_[h.other] || h.twin >= offset_[h.other] + degree_[h.other]) return where + ": twin outside the other end's block";
      const HalfTie& t = entries_[h.twin];
      if (t.other != a || t.twin != offset_[a] + i) return where + ": twin does not point back";
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
         (offset_.capacity() + degree_.capacity() + capacity_.capacity()) * sizeof(std::uint32_t);
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
  out.put_vector("ties.degree", degree_);
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
  std::vector<HalfTie> entries;
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
  offset_ = std::move(offset);
  degree_ = degree;
  capacity_ = std::move(capacity);
  ties_ = total / 2;
  wasted_ = 0;
  const auto problem = check();
  if (!problem.empty()) in.fail("the saved tie graph is inconsistent: " + problem);
}

}  // namespace socius
