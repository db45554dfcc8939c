// Setup: residents in households (kin ties), neighbourhoods by deprivation quintile, foci
// (workplaces, colleges, school gates, community places, policy hubs), initial friend and
// acquaintance ties drawn from foci (Feld 1981), and professionals in teams with collegial ties.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <utility>

#include <oneapi/tbb/task_arena.h>

#include "borough.hpp"
#include "setup.hpp"
#include "socius/errors.hpp"
#include "state.hpp"

namespace socius::models::community {

namespace {

/// Gamma variate with the given shape and mean 1 (Marsaglia & Tsang 2000; boost for shape < 1).
double gamma_mean1(Stream& rng, double shape) {
  double boost = 1.0;
  double k = shape;
  if (k < 1.0) {
    boost = std::pow(rng.uniform() + 1e-300, 1.0 / k);
    k += 1.0;
  }
  const double d = k - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = rng.normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = rng.uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x || std::log(u + 1e-300) < 0.5 * x * x + d * (1.0 - v + std::log(v))) {
      return boost * d * v / shape;
    }
  }
}

double uniform(Stream& rng, double lo, double hi) { return lo + (hi - lo) * rng.uniform(); }

/// Draws a household type compatible with `size` adults (0: any), from the household mix `mix`
/// (shares by HouseholdType: structure.household_*, or a borough neighbourhood's).
int draw_type(const std::array<double, 5>& mix, Stream& rng, std::uint32_t size) {
  static const bool compatible[5][5] = {
      // size:      any   1      2      3      4+
      /* one  */ {true, true, false, false, false},
      /* cpl  */ {true, false, true, false, false},
      /* cplc */ {true, false, true, true, false},
      /* lone */ {true, true, true, false, false},
      /* shrd */ {true, false, true, true, true},
  };
  const std::uint32_t col = std::min<std::uint32_t>(size, 4);
  double total = 0;
  for (int t = 0; t < 5; ++t) total += compatible[t][col] ? mix[t] : 0.0;
  if (total <= 0) return size == 1 ? kOnePerson : kShared;
  double u = rng.uniform() * total;
  for (int t = 0; t < 5; ++t) {
    if (!compatible[t][col]) continue;
    if (u < mix[t]) return t;
    u -= mix[t];
  }
  return size == 1 ? kOnePerson : kShared;
}

std::uint32_t natural_size(int type, Stream& rng) {
  switch (type) {
    case kOnePerson: return 1;
    case kCouple: return 2;
    case kCoupleChildren: return 2 + (rng.bernoulli(0.2) ? 1 : 0);
    case kLoneParent: return 1 + (rng.bernoulli(0.25) ? 1 : 0);
    default: return 2 + rng.below(2);
  }
}

}  // namespace

double need_index(const Params& P, int service, int quintile) {
  switch (service) {
    case kEmployment: {
      const double emp = P.structure.employment_rate_q1 + (P.structure.employment_rate_q5 - P.structure.employment_rate_q1) * (quintile - 1) / 4.0;
      const double emp_mean = (P.structure.employment_rate_q1 + P.structure.employment_rate_q5) / 2.0;
      return emp_mean < 1.0 ? (1.0 - emp) / (1.0 - emp_mean) : 1.0;
    }
    case kLegal: {
      const double d = P.services.legal_deprivation;
      return (1.0 + (d - 1.0) * (5 - quintile) / 4.0) / (1.0 + (d - 1.0) / 2.0);
    }
    default: return 1.0;
  }
}

std::vector<std::uint32_t> apportion(std::uint32_t total, const std::vector<double>& weight) {
  const auto n = static_cast<std::uint32_t>(weight.size());
  std::vector<std::uint32_t> out(n, 0);
  if (n == 0) return out;
  double sum = 0;
  for (double x : weight) sum += x;
  const std::uint32_t floor_each = total >= n ? 1 : 0;
  const std::uint32_t rest = total - floor_each * n;
  std::vector<std::pair<double, std::uint32_t>> remainder(n);
  std::uint32_t given = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const double quota = sum > 0 ? rest * weight[i] / sum : static_cast<double>(rest) / n;
    const auto whole = static_cast<std::uint32_t>(std::floor(quota));
    out[i] = floor_each + whole;
    given += whole;
    remainder[i] = {quota - whole, i};
  }
  std::stable_sort(remainder.begin(), remainder.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  for (std::uint32_t i = 0; given < rest; ++i, ++given) ++out[remainder[i % n].second];
  return out;
}

namespace {

/// The household mix of neighbourhood j: its borough row's (docs/borough.md), else structure.household_*.
const std::array<double, 5>& household_mix(const State& s, std::uint32_t j) {
  return s.nbhd_household.empty() ? s.P.structure.household : s.nbhd_household[j];
}

/// The first half of fill_household: the household's type and its members' ages (age,
/// parent_until, household).
void draw_household_ages(State& s, std::span<const AgentIndex> slots, std::uint32_t household_focus, Stream& rng) {
  const Params& P = s.P;
  const auto n = static_cast<std::uint32_t>(slots.size());
  const int type = draw_type(household_mix(s, s.nbhd[slots[0]]), rng, n);
  auto& age = s.age;
  auto& parent_until = s.parent_until;
  // Ages of the household's adults by type; the rest are adult children or sharers.
  double first = 40;
  bool young_child = false;
  switch (type) {
    case kOnePerson: first = rng.bernoulli(P.structure.older_one_person_share) ? uniform(rng, 65, 95) : uniform(rng, 20, 65); break;
    case kCouple: first = rng.bernoulli(P.structure.older_couple_share) ? uniform(rng, 55, 88) : uniform(rng, 24, 55); break;
    case kCoupleChildren:
    case kLoneParent:
      first = n >= (type == kCoupleChildren ? 3u : 2u) ? uniform(rng, 38, 58) : uniform(rng, 20, 46);
      young_child = first < 45 && rng.bernoulli(P.structure.young_child_share);
      break;
    default: first = uniform(rng, 20, 35); break;
  }
  const bool family_shared = type == kShared && rng.bernoulli(0.5);
  if (family_shared) first = uniform(rng, 45, 65);
  const std::uint32_t adults = (type == kCouple || type == kCoupleChildren) ? 2 : 1;
  const double child_years = young_child ? uniform(rng, 0, 5) : 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const AgentIndex a = slots[i];
    double x;
    if (i == 0) {
      x = first;
    } else if (i < adults) {
      x = std::max(18.0, first + 3.0 * rng.normal());
    } else if (type == kShared && !family_shared) {
      x = uniform(rng, 20, 35);
    } else {
      x = uniform(rng, 16, 24);  // adult child living at home
    }
    age[a] = static_cast<float>(x);
    parent_until[a] = (young_child && i < adults) ? static_cast<float>(x + 5.0 - child_years) : 0.0f;
    s.household[a] = household_focus;
  }
}

