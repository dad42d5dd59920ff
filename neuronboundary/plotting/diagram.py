"""The article's Figure 1, drawn from data: two neurons reading a 1-D input (with the invalid
negative-input half hatched) above two neurons reading a 2-D input (planes in 3-D)."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from neuronboundary._validate import as_float, read_box
from neuronboundary._validate import interval as read_interval
from neuronboundary.network import NeuronLayer
from neuronboundary.plotting._style import (
    NEGATIVE,
    NEGATIVE_FILL,
    POSITIVE,
    POSITIVE_FILL,
    TEMPLATE,
    neuron_colour,
    neuron_dash,
    neuron_hover,
)
from neuronboundary.plotting.one_d import _add_invalid, boundary_label
from neuronboundary.plotting.two_d import X1_TITLE, X2_TITLE, planes_figure

__all__ = ["interior_ticks", "two_neurons_figure"]


def two_neurons_figure(
    layer_1d: NeuronLayer,
    layer_2d: NeuronLayer,
    x_range: Any = (-2.0, 2.0),
    box: Any = ((-2.0, 2.0), (-2.0, 2.0)),
    *,
    valid_from: float | None = 0.0,
    title: str | None = None,
) -> go.Figure:
    """Two panels: neurons of a 1-D input as lines (top), of a 2-D input as planes (bottom).

    Top: positive outputs shaded in one colour, negative in the other, and inputs below
    ``valid_from`` hatched as invalid (inputs that follow a ReLU are never negative; pass
    ``None`` for a GELU-like input where every value is valid). Bottom: the planes of the 2-D
    layer over ``box`` (see :func:`~neuronboundary.plotting.planes_figure`), each in its neuron's
    colour, opaque where positive, faint where negative, with the input plane and the
    boundaries projected on a floor. The panels are stacked so that each keeps the page
    column's full width; each has its own legend.

    Examples
    --------
    >>> from neuronboundary import NeuronLayer
    >>> fig = two_neurons_figure(NeuronLayer([[1.0], [-0.5]], [0.2, 0.4]), NeuronLayer.random(2, 2, seed=0))
    >>> fig.layout.xaxis.title.text
    'input x'
    """
    for name, layer, d in (("layer_1d", layer_1d, 1), ("layer_2d", layer_2d, 2)):
        if not isinstance(layer, NeuronLayer) or layer.in_dim != d:
            raise ValueError(f"{name} must be a NeuronLayer with in_dim={d}; got {layer!r}.")
    x_range = read_interval(x_range, "x_range")
    bx = read_box(box)
    if valid_from is not None:
        valid_from = as_float(valid_from, "valid_from (pass None if every input is valid)")
    m1 = layer_1d.n_neurons
    # one panel above the other: each gets the full width of a narrow page column
    fig = make_subplots(
        rows=2,
        cols=1,
        specs=[[{"type": "xy"}], [{"type": "scene"}]],
        subplot_titles=(
            f"{m1} neurons, 1-D input: lines",
            f"{layer_2d.n_neurons} neurons, 2-D input: planes",
        ),
        row_heights=[0.42, 0.58],
        vertical_spacing=0.17,
    )
    ys = layer_1d(np.array(x_range))
    lim = float(np.abs(ys).max()) * 1.1 or 1.0
    # exclude_empty_subplots=False: the panel has no trace yet, and plotly would skip it
    for y0, y1, colour in ((0, lim, POSITIVE_FILL), (-lim, 0, NEGATIVE_FILL)):
        fig.add_hrect(
            y0=y0,
            y1=y1,
            fillcolor=colour,
            line_width=0,
            layer="below",
            row=1,
            col=1,
            exclude_empty_subplots=False,
        )
    for y, text, colour in (
        (lim * 0.9, "output > 0", POSITIVE),
        (-lim * 0.9, "output < 0", NEGATIVE),
    ):
        fig.add_annotation(
            x=x_range[1],
            y=y,
            text=text,
            showarrow=False,
            xanchor="right",
            font=dict(color=colour),
            row=1,
            col=1,
        )
    if valid_from is not None and valid_from > x_range[0]:
        _add_invalid(fig, (x_range[0], min(valid_from, x_range[1])), (-lim, lim), row=1, col=1)
    xs = np.array(x_range)
    for n in range(m1):
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=layer_1d.weight[n, 0] * xs + layer_1d.bias[n],
                mode="lines",
                line=dict(color=neuron_colour(n, m1), width=3, dash=neuron_dash(n, m1)),
                name=f"1-D {boundary_label(layer_1d, n)}",
                hovertemplate=neuron_hover(layer_1d, n)
                + "<br>x = %{x:.3g}, y = %{y:.3g}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    planes = planes_figure(layer_2d, bx)
    for trace in planes.data:
        if trace.name and trace.name.startswith("neuron"):
            trace.name = "2-D " + trace.name
            trace.legendgroup = "2-D " + trace.legendgroup
        trace.legend = "legend2"
        fig.add_trace(trace, row=2, col=1)
    scene = planes.layout.scene.to_plotly_json()
    for axis, (lo, hi) in (("xaxis", bx[0]), ("yaxis", bx[1])):
        # ticks strictly inside the box: the two axes' end labels never meet at a corner
        scene[axis]["tickvals"] = interior_ticks(lo, hi)
    scene["xaxis"]["title"] = dict(text=X1_TITLE)
    scene["yaxis"]["title"] = dict(text=X2_TITLE)
    scene["zaxis"]["title"] = dict(text="output y")
    scene["zaxis"]["nticks"] = 5
    # a little further away than planes_figure: the z title needs room inside the panel
    scene["camera"] = dict(eye=dict(x=1.45, y=-1.45, z=0.8), center=dict(x=0.0, y=0.0, z=-0.08))
    scene["aspectratio"] = dict(x=1, y=1, z=0.75)
    fig.update_xaxes(title_text="input x", range=list(x_range), row=1, col=1)
    fig.update_yaxes(title_text="neuron output y = w·x + b", range=[-lim, lim], row=1, col=1)
    fig.update_layout(
        template=TEMPLATE,
        title=dict(text=title or "Neurons as lines (1-D input) and planes (2-D input)", x=0.02),
        scene=scene,
        # each panel's legend in a row under it: both panels keep the column's full width
        legend=dict(orientation="h", x=0, y=fig.layout.yaxis.domain[0] - 0.075, yanchor="top"),
        legend2=dict(orientation="h", x=0, y=0, yanchor="top"),
        width=900,
        height=1080,
        margin=dict(l=70, r=30, t=80, b=90),
    )
    return fig


def interior_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values strictly inside ``(lo, hi)``.

    >>> interior_ticks(-2.0, 2.0)
    [-1.0, 0.0, 1.0]
    """
    raw = (hi - lo) / n
    mag = 10 ** np.floor(np.log10(raw))
    step = min((s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw), default=10 * mag)
    first = np.ceil(lo / step) * step
    ticks = np.arange(first, hi + step / 2, step)
    inside = ticks[(ticks > lo + 0.25 * step) & (ticks < hi - 0.25 * step)]
    return [float(v) + 0.0 for v in np.round(inside, 12)]
