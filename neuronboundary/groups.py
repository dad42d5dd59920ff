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
from typing import Any

import numpy as np

from neuronboundary._validate import (
    as_float_array,
    as_index,
    as_int,
    check_finite,
    thresholds_vector,
)
from neuronboundary._validate import interval as read_interval
from neuronboundary.layer import NeuronLayer, check_layer
from neuronboundary.partition import DENSE_LIMIT, Partition1D, partition_1d

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
    """Exact sub-ranges of an interval on which the group ``{n : y_n(x) > t_n}`` is constant.

    Stores O(m): the first sub-range's group and, per breakpoint, the neurons entering and
    leaving (a neuron's output crosses its threshold once at most). Built by
    :func:`group_partition_1d`.

    Attributes
    ----------
    breakpoints : numpy.ndarray
        Shape (k + 1,), sorted, the interval's ends included.
    thresholds : numpy.ndarray
        Shape (m,), the per-neuron thresholds ``t_n``.
    partition : Partition1D
        The sign partition of ``y - t``; its ``flips(i)`` are the neurons changing at
        breakpoint i.
    """

    breakpoints: np.ndarray
    thresholds: np.ndarray
    partition: Partition1D

    @property
    def n_ranges(self) -> int:
        """Number of sub-ranges k."""
        return self.breakpoints.shape[0] - 1

    def __len__(self) -> int:
        return self.n_ranges

    def __repr__(self) -> str:
        lo, hi = self.breakpoints[0], self.breakpoints[-1]
        return f"GroupPartition1D(interval=({lo:g}, {hi:g}), n_ranges={self.n_ranges})"

    @property
    def first_group(self) -> tuple[int, ...]:
        """Group of sub-range 0 (sorted neuron indices)."""
        return tuple(np.flatnonzero(self.partition.first_signs > 0).tolist())

    def group(self, j: int) -> tuple[int, ...]:
        """Group of sub-range ``j`` (sorted neuron indices), built in O(m)."""
        j = as_index(j, "j", self.n_ranges, allow_negative=True)
        return tuple(np.flatnonzero(self.partition.rows([j])[0] > 0).tolist())

    @property
    def groups(self) -> list[tuple[int, ...]]:
        """Group of every sub-range, one sorted tuple each (materialised on demand)."""
        if self.n_ranges * self.partition.n_neurons > DENSE_LIMIT:
            raise MemoryError(
                f"{self.n_ranges} sub-ranges x {self.partition.n_neurons} neurons is too many to "
                f"materialise; use group(j), entering(i) and leaving(i)."
            )
        members = self.partition.signs > 0
        return [tuple(np.flatnonzero(row).tolist()) for row in members]

    def membership(self) -> np.ndarray:
        """Boolean (k, m): neuron n is in the group of sub-range j."""
        return self.partition.signs > 0

    def entering(self, i: int) -> np.ndarray:
        """Neurons joining the group at interior breakpoint ``i`` (1 <= i < k)."""
        flips = self.partition.flips(i)
        return flips[self.partition.rows([i])[0][flips] > 0]

    def leaving(self, i: int) -> np.ndarray:
        """Neurons leaving the group at interior breakpoint ``i`` (1 <= i < k)."""
        flips = self.partition.flips(i)
        return flips[self.partition.rows([i])[0][flips] < 0]

    def locate(self, x: Any) -> np.ndarray:
        """Sub-range index of each input (same convention as :meth:`Partition1D.locate`)."""
        return self.partition.locate(x)


def _thresholds(thresholds: Any, m: int) -> np.ndarray:
    return thresholds_vector(thresholds, m)


def group_partition_1d(
    layer: NeuronLayer, interval: Any, thresholds: Any = 0.0, *, domain: Any = None
) -> GroupPartition1D:
    """Exact sub-ranges of ``interval`` on which the group ``{n : y_n(x) > thresholds_n}`` is constant.

    The breakpoints are the threshold crossings ``(t_n - b_n) / w_n`` inside the interval, sorted
    (ties and w = 0 as in :func:`~neuronboundary.partition_1d`, whose partition of ``y - t`` this
    is). For a wide layer, view it along a direction first with
    :func:`~neuronboundary.slice_1d`.

    Parameters
    ----------
    layer : NeuronLayer with in_dim == 1
    interval : (lo, hi)
    thresholds : scalar or (m,), e.g. ``quantile_thresholds(acts, 0.75)`` for the article's G2
        (use ``np.maximum(q, 0)`` to require positive too, as :func:`above` does)
    domain : optional valid-input range, as in ``partition_1d``

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
    """
    check_layer(layer, "group_partition_1d", in_dim=1)
    t = _thresholds(thresholds, layer.n_neurons)
    shifted = NeuronLayer(layer.weight, layer.bias - t)
    part = partition_1d(shifted, interval, domain=domain)
    return GroupPartition1D(breakpoints=part.breakpoints, thresholds=t, partition=part)


