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

import numbers
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["QuantileThresholds", "StreamingQuantiles", "quantile_thresholds"]

_METHODS = ("auto", "exact", "sketch")


@dataclass(frozen=True)
class QuantileThresholds:
    """Per-neuron quantile thresholds.

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
    """

    values: np.ndarray
    q: float
    n: int
    exact: bool
    max_rank_error: float
    passes: int = 1

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.values if dtype is None else self.values.astype(dtype)

    def __len__(self) -> int:
        return self.values.shape[0]


# ---------------------------------------------------------------------------------- inputs


def _check_q(q: Any) -> float:
    """Read ``q`` (Python/numpy scalar, 0-d array or tensor) as a float64 in [0, 1]."""
    if hasattr(q, "detach") and hasattr(q, "item"):  # torch tensor
        if q.numel() != 1 or q.ndim != 0:
            raise ValueError(
                f"q must be one number in [0, 1]; got a tensor of shape {tuple(q.shape)}. "
                f"Call quantile_thresholds once per level."
            )
        q = q.item()
    elif isinstance(q, np.ndarray):
        if q.ndim != 0:
            raise ValueError(
                f"q must be one number in [0, 1]; got an array of shape {q.shape}. "
                f"Call quantile_thresholds once per level."
            )
        q = q[()]
    if isinstance(q, (bool, np.bool_)) or not isinstance(q, numbers.Real):
        raise TypeError(
            f"q must be a number in [0, 1] (e.g. 0.75 for the top quartile); got "
            f"{type(q).__name__} {q!r}."
        )
    value = float(q)
    if not 0.0 <= value <= 1.0:  # also refuses NaN
        raise ValueError(
            f"q must be a number in [0, 1] (e.g. 0.75 for the top quartile); got {value!r}."
        )
    return value


def _rank(n: int, q: float) -> int:
    """0-based rank of the quantile, computed exactly as ``numpy.quantile(method=
    "inverted_cdf")`` does (same float64 operations)."""
    index = n * np.float64(q) - 1
    previous = np.floor(index)
    k = previous if index - previous == 0 else previous + 1
    return int(max(k, 0))


def _as_batch(
    batch: Any, m: int | None, name: str = "activations", check: bool = True
) -> np.ndarray:
    """One (b, m) batch as a C-contiguous float32 or float64 numpy array, checked finite."""
    if (
        isinstance(batch, (tuple, list))
        and batch
        and hasattr(batch[0], "shape")
        and len(batch[0].shape) == 2
    ):
        batch = batch[0]  # (activations, targets, ...) from a DataLoader
    if hasattr(batch, "detach") and hasattr(batch, "cpu"):  # torch.Tensor
        import torch

        batch = batch.detach()
        if batch.dtype in (torch.float16, torch.bfloat16):
            batch = batch.float()
        batch = batch.cpu().numpy()
    try:
        arr = np.asarray(batch)
    except (TypeError, ValueError) as err:
        raise TypeError(f"each batch of {name} must be numbers; got {err}") from None
    if arr.dtype.kind not in "fiub":
        raise TypeError(
            f"{name} must be numbers; got dtype {arr.dtype} (type {type(batch).__name__})."
        )
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float32 if arr.dtype == np.float16 else np.float64)
    if arr.ndim != 2:
        raise ValueError(
            f"each batch of {name} must have shape (b, m), one column per neuron; got shape "
            f"{arr.shape}. Reshape it, e.g. x.reshape(-1, m)."
        )
    if m is not None and arr.shape[1] != m:
        raise ValueError(
            f"every batch of {name} must have the same number of neurons {m}; got {arr.shape[1]}."
        )
    if check and not np.isfinite(arr).all():
        raise ValueError(
            f"{name} must be finite; a batch holds NaN or inf. Remove or replace them first."
        )
    return np.ascontiguousarray(arr)


