"""The network statistics both sides of the Mesa comparison are judged by, computed the same way
(NetworkX) for the Mesa graph and for socius's tie graph."""
from __future__ import annotations

import networkx as nx


def statistics(G: nx.Graph) -> dict:
    """Mean degree, mean tie weight and average local clustering (0 for fewer than two ties, as
    networkx.average_clustering), plus the tie count."""
    n = G.number_of_nodes()
    m = G.number_of_edges()
    total = sum(w for _, _, w in G.edges(data="weight"))
    return {
        "mean_degree": 2.0 * m / n,
        "mean_weight": total / m if m else float("nan"),
        "average_clustering": nx.average_clustering(G),
        "ties": m,
    }
