"""Exact 2-D arrangement of one layer against the fastest grid scan (what peers do).

The grid scan counts the distinct sign patterns at the points of an n x n grid of the box; it
misses the regions that hold no grid point. Every variant of ``_grid_scan`` (numpy or torch,
float32 or float64, outer sum or matrix product, three chunk sizes) is timed on an eighth of the
grid's rows and the fastest runs on the whole grid; the last table lists them all for the
largest case. Run: ``nox -s bench`` (or ``python benchmarks/bench_arrangement_2d.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _grid_scan import fastest_scan
from _table import best_time, everything, exact_decisions, load_line, peak_memory, print_table

from neuronboundary import NeuronLayer, arrangement_2d

BOX = ((-1.5, 1.5), (-1.5, 1.5))
#: (lines, grid sides): issue 16 compares 300 lines with 512^2 and 1000 lines with 1024^2
CASES = ((100, (512,)), (300, (512, 1024)), (1000, (1024,)))


def main() -> None:
    print(load_line())
    rows, decided = [], []
    probe = None
    for m, grids in CASES:
        layer = NeuronLayer.random(m, 2, seed=0)
        t_exact = best_time(lambda layer=layer: arrangement_2d(layer, BOX), repeat=3)
        n_regions = arrangement_2d(layer, BOX).n_regions
        mem_exact = peak_memory(lambda layer=layer: arrangement_2d(layer, BOX))
        t_all = best_time(lambda layer=layer: everything(arrangement_2d(layer, BOX)), repeat=3)
        filtered, exact = exact_decisions(lambda layer=layer: arrangement_2d(layer, BOX))
        decided.append([m, f"{t_exact:.3f}", f"{t_all:.3f}", f"{filtered:,}", f"{exact:,}"])
        for n in grids:
            scan = fastest_scan(layer, BOX, n)
            mem_scan = peak_memory(scan.run)
            rows.append(
                [
                    m,
                    f"{n}^2",
                    f"{t_exact:.3f}",
                    f"{scan.seconds:.3f}",
                    f"{t_exact / scan.seconds:.2f}x",
                    f"{n_regions:,}",
                    f"{scan.count:,} ({100 * scan.count / n_regions:.1f} %)",
                    f"{mem_exact / 2**20:.0f}",
                    f"{mem_scan / 2**20:.0f}",
                    scan.name,
                ]
            )
            probe = (m, n, scan)
    print_table(
        f"arrangement_2d vs the fastest grid scan, NeuronLayer.random(m, 2, seed=0), box {BOX}; "
        "best of 3 seconds",
        [
            "lines",
            "grid",
            "exact s",
            "scan s",
            "exact/scan",
            "regions",
            "scan finds",
            "exact MiB",
            "scan MiB",
            "fastest scan",
        ],
        rows,
    )
    print_table(
        "the exact construction: combinatorics only, then with vertices, areas and adjacency; "
        "sign decisions by the float filter and by exact integers",
        ["lines", "regions s", "+ geometry s", "filtered", "exact"],
        decided,
    )
    m, n, scan = probe
    print_table(
        f"grid-scan variants, {m} lines, {n // 8} of the {n} rows of the {n}^2 grid (best of 2)",
        ["variant", "seconds", "vs fastest", "patterns"],
        [
            [name, f"{t:.4f}", f"{t / scan.probe_seconds[scan.name]:.1f}x", scan.probe_counts[name]]
            for name, t in sorted(scan.probe_seconds.items(), key=lambda kv: kv[1])
        ],
    )


if __name__ == "__main__":
    main()
