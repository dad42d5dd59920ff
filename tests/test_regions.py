"""Regions in any dimension (``region_of``, ``regions_in``) against exact references written
here with Fractions: the regions, patterns and facets of 2-D boxes from the exact polygons of
``tests/exact_reference.py`` (a facet is a neuron whose exact map vanishes on an edge), each
facet's witness re-checked with exact maps in any dimension, patterns at exact interior
points, and consistency with ``arrangement_2d`` and ``partition_1d``."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import neuronboundary as nb
from neuronboundary import Network, NeuronLayer
from tests import exact_reference as ref

BOX2 = ((-1.0, 1.0), (-1.0, 1.0))
TRIANGLE = Network(
    [NeuronLayer([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]), NeuronLayer([[1.0, 1.0]], [-1.0])]
)


def random_net(sizes, seed, kind="relu") -> Network:
    net = Network.random(sizes, seed=seed, activations=0.1 if kind == "leaky" else "relu")
    if kind == "residual":  # x + f(x) around the middle layer
        return Network(list(net.layers), "relu", skips=[(1, 2)])
    return net


# ---------------------------------------------------------------- exact references (Fractions)
def exact_maps(ex: ref.ExactNet, pattern: tuple[int, ...], d: int) -> list[list[Fraction]]:
    """Every neuron's exact map on the region of ``pattern``: rows (a_1..a_d, constant)."""
    net = ex.net
    per_layer = [list(s) for s in net.split(np.array(pattern))]
    out = []
    for lay in range(net.n_layers):
        out += ex.maps(per_layer[:lay], lay, d + 1)
    return out


def value(row: list[Fraction], point: list[Fraction]) -> Fraction:
    return sum((a * x for a, x in zip(row, point, strict=False)), Fraction(0)) + row[-1]


def reference_facets(net: Network, box) -> dict[tuple[int, ...], set[int]]:
    """For each exact region of a 2-D box, the neurons whose exact map vanishes on an edge of
    its exact polygon (a segment of positive length): its facets inside the box."""
    ex = ref.ExactNet(net)
    out = {}
    for poly, pattern in ref.regions_2d(net, box):
        maps = exact_maps(ex, pattern, 2)
        k = len(poly)
        facets = set()
        for i in range(k):
            p, q = poly[i], poly[(i + 1) % k]
            if p == q:
                continue
            for n, row in enumerate(maps):
                if pattern[n] != 0 and value(row, list(p)) == 0 and value(row, list(q)) == 0:
                    facets.add(n)
        out[pattern] = facets
    return out


def check_witnesses(region: nb.LinearRegion) -> None:
    """Re-check every facet's witness with exact maps: it breaks its facet neuron, every neuron
    it breaks shares the facet's halfspace, and every other neuron keeps its sign."""
    net = region.network
    ex = ref.ExactNet(net)
    d = net.in_dim
    maps = exact_maps(ex, tuple(region.signs.tolist()), d)
    s = region.signs.tolist()
    cols = net.neuron_offsets[region.facets[:, 0]] + region.facets[:, 1]
    for col, w in zip(cols.tolist(), region.facet_points, strict=True):
        point = ref.as_fractions(w)
        broken = [n for n in range(net.n_neurons) if s[n] and s[n] * value(maps[n], point) <= 0]
        assert col in broken
        for n in broken:
            assert s[n] * value(maps[n], point) < 0
            a = [s[n] * v for v in maps[n]]
            c = [s[col] * v for v in maps[col]]
            lead = next(i for i, v in enumerate(c) if v != 0)
            assert all(x * c[lead] == y * a[lead] for x, y in zip(a, c, strict=True))
            assert a[lead] * c[lead] > 0
        if region.box is not None:
            assert all(lo < x < hi for x, (lo, hi) in zip(w.tolist(), region.box, strict=True))


