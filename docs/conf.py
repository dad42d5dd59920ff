"""Sphinx configuration of the neuronboundary docs (built by `nox -s docs`).

The site is fully offline: pydata-sphinx-theme bundles its CSS, JS and icon fonts, the pages'
figures draw with one local plotly.min.js, and no extension that loads from a CDN is enabled
(no MathJax: the site has no formulas).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

import plotly

DOCS = Path(__file__).parent
ROOT = DOCS.parent
BUILD = ROOT / "build" / "docs"
sys.path.insert(0, str(ROOT))  # for reproduce (the runner) and tests.bad_inputs (reproduce.md)
(BUILD / "extra").mkdir(parents=True, exist_ok=True)  # html_extra_path, filled by _prepare

import neuronboundary

project = "neuronboundary"
author = "neuronboundary developers"
copyright = "2026, neuronboundary developers"
release = version = neuronboundary.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_copybutton",
    "sphinx_codeautolink",  # names in code cells (notebooks included) link to the API pages
]
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "jupyter_execute",
    "**.ipynb_checkpoints",
    "_generated_*.md",  # included, not pages
]
nitpicky = True
nitpick_ignore_regex = [
    # third-party types named in signatures and docstrings (no intersphinx: the build is offline)
    (
        r"py:(class|obj|data)",
        r"(numpy|np|torch|plotly|go|pathlib|os|collections\.abc|typing|concurrent|dataclasses)\..*",
    ),
    (r"py:(class|obj)", r"Path|Figure|Tensor|ndarray|Callable|Iterable|Mapping|Sequence"),
    (r"py:(class|obj)", r"(fractions\.)?Fraction"),
    # tuple methods that autosummary lists for the NamedTuples DigitsData, Neighbor and Skip
    (r"py:obj", r"neuronboundary\.(pretrained\.DigitsData|Neighbor|Skip)\.(count|index)"),
    # private types in signatures (a result's internal fields): not part of the API
    (r"py:class", r"neuronboundary\._\w+\..*"),
]

# --- MyST and notebook execution --------------------------------------------------------
myst_enable_extensions = ["colon_fence"]
nb_execution_mode = "cache"  # re-execute only notebooks whose code changed
nb_execution_cache_path = str(BUILD / "jupyter_cache")
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_in_temp = True  # figure JSON written by notebooks stays out of the source tree
nb_merge_streams = True
nb_execution_excludepatterns: list[str] = []

# --- API reference: one page per object, a summary table per module ---------------------
autosummary_generate = ["_generated_api.md"]  # the tables are written by _write_api below
autosummary_imported_members = True
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "signature"  # types in the signature; the docstring says shapes
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
numpydoc_show_class_members = True
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False  # numpydoc "types" here are shapes and words, kept as text
numpydoc_use_plots = False
codeautolink_concat_default = True  # a page's cells share their imports, as in a notebook
codeautolink_autodoc_inject = False

# --- HTML: pydata-sphinx-theme, offline, one plotly.js served by the site itself ---------
html_theme = "pydata_sphinx_theme"
html_title = "neuronboundary"
html_static_path = ["_static"]
html_extra_path = [str(BUILD / "extra")]  # the notebooks' .ipynb next to their pages
html_css_files = ["custom.css"]
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_sidebars = {"index": [], "install": [], "gallery": []}
html_context = {"default_mode": "light"}  # a fresh visitor gets a valid mode, no console error
html_theme_options = {
    "logo": {"text": "neuronboundary"},
    "navbar_align": "left",
    "navbar_end": ["theme-switcher"],
    "navbar_persistent": ["search-button-field"],
    "header_links_before_dropdown": 6,
    # notebook pages: the download sits above the title, and the right sidebar (empty there)
    # leaves its width to the code
    "article_header_end": ["download-ipynb"],
    "secondary_sidebar_items": ["page-toc"],
    "show_toc_level": 2,
    "show_prev_next": True,
    "footer_start": ["copyright"],
    "footer_center": [],
    "footer_end": ["sphinx-version"],
    "navigation_with_keys": False,
}


# --- build-time inputs ------------------------------------------------------------------
def _library_digest(*folders: Path) -> str:
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".ipynb") and "__pycache__" not in path.parts:
                digest.update(path.relative_to(ROOT).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _invalidate_cache_on_library_change() -> None:
    """The execution cache keys on each notebook's code only; outputs also depend on the
    library (figures, renderer), so a change in the package's source empties the cache."""
    digest = _library_digest(ROOT / "neuronboundary")
    cache = Path(nb_execution_cache_path)
    stamp = cache.parent / "library.sha256"
    if not stamp.exists() or stamp.read_text() != digest:
        shutil.rmtree(cache, ignore_errors=True)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(digest)


def _write_if_changed(path: Path, content: str) -> None:
    if not path.exists() or path.read_text() != content:
        path.write_text(content)


