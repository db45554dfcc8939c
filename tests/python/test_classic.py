"""Network statistics against NetworkX on random graphs, and the classic scenarios from Python."""
import glob
import math
import os
import tomllib

import networkx as nx
import numpy as np
import pytest

from socius import _core

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def graphs():
    yield nx.gnp_random_graph(300, 0.03, seed=1)
    yield nx.gnp_random_graph(500, 0.01, seed=2)  # sparse: several components
    yield nx.powerlaw_cluster_graph(400, 3, 0.6, seed=3)  # clustered, broad degrees
    yield nx.barabasi_albert_graph(600, 2, seed=4)  # disassortative


def stats(g, weights=None, **kw):
    edges = list(g.edges())
    return _core.network_statistics(g.number_of_nodes(), [u for u, _ in edges], [v for _, v in edges],
                                    weights, **kw)


@pytest.mark.parametrize("g", list(graphs()), ids=["gnp300", "gnp500", "powerlaw_cluster", "ba"])
def test_statistics_match_networkx(g):
    s = stats(g)
    n = g.number_of_nodes()
    assert s["mean_degree"] == pytest.approx(2 * g.number_of_edges() / n)
    assert s["max_degree"] == max(d for _, d in g.degree())
    assert list(s["degree_histogram"]) == nx.degree_histogram(g)
    assert s["average_clustering"] == pytest.approx(nx.average_clustering(g), abs=1e-12)
    assert s["transitivity"] == pytest.approx(nx.transitivity(g), abs=1e-12)
    assert s["assortativity"] == pytest.approx(nx.degree_assortativity_coefficient(g), abs=1e-9)
    clustering = nx.clustering(g)
    assert np.allclose(s["local_clustering"], [clustering[i] for i in range(n)], atol=1e-12)
    tri = nx.triangles(g)
    assert list(s["triangles"]) == [tri[i] for i in range(n)]
    sizes = sorted((len(c) for c in nx.connected_components(g)), reverse=True)
    assert list(s["component_sizes"]) == sizes
    assert s["components"] == len(sizes)
    assert s["largest_component_share"] == pytest.approx(sizes[0] / n)


def test_overlap_and_weights_match_a_direct_computation():
    g = nx.powerlaw_cluster_graph(300, 4, 0.5, seed=5)
    rng = np.random.default_rng(6)
    edges = list(g.edges())
    w = [float(x) for x in rng.integers(1, 20, size=len(edges))]
    s = stats(g, w)
    # Onnela et al. (2007): O_ij = n_ij / ((k_i - 1) + (k_j - 1) - n_ij), in socius's edge order.
    by_pair = {}
    for (u, v), wt in zip(edges, w):
        n_common = len(set(g[u]) & set(g[v]))
        denom = (g.degree(u) - 1) + (g.degree(v) - 1) - n_common
        by_pair[(min(u, v), max(u, v))] = (wt, n_common / denom if denom > 0 else 0.0)
    assert sorted(s["weights"]) == sorted(w)
    assert s["mean_weight"] == pytest.approx(sum(w) / len(w))
    assert s["mean_strength"] == pytest.approx(2 * sum(w) / g.number_of_nodes())
    assert s["mean_overlap"] == pytest.approx(np.mean([o for _, o in by_pair.values()]))
    got = sorted(zip(s["weights"], s["overlap"]))
    want = sorted(by_pair.values())
    assert np.allclose(got, want)


def test_sampled_path_length_close_to_networkx():
    g = nx.connected_watts_strogatz_graph(1000, 8, 0.1, seed=7)
    s = stats(g, path_sources=400, seed=1)
    assert s["mean_path_length"] == pytest.approx(nx.average_shortest_path_length(g), rel=0.03)


def flatten(table, prefix=""):
    for k, v in table.items():
        if isinstance(v, dict):
            yield from flatten(v, f"{prefix}{k}.")
        elif prefix or k not in ("model", "name", "description"):
            yield f"{prefix}{k}", v


