"""Per-neuron quantiles: exact (in memory, multi-pass, many processes) and the one-pass sketch.

The reference is ``numpy.quantile(..., method="inverted_cdf")``: exact results must equal it bit
for bit (zeros compare equal whatever their sign); the sketch's rank interval must lie within
its stated bound of ``q``, ties or not.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from neuronboundary import StreamingQuantiles, quantile_thresholds

REF = "inverted_cdf"


def reference(data: np.ndarray, q: float) -> np.ndarray:
    return np.quantile(data, q, axis=0, method=REF).astype(np.float64)


def batches_of(data: np.ndarray, size: int) -> list[np.ndarray]:
    return [data[i : i + size] for i in range(0, data.shape[0], size)]


def assert_rank_interval(data: np.ndarray, result) -> None:
    """``F(v-) - e <= q <= F(v) + e`` for every neuron, with F the empirical CDF of its column."""
    v = result.values.astype(data.dtype)
    below = (data < v).mean(axis=0)
    at_most = (data <= v).mean(axis=0)
    e = result.max_rank_error
    assert np.all(below - e <= result.q), (below, result.q, e)
    assert np.all(result.q <= at_most + e), (at_most, result.q, e)


SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 3.0, -2.5, 1e-30, -1e30, 1e20, np.inf, -np.inf]


@st.composite
def activations(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    width = 32 if dtype is np.float32 else 64
    n = draw(st.integers(1, 70))
    m = draw(st.integers(1, 4))
    finite = st.floats(allow_nan=False, allow_infinity=False, width=width)
    elements = st.one_of(st.sampled_from(SPECIAL), finite)  # ties, signed zeros, magnitudes
    data = draw(hnp.arrays(dtype, (n, m), elements=elements))
    constant = draw(st.integers(-1, m - 1))
    if constant >= 0:  # a constant neuron
        data[:, constant] = data[0, constant]
    return data


levels = st.one_of(st.sampled_from([0.0, 0.25, 0.5, 0.75, 0.95, 1.0]), st.floats(0, 1))


@given(activations(), levels, st.integers(1, 9), st.sampled_from([2, 16, 2048]), st.booleans())
def test_exact_routes_equal_numpy_bit_for_bit(data, q, batch, bins, collect):
    expected = reference(data, q)
    in_memory = quantile_thresholds(data, q)
    streamed = quantile_thresholds(
        batches_of(data, batch), q, method="exact", bins=bins, max_bytes=2**20 if collect else 0
    )
    for result in (in_memory, streamed):
        assert result.exact
        assert result.max_rank_error == 0.0
        assert result.n == data.shape[0]
        np.testing.assert_array_equal(result.values, expected)
        assert not np.signbit(result.values[result.values == 0]).any()  # zeros come as +0.0


@given(activations(), levels, st.integers(1, 9))
def test_sketch_is_exact_until_it_compacts_and_bounded_after(data, q, batch):
    result = quantile_thresholds(iter(batches_of(data, batch)), q, method="sketch", k=16)
    assert_rank_interval(data, result)
    if data.shape[0] < 16:  # less than one buffer: nothing compacted
        assert result.exact
        np.testing.assert_array_equal(result.values, reference(data, q))


def adversarial(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    ties = np.where(rng.random(n) < 0.9, 1.0, rng.standard_normal(n))
    return {
        "sorted": np.arange(n, dtype=np.float64),
        "reversed": np.arange(n, 0, -1, dtype=np.float64),
        "90% ties": ties,
        "0/1": (rng.random(n) < 0.3).astype(np.float64),
        "heavy tails": rng.standard_t(1, n) * 1e10,
        "sorted ties": np.sort(ties),
    }


@pytest.mark.parametrize("name", list(adversarial(10, np.random.default_rng(0))))
@pytest.mark.parametrize("q", [0.0, 0.1, 0.5, 0.9, 0.95, 1.0])
def test_sketch_bound_holds_on_adversarial_data(name, q):
    data = adversarial(20_000, np.random.default_rng(1))[name][:, None]
    result = quantile_thresholds(iter(batches_of(data, 333)), q, method="sketch", k=256)
    assert not result.exact
    assert 0 < result.max_rank_error < 0.1
    assert_rank_interval(data, result)


def test_one_definition_for_every_route():
    data = np.array([[0.0], [0.0], [1.0], [1.0]])  # the review's case: 0.5 vs 0.0 before
    sketch = StreamingQuantiles(k=16)
    sketch.update(data)
    routes = [
        quantile_thresholds(data, 0.5),
        quantile_thresholds([data[:3], data[3:]], 0.5, method="exact"),
        quantile_thresholds(iter([data]), 0.5, method="sketch"),
        quantile_thresholds(iter([data]), 0.5),
        sketch.quantile(0.5),
    ]
    for result in routes:
        assert result.values.tolist() == [0.0]


def test_sources_a_pass_can_read_again(tmp_path):
    rng = np.random.default_rng(2)
    data = rng.standard_normal((500, 3)).astype(np.float32)
    path = tmp_path / "acts.npy"
    np.save(path, data)
    memmap = np.load(path, mmap_mode="r")
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(data)), 64)
    calls = []

    def fresh():
        calls.append(1)
        return iter(batches_of(data, 100))

    expected = reference(data, 0.95)
    for source in (memmap, loader, fresh, torch.from_numpy(data), tuple(batches_of(data, 7))):
        result = quantile_thresholds(source, np.float32(0.95), method="auto", max_bytes=0)
        assert result.exact, type(source)
        np.testing.assert_array_equal(result.values, expected)
    assert len(calls) == 3  # float32: two histogram passes and a last one (nothing collected)


def test_auto_on_a_one_shot_iterator():
    data = np.random.default_rng(3).standard_normal((4000, 2))
    small = quantile_thresholds(iter(batches_of(data, 100)), 0.75)
    assert small.exact  # held in memory, exact
    np.testing.assert_array_equal(small.values, reference(data, 0.75))
    big = quantile_thresholds(iter(batches_of(data, 100)), 0.75, max_bytes=10_000, k=64)
    assert not big.exact  # more than max_bytes: the one-pass sketch
    assert_rank_interval(data, big)


def test_scalar_levels_of_every_kind():
    data = np.arange(10.0).reshape(5, 2)
    for q in (0.5, np.float64(0.5), np.float32(0.5), np.array(0.5), torch.tensor(0.5), 1, 0):
        assert quantile_thresholds(data, q).q == float(q)


@pytest.mark.parametrize(
    "q",
    [
        np.float32(0.1),
        np.array(0.1, dtype=np.float32),
        torch.tensor(0.1),
        np.float16(0.1),
        torch.tensor(0.1, dtype=torch.float16),
        torch.tensor(0.1, dtype=torch.bfloat16),
    ],
    ids=repr,
)
def test_a_narrow_float_level_is_the_decimal_it_prints_as(q):
    # float64(float32(0.1)) = 0.10000000149...: n q - 1 > 0 picked the next order statistic
    data = np.arange(20.0).reshape(10, 2)
    result = quantile_thresholds(data, q)
    assert result.q == 0.1
    np.testing.assert_array_equal(result.values, quantile_thresholds(data, 0.1).values)
    np.testing.assert_array_equal(result.values, [0.0, 1.0])
    np.testing.assert_array_equal(result.values, reference(data, np.float32(0.1)))
    for level in (0.05, 0.25, 0.3, 0.7, 0.95):  # every route, many rows
        narrow = quantile_thresholds(batches_of(data, 3), np.float32(level), method="exact")
        np.testing.assert_array_equal(narrow.values, reference(data, level))


def test_a_float64_level_is_kept_as_it_is():
    data = np.arange(20.0).reshape(10, 2)
    widened = np.float64(np.float32(0.1))  # 0.10000000149...: n q - 1 > 0
    assert quantile_thresholds(data, widened).q == widened
    np.testing.assert_array_equal(quantile_thresholds(data, widened).values, [2.0, 3.0])
    np.testing.assert_array_equal(
        quantile_thresholds(data, torch.tensor(widened, dtype=torch.float64)).values, [2.0, 3.0]
    )


def test_nested_lists_of_numbers_are_one_array():
    data = np.arange(20.0).reshape(10, 2)
    expected = reference(data, 0.5)
    rows = data.tolist()
    for source in (rows, tuple(map(tuple, rows)), [[int(v) for v in row] for row in rows]):
        for method in ("auto", "exact", "sketch"):
            result = quantile_thresholds(source, 0.5, method=method)
            np.testing.assert_array_equal(result.values, expected)
            assert result.exact
    # a list of batches, each batch written as nested lists, is still batches
    batches = [data[:3].tolist(), data[3:].tolist()]
    np.testing.assert_array_equal(quantile_thresholds(batches, 0.5).values, expected)


def test_torch_tensor_beyond_torch_quantile_limit():
    # torch.quantile has refused inputs over 2^24 elements in many releases; ours must not
    acts = torch.arange(17_000_000, dtype=torch.float32).reshape(-1, 2)  # 17M elements
    result = quantile_thresholds(acts, 0.75)
    assert result.exact
    np.testing.assert_array_equal(result.values, reference(acts.numpy(), 0.75))


@pytest.mark.slow
def test_30m_adversarial_values_exact_and_sketched():
    rng = np.random.default_rng(4)
    rows = 5_000_000
    data = np.stack(list(adversarial(rows, rng).values()), axis=1).astype(np.float32)  # 30M
    data[::7, 3] = -0.0
    for q in (0.75, 0.95):
        expected = reference(data, q)
        result = quantile_thresholds(lambda: iter(batches_of(data, 250_000)), q, method="exact")
        assert result.exact
        assert result.passes <= 4
        np.testing.assert_array_equal(result.values, expected)
    sketch = quantile_thresholds(iter(batches_of(data, 250_000)), 0.95, method="sketch")
    assert 0 < sketch.max_rank_error < 0.01
    assert_rank_interval(data, sketch)


def kinds_of_columns(rows: int, rng: np.random.Generator, m: int = 8) -> dict[str, np.ndarray]:
    """Every kind of column the exact route must handle in bounded memory, m columns each."""
    normal = rng.standard_normal((rows, m))
    r = rng.random((rows, m))
    return {
        "normal": normal,
        "90% ties": np.where(r < 0.9, 1.0, normal),
        "constant": np.full((rows, m), 2.5),
        "0/1": (r < 0.3) * 1.0,
        "post-ReLU zeros": np.maximum(normal, 0.0),
        "+-0": np.where(r < 0.6, np.where(r < 0.3, -0.0, 0.0), normal),
        "infinities": np.where(r < 0.1, np.inf, np.where(r > 0.95, -np.inf, normal)),
    }


BATCH = 4096


def memory_bound(m: int, itemsize: int, bins: int = 2048) -> int:
    """What the exact multi-pass route may hold, whatever the number of rows: a histogram of
    m x (bins + 5) int32 counts and a bool per count while narrowing it; one batch's bucket
    scratch (two floats and an intp a value) and its comparison mask (a bool a value); the last
    pass's values (at most m x bins: key, neuron, sort order); and a quarter more for numpy's
    small temporaries. Every buffer of the route is numpy's, which tracemalloc sees (torch only
    reads and adds into them)."""
    histogram = m * (bins + 5) * (4 + 1)
    batch = BATCH * m * (2 * itemsize + 8 + 1)
    last_pass = m * bins * (itemsize + 8 + 8)
    return int(1.25 * (histogram + batch + last_pass))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", list(kinds_of_columns(10, np.random.default_rng(0))))
def test_exact_memory_does_not_grow_with_the_rows(kind, dtype):
    quantile_thresholds([np.ones((10, 8), dtype)], 0.5, method="exact")  # imports, once
    peaks = {}
    for rows in (100_000, 400_000):
        data = kinds_of_columns(rows, np.random.default_rng(rows))[kind].astype(dtype)
        batches = batches_of(data, BATCH)
        for q in (0.5, 0.95):
            tracemalloc.start()
            try:
                result = quantile_thresholds(batches, q, method="exact")
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            np.testing.assert_array_equal(result.values, reference(data, q))
            peaks[rows, q] = peak
    bound = memory_bound(8, np.dtype(dtype).itemsize)
    for (rows, q), peak in peaks.items():
        assert peak <= bound, (kind, rows, q, peak, bound)
        if rows == 400_000:  # 4 times the rows, the same memory (within 5 %)
            assert peak <= 1.05 * peaks[100_000, q], (kind, q, peaks)


@pytest.mark.parametrize(
    ("kind", "q"),
    [("constant", 0.5), ("90% ties", 0.5), ("0/1", 0.5), ("0/1", 0.95), ("post-ReLU zeros", 0.3)],
)
def test_a_tie_at_the_first_batches_quantile_takes_one_pass(kind, q):
    data = kinds_of_columns(20_000, np.random.default_rng(5))[kind]
    result = quantile_thresholds(batches_of(data, 1000), q, method="exact")
    assert result.passes == 1
    np.testing.assert_array_equal(result.values, reference(data, q))


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_threads_split_the_work_and_change_nothing(threads):
    data = np.random.default_rng(6).standard_normal((20_000, 300)).astype(np.float32)
    data[:, ::7] = np.round(data[:, ::7])  # ties
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        for method in ("exact", "sketch"):
            result = quantile_thresholds(batches_of(data, 2048), 0.9, method=method, k=256)
            if method == "exact":
                np.testing.assert_array_equal(result.values, reference(data, 0.9))
            else:
                assert_rank_interval(data, result)
    finally:
        torch.set_num_threads(before)


def test_thresholds_behave_as_an_array():
    result = quantile_thresholds(np.arange(10.0).reshape(5, 2), 0.5)
    np.testing.assert_array_equal(np.asarray(result), result.values)
    assert len(result) == 2


def test_thresholds_index_convert_and_compute_as_their_values():
    data = np.arange(10.0).reshape(5, 2)
    result = quantile_thresholds(data, 0.5)
    values = result.values
    assert result[0] == values[0]
    assert result[-1] == values[-1]
    np.testing.assert_array_equal(result[::-1], values[::-1])
    assert list(result) == list(values)
    assert torch.equal(torch.as_tensor(result), torch.as_tensor(values))
    assert torch.equal(torch.tensor(result, dtype=torch.float32), torch.tensor(values).float())
    np.testing.assert_array_equal(np.asarray(result, dtype=np.float32), values.astype(np.float32))
    assert np.asarray(result, copy=True) is not values
    with pytest.raises(ValueError, match="needs a copy"):
        np.asarray(result, dtype=np.float32, copy=False)
    np.testing.assert_array_equal(result + 1, values + 1)
    np.testing.assert_array_equal(2 * result - result, values)
    np.testing.assert_array_equal(-result, -values)
    np.testing.assert_array_equal(data > result, data > values)
    np.testing.assert_array_equal(result <= data, values <= data)
    np.testing.assert_array_equal(torch.from_numpy(data) > result, data > values)
    np.testing.assert_array_equal(result == quantile_thresholds(data, 0.5), [True, True])
    assert type(result + 1) is np.ndarray
    before = values.copy()
    with pytest.raises(TypeError, match="read-only"):
        result += 1
    np.testing.assert_array_equal(result.values, before)
    assert (result.q, result.n, result.exact, result.neuron_shape) == (0.5, 5, True, (2,))


def changing_source():
    state = {"calls": 0}

    def source():
        state["calls"] += 1
        rng = np.random.default_rng(state["calls"])  # new data on every pass
        return iter([rng.standard_normal((50, 2)), rng.standard_normal((50, 2))])

    return source


@pytest.mark.parametrize(
    ("acts", "q", "kwargs", "error", "match"),
    [
        (np.ones((3, 2)), 1.5, {}, ValueError, r"q must be a number in \[0, 1\]"),
        (np.ones((3, 2)), float("nan"), {}, ValueError, r"q must be a number in \[0, 1\]"),
        (np.ones((3, 2)), True, {}, TypeError, "q must be a number"),
        (np.ones((3, 2)), "0.5", {}, TypeError, "q must be a number"),
        (np.ones((3, 2)), np.array([0.5, 0.7]), {}, ValueError, "once per level"),
        (np.ones(3), 0.5, {}, ValueError, r"shape \(n, m\)"),
        ([1.0, 2.0, 3.0], 0.5, {}, ValueError, r"shape \(n, m\).*x.reshape\(-1, 1\)"),
        ([[1.0, 2.0], [3.0]], 0.5, {}, ValueError, "rows of one length m"),
        (3.0, 0.5, {}, TypeError, "iterable of"),
        ([np.ones((3, 2)), np.ones((3, 3))], 0.5, {}, ValueError, "same number of neurons 2"),
        ([np.array([[1.0, 2.0], [3.0, np.nan]])], 0.5, {}, ValueError, r"NaN: neuron 1 .* row 1"),
        (np.array([[1.0, np.nan]]), 0.5, {}, ValueError, r"NaN: neuron 1 .*nan_to_num"),
        (iter([np.array([[np.nan, 1.0]])]), 0.5, {"method": "sketch"}, ValueError, "NaN"),
        ([], 0.5, {}, ValueError, "empty"),
        (np.ones((0, 3)), 0.5, {}, ValueError, "no rows"),
        (np.ones((3, 2)), 0.5, {"method": "fast"}, ValueError, "method must be one of"),
        (np.ones((3, 2)), 0.5, {"bins": 1000}, ValueError, "power of two"),
        (iter([np.ones((3, 2))]), 0.5, {"method": "exact"}, ValueError, "one-shot iterator"),
        (changing_source(), 0.5, {"max_bytes": 0}, ValueError, "same data each time"),
        (
            [np.ones((3, 2), np.float32), np.ones((3, 2))],
            0.5,
            {"method": "exact"},
            TypeError,
            "batches mix float32 and float64",
        ),
        (np.ones((3, 2)), 0.5, {"group": True}, ValueError, "not initialised"),
    ],
)
def test_bad_activations(acts, q, kwargs, error, match):
    with pytest.raises(error, match=match):
        quantile_thresholds(acts, q, **kwargs)


@pytest.mark.parametrize("kind", [int, np.int64, np.array, torch.tensor], ids=repr)
def test_integer_arguments_of_every_kind(kind):
    data = np.random.default_rng(4).standard_normal((300, 3))
    plain = quantile_thresholds(iter(batches_of(data, 50)), 0.9, method="sketch", k=16)
    result = quantile_thresholds(iter(batches_of(data, 50)), 0.9, method="sketch", k=kind(16))
    np.testing.assert_array_equal(result.values, plain.values)
    assert result.max_rank_error == plain.max_rank_error
    sketch = StreamingQuantiles(k=kind(16))
    assert sketch.k == 16
    assert type(sketch.k) is int
    exact = quantile_thresholds(
        batches_of(data, 50), 0.9, method="exact", bins=kind(4), max_bytes=kind(0)
    )
    np.testing.assert_array_equal(exact.values, reference(data, 0.9))


def test_sketch_arguments():
    with pytest.raises(ValueError, match="even integer"):
        StreamingQuantiles(k=15)
    for k in (16.0, torch.tensor(16.0), torch.tensor([16]), True):
        with pytest.raises(ValueError, match="even integer"):
            StreamingQuantiles(k=k)
    with pytest.raises(ValueError, match="stream was empty"):
        StreamingQuantiles().quantile(0.5)
    sketch = StreamingQuantiles()
    sketch.update(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"q must be a number in \[0, 1\]"):
        sketch.quantile(2.0)


@pytest.mark.slow
def test_two_gloo_processes_give_the_one_process_result(tmp_path):
    from tests import _quantile_worker as worker

    torch.multiprocessing.spawn(
        worker.main, args=(2, str(tmp_path / "store"), str(tmp_path)), nprocs=2, join=True
    )
    full = worker.shard(0, 1)
    ranks = [np.load(tmp_path / f"rank{r}.npy", allow_pickle=True).item() for r in (0, 1)]
    for q, (exact, n, sketch, bound) in ranks[0].items():
        assert n == full.shape[0]
        single = quantile_thresholds(batches_of(full, 256), q, method="exact", bins=64)
        np.testing.assert_array_equal(exact, single.values)
        np.testing.assert_array_equal(exact, reference(full, q))
        assert np.array_equal(exact, ranks[1][q][0])  # every rank: the same result
        assert np.array_equal(sketch, ranks[1][q][2])
        assert_rank_interval(full, _Result(sketch, q, bound))


class _Result:
    def __init__(self, values, q, bound):
        self.values, self.q, self.max_rank_error = values, q, bound
