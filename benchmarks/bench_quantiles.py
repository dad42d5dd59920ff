"""Per-neuron quantiles (q = 0.95) of a benchmark model's activations, every route side by side.

The model is one ``Linear(768, 3072)`` over ``ROWS`` random inputs (default 1e5 rows: 1e5 x 3072
float32 activations, 1.2 GB). Routes:

- A: producing the activations alone (the floor every route pays at least once);
- exact in memory: produce all, then ``numpy.partition`` per neuron (``quantile_thresholds`` on
  the array);
- exact multi-pass: ``quantile_thresholds(lambda: iter_activations(...), method="exact")``, the
  model re-run for every pass, never holding the activations;
- exact multi-pass on a memmap of the activations, against ``numpy.partition`` on the array;
- the one-pass sketch over ``iter_activations``;
- the exact multi-pass route in 2 gloo processes (each runs the model on half of the rows, one
  thread each), against the 1-process run.

Peak memory is tracemalloc's (numpy allocations; torch's own batch buffers, one batch at a time,
are not counted). The rank error of a result ``v`` is the distance from ``q`` to the interval
``[F(v-), F(v)]``, worst over the neurons, measured on the activations. The machine may be
shared: timings are noisy.

Run: ``nox -s bench`` (or ``python benchmarks/bench_quantiles.py [ROWS]``).
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
from _table import print_table

from neuronboundary import iter_activations, quantile_thresholds

D, M, BATCH, Q = 768, 3072, 4096, 0.95


def setup(rows: int) -> tuple[torch.nn.Module, torch.Tensor]:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(D, M))
    return model, torch.randn(rows, D)


def measured(fn):
    """(result, seconds, peak MiB) of one call."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = fn()
        return result, time.perf_counter() - start, tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def rank_error(acts: np.ndarray, values: np.ndarray) -> float:
    v = values.astype(acts.dtype)
    worst = 0.0
    for start in range(0, acts.shape[1], 256):
        block, vb = acts[:, start : start + 256], v[start : start + 256]
        below = (block < vb).mean(axis=0)
        at_most = (block <= vb).mean(axis=0)
        gap = np.maximum(below - Q, Q - at_most)
        worst = max(worst, float(gap.max()))
    return max(worst, 0.0)


def _worker(rank: int, world: int, rows: int, port: int, out: str) -> None:
    torch.set_num_threads(1)
    torch.distributed.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world
    )
    try:
        model, x = setup(rows)
        mine = x[rank::world]
        torch.distributed.barrier()
        start = time.perf_counter()
        result = quantile_thresholds(
            lambda: iter_activations(model, "0", mine, batch_size=BATCH),
            Q,
            method="exact",
            group=True,
        )
        elapsed = time.perf_counter() - start
        np.save(Path(out) / f"rank{rank}.npy", np.append(result.values, elapsed))
    finally:
        torch.distributed.destroy_process_group()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    model, x = setup(rows)

    def produce():
        for _ in iter_activations(model, "0", x, batch_size=BATCH):
            pass

    def fresh():
        return iter_activations(model, "0", x, batch_size=BATCH)

    _, t_a, mem_a = measured(produce)

    def in_memory():
        acts = np.concatenate([b.numpy() for b in fresh()])
        start = time.perf_counter()
        result = quantile_thresholds(acts, Q)
        return acts, result, time.perf_counter() - start

    (acts, exact, t_partition), t_mem, mem_mem = measured(in_memory)
    rows_out = [
        ["A: activations alone", t_a, mem_a, "-", "-"],
        ["exact in memory (A + numpy.partition)", t_mem, mem_mem, exact.passes, 0.0],
    ]
    multi, t_multi, mem_multi = measured(lambda: quantile_thresholds(fresh, Q, method="exact"))
    assert np.array_equal(multi.values, exact.values)
    rows_out.append(
        [
            "exact multi-pass, model re-run",
            t_multi,
            mem_multi,
            multi.passes,
            rank_error(acts, multi.values),
        ]
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "acts.npy"
        np.save(path, acts)
        on_disk, t_disk, mem_disk = measured(
            lambda: quantile_thresholds(np.load(path, mmap_mode="r"), Q, method="exact")
        )
        assert np.array_equal(on_disk.values, exact.values)
        rows_out.append(["numpy.partition of the array (in memory)", t_partition, "-", 0, 0.0])
        rows_out.append(["exact multi-pass on a memmap", t_disk, mem_disk, on_disk.passes, 0.0])
        sketch, t_sketch, mem_sketch = measured(
            lambda: quantile_thresholds(fresh(), Q, method="sketch")
        )
        rows_out.append(
            [
                f"one-pass sketch (bound {sketch.max_rank_error:.2e})",
                t_sketch,
                mem_sketch,
                1,
                rank_error(acts, sketch.values),
            ]
        )
        start = time.perf_counter()
        torch.multiprocessing.spawn(_worker, args=(2, rows, free_port(), tmp), nprocs=2)
        wall = time.perf_counter() - start
        parts = [np.load(Path(tmp) / f"rank{r}.npy") for r in (0, 1)]
        t_two = max(p[-1] for p in parts)
        assert all(np.array_equal(p[:-1], exact.values) for p in parts)
        rows_out.append(
            [
                f"exact multi-pass, 2 gloo processes (wall with start-up {wall:.1f} s)",
                t_two,
                "-",
                multi.passes,
                0.0,
            ]
        )
    table = []
    for name, seconds, peak, passes, err in rows_out:
        table.append(
            [
                name,
                f"{seconds:.2f}",
                f"{seconds / t_a:.2f}x",
                peak if isinstance(peak, str) else f"{peak:.0f}",
                passes,
                err if isinstance(err, str) else f"{err:.2e}",
            ]
        )
    print_table(
        f"quantile_thresholds, q = {Q}, of {rows:,} x {M:,} float32 activations "
        f"({rows * M * 4 / 2**20:,.0f} MiB) of Linear({D}, {M}), batches of {BATCH}; "
        f"torch threads {torch.get_num_threads()}, cpus {os.cpu_count()}",
        ["route", "seconds", "vs A", "peak MiB", "passes", "worst rank error"],
        table,
    )
    print(
        f"  2 processes / 1 process (exact multi-pass): {t_two / t_multi:.2f}; "
        f"memmap multi-pass / numpy.partition: {t_disk / t_partition:.2f}; "
        f"sketch / A: {t_sketch / t_a:.2f}; multi-pass / in memory: {t_multi / t_mem:.2f}"
    )


if __name__ == "__main__":
    main()
