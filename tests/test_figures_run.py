"""The figure pipeline end to end: papermill notebooks, parameters, CLI, failures."""

from __future__ import annotations

import json
import shutil

import nbformat
import numpy as np
import pytest

from neuronboundary import NeuronLayer
from neuronboundary.export import BROWSERS, figure_data
from reproduce.cli import main
from reproduce.figures import FIGURES, RULES, declared_parameters, notebooks_dir, run_figures

HAS_BROWSER = any(shutil.which(b) for b in BROWSERS)
pytestmark = pytest.mark.slow


def trace_y(path, index=0):
    return np.asarray(figure_data(path)["data"][index]["y"], dtype=float)


def test_every_notebook_parameter_has_a_rule_and_valid_defaults():
    for (
        name,
        notebook,
    ) in FIGURES.items():  # a notebook making several figures is checked per figure
        params = declared_parameters(notebooks_dir() / notebook)
        assert "output_dir" in params, name
        for p, default in params.items():
            if p == "output_dir":
                continue
            assert p in RULES, f"{name}: parameter {p} has no rule"
            RULES[p](p, default)


def test_notebooks_are_kept_without_outputs():
    for notebook in FIGURES.values():
        nb = nbformat.read(notebooks_dir() / notebook, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1


def test_all_notebooks_run_with_small_parameters(tmp_path):
    out = tmp_path / "figs"
    summary = run_figures(out, parameters={"n_neurons": 3}, png=HAS_BROWSER, progress=False)
    assert list(summary.files) == list(FIGURES)
    for name in FIGURES:
        assert (out / f"{name}.html").stat().st_size < 1_000_000
        assert (out / f"{name}.json").is_file()
        if HAS_BROWSER:
            assert (out / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    assert len(list(out.glob("*.js"))) == 1  # one shared plotly.min.js
    layer = NeuronLayer.random(3, 1, seed=3)
    np.testing.assert_allclose(trace_y(out / "decision_boundary.json"), layer([0.0, 2.0])[:, 0])
    assert "figures written to" in summary.table()
    done = "export (JSON + HTML + PNG)" if HAS_BROWSER else "export (JSON + HTML, no PNG)"
    assert done in summary.table()


def test_cli_only_and_parameters(tmp_path, capsys):
    out = tmp_path / "figs"
    code = main(
        ["figures", "--out", str(out), "--only", "decision_boundary", "-p", "seed", "4", "-p", "inputs", "[0.1]",
         "--no-png", "--quiet"]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == [
        "decision_boundary.html",
        "decision_boundary.json",
        "plotly.min.js",
    ]
    np.testing.assert_allclose(
        trace_y(out / "decision_boundary.json"), NeuronLayer.random(8, 1, seed=4)([0.0, 2.0])[:, 0]
    )
    data = json.loads((out / "decision_boundary.json").read_text())["data"]
    assert [t["name"] for t in data if t["name"].startswith("Input")] == ["Input 1 (x = 0.1)"]
    printed = capsys.readouterr().out
    assert "decision_boundary" in printed
    assert "export (JSON + HTML, no PNG)" in printed  # says what was done: no PNG written


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-p", "n_neuron", "8"], "unknown parameter 'n_neuron'"),
        (["-p", "n_neurons", "-3"], "parameter n_neurons must be an integer >= 1"),
        (["-p", "inputs", "[0.3, nan]"], "parameter inputs must be a list"),
        (["-p", "view_x", "[1, 0]"], "parameter view_x must have lo < hi"),
        (["-p", "seed", "1.5"], "parameter seed must be an integer"),
        (["-p", "output_dir", "x"], "set by the runner"),
        (["-p", "seed", "1", "-p", "seed", "2"], "given twice"),
    ],
)
def test_cli_bad_parameters_fail_before_writing(tmp_path, capsys, args, message):
    out = tmp_path / "figs"
    code = main(["figures", "--out", str(out), "--only", "decision_boundary", "--quiet", *args])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_cli_unknown_figure(capsys):
    with pytest.raises(SystemExit) as info:
        main(["figures", "--only", "nope"])
    assert info.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err


def test_failing_notebook_names_cell_keeps_notebook_and_old_figures(tmp_path, capsys):
    nb_dir = tmp_path / "notebooks"
    shutil.copytree(notebooks_dir(), nb_dir)
    broken = nbformat.read(nb_dir / "decision_boundary.ipynb", as_version=4)
    broken.cells[3].source += "\nraise RuntimeError('deliberate failure')"
    nbformat.write(broken, nb_dir / "decision_boundary.ipynb")
    out = tmp_path / "figs"
    out.mkdir()
    (out / "decision_boundary.json").write_text("previous figure")
    code = main(["figures", "--out", str(out), "--notebooks", str(nb_dir), "--only", "decision_boundary",
                 "decision_boundary_1d", "--no-png", "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert "notebook decision_boundary.ipynb failed in cell" in err
    assert "RuntimeError: deliberate failure" in err
    kept = out / "failed" / "decision_boundary.ipynb"  # named after the notebook
    assert "deliberate failure" in kept.read_text()
    assert (out / "decision_boundary.json").read_text() == "previous figure"
    assert not (out / "decision_boundary_1d.json").exists()  # no half-written set


@pytest.mark.parametrize("where", ["under_file", "is_file"])
def test_cli_bad_out_fails_before_any_notebook(tmp_path, capsys, monkeypatch, where):
    from reproduce import figures as figures_module

    def no_notebook(*args, **kwargs):
        raise AssertionError("a notebook ran before --out was checked")

    monkeypatch.setattr(figures_module, "_execute", no_notebook)
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    out = a_file / "figs" if where == "under_file" else a_file
    code = main(["figures", "--out", str(out), "--only", "decision_boundary", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"error: out_dir (--out) {str(out)!r}")
    assert "choose a folder" in err
    assert "Traceback" not in err
    assert a_file.read_text() == "x"


def test_summary_says_wall_time_and_summed_notebook_time(tmp_path):
    summary = run_figures(tmp_path / "figs", ["decision_boundary"], png=False, progress=False)
    last = summary.table().splitlines()[-1]
    assert last.startswith(f"wall time {summary.wall_seconds:.1f} s: notebooks ")
    assert "summed over notebooks" in last
    assert last.endswith(f"export (JSON + HTML, no PNG) {summary.export_seconds:.1f} s")
    assert summary.wall_seconds >= summary.notebooks_wall_seconds + summary.export_seconds
