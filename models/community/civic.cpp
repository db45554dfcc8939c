// Civic efficacy (wanting to be involved in local decisions and feeling able to influence them)
// moves at civic.rate per week toward
//   E* = logistic(intercept + hub [hub member] + community [community focus member]
//                 + local k + trust (T - 0.5))
// with k the known share of one's neighbourhood (trust.cpp). MODEL.md mechanism 7; the seed
// (Civil Exchange, Whose Society?) reports the gradient by deprivation this reproduces. The
// direct hub term civic.hub is 0 by default (no published estimate): hubs raise civic efficacy
// through the contact they add (contact.cpp), hence local ties (k) and trust.
#include <cmath>

#include "state.hpp"

namespace socius::models::community {

void run_civic(State& s, World&, const StepContext&) {
  const Params& P = s.P;
  auto& E = s.civic;
  parallel_for(0, s.residents, [&](AgentIndex a) {
    const bool hub = s.focus_hub[a] != kNone && s.focus_activity[s.focus_hub[a]] > 0;
    const double x = P.civic.intercept + (hub ? P.civic.hub : 0.0) + (s.focus_comm[a] != kNone ? P.civic.community : 0.0) +
                     P.civic.local * known_share(s, a) + P.civic.trust * (s.trust[a] - 0.5);
    E[a] = clamp01(static_cast<float>(E[a] + P.civic.rate * (logistic(x) - E[a])));
  });
}

}  // namespace socius::models::community
