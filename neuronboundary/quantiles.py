"""Per-neuron quantiles of activations: exact in bounded memory, or one pass with a true bound.

One definition everywhere: the quantile at level ``q`` of ``n`` values is the order statistic
``x[k]`` (0-based, sorted), ``k = max(0, ceil(n q - 1))`` computed as numpy does, i.e.
``numpy.quantile(x, q, method="inverted_cdf")``: the smallest value ``v`` with
``F(v) >= q``, where ``F(v)`` is the fraction of values ``<= v``. It is always one of the
data's values, so "a neuron is above its threshold" means the same for every route.

Routes (``quantile_thresholds(..., method=...)``):

- ``"exact"`` on an in-memory array: ``numpy.partition`` per neuron, column block by column
  block.
- ``"exact"`` on anything that can be read again (a memmap, a list of batches, a ``DataLoader``,
  a callable returning a fresh iterator): a multi-pass selection. Pass 1 counts every neuron's
  values in ``bins`` equal buckets between the min and max of the first batches (plus one
  bucket below, one above; one ``numpy.add.at`` over ``neuron * buckets + bucket``) and keeps
  the bucket holding the wanted rank. Floats are mapped to unsigned integers in the same order
  (flip the low bits of negative numbers, the top bit of the others); each further pass splits
  every neuron's bracket of integers into ``bins`` buckets and narrows it again (a radix
  select). Once the values left in the brackets fit ``max_bytes``, one last pass collects them
  and selects exactly. Ordinary data takes 2 passes; float32 at most 4, float64 at most 7.
  Memory is O(neurons x bins), independent of the number of rows. Histograms are integer
  counts, so passes merge across the processes of a ``torch.distributed`` job by an all-reduce
  (SUM): every rank gets the same exact result.
- ``"sketch"``: one pass through a compactor sketch (:class:`StreamingQuantiles`).

Signed zeros: ``-0.0`` and ``+0.0`` are one value (as for numpy's comparisons); a zero
threshold is returned as ``+0.0`` (numpy returns whichever zero its partition leaves there).
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from neuronboundary._quantile_io import (
    Group,
    Workers,
    as_batch,
    as_source,
    is_array,
    passes,
    rank,
    transposed,
)
from neuronboundary._quantile_io import progress as progress_bar
from neuronboundary._radix_select import from_ukeys, radix_select, ukeys
from neuronboundary._validate import as_written, is_integer, shown, unwrap_scalar

__all__ = ["QuantileThresholds", "StreamingQuantiles", "quantile_thresholds"]

_METHODS = ("auto", "exact", "sketch")


@dataclass(frozen=True, eq=False)
class QuantileThresholds(np.lib.mixins.NDArrayOperatorsMixin):
    """Per-neuron quantile thresholds.

    It behaves as its array ``values`` wherever numbers are read: ``numpy.asarray(t)``,
    ``torch.as_tensor(t)``, ``len(t)``, ``t[i]``, iteration, and arithmetic and comparisons
    with numbers, numpy arrays or CPU tensors (``acts > t``, ``t + 1``, ``t == u``:
    elementwise, giving numpy arrays). It is read-only: ``t += 1`` is refused (write
    ``t.values + 1``).

    Attributes
    ----------
    values : numpy.ndarray
        Shape (m,), float64: each neuron's quantile, ``numpy.quantile(..., method=
        "inverted_cdf")`` of its activations when exact (always one of its activations).
    q : float
        The quantile level in [0, 1].
    n : int
        Number of activations per neuron (over all ranks of a process group).
    exact : bool
        True when ``values`` is the exact quantile.
    max_rank_error : float
        0 when exact. For a sketch, a bound ``e`` such that, for every neuron, the rank
        interval ``[F(v-), F(v)]`` of its value ``v`` lies within ``e`` of ``q``:
        ``F(v-) - e <= q <= F(v) + e``, where ``F(v)`` and ``F(v-)`` are the fractions of its
        activations ``<= v`` and ``< v``. True with ties.
    passes : int
        How many times the data was read (0 for an in-memory array).
    neuron_shape : tuple of int
        The shape of one sample's neurons when the activations came from
        :func:`~neuronboundary.iter_activations` (e.g. ``(C, H, W)`` for a ``Conv2d``);
        ``(m,)`` otherwise. ``values.reshape(neuron_shape)`` puts each threshold at its channel
        and position.

    Examples
    --------
    >>> t = quantile_thresholds(np.arange(12.0).reshape(6, 2), 0.5)
    >>> t.values, len(t), t[1]
    (array([4., 5.]), 2, np.float64(5.0))
    >>> np.array([[3.0, 7.0]]) > t  # which neurons are above their threshold
    array([[False,  True]])
    """

    values: np.ndarray
    q: float
    n: int
    exact: bool
    max_rank_error: float
    passes: int = 1
    neuron_shape: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.neuron_shape:
            object.__setattr__(self, "neuron_shape", (int(self.values.shape[0]),))

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if copy is False and dtype is not None and np.dtype(dtype) != self.values.dtype:
            raise ValueError(f"thresholds are float64: a {np.dtype(dtype)} array needs a copy.")
        values = self.values if dtype is None else self.values.astype(dtype, copy=False)
        return values.copy() if copy and values is self.values else values

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if any(isinstance(o, QuantileThresholds) for o in kwargs.get("out", ())):
            raise TypeError(
                "QuantileThresholds is read-only: write t = t.values + 1 (a numpy array) or "
                "dataclasses.replace(t, values=...) rather than an in-place operation."
            )
        return getattr(ufunc, method)(*map(_as_numpy, inputs), **kwargs)

    def __len__(self) -> int:
        return self.values.shape[0]

    def __getitem__(self, index: Any) -> Any:
        return self.values[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.values)


def _as_numpy(operand: Any) -> Any:
    """An operand of :class:`QuantileThresholds`' arithmetic: thresholds as their values, a
    torch tensor as a numpy array (so that ``tensor > t`` is a boolean array, not the uint8
    tensor that torch's ``__array_wrap__`` would make of it); anything else unchanged."""
    if isinstance(operand, QuantileThresholds):
        return operand.values
    if hasattr(operand, "detach") and hasattr(operand, "cpu"):  # torch.Tensor
        return np.asarray(operand)  # torch's own error for CUDA or gradient-tracking tensors
    return operand


# ---------------------------------------------------------------------------------- inputs


def _check_q(q: Any) -> float:
    """Read ``q`` (Python/numpy scalar, 0-d array or tensor) as a float64 in [0, 1].

    A level of a float dtype narrower than float64 (float32, float16, bfloat16) is read as the
    shortest decimal that rounds to it in its dtype, i.e. as it prints: ``np.float32(0.1)`` is
    0.1, what the user wrote. Its float64 widening, 0.10000000149..., would pick the next order
    statistic whenever ``n q`` is a whole number. The rank is then numpy's for that float64
    decimal; numpy's own float32 arithmetic (``n q - 1`` in float32) mostly agrees, not always:
    ``25 * np.float32(0.28)`` is 7 in float32, ``25 * 0.28`` is 7.000000000000001 in float64.
    """
    if hasattr(q, "detach") and hasattr(q, "item"):  # torch tensor
        if q.numel() != 1 or q.ndim != 0:
            raise ValueError(
                f"q must be one number in [0, 1]; got a tensor of shape {tuple(q.shape)}. "
                f"Call quantile_thresholds once per level."
            )
    elif isinstance(q, np.ndarray) and q.ndim != 0:
        raise ValueError(
            f"q must be one number in [0, 1]; got an array of shape {q.shape}. "
            f"Call quantile_thresholds once per level."
        )
    q = as_written(q)
    if isinstance(q, (bool, np.bool_)) or not isinstance(q, numbers.Real):
        raise TypeError(
            f"q must be a number in [0, 1] (e.g. 0.75 for the top quartile); got "
            f"{type(q).__name__} {shown(q)}."
        )
    value = float(q)
    if not 0.0 <= value <= 1.0:  # also refuses NaN
        raise ValueError(
            f"q must be a number in [0, 1] (e.g. 0.75 for the top quartile); got {value!r}."
        )
    return value


# ---------------------------------------------------------------------------- exact routes


def _exact_in_memory(array: Any, q: float) -> QuantileThresholds:
    """``numpy.partition`` per neuron, in column blocks (the data is already in memory)."""
    if hasattr(array, "detach"):
        array = array.detach().cpu()
        if array.dtype.is_floating_point and array.element_size() < 4:
            array = array.float()
        array = array.numpy()
    array = np.asarray(array)
    n, m = array.shape
    if n == 0:
        raise ValueError(
            f"activations have no rows (shape {array.shape}); nothing to take a quantile of."
        )
    k = rank(n, q)
    values = np.empty(m)
    block = max(1, (64 * 2**20) // max(1, n * 8))  # bound the working copy
    for start in range(0, m, block):
        part = as_batch(array[:, start : start + block], None)
        part = part + part.dtype.type(0)  # -0.0 -> +0.0, and a copy that partition may reorder
        values[start : start + block] = np.partition(part, k, axis=0)[k]
    return QuantileThresholds(values=values, q=q, n=n, exact=True, max_rank_error=0.0, passes=0)


# ----------------------------------------------------------------------------- the sketch


class StreamingQuantiles:
    """One-pass compactor sketch of per-neuron quantiles over (b, m) batches, all neurons at once.

    Rows are gathered ``k`` at a time; a full buffer is sorted per neuron and halved, keeping
    every other value (alternating which) with twice the weight, into the buffer of the next
    level, which is halved in turn when it holds ``k`` values (the compactors of KLL, all of one
    size). One compaction of weight-``w`` values moves the count of values ``<= y`` (and ``< y``)
    by at most ``w`` for every ``y``, ties or not; the sketch adds these weights up as
    ``rank_error``, so its bound is guaranteed, not asymptotic. Memory is about
    ``k * m * (levels + 1)`` values (``levels = log2(n / k)``).
    Sketches of the ranks of a process group are merged by :func:`quantile_thresholds`.

    Parameters
    ----------
    k : int
        Rows per buffer (even, >= 16). The rank error bound is about ``(log2(n / k) + 1) / k``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> sketch = StreamingQuantiles(k=256)
    >>> for _ in range(40):
    ...     sketch.update(rng.normal(size=(1000, 3)))
    >>> result = sketch.quantile(0.5)
    >>> result.n, bool(np.all(np.abs(result.values) < 0.05)), result.max_rank_error < 0.05
    (40000, True, True)
    """

    def __init__(self, k: int = 2048) -> None:
        if not is_integer(k) or int(unwrap_scalar(k)) < 16 or int(unwrap_scalar(k)) % 2:
            raise ValueError(f"k must be an even integer >= 16; got {shown(k)}.")
        self.k = int(unwrap_scalar(k))
        self.m: int | None = None
        self.n = 0
        self.dtype: np.dtype | None = None
        self._fill: np.ndarray | None = None  # (k, m) rows of weight 1, not yet sorted
        self._filled = 0
        self.levels: list[np.ndarray] = []  # level L >= 1: (m, k) values of weight 2^L
        self._level_filled: list[int] = []
        self.rank_error = 0  # in rows: sum of the weights of all compactions
        self._flip = 0

    def update(self, batch: Any) -> None:
        """Add a batch of activations, shape (b, m) (numpy, torch, lists)."""
        arr = as_batch(batch, self.m)
        if self.m is None:
            self.m, self.dtype = arr.shape[1], arr.dtype
            self._fill = np.empty((self.k, self.m), dtype=self.dtype)
        elif arr.dtype != self.dtype and arr.dtype == np.float64:
            self._widen()
        self.n += arr.shape[0]
        workers = Workers()
        try:
            start = 0
            while start < arr.shape[0]:
                if self._filled == 0 and arr.shape[0] - start >= self.k:  # a whole buffer
                    self._compact(transposed(arr[start : start + self.k]), 0, workers)
                    start += self.k
                    continue
                take = min(self.k - self._filled, arr.shape[0] - start)
                self._fill[self._filled : self._filled + take] = arr[start : start + take]
                self._filled += take
                start += take
                if self._filled == self.k:
                    self._filled = 0
                    self._compact(transposed(self._fill), 0, workers)
        finally:
            workers.close()

    def _widen(self) -> None:
        self.dtype = np.dtype(np.float64)
        self.levels = [b.astype(np.float64) for b in self.levels]
        self._fill = self._fill.astype(np.float64)

    def _compact(self, buffer: np.ndarray, level: int, workers: Workers) -> None:
        """Sort a full (m, k) buffer of weight 2^level, keep every other value into level + 1."""
        while True:
            m = buffer.shape[0]
            workers.map(lambda a, b, rows=buffer: rows[a:b].sort(axis=1), m, buffer.size)
            half = buffer[:, self._flip :: 2]
            self._flip ^= 1
            self.rank_error += 2**level
            level += 1
            if level > len(self.levels):
                self.levels.append(np.empty((self.m, self.k), dtype=self.dtype))
                self._level_filled.append(0)
            target, filled = self.levels[level - 1], self._level_filled[level - 1]
            target[:, filled : filled + half.shape[1]] = half
            filled += half.shape[1]
            if filled < self.k:
                self._level_filled[level - 1] = filled
                return
            self._level_filled[level - 1] = 0
            buffer = target

    def items(self) -> tuple[np.ndarray, np.ndarray]:
        """The sketch's weighted values: ``values`` (m, r) float64 and ``weights`` (r,) int64."""
        values, weights = self._weighted()
        return values.astype(np.float64), weights

    def _weighted(self) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`items`, the values in the activations' own dtype."""
        if self.m is None:
            raise ValueError("no activations were given: the stream was empty.")
        parts, weights = [], []
        for level, (buf, filled) in enumerate(
            zip(self.levels, self._level_filled, strict=True), start=1
        ):
            if filled:
                parts.append(buf[:, :filled])
                weights.append(np.full(filled, 2**level, dtype=np.int64))
        if self._filled:
            parts.append(self._fill[: self._filled].T)
            weights.append(np.ones(self._filled, dtype=np.int64))
        return np.concatenate(parts, axis=1), np.concatenate(weights)

    def quantile(self, q: float) -> QuantileThresholds:
        """Per-neuron quantile at level ``q`` of everything seen so far (see the class bound).

        Exact (``max_rank_error == 0``) while no compaction has happened (fewer than ``k``
        rows).
        """
        q = _check_q(q)
        if self.n == 0 or self.m is None:
            raise ValueError("no activations were given: the stream was empty.")
        values, weights = self._weighted()
        return _select(values, weights, self.n, self.rank_error, q)


def _select(
    values: np.ndarray, weights: np.ndarray, n: int, rank_error: int, q: float
) -> QuantileThresholds:
    """The smallest sketch value whose weighted count of values <= it reaches ``k + 1``.

    With counts off by at most ``E`` (= ``rank_error``) for every threshold, the chosen ``v`` has
    ``n F(v) >= k + 1 - E >= n q - E`` and ``n F(v-) <= k + E < n q + E``; one more row covers
    the float rounding of ``n q``: the bound is ``(E + 1) / n``. The order of equal values
    does not matter: the first position whose cumulated weight reaches the target holds that
    smallest value whatever it is.
    """
    m = values.shape[0]
    target = rank(n, q) + 1
    picked = np.empty(m)
    block = max(1, (16 * 2**20) // max(1, values.shape[1] * 8))  # bound the sort's memory
    levels = np.log2(weights).astype(np.uint64)  # weights are powers of two: 2**0 .. 2**62
    for lo in range(0, m, block):
        part = values[lo : lo + block]
        if part.dtype == np.float32:  # sort a value's key and its level in one uint64
            packed = (ukeys(part).astype(np.uint64) << np.uint64(6)) | levels
            packed.sort(axis=1)
            cum = np.cumsum(np.left_shift(1, (packed & np.uint64(63)).astype(np.int64)), axis=1)
            idx = np.minimum((cum < target).sum(axis=1), part.shape[1] - 1)
            keys = packed[np.arange(part.shape[0]), idx] >> np.uint64(6)
            picked[lo : lo + block] = from_ukeys(keys.astype(np.uint32), part.dtype)
            continue
        order = np.argsort(part, axis=1, kind="stable")
        cum = np.cumsum(weights[order], axis=1)  # weighted counts of values <= each
        idx = np.minimum((cum < target).sum(axis=1), part.shape[1] - 1)
        rows = np.arange(part.shape[0])
        picked[lo : lo + block] = part[rows, order[rows, idx]]
    exact = rank_error == 0
    return QuantileThresholds(
        values=picked + 0.0,  # -0.0 -> +0.0
        q=q,
        n=n,
        exact=exact,
        max_rank_error=0.0 if exact else (rank_error + 1) / n,
        passes=1,
    )


# ------------------------------------------------------------------------------ the verb


def quantile_thresholds(
    source: Any,
    q: Any,
    *,
    method: str = "auto",
    group: Any = None,
    bins: int = 2048,
    max_bytes: int = 64 * 2**20,
    k: int = 2048,
    progress: bool = False,
) -> QuantileThresholds:
    """Per-neuron quantile of activations: exact with bounded memory, or one pass with a bound.

    The quantile is ``numpy.quantile(x, q, axis=0, method="inverted_cdf")``: for each neuron the
    smallest activation ``v`` with ``F(v) >= q`` (see the module's notes). Exact results equal it
    bit for bit (with ``-0.0`` returned as ``+0.0``).

    Parameters
    ----------
    source : array-like, iterable or callable
        The activations, one column per neuron: an (n, m) numpy array, memmap, torch tensor or
        nested lists of numbers (or (n, C, H, W)..., e.g. ``collect_activations(...,
        flatten=False)``: each sample's neurons are flattened, and their shape is kept in
        ``neuron_shape``);
        a sequence of (b, m) batches (list, tuple, ``DataLoader``; a batch may be a tuple whose
        first element is the activations); a zero-argument callable returning a fresh iterator
        of batches (e.g. ``lambda: iter_activations(model, layer, loader)``: the model is run
        once per pass); or a one-shot iterator/generator (then only the sketch is possible,
        unless it fits ``max_bytes``).
    q : float
        Quantile level in [0, 1] (Python or numpy scalar, 0-d array or tensor); the article
        uses 0.75 (the top quartile) and 0.95. A float32 or float16 level is read as the decimal
        it prints as (``np.float32(0.1)`` and ``torch.tensor(0.1)`` are 0.1, as written), a
        float64 level exactly as it is.
    method : {"auto", "exact", "sketch"}
        ``"exact"`` reads the data as many times as it needs (one ``numpy.partition`` for an
        in-memory array; otherwise 2 passes on ordinary data, at most 4 for float32 and 7 for
        float64);
        ``"sketch"`` reads it once (:class:`StreamingQuantiles`); ``"auto"`` is exact when the
        source can be read again, and for a one-shot iterator exact if it fits ``max_bytes``,
        else the sketch.
    group : torch.distributed.ProcessGroup or True, optional
        Compute over all processes of a ``torch.distributed`` group (``True``: the default
        group). Every rank passes its own shard of the rows and every rank gets the same
        result, that of the rows of all ranks together: exact histograms are summed by
        all-reduce; sketches are gathered and merged.
    bins : int
        Histogram buckets per neuron and pass (a power of two, 2 to 65536); memory is
        ``m * bins * 8`` bytes (2048 bins: 16 KiB a neuron).
    max_bytes : int
        Memory for the last exact pass, which collects the values left in every neuron's
        bracket (and, for a one-shot iterator with ``method="auto"``, the data held to try an
        exact result).
    k : int
        Rows per sketch buffer (even, >= 16); the sketch's rank error is about
        ``log2(n / k) / k``.
    progress : bool
        Show a progress bar over the batches of each pass (tqdm).

    Returns
    -------
    QuantileThresholds
        ``.values`` (m,) float64, ``.exact``, ``.max_rank_error``, ``.passes``. It behaves as an
        array: the article's G2 is ``group_partition_1d(line, interval, above(thresholds))``
        (:func:`~neuronboundary.group_partition_1d`, :func:`~neuronboundary.above`).

    Raises
    ------
    ValueError
        ``q`` outside [0, 1] or NaN; a batch not of shape (b, m), NaN/inf activations, no rows;
        a source that gives different data on a later pass; an unknown ``method``.
    TypeError
        ``source`` is not array-like, iterable or callable; ``q`` is not a number.

    Examples
    --------
    >>> acts = np.arange(12.0).reshape(6, 2)  # neuron 0: 0, 2, ..., 10; neuron 1: 1, 3, ..., 11
    >>> quantile_thresholds(acts, 0.5).values
    array([4., 5.])
    >>> batches = [acts[:4], acts[4:]]  # read twice or more, never held whole
    >>> result = quantile_thresholds(batches, 0.5, method="exact")
    >>> result.values, result.exact
    (array([4., 5.]), True)
    >>> np.quantile(acts, 0.5, axis=0, method="inverted_cdf")
    array([4., 5.])
    """
    q = _check_q(q)
    if method not in _METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, _METHODS))}; got {method!r}.")
    if not is_integer(bins) or int(unwrap_scalar(bins)) < 2:
        raise ValueError(f"bins must be a power of two >= 2; got {shown(bins)}.")
    bins = int(unwrap_scalar(bins))
    bits = bins.bit_length() - 1
    if 1 << bits != bins or bits > 16:
        raise ValueError(f"bins must be a power of two between 2 and 2**16; got {shown(bins)}.")
    if not is_integer(max_bytes):
        raise TypeError(f"max_bytes must be an integer number of bytes; got {shown(max_bytes)}.")
    max_bytes = int(unwrap_scalar(max_bytes))
    procs = Group(group)
    one_pass, reusable, error = None, False, None
    shape: list[Any] = [getattr(source, "neuron_shape", None)]  # of one sample's neurons
    try:
        source = as_source(source)  # nested lists of numbers: one (n, m) array
        if is_array(source) and len(source.shape) > 2:  # (n, C, H, W): flattened, shape kept
            shape[0] = tuple(int(d) for d in source.shape[1:])
            source = source.reshape(source.shape[0], -1)
        one_pass, reusable = passes(source)
        one_pass = _recording(one_pass, shape)
        if method == "exact" and not reusable:
            raise ValueError(
                "method='exact' reads the data several times, but source is a one-shot "
                "iterator: pass a list, an array, a DataLoader or a callable returning a fresh "
                "iterator (e.g. lambda: iter_activations(model, layer, loader)), or use "
                "method='sketch'."
            )
    except (TypeError, ValueError) as err:
        error = err
    procs.agree(error)  # one rank's bad source fails every rank, none is left waiting
    if method == "auto" and procs.active:
        reusable = all(procs.gather(reusable))
    if method == "auto" and not reusable and not procs.active:
        held, size, rest = [], 0, None
        batches = iter(one_pass())
        for batch in batches:
            arr = as_batch(batch, held[0].shape[1] if held else None)
            held.append(arr)
            size += arr.nbytes
            if size > max_bytes:
                rest = batches
                break
        if rest is None:
            one_pass, reusable = (lambda: held), True
        else:

            def replay() -> Iterator[Any]:
                yield from held
                yield from rest

            one_pass = replay
    if method == "sketch" or not reusable:
        result = _sketch(one_pass, q, procs, k, progress)
    elif is_array(source) and not procs.active and not isinstance(source, np.memmap):
        result = _exact_in_memory(source, q)
    else:
        values, n, passes_made = radix_select(
            one_pass, q, group=procs, bits=bits, max_bytes=int(max_bytes), show_progress=progress
        )
        result = QuantileThresholds(
            values=values, q=q, n=n, exact=True, max_rank_error=0.0, passes=passes_made
        )
    if not shape[0] or int(np.prod(shape[0])) != len(result):
        return result
    return dataclasses.replace(result, neuron_shape=tuple(int(d) for d in shape[0]))


