"""Linear regions in the input's own dimension: the region of any input with its facets and
neighbours (:func:`region_of`), and every region that meets a box, found by a search across
facets (:func:`regions_in`).

A *region* is the set of inputs that share one sign pattern over every neuron: an open convex
polyhedron on which each neuron is one affine map. Its *facets* are the neurons whose zero sets
bound it on a (d - 1)-dimensional face; across each facet lies one *neighbour*.

Numeric contract (see the docs page "Regions in any dimension"):

* **Exact**: the pattern of a region (that of an exact interior point, :meth:`Network.signs`);
  every facet listed, checked at a *witness* point just across it: exact signs show that the
  witness breaks the facet's neurons and keeps every other neuron's sign, so the segment from
  inside meets the facet's hyperplane where no other constraint is tight; every neighbour's
  pattern, from the exact pattern at a point across the facet where every neuron not on the
  facet keeps its sign; interior points (checked exactly); the adjacency of :func:`regions_in`.
* **Float**: that a neuron is *not* a facet (qhull or an LP found it redundant); the maps, the
  halfspaces, vertices, volumes, the inradius. A facet thinner than float64 can see (about
  ``1e-9`` of the region's size) may be missed, and with it a region of the search.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np

from neuronboundary import _polytopes
from neuronboundary._graph import adjacency_graph
from neuronboundary._region_cells import (
    QHULL_SPREAD,
    Cell,
    Witnesses,
    certify_cells,
    interior_point,
    maps,
    off_region,
    row_space,
)
from neuronboundary._validate import as_int, read_box
from neuronboundary.network import Network, as_network

__all__ = ["BoxRegions", "LinearRegion", "Neighbor", "region_of", "regions_in"]


# ====================================================================== one region
class Neighbor(NamedTuple):
    """The region across one facet of a :class:`LinearRegion`.

    Attributes
    ----------
    facet : numpy.ndarray
        Shape (g, 2), ``(layer, neuron)`` of the neurons whose zero set carries the facet
        (several only where neurons share a hyperplane there).
    signs : numpy.ndarray
        Shape (N,), int8: the neighbour's exact sign pattern.
    point : numpy.ndarray or None
        Shape (d,): a point strictly inside the neighbour (checked exactly), or ``None`` where
        float64 found none (a neighbour thinner than the float spacing).
    """

    facet: np.ndarray
    signs: np.ndarray
    point: np.ndarray | None


class LinearRegion:
    """The linear region of one input: its pattern, maps, halfspaces, facets and neighbours.

    Built by :func:`region_of`; see there and the module docstring for what is exact.

    Attributes
    ----------
    network : Network
    x : numpy.ndarray
        Shape (d,), the input it was built from (strictly inside).
    signs : numpy.ndarray
        Shape (N,), int8: the sign of every neuron on the region (0 only for neurons that are
        zero everywhere on it), ``network.signs(x)``.
    box : tuple or None
        ``((lo, hi), ...)`` when the region was cut to a box.
    facets : numpy.ndarray
        Shape (F, 2), int64: ``(layer, neuron)`` of every neuron whose zero set carries a facet
        (a (d - 1)-dimensional face) of the region, or of the region within the box; sorted.
    facet_points : numpy.ndarray
        Shape (F, d): for each facet neuron, its witness, a point just across the facet that
        breaks only the facet's neurons (checked exactly).
    unverified : numpy.ndarray
        Shape (U, 2): neurons that floats took for facets but no exact witness confirmed
        (normally empty; a face too thin for float64).
    n_lps : int
        Linear programs solved to decide the facets.
    """

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    def __repr__(self) -> str:
        box = f", box={self.box}" if self.box is not None else ""
        return (
            f"LinearRegion(d={self.network.in_dim}, n_neurons={self.network.n_neurons}, "
            f"n_facets={self.facets.shape[0]}{box})"
        )

    @property
    def n_facets(self) -> int:
        """Number of facet neurons F."""
        return int(self.facets.shape[0])

    # ------------------------------------------------------------------ maps, halfspaces
    @cached_property
    def _absolute_maps(self) -> tuple[np.ndarray, np.ndarray]:
        H, E = maps(self.network, self.signs[None, :], np.zeros(self.network.in_dim), True)
        return H[0], E[0]

    @property
    def maps(self) -> np.ndarray:
        """The affine map of every neuron on the region, (d + 1, N) float64: neuron n is
        ``y @ maps[:d, n] + maps[d, n]`` for every input y of the region."""
        return self._absolute_maps[0]

    @property
    def map_errors(self) -> np.ndarray:
        """Bounds (d + 1, N) on ``|maps - exact maps|`` entry by entry."""
        return self._absolute_maps[1]

    @property
    def halfspaces(self) -> tuple[np.ndarray, np.ndarray]:
        """``(A, c)``, shapes (H, d) and (H,): the region is ``{y : A y < c}`` (its closure
        ``A y <= c``), one row per neuron with a nonzero sign (:attr:`halfspace_neurons`);
        float64, from :attr:`maps`."""
        d = self.network.in_dim
        cols = np.flatnonzero(self.signs != 0)
        s = self.signs[cols].astype(np.float64)
        return -(self.maps[:d, cols] * s).T, self.maps[d, cols] * s

    @property
    def halfspace_neurons(self) -> np.ndarray:
        """``(layer, neuron)`` of each row of :attr:`halfspaces`, (H, 2) int64."""
        return self.network.layer_of(np.flatnonzero(self.signs != 0))

    # ------------------------------------------------------------------ neighbours
    def neighbors(self) -> list[Neighbor]:
        """The region across each facet (one per group of facet neurons), with its exact
        pattern and a point strictly inside it (see :class:`Neighbor`).

        >>> import neuronboundary as nb
        >>> layer = nb.NeuronLayer([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0])
        >>> [n.signs.tolist() for n in region_of(layer, [0.5, 0.5]).neighbors()]
        [[-1, 1], [1, -1]]
        """
        return list(self._neighbors)

    @cached_property
    def _neighbors(self) -> tuple[Neighbor, ...]:
        out = []
        for facet in self._certified:
            pattern, point = self._witnesses.neighbour(self.signs, facet, self.x)
            out.append(Neighbor(self.network.layer_of(facet.group), pattern, point))
        return tuple(out)

    # ------------------------------------------------------------------ float geometry
    @cached_property
    def _ball(self) -> tuple[np.ndarray, float]:
        cell = self._cell
        keep = np.isin(cell.cols, self._facet_cols) | (cell.cols < 0)
        A, b = cell.A[keep], cell.b[keep]
        centre, radius = _polytopes.chebyshev_ball(A, b)
        if not np.isfinite(radius) and self._box_arrays is not None:
            # a box face 1e20 away is no constraint to the LP solver: again in units of it
            s = float(b.max())
            centre, radius = _polytopes.chebyshev_ball(A, b / s)
            centre, radius = centre * s, radius * s
        return cell.p + cell.vector(centre), radius

    @property
    def inradius(self) -> float:
        """Radius of the largest ball inside the region (within the box when given): float64,
        one LP over the facets; ``inf`` for a region that holds balls of any size."""
        return self._ball[1]

    @cached_property
    def interior_point(self) -> np.ndarray:
        """A point strictly inside the region, checked exactly: the centre of the largest ball
        inside when that float point passes the exact check, else ``x``."""
        centre, radius = self._ball
        if np.isfinite(radius) and radius > 0:
            box = self._box_arrays
            inside = box is None or bool(((centre > box[0]) & (centre < box[1])).all())
            if inside and np.array_equal(self.network._signs(centre[None, :])[0], self.signs):
                return centre
        return self.x.copy()

    @property
    def vertices(self) -> np.ndarray:
        """Vertices of the region within the box, (V, d) float64 (qhull; needs ``box`` and
        d <= 6)."""
        self._need_qhull("vertices")
        return self._vertices

    @property
    def volume(self) -> float:
        """Volume (length, area) of the region within the box, float64 (needs ``box`` and
        d <= 6)."""
        self._need_qhull("volume")
        return _polytopes.volume(self._vertices)

    def _need_qhull(self, what: str) -> None:
        if self._vertices is None:
            d = self.network.in_dim
            if self.box is None:
                raise ValueError(
                    f"{what} needs a bounded region: call region_of(network, x, box=...) with a "
                    f"box around x."
                )
            if d > _polytopes.QHULL_MAX_DIM:
                raise ValueError(
                    f"{what} is computed in dimension <= {_polytopes.QHULL_MAX_DIM} only "
                    f"(qhull); this input has d={d}. Take a slice first (slice_2d, slice_3d)."
                )
            raise ValueError(
                f"qhull could not build this region's polytope, so its {what} is unknown: its "
                f"box faces are too far from its other faces (more than {QHULL_SPREAD:.0e} "
                f"times). Its facets are still exact; pass a box closer around x for the "
                f"{what}."
            )


def region_of(network: Network, x: Any, *, box: Any = None) -> LinearRegion:
    """The linear region of input ``x``: pattern, maps, halfspaces, facets and neighbours.

    Works in the input's own dimension d (any d): the region is the open convex polyhedron of
    inputs with the pattern of ``x``.

    Parameters
    ----------
    network : Network or NeuronLayer
    x : array-like, shape (d,)
        An input strictly inside a region: no neuron may be exactly 0 at ``x`` unless it is
        zero on a whole neighbourhood (then it is no boundary).
    box : ((lo, hi), ...) of d pairs, optional
        Cut the region to this box (``x`` strictly inside): facets are then those of the region
        within the box, and :attr:`~LinearRegion.vertices` and :attr:`~LinearRegion.volume`
        exist for d <= 6.

    Returns
    -------
    LinearRegion
        ``signs``, ``maps`` (d + 1, N), ``halfspaces`` (A, c), ``facets`` (F, 2) as
        ``(layer, neuron)``, ``facet_points``, ``neighbors()``, ``interior_point``,
        ``inradius``, and with a box in d <= 6 ``vertices`` and ``volume``.

    Raises
    ------
    ValueError
        When ``x`` lies exactly on a boundary (it belongs to no open region), or outside the
        box.

    Notes
    -----
    Facets are found by qhull with a box in d <= 6; otherwise by polar separation with ray
    shooting, then one small LP (HiGHS) per neuron left, over the facets found so far. Every
    facet is confirmed by an exact witness; "not a facet" is a float verdict.

    Examples
    --------
    >>> import neuronboundary as nb
    >>> net = nb.Network([nb.NeuronLayer([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]),
    ...                   nb.NeuronLayer([[1.0, 1.0]], [-1.0])])
    >>> region = region_of(net, [0.25, 0.25])  # x, y > 0 and x + y < 1: a triangle
    >>> region.signs.tolist(), region.facets.tolist()
    ([1, 1, -1], [[0, 0], [0, 1], [1, 0]])
    >>> round(region.inradius, 6)
    0.292893
    >>> round(region_of(net, [0.25, 0.25], box=((-2, 2), (-2, 2))).volume, 12)
    0.5
    """
    net = as_network(network, "region_of")
    point = _one_point(net, x, "x")
    d = net.in_dim
    boxes = None
    if box is not None:
        bx = read_box(box, dim=d)
        boxes = (np.array([a for a, _ in bx]), np.array([b for _, b in bx]))
        if not ((point > boxes[0]) & (point < boxes[1])).all():
            raise ValueError(
                f"x must lie strictly inside the box {bx}; got {tuple(point.tolist())}. Pass a "
                f"larger box, or a point inside it."
            )
    else:
        bx = None
    pattern = net.signs(point[None, :])[0]
    _require_open(net, pattern, point, "x")
    qhull = boxes is not None and 2 <= d <= _polytopes.QHULL_MAX_DIM
    Q = row_space(net) if boxes is None else None
    H, _ = maps(net, pattern[None, :], point)
    cell = Cell(pattern, H[0], point, point, boxes, Q)
    if not cell.centred:
        better = interior_point(net, pattern, point, boxes, point)
        if better is not None:
            cell = Cell(pattern, H[0], point, better, boxes, Q)
    facets, verts = cell.facets(qhull)
    if boxes is None:
        verts = None  # an unbounded side has no vertex
    wit = Witnesses(net, boxes)
    certified, unverified, n_lps = certify_cells(wit, [(pattern, cell, facets)], point)
    by_col = {c: f.point for f in certified for c in f.group.tolist()}
    cols = np.array(sorted(by_col), dtype=np.int64)
    points = np.array([by_col[c] for c in cols.tolist()]).reshape(-1, d)
    return LinearRegion(
        network=net,
        x=point,
        signs=pattern,
        box=bx,
        facets=net.layer_of(cols).reshape(-1, 2),
        facet_points=points,
        unverified=net.layer_of(np.array([c for _, c in unverified], np.int64)).reshape(-1, 2),
        n_lps=n_lps + facets.n_lps,
        _certified=certified,
        _facet_cols=cell.cols[facets.rows],
        _cell=cell,
        _box_arrays=boxes,
        _witnesses=wit,
        _vertices=None if verts is None else cell.p + cell.vector(verts),
    )


# ====================================================================== input checks
def _one_point(net: Network, x: Any, name: str) -> np.ndarray:
    pts = net.check_inputs(x, name)
    if pts.shape[0] != 1:
        raise ValueError(
            f"{name} must be one input of shape ({net.in_dim},); got {pts.shape[0]} inputs. "
            f"Call region_of once per input."
        )
    return pts[0]


def _require_open(net: Network, pattern: np.ndarray, point: np.ndarray, name: str) -> None:
    on = off_region(net, pattern, point)
    if on.size:
        lay, neuron = net.layer_of(on[:1])[0].tolist()
        more = f" (and {on.size - 1} more neurons)" if on.size > 1 else ""
        raise ValueError(
            f"{name} lies exactly on the boundary of neuron {neuron} of layer {lay}{more}: its "
            f"pre-activation is 0 there but not on a whole neighbourhood, so {name} belongs to "
            f"no open region. Move it off the boundary (e.g. add 1e-9 in some direction)."
        )


# ====================================================================== every region of a box
class BoxRegions:
    """Every region of constant sign pattern that meets an open box, in any dimension.

    Built by :func:`regions_in`. Region indices follow the search order (the start region is 0).

    Attributes
    ----------
    network : Network
    box : tuple
        ``((lo, hi), ...)``, one pair per input dimension.
    signs : numpy.ndarray
        Shape (R, N), int8: each region's exact sign pattern.
    points : numpy.ndarray
        Shape (R, d): a point strictly inside each region and the box (checked exactly).
    adjacency : numpy.ndarray
        Shape (E, 2), int64: pairs ``(r, s)``, ``r < s``, of regions sharing a facet inside the
        box, sorted.
    complete : bool
        False when the search stopped at ``max_regions``.
    unverified : int
        Facets that floats proposed but no exact witness confirmed (normally 0).
    unexpanded : int
        Regions known by their pattern whose interior no float64 point could be found, so
        their own facets were not searched (normally 0).
    n_lps : int
        Linear programs solved (0 when qhull decided every region).
    """

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    @property
    def n_regions(self) -> int:
        """Number of regions R."""
        return int(self.signs.shape[0])

    @property
    def n_neurons(self) -> int:
        """Number of neurons N (all layers)."""
        return self.network.n_neurons

    def __len__(self) -> int:
        return self.n_regions

    def __repr__(self) -> str:
        more = "" if self.complete else ", stopped early"
        return (
            f"BoxRegions(n_regions={self.n_regions}, n_neurons={self.n_neurons}, "
            f"d={self.network.in_dim}{more})"
        )

    def signs_of(self, regions: Any) -> np.ndarray:
        """Sign patterns of the given regions: int8 (len(regions), N)."""
        return self.signs[self._check_regions(regions)]

    def facets(self, region: int) -> np.ndarray:
        """``(layer, neuron)`` of the neurons carrying a facet of ``region`` inside the box,
        (F, 2) int64, sorted (each checked exactly)."""
        r = self._check_region(region)
        cols = self._facet_cols[self._facet_offsets[r] : self._facet_offsets[r + 1]]
        return self.network.layer_of(cols).reshape(-1, 2)

    def vertices(self, region: int) -> np.ndarray:
        """Vertices of ``region`` within the box, (V, d) float64 (qhull, d <= 6)."""
        r = self._check_region(region)
        self._need_vertices("vertices")
        return self._vertices[r]

    @cached_property
    def volumes(self) -> np.ndarray:
        """Volume (length, area) of each region within the box, (R,) float64 (qhull, d <= 6;
        NaN for a region whose polytope qhull could not build)."""
        self._need_vertices("volumes")
        return np.array([np.nan if v is None else _polytopes.volume(v) for v in self._vertices])

    def _need_vertices(self, what: str) -> None:
        if self._vertices is None:
            raise ValueError(
                f"{what} are computed in dimension <= {_polytopes.QHULL_MAX_DIM} only (qhull); "
                f"this box has d={self.network.in_dim}. Take a slice first (slice_3d)."
            )

    def region(self, region: int) -> LinearRegion:
        """Region ``region`` as a :class:`LinearRegion` within the box (maps, halfspaces,
        facets, inradius, ...)."""
        r = self._check_region(region)
        return region_of(self.network, self.points[r], box=self.box)

    def neighbors(self, region: int) -> list[tuple[int, np.ndarray]]:
        """Regions sharing a facet with ``region``, each with the neurons (pattern columns)
        whose sign differs between the two."""
        r = self._check_region(region)
        adj = self.adjacency
        rows = np.flatnonzero((adj[:, 0] == r) | (adj[:, 1] == r))
        others = np.where(adj[rows, 0] == r, adj[rows, 1], adj[rows, 0])
        return [(int(o), self.transition(r, int(o))) for o in np.sort(others).tolist()]

    def transition(self, a: int, b: int) -> np.ndarray:
        """Neurons (sorted pattern columns) whose sign differs between regions ``a`` and ``b``."""
        ra, rb = self._check_region(a), self._check_region(b)
        return np.flatnonzero(self.signs[ra] != self.signs[rb])

    def locate(self, x: Any) -> np.ndarray:
        """Region index of each input (n,) int64, decided exactly: ``-1`` for a point on a
        boundary (its pattern is no region's) or in a region the search did not reach
        (``max_regions``). Points outside the box raise ``ValueError``."""
        pts = self.network.check_inputs(x)
        lo, hi = self._box_arrays
        outside = ~((pts >= lo) & (pts <= hi)).all(axis=1)
        if outside.any():
            first = tuple(float(v) for v in pts[outside][0])
            raise ValueError(
                f"x must lie in the box {self.box}; {int(outside.sum())} point(s) do not "
                f"(first: {first}). Search a larger box."
            )
        found = self._index
        pats = self.network.signs(pts)
        return np.array([found.get(p.tobytes(), -1) for p in pats], dtype=np.int64)

    @cached_property
    def _index(self) -> dict[bytes, int]:
        return {p.tobytes(): i for i, p in enumerate(self.signs)}

    def to_networkx(self) -> Any:
        """The region adjacency as a ``networkx.Graph`` (needs the optional networkx, extra
        ``graph``): one node per region (attributes ``point`` and, for d <= 6, ``volume``),
        one edge per shared facet (attribute ``neurons``: the pattern columns that differ)."""
        nodes: dict[str, list] = {"point": [tuple(p) for p in self.points.tolist()]}
        if self._vertices is not None:
            nodes["volume"] = self.volumes.tolist()
        return adjacency_graph(nodes, self.adjacency, self.transition)

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter(self.signs)

    def _check_region(self, region: Any) -> int:
        from neuronboundary._validate import as_index

        return as_index(region, "region", self.n_regions, allow_negative=True)

    def _check_regions(self, regions: Any) -> np.ndarray:
        from neuronboundary._validate import as_indices

        return as_indices(regions, "regions", self.n_regions)


def regions_in(
    network: Network, box: Any, *, start: Any = None, max_regions: int | None = None
) -> BoxRegions:
    """Every region of constant sign pattern that meets an open box, in any dimension: a
    breadth-first search across facets from one region.

    Parameters
    ----------
    network : Network or NeuronLayer
    box : ((lo, hi), ...), one pair per input dimension
    start : array-like, shape (d,), optional
        Where the search starts: a point strictly inside the box and strictly inside a region.
        Default: the box centre, or a point near it when the centre lies on a boundary.
    max_regions : int, optional
        Stop after this many regions (``complete`` is then False).

    Returns
    -------
    BoxRegions
        ``n_regions``, ``signs`` (R, N), ``points``, ``adjacency``, ``facets(r)``, for d <= 6
        ``volumes`` and ``vertices(r)``, ``locate``, ``to_networkx()``.

    Notes
    -----
    For d <= 6 qhull gives each region's facets and vertices; above, polar separation, ray
    shooting and LPs (see :func:`region_of`). Each facet is confirmed by an exact witness, and
    the region beyond it is identified by an exact pattern. In 2-D the regions and patterns are
    those of :func:`arrangement_2d` on the same box.

    Examples
    --------
    >>> import neuronboundary as nb
    >>> layer = nb.NeuronLayer([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, 0.0])
    >>> found = regions_in(layer, ((-1, 1), (-1, 1)))
    >>> found.n_regions, found.adjacency.shape[0]
    (6, 6)
    >>> round(float(found.volumes.sum()), 12)
    4.0
    >>> net = nb.Network.random([3, 8, 8, 1], seed=0)
    >>> regions_in(net, ((-1, 1),) * 3).n_regions
    107
    """
    net = as_network(network, "regions_in")
    d = net.in_dim
    bx = read_box(box, dim=d)
    lo = np.array([a for a, _ in bx])
    hi = np.array([b for _, b in bx])
    boxes = (lo, hi)
    origin = lo + (hi - lo) / 2
    limit = None if max_regions is None else as_int(max_regions, "max_regions", low=1)
    p0, s0 = _start(net, start, boxes, origin)
    return _Search(net, bx, boxes, origin, limit).run(p0, s0)


def _start(
    net: Network, start: Any, boxes: tuple[np.ndarray, np.ndarray], origin: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = boxes
    if start is not None:
        p = _one_point(net, start, "start")
        if not ((p > lo) & (p < hi)).all():
            raise ValueError(
                f"start must lie strictly inside the box; got {tuple(p.tolist())}. Omit it to "
                f"start at the box centre."
            )
        s = net.signs(p[None, :])[0]
        _require_open(net, s, p, "start")
        return p, s
    # the centre, else the points of a low-discrepancy sequence (Roberts' generalised golden
    # ratio) over the middle of the box
    d = net.in_dim
    g = 2.0
    for _ in range(30):
        g = (1.0 + g) ** (1.0 / (d + 1))
    alpha = g ** -np.arange(1.0, d + 1.0)
    for k in range(200):
        p = origin + (hi - lo) * (((0.5 + k * alpha) % 1.0) - 0.5) * 0.9
        s = net.signs(p[None, :])[0]
        if off_region(net, s, p).size == 0:
            return p, s
    raise ValueError(  # pragma: no cover - would need 200 points on boundaries
        "regions_in found no start point off every boundary near the box centre; pass start=."
    )


class _Search:
    """The breadth-first search of :func:`regions_in`, one level of regions at a time (their
    maps in one batch, their witnesses checked in one batch)."""

    def __init__(self, net, bx, boxes, origin, limit) -> None:
        self.net = net
        self.bx = bx
        self.boxes = boxes
        self.origin = origin
        self.limit = limit
        self.wit = Witnesses(net, boxes)
        self.qhull = 2 <= net.in_dim <= _polytopes.QHULL_MAX_DIM or net.in_dim == 1
        self.index: dict[bytes, int] = {}
        self.signs: list[np.ndarray] = []
        self.points: list[np.ndarray] = []
        self.vertices: list[np.ndarray | None] = []
        self.facets: list[np.ndarray] = []
        self.edges: set[tuple[int, int]] = set()
        self.complete = True
        self.unverified = 0
        self.unexpanded = 0
        self.n_lps = 0

    def _add(self, pattern: np.ndarray, point: np.ndarray | None) -> int | None:
        key = pattern.tobytes()
        if key in self.index:
            return self.index[key]
        if self.limit is not None and len(self.signs) >= self.limit:
            self.complete = False
            return None
        r = len(self.signs)
        self.index[key] = r
        self.signs.append(pattern)
        self.points.append(point)
        self.vertices.append(None)
        self.facets.append(np.zeros(0, np.int64))
        return r

    def run(self, p0: np.ndarray, s0: np.ndarray) -> BoxRegions:
        frontier = [self._add(s0, p0)]
        while frontier:
            frontier = self._level(frontier)
        net = self.net
        R = len(self.signs)
        d = net.in_dim
        counts = [f.shape[0] for f in self.facets]
        pts = np.array([p if p is not None else np.full(d, np.nan) for p in self.points])
        self._centre(pts)
        edges = np.array(sorted(self.edges), dtype=np.int64).reshape(-1, 2)
        return BoxRegions(
            network=net,
            box=self.bx,
            signs=np.array(self.signs, dtype=np.int8).reshape(R, net.n_neurons),
            points=pts.reshape(R, d),
            adjacency=edges,
            complete=self.complete,
            unverified=self.unverified,
            unexpanded=self.unexpanded,
            n_lps=self.n_lps,
            _facet_cols=np.concatenate(self.facets) if self.facets else np.zeros(0, np.int64),
            _facet_offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            _vertices=self.vertices if self.qhull else None,
            _box_arrays=self.boxes,
        )

    def _centre(self, pts: np.ndarray) -> None:
        """Move each region's point (a witness, near a facet) to the mean of its vertices where
        that float point passes the exact check (strictly inside the region and the box)."""
        have = [r for r, v in enumerate(self.vertices) if v is not None and v.shape[0]]
        if not have:
            return
        with np.errstate(over="ignore", invalid="ignore"):
            means = np.array([self.vertices[r].mean(axis=0) for r in have])
        pats = np.array([self.signs[r] for r in have])
        lo, hi = self.boxes
        ok = ((means > lo) & (means < hi)).all(axis=1)  # NaN (huge vertices) is not inside
        ok[ok] = (self.net._signs(means[ok]) == pats[ok]).all(axis=1)
        idx = np.array(have)[ok]
        pts[idx] = means[ok]

    def _level(self, frontier: list[int]) -> list[int]:
        net = self.net
        todo = [r for r in frontier if self.points[r] is not None]
        self.unexpanded += len(frontier) - len(todo)
        if not todo:
            return []
        pats = np.array([self.signs[r] for r in todo])
        H, _ = maps(net, pats, self.origin)
        props = []  # (region, cell, facets) of each region
        for k, r in enumerate(todo):
            cell = Cell(pats[k], H[k], self.origin, self.points[r], self.boxes)
            if not cell.centred:
                better = interior_point(net, pats[k], self.origin, self.boxes, self.points[r])
                if better is None:
                    self.unexpanded += 1
                    continue
                self.points[r] = better
                cell = Cell(pats[k], H[k], self.origin, better, self.boxes)
            facets, verts = cell.facets(self.qhull)
            self.n_lps += facets.n_lps
            if verts is not None:
                self.vertices[r] = cell.p + cell.vector(verts)
            props.append((r, cell, facets))
        return self._certify(props)

    def _certify(self, props: list) -> list[int]:
        """Check every proposed facet of a level at once; add the neighbours found."""
        items = [(self.signs[r], cell, facets) for r, cell, facets in props]
        certified, unverified, n_lps = certify_cells(self.wit, items, self.origin)
        self.n_lps += n_lps
        self.unverified += len(unverified)
        new: list[int] = []
        facet_cols: dict[int, list[np.ndarray]] = {}
        for facet in certified:
            r = props[facet.item][0]
            facet_cols.setdefault(r, []).append(facet.group)
            pattern, point = self.wit.neighbour(self.signs[r], facet, self.origin)
            before = len(self.signs)
            other = self._add(pattern.astype(np.int8), point)
            if other is None:
                continue
            if len(self.signs) > before:
                new.append(other)
            elif self.points[other] is None and point is not None:
                self.points[other] = point
            if other != r:
                self.edges.add((min(r, other), max(r, other)))
        for r, cols in facet_cols.items():
            self.facets[r] = np.unique(np.concatenate(cols))
        return new
