"""Activations as the quantile routes read them: batches, passes, the rank, process groups.

Shared by the exact routes and the sketch of :mod:`neuronboundary.quantiles`: one reading of a
batch (with the NaN rule), one way to tell whether a source can be read again, one definition
of the quantile's rank, the ``torch.distributed`` collectives, and the worker threads that
split numpy work between the CPU cores.
"""

from __future__ import annotations

import inspect
import numbers
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

#: Values below which work is done in one thread (threads cost more than they save).
PARALLEL_VALUES = 1 << 18


def rank(n: int, q: float) -> int:
    """0-based rank of the quantile, computed exactly as ``numpy.quantile(method=
    "inverted_cdf")`` does (same float64 operations)."""
    index = n * np.float64(q) - 1
    previous = np.floor(index)
    k = previous if index - previous == 0 else previous + 1
    return int(max(k, 0))


def _nan_error(arr: np.ndarray, name: str) -> ValueError:
    row, col = (int(i) for i in np.argwhere(np.isnan(arr))[0])
    return ValueError(
        f"{name} hold NaN: neuron {col} (column {col}) is NaN in row {row} of a batch. A "
        f"quantile of values that include NaN is undefined, so NaN is refused rather than "
        f"skipped: find where the model produces it, or drop those rows or replace NaN "
        f"before the quantiles (numpy.nan_to_num / torch.nan_to_num, e.g. "
        f"lambda: (torch.nan_to_num(b) for b in batches()))."
    )


def as_batch(
    batch: Any, m: int | None, name: str = "activations", check: bool = True
) -> np.ndarray:
    """One (b, m) batch as a C-contiguous float32 or float64 numpy array.

    ``check``: refuse NaN with the neuron and the row that hold it. Infinities are values like
    any other (``-inf`` below every number, ``+inf`` above), as for ``numpy.quantile``.
    """
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
    if check and arr.size and np.isnan(arr.max()):  # max propagates NaN, allocating nothing
        raise _nan_error(arr, name)
    return np.ascontiguousarray(arr)


def transposed(rows: np.ndarray) -> np.ndarray:
    """A (k, m) array as a new C-contiguous (m, k) array (torch's blocked copy is faster than
    numpy's)."""
    return as_tensor(rows).t().contiguous().numpy()


def as_tensor(arr: np.ndarray) -> Any:
    """A numpy array as a torch tensor sharing its memory, never written to (torch warns about
    a read-only array such as a memmap; it is only read here)."""
    import torch

    if arr.flags.writeable:
        return torch.from_numpy(arr)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(arr)


