// Prints the community model's parameter table (from its schema) as Markdown, for docs/model.md.
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

int main() {
  const auto& m = models::find("community");
  std::printf("| key | unit | default | allowed | description | source |\n|---|---|---|---|---|---|\n");
  for (const auto& s : m.full_schema().specs()) {
    std::printf("| `%s` | %s | `%s` | %s | %s | %s |\n", s.key.c_str(), cell(s.unit).c_str(), cell(to_toml(s.default_value)).c_str(),
                cell(range(s)).c_str(), cell(s.description).c_str(), cell(s.source).c_str());
  }
  return 0;
}
