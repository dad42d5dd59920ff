"""A grid scan of a 3-D box: how peers find the regions of a 3-D slice, and how many they miss.

The scan evaluates the network at every point of an ``n x n x n`` grid of the box and keeps
the distinct sign patterns (each neuron positive or not, hashed to 64 bits as in
``_grid_scan``). It finds only the regions that hold a grid point. The variants are the 2-D
scan's matrix-product ones (numpy or torch, float32 or float64) over chunks of grid points;
:func:`fastest_scan_3d` times each on a slab of the grid and runs the fastest on all of it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from _grid_scan import numpy_hashes, pattern_hashes, torch_hashes
from _peer_models import relu_chain

from neuronboundary import Network

#: grid points per chunk
CHUNK = 16384


def grid_points_3d(box: Any, n: int, planes: int | None = None) -> np.ndarray:
    """The points of the ``n^3`` grid of ``box`` (ends included), x fastest; only the first
    ``planes`` planes of z when given.

    >>> grid_points_3d(((0, 1), (0, 1), (0, 1)), 2).tolist()[:3]
    [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    axes = [np.linspace(lo, hi, n) for lo, hi in box]
    z = axes[2][: planes or n]
    gz, gy, gx = np.meshgrid(z, axes[1], axes[0], indexing="ij")
    return np.column_stack([gx.ravel(), gy.ravel(), gz.ravel()])


def region_hashes(signs: np.ndarray, net: Network) -> np.ndarray:
    """The scan's hash of each exact region's pattern (its positive neurons), per layer blocks
    as the scans hash them.

    >>> net = Network.random([3, 2, 1], seed=0)
    >>> pts = grid_points_3d(((-1, 1),) * 3, 3)
    >>> bool(np.isin(region_hashes(net.signs(pts[:1]), net), numpy_hashes(net, pts, np.float64, 8)).all())
    True
    """
    return pattern_hashes(*(s > 0 for s in net.split(signs)))


def _variants(net: Network) -> dict[str, Any]:
    return {
        "numpy float64 matmul": lambda pts: numpy_hashes(net, pts, np.float64, CHUNK),
        "numpy float32 matmul": lambda pts: numpy_hashes(net, pts, np.float32, CHUNK),
        "torch float64 matmul": lambda pts: torch_hashes(net, pts, torch.float64, CHUNK),
        "torch float32 matmul": lambda pts: torch_hashes(net, pts, torch.float32, CHUNK),
    }


@dataclass(frozen=True)
class Scan3D:
    """The fastest 3-D scan: its name, time on the whole grid, and the distinct hashes found."""

    name: str
    seconds: float
    hashes: np.ndarray  # distinct pattern hashes on the grid, sorted

    @property
    def count(self) -> int:
        return int(self.hashes.shape[0])


def fastest_scan_3d(net: Network, box: Any, n: int, probe_planes: int = 8) -> Scan3D:
    """Time every variant on the first ``probe_planes`` z-planes of the grid, then the fastest
    on the whole ``n^3`` grid (once: a million points or more)."""
    net = relu_chain(net, "a grid scan")
    variants = _variants(net)
    probe = grid_points_3d(box, n, probe_planes)
    timed = {}
    for name, fn in variants.items():
        start = time.perf_counter()
        fn(probe)
        timed[name] = time.perf_counter() - start
    name = min(timed, key=timed.get)
    start = time.perf_counter()
    hashes = np.unique(variants[name](grid_points_3d(box, n)))
    return Scan3D(name, time.perf_counter() - start, hashes)
