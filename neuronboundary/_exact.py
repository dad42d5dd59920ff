"""Exact signs of affine maps at float64 points: a float filter, rational arithmetic behind it.

``sign(w . x + b)`` from a float64 evaluation can be wrong (or 0) when the true value is within
rounding error of zero, and BLAS rounds a batch differently from a single row. Every entry
whose float value is larger than a rigorous bound on the rounding error is certain; the few
others are recomputed exactly with ``fractions.Fraction`` (float64 values are rationals).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

_U = 2.0**-53  # unit roundoff of float64


def affine_signs(weight: np.ndarray, bias: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Exact ``sign(x @ weight.T + bias)`` as int8, shapes (m, d), (m,), (n, d) -> (n, m)."""
    y = x @ weight.T + bias
    d = weight.shape[1]
    # |fl(sum of d + 1 terms) - exact| <= gamma_{d+1} * sum|terms| for any order, FMA or not;
    # doubled for the rounding of the bound itself, plus a floor for underflow.
    bound = (np.abs(x) @ np.abs(weight).T + np.abs(bias)) * (2.0 * (d + 2) * _U) + 1e-300
    signs = np.sign(y).astype(np.int8)
    unsure = np.argwhere(np.abs(y) <= bound)
    for i, n in unsure:
        value = Fraction(float(bias[n])) + sum(
            (Fraction(float(w)) * Fraction(float(v)) for w, v in zip(weight[n], x[i], strict=True)),
            Fraction(0),
        )
        signs[i, n] = (value > 0) - (value < 0)
    return signs
