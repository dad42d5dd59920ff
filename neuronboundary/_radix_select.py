"""Exact per-neuron order statistics in a few passes over the data, in memory independent of the
number of rows.

Pass 1 counts every neuron's values in ``bins`` buckets spread between the minimum and maximum
of the first batches, with one bucket that holds exactly the first batches' own quantile ``v``
(plus catch-all buckets at both ends). Floats are then mapped to unsigned integers in the same
order (keys); each bucket is an interval of keys, found exactly by bisection. The bucket holding
the wanted rank becomes the neuron's bracket. A bracket of one key is the answer: a constant
neuron, or a tie (zeros after a ReLU, 0/1 data, a value taken by 90 % of the rows) at the
first batches' quantile, is settled by pass 1 alone.

While brackets hold more values than the last pass may keep (``m * bins`` values, and at most
``max_bytes``), a histogram pass splits every open bracket into ``bins`` key ranges and narrows
it again (a radix select): 11 bits of the key a pass with 2048 bins. Once they fit, a last pass
collects the values left in the open brackets and selects exactly. Ordinary data takes 2
passes; float32 at most 4, float64 at most 7.

Memory: the histogram (``m x (bins + 5)`` int32 counts), the values the last pass keeps (at
most ``m x bins``, and ``max_bytes``), and temporaries of about one batch; never anything that
grows with the number of rows. Counts are integers, so they add up across the processes of a
``torch.distributed`` job (all-reduce, SUM) and across threads (in pass 1 each thread counts
its own neurons; later passes split the rows and add up in one thread), and the result is the
same bit for bit however the rows are split.

Where the time goes (1e5 x 3072 float32, one core): pass 1 about 2.6 ns a value (bucket
arithmetic 1.4, the scattered adds 1.0, reading each block of counts in order first so that
those adds find it in the cache), the last pass 0.6 (two comparisons and one flat mask).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from neuronboundary._quantile_io import (
    Group,
    Workers,
    as_batch,
    changed,
    progress,
    rank,
)

#: Values compared together by the later passes: their temporaries stay in the CPU's cache.
CHUNK_VALUES = 1 << 17
#: Values counted together in pass 1 (their block of the histogram stays in cache).
BINCOUNT_VALUES = 1 << 18
#: Rows of the first batch whose quantile gets a bucket of its own in pass 1.
SAMPLE_ROWS = 1024


# ----------------------------------------------------------------- order-preserving keys


def _int_types(dtype: np.dtype) -> tuple[type, type, int]:
    width = np.dtype(dtype).itemsize * 8
    return (np.int32, np.uint32, width) if width == 32 else (np.int64, np.uint64, width)


def ukeys(arr: np.ndarray) -> np.ndarray:
    """Unsigned integers in the order of the floats (``-0.0`` keyed as ``+0.0``)."""
    signed, unsigned, width = _int_types(arr.dtype)
    ints = (arr + arr.dtype.type(0)).view(signed)  # a copy, -0.0 -> +0.0
    low = ints >> (width - 1)
    low &= (1 << (width - 1)) - 1
    ints ^= low  # negative floats: all bits but the sign flipped
    keys = ints.view(unsigned)
    keys ^= unsigned(1 << (width - 1))  # negative numbers below the others
    return keys


def from_ukeys(keys: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Inverse of :func:`ukeys` (``-0.0``'s own key gives ``-0.0``), as ``dtype``."""
    signed, unsigned, width = _int_types(dtype)
    ints = (keys.astype(unsigned) ^ unsigned(1 << (width - 1))).view(signed)
    ints ^= (ints >> (width - 1)) & ((1 << (width - 1)) - 1)
    return ints.view(dtype)


# -------------------------------------------------------------------- pass 1's buckets


