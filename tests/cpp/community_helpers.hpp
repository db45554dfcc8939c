// Helpers for the community model's tests: small runs, column access, and a reader for the
// scenario files (the subset of TOML they use: tables, scalars, comments, `extends`).
#pragma once

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "registry.hpp"
#include "socius/checkpoint.hpp"
#include "socius/socius.hpp"

namespace community_test {

using namespace socius;

inline std::vector<ParameterEntry> entries(std::vector<std::pair<std::string, ParameterValue>> kv) {
  std::vector<ParameterEntry> out;
  for (auto& [k, v] : kv) out.push_back({k, v, "test"});
  return out;
}

/// A small, quick configuration; `extra` overrides.
inline std::vector<ParameterEntry> small(std::vector<std::pair<std::string, ParameterValue>> extra = {},
                                         std::int64_t population = 3000, std::int64_t burn_in = 20, std::int64_t steps = 10) {
  auto e = entries({{"simulation.population", population}, {"simulation.burn_in", burn_in}, {"simulation.steps", steps}});
  for (auto& x : entries(std::move(extra))) e.push_back(x);
  return e;
}

inline const ModelDescription& model() { return models::find("community"); }

/// Value of an indicator for a group at the last recorded time.
inline double last(const Simulation& sim, const std::string& group, const std::string& indicator) {
  const auto& r = sim.recorder();
  const std::size_t G = r.spec.groups.size(), K = r.spec.indicators.size();
  std::size_t g = 0;
  while (g < G && r.spec.groups[g] != group) ++g;
  const std::size_t k = r.spec.index(indicator);
  if (g == G || k == K || r.times.empty()) return std::nan("");
  return r.values[(r.times.size() - 1) * G * K + g * K + k];
}

inline bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

/// Every tie of the two runs' graphs the same, in the same order (ends, weight bits and type).
inline bool same_edges(const Simulation& a, const Simulation& b) {
  const auto ea = a.world().ties.edges(), eb = b.world().ties.edges();
  if (ea.size() != eb.size()) return false;
  for (std::size_t i = 0; i < ea.size(); ++i) {
    if (ea[i].source != eb[i].source || ea[i].target != eb[i].target || std::memcmp(&ea[i].weight, &eb[i].weight, sizeof(float)) != 0 ||
        ea[i].type != eb[i].type)
      return false;
  }
  return true;
}

inline std::filesystem::path scenarios_dir() {
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "scenarios";
}

inline ParameterValue parse_value(std::string v) {
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
  if (!v.empty() && v.front() == '"') return v.substr(1, v.find('"', 1) - 1);
  if (v == "true") return true;
  if (v == "false") return false;
  std::string digits;
  for (char c : v) if (c != '_') digits += c;
  if (digits.find_first_of(".eE") == std::string::npos) return static_cast<std::int64_t>(std::stoll(digits));
  return std::stod(digits);
}

/// Flattens a scenario file (and what it extends) into dotted keys. Top-level `model`, `name`,
/// `description` and `extends` are not parameters and are skipped.
inline std::vector<ParameterEntry> read_scenario(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::vector<ParameterEntry> out, own;
  std::string line, table;
  while (std::getline(in, line)) {
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '"') quoted = !quoted;
      if (line[i] == '#' && !quoted) {
        line.resize(i);
        break;
      }
    }
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    line = line.substr(first);
    if (line[0] == '[') {
      table = line.substr(1, line.find(']') - 1);
      continue;
    }
    const auto eq = line.find('=');
    std::string key = line.substr(0, eq);
    while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
    std::string value = line.substr(eq + 1);
    value = value.substr(value.find_first_not_of(" \t"));
    if (table.empty()) {
      if (key == "extends") {
        const auto base = read_scenario(path.parent_path() / std::get<std::string>(parse_value(value)));
        out.insert(out.end(), base.begin(), base.end());
      }
      continue;  // model, name, description
    }
    own.push_back({table + "." + key, parse_value(value), path.filename().string()});
  }
  out.insert(out.end(), own.begin(), own.end());
  return out;
}

}  // namespace community_test
