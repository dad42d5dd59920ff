"""The table of every hyperplane a slice was cut with: float rows relative to the slice's
origin, their error bounds, and a recipe to compute each row exactly.

A row ``(a_1, ..., a_d, c)`` is the affine map ``a . u + c`` of one neuron over the slice's
coordinates ``u`` (relative to ``origin``). Rows are scaled by a power of two (exact) so that
their largest entry is near 1, which keeps the products of the predicates far from overflow and
underflow; a row and its bound scale together.

Recipes: a *fixed* row is given by exact float64 coefficients in absolute coordinates (the box
edges, the first layer's neurons) and translated exactly; a *neuron* row is neuron ``j`` of
layer ``l`` on a region whose sign pattern over the layers before ``l`` is known: its exact map
comes from the network in exact integer arithmetic (:class:`~neuronboundary.network.ExactMaps`)
with the activations fixed by that pattern. Exact rows are cached per region.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neuronboundary import _exact
from neuronboundary.network import Network


def normalise(rows: np.ndarray, errs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale each row and its error bound by the power of two that brings the row's largest
    entry into [0.5, 1) (rows of zeros and non-finite rows are left alone)."""
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        top = np.abs(rows).max(axis=1)
        _, e = np.frexp(np.where(np.isfinite(top) & (top > 0), top, 1.0))
        scale = np.ldexp(1.0, -e)[:, None]
        return rows * scale, errs * scale + _exact.UNDERFLOW * (e[:, None] < -900)


