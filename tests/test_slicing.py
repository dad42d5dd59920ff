"""Slices of high-dimensional layers and the directions to slice along."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from neuronboundary import (
    NeuronLayer,
    box_domain_along,
    concept_vector,
    partition_1d,
    pca_directions,
    slice_1d,
    slice_2d,
    slice_2d_through,
)

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


@st.composite
def wide_layers(draw):
    m = draw(st.integers(1, 6))
    d = draw(st.integers(1, 5))
    w = draw(hnp.arrays(np.float64, (m, d), elements=finite))
    b = draw(hnp.arrays(np.float64, m, elements=finite))
    return NeuronLayer(w, b)


@given(wide_layers(), st.data())
def test_slice_1d_commutes_with_evaluation(layer, data):
    d = layer.in_dim
    o = data.draw(hnp.arrays(np.float64, d, elements=finite))
    v = data.draw(hnp.arrays(np.float64, d, elements=finite).filter(lambda a: np.any(a)))
    t = data.draw(hnp.arrays(np.float64, 5, elements=finite))
    line = slice_1d(layer, o, v)
    np.testing.assert_allclose(
        line(t), layer(o[None, :] + t[:, None] * v[None, :]), rtol=1e-9, atol=1e-9
    )


@given(wide_layers(), st.data())
def test_slice_2d_commutes_with_evaluation(layer, data):
    d = layer.in_dim
    if d < 2:
        return
    o, u, v = (data.draw(hnp.arrays(np.float64, d, elements=finite)) for _ in range(3))
    if np.linalg.matrix_rank(np.stack([u, v])) < 2:
        return
    st_pts = data.draw(hnp.arrays(np.float64, (4, 2), elements=finite))
    plane = slice_2d(layer, o, u, v)
    x = o + st_pts[:, :1] * u + st_pts[:, 1:] * v
    np.testing.assert_allclose(plane(st_pts), layer(x), rtol=1e-9, atol=1e-8)


def test_slice_2d_through_three_points_places_them_at_unit_coordinates():
    layer = NeuronLayer.random(4, 6, seed=0)
    rng = np.random.default_rng(0)
    a, b, c = rng.normal(size=(3, 6))
    plane = slice_2d_through(layer, a, b, c)
    np.testing.assert_allclose(
        plane([[0, 0], [1, 0], [0, 1]]), layer(np.stack([a, b, c])), atol=1e-12
    )
    with pytest.raises(ValueError, match="collinear"):
        slice_2d_through(layer, a, b, 2 * b - a)


def test_slice_bad_inputs():
    layer = NeuronLayer(np.ones((2, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="origin must have length 3"):
        slice_1d(layer, [0, 0], [1, 0, 0])
    with pytest.raises(ValueError, match="zero vector"):
        slice_1d(layer, [0, 0, 0], [0, 0, 0])
    with pytest.raises(ValueError, match="direction must be finite"):
        slice_1d(layer, [0, 0, 0], [np.nan, 1, 0])
    with pytest.raises(ValueError, match="linearly independent"):
        slice_2d(layer, [0, 0, 0], [1, 0, 0], [2, 0, 0])


def test_partition_of_a_slice_matches_the_wide_layer():
    layer = NeuronLayer.random(30, 10, seed=4)
    rng = np.random.default_rng(1)
    o, v = rng.normal(size=(2, 10))
    part = partition_1d(slice_1d(layer, o, v), (-3.0, 3.0))
    t = part.midpoints
    np.testing.assert_array_equal(part.signs, np.sign(layer(o + t[:, None] * v)).astype(np.int8))


def test_box_domain_along():
    assert box_domain_along([1.0, 2.0], [1.0, -1.0]) == (-1.0, 2.0)
    assert box_domain_along([1.0, 2.0], [1.0, 0.0]) == (-1.0, np.inf)
    assert box_domain_along([0.5], [1.0], lower=0.0, upper=1.0) == (-0.5, 0.5)
    with pytest.raises(ValueError, match="misses the box"):
        box_domain_along([-1.0, 0.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="misses the box"):
        box_domain_along([1.0, -1.5], [-1.0, 1.0], upper=0.4)


def test_pca_directions_centred_and_deterministic():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3)) @ np.diag([0.1, 4.0, 1.0]) + [100.0, -5.0, 3.0]
    pca = pca_directions(x, k=2)
    np.testing.assert_allclose(np.abs(pca.directions), [[0, 1, 0], [0, 0, 1]], atol=0.05)
    assert (pca.directions[np.arange(2), np.argmax(np.abs(pca.directions), axis=1)] > 0).all()
    np.testing.assert_allclose(pca.mean, x.mean(axis=0))
    assert pca.explained_variance_ratio[0] > 0.9
    np.testing.assert_array_equal(pca_directions(x, k=2).directions, pca.directions)
    with pytest.raises(ValueError, match=r"k must be an integer in \[1, 3\]"):
        pca_directions(x, k=4)
    with pytest.raises(ValueError, match="n >= 2"):
        pca_directions(x[:1])


def test_concept_vector():
    x = np.array([[0.0, 0.0], [2.0, 0.0], [10.0, 10.0]])
    np.testing.assert_array_equal(concept_vector(x, [7, 7, 1], positive=1, negative=7), [9.0, 10.0])
    with pytest.raises(ValueError, match="positive class 3 has no samples"):
        concept_vector(x, [7, 7, 1], positive=3, negative=7)
    with pytest.raises(ValueError, match="labels must have shape"):
        concept_vector(x, [7, 1], positive=1, negative=7)
