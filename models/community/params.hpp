// The community model's parameters, grouped by the first part of their key: `trust.positive` is
// `P.trust.positive`, `policy.hubs.activity` is `P.policy.hubs.activity`. Each is declared once,
// in the table in params.cpp (key, member, default, range, unit, description, source, fixed
// after setup), from which the schema, the reader and docs/model.md's table are generated.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "socius/parameter_table.hpp"
#include "socius/parameters.hpp"

namespace socius::models::community {

/// Who a timed policy reaches, in the order of the choices of `policy.<name>.target`.
enum class Target { All, MostDeprived, TwoMostDeprived, OlderIsolated };

/// Household types, the index of `structure.household`.
enum HouseholdType { kOnePerson = 0, kCouple = 1, kCoupleChildren = 2, kLoneParent = 3, kShared = 4 };

/// The fields every timed intervention has (`policy.<name>.*`).
struct TimedPolicy {
  bool enabled = false;
  std::int64_t start = 0;     // policy weeks after burn-in
  std::int64_t duration = 0;  // weeks
  std::int64_t ramp_up = 0;   // weeks
  Target target = Target::All;
  double cost_one_off = 0.0;   // GBP, the fixed part: paid in its first active week whatever it delivers
};

/// How a reorganisation takes its promised gain (policy.reorganisation.gain), once.
enum class Gain { Capacity, Savings };

/// Every parameter, read from a validated ParameterSet (read_params). Defaults, units and
/// meanings are in the table in params.cpp and in docs/model.md.
struct Params {
  struct Simulation {  // the engine's keys the model reads
    std::int64_t population = 0, steps = 0;
  } simulation;
  struct Structure {
    double neighbourhood_size = 0, workplace_size = 0, college_size = 0;
    std::int64_t community_foci = 0;
    double community_membership = 0, activity_work = 0, activity_college = 0, activity_school_gate = 0,
           activity_community = 0, activity_neighbourhood = 0;
    std::array<double, 5> household{};  // household_<type>, by HouseholdType
    double young_child_share = 0, older_one_person_share = 0, older_couple_share = 0;
    double employment_rate_q1 = 0, employment_rate_q5 = 0, unemployment_share = 0;
    std::int64_t kin_outside = 0;
    double family_away = 0, initial_friends = 0, initial_acquaintances = 0;
    std::int64_t borough_digest = 0;  // the borough table the population is built from (0: none; docs/borough.md)
    // Generic setup's adult age structure (issue 15; docs/model.md, "Setup"): shares of residents 16+
    // by band (age_16_24 .. age_75_plus) and whether the setup aligns its drawn ages to them.
    std::array<double, 7> age_share{};
    bool align_ages = true;
  } structure;
  struct Contact {
    double mean = 0, sociability_shape = 0, withdrawal = 0, parent_time = 0, age75_factor = 0, young_factor = 0,
           new_share = 0, random_meeting = 0, family_away_weekly = 0;
    double hub_contacts = 0, hub_new = 0;  // extra weekly contacts of a hub member at the hub
  } contact;
  struct Ties {
    std::array<double, 5> delta{}, decay{};  // delta_<type>, decay_<type>, by TieKind (none for service ties)
    double floor = 0, kin_floor = 0, friend_threshold = 0, demote_threshold = 0, new_weight = 0, close_threshold = 0;
  } ties;
  struct Formation {
    double accept = 0, triadic = 0, age_scale = 0, other_neighbourhood = 0, trust_effect = 0, capacity = 0;
  } formation;
  struct Loneliness {
    double rate = 0, desired_mean = 0, desired_sd = 0, desired_age = 0, desired_parent = 0, close_weight = 0,
           contact_weight = 0, slope = 0, midpoint = 0, spread = 0, threshold = 0, bereavement = 0;
    double desired_age_young = 0, desired_pivot = 0;  // two slopes of desired relationships by age (loneliness.cpp)
  } loneliness;
  struct Trust {
    double rate = 0, intercept = 0, disposition_sd = 0, positive = 0, known = 0, neighbourhood = 0, service = 0,
           positive_q1 = 0, positive_q5 = 0, positive_memory = 0, known_norm = 0, threshold = 0,
           pull_together_threshold = 0;
  } trust;
  struct Civic {
    double rate = 0, intercept = 0, hub = 0, community = 0, local = 0, trust = 0;
  } civic;
  struct Life {  // per year unless stated
    double move_q1 = 0, move_q5 = 0, mortality_a = 0, mortality_b = 0, retirement_age = 0, job_loss_q1 = 0,
           job_loss_q5 = 0, birth_rate = 0, education_leave_age = 0;
    std::int64_t newcomer_draws = 0;
    // Household formation (life_events.cpp): leaving the parental home, moving in with a partner.
    double leave_home_rate = 0, leave_home_min_age = 0, leave_home_max_age = 0, parent_gap = 0, leave_partner = 0,
           partner_age_gap = 0, partner_rate = 0, partner_max_age = 0;
  } life;
  struct Services {
    std::array<double, 4> posts{}, capacity{}, h0{}, beta{};  // <service>_posts etc., by Service
    double health_onset = 0, legal_onset = 0, legal_deprivation = 0, health_resolve = 0, legal_resolve = 0,
           overload = 0, q0 = 0, q_rate = 0, q_burnout = 0, reassign = 0;
    std::int64_t team_neighbourhoods = 0;
  } services;
  struct Burnout {
    double load = 0, relationship = 0, quality_ref = 0, support = 0, recovery = 0, support_norm = 0, leave_base = 0,
           leave_burnout = 0, vacancy_weeks = 0, collegial_contacts = 0;
    double demand = 0, sensitivity_sd = 0, newcomer = 0, threshold = 0, learning_weeks = 0, learning_start = 0;
    std::int64_t colleagues = 0;
  } burnout;
  struct Policy {
    struct Hubs : TimedPolicy {
      double per_10000 = 0;  // hubs per 10,000 residents
      double activity = 0, recruitment = 0, isolated_bias = 0;
      double uptake = 0, distance = 0, trust_effect = 0;
      double cost_per_hub_year = 0, cost_per_hub_opened = 0;  // GBP
    } hubs;
    struct Befriending : TimedPolicy {
      double places = 0, weight = 0, introduce = 0, match_weeks = 0, age = 0;
      double cost_per_match_year = 0;  // GBP per match-year running
      double take_up = 0, drop_out = 0, contact = 0, keep = 0;
    } befriending;
    struct RelationalPractice : TimedPolicy {
      double extra_posts = 0, continuity = 0, training = 0;
      double cost_per_trained = 0;  // GBP per professional trained (one-off)
    } relational_practice;
    struct Collaboration : TimedPolicy {
      double ties = 0, weight = 0;
      double cost_per_professional = 0, cost_per_team_year = 0;  // GBP
    } collaboration;
    struct Reorganisation {
      bool enabled = false;
      std::int64_t time = 0;
      double reassign = 0, break_collegial = 0;
      bool merge_teams = false;
      std::int64_t transition = 0;
      double capacity_lost = 0, stress = 0, efficiency_gain = 0, cost_one_off = 0;
      double delivered = 0;
      Gain gain = Gain::Capacity;
      double cost_per_staff = 0, cost_per_redundancy = 0, optimism_bias = 0;
    } reorganisation;
  } policy;
  struct Budget {
    double total = 0;
    double total_pv = 0;  // GBP, present value at appraisal.discount_rate
    double population = 0;  // residents total_pv is stated for (0: any)
    bool size = false;      // size the programme to the budget
    double planned_turnover = 0;
    double cost_per_post_year = 0;  // GBP: a professional post-year (PSSRU)
    // Befriending demand the plan expects (docs/model.md, "Costs and appraisal"), per 10,000 residents:
    double befriending_eligible = 0;  // eligible at the policy's start (65+, often lonely or no close tie)
    double befriending_inflow = 0;    // first becoming eligible after the start, a year
  } budget;
  struct Appraisal {  // HM Treasury Green Book discounting (docs/model.md, "Costs and appraisal")
    double discount_rate = 0, health_discount_rate = 0;
  } appraisal;
  struct Indicators {
    std::int64_t component_every = 0, clustering_sample = 0, clustering_every = 0;
  } indicators;
};

/// The table every parameter of the model is declared in (params.cpp).
const ParameterTable<Params>& parameter_table();

/// Every parameter of the community model (from the table).
ParameterSchema community_schema();

/// Reads `set` and checks combinations the schema alone cannot (ScenarioError naming the key,
/// the value and what is allowed).
Params read_params(const ParameterSet& set);

/// Discount factor of a flow in the step ending at policy week t, at `rate` a year: (1 + rate)^(-t / 52)
/// (policy time 0 is the start of the base year; HM Treasury Green Book 2022). The model's one
/// discount function: costs, savings, outcomes and lonely person-years all use it.
inline double discount_factor(double rate, double t) { return std::pow(1.0 + rate, -t / 52.0); }

/// What a scenario plans to buy over its horizon (costs.cpp), from the parameters alone: the
/// quantities (which depend on the population like the setup's) and the planned spend by item,
/// undiscounted and in present value. Spending follows delivery, so cost_to_date never exceeds
/// `spend` when turnover is at most budget.planned_turnover (docs/model.md, "Costs and appraisal").
struct Plan {
  double hubs = 0;              // hubs opened
  double matches = 0;           // befriending places at full strength
  double demand = 0;            // befriending matches running at the peak of expected demand (places unbounded)
  double match_weeks = 0;       // befriending match-weeks expected over the horizon (places as planned)
  double extra_posts = 0;       // relational practice's extra posts
  double targeted_posts = 0;    // funded posts in relational practice's targeted areas
  double collab_posts = 0;      // funded posts in collaborating areas
  double collab_teams = 0;      // teams in collaborating areas
  double staff = 0;             // funded posts (staff affected by a reorganisation)
  double posts_cut = 0;         // posts a reorganisation that takes savings cuts
  std::array<double, 5> spend{}, spend_pv{};  // by CostItem
  double total() const { double x = 0; for (double v : spend) x += v; return x; }
  double total_pv() const { double x = 0; for (double v : spend_pv) x += v; return x; }
};
Plan plan(const Params& p);
/// Befriending matches running as the plan expects them (costs.cpp): `people` is the targeted
/// residents / 10,000 and `places` the places at full strength (infinity: unbounded). Returns the
/// peak matches running when `weeks` is null, else the match-weeks over the horizon, filling
/// `weeks` with the matches running after each week's matching.
double expected_befriending(const Params& p, double people, double places, std::vector<double>* weeks);
/// Planned spend of every enabled policy over the horizon, GBP (undiscounted; plan(p).total()).
double planned_spend(const Params& p, std::int64_t horizon);
/// The budget in present value for this population: budget.total_pv, scaled by
/// simulation.population / budget.population when budget.population > 0.
double budget_pv(const Params& p);

}  // namespace socius::models::community
