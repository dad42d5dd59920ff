"""The article's Figure 1, drawn from data: two neurons reading a 1-D input (with the invalid
negative-input half hatched) and two neurons reading a 2-D input (planes in 3-D)."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from neuronboundary._validate import interval as read_interval
from neuronboundary.arrangement import read_box
from neuronboundary.layer import NeuronLayer
from neuronboundary.plotting._style import (
    NEGATIVE,
    NEGATIVE_FILL,
    POSITIVE,
    POSITIVE_FILL,
    TEMPLATE,
    neuron_colour,
    neuron_hover,
)
from neuronboundary.plotting.one_d import _add_invalid
from neuronboundary.plotting.two_d import X1_TITLE, X2_TITLE, planes_figure

__all__ = ["two_neurons_figure"]


def two_neurons_figure(
    layer_1d: NeuronLayer,
    layer_2d: NeuronLayer,
    x_range: Any = (-2.0, 2.0),
    box: Any = ((-2.0, 2.0), (-2.0, 2.0)),
    *,
    valid_from: float | None = 0.0,
    title: str | None = None,
) -> go.Figure:
    """Two panels: neurons of a 1-D input as lines (left), of a 2-D input as planes (right).

    Left: positive outputs shaded in one colour, negative in the other, and inputs below
    ``valid_from`` hatched as invalid (inputs that follow a ReLU are never negative; pass
    ``None`` for a GELU-like input where every value is valid). Right: the planes of the 2-D
    layer over ``box`` split at their zero lines, with the input plane highlighted.

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
    fig = make_subplots(
        rows=1,
        cols=2,
        specs=[[{"type": "xy"}, {"type": "scene"}]],
        subplot_titles=(
            f"{layer_1d.n_neurons} neurons, 1-D input: lines",
            f"{layer_2d.n_neurons} neurons, 2-D input: planes",
        ),
        column_widths=[0.45, 0.55],
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
    fig.add_annotation(
        x=x_range[1],
        y=lim * 0.9,
        text="positive",
        showarrow=False,
        xanchor="right",
        font=dict(color=POSITIVE),
        row=1,
        col=1,
    )
    fig.add_annotation(
        x=x_range[1],
        y=-lim * 0.9,
        text="negative",
        showarrow=False,
        xanchor="right",
        font=dict(color=NEGATIVE),
        row=1,
        col=1,
    )
    if valid_from is not None and valid_from > x_range[0]:
        _add_invalid(fig, (x_range[0], min(valid_from, x_range[1])), (-lim, lim), row=1, col=1)
    xs = np.array(x_range)
    for n in range(layer_1d.n_neurons):
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=layer_1d.weight[n, 0] * xs + layer_1d.bias[n],
                mode="lines",
                line=dict(color=neuron_colour(n), width=3),
                name=f"1-D neuron {n}",
                hovertemplate=neuron_hover(layer_1d, n)
                + "<br>x = %{x:.3g}, y = %{y:.3g}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    for trace in planes_figure(layer_2d, bx).data:
        if trace.name and trace.name.startswith("neuron"):
            trace.name = "2-D " + trace.name
            trace.legendgroup = "2-D " + trace.legendgroup
        fig.add_trace(trace, row=1, col=2)
    fig.update_xaxes(title_text="input x", range=list(x_range), row=1, col=1)
    fig.update_yaxes(title_text="neuron output y = w·x + b", range=[-lim, lim], row=1, col=1)
    fig.update_layout(
        template=TEMPLATE,
        title=dict(text=title or "Neurons as lines (1-D input) and planes (2-D input)", x=0.02),
        scene=dict(
            xaxis_title=X1_TITLE, yaxis_title=X2_TITLE, zaxis_title="output y", aspectmode="cube"
        ),
        width=1200,
        height=600,
    )
    return fig
