// The community model's parameters, read once from a validated ParameterSet. The schema (name,
// unit, default, range, description, source of every parameter) is in params.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "socius/parameters.hpp"

namespace socius::models::community {

enum class Target { All, MostDeprived, TwoMostDeprived, OlderIsolated };

/// The fields every timed intervention has.
struct TimedPolicy {
  bool enabled = false;
  std::int64_t start = 0;     // policy weeks after burn-in
  std::int64_t duration = 0;  // weeks
  std::int64_t ramp_up = 0;   // weeks
  Target target = Target::All;
  double cost_one_off = 0.0;   // GBP, at start
  double cost_per_year = 0.0;  // GBP per year while active
};

struct Params {
  // simulation
  std::int64_t population = 0, steps = 0;
  // structure
  double nbhd_size = 0, workplace_size = 0, college_size = 0;
  std::int64_t community_foci = 0;
  double community_membership = 0, activity_work = 0, activity_college = 0, activity_school = 0,
         activity_community = 0, activity_nbhd = 0;
  std::array<double, 5> household_mix{};  // one person, couple, couple+children, lone parent, shared
  double young_child_share = 0, older_one_person_share = 0, older_couple_share = 0;
  double employment_q1 = 0, employment_q5 = 0, unemployment_share = 0;
  std::int64_t kin_outside = 0;
  double family_away = 0, family_weekly = 0;
  // contact
  double contact_mean = 0, sociability_shape = 0, withdrawal = 0, parent_time = 0, age75_factor = 0,
         young_factor = 0, new_share = 0, random_meeting = 0;
  // ties
  std::array<double, 5> delta{}, decay{};
  double floor = 0, kin_floor = 0, friend_threshold = 0, demote_threshold = 0, new_weight = 0,
         close_threshold = 0, initial_friends = 0, initial_acquaintances = 0;
  // formation
  double accept = 0, triadic = 0, age_scale = 0, other_nbhd = 0, trust_effect = 0, capacity = 0;
  // loneliness
  double l_rate = 0, desired_mean = 0, desired_sd = 0, desired_young = 0, desired_parent = 0, close_weight = 0, contact_weight = 0,
         l_slope = 0, l_midpoint = 0, spread = 0, l_threshold = 0, bereavement = 0;
  // trust
  double t_rate = 0, t_intercept = 0, t_sd = 0, t_positive = 0, t_known = 0, t_nbhd = 0, t_service = 0,
         positive_q1 = 0, positive_q5 = 0, positive_rate = 0, known_norm = 0, t_threshold = 0,
         pull_threshold = 0;
  // civic
  double e_rate = 0, e_intercept = 0, e_hub = 0, e_community = 0, e_local = 0, e_trust = 0;
  // life events (per year unless stated)
  double move_q1 = 0, move_q5 = 0, mortality_a = 0, mortality_b = 0, retirement_age = 0,
         job_loss_q1 = 0, job_loss_q5 = 0, birth_rate = 0, education_leave_age = 0;
  // services (index by Service)
  std::array<double, 4> posts{}, case_capacity{}, h0{}, beta{};
  double health_onset = 0, legal_onset = 0, legal_deprivation = 0, health_resolve = 0,
         legal_resolve = 0, overload = 0, q0 = 0, q_rate = 0, q_burnout = 0, reassign = 0;
  std::int64_t team_nbhds = 0;
  // burnout
  double b_load = 0, b_relationship = 0, b_quality_ref = 0, b_support = 0, b_recovery = 0,
         support_norm = 0, leave_base = 0, leave_burnout = 0, vacancy_weeks = 0, collegial_contacts = 0;
  std::int64_t colleagues = 0;
  // policies
  TimedPolicy hubs, befriending, relational, collaboration;
  std::int64_t hubs_per_nbhd = 0;
  double hub_activity = 0, hub_recruitment = 0, hub_isolated_bias = 0;
  double bef_match_weeks = 0, bef_places = 0, bef_weight = 0, bef_introduce = 0, bef_age = 0;
  double rp_extra_posts = 0, rp_continuity = 0, rp_training = 0;
  double collab_ties = 0, collab_weight = 0;
  bool reorg = false;
  std::int64_t reorg_time = 0, reorg_transition = 0;
  double reorg_reassign = 0, reorg_break = 0, reorg_capacity_lost = 0, reorg_stress = 0,
         reorg_efficiency = 0, reorg_cost = 0, reorg_savings = 0;
  bool reorg_merge = false;
  double budget_total = 0;
  // indicators
  std::int64_t component_every = 0, clustering_sample = 0;
};

/// Every parameter of the community model.
ParameterSchema community_schema();

/// Reads `set` and checks combinations the schema alone cannot (ScenarioError naming the key,
/// the value and what is allowed).
Params read_params(const ParameterSet& set);

/// Planned spend of every enabled policy over a horizon (what cost_to_date reaches then), GBP.
double planned_spend(const Params& p, std::int64_t horizon);
/// Spend on policies during the step at policy time t (GBP).
double spend_at(const Params& p, std::int64_t t);
/// Promised savings during the step at policy time t (GBP).
double savings_at(const Params& p, std::int64_t t);

}  // namespace socius::models::community
