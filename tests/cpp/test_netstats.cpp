// Network statistics against small graphs whose values are known by hand, and their
// determinism. (The comparison with NetworkX on random graphs is in tests/python.)
#include <catch2/catch.hpp>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include "socius/netstats.hpp"
#include "socius/random.hpp"

using namespace socius;
namespace ns = socius::netstats;

namespace {

TieGraph graph(AgentIndex n, const std::vector<std::pair<AgentIndex, AgentIndex>>& edges,
               const std::vector<float>& w = {}) {
  TieGraph g(n);
  std::vector<TieEvent> batch;
  for (std::size_t i = 0; i < edges.size(); ++i) {
    batch.push_back(TieEvent::add(edges[i].first, edges[i].second, w.empty() ? 1.0f : w[i], 0));
  }
  g.apply(batch);
  REQUIRE(g.tie_count() == edges.size());
  return g;
}

/// G(n, p) drawn from a counter-based stream.
TieGraph random_graph(AgentIndex n, double p, std::uint64_t seed) {
  TieGraph g(n);
  std::vector<TieEvent> batch;
  for (AgentIndex a = 0; a < n; ++a) {
    Stream rng(seed, 0, a, 0);
    for (AgentIndex b = a + 1; b < n; ++b) {
      if (rng.bernoulli(p)) batch.push_back(TieEvent::add(a, b, 1.0f + static_cast<float>(rng.below(5)), 0));
    }
  }
  g.apply(batch);
  return g;
}

template <class F>
auto with_threads(int threads, F&& f) {
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  return arena.execute(std::forward<F>(f));
}

}  // namespace

TEST_CASE("triangle: everything closed", "[netstats]") {
  const auto g = graph(3, {{0, 1}, {1, 2}, {0, 2}});
  CHECK(ns::mean_degree(g) == 2.0);
  CHECK(ns::degree_histogram(g) == std::vector<std::uint64_t>{0, 0, 3});
  CHECK(ns::triangles(g) == std::vector<std::uint64_t>{1, 1, 1});
  CHECK(ns::local_clustering(g) == std::vector<double>{1.0, 1.0, 1.0});
  CHECK(ns::average_clustering(g) == 1.0);
  CHECK(ns::transitivity(g) == 1.0);
  CHECK(std::isnan(ns::degree_assortativity(g)));  // every tie joins degree 2 to degree 2
  CHECK(ns::overlap(g) == std::vector<double>{1.0, 1.0, 1.0});
  const auto c = ns::connected_components(g);
  CHECK(c.sizes == std::vector<std::uint64_t>{3});
  CHECK(c.largest_share == 1.0);
  const auto p = ns::shortest_paths_sampled(g, 10, 1);
  CHECK(p.mean == 1.0);
  CHECK(p.max_seen == 1u);
  CHECK(p.pairs == 6u);  // 10 sources >= 3 agents: every agent once (exact), 3 x 2 others
  const auto q = ns::shortest_paths_sampled(g, 2, 1);
  CHECK(q.pairs == 4u);  // 2 sampled sources x 2 others
}

TEST_CASE("star: no clustering, perfectly disassortative", "[netstats]") {
  const auto g = graph(5, {{0, 1}, {0, 2}, {0, 3}, {0, 4}});
  CHECK(ns::mean_degree(g) == Approx(1.6));
  CHECK(ns::degree_histogram(g) == std::vector<std::uint64_t>{0, 4, 0, 0, 1});
  CHECK(ns::average_clustering(g) == 0.0);
  CHECK(ns::transitivity(g) == 0.0);  // 6 connected triples, none closed
  CHECK(ns::degree_assortativity(g) == Approx(-1.0));
  for (double o : ns::overlap(g)) CHECK(o == 0.0);
  // With at least as many sources as agents the mean is exact: from the centre 4 pairs at
  // distance 1; from each leaf 1 + 2 + 2 + 2. (4 + 4 x 7) / 20 = 1.6.
  const auto p = ns::shortest_paths_sampled(g, 1000, 7);
  CHECK(p.max_seen == 2u);
  CHECK(p.pairs == 20u);
  CHECK(p.mean == 1.6);
}

