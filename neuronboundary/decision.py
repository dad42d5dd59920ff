"""Decision regions: where a network's predicted class is constant, exactly.

The predicted class at an input is the argmax of the network's output (the last layer after its
activation, plus any residual connection into the output), ties going to the lower index; for a
single output it is 1 where the output is positive and 0 elsewhere. Both are signs of affine
maps on each region of the network: the differences ``y_i - y_j`` of the outputs (or the output
itself). So the network is extended by one exact layer whose neurons are those differences
(weights +1 and -1, no rounding), the same engine cuts every region by their zero sets, and each
cell's class follows from the exact signs. Ties are therefore decided exactly, and a skip into
the output is part of the output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neuronboundary._validate import as_breakpoint
from neuronboundary.network import Network, NeuronLayer, difference_layer

__all__ = ["DecisionIntervals", "DecisionRegions2D", "decision_network", "runs"]


def decision_network(network: Network) -> tuple[Network, np.ndarray, np.ndarray]:
    """The network extended by a layer of output differences: ``y_i - y_j`` for every pair
    ``i < j`` (or ``y`` itself for one output), identity-activated, exact.

    Returns ``(extended, i, j)``: the pairs of outputs of each new neuron (``j = -1`` for one
    output).

    >>> net = Network([NeuronLayer([[1.0], [-1.0], [0.5]], [0.0, 0.0, 0.1])])
    >>> ext, i, j = decision_network(net)
    >>> ext.layer_sizes, i.tolist(), j.tolist()
    ((3, 3), [0, 0, 1], [1, 2, 2])
    """
    K = network.out_dim
    if K == 1:
        diff = NeuronLayer(np.ones((1, 1)), np.zeros(1))
        i, j = np.zeros(1, np.int64), np.full(1, -1, np.int64)
    else:
        diff, i, j = difference_layer(K)
    acts = [*network.negative_slopes, np.ones(diff.n_neurons)]
    skips = [tuple(sk) for sk in network.skips]
    return Network([*network.layers, diff], acts, skips), i, j


def runs(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Consecutive equal rows merged: ``(starts, run_of)``, where each run starts and the run of
    each row (rows (k, ...) of labels or memberships along a line).

    >>> runs(np.array([0, 0, 2, 2, 0]))
    (array([0, 2, 4]), array([0, 0, 1, 1, 2]))
    """
    change = np.ones(rows.shape[0], dtype=bool)
    if rows.shape[0] > 1:
        differ = rows[1:] != rows[:-1]
        change[1:] = differ.reshape(differ.shape[0], -1).any(axis=1)
    return np.flatnonzero(change), np.cumsum(change) - 1


def labels_from_signs(signs: np.ndarray, i: np.ndarray, j: np.ndarray, K: int) -> np.ndarray:
    """The predicted class from the exact signs of the difference neurons, (n,) int64: the
    lowest index among the maxima (for one output: 1 where it is positive)."""
    if K == 1:
        return (signs[:, 0] > 0).astype(np.int64)
    n = signs.shape[0]
    # beats[r, a, b]: output a is >= output b (ties count for the lower index)
    ge = np.ones((n, K, K), dtype=bool)
    ge[:, i, j] = signs >= 0  # y_i - y_j >= 0
    ge[:, j, i] = signs < 0  # y_j > y_i strictly: the lower index wins a tie
    return np.argmax(ge.all(axis=2), axis=1).astype(np.int64)


@dataclass(frozen=True, eq=False)
class DecisionRegions2D:
    """The cells of constant predicted class of a 2-D slice (see
    :meth:`~neuronboundary.Arrangement2D.decision_regions`).

    Each cell is a convex polygon inside one region of the network's arrangement, cut by the
    zero sets of the output differences; cells of one class may touch.

    Attributes
    ----------
    arrangement : Arrangement2D
        The arrangement of the extended network (patterns include the difference neurons).
    labels : numpy.ndarray
        Shape (C,), int64: the predicted class of each cell.
    n_outputs : int
        The network's number of outputs K (one output: classes 0 and 1).
    """

    arrangement: Any
    labels: np.ndarray
    n_outputs: int
    _pairs: tuple[np.ndarray, np.ndarray]

    @property
    def n_classes(self) -> int:
        """Number of classes: K, or 2 for one output."""
        return max(self.n_outputs, 2)

    @property
    def n_cells(self) -> int:
        """Number of cells C."""
        return self.labels.shape[0]

    @property
    def vertex_offsets(self) -> np.ndarray:
        """Shape (C + 1,): cell c's polygon is ``polygons[vertex_offsets[c]:vertex_offsets[c+1]]``."""
        return self.arrangement.vertex_offsets

    @property
    def polygons(self) -> np.ndarray:
        """Vertices of every cell, counter-clockwise, (F, 2)."""
        return self.arrangement.polygon_vertices

    @property
    def areas(self) -> np.ndarray:
        """Area of each cell (C,)."""
        return self.arrangement.areas

    def class_areas(self) -> np.ndarray:
        """Total area predicted as each class, (n_classes,)."""
        return np.bincount(self.labels, self.areas, minlength=self.n_classes)

    def locate(self, x: Any) -> np.ndarray:
        """The predicted class at each point, exactly: (n,) int64, -1 on a decision boundary or
        another boundary of the slice (use :meth:`predict` for the class there too)."""
        cells = self.arrangement.locate(x)
        return np.where(cells >= 0, self.labels[np.maximum(cells, 0)], -1)

    def predict(self, x: Any) -> np.ndarray:
        """The predicted class at each point from its exact signs (defined on boundaries too)."""
        signs = self.arrangement.signs_at(x)
        n_net = self.arrangement.network.n_neurons - self._pairs[0].shape[0]
        return labels_from_signs(signs[:, n_net:], *self._pairs, self.n_outputs)

    def boundary(self) -> np.ndarray:
        """Segments (S, 2, 2) between adjacent cells of different classes (decided exactly)."""
        adj = self.arrangement.adjacency
        differ = self.labels[adj[:, 0]] != self.labels[adj[:, 1]]
        return self.arrangement.adjacency_segments[differ]


@dataclass(frozen=True, eq=False)
class DecisionIntervals:
    """Sub-intervals of constant predicted class along a line (see
    :meth:`~neuronboundary.Partition1D.decision_intervals`).

    Attributes
    ----------
    breakpoints : numpy.ndarray
        Shape (k + 1,): the interval's ends and every exact point where the predicted class
        changes (floats within ``partition.breakpoint_error`` of the exact roots).
    labels : numpy.ndarray
        Shape (k,), int64: the class on each sub-interval.
    partition : Partition1D
        The partition of the extended network these sub-intervals merge.
    """

    breakpoints: np.ndarray
    labels: np.ndarray
    partition: Any
    _groups: np.ndarray  # the decision sub-interval of each partition sub-interval

    @property
    def n_intervals(self) -> int:
        """Number of sub-intervals k."""
        return self.labels.shape[0]

    def exact_breakpoint(self, i: int) -> Any:
        """Interior breakpoint ``i`` (1 <= i < k) as an exact rational."""
        i = as_breakpoint(i, self.n_intervals)
        starts = np.flatnonzero(np.diff(self._groups)) + 1
        return self.partition.exact_breakpoint(int(starts[i - 1]))

    def locate(self, x: Any) -> np.ndarray:
        """The decision sub-interval of each input (same convention as
        :meth:`~neuronboundary.Partition1D.locate`), decided exactly."""
        return self._groups[self.partition.locate(x)]