def _prepare(app: object) -> None:
    """Write the build-time inputs (all git-ignored): plotly.js, the figure notebooks, the API
    tables, the gallery thumbnails and the generated tables of reproduce.md. Every page, these
    notebooks included, is listed by hand in a toctree; none is chosen by which files exist."""
    _invalidate_cache_on_library_change()
    shutil.copyfile(
        Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
        DOCS / "_static" / "plotly.min.js",
    )
    target = DOCS / "notebooks"
    target.mkdir(exist_ok=True)
    downloads = BUILD / "extra" / "notebooks"
    downloads.mkdir(parents=True, exist_ok=True)
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for dest in (target / nb.name, downloads / nb.name):
            if not dest.exists() or dest.read_bytes() != nb.read_bytes():  # keep the cache valid
                shutil.copyfile(nb, dest)
    _write_api(DOCS / "_generated_api.md")
    _write_gallery(DOCS / "_generated_gallery.md")
    _write_bad_inputs(DOCS / "_generated_bad_inputs.md")
    _write_parameters(DOCS / "_generated_parameters.md")


# --- API tables -------------------------------------------------------------------------
#: Section title of each module, in page order. A public name of a module not listed here
#: (a new module) gets a section of its own, titled by its module name.
API_SECTIONS = {
    "neuronboundary.network": "Networks and layers",
    "neuronboundary.partition": "Exact 1-D partitions",
    "neuronboundary.arrangement": "Exact 2-D arrangements",
    "neuronboundary.decision": "Decision regions",
    "neuronboundary.regions": "Regions in any dimension",
    "neuronboundary.polygons": "Polygons",
    "neuronboundary.slicing": "Slices, directions, sweep intervals",
    "neuronboundary.groups": "Groups",
    "neuronboundary.quantiles": "Quantiles",
    "neuronboundary.similarity": "Similarity",
    "neuronboundary.activations": "Real models: activations",
    "neuronboundary.plotting": "Plotting",
    "neuronboundary.export": "Figure files",
    "neuronboundary.pretrained": "Shipped trained models",
}
#: Submodules documented under their own name (not re-exported by ``neuronboundary``).
API_SUBMODULES = (
    "neuronboundary.decision",
    "neuronboundary.polygons",
    "neuronboundary.plotting",
    "neuronboundary.export",
    "neuronboundary.pretrained",
)


