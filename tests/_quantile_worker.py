"""Worker of the 2-process gloo test in ``test_quantiles.py`` (a module of its own, so that the
spawned processes import only this, numpy and torch)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

import neuronboundary as nb


def shard(rank: int, world: int) -> np.ndarray:
    """The data of the test (ties, a constant neuron, signed zeros), rows split by rank."""
    rng = np.random.default_rng(0)
    data = rng.standard_normal((3000, 4)).astype(np.float32)
    data[:, 1] = np.round(data[:, 1])  # ties
    data[:, 2] = 7.0  # a constant neuron
    data[::3, 3] = -0.0
    return data[rank::world]


def run(rank: int, world: int, store: str, out: str) -> None:
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=world)
    try:
        mine = shard(rank, world)
        batches = [mine[i : i + 256] for i in range(0, len(mine), 256)]
        results = {}
        for q in (0.0, 0.5, 0.95, 1.0):
            exact = nb.quantile_thresholds(batches, q, method="exact", group=True, bins=64)
            sketch = nb.quantile_thresholds(iter(batches), q, method="sketch", group=True, k=64)
            results[q] = (exact.values, exact.n, sketch.values, sketch.max_rank_error)
        np.save(Path(out) / f"rank{rank}.npy", np.array(results, dtype=object), allow_pickle=True)
    finally:
        dist.destroy_process_group()


def main(rank: int, world: int, store: str, out: str) -> None:
    torch.set_num_threads(1)
    run(rank, world, store, out)