/// The second half of fill_household: each member's traits, states and foci (from their ages),
/// and the kin ties within the household.
void draw_members(State& s, std::span<const AgentIndex> slots, Stream& rng, bool at_setup, std::vector<TieEvent>& events) {
  const Params& P = s.P;
  const auto n = static_cast<std::uint32_t>(slots.size());
  auto& age = s.age;
  auto& parent_until = s.parent_until;
  // Traits and states of each member.
  for (std::uint32_t i = 0; i < n; ++i) {
    const AgentIndex a = slots[i];
    const int q = s.quintile[s.nbhd[a]];
    const double x = age[a];
    std::uint8_t st;
    if (x < 18 || (x < 22 && rng.bernoulli(0.45))) {
      st = kEducation;
    } else if (x >= P.life.retirement_age || (x >= 60 && rng.bernoulli(0.3))) {
      st = kRetired;
    } else {
      double emp = P.structure.employment_rate_q1 + (P.structure.employment_rate_q5 - P.structure.employment_rate_q1) * (q - 1) / 4.0;
      if (parent_until[a] > age[a]) emp *= 0.75;
      st = rng.bernoulli(emp) ? kEmployed : (rng.bernoulli(P.structure.unemployment_share) ? kUnemployed : kInactive);
    }
    s.status[a] = st;
    s.sociability[a] = static_cast<float>(gamma_mean1(rng, P.contact.sociability_shape));
    double desired = P.loneliness.desired_mean * std::exp(P.loneliness.desired_sd * rng.normal() - 0.5 * P.loneliness.desired_sd * P.loneliness.desired_sd);
    s.desired[a] = static_cast<float>(desired);
    s.disposition[a] = static_cast<float>(P.trust.disposition_sd * rng.normal());
    s.positive[a] = static_cast<float>(P.trust.positive_q1 + (P.trust.positive_q5 - P.trust.positive_q1) * (q - 1) / 4.0);
    s.trust[a] = static_cast<float>(logistic(P.trust.intercept + s.disposition[a]));
    s.lonely[a] = at_setup ? 0.2f : 0.3f;  // a newcomer knows no one yet
    s.civic[a] = at_setup ? 0.3f : 0.2f;
    s.focus_comm[a] = kNone;
    s.focus_hub[a] = kNone;
    s.befriender[a] = kNone;
    s.trial_arm[a] = kArmNone;  // a newcomer takes no part in a trial under way
    s.befriended[a] = 0;
    s.made[a] = 0;
    s.received[a] = 0;
    s.local_ties[a] = 0;
    s.family_away[a] = static_cast<std::uint8_t>(std::min<std::uint32_t>(rng.poisson(P.structure.family_away), 255));
    s.meetings[a] = 0;
    s.needs[a] = 0;
    for (int k = 0; k < kServices; ++k) {
      s.prof[k][a] = kNone;
      s.quality[k][a] = 0.0f;
      s.waited[k][a] = 0;
    }
    if (st == kUnemployed) s.needs[a] |= 1u << kEmployment;
    if (st == kEducation) s.needs[a] |= 1u << kEducationSvc;
    // Work focus.
    std::uint32_t work = kNone;
    const std::uint32_t j = s.nbhd[a];
    if (st == kEmployed && s.n_workplaces > 0) {
      work = s.n_workplaces_first + rng.below(s.n_workplaces);
    } else if (st == kEducation) {
      work = s.colleges_of_nbhd[j];
    } else if (parent_until[a] > age[a]) {
      work = s.school_of_nbhd[j];
    }
    s.focus_work[a] = work;
    // Community focus, more likely for sociable people.
    const std::uint32_t c0 = s.community_foci_of_nbhd_offset[j], c1 = s.community_foci_of_nbhd_offset[j + 1];
    if (c1 > c0 && rng.bernoulli(std::min(1.0, P.structure.community_membership * s.sociability[a]))) {
      s.focus_comm[a] = s.community_foci[c0 + rng.below(c1 - c0)];
    }
  }
  // Household ties: kin, strong.
  for (std::uint32_t i = 0; i < n; ++i) {
    for (std::uint32_t k = i + 1; k < n; ++k) events.push_back(TieEvent::add(slots[i], slots[k], 0.8f, kKin));
  }
}

}  // namespace

void fill_household(State& s, std::span<const AgentIndex> slots, std::uint32_t household_focus, Stream& rng,
                    bool at_setup, std::vector<TieEvent>& events) {
  draw_household_ages(s, slots, household_focus, rng);
  draw_members(s, slots, rng, at_setup, events);
}

void State::rebuild_foci() {
  // A counting sort of the (agent, focus) pairs by focus, in parallel over C consecutive ranges
  // of agents (issue 18: serial, it left a core idle every step at 1,000,000 residents). Each
  // range counts its own members per focus; within a focus, range c's members are placed after
  // those of ranges before it, so every list is in agent order (models rely on it: a household's
  // head is its first member; tie formation picks members by position) and the result is the
  // same for any C.
  const std::uint32_t F = n_foci();
  const std::span<const std::uint32_t> cols[4] = {household, focus_work, focus_comm, focus_hub};
  const std::size_t C = residents < 8 * kGrain ? 1 : std::clamp<std::size_t>(tbb::this_task_arena::max_concurrency(), 1, 8);
  const auto range_begin = [&](std::size_t c) { return static_cast<AgentIndex>(std::size_t{residents} * c / C); };
  std::vector<std::vector<std::uint32_t>> at(C);  // per range: its count, then its next position, per focus
  tbb::parallel_for(std::size_t{0}, C, [&](std::size_t c) {
    at[c].assign(F, 0);
    for (AgentIndex a = range_begin(c); a != range_begin(c + 1); ++a) {
      for (const auto col : cols) {
        if (col[a] != kNone) ++at[c][col[a]];
      }
    }
  });
  focus_offset.assign(F + 1, 0);
  for (std::uint32_t f = 0; f < F; ++f) {
    std::uint32_t next = focus_offset[f];
    for (std::size_t c = 0; c < C; ++c) next += std::exchange(at[c][f], next);
    focus_offset[f + 1] = next;
  }
  focus_members.resize(focus_offset[F]);
  tbb::parallel_for(std::size_t{0}, C, [&](std::size_t c) {
    for (AgentIndex a = range_begin(c); a != range_begin(c + 1); ++a) {
      for (const auto col : cols) {
        if (col[a] != kNone) focus_members[at[c][col[a]]++] = a;
      }
    }
  });
}

