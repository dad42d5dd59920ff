"""Sphinx configuration of the neuronboundary docs (built by `nox -s docs`)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import plotly

import neuronboundary

DOCS = Path(__file__).parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # for tests.bad_inputs (the catalogue rendered in reproduce.md)

project = "neuronboundary"
author = "neuronboundary developers"
copyright = "2026, neuronboundary developers"
release = version = neuronboundary.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
]  # no mathjax: the site has no formulas, and the site must not load scripts from a CDN
exclude_patterns = [
    "_build",
    "jupyter_execute",
    "**.ipynb_checkpoints",
    "_generated_*.md",
]  # included, not pages
nitpicky = True
nitpick_ignore_regex = [
    # third-party types named in signatures and docstrings
    (r"py:class", r"(numpy|np|torch|plotly|go|pathlib|os|collections\.abc|typing|concurrent)\..*"),
    (
        r"py:class",
        r"Any|Path|Figure|Tensor|optional|array-like|callable|ndarray|int8|int64|float64",
    ),
]

# --- MyST and notebook execution --------------------------------------------------------
myst_enable_extensions = ["colon_fence"]
nb_execution_mode = "cache"  # re-execute only notebooks whose code changed
nb_execution_cache_path = str(ROOT / "build" / "docs" / "jupyter_cache")
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_in_temp = True  # figure JSON written by notebooks stays out of the source tree
nb_merge_streams = True
nb_execution_excludepatterns: list[str] = []

# --- HTML: offline, one plotly.js served by the site itself -----------------------------
html_theme = "alabaster"
html_title = "neuronboundary"
html_static_path = ["_static"]
html_js_files = ["plotly.min.js"]  # every page's figures draw with this one local copy
html_theme_options = {
    "font_family": "DejaVu Sans, Arial, sans-serif",
    "head_font_family": "DejaVu Sans, Arial, sans-serif",
    "page_width": "1280px",  # room for the figures
    "sidebar_width": "230px",
}
html_show_sourcelink = False

autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
autodoc_typehints = "description"
napoleon_numpy_docstring = True
# numpydoc "types" here are shapes and plain words ("array-like, shape (m, d)"): render them as
# text instead of cross-references; real references use explicit roles (:func:, :class:)
napoleon_use_param = False
napoleon_use_rtype = False
napoleon_use_ivar = True  # dataclass attributes documented once, not twice


def _invalidate_cache_on_library_change() -> None:
    """The execution cache keys on each notebook's code only; outputs also depend on the
    library (figures, renderer), so a change in the package's source empties the cache."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((ROOT / "neuronboundary").rglob("*.py")):
        digest.update(path.read_bytes())
    cache = Path(nb_execution_cache_path)
    stamp = cache.parent / "library.sha256"
    if not stamp.exists() or stamp.read_text() != digest.hexdigest():
        shutil.rmtree(cache, ignore_errors=True)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(digest.hexdigest())


def _prepare(app: object) -> None:
    """Copy plotly.js and the figure notebooks into the source tree (both git-ignored)."""
    _invalidate_cache_on_library_change()
    shutil.copyfile(
        Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
        DOCS / "_static" / "plotly.min.js",
    )
    target = DOCS / "notebooks"
    target.mkdir(exist_ok=True)
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        dest = target / nb.name
        if not dest.exists() or dest.read_bytes() != nb.read_bytes():  # keep the cache valid
            shutil.copyfile(nb, dest)
    _write_bad_inputs(DOCS / "_generated_bad_inputs.md")
    _write_parameters(DOCS / "_generated_parameters.md")


def _write_if_changed(path: Path, content: str) -> None:
    if not path.exists() or path.read_text() != content:
        path.write_text(content)


def _write_parameters(path: Path) -> None:
    from neuronboundary.figures import FIGURES, RESERVED, declared_parameters, notebooks_dir

    lines = ["| notebook | figures | parameter | default |", "|---|---|---|---|"]
    nb_dir = notebooks_dir()
    for nb in dict.fromkeys(FIGURES.values()):
        figs = ", ".join(f for f, n in FIGURES.items() if n == nb)
        for name, default in declared_parameters(nb_dir / nb).items():
            if name not in RESERVED:
                lines.append(f"| `{nb}` | {figs} | `{name}` | `{default!r}` |")
    _write_if_changed(path, "\n".join(lines) + "\n")


def _write_bad_inputs(path: Path) -> None:
    from tests.bad_inputs import CASES, message

    lines = ["| area | bad input | error | message |", "|---|---|---|---|"]
    for case in CASES:
        text = message(case).replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {case.area} | {case.what} | `{case.error.__name__}` | {text} |")
    _write_if_changed(path, "\n".join(lines) + "\n")


def setup(app: object) -> None:
    app.connect("builder-inited", _prepare)
