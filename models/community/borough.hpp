// A borough from a table (issue 17; docs/borough.md): the neighbourhoods of a real place, each
// with its residents, deprivation quintile, adult age structure and household mix. Parsed and
// validated in Python (python/socius/borough.py) and handed to the setup (setup.cpp), which
// builds a population of any size from it as a proportional sample.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace socius::models::community {

/// The table's rows (one per neighbourhood of the file), every array of the same length.
struct Borough {
  /// The adult age bands of the indicator groups: 16-24, 25-34, 35-44, 45-54, 55-64, 65-74, 75+.
  static constexpr int kAgeBands = 7;
  static constexpr double kBandLower[kAgeBands + 1] = {16, 25, 35, 45, 55, 65, 75, 95};
  std::vector<double> population;                      // residents aged 16+ (or a count in proportion), > 0
  std::vector<std::uint8_t> quintile;                  // IMD quintile, 1 most deprived .. 5 least
  std::vector<std::array<double, kAgeBands>> age;      // shares of residents by band, summing to 1
  std::vector<std::array<double, 5>> household;        // shares of households by HouseholdType, summing to 1
  /// Digest of the table (python/socius/borough.py), equal to structure.borough_digest.
  std::int64_t digest = 0;
  std::size_t rows() const { return population.size(); }
};

/// ScenarioError naming the row and the field if the arrays are not a valid borough (the Python
/// reader checks the file first; this guards the C++ input itself).
void check_borough(const Borough& b);

}  // namespace socius::models::community
