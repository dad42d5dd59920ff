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

from neuronboundary import _exact, _polytopes
from neuronboundary._graph import adjacency_graph
from neuronboundary._validate import as_int, read_box
from neuronboundary.network import FloatMaps, Network, as_network

__all__ = ["BoxRegions", "LinearRegion", "Neighbor", "region_of", "regions_in"]

#: How many times a witness moves 16x closer to its facet before the neighbour's pattern is
#: computed neuron by neuron instead.
SHRINK_STEPS = 3


# ====================================================================== maps of a region
class _Support:
    """Which quantities may vary on a region: a boolean forward pass (run by
    :meth:`Network._run`). A neuron fed only by constant quantities or zero weights has an
    exactly constant map (sign 0 there means zero on the whole region)."""

    def __init__(self, network: Network) -> None:
        self.net = network

    def affine(self, lay: int, varies: np.ndarray) -> np.ndarray:
        return (self.net.layers[lay].weight != 0.0).astype(np.float64) @ varies > 0

    def activate(self, lay: int, varies: np.ndarray, signs: np.ndarray) -> np.ndarray:
        slope = np.where(signs > 0, 1.0, np.where(signs < 0, self.net.negative_slopes[lay], 0.0))
        return varies & (slope != 0.0)

    def add(self, varies: np.ndarray, source: np.ndarray, skip: Any) -> np.ndarray:
        return varies | ((skip.matrix != 0.0).astype(np.float64) @ source > 0)


