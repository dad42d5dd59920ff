"""arrangement_2d: exact regions of a 2-D layer, degenerate cases, point location, transitions."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from neuronboundary import Network, NeuronLayer, arrangement_2d
from tests.conftest import exact_signs


# ---------------------------------------------------------------------------- exact reference
def expected_region_count_rational(weight: np.ndarray, bias: np.ndarray, box) -> int:
    """1 + (distinct lines crossing the open box) + sum over interior points of (lines - 1),
    independently of the implementation, for any float64 layer and box: every number is read
    as the exact rational it is (``Fraction(float)``), lines are normalised exactly."""
    (x0, x1), (y0, y1) = ((Fraction(float(lo)), Fraction(float(hi))) for lo, hi in box)
    corners = [(x0, y0), (x0, y1), (x1, y0), (x1, y1)]
    lines = set()
    for (a, b), c in zip(weight.tolist(), bias.tolist(), strict=True):
        a, b, c = Fraction(a), Fraction(b), Fraction(c)
        if a == 0 and b == 0:
            continue
        pivot = a if a != 0 else b
        a, b, c = a / pivot, b / pivot, c / pivot
        values = [a * x + b * y + c for x, y in corners]
        if max(values) > 0 and min(values) < 0:
            lines.add((a, b, c))
    through: dict[tuple[Fraction, Fraction], set] = {}
    for (a1, b1, c1), (a2, b2, c2) in combinations(sorted(lines), 2):
        det = a1 * b2 - a2 * b1
        if det == 0:
            continue
        px = (b1 * c2 - b2 * c1) / det
        py = (c1 * a2 - c2 * a1) / det
        if x0 < px < x1 and y0 < py < y1:
            through.setdefault((px, py), set()).update({(a1, b1, c1), (a2, b2, c2)})
    return 1 + len(lines) + sum(len(s) - 1 for s in through.values())


def point_in_polygon(p: np.ndarray, poly: np.ndarray) -> bool:
    """Closed convex polygon (counter-clockwise) test with a tiny tolerance."""
    edges = np.roll(poly, -1, axis=0) - poly
    rel = p - poly
    cross = edges[:, 0] * rel[:, 1] - edges[:, 1] * rel[:, 0]
    return bool(np.all(cross >= -1e-9))


@st.composite
def integer_layers(draw):
    m = draw(st.integers(1, 9))
    w = draw(hnp.arrays(np.float64, (m, 2), elements=st.integers(-3, 3).map(float)))
    b = draw(hnp.arrays(np.float64, m, elements=st.integers(-6, 6).map(float)))
    x0 = draw(st.integers(-4, 3))
    y0 = draw(st.integers(-4, 3))
    box = (
        (float(x0), float(draw(st.integers(x0 + 1, 5)))),
        (float(y0), float(draw(st.integers(y0 + 1, 5)))),
    )
    return NeuronLayer(w, b), box


# ---------------------------------------------------------------------------- properties
@given(integer_layers())
def test_region_count_matches_exact_formula(case):
    layer, box = case
    arr = arrangement_2d(layer, box)
    assert arr.n_regions == expected_region_count_rational(layer.weight, layer.bias, box)


@given(integer_layers())
def test_areas_sum_to_box_and_polygons_are_ccw_convex(case):
    layer, box = case
    arr = arrangement_2d(layer, box)
    (x0, x1), (y0, y1) = box
    assert arr.areas.sum() == pytest.approx((x1 - x0) * (y1 - y0), rel=1e-12)
    for region in arr.regions:
        v = region.vertices
        e = np.roll(v, -1, axis=0) - v
        turn = e[:, 0] * np.roll(e[:, 1], -1) - e[:, 1] * np.roll(e[:, 0], -1)
        assert len(v) >= 3
        assert np.all(turn > 0), "counter-clockwise and strictly convex"
        assert region.area > 0


@given(integer_layers())
def test_sign_patterns_exact_distinct_and_adjacency(case):
    layer, box = case
    arr = arrangement_2d(layer, box)
    signs = arr.signs
    np.testing.assert_array_equal(signs, exact_signs(layer.weight, layer.bias, arr.points))
    zero_neurons = layer.is_constant & (layer.bias == 0)
    assert not (signs[:, ~zero_neurons] == 0).any()
    assert len({row.tobytes() for row in signs}) == arr.n_regions
    for (a, b), line in zip(arr.adjacency, arr.adjacency_line, strict=True):
        np.testing.assert_array_equal(
            np.flatnonzero(signs[a] != signs[b]), arr.neurons_on_line(line)
        )
        np.testing.assert_array_equal(arr.separating(a, b), arr.transition(int(a), int(b)))


@given(
    integer_layers(), st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=15)
)
def test_located_region_contains_point(case, fractions):
    layer, box = case
    arr = arrangement_2d(layer, box)
    (x0, x1), (y0, y1) = box
    pts = np.array([[x0 + fx * (x1 - x0), y0 + fy * (y1 - y0)] for fx, fy in fractions])
    found = arr.locate(pts)
    for p, r in zip(pts, found, strict=True):
        if r < 0:  # exactly on a boundary line
            assert (layer.signs(p)[0][~layer.is_constant] == 0).any()
        else:
            assert point_in_polygon(p, arr.region(int(r)).vertices)


@st.composite
def float_layers(draw):
    """Non-integer floats of mixed magnitudes, boxes far from the origin and tiny boxes.

    Lines are drawn through points of the box (so they cross it) with weights scaled by
    10^-12 .. 10^12; some are exact copies scaled by a power of two (the same line), some
    pass through an earlier crossing point up to rounding (nearly concurrent)."""
    cx = draw(st.floats(-1.0, 1.0)) * 10.0 ** draw(st.integers(-3, 12))
    cy = draw(st.floats(-1.0, 1.0)) * 10.0 ** draw(st.integers(-3, 12))
    h = draw(st.floats(0.5, 2.0)) * 10.0 ** draw(st.integers(-9, 2))
    box = ((cx - h, cx + h), (cy - h, cy + h))
    if not (box[0][0] < box[0][1] and box[1][0] < box[1][1]):
        box = ((cx - abs(cx) * 1e-6 - 1, cx + abs(cx) * 1e-6 + 1),) * 2
    (x0, x1), (y0, y1) = box
    m = draw(st.integers(1, 7))
    rows, biases = [], []
    for _ in range(m):
        kind = draw(st.sampled_from(["through", "through", "copy", "axis"]))
        if kind == "copy" and rows:
            k = draw(st.integers(0, len(rows) - 1))
            scale = 2.0 ** draw(st.integers(-20, 20)) * draw(st.sampled_from([1.0, -1.0]))
            rows.append([rows[k][0] * scale, rows[k][1] * scale])
            biases.append(biases[k] * scale)
            continue
        fx, fy = draw(st.floats(0, 1)), draw(st.floats(0, 1))
        px, py = x0 + fx * (x1 - x0), y0 + fy * (y1 - y0)
        if kind == "axis":
            w = [1.0, 0.0] if draw(st.booleans()) else [0.0, 1.0]
        else:
            theta = draw(st.floats(0, np.pi))
            w = [np.cos(theta), np.sin(theta)]
        scale = 10.0 ** draw(st.integers(-12, 12)) * draw(st.floats(0.5, 1.5))
        rows.append([w[0] * scale, w[1] * scale])
        biases.append(-(rows[-1][0] * px + rows[-1][1] * py))
    return NeuronLayer(np.array(rows), np.array(biases)), box


@given(float_layers())
def test_float_layers_match_the_exact_rational_count(case):
    layer, box = case
    arr = arrangement_2d(layer, box)
    context = f"weight={layer.weight.tolist()}, bias={layer.bias.tolist()}, box={box}"
    assert arr.n_regions == expected_region_count_rational(layer.weight, layer.bias, box), context
    # areas are float constructions: a sliver between lines 1e-308 apart has an area below
    # the smallest float; the exact parts are the count, patterns and adjacency
    assert np.all(arr.areas >= 0), context
    (x0, x1), (y0, y1) = box
    # vertex coordinates are floats: each is off by up to an ulp of the box's coordinates
    ulp = np.spacing(max(abs(x0), abs(x1), abs(y0), abs(y1)))
    slack = 8 * ulp * (x1 - x0 + y1 - y0) * (1 + arr.n_regions)
    assert arr.areas.sum() == pytest.approx((x1 - x0) * (y1 - y0), rel=1e-9, abs=slack), context
    patterns = {row.tobytes() for row in arr.signs}
    assert len(patterns) == arr.n_regions  # distinct sign patterns
    for (a, b), line in zip(arr.adjacency, arr.adjacency_line, strict=True):
        np.testing.assert_array_equal(
            np.flatnonzero(arr.signs[a] != arr.signs[b]), arr.neurons_on_line(line)
        )


@given(
    float_layers(), st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=8)
)
def test_float_layers_locate_exact_patterns(case, fractions):
    layer, box = case
    arr = arrangement_2d(layer, box)
    (x0, x1), (y0, y1) = box
    pts = np.array([[x0 + fx * (x1 - x0), y0 + fy * (y1 - y0)] for fx, fy in fractions])
    pts = np.clip(pts, [x0, y0], [x1, y1])
    truth = exact_signs(layer.weight, layer.bias, pts)
    found = arr.locate(pts)
    for row, r in zip(truth, found, strict=True):
        if r < 0:
            assert (row[~layer.is_constant] == 0).any()
        else:
            np.testing.assert_array_equal(arr.signs_of(int(r))[0], row)


def test_small_box_far_from_origin():
    for c, h, expected in ((1e8, 1.0, 4), (255.0, 1e-6, 6)):
        lines = [[1.0, 0.0], [0.0, 1.0]] + ([[1.0, 1.0]] if expected == 6 else [])
        w = np.array(lines)
        layer = NeuronLayer(w, -(w @ [c, c]))
        arr = arrangement_2d(layer, ((c - h, c + h), (c - h, c + h)))
        assert arr.n_regions == expected
        assert arr.areas.sum() == pytest.approx(4 * h * h, rel=1e-6)
        assert (arr.locate(arr.points) == np.arange(expected)).all()


def test_lines_at_a_tiny_angle_cross_inside():
    layer = NeuronLayer([[0.0, 1.0], [1e-10, 1.0]], [0.0, 0.0])
    arr = arrangement_2d(layer, BOX)
    assert arr.n_regions == 4  # they cross at the origin


def test_signs_of_huge_products_are_exact():
    layer = NeuronLayer([[1e200, -1e200]], [0.0])
    assert layer.signs([[1e200, 2e200]])[0, 0] == -1
    assert layer.signs([[2e200, 1e200]])[0, 0] == 1
    assert layer.signs([[1e200, 1e200]])[0, 0] == 0


# ---------------------------------------------------------------------------- degenerate cases
BOX = ((-1.0, 1.0), (-1.0, 1.0))


def test_parallel_boundaries():
    arr = arrangement_2d(NeuronLayer([[1.0, 0.0], [2.0, 0.0], [-1.0, 0.0]], [0.0, -1.0, -0.5]), BOX)
    assert arr.n_regions == 4  # x = 0, x = 0.5 and x = -0.5
    np.testing.assert_allclose(np.sort(arr.areas), [1.0, 1.0, 1.0, 1.0])


def test_many_lines_through_one_point():
    # six distinct lines exactly through (0.25, 0.125): small integers times dyadic numbers
    w = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -1.0], [1.0, 2.0], [2.0, -1.0]])
    arr = arrangement_2d(NeuronLayer(w, -(w @ [0.25, 0.125])), BOX)
    assert arr.n_regions == 12
    assert arr.vertex_multiplicity.max() == 6


def test_nearly_concurrent_lines_are_distinct_unless_tol_is_asked():
    # through (0.2, 0.1) up to rounding of the biases: in exact arithmetic they are not
    # concurrent, so the exact arrangement has more than 12 regions; tol merges them
    angles = np.linspace(0, np.pi, 7)[:-1]
    w = np.column_stack([np.cos(angles), np.sin(angles)])
    layer = NeuronLayer(w, -(w @ [0.2, 0.1]))
    exact = arrangement_2d(layer, BOX)
    assert exact.n_regions == expected_region_count_rational(layer.weight, layer.bias, BOX)
    assert exact.n_regions > 12
    merged = arrangement_2d(layer, BOX, tol=1e-9)
    assert merged.n_regions == 12
    assert merged.vertex_multiplicity.max() == 6


def test_duplicate_neurons_same_and_opposite_orientation():
    layer = NeuronLayer([[1.0, 1.0], [-2.0, -2.0], [3.0, 3.0], [0.0, 1.0]], [0.0, 0.0, 0.0, 0.5])
    arr = arrangement_2d(layer, BOX)
    assert arr.n_regions == 4
    a, b = arr.locate([[0.5, 0.2], [-0.5, 0.2]])
    np.testing.assert_array_equal(arr.separating(a, b), [0, 1, 2])
    np.testing.assert_array_equal(arr.transition([0.5, 0.2], [-0.5, 0.2]), [0, 1, 2])


def test_near_horizontal_lines_one_ulp_apart_are_different_lines():
    # three distinct lines through (0, -0.1) at angles ~1e-18: exactly six regions;
    # merged into one line (two regions) only when the tolerance is asked for
    layer = NeuronLayer([[1e-18, 1.0], [-1e-18, 1.0], [-1e-18, -2.0]], [0.1, 0.1, -0.2])
    arr = arrangement_2d(layer, BOX)
    assert arr.n_regions == 6
    assert arr.vertex_multiplicity.max() == 3
    merged = arrangement_2d(layer, BOX, tol=1e-9)
    assert merged.n_regions == 2


def test_constant_and_missing_and_touching_boundaries():
    layer = NeuronLayer(
        [[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]],
        [2.0, 0.0, -5.0, -2.0, -1.0],  # const +, const 0, misses, touches corner, along top edge
    )
    arr = arrangement_2d(layer, BOX)
    assert arr.n_regions == 1
    assert arr.n_crossing_lines == 0
    np.testing.assert_array_equal(arr.signs, [[1, 0, -1, -1, -1]])
    assert arr.region(0).area == pytest.approx(4.0)


def test_boundaries_crossing_on_the_box_edge():
    # x = y and x = -y + 2 meet at (1, 1): a corner; x = 0 and x+y = -1 meet at (0, -1) on an edge
    layer = NeuronLayer([[1.0, -1.0], [1.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, -2.0, 0.0, 1.0])
    arr = arrangement_2d(layer, BOX)
    assert arr.n_regions == expected_region_count_rational(layer.weight, layer.bias, BOX)
    assert arr.areas.sum() == pytest.approx(4.0)


def test_box_far_from_origin_and_tiny_regions():
    layer = NeuronLayer.random(40, 2, seed=5)
    far = ((1000.0, 1000.5), (-2000.0, -1999.5))
    shifted = NeuronLayer(layer.weight, layer.bias - layer.weight @ [1000.25, -1999.75])
    a = arrangement_2d(shifted, far)
    b = arrangement_2d(layer, ((-0.25, 0.25), (-0.25, 0.25)))
    assert a.n_regions == b.n_regions
    assert a.areas.sum() == pytest.approx(0.25, rel=1e-9)


# ---------------------------------------------------------------------------- the article
def test_article_seed8_regions():
    layer = NeuronLayer.random(5, 2, seed=8)
    box = ((-2.0, 10.0), (-2.0, 10.0))
    arr = arrangement_2d(layer, box)
    assert arr.n_regions == 14
    for (lo1, hi1), (lo2, hi2) in (((4, 6), (6, 8)), ((0, 1), (6, 8))):
        corners = np.array(
            [[lo1, lo2], [lo1, hi2], [hi1, lo2], [hi1, hi2], [(lo1 + hi1) / 2, (lo2 + hi2) / 2]]
        )
        regions = arr.locate(corners)
        assert len(set(regions.tolist())) == 1
        assert regions[0] >= 0
    r1, r2 = arr.locate([[5.0, 7.0], [0.5, 7.0]])
    # moving from Region1 to Region2 flips neuron 1 only (checked by direct evaluation too)
    np.testing.assert_array_equal(arr.transition(int(r1), int(r2)), [1])
    direct = layer.signs([[5.0, 7.0], [0.5, 7.0]])
    np.testing.assert_array_equal(np.flatnonzero(direct[0] != direct[1]), [1])


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("box", "match"),
    [
        (((0.0, 0.0), (0.0, 1.0)), "empty or inverted on axis x1"),
        (((0.0, 1.0), (2.0, 1.0)), "empty or inverted on axis x2"),
        (((0.0, np.inf), (0.0, 1.0)), "box must be finite"),
        ((0.0, 1.0), r"box must be \(\(x1_lo"),
    ],
)
def test_bad_boxes(box, match):
    with pytest.raises(ValueError, match=match):
        arrangement_2d(NeuronLayer([[1.0, 0.0]], [0.0]), box)


def test_wrong_input_dimension_points_to_slice_2d():
    with pytest.raises(ValueError, match="slice_2d"):
        arrangement_2d(NeuronLayer(np.ones((3, 4)), np.zeros(3)), BOX)
    with pytest.raises(ValueError, match="partition_1d"):
        arrangement_2d(NeuronLayer([[1.0]], [0.0]), BOX)


def test_locate_outside_box_and_bad_region_index():
    arr = arrangement_2d(NeuronLayer([[1.0, 0.0]], [0.0]), BOX)
    with pytest.raises(ValueError, match="must lie in the box"):
        arr.locate([[2.0, 0.0]])
    with pytest.raises(IndexError, match=r"region index must be an integer in \[0, 2\)"):
        arr.region(5)
    with pytest.raises(ValueError, match="share no edge"):
        arrangement_2d(NeuronLayer([[1.0, 0.0], [1.0, 0.0]], [0.0, -0.5]), BOX).separating(0, 2)


def test_halfspaces_describe_each_region():
    net = Network.random([2, 5, 4, 1], seed=2)
    arr = arrangement_2d(net, BOX)
    pts = np.random.default_rng(0).uniform(-1, 1, size=(300, 2))
    found = arr.locate(pts)
    for p, r in zip(pts, found, strict=True):
        A, c = arr.halfspaces(r)
        assert np.all(A @ p <= c + 1e-12)
        assert np.all(A @ arr.points[r] < c)  # the interior point is strictly inside
