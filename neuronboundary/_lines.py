"""The exact arrangement of a layer's boundary lines inside a box (the first layer of every 2-D
analysis, and the whole of it for one layer).

Construction, vectorised and combinatorial:

1. *Geometric lines*: neurons whose coefficients are exactly proportional share one line. Only
   lines that cross the open box take part (corner signs, exact); the four box edges are lines
   0-3 (x = x_lo, x = x_hi, y = y_lo, y = y_hi).
2. *Exits*: each line leaves the box at two points; sorted exactly along the box boundary
   (counter-clockwise), they give every line a chord. Two lines cross inside the box exactly
   when their chords interleave: an integer comparison of ranks per pair, no arithmetic.
3. *Order along each line*: the crossings on a line are sorted by a float parameter and the
   order is verified exactly (a float filter on the crossing points' error radii, then a 3 x 3
   determinant); equal crossings are one vertex (concurrent lines).
4. *Half-edges around each vertex*: at an inner vertex of two lines the counter-clockwise order
   of its four directions is given by the sign of one 2 x 2 determinant, read off the chords
   (it is positive exactly when the second line enters the box within the counter-clockwise
   arc from the first one's entry to its exit), so the next half-edge of each face there is a
   closed form; vertices on the box boundary and vertices of more lines are sorted exactly.
5. *Faces*: a convex face has exactly one lowest vertex (least y, then least x), where both its
   edges point up; that local, exact test gives one start half-edge per face, and walking the
   face-tracing permutation from the starts gives each polygon counter-clockwise.
6. *Sign patterns*: each face has a parent across one edge of its lowest vertex (lower in that
   order), so patterns follow from one exactly evaluated face by flipping the neurons of the
   line crossed; the tree of depth D is walked in about 2 sqrt(D) vectorised steps.

Exact predicates, float constructions: every decision is exact for the float64 coefficients;
vertex coordinates are relative to ``origin`` with a rigorous error radius each. ``tol`` (opt-in)
merges crossings closer than ``tol * diagonal`` along a line; faces are then traced by cycle
labelling and patterns evaluated at interior points, as the local tests assume exact geometry.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from neuronboundary import _exact
from neuronboundary._exact import U, gamma

#: Box edges as line indices: x = x_lo, x = x_hi, y = y_lo, y = y_hi.
X_LO, X_HI, Y_LO, Y_HI = 0, 1, 2, 3
#: The box boundary counter-clockwise: bottom, right, top, left (line of each side).
_SIDES = (Y_LO, X_HI, Y_HI, X_LO)


@dataclass(eq=False)
class LineArrangement:
    """Faces of the arrangement of geometric lines in a box (see the module docstring).

    Faces are cycles of half-edges: ``ordered[vertex_offsets[r]:vertex_offsets[r + 1]]`` are
    face r's half-edges counter-clockwise; half-edge h leaves vertex ``src[h]`` along line
    ``hline[h]`` in direction ``hdir[h]`` (+1 along ``(b, -a)``); its face is on its left. Vertex
    coordinates (``V``, with error radii ``V_rad``) are relative to the box centre.
    """

    lines: np.ndarray  # (G, 3) absolute rows, exact floats
    rel: np.ndarray  # (G, 3) rows relative to the origin
    rel_err: np.ndarray  # (G, 3) error bounds of rel
    line_offsets: np.ndarray
    line_neurons: np.ndarray
    n_crossing_lines: int
    vertex_offsets: np.ndarray  # (R + 1,)
    ordered: np.ndarray  # (F,) half-edges, face by face
    V: np.ndarray  # (V, 2)
    V_rad: np.ndarray  # (V,)
    src: np.ndarray  # (H,)
    hline: np.ndarray  # (H,)
    hdir: np.ndarray  # (H,)
    positive: np.ndarray  # (R, nbytes) packed
    negative: np.ndarray
    face: np.ndarray  # (H,) the face on each half-edge's left (-1: outside)
    merged: bool  # vertices merged within tol (faces may then share several edges)
    vertex_multiplicity: np.ndarray

    @property
    def n_faces(self) -> int:
        return self.vertex_offsets.shape[0] - 1

    def polygons(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(xy (F, 2), radius (F,), tags (F,), inside (F,))``: each face's vertices
        counter-clockwise, their error radii, the line of the edge from each vertex to the next
        and the sign of that line's row inside the face."""
        v = self.src[self.ordered]
        return self.V[v], self.V_rad[v], self.hline[self.ordered], self.hdir[self.ordered]

    @cached_property
    def _adjacency(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Adjacent faces across neuron lines (each edge separates two faces, at most one edge
        each unless merged), sorted: ``(pairs (E, 2), line (E,), half-edge (E,))``. Computed
        on first use: the arrangement itself does not need it."""
        face, n_faces = self.face, self.n_faces
        first = np.flatnonzero(self.hline[0::2] >= 4) * 2
        ra, rb = face[first], face[first + 1]
        ok = (ra >= 0) & (rb >= 0) & (ra != rb)
        lo_r, hi_r = np.minimum(ra[ok], rb[ok]), np.maximum(ra[ok], rb[ok])
        by_pair = np.argsort(lo_r * (n_faces + 1) + hi_r)
        pairs = np.column_stack([lo_r[by_pair], hi_r[by_pair]]).reshape(-1, 2)
        half = first[ok][by_pair]
        if self.merged:  # merged vertices may join faces along several edges: list them once
            _, once = np.unique(pairs[:, 0] * (n_faces + 1) + pairs[:, 1], return_index=True)
            pairs, half = pairs[once], half[once]
        return pairs.astype(np.int64), self.hline[half].astype(np.int64), half

    def adjacency_parts(self) -> tuple[np.ndarray, np.ndarray, Any]:
        """``(adjacency, adjacency_line, segments)``: pairs of adjacent faces (E, 2) sorted,
        the line of each shared edge (E,), and a method giving the edges (constructions are
        lazy)."""
        pairs, line, _ = self._adjacency
        return pairs, line, self.segments

    def segments(self) -> np.ndarray:
        """The shared edge of each adjacent pair, relative coordinates (E, 2, 2)."""
        h = self._adjacency[2]
        return np.stack([self.V[self.src[h]], self.V[self.src[h ^ 1]]], axis=1)


# ====================================================================== geometric lines
def _line_keys(abc: np.ndarray) -> np.ndarray:
    """A key per line, equal for lines whose coefficients are exactly proportional (divide by
    the first non-zero of (a, b); different lines may share a key within an ulp: split later)."""
    a, b, c = abc.T
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        pivot = np.where(a != 0, a, b)
        keys = np.column_stack([a / pivot, b / pivot, c / pivot]) + 0.0  # no negative zero
    return keys


def geometric_lines(
    weight: np.ndarray, bias: np.ndarray, box: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distinct lines that matter inside the box: the 4 box edges first, then every neuron
    line that crosses the open box (corners on both sides, decided exactly).

    Returns ``(lines (G, 3), line_offsets, line_neurons, corner_signs (4, G))``: one
    representative's float coefficients per line, a CSR map from line to its neurons (a neuron
    whose line is a box edge belongs to that edge's line; neurons whose line misses the open
    box, and constant neurons, are on no line), and each line's exact sign at the corners
    (x_lo, y_lo), (x_hi, y_lo), (x_hi, y_hi), (x_lo, y_hi).
    """
    (x0, x1), (y0, y1) = box
    m = weight.shape[0]
    abc = np.column_stack([weight, bias])
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    corner_signs = _exact.affine_signs(weight, bias, corners)  # (4, m)
    crossing = (corner_signs.max(axis=0) > 0) & (corner_signs.min(axis=0) < 0)
    zero = corner_signs == 0
    constant = ~np.any(weight != 0.0, axis=1)
    on_edge = np.full(m, -1, dtype=np.int64)
    for edge, (c1, c2) in enumerate(((0, 3), (1, 2), (0, 1), (3, 2))):  # x0, x1, y0, y1
        on_edge[zero[c1] & zero[c2] & ~constant] = edge
    edges = np.array([[1.0, 0.0, -x0], [1.0, 0.0, -x1], [0.0, 1.0, -y0], [0.0, 1.0, -y1]])

    idx = np.flatnonzero(crossing)
    keys = _line_keys(abc[idx])
    order = np.lexsort(keys.T[::-1]) if idx.size else np.zeros(0, dtype=np.int64)
    idx, keys = idx[order], keys[order]
    new = np.ones(idx.shape[0], dtype=bool)
    new[1:] = np.any(keys[1:] != keys[:-1], axis=1)
    group = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    sizes = np.diff(np.append(starts, idx.shape[0]))
    next_group = int(group[-1]) + 1 if group.size else 0
    for s, size in zip(starts[sizes > 1], sizes[sizes > 1], strict=True):
        reps: list[tuple[int, int]] = [(int(idx[s]), int(group[s]))]
        for t in range(s + 1, s + size):
            for rep, g in reps:
                if _exact.proportional(abc[rep], abc[idx[t]]):
                    group[t] = g
                    break
            else:
                group[t] = next_group
                reps.append((int(idx[t]), next_group))
                next_group += 1
    first_neuron = np.full(next_group, m, dtype=np.int64)
    np.minimum.at(first_neuron, group, idx)
    # number the lines by their first neuron, so the result does not depend on the key order
    renumber = np.empty(next_group, dtype=np.int64)
    renumber[np.argsort(first_neuron, kind="stable")] = np.arange(next_group)
    reps = np.sort(first_neuron)
    lines = np.vstack([edges, abc[reps] if next_group else np.zeros((0, 3))])
    neuron_line = on_edge.copy()
    neuron_line[idx] = 4 + renumber[group]
    members = np.flatnonzero(neuron_line >= 0)
    by_line = members[np.argsort(neuron_line[members], kind="stable")]
    counts = np.bincount(neuron_line[members], minlength=4 + next_group)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    signs = corner_signs[:, reps] if next_group else np.zeros((4, 0), np.int8)
    return lines, offsets, by_line, signs


# ====================================================================== exits and chords
def _exits(
    lines: np.ndarray, corner_signs: np.ndarray, corners: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each neuron line (index >= 4) leaves the box: two exits per line.

    Returns ``(line (2n,), category (2n,), t (2n,))``: category ``2k`` is corner k (x_lo,y_lo),
    (x_hi,y_lo), (x_hi,y_hi), (x_lo,y_hi) and ``2k + 1`` the inside of side k (bottom, right,
    top, left, counter-clockwise); ``t`` the float position along that side.
    """
    n = corner_signs.shape[1]
    s = corner_signs.astype(np.int64)  # (4, n)
    nxt = np.roll(s, -1, axis=0)
    at_corner = s == 0  # (4, n)
    on_side = s * nxt < 0
    k_c, l_c = np.nonzero(at_corner)
    k_s, l_s = np.nonzero(on_side)
    line = np.concatenate([l_c, l_s]) + 4
    cat = np.concatenate([2 * k_c, 2 * k_s + 1])
    # float position along the side: fraction of the way from corner k to corner k + 1
    t = np.zeros(line.shape[0])
    if k_s.size:
        rows = lines[l_s + 4]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            v0 = np.einsum("ij,ij->i", rows[:, :2], corners[k_s]) + rows[:, 2]
            v1 = np.einsum("ij,ij->i", rows[:, :2], corners[(k_s + 1) % 4]) + rows[:, 2]
            frac = v0 / (v0 - v1)
        t[line.shape[0] - k_s.shape[0] :] = np.nan_to_num(frac, nan=0.5)
    assert line.shape[0] == 2 * n, "every crossing line leaves the box twice"
    return line, cat, t


def _along_compare(lines: np.ndarray, on: np.ndarray, other: np.ndarray):
    """Exact comparison of crossings along a line: entry e is the crossing of line ``on[e]``
    with line ``other[e]``; ``compare(i, j)`` is -1 when crossing i comes first along
    ``on`` (direction ``(b, -a)``), 0 when they coincide, +1 after (entries on one line)."""

    def compare(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return _exact.along_line_order(lines[on[i]], lines[other[i]], lines[other[j]])

    return compare


# ====================================================================== the arrangement
def line_arrangement(
    weight: np.ndarray, bias: np.ndarray, box: tuple, origin: np.ndarray, tol: float | None
) -> LineArrangement:
    """The exact arrangement of the lines ``weight @ x + bias = 0`` (m, 2) inside ``box``."""
    (X0, X1), (Y0, Y1) = box
    lines, line_offsets, line_neurons, corner_signs = geometric_lines(weight, bias, box)
    G = lines.shape[0]
    n_lines = G - 4
    # scale each line by a power of two (exact: the same line, the same signs) so that the
    # largest coefficient is in [0.5, 1): products neither overflow nor lose range needlessly
    _, exponent = np.frexp(np.abs(lines).max(axis=1))
    scaled = np.ldexp(lines, -exponent[:, None])
    exact_scale = np.all(np.ldexp(scaled, exponent[:, None]) == lines, axis=1)
    lines = np.where(exact_scale[:, None], scaled, lines)
    rel, rel_err = _exact.translate(lines, origin)
    corners = np.array([[X0, Y0], [X1, Y0], [X1, Y1], [X0, Y1]])

    # ---- chords: exits sorted counter-clockwise along the boundary, ranks exact
    ex_line, ex_cat, ex_t = _exits(lines, corner_signs, corners)
    corners_cat = np.arange(0, 8, 2)
    side_line = np.array(_SIDES)
    all_cat = np.concatenate([ex_cat, corners_cat])
    all_t = np.concatenate([ex_t, np.zeros(4)])
    all_on = np.concatenate([side_line[np.minimum(ex_cat // 2, 3)], side_line])
    all_other = np.concatenate([ex_line, np.array(_SIDES)[[3, 0, 1, 2]]])
    inner = _along_compare(lines, all_on, all_other)

    # the lines' own directions (b, -a) run counter-clockwise on the bottom and left sides and
    # clockwise on the right and top
    flip = np.array([1, -1, -1, 1], dtype=np.int8)

    def boundary_compare(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        out = np.zeros(i.shape[0], dtype=np.int8)
        side = (all_cat[i] % 2 == 1) & (all_cat[j] % 2 == 1)
        if side.any():
            out[side] = inner(i[side], j[side]) * flip[all_cat[i[side]] // 2]
        return out

    order, tied = _exact.exact_argsort(all_t, segment=all_cat, compare=boundary_compare)
    rank = np.empty(order.shape[0], dtype=np.int64)
    rank[order] = np.cumsum(np.concatenate([[0], ~tied]))
    ex_rank = rank[: ex_line.shape[0]]
    by_line = np.argsort(ex_line, kind="stable")
    r2 = ex_rank[by_line].reshape(-1, 2)
    p_lo, p_hi = r2.min(axis=1), r2.max(axis=1)

    # ---- every pair of neuron lines whose chords interleave crosses inside the box
    ii, jj = np.triu_indices(n_lines, k=1)
    a1, a2, b1, b2 = p_lo[ii], p_hi[ii], p_lo[jj], p_hi[jj]
    inside1 = (b1 > a1) & (b1 < a2)
    inside2 = (b2 > a1) & (b2 < a2)
    out1 = (b1 < a1) | (b1 > a2)
    out2 = (b2 < a1) | (b2 > a2)
    cross = (inside1 & out2) | (inside2 & out1)
    pi = np.concatenate([ii[cross] + 4, ex_line])
    pj = np.concatenate([jj[cross] + 4, side_line[np.minimum(ex_cat // 2, 3)]])
    n_cross = pi.shape[0] - ex_line.shape[0]  # pairs of neuron lines; then the pairs on the box
    # exits at corners lie on two sides: the pair with the side ending at that corner
    at_corner = ex_cat % 2 == 0
    pj[pi.shape[0] - ex_line.shape[0] :][at_corner] = side_line[(ex_cat[at_corner] // 2 - 1) % 4]
    # the four corners: left side with bottom, bottom with right, right with top, top with left
    pi = np.concatenate([pi, [X_LO, Y_LO, X_HI, Y_HI]])
    pj = np.concatenate([pj, [Y_LO, X_HI, Y_HI, X_LO]])
    n_pairs = pi.shape[0]
    P, rad = _crossings(rel, rel_err, pi, pj, lines, origin, max(X1 - X0, Y1 - Y0))

    # ---- every pair on both of its lines, sorted along the line, verified exactly
    line_e = np.concatenate([pi, pj])
    other_e = np.concatenate([pj, pi])
    pair_e = np.concatenate([np.arange(n_pairs), np.arange(n_pairs)])
    # position along the line (direction (b, -a), exact) from the box centre's projection
    px, py = np.ascontiguousarray(P.T)
    t_parts, err_parts = [], []
    with np.errstate(over="ignore", invalid="ignore"):
        for on in (pi, pj):
            tx, ty = px * lines[on, 1], py * -lines[on, 0]
            t_parts.append(tx + ty)
            err_parts.append(rad * (np.abs(lines[on, 1]) + np.abs(lines[on, 0])))
            err_parts[-1] += gamma(3) * (np.abs(tx) + np.abs(ty))
        t_e = np.concatenate(t_parts)
    # the exact position lies in [lo_e, hi_e]
    lo_e, hi_e = _exact.enclosure(t_e, np.concatenate(err_parts))
    along_compare = _exact.interval_compare(lo_e, hi_e, _along_compare(lines, line_e, other_e))

    # consecutive entries whose intervals are apart need no comparison at all
    order, tied = _exact.exact_argsort(
        t_e, segment=line_e, compare=along_compare, bounds=(lo_e, hi_e)
    )
    line_s = line_e[order]
    same_line = line_s[1:] == line_s[:-1]

    # ---- vertices: crossings exactly equal along a line (or within tol, if asked) are one
    join = tied.copy()
    if tol is not None:
        eps = tol * float(np.hypot(X1 - X0, Y1 - Y0))
        gap = np.hypot(*(P[pair_e[order[1:]]] - P[pair_e[order[:-1]]]).T)
        join |= same_line & (gap <= eps)
    if join.any():
        a, b = pair_e[order[:-1]][join], pair_e[order[1:]][join]
        graph = coo_matrix((np.ones(a.shape[0]), (a, b)), shape=(n_pairs, n_pairs))
        n_vertices, vertex_of_pair = connected_components(graph, directed=False)
    else:
        n_vertices, vertex_of_pair = n_pairs, np.arange(n_pairs)
    if n_vertices < n_pairs:
        first_pair = np.full(n_vertices, n_pairs, dtype=np.int64)
        np.minimum.at(first_pair, vertex_of_pair, np.arange(n_pairs))
        V, V_rad = P[first_pair], rad[first_pair]
    else:
        V, V_rad = P, rad
    # vertices on the box edges exactly onto them (their coordinate there is exact)
    tail = np.arange(n_cross, n_pairs)  # the pairs with a box edge
    for edge, (axis, value) in enumerate(((0, X0), (0, X1), (1, Y0), (1, Y1))):
        on = tail[(pi[tail] == edge) | (pj[tail] == edge)]
        V[vertex_of_pair[on], axis] = value - origin[axis]
    np.clip(V[:, 0], X0 - origin[0], X1 - origin[0], out=V[:, 0])  # no float leaves the box
    np.clip(V[:, 1], Y0 - origin[1], Y1 - origin[1], out=V[:, 1])

    # ---- edges: consecutive distinct vertices along each line
    pair_s = pair_e[order]
    if join.any():
        vert_s = vertex_of_pair[pair_s]
        keep = np.ones(vert_s.shape[0], dtype=bool)
        keep[1:] = ~same_line | (vert_s[1:] != vert_s[:-1])
        line_k, vert_k = line_s[keep], vert_s[keep]
    else:  # every crossing is a vertex of its own: every entry is kept
        keep = None
        line_k, vert_k = line_s, pair_s
    seg = np.flatnonzero(line_k[1:] == line_k[:-1])
    n_edges = seg.shape[0]
    eline = line_k[seg]
    has_edge = np.zeros(G, dtype=bool)
    has_edge[eline] = True
    n_crossing = int(np.count_nonzero(has_edge[4:]))
    lines_at = np.bincount(vert_k, minlength=n_vertices)

    # ---- half-edges 2e (u -> v, along the line's direction) and 2e + 1 (back)
    H = 2 * n_edges
    src = np.empty(H, dtype=np.int64)
    src[0::2], src[1::2] = vert_k[seg], vert_k[seg + 1]
    hline = np.repeat(eline, 2)
    hdir = np.tile(np.array([1, -1], dtype=np.int8), n_edges)
    # where each crossing entry (pair p on line pi: entry p; on line pj: entry p + n_pairs)
    # stands among the kept entries
    entry_pos = np.empty(order.shape[0], dtype=np.int64)
    entry_pos[order] = np.arange(order.shape[0])
    if keep is not None:
        entry_pos = (np.cumsum(keep) - 1)[entry_pos]
    # the orientation of each crossing pair, from the chords: a line enters the box at its
    # first crossing along it and leaves at its last (both exits); det(Li, Lj) > 0 exactly
    # when Lj comes from Li's right, i.e. enters within the counter-clockwise boundary arc
    # from Li's entry to its exit
    line_at = np.searchsorted(line_s, np.arange(4, G + 1))
    ends = np.concatenate([pair_s[line_at[:-1]], pair_s[line_at[1:] - 1]]) - n_cross
    if ((ends >= 0) & (ends < ex_rank.shape[0])).all():
        enter, leave = ex_rank[ends[:n_lines]], ex_rank[ends[n_lines:]]
        ei, xi, ej = enter[pi[:n_cross] - 4], leave[pi[:n_cross] - 4], enter[pj[:n_cross] - 4]
        turn = np.where(ei < xi, (ei < ej) & (ej < xi), (ej > ei) | (ej < xi))
    else:  # not reached: every line's first and last crossings are its exits
        turn = _exact.det2_signs(lines[pi[:n_cross], :2], lines[pj[:n_cross], :2]) > 0
    nxt = _next_pointers(
        lines, src, hline, hdir, entry_pos, pi, pj, n_cross, turn, vertex_of_pair, lines_at
    )

    # ---- faces
    outside = _outside(hline, hdir)
    if tol is None:
        on_low_right = np.zeros(n_vertices, dtype=bool)  # vertices on the bottom or right side
        hits = np.isin(pi[tail], (Y_LO, X_HI)) | np.isin(pj[tail], (Y_LO, X_HI))
        on_low_right[vertex_of_pair[tail[hits]]] = True
        face, ordered, offsets, parent_via = _faces_from_lowest_vertices(
            lines, src, hline, eline, nxt, outside, on_low_right
        )
        n_faces = offsets.shape[0] - 1
    else:
        face, rank, n_faces = _faces_by_cycles(nxt, outside)
        parent_via = None
        good_half = face >= 0
        nverts = np.bincount(face[good_half], minlength=n_faces)
        keep_face = nverts >= 3  # merging may collapse faces to segments: drop them
        remap = np.full(n_faces, -1, dtype=np.int64)
        remap[keep_face] = np.arange(int(keep_face.sum()))
        face = np.where(face >= 0, remap[np.maximum(face, 0)], -1)
        n_faces = int(keep_face.sum())
        good_half = face >= 0
        nverts = np.bincount(face[good_half], minlength=n_faces)
        offsets = np.concatenate([[0], np.cumsum(nverts)]).astype(np.int64)
        members = np.flatnonzero(good_half)
        ordered = np.empty(members.shape[0], dtype=np.int64)
        ordered[offsets[face[members]] + rank[members]] = members  # each face from its start

    arr = LineArrangement(
        lines=lines,
        rel=rel,
        rel_err=rel_err,
        line_offsets=line_offsets,
        line_neurons=line_neurons,
        n_crossing_lines=n_crossing,
        vertex_offsets=offsets,
        ordered=ordered,
        V=V,
        V_rad=V_rad,
        src=src,
        hline=hline,
        hdir=hdir,
        positive=np.zeros((0, 0), np.uint8),
        negative=np.zeros((0, 0), np.uint8),
        face=face,
        merged=tol is not None,
        vertex_multiplicity=lines_at,
    )
    arr.positive, arr.negative = _patterns(
        arr, weight, bias, origin, n_faces, parent_via, face, hline, tol is None
    )
    return arr


def _crossings(
    rel: np.ndarray,
    rel_err: np.ndarray,
    pi: np.ndarray,
    pj: np.ndarray,
    lines: np.ndarray,
    origin: np.ndarray,
    scale: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Crossing points of line pairs relative to ``origin`` with error radii; points whose float
    construction cannot bound its error well below ``scale`` (the box's size) come from exact
    rationals, rounded once."""
    # rows gathered column by column: cramer works on columns (transposed views, no copy)
    cols, errs = np.ascontiguousarray(rel.T), np.ascontiguousarray(rel_err.T)
    r1, r2 = np.take(cols, pi, axis=1).T, np.take(cols, pj, axis=1).T
    e1, e2 = np.take(errs, pi, axis=1).T, np.take(errs, pj, axis=1).T
    P, rad = _exact.cramer(r1, r2, e1, e2, scale)
    for k in np.flatnonzero(~np.isfinite(rad)).tolist():
        x, y = _exact.exact_crossing(
            _exact.translate_row(lines[pi[k]], origin), _exact.translate_row(lines[pj[k]], origin)
        )
        P[k] = [float(x), float(y)]
        rad[k] = 2 * U * float(np.abs(P[k]).max()) + _exact.UNDERFLOW
    return P, rad


def _next_pointers(
    lines: np.ndarray,
    src: np.ndarray,
    hline: np.ndarray,
    hdir: np.ndarray,
    entry_pos: np.ndarray,
    pi: np.ndarray,
    pj: np.ndarray,
    n_cross: int,
    turn: np.ndarray,
    vertex_of_pair: np.ndarray,
    lines_at: np.ndarray,
) -> np.ndarray:
    """The face-tracing permutation: ``nxt[h]`` leaves the end of h, the next edge of the face
    on h's left (the outgoing half-edge just clockwise of h's twin).

    Kept entries are sorted by line, every line has some, so the edge leaving kept entry k
    forward along its line L is ``e = k - L`` (half-edge ``2e``) and the one arriving there
    is ``e - 1`` (``2e - 2``; backward: ``2e - 1`` leaves, ``2e + 1`` arrives); ``entry_pos``
    gives the kept entry of each crossing entry (pair p on line ``pi[p]``: entry p, on
    ``pj[p]``: entry ``p + n_pairs``). At a vertex of two lines inside the box (pairs
    ``< n_cross``) the four directions ``+d1, -d1, +d2, -d2`` (``d = (b, -a)``) go
    counter-clockwise as ``+d1, s d2, -d1, -s d2`` with ``s`` the sign of ``det(L1, L2)``
    (``turn``, exact), so each arriving half-edge's successor is one of the other line's two
    half-edges there: a closed form, no search. Vertices on the box boundary and vertices of
    more lines have their half-edges sorted exactly by angle.
    """
    H = src.shape[0]
    n_pairs = pi.shape[0]
    nxt = np.empty(H, dtype=np.int64)
    # ---- vertices of two lines inside the box
    f = np.arange(n_cross)
    if lines_at.shape[0] < n_pairs:  # some pairs share a vertex
        f = f[lines_at[vertex_of_pair[:n_cross]] == 2]
    s = turn[f] if f.shape[0] < n_cross else turn
    a1 = entry_pos[f] - pi[f]  # the edge leaving forward along each line
    a2 = entry_pos[f + n_pairs] - pj[f]
    # arriving forward on L1 its twin is -d1; clockwise of it is s d2
    nxt[2 * a1 - 2] = np.where(s, 2 * a2, 2 * a2 - 1)
    nxt[2 * a1 + 1] = np.where(s, 2 * a2 - 1, 2 * a2)
    nxt[2 * a2 - 2] = np.where(s, 2 * a1 - 1, 2 * a1)
    nxt[2 * a2 + 1] = np.where(s, 2 * a1, 2 * a1 - 1)
    slow = np.ones(lines_at.shape[0], dtype=bool)
    slow[vertex_of_pair[f]] = False
    many = np.flatnonzero(slow[src])
    # ---- other vertices: sort their half-edges exactly by angle
    if many.size:
        dx = hdir[many] * lines[hline[many], 1]
        dy = -hdir[many] * lines[hline[many], 0]
        upper = ((dy < 0) | ((dy == 0) & (dx < 0))).astype(np.int8)  # 0: angle in [0, pi)
        with np.errstate(over="ignore", invalid="ignore"):
            angle = np.arctan2(dy, dx)
        angle = np.where(angle < 0, angle + 2 * np.pi, angle)
        key = np.where(np.isfinite(angle), angle, 0.0)
        sub_line, sub_dir = hline[many], hdir[many]

        def compare(i: np.ndarray, j: np.ndarray) -> np.ndarray:
            out = np.sign(upper[i].astype(np.int16) - upper[j]).astype(np.int8)
            same = out == 0
            if same.any():
                li, lj = lines[sub_line[i[same]]], lines[sub_line[j[same]]]
                det = _exact.det2_signs(li[:, :2], lj[:, :2]) * sub_dir[i[same]] * sub_dir[j[same]]
                out[same] = -det  # counter-clockwise from i to j: i first
            return out

        local, _ = _exact.exact_argsort(upper * 8.0 + key, segment=src[many], compare=compare)
        by_vertex = many[local]
        src_s = src[by_vertex]
        start = np.searchsorted(src_s, src_s, side="left")
        size = np.searchsorted(src_s, src_s, side="right") - start
        slots = np.arange(by_vertex.shape[0])
        prev_slot = np.where(slots == start, start + size - 1, slots - 1)
        slot_of = np.empty(many.shape[0], dtype=np.int64)
        slot_of[local] = slots
        # the half-edges arriving at these vertices are the twins of those leaving them
        nxt[many ^ 1] = by_vertex[prev_slot[slot_of]]
    return nxt


def _outside(hline: np.ndarray, hdir: np.ndarray) -> np.ndarray:
    """Half-edges of the box boundary with the outside of the box on their left."""
    out = ((hline == X_LO) & (hdir < 0)) | ((hline == X_HI) & (hdir > 0))
    out |= ((hline == Y_LO) & (hdir < 0)) | ((hline == Y_HI) & (hdir > 0))
    return out


def _faces_from_lowest_vertices(
    lines: np.ndarray,
    src: np.ndarray,
    hline: np.ndarray,
    eline: np.ndarray,
    nxt: np.ndarray,
    outside: np.ndarray,
    on_low_right: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Faces from their lowest vertices (exact, local), walked counter-clockwise.

    A face's lowest vertex is where an edge going down is followed by one going up (half-edge
    h goes up when its direction ``hdir (b, -a)`` has ``dy > 0``, or ``dy = 0`` and ``dx > 0``).
    Returns ``(face (H,), ordered (F,), offsets (R + 1,), parent_via (R,))``: each half-edge's
    face (-1: outside), the half-edges face by face from their starts, and for each face the
    half-edge whose crossing leads to its parent face (-1 for the root, at the lower-left
    corner): across the start edge, or across the edge before it for lowest vertices on the
    bottom or right side of the box (``on_low_right``, per vertex).
    """
    H = src.shape[0]
    a, b = lines[:, 0], lines[:, 1]
    up_forward = (a < 0) | ((a == 0) & (b > 0))  # per line: (b, -a) goes up
    up = np.repeat(up_forward[eline], 2)
    up[1::2] ^= True
    into = np.flatnonzero(~up & up[nxt])  # down, then up: the arriving edge at a lowest vertex
    start_of = nxt[into]
    inner = ~outside[start_of]
    into, start_of = into[inner], start_of[inner]
    is_start = np.zeros(H, dtype=bool)  # faces numbered by their starts, in order
    is_start[start_of] = True
    starts = np.flatnonzero(is_start)
    prev = np.empty(H, dtype=np.int64)
    prev[start_of] = into
    prev_start = prev[starts]
    n_faces = starts.shape[0]
    size = np.zeros(n_faces, dtype=np.int64)
    cur, fid, first = starts, np.arange(n_faces), starts
    walked, fids = [cur], [fid]
    for _ in range(2):  # every face has three edges at least
        cur = nxt[cur]
        walked.append(cur)
        fids.append(fid)
    while cur.size:
        cur = nxt[cur]
        closed = cur == first
        if closed.any():
            size[fid[closed]] = len(walked)
            more = np.flatnonzero(~closed)
            if more.size == 0:
                break
            cur, fid, first = cur[more], fid[more], first[more]
        walked.append(cur)
        fids.append(fid)
    offsets = np.concatenate([[0], np.cumsum(size)]).astype(np.int64)
    ordered = np.empty(int(offsets[-1]), dtype=np.int64)
    for step, (cur, fid) in enumerate(zip(walked, fids, strict=True)):
        ordered[offsets[fid] + step] = cur
    face = np.full(H, -1, dtype=np.int64)
    face[ordered] = np.repeat(np.arange(n_faces), size)
    via = np.where(on_low_right[src[starts]], prev_start, starts)
    parent_face = face[via ^ 1]
    parent_via = np.where(parent_face >= 0, via, -1)
    return face, ordered, offsets, parent_via


def _faces_by_cycles(nxt: np.ndarray, outside: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Faces as the cycles of the face-tracing permutation (robust to merged vertices)."""
    label, rank = _cycle_labels(nxt)
    outer = np.unique(label[outside])
    ids, face = np.unique(label, return_inverse=True)
    bad = np.isin(ids, outer)
    remap = np.full(ids.shape[0], -1, dtype=np.int64)
    remap[~bad] = np.arange(int((~bad).sum()))
    return remap[face], rank, int((~bad).sum())


def _cycle_labels(nxt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Label the cycles of permutation ``nxt`` by their smallest element, and rank each element
    by its distance from that leader along the cycle (pointer doubling, vectorised)."""
    h = nxt.shape[0]
    label = np.arange(h)
    jump = nxt.copy()
    while True:
        new = np.minimum(label, label[jump])
        jump = jump[jump]
        if np.array_equal(new, label):
            break
        label = new
    prev = np.empty(h, dtype=np.int64)
    prev[nxt] = np.arange(h)
    leader = label == np.arange(h)
    rank = (~leader).astype(np.int64)
    ptr = np.where(leader, np.arange(h), prev)
    while not leader[ptr].all():
        rank = rank + rank[ptr]
        ptr = ptr[ptr]
    return label, rank


def _patterns(
    arr: LineArrangement,
    weight: np.ndarray,
    bias: np.ndarray,
    origin: np.ndarray,
    n_faces: int,
    parent_via: np.ndarray | None,
    face: np.ndarray,
    hline: np.ndarray,
    exact_geometry: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Packed sign patterns of every face: the root's evaluated exactly at an interior point,
    the others across the tree of parents, flipping the neurons of the line crossed (each is
    non-zero on both sides); with ``tol`` (no tree), every face is evaluated at an interior
    point."""
    m = weight.shape[0]
    nbytes = (m + 7) // 8
    if parent_via is None or n_faces == 0:
        positive = np.zeros((n_faces, nbytes), dtype=np.uint8)
        negative = np.zeros((n_faces, nbytes), dtype=np.uint8)
        off = arr.vertex_offsets
        owner = np.repeat(np.arange(n_faces), np.diff(off))
        xy = arr.V[arr.src[arr.ordered]]
        cnt = np.maximum(np.diff(off), 1)[:, None]
        pts = (
            np.column_stack([np.bincount(owner, xy[:, k], minlength=n_faces) for k in (0, 1)]) / cnt
            + origin
        )  # merged vertices (tol): the mean of each face's vertices
        for s0 in range(0, n_faces, 1024):
            sg = _exact.affine_signs(weight, bias, pts[s0 : s0 + 1024])
            positive[s0 : s0 + 1024] = np.packbits(sg > 0, axis=1)
            negative[s0 : s0 + 1024] = np.packbits(sg < 0, axis=1)
        return positive, negative
    crossing = parent_via >= 0
    parent = np.where(crossing, face[np.where(crossing, parent_via ^ 1, 0)], np.arange(n_faces))
    via_line = np.where(crossing, hline[np.maximum(parent_via, 0)], 0)
    masks = np.zeros((arr.line_offsets.shape[0] - 1, m), dtype=bool)
    counts = np.diff(arr.line_offsets)
    masks[np.repeat(np.arange(counts.shape[0]), counts), arr.line_neurons] = True
    masks = np.packbits(masks, axis=1)
    roots = np.flatnonzero(~crossing)
    root_signs = np.array([_face_signs(arr, weight, bias, origin, r) for r in roots.tolist()])
    # a neuron is zero on an open face only if it is zero on all (its weights are zero), so
    # every face's non-zero neurons are the root's: the negative bits follow from the positive
    nonzero = np.packbits(root_signs[0] != 0)
    positive = _propagate(parent, via_line, masks, roots, np.packbits(root_signs > 0, axis=1))
    return positive, np.bitwise_xor(positive, nonzero, out=np.empty_like(positive))


def _face_signs(
    arr: LineArrangement, weight: np.ndarray, bias: np.ndarray, origin: np.ndarray, r: int
) -> np.ndarray:
    """Exact signs (m,) of the neurons inside face r: at the float mean of its vertices when
    that point is strictly inside (checked exactly), else at the exact mean of its exact
    vertices."""
    ring = arr.ordered[arr.vertex_offsets[r] : arr.vertex_offsets[r + 1]]
    point = (arr.V[arr.src[ring]].mean(axis=0) + origin)[None]
    rows = arr.lines[arr.hline[ring]]
    with np.errstate(over="ignore", invalid="ignore"):
        finite = bool(np.isfinite(point).all())
    if finite and (_exact.affine_signs(rows[:, :2], rows[:, 2], point)[0] == arr.hdir[ring]).all():
        return _exact.affine_signs(weight, bias, point)[0]
    exact_rows = [_exact.translate_row(row, origin) for row in rows]
    mean, _ = _exact.polygon_mean_area(exact_rows)
    return _exact.affine_signs_at(weight, bias, _exact.shifted(origin, mean))


def _propagate(
    parent: np.ndarray,
    via: np.ndarray,
    masks: np.ndarray,
    roots: np.ndarray,
    root_bits: np.ndarray,
) -> np.ndarray:
    """Packed bits over a tree of faces: each face's are its parent's XOR the row
    ``masks[via[face]]`` (roots: ``root_bits``). A tree of depth D takes D dependent steps level
    by level; here about 2 sqrt(D): faces at depths that are multiples of B = sqrt(D) are
    anchors, every face first gets the XOR of the flips from its nearest anchor above (all
    B-blocks at once, B steps), then anchors get their bits down the chain of anchors (D / B
    steps), then every face is its anchor's bits XOR its own part."""
    R = parent.shape[0]
    depth = (parent != np.arange(R)).astype(np.int64)
    ptr = parent.copy()
    while True:
        up = ptr[ptr]
        if np.array_equal(up, ptr):
            break
        depth += depth[ptr]
        ptr = up
    D = int(depth.max(initial=0))
    B = max(1, int(np.sqrt(D)))
    phase = (depth % B).astype(np.uint8 if B <= 256 else np.int64)
    order = np.argsort(phase, kind="stable")  # anchors (phase 0) first, then phase 1, ...
    bounds = np.searchsorted(phase[order], np.arange(B + 1))
    n_anchors = int(bounds[1])
    anchors = order[:n_anchors]
    by_depth = np.argsort(depth[anchors], kind="stable")
    order[:n_anchors] = anchors = anchors[by_depth]
    pos = np.empty(R, dtype=np.int64)
    pos[order] = np.arange(R)
    up = pos[parent[order]]  # the parent's position, in this order
    via = via[order]
    # ---- each face's flips since its anchor, and its anchor (a position < n_anchors)
    rel = np.zeros((R, masks.shape[1]), dtype=np.uint8)
    anchor = np.arange(R)
    for lo, hi in itertools.pairwise(bounds[1:].tolist()):
        u = up[lo:hi]
        np.bitwise_xor(np.take(rel, u, axis=0), np.take(masks, via[lo:hi], axis=0), out=rel[lo:hi])
        anchor[lo:hi] = anchor[u]
    # ---- the anchors' bits, depth by depth
    bits_a = np.zeros((n_anchors, root_bits.shape[1]), dtype=np.uint8)
    bits_a[pos[roots]] = root_bits
    levels = np.searchsorted(depth[anchors], np.arange(B, D + 1, B))
    for lo, hi in itertools.pairwise([*levels.tolist(), n_anchors]):
        u = up[lo:hi]
        step = np.take(rel, u, axis=0) ^ np.take(masks, via[lo:hi], axis=0)
        bits_a[lo:hi] = np.take(bits_a, anchor[u], axis=0) ^ step
    # ---- every face: its anchor's bits XOR its own flips, in face order (in blocks that stay
    # in cache)
    bits = np.empty((R, root_bits.shape[1]), dtype=np.uint8)
    for c0 in range(0, R, 8192):
        at = pos[c0 : c0 + 8192]
        np.bitwise_xor(
            np.take(bits_a, anchor[at], axis=0), np.take(rel, at, axis=0), out=bits[c0 : c0 + 8192]
        )
    return bits
