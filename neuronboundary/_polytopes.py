"""Float geometry of one convex polyhedron seen from a point strictly inside it: which
constraints are facets, a witness point across each, the vertices and volume in low dimension,
the largest inscribed ball.

A polyhedron is ``{z : A z <= b}`` in coordinates relative to an interior point, so ``b > 0``;
rows are unit normals and ``b`` the distances to their hyperplanes (:func:`unit_rows`). Nothing
here is exact: every facet proposed comes with a *witness*, a point just across its hyperplane
(``base + offset``, ``base`` on the hyperplane, ``offset`` pointing out) that the caller checks
in exact arithmetic; only the verdict "redundant" (no facet) rests on floats.

How facets are found:

* **qhull** (``scipy.spatial.HalfspaceIntersection``, dimension 2 to 6, bounded polyhedra): the
  vertices, and the constraints that carry a facet; the witness of a facet lies on the ray from
  the interior point through the mean of the facet's vertices.
* **any dimension**: constraint ``i`` is a facet exactly when its polar point ``a_i / b_i`` is a
  vertex of the convex hull of the polar points and the origin. A batched Frank-Wolfe iteration
  (nearest point of the other points' hull) finds, for most facets at once, a direction ``c``
  that separates its polar point from all others: the ray from the interior point along ``c``
  then meets that constraint first, and the witness is the middle of the ray's first and second
  hits (ray shooting). The few constraints left are decided by output-sensitive LPs (Clarkson):
  maximise ``a_j . z`` over the facets found so far; if the optimum stays inside ``a_j . z <=
  b_j`` the constraint is redundant, else the ray to the optimum meets a new facet first.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

#: Relative tolerance of float decisions on LP optima and hyperplane coincidence (float only: an
#: exact witness confirms every facet).
LP_TOL = 1e-9
#: Dimension up to which qhull gives vertices and facets.
QHULL_MAX_DIM = 6
#: Frank-Wolfe iterations of the polar separation before the LPs take the rest.
SEPARATION_ITERATIONS = 400


class Facets(NamedTuple):
    """Facets proposed for a polyhedron (rows of its constraint matrix), each with a witness
    ``base + offset`` just across its hyperplane, and the rows found redundant."""

    rows: np.ndarray  # (F,) int64, one row per group of coinciding constraints
    base: np.ndarray  # (F, r): a point on the row's hyperplane
    offset: np.ndarray  # (F, r): from base across the hyperplane, inside every other constraint
    redundant: np.ndarray  # (R,) int64
    groups: np.ndarray  # (n,) int64: rows with one float hyperplane share a label
    n_lps: int


def unit_rows(A: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows scaled to unit normals: ``(A / |a|, b / |a|, kept)``, dropping zero rows (a
    constant constraint bounds nothing)."""
    norms = np.linalg.norm(A, axis=1)
    kept = np.flatnonzero(norms > 0)
    return A[kept] / norms[kept, None], b[kept] / norms[kept], kept


