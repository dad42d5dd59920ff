"""Slices of networks of any depth against the exact reference of ``tests/exact_reference.py``
(Fractions, layer-by-layer clipping): counts, patterns at exact interior points, areas,
adjacency, edge provenance, breakpoints and decisions, on ordinary random networks and on the
situations where float arithmetic goes wrong (exact cancellation, magnitude spread, far and
tiny boxes, extreme weights, skips into the output, lines one ulp apart)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neuronboundary as nb
from neuronboundary import Network, NeuronLayer
from neuronboundary.network import ActivatedMaps
from tests import exact_reference as ref

BOX = ((-1.0, 1.0), (-1.0, 1.0))


def L(w, b) -> NeuronLayer:
    return NeuronLayer(np.array(w, dtype=float), np.array(b, dtype=float))


# ---------------------------------------------------------------- the comparison
def check_2d(net: Network, box=BOX, area_tol: float = 1e-9) -> nb.Arrangement2D:
    arr = nb.arrangement_2d(net, box)
    regs = ref.regions_2d(net, box)
    patterns = {p: poly for poly, p in regs}
    assert len(patterns) == len(regs), "the reference has one region per pattern"
    mine = [tuple(row) for row in arr.signs.tolist()]
    assert sorted(mine) == sorted(patterns), "the same regions with the same patterns"
    ex = ref.ExactNet(net)
    (x0, x1), (y0, y1) = box
    box_area = (x1 - x0) * (y1 - y0)
    for r, pattern in enumerate(mine):
        # a point strictly inside, with exactly the region's pattern
        assert ex.pattern_at(list(arr.exact_point(r))) == pattern
        exact = float(ref.area(patterns[pattern]))
        assert abs(arr.areas[r] - exact) <= area_tol * box_area + 1e-12 * abs(exact)
    # adjacency: pairs of patterns sharing an edge
    adj = {tuple(sorted((mine[a], mine[b]))) for a, b in arr.adjacency.tolist()}
    assert adj == ref.adjacency_2d(regs)
    check_provenance(arr, ex)
    return arr


def check_provenance(arr: nb.Arrangement2D, ex: ref.ExactNet) -> None:
    """Each polygon edge lies on the zero set of the neuron said to have made it: that neuron's
    exact map on the region vanishes at the edge's ends (float vertices, within their error)."""
    net = arr.network
    off = arr.vertex_offsets
    verts, rad = arr.polygon_vertices, arr.vertex_error
    layer_of = net.layer_of(np.arange(net.n_neurons))
    for r in range(arr.n_regions):
        pattern = arr.signs_of(r)[0]
        per_layer = [list(s) for s in net.split(pattern)]
        idx = np.arange(off[r], off[r + 1])
        nxt = np.roll(idx, -1)
        for i, j in zip(idx.tolist(), nxt.tolist(), strict=True):
            n = int(arr.edge_neurons[i])
            if n < 0:
                continue
            lay, k = layer_of[n]
            exact = ex.maps(per_layer, int(lay), 3)[k]
            top = max(abs(v) for v in exact) or Fraction(1)
            c = [float(v / top) for v in exact]  # scaled: no overflow for extreme weights
            scale = abs(c[0]) + abs(c[1])
            for v in (i, j):
                p = verts[v]
                value = c[0] * p[0] + c[1] * p[1] + c[2]
                slack = scale * (rad[v] + 1e-12 * (1 + np.abs(p).max())) + 1e-12 * abs(c[2])
                assert abs(value) <= slack * 4 + 1e-300, (r, n, value, slack)


def check_1d(net: Network, interval=(-2.0, 2.0)) -> nb.Partition1D:
    part = nb.partition_1d(net, interval)
    regs = ref.regions_1d(net, interval)
    assert [tuple(row) for row in part.signs.tolist()] == [p for _, _, p in regs]
    for i in range(1, part.n_intervals):
        assert part.exact_breakpoint(i) == regs[i][0]
        assert abs(part.breakpoints[i] - float(regs[i][0])) <= part.breakpoint_error[i]
    return part


# ---------------------------------------------------------------- random networks
sizes = st.tuples(st.integers(2, 6), st.integers(2, 5), st.integers(1, 3))


@settings(max_examples=25, deadline=None)
@given(sizes, st.integers(0, 10**6), st.sampled_from(["relu", 0.1, -0.3]))
def test_random_networks_2d(shape, seed, act):
    w1, w2, out = shape
    check_2d(Network.random([2, w1, w2, out], seed=seed, activations=act))


@settings(max_examples=25, deadline=None)
@given(sizes, st.integers(0, 10**6), st.sampled_from(["relu", 0.2]))
def test_random_networks_1d(shape, seed, act):
    w1, w2, out = shape
    check_1d(Network.random([1, w1, w2, out], seed=seed, activations=act))


