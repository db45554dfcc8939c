#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "socius/random.hpp"
#include "socius/ties.hpp"

using namespace socius;

namespace {
using Pair = std::pair<AgentIndex, AgentIndex>;
Pair key(AgentIndex u, AgentIndex v) { return u < v ? Pair{u, v} : Pair{v, u}; }

// A plain reference model of the batch rules, to compare the graph against.
struct Reference {
  std::map<Pair, std::pair<float, TieType>> ties;
  void apply(std::vector<TieEvent> events) {
    std::sort(events.begin(), events.end(), [](const TieEvent& a, const TieEvent& b) { return a.op < b.op; });
    for (const auto& e : events)
      if (e.op == TieOp::RemoveAll)
        for (auto it = ties.begin(); it != ties.end();) it = (it->first.first == e.u || it->first.second == e.u) ? ties.erase(it) : std::next(it);
    for (const auto& e : events)
      if (e.op == TieOp::Remove) ties.erase(key(e.u, e.v));
    std::map<Pair, double> inc;
    for (const auto& e : events)
      if (e.op == TieOp::Strengthen) inc[key(e.u, e.v)] += e.weight;
    for (auto& [p, dw] : inc) {
      auto it = ties.find(p);
      if (it == ties.end()) continue;
      const float w = static_cast<float>(static_cast<double>(it->second.first) + dw);
      if (w > 0.0f) it->second.first = w; else ties.erase(it);
    }
    std::map<Pair, std::pair<float, TieType>> adds;
    for (const auto& e : events) {
      if (e.op != TieOp::Add || ties.count(key(e.u, e.v))) continue;
      auto [it, fresh] = adds.emplace(key(e.u, e.v), std::pair{e.weight, e.type});
      if (!fresh && (e.weight > it->second.first || (e.weight == it->second.first && e.type < it->second.second))) it->second = {e.weight, e.type};
    }
    for (auto& [p, wt] : adds) ties[p] = wt;
  }
};
}  // namespace

TEST_CASE("adding and removing ties keeps both halves in step", "[ties]") {
  TieGraph g(5);
  std::vector<TieEvent> batch{TieEvent::add(0, 1, 0.5f, 2), TieEvent::add(3, 1, 0.25f, 1)};
  auto s = g.apply(batch);
  CHECK(s.added == 2);
  CHECK(g.tie_count() == 2);
  CHECK(g.degree(1) == 2);
  REQUIRE(g.find(1, 0) >= 0);
  CHECK(g.ties(1)[static_cast<std::size_t>(g.find(1, 0))].weight == 0.5f);
  CHECK(g.ties(1)[static_cast<std::size_t>(g.find(1, 3))].type == 1);
  CHECK(g.check().empty());

  batch = {TieEvent::remove(1, 0)};
  g.apply(batch);
  CHECK(g.tie_count() == 1);
  CHECK(g.find(0, 1) == -1);
  CHECK(g.find(1, 0) == -1);
  CHECK(g.check().empty());
}

TEST_CASE("batch conflict rules are fixed", "[ties]") {
  TieGraph g(4);
  SECTION("an add of an existing tie keeps the tie as it was") {
    std::vector<TieEvent> b{TieEvent::add(0, 1, 0.5f, 0)};
    g.apply(b);
    b = {TieEvent::add(1, 0, 0.9f, 3)};
    auto s = g.apply(b);
    CHECK(s.ignored == 1);
    CHECK(g.ties(0)[0].weight == 0.5f);
    CHECK(g.ties(0)[0].type == 0);
  }
  SECTION("among adds of one pair the largest weight wins, then the smallest type") {
    std::vector<TieEvent> b{TieEvent::add(0, 1, 0.2f, 0), TieEvent::add(1, 0, 0.7f, 5), TieEvent::add(0, 1, 0.7f, 4)};
    g.apply(b);
    CHECK(g.tie_count() == 1);
    CHECK(g.ties(0)[0].weight == 0.7f);
    CHECK(g.ties(0)[0].type == 4);
  }
  SECTION("removal happens before an add of the same pair in one batch") {
    std::vector<TieEvent> b{TieEvent::add(0, 1, 0.5f, 0)};
    g.apply(b);
    b = {TieEvent::add(0, 1, 0.8f, 1), TieEvent::remove(0, 1)};
    g.apply(b);
    REQUIRE(g.tie_count() == 1);
    CHECK(g.ties(0)[0].weight == 0.8f);
  }
  SECTION("increments add up, and a weight pushed to zero removes the tie") {
    std::vector<TieEvent> b{TieEvent::add(0, 1, 1.0f, 0), TieEvent::add(2, 3, 1.0f, 0)};
    g.apply(b);
    b = {TieEvent::strengthen(0, 1, 1.0f), TieEvent::strengthen(1, 0, 0.5f), TieEvent::strengthen(2, 3, -1.0f),
         TieEvent::strengthen(0, 2, 1.0f)};
    auto s = g.apply(b);
    CHECK(g.ties(0)[0].weight == 2.5f);
    CHECK(g.ties(1)[0].weight == 2.5f);
    CHECK(g.find(2, 3) == -1);
    CHECK(s.removed == 1);
    CHECK(s.ignored == 1);  // 0-2 does not exist
  }
  SECTION("remove_all empties an agent") {
    std::vector<TieEvent> b{TieEvent::add(0, 1, 1.0f, 0), TieEvent::add(0, 2, 1.0f, 0), TieEvent::add(1, 2, 1.0f, 0)};
    g.apply(b);
    b = {TieEvent::remove_all(0)};
    g.apply(b);
    CHECK(g.degree(0) == 0);
    CHECK(g.tie_count() == 1);
    CHECK(g.check().empty());
  }
}

