// Internal state of the community model, shared by its systems. Not part of the public surface:
// models/community/community.hpp is. Everything per agent is a column of the engine's Population
// (structure of arrays); foci membership is kept as CSR arrays rebuilt from the columns.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "params.hpp"
#include "socius/assignment.hpp"
#include "socius/socius.hpp"

namespace socius::models::community {

struct Borough;  // borough.hpp

/// Tie types (HalfTie::type).
enum TieKind : TieType { kKin = 0, kFriend = 1, kAcquaintance = 2, kService = 3, kCollegial = 4 };
inline bool is_social(TieType t) { return t <= kAcquaintance; }
/// The same set for network measures (socius/netstats.hpp).
inline const netstats::TieFilter kSocialTies = netstats::TieFilter::only({kKin, kFriend, kAcquaintance});

/// HalfTie::flags bits (each owner writes only its own halves' flags). kLocal caches whether
/// the other end lives in the same neighbourhood (slots never change neighbourhood, and a
/// renewed slot loses all its ties, so the cache stays valid for the tie's life).
enum : std::uint8_t { kUsedByOwner = 1, kLocalKnown = 2, kLocal = 4 };
/// HalfTie::stamp holds the last step (mod 2^16) in which either end used the tie.
inline std::uint16_t stamp_of(std::uint32_t step) { return static_cast<std::uint16_t>(step & 0xFFFFu); }

/// Employment status.
enum Status : std::uint8_t { kEmployed = 0, kUnemployed = 1, kRetired = 2, kEducation = 3, kInactive = 4 };

/// Services (and the need each meets). Professionals have one service.
enum Service : std::uint8_t { kEmployment = 0, kEducationSvc = 1, kHealth = 2, kLegal = 3 };
inline constexpr int kServices = 4;

/// Focus kinds.
enum FocusKind : std::uint8_t { kHousehold = 0, kWorkplace = 1, kCollege = 2, kSchoolGate = 3, kCommunity = 4, kHub = 5 };

inline constexpr std::uint32_t kNone = 0xFFFFFFFFu;

/// Virtual trials (docs/validation.md): the arm of a resident randomised at an intervention's
/// start. A person-level policy reaches only the offered arm while any resident is in a trial,
/// and never reaches the control arm.
enum TrialArm : std::uint8_t { kArmNone = 0, kArmOffered = 1, kArmControl = 2 };
static_assert(kArmOffered == static_cast<std::uint8_t>(AssignedArm::Offered) &&
              kArmControl == static_cast<std::uint8_t>(AssignedArm::Control), "the arms socius::assign_arms writes");
/// Bits of policy_target: the resident is in this person-level policy's target group now.
enum : std::uint8_t { kTargetHubs = 1, kTargetBefriending = 2, kTargetRelationalPractice = 4 };

/// Random purposes, one per mechanism (and per sub-draw where a system draws twice for an agent).
enum : Purpose {
  kPurposeSetup = 1,
  kPurposeSetupTies = 2,
  kPurposeLife = 10,
  kPurposeNewcomer = 11,
  kPurposeContact = 20,
  kPurposeFormation = 30,
  kPurposeTrust = 40,
  kPurposeServices = 50,
  kPurposeAssign = 51,
  kPurposeBurnout = 60,
  kPurposeVacancy = 61,    // 62: a newcomer's collegial ties
  kPurposeArrival = 63,    // a newcomer professional's sensitivity
  kPurposeHubs = 70,
  kPurposeBefriending = 71,
  kPurposeCollaboration = 72,
  kPurposeReorganisation = 73,
  // Early action (helper B): per-run traits (drawn with kTraitStep, constant over a run) and
  // the weekly befriender and hub contacts.
  kPurposeBefriendingTakeUp = 170,
  kPurposeBefriendingDropOut = 171,
  kPurposeHubUptake = 172,
  kPurposeBefriendingContact = 173,
  kPurposeHubContact = 174,
  kPurposeBefriendingKeep = 175,
};
/// The step key of per-run traits (a resident's willingness to take up an offer, the fate of a
/// match): no step of a run has it, so the draw is the same in every step.
inline constexpr std::uint32_t kTraitStep = 0xFFFFFFFFu;
/// A per-run uniform draw for agent a and `purpose` (and an optional second key, e.g. a partner).
inline double trait_uniform(const StepContext& ctx, AgentIndex a, Purpose purpose, std::uint32_t key = 0) {
  Stream rng(ctx.seed, kTraitStep - key, a, purpose);
  return rng.uniform();
}

/// What policy money is spent on (issue 16): the cost indicators cost_<item>_pv, in this order.
enum CostItem : int { kCostHubs = 0, kCostBefriending, kCostRelationalPractice, kCostCollaboration, kCostReorganisation, kCostItems };
/// Deprivation quintiles (1 most deprived .. 5): spending and savings are recorded by quintile.
inline constexpr int kQuintiles = 5;

/// Cumulative outcome counters since policy time 0, per indicator group.
struct OutcomeCounters {
  std::vector<double> jobs, cases, attainment, behaviour;
  void resize(std::size_t groups) {
    jobs.assign(groups, 0.0);
    cases.assign(groups, 0.0);
    attainment.assign(groups, 0.0);
    behaviour.assign(groups, 0.0);
  }
};

/// Everything the systems share. The columns are views (spans) of the Population's columns:
/// every agent is added before the columns are registered and the population is frozen after
/// setup, so their storage never moves (a checkpoint's load copies into it).
struct State {
  explicit State(const Params& p) : P(p) {}
  Params P;

