"""Exact partition of a 1-D input interval into sub-intervals of constant sign pattern.

Each neuron ``y_n = w_n x + b_n`` (w_n != 0) changes sign once, at ``c_n = -b_n / w_n``.
Sorting the crossings inside the interval gives every sub-interval; the partition stores only
O(m) numbers (the first sub-interval's pattern and, per neuron, the breakpoint where it flips),
so it scales to millions of neurons. Dense sign rows are built on demand.

Conventions (the same everywhere in the package):

* Crossings are the float64 values ``-b / w`` (correctly rounded). Two neurons share a
  breakpoint when those floats are equal; no tolerance is applied.
* A sub-interval's pattern is the sign at its interior points. At a breakpoint the neurons that
  cross there are 0; every other neuron keeps its sign.
* A crossing that equals an end of the interval is not a breakpoint: inside the interval the
  neuron has one sign, and it is 0 only at that end point.
* A neuron with w = 0 never flips: its sign is ``sign(b)`` everywhere (0 when b = 0 too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neuronboundary._validate import as_float_array, check_finite
from neuronboundary._validate import interval as read_interval
from neuronboundary.layer import NeuronLayer, check_layer

__all__ = ["Partition1D", "crossing_points", "partition_1d"]

#: Largest number of entries (k * m) that ``Partition1D.signs`` materialises at once (int8).
DENSE_LIMIT = 200_000_000


def crossing_points(layer: NeuronLayer) -> np.ndarray:
    """Where each neuron of a 1-D layer changes sign, ``-b / w``; NaN for constant neurons.

    Same as :attr:`NeuronLayer.boundary_points`; shape (m,).
    """
    return layer.boundary_points


@dataclass(frozen=True, eq=False)
class Partition1D:
    """The exact sign-pattern partition of ``[lo, hi]`` (see :func:`partition_1d`).

    Attributes
    ----------
    breakpoints : numpy.ndarray
        Shape (k + 1,), sorted, strictly increasing; ``breakpoints[0] = lo``, ``breakpoints[-1] = hi``.
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
    """

    breakpoints: np.ndarray
    first_signs: np.ndarray
    flip_at: np.ndarray
    flip_order: np.ndarray
    flip_offsets: np.ndarray
    layer: NeuronLayer

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
        if not 1 <= i < k:
            raise IndexError(f"interior breakpoints are numbered 1 to {k - 1}; got {i}.")
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
        Inputs outside ``[lo, hi]`` raise ``ValueError``.
        """
        points = self._check_points(x)
        j = np.searchsorted(self.breakpoints, points, side="right") - 1
        return np.minimum(j, self.n_intervals - 1)

    def on_breakpoint(self, x: Any) -> np.ndarray:
        """Boolean mask: inputs that sit exactly on an interior breakpoint."""
        points = self._check_points(x)
        inner = self.breakpoints[1:-1]
        pos = np.searchsorted(inner, points)
        hit = pos < inner.shape[0]
        hit[hit] = inner[pos[hit]] == points[hit]
        return hit

    def signs_at(self, x: Any) -> np.ndarray:
        """Exact sign pattern at each input, int8 array (n, m).

        Inside a sub-interval this is that sub-interval's row; a neuron is 0 only where its
        output is exactly zero (see :meth:`NeuronLayer.signs`).
        """
        points = np.atleast_1d(self._check_points(x)).ravel()
        return self.layer.signs(points)

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


def _sort_ties_by_index(flip_order: np.ndarray, group: np.ndarray, new: np.ndarray) -> None:
    """Within each run of equal crossings, order the neurons by index (in place).

    Only the neurons in runs longer than one are touched, so the common no-tie case costs
    nothing beyond the check.
    """
    in_run = ~new
    in_run[:-1] |= ~new[1:]  # the first element of a run of length > 1
    pos = np.flatnonzero(in_run)
    flip_order[pos] = flip_order[pos][np.lexsort((flip_order[pos], group[pos]))]


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
    lo, hi = read_interval(interval, "interval")
    if domain is not None:
        dlo, dhi = read_interval(domain, "domain", allow_infinite=True)
        lo, hi = max(lo, dlo), min(hi, dhi)
        if not lo < hi:
            raise ValueError(
                f"interval {tuple(interval)} and domain {tuple(domain)} do not overlap in more "
                f"than a point; choose an interval inside the valid domain."
            )

    w = layer.weight[:, 0]
    b = layer.bias
    m = w.shape[0]
    cross = layer.boundary_points  # NaN where w == 0: never inside, never <= lo

    inside = (cross > lo) & (cross < hi)
    idx = np.flatnonzero(inside)
    c_in = cross[idx]
    order = np.argsort(c_in)  # numpy's SIMD quicksort: ~4x faster than a stable sort
    flip_order = idx[order]
    c_sorted = c_in[order]

    if c_sorted.size:
        new = np.empty(c_sorted.shape[0], dtype=bool)
        new[0] = True
        np.not_equal(c_sorted[1:], c_sorted[:-1], out=new[1:])
        group = np.cumsum(new)  # 1-based breakpoint index of each flip
        starts = np.flatnonzero(new)
        if starts.shape[0] < c_sorted.shape[0]:
            _sort_ties_by_index(flip_order, group, new)
        inner = c_sorted[starts]
        # offsets: 0, then where each breakpoint's run of flips ends
        flip_offsets = np.concatenate(([0], starts[1:], [c_sorted.shape[0]])).astype(np.int64)
    else:
        inner = c_sorted
        flip_offsets = np.zeros(1, dtype=np.int64)
        group = np.zeros(0, dtype=np.int64)

    breakpoints = np.concatenate(([lo], inner, [hi]))
    flip_at = np.full(m, -1, dtype=np.int64)
    flip_at[flip_order] = group

    # Sign just right of lo, decided combinatorially (no evaluation near a crossing):
    # a neuron whose crossing is <= lo is on its positive side iff w > 0.
    slope = np.sign(w).astype(np.int8)
    first = np.where(cross <= lo, slope, -slope).astype(np.int8)
    const = w == 0.0
    first[const] = np.sign(b[const]).astype(np.int8)

    return Partition1D(
        breakpoints=breakpoints,
        first_signs=first,
        flip_at=flip_at,
        flip_order=flip_order.astype(np.int64),
        flip_offsets=flip_offsets,
        layer=layer,
    )