TEST_CASE("path of four: assortativity -1/2, mean distance 5/3", "[netstats]") {
  const auto g = graph(4, {{0, 1}, {1, 2}, {2, 3}});
  CHECK(ns::degree_assortativity(g) == Approx(-0.5));
  CHECK(ns::average_clustering(g) == 0.0);
  CHECK(ns::transitivity(g) == 0.0);
  // Edge 1-2: no common neighbour, (2-1) + (2-1) - 0 others: overlap 0. Edges at the ends: 0.
  CHECK(ns::overlap(g) == std::vector<double>{0.0, 0.0, 0.0});
  // Sampling every source many times gives the exact mean as the sample mean of per-source means
  // weighted by pairs; with 4 sources equally likely the expectation is 5/3.
  const auto p = ns::shortest_paths_sampled(g, 20000, 3);
  CHECK(p.mean == Approx(5.0 / 3.0).margin(0.02));
  CHECK(p.max_seen == 3u);
}

TEST_CASE("two components and an isolated agent", "[netstats]") {
  const auto g = graph(6, {{0, 1}, {1, 2}, {0, 2}, {3, 4}});
  const auto c = ns::connected_components(g);
  CHECK(c.sizes == std::vector<std::uint64_t>{3, 2, 1});
  CHECK(c.count() == 3u);
  CHECK(c.largest_share == 0.5);
  CHECK(c.label == std::vector<AgentIndex>{0, 0, 0, 3, 3, 5});
  CHECK(ns::average_clustering(g) == 0.5);
  CHECK(ns::average_clustering(g, true) == 1.0);
  CHECK(ns::transitivity(g) == 1.0);
  const auto s = ns::summarize(g);
  CHECK(s.isolated_share == Approx(1.0 / 6.0));
  CHECK(s.components == 3u);
  CHECK(s.max_degree == 2u);
  CHECK(std::isnan(s.mean_path_length));  // not requested
}

TEST_CASE("triangle with a pendant: local average and transitivity differ", "[netstats]") {
  const auto g = graph(4, {{0, 1}, {1, 2}, {0, 2}, {2, 3}});
  CHECK(ns::local_clustering(g) == std::vector<double>{1.0, 1.0, 1.0 / 3.0, 0.0});
  CHECK(ns::average_clustering(g) == Approx(7.0 / 12.0));
  CHECK(ns::transitivity(g) == Approx(0.6));  // 3 x 1 triangle / 5 connected triples
}

TEST_CASE("a weighted case: strength, weights, overlap against weight", "[netstats]") {
  const auto g = graph(4, {{0, 1}, {1, 2}, {0, 2}, {2, 3}}, {1.0f, 2.0f, 3.0f, 4.0f});
  CHECK(ns::mean_weight(g) == 2.5);
  CHECK(ns::mean_strength(g) == 5.0);
  CHECK(ns::binned_weight_histogram(g, {0.0, 1.0, 2.0, 3.0, 4.0}) == std::vector<std::uint64_t>{0, 1, 1, 1, 1});
  CHECK(ns::binned_weight_histogram(g, {0.0, 2.5}) == std::vector<std::uint64_t>{2, 2});
  // edges() order: 0-1 (w 1), 0-2 (w 3), 1-2 (w 2), 2-3 (w 4).
  CHECK(ns::weights(g) == std::vector<double>{1.0, 3.0, 2.0, 4.0});
  CHECK(ns::overlap(g) == std::vector<double>{1.0, 0.5, 0.5, 0.0});
  const auto o = ns::overlap_by_weight(g, 2);
  CHECK(o.mean_weight == std::vector<double>{1.5, 3.5});
  CHECK(o.mean_overlap == std::vector<double>{0.75, 0.25});
  CHECK(o.count == std::vector<std::uint64_t>{2, 2});
  CHECK(o.spearman == Approx(-4.5 / std::sqrt(22.5)));
  CHECK(o.pearson == Approx(-1.5 / std::sqrt(2.5)));
  const auto s = ns::summarize(g);
  CHECK(s.mean_overlap == Approx(0.5));
  CHECK(s.overlap_weight_spearman == Approx(o.spearman));
}

