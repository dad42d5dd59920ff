"""Open a static site from disk in headless Chromium (Playwright driving the system browser) and
report what a reader would hit: no navigation, console errors, failed or external loads,
figures that did not draw, broken links, a page wider than the window.

Used by ``tests/test_docs_site.py`` on the built docs and on tiny broken sites (to show that
each problem is caught). Playwright is imported when a check runs, so that collecting this
module (pytest's ``--doctest-modules``) needs no browser.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

#: Widths a reader uses: a laptop window and a phone.
WIDTHS = (1280, 390)
#: Chromium flags for a closed network and a root user: no sandbox, no GPU, and none of the
#: background connections Chromium makes at start (they would be refused here).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
#: A top navigation link and, on a phone, the button that opens the section navigation.
NAVIGATION = {
    1280: "header .navbar-nav a.nav-link",
    390: "header button.primary-toggle",
}
#: What the page does once loaded: figures, links and widths, measured in the browser.
MEASURE = """() => {
  const divs = [...document.querySelectorAll('.plotly-graph-div')];
  const width = window.innerWidth;
  const scrollWidth = document.documentElement.scrollWidth;
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '');
  const wide = scrollWidth <= width + 1 ? [] : [...document.body.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > width + 1).slice(0, 3).map(name);
  // a heading whose text does not fit its box is cut off (or wrapped mid-word), even when
  // the page itself does not scroll
  const hide = document.createElement('style');
  hide.textContent = 'a.headerlink { display: none !important; }';  // the hover-only '#'
  document.head.appendChild(hide);
  const clipped = [...document.querySelectorAll('main h1, main h2, main h3')]
    .filter(h => h.scrollWidth > h.clientWidth + 1).map(h => h.textContent.trim());
  hide.remove();
  return {
    figures: divs.length,
    drawn: divs.filter(d => d.querySelector('svg.main-svg')).length,
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    scrollWidth: scrollWidth,
    width: width,
    wide: wide,
    clipped: clipped,
  };
}"""
ALL_DRAWN = """() => typeof window.Plotly === 'undefined'
  || [...document.querySelectorAll('.plotly-graph-div')].every(d => d.querySelector('svg.main-svg'))"""


def find_chromium() -> str:
    """The system Chromium (or Chrome), found where the figure export finds it
    (``BROWSER_PATH``, PATH, the usual install folders): Playwright drives it, nothing is
    downloaded."""
    from neuronboundary.export import BrowserNotFoundError, find_browser

    try:
        return find_browser()
    except BrowserNotFoundError as err:
        raise FileNotFoundError(f"the site test needs a browser: {err}") from None


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key in ("id", "name") and value:
                self.ids.add(value)


@dataclass
class SiteCheck:
    """One browser, reused for every page and width; ``problems`` collects what went wrong."""

    browser: Any
    timeout_error: type[Exception]
    problems: list[str] = field(default_factory=list)
    _ids: dict[Path, set[str]] = field(default_factory=dict)

    def anchors(self, page: Path) -> set[str]:
        if page not in self._ids:
            parser = _Ids()
            parser.feed(page.read_text(encoding="utf-8", errors="replace"))
            self._ids[page] = parser.ids
        return self._ids[page]

    def check(
        self,
        pages: Iterable[Path],
        width: int,
        *,
        navigation: bool = True,
        screenshots: dict[Path, Path] | None = None,
    ) -> list[str]:
        """Open each page at ``width`` px; record and return its problems as
        ``"page @ width: what"``."""
        start = len(self.problems)
        context = self.browser.new_context(viewport={"width": width, "height": 900})
        start = len(self.problems)
        errors: list[str] = []
        page = context.new_page()  # one tab per width: opening pages in it is cheaper
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(f"uncaught {exc}"))
        page.on("requestfailed", lambda r: errors.append(f"failed load {r.url} ({r.failure})"))
        page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith(("file:", "data:", "blob:", "about:"))
                else errors.append(f"external load {r.url}")
            ),
        )
        try:
            for path in map(Path, pages):
                errors.clear()
                self._check_page(page, path, width, errors, navigation, screenshots or {})
        finally:
            context.close()
        return self.problems[start:]

    def _check_page(
        self,
        page: Any,
        path: Path,
        width: int,
        errors: list[str],
        navigation: bool,
        screenshots: dict[Path, Path],
    ) -> None:
        where = f"{path.name} @ {width}px"
        page.goto(path.as_uri(), wait_until="load")
        with contextlib.suppress(self.timeout_error):  # reported below: not drawn
            page.wait_for_function(ALL_DRAWN, timeout=15_000)
        state = page.evaluate(MEASURE)
        self.problems += [f"{where}: {e}" for e in errors]
        if state["drawn"] != state["figures"]:
            self.problems.append(
                f"{where}: {state['figures'] - state['drawn']} of {state['figures']} "
                f"plotly figure(s) not drawn"
            )
        if state["scrollWidth"] > state["width"] + 1:
            self.problems.append(
                f"{where}: page body {state['scrollWidth']} px wide in a {width} px "
                f"window (widest: {state['wide']})"
            )
        self.problems += [f"{where}: heading cut off: {h!r}" for h in state["clipped"]]
        if navigation:
            nav = page.locator(NAVIGATION[min(NAVIGATION, key=lambda w: abs(w - width))])
            if not any(nav.nth(i).is_visible() for i in range(nav.count())):
                self.problems.append(f"{where}: no visible navigation")
        self.problems += [f"{where}: {b}" for b in self._broken(path, state["links"])]
        if path in screenshots:
            screenshots[path].parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshots[path]), full_page=False)

    def _broken(self, page: Path, links: list[str]) -> Iterator[str]:
        for href in dict.fromkeys(links):
            parts = urlsplit(href)
            if parts.scheme != "file":
                continue  # links out of the site are not loaded
            target = Path(unquote(parts.path))
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                yield f"broken link {href} (no file)"
            elif (
                parts.fragment
                and target.suffix == ".html"
                and unquote(parts.fragment) not in self.anchors(target)
            ):
                yield f"broken link {href} (no anchor #{parts.fragment})"


@contextmanager
def chromium() -> Iterator[SiteCheck]:
    """A :class:`SiteCheck` on the system Chromium, closed afterwards."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=find_chromium(), args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            yield SiteCheck(browser, PlaywrightTimeout)
        finally:
            browser.close()


def check_site(
    pages: Iterable[Path],
    widths: Iterable[int] = WIDTHS,
    *,
    navigation: bool = True,
    screenshots: dict[tuple[Path, int], Path] | None = None,
) -> list[str]:
    """Every problem of ``pages`` at every width (empty when the site is fine)."""
    pages = list(pages)
    with chromium() as site:
        for width in widths:
            shots = {p: out for (p, w), out in (screenshots or {}).items() if w == width}
            site.check(pages, width, navigation=navigation, screenshots=shots)
        return site.problems
