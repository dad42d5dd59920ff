"""Figures of neurons over a 2-D input: planes in 3-D, and boundary lines in the input plane with
the exact regions of the arrangement and highlighted input regions."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from neuronboundary.arrangement import arrangement_2d, read_box
from neuronboundary.layer import NeuronLayer, check_layer
from neuronboundary.plotting._style import (
    NEGATIVE,
    NEGATIVE_BAND,
    POSITIVE,
    POSITIVE_BAND,
    TEMPLATE,
    neuron_colour,
    neuron_hover,
    new_figure,
)
from neuronboundary.polygons import boundary_segments, box_polygon, clip_halfplane

__all__ = ["boundaries_2d_figure", "planes_figure"]

X1_TITLE = "input x₁"
X2_TITLE = "input x₂"


def _fan(polygon: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Triangle fan of a convex polygon: index arrays i, j, k for Mesh3d."""
    k = polygon.shape[0]
    return np.zeros(k - 2, dtype=int), np.arange(1, k - 1), np.arange(2, k)


def planes_figure(
    layer: NeuronLayer, box: Any = ((-2.0, 10.0), (-2.0, 10.0)), *, title: str | None = None
) -> go.Figure:
    """Every neuron's plane ``y = w1 x1 + w2 x2 + b`` over the box, split exactly at its zero line
    into a positive part and a negative part, with the zero line drawn on the input plane
    (z = 0), which is shown too.

    Parameters
    ----------
    layer : NeuronLayer with in_dim == 2
    box : ((x1_lo, x1_hi), (x2_lo, x2_hi))

    Returns
    -------
    plotly.graph_objects.Figure (3-D scene): the z = 0 plane, then per neuron up to two Mesh3d
    parts (positive, negative) and its zero line.

    Examples
    --------
    >>> from neuronboundary import NeuronLayer
    >>> fig = planes_figure(NeuronLayer.random(5, 2, seed=8))
    >>> fig.layout.scene.xaxis.title.text
    'input x₁'
    """
    check_layer(layer, "planes_figure", in_dim=2)
    bx = read_box(box)
    square = box_polygon(bx)
    fig = go.Figure()
    fig.update_layout(
        template=TEMPLATE,
        title=dict(text=title or f"{layer.n_neurons} neuron planes over a 2-D input", x=0.02),
        scene=dict(
            xaxis_title=X1_TITLE,
            yaxis_title=X2_TITLE,
            zaxis_title="neuron output y = w·x + b",
            aspectmode="cube",
        ),
        height=700,
    )
    i, j, k = _fan(square)
    fig.add_trace(
        go.Mesh3d(
            x=square[:, 0],
            y=square[:, 1],
            z=np.zeros(4),
            i=i,
            j=j,
            k=k,
            color="#BBBBBB",
            opacity=0.35,
            name="input plane (y = 0)",
            showlegend=True,
            hoverinfo="name",
        )
    )
    segments = boundary_segments(layer, bx)
    for n in range(layer.n_neurons):
        hover = neuron_hover(layer, n)
        group = f"neuron {n}"
        for side, colour in ((1, POSITIVE), (-1, NEGATIVE)):
            part = clip_halfplane(square, layer.weight[n], layer.bias[n], side)
            if part.shape[0] < 3 or abs(_area(part)) == 0:
                continue
            z = part @ layer.weight[n] + layer.bias[n]
            i, j, k = _fan(part)
            fig.add_trace(
                go.Mesh3d(
                    x=part[:, 0],
                    y=part[:, 1],
                    z=z,
                    i=i,
                    j=j,
                    k=k,
                    color=colour,
                    opacity=0.55,
                    name=f"{group} ({'positive' if side > 0 else 'negative'})",
                    legendgroup=group,
                    showlegend=False,
                    hovertext=hover + f"<br>{'positive' if side > 0 else 'negative'} part",
                    hoverinfo="text",
                    flatshading=True,
                )
            )
        seg = segments[n]
        if not np.isnan(seg).any():
            fig.add_trace(
                go.Scatter3d(
                    x=seg[:, 0],
                    y=seg[:, 1],
                    z=[0.0, 0.0],
                    mode="lines",
                    line=dict(color=neuron_colour(n), width=6),
                    name=group,
                    legendgroup=group,
                    showlegend=True,  # the legend shows each neuron by its own colour
                    hovertext=hover,
                    hoverinfo="text",
                )
            )
    return fig


