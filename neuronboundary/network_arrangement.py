"""2-D slices of a network: every region of constant sign pattern (over the neurons of all
layers) as a convex polygon, with the (layer, neuron) that made each of its edges.

Algorithm: layer 0 is the exact line arrangement of :func:`~neuronboundary.arrangement_2d`.
Every later layer is affine on each region made so far, so inside a region its neurons are
straight lines; each region is cut by them one neuron at a time. The work is vectorised with
numpy over all polygons at once (flat vertex arrays with offsets): a neuron's line is first
tested against each polygon's centroid and radius, and only the polygons it can reach are
clipped (Sutherland-Hodgman, both halves at once). The affine map of layer ``l + 1`` on a region
is ``W_{l+1} (D ⊙ map_l) + b_{l+1}`` with ``D`` the activation slopes of the region's pattern.
Regions are processed depth-first in chunks so memory stays bounded.

Numeric contract
----------------
* Layer 0 is exactly :func:`~neuronboundary.arrangement_2d` (same regions, same patterns;
  exact predicates unless ``tol`` is given, which is then passed on to it).
* Deeper boundaries come from float64 compositions of the affine maps (in box-centred
  coordinates). A vertex within ``tol * diagonal(box)`` of a neuron's line (distance
  ``|z| / |grad z|``) is *on* the line: the line passes through it without cutting, so a
  boundary through an existing vertex creates no sliver, and no region thinner than that
  tolerance is ever made (regions that would collapse to a point or a segment are not made).
  ``tol`` defaults to ``1e-9`` for the deeper layers (``DEEP_TOL``).
* A region's sign for a deeper neuron is the sign of its affine map at the region's interior
  point (mean of its vertices); a neuron whose map is identically zero on a region (dead, or
  constant along the slice) has sign 0 there, one with a zero gradient has ``sign(constant)``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from neuronboundary.arrangement import arrangement_2d, read_box
from neuronboundary.network import Network

__all__ = ["NetworkArrangement2D", "NetworkRegion", "network_arrangement_2d"]

#: Regions whose layer map is computed at once (bounds memory: chunk * 3 * width floats).
_CHUNK = 4096
#: Tolerance of the deeper layers (relative to the box diagonal) when ``tol`` is None.
DEEP_TOL = 1e-9
#: Box edges as edge tags (x1 = lo, x1 = hi, x2 = lo, x2 = hi).
BOX_TAGS = (-1, -2, -3, -4)


@dataclass(frozen=True)
class NetworkRegion:
    """One region of a network slice: a convex polygon of constant sign pattern.

    Attributes
    ----------
    index : int
    vertices : numpy.ndarray, shape (k, 2), counter-clockwise
    signs : numpy.ndarray, shape (N,), int8 over all neurons of all layers
    area : float
    point : numpy.ndarray, shape (2,), strictly inside
    edge_neurons : numpy.ndarray, shape (k,), int64
        The neuron (pattern column) whose zero set carries the edge from vertex i to i + 1,
        or -1..-4 for the box edges (x1 = lo, x1 = hi, x2 = lo, x2 = hi).
    """

    index: int
    vertices: np.ndarray
    signs: np.ndarray
    area: float
    point: np.ndarray
    edge_neurons: np.ndarray


class _Regions(Sequence):
    def __init__(self, arrangement: NetworkArrangement2D) -> None:
        self._arr = arrangement

    def __len__(self) -> int:
        return self._arr.n_regions

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self._arr.region(i)

    def __iter__(self) -> Iterator[NetworkRegion]:
        for i in range(len(self)):
            yield self._arr.region(i)


@dataclass(frozen=True, eq=False)
class NetworkArrangement2D:
    """The regions of constant sign pattern of a network over a 2-D input box.

    Same vocabulary as :class:`~neuronboundary.Arrangement2D`; built by
    :func:`~neuronboundary.arrangement_2d` given a :class:`~neuronboundary.Network`. Neurons are pattern
    columns over all layers (see :attr:`Network.neuron_offsets`).

    Attributes
    ----------
    network : Network (in_dim 2)
    box : ((x1_lo, x1_hi), (x2_lo, x2_hi))
    tol : float or None
        As passed to :func:`~neuronboundary.arrangement_2d`.
    vertex_offsets : numpy.ndarray, shape (R + 1,)
    polygon_vertices : numpy.ndarray, shape (F, 2), counter-clockwise per region
    edge_neurons : numpy.ndarray, shape (F,), int64
        Provenance of the edge from each polygon vertex to the next (see :class:`NetworkRegion`).
    areas : numpy.ndarray, shape (R,)
    points : numpy.ndarray, shape (R, 2), one interior point per region
    positive_bits, negative_bits : numpy.ndarray, shape (R, ceil(N / 8)), uint8
        Packed sign patterns.
    output_maps : numpy.ndarray, shape (R, 3, out_dim)
        The output layer's pre-activation on each region: ``x1 * M[0] + x2 * M[1] + M[2]``.
    """

    network: Network
    box: tuple[tuple[float, float], tuple[float, float]]
    tol: float | None
    vertex_offsets: np.ndarray
    polygon_vertices: np.ndarray
    edge_neurons: np.ndarray
    areas: np.ndarray
    points: np.ndarray
    positive_bits: np.ndarray
    negative_bits: np.ndarray
    output_maps: np.ndarray

    # ------------------------------------------------------------------ basics
    @property
    def n_regions(self) -> int:
        """Number of regions R."""
        return self.areas.shape[0]

    @property
    def n_neurons(self) -> int:
        """Number of neurons N (all layers)."""
        return self.network.n_neurons

    def __len__(self) -> int:
        return self.n_regions

    def __repr__(self) -> str:
        return (
            f"NetworkArrangement2D(n_regions={self.n_regions}, layers="
            f"{self.network.layer_sizes}, box={self.box})"
        )

    @property
    def regions(self) -> Sequence[NetworkRegion]:
        """All regions as a read-only sequence of :class:`NetworkRegion` (built on access)."""
        return _Regions(self)

    def region(self, index: int) -> NetworkRegion:
        """Region ``index``."""
        r = self._check_region(index)
        lo, hi = self.vertex_offsets[r], self.vertex_offsets[r + 1]
        return NetworkRegion(
            index=r,
            vertices=self.polygon_vertices[lo:hi].copy(),
            signs=self.signs_of(r)[0],
            area=float(self.areas[r]),
            point=self.points[r].copy(),
            edge_neurons=self.edge_neurons[lo:hi].copy(),
        )

    def signs_of(self, regions: Any) -> np.ndarray:
        """Sign patterns of the given regions, int8 (len(regions), N)."""
        idx = np.atleast_1d(np.asarray(regions))
        if idx.dtype.kind not in "iu":
            raise TypeError(f"regions must be integer indices; got dtype {idx.dtype}.")
        for r in idx[(idx < 0) | (idx >= self.n_regions)][:1]:
            self._check_region(int(r))
        m = self.n_neurons
        pos = np.unpackbits(self.positive_bits[idx], axis=1, count=m)
        neg = np.unpackbits(self.negative_bits[idx], axis=1, count=m)
        return (pos.astype(np.int8) - neg.astype(np.int8)).astype(np.int8)

    @property
    def signs(self) -> np.ndarray:
        """Dense patterns of all regions, int8 (R, N)."""
        return self.signs_of(np.arange(self.n_regions))

    def layer_signs(self, layer: int) -> np.ndarray:
        """The columns of :attr:`signs` that belong to ``layer``, int8 (R, m_layer)."""
        lay = self.network._check_layer_index(layer)
        off = self.network.neuron_offsets
        return self.signs[:, off[lay] : off[lay + 1]]

    # ------------------------------------------------------------------ edges
    @cached_property
    def _edge_region(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_regions), np.diff(self.vertex_offsets))

    @cached_property
    def _edge_next(self) -> np.ndarray:
        nxt = np.arange(self.polygon_vertices.shape[0]) + 1
        nxt[self.vertex_offsets[1:] - 1] = self.vertex_offsets[:-1]
        return nxt

    def edges(self) -> tuple[np.ndarray, np.ndarray]:
        """Every boundary segment once: ``(segments (S, 2, 2), neurons (S,))``.

        ``neurons`` are pattern columns (-1..-4 for box edges); ``network.layer_of`` gives
        their layers. An inner edge is listed from the region on its neuron's positive side.
        """
        tag = self.edge_neurons
        reg = self._edge_region
        keep = tag < 0
        inner = np.flatnonzero(~keep)
        if inner.size:
            sign = self._sign_entries(reg[inner], tag[inner])
            keep[inner] = sign > 0
            # an edge with no positive side (the neuron is 0 or negative on both sides) is
            # listed from the side where the neuron is not negative, else once per side
            keep[inner[sign == 0]] = True
        idx = np.flatnonzero(keep)
        seg = np.stack(
            [self.polygon_vertices[idx], self.polygon_vertices[self._edge_next[idx]]], axis=1
        )
        return seg, tag[idx].copy()

    def zero_set(self, layer: int, neuron: int, *, polylines: bool = False) -> Any:
        """Where neuron ``neuron`` of ``layer`` is zero and changes sign (its boundary).

        Returns segments (S, 2, 2), each once; with ``polylines=True`` a list of (k, 2) arrays,
        the segments chained at shared end points (matched to ``tol`` of the box diagonal).

        >>> from neuronboundary import NeuronLayer
        >>> net = Network([NeuronLayer([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]),
        ...                NeuronLayer([[1.0, 1.0]], [-0.5])])
        >>> arr = network_arrangement_2d(net, ((-1, 1), (-1, 1)))
        >>> [line.round(2).tolist() for line in arr.zero_set(1, 0, polylines=True)]
        [[[-1.0, 0.5], [0.0, 0.5], [0.5, 0.0], [0.5, -1.0]]]
        """
        col = self.network.neuron_index(layer, neuron)
        seg, tags = self.edges()
        seg = seg[tags == col]
        if not polylines:
            return seg
        (x0, x1), (y0, y1) = self.box
        step = (self.tol or DEEP_TOL) * float(np.hypot(x1 - x0, y1 - y0)) * 16
        keys = [tuple(np.round(p / step).astype(np.int64).tolist()) for p in seg.reshape(-1, 2)]
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

        # start at the ends of open chains (a key seen once), then close the cycles
        singles = [i for i in range(seg.shape[0]) if len(ends[keys[2 * i]]) == 1]
        singles += [i for i in range(seg.shape[0]) if len(ends[keys[2 * i + 1]]) == 1]
        for i in singles + list(range(seg.shape[0])):
            if used[i]:
                continue
            start_end = 0 if len(ends[keys[2 * i]]) == 1 or i not in singles else 1
            pts = [seg[i, start_end], *walk(i, 1 - start_end)]
            out.append(np.array(pts))
        return out

    def decision_boundary(self) -> np.ndarray:
        """The network's decision boundary as segments (S, 2, 2).

        One output: its zero set. Several: where the argmax changes (``z_i = z_j >= z_k`` for
        all k), computed inside each region from its affine output map.
        """
        n_out = self.network.out_dim
        if n_out == 1:
            return self.zero_set(-1, 0)
        maps = self.output_maps  # (R, 3, n_out)
        verts, _off = self.polygon_vertices, self.vertex_offsets
        reg = self._edge_region
        nxt = self._edge_next
        p, q = verts, verts[nxt]
        out = []
        for i in range(n_out):
            for j in range(i + 1, n_out):
                d = maps[:, :, i] - maps[:, :, j]  # the line d0 x + d1 y + d2 = 0
                # parametrise the line: foot + s * dir
                g2 = d[:, 0] ** 2 + d[:, 1] ** 2
                ok = g2 > 0
                with np.errstate(divide="ignore", invalid="ignore"):
                    foot = -(d[:, 2] / g2)[:, None] * d[:, :2]
                direction = np.column_stack([-d[:, 1], d[:, 0]])
                s_lo = np.full(self.n_regions, -np.inf)
                s_hi = np.full(self.n_regions, np.inf)
                # polygon edges (CCW): inside is left of p->q: cross(q - p, x - p) >= 0
                e = q - p
                fr, dr = foot[reg], direction[reg]
                num = e[:, 0] * (fr[:, 1] - p[:, 1]) - e[:, 1] * (fr[:, 0] - p[:, 0])
                den = e[:, 0] * dr[:, 1] - e[:, 1] * dr[:, 0]
                s_lo, s_hi = _clip_ranges(num, den, reg, self.n_regions, s_lo, s_hi)
                for k in range(n_out):
                    if k in (i, j):
                        continue
                    c = maps[:, :, i] - maps[:, :, k]  # need c . (x, 1) >= 0
                    num = c[:, 0] * foot[:, 0] + c[:, 1] * foot[:, 1] + c[:, 2]
                    den = c[:, 0] * direction[:, 0] + c[:, 1] * direction[:, 1]
                    s_lo, s_hi = _clip_ranges(
                        num, den, np.arange(self.n_regions), self.n_regions, s_lo, s_hi
                    )
                good = ok & (s_hi > s_lo)
                a = foot[good] + s_lo[good, None] * direction[good]
                b = foot[good] + s_hi[good, None] * direction[good]
                out.append(np.stack([a, b], axis=1))
        return np.concatenate(out) if out else np.zeros((0, 2, 2))

    # ------------------------------------------------------------------ adjacency
    @cached_property
    def _hash_key(self) -> np.ndarray:
        rng = np.random.default_rng(20261125)
        return rng.integers(-(2**62), 2**62, size=self.n_neurons, dtype=np.int64)

    @cached_property
    def _hashes(self) -> np.ndarray:
        out = np.empty(self.n_regions, dtype=np.int64)
        key = self._hash_key
        for s in range(0, self.n_regions, _CHUNK):
            rows = self.signs_of(np.arange(s, min(s + _CHUNK, self.n_regions)))
            out[s : s + rows.shape[0]] = rows.astype(np.int64) @ key
        return out

    @cached_property
    def _hash_order(self) -> np.ndarray:
        return np.argsort(self._hashes, kind="stable")

    def _lookup(self, hashes: np.ndarray) -> np.ndarray:
        order = self._hash_order
        sorted_h = self._hashes[order]
        pos = np.searchsorted(sorted_h, hashes)
        pos = np.minimum(pos, sorted_h.shape[0] - 1)
        return np.where(sorted_h[pos] == hashes, order[pos], -1)

    def _sign_entries(self, regions: np.ndarray, cols: np.ndarray) -> np.ndarray:
        byte, bit = cols // 8, 7 - cols % 8
        pos = (self.positive_bits[regions, byte] >> bit) & 1
        neg = (self.negative_bits[regions, byte] >> bit) & 1
        return pos.astype(np.int8) - neg.astype(np.int8)

    @cached_property
    def adjacency(self) -> np.ndarray:
        """Pairs ``(r, s)``, ``r < s``, of regions sharing an edge, int64 (E, 2), sorted."""
        tag = self.edge_neurons
        reg = self._edge_region
        inner = np.flatnonzero(tag >= 0)
        r, col = reg[inner], tag[inner]
        s = self._sign_entries(r, col).astype(np.int64)
        key = self._hash_key[col]
        h = self._hashes[r]
        other = self._lookup(h - 2 * s * key)  # the neighbour: that neuron flipped
        miss = other < 0
        if miss.any():  # the neighbour has the neuron at 0 (identically zero there)
            other[miss] = self._lookup(h[miss] - s[miss] * key[miss])
        miss = np.flatnonzero(other < 0)
        if miss.size:  # coincident boundaries: read the pattern just across the edge
            e = inner[miss]
            p, q = self.polygon_vertices[e], self.polygon_vertices[self._edge_next[e]]
            mid = 0.5 * (p + q)
            normal = np.column_stack([q[:, 1] - p[:, 1], p[:, 0] - q[:, 0]])  # outward (CCW)
            length = np.hypot(normal[:, 0], normal[:, 1])
            (x0, x1), (y0, y1) = self.box
            step = 1e-7 * np.hypot(x1 - x0, y1 - y0)
            probe = mid + normal / np.maximum(length, 1e-300)[:, None] * step
            probe[:, 0] = np.clip(probe[:, 0], x0, x1)
            probe[:, 1] = np.clip(probe[:, 1], y0, y1)
            rows = self.network.signs(probe)
            other[miss] = self._lookup(rows.astype(np.int64) @ self._hash_key)
        ok = (other >= 0) & (other != r)
        a, b = np.minimum(r[ok], other[ok]), np.maximum(r[ok], other[ok])
        pairs = np.unique(a * (self.n_regions + 1) + b)
        return np.column_stack([pairs // (self.n_regions + 1), pairs % (self.n_regions + 1)])

    def neighbors(self, region: int) -> list[tuple[int, np.ndarray]]:
        """Regions sharing an edge with ``region``, each with the neurons that separate them."""
        r = self._check_region(region)
        adj = self.adjacency
        rows = np.flatnonzero((adj[:, 0] == r) | (adj[:, 1] == r))
        out = []
        for e in rows:
            other = int(adj[e, 1] if adj[e, 0] == r else adj[e, 0])
            out.append((other, self.transition(r, other)))
        return sorted(out, key=lambda pair: pair[0])

    def separating(self, a: int, b: int) -> np.ndarray:
        """Neurons whose sign differs between adjacent regions ``a`` and ``b``."""
        ra, rb = sorted((self._check_region(a), self._check_region(b)))
        adj = self.adjacency
        if not np.any((adj[:, 0] == ra) & (adj[:, 1] == rb)):
            raise ValueError(
                f"regions {a} and {b} share no edge; transition({a}, {b}) gives the neurons "
                f"whose sign differs between any two regions."
            )
        return self.transition(ra, rb)

    # ------------------------------------------------------------------ points
    def locate(self, x: Any) -> np.ndarray:
        """Region of each input point, int64 (n,); -1 for a point on a boundary (a 0 in its
        exact pattern that no region has). Points outside the box raise ``ValueError``."""
        pts = self._check_points(x)
        rows = self.network.signs(pts)
        found = self._lookup(rows.astype(np.int64) @ self._hash_key)
        # guard against hash collisions: the pattern must match exactly
        ok = found >= 0
        if ok.any():
            same = np.all(self.signs_of(found[ok]) == rows[ok], axis=1)
            idx = np.flatnonzero(ok)
            found[idx[~same]] = -1
        return found

    def transition(self, a: Any, b: Any) -> np.ndarray:
        """Neurons (pattern columns, sorted) whose sign differs between ``a`` and ``b``, each a
        region index or a point (2,)."""
        return np.flatnonzero(self._pattern(a, "a") != self._pattern(b, "b"))

    def _pattern(self, item: Any, name: str) -> np.ndarray:
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            return self.signs_of(self._check_region(item))[0]
        pts = self._check_points(item, name)
        if pts.shape[0] != 1:
            raise ValueError(f"{name} must be one region index or one point (x1, x2).")
        return self.network.signs(pts)[0]

    def _check_region(self, index: Any) -> int:
        R = self.n_regions
        if (
            isinstance(index, bool)
            or not isinstance(index, (int, np.integer))
            or not -R <= index < R
        ):
            raise IndexError(f"region index must be an integer in [0, {R}); got {index!r}.")
        return int(index) % R

    def _check_points(self, x: Any, name: str = "x") -> np.ndarray:
        pts = self.network.check_inputs(x, name)
        (x0, x1), (y0, y1) = self.box
        outside = (pts[:, 0] < x0) | (pts[:, 0] > x1) | (pts[:, 1] < y0) | (pts[:, 1] > y1)
        if outside.any():
            raise ValueError(
                f"{name} must lie in the box {self.box}; {int(outside.sum())} point(s) do not "
                f"(first: {tuple(pts[outside][0])}). Build the arrangement on a larger box."
            )
        return pts


def _clip_ranges(
    num: np.ndarray, den: np.ndarray, group: np.ndarray, n: int, s_lo: np.ndarray, s_hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Intersect parameter ranges with half-lines ``num + s * den >= 0`` grouped per region."""
    with np.errstate(divide="ignore", invalid="ignore"):
        s = -num / den
    lo = np.full(n, -np.inf)
    hi = np.full(n, np.inf)
    up = den > 0
    np.maximum.at(lo, group[up], s[up])
    down = den < 0
    np.minimum.at(hi, group[down], s[down])
    empty = np.zeros(n, dtype=bool)
    flat = (den == 0) & (num < 0)
    empty[group[flat]] = True
    s_lo, s_hi = np.maximum(s_lo, lo), np.minimum(s_hi, hi)
    s_hi[empty] = -np.inf
    return s_lo, s_hi


