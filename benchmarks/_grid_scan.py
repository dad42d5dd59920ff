"""The fastest grid scan we could write: how peers count the regions of a 2-D slice.

A grid scan evaluates the layer or network at every point of an ``n x n`` grid of the box and
counts the distinct sign patterns (each neuron positive or not). It finds only the regions that
hold a grid point. Every variant here evaluates every neuron at every grid point; they differ
in how:

- **evaluation**: numpy or torch, float32 or float64, chunks of grid points sized to stay in
  cache. For one layer the grid allows an outer sum: ``w0 x + b`` per column and ``w1 y`` per
  row are computed once, and the sign at a point is one comparison ``w0 x + b > -(w1 y)``, the
  same as the sign of the float sum ``(w0 x + b) + w1 y``;
- **distinct patterns**: each row of signs is packed to bits (``np.packbits``), the 64-bit words
  are folded into one 64-bit hash by a bijective mixer, and the hashes are counted after one
  sort. Two different patterns get the same hash with probability about ``2**-64``; the old
  scan (``np.unique`` of the packed rows as byte strings, no hash) is kept as the reference.

:func:`fastest_scan` times every variant on a slice of the grid's rows and runs the fastest on
the whole grid. float32 variants may count a pattern more or less than float64 ones where a grid
point lies within float32 rounding of a boundary; float64 variants agree with the reference.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import torch
from _peer_models import relu_chain

from neuronboundary import Network, NeuronLayer

Scans = dict[str, Callable[[], int]]

# splitmix64's finaliser: a bijection of 64-bit words that spreads every input bit
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S1, _S2, _S3 = np.uint64(30), np.uint64(27), np.uint64(31)
_START = np.uint64(0x9E3779B97F4A7C15)

#: grid points per chunk (as bools: 1 MiB per thousand neurons), measured best on a 2-core EPYC
CHUNK_POINTS = (1024, 4096, 16384)


def grid_axes(box: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``n`` grid abscissae and ordinates of ``box`` (both ends included)."""
    (x0, x1), (y0, y1) = box
    return np.linspace(x0, x1, n), np.linspace(y0, y1, n)


def _mix(h: np.ndarray) -> np.ndarray:
    h ^= h >> _S1
    h *= _M1
    h ^= h >> _S2
    h *= _M2
    h ^= h >> _S3
    return h