  AgentIndex residents = 0;      ///< agents [0, residents) are residents
  AgentIndex professionals = 0;  ///< agents [residents, residents + professionals) are posts
  AgentIndex agents() const { return residents + professionals; }

  // --- residents (columns sized to every agent; professionals ignore most) ---
  std::span<std::uint32_t> nbhd;                    // neighbourhood index
  std::span<float> age;                             // years
  std::span<std::uint32_t> household;               // focus id of the household
  std::span<std::uint8_t> status;                   // Status
  std::span<float> parent_until;                    // age at which the youngest child turns 5
  std::span<float> sociability;                     // multiplier of the contact budget, mean 1
  std::span<float> desired;                         // desired close-tie strength
  std::span<float> lonely;                          // L in [0, 1]
  std::span<float> trust;                           // T in [0, 1]
  std::span<float> civic;                           // E in [0, 1]
  std::span<float> disposition;                     // individual trust intercept (logit scale)
  std::span<float> positive;                        // moving average of the positive share of contacts
  std::span<std::uint32_t> focus_work;              // workplace, college or school gate
  std::span<std::uint32_t> focus_comm;              // club, faith group, library
  std::span<std::uint32_t> focus_hub;               // a policy hub
  std::span<std::uint16_t> made;                    // social contacts made this week
  std::span<std::uint16_t> received;                // social contacts received this week
  std::span<std::uint16_t> local_ties;              // social ties in one's own neighbourhood (contact system)
  std::span<std::uint8_t> family_away;              // relatives living outside the area (not agents)
  std::span<std::uint8_t> meetings;                 // contacts spent meeting new people
  std::span<std::uint8_t> event;                    // scratch: life event drawn this step
  std::span<std::uint16_t> svc_event;               // scratch: service outcomes drawn this step
  std::span<std::uint32_t> befriender;              // befriending volunteer, or kNone
  std::span<std::uint8_t> befriended;               // 1: has had a befriending match in this run
  std::span<std::uint8_t> needs;                    // bit s: has a need for service s
  std::span<std::uint8_t> trial_arm;                // virtual trial: 0 not in a trial, 1 offered, 2 control (kArm*)
  std::span<std::uint8_t> policy_target;            // bit per person-level policy (kTarget*): in its target group now
  std::array<std::span<std::uint32_t>, kServices> prof{};  // professional agent, or kNone
  std::array<std::span<float>, kServices> quality{};       // q with the current professional
  std::array<std::span<std::uint16_t>, kServices> waited{};  // weeks on the waiting list

