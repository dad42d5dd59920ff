"""One region of a network as a polyhedron, and the exact certificates of its facets.

The maps of a region (every neuron's affine map under the region's pattern: float64 with error
bounds, exact integer columns on demand), whether a point lies off every boundary, the region's
constraint rows seen from a point inside it (:class:`Cell`, the float geometry's input), and
:class:`Witnesses`: points just across facets checked with exact signs, which prove a facet and
name the region beyond it. Used by :mod:`neuronboundary.regions`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from neuronboundary import _exact, _polytopes
from neuronboundary.network import FloatMaps, Network

#: How many times a witness moves 16x closer to its facet before the neighbour's pattern is
#: computed neuron by neuron instead.
SHRINK_STEPS = 3


# ====================================================================== maps of a region
class Support:
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


def maps(
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


def exact_columns(
    net: Network, pattern: np.ndarray, origin: np.ndarray, cols: np.ndarray
) -> list[list[int]]:
    """The exact maps of neurons ``cols`` on the region of ``pattern`` over coordinates relative
    to ``origin``, as integer rows ``(a_1, ..., a_d, value at origin)`` (a positive scale
    dropped per row). A first-layer neuron's row is its weights; deeper ones come from the
    exact forward pass with the pattern's activations, run up to the deepest layer asked for
    (in d dimensions that costs d + 1 integer rows through each layer)."""
    where = net.layer_of(np.asarray(cols, dtype=np.int64)).reshape(-1, 2)
    out: list[list[int] | None] = [None] * where.shape[0]
    first = net.layers[0]
    for k, (lay, i) in enumerate(where.tolist()):
        if lay == 0:
            out[k] = _exact.translate_row(np.append(first.weight[i], first.bias[i]), origin)
    deepest = int(where[:, 0].max(initial=0))
    if deepest > 0:
        d = net.in_dim
        per_layer = net.split(pattern)
        ops = _exact.ExactMaps(net)
        inputs = [_exact.int_matrix(np.vstack([np.eye(d), origin[None, :]]))]
        pres = []
        for lay in range(deepest + 1):
            pres.append(ops.affine(lay, inputs[-1]))
            if lay < deepest:
                inputs.append(net._next_input(lay, pres[-1], inputs, ops, per_layer[lay]))
        for k, (lay, i) in enumerate(where.tolist()):
            if lay > 0:
                out[k] = [int(v) for v in pres[lay][0][:, i]]
    return out  # type: ignore[return-value]


def off_region(net: Network, pattern: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Columns with sign 0 at ``point`` whose map on the region is not identically zero: the
    point lies on their boundary (decided exactly)."""
    zero = np.flatnonzero(pattern == 0)
    if zero.size == 0:
        return zero
    H, E = maps(net, pattern[None, :], point, errors=True)
    d = net.in_dim
    coef, err = H[0, :d, zero], E[0, :d, zero]
    varies = np.abs(coef) > err
    sure = varies.any(axis=1)
    support = np.concatenate(net._run(np.ones(d, dtype=bool), Support(net), net.split(pattern))[0])
    unsure = zero[~sure & support[zero]]
    if unsure.size:
        rows = exact_columns(net, pattern, point, unsure)
        _exact.STATS["exact"] += len(rows)
        sure[~sure & support[zero]] = [any(r[:d]) for r in rows]
    return zero[sure]


def row_space(net: Network) -> np.ndarray | None:
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
#: Largest ratio of the farthest to the nearest face of a cell that qhull is given.
QHULL_SPREAD = 1e8
#: With a wider spread, box faces are brought in to this many times the farthest neuron face.
BOX_CAP = 1e6


class Cell:
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
        # against the neurons' faces: box faces far away (a box of +-1e16 around a unit region)
        # would call any point near the neurons off-centre and move it 1e15 away, where the
        # region's small facets are below the float resolution
        near = self.b[self.cols >= 0] if (self.cols >= 0).any() else self.b
        return bool(near.size == 0 or self.b.min() > 1e-12 * max(1.0, float(near.max())))

    def vector(self, z: np.ndarray) -> np.ndarray:
        """Vectors of the cell's coordinates in input coordinates."""
        return z if self.Q is None else z @ self.Q.T

    def facets(self, qhull: bool) -> tuple[_polytopes.Facets, np.ndarray | None]:
        r = self.A.shape[1]
        if r == 1:
            return _polytopes.interval_facets(self.A, self.b)
        # qhull's dual points are the rows over b: faces 1e8 times farther than the nearest
        # sit at the dual's origin, where qhull merges them (a box of +-1e20 lost every facet);
        # the LPs scale by the median distance and decide such cells right
        spread = self.b.size and float(self.b.max()) > QHULL_SPREAD * float(self.b.min())
        if qhull:
            from scipy.spatial import QhullError

            try:
                facets, vertices = _polytopes.qhull_facets(self.A, self.b)
            except QhullError:
                pass
            else:  # with a wide spread, the LPs' facets, and qhull's vertices if all finite
                if not spread:
                    return facets, vertices
                finite = bool(np.isfinite(vertices).all())
                return self._lp_facets(spread), vertices if finite else None
        return self._lp_facets(spread), None

    def _lp_facets(self, spread: bool) -> _polytopes.Facets:
        """The LPs' facets; box faces farther than ``BOX_CAP`` times the farthest neuron face
        brought in to that distance when the spread is wide (a neuron facet found then is one of
        the true polytope too: its witness is inside every true face; only a neuron facet that
        lies wholly beyond the cap is missed). Box faces need no facet status."""
        b, neuron = self.b, self.cols >= 0
        if spread and neuron.any():
            b = np.where(neuron, b, np.minimum(b, BOX_CAP * float(b[neuron].max())))
        return _polytopes.lp_facets(self.A, b)