TEST_CASE("fixed-bin histograms: degrees with an open last bin, weights by lower edges", "[netstats]") {
  // Star on 0 plus a tie 1-2: degrees 4, 2, 2, 1, 1, and agent 5 isolated.
  const auto g = graph(6, {{0, 1}, {0, 2}, {0, 3}, {0, 4}, {1, 2}}, {1.0f, 1.5f, 2.0f, 7.0f, 0.25f});
  CHECK(ns::binned_degree_histogram(g, 2) == std::vector<std::uint64_t>{1, 2, 3});  // 0, 1, ">= 2"
  CHECK(ns::binned_degree_histogram(g, 4) == std::vector<std::uint64_t>{1, 2, 2, 0, 1});
  CHECK(ns::binned_degree_histogram(g, 8) == std::vector<std::uint64_t>{1, 2, 2, 0, 1, 0, 0, 0, 0});
  CHECK(ns::binned_degree_histogram(g, 0) == std::vector<std::uint64_t>{6});
  // Bins [1, 2), [2, 4), [4, inf); 0.25 is below the first edge and goes in bin 0; 2.0 is on an edge.
  CHECK(ns::binned_weight_histogram(g, {1.0, 2.0, 4.0}) == std::vector<std::uint64_t>{3, 1, 1});
  CHECK(ns::binned_weight_histogram(g, {0.0}) == std::vector<std::uint64_t>{5});
  CHECK(ns::binned_weight_histogram(g, {0.5, 1.5, 1.75}) == std::vector<std::uint64_t>{2, 1, 2});
  CHECK_THROWS_WITH(ns::binned_weight_histogram(g, {1.0, 1.0}), Catch::Contains("strictly increasing"));
  CHECK_THROWS(ns::binned_weight_histogram(g, {}));
  CHECK(ns::binned_degree_histogram(TieGraph(0), 3) == std::vector<std::uint64_t>{0, 0, 0, 0});
}

TEST_CASE("undefined statistics are NaN, one rule for every size", "[netstats]") {
  // One rule (issue 13): a statistic that is undefined for the graph is NaN, never 0; counts are
  // 0 for an empty graph. Checked for n = 0, 1, 2, no ties, a complete graph and a star.
  const auto undefined = [](double x) { return std::isnan(x); };
  const ns::SummaryOptions all{16, true, 1, 4};
  SECTION("n = 0") {
    const TieGraph g(0);
    CHECK(undefined(ns::mean_degree(g)));
    CHECK(undefined(ns::mean_strength(g)));
    CHECK(undefined(ns::mean_weight(g)));
    CHECK(undefined(ns::average_clustering(g)));
    CHECK(undefined(ns::average_clustering(g, true)));
    CHECK(undefined(ns::average_clustering_sampled(g, 10, 1)));
    CHECK(undefined(ns::transitivity(g)));
    CHECK(undefined(ns::degree_assortativity(g)));
    CHECK(undefined(ns::connected_components(g).largest_share));
    CHECK(undefined(ns::shortest_paths_sampled(g, 4, 1).mean));
    const auto s = ns::summarize(g, all);
    for (double x : {s.mean_degree, s.mean_strength, s.mean_weight, s.isolated_share, s.average_clustering, s.transitivity,
                     s.assortativity, s.largest_component_share, s.mean_overlap, s.overlap_weight_spearman, s.mean_path_length}) {
      CHECK(undefined(x));
    }
    CHECK(undefined(s.overlap_curve.pearson));
    CHECK(s.components == 0u);
    CHECK(s.max_degree == 0u);
  }
  SECTION("n = 1 and n = 5 without ties") {
    for (AgentIndex n : {1u, 5u}) {
      const TieGraph g(n);
      const auto s = ns::summarize(g, all);
      CHECK(s.mean_degree == 0.0);  // defined: no ties over n agents
      CHECK(s.mean_strength == 0.0);
      CHECK(s.isolated_share == 1.0);
      CHECK(s.average_clustering == 0.0);  // per-agent convention: fewer than two ties count 0
      CHECK(s.components == n);
      CHECK(s.largest_component_share == 1.0 / n);
      CHECK(undefined(s.mean_weight));
      CHECK(undefined(s.transitivity));
      CHECK(undefined(s.assortativity));
      CHECK(undefined(s.mean_overlap));
      CHECK(undefined(s.overlap_weight_spearman));
      CHECK(undefined(s.overlap_curve.pearson));  // was 0.0 while the Spearman version was NaN
      CHECK(undefined(s.mean_path_length));
      CHECK(undefined(ns::average_clustering(g, true)));  // no agent with two ties
      CHECK(ns::average_clustering_sampled(g, 10, 1) == 0.0);
    }
  }
  SECTION("n = 2, one tie") {
    const auto g = graph(2, {{0, 1}});
    const auto s = ns::summarize(g, all);
    CHECK(s.mean_degree == 1.0);
    CHECK(s.mean_weight == 1.0);
    CHECK(s.mean_path_length == 1.0);
    CHECK(s.mean_overlap == 0.0);  // per-tie convention: neither end has another tie
    CHECK(undefined(s.transitivity));  // no connected triple
    CHECK(undefined(s.assortativity));  // one degree everywhere
    CHECK(undefined(s.overlap_weight_spearman));  // one tie: no correlation
    CHECK(undefined(s.overlap_curve.pearson));
  }
  SECTION("complete graph on 5") {
    std::vector<std::pair<AgentIndex, AgentIndex>> e;
    for (AgentIndex a = 0; a < 5; ++a) for (AgentIndex b = a + 1; b < 5; ++b) e.push_back({a, b});
    const auto s = ns::summarize(graph(5, e), all);
    CHECK(s.transitivity == 1.0);
    CHECK(s.average_clustering == 1.0);
    CHECK(s.mean_overlap == 1.0);
    CHECK(s.mean_path_length == 1.0);
    CHECK(undefined(s.assortativity));  // every degree is 4
    CHECK(undefined(s.overlap_weight_spearman));  // every weight and overlap equal
  }
  SECTION("star on 5") {
    const auto s = ns::summarize(graph(5, {{0, 1}, {0, 2}, {0, 3}, {0, 4}}), all);
    CHECK(s.transitivity == 0.0);  // triples exist, none closed: defined
    CHECK(s.assortativity == Approx(-1.0));
    CHECK(s.mean_path_length == 1.6);
    CHECK(s.mean_overlap == 0.0);
    CHECK(undefined(s.overlap_weight_spearman));
  }
}

