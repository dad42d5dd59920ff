"""Developer tasks: ``nox -l`` lists them, ``nox -s NAME -- ARGS`` passes ARGS on.

Every install goes through ``constraints.txt`` so that each virtual environment gets
exactly ``torch==2.13.0`` (the CPU wheel that lies on disk here) and never the
several-GB CUDA build that a bare ``torch`` request would pull. The figure sessions run the
repository's reproduction, ``python -m reproduce`` (reproduce/, beside the library).
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

import nox
import nox.command

sys.path.insert(0, str(Path(__file__).parent))
from reproduce import browser_setup

nox.needs_version = ">=2024.4.15"
nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
CONSTRAINTS = ("-c", str(ROOT / "constraints.txt"))


def install(session: nox.Session, *groups: str) -> None:
    """Install the package with its ``figures`` extra and the dependency groups, under the
    constraints file."""
    requirements = [
        req for group in groups for req in nox.project.dependency_groups(PYPROJECT, group)
    ]
    session.install(*CONSTRAINTS, ".[figures]", *requirements)


def ensure_browser(session: nox.Session, *, required: bool = True) -> None:
    """Find Chrome/Chromium (BROWSER_PATH, PATH, the usual install folders) for PNG export and
    the docs-site test; when there is none and this is Linux run as root with apt-get (a fresh
    Debian machine, CI), install Debian's `chromium`; otherwise stop with how to install one.
    The browser found is passed on to the session's commands as BROWSER_PATH. Not
    ``required``: warn and go on without one (the tests that need it then skip)."""

    def run(command):
        session.run(*command, external=True, env={"DEBIAN_FRONTEND": "noninteractive"})

    try:
        path = browser_setup.ensure_browser(browser_setup.System.current(), run, session.log)
    except RuntimeError as err:
        if required:
            session.error(str(err))
        session.warn(f"{err}\nGoing on without a browser: PNG tests are skipped.")
        return
    session.log(f"browser: {path}")
    session.env["BROWSER_PATH"] = path


@nox.session(default=True)
def tests(session: nox.Session) -> None:
    """Run the unit, property and notebook tests (pytest; arguments are passed on)."""
    ensure_browser(session, required=False)
    install(session, "test")
    session.run("pytest", *session.posargs)


@nox.session(default=True, reuse_venv=True)
def lint(session: nox.Session) -> None:
    """Lint and check formatting with ruff."""
    session.install(*CONSTRAINTS, "ruff")
    session.run("ruff", "check", ".", *session.posargs)
    session.run("ruff", "format", "--check", ".")


@nox.session(default=True)
def docs(session: nox.Session) -> None:
    """Build the docs site into build/docs/html (warnings and broken references are errors,
    notebooks executed with a cache, gallery PNGs from build/figures, refreshed when stale),
    then open every page with Playwright in the system Chromium at 1280 and 390 px (navigation,
    figures drawn, no console error, no network, links resolve, no overflow). Arguments go to
    sphinx-build; NEURONBOUNDARY_SCREENSHOTS=DIR saves screenshots."""
    ensure_browser(session)
    install(session, "docs", "test")
    # Execute the notebooks into the jupyter cache first (a dummy build writes nothing): a page
    # whose notebook is executed during the HTML build gets no code links from codeautolink,
    # one read from the cache does.
    session.run("sphinx-build", "-q", "-b", "dummy", "docs", "build/docs/executed")
    session.run(
        "sphinx-build",
        "-n",
        "-W",
        "--keep-going",
        "-b",
        "html",
        "docs",
        "build/docs/html",
        *session.posargs,
    )
    session.run("pytest", "-m", "docs", "tests/test_docs_site.py")


#: Tests whose floats come from BLAS, oneDNN or ATen kernels (activations of real models, the
#: PCA, networks read from torch modules, forward passes) and the doctests: what could depend on
#: the CPU. About 20 s a setting.
PORTABLE_TESTS = (
    "tests/test_activations_similarity.py",
    "tests/test_activations_any_module.py",
    "tests/test_thread_independence.py",
    "tests/test_layer.py",
    "tests/test_network.py",
    "tests/test_network_slices.py",
    "tests/test_torch_blocks.py",
    "tests/test_regions.py",
    "tests/test_pretrained.py",
    "tests/test_slicing.py",
    "tests/test_sweep_interval.py",
    "tests/test_ordinary_inputs.py",
    "neuronboundary",  # the doctests
)


def kernel_paths() -> list[tuple[str, dict[str, str]]]:
    """Settings that send this machine's floats through other kernels: MKL's conditional
    numerical reproducibility branches (torch's BLAS), 1 and 3 threads for torch, MKL and
    OpenBLAS (numpy's BLAS), ATen's and oneDNN's plainest vector code, OpenBLAS's oldest x86
    kernel."""
    paths = [
        ("MKL_CBWR=COMPATIBLE", {"MKL_CBWR": "COMPATIBLE"}),
        ("MKL_CBWR=AVX2", {"MKL_CBWR": "AVX2"}),
        ("MKL_CBWR=AUTO", {"MKL_CBWR": "AUTO"}),
    ]
    for n in ("1", "3"):
        threads = {"OMP_NUM_THREADS": n, "MKL_NUM_THREADS": n, "OPENBLAS_NUM_THREADS": n}
        paths.append((f"{n} thread(s)", threads))
    paths.append(
        (
            "ATEN_CPU_CAPABILITY=default",
            {"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "SSE41"},
        )
    )
    if platform.machine().lower() in ("x86_64", "amd64"):
        paths.append(("OPENBLAS_CORETYPE=Prescott", {"OPENBLAS_CORETYPE": "Prescott"}))
    return paths


@nox.session(default=False)
def portability(session: nox.Session) -> None:
    """Run the float-touching tests under the other kernel paths this machine offers (see
    kernel_paths): a test that holds only on the CPU that wrote it fails here. Arguments replace
    the test selection. Runs every setting, then fails naming the ones that failed."""
    install(session, "test")
    tests = session.posargs or PORTABLE_TESTS
    failed = []
    for name, env in kernel_paths():
        session.log(f"portability: {name}")
        try:
            session.run("pytest", "-q", "-p", "no:cacheprovider", *tests, env=env)
        except nox.command.CommandFailed:
            failed.append(name)
    if failed:
        session.error(
            f"the float-touching tests fail under {'; '.join(failed)}: some test depends on "
            f"the CPU's kernels (compare such floats within a stated bound, see "
            f"tests/test_activations_similarity.py)."
        )
    session.log(f"portability: all {len(kernel_paths())} settings pass")


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Run the benchmarks in benchmarks/ and print their tables (not timed tests), ours side by
    side with the peers' methods. Relucent 1.0.0 (AGPL; its gurobipy wheel carries Gurobi's
    size-limited licence) is installed only with NEURONBOUNDARY_BENCH_RELUCENT=1 (dependency
    group bench-relucent) and removed otherwise; without it bench_relucent.py prints
    "Relucent not installed". Arguments: the scripts to run (default: all)."""
    install(session)
    if os.environ.get("NEURONBOUNDARY_BENCH_RELUCENT") == "1":
        peers = nox.project.dependency_groups(PYPROJECT, "bench-relucent")
        session.install(*CONSTRAINTS, *peers)
    else:
        session.run("python", "-m", "pip", "uninstall", "-q", "-y", "relucent", "gurobipy")
    scripts = session.posargs or sorted(str(p) for p in (ROOT / "benchmarks").glob("bench_*.py"))
    for script in scripts:
        session.run("python", script)


@nox.session(default=True)
def regression(session: nox.Session) -> None:
    """Regenerate every figure and compare data and PNGs with tests/baselines (fails on any
    difference or missing baseline; prints the versions that produced the baselines)."""
    ensure_browser(session)
    install(session, "regression")
    session.run("python", "-m", "reproduce", "regression", *session.posargs)


@nox.session(default=False)
def regenerate(session: nox.Session) -> None:
    """Rewrite tests/baselines from a fresh run: the only way baselines change."""
    ensure_browser(session)
    install(session, "regression")
    session.run("python", "-m", "reproduce", "regression", "--update", *session.posargs)


@nox.session(default=False)
def figures(session: nox.Session) -> None:
    """Regenerate every figure of the article into build/figures (HTML, PNG, JSON).

    Arguments go to `python -m reproduce figures`, e.g. `nox -s figures -- --only
    decision_boundary -p seed 4`. PNGs need Chrome/Chromium: found or, on Debian as root,
    installed by `ensure_browser` (skipped with `-- --no-png`).
    """
    if "--no-png" not in session.posargs:
        ensure_browser(session)
    install(session)
    session.run("python", "-m", "reproduce", "figures", *session.posargs)
