"""Region adjacency as a ``networkx.Graph`` (the optional ``graph`` extra), built one way for
every result type that has regions and adjacent pairs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np


def adjacency_graph(
    nodes: Mapping[str, Sequence[Any]],
    adjacency: np.ndarray,
    transition: Callable[[int, int], np.ndarray],
) -> Any:
    """One node per region with the attributes ``nodes[name][r]``, one edge per adjacent pair
    ``(a, b)`` of ``adjacency`` (E, 2) with attribute ``neurons``: ``transition(a, b)``, the
    neurons whose sign differs between the two.

    >>> g = adjacency_graph({"point": [(0.0,), (1.0,)]}, np.array([[0, 1]]),
    ...                     lambda a, b: np.array([3]))
    >>> g.nodes[1]["point"], g.edges[0, 1]["neurons"]
    ((1.0,), (3,))
    """
    try:
        import networkx as nx
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "to_networkx needs networkx: pip install networkx (or the package's `graph` extra)."
        ) from None
    g = nx.Graph()
    n = len(next(iter(nodes.values()))) if nodes else 0
    for r in range(n):
        g.add_node(r, **{name: values[r] for name, values in nodes.items()})
    for a, b in np.asarray(adjacency).tolist():
        g.add_edge(a, b, neurons=tuple(transition(a, b).tolist()))
    return g