TEST_CASE("sampled clustering: exact where every agent agrees, close elsewhere", "[netstats]") {
  // Disjoint triangles: every agent has clustering 1.
  std::vector<std::pair<AgentIndex, AgentIndex>> e;
  for (AgentIndex t = 0; t < 30; ++t) {
    e.push_back({3 * t, 3 * t + 1});
    e.push_back({3 * t + 1, 3 * t + 2});
    e.push_back({3 * t, 3 * t + 2});
  }
  CHECK(ns::average_clustering_sampled(graph(90, e), 500, 9) == 1.0);

  const auto g = random_graph(2000, 0.01, 5);
  const double exact = ns::average_clustering(g);
  const double est = ns::average_clustering_sampled(g, 4000, 11);
  CHECK(est == Approx(exact).margin(0.01));
  CHECK(est == ns::average_clustering_sampled(g, 4000, 11));
  CHECK(est != ns::average_clustering_sampled(g, 4000, 12));
}

TEST_CASE("statistics are identical for 1, 2 and 4 threads", "[netstats][determinism]") {
  const auto g = random_graph(6000, 0.002, 21);
  const ns::SummaryOptions opt{16, true, 99};
  const auto s1 = with_threads(1, [&] { return ns::summarize(g, opt); });
  for (int threads : {2, 4}) {
    const auto s = with_threads(threads, [&] { return ns::summarize(g, opt); });
    CHECK(s.mean_strength == s1.mean_strength);
    CHECK(s.average_clustering == s1.average_clustering);
    CHECK(s.transitivity == s1.transitivity);
    CHECK(s.assortativity == s1.assortativity);
    CHECK(s.mean_overlap == s1.mean_overlap);
    CHECK(s.overlap_weight_spearman == s1.overlap_weight_spearman);
    CHECK(s.mean_path_length == s1.mean_path_length);
    CHECK(with_threads(threads, [&] { return ns::binned_degree_histogram(g, 15); }) ==
          with_threads(1, [&] { return ns::binned_degree_histogram(g, 15); }));
    CHECK(with_threads(threads, [&] { return ns::binned_weight_histogram(g, {1.5, 2.5, 4.0}); }) ==
          with_threads(1, [&] { return ns::binned_weight_histogram(g, {1.5, 2.5, 4.0}); }));
    CHECK(with_threads(threads, [&] { return ns::average_clustering_sampled(g, 3000, 4); }) ==
          with_threads(1, [&] { return ns::average_clustering_sampled(g, 3000, 4); }));
  }
  // Sanity on G(n, p): clustering near p, mean degree near (n - 1) p, one giant component.
  CHECK(s1.mean_degree == Approx(12.0).epsilon(0.05));
  CHECK(s1.transitivity == Approx(0.002).margin(0.001));
  CHECK(s1.largest_component_share > 0.99);
  CHECK(s1.mean_path_length == Approx(std::log(6000.0) / std::log(12.0)).epsilon(0.1));
}

