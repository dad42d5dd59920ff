"""The float geometry of one polyhedron (``neuronboundary._polytopes``) on polytopes whose facets
are known: a cube cut by one more plane, with a redundant and a duplicated constraint."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuronboundary import _polytopes as P


def cube_plus(d: int = 3):
    """|z_i| <= 1, a corner cut z_1 + ... + z_d <= d - 0.5, a redundant z_1 <= 5, and z_2 <= 1
    again (a duplicate of row 2): rows, distances, and the facet groups expected."""
    A = np.vstack([np.eye(d), -np.eye(d), np.ones((1, d)), np.eye(d)[:1], np.eye(d)[1:2]])
    b = np.concatenate([np.ones(2 * d), [d - 0.5, 5.0, 1.0]])
    A, b, _ = P.unit_rows(A, b)
    return A, b


def witnesses_break_only_their_group(A, b, facets):
    for row, base, offset in zip(facets.rows, facets.base, facets.offset, strict=True):
        assert abs(A[row] @ base - b[row]) <= 1e-12  # base on the row's hyperplane
        slack = b - A @ (base + offset)
        mine = facets.groups == facets.groups[row]
        assert (slack[mine] < 0).all()
        assert (slack[~mine] > 0).all()


@pytest.mark.parametrize("method", ["lp", "qhull"])
def test_cube_with_a_cut_corner(method):
    d = 3
    A, b = cube_plus(d)
    facets = P.lp_facets(A, b) if method == "lp" else P.qhull_facets(A, b)[0]
    assert facets.groups[2 * d + 2] == 1  # the duplicate joins row 1's group
    assert sorted(facets.rows.tolist()) == list(range(2 * d + 1))
    assert facets.redundant.tolist() == [2 * d + 1]
    witnesses_break_only_their_group(A, b, facets)


def test_qhull_vertices_and_volume():
    A, b = cube_plus(3)
    _, verts = P.qhull_facets(A, b)
    assert verts.shape[0] == 10  # 8 corners, one cut off into 3
    assert P.volume(verts) == pytest.approx(8 - 0.5**3 / 6)


def test_margin_witness_and_chebyshev_ball():
    A, b = cube_plus(2)
    groups = P.duplicate_groups(A, b)
    base, offset = P.margin_witness(A, b, groups, 4)  # the cut corner
    assert abs(A[4] @ base - b[4]) <= 1e-12
    slack = b - A @ (base + offset)
    assert slack[4] < 0
    assert (np.delete(slack, 4) > 0).all()
    assert P.margin_witness(A, b, groups, 5) is None  # the redundant row
    centre, radius = P.chebyshev_ball(A, b)
    assert radius == pytest.approx(1.0)
    assert (A @ centre + radius <= b + 1e-9).all()
    assert P.chebyshev_ball(A[:1], b[:1])[1] == float("inf")  # a halfplane holds any ball


def test_interval():
    A = np.array([[1.0], [-1.0], [1.0], [-1.0]])
    b = np.array([2.0, 1.0, 3.0, 1.0])  # -1 < z < 2; z < 3 redundant; z > -1 twice
    facets, ends = P.interval_facets(A, b)
    assert sorted(facets.rows.tolist()) == [0, 1]
    assert facets.groups.tolist() == [0, 1, 2, 1]
    assert sorted(ends.ravel().tolist()) == [-1.0, 2.0]


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**16), d=st.integers(2, 5))
def test_lp_and_qhull_agree_on_random_polytopes(seed, d):
    rng = np.random.default_rng(seed)
    A = np.vstack([rng.normal(size=(30, d)), np.eye(d), -np.eye(d)])  # bounded by a box
    b = np.concatenate([rng.uniform(0.5, 2.0, size=30), np.full(2 * d, 10.0)])
    A, b, _ = P.unit_rows(A, b)
    lp = P.lp_facets(A, b)
    witnesses_break_only_their_group(A, b, lp)
    qh, _ = P.qhull_facets(A, b)
    witnesses_break_only_their_group(A, b, qh)
    assert sorted(qh.rows.tolist()) == sorted(lp.rows.tolist())
