// Davidsen, Ebel & Bornholdt (2002). Each update: (i) pick a random person; if they have two or
// more acquaintances, introduce two of them, chosen at random, to each other (a tie forms if
// they had none); otherwise introduce the person to one random other person. (ii) With
// probability p, a random person leaves, losing all ties, and is replaced by a newcomer
// without ties. Updates are sequential, as published: one engine step performs
// `davidsen.updates_per_step` of them in order, update k drawing from stream (step, k).
#include <cmath>

#include "classic.hpp"
#include "socius/socius.hpp"

namespace socius::models::classic {

namespace {

enum : Purpose { kUpdate = 1 };

/// The model's own parameters, declared once: schema and reader come from this table.
struct DavidsenParams {
  double p = 0;
  std::int64_t updates_per_step = 0;
};

const ParameterTable<DavidsenParams>& davidsen_table() {
  static const ParameterTable<DavidsenParams> t = [] {
    ParameterTable<DavidsenParams> t;
    t.real("davidsen.p", at(&DavidsenParams::p), 0.0822, 0.0, 1.0, "probability per update",
           "Probability that, after an update, a random person leaves and is replaced by a newcomer.",
           "Davidsen, Ebel & Bornholdt (2002); issue 5 presets p = 0.02, 0.0822, 0.3");
    t.integer("davidsen.updates_per_step", at(&DavidsenParams::updates_per_step), 0, 0, 2'000'000'000, "updates",
              "Sequential updates per engine step; 0 means one per person (a sweep).", "socius convention");
    return t;
  }();
  return t;
}

class Davidsen final : public NetworkModel {
 public:
  explicit Davidsen(const ParameterSet& p)
      : NetworkModel(p, "davidsen") {
    const DavidsenParams q = davidsen_table().read(p);
    p_ = q.p;
    updates_ = q.updates_per_step;
    check(p);
    if (updates_ == 0) updates_ = n_;
  }

  /// What the schema cannot check (ModelDescription::check).
  static void check(const ParameterSet& p) { require_population(p, 2, "davidsen"); }

  static std::vector<System> systems() {
    return {system<Davidsen>("update", "sequential introductions and turnover", &Davidsen::run)};
  }

  void reconfigure(const ParameterSet& p) override {
    p_ = davidsen_table().read(p).p;  // updates_per_step is kept: 0 was resolved to the population at setup
  }

 private:
  void run(World& world, const StepContext& ctx) {
    auto& g = world.ties;
    std::vector<TieEvent> batch(1);
    for (std::int64_t k = 0; k < updates_; ++k) {
      Stream rng = ctx.stream(static_cast<AgentIndex>(k), kUpdate);
      const AgentIndex i = rng.below(n_);
      const auto friends = g.ties(i);
      if (friends.size() >= 2) {
        const auto x = rng.below(static_cast<std::uint32_t>(friends.size()));
        auto y = rng.below(static_cast<std::uint32_t>(friends.size() - 1));
        if (y >= x) ++y;
        batch[0] = TieEvent::add(friends[x].other, friends[y].other, 1.0f, 0);
      } else {
        auto j = rng.below(n_ - 1);
        if (j >= i) ++j;
        batch[0] = TieEvent::add(i, j, 1.0f, 0);
      }
      g.apply(batch);
      if (rng.bernoulli(p_)) {
        const AgentIndex leaver = rng.below(n_);
        batch[0] = TieEvent::remove_all(leaver);
        g.apply(batch);
        world.population.renew(leaver);
      }
    }
  }

  double p_ = 0;
  std::int64_t updates_ = 0;
};

}  // namespace

ModelDescription davidsen() {
  ModelDescription d;
  d.name = "davidsen";
  d.summary = "Davidsen, Ebel & Bornholdt (2002): triadic introductions and turnover";
  d.schema = davidsen_table().schema();
  add_measurement_parameters(d.schema, "davidsen", 2500);
  d.systems = Davidsen::systems();
  d.default_population = 10000;
  d.bytes_per_agent = 300;  // about 7 ties: 2 x 16-byte halves each, with slack, plus bookkeeping
  // The usual steady-state criterion, ln(0.5/N) / ln(1 - p/N) updates, is about 9.9 N / p at
  // N = 10,000: 121 sweeps at p = 0.0822 (so 125 steps of burn-in), 495 at p = 0.02 and 33 at
  // p = 0.3. The scenarios in scenarios/classic set burn_in for their own p.
  d.default_burn_in = 125;
  d.default_steps = 20;
  d.create = [](const ParameterSet& p) { return std::make_unique<Davidsen>(p); };
  d.check = [](const ParameterSet& p) { Davidsen::check(p); };
  return d;
}

}  // namespace socius::models::classic
