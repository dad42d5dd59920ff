"""Exact 1-D slices of a network: the breakpoints where any neuron of any layer changes sign.

Algorithm (layer by layer, vectorised over pieces): layer 0 is partitioned exactly by
:func:`~neuronboundary.partition_1d`. Along the line every later layer's pre-activation is
continuous and affine on each current piece, so its values at the current breakpoints
(one matrix product per layer) determine it; a strict sign change between two consecutive
breakpoints is a root, found by linear interpolation, which subdivides the piece.

Numeric contract
----------------
* Layer 0: exact, identical to ``partition_1d`` (breakpoints ``-b / w`` correctly rounded; no
  tolerance).
* Deeper layers: values are float64 compositions and roots ``t_a + (t_b - t_a) z_a / (z_a - z_b)``
  are float64. A deeper root closer than ``tol * (hi - lo)`` to an existing breakpoint or to
  another root in the same piece is the same breakpoint (the neuron is declared zero there):
  rounding cannot create slivers. Default ``tol = 1e-9``.
* Signs on a piece are read from the values at its two ends, which (after snapping) never have
  strictly opposite signs: ``sign(z_a + z_b)``; a neuron zero at both ends is 0 (dead or
  constant zero along the slice).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from neuronboundary._validate import as_float_array, check_finite
from neuronboundary.groups import GroupRule
from neuronboundary.network import Network
from neuronboundary.partition import partition_1d

__all__ = ["NetworkPartition1D", "network_partition_1d"]


@dataclass(frozen=True, eq=False)
class NetworkPartition1D:
    """The sign-pattern partition of ``[lo, hi]`` for a network over a 1-D input.

    Same vocabulary as :class:`~neuronboundary.Partition1D`; neurons are the columns of a
    network pattern (all layers, see :attr:`Network.neuron_offsets`). Built by
    :func:`~neuronboundary.partition_1d` given a :class:`~neuronboundary.Network`.

    Attributes
    ----------
    breakpoints : numpy.ndarray
        Shape (k + 1,), strictly increasing, the interval's ends included.
    signs : numpy.ndarray
        Shape (k, N), int8: the pattern of each sub-interval (stored densely: a neuron of a
        deep layer may flip many times).
    values : numpy.ndarray
        Shape (k + 1, N), float64: every neuron's pre-activation at every breakpoint (exactly
        0 for the neurons flipping there), built on first access. Between breakpoints every
        neuron is affine, so ``(breakpoints, values[:, n])`` is neuron n's output along the line
        as a polyline.
    network : Network
        The (1-D) network.
    tol : float
    """

    breakpoints: np.ndarray
    signs: np.ndarray
    network: Network
    tol: float

    @cached_property
    def values(self) -> np.ndarray:
        """Every neuron's pre-activation at every breakpoint, float64 (k + 1, N), exactly 0 for
        the neurons flipping there (computed on first access by one forward pass)."""
        z = np.concatenate(self.network.preactivations(self.breakpoints[:, None]), axis=1)
        change = np.zeros(z.shape, dtype=bool)
        change[1:-1] = self.signs[1:] != self.signs[:-1]
        z[change] = 0.0
        return z

    @property
    def n_intervals(self) -> int:
        """Number of sub-intervals k."""
        return self.breakpoints.shape[0] - 1

    @property
    def n_neurons(self) -> int:
        """Number of neurons N (all layers)."""
        return self.signs.shape[1]

    @property
    def interval(self) -> tuple[float, float]:
        """``(lo, hi)``."""
        return float(self.breakpoints[0]), float(self.breakpoints[-1])

    @property
    def first_signs(self) -> np.ndarray:
        """The pattern of sub-interval 0, (N,)."""
        return self.signs[0]

    @property
    def midpoints(self) -> np.ndarray:
        """A point strictly inside each sub-interval, (k,)."""
        return 0.5 * (self.breakpoints[:-1] + self.breakpoints[1:])

    def __len__(self) -> int:
        return self.n_intervals

    def __repr__(self) -> str:
        lo, hi = self.interval
        return (
            f"NetworkPartition1D(interval=({lo:g}, {hi:g}), n_intervals={self.n_intervals}, "
            f"n_neurons={self.n_neurons}, layers={self.network.layer_sizes})"
        )

    def rows(self, intervals: Any) -> np.ndarray:
        """Patterns of the given sub-intervals, int8 (len, N)."""
        idx = np.atleast_1d(np.asarray(intervals))
        if idx.dtype.kind not in "iu":
            raise TypeError(f"intervals must be integer indices; got dtype {idx.dtype}.")
        k = self.n_intervals
        if idx.size and (idx.min() < -k or idx.max() >= k):
            raise IndexError(
                f"sub-interval indices must be in [0, {k}); got {idx.min()}..{idx.max()}."
            )
        return self.signs[idx % k]

    signs_of = rows

    def flips(self, i: int) -> np.ndarray:
        """Neurons (pattern columns, sorted) whose sign differs across interior breakpoint i."""
        k = self.n_intervals
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 1 <= i < k + 0:
            raise IndexError(f"interior breakpoints are numbered 1 to {k - 1}; got {i!r}.")
        return np.flatnonzero(self.signs[i - 1] != self.signs[i])

    def flip_pairs(self, i: int) -> np.ndarray:
        """``(layer, neuron)`` of the neurons flipping at interior breakpoint i, int64 (f, 2)."""
        return self.network.layer_of(self.flips(i))

    @property
    def breakpoint_layers(self) -> np.ndarray:
        """For each interior breakpoint, the first layer with a neuron flipping there, (k - 1,)."""
        change = self.signs[1:] != self.signs[:-1]
        off = self.network.neuron_offsets
        first = np.argmax(change, axis=1)
        return np.searchsorted(off, first, side="right") - 1

    def layer_signs(self, layer: int) -> np.ndarray:
        """The columns of ``signs`` that belong to ``layer``, int8 (k, m_layer)."""
        lay = self.network._check_layer_index(layer)
        off = self.network.neuron_offsets
        return self.signs[:, off[lay] : off[lay + 1]]

    def outputs(self, layer: int) -> np.ndarray:
        """Pre-activations of ``layer`` at every breakpoint, (k + 1, m_layer): the polylines
        of that layer's neurons along the line (apply the activation for post-activations)."""
        lay = self.network._check_layer_index(layer)
        off = self.network.neuron_offsets
        return self.values[:, off[lay] : off[lay + 1]]

    def polyline(self, layer: int, neuron: int) -> tuple[np.ndarray, np.ndarray]:
        """``(t, y)``: the exact polyline of one neuron's pre-activation along the line."""
        col = self.network.neuron_index(layer, neuron)
        return self.breakpoints.copy(), self.values[:, col].copy()

    def locate(self, x: Any) -> np.ndarray:
        """Sub-interval of each input (a point on a breakpoint belongs to the one on its right)."""
        points = self._check_points(x)
        j = np.searchsorted(self.breakpoints, points, side="right") - 1
        return np.minimum(j, self.n_intervals - 1)

    def on_breakpoint(self, x: Any) -> np.ndarray:
        """Boolean mask: inputs exactly on an interior breakpoint."""
        points = self._check_points(x)
        inner = self.breakpoints[1:-1]
        pos = np.searchsorted(inner, points)
        hit = pos < inner.shape[0]
        hit[hit] = inner[pos[hit]] == points[hit]
        return hit

    def signs_at(self, x: Any) -> np.ndarray:
        """Exact pattern at each input (see :meth:`Network.signs`), int8 (n, N)."""
        points = np.atleast_1d(self._check_points(x)).ravel()
        return self.network.signs(points[:, None])

    def group_ranges(
        self, group_rule: GroupRule, layer: int = 0
    ) -> tuple[np.ndarray, list[tuple[int, ...]]]:
        """Sub-ranges of the line on which ``group_rule`` on ``layer``'s pre-activations is
        constant: ``(breakpoints (r + 1,), groups)``.

        Every neuron is affine between breakpoints, so threshold crossings (threshold rules)
        and pairwise crossings (top-k) are solved per piece; the rule is then evaluated
        between consecutive candidates and equal neighbours are merged. A custom rule has no
        exact form and is refused.
        """
        if not isinstance(group_rule, GroupRule):
            raise TypeError(
                f"group_rule must be a GroupRule (positive(), above(q), top_k(k)); got {type(group_rule).__name__}."
            )
        if group_rule.thresholds is None and group_rule.k is None:
            raise TypeError(
                f"group rule {group_rule.name!r} has no exact sub-ranges; evaluate it at "
                f"inputs instead."
            )
        y = self.outputs(layer)
        t = self.breakpoints
        m = y.shape[1]
        cands = [t]
        ya, yb = y[:-1], y[1:]
        ta, tb = t[:-1, None], t[1:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            if group_rule.thresholds is not None:
                thr = np.broadcast_to(np.asarray(group_rule.thresholds, dtype=float), (m,))
                da, db = ya - thr, yb - thr
                cross = (da * db) < 0
                lam = da / (da - db)
                cands.append((ta + (tb - ta) * lam)[cross])
            else:
                i, j = np.triu_indices(m, k=1)
                da, db = ya[:, i] - ya[:, j], yb[:, i] - yb[:, j]
                cross = (da * db) < 0
                lam = da / (da - db)
                cands.append((ta + (tb - ta) * lam)[cross])
        edges = np.unique(np.concatenate(cands))
        mids = 0.5 * (edges[:-1] + edges[1:])
        piece = np.minimum(np.searchsorted(t, mids, side="right") - 1, self.n_intervals - 1)
        lam = ((mids - t[piece]) / (t[piece + 1] - t[piece]))[:, None]
        vals = y[piece] + lam * (y[piece + 1] - y[piece])
        masks = group_rule(vals)
        keep = np.concatenate([[True], np.any(masks[1:] != masks[:-1], axis=1)])
        bps = np.concatenate([edges[:-1][keep], [edges[-1]]])
        return bps, [tuple(np.flatnonzero(row).tolist()) for row in masks[keep]]

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


def network_partition_1d(
    network: Network, interval: Any, *, domain: Any = None, tol: float = 1e-9
) -> NetworkPartition1D:
    """Exact sign-pattern partition of an interval for a network over a 1-D input.

    Called by :func:`~neuronboundary.partition_1d` when given a :class:`~neuronboundary.Network`; see this
    module's docstring for the numeric contract.

    Parameters
    ----------
    network : Network with in_dim == 1 (see :func:`~neuronboundary.slice_1d`)
    interval : (lo, hi)
    domain : (lo, hi), optional, as in ``partition_1d``
    tol : float
        Deeper roots closer than ``tol * (hi - lo)`` to a breakpoint are that breakpoint.

    Returns
    -------
    NetworkPartition1D

    Examples
    --------
    >>> from neuronboundary import NeuronLayer, partition_1d
    >>> net = Network([NeuronLayer([[1.0], [-1.0]], [0.0, 1.0]), NeuronLayer([[1.0, 1.0]], [-1.5])])
    >>> p = partition_1d(net, (-2.0, 3.0))
    >>> p.breakpoints  # layer-0 kinks at 0 and 1; relu(x) + relu(1 - x) = 1.5 at -0.5 and 1.5
    array([-2. , -0.5,  0. ,  1. ,  1.5,  3. ])
    >>> p.flip_pairs(1).tolist()
    [[1, 0]]
    """
    if not isinstance(network, Network):
        raise TypeError(f"network must be a Network; got {type(network).__name__}.")
    if network.in_dim != 1:
        raise ValueError(
            f"partition_1d needs a network over a 1-D input; this network has in_dim="
            f"{network.in_dim}. Use slice_1d(network, origin, direction) to view it along a line."
        )
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < 1e-3:
        raise ValueError(f"tol must be a small number >= 0 (default 1e-9); got {tol!r}.")
    first = partition_1d(network.layers[0], interval, domain=domain)
    t = first.breakpoints
    lo, hi = float(t[0]), float(t[-1])
    eps = float(tol) * (hi - lo)
    layer0 = network.layers[0]
    z = np.outer(t, layer0.weight[:, 0]) + layer0.bias
    # neurons flipping at a breakpoint are exactly zero there
    fa = first.flip_at
    flipping = np.flatnonzero(fa >= 1)
    z[fa[flipping], flipping] = 0.0
    signs = first.signs
    sources = network.skip_sources
    carried = {0: t[:, None]} if 0 in sources else {}
    for lay in range(1, network.n_layers):
        layer = network.layers[lay]
        h = network._activate(z, lay - 1)
        for src, _, mat, off in network._skips_into(lay):
            h = h + carried[src] @ mat.T + off
        if lay in sources:
            carried[lay] = h
        z = h @ layer.weight.T + layer.bias
        t, z, signs, carried = _split(t, z, signs, eps, carried)
        # sign on each piece from its two ends (never strictly opposite after the split)
        signs = np.concatenate([signs, np.sign(z[:-1] + z[1:]).astype(np.int8)], axis=1)
    return NetworkPartition1D(
        breakpoints=t, signs=np.ascontiguousarray(signs), network=network, tol=float(tol)
    )


def _split(
    t: np.ndarray, z: np.ndarray, signs: np.ndarray, eps: float, carried: dict
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """Subdivide the pieces of ``t`` at the strict sign changes of ``z`` (values at ``t``)."""
    za, zb = z[:-1], z[1:]
    piece, neuron = np.nonzero((za > 0) & (zb < 0) | (za < 0) & (zb > 0))
    if piece.size == 0:
        return t, z, signs, carried
    a, b = za[piece, neuron], zb[piece, neuron]
    ta, tb = t[piece], t[piece + 1]
    root = ta + (tb - ta) * (a / (a - b))
    # snap to an end of the piece: the neuron is declared zero there
    near_a = root - ta <= eps
    near_b = (tb - root <= eps) & ~near_a
    z = z.copy()
    z[piece[near_a], neuron[near_a]] = 0.0
    z[piece[near_b] + 1, neuron[near_b]] = 0.0
    inner = ~(near_a | near_b)
    piece, neuron, root = piece[inner], neuron[inner], root[inner]
    if piece.size == 0:
        return t, z, signs, carried
    order = np.lexsort((neuron, root))
    piece, neuron, root = piece[order], neuron[order], root[order]
    # roots within eps of the previous one (in the same piece) are the same breakpoint
    new = np.ones(root.shape[0], dtype=bool)
    new[1:] = (piece[1:] != piece[:-1]) | (root[1:] - root[:-1] > eps)
    group = np.cumsum(new) - 1
    pts = root[new]
    pts_piece = piece[new]
    # the new breakpoints' values: linear interpolation inside their piece (the layer is affine
    # there), and exactly 0 for the neurons whose root it is
    lam = ((pts - t[pts_piece]) / (t[pts_piece + 1] - t[pts_piece]))[:, None]

    def interp(arr: np.ndarray) -> np.ndarray:
        return arr[pts_piece] + lam * (arr[pts_piece + 1] - arr[pts_piece])

    znew = interp(z)
    znew[group, neuron] = 0.0
    # merge: new point j goes after old breakpoint pts_piece[j]
    n_old = t.shape[0]
    pos_old = np.arange(n_old) + np.searchsorted(pts_piece, np.arange(n_old), side="left")
    pos_new = pts_piece + 1 + np.arange(pts.shape[0])
    total = n_old + pts.shape[0]

    def merge(old: np.ndarray, extra: np.ndarray) -> np.ndarray:
        out = np.empty((total, *old.shape[1:]), dtype=old.dtype)
        out[pos_old] = old
        out[pos_new] = extra
        return out

    t2 = merge(t, pts)
    z2 = merge(z, znew)
    # each old piece j now spans several pieces: repeat its pattern
    counts = np.ones(n_old - 1, dtype=np.int64)
    np.add.at(counts, pts_piece, 1)
    signs2 = np.repeat(signs, counts, axis=0)
    carried2 = {k: merge(v, interp(v)) for k, v in carried.items()}
    return t2, z2, signs2, carried2
