"""Exact predicates on float64 data: a float filter, rational arithmetic behind it.

Every decision the library makes (the sign of ``w . x + b`` at a point, whether two lines are
parallel, on which side of a line the crossing of two others lies, in which order two roots
come) is the sign of a small polynomial in float64 inputs. Each is evaluated in floating point
together with a rigorous bound on its rounding error (Shewchuk's "float filter"); where the
value is larger than the bound its sign is certain. The few entries left undecided (true
zeros, near-degenerate inputs, overflow or underflow) are recomputed exactly with
``fractions.Fraction``: a float64 number is a rational, so the answer is the one exact
arithmetic gives, on any machine, whatever BLAS or the thread count does.

Bounds: for a sum of ``n`` products of ``k`` floats evaluated in any order, the error is at
most ``gamma_{n + k} * permanent`` (Higham, Thm. 3.5), where the permanent is the same sum
with every term made non-negative; we use ``4 (n + k) u * permanent`` (twice the first-order
bound, covering the rounding of the bound itself) plus ``1e-300`` for underflow, and send
non-finite values (overflow) to the exact path.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

_U = 2.0**-53  # unit roundoff of float64
_TINY = 1e-300  # absolute slack: far above the underflow error of a few operations


def _frac(x: float) -> Fraction:
    return Fraction(float(x))


def exact_sign(value: Fraction) -> int:
    """-1, 0 or +1: the sign of a rational."""
    return (value > 0) - (value < 0)


_sign = exact_sign


def _decide(value: np.ndarray, bound: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Signs that the filter decides, and the indices it leaves to exact arithmetic."""
    sure = np.abs(value) > bound  # False for NaN and for inf bounds: those go exact
    signs = np.where(sure, np.sign(value), 0).astype(np.int8)
    return signs, np.flatnonzero(~sure)


def exact_affine(weight: np.ndarray, bias: float, point: Any) -> Fraction:
    """``weight . point + bias`` in rational arithmetic; ``point`` holds floats or Fractions."""
    return _frac(bias) + sum(
        (
            _frac(w) * (v if isinstance(v, Fraction) else _frac(v))
            for w, v in zip(weight, point, strict=True)
        ),
        Fraction(0),
    )


def exact_crossing(l1: np.ndarray, l2: np.ndarray) -> tuple[Fraction, Fraction]:
    """Where the non-parallel lines ``a x + b y + c = 0`` (rows (3,)) cross, exactly (Cramer)."""
    (a1, b1, c1), (a2, b2, c2) = (map(_frac, l1), map(_frac, l2))
    det = a1 * b2 - a2 * b1
    return (b1 * c2 - b2 * c1) / det, (c1 * a2 - c2 * a1) / det


def affine_signs(weight: np.ndarray, bias: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Exact ``sign(x @ weight.T + bias)`` as int8, shapes (m, d), (m,), (n, d) -> (n, m)."""
    with np.errstate(over="ignore", invalid="ignore"):
        y = x @ weight.T + bias
        d = weight.shape[1]
        bound = (np.abs(x) @ np.abs(weight).T + np.abs(bias)) * (4.0 * (d + 2) * _U) + _TINY
        sure = np.abs(y) > bound
    signs = np.where(sure, np.sign(y), 0).astype(np.int8)
    for i, n in np.argwhere(~sure):
        signs[i, n] = _sign(exact_affine(weight[n], bias[n], x[i]))
    return signs


def line_signs(lines: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Exact ``sign(a x + b y + c)`` row by row: lines (n, 3), points (n, 2) -> int8 (n,)."""
    a, b, c = lines.T
    x, y = points.T
    with np.errstate(over="ignore", invalid="ignore"):
        value = a * x + b * y + c
        bound = (np.abs(a * x) + np.abs(b * y) + np.abs(c)) * (20.0 * _U) + _TINY
        signs, unsure = _decide(value, bound)
    for i in unsure:
        signs[i] = _sign(_frac(a[i]) * _frac(x[i]) + _frac(b[i]) * _frac(y[i]) + _frac(c[i]))
    return signs


def det2_signs(a1: np.ndarray, b1: np.ndarray, a2: np.ndarray, b2: np.ndarray) -> np.ndarray:
    """Exact ``sign(a1 * b2 - a2 * b1)``, elementwise, int8."""
    with np.errstate(over="ignore", invalid="ignore"):
        p, q = a1 * b2, a2 * b1
        signs, unsure = _decide(p - q, (np.abs(p) + np.abs(q)) * (16.0 * _U) + _TINY)
    for i in unsure:
        signs[i] = _sign(_frac(a1[i]) * _frac(b2[i]) - _frac(a2[i]) * _frac(b1[i]))
    return signs


def _det3_exact(r1: np.ndarray, r2: np.ndarray, r3: np.ndarray) -> Fraction:
    (a1, b1, c1), (a2, b2, c2), (a3, b3, c3) = (map(_frac, r) for r in (r1, r2, r3))
    return a3 * (b1 * c2 - b2 * c1) + b3 * (c1 * a2 - c2 * a1) + c3 * (a1 * b2 - a2 * b1)


def det3_signs(l1: np.ndarray, l2: np.ndarray, l3: np.ndarray) -> np.ndarray:
    """Exact sign of ``det([l1; l2; l3])`` row by row, for lines (n, 3) each -> int8 (n,).

    For lines ``L(p) = a x + b y + c``, ``L3(p12) = det / D12`` where ``p12`` is where
    ``L1 = L2 = 0`` and ``D12 = a1 b2 - a2 b1`` (Cramer's rule), so this decides on which side
    of a third line the crossing of two lines lies, and whether three lines are concurrent.
    """
    a1, b1, c1 = l1.T
    a2, b2, c2 = l2.T
    a3, b3, c3 = l3.T
    with np.errstate(over="ignore", invalid="ignore"):
        m1, m2, m3 = b1 * c2 - b2 * c1, c1 * a2 - c2 * a1, a1 * b2 - a2 * b1
        value = a3 * m1 + b3 * m2 + c3 * m3
        perm = (
            np.abs(a3) * (np.abs(b1 * c2) + np.abs(b2 * c1))
            + np.abs(b3) * (np.abs(c1 * a2) + np.abs(c2 * a1))
            + np.abs(c3) * (np.abs(a1 * b2) + np.abs(a2 * b1))
        )
        signs, unsure = _decide(value, perm * (24.0 * _U) + _TINY)
    for i in unsure:
        signs[i] = _sign(_det3_exact(l1[i], l2[i], l3[i]))
    return signs
