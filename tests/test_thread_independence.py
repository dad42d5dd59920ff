"""The real-model analysis gives the same numbers whatever torch's thread count.

The digits figures once came from a model trained at run time, whose float32 weights depended on
the thread count; now they are float64 inference on shipped weights. These tests run the real
notebook's code in this process under ``torch.set_num_threads(1)`` and ``(2)`` and require the
saved figure data to be byte-identical.
"""

from __future__ import annotations

import nbformat
import numpy as np
import plotly.io as pio
import pytest
import torch

import neuronboundary as nb
from neuronboundary.pretrained import digits_mlp, load_digits_data
from reproduce.figures import FIGURES, notebooks_dir

DIGITS = [name for name, notebook in FIGURES.items() if notebook == "real_model_digits.ipynb"]


def _threads(n: int):
    class Threads:
        def __enter__(self):
            self.before = torch.get_num_threads()
            torch.set_num_threads(n)

        def __exit__(self, *exc):
            torch.set_num_threads(self.before)

    return Threads()


def test_activations_and_thresholds_are_bit_identical_across_thread_counts():
    X = torch.from_numpy(load_digits_data().X)
    model = digits_mlp()
    results = []
    for n in (1, 2, 3, 4, 8, 16):  # 16: a big machine's default
        with _threads(n):
            acts = nb.collect_activations(model, "hidden", X, batch_size=512)
            whole = nb.collect_activations(model, "hidden", X, batch_size=len(X))
            results.append((acts, whole, nb.quantile_thresholds(acts, 0.75).values))
    for acts, whole, q in results[1:]:
        assert torch.equal(torch.as_tensor(acts), torch.as_tensor(results[0][0]))
        assert torch.equal(torch.as_tensor(whole), torch.as_tensor(results[0][1]))
        assert torch.equal(torch.as_tensor(q), torch.as_tensor(results[0][2]))


def _run_notebook(out_dir) -> None:
    """Execute the real-model notebook's code cells here, saving its figures into out_dir."""
    notebook = nbformat.read(notebooks_dir() / "real_model_digits.ipynb", as_version=4)
    namespace: dict = {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        exec(compile(cell.source, "real_model_digits.ipynb", "exec"), namespace)  # noqa: S102 (our notebook)
        if "parameters" in cell.metadata.get("tags", []):
            namespace["output_dir"] = str(out_dir)


@pytest.mark.slow
def test_digits_figure_data_is_byte_identical_at_1_and_2_threads(tmp_path, capsys):
    renderer = pio.renderers.default  # the notebook selects its renderer; put it back after
    try:
        for n in (1, 2):
            with _threads(n):
                _run_notebook(tmp_path / f"threads{n}")
    finally:
        pio.renderers.default = renderer
    capsys.readouterr()  # the notebook's printout
    for name in DIGITS:
        one = (tmp_path / "threads1" / f"{name}.json").read_bytes()
        two = (tmp_path / "threads2" / f"{name}.json").read_bytes()
        assert one == two, f"{name}: figure data differs between 1 and 2 torch threads"


def test_pca_direction_is_bit_identical_across_blas_thread_counts():
    threadpoolctl = pytest.importorskip("threadpoolctl")  # comes with scikit-learn
    X = load_digits_data().X
    results = []
    for n in (1, 2, 4):
        with threadpoolctl.threadpool_limits(n), _threads(n):
            pca = nb.pca_directions(X, k=2)
        results.append(np.concatenate([pca.directions.ravel(), pca.singular_values]))
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])
