// Staff side and geography of the community model, measured (docs/model.md, "Burnout, turnover
// and vacancies" and "Setup"): runs the baseline and prints, every `--every` weeks after
// burn-in, the staff indicators, needs and caseloads per service, and waiting needs per
// resident need by deprivation quintile.
// Usage: community_staff [--seed S] [--every W] [key=value ...]
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "registry.hpp"
#include "command_line.hpp"
#include "socius/socius.hpp"

using namespace socius;

namespace {

double last(const Simulation& sim, const std::string& group, const std::string& indicator) {
  const auto& r = sim.recorder();
  const std::size_t G = r.spec.groups.size(), K = r.spec.indicators.size();
  std::size_t g = 0;
  while (g < G && r.spec.groups[g] != group) ++g;
  const std::size_t k = r.spec.index(indicator);
  if (g == G || k == K || r.times.empty()) return -1;
  return r.values[(r.times.size() - 1) * G * K + g * K + k];
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seed = 1;
  std::int64_t every = 52;
  std::vector<ParameterEntry> entries;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seed" && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--every" && i + 1 < argc) every = std::atoll(argv[++i]);
    else {
      const auto eq = a.find('=');
      if (eq == std::string::npos) return 2;
      entries.push_back({a.substr(0, eq), bench::parse_value(a.substr(eq + 1)), "command line"});
    }
  }
  Simulation sim(models::find("community"), entries, seed, 2);
  const std::int64_t steps = sim.steps_total();
  auto& pop = sim.world().population;
  const char* svc[4] = {"employment", "education", "health", "legal"};
  std::printf("week turnover vacancy burnout_share burnout_mean caseload waiting | needs per 10k e/ed/h/l | caseload e/ed/h/l | waiting per need q1..q5\n");
  for (std::int64_t done = 0; done <= steps; done += every) {
    if (done > 0) sim.step(static_cast<std::uint64_t>(every));
    else sim.step(0);
    auto& nbhd = pop.column<std::uint32_t>("neighbourhood");
    auto& needs = pop.column<std::uint8_t>("needs");
    auto& post = pop.column<std::uint8_t>("post");
    auto& service = pop.column<std::uint8_t>("service");
    auto& caseload = pop.column<std::uint32_t>("caseload");
    const auto N = pop.size();
    std::size_t R = 0;  // residents come first
    while (R < N && nbhd[R] != 0xFFFFFFFFu) ++R;
    double need[4] = {}, cl[4] = {}, inpost[4] = {}, qneed[5] = {}, qwait[5] = {};
    // quintile of a neighbourhood: 1 + j % 5 (setup.cpp)
    for (std::size_t a = 0; a < R; ++a) {
      const int q = static_cast<int>(nbhd[a] % 5);
      for (int k = 0; k < 4; ++k) {
        if (!(needs[a] & (1u << k))) continue;
        need[k] += 1;
        qneed[q] += 1;
        if (pop.column<std::uint32_t>(std::string("professional_") + svc[k])[a] == 0xFFFFFFFFu) qwait[q] += 1;
      }
    }
    for (std::size_t p = R; p < N; ++p) {
      if (post[p] != 1) continue;
      cl[service[p]] += caseload[p];
      inpost[service[p]] += 1;
    }
    std::printf("%4lld %.3f %.3f %.3f %.3f %.1f %.0f | %.0f %.0f %.0f %.0f | %.1f %.1f %.1f %.1f | %.3f %.3f %.3f %.3f %.3f\n",
                static_cast<long long>(done), last(sim, "all", "staff_turnover_rate"), last(sim, "all", "vacancy_rate"),
                last(sim, "all", "burnout_share"), last(sim, "all", "burnout_mean"), last(sim, "all", "caseload_mean"),
                last(sim, "all", "waiting_list"), need[0] * 1e4 / double(R), need[1] * 1e4 / double(R), need[2] * 1e4 / double(R), need[3] * 1e4 / double(R),
                cl[0] / inpost[0], cl[1] / inpost[1], cl[2] / inpost[2], cl[3] / inpost[3], qwait[0] / qneed[0], qwait[1] / qneed[1],
                qwait[2] / qneed[2], qwait[3] / qneed[3], qwait[4] / qneed[4]);
    std::fflush(stdout);
  }
  return 0;
}