# ---------------------------------------------------------------- region_of
def test_triangle_region():
    region = nb.region_of(TRIANGLE, [0.25, 0.25])
    assert region.signs.tolist() == [1, 1, -1]
    assert region.facets.tolist() == [[0, 0], [0, 1], [1, 0]]
    assert region.inradius == pytest.approx(1 - 1 / np.sqrt(2))
    A, c = region.halfspaces
    assert np.allclose(A, [[-1, 0], [0, -1], [1, 1]])
    assert np.allclose(c, [0, 0, 1])
    assert region.halfspace_neurons.tolist() == [[0, 0], [0, 1], [1, 0]]
    assert np.array_equal(region.network.signs(region.interior_point)[0], region.signs)
    nbrs = {tuple(n.facet.ravel()): n for n in region.neighbors()}
    assert nbrs[(0, 0)].signs.tolist() == [-1, 1, -1]
    assert nbrs[(1, 0)].signs.tolist() == [1, 1, 1]
    for n in nbrs.values():
        assert np.array_equal(TRIANGLE.signs(n.point)[0], n.signs)
    boxed = nb.region_of(TRIANGLE, [0.25, 0.25], box=((-2, 2), (-2, 2)))
    assert boxed.volume == pytest.approx(0.5)
    assert sorted(map(tuple, np.round(boxed.vertices, 12).tolist())) == [
        (0.0, 0.0),
        (0.0, 1.0),
        (1.0, 0.0),
    ]
    check_witnesses(region)


def test_maps_are_the_network_on_the_region():
    net = random_net([3, 8, 8, 2], seed=1)
    x = np.array([0.3, -0.2, 0.5])
    region = nb.region_of(net, x)
    pts = x + 1e-4 * np.random.default_rng(0).standard_normal((20, 3))
    inside = (net.signs(pts) == region.signs).all(axis=1)
    pre = np.hstack(net.preactivations(pts[inside]))
    mapped = pts[inside] @ region.maps[:3] + region.maps[3]
    assert inside.sum() > 10
    assert np.allclose(pre, mapped, rtol=0, atol=1e-12)
    assert (region.map_errors >= 0).all()
    assert region.map_errors.max() < 1e-12


def test_identically_zero_neuron_is_no_boundary():
    # layer 1's neuron reads only layer 0's neuron, dead at x: zero on the whole region
    net = Network(
        [NeuronLayer([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]), NeuronLayer([[1.0, 0.0]], [0.0])]
    )
    region = nb.region_of(net, [-0.5, 0.5])
    assert region.signs.tolist() == [-1, 1, 0]
    assert region.facets.tolist() == [[0, 0], [0, 1]]
    across = {tuple(n.facet.ravel()): n.signs.tolist() for n in region.neighbors()}
    assert across[(0, 0)] == [1, 1, 1]  # beyond x1 = 0 the neuron wakes up


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    kind=st.sampled_from(["relu", "leaky", "residual"]),
    xs=st.lists(st.tuples(st.floats(-0.9, 0.9), st.floats(-0.9, 0.9)), min_size=1, max_size=4),
)
def test_facets_in_a_box_are_the_exact_ones(seed, kind, xs):
    net = random_net([2, 5, 5, 1], seed=seed, kind=kind)
    truth = reference_facets(net, BOX2)
    for x in xs:
        if (ref.ExactNet(net).pattern_at(ref.as_fractions(x)).count(0)) > 0:
            continue  # on a boundary: a clear error, tested elsewhere
        region = nb.region_of(net, x, box=BOX2)
        assert np.array_equal(region.signs, net.signs(np.array(x))[0])
        pattern = tuple(region.signs.tolist())
        cols = net.neuron_offsets[region.facets[:, 0]] + region.facets[:, 1]
        assert set(cols.tolist()) == truth[pattern]
        assert region.unverified.shape == (0, 2)
        check_witnesses(region)


