"""Figure functions: traces carry the layer's numbers, axes say what they are, hover names neurons."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from neuronboundary import NeuronLayer
from neuronboundary.plotting import (
    NEGATIVE,
    POSITIVE,
    boundaries_1d_figure,
    boundaries_2d_figure,
    guidelines_figure,
    planes_figure,
    two_neurons_figure,
    use_renderer,
)

L3 = NeuronLayer.random(8, 1, seed=3)
L2 = NeuronLayer.random(5, 1, seed=2)
L8 = NeuronLayer.random(5, 2, seed=8)


def traces(fig: go.Figure, prefix: str) -> list:
    return [t for t in fig.data if (t.name or "").startswith(prefix)]


def test_guidelines_carry_the_layer_numbers():
    fig = guidelines_figure(L3, (0.0, 2.0), [0.3, 0.7], view=((-0.3, 1.5), (-1.0, 1.0)))
    lines = [t for t in fig.data if t.mode == "lines"]
    assert len(lines) == 8
    for n, t in enumerate(lines):
        np.testing.assert_allclose(t.y, L3.weight[n, 0] * np.array([0.0, 2.0]) + L3.bias[n])
        assert f"neuron {n}" in t.hovertemplate
        assert f"b = {L3.bias[n]:.4g}" in t.hovertemplate
        assert "boundary: x =" in t.hovertemplate
    outputs = traces(fig, "outputs at Input")
    assert len(outputs) == 2
    np.testing.assert_allclose(outputs[0].y, L3([0.3])[0])
    # the article's facts, read back from the figure: 3 positive at 0.3, 2 at 0.7
    assert [list(t.marker.color).count(POSITIVE) for t in outputs] == [3, 2]
    assert [list(t.marker.color).count(NEGATIVE) for t in outputs] == [5, 6]
    assert list(fig.layout.xaxis.range) == [-0.3, 1.5]
    assert list(fig.layout.yaxis.range) == [-1.0, 1.0]
    assert fig.layout.xaxis.title.text == "input x"
    assert "neuron output" in fig.layout.yaxis.title.text
    assert len(fig.layout.shapes) >= 4  # two half-planes + group boxes


def test_sign_is_shown_by_shape_too():
    fig = guidelines_figure(L3, inputs=[0.3])
    out = traces(fig, "outputs at Input")[0]
    assert set(out.marker.symbol) == {"triangle-up", "triangle-down"}


def test_boundaries_1d_marks_each_boundary_once_per_neuron():
    fig = boundaries_1d_figure(L2, (-3.0, 5.0), (-2.0, 2.0))
    marks = [t for t in fig.data if t.mode == "markers"]
    crossings = L2.boundary_points
    inside = [n for n in range(5) if -3 <= crossings[n] <= 5]
    assert len(marks) == len(inside)
    for t in marks:
        n = int(t.name.split()[-1])
        assert t.x[0] == pytest.approx(crossings[n])
        assert t.marker.symbol == ("triangle-right" if L2.weight[n, 0] > 0 else "triangle-left")
    assert {t.legendgroup for t in fig.data} == {f"neuron {n}" for n in range(5)}


def test_boundaries_1d_regions_are_labelled_with_their_group():
    fig = boundaries_1d_figure(
        L2,
        guidelines=False,
        y_range=(-1, 1),
        regions={"Region1": (0.0, 1.7), "Region2": (3.3, 4.1)},
    )
    texts = [a.text for a in fig.layout.annotations]
    for name, x in (("Region1", 1.0), ("Region2", 3.7)):
        positive = np.flatnonzero(L2.signs([x])[0] > 0).tolist()
        assert f"{name}<br>positive: {positive}" in texts
    assert not [t for t in fig.data if t.mode == "lines" and len(t.x) == 2 and t.x[0] == -3.0]


def test_boundaries_1d_domain_hatches_invalid_inputs():
    fig = boundaries_1d_figure(L2, domain=(0.0, np.inf))
    hatched = traces(fig, "invalid input")
    assert len(hatched) == 1
    assert hatched[0].fillpattern.shape == "/"


def test_planes_figure_parts_follow_the_sign():
    fig = planes_figure(L8, ((-2, 10), (-2, 10)))
    assert fig.layout.scene.xaxis.title.text == "input x₁"
    assert fig.layout.scene.yaxis.title.text == "input x₂"
    meshes = [t for t in fig.data if isinstance(t, go.Mesh3d) and "neuron" in t.name]
    for t in meshes:
        n = int(t.name.split()[1])
        z = np.asarray(t.z)
        np.testing.assert_allclose(
            z, np.column_stack([t.x, t.y]) @ L8.weight[n] + L8.bias[n], atol=1e-12
        )
        if "positive" in t.name:
            assert z.min() >= -1e-12
        else:
            assert z.max() <= 1e-12
    zero_lines = [t for t in fig.data if isinstance(t, go.Scatter3d)]
    assert len(zero_lines) == 5
    for t in zero_lines:
        n = int(t.name.split()[1])
        np.testing.assert_allclose(
            np.column_stack([t.x, t.y]) @ L8.weight[n] + L8.bias[n], 0, atol=1e-9
        )


def test_boundaries_2d_names_regions_and_transition():
    regions = {"Region1": [[4, 6], [6, 8]], "Region2": [[0, 1], [6, 8]]}
    fig = boundaries_2d_figure(L8, ((-2, 10), (-2, 10)), regions=regions)
    assert "14 regions" in fig.layout.title.text
    assert "Region1 → Region2 flips neuron(s) [1]" in fig.layout.title.text
    assert fig.layout.xaxis.title.text == "input x₁"
    assert fig.layout.yaxis.title.text == "input x₂"  # the original said "Neuron Output"
    assert len(traces(fig, "region ")) == 14
    assert len(fig.layout.shapes) == 2


def test_two_neurons_panels():
    fig = two_neurons_figure(
        NeuronLayer([[1.0], [-0.6]], [-0.3, 0.5]), NeuronLayer.random(2, 2, seed=0)
    )
    assert len(traces(fig, "1-D neuron")) == 2
    assert len(traces(fig, "invalid input")) == 1
    assert any(isinstance(t, go.Mesh3d) and t.name.startswith("2-D neuron") for t in fig.data)
    assert len(fig.layout.shapes) == 2  # positive and negative half-planes
    with pytest.raises(ValueError, match="layer_2d must be a NeuronLayer with in_dim=2"):
        two_neurons_figure(L2, L2)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: guidelines_figure(L8), ValueError, "slice_1d"),
        (lambda: guidelines_figure(L3, x_range=(1, 0)), ValueError, "x_range must satisfy lo < hi"),
        (lambda: guidelines_figure(L3, inputs=[np.nan]), ValueError, "inputs must be finite"),
        (lambda: planes_figure(L3), ValueError, "slice_2d"),
        (lambda: boundaries_2d_figure(L8, ((0, 0), (0, 1))), ValueError, "empty or inverted"),
        (lambda: boundaries_1d_figure(L2, regions={"R": (2, 1)}), ValueError, r"regions\['R'\]"),
        (lambda: use_renderer("nope"), ValueError, "unknown plotly renderer"),
    ],
)
def test_bad_figure_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
