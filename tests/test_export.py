"""Export: small HTML sharing one plotly.js, deterministic JSON/HTML, PNG through kaleido, atomicity."""

from __future__ import annotations

import json
import shutil

import numpy as np
import plotly.graph_objects as go
import pytest

from neuronboundary import NeuronLayer
from neuronboundary import export as ex
from neuronboundary.plotting import guidelines_figure

HAS_BROWSER = any(shutil.which(b) for b in ex.BROWSERS)
needs_browser = pytest.mark.skipif(
    not HAS_BROWSER,
    reason="no Chrome/Chromium on PATH (install Debian's `chromium`); CI installs it",
)


def fig() -> go.Figure:
    return guidelines_figure(NeuronLayer.random(8, 1, seed=3), inputs=[0.3, 0.7])


def test_html_is_small_shares_plotlyjs_and_is_deterministic(tmp_path):
    a = ex.write_html(fig(), tmp_path / "a" / "f.html", div_id="f")
    b = ex.write_html(fig(), tmp_path / "b" / "f.html", div_id="f")
    assert a.read_bytes() == b.read_bytes()
    text = a.read_text()
    assert a.stat().st_size < 1_000_000
    assert 'src="plotly.min.js"' in text
    assert 'id="f"' in text
    assert (tmp_path / "a" / "plotly.min.js").stat().st_size > 1_000_000  # the one shared copy


def test_json_round_trip_and_determinism(tmp_path):
    p = ex.save_figure_json(fig(), tmp_path, "f")
    assert p.read_text() == ex.figure_json(fig())
    again = ex.load_figure(p)
    assert len(again.data) == len(fig().data)
    assert json.loads(p.read_text())["layout"]["xaxis"]["title"]["text"] == "input x"


@pytest.mark.parametrize("name", ["", "a/b", "../x", 3])
def test_bad_figure_names(tmp_path, name):
    with pytest.raises(ValueError, match="figure name"):
        ex.save_figure_json(fig(), tmp_path, name)


def _no_browser_anywhere(monkeypatch, tmp_path):
    """Not on PATH, not named by BROWSER_PATH, not in kaleido's folders."""
    from choreographer.browsers.chromium import Chromium

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setattr(Chromium, "find_browser", staticmethod(lambda *a, **k: None))


def _executable(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


def test_find_browser_order_browser_path_then_path_then_kaleido(tmp_path, monkeypatch):
    _no_browser_anywhere(monkeypatch, tmp_path)
    with pytest.raises(ex.BrowserNotFoundError, match="apt-get install -y chromium"):
        ex.find_browser()
    bin_dir = tmp_path / "empty"
    on_path = _executable(bin_dir / "google-chrome")
    assert ex.find_browser() == on_path
    assert ex.find_browser() == on_path  # a second call finds the same
    override = _executable(tmp_path / "opt" / "my-chrome")
    monkeypatch.setenv("BROWSER_PATH", override)
    assert ex.find_browser() == override  # BROWSER_PATH wins over PATH
    (tmp_path / "opt" / "my-chrome").chmod(0o644)
    assert ex.find_browser() == on_path  # a BROWSER_PATH that cannot run is passed over
    (bin_dir / "google-chrome").unlink()
    from choreographer.browsers.chromium import Chromium

    monkeypatch.setattr(Chromium, "find_browser", staticmethod(lambda *a, **k: "/k/chrome"))
    assert ex.find_browser() == "/k/chrome"  # kaleido's own lookup comes last


def test_missing_browser_still_writes_html_and_says_how_to_install(tmp_path, monkeypatch):
    _no_browser_anywhere(monkeypatch, tmp_path)
    with pytest.raises(ex.BrowserNotFoundError, match="apt-get install -y chromium"):
        ex.write_figure_set({"f": fig()}, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "f.html",
        "f.json",
        "plotly.min.js",
    ]


def test_failed_set_leaves_previous_figures(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "f.json").write_text("previous")

    def broken(*args, **kwargs):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(ex, "write_pngs", broken)
    with pytest.raises(RuntimeError, match="interrupted"):
        ex.write_figure_set({"f": fig()}, out)
    assert (out / "f.json").read_text() == "previous"
    assert sorted(p.name for p in out.iterdir()) == ["f.json"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out-")]  # stage cleaned


@needs_browser
def test_png_through_one_kaleido_session(tmp_path):
    paths = ex.write_pngs({"a": fig(), "b": go.Figure(go.Scatter(x=[0, 1], y=[1, 0]))}, tmp_path)
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert p.stat().st_size > 5_000


def test_figure_data_of_a_figure_dict_equals_that_of_the_figure():
    f = fig()
    assert ex.figure_data(f.to_dict()) == ex.figure_data(f)


def test_bad_figure_or_folder_writes_nothing(tmp_path):
    with pytest.raises(TypeError, match="fig must be a plotly Figure"):
        ex.save_figure_json(None, tmp_path / "new", "g")
    assert not (tmp_path / "new").exists()  # the figure is checked before the folder is made
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(NotADirectoryError, match="is an existing file, not a folder"):
        ex.write_figure_set({"g": fig()}, tmp_path / "a_file", png=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]  # nothing staged
    (tmp_path / "out" / "g.html").mkdir(parents=True)
    with pytest.raises(IsADirectoryError, match=r"g\.html' is a folder"):
        ex.write_figure_set({"g": fig()}, tmp_path / "out", png=False)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["g.html"]
    written = ex.write_figure_set({"g": fig()}, tmp_path / "fine", png=np.bool_(False))
    assert sorted(p.name for p in written["g"]) == ["g.html", "g.json"]
