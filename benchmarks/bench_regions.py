"""Regions in any dimension: ``regions_in`` and ``region_of``, side by side with Relucent 1.0.0
when it is installed (same weights, same box), and a 3-D box against a 100^3 grid scan.

* ``regions_in`` on 2 -> 32 -> 32 -> 1 over [-1, 1]^2 against Relucent's breadth-first search
  (``bfs(cube_mode="intersect")``): Relucent's cells are those of the hidden layers (no ReLU
  after the output), so ours are the distinct hidden-layer patterns of ``regions_in``'s regions.
* ``region_of`` with its facets for an input of the shipped ``digits_deep`` (64-D, 74 neurons)
  and of a random 784 -> 256 -> 256 -> 10 MLP, against Relucent's ``point2poly`` then ``.shis``
  (its facets). Relucent's halfspaces are the hidden neurons'; ours include the output's, and
  the column "ours, hidden layers" gives our facets of the network without its output layer,
  to compare with Relucent's.
* a 3-D box of 3 -> 32 -> 32 -> 1: regions per second, and the fraction of the regions a 100^3
  grid scan finds (the fastest of ``_grid_scan_3d``'s variants).

Ours: best of 3 (the MLP: best of 2); Relucent once (seconds to minutes). The load average is
printed first: on a shared machine times vary, ratios less. Run: ``nox -s bench`` (or
``python benchmarks/bench_regions.py``; Relucent with ``NEURONBOUNDARY_BENCH_RELUCENT=1``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import _relucent
from _grid_scan_3d import fastest_scan_3d, region_hashes
from _table import best_time, load_line, peak_memory, print_table

from neuronboundary import LinearRegion, Network, region_of, regions_in

SEARCH_SIZE = [2, 32, 32, 1]
RADIUS = 1.0
MLP_SIZE = [784, 256, 256, 10]
CUBE_SIZE = [3, 32, 32, 1]
GRID = 100
N_DIGITS = 50  # test images for the spread of region_of's time on digits_deep


def _mb(nbytes: float) -> str:
    return f"{nbytes / 2**20:.0f}"


def _ours(fn: Callable[[], Any], repeat: int) -> tuple[Any, float, str]:
    """``fn``'s result, its best time of ``repeat`` and its peak memory (MB)."""
    return fn(), best_time(fn, repeat=repeat), _mb(peak_memory(fn))


def _beside(row: list[str], peer: Callable[[], list[str]]) -> list[str]:
    """``row`` followed by Relucent's columns, or by dashes when it is not installed."""
    return [*row, *(peer() if _relucent.available() else ["-"] * 4)]


def search_row() -> list[str]:
    net = Network.random(SEARCH_SIZE, seed=0)
    box = ((-RADIUS, RADIUS),) * 2
    found, t, mb = _ours(lambda: regions_in(net, box), 3)
    hidden = np.unique(found.signs[:, : net.neuron_offsets[-2]], axis=0)
    size = " -> ".join(map(str, SEARCH_SIZE))

    def peer() -> list[str]:
        return _relucent.cells_in_box(net, RADIUS).columns(hidden, t)

    return _beside([size, f"{found.n_regions:,}", f"{hidden.shape[0]:,}", f"{t:.3f}", mb], peer)


def _facets(region: LinearRegion) -> str:
    return f"{region.n_facets} of {int((region.signs != 0).sum())}"


def point_row(name: str, net: Network, x: np.ndarray, repeat: int) -> list[str]:
    region, t, mb = _ours(lambda: region_of(net, x), repeat)
    hidden = net.hidden()  # Relucent's cell has the hidden neurons only

    def peer() -> list[str]:
        cell = _relucent.cell_of(net, x)
        theirs = cell.seconds_halfspaces + cell.seconds_facets
        return [
            f"{cell.n_facets} of {cell.n_halfspaces}",
            f"{cell.seconds_halfspaces:.2f}",
            f"{cell.seconds_facets:.1f}",
            f"{t / theirs:.4f}x",
        ]

    row = [name, f"{net.in_dim}", f"{net.n_neurons}", _facets(region), f"{region.n_lps}"]
    row += [f"{t:.3f}", mb, _facets(region_of(hidden, x))]
    return _beside(row, peer)


def digits_spread(net: Network, X: np.ndarray) -> str:
    times = []
    for x in X:
        start = time.perf_counter()
        region_of(net, x)
        times.append(time.perf_counter() - start)
    q = np.percentile(times, [50, 90, 100])
    return (
        f"digits_deep, region_of on {len(X)} test images (once each): median {q[0]:.3f} s, "
        f"90th percentile {q[1]:.3f} s, max {q[2]:.3f} s"
    )


def cube_row() -> list[str]:
    net = Network.random(CUBE_SIZE, seed=0)
    box = ((-1.0, 1.0),) * 3
    start = time.perf_counter()
    found = regions_in(net, box)
    seconds = time.perf_counter() - start
    scan = fastest_scan_3d(net, box, GRID)
    ours = np.unique(region_hashes(found.signs, net))
    hit = int(np.isin(ours, scan.hashes).sum())
    return [
        " -> ".join(map(str, CUBE_SIZE)),
        f"{found.n_regions:,}",
        f"{seconds:.2f}",
        f"{found.n_regions / seconds:,.0f}",
        f"{found.volumes.sum():.12f}",
        f"{GRID}^3",
        f"{scan.count:,}",
        f"{hit:,} ({100 * hit / ours.shape[0]:.1f} %)",
        f"{scan.seconds:.2f}",
        scan.name,
    ]


def main() -> None:
    print(load_line())
    if not _relucent.available():
        print(_relucent.NOT_INSTALLED)
    print_table(
        f"regions_in over [-{RADIUS}, {RADIUS}]^2, Network.random(sizes, seed=0), vs Relucent's "
        "bfs(cube_mode='intersect') (its cells: hidden-layer patterns)",
        [
            "network",
            "regions",
            "hidden cells",
            "ours s",
            "ours MB",
            "Relucent cells",
            "Relucent s",
            "ours/Relucent",
            "same cells",
        ],
        [search_row()],
    )
    from neuronboundary.pretrained import digits_deep, load_digits_data

    digits = Network.from_module(digits_deep())
    data = load_digits_data()
    mlp = Network.random(MLP_SIZE, seed=0)
    x_mlp = np.random.default_rng(0).uniform(0.0, 1.0, MLP_SIZE[0])
    print_table(
        "region_of with its facets: digits_deep at the first image, and an input x ~ U[0, 1]^784 "
        "(seed 0) of Network.random([784, 256, 256, 10], seed=0); vs Relucent's point2poly(x) "
        "then .shis",
        [
            "network",
            "d",
            "neurons",
            "facets of halfspaces",
            "LPs",
            "ours s",
            "ours MB",
            "ours, hidden layers",
            "Relucent facets",
            "point2poly s",
            "shis s",
            "ours/Relucent",
        ],
        [
            point_row("digits_deep", digits, data.X[0], repeat=3),
            point_row(" -> ".join(map(str, MLP_SIZE)), mlp, x_mlp, repeat=2),
        ],
    )
    print(digits_spread(digits, data.X[data.test[:N_DIGITS]]))
    print_table(
        "regions_in over [-1, 1]^3, Network.random(sizes, seed=0) (once), and the fastest "
        f"{GRID}^3 grid scan: how many of the exact regions hold a grid point",
        [
            "network",
            "regions",
            "seconds",
            "regions/s",
            "sum of volumes",
            "grid",
            "scan patterns",
            "regions found by the scan",
            "scan s",
            "scan",
        ],
        [cube_row()],
    )


if __name__ == "__main__":
    main()
