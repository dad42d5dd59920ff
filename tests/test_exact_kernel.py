"""The exact kernel against independent rational arithmetic written here, the way
robust-predicates tests orient2d: grids of inputs a few ulps around a degenerate configuration,
inputs known only within an error bound, far origins, mixed magnitudes and subnormals."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuronboundary import _exact


def F(x) -> Fraction:
    return Fraction(float(x))


def sign(x: Fraction) -> int:
    return (x > 0) - (x < 0)


def det2(p, q) -> int:
    return sign(F(p[0]) * F(q[1]) - F(p[1]) * F(q[0]))


def det3(r1, r2, r3) -> int:
    (a1, b1, c1), (a2, b2, c2), (a3, b3, c3) = ([F(v) for v in r] for r in (r1, r2, r3))
    return sign(a1 * (b2 * c3 - b3 * c2) - b1 * (a2 * c3 - a3 * c2) + c1 * (a2 * b3 - a3 * b2))


def ulps(x: float, k: int) -> float:
    for _ in range(abs(k)):
        x = float(np.nextafter(x, np.inf if k > 0 else -np.inf))
    return x


# ---------------------------------------------------------------- near-degenerate grids
@pytest.mark.parametrize("scale", [1.0, 1e-150, 1e150, 3e-310])
def test_det2_on_a_grid_around_parallel_rows(scale):
    base = np.array([0.1, 0.3]) * scale
    rows = []
    for i, j in itertools.product(range(-4, 5), repeat=2):
        rows.append(([ulps(base[0], i), ulps(base[1], j)], base * 3))
    p = np.array([r[0] for r in rows])
    q = np.array([r[1] for r in rows])
    got = _exact.det2_signs(p, q)
    assert got.tolist() == [det2(a, b) for a, b in zip(p, q, strict=True)]


@pytest.mark.parametrize("scale", [1.0, 1e-100, 1e100])
def test_det3_on_a_grid_around_concurrent_lines(scale):
    # three lines through (1/3, 1/7) up to rounding, perturbed by ulps in their constants
    l1 = np.array([1.0, 2.0, -(1 / 3 + 2 / 7)]) * scale
    l2 = np.array([-3.0, 1.0, 1 - 1 / 7]) * scale
    l3 = np.array([0.5, -0.25, -(1 / 6 - 1 / 28)]) * scale
    r1, r2, r3 = [], [], []
    for i, j, k in itertools.product(range(-3, 4), repeat=3):
        r1.append([l1[0], l1[1], ulps(l1[2], i)])
        r2.append([l2[0], l2[1], ulps(l2[2], j)])
        r3.append([l3[0], l3[1], ulps(l3[2], k)])
    r1, r2, r3 = np.array(r1), np.array(r2), np.array(r3)
    got = _exact.det3_signs(r1, r2, r3)
    want = [det3(a, b, c) for a, b, c in zip(r1, r2, r3, strict=True)]
    assert got.tolist() == want


def test_affine_signs_on_points_a_few_ulps_from_a_line():
    w = np.array([[0.1, -0.7]])
    b = np.array([0.3])
    y0 = (0.3 + 0.1 * 0.5) / 0.7
    pts = np.array([[ulps(0.5, i), ulps(y0, j)] for i in range(-5, 6) for j in range(-5, 6)])
    got = _exact.affine_signs(w, b, pts)[:, 0]
    want = [sign(F(0.1) * F(x) - F(0.7) * F(y) + F(0.3)) for x, y in pts]
    assert got.tolist() == want


# ---------------------------------------------------------------- approximate inputs
@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False), min_size=9, max_size=9),
    st.floats(1e-17, 1e-8),
    st.integers(0, 2**31),
)
def test_det3_with_row_errors_is_the_exact_rows_sign(values, rel, seed):
    rows = np.array(values).reshape(3, 3)
    rng = np.random.default_rng(seed)
    # the floats given are approximations within err of the exact rows (here: known exactly)
    noise = rows * rng.uniform(-rel, rel, size=(3, 3))
    approx = rows + noise
    err = np.abs(noise) * 1.01 + 1e-300
    got = _exact.det3_signs(
        approx[None, 0],
        approx[None, 1],
        approx[None, 2],
        err[None, 0],
        err[None, 1],
        err[None, 2],
        lambda i: tuple(_exact.row_ints(r) for r in rows),
    )[0]
    assert got == det3(*rows)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False), min_size=5, max_size=5),
    st.floats(0.0, 1e-6),
    st.floats(1e-17, 1e-8),
    st.integers(0, 2**31),
)
def test_signs_near_is_the_exact_sign_whenever_it_is_sure(values, radius, rel, seed):
    # exact rows and an exact point near the line; the filter sees them only within their bounds
    rng = np.random.default_rng(seed)
    a, b, x, y, t = values
    rows = np.array([[a, b, -(a * x + b * y) + t * 10.0**-k] for k in range(0, 40, 3)])
    exact_rows = [[F(v) for v in r] for r in rows]
    approx = rows + rows * rng.uniform(-rel, rel, size=rows.shape)
    errs = np.abs(approx - rows) * 1.01 + 1e-300  # the difference of close floats is exact
    point = [F(v) + F(radius) * F(float(rng.uniform(-1, 1))) for v in (x, y)]
    xy = np.tile([x, y], (rows.shape[0], 1))
    rad = np.full(rows.shape[0], radius * 1.01)
    got, sure = _exact.signs_near(approx, errs, xy, rad)
    for k in np.flatnonzero(sure):
        ra, rb, rc = exact_rows[k]
        assert got[k] == sign(ra * point[0] + rb * point[1] + rc)
    assert not got[~sure].any()


def test_signs_near_on_points_a_few_ulps_from_a_line():
    row = np.array([0.1, -0.7, 0.3])
    y0 = (0.3 + 0.1 * 0.5) / 0.7
    pts = np.array([[ulps(0.5, i), ulps(y0, j)] for i in range(-5, 6) for j in range(-5, 6)])
    n = pts.shape[0]
    got, sure = _exact.signs_near(np.tile(row, (n, 1)), np.zeros((n, 3)), pts, np.zeros(n))
    want = [sign(F(0.1) * F(x) - F(0.7) * F(y) + F(0.3)) for x, y in pts]
    assert [g for g, s in zip(got, sure, strict=True) if s] == [
        w for w, s in zip(want, sure, strict=True) if s
    ]
    assert not sure[np.array(want) == 0].any()  # exactly on the line: never sure
    far = _exact.signs_near(row[None], np.zeros((1, 3)), np.array([[0.5, y0 + 1e-12]]), np.zeros(1))
    assert far[1][0], "1e-12 away: decided in floats"
    assert far[0][0] == -1


def test_predicates_count_their_exact_fallbacks():
    _exact.STATS.update(filtered=0, exact=0)
    _exact.det2_signs(np.array([[1.0, 2.0], [1.0, 0.0]]), np.array([[2.0, 4.0], [0.0, 1.0]]))
    assert _exact.STATS == {"filtered": 1, "exact": 1}


# ---------------------------------------------------------------- constructions
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=3, max_size=3),
    st.lists(st.floats(-1e12, 1e12, allow_nan=False), min_size=2, max_size=2),
)
def test_translate_is_within_its_bound(row, origin):
    rows, err = _exact.translate(np.array([row]), np.array(origin))
    exact = F(row[2]) + F(row[0]) * F(origin[0]) + F(row[1]) * F(origin[1])
    assert abs(F(rows[0, 2]) - exact) <= F(err[0, 2])
    assert rows[0, 0] == row[0]
    assert rows[0, 1] == row[1]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=6, max_size=6),
)
def test_cramer_radius_bounds_the_exact_crossing(values):
    r1, r2 = np.array(values[:3]), np.array(values[3:])
    pts, rad = _exact.cramer(r1[None], r2[None], np.zeros((1, 3)), np.zeros((1, 3)))
    if not np.isfinite(rad[0]):
        return  # nearly parallel: the caller constructs from exact rows
    x, y = _exact.exact_crossing(r1, r2)
    assert abs(F(pts[0, 0]) - x) <= F(rad[0])
    assert abs(F(pts[0, 1]) - y) <= F(rad[0])


# ---------------------------------------------------------------- intervals and lines
mixed = st.one_of(
    st.floats(-1e300, 1e300, allow_nan=False),
    st.floats(-1e-300, 1e-300, allow_nan=False),
    st.floats(-10, 10, allow_nan=False),
)


@settings(max_examples=300, deadline=None)
@given(mixed, st.one_of(st.just(0.0), st.floats(0, 1e300), st.floats(0, 1e-300)))
def test_enclosure_holds_the_exact_interval(value, err):
    lo, hi = _exact.enclosure(np.array([value]), np.array([err]))
    if np.isfinite(lo[0]):
        assert F(lo[0]) <= F(value) - F(err)
    if np.isfinite(hi[0]):
        assert F(hi[0]) >= F(value) + F(err)


def along(line, p, q) -> int:
    """Exact order along ``line`` (direction (b, -a)) of its crossings with p and q."""
    (a, b, _), pts = [F(v) for v in line], []
    for other in (p, q):
        (a1, b1, c1), (a2, b2, c2) = ([F(v) for v in r] for r in (line, other))
        d = a1 * b2 - a2 * b1
        x, y = (b1 * c2 - b2 * c1) / d, (c1 * a2 - c2 * a1) / d
        pts.append(x * b - y * a)
    return sign(pts[0] - pts[1])  # -1: the crossing with p comes first


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=9, max_size=9),
    st.integers(-3, 3),
    st.floats(1e-17, 1e-9),
    st.integers(0, 2**31),
)
def test_along_line_order_is_the_exact_order(values, shift, rel, seed):
    line, p, q = np.array(values).reshape(3, 3)
    if shift:  # q through p's crossing, a few ulps off: the hard cases
        q = p.copy()
        q[2] = ulps(p[2], shift)
    if not (det2(line[:2], p[:2]) and det2(line[:2], q[:2])):
        return  # parallel to the line: no crossing to order
    want = along(line, p, q)
    assert _exact.along_line_order(line[None], p[None], q[None])[0] == want
    # the same rows known only within an error bound
    rng = np.random.default_rng(seed)
    rows = np.array([line, p, q])
    noise = rows * rng.uniform(-rel, rel, size=(3, 3))
    errs = tuple(np.abs(noise) * 1.01 + 1e-300)
    got = _exact.along_line_order(
        *(r[None] for r in rows + noise),
        tuple(e[None] for e in errs),
        lambda i: tuple(_exact.row_ints(r) for r in rows),
    )[0]
    assert got == want


# ---------------------------------------------------------------- the exact sort
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-50, 50), st.integers(1, 7)), min_size=1, max_size=60),
)
def test_exact_argsort_orders_rationals_and_finds_ties(pairs):
    exact = [Fraction(a, b) for a, b in pairs]
    key = np.array([float(v) for v in exact])
    order, tied = _exact.exact_argsort(key, exact_key=lambda i: exact[i])
    got = [exact[i] for i in order]
    assert got == sorted(exact)
    assert tied.tolist() == [a == b for a, b in itertools.pairwise(got)]
    # within an error bound, and through a comparator: the same answer
    err = np.abs(key) * 1e-3 + 1e-3
    order2, tied2 = _exact.exact_argsort(key + err / 2, err=err, exact_key=lambda i: exact[i])
    assert [exact[i] for i in order2] == sorted(exact)
    assert tied2.tolist() == tied.tolist()

    def compare(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return np.array([sign(exact[a] - exact[b]) for a, b in zip(i, j, strict=True)], np.int8)

    shuffled = key[::-1].copy()  # a float key that is wrong everywhere
    order3, tied3 = _exact.exact_argsort(shuffled, compare=compare)
    assert [exact[i] for i in order3] == sorted(exact)
    assert tied3.tolist() == tied.tolist()
    # with intervals around the exact values, in segments: pairs apart by their intervals are
    # not compared, the others are (and the wrong float key is still put right)
    seg = np.array([a % 3 for a, _ in pairs])
    asked = []

    def counting(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        asked.extend(zip(i.tolist(), j.tolist(), strict=True))
        return compare(i, j)

    bounds = (key - err, key + err)
    for k in (key, shuffled):
        asked.clear()
        order4, tied4 = _exact.exact_argsort(k, segment=seg, compare=counting, bounds=bounds)
        for g in range(3):
            part = [exact[i] for i in order4 if seg[i] == g]
            assert part == sorted(part)
        got4 = [exact[i] for i in order4]
        same = [seg[a] == seg[b] for a, b in itertools.pairwise(order4)]
        assert tied4.tolist() == [
            s and a == b for s, (a, b) in zip(same, itertools.pairwise(got4), strict=True)
        ]
        assert all(not (bounds[1][a] < bounds[0][b]) for a, b in asked) or k is shuffled


def test_distinct_sorted_gives_sorted_floats_even_when_bounds_overlap():
    exact = [Fraction(1, 3), Fraction(1, 3) + Fraction(1, 10**20), Fraction(-2, 7)]
    key = np.array([0.34, 0.33, -0.3])  # wrong order, wide bounds
    err = np.full(3, 0.05)
    order, starts, values, errors = _exact.distinct_sorted(key, err, lambda i: exact[i])
    assert [exact[i] for i in order] == sorted(exact)
    assert np.all(np.diff(values) >= 0)
    assert starts.tolist() == [0, 1, 2]
    # the two whose order the bounds cannot certify became their correctly rounded values
    assert errors.tolist() == [0.05, 0.0, 0.0]
    assert values[1:].tolist() == [float(exact[0]), float(exact[1])]
    for v, e, r in zip(values, sorted(exact), errors, strict=True):  # error 0: correctly rounded
        assert v == float(e) if r == 0 else abs(F(v) - e) <= F(r)
