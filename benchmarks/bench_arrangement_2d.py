"""Exact 2-D arrangement against the grid scan that peers use (and that misses regions).

Grid scan: the sign pattern at every point of an n x n grid, then the distinct patterns.
Run: ``nox -s bench`` (or ``python benchmarks/bench_arrangement_2d.py``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _table import best_time, peak_memory, print_table

from neuronboundary import NeuronLayer, arrangement_2d

BOX = ((-1.5, 1.5), (-1.5, 1.5))


def grid_scan(layer: NeuronLayer, n: int, chunk: int = 4096) -> int:
    """Number of distinct sign patterns over an n x n grid of the box (the baseline)."""
    (x0, x1), (y0, y1) = BOX
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    nbytes = (layer.n_neurons + 7) // 8
    keys = np.empty((pts.shape[0], nbytes), dtype=np.uint8)
    for s in range(0, pts.shape[0], chunk):
        keys[s : s + chunk] = np.packbits(
            pts[s : s + chunk] @ layer.weight.T + layer.bias > 0, axis=1
        )
    return np.unique(keys.view(np.dtype((np.void, nbytes))).ravel()).shape[0]


def main() -> None:
    rows = []
    for m, grids in ((100, (512,)), (300, (512, 1024)), (1000, ())):
        layer = NeuronLayer.random(m, 2, seed=0)
        repeat = 3 if m <= 300 else 1
        t_exact = best_time(lambda layer=layer: arrangement_2d(layer, BOX), repeat=repeat)
        arr = arrangement_2d(layer, BOX)
        mem = peak_memory(lambda layer=layer: arrangement_2d(layer, BOX))
        stored = sum(
            getattr(arr, f).nbytes
            for f in (
                "polygon_vertices",
                "positive_bits",
                "negative_bits",
                "areas",
                "points",
                "adjacency",
            )
        )
        rows.append(
            [
                m,
                "exact",
                f"{arr.n_regions:,}",
                "100 %",
                f"{t_exact:.3f}",
                "-",
                f"{mem / 2**20:.0f}",
                f"{stored / 2**20:.1f}",
            ]
        )
        for n in grids:
            start = time.perf_counter()
            found = grid_scan(layer, n)
            t_grid = time.perf_counter() - start
            rows.append(
                [
                    m,
                    f"grid {n}x{n}",
                    f"{found:,}",
                    f"{100 * found / arr.n_regions:.1f} %",
                    f"{t_grid:.3f}",
                    f"exact is {t_exact / t_grid:.2f}x",
                    "-",
                    "-",
                ]
            )
    print_table(
        f"arrangement_2d vs grid scan, random torch-initialised layers, box {BOX}",
        ["lines", "method", "regions", "found", "seconds", "time ratio", "peak MiB", "stored MiB"],
        rows,
    )


if __name__ == "__main__":
    main()