  // --- professionals (columns indexed by agent too) ---
  std::span<std::uint8_t> service;                  // Service
  std::span<std::uint32_t> team;                    // team index
  std::span<std::uint8_t> post;                     // 0 unfunded reserve, 1 filled, 2 vacant
  std::span<std::uint32_t> caseload;                // clients now
  std::span<float> capacity;                        // clients they can serve well
  std::span<float> tenure;                          // weeks in post
  std::span<float> burnout;                         // B in [0, 1]
  std::span<float> sensitivity;                     // v: burnout sensitivity, lognormal with mean 1
  std::span<std::int32_t> vacant_until;             // step at which a vacancy is filled
  std::span<std::uint8_t> extra_post;               // 1: a post funded by relational practice

  // --- neighbourhoods ---
  std::uint32_t n_nbhd = 0;
  std::vector<std::uint8_t> quintile;       // 1 most deprived .. 5 least
  std::vector<std::uint32_t> nbhd_size;     // residents now
  std::vector<float> nbhd_trust;            // mean trust, from the previous step
  std::vector<std::uint32_t> nbhd_team_area;  // area (team) serving each neighbourhood
  std::uint32_t n_areas = 0;

  // --- foci: attributes per focus, membership as CSR rebuilt from the columns ---
  std::vector<std::uint8_t> focus_kind;
  std::vector<std::uint32_t> focus_nbhd;
  std::vector<float> focus_activity;
  std::vector<std::uint32_t> focus_offset;   // size foci + 1
  std::vector<AgentIndex> focus_members;
  std::uint32_t n_foci() const { return static_cast<std::uint32_t>(focus_kind.size()); }
  std::vector<std::uint32_t> community_foci_of_nbhd_offset;  // CSR: community foci per nbhd
  std::vector<std::uint32_t> community_foci;
  std::vector<std::uint32_t> hubs_of_nbhd;   // first hub focus per nbhd (kNone if no hub)
  std::vector<std::uint32_t> hubs_in_nbhd;   // hubs per nbhd (hubs_per_neighbourhood; setup)
  std::vector<std::uint32_t> colleges_of_nbhd;
  std::vector<std::uint32_t> school_of_nbhd;
  std::uint32_t n_workplaces_first = 0, n_workplaces = 0;
  std::vector<std::uint32_t> residents_of_nbhd_offset;  // CSR of residents by neighbourhood
  std::vector<AgentIndex> residents_of_nbhd;

  // --- teams ---
  std::uint32_t n_teams = 0;                 // kServices * n_areas
  std::vector<std::uint32_t> team_offset;    // CSR: posts of each team
  std::vector<AgentIndex> team_posts;
  std::vector<float> team_rp;                // relational practice strength in each team (0..1)
  std::vector<std::uint8_t> area_targeted_rp, area_targeted_collab;
  double capacity_factor = 1.0;              // reorganisation: transition loss, then efficiency gain
  double reorg_stress = 0.0;                 // burnout added per week now
  void rebuild_teams();

  // --- demography (life_events.cpp): the adult age pyramid the area keeps ---
  // Residents per age band (kAgeBands: 16-19, 20-24, ..., 90-94, 95+) at setup. Newcomers who
  // take the slot of a resident who died are drawn from the band furthest below it (alignment),
  // so the age structure at setup is the stationary one. Set by setup_world from the residents it
  // draws (rerun identically before a checkpoint is loaded, so it is not saved).
  static constexpr int kAgeBands = 17;
  static int age_band(float age) { return age < 20.0f ? 0 : std::min(kAgeBands - 1, 1 + static_cast<int>((age - 20.0f) / 5.0f)); }
  std::array<std::int64_t, kAgeBands> age_target{};

  // --- borough (issue 17, setup.cpp; docs/borough.md): the table the population was built from ---
  std::shared_ptr<const Borough> borough;             // null: the generic population
  std::vector<std::array<double, 5>> nbhd_household;  // household mix of each neighbourhood (empty: structure.household_*)

  // --- double buffers (copies taken before parallel loops that read neighbours) ---
  std::vector<float> lonely_prev;