void State::rebuild_residents_of_nbhd() {
  residents_of_nbhd_offset.assign(n_nbhd + 1, 0);
  for (AgentIndex a = 0; a < residents; ++a) ++residents_of_nbhd_offset[nbhd[a] + 1];
  for (std::uint32_t j = 0; j < n_nbhd; ++j) residents_of_nbhd_offset[j + 1] += residents_of_nbhd_offset[j];
  residents_of_nbhd.resize(residents);
  std::vector<std::uint32_t> fill(residents_of_nbhd_offset.begin(), residents_of_nbhd_offset.end() - 1);
  for (AgentIndex a = 0; a < residents; ++a) residents_of_nbhd[fill[nbhd[a]]++] = a;
  nbhd_size.assign(n_nbhd, 0);
  for (std::uint32_t j = 0; j < n_nbhd; ++j) nbhd_size[j] = residents_of_nbhd_offset[j + 1] - residents_of_nbhd_offset[j];
}

int State::groups_of_cell(std::uint32_t cell, std::uint32_t* out) {
  const std::uint32_t parent = cell % 2, band = (cell / 2) % 7, quintile = cell / 14 + 1;
  int n = 0;
  out[n++] = 0;          // all
  out[n++] = quintile;   // groups 1..5
  out[n++] = 6 + band;   // age_16_24 .. age_75_plus
  if (band >= 5) out[n++] = 13;  // age_65_plus
  if (parent) out[n++] = 14;     // parents
  return n;
}

void check_borough(const Borough& b) {
  const std::size_t n = b.rows();
  const auto bad = [](std::size_t row, const std::string& what) {
    throw ScenarioError("borough table, row " + std::to_string(row + 1) + ": " + what);
  };
  if (n == 0) throw ScenarioError("borough table: no neighbourhoods; allowed: at least one row");
  if (b.quintile.size() != n || b.age.size() != n || b.household.size() != n) {
    throw ScenarioError("borough table: the population, quintile, age and household arrays differ in length");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!(b.population[i] > 0) || !std::isfinite(b.population[i])) bad(i, "population " + format_number(b.population[i]) + "; allowed: a positive number");
    if (b.quintile[i] < 1 || b.quintile[i] > 5) bad(i, "quintile " + std::to_string(b.quintile[i]) + "; allowed: 1 to 5");
    double age = 0, household = 0;
    for (double x : b.age[i]) {
      if (!(x >= 0)) bad(i, "an age share " + format_number(x) + "; allowed: 0 to 1");
      age += x;
    }
    for (double x : b.household[i]) {
      if (!(x >= 0)) bad(i, "a household share " + format_number(x) + "; allowed: 0 to 1");
      household += x;
    }
    if (std::abs(age - 1.0) > 1e-6) bad(i, "age shares sum to " + format_number(age) + "; allowed: a sum of 1 (within 1e-6)");
    if (std::abs(household - 1.0) > 1e-6) bad(i, "household shares sum to " + format_number(household) + "; allowed: a sum of 1 (within 1e-6)");
  }
}

namespace {

/// The model's neighbourhoods built from a borough table (docs/borough.md, "How the population is
/// built"), in the order the setup lays them out.
struct BoroughLayout {
  std::vector<std::uint8_t> quintile;
  std::vector<std::uint32_t> residents;
  std::vector<std::array<double, Borough::kAgeBands>> age;
  std::vector<std::array<double, 5>> household;
};

/// Each quintile keeps its share of the table's residents (largest remainder over the quintiles
/// present); its rows are laid end to end, in file order, and cut into
/// max(1, round(residents / structure.neighbourhood_size)) neighbourhoods of equal residents;
/// a neighbourhood's age and household shares are the population-weighted mix of the rows it
/// covers. The neighbourhoods of the quintiles are then interleaved (neighbourhood k of n_q at
/// position (k + 1/2) / n_q, quintile order on ties) so that each area of
/// services.team_neighbourhoods consecutive neighbourhoods mixes deprivation as the generic
/// setup's do.
BoroughLayout borough_layout(const Borough& b, AgentIndex R, double neighbourhood_size) {
  std::array<double, 5> pop_q{};
  for (std::size_t i = 0; i < b.rows(); ++i) pop_q[b.quintile[i] - 1] += b.population[i];
  std::vector<int> present;
  std::vector<double> weight;
  for (int q = 0; q < 5; ++q) {
    if (pop_q[q] > 0) {
      present.push_back(q);
      weight.push_back(pop_q[q]);
    }
  }
  const auto residents_q = apportion(R, weight);
  struct Piece {
    double key;
    int q;
    std::uint32_t residents;
    std::array<double, Borough::kAgeBands> age;
    std::array<double, 5> household;
  };
  std::vector<Piece> pieces;
  for (std::size_t p = 0; p < present.size(); ++p) {
    const int q = present[p];
    const std::uint32_t Rq = residents_q[p];
    if (Rq == 0) continue;
    const auto n_q = static_cast<std::uint32_t>(std::clamp<long>(std::lround(Rq / neighbourhood_size), 1L, static_cast<long>(Rq)));
    const auto sizes = apportion(Rq, std::vector<double>(n_q, 1.0));
    // Rows of this quintile end to end: segment k is [k, k + 1) x pop_q / n_q.
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < b.rows(); ++i) {
      if (b.quintile[i] == q + 1) rows.push_back(i);
    }
    const double seg = pop_q[q] / n_q;
    std::size_t r = 0;
    double row_start = 0;  // cumulative population at the start of rows[r]
    for (std::uint32_t k = 0; k < n_q; ++k) {
      const double lo = k * seg, hi = (k + 1 == n_q) ? pop_q[q] : (k + 1) * seg;
      Piece piece{(k + 0.5) / n_q, q, sizes[k], {}, {}};
      double covered = 0;
      while (r < rows.size()) {
        const std::size_t i = rows[r];
        const double row_end = row_start + b.population[i];
        const double overlap = std::min(hi, row_end) - std::max(lo, row_start);
        if (overlap > 0) {
          covered += overlap;
          for (int a = 0; a < Borough::kAgeBands; ++a) piece.age[a] += overlap * b.age[i][a];
          for (int t = 0; t < 5; ++t) piece.household[t] += overlap * b.household[i][t];
        }
        if (row_end > hi || r + 1 == rows.size()) break;  // the row goes on into the next segment
        row_start = row_end;
        ++r;
      }
      for (double& x : piece.age) x /= covered;
      for (double& x : piece.household) x /= covered;
      pieces.push_back(piece);
    }
  }
  std::stable_sort(pieces.begin(), pieces.end(), [](const Piece& x, const Piece& y) { return x.key < y.key || (x.key == y.key && x.q < y.q); });
  BoroughLayout out;
  for (const auto& piece : pieces) {
    out.quintile.push_back(static_cast<std::uint8_t>(piece.q + 1));
    out.residents.push_back(piece.residents);
    out.age.push_back(piece.age);
    out.household.push_back(piece.household);
  }
  return out;
}

