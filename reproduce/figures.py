"""Regenerate the article's figures: run the papermill-parameterized notebooks of the repository's
``notebooks/`` folder, then write every figure as JSON, HTML and PNG in one go (see
:func:`run_figures` and ``python -m reproduce figures``).

Parameters are checked before anything runs: an unknown name (papermill itself only warns) or an
invalid value fails naming the parameter. A notebook that raises stops the run, names the
notebook and the cell, and keeps the executed notebook for inspection; the output folder keeps
its previous figures (everything is staged in a temporary folder and moved in at the end).
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "FIGURES",
    "FigureRunError",
    "ParameterError",
    "RunSummary",
    "check_out_dir",
    "check_parameters",
    "notebooks_dir",
    "run_figures",
]

#: Which notebook (in the notebooks folder) makes each figure. The article's six figures come
#: first, in its order, then the real trained model (one notebook, three figures), then the
#: interactive group slider, deeper networks and the regions of 3-D boxes (beyond the article).
FIGURES: dict[str, str] = {
    "two_neurons": "two_neurons.ipynb",
    "decision_boundary": "decision_boundary.ipynb",
    "decision_boundary_1d": "decision_boundary_1d.ipynb",
    "decision_boundary_1d_input": "decision_boundary_1d_input.ipynb",
    "decision_boundary_2d": "decision_boundary_2d.ipynb",
    "decision_boundary_2d_input": "decision_boundary_2d_input.ipynb",
    "digits_groups_pca": "real_model_digits.ipynb",
    "digits_groups_concept": "real_model_digits.ipynb",
    "digits_similarity": "real_model_digits.ipynb",
    "group_slider": "group_slider.ipynb",
    "deep_guidelines": "deep_network.ipynb",
    "deep_digits_slice": "deep_network.ipynb",
    "deep_random_slice": "deep_network.ipynb",
    "regions_3d_random": "regions_3d.ipynb",
    "regions_3d_digits": "regions_3d.ipynb",
}

#: Set by the runner, never by the user (use --out).
RESERVED = ("output_dir",)


class ParameterError(ValueError):
    """A notebook parameter that does not exist or has an invalid value."""


class FigureRunError(RuntimeError):
    """A notebook failed while running."""


# ---------------------------------------------------------------------------- value rules
def _number(name: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ParameterError(f"parameter {name} must be a finite number; got {v!r}.")
    try:
        value = float(v)
    except OverflowError:  # an integer beyond float64
        raise ParameterError(
            f"parameter {name} must be a finite number; got an integer of {len(str(abs(v)))} "
            f"digits, beyond float64's 1.8e308."
        ) from None
    if not math.isfinite(value):
        raise ParameterError(f"parameter {name} must be a finite number; got {v!r}.")
    return value


def _integer(low: int, high: int | None = None) -> Callable[[str, Any], None]:
    def check(name: str, v: Any) -> None:
        if (
            isinstance(v, bool)
            or not isinstance(v, int)
            or v < low
            or (high is not None and v > high)
        ):
            bound = f"an integer >= {low}" + (f" and <= {high}" if high is not None else "")
            raise ParameterError(f"parameter {name} must be {bound}; got {v!r}.")

    return check


def _numbers(min_len: int = 0, max_len: int | None = None) -> Callable[[str, Any], None]:
    def check(name: str, v: Any) -> None:
        if (
            not isinstance(v, (list, tuple))
            or len(v) < min_len
            or (max_len is not None and len(v) > max_len)
        ):
            size = f"{min_len} to {max_len}" if max_len is not None else f"at least {min_len}"
            raise ParameterError(f"parameter {name} must be a list of {size} numbers; got {v!r}.")
        for x in v:
            _number(name, x)

    return check


def _interval(name: str, v: Any) -> None:
    if not isinstance(v, (list, tuple)) or len(v) != 2:
        raise ParameterError(f"parameter {name} must be a pair [lo, hi]; got {v!r}.")
    lo, hi = (_number(name, x) for x in v)
    if not lo < hi:
        raise ParameterError(f"parameter {name} must have lo < hi; got {v!r}.")


def _box_of(dim: int) -> Callable[[str, Any], None]:
    spec = ", ".join(f"[x{i + 1}_lo, x{i + 1}_hi]" for i in range(dim))

    def check(name: str, v: Any) -> None:
        if not isinstance(v, (list, tuple)) or len(v) != dim:
            raise ParameterError(f"parameter {name} must be [{spec}]; got {v!r}.")
        for axis in v:
            _interval(name, axis)

    return check


_box = _box_of(2)


def _scale(name: str, v: Any) -> None:
    if not 0.0 < _number(name, v) <= 1.0:
        raise ParameterError(f"parameter {name} must be a number in (0, 1]; got {v!r}.")


def _regions(name: str, v: Any) -> None:
    if not isinstance(v, dict) or not all(isinstance(k, str) and k for k in v):
        raise ParameterError(
            f"parameter {name} must be a dict of region name -> [lo, hi] (1-D) or "
            f"[[x1_lo, x1_hi], [x2_lo, x2_hi]] (2-D); got {v!r}."
        )
    for key, rect in v.items():
        if isinstance(rect, (list, tuple)) and rect and isinstance(rect[0], (list, tuple)):
            _box(f"{name}[{key!r}]", rect)
        else:
            _interval(f"{name}[{key!r}]", rect)


def _unit_number(name: str, v: Any) -> None:
    if not 0.0 <= _number(name, v) <= 1.0:
        raise ParameterError(f"parameter {name} must be a number in [0, 1]; got {v!r}.")


def _optional_number(name: str, v: Any) -> None:
    if v is not None:
        _number(name, v)


#: Every notebook parameter and the rule its value must follow.
RULES: dict[str, Callable[[str, Any], None]] = {
    "seed": _integer(0, 2**63 - 1),
    "seed_2d": _integer(0, 2**63 - 1),
    "n_neurons": _integer(1, 100_000),
    "inputs": _numbers(0, 4),
    "weights_1d": _numbers(1, 8),
    "biases_1d": _numbers(1, 8),
    "x_range": _interval,
    "y_range": _interval,
    "view_x": _interval,
    "view_y": _interval,
    "box": _box,
    "box_3d": _box_of(3),
    "digits_scale": _scale,
    "regions": _regions,
    "valid_from": _optional_number,
    "quantile": _unit_number,
    "concept_positive": _integer(0, 9),
    "concept_negative": _integer(0, 9),
}


# ---------------------------------------------------------------------------- notebooks
#: The repository's notebooks folder, beside this package.
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def notebooks_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding the figure notebooks: ``path`` if given, else :data:`NOTEBOOKS`.

    Raises ``FileNotFoundError`` naming the folder when it lacks a figure notebook.

    Examples
    --------
    >>> notebooks_dir().name
    'notebooks'
    """
    folder = NOTEBOOKS if path is None else Path(path)
    missing = [nb for nb in dict.fromkeys(FIGURES.values()) if not (folder / nb).is_file()]
    if missing:
        raise FileNotFoundError(
            f"figure notebooks {', '.join(missing)} not found in {folder}; pass --notebooks DIR "
            f"(the repository's notebooks/ folder)."
        )
    return folder


