// A straightforward single-threaded C++ implementation of Kumpula, Onnela, Saramaki, Kaski &
// Kertesz (2007), "Emergence of communities in weighted networks", Phys. Rev. Lett. 99, 228701,
// with the same rules as socius's `kumpula` preset (models/classic/kumpula.cpp): the reference
// that benchmarks/run.py times socius against (issue 18).
//
// Written the way a competent scientist would write it for a paper, without tuning: the
// network is a vector of adjacency vectors (neighbour, weight), each node's strength is kept in
// an array, every draw comes from one std::mt19937_64 through the standard library's
// distributions, and nothing is parallel. Built with -O2 (benchmarks/CMakeLists.txt), linked to
// nothing of socius.
//
// Rules per round (synchronous, as in socius: every node decides from the network as it stands
// at the start of the round, and the changes are made at the round's end):
//  - local search: if i has ties, go to a neighbour j with probability w_ij / s_i, then to a
//    neighbour k != i of j with probability w_jk / (s_j - w_ij); w_ij and w_jk grow by delta,
//    and w_ik grows by delta if the tie exists, else it is created with weight w0 with
//    probability p_delta (when j's only neighbour is i the search stops);
//  - global attachment: if i has no ties, or otherwise with probability p_r, tie to a random
//    other node with weight w0 (nothing happens if they are already tied);
//  - node deletion (after the round's changes): with probability p_d, i loses every tie.
// Order of effect at the round's end, as in socius: weight increments, then new ties (a pair
// proposed twice is made once), then deletions.
//
// Usage: kumpula_reference [--nodes N] [--grow R] [--load EDGES] [--rounds T] [--seed S]
//   --grow R     rounds from no ties before timing (default 0)
//   --load FILE  start from the network in FILE (lines "u v w", nodes 0..N-1) instead
//   --rounds T   rounds timed (default 1000)
// Prints one JSON object: the time per timed round (wall and CPU) and the network's mean
// degree and mean weight at the end.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

struct Neighbour {
  int node;
  double weight;
};

struct Model {
  int n;
  double delta = 1.0, p_delta = 0.05, p_r = 0.0005, p_d = 0.001, w0 = 1.0;
  std::vector<std::vector<Neighbour>> adj;
  std::vector<double> strength;
  std::mt19937_64 rng;

  Model(int nodes, std::uint64_t seed) : n(nodes), adj(nodes), strength(nodes, 0.0), rng(seed) {}

  double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng); }

  int position(int a, int b) const {
    for (std::size_t x = 0; x < adj[a].size(); ++x) {
      if (adj[a][x].node == b) return static_cast<int>(x);
    }
    return -1;
  }

  // A neighbour of a drawn with probability weight / total, leaving out `skip`.
  int draw_neighbour(int a, double total, int skip) {
    double r = uniform() * total;
    int last = -1;
    for (const Neighbour& nb : adj[a]) {
      if (nb.node == skip) continue;
      last = nb.node;
      r -= nb.weight;
      if (r < 0.0) return nb.node;
    }
    return last;
  }

  void strengthen(int a, int b) {
    const int x = position(a, b);
    const int y = position(b, a);
    adj[a][x].weight += delta;
    adj[b][y].weight += delta;
    strength[a] += delta;
    strength[b] += delta;
  }

  void add(int a, int b, double w) {
    if (position(a, b) >= 0) return;
    adj[a].push_back({b, w});
    adj[b].push_back({a, w});
    strength[a] += w;
    strength[b] += w;
  }

  void remove_all(int a) {
    for (const Neighbour& nb : adj[a]) {
      auto& other = adj[nb.node];
      const int y = position(nb.node, a);
      strength[nb.node] -= other[y].weight;
      other[y] = other.back();
      other.pop_back();
    }
    adj[a].clear();
    strength[a] = 0.0;
  }

  void round() {
    std::vector<std::pair<int, int>> strengthen_list, add_list;
    std::vector<int> leaving;
    for (int i = 0; i < n; ++i) {
      if (!adj[i].empty()) {
        const int j = draw_neighbour(i, strength[i], -1);
        if (adj[j].size() > 1) {
          const double w_ij = adj[j][position(j, i)].weight;
          const int k = draw_neighbour(j, strength[j] - w_ij, i);
          strengthen_list.push_back({i, j});
          strengthen_list.push_back({j, k});
          if (position(i, k) >= 0) strengthen_list.push_back({i, k});
          else if (chance(p_delta)) add_list.push_back({i, k});
        }
      }
      if (adj[i].empty() || chance(p_r)) {
        int j = std::uniform_int_distribution<int>(0, n - 2)(rng);
        if (j >= i) ++j;
        add_list.push_back({i, j});
      }
      if (chance(p_d)) leaving.push_back(i);
    }
    for (const auto& [a, b] : strengthen_list) strengthen(a, b);
    for (const auto& [a, b] : add_list) add(a, b, w0);
    for (int a : leaving) remove_all(a);
  }

  void load(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
      std::fprintf(stderr, "kumpula_reference: cannot read %s\n", path.c_str());
      std::exit(2);
    }
    int a, b;
    double w;
    while (in >> a >> b >> w) {
      if (a < 0 || b < 0 || a >= n || b >= n || a == b) {
        std::fprintf(stderr, "kumpula_reference: bad edge %d %d in %s\n", a, b, path.c_str());
        std::exit(2);
      }
      add(a, b, w);
    }
  }
};

double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

}  // namespace

int main(int argc, char** argv) {
  int nodes = 10000, grow = 0, rounds = 1000;
  std::uint64_t seed = 1;
  std::string load;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--nodes") nodes = std::atoi(argv[i + 1]);
    else if (a == "--grow") grow = std::atoi(argv[i + 1]);
    else if (a == "--rounds") rounds = std::atoi(argv[i + 1]);
    else if (a == "--seed") seed = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--load") load = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: kumpula_reference [--nodes N] [--grow R] [--load EDGES] [--rounds T] [--seed S]\n");
      return 2;
    }
  }
  if (nodes < 2 || rounds < 1) return 2;
  Model m(nodes, seed);
  if (!load.empty()) m.load(load);
  for (int r = 0; r < grow; ++r) m.round();
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = cpu_seconds();
  for (int r = 0; r < rounds; ++r) m.round();
  const double cpu = cpu_seconds() - c0;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double halves = 0, weight = 0;
  for (const auto& a : m.adj) {
    halves += static_cast<double>(a.size());
    for (const Neighbour& nb : a) weight += nb.weight;
  }
  std::printf("{\"implementation\": \"reference C++\", \"nodes\": %d, \"grow\": %d, \"loaded\": %s, \"rounds\": %d, "
              "\"seed\": %llu, \"run_s\": %.6g, \"run_cpu_s\": %.6g, \"s_per_round\": %.6g, \"cpu_s_per_round\": %.6g, "
              "\"ties\": %.0f, \"mean_degree\": %.6g, \"mean_weight\": %.6g}\n",
              nodes, grow, load.empty() ? "false" : "true", rounds, static_cast<unsigned long long>(seed), wall, cpu,
              wall / rounds, cpu / rounds, halves / 2, halves / nodes, halves > 0 ? weight / halves : 0.0);
  return 0;
}
