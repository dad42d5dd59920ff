"""The Network model: construction, evaluation, neuron indexing and reading torch modules."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import neuronboundary as nb
from neuronboundary import Network, NeuronLayer


def _x(n: int, d: int, seed: int = 0) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).normal(size=(n, d)))


def test_construction_and_indexing():
    net = Network.random([3, 4, 5, 2], seed=0, activations=[0.1, "identity"])
    assert net.layer_sizes == (4, 5, 2)
    assert net.activations == ("leaky_relu(0.1)", "identity", "identity")
    assert net.neuron_offsets.tolist() == [0, 4, 9, 11]
    assert net.neuron_index(-1, 1) == 10
    assert net.layer_of([0, 4, 10]).tolist() == [[0, 0], [1, 0], [2, 1]]
    parts = net.split(np.zeros((2, 11), dtype=np.int8))
    assert [p.shape for p in parts] == [(2, 4), (2, 5), (2, 2)]
    assert "3 -> 4 -> 5 -> 2" in repr(net)
    assert Network([NeuronLayer([[1.0]], [0.0])]) == Network(NeuronLayer([[1.0]], [0.0]))


def test_evaluation_matches_torch():
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 6),
        torch.nn.LeakyReLU(0.2),
        torch.nn.Linear(6, 4),
        torch.nn.ReLU(),
        torch.nn.Linear(4, 2),
    ).double()
    net = Network.from_module(model)
    x = _x(20, 3)
    assert np.allclose(net(x), model(x).detach().numpy(), rtol=0, atol=1e-12)
    assert net.activations == ("leaky_relu(0.2)", "relu", "identity")


def test_bad_construction():
    with pytest.raises(ValueError, match="chain"):
        Network([NeuronLayer(np.ones((3, 2)), np.zeros(3)), NeuronLayer(np.ones((1, 2)), [0.0])])
    with pytest.raises(ValueError, match="at least one"):
        Network([])
    with pytest.raises(TypeError, match=r"layers\[0\] must be a NeuronLayer"):
        Network([np.ones((2, 2))])
    with pytest.raises(ValueError, match="activations"):
        Network([NeuronLayer([[1.0]], [0.0])] * 2, activations="gelu")
    with pytest.raises(ValueError, match="one per hidden layer"):
        Network([NeuronLayer([[1.0]], [0.0])] * 2, activations=["relu"] * 3)


def test_from_module_folds_batchnorm_dropout_and_nesting():
    torch.manual_seed(1)
    model = torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.BatchNorm1d(5), torch.nn.ReLU()),
        torch.nn.Dropout(0.3),
        torch.nn.Identity(),
        torch.nn.Linear(5, 4),
        torch.nn.Linear(4, 3),
    ).double()
    bn = model[1][1]
    bn.running_mean.uniform_(-1, 1)
    bn.running_var.uniform_(0.5, 2)
    bn.weight.data.uniform_(-2, 2)
    model.eval()
    net = Network.from_module(model)
    assert net.layer_sizes == (5, 4, 3)
    assert net.activations == ("relu", "identity", "identity")
    x = _x(30, 6)
    assert np.allclose(net(x), model(x).detach().numpy(), atol=1e-12)


def test_from_module_convolutions_and_pooling():
    torch.manual_seed(2)
    model = (
        torch.nn.Sequential(
            torch.nn.Conv2d(1, 2, 3),
            torch.nn.ReLU(),
            torch.nn.AvgPool2d(2),
            torch.nn.Flatten(),
            torch.nn.Linear(2 * 3 * 3, 3),
        )
        .double()
        .eval()
    )
    net = Network.from_module(model, input_shape=(1, 8, 8))
    assert net.layer_sizes == (2 * 6 * 6, 3)
    x = _x(5, 64)
    assert np.allclose(net(x), model(x.reshape(5, 1, 8, 8)).detach().numpy(), atol=1e-12)
    conv1 = (
        torch.nn.Sequential(
            torch.nn.Conv1d(2, 3, 2), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(9, 1)
        )
        .double()
        .eval()
    )
    net1 = Network.from_module(conv1, input_shape=(2, 4))
    x = _x(4, 8)
    assert np.allclose(net1(x), conv1(x.reshape(4, 2, 4)).detach().numpy(), atol=1e-12)


@pytest.mark.parametrize(
    ("module", "match"),
    [
        (torch.nn.GELU(), "GELU.*smooth"),
        (torch.nn.LayerNorm(4), "LayerNorm.*standard deviation"),
        (torch.nn.Softmax(dim=1), "Softmax"),
        (torch.nn.Tanh(), "Tanh"),
        (torch.nn.Embedding(3, 4), "not supported"),
    ],
)
def test_from_module_refuses_non_piecewise_linear(module, match):
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), module, torch.nn.Linear(4, 1)).eval()
    with pytest.raises(TypeError, match=match):
        Network.from_module(model)


def test_from_module_refuses_training_mode_and_other_problems():
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU())
    with pytest.raises(ValueError, match=r"training mode.*model.eval\(\)"):
        Network.from_module(model)
    with pytest.raises(ValueError, match="training mode"):
        Network.from_module(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.1)))
    with pytest.raises(ValueError, match="input_shape"):
        Network.from_module(torch.nn.Sequential(torch.nn.Conv2d(1, 1, 2)).eval())
    with pytest.raises(TypeError, match="no Linear"):
        Network.from_module(torch.nn.Sequential(torch.nn.Flatten()))
    with pytest.raises(TypeError, match=r"torch\.nn\.Module"):
        Network.from_module("model")

    class Empty(torch.nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match="no Linear"):
        Network.from_module(Empty())

    class Branching(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)

        def forward(self, x):
            return self.a(x) * self.b(x)

    with pytest.raises(TypeError, match="product of two values"):
        Network.from_module(Branching())


class _Residual(torch.nn.Module):
    def __init__(self, width: int, slope: float = 0.0):
        super().__init__()
        self.inner = torch.nn.Linear(width, width)
        self.act = torch.nn.LeakyReLU(slope) if slope else torch.nn.ReLU()
        self.outer = torch.nn.Linear(width, width)

    def forward(self, x):
        return x + self.outer(self.act(self.inner(x)))


class _ResMLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Linear(2, 4)
        self.relu = torch.nn.ReLU()
        self.block1 = _Residual(4)
        self.block2 = _Residual(4, 0.1)
        self.head = torch.nn.Linear(4, 3)

    def forward(self, x):
        return self.head(self.block2(self.block1(self.relu(self.stem(x)))))


def test_from_module_residual_blocks_through_fx():
    torch.manual_seed(5)
    model = _ResMLP().double().eval()
    net = Network.from_module(model)
    assert net.layer_sizes == (4, 4, 4, 4, 4, 3)
    assert [sk[:2] for sk in net.skips] == [(1, 3), (3, 5)]
    x = _x(50, 2)
    assert np.allclose(net(x), model(x).detach().numpy(), atol=1e-12)
    # the slices of a residual network against the layer-by-layer reference
    from tests.test_network_slices import reference_regions

    arr = nb.arrangement_2d(net, ((-1, 1), (-1, 1)))
    ref = reference_regions(net)
    assert arr.n_regions == len(ref)
    assert {tuple(r) for r in arr.signs.tolist()} == {s for _, s in ref}
    pts = np.random.default_rng(0).uniform(-1, 1, size=(200, 2))
    assert np.array_equal(arr.signs_of(arr.locate(pts)), net.signs(pts))
    line = nb.partition_1d(nb.slice_1d(net, [0.1, -0.2], [1.0, 0.5]), (-1.0, 1.0))
    mids = np.array([0.1, -0.2]) + line.midpoints[:, None] * np.array([1.0, 0.5])
    assert np.array_equal(line.signs, net.signs(mids))


def test_residual_from_the_input_survives_slicing():
    rng = np.random.default_rng(0)
    layers = [
        NeuronLayer(rng.normal(size=(3, 3)), rng.normal(size=3)),
        NeuronLayer(rng.normal(size=(3, 3)), rng.normal(size=3)),
        NeuronLayer(rng.normal(size=(1, 3)), rng.normal(size=1)),
    ]
    net = Network(layers, "relu", skips=[(0, 2)])
    o, u, v = rng.normal(size=(3, 3))
    plane = nb.slice_2d(net, o, u, v)
    pts = rng.uniform(-1, 1, size=(40, 2))
    full = o + pts[:, :1] * u + pts[:, 1:] * v
    assert np.allclose(plane(pts), net(full))
    arr = nb.arrangement_2d(plane, ((-1, 1), (-1, 1)))
    assert np.array_equal(arr.signs_of(arr.locate(pts)), net.signs(full))
    with pytest.raises(ValueError, match="equal sizes"):
        Network(layers, "relu", skips=[(0, 3)])


def test_layer_is_accepted_as_one_layer_network():
    layer = NeuronLayer.random(4, 3, seed=0)
    net = Network([layer])
    x = _x(6, 3)
    assert np.array_equal(net.signs(x), layer.signs(x))
    assert np.array_equal(net(x), layer(x))


def test_slicing_a_network():
    net = Network.random([5, 4, 2], seed=3)
    rng = np.random.default_rng(0)
    o, d, _u = rng.normal(size=(3, 5))
    line = nb.slice_1d(net, o, d)
    t = np.linspace(-1, 1, 7)
    assert np.allclose(line(t[:, None]), net(o + t[:, None] * d))
    a, b, c = rng.normal(size=(3, 5))
    plane = nb.slice_2d_through(net, a, b, c)
    assert np.allclose(plane([[1.0, 0.0]]), net(b[None]))


def test_exact_signs_through_a_residual_connection():
    # z1 = relu(x) + x - 1 is exactly zero at x = 0.5 (the float filter defers to fractions)
    net = Network(
        [NeuronLayer([[1.0]], [0.0]), NeuronLayer([[1.0]], [-1.0])], "relu", skips=[(0, 1)]
    )
    assert net.signs([[0.5], [0.25], [1.0]]).tolist() == [[1, 0], [1, -1], [1, 1]]
    p = nb.partition_1d(net, (-1.0, 2.0))
    assert p.breakpoints.tolist() == [-1.0, 0.0, 0.5, 2.0]


def test_ordinary_input_types_through_networks():
    net = Network.random([3, 4, 2], seed=1)
    o = torch.tensor([0.1, 0.2, 0.3], dtype=torch.float32)
    u, v = np.float32([1, 0, 0]), [0.0, 1.0, 0.5]
    plane = nb.slice_2d(net, o, u, v)
    arr = nb.arrangement_2d(plane, torch.tensor([[-1.0, 1.0], [-1.0, 1.0]]))
    pts = torch.tensor([[0.25, -0.5]], dtype=torch.float64)
    assert arr.locate(pts).shape == (1,)
    line = nb.partition_1d(nb.slice_1d(net, o, u), np.array([-1.0, 1.0], dtype=np.float32))
    assert line.locate(np.float64(0.0)).shape == ()
    assert net.neuron_index(np.int64(1), np.int32(0)) == 4


def test_hidden_counts_the_cells_of_the_hidden_layers():
    net = Network.random([2, 6, 5, 1], seed=4)
    hidden = net.hidden()
    assert hidden.layer_sizes == (6, 5)
    arr = nb.arrangement_2d(net, ((-1, 1), (-1, 1)))
    cells = nb.arrangement_2d(hidden, ((-1, 1), (-1, 1)))
    # the hidden patterns of the full arrangement, distinct: the cells the output cuts
    per_layer = arr.signs[:, : net.neuron_offsets[-2]]
    assert cells.n_regions == np.unique(per_layer, axis=0).shape[0] <= arr.n_regions
    with pytest.raises(ValueError, match="hidden"):
        NeuronLayer.random(3, 2, seed=0).hidden()


def test_pre_activation_skips_validate_their_shapes():
    layers = [NeuronLayer(np.ones((3, 2)), np.zeros(3)), NeuronLayer(np.ones((2, 3)), np.zeros(2))]
    with pytest.raises(ValueError, match="pre-activation of size 2"):
        Network(layers, "relu", skips=[(0, 1, np.ones((3, 2)), np.zeros(3), True)])
    with pytest.raises(ValueError, match="target >= 1"):
        Network(layers, "relu", skips=[(0, 0, np.ones((3, 2)), np.zeros(3), True)])
    net = Network(layers, "relu", skips=[(0, 1, np.ones((2, 2)), np.zeros(2), True)])
    assert "pre-activation" in repr(net.skips[0])


def test_signs_of_many_points_in_bounded_memory_and_equal_blockwise():
    """Network.signs works on blocks of points: its peak memory is the output plus a fixed
    working set, not every layer's values and bounds for all points at once (which was 60x the
    output), and the result does not depend on how the points are split."""
    import tracemalloc

    net = Network.random([2, 64, 64, 64, 1], seed=0)
    pts = np.random.default_rng(0).uniform(-1, 1, (60_000, 2))
    tracemalloc.start()
    signs = net.signs(pts)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < signs.nbytes + 64 * 2**20
    parts = np.concatenate([net.signs(pts[i : i + 7_001]) for i in range(0, 60_000, 7_001)])
    assert np.array_equal(signs, parts)
    z = np.concatenate(net.preactivations(pts[:500]), axis=1)
    assert np.array_equal(signs[:500], np.sign(z).astype(np.int8))  # nothing near zero here
