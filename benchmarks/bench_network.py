"""Network slices: regions of deep ReLU networks in 2-D, breakpoints along a line.

2-D: ``arrangement_2d`` on torch-default-initialised networks over [-1, 1]^2 against a 1024 x 1024
grid scan (distinct sign patterns over all neurons at the grid points; it misses small regions).
1-D: all breakpoints along the segment between two random inputs of a 784 -> 1024 x 3 -> 10 MLP,
against a scan of 100,000 points along it.
Run: ``nox -s bench`` (or ``python benchmarks/bench_network.py [--quick]``). The machine's load
average is printed first: on a busy machine BLAS threads fight for the cores (small products get
10-30x slower); ``OPENBLAS_NUM_THREADS=1`` then gives steadier numbers.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _table import best_time, peak_memory, print_table

from neuronboundary import Network, arrangement_2d, partition_1d, slice_1d

BOX = ((-1.0, 1.0), (-1.0, 1.0))


def distinct_patterns(net: Network, pts: np.ndarray, chunk: int = 16384) -> int:
    """Number of distinct sign patterns (all neurons) at the given points."""
    nbytes = (net.n_neurons + 7) // 8
    keys = np.empty((pts.shape[0], nbytes), dtype=np.uint8)
    for s in range(0, pts.shape[0], chunk):
        z = np.concatenate(net.preactivations(pts[s : s + chunk]), axis=1)
        keys[s : s + chunk] = np.packbits(z > 0, axis=1)
    return np.unique(keys.view(np.dtype((np.void, nbytes))).ravel()).shape[0]


def grid_scan(net: Network, n: int) -> int:
    (x0, x1), (y0, y1) = BOX
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return distinct_patterns(net, np.column_stack([gx.ravel(), gy.ravel()]))


def main(quick: bool = False) -> None:
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"load average (1, 5, 15 min): {load} on {os.cpu_count()} CPUs")
    rows = []
    sizes = [[2, 64, 64, 1], [2, 128, 128, 128, 1]]
    if not quick:
        sizes.append([2, 256, 256, 256, 256, 1])
    for size in sizes:
        net = Network.random(size, seed=0)
        repeat = 5 if size[1] <= 64 else (3 if size[1] <= 128 else 1)
        t = best_time(lambda net=net: arrangement_2d(net, BOX), repeat=repeat)
        arr = arrangement_2d(net, BOX)
        mem = peak_memory(lambda net=net: arrangement_2d(net, BOX))
        name = " -> ".join(map(str, size))
        rows.append(
            [
                name,
                "exact",
                f"{arr.n_regions:,}",
                "100 %",
                f"{t:.3f}",
                f"{arr.n_regions / t:,.0f}",
                "-",
                f"{mem / 2**20:.0f}",
            ]
        )
        start = time.perf_counter()
        found = grid_scan(net, 1024)
        t_grid = time.perf_counter() - start
        rows.append(
            [
                name,
                "grid 1024x1024",
                f"{found:,}",
                f"{100 * found / arr.n_regions:.1f} %",
                f"{t_grid:.3f}",
                f"{found / t_grid:,.0f}",
                f"exact is {t_grid / t:.1f}x faster",
                "-",
            ]
        )
    print_table(
        f"arrangement_2d of networks (torch default init, seed 0) over {BOX} vs a grid scan",
        ["network", "method", "regions", "found", "seconds", "regions/s", "ratio", "peak MiB"],
        rows,
    )

    net = Network.random([784, 1024, 1024, 1024, 10], seed=0)
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0.0, 1.0, size=(2, 784))
    line = slice_1d(net, a, b - a)
    t = best_time(lambda: partition_1d(line, (0.0, 1.0)), repeat=3)
    part = partition_1d(line, (0.0, 1.0))
    mem = peak_memory(lambda: partition_1d(line, (0.0, 1.0)))
    start = time.perf_counter()
    ts = np.linspace(0.0, 1.0, 100_000)
    found = distinct_patterns(line, ts[:, None], chunk=4096)
    t_scan = time.perf_counter() - start
    print_table(
        "partition_1d along the segment between two random inputs, 784 -> 1024 x 3 -> 10",
        ["method", "sub-intervals", "found", "seconds", "peak MiB"],
        [
            ["exact", f"{part.n_intervals:,}", "100 %", f"{t:.3f}", f"{mem / 2**20:.0f}"],
            [
                "scan 100,000 points",
                f"{found:,}",
                f"{100 * found / part.n_intervals:.1f} %",
                f"{t_scan:.3f}",
                "-",
            ],
        ],
    )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
