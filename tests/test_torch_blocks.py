"""Every piecewise-linear block that Network.from_module reads, against torch's own forward pass
in float64: at random inputs, and at the breakpoints of a 1-D slice and the vertices of a 2-D
slice of the network read (where a wrong kink would show)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import neuronboundary as nb
from neuronboundary import Network


def _torch_out(model: nn.Module, x: np.ndarray, shape: tuple[int, ...] | None) -> np.ndarray:
    t = torch.from_numpy(np.ascontiguousarray(x))
    if shape is not None:
        t = t.reshape(-1, *shape)
    with torch.no_grad():
        return model(t).reshape(x.shape[0], -1).numpy()


def check_against_torch(model: nn.Module, d: int, shape=None, seed: int = 0) -> Network:
    """The network read computes the model's function at random points, at the exact
    breakpoints along a line and at the vertices of a plane through the inputs."""
    model = model.double().eval()
    net = Network.from_module(model, input_shape=shape)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(64, d))
    np.testing.assert_allclose(net(x), _torch_out(model, x, shape), rtol=1e-9, atol=1e-9)
    o, u, v = rng.normal(size=(3, d))
    line = nb.partition_1d(nb.slice_1d(net, o, u), (-2.0, 2.0))
    pts = o + line.breakpoints[:, None] * u
    np.testing.assert_allclose(net(pts), _torch_out(model, pts, shape), rtol=1e-9, atol=1e-9)
    plane = nb.arrangement_2d(nb.slice_2d(net, o, u, v), ((-1.5, 1.5), (-1.5, 1.5)))
    st = plane.polygon_vertices
    pts = o + st[:, :1] * u + st[:, 1:] * v
    np.testing.assert_allclose(net(pts), _torch_out(model, pts, shape), rtol=1e-9, atol=1e-9)
    return net


# ---------------------------------------------------------------- sums and branches
class ReluOfSum(nn.Module):  # h = relu(h + f(h))
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(3, 5)
        self.f1, self.f2 = nn.Linear(5, 5), nn.Linear(5, 5)
        self.head = nn.Linear(5, 2)

    def forward(self, x):
        h = torch.relu(self.inp(x))
        h = torch.relu(h + self.f2(torch.relu(self.f1(h))))
        return self.head(h)


class SumOnPreActivation(nn.Module):  # h = inp(x); h = h + f(h)
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(3, 4)
        self.f1, self.f2 = nn.Linear(4, 4), nn.Linear(4, 4)
        self.head = nn.Linear(4, 1)

    def forward(self, x):
        h = self.inp(x)
        h = h + self.f2(nn.functional.relu(self.f1(h)))
        return self.head(nn.functional.relu(h))


class Projection(nn.Module):  # proj(x) + f(x)
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(3, 6)
        self.f1, self.f2 = nn.Linear(3, 6), nn.Linear(6, 6)
        self.head = nn.Linear(6, 2)

    def forward(self, x):
        y = self.proj(x) + self.f2(torch.relu(self.f1(x)))
        return self.head(torch.relu(y))


class Branches(nn.Module):  # two activated branches summed, minus a scaled input
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(3, 4), nn.Linear(3, 4)
        self.head = nn.Linear(4, 1)

    def forward(self, x):
        y = torch.relu(self.a(x)) + nn.functional.leaky_relu(self.b(x), 0.2)
        return self.head(y) * 2.0


def test_relu_of_a_residual_sum_reads_without_extra_neurons():
    torch.manual_seed(0)
    net = check_against_torch(ReluOfSum(), 3)
    assert net.layer_sizes == (5, 5, 5, 2)  # no layer for f(h) alone: the sum is pre-activation
    assert [(s.source, s.target, s.pre) for s in net.skips] == [(1, 2, True)]


def test_sum_on_a_pre_activation_value():
    torch.manual_seed(1)
    net = check_against_torch(SumOnPreActivation(), 3)
    assert net.layer_sizes[0] == 4  # inp's outputs are neurons (identity activation)


def test_projection_shortcut_and_parallel_branches():
    torch.manual_seed(2)
    check_against_torch(Projection(), 3)
    torch.manual_seed(3)
    check_against_torch(Branches(), 3)


# ---------------------------------------------------------------- activations
@pytest.mark.parametrize(
    "act",
    [
        nn.PReLU(),
        nn.PReLU(6),
        nn.ReLU6(),
        nn.Hardtanh(),
        nn.Hardtanh(-0.5, 2.0),
        nn.Hardtanh(0.0, 1.5),
    ],
    ids=["prelu", "prelu per neuron", "relu6", "hardtanh", "hardtanh(-0.5, 2)", "hardtanh(0, 1.5)"],
)
def test_piecewise_linear_activations(act):
    torch.manual_seed(4)
    if isinstance(act, nn.PReLU):
        with torch.no_grad():
            act.weight.uniform_(-0.5, 0.5)
    # deeper (after a first ReLU layer) and first (right after the input's Linear)
    deep = nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 6), act, nn.Linear(6, 2))
    check_against_torch(deep, 3)
    first = nn.Sequential(nn.Linear(3, 6), act, nn.Linear(6, 1))
    check_against_torch(first, 3)


def test_clamps_add_only_their_kinks():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.ReLU6(), nn.Linear(3, 1))
    net = Network.from_module(model)
    # relu6(z) = relu(z) - relu(relu(z) - 6): the neurons z and relu(z) - 6, one each
    assert net.layer_sizes == (3, 3, 3, 1)


def test_prelu_per_channel_on_convolutions():
    torch.manual_seed(5)
    prelu = nn.PReLU(3)
    with torch.no_grad():
        prelu.weight.copy_(torch.tensor([0.1, -0.2, 0.3]))
    model = nn.Sequential(nn.Conv2d(1, 3, 3), prelu, nn.Flatten(), nn.Linear(3 * 4 * 4, 2))
    check_against_torch(model, 36, shape=(1, 6, 6))


# ---------------------------------------------------------------- pooling and normalisation
@pytest.mark.parametrize(
    ("pool", "shape"),
    [
        (nn.MaxPool2d(2), (2, 6, 6)),
        (nn.MaxPool2d(3, stride=2, padding=1), (2, 6, 6)),
        (nn.MaxPool2d(2, stride=1), (2, 5, 5)),
        (nn.MaxPool1d(3, stride=2), (2, 9)),
        (nn.AvgPool2d(2), (2, 6, 6)),
        (nn.AdaptiveAvgPool2d((2, 3)), (2, 6, 6)),
        (nn.AdaptiveAvgPool1d(3), (2, 9)),
    ],
    ids=[
        "max2d",
        "max2d stride 2 pad 1",
        "max2d overlapping",
        "max1d",
        "avg2d",
        "adaptive2d",
        "adaptive1d",
    ],
)
def test_pooling(pool, shape):
    torch.manual_seed(6)
    conv = (
        nn.Conv2d(1, shape[0], 3, padding=1)
        if len(shape) == 3
        else nn.Conv1d(1, shape[0], 3, padding=1)
    )
    in_shape = (1, *shape[1:])
    with torch.no_grad():
        out = pool(torch.zeros(1, *shape))
    model = nn.Sequential(conv, nn.ReLU(), pool, nn.Flatten(), nn.Linear(out.numel(), 2))
    check_against_torch(model, int(np.prod(in_shape)), shape=in_shape)


def test_max_pool_before_the_activation():
    torch.manual_seed(7)
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3), nn.MaxPool2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 2 * 2, 1)
    )
    check_against_torch(model, 36, shape=(1, 6, 6))


def test_batchnorm_1d_and_2d_in_eval_mode():
    torch.manual_seed(8)
    bn1, bn2 = nn.BatchNorm1d(5), nn.BatchNorm2d(2)
    for bn in (bn1, bn2):
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.data.uniform_(-2, 2)
        bn.bias.data.uniform_(-1, 1)
    check_against_torch(nn.Sequential(nn.Linear(3, 5), bn1, nn.ReLU(), nn.Linear(5, 2)), 3)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), bn2, nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 1))
    check_against_torch(model, 36, shape=(1, 6, 6))


# ---------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    ("module", "match"),
    [
        (nn.GELU(), r"'1' \(GELU\): it is smooth"),
        (nn.SiLU(), r"'1' \(SiLU\): it is smooth"),
        (nn.LayerNorm(4), r"'1' \(LayerNorm\).*standard deviation"),
        (nn.Softmax(dim=1), r"'1' \(Softmax\).*exponentials"),
        (nn.Embedding(3, 4), r"'1' \(Embedding\): this module type is not supported"),
    ],
)
def test_refusals_name_the_module_and_why(module, match):
    with pytest.raises(TypeError, match=match):
        Network.from_module(nn.Sequential(nn.Linear(4, 4), module, nn.Linear(4, 1)).eval())


def test_errors_name_the_module_not_torch():
    bad = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    with torch.no_grad():
        bad[2].weight[0, 1] = float("nan")
    with pytest.raises(ValueError, match=r"module '2' \(Linear\) has 1 non-finite value"):
        Network.from_module(bad)
    conv = nn.Sequential(nn.Conv2d(3, 2, 3), nn.ReLU())
    with pytest.raises(ValueError, match=r"module '0' \(Conv2d\) reads inputs of shape \(C=3"):
        Network.from_module(conv, input_shape=(1, 5, 5))
    with pytest.raises(ValueError, match=r"module '2' \(Linear\) reads 5 inputs but receives 3"):
        Network.from_module(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(5, 1)))
