"""Exact partition of a 1-D input interval into sub-intervals of constant sign pattern, for a
layer or a network of any depth.

For one layer each neuron ``y_n = w_n x + b_n`` (w_n != 0) changes sign once, at
``c_n = -b_n / w_n``; sorting the crossings inside the interval gives every sub-interval, and the
partition stores only O(m) numbers (the first sub-interval's pattern and the neurons that flip
at each breakpoint), so it scales to millions of neurons. A deeper network is affine on each
sub-interval of the layers before, so each later layer's neurons are cut on each sub-interval
(``_cutting``); a neuron may then change sign many times, and each change is stored.

Conventions (the same everywhere in the package):

* Breakpoints are the exact rational roots of the float64 network given (``(t - b) / w`` for a
  threshold t on one layer). Their order, which of them coincide (share a breakpoint), which lie
  inside the interval, and where an input falls are decided exactly: a float filter decides
  almost everything, exact integers the rest. No tolerance is applied.
* ``breakpoints`` holds each root as a float64 within ``breakpoint_error`` of the exact value
  (0: correctly rounded). Two different exact roots can round to the same float: they are two
  breakpoints with equal float values, and the sub-interval between them contains no float.
* A sub-interval's pattern is the sign at its interior points. At a breakpoint the neurons that
  change there are 0; every other neuron keeps its sign. A root that equals an end of the
  interval is not a breakpoint. A neuron with w = 0 (or identically zero on a sub-interval of a
  deep network) has the sign of its constant there (0 when that is 0 too).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from neuronboundary import _exact
from neuronboundary._cutting import (
    Emitted,
    Intervals,
    cut_layer_1d,
    descend,
    first_inputs,
    roots,
)
from neuronboundary._hyperplanes import Hyperplanes
from neuronboundary._validate import (
    as_breakpoint,
    as_float_array,
    as_indices,
    check_finite,
    read_domain_interval,
)
from neuronboundary.decision import DecisionIntervals, decision_network, labels_from_signs, runs
from neuronboundary.network import Network, NeuronLayer, as_network, check_layer

__all__ = ["Partition1D", "crossing_points", "partition_1d"]

#: Largest number of entries (k * N) that ``Partition1D.signs`` materialises at once (int8).
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
        Shape (N,), int8: the sign pattern of sub-interval 0.
    flip_order : numpy.ndarray
        Shape (f,), int64: the neurons that change sign, breakpoint by breakpoint (sorted within
        a breakpoint).
    flip_offsets : numpy.ndarray
        Shape (k,), int64: ``flip_order[flip_offsets[i - 1]:flip_offsets[i]]`` change at
        ``breakpoints[i]`` (``flip_offsets[0] = 0``). Use :meth:`flips` to read them.
    flip_signs : numpy.ndarray or None
        Shape (f,), int8: each change's new sign; ``None`` when every change is a flip to the
        opposite sign (one layer).
    network : Network
        The (1-D) network or layer that was partitioned.
    thresholds : numpy.ndarray or None
        Shape (m,): when set (one layer), this is the partition of ``y - thresholds`` (the
        crossings are ``(t - b) / w``, computed without rounding ``b - t``).
    breakpoint_error : numpy.ndarray or None
        Shape (k + 1,): a bound on ``|breakpoints[i] - exact root|``; 0 where the float is the
        correctly rounded root. ``None`` means all 0.
    """

    breakpoints: np.ndarray
    first_signs: np.ndarray
    flip_order: np.ndarray
    flip_offsets: np.ndarray
    network: Network
    thresholds: np.ndarray | None = None
    breakpoint_error: np.ndarray | None = None
    flip_signs: np.ndarray | None = None
    _table: Hyperplanes | None = None
    _lines: np.ndarray | None = None  # table line of each breakpoint (deep)
    _out_maps: np.ndarray | None = None  # (k, 2, out) relative to _origin (deep)
    _out_errs: np.ndarray | None = None
    _origin: float = 0.0

    @property
    def layer(self) -> Network:
        """The partitioned network (kept for code written for one layer)."""
        return self.network

    @property
    def n_intervals(self) -> int:
        """Number of sub-intervals k."""
        return self.breakpoints.shape[0] - 1

    @property
    def n_neurons(self) -> int:
        """Number of neurons N (all layers)."""
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

    # ------------------------------------------------------------------ changes
    @cached_property
    def _change_at(self) -> np.ndarray:
        """The (1-based) breakpoint of each entry of :attr:`flip_order`."""
        counts = np.diff(self.flip_offsets)
        return np.repeat(np.arange(1, counts.shape[0] + 1), counts)

    @cached_property
    def _new_signs(self) -> np.ndarray:
        if self.flip_signs is not None:
            return self.flip_signs
        return -self.first_signs[self.flip_order]

    @property
    def flip_at(self) -> np.ndarray:
        """For each neuron, the first breakpoint ``i`` (1 <= i < k) where it changes sign, or
        ``-1`` if it keeps its sign over the whole interval; int64 (N,)."""
        out = np.full(self.n_neurons, -1, dtype=np.int64)
        rev = slice(None, None, -1)
        out[self.flip_order[rev]] = self._change_at[rev]
        return out

    def flips(self, i: int) -> np.ndarray:
        """Neurons (sorted columns) that change sign at interior breakpoint ``i`` (1 <= i < k)."""
        i = as_breakpoint(i, self.n_intervals)
        return self.flip_order[self.flip_offsets[i - 1] : self.flip_offsets[i]]

    def flip_pairs(self, i: int) -> np.ndarray:
        """``(layer, neuron)`` of the neurons changing at interior breakpoint i, int64 (f, 2)."""
        return self.network.layer_of(self.flips(i))

    @property
    def breakpoint_layers(self) -> np.ndarray:
        """For each interior breakpoint, the first layer with a neuron changing there, (k - 1,)."""
        first = self.flip_order[self.flip_offsets[: self.n_intervals - 1]]
        return self.network.layer_of(first)[..., 0] if first.size else np.zeros(0, np.int64)

    # ------------------------------------------------------------------ patterns
    def rows(self, intervals: Any) -> np.ndarray:
        """Sign patterns of the given sub-intervals: int8 array (len(intervals), N).

        Each row costs O(N log f); ask only for the rows you need when N and k are large.
        """
        k = self.n_intervals
        idx = as_indices(intervals, "intervals", k)
        if self.flip_signs is None:  # one change per neuron at most: compare with flip_at
            fa = self.flip_at
            flipped = (fa[None, :] >= 1) & (fa[None, :] <= idx[:, None])
            return np.where(flipped, -self.first_signs, self.first_signs).astype(np.int8)
        # the last change at or before each row, per neuron
        key = self.flip_order * (k + 1) + self._change_at
        order = np.argsort(key, kind="stable")
        skey = key[order]
        out = np.empty((idx.shape[0], self.n_neurons), dtype=np.int8)
        cols = np.arange(self.n_neurons)
        for r, j in enumerate(idx.tolist()):
            pos = np.searchsorted(skey, cols * (k + 1) + j, side="right") - 1
            ok = (pos >= 0) & (skey[np.maximum(pos, 0)] // (k + 1) == cols)
            out[r] = np.where(ok, self._new_signs[order[np.maximum(pos, 0)]], self.first_signs)
        return out

    signs_of = rows

    @property
    def signs(self) -> np.ndarray:
        """Dense sign patterns, int8 array (k, N), one row per sub-interval.

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
        if self.flip_signs is None:
            return self.rows(np.arange(k))
        out = np.empty((k, m), dtype=np.int8)
        out[0] = self.first_signs
        row = self.first_signs.copy()
        for i in range(1, k):
            sl = slice(self.flip_offsets[i - 1], self.flip_offsets[i])
            row[self.flip_order[sl]] = self._new_signs[sl]
            out[i] = row
        return out

    def layer_signs(self, layer: int) -> np.ndarray:
        """The columns of :attr:`signs` that belong to ``layer``, int8 (k, m_layer)."""
        lay = self.network._check_layer_index(layer)
        off = self.network.neuron_offsets
        return self.signs[:, off[lay] : off[lay + 1]]

    @property
    def midpoints(self) -> np.ndarray:
        """A point strictly inside each sub-interval whose float neighbours allow one, (k,)."""
        return 0.5 * (self.breakpoints[:-1] + self.breakpoints[1:])

    # ------------------------------------------------------------------ values along the line
    @cached_property
    def values(self) -> np.ndarray:
        """Every neuron's pre-activation at every breakpoint, float64 (k + 1, N), exactly 0 for
        the neurons changing there (a forward pass at the float breakpoints). Between
        breakpoints every neuron is affine, so ``(breakpoints, values[:, n])`` is neuron n's
        output along the line as a polyline."""
        z = np.concatenate(self.network.preactivations(self.breakpoints[:, None]), axis=1)
        z[self._change_at, self.flip_order] = 0.0
        return z

    def outputs(self, layer: int) -> np.ndarray:
        """Pre-activations of ``layer`` at every breakpoint, (k + 1, m_layer): the polylines of
        that layer's neurons along the line (apply the activation for post-activations)."""
        lay = self.network._check_layer_index(layer)
        off = self.network.neuron_offsets
        return self.values[:, off[lay] : off[lay + 1]]

    def polyline(self, layer: int, neuron: int) -> tuple[np.ndarray, np.ndarray]:
        """``(t, y)``: the polyline of one neuron's pre-activation along the line."""
        col = self.network.neuron_index(layer, neuron)
        return self.breakpoints.copy(), self.values[:, col].copy()

    def decision_intervals(self) -> DecisionIntervals:
        """The sub-intervals of constant predicted class, exactly (see
        :class:`~neuronboundary.decision.DecisionIntervals`): the network is extended by a layer
        of exact output differences and partitioned by the same engine.

        >>> net = Network([NeuronLayer([[1.0], [-1.0]], [0.0, 0.5])])  # 2 outputs
        >>> di = partition_1d(net, (-1.0, 1.0)).decision_intervals()
        >>> di.breakpoints.tolist(), di.labels.tolist()  # class 0 where x >= 0.5 - x
        ([-1.0, 0.25, 1.0], [1, 0])
        """
        ext, i, j = decision_network(self.network)
        part = partition_1d(ext, self.interval)
        labels = labels_from_signs(part.layer_signs(-1), i, j, self.network.out_dim)
        starts, run_of = runs(labels)
        bps = np.concatenate([part.breakpoints[starts], part.breakpoints[-1:]])
        return DecisionIntervals(bps, labels[starts], part, run_of)

    # ------------------------------------------------------------------ points
    def locate(self, x: Any) -> np.ndarray:
        """Sub-interval index of each input, int64 array of x's shape.

        A point exactly on an interior breakpoint belongs to the sub-interval on its right
        (``breakpoints[j] <= x < breakpoints[j + 1]``); ``hi`` belongs to the last one. Use
        :meth:`on_breakpoint` to find such points and :meth:`signs_at` for their exact pattern.
        Decided exactly against the rational breakpoints. Inputs outside ``[lo, hi]`` raise
        ``ValueError``.
        """
        points = self._check_points(x)
        flat = points.ravel()
        j = np.searchsorted(self.breakpoints, flat, side="right") - 1
        j = np.minimum(j, self.n_intervals - 1)
        for n in self._unsure_points(flat).tolist():
            j[n] = self._exact_count(float(flat[n]))
        return j.reshape(points.shape)

    def on_breakpoint(self, x: Any) -> np.ndarray:
        """Boolean mask: inputs that sit exactly on an interior breakpoint (exact)."""
        points = self._check_points(x)
        flat = points.ravel()
        hit = np.zeros(flat.shape[0], dtype=bool)
        for n in self._unsure_points(flat).tolist():
            hit[n] = any(self._compare(i, float(flat[n])) == 0 for i in range(1, self.n_intervals))
        return hit.reshape(points.shape)

    def signs_at(self, x: Any) -> np.ndarray:
        """Exact sign pattern at each input, int8 array (n, N).

        Inside a sub-interval this is that sub-interval's row; a neuron is 0 only where its
        output (minus its threshold, for a group partition) is exactly zero.
        """
        points = np.atleast_1d(self._check_points(x)).ravel()
        if self.thresholds is None:
            return self.network.signs(points[:, None])
        wb = np.column_stack([self.network.weight[:, 0], self.network.bias])
        ones = np.column_stack([points, np.ones_like(points)])
        return _exact.affine_signs(wb, -self.thresholds, ones)

    def exact_breakpoint(self, i: int) -> Fraction:
        """Interior breakpoint ``i`` (1 <= i < k) as the exact rational root."""
        return self._root(as_breakpoint(i, self.n_intervals))

    # -- exact helpers ----------------------------------------------------------------
    def _root(self, i: int) -> Fraction:
        if self._lines is not None:
            root = _exact.root_of(self._table.exact(int(self._lines[i])))
            return _exact.shifted([self._origin], [root])[0]
        n = int(self.flip_order[self.flip_offsets[i - 1]])
        t = 0.0 if self.thresholds is None else float(self.thresholds[n])
        layer = self.network
        return _exact.threshold_root(float(layer.weight[n, 0]), float(layer.bias[n]), t)

    def _compare(self, i: int, x: Any) -> int:
        """sign(x - exact breakpoint i) for an interior breakpoint."""
        return _exact.compare(x, self._root(i))

    def _exact_count(self, x: float) -> int:
        """Number of interior breakpoints <= x (binary search with exact comparisons)."""
        xf = _exact.exact_value(x)
        lo, hi = 1, self.n_intervals
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


# ====================================================================== one layer
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
        err = np.where(exact_num, 0.0, 4.0 * _exact.U * np.abs(c) + _exact.UNDERFLOW)
    err[~np.isfinite(c) & (w != 0)] = np.inf
    return c, err


def layer_partition(
    layer: NeuronLayer, lo: float, hi: float, t: np.ndarray | None = None
) -> Partition1D:
    """The exact partition of ``[lo, hi]`` by the sign of ``w x + b - t`` for one layer."""
    w = layer.weight[:, 0]
    b = layer.bias
    m = w.shape[0]
    const = w == 0.0
    c, err = _float_roots(w, b, t)
    tt = np.zeros(m) if t is None else t

    def root(n: int) -> Fraction:
        return _exact.threshold_root(float(w[n]), float(b[n]), float(tt[n]))

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
    for n in np.flatnonzero(unsure).tolist():
        r = root(n)
        above_lo[n] = _exact.compare(r, lo) > 0
        below_lo[n] = not above_lo[n]
        below_hi[n] = _exact.compare(r, hi) < 0
    idx = np.flatnonzero(above_lo & below_hi)
    order, starts, inner, inner_err = _exact.distinct_sorted(
        c[idx], None if err is None else err[idx], lambda k: root(int(idx[k]))
    )
    flip_order = idx[order]
    n_in = flip_order.shape[0]
    flip_offsets = np.concatenate([starts, [n_in]]).astype(np.int64)
    if n_in and starts.shape[0] < n_in:  # sorted neuron indices within a shared breakpoint
        group = np.repeat(np.arange(starts.shape[0]), np.diff(flip_offsets))
        flip_order = flip_order[np.lexsort((flip_order, group))]
    breakpoints = np.concatenate(([lo], inner, [hi]))
    errors = None if inner_err is None else np.concatenate(([0.0], inner_err, [0.0]))
    # sign just right of lo, decided combinatorially: a neuron whose crossing is <= lo is on
    # its positive side iff w > 0
    slope = (w > 0).view(np.int8) - (w < 0).view(np.int8)
    first = np.where(below_lo, slope, -slope)
    if t is None:
        first[const] = np.sign(b[const]).astype(np.int8)
    else:  # constant neurons: sign(b - t), exactly
        for n in np.flatnonzero(const).tolist():
            first[n] = _exact.compare(float(b[n]), float(t[n]))
    return Partition1D(
        breakpoints=breakpoints,
        first_signs=first,
        flip_order=flip_order.astype(np.int64),
        flip_offsets=flip_offsets,
        network=layer,
        thresholds=t,
        breakpoint_error=errors if errors is not None and errors.any() else None,
    )


# ====================================================================== networks
def partition_1d(network: Network, interval: Any, *, domain: Any = None) -> Partition1D:
    """Exact partition of a closed interval into sub-intervals of constant sign pattern.

    Parameters
    ----------
    network : Network or NeuronLayer
        Over a 1-D input (in_dim == 1); view a wider one along a line with
        :func:`~neuronboundary.slice_1d` first.
    interval : (lo, hi)
        Finite ends, ``lo < hi``.
    domain : (lo, hi), optional
        Valid inputs, ends may be infinite (e.g. ``(0, inf)`` after a ReLU: the article's
        "invalid" negative half). The partition covers ``interval ∩ domain``.

    Returns
    -------
    Partition1D
        ``.breakpoints`` (k + 1,), ``.signs`` (k, N) on demand, ``.flips(i)``, ``.locate(x)``.
        The tie, end-point and w = 0 conventions are in this module's docstring.

    Notes
    -----
    One layer: O(m log m) time (one sort of the crossings inside the interval), O(m) memory. A
    deeper layer: one matrix product per sub-interval of the layers before (its maps), then
    the roots on each.

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
    >>> net = Network([NeuronLayer([[1.0], [-1.0]], [0.0, 1.0]), NeuronLayer([[1.0, 1.0]], [-1.5])])
    >>> q = partition_1d(net, (-2.0, 3.0))
    >>> q.breakpoints  # layer-0 kinks at 0 and 1; relu(x) + relu(1 - x) = 1.5 at -0.5 and 1.5
    array([-2. , -0.5,  0. ,  1. ,  1.5,  3. ])
    >>> q.flip_pairs(1).tolist()
    [[1, 0]]
    """
    net = as_network(network, "partition_1d", in_dim=1)
    lo, hi = read_domain_interval(interval, domain)
    first = layer_partition(net.layers[0], lo, hi)
    if net.n_layers == 1 and not net.skips:
        return first
    return _deep(net, first, lo, hi)


def _deep(net: Network, first: Partition1D, lo: float, hi: float) -> Partition1D:
    """Cut the first layer's sub-intervals by every later layer and gather the breakpoints."""
    layer0 = net.layers[0]
    origin = np.array([lo + (hi - lo) / 2])
    table = Hyperplanes(net, origin, hi - lo)
    k0 = first.n_intervals
    # the first layer's breakpoints as table lines: the interval ends, then each breakpoint's
    # first neuron (a root of w x + b)
    reps = first.flip_order[first.flip_offsets[: k0 - 1]] if k0 > 1 else np.zeros(0, np.int64)
    absolute = np.vstack(
        [[[1.0, -lo], [1.0, -hi]], np.column_stack([layer0.weight[reps, 0], layer0.bias[reps]])]
    )
    rel, rel_err = _exact.translate(absolute, origin)
    ids = table.add_fixed(absolute, rel, rel_err)
    line_of_bp = np.concatenate([[ids[0]], ids[2:], [ids[1]]])
    t_rel, t_rad = roots(
        *_normalised(rel[[0, *range(2, len(ids)), 1]], rel_err[[0, *range(2, len(ids)), 1]])
    )
    ivs = Intervals(
        np.column_stack([t_rel[:-1], t_rel[1:]]),
        np.column_stack([t_rad[:-1], t_rad[1:]]),
        np.column_stack([line_of_bp[:-1], line_of_bp[1:]]),
    )
    signs0 = first.signs
    state = first_inputs(net, origin, signs0)
    out = Emitted()
    descend(table, net, 1, ivs, signs0, state, out, cut_layer_1d)
    t = np.concatenate([p.t for p in out.polys])
    rad = np.concatenate([p.rad for p in out.polys])
    line = np.concatenate([p.line for p in out.polys])
    patterns = np.concatenate(out.signs)
    # consecutive pieces share a breakpoint: the breakpoints are the left ends, then hi
    bp_rel = np.concatenate([t[:, 0], t[-1:, 1]])
    bp_rad = np.concatenate([rad[:, 0], rad[-1:, 1]])
    bp_line = np.concatenate([line[:, 0], line[-1:, 1]])
    breakpoints = bp_rel + origin[0]
    breakpoints[0], breakpoints[-1] = lo, hi
    errors = bp_rad + 2 * _exact.U * np.abs(breakpoints)
    errors[0] = errors[-1] = 0.0
    k = patterns.shape[0]
    change = patterns[1:] != patterns[:-1]
    at, col = np.nonzero(change)
    counts = np.bincount(at, minlength=k - 1)
    flip_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return Partition1D(
        breakpoints=breakpoints,
        first_signs=patterns[0].copy(),
        flip_order=col.astype(np.int64),
        flip_offsets=flip_offsets if k > 1 else np.zeros(1, np.int64),
        network=net,
        breakpoint_error=errors,
        flip_signs=patterns[1:][change].astype(np.int8),
        _table=table,
        _lines=bp_line,
        _out_maps=np.concatenate(out.maps),
        _out_errs=np.concatenate(out.errs),
        _origin=float(origin[0]),
    )


def _normalised(rows: np.ndarray, errs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from neuronboundary._hyperplanes import normalise

    return normalise(rows, errs)
