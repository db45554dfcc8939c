// Indicators, by group ("all" residents, deprivation quintiles, age bands, parents of young
// children). Per-resident sums use a deterministic reduction (fixed blocks, fixed tree), so
// values are bit-identical for any number of threads. Network measures (clustering, the largest
// component) come from socius/netstats.hpp, over residents' social ties.
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/partitioner.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "indicators.hpp"
#include "state.hpp"

namespace socius::models::community {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

enum Field { fN, fLonely, fNoContact, fTrust, fPull, fCivic, fQsum, fQn, fWaiting, fDegree, fStrength, fNoClose, fLsum, fTsum, kFields };

struct Acc {
  std::vector<double> v;
  Acc() = default;
  explicit Acc(std::size_t n) : v(n, 0.0) {}
};

}  // namespace

const std::vector<Indicator>& indicator_list() {
  // name, label, category, unit, whether higher is better, description. Units: "share" of the
  // group (0-1), "score" (a mean on 0-1), "GBP", or what is counted.
  constexpr Better kUp = Better::Higher, kDown = Better::Lower, kNeither = Better::Neither;
  static const std::vector<Indicator> list = {
      {"residents", "Residents", "other", "people", kNeither, "residents in the group (count)"},
      {"lonely_share", "Often or always lonely", "loneliness", "share", kDown,
       "share often or always lonely (L >= loneliness.threshold), 0-1"},
      {"no_contact_share", "No social contact in the week", "loneliness", "share", kDown,
       "share with no contact this week with any kin, friend or acquaintance, nor with a relative living elsewhere, 0-1"},
      {"trust_share", "Say most people can be trusted", "trust", "share", kUp,
       "share saying most people can be trusted (T >= trust.threshold), 0-1"},
      {"pull_together_share", "Say people here pull together", "trust", "share", kUp,
       "share saying people in their neighbourhood pull together, 0-1"},
      {"civic_efficacy_mean", "Civic efficacy (mean, 0 to 1)", "trust", "score", kUp, "mean civic efficacy E, 0-1"},
      {"jobs_found", "Jobs found", "services", "people", kUp,
       "jobs found since policy time 0, cumulative count of residents"},
      {"cases_resolved", "Legal cases resolved", "services", "cases", kUp,
       "legal cases resolved since policy time 0, cumulative count"},
      {"attainment", "School attainment", "services", "steps of progress", kUp,
       "steps of school progress since policy time 0, cumulative count"},
      {"behaviour_change", "Positive health behaviour changes", "services", "changes", kUp,
       "positive health behaviour changes since policy time 0, cumulative count"},
      {"relationship_quality_mean", "Quality of service relationships (mean, 0 to 1)", "services", "score", kUp,
       "mean relationship quality q over current service relationships, 0-1"},
      {"waiting_list", "People on a waiting list", "services", "needs", kDown,
       "needs waiting for a professional now (count; a resident can wait for several services)"},
      {"burnout_mean", "Staff burnout (mean, 0 to 1)", "staff", "score", kDown,
       "mean burnout B of professionals in post, 0-1 (group 'all' only; NaN elsewhere)"},
      {"staff_turnover", "Staff who left", "staff", "people", kDown,
       "professionals who left since policy time 0, cumulative count (group 'all' only)"},
      {"vacancies", "Vacant posts", "staff", "posts", kDown, "funded posts vacant now, count (group 'all' only)"},
      {"cost_to_date", "Cost to date", "cost", "GBP", kDown,
       "policy spending since policy time 0, GBP, cumulative, undiscounted (group 'all' and by the deprivation quintile of what it reaches; NaN for age groups and parents)"},
      {"savings_to_date", "Savings realised to date", "cost", "GBP", kUp,
       "savings realised by a reorganisation that chose savings (posts cut) since policy time 0, GBP, cumulative, undiscounted (group 'all' and by quintile; NaN for age groups and parents)"},
      {"mean_degree", "Ties per person (mean)", "network", "ties", kNeither,
       "mean number of social ties (kin, friend, acquaintance) per resident"},
      {"mean_strength", "Tie strength per person (mean)", "network", "weight units", kNeither,
       "mean sum of social tie weights per resident"},
      {"clustering", "Clustering coefficient", "network", "score", kNeither,
       "mean local clustering coefficient of social ties over a deterministic sample of residents with 2+ ties (every indicators.clustering_every steps; NaN otherwise)"},
      {"no_close_tie_share", "No close tie", "loneliness", "share", kDown,
       "share without a kin or friend tie of weight >= ties.close_threshold, 0-1"},
      {"largest_component_share", "People in the largest connected group", "network", "share", kNeither,
       "share of residents in the largest component of social ties (group 'all', every indicators.component_every steps; NaN otherwise)"},
      {"loneliness_mean", "Loneliness (mean, 0 to 1)", "loneliness", "score", kDown, "mean loneliness L, 0-1"},
      {"trust_mean", "Generalised trust (mean, 0 to 1)", "trust", "score", kUp, "mean trust T, 0-1"},
      {"staff_turnover_rate", "Staff turnover rate", "staff", "leavers per post per year", kDown,
       "professionals who left in the last 52 weeks (burn-in included) / professionals in post now (DfE: leavers in the year / staff in post) (group 'all' only)"},
      {"vacancy_rate", "Vacancy rate", "staff", "share", kDown,
       "vacant posts / funded posts (vacant + filled) now, 0-1 (group 'all' only)"},
      {"burnout_share", "Staff burnt out", "staff", "share", kDown,
       "share of professionals in post with burnout B >= burnout.threshold, 0-1 (group 'all' only)"},
      {"caseload_mean", "Caseload per professional (mean)", "staff", "clients", kNeither,
       "mean number of clients per professional in post, all services (group 'all' only)"},
      // Appraisal (issue 16; docs/model.md, "Costs and appraisal"). Present values discount a
      // flow in the step ending at policy week t by (1 + r)^(-t/52).
      {"cost_pv", "Cost to date (present value)", "cost", "GBP", kDown,
       "policy spending since policy time 0 in present value at appraisal.discount_rate (Green Book 3.5%), GBP, cumulative; the sum of the five cost_<item>_pv (group 'all' and by quintile; NaN for age groups and parents)"},
      {"cost_hubs_pv", "Cost of community hubs (present value)", "cost", "GBP", kDown,
       "spending on community hubs (hub-years open, hubs opened) in present value, GBP, cumulative (by the quintile of the hub's neighbourhood)"},
      {"cost_befriending_pv", "Cost of befriending (present value)", "cost", "GBP", kDown,
       "spending on befriending (match-weeks running, volunteers recruited) in present value, GBP, cumulative (by the quintile of the befriended resident)"},
      {"cost_relational_practice_pv", "Cost of relational practice (present value)", "cost", "GBP", kDown,
       "spending on relational practice (extra post-years filled, professionals trained) in present value, GBP, cumulative (by the quintiles of the team's area)"},
      {"cost_collaboration_pv", "Cost of local collaboration (present value)", "cost", "GBP", kDown,
       "spending on local collaboration (professional-years in collaborating teams, set-up) in present value, GBP, cumulative (by the quintiles of the team's area)"},
      {"cost_reorganisation_pv", "Cost of the reorganisation (present value)", "cost", "GBP", kDown,
       "spending on the reorganisation (per member of staff affected, fixed programme cost, with optimism bias) in present value, GBP, cumulative (staff by their area's quintiles; the programme by residents)"},
      {"savings_pv", "Savings realised (present value)", "cost", "GBP", kUp,
       "savings_to_date in present value at appraisal.discount_rate, GBP, cumulative (group 'all' and by quintile)"},
      {"lonely_years", "Person-years often lonely", "loneliness", "person-years", kDown,
       "sum over policy weeks 1..t of the residents often lonely / 52, cumulative"},
      {"lonely_years_pv", "Person-years often lonely (present value)", "loneliness", "person-years", kDown,
       "lonely_years with each week discounted at appraisal.health_discount_rate (Green Book 1.5% for health and wellbeing effects), cumulative"},
      {"jobs_found_pv", "Jobs found (present value)", "services", "people", kUp,
       "jobs_found with each week discounted at appraisal.discount_rate (3.5%: a service output, not a health effect), cumulative"},
      {"cases_resolved_pv", "Legal cases resolved (present value)", "services", "cases", kUp,
       "cases_resolved with each week discounted at appraisal.discount_rate, cumulative"},
      {"attainment_pv", "School attainment (present value)", "services", "steps of progress", kUp,
       "attainment with each week discounted at appraisal.discount_rate, cumulative"},
      {"behaviour_change_pv", "Positive health behaviour changes (present value)", "services", "changes", kUp,
       "behaviour_change with each week discounted at appraisal.discount_rate (a count of service outcomes; the wellbeing effect is lonely_years_pv), cumulative"},
  };
  return list;
}

