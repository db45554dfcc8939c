// Generalised trust moves at trust.rate per week toward
//   T* = logistic(intercept + disposition + positive (pos - 0.7) + known k
//                 + neighbourhood (Tbar_n - 0.5) + service (qbar - 0.3) [while served])
// where pos is a moving average of the share of this week's contacts that were positive (the
// chance of a positive contact is lower in more deprived neighbourhoods), k = min(1, ties in
// one's neighbourhood / known_norm) is the share of the neighbourhood one knows, Tbar_n is the
// neighbourhood's mean trust last week, and qbar the mean relationship quality with the
// professionals one sees (MODEL.md mechanism 6). Trust feeds back on tie formation
// (tie_formation.cpp). Individual dispositions are normal on the logit scale.
#include <cmath>

#include "state.hpp"

namespace socius::models::community {

void run_trust(State& s, World&, const StepContext& ctx) {
  const Params& P = s.P;
  auto& T = s.trust;
  // Neighbourhood mean trust (serial: a fixed order of summation).
  std::vector<double> sum(s.n_nbhd, 0.0);
  for (AgentIndex a = 0; a < s.residents; ++a) sum[s.nbhd[a]] += T[a];
  for (std::uint32_t j = 0; j < s.n_nbhd; ++j) s.nbhd_trust[j] = s.nbhd_size[j] ? static_cast<float>(sum[j] / s.nbhd_size[j]) : 0.5f;

  parallel_for(0, s.residents, [&](AgentIndex a) {
    Stream rng = ctx.stream(a, kPurposeTrust);
    const std::uint32_t j = s.nbhd[a];
    const int q = s.quintile[j];
    const double p_pos = P.trust.positive_q1 + (P.trust.positive_q5 - P.trust.positive_q1) * (q - 1) / 4.0;
    const std::uint32_t n = std::min<std::uint32_t>(s.made[a] + s.received[a], 64);
    if (n > 0) {
      std::uint32_t pos = 0;
      for (std::uint32_t i = 0; i < n; ++i) pos += chance(rng, p_pos) ? 1u : 0u;
      auto& m = s.positive[a];
      m = clamp01(static_cast<float>(m + P.trust.positive_memory * (static_cast<double>(pos) / n - m)));
    }
    double qsum = 0;
    int served = 0;
    for (int k = 0; k < kServices; ++k) {
      if (s.prof[k][a] != kNone) {
        qsum += s.quality[k][a];
        ++served;
      }
    }
    double x = P.trust.intercept + s.disposition[a] + P.trust.positive * (s.positive[a] - 0.7) +
               P.trust.known * known_share(s, a) + P.trust.neighbourhood * (s.nbhd_trust[j] - 0.5);
    if (served > 0) x += P.trust.service * (qsum / served - 0.3);
    T[a] = clamp01(static_cast<float>(T[a] + P.trust.rate * (logistic(x) - T[a])));
  });
}

}  // namespace socius::models::community
