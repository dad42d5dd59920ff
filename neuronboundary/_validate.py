"""Input checks shared by the library: every error names the argument, what was seen and the fix."""

from __future__ import annotations

import numbers
from collections.abc import Callable
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
    if hasattr(value, "layer_sizes") and hasattr(value, "signs"):  # a Network or NeuronLayer
        raise TypeError(
            f"{name} must be numbers (a numpy array, torch tensor or sequence); got a "
            f"{type(value).__name__}. Pass an array made from it, e.g. layer.weight, layer.bias "
            f"or similarity(layer)."
        )
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # torch.Tensor without importing torch
        value = value.detach().cpu()
        if value.is_complex():
            raise TypeError(f"{name} must be real numbers; got a complex tensor ({value.dtype}).")
        value = value.double().numpy()
    try:
        try:
            raw = np.asarray(value)
        except RuntimeError:  # a tensor that requires grad inside a list
            if not isinstance(value, (list, tuple)):
                raise
            raw = np.asarray(_detached(value))
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


def _detached(value: Any) -> Any:
    """Nested lists and tuples with every torch tensor inside as a numpy array (numpy cannot
    read a tensor that requires grad)."""
    if isinstance(value, (list, tuple)):
        return [_detached(v) for v in value]
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        return value.detach().cpu().numpy()
    return value


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


def number_text(value: Any) -> str:
    """A number as users write it in messages: ``5.0``, ``0.1``, ``-3`` (never ``np.float64(5.0)``)."""
    value = unwrap_scalar(value)
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    return repr(value)


def read_box(value: Any, name: str = "box", dim: int = 2) -> tuple[tuple[float, float], ...]:
    """Read a box ``((x1_lo, x1_hi), (x2_lo, x2_hi), ...)`` of ``dim`` axes with finite ends and
    ``lo < hi`` on every axis."""
    array = as_float_array(value, name)
    if dim == 1 and array.shape == (2,):
        array = array[None, :]  # one axis given as the pair (lo, hi), as partition_1d takes it
    if array.shape != (dim, 2):
        spec = ", ".join(f"(x{i + 1}_lo, x{i + 1}_hi)" for i in range(dim))
        raise ValueError(
            f"{name} must be ({spec}{',' if dim == 1 else ''}), one (lo, hi) pair per input "
            f"dimension ({dim}); got shape {array.shape}."
        )
    check_finite(array, name)
    for axis in range(dim):
        lo, hi = array[axis]
        if not lo < hi:
            raise ValueError(
                f"{name} is empty or inverted on axis x{axis + 1}: ({number_text(lo)}, "
                f"{number_text(hi)}); each axis needs lo < hi."
            )
        with np.errstate(over="ignore"):
            if not np.isfinite(hi - lo):
                raise ValueError(
                    f"{name} is too wide on axis x{axis + 1}: hi - lo overflows float64 "
                    f"({number_text(lo)}, {number_text(hi)}); keep each width below 1.7e308."
                )
    return tuple((float(array[i, 0]), float(array[i, 1])) for i in range(dim))


def read_domain_interval(value: Any, domain: Any) -> tuple[float, float]:
    """``interval`` intersected with an optional ``domain`` (ends may be infinite)."""
    lo, hi = interval(value, "interval")
    if domain is not None:
        dlo, dhi = interval(domain, "domain", allow_infinite=True)
        lo, hi = max(lo, dlo), min(hi, dhi)
        if not lo < hi:
            raise ValueError(
                f"interval ({number_text(lo)}, {number_text(hi)}) and domain ({number_text(dlo)}, "
                f"{number_text(dhi)}) do not overlap in more than a point; choose an interval "
                f"inside the valid domain."
            )
    return lo, hi


def shown(value: Any) -> str:
    """A value as messages show it: numbers as users write them (``5.0``, not
    ``np.float64(5.0)``), sequences element by element, anything else by its repr."""
    value = unwrap_scalar(value)
    if isinstance(value, (numbers.Number, np.bool_)) and not isinstance(value, complex):
        return number_text(value)
    if isinstance(value, (list, tuple)):
        inner = ", ".join(shown(v) for v in value)
        return (
            f"[{inner}]"
            if isinstance(value, list)
            else f"({inner}{',' if len(value) == 1 else ''})"
        )
    return repr(value)


# ---------------------------------------------------------------- scalars and indices
def unwrap_scalar(value: Any) -> Any:
    """A 0-d torch tensor or numpy array as its numpy scalar; anything else unchanged."""
    if hasattr(value, "detach") and hasattr(value, "cpu") and getattr(value, "ndim", None) == 0:
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    return value


