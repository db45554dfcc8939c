#include "registry.hpp"

#include "classic/classic.hpp"
#include "community/community.hpp"
#include "socius/errors.hpp"

namespace socius::models {

const std::vector<ModelDescription>& builtin() {
  static const std::vector<ModelDescription> all = [] {
    std::vector<ModelDescription> v;
    v.push_back(classic::jgn());
    v.push_back(classic::davidsen());
    v.push_back(classic::kumpula());
    v.push_back(community::description());
    return v;
  }();
  return all;
}

const ModelDescription& find(const std::string& name) {
  std::string known;
  for (const auto& m : builtin()) {
    if (m.name == name) return m;
    known += (known.empty() ? "\"" : ", \"") + m.name + "\"";
  }
  throw ScenarioError("key 'model' = \"" + name + "\": unknown model; allowed: one of " + known);
}

}  // namespace socius::models
