"""Input checks shared by the library: every error names the argument, what was seen and the fix."""

from __future__ import annotations

from typing import Any

import numpy as np


def as_float_array(value: Any, name: str) -> np.ndarray:
    """Return ``value`` (numpy array, torch tensor, sequence or scalar) as a float64 array.

    Raises ``TypeError`` naming ``name`` when it cannot be read as numbers.
    """
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # torch.Tensor without importing torch
        value = value.detach().cpu().double().numpy()
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"{name} must be numbers (a numpy array, torch tensor or sequence); "
            f"got {type(value).__name__}: {err}"
        ) from None
    return array


def check_finite(array: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` if ``array`` holds NaN or infinity, saying where and how many."""
    bad = ~np.isfinite(array)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} must be finite, but {int(bad.sum())} value(s) are NaN or inf "
            f"(first at index {first if array.ndim > 1 else first[0]}: {array[first]}); "
            f"remove or replace them before building the layer."
        )


def finite_vector(value: Any, name: str, length: int | None = None) -> np.ndarray:
    """Read a finite 1-D float64 vector, optionally of a given length."""
    array = as_float_array(value, name)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D vector; got shape {array.shape}.")
    if length is not None and array.shape[0] != length:
        raise ValueError(
            f"{name} must have length {length} (the layer's input dimension); "
            f"got length {array.shape[0]}."
        )
    check_finite(array, name)
    return array


def interval(
    value: Any, name: str = "interval", allow_infinite: bool = False
) -> tuple[float, float]:
    """Read a closed interval ``(lo, hi)`` with ``lo < hi``."""
    array = as_float_array(value, name)
    if array.shape != (2,):
        raise ValueError(f"{name} must be a pair (lo, hi); got shape {array.shape}.")
    lo, hi = float(array[0]), float(array[1])
    if np.isnan(array).any() or (not allow_infinite and not np.isfinite(array).all()):
        raise ValueError(f"{name} must hold finite numbers; got ({lo}, {hi}).")
    if not lo < hi:
        raise ValueError(
            f"{name} must satisfy lo < hi; got ({lo}, {hi}). "
            f"Swap the ends, or widen a point into an interval."
        )
    return lo, hi
