"""Valid inputs of every ordinary type just work, and give the same answer as plain Python
numbers: lists, numpy float32/float64 arrays, torch float32/float64 tensors (with or without
gradients), numpy scalars of any width and 0-d arrays and tensors.

Values are chosen exactly representable in float32, so every kind holds the same numbers and
the results must be identical, not merely close.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import neuronboundary as nb
from neuronboundary.polygons import clip_halfplane

# ---------------------------------------------------------------------------- kinds of input
ARRAY_KINDS: dict[str, Callable[[list], object]] = {
    "list": lambda v: list(v),
    "tuple": lambda v: tuple(v),
    "numpy float64": lambda v: np.array(v, dtype=np.float64),
    "numpy float32": lambda v: np.array(v, dtype=np.float32),
    "torch float64": lambda v: torch.tensor(v, dtype=torch.float64),
    "torch float32": lambda v: torch.tensor(v, dtype=torch.float32),
    "torch with grad": lambda v: torch.tensor(v, dtype=torch.float32, requires_grad=True),
}
FLOAT_KINDS: dict[str, Callable[[float], object]] = {
    "float": float,
    "numpy float64": np.float64,
    "numpy float32": np.float32,
    "0-d numpy array": lambda x: np.array(x),
    "0-d torch float64": lambda x: torch.tensor(x, dtype=torch.float64),
    "0-d torch float32": lambda x: torch.tensor(x, dtype=torch.float32),
}
INT_KINDS: dict[str, Callable[[int], object]] = {
    "int": int,
    "numpy int64": np.int64,
    "numpy int32": np.int32,
    "numpy uint8": np.uint8,
    "0-d numpy array": lambda i: np.array(i),
    "0-d torch int64": lambda i: torch.tensor(i),
    "0-d torch int32": lambda i: torch.tensor(i, dtype=torch.int32),
}

arrays = pytest.mark.parametrize("kind", ARRAY_KINDS)
floats = pytest.mark.parametrize("kind", FLOAT_KINDS)
ints = pytest.mark.parametrize("kind", INT_KINDS)

# ---------------------------------------------------------------------------- fixtures
W1, B1 = [[1.0], [-1.0], [2.0]], [0.0, 1.0, -1.0]
L1 = nb.NeuronLayer(W1, B1)  # 1-D: crossings 0, 1, 0.5
L2 = nb.NeuronLayer([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, -0.5])
BOX = ((-1.0, 1.0), (-1.0, 1.0))
THRESHOLDS = [0.25, -0.5, 1.5]
INTERVAL = (-1.0, 2.0)
X1 = [-0.75, 0.25, 0.75, 1.5]


def _same_groups(a: nb.GroupPartition1D, b: nb.GroupPartition1D) -> None:
    np.testing.assert_array_equal(a.breakpoints, b.breakpoints)
    np.testing.assert_array_equal(a.thresholds, b.thresholds)
    assert a.groups == b.groups


# ---------------------------------------------------------------------------- thresholds
@arrays
def test_thresholds_vector_of_every_kind(kind):
    expected = nb.group_partition_1d(L1, INTERVAL, THRESHOLDS)
    _same_groups(nb.group_partition_1d(L1, INTERVAL, ARRAY_KINDS[kind](THRESHOLDS)), expected)
    rule = nb.above(ARRAY_KINDS[kind](THRESHOLDS))
    assert rule.groups(L1, X1) == nb.above(THRESHOLDS).groups(L1, X1)
    bp, groups = nb.group_ranges(L1, INTERVAL, rule)
    bp_ref, groups_ref = nb.group_ranges(L1, INTERVAL, nb.above(THRESHOLDS))
    np.testing.assert_array_equal(bp, bp_ref)
    assert groups == groups_ref


def test_quantile_thresholds_object_as_thresholds():
    q = nb.quantile_thresholds(np.tile(THRESHOLDS, (3, 1)), 0.5)  # every quantile: the row
    np.testing.assert_array_equal(np.asarray(q), THRESHOLDS)
    _same_groups(
        nb.group_partition_1d(L1, INTERVAL, q), nb.group_partition_1d(L1, INTERVAL, THRESHOLDS)
    )
    assert nb.above(q).groups(L1, X1) == nb.above(THRESHOLDS).groups(L1, X1)


@floats
def test_scalar_threshold_of_every_kind(kind):
    t = FLOAT_KINDS[kind](0.25)
    _same_groups(nb.group_partition_1d(L1, INTERVAL, t), nb.group_partition_1d(L1, INTERVAL, 0.25))
    assert nb.above(t).groups(L1, X1) == nb.above(0.25).groups(L1, X1)


# ---------------------------------------------------------------------------- integers
@ints
def test_k_of_every_integer_kind(kind):
    rule = nb.top_k(INT_KINDS[kind](2))
    assert rule.k == 2
    assert isinstance(rule.k, int)
    assert rule.groups(L1, X1) == nb.top_k(2).groups(L1, X1)
    bp, groups = nb.group_ranges(L1, INTERVAL, rule)
    bp_ref, groups_ref = nb.group_ranges(L1, INTERVAL, nb.top_k(2))
    np.testing.assert_array_equal(bp, bp_ref)
    assert groups == groups_ref


@ints
def test_random_layer_of_every_integer_kind(kind):
    make = INT_KINDS[kind]
    assert nb.NeuronLayer.random(make(3), make(2), seed=make(7)) == nb.NeuronLayer.random(3, 2, 7)


@pytest.mark.parametrize("seed", [0, -1, -(2**63), 2**64 - 1, np.uint64(2**64 - 1)])
def test_every_seed_torch_accepts(seed):
    torch.manual_seed(int(seed))
    expected = torch.nn.Linear(1, 2)
    assert nb.NeuronLayer.random(2, 1, seed=seed) == nb.NeuronLayer.from_linear(expected)


@ints
def test_indices_of_every_integer_kind(kind):
    i = INT_KINDS[kind]
    neuron = L1.neuron(i(1))
    assert neuron.index == 1
    assert neuron.bias == 1.0
    assert L1[i(1)] == L1[[1]]
    part = nb.partition_1d(L1, INTERVAL)  # breakpoints -1, 0, 0.5, 1, 2
    np.testing.assert_array_equal(part.flips(i(2)), part.flips(2))
    np.testing.assert_array_equal(part.rows(i(1)), part.rows([1]))
    gp = nb.group_partition_1d(L1, INTERVAL)
    assert gp.group(i(1)) == gp.group(1)
    np.testing.assert_array_equal(gp.entering(i(1)), gp.entering(1))
    np.testing.assert_array_equal(gp.leaving(i(3)), gp.leaving(3))
    arr = nb.arrangement_2d(L2, BOX)
    assert arr.region(i(1)).index == 1
    np.testing.assert_array_equal(arr.signs_of(i(1)), arr.signs_of([1]))
    assert [r for r, _ in arr.neighbors(i(1))] == [r for r, _ in arr.neighbors(1)]
    np.testing.assert_array_equal(arr.transition(i(0), i(1)), arr.transition(0, 1))
    other, neurons = arr.neighbors(1)[0]
    np.testing.assert_array_equal(arr.separating(i(1), i(other)), neurons)
    assert arr.line_of(i(2)) == arr.line_of(2) >= 4
    np.testing.assert_array_equal(arr.neurons_on_line(i(4)), arr.neurons_on_line(4))
    assert arr.regions[i(1)].index == 1


@ints
def test_pca_k_of_every_integer_kind(kind):
    x = np.array([[0.0, 0.0, 1.0], [1.0, 2.0, 0.0], [3.0, 1.0, 1.0], [2.0, 5.0, 3.0]])
    expected = nb.pca_directions(x, k=2)
    np.testing.assert_array_equal(
        nb.pca_directions(x, k=INT_KINDS[kind](2)).directions, expected.directions
    )


@ints
def test_class_labels_of_every_integer_kind(kind):
    x = [[0.0, 0.0], [2.0, 4.0], [1.0, 1.0]]
    labels = [7, 1, 7]
    expected = nb.concept_vector(x, labels, positive=1, negative=7)
    np.testing.assert_array_equal(
        nb.concept_vector(x, labels, positive=INT_KINDS[kind](1), negative=INT_KINDS[kind](7)),
        expected,
    )
    for as_labels in (np.array, torch.tensor):
        np.testing.assert_array_equal(nb.concept_vector(x, as_labels(labels), 1, 7), expected)


# ---------------------------------------------------------------------------- real numbers
@floats
def test_tol_of_every_float_kind(kind):
    arr = nb.arrangement_2d(L2, BOX, tol=FLOAT_KINDS[kind](1e-9))
    ref = nb.arrangement_2d(L2, BOX)
    assert arr.n_regions == ref.n_regions
    # the same regions (tol traces faces another way, so they may come in another order)
    np.testing.assert_array_equal(np.unique(arr.signs, axis=0), np.unique(ref.signs, axis=0))
    assert isinstance(arr.tol, float)


@floats
def test_box_bounds_and_clip_bias_of_every_float_kind(kind):
    f = FLOAT_KINDS[kind]
    assert nb.box_domain_along([1.0, 2.0], [1.0, -1.0], f(0.5), f(4.0)) == nb.box_domain_along(
        [1.0, 2.0], [1.0, -1.0], 0.5, 4.0
    )
    square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
    np.testing.assert_array_equal(
        clip_halfplane(square, [1.0, 0.0], f(-0.5)), clip_halfplane(square, [1.0, 0.0], -0.5)
    )


# ---------------------------------------------------------------------------- arrays
@arrays
def test_layers_inputs_and_intervals_of_every_kind(kind):
    make = ARRAY_KINDS[kind]
    assert nb.NeuronLayer(make(W1), make(B1)) == L1
    np.testing.assert_array_equal(L1(make(X1)), L1(X1))
    np.testing.assert_array_equal(L1.signs(make(X1)), L1.signs(X1))
    part = nb.partition_1d(L1, make(list(INTERVAL)), domain=make([0.0, 4.0]))
    ref = nb.partition_1d(L1, INTERVAL, domain=(0.0, 4.0))
    np.testing.assert_array_equal(part.breakpoints, ref.breakpoints)
    np.testing.assert_array_equal(part.locate(make([0.25, 1.5])), ref.locate([0.25, 1.5]))
    np.testing.assert_array_equal(part.on_breakpoint(make([0.5, 0.75])), [True, False])
    arr = nb.arrangement_2d(L2, make([list(BOX[0]), list(BOX[1])]))
    ref2 = nb.arrangement_2d(L2, BOX)
    assert arr.n_regions == ref2.n_regions
    points = [[0.5, 0.75], [-0.5, 0.25]]
    np.testing.assert_array_equal(arr.locate(make(points)), ref2.locate(points))
    np.testing.assert_array_equal(
        arr.transition(make(points[0]), make(points[1])), ref2.transition(points[0], points[1])
    )


@arrays
def test_regions_inputs_and_boxes_of_every_kind(kind):
    make = ARRAY_KINDS[kind]
    x, start = [0.5, 0.75], [-0.5, 0.25]
    region = nb.region_of(L2, make(x), box=make([list(BOX[0]), list(BOX[1])]))
    ref = nb.region_of(L2, x, box=BOX)
    np.testing.assert_array_equal(region.signs, ref.signs)
    np.testing.assert_array_equal(region.facets, ref.facets)
    found = nb.regions_in(L2, make([list(BOX[0]), list(BOX[1])]), start=make(start))
    ref2 = nb.regions_in(L2, BOX, start=start)
    np.testing.assert_array_equal(found.signs, ref2.signs)
    np.testing.assert_array_equal(found.locate(make([x])), ref2.locate([x]))


@ints
def test_region_indices_and_limits_of_every_integer_kind(kind):
    i = INT_KINDS[kind]
    found = nb.regions_in(L2, BOX, max_regions=i(5))
    assert found.n_regions == 5
    np.testing.assert_array_equal(found.facets(i(1)), found.facets(1))
    np.testing.assert_array_equal(found.signs_of(i(1)), found.signs_of([1]))
    assert found.neighbors(i(0))[0][0] == found.neighbors(0)[0][0]


@arrays
def test_slices_of_every_kind(kind):
    make = ARRAY_KINDS[kind]
    assert nb.slice_1d(L2, make([0.0, 0.5]), make([1.0, 1.0])) == nb.slice_1d(
        L2, [0.0, 0.5], [1.0, 1.0]
    )
    plane = nb.slice_2d(
        nb.NeuronLayer(np.eye(3), np.zeros(3)),
        make([0.0, 0.0, 1.0]),
        make([1.0, 0.0, 0.0]),
        make([0.0, 0.0, 1.0]),
    )
    np.testing.assert_array_equal(plane.weight, [[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    assert nb.box_domain_along(make([1.0, 2.0]), make([1.0, -1.0]), make([0.0, 0.0])) == (-1.0, 2.0)


@arrays
def test_data_for_directions_of_every_kind(kind):
    x = [[0.0, 0.0, 1.0], [1.0, 2.0, 0.0], [3.0, 1.0, 1.0], [2.0, 5.0, 3.0]]
    expected = nb.pca_directions(x, k=1)
    np.testing.assert_allclose(
        nb.pca_directions(ARRAY_KINDS[kind](x), k=1).directions,
        expected.directions,
        rtol=0,
        atol=1e-15,
    )
    np.testing.assert_array_equal(
        nb.concept_vector(ARRAY_KINDS[kind](x), [0, 1, 0, 1], 1, 0),
        nb.concept_vector(x, [0, 1, 0, 1], 1, 0),
    )


@arrays
def test_similarity_matrix_of_every_kind(kind):
    sim = nb.similarity(L2, "both")
    np.testing.assert_array_equal(
        nb.neuron_order(ARRAY_KINDS[kind](sim.tolist())), nb.neuron_order(sim)
    )


def test_neuron_selection_of_every_kind():
    expected = L1[[2, 0]]
    for selection in (
        [2, 0],
        np.array([2, 0]),
        np.array([2, 0], dtype=np.int32),
        torch.tensor([2, 0]),
        [-1, 0],
    ):
        assert L1[selection] == expected
    for mask in (
        [False, True, True],
        np.array([False, True, True]),
        torch.tensor([False, True, True]),
    ):
        assert L1[mask] == L1[[1, 2]]
    assert L1[1:] == L1[[1, 2]]


def test_point_queries_on_scalars():
    part = nb.partition_1d(L1, INTERVAL)
    for x in (0.5, np.float32(0.5), np.array(0.5), torch.tensor(0.5)):
        assert part.on_breakpoint(x)
        assert int(part.locate(x)) == 2
        np.testing.assert_array_equal(part.signs_at(x), [[1, 1, 0]])


# ---------------------------------------------------------------------------- property
_f32 = st.floats(-1e6, 1e6, allow_nan=False, width=32)


@settings(max_examples=40)
@given(
    weights=st.lists(_f32.filter(lambda w: w != 0), min_size=1, max_size=6),
    data=st.data(),
    kind=st.sampled_from(sorted(ARRAY_KINDS)),
)
def test_group_partition_is_the_same_for_every_kind(weights, data, kind):
    """Any float32-representable layer and thresholds: every kind gives the plain-list answer."""
    m = len(weights)
    biases = data.draw(st.lists(_f32, min_size=m, max_size=m))
    thresholds = data.draw(st.lists(_f32, min_size=m, max_size=m))
    layer = nb.NeuronLayer(ARRAY_KINDS[kind](weights), ARRAY_KINDS[kind](biases))
    assert layer == nb.NeuronLayer(weights, biases)
    interval = (-2e6, 2e6)
    got = nb.group_partition_1d(layer, interval, ARRAY_KINDS[kind](thresholds))
    _same_groups(got, nb.group_partition_1d(layer, interval, thresholds))


# ---------------------------------------------------------------------------- from the review
FLOAT_OR_GRAD: dict[str, Callable[[float], object]] = {
    **FLOAT_KINDS,
    "0-d torch with grad": lambda x: torch.tensor(x, dtype=torch.float64, requires_grad=True),
}


@pytest.mark.parametrize("kind", FLOAT_OR_GRAD)
def test_sequences_of_scalars_of_every_kind(kind):
    """Lists and tuples of 0-d tensors (with gradients too) and numpy scalars are numbers."""
    f = FLOAT_OR_GRAD[kind]
    part = nb.partition_1d(L1, (f(-1.0), f(2.0)))
    np.testing.assert_array_equal(part.breakpoints, nb.partition_1d(L1, INTERVAL).breakpoints)
    arr = nb.arrangement_2d(L2, ((f(-1.0), f(1.0)), (f(-1.0), f(1.0))))
    assert arr.n_regions == nb.arrangement_2d(L2, BOX).n_regions
    np.testing.assert_array_equal(arr.locate([[f(0.5), f(0.75)]]), arr.locate([[0.5, 0.75]]))
    region = nb.region_of(L2, [f(0.5), f(0.75)])
    np.testing.assert_array_equal(region.signs, nb.region_of(L2, [0.5, 0.75]).signs)


@pytest.mark.parametrize("kind", ["0-d numpy array", "numpy float64", "float"])
def test_one_activation_slope_of_every_kind(kind):
    net = nb.Network.random([2, 3, 1], seed=0, activations=FLOAT_KINDS[kind](0.25))
    ref = nb.Network.random([2, 3, 1], seed=0, activations=0.25)
    np.testing.assert_array_equal(net.negative_slopes[0], ref.negative_slopes[0])


def test_empty_selections_give_empty_rows():
    assert nb.arrangement_2d(L2, BOX).signs_of([]).shape == (0, 3)
    assert nb.regions_in(L2, BOX).signs_of([]).shape == (0, 3)
    assert nb.partition_1d(L1, INTERVAL).rows([]).shape == (0, 3)
    assert nb.Network.random([2, 3, 1], seed=0).layer_of([]).shape == (0, 2)


@ints
def test_input_shape_of_every_integer_kind(kind):
    i = INT_KINDS[kind]
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(32, 3)
    )
    net = nb.Network.from_module(model, input_shape=(i(1), i(6), i(6)))
    assert net == nb.Network.from_module(model, input_shape=(1, 6, 6))


def test_a_one_dimensional_box_as_a_pair():
    layer = nb.NeuronLayer([[1.0], [-1.0]], [0.0, 0.5])
    assert nb.region_of(layer, 0.25, box=(-1, 1)).volume == 0.5
    assert nb.regions_in(layer, (-1, 1)).n_regions == nb.regions_in(layer, ((-1, 1),)).n_regions


def test_a_network_without_boundaries_is_one_region():
    """No neuron varies: the region is the whole input, no facet (and inside a box, the box)."""
    for net in (
        nb.NeuronLayer([[0.0, 0.0]], [1.0]),
        nb.Network(
            [nb.NeuronLayer(np.zeros((2, 2)), [1.0, -1.0]), nb.NeuronLayer([[1.0, 1.0]], [0.0])]
        ),
    ):
        region = nb.region_of(net, [0.5, 0.5])
        assert region.n_facets == 0
        assert region.inradius == np.inf
        assert region.neighbors() == []
        assert nb.region_of(net, [0.5, 0.5], box=BOX).volume == 4.0


def test_a_custom_module_inside_a_sequential_is_traced():
    class Residual(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = torch.nn.Linear(3, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x + torch.relu(self.lin(x))

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 3), Residual(), torch.nn.Linear(3, 1)).double()
    net = nb.Network.from_module(model.eval())
    x = torch.randn(200, 3, dtype=torch.float64)
    np.testing.assert_allclose(net(x.numpy()), model(x).detach().numpy(), rtol=0, atol=1e-12)