def declared_parameters(notebook: Path) -> dict[str, Any]:
    """Parameters a notebook declares in its ``parameters`` cell, with their default values."""
    import ast

    import papermill

    info = papermill.inspect_notebook(str(notebook))
    return {name: ast.literal_eval(p["default"]) for name, p in info.items()}


def notebooks_for(selected: Sequence[str]) -> list[str]:
    """The notebooks that make the selected figures, each once, in registry order."""
    return list(dict.fromkeys(FIGURES[name] for name in selected))


def check_parameters(
    selected: Sequence[str], parameters: Mapping[str, Any], nb_dir: Path
) -> dict[str, dict[str, Any]]:
    """Validate names and values; return the parameters to pass to each notebook to run
    (keyed by notebook file name).

    Raises :class:`ParameterError` naming the parameter (unknown, reserved or invalid).
    """
    declared = {nb: declared_parameters(nb_dir / nb) for nb in notebooks_for(selected)}
    known = sorted({p for params in declared.values() for p in params} - set(RESERVED))
    for name, value in parameters.items():
        if name in RESERVED:
            raise ParameterError(
                f"parameter {name} is set by the runner; choose the folder with --out."
            )
        if name not in known:
            raise ParameterError(
                f"unknown parameter {name!r} for figure(s) {', '.join(selected)}; "
                f"known parameters: {', '.join(known)}."
            )
        rule = RULES.get(name)
        if rule is None:  # a notebook parameter without a rule is a bug of ours, not the user's
            raise ParameterError(f"parameter {name} has no validation rule; add one to RULES.")
        rule(name, value)
    for nb, params in declared.items():
        _consistent(nb, {**params, **{k: v for k, v in parameters.items() if k in params}})
    return {
        nb: {k: v for k, v in parameters.items() if k in params} for nb, params in declared.items()
    }


