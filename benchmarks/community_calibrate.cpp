// Measures the residents' calibration figures of the community model over seeds and years: the
// figures of docs/model.md "Calibration" (loneliness by age, parents, no contact at 65+, trust by
// quintile), the adult age structure, mean ties and the staff figures (turnover rate, vacancy rate,
// burnout share, mean caseload), once a year from the end of burn-in; and the
// households (read from the population's columns): residents per household, the shares of 20-24,
// 25-29 and 30-34 year olds living with a parent (a co-resident at least life.parent_gap years
// older, as life_events.cpp defines it; ONS 2014: 49%, 21%, 8%) and of 20-34 living alone.
// Usage: community_calibrate [--seeds FIRST LAST] [--years Y] [--threads N] [key=value ...]
//   e.g. community_calibrate --seeds 1 10 --years 0 simulation.population=20000
// Prints one line per seed and year, then the mean and the standard deviation of one seed over
// the seeds at each year (the 10-seed table of docs/model.md comes from --seeds 1 10 --years 0).
#include <array>
#include <cmath>
#include <map>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "registry.hpp"
#include "command_line.hpp"
#include "socius/socius.hpp"

using namespace socius;

namespace {

struct Column {
  const char* label;
  const char* group;
  const char* indicator;
  bool share_of_all = false;  // residents of the group / residents of "all"
};

const Column kColumns[] = {
    {"lonely", "all", "lonely_share"},
    {"l16-24", "age_16_24", "lonely_share"},
    {"l25-34", "age_25_34", "lonely_share"},
    {"l35-44", "age_35_44", "lonely_share"},
    {"l45-54", "age_45_54", "lonely_share"},
    {"l55-64", "age_55_64", "lonely_share"},
    {"l65-74", "age_65_74", "lonely_share"},
    {"l75+", "age_75_plus", "lonely_share"},
    {"l65+", "age_65_plus", "lonely_share"},
    {"nc65+", "age_65_plus", "no_contact_share"},
    {"trust", "all", "trust_share"},
    {"trustq1", "quintile_1", "trust_share"},
    {"trustq5", "quintile_5", "trust_share"},
    {"lparent", "parents", "lonely_share"},
    {"ties", "all", "mean_degree"},
    {"ties75+", "age_75_plus", "mean_degree"},
    {"s16-24", "age_16_24", "residents", true},
    {"s65+", "age_65_plus", "residents", true},
    {"s75+", "age_75_plus", "residents", true},
    {"parents", "parents", "residents", true},
    {"turnovr", "all", "staff_turnover_rate"},
    {"vacancy", "all", "vacancy_rate"},
    {"burnout", "all", "burnout_share"},
    {"caseld", "all", "caseload_mean"},
};
constexpr std::size_t kC = std::size(kColumns);
const char* const kHouseholdColumns[] = {"hhsize", "home20", "home25", "home30", "alone20"};
constexpr std::size_t kH = std::size(kHouseholdColumns);

double value(const Recorder& r, std::size_t t, const std::string& group, const std::string& indicator) {
  const std::size_t G = r.spec.groups.size(), K = r.spec.indicators.size();
  std::size_t g = 0;
  while (g < G && r.spec.groups[g] != group) ++g;
  const std::size_t k = r.spec.index(indicator);
  if (g == G || k == K) return std::nan("");
  return r.values[t * G * K + g * K + k];
}

/// The household columns (kHouseholdColumns) of the simulation now.
std::array<double, kH> households(Simulation& sim) {
  auto& pop = sim.world().population;
  const auto& nbhd = pop.column<std::uint32_t>("neighbourhood");
  const auto& age = pop.column<float>("age");
  const auto& home = pop.column<std::uint32_t>("household");
  const double gap = sim.parameters().real("life.parent_gap");
  AgentIndex R = 0;
  while (R < pop.size() && nbhd[R] != 0xFFFFFFFFu) ++R;
  std::map<std::uint32_t, std::vector<AgentIndex>> members;
  for (AgentIndex a = 0; a < R; ++a) members[home[a]].push_back(a);
  std::array<double, 3> with_parent{}, in_band{};
  double alone = 0, young = 0;
  for (const auto& [h, m] : members) {
    for (AgentIndex a : m) {
      const float x = age[a];
      if (x < 20.0f || x >= 35.0f) continue;
      const int band = x < 25.0f ? 0 : x < 30.0f ? 1 : 2;
      bool parent = false;
      for (AgentIndex b : m) parent |= b != a && age[b] >= x + gap;
      in_band[band] += 1;
      with_parent[band] += parent ? 1 : 0;
      young += 1;
      alone += m.size() == 1 ? 1 : 0;
    }
  }
  return {static_cast<double>(R) / static_cast<double>(members.size()), with_parent[0] / in_band[0], with_parent[1] / in_band[1],
          with_parent[2] / in_band[2], alone / young};
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, years = 0;
  std::uint64_t first = 1, last = 3;
  std::vector<ParameterEntry> entries;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--years" && i + 1 < argc) years = std::atoi(argv[++i]);
    else if (a == "--seeds" && i + 2 < argc) {
      first = std::strtoull(argv[++i], nullptr, 10);
      last = std::strtoull(argv[++i], nullptr, 10);
    } else {
      const auto eq = a.find('=');
      if (eq == std::string::npos) {
        std::fprintf(stderr, "expected key=value, got %s\n", a.c_str());
        return 2;
      }
      entries.push_back({a.substr(0, eq), bench::parse_value(a.substr(eq + 1)), "command line"});
    }
  }
  entries.push_back({"simulation.steps", static_cast<std::int64_t>(52 * years), "community_calibrate"});
  entries.push_back({"simulation.record_every", std::int64_t{52}, "community_calibrate"});
  const auto& model = models::find("community");
  const std::size_t T = static_cast<std::size_t>(years) + 1, C = kC + kH;
  std::vector<double> sum(T * C, 0.0), sum2(T * C, 0.0);
  std::printf("seed year");
  for (const Column& c : kColumns) std::printf(" %7s", c.label);
  for (const char* c : kHouseholdColumns) std::printf(" %7s", c);
  std::printf("\n");
  for (std::uint64_t seed = first; seed <= last; ++seed) {
    Simulation sim(model, entries, seed, threads);
    // Burn-in, then a year at a time, reading the households at each recorded time.
    sim.step(sim.parameters().integer("simulation.burn_in"));
    for (std::size_t t = 0; t < T; ++t) {
      if (t > 0) sim.step(52);
      const Recorder& r = sim.recorder();
      if (t >= r.times.size()) break;
      std::printf("%4llu %4zu", static_cast<unsigned long long>(seed), t);
      std::array<double, C> v{};
      for (std::size_t c = 0; c < kC; ++c) {
        v[c] = value(r, t, kColumns[c].group, kColumns[c].indicator);
        if (kColumns[c].share_of_all) v[c] /= value(r, t, "all", "residents");
      }
      const auto hh = households(sim);
      for (std::size_t c = 0; c < kH; ++c) v[kC + c] = hh[c];
      for (std::size_t c = 0; c < C; ++c) {
        sum[t * C + c] += v[c];
        sum2[t * C + c] += v[c] * v[c];
        std::printf(" %7.4f", v[c]);
      }
      std::printf("\n");
      std::fflush(stdout);
    }
  }
  const double n = static_cast<double>(last - first + 1);
  for (std::size_t t = 0; t < T; ++t) {
    std::printf("mean %4zu", t);
    for (std::size_t c = 0; c < C; ++c) std::printf(" %7.4f", sum[t * C + c] / n);
    std::printf("\n  sd %4zu", t);
    for (std::size_t c = 0; c < C; ++c) {
      const double m = sum[t * C + c] / n;
      std::printf(" %7.4f", n > 1 ? std::sqrt(std::max(0.0, (sum2[t * C + c] - n * m * m) / (n - 1))) : 0.0);
    }
    std::printf("\n");
  }
  return 0;
}