def as_written(value: Any) -> Any:
    """One number of a float dtype narrower than float64 (a numpy float32 or float16 scalar,
    a 0-d array or tensor of float32, float16 or bfloat16) as the shortest decimal that rounds
    to it in its dtype, i.e. as it prints and as the user wrote it: ``np.float32(0.1)`` is 0.1,
    not its widening 0.10000000149... Other 0-d arrays and tensors give their number; anything
    else is returned unchanged. For levels and shares, where that widening would move a rank.

    >>> as_written(np.float32(0.1)), as_written(np.array(0.25, np.float32))
    (0.1, 0.25)
    """
    if hasattr(value, "detach") and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        if value.is_floating_point() and value.element_size() < 8:  # float32, (b)float16
            return _shortest(value.item(), lambda d, t=value: bool(t.new_tensor(d) == t))
        return value.item()
    value = unwrap_scalar(value)
    if isinstance(value, (np.float16, np.float32)):
        return _shortest(float(value), lambda d, t=value: bool(t.dtype.type(d) == t))
    return value


def _shortest(value: float, same: Callable[[float], bool]) -> float:
    """The shortest decimal ``d`` with ``same(d)``: how ``repr`` prints a narrow float."""
    if not np.isfinite(value):
        return value
    for digits in range(1, 18):
        decimal = float(f"{value:.{digits}g}")
        if same(decimal):
            return decimal
    return value  # pragma: no cover - 17 digits always round-trip


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
            f"{name} must be an integer; got {shown(value)} ({type(value).__name__}).{hint}"
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


def as_seed(value: Any) -> int:
    """Read a seed for ``torch.manual_seed``: an integer in torch's range."""
    seed = as_int(value, "seed")
    if not -(2**63) <= seed < 2**64:
        raise ValueError(
            f"seed must be in torch's seed range [-2**63, 2**64 - 1]; got {seed}. "
            f"Use a smaller seed (e.g. seed % 2**64)."
        )
    return seed


def as_index(value: Any, name: str, size: int, allow_negative: bool = False) -> int:
    """Read an index into ``size`` items, returned in ``[0, size)``.

    Integers of any ordinary kind are accepted; ``allow_negative`` counts from the end as
    Python does. Raises ``TypeError`` for non-integers and ``IndexError`` out of range.
    """
    if not is_integer(value):
        raise TypeError(
            f"{name} must be an integer in [0, {size}); got {shown(value)} ({type(value).__name__})."
        )
    index = int(unwrap_scalar(value))
    low = -size if allow_negative else 0
    if not low <= index < size:
        negative = ", or negative to count from the end" if allow_negative else ""
        raise IndexError(f"{name} must be an integer in [0, {size}){negative}; got {index}.")
    return index % size


def _index_array(values: Any) -> np.ndarray:
    """Indices or a mask as a numpy array (tensors detached; ragged lists as an object array,
    which the readers then refuse by name)."""
    if hasattr(values, "detach") and hasattr(values, "cpu"):
        values = values.detach().cpu().numpy()
    try:
        return np.asarray(values)
    except (TypeError, ValueError):
        return np.asarray(values, dtype=object)


def as_indices(
    values: Any,
    name: str,
    size: int,
    *,
    keep_shape: bool = False,
    allow_negative: bool = True,
    kinds: str = "integer indices",
) -> np.ndarray:
    """Read indices into ``size`` items (one integer or a 1-D list, array or tensor of them;
    negative ones count from the end) as a 1-D intp array in ``[0, size)``. An empty list is
    an empty selection. ``keep_shape``: any shape, kept (a scalar stays 0-d).

    >>> as_indices([0, -1], "regions", 3).tolist()
    [0, 2]
    """
    idx = _index_array(values)
    if idx.size == 0 and idx.dtype.kind in "fO":
        idx = idx.astype(np.intp)  # [] reads as float64
    if idx.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must be {kinds}; got {shown(values)} of dtype {idx.dtype} and shape "
            f"{idx.shape}. Pass whole numbers, e.g. [0, 2]."
        )
    if idx.ndim > 1 and not keep_shape:
        raise ValueError(
            f"{name} must be one index or a 1-D list of them; got shape {idx.shape}. Pass "
            f"np.ravel({name}) and reshape the result."
        )
    idx = idx if keep_shape else np.atleast_1d(idx)
    low = -size if allow_negative else 0
    bad = idx[(idx < low) | (idx >= size)]
    if bad.size:
        negative = " (or negative to count from the end)" if allow_negative else ""
        raise IndexError(f"{name} must hold indices in [0, {size}){negative}; got {int(bad[0])}.")
    return (idx % max(size, 1)).astype(np.intp)


def as_breakpoint(value: Any, k: int, name: str = "i") -> int:
    """Read the number of an interior breakpoint of ``k`` sub-intervals, in ``[1, k)``.

    >>> as_breakpoint(np.int64(2), 3)
    2
    """
    i = as_int(value, name)
    if not 1 <= i < k:
        raise IndexError(
            f"{name} must be an interior breakpoint, numbered 1 to {k - 1}; got {i}."
            if k > 1
            else f"{name}={i}: there is no interior breakpoint (one sub-interval)."
        )
    return i


def as_float(value: Any, name: str) -> float:
    """Read one finite real number (Python, numpy, 0-d array or tensor of any float/int dtype)."""
    scalar = unwrap_scalar(value)
    if isinstance(scalar, (bool, np.bool_)) or not isinstance(scalar, numbers.Real):
        raise TypeError(
            f"{name} must be a real number; got {shown(value)} ({type(value).__name__})."
        )
    result = float(scalar)
    if not np.isfinite(result):
        raise ValueError(f"{name} must be a finite number; got {result}.")
    return result