def _maps(
    net: Network, patterns: np.ndarray, origin: np.ndarray, errors: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """Float maps of every neuron on the regions of ``patterns`` (P, N), over coordinates
    relative to ``origin``: ``(H (P, d + 1, N), E)``, row ``d`` the value at ``origin``, ``E``
    their error bounds (when asked)."""
    d = net.in_dim
    eye = np.vstack([np.eye(d), origin[None, :]])
    start = np.broadcast_to(eye, (patterns.shape[0], d + 1, d))
    pres, _ = net._run((start, None), FloatMaps(net, errors), net.split(patterns))
    H = np.concatenate([z for z, _ in pres], axis=-1)
    return H, (np.concatenate([e for _, e in pres], axis=-1) if errors else None)


def _exact_columns(
    net: Network, pattern: np.ndarray, origin: np.ndarray, cols: np.ndarray
) -> list[list[int]]:
    """The exact maps of neurons ``cols`` on the region of ``pattern`` over coordinates relative
    to ``origin``, as integer rows ``(a_1, ..., a_d, value at origin)`` (a positive scale
    dropped per layer)."""
    d = net.in_dim
    start = _exact.int_matrix(np.vstack([np.eye(d), origin[None, :]]))
    pres, _ = net._run(start, _exact.ExactMaps(net), net.split(pattern))
    where = net.layer_of(cols)
    return [[int(v) for v in pres[lay][0][:, i]] for lay, i in where.tolist()]


def _off_region(net: Network, pattern: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Columns with sign 0 at ``point`` whose map on the region is not identically zero: the
    point lies on their boundary (decided exactly)."""
    zero = np.flatnonzero(pattern == 0)
    if zero.size == 0:
        return zero
    H, E = _maps(net, pattern[None, :], point, errors=True)
    d = net.in_dim
    coef, err = H[0, :d, zero], E[0, :d, zero]
    varies = np.abs(coef) > err
    sure = varies.any(axis=1)
    support = np.concatenate(net._run(np.ones(d, dtype=bool), _Support(net), net.split(pattern))[0])
    unsure = zero[~sure & support[zero]]
    if unsure.size:
        rows = _exact_columns(net, pattern, point, unsure)
        _exact.STATS["exact"] += len(rows)
        sure[~sure & support[zero]] = [any(r[:d]) for r in rows]
    return zero[sure]


def _row_space(net: Network) -> np.ndarray | None:
    """An orthonormal basis (d, r) of the space spanned by the first layer's weights and the
    input's skip connections (every neuron's gradient lies in it), or ``None`` when it is all
    of the input space."""
    rows = [net.layers[0].weight] + [sk.matrix for sk in net.skips if sk.source == 0]
    M = np.vstack(rows)
    if M.shape[0] < M.shape[1]:
        _, sv, Vt = np.linalg.svd(M, full_matrices=False)
    else:
        _, sv, Vt = np.linalg.svd(M, full_matrices=True)
    tol = sv.max(initial=0.0) * max(M.shape) * np.finfo(np.float64).eps
    r = int((sv > tol).sum())
    return None if r == net.in_dim else Vt[:r].T


# ====================================================================== one region's polyhedron
class _Cell:
    """The polyhedron of one region (and box) relative to a point ``p`` strictly inside: unit
    rows ``A z <= b`` (``b > 0``), the pattern column of each row (``-1 - face`` for a box face),
    over the basis ``Q`` of the gradients' span when given."""

    def __init__(
        self,
        pattern: np.ndarray,
        H: np.ndarray,
        origin: np.ndarray,
        p: np.ndarray,
        box: tuple[np.ndarray, np.ndarray] | None,
        Q: np.ndarray | None = None,
    ) -> None:
        d = p.shape[0]
        cols = np.flatnonzero(pattern != 0)
        s = pattern[cols].astype(np.float64)
        A = -(H[:d, cols] * s).T
        c = H[d, cols] * s
        if box is not None:
            lo, hi = box
            A = np.vstack([A, np.eye(d), -np.eye(d)])
            c = np.concatenate([c, hi - origin, origin - lo])
            cols = np.concatenate([cols, -1 - np.arange(2 * d)])
        b = c - A @ (p - origin)
        if Q is not None:
            A = A @ Q
        self.A, self.b, kept = _polytopes.unit_rows(A, b)
        self.cols = cols[kept]
        self.p = p
        self.Q = Q

    @property
    def centred(self) -> bool:
        """Whether ``p`` is inside by a float margin (else the geometry needs a better point)."""
        return bool(self.b.size == 0 or self.b.min() > 1e-12 * max(1.0, float(self.b.max())))

    def vector(self, z: np.ndarray) -> np.ndarray:
        """Vectors of the cell's coordinates in input coordinates."""
        return z if self.Q is None else z @ self.Q.T

    def facets(self, qhull: bool) -> tuple[_polytopes.Facets, np.ndarray | None]:
        r = self.A.shape[1]
        if r == 1:
            return _polytopes.interval_facets(self.A, self.b)
        if qhull:
            from scipy.spatial import QhullError

            try:
                return _polytopes.qhull_facets(self.A, self.b)
            except QhullError:
                pass
        return _polytopes.lp_facets(self.A, self.b), None


# ====================================================================== exact certificates
class _Witnesses:
    """Points just across facets, checked exactly in batches.

    A witness ``w`` of region ``R`` (pattern ``s``) certifies a facet when the neurons whose
    ``R``-map (activations fixed by ``s``) has the wrong sign at ``w`` all carry the same
    halfspace and are strictly broken, every other neuron keeps its sign, and ``w`` is inside
    the box. It certifies the neighbour across when the network's exact pattern at ``w`` agrees
    with ``s`` on every neuron not broken (nonzero on ``R``): then ``w`` lies in the region
    beyond the facet, whose pattern it is (a neuron can differ only if it is zero on the facet,
    and those decide their sign across it alike everywhere near the facet).
    """

    def __init__(self, net: Network, box: tuple[np.ndarray, np.ndarray] | None) -> None:
        self.net = net
        self.box = box

    def check(
        self, patterns: np.ndarray, points: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(broken (n, N) bool, facet_ok (n,), neighbour_ok (n,), pattern at each point)``;
        a group of several neurons still needs :meth:`same_halfspace`."""
        net = self.net
        inside = np.ones(points.shape[0], dtype=bool)
        if self.box is not None:
            lo, hi = self.box
            inside = ((points > lo) & (points < hi)).all(axis=1)  # exact float comparisons
        fixed = net._signs(points, patterns)
        nonzero = patterns != 0
        broken = nonzero & (patterns * fixed <= 0)
        strict = nonzero & (patterns * fixed < 0)
        facet_ok = inside & broken.any(axis=1) & (broken == strict).all(axis=1)
        there = net._signs(points)
        keeps = (there == patterns) | ~nonzero | broken
        return broken, facet_ok, facet_ok & keeps.all(axis=1), there

    def same_halfspace(self, pattern: np.ndarray, origin: np.ndarray, cols: np.ndarray) -> bool:
        rows = _exact_columns(self.net, pattern, origin, cols)
        signed = [[int(pattern[c]) * v for v in row] for c, row in zip(cols, rows, strict=True)]
        return all(_exact.same_halfspace(signed[0], r) for r in signed[1:])

    def certify(
        self,
        patterns: np.ndarray,
        expect: np.ndarray,
        base: np.ndarray,
        offset: np.ndarray,
        origin: np.ndarray,
    ) -> tuple[list[np.ndarray | None], np.ndarray, np.ndarray, np.ndarray]:
        """Check proposed witnesses ``base + offset`` (n, d) of facets ``expect`` (columns) of
        regions ``patterns`` (n, N). Returns ``(groups, neighbour_found (n,), neighbour
        patterns (n, N), neighbour points (n, d))``; ``groups[i]`` is ``None`` where the
        facet is not certified. Where the neighbour is not certified at ``base + offset``, the
        witness moves up to :data:`SHRINK_STEPS` times 16x closer to the facet."""
        n = expect.shape[0]
        points = base + offset
        broken, ok, near, there = self.check(patterns, points)
        rows = np.arange(n)
        ok &= broken[rows, expect]
        groups: list[np.ndarray | None] = [None] * n
        for i in np.flatnonzero(ok).tolist():
            cols = np.flatnonzero(broken[i])
            if cols.size > 1 and not self.same_halfspace(patterns[i], origin, cols):
                ok[i] = False
                continue
            groups[i] = cols
        near &= ok
        step = offset
        for _ in range(SHRINK_STEPS):
            retry = np.flatnonzero(ok & ~near)
            if retry.size == 0:
                break
            step = step / 16.0
            cand = base[retry] + step[retry]
            b2, _, near2, there2 = self.check(patterns[retry], cand)
            good = near2 & (b2 == broken[retry]).all(axis=1)
            idx = retry[good]
            near[idx] = True
            there[idx] = there2[good]
            points[idx] = cand[good]
        return groups, near, there, points

    def across(self, pattern: np.ndarray, broken: np.ndarray, point: np.ndarray) -> np.ndarray:
        """The neighbour's pattern across a certified facet, computed neuron by neuron in exact
        arithmetic at a witness ``point``: neurons nonzero on the region and not on the facet
        keep their sign; the others (on the facet, or zero on the region) take the sign of
        their map beyond the facet, layer by layer."""
        net = self.net
        ops = _exact.ExactMaps(net)
        inputs = [_exact.int_matrix(point[None, :])]
        free = (pattern == 0) | broken
        out = pattern.copy()
        off = net.neuron_offsets
        for lay in range(net.n_layers):
            z = ops.affine(lay, inputs[-1])
            lo, hi = int(off[lay]), int(off[lay + 1])
            for i in np.flatnonzero(free[lo:hi]).tolist():
                out[lo + i] = _exact.exact_sign(z[0][-1, i])
            inputs.append(net._next_input(lay, z, inputs, ops, out[lo:hi]))
        return out


def _interior(
    net: Network,
    pattern: np.ndarray,
    origin: np.ndarray,
    box: tuple[np.ndarray, np.ndarray] | None,
    guess: np.ndarray,
) -> np.ndarray | None:
    """A point strictly inside the region of ``pattern`` (and box), checked exactly: the centre
    of its largest inscribed ball (one LP), or ``None`` when floats find none."""
    H, _ = _maps(net, pattern[None, :], origin)
    d = net.in_dim
    cols = np.flatnonzero(pattern != 0)
    s = pattern[cols].astype(np.float64)
    A = -(H[0, :d, cols] * s).T
    c = H[0, d, cols] * s
    if box is not None:
        lo, hi = box
        A = np.vstack([A, np.eye(d), -np.eye(d)])
        c = np.concatenate([c, hi - origin, origin - lo])
    b = c - A @ (guess - origin)
    A, b, _ = _polytopes.unit_rows(A, b)
    centre, radius = _polytopes.chebyshev_ball(A, b)
    if not radius > 0:
        return None
    point = guess + centre
    inside = box is None or bool(((point > box[0]) & (point < box[1])).all())
    if inside and np.array_equal(net._signs(point[None, :])[0], pattern):
        return point
    return None


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
        H, E = _maps(self.network, self.signs[None, :], np.zeros(self.network.in_dim), True)
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
        net = self.network
        out = []
        for group, (found, pattern, point, broken) in zip(self._groups, self._across, strict=True):
            if not found:
                pattern = self._witnesses.across(self.signs, broken, point)
                point = _interior(net, pattern, self.x, self._box_arrays, point)
            out.append(Neighbor(net.layer_of(group), pattern, point))
        return tuple(out)

    # ------------------------------------------------------------------ float geometry
    @cached_property
    def _ball(self) -> tuple[np.ndarray, float]:
        cell = self._cell
        keep = np.isin(cell.cols, self._facet_cols) | (cell.cols < 0)
        centre, radius = _polytopes.chebyshev_ball(cell.A[keep], cell.b[keep])
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
            raise ValueError(
                f"{what} is computed in dimension <= {_polytopes.QHULL_MAX_DIM} only (qhull); "
                f"this input has d={d}. Take a slice first (slice_2d, slice_3d)."
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
    Q = _row_space(net) if boxes is None else None
    H, _ = _maps(net, pattern[None, :], point)
    cell = _Cell(pattern, H[0], point, point, boxes, Q)
    if not cell.centred:
        better = _interior(net, pattern, point, boxes, point)
        if better is not None:
            cell = _Cell(pattern, H[0], point, better, boxes, Q)
    facets, verts = cell.facets(qhull)
    if boxes is None:
        verts = None  # an unbounded side has no vertex
    wit = _Witnesses(net, boxes)
    groups, across, facet_cols, unverified, n_lps = _certify_cell(net, wit, cell, facets, pattern)
    facet_cols_all = np.unique(np.concatenate(groups)) if groups else np.zeros(0, np.int64)
    points = np.zeros((0, d))
    if groups:
        by_col = {c: across[k][2] for k, g in enumerate(groups) for c in g.tolist()}
        points = np.array([by_col[c] for c in facet_cols_all.tolist()]).reshape(-1, d)
    return LinearRegion(
        network=net,
        x=point,
        signs=pattern,
        box=bx,
        facets=net.layer_of(facet_cols_all).reshape(-1, 2),
        facet_points=points,
        unverified=net.layer_of(np.asarray(unverified, dtype=np.int64)).reshape(-1, 2),
        n_lps=n_lps + facets.n_lps,
        _groups=groups,
        _across=across,
        _facet_cols=facet_cols,
        _cell=cell,
        _box_arrays=boxes,
        _witnesses=wit,
        _vertices=None if verts is None else cell.p + cell.vector(verts),
    )


def _certify_cell(
    net: Network,
    wit: _Witnesses,
    cell: _Cell,
    facets: _polytopes.Facets,
    pattern: np.ndarray,
) -> tuple[list[np.ndarray], list[tuple], np.ndarray, list[int], int]:
    """Exact certificates of one cell's proposed facets (a margin LP for any that fails).

    Returns ``(groups, across, facet rows' columns, unverified columns, LPs)``; ``across[k]`` is
    ``(found, neighbour pattern, point, broken mask)`` of group k."""
    neuron = cell.cols[facets.rows] >= 0
    rows = facets.rows[neuron]
    base = cell.p + cell.vector(facets.base[neuron])
    offset = cell.vector(facets.offset[neuron])
    pats = np.broadcast_to(pattern, (rows.shape[0], pattern.shape[0]))
    groups, near, there, points = wit.certify(pats, cell.cols[rows], base, offset, cell.p)
    n_lps = 0
    failed = [k for k, g in enumerate(groups) if g is None]
    for k in failed:
        w = _polytopes.margin_witness(cell.A, cell.b, facets.groups, int(rows[k]))
        n_lps += 1
        if w is None:
            continue
        g2, n2, t2, p2 = wit.certify(
            pattern[None, :],
            cell.cols[rows[k : k + 1]],
            cell.p + cell.vector(w[0])[None, :],
            cell.vector(w[1])[None, :],
            cell.p,
        )
        groups[k], near[k], there[k], points[k] = g2[0], n2[0], t2[0], p2[0]
    unverified = [int(cell.cols[rows[k]]) for k, g in enumerate(groups) if g is None]
    keep = [k for k, g in enumerate(groups) if g is not None]
    across = []
    out_groups = []
    seen: set[tuple[int, ...]] = set()
    N = pattern.shape[0]
    for k in keep:
        g = groups[k]
        if tuple(g.tolist()) in seen:
            continue  # two proposals certified the same facet
        seen.add(tuple(g.tolist()))
        broken = np.zeros(N, dtype=bool)
        broken[g] = True
        out_groups.append(g)
        across.append((bool(near[k]), there[k].copy(), points[k].copy(), broken))
    return out_groups, across, cell.cols[rows], unverified, n_lps


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
    on = _off_region(net, pattern, point)
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
        idx = np.atleast_1d(np.asarray(regions))
        if idx.dtype.kind not in "iu":
            raise TypeError(f"regions must be integer indices; got dtype {idx.dtype}.")
        bad = idx[(idx < -self.n_regions) | (idx >= self.n_regions)]
        if bad.size:
            self._check_region(int(bad[0]))
        return idx % max(self.n_regions, 1)


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
        if _off_region(net, s, p).size == 0:
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
        self.wit = _Witnesses(net, boxes)
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
        means = np.array([self.vertices[r].mean(axis=0) for r in have])
        pats = np.array([self.signs[r] for r in have])
        lo, hi = self.boxes
        ok = ((means > lo) & (means < hi)).all(axis=1)
        ok &= (self.net._signs(means) == pats).all(axis=1)
        idx = np.array(have)[ok]
        pts[idx] = means[ok]

    def _level(self, frontier: list[int]) -> list[int]:
        net = self.net
        todo = [r for r in frontier if self.points[r] is not None]
        self.unexpanded += len(frontier) - len(todo)
        if not todo:
            return []
        pats = np.array([self.signs[r] for r in todo])
        H, _ = _maps(net, pats, self.origin)
        props = []  # (region, cell, facets) of each region
        for k, r in enumerate(todo):
            cell = _Cell(pats[k], H[k], self.origin, self.points[r], self.boxes)
            if not cell.centred:
                better = _interior(net, pats[k], self.origin, self.boxes, self.points[r])
                if better is None:
                    self.unexpanded += 1
                    continue
                self.points[r] = better
                cell = _Cell(pats[k], H[k], self.origin, better, self.boxes)
            facets, verts = cell.facets(self.qhull)
            self.n_lps += facets.n_lps
            if verts is not None:
                self.vertices[r] = cell.p + cell.vector(verts)
            props.append((r, cell, facets))
        return self._certify(props)

    def _certify(self, props: list) -> list[int]:
        """Check every proposed facet of a level at once; add the neighbours found."""
        region, pats, expect, base, offset, owner = [], [], [], [], [], []
        for k, (r, cell, facets) in enumerate(props):
            neuron = cell.cols[facets.rows] >= 0
            rows = facets.rows[neuron]
            region += [r] * rows.shape[0]
            owner += [k] * rows.shape[0]
            expect.append(cell.cols[rows])
            base.append(cell.p + cell.vector(facets.base[neuron]))
            offset.append(cell.vector(facets.offset[neuron]))
        new: list[int] = []
        if not region:
            return new
        region_arr = np.array(region)
        pats = np.array([self.signs[r] for r in region])
        expect_arr = np.concatenate(expect)
        groups, near, there, points = self.wit.certify(
            pats, expect_arr, np.vstack(base), np.vstack(offset), self.origin
        )
        for i in [i for i, g in enumerate(groups) if g is None]:  # a margin LP, then again
            r, cell, facets = props[owner[i]]
            row = int(np.flatnonzero(cell.cols == expect_arr[i])[0])
            w = _polytopes.margin_witness(cell.A, cell.b, facets.groups, row)
            self.n_lps += 1
            if w is None:
                continue
            g2, n2, t2, p2 = self.wit.certify(
                pats[i : i + 1],
                expect_arr[i : i + 1],
                cell.p + cell.vector(w[0])[None, :],
                cell.vector(w[1])[None, :],
                self.origin,
            )
            groups[i], near[i], there[i], points[i] = g2[0], n2[0], t2[0], p2[0]
        facet_cols: dict[int, list[np.ndarray]] = {}
        N = self.net.n_neurons
        for i, g in enumerate(groups):
            r = int(region_arr[i])
            if g is None:
                self.unverified += 1
                continue
            facet_cols.setdefault(r, []).append(g)
            if near[i]:
                pattern, point = there[i], points[i]
            else:
                broken = np.zeros(N, dtype=bool)
                broken[g] = True
                pattern = self.wit.across(pats[i], broken, points[i])
                point = _interior(self.net, pattern, self.origin, self.boxes, points[i])
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