TEST_CASE("invalid events are refused before anything changes", "[ties]") {
  TieGraph g(3);
  std::vector<TieEvent> b{TieEvent::add(0, 1, 1.0f, 0), TieEvent::add(2, 2, 1.0f, 0)};
  CHECK_THROWS_WITH(g.apply(b), Catch::Contains("itself"));
  CHECK(g.tie_count() == 0);
  b = {TieEvent::add(0, 7, 1.0f, 0)};
  CHECK_THROWS(g.apply(b));
  b = {TieEvent::add(0, 1, 0.0f, 0)};
  CHECK_THROWS(g.apply(b));
  CHECK(g.tie_count() == 0);
}

TEST_CASE("invariants hold and match a reference after many random batches", "[ties]") {
  const AgentIndex n = 300;
  TieGraph g(n);
  Reference ref;
  for (std::uint32_t round = 0; round < 300; ++round) {
    std::vector<TieEvent> batch;
    Stream rng(99, round, 0, 0);
    const auto count = rng.below(400);
    for (std::uint32_t k = 0; k < count; ++k) {
      const AgentIndex u = rng.below(n);
      AgentIndex v = rng.below(n - 1);
      if (v >= u) ++v;
      const auto r = rng.below(100);
      const float w = static_cast<float>(rng.below(8) + 1) / 8.0f;
      if (r < 55) batch.push_back(TieEvent::add(u, v, w, static_cast<TieType>(rng.below(3))));
      else if (r < 80) batch.push_back(TieEvent::remove(u, v));
      else if (r < 98) batch.push_back(TieEvent::strengthen(u, v, w - 0.5f));
      else batch.push_back(TieEvent::remove_all(u));
    }
    ref.apply(batch);
    g.apply(batch);
    const auto problem = g.check();
    INFO("round " << round << ": " << problem);
    REQUIRE(problem.empty());
    REQUIRE(g.tie_count() == ref.ties.size());
  }
  for (const auto& e : g.edges()) {
    auto it = ref.ties.find({e.source, e.target});
    REQUIRE(it != ref.ties.end());
    CHECK(it->second.first == e.weight);
    CHECK(it->second.second == e.type);
  }
  CHECK(g.tie_count() > 1000);  // the test exercised a busy graph
}

TEST_CASE("the result of a batch does not depend on the order of its events", "[ties]") {
  const AgentIndex n = 50;
  std::vector<TieEvent> batch;
  Stream rng(5, 0, 0, 0);
  for (int k = 0; k < 500; ++k) {
    const AgentIndex u = rng.below(n);
    AgentIndex v = rng.below(n - 1);
    if (v >= u) ++v;
    batch.push_back(rng.bernoulli(0.8) ? TieEvent::add(u, v, static_cast<float>(rng.uniform()) + 0.01f, static_cast<TieType>(rng.below(4)))
                                       : TieEvent::strengthen(u, v, 0.1f));
  }
  TieGraph a(n), b(n);
  auto copy = batch;
  a.apply(batch);
  std::reverse(copy.begin(), copy.end());
  b.apply(copy);
  auto ea = a.edges(), eb = b.edges();
  std::sort(ea.begin(), ea.end(), [](const Edge& x, const Edge& y) { return std::pair(x.source, x.target) < std::pair(y.source, y.target); });
  std::sort(eb.begin(), eb.end(), [](const Edge& x, const Edge& y) { return std::pair(x.source, x.target) < std::pair(y.source, y.target); });
  REQUIRE(ea.size() == eb.size());
  for (std::size_t i = 0; i < ea.size(); ++i) {
    CHECK(ea[i].source == eb[i].source);
    CHECK(ea[i].target == eb[i].target);
    CHECK(ea[i].weight == eb[i].weight);
    CHECK(ea[i].type == eb[i].type);
  }
}

TEST_CASE("a grown graph keeps agents' ties and compaction preserves them", "[ties]") {
  TieGraph g(2);
  std::vector<TieEvent> b{TieEvent::add(0, 1, 1.0f, 0)};
  g.apply(b);
  g.resize(2000);
  b.clear();
  // A hub gains many ties (its block moves several times), then loses most of them.
  for (AgentIndex v = 2; v < 2000; ++v) b.push_back(TieEvent::add(0, v, 1.0f, 0));
  g.apply(b);
  CHECK(g.degree(0) == 1999);
  b.clear();
  for (AgentIndex v = 2; v < 1990; ++v) b.push_back(TieEvent::remove(0, v));
  g.apply(b);
  CHECK(g.degree(0) == 11);
  CHECK(g.check().empty());
  CHECK(g.find(0, 1) >= 0);
}
