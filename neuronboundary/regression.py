"""Regression checks of the figures against committed baselines.

``check`` compares freshly generated figures (``NAME.json`` and ``NAME.png``) with the baselines
in a folder (``tests/baselines/`` in the repository):

* figure DATA: the plotly JSON with its base64 typed arrays decoded, walked field by field;
  numbers compared with tolerances (``tolerances.json``: per-field patterns), strings exactly;
* PNG pixels: a pixel differs when a channel differs by more than ``channel_threshold``; the
  image matches when at most ``max_fraction`` of its pixels differ. Pixels depend on Chromium
  and fonts, so PNGs are compared only when the platform recorded with the baselines matches
  (the platform guard); a mismatch writes a diff image and says where.

A missing baseline fails. Baselines change only through ``update`` (``nox -s regenerate``),
which also records the versions that produced them (``versions.json``); they are printed on any
mismatch, so a change of torch, plotly, kaleido or Chromium is named.
"""

from __future__ import annotations

import fnmatch
import json
import math
import platform
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neuronboundary.export import decode_arrays, find_browser

__all__ = ["Report", "check", "environment", "update"]

DEFAULT_TOLERANCES = {
    "default": {"rtol": 1e-9, "atol": 1e-12},
    "fields": {},
    "ignore": [],
    "png": {"channel_threshold": 48, "max_fraction": 0.002},
}


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


def environment() -> dict[str, str]:
    """Versions that shape the figures: libraries, browser, platform."""
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
    return env


def _png_platform(env: dict[str, str]) -> tuple[str, str]:
    """What pixels depend on: the browser build and the platform (fonts come with them)."""
    return env.get("chromium", ""), env.get("platform", "")


@dataclass
class Report:
    """Outcome of a regression check."""

    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def text(
        self, baseline_env: dict[str, str] | None = None, current_env: dict[str, str] | None = None
    ) -> str:
        lines = [f"checked {len(self.checked)} figure file(s)"]
        lines += [f"NOTE: {n}" for n in self.notes]
        lines += [f"FAIL: {f}" for f in self.failures]
        if self.failures and baseline_env is not None and current_env is not None:
            lines.append("versions (baselines -> now):")
            for key in sorted(set(baseline_env) | set(current_env)):
                a, b = baseline_env.get(key, "?"), current_env.get(key, "?")
                lines.append(f"  {key:<13} {a} -> {b}{'   <- changed' if a != b else ''}")
        lines.append(
            "OK: figures match the baselines" if self.ok else f"{len(self.failures)} mismatch(es)"
        )
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
    """None when the images match within tolerance, else an explanation (a diff image is written)."""
    import numpy as np
    from PIL import Image

    a = np.asarray(Image.open(baseline).convert("RGB"), dtype=np.int16)
    b = np.asarray(Image.open(current).convert("RGB"), dtype=np.int16)
    if a.shape != b.shape:
        return f"size {a.shape[1]}x{a.shape[0]} -> {b.shape[1]}x{b.shape[0]}"
    differ = np.abs(a - b).max(axis=2) > png_tol["channel_threshold"]
    fraction = float(differ.mean())
    if fraction <= png_tol["max_fraction"]:
        return None
    faded = (255 - (255 - b) // 4).astype(np.uint8)
    faded[differ] = (220, 0, 0)
    diff_path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(faded).save(diff_path)
    return (
        f"{fraction:.2%} of pixels differ (tolerance {png_tol['max_fraction']:.2%}, channel "
        f"threshold {png_tol['channel_threshold']}); diff image: {diff_path}"
    )


# ---------------------------------------------------------------------------- entry points
def _load_tolerances(baselines: Path) -> dict[str, Any]:
    path = baselines / "tolerances.json"
    tol = json.loads(path.read_text()) if path.is_file() else {}
    return {**DEFAULT_TOLERANCES, **tol}


def check(
    figures: Path, baselines: Path, names: list[str], diff_dir: Path
) -> tuple[Report, dict[str, str], dict[str, str]]:
    """Compare ``figures/NAME.{json,png}`` with ``baselines/NAME.json`` and ``baselines/png/NAME.png``."""
    report = Report()
    tolerances = _load_tolerances(baselines)
    recorded_path = baselines / "versions.json"
    recorded = json.loads(recorded_path.read_text()) if recorded_path.is_file() else {}
    if not recorded:
        report.failures.append(
            f"{recorded_path} is missing: run `nox -s regenerate` to record baselines."
        )
    now = environment()
    same_platform = _png_platform(recorded) == _png_platform(now)
    if not same_platform:
        report.notes.append(
            "PNG pixels not compared: baselines were rendered with "
            f"{' on '.join(_png_platform(recorded))}, this is {' on '.join(_png_platform(now))} "
            "(pixels depend on the browser and fonts); figure data is still compared."
        )
    for name in names:
        base_json = baselines / f"{name}.json"
        cur_json = figures / f"{name}.json"
        if not base_json.is_file():
            report.failures.append(
                f"{name}: baseline {base_json} is missing (run `nox -s regenerate`)."
            )
        elif not cur_json.is_file():
            report.failures.append(f"{name}: {cur_json} was not generated.")
        else:
            baseline = json.loads(base_json.read_text())
            current = decode_arrays(json.loads(cur_json.read_text()))
            report.failures += [
                f"{name}: {d}" for d in compare_data(name, baseline, current, tolerances)
            ]
            report.checked.append(str(cur_json))
        base_png = baselines / "png" / f"{name}.png"
        cur_png = figures / f"{name}.png"
        if not base_png.is_file():
            report.failures.append(
                f"{name}: baseline {base_png} is missing (run `nox -s regenerate`)."
            )
        elif not cur_png.is_file():
            report.failures.append(f"{name}: {cur_png} was not generated (is Chromium installed?).")
        elif same_platform:
            problem = compare_png(
                base_png, cur_png, diff_dir / f"{name}.diff.png", tolerances["png"]
            )
            if problem:
                report.failures.append(f"{name}.png: {problem}")
            report.checked.append(str(cur_png))
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