  // --- social-tie sums for the indicators ---
  // The loneliness system is the last one of a step to read every resident's social ties, and no
  // later system changes social ties (services and burnout change service and collegial ties
  // only). It sums, per indicator cell, the fields the indicators need from the ties (count,
  // summed weight, residents without a close tie), with the same blocks and reduction tree as
  // the indicators, so the indicators need not walk the ties again. `social_sums_step` is the
  // step they describe; the indicators walk the ties themselves when it is not the current step
  // (the record at policy time 0 without burn-in, loneliness switched off, after a restore).
  static constexpr int kSocialFields = 3;  // degree, strength, no close tie
  std::vector<double> social_sums;          // kCells x kSocialFields
  std::uint32_t social_sums_step = std::numeric_limits<std::uint32_t>::max();

  // --- policy state ---
  double cost_to_date = 0.0;
  double savings_to_date = 0.0;
  double staff_leavers = 0.0;  // since time 0
  std::vector<double> leavers_week = std::vector<double>(52, 0.0);  // leavers in each of the last 52 steps (ring, by step % 52)
  bool reorg_started = false, reorg_finished = false;
  std::uint32_t hub_first = kNone, hub_count = 0;
  std::vector<std::uint8_t> nbhd_targeted_hubs, nbhd_targeted_collab;
  bool collaboration_done = false;
  bool extra_posts_open = false;
  std::uint32_t befriending_matches = 0;
  bool trial_active = false;  // some resident has trial_arm != 0 (set by the policies system each step)

  // --- appraisal (costs.cpp; docs/model.md, "Costs and appraisal"): all since policy time 0 ---
  // Spending by quintile of what it reaches (undiscounted; sums to cost_to_date) and in present
  // value by item and quintile; savings likewise; person-weeks often lonely per indicator group
  // (and their present value at the health discount rate); service outcomes in present value.
  std::array<double, kQuintiles> cost_q{};
  std::array<std::array<double, kQuintiles>, kCostItems> cost_pv{};
  std::array<double, kQuintiles> savings_q{}, savings_pv{};
  std::vector<double> lonely_weeks, lonely_weeks_pv;
  OutcomeCounters outcomes_pv;
  // Per post (index p - residents): the arrival week (step - tenure) of the professional last
  // trained in relational practice / paid to join local collaboration there; NaN for none.
  std::vector<double> rp_trained, collab_joined;
  double reorg_posts_cut = 0;                       // posts a reorganisation cut (gain "savings")
  std::array<double, kQuintiles> savings_week_q{};  // the cut posts' cost per week, by quintile
  /// Spends `gbp` on `item` for quintile q (1..5) in the step at policy time t (>= 1).
  void spend(int item, int q, double gbp, std::int64_t t);
  /// Spends `gbp` on `item`, split among quintiles in proportion to `share` (summing to 1).
  void spend(int item, const std::array<double, kQuintiles>& share, double gbp, std::int64_t t);
  /// Realises `gbp` of savings, split among quintiles by `share`, at policy time t.
  void save(const std::array<double, kQuintiles>& share, double gbp, std::int64_t t);

  // --- indicators ---
  std::vector<std::string> groups;
  OutcomeCounters outcomes;

