// The community model: wiring of its systems (one file each), setup and indicators.
#include "community.hpp"

#include <array>
#include <cmath>

#include "borough.hpp"
#include "indicators.hpp"
#include "socius/checkpoint.hpp"
#include "state.hpp"

namespace socius::models::community {

namespace {

class Community final : public Model {
 public:
  explicit Community(const ParameterSet& set, std::shared_ptr<const Borough> borough = nullptr) : s_(read_params(set)) {
    // A borough (docs/borough.md) is checked against the digest the scenario recorded, so that a
    // checkpoint or a stored scenario is rebuilt from the very table it was built from.
    const std::int64_t digest = s_.P.structure.borough_digest;
    if (borough) {
      check_borough(*borough);
      if (borough->digest != digest) {
        throw ScenarioError("key 'structure.borough_digest' = " + std::to_string(digest) + ": the borough table given has digest " +
                            std::to_string(borough->digest) + " (the file changed since the scenario was made); allowed: the digest of the "
                            "table given, which simulation.borough sets");
      }
    } else if (digest != 0) {
      throw ScenarioError("key 'structure.borough_digest' = " + std::to_string(digest) + ": the scenario was built from a borough table, "
                          "which was not given; give the borough file with simulation.borough (docs/borough.md), or 0 for the generic population");
    }
    s_.borough = std::move(borough);
  }

  void setup(World& world, const StepContext& ctx) override {
    setup_world(s_, world, ctx);
    s_.groups = group_list();
    s_.outcomes.resize(s_.groups.size());
    s_.outcomes_pv.resize(s_.groups.size());
    s_.lonely_weeks.assign(s_.groups.size(), 0.0);
    s_.lonely_weeks_pv.assign(s_.groups.size(), 0.0);
  }

  /// The mechanisms of a step, in order (one file each): the model's only list of them.
  static std::vector<System> systems() {
    using Run = void (*)(State&, World&, const StepContext&);
    const auto sys = [](const char* name, const char* description, Run run) {
      return system<Community>(name, description, [run](Community& m, World& w, const StepContext& ctx) { run(m.s_, w, ctx); });
    };
    return {
        sys("policies", "timed interventions (hubs, befriending, relational practice, collaboration, reorganisation) and their costs", run_policies),
        sys("life_events", "ageing, household moves with newcomers, deaths and bereavement, retirement, job loss, leaving education, births", run_life_events),
        sys("contact", "weekly contact budgets (Poisson, reduced by loneliness) spent on ties by strength or on meeting new people at foci", run_contact),
        sys("tie_strength", "reinforcement of used ties, decay of unused ones, loss below the floor (kin go dormant), friend/acquaintance type", run_tie_strength),
        sys("tie_formation", "focal closure, triadic closure and chance meetings, with homophily, trust and capacity in acceptance", run_tie_formation),
        sys("loneliness", "cognitive discrepancy between desired and actual relationships, with contagion along ties", run_loneliness),
        sys("trust", "generalised trust toward a target from positive contacts, local ties, neighbourhood trust and service quality", run_trust),
        sys("civic", "civic efficacy from hub and community membership, local ties and trust", run_civic),
        sys("services", "needs, caseloads and waiting lists, relationship quality, outcome hazards h0 (1 + beta q), reassignment", run_services),
        sys("burnout", "professionals' burnout, turnover, vacancies and their filling", run_burnout),
        sys("appraisal", "person-years often lonely and their present value (the policies and services systems record costs and outcomes)", run_appraisal),
    };
  }

  IndicatorSpec indicators() const override {
    IndicatorSpec spec;
    spec.groups = group_list();
    spec.indicators = indicator_list();
    return spec;
  }

  void measure(const World& world, const StepContext& ctx, double* out) const override {
    measure_indicators(s_, world, ctx, out);
  }

  /// New parameter values between steps (e.g. a Python hook acting as an intervention); they take
  /// effect from the next step. The engine has already refused a change to a key that shaped the
  /// setup (fixed after setup in the parameter table: structure, posts, teams, which hubs and
  /// reserve posts exist).
  void reconfigure(const ParameterSet& params) override {
    Params next = read_params(params);
    check_extra_posts(next);
    s_.P = next;
  }

  /// Policy time 0: the policies' own setup (hubs, targeted areas, target groups; policies.cpp).
  void start(World& world, const StepContext& ctx) override { start_policies(s_, world, ctx); }