def per_neuron(value: Any, m: int, name: str, what: str = "value") -> np.ndarray:
    """One finite float64 ``what`` per neuron, shape (m,): a scalar (the same for every neuron)
    or m numbers in any ordinary form (list, numpy array, torch tensor, anything with
    ``__array__``)."""
    kind = getattr(value, "dtype", None)
    if (
        isinstance(value, (bool, np.bool_))
        or str(kind) in ("bool", "torch.bool")
        or (
            isinstance(value, (list, tuple)) and any(isinstance(v, (bool, np.bool_)) for v in value)
        )
    ):
        raise TypeError(
            f"{name} must be numbers, one {what} per neuron or one for all; got booleans "
            f"({shown(value)}). A mask of neurons is no {what}: pass numbers (e.g. 0.0)."
        )
    t = as_float_array(value, name)
    if t.ndim == 0:
        t = np.full(m, float(t))
    if t.shape != (m,):
        raise ValueError(
            f"{name} must be a scalar or have shape ({m},), one {what} per neuron of this layer "
            f"of {m} neuron(s); got shape {t.shape}."
        )
    check_finite(t, name)
    return t


def thresholds_vector(value: Any, m: int, name: str = "thresholds") -> np.ndarray:
    """Per-neuron thresholds as a finite float64 vector of shape (m,): a scalar (the same
    threshold for every neuron) or m numbers, e.g. a
    :class:`~neuronboundary.QuantileThresholds`."""
    return per_neuron(value, m, name, "threshold")


def as_selection(value: Any, name: str, size: int) -> slice | np.ndarray:
    """Read a selection of ``size`` items: one integer, a slice, integer indices or a boolean
    mask of length ``size`` (lists, numpy arrays or torch tensors). Returns a slice or an
    int64 index array in ``[0, size)``."""
    if isinstance(value, slice):
        return value
    array = _index_array(value)
    if array.dtype == bool:
        if array.shape != (size,):
            raise IndexError(
                f"{name} as a boolean mask must have shape ({size},), one entry per item; "
                f"got shape {array.shape}."
            )
        return np.flatnonzero(array)
    kinds = "an integer, a slice, a 1-D array of integer indices or a boolean mask"
    return as_indices(value, name, size, kinds=kinds).astype(np.int64)


def as_whole_numbers(value: Any, name: str) -> np.ndarray:
    """Read whole numbers (integers of any kind, bools as 0 and 1, or floats without a
    fractional part, e.g. class labels stored as floats) as an int64 array of the same shape.

    Raises ``TypeError`` for text and for fractions (0.7 is no class), ``ValueError`` for NaN
    and infinity, both naming ``name``.

    >>> as_whole_numbers(np.array([1.0, 2.0]), "labels").tolist()
    [1, 2]
    """
    tensor = hasattr(value, "detach") and hasattr(value, "cpu")
    if tensor and not value.is_floating_point() and not value.is_complex():
        value = value.detach().cpu().numpy()
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError, RuntimeError):
        raw = None
    if raw is not None and raw.dtype.kind in "iub":
        return raw.astype(np.int64)
    array = as_float_array(value, name)
    check_finite(array, name)
    fraction = (array != np.round(array)) | (np.abs(array) >= 2.0**53)
    if fraction.any():
        first = tuple(int(i) for i in np.argwhere(fraction)[0])
        where = "" if array.ndim == 0 else f" at index {first if array.ndim > 1 else first[0]}"
        raise TypeError(
            f"{name} must be whole numbers (class indices such as 0, 1, 2); got "
            f"{number_text(array[first])}{where}. Map the values to classes first, e.g. "
            f"np.unique({name}, return_inverse=True)[1]."
        )
    return array.astype(np.int64)


def as_titles(value: Any, name: str, n: int) -> tuple[str, ...]:
    """Read ``n`` axis titles: a tuple or list of ``n`` strings."""
    example = ", ".join(f"'x{i + 1}'" for i in range(n))
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise TypeError(
            f"{name} must be a tuple of {n} strings, one per axis, e.g. ({example}); "
            f"got {shown(value)} ({type(value).__name__})."
        )
    if len(value) != n:
        raise ValueError(
            f"{name} must hold {n} titles, one per axis, e.g. ({example}); got {len(value)}: "
            f"{shown(value)}."
        )
    for i, title in enumerate(value):
        if not isinstance(title, str):
            raise TypeError(
                f"{name}[{i}] must be a string (an axis title); got {shown(title)} "
                f"({type(title).__name__})."
            )
    return tuple(value)


def named_items(value: Any, name: str, form: str) -> list[tuple[Any, Any]]:
    """The ``(name, item)`` pairs of a dict such as ``regions={"A": (lo, hi)}``; None gives none.
    ``form`` is how one item is written, for the message."""
    from collections.abc import Mapping

    if value is None:
        return []
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{name} must be a dict {{name: {form}}}, e.g. {{'A': {form}}}; got "
            f"{type(value).__name__}: {shown(value)}."
        )
    return list(value.items())
