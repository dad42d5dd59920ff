"""The real-model analysis gives the same numbers whatever the thread count, batch size or CPU.

The digits figures once came from a model trained at run time, whose float32 weights depended on
the thread count; now they are float64 inference on shipped weights. Those activations are
*exact*: the weights are float32 numbers and the pixels sixteenths, so every partial sum of a
neuron's dot product is a float64 number and any summation order (any BLAS kernel, blocking,
batch size or thread count) gives the same bits. The first test proves that condition for the
shipped model, then checks it. Floats that BLAS rounds (the PCA's SVD) are compared within a
bound derived below, never bit for bit across thread counts.
"""

from __future__ import annotations

from fractions import Fraction

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


def exact_dot_products_condition(weight: np.ndarray, bias: np.ndarray, pixels: np.ndarray) -> bool:
    """Whether every partial sum of ``w . x + b`` is a float64 number, for float32 ``w`` and
    ``b`` and ``x = p / 16`` with integer ``p``: every term is then an integer multiple of the
    grain ``g`` (the smallest of 2**(e - 24) / 16 over the weights' binary exponents e, and the
    bias's 2**(e - 24)), and a partial sum whose magnitude is at most 2**53 g is a multiple of g
    with at most 53 significant bits."""
    assert np.array_equal(weight.astype(np.float32), weight)
    assert np.array_equal(bias.astype(np.float32), bias)
    assert np.array_equal(np.round(pixels * 16), pixels * 16)
    exponents = np.frexp(np.where(weight == 0, 1.0, weight))[1] - 24 - 4
    exponents = np.where(weight == 0, 10**6, exponents).min(axis=1)
    bias_exponents = np.where(bias == 0, 10**6, np.frexp(bias)[1] - 24)
    grain = np.exp2(np.minimum(exponents, bias_exponents).astype(np.float64))
    largest = np.abs(pixels) @ np.abs(weight).T + np.abs(bias)  # every partial sum is below
    return bool(np.all(largest * (1 + 1e-9) <= 2.0**53 * grain))


def test_digits_activations_are_exact_whatever_the_threads_and_batches():
    data = load_digits_data()
    X = torch.from_numpy(data.X)
    model = digits_mlp()
    weight = model.hidden.weight.detach().numpy()
    bias = model.hidden.bias.detach().numpy()
    assert exact_dot_products_condition(weight, bias, data.X)
    # the exact activations of some images, in rational arithmetic
    rows = data.X[::29]
    exact = [
        sum(Fraction(float(w)) * round(16 * p) for w, p in zip(wr, x, strict=True)) / 16
        + Fraction(float(b))
        for x in rows
        for wr, b in zip(weight, bias, strict=True)
    ]
    results = []
    for n in (1, 2, 3, 4, 8, 16):  # 16: a big machine's default
        with _threads(n):
            for batch_size in (61, 512, len(X)):
                acts = nb.collect_activations(model, "hidden", X, batch_size=batch_size)
                assert [Fraction(float(v)) for v in acts[::29].numpy().ravel()] == exact
                results.append((acts, nb.quantile_thresholds(acts, 0.75).values))
    for acts, q in results[1:]:  # exact, hence equal: not a property of this CPU
        assert torch.equal(acts, results[0][0])
        np.testing.assert_array_equal(q, results[0][1])


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
    # torch's threads change how its BLAS sums the activations, which are exact (above), and
    # not numpy's BLAS (the PCA): the figure data may not move by one bit
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


def test_pca_direction_agrees_across_blas_thread_counts_within_its_bound():
    """numpy's SVD (LAPACK over OpenBLAS) rounds as its kernel and thread count decide: the
    digits' PCA directions differ by 5e-15 (singular values by 4e-14) between OpenBLAS's
    SkylakeX and Haswell kernels. A backward stable SVD returns the exact singular vectors of
    X + E with ||E|| <= p eps ||X|| (p a low power of the size; max(n, d) is generous), and a
    singular vector moves by at most ||E|| / gap (Wedin), gap being its distance to the
    neighbouring singular values: two runs agree within twice that, and singular values within
    2 ||E||."""
    threadpoolctl = pytest.importorskip("threadpoolctl")  # comes with scikit-learn
    X = load_digits_data().X
    k = 2
    s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    error = max(X.shape) * np.finfo(np.float64).eps * s[0]
    gaps = np.minimum(s[:k] - s[1 : k + 1], np.r_[np.inf, s[: k - 1] - s[1:k]])
    results = []
    for n in (1, 2, 4):
        with threadpoolctl.threadpool_limits(n), _threads(n):
            results.append(nb.pca_directions(X, k=k))
    for pca in results[1:]:
        moved = np.abs(pca.directions - results[0].directions).max(axis=1)
        assert np.all(moved <= 2 * error / gaps), (moved, 2 * error / gaps)
        assert np.all(np.abs(pca.singular_values - results[0].singular_values) <= 2 * error)
