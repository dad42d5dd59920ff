"""Full regeneration of every figure through `python -m reproduce figures`: wall time, and how
much of it is the notebooks and how much the HTML + PNG export (one kaleido session for all PNGs).

Run: ``nox -s bench`` (or ``python benchmarks/bench_figures.py``); needs Chromium for PNGs.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))  # the repository's reproduce/ package
from _table import print_table

from reproduce.figures import FIGURES, run_figures


def main() -> None:
    rows = []
    article = [n for n in FIGURES if not n.startswith("digits_")]
    for label, names in (
        ("the article's 6 figures", article),
        (f"all {len(FIGURES)} figures", list(FIGURES)),
    ):
        with tempfile.TemporaryDirectory() as out:
            s = run_figures(out, names, progress=False)
        rows.append(
            [
                label,
                len(s.notebook_seconds),
                f"{s.wall_seconds:.1f}",
                f"{s.notebooks_wall_seconds:.1f}",
                f"{sum(s.notebook_seconds.values()):.1f}",
                f"{s.export_seconds:.1f}",
                f"{100 * s.export_seconds / s.wall_seconds:.0f} %",
            ]
        )
    print_table(
        "figure regeneration (notebooks two at a time, then HTML + PNG; goal: article under 20 s)",
        [
            "set",
            "notebooks",
            "wall s",
            "notebooks wall s",
            "notebooks summed s",
            "export s",
            "export share",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
