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
