"""Groups: exact sub-ranges of threshold rules, named rules, top-k ranges."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from neuronboundary import (
    NeuronLayer,
    above,
    group_partition_1d,
    group_ranges,
    positive,
    rule,
    slice_1d,
    top_k,
)

coef = st.integers(-5, 5).map(float)


@st.composite
def cases(draw):
    m = draw(st.integers(1, 10))
    w = draw(hnp.arrays(np.float64, m, elements=coef))
    b = draw(hnp.arrays(np.float64, m, elements=coef))
    t = draw(hnp.arrays(np.float64, m, elements=st.integers(-3, 3).map(float)))
    lo = float(draw(st.integers(-6, 5)))
    hi = lo + float(draw(st.integers(1, 8)))
    return NeuronLayer(w, b), (lo, hi), t


@given(cases(), st.lists(st.floats(0.001, 0.999), min_size=1, max_size=5))
def test_each_subrange_group_equals_the_rule_inside_it(case, fractions):
    layer, interval, t = case
    gp = group_partition_1d(layer, interval, t)
    groups = gp.groups
    bp = gp.breakpoints
    for j in range(gp.n_ranges):
        x = bp[j] + np.asarray(fractions) * (bp[j + 1] - bp[j])
        x = x[(x > bp[j]) & (x < bp[j + 1])]
        y = layer(x)
        for row in y > t:
            assert tuple(np.flatnonzero(row).tolist()) == groups[j]


@given(cases())
def test_breakpoints_are_the_threshold_crossings(case):
    layer, (lo, hi), t = case
    gp = group_partition_1d(layer, (lo, hi), t)
    w, b = layer.weight[:, 0], layer.bias
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = (t - b) / w
    expected = np.unique(cross[(w != 0) & (cross > lo) & (cross < hi)])
    np.testing.assert_array_equal(gp.breakpoints[1:-1], expected)
    np.testing.assert_array_equal(gp.breakpoints[[0, -1]], [lo, hi])


@given(cases())
def test_entering_and_leaving_account_for_each_change(case):
    layer, interval, t = case
    gp = group_partition_1d(layer, interval, t)
    groups = [set(g) for g in gp.groups]
    for i in range(1, gp.n_ranges):
        assert groups[i] - groups[i - 1] == set(gp.entering(i).tolist())
        assert groups[i - 1] - groups[i] == set(gp.leaving(i).tolist())
    assert gp.first_group == tuple(sorted(groups[0]))


def test_scalar_threshold_and_positive_rule_agree():
    layer = NeuronLayer.random(8, 1, seed=3)
    gp = group_partition_1d(layer, (-0.3, 1.5))
    assert gp.group(int(gp.locate([0.3])[0])) == positive().groups(layer, [0.3])[0]
    assert len(positive().groups(layer, [0.3])[0]) == 3  # the article's Input 1


def test_above_rule_is_g2_and_its_exact_ranges():
    layer = NeuronLayer([[1.0], [1.0], [-1.0]], [0.0, -1.0, 0.5])
    q = np.array([0.5, -2.0, 0.2])
    g2 = above(q)
    assert g2.groups(layer, [0.7]) == [(0,)]  # neuron 1 is not positive, neuron 2 below q
    bp, groups = group_ranges(layer, (-1.0, 2.0), g2)
    np.testing.assert_allclose(bp, [-1.0, 0.3, 0.5, 1.0, 2.0])
    assert groups == [(2,), (), (0,), (0, 1)]


def test_top_k_exact_ranges_match_pointwise_rule():
    layer = NeuronLayer.random(6, 1, seed=1)
    bp, groups = group_ranges(layer, (-3.0, 3.0), top_k(2))
    rng = np.random.default_rng(0)
    for j in range(len(groups)):
        x = rng.uniform(bp[j], bp[j + 1], 5)
        assert {tuple(g) for g in top_k(2).groups(layer, x)} == {groups[j]}
    assert all(groups[j] != groups[j + 1] for j in range(len(groups) - 1))


def test_custom_rule_on_batches_and_errors():
    layer = NeuronLayer([[1.0], [2.0]], [0.0, 0.0])
    strong = rule(lambda y: y > 1.0, "strong")
    assert strong.groups(layer, [0.6, 2.0]) == [(1,), (0, 1)]
    with pytest.raises(TypeError, match="no exact sub-ranges"):
        group_ranges(layer, (0, 1), strong)
    with pytest.raises(ValueError, match="boolean mask"):
        rule(lambda y: y)(np.ones((2, 2)))
    with pytest.raises(TypeError, match="callable"):
        rule(3)
    with pytest.raises(ValueError, match=r"thresholds must be a scalar or have shape \(2,\)"):
        group_partition_1d(layer, (0, 1), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="thresholds must be finite"):
        group_partition_1d(layer, (0, 1), [np.nan, 0.0])
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        top_k(0)
    with pytest.raises(ValueError, match="slice_1d"):
        group_partition_1d(NeuronLayer(np.ones((2, 3)), np.zeros(2)), (0, 1))


def test_groups_of_a_slice_of_a_wide_layer():
    layer = NeuronLayer.random(20, 10, seed=2)
    rng = np.random.default_rng(3)
    o, v = rng.normal(size=(2, 10))
    line = slice_1d(layer, o, v)
    gp = group_partition_1d(line, (-2.0, 2.0), 0.1)
    mids = 0.5 * (gp.breakpoints[:-1] + gp.breakpoints[1:])
    wide = layer(o + mids[:, None] * v) > 0.1
    assert [tuple(np.flatnonzero(r).tolist()) for r in wide] == gp.groups


def test_storage_is_linear():
    gp = group_partition_1d(NeuronLayer.random(5000, 1, seed=0), (-3.0, 3.0), 0.2)
    p = gp.partition
    assert (
        max(a.size for a in (p.first_signs, p.flip_at, p.flip_order, p.flip_offsets, gp.thresholds))
        <= 5001
    )


# ---------------------------------------------------------------------------- exact for any floats
def _exact_member(w, b, t, x):
    from fractions import Fraction

    return Fraction(float(w)) * Fraction(float(x)) + Fraction(float(b)) > Fraction(float(t))


def _probes_near(values, lo, hi):
    out = [lo, hi]
    for v in values:
        f = float(v)
        out += [f, np.nextafter(f, -np.inf), np.nextafter(f, np.inf)]
    return np.clip(np.array(out, dtype=np.float64), lo, hi)


def test_threshold_crossing_not_rounded_twice():
    # the case: b - t rounds, so folding t into the bias misplaces the crossing
    w, b, t = 80160056.17257887, 1.2502151018795993, 318692158465.2938
    layer = NeuronLayer([[w]], [b])
    gp = group_partition_1d(layer, (3975.0, 3976.0), [t])
    from fractions import Fraction

    r = (Fraction(t) - Fraction(b)) / Fraction(w)
    for x in _probes_near([r], 3975.0, 3976.0):
        if Fraction(float(x)) == r:
            continue
        assert (0 in gp.group(gp.locate(x))) == _exact_member(w, b, t, x)


def test_huge_bias_and_threshold_do_not_overflow():
    gp = group_partition_1d(NeuronLayer([[1.0]], [1e308]), (-1.0, 1.0), [-1e308])
    assert gp.groups == [(0,)]


@st.composite
def threshold_cases(draw):
    m = draw(st.integers(1, 6))
    mag = st.integers(-12, 12).map(lambda e: 10.0**e)
    w = [draw(st.floats(-10, 10).filter(lambda v: abs(v) > 1e-3)) * draw(mag) for _ in range(m)]
    c = [draw(st.floats(-100, 100)) for _ in range(m)]
    b = [draw(st.floats(-10, 10)) * draw(mag) for _ in range(m)]
    # thresholds that put the crossing near c: t = w c + b (rounded), sometimes one ulp off
    t = [
        np.nextafter(wi * ci + bi, draw(st.sampled_from([np.inf, -np.inf, 0.0])))
        for wi, ci, bi in zip(w, c, b, strict=True)
    ]
    return NeuronLayer(np.array(w), np.array(b)), np.array(t), (-101.0, 101.0)


@given(threshold_cases())
def test_threshold_groups_of_floats_next_to_each_crossing_are_exact(case):
    from fractions import Fraction

    layer, t, (lo, hi) = case
    gp = group_partition_1d(layer, (lo, hi), t)
    w, b = layer.weight[:, 0], layer.bias
    roots = [
        (Fraction(float(tn)) - Fraction(float(bn))) / Fraction(float(wn))
        for wn, bn, tn in zip(w, b, t, strict=True)
    ]
    probes = _probes_near([r for r in roots if lo < r < hi], lo, hi)
    located = gp.locate(probes)
    for x, j in zip(probes, located, strict=True):
        members = set(gp.group(int(j)))
        for n in range(layer.n_neurons):
            if Fraction(float(x)) == roots[n]:
                continue  # on the neuron's own crossing: not inside a sub-range
            assert (n in members) == _exact_member(w[n], b[n], t[n], x)


@st.composite
def near_tie_lines(draw):
    m = draw(st.integers(2, 6))
    w = [draw(st.floats(-3, 3)) for _ in range(m)]
    b = [draw(st.floats(-3, 3)) for _ in range(m)]
    for _ in range(draw(st.integers(0, 3))):  # copies one ulp apart, and exact duplicates
        k = draw(st.integers(0, len(w) - 1))
        w.append(w[k])
        b.append(
            draw(st.sampled_from([b[k], np.nextafter(b[k], np.inf), np.nextafter(b[k], -np.inf)]))
        )
    return NeuronLayer(np.array(w), np.array(b)), draw(st.integers(1, 3))


@given(near_tie_lines())
def test_top_k_ranges_are_exact_next_to_each_crossing(case):
    from fractions import Fraction

    layer, k = case
    k = min(k, layer.n_neurons)
    gp = group_partition_1d(layer, (-4.0, 4.0), top_k(k))
    w, b = layer.weight[:, 0], layer.bias
    crossings = {
        (Fraction(float(b[j])) - Fraction(float(b[i])))
        / (Fraction(float(w[i])) - Fraction(float(w[j])))
        for i in range(len(w))
        for j in range(i + 1, len(w))
        if w[i] != w[j]
    }
    probes = _probes_near([r for r in crossings if -4 < r < 4], -4.0, 4.0)
    exact = top_k(k).mask(layer, probes)  # exact ranking at each probe
    located = gp.locate(probes)
    for x, j, row in zip(probes, located, exact, strict=True):
        if Fraction(float(x)) in crossings:
            continue
        assert gp.group(int(j)) == tuple(np.flatnonzero(row).tolist())


def test_one_meaning_of_g2_with_negative_quantiles():
    layer = NeuronLayer([[1.0], [-1.0], [2.0]], [0.0, 1.0, -1.0])
    q = np.array([-0.5, 0.25, -2.0])
    gp = group_partition_1d(layer, (-1.0, 2.0), above(q))
    mids = 0.5 * (gp.breakpoints[:-1] + gp.breakpoints[1:])
    assert gp.groups == above(q).groups(layer, mids)
    assert gp.rule == "above"
    # plain thresholds mean y > t: a different group where q < 0, as documented
    plain = group_partition_1d(layer, (-1.0, 2.0), q)
    assert plain.groups != gp.groups