def _consistent(notebook: str, p: Mapping[str, Any]) -> None:
    """Checks between one notebook's parameters (given ones over its defaults), so that a run
    fails here, naming the parameters, rather than in a notebook cell."""
    if "weights_1d" in p and "biases_1d" in p and len(p["weights_1d"]) != len(p["biases_1d"]):
        raise ParameterError(
            f"parameters weights_1d and biases_1d must have the same length, one weight and one "
            f"bias per neuron ({notebook}); got {len(p['weights_1d'])} and "
            f"{len(p['biases_1d'])}."
        )
    if p.get("concept_positive") is not None and p.get("concept_positive") == p.get(
        "concept_negative"
    ):
        raise ParameterError(
            f"parameters concept_positive and concept_negative must be two different digits "
            f"({notebook}); both are {p['concept_positive']}."
        )
    regions = p.get("regions")
    if not regions:
        return
    two_d = "box" in p
    window = p["box"] if two_d else p.get("x_range")
    for key, rect in regions.items():
        boxed = isinstance(rect[0], (list, tuple))
        if boxed != two_d:
            want = "[[x1_lo, x1_hi], [x2_lo, x2_hi]]" if two_d else "[lo, hi]"
            raise ParameterError(
                f"parameter regions[{key!r}] must be {want}: {notebook} draws a "
                f"{'2-D' if two_d else '1-D'} input; got {rect!r}."
            )
        axes = list(zip(rect, window, strict=True)) if two_d else [(rect, window)]
        for (lo, hi), (wlo, whi) in axes:
            if window is not None and not (wlo <= lo and hi <= whi):
                raise ParameterError(
                    f"parameter regions[{key!r}] = {rect!r} must lie inside "
                    f"{'box' if two_d else 'x_range'} = {window!r} ({notebook}); widen it or "
                    f"move the region."
                )


# ---------------------------------------------------------------------------- running
@dataclass
class RunSummary:
    """What a run wrote, where, and how long each step took (seconds).

    ``wall_seconds`` is the whole run as a clock on the wall sees it; ``notebook_seconds`` are
    each notebook's own times, which overlap (``jobs`` run at once), so their sum can exceed
    ``notebooks_wall_seconds``, the wall time of the notebook stage.

    Examples
    --------
    >>> s = RunSummary(Path("out"), notebook_seconds={"a.ipynb": 6.0, "b.ipynb": 5.0},
    ...                notebooks_wall_seconds=6.5, export_seconds=2.0, wall_seconds=9.0, jobs=2)
    >>> print(s.table().splitlines()[-1])
    wall time 9.0 s: notebooks 6.5 s (2 notebooks, 2 at a time, 11.0 s summed over notebooks), export (JSON + HTML + PNG) 2.0 s
    >>> s.png = False  # --no-png: no PNG was written, and the line says so
    >>> print(s.table().splitlines()[-1].split("), ")[-1])
    export (JSON + HTML, no PNG) 2.0 s
    """

    out_dir: Path
    files: dict[str, list[Path]] = field(default_factory=dict)
    notebook_seconds: dict[str, float] = field(default_factory=dict)  # by notebook file
    notebooks_wall_seconds: float = 0.0
    export_seconds: float = 0.0
    wall_seconds: float = 0.0
    jobs: int = 1
    png: bool = True  # whether the export wrote PNGs

    def table(self) -> str:
        """A plain-text summary, one line per figure, then the times."""
        lines = [f"figures written to {self.out_dir}:"]
        for name, paths in self.files.items():
            sizes = ", ".join(f"{p.name} ({p.stat().st_size / 1024:.0f} kB)" for p in sorted(paths))
            lines.append(f"  {name:<28} {sizes}")
        n = len(self.notebook_seconds)
        lines.append(
            f"wall time {self.wall_seconds:.1f} s: notebooks {self.notebooks_wall_seconds:.1f} s "
            f"({n} notebook{'s' if n != 1 else ''}, {self.jobs} at a time, "
            f"{sum(self.notebook_seconds.values()):.1f} s summed over notebooks), "
            f"export ({'JSON + HTML + PNG' if self.png else 'JSON + HTML, no PNG'}) "
            f"{self.export_seconds:.1f} s"
        )
        return "\n".join(lines)