/// Shares `total` in proportion to `share` by largest remainder (a zero share gets nothing;
/// ties to the lower index).
template <std::size_t N>
std::array<std::uint32_t, N> largest_remainder(std::uint32_t total, const std::array<double, N>& share) {
  std::array<std::uint32_t, N> out{};
  std::array<std::pair<double, std::size_t>, N> rest{};
  double sum = 0;
  for (double x : share) sum += x;
  std::uint32_t given = 0;
  for (std::size_t i = 0; i < N; ++i) {
    const double quota = sum > 0 ? total * share[i] / sum : 0.0;
    out[i] = static_cast<std::uint32_t>(std::floor(quota));
    given += out[i];
    rest[i] = {quota - out[i], i};
  }
  std::stable_sort(rest.begin(), rest.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  for (std::size_t i = 0; given < total && i < N; ++i, ++given) ++out[rest[i].second];
  return out;
}

/// Gives the residents of neighbourhood j (the setup's ages drawn household by household) the
/// neighbourhood's age structure, keeping their order by age: residents sorted by age (index on
/// ties) fill the bands youngest first in the numbers the band shares give (largest
/// remainder), spread evenly within the band (uniform density; triangular, falling to 0 at 95,
/// for 75+). A parent's parent_until moves with their age, and a parent aligned to 46 or older
/// has no young child (the rule for in-migrants, life_events.cpp).
void align_ages(State& s, std::uint32_t j, const std::array<double, Borough::kAgeBands>& share) {
  const std::uint32_t lo = s.residents_of_nbhd_offset[j], hi = s.residents_of_nbhd_offset[j + 1];
  std::vector<AgentIndex> order(s.residents_of_nbhd.begin() + lo, s.residents_of_nbhd.begin() + hi);
  std::stable_sort(order.begin(), order.end(), [&](AgentIndex x, AgentIndex y) { return s.age[x] < s.age[y]; });
  const auto count = largest_remainder(hi - lo, share);
  std::size_t i = 0;
  for (int band = 0; band < Borough::kAgeBands; ++band) {
    const double a0 = Borough::kBandLower[band], a1 = Borough::kBandLower[band + 1];
    for (std::uint32_t k = 0; k < count[band]; ++k, ++i) {
      const AgentIndex a = order[i];
      const double u = (k + 0.5) / count[band];
      const double x = band + 1 == Borough::kAgeBands ? a0 + (a1 - a0) * (1.0 - std::sqrt(1.0 - u)) : a0 + (a1 - a0) * u;
      if (s.parent_until[a] > 0.0f) s.parent_until[a] = x >= 46.0 ? 0.0f : static_cast<float>(s.parent_until[a] + (x - s.age[a]));
      s.age[a] = static_cast<float>(x);
    }
  }
}

}  // namespace

std::uint32_t initial_tie_parts(AgentIndex residents) {
  // A part per 2^16 residents, at most 8. Each part after the first draws again the proposals
  // of the residents from its start, so 8 parts draw 4.5 times what one batch draws.
  constexpr AgentIndex kResidentsPerPart = AgentIndex{1} << 16;
  return std::clamp<std::uint32_t>((residents + kResidentsPerPart - 1) / kResidentsPerPart, 1, 8);
}

