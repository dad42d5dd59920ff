"""Point location in a 2-D slice at scale: a uniform grid over the box lists the regions whose
bounding box (grown by the vertices' error radii) meets each cell; a point is then tested
against the few candidate regions of its cell, edge by edge, with the exact sign of each edge's
line at the point (float filter, integers behind it). Points are processed in chunks, so memory
stays bounded whatever their number.

A point lies in region r when it is strictly on the inner side of every edge of r; a point on a
boundary is in no open region (-1). The box's own edges are closed: a point on them is checked
once more against its exact pattern, since a neuron may vanish there (a line through a corner)
without cutting the box.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neuronboundary import _exact
from neuronboundary._exact import gamma, inflate

#: Points located at once (bounds the memory of the candidate pairs).
_CHUNK = 32_768


def _grid(arr: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The grid index: ``(lo (2,), cell (2,), shape (2,), offsets, regions)``; cell (i, j)
    lists ``regions[offsets[c]:offsets[c + 1]]`` with ``c = i * shape[1] + j``."""
    cached = arr.__dict__.get("_grid_index")
    if cached is not None:
        return cached
    (x0, x1), (y0, y1) = arr.box
    lo = np.array([x0, y0]) - arr.origin
    size = np.array([x1 - x0, y1 - y0])
    R = arr.n_regions
    n = int(np.clip(np.sqrt(2.0 * R), 1, 4096))  # about two cells per region
    shape = np.array([n, n])
    cell = size / shape
    off = arr.vertex_offsets
    xy, rad = arr._xy, arr.vertex_error
    owner = np.repeat(np.arange(R), np.diff(off))
    bmin = np.full((R, 2), np.inf)
    bmax = np.full((R, 2), -np.inf)
    np.minimum.at(bmin, owner, xy - rad[:, None])
    np.maximum.at(bmax, owner, xy + rad[:, None])
    # grown by the rounding of a point's relative coordinates (its exact value is hi + low):
    # then the same float formula puts a point in a cell its region's box covers (it is monotone)
    slack = 4 * _exact.U * (np.abs(arr.box).max() + np.abs(arr.origin).max()) + _exact.UNDERFLOW
    with np.errstate(invalid="ignore", over="ignore"):
        f0 = np.nan_to_num(np.floor((bmin - slack - lo) / cell), nan=0.0, posinf=0.0, neginf=0.0)
        f1 = np.floor((bmax + slack - lo) / cell)
        f1 = np.nan_to_num(f1, nan=float(shape.max()), posinf=float(shape.max()), neginf=0.0)
    i0 = np.clip(f0, 0, shape - 1).astype(np.int64)
    i1 = np.clip(f1, 0, shape - 1).astype(np.int64)
    nx, ny = i1[:, 0] - i0[:, 0] + 1, i1[:, 1] - i0[:, 1] + 1
    total = nx * ny
    reg = np.repeat(np.arange(R), total)
    k = np.arange(int(total.sum())) - np.repeat(np.cumsum(total) - total, total)
    ci = i0[reg, 0] + k // ny[reg]
    cj = i0[reg, 1] + k % ny[reg]
    cells = ci * shape[1] + cj
    order = np.argsort(cells, kind="stable")
    counts = np.bincount(cells, minlength=int(shape.prod()))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    out = (lo, cell, shape, offsets, reg[order])
    arr.__dict__["_grid_index"] = out
    return out


def locate_2d(arr: Any, pts: np.ndarray) -> np.ndarray:
    """Region of each point (absolute float64 coordinates, inside the box), -1 on a boundary."""
    out = np.full(pts.shape[0], -1, dtype=np.int64)
    for s in range(0, pts.shape[0], _CHUNK):
        out[s : s + _CHUNK] = _locate_chunk(arr, pts[s : s + _CHUNK])
    return out


def _locate_chunk(arr: Any, pts: np.ndarray) -> np.ndarray:
    lo, cell, shape, offsets, regions = _grid(arr)
    # relative coordinates as an exact pair hi + lo (TwoSum: p - origin is hi + low exactly)
    hi = pts - arr.origin
    bb = hi - pts
    low = (pts - (hi - bb)) + (-arr.origin - bb)
    c = np.clip(np.floor((hi - lo) / cell).astype(np.int64), 0, shape - 1)
    cells = c[:, 0] * shape[1] + c[:, 1]
    cnt = offsets[cells + 1] - offsets[cells]
    point = np.repeat(np.arange(pts.shape[0]), cnt)
    start = np.repeat(offsets[cells], cnt)
    k = np.arange(point.shape[0]) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    region = regions[start + k]
    voff = arr.vertex_offsets
    nverts = voff[region + 1] - voff[region]
    alive = np.ones(point.shape[0], dtype=bool)
    on_box = np.zeros(point.shape[0], dtype=bool)
    table = arr._table
    rows, errs = table.rows, table.errs
    lines_all, inside_all = arr.edge_lines, arr._inside
    # the box's own edges are closed, unless a neuron's boundary lies along them
    closed = np.zeros(arr.n_lines, dtype=bool)
    closed[:4] = np.diff(arr.line_offsets[:5]) == 0
    step = 0
    while True:
        act = np.flatnonzero(alive & (nverts > step))
        if act.size == 0:
            break
        f = voff[region[act]] + step
        line = lines_all[f]
        want = inside_all[f]
        p = point[act]
        s = _signs_at(table, rows[line], errs[line], line, hi[p], low[p])
        on_edge = closed[line] & (s == 0)
        on_box[act[on_edge]] = True
        alive[act[(s != want) & ~on_edge]] = False
        step += 1
    out = np.full(pts.shape[0], -1, dtype=np.int64)
    hit = np.flatnonzero(alive)
    out[point[hit][::-1]] = region[hit][::-1]
    edge = np.flatnonzero(alive & on_box)
    if edge.size:  # on the box's edge: a neuron may vanish there without cutting the box
        p, r = point[edge], region[edge]
        same = (arr.network.signs(pts[p]) == arr.signs_of(r)).all(axis=1)
        out[p[~same]] = -1
    return out


def _signs_at(
    table: Any, R: np.ndarray, E: np.ndarray, lines: np.ndarray, hi: np.ndarray, low: np.ndarray
) -> np.ndarray:
    """Exact sign of rows ``R`` (within ``E``) at the exact points ``hi + low``, row by row."""
    a, b, c = R.T
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        value = a * hi[:, 0] + b * hi[:, 1] + c
        bound = gamma(3) * (np.abs(a * hi[:, 0]) + np.abs(b * hi[:, 1]) + np.abs(c))
        bound += (np.abs(a) + E[:, 0]) * np.abs(low[:, 0]) + (np.abs(b) + E[:, 1]) * np.abs(
            low[:, 1]
        )
        bound += E[:, 0] * np.abs(hi[:, 0]) + E[:, 1] * np.abs(hi[:, 1]) + E[:, 2]
        bound = inflate(bound, 8) + _exact.UNDERFLOW

    def exact(i: int) -> int:
        return _exact.sign_at(table.exact(lines[i]), _exact.exact_point(hi[i], low[i]))

    return _exact.decide(value, bound, exact)
