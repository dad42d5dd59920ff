"""Exact regions of a network over a 2-D input box: every region of constant sign pattern as a
convex polygon, with the neuron that made each of its edges.

A :class:`~neuronboundary.NeuronLayer` is the one-layer network: its regions are the cells of the
arrangement of its boundary lines (``_lines``). A deeper network's regions are those cells cut by
every later layer, one neuron at a time, on each region where that neuron is affine
(``_cutting``). One result type serves both: :class:`Arrangement2D`.

Numeric contract (CGAL's *exact predicates, inexact constructions*):

* **Exact**: which regions exist, their sign patterns, adjacency, which neuron made each edge,
  :meth:`Arrangement2D.locate`, the zero sets and the decision boundary are those of exact
  rational arithmetic on the given float64 weights, for any box (far from the origin, tiny,
  with lines one ulp apart, with exact cancellations in deep layers, overflowing or subnormal
  weights). A float filter with a rigorous error bound decides almost every predicate; the rest
  are recomputed with integers (``neuronboundary._exact``).
* **Float constructions**, relative to the box centre ``origin``: each polygon vertex lies within
  ``vertex_error`` (per coordinate) of the exact vertex; ``areas`` are the shoelace of those
  vertices (exact, rounded once, for regions thinner than ``1e-6`` of their extent);
  ``points`` lie strictly inside their region (checked exactly; a region that contains no
  float64 point, thinner than the float spacing, gets the rounding of an exact interior point,
  kept exactly by :meth:`Arrangement2D.exact_point`).
* ``tol`` (opt-in, first layer only) merges crossings closer than ``tol * diagonal(box)`` along
  a line, for users who want near-concurrent lines treated as concurrent.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from neuronboundary import _exact
from neuronboundary._cutting import (
    Emitted,
    Polygons,
    cut_layer,
    descend,
    first_inputs,
    interior_points,
)
from neuronboundary._graph import adjacency_graph
from neuronboundary._hyperplanes import Hyperplanes
from neuronboundary._lines import line_arrangement
from neuronboundary._validate import (
    as_float,
    as_index,
    as_indices,
    is_integer,
    read_box,
    shown,
)
from neuronboundary.decision import DecisionRegions2D, decision_network, labels_from_signs
from neuronboundary.network import Network, as_network

__all__ = ["Arrangement2D", "Region", "arrangement_2d"]

#: Box edges as edge tags in :attr:`Arrangement2D.edge_neurons` (x1 = lo, x1 = hi, x2 = lo, x2 = hi).
BOX_TAGS = (-1, -2, -3, -4)


@dataclass(frozen=True)
class Region:
    """One region: a convex polygon of constant sign pattern.

    Attributes
    ----------
    index : int
        Position in ``Arrangement2D.regions``.
    vertices : numpy.ndarray
        Shape (k, 2), counter-clockwise, k >= 3.
    signs : numpy.ndarray
        Shape (N,), int8: the sign of every neuron inside the region (0 only for neurons that
        are zero everywhere on it).
    area : float
    point : numpy.ndarray
        Shape (2,), a point strictly inside (see :meth:`Arrangement2D.exact_point`).
    edge_neurons : numpy.ndarray
        Shape (k,), int64: the neuron (pattern column) whose zero set carries the edge from
        vertex i to i + 1, or -1..-4 for the box edges (x1 = lo, x1 = hi, x2 = lo, x2 = hi).
    """

    index: int
    vertices: np.ndarray
    signs: np.ndarray
    area: float
    point: np.ndarray
    edge_neurons: np.ndarray


class _Regions(Sequence):
    """Read-only list of :class:`Region`, built on access (an arrangement may hold 10^5+)."""

    def __init__(self, arrangement: Arrangement2D) -> None:
        self._arr = arrangement

    def __len__(self) -> int:
        return self._arr.n_regions

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self._arr.region(i)

    def __iter__(self) -> Iterator[Region]:
        for i in range(len(self)):
            yield self._arr.region(i)


class Arrangement2D:
    """The regions of constant sign pattern of a network (or layer) over a 2-D input box.

    Built by :func:`arrangement_2d`. Neurons are pattern columns over all layers (see
    :attr:`Network.neuron_offsets`); for a :class:`~neuronboundary.NeuronLayer` they are its
    neurons. Storage: polygons in CSR form (``vertex_offsets``), sign patterns as two packed bit
    planes (positive, negative), so 250k regions x 1000 neurons take ~60 MB.

    Attributes
    ----------
    network : Network
        The network (a NeuronLayer for one layer), in_dim 2.
    box : tuple
        ``((x1_lo, x1_hi), (x2_lo, x2_hi))``.
    tol : float or None
        The opt-in merging tolerance of the first layer, ``None`` for exact (the default).
    origin : numpy.ndarray
        Shape (2,), the box centre: constructions are computed relative to it.
    vertex_offsets : numpy.ndarray
        Shape (R + 1,), int64; region r's polygon is
        ``polygon_vertices[vertex_offsets[r]:vertex_offsets[r + 1]]``.
    polygon_vertices : numpy.ndarray
        Shape (F, 2), float64, counter-clockwise per region.
    vertex_error : numpy.ndarray
        Shape (F,): each vertex coordinate is within this of the exact vertex (relative to
        ``origin``; the absolute float adds its own rounding).
    edge_lines : numpy.ndarray
        Shape (F,), int64: the line carrying the edge from each polygon vertex to the next;
        :meth:`neurons_on_line` gives its neurons, lines 0-3 are the box edges.
    areas : numpy.ndarray
        Shape (R,), float64.
    points : numpy.ndarray
        Shape (R, 2), float64, one point strictly inside each region.
    positive_bits, negative_bits : numpy.ndarray
        Shape (R, ceil(N / 8)), uint8: packed sign patterns (see :meth:`signs_of`).
    n_crossing_lines : int
        Geometric boundary lines of the first layer that cut the box interior.
    """

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    # ------------------------------------------------------------------ basics
    @property
    def n_regions(self) -> int:
        """Number of regions R."""
        return self.vertex_offsets.shape[0] - 1

    @property
    def n_neurons(self) -> int:
        """Number of neurons N (all layers)."""
        return self.network.n_neurons

    @property
    def layer(self) -> Network:
        """The network (kept for code written for one layer: a NeuronLayer is a network)."""
        return self.network

    def __len__(self) -> int:
        return self.n_regions

    def __repr__(self) -> str:
        return (
            f"Arrangement2D(n_regions={self.n_regions}, n_neurons={self.n_neurons}, "
            f"layers={self.network.layer_sizes}, box={self.box})"
        )

    # ------------------------------------------------------------------ constructions (lazy)
    @cached_property
    def _polygons(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        xy, rad, tags, _ = self._first.polygons()
        return xy, rad, tags.astype(np.int64)

    @cached_property
    def _xy(self) -> np.ndarray:
        return self._polygons[0]

    @cached_property
    def vertex_error(self) -> np.ndarray:
        """Shape (F,): each polygon vertex is within this (per coordinate) of the exact vertex,
        relative to ``origin`` (the absolute float adds its own rounding)."""
        return self._polygons[1]

    @cached_property
    def edge_lines(self) -> np.ndarray:
        """Shape (F,), int64: the line carrying the edge from each polygon vertex to the next;
        :meth:`neurons_on_line` gives its neurons, lines 0-3 are the box edges."""
        return self._polygons[2]

    @cached_property
    def _constructions(self) -> tuple[np.ndarray, np.ndarray, dict]:
        polys = Polygons(self._xy, self.vertex_error, self.edge_lines, self.vertex_offsets)
        pts, areas, exact = interior_points(self._table, polys, self._inside)
        return pts, areas, exact

    @property
    def areas(self) -> np.ndarray:
        """Area of each region, (R,) float64 (computed on first access)."""
        return self._constructions[1]

    @property
    def _points(self) -> np.ndarray:
        return self._constructions[0]

    @property
    def _exact_points(self) -> dict:
        return self._constructions[2]

    @cached_property
    def vertices(self) -> np.ndarray:
        """Every vertex of the first layer's line arrangement (box corners included), (V, 2)."""
        return self.vertices_rel + self.origin

    @cached_property
    def polygon_vertices(self) -> np.ndarray:
        """Vertices of every polygon, absolute coordinates (F, 2)."""
        return self._xy + self.origin

    @cached_property
    def points(self) -> np.ndarray:
        """One point strictly inside each region, absolute coordinates (R, 2)."""
        return self._points + self.origin

    @property
    def regions(self) -> Sequence[Region]:
        """All regions as a read-only sequence of :class:`Region` (built on access)."""
        return _Regions(self)

    def region(self, index: int) -> Region:
        """Region ``index`` as a :class:`Region`."""
        r = self._check_region(index)
        lo, hi = self.vertex_offsets[r], self.vertex_offsets[r + 1]
        return Region(
            index=r,
            vertices=self.polygon_vertices[lo:hi].copy(),
            signs=self.signs_of(r)[0],
            area=float(self.areas[r]),
            point=self.points[r].copy(),
            edge_neurons=self.edge_neurons[lo:hi].copy(),
        )

    def exact_point(self, index: int) -> tuple[Fraction, Fraction]:
        """A point strictly inside region ``index`` as exact rationals (absolute coordinates):
        ``points[index]`` itself, or, for a region too thin to contain a float64 point, the
        exact point that ``points[index]`` rounds."""
        r = self._check_region(index)
        rel = self._exact_points.get(r, self._points[r])
        return tuple(_exact.shifted(self.origin, rel))

    # ------------------------------------------------------------------ patterns
    def signs_of(self, regions: Any) -> np.ndarray:
        """Sign patterns of the given regions: int8 array (len(regions), N)."""
        idx = as_indices(regions, "regions", self.n_regions)
        m = self.n_neurons
        pos = np.unpackbits(self.positive_bits[idx], axis=1, count=m)
        neg = np.unpackbits(self.negative_bits[idx], axis=1, count=m)
        return (pos.astype(np.int8) - neg.astype(np.int8)).astype(np.int8)

    @property
    def signs(self) -> np.ndarray:
        """Dense sign patterns of all regions, int8 (R, N). Prefer :meth:`signs_of` when large."""
        return self.signs_of(np.arange(self.n_regions))

    def layer_signs(self, layer: int) -> np.ndarray:
        """The columns of :attr:`signs` that belong to ``layer``, int8 (R, m_layer)."""
        lay = self.network._check_layer_index(layer)
        off = self.network.neuron_offsets
        lo, hi = int(off[lay]), int(off[lay + 1])
        b0, b1 = lo // 8, (hi + 7) // 8  # unpack only the bytes that hold the layer
        pos = np.unpackbits(self.positive_bits[:, b0:b1], axis=1)[:, lo - 8 * b0 : hi - 8 * b0]
        neg = np.unpackbits(self.negative_bits[:, b0:b1], axis=1)[:, lo - 8 * b0 : hi - 8 * b0]
        return (pos.astype(np.int8) - neg.astype(np.int8)).astype(np.int8)

    def _sign_entries(self, regions: np.ndarray, cols: np.ndarray) -> np.ndarray:
        byte, bit = cols // 8, 7 - cols % 8
        pos = (self.positive_bits[regions, byte] >> bit) & 1
        neg = (self.negative_bits[regions, byte] >> bit) & 1
        return pos.astype(np.int8) - neg.astype(np.int8)

    def halfspaces(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Region ``index`` as halfspaces ``A x <= c``: one row per edge of its polygon (the
        edge's line, oriented so the region is inside; box edges included), float64 (k, 2) and
        (k,) in absolute coordinates. The lines are those of the exact arrangement; their
        coefficients are float64 (each row scaled by a power of two).

        >>> from neuronboundary import NeuronLayer
        >>> arr = arrangement_2d(NeuronLayer([[1.0, 0.0]], [0.0]), ((-1, 1), (-1, 1)))
        >>> A, c = arr.halfspaces(arr.locate([[0.5, 0.5]])[0])
        >>> bool(np.all(A @ [0.5, 0.5] <= c))
        True
        """
        r = self._check_region(index)
        lo, hi = self.vertex_offsets[r], self.vertex_offsets[r + 1]
        lines = self.edge_lines[lo:hi]
        rows = self._table.rows[lines]
        inside = self._inside[lo:hi].astype(np.float64)[:, None]
        A = -inside * rows[:, :2]
        c = inside[:, 0] * (rows[:, 2] - rows[:, :2] @ self.origin)
        return A, c

    # ------------------------------------------------------------------ lines and edges
    @property
    def n_lines(self) -> int:
        """Number of lines (box edges and every neuron line an edge lies on)."""
        return self.line_offsets.shape[0] - 1

    def neurons_on_line(self, line: int) -> np.ndarray:
        """Neurons (sorted pattern columns) whose zero set is line ``line`` (lines 0-3: the box
        edges; a box edge carries the first-layer neurons whose boundary is that edge)."""
        if is_integer(line) and int(line) < 0:
            raise IndexError(
                f"line must be an integer in [0, {self.n_lines}); got {int(line)}. (line_of gives "
                f"-1 for a neuron on no line: constant, or whose boundary misses the box.)"
            )
        line = as_index(line, "line", self.n_lines)
        return self.line_neurons[self.line_offsets[line] : self.line_offsets[line + 1]]

    def line_of(self, neuron: int) -> int:
        """The first-layer line carrying ``neuron`` (a first-layer neuron; -1 for a constant
        neuron or one whose line misses the box interior)."""
        m0 = self.network.layer_sizes[0]
        neuron = as_index(neuron, "neuron", m0)
        return int(self._neuron_line[neuron])

    @cached_property
    def _neuron_line(self) -> np.ndarray:
        m0 = self.network.layer_sizes[0]
        out = np.full(m0, -1, dtype=np.int64)
        n0 = self._n_first_lines
        counts = np.diff(self.line_offsets[: n0 + 1])
        members = self.line_neurons[: self.line_offsets[n0]]
        out[members] = np.repeat(np.arange(n0), counts)
        return out

    @cached_property
    def edge_neurons(self) -> np.ndarray:
        """The neuron (pattern column) of each polygon edge, (F,) int64: the first neuron of
        its line, or -1..-4 for the box edges (x1 = lo, x1 = hi, x2 = lo, x2 = hi)."""
        first = np.full(self.n_lines, -1, dtype=np.int64)
        has = np.diff(self.line_offsets) > 0
        first[has] = self.line_neurons[self.line_offsets[:-1][has]]
        first[:4] = BOX_TAGS
        return first[self.edge_lines]

    @cached_property
    def _inside(self) -> np.ndarray:
        """For each polygon edge, the sign of its line's row on the polygon (+1 or -1)."""
        owner = np.repeat(np.arange(self.n_regions), np.diff(self.vertex_offsets))
        lines = self.edge_lines
        out = np.zeros(lines.shape[0], dtype=np.int8)
        box = lines < 4
        out[box] = np.array([1, -1, 1, -1], dtype=np.int8)[lines[box]]
        rep = self._line_rep[lines[~box]]
        out[~box] = self._sign_entries(owner[~box], rep)
        return out

    @cached_property
    def _line_rep(self) -> np.ndarray:
        """The neuron whose row represents each line in the table (its sign is the row's)."""
        rep = np.full(self.n_lines, -1, dtype=np.int64)
        has = np.diff(self.line_offsets) > 0
        rep[has] = self.line_neurons[self.line_offsets[:-1][has]]
        return rep

    # ------------------------------------------------------------------ adjacency
    @cached_property
    def _adjacency(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._first_adjacency is not None:
            return self._first_adjacency()
        return _chord_adjacency(self)

    @property
    def adjacency(self) -> np.ndarray:
        """Pairs ``(r, s)``, ``r < s``, of regions sharing an edge, int64 (E, 2), sorted."""
        return self._adjacency[0]

    @property
    def adjacency_line(self) -> np.ndarray:
        """The line of each shared edge, int64 (E,) (:meth:`neurons_on_line`)."""
        return self._adjacency[1]

    @cached_property
    def adjacency_segments(self) -> np.ndarray:
        """The shared edge of each adjacent pair as a segment, float64 (E, 2, 2)."""
        seg = self._adjacency[2]
        return (seg() if callable(seg) else seg) + self.origin

    def neighbors(self, region: int) -> list[tuple[int, np.ndarray]]:
        """Regions sharing an edge with ``region``, each with the neurons whose sign differs
        across it."""
        r = self._check_region(region)
        adj = self.adjacency
        rows = np.flatnonzero((adj[:, 0] == r) | (adj[:, 1] == r))
        out = []
        for e in rows.tolist():
            other = int(adj[e, 1] if adj[e, 0] == r else adj[e, 0])
            out.append((other, self.transition(r, other)))
        return sorted(out, key=lambda pair: pair[0])

    def separating(self, a: int, b: int) -> np.ndarray:
        """Neurons whose sign differs across the edge shared by adjacent regions ``a`` and ``b``.

        Raises ``ValueError`` when they share no edge (use :meth:`transition` for any pair).
        """
        ra, rb = sorted((self._check_region(a), self._check_region(b)))
        adj = self.adjacency
        if not np.any((adj[:, 0] == ra) & (adj[:, 1] == rb)):
            raise ValueError(
                f"regions {a} and {b} share no edge; transition({a}, {b}) gives the neurons "
                f"whose sign differs between any two regions."
            )
        return self.transition(ra, rb)

    def to_networkx(self) -> Any:
        """The region adjacency as a ``networkx.Graph`` (needs the optional networkx): one node
        per region (attributes ``area``, ``point``), one edge per shared edge (attribute
        ``neurons``: the neurons whose sign differs across it)."""
        nodes = {
            "area": self.areas.tolist(),
            "point": [tuple(p) for p in self.points.tolist()],
        }
        return adjacency_graph(nodes, self.adjacency, self.transition)

    # ------------------------------------------------------------------ boundaries
    def edges(self) -> tuple[np.ndarray, np.ndarray]:
        """Every boundary segment between two regions once: ``(segments (S, 2, 2), neurons
        (S,))``, each with the first neuron (pattern column) of its line
        (:attr:`adjacency_line` and :meth:`neurons_on_line` give all of them)."""
        return self.adjacency_segments, self._line_rep[self.adjacency_line]

    def zero_set(self, layer: int, neuron: int, *, polylines: bool = False) -> Any:
        """Where neuron ``neuron`` of ``layer`` changes sign (its boundary in the box).

        Returns segments (S, 2, 2): the shared edges of adjacent regions on which the neuron's
        sign differs (decided exactly); with ``polylines=True`` a list of (k, 2) arrays, the
        segments chained where they share an end point.

        >>> from neuronboundary import NeuronLayer
        >>> net = Network([NeuronLayer([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]),
        ...                NeuronLayer([[1.0, 1.0]], [-0.5])])
        >>> arr = arrangement_2d(net, ((-1, 1), (-1, 1)))
        >>> [line.round(2).tolist() for line in arr.zero_set(1, 0, polylines=True)]
        [[[-1.0, 0.5], [0.0, 0.5], [0.5, 0.0], [0.5, -1.0]]]
        """
        col = self.network.neuron_index(layer, neuron)
        adj = self.adjacency
        differ = self._sign_entries(adj[:, 0], np.full(adj.shape[0], col)) != self._sign_entries(
            adj[:, 1], np.full(adj.shape[0], col)
        )
        seg = self.adjacency_segments[differ]
        return _chain(seg) if polylines else seg

    def decision_boundary(self) -> np.ndarray:
        """The network's decision boundary as segments (S, 2, 2), decided exactly.

        One output: where its sign changes. Several: where the predicted class (the argmax,
        ties to the lower index) changes, from :meth:`decision_regions`.
        """
        net = self.network
        plain = not net._skips_into(net.n_layers) and (net.negative_slopes[-1] == 1.0).all()
        if net.out_dim == 1 and plain:  # the output is the last layer's pre-activation
            return self.zero_set(-1, 0)
        return self.decision_regions().boundary()

    def decision_regions(self) -> DecisionRegions2D:
        """The cells of constant predicted class, exactly (see
        :class:`~neuronboundary.decision.DecisionRegions2D`): the network is extended by a layer
        of exact output differences and the same engine cuts every region by their zero sets.

        >>> from neuronboundary import NeuronLayer
        >>> net = Network([NeuronLayer([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0])])  # 2 outputs
        >>> dr = arrangement_2d(net, ((-1, 1), (-1, 1))).decision_regions()
        >>> dr.class_areas().tolist()  # class 0 where x1 >= x2
        [2.0, 2.0]
        """
        ext, i, j = decision_network(self.network)
        arr = arrangement_2d(ext, self.box, tol=self.tol)
        labels = labels_from_signs(arr.layer_signs(-1), i, j, self.network.out_dim)
        return DecisionRegions2D(arr, labels, self.network.out_dim, (i, j))

    @cached_property
    def output_maps(self) -> np.ndarray:
        """The output layer's pre-activation on each region, (R, 3, out_dim): on region r,
        output j is ``x1 * M[r, 0, j] + x2 * M[r, 1, j] + M[r, 2, j]`` (float64)."""
        maps = self._out_maps
        if maps is None:  # one layer: the same map everywhere
            layer = self.network.layers[-1]
            one = np.vstack([layer.weight.T, layer.bias[None, :]])
            return np.broadcast_to(one, (self.n_regions, *one.shape))
        out = maps.copy()
        out[:, 2, :] -= maps[:, 0, :] * self.origin[0] + maps[:, 1, :] * self.origin[1]
        return out

    # ------------------------------------------------------------------ points
    def locate(self, x: Any) -> np.ndarray:
        """Region index of each input point, int64 array (n,).

        A point exactly on a boundary belongs to no open region and gets ``-1`` (its exact
        pattern, from :meth:`Network.signs`, has a 0 where no region's has). Points outside
        the box raise ``ValueError``. Decided exactly, with memory bounded by chunks of points
        (a grid index of the polygons, then exact point-in-polygon tests).
        """
        from neuronboundary._locate import locate_2d

        pts = self._check_points(x)
        return locate_2d(self, pts)

    def signs_at(self, x: Any) -> np.ndarray:
        """Exact sign pattern at each input point, int8 (n, N)."""
        return self.network.signs(self._check_points(x))

    def transition(self, a: Any, b: Any) -> np.ndarray:
        """Neurons whose sign differs between ``a`` and ``b`` (sorted pattern columns).

        ``a`` and ``b`` are each a region index or an input point of shape (2,). Moving an input
        from ``a`` to ``b`` flips exactly these neurons.

        >>> from neuronboundary import NeuronLayer
        >>> arr = arrangement_2d(NeuronLayer([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]), ((-1, 1), (-1, 1)))
        >>> arr.transition([0.5, 0.5], [-0.5, 0.5])
        array([0])
        """
        return np.flatnonzero(self._pattern(a, "a") != self._pattern(b, "b"))

    def _pattern(self, item: Any, name: str) -> np.ndarray:
        if is_integer(item):
            return self.signs_of(self._check_region(item))[0]
        pts = self._check_points(item, name)
        if pts.shape[0] != 1:
            raise ValueError(
                f"{name} must be one region index or one point (x1, x2); got {pts.shape[0]} points."
            )
        return self.network.signs(pts)[0]

    def _check_region(self, index: Any) -> int:
        return as_index(index, "region index", self.n_regions, allow_negative=True)

    def _check_points(self, x: Any, name: str = "x") -> np.ndarray:
        pts = self.network.check_inputs(x, name)
        (x0, x1), (y0, y1) = self.box
        outside = (pts[:, 0] < x0) | (pts[:, 0] > x1) | (pts[:, 1] < y0) | (pts[:, 1] > y1)
        if outside.any():
            first = tuple(float(v) for v in pts[outside][0])
            raise ValueError(
                f"{name} must lie in the box {self.box}; {int(outside.sum())} point(s) do not "
                f"(first: {first}). Build the arrangement on a larger box."
            )
        return pts


# ====================================================================== construction
def arrangement_2d(network: Network, box: Any, *, tol: float | None = None) -> Arrangement2D:
    """Every region of constant sign pattern of a network (or layer) over a 2-D input box.

    Parameters
    ----------
    network : Network or NeuronLayer with in_dim == 2
        For a wider input take a plane first with :func:`~neuronboundary.slice_2d`.
    box : ((x1_lo, x1_hi), (x2_lo, x2_hi))
    tol : float, optional
        Opt-in merging, off by default. When given, crossing points of first-layer lines closer
        than ``tol * diagonal(box)`` along a line are treated as one vertex (near-concurrent
        lines become concurrent, slivers thinner than that vanish). Deeper layers are exact.

    Returns
    -------
    Arrangement2D
        ``.regions`` (polygons, sign patterns, areas, interior points), adjacency with the
        separating neurons, ``.locate(points)``, ``.transition(a, b)``, ``.zero_set``,
        ``.decision_boundary()``.

    Notes
    -----
    Exact predicates, float constructions (see this module's docstring). Cost for one layer:
    O(m^2) integer chord tests plus sorting the V vertices; memory O(V + R N / 4) bytes.
    A deeper layer costs one matrix product per region (its maps) and the cuts.

    Examples
    --------
    >>> from neuronboundary import NeuronLayer
    >>> layer = NeuronLayer([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, 0.0])
    >>> arr = arrangement_2d(layer, ((-1, 1), (-1, 1)))
    >>> arr.n_regions  # three lines through the origin cut the square into six
    6
    >>> round(float(arr.areas.sum()), 12)
    4.0
    >>> arr.transition(arr.locate([[0.5, 0.5]])[0], arr.locate([[-0.5, -0.5]])[0])
    array([0, 1, 2])
    >>> net = Network([NeuronLayer([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]),
    ...                NeuronLayer([[1.0, 1.0]], [-0.5])])
    >>> arrangement_2d(net, ((-1, 1), (-1, 1))).n_regions  # relu(x) + relu(y) = 0.5 cuts 3 of 4
    7
    """
    net = as_network(network, "arrangement_2d", in_dim=2)
    bx = read_box(box)
    if tol is not None:
        tol = as_float(tol, "tol")
        if not 0 < tol < 1e-3:
            raise ValueError(
                f"tol must be None (exact, the default) or a small positive number such as "
                f"1e-9 (merge crossings closer than tol x the box diagonal); got {shown(tol)}."
            )
    (X0, X1), (Y0, Y1) = bx
    origin = np.array([X0 + (X1 - X0) / 2, Y0 + (Y1 - Y0) / 2])
    layer0 = net.layers[0]
    first = line_arrangement(layer0.weight, layer0.bias, bx, origin, tol)
    table = Hyperplanes(net, origin, max(X1 - X0, Y1 - Y0))
    table.add_fixed(first.lines, first.rel, first.rel_err)
    n_first = first.lines.shape[0]
    common = dict(
        network=net,
        box=bx,
        tol=tol,
        origin=origin,
        n_crossing_lines=first.n_crossing_lines,
        vertices_rel=first.V,
        vertex_multiplicity=first.vertex_multiplicity,
        _table=table,
        _n_first_lines=n_first,
    )
    if net.n_layers == 1 and not net.skips:
        return Arrangement2D(
            vertex_offsets=first.vertex_offsets,
            positive_bits=first.positive,
            negative_bits=first.negative,
            line_offsets=first.line_offsets,
            line_neurons=first.line_neurons,
            _first=first,
            _first_adjacency=first.adjacency_parts,
            _out_maps=None,
            _out_errs=None,
            **common,
        )
    return _deep(net, first, table, common)


def _deep(net: Network, first: Any, table: Hyperplanes, common: dict) -> Arrangement2D:
    """Cut the first layer's faces by every later layer (``_cutting``) and gather the regions."""
    m0 = net.layers[0].n_neurons
    pos = np.unpackbits(first.positive, axis=1, count=m0).astype(np.int8)
    neg = np.unpackbits(first.negative, axis=1, count=m0).astype(np.int8)
    signs0 = pos - neg
    state = first_inputs(net, common["origin"], signs0)
    xy, rad, tags, _ = first.polygons()
    polys = Polygons(xy, rad, tags, first.vertex_offsets)
    out = Emitted()
    descend(table, net, 1, polys, signs0, state, out, cut_layer)
    pieces = _concat_all(out.polys)
    patterns = np.concatenate(out.signs)
    maps = np.concatenate(out.maps)
    errs = np.concatenate(out.errs)
    # the lines: first-layer lines, then one per cut (layer, neuron) on a region
    n_first = common["_n_first_lines"]
    cols = table.columns
    counts = np.concatenate([np.diff(first.line_offsets), np.ones(len(table) - n_first, np.int64)])
    line_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    line_neurons = np.concatenate([first.line_neurons, cols[n_first:]]).astype(np.int64)
    return Arrangement2D(
        vertex_offsets=pieces.off,
        _xy=pieces.xy,
        vertex_error=pieces.rad,
        edge_lines=pieces.tag.astype(np.int64),
        positive_bits=np.packbits(patterns > 0, axis=1),
        negative_bits=np.packbits(patterns < 0, axis=1),
        line_offsets=line_offsets,
        line_neurons=line_neurons,
        _first_adjacency=None,
        _out_maps=maps,
        _out_errs=errs,
        **common,
    )


def _concat_all(parts: list[Polygons]) -> Polygons:
    if not parts:
        return Polygons(np.zeros((0, 2)), np.zeros(0), np.zeros(0, np.int64), np.zeros(1, np.int64))
    xy = np.concatenate([p.xy for p in parts])
    rad = np.concatenate([p.rad for p in parts])
    tag = np.concatenate([p.tag for p in parts])
    cnt = np.concatenate([p.counts for p in parts])
    return Polygons(xy, rad, tag, np.concatenate([[0], np.cumsum(cnt)]).astype(np.int64))


# ====================================================================== adjacency of a deep slice
def _chord_adjacency(arr: Arrangement2D) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Adjacent regions of a deep slice, exactly: along each line, the edges of the regions on
    its positive side and those on its negative side tile the same chord; sorting their end
    points exactly along the line pairs every overlapping (positive, negative) couple."""
    table = arr._table
    off = arr.vertex_offsets
    R = arr.n_regions
    F = arr.edge_lines.shape[0]
    owner = np.repeat(np.arange(R), np.diff(off))
    nxt = np.arange(F) + 1
    nxt[off[1:] - 1] = off[:-1]
    prv = np.arange(F) - 1
    prv[off[:-1]] = off[1:] - 1
    tags = arr.edge_lines
    inner = np.flatnonzero(tags >= 4)
    if inner.size == 0:
        return np.zeros((0, 2), np.int64), np.zeros(0, np.int64), np.zeros((0, 2, 2))
    side = arr._inside[inner]
    L = tags[inner]
    # the two ends of each edge as (other line at that end, vertex index), in the line's order
    start_other, end_other = tags[prv[inner]], tags[nxt[inner]]
    start_v, end_v = inner, nxt[inner]
    lo_other = np.where(side > 0, start_other, end_other)
    hi_other = np.where(side > 0, end_other, start_other)
    lo_v = np.where(side > 0, start_v, end_v)
    hi_v = np.where(side > 0, end_v, start_v)
    n = inner.shape[0]
    ent_line = np.concatenate([L, L])
    ent_other = np.concatenate([lo_other, hi_other])
    ent_v = np.concatenate([lo_v, hi_v])
    rows = table.rows
    direction = np.column_stack([rows[ent_line, 1], -rows[ent_line, 0]])
    xy = arr._xy[ent_v]
    t = xy[:, 0] * direction[:, 0] + xy[:, 1] * direction[:, 1]
    rad = arr.vertex_error[ent_v] * (np.abs(direction[:, 0]) + np.abs(direction[:, 1]))
    t_err = rad + _exact.gamma(3) * (
        np.abs(xy[:, 0] * direction[:, 0]) + np.abs(xy[:, 1] * direction[:, 1])
    )
    E = table.errs

    def exact_compare(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        def exact_rows(e: int) -> tuple:
            ids = (ent_line[a[e]], ent_other[a[e]], ent_other[b[e]])
            return tuple(table.exact(k) for k in ids)

        la, oa, ob = ent_line[a], ent_other[a], ent_other[b]
        return _exact.along_line_order(
            rows[la], rows[oa], rows[ob], (E[la], E[oa], E[ob]), exact_rows
        )

    lo, hi = _exact.enclosure(t, t_err)
    compare = _exact.interval_compare(lo, hi, exact_compare)
    order, tied = _exact.exact_argsort(t, segment=ent_line, compare=compare, bounds=(lo, hi))
    rank = np.empty(2 * n, dtype=np.int64)
    rank[order] = np.cumsum(np.concatenate([[0], ~tied]))
    # distinct lines get distinct rank ranges (sorted by line first)
    r_lo, r_hi = rank[:n], rank[n:]
    plus = np.flatnonzero(side > 0)
    minus = np.flatnonzero(side < 0)
    mp = minus[np.argsort(r_lo[minus], kind="stable")]
    m_lo, m_hi = r_lo[mp], r_hi[mp]
    first = np.searchsorted(m_hi, r_lo[plus], side="right")
    last = np.searchsorted(m_lo, r_hi[plus], side="left")
    cnt = np.maximum(last - first, 0)
    pi = np.repeat(plus, cnt)
    mj = mp[_ranges_of(first, cnt)]
    ok = ent_line[pi] == ent_line[mj]
    pi, mj = pi[ok], mj[ok]
    ra, rb = owner[inner[pi]], owner[inner[mj]]
    seg_lo = np.where(r_lo[pi] >= r_lo[mj], pi, mj)
    seg_hi = np.where(r_hi[pi] <= r_hi[mj], pi, mj)
    a = np.minimum(ra, rb)
    b = np.maximum(ra, rb)
    seg = np.stack([arr._xy[lo_v[seg_lo]], arr._xy[hi_v[seg_hi]]], axis=1)
    key = a * (R + 1) + b
    o = np.argsort(key, kind="stable")
    key, a, b, seg, line = key[o], a[o], b[o], seg[o], L[pi][o]
    once = np.concatenate([[True], key[1:] != key[:-1]])
    return np.column_stack([a[once], b[once]]), line[once], seg[once]


def _ranges_of(start: np.ndarray, count: np.ndarray) -> np.ndarray:
    total = int(count.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    base = np.repeat(start - np.concatenate([[0], np.cumsum(count)[:-1]]), count)
    return base + np.arange(total)


def _chain(seg: np.ndarray) -> list[np.ndarray]:
    """Segments chained into polylines where they share an end point (exact float equality:
    shared vertices are the same float)."""
    if seg.shape[0] == 0:
        return []
    keys = [tuple(p) for p in seg.reshape(-1, 2).tolist()]
    ends: dict[tuple, list[int]] = {}
    for i, k in enumerate(keys):
        ends.setdefault(k, []).append(i)
    used = np.zeros(seg.shape[0], dtype=bool)
    out = []

    def walk(i: int, end: int) -> list[np.ndarray]:
        pts = []
        while True:
            used[i] = True
            pts.append(seg[i, end])
            nxt = [j for j in ends[keys[2 * i + end]] if not used[j // 2]]
            if len(nxt) != 1:
                return pts
            i, end = nxt[0] // 2, 1 - nxt[0] % 2

    singles = [i for i in range(seg.shape[0]) if len(ends[keys[2 * i]]) == 1]
    singles += [i for i in range(seg.shape[0]) if len(ends[keys[2 * i + 1]]) == 1]
    for i in singles + list(range(seg.shape[0])):
        if used[i]:
            continue
        start_end = 0 if len(ends[keys[2 * i]]) == 1 or i not in singles else 1
        pts = [seg[i, start_end], *walk(i, 1 - start_end)]
        out.append(np.array(pts))
    return out
