"""Streamed per-neuron quantiles: exact where it fits, a guaranteed bound where not."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from neuronboundary import StreamingQuantiles, quantile_thresholds


@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(1, 60), st.integers(1, 5)), elements=st.floats(-1e3, 1e3)
    ),
    st.floats(0, 1),
    st.integers(1, 7),
)
def test_streamed_equals_numpy_when_it_fits(data, q, batch):
    batches = [data[i : i + batch] for i in range(0, data.shape[0], batch)]
    result = quantile_thresholds(iter(batches), q)
    assert result.exact
    assert result.max_rank_error == 0.0
    np.testing.assert_allclose(result.values, np.quantile(data, q, axis=0), rtol=1e-12, atol=1e-9)


def test_torch_tensor_beyond_torch_quantile_limit():
    # torch.quantile has refused inputs over 2^24 elements in many releases; ours must not
    acts = torch.arange(17_000_000, dtype=torch.float32).reshape(-1, 2)  # 17M elements
    result = quantile_thresholds(acts, 0.75)
    assert result.exact
    np.testing.assert_allclose(result.values, np.quantile(acts.numpy(), 0.75, axis=0))


def test_sketch_stays_within_its_stated_bound_on_25m_values():
    rng = np.random.default_rng(0)
    m, rows, batch = 5, 5_000_000, 250_000  # 25M values
    data = np.empty((rows, m), dtype=np.float32)
    for s in range(0, rows, batch):  # heavy-tailed, shifted and sorted-ish columns
        block = rng.standard_t(3, size=(batch, m)).astype(np.float32)
        block[:, 1] += s / rows * 4
        block[:, 2] = np.sort(block[:, 2])
        data[s : s + batch] = block
    for q in (0.75, 0.95):
        result = quantile_thresholds(
            (data[s : s + batch] for s in range(0, rows, batch)), q, max_bytes=2**24, k=1024
        )
        assert not result.exact
        assert result.n == rows
        assert 0 < result.max_rank_error < 0.01
        ecdf = (data <= result.values.astype(np.float32)).mean(axis=0)
        assert np.all(np.abs(ecdf - q) <= result.max_rank_error), (ecdf, result.max_rank_error)


def test_thresholds_behave_as_an_array():
    result = quantile_thresholds(np.arange(10.0).reshape(5, 2), 0.5)
    np.testing.assert_array_equal(np.asarray(result), result.values)
    assert len(result) == 2


@pytest.mark.parametrize(
    ("acts", "q", "error", "match"),
    [
        (np.ones((3, 2)), 1.5, ValueError, r"q must be a number in \[0, 1\]"),
        (np.ones(3), 0.5, ValueError, r"shape \(n, m\)"),
        (3.0, 0.5, TypeError, "iterable of"),
        ([np.ones((3, 2)), np.ones((3, 3))], 0.5, ValueError, "same number of neurons 2"),
        ([np.array([[np.nan, 1.0]])], 0.5, ValueError, "finite"),
        ([], 0.5, ValueError, "empty"),
        (np.ones((0, 3)), 0.5, ValueError, "no rows"),
    ],
)
def test_bad_activations(acts, q, error, match):
    with pytest.raises(error, match=match):
        quantile_thresholds(acts, q)


def test_sketch_arguments():
    with pytest.raises(ValueError, match="even integer"):
        StreamingQuantiles(k=15)
    with pytest.raises(ValueError, match="stream was empty"):
        StreamingQuantiles().quantile(0.5)
