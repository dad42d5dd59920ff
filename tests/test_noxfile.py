"""The nox sessions, run with a stand-in for nox's session object: what they install, which
browser they hand on and which commands they run. Nothing is installed or run for real."""

from __future__ import annotations

import functools
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

nox = pytest.importorskip("nox")  # in the test dependency group; skipped only outside nox

from reproduce import browser_setup
from reproduce.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ("-c", str(ROOT / "constraints.txt"))
BROWSER = "/stand-in/chromium"
#: Sessions whose commands render PNGs or open the docs site in a browser.
NEED_A_BROWSER = {"tests", "regression", "regenerate", "docs", "figures"}


class Session:
    """Records what a session asks of nox; ``error`` stops it as nox's does."""

    def __init__(self, *posargs: str) -> None:
        self.posargs = list(posargs)
        self.env: dict[str, str] = {}
        self.installs: list[tuple[str, ...]] = []
        self.runs: list[tuple[tuple[str, ...], dict[str, str]]] = []  # (command, env then)
        self.warnings: list[str] = []

    def install(self, *args: str, **kwargs: object) -> None:
        self.installs.append(args)

    def run(self, *args: str, **kwargs: object) -> None:
        self.runs.append((args, dict(self.env)))

    def log(self, *args: object, **kwargs: object) -> None:
        pass

    def warn(self, message: str, *args: object, **kwargs: object) -> None:
        self.warnings.append(message)

    def error(self, message: str, *args: object) -> None:
        raise RuntimeError(f"session error: {message}")


@functools.cache
def load_sessions() -> dict:
    """The noxfile's sessions by name (the noxfile loaded as nox loads it)."""
    spec = importlib.util.spec_from_file_location("noxfile_under_test", ROOT / "noxfile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {name: getattr(module, name) for name in nox.registry.get() if hasattr(module, name)}


@pytest.fixture(scope="module")
def sessions():
    return load_sessions()


@pytest.fixture
def browser(monkeypatch):
    """A machine with a browser: the sessions' set-up finds ``BROWSER``; records the calls."""
    calls = []

    def found(system, run, log):
        calls.append(system)
        return BROWSER

    monkeypatch.setattr(browser_setup, "ensure_browser", found)
    return calls


def test_every_session_installs_through_the_constraints(sessions, browser):
    pins = [line for line in (ROOT / "constraints.txt").read_text().splitlines() if "==" in line]
    assert any(line.startswith("torch==") for line in pins)
    assert {"tests", "lint", "docs", "figures", "regression", "regenerate", "bench"} <= set(
        sessions
    )
    for name, session_function in sessions.items():
        session = Session()
        session_function(session)
        assert session.installs, f"{name} installs nothing"
        for args in session.installs:
            assert args[:2] == CONSTRAINTS, f"{name}: pip install {' '.join(args)}"


def test_browser_sessions_hand_the_browser_to_every_command(sessions, browser):
    for name in NEED_A_BROWSER:
        session = Session()
        sessions[name](session)
        assert session.runs, name
        for command, env in session.runs:
            assert env.get("BROWSER_PATH") == BROWSER, f"{name}: {' '.join(command)}"


def test_figures_session_passes_options_on_and_needs_no_browser_without_png(sessions, browser):
    session = Session("--only", "decision_boundary", "-p", "seed", "4")
    sessions["figures"](session)
    (command, _), *_ = session.runs
    assert command == ("python", "-m", "reproduce", "figures", *session.posargs)
    args = build_parser().parse_args(command[3:])
    assert (args.only, args.parameter) == (["decision_boundary"], [["seed", "4"]])
    browser.clear()
    session = Session("--no-png")
    sessions["figures"](session)
    assert browser == []
    assert [command for command, _ in session.runs] == [
        ("python", "-m", "reproduce", "figures", "--no-png")
    ]


def test_without_a_browser_tests_go_on_and_png_sessions_stop(sessions, monkeypatch):
    def none_found(system, run, log):
        raise RuntimeError(browser_setup.HOW_TO_INSTALL)

    monkeypatch.setattr(browser_setup, "ensure_browser", none_found)
    session = Session()
    sessions["tests"](session)
    assert session.runs
    assert "PNG tests are skipped" in session.warnings[0]
    assert all("BROWSER_PATH" not in env for _, env in session.runs)
    for name in ("regression", "figures", "docs"):
        session = Session()
        with pytest.raises(RuntimeError, match="No Chrome or Chromium found"):
            sessions[name](session)
        assert session.runs == [], name  # stopped before any command


def test_the_command_the_sessions_run_works_from_the_repository_root():
    """``python -m reproduce`` resolves from the root, where nox runs its sessions."""
    for command in ("figures", "regression"):
        done = subprocess.run(
            [sys.executable, "-m", "reproduce", command, "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "--only" in done.stdout
