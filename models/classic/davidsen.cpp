// Davidsen, Ebel & Bornholdt (2002). Each update: pick a random person; if they have two or more
// friends, introduce two of them (chosen at random) to each other; otherwise introduce the
// person to a random other person. Then, with probability p, a random person leaves (losing all
// ties) and is replaced by a newcomer. Updates are sequential, as published: one engine step
// performs `davidsen.updates_per_step` of them in order, each drawing from its own stream.
#include <cmath>

#include "classic.hpp"
#include "socius/socius.hpp"

namespace socius::models::classic {

namespace {

enum : Purpose { kUpdate = 1 };

class Davidsen final : public Model {
 public:
  explicit Davidsen(const ParameterSet& p)
      : n_(static_cast<AgentIndex>(p.integer("simulation.population"))),
        p_(p.real("davidsen.p")),
        updates_(p.integer("davidsen.updates_per_step")) {
    if (updates_ == 0) updates_ = n_;
  }

  void reconfigure(const ParameterSet& p) override { p_ = p.real("davidsen.p"); }
  // All of the model's state is in the tie graph and the population's ids.
  void save(StateWriter&) const override {}
  void load(const StateReader&) override {}

  void setup(World& world, const StepContext&) override {
    world.population.add(n_);
    world.ties.resize(n_);
  }

  std::vector<System> systems() override {
    return {{"update", [this](World& w, const StepContext& ctx) { run(w, ctx); }}};
  }

  IndicatorSpec indicators() const override {
    return {{"all"},
            {"mean_degree", "ties", "isolated_share", "max_degree"},
            {"mean number of ties per person", "number of ties", "share of people with no tie",
             "largest number of ties of one person"}};
  }

  void measure(const World& world, const StepContext&, double* out) const override {
    const auto& g = world.ties;
    std::uint32_t isolated = 0, max_degree = 0;
    for (AgentIndex a = 0; a < g.agents(); ++a) {
      isolated += g.degree(a) == 0;
      max_degree = std::max(max_degree, g.degree(a));
    }
    out[0] = 2.0 * static_cast<double>(g.tie_count()) / g.agents();
    out[1] = static_cast<double>(g.tie_count());
    out[2] = static_cast<double>(isolated) / g.agents();
    out[3] = max_degree;
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

  AgentIndex n_;
  double p_;
  std::int64_t updates_;
};

}  // namespace

ModelDescription davidsen() {
  ModelDescription d;
  d.name = "davidsen";
  d.summary = "Davidsen, Ebel & Bornholdt (2002): triadic introductions and turnover";
  d.schema
      .real("davidsen.p", 0.0822, 0.0, 1.0, "probability per update",
            "Probability that, after an update, a random person leaves and is replaced by a newcomer.",
            "Davidsen, Ebel & Bornholdt (2002), Fig. 1")
      .integer("davidsen.updates_per_step", 0, 0, 2'000'000'000, "updates",
               "Sequential updates per engine step; 0 means one per person (a sweep).",
               "socius convention");
  d.systems = {{"update", "sequential introductions and turnover"}};
  d.default_population = 10000;
  d.bytes_per_agent = 300;  // about 7 ties: 2 x 16-byte halves each, with slack, plus bookkeeping
  // ln(0.5/N) / ln(1 - p/N) updates reach the steady state; at N = 10,000 and p = 0.0822 that
  // is about 1.2 million updates, 121 sweeps: 125 steps of burn-in are enough.
  d.default_burn_in = 125;
  d.default_steps = 20;
  d.create = [](const ParameterSet& p) { return std::make_unique<Davidsen>(p); };
  return d;
}

}  // namespace socius::models::classic
