"""The article's numbers, rebuilt from its seeds (see ../shared/article/README.md)."""

from __future__ import annotations

import numpy as np

from neuronboundary import NeuronLayer, partition_1d


def test_figure2_seed3_groups_at_the_two_inputs():
    layer = NeuronLayer.random(8, 1, seed=3)
    signs = layer.signs([0.3, 0.7])
    assert (signs[0] > 0).sum() == 3
    assert (signs[0] < 0).sum() == 5
    assert (signs[1] > 0).sum() == 2
    assert (signs[1] < 0).sum() == 6
    np.testing.assert_array_equal(np.flatnonzero(signs[0] != signs[1]), [3])


def test_figure2_partition_agrees():
    layer = NeuronLayer.random(8, 1, seed=3)
    part = partition_1d(layer, (-0.3, 1.5))
    a, b = part.locate([0.3, 0.7])
    assert b == a + 1  # one breakpoint between the inputs ...
    np.testing.assert_array_equal(part.flips(int(b)), [3])  # ... where neuron 3 flips
    np.testing.assert_array_equal(part.signs_at([0.3, 0.7]), layer.signs([0.3, 0.7]))


def test_canary_first_values_of_seed3_layer():
    # If torch's random stream or nn.Linear's initialisation changes, this test names it,
    # so the regression check's "figure changed" is not the first thing a user sees.
    import torch

    layer = NeuronLayer.random(8, 1, seed=3)
    first = np.concatenate([layer.weight[:3, 0], layer.bias[:3]])
    expected = [-0.99147296, -0.7888613, -0.42831504, 0.18884242, 0.7757133, -0.09793735]
    assert np.allclose(first, expected, rtol=0, atol=1e-7), (
        f"torch {torch.__version__} changed its random stream or nn.Linear initialisation: "
        f"NeuronLayer.random(8, 1, seed=3) now starts {first.round(8).tolist()}, the article's "
        f"layer starts {expected}. Every figure built from a seed will differ."
    )