  /// What is not in columns or ties and that setup does not rebuild identically: foci added
  /// since setup and their activity, neighbourhood trust, team areas (a reorganisation merges
  /// them), policy state, costs and outcome counters. CSR arrays are rebuilt from the columns.
  void save(StateWriter& out) const override {
    out.put_vector("community.focus_kind", s_.focus_kind);
    out.put_vector("community.focus_nbhd", s_.focus_nbhd);
    out.put_vector("community.focus_activity", s_.focus_activity);
    out.put_vector("community.nbhd_trust", s_.nbhd_trust);
    out.put_vector("community.nbhd_team_area", s_.nbhd_team_area);
    out.put_vector("community.team_rp", s_.team_rp);
    out.put_vector("community.outcomes.jobs", s_.outcomes.jobs);
    out.put_vector("community.outcomes.cases", s_.outcomes.cases);
    out.put_vector("community.outcomes.attainment", s_.outcomes.attainment);
    out.put_vector("community.outcomes.behaviour", s_.outcomes.behaviour);
    const double reals[5] = {s_.cost_to_date, s_.savings_to_date, s_.staff_leavers, s_.capacity_factor, s_.reorg_stress};
    out.put_value("community.reals", reals);
    const std::uint8_t flags[4] = {s_.reorg_started, s_.reorg_finished, s_.extra_posts_open, s_.collaboration_done};
    out.put_value("community.flags", flags);
    out.put_value("community.befriending_matches", s_.befriending_matches);
    out.put_vector("community.leavers_week", s_.leavers_week);
    // Appraisal (issue 16): sections of their own, so that a checkpoint written before them
    // still loads (they then start at zero).
    out.put_vector("community.appraisal.reals", appraisal_reals());
    out.put_vector("community.appraisal.lonely_weeks", s_.lonely_weeks);
    out.put_vector("community.appraisal.lonely_weeks_pv", s_.lonely_weeks_pv);
    out.put_vector("community.appraisal.jobs_pv", s_.outcomes_pv.jobs);
    out.put_vector("community.appraisal.cases_pv", s_.outcomes_pv.cases);
    out.put_vector("community.appraisal.attainment_pv", s_.outcomes_pv.attainment);
    out.put_vector("community.appraisal.behaviour_pv", s_.outcomes_pv.behaviour);
    out.put_vector("community.appraisal.rp_trained", s_.rp_trained);
    out.put_vector("community.appraisal.collab_joined", s_.collab_joined);
  }

  void load(const StateReader& in) override {
    // Sizes fixed by setup (rerun before load with the same seed and parameters).
    const std::size_t foci_at_setup = s_.focus_kind.size(), n_teams = s_.team_rp.size();
    const std::size_t outcome_size = s_.outcomes.jobs.size();
    const std::vector<std::uint32_t> setup_team_area = s_.nbhd_team_area;
    s_.focus_kind = in.get_vector<std::uint8_t>("community.focus_kind");
    s_.focus_nbhd = in.get_vector<std::uint32_t>("community.focus_nbhd");
    s_.focus_activity = in.get_vector<float>("community.focus_activity");
    s_.nbhd_trust = in.get_vector<float>("community.nbhd_trust");
    s_.nbhd_team_area = in.get_vector<std::uint32_t>("community.nbhd_team_area");
    s_.team_rp = in.get_vector<float>("community.team_rp");
    s_.outcomes.jobs = in.get_vector<double>("community.outcomes.jobs");
    s_.outcomes.cases = in.get_vector<double>("community.outcomes.cases");
    s_.outcomes.attainment = in.get_vector<double>("community.outcomes.attainment");
    s_.outcomes.behaviour = in.get_vector<double>("community.outcomes.behaviour");
    using Reals = std::array<double, 5>;
    const auto reals = in.get_value<Reals>("community.reals");
    s_.cost_to_date = reals[0];
    s_.savings_to_date = reals[1];
    s_.staff_leavers = reals[2];
    s_.capacity_factor = reals[3];
    s_.reorg_stress = reals[4];
    using Flags = std::array<std::uint8_t, 4>;
    const auto flags = in.get_value<Flags>("community.flags");
    s_.reorg_started = flags[0];
    s_.reorg_finished = flags[1];
    s_.extra_posts_open = flags[2];
    s_.collaboration_done = flags[3];
    s_.befriending_matches = in.get_value<std::uint32_t>("community.befriending_matches");
    s_.leavers_week = in.get_vector<double>("community.leavers_week");
    if (in.has("community.appraisal.reals")) {
      const auto sums = in.get_vector<double>("community.appraisal.reals");
      if (sums.size() != appraisal_reals().size()) in.fail("community state: the appraisal's sums have the wrong size");
      set_appraisal_reals(sums);
      s_.lonely_weeks = in.get_vector<double>("community.appraisal.lonely_weeks");
      s_.lonely_weeks_pv = in.get_vector<double>("community.appraisal.lonely_weeks_pv");
      s_.outcomes_pv.jobs = in.get_vector<double>("community.appraisal.jobs_pv");
      s_.outcomes_pv.cases = in.get_vector<double>("community.appraisal.cases_pv");
      s_.outcomes_pv.attainment = in.get_vector<double>("community.appraisal.attainment_pv");
      s_.outcomes_pv.behaviour = in.get_vector<double>("community.appraisal.behaviour_pv");
      s_.rp_trained = in.get_vector<double>("community.appraisal.rp_trained");
      s_.collab_joined = in.get_vector<double>("community.appraisal.collab_joined");
      for (const auto* v : {&s_.rp_trained, &s_.collab_joined}) {
        if (!v->empty() && v->size() != s_.professionals) in.fail("community state: the appraisal's per-post records have the wrong size");
      }
    }
    // Everything the rebuilds below index with must be in range: a damaged checkpoint is
    // refused here rather than read out of bounds (found by fuzzing).
    const std::string problem = check_loaded(foci_at_setup, n_teams, outcome_size);
    if (!problem.empty()) in.fail("community state: " + problem);
    s_.rebuild_foci();
    s_.rebuild_residents_of_nbhd();
    s_.rebuild_teams();
    find_hubs(s_, setup_team_area);  // created at policy time 0 (start_policies), so not by the setup rerun before load
  }

