"""partition_1d on a million neurons against its floor: a bare numpy crossing-point argsort.

Run: ``nox -s bench`` (or ``python benchmarks/bench_partition_1d.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _table import best_time, peak_memory, print_table

from neuronboundary import NeuronLayer, partition_1d


def floor(w: np.ndarray, b: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """The least any exact method must do: the crossings inside, sorted."""
    c = -b / w
    c = c[(c > lo) & (c < hi)]
    return c[np.argsort(c)]


def main() -> None:
    rng = np.random.default_rng(0)
    rows = []
    interval = (-3.0, 3.0)
    for m in (10_000, 100_000, 1_000_000):
        w = rng.uniform(-1, 1, m)
        b = rng.uniform(-1, 1, m)
        layer = NeuronLayer(w, b)
        t_floor = best_time(lambda w=w, b=b: floor(w, b, *interval))
        t_part = best_time(lambda layer=layer: partition_1d(layer, interval))
        part = partition_1d(layer, interval)
        mem = peak_memory(lambda layer=layer: partition_1d(layer, interval))
        stored = sum(
            a.nbytes
            for a in (
                part.breakpoints,
                part.first_signs,
                part.flip_at,
                part.flip_order,
                part.flip_offsets,
            )
        )
        rows.append(
            [
                f"{m:,}",
                f"{part.n_intervals:,}",
                f"{t_floor * 1e3:.1f}",
                f"{t_part * 1e3:.1f}",
                f"{t_part / t_floor:.2f}x",
                f"{mem / 2**20:.1f}",
                f"{stored / 2**20:.1f}",
            ]
        )
    print_table(
        "partition_1d vs bare numpy argsort of crossings (best of 5; goal: within 3x of the floor)",
        [
            "neurons",
            "sub-intervals",
            "floor ms",
            "partition_1d ms",
            "ratio",
            "peak MiB",
            "stored MiB",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
