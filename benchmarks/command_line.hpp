// What the benchmark programs share: a scenario setting given on the command line as key=value,
// typed as a scenario file would type it (true/false, an integer, a real, else a string).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>

#include "socius/socius.hpp"

namespace socius::bench {

inline ParameterValue parse_value(const std::string& v) {
  if (v == "true") return true;
  if (v == "false") return false;
  char* end = nullptr;
  const long long i = std::strtoll(v.c_str(), &end, 10);
  if (end && *end == '\0' && !v.empty()) return static_cast<std::int64_t>(i);
  const double d = std::strtod(v.c_str(), &end);
  if (end && *end == '\0' && !v.empty()) return d;
  return v;
}

}  // namespace socius::bench
