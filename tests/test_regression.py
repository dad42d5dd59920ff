"""Regression machinery: tolerant data comparison, pixel comparison, missing baselines fail,
baselines change only on update; determinism across processes; interrupted runs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from neuronboundary.export import BROWSERS, save_figure_json
from reproduce import figures as figures_module
from reproduce.figures import run_figures
from reproduce.regression import (
    DEFAULT_TOLERANCES,
    check,
    chromium_major,
    compare_data,
    compare_png,
    environment,
    png_guard,
    update,
)

HAS_BROWSER = any(shutil.which(b) for b in BROWSERS)
ROOT = Path(__file__).resolve().parents[1]
TOL = {
    **DEFAULT_TOLERANCES,
    "fields": {"f:data[[]0[]].y*": {"rtol": 1e-3, "atol": 0}},  # fnmatch: "[[]" is a literal "["
    "ignore": ["f:layout.title*"],
}


def test_numbers_compare_with_per_field_tolerances():
    base = {"data": [{"y": [1.0, 2.0], "x": [1.0]}], "layout": {"title": "a"}}
    assert (
        compare_data(
            "f", base, {"data": [{"y": [1.0005, 2.0], "x": [1.0]}], "layout": {"title": "b"}}, TOL
        )
        == []
    )
    diffs = compare_data(
        "f", base, {"data": [{"y": [1.01, 2.0], "x": [1.0 + 1e-6]}], "layout": {"title": "a"}}, TOL
    )
    assert diffs == [
        "data[0].x[0]: 1.0 -> 1.000001 (rtol 1e-09, atol 1e-12)",
        "data[0].y[0]: 1.0 -> 1.01 (rtol 0.001, atol 0)",
    ]


def test_structure_and_string_changes_are_reported():
    base = {"data": [{"name": "neuron 0", "y": [1, 2]}]}
    assert compare_data("g", base, {"data": [{"name": "neuron 1", "y": [1, 2, 3]}]}, TOL) == [
        "data[0].name: 'neuron 0' -> 'neuron 1'",
        "data[0].y: length 2 -> 3",
    ]
    assert compare_data("g", base, {"data": [{"y": [1, 2]}], "extra": 1}, TOL) == [
        "data[0].name: missing now",
        ".extra: new field",
    ]


def test_png_tolerance_and_diff_image(tmp_path):
    img = np.full((40, 50, 3), 255, dtype=np.uint8)
    Image.fromarray(img).save(tmp_path / "a.png")
    near = img.copy()
    near[0, 0] = (250, 250, 250)  # below the channel threshold
    Image.fromarray(near).save(tmp_path / "b.png")
    assert (
        compare_png(
            tmp_path / "a.png", tmp_path / "b.png", tmp_path / "d.png", DEFAULT_TOLERANCES["png"]
        )
        is None
    )
    far = img.copy()
    far[10:20, 10:20] = 0
    Image.fromarray(far).save(tmp_path / "c.png")
    problem = compare_png(
        tmp_path / "a.png", tmp_path / "c.png", tmp_path / "d.png", DEFAULT_TOLERANCES["png"]
    )
    assert "7.00% of pixels differ" in problem  # the 10x10 block, grown by the 1-pixel blur
    assert (tmp_path / "d.png").is_file()
    unblurred = {**DEFAULT_TOLERANCES["png"], "blur_radius": 0}
    problem = compare_png(tmp_path / "a.png", tmp_path / "c.png", tmp_path / "d.png", unblurred)
    assert "5.00% of pixels differ" in problem


def test_png_blur_absorbs_isolated_pixel_noise_but_not_a_missing_mark(tmp_path):
    # anti-aliasing and glyph placement change isolated edge pixels: 1 % of pixels off by 60
    rng = np.random.default_rng(0)
    img = np.full((100, 120, 3), 255, dtype=np.uint8)
    img[40:43, 10:110] = (30, 60, 200)  # a 3-pixel line
    Image.fromarray(img).save(tmp_path / "a.png")
    noisy = img.astype(np.int16)
    flat = rng.choice(img.shape[0] * img.shape[1], size=120, replace=False)
    rows, cols = np.unravel_index(flat, img.shape[:2])
    noisy[rows, cols] = np.clip(noisy[rows, cols] - 60, 0, 255)
    Image.fromarray(noisy.astype(np.uint8)).save(tmp_path / "b.png")
    tol = DEFAULT_TOLERANCES["png"]
    unblurred = {**tol, "blur_radius": 0}
    assert compare_png(tmp_path / "a.png", tmp_path / "b.png", tmp_path / "d.png", unblurred)
    assert compare_png(tmp_path / "a.png", tmp_path / "b.png", tmp_path / "d.png", tol) is None
    gone = img.copy()
    gone[40:43, 10:110] = 255  # the line is not drawn
    Image.fromarray(gone).save(tmp_path / "c.png")
    assert "of pixels differ" in compare_png(
        tmp_path / "a.png", tmp_path / "c.png", tmp_path / "d.png", tol
    )


def _figure_set(folder, y):
    save_figure_json(go.Figure(go.Scatter(x=[0, 1], y=y, name="n")), folder, "f")
    Image.fromarray(np.full((10, 10, 3), 200, dtype=np.uint8)).save(folder / "f.png")


def test_missing_baseline_fails_and_update_is_the_only_writer(tmp_path):
    figs, base = tmp_path / "figs", tmp_path / "base"
    _figure_set(figs, [1.0, 2.0])
    report, _, _ = check(figs, base, ["f"], tmp_path / "diff")
    assert not report.ok
    assert any("baseline" in f and "missing" in f for f in report.failures)
    assert not base.exists()  # a failing check writes no baseline
    update(figs, base, ["f"])
    assert json.loads((base / "versions.json").read_text())["torch"].startswith("2.")
    report, _, _ = check(figs, base, ["f"], tmp_path / "diff")
    assert report.ok, report.text()
    _figure_set(figs, [1.0, 2.5])
    before = (base / "f.json").read_text()
    report, recorded, now = check(figs, base, ["f"], tmp_path / "diff")
    assert [f for f in report.failures if "data[0].y[1]" in f]
    assert (base / "f.json").read_text() == before
    text = report.text(recorded, now)
    assert "versions (baselines -> now):" in text
    assert "torch" in text


def _with_versions(base, **changes):
    versions = json.loads((base / "versions.json").read_text())
    versions.update(changes)
    (base / "versions.json").write_text(json.dumps(versions))


def test_png_guard_skips_another_major_version_loudly(tmp_path):
    figs, base = tmp_path / "figs", tmp_path / "base"
    _figure_set(figs, [1.0, 2.0])
    update(figs, base, ["f"])
    _with_versions(base, chromium="Chromium 1.0.0.1 (elsewhere)")
    Image.fromarray(np.zeros((10, 10, 3), dtype=np.uint8)).save(figs / "f.png")
    report, recorded, now = check(figs, base, ["f"], tmp_path / "diff")
    assert report.ok
    assert report.png_compared == []
    assert list(report.png_skipped) == ["f"]
    last = report.text(recorded, now).splitlines()[-2]  # framed by rules of '='
    assert last.startswith("REGRESSION OK: compared 1 data file(s) and 0 PNG(s); SKIPPED 1 PNG(s)")
    assert "browser Chromium 1 in the baselines" in last


def test_png_compared_across_patch_versions_of_one_major(tmp_path):
    figs, base = tmp_path / "figs", tmp_path / "base"
    _figure_set(figs, [1.0, 2.0])
    update(figs, base, ["f"])
    now = environment()
    if chromium_major(now["chromium"]) in ("none", "unknown"):
        pytest.skip("needs a browser to have a version")
    major = chromium_major(now["chromium"]).split()[-1]
    _with_versions(base, chromium=f"Chromium {major}.0.1.2 built elsewhere")
    report, recorded, now = check(figs, base, ["f"], tmp_path / "diff")
    assert report.png_compared == [str(figs / "f.png")]
    assert report.png_skipped == {}
    Image.fromarray(np.zeros((10, 10, 3), dtype=np.uint8)).save(figs / "f.png")
    report, recorded, now = check(figs, base, ["f"], tmp_path / "diff")
    assert [f for f in report.failures if f.startswith("f.png: 100.00% of pixels differ")]
    assert "REGRESSION FAILED (1 mismatch(es)): compared 1 data file(s) and 1 PNG(s)" in (
        report.text(recorded, now)
    )


def test_png_guard_names_platform_and_font():
    a = {"chromium": "Chromium 156.0.1.2", "platform": "Linux-x86_64", "font": "DejaVuSans.ttf"}
    assert png_guard(a) == {
        "browser": "Chromium 156",
        "platform": "Linux-x86_64",
        "font": "DejaVuSans.ttf",
    }
    assert png_guard({**a, "font": "unknown"}) == {
        "browser": "Chromium 156",
        "platform": "Linux-x86_64",
    }
    assert chromium_major("Google Chrome 141.0.7390.54") == "Google Chrome 141"


@pytest.mark.slow
def test_two_processes_give_identical_bytes(tmp_path):
    outs = []
    for run in ("a", "b"):
        out = tmp_path / run
        args = [sys.executable, "-m", "reproduce", "figures", "--out", str(out), "--quiet",
                "--only", "decision_boundary", "decision_boundary_2d_input"]  # fmt: skip
        if not HAS_BROWSER:
            args.append("--no-png")
        subprocess.run(args, check=True, capture_output=True, cwd=ROOT)  # as nox runs it
        outs.append(out)
    names = sorted(p.name for p in outs[0].iterdir())
    assert names == sorted(p.name for p in outs[1].iterdir())
    assert {n.rsplit(".", 1)[1] for n in names} >= (
        {"json", "html", "png"} if HAS_BROWSER else {"json", "html"}
    )
    for n in names:
        assert (outs[0] / n).read_bytes() == (outs[1] / n).read_bytes(), n


def test_interrupted_run_leaves_previous_figures(tmp_path, monkeypatch):
    out = tmp_path / "figs"
    out.mkdir()
    (out / "decision_boundary.json").write_text("previous")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(figures_module, "_execute", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_figures(out, ["decision_boundary"], progress=False)
    assert (out / "decision_boundary.json").read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["figs"]  # no staging folder left behind
