"""Per-neuron quantiles of 1e5 x 3072 activations streamed in batches, against the floor:
computing the activations alone (the matrix product). Peak memory of the quantile state is
measured with tracemalloc (numpy buffers); the activations are never held whole.

Run: ``nox -s bench`` (or ``python benchmarks/bench_quantiles.py``).
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _table import print_table

from neuronboundary import iter_activations, quantile_thresholds

N, D, M, BATCH = 100_000, 768, 3072, 4096


def main() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(D, M))
    x = torch.randn(N, D)

    start = time.perf_counter()
    for _ in iter_activations(model, "0", x, batch_size=BATCH):
        pass
    t_floor = time.perf_counter() - start

    rows = []
    for k in (1024, 2048):
        tracemalloc.start()
        start = time.perf_counter()
        result = quantile_thresholds(
            iter_activations(model, "0", x, batch_size=BATCH), 0.95, max_bytes=2**28, k=k
        )
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rows.append(
            [
                f"sketch k={k}",
                f"{elapsed:.2f}",
                f"{elapsed / t_floor:.2f}x",
                f"{peak / 2**20:.0f}",
                f"{result.max_rank_error:.4%}",
            ]
        )
    # check the bound on a sample of neurons against the exact quantile of all activations
    acts = torch.cat(list(iter_activations(model, "0", x, batch_size=BATCH)))[:, :64].numpy()
    ecdf = (acts <= result.values[:64].astype(np.float32)).mean(axis=0)
    rows.append(
        [
            "(check: worst |F(q^) - q| on 64 neurons)",
            "-",
            "-",
            "-",
            f"{np.abs(ecdf - 0.95).max():.4%}",
        ]
    )
    print_table(
        f"quantile_thresholds of {N:,} x {M:,} activations (q = 0.95), batches of {BATCH}; "
        f"floor = activations alone: {t_floor:.2f} s",
        ["method", "seconds", "vs floor", "peak MiB", "rank error bound"],
        rows,
    )
    print(f"  (all activations as float32 would take {N * M * 4 / 2**20:,.0f} MiB)")


if __name__ == "__main__":
    main()
