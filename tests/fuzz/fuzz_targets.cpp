#include "fuzz_targets.hpp"

#include <string>
#include <vector>

#include "registry.hpp"
#include "socius/socius.hpp"

namespace socius::fuzz {

namespace {
ParameterValue typed(const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  try {
    std::size_t used = 0;
    const long long i = std::stoll(text, &used);
    if (used == text.size()) return static_cast<std::int64_t>(i);
    const double d = std::stod(text, &used);
    if (used == text.size()) return d;
  } catch (const std::logic_error&) {
  }
  return text;
}
}  // namespace

int parameters(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto& all = models::builtin();
  const ModelDescription& model = all[data[0] % all.size()];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<ParameterEntry> entries;
  std::size_t pos = 0;
  while (pos <= text.size() && entries.size() < 64) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    const auto eq = line.find('=');
    if (eq != std::string::npos) entries.push_back({line.substr(0, eq), typed(line.substr(eq + 1)), "fuzz"});
    pos = end + 1;
  }
  const ParameterSchema schema = model.full_schema();
  try {
    const ParameterSet set = resolve_parameters(model, schema, entries);
    for (const auto& spec : schema.specs()) {
      if (!set.values().count(spec.key)) __builtin_trap();  // every key must be resolved
    }
  } catch (const ScenarioError&) {
  }
  for (const auto& e : entries) (void)schema.nearest(e.key);
  return 0;
}

int checkpoint(const std::uint8_t* data, std::size_t size) {
  try {
    StateReader reader(std::vector<std::uint8_t>(data, data + size), "fuzz");
    const ModelDescription* model = nullptr;
    for (const auto& m : models::builtin()) {
      if (reader.has("model") && reader.get_string("model") == m.name) model = &m;
    }
    if (!model) return 0;
    // Keep the fuzzer's simulations small: setup allocates the saved population.
    const auto params = reader.get_string("parameters.initial");
    const auto at = params.find("simulation.population\t1\t");
    if (at == std::string::npos) return 0;
    try {
      if (std::stoll(params.substr(at + 24, 12)) > 2000) return 0;
    } catch (const std::logic_error&) {
      return 0;
    }
    auto sim = Simulation::restore(*model, reader, 1);
    if (!sim->world().ties.check().empty()) __builtin_trap();  // a restored graph must be sound
  } catch (const CheckpointError&) {
  }
  return 0;
}

}  // namespace socius::fuzz
