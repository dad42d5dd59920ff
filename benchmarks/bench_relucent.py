"""Relucent 1.0.0 side by side with ours, on the same weights, when Relucent is installed.

Relucent (PyPI, AGPL) searches the cells of a ReLU network across facets with Gurobi LPs. It is
optional: ``NEURONBOUNDARY_BENCH_RELUCENT=1 nox -s bench`` installs it into the bench
environment (dependency group ``bench-relucent``), otherwise this script prints our side and
"Relucent not installed". Its cells are those of the hidden layers (no ReLU after the output),
so ours are the regions of ``arrangement_2d(net.hidden(), box)``; the table also shows the
regions of the whole network (the output's zero set cuts some cells in two). Relucent is timed
once (minutes); ours best of 3. The search across facets in any dimension (``regions_in``) and
the region of one input (``region_of``) against Relucent are in ``bench_regions.py``.
Run: ``nox -s bench`` (or ``python benchmarks/bench_relucent.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import _relucent
from _table import best_time, load_line, print_table

from neuronboundary import Network, arrangement_2d

RADIUS = 1.0
BOX = ((-RADIUS, RADIUS), (-RADIUS, RADIUS))
SEARCH_SIZES = ([2, 32, 32, 1], [2, 64, 64, 1])


def hidden_cells(net: Network) -> np.ndarray:
    """Sign patterns of the cells of the hidden layers over BOX, exact (one row per cell)."""
    return arrangement_2d(net.hidden(), BOX).signs


def search_rows() -> list[list[str]]:
    rows = []
    for size in SEARCH_SIZES:
        net = Network.random(size, seed=0)
        t = best_time(lambda net=net: hidden_cells(net), repeat=3)
        ours = hidden_cells(net)
        everything = arrangement_2d(net, BOX).n_regions
        row = [" -> ".join(map(str, size)), f"{everything:,}", f"{ours.shape[0]:,}", f"{t:.3f}"]
        peer = (
            _relucent.cells_in_box(net, RADIUS).columns(ours, t)
            if _relucent.available()
            else ["-"] * 4
        )
        rows.append([*row, *peer])
    return rows


def main() -> None:
    print(load_line())
    if not _relucent.available():
        print(_relucent.NOT_INSTALLED)
    print_table(
        f"cells of the hidden layers in {BOX}, Network.random(sizes, seed=0): arrangement_2d vs "
        "Relucent's bfs(cube_mode='intersect')",
        [
            "network",
            "regions (all neurons)",
            "cells (hidden)",
            "ours s",
            "Relucent cells",
            "Relucent s",
            "ours/Relucent",
            "same",
        ],
        search_rows(),
    )


if __name__ == "__main__":
    main()