def _recording(
    one_pass: Callable[[], Iterable[Any]], shape: list[Any]
) -> Callable[[], Iterable[Any]]:
    """``one_pass`` that keeps, in ``shape[0]``, the neuron shape its iterable knows (an
    :class:`~neuronboundary.ActivationStream` learns it from its first batch)."""

    class Recorded:
        def __init__(self, batches: Iterable[Any]) -> None:
            self.batches = batches

        def __iter__(self) -> Iterator[Any]:
            yield from self.batches
            known = getattr(self.batches, "neuron_shape", None)
            if known:
                shape[0] = known

    return lambda: Recorded(one_pass())


def _sketch(
    one_pass: Callable[[], Iterable[Any]], q: float, group: Group, k: int, progress: bool
) -> QuantileThresholds:
    sketch = StreamingQuantiles(k)
    error = None
    try:
        for batch in progress_bar(one_pass(), progress, "quantiles (sketch)"):
            sketch.update(batch)
    except (TypeError, ValueError) as err:
        error = err
    group.agree(error)
    if not group.active:
        if sketch.n == 0:
            raise ValueError("activations are empty: no batch with rows was given.")
        return sketch.quantile(q)
    local = None if sketch.n == 0 else (*sketch.items(), sketch.n, sketch.rank_error)
    parts = [p for p in group.gather(local) if p is not None]
    if not parts:
        raise ValueError("activations are empty: no batch with rows was given.")
    if len({p[0].shape[0] for p in parts}) > 1:
        raise ValueError("the ranks' activations differ in number of neurons.")
    values = np.concatenate([p[0] for p in parts], axis=1)
    weights = np.concatenate([p[1] for p in parts])
    n = sum(p[2] for p in parts)
    return _select(values, weights, n, sum(p[3] for p in parts), q)
