"""Shared test helpers."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import settings

# default 200 examples a property; `pytest --hypothesis-profile=stress` for a long hunt
settings.register_profile("ci", max_examples=200, deadline=None)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile("stress", max_examples=5000, deadline=None)
settings.load_profile("ci")


def exact_signs(weight: np.ndarray, bias: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Sign of ``w . x + b`` computed in exact rational arithmetic from the float64 values.

    The reference for property tests: float evaluation can round a tiny output to the wrong
    sign, this cannot.
    """
    weight = np.atleast_2d(weight)
    x = np.atleast_2d(x)
    out = np.zeros((x.shape[0], weight.shape[0]), dtype=np.int8)
    for i, point in enumerate(x):
        fp = [Fraction(float(v)) for v in point]
        for n, (row, b) in enumerate(zip(weight, bias, strict=True)):
            value = Fraction(float(b)) + sum(
                (Fraction(float(w)) * v for w, v in zip(row, fp, strict=True)), Fraction(0)
            )
            out[i, n] = (value > 0) - (value < 0)
    return out
