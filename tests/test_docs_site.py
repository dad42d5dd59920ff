"""The built docs site, opened from disk in real headless Chromium: every figure draws with no
console error, nothing is loaded from the network, and every internal link resolves.

Run by ``nox -s docs`` after the build (marker ``docs``); the site folder is
``build/docs/html`` or ``$NEURONBOUNDARY_DOCS_HTML``.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from neuronboundary.export import BrowserNotFoundError, find_browser
from tests._cdp import Chromium

pytestmark = pytest.mark.docs

SITE = Path(
    os.environ.get(
        "NEURONBOUNDARY_DOCS_HTML", Path(__file__).parents[1] / "build" / "docs" / "html"
    )
)
REMOTE = re.compile(r"^(https?:)?//", re.IGNORECASE)
COUNT = """(() => {
  const divs = [...document.querySelectorAll('.plotly-graph-div')];
  return {divs: divs.length, drawn: divs.filter(d => d.querySelector('svg.main-svg')).length,
          plotly: typeof window.Plotly};
})()"""


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.resources: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag in ("script", "img", "iframe") and a.get("src"):
            self.resources.append(a["src"])
        if tag == "link" and a.get("href"):
            self.resources.append(a["href"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])


def parse(page: Path) -> Tags:
    tags = Tags()
    tags.feed(page.read_text(encoding="utf-8"))
    return tags


@pytest.fixture(scope="module")
def pages() -> list[Path]:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site at {SITE}: build it with `nox -s docs` first.")
    return sorted(SITE.rglob("*.html"))


def test_nothing_is_loaded_from_the_network(pages):
    remote = [
        (p.relative_to(SITE), r) for p in pages for r in parse(p).resources if REMOTE.match(r)
    ]
    assert remote == []
    for css in SITE.rglob("*.css"):
        assert not re.search(
            r"url\(\s*['\"]?(https?:)?//|@import\s+['\"]?(https?:)?//", css.read_text()
        ), css
    assert (SITE / "_static" / "plotly.min.js").stat().st_size > 1_000_000  # the one local copy
    assert sum(1 for _ in SITE.rglob("plotly*.js")) == 1


def test_internal_links_resolve(pages):
    ids = {p: parse(p).ids for p in pages}
    broken = []
    for page in pages:
        for href in parse(page).links:
            parts = urlsplit(href)
            if parts.scheme or href.startswith(("mailto:", "//")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(SITE)} -> {href} (no file)")
            elif (
                parts.fragment
                and target.suffix == ".html"
                and parts.fragment not in ids.get(target, parse(target).ids)
            ):
                broken.append(f"{page.relative_to(SITE)} -> {href} (no anchor)")
    assert broken == []


def test_every_figure_draws_without_console_errors(pages):
    try:
        browser = find_browser()  # BROWSER_PATH, PATH, then kaleido's lookup (macOS Chrome)
    except BrowserNotFoundError as err:
        pytest.fail(f"the site test needs a browser: {err}")
    with_figures = [p for p in pages if "plotly-graph-div" in p.read_text(encoding="utf-8")]
    assert {p.name for p in with_figures} >= {
        "index.html",
        "article.html",
        "tutorial.html",
        "real_model_digits.html",
    }
    chrome = Chromium(browser)
    try:
        failures = []
        for page in with_figures:
            errors, counts = chrome.open(page.as_uri(), COUNT)
            if errors or counts["divs"] == 0 or counts["drawn"] != counts["divs"]:
                failures.append(f"{page.relative_to(SITE)}: {counts}, errors {errors}")
    finally:
        chrome.close()
    assert failures == []
