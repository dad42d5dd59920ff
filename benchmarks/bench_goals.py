"""The four speed goals of the one-engine issue, side by side in one run.

Each row times ours and the peer's method on the same input, interleaved (ours, peer, ours,
peer, ...) so that a busy machine slows both alike, and prints the best of each, their ratio
and the goal. The peers: Berzins' edge subdivision (``_edge_subdivision``, float64, on the same
weights), the fastest of the grid-scan variants (``_grid_scan``, chosen afresh for each case)
and a bare numpy argsort of the crossing points (the least any exact 1-D method must do).
Run: ``nox -s bench`` (or ``python benchmarks/bench_goals.py``); set ``OMP_NUM_THREADS=1`` and
``OPENBLAS_NUM_THREADS=1`` for steady numbers.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _edge_subdivision import edge_subdivision_2d
from _grid_scan import fastest_scan
from _table import load_line, print_table

from neuronboundary import Network, NeuronLayer, arrangement_2d, partition_1d

BOX_DEEP = ((-1.0, 1.0), (-1.0, 1.0))
BOX_LAYER = ((-1.5, 1.5), (-1.5, 1.5))


def paired(ours: Callable[[], Any], peer: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Best seconds of each, measured alternately."""
    best = [float("inf"), float("inf")]
    for _ in range(repeat):
        for k, fn in enumerate((ours, peer)):
            start = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - start)
    return best[0], best[1]


def crossings_argsort(w: np.ndarray, b: np.ndarray, lo: float, hi: float) -> np.ndarray:
    c = -b / w
    c = c[(c > lo) & (c < hi)]
    return c[np.argsort(c)]


def main() -> None:
    print(load_line())
    rows = []

    net = Network.random([2, 128, 128, 128, 1], seed=0)
    ours, peer = paired(
        lambda: arrangement_2d(net, BOX_DEEP), lambda: edge_subdivision_2d(net, BOX_DEEP), 5
    )
    rows.append(
        [
            "deep 2-D slice 2->128x3->1 vs Berzins' edge subdivision",
            f"{ours:.3f}",
            f"{peer:.3f}",
            f"{ours / peer:.2f}x",
            "0.18x",
            "<= 0.1x",
        ]
    )

    for m, n, before, goal in ((300, 512, "1.07x", "<= 0.3x"), (1000, 1024, "1.32x", "<= 0.5x")):
        layer = NeuronLayer.random(m, 2, seed=0)
        scan = fastest_scan(layer, BOX_LAYER, n)
        ours, peer = paired(lambda layer=layer: arrangement_2d(layer, BOX_LAYER), scan.run, 5)
        rows.append(
            [
                f"one layer, {m} lines vs the fastest {n}^2 grid scan ({scan.name})",
                f"{ours:.3f}",
                f"{peer:.3f}",
                f"{ours / peer:.2f}x",
                before,
                goal,
            ]
        )

    rng = np.random.default_rng(0)
    w, b = rng.uniform(-1, 1, (2, 1_000_000))
    layer = NeuronLayer(w, b)
    ours, peer = paired(
        lambda: partition_1d(layer, (-3.0, 3.0)), lambda: crossings_argsort(w, b, -3.0, 3.0), 5
    )
    rows.append(
        [
            "1-D partition, 1e6 neurons vs numpy's argsort of the crossings",
            f"{ours:.3f}",
            f"{peer:.3f}",
            f"{ours / peer:.2f}x",
            "2.46x",
            "<= 2.0x",
        ]
    )
    print_table(
        "the one-engine issue's goals (best of 5, ours and peer interleaved; 'before': the issue's "
        "measurement of the two engines it replaced)",
        ["case", "ours s", "peer s", "ours/peer", "before", "goal"],
        rows,
    )


if __name__ == "__main__":
    main()