def _block_rows(m: int) -> int:
    return max(1, (1 << 22) // max(1, m))  # blocks of about 4M values


def _array_blocks(array: Any) -> Callable[[], Iterator[Any]]:
    rows = array.shape[0]
    step = _block_rows(int(array.shape[1]))

    def blocks() -> Iterator[Any]:
        for start in range(0, rows, step):
            yield array[start : start + step]

    return blocks


def _is_array(source: Any) -> bool:
    return hasattr(source, "shape") and hasattr(source, "__getitem__")


def _passes(source: Any) -> tuple[Callable[[], Iterable[Any]], bool]:
    """(a function giving one pass over the batches, whether it can be called again)."""
    if _is_array(source):
        if len(source.shape) != 2:
            raise ValueError(
                f"activations must have shape (n, m), one column per neuron; got shape "
                f"{tuple(source.shape)}."
            )
        return _array_blocks(source), True
    if callable(source):

        def fresh() -> Iterable[Any]:
            batches = source()
            if not hasattr(batches, "__iter__"):
                raise TypeError(
                    f"a callable source must return an iterable of (b, m) batches; it returned "
                    f"{type(batches).__name__}."
                )
            return batches

        return fresh, True
    if hasattr(source, "__iter__") and not isinstance(source, (str, bytes, dict)):
        reusable = iter(source) is not source  # a container or DataLoader, not an iterator
        return (lambda: source), reusable
    raise TypeError(
        f"activations must be an (n, m) array/tensor, an iterable of (b, m) batches (list, "
        f"DataLoader, generator) or a callable returning one; got {type(source).__name__}."
    )


def _progress(batches: Iterable[Any], show: bool, desc: str) -> Iterable[Any]:
    if not show:
        return batches
    from tqdm.auto import tqdm

    return tqdm(batches, desc=desc, unit="batch")


# ----------------------------------------------------------------------- order-preserving keys


def _keys(arr: np.ndarray) -> np.ndarray:
    """Signed integers in the order of the floats (``-0.0`` keyed as ``+0.0``)."""
    width = arr.dtype.itemsize * 8
    ints = (arr + arr.dtype.type(0)).view(np.int32 if width == 32 else np.int64)  # -0 -> +0
    low = ints >> (width - 1)
    low &= (1 << (width - 1)) - 1
    ints ^= low
    return ints


def _floats(keys: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Inverse of :func:`_keys` (the map is an involution on the bits)."""
    width = np.dtype(dtype).itemsize * 8
    ints = keys.astype(np.int32 if width == 32 else np.int64)
    ints ^= (ints >> (width - 1)) & ((1 << (width - 1)) - 1)
    return ints.view(dtype).astype(np.float64)


# ------------------------------------------------------------------------- process groups


class _Group:
    """The collective operations of a ``torch.distributed`` group, or none (one process)."""

    def __init__(self, group: Any) -> None:
        self.group = None
        self.active = False
        if group is None or group is False:
            return
        import torch.distributed as dist

        if not (dist.is_available() and dist.is_initialized()):
            raise ValueError(
                "group was given but torch.distributed is not initialised: call "
                "torch.distributed.init_process_group(...) first (torchrun does it for you), "
                "or pass group=None for one process."
            )
        self.group = None if group is True else group
        self.active = True
        self.device = "cpu"
        if dist.get_backend(self.group) == "nccl":  # pragma: no cover - needs GPUs
            import torch

            self.device = torch.device("cuda", torch.cuda.current_device())

    def gather(self, obj: Any) -> list[Any]:
        if not self.active:
            return [obj]
        import torch.distributed as dist

        out: list[Any] = [None] * dist.get_world_size(self.group)
        dist.all_gather_object(out, obj, group=self.group)
        return out

    def sum(self, counts: np.ndarray) -> np.ndarray:
        if not self.active:
            return counts
        import torch
        import torch.distributed as dist

        tensor = torch.from_numpy(np.ascontiguousarray(counts, dtype=np.int64))
        tensor = tensor.to(self.device)
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM, group=self.group)
        return tensor.cpu().numpy()

    def agree(self, error: BaseException | None) -> None:
        """Raise the same error on every rank if any rank failed (no rank is left waiting)."""
        if not self.active:
            if error is not None:
                raise error
            return
        errors = self.gather(None if error is None else (type(error), str(error)))
        for rank, failure in enumerate(errors):
            if failure is not None:
                kind, text = failure
                raise kind(f"rank {rank}: {text}") from error


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
    k = _rank(n, q)
    values = np.empty(m)
    block = max(1, (64 * 2**20) // max(1, n * 8))  # bound the working copy
    for start in range(0, m, block):
        part = _as_batch(array[:, start : start + block], None)
        part = part + part.dtype.type(0)  # -0.0 -> +0.0, and a copy that partition may reorder
        values[start : start + block] = np.partition(part, k, axis=0)[k]
    return QuantileThresholds(values=values, q=q, n=n, exact=True, max_rank_error=0.0, passes=0)


def _ukeys(arr: np.ndarray) -> np.ndarray:
    """Unsigned integers in the order of the floats, ``-0.0`` keyed as ``+0.0``."""
    width = arr.dtype.itemsize * 8
    keys = _keys(arr).view(np.uint32 if width == 32 else np.uint64)
    keys ^= np.array(1 << (width - 1), dtype=keys.dtype)
    return keys


def _from_ukeys(keys: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Inverse of :func:`_ukeys` (``-0.0``'s own key gives ``-0.0``), as ``dtype``."""
    width = np.dtype(dtype).itemsize * 8
    signed = (keys ^ np.array(1 << (width - 1), dtype=keys.dtype)).view(
        np.int32 if width == 32 else np.int64
    )
    return _floats(signed, dtype).astype(dtype)


class _FirstPass:
    """Buckets of the first pass: ``clip((x - lo) * scale + 1, 0, bins + 1)`` truncated, with
    ``lo``/``scale`` per neuron from the first batches of every rank (their min and max).

    Each step is a monotone float operation, so the buckets are consecutive intervals of values
    whatever the rounding, and :meth:`bounds` finds each one's exact key interval by bisection,
    evaluating the same operations on the same dtype. Far finer than the top bits of the floats
    where the data lies: on ordinary data the second pass can already collect and select.
    """

    def __init__(self, lo: np.ndarray, hi: np.ndarray, nbins: int, dtype: np.dtype) -> None:
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            span = hi.astype(np.float64) - lo.astype(np.float64)
            scale = (nbins / span).astype(dtype)
        self.scale = np.where(np.isfinite(scale) & (scale > 0), scale, dtype.type(1))
        self.lo = lo.astype(dtype)
        self.top = dtype.type(nbins + 1)
        self.one = dtype.type(1)
        self.dtype = dtype

    def __call__(self, x: np.ndarray, cols: slice = slice(None)) -> np.ndarray:
        """Buckets (0 .. bins + 1) of ``x``, whose columns are the neurons ``cols``."""
        with np.errstate(over="ignore"):
            t = x - self.lo[cols]
            t *= self.scale[cols]
            t += self.one
        np.clip(t, 0, self.top, out=t)
        return t.astype(np.int64)

    def bounds(self, bucket: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each neuron's exact interval of unsigned keys ``[low, high]`` holding its bucket."""
        biggest = np.finfo(self.dtype).max
        ends = _ukeys(np.array([-biggest, biggest], dtype=self.dtype))

        def first_at_least(target: np.ndarray) -> np.ndarray:
            low = np.full(target.shape, ends[0])
            high = np.full(target.shape, ends[1]) + 1  # one past the last finite key
            while np.any(low < high):
                mid = low + (high - low) // 2
                below = self(_from_ukeys(mid, self.dtype)[None, :])[0] < target
                low = np.where(below & (low < high), mid + 1, low)
                high = np.where(~below & (low < high), mid, high)
            return low

        return first_at_least(bucket), first_at_least(bucket + 1) - 1


def _radix_select(
    one_pass: Callable[[], Iterable[Any]],
    q: float,
    *,
    group: _Group,
    bits: int,
    max_bytes: int,
    progress: bool,
) -> QuantileThresholds:
    """Exact per-neuron quantile: histogram passes narrowing a bracket of keys, then a last pass
    that collects what is left in the brackets and selects among it."""
    nbins = 1 << bits
    chunk_values = 1 << 17  # values handled together: temporaries stay in the CPU's cache

    def batches(p: int) -> Iterator[np.ndarray]:
        m = None
        for batch in _progress(one_pass(), progress, f"quantiles, pass {p + 1}"):
            arr = _as_batch(batch, m, check=p == 0)  # later passes: the counts catch changes
            m = arr.shape[1]
            yield arr

    def chunks(arrays: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        for arr in arrays:
            step = max(1, chunk_values // max(1, arr.shape[1]))
            for start in range(0, arr.shape[0], step):
                yield arr[start : start + step]

    # ---- pass 1: the first batch of every rank sets the buckets, then count them
    stream = batches(0)
    first, error = None, None
    try:
        first = next(stream, None)
    except (TypeError, ValueError) as err:
        error = err
    group.agree(error)
    local = None
    if first is not None:
        local = (first.shape[1], first.dtype.str, first.min(axis=0), first.max(axis=0))
    everyone = [s for s in group.gather(local) if s is not None]
    if not everyone:
        raise ValueError("activations are empty: no batch with rows was given.")
    if len({(s[0], s[1]) for s in everyone}) > 1:
        raise ValueError(
            f"the ranks' activations differ in number of neurons or dtype: "
            f"{[(s[0], s[1]) for s in everyone]} (rank order); every rank must give (b, m) "
            f"batches of one dtype."
        )
    m, dtype = everyone[0][0], np.dtype(everyone[0][1])
    lo = np.min([s[2] for s in everyone], axis=0)
    hi = np.max([s[3] for s in everyone], axis=0)
    bucket_of = _FirstPass(lo, hi, nbins, dtype)
    width = nbins + 2
    offsets = (np.arange(m, dtype=np.int64) * width)[None, :]
    hist = np.zeros(m * width, dtype=np.int32)  # counts of a rank: < 2**31 (else int64)

    def count(rows: np.ndarray) -> None:
        """Count a block of neurons at a time with ``bincount``, whose fresh array of every
        bucket of the block costs at most 2 buckets per value when rows >= buckets / 2."""
        table = hist.reshape(m, width)
        step = max(1, (1 << 18) // rows.shape[0])
        for c0 in range(0, m, step):
            cols = slice(c0, min(m, c0 + step))
            idx = bucket_of(rows[:, cols], cols)
            idx += offsets[:, : idx.shape[1]]
            found = np.bincount(idx.ravel(), minlength=idx.shape[1] * width)
            table[cols] += found.reshape(-1, width).astype(hist.dtype)

    n, error, staged = 0, None, []
    try:
        for batch in _chain(first, stream) if first is not None else ():
            if batch.dtype != dtype:
                raise TypeError(
                    f"batches mix {dtype} and {batch.dtype} activations; give one dtype "
                    f"(e.g. cast every batch to float32)."
                )
            n += batch.shape[0]
            if n >= 2**31 and hist.dtype == np.int32:
                hist = hist.astype(np.int64)
            staged.append(batch)  # small batches are pooled up to half as many rows as buckets
            if sum(b.shape[0] for b in staged) * 2 >= width:
                count(np.concatenate(staged) if len(staged) > 1 else staged[0])
                staged = []
        if staged:
            count(np.concatenate(staged))
    except (TypeError, ValueError) as err:
        error = err
    group.agree(error)
    n_total = sum(group.gather(n))
    hist = group.sum(hist)
    passes = 1
    rank = np.full(m, _rank(n_total, q), dtype=np.int64)
    rows = np.arange(m)

    def narrow(counts: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Each neuron's bucket holding its rank, and that bucket's count; updates ``rank``."""
        cum = counts.reshape(m, -1)[:, :size]
        np.cumsum(cum, axis=1, out=cum)  # in place: no second table of m x bins
        bucket = (cum <= rank[:, None]).sum(axis=1)
        below = np.where(bucket > 0, cum[rows, np.maximum(bucket - 1, 0)], 0)
        rank[:] -= below
        return bucket, cum[rows, bucket] - below

    bucket, count = narrow(hist, nbins + 2)
    counts_dtype, hist = hist.dtype, None
    low, high = bucket_of.bounds(bucket)  # unsigned keys, inclusive
    minus_zero = _ukeys(np.array([0.0], dtype=dtype))[0] - 1  # -0.0's own key: never a value's
    itemsize = dtype.itemsize + 8

    def inside(arr: np.ndarray, flo: np.ndarray, fhi: np.ndarray):
        """Columns and keys of the values within their neuron's bracket."""
        within = arr >= flo
        within &= arr <= fhi
        r, c = np.nonzero(within)
        return c, _ukeys(arr[r, c])

    def float_bounds() -> tuple[np.ndarray, np.ndarray]:
        top = np.where(high == minus_zero, high - 1, high)  # x <= -0.0 would take +0.0 too
        return _from_ukeys(low, dtype)[None, :], _from_ukeys(top, dtype)[None, :]

    while np.any(low < high):
        flo, fhi = float_bounds()
        if int(count.sum()) * itemsize <= max_bytes:
            # ---- last pass: collect the values left in each bracket and select among them
            cols, keys, seen, error = [], [], 0, None
            try:
                for arr in chunks(batches(passes)):
                    seen += arr.shape[0]
                    c, key = inside(arr, flo, fhi)
                    cols.append(c)
                    keys.append(key)
                if seen != n:
                    raise ValueError(_changed(n, seen))
            except (TypeError, ValueError) as err:
                error = err
            group.agree(error)
            passes += 1
            col = np.concatenate(cols) if cols else np.zeros(0, np.intp)
            key = np.concatenate(keys) if keys else np.zeros(0, low.dtype)
            if group.active:
                parts = group.gather((col, key))
                col = np.concatenate([c for c, _ in parts])
                key = np.concatenate([k for _, k in parts])
            if col.shape[0] != int(count.sum()):
                raise ValueError(_changed(n_total, -1))
            order = np.lexsort((key, col))
            starts = np.concatenate([[0], np.cumsum(count)[:-1]])
            low = high = key[order][starts + rank]
            break
        # ---- a histogram pass over each bracket, split into at most `nbins` buckets
        span = high - low
        shift = np.zeros(m, dtype=low.dtype)
        while np.any((span >> shift) >= nbins):
            shift += ((span >> shift) >= nbins).astype(low.dtype)
        hist = np.zeros(m * nbins, dtype=counts_dtype)
        seen, error = 0, None
        try:
            for arr in chunks(batches(passes)):
                seen += arr.shape[0]
                c, key = inside(arr, flo, fhi)
                sub = ((key - low[c]) >> shift[c]).astype(np.int64)
                np.add.at(hist, c * nbins + sub, hist.dtype.type(1))
            if seen != n:
                raise ValueError(_changed(n, seen))
        except (TypeError, ValueError) as err:
            error = err
        group.agree(error)
        passes += 1
        hist = group.sum(hist)
        if not np.array_equal(hist.reshape(m, -1).sum(axis=1), count):
            raise ValueError(_changed(n_total, -1))
        bucket, count = narrow(hist, nbins)
        hist = None
        low = low + (bucket.astype(low.dtype) << shift)
        high = low + np.minimum((np.ones_like(shift) << shift) - 1, high - low)  # no overflow
    return QuantileThresholds(
        values=_from_ukeys(low, dtype).astype(np.float64) + 0.0,
        q=q,
        n=n_total,
        exact=True,
        max_rank_error=0.0,
        passes=passes,
    )


def _chain(first: np.ndarray, rest: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    yield first
    yield from rest


def _changed(expected: int, seen: int) -> str:
    got = f"{seen} rows" if seen >= 0 else "different values"
    return (
        f"the source gave {got} on a later pass but {expected} rows on the first: exact "
        f"quantiles read the data several times and need the same data each time (no "
        f"shuffling across ranks, no random augmentation, the model in eval mode). Use "
        f"method='sketch' for a single pass."
    )


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
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 16 or k % 2:
            raise ValueError(f"k must be an even integer >= 16; got {k!r}.")
        self.k = int(k)
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
        arr = _as_batch(batch, self.m)
        if self.m is None:
            self.m, self.dtype = arr.shape[1], arr.dtype
            self._fill = np.empty((self.k, self.m), dtype=self.dtype)
        elif arr.dtype != self.dtype and arr.dtype == np.float64:
            self._widen()
        self.n += arr.shape[0]
        start = 0
        while start < arr.shape[0]:
            take = min(self.k - self._filled, arr.shape[0] - start)
            self._fill[self._filled : self._filled + take] = arr[start : start + take]
            self._filled += take
            start += take
            if self._filled == self.k:
                self._filled = 0
                self._compact(_transpose(self._fill), 0)

    def _widen(self) -> None:
        self.dtype = np.dtype(np.float64)
        self.levels = [b.astype(np.float64) for b in self.levels]
        self._fill = self._fill.astype(np.float64)

    def _compact(self, buffer: np.ndarray, level: int) -> None:
        """Sort a full (m, k) buffer of weight 2^level, keep every other value into level + 1."""
        while True:
            buffer.sort(axis=1)
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
        values = np.concatenate(parts, axis=1).astype(np.float64)
        return values, np.concatenate(weights)

    def quantile(self, q: float) -> QuantileThresholds:
        """Per-neuron quantile at level ``q`` of everything seen so far (see the class bound).

        Exact (``max_rank_error == 0``) while no compaction has happened (fewer than ``k``
        rows).
        """
        q = _check_q(q)
        if self.n == 0 or self.m is None:
            raise ValueError("no activations were given: the stream was empty.")
        values, weights = self.items()
        return _select(values, weights, self.n, self.rank_error, q)


def _transpose(rows: np.ndarray) -> np.ndarray:
    """A (k, m) array as a new C-contiguous (m, k) array (torch's blocked copy is faster)."""
    import torch

    return torch.from_numpy(rows).t().contiguous().numpy()


def _select(
    values: np.ndarray, weights: np.ndarray, n: int, rank_error: int, q: float
) -> QuantileThresholds:
    """The smallest sketch value whose weighted count of values <= it reaches ``k + 1``.

    With counts off by at most ``E`` (= ``rank_error``) for every threshold, the chosen ``v`` has
    ``n F(v) >= k + 1 - E >= n q - E`` and ``n F(v-) <= k + E < n q + E``; one more row covers
    the float rounding of ``n q``: the bound is ``(E + 1) / n``.
    """
    m = values.shape[0]
    target = _rank(n, q) + 1
    picked = np.empty(m)
    block = max(1, (16 * 2**20) // max(1, values.shape[1] * 8))  # bound the sort's memory
    for lo in range(0, m, block):
        part = values[lo : lo + block]
        order = np.argsort(part, axis=1, kind="stable")
        cum = np.cumsum(weights[order], axis=1)  # weighted counts of values <= each
        idx = np.minimum((cum < target).sum(axis=1), part.shape[1] - 1)
        rows = np.arange(part.shape[0])
        picked[lo : lo + block] = part[rows, order[rows, idx]] + 0.0  # -0.0 -> +0.0
    exact = rank_error == 0
    return QuantileThresholds(
        values=picked,
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
        The activations, one column per neuron: an (n, m) numpy array, memmap or torch tensor;
        a sequence of (b, m) batches (list, tuple, ``DataLoader``; a batch may be a tuple whose
        first element is the activations); a zero-argument callable returning a fresh iterator
        of batches (e.g. ``lambda: iter_activations(model, layer, loader)``: the model is run
        once per pass); or a one-shot iterator/generator (then only the sketch is possible,
        unless it fits ``max_bytes``).
    q : float
        Quantile level in [0, 1] (Python or numpy scalar, 0-d array or tensor); the article
        uses 0.75 (the top quartile) and 0.95.
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
    if isinstance(bins, bool) or not isinstance(bins, numbers.Integral) or bins < 2:
        raise ValueError(f"bins must be a power of two >= 2; got {bins!r}.")
    bits = int(bins).bit_length() - 1
    if 1 << bits != bins or bits > 16:
        raise ValueError(f"bins must be a power of two between 2 and 2**16; got {bins!r}.")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, numbers.Integral):
        raise TypeError(f"max_bytes must be an integer number of bytes; got {max_bytes!r}.")
    procs = _Group(group)
    one_pass, reusable, error = None, False, None
    try:
        one_pass, reusable = _passes(source)
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
            arr = _as_batch(batch, held[0].shape[1] if held else None)
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
        return _sketch(one_pass, q, procs, k, progress)
    if _is_array(source) and not procs.active and not isinstance(source, np.memmap):
        return _exact_in_memory(source, q)
    return _radix_select(
        one_pass, q, group=procs, bits=bits, max_bytes=int(max_bytes), progress=progress
    )


def _sketch(
    one_pass: Callable[[], Iterable[Any]], q: float, group: _Group, k: int, progress: bool
) -> QuantileThresholds:
    sketch = StreamingQuantiles(k)
    error = None
    try:
        for batch in _progress(one_pass(), progress, "quantiles (sketch)"):
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
