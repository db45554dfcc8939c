// The population: agent attributes stored as columns (structure of arrays), one contiguous array
// per attribute, plus a stable 64-bit id per agent. Agents live in slots; when a resident leaves
// and a newcomer arrives, the newcomer takes the slot with a fresh id (`renew`), so columns and
// the tie graph never need compacting and indices stay valid.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "socius/errors.hpp"
#include "socius/ties.hpp"

namespace socius {

enum class DType : std::uint8_t { UInt8, Int8, UInt16, Int16, UInt32, Int32, UInt64, Int64, Float32, Float64 };

template <class T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, std::uint8_t>) return DType::UInt8;
  else if constexpr (std::is_same_v<T, std::int8_t>) return DType::Int8;
  else if constexpr (std::is_same_v<T, std::uint16_t>) return DType::UInt16;
  else if constexpr (std::is_same_v<T, std::int16_t>) return DType::Int16;
  else if constexpr (std::is_same_v<T, std::uint32_t>) return DType::UInt32;
  else if constexpr (std::is_same_v<T, std::int32_t>) return DType::Int32;
  else if constexpr (std::is_same_v<T, std::uint64_t>) return DType::UInt64;
  else if constexpr (std::is_same_v<T, std::int64_t>) return DType::Int64;
  else if constexpr (std::is_same_v<T, float>) return DType::Float32;
  else if constexpr (std::is_same_v<T, double>) return DType::Float64;
  else static_assert(sizeof(T) == 0, "unsupported column type");
}

/// A type-erased view of one column, for bindings and output.
struct ColumnView {
  std::string name;
  std::string description;
  DType dtype;
  void* data;
  std::size_t size;
  std::size_t item_size;
};

class Population {
 public:
  Population() = default;
  Population(const Population&) = delete;
  Population& operator=(const Population&) = delete;

  AgentIndex size() const { return static_cast<AgentIndex>(ids_.size()); }
  std::uint64_t id(AgentIndex a) const { return ids_[a]; }
  const std::vector<std::uint64_t>& ids() const { return ids_; }

  /// Appends `n` agents with fresh ids; every column grows, new cells take the column's initial
  /// value. Returns the index of the first new agent. Only during setup: see freeze().
  AgentIndex add(AgentIndex n);

  /// Fixes the number of slots (the Simulation does this after setup). From then on column
  /// storage never moves, so views handed out (e.g. NumPy arrays) stay valid for the life of the
  /// simulation; arrivals take the slots of leavers (renew), and a model that needs room to grow
  /// allocates spare slots at setup.
  void freeze() { frozen_ = true; }
  bool frozen() const { return frozen_; }

  /// A newcomer takes slot `a`: it gets a fresh id. Columns keep their values; the model resets
  /// whatever a newcomer should not inherit.
  void renew(AgentIndex a) { ids_[a] = next_id_++; }

  /// Registers a column; its vector is owned here and lives as long as the population. Only
  /// during setup; a model must not resize a column's vector.
  template <class T>
  std::vector<T>& add_column(const std::string& name, T initial, std::string description = {}) {
    if (frozen_) throw InvariantError("column '" + name + "' registered after setup");
    if (find(name)) throw InvariantError("column '" + name + "' registered twice");
    auto col = std::make_unique<Column<T>>(name, std::move(description), initial);
    col->values.assign(size(), initial);
    auto& ref = col->values;
    columns_.push_back(std::move(col));
    return ref;
  }

  /// A registered column by name and type; throws InvariantError if absent or of another type.
  template <class T>
  std::vector<T>& column(const std::string& name) {
    auto* base = find(name);
    if (!base) throw InvariantError("no column '" + name + "'");
    if (base->dtype() != dtype_of<T>()) throw InvariantError("column '" + name + "' has another type");
    return static_cast<Column<T>*>(base)->values;
  }

  std::vector<ColumnView> columns();

  /// Saves ids and every column; load() restores them into a population with the same slots
  /// and columns (CheckpointError otherwise).
  void save(class StateWriter& out) const;
  void load(const class StateReader& in);
  std::size_t memory_bytes() const;

 private:
  struct ColumnBase {
    ColumnBase(std::string n, std::string d) : name(std::move(n)), description(std::move(d)) {}
    virtual ~ColumnBase() = default;
    virtual DType dtype() const = 0;
    virtual void grow(std::size_t n) = 0;
    virtual ColumnView view() = 0;
    virtual std::size_t bytes() const = 0;
    std::string name;
    std::string description;
  };
  template <class T>
  struct Column final : ColumnBase {
    Column(std::string n, std::string d, T init) : ColumnBase(std::move(n), std::move(d)), initial(init) {}
    DType dtype() const override { return dtype_of<T>(); }
    void grow(std::size_t n) override { values.resize(n, initial); }
    ColumnView view() override { return {name, description, dtype_of<T>(), values.data(), values.size(), sizeof(T)}; }
    std::size_t bytes() const override { return values.capacity() * sizeof(T); }
    T initial;
    std::vector<T> values;
  };
  ColumnBase* find(const std::string& name) const;

  std::vector<std::uint64_t> ids_;
  std::vector<std::unique_ptr<ColumnBase>> columns_;
  std::uint64_t next_id_ = 0;
  bool frozen_ = false;
};

}  // namespace socius