def check_out_dir(out_dir: str | os.PathLike[str]) -> Path:
    """Check that the figures' output folder can be made and written; return its absolute path.

    Called by :func:`run_figures` before any notebook runs, so a bad ``--out`` costs nothing.

    Raises
    ------
    ParameterError
        naming ``out_dir`` (``--out``) when it is a file, lies under a file, or cannot be
        written (permissions, read-only file system)

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     check_out_dir(Path(d) / "figs").name
    'figs'
    """
    given = os.fspath(out_dir)
    out = Path(given).expanduser().absolute()
    where = f"out_dir (--out) {given!r}"
    if out.exists() and not out.is_dir():
        raise ParameterError(
            f"{where} is an existing file, not a folder; choose a folder path (it is created "
            f"if missing), e.g. --out build/figures."
        )
    existing = out
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ParameterError(
            f"{where} lies under {str(existing)!r}, which is a file, so no folder can be made "
            f"there; choose a folder path outside it, e.g. --out build/figures."
        )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)  # the run stages its files beside out
        for folder in (out.parent, out) if out.is_dir() else (out.parent,):
            tempfile.TemporaryDirectory(prefix=".nb-write-check-", dir=folder).cleanup()
    except OSError as err:
        raise ParameterError(
            f"{where} cannot be written ({err.strerror or err}: {err.filename or out}); choose "
            f"a folder you can write to, e.g. --out build/figures."
        ) from None
    return out


#: Unix socket paths are limited to 107 bytes; leave room for the "-<port>" suffix.
_MAX_SOCKET_PATH = 90


