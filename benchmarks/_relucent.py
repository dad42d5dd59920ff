"""Adapters to Relucent 1.0.0 (PyPI ``relucent``, AGPL, Gurobi LPs), used when it is installed.

Relucent finds the cells of a ReLU network by a breadth-first search across facets, one Gurobi
LP per candidate facet, and gives the cell of any input (``point2poly``) with its facets
(``shis``, supporting halfspace indices). Its pip wheel of ``gurobipy`` carries Gurobi's
size-limited licence (about 2,000 variables and constraints per model). Install it for the
benchmarks with ``NEURONBOUNDARY_BENCH_RELUCENT=1 nox -s bench`` (the ``bench-relucent``
dependency group); it is never a dependency of the package.

Relucent's cells are those of the hidden layers only: the output layer has no ReLU after it, so
its zero set is no boundary there. Compare with the distinct hidden-layer patterns of
``arrangement_2d(net, box).signs``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from _peer_models import torch_model

from neuronboundary import Network

try:
    import relucent
except ImportError:  # optional: the benchmarks print "Relucent not installed"
    relucent = None

#: what the benchmarks print when Relucent is missing
NOT_INSTALLED = (
    "Relucent not installed (optional, AGPL, Gurobi's size-limited licence): "
    "NEURONBOUNDARY_BENCH_RELUCENT=1 nox -s bench installs it"
)


def available() -> bool:
    """Whether Relucent can be imported."""
    return relucent is not None


def _complex(net: Network) -> Any:
    if relucent is None:
        raise ImportError(NOT_INSTALLED)
    return relucent.Complex(torch_model(net))


@dataclass(frozen=True)
class Search:
    """Relucent's breadth-first search of the cells that meet a box."""

    seconds: float
    patterns: np.ndarray  # int8 (n_cells, n_hidden), rows sorted
    complete: bool
    verified: bool | None

    @property
    def n_cells(self) -> int:
        return int(self.patterns.shape[0])

    def columns(self, ours: np.ndarray, our_seconds: float) -> list[str]:
        """Relucent's columns beside ours (``ours``: our hidden-layer patterns, a row each):
        cells, seconds, our time over Relucent's, and whether the cells are the same."""
        mine = {r.tobytes() for r in ours}
        theirs = {r.tobytes() for r in self.patterns}
        same = "yes" if mine == theirs else f"{len(mine - theirs)} ours only, {len(theirs - mine)}"
        return [
            f"{self.n_cells:,}" + ("" if self.complete else " (incomplete)"),
            f"{self.seconds:.1f}",
            f"{our_seconds / self.seconds:.4f}x",
            same,
        ]


def cells_in_box(net: Network, radius: float) -> Search:
    """Every cell of ``net``'s hidden layers that meets ``[-radius, radius]^d``:
    ``Complex(model).bfs(start=0, cube_radius=radius, cube_mode="intersect")`` with Relucent's
    defaults otherwise (one worker process per CPU, certification on)."""
    cx = _complex(net)
    start = time.perf_counter()
    result = cx.bfs(
        start=np.zeros(net.in_dim), cube_radius=float(radius), cube_mode="intersect", verbose=0
    )
    seconds = time.perf_counter() - start
    patterns = np.array([np.asarray(p.ss_np).ravel() for p in cx], dtype=np.int8)
    return Search(
        seconds=seconds,
        patterns=np.unique(patterns, axis=0),
        complete=bool(result.complete),
        verified=result.verified,
    )


@dataclass(frozen=True)
class PointCell:
    """Relucent's cell of one input: halfspaces, then facets."""

    seconds_halfspaces: float
    seconds_facets: float
    n_halfspaces: int
    n_facets: int


def cell_of(net: Network, x: np.ndarray) -> PointCell:
    """``Complex(model).point2poly(x)`` (the cell as halfspaces), then its ``.shis`` (the
    facets, Gurobi LPs), timed apart."""
    cx = _complex(net)
    start = time.perf_counter()
    poly = cx.point2poly(np.asarray(x, dtype=np.float64).reshape(1, -1))
    n_halfspaces = int(np.asarray(poly.halfspaces_np).shape[0])
    mid = time.perf_counter()
    n_facets = len(poly.shis)
    end = time.perf_counter()
    return PointCell(
        seconds_halfspaces=mid - start,
        seconds_facets=end - mid,
        n_halfspaces=n_halfspaces,
        n_facets=n_facets,
    )
