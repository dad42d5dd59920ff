"""The peer baselines of the benchmarks (benchmarks/_grid_scan.py, _edge_subdivision.py,
_peer_models.py, _relucent.py) against independent references: the exact arrangement, and
plain numpy counts of distinct rows."""

from __future__ import annotations

import doctest
import importlib
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from neuronboundary import Network, NeuronLayer, arrangement_2d

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
_edge_subdivision = importlib.import_module("_edge_subdivision")
_grid_scan = importlib.import_module("_grid_scan")
_grid_scan_3d = importlib.import_module("_grid_scan_3d")
_peer_models = importlib.import_module("_peer_models")

BOX = ((-1.0, 1.0), (-1.0, 1.0))


@pytest.mark.parametrize("module", [_edge_subdivision, _grid_scan, _grid_scan_3d, _peer_models])
def test_doctests(module):
    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failed == 0


# ---------------------------------------------------------------- Berzins' edge subdivision
@pytest.mark.parametrize(
    ("sizes", "seed"),
    [([2, 8, 8, 1], s) for s in range(4)] + [([2, 16, 16, 1], 0), ([2, 12, 12, 12, 2], 1)],
)
def test_edge_subdivision_counts_the_exact_regions(sizes, seed):
    net = Network.random(sizes, seed=seed)
    sub = _edge_subdivision.edge_subdivision_2d(net, BOX)
    assert (sub.n_zero_values, sub.n_unmatched) == (0, 0)
    assert sub.n_regions == arrangement_2d(net, BOX).n_regions


def test_edge_subdivision_skeleton_is_a_planar_graph_of_the_box():
    net = Network.random([2, 6, 6, 1], seed=3)
    sub = _edge_subdivision.edge_subdivision_2d(net, ((-2.0, 1.0), (0.0, 3.0)))
    v, e = sub.vertices, sub.edges
    lo, hi = np.array([-2.0, 0.0]) - 1e-12, np.array([1.0, 3.0]) + 1e-12
    assert np.all((v >= lo) & (v <= hi))
    assert np.all(e[:, 0] != e[:, 1])
    # every vertex but the 4 corners (degree 2) has degree 3 or 4 in a generic slice
    degree = np.bincount(e.ravel(), minlength=v.shape[0])
    assert np.all(degree[:4] == 2)
    assert np.all((degree[4:] >= 3) & (degree[4:] <= 4))


def test_edge_subdivision_box_without_boundaries_is_one_region():
    net = Network([NeuronLayer([[1.0, 0.0]], [5.0])])  # x + 5 > 0 on the whole box
    sub = _edge_subdivision.edge_subdivision_2d(net, BOX)
    assert (sub.n_regions, sub.vertices.shape[0], sub.edges.shape[0]) == (1, 4, 4)


def test_edge_subdivision_refuses_what_it_cannot_do():
    leaky = Network.random([2, 4, 1], seed=0, activations=0.1)
    with pytest.raises(ValueError, match="plain ReLU chain"):
        _edge_subdivision.edge_subdivision_2d(leaky, BOX)
    with pytest.raises(ValueError, match="in_dim must be 2"):
        _edge_subdivision.edge_subdivision_2d(Network.random([3, 4, 1], seed=0), BOX)
    with pytest.raises(TypeError, match=r"neuronboundary\.Network"):
        _edge_subdivision.edge_subdivision_2d(np.ones((3, 2)), BOX)
    # a layer is the one-layer network: the same regions as the exact arrangement
    layer = NeuronLayer.random(6, 2, seed=0)
    count = _edge_subdivision.edge_subdivision_2d(layer, BOX)
    assert count.n_regions == arrangement_2d(layer, BOX).n_regions


# ---------------------------------------------------------------- grid scans
@settings(max_examples=60, deadline=None)
@given(
    bits=arrays(bool, st.tuples(st.integers(1, 40), st.integers(1, 150))),
    cut=st.integers(0, 150),
)
def test_pattern_hashes_count_the_distinct_rows(bits, cut):
    cut = min(cut, bits.shape[1] - 1)
    expected = np.unique(bits, axis=0).shape[0]
    assert _grid_scan.count_distinct(_grid_scan.pattern_hashes(bits)) == expected
    # blocks (one per layer) hash as their concatenation does
    blocks = (bits[:, : cut + 1], bits[:, cut + 1 :]) if cut + 1 < bits.shape[1] else (bits,)
    assert _grid_scan.count_distinct(_grid_scan.pattern_hashes(*blocks)) == expected