@pytest.mark.parametrize("d", [3, 5, 8])
def test_facets_in_any_dimension_against_lps(d):
    """Facets of the unbounded region: every one witnessed exactly, and the same set as one LP
    per neuron (scipy's HiGHS, the textbook test: is the neuron's constraint tight somewhere)."""
    from scipy.optimize import linprog

    net = random_net([d, 12, 10, 3], seed=d)
    x = np.random.default_rng(d).uniform(-1, 1, d)
    region = nb.region_of(net, x)
    check_witnesses(region)
    A, c = region.halfspaces
    norms = np.linalg.norm(A, axis=1)
    A, c = A / norms[:, None], c / norms
    lp = set()
    for j in range(A.shape[0]):
        b = c.copy()
        b[j] += 1.0
        res = linprog(-A[j], A_ub=A, b_ub=b, bounds=(None, None), method="highs")
        if -res.fun > c[j] + 1e-7:
            lp.add(tuple(region.halfspace_neurons[j].tolist()))
    assert set(map(tuple, region.facets.tolist())) == lp


def test_digits_deep_region():
    from neuronboundary.pretrained import digits_deep, load_digits_data

    net = Network.from_module(digits_deep())
    x = load_digits_data().X[0]
    region = nb.region_of(net, x)
    assert np.array_equal(region.signs, net.signs(x)[0])
    assert region.n_facets == 71
    check_witnesses(region)
    for n in region.neighbors():
        flips = np.flatnonzero(n.signs != region.signs)
        facet = net.neuron_offsets[n.facet[:, 0]] + n.facet[:, 1]
        assert set(facet.tolist()) <= set(flips.tolist())
        assert np.array_equal(net.signs(n.point)[0], n.signs)


def test_vertices_and_volume_need_a_box_and_low_dimension():
    with pytest.raises(ValueError, match="box"):
        _ = nb.region_of(TRIANGLE, [0.25, 0.25]).volume
    net = random_net([7, 4, 1], seed=0)
    region = nb.region_of(net, np.full(7, 0.1), box=((-1, 1),) * 7)
    with pytest.raises(ValueError, match="dimension <= 6"):
        _ = region.vertices


def test_one_dimension():
    layer = NeuronLayer([[1.0], [-2.0], [1.0]], [0.5, 1.0, -2.0])
    region = nb.region_of(layer, [0.0])
    assert region.facets.tolist() == [[0, 0], [0, 1]]  # -0.5 < x < 0.5
    assert region.inradius == pytest.approx(0.5)
    boxed = nb.region_of(layer, [0.0], box=((-0.25, 3.0),))
    assert boxed.facets.tolist() == [[0, 1]]
    assert boxed.volume == pytest.approx(0.75)


# ---------------------------------------------------------------- regions_in
def same_as_arrangement(net: Network, box) -> nb.BoxRegions:
    arr = nb.arrangement_2d(net, box)
    found = nb.regions_in(net, box)
    assert found.complete
    assert found.unverified == 0
    assert found.unexpanded == 0
    mine = [r.tobytes() for r in found.signs]
    theirs = [r.tobytes() for r in arr.signs]
    assert len(set(mine)) == len(mine)
    assert set(mine) == set(theirs)
    pairs = {frozenset((mine[a], mine[b])) for a, b in found.adjacency.tolist()}
    assert pairs == {frozenset((theirs[a], theirs[b])) for a, b in arr.adjacency.tolist()}
    order = {k: i for i, k in enumerate(theirs)}
    areas = arr.areas[[order[k] for k in mine]]
    assert np.allclose(found.volumes, areas, rtol=1e-9, atol=1e-12)
    assert (found.network.signs(found.points) == found.signs).all()
    return found


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    width=st.integers(2, 10),
    kind=st.sampled_from(["relu", "leaky", "residual"]),
)
def test_regions_in_2d_is_arrangement_2d(seed, width, kind):
    same_as_arrangement(random_net([2, width, width, 2], seed=seed, kind=kind), BOX2)


