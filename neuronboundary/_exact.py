"""The exact kernel: filtered predicates on float64 data, exact integers behind them.

Every decision the library makes (the sign of a neuron at a point, on which side of a line a
vertex lies, in which order two roots come, whether two lines are the same) is the sign of a
small polynomial in float64 numbers. A float64 number is a dyadic rational ``m * 2**e``, and so
is every sum and product of them: the answer of exact arithmetic is well defined, and Python
integers compute it. This module is the only place that does exact arithmetic.

The design is CGAL's *filtered predicate*: evaluate in floating point together with a rigorous
bound on the error of that evaluation; where the value is larger than the bound its sign is
certain (almost always), and the few undecided entries are recomputed with integers
(:func:`decide` is the one adaptor). The inputs of a predicate may themselves be approximate
(the affine map of a deep neuron on a region is computed in floating point): each then comes
with an error bound, and the filter accounts for it.

Error bounds (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., Sec. 3.1):

* ``U = 2**-53`` is the unit roundoff; ``gamma(n) = n U / (1 - n U)``.
* A sum of ``n`` products of two floats, evaluated in any order and with or without fused
  multiply-adds (any BLAS kernel), is within ``gamma(n) * P`` of the exact value, where ``P``
  is the same sum with every term replaced by its absolute value (Higham, Eq. 3.5); products of
  three factors add one more rounding: ``gamma(n + 1)``.
* Bounds are themselves computed in floating point. A sum of ``n`` non-negative terms computed
  in floating point is at least ``(1 - gamma(n))`` times its exact value, so a computed bound
  multiplied by ``1 + 2 gamma(n + 2)`` (``inflate``) is a true bound.
* Underflow: each product below the normal range loses at most ``ETA = 2**-1074`` absolutely;
  ``UNDERFLOW = 2**-1000`` per evaluation covers any sum of fewer than ``2**70`` such terms.
* Overflow: a non-finite value or bound decides nothing; the exact path takes it.

Counters: :data:`STATS` counts filtered and exact decisions, so benchmarks can report how rarely
the exact path runs.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

#: Unit roundoff of float64: every correctly rounded operation has relative error <= U.
U = 2.0**-53
#: Absolute slack for underflow: far above the loss of a few hundred subnormal products.
UNDERFLOW = 2.0**-1000

#: How many decisions the float filter took and how many went to exact integers (reset freely).
STATS = {"filtered": 0, "exact": 0}


def gamma(n: int) -> float:
    """``n U / (1 - n U)``: relative error bound of n successive roundings (Higham, Lemma 3.1)."""
    return n * U / (1.0 - n * U)


def inflate(bound: Any, n: int) -> Any:
    """A floating-point computed bound of ``n`` non-negative terms, made a true upper bound."""
    return bound * (1.0 + 2.0 * gamma(n + 2))


# ============================================================== exact integers
def dyadic(x: float) -> tuple[int, int]:
    """``(m, e)`` with ``x == m * 2**e`` exactly (``m`` an int, 0 for zero).

    >>> dyadic(0.75), dyadic(-3.0)
    ((3, -2), (-3, 0))
    """
    num, den = float(x).as_integer_ratio()
    return num, -(den.bit_length() - 1)


def as_ints(values: Any) -> tuple[list[int], int]:
    """Floats as integers with one shared exponent: ``values[i] == ints[i] * 2**exp`` exactly.

    >>> as_ints([0.5, 3.0, 0.0])
    ([1, 6, 0], -1)
    """
    parts = [dyadic(v) for v in np.asarray(values, dtype=np.float64).ravel().tolist()]
    exps = [e for m, e in parts if m]
    low = min(exps) if exps else 0
    return [m << (e - low) if m else 0 for m, e in parts], low


def int_matrix(values: Any) -> tuple[np.ndarray, int]:
    """A float array as an object array of Python ints with one shared exponent."""
    arr = np.asarray(values, dtype=np.float64)
    ints, exp = as_ints(arr)
    out = np.empty(arr.size, dtype=object)
    out[:] = ints
    return out.reshape(arr.shape), exp


def align(a: tuple[Any, int], b: tuple[Any, int]) -> tuple[Any, Any, int]:
    """Two scaled integer values ``(ints, exp)`` brought to the same (smaller) exponent."""
    (x, ex), (y, ey) = a, b
    if ex <= ey:
        return x, _shift(y, ey - ex), ex
    return _shift(x, ex - ey), y, ey


def _shift(x: Any, k: int) -> Any:
    if isinstance(x, np.ndarray):
        return x * (1 << k) if k else x
    return x << k if k else x


def exact_sign(value: Any) -> int:
    """-1, 0 or +1: the sign of an int or a rational."""
    return (value > 0) - (value < 0)


def _frac(x: float) -> Fraction:
    return Fraction(float(x))


def exact_affine(weight: Any, bias: float, point: Any) -> Fraction:
    """``weight . point + bias`` exactly; ``point`` holds floats or Fractions."""
    return _frac(bias) + sum(
        (
            _frac(w) * (v if isinstance(v, Fraction) else _frac(v))
            for w, v in zip(weight, point, strict=True)
        ),
        Fraction(0),
    )


def row_ints(row: Any) -> list[int]:
    """A row of floats as integers with one exponent (the exponent dropped: a positive scale,
    which no sign predicate on that row sees)."""
    return as_ints(row)[0]


def det2_int(p: Sequence[int], q: Sequence[int]) -> int:
    """``p0 q1 - p1 q0`` of integer rows."""
    return p[0] * q[1] - p[1] * q[0]


def det3_int(r1: Sequence[int], r2: Sequence[int], r3: Sequence[int]) -> int:
    """The 3 x 3 determinant of integer rows."""
    a1, b1, c1 = r1
    a2, b2, c2 = r2
    a3, b3, c3 = r3
    return a3 * (b1 * c2 - b2 * c1) + b3 * (c1 * a2 - c2 * a1) + c3 * (a1 * b2 - a2 * b1)


# ============================================================== the filter
def decide(value: np.ndarray, bound: np.ndarray, exact: Callable[[int], int]) -> np.ndarray:
    """The one filtered-predicate adaptor: ``sign(value)`` where ``|value| > bound``, and
    ``exact(i)`` for every other index i (NaN and infinite values or bounds go exact).

    >>> decide(np.array([2.0, 1e-20]), np.array([1e-15, 1e-15]), lambda i: 0)
    array([1, 0], dtype=int8)
    """
    with np.errstate(invalid="ignore"):
        sure = np.abs(value) > bound
    signs = np.where(sure, np.sign(value), 0).astype(np.int8)
    unsure = np.flatnonzero(~sure)
    STATS["filtered"] += int(signs.size - unsure.size)
    STATS["exact"] += int(unsure.size)
    for i in unsure.tolist():
        signs[i] = exact(i)
    return signs


def enclosure(value: np.ndarray, err: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Floats ``(lo, hi)`` that enclose ``[value - err, value + err]`` exactly: widened for the
    rounding of ``value ± err`` itself, so ``hi[i] < lo[j]`` proves exact ``i < j``.
    NaN (from an infinite ``err``) proves nothing and leaves the pair to the exact predicate.

    >>> lo, hi = enclosure(np.array([1.0]), np.array([0.5]))
    >>> bool(lo[0] < 0.5 < 1.5 < hi[0])
    True
    """
    with np.errstate(over="ignore", invalid="ignore"):
        w = (err + 2 * U * np.abs(value)) * (1 + 8 * U)
        return value - w, value + w


