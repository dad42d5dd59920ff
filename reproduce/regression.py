"""Regression checks of the figures against committed baselines.

``check`` compares freshly generated figures (``NAME.json`` and ``NAME.png``) with the baselines
in a folder (``tests/baselines/`` in the repository):

* figure DATA: the plotly JSON with its base64 typed arrays decoded, walked field by field;
  numbers compared with tolerances (``tolerances.json``: per-field patterns), strings exactly;
* PNG pixels, a coarse second line of defence: both images are blurred (Gaussian,
  ``blur_radius`` pixels) so that anti-aliasing and sub-pixel glyph placement do not count, then
  a pixel differs when a channel differs by more than ``channel_threshold``, and the image
  matches when at most ``max_fraction`` of its pixels differ. Pixels depend on the browser and
  fonts, so PNGs are compared only when the Chromium MAJOR version, the platform and (where
  recorded) the font that figure text resolves to match the baselines' (the guard); a mismatch
  writes a diff image and says where. Measured here: turning off sub-pixel glyph positioning
  changes up to 0.29 % of a figure's pixels raw (0.17 % by more than 48), but only 0.034 % after
  a 1-pixel blur (threshold 32); a hidden trace changes 0.51 % after the blur; a one-character
  title change (0.009 %) or a recoloured line (0.04 %) stay below any tolerance that absorbs
  glyph placement. So the DATA comparison is the authority (it sees every number, string and
  colour); pixels catch what data cannot show: a blank, cut or broken rendering.

A missing baseline fails. Baselines change only through ``update`` (``nox -s regenerate``),
which also records the versions that produced them (``versions.json``); they are printed on any
mismatch, so a change of torch, plotly, kaleido or Chromium is named.
"""

from __future__ import annotations

import fnmatch
import json
import math
import platform
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neuronboundary.export import decode_arrays, find_browser

__all__ = ["Report", "check", "chromium_major", "environment", "png_guard", "update"]

DEFAULT_TOLERANCES = {
    "default": {"rtol": 1e-9, "atol": 1e-12},
    "fields": {},
    "ignore": [],
    "png": {"blur_radius": 1.0, "channel_threshold": 32, "max_fraction": 0.002},
}

#: What figure text asks for (the plotting style's family list, then the generic fallback).
FONT_QUERY = "DejaVu Sans,Arial,sans-serif"


