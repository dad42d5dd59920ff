"""Activation collection from real modules, and neuron similarity.

Float32 activations are compared within bounds derived below, never bit for bit: BLAS (MKL,
OpenBLAS, oneDNN) sums a dot product in an order that depends on the CPU, the kernel, the batch
size and the thread count, so batches of 3 and of 4 may differ in the last bits (they do on an
Intel Xeon with MKL, and here under ``MKL_CBWR=AVX2``; ``nox -s portability`` runs these tests
under such settings).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from neuronboundary import (
    NeuronLayer,
    collect_activations,
    iter_activations,
    neuron_order,
    similarity,
)

U32 = 2.0**-24  # unit roundoff of float32


def gamma(n: int) -> float:
    """Higham's gamma_n = n u / (1 - n u): a sum of n terms computed in float32 in any order
    (any blocking, with or without FMA) is within gamma_n * (sum of their magnitudes) of the
    exact sum (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., eq. 3.5)."""
    return n * U32 / (1 - n * U32)


def linear_bound(linear, inputs, input_error):
    """Bound on |computed - exact| for ``linear`` applied in float32 to ``inputs`` (the computed
    inputs, float32, within ``input_error`` of the exact ones): the dot product plus the bias is a
    sum of d + 1 terms (``gamma(d + 1)`` of their magnitudes), plus the input error carried
    through |W| (a ReLU never increases an error)."""
    w = linear.weight.detach().double().abs().numpy()
    b = linear.bias.detach().double().abs().numpy()
    x = np.abs(np.asarray(inputs, dtype=np.float64))
    return gamma(w.shape[1] + 1) * (x @ w.T + b) + np.asarray(input_error) @ w.T


def net_bounds(net, x):
    """Per-element bounds on the error of Net's float32 activations: (body.0's outputs, head's
    inputs, head's outputs). Two computations (other batch sizes, threads or kernels) agree
    within twice these."""
    with torch.no_grad():
        first = net.body[0](x)
        hidden = torch.relu(first)
    e_first = linear_bound(net.body[0], x, np.zeros(x.shape))
    return e_first, e_first, linear_bound(net.head, hidden, e_first)


def assert_within(got, expected, bound):
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    excess = np.abs(got - expected) - bound
    assert np.all(excess <= 0), f"off by {np.max(np.abs(got - expected)):.3g} > bound"


class Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU())
        self.head = torch.nn.Linear(5, 3)
        self.calls_after = 0

    def forward(self, x):
        h = self.body(x)
        self.calls_after += 1  # counts forward passes that got past the body
        return self.head(h)


def test_collect_matches_the_layer_and_stops_early():
    torch.manual_seed(0)
    net = Net()
    x = torch.randn(37, 6)
    acts = collect_activations(net, "body.0", x, batch_size=10)
    layer = NeuronLayer.from_module(net, "body.0")
    reference = layer(x.double().numpy())  # float64: its own error is 2**29 times smaller
    assert_within(acts, reference, net_bounds(net, x)[0] * (1 + 2**-20))
    assert net.calls_after == 0  # the forward pass stopped at the hooked layer
    assert net.training  # the model's mode is restored
    assert not net.body[0]._forward_hooks  # the hook is removed


def test_dataloader_batches_with_targets_and_grad_off():
    net = Net()
    ds = torch.utils.data.TensorDataset(torch.randn(20, 6), torch.zeros(20))
    loader = torch.utils.data.DataLoader(ds, batch_size=8)
    batches = list(iter_activations(net, "head", loader))
    assert [b.shape[0] for b in batches] == [8, 8, 4]
    assert not any(b.requires_grad for b in batches)


def test_activation_errors():
    net = Net()
    with pytest.raises(LookupError, match=r"'body', 'body\.0', 'body\.1', 'head'"):
        collect_activations(net, "tail", torch.zeros(2, 6))
    with pytest.raises(ValueError, match="batch_size"):
        collect_activations(net, "head", torch.zeros(2, 6), batch_size=0)
    with pytest.raises(ValueError, match="yielded no batch"):
        collect_activations(net, "head", [])


@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(1, 8), st.integers(1, 4)), elements=st.floats(-5, 5)
    ),
    st.sampled_from(["weight", "bias", "both"]),
)
def test_similarity_is_symmetric_bounded_with_unit_diagonal(w, mode):
    layer = NeuronLayer(w, np.linspace(-1, 1, w.shape[0]))
    s = similarity(layer, mode)
    assert s.shape == (w.shape[0],) * 2
    np.testing.assert_allclose(s, s.T)
    np.testing.assert_array_equal(np.diag(s), 1.0)
    assert np.all(s <= 1.0 + 1e-12)
    assert np.all(s >= (-1.0 if mode != "bias" else 0.0) - 1e-12)
    order = neuron_order(s)
    assert sorted(order.tolist()) == list(range(w.shape[0]))


def test_similarity_modes_mean_what_they_say():
    layer = NeuronLayer([[1.0, 0.0], [3.0, 0.0], [-1.0, 0.0], [0.0, 0.0]], [1.0, 3.0, 0.0, 2.0])
    weight, bias, both = (similarity(layer, m) for m in ("weight", "bias", "both"))
    assert weight[0, 1] == pytest.approx(1.0)  # parallel, same side
    assert weight[0, 2] == pytest.approx(-1.0)  # parallel, opposite sides
    assert weight[0, 3] == 0.0  # constant neuron has no direction
    assert bias[0, 1] == pytest.approx(1.0)  # same boundary x = -1 at different scales
    assert both[0, 1] == pytest.approx(1.0)  # the same guideline up to scale
    assert both[0, 2] < 1.0
    with pytest.raises(ValueError, match="mode must be one of"):
        similarity(layer, "cosine")
    with pytest.raises(ValueError, match="symmetric"):
        neuron_order(np.array([[1.0, 0.2], [0.1, 1.0]]))


# --- data pipelines: loaders with tuple/dict batches, dtype casts, the layer's inputs


def test_dict_batches_inputs_and_dtype_casts():
    torch.manual_seed(1)
    net = Net()
    x = torch.randn(10, 6)
    expected = collect_activations(net, "head", x, batch_size=3)
    twice = 2 * net_bounds(net, x)[2]  # batches of 3 and of 4: two float32 computations
    ds = [{"label": i, "input": x[i]} for i in range(10)]
    loader = torch.utils.data.DataLoader(ds, batch_size=4)
    assert_within(collect_activations(net, "head", loader), expected, twice)
    keyed = [{"pixels": x[:5]}, {"pixels": x[5:]}]
    got = collect_activations(net, "head", keyed, input_key="pixels")
    assert_within(got, expected, twice)
    swapped = [(torch.zeros(5), x[:5]), (torch.zeros(5), x[5:])]
    got = collect_activations(net, "head", swapped, input_key=1)
    assert_within(got, expected, twice)
    # float64 numpy arrays and nested lists are cast to the model's dtype (exactly: x is float32)
    for data in (x.double().numpy(), x.tolist()):
        got = collect_activations(net, "head", data, batch_size=4)
        assert got.dtype == torch.float32
        assert_within(got, expected, twice)


def test_inputs_are_the_layers_inputs():
    torch.manual_seed(2)
    net = Net()
    x = torch.randn(7, 6)
    first = collect_activations(net, "body.0", x, inputs=True)
    np.testing.assert_array_equal(first.numpy(), x.numpy())
    assert net.calls_after == 0  # stopped before the layer ran
    got = collect_activations(net, "head", x, inputs=True, batch_size=3)
    assert_within(got, net.body(x).detach(), 2 * net_bounds(net, x)[1])  # batches of 3 and 7
    assert not net.head._forward_pre_hooks  # removed


def test_token_dimensions_are_flattened_and_progress_bar_runs():
    net = torch.nn.Sequential(torch.nn.Linear(4, 3))
    x = torch.randn(2, 5, 4)  # (batch, tokens, features)
    acts = collect_activations(net, "0", x, progress=True)
    assert acts.shape == (10, 3)


def test_pipeline_errors_are_immediate_and_clear():
    net = Net()
    with pytest.raises(ValueError, match="batch_size"):
        iter_activations(net, "head", torch.zeros(2, 6), batch_size=0)  # not iterated
    with pytest.raises(ValueError, match=r"shape \(n, d\).*x\[None, :\]"):
        iter_activations(net, "head", np.zeros(6))
    with pytest.raises(ValueError, match=r"shape \(n, d\)"):
        collect_activations(net, "head", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    with pytest.raises(KeyError, match="input_key="):
        collect_activations(net, "head", [{"pixels": torch.zeros(2, 6)}])
    with pytest.raises(KeyError, match="'image' is not a key"):
        collect_activations(net, "head", [{"pixels": torch.zeros(2, 6)}], input_key="image")
    with pytest.raises(IndexError, match="out of range"):
        collect_activations(net, "head", [(torch.zeros(2, 6),)], input_key=3)