# ====================================================================== rules
@dataclass(frozen=True)
class GroupRule:
    """A group function: outputs (n, m) -> membership mask (n, m).

    Call it on outputs, or use :meth:`groups` / :meth:`mask` on a layer and inputs.
    ``thresholds`` is set for threshold rules (exact sub-ranges exist), ``k`` for top-k.
    """

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    thresholds: np.ndarray | float | None = None
    k: int | None = None

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
        """Membership mask (n, m) at inputs ``x`` (shape (n, d))."""
        return self(check_layer(layer, "a group rule")(x))

    def groups(self, layer: NeuronLayer, x: Any) -> list[tuple[int, ...]]:
        """The group (sorted neuron indices) at each input."""
        return [tuple(np.flatnonzero(row).tolist()) for row in self.mask(layer, x)]


def positive() -> GroupRule:
    """G1: neurons whose output is positive.

    >>> positive().groups(NeuronLayer([[1.0], [-1.0]], [0.0, 0.0]), [-1.0, 1.0])
    [(1,), (0,)]
    """
    return GroupRule("positive", lambda y: y > 0, thresholds=0.0)


def above(thresholds: Any) -> GroupRule:
    """G2: neurons that are positive AND at or above their own threshold (e.g. the upper
    quartile of their activations over a dataset, from :func:`quantile_thresholds`).

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

    # sub-ranges are open intervals, where ">=" and ">" agree: the exact ranges of G2 are those
    # of the threshold max(q, 0)
    return GroupRule("above", fn, thresholds=np.maximum(values, 0.0))


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

    return GroupRule(f"top-{k}", fn, k=int(k))


def rule(fn: Callable[[np.ndarray], np.ndarray], name: str = "custom") -> GroupRule:
    """Any user function from outputs (n, m) to a boolean mask (n, m).

    >>> rule(lambda y: y > 0.5, "strong").groups(NeuronLayer([[1.0]], [0.0]), [0.2, 0.7])
    [(), (0,)]
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable (outputs -> boolean mask); got {type(fn).__name__}.")
    return GroupRule(name, fn)


def group_ranges(
    layer: NeuronLayer, interval: Any, group_rule: GroupRule
) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """Exact sub-ranges of a 1-D input that share a group, for threshold and top-k rules.

    Returns ``(breakpoints (k + 1,), groups)``. Threshold rules use :func:`group_partition_1d`.
    For top-k the candidates are every pairwise crossing of two guidelines (O(m^2)); adjacent
    candidates with the same group are merged. A custom rule has no exact form: evaluate it at
    the inputs you need with ``group_rule.groups(layer, x)``.

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
    if group_rule.thresholds is not None:
        gp = group_partition_1d(layer, interval, group_rule.thresholds)
        return gp.breakpoints, gp.groups
    if group_rule.k is None:
        raise TypeError(
            f"group rule {group_rule.name!r} has no exact sub-ranges; evaluate it at inputs with "
            f"rule.groups(layer, x) instead."
        )
    check_layer(layer, "group_ranges", in_dim=1)
    lo, hi = read_interval(interval)
    w, b = layer.weight[:, 0], layer.bias
    i, j = np.triu_indices(layer.n_neurons, k=1)
    dw = w[i] - w[j]
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = (b[j] - b[i]) / dw
    cand = np.unique(cross[(dw != 0) & (cross > lo) & (cross < hi)])
    edges = np.concatenate([[lo], cand, [hi]])
    mids = 0.5 * (edges[:-1] + edges[1:])
    masks = group_rule.mask(layer, mids)
    keep = np.concatenate([[True], np.any(masks[1:] != masks[:-1], axis=1)])
    breakpoints = np.concatenate([edges[:-1][keep], [hi]])
    return breakpoints, [tuple(np.flatnonzero(row).tolist()) for row in masks[keep]]
