"""Exact partition of a 1-D input interval into sub-intervals of constant sign pattern.

Each neuron ``y_n = w_n x + b_n`` (w_n != 0) changes sign once, at ``c_n = -b_n / w_n``.
Sorting the crossings inside the interval gives every sub-interval; the partition stores only
O(m) numbers (the first sub-interval's pattern and, per neuron, the breakpoint where it flips),
so it scales to millions of neurons. Dense sign rows are built on demand.

Conventions (the same everywhere in the package):

* Crossings are the exact rationals ``-b / w`` of the float64 numbers given (``(t - b) / w``
  for a threshold t). Their order, which of them coincide (share a breakpoint), which lie
  inside the interval, and where an input falls are decided exactly: a float filter decides
  almost everything, ``fractions.Fraction`` the rest. No tolerance is applied.
* ``breakpoints`` holds each crossing as a float64 (correctly rounded where the filter or the
  exact path produced it, within a few ulps otherwise). Two different exact crossings can
  round to the same float: they are two breakpoints with equal float values, and the
  sub-interval between them contains no float input.
* A sub-interval's pattern is the sign at its interior points. At a breakpoint the neurons that
  cross there are 0; every other neuron keeps its sign.
* A crossing that equals an end of the interval is not a breakpoint: inside the interval the
  neuron has one sign, and it is 0 only at that end point.
* A neuron with w = 0 never flips: its sign is ``sign(b)`` everywhere (0 when b = 0 too).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from neuronboundary._exact import affine_signs
from neuronboundary._validate import as_float_array, as_int, check_finite
from neuronboundary._validate import interval as read_interval
from neuronboundary.layer import NeuronLayer, check_layer

__all__ = ["Partition1D", "crossing_points", "partition_1d"]

#: Largest number of entries (k * m) that ``Partition1D.signs`` materialises at once (int8).
DENSE_LIMIT = 200_000_000


def crossing_points(layer: NeuronLayer) -> np.ndarray:
    """Where each neuron of a 1-D layer changes sign, ``-b / w``; NaN for constant neurons.

    Same as :attr:`NeuronLayer.boundary_points`; shape (m,).

    >>> crossing_points(NeuronLayer([[2.0], [0.0]], [-1.0, 3.0]))
    array([0.5, nan])
    """
    check_layer(layer, "crossing_points", in_dim=1)
    return layer.boundary_points


@dataclass(frozen=True, eq=False)
class Partition1D:
    """The exact sign-pattern partition of ``[lo, hi]`` (see :func:`partition_1d`).

    Attributes
    ----------
    breakpoints : numpy.ndarray
        Shape (k + 1,), sorted (strictly increasing in exact arithmetic; see the module notes
        for floats that coincide); ``breakpoints[0] = lo``, ``breakpoints[-1] = hi``.
        Sub-interval ``j`` is ``(breakpoints[j], breakpoints[j + 1])``.
    first_signs : numpy.ndarray
        Shape (m,), int8: the sign pattern of sub-interval 0.
    flip_at : numpy.ndarray
        Shape (m,), int64: for each neuron, the index ``i`` (1 <= i < k + 1) of the breakpoint where it changes
        sign, or ``-1`` if it keeps its sign over the whole interval.
    flip_order : numpy.ndarray
        Shape (f,), int64: the f neurons that flip, ordered by breakpoint (ties by neuron index).
    flip_offsets : numpy.ndarray
        Shape (k,), int64: ``flip_order[flip_offsets[i - 1]:flip_offsets[i]]`` flip at ``breakpoints[i]``
        (``flip_offsets[0] = 0``). Use :meth:`flips` to read them.
    layer : NeuronLayer
        The (1-D) layer that was partitioned.
    thresholds : numpy.ndarray or None
        Shape (m,): when set, this is the partition of ``y - thresholds`` (the crossings are
        ``(t - b) / w``, computed without rounding ``b - t``); ``None`` for ``y`` itself.
    breakpoint_error : numpy.ndarray or None
        Shape (k + 1,): a bound on ``|breakpoints[i] - exact crossing|``; 0 where the float is
        the correctly rounded crossing. ``None`` means all 0.
    """

    breakpoints: np.ndarray
    first_signs: np.ndarray
    flip_at: np.ndarray
    flip_order: np.ndarray
    flip_offsets: np.ndarray
    layer: NeuronLayer
    thresholds: np.ndarray | None = None
    breakpoint_error: np.ndarray | None = None

    @property
    def n_intervals(self) -> int:
        """Number of sub-intervals k."""
        return self.breakpoints.shape[0] - 1

    @property
    def n_neurons(self) -> int:
        """Number of neurons m."""
        return self.first_signs.shape[0]

    @property
    def interval(self) -> tuple[float, float]:
        """The partitioned interval ``(lo, hi)``."""
        return float(self.breakpoints[0]), float(self.breakpoints[-1])

    def __len__(self) -> int:
        return self.n_intervals

    def __repr__(self) -> str:
        lo, hi = self.interval
        return (
            f"Partition1D(interval=({lo:g}, {hi:g}), n_intervals={self.n_intervals}, "
            f"n_neurons={self.n_neurons})"
        )

    def flips(self, i: int) -> np.ndarray:
        """Neurons (sorted indices) that change sign at interior breakpoint ``i`` (1 <= i < k)."""
        k = self.n_intervals
        i = as_int(i, "i")
        if not 1 <= i < k:
            raise IndexError(
                f"i must be an interior breakpoint, numbered 1 to {k - 1}; got {i}."
                if k > 1
                else f"i={i}: this partition has no interior breakpoint (one sub-interval)."
            )
        return self.flip_order[self.flip_offsets[i - 1] : self.flip_offsets[i]]

    def rows(self, intervals: Any) -> np.ndarray:
        """Sign patterns of the given sub-intervals: int8 array (len(intervals), m).

        Each row costs O(m); ask only for the rows you need when m and k are large.
        """
        idx = np.atleast_1d(np.asarray(intervals))
        if idx.dtype.kind not in "iu":
            raise TypeError(f"intervals must be integer indices; got dtype {idx.dtype}.")
        k = self.n_intervals
        if idx.size and (idx.min() < -k or idx.max() >= k):
            raise IndexError(
                f"sub-interval indices must be in [0, {k}); got {idx.min()}..{idx.max()}."
            )
        idx = idx % k
        flipped = (self.flip_at[None, :] >= 1) & (self.flip_at[None, :] <= idx[:, None])
        return np.where(flipped, -self.first_signs, self.first_signs).astype(np.int8)

    @property
    def signs(self) -> np.ndarray:
        """Dense sign patterns, int8 array (k, m), one row per sub-interval.

        Built on each access; refuses (MemoryError) beyond ``DENSE_LIMIT`` entries: use
        :meth:`rows`, :meth:`flips` or :attr:`first_signs` then.
        """
        k, m = self.n_intervals, self.n_neurons
        if k * m > DENSE_LIMIT:
            raise MemoryError(
                f"the dense sign matrix would hold {k} x {m} = {k * m:,} entries (limit "
                f"{DENSE_LIMIT:,}); read rows on demand with partition.rows(indices) or the "
                f"flips at each breakpoint with partition.flips(i)."
            )
        return self.rows(np.arange(k))

    @property
    def midpoints(self) -> np.ndarray:
        """A point strictly inside each sub-interval, shape (k,)."""
        return 0.5 * (self.breakpoints[:-1] + self.breakpoints[1:])

    def locate(self, x: Any) -> np.ndarray:
        """Sub-interval index of each input, int64 array of x's shape.

        A point exactly on an interior breakpoint belongs to the sub-interval on its right
        (``breakpoints[j] <= x < breakpoints[j + 1]``); ``hi`` belongs to the last one. Use
        :meth:`on_breakpoint` to find such points and :meth:`signs_at` for their exact pattern.
        Decided exactly against the rational crossings. Inputs outside ``[lo, hi]`` raise
        ``ValueError``.
        """
        points = self._check_points(x)
        flat = points.ravel()
        j = np.searchsorted(self.breakpoints, flat, side="right") - 1
        j = np.minimum(j, self.n_intervals - 1)
        for n in self._unsure_points(flat):
            j[n] = self._exact_count(float(flat[n]))
        return j.reshape(points.shape)

    def on_breakpoint(self, x: Any) -> np.ndarray:
        """Boolean mask: inputs that sit exactly on an interior breakpoint (exact)."""
        points = self._check_points(x)
        flat = points.ravel()
        hit = np.zeros(flat.shape[0], dtype=bool)
        for n in self._unsure_points(flat):
            xn = Fraction(float(flat[n]))
            hit[n] = any(self._compare(i, xn) == 0 for i in range(1, self.n_intervals))
        return hit.reshape(points.shape)

    def signs_at(self, x: Any) -> np.ndarray:
        """Exact sign pattern at each input, int8 array (n, m).

        Inside a sub-interval this is that sub-interval's row; a neuron is 0 only where its
        output (minus its threshold, for a group partition) is exactly zero.
        """
        points = np.atleast_1d(self._check_points(x)).ravel()
        if self.thresholds is None:
            return self.layer.signs(points)
        wb = np.column_stack([self.layer.weight[:, 0], self.layer.bias])
        ones = np.column_stack([points, np.ones_like(points)])
        return affine_signs(wb, -self.thresholds, ones)

    def exact_breakpoint(self, i: int) -> Fraction:
        """Interior breakpoint ``i`` (1 <= i < k) as the exact rational crossing."""
        i = as_int(i, "i")
        if not 1 <= i < self.n_intervals:
            raise IndexError(
                f"interior breakpoints are numbered 1 to {self.n_intervals - 1}; got {i}."
            )
        return self._root(int(self.flip_order[self.flip_offsets[i - 1]]))

    # -- exact helpers ----------------------------------------------------------------

    def _root(self, n: int) -> Fraction:
        t = 0.0 if self.thresholds is None else float(self.thresholds[n])
        return _exact_root(float(self.layer.weight[n, 0]), float(self.layer.bias[n]), t)

    def _compare(self, i: int, x: Fraction) -> int:
        """sign(x - exact breakpoint i) for an interior breakpoint."""
        r = self._root(int(self.flip_order[self.flip_offsets[i - 1]]))
        return (x > r) - (x < r)

    def _exact_count(self, x: float) -> int:
        """Number of interior breakpoints <= x (binary search with exact comparisons)."""
        xf = Fraction(x)
        lo, hi = 1, self.n_intervals  # answer in [0, k - 1]: count of i in [1, k) with r_i <= x
        while lo < hi:
            mid = (lo + hi) // 2
            if self._compare(mid, xf) >= 0:
                lo = mid + 1
            else:
                hi = mid
        return min(lo - 1, self.n_intervals - 1)

    def _unsure_points(self, flat: np.ndarray) -> np.ndarray:
        """Inputs that the float breakpoints cannot place for certain (within the error bound
        of an interior breakpoint, equality included)."""
        inner = self.breakpoints[1:-1]
        if inner.size == 0:
            return np.zeros(0, dtype=np.int64)
        err = np.zeros_like(inner) if self.breakpoint_error is None else self.breakpoint_error[1:-1]
        pos = np.searchsorted(inner, flat)
        near = np.zeros(flat.shape[0], dtype=bool)
        for shift in (-1, 0):
            k = np.clip(pos + shift, 0, inner.shape[0] - 1)
            near |= np.abs(flat - inner[k]) <= err[k]
        if err.any():  # a run of near-equal breakpoints: check every point near any of them
            lo = np.searchsorted(inner + err, flat, side="left")
            hi = np.searchsorted(inner - err, flat, side="right")
            near |= hi > lo
        return np.flatnonzero(near)

    # -- helpers --------------------------------------------------------------------

    def _check_points(self, x: Any) -> np.ndarray:
        points = as_float_array(x, "x")
        check_finite(points, "x")
        lo, hi = self.interval
        outside = (points < lo) | (points > hi)
        if outside.any():
            bad = points[outside].ravel()[0]
            raise ValueError(
                f"x must lie in the partitioned interval [{lo:g}, {hi:g}]; {int(outside.sum())} "
                f"input(s) do not (first: {bad:g}). Partition a wider interval to locate them."
            )
        return points


def _exact_root(w: float, b: float, t: float = 0.0) -> Fraction:
    """The crossing ``(t - b) / w`` of one neuron, as an exact rational."""
    return (Fraction(t) - Fraction(b)) / Fraction(w)


def _float_roots(
    w: np.ndarray, b: np.ndarray, t: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Float crossings ``(t - b) / w`` and a bound on their error (``None``: all correctly
    rounded).

    ``-b / w`` is one correctly rounded division. With a threshold, ``t - b`` is checked with
    an error-free transformation (TwoSum): when exact, one rounding again (bound 0, meaning
    "correctly rounded"); otherwise two roundings, at most ``3u |c|`` off (we allow ``4u |c|``).
    Non-finite results (overflow) get an infinite bound: the exact path decides them.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if t is None:
            return -b / w + 0.0, None  # + 0.0: no negative zero
        num = t - b
        bb = num - t
        exact_num = ((t - (num - bb)) + (-b - bb) == 0) & np.isfinite(num)
        c = num / w + 0.0
        err = np.where(exact_num, 0.0, 4.0 * 2.0**-53 * np.abs(c) + 1e-300)
    err[~np.isfinite(c) & (w != 0)] = np.inf
    return c, err


def _sorted_crossings(
    c: np.ndarray, err: np.ndarray, idx: np.ndarray, root: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sort the crossings ``c[idx]`` exactly; equal exact values form one breakpoint.

    Returns (flip_order, group (1-based breakpoint of each), breakpoint floats, their errors).
    Float order is certain where the error intervals are disjoint (prefix maximum of
    ``c + err`` below the suffix minimum of ``c - err``; strict inequality for correctly
    rounded values); the remaining runs, ties included, are sorted by their exact value.
    """
    c_in = c[idx]
    order = np.argsort(c_in)  # numpy's SIMD quicksort: ~4x faster than a stable sort
    flip_order = idx[order]
    cs = c_in[order]
    es = None if err is None else err[flip_order]
    n = cs.shape[0]
    if n == 0:
        return flip_order, np.zeros(0, np.int64), cs, es
    if es is not None and es.any():
        upper = np.maximum.accumulate(cs + es)
        lower = np.minimum.accumulate((cs - es)[::-1])[::-1]
        certain = upper[:-1] < lower[1:]
    else:
        certain = cs[1:] > cs[:-1]
    if certain.all():
        return flip_order, np.arange(1, n + 1, dtype=np.int64), cs, es
    # runs joined by uncertain links: sort exactly by (root, index), group equal roots
    new = np.concatenate([[True], certain])
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], n)
    group = np.empty(n, dtype=np.int64)
    values, errors = [], []
    g = 0
    for s, e in zip(starts, ends, strict=True):
        if e - s == 1:
            g += 1
            group[s] = g
            values.append(cs[s])
            errors.append(0.0 if es is None else es[s])
            continue
        members = sorted((root(int(k)), int(k)) for k in flip_order[s:e])
        previous = None
        for pos, (value, k) in enumerate(members, start=s):
            flip_order[pos] = k
            if value != previous:
                g += 1
                values.append(float(value))
                errors.append(0.0)
                previous = value
            group[pos] = g
    errors_array = np.array(errors)
    return flip_order, group, np.array(values), errors_array if errors_array.any() else None