def duplicate_groups(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A label per unit row; rows whose hyperplanes coincide within :data:`LP_TOL` (normals
    within ``LP_TOL``, distances within ``LP_TOL`` relative) share one, the group's smallest
    row index.

    Candidates come from one sorted projection of the normals (rows that agree within the
    tolerance project within ``LP_TOL * |w|_1`` of each other), so no pair is missed and the
    usual case costs one sort.
    """
    n, r = A.shape
    labels = np.arange(n)
    if n < 2:
        return labels
    w = np.linspace(1.0, 2.0, r) if r > 1 else np.ones(1)
    proj = A @ w
    order = np.argsort(proj)
    ps = proj[order]
    reach = np.searchsorted(ps, ps + LP_TOL * w.sum(), side="right")
    near = np.flatnonzero(reach > np.arange(n) + 1)
    if near.size == 0:  # the usual case: no two hyperplanes close
        return labels
    for a in near.tolist():
        for c in range(a + 1, int(reach[a])):
            i, j = int(order[a]), int(order[c])
            same = np.abs(A[i] - A[j]).max() <= LP_TOL and abs(b[i] - b[j]) <= LP_TOL * max(
                b[i], b[j]
            )
            if same:
                x, y = _root(labels, i), _root(labels, j)
                labels[max(x, y)] = min(x, y)
    return np.array([_root(labels, i) for i in range(n)])


def _distinct(groups: np.ndarray) -> bool:
    """Whether every row is its own group (no two hyperplanes coincide)."""
    return bool((groups == np.arange(groups.shape[0])).all())


def _representatives(groups: np.ndarray) -> np.ndarray:
    return np.arange(groups.shape[0]) if _distinct(groups) else np.unique(groups)


def _redundant(groups: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The rows whose group has no facet among ``rows``."""
    facet = np.zeros(groups.shape[0], dtype=bool)
    facet[rows] = True
    return np.flatnonzero(~facet[groups])


def _root(labels: np.ndarray, i: int) -> int:
    while labels[i] != i:
        i = labels[i]
    return int(i)


# ====================================================================== rays
def ray_witnesses(
    A: np.ndarray, b: np.ndarray, groups: np.ndarray, dirs: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shoot rays from the interior point (the origin) along ``dirs`` (K, r).

    Returns ``(hit, base, offset)``: the row first hit by each ray (-1 where the ray meets
    nothing, or where another group meets it at the same distance), the point where it hits,
    and the step from there to the middle between the first hit and the next group's hit (or as
    far again when no other constraint is met).
    """
    P = A @ dirs.T  # (n, K)
    with np.errstate(divide="ignore", invalid="ignore"):
        T = np.where(P > 0, b[:, None] / P, np.inf)
    K = dirs.shape[0]
    cols = np.arange(K)
    hit = np.argmin(T, axis=0)
    t1 = T[hit, cols]
    if _distinct(groups):
        T[hit, cols] = np.inf
    else:
        T[groups[:, None] == groups[hit][None, :]] = np.inf
    t2 = T.min(axis=0) if T.shape[0] else np.full(K, np.inf)
    ok = np.isfinite(t1) & (t2 > t1)
    t_out = np.where(np.isfinite(t2), 0.5 * (t1 + t2), 2.0 * t1)
    t_out = np.minimum(t_out, 2.0 * t1)
    hit = np.where(ok, hit, -1)
    with np.errstate(invalid="ignore"):
        base = dirs * np.where(ok, t1, 0.0)[:, None]
        offset = dirs * np.where(ok, t_out - t1, 0.0)[:, None]
    return hit, base, offset


# ====================================================================== any dimension
def separate_polar(
    A: np.ndarray, b: np.ndarray, reps: np.ndarray, iterations: int = SEPARATION_ITERATIONS
) -> tuple[np.ndarray, np.ndarray]:
    """Directions that single out facets, for the representative rows ``reps``.

    Row ``j`` is a facet exactly when its polar point ``q_j = a_j / b_j`` lies outside the hull
    of the origin and the other polar points; Frank-Wolfe steps toward the nearest point ``y`` of
    that hull (batched over all rows), and ``c = q_j - y`` separates as soon as
    ``c . q_j > max(0, c . q_i)`` for every other ``i``. Returns ``(separated (len(reps),) bool,
    directions (len(reps), r))``; rows not separated within ``iterations`` are left to the LPs.
    """
    Q = A[reps] / b[reps, None]
    n, r = Q.shape
    Y = np.zeros((n, r))
    found = np.zeros(n, dtype=bool)
    dirs = np.zeros((n, r))
    active = np.arange(n)
    last_progress = 0
    for it in range(iterations):
        if active.size == 0 or it - last_progress > 60:
            break
        rows = np.arange(active.size)
        C = Q[active] - Y[active]
        G = C @ Q.T  # c . q_i for every i
        G[rows, active] = -np.inf
        best = G.argmax(axis=1)
        top = G[rows, best]
        own = np.einsum("ij,ij->i", C, Q[active])
        sep = own > np.maximum(top, 0.0) * (1.0 + LP_TOL) + 1e-300
        if sep.any():
            found[active[sep]] = True
            dirs[active[sep]] = C[sep]
            last_progress = it
        # a step toward the hull's vertex that maximises c . q (the origin when none is > 0)
        S = np.where((top > 0)[:, None], Q[best], 0.0)
        D = S - Y[active]
        num = np.einsum("ij,ij->i", C, D)
        den = np.einsum("ij,ij->i", D, D)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.clip(np.where(den > 0, num / den, 0.0), 0.0, 1.0)
        Y[active] += t[:, None] * D
        active = active[~sep]
    return found, dirs


def _linprog(c: np.ndarray, A_ub: Any, b_ub: np.ndarray) -> Any:
    """HiGHS' dual simplex on ``max -c . z`` over ``A_ub z <= b_ub``, z free (small dense LPs:
    no presolve, which costs more than it saves there)."""
    from scipy.optimize import linprog

    return linprog(
        c,
        A_ub=A_ub,
        b_ub=b_ub,
        bounds=(None, None),
        method="highs-ds",
        options={"presolve": False},
    )


def lp_facets(A: np.ndarray, b: np.ndarray) -> Facets:
    """The facets of ``{z : A z <= b}`` (unit rows, ``b > 0``) in any dimension: polar
    separation and ray shooting first, then output-sensitive LPs for the rows left (see the
    module docstring)."""
    n, r = A.shape
    if n == 0:  # no constraint (no neuron varies): the whole space, no facet
        none = np.zeros(0, dtype=np.int64)
        return Facets(none, np.zeros((0, r)), np.zeros((0, r)), none, none, 0)
    scale = float(np.median(b))
    b = b / scale  # the LP tolerances are relative to the typical distance
    groups = duplicate_groups(A, b)
    reps = _representatives(groups)
    found: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    if reps.size:
        with np.errstate(over="ignore", invalid="ignore"):  # faces 1e300 away: no separation
            sep, dirs = separate_polar(A, b, reps)
            hit, base, offset = ray_witnesses(A, b, groups, dirs[sep])
        for j, h, bs, of in zip(reps[sep].tolist(), hit.tolist(), base, offset, strict=True):
            if h >= 0 and groups[h] == j:
                found[j] = (bs, of)
    redundant, n_lps = _clarkson(A, b, groups, found, [j for j in reps.tolist() if j not in found])
    rows = np.array(sorted(found), dtype=np.int64)
    base = np.array([found[i][0] for i in rows.tolist()]).reshape(-1, r) * scale
    offset = np.array([found[i][1] for i in rows.tolist()]).reshape(-1, r) * scale
    red = np.flatnonzero(np.isin(groups, np.array(redundant, dtype=np.int64)))
    return Facets(rows, base, offset, red, groups, n_lps)


def _clarkson(
    A: np.ndarray,
    b: np.ndarray,
    groups: np.ndarray,
    found: dict[int, tuple[np.ndarray, np.ndarray]],
    todo: list[int],
) -> tuple[list[int], int]:
    """Decide rows ``todo`` with LPs over the facets found so far (Clarkson): maximise
    ``a_j . z`` over them with row j moved out by 1; an optimum inside ``a_j . z <= b_j`` makes
    j redundant; otherwise the ray to the optimum meets a facet first (j, or a new one: then j
    goes again). One block-diagonal LP per round decides all rows of the round (one solver call
    instead of one per row). Adds to ``found``; returns ``(redundant rows, LPs)``."""
    r = A.shape[1]
    redundant: list[int] = []
    n_lps = 0
    while todo:
        F = np.array(sorted(found), dtype=np.int64)
        before = set(found)
        blocks = np.stack([np.vstack([A[F], A[j][None, :]]) for j in todo])
        rhs = np.concatenate([np.concatenate([b[F], [b[j] + 1.0]]) for j in todo])
        res = _linprog(-A[todo].ravel(), _block_diagonal(blocks), rhs)
        n_lps += len(todo)
        if res.status != 0 or res.x is None:  # pragma: no cover - a bounded, feasible LP
            redundant += todo
            break
        Z = res.x.reshape(len(todo), r)
        values = np.einsum("ij,ij->i", A[todo], Z)
        again = []
        for j, z, v in zip(todo, Z, values.tolist(), strict=True):
            if j in found:
                continue
            if v <= b[j] + LP_TOL * (1.0 + abs(b[j])):
                redundant.append(j)
                continue
            h, bs, of = ray_witnesses(A, b, groups, z[None, :])
            h = int(h[0])
            if h >= 0 and int(groups[h]) in found and int(groups[h]) not in before:
                again.append(j)  # met a facet found in this round: j goes again
                continue
            if h < 0 or int(groups[h]) in found:
                redundant.append(j)  # a lower-dimensional contact: no facet to witness
                continue
            found[int(groups[h])] = (bs[0], of[0])
            if groups[h] != j:
                again.append(j)
        todo = [j for j in again if j not in found]
    return redundant, n_lps


def _block_diagonal(blocks: np.ndarray) -> Any:
    """The sparse block-diagonal matrix of dense blocks (K, m, r)."""
    from scipy.sparse import csr_matrix

    K, m, r = blocks.shape
    rows = np.repeat(np.arange(K * m), r)
    cols = (np.arange(K)[:, None, None] * r + np.arange(r)[None, None, :]).repeat(m, axis=1)
    return csr_matrix((blocks.ravel(), (rows, cols.ravel())), shape=(K * m, K * r))


def margin_witness(
    A: np.ndarray, b: np.ndarray, groups: np.ndarray, j: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """A witness for row ``j`` with the largest margin: the point violating ``j``'s group and
    satisfying every other row, each by at least ``delta`` (maximised by one LP over all rows).
    ``None`` when ``delta`` is not clearly positive (no facet, or one too thin for floats)."""
    n, r = A.shape
    mine = groups == groups[j]
    signs = np.where(mine, -1.0, 1.0)
    rows = np.column_stack([A * signs[:, None], np.ones(n)])
    rhs = np.where(mine, -b, b)
    cap = np.zeros((1, r + 1))
    cap[0, -1] = 1.0
    scale = float(np.median(b)) if n else 1.0
    res = _linprog(
        np.concatenate([np.zeros(r), [-1.0]]),
        np.vstack([rows, cap]),
        np.concatenate([rhs, [scale]]),
    )
    if res.status != 0 or res.x is None or not res.x[-1] > LP_TOL * scale:
        return None
    z = res.x[:r]
    reach = float(A[j] @ z)  # > b[j] > 0 for a point across row j; not so for a failed LP
    if not reach > 0:
        return None
    t = b[j] / reach
    return t * z, (1.0 - t) * z


# ====================================================================== low dimension
def qhull_facets(A: np.ndarray, b: np.ndarray) -> tuple[Facets, np.ndarray]:
    """Facets and vertices of the bounded polytope ``{z : A z <= b}`` (unit rows, ``b > 0``,
    dimension 2 to :data:`QHULL_MAX_DIM`) by qhull. Returns ``(facets, vertices (V, r))``.

    Raises ``scipy.spatial.QhullError`` where qhull cannot decide (degenerate input)."""
    from scipy.spatial import HalfspaceIntersection

    r = A.shape[1]
    groups = duplicate_groups(A, b)
    reps = _representatives(groups)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # far faces: inf
        hs = HalfspaceIntersection(np.column_stack([A[reps], -b[reps]]), np.zeros(r))
    verts = hs.intersections
    on = np.zeros((reps.size, verts.shape[0]), dtype=bool)
    lengths = [len(f) for f in hs.dual_facets]
    if min(lengths, default=r) == max(lengths, default=r):  # simple vertices: one array
        fac = np.asarray(hs.dual_facets, dtype=np.int64).reshape(verts.shape[0], -1)
        on[fac.ravel(), np.repeat(np.arange(verts.shape[0]), fac.shape[1])] = True
    else:
        for v, f in enumerate(hs.dual_facets):
            on[f, v] = True
    # a facet carries at least r vertices (a row through fewer touches a lower face only)
    cand = np.flatnonzero(on.sum(axis=1) >= r)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        means = (on[cand].astype(np.float64) @ verts) / on[cand].sum(axis=1)[:, None]
        hit, base, offset = ray_witnesses(A, b, groups, means)  # a NaN mean hits nothing
    good = (hit >= 0) & (groups[np.maximum(hit, 0)] == reps[cand])
    rows = reps[cand][good]
    facets = Facets(rows, base[good], offset[good], _redundant(groups, rows), groups, 0)
    missed = reps[cand][~good]  # a facet whose mean did not see it first: its own ray
    if missed.size:
        facets = _add_missing(A, b, facets, missed)
    return facets, verts


def _add_missing(A: np.ndarray, b: np.ndarray, facets: Facets, missed: np.ndarray) -> Facets:
    rows, base, offset = list(facets.rows), list(facets.base), list(facets.offset)
    for j in missed.tolist():
        wit = margin_witness(A, b, facets.groups, j)
        if wit is not None:
            rows.append(j)
            base.append(wit[0])
            offset.append(wit[1])
    rows_arr = np.array(rows, dtype=np.int64)
    order = np.argsort(rows_arr)
    r = A.shape[1]
    return Facets(
        rows_arr[order],
        np.array(base).reshape(-1, r)[order],
        np.array(offset).reshape(-1, r)[order],
        _redundant(facets.groups, rows_arr),
        facets.groups,
        facets.n_lps + missed.size,
    )


def interval_facets(A: np.ndarray, b: np.ndarray) -> tuple[Facets, np.ndarray]:
    """Facets and end points of the interval ``{z : A z <= b}`` (unit rows of one column, so
    ``A`` is +-1, ``b > 0``). Returns ``(facets, ends (V, 1))`` (an unbounded side has no end)."""
    groups = duplicate_groups(A, b)
    hit, base, offset = ray_witnesses(A, b, groups, np.array([[1.0], [-1.0]]))
    keep = hit >= 0
    rows = groups[hit[keep]]
    ends = base[keep].copy()
    facets = Facets(rows, base[keep], offset[keep], _redundant(groups, rows), groups, 0)
    return facets, ends


def volume(vertices: np.ndarray) -> float:
    """Volume (length, area) of the convex hull of ``vertices`` (V, r); qhull for r >= 2."""
    if vertices.shape[1] == 1:
        return float(vertices.max() - vertices.min()) if vertices.shape[0] else 0.0
    from scipy.spatial import ConvexHull

    return float(ConvexHull(vertices).volume)


def chebyshev_ball(A: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float]:
    """The largest ball inside ``{z : A z <= b}`` (unit rows): ``(centre, radius)``, by one LP;
    radius ``inf`` (centre the origin) when the polyhedron holds balls of any size."""
    n, r = A.shape
    if n == 0:
        return np.zeros(r), float("inf")
    res = _linprog(
        np.concatenate([np.zeros(r), [-1.0]]), np.column_stack([A, np.ones(n)]), b.astype(float)
    )
    if res.status == 3:  # unbounded: arbitrarily large balls
        return np.zeros(r), float("inf")
    if res.status != 0 or res.x is None:  # pragma: no cover - HiGHS fails only on broken input
        return np.zeros(r), float("nan")
    return res.x[:r], float(res.x[-1])
