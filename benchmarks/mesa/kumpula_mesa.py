"""Kumpula, Onnela, Saramäki, Kaski & Kertész (2007), "Emergence of communities in weighted
networks", Phys. Rev. Lett. 99, 228701, written with Mesa 3 the way a Mesa user would: one
`mesa.Agent` per person, the weighted network in a NetworkX graph held by the model, the model's
random generator for every draw, and synchronous updating with the usual step/advance pair
(each person decides from the network as it stands at the start of the round, then the changes
are made), as socius's preset does.

Rules per round, for each person i:
  - local search: if i has ties, go to a neighbour j with probability w_ij / s_i, then to a
    neighbour k != i of j with probability w_jk / (s_j - w_ij); w_ij and w_jk grow by delta, and
    w_ik grows by delta if the tie exists, else it is created with weight w0 with probability
    p_delta (when j's only neighbour is i the search stops);
  - global attachment: with no ties, or otherwise with probability p_r, tie to a random other
    person with weight w0 (nothing happens if they are already tied);
  - node deletion (after the changes): with probability p_d, lose every tie.

Run by benchmarks/compare_mesa.py in a virtual environment of its own (Mesa 3.2+ needs Python
3.12). Prints one JSON object: the parameters, the run time and the network statistics at the
end (NetworkX's, as socius's indicators are defined).
"""
from __future__ import annotations

import argparse
import json
import time

import mesa
import networkx as nx

from nxstats import statistics


class Person(mesa.Agent):
    """A node of the network: proposes its changes in step(), makes them in advance()."""

    def __init__(self, model: "KumpulaModel", node: int):
        super().__init__(model)
        self.node = node
        self.strengthen: list[tuple[int, int]] = []
        self.new_ties: list[tuple[int, int]] = []
        self.leaving = False

    def step(self) -> None:
        model = self.model
        G = model.G
        i = self.node
        self.strengthen = []
        self.new_ties = []
        neighbours = G[i]
        if neighbours:
            # Local search (cyclic closure).
            j = self.random.choices(list(neighbours), weights=[d["weight"] for d in neighbours.values()])[0]
            second = [(k, d["weight"]) for k, d in G[j].items() if k != i]
            if second:
                k = self.random.choices([k for k, _ in second], weights=[w for _, w in second])[0]
                self.strengthen += [(i, j), (j, k)]
                if G.has_edge(i, k):
                    self.strengthen.append((i, k))
                elif self.random.random() < model.p_delta:
                    self.new_ties.append((i, k))
        if not neighbours or self.random.random() < model.p_r:
            # Global attachment (focal closure).
            j = self.random.randrange(model.num_nodes - 1)
            if j >= i:
                j += 1
            self.new_ties.append((i, j))
        self.leaving = self.random.random() < model.p_d

    def advance(self) -> None:
        G = self.model.G
        for u, v in self.strengthen:
            G[u][v]["weight"] += self.model.delta

    def make_new_ties(self) -> None:
        G = self.model.G
        for u, v in self.new_ties:
            if not G.has_edge(u, v):
                G.add_edge(u, v, weight=self.model.w0)

    def leave(self) -> None:
        if self.leaving:
            self.model.G.remove_edges_from(list(self.model.G.edges(self.node)))


class KumpulaModel(mesa.Model):
    def __init__(self, num_nodes=10_000, delta=1.0, p_delta=0.05, p_r=0.0005, p_d=0.001, w0=1.0, rng=None,
                 network=None):
        super().__init__(rng=rng)
        self.num_nodes = num_nodes
        self.delta, self.p_delta, self.p_r, self.p_d, self.w0 = delta, p_delta, p_r, p_d, w0
        self.G = nx.Graph()
        self.G.add_nodes_from(range(num_nodes))
        if network is not None:  # start from a given network (lines "u v w"), e.g. one grown by socius
            with open(network) as f:
                self.G.add_weighted_edges_from((int(u), int(v), float(w)) for u, v, w in (line.split() for line in f))
        for node in range(num_nodes):
            Person(self, node)

    def step(self) -> None:
        # Synchronous updating: every person decides, then the changes are made (weights first,
        # then new ties, then deletions, as in socius's batches).
        self.agents.do("step")
        self.agents.do("advance")
        self.agents.do("make_new_ties")
        self.agents.do("leave")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--network", help="start from this network (lines 'u v w') instead of no ties")
    ap.add_argument("--no-statistics", action="store_true", help="skip the network statistics at the end")
    a = ap.parse_args()
    t0 = time.perf_counter()
    c0 = time.process_time()
    model = KumpulaModel(num_nodes=a.nodes, rng=a.seed, network=a.network)
    c1 = time.process_time()
    t1 = time.perf_counter()
    for _ in range(a.rounds):
        model.step()
    t2 = time.perf_counter()
    c2 = time.process_time()
    out = {"implementation": "mesa", "mesa_version": mesa.__version__, "networkx_version": nx.__version__,
           "nodes": a.nodes, "rounds": a.rounds, "seed": a.seed,
           "setup_s": t1 - t0, "run_s": t2 - t1, "run_cpu_s": c2 - c1,
           **({} if a.no_statistics else statistics(model.G))}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
