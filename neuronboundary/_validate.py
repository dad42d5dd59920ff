"""Input checks shared by the library: every error names the argument, what was seen and the fix."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np


def as_float_array(value: Any, name: str) -> np.ndarray:
    """Return ``value`` (numpy array, torch tensor, sequence, scalar, or any object with
    ``__array__``) as a float64 array.

    Raises ``TypeError`` naming ``name`` when it cannot be read as real numbers (None, text,
    complex numbers, ragged sequences).
    """
    if value is None:
        raise TypeError(
            f"{name} must be numbers (a numpy array, torch tensor or sequence); got None."
        )
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # torch.Tensor without importing torch
        value = value.detach().cpu()
        if value.is_complex():
            raise TypeError(f"{name} must be real numbers; got a complex tensor ({value.dtype}).")
        value = value.double().numpy()
    try:
        raw = np.asarray(value)
        if raw.dtype.kind in "USc":
            if raw.dtype.kind == "c":
                raise TypeError(
                    f"it holds complex numbers (dtype {raw.dtype}); pass .real if that is meant"
                )
            raise TypeError(f"it holds text (dtype {raw.dtype}); convert it to numbers first")
        array = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError, RuntimeError) as err:  # RuntimeError: tensors inside a list
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
        where = (
            "" if array.ndim == 0 else f"first at index {first if array.ndim > 1 else first[0]}: "
        )
        raise ValueError(
            f"{name} must be finite, but {int(bad.sum())} value(s) are NaN or inf "
            f"({where}{array[first]}); "
            f"remove or replace them."
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


# ---------------------------------------------------------------- scalars and indices
def unwrap_scalar(value: Any) -> Any:
    """A 0-d torch tensor or numpy array as its numpy scalar; anything else unchanged."""
    if hasattr(value, "detach") and hasattr(value, "cpu") and getattr(value, "ndim", None) == 0:
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    return value


def plain(value: Any) -> Any:
    """A numpy scalar, 0-d array or 0-d tensor as the Python number it holds, for messages
    (``5.0``, never ``np.float64(5.0)``); anything else unchanged."""
    value = unwrap_scalar(value)
    return value.item() if isinstance(value, np.generic) else value


def is_integer(value: Any) -> bool:
    """Whether ``value`` is one integer: int, numpy integer, 0-d integer array or tensor (no bool)."""
    value = unwrap_scalar(value)
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def as_int(value: Any, name: str, low: int | None = None, high: int | None = None) -> int:
    """Read one integer (int, numpy integer, 0-d integer array or tensor) in ``[low, high]``.

    Raises ``TypeError`` for anything that is not an integer (bool, float, text, arrays) and
    ``ValueError`` outside the range, both naming ``name``.
    """
    if not is_integer(value):
        hint = ""
        scalar = unwrap_scalar(value)
        real = isinstance(scalar, numbers.Real) and not isinstance(scalar, (bool, np.bool_))
        if real and float(scalar).is_integer():
            hint = f" Pass int({name}) if {float(scalar):g} is meant."
        elif real and np.isfinite(float(scalar)):
            hint = f" Pass a whole number, e.g. {name}={round(float(scalar))}."
        raise TypeError(
            f"{name} must be an integer; got {plain(value)!r} ({type(value).__name__}).{hint}"
        )
    result = int(unwrap_scalar(value))
    if (low is not None and result < low) or (high is not None and result > high):
        if high is None:
            expected = f">= {low}"
        elif low is None:
            expected = f"<= {high}"
        else:
            expected = f"in [{low}, {high}]"
        raise ValueError(f"{name} must be an integer {expected}; got {result}.")
    return result


def as_index(value: Any, name: str, size: int, allow_negative: bool = False) -> int:
    """Read an index into ``size`` items, returned in ``[0, size)``.

    Integers of any ordinary kind are accepted; ``allow_negative`` counts from the end as
    Python does. Raises ``TypeError`` for non-integers and ``IndexError`` out of range.
    """
    if not is_integer(value):
        raise TypeError(
            f"{name} must be an integer in [0, {size}); got {plain(value)!r} "
            f"({type(value).__name__})."
        )
    index = int(unwrap_scalar(value))
    low = -size if allow_negative else 0
    if not low <= index < size:
        negative = ", or negative to count from the end" if allow_negative else ""
        raise IndexError(f"{name} must be an integer in [0, {size}){negative}; got {index}.")
    return index % size


def as_float(value: Any, name: str) -> float:
    """Read one finite real number (Python, numpy, 0-d array or tensor of any float/int dtype)."""
    scalar = unwrap_scalar(value)
    if isinstance(scalar, (bool, np.bool_)) or not isinstance(scalar, numbers.Real):
        raise TypeError(
            f"{name} must be a real number; got {plain(value)!r} ({type(value).__name__})."
        )
    result = float(scalar)
    if not np.isfinite(result):
        raise ValueError(f"{name} must be a finite number; got {result}.")
    return result


def thresholds_vector(value: Any, m: int, name: str = "thresholds") -> np.ndarray:
    """Per-neuron thresholds as a finite float64 vector of shape (m,).

    Accepts a scalar (the same threshold for every neuron) or m numbers in any ordinary form:
    list, numpy array, torch tensor, :class:`~neuronboundary.QuantileThresholds` (anything with
    ``__array__``).
    """
    t = as_float_array(value, name)
    if t.ndim == 0:
        t = np.full(m, float(t))
    if t.shape != (m,):
        raise ValueError(
            f"{name} must be a scalar or have shape ({m},), one per neuron of this layer of "
            f"{m} neuron(s); got shape {t.shape}."
        )
    check_finite(t, name)
    return t


def as_selection(value: Any, name: str, size: int) -> slice | np.ndarray:
    """Read a selection of ``size`` items: one integer, a slice, integer indices or a boolean
    mask of length ``size`` (lists, numpy arrays or torch tensors). Returns a slice or an
    int64 index array in ``[0, size)``."""
    if isinstance(value, slice):
        return value
    if is_integer(value):
        return np.array([as_index(value, name, size, allow_negative=True)])
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        value = value.detach().cpu().numpy()
    array = np.asarray(value)
    if array.size == 0 and array.ndim == 1:
        return np.zeros(0, dtype=np.int64)
    if array.dtype == bool:
        if array.shape != (size,):
            raise IndexError(
                f"{name} as a boolean mask must have shape ({size},), one entry per item; "
                f"got shape {array.shape}."
            )
        return np.flatnonzero(array)
    if array.dtype.kind not in "iu" or array.ndim != 1:
        raise TypeError(
            f"{name} must be an integer, a slice, a 1-D array of integer indices or a boolean "
            f"mask; got {type(value).__name__} of dtype {array.dtype} and shape {array.shape}."
        )
    bad = (array < -size) | (array >= size)
    if bad.any():
        raise IndexError(
            f"{name} must hold indices in [0, {size}) (or negative to count from the end); "
            f"got {int(array[bad][0])}."
        )
    return array.astype(np.int64) % size