# ====================================================================== construction
def _ranges(start: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(start[i], start[i] + count[i])``."""
    total = int(count.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    base = np.repeat(start - np.concatenate([[0], np.cumsum(count)[:-1]]), count)
    return base + np.arange(total)


def _centre_radius(xy: np.ndarray, start: np.ndarray, count: np.ndarray):
    if start.shape[0] == 0:
        return np.zeros((0, 2)), np.zeros(0)
    vid = _ranges(start, count)
    poly = np.repeat(np.arange(start.shape[0]), count)
    pts = xy[vid]
    c = np.column_stack(
        [np.bincount(poly, pts[:, 0]) / count, np.bincount(poly, pts[:, 1]) / count]
    )
    d = np.hypot(pts[:, 0] - c[poly, 0], pts[:, 1] - c[poly, 1])
    r = np.zeros(start.shape[0])
    np.maximum.at(r, poly, d)
    return c, r


def _cut_layer(
    xy: np.ndarray, off: np.ndarray, tag: np.ndarray, coef: np.ndarray, cols: np.ndarray, eps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut every polygon by the lines of one layer's neurons (in neuron order).

    ``coef`` (P, 3, m): neuron j's map on polygon p is ``coef[p, :, j] . (x, y, 1)``; ``cols``
    (m,): the pattern column of each neuron (the edge tag its cuts leave). Returns the pieces as
    ``(xy, offsets, tags, root, root_signs, cand)`` with ``root`` the polygon each piece came
    from, ``root_signs`` (P, m) each neuron's sign at each polygon's centroid (the sign on the
    whole polygon for the neurons that do not cut it) and ``cand`` (P, m) the neurons that cut.

    Vectorised across polygons: a neuron can only cut a polygon if its line passes within the
    polygon's radius of its centroid, so each polygon gets its list of candidate neurons; step k
    cuts every polygon (and the pieces made from it so far) by its k-th candidate at once.
    Polygons are ordered by decreasing number of candidates, so those that are done form a
    suffix and leave the working set.
    """
    P0 = off.shape[0] - 1
    cnt0 = np.diff(off)
    centre, rad = _centre_radius(xy, off[:-1], cnt0)
    z = coef[:, 0, :] * centre[:, 0, None] + coef[:, 1, :] * centre[:, 1, None] + coef[:, 2, :]
    g = np.hypot(coef[:, 0, :], coef[:, 1, :])
    cand = np.abs(z) < g * (rad[:, None] + 2 * eps)
    # keep the pairs whose line really has polygon vertices strictly on both sides
    pr, pj = np.nonzero(cand)
    vid = _ranges(off[:-1][pr], cnt0[pr])
    rep = np.repeat(np.arange(pr.shape[0]), cnt0[pr])
    c = coef[pr[rep], :, pj[rep]]
    v = c[:, 0] * xy[vid, 0] + c[:, 1] * xy[vid, 1] + c[:, 2]
    tol_v = eps * g[pr, pj][rep]
    has_pos = np.bincount(rep, v > tol_v, pr.shape[0]) > 0
    has_neg = np.bincount(rep, v < -tol_v, pr.shape[0]) > 0
    cand[pr, pj] = has_pos & has_neg
    flat = g == 0.0
    root_signs = np.sign(np.where(flat, coef[:, 2, :], z)).astype(np.int8)
    ncand = cand.sum(axis=1)
    order = np.argsort(-ncand, kind="stable")
    ncs = ncand[order]
    _, cand_col = np.nonzero(cand[order])
    cstart = np.concatenate([[0], np.cumsum(ncs)[:-1]]).astype(np.int64)
    vid = _ranges(off[:-1][order], cnt0[order])
    wxy, wtag, wcnt = xy[vid], tag[vid], cnt0[order]
    wroot = np.arange(P0)  # rank of the root polygon (position in ``order``)
    done: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def retire(n_active: int) -> None:
        nonlocal wxy, wtag, wcnt, wroot
        p = int(np.searchsorted(wroot, n_active))
        f = int(wcnt[:p].sum())
        if p < wroot.shape[0]:
            done.append((wxy[f:], wtag[f:], wcnt[p:], wroot[p:]))
            wxy, wtag, wcnt, wroot = wxy[:f], wtag[:f], wcnt[:p], wroot[:p]

    k = 0
    retire(int(np.count_nonzero(ncs > 0)))
    while wroot.shape[0]:
        Pw, Fw = wroot.shape[0], wxy.shape[0]
        j = cand_col[cstart[wroot] + k]
        c = coef[order[wroot], :, j]  # (Pw, 3)
        gw = np.hypot(c[:, 0], c[:, 1])
        local = np.repeat(np.arange(Pw), wcnt)
        cl = c[local]
        v = cl[:, 0] * wxy[:, 0] + cl[:, 1] * wxy[:, 1] + cl[:, 2]
        s = np.sign(v).astype(np.int8)
        s[np.abs(v) <= eps * gw[local]] = 0
        npos = np.bincount(local, s > 0, Pw)
        nneg = np.bincount(local, s < 0, Pw)
        cut = (npos > 0) & (nneg > 0)
        if cut.any():
            first = np.concatenate([[0], np.cumsum(wcnt)[:-1]]).astype(np.int64)
            nxt = np.arange(Fw) + 1
            nxt[first + wcnt - 1] = first
            sn, vn = s[nxt], v[nxt]
            cutv = cut[local]
            cross = cutv & ((s.astype(np.int16) * sn) < 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                lam = np.where(cross, v / (v - vn), 0.0)
            xpt = wxy + (wxy[nxt] - wxy) * lam[:, None]
            pts = np.empty((Fw, 2, 2))
            pts[:, 0], pts[:, 1] = wxy, xpt
            pts = pts.reshape(-1, 2)
            col = cols[j][local]
            keeps, tags = [], []
            for side in (1, -1):
                keep_p = np.where(cutv, s * side >= 0, side == 1)
                tag_p = np.where(cutv & (s == 0) & (sn * side < 0), col, wtag)
                tag_x = np.where(s * side > 0, col, wtag)
                keeps.append(np.stack([keep_p, cross], axis=1).reshape(-1))
                tags.append(np.stack([tag_p, tag_x], axis=1).reshape(-1))
            starts = np.stack([2 * first, 2 * Fw + 2 * first], axis=1).reshape(-1)
            counts = np.repeat(2 * wcnt, 2)
            slot = _ranges(starts, counts)
            slot = slot[np.concatenate(keeps)[slot]]
            wxy = pts[slot % (2 * Fw)]
            wtag = np.concatenate(tags)[slot]
            kp, kn = keeps
            cpos = np.bincount(np.repeat(local, 2), kp, Pw).astype(np.int64)
            cneg = np.bincount(np.repeat(local, 2), kn, Pw).astype(np.int64)
            both = np.stack([cpos, cneg], axis=1).reshape(-1)
            nonempty = both > 0
            wcnt = both[nonempty]
            wroot = np.repeat(wroot, 2)[nonempty]
        k += 1
        retire(int(np.count_nonzero(ncs > k)))
    parts = done[::-1]
    out_xy = np.concatenate([p[0] for p in parts])
    out_tag = np.concatenate([p[1] for p in parts])
    out_cnt = np.concatenate([p[2] for p in parts])
    out_root = order[np.concatenate([p[3] for p in parts])]
    out_off = np.concatenate([[0], np.cumsum(out_cnt)]).astype(np.int64)
    return out_xy, out_off, out_tag, out_root, root_signs, cand


def _layer_coefficients(
    network: Network, lay: int, prev: np.ndarray, signs_prev: np.ndarray, skipmaps: dict
) -> tuple[np.ndarray, np.ndarray]:
    """Layer ``lay``'s map on each region, (P, 3, m), from layer ``lay - 1``'s map ``prev``
    (P, 3, m_prev) and its signs (P, m_prev) on those regions, plus residual connections
    (``skipmaps[source]``: the map of that layer's input). Also returns the map of layer
    ``lay``'s input."""
    a = network.negative_slopes[lay - 1]
    slope = np.where(signs_prev > 0, 1.0, a if a != 0.0 else 0.0)
    slope[signs_prev == 0] = 0.0 if a != 1.0 else 1.0
    h = prev * slope[:, None, :]
    for src, _, mat, off in network._skips_into(lay):
        sk = skipmaps[src]
        h = h + (sk.reshape(-1, sk.shape[2]) @ mat.T).reshape(sk.shape[0], 3, -1)
        h[:, 2, :] += off
    layer = network.layers[lay]
    P, _, mp = h.shape
    out = (h.reshape(3 * P, mp) @ layer.weight.T).reshape(P, 3, -1)
    out[:, 2, :] += layer.bias
    return out, h


def network_arrangement_2d(
    network: Network, box: Any, *, tol: float | None = None
) -> NetworkArrangement2D:
    """Every region of constant sign pattern of a 2-D network in a box, with edge provenance.

    Called by :func:`~neuronboundary.arrangement_2d` when given a :class:`~neuronboundary.Network`; see this
    module's docstring for the algorithm and the numeric contract.

    Parameters
    ----------
    network : Network with in_dim == 2 (see :func:`~neuronboundary.slice_2d`)
    box : ((x1_lo, x1_hi), (x2_lo, x2_hi))
    tol : float, optional
        Relative to the box diagonal: the distance under which a vertex is on a deeper
        neuron's line (default ``DEEP_TOL = 1e-9``). Given, it is also passed to the layer-0
        arrangement (opt-in merging there); None keeps layer 0 exact.

    Returns
    -------
    NetworkArrangement2D

    Examples
    --------
    >>> from neuronboundary import NeuronLayer, arrangement_2d
    >>> net = Network([NeuronLayer([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]),
    ...                NeuronLayer([[1.0, 1.0]], [-0.5])])
    >>> arr = arrangement_2d(net, ((-1, 1), (-1, 1)))
    >>> arr.n_regions  # the axes make 4 quadrants; relu(x) + relu(y) = 0.5 cuts the first 3
    7
    >>> arr.transition([0.9, 0.9], [0.1, 0.1]).tolist()  # column 2: layer 1, neuron 0
    [2]
    """
    if not isinstance(network, Network):
        raise TypeError(f"network must be a Network; got {type(network).__name__}.")
    if network.in_dim != 2:
        raise ValueError(
            f"arrangement_2d needs a network over a 2-D input; this network has in_dim="
            f"{network.in_dim}. Use slice_2d(network, origin, u, v) to view it on a plane."
        )
    bx = read_box(box)
    if tol is not None and not (
        isinstance(tol, (float, int, np.floating)) and not isinstance(tol, bool) and 0 < tol < 1e-3
    ):
        raise ValueError(
            f"tol must be None (layer 0 exact, deeper layers {DEEP_TOL:g}) or a small positive "
            f"number such as 1e-9; got {tol!r}."
        )
    (X0, X1), (Y0, Y1) = bx
    eps = float(DEEP_TOL if tol is None else tol) * float(np.hypot(X1 - X0, Y1 - Y0))
    center = np.array([(X0 + X1) / 2, (Y0 + Y1) / 2])
    layer0 = network.layers[0]
    arr0 = arrangement_2d(layer0, bx, tol=tol)
    xy0 = arr0.polygon_vertices - center
    off0 = arr0.vertex_offsets
    tag0 = _first_layer_tags(arr0.polygon_vertices, off0, layer0, bx, eps)
    signs0 = arr0.signs
    w0 = layer0.weight
    coef0 = np.empty((arr0.n_regions, 3, layer0.n_neurons))
    coef0[:, 0, :] = w0[:, 0]
    coef0[:, 1, :] = w0[:, 1]
    coef0[:, 2, :] = layer0.bias + center @ w0.T
    out: dict[str, list] = {k: [] for k in ("xy", "cnt", "tag", "pos", "neg", "maps")}
    offsets = network.neuron_offsets
    skipmaps = {}
    if 0 in network.skip_sources:  # the map of the input itself, x = x' + center
        ident = np.zeros((arr0.n_regions, 3, 2))
        ident[:, 0, 0] = ident[:, 1, 1] = 1.0
        ident[:, 2, :] = center
        skipmaps[0] = ident
    if network.n_layers == 1:
        out = {
            "xy": [xy0],
            "cnt": [np.diff(off0)],
            "tag": [tag0],
            "pos": [arr0.positive_bits],
            "neg": [arr0.negative_bits],
            "maps": [coef0],
        }
    else:
        coef1, h1 = _layer_coefficients(network, 1, coef0, signs0, skipmaps)
        if 1 in network.skip_sources:
            skipmaps[1] = h1
        _descend(network, 1, xy0, off0, tag0, coef1, signs0, skipmaps, eps, offsets, out)
    xy = np.concatenate(out["xy"]) + center
    cnt = np.concatenate(out["cnt"]).astype(np.int64)
    off = np.concatenate([[0], np.cumsum(cnt)]).astype(np.int64)
    # vertices on the box edges exactly onto them
    np.clip(xy[:, 0], X0, X1, out=xy[:, 0])
    np.clip(xy[:, 1], Y0, Y1, out=xy[:, 1])
    poly = np.repeat(np.arange(cnt.shape[0]), cnt)
    nxt = np.arange(xy.shape[0]) + 1
    nxt[off[1:] - 1] = off[:-1]
    cross = xy[:, 0] * xy[nxt, 1] - xy[nxt, 0] * xy[:, 1]
    areas = np.bincount(poly, cross, cnt.shape[0]) / 2.0
    points = np.column_stack(
        [
            np.bincount(poly, xy[:, 0], cnt.shape[0]) / cnt,
            np.bincount(poly, xy[:, 1], cnt.shape[0]) / cnt,
        ]
    )
    maps = np.concatenate(out["maps"])
    # output maps back to input coordinates: z = a (x - c) + const
    maps[:, 2, :] -= maps[:, 0, :] * center[0] + maps[:, 1, :] * center[1]
    return NetworkArrangement2D(
        network=network,
        box=bx,
        tol=tol if tol is None else float(tol),
        vertex_offsets=off,
        polygon_vertices=xy,
        edge_neurons=np.concatenate(out["tag"]).astype(np.int64),
        areas=areas,
        points=points,
        positive_bits=np.concatenate(out["pos"]),
        negative_bits=np.concatenate(out["neg"]),
        output_maps=maps,
    )


def _slopes(network: Network, lay: int, signs: np.ndarray) -> np.ndarray:
    """The activation's slope after layer ``lay`` for each sign (0 where the neuron is 0)."""
    a = float(network.negative_slopes[lay])
    out = np.where(signs > 0, 1.0, a)
    if a != 1.0:
        out[signs == 0] = 0.0
    return out


def _descend(
    network: Network,
    lay: int,
    xy: np.ndarray,
    off: np.ndarray,
    tag: np.ndarray,
    coef: np.ndarray,
    prefix: np.ndarray,
    skipmaps: dict,
    eps: float,
    offsets: np.ndarray,
    out: dict[str, list],
) -> None:
    """Cut the given polygons (regions after layer ``lay - 1``; ``coef`` (P, 3, m) is layer
    ``lay``'s map on each, ``prefix`` their patterns so far, ``skipmaps`` the maps of the layer
    inputs that residual connections read) by layers ``lay`` and later, and emit the regions.

    The next layer's map on a piece is ``W (D ⊙ map) + b``. It is computed once per region at
    the region's reference pattern (the signs at its centroid) by one matrix product, then
    corrected for each piece by a sparse product over the few neurons whose sign differs.
    """
    from scipy.sparse import csr_matrix

    P = off.shape[0] - 1
    m = network.layer_sizes[lay]
    last = lay == network.n_layers - 1
    m_next = m if last else network.layer_sizes[lay + 1]
    chunk = max(1, min(_CHUNK, 1_000_000 // (3 * max(m, m_next))))
    cols = np.arange(offsets[lay], offsets[lay + 1])
    for s in range(0, P, chunk):
        e = min(P, s + chunk)
        c = coef[s:e]
        vs, ve = off[s], off[e]
        cxy, coff, ctag, root, root_signs, cand = _cut_layer(
            xy[vs:ve], off[s : e + 1] - vs, tag[vs:ve], c, cols, eps
        )
        cnt = np.diff(coff)
        poly = np.repeat(np.arange(cnt.shape[0]), cnt)
        pts = np.column_stack(
            [
                np.bincount(poly, cxy[:, 0], cnt.shape[0]) / cnt,
                np.bincount(poly, cxy[:, 1], cnt.shape[0]) / cnt,
            ]
        )
        # a neuron that cuts no vertex of the region keeps its sign there; the others are
        # evaluated at the piece's interior point
        signs = root_signs[root]
        ci, cj = np.nonzero(cand[root])
        cc = c[root[ci], :, cj]
        zc = cc[:, 0] * pts[ci, 0] + cc[:, 1] * pts[ci, 1] + cc[:, 2]
        signs[ci, cj] = np.sign(zc).astype(np.int8)
        new_prefix = np.concatenate([prefix[s:e][root], signs], axis=1)
        if last:
            out["xy"].append(cxy)
            out["cnt"].append(cnt)
            out["tag"].append(ctag)
            out["pos"].append(np.packbits(new_prefix > 0, axis=1))
            out["neg"].append(np.packbits(new_prefix < 0, axis=1))
            out["maps"].append(c[root])
            continue
        # the input of layer lay + 1 at each region's reference pattern, then layer lay + 1
        h_ref = c * _slopes(network, lay, root_signs)[:, None, :]
        for src, _, mat, offv in network._skips_into(lay + 1):
            sk = skipmaps[src][s:e]
            h_ref += (sk.reshape(-1, sk.shape[2]) @ mat.T).reshape(sk.shape[0], 3, -1)
            h_ref[:, 2, :] += offv
        layer = network.layers[lay + 1]
        k_ref = (h_ref.reshape(-1, m) @ layer.weight.T).reshape(e - s, 3, -1)
        k_ref[:, 2, :] += layer.bias
        # per piece: the neurons whose slope differs from the reference
        delta = _slopes(network, lay, signs[ci, cj]) - _slopes(
            network, lay, root_signs[root[ci], cj]
        )
        keep = delta != 0.0
        di, dj, dv = ci[keep], cj[keep], delta[keep]
        vals = (cc[keep] * dv[:, None]).reshape(-1)
        rows = (3 * di[:, None] + np.arange(3)).reshape(-1)
        corr = csr_matrix((vals, (rows, np.repeat(dj, 3))), shape=(3 * root.shape[0], m))
        k_next = k_ref[root]
        k_next += (corr @ layer.weight.T).reshape(root.shape[0], 3, -1)
        child_skips = {k: v[s:e][root] for k, v in skipmaps.items()}
        if lay + 1 in network.skip_sources:
            h = h_ref[root]
            h += corr.toarray().reshape(root.shape[0], 3, m)
            child_skips[lay + 1] = h
        _descend(
            network, lay + 1, cxy, coff, ctag, k_next, new_prefix, child_skips, eps, offsets, out
        )


def _first_layer_tags(
    verts: np.ndarray, off: np.ndarray, layer: Any, box: Any, eps: float
) -> np.ndarray:
    """Edge tags of the layer-0 arrangement's polygons: the neuron whose line carries each
    edge (nearest line to the edge's midpoint), or -1..-4 for box edges."""
    nxt = np.arange(verts.shape[0]) + 1
    nxt[off[1:] - 1] = off[:-1]
    mid = 0.5 * (verts + verts[nxt])
    (x0, x1), (y0, y1) = box
    tags = np.full(verts.shape[0], -5, dtype=np.int64)
    w, b = layer.weight, layer.bias
    norm = np.hypot(w[:, 0], w[:, 1])
    active = np.flatnonzero(norm > 0)
    if active.size:
        for s in range(0, verts.shape[0], _CHUNK):
            d = np.abs(mid[s : s + _CHUNK] @ w[active].T + b[active]) / norm[active]
            tags[s : s + _CHUNK] = active[np.argmin(d, axis=1)]
            best = d[np.arange(d.shape[0]), np.argmin(d, axis=1)]
            tags[s : s + _CHUNK][best > 100 * eps] = -5
    both = np.stack([verts, verts[nxt]], axis=1)
    for t, (axis, value) in zip(BOX_TAGS, ((0, x0), (0, x1), (1, y0), (1, y1)), strict=True):
        on = (both[:, 0, axis] == value) & (both[:, 1, axis] == value)
        tags[on] = t
    return tags
