// Life events: ageing, household moves (a newcomer household takes the home, arriving with
// household ties only), death of older residents (bereavement of co-residents; the slot goes to
// a newcomer from the age band furthest below the setup's pyramid: a young person of the area
// turning 16 who joins a family household of the neighbourhood, or an in-migrant of that age),
// retirement (the workplace focus is lost), job loss, leaving education, births (adults
// become parents of a young child) and leaving the parental home (a young adult living with a
// parent moves in with a partner who lives alone in the neighbourhood, or into a home of their
// own there; kin ties are kept). Empty household foci of a neighbourhood are reused.
// A parallel pass draws each resident's event from its own stream; a serial pass in agent order
// applies the few events that touch other agents or shared accounting.
#include <algorithm>
#include <array>
#include <cmath>

#include "state.hpp"

namespace socius::models::community {

namespace {

enum LifeEvent : std::uint8_t { kNoEvent = 0, kDeath = 1, kMove = 2, kRetire = 3, kJobLoss = 4, kLeaveEducation = 5, kBirth = 6, kLeaveHome = 7, kPartner = 8 };

double by_quintile(double q1, double q5, int q) { return q1 + (q5 - q1) * (q - 1) / 4.0; }

/// Ends every service relationship of resident a (caseload accounting); the ties themselves go
/// with the RemoveAll event the caller proposes.
void drop_services(State& s, AgentIndex a) {
  for (int k = 0; k < kServices; ++k) {
    const std::uint32_t p = s.prof[k][a];
    if (p != kNone) --s.caseload[p];
    s.prof[k][a] = kNone;
    s.quality[k][a] = 0.0f;
    s.waited[k][a] = 0;
  }
  s.needs[a] = 0;
}

/// Household membership as it is now, during the serial pass. The CSR (focus_offset,
/// focus_members) describes households as they were when the step began and is rebuilt once at
/// its end; a newcomer placed in another household, or in a household created this step, is
/// recorded here, so every later event of the same step sees the household as it is (a household
/// created this step has no CSR range at all: reading one was an out-of-bounds read).
class Households {
 public:
  explicit Households(const State& s) : s_(s), indexed_(static_cast<std::uint32_t>(s.focus_offset.size() - 1)) {}

  /// Records that resident a now lives in household h (a household other than the one a was in
  /// when the step began).
  void joined(std::uint32_t h, AgentIndex a) { joined_.push_back({h, a}); }

  /// Calls f(b) for every resident b living in household h now.
  template <class F>
  void for_each(std::uint32_t h, F&& f) const {
    const auto& household = s_.household;
    if (h < indexed_) {
      for (std::uint32_t i = s_.focus_offset[h]; i < s_.focus_offset[h + 1]; ++i) {
        const AgentIndex b = s_.focus_members[i];
        if (household[b] == h) f(b);
      }
    }
    for (const auto& [g, b] : joined_) {
      if (g == h && household[b] == h) f(b);
    }
  }