SCENARIOS = sorted(glob.glob(os.path.join(ROOT, "scenarios", "classic", "*.toml")))


def test_there_are_five_classic_scenarios():
    assert [os.path.basename(p) for p in SCENARIOS] == [
        "davidsen2002_p002.toml", "davidsen2002_p00822.toml", "davidsen2002_p03.toml", "jgn2001.toml",
        "kumpula2007.toml"]


@pytest.mark.parametrize("path", SCENARIOS, ids=[os.path.basename(p) for p in SCENARIOS])
def test_classic_scenarios_validate_and_run(path):
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    entries = [(k, v, path) for k, v in flatten(doc)]
    resolved = _core.resolve(doc["model"], entries)
    for k, v, _ in entries:
        assert resolved[k] == v
    # A short run of the same scenario (a few steps, a smaller population where it is large).
    short = [(k, v, o) for k, v, o in entries if not k.startswith("simulation.")]
    short += [("simulation.population", min(2000, resolved["simulation.population"]), "test"),
              ("simulation.steps", 3, "test"), ("simulation.burn_in", 2, "test")]
    sim = _core.Simulation(doc["model"], short, seed=1, threads=2)
    sim.step(sim.steps_total)
    assert sim.check_ties() == ""
    ind = sim.indicators()
    assert "average_clustering" in ind["indicators"] and "transitivity" in ind["indicators"]
    assert ind["values"].shape == (4, 1, len(ind["indicators"]))
    st = sim.network_statistics()
    assert st["mean_degree"] == pytest.approx(ind["values"][-1, 0, ind["indicators"].index("mean_degree")])
    assert math.isfinite(st["mean_path_length"])


def test_statistics_of_bad_input_are_value_errors_naming_the_tie():
    # issue 13 item 5: a self-loop or an index out of range raised InvariantError, which the docs
    # keep for bugs in socius; the input is the caller's, so it is a ValueError naming the tie.
    cases = [((3, [0, 1], [1, 1]), "tie 1 \\(1, 1\\) is a self-loop"),
             ((3, [0, 5], [1, 2]), "tie 1 \\(5, 2\\) names an agent outside \\[0, n\\) with n = 3"),
             ((3, [0], [1], [float("nan")]), "tie 0 \\(0, 1\\) has weight nan"),
             ((3, [0], [1], [-0.5]), "tie 0 \\(0, 1\\) has weight -0.5; allowed: a positive, finite weight")]
    for args, message in cases:
        with pytest.raises(ValueError, match=message) as caught:
            _core.network_statistics(*args)
        assert not isinstance(caught.value, _core.InvariantError)


def test_undefined_statistics_are_nan_for_every_size():
    # issue 13 item 9: one rule, NaN for undefined (it was 0.0 with n = 0 and NaN with n >= 1).
    for n in (0, 1, 2):
        s = _core.network_statistics(n, [], [], path_sources=8)
        for key in ("mean_weight", "transitivity", "assortativity", "mean_overlap", "overlap_weight_spearman",
                    "overlap_weight_pearson", "mean_path_length"):
            assert math.isnan(s[key]), (n, key, s[key])
        for key in ("mean_degree", "isolated_share", "average_clustering", "largest_component_share"):
            assert math.isnan(s[key]) == (n == 0), (n, key, s[key])
    star = stats(nx.star_graph(4), path_sources=5)
    assert star["mean_path_length"] == 1.6  # exact: as many sources as agents
    assert star["transitivity"] == 0.0 and star["assortativity"] == pytest.approx(-1.0)
    assert math.isnan(star["overlap_weight_pearson"]) and math.isnan(star["overlap_weight_spearman"])
    complete = stats(nx.complete_graph(5), path_sources=5)
    assert complete["transitivity"] == 1.0 and complete["mean_path_length"] == 1.0
    assert math.isnan(complete["assortativity"])
