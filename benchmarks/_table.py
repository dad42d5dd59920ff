"""Tiny helpers shared by the benchmark scripts: best-of-n timing, peak memory, a table."""

from __future__ import annotations

import ctypes
import gc
import os
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any


def best_time(fn: Callable[[], Any], repeat: int = 5) -> float:
    """Best wall time of ``repeat`` calls, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def status_kib(field: str) -> int | None:
    """A field of ``/proc/self/status`` in KiB (``VmRSS``, ``VmHWM``); None off Linux."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_rss_peak() -> bool:
    """Give free heap memory back to the system (glibc's ``malloc_trim``), so that the call
    measured must fault its memory in again, then reset the kernel's resident high-water mark
    (VmHWM) to the current RSS (Linux >= 4.0)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        return False
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def peak_memory(fn: Callable[[], Any]) -> int:
    """Peak bytes allocated during one call: the larger of tracemalloc's peak (Python and numpy
    allocations) and, on Linux, the rise of the process's resident high-water mark over its
    size before the call (this one also sees torch's allocator, which tracemalloc does not)."""
    gc.collect()
    rss_before = status_kib("VmRSS") if reset_rss_peak() else None
    tracemalloc.start()
    try:
        fn()
        traced = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    hwm = status_kib("VmHWM")
    if rss_before is None or hwm is None:
        return traced
    return max(traced, (hwm - rss_before) * 1024)


def load_line() -> str:
    """The machine's load average, CPU count and torch's threads, to print above a table of
    times (on a busy machine threads wait for each other: set OMP_NUM_THREADS=1 and
    OPENBLAS_NUM_THREADS=1 for steadier times)."""
    import torch

    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return (
        f"load average (1, 5, 15 min): {load} on {os.cpu_count()} CPUs; "
        f"torch threads: {torch.get_num_threads()}"
    )


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a plain-text table that reads well in a terminal and in a closing note."""
    cells = [list(map(str, header))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n{title}")
    for i, row in enumerate(cells):
        print("  " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
        if i == 0:
            print("  " + "-+-".join("-" * w for w in widths))


def exact_decisions(fn: Callable[[], Any]) -> tuple[int, int]:
    """How many sign decisions one call took by the float filter and how many went to exact
    integer arithmetic (neuronboundary._exact.STATS): the second should be near zero."""
    from neuronboundary import _exact

    before = dict(_exact.STATS)
    fn()
    return (
        _exact.STATS["filtered"] - before.get("filtered", 0),
        _exact.STATS["exact"] - before.get("exact", 0),
    )


def everything(arr: Any) -> Any:
    """Force an arrangement's lazy constructions: vertices, areas and adjacency."""
    arr.vertices, arr.areas, arr.adjacency  # noqa: B018
    return arr
