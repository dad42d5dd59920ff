"""1-D and 2-D slices of networks against an independent layer-by-layer reference written here:
the network is evaluated only through its forward pass (``preactivations``), polygons are cut by
plain float clipping and pieces sorted along the line by plain root finding."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neuronboundary as nb
from neuronboundary import Network, NeuronLayer

BOX = ((-1.0, 1.0), (-1.0, 1.0))


# ---------------------------------------------------------------- reference (independent)
def _affine_on(net: Network, layer: int, pts: np.ndarray) -> np.ndarray:
    """Coefficients (3, m) of layer ``layer``'s pre-activation, fitted through 3 points of a
    region where it is affine (exact for an affine map up to rounding)."""
    z = net.preactivations(pts)[layer]
    a = np.column_stack([pts, np.ones(3)])
    return np.linalg.solve(a, z)


def _clip(poly: list, c: np.ndarray, side: int) -> list:
    out = []
    k = len(poly)
    vals = [side * (c[0] * p[0] + c[1] * p[1] + c[2]) for p in poly]
    vals = [0.0 if abs(v) <= 1e-12 else v for v in vals]
    for i in range(k):
        p, q, vp, vq = poly[i], poly[(i + 1) % k], vals[i], vals[(i + 1) % k]
        if vp >= 0:
            out.append(p)
        if (vp > 0 > vq) or (vp < 0 < vq):
            t = vp / (vp - vq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def _area(poly: list) -> float:
    return 0.5 * sum(
        poly[i][0] * poly[(i + 1) % len(poly)][1] - poly[(i + 1) % len(poly)][0] * poly[i][1]
        for i in range(len(poly))
    )


def _interior(poly: list) -> np.ndarray:
    # three points well inside: centroid pulled towards vertices
    v = np.array(poly)
    c = v.mean(axis=0)
    d = v - c
    cross = np.abs(d[:, None, 0] * d[None, :, 1] - d[:, None, 1] * d[None, :, 0])
    i, j = np.unravel_index(np.argmax(cross), cross.shape)
    return np.array([c, c + 0.1 * d[i], c + 0.1 * d[j]])


def reference_regions(net: Network, box=BOX, min_area=1e-10) -> list[tuple[list, tuple]]:
    (x0, x1), (y0, y1) = box
    polys = [[(x0, y0), (x1, y0), (x1, y1), (x0, y1)]]
    for layer in range(net.n_layers):
        new = []
        for poly in polys:
            coef = _affine_on(net, layer, _interior(poly))
            pieces = [poly]
            for n in range(coef.shape[1]):
                nxt = []
                for piece in pieces:
                    vals = [coef[0, n] * p[0] + coef[1, n] * p[1] + coef[2, n] for p in piece]
                    if max(vals) <= 1e-12 and min(vals) >= -1e-12:  # zero on the piece
                        nxt.append(piece)
                        continue
                    for side in (1, -1):
                        part = _clip(piece, coef[:, n], side)
                        if len(part) >= 3 and _area(part) > min_area:
                            nxt.append(part)
                pieces = nxt
            new.extend(pieces)
        polys = new
    out = []
    for poly in polys:
        c = np.mean(np.array(poly), axis=0)
        out.append((poly, tuple(net.signs(c[None])[0].tolist())))
    return out


def random_net(seed: int, sizes, slope="relu", scale=1.0) -> Network:
    rng = np.random.default_rng(seed)
    layers = [
        NeuronLayer(rng.normal(size=(b, a)) * scale, rng.normal(size=b) * 0.5)
        for a, b in itertools.pairwise(sizes)
    ]
    return Network(layers, slope)


# ---------------------------------------------------------------- 2-D
@pytest.mark.parametrize("slope", ["relu", 0.1, "identity"])
@pytest.mark.parametrize("seed", range(4))
def test_regions_match_reference(seed, slope):
    net = random_net(seed, [2, 5, 4, 2], slope)
    arr = nb.arrangement_2d(net, BOX)
    ref = reference_regions(net)
    assert arr.n_regions == len(ref)
    assert {tuple(r) for r in arr.signs.tolist()} == {s for _, s in ref}
    assert arr.areas.sum() == pytest.approx(4.0)
    assert np.all(arr.areas > 0)
    # areas agree region by region (matched by pattern)
    ref_area = {s: _area(p) for p, s in ref}
    for r in range(arr.n_regions):
        assert arr.areas[r] == pytest.approx(ref_area[tuple(arr.signs_of(r)[0].tolist())])


@pytest.mark.parametrize("seed", range(3))
def test_patterns_at_random_points_and_locate(seed):
    net = random_net(seed + 10, [2, 6, 5, 3], 0.2)
    arr = nb.arrangement_2d(net, BOX)
    pts = np.random.default_rng(seed).uniform(-1, 1, size=(400, 2))
    reg = arr.locate(pts)
    assert np.all(reg >= 0)
    assert np.array_equal(arr.signs_of(reg), net.signs(pts))
    # every region's interior point lies in it
    assert np.array_equal(arr.locate(arr.points), np.arange(arr.n_regions))


@pytest.mark.parametrize("seed", range(3))
def test_edge_provenance(seed):
    net = random_net(seed + 20, [2, 5, 5, 1])
    arr = nb.arrangement_2d(net, BOX)
    seg, tags = arr.edges()
    mids = seg.mean(axis=1)
    z = np.concatenate(net.preactivations(mids), axis=1)
    inner = tags >= 0
    scale = np.abs(z).max()
    assert np.all(np.abs(z[inner, tags[inner]]) <= 1e-9 * scale)
    (x0, x1), (y0, y1) = BOX
    for t, (axis, value) in zip(
        (-1, -2, -3, -4), ((0, x0), (0, x1), (1, y0), (1, y1)), strict=False
    ):
        assert np.all(seg[tags == t][:, :, axis] == value)
    # a segment's tagged neuron flips across it: the regions on both sides differ there
    normal = np.stack([seg[:, 1, 1] - seg[:, 0, 1], seg[:, 0, 0] - seg[:, 1, 0]], axis=1)
    normal /= np.linalg.norm(normal, axis=1)[:, None]
    a = net.signs(mids[inner] + 1e-6 * normal[inner])
    b = net.signs(mids[inner] - 1e-6 * normal[inner])
    idx = np.flatnonzero(inner)
    assert np.all(a[np.arange(idx.size), tags[idx]] != b[np.arange(idx.size), tags[idx]])


def test_adjacency_against_shared_edges():
    net = random_net(3, [2, 4, 4, 1])
    arr = nb.arrangement_2d(net, BOX)
    adj = arr.adjacency
    assert adj.shape[1] == 2
    assert np.all(adj[:, 0] < adj[:, 1])
    # every adjacent pair differs in at least one neuron and touches (shares a vertex)
    for a, b in adj:
        assert arr.transition(int(a), int(b)).size >= 1
        va, vb = arr.region(int(a)).vertices, arr.region(int(b)).vertices
        d = np.abs(va[:, None, :] - vb[None, :, :]).max(axis=2)
        assert np.sum(d.min(axis=1) < 1e-9) >= 1
    # the region graph is connected and every region has a neighbour
    assert set(np.unique(adj)) == set(range(arr.n_regions))
    _n0, others = arr.neighbors(0)[0]
    assert others.size >= 1


@pytest.mark.parametrize("seed", range(3))
def test_one_layer_network_is_todays_arrangement(seed):
    layer = NeuronLayer.random(12, 2, seed=seed)
    old = nb.arrangement_2d(layer, BOX)
    new = nb.arrangement_2d(Network([layer]), BOX)
    assert new.n_regions == old.n_regions
    assert {tuple(r) for r in new.signs.tolist()} == {tuple(r) for r in old.signs.tolist()}
    assert np.allclose(np.sort(new.areas), np.sort(old.areas))


def test_wide_input_sliced_by_plane():
    net = random_net(5, [9, 6, 5, 2], "relu")
    rng = np.random.default_rng(1)
    o, u, v = rng.normal(size=(3, 9))
    plane = nb.slice_2d(net, o, u, v)
    assert isinstance(plane, Network)
    assert plane.in_dim == 2
    pts = rng.uniform(-1, 1, size=(50, 2))
    full = o + pts[:, :1] * u + pts[:, 1:] * v
    assert np.allclose(plane(pts), net(full))
    arr = nb.arrangement_2d(plane, BOX)
    ref = reference_regions(plane)
    assert arr.n_regions == len(ref)
    assert np.array_equal(arr.signs_of(arr.locate(pts)), net.signs(full))


def test_degenerate_dead_constant_and_through_vertices():
    # neuron 0 and 1 of layer 1 are dead (always negative) / constant; neuron 2 passes
    # through the origin, a vertex of layer 0; neuron 3 duplicates neuron 2's line.
    l0 = NeuronLayer([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0])
    l1 = NeuronLayer([[-1.0, -1.0], [0.0, 0.0], [1.0, -1.0], [2.0, -2.0]], [-1.0, 0.0, 0.0, 0.0])
    l2 = NeuronLayer([[1.0, 0.0, 1.0, 0.0]], [-0.25])
    net = Network([l0, l1, l2])
    arr = nb.arrangement_2d(net, BOX)
    ref = reference_regions(net)
    assert arr.n_regions == len(ref)
    assert np.all(arr.layer_signs(1)[:, 0] == -1)
    assert np.all(arr.layer_signs(1)[:, 1] == 0)
    assert arr.areas.sum() == pytest.approx(4.0)
    assert np.all(arr.areas > 1e-6)


def test_decision_boundary_and_zero_set():
    net = random_net(7, [2, 6, 3])
    arr = nb.arrangement_2d(net, BOX)
    seg = arr.decision_boundary()
    assert seg.shape[1:] == (2, 2)
    assert seg.shape[0] > 0
    mids = seg.mean(axis=1)
    out = net(mids)
    top2 = np.sort(out, axis=1)[:, -2:]
    assert np.allclose(top2[:, 0], top2[:, 1], atol=1e-9)
    one = random_net(8, [2, 6, 1])
    arr1 = nb.arrangement_2d(one, BOX)
    zs = arr1.zero_set(-1, 0)
    assert np.allclose(one(zs.mean(axis=1)), 0.0, atol=1e-9)
    assert np.array_equal(arr1.decision_boundary(), zs)
    lines = arr1.zero_set(-1, 0, polylines=True)
    assert sum(len(line) - 1 for line in lines) == zs.shape[0]
    assert all(np.allclose(one(line), 0.0, atol=1e-9) for line in lines)


# ---------------------------------------------------------------- 1-D
def reference_breakpoints(net: Network, lo: float, hi: float) -> np.ndarray:
    """Sign changes of every neuron along a fine scan, refined by bisection in Fractions-free
    floats: the breakpoints as a sorted array (approximate, to 1e-12)."""
    t = np.linspace(lo, hi, 20001)
    s = net.signs(t[:, None])
    change = np.flatnonzero(np.any(s[1:] != s[:-1], axis=1))
    out = []
    for i in change:
        a, b = t[i], t[i + 1]
        sa = net.signs([[a]])[0]
        for _ in range(60):
            mid = 0.5 * (a + b)
            if np.array_equal(net.signs([[mid]])[0], sa):
                a = mid
            else:
                b = mid
        out.append(0.5 * (a + b))
    return np.array(out)


@pytest.mark.parametrize("slope", ["relu", 0.05])
@pytest.mark.parametrize("seed", range(4))
def test_partition_1d_matches_scan(seed, slope):
    net = random_net(seed, [1, 6, 5, 3], slope)
    p = nb.partition_1d(net, (-2.0, 2.0))
    ref = reference_breakpoints(net, -2.0, 2.0)
    inner = p.breakpoints[1:-1]
    # every reference change is a breakpoint (the scan may miss close pairs; not the reverse)
    assert all(np.min(np.abs(inner - r)) < 1e-9 for r in ref)
    mids = p.midpoints
    assert np.array_equal(p.signs, net.signs(mids[:, None]))
    # values are the pre-activations at the breakpoints (polylines)
    assert np.allclose(p.values, np.concatenate(net.preactivations(p.breakpoints[:, None]), 1))
    for i in range(1, p.n_intervals):
        assert p.flips(i).size >= 1
        assert np.all(p.flip_pairs(i)[:, 0] < net.n_layers)


@pytest.mark.parametrize("seed", range(3))
def test_one_layer_network_is_todays_partition(seed):
    layer = NeuronLayer.random(20, 1, seed=seed)
    old = nb.partition_1d(layer, (-1.0, 1.0))
    new = nb.partition_1d(Network([layer]), (-1.0, 1.0))
    assert np.array_equal(new.breakpoints, old.breakpoints)
    assert np.array_equal(new.signs, old.signs)
    for i in range(1, old.n_intervals):
        assert np.array_equal(new.flips(i), old.flips(i))


def test_1d_exact_kink_example_and_groups():
    net = Network([NeuronLayer([[1.0], [-1.0]], [0.0, 1.0]), NeuronLayer([[1.0, 1.0]], [-1.5])])
    p = nb.partition_1d(net, (-2.0, 3.0))
    assert p.breakpoints.tolist() == [-2.0, -0.5, 0.0, 1.0, 1.5, 3.0]
    assert p.flip_pairs(2).tolist() == [[0, 0]]
    _t, y = p.polyline(1, 0)
    assert y.tolist() == [1.5, 0.0, -0.5, -0.5, 0.0, 1.5]
    bp, groups = nb.group_ranges(net, (-2.0, 3.0), nb.positive(), layer=0)
    assert bp.tolist() == [-2.0, 0.0, 1.0, 3.0]
    assert groups == [(1,), (0, 1), (0,)]
    bp, groups = nb.group_ranges(net, (-2.0, 3.0), nb.top_k(1), layer=0)
    assert nb.group_ranges(net, (-2.0, 3.0), nb.positive(), layer=1)[1] == [(0,), (), (0,)]
    assert bp.tolist() == [-2.0, 0.5, 3.0]
    assert groups == [(1,), (0,)]
    assert p.locate([0.5]).tolist() == [2]
    assert p.on_breakpoint([0.0, 0.1]).tolist() == [True, False]
    assert p.signs_at([0.0]).tolist() == [[0, 1, -1]]


def test_1d_dead_and_zero_neurons():
    # layer-1 neuron 0 is relu(x) exactly: zero on the whole left half (sign 0 there);
    # neuron 1 is dead; neuron 2 is constant.
    net = Network(
        [
            NeuronLayer([[1.0]], [0.0]),
            NeuronLayer([[1.0], [-1.0], [0.0]], [0.0, -5.0, 2.0]),
        ]
    )
    p = nb.partition_1d(net, (-1.0, 1.0))
    assert p.breakpoints.tolist() == [-1.0, 0.0, 1.0]
    assert p.signs.tolist() == [[-1, 0, -1, 1], [1, 1, -1, 1]]


def test_line_through_wide_network():
    net = random_net(2, [12, 8, 8, 4])
    rng = np.random.default_rng(0)
    o, d = rng.normal(size=(2, 12))
    line = nb.slice_1d(net, o, d)
    p = nb.partition_1d(line, (-1.0, 1.0))
    assert np.array_equal(p.signs, net.signs(o + p.midpoints[:, None] * d))


# ---------------------------------------------------------------- exact signs
@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000))
def test_network_signs_are_exact(seed):
    rng = np.random.default_rng(seed)
    net = Network(
        [
            NeuronLayer(rng.integers(-3, 4, size=(3, 2)) / 4, rng.integers(-3, 4, size=3) / 4),
            NeuronLayer(rng.integers(-3, 4, size=(2, 3)) / 4, rng.integers(-3, 4, size=2) / 8),
        ],
        0.5,
    )
    x = rng.integers(-4, 5, size=(5, 2)) / 8  # lands exactly on boundaries often
    got = net.signs(x)
    for i in range(5):
        h = [Fraction(float(v)) for v in x[i]]
        want = []
        for _li, layer in enumerate(net.layers):
            z = [
                Fraction(float(b))
                + sum(Fraction(float(w)) * hv for w, hv in zip(row, h, strict=False))
                for row, b in zip(layer.weight, layer.bias, strict=False)
            ]
            want += [(v > 0) - (v < 0) for v in z]
            h = [v if v > 0 else Fraction(1, 2) * v for v in z]
        assert got[i].tolist() == want


@settings(max_examples=12, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.lists(st.integers(1, 4), min_size=1, max_size=3),
    st.sampled_from(["relu", 0.3, -0.5]),
)
def test_property_regions_match_reference(seed, widths, slope):
    net = random_net(seed, [2, *widths], slope)
    arr = nb.arrangement_2d(net, BOX)
    ref = reference_regions(net)
    assert arr.n_regions == len(ref)
    assert {tuple(r) for r in arr.signs.tolist()} == {s for _, s in ref}
    pts = np.random.default_rng(seed).uniform(-1, 1, size=(50, 2))
    assert np.array_equal(arr.signs_of(arr.locate(pts)), net.signs(pts))
