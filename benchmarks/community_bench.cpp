// Runs the community model and prints throughput (resident-steps per second, setup and run time
// separately, median of repetitions) and the calibration indicators at the end.
// Usage: community_bench [--threads N] [--reps R] [--quiet] [key=value ...]
//   e.g. community_bench simulation.population=100000 simulation.burn_in=0 simulation.steps=52
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "registry.hpp"
#include "command_line.hpp"
#include "socius/socius.hpp"

using namespace socius;

int main(int argc, char** argv) {
  int threads = 2, reps = 1;
  bool quiet = false, dist = false;
  std::uint64_t seed = 1;
  std::vector<ParameterEntry> entries;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--reps" && i + 1 < argc) reps = std::atoi(argv[++i]);
    else if (a == "--seed" && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--quiet") quiet = true;
    else if (a == "--dist") dist = true;
    else {
      const auto eq = a.find('=');
      if (eq == std::string::npos) {
        std::fprintf(stderr, "expected key=value, got %s\n", a.c_str());
        return 2;
      }
      entries.push_back({a.substr(0, eq), bench::parse_value(a.substr(eq + 1)), "command line"});
    }
  }
  const auto& model = models::find("community");
  std::vector<double> setups, runs;
  double resident_steps = 0;
  std::unique_ptr<Simulation> last;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    auto sim = std::make_unique<Simulation>(model, entries, seed, threads);
    const auto t1 = std::chrono::steady_clock::now();
    sim->run();
    const auto t2 = std::chrono::steady_clock::now();
    setups.push_back(std::chrono::duration<double>(t1 - t0).count());
    runs.push_back(std::chrono::duration<double>(t2 - t1).count());
    resident_steps = static_cast<double>(sim->parameters().integer("simulation.population")) * static_cast<double>(sim->steps_total());
    last = std::move(sim);
  }
  std::sort(setups.begin(), setups.end());
  std::sort(runs.begin(), runs.end());
  const double setup = setups[setups.size() / 2], run = runs[runs.size() / 2];
  const auto& w = last->world();
  std::printf("population %lld, steps %lld, threads %d, reps %d\n", static_cast<long long>(last->parameters().integer("simulation.population")),
              static_cast<long long>(last->steps_total()), threads, reps);
  std::printf("setup %.3f s, run %.3f s (median), %.3g resident-steps/s\n", setup, run, resident_steps / run);
  std::printf("memory: ties %.1f MiB, columns %.1f MiB, %.0f bytes per agent; mean half-ties per agent %.1f\n",
              static_cast<double>(w.ties.memory_bytes()) / 1048576.0, static_cast<double>(w.population.memory_bytes()) / 1048576.0,
              static_cast<double>(w.ties.memory_bytes() + w.population.memory_bytes()) / w.population.size(),
              2.0 * static_cast<double>(w.ties.tie_count()) / w.population.size());
  if (dist) {
    // Distribution of actual/desired relationships (loneliness.cpp's A / desired) by group.
    auto& pop = last->world().population;
    auto& age = pop.column<float>("age");
    auto& des = pop.column<float>("desired");
    auto& pu = pop.column<float>("parent_until");
    auto& made = pop.column<std::uint16_t>("contacts_made");
    auto& recv = pop.column<std::uint16_t>("contacts_received");
    auto& nb = pop.column<std::uint32_t>("neighbourhood");
    const double cw = last->parameters().real("loneliness.contact_weight"), kw = last->parameters().real("loneliness.close_weight");
    std::vector<std::vector<double>> r(5);
    for (AgentIndex a = 0; a < pop.size() && nb[a] != 0xFFFFFFFFu; ++a) {
      double A = 0;
      for (const auto& h : w.ties.ties(a)) if (h.type == 0 || h.type == 1) A += h.weight;
      const double A2 = kw * A + cw * (made[a] + recv[a]);
      const double x = A2 / des[a];
      const int g = pu[a] > age[a] ? 1 : age[a] < 25 ? 2 : age[a] >= 65 ? 3 : 4;
      r[0].push_back(x);
      r[g].push_back(x);
    }
    const char* names[5] = {"all", "parents", "16-24", "65+", "other"};
    for (int g = 0; g < 5; ++g) {
      std::sort(r[g].begin(), r[g].end());
      std::printf("A/desired %-8s n=%6zu", names[g], r[g].size());
      for (double q : {0.03, 0.05, 0.1, 0.25, 0.5, 0.75}) std::printf("  q%.2f=%.2f", q, r[g].empty() ? 0.0 : r[g][static_cast<std::size_t>(q * static_cast<double>(r[g].size()))]);
      std::printf("\n");
    }
  }
  if (quiet) return 0;
  const auto& rec = last->recorder();
  const std::size_t G = rec.spec.groups.size(), K = rec.spec.indicators.size();
  const double* row = rec.values.data() + (rec.times.size() - 1) * G * K;
  std::printf("%-26s", "indicator");
  for (std::size_t g = 0; g < G; ++g) std::printf(" %9.9s", rec.spec.groups[g].c_str());
  std::printf("\n");
  for (std::size_t k = 0; k < K; ++k) {
    std::printf("%-26s", rec.spec.indicators[k].name.c_str());
    for (std::size_t g = 0; g < G; ++g) std::printf(" %9.4g", row[g * K + k]);
    std::printf("\n");
  }
  return 0;
}