@settings(max_examples=25, deadline=None)
@given(sizes, st.integers(0, 10**6), st.sampled_from(["relu", 0.1, -0.3]))
def test_maps_through_each_cut_regions_shared_part(shape, seed, act):
    # wide layers multiply each cut region's shared part once and add each piece's own terms;
    # forced here on small networks, where the exact reference is cheap
    saved = ActivatedMaps.SHARED_WIDTH, ActivatedMaps.SHARED_RATIO, ActivatedMaps.SHARED_MIN
    ActivatedMaps.SHARED_WIDTH, ActivatedMaps.SHARED_RATIO, ActivatedMaps.SHARED_MIN = 1, 0.0, 0
    try:
        w1, w2, out = shape
        check_2d(Network.random([2, w1, w2, w2, out], seed=seed, activations=act))
        check_1d(Network.random([1, w1, w2, out], seed=seed, activations=act))
    finally:
        ActivatedMaps.SHARED_WIDTH, ActivatedMaps.SHARED_RATIO, ActivatedMaps.SHARED_MIN = saved


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6))
def test_residual_networks(seed):
    rng = np.random.default_rng(seed)
    layers = [L(rng.normal(size=(4, 2)), rng.normal(size=4))]
    layers += [L(rng.normal(size=(4, 4)), rng.normal(size=4)) for _ in range(2)]
    layers.append(L(rng.normal(size=(2, 4)), rng.normal(size=2)))
    net = Network(
        layers, "relu", skips=[(1, 3), (0, 2, rng.normal(size=(4, 2)), rng.normal(size=4))]
    )
    check_2d(net)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6))
def test_pre_activation_skips(seed):
    # relu(h + f(h)) blocks: the sum enters a layer's pre-activation, before its activation
    rng = np.random.default_rng(seed)
    layers = [L(rng.normal(size=(4, 2)), rng.normal(size=4))]
    layers += [L(rng.normal(size=(4, 4)), rng.normal(size=4)) for _ in range(2)]
    layers.append(L(rng.normal(size=(1, 4)), rng.normal(size=1)))
    skips = [(1, 2, np.eye(4), np.zeros(4), True), (0, 3, rng.normal(size=(1, 2)), [0.25], True)]
    net = Network(layers, "relu", skips=skips)
    check_2d(net)
    line = nb.slice_1d(net, [0.1, -0.2], [1.0, 0.5])
    check_1d(line)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6), st.floats(-8, 8))
def test_weights_of_mixed_magnitudes(seed, log_scale):
    rng = np.random.default_rng(seed)
    mags = 10.0 ** rng.uniform(-8, 8, size=(3, 5))
    net = Network(
        [
            L(rng.normal(size=(5, 2)) * mags[0, :, None], rng.normal(size=5) * mags[1]),
            L(rng.normal(size=(3, 5)) * 10.0**log_scale, rng.normal(size=3)),
            L(rng.normal(size=(1, 3)), [rng.normal() * 1e-9]),
        ]
    )
    check_2d(net)


# ---------------------------------------------------------------- where floats go wrong
def test_exact_cancellation_duplicated_and_negated_neurons():
    rng = np.random.default_rng(1)
    W0 = rng.normal(size=(4, 2))
    b0 = rng.normal(size=4)
    W0 = np.vstack([W0, W0[:1], -W0[1:2]])
    b0 = np.concatenate([b0, b0[:1], -b0[1:2]])
    W1 = rng.normal(size=(3, 6))
    W1[0] = 0
    W1[0, 0], W1[0, 4] = 1.0, -1.0  # relu(z0) - relu(z0): identically zero
    W1[1] = 0
    W1[1, 1], W1[1, 5] = 1.0, 1.0  # relu(z1) + relu(-z1) = |z1|
    net = Network([L(W0, b0), L(W1, [0.0, 0.3, -0.2]), L(rng.normal(size=(1, 3)), [0.3])])
    arr = check_2d(net, ((-2.0, 2.0), (-2.0, 2.0)))
    col = net.neuron_index(1, 0)
    assert set(arr.signs[:, col].tolist()) <= {0, -1}  # zero where relu(z0) is active, never +
    check_1d(Network([L(W0[:, :1], b0), L(W1, [0.0, 0.3, -0.2]), L([[1.0, -1.0, 0.5]], [0.1])]))


def test_a_deeper_neuron_constant_on_regions():
    # relu(x) - relu(-x) - relu(x + 5) + 5.25 = 0.25 on the box (x + 5 > 0 there): a constant
    # that float maps get only within rounding; the second neuron is exactly 0 everywhere
    net = Network(
        [
            L([[1, 0], [-1, 0], [1, 0], [0, 1]], [0, 0, 5, 0.5]),
            L([[1, -1, -1, 0], [1, -1, -1, 0]], [5.25, 5.0]),
        ]
    )
    arr = check_2d(net)
    assert (arr.layer_signs(1)[:, 0] == 1).all()
    assert (arr.layer_signs(1)[:, 1] == 0).all()


def test_magnitude_spread_small_bias_next_to_huge_weights():
    net = Network([L([[1, 0], [0, 1], [1, 1]], [0, 0, -0.5]), L([[1e9, 1e9, 0]], [1e-9])])
    arr = check_2d(net)
    assert (arr.layer_signs(1) != 0).all()  # never declared identically zero


