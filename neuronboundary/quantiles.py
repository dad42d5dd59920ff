"""Per-neuron quantiles of activations, streamed with bounded memory.

``quantile_thresholds(acts, q)`` takes an (n, m) array/tensor or an iterable of (b, m) batches.
Data that fits in ``max_bytes`` gives numpy's exact quantile (linear interpolation, column blocks,
no 16M-element limit as in ``torch.quantile``). Larger streams go through a deterministic
merge-and-compact sketch, vectorised across neurons: sorted buffers of ``k`` rows are merged
pairwise level by level, keeping every other row. Each compaction of two buffers of weight w
moves any value's rank by at most w, so the sketch adds up those weights as it goes: the
returned ``max_rank_error`` is a guaranteed bound, not an asymptotic one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["QuantileThresholds", "StreamingQuantiles", "quantile_thresholds"]


@dataclass(frozen=True)
class QuantileThresholds:
    """Per-neuron quantile thresholds.

    Attributes
    ----------
    values : numpy.ndarray
        Shape (m,), the quantile of each neuron's activations.
    q : float
        The quantile level in [0, 1].
    n : int
        Number of activations per neuron.
    exact : bool
        True when computed exactly (numpy's linear interpolation).
    max_rank_error : float
        For a sketch, a bound on ``|F_n(values) - q|`` where ``F_n`` is each neuron's
        empirical distribution function; 0 when exact.
    """

    values: np.ndarray
    q: float
    n: int
    exact: bool
    max_rank_error: float

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.values if dtype is None else self.values.astype(dtype)

    def __len__(self) -> int:
        return self.values.shape[0]


def _as_batch(batch: Any, m: int | None) -> np.ndarray:
    if hasattr(batch, "detach"):
        batch = batch.detach().cpu().numpy()
    arr = np.asarray(batch)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"activations must be numbers; got dtype {arr.dtype}.")
    if arr.ndim != 2:
        raise ValueError(
            f"each batch of activations must have shape (b, m); got shape {arr.shape}."
        )
    if m is not None and arr.shape[1] != m:
        raise ValueError(
            f"every batch must have the same number of neurons {m}; got {arr.shape[1]}."
        )
    if not np.isfinite(arr).all():
        raise ValueError("activations must be finite; a batch holds NaN or inf.")
    return arr


class StreamingQuantiles:
    """Merge-and-compact quantile sketch over (b, m) batches, every neuron at once.

    Memory is about ``2 * k * m * levels`` values; rank error at most ``max_rank_error``.

    >>> rng = np.random.default_rng(0)
    >>> sketch = StreamingQuantiles(k=256)
    >>> for _ in range(40):
    ...     sketch.update(rng.normal(size=(1000, 3)))
    >>> result = sketch.quantile(0.5)
    >>> result.n, bool(np.all(np.abs(result.values) < 0.05)), result.max_rank_error < 0.02
    (40000, True, True)
    """

    def __init__(self, k: int = 2048) -> None:
        if isinstance(k, bool) or not isinstance(k, int) or k < 16 or k % 2:
            raise ValueError(f"k must be an even integer >= 16; got {k!r}.")
        self.k = k
        self.m: int | None = None
        self.n = 0
        self.levels: list[
            np.ndarray | None
        ] = []  # one full sorted (k, m) buffer per level, or None
        self.pending: list[np.ndarray] = []  # rows not yet forming a full buffer
        self.pending_rows = 0
        self.rank_error = 0  # in units of rows (activations per neuron)
        self._flip = 0

    def update(self, batch: Any) -> None:
        """Add a batch of activations, shape (b, m)."""
        arr = _as_batch(batch, self.m)
        self.m = arr.shape[1]
        self.n += arr.shape[0]
        self.pending.append(arr)
        self.pending_rows += arr.shape[0]
        if self.pending_rows >= self.k:
            rows = np.concatenate(self.pending, axis=0)
            full = (rows.shape[0] // self.k) * self.k
            for start in range(0, full, self.k):
                # neuron-major (m, k) buffers: every sort runs along contiguous rows
                buffer = np.ascontiguousarray(rows[start : start + self.k].T)
                buffer.sort(axis=1)
                self._push(buffer, 0)
            self.pending = [rows[full:]] if full < rows.shape[0] else []
            self.pending_rows = rows.shape[0] - full

    def _push(self, buffer: np.ndarray, level: int) -> None:
        while True:
            if level == len(self.levels):
                self.levels.append(None)
            other = self.levels[level]
            if other is None:
                self.levels[level] = buffer
                return
            self.levels[level] = None
            merged = np.concatenate([other, buffer], axis=1)
            merged.sort(axis=1, kind="stable")  # two sorted runs: timsort merges them in O(k)
            buffer = np.ascontiguousarray(merged[:, self._flip :: 2])  # alternate the kept half
            self._flip ^= 1
            self.rank_error += 2**level  # compaction of weight-2^level rows moves ranks <= 2^level
            level += 1

    def quantile(self, q: float) -> QuantileThresholds:
        """Per-neuron quantile at level ``q`` from everything seen so far."""
        if self.n == 0 or self.m is None:
            raise ValueError("no activations were given: the stream was empty.")
        parts, weights = [], []
        for level, buf in enumerate(self.levels):
            if buf is not None:
                parts.append(buf)
                weights.append(np.full(buf.shape[1], 2**level, dtype=np.int64))
        if self.pending_rows:
            rest = np.concatenate(self.pending, axis=0).T
            parts.append(rest)
            weights.append(np.ones(rest.shape[1], dtype=np.int64))
        values = np.concatenate(parts, axis=1)  # (m, r)
        w = np.concatenate(weights)
        order = np.argsort(values, axis=1, kind="stable")
        cum = np.cumsum(w[order], axis=1)  # (m, r) weighted ranks
        idx = np.minimum((cum < q * self.n).sum(axis=1), values.shape[1] - 1)
        rows = np.arange(self.m)
        picked = values[rows, order[rows, idx]]
        # the true rank of the picked value is its sketch rank within rank_error, and the sketch
        # rank overshoots the target by less than one element's weight
        bound = (self.rank_error + int(w.max())) / self.n
        return QuantileThresholds(
            values=picked.astype(np.float64),
            q=float(q),
            n=self.n,
            exact=False,
            max_rank_error=float(bound),
        )


def quantile_thresholds(
    activations: Any,
    q: float,
    *,
    max_bytes: int = 512 * 2**20,
    k: int = 2048,
    progress: bool = False,
) -> QuantileThresholds:
    """Per-neuron quantile of activations: exact where it fits, streamed with a bound where not.

    Parameters
    ----------
    activations : array-like
        An (n, m) array or tensor, or an iterable of (b, m) batches (e.g. from
        :func:`~neuronboundary.iter_activations`).
    q : float
        Quantile level in [0, 1]; the article uses 0.75 (the top quartile) and 0.95.
    max_bytes : int
        Data up to this size (as float64) is kept and its quantile computed exactly.
    k : int
        Sketch buffer rows used past ``max_bytes``; rank error about ``levels / (2k)``.
    progress : bool
        Show a progress bar over batches.

    Returns
    -------
    QuantileThresholds
        ``.values`` (m,), ``.exact``, ``.max_rank_error``. It behaves as an array, so it can be
        passed as ``thresholds=`` to :func:`~neuronboundary.group_partition_1d`.

    Examples
    --------
    >>> acts = np.arange(12.0).reshape(6, 2)  # neuron 0: 0, 2, ..., 10; neuron 1: 1, 3, ..., 11
    >>> quantile_thresholds(acts, 0.5).values
    array([5., 6.])
    """
    if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0.0 <= q <= 1.0:
        raise ValueError(
            f"q must be a number in [0, 1] (e.g. 0.75 for the top quartile); got {q!r}."
        )
    if hasattr(activations, "shape"):
        if len(activations.shape) != 2:
            raise ValueError(
                f"activations must have shape (n, m), one column per neuron; got shape "
                f"{tuple(activations.shape)}."
            )
        batches: Iterable[Any] = [activations]
    elif hasattr(activations, "__iter__") and not isinstance(activations, (str, bytes)):
        batches = activations
    else:
        raise TypeError(
            f"activations must be an (n, m) array/tensor or an iterable of (b, m) batches; "
            f"got {type(activations).__name__}."
        )
    if progress:
        from tqdm.auto import tqdm

        batches = tqdm(batches, desc="quantiles", unit="batch")
    kept: list[np.ndarray] = []
    size = 0
    sketch: StreamingQuantiles | None = None
    m: int | None = None
    for batch in batches:
        arr = _as_batch(batch, m)
        m = arr.shape[1]
        if sketch is None and size + arr.shape[0] * m * 8 <= max_bytes:
            kept.append(arr)
            size += arr.shape[0] * m * 8
            continue
        if sketch is None:
            sketch = StreamingQuantiles(k)
            for old in kept:
                sketch.update(old)
            kept = []
        sketch.update(arr)
    if sketch is not None:
        return sketch.quantile(q)
    if not kept:
        raise ValueError("activations are empty: no batch was given.")
    data = np.concatenate(kept, axis=0)
    if data.shape[0] == 0:
        raise ValueError(
            f"activations have no rows (shape {data.shape}); nothing to take a quantile of."
        )
    values = np.empty(data.shape[1])
    block = max(1, (64 * 2**20) // max(1, data.shape[0] * 8))  # bound numpy's working copy
    for start in range(0, data.shape[1], block):
        values[start : start + block] = np.quantile(data[:, start : start + block], q, axis=0)
    return QuantileThresholds(
        values=values, q=float(q), n=data.shape[0], exact=True, max_rank_error=0.0
    )