void setup_world(State& s, World& w, const StepContext& ctx, std::uint32_t tie_parts) {
  const Params& P = s.P;
  auto& pop = w.population;
  const auto R = static_cast<AgentIndex>(P.simulation.population);
  s.residents = R;

  // Neighbourhoods (docs/model.md, "Setup"): their number is a multiple of five, about
  // R / structure.neighbourhood_size, so every deprivation quintile holds the same number of
  // neighbourhoods (a fifth of the residents) at any population; at least one each. Quintiles
  // cycle 1..5 along the neighbourhoods and an area (served by one team of each service) is
  // services.team_neighbourhoods consecutive neighbourhoods: at the default 5 every area holds one
  // neighbourhood of each quintile (areas of mixed deprivation, as a local authority's patches are).
  // A borough table (docs/borough.md) gives the neighbourhoods instead (borough_layout).
  BoroughLayout layout;
  if (s.borough) {
    layout = borough_layout(*s.borough, R, P.structure.neighbourhood_size);
    s.n_nbhd = static_cast<std::uint32_t>(layout.quintile.size());
    s.quintile = layout.quintile;
    s.nbhd_household = layout.household;
  } else {
    s.n_nbhd = 5 * std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::lround(R / (5.0 * P.structure.neighbourhood_size))));
    s.quintile.resize(s.n_nbhd);
    for (std::uint32_t j = 0; j < s.n_nbhd; ++j) s.quintile[j] = static_cast<std::uint8_t>(1 + j % 5);
  }
  s.n_areas = static_cast<std::uint32_t>((s.n_nbhd + P.services.team_neighbourhoods - 1) / P.services.team_neighbourhoods);
  s.nbhd_team_area.resize(s.n_nbhd);
  for (std::uint32_t j = 0; j < s.n_nbhd; ++j) s.nbhd_team_area[j] = static_cast<std::uint32_t>(j / P.services.team_neighbourhoods);

  // Households: drawn one after another until the population is full (the last is truncated).
  // With a borough, neighbourhood by neighbourhood from its own household mix (the last
  // household of each is truncated); households are numbered on through the neighbourhoods.
  std::vector<std::uint32_t> hh_first, hh_size, hh_nbhd;
  if (s.borough) {
    AgentIndex next = 0;
    std::uint32_t h = 0;
    for (std::uint32_t j = 0; j < s.n_nbhd; ++j) {
      const AgentIndex end = next + layout.residents[j];
      while (next < end) {
        Stream rng = ctx.stream(h, kPurposeSetup);
        const std::uint32_t size = std::min<std::uint32_t>(natural_size(draw_type(layout.household[j], rng, 0), rng), end - next);
        hh_first.push_back(next);
        hh_size.push_back(size);
        hh_nbhd.push_back(j);
        next += size;
        ++h;
      }
    }
  } else {
    AgentIndex next = 0;
    std::uint32_t h = 0;
    while (next < R) {
      Stream rng = ctx.stream(h, kPurposeSetup);
      const std::uint32_t size = std::min<std::uint32_t>(natural_size(draw_type(P.structure.household, rng, 0), rng), R - next);
      hh_first.push_back(next);
      hh_size.push_back(size);
      next += size;
      ++h;
    }
  }
  const auto H = static_cast<std::uint32_t>(hh_first.size());

  // Professionals: the posts of each service are services.<name>_posts per 10,000 residents in
  // all, shared among the areas' teams by need (a resource-allocation formula): a
  // neighbourhood's need index for a service is its residents times the service's relative need
  // in its quintile (need_index), and each team gets its area's share of the service's posts
  // (largest remainder, at least one post per team). Counted first so the population is added once.
  std::vector<double> nbhd_residents(s.n_nbhd, 0.0);
  for (std::uint32_t j = 0; j < s.n_nbhd; ++j) {
    const double first = std::floor(static_cast<double>(j) * R / s.n_nbhd), last = std::floor(static_cast<double>(j + 1) * R / s.n_nbhd);
    nbhd_residents[j] = s.borough ? layout.residents[j] : last - first;
  }
  s.n_teams = kServices * s.n_areas;
  std::vector<std::uint32_t> team_funded(s.n_teams), team_reserve(s.n_teams);
  std::vector<std::uint8_t> area_rp(s.n_areas, 0);
  std::vector<double> team_targeted(s.n_teams, 0.0);  // need share of the team's area in targeted neighbourhoods
  for (std::uint32_t j = 0; j < s.n_nbhd; ++j) {
    if (targets_quintile(P.policy.relational_practice.target, s.quintile[j])) area_rp[s.nbhd_team_area[j]] = 1;
  }
  s.team_offset.assign(s.n_teams + 1, 0);
  double targeted_posts = 0;
  for (int k = 0; k < kServices; ++k) {
    std::vector<double> need(s.n_areas, 0.0), targeted(s.n_areas, 0.0);
    for (std::uint32_t j = 0; j < s.n_nbhd; ++j) {
      const double x = nbhd_residents[j] * need_index(P, k, s.quintile[j]);
      need[s.nbhd_team_area[j]] += x;
      if (targets_quintile(P.policy.relational_practice.target, s.quintile[j])) targeted[s.nbhd_team_area[j]] += x;
    }
    const double total = std::max(static_cast<double>(s.n_areas), std::round(P.services.posts[k] * R / 10000.0));
    const auto posts = apportion(static_cast<std::uint32_t>(total), need);
    for (std::uint32_t ar = 0; ar < s.n_areas; ++ar) {
      const std::uint32_t t = k * s.n_areas + ar;
      team_funded[t] = posts[ar];
      team_targeted[t] = need[ar] > 0 ? targeted[ar] / need[ar] : 0.0;
      targeted_posts += team_funded[t] * team_targeted[t];
    }
  }
  // Relational practice's extra posts: round(extra_posts x targeted posts) in all (a team's
  // targeted posts: its posts x the share of its area's need in targeted neighbourhoods), handed
  // out one at a time to teams with targeted neighbourhoods, most targeted posts first (ties by
  // team index), cycling.
  if (P.policy.relational_practice.enabled) {
    // Sized from a budget (budget.size), extra_posts can ask for absurd numbers of staff: more
    // extra professionals than residents is refused here, before any memory is asked for.
    const double asked = std::round(P.policy.relational_practice.extra_posts * targeted_posts);
    if (asked > static_cast<double>(R)) {
      throw ScenarioError("key 'policy.relational_practice.extra_posts' = " + std::to_string(P.policy.relational_practice.extra_posts) +
                          ": funds " + std::to_string(asked) + " extra professionals for " + std::to_string(R) +
                          " residents (with budget.size, extra_posts follows budget.total_pv / budget.cost_per_post_year); "
                          "allowed: at most one extra professional per resident");
    }
    auto extra = static_cast<std::uint32_t>(asked);
    std::vector<std::uint32_t> order;
    for (std::uint32_t t = 0; t < s.n_teams; ++t) {
      if (area_rp[t % s.n_areas]) order.push_back(t);
    }
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) { return team_funded[x] * team_targeted[x] > team_funded[y] * team_targeted[y]; });
    for (std::size_t i = 0; extra > 0 && !order.empty(); ++i, --extra) ++team_reserve[order[i % order.size()]];
  }
  for (std::uint32_t t = 0; t < s.n_teams; ++t) s.team_offset[t + 1] = s.team_offset[t] + team_funded[t] + team_reserve[t];
  s.professionals = s.team_offset[s.n_teams];
  pop.add(R + s.professionals);
  w.ties.resize(R + s.professionals);

  // Columns. State variables are writable from Python and range-checked; indices are read-only.
  constexpr double kInf = std::numeric_limits<double>::infinity();
  pop.set_kinds({{"resident", 0, R}, {"professional", R, R + s.professionals}});
  s.nbhd = pop.add_column<std::uint32_t>("neighbourhood", kNone, "neighbourhood index (residents)");
  s.age = pop.add_column<float>("age", 0.0f, ColumnSpec::state("age in years", 0.0, kInf));
  s.household = pop.add_column<std::uint32_t>("household", kNone, "household focus id");
  s.status = pop.add_column<std::uint8_t>("status", kInactive, "0 employed, 1 unemployed, 2 retired, 3 education, 4 inactive");
  s.parent_until = pop.add_column<float>("parent_until", 0.0f, ColumnSpec::state("age at which the youngest child turns 5 (parent while age is below)", 0.0, kInf));
  s.sociability = pop.add_column<float>("sociability", 1.0f, ColumnSpec::state("contact budget multiplier", 0.0, kInf));
  s.desired = pop.add_column<float>("desired", 0.0f, ColumnSpec::state("desired close-tie strength", 0.0, kInf));
  s.lonely = pop.add_column<float>("loneliness", 0.0f, ColumnSpec::state("loneliness L in [0,1]", 0.0, 1.0));
  s.trust = pop.add_column<float>("trust", 0.0f, ColumnSpec::state("generalised trust T in [0,1]", 0.0, 1.0));
  s.civic = pop.add_column<float>("civic_efficacy", 0.0f, ColumnSpec::state("civic efficacy E in [0,1]", 0.0, 1.0));
  s.disposition = pop.add_column<float>("trust_disposition", 0.0f, ColumnSpec::state("individual trust intercept (logit)", -kInf, kInf));
  s.positive = pop.add_column<float>("positive_contacts", 0.0f, ColumnSpec::state("moving average of the positive share of contacts", 0.0, 1.0));
  s.focus_work = pop.add_column<std::uint32_t>("focus_work", kNone, "workplace, college or school-gate focus");
  s.focus_comm = pop.add_column<std::uint32_t>("focus_community", kNone, "community focus");
  s.focus_hub = pop.add_column<std::uint32_t>("focus_hub", kNone, "policy hub focus");
  s.made = pop.add_column<std::uint16_t>("contacts_made", 0, "social contacts made this week");
  s.received = pop.add_column<std::uint16_t>("contacts_received", 0, "social contacts received this week");
  s.local_ties = pop.add_column<std::uint16_t>("local_ties", 0, "social ties in one's own neighbourhood");
  s.family_away = pop.add_column<std::uint8_t>("family_away", 0, "close relatives living outside the area");
  s.meetings = pop.add_column<std::uint8_t>("meetings", 0, "contacts spent meeting someone new this week");
  s.event = pop.add_column<std::uint8_t>("life_event", 0, "life event drawn this week (scratch)");
  s.svc_event = pop.add_column<std::uint16_t>("service_event", 0, "service outcomes drawn this week (scratch)");
  s.befriender = pop.add_column<std::uint32_t>("befriender", kNone, "befriending volunteer");
  s.befriended = pop.add_column<std::uint8_t>("befriended", 0, "1: has had a befriending match in this run (offered once); 2: also holds a group membership its match introduced, which lapses when the match ends unless the tie is kept");
  s.needs = pop.add_column<std::uint8_t>("needs", 0, "bit s: need for service s");
  s.trial_arm = pop.add_column<std::uint8_t>("trial_arm", kArmNone, ColumnSpec::state("virtual trial arm: 0 not in a trial, 1 offered, 2 control", 0.0, 2.0));
  s.policy_target = pop.add_column<std::uint8_t>("policy_target", 0, "bit per person-level policy in whose target group the resident is now: 1 hubs, 2 befriending, 4 relational practice");
  const char* svc[4] = {"employment", "education", "health", "legal"};
  for (int k = 0; k < kServices; ++k) {
    s.prof[k] = pop.add_column<std::uint32_t>(std::string("professional_") + svc[k], kNone, "current professional");
    s.quality[k] = pop.add_column<float>(std::string("quality_") + svc[k], 0.0f, ColumnSpec::state("relationship quality q in [0,1]", 0.0, 1.0));
    s.waited[k] = pop.add_column<std::uint16_t>(std::string("waited_") + svc[k], 0, "weeks on the waiting list");
  }
  s.service = pop.add_column<std::uint8_t>("service", 0, "service of a professional");
  s.team = pop.add_column<std::uint32_t>("team", kNone, "team of a professional");
  s.post = pop.add_column<std::uint8_t>("post", 0, "0 resident or unfunded reserve, 1 filled post, 2 vacant post");
  s.caseload = pop.add_column<std::uint32_t>("caseload", 0, "clients of a professional");
  s.capacity = pop.add_column<float>("capacity", 0.0f, ColumnSpec::state("caseload a professional can serve well", 0.0, kInf));
  s.tenure = pop.add_column<float>("tenure", 0.0f, ColumnSpec::state("weeks in post", 0.0, kInf));
  s.burnout = pop.add_column<float>("burnout", 0.0f, ColumnSpec::state("burnout B in [0,1]", 0.0, 1.0));
  s.sensitivity = pop.add_column<float>("burnout_sensitivity", 1.0f, ColumnSpec::state("burnout sensitivity v of a professional (lognormal, mean 1)", 0.0, kInf));
  s.vacant_until = pop.add_column<std::int32_t>("vacant_until", 0, "step at which a vacancy is filled");
  s.extra_post = pop.add_column<std::uint8_t>("extra_post", 0, "1: post funded by relational practice");

  // Neighbourhood of each resident from its household's first member.
  for (std::uint32_t h = 0; h < H; ++h) {
    const auto j = s.borough ? hh_nbhd[h] : static_cast<std::uint32_t>((static_cast<std::uint64_t>(hh_first[h]) * s.n_nbhd) / R);
    for (std::uint32_t i = 0; i < hh_size[h]; ++i) s.nbhd[hh_first[h] + i] = j;
  }
  s.rebuild_residents_of_nbhd();

  // Foci: households, workplaces, colleges, school gates, community places, hubs.
  auto add_focus = [&](FocusKind k, std::uint32_t j, double activity) {
    s.focus_kind.push_back(k);
    s.focus_nbhd.push_back(j);
    s.focus_activity.push_back(static_cast<float>(activity));
    return s.n_foci() - 1;
  };
  for (std::uint32_t h = 0; h < H; ++h) add_focus(kHousehold, s.nbhd[hh_first[h]], 1.0);
  // Workplaces sized to an expected employment of about 60% of residents.
  s.n_workplaces_first = s.n_foci();
  s.n_workplaces = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::lround(0.6 * R / P.structure.workplace_size)));
  for (std::uint32_t i = 0; i < s.n_workplaces; ++i) add_focus(kWorkplace, kNone, P.structure.activity_work);
  // Colleges serve contiguous groups of neighbourhoods (about 8% of residents are students).
  const std::uint32_t n_colleges = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::lround(0.08 * R / P.structure.college_size)));
  const std::uint32_t first_college = s.n_foci();
  for (std::uint32_t i = 0; i < n_colleges; ++i) add_focus(kCollege, kNone, P.structure.activity_college);
  s.colleges_of_nbhd.resize(s.n_nbhd);
  for (std::uint32_t j = 0; j < s.n_nbhd; ++j) s.colleges_of_nbhd[j] = first_college + static_cast<std::uint32_t>((static_cast<std::uint64_t>(j) * n_colleges) / s.n_nbhd);
  s.school_of_nbhd.resize(s.n_nbhd);
  for (std::uint32_t j = 0; j < s.n_nbhd; ++j) s.school_of_nbhd[j] = add_focus(kSchoolGate, j, P.structure.activity_school_gate);
  s.community_foci_of_nbhd_offset.assign(s.n_nbhd + 1, 0);
  for (std::uint32_t j = 0; j < s.n_nbhd; ++j) {
    for (std::int64_t c = 0; c < P.structure.community_foci; ++c) s.community_foci.push_back(add_focus(kCommunity, j, P.structure.activity_community));
    s.community_foci_of_nbhd_offset[j + 1] = static_cast<std::uint32_t>(s.community_foci.size());
  }
  // Hubs are created when the policies start (start_policies, policies.cpp), not here: nothing
  // the burn-in does depends on a policy (docs/appraisal.md, "One burn-in for every option").
  s.hubs_of_nbhd.assign(s.n_nbhd, kNone);
  s.hubs_in_nbhd.assign(s.n_nbhd, 0);

  // Residents, household by household.
  std::vector<TieEvent> events;
  if (s.borough || P.structure.align_ages) {
    // Ages household by household, then each neighbourhood's age structure (align_ages): the
    // borough table's, or in the generic setup the national shares structure.age_16_24 ..
    // age_75_plus (docs/model.md, "Setup"); then the members' traits from their aligned ages,
    // each household continuing its own stream (so the draws are fill_household's).
    std::vector<Stream> streams;
    streams.reserve(H);
    std::vector<AgentIndex> slots;
    const auto members = [&](std::uint32_t h) {
      slots.resize(hh_size[h]);
      std::iota(slots.begin(), slots.end(), hh_first[h]);
      return std::span<const AgentIndex>(slots);
    };
    for (std::uint32_t h = 0; h < H; ++h) {
      streams.push_back(ctx.stream(h, kPurposeSetup + 100));
      draw_household_ages(s, members(h), h, streams.back());
    }
    for (std::uint32_t j = 0; j < s.n_nbhd; ++j) align_ages(s, j, s.borough ? layout.age[j] : P.structure.age_share);
    for (std::uint32_t h = 0; h < H; ++h) draw_members(s, members(h), streams[h], true, events);
  } else {
    // structure.align_ages = false: ages as drawn from the household types (the setup before issue 15).
    for (std::uint32_t h = 0; h < H; ++h) {
      Stream rng = ctx.stream(h, kPurposeSetup + 100);
      std::vector<AgentIndex> slots(hh_size[h]);
      for (std::uint32_t i = 0; i < hh_size[h]; ++i) slots[i] = hh_first[h] + i;
      fill_household(s, slots, h, rng, true, events);
    }
  }
  w.ties.apply(events);
  s.rebuild_foci();
  // The adult age pyramid drawn here is the one the area keeps (life_events.cpp).
  s.age_target.fill(0);
  for (AgentIndex a = 0; a < s.residents; ++a) ++s.age_target[State::age_band(s.age[a])];

  // Professionals.
  for (std::uint32_t t = 0; t < s.n_teams; ++t) {
    for (std::uint32_t i = s.team_offset[t]; i < s.team_offset[t + 1]; ++i) {
      const AgentIndex a = R + i;
      const bool reserve = i - s.team_offset[t] >= team_funded[t];
      Stream rng = ctx.stream(a, kPurposeSetup);
      s.service[a] = static_cast<std::uint8_t>(t / s.n_areas);
      s.team[a] = t;
      s.post[a] = reserve ? 0 : 1;
      s.extra_post[a] = reserve ? 1 : 0;
      s.tenure[a] = reserve ? 0.0f : static_cast<float>(uniform(rng, 0, 520));
      s.age[a] = static_cast<float>(uniform(rng, 25, 60));
      s.sensitivity[a] = static_cast<float>(draw_sensitivity(P, rng));
      s.burnout[a] = reserve ? 0.0f : clamp01(static_cast<float>(s.sensitivity[a] * P.burnout.newcomer));
      s.capacity[a] = full_capacity(s, a);
    }
  }
  s.rebuild_teams();
  s.team_rp.assign(s.n_teams, 0.0f);
  // The areas relational practice and collaboration target are set when the policies start.
  s.area_targeted_rp.assign(s.n_areas, 0);
  s.area_targeted_collab.assign(s.n_areas, 0);

  // Initial social ties: kin in other households, friends and acquaintances from one's foci and
  // neighbourhood, and collegial ties within teams, proposed in parallel: one batch of additions
  // (for each pair the proposal with the largest weight wins; TieGraph::apply). The batch is
  // applied in parts (initial_tie_parts) so that it is never held whole: at a million residents it
  // was about 6 events of 16 bytes a resident held while the tie array filled, the peak of the
  // whole run (issue 18). Part p holds the proposals whose lower agent is in the p-th of equal
  // ranges of residents (the last range takes the professionals too), so a pair's proposals are
  // all in one part, and the parts in ascending order add the pairs in the canonical order of the
  // one batch: every block ends up exactly as the single batch leaves it. Each part draws the
  // proposals again from the same streams; a proposer's pairs have a lower agent no greater than
  // its own, so part p asks only the proposers from its range's start. The first part also counts
  // each agent's proposals so that every block is given its room once (TieGraph::reserve).
  const auto propose = [&](AgentIndex a, auto&& emit) {
    Stream rng = ctx.stream(a, kPurposeSetupTies);
    const std::uint32_t kin = rng.poisson(0.5 * static_cast<double>(P.structure.kin_outside));
    for (std::uint32_t i = 0; i < kin && R > 1; ++i) {
      AgentIndex b = rng.below(R - 1);
      if (b >= a) ++b;
      emit(TieEvent::add(a, b, 0.4f, kKin));
    }
    const std::uint32_t foci[2] = {s.focus_work[a], s.focus_comm[a]};
    const std::uint32_t j = s.nbhd[a];
    auto someone = [&]() -> AgentIndex {
      const std::uint32_t pick = rng.below(3);
      std::uint32_t lo, hi;
      const AgentIndex* members;
      if (pick < 2 && foci[pick] != kNone) {
        lo = s.focus_offset[foci[pick]];
        hi = s.focus_offset[foci[pick] + 1];
        members = s.focus_members.data();
      } else {
        lo = s.residents_of_nbhd_offset[j];
        hi = s.residents_of_nbhd_offset[j + 1];
        members = s.residents_of_nbhd.data();
      }
      if (hi - lo < 2) return kNone;
      const AgentIndex b = members[lo + rng.below(hi - lo)];
      return b == a ? kNone : b;
    };
    const std::uint32_t friends = rng.poisson(0.5 * P.structure.initial_friends * s.sociability[a]);
    for (std::uint32_t i = 0; i < friends; ++i) {
      const AgentIndex b = someone();
      if (b != kNone) emit(TieEvent::add(a, b, static_cast<float>(uniform(rng, 0.5, 0.9)), kFriend));
    }
    const std::uint32_t acq = rng.poisson(0.5 * P.structure.initial_acquaintances * s.sociability[a]);
    for (std::uint32_t i = 0; i < acq; ++i) {
      const AgentIndex b = someone();
      if (b != kNone) emit(TieEvent::add(a, b, static_cast<float>(uniform(rng, 0.1, 0.4)), kAcquaintance));
    }
  };
  // Collegial ties within teams (serial; every pair's lower agent is a professional).
  const auto propose_colleagues = [&](auto&& emit) {
    for (std::uint32_t t = 0; t < s.n_teams; ++t) {
      std::vector<AgentIndex> filled;
      for (std::uint32_t i = s.team_offset[t]; i < s.team_offset[t + 1]; ++i) {
        if (s.post[R + i] == 1) filled.push_back(R + i);
      }
      if (filled.size() < 2) continue;
      for (AgentIndex a : filled) {
        Stream rng = ctx.stream(a, kPurposeSetupTies);
        for (std::int64_t c = 0; c < P.burnout.colleagues; ++c) {
          const AgentIndex b = filled[rng.below(static_cast<std::uint32_t>(filled.size()))];
          if (b != a) emit(TieEvent::add(a, b, 0.5f, kCollegial));
        }
      }
    }
  };
  const std::uint32_t parts = tie_parts ? tie_parts : initial_tie_parts(R);
  const auto part_start = [&](std::uint32_t p) { return static_cast<AgentIndex>(std::uint64_t{R} * p / parts); };
  std::vector<std::uint32_t> proposals(parts > 1 ? s.agents() : 0);  // per agent, counted in the first part
  for (std::uint32_t p = 0; p < parts; ++p) {
    const AgentIndex lo = part_start(p);
    const AgentIndex hi = p + 1 == parts ? s.agents() : part_start(p + 1);
    const bool count = parts > 1 && p == 0;
    EventBuffer buffer;
    const auto keep = [&](std::vector<TieEvent>& out, const TieEvent& e) {
      if (count) {
        std::atomic_ref<std::uint32_t>(proposals[e.u]).fetch_add(1, std::memory_order_relaxed);
        std::atomic_ref<std::uint32_t>(proposals[e.v]).fetch_add(1, std::memory_order_relaxed);
      }
      const AgentIndex low = std::min(e.u, e.v);
      if (low >= lo && low < hi) out.push_back(e);
    };
    parallel_for(count ? 0 : lo, R, [&](AgentIndex a) {
      auto& out = buffer.local();
      propose(a, [&](const TieEvent& e) { keep(out, e); });
    });
    auto& out = buffer.local();
    propose_colleagues([&](const TieEvent& e) { keep(out, e); });
    if (count) {
      w.ties.reserve(proposals);
      std::vector<std::uint32_t>().swap(proposals);
    }
    auto batch = buffer.take();
    w.ties.apply(batch);
  }
  w.ties.reserve({});  // the room is made; compaction may reclaim what the ignored proposals left

  // Initial needs (prevalence near the steady state) and assignment.
  for (AgentIndex a = 0; a < R; ++a) {
    Stream rng = ctx.stream(a, kPurposeSetup + 200);
    const double age_factor = std::exp2((s.age[a] - 50.0) / 20.0);
    if (rng.bernoulli(std::min(1.0, P.services.health_onset * age_factor * 2.0))) s.needs[a] |= 1u << kHealth;
    const int q = s.quintile[s.nbhd[a]];
    const double legal = P.services.legal_onset * (1.0 + (P.services.legal_deprivation - 1.0) * (5 - q) / 4.0);
    if (rng.bernoulli(std::min(1.0, legal))) s.needs[a] |= 1u << kLegal;
  }
  s.nbhd_trust.assign(s.n_nbhd, 0.0f);
  s.lonely_prev.assign(R, 0.0f);
  assign_waiting(s, w, ctx);
}

void setup_world(State& s, World& w, const StepContext& ctx) { setup_world(s, w, ctx, 0); }

}  // namespace socius::models::community