# ====================================================================== exact certificates
class Witnesses:
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
        rows = exact_columns(self.net, pattern, origin, cols)
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

    def neighbour(
        self, pattern: np.ndarray, facet: Certified, origin: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The pattern of the region beyond a certified facet of the region of ``pattern``, and
        a point strictly inside it (``None`` where floats find none): the witness's own when it
        passed, else computed neuron by neuron (:meth:`across`) with a point from one LP."""
        if facet.found:
            return facet.pattern, facet.point
        broken = np.zeros(pattern.shape[0], dtype=bool)
        broken[facet.group] = True
        beyond = self.across(pattern, broken, facet.point)
        return beyond, interior_point(self.net, beyond, origin, self.box, facet.point)


def interior_point(
    net: Network,
    pattern: np.ndarray,
    origin: np.ndarray,
    box: tuple[np.ndarray, np.ndarray] | None,
    guess: np.ndarray,
) -> np.ndarray | None:
    """A point strictly inside the region of ``pattern`` (and box), checked exactly: the centre
    of its largest inscribed ball (one LP), or ``None`` when floats find none."""
    H, _ = maps(net, pattern[None, :], origin)
    cell = Cell(pattern, H[0], origin, guess, box)
    centre, radius = _polytopes.chebyshev_ball(cell.A, cell.b)
    if not radius > 0:
        return None
    point = guess + centre
    inside = box is None or bool(((point > box[0]) & (point < box[1])).all())
    if inside and np.array_equal(net._signs(point[None, :])[0], pattern):
        return point
    return None


class Certified(NamedTuple):
    """A facet certified by :func:`certify_cells`: the region it bounds (``item``), the neurons
    on it (pattern columns), and the witness point, which also lies in the neighbour (and
    ``pattern`` is the neighbour's) when ``found``."""

    item: int
    group: np.ndarray
    found: bool
    pattern: np.ndarray
    point: np.ndarray


def certify_cells(
    wit: Witnesses, items: list[tuple[np.ndarray, Cell, _polytopes.Facets]], origin: np.ndarray
) -> tuple[list[Certified], list[tuple[int, int]], int]:
    """Check the facets proposed for several regions ``(pattern, cell, facets)`` in one batch;
    a proposal whose witness fails gets one more from the largest-margin LP.

    Returns ``(certified, unverified (item, column) pairs, LPs solved)``; a facet proposed
    twice (by two coinciding rows) is certified once."""
    owner, pats, expect, base, offset = [], [], [], [], []
    for k, (pattern, cell, facets) in enumerate(items):
        neuron = cell.cols[facets.rows] >= 0  # box faces need no witness
        n = int(neuron.sum())
        owner += [k] * n
        pats += [pattern] * n
        expect.append(cell.cols[facets.rows[neuron]])
        base.append(cell.p + cell.vector(facets.base[neuron]))
        offset.append(cell.vector(facets.offset[neuron]))
    if not owner:
        return [], [], 0
    pats_arr = np.array(pats)
    cols = np.concatenate(expect)
    groups, near, there, points = wit.certify(
        pats_arr, cols, np.vstack(base), np.vstack(offset), origin
    )
    n_lps = 0
    for i in [i for i, g in enumerate(groups) if g is None]:
        _, cell, facets = items[owner[i]]
        row = int(np.flatnonzero(cell.cols == cols[i])[0])
        w = _polytopes.margin_witness(cell.A, cell.b, facets.groups, row)
        n_lps += 1
        if w is None:
            continue
        g2, n2, t2, p2 = wit.certify(
            pats_arr[i : i + 1],
            cols[i : i + 1],
            cell.p + cell.vector(w[0])[None, :],
            cell.vector(w[1])[None, :],
            origin,
        )
        groups[i], near[i], there[i], points[i] = g2[0], n2[0], t2[0], p2[0]
    certified, unverified = [], []
    seen: set[tuple[int, ...]] = set()
    for i, g in enumerate(groups):
        if g is None:
            unverified.append((owner[i], int(cols[i])))
            continue
        key = (owner[i], *g.tolist())
        if key not in seen:
            seen.add(key)
            certified.append(Certified(owner[i], g, bool(near[i]), there[i], points[i]))
    return certified, unverified, n_lps