class FirstPassBuckets:
    """Buckets of pass 1: ``c0 + trunc(clip(t + sign(t), -c0, c0))``, ``t = (x - v) * scale``.

    ``x == v`` gives ``t == 0``, bucket ``c0`` (``v``, the first batches' quantile, is a bucket
    of its own); ``x < v`` a lower bucket, ``x > v`` a higher one: ``bins / 2`` buckets on the
    wider side of ``v`` within ``[lo, hi]``, the first batches' range, and catch-all buckets
    beyond it (infinities included). Every step is a monotone float operation, so the buckets
    are consecutive intervals of values whatever the rounding; :meth:`bounds` finds each one's
    exact key interval by bisection, evaluating the same operations on the same dtype, so
    nothing here relies on the rounding being what one expects.
    """

    def __init__(self, v: np.ndarray, lo: np.ndarray, hi: np.ndarray, nbins: int, dtype: Any):
        dtype = np.dtype(dtype)
        half = nbins // 2
        self.c0 = half + 2  # v's bucket; t + sign(t) is clipped to [-c0, c0]
        self.width = 2 * self.c0 + 1
        f64 = np.float64
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            spread = np.maximum(v.astype(f64) - lo.astype(f64), hi.astype(f64) - v.astype(f64))
            scale64 = half / spread
            scale = scale64.astype(dtype)
            ok = np.isfinite(scale64) & np.isfinite(scale) & (scale > 0)
        self.scale = np.where(ok, scale, dtype.type(1))
        self.v = v.astype(dtype)
        self.dtype = dtype

    def __call__(
        self, x: np.ndarray, cols: slice = slice(None), base: Any = 0, scratch: Any = None
    ) -> np.ndarray:
        """Buckets (0 .. width - 1) of ``x``, whose columns are the neurons ``cols``, plus
        ``base``. ``scratch``: two float arrays and an integer one (int32 or intp) of ``x``'s
        shape."""
        t, s, buckets = scratch if scratch is not None else (None, None, None)
        with np.errstate(over="ignore", invalid="ignore"):
            t = np.subtract(x, self.v[cols], out=t)
            np.multiply(t, self.scale[cols], out=t)
            s = np.sign(t, out=s)  # exact for every t, subnormal ones too: v's bucket is {v}
            np.add(t, s, out=t)
        np.clip(t, -self.c0, self.c0, out=t)
        if buckets is None:
            buckets = np.empty(t.shape, dtype=np.intp)
        np.copyto(buckets, t, casting="unsafe")  # truncation: the values are integers + fractions
        buckets += base + self.c0
        return buckets

    def bounds(self, bucket: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each neuron's exact interval of keys ``[low, high]`` holding its ``bucket``."""
        ends = ukeys(np.array([-np.inf, np.inf], dtype=self.dtype))

        def first_at_least(target: np.ndarray) -> np.ndarray:
            low = np.full(target.shape, ends[0])
            high = np.full(target.shape, ends[1]) + 1  # one past +inf
            while np.any(low < high):
                mid = np.minimum(low + (high - low) // 2, ends[1])  # settled ones: no NaN
                below = self(from_ukeys(mid, self.dtype)[None, :])[0] < target
                low = np.where(below & (low < high), mid + 1, low)
                high = np.where(~below & (low < high), mid, high)
            return low

        return first_at_least(bucket), first_at_least(bucket + 1) - 1


def _first_summary(first: np.ndarray, q: float) -> tuple[int, str, Any, Any, Any]:
    """(m, dtype, finite min, finite max, quantile clipped into them) of a rank's first batch."""
    finite = np.isfinite(first)
    if finite.all():
        lo, hi = first.min(axis=0), first.max(axis=0)
    else:
        big = np.finfo(first.dtype).max
        lo = np.where(finite, first, big).min(axis=0)
        hi = np.where(finite, first, -big).max(axis=0)
        none = ~finite.any(axis=0)
        lo[none] = hi[none] = 0
    # the quantile of up to SAMPLE_ROWS rows: any value serves (the buckets are exact whatever
    # it is), a tie at the rank is what it should catch; neurons as rows for partition's speed
    sample = np.ascontiguousarray(first[:SAMPLE_ROWS].T)
    k = rank(sample.shape[1], q)
    v = np.partition(sample, k, axis=1)[:, k]
    return first.shape[1], first.dtype.str, lo, hi, np.clip(v, lo, hi) + first.dtype.type(0)


def _narrow(
    hist: np.ndarray, ranks: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the neurons ``rows`` of a (m, buckets) histogram: the bucket holding each one's
    rank, the count below it and its count. Cumulates ``hist`` in place."""
    cum = hist if rows.shape[0] == hist.shape[0] else hist[rows]
    np.cumsum(cum, axis=1, out=cum)
    r = ranks[rows]
    bucket = (cum <= r[:, None]).sum(axis=1)
    at = np.arange(rows.shape[0])
    below = np.where(bucket > 0, cum[at, np.maximum(bucket - 1, 0)], 0)
    return bucket, below, cum[at, bucket] - below


def _inside(rows: np.ndarray, flo: np.ndarray, fhi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns and keys of the values of ``rows`` (C-contiguous, every neuron) within their
    neuron's bracket: flat indices of one mask, three times faster than a 2-D ``nonzero``."""
    within = rows >= flo
    within &= rows <= fhi
    flat = np.flatnonzero(within)
    return flat % rows.shape[1], ukeys(rows.reshape(-1)[flat])


# ------------------------------------------------------------------------------ passes


def radix_select(
    one_pass: Callable[[], Iterable[Any]],
    q: float,
    *,
    group: Group,
    bits: int,
    max_bytes: int,
    show_progress: bool,
) -> tuple[np.ndarray, int, int]:
    """Each neuron's exact quantile: ``(values (m,) float64, rows over all ranks, passes)``."""
    selection = _Selection()
    selection.one_pass, selection.q, selection.group = one_pass, q, group
    selection.nbins, selection.max_bytes = 1 << bits, max_bytes
    selection.show_progress = show_progress
    selection.workers = Workers()
    try:
        return selection.run()
    finally:
        selection.workers.close()


class _Selection:
    """The state of one exact selection (set up by :func:`radix_select`): each neuron's
    bracket of keys, the rank within it, and the count of values in it."""

    one_pass: Callable[[], Iterable[Any]]
    q: float
    group: Group
    nbins: int
    max_bytes: int
    show_progress: bool
    workers: Workers
    passes = 0

    def batches(self) -> Iterator[np.ndarray]:
        """One pass over the data as checked arrays (NaN refused on the first pass; later
        passes are checked by their counts)."""
        m = None
        desc = f"quantiles, pass {self.passes + 1}"
        for batch in progress(self.one_pass(), self.show_progress, desc):
            arr = as_batch(batch, m, check=self.passes == 0)
            m = arr.shape[1]
            if arr.shape[0]:
                yield arr

    # ---- pass 1
    def run(self) -> tuple[np.ndarray, int, int]:
        stream = self.batches()
        first, error = None, None
        try:
            first = next(stream, None)
        except (TypeError, ValueError) as err:
            error = err
        self.group.agree(error)
        local = None if first is None else _first_summary(first, self.q)
        everyone = [s for s in self.group.gather(local) if s is not None]
        if not everyone:
            raise ValueError("activations are empty: no batch with rows was given.")
        if len({(s[0], s[1]) for s in everyone}) > 1:
            raise ValueError(
                f"the ranks' activations differ in number of neurons or dtype: "
                f"{[(s[0], s[1]) for s in everyone]} (rank order); every rank must give (b, m) "
                f"batches of one dtype."
            )
        self.m, self.dtype = everyone[0][0], np.dtype(everyone[0][1])
        lo = np.min([s[2] for s in everyone], axis=0)
        hi = np.max([s[3] for s in everyone], axis=0)
        buckets = FirstPassBuckets(np.clip(everyone[0][4], lo, hi), lo, hi, self.nbins, self.dtype)
        hist, self.n = self._count_first_pass(first, stream, buckets)
        self.passes = 1
        n_total = sum(self.group.gather(self.n))
        hist = self.group.sum(hist)
        self.ranks = np.full(self.m, rank(n_total, self.q), dtype=np.int64)
        everything = np.arange(self.m)
        bucket, below, self.count = _narrow(hist, self.ranks, everything)
        self.counts_dtype = hist.dtype
        del hist
        self.ranks -= below
        self.low, self.high = buckets.bounds(bucket)
        self.minus_zero = ukeys(np.array([0.0], dtype=self.dtype))[0] - 1  # -0.0's own key
        self._skip_minus_zero()
        while np.any(self.low < self.high):
            if self._fits():
                self._collect_and_select(n_total)
                break
            self._histogram_pass(n_total)
        values = from_ukeys(self.low, self.dtype).astype(np.float64) + 0.0
        return values, n_total, self.passes

    def _count_first_pass(
        self, first: np.ndarray | None, stream: Iterator[np.ndarray], buckets: FirstPassBuckets
    ) -> tuple[np.ndarray, int]:
        m, width = self.m, buckets.width
        hist = np.zeros((m, width), dtype=np.int32)  # counts of a rank: < 2**31 (else int64)
        offsets = np.arange(m, dtype=np.intp) * width

        def count(rows: np.ndarray) -> None:
            import torch

            step = max(1, BINCOUNT_VALUES // rows.shape[0])
            counts = torch.from_numpy(hist)
            # index_add_ adds into the histogram in place: no fresh table to zero and add, a
            # serial loop (no OpenMP region, which stalls on a busy machine), the GIL released
            ones = torch.from_numpy(np.ones(rows.shape[0] * min(step, m), dtype=hist.dtype))
            # bucket numbers as int32 where a block's offsets allow: half the memory traffic
            small = min(step, m) * width < 2**31
            index_type = np.int32 if small else np.intp
            block_offsets = offsets[: min(step, m)].astype(index_type)

            def block(a: int, b: int) -> None:  # neurons [a, b): one thread's own counts
                size = rows.shape[0] * min(step, b - a)
                buffers = (np.empty(size, self.dtype), np.empty(size, self.dtype))
                buffers += (np.empty(size, index_type),)
                for c0 in range(a, b, step):
                    c1 = min(b, c0 + step)
                    # the scratch as contiguous (rows, c1 - c0) arrays, the last block's too
                    shape = (rows.shape[0], c1 - c0)
                    space = tuple(s[: shape[0] * shape[1]].reshape(shape) for s in buffers)
                    idx = buckets(rows[:, c0:c1], slice(c0, c1), block_offsets[: c1 - c0], space)
                    # read the neurons' counts in order first: the scattered adds then find
                    # them in the cache instead of waiting on memory for each line
                    hist[c0:c1].max()
                    flat = torch.from_numpy(idx.reshape(-1))
                    counts[c0:c1].view(-1).index_add_(0, flat, ones[: flat.shape[0]])

            self.workers.map(block, m, rows.size)

        n, error, staged = 0, None, []
        try:
            for batch in _chain(first, stream) if first is not None else ():
                if batch.dtype != self.dtype:
                    raise TypeError(
                        f"batches mix {self.dtype} and {batch.dtype} activations; give one "
                        f"dtype (e.g. cast every batch to float32)."
                    )
                n += batch.shape[0]
                if n >= 2**31 and hist.dtype == np.int32:
                    hist = hist.astype(np.int64)
                staged.append(batch)  # small batches pooled up to half as many rows as buckets
                if sum(b.shape[0] for b in staged) * 2 >= width:
                    count(np.concatenate(staged) if len(staged) > 1 else staged[0])
                    staged = []
            if staged:
                count(np.concatenate(staged))
        except (TypeError, ValueError) as err:
            error = err
        self.group.agree(error)
        return hist, n

    # ---- the passes after the first
    def _skip_minus_zero(self) -> None:
        """No value has -0.0's own key (it is keyed as +0.0): a bracket from there starts at
        +0.0's key, and a bracket of +0.0 alone is closed."""
        start = (self.low == self.minus_zero) & (self.high > self.low)
        self.low[start] += 1

    def _open(self) -> np.ndarray:
        return self.low < self.high

    def _fits(self) -> bool:
        """Whether the values left in the open brackets fit the last pass."""
        itemsize = self.dtype.itemsize + 8  # a value's key and its neuron
        budget = min(self.max_bytes // itemsize, self.m * self.nbins)
        return int(self.count[self._open()].sum()) <= budget

    def _float_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Each open bracket as floats ``[flo, fhi]``; closed ones as an empty interval."""
        # x <= -0.0 would take +0.0 too
        top = np.where(self.high == self.minus_zero, self.high - 1, self.high)
        flo = from_ukeys(self.low, self.dtype)
        fhi = from_ukeys(top, self.dtype)
        closed = ~self._open()
        flo[closed], fhi[closed] = np.inf, -np.inf
        return flo, fhi

    def _read(self, work: Callable[[np.ndarray], Any], fold: Callable[[list[Any]], None]) -> None:
        """One pass: ``work(rows)`` on chunks of whole rows (every neuron, contiguous), each
        batch's rows split between the threads; ``fold(results)`` after each batch, in this
        thread. Checks the row count."""
        seen, error = 0, None
        try:
            for arr in self.batches():
                seen += arr.shape[0]
                step = max(1, CHUNK_VALUES // arr.shape[1])

                def block(a: int, b: int, arr: np.ndarray = arr, step: int = step) -> list[Any]:
                    return [work(arr[s : min(b, s + step)]) for s in range(a, b, step)]

                fold([r for part in self.workers.map(block, arr.shape[0], arr.size) for r in part])
            if seen != self.n:
                raise ValueError(changed(self.n, seen))
        except (TypeError, ValueError) as err:
            error = err
        self.group.agree(error)
        self.passes += 1

    def _histogram_pass(self, n_total: int) -> None:
        """Split every open bracket into at most ``bins`` key ranges; keep the one holding the
        rank."""
        m, nbins = self.m, self.nbins
        is_open = self._open()
        span = np.where(is_open, self.high - self.low, 0)
        shift = np.zeros(m, dtype=self.low.dtype)
        while np.any((span >> shift) >= nbins):
            shift += ((span >> shift) >= nbins).astype(self.low.dtype)
        import torch

        flo, fhi = self._float_bounds()
        hist = np.zeros((m, nbins), dtype=self.counts_dtype)
        counts = torch.from_numpy(hist).view(-1)

        def work(rows: np.ndarray) -> np.ndarray:
            c, key = _inside(rows, flo, fhi)
            return c * nbins + ((key - self.low[c]) >> shift[c]).astype(np.intp)

        def fold(results: list[np.ndarray]) -> None:  # in place, serial (see _count_first_pass)
            flat = torch.from_numpy(np.concatenate(results))
            counts.index_add_(0, flat, torch.ones(flat.shape[0], dtype=counts.dtype))

        self._read(work, fold)
        hist = self.group.sum(hist)
        rows = np.flatnonzero(is_open)
        if not np.array_equal(hist[rows].sum(axis=1), self.count[rows]):
            raise ValueError(changed(n_total, -1))
        bucket, below, count = _narrow(hist, self.ranks, rows)
        self.ranks[rows] -= below
        self.count[rows] = count
        low = self.low[rows] + (bucket.astype(self.low.dtype) << shift[rows])
        size = (np.ones_like(shift[rows]) << shift[rows]) - 1
        self.high[rows] = low + np.minimum(size, self.high[rows] - low)  # no overflow
        self.low[rows] = low
        self._skip_minus_zero()

    def _collect_and_select(self, n_total: int) -> None:
        """Last pass: collect the values left in the open brackets and select among them."""
        flo, fhi = self._float_bounds()
        parts: list[tuple[np.ndarray, np.ndarray]] = []
        self._read(lambda rows: _inside(rows, flo, fhi), parts.extend)
        col = np.concatenate([c for c, _ in parts]) if parts else np.zeros(0, np.intp)
        key = np.concatenate([k for _, k in parts]) if parts else np.zeros(0, self.low.dtype)
        del parts
        if self.group.active:
            everyone = self.group.gather((col, key))
            col = np.concatenate([c for c, _ in everyone])
            key = np.concatenate([k for _, k in everyone])
        is_open = self._open()
        expected = np.where(is_open, self.count, 0)
        if not np.array_equal(np.bincount(col, minlength=self.m), expected):
            raise ValueError(changed(n_total, -1))
        starts = np.cumsum(expected) - expected
        rows = np.flatnonzero(is_open)
        at = starts[rows] + self.ranks[rows]
        if key.dtype == np.uint32:  # float32: neuron and key in one uint64, one plain sort
            packed = (col.astype(np.uint64) << np.uint64(32)) | key
            del col
            packed.sort()  # numpy's SIMD sort: about 30 times faster than the lexsort below
            picked = (packed[at] & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        else:
            picked = key[np.lexsort((key, col))[at]]
        self.low[rows] = self.high[rows] = picked


def _chain(first: np.ndarray, rest: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    yield first
    yield from rest
