"""Network slices: regions of deep ReLU networks in 2-D, breakpoints along a line.

2-D: ``arrangement_2d`` on torch-default-initialised networks over [-1, 1]^2, side by side with
Berzins' edge subdivision on the same weights (``_edge_subdivision``: torch, float64) and with
the fastest 1024 x 1024 grid scan (``_grid_scan``: distinct sign patterns over all neurons at the
grid points; it misses small regions).
1-D: all breakpoints along the segment between two random inputs of a 784 -> 1024 x 3 -> 10 MLP,
against a scan of 100,000 points along it.
Point location: ``Arrangement2D.locate`` of 1,000,000 uniform points (exact region of each,
boundary points included) against the float forward pass that gives their sign patterns
(``network.signs``, exact too) and against a float forward pass alone (no exactness).
Run: ``nox -s bench`` (or ``python benchmarks/bench_network.py [--quick]``). The machine's load
average is printed first: on a busy machine BLAS threads fight for the cores (small products get
10-30x slower); ``OPENBLAS_NUM_THREADS=1`` then gives steadier numbers.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _edge_subdivision import edge_subdivision_2d
from _grid_scan import distinct_patterns, fastest_scan
from _table import best_time, everything, exact_decisions, load_line, peak_memory, print_table

from neuronboundary import Network, arrangement_2d, partition_1d, slice_1d

BOX = ((-1.0, 1.0), (-1.0, 1.0))
GRID = 1024


def main(quick: bool = False) -> None:
    print(load_line())
    rows, decided = [], []
    sizes = [[2, 64, 64, 1], [2, 128, 128, 128, 1]]
    if not quick:
        sizes.append([2, 256, 256, 256, 256, 1])
    for size in sizes:
        net = Network.random(size, seed=0)
        repeat = 5 if size[1] <= 64 else (3 if size[1] <= 128 else 1)
        t = best_time(lambda net=net: arrangement_2d(net, BOX), repeat=repeat)
        n_regions = arrangement_2d(net, BOX).n_regions
        mem = peak_memory(lambda net=net: arrangement_2d(net, BOX))
        t_all = best_time(lambda net=net: everything(arrangement_2d(net, BOX)), repeat=repeat)
        filtered, exact = exact_decisions(lambda net=net: arrangement_2d(net, BOX))
        decided.append(
            [" -> ".join(map(str, size)), f"{t:.3f}", f"{t_all:.3f}", f"{filtered:,}", f"{exact:,}"]
        )
        t_sub = best_time(lambda net=net: edge_subdivision_2d(net, BOX), repeat=repeat)
        sub = edge_subdivision_2d(net, BOX)
        mem_sub = peak_memory(lambda net=net: edge_subdivision_2d(net, BOX))
        scan = fastest_scan(net, BOX, GRID, repeat=min(repeat, 3))
        mem_scan = peak_memory(scan.run)
        name = " -> ".join(map(str, size))
        rows.append(
            [
                name,
                f"{n_regions:,}",
                f"{t:.3f}",
                f"{mem / 2**20:.0f}",
                "Berzins edge subdivision",
                f"{sub.n_regions:,}",
                f"{t_sub:.3f}",
                f"{t / t_sub:.2f}x",
                f"{mem_sub / 2**20:.0f}",
            ]
        )
        rows.append(
            [
                "",
                "",
                "",
                "",
                f"grid {GRID}^2: {scan.name}",
                f"{scan.count:,} ({100 * scan.count / n_regions:.1f} %)",
                f"{scan.seconds:.3f}",
                f"{t / scan.seconds:.2f}x",
                f"{mem_scan / 2**20:.0f}",
            ]
        )
    print_table(
        f"arrangement_2d of networks (torch default init, seed 0) over {BOX} vs peers on the same "
        "weights; best-of-n seconds",
        [
            "network",
            "regions",
            "exact s",
            "exact MiB",
            "peer",
            "peer regions",
            "peer s",
            "exact/peer",
            "peer MiB",
        ],
        rows,
    )
    print_table(
        "the exact construction: combinatorics only, then with vertices, areas and adjacency; "
        "sign decisions by the float filter and by exact integers",
        ["network", "regions s", "+ geometry s", "filtered", "exact"],
        decided,
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

    locate_table(quick)


def locate_table(quick: bool) -> None:
    size = [2, 128, 128, 128, 1] if quick else [2, 256, 256, 256, 256, 1]
    net = Network.random(size, seed=0)
    arr = arrangement_2d(net, BOX)
    arr.locate(np.zeros((1, 2)))  # builds the lookup grid once, as a user's first call does
    pts = np.random.default_rng(1).uniform(-1.0, 1.0, size=(1_000_000, 2))
    t = best_time(lambda: arr.locate(pts), repeat=3)
    mem = peak_memory(lambda: arr.locate(pts))
    t_signs = best_time(lambda: net.signs(pts), repeat=1)
    mem_signs = peak_memory(lambda: net.signs(pts))
    start = time.perf_counter()
    for lo in range(0, pts.shape[0], 4096):  # in blocks, as the others: bounded memory
        h = pts[lo : lo + 4096]
        for layer in net.layers[:-1]:
            h = np.maximum(h @ layer.weight.T + layer.bias, 0.0)
    t_float = time.perf_counter() - start
    print_table(
        f"locate 1,000,000 points in the {arr.n_regions:,} regions of "
        f"{' -> '.join(map(str, size))} (seed 0) over {BOX}",
        ["method", "seconds", "locate / this", "peak MiB"],
        [
            ["Arrangement2D.locate (exact region)", f"{t:.3f}", "1.00x", f"{mem / 2**20:.0f}"],
            [
                "network.signs (exact patterns, no region)",
                f"{t_signs:.3f}",
                f"{t / t_signs:.2f}x",
                f"{mem_signs / 2**20:.0f}",
            ],
            ["float forward pass (hidden layers)", f"{t_float:.3f}", f"{t / t_float:.2f}x", "-"],
        ],
    )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
