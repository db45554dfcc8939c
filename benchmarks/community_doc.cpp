// Prints the community model's parameter table (from its schema, which its parameter table
// generates) as Markdown, for docs/model.md;
// with --indicators, the indicator table (from a tiny instance of the model).
#include <cstdio>
#include <string>

#include "registry.hpp"
#include "socius/socius.hpp"

using namespace socius;

namespace {
std::string cell(std::string s) {
  for (auto& c : s) if (c == '|') c = '/';
  return s;
}
std::string range(const ParameterSpec& s) {
  char buf[128];
  switch (s.type) {
    case ParameterType::Boolean: return "true/false";
    case ParameterType::Choice: {
      std::string out;
      for (const auto& c : s.choices) out += (out.empty() ? "" : ", ") + ("`" + c + "`");
      return out;
    }
    case ParameterType::Integer:
      std::snprintf(buf, sizeof buf, "%lld to %lld", static_cast<long long>(s.min), static_cast<long long>(s.max));
      return buf;
    default:
      std::snprintf(buf, sizeof buf, "%g to %g", s.min, s.max);
      return buf;
  }
}
}  // namespace

int main(int argc, char** argv) {
  const auto& m = models::find("community");
  if (argc > 1 && std::string(argv[1]) == "--indicators") {
    Simulation sim(m, {{"simulation.population", std::int64_t{100}, "doc"}, {"simulation.burn_in", std::int64_t{0}, "doc"}, {"simulation.steps", std::int64_t{0}, "doc"}}, 1, 1);
    const auto& spec = sim.recorder().spec;
    std::printf("| indicator | label | category | unit | better | meaning |\n|---|---|---|---|---|---|\n");
    for (const auto& i : spec.indicators) {
      const char* better = i.better == Better::Higher ? "higher" : i.better == Better::Lower ? "lower" : "";
      std::printf("| `%s` | %s | %s | %s | %s | %s |\n", i.name.c_str(), cell(i.label).c_str(), i.category.c_str(),
                  cell(i.unit).c_str(), better, cell(i.description).c_str());
    }
    return 0;
  }
  std::printf("| key | unit | default | allowed | description | source | fixed after setup |\n|---|---|---|---|---|---|---|\n");
  const ParameterSchema schema = m.full_schema();
  for (const auto& s : schema.specs()) {
    std::printf("| `%s` | %s | `%s` | %s | %s | %s | %s |\n", s.key.c_str(), cell(s.unit).c_str(), cell(to_toml(s.default_value)).c_str(),
                cell(range(s)).c_str(), cell(s.description).c_str(), cell(s.source).c_str(), s.fixed ? "fixed" : "");
  }
  return 0;
}
