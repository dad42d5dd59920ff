"""sweep_interval: the range of t where data project on a line, against a reference."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from neuronboundary import box_domain_along, sweep_interval

small = st.integers(-8, 8).map(float)  # integers: every projection is exact in float64


def reference(data, origin, direction, coverage):
    """Exact projections (Fractions), then numpy's linear quantile written out."""
    v = [Fraction(c) for c in direction]
    vv = sum(c * c for c in v)
    t = sorted(
        sum((Fraction(a) - Fraction(o)) * c for a, o, c in zip(row, origin, v, strict=True)) / vv
        for row in data
    )
    out = []
    for q in (Fraction(1 - coverage) / 2, Fraction(1 + coverage) / 2):
        pos = q * (len(t) - 1)
        i = int(pos)
        j = min(i + 1, len(t) - 1)
        out.append(t[i] + (pos - i) * (t[j] - t[i]))
    return out


@st.composite
def problems(draw):
    n = draw(st.integers(2, 30))
    d = draw(st.integers(1, 4))
    data = draw(hnp.arrays(np.float64, (n, d), elements=small))
    origin = draw(hnp.arrays(np.float64, d, elements=small))
    direction = draw(hnp.arrays(np.float64, d, elements=small).filter(lambda a: np.any(a)))
    return data, origin, direction


@given(problems(), st.sampled_from([1.0, 0.98, 0.9, 0.5]))
def test_matches_the_exact_reference(problem, coverage):
    data, origin, direction = problem
    lo_ref, hi_ref = reference(data, origin, direction, coverage)
    if not lo_ref < hi_ref:
        with pytest.raises(ValueError, match="no interval to sweep"):
            sweep_interval(data, origin, direction, coverage)
        return
    lo, hi = sweep_interval(data, origin, direction, coverage)
    assert lo == pytest.approx(float(lo_ref), rel=1e-12, abs=1e-12)
    assert hi == pytest.approx(float(hi_ref), rel=1e-12, abs=1e-12)


@given(problems())
def test_full_coverage_is_the_range_and_contains_every_sample(problem):
    data, origin, direction = problem
    t = [float(x) for x in reference(data, origin, direction, 1.0)]
    if t[0] == t[1]:
        return
    assert sweep_interval(data, origin, direction, 1.0) == (t[0], t[1])


def test_the_notebook_recipe_it_replaces():
    rng = np.random.default_rng(0)
    data = rng.uniform(0.0, 1.0, size=(300, 5))
    origin, direction = data[:10].mean(0), data[10:20].mean(0) - data[:10].mean(0)
    t = (data - origin) @ direction / (direction @ direction)
    expected = np.quantile(t, [0.01, 0.99])
    assert sweep_interval(data, origin, direction) == pytest.approx(tuple(expected), rel=1e-12)


def test_every_ordinary_input_type_gives_the_same_interval():
    data = [[0.0, 1.0], [1.0, 0.0], [2.0, 5.0], [4.0, 3.0]]
    expected = sweep_interval(data, [0.0, 0.0], [2.0, 0.0])
    assert isinstance(expected[0], float)
    for convert in (np.array, torch.tensor, lambda a: np.array(a, dtype=np.float32)):
        assert sweep_interval(convert(data), convert([0.0, 0.0]), convert([2.0, 0.0])) == (expected)
    half = sweep_interval(data, [0, 0], [2, 0], 0.5)
    for coverage in (np.float32(0.5), np.float64(0.5), torch.tensor(0.5), torch.tensor([0.5])[0]):
        assert sweep_interval(data, [0, 0], [2, 0], coverage) == half
    # a float32 share is the decimal it prints as (0.98, not its widening 0.98000001907...)
    spread = np.random.default_rng(0).standard_normal((500, 2))
    share = sweep_interval(spread, [0, 0], [1, 0], 0.98)
    for coverage in (np.float32(0.98), torch.tensor(0.98), np.array(0.98, dtype=np.float32)):
        assert sweep_interval(spread, [0, 0], [1, 0], coverage) == share


def test_used_with_box_domain_along_on_a_valid_range():
    data = np.array([[0.1, 0.9], [0.5, 0.5], [0.9, 0.1]])
    lo, hi = sweep_interval(data, [0.0, 1.0], [1.0, -1.0], coverage=1.0)
    assert (lo, hi) == pytest.approx((0.1, 0.9))
    valid = box_domain_along([0.0, 1.0], [1.0, -1.0], 0.0, 1.0)
    assert valid[0] <= lo < hi <= valid[1]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"data": [1.0, 2.0]}, "data must have shape"),
        ({"data": [[np.nan, 0.0]]}, "data must be finite"),
        ({"origin": [0.0]}, "origin must have length 2"),
        ({"direction": [0.0, 0.0]}, "direction must not be the zero vector"),
        ({"coverage": 0.0}, r"coverage must be one number in \(0, 1\]"),
        ({"coverage": 1.5}, r"coverage must be one number in \(0, 1\]"),
        ({"coverage": [0.5, 0.9]}, r"coverage must be one number in \(0, 1\]"),
        ({"data": [[1.0, 0.0], [1.0, 5.0]]}, "no interval to sweep"),
    ],
)
def test_bad_inputs_name_the_argument(kwargs, match):
    args = {"data": [[0.0, 0.0], [1.0, 1.0]], "origin": [0.0, 0.0], "direction": [1.0, 0.0]}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        sweep_interval(**args)


def test_non_numeric_data_is_a_type_error():
    with pytest.raises(TypeError, match="data must be numbers"):
        sweep_interval([["a", "b"]], [0.0, 0.0], [1.0, 0.0])


@pytest.mark.parametrize("scale", [2.0**-700, 1e-200, 1.0, 1e200, 2.0**700])
def test_direction_of_any_length(scale):
    """x = origin + t * direction: t scales inversely with the direction, with no overflow of
    direction . direction (1e200 squared) or underflow (1e-200 squared)."""
    data = [[0.0, 1.0], [1.0, 0.0], [2.0, 5.0], [4.0, 3.0]]
    lo, hi = sweep_interval(data, [0, 0], [scale, 0], 1.0)
    assert lo == 0.0
    assert hi == pytest.approx(4.0 / scale, rel=1e-15)
