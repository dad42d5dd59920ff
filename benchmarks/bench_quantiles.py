"""Per-neuron quantiles (q = 0.95) of a benchmark model's activations, every route side by side.

The model is one ``Linear(768, 3072)`` over ``ROWS`` random inputs (default 1e5 rows: 1e5 x 3072
float32 activations, 1.2 GB). Routes:

- A: producing the activations alone (the floor: a route that reads the data twice costs 2 A);
- exact in memory: produce all, then ``numpy.partition`` per neuron (``quantile_thresholds`` on
  the array);
- exact multi-pass: ``quantile_thresholds(lambda: iter_activations(...), method="exact")``, the
  model re-run for every pass, never holding the activations (goal: at most 2.5 A);
- exact multi-pass on a memmap of the activations, against ``numpy.partition`` on the array;
- the one-pass sketch over ``iter_activations`` (goal: at most 2.0 A);
- the exact multi-pass route in 2 gloo processes (each runs the model on half of the rows, one
  thread each), against the 1-process run.

A, the multi-pass and the sketch are timed ``REPEAT`` times each, interleaved (A again before
each of the others), and the best time of each is kept: on a shared machine the load changes
within a minute, and best times are those of the quietest moments, for A as for the routes (the
load average is printed before and after). Two peaks of memory: tracemalloc's (numpy's
allocations) and the process's resident memory above what it held before the route (Linux: all
of it, torch's batches and buffers included; each batch of activations is 48 MiB; free heap
memory is given back to the system first, so memory freed earlier and reused shows too). The
rank error of a result ``v`` is the distance from ``q``
to the interval ``[F(v-), F(v)]``, worst over the neurons, measured on the activations.

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
from _table import print_table, reset_rss_peak, status_kib

from neuronboundary import iter_activations, quantile_thresholds

D, M, BATCH, Q, REPEAT = 768, 3072, 4096, 0.95, 2
GOALS = {"multi": 2.5, "sketch": 2.0}  # times A


def setup(rows: int) -> tuple[torch.nn.Module, torch.Tensor]:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(D, M))
    return model, torch.randn(rows, D)


def measured(fn):
    """(result, seconds, tracemalloc peak MiB, resident peak MiB above the start or None)."""
    start_rss = status_kib("VmRSS") if reset_rss_peak() else None
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = fn()
        seconds = time.perf_counter() - start
        traced = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    resident = None if start_rss is None else (status_kib("VmHWM") - start_rss) / 2**10
    return result, seconds, traced, resident


def repeated(fn, produce, a_times: list[float]):
    """``measured(fn)`` REPEAT times, each after timing A once more (into ``a_times``): the
    fastest run, as (result, seconds, traced, resident)."""
    best = None
    for _ in range(REPEAT):
        a_times.append(measured(produce)[1])
        run = measured(fn)
        if best is None or run[1] < best[1]:
            best = run
    return best


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
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average before: {load:.2f} on {os.cpu_count()} cpus")

    def produce():
        for _ in iter_activations(model, "0", x, batch_size=BATCH):
            pass

    def fresh():
        return iter_activations(model, "0", x, batch_size=BATCH)

    _, t_first, mem_a, rss_a = measured(produce)
    a_times = [t_first]

    def in_memory():
        acts = np.concatenate([b.numpy() for b in fresh()])
        start = time.perf_counter()
        result = quantile_thresholds(acts, Q)
        return acts, result, time.perf_counter() - start

    (acts, exact, t_partition), t_mem, mem_mem, rss_mem = measured(in_memory)
    rows_out = [  # route, seconds, traced MiB, resident MiB, passes, worst rank error
        ["A: activations alone (best of all its timings)", None, mem_a, rss_a, "-", None],
        ["exact in memory (A + numpy.partition)", t_mem, mem_mem, rss_mem, 0, 0.0],
    ]
    multi, t_multi, mem_multi, rss_multi = repeated(
        lambda: quantile_thresholds(fresh, Q, method="exact"), produce, a_times
    )
    assert np.array_equal(multi.values, exact.values)
    err = rank_error(acts, multi.values)
    rows_out.append(
        ["exact multi-pass, model re-run", t_multi, mem_multi, rss_multi, multi.passes, err]
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "acts.npy"
        np.save(path, acts)
        on_disk, t_disk, mem_disk, rss_disk = measured(
            lambda: quantile_thresholds(np.load(path, mmap_mode="r"), Q, method="exact")
        )
        assert np.array_equal(on_disk.values, exact.values)
        rows_out.append(
            ["numpy.partition of the array (in memory)", t_partition, None, None, 0, 0.0]
        )
        rows_out.append(
            ["exact multi-pass on a memmap", t_disk, mem_disk, rss_disk, on_disk.passes, 0.0]
        )
        sketch, t_sketch, mem_sketch, rss_sketch = repeated(
            lambda: quantile_thresholds(fresh(), Q, method="sketch"), produce, a_times
        )
        name = f"one-pass sketch (bound {sketch.max_rank_error:.2e})"
        err = rank_error(acts, sketch.values)
        rows_out.append([name, t_sketch, mem_sketch, rss_sketch, 1, err])
        start = time.perf_counter()
        torch.multiprocessing.spawn(_worker, args=(2, rows, free_port(), tmp), nprocs=2)
        wall = time.perf_counter() - start
        parts = [np.load(Path(tmp) / f"rank{r}.npy") for r in (0, 1)]
        t_two = max(p[-1] for p in parts)
        assert all(np.array_equal(p[:-1], exact.values) for p in parts)
        name = f"exact multi-pass, 2 gloo processes (wall with start-up {wall:.1f} s)"
        rows_out.append([name, t_two, None, None, multi.passes, 0.0])
    t_a = min(a_times)
    rows_out[0][1] = t_a
    table = [
        [
            name,
            f"{seconds:.2f}",
            f"{seconds / t_a:.2f}x",
            "-" if traced is None else f"{traced:.0f}",
            "-" if resident is None else f"{resident:.0f}",
            passes,
            "-" if err is None else f"{err:.2e}",
        ]
        for name, seconds, traced, resident, passes, err in rows_out
    ]
    print_table(
        f"quantile_thresholds, q = {Q}, of {rows:,} x {M:,} float32 activations "
        f"({rows * M * 4 / 2**20:,.0f} MiB) of Linear({D}, {M}), batches of {BATCH}; "
        f"torch threads {torch.get_num_threads()}, cpus {os.cpu_count()}; A best of "
        f"{len(a_times)}, the multi-pass and the sketch best of {REPEAT}",
        ["route", "seconds", "vs A", "traced MiB", "resident MiB", "passes", "worst rank error"],
        table,
    )
    print(f"  A's timings: {', '.join(f'{t:.2f}' for t in a_times)} s")
    for name, seconds in (("multi", t_multi), ("sketch", t_sketch)):
        goal = GOALS[name]
        verdict = "met" if seconds <= goal * t_a else "NOT met"
        print(f"  goal {name} <= {goal} A: {seconds / t_a:.2f} A, {verdict}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"  load average after: {load:.2f}")
    print(
        f"  2 processes / 1 process (exact multi-pass): {t_two / t_multi:.2f}; "
        f"memmap multi-pass / numpy.partition: {t_disk / t_partition:.2f}; "
        f"multi-pass / in memory: {t_multi / t_mem:.2f}"
    )


if __name__ == "__main__":
    main()