def _partition(
    layer: NeuronLayer, lo: float, hi: float, t: np.ndarray | None = None
) -> Partition1D:
    """The exact partition of ``[lo, hi]`` by the sign of ``w x + b - t``."""
    w = layer.weight[:, 0]
    b = layer.bias
    m = w.shape[0]
    const = w == 0.0
    c, err = _float_roots(w, b, t)
    tt = np.zeros(m) if t is None else t

    def root(n: int) -> Fraction:
        return _exact_root(float(w[n]), float(b[n]), float(tt[n]))

    # where each crossing lies against lo and hi: certain by the filter, else exact
    with np.errstate(invalid="ignore"):  # inf - inf: undecided, the exact path takes it
        if err is None:  # correctly rounded: only a float equal to an end is undecided
            above_lo, below_hi = c > lo, c < hi
            unsure = (c == lo) | (c == hi)
            below_lo = ~above_lo & ~const
        else:
            above_lo = (c - err > lo) & ~const
            below_lo = (c + err < lo) & ~const
            below_hi = (c + err < hi) & ~const
            above_hi = (c - err > hi) & ~const
            unsure = ~const & (~(above_lo | below_lo) | ~(below_hi | above_hi))
    for n in np.flatnonzero(unsure):
        r = root(int(n))
        above_lo[n], below_lo[n], below_hi[n] = r > lo, r <= lo, r < hi
    inside = above_lo & below_hi
    flip_order, group, inner, inner_err = _sorted_crossings(c, err, np.flatnonzero(inside), root)
    for g in np.flatnonzero(~np.isfinite(inner)):  # overflow in the float path: exact value
        inner[g] = float(root(int(flip_order[np.searchsorted(group, g + 1)])))
        if inner_err is not None:
            inner_err[g] = 0.0
    if group.shape[0] == inner.shape[0]:  # no shared breakpoint: one flip each
        flip_offsets = np.arange(inner.shape[0] + 1, dtype=np.int64)
    else:
        counts = np.bincount(group, minlength=inner.shape[0] + 1)[1:]
        flip_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    breakpoints = np.concatenate(([lo], inner, [hi]))
    errors = None if inner_err is None else np.concatenate(([0.0], inner_err, [0.0]))
    flip_at = np.full(m, -1, dtype=np.int64)
    flip_at[flip_order] = group

    # Sign just right of lo, decided combinatorially (no evaluation near a crossing):
    # a neuron whose crossing is <= lo is on its positive side iff w > 0.
    slope = np.sign(w).astype(np.int8)
    first = np.where(below_lo, slope, -slope).astype(np.int8)
    if t is None:
        first[const] = np.sign(b[const]).astype(np.int8)
    else:  # constant neurons: sign(b - t), exactly
        for n in np.flatnonzero(const):
            first[n] = (Fraction(float(b[n])) > Fraction(float(t[n]))) - (
                Fraction(float(b[n])) < Fraction(float(t[n]))
            )

    return Partition1D(
        breakpoints=breakpoints,
        first_signs=first,
        flip_at=flip_at,
        flip_order=flip_order.astype(np.int64),
        flip_offsets=flip_offsets,
        layer=layer,
        thresholds=t,
        breakpoint_error=errors if errors is not None and errors.any() else None,
    )