def _chromium_version() -> str:
    try:
        browser = find_browser()
    except RuntimeError:
        return "none"
    try:
        out = subprocess.run(
            [browser, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):  # pragma: no cover - a broken browser install
        return "unknown"
    return out.stdout.strip() or "unknown"


def _font() -> str:
    """The font file that figure text resolves to (fontconfig), or ``"unknown"``."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return "unknown"
    try:
        out = subprocess.run(
            [fc_match, "--format=%{file}", FONT_QUERY],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):  # pragma: no cover - a broken fontconfig
        return "unknown"
    return Path(out.stdout.strip()).name or "unknown"


def environment() -> dict[str, str]:
    """Versions that shape the figures: libraries, browser, fonts, platform.

    Examples
    --------
    >>> keys = sorted(environment())
    >>> keys[:5], keys[5:]
    (['chromium', 'font', 'kaleido', 'numpy', 'platform'], ['plotly', 'python', 'scikit-learn', 'torch'])
    """
    from importlib.metadata import PackageNotFoundError, version

    env = {
        "python": platform.python_version(),
        "platform": f"{platform.system()}-{platform.machine()}",
    }
    for package in ("torch", "numpy", "plotly", "kaleido", "scikit-learn"):
        try:
            env[package] = version(package)
        except PackageNotFoundError:
            env[package] = "not installed"
    env["chromium"] = _chromium_version()
    env["font"] = _font()
    return env


def chromium_major(version: str) -> str:
    """The major version in a ``--version`` line, or the line itself when it has none.

    Examples
    --------
    >>> chromium_major("Chromium 156.0.8078.79 built on Debian GNU/Linux 12 (bookworm)")
    'Chromium 156'
    >>> chromium_major("Google Chrome 141.0.7390.54")
    'Google Chrome 141'
    >>> chromium_major("none")
    'none'
    """
    match = re.search(r"^(.*?)(\d+)\.\d+\.\d+", version)
    if match is None:
        return version
    name = match.group(1).strip()
    return f"{name} {match.group(2)}" if name else match.group(2)


def png_guard(env: dict[str, str]) -> dict[str, str]:
    """What pixels depend on: the browser's major version, the platform, and the font (when
    recorded; baselines without it are compared on the first two).

    Examples
    --------
    >>> png_guard({"chromium": "Chromium 156.0.8078.108 built on Debian", "platform": "Linux-x86_64"})
    {'browser': 'Chromium 156', 'platform': 'Linux-x86_64'}
    """
    guard = {
        "browser": chromium_major(env.get("chromium", "")),
        "platform": env.get("platform", ""),
    }
    if env.get("font") not in (None, "", "unknown"):
        guard["font"] = env["font"]
    return guard


def _guard_mismatch(recorded: dict[str, str], now: dict[str, str]) -> str | None:
    """Why PNGs cannot be compared, or None when they can."""
    a, b = png_guard(recorded), png_guard(now)
    if a["browser"] in ("", "none", "unknown") or b["browser"] in ("none", "unknown"):
        return (
            f"no browser version to compare (baselines: {a['browser'] or '?'}, now: {b['browser']})"
        )
    keys = [k for k in ("browser", "platform", "font") if k in a and k in b and a[k] != b[k]]
    if not keys:
        return None
    return "; ".join(f"{k} {a[k]} in the baselines, {b[k]} here" for k in keys)


@dataclass
class Report:
    """Outcome of a regression check: what was compared, what was skipped and why, what failed.

    Examples
    --------
    >>> report = Report(data_compared=["f"], png_skipped={"f": "browser Chromium 155 in the "
    ...     "baselines, Chromium 156 here"})
    >>> print(report.summary())
    REGRESSION OK: compared 1 data file(s) and 0 PNG(s); SKIPPED 1 PNG(s): browser Chromium 155 in the baselines, Chromium 156 here (figure data, the authority, was compared)
    """

    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data_compared: list[str] = field(default_factory=list)
    png_compared: list[str] = field(default_factory=list)
    png_skipped: dict[str, str] = field(default_factory=dict)  # figure -> why

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def checked(self) -> list[str]:
        """Every file compared (data, then PNGs)."""
        return [*self.data_compared, *self.png_compared]

    def summary(self) -> str:
        """One line: the verdict, how many data files and PNGs were compared, what was skipped
        and why."""
        verdict = (
            "REGRESSION OK" if self.ok else f"REGRESSION FAILED ({len(self.failures)} mismatch(es))"
        )
        line = (
            f"{verdict}: compared {len(self.data_compared)} data file(s) and "
            f"{len(self.png_compared)} PNG(s)"
        )
        if self.png_skipped:
            reasons = list(dict.fromkeys(self.png_skipped.values()))
            line += (
                f"; SKIPPED {len(self.png_skipped)} PNG(s): {' / '.join(reasons)} "
                "(figure data, the authority, was compared)"
            )
        return line

    def text(
        self, baseline_env: dict[str, str] | None = None, current_env: dict[str, str] | None = None
    ) -> str:
        """The full report: notes, failures, versions on failure, and the summary line last."""
        lines = [f"NOTE: {n}" for n in self.notes]
        lines += [f"FAIL: {f}" for f in self.failures]
        if self.failures and baseline_env is not None and current_env is not None:
            lines.append("versions (baselines -> now):")
            for key in sorted(set(baseline_env) | set(current_env)):
                a, b = baseline_env.get(key, "?"), current_env.get(key, "?")
                lines.append(f"  {key:<13} {a} -> {b}{'   <- changed' if a != b else ''}")
        rule = "=" * 100
        lines += [rule, self.summary(), rule]
        return "\n".join(lines)


# ---------------------------------------------------------------------------- data
def _tolerance(figure: str, path: str, tolerances: dict[str, Any]) -> dict[str, float] | None:
    key = f"{figure}:{path}"
    for pattern in tolerances.get("ignore", []):
        if fnmatch.fnmatchcase(key, pattern):
            return None
    best = tolerances.get("default", DEFAULT_TOLERANCES["default"])
    for pattern, tol in tolerances.get("fields", {}).items():
        if fnmatch.fnmatchcase(key, pattern):
            best = tol
    return best


def compare_data(
    figure: str, baseline: Any, current: Any, tolerances: dict[str, Any], limit: int = 20
) -> list[str]:
    """Differences between two decoded figure dicts, as ``path: explanation`` lines."""
    out: list[str] = []

    def walk(a: Any, b: Any, path: str) -> None:
        if len(out) >= limit:
            return
        tol = _tolerance(figure, path, tolerances)
        if tol is None:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                if key not in b:
                    out.append(f"{path}.{key}: missing now")
                elif key not in a:
                    out.append(f"{path}.{key}: new field")
                else:
                    walk(a[key], b[key], f"{path}.{key}" if path else key)
        elif isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                out.append(f"{path}: length {len(a)} -> {len(b)}")
                return
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                walk(x, y, f"{path}[{i}]")
        elif (
            isinstance(a, bool)
            or isinstance(b, bool)
            or not (isinstance(a, (int, float)) and isinstance(b, (int, float)))
        ):
            if a != b:
                out.append(f"{path}: {a!r} -> {b!r}")
        else:
            fa, fb = float(a), float(b)
            if math.isnan(fa) and math.isnan(fb):
                return
            if not abs(fa - fb) <= tol["atol"] + tol["rtol"] * abs(fa):
                out.append(f"{path}: {fa!r} -> {fb!r} (rtol {tol['rtol']}, atol {tol['atol']})")

    walk(baseline, current, "")
    return out


# ---------------------------------------------------------------------------- pixels
def compare_png(
    baseline: Path, current: Path, diff_path: Path, png_tol: dict[str, float]
) -> str | None:
    """None when the images match within tolerance, else an explanation (a diff image is written).

    Both images are blurred by ``png_tol["blur_radius"]`` pixels (0: no blur) before a pixel is
    counted as differing (a channel off by more than ``channel_threshold``); they match when at
    most ``max_fraction`` of the pixels differ.
    """
    import numpy as np
    from PIL import Image, ImageFilter

    images = [Image.open(path).convert("RGB") for path in (baseline, current)]
    if images[0].size != images[1].size:
        (w0, h0), (w1, h1) = images[0].size, images[1].size
        return f"size {w0}x{h0} -> {w1}x{h1}"
    radius = float(png_tol.get("blur_radius", 0.0))
    if radius > 0:
        images = [im.filter(ImageFilter.GaussianBlur(radius)) for im in images]
    a, b = (np.asarray(im, dtype=np.int16) for im in images)
    differ = np.abs(a - b).max(axis=2) > png_tol["channel_threshold"]
    fraction = float(differ.mean())
    if fraction <= png_tol["max_fraction"]:
        return None
    current_rgb = np.asarray(Image.open(current).convert("RGB"), dtype=np.int16)
    faded = (255 - (255 - current_rgb) // 4).astype(np.uint8)
    faded[differ] = (220, 0, 0)
    diff_path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(faded).save(diff_path)
    return (
        f"{fraction:.2%} of pixels differ (tolerance {png_tol['max_fraction']:.2%}, channel "
        f"threshold {png_tol['channel_threshold']} after a {radius:g}-pixel blur); "
        f"diff image: {diff_path}"
    )


# ---------------------------------------------------------------------------- entry points
def _load_tolerances(baselines: Path) -> dict[str, Any]:
    path = baselines / "tolerances.json"
    tol = json.loads(path.read_text()) if path.is_file() else {}
    return {**DEFAULT_TOLERANCES, **tol}


def _missing(name: str, baseline: Path, current: Path, hint: str) -> str | None:
    """Why a baseline and its fresh file cannot be compared (one is missing), or None."""
    if not baseline.is_file():
        return f"{name}: baseline {baseline} is missing (run `nox -s regenerate`)."
    if not current.is_file():
        return f"{name}: {current} was not generated{hint}."
    return None


def check(
    figures: Path, baselines: Path, names: list[str], diff_dir: Path
) -> tuple[Report, dict[str, str], dict[str, str]]:
    """Compare ``figures/NAME.{json,png}`` with ``baselines/NAME.json`` and ``baselines/png/NAME.png``.

    PNGs are compared only when :func:`png_guard` of the recorded and the current environment
    agree; otherwise each is listed in ``Report.png_skipped`` with the reason.
    """
    report = Report()
    tolerances = _load_tolerances(baselines)
    recorded_path = baselines / "versions.json"
    recorded = json.loads(recorded_path.read_text()) if recorded_path.is_file() else {}
    if not recorded:
        report.failures.append(
            f"{recorded_path} is missing: run `nox -s regenerate` to record baselines."
        )
    now = environment()
    skip_png = _guard_mismatch(recorded, now) if recorded else "no versions.json"
    for name in names:
        base_json = baselines / f"{name}.json"
        cur_json = figures / f"{name}.json"
        missing = _missing(name, base_json, cur_json, "")
        if missing:
            report.failures.append(missing)
        else:
            baseline = json.loads(base_json.read_text())
            current = decode_arrays(json.loads(cur_json.read_text()))
            report.failures += [
                f"{name}: {d}" for d in compare_data(name, baseline, current, tolerances)
            ]
            report.data_compared.append(str(cur_json))
        base_png = baselines / "png" / f"{name}.png"
        cur_png = figures / f"{name}.png"
        missing = _missing(name, base_png, cur_png, " (is Chromium installed?)")
        if missing:
            report.failures.append(missing)
        elif skip_png:
            report.png_skipped[name] = skip_png
        else:
            problem = compare_png(
                base_png, cur_png, diff_dir / f"{name}.diff.png", tolerances["png"]
            )
            if problem:
                report.failures.append(f"{name}.png: {problem}")
            report.png_compared.append(str(cur_png))
    return report, recorded, now


def update(figures: Path, baselines: Path, names: list[str]) -> list[Path]:
    """Rewrite the baselines from freshly generated figures and record the versions."""
    written = []
    (baselines / "png").mkdir(parents=True, exist_ok=True)
    for name in names:
        data = decode_arrays(json.loads((figures / f"{name}.json").read_text()))
        path = baselines / f"{name}.json"
        path.write_text(json.dumps(data, sort_keys=True, indent=1) + "\n")
        written.append(path)
        png = figures / f"{name}.png"
        if not png.is_file():
            raise FileNotFoundError(
                f"{png} is missing: PNG baselines need Chromium (apt-get install -y chromium)."
            )
        shutil.copyfile(png, baselines / "png" / f"{name}.png")
        written.append(baselines / "png" / f"{name}.png")
    (baselines / "versions.json").write_text(
        json.dumps(environment(), sort_keys=True, indent=1) + "\n"
    )
    if not (baselines / "tolerances.json").is_file():
        (baselines / "tolerances.json").write_text(json.dumps(DEFAULT_TOLERANCES, indent=1) + "\n")
    return written
