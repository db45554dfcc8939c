#include "socius/population.hpp"

#include <cstring>

#include "socius/checkpoint.hpp"

namespace socius {

AgentIndex Population::add(AgentIndex n) {
  if (frozen_) throw InvariantError("agents added after setup: the number of slots is fixed once a simulation is built; newcomers take leavers' slots (Population::renew)");
  const AgentIndex first = size();
  if (static_cast<std::uint64_t>(first) + n >= kNoAgent) throw Error("population would exceed 4 billion agents");
  ids_.reserve(static_cast<std::size_t>(first) + n);
  for (AgentIndex i = 0; i < n; ++i) ids_.push_back(next_id_++);
  for (auto& c : columns_) c->grow(ids_.size());
  return first;
}

std::vector<ColumnView> Population::columns() {
  std::vector<ColumnView> out;
  out.reserve(columns_.size());
  for (auto& c : columns_) out.push_back(c->view());
  return out;
}

std::vector<ColumnProblem> Population::problems() const {
  std::vector<ColumnProblem> out;
  for (const auto& c : columns_) {
    AgentIndex first = 0;
    double value = 0.0;
    const std::uint64_t n = c->out_of_range(first, value);
    if (n) out.push_back({c->name, n, first, value, c->spec.lo, c->spec.hi});
  }
  return out;
}

std::vector<AgentKind> Population::kinds() const {
  if (kinds_.empty()) return {{"agent", 0, size()}};
  return kinds_;
}

void Population::set_kinds(std::vector<AgentKind> kinds) {
  AgentIndex at = 0;
  for (const auto& k : kinds) {
    if (k.start != at || k.stop < k.start) throw InvariantError("agent kind '" + k.name + "' is not contiguous with the kind before it");
    at = k.stop;
  }
  if (at != size()) throw InvariantError("agent kinds cover " + std::to_string(at) + " of " + std::to_string(size()) + " slots");
  kinds_ = std::move(kinds);
}

std::size_t Population::memory_bytes() const {
  std::size_t total = ids_.capacity() * sizeof(std::uint64_t);
  for (const auto& c : columns_) total += c->bytes();
  return total;
}

void Population::save(StateWriter& out) const {
  out.put_vector("population.ids", ids_);
  out.put_value("population.next_id", next_id_);
  for (const auto& c : columns_) {
    const ColumnView v = c->view();
    out.put("column." + v.name, v.data, v.size * v.item_size);
  }
}

void Population::load(const StateReader& in) {
  auto ids = in.get_vector<std::uint64_t>("population.ids");
  if (ids.size() != ids_.size()) in.fail("it holds " + std::to_string(ids.size()) + " agents; the scenario builds " + std::to_string(ids_.size()));
  for (auto& c : columns_) {
    const ColumnView v = c->view();
    const auto raw = in.raw("column." + v.name);
    if (raw.size() != v.size * v.item_size) in.fail("column '" + v.name + "' has the wrong size");
    std::memcpy(v.data, raw.data(), raw.size());
  }
  ids_ = std::move(ids);
  next_id_ = in.get_value<std::uint64_t>("population.next_id");
}

Population::ColumnBase* Population::find(const std::string& name) const {
  for (const auto& c : columns_) {
    if (c->name == name) return c.get();
  }
  return nullptr;
}

}  // namespace socius