def _margin(net: Network, xs: np.ndarray, ys: np.ndarray) -> float:
    """Smallest |pre-activation| over the grid, relative to the largest: far above float32
    rounding means every variant, float32 ones included, must see the same signs."""
    gx, gy = np.meshgrid(xs, ys)
    z = np.abs(np.concatenate(net.preactivations(np.column_stack([gx.ravel(), gy.ravel()])), 1))
    return float(z.min() / z.max())


@pytest.mark.parametrize(
    ("net", "seed"),
    [
        (lambda s: Network([NeuronLayer.random(25, 2, seed=s)]), 1),
        (lambda s: Network.random([2, 10, 10, 1], seed=s), 2),
    ],
)
def test_every_grid_scan_variant_counts_the_same(net, seed):
    net = net(seed)
    xs, ys = _grid_scan.grid_axes(BOX, 41)
    assert _margin(net, xs, ys) > 1e-5  # the test's precondition, fixed by the seed
    expected = _grid_scan.reference_count(net, xs, ys)
    counts = {name: scan() for name, scan in _grid_scan.network_scans(net, xs, ys).items()}
    assert counts == dict.fromkeys(counts, expected)
    if net.n_layers == 1:
        assert any("outer sum" in name for name in counts)


def test_grid_scan_finds_only_exact_patterns():
    layer = NeuronLayer.random(30, 2, seed=4)
    xs, ys = _grid_scan.grid_axes(BOX, 64)
    gx, gy = np.meshgrid(xs, ys)
    found = np.unique(layer.signs(np.column_stack([gx.ravel(), gy.ravel()])), axis=0)
    exact = arrangement_2d(layer, BOX)
    assert {r.tobytes() for r in found} <= {r.tobytes() for r in exact.signs}
    assert _grid_scan.reference_count(layer, xs, ys) == found.shape[0] < exact.n_regions


def test_fastest_scan_reports_a_variant_and_its_count():
    net = Network.random([2, 6, 1], seed=0)
    fastest = _grid_scan.fastest_scan(net, BOX, 32, repeat=1)
    xs, ys = _grid_scan.grid_axes(BOX, 32)
    assert fastest.name in fastest.probe_seconds
    assert fastest.count == fastest.run() == _grid_scan.reference_count(net, xs, ys)


def test_3d_grid_scan_finds_only_exact_regions():
    from neuronboundary import regions_in

    net = Network.random([3, 6, 6, 1], seed=2)
    box = ((-1.0, 1.0),) * 3
    scan = _grid_scan_3d.fastest_scan_3d(net, box, 12, probe_planes=2)
    pts = _grid_scan_3d.grid_points_3d(box, 12)
    z = np.abs(np.concatenate(net.preactivations(pts), axis=1))
    assert z.min() / z.max() > 1e-5  # the precondition (fixed by the seed): float32 agrees
    expected = np.unique(_grid_scan.numpy_hashes(net, pts, np.float64, 100))
    assert scan.count == expected.shape[0]  # every variant sees the same signs here
    exact = np.unique(_grid_scan_3d.region_hashes(regions_in(net, box).signs, net))
    assert np.isin(scan.hashes, exact).all()
    assert scan.count < exact.shape[0]


# ---------------------------------------------------------------- models for the peers
def test_torch_model_computes_the_network():
    net = Network.random([3, 7, 5, 2], seed=1)
    x = np.random.default_rng(0).normal(size=(9, 3))
    with torch.no_grad():
        out = _peer_models.torch_model(net)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, net(x), rtol=1e-12, atol=1e-12)


def test_relucent_finds_the_hidden_cells_of_arrangement_2d():
    _relucent = importlib.import_module("_relucent")
    if not _relucent.available():
        pytest.skip(_relucent.NOT_INSTALLED)
    net = Network.random([2, 5, 5, 1], seed=0)
    signs = arrangement_2d(net, BOX).signs[:, : net.neuron_offsets[-2]]
    ours = {r.tobytes() for r in np.unique(signs, axis=0)}
    search = _relucent.cells_in_box(net, 1.0)
    assert search.complete
    assert {r.tobytes() for r in search.patterns} == ours
