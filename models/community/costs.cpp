// Costs and appraisal (docs/model.md, "Costs and appraisal"): spending recorded by item and
// deprivation quintile, present values at the Green Book's rates, and the appraisal system
// that adds up person-years often lonely.
//   cost_pv = sum over steps t >= 1 of spend(t) (1 + r)^(-t/52),   r = appraisal.discount_rate
//   lonely_years = sum over t >= 1 of lonely(t) / 52,
//   lonely_years_pv = sum over t >= 1 of lonely(t) / 52 (1 + r_h)^(-t/52),   r_h = appraisal.health_discount_rate
// (HM Treasury Green Book 2022: 3.5% a year; 1.5% for health and wellbeing effects).
#include <array>
#include <cstdint>

#include "state.hpp"

namespace socius::models::community {

void State::spend(int item, int q, double gbp, std::int64_t t) {
  if (gbp == 0.0 || t < 1) return;
  const int i = std::clamp(q, 1, kQuintiles) - 1;
  cost_to_date += gbp;
  cost_q[i] += gbp;
  cost_pv[item][i] += gbp * discount_factor(P.appraisal.discount_rate, static_cast<double>(t));
}

void State::spend(int item, const std::array<double, kQuintiles>& share, double gbp, std::int64_t t) {
  if (gbp == 0.0 || t < 1) return;
  const double df = discount_factor(P.appraisal.discount_rate, static_cast<double>(t));
  cost_to_date += gbp;
  for (int i = 0; i < kQuintiles; ++i) {
    cost_q[i] += gbp * share[i];
    cost_pv[item][i] += gbp * share[i] * df;
  }
}

void State::save(const std::array<double, kQuintiles>& share, double gbp, std::int64_t t) {
  if (gbp == 0.0 || t < 1) return;
  const double df = discount_factor(P.appraisal.discount_rate, static_cast<double>(t));
  savings_to_date += gbp;
  for (int i = 0; i < kQuintiles; ++i) {
    savings_q[i] += gbp * share[i];
    savings_pv[i] += gbp * share[i] * df;
  }
}

/// The last system of a step: person-weeks often lonely (L >= loneliness.threshold) this week,
/// per indicator group, undiscounted and at the health discount rate. Serial over residents
/// (a count per cell, then per group), so the sums are the same for any number of threads.
void run_appraisal(State& s, World&, const StepContext& ctx) {
  if (ctx.time < 1) return;
  const std::size_t G = s.groups.size();
  if (s.lonely_weeks.size() != G) s.lonely_weeks.assign(G, 0.0);
  if (s.lonely_weeks_pv.size() != G) s.lonely_weeks_pv.assign(G, 0.0);
  std::array<std::uint32_t, State::kCells> cells{};
  const auto threshold = static_cast<float>(s.P.loneliness.threshold);
  for (AgentIndex a = 0; a < s.residents; ++a) {
    if (s.lonely[a] >= threshold) ++cells[s.cell_of(a)];
  }
  const double df = discount_factor(s.P.appraisal.health_discount_rate, static_cast<double>(ctx.time));
  std::uint32_t groups[8];
  for (std::uint32_t c = 0; c < State::kCells; ++c) {
    if (cells[c] == 0) continue;
    const int n = State::groups_of_cell(c, groups);
    for (int k = 0; k < n; ++k) {
      s.lonely_weeks[groups[k]] += cells[c];
      s.lonely_weeks_pv[groups[k]] += cells[c] * df;
    }
  }
}

}  // namespace socius::models::community
