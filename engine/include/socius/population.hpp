// The population: agent attributes stored as columns (structure of arrays), one contiguous array
// per attribute, plus a stable 64-bit id per agent. Agents live in slots; when a resident leaves
// and a newcomer arrives, the newcomer takes the slot with a fresh id (`renew`), so columns and
// the tie graph never need compacting and indices stay valid.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
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

/// What a column holds, beyond its type: its description, the values it may take, and whether
/// code outside the model (Python hooks, writable views) may write it. State variables (e.g. a
/// score in [0, 1]) are writable and range-checked; structural columns (indices into the model's
/// own arrays) are read-only outside the model, since a wrong index would corrupt the state.
struct ColumnSpec {
  ColumnSpec() = default;
  ColumnSpec(std::string d) : description(std::move(d)) {}  // NOLINT: a description alone
  ColumnSpec(const char* d) : description(d) {}              // NOLINT
  /// A state variable that users may write, with values in [lo, hi] (never NaN).
  static ColumnSpec state(std::string d, double lo, double hi) {
    ColumnSpec c(std::move(d));
    c.lo = lo;
    c.hi = hi;
    c.writable = true;
    return c;
  }
  std::string description;
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool writable = false;
};

/// A type-erased view of one column, for bindings and output.
struct ColumnView {
  std::string name;
  std::string description;
  DType dtype;
  void* data;
  std::size_t size;
  std::size_t item_size;
  double lo, hi;   ///< declared range (NaN is never in range)
  bool writable;   ///< whether code outside the model may write it
};

/// Values of a column outside its declared range (or NaN): how many, and the first of them.
struct ColumnProblem {
  std::string column;
  std::uint64_t count;
  AgentIndex first;
  double value;
  double lo, hi;
};

/// A contiguous range of slots holding one kind of agent (e.g. residents, then professionals).
struct AgentKind {
  std::string name;
  AgentIndex start, stop;
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
  std::vector<T>& add_column(const std::string& name, T initial, ColumnSpec spec = {}) {
    if (frozen_) throw InvariantError("column '" + name + "' registered after setup");
    if (find(name)) throw InvariantError("column '" + name + "' registered twice");
    auto col = std::make_unique<Column<T>>(name, std::move(spec), initial);
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

  /// Every column holding a NaN or a value outside its declared range, over every slot, in
  /// column order (empty when all is well). For state written from outside the model.
  std::vector<ColumnProblem> problems() const;

  /// The kinds of agent and their slots, in order; the first is the default kind shown to users.
  /// Without set_kinds, one kind "agent" covers every slot.
  std::vector<AgentKind> kinds() const;
  /// Declares the kinds (contiguous, in order, covering [0, size())); InvariantError otherwise.
  void set_kinds(std::vector<AgentKind> kinds);

  /// Saves ids and every column; load() restores them into a population with the same slots
  /// and columns (CheckpointError otherwise).
  void save(class StateWriter& out) const;
  void load(const class StateReader& in);
  std::size_t memory_bytes() const;

 private:
  struct ColumnBase {
    ColumnBase(std::string n, ColumnSpec s) : name(std::move(n)), spec(std::move(s)) {}
    virtual ~ColumnBase() = default;
    virtual DType dtype() const = 0;
    virtual void grow(std::size_t n) = 0;
    virtual ColumnView view() = 0;
    virtual std::size_t bytes() const = 0;
    /// Counts values outside [spec.lo, spec.hi] or NaN; sets first/value to the first of them.
    virtual std::uint64_t out_of_range(AgentIndex& first, double& value) const = 0;
    std::string name;
    ColumnSpec spec;
  };
  template <class T>
  struct Column final : ColumnBase {
    Column(std::string n, ColumnSpec s, T init) : ColumnBase(std::move(n), std::move(s)), initial(init) {}
    DType dtype() const override { return dtype_of<T>(); }
    void grow(std::size_t n) override { values.resize(n, initial); }
    ColumnView view() override {
      return {name, spec.description, dtype_of<T>(), values.data(), values.size(), sizeof(T), spec.lo, spec.hi, spec.writable};
    }
    std::size_t bytes() const override { return values.capacity() * sizeof(T); }
    std::uint64_t out_of_range(AgentIndex& first, double& value) const override {
      std::uint64_t n = 0;
      for (std::size_t a = 0; a < values.size(); ++a) {
        const double x = static_cast<double>(values[a]);
        if (x >= spec.lo && x <= spec.hi) continue;  // false for NaN
        if (n++ == 0) {
          first = static_cast<AgentIndex>(a);
          value = x;
        }
      }
      return n;
    }
    T initial;
    std::vector<T> values;
  };
  ColumnBase* find(const std::string& name) const;

  std::vector<std::uint64_t> ids_;
  std::vector<std::unique_ptr<ColumnBase>> columns_;
  std::vector<AgentKind> kinds_;
  std::uint64_t next_id_ = 0;
  bool frozen_ = false;
};

}  // namespace socius
