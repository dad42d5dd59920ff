"""Find Chrome/Chromium for the nox sessions that render PNGs or test the docs site, and install
Debian's ``chromium`` when there is none and this is Debian/Ubuntu-like Linux run as root.

Used by ``noxfile.py`` (``ensure_browser``), in nox's own interpreter: so it imports neither nox
nor the library (which needs numpy and torch), and the unit tests
(``tests/test_browser_setup.py``) drive it with a mocked machine. Nothing here downloads a
browser by itself: the only install path is the system's package manager.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

#: Executable names looked up on PATH (as neuronboundary.export.BROWSERS).
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

#: Where browsers live when they are not on PATH (kaleido's lookup knows these too).
TYPICAL_PATHS = {
    "Linux": ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"),
    "Darwin": (
        "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
        "/Applications/Chromium.app/Contents/MacOS/Chromium",
    ),
    "Windows": (
        r"C:\Program Files\Google\Chrome\Application\chrome.exe",
        r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
    ),
}

APT_UPDATE = ("apt-get", "update")
APT_INSTALL = ("apt-get", "install", "-y", "chromium")

HOW_TO_INSTALL = (
    "No Chrome or Chromium found: PNG export (kaleido) and the docs-site test need one.\n"
    "  Debian:        apt-get install -y chromium   (as root; the nox sessions do this "
    "themselves when run as root)\n"
    "  Ubuntu:        Ubuntu's chromium is a snap: install Google Chrome "
    "(https://www.google.com/chrome/) or `snap install chromium`\n"
    "  macOS:         install Google Chrome (https://www.google.com/chrome/) in /Applications\n"
    "  anywhere:      set BROWSER_PATH=/path/to/chrome if it is installed elsewhere\n"
    "Then run the command again. (Figures without PNGs: nox -s figures -- --no-png)"
)


@dataclass(frozen=True)
class System:
    """What the lookup depends on; tests pass a fake one."""

    name: str  # platform.system(): "Linux", "Darwin", "Windows"
    is_root: bool
    env: Mapping[str, str]
    which: Callable[[str], str | None]
    is_executable: Callable[[str], bool]
    has_apt_package: Callable[[str], bool]

    @classmethod
    def current(cls) -> System:
        return cls(
            name=platform.system(),
            is_root=hasattr(os, "geteuid") and os.geteuid() == 0,
            env=os.environ,
            which=shutil.which,
            is_executable=lambda p: os.path.isfile(p) and os.access(p, os.X_OK),
            has_apt_package=_apt_has_candidate,
        )


def _apt_has_candidate(package: str) -> bool:
    """Whether apt knows an installable ``package`` (false on Ubuntu for chromium: no such
    package there, only the snap wrapper chromium-browser)."""
    try:
        out = subprocess.run(
            ["apt-cache", "policy", package], capture_output=True, text=True, check=False
        )
    except OSError:
        return False
    return "Candidate:" in out.stdout and "Candidate: (none)" not in out.stdout


def find_browser(system: System) -> str | None:
    """Path of Chrome/Chromium: ``BROWSER_PATH``, then PATH, then the usual install places."""
    override = system.env.get("BROWSER_PATH")
    if override and system.is_executable(override):
        return override
    for name in NAMES:
        found = system.which(name)
        if found:
            return found
    for path in TYPICAL_PATHS.get(system.name, ()):
        if system.is_executable(path):
            return path
    return None


def can_install(system: System) -> bool:
    """Whether this setup may install a browser itself: Linux, root, apt-get present."""
    return system.name == "Linux" and system.is_root and system.which("apt-get") is not None


def ensure_browser(
    system: System,
    run: Callable[[Sequence[str]], None],
    log: Callable[[str], None] = print,
) -> str:
    """Return a browser's path, installing Debian's ``chromium`` first when none is found and
    :func:`can_install` allows it. Raises ``RuntimeError`` with :data:`HOW_TO_INSTALL` when
    there is still none. ``run`` executes one command (and must raise when it fails)."""
    found = find_browser(system)
    if found:
        return found
    if not can_install(system):
        raise RuntimeError(HOW_TO_INSTALL)
    log("no Chrome/Chromium found; installing Debian's chromium with apt-get (running as root)")
    run(APT_UPDATE)  # a fresh container has no package lists yet
    if not system.has_apt_package("chromium"):
        raise RuntimeError(
            "apt has no 'chromium' package here (Ubuntu ships Chromium as a snap only).\n"
            + HOW_TO_INSTALL
        )
    run(APT_INSTALL)
    found = find_browser(system)
    if not found:
        raise RuntimeError(
            "apt-get installed chromium, but no browser is found.\n" + HOW_TO_INSTALL
        )
    return found
