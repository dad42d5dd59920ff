"""NeuronLayer: construction, validation, evaluation, per-neuron geometry, torch interop."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from neuronboundary import NeuronLayer, find_linear, linear_layer_names


def test_stores_float64_readonly_from_numpy_and_torch():
    layer = NeuronLayer(torch.tensor([[1.0, 2.0]], dtype=torch.float32), torch.tensor([0.5]))
    assert layer.weight.dtype == np.float64
    assert layer.bias.dtype == np.float64
    assert layer.shape == (1, 2)
    with pytest.raises(ValueError, match="read-only"):
        layer.weight[0, 0] = 3.0


def test_vector_weight_means_1d_input():
    layer = NeuronLayer([1.0, -2.0, 0.0], [0.0, 1.0, 2.0])
    assert layer.shape == (3, 1)


def test_call_shapes_and_values():
    layer = NeuronLayer([[1.0, 2.0], [0.0, -1.0]], [1.0, 0.0])
    np.testing.assert_array_equal(layer([[1.0, 1.0], [0.0, 2.0]]), [[4.0, -1.0], [5.0, -2.0]])
    assert layer([1.0, 1.0]).shape == (1, 2)  # one input of length d
    one_d = NeuronLayer([[2.0]], [1.0])
    np.testing.assert_array_equal(one_d([0.0, 1.0, 2.0]).ravel(), [1.0, 3.0, 5.0])
    assert one_d(0.5).shape == (1, 1)


@pytest.mark.parametrize(
    ("weight", "bias", "match"),
    [
        ([[1.0, np.nan]], [0.0], "weight must be finite"),
        ([[1.0]], [np.inf], "bias must be finite"),
        (np.zeros((0, 2)), np.zeros(0), "at least one neuron"),
        (np.zeros((2, 0)), np.zeros(2), "at least one neuron"),
        ([[1.0], [2.0]], [0.0], r"bias must have shape \(2,\)"),
        (np.zeros((2, 2, 2)), np.zeros(2), r"weight must have shape \(n_neurons, in_dim\)"),
    ],
)
def test_bad_construction(weight, bias, match):
    with pytest.raises(ValueError, match=match):
        NeuronLayer(weight, bias)


def test_non_numeric_weight():
    with pytest.raises(TypeError, match="weight must be numbers"):
        NeuronLayer([["a"]], [0.0])


def test_wrong_input_width_is_clear():
    layer = NeuronLayer(np.ones((3, 4)), np.zeros(3))
    with pytest.raises(ValueError, match=r"x must have shape \(n, 4\).*slice_1d"):
        layer(np.ones((2, 3)))
    with pytest.raises(ValueError, match="x must be finite"):
        layer(np.full((1, 4), np.nan))


def test_random_is_exactly_torch_linear_and_restores_rng():
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    layer = NeuronLayer.random(5, 2, seed=8)
    np.testing.assert_array_equal(torch.rand(3), expected_next)  # global RNG untouched
    torch.manual_seed(8)
    linear = torch.nn.Linear(2, 5)
    np.testing.assert_array_equal(layer.weight, linear.weight.detach().double().numpy())
    np.testing.assert_array_equal(layer.bias, linear.bias.detach().double().numpy())


@pytest.mark.parametrize(
    ("args", "error"), [((0, 1, 1), ValueError), ((2, -1, 1), ValueError), ((2, 1, 1.5), TypeError)]
)
def test_random_bad_arguments(args, error):
    with pytest.raises(error):
        NeuronLayer.random(*args)


class _Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU())
        self.head = torch.nn.Linear(3, 2, bias=False)


def test_from_module_by_dotted_name():
    net = _Net()
    layer = NeuronLayer.from_module(net, "encoder.0")
    np.testing.assert_array_equal(layer.weight, net.encoder[0].weight.detach().double().numpy())
    head = NeuronLayer.from_module(net, "head")
    np.testing.assert_array_equal(head.bias, np.zeros(2))  # no bias -> zeros
    assert linear_layer_names(net) == ["encoder.0", "head"]


def test_from_module_unknown_name_lists_linear_layers():
    with pytest.raises(LookupError, match=r"no module named 'encoder\.5'.*'encoder\.0', 'head'"):
        NeuronLayer.from_module(_Net(), "encoder.5")


def test_from_module_not_a_linear_says_so():
    with pytest.raises(TypeError, match=r"'encoder\.1' is a ReLU, not a torch\.nn\.Linear"):
        find_linear(_Net(), "encoder.1")


def test_from_linear_rejects_other_modules():
    with pytest.raises(TypeError, match="from_module"):
        NeuronLayer.from_linear(torch.nn.ReLU())


def test_to_linear_round_trip():
    layer = NeuronLayer.random(4, 3, seed=0)
    assert NeuronLayer.from_linear(layer.to_linear()) == layer


def test_boundaries_slopes_and_constant_neurons():
    layer = NeuronLayer([[2.0], [-1.0], [0.0], [0.0]], [-1.0, 3.0, 2.0, 0.0])
    np.testing.assert_array_equal(layer.boundary_points, [0.5, 3.0, np.nan, np.nan])
    np.testing.assert_array_equal(layer.slope_signs, [1, -1, 0, 0])
    np.testing.assert_array_equal(layer.is_constant, [False, False, True, True])
    assert layer.neuron(2).is_constant
    assert np.isnan(layer.neuron(2).boundary)
    assert layer.neuron(-4).boundary == 0.5
    with pytest.raises(IndexError):
        layer.neuron(4)


def test_boundary_points_require_1d():
    with pytest.raises(ValueError, match="slice_1d"):
        _ = NeuronLayer(np.ones((2, 2)), np.zeros(2)).boundary_points


def test_hyperplanes_normals_point_to_positive_side():
    layer = NeuronLayer([[3.0, 4.0], [0.0, 0.0]], [-10.0, 1.0])
    normals, offsets = layer.hyperplanes()
    np.testing.assert_allclose(normals[0], [0.6, 0.8])
    assert offsets[0] == 2.0
    assert np.isnan(normals[1]).all()
    point_on = offsets[0] * normals[0]
    assert abs(layer(point_on)[0, 0]) < 1e-12
    assert layer(point_on + normals[0])[0, 0] > 0


def test_subset_and_equality():
    layer = NeuronLayer.random(6, 2, seed=1)
    sub = layer[[1, 3]]
    np.testing.assert_array_equal(sub.weight, layer.weight[[1, 3]])
    assert sub != layer
    assert layer[np.arange(6)] == layer
