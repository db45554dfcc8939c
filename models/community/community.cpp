// The community model: wiring of its systems (one file each), setup and indicators.
#include "community.hpp"

#include "indicators.hpp"
#include "state.hpp"

namespace socius::models::community {

namespace {

class Community final : public Model {
 public:
  explicit Community(const ParameterSet& set) : s_(read_params(set)) {}

  void setup(World& world, const StepContext& ctx) override {
    setup_world(s_, world, ctx);
    s_.groups = group_list();
    s_.outcomes.resize(s_.groups.size());
  }

  std::vector<System> systems() override {
    auto sys = [this](const char* name, void (*f)(State&, World&, const StepContext&)) {
      return System{name, [this, f](World& w, const StepContext& ctx) { f(s_, w, ctx); }};
    };
    return {sys("policies", run_policies),       sys("life_events", run_life_events),
            sys("contact", run_contact),         sys("tie_strength", run_tie_strength),
            sys("tie_formation", run_tie_formation), sys("loneliness", run_loneliness),
            sys("trust", run_trust),             sys("civic", run_civic),
            sys("services", run_services),       sys("burnout", run_burnout)};
  }

  IndicatorSpec indicators() const override {
    IndicatorSpec spec;
    spec.groups = group_list();
    for (const auto& i : indicator_list()) {
      spec.indicators.push_back(i.name);
      spec.descriptions.push_back(i.description);
    }
    return spec;
  }

  void measure(const World& world, const StepContext& ctx, double* out) const override {
    measure_indicators(s_, world, ctx, out);
  }

 private:
  State s_;
};

}  // namespace

double planned_spend(const ParameterSet& set) {
  const Params p = read_params(set);
  return planned_spend(p, p.steps);
}

ModelDescription description() {
  ModelDescription d;
  d.name = "community";
  d.summary = "Residents, foci and typed ties; loneliness, trust and civic efficacy; services, relationship quality and burnout; timed policies with costs (MODEL.md)";
  d.schema = community_schema();
  d.systems = {
      {"policies", "timed interventions (hubs, befriending, relational practice, collaboration, reorganisation) and their costs"},
      {"life_events", "ageing, household moves with newcomers, deaths and bereavement, retirement, job loss, leaving education, births"},
      {"contact", "weekly contact budgets (Poisson, reduced by loneliness) spent on ties by strength or on meeting new people at foci"},
      {"tie_strength", "reinforcement of used ties, decay of unused ones, loss below the floor (kin go dormant), friend/acquaintance type"},
      {"tie_formation", "focal closure, triadic closure and chance meetings, with homophily, trust and capacity in acceptance"},
      {"loneliness", "cognitive discrepancy between desired and actual relationships, with contagion along ties"},
      {"trust", "generalised trust toward a target from positive contacts, local ties, neighbourhood trust and service quality"},
      {"civic", "civic efficacy from hub and community membership, local ties and trust"},
      {"services", "needs, caseloads and waiting lists, relationship quality, outcome hazards h0 (1 + beta q), reassignment"},
      {"burnout", "professionals' burnout, turnover, vacancies and their filling"},
  };
  d.default_population = 20000;
  d.default_steps = 520;
  d.default_burn_in = 260;
  d.create = [](const ParameterSet& p) { return std::make_unique<Community>(p); };
  return d;
}

}  // namespace socius::models::community
