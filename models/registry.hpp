// The built-in models. The one place that lists them is registry.cpp.
#pragma once

#include <string>
#include <vector>

#include "socius/simulation.hpp"

namespace socius::models {

/// Every built-in model, in a fixed order.
const std::vector<ModelDescription>& builtin();

/// The built-in model called `name`; ScenarioError naming the known models otherwise.
const ModelDescription& find(const std::string& name);

}  // namespace socius::models