  void rebuild_foci();
  void rebuild_residents_of_nbhd();
  /// Indicator groups a resident belongs to (indices into `groups`), written to out; returns count.
  int groups_of(AgentIndex a, std::uint32_t* out) const { return groups_of_cell(cell_of(a), out); }
  /// Residents fall into kCells cells (deprivation quintile x age band x parent of a child under
  /// 5); every indicator group is a union of cells, so sums can be taken per cell and then
  /// added up per group.
  static constexpr std::uint32_t kCells = 5 * 7 * 2;
  std::uint32_t cell_of(AgentIndex a) const {
    const float x = age[a];
    const std::uint32_t band = x < 25 ? 0 : x < 35 ? 1 : x < 45 ? 2 : x < 55 ? 3 : x < 65 ? 4 : x < 75 ? 5 : 6;
    const std::uint32_t parent = parent_until[a] > x ? 1 : 0;
    return ((quintile[nbhd[a]] - 1u) * 7u + band) * 2u + parent;
  }
  /// Indicator groups of every resident of `cell`, written to out; returns count (at most 5).
  static int groups_of_cell(std::uint32_t cell, std::uint32_t* out);
};

/// The close-tie threshold as the weights are stored: a float. A tie of weight float(0.7) is
/// close at ties.close_threshold = 0.7 (compared as doubles it would not be: float(0.7) < 0.7).
inline float close_threshold(const Params& P) { return static_cast<float>(P.ties.close_threshold); }
/// A close tie: kin or friend, of weight at least the threshold (close_threshold). The one
/// definition: loneliness, the indicators and befriending's eligibility all use it.
inline bool is_close_tie(const HalfTie& h, float threshold) {
  return (h.type == kKin || h.type == kFriend) && h.weight >= threshold;
}

/// One resident's social ties: their number, their summed weight in block order, and whether one
/// is close (is_close_tie). A function of its own so that the running sums stay
/// in registers (written inline in a loop, GCC kept the strength on the stack, a store and reload
/// per tie).
struct SocialTies {
  std::uint32_t degree = 0;
  double strength = 0;
  bool has_close = false;
};
inline SocialTies social_ties(std::span<const HalfTie> ties, float close) {
  std::uint32_t degree = 0;
  double strength = 0;
  bool has_close = false;
  for (const HalfTie& h : ties) {
    if (!is_social(h.type)) continue;
    degree += 1;
    strength += h.weight;
    has_close |= is_close_tie(h, close);
  }
  return {degree, strength, has_close};
}

/// Bernoulli draw from one 32-bit number (the hot loops draw many): exact at p <= 0 and p >= 1.
inline bool chance(Stream& rng, double p) {
  return p >= 1.0 || (p > 0.0 && rng.next_u32() < static_cast<std::uint32_t>(p * 4294967296.0));
}

inline float clamp01(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x); }
inline double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }
/// Age factor of desired relationships (loneliness.cpp, docs/model.md "Loneliness"): a log-linear
/// decline of desired_age_young per decade below the age loneliness.desired_pivot and of
/// desired_age above it, 1 at age 45 (f is the integral of the slope from 45 to age):
///   exp(-f / 10), f = desired_age_young (min(age, pivot) - min(45, pivot))
///                     + desired_age (max(age, pivot) - max(45, pivot)).
/// At a pivot of 16 (the youngest resident's age) this is exp(-desired_age (age - 45) / 10) for
/// every resident whatever desired_age_young is (the former single slope); equal slopes give it at
/// any pivot. The defaults (the refit, docs/calibration.md section 7) put the pivot at 67.2.
inline double desired_age_factor(const Params& P, double age) {
  const auto& Lp = P.loneliness;
  const double p = Lp.desired_pivot;
  return std::exp(-(Lp.desired_age_young * (std::min(age, p) - std::min(45.0, p)) +
                    Lp.desired_age * (std::max(age, p) - std::max(45.0, p))) / 10.0);
}

/// Ramp of a timed intervention in the step that ends at policy time t: the policy acts in the
/// `duration` steps start < t <= start + duration, at strength min(1, (t - start) / ramp_up)
/// (1 at once when ramp_up is 0), and 0 otherwise.
inline double ramp(const TimedPolicy& p, std::int64_t t) {
  if (!p.enabled || t <= p.start || t > p.start + p.duration) return 0.0;
  if (p.ramp_up <= 0) return 1.0;
  return std::min(1.0, static_cast<double>(t - p.start) / static_cast<double>(p.ramp_up));
}

/// Whether a timed policy has ended by policy time t.
inline bool ended(const TimedPolicy& p, std::int64_t t) { return t > p.start + p.duration; }

/// Whether a neighbourhood of the given quintile is targeted.
inline bool targets_quintile(Target t, int quintile) {
  switch (t) {
    case Target::All: return true;
    case Target::MostDeprived: return quintile == 1;
    case Target::TwoMostDeprived: return quintile <= 2;
    case Target::OlderIsolated: return true;  // every area; residents are filtered by the policy
  }
  return false;
}