@pytest.mark.parametrize("centre", [1e6, 1e9, 1e12])
def test_far_boxes(centre):
    net = Network.random([2, 5, 4, 1], seed=3)
    W0 = net.layers[0].weight
    far = Network([L(W0, net.layers[0].bias - W0 @ np.array([centre, centre])), *net.layers[1:]])
    box = ((centre - 1, centre + 1), (centre - 1, centre + 1))
    check_2d(far, box)
    line = Network([L(W0[:, :1], net.layers[0].bias - W0[:, 0] * centre), *net.layers[1:]])
    check_1d(line, (centre - 2, centre + 2))


@pytest.mark.parametrize("width", [1e-9, 1e-6])
def test_tiny_boxes(width):
    net = Network.random([2, 5, 4, 1], seed=4)
    tiny = Network([L(net.layers[0].weight / width, net.layers[0].bias), *net.layers[1:]])
    check_2d(tiny, ((-width, width), (-width, width)))
    # 1e-9 wide at 1e6: a few float spacings across
    W0 = net.layers[0].weight / width
    centre = 1e6
    shifted = Network(
        [L(W0, net.layers[0].bias - W0 @ np.array([centre, centre])), *net.layers[1:]]
    )
    arr = nb.arrangement_2d(
        shifted, ((centre - width, centre + width), (centre - width, centre + width))
    )
    assert arr.n_regions == nb.arrangement_2d(tiny, ((-width, width), (-width, width))).n_regions


def test_extreme_weights_overflow_and_subnormal():
    net = Network.random([2, 4, 3, 1], seed=5)
    big = Network(
        [
            L(net.layers[0].weight * 1e200, net.layers[0].bias * 1e200),
            L(net.layers[1].weight * 1e200, net.layers[1].bias * 1e200),
            net.layers[2],
        ]
    )
    check_2d(big)
    sub = Network([L(net.layers[0].weight * 1e-310, net.layers[0].bias * 1e-310), *net.layers[1:]])
    check_2d(sub)


def test_skip_into_the_output_is_part_of_the_decision():
    rng = np.random.default_rng(6)
    base = Network.random([2, 5, 5, 2], seed=6)
    net = Network(
        list(base.layers),
        "relu",
        skips=[
            (1, 3, rng.normal(size=(2, 5)), np.zeros(2)),
            (0, 2, rng.normal(size=(5, 2)), np.ones(5)),
        ],
    )
    arr = check_2d(net)
    check_decisions(arr)


def test_lines_one_ulp_apart():
    a, b = 1.0, float(np.nextafter(1.0, 2.0))
    net = Network([L([[a, -1], [b, -1], [0.3, 1]], [0, 0, 0.1]), L([[1, -1, 1]], [0.01])])
    check_2d(net)
    # the same lines as a single layer: the crossing and the areas against the exact ones
    check_2d(L([[a, -1], [b, -1], [0.3, 1]], [0, 0, 0.1]))


# ---------------------------------------------------------------- decisions
def check_decisions(arr: nb.Arrangement2D) -> None:
    """Each decision cell's class is the exact argmax of the network's output (after its last
    activation and skips, ties to the lower index) at an exact interior point."""
    dr = arr.decision_regions()
    net = arr.network
    ex = ref.ExactNet(net)
    for c in range(dr.n_cells):
        y = ex.output_at(list(dr.arrangement.exact_point(c)))
        want = max(range(len(y)), key=lambda k: (y[k], -k)) if len(y) > 1 else int(y[0] > 0)
        assert dr.labels[c] == want
    assert abs(dr.class_areas().sum() - arr.areas.sum()) <= 1e-9 * arr.areas.sum()


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 4))
def test_decision_regions_and_intervals(seed, out):
    net = Network.random([2, 5, 4, out], seed=seed)
    check_decisions(nb.arrangement_2d(net, BOX))
    line = Network.random([1, 5, 4, out], seed=seed)
    di = nb.partition_1d(line, (-2.0, 2.0)).decision_intervals()
    ex = ref.ExactNet(line)
    for k in range(di.n_intervals):
        lo, hi = (Fraction(float(v)) for v in di.breakpoints[k : k + 2])
        if k:
            lo = di.exact_breakpoint(k)
        if k + 1 < di.n_intervals:
            hi = di.exact_breakpoint(k + 1)
        y = ex.output_at([(lo + hi) / 2])
        want = max(range(len(y)), key=lambda i: (y[i], -i)) if len(y) > 1 else int(y[0] > 0)
        assert di.labels[k] == want


def test_exact_tie_between_outputs_goes_to_the_lower_index():
    # two identical outputs: a tie everywhere, class 0 wins; a third crosses them
    net = Network([L([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], [0.0, 0.0, 0.0])])
    dr = nb.arrangement_2d(net, BOX).decision_regions()
    assert set(dr.labels.tolist()) == {0, 2}
    assert dr.locate([[0.5, 0.1], [0.1, 0.5]]).tolist() == [0, 2]
