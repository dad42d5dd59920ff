"""Figure functions: traces carry the layer's numbers, axes say what they are, hover names neurons."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from neuronboundary import NeuronLayer, group_partition_1d, partition_1d
from neuronboundary.plotting import (
    NEGATIVE,
    POSITIVE,
    boundaries_1d_figure,
    boundaries_2d_figure,
    group_slider_figure,
    groups_figure,
    guidelines_figure,
    neuron_colour,
    neuron_dash,
    planes_figure,
    two_neurons_figure,
    use_renderer,
)

L3 = NeuronLayer.random(8, 1, seed=3)
L2 = NeuronLayer.random(5, 1, seed=2)
L8 = NeuronLayer.random(5, 2, seed=8)


def nb_arrangement(layer):
    from neuronboundary import arrangement_2d

    return arrangement_2d(layer, ((-2, 10), (-2, 10)))


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
    outputs = [t for t in fig.data if (t.name or "").startswith("output ")]
    assert [t.name for t in outputs] == [
        "output > 0 at Input 1",
        "output < 0 at Input 1",
        "output > 0 at Input 2",
        "output < 0 at Input 2",
    ]
    for t in outputs:
        i = int(t.name[-1]) - 1
        np.testing.assert_allclose(t.y, L3([[0.3], [0.7]][i])[0][list(t.customdata)])
    # the article's facts, read back from the figure: 3 positive at 0.3, 2 at 0.7
    assert [len(t.y) for t in outputs] == [3, 5, 2, 6]
    assert [t.marker.color for t in outputs] == [POSITIVE, NEGATIVE] * 2
    assert list(fig.layout.xaxis.range) == [-0.3, 1.5]
    assert list(fig.layout.yaxis.range) == [-1.0, 1.0]
    assert fig.layout.xaxis.title.text == "input x"
    assert "neuron output" in fig.layout.yaxis.title.text
    assert len(fig.layout.shapes) >= 4  # two half-planes + group boxes


def test_guidelines_inputs_have_distinct_markers_and_sign_is_filled_or_open():
    fig = guidelines_figure(L3, (0, 2), [0.3, 0.7])
    inputs = [t for t in fig.data if (t.name or "").startswith("Input")]
    outputs = [t for t in fig.data if (t.name or "").startswith("output ")]
    assert len({t.marker.symbol for t in inputs}) == 2
    symbols = {t.name: t.marker.symbol for t in outputs}
    assert symbols["output > 0 at Input 1"] != symbols["output > 0 at Input 2"]
    # sign by fill as well as colour: the negative marker is the open version of the positive
    for i in (1, 2):
        assert symbols[f"output < 0 at Input {i}"] == symbols[f"output > 0 at Input {i}"] + "-open"
    assert all(t.showlegend is not False for t in outputs)  # the positive marker is in the legend


def test_guidelines_title_counts_guides_and_legend_boundaries():
    fig = guidelines_figure(L3, (0, 2), [0.3, 0.7])
    assert "input(s)" not in fig.layout.title.text
    assert (
        fig.layout.title.text == "Guidelines of 8 neurons and their outputs at x = 0.3 and x = 0.7"
    )
    guides = [s for s in fig.layout.shapes if (s.name or "").startswith("guide at Input")]
    assert [g.x0 for g in guides] == [0.3, 0.7]
    counts = [a.text for a in fig.layout.annotations]
    assert any("3 positive" in t and "5 negative" in t for t in counts)
    assert all(a.yref == "paper" and a.y >= 1 for a in fig.layout.annotations)  # above the lines
    assert fig.data[0].name == f"neuron 0 (boundary {L3.boundary_points[0]:.3g})"


def test_neuron_colours_are_distinct_for_any_number_of_neurons():
    for m in (5, 8, 9, 24, 100):
        styles = {(neuron_colour(n, m), neuron_dash(n, m)) for n in range(m)}
        assert len(styles) == m
        if m > 9:
            assert len({neuron_colour(n, m) for n in range(m)}) == m
    # identity never uses the sign colours
    assert POSITIVE not in {neuron_colour(n) for n in range(9)}
    assert NEGATIVE not in {neuron_colour(n) for n in range(9)}


def test_many_neurons_legend_lists_every_neuron():
    layer = NeuronLayer.random(24, 2, seed=1)
    fig = boundaries_2d_figure(layer, ((-1.5, 1.5), (-1.5, 1.5)), x_title="s", y_title="t")
    named = {t.name.split(" (")[0] for t in fig.data if t.showlegend is not False and t.name}
    assert {f"neuron {n}" for n in range(24)} <= named
    assert fig.layout.legend.orientation == "h"
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("s", "t")


def test_boundaries_1d_marks_each_boundary_once_per_neuron_and_panel():
    fig = boundaries_1d_figure(L2, (-3.0, 5.0), (-2.0, 2.0))
    marks = [t for t in fig.data if t.mode == "markers" and t.x[0] is not None]
    crossings = L2.boundary_points
    inside = [n for n in range(5) if -3 <= crossings[n] <= 5]
    assert len(marks) == 2 * len(inside)  # on the guideline panel and on the sign strip
    for t in marks:
        n = int(t.legendgroup.split()[-1])
        assert t.x[0] == pytest.approx(crossings[n])
        assert t.marker.symbol == ("triangle-right" if L2.weight[n, 0] > 0 else "triangle-left")
        assert t.marker.color == neuron_colour(n, 5)
        assert "boundary: x =" in t.hovertext
    groups = {t.legendgroup for t in fig.data if t.legendgroup.startswith("neuron")}
    assert groups == {f"neuron {n}" for n in range(5)}
    # the legend names each boundary, and explains the marks
    names = [t.name for t in fig.data if t.showlegend is not False]
    for n in range(5):
        assert f"neuron {n} (boundary {crossings[n]:.3g})" in names
    assert any(name.startswith("boundary ▶ ◀") for name in names)
    assert {"strip: output y > 0", "strip: output y < 0"} <= set(names)


def test_boundaries_1d_shows_the_exact_intervals():
    fig = boundaries_1d_figure(L2, (-3.0, 5.0), guidelines=False)
    part = partition_1d(L2, (-3.0, 5.0))
    boxes = [t for t in fig.data if t.name.startswith("exact interval")]
    assert len(boxes) == part.n_intervals
    for j, t in enumerate(boxes):
        assert min(t.x) == part.breakpoints[j]
        assert max(t.x) == part.breakpoints[j + 1]
        assert f"positive: {np.flatnonzero(part.rows([j])[0] > 0).tolist()}" in t.text
    # no output axis without guidelines: the y axis names the lanes
    assert fig.layout.yaxis.ticktext[:2] == ("exact intervals", "neuron 0")
    assert fig.layout.title.text != boundaries_1d_figure(L2, (-3.0, 5.0)).layout.title.text


def test_boundaries_1d_sign_strips_follow_the_sign():
    fig = boundaries_1d_figure(L2, (-3.0, 5.0), guidelines=False)
    strips = [t for t in fig.data if t.fill == "toself" and t.name.startswith("neuron")]
    for t in strips:
        n = int(t.name.split()[-1])
        mid = (min(t.x) + max(t.x)) / 2
        s = L2.signs([mid])[0, n]
        assert ("positive" if s > 0 else "negative") in t.text


def test_boundaries_1d_domain_hatches_invalid_inputs():
    fig = boundaries_1d_figure(L2, domain=(0.0, np.inf))
    hatched = traces(fig, "invalid input")
    assert len(hatched) == 2  # the guideline panel and the sign strips, one legend entry
    assert [t.showlegend for t in hatched].count(True) == 1
    assert all(t.fillpattern.shape == "/" and max(t.x) == 0.0 for t in hatched)


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
    lines = [t for t in fig.data if isinstance(t, go.Scatter3d) and t.x[0] is not None]
    assert len(lines) == 10  # each boundary on the input plane and on the floor
    floor = fig.layout.scene.zaxis.range[0]
    for t in lines:
        n = int(t.name.split()[1])
        np.testing.assert_allclose(
            np.column_stack([t.x, t.y]) @ L8.weight[n] + L8.bias[n], 0, atol=1e-9
        )
        assert t.line.color == neuron_colour(n, 5)
    on_floor = [t for t in lines if t.showlegend]
    assert len(on_floor) == 5
    assert all(t.z[0] < min(m.z.min() for m in meshes) and t.z[0] >= floor for t in on_floor)
    # planes are coloured by neuron, not by sign
    for t in meshes:
        assert t.color == neuron_colour(int(t.name.split()[1]), 5)


def test_boundaries_2d_names_regions_and_transition():
    regions = {"Region1": [[4, 6], [6, 8]], "Region2": [[0, 1], [6, 8]]}
    fig = boundaries_2d_figure(L8, ((-2, 10), (-2, 10)), regions=regions)
    assert "14 regions" in fig.layout.title.text
    assert "Region1 to Region2 flips neuron 1" in fig.layout.title.subtitle.text
    assert fig.layout.xaxis.title.text == "input x₁"
    assert fig.layout.yaxis.title.text == "input x₂"  # the original said "Neuron Output"
    regions = traces(fig, "region ")
    arr = nb_arrangement(L8)
    assert len(regions) == 14
    assert all(t.showlegend is False for t in regions)  # no ghost "region 0" legend entry
    for r, t in enumerate(regions):
        signs = arr.signs_of(r)[0]
        assert t.text.startswith(f"region {r}: {int((signs > 0).sum())} of 5 neurons positive")
        assert f"positive: {np.flatnonzero(signs > 0).tolist()}" in t.text
    # regions with more positive neurons are darker
    counts = [int((arr.signs_of(r)[0] > 0).sum()) for r in range(14)]
    shade = [int(t.fillcolor[4:].split(",")[0]) for t in regions]
    assert all(
        (a < b) == (sa > sb)
        for a, sa in zip(counts, shade, strict=False)
        for b, sb in zip(counts, shade, strict=False)
        if a != b
    )
    assert len(fig.layout.shapes) == 2
    # every neuron line has a white casing under it, so it stays visible over its own band
    casings = traces(fig, "neuron 1 (casing)")
    assert len(casings) == 1
    assert casings[0].line.color == "white"


def test_two_neurons_panels():
    fig = two_neurons_figure(
        NeuronLayer([[1.0], [-0.6]], [-0.3, 0.5]), NeuronLayer.random(2, 2, seed=0)
    )
    assert len(traces(fig, "1-D neuron")) == 2
    assert len(traces(fig, "invalid input")) == 1
    assert any(isinstance(t, go.Mesh3d) and t.name.startswith("2-D neuron") for t in fig.data)
    assert len(fig.layout.shapes) == 2  # positive and negative half-planes
    scene = fig.layout.scene
    assert scene.zaxis.title.text == "output y"
    for axis in (scene.xaxis, scene.yaxis):  # no tick at the box corner: labels cannot collide
        assert min(axis.tickvals) > -2
        assert max(axis.tickvals) < 2
    assert scene.domain.x == (0.0, 1.0)  # panels stacked: each has the full width
    assert {t.legend for t in fig.data if isinstance(t, (go.Mesh3d, go.Scatter3d))} == {"legend2"}
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
        (lambda: groups_figure(G3, neurons="some"), ValueError, "neurons must be None, 'all'"),
        (lambda: groups_figure(G3, neurons=[9]), ValueError, r"indices in \[0, 8\)"),
        (lambda: groups_figure(G3, valid=(1, 0)), ValueError, "valid must satisfy lo < hi"),
        (lambda: group_slider_figure(G3, levels=[2.0]), ValueError, "levels must be 1 or more"),
        (lambda: group_slider_figure(G3, max_steps=3), ValueError, "more than max_steps=3"),
    ],
)
def test_bad_figure_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


G3 = group_partition_1d(L3, (-0.3, 1.5))


def test_groups_figure_says_which_neurons_are_left_out_and_has_a_key():
    fig = groups_figure(G3, valid=(0.0, 1.5))
    member = G3.membership()
    never = np.flatnonzero(~member.any(axis=0)).tolist()
    assert never  # the seed-3 layer has neurons that are never positive on this window
    assert fig.layout.title.subtitle.text.startswith(
        f"not drawn: neurons {', '.join(map(str, never))}"
    )
    assert fig.data[0].xgap is None  # no white separator at every breakpoint
    names = [t.name for t in fig.data if t.showlegend]
    assert {"in the group", "not in the group"} <= set(names)
    assert any(n.startswith("outside the valid range [0, 1.5]") for n in names)
    everyone = groups_figure(G3, neurons="all")
    assert len(everyone.data[0].y) == 8
    assert not everyone.layout.title.subtitle.text


def test_group_slider_frames_follow_the_exact_groups():
    fig = group_slider_figure(G3, x_title="input x")
    k = G3.n_ranges
    assert len(fig.frames) == k == len(fig.layout.sliders[0].steps)
    for j, frame in enumerate(fig.frames):
        line, stay, enter, leave = frame.data
        x = (G3.breakpoints[j] + G3.breakpoints[j + 1]) / 2
        assert line.x == (x, x)
        ticks = fig.layout.yaxis.ticktext
        shown = {int(ticks[int(y)][1:]) for y in (*stay.y, *enter.y)}
        assert shown == set(G3.group(j))
        if j:
            assert {int(ticks[int(y)][1:]) for y in enter.y} == set(G3.entering(j).tolist())
            assert {int(ticks[int(y)][1:]) for y in leave.y} == set(G3.leaving(j).tolist())
        assert f"G(x) = {list(G3.group(j))}" in frame.layout.annotations[0].text
    step = fig.layout.sliders[0].steps[2]
    assert step.method == "animate"
    assert list(step.args[0]) == ["2"]
    keys = {t.name for t in fig.data if t.showlegend}
    assert {"in G(x)", "entering", "leaving"} <= keys
    # plotly.js cannot redraw a pattern fill during an animation (TypeError in the page)
    shaded = group_slider_figure(G3, valid=(0.0, 1.5))
    assert not [t for t in shaded.data if getattr(t, "fillpattern", None) and t.fillpattern.shape]
    assert any(t.name.startswith("outside the valid range") for t in shaded.data)


def test_group_slider_works_in_static_html(tmp_path):
    import plotly.io as pio

    html = pio.to_html(group_slider_figure(G3), include_plotlyjs=False, full_html=False)
    assert "Plotly.addFrames" in html or '"frames"' in html


def test_default_windows_hold_every_boundary_crossing():
    from neuronboundary.plotting.one_d import auto_x_range
    from neuronboundary.plotting.two_d import auto_box

    (x0, x1), (y0, y1) = auto_box(L8)
    w, b = L8.weight, L8.bias
    for i in range(5):
        for j in range(i + 1, 5):
            p = np.linalg.solve(w[[i, j]], -b[[i, j]])
            assert x0 < p[0] < x1
            assert y0 < p[1] < y1
    lo, hi = auto_x_range(L2)
    assert lo < min(L2.boundary_points.min(), 0)
    assert max(L2.boundary_points.max(), 0) < hi
    fig = boundaries_2d_figure(L8)  # no box: the default window, and the regions still exact
    assert list(fig.layout.xaxis.range) == [x0, x1]


def test_network_slice_classes_have_distinct_colours_and_markers_for_ten_classes():
    from neuronboundary import Network, arrangement_2d
    from neuronboundary.plotting import network_slice_figure

    net = Network.random([2, 12, 12, 10], seed=3)
    arr = arrangement_2d(net, ((-3, 3), (-3, 3)))
    rng = np.random.default_rng(0)
    fig = network_slice_figure(arr, rng.uniform(-3, 3, (50, 2)), np.arange(50) % 10)
    data = [tr for tr in fig.data if tr.mode == "markers"]
    assert len({tr.marker.color for tr in data}) == 10
    assert len({tr.marker.symbol for tr in data}) == 10
    fills = {tr.name: tr.fillcolor for tr in fig.data if tr.fillcolor}
    assert len(set(fills.values())) == len(fills)  # no two predicted classes share a fill
    by_class = {tr.name.split()[-1]: tr.marker.color for tr in data}
    for name, fill in fills.items():  # a class's points and regions share the hue
        assert fill.startswith("rgba(")
        assert by_class[name.split()[-1]] is not None


def test_network_slice_refuses_points_of_the_wrong_shape():
    from neuronboundary import Network, arrangement_2d
    from neuronboundary.plotting import network_slice_figure

    arr = arrangement_2d(Network.random([2, 4, 3], seed=0), ((-1, 1), (-1, 1)))
    with pytest.raises(ValueError, match=r"points must have shape \(n, 2\)"):
        network_slice_figure(arr, np.zeros((5, 3)))
    with pytest.raises(ValueError, match="labels must have one class per point"):
        network_slice_figure(arr, np.zeros((5, 2)), [0, 1])


# ---------------------------------------------------------------- regions of a 3-D box
def test_polytope_mesh_is_closed_and_independent_of_vertex_order():
    from neuronboundary.plotting.three_d import polytope_mesh

    rng = np.random.default_rng(0)
    pts = rng.normal(size=(40, 3))
    from scipy.spatial import ConvexHull

    verts = pts[ConvexHull(pts).vertices]
    v1, t1 = polytope_mesh(verts)
    v2, t2 = polytope_mesh(verts[rng.permutation(verts.shape[0])])
    np.testing.assert_array_equal(v1, v2)
    np.testing.assert_array_equal(t1, t2)
    edges = np.sort(np.vstack([t1[:, [0, 1]], t1[:, [1, 2]], t1[:, [2, 0]]]), axis=1)
    _, counts = np.unique(edges, axis=0, return_counts=True)
    assert (counts == 2).all()  # every edge borders two triangles: a closed surface
    area = 0.5 * np.linalg.norm(
        np.cross(v1[t1[:, 1]] - v1[t1[:, 0]], v1[t1[:, 2]] - v1[t1[:, 0]]), axis=1
    )
    assert area.sum() == pytest.approx(ConvexHull(verts).area)


def test_regions_3d_figure_slider_and_classes():
    import neuronboundary as nb
    from neuronboundary.plotting import regions_3d_figure

    found = nb.regions_in(nb.Network.random([3, 5, 5, 2], seed=1), ((-1, 1),) * 3)
    fig = regions_3d_figure(found, n_cuts=4, start=1.0)
    steps = fig.layout.sliders[0].steps
    assert len(steps) == 4
    assert all(steps[-1].args[0]["visible"])  # the last step shows every region
    assert all(tr.visible for tr in fig.data)
    names = {tr.name for tr in fig.data}
    assert names <= {"class 0", "class 1"}
    labels = np.zeros(found.n_regions, dtype=int)
    assert {tr.name for tr in regions_3d_figure(found, labels, class_names=["all"]).data} == {"all"}
    with pytest.raises(ValueError, match="one class per region"):
        regions_3d_figure(found, labels[:-1])
    with pytest.raises(TypeError, match="BoxRegions of a 3-D box"):
        regions_3d_figure(nb.regions_in(nb.NeuronLayer([[1.0, 0.0]], [0.1]), ((-1, 1),) * 2))


# ---------------------------------------------------------------- ordinary inputs in other forms
def _same(a: go.Figure, b: go.Figure) -> None:
    from neuronboundary.export import figure_json

    assert figure_json(a) == figure_json(b)  # as text: NaN breaks in lines compare equal


def test_figures_read_numbers_of_every_kind():
    import torch

    from neuronboundary import Network, arrangement_2d, regions_in, similarity
    from neuronboundary.plotting import (
        deep_guidelines_figure,
        network_slice_figure,
        regions_3d_figure,
        similarity_figure,
    )

    layer2 = NeuronLayer([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, -0.5])
    layer1 = NeuronLayer([[1.0], [-1.0], [2.0]], [0.0, 1.0, -1.0])
    box = ((-1, 1), (-1, 1))
    _same(
        boundaries_2d_figure(layer2, box, band=np.float32(0.25), max_region_traces=np.int64(9)),
        boundaries_2d_figure(layer2, box, band=0.25, max_region_traces=9),
    )
    # one input as a number, a numpy scalar or a 0-d array; None marks none
    plain = guidelines_figure(layer1, (-1, 2), inputs=[0.5])
    for one in (0.5, np.float32(0.5), np.array(0.5), torch.tensor(0.5, requires_grad=True)):
        _same(guidelines_figure(layer1, (-1, 2), inputs=one), plain)
    _same(guidelines_figure(layer1, (-1, 2), inputs=None), guidelines_figure(layer1, (-1, 2)))
    # neurons: one index of any integer kind, a mask, a slice or a negative index
    part = partition_1d(Network.random([1, 4, 3, 1], seed=0), (-2.0, 2.0))
    two = deep_guidelines_figure(part, 1, neurons=[2])
    for n in (2, np.int64(2), torch.tensor(2), [False, False, True], slice(2, 3), [-1]):
        _same(deep_guidelines_figure(part, 1, neurons=n), two)
    both = deep_guidelines_figure(part, 1, neurons=[0, 2])
    _same(deep_guidelines_figure(part, 1, neurons=np.array([True, False, True])), both)
    gp = group_partition_1d(layer1, (-1.0, 2.0))
    _same(groups_figure(gp, neurons=1), groups_figure(gp, neurons=[1]))
    _same(groups_figure(gp, neurons=np.int64(1)), groups_figure(gp, neurons=[1]))
    _same(groups_figure(gp, neurons=[True, False, True]), groups_figure(gp, neurons=[0, 2]))
    _same(
        group_slider_figure(gp, max_steps=torch.tensor(10)), group_slider_figure(gp, max_steps=10)
    )
    # similarity: a tensor that requires grad, and any permutation as the order
    sim = similarity(layer2, "weight")
    _same(similarity_figure(torch.tensor(sim, requires_grad=True)), similarity_figure(sim))
    fig = similarity_figure(sim, order=torch.tensor([2, 0, 1]))
    assert list(fig.data[0].x) == ["n2", "n0", "n1"]
    np.testing.assert_array_equal(np.array(fig.data[0].z), sim[np.ix_([2, 0, 1], [2, 0, 1])])
    # valid_from as a tensor that requires grad
    _same(
        two_neurons_figure(layer1, L8, valid_from=torch.tensor(0.5, requires_grad=True)),
        two_neurons_figure(layer1, L8, valid_from=0.5),
    )
    # class labels stored as whole floats are the integer classes
    arr = arrangement_2d(Network.random([2, 6, 4, 3], seed=0), box)
    pts = [[0.1, 0.2], [0.3, -0.4], [-0.5, 0.5]]
    as_float = network_slice_figure(arr, pts, np.array([1.0, 2.0, 2.0]))
    _same(as_float, network_slice_figure(arr, pts, [1, 2, 2]))
    assert "data, class 1" in [t.name for t in as_float.data]
    found = regions_in(Network.random([3, 5, 5, 2], seed=1), ((-1, 1),) * 3)
    ints = np.arange(found.n_regions) % 2
    _same(
        regions_3d_figure(found, torch.tensor(ints.astype(float), requires_grad=True)),
        regions_3d_figure(found, ints),
    )
    _same(regions_3d_figure(found, n_cuts=np.int64(3)), regions_3d_figure(found, n_cuts=3))
    _same(regions_3d_figure(found, n_cuts=torch.tensor(3)), regions_3d_figure(found, n_cuts=3))


def test_region_partly_outside_the_box_is_kept_and_its_inside_part_named():
    layer2 = NeuronLayer([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, -0.5])
    fig = boundaries_2d_figure(
        layer2,
        ((-1, 1), (-1, 1)),
        regions={"A": ((-0.9, -0.5), (-0.9, -0.5)), "B": ((0.5, 6), (0.5, 6))},
    )
    assert fig.layout.title.subtitle.text == "moving from A to B flips neurons [0, 1, 2]"
    assert [s.name for s in fig.layout.shapes] == ["A", "B"]