def _api_names() -> dict[str, list[str]]:
    """Public callables and classes by module: the package's ``__all__`` by defining module,
    then the submodules' ``__all__`` (module constants are left to the module text)."""
    import importlib
    import inspect

    sections: dict[str, list[str]] = {}
    for name in neuronboundary.__all__:
        obj = getattr(neuronboundary, name)
        module = getattr(obj, "__module__", "neuronboundary")
        module = module.rsplit("._", 1)[0]  # private submodules belong to their package
        sections.setdefault(module, []).append(f"neuronboundary.{name}")
    for module_name in API_SUBMODULES:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                sections.setdefault(module_name, []).append(f"{module_name}.{name}")
    order = list(API_SECTIONS)
    return dict(
        sorted(sections.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
    )


def _write_api(path: Path) -> None:
    import importlib

    lines: list[str] = []
    for module_name, names in _api_names().items():
        module = importlib.import_module(module_name)
        summary = (module.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        lines += [f"## {API_SECTIONS.get(module_name, module_name)}", ""]
        lines += [f"`{module_name}`: {summary}" if summary else f"`{module_name}`", ""]
        # summaries may name their neighbours (:func:`partition_1d`): resolve them there
        current = "neuronboundary" if names[0].count(".") == 1 else module_name
        lines += ["```{eval-rst}", f".. currentmodule:: {current}", ""]
        lines += [".. autosummary::", "   :toctree: generated", ""]
        lines += [f"   {name.removeprefix(current + '.')}" for name in names]
        lines += ["```", ""]
    _write_if_changed(path, "\n".join(lines))


# --- gallery ----------------------------------------------------------------------------
#: Figures of the gallery: ``$NEURONBOUNDARY_DOCS_FIGURES`` when set (used as is), otherwise
#: build/figures, regenerated by the figure pipeline unless its PNGs match the current
#: notebooks and library (a stamp holds their digest).
FIGURES_DIR = Path(os.environ.get("NEURONBOUNDARY_DOCS_FIGURES", ROOT / "build" / "figures"))
THUMB_WIDTH = 480


def _figure_pngs() -> dict[str, Path]:
    from reproduce.figures import FIGURES, run_figures

    pngs = {name: FIGURES_DIR / f"{name}.png" for name in FIGURES}
    if "NEURONBOUNDARY_DOCS_FIGURES" in os.environ:
        missing = [str(p) for p in pngs.values() if not p.is_file()]
        if missing:
            raise FileNotFoundError(
                f"NEURONBOUNDARY_DOCS_FIGURES={FIGURES_DIR} lacks {missing}: run "
                f"`python -m reproduce figures --out {FIGURES_DIR}` or unset the variable."
            )
        return pngs
    digest = _library_digest(ROOT / "neuronboundary", ROOT / "notebooks", ROOT / "reproduce")
    stamp = FIGURES_DIR / ".docs-gallery.sha256"
    fresh = stamp.is_file() and stamp.read_text() == digest
    if not fresh or not all(p.is_file() for p in pngs.values()):
        print(f"gallery: regenerating the figures into {FIGURES_DIR} (python -m reproduce figures)")
        run_figures(FIGURES_DIR, progress=False)
        stamp.write_text(digest)
    return pngs


def _write_gallery(path: Path) -> None:
    from PIL import Image

    from reproduce.figures import FIGURES

    thumbs = DOCS / "_generated_gallery"
    thumbs.mkdir(exist_ok=True)
    lines = ["::::{container} gallery", ""]
    for name, png in _figure_pngs().items():
        thumb = thumbs / f"{name}.png"
        if not thumb.exists() or thumb.stat().st_mtime < png.stat().st_mtime:
            with Image.open(png) as image:
                height = round(image.height * THUMB_WIDTH / image.width)
                image.convert("RGB").resize((THUMB_WIDTH, height), Image.LANCZOS).save(thumb)
        page = "notebooks/" + FIGURES[name].removesuffix(".ipynb")
        lines += [
            ":::{figure} _generated_gallery/" + f"{name}.png",
            f":target: {page}.html",
            f":alt: thumbnail of the figure {name}",
            ":class: gallery-item",
            "",
            f"[`{name}`]({page}.ipynb)",
            ":::",
            "",
        ]
    lines.append("::::")
    _write_if_changed(path, "\n".join(lines) + "\n")


# --- generated tables of reproduce.md ---------------------------------------------------
def _write_parameters(path: Path) -> None:
    from reproduce.figures import FIGURES, RESERVED, declared_parameters, notebooks_dir

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


# --- API pages: signatures and references -----------------------------------------------
def _strip_any(app, what, name, obj, options, signature, return_annotation):
    """``Any`` in a signature says nothing (the docstring gives the accepted types and
    shapes): drop it, keep every real annotation (NeuronLayer, int, tuple[float, float])."""
    import re

    if signature:
        signature = re.sub(r":\s*~?(typing\.)?Any(?=\s*[,)=])", "", signature)
        # a dataclass field's default_factory shows as "<factory>", which is not Python
        signature = re.sub(r"=\s*<factory>", "=...", signature)
    if return_annotation in ("Any", "~typing.Any", "typing.Any"):
        return_annotation = None
    return signature, return_annotation


def _canonical_to_public() -> dict[str, str]:
    """``neuronboundary.network.NeuronLayer`` -> ``neuronboundary.NeuronLayer``: type hints
    name the defining module, the API documents the public name."""
    aliases = {}
    for name in neuronboundary.__all__:
        module = getattr(getattr(neuronboundary, name), "__module__", None)
        if module and module != "neuronboundary":
            aliases[f"{module}.{name}"] = f"neuronboundary.{name}"
    return aliases


def _resolve_public(app, env, node, contnode):
    """Resolve what the py domain does not: canonical module paths of public names, and the
    attributes that a class's numpydoc ``Attributes`` section lists (they link to the class)."""
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"]
    if node["reftype"] == "attr" and node.get("py:class") and "." not in target:
        import dataclasses

        owner = getattr(neuronboundary, node["py:class"], None)
        if dataclasses.is_dataclass(owner) and target in {
            f.name for f in dataclasses.fields(owner)
        }:
            return env.get_domain("py").resolve_xref(
                env,
                node["refdoc"],
                app.builder,
                "class",
                f"neuronboundary.{node['py:class']}",
                node,
                contnode,
            )
    for canonical, public in _ALIASES.items():
        if target == canonical or target.startswith(canonical + "."):
            domain = env.get_domain("py")
            return domain.resolve_xref(
                env,
                node["refdoc"],
                app.builder,
                node["reftype"],
                public + target[len(canonical) :],
                node,
                contnode,
            )
    return None


_ALIASES = _canonical_to_public()


def setup(app: object) -> None:
    app.connect("builder-inited", _prepare, priority=100)  # before autosummary reads the tables
    app.connect("autodoc-process-signature", _strip_any)
    app.connect("missing-reference", _resolve_public)
    app.connect("html-page-context", _plotly_where_needed)


def _plotly_where_needed(app, pagename, templatename, context, doctree):
    """Pages with figures load the site's one plotly.min.js; the others skip its 4.5 MB."""
    if "plotly-graph-div" in context.get("body", ""):
        app.add_js_file("plotly.min.js")