 private:
  const State& s_;
  std::uint32_t indexed_;  // households [0, indexed_) have a CSR range
  std::vector<std::pair<std::uint32_t, AgentIndex>> joined_;
};

/// Whether resident a, of household h, lives with a parent: a co-resident at least
/// life.parent_gap years older (children are not agents and parenthood is not recorded, so the
/// age gap stands for it). Reads the household as it was when the step began.
bool lives_with_parent(const State& s, AgentIndex a, std::uint32_t h) {
  const float oldest = s.age[a] + static_cast<float>(s.P.life.parent_gap);
  for (std::uint32_t i = s.focus_offset[h]; i < s.focus_offset[h + 1]; ++i) {
    const AgentIndex b = s.focus_members[i];
    if (b != a && s.household[b] == h && s.age[b] >= oldest) return true;
  }
  return false;
}

/// The age band furthest below the setup's pyramid (the largest shortfall in residents; the
/// youngest such band on ties).
int neediest_band(const State& s, const std::array<std::int64_t, State::kAgeBands>& count) {
  int best = 0;
  std::int64_t gap = s.age_target[0] - count[0];
  for (int b = 1; b < State::kAgeBands; ++b) {
    if (s.age_target[b] - count[b] > gap) {
      gap = s.age_target[b] - count[b];
      best = b;
    }
  }
  return best;
}

/// Gives the newcomer a (already drawn by fill_household) the age `x` and a status that fits it,
/// with the setup's rules: in education below 18 (and with probability 0.45 at 18-21), retired
/// from life.retirement_age, otherwise employed at the quintile's rate, else unemployed with
/// probability structure.unemployment_share, else inactive. In-migrants over 45 have no young child.
void settle_in_migrant(State& s, AgentIndex a, double x, Stream& rng) {
  const Params& P = s.P;
  s.age[a] = static_cast<float>(x);
  if (x >= 46.0) s.parent_until[a] = 0.0f;
  s.needs[a] &= static_cast<std::uint8_t>(~((1u << kEmployment) | (1u << kEducationSvc)));
  const std::uint32_t j = s.nbhd[a];
  std::uint8_t st;
  if (x < 18.0 || (x < 22.0 && rng.bernoulli(0.45))) {
    st = kEducation;
  } else if (x >= P.life.retirement_age) {
    st = kRetired;
  } else {
    double emp = by_quintile(P.structure.employment_rate_q1, P.structure.employment_rate_q5, s.quintile[j]);
    if (s.parent_until[a] > s.age[a]) emp *= 0.75;
    st = rng.bernoulli(emp) ? kEmployed : (rng.bernoulli(P.structure.unemployment_share) ? kUnemployed : kInactive);
  }
  s.status[a] = st;
  s.focus_work[a] = kNone;
  if (st == kEmployed && s.n_workplaces > 0) s.focus_work[a] = s.n_workplaces_first + rng.below(s.n_workplaces);
  if (st == kEducation) {
    s.focus_work[a] = s.colleges_of_nbhd[j];
    s.needs[a] |= 1u << kEducationSvc;
  }
  if (st == kUnemployed) s.needs[a] |= 1u << kEmployment;
  if (st != kEmployed && st != kEducation && s.parent_until[a] > s.age[a]) s.focus_work[a] = s.school_of_nbhd[j];
}

}  // namespace

void run_life_events(State& s, World& w, const StepContext& ctx) {
  const Params& P = s.P;
  const AgentIndex R = s.residents;
  auto& age = s.age;
  auto& status = s.status;
  auto& event = s.event;
  auto& household = s.household;
  const double week = 1.0 / 52.0;

  // 1. Draw events (parallel, own state only).
  parallel_for(0, R, [&](AgentIndex a) {
    Stream rng = ctx.stream(a, kPurposeLife);
    age[a] += static_cast<float>(week);
    const float x = age[a];
    const int q = s.quintile[s.nbhd[a]];
    std::uint8_t e = kNoEvent;
    const std::uint32_t h = household[a];
    const bool head = s.focus_members[s.focus_offset[h]] == a;  // lowest index in the household
    if (rng.bernoulli(std::exp(P.life.mortality_a + P.life.mortality_b * x) * week)) {
      e = kDeath;
    } else if (head && rng.bernoulli(by_quintile(P.life.move_q1, P.life.move_q5, q) * week)) {
      e = kMove;
    } else if (status[a] != kRetired && status[a] != kEducation && x >= P.life.retirement_age) {
      e = kRetire;
    } else if (status[a] == kEmployed && rng.bernoulli(by_quintile(P.life.job_loss_q1, P.life.job_loss_q5, q) * week)) {
      e = kJobLoss;
    } else if (status[a] == kEducation && x >= P.life.education_leave_age - 1.0 && rng.bernoulli(1.0 / 104.0)) {
      e = kLeaveEducation;
    } else if (x >= 22 && x < 42 && s.parent_until[a] <= x && rng.bernoulli(P.life.birth_rate * week)) {
      e = kBirth;
    } else if (x >= P.life.leave_home_min_age && x < P.life.leave_home_max_age && P.life.leave_home_rate > 0 &&
               lives_with_parent(s, a, h) && rng.bernoulli(std::min(1.0, P.life.leave_home_rate * week))) {
      e = kLeaveHome;
    } else if (x >= P.life.leave_home_min_age && x < P.life.partner_max_age && P.life.partner_rate > 0 &&
               s.focus_offset[h + 1] - s.focus_offset[h] == 1 && rng.bernoulli(std::min(1.0, P.life.partner_rate * week))) {
      e = kPartner;  // lives alone (the household's CSR range holds only its members)
    }
    // A child turning 5 ends the school-gate focus of a parent without other work focus.
    const std::uint32_t wf = s.focus_work[a];
    if (wf != kNone && s.focus_kind[wf] == kSchoolGate && s.parent_until[a] <= x) s.focus_work[a] = kNone;
    event[a] = e;
  });

  // 2. Apply (serial, agent order).
  std::vector<TieEvent> events;
  std::vector<AgentIndex> slots;
  std::vector<TieEvent> scratch;
  Households households(s);
  // Residents per age band now (ages were advanced above), kept up to date by every event that
  // changes who lives here.
  std::array<std::int64_t, State::kAgeBands> count{};
  for (AgentIndex a = 0; a < R; ++a) ++count[State::age_band(age[a])];
  // Household foci with no member when the step began, per neighbourhood (a household of one
  // whose member died and was replaced by a young person joining a family, or whose member moved
  // in with a partner): a new household of the neighbourhood takes one of them before a new focus
  // is made, so foci do not accumulate over decades. Lowest id first.
  std::vector<std::vector<std::uint32_t>> empty_homes(s.n_nbhd);
  for (std::uint32_t f = static_cast<std::uint32_t>(s.focus_offset.size() - 1); f-- > 0;) {
    if (s.focus_kind[f] == kHousehold && s.focus_offset[f] == s.focus_offset[f + 1]) empty_homes[s.focus_nbhd[f]].push_back(f);
  }
  const auto new_home = [&](std::uint32_t j) {
    if (!empty_homes[j].empty()) {
      const std::uint32_t f = empty_homes[j].back();
      empty_homes[j].pop_back();
      return f;
    }
    s.focus_kind.push_back(kHousehold);
    s.focus_nbhd.push_back(j);
    s.focus_activity.push_back(1.0f);
    return s.n_foci() - 1;
  };
  // A partner for resident a: a resident of a's neighbourhood who lives alone now, in another
  // household, aged 18 or more and within life.partner_age_gap years of a (up to 30 draws), or kNone.
  const auto find_partner = [&](AgentIndex a, Stream& rng) {
    const std::uint32_t j = s.nbhd[a];
    const std::uint32_t lo = s.residents_of_nbhd_offset[j], hi = s.residents_of_nbhd_offset[j + 1];
    for (int tries = 0; tries < 30 && hi > lo; ++tries) {
      const AgentIndex r = s.residents_of_nbhd[lo + rng.below(hi - lo)];
      if (r == a || household[r] == household[a] || age[r] < 18.0f || std::abs(age[r] - age[a]) > P.life.partner_age_gap) continue;
      std::uint32_t members = 0;
      households.for_each(household[r], [&](AgentIndex) { ++members; });
      if (members == 1) return r;
    }
    return kNone;
  };
  bool changed = false;
  for (AgentIndex a = 0; a < R; ++a) {
    const std::uint8_t e = event[a];
    if (e == kNoEvent) continue;
    Stream rng = ctx.stream(a, kPurposeNewcomer);
    const std::uint32_t h = household[a];
    changed = true;
    switch (e) {
      case kDeath: {
        // Bereavement: co-residents feel the loss. The kin tie goes with RemoveAll.
        std::uint32_t others = 0;
        households.for_each(h, [&](AgentIndex b) {
          if (b == a) return;
          s.lonely[b] = clamp01(s.lonely[b] + static_cast<float>(P.loneliness.bereavement));
          ++others;
        });
        --count[State::age_band(age[a])];
        drop_services(s, a);
        events.push_back(TieEvent::remove_all(a));
        w.population.renew(a);
        // The slot goes to a newcomer whose age band is the one furthest below the setup's
        // pyramid (alignment, as dynamic microsimulations align to a population's structure:
        // Li & O'Donoghue 2014), so that ageing, deaths and entries balance and the age structure
        // at setup is the stationary one. The youngest band is a young person of the area coming
        // of age (16): a child of a family in the neighbourhood joins the adult population, with
        // kin ties to their household. Any other band (or no family found) is an in-migrant of
        // that age who takes a home of their own and arrives with no ties.
        const int band = neediest_band(s, count);
        const std::uint32_t j = s.nbhd[a];
        const std::uint32_t lo = s.residents_of_nbhd_offset[j], hi = s.residents_of_nbhd_offset[j + 1];
        AgentIndex parent = kNone;
        for (int tries = 0; band == 0 && tries < 30 && parent == kNone && hi > lo; ++tries) {
          const AgentIndex r = s.residents_of_nbhd[lo + rng.below(hi - lo)];
          if (r != a && age[r] >= 36.0f && age[r] < 60.0f && household[r] != h) parent = r;
        }
        std::uint32_t home = h;
        if (parent != kNone) {
          home = household[parent];
        } else if (others > 0) {
          home = new_home(j);
        }
        const AgentIndex one[1] = {a};
        fill_household(s, one, home, rng, false, events);
        if (home != h) households.joined(home, a);
        if (parent != kNone) {
          age[a] = static_cast<float>(16.0 + rng.uniform());
          s.parent_until[a] = 0.0f;
          status[a] = kEducation;
          s.needs[a] = 1u << kEducationSvc;
          s.focus_work[a] = s.colleges_of_nbhd[j];
          s.lonely[a] = 0.2f;
          households.for_each(home, [&](AgentIndex b) {
            if (b != a) events.push_back(TieEvent::add(a, b, 0.8f, kKin));
          });
        } else {
          const double lo_age = band == 0 ? 16.0 : 15.0 + 5.0 * band;
          settle_in_migrant(s, a, lo_age + (band == 0 ? 4.0 : 5.0) * rng.uniform(), rng);
        }
        ++count[State::age_band(age[a])];
        break;
      }
      case kMove: {
        slots.clear();
        households.for_each(h, [&](AgentIndex b) { slots.push_back(b); });
        for (AgentIndex b : slots) {
          --count[State::age_band(age[b])];
          drop_services(s, b);
          events.push_back(TieEvent::remove_all(b));
          w.population.renew(b);
          if (b != a) event[b] = kNoEvent;  // moved away with the household
        }
        // Of life.newcomer_draws candidate households (the setup's generator), the one whose
        // members best fill the age bands furthest below the setup's pyramid takes the home.
        Stream best = rng;
        double best_score = -1e300;
        for (std::int64_t c = 0; c < P.life.newcomer_draws; ++c) {
          const Stream start = rng;
          scratch.clear();
          fill_household(s, slots, h, rng, false, scratch);
          double score = 0;
          for (AgentIndex b : slots) score += static_cast<double>(s.age_target[State::age_band(age[b])] - count[State::age_band(age[b])]);
          if (score > best_score) {
            best_score = score;
            best = start;
          }
        }
        rng = best;
        fill_household(s, slots, h, rng, false, events);
        for (AgentIndex b : slots) ++count[State::age_band(age[b])];
        break;
      }
      case kRetire:
        if (status[a] == kUnemployed) drop_service(s, a, kEmployment, events);
        status[a] = kRetired;
        s.focus_work[a] = kNone;
        break;
      case kJobLoss:
        status[a] = kUnemployed;
        s.focus_work[a] = kNone;
        s.needs[a] |= 1u << kEmployment;
        break;
      case kLeaveEducation: {
        drop_service(s, a, kEducationSvc, events);
        const int q = s.quintile[s.nbhd[a]];
        if (rng.bernoulli(by_quintile(P.structure.employment_rate_q1, P.structure.employment_rate_q5, q))) {
          status[a] = kEmployed;
          s.focus_work[a] = s.n_workplaces_first + rng.below(s.n_workplaces);
        } else {
          status[a] = kUnemployed;
          s.focus_work[a] = kNone;
          s.needs[a] |= 1u << kEmployment;
        }
        break;
      }
      case kBirth: {
        // The resident and an adult partner in the household (aged within 10 years) become parents.
        const float until = age[a] + 5.0f;
        households.for_each(h, [&](AgentIndex b) {
          if (b != a && (std::abs(age[b] - age[a]) > 10.0f || s.parent_until[b] > age[b])) return;
          s.parent_until[b] = age[b] + (until - age[a]);
          if (status[b] != kEmployed && s.focus_work[b] == kNone) s.focus_work[b] = s.school_of_nbhd[s.nbhd[b]];
        });
        break;
      }
      case kLeaveHome: {
        // Still living with a parent now (the household may have changed earlier in this pass)?
        const float oldest = age[a] + static_cast<float>(P.life.parent_gap);
        bool with_parent = false;
        households.for_each(h, [&](AgentIndex b) { with_parent |= b != a && age[b] >= oldest; });
        if (!with_parent) break;
        // With probability life.leave_partner, move in with a partner (find_partner); otherwise,
        // or if none is found, a home of one's own in the neighbourhood. Every tie is kept: the
        // parents and siblings left behind stay kin.
        const AgentIndex partner = rng.bernoulli(P.life.leave_partner) ? find_partner(a, rng) : kNone;
        const std::uint32_t home = partner != kNone ? household[partner] : new_home(s.nbhd[a]);
        household[a] = home;
        households.joined(home, a);
        if (partner != kNone) events.push_back(TieEvent::add(a, partner, 0.8f, kKin));  // as the setup's couples
        break;
      }
      case kPartner: {
        // A resident living alone (still, now) moves in with a partner living alone; their own
        // home is left empty (reused from the next step).
        std::uint32_t members = 0;
        households.for_each(h, [&](AgentIndex) { ++members; });
        if (members != 1) break;
        const AgentIndex partner = find_partner(a, rng);
        if (partner == kNone) break;
        household[a] = household[partner];
        households.joined(household[partner], a);
        events.push_back(TieEvent::add(a, partner, 0.8f, kKin));
        break;
      }
      default: break;
    }
  }
  if (!events.empty()) w.ties.apply(events);
  // Membership changes every week (work foci, newcomers): rebuild the CSR once.
  (void)changed;
  s.rebuild_foci();
}

}  // namespace socius::models::community
