"""The nox sessions' browser set-up (reproduce/browser_setup.py), with the machine mocked: no real
apt-get runs here."""

from __future__ import annotations

import pytest

from reproduce.browser_setup import APT_INSTALL, APT_UPDATE, HOW_TO_INSTALL, System, ensure_browser


def fake(
    name="Linux",
    root=True,
    on_path=(),
    files=(),
    env=None,
    apt=True,
    apt_has_chromium=True,
    installs="/usr/bin/chromium",
):
    """A machine: executables on PATH, files that exist, whether apt knows chromium; running
    the apt install command makes ``installs`` appear on PATH."""
    state = {"path": {n: f"/usr/bin/{n}" for n in on_path}, "files": set(files), "ran": []}
    if apt:
        state["path"]["apt-get"] = "/usr/bin/apt-get"

    def run(command):
        state["ran"].append(tuple(command))
        if tuple(command) == APT_INSTALL and installs:
            state["path"]["chromium"] = installs
            state["files"].add(installs)

    system = System(
        name=name,
        is_root=root,
        env=env or {},
        which=lambda n: state["path"].get(n),
        is_executable=lambda p: p in state["files"],
        has_apt_package=lambda package: apt_has_chromium,
    )
    return system, run, state


def test_browser_on_path_is_used_and_nothing_is_installed():
    system, run, state = fake(on_path=["google-chrome"])
    assert ensure_browser(system, run, log=lambda m: None) == "/usr/bin/google-chrome"
    assert state["ran"] == []


def test_browser_path_override_wins():
    system, run, state = fake(on_path=["chromium"], files=["/opt/c/chrome"],
                              env={"BROWSER_PATH": "/opt/c/chrome"})  # fmt: skip
    assert ensure_browser(system, run, log=lambda m: None) == "/opt/c/chrome"
    assert state["ran"] == []


def test_macos_chrome_in_applications_is_found_without_apt():
    chrome = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"
    system, run, state = fake(name="Darwin", root=False, apt=False, files=[chrome])
    assert ensure_browser(system, run, log=lambda m: None) == chrome
    assert state["ran"] == []


def test_debian_root_without_browser_installs_chromium():
    system, run, state = fake()
    logs = []
    assert ensure_browser(system, run, log=logs.append) == "/usr/bin/chromium"
    assert state["ran"] == [APT_UPDATE, APT_INSTALL]
    assert APT_INSTALL == ("apt-get", "install", "-y", "chromium")
    assert "installing Debian's chromium" in logs[0]


@pytest.mark.parametrize(
    ("kwargs", "extra"),
    [
        ({"root": False}, ""),  # a user: never sudo on their behalf
        ({"apt": False}, ""),  # Fedora, Arch, ...
        ({"name": "Darwin", "root": True, "apt": False}, ""),  # macOS without Chrome
        ({"apt_has_chromium": False}, "apt has no 'chromium' package here"),  # Ubuntu
    ],
)
def test_no_browser_and_no_way_to_install_says_how(kwargs, extra):
    system, run, state = fake(**kwargs)
    with pytest.raises(RuntimeError) as info:
        ensure_browser(system, run, log=lambda m: None)
    assert HOW_TO_INSTALL in str(info.value)
    assert extra in str(info.value)
    assert "apt-get install -y chromium" in str(info.value)
    assert APT_INSTALL not in state["ran"]


def test_install_that_yields_no_browser_fails_clearly():
    system, run, _ = fake(installs=None)
    with pytest.raises(RuntimeError, match="installed chromium, but no browser is found"):
        ensure_browser(system, run, log=lambda m: None)


def test_failing_apt_propagates():
    system, _, _ = fake()

    def run(command):
        raise RuntimeError(f"{' '.join(command)} failed")

    with pytest.raises(RuntimeError, match="apt-get update failed"):
        ensure_browser(system, run, log=lambda m: None)