def interval_compare(
    lo: np.ndarray, hi: np.ndarray, exact: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """The filtered comparison of quantities known as intervals ``[lo, hi]`` (see
    :func:`enclosure`), for :func:`exact_argsort`'s ``compare``: -1 / +1 where the intervals are
    apart, ``exact(i, j)`` (vectorised, int8 -1 / 0 / +1) on the other pairs.

    >>> cmp = interval_compare(np.array([0.0, 2.0]), np.array([1.0, 3.0]), None)
    >>> cmp(np.array([0, 1]), np.array([1, 0])).tolist()
    [-1, 1]
    """

    def compare(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        before, after = hi[i] < lo[j], hi[j] < lo[i]
        out = after.view(np.int8) - before.view(np.int8)
        unsure = np.flatnonzero(~(before | after))
        if unsure.size:  # the exact predicate counts its own decisions in STATS
            out[unsure] = exact(i[unsure], j[unsure])
        return out

    return compare


def affine_signs(weight: np.ndarray, bias: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Exact ``sign(x @ weight.T + bias)`` as int8, shapes (m, d), (m,), (n, d) -> (n, m).

    Bound: a dot product of d terms plus a bias, ``gamma(d + 1)`` times the same sum of
    absolute values (any summation order, so any BLAS kernel).

    >>> affine_signs(np.array([[1.0, 1.0]]), np.array([-0.75]), np.array([[0.25, 0.5]]))
    array([[0]], dtype=int8)
    """
    d = weight.shape[1]
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        y = x @ weight.T + bias
        bound = inflate(np.abs(x) @ np.abs(weight).T + np.abs(bias), d + 1) * gamma(d + 1)
        bound += UNDERFLOW
    n_points = y.shape[1]

    def exact(i: int) -> int:
        r, n = divmod(i, n_points)
        return exact_sign(exact_affine(weight[n], bias[n], x[r]))

    return decide(y.ravel(), bound.ravel(), exact).reshape(y.shape)


def _bound(perm: np.ndarray, spread: np.ndarray | None, k: int) -> np.ndarray:
    """Error bound of a polynomial evaluated with ``k`` roundings per term whose permanent (the
    same polynomial of absolute values) is ``perm``, at inputs known within errors whose
    permanent of ``|input| + error`` is ``spread``: ``gamma(k) perm + (spread - perm)``, made
    safe against the rounding of the bound's own computation (``c = 4 gamma(k)`` covers the
    three roundings of ``spread (1 + c) - perm (1 - c)`` and of both permanents)."""
    if spread is None:
        return inflate(gamma(k) * perm, k) + UNDERFLOW
    c = 4.0 * gamma(k)
    return spread * (1.0 + c) - perm * (1.0 - c) + UNDERFLOW


def _perm2(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    return np.abs(p[..., 0] * q[..., 1]) + np.abs(p[..., 1] * q[..., 0])


def det2_signs(
    p: np.ndarray,
    q: np.ndarray,
    ep: np.ndarray | None = None,
    eq: np.ndarray | None = None,
    exact_rows: Callable[[int], tuple[Sequence[int], Sequence[int]]] | None = None,
) -> np.ndarray:
    """Exact ``sign(p0 q1 - p1 q0)`` row by row, rows (n, 2); int8 (n,).

    ``ep``, ``eq`` bound the error of approximate rows (absent: the floats are exact); then
    ``exact_rows(i)`` must give the exact rows of entry i as integers (any positive scale per
    row). Bound: ``gamma(2) perm(|p|, |q|)`` for the evaluation plus
    ``perm(|p| + ep, |q| + eq) - perm(|p|, |q|)`` for the input errors (the determinant is
    bilinear), where ``perm`` is the determinant with every term made non-negative.
    """
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        value = p[..., 0] * q[..., 1] - p[..., 1] * q[..., 0]
        bound = _bound(
            _perm2(p, q), None if ep is None else _perm2(np.abs(p) + ep, np.abs(q) + eq), 3
        )
    if exact_rows is None:

        def exact(i: int) -> int:
            return exact_sign(det2_int(row_ints(p[i]), row_ints(q[i])))
    else:

        def exact(i: int) -> int:
            return exact_sign(det2_int(*exact_rows(i)))

    return decide(value, bound, exact)


def _perm3(r1: np.ndarray, r2: np.ndarray, r3: np.ndarray) -> np.ndarray:
    a1, b1, c1 = np.abs(r1).T
    a2, b2, c2 = np.abs(r2).T
    a3, b3, c3 = np.abs(r3).T
    return a3 * (b1 * c2 + b2 * c1) + b3 * (c1 * a2 + c2 * a1) + c3 * (a1 * b2 + a2 * b1)


def det3_signs(
    r1: np.ndarray,
    r2: np.ndarray,
    r3: np.ndarray,
    e1: np.ndarray | None = None,
    e2: np.ndarray | None = None,
    e3: np.ndarray | None = None,
    exact_rows: Callable[[int], tuple[Sequence[int], ...]] | None = None,
) -> np.ndarray:
    """Exact sign of ``det([r1; r2; r3])`` row by row, rows (n, 3); int8 (n,).

    For lines ``L(x, y) = a x + b y + c``, ``L3(p12) = det / D12`` where ``p12`` is where
    ``L1 = L2 = 0`` and ``D12 = a1 b2 - a2 b1`` (Cramer), so this decides on which side of a
    third line the crossing of two lines lies, and whether three lines meet in a point.
    Errors ``e1..e3`` and ``exact_rows`` as in :func:`det2_signs`. Bound: ``gamma(5)`` (two
    products, three additions along the cofactor expansion) times the permanent, plus the
    spread of the permanent under the input errors (the determinant is multilinear).
    """
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        a1, b1, c1 = r1.T
        a2, b2, c2 = r2.T
        a3, b3, c3 = r3.T
        value = a3 * (b1 * c2 - b2 * c1) + b3 * (c1 * a2 - c2 * a1) + c3 * (a1 * b2 - a2 * b1)
        spread = None if e1 is None else _perm3(np.abs(r1) + e1, np.abs(r2) + e2, np.abs(r3) + e3)
        bound = _bound(_perm3(r1, r2, r3), spread, 6)
    if exact_rows is None:

        def exact(i: int) -> int:
            return exact_sign(det3_int(row_ints(r1[i]), row_ints(r2[i]), row_ints(r3[i])))
    else:

        def exact(i: int) -> int:
            return exact_sign(det3_int(*exact_rows(i)))

    return decide(value, bound, exact)


def along_line_order(
    line: np.ndarray,
    p: np.ndarray,
    q: np.ndarray,
    errs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    exact_rows: Callable[[int], tuple[Sequence[int], ...]] | None = None,
) -> np.ndarray:
    """Exact order along ``line`` of its crossings with ``p`` and with ``q``, rows ``(a, b, c)``
    (n, 3): int8 -1 where the crossing with ``p`` comes first in the line's direction
    ``(b, -a)``, 0 where they coincide, +1 after. The positions differ by
    ``det3(line, p, q) / (D(line, p) D(line, q))``, ``D(u, v) = u_a v_b - v_a u_b``: three exact
    signs. ``errs`` and ``exact_rows(i)`` (the exact rows ``(line, p, q)`` of entry i as
    integers) as in :func:`det3_signs`; without them the floats are exact.

    >>> x_axis = np.array([[0.0, 1.0, 0.0]])  # y = 0, direction (1, 0)
    >>> along_line_order(x_axis, np.array([[1.0, 0.0, -1.0]]), np.array([[1.0, 0.0, -2.0]]))
    array([-1], dtype=int8)
    """
    el, ep, eq = errs if errs is not None else (None, None, None)
    rows_p = rows_q = None
    if exact_rows is not None:

        def rows_p(e: int) -> tuple:
            u, v, _ = exact_rows(e)
            return u[:2], v[:2]

        def rows_q(e: int) -> tuple:
            u, _, w = exact_rows(e)
            return u[:2], w[:2]

    two = (lambda e: e[:, :2]) if errs is not None else (lambda e: None)
    d3 = det3_signs(line, p, q, el, ep, eq, exact_rows)
    dp = det2_signs(line[:, :2], p[:, :2], two(el), two(ep), rows_p)
    dq = det2_signs(line[:, :2], q[:, :2], two(el), two(eq), rows_q)
    return (-(d3 * dp * dq)).astype(np.int8)


def signs_near(
    rows: np.ndarray, errs: np.ndarray, xy: np.ndarray, rad: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The float filter of the sign of lines at approximate points: rows ``(a, b, c)`` (n, 3),
    each within ``errs`` (n, 3) of an exact row, at points ``xy`` (n, 2) whose coordinates are
    each within ``rad`` (n,) of an exact point. Returns ``(signs, sure)``, int8 and bool (n,):
    the sign of the exact row at the exact point wherever ``sure``; the caller decides the rest
    exactly from what defines the points (a vertex where two lines cross: :func:`det3_signs`).

    Bound: ``gamma(3) (|a x| + |b y| + |c|)`` for the evaluation, ``(|a| + |b|) rad`` for the
    point and ``ea (|x| + rad) + eb (|y| + rad) + ec`` for the row: eight non-negative terms of
    at most two roundings each, summed in floating point (``inflate(., 8)``).

    >>> signs_near(np.array([[1.0, 0.0, -0.5]] * 2), np.zeros((2, 3)),
    ...            np.array([[0.75, 0.0], [0.5, 0.0]]), np.array([0.1, 0.1]))
    (array([1, 0], dtype=int8), array([ True, False]))
    """
    a, b, c = rows.T
    x, y = xy.T
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        ax, by = a * x, b * y
        value = ax + by + c
        bound = (np.abs(ax) + np.abs(by) + np.abs(c)) * gamma(3)
        bound += (np.abs(a) + np.abs(b)) * rad
        bound += errs[:, 0] * (np.abs(x) + rad) + errs[:, 1] * (np.abs(y) + rad) + errs[:, 2]
        bound = inflate(bound, 8) + UNDERFLOW
        sure = np.abs(value) > bound
        signs = np.sign(value).astype(np.int8)
    signs[~sure] = 0
    STATS["filtered"] += int(np.count_nonzero(sure))
    return signs, sure


# ============================================================== the exact sort
def exact_argsort(
    key: np.ndarray,
    *,
    segment: np.ndarray | None = None,
    err: np.ndarray | None = None,
    exact_key: Callable[[int], Any] | None = None,
    compare: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sort elements by an exact quantity known through a float ``key``; find exact ties.

    The one sort of the library (roots along a line, pairwise crossings, crossings along each
    line of an arrangement, half-edges around a vertex). Elements are sorted by ``(segment,
    key)`` in floating point, then the order is made exact in one of three ways:

    * ``exact_key`` alone: ``key`` is the correctly rounded exact value, so distinct floats are
      in the right order and only runs of equal floats are sorted by ``exact_key(i)``;
    * ``err`` with ``exact_key``: ``|key - exact| <= err``; cuts where every element before is
      surely below every element after (prefix maximum of ``key + err`` below the suffix minimum
      of ``key - err``) leave runs to sort by ``exact_key``; no segments;
    * ``compare(i, j)``: a vectorised exact comparison (-1, 0, +1 for i before, tied with,
      after j); each consecutive pair is checked, and a segment with a pair out of order is
      re-sorted with it. Sorted runs are verified by transitivity. With ``bounds = (lo, hi)``,
      floats with ``lo <= exact <= hi``, a consecutive pair with ``hi`` of the first below
      ``lo`` of the second is in order without a call to ``compare``.

    Returns ``(order, tied)``: ``tied[i]`` (length n - 1) says that ``order[i]`` and
    ``order[i + 1]`` are exactly equal and in the same segment.
    """
    order, tied, _ = _argsort(key, segment, err, exact_key, compare, bounds)
    return order, tied


def _argsort(
    key: np.ndarray,
    segment: np.ndarray | None,
    err: np.ndarray | None,
    exact_key: Callable[[int], Any] | None,
    compare: Callable[[np.ndarray, np.ndarray], np.ndarray] | None,
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """:func:`exact_argsort`, also returning the sorted float keys (``None`` when not needed)."""
    n = key.shape[0]
    if segment is None:
        # numpy's SIMD quicksort (several times faster than a stable sort); the order of equal
        # floats, which may differ between CPUs, is redone below by (exact key, index) or by
        # a stable re-sort with the comparator
        order = np.argsort(key) if compare is None else np.argsort(key, kind="stable")
        seg_sorted = None
    elif compare is not None and n:
        # one float key, segment * scale + key (a quicksort: several times faster than a
        # lexsort); where it rounds two keys of a segment out of order, the exact check of
        # consecutive pairs below re-sorts that segment
        finite = np.where(np.isfinite(key), key, 0.0)
        scale = 4.0 * float(np.abs(finite).max()) + 1.0
        order = np.argsort(segment * scale + finite)
        seg_sorted = segment[order]
    else:
        order = np.lexsort((key, segment))
        seg_sorted = segment[order]
    if n < 2:
        return order, np.zeros(0, dtype=bool), key[order]
    same_seg = (
        np.ones(n - 1, dtype=bool) if seg_sorted is None else seg_sorted[1:] == seg_sorted[:-1]
    )
    if compare is not None:
        return (*_verify_order(order, same_seg, seg_sorted, compare, bounds), None)
    ks = key[order]
    if err is None:
        with np.errstate(invalid="ignore"):
            unsure = (ks[1:] == ks[:-1]) | ~np.isfinite(ks[1:]) | ~np.isfinite(ks[:-1])
    else:
        es = err[order]
        with np.errstate(invalid="ignore"):
            upper = np.maximum.accumulate(np.nan_to_num(ks + es, nan=np.inf))
            lower = np.minimum.accumulate(np.nan_to_num(ks - es, nan=-np.inf)[::-1])[::-1]
            unsure = ~(upper[:-1] < lower[1:])
    unsure &= same_seg
    tied = np.zeros(n - 1, dtype=bool)
    if not unsure.any():
        return order, tied, ks
    # runs joined by unsure links: sort each exactly by (exact key, index)
    link = np.flatnonzero(unsure)
    starts = link[np.concatenate([[True], link[1:] != link[:-1] + 1])]
    ends = link[np.concatenate([link[1:] != link[:-1] + 1, [True]])] + 2
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        keyed = sorted((exact_key(int(k)), int(k)) for k in order[s:e])
        order[s:e] = [k for _, k in keyed]
        STATS["exact"] += e - s
        for pos in range(s, e - 1):
            tied[pos] = keyed[pos - s][0] == keyed[pos - s + 1][0]
    return order, tied, key[order]


def distinct_sorted(
    key: np.ndarray, err: np.ndarray | None, exact_key: Callable[[int], Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Exact values known through floats, sorted, with equal ones grouped (roots along a line).

    ``key`` holds the correctly rounded values (``err`` None) or values within ``err``; returns
    ``(order, starts, values, errors)``: the elements in exact order, where each group of equal
    values starts, and one float per group with its error bound (None: all correctly rounded).
    A float whose order against a neighbour the bounds cannot certify (or that overflowed) is
    replaced by its correctly rounded exact value, so the floats are sorted too.
    """
    order, tied, ks = _argsort(key, None, err, exact_key, None)
    n = order.shape[0]
    es = None if err is None else err[order]
    with np.errstate(invalid="ignore"):
        if es is not None and n:
            close = ~((ks[:-1] + es[:-1]) < (ks[1:] - es[1:]))
            fix = np.zeros(n, dtype=bool)
            fix[:-1] |= close
            fix[1:] |= close
            fix |= ~np.isfinite(ks) | ~np.isfinite(es)
        else:
            fix = ~np.isfinite(ks)
    bad = np.flatnonzero(fix)
    if bad.size:
        ks = ks.copy()
        for q in bad.tolist():
            ks[q] = to_float(exact_key(int(order[q])))
        if es is not None:
            es[bad] = 0.0
    starts = np.flatnonzero(np.concatenate([[True], ~tied])) if n else np.zeros(0, np.int64)
    return order, starts, ks[starts], None if es is None else es[starts]


def _verify_order(
    order: np.ndarray,
    same_seg: np.ndarray,
    seg_sorted: np.ndarray | None,
    compare: Callable[[np.ndarray, np.ndarray], np.ndarray],
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    pairs = np.flatnonzero(same_seg)

    def steps() -> tuple[np.ndarray, np.ndarray]:
        """The consecutive pairs ``bounds`` cannot order, and ``compare`` on them."""
        ask = pairs
        if bounds is not None:
            lo, hi = bounds[0][order], bounds[1][order]
            with np.errstate(invalid="ignore"):
                ask = pairs[~(hi[pairs] < lo[pairs + 1])]
        return ask, compare(order[ask], order[ask + 1])

    ask, step = steps()
    if (step > 0).any():  # the float order was wrong somewhere: re-sort those segments exactly
        cmp = functools.cmp_to_key(lambda i, j: int(compare(np.array([i]), np.array([j]))[0]))
        bad = ask[step > 0]
        if seg_sorted is None:
            order[:] = sorted(order.tolist(), key=cmp)
        else:
            for g in np.unique(seg_sorted[bad]).tolist():
                lo = np.searchsorted(seg_sorted, g, side="left")
                hi = np.searchsorted(seg_sorted, g, side="right")
                order[lo:hi] = sorted(order[lo:hi].tolist(), key=cmp)
        ask, step = steps()
    tied = np.zeros(order.shape[0] - 1, dtype=bool)
    tied[ask] = step == 0
    return order, tied


# ============================================================== exact values
def exact_value(x: Any) -> Fraction:
    """A float, int or rational as an exact rational."""
    return x if isinstance(x, Fraction) else Fraction(x if isinstance(x, int) else float(x))


def exact_point(hi: Any, lo: Any = None) -> list[Fraction]:
    """A point given as floats (or the exact sum ``hi + lo`` of two float vectors) exactly."""
    pts = [exact_value(v) for v in np.atleast_1d(hi).tolist()]
    if lo is not None:
        pts = [p + exact_value(v) for p, v in zip(pts, np.atleast_1d(lo).tolist(), strict=True)]
    return pts


def compare(x: Any, y: Any) -> int:
    """sign(x - y) of two exact values (floats, ints or rationals)."""
    return exact_sign(exact_value(x) - exact_value(y))


def exact_crossing(l1: Any, l2: Any) -> tuple[Fraction, Fraction]:
    """Where the non-parallel lines ``a x + b y + c = 0`` (rows of floats, ints or rationals)
    cross, exactly (Cramer)."""
    (a1, b1, c1), (a2, b2, c2) = ([exact_value(v) for v in r] for r in (l1, l2))
    det = a1 * b2 - a2 * b1
    return (b1 * c2 - b2 * c1) / det, (c1 * a2 - c2 * a1) / det


exact_crossing_ints = exact_crossing


def midpoint(a: Any, b: Any) -> Fraction:
    """``(a + b) / 2`` exactly."""
    return (exact_value(a) + exact_value(b)) / 2


def root_of(row: Sequence[Any]) -> Fraction:
    """The root ``-c / a`` of a 1-D row ``(a, c)``, exactly."""
    return -exact_value(row[1]) / exact_value(row[0])


def threshold_root(w: float, b: float, t: float = 0.0) -> Fraction:
    """Where ``w x + b = t``: ``(t - b) / w``, exactly."""
    return (exact_value(t) - exact_value(b)) / exact_value(w)


def pair_crossing(wi: float, bi: float, wj: float, bj: float) -> Fraction:
    """Where guidelines ``wi x + bi`` and ``wj x + bj`` cross, ``(bj - bi) / (wi - wj)``."""
    return (exact_value(bj) - exact_value(bi)) / (exact_value(wi) - exact_value(wj))


def sign_at(row: Sequence[Any], point: Sequence[Any]) -> int:
    """Exact sign of the affine row ``(a_1, ..., a_d, c)`` at a point (exact coordinates)."""
    return exact_sign(
        sum(
            (exact_value(a) * exact_value(x) for a, x in zip(row[:-1], point, strict=True)),
            Fraction(0),
        )
        + exact_value(row[-1])
    )


def shifted(origin: Sequence[Any], point: Sequence[Any]) -> list[Fraction]:
    """``origin + point`` exactly (a point given relative to an origin)."""
    return [exact_value(o) + exact_value(p) for o, p in zip(origin, point, strict=True)]


def affine_signs_at(weight: np.ndarray, bias: np.ndarray, point: Sequence[Any]) -> np.ndarray:
    """Exact ``sign(weight @ point + bias)`` at one exact point, int8 (m,)."""
    pt = [exact_value(v) for v in point]
    return np.array(
        [exact_sign(exact_affine(w, b, pt)) for w, b in zip(weight, bias, strict=True)],
        dtype=np.int8,
    )


def ranking_at(weight: np.ndarray, bias: np.ndarray, point: Sequence[Any]) -> list[int]:
    """Neurons by decreasing exact value of ``w . x + b`` at an exact point, ties to the lower
    index."""
    pt = [exact_value(v) for v in point]
    values = [exact_affine(w, b, pt) for w, b in zip(weight, bias, strict=True)]
    return sorted(range(len(values)), key=lambda n: (-values[n], n))


def proportional(p: Any, q: Any) -> bool:
    """Whether two rows of floats are exactly proportional (the same hyperplane)."""
    a = [exact_value(v) for v in p]
    b = [exact_value(v) for v in q]
    return all(a[i] * b[j] == a[j] * b[i] for i in range(len(a)) for j in range(i + 1, len(a)))


def same_halfspace(p: Sequence[int], q: Sequence[int]) -> bool:
    """Whether two exact rows (ints or rationals) are positive multiples of each other: the same
    halfspace ``row . (x, 1) > 0``. A zero row is the same halfspace as no other row.

    >>> same_halfspace([2, -4, 6], [1, -2, 3]), same_halfspace([1, 2], [-1, -2])
    (True, False)
    """
    a = [exact_value(v) for v in p]
    b = [exact_value(v) for v in q]
    lead = next((i for i, v in enumerate(a) if v != 0), None)
    if lead is None or exact_sign(a[lead]) != exact_sign(b[lead]):
        return False
    return all(x * b[lead] == y * a[lead] for x, y in zip(a, b, strict=True))


def translate_row(row: Sequence[float], origin: Sequence[float]) -> list[int]:
    """An affine row of floats ``(w, c)`` seen from ``origin``: ``(w, c + w . origin)`` exactly,
    as integers (a positive scale dropped)."""
    fr = [exact_value(v) for v in row]
    const = fr[-1] + sum(
        (w * exact_value(o) for w, o in zip(fr[:-1], origin, strict=True)), Fraction(0)
    )
    return scale_to_ints([*fr[:-1], const])


def scale_to_ints(values: Sequence[Fraction]) -> list[int]:
    """Rationals times their common denominator: integers with the same ratios."""
    den = 1
    for v in values:
        den = den * v.denominator // math.gcd(den, v.denominator)
    return [int(v * den) for v in values]


def round_row(row: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """An exact integer row as floats scaled by a power of two (largest entry near 1), each
    correctly rounded, with a bound on their error."""
    top = max(abs(v) for v in row)
    shift = top.bit_length() if top else 0
    vals = np.array([float(Fraction(v, 1 << shift)) for v in row])
    return vals, 2 * U * np.abs(vals) + UNDERFLOW


def polygon_mean_area(rows: Sequence[Sequence[Any]]) -> tuple[tuple[Fraction, Fraction], Fraction]:
    """A convex polygon given by the lines of its edges in counter-clockwise order (vertex i
    where the lines of edges i - 1 and i cross): the mean of its exact vertices (strictly
    inside) and its exact area."""
    k = len(rows)
    verts = [exact_crossing(rows[(i - 1) % k], rows[i]) for i in range(k)]
    mean = (sum(v[0] for v in verts) / k, sum(v[1] for v in verts) / k)
    area = (
        sum(
            (verts[i][0] - mean[0]) * (verts[(i + 1) % k][1] - mean[1])
            - (verts[(i + 1) % k][0] - mean[0]) * (verts[i][1] - mean[1])
            for i in range(k)
        )
        / 2
    )
    return mean, area


def to_float(value: Fraction | int, exp: int = 0) -> float:
    """The float nearest to ``value * 2**exp`` (correctly rounded; inf beyond the range)."""
    exact = Fraction(value) * Fraction(2) ** exp
    try:
        return float(exact)
    except OverflowError:
        return math.copysign(math.inf, exact)


# ============================================================== exact forward pass
class ExactMaps:
    """Exact arithmetic of a network's forward pass (run by ``Network._run``): a state is
    ``(H, exp)``, an object array of Python ints of shape ``(k, m)`` (row ``-1`` the constant
    term; a point is the case k = 1) and one binary exponent, the map being ``H * 2**exp``
    exactly. Activations by value use the exact sign of each entry of the constant row."""

    def __init__(self, network: Any) -> None:
        self.net = network
        self._cache: dict[Any, tuple[np.ndarray, int]] = {}

    def _ints(self, key: Any, values: Any) -> tuple[np.ndarray, int]:
        if key not in self._cache:
            self._cache[key] = int_matrix(values)
        return self._cache[key]

    def affine(self, lay: int, state: tuple) -> tuple:
        layer = self.net.layers[lay]
        H, eh = state
        W, ew = self._ints(("w", lay), layer.weight)
        b, eb = self._ints(("b", lay), layer.bias)
        Z = H.dot(W.T)
        Z, b, exp = align((Z, eh + ew), (b, eb))
        Z = Z.copy()
        Z[-1, :] = Z[-1, :] + b
        return Z, exp

    def activate(self, lay: int, state: tuple, signs: np.ndarray | None = None) -> tuple:
        a = self.net.negative_slopes[lay]
        Z, ez = state
        if signs is None:
            if (a == 1.0).all():
                return Z, ez
            signs = np.array([exact_sign(v) for v in Z[-1, :].tolist()])
        D, ed = int_matrix(np.where(signs > 0, 1.0, np.where(signs < 0, a, 0.0)))
        return Z * D[None, :], ez + ed

    def add(self, state: tuple, source: tuple, skip: Any) -> tuple:
        H, eh = state
        S, es = source
        P, ep = self._ints(("P", skip.source, skip.target), skip.matrix)
        q, eq = self._ints(("q", skip.source, skip.target), skip.offset)
        add = S.dot(P.T)
        add, q, ea = align((add, es + ep), (q, eq))
        add = add.copy()
        add[-1, :] = add[-1, :] + q
        H, add, exp = align((H, eh), (add, ea))
        return H + add, exp


# ============================================================== constructions with error bounds
_SPLIT = 134217729.0  # 2**27 + 1, Dekker's splitter


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``s + e == a + b`` exactly, ``s = fl(a + b)`` (Knuth's TwoSum; no overflow)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``p + e == a * b`` exactly (Dekker's TwoProduct; exact unless under- or overflow)."""
    p = a * b
    t = _SPLIT * a
    ah = t - (t - a)
    al = a - ah
    t = _SPLIT * b
    bh = t - (t - b)
    bl = b - bh
    return p, al * bl - (((p - ah * bh) - al * bh) - ah * bl)


def translate(rows: np.ndarray, origin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Affine rows ``(w_1, ..., w_d, c)`` (n, d + 1) seen from ``origin`` (d,): the same
    coefficients with constant ``c + w . origin``, and a bound on each entry's error (n, d + 1).

    The constant is a compensated sum (TwoProduct and TwoSum, Ogita, Rump and Oishi's Dot2):
    nearly correctly rounded even when ``w . origin`` is huge against the result (a box far from
    zero), with error at most ``2 U |c'| + gamma(2n)**2 * sum|terms|``. The coefficients are
    unchanged (error 0). Non-finite results get an infinite bound (the exact path decides).

    >>> rows, err = translate(np.array([[1.0, -1e8 - 0.5]]), np.array([1e8]))
    >>> rows, bool(err[0, 1] < 1e-15)
    (array([[ 1. , -0.5]]), True)
    """
    d = origin.shape[0]
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        s = rows[:, d].copy()
        comp = np.zeros_like(s)
        total = np.abs(s)
        inexact = np.zeros(s.shape[0], dtype=bool)
        for i in range(d):
            p, e = _two_product(rows[:, i], np.full_like(s, origin[i]))
            s, e2 = _two_sum(s, p)
            comp += e + e2
            # an error-free transformation is exact unless the product underflows (to a tiny
            # float, or to zero from two nonzero factors)
            tiny = (np.abs(p) < 2.0**-960) & (rows[:, i] != 0) & (origin[i] != 0)
            inexact |= (e != 0) | (e2 != 0) | ~np.isfinite(e) | tiny
            total += np.abs(p)
        c = s + comp
        err = np.zeros_like(rows)
        n = 2 * d + 1
        bound = 2.0 * U * np.abs(c) + inflate(gamma(n) ** 2 * total, n) + UNDERFLOW
        # every error-free term zero: the sum was exact, and so is the constant
        err[:, d] = np.where(inexact, bound, 0.0)
        err[~np.isfinite(c) | ~np.isfinite(err[:, d]), d] = np.inf
    out = rows.copy()
    out[:, d] = c
    return out, err


def cramer(
    r1: np.ndarray, r2: np.ndarray, e1: np.ndarray, e2: np.ndarray, scale: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Where lines ``a x + b y + c = 0`` (rows (n, 3), known within errors (n, 3)) cross:
    float points (n, 2) and a radius (n,) bounding each coordinate's distance to the exact
    crossing of the exact lines. The radius is infinite where the float determinant cannot
    bound its own error away from zero (nearly parallel or non-finite rows): the caller then
    constructs the point from exact rows.

    With ``D = a1 b2 - a2 b1`` computed within ``dD`` and ``Mx`` within ``dMx``:
    ``|Mx/D - Mx*/D*| <= (|Mx| dD + |D| dMx) / (|D| (|D| - dD))``, plus the final division's
    rounding. A radius beyond ``2**-20`` of the point's own scale (``scale``, default the largest
    coordinate magnitude, at least 1) counts as undetermined too: the exact construction then
    costs little and its rounding is tight.
    """
    n = r1.shape[0]
    c1s, c2s = np.ascontiguousarray(r1.T), np.ascontiguousarray(r2.T)  # columns: contiguous work
    a1, b1, c1 = c1s
    a2, b2, c2 = c2s
    points = np.empty((n, 2))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        D = a1 * b2 - a2 * b1
        mx = b1 * c2 - b2 * c1
        my = c1 * a2 - c2 * a1
        x = np.divide(mx, D, out=points[:, 0])
        y = np.divide(my, D, out=points[:, 1])
        q1, q2 = np.abs(c1s), np.abs(c2s)
        A1, A2 = q1 + e1.T, q2 + e2.T
        c = 4 * gamma(3)

        def spread(i: int, j: int) -> np.ndarray:
            """Bound on the error of ``r1[i] r2[j] - r1[j] r2[i]`` (evaluation and inputs)."""
            perm = q1[i] * q2[j]
            perm += q1[j] * q2[i]
            full = A1[i] * A2[j]
            full += A1[j] * A2[i]
            full *= 1.0 + c
            perm *= 1.0 - c
            full -= perm
            full += UNDERFLOW
            return full

        dD, dmx, dmy = spread(0, 1), spread(1, 2), spread(2, 0)
        absD = np.abs(D)
        gap = absD - dD
        # (|M| dD + |D| dM) / (|D| gap), written as quotients first: a product of two tiny
        # factors would underflow to zero and lose the bound; a quotient loses at most 2**-1074
        # absolute, which the final UNDERFLOW covers
        rel = dD / gap
        rx = np.abs(mx)
        rx /= absD
        rx *= rel
        rx += dmx / gap
        ry = np.abs(my)
        ry /= absD
        ry *= rel
        ry += dmy / gap
        radius = inflate(np.maximum(rx, ry, out=rx), 6)
        radius += 2.0 * U * np.maximum(np.abs(x), np.abs(y))
        radius += UNDERFLOW
    # a non-finite x or y makes the radius non-finite too
    bad = ~(gap > 0) | ~np.isfinite(radius)
    with np.errstate(invalid="ignore"):
        size = np.maximum(np.maximum(np.abs(x), np.abs(y)), 1.0) if scale is None else scale
        bad |= radius > 2.0**-20 * size
    radius[bad] = np.inf
    return points, radius
