"""partition_1d: exact sub-intervals, conventions for ties / ends / w = 0, point location."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from neuronboundary import NeuronLayer, partition_1d
from neuronboundary import partition as partition_module
from tests.conftest import exact_signs

# ---------------------------------------------------------------------------- strategies
small_int = st.integers(-6, 6).map(float)
wide_float = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@st.composite
def layers_and_intervals(draw, coefficient=small_int):
    m = draw(st.integers(1, 12))
    w = draw(hnp.arrays(np.float64, m, elements=coefficient))
    b = draw(hnp.arrays(np.float64, m, elements=coefficient))
    lo = draw(st.integers(-8, 7).map(float)) if coefficient is small_int else draw(wide_float)
    hi = draw(st.floats(lo, lo + 20, exclude_min=True, allow_nan=False))
    return NeuronLayer(w, b), (lo, hi)


def interior_points(bp: np.ndarray) -> np.ndarray:
    """Midpoints and points close to each end of every sub-interval (still strictly inside)."""
    lo, hi = bp[:-1], bp[1:]
    near_lo = np.nextafter(lo, np.inf)
    near_hi = np.nextafter(hi, -np.inf)
    pts = np.stack([0.5 * (lo + hi), near_lo, near_hi], axis=1)
    return pts


# ---------------------------------------------------------------------------- properties
@given(layers_and_intervals())
@example((NeuronLayer([[0.0], [3.0], [0.0]], [0.0, -1.0, 0.0]), (0.3333333333333333, 1.0)))
def test_breakpoints_are_the_exact_crossings_inside(case):
    """The interior breakpoints are the distinct exact roots -b/w strictly inside (lo, hi), in
    order, each given as its nearest float. (The example: the root 1/3 lies inside although its
    float equals lo, which the float formula -b/w would have dropped.)"""
    layer, (lo, hi) = case
    part = partition_1d(layer, (lo, hi))
    bp = part.breakpoints
    w, b = layer.weight[:, 0], layer.bias
    roots = sorted({-Fraction(bi) / Fraction(wi) for wi, bi in zip(w, b, strict=True) if wi != 0})
    inside = [r for r in roots if Fraction(lo) < r < Fraction(hi)]
    assert part.n_intervals == len(inside) + 1  # cover with no gap or overlap
    assert [part.exact_breakpoint(i) for i in range(1, part.n_intervals)] == inside
    assert bp[0] == lo
    assert bp[-1] == hi
    np.testing.assert_array_equal(bp[1:-1], [float(r) for r in inside])
    assert np.all(np.diff(bp) >= 0)


@given(st.one_of(layers_and_intervals(), layers_and_intervals(wide_float)))
def test_sign_pattern_inside_each_subinterval_is_exact(case):
    layer, interval = case
    part = partition_1d(layer, interval)
    pts = interior_points(part.breakpoints)
    signs = part.signs
    for col in range(pts.shape[1]):
        ok = (pts[:, col] > part.breakpoints[:-1]) & (pts[:, col] < part.breakpoints[1:])
        x = pts[ok, col]
        np.testing.assert_array_equal(signs[ok], exact_signs(layer.weight, layer.bias, x[:, None]))
        np.testing.assert_array_equal(part.locate(x), np.flatnonzero(ok))


@given(layers_and_intervals())
def test_each_neuron_flips_once_at_its_breakpoint(case):
    layer, interval = case
    part = partition_1d(layer, interval)
    signs = part.signs
    changed = signs[1:] != signs[:-1]  # (k - 1, m)
    for i in range(1, part.n_intervals):
        np.testing.assert_array_equal(part.flips(i), np.flatnonzero(changed[i - 1]))
    np.testing.assert_array_equal(signs[0], part.first_signs)


@given(st.one_of(layers_and_intervals(), layers_and_intervals(wide_float)))
def test_signs_at_breakpoints_and_ends_match_exact_evaluation(case):
    layer, interval = case
    part = partition_1d(layer, interval)
    x = np.concatenate([part.breakpoints, part.midpoints])
    np.testing.assert_array_equal(
        part.signs_at(x), exact_signs(layer.weight, layer.bias, x[:, None])
    )


@given(layers_and_intervals(), st.lists(st.floats(0, 1), min_size=1, max_size=20))
def test_located_interval_contains_point(case, fractions):
    layer, (lo, hi) = case
    part = partition_1d(layer, (lo, hi))
    x = np.clip(lo + np.asarray(fractions) * (hi - lo), lo, hi)
    j = part.locate(x)
    # against the exact breakpoints: a float breakpoint is its root rounded, so x may equal the
    # float of a root it lies strictly below (x = 0.333...33 < 1/3)
    last = part.n_intervals - 1
    ends = [Fraction(lo)] + [part.exact_breakpoint(i) for i in range(1, last + 1)] + [Fraction(hi)]
    for xi, ji in zip(x.tolist(), j.tolist(), strict=True):
        assert ends[ji] <= Fraction(xi)
        assert Fraction(xi) < ends[ji + 1] or (xi == hi and ji == last)


def test_point_whose_float_equals_a_rounded_root_below_it():
    # the root 1/3 rounds down to 0.333...33, which lies below 1/3: the first interval
    part = partition_1d(NeuronLayer([[0.0], [-6.0]], [0.0, 2.0]), (0.0, 1.0))
    assert part.exact_breakpoint(1) == Fraction(1, 3)
    assert part.breakpoints[1] == 1 / 3
    np.testing.assert_array_equal(part.locate(np.array([1 / 3, np.nextafter(1 / 3, 1)])), [0, 1])


# ---------------------------------------------------------------------------- conventions
def test_ties_share_one_breakpoint_sorted_by_index():
    # neurons 0, 2 and 3 cross at 1.0 (3 has opposite orientation); neuron 1 at -1
    layer = NeuronLayer([[1.0], [1.0], [2.0], [-3.0]], [-1.0, 1.0, -2.0, 3.0])
    part = partition_1d(layer, (-2.0, 2.0))
    np.testing.assert_array_equal(part.breakpoints, [-2.0, -1.0, 1.0, 2.0])
    np.testing.assert_array_equal(part.flips(2), [0, 2, 3])
    np.testing.assert_array_equal(part.signs_at([1.0])[0], [0, 1, 0, 0])


def test_boundaries_outside_and_on_the_ends():
    layer = NeuronLayer([[1.0], [1.0], [-1.0], [1.0]], [5.0, 0.0, 1.0, -9.0])  # -5, 0, 1, 9
    part = partition_1d(layer, (0.0, 1.0))
    assert part.n_intervals == 1  # crossings at the ends are not breakpoints
    np.testing.assert_array_equal(part.first_signs, [1, 1, 1, -1])
    np.testing.assert_array_equal(
        part.signs_at([0.0, 0.5, 1.0]), [[1, 0, 1, -1], [1, 1, 1, -1], [1, 1, 0, -1]]
    )
    np.testing.assert_array_equal(part.flip_at, [-1, -1, -1, -1])


def test_constant_neurons_never_flip():
    layer = NeuronLayer([[0.0], [0.0], [0.0], [1.0]], [2.0, -1.0, 0.0, 0.0])
    part = partition_1d(layer, (-1.0, 1.0))
    np.testing.assert_array_equal(part.signs, [[1, -1, 0, -1], [1, -1, 0, 1]])


def test_no_breakpoints_at_all():
    part = partition_1d(NeuronLayer([[1.0]], [10.0]), (0.0, 1.0))
    assert part.n_intervals == 1
    assert part.flip_order.size == 0
    with pytest.raises(IndexError):
        part.flips(1)


def test_domain_restricts_to_valid_inputs():
    layer = NeuronLayer([[1.0], [1.0]], [1.0, -1.0])  # crossings -1 and 1
    part = partition_1d(layer, (-3.0, 3.0), domain=(0.0, np.inf))
    np.testing.assert_array_equal(part.breakpoints, [0.0, 1.0, 3.0])
    with pytest.raises(ValueError, match="do not overlap"):
        partition_1d(layer, (-3.0, -1.0), domain=(0.0, np.inf))


def test_rows_on_demand_and_dense_limit(monkeypatch):
    layer = NeuronLayer.random(50, 1, seed=0)
    part = partition_1d(layer, (-3.0, 3.0))
    dense = part.signs
    np.testing.assert_array_equal(part.rows([0, 5, -1]), dense[[0, 5, -1]])
    monkeypatch.setattr(partition_module, "DENSE_LIMIT", 10)
    with pytest.raises(MemoryError, match=r"partition\.rows"):
        _ = part.signs


def test_storage_is_linear_in_neurons():
    layer = NeuronLayer.random(2000, 1, seed=1)
    part = partition_1d(layer, (-5.0, 5.0))
    sizes = [
        part.breakpoints.size,
        part.first_signs.size,
        part.flip_at.size,
        part.flip_order.size,
        part.flip_offsets.size,
    ]
    assert max(sizes) <= layer.n_neurons + 2


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("interval", "match"),
    [
        ((1.0, 1.0), "lo < hi"),
        ((2.0, 1.0), "lo < hi"),
        ((0.0, np.inf), "finite"),
        ((np.nan, 1.0), "finite"),
        ((0.0, 1.0, 2.0), "pair"),
    ],
)
def test_bad_intervals(interval, match):
    with pytest.raises(ValueError, match=match):
        partition_1d(NeuronLayer([[1.0]], [0.0]), interval)


def test_wide_layer_points_to_slicing():
    with pytest.raises(ValueError, match="slice_1d"):
        partition_1d(NeuronLayer(np.ones((2, 3)), np.zeros(2)), (0.0, 1.0))


def test_not_a_layer():
    with pytest.raises(TypeError, match="NeuronLayer"):
        partition_1d(np.ones((2, 1)), (0.0, 1.0))


def test_locate_outside_interval_raises():
    part = partition_1d(NeuronLayer([[1.0]], [0.0]), (-1.0, 1.0))
    with pytest.raises(ValueError, match=r"x must lie in the partitioned interval \[-1, 1\]"):
        part.locate([0.0, 2.0])
    with pytest.raises(ValueError, match="x must be finite"):
        part.locate([np.nan])


def test_on_breakpoint_mask():
    part = partition_1d(NeuronLayer([[1.0], [1.0]], [0.0, -0.5]), (-1.0, 1.0))
    np.testing.assert_array_equal(
        part.on_breakpoint([-1.0, 0.0, 0.25, 0.5, 1.0]), [False, True, False, True, False]
    )
    np.testing.assert_array_equal(part.locate([0.0, 0.5, 1.0]), [1, 2, 2])


# ---------------------------------------------------------------------------- exact for any floats
@st.composite
def near_tie_layers(draw):
    """Non-integer floats of mixed magnitudes (1e-12 .. 1e12), with neurons one ulp apart
    (distinct crossings that round to the same float) and ends placed on a crossing's float."""
    m = draw(st.integers(1, 8))
    rows = []
    for _ in range(m):
        w = draw(st.floats(0.1, 10.0)) * draw(st.sampled_from([1.0, -1.0]))
        w *= 10.0 ** draw(st.integers(-12, 12))
        c = draw(st.floats(-1.0, 1.0)) * 10.0 ** draw(st.integers(-3, 6))
        rows.append((w, -w * c))
        for _ in range(draw(st.integers(0, 2))):  # near-copies: one ulp off in w or b
            w2 = np.nextafter(w, draw(st.sampled_from([np.inf, -np.inf])))
            b2 = np.nextafter(-w * c, draw(st.sampled_from([np.inf, -np.inf])))
            rows.append(draw(st.sampled_from([(w2, -w * c), (w, b2), (2.0 * w, -2.0 * w * c)])))
    w = np.array([r[0] for r in rows])
    b = np.array([r[1] for r in rows])
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        crossings = -b / w
    lo = float(draw(st.sampled_from(list(crossings)))) if draw(st.booleans()) else -1e7
    hi = max(lo + 1.0, 1e7) if draw(st.booleans()) else float(np.nextafter(lo, np.inf))
    if draw(st.booleans()):  # an end exactly on some crossing's float
        hi = max(hi, float(draw(st.sampled_from(list(crossings)))))
    if not lo < hi:
        hi = float(np.nextafter(lo, np.inf))
    return NeuronLayer(w, b), (lo, hi)


