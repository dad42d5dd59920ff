"""The built docs site, opened from disk in headless Chromium (Playwright, system browser) at a
laptop and a phone width: navigation visible, no console error, nothing loaded from the
network or missing, every figure drawn, every internal link resolves, nothing wider than the
window.

The site tests run with ``nox -s docs`` after the build (marker ``docs``); the site folder is
``build/docs/html`` or ``$NEURONBOUNDARY_DOCS_HTML``. Set ``$NEURONBOUNDARY_SCREENSHOTS`` to a
folder to also get screenshots of the index, a notebook page and the API page at each width.
The checker itself is tested on tiny broken sites (no build needed): it must report each
problem.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.site_check import WIDTHS, check_site, chromium

SITE = Path(
    os.environ.get(
        "NEURONBOUNDARY_DOCS_HTML", Path(__file__).parents[1] / "build" / "docs" / "html"
    )
)
#: A resource (not a link to follow) named by a remote URL.
REMOTE = re.compile(
    r"""<(script|img|iframe|source|video|audio|embed)\b[^>]*\ssrc=["']?(https?:)?//"""
    r"""|<link\b[^>]*\shref=["']?(https?:)?//""",
    re.IGNORECASE,
)
PLOTLY_DIV = """<div id="fig" class="plotly-graph-div" style="height:300px; width:100%;"></div>
<script>Plotly.newPlot("fig", [{"y": [1, 3, 2], "type": "scatter"}], {});</script>"""


@pytest.fixture(scope="module")
def pages() -> list[Path]:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site at {SITE}: build it with `nox -s docs` first.")
    return sorted(p for p in SITE.rglob("*.html") if "_static" not in p.relative_to(SITE).parts)


@pytest.mark.docs
def test_nothing_refers_to_the_network(pages):
    """No page or stylesheet names a remote resource (the browser test sees actual loads)."""
    remote = [p.relative_to(SITE) for p in pages if REMOTE.search(p.read_text(encoding="utf-8"))]
    assert remote == []
    for css in SITE.rglob("*.css"):
        assert not re.search(
            r"url\(\s*['\"]?(https?:)?//|@import\s+['\"]?(https?:)?//", css.read_text()
        ), css
    assert sum(1 for _ in SITE.rglob("plotly*.js")) == 1  # one local copy for every page


@pytest.mark.docs
def test_the_site_has_its_sections_and_api_links(pages):
    names = {p.relative_to(SITE).as_posix() for p in pages}
    assert {"install.html", "user_guide.html", "gallery.html", "api.html"} <= names
    assert {
        "generated/neuronboundary.partition_1d.html",
        "generated/neuronboundary.sweep_interval.html",
    } <= names
    for page in ("article.html", "tutorial.html", "notebooks/real_model_digits.html"):
        html = (SITE / page).read_text(encoding="utf-8")
        assert html.count("generated/neuronboundary.") >= 5, f"{page} links to no API page"
    gallery = (SITE / "gallery.html").read_text(encoding="utf-8")
    assert gallery.count("<img") >= 9
    assert (SITE / "notebooks" / "real_model_digits.ipynb").is_file()  # offered for download
    assert "real_model_digits.ipynb" in (SITE / "notebooks/real_model_digits.html").read_text()


@pytest.mark.docs
def test_every_page_in_chromium_at_laptop_and_phone_width(pages):
    with_figures = {p.name for p in pages if "plotly-graph-div" in p.read_text(encoding="utf-8")}
    assert with_figures >= {"index.html", "article.html", "tutorial.html", "real_model_digits.html"}
    shots = {}
    if os.environ.get("NEURONBOUNDARY_SCREENSHOTS"):
        out = Path(os.environ["NEURONBOUNDARY_SCREENSHOTS"])
        for name in ("index.html", "notebooks/decision_boundary.html", "api.html"):
            for width in WIDTHS:
                stem = name.replace("/", "_").removesuffix(".html")
                shots[(SITE / name, width)] = out / f"{stem}_{width}.png"
    assert check_site(pages, WIDTHS, screenshots=shots) == []
    assert all(path.is_file() for path in shots.values())


# --- the checker catches each problem (tiny sites in tmp_path; no docs build needed) -------
@pytest.fixture(scope="module")
def browser():
    with chromium() as site:
        yield site


def _site(tmp_path: Path, body: str, plotly: bool = True) -> Path:
    """A one-page site with a navigation bar like the theme's, and plotly.js when asked."""
    if plotly:
        from neuronboundary.export import plotlyjs_path

        (tmp_path / "plotly.min.js").write_bytes(plotlyjs_path().read_bytes())
    page = tmp_path / "index.html"
    page.write_text(
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<script src='plotly.min.js'></script></head><body>"
        "<header><nav class='navbar-nav'><a class='nav-link' href='index.html'>Home</a></nav>"
        "<button class='primary-toggle'>menu</button></header>"
        f"<main><h1 id='top'>A page</h1>{body}</main></body></html>"
    )
    return page


@pytest.mark.slow
def test_checker_passes_a_good_page(tmp_path, browser):
    page = _site(tmp_path, PLOTLY_DIV + "<a href='index.html#top'>up</a>")
    assert [p for width in WIDTHS for p in browser.check([page], width)] == []


@pytest.mark.slow
def test_checker_reports_a_broken_link(tmp_path, browser):
    page = _site(tmp_path, "<a href='missing.html'>gone</a> <a href='index.html#nowhere'>x</a>")
    problems = browser.check([page], 1280)
    assert len(problems) == 2, problems
    assert "broken link" in problems[0]
    assert "missing.html (no file)" in problems[0]
    assert "no anchor #nowhere" in problems[1]


@pytest.mark.slow
def test_checker_reports_a_page_whose_plotly_js_is_missing(tmp_path, browser):
    page = _site(tmp_path, PLOTLY_DIV, plotly=False)
    problems = "\n".join(browser.check([page], 1280))
    assert "failed load" in problems
    assert "plotly.min.js" in problems
    assert "Plotly is not defined" in problems
    assert "1 of 1 plotly figure(s) not drawn" in problems


@pytest.mark.slow
def test_checker_reports_overflow_external_loads_and_missing_navigation(tmp_path, browser):
    page = tmp_path / "index.html"
    page.write_text(
        "<!doctype html><html><head><meta name='viewport' content='width=device-width'></head>"
        "<body><div style='width:2000px'>wide</div>"
        "<img src='https://example.org/logo.png'></body></html>"
    )
    problems = "\n".join(browser.check([page], 390))
    assert "page body 2" in problems
    assert "390 px window" in problems
    assert "external load https://example.org/logo.png" in problems
    assert "no visible navigation" in problems


def test_prose_names_public_functions_through_api_links():
    """In the pages' prose, a public name in plain backticks (`partition_1d`, `nb.slice_1d(...)`)
    must be a cross-reference instead ({func}`~neuronboundary.partition_1d`), so that it links
    to its API page and a wrong name fails the build. Code cells are linked by codeautolink."""
    import neuronboundary
    from neuronboundary import plotting

    public = set(neuronboundary.__all__) | set(plotting.__all__)
    docs = Path(__file__).parents[1] / "docs"
    plain = []
    for page in sorted(p for p in docs.glob("*.md") if not p.name.startswith("_")):
        text = re.sub(
            r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL | re.MULTILINE
        )
        for match in re.finditer(r"(?<![}\w])`([^`]+)`", text):
            name = re.match(r"(?:nb\.|neuronboundary\.|plotting\.)?(\w+)", match.group(1))
            if name and name.group(1) in public:
                plain.append(f"{page.name}: `{match.group(1)}`")
    assert plain == []