 private:
  /// Relational practice's extra posts are professionals setup adds to the population (reserve
  /// posts, opened when the policy starts): parameters that would fund other extra posts than
  /// setup made cannot take over this state (a burnt-in state continued under other policy
  /// parameters, or a change before policy time 0). Allowed: no extra posts before or after, or
  /// the same relational practice (enabled, target, extra_posts after budget sizing).
  void check_extra_posts(const Params& next) const {
    const auto& a = s_.P.policy.relational_practice;
    const auto& b = next.policy.relational_practice;
    if (a.enabled == b.enabled && a.target == b.target && a.extra_posts == b.extra_posts) return;
    bool reserve = false;
    for (AgentIndex p = s_.residents; p < s_.agents() && !reserve; ++p) reserve = s_.extra_post[p] != 0;
    if (!reserve && (!b.enabled || b.extra_posts == 0)) return;
    throw ScenarioError("key 'policy.relational_practice.extra_posts' = " + format_number(b.extra_posts) + " (enabled = " + (b.enabled ? "true" : "false") +
                        ", after budget sizing): relational practice's extra posts are added to the population at setup, and this state was set up " +
                        (reserve ? "with extra posts for enabled = " + std::string(a.enabled ? "true" : "false") + ", extra_posts = " + format_number(a.extra_posts)
                                 : std::string("without extra posts")) +
                        "; allowed: the same extra posts (or none in both), or run from the start");
  }

  /// The appraisal's scalar sums, in one vector for the checkpoint: cost by quintile, cost in
  /// present value by item and quintile, savings and their present value by quintile.
  std::vector<double> appraisal_reals() const {
    std::vector<double> v(s_.cost_q.begin(), s_.cost_q.end());
    for (const auto& item : s_.cost_pv) v.insert(v.end(), item.begin(), item.end());
    v.insert(v.end(), s_.savings_q.begin(), s_.savings_q.end());
    v.insert(v.end(), s_.savings_pv.begin(), s_.savings_pv.end());
    v.insert(v.end(), s_.savings_week_q.begin(), s_.savings_week_q.end());
    v.push_back(s_.reorg_posts_cut);
    return v;
  }
  void set_appraisal_reals(const std::vector<double>& v) {
    std::size_t i = 0;
    for (double& x : s_.cost_q) x = v[i++];
    for (auto& item : s_.cost_pv) {
      for (double& x : item) x = v[i++];
    }
    for (double& x : s_.savings_q) x = v[i++];
    for (double& x : s_.savings_pv) x = v[i++];
    for (double& x : s_.savings_week_q) x = v[i++];
    s_.reorg_posts_cut = v[i++];
  }