def pattern_hashes(*blocks: np.ndarray) -> np.ndarray:
    """One 64-bit hash per row of the concatenated boolean blocks, shape (k,) uint64.

    >>> bits = np.array([[True, False], [True, False], [False, True]])
    >>> h = pattern_hashes(bits)
    >>> bool(h[0] == h[1]), bool(h[0] == h[2])
    (True, False)
    """
    k = blocks[0].shape[0]
    widths = [(b.shape[1] + 7) // 8 for b in blocks]
    packed = np.zeros((k, (sum(widths) + 7) // 8 * 8), np.uint8)
    at = 0
    for block, width in zip(blocks, widths, strict=True):
        packed[:, at : at + width] = np.packbits(block, axis=1)
        at += width
    words = packed.view(np.uint64)
    h = np.full(k, _START, np.uint64)
    for j in range(words.shape[1]):
        h ^= words[:, j]
        h = _mix(h)
    return h


def count_distinct(hashes: np.ndarray) -> int:
    """Number of distinct values (one sort).

    >>> count_distinct(np.array([3, 1, 3, 2], np.uint64))
    3
    """
    s = np.sort(hashes)
    return int(s.shape[0] > 0) + int(np.count_nonzero(s[1:] != s[:-1]))


def _points(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def distinct_patterns(net: Network, pts: np.ndarray, chunk: int = 4096) -> int:
    """The old, simple scan at any points: float64 forward pass (``net.preactivations``),
    patterns packed to bytes, ``np.unique`` of the byte rows. No hash: the reference."""
    nbytes = (net.n_neurons + 7) // 8
    keys = np.empty((pts.shape[0], nbytes), np.uint8)
    for s in range(0, pts.shape[0], chunk):
        z = np.concatenate(net.preactivations(pts[s : s + chunk]), axis=1)
        keys[s : s + chunk] = np.packbits(z > 0, axis=1)
    return int(np.unique(keys.view(np.dtype((np.void, nbytes))).ravel()).shape[0])


def reference_count(net: Network | NeuronLayer, xs: np.ndarray, ys: np.ndarray) -> int:
    """:func:`distinct_patterns` on the grid ``xs`` x ``ys``."""
    return distinct_patterns(net if isinstance(net, Network) else Network([net]), _points(xs, ys))


def _outer_scan(layer: NeuronLayer, xs: np.ndarray, ys: np.ndarray, dtype: Any, chunk: int) -> int:
    w = layer.weight.astype(dtype)
    b = layer.bias.astype(dtype)
    left = xs.astype(dtype)[:, None] * w[:, 0] + b  # (n_x, m)
    right = -(ys.astype(dtype)[:, None] * w[:, 1])  # (n_y, m)
    n_x, m = left.shape
    rows = max(1, chunk // n_x)
    out = np.empty((rows, n_x, m), bool)
    hashes = np.empty(n_x * ys.shape[0], np.uint64)
    for j in range(0, ys.shape[0], rows):
        r = min(rows, ys.shape[0] - j)
        np.greater(left[None], right[j : j + r, None, :], out=out[:r])
        hashes[j * n_x : (j + r) * n_x] = pattern_hashes(out[:r].reshape(-1, m))
    return count_distinct(hashes)


def _numpy_scan(net: Network, xs: np.ndarray, ys: np.ndarray, dtype: Any, chunk: int) -> int:
    return count_distinct(numpy_hashes(net, _points(xs, ys), dtype, chunk))


def numpy_hashes(net: Network, pts: np.ndarray, dtype: Any, chunk: int) -> np.ndarray:
    """The hash of the pattern (each neuron positive or not) at each point (n, d) of a ReLU
    chain, numpy matrix products in ``dtype`` over chunks of ``chunk`` points."""
    weights = [np.ascontiguousarray(layer.weight.T, dtype) for layer in net.layers]
    biases = [layer.bias.astype(dtype) for layer in net.layers]
    pts = pts.astype(dtype)
    hashes = np.empty(pts.shape[0], np.uint64)
    for s in range(0, pts.shape[0], chunk):
        h = pts[s : s + chunk]
        signs = []
        for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
            z = h @ w
            z += b
            signs.append(z > 0)
            if i < len(weights) - 1:
                h = np.maximum(z, 0, out=z)
        hashes[s : s + chunk] = pattern_hashes(*signs)
    return hashes


def _torch_scan(net: Network, xs: np.ndarray, ys: np.ndarray, dtype: Any, chunk: int) -> int:
    return count_distinct(torch_hashes(net, _points(xs, ys), dtype, chunk))


def torch_hashes(net: Network, pts: np.ndarray, dtype: Any, chunk: int) -> np.ndarray:
    """:func:`numpy_hashes` with torch matrix products (``addmm``) in ``dtype``."""
    weights = [torch.tensor(layer.weight.T, dtype=dtype) for layer in net.layers]
    biases = [torch.tensor(layer.bias, dtype=dtype) for layer in net.layers]
    pts = torch.from_numpy(pts).to(dtype)
    hashes = np.empty(pts.shape[0], np.uint64)
    with torch.inference_mode():
        for s in range(0, pts.shape[0], chunk):
            h = pts[s : s + chunk]
            signs = []
            for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
                z = torch.addmm(b, h, w)
                signs.append((z > 0).numpy())
                if i < len(weights) - 1:
                    h = z.relu_()
            hashes[s : s + chunk] = pattern_hashes(*signs)
    return hashes


def network_scans(net: Network | NeuronLayer, xs: np.ndarray, ys: np.ndarray) -> Scans:
    """Every grid-scan variant for ``net`` on the grid ``xs`` x ``ys``: name -> count function.

    A NeuronLayer (or a one-layer network) also gets the outer-sum variants.

    >>> layer = NeuronLayer([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0])
    >>> xs, ys = grid_axes(((-1, 1), (-1, 1)), 4)
    >>> sorted({scan() for scan in network_scans(layer, xs, ys).values()})
    [4]
    """
    net = relu_chain(net if isinstance(net, Network) else Network([net]), "a grid scan")
    scans: Scans = {
        "numpy float64, np.unique of packed rows (the old scan)": partial(
            reference_count, net, xs, ys
        )
    }
    for chunk in CHUNK_POINTS:
        for dtype in (np.float32, np.float64):
            bits = np.dtype(dtype).itemsize * 8
            if net.n_layers == 1:
                scans[f"numpy float{bits} outer sum, chunk {chunk}"] = partial(
                    _outer_scan, net.layers[0], xs, ys, dtype, chunk
                )
            scans[f"numpy float{bits} matmul, chunk {chunk}"] = partial(
                _numpy_scan, net, xs, ys, dtype, chunk
            )
        for dtype in (torch.float32, torch.float64):
            scans[f"torch float{dtype.itemsize * 8} matmul, chunk {chunk}"] = partial(
                _torch_scan, net, xs, ys, dtype, chunk
            )
    return scans


@dataclass(frozen=True)
class Fastest:
    """The fastest grid scan: its name, best time and count on the whole grid, a function that
    runs it again, and every variant's time and count on the probe."""

    name: str
    run: Callable[[], int]
    seconds: float
    count: int
    probe_seconds: dict[str, float]
    probe_counts: dict[str, int]


def _best(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    best, out = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def fastest_scan(
    net: Network | NeuronLayer, box: Any, n: int, repeat: int = 3, probe_rows: int = 8
) -> Fastest:
    """Time every variant on ``n // probe_rows`` rows of the ``n x n`` grid (best of 2), then
    the fastest on the whole grid (best of ``repeat``)."""
    xs, ys = grid_axes(box, n)
    probe = network_scans(net, xs, ys[: max(1, n // probe_rows)])
    timed = {name: _best(fn, 2) for name, fn in probe.items()}
    name = min(timed, key=lambda k: timed[k][0])
    run = network_scans(net, xs, ys)[name]
    seconds, count = _best(run, repeat)
    return Fastest(
        name=name,
        run=run,
        seconds=seconds,
        count=count,
        probe_seconds={k: v[0] for k, v in timed.items()},
        probe_counts={k: v[1] for k, v in timed.items()},
    )