namespace {

/// A sparse graph with ties of types 0, 1 and 2, drawn from a counter-based stream.
TieGraph typed_graph(AgentIndex n, std::uint32_t ties, std::uint64_t seed) {
  TieGraph g(n);
  std::vector<TieEvent> batch;
  for (std::uint32_t k = 0; k < ties; ++k) {
    Stream rng(seed, 0, k, 0);
    const AgentIndex a = rng.below(n);
    AgentIndex b = rng.below(n - 1);
    if (b >= a) ++b;
    batch.push_back(TieEvent::add(a, b, 1.0f, static_cast<TieType>(rng.below(3))));
  }
  g.apply(batch);
  return g;
}

/// Serial breadth-first reference for connected_components: labels (smallest index of the
/// component) and sizes, descending.
std::pair<std::vector<AgentIndex>, std::vector<std::uint64_t>> bfs_components(const TieGraph& g, TieType max_type,
                                                                              AgentIndex begin, AgentIndex end) {
  std::vector<AgentIndex> label(end - begin, kNoAgent);
  std::vector<std::uint64_t> sizes;
  for (AgentIndex s = begin; s < end; ++s) {
    if (label[s - begin] != kNoAgent) continue;
    std::vector<AgentIndex> queue{s};
    label[s - begin] = s;
    for (std::size_t head = 0; head < queue.size(); ++head) {
      for (const HalfTie& h : g.ties(queue[head])) {
        if (h.type > max_type || h.other < begin || h.other >= end || label[h.other - begin] != kNoAgent) continue;
        label[h.other - begin] = s;
        queue.push_back(h.other);
      }
    }
    sizes.push_back(queue.size());
  }
  std::sort(sizes.begin(), sizes.end(), std::greater<>());
  return {label, sizes};
}

}  // namespace

TEST_CASE("tie filters and agent ranges: components and local clustering of part of a graph", "[netstats]") {
  // Triangle 0-1-2 of type 0 with a type-1 tie 2-3, and a path 3-4-5 of type 0; agent 6 alone.
  TieGraph g(7);
  std::vector<TieEvent> batch = {TieEvent::add(0, 1, 1.0f, 0), TieEvent::add(1, 2, 1.0f, 0), TieEvent::add(0, 2, 1.0f, 0),
                                 TieEvent::add(2, 3, 1.0f, 1), TieEvent::add(3, 4, 1.0f, 0), TieEvent::add(4, 5, 1.0f, 0)};
  g.apply(batch);
  const auto all = ns::connected_components(g);
  CHECK(all.sizes == std::vector<std::uint64_t>{6, 1});
  CHECK(all.label == std::vector<AgentIndex>{0, 0, 0, 0, 0, 0, 6});
  const auto type0 = ns::connected_components(g, ns::TieFilter::only({0}));
  CHECK(type0.sizes == std::vector<std::uint64_t>{3, 3, 1});
  CHECK(type0.label == std::vector<AgentIndex>{0, 0, 0, 3, 3, 3, 6});
  CHECK(type0.largest_share == 3.0 / 7.0);
  // Agents 2 .. 4: the ties 2-3 and 3-4 are inside, the rest leave the range.
  const auto part = ns::connected_components(g, {}, {2, 5});
  CHECK(part.sizes == std::vector<std::uint64_t>{3});
  CHECK(part.label == std::vector<AgentIndex>{2, 2, 2});
  CHECK(part.largest_share == 1.0);
  CHECK(ns::connected_components(g, {}, {3, 3}).count() == 0);
  CHECK(std::isnan(ns::connected_components(g, {}, {3, 3}).largest_share));

  const std::vector<AgentIndex> agents = {2, 3, 6, 0};
  CHECK(ns::local_clustering(g, agents) == std::vector<double>{1.0 / 3.0, 0.0, 0.0, 1.0});
  const auto social = ns::local_clustering(g, agents, ns::TieFilter::only({0}), std::nan(""));
  CHECK(social[0] == 1.0);  // 2's type-0 neighbours 0 and 1 are tied
  CHECK(std::isnan(social[1]));  // 3 has one type-0 tie
  CHECK(std::isnan(social[2]));
  CHECK(social[3] == 1.0);
  CHECK(ns::TieFilter().admits(255));
  CHECK_FALSE(ns::TieFilter::only({0, 2, 200}).admits(1));
  CHECK(ns::TieFilter::only({0, 2, 200}).admits(200));
}