const std::vector<std::string>& group_list() {
  static const std::vector<std::string> groups = {"all",        "quintile_1", "quintile_2", "quintile_3", "quintile_4",
                                                  "quintile_5", "age_16_24",  "age_25_34",  "age_35_44",  "age_45_54",
                                                  "age_55_64",  "age_65_74",  "age_75_plus", "age_65_plus", "parents"};
  return groups;
}

void measure_indicators(const State& s, const World& world, const StepContext& ctx, double* out) {
  const auto& g = world.ties;
  const Params& P = s.P;
  const std::size_t G = group_list().size(), K = indicator_list().size();
  const AgentIndex R = s.residents;
  // Sums are taken per cell (quintile x age band x parent), 14 additions per resident, and then
  // added up per group, instead of 14 additions for each of a resident's up to 5 groups.
  constexpr std::size_t C = State::kCells;
  const std::size_t width = C * kFields;
  const auto l_thr = static_cast<float>(P.loneliness.threshold), t_thr = static_cast<float>(P.trust.threshold);
  const float close = close_threshold(P);
  constexpr double kUndefined = std::numeric_limits<double>::quiet_NaN();

  // The social-tie fields come from the loneliness system's sums when it ran in this step
  // (state.hpp); otherwise every resident's ties are walked here.
  const bool summed = s.social_sums_step == ctx.step && s.social_sums.size() == C * State::kSocialFields;
  Acc acc = tbb::parallel_deterministic_reduce(
      tbb::blocked_range<AgentIndex>(0, R, kGrain), Acc(width),
      [&](const tbb::blocked_range<AgentIndex>& r, Acc a) {
        for (AgentIndex i = r.begin(); i != r.end(); ++i) {
          // Blocks of consecutive residents are scattered by relocation: ask for the ties of
          // the resident a few places ahead so that its cache misses overlap with this one.
          SocialTies st;
          if (!summed) {
            if (i + 12 < r.end()) g.prefetch_ties(i + 12);
            st = social_ties(g.ties(i), close);
          }
          double qsum = 0, qn = 0, waiting = 0;
          const std::uint8_t needs = s.needs[i];
          for (int k = 0; k < kServices; ++k) {
            if (!(needs & (1u << k))) continue;
            if (s.prof[k][i] != kNone) {
              qsum += s.quality[k][i];
              qn += 1;
            } else {
              waiting += 1;
            }
          }
          const std::uint32_t j = s.nbhd[i];
          const bool pull = (s.nbhd_trust[j] + known_share(s, i)) / 2.0 >= P.trust.pull_together_threshold;
          const float L = s.lonely[i], T = s.trust[i];
          // An undefined state (NaN) is never counted as "below the threshold": it makes its
          // groups' shares undefined too, as it does their means.
          const double lonely = L >= l_thr ? 1.0 : (L < l_thr ? 0.0 : kUndefined);
          const double trusting = T >= t_thr ? 1.0 : (T < t_thr ? 0.0 : kUndefined);
          double f[kFields] = {1.0, lonely, (s.made[i] + s.received[i]) == 0 ? 1.0 : 0.0,
                               trusting, pull ? 1.0 : 0.0, s.civic[i], qsum, qn, waiting,
                               static_cast<double>(st.degree), st.strength, st.has_close || summed ? 0.0 : 1.0, L, T};
          double* row = a.v.data() + s.cell_of(i) * kFields;
          for (int x = 0; x < kFields; ++x) row[x] += f[x];
        }
        return a;
      },
      [](Acc x, const Acc& y) {
        for (std::size_t i = 0; i < x.v.size(); ++i) x.v[i] += y.v[i];
        return x;
      },
      tbb::simple_partitioner());
  if (summed) {
    for (std::size_t c = 0; c < C; ++c) {
      const double* from = s.social_sums.data() + c * State::kSocialFields;
      acc.v[c * kFields + fDegree] = from[0];
      acc.v[c * kFields + fStrength] = from[1];
      acc.v[c * kFields + fNoClose] = from[2];
    }
  }
  std::vector<double> sums(G * kFields, 0.0);
  {
    std::uint32_t groups[8];
    for (std::uint32_t c = 0; c < C; ++c) {
      const double* cell = acc.v.data() + c * kFields;
      const int n = State::groups_of_cell(c, groups);
      for (int k = 0; k < n; ++k) {
        double* row = sums.data() + groups[k] * kFields;
        for (int x = 0; x < kFields; ++x) row[x] += cell[x];
      }
    }
  }

  // Clustering over an evenly spaced sample: each sampled resident's coefficient is computed in
  // parallel (the neighbour look-ups were the serial part of a recorded step), then summed in
  // sample order, as before. Every indicators.clustering_every steps of policy time (NaN
  // otherwise), like the largest component: it changes slowly, and its look-ups were about 2% of
  // a recorded step at 100,000 residents.
  std::vector<double> csum(G, 0.0), cn(G, 0.0);
  if (P.indicators.clustering_sample > 0 && R > 0 && ctx.time % P.indicators.clustering_every == 0) {
    const AgentIndex stride = std::max<AgentIndex>(1, static_cast<AgentIndex>(R / static_cast<std::uint64_t>(P.indicators.clustering_sample)));
    const AgentIndex samples = (R - 1) / stride + 1;
    std::vector<AgentIndex> sample(samples);
    for (AgentIndex q = 0; q < samples; ++q) sample[q] = q * stride;
    // NaN for a resident with fewer than two social ties: left out of the mean.
    const auto coefficient = netstats::local_clustering(g, sample, kSocialTies, kNaN);
    std::uint32_t groups[8];
    for (AgentIndex q = 0; q < samples; ++q) {
      const AgentIndex a = q * stride;
      const double c = coefficient[q];
      if (std::isnan(c)) continue;
      const int n = s.groups_of(a, groups);
      for (int k = 0; k < n; ++k) {
        csum[groups[k]] += c;
        cn[groups[k]] += 1;
      }
    }
  }
  const bool components = ctx.time % P.indicators.component_every == 0;
  const double component =
      components ? netstats::connected_components(g, kSocialTies, {0, R}).largest_share : kNaN;
  // Professionals.
  double bsum = 0, bn = 0, vacancies = 0, burnt = 0, cases = 0;
  const auto b_thr = static_cast<float>(P.burnout.threshold);
  for (AgentIndex p = R; p < s.agents(); ++p) {
    if (s.post[p] == 1) {
      bsum += s.burnout[p];
      bn += 1;
      burnt += s.burnout[p] >= b_thr ? 1.0 : 0.0;
      cases += s.caseload[p];
    } else if (s.post[p] == 2) {
      vacancies += 1;
    }
  }
  double leavers_year = 0;
  for (double x : s.leavers_week) leavers_year += x;

  for (std::size_t gi = 0; gi < G; ++gi) {
    const double* f = sums.data() + gi * kFields;
    const double n = f[fN];
    auto share = [&](int field) { return n > 0 ? f[field] / n : kNaN; };
    double* o = out + gi * K;
    const bool all = gi == 0;
    o[0] = n;
    o[1] = share(fLonely);
    o[2] = share(fNoContact);
    o[3] = share(fTrust);
    o[4] = share(fPull);
    o[5] = share(fCivic);
    o[6] = s.outcomes.jobs[gi];
    o[7] = s.outcomes.cases[gi];
    o[8] = s.outcomes.attainment[gi];
    o[9] = s.outcomes.behaviour[gi];
    o[10] = f[fQn] > 0 ? f[fQsum] / f[fQn] : kNaN;
    o[11] = f[fWaiting];
    o[12] = all ? (bn > 0 ? bsum / bn : kNaN) : kNaN;
    o[13] = all ? s.staff_leavers : kNaN;
    o[14] = all ? vacancies : kNaN;
    // Spending and savings: "all" and the five quintile groups (indices 1..5 of group_list).
    const int q = gi >= 1 && gi <= static_cast<std::size_t>(kQuintiles) ? static_cast<int>(gi) - 1 : -1;
    const bool by_quintile = all || q >= 0;
    auto quintiles = [&](auto value) {  // value(i) for quintile i (0-based); "all" sums them
      if (!by_quintile) return kNaN;
      if (q >= 0) return value(q);
      double total = 0;
      for (int i = 0; i < kQuintiles; ++i) total += value(i);
      return total;
    };
    o[15] = all ? s.cost_to_date : quintiles([&](int i) { return s.cost_q[i]; });
    o[16] = all ? s.savings_to_date : quintiles([&](int i) { return s.savings_q[i]; });
    o[17] = share(fDegree);
    o[18] = share(fStrength);
    o[19] = cn[gi] > 0 ? csum[gi] / cn[gi] : kNaN;
    o[20] = share(fNoClose);
    o[21] = all ? component : kNaN;
    o[22] = share(fLsum);
    o[23] = share(fTsum);
    o[24] = all && bn > 0 ? leavers_year / bn : kNaN;
    o[25] = all && bn + vacancies > 0 ? vacancies / (bn + vacancies) : kNaN;
    o[26] = all && bn > 0 ? burnt / bn : kNaN;
    o[27] = all && bn > 0 ? cases / bn : kNaN;
    double* pv = o + 28;
    pv[0] = quintiles([&](int i) {
      double x = 0;
      for (int item = 0; item < kCostItems; ++item) x += s.cost_pv[item][i];
      return x;
    });
    for (int item = 0; item < kCostItems; ++item) pv[1 + item] = quintiles([&](int i) { return s.cost_pv[item][i]; });
    pv[6] = quintiles([&](int i) { return s.savings_pv[i]; });
    const auto per_group = [&](const std::vector<double>& v, double scale) { return gi < v.size() ? v[gi] * scale : kNaN; };
    pv[7] = per_group(s.lonely_weeks, 1.0 / 52.0);
    pv[8] = per_group(s.lonely_weeks_pv, 1.0 / 52.0);
    pv[9] = per_group(s.outcomes_pv.jobs, 1.0);
    pv[10] = per_group(s.outcomes_pv.cases, 1.0);
    pv[11] = per_group(s.outcomes_pv.attainment, 1.0);
    pv[12] = per_group(s.outcomes_pv.behaviour, 1.0);
  }
}

}  // namespace socius::models::community