class Hyperplanes:
    """Rows of the hyperplanes of one slice (see the module docstring); ids are consecutive.

    Parameters
    ----------
    network : Network
        The network over the slice coordinates (in_dim = d).
    origin : numpy.ndarray, shape (d,)
        Where the relative coordinates are zero (a float; translations are exact).
    """

    def __init__(self, network: Network, origin: np.ndarray, scale: float = 1.0) -> None:
        self.network = network
        self.origin = np.asarray(origin, dtype=np.float64)
        self.scale = float(scale)  # the size of the slice's box: constructions are judged by it
        self.k = self.origin.shape[0] + 1
        self._rows: list[np.ndarray] = []
        self._errs: list[np.ndarray] = []
        self._kind: list[np.ndarray] = []  # -1: fixed, else the layer
        self._data: list[np.ndarray] = []  # fixed: index in _fixed; neuron: (neuron col, region)
        self._fixed: list[np.ndarray] = []  # absolute exact rows
        self._blocks: list[tuple[int, int, np.ndarray]] = []  # (first id, layer, prefixes)
        self._n_regions = 0
        self._size = 0
        self._cache: dict[int, tuple[np.ndarray, int]] = {}
        self._rows_cat: np.ndarray | None = None
        self._errs_cat: np.ndarray | None = None
        self._ops = _exact.ExactMaps(network)
        self._input = _exact.int_matrix(np.vstack([np.eye(self.k - 1), self.origin[None, :]]))

    def __len__(self) -> int:
        return self._size

    # ------------------------------------------------------------------ adding
    def add_fixed(self, absolute: np.ndarray, rel: np.ndarray, err: np.ndarray) -> np.ndarray:
        """Rows with exact absolute coefficients (n, k), given with their relative float rows
        and error bounds; returns their ids."""
        start = len(self._fixed)
        self._fixed.extend(np.asarray(absolute, dtype=np.float64))
        n = absolute.shape[0]
        data = np.column_stack([np.arange(start, start + n), np.full(n, -1)])
        return self._append(rel, err, np.full(n, -1), data)

    def add_regions(self, layer: int, prefixes: np.ndarray) -> np.ndarray:
        """Ids for regions at ``layer`` given their sign patterns over the earlier layers,
        int8 (P, n_before) (kept by reference: the exact path reads them only when needed)."""
        first = self._n_regions
        self._blocks.append((first, int(layer), prefixes))
        self._n_regions += prefixes.shape[0]
        return np.arange(first, self._n_regions)

    def _region(self, region: int) -> tuple[int, np.ndarray]:
        starts = [b[0] for b in self._blocks]
        k = int(np.searchsorted(starts, region, side="right")) - 1
        first, layer, prefixes = self._blocks[k]
        return layer, prefixes[region - first]

    def add_neurons(
        self,
        rows: np.ndarray,
        errs: np.ndarray,
        layer: int,
        columns: np.ndarray,
        regions: np.ndarray,
    ) -> np.ndarray:
        """Rows of neurons (pattern columns) of ``layer`` on regions (ids from :meth:`region`);
        returns their ids."""
        n = rows.shape[0]
        data = np.column_stack([np.asarray(columns, np.int64), np.asarray(regions, np.int64)])
        rows, errs = normalise(np.asarray(rows, np.float64), np.asarray(errs, np.float64))
        bad = ~(np.isfinite(rows).all(axis=1) & np.isfinite(errs).all(axis=1))
        if bad.any():  # overflowed maps: the rows from exact integers, rounded once
            rows, errs = rows.copy(), errs.copy()
            for i in np.flatnonzero(bad).tolist():
                rows[i], errs[i] = _exact.round_row(
                    self.exact_neuron(layer, data[i, 0], data[i, 1])
                )
        return self._append(rows, errs, np.full(n, int(layer)), data)

    def _append(self, rows, errs, kind, data) -> np.ndarray:
        rows, errs = normalise(np.asarray(rows, np.float64), np.asarray(errs, np.float64))
        n = rows.shape[0]
        ids = np.arange(self._size, self._size + n)
        self._rows.append(rows)
        self._errs.append(errs)
        self._kind.append(np.asarray(kind, np.int64))
        self._data.append(np.asarray(data, np.int64).reshape(n, 2))
        self._size += n
        self._rows_cat = None
        return ids

    # ------------------------------------------------------------------ reading
    def _cat(self) -> None:
        if self._rows_cat is None:
            self._rows_cat = np.concatenate(self._rows) if self._rows else np.zeros((0, self.k))
            self._errs_cat = np.concatenate(self._errs) if self._errs else np.zeros((0, self.k))
            self._kind_cat = np.concatenate(self._kind) if self._kind else np.zeros(0, np.int64)
            self._data_cat = (
                np.concatenate(self._data) if self._data else np.zeros((0, 2), np.int64)
            )
            self._rows, self._errs = [self._rows_cat], [self._errs_cat]
            self._kind, self._data = [self._kind_cat], [self._data_cat]

    @property
    def rows(self) -> np.ndarray:
        """Float rows (n, k), relative to the origin, normalised."""
        self._cat()
        return self._rows_cat

    @property
    def errs(self) -> np.ndarray:
        """Error bounds of :attr:`rows`."""
        self._cat()
        return self._errs_cat

    @property
    def layers(self) -> np.ndarray:
        """The layer of each row (-1 for fixed rows)."""
        self._cat()
        return self._kind_cat

    @property
    def columns(self) -> np.ndarray:
        """The neuron (pattern column) of each neuron row (-1 for fixed rows)."""
        self._cat()
        return np.where(self._kind_cat >= 0, self._data_cat[:, 0], -1)

    def exact(self, i: int) -> list[int]:
        """Row ``i`` exactly, relative to the origin, as integers (a positive scale dropped)."""
        i = int(i)
        self._cat()
        kind = int(self._kind_cat[i])
        a, b = (int(v) for v in self._data_cat[i])
        if kind < 0:
            return _exact.translate_row(self._fixed[a], self.origin)
        Z, _ = self.region_maps(b, kind)
        col = a - int(self.network.neuron_offsets[kind])
        return [int(v) for v in Z[:, col]]

    def exact_neuron(self, layer: int, column: int, region: int) -> list[int]:
        """The exact row of neuron ``column`` of ``layer`` on ``region`` (not yet in the table)."""
        Z, _ = self.region_maps(region, layer)
        col = int(column) - int(self.network.neuron_offsets[layer])
        return [int(v) for v in Z[:, col]]

    def region_maps(self, region: int, layer: int) -> tuple[np.ndarray, int]:
        """Exact pre-activation maps of ``layer`` on a region: ints (k, m_layer) and exponent
        (cached: regions whose rows go exact often need several)."""
        if region not in self._cache:
            lay, signs = self._region(region)
            assert lay == layer
            net = self.network
            n_before = int(net.neuron_offsets[layer])
            full = np.concatenate([signs, np.zeros(net.n_neurons - n_before, np.int8)])
            per_layer = net.split(full)
            ops = self._ops
            inputs = [self._input]
            z = None
            for lay_i in range(layer + 1):
                z = net._pre_activation(lay_i, inputs, ops)
                if lay_i < layer:
                    inputs.append(net._next_input(lay_i, z, inputs, ops, per_layer[lay_i]))
            self._cache[region] = z
        return self._cache[region]

    def exact_rows(self, ids: Any) -> list[list[int]]:
        """Several rows exactly."""
        return [self.exact(i) for i in np.asarray(ids).ravel().tolist()]