def read_domain_interval(interval: Any, domain: Any) -> tuple[float, float]:
    """``interval`` intersected with an optional ``domain`` (ends may be infinite)."""
    lo, hi = read_interval(interval, "interval")
    if domain is not None:
        dlo, dhi = read_interval(domain, "domain", allow_infinite=True)
        lo, hi = max(lo, dlo), min(hi, dhi)
        if not lo < hi:
            raise ValueError(
                f"interval {tuple(float(v) for v in interval)} and domain "
                f"{tuple(float(v) for v in domain)} do not overlap in more than a point; "
                f"choose an interval inside the valid domain."
            )
    return lo, hi


def partition_1d(layer: NeuronLayer, interval: Any, *, domain: Any = None) -> Partition1D:
    """Exact partition of a closed interval into sub-intervals of constant sign pattern.

    Parameters
    ----------
    layer : NeuronLayer
        A layer over a 1-D input (in_dim == 1); view a wider layer along a line with
        :func:`~neuronboundary.slice_1d` first.
    interval : (lo, hi)
        Finite ends, ``lo < hi``.
    domain : (lo, hi), optional
        Valid inputs, ends may be infinite (e.g. ``(0, inf)`` after a ReLU: the article's
        "invalid" negative half). The partition covers ``interval ∩ domain``.

    Returns
    -------
    Partition1D
        ``.breakpoints`` (k + 1,), ``.signs`` (k, m) on demand, ``.flips(i)``, ``.locate(x)``.
        The tie, end-point and w = 0 conventions are in this module's docstring.

    Cost: O(m log m) time (one sort of the crossings inside the interval), O(m) memory.

    Examples
    --------
    >>> layer = NeuronLayer([[1.0], [-1.0], [2.0]], [-1.0, 1.0, 0.0])
    >>> p = partition_1d(layer, (-2.0, 3.0))
    >>> p.breakpoints
    array([-2.,  0.,  1.,  3.])
    >>> p.signs
    array([[-1,  1, -1],
           [-1,  1,  1],
           [ 1, -1,  1]], dtype=int8)
    >>> p.flips(2)  # neurons 0 and 1 share the boundary x = 1
    array([0, 1])
    >>> p.locate([-1.0, 0.5, 2.0])
    array([0, 1, 2])
    """
    if not isinstance(layer, NeuronLayer):  # a Network (issue 11): layer by layer
        from neuronboundary.network import Network

        if isinstance(layer, Network):
            from neuronboundary.network_partition import network_partition_1d

            return network_partition_1d(layer, interval, domain=domain)
    check_layer(layer, "partition_1d", in_dim=1)
    lo, hi = read_domain_interval(interval, domain)
    return _partition(layer, lo, hi)
