"""A minimal Chrome DevTools Protocol client over ``--remote-debugging-pipe`` (stdlib only), to
open pages in real headless Chromium and read what happened: errors and the rendered DOM."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import subprocess
import tempfile
import time
from typing import Any

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
]


class Chromium:
    """One headless browser; ``open(url)`` returns the page's errors and an evaluated value."""

    def __init__(self, executable: str) -> None:
        self.profile = tempfile.TemporaryDirectory(prefix="nb-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # Chromium reads commands on fd 3 and writes replies on fd 4. Move the pipe ends above
        # them first, then dup2 in the child; 3 and 4 must be in pass_fds, because subprocess
        # closes every other descriptor after preexec_fn has run.
        hi_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
        hi_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)

        def child_fds() -> None:
            os.dup2(hi_r, 3)
            os.dup2(hi_w, 4)

        self.proc = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self.profile.name}", "about:blank"],
            pass_fds=(3, 4, hi_r, hi_w),
            preexec_fn=child_fds,  # noqa: PLW1509 - single-threaded test helper
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for fd in (to_chrome_r, from_chrome_w, hi_r, hi_w):
            os.close(fd)
        self._buffer = b""
        self._next_id = 0

    def close(self) -> None:
        with contextlib.suppress(OSError):  # already gone
            self.send("Browser.close")
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.proc.kill()
        os.close(self._to_chrome)
        os.close(self._from_chrome)
        self.profile.cleanup()

    # -- protocol ----------------------------------------------------------------------
    def send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _read(self, timeout: float) -> dict | None:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._from_chrome], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(
        self,
        method: str,
        params: dict | None = None,
        session: str | None = None,
        events: list | None = None,
    ) -> dict:
        wanted = self.send(method, params, session)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            message = self._read(deadline - time.monotonic())
            if message is None:
                break
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if events is not None and "method" in message:
                events.append(message)
        raise TimeoutError(f"no reply to {method}")

    # -- pages -------------------------------------------------------------------------
    def open(self, url: str, expression: str, settle: float = 1.5) -> tuple[list[str], Any]:
        """Load ``url``, wait for its load event and ``settle`` seconds, evaluate
        ``expression``; return (error messages, value)."""
        events: list[dict] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for method in ("Runtime.enable", "Log.enable", "Page.enable"):
            self.call(method, session=session, events=events)
        self.call("Page.navigate", {"url": url}, session=session, events=events)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(
            e["method"] == "Page.loadEventFired" for e in events
        ):
            message = self._read(deadline - time.monotonic())
            if message and "method" in message:
                events.append(message)
        end = time.monotonic() + settle
        while (remaining := end - time.monotonic()) > 0:
            message = self._read(remaining)
            if message and "method" in message:
                events.append(message)
        value = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True},
            session=session,
            events=events,
        )["result"].get("value")
        self.call("Target.closeTarget", {"targetId": target})
        return _errors(events), value


def _errors(events: list[dict]) -> list[str]:
    out = []
    for e in events:
        p = e.get("params", {})
        if e["method"] == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            out.append(f"exception: {d.get('exception', {}).get('description') or d.get('text')}")
        elif e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append(
                "console.error: "
                + " ".join(str(a.get("value", a.get("description"))) for a in p["args"])
            )
        elif e["method"] == "Log.entryAdded" and p["entry"]["level"] == "error":
            out.append(f"log error: {p['entry']['text']} {p['entry'].get('url', '')}")
    return out