def _kernel_manager_class(socket_dir: Path) -> type | None:
    """Jupyter's kernel manager talking to the kernel over IPC sockets in ``socket_dir`` (one
    per notebook) instead of TCP: nothing listens on the network, and ipykernel does not warn.
    ``None`` (plain TCP) when the folder's path is too long for a Unix socket."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    if len(str(socket_dir / "kernel")) > _MAX_SOCKET_PATH:
        return None

    class IPCKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        @default("ip")
        def _default_ip(self) -> str:
            return str(socket_dir / "kernel")

    return IPCKernelManager


def _execute(notebook: Path, params: dict[str, Any], stage: Path, failed_dir: Path) -> float:
    import papermill

    executed = stage / "executed" / notebook.name
    executed.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    # each kernel's sockets in a short private folder: two kernels must not meet, and a socket
    # path must stay under 107 bytes (the run's own folder may be deep)
    sockets = Path(tempfile.mkdtemp(prefix="nbk-"))
    manager = _kernel_manager_class(sockets)
    try:
        papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters={**params, "output_dir": str(stage / "json")},
            kernel_name="python3",
            progress_bar=False,
            # the kernel application's own log (not the cells') sometimes reports the SIGINT
            # of a normal shutdown as an error; cell errors still arrive as messages and fail
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            # no cwd=: papermill would chdir the whole process, which races between threads
            **({"kernel_manager_class": manager} if manager else {}),
        )
    except papermill.PapermillExecutionError as err:
        failed_dir.mkdir(parents=True, exist_ok=True)
        kept = failed_dir / notebook.name
        shutil.copyfile(executed, kept)
        raise FigureRunError(
            f"notebook {notebook.name} failed in cell {err.cell_index} (execution count "
            f"{err.exec_count}): {err.ename}: {err.evalue}\nThe executed notebook with the error "
            f"is kept at {kept}; no figure was written."
        ) from None
    finally:
        # nbclient runs on the event loop that jupyter_core keeps for this thread and never
        # closes; in a worker thread that loop (and its sockets) would leak: close it here
        from jupyter_core.utils import ensure_event_loop

        ensure_event_loop().close()
        shutil.rmtree(sockets, ignore_errors=True)
    made = [f for f, nb in FIGURES.items() if nb == notebook.name]
    missing = [f for f in made if not (stage / "json" / f"{f}.json").is_file()]
    if missing:
        raise FigureRunError(
            f"notebook {notebook.name} ran but did not save {', '.join(missing)} (JSON)."
        )
    return time.perf_counter() - start


def run_figures(
    out_dir: str | os.PathLike[str] = "build/figures",
    only: Iterable[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    *,
    notebooks: str | os.PathLike[str] | None = None,
    png: bool = True,
    progress: bool = True,
    jobs: int | None = None,
) -> RunSummary:
    """Run the figure notebooks and write ``NAME.json``, ``NAME.html`` and ``NAME.png`` for each.

    Parameters
    ----------
    out_dir : folder for the figures (created; existing figures are replaced only when the whole
        set succeeded)
    only : figure names to regenerate (default: all of :data:`FIGURES`)
    parameters : ``{name: value}`` passed to every selected notebook that declares ``name``
    notebooks : folder of the notebooks (default: see :func:`notebooks_dir`)
    png : also write PNGs (needs Chrome/Chromium)
    progress : show a progress bar
    jobs : notebooks run at once (default: 2, or 1 on a single core); each is mostly a kernel
        start and imports, so two at a time nearly halves the wall time on 2 cores

    Returns
    -------
    RunSummary
    """
    from tqdm.auto import tqdm

    from neuronboundary.export import load_figure, write_figure_set

    t0 = time.perf_counter()
    selected = list(only) if only else list(FIGURES)
    unknown = [n for n in selected if n not in FIGURES]
    if unknown:
        raise ParameterError(f"unknown figure(s) {unknown}; choose from: {', '.join(FIGURES)}.")
    out = check_out_dir(out_dir).resolve()
    nb_dir = notebooks_dir(notebooks)
    per_notebook = check_parameters(selected, dict(parameters or {}), nb_dir)
    workers = jobs or min(2, os.cpu_count() or 1)
    summary = RunSummary(out_dir=out, jobs=min(workers, len(per_notebook)), png=png)
    with tempfile.TemporaryDirectory(prefix=f".{out.name}-run-", dir=out.parent) as tmp:
        stage = Path(tmp)
        t_notebooks = time.perf_counter()
        with (
            tqdm(
                total=len(per_notebook), desc="figure notebooks", unit="nb", disable=not progress
            ) as bar,
            ThreadPoolExecutor(max_workers=workers) as pool,
        ):
            futures = {
                pool.submit(_execute, nb_dir / nb, params, stage, out / "failed"): nb
                for nb, params in per_notebook.items()
            }
            try:
                for future in as_completed(futures):
                    summary.notebook_seconds[futures[future]] = future.result()
                    bar.set_postfix_str(futures[future])
                    bar.update()
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
        summary.notebooks_wall_seconds = time.perf_counter() - t_notebooks
        figures = {name: load_figure(stage / "json" / f"{name}.json") for name in selected}
        t_export = time.perf_counter()
        try:
            files = write_figure_set(figures, out, png=png)
            summary.files = {name: files[name] for name in selected}  # in the article's order
        finally:
            summary.export_seconds = time.perf_counter() - t_export
    failed = out / "failed"
    for nb in per_notebook:  # a success clears an earlier failure's leftovers
        (failed / nb).unlink(missing_ok=True)
    if failed.is_dir() and not any(failed.iterdir()):
        failed.rmdir()
    summary.wall_seconds = time.perf_counter() - t0
    return summary
