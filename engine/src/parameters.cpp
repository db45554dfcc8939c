#include "socius/parameters.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

#include "socius/errors.hpp"

namespace socius {

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1] ? 1u : 0u)});
      diag = up;
    }
  }
  return row[b.size()];
}

const char* type_name(ParameterType t) {
  switch (t) {
    case ParameterType::Boolean: return "a boolean (true or false)";
    case ParameterType::Integer: return "an integer";
    case ParameterType::Real: return "a number";
    case ParameterType::Choice: return "a string";
  }
  return "?";
}

const char* value_kind(const ParameterValue& v) {
  switch (v.index()) {
    case 0: return "a boolean";
    case 1: return "an integer";
    case 2: return "a number";
    default: return "a string";
  }
}

std::string allowed_text(const ParameterSpec& s) {
  std::ostringstream os;
  switch (s.type) {
    case ParameterType::Boolean: os << "true or false"; break;
    case ParameterType::Choice: {
      os << "one of ";
      for (std::size_t i = 0; i < s.choices.size(); ++i) os << (i ? ", " : "") << '"' << s.choices[i] << '"';
      break;
    }
    case ParameterType::Integer:
      os << "an integer from " << static_cast<std::int64_t>(s.min) << " to " << static_cast<std::int64_t>(s.max);
      break;
    case ParameterType::Real:
      os << "a number from " << format_number(s.min) << " to " << format_number(s.max);
      break;
  }
  if (!s.unit.empty() && (s.type == ParameterType::Integer || s.type == ParameterType::Real)) os << " (" << s.unit << ")";
  return os.str();
}

}  // namespace

std::string format_number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);  // shortest form that round-trips
  std::string s(buf, r.ptr);
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

std::string to_toml(const ParameterValue& value) {
  switch (value.index()) {
    case 0: return std::get<bool>(value) ? "true" : "false";
    case 1: return std::to_string(std::get<std::int64_t>(value));
    case 2: return format_number(std::get<double>(value));
    default: {
      std::string out = "\"";
      for (char c : std::get<std::string>(value)) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      return out + "\"";
    }
  }
}

ParameterSchema& ParameterSchema::add(ParameterSpec spec) {
  if (find(spec.key)) throw InvariantError("parameter '" + spec.key + "' declared twice");
  specs_.push_back(std::move(spec));
  return *this;
}

ParameterSchema& ParameterSchema::real(std::string key, double def, double min, double max,
                                       std::string unit, std::string description, std::string source) {
  return add({std::move(key), ParameterType::Real, def, min, max, {}, std::move(unit),
              std::move(description), std::move(source)});
}

ParameterSchema& ParameterSchema::integer(std::string key, std::int64_t def, std::int64_t min,
                                          std::int64_t max, std::string unit,
                                          std::string description, std::string source) {
  return add({std::move(key), ParameterType::Integer, def, static_cast<double>(min),
              static_cast<double>(max), {}, std::move(unit), std::move(description), std::move(source)});
}

ParameterSchema& ParameterSchema::boolean(std::string key, bool def, std::string description,
                                          std::string source) {
  return add({std::move(key), ParameterType::Boolean, def, 0, 1, {}, "", std::move(description),
              std::move(source)});
}

ParameterSchema& ParameterSchema::choice(std::string key, std::string def,
                                         std::vector<std::string> choices,
                                         std::string description, std::string source) {
  return add({std::move(key), ParameterType::Choice, std::move(def), 0, 0, std::move(choices), "",
              std::move(description), std::move(source)});
}

const ParameterSpec* ParameterSchema::find(const std::string& key) const {
  for (const auto& s : specs_) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

std::optional<std::string> ParameterSchema::nearest(const std::string& key) const {
  std::optional<std::string> best;
  std::size_t best_d = std::max<std::size_t>(3, key.size() / 3) + 1;
  for (const auto& s : specs_) {
    // Compare whole keys, and also the last component, so "ties.decya" finds "ties.decay" and
    // "decay_friend" alone finds "ties.decay_friend".
    std::size_t d = edit_distance(key, s.key);
    const auto dot = s.key.rfind('.');
    if (dot != std::string::npos && key.find('.') == std::string::npos) {
      d = std::min(d, edit_distance(key, s.key.substr(dot + 1)) + 1);
    }
    if (d < best_d) {
      best_d = d;
      best = s.key;
    }
  }
  return best;
}

ParameterSet ParameterSet::resolve(const ParameterSchema& schema,
                                   const std::vector<ParameterEntry>& entries) {
  ParameterSet set;
  for (const auto& s : schema.specs()) set.values_[s.key] = s.default_value;
  std::vector<std::string> problems;
  for (const auto& e : entries) {
    const std::string where = (e.origin.empty() ? std::string() : e.origin + ": ") + "key '" + e.key +
                              "' = " + to_toml(e.value);
    const ParameterSpec* spec = schema.find(e.key);
    if (!spec) {
      auto near = schema.nearest(e.key);
      problems.push_back(where + ": unknown key" +
                         (near ? "; did you mean '" + *near + "'?" : std::string("")));
      continue;
    }
    ParameterValue v = e.value;
    if (spec->type == ParameterType::Real && v.index() == 1) v = static_cast<double>(std::get<std::int64_t>(v));
    const bool type_ok = (spec->type == ParameterType::Boolean && v.index() == 0) ||
                         (spec->type == ParameterType::Integer && v.index() == 1) ||
                         (spec->type == ParameterType::Real && v.index() == 2) ||
                         (spec->type == ParameterType::Choice && v.index() == 3);
    if (!type_ok) {
      problems.push_back(where + ": expected " + type_name(spec->type) + ", got " + value_kind(e.value) +
                         "; allowed: " + allowed_text(*spec));
      continue;
    }
    bool in_range = true;
    if (spec->type == ParameterType::Real) {
      const double x = std::get<double>(v);
      in_range = std::isfinite(x) && x >= spec->min && x <= spec->max;
    } else if (spec->type == ParameterType::Integer) {
      const auto x = static_cast<double>(std::get<std::int64_t>(v));
      in_range = x >= spec->min && x <= spec->max;
    } else if (spec->type == ParameterType::Choice) {
      const auto& x = std::get<std::string>(v);
      in_range = std::find(spec->choices.begin(), spec->choices.end(), x) != spec->choices.end();
    }
    if (!in_range) {
      problems.push_back(where + ": out of range; allowed: " + allowed_text(*spec));
      continue;
    }
    set.values_[e.key] = std::move(v);
  }
  if (!problems.empty()) {
    std::string msg = problems.size() == 1 ? "invalid scenario: " : "invalid scenario (" + std::to_string(problems.size()) + " problems):";
    for (std::size_t i = 0; i < problems.size(); ++i) msg += (problems.size() == 1 ? "" : "\n  ") + problems[i];
    throw ScenarioError(msg);
  }
  return set;
}

const ParameterValue& ParameterSet::at(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) throw InvariantError("parameter '" + key + "' is not in the schema");
  return it->second;
}

bool ParameterSet::boolean(const std::string& key) const { return std::get<bool>(at(key)); }
std::int64_t ParameterSet::integer(const std::string& key) const { return std::get<std::int64_t>(at(key)); }
double ParameterSet::real(const std::string& key) const { return std::get<double>(at(key)); }
const std::string& ParameterSet::text(const std::string& key) const { return std::get<std::string>(at(key)); }

}  // namespace socius