def test_regions_in_2d_against_the_exact_reference():
    net = random_net([2, 4, 4, 1], seed=3, kind="leaky")
    found = same_as_arrangement(net, BOX2)
    truth = reference_facets(net, BOX2)
    assert {tuple(s) for s in found.signs.tolist()} == set(truth)
    for r in range(found.n_regions):
        cols = net.neuron_offsets[found.facets(r)[:, 0]] + found.facets(r)[:, 1]
        assert set(cols.tolist()) == truth[tuple(found.signs[r].tolist())]


def test_regions_in_1d_is_partition_1d():
    net = random_net([1, 6, 6, 1], seed=4)
    part = nb.partition_1d(net, (-2.0, 2.0))
    found = nb.regions_in(net, ((-2.0, 2.0),))
    assert {r.tobytes() for r in found.signs} == {r.tobytes() for r in part.signs}
    assert found.n_regions == part.n_intervals
    assert found.volumes.sum() == pytest.approx(4.0)


def test_regions_in_3d():
    net = random_net([3, 8, 8, 1], seed=0)
    box = ((-1.0, 1.0), (-0.5, 1.5), (-1.0, 0.0))
    found = nb.regions_in(net, box)
    assert found.n_regions == len({r.tobytes() for r in found.signs})
    assert found.volumes.sum() == pytest.approx(4.0, rel=1e-9)
    assert (net.signs(found.points) == found.signs).all()
    # every region a grid point falls into was found
    axes = [np.linspace(lo, hi, 23)[1:-1] for lo, hi in box]
    grid = np.stack(np.meshgrid(*axes), axis=-1).reshape(-1, 3)
    located = found.locate(grid)
    on = (net.signs(grid) == 0).any(axis=1)
    assert (located[~on] >= 0).all()
    # each region's facets are those of its own region_of within the box
    for r in range(0, found.n_regions, 17):
        assert np.array_equal(found.region(r).facets, found.facets(r))
    a, b = found.adjacency[0]
    assert found.transition(a, b).size >= 1
    assert any(o == b for o, _ in found.neighbors(a))