def _area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def boundaries_2d_figure(
    layer: NeuronLayer,
    box: Any = ((-2.0, 10.0), (-2.0, 10.0)),
    *,
    regions: dict[str, Any] | None = None,
    band: float | None = None,
    show_arrangement: bool = True,
    max_region_traces: int = 2000,
    title: str | None = None,
) -> go.Figure:
    """Every neuron's boundary line in the input plane, with a band on its positive side and one
    on its negative side, the exact regions of constant sign pattern, and highlighted regions.

    Parameters
    ----------
    layer : NeuronLayer with in_dim == 2
    box : ((x1_lo, x1_hi), (x2_lo, x2_hi))
    regions : ``{"Region1": ((x1_lo, x1_hi), (x2_lo, x2_hi)), ...}`` rectangles to highlight;
        with two or more, the neurons that flip between the first two are named in the title
    band : band width (default 1.2 % of the box diagonal)
    show_arrangement : fill each exact region, hover gives its sign pattern
        (only when there are at most ``max_region_traces`` regions)

    Examples
    --------
    >>> from neuronboundary import NeuronLayer
    >>> fig = boundaries_2d_figure(NeuronLayer.random(5, 2, seed=8))
    >>> fig.layout.xaxis.title.text, fig.layout.yaxis.title.text
    ('input x₁', 'input x₂')
    """
    check_layer(layer, "boundaries_2d_figure", in_dim=2)
    bx = read_box(box)
    (x0, x1), (y0, y1) = bx
    width = float(band) if band is not None else 0.012 * float(np.hypot(x1 - x0, y1 - y0))
    arr = arrangement_2d(layer, bx)
    fig = new_figure(title or "", X1_TITLE, X2_TITLE)
    if show_arrangement and arr.n_regions <= max_region_traces:
        for r in range(arr.n_regions):
            poly = arr.polygon_vertices[arr.vertex_offsets[r] : arr.vertex_offsets[r + 1]]
            signs = arr.signs_of(r)[0]
            fig.add_trace(
                go.Scatter(
                    x=np.append(poly[:, 0], poly[0, 0]),
                    y=np.append(poly[:, 1], poly[0, 1]),
                    mode="lines",
                    fill="toself",
                    fillcolor="rgba(0,0,0,0.02)",
                    line=dict(color="rgba(0,0,0,0.15)", width=0.5),
                    name=f"region {r}",
                    legendgroup="regions",
                    showlegend=r == 0,
                    legendgrouptitle_text="exact regions" if r == 0 else None,
                    hoveron="fills",
                    hoverinfo="text",
                    text=(
                        f"region {r} (area {arr.areas[r]:.3g})<br>positive: {np.flatnonzero(signs > 0).tolist()}"
                        f"<br>negative: {np.flatnonzero(signs < 0).tolist()}"
                    ),
                )
            )
    segments = boundary_segments(layer, bx)
    normals, _ = layer.hyperplanes()
    for n in range(layer.n_neurons):
        seg = segments[n]
        if np.isnan(seg).any():
            continue
        group = f"neuron {n}"
        hover = neuron_hover(layer, n)
        for side, colour in ((1, POSITIVE_BAND), (-1, NEGATIVE_BAND)):
            off = side * width * normals[n]
            quad = np.array([seg[0], seg[1], seg[1] + off, seg[0] + off, seg[0]])
            fig.add_trace(
                go.Scatter(
                    x=quad[:, 0],
                    y=quad[:, 1],
                    mode="lines",
                    fill="toself",
                    fillcolor=colour,
                    line=dict(width=0),
                    name=group,
                    legendgroup=group,
                    showlegend=False,
                    hoverinfo="text",
                    text=hover + f"<br>{'positive' if side > 0 else 'negative'} side",
                )
            )
        fig.add_trace(
            go.Scatter(
                x=seg[:, 0],
                y=seg[:, 1],
                mode="lines",
                line=dict(color=neuron_colour(n), width=3),
                name=group,
                legendgroup=group,
                hovertext=hover,
                hoverinfo="text",
            )
        )
    named = list((regions or {}).items())
    for name, rect in named:
        (rx0, rx1), (ry0, ry1) = read_box(rect, f"regions[{name!r}]")
        fig.add_shape(
            type="rect",
            x0=rx0,
            x1=rx1,
            y0=ry0,
            y1=ry1,
            line=dict(color="black", width=2, dash="dash"),
            fillcolor="rgba(0,158,115,0.18)",
            name=name,
        )
        fig.add_annotation(x=(rx0 + rx1) / 2, y=ry1, text=name, showarrow=False, yanchor="bottom")
    heading = title or f"Input boundaries of {layer.n_neurons} neurons: {arr.n_regions} regions"
    if len(named) >= 2 and title is None:
        centres = [np.mean(read_box(rect), axis=1) for _, rect in named[:2]]
        flips = arr.transition(centres[0], centres[1]).tolist()
        heading += f"; {named[0][0]} → {named[1][0]} flips neuron(s) {flips}"
    fig.update_layout(title=dict(text=heading))
    fig.update_xaxes(range=[x0, x1], constrain="domain")
    fig.update_yaxes(range=[y0, y1], scaleanchor="x", scaleratio=1)
    return fig
