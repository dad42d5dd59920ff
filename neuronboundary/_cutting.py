"""Cutting the regions of a slice by the neurons of the deeper layers, exactly.

On a region, every neuron of the next layer is affine: ``z = a . u + c`` over the slice
coordinates ``u`` (relative to the slice's origin). Its map is computed from the region's sign
pattern (one matrix product per layer, :class:`~neuronboundary.network.UniformMaps`; the
pieces of a cut region share its product and add their own terms,
:class:`~neuronboundary.network.ActivatedMaps`) with a rigorous bound on its error. Each
decision is then a filtered predicate:

* *does the neuron reach the region?* its value at the region's centre against the largest
  change it can have over the region (half-extents grown by the vertices' error radii);
* *its sign at a vertex*: first the line at the float vertex, within the vertex's error radius
  (:func:`~neuronboundary._exact.signs_near`); else, a vertex being where two cut lines meet,
  the sign of a 3 x 3 determinant of three rows (2-D) or a 2 x 2 one (1-D), with the rows'
  error bounds;
* *is it constant on the region?* its gradient against its error bound; otherwise exact.

Undecided predicates recompute the rows exactly (:class:`~neuronboundary._hyperplanes.Hyperplanes`).
Regions are convex polygons cut one neuron at a time (both sides at once, vectorised across
polygons); a polygon's vertex is identified by the lines of its two edges. Regions are processed
depth first in chunks, so memory stays bounded by the chunk.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from neuronboundary import _exact
from neuronboundary._exact import U, gamma, inflate
from neuronboundary._hyperplanes import Hyperplanes, normalise
from neuronboundary.network import Network, UniformMaps

#: Work per chunk of regions: regions x 3 x width floats (bounds the memory of the maps).
_CHUNK_FLOATS = 3_000_000


def _ranges(start: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(start[i], start[i] + count[i])``."""
    total = int(count.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    base = np.repeat(start - np.concatenate([[0], np.cumsum(count)[:-1]]), count)
    return base + np.arange(total)


class Polygons:
    """Convex polygons in flat arrays: vertex coordinates ``xy`` (F, 2) relative to the slice
    origin, their error radii ``rad`` (F,), the line id ``tag`` (F,) of the edge from each
    vertex to the next (counter-clockwise), and ``off`` (P + 1,) the offsets of each polygon."""

    __slots__ = ("off", "rad", "tag", "xy")

    def __init__(self, xy: np.ndarray, rad: np.ndarray, tag: np.ndarray, off: np.ndarray) -> None:
        self.xy, self.rad, self.tag, self.off = xy, rad, tag, off

    @property
    def n(self) -> int:
        return self.off.shape[0] - 1

    @property
    def counts(self) -> np.ndarray:
        return np.diff(self.off)

    def owner(self) -> np.ndarray:
        return np.repeat(np.arange(self.n), self.counts)

    def prev_index(self) -> np.ndarray:
        """For each vertex, the index of the previous vertex of its polygon."""
        idx = np.arange(self.xy.shape[0]) - 1
        idx[self.off[:-1]] = self.off[1:] - 1
        return idx

    def next_index(self) -> np.ndarray:
        idx = np.arange(self.xy.shape[0]) + 1
        idx[self.off[1:] - 1] = self.off[:-1]
        return idx

    def slice(self, lo: int, hi: int) -> Polygons:
        """Polygons ``lo:hi`` (views, no copy)."""
        f0, f1 = int(self.off[lo]), int(self.off[hi])
        return Polygons(
            self.xy[f0:f1], self.rad[f0:f1], self.tag[f0:f1], self.off[lo : hi + 1] - f0
        )

    def take(self, polys: np.ndarray) -> Polygons:
        cnt = self.counts[polys]
        vid = _ranges(self.off[:-1][polys], cnt)
        off = np.concatenate([[0], np.cumsum(cnt)]).astype(np.int64)
        return Polygons(self.xy[vid], self.rad[vid], self.tag[vid], off)


# ====================================================================== predicates
def vertex_signs(
    table: Hyperplanes,
    polys: Polygons,
    vid: np.ndarray | None,
    rows: np.ndarray,
    errs: np.ndarray,
    exact_row: Any,
) -> np.ndarray:
    """Exact sign of lines at polygon vertices: vertex ``vid[e]`` (None: every vertex) in line
    ``rows[e]`` (known within ``errs[e]``; ``exact_row(e)`` gives it exactly). int8 (n,).

    First at the float vertex within its error radius (:func:`~neuronboundary._exact.signs_near`);
    a vertex too close to the line is where the lines of its two edges meet, so its sign is
    that of a 3 x 3 determinant of the three rows over the 2 x 2 one of the two."""
    xy, rad = (polys.xy, polys.rad) if vid is None else (polys.xy[vid], polys.rad[vid])
    s, sure = _exact.signs_near(rows, errs, xy, rad)
    todo = np.flatnonzero(~sure)
    if todo.size == 0:
        return s
    v = todo if vid is None else vid[todo]
    prev = polys.prev_index()[v]
    l1, l2 = polys.tag[prev], polys.tag[v]
    R, E = table.rows, table.errs
    r1, r2, e1, e2 = R[l1], R[l2], E[l1], E[l2]

    def exact3(e: int) -> tuple:
        return table.exact(l1[e]), table.exact(l2[e]), exact_row(int(todo[e]))

    def exact2(e: int) -> tuple:
        a, b = table.exact(l1[e]), table.exact(l2[e])
        return a[:2], b[:2]

    d3 = _exact.det3_signs(r1, r2, rows[todo], e1, e2, errs[todo], exact3)
    d2 = _exact.det2_signs(r1[:, :2], r2[:, :2], e1[:, :2], e2[:, :2], exact2)
    s[todo] = d3 * d2
    return s


def _centres(polys: Polygons) -> tuple[np.ndarray, np.ndarray]:
    """Each polygon's vertex mean and half-extents that surely contain the exact polygon."""
    if polys.n == 0:
        return np.zeros((0, 2)), np.zeros((0, 2))
    starts = polys.off[:-1]
    c = np.add.reduceat(polys.xy, starts, axis=0) / polys.counts[:, None]
    d = np.abs(polys.xy - np.repeat(c, polys.counts, axis=0)) + polys.rad[:, None]
    h = np.maximum.reduceat(d, starts, axis=0)
    return c, inflate(h, 4) + _exact.UNDERFLOW


# ====================================================================== one layer's cut
class CutResult:
    """Pieces of a chunk of polygons cut by one layer: the pieces, the polygon each came from,
    every neuron's sign on each piece (m columns of the layer), and on each polygon the signs
    its pieces share (``base``: 0 for the neurons that cut it)."""

    __slots__ = ("base", "pieces", "root", "signs")

    def __init__(self, pieces: Any, root: np.ndarray, signs: np.ndarray, base: np.ndarray) -> None:
        self.pieces, self.root, self.signs, self.base = pieces, root, signs, base


def cut_layer(
    table: Hyperplanes,
    polys: Polygons,
    Z: np.ndarray,
    B: np.ndarray,
    layer: int,
    regions: np.ndarray,
) -> CutResult:
    """Cut convex polygons by the lines of one layer's neurons, exactly.

    ``Z`` (P, 3, m) holds neuron j's map on polygon p as ``(a, b, c) = Z[p, :, j]`` (relative
    coordinates), each entry within ``B`` (3, m) of the exact one; ``regions`` (P,) the table's
    region id of each polygon (for the exact recipe). Returns the pieces, their root polygons and their signs (n_pieces, m).
    """
    P, _, _m = Z.shape
    col0 = int(table.network.neuron_offsets[layer])
    centre, half = _centres(polys)
    a, b = Z[:, 0, :], Z[:, 1, :]
    ea, eb, _ = B  # bounds valid on every polygon (m,) each
    cx, cy = np.abs(centre[:, 0]), np.abs(centre[:, 1])
    ones = np.ones(P)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        # z at the centre (3 terms: error gamma(3) of their magnitudes, in any order); the
        # bound: |z - z(centre)| over the polygon, the evaluation's error and the map's error,
        # 6 non-negative terms summed in any order
        v = np.einsum("pkj,pk->pj", Z, np.column_stack([centre, ones]))
        weights = np.column_stack([half[:, 0] + gamma(3) * cx, half[:, 1] + gamma(3) * cy])
        bound = np.einsum("pkj,pk->pj", np.abs(Z), np.column_stack([weights, gamma(3) * ones]))
        bound += np.column_stack([cx + half[:, 0], cy + half[:, 1], ones]) @ B
        certain = np.abs(v) > inflate(bound, 6) + _exact.UNDERFLOW
        signs = np.sign(v).astype(np.int8)  # NaN: not certain, set below
    signs[~certain] = 0
    _exact.STATS["filtered"] += int(certain.sum())
    pr, pj = np.nonzero(~certain)

    def exact_row_of(p: np.ndarray, j: np.ndarray):
        return lambda e: table.exact_neuron(layer, col0 + int(j[e]), int(regions[p[e]]))

    # neurons whose gradient is within its error: possibly constant on the polygon
    with np.errstate(invalid="ignore"):
        flat = (np.abs(a[pr, pj]) <= ea[pj]) & (np.abs(b[pr, pj]) <= eb[pj])
        flat |= ~np.isfinite(Z[pr, :, pj]).all(axis=1) | ~np.isfinite(B[:, pj].T).all(axis=1)
    constant = np.zeros(pr.shape[0], dtype=bool)
    for e in np.flatnonzero(flat).tolist():
        row = exact_row_of(pr, pj)(e)
        _exact.STATS["exact"] += 1
        if row[0] == 0 and row[1] == 0:
            constant[e] = True
            signs[pr[e], pj[e]] = _exact.exact_sign(row[2])
    keep = ~constant
    pr, pj = pr[keep], pj[keep]
    # vertex signs of each candidate on its polygon
    rows_c, errs_c = _rows_of(Z, B, pr, pj)
    cnt = polys.counts[pr]
    vid = _ranges(polys.off[:-1][pr], cnt)
    rep = np.repeat(np.arange(pr.shape[0]), cnt)
    erow = exact_row_of(pr[rep], pj[rep])
    s = vertex_signs(table, polys, vid, rows_c[rep], errs_c[rep], erow)
    has_pos = np.bincount(rep, s > 0, pr.shape[0]) > 0
    has_neg = np.bincount(rep, s < 0, pr.shape[0]) > 0
    cuts = has_pos & has_neg
    signs[pr[~cuts], pj[~cuts]] = np.where(has_pos[~cuts], 1, np.where(has_neg[~cuts], -1, 0))
    cp, cj = pr[cuts], pj[cuts]
    if cp.size == 0:
        return CutResult(polys, np.arange(P), signs, signs)
    # the lines that cut, in the table: one per (polygon, neuron)
    line_ids = table.add_neurons(rows_c[cuts], errs_c[cuts], layer, col0 + cj, regions[cp])
    return _cut_sequentially(table, polys, signs, cp, cj, line_ids, layer, regions, col0)


def _rows_of(Z: np.ndarray, B: np.ndarray, p: np.ndarray, j: np.ndarray):
    """Neuron j's row on piece p with its error bound, normalised (a positive power of two: the
    same signs)."""
    return normalise(Z[p, :, j], B[:, j].T)


def _cut_sequentially(
    table: Hyperplanes,
    polys: Polygons,
    signs: np.ndarray,
    cp: np.ndarray,
    cj: np.ndarray,
    line_ids: np.ndarray,
    layer: int,
    regions: np.ndarray,
    col0: int,
) -> CutResult:
    """Cut each polygon by its cutting lines one after the other (in neuron order), every
    polygon's pieces at once: step k cuts by every polygon's k-th line. Polygons are ordered by
    decreasing number of cuts, so those that are done form a suffix and leave the working set."""
    order = np.lexsort((cj, cp))
    cp, cj, line_ids = cp[order], cj[order], line_ids[order]
    first_cut = np.searchsorted(cp, np.arange(polys.n))
    n_cuts = np.bincount(cp, minlength=polys.n)
    by_cuts = np.argsort(-n_cuts, kind="stable")
    work = polys.take(by_cuts)
    wroot = by_cuts.copy()
    sides = np.zeros((polys.n, int(n_cuts.max())), dtype=np.int8)
    done: list[tuple[Polygons, np.ndarray, np.ndarray]] = []

    def retire(n_active: int) -> None:
        nonlocal work, wroot, sides
        keep = int(np.count_nonzero(n_cuts[wroot] >= n_active))
        if keep < work.n:  # the polygons are ordered by their number of cuts: a suffix is done
            done.append((work.slice(keep, work.n), wroot[keep:], sides[keep:]))
            work, wroot, sides = work.slice(0, keep), wroot[:keep], sides[:keep]

    retire(1)
    k = 0
    while work.n:
        lid = line_ids[first_cut[wroot] + k]
        owner = work.owner()
        lid_rep = lid[owner]
        s = vertex_signs(
            table,
            work,
            None,
            table.rows[lid_rep],
            table.errs[lid_rep],
            lambda v, ids=lid_rep: table.exact(ids[v]),
        )
        starts = work.off[:-1]
        has_pos = np.logical_or.reduceat(s > 0, starts)
        has_neg = np.logical_or.reduceat(s < 0, starts)
        split = has_pos & has_neg
        side = np.where(has_pos, 1, -1).astype(np.int8)
        work, parent, new_side = _split(table, work, owner, s, lid, split, side)
        wroot = wroot[parent]
        sides = sides[parent]
        sides[:, k] = new_side
        k += 1
        retire(k + 1)
    pieces = _concat([d[0] for d in reversed(done)])
    root = np.concatenate([d[1] for d in reversed(done)])
    sides = np.concatenate([d[2] for d in reversed(done)])
    piece_signs = signs[root]
    for step in range(sides.shape[1]):
        has = np.flatnonzero(n_cuts[root] > step)
        piece_signs[has, cj[first_cut[root[has]] + step]] = sides[has, step]
    # pieces in the order of their polygons (the engine keeps regions in order)
    order = np.argsort(root, kind="stable")
    return CutResult(pieces.take(order), root[order], piece_signs[order], signs)


def _concat(parts: list[Polygons]) -> Polygons:
    xy = np.concatenate([p.xy for p in parts])
    rad = np.concatenate([p.rad for p in parts])
    tag = np.concatenate([p.tag for p in parts])
    cnt = np.concatenate([p.counts for p in parts])
    off = np.concatenate([[0], np.cumsum(cnt)]).astype(np.int64)
    return Polygons(xy, rad, tag, off)


def _split(
    table: Hyperplanes,
    work: Polygons,
    owner: np.ndarray,
    s: np.ndarray,
    lid: np.ndarray,
    split: np.ndarray,
    side: np.ndarray,
) -> tuple[Polygons, np.ndarray, np.ndarray]:
    """Split each polygon of ``work`` whose vertex signs ``s`` in its line ``lid`` are of both
    signs into its positive and negative parts (Sutherland-Hodgman with exact signs: zero
    vertices go to both parts); the others stay whole with their ``side``. ``owner`` is each
    vertex's polygon. Pieces come in their polygon's place, the positive part first."""
    n = work.n
    F = work.xy.shape[0]
    sn = s[work.next_index()]
    cutv = split[owner]
    cross = cutv & (s * sn < 0)
    # new vertices where an edge crosses the line: the edge's line meets the cutting line
    ci = np.flatnonzero(cross)
    new_xy = np.zeros((F, 2))
    new_rad = np.zeros(F)
    if ci.size:
        l1 = work.tag[ci]
        l2 = lid[owner[ci]]
        pts, rad = _exact.cramer(
            table.rows[l1], table.rows[l2], table.errs[l1], table.errs[l2], table.scale
        )
        for k in np.flatnonzero(~np.isfinite(rad)).tolist():
            x, y = _exact.exact_crossing(table.exact(l1[k]), table.exact(l2[k]))
            pts[k] = [float(x), float(y)]
            rad[k] = 2 * U * float(np.abs(pts[k]).max()) + _exact.UNDERFLOW
        new_xy[ci], new_rad[ci] = pts, rad
    col = lid[owner]
    # slots 2i (vertex i) and 2i + 1 (the crossing on the edge from it): each side's entries
    own2 = np.repeat(owner, 2)
    entries, tags, counts = [], [], []
    for sgn in (1, -1):
        keep_v = np.where(cutv, s * sgn >= 0, side[owner] == sgn)
        tag_v = np.where(cutv & (s == 0) & (sn * sgn < 0), col, work.tag)
        tag_x = np.where(s * sgn > 0, col, work.tag)
        sel = np.flatnonzero(np.stack([keep_v, cross], axis=1).ravel())
        entries.append(sel)
        tags.append(np.stack([tag_v, tag_x], axis=1).ravel()[sel])
        counts.append(np.bincount(own2[sel], minlength=n))
    # merge the two sides polygon by polygon: a positive entry moves past the negative entries
    # of the polygons before its own, a negative one past the positive entries up to its own
    (pos, neg), (cpos, cneg) = entries, counts
    at = np.empty(pos.shape[0] + neg.shape[0], dtype=np.int64)
    at_pos = np.arange(pos.shape[0]) + (np.cumsum(cneg) - cneg)[own2[pos]]
    at_neg = np.arange(neg.shape[0]) + np.cumsum(cpos)[own2[neg]]
    at[at_pos], at[at_neg] = pos, neg
    tag = np.empty(at.shape[0], dtype=work.tag.dtype)
    tag[at_pos], tag[at_neg] = tags
    xy = np.stack([work.xy, new_xy], axis=1).reshape(-1, 2)[at]
    rad = np.stack([work.rad, new_rad], axis=1).ravel()[at]
    cnt = np.stack([cpos, cneg], axis=1).ravel()
    has = cnt > 0
    off = np.concatenate([[0], np.cumsum(cnt[has])]).astype(np.int64)
    root = np.repeat(np.arange(n), 2)[has]
    sd = np.tile(np.array([1, -1], dtype=np.int8), n)[has]
    return Polygons(xy, rad, tag, off), root, sd


# ====================================================================== the descent
class Emitted:
    """Regions of the last layer, accumulated chunk by chunk."""

    def __init__(self) -> None:
        self.polys: list[Polygons] = []
        self.signs: list[np.ndarray] = []
        self.maps: list[np.ndarray] = []
        self.errs: list[np.ndarray] = []
        self.regions: list[np.ndarray] = []


def first_inputs(
    network: Network, origin: np.ndarray, signs0: np.ndarray
) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The input maps of layer 1 (and of the network's input, if a residual connection reads
    it) on the first layer's regions, whose patterns are ``signs0`` (R, m0): layer 0's rows
    relative to ``origin`` (compensated, so far boxes keep their precision), activated."""
    layer0 = network.layers[0]
    d = origin.shape[0]
    rows0, err0 = _exact.translate(np.column_stack([layer0.weight, layer0.bias]), origin)
    R = signs0.shape[0]
    Z0 = np.broadcast_to(rows0.T[None], (R, d + 1, layer0.n_neurons))
    x_map = np.zeros((d + 1, d))
    x_map[:d] = np.eye(d)
    x_map[d] = origin
    inputs = {0: (np.broadcast_to(x_map, (R, d + 1, d)), np.zeros((d + 1, d)), np.abs(x_map))}
    h1 = _next_maps(
        network, UniformMaps(network), 0, (Z0, err0.T, np.abs(rows0.T)), None, signs0, inputs
    )
    state = {k: v for k, v in inputs.items() if k in network.skip_sources}
    state[1] = h1
    return state


def _next_maps(
    network: Network,
    ops: UniformMaps,
    layer: int,
    z: tuple,
    root: np.ndarray | None,
    signs: np.ndarray,
    inputs: dict,
    base: np.ndarray | None = None,
) -> tuple:
    """The input maps of layer ``layer + 1`` on pieces whose pre-activation maps are
    ``z[0][root]`` (``root`` None: ``z[0]``) and whose signs at ``layer`` are ``signs``:
    activated lazily (:class:`~neuronboundary.network.ActivatedMaps`) when nothing is added to
    them, else formed with every residual connection into that layer (``inputs``: the skip
    sources' maps, per piece). ``base``: the signs the pieces of each root share, 0 for the
    neurons that cut it (see :class:`~neuronboundary.network.ActivatedMaps`). Writeable maps
    are the caller's own: they may be overwritten."""
    if network._skips_into(layer + 1):
        maps = z[0] if root is None else np.take(z[0], root, axis=0)
        ops = ops.overwriting() if maps.flags.writeable else ops
        return network._next_input(layer, (maps, *z[1:]), inputs, ops, signs)
    return ops.activate_later(layer, z, root, signs, base)


def descend(
    table: Hyperplanes,
    network: Network,
    layer: int,
    pieces: Any,
    prefix: np.ndarray,
    inputs: dict[int, tuple[np.ndarray, np.ndarray]],
    out: Emitted,
    cut: Any,
) -> None:
    """Cut the pieces (regions of layers < ``layer``: :class:`Intervals` or :class:`Polygons`,
    patterns ``prefix`` (P, n_before) int8) by layers ``layer`` and later, depth first in
    chunks, with ``cut`` (:func:`cut_layer_1d` or :func:`cut_layer`); ``inputs[l]`` holds the
    input maps of layer ``layer`` and of every earlier layer a residual connection reads.
    Pieces are emitted in order (a piece's sub-pieces in their place)."""
    ops = UniformMaps(network)
    m = network.layer_sizes[layer]
    last = layer == network.n_layers - 1
    k = inputs[layer][0].shape[1]
    width = max(m, *(st[0].shape[2] for st in inputs.values()))
    chunk = max(16, _CHUNK_FLOATS // (k * width))
    for s in range(0, pieces.n, chunk):
        e = min(s + chunk, pieces.n)
        whole = e - s == pieces.n
        part = pieces if whole else pieces.slice(s, e)
        pre = prefix[s:e]
        state = {key: (v[0][s:e], *v[1:]) for key, v in inputs.items()}
        Z, B, M = network._pre_activation(layer, state, ops)
        regions = table.add_regions(layer, pre)
        res = cut(table, part, Z, B, layer, regions)
        root = res.root
        patterns = np.concatenate([pre[root], res.signs], axis=1)
        if last:
            out.polys.append(res.pieces)
            out.signs.append(patterns)
            out.maps.append(Z[root])
            out.errs.append(np.broadcast_to(B, (root.shape[0], *B.shape)))
            out.regions.append(regions[root])
            continue
        same = root.shape[0] == Z.shape[0] and (root == np.arange(root.shape[0])).all()
        sources = network.skip_sources
        sub = {
            key: v if same else (v[0][root], *v[1:]) for key, v in state.items() if key in sources
        }
        h = _next_maps(
            network, ops, layer, (Z, B, M), None if same else root, res.signs, sub, res.base
        )
        sub[layer + 1] = h
        nxt_inputs = sub
        descend(table, network, layer + 1, res.pieces, patterns, nxt_inputs, out, cut)


def interior_points(
    table: Hyperplanes,
    polys: Polygons,
    inside: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, dict[int, tuple[Fraction, Fraction]]]:
    """A point strictly inside each polygon, checked exactly, and shoelace areas.

    ``inside[f]`` is the sign of the line of edge f on its polygon (+1 or -1). Returns
    ``(points (P, 2), areas (P,), exact)``: the vertex mean where it is strictly inside; for a
    sliver thinner than float resolution, the exact mean of the exact vertices, rounded (and
    kept exactly in ``exact``), with its exact area.
    """
    n = polys.n
    owner = polys.owner()
    cnt = polys.counts
    xy = polys.xy
    first = np.repeat(xy[polys.off[:-1]], cnt, axis=0)
    rel = xy - first
    rel_next = rel[polys.next_index()]
    cross = rel[:, 0] * rel_next[:, 1] - rel_next[:, 0] * rel[:, 1]
    areas = np.bincount(owner, cross, minlength=n) / 2.0
    pts = (
        xy[polys.off[:-1]]
        + np.column_stack(
            [np.bincount(owner, rel[:, 0], minlength=n), np.bincount(owner, rel[:, 1], minlength=n)]
        )
        / cnt[:, None]
    )
    s = point_signs(table, polys.tag, pts[owner])
    bad = np.bincount(owner, s != inside, minlength=n) > 0
    extent = np.maximum(
        np.maximum.reduceat(np.abs(rel).max(axis=1), polys.off[:-1]) if n else np.zeros(0),
        np.finfo(float).tiny,
    )
    thin = areas <= 1e-6 * extent * extent
    exact: dict[int, tuple[Fraction, Fraction]] = {}
    for r in np.flatnonzero(bad | thin).tolist():
        ring = polys.tag[polys.off[r] : polys.off[r + 1]]
        mean, area = exact_polygon(table, ring)
        areas[r] = float(area)
        if bad[r]:
            exact[r] = mean
            pts[r] = [float(mean[0]), float(mean[1])]
    return pts, areas, exact


def point_signs(table: Hyperplanes, lines: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Exact sign of table lines at float points (relative coordinates), row by row."""
    R, E = table.rows[lines], table.errs[lines]
    a, b, c = R.T
    x, y = pts.T
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        value = a * x + b * y + c
        bound = gamma(3) * (np.abs(a * x) + np.abs(b * y) + np.abs(c))
        bound += E[:, 0] * np.abs(x) + E[:, 1] * np.abs(y) + E[:, 2]
        bound = inflate(bound, 6) + _exact.UNDERFLOW

    def exact(i: int) -> int:
        return _exact.sign_at(table.exact(lines[i]), _exact.exact_point(pts[i]))

    return _exact.decide(value, bound, exact)


def exact_polygon(
    table: Hyperplanes, ring: np.ndarray
) -> tuple[tuple[Fraction, Fraction], Fraction]:
    """The exact vertex mean (strictly inside) and exact area of a convex polygon given by the
    lines of its edges, counter-clockwise (relative coordinates)."""
    return _exact.polygon_mean_area([table.exact(t) for t in ring])


# ====================================================================== 1-D: intervals
class Intervals:
    """Intervals along a line in flat arrays: ends ``t`` (P, 2) relative to the slice origin,
    their error radii ``rad`` (P, 2) and the line id ``line`` (P, 2) of the breakpoint at each
    end (a breakpoint is where a line, a root of one neuron's map, meets the slice)."""

    __slots__ = ("line", "rad", "t")

    def __init__(self, t: np.ndarray, rad: np.ndarray, line: np.ndarray) -> None:
        self.t, self.rad, self.line = t, rad, line

    @property
    def n(self) -> int:
        return self.t.shape[0]

    def take(self, idx: np.ndarray) -> Intervals:
        return Intervals(self.t[idx], self.rad[idx], self.line[idx])

    def slice(self, lo: int, hi: int) -> Intervals:
        """Intervals ``lo:hi`` (views, no copy)."""
        return Intervals(self.t[lo:hi], self.rad[lo:hi], self.line[lo:hi])


def end_signs(
    table: Hyperplanes, lines: np.ndarray, rows: np.ndarray, errs: np.ndarray, exact_row: Any
) -> np.ndarray:
    """Exact sign of 1-D rows ``(a, c)`` at breakpoints (roots of table lines), row by row:
    ``z(t_e) = det2(end, z) / a_e`` with ``t_e = -c_e / a_e``."""
    R, E = table.rows[lines], table.errs[lines]

    def exact2(e: int) -> tuple:
        return table.exact(lines[e]), exact_row(e)

    def exact_a(e: int) -> int:
        return _exact.exact_sign(table.exact(lines[e])[0])

    d = _exact.det2_signs(R, rows, E, errs, exact2)
    sa = _exact.decide(R[:, 0], E[:, 0] * (1 + 2 * U) + _exact.UNDERFLOW, exact_a)
    return (d * sa).astype(np.int8)


def roots(rows: np.ndarray, errs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Float roots ``-c / a`` of 1-D rows and a bound on their distance to the exact roots
    (infinite where ``|a|`` does not exceed its error)."""
    a, c = rows.T
    ea, ec = errs.T
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        r = -c / a
        gap = np.abs(a) - ea
        rad = (np.abs(c) * ea + np.abs(a) * ec) / (np.abs(a) * gap)
        rad = inflate(rad, 4) + 2 * U * np.abs(r) + _exact.UNDERFLOW
    rad[~(gap > 0) | ~np.isfinite(rad) | ~np.isfinite(r)] = np.inf
    return r, rad


def cut_layer_1d(
    table: Hyperplanes,
    ivs: Intervals,
    Z: np.ndarray,
    B: np.ndarray,
    layer: int,
    regions: np.ndarray,
) -> CutResult:
    """Cut intervals by the roots of one layer's neurons, exactly (``Z`` (P, 2, m) holds each
    neuron's row ``(a, c)`` on each interval, within ``B`` (2, m)). Sub-intervals come in
    order along the line."""
    P, _, _m = Z.shape
    col0 = int(table.network.neuron_offsets[layer])
    lo, hi = ivs.t[:, 0], ivs.t[:, 1]
    centre = lo + (hi - lo) / 2
    half = inflate((hi - lo) / 2 + np.maximum(ivs.rad[:, 0], ivs.rad[:, 1]) + np.abs(centre) * U, 4)
    a, c = Z[:, 0, :], Z[:, 1, :]
    ea, ec = B
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        v = a * centre[:, None] + c
        err = (
            gamma(2) * (np.abs(a * centre[:, None]) + np.abs(c)) + ea * np.abs(centre)[:, None] + ec
        )
        certain = np.abs(v) > inflate(err + (np.abs(a) + ea) * half[:, None], 6) + _exact.UNDERFLOW
    signs = np.where(certain, np.sign(v), 0).astype(np.int8)
    _exact.STATS["filtered"] += int(certain.sum())
    pr, pj = np.nonzero(~certain)

    def exact_row_of(p: np.ndarray, j: np.ndarray):
        return lambda e: table.exact_neuron(layer, col0 + int(j[e]), int(regions[p[e]]))

    rows, errs = _rows_of(Z, B, pr, pj)
    erow = exact_row_of(pr, pj)
    s_lo = end_signs(table, ivs.line[pr, 0], rows, errs, erow)
    s_hi = end_signs(table, ivs.line[pr, 1], rows, errs, erow)
    cuts = (s_lo * s_hi) < 0
    signs[pr[~cuts], pj[~cuts]] = np.where(s_lo[~cuts] != 0, s_lo[~cuts], s_hi[~cuts])
    cp, cj = pr[cuts], pj[cuts]
    if cp.size == 0:
        return CutResult(ivs, np.arange(P), signs, signs)
    crow, cerr = rows[cuts], errs[cuts]
    r, rad = roots(crow, cerr)
    ids = table.add_neurons(crow, cerr, layer, col0 + cj, regions[cp])

    def exact_compare(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        out = np.empty(i.shape[0], dtype=np.int8)
        for e in range(i.shape[0]):  # rare: roots closer than their error bounds
            ri, rj = _exact.root_of(table.exact(ids[i[e]])), _exact.root_of(table.exact(ids[j[e]]))
            out[e] = _exact.compare(ri, rj)
            _exact.STATS["exact"] += 1
        return out

    lo, hi = _exact.enclosure(r, rad)
    compare = _exact.interval_compare(lo, hi, exact_compare)
    order, tied = _exact.exact_argsort(r, segment=cp, compare=compare, bounds=(lo, hi))
    cp_s, cj_s, r_s, rad_s, id_s = cp[order], cj[order], r[order], rad[order], ids[order]
    side_lo = s_lo[cuts][order]
    same_piece = cp_s[1:] == cp_s[:-1]
    new_bp = np.concatenate([[True], ~(tied & same_piece)])  # a new breakpoint starts here
    bp_of = np.cumsum(new_bp) - 1  # breakpoint index of each cut
    bp_piece = cp_s[new_bp]
    bp_t, bp_rad, bp_line = r_s[new_bp], rad_s[new_bp], id_s[new_bp]
    n_bp = np.bincount(bp_piece, minlength=P)
    n_sub = n_bp + 1
    root = np.repeat(np.arange(P), n_sub)
    total = int(n_sub.sum())
    first_sub = np.concatenate([[0], np.cumsum(n_sub)[:-1]])
    # sub-interval ends: piece ends and the breakpoints in order
    k_in_piece = np.arange(bp_t.shape[0]) - np.repeat(np.cumsum(n_bp) - n_bp, n_bp)[: bp_t.shape[0]]
    t = np.empty((total, 2))
    rd = np.empty((total, 2))
    ln = np.empty((total, 2), dtype=np.int64)
    t[:, 0] = np.repeat(ivs.t[:, 0], n_sub)
    t[:, 1] = np.repeat(ivs.t[:, 1], n_sub)
    rd[:, 0] = np.repeat(ivs.rad[:, 0], n_sub)
    rd[:, 1] = np.repeat(ivs.rad[:, 1], n_sub)
    ln[:, 0] = np.repeat(ivs.line[:, 0], n_sub)
    ln[:, 1] = np.repeat(ivs.line[:, 1], n_sub)
    right_of = first_sub[bp_piece] + k_in_piece  # sub-interval ending at each breakpoint
    t[right_of, 1], rd[right_of, 1], ln[right_of, 1] = bp_t, bp_rad, bp_line
    t[right_of + 1, 0], rd[right_of + 1, 0], ln[right_of + 1, 0] = bp_t, bp_rad, bp_line
    sub_signs = signs[root]
    # a cutting neuron has its low-end sign before its breakpoint, the opposite after
    pos_in_piece = k_in_piece[bp_of]
    reach = n_sub[cp_s]
    rep = np.repeat(np.arange(cp_s.shape[0]), reach)
    k = np.arange(rep.shape[0]) - np.repeat(np.cumsum(reach) - reach, reach)
    value = np.where(k <= pos_in_piece[rep], side_lo[rep], -side_lo[rep]).astype(np.int8)
    sub_signs[first_sub[cp_s[rep]] + k, cj_s[rep]] = value
    return CutResult(Intervals(t, rd, ln), root, sub_signs, signs)
