"""Command line of the reproduction: ``python -m reproduce figures [--out DIR] [--only NAME ...]
[-p NAME VALUE ...] [--no-png]`` and ``python -m reproduce regression [--update]``, run from the
repository root."""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Sequence
from typing import Any


def _value(text: str) -> Any:
    """A parameter value: a Python literal (``3``, ``[0.3, 0.7]``, ``{"R": [0, 1]}``) or a string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def build_parser() -> argparse.ArgumentParser:
    from reproduce.figures import FIGURES

    parser = argparse.ArgumentParser(
        prog="python -m reproduce",
        description="Reproduce the article's figures and check them against the baselines.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    fig = sub.add_parser(
        "figures",
        help="regenerate the article's figures (HTML, PNG, JSON)",
        description="Run the figure notebooks through papermill and write NAME.html, NAME.png and "
        "NAME.json for each figure. Figures: " + ", ".join(FIGURES) + ".",
    )
    fig.add_argument(
        "--out", default="build/figures", help="output folder (default: build/figures)"
    )
    fig.add_argument(
        "--only", nargs="+", metavar="NAME", choices=list(FIGURES), help="figures to make"
    )
    fig.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set a notebook parameter, e.g. -p seed 3 -p inputs '[0.3, 0.7]' (repeatable)",
    )
    fig.add_argument("--notebooks", help="folder of the figure notebooks (default: notebooks/)")
    fig.add_argument("--no-png", action="store_true", help="skip PNG export (no browser needed)")
    fig.add_argument("--quiet", action="store_true", help="no progress bar")

    reg = sub.add_parser(
        "regression",
        help="regenerate every figure and compare it with the committed baselines",
        description="Regenerate the figures (same path as `figures`) and compare their data and "
        "PNGs with the baselines. A missing baseline fails; --update rewrites them (explicitly only).",
    )
    reg.add_argument(
        "--baselines", default="tests/baselines", help="baseline folder (default: tests/baselines)"
    )
    reg.add_argument("--out", default="build/regression", help="where figures and diff images go")
    reg.add_argument(
        "--only", nargs="+", metavar="NAME", choices=list(FIGURES), help="figures to check"
    )
    reg.add_argument("--notebooks", help="folder of the figure notebooks (default: notebooks/)")
    reg.add_argument("--update", action="store_true", help="rewrite the baselines from this run")
    return parser


def _regression(args: argparse.Namespace) -> int:
    from pathlib import Path

    from reproduce import regression
    from reproduce.figures import FIGURES, run_figures

    names = args.only or list(FIGURES)
    out = Path(args.out)
    figures = out / "figures"
    run_figures(figures, names, notebooks=args.notebooks, png=True, progress=False)
    baselines = Path(args.baselines)
    if args.update:
        written = regression.update(figures, baselines, names)
        print(
            f"baselines rewritten: {len(written)} files in {baselines} (versions.json records the environment)"
        )
        return 0
    report, recorded, now = regression.check(figures, baselines, names, out / "diff")
    print(report.text(recorded, now))
    return 0 if report.ok else 1


def _figures(args: argparse.Namespace) -> int:
    from reproduce.figures import ParameterError, run_figures

    params: dict[str, Any] = {}
    for name, text in args.parameter:
        if name in params:
            raise ParameterError(f"parameter {name} given twice")
        params[name] = _value(text)
    summary = run_figures(
        args.out,
        args.only,
        params,
        notebooks=args.notebooks,
        png=not args.no_png,
        progress=not args.quiet,
    )
    print(summary.table())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m reproduce``; returns the exit status (2: a bad argument)."""
    from neuronboundary.export import BrowserNotFoundError
    from reproduce.figures import FigureRunError, ParameterError

    args = build_parser().parse_args(argv)
    try:
        return _regression(args) if args.command == "regression" else _figures(args)
    except ParameterError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (FigureRunError, FileNotFoundError, BrowserNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