  std::string check_loaded(std::size_t foci_at_setup, std::size_t n_teams, std::size_t outcome_size) const {
    const std::size_t F = s_.focus_kind.size();
    if (F < foci_at_setup || s_.focus_nbhd.size() != F || s_.focus_activity.size() != F) return "focus arrays disagree";
    if (s_.nbhd_trust.size() != s_.n_nbhd || s_.nbhd_team_area.size() != s_.n_nbhd) return "neighbourhood arrays have the wrong size";
    if (s_.team_rp.size() != n_teams) return "team arrays have the wrong size";
    if (s_.leavers_week.size() != 52) return "the staff leavers' ring has the wrong size";
    for (const auto* v : {&s_.outcomes.jobs, &s_.outcomes.cases, &s_.outcomes.attainment, &s_.outcomes.behaviour,
                          &s_.outcomes_pv.jobs, &s_.outcomes_pv.cases, &s_.outcomes_pv.attainment, &s_.outcomes_pv.behaviour,
                          &s_.lonely_weeks, &s_.lonely_weeks_pv}) {
      if (v->size() != outcome_size) return "outcome counters have the wrong size";
    }
    for (std::size_t f = 0; f < F; ++f) {
      if (s_.focus_nbhd[f] >= s_.n_nbhd && s_.focus_nbhd[f] != kNone) return "a focus is in no known neighbourhood";
      if (!std::isfinite(s_.focus_activity[f])) return "a focus activity is not finite";
    }
    for (std::uint32_t j = 0; j < s_.n_nbhd; ++j) {
      if (s_.nbhd_team_area[j] >= s_.n_areas) return "a neighbourhood is served by no known area";
    }
    const AgentIndex n = s_.agents();
    auto bad_focus = [&](std::uint32_t f) { return f != kNone && f >= F; };
    auto bad_agent = [&](std::uint32_t x) { return x != kNone && (x < s_.residents || x >= n); };
    for (AgentIndex a = 0; a < n; ++a) {
      if (a < s_.residents && s_.nbhd[a] >= s_.n_nbhd) return "a resident lives in no known neighbourhood";
      if (bad_focus(s_.household[a]) || bad_focus(s_.focus_work[a]) || bad_focus(s_.focus_comm[a]) ||
          bad_focus(s_.focus_hub[a])) {
        return "a resident belongs to an unknown focus";
      }
      if (s_.status[a] > kInactive || s_.service[a] >= kServices) return "a status or service code is out of range";
      if (a >= s_.residents && s_.team[a] != kNone && s_.team[a] >= n_teams) return "a professional is in no known team";
      const std::uint32_t b = s_.befriender[a];
      if (b != kNone && b >= n) return "a befriender is not an agent";
      for (int k = 0; k < kServices; ++k) {
        if (bad_agent(s_.prof[k][a])) return "a client's professional is not a professional";
        const float q = s_.quality[k][a];
        if (!(q >= 0.0f && q <= 1.0f)) return "a relationship quality is outside [0, 1]";
      }
      for (const auto c : {s_.lonely, s_.trust, s_.civic}) {
        const float x = c[a];
        if (!(x >= 0.0f && x <= 1.0f)) return "a loneliness, trust or civic efficacy value is outside [0, 1]";
      }
    }
    return {};
  }

  State s_;
};

}  // namespace

ModelDescription description(std::shared_ptr<const Borough> borough) {
  ModelDescription d = description();
  d.create = [borough](const ParameterSet& p) { return std::make_unique<Community>(p, borough); };
  return d;
}

double planned_spend(const ParameterSet& set) {
  const Params p = read_params(set);
  return planned_spend(p, p.simulation.steps);
}

double planned_spend_pv(const ParameterSet& set) { return plan(read_params(set)).total_pv(); }

ModelDescription description() {
  ModelDescription d;
  d.name = "community";
  d.summary = "Residents, foci and typed ties; loneliness, trust and civic efficacy; services, relationship quality and burnout; timed policies with costs (MODEL.md)";
  d.schema = community_schema();
  d.systems = Community::systems();

  d.default_population = 20000;
  d.default_steps = 520;
  d.default_burn_in = 780;  // 15 years: older residents' networks take that long to settle (docs/model.md, Calibration)
  d.create = [](const ParameterSet& p) { return std::make_unique<Community>(p); };
  d.check = [](const ParameterSet& p) { (void)read_params(p); };  // read_params checks the combinations
  return d;
}

}  // namespace socius::models::community