def test_regions_in_options():
    net = random_net([2, 6, 6, 1], seed=5)
    full = nb.regions_in(net, BOX2)
    some = nb.regions_in(net, BOX2, max_regions=5)
    assert some.n_regions == 5
    assert not some.complete
    assert full.complete
    start = full.points[full.n_regions // 2]
    again = nb.regions_in(net, BOX2, start=start)
    assert np.array_equal(again.signs[0], full.signs[full.n_regions // 2])
    assert {r.tobytes() for r in again.signs} == {r.tobytes() for r in full.signs}
    assert repr(some).startswith("BoxRegions(n_regions=5")
    graph = full.to_networkx()
    assert graph.number_of_nodes() == full.n_regions
    assert graph.number_of_edges() == full.adjacency.shape[0]


def test_start_on_every_boundary_moves_off():
    layer = NeuronLayer([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, 0.0])
    found = nb.regions_in(layer, BOX2)  # the centre lies on all three lines
    assert found.n_regions == 6


def test_tiny_far_box():
    net = random_net([2, 6, 6, 1], seed=6)
    box = ((1e6, 1e6 + 1e-3), (-1e6, -1e6 + 1e-3))
    same_as_arrangement(net, box)


@pytest.mark.parametrize("R", [1e3, 1e14, 1e16, 1e20, 1e100, 1e300])
def test_huge_box_around_a_small_region(R):
    """Box faces up to 1e300 away beside neuron faces 0.5 away: the same facets as without a
    box (qhull and the LPs' scaling used to lose them from +-1e16 on), the ball the box allows."""
    layer = NeuronLayer([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, -0.5])
    region = nb.region_of(layer, [0.5, 0.75], box=((-R, R),) * 2)
    assert region.facets.tolist() == nb.region_of(layer, [0.5, 0.75]).facets.tolist()
    assert region.unverified.size == 0
    assert region.inradius == pytest.approx(R / 2)
    check_witnesses(region)
    if R <= 1e14:
        assert region.volume == pytest.approx(R * R - 0.125)  # the quadrant less a corner
    else:  # qhull cannot build it: said, not a NaN from scipy
        with pytest.raises(ValueError, match="qhull could not build this region's polytope"):
            _ = region.volume


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("R", [1e16, 1e20, 1e100])
def test_huge_boxes_in_2d_are_arrangement_2d(R, seed):
    """The same regions and adjacency (volumes: qhull's, NaN where it cannot build them)."""
    net, box = random_net([2, 8, 8, 1], seed=seed), ((-R, R),) * 2
    arr, found = nb.arrangement_2d(net, box), nb.regions_in(net, box)
    assert found.complete
    assert found.unverified == 0
    mine, theirs = [r.tobytes() for r in found.signs], [r.tobytes() for r in arr.signs]
    assert sorted(mine) == sorted(theirs)
    pairs = {frozenset((mine[a], mine[b])) for a, b in found.adjacency.tolist()}
    assert pairs == {frozenset((theirs[a], theirs[b])) for a, b in arr.adjacency.tolist()}


def test_planes_through_one_line_in_3d():
    """Three planes through the x3 axis: vertices where four planes meet (not simple), the
    case where qhull's list of facets per vertex is ragged."""
    layer = NeuronLayer([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0]], [0.0, 0.0, 0.0])
    found = nb.regions_in(layer, ((-1.0, 1.0),) * 3)
    assert found.n_regions == 6
    assert found.volumes.sum() == pytest.approx(8.0)
    assert sorted(np.round(found.volumes, 12).tolist()) == [1.0, 1.0, 1.0, 1.0, 2.0, 2.0]
    assert found.adjacency.shape == (6, 2)


def test_decision_network_regions_in_3d():
    """Output differences y_i - y_j meet three at a time along lines (y0 = y1 = y2): every
    region found, none twice, the box tiled."""
    from neuronboundary.decision import decision_network

    ext, _, _ = decision_network(random_net([3, 6, 3], seed=2))
    found = nb.regions_in(ext, ((-1.0, 1.0),) * 3)
    assert found.unverified == 0
    assert found.n_regions == len({r.tobytes() for r in found.signs})
    assert found.volumes.sum() == pytest.approx(8.0, rel=1e-9)
    assert (ext.signs(found.points) == found.signs).all()


@pytest.mark.parametrize("kind", ["relu", "leaky", "residual"])
def test_neighbour_computed_neuron_by_neuron_is_the_one_found_at_the_witness(kind):
    """The fallback when no witness lands in the neighbour: its pattern layer by layer in exact
    arithmetic, and a point from the largest inscribed ball, agree with the witnesses' own."""
    net = random_net([3, 6, 6, 2], seed=5, kind=kind)
    region = nb.region_of(net, [0.2, -0.1, 0.3], box=((-1, 1),) * 3)
    assert region._certified
    for facet in region._certified:
        assert facet.found
        pattern, point = region._witnesses.neighbour(
            region.signs, facet._replace(found=False), region.x
        )
        np.testing.assert_array_equal(pattern, facet.pattern)
        if point is not None:  # a neighbour too thin for floats has none
            np.testing.assert_array_equal(net.signs(point)[0], pattern)


def test_input_a_hair_from_a_boundary():
    """x 1e-200 from a facet: floats see it on the boundary, so the geometry restarts from the
    centre of the largest inscribed ball (checked exactly); the answer is the same region."""
    near = nb.region_of(TRIANGLE, [1e-200, 0.25], box=((-2, 2), (-2, 2)))
    assert near.signs.tolist() == [1, 1, -1]
    assert near.facets.tolist() == [[0, 0], [0, 1], [1, 0]]
    assert near.volume == pytest.approx(0.5)
    check_witnesses(near)
    found = nb.regions_in(TRIANGLE, ((-2, 2), (-2, 2)), start=[1e-200, 0.25])
    assert found.n_regions == nb.arrangement_2d(TRIANGLE, ((-2, 2), (-2, 2))).n_regions