TEST_CASE("parallel union-find components match a breadth-first search, for 1, 2 and 4 threads", "[netstats][determinism]") {
  for (std::uint64_t seed : {1, 2, 3}) {
    // About one tie per agent: many components of every size, the regime where union order varies.
    const auto g = typed_graph(20000, 10000 + 4000 * static_cast<std::uint32_t>(seed), seed);
    const auto all = bfs_components(g, 255, 0, g.agents());
    const auto social = bfs_components(g, 1, 1000, 15000);
    for (int threads : {1, 2, 4}) {
      const auto c = with_threads(threads, [&] { return ns::connected_components(g); });
      CHECK(c.label == all.first);
      CHECK(c.sizes == all.second);
      const auto f = with_threads(threads, [&] { return ns::connected_components(g, ns::TieFilter::only({0, 1}), {1000, 15000}); });
      CHECK(f.label == social.first);
      CHECK(f.sizes == social.second);
      CHECK(f.largest_share == static_cast<double>(social.second.front()) / 14000.0);
    }
  }
  // Local clustering of a list: the same as of the whole graph, for every thread count.
  const auto g = random_graph(2000, 0.01, 5);
  std::vector<AgentIndex> agents(g.agents());
  for (AgentIndex a = 0; a < g.agents(); ++a) agents[a] = a;
  const auto whole = ns::local_clustering(g);
  for (int threads : {1, 2, 4}) CHECK(with_threads(threads, [&] { return ns::local_clustering(g, agents); }) == whole);
}

TEST_CASE("large batches (radix-sorted) apply as a reference implementation says", "[ties]") {
  // A reference with std::map: removals, then summed strengthening, then adds (largest weight).
  const AgentIndex n = 300;
  TieGraph g(n);
  std::map<std::pair<AgentIndex, AgentIndex>, double> ref;
  for (std::uint32_t round = 0; round < 6; ++round) {
    std::vector<TieEvent> batch;
    Stream rng(77, round, 0, 0);
    for (int i = 0; i < 3000; ++i) {
      const AgentIndex u = rng.below(n);
      AgentIndex v = rng.below(n - 1);
      if (v >= u) ++v;
      const auto op = rng.below(10);
      if (op < 5) batch.push_back(TieEvent::add(u, v, 1.0f + static_cast<float>(rng.below(3)), 0));
      else if (op < 9) batch.push_back(TieEvent::strengthen(u, v, 0.5f));
      else batch.push_back(TieEvent::remove(u, v));
    }
    if (round % 2) batch.push_back(TieEvent::remove_all(rng.below(n)));
    // Reference semantics.
    std::map<std::pair<AgentIndex, AgentIndex>, double> dw, add;
    std::vector<AgentIndex> wiped;
    for (const auto& e : batch) {
      const auto key = std::minmax(e.u, e.v);
      if (e.op == TieOp::RemoveAll) wiped.push_back(e.u);
      else if (e.op == TieOp::Remove) ref.erase(key);
      else if (e.op == TieOp::Strengthen) dw[key] += e.weight;
      else add[key] = std::max(add[key], static_cast<double>(e.weight));
    }
    for (AgentIndex w : wiped) {
      for (auto it = ref.begin(); it != ref.end();) it = (it->first.first == w || it->first.second == w) ? ref.erase(it) : std::next(it);
    }
    for (const auto& [k, d] : dw) {
      if (ref.count(k)) ref[k] = static_cast<float>(ref[k] + d);
    }
    for (const auto& [k, w] : add) {
      if (!ref.count(k)) ref[k] = w;
    }
    g.apply(batch);
    REQUIRE(g.check().empty());
    REQUIRE(g.tie_count() == ref.size());
    for (const auto& e : g.edges()) {
      const auto it = ref.find({e.source, e.target});
      REQUIRE(it != ref.end());
      REQUIRE(e.weight == static_cast<float>(it->second));
    }
  }
}
