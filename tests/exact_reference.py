"""An independent exact reference for slices of networks, written with ``fractions.Fraction`` only.

Nothing of the library's geometry is used: the network's weights are read as rationals, each
region's affine maps are composed from its sign pattern layer by layer, and regions are convex
polygons (2-D) or intervals (1-D) cut one neuron at a time with exact arithmetic. Slow (pure
Python), so meant for small networks; every answer is the one exact arithmetic gives.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

import numpy as np

F0 = Fraction(0)


def _fr(x: Any) -> Fraction:
    return Fraction(float(x))


class ExactNet:
    """A network's numbers as Fractions: layers (W, b), negative slopes and skips."""

    def __init__(self, net: Any) -> None:
        self.net = net
        self.W = [[[_fr(v) for v in row] for row in layer.weight] for layer in net.layers]
        self.b = [[_fr(v) for v in layer.bias] for layer in net.layers]
        self.a = [[_fr(v) for v in s] for s in net.negative_slopes]
        self.skips = [
            (
                sk.source,
                sk.target,
                [[_fr(v) for v in row] for row in sk.matrix],
                [_fr(v) for v in sk.offset],
                sk.pre,
            )
            for sk in net.skips
        ]
        self.L = len(self.W)

    def maps(self, signs: list[list[int]], upto: int, k: int) -> list[list[Fraction]]:
        """Exact affine maps of layer ``upto``'s neurons on a region whose patterns of the layers
        before are ``signs``: each map is a list of k coefficients (x_1..x_{k-1}, constant)."""
        d = len(self.W[0][0])
        h = [[Fraction(int(i == j)) for i in range(k)] for j in range(d)]  # input x_j
        inputs = [h]
        for lay in range(upto + 1):
            z = []
            for row, bias in zip(self.W[lay], self.b[lay], strict=True):
                coef = [
                    sum((w * hv[i] for w, hv in zip(row, h, strict=True)), F0) for i in range(k)
                ]
                coef[-1] += bias
                z.append(coef)
            for src, dst, P, q, pre in self.skips:  # into this layer's pre-activation
                if pre and dst == lay:
                    for i, row in enumerate(P):
                        for j, p in enumerate(row):
                            for c in range(k):
                                z[i][c] += p * inputs[src][j][c]
                        z[i][-1] += q[i]
            if lay == upto:
                return z
            act = []
            for n, coef in enumerate(z):
                s = signs[lay][n]
                slope = Fraction(1) if s > 0 else (self.a[lay][n] if s < 0 else F0)
                act.append([slope * c for c in coef])
            for src, dst, P, q, pre in self.skips:
                if not pre and dst == lay + 1:
                    for i, row in enumerate(P):
                        for j, p in enumerate(row):
                            for c in range(k):
                                act[i][c] += p * inputs[src][j][c]
                        act[i][-1] += q[i]
            h = act
            inputs.append(h)
        raise AssertionError("unreachable")

    def pattern_at(self, point: list[Fraction]) -> tuple[int, ...]:
        """The exact sign of every neuron at a rational point."""
        return self._forward(point)[0]

    def output_at(self, point: list[Fraction]) -> list[Fraction]:
        """The network's exact output at a rational point (last activation and skips included)."""
        return self._forward(point)[1]

    def _forward(self, point: list[Fraction]) -> tuple[tuple[int, ...], list[Fraction]]:
        h = list(point)
        inputs = [h]
        out: list[int] = []
        for lay in range(self.L):
            z = [
                sum((w * v for w, v in zip(row, h, strict=True)), F0) + bias
                for row, bias in zip(self.W[lay], self.b[lay], strict=True)
            ]
            for src, dst, P, q, pre in self.skips:
                if pre and dst == lay:
                    z = [
                        zv + sum((p * s for p, s in zip(row, inputs[src], strict=True)), F0) + q[i]
                        for i, (zv, row) in enumerate(zip(z, P, strict=True))
                    ]
            out.extend((v > 0) - (v < 0) for v in z)
            h = [v if v > 0 else self.a[lay][n] * v for n, v in enumerate(z)]
            for src, dst, P, q, pre in self.skips:
                if not pre and dst == lay + 1:
                    h = [
                        hv + sum((p * s for p, s in zip(row, inputs[src], strict=True)), F0) + q[i]
                        for i, (hv, row) in enumerate(zip(h, P, strict=True))
                    ]
            inputs.append(h)
        return tuple(out), h


# ---------------------------------------------------------------- 2-D
def _value(c: list[Fraction], p: tuple[Fraction, Fraction]) -> Fraction:
    return c[0] * p[0] + c[1] * p[1] + c[2]


