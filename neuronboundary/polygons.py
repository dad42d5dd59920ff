"""Small exact-where-cheap polygon helpers for 2-D boxes: clipping by a neuron's half-plane and
the segment of each boundary line inside a box (used by the 2-D figures)."""

from __future__ import annotations

from typing import Any

import numpy as np

from neuronboundary._validate import (
    as_float,
    as_float_array,
    check_finite,
    finite_vector,
    is_integer,
    read_box,
    unwrap_scalar,
)
from neuronboundary.network import NeuronLayer, check_layer

__all__ = ["boundary_segments", "box_polygon", "clip_halfplane"]


def box_polygon(box: Any) -> np.ndarray:
    """The box ``((x1_lo, x1_hi), (x2_lo, x2_hi))`` as a counter-clockwise polygon, shape (4, 2).

    >>> box_polygon(((0, 1), (0, 2)))
    array([[0., 0.],
           [1., 0.],
           [1., 2.],
           [0., 2.]])
    """
    (x0, x1), (y0, y1) = read_box(box)
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


def clip_halfplane(polygon: Any, weight: Any, bias: float, side: int = 1) -> np.ndarray:
    """The part of a convex polygon where ``side * (weight · x + bias) >= 0``.

    Parameters
    ----------
    polygon : (k, 2) convex, counter-clockwise
    weight : (2,); bias : float; side : +1 (positive part) or -1 (negative part)

    Returns
    -------
    (j, 2) counter-clockwise polygon, possibly empty (shape (0, 2)).

    Examples
    --------
    >>> clip_halfplane(box_polygon(((0, 2), (0, 1))), [1.0, 0.0], -1.0)
    array([[1., 0.],
           [2., 0.],
           [2., 1.],
           [1., 1.]])
    """
    if not is_integer(side) or int(unwrap_scalar(side)) not in (1, -1):
        raise ValueError(f"side must be +1 or -1; got {side!r}.")
    side = int(unwrap_scalar(side))
    poly = as_float_array(polygon, "polygon")
    if poly.ndim != 2 or poly.shape[1] != 2:
        raise ValueError(f"polygon must have shape (k, 2), one vertex per row; got {poly.shape}.")
    check_finite(poly, "polygon")
    w = finite_vector(weight, "weight", 2)
    bias = as_float(bias, "bias")
    values = side * (poly @ w + bias)
    out = []
    k = poly.shape[0]
    for i in range(k):
        p, q = poly[i], poly[(i + 1) % k]
        vp, vq = values[i], values[(i + 1) % k]
        if vp >= 0:
            out.append(p)
        if (vp > 0 and vq < 0) or (vp < 0 and vq > 0):
            out.append(p + (q - p) * (vp / (vp - vq)))
    return np.array(out).reshape(-1, 2)


def boundary_segments(layer: NeuronLayer, box: Any) -> np.ndarray:
    """End points of each neuron's boundary line inside the box, shape (m, 2, 2).

    Rows are NaN for a neuron whose boundary misses the box (or that is constant).

    >>> boundary_segments(NeuronLayer([[1.0, 0.0]], [-0.5]), ((0, 1), (0, 1)))
    array([[[0.5, 0. ],
            [0.5, 1. ]]])
    """
    check_layer(layer, "boundary_segments", in_dim=2)
    (x0, x1), (y0, y1) = read_box(box)
    w, b = layer.weight, layer.bias
    m = layer.n_neurons
    # Liang-Barsky clipping of the infinite line p(t) = foot + t * direction
    norm2 = np.einsum("ij,ij->i", w, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        foot = -(b / norm2)[:, None] * w
    direction = np.column_stack([-w[:, 1], w[:, 0]])
    t_lo = np.full(m, -np.inf)
    t_hi = np.full(m, np.inf)
    for axis, lo, hi in ((0, x0, x1), (1, y0, y1)):
        d = direction[:, axis]
        f = foot[:, axis]
        with np.errstate(divide="ignore", invalid="ignore"):
            a = (lo - f) / d
            c = (hi - f) / d
        moving = d != 0
        t_lo = np.where(moving, np.maximum(t_lo, np.minimum(a, c)), t_lo)
        t_hi = np.where(moving, np.minimum(t_hi, np.maximum(a, c)), t_hi)
        outside = ~moving & ((f < lo) | (f > hi))
        t_lo[outside], t_hi[outside] = np.inf, -np.inf
    ok = (norm2 > 0) & (t_lo < t_hi)
    seg = np.full((m, 2, 2), np.nan)
    seg[ok, 0] = foot[ok] + t_lo[ok, None] * direction[ok]
    seg[ok, 1] = foot[ok] + t_hi[ok, None] * direction[ok]
    return seg