// The systems, one per mechanism (each in its own file).
void run_policies(State& s, World& w, const StepContext& ctx);
void run_life_events(State& s, World& w, const StepContext& ctx);
void run_contact(State& s, World& w, const StepContext& ctx);
void run_tie_strength(State& s, World& w, const StepContext& ctx);
void run_tie_formation(State& s, World& w, const StepContext& ctx);
void run_loneliness(State& s, World& w, const StepContext& ctx);
void run_trust(State& s, World& w, const StepContext& ctx);
void run_civic(State& s, World& w, const StepContext& ctx);
void run_services(State& s, World& w, const StepContext& ctx);
void run_burnout(State& s, World& w, const StepContext& ctx);
void run_appraisal(State& s, World& w, const StepContext& ctx);
/// Hubs per neighbourhood (of quintiles `quintile`): round(policy.hubs.per_10000 x population /
/// 10,000) hubs shared among the targeted neighbourhoods in equal numbers, the remainder one each
/// to the first in neighbourhood order; all 0 when hubs are off. The setup and the plan use it.
std::vector<std::uint32_t> hubs_per_neighbourhood(const Params& P, const std::vector<std::uint8_t>& quintile);
/// Pays for what the policies delivered this step (costs.cpp): called last by run_policies.
void pay_policies(State& s, const StepContext& ctx);

// Setup and helpers shared by several systems.
/// Share of one's neighbourhood one knows: min(1, same-neighbourhood social ties / known_norm),
/// from the count the contact system refreshes every week.
inline double known_share(const State& s, AgentIndex a) {
  return std::min(1.0, s.local_ties[a] / s.P.trust.known_norm);
}
/// A newcomer professional's learning curve (docs/model.md): the share of full capacity and of
/// the full relationship-building rate after `tenure` weeks in post,
///   learning_start + (1 - learning_start) min(1, tenure / learning_weeks); 1 when learning_weeks is 0.
inline double learning(const Params& P, double tenure) {
  if (P.burnout.learning_weeks <= 0) return 1.0;
  return P.burnout.learning_start + (1.0 - P.burnout.learning_start) * std::min(1.0, tenure / P.burnout.learning_weeks);
}
/// Capacity of professional p now: the service's capacity x the reorganisation's factor x the
/// learning curve.
inline float full_capacity(const State& s, AgentIndex p) {
  return static_cast<float>(s.P.services.capacity[s.service[p]] * s.capacity_factor * learning(s.P, s.tenure[p]));
}
/// A professional's burnout sensitivity v: lognormal with mean 1 and log-sd burnout.sensitivity_sd.
double draw_sensitivity(const Params& P, Stream& rng);
/// The filled post of `team` with most room below overload x capacity, other than `exclude`.
AgentIndex pick_professional(const State& s, std::uint32_t team, AgentIndex exclude);
void setup_world(State& s, World& w, const StepContext& ctx);
/// The policies' own setup at policy time 0 (Model::start, policies.cpp): hub foci, the areas
/// relational practice and collaboration target, the residents' policy_target bits.
void start_policies(State& s, World& w, const StepContext& ctx);
/// After a load: rebuilds hub_first, hub_count, hubs_of_nbhd and hubs_in_nbhd from the hub foci,
/// and the targeted areas from the team areas setup made (`setup_team_area`).
void find_hubs(State& s, const std::vector<std::uint32_t>& setup_team_area);
/// Relative need for `service` of a resident of a neighbourhood of `quintile` (1 most deprived),
/// mean 1 over the five quintiles: the staffing formula's weight (docs/model.md, "Setup").
double need_index(const Params& P, int service, int quintile);
/// Shares `total` among items in proportion to `weight` (largest remainder; at least one each
/// when total >= items; ties to the lower index).
std::vector<std::uint32_t> apportion(std::uint32_t total, const std::vector<double>& weight);
/// Draws a newcomer household of `size` adults into the slots `slots` (already emptied of
/// ties): ages, status, traits; kin ties are proposed into `events`.
void fill_household(State& s, std::span<const AgentIndex> slots, std::uint32_t household_focus,
                    Stream& rng, bool at_setup, std::vector<TieEvent>& events);
/// Ends resident a's need for service k and its service relationship (the tie's removal is
/// proposed into `events`; caseload accounting is done here).
void drop_service(State& s, AgentIndex a, int k, std::vector<TieEvent>& events);
/// Releases every client of professional p (their needs go back to the waiting list).
void release_clients(State& s, World& w, AgentIndex p, std::vector<TieEvent>& events);
/// Assigns waiting clients to professionals of their team with room, in agent order.
void assign_waiting(State& s, World& w, const StepContext& ctx);

}  // namespace socius::models::community