def _split(poly: list, c: list[Fraction]) -> tuple[list, list, int]:
    vals = [_value(c, p) for p in poly]
    pos = any(v > 0 for v in vals)
    neg = any(v < 0 for v in vals)
    if not (pos and neg):
        return [], [], 1 if pos else (-1 if neg else 0)
    parts = []
    for side in (1, -1):
        out = []
        k = len(poly)
        for i in range(k):
            p, q, vp, vq = poly[i], poly[(i + 1) % k], side * vals[i], side * vals[(i + 1) % k]
            if vp >= 0:
                out.append(p)
            if (vp > 0 > vq) or (vp < 0 < vq):
                t = vp / (vp - vq)
                out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
        parts.append(out)
    return parts[0], parts[1], 2


def regions_2d(net: Any, box: Any) -> list[tuple[list, tuple[int, ...]]]:
    """Every region of the exact 2-D slice: (polygon as exact vertices, pattern)."""
    ex = ExactNet(net)
    (x0, x1), (y0, y1) = ((_fr(a), _fr(b)) for a, b in box)
    todo = [([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], [])]
    for lay in range(ex.L):
        nxt = []
        for poly, signs in todo:
            maps = ex.maps(signs, lay, 3)
            pieces = [(poly, [])]
            for c in maps:
                new = []
                for piece, s in pieces:
                    pos, neg, kind = _split(piece, c)
                    if kind == 2:
                        new += [(pos, [*s, 1]), (neg, [*s, -1])]
                    else:
                        new.append((piece, [*s, kind]))
                pieces = new
            nxt += [(piece, [*signs, s]) for piece, s in pieces]
        todo = nxt
    return [(poly, tuple(v for layer in signs for v in layer)) for poly, signs in todo]


def area(poly: list) -> Fraction:
    k = len(poly)
    return (
        sum(
            (
                poly[i][0] * poly[(i + 1) % k][1] - poly[(i + 1) % k][0] * poly[i][1]
                for i in range(k)
            ),
            F0,
        )
        / 2
    )


def adjacency_2d(regions: list) -> set[tuple[tuple, tuple]]:
    """Pairs of patterns whose polygons share a segment of positive length."""
    edges = []
    for poly, pattern in regions:
        k = len(poly)
        for i in range(k):
            edges.append((poly[i], poly[(i + 1) % k], pattern))
    out = set()
    for i, (p, q, a) in enumerate(edges):
        for r, s, b in edges[i + 1 :]:
            if a == b:
                continue
            # collinear and overlapping in more than a point
            d = (q[0] - p[0], q[1] - p[1])
            if d[0] * (r[1] - p[1]) - d[1] * (r[0] - p[0]) != 0:
                continue
            if d[0] * (s[1] - p[1]) - d[1] * (s[0] - p[0]) != 0:
                continue
            dot = d[0] * d[0] + d[1] * d[1]
            tr = (d[0] * (r[0] - p[0]) + d[1] * (r[1] - p[1])) / dot
            ts = (d[0] * (s[0] - p[0]) + d[1] * (s[1] - p[1])) / dot
            if max(F0, min(tr, ts)) < min(Fraction(1), max(tr, ts)):
                out.add((min(a, b), max(a, b)))
    return out


# ---------------------------------------------------------------- 1-D
def regions_1d(net: Any, interval: Any) -> list[tuple[Fraction, Fraction, tuple[int, ...]]]:
    """Every sub-interval of the exact 1-D slice: (lo, hi, pattern), in order."""
    ex = ExactNet(net)
    lo, hi = (_fr(v) for v in interval)
    todo = [((lo, hi), [])]
    for lay in range(ex.L):
        nxt = []
        for (a, b), signs in todo:
            maps = ex.maps(signs, lay, 2)
            roots = sorted({-c[1] / c[0] for c in maps if c[0] != 0 and a < -c[1] / c[0] < b})
            ends = [a, *roots, b]
            for u, v in itertools.pairwise(ends):
                mid = (u + v) / 2
                s = [(c[0] * mid + c[1] > 0) - (c[0] * mid + c[1] < 0) for c in maps]
                nxt.append(((u, v), [*signs, s]))
        todo = nxt
    return [(u, v, tuple(x for layer in s for x in layer)) for (u, v), s in todo]


def as_fractions(point: Any) -> list[Fraction]:
    return [p if isinstance(p, Fraction) else _fr(p) for p in np.atleast_1d(point)]
