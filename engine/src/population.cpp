#include "socius/population.hpp"

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

std::size_t Population::memory_bytes() const {
  std::size_t total = ids_.capacity() * sizeof(std::uint64_t);
  for (const auto& c : columns_) total += c->bytes();
  return total;
}

Population::ColumnBase* Population::find(const std::string& name) const {
  for (const auto& c : columns_) {
    if (c->name == name) return c.get();
  }
  return nullptr;
}

}  // namespace socius