def exact_reference(layer, lo, hi, t=None):
    """Distinct exact crossings inside (lo, hi) and the neurons at each, in Fractions."""
    from fractions import Fraction

    at: dict = {}
    t = np.zeros(layer.n_neurons) if t is None else t
    for n, (w, b, tn) in enumerate(zip(layer.weight[:, 0], layer.bias, t, strict=True)):
        if w == 0:
            continue
        r = (Fraction(float(tn)) - Fraction(float(b))) / Fraction(float(w))
        if Fraction(lo) < r < Fraction(hi):
            at.setdefault(r, []).append(n)
    return sorted(at.items())


@given(near_tie_layers())
def test_exact_breakpoints_flips_and_locate_for_any_floats(case):
    from fractions import Fraction

    layer, (lo, hi) = case
    part = partition_1d(layer, (lo, hi))
    ref = exact_reference(layer, lo, hi)
    assert part.n_intervals == len(ref) + 1
    for i, (r, neurons) in enumerate(ref, start=1):
        assert part.exact_breakpoint(i) == r
        np.testing.assert_array_equal(part.flips(i), neurons)
        assert part.breakpoints[i] == float(r)  # correctly rounded
    # floats next to every crossing: located by exact comparison
    probes = [lo, hi]
    for r, _ in ref:
        f = float(r)
        probes += [f, np.nextafter(f, -np.inf), np.nextafter(f, np.inf)]
    probes = np.clip(np.array(probes), lo, hi)
    expected = [
        min(sum(1 for r, _ in ref if r <= Fraction(float(x))), part.n_intervals - 1) for x in probes
    ]
    np.testing.assert_array_equal(part.locate(probes), expected)
    on = [any(r == Fraction(float(x)) for r, _ in ref) for x in probes]
    np.testing.assert_array_equal(part.on_breakpoint(probes), on)
    # the pattern of the sub-interval a probe falls in is its exact pattern (off breakpoints)
    rows = part.rows(part.locate(probes))
    truth = exact_signs(layer.weight, layer.bias, probes[:, None])
    off = ~(truth[:, ~layer.is_constant] == 0).any(axis=1)  # not on any crossing, ends included
    assert not (np.array(on) & off).any()
    np.testing.assert_array_equal(rows[off], truth[off])
