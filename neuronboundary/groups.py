"""Group functions: which neurons form a group at an input, and the exact input sub-ranges that
share a group.

A *group rule* maps the outputs of a layer at some inputs, shape (n, m), to a boolean membership
mask (n, m). Named rules: :func:`positive` (the article's G1), :func:`above` (G2: positive and at
or above a per-neuron threshold such as a dataset quantile), :func:`top_k`, and :func:`rule` for
any callable. For threshold rules the sub-ranges of a 1-D input are exact
(:func:`group_partition_1d`); :func:`group_ranges` also handles top-k exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from neuronboundary import _exact
from neuronboundary._exact import affine_signs
from neuronboundary._validate import (
    as_breakpoint,
    as_float_array,
    as_index,
    as_int,
    check_finite,
    read_domain_interval,
    thresholds_vector,
)
from neuronboundary.decision import runs
from neuronboundary.network import Network, NeuronLayer, as_network, check_layer, difference_layer
from neuronboundary.partition import DENSE_LIMIT, Partition1D, layer_partition, partition_1d

__all__ = [
    "GroupPartition1D",
    "GroupRule",
    "above",
    "group_partition_1d",
    "group_ranges",
    "positive",
    "rule",
    "top_k",
]


# ====================================================================== exact sub-ranges
@dataclass(frozen=True, eq=False)
class GroupPartition1D:
    """Exact sub-ranges of an interval on which a group of neurons is constant.

    Built by :func:`group_partition_1d`. For a threshold rule (``{n : y_n(x) > t_n}``, which
    covers :func:`positive` and :func:`above`) it stores O(m): the sign partition of
    ``y - t``, each neuron crossing its threshold once at most. For :func:`top_k` (a neuron
    may enter and leave several times) it stores one membership row per sub-range.

    Attributes
    ----------
    breakpoints : numpy.ndarray
        Shape (k + 1,), sorted, the interval's ends included (floats of exact crossings, as in
        :class:`~neuronboundary.Partition1D`).
    thresholds : numpy.ndarray or None
        Shape (m,), the per-neuron thresholds ``t_n`` of a threshold rule; ``None`` for top-k.
    partition : Partition1D or None
        The sign partition of ``y - t``; its ``flips(i)`` are the neurons changing at
        breakpoint i. ``None`` for top-k.
    rule : str
        The rule's name: ``"threshold"`` for plain thresholds, ``"positive"``, ``"above"``,
        ``"top-k"``.
    """

    breakpoints: np.ndarray
    thresholds: np.ndarray | None
    partition: Partition1D | None
    rule: str = "threshold"
    member_rows: np.ndarray | None = None
    breakpoint_pairs: np.ndarray | None = None
    layer: NeuronLayer | None = None
    source: Partition1D | None = None
    range_of: np.ndarray | None = None

    @property
    def n_ranges(self) -> int:
        """Number of sub-ranges k."""
        return self.breakpoints.shape[0] - 1

    @property
    def n_neurons(self) -> int:
        """Number of neurons m."""
        if self.partition is not None:
            return self.partition.n_neurons
        return self.member_rows.shape[1]

    def __len__(self) -> int:
        return self.n_ranges

    def __repr__(self) -> str:
        lo, hi = self.breakpoints[0], self.breakpoints[-1]
        return (
            f"GroupPartition1D(rule={self.rule!r}, interval=({lo:g}, {hi:g}), "
            f"n_ranges={self.n_ranges})"
        )

    @property
    def first_group(self) -> tuple[int, ...]:
        """Group of sub-range 0 (sorted neuron indices)."""
        return self.group(0)

    def _row(self, j: int) -> np.ndarray:
        if self.partition is None:
            return self.member_rows[j]
        return self.partition.rows([j])[0] > 0

    def group(self, j: int) -> tuple[int, ...]:
        """Group of sub-range ``j`` (sorted neuron indices), built in O(m)."""
        j = as_index(j, "j", self.n_ranges, allow_negative=True)
        return tuple(np.flatnonzero(self._row(j)).tolist())

    @property
    def groups(self) -> list[tuple[int, ...]]:
        """Group of every sub-range, one sorted tuple each (materialised on demand)."""
        if self.n_ranges * self.n_neurons > DENSE_LIMIT:
            raise MemoryError(
                f"{self.n_ranges} sub-ranges x {self.n_neurons} neurons is too many to "
                f"materialise; use group(j), entering(i) and leaving(i)."
            )
        return [tuple(np.flatnonzero(row).tolist()) for row in self.membership()]

    def membership(self) -> np.ndarray:
        """Boolean (k, m): neuron n is in the group of sub-range j."""
        if self.partition is None:
            return self.member_rows.copy()
        return self.partition.signs > 0

    def entering(self, i: int) -> np.ndarray:
        """Neurons joining the group at interior breakpoint ``i`` (1 <= i < k)."""
        i = self._check_breakpoint(i)
        if self.partition is None:
            return np.flatnonzero(self.member_rows[i] & ~self.member_rows[i - 1])
        flips = self.partition.flips(i)
        return flips[self.partition.rows([i])[0][flips] > 0]

    def leaving(self, i: int) -> np.ndarray:
        """Neurons leaving the group at interior breakpoint ``i`` (1 <= i < k)."""
        i = self._check_breakpoint(i)
        if self.partition is None:
            return np.flatnonzero(~self.member_rows[i] & self.member_rows[i - 1])
        flips = self.partition.flips(i)
        return flips[self.partition.rows([i])[0][flips] < 0]

    def locate(self, x: Any) -> np.ndarray:
        """Sub-range index of each input (same convention as :meth:`Partition1D.locate`:
        a point on a breakpoint belongs to the sub-range on its right; decided exactly)."""
        if self.partition is not None:
            return self.partition.locate(x)
        if self.source is not None:
            return self.range_of[self.source.locate(x)]
        points = as_float_array(x, "x")
        check_finite(points, "x")
        lo, hi = float(self.breakpoints[0]), float(self.breakpoints[-1])
        if ((points < lo) | (points > hi)).any():
            raise ValueError(
                f"x must lie in the grouped interval [{lo:g}, {hi:g}]; partition a wider "
                f"interval to locate other inputs."
            )
        flat = points.ravel()
        j = np.minimum(np.searchsorted(self.breakpoints, flat, side="right") - 1, self.n_ranges - 1)
        inner = self.breakpoints[1:-1]
        if inner.size:
            # the float breakpoints are within 4 U of the exact crossings (see _top_k_partition)
            near = (
                np.abs(flat[:, None] - inner[None, :])
                <= 4 * _exact.U * np.abs(inner) + _exact.UNDERFLOW
            )
            w, b = self.layer.weight[:, 0], self.layer.bias
            for n in np.flatnonzero(near.any(axis=1)).tolist():
                count = 0
                for i, j_pair in enumerate(self.breakpoint_pairs):
                    if _exact.compare(_pair_crossing(w, b, *j_pair), float(flat[n])) <= 0:
                        count = i + 1
                j[n] = min(count, self.n_ranges - 1)
        return j.reshape(points.shape)

    def _check_breakpoint(self, i: Any) -> int:
        return as_breakpoint(i, self.n_ranges)


def _thresholds(thresholds: Any, m: int) -> np.ndarray:
    return thresholds_vector(thresholds, m)


def group_partition_1d(
    network: Network, interval: Any, group: Any = 0.0, *, layer: int = 0, domain: Any = None
) -> GroupPartition1D:
    """Exact sub-ranges of ``interval`` on which a group of one layer's neurons is constant.

    Parameters
    ----------
    network : Network or NeuronLayer with in_dim == 1
        For a wide input, view it along a direction first with
        :func:`~neuronboundary.slice_1d`.
    interval : (lo, hi)
    group : GroupRule, scalar or array-like (m,)
        A rule: :func:`positive` (G1), :func:`above` (the article's G2: positive and at or
        above a per-neuron threshold such as ``quantile_thresholds(acts, 0.75)``) or
        :func:`top_k`; or plain thresholds t, for the group ``{n : y_n(x) > t_n}`` (0: G1).
    layer : int
        Which layer's neurons form the groups (their pre-activations ``y``); default 0, the
        only layer of a NeuronLayer.
    domain : optional valid-input range, as in :func:`~neuronboundary.partition_1d`

    Returns
    -------
    GroupPartition1D
        ``.breakpoints`` (k + 1,), ``.groups``, ``.entering(i)``, ``.leaving(i)``,
        ``.locate(x)``.

    Notes
    -----
    Exact for the float64 numbers given: thresholds are not folded into the biases (that
    would round ``b - t``); the crossings ``(t_n - b_n) / w_n`` are ordered and located as in
    :func:`~neuronboundary.partition_1d`. For top-k the candidate breakpoints are the pairwise
    crossings of the guidelines, ordered exactly, and each sub-range's top k is ranked exactly
    (ties between identical neurons go to the lower index). For a deeper layer the network is
    extended by one exact layer (``y - t``, or the differences ``y_i - y_j`` for top-k: O(m^2)
    neurons) and partitioned by the same engine. A custom :func:`rule` has no exact form:
    evaluate it at inputs with ``rule.groups(layer, x)``.

    Examples
    --------
    >>> layer = NeuronLayer([[1.0], [-1.0], [2.0]], [0.0, 1.0, -1.0])
    >>> gp = group_partition_1d(layer, (-1.0, 2.0))
    >>> gp.breakpoints
    array([-1. ,  0. ,  0.5,  1. ,  2. ])
    >>> gp.groups
    [(1,), (0, 1), (0, 1, 2), (0, 2)]
    >>> gp.entering(1), gp.leaving(3)
    (array([0]), array([1]))
    >>> group_partition_1d(layer, (-1.0, 2.0), above(0.5)).groups  # G2 with q = 0.5
    [(1,), (0,), (0, 2)]
    >>> gp = group_partition_1d(layer, (-1.0, 2.0), top_k(1))
    >>> gp.breakpoints.tolist(), gp.groups
    ([-1.0, 0.5, 1.0, 2.0], [(1,), (0,), (2,)])
    """
    net = as_network(network, "group_partition_1d", in_dim=1)
    lay = net._check_layer_index(layer)
    lo, hi = read_domain_interval(interval, domain)
    m = net.layer_sizes[lay]
    named = {"positive": "positive()", "above": "above(thresholds)", "top_k": "top_k(k)"}
    if isinstance(group, str) and group.strip().lower().replace("-", "_") in named:
        fix = named[group.strip().lower().replace("-", "_")]
        raise TypeError(
            f"group must be a GroupRule or thresholds; got the text {group!r}: pass the rule "
            f"itself, nb.{fix}."
        )
    if isinstance(group, GroupRule):
        if group.k is not None:
            if group.k > m:
                raise ValueError(f"k={group.k} is larger than the number of neurons {m}.")
            if lay == 0:
                return _top_k_partition(net.layers[0], lo, hi, group.k, group.name)
            return _deep_groups(net, lay, lo, hi, None, group.k, group.name)
        if group.thresholds is None:
            raise TypeError(
                f"group rule {group.name!r} has no exact sub-ranges; evaluate it at inputs "
                f"with rule.groups(layer, x), or use positive(), above(q) or top_k(k)."
            )
        t, name = _thresholds(group.thresholds, m), group.name
    elif callable(group):
        raise TypeError(
            f"group must be a GroupRule (positive(), above(q), top_k(k)) or thresholds; got "
            f"{type(group).__name__}. A bare function has no exact sub-ranges: wrap it with "
            f"rule(fn) and evaluate it at inputs."
        )
    else:
        t, name = _thresholds(group, m), "threshold"
    if lay > 0:
        return _deep_groups(net, lay, lo, hi, t, None, name)
    layer0 = net.layers[0]
    part = layer_partition(layer0, lo, hi, t)
    return GroupPartition1D(
        breakpoints=part.breakpoints, thresholds=t, partition=part, rule=name, layer=layer0
    )


def _deep_groups(
    net: Network, lay: int, lo: float, hi: float, t: np.ndarray | None, k: int | None, name: str
) -> GroupPartition1D:
    """Groups of a deeper layer: the network up to that layer, extended by one exact layer
    whose signs are the memberships (``y - t``, or ``y_i - y_j`` for top-k), partitioned by the
    engine; sub-intervals with the same group are merged."""
    m = net.layer_sizes[lay]
    if k is None:
        extra = NeuronLayer(np.eye(m), -t)
    else:
        extra, i, j = difference_layer(m)
    slopes = [*net.negative_slopes[:lay], np.ones(m), np.ones(extra.n_neurons)]
    skips = [tuple(sk) for sk in net.skips if sk.target <= lay]
    ext = Network([*net.layers[: lay + 1], extra], slopes, skips)
    part = partition_1d(ext, (lo, hi))
    signs = part.layer_signs(-1)
    if k is None:
        member = signs > 0
    else:  # neuron n is in the top k when fewer than k others rank above it
        beats = np.zeros((signs.shape[0], m, m), dtype=bool)  # beats[r, a, b]: a ranks above b
        beats[:, i, j] = signs >= 0  # ties go to the lower index
        beats[:, j, i] = signs < 0
        member = beats.sum(axis=1) < k
    starts, range_of = runs(member)
    bps = np.concatenate([part.breakpoints[starts], part.breakpoints[-1:]])
    return GroupPartition1D(
        breakpoints=bps,
        thresholds=t,
        partition=None,
        rule=name,
        member_rows=member[starts],
        layer=None,
        source=part,
        range_of=range_of,
    )


def _pair_crossing(w: np.ndarray, b: np.ndarray, i: int, j: int) -> Fraction:
    """Where guidelines i and j cross, ``(b_j - b_i) / (w_i - w_j)``, exactly."""
    return _exact.pair_crossing(float(w[i]), float(b[i]), float(w[j]), float(b[j]))


def _exact_top(w: np.ndarray, b: np.ndarray, x: Any, k: int) -> np.ndarray:
    row = np.zeros(w.shape[0], dtype=bool)
    row[_exact.ranking_at(w[:, None], b, [x])[:k]] = True
    return row


def _top_k_partition(
    layer: NeuronLayer, lo: float, hi: float, k: int, name: str
) -> GroupPartition1D:
    """Exact top-k sub-ranges: candidates are the pairwise guideline crossings (O(m^2))."""
    w, b = layer.weight[:, 0], layer.bias
    m = w.shape[0]
    if k > m:
        raise ValueError(f"k={k} is larger than the number of neurons {m}.")
    i, j = np.triu_indices(m, k=1)
    # (b_j - b_i) / (w_i - w_j): two subtractions and a division, 3 roundings (4 U allowed)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        c = (b[j] - b[i]) / (w[i] - w[j]) + 0.0
        err = 4 * _exact.U * np.abs(c) + _exact.UNDERFLOW
    err[~np.isfinite(c)] = np.inf
    keep = w[i] != w[j]
    with np.errstate(invalid="ignore"):
        sure_in = (c - err > lo) & (c + err < hi)
        unsure = keep & ~sure_in & ~((c + err < lo) | (c - err > hi))
    inside = keep & sure_in
    for p in np.flatnonzero(unsure).tolist():
        x = _pair_crossing(w, b, i[p], j[p])
        inside[p] = _exact.compare(x, lo) > 0 and _exact.compare(x, hi) < 0
    cand = np.flatnonzero(inside)
    # distinct exact crossing points, in exact order (equal values merged)
    order, starts, points, point_err = _exact.distinct_sorted(
        c[cand], err[cand], lambda q: _pair_crossing(w, b, i[cand[q]], j[cand[q]])
    )
    first = cand[order[starts]]
    point_pair = np.column_stack([i[first], j[first]])
    edges = np.concatenate([[lo], points, [hi]])
    edge_err = np.concatenate([[0.0], point_err, [0.0]])
    # the top k inside each sub-range: at a float midpoint when it is certainly inside,
    # ranked by the float filter; exactly otherwise
    mids = 0.5 * (edges[:-1] + edges[1:])
    mid_ok = (mids - edges[:-1] > edge_err[:-1]) & (edges[1:] - mids > edge_err[1:])
    rows = np.zeros((mids.shape[0], m), dtype=bool)

    def edge_value(q: int) -> Any:
        return (
            lo
            if q == 0
            else (hi if q == edges.shape[0] - 1 else _pair_crossing(w, b, *point_pair[q - 1]))
        )

    for s0 in range(0, mids.shape[0], 4096):
        sl = slice(s0, s0 + 4096)
        y = mids[sl, None] * w + b
        # one product and one sum per value: gamma(2) of the absolute terms
        bound = _exact.inflate(_exact.gamma(2) * (np.abs(mids[sl, None] * w) + np.abs(b)), 2)
        bound += _exact.UNDERFLOW
        order = np.argsort(-y, axis=1, kind="stable")
        ys = np.take_along_axis(y, order, axis=1)
        bs = np.take_along_axis(bound, order, axis=1)
        low_in = (ys[:, :k] - bs[:, :k]).min(axis=1)
        high_out = (ys[:, k:] + bs[:, k:]).max(axis=1) if k < m else np.full(ys.shape[0], -np.inf)
        block = np.zeros(y.shape, dtype=bool)
        np.put_along_axis(block, order[:, :k], True, axis=1)
        rows[sl] = block
        for r in (np.flatnonzero(~(low_in > high_out) | ~mid_ok[sl]) + s0).tolist():
            # a float midpoint surely inside, else (a sub-range narrower than float
            # resolution) its exact midpoint, computed only then
            x = mids[r] if mid_ok[r] else _exact.midpoint(edge_value(r), edge_value(r + 1))
            rows[r] = _exact_top(w, b, x, k)
    change = np.concatenate([[True], np.any(rows[1:] != rows[:-1], axis=1)])
    bp = np.concatenate([edges[:-1][change], [hi]])
    pairs = point_pair.astype(np.int64).reshape(-1, 2)[change[1:]]
    return GroupPartition1D(
        breakpoints=bp,
        thresholds=None,
        partition=None,
        rule=name,
        member_rows=rows[change],
        breakpoint_pairs=pairs,
        layer=layer,
    )


# ====================================================================== rules
@dataclass(frozen=True)
class GroupRule:
    """A group function: outputs (n, m) -> membership mask (n, m).

    Call it on outputs, or use :meth:`groups` / :meth:`mask` on a layer and inputs.
    ``thresholds`` is set for threshold rules (exact sub-ranges exist), ``k`` for top-k.
    Named rules decide :meth:`mask` exactly from the layer (an input exactly on a threshold
    gets the rule's own answer, whatever the rounding of ``y``); a custom rule sees float64
    outputs.
    """

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    thresholds: np.ndarray | float | None = None
    k: int | None = None
    exact: Callable[[NeuronLayer, np.ndarray], np.ndarray] | None = None

    def __call__(self, outputs: Any) -> np.ndarray:
        y = as_float_array(outputs, "outputs")
        if y.ndim != 2:
            raise ValueError(f"outputs must have shape (n, m); got shape {y.shape}.")
        check_finite(y, "outputs")
        mask = np.asarray(self.fn(y))
        if mask.shape != y.shape or mask.dtype != bool:
            raise ValueError(
                f"group rule {self.name!r} must return a boolean mask of shape {y.shape}; "
                f"got {mask.dtype} of shape {mask.shape}."
            )
        return mask

    def mask(self, layer: NeuronLayer, x: Any) -> np.ndarray:
        """Membership mask (n, m) at inputs ``x`` (shape (n, d)), exact for named rules."""
        layer = check_layer(layer, "a group rule")
        if self.exact is None:
            return self(layer(x))
        inputs = layer.check_inputs(x)
        self.fn(np.zeros((0, layer.n_neurons)))  # the rule's own checks (widths, k)
        return self.exact(layer, inputs)

    def groups(self, layer: NeuronLayer, x: Any) -> list[tuple[int, ...]]:
        """The group (sorted neuron indices) at each input."""
        return [tuple(np.flatnonzero(row).tolist()) for row in self.mask(layer, x)]


def _signs_minus(layer: NeuronLayer, x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Exact ``sign(W x + b - t)``: the threshold as one more exact term, never rounded."""
    weight = np.column_stack([layer.weight, layer.bias])
    return affine_signs(
        weight, -np.broadcast_to(t, layer.bias.shape), np.column_stack([x, np.ones(x.shape[0])])
    )


def positive() -> GroupRule:
    """G1: neurons whose output is positive.

    >>> positive().groups(NeuronLayer([[1.0], [-1.0]], [0.0, 0.0]), [-1.0, 1.0])
    [(1,), (0,)]
    """
    return GroupRule(
        "positive", lambda y: y > 0, thresholds=0.0, exact=lambda layer, x: layer.signs(x) > 0
    )


def above(thresholds: Any) -> GroupRule:
    """G2, the article's group: neurons that are positive AND at or above their own
    threshold (e.g. the upper quartile of their activations over a dataset, from
    :func:`quantile_thresholds`).

    The one definition of G2 in the package: ``y > 0 and y >= q``. On open sub-ranges that
    is ``y > max(q, 0)``, so :func:`group_partition_1d` with ``above(q)`` gives its exact
    ranges even where a quantile is negative.

    >>> above([0.5, -1.0]).groups(NeuronLayer([[1.0], [1.0]], [0.0, 0.0]), [0.2, 0.7])
    [(1,), (0, 1)]
    """
    values = as_float_array(thresholds, "thresholds")
    if values.ndim > 1:
        raise ValueError(
            f"thresholds must be a scalar or a vector (m,), one per neuron; got shape "
            f"{values.shape}."
        )
    check_finite(values, "thresholds")

    def fn(y: np.ndarray) -> np.ndarray:
        if values.ndim == 1 and values.shape[0] != y.shape[1]:
            raise ValueError(
                f"above(thresholds) has {values.shape[0]} thresholds but the layer has "
                f"{y.shape[1]} neurons; pass one threshold per neuron (or a scalar)."
            )
        return (y > 0) & (y >= values)

    def exact(layer: NeuronLayer, x: np.ndarray) -> np.ndarray:
        return (layer.signs(x) > 0) & (_signs_minus(layer, x, values) >= 0)

    return GroupRule("above", fn, thresholds=np.maximum(values, 0.0), exact=exact)


def top_k(k: int) -> GroupRule:
    """The k neurons with the largest outputs at each input (ties broken by lower index).

    >>> top_k(1).groups(NeuronLayer([[1.0], [-1.0]], [0.0, 0.0]), [-1.0, 1.0])
    [(1,), (0,)]
    """
    k = as_int(k, "k", low=1)

    def fn(y: np.ndarray) -> np.ndarray:
        if k > y.shape[1]:
            raise ValueError(f"k={k} is larger than the number of neurons {y.shape[1]}.")
        order = np.argsort(-y, axis=1, kind="stable")[:, :k]
        mask = np.zeros(y.shape, dtype=bool)
        np.put_along_axis(mask, order, True, axis=1)
        return mask

    def exact(layer: NeuronLayer, x: np.ndarray) -> np.ndarray:
        out = np.zeros((x.shape[0], layer.n_neurons), dtype=bool)
        for r, point in enumerate(x):
            out[r, _exact.ranking_at(layer.weight, layer.bias, point)[:k]] = True
        return out

    return GroupRule(f"top-{k}", fn, k=int(k), exact=exact)


def rule(fn: Callable[[np.ndarray], np.ndarray], name: str = "custom") -> GroupRule:
    """Any user function from outputs (n, m) to a boolean mask (n, m).

    >>> rule(lambda y: y > 0.5, "strong").groups(NeuronLayer([[1.0]], [0.0]), [0.2, 0.7])
    [(), (0,)]
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable (outputs -> boolean mask); got {type(fn).__name__}.")
    return GroupRule(name, fn)


def group_ranges(
    network: Network, interval: Any, group_rule: GroupRule, *, layer: int = 0
) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """Exact sub-ranges of a 1-D input that share a group, for threshold and top-k rules.

    Returns ``(breakpoints (k + 1,), groups)``, from :func:`group_partition_1d` (which also
    gives entering/leaving neurons and point location). A custom rule has no exact form:
    evaluate it at the inputs you need with ``group_rule.groups(layer, x)``.

    >>> layer = NeuronLayer([[1.0], [-1.0], [0.0]], [0.0, 0.0, 0.5])
    >>> bp, groups = group_ranges(layer, (-2.0, 2.0), top_k(1))
    >>> bp.tolist(), groups
    ([-2.0, -0.5, 0.5, 2.0], [(1,), (2,), (0,)])
    """
    if not isinstance(group_rule, GroupRule):
        fix = "wrap it with rule(fn) to evaluate it at inputs" if callable(group_rule) else ""
        raise TypeError(
            f"group_rule must be a GroupRule (positive(), above(thresholds), top_k(k) or "
            f"rule(fn)); got {type(group_rule).__name__}"
            + (f": {fix}, or use a named rule for exact sub-ranges." if fix else ".")
        )
    gp = group_partition_1d(network, interval, group_rule, layer=layer)
    return gp.breakpoints, gp.groups