def _block_rows(m: int) -> int:
    return max(1, (1 << 22) // max(1, m))  # blocks of about 4M values


def _array_blocks(array: Any) -> Callable[[], Iterator[Any]]:
    rows = array.shape[0]
    step = _block_rows(int(array.shape[1]))

    def blocks() -> Iterator[Any]:
        for start in range(0, rows, step):
            yield array[start : start + step]

    return blocks


def is_array(source: Any) -> bool:
    return hasattr(source, "shape") and hasattr(source, "__getitem__")


def _is_number(value: Any) -> bool:
    return isinstance(value, (numbers.Number, np.number, np.bool_))


def is_rows_of_numbers(source: Any) -> bool:
    """Whether ``source`` is one array written as Python lists: a non-empty list/tuple of numbers
    or of rows that are lists/tuples of numbers (not a sequence of arrays or tensors, which are
    batches)."""
    if not isinstance(source, (list, tuple)) or not source:
        return False
    if all(_is_number(v) for v in source):
        return True
    return all(
        isinstance(row, (list, tuple)) and row and all(_is_number(v) for v in row) for row in source
    )


def as_source(source: Any, name: str = "activations") -> Any:
    """``source`` as the quantile routes read it: nested lists of numbers as one numpy array
    (n, m); anything else unchanged."""
    if not is_rows_of_numbers(source):
        return source
    if not all(_is_number(v) for v in source):
        lengths = sorted({len(row) for row in source})
        if len(lengths) > 1:
            raise ValueError(
                f"{name} given as nested lists must be rows of one length m, an (n, m) table; "
                f"got rows of lengths {', '.join(map(str, lengths[:6]))}."
            )
    return np.asarray(source)


def _no_arguments_needed(fn: Callable[..., Any]) -> str | None:
    """None if ``fn`` can be called without arguments, else its name and signature."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # no signature to read (some builtins): call it and see
        return None
    try:
        signature.bind()
    except TypeError:
        name = getattr(fn, "__name__", type(fn).__name__)
        return f"{'a lambda' if name == '<lambda>' else name} taking {signature}"
    return None


_CALLABLE = (
    "a callable source must take no arguments and return a fresh iterator of (b, m) batches "
    "each time it is called, e.g. lambda: iter_activations(model, layer, loader)"
)


def passes(source: Any) -> tuple[Callable[[], Iterable[Any]], bool]:
    """(a function giving one pass over the batches, whether it can be called again)."""
    if is_array(source):
        if len(source.shape) != 2:
            one = " (one neuron: x.reshape(-1, 1))" if len(source.shape) == 1 else ""
            raise ValueError(
                f"activations must have shape (n, m), one column per neuron; got shape "
                f"{tuple(source.shape)}{one}."
            )
        return _array_blocks(source), True
    if callable(source):
        needs = _no_arguments_needed(source)
        if needs is not None:
            raise TypeError(f"{_CALLABLE}; got {needs}, which needs arguments.")

        def fresh() -> Iterable[Any]:
            batches = source()
            if is_array(batches) or is_rows_of_numbers(batches):
                shape = tuple(getattr(batches, "shape", np.shape(batches)))
                raise TypeError(
                    f"{_CALLABLE}; it returned {type(batches).__name__} of shape {shape}, "
                    f"one array. Pass the array itself, quantile_thresholds(acts, q), or "
                    f"return an iterator of its batches, e.g. lambda: iter([acts])."
                )
            if not hasattr(batches, "__iter__"):
                raise TypeError(f"{_CALLABLE}; it returned {type(batches).__name__}.")
            return batches

        return fresh, True
    if hasattr(source, "__iter__") and not isinstance(source, (str, bytes, dict)):
        reusable = iter(source) is not source  # a container or DataLoader, not an iterator
        return (lambda: source), reusable
    raise TypeError(
        f"activations must be an (n, m) array/tensor, an iterable of (b, m) batches (list, "
        f"DataLoader, generator) or a callable returning one; got {type(source).__name__}."
    )


def progress(batches: Iterable[Any], show: bool, desc: str) -> Iterable[Any]:
    if not show:
        return batches
    from tqdm.auto import tqdm

    return tqdm(batches, desc=desc, unit="batch")


def changed(expected: int, seen: int) -> str:
    got = f"{seen} rows" if seen >= 0 else "different values"
    return (
        f"the source gave {got} on a later pass but {expected} rows on the first: exact "
        f"quantiles read the data several times and need the same data each time (no "
        f"shuffling across ranks, no random augmentation, the model in eval mode). Use "
        f"method='sketch' for a single pass."
    )


# ------------------------------------------------------------------------------- threads


class Workers:
    """Runs a function on contiguous blocks of rows of an array in parallel threads.

    As many threads as torch uses (``torch.get_num_threads()``, which a ``torchrun`` job sets
    per process); one for small work. numpy releases the GIL in its elementwise loops,
    comparisons and sorts (not in ``bincount``), every block is its own rows, and one task per
    thread per call keeps the threads in step on a busy machine. The only torch op called in
    them, ``index_add_``, is a serial loop: a parallel one would open an OpenMP region per
    call, which stalls when another process holds a core. The result never depends on the
    number of threads.
    """

    def __init__(self) -> None:
        import torch

        self.n = max(1, int(torch.get_num_threads()))
        self.pool: ThreadPoolExecutor | None = None

    def map(self, fn: Callable[[int, int], Any], m: int, values: int) -> list[Any]:
        """``fn(start, stop)`` over contiguous blocks of ``range(m)``, one a thread when
        ``values`` (the work's size) is large."""
        parts = self.n if values >= PARALLEL_VALUES else 1
        step = -(-m // parts)
        ranges = [(start, min(m, start + step)) for start in range(0, m, step)]
        if len(ranges) == 1:
            return [fn(a, b) for a, b in ranges]
        if self.pool is None:
            self.pool = ThreadPoolExecutor(self.n)
        return list(self.pool.map(lambda r: fn(*r), ranges))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


# ------------------------------------------------------------------------- process groups


class Group:
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
        for rank_, failure in enumerate(errors):
            if failure is not None:
                kind, text = failure
                raise kind(f"rank {rank_}: {text}") from error
