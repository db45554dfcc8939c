// Parameters: every model declares its parameters (name, type, unit, default, allowed range,
// source) in a schema; a scenario supplies values, which are validated against the schema in
// one place. A validated ParameterSet is plain data a model reads once when it is built.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace socius {

using ParameterValue = std::variant<bool, std::int64_t, double, std::string>;

enum class ParameterType { Boolean, Integer, Real, Choice };

/// Describes one parameter. Ranges are inclusive; `choices` applies to Choice parameters.
struct ParameterSpec {
  std::string key;  ///< dotted name, e.g. "ties.decay_friend"
  ParameterType type = ParameterType::Real;
  ParameterValue default_value = 0.0;
  double min = -1e300;
  double max = 1e300;
  std::vector<std::string> choices;
  std::string unit;         ///< e.g. "per week", "residents", "" for dimensionless
  std::string description;  ///< one sentence: what it does
  std::string source;       ///< where the default comes from (citation or "calibrated")
  bool fixed = false;       ///< shapes the setup: may not change once the simulation is built
  /// Read only from policy time 0 on (Model::start): may differ between a state saved at the end
  /// of burn-in and the run continuing from it (Simulation::restore with parameters), and a
  /// fixed one may still change until policy time 0. Every other key shaped the burn-in.
  bool policy = false;
};

/// The ordered set of parameters a model accepts.
class ParameterSchema {
 public:
  ParameterSchema& add(ParameterSpec spec);
  /// Shorthands for the common kinds.
  ParameterSchema& real(std::string key, double def, double min, double max, std::string unit,
                        std::string description, std::string source);
  ParameterSchema& integer(std::string key, std::int64_t def, std::int64_t min, std::int64_t max,
                           std::string unit, std::string description, std::string source);
  ParameterSchema& boolean(std::string key, bool def, std::string description, std::string source);
  ParameterSchema& choice(std::string key, std::string def, std::vector<std::string> choices,
                          std::string description, std::string source);

  const ParameterSpec* find(const std::string& key) const;
  const std::vector<ParameterSpec>& specs() const { return specs_; }
  /// The known key nearest to `key` by edit distance, if one is reasonably close.
  std::optional<std::string> nearest(const std::string& key) const;

 private:
  std::vector<ParameterSpec> specs_;
};

/// One value supplied by a scenario, with where it came from (file name, "--set", "python").
struct ParameterEntry {
  std::string key;
  ParameterValue value;
  std::string origin;
};

/// A complete, validated assignment of every parameter in a schema.
class ParameterSet {
 public:
  /// Validates `entries` against `schema` and fills in defaults. Later entries override earlier
  /// ones. Throws ScenarioError listing every problem (origin, key, value, what is allowed, and
  /// the nearest valid key for a misspelling). Integers are accepted for real parameters.
  static ParameterSet resolve(const ParameterSchema& schema,
                              const std::vector<ParameterEntry>& entries);

  bool boolean(const std::string& key) const;
  std::int64_t integer(const std::string& key) const;
  double real(const std::string& key) const;
  const std::string& text(const std::string& key) const;
  const std::map<std::string, ParameterValue>& values() const { return values_; }

 private:
  const ParameterValue& at(const std::string& key) const;
  std::map<std::string, ParameterValue> values_;
};

/// Renders a value as TOML would write it (strings quoted, reals always with a decimal point).
std::string to_toml(const ParameterValue& value);
/// A number as people read it and TOML parses it: the shortest form that round-trips (0.1, not
/// 0.10000000000000001), with ".0" on whole numbers; nan, inf and -inf spelt out.
std::string format_number(double x);

}  // namespace socius
