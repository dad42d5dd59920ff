"""Figures of neurons over a 1-D input: guidelines, outputs at chosen inputs with their groups,
boundaries with the side on which each neuron is positive, and highlighted input regions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from neuronboundary._validate import finite_vector
from neuronboundary._validate import interval as read_interval
from neuronboundary.layer import NeuronLayer, check_layer
from neuronboundary.partition import partition_1d
from neuronboundary.plotting._style import (
    INPUT_SYMBOLS,
    NEGATIVE,
    NEGATIVE_BAND,
    NEGATIVE_FILL,
    POSITIVE,
    POSITIVE_BAND,
    POSITIVE_FILL,
    neuron_colour,
    neuron_hover,
    new_figure,
    sign_colour,
    sign_symbol,
)

__all__ = ["boundaries_1d_figure", "guidelines_figure"]

X_TITLE = "input x"
Y_TITLE = "neuron output y = w·x + b (before activation)"


def _add_halfplanes(fig: go.Figure, y_lim: tuple[float, float]) -> None:
    """Shade y > 0 (positive outputs) and y < 0 (negative outputs) as background bands."""
    lo, hi = y_lim
    pad = (hi - lo) * 10
    fig.add_hrect(y0=0, y1=hi + pad, fillcolor=POSITIVE_FILL, line_width=0, layer="below")
    fig.add_hrect(y0=lo - pad, y1=0, fillcolor=NEGATIVE_FILL, line_width=0, layer="below")


def _add_guidelines(fig: go.Figure, layer: NeuronLayer, x_range: tuple[float, float]) -> None:
    xs = np.array(x_range)
    for n in range(layer.n_neurons):
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=layer.weight[n, 0] * xs + layer.bias[n],
                mode="lines",
                name=f"neuron {n}",
                legendgroup=f"neuron {n}",
                line=dict(color=neuron_colour(n), width=2),
                hovertemplate=neuron_hover(layer, n)
                + "<br>x = %{x:.3g}, y = %{y:.3g}<extra></extra>",
            )
        )


def guidelines_figure(
    layer: NeuronLayer,
    x_range: Sequence[float] = (0.0, 2.0),
    inputs: Sequence[float] = (),
    view: tuple[Sequence[float], Sequence[float]] | None = None,
    *,
    title: str | None = None,
    group_boxes: bool = True,
) -> go.Figure:
    """Every neuron's guideline ``y = w x + b`` and, at chosen inputs, each neuron's output.

    Outputs are coloured and shaped by sign; the positive and negative group of each input is
    boxed; the half-planes y > 0 and y < 0 are shaded (the article's Figure 2).

    Parameters
    ----------
    layer : NeuronLayer with in_dim == 1, m neurons
    x_range : (lo, hi), where the guidelines are drawn
    inputs : input values to mark (each gets its own marker symbol)
    view : ((x_lo, x_hi), (y_lo, y_hi)), the initial view; default: x_range and the outputs
    title : figure title
    group_boxes : box each input's positive and negative group

    Returns
    -------
    plotly.graph_objects.Figure
        m guideline traces, then per input one input marker and one trace of m outputs.

    Examples
    --------
    >>> from neuronboundary import NeuronLayer
    >>> fig = guidelines_figure(NeuronLayer.random(8, 1, seed=3), inputs=[0.3, 0.7])
    >>> len(fig.data)  # 8 guidelines + 2 x (input marker + outputs)
    12
    """
    check_layer(layer, "guidelines_figure", in_dim=1)
    x_range = read_interval(x_range, "x_range")
    xs = finite_vector(inputs, "inputs") if len(inputs) else np.zeros(0)
    if view is None:
        ys = np.concatenate([layer(np.array(x_range)).ravel(), [0.0]])
        pad = 0.05 * (ys.max() - ys.min() or 1.0)
        view = (x_range, (ys.min() - pad, ys.max() + pad))
    vx = read_interval(view[0], "view x")
    vy = read_interval(view[1], "view y")
    fig = new_figure(
        title or f"{layer.n_neurons} neuron guidelines and their outputs at {len(xs)} input(s)",
        X_TITLE,
        Y_TITLE,
    )
    _add_halfplanes(fig, vy)
    _add_guidelines(fig, layer, x_range)
    if len(xs) > len(INPUT_SYMBOLS):
        raise ValueError(
            f"inputs: at most {len(INPUT_SYMBOLS)} inputs can be marked; got {len(xs)}."
        )
    outputs = layer(xs) if len(xs) else np.zeros((0, layer.n_neurons))
    signs = layer.signs(xs) if len(xs) else np.zeros((0, layer.n_neurons), dtype=np.int8)
    span = vx[1] - vx[0]
    for i, (x, y, s) in enumerate(zip(xs, outputs, signs, strict=True)):
        label = f"Input {i + 1} (x = {x:g})"
        positive = np.flatnonzero(s > 0).tolist()
        negative = np.flatnonzero(s < 0).tolist()
        fig.add_trace(
            go.Scatter(
                x=[x],
                y=[0.0],
                mode="markers",
                name=label,
                legendgroup=label,
                marker=dict(symbol=INPUT_SYMBOLS[i], size=16, color="black", line=dict(width=2)),
                hovertemplate=f"{label}<br>positive: {positive}<br>negative: {negative}<extra></extra>",
            )
        )
        hover = [
            neuron_hover(layer, n) + f"<br>output at {label}: {y[n]:.4g}"
            for n in range(layer.n_neurons)
        ]
        fig.add_trace(
            go.Scatter(
                x=np.full(layer.n_neurons, x),
                y=y,
                mode="markers",
                name=f"outputs at Input {i + 1}",
                legendgroup=label,
                marker=dict(
                    size=11,
                    color=[sign_colour(v) for v in s],
                    symbol=[sign_symbol(v) for v in s],
                    line=dict(color="white", width=1),
                ),
                hovertext=hover,
                hoverinfo="text",
            )
        )
        if group_boxes:
            for members, colour, name in (
                (positive, POSITIVE, "positive"),
                (negative, NEGATIVE, "negative"),
            ):
                if not members:
                    continue
                lo, hi = y[members].min(), y[members].max()
                pad = 0.03 * (vy[1] - vy[0])
                fig.add_shape(
                    type="rect",
                    x0=x - 0.02 * span,
                    x1=x + 0.02 * span,
                    y0=lo - pad,
                    y1=hi + pad,
                    line=dict(color=colour, width=1.5, dash="dot"),
                    name=f"{name} group of Input {i + 1}",
                )
                fig.add_annotation(
                    x=x + 0.02 * span,
                    y=hi + pad if name == "positive" else lo - pad,
                    text=f"{len(members)} {name}",
                    showarrow=False,
                    xanchor="left",
                    yanchor="bottom" if name == "positive" else "top",
                    font=dict(color=colour, size=11),
                )
    fig.update_xaxes(range=list(vx))
    fig.update_yaxes(range=list(vy))
    return fig


def boundaries_1d_figure(
    layer: NeuronLayer,
    x_range: Sequence[float] = (-3.0, 5.0),
    y_range: Sequence[float] = (-2.0, 2.0),
    *,
    guidelines: bool = True,
    regions: dict[str, Sequence[float]] | None = None,
    domain: Sequence[float] | None = None,
    band: float | None = None,
    title: str | None = None,
) -> go.Figure:
    """Each neuron's input boundary ``x = -b/w`` on the input axis, with the side where it is
    positive, optionally its guideline, and highlighted input regions with their groups.

    The boundary is a triangle pointing to the positive side (right when w > 0, left when
    w < 0; its colour also gives the slope sign), with a short band on each side coloured by the
    neuron's sign there. Each neuron has one legend group. A region that lies inside one
    sub-interval of the exact partition is labelled with its positive neurons.

    Parameters
    ----------
    layer : NeuronLayer with in_dim == 1
    x_range, y_range : the window
    guidelines : draw ``y = w x + b`` too
    regions : ``{"Region1": (lo, hi), ...}`` input ranges to highlight
    domain : (lo, hi) valid inputs; the rest of the window is hatched "invalid" (e.g. x < 0
        after a ReLU)
    band : length of each side band (default 4 % of the window)

    Examples
    --------
    >>> from neuronboundary import NeuronLayer
    >>> fig = boundaries_1d_figure(NeuronLayer.random(5, 1, seed=2))
    >>> sum(t.name == "neuron 0" for t in fig.data)  # guideline, boundary and two bands
    4
    """
    check_layer(layer, "boundaries_1d_figure", in_dim=1)
    x_range = read_interval(x_range, "x_range")
    y_range = read_interval(y_range, "y_range")
    band = float(band) if band is not None else 0.04 * (x_range[1] - x_range[0])
    fig = new_figure(
        title or f"Input boundaries of {layer.n_neurons} neurons",
        X_TITLE,
        Y_TITLE if guidelines else "",
    )
    if not guidelines:
        fig.update_yaxes(showticklabels=False, zeroline=True)
    if guidelines:
        _add_guidelines(fig, layer, x_range)
    part = partition_1d(layer, x_range)
    crossing = layer.boundary_points
    slope = layer.slope_signs
    step = 0.06 * (y_range[1] - y_range[0])
    for n in range(layer.n_neurons):
        c = crossing[n]
        group = f"neuron {n}"
        if np.isnan(c) or not x_range[0] <= c <= x_range[1]:
            continue
        level = -step * (1 + n % 4) * 0.5  # stagger bands so ties stay visible
        hover = neuron_hover(layer, n)
        for side, colour in ((1, POSITIVE_BAND), (-1, NEGATIVE_BAND)):
            end = c + slope[n] * side * band  # positive side is +slope direction
            fig.add_trace(
                go.Scatter(
                    x=[c, end],
                    y=[level, level],
                    mode="lines",
                    name=group,
                    legendgroup=group,
                    showlegend=False,
                    line=dict(color=colour, width=6),
                    hovertext=hover + f"<br>{'positive' if side > 0 else 'negative'} side",
                    hoverinfo="text",
                )
            )
        fig.add_trace(
            go.Scatter(
                x=[c],
                y=[0.0],
                mode="markers",
                name=group,
                legendgroup=group,
                showlegend=not guidelines,
                marker=dict(
                    symbol="triangle-right" if slope[n] > 0 else "triangle-left",
                    size=15,
                    color=POSITIVE if slope[n] > 0 else NEGATIVE,
                    line=dict(color=neuron_colour(n), width=2.5),
                ),
                hovertext=hover + f"<br>positive for x {'>' if slope[n] > 0 else '<'} {c:.4g}",
                hoverinfo="text",
            )
        )
    if domain is not None:
        dlo, dhi = read_interval(domain, "domain", allow_infinite=True)
        for lo, hi in ((x_range[0], dlo), (dhi, x_range[1])):
            if lo < hi:
                _add_invalid(fig, (lo, hi), y_range)
    for name, (lo, hi) in (regions or {}).items():
        lo, hi = read_interval((lo, hi), f"regions[{name!r}]")
        first, last = part.locate([max(lo, x_range[0]), min(hi, x_range[1])])
        inner = part.breakpoints[first + 1 : last + 1]
        if first == last or (len(inner) and np.all((inner == lo) | (inner == hi))):
            pos = np.flatnonzero(part.rows([first])[0] > 0).tolist()
            text = f"{name}<br>positive: {pos}"
        else:
            text = f"{name}<br>crosses {last - first} boundary point(s)"
        fig.add_vrect(
            x0=lo,
            x1=hi,
            fillcolor="rgba(0, 158, 115, 0.15)",
            line=dict(color="#009E73", width=1.5),
            layer="below",
            annotation_text=text,
            annotation_position="top left",
            name=name,
        )
    fig.update_xaxes(range=list(x_range))
    fig.update_yaxes(range=list(y_range))
    return fig


def _add_invalid(
    fig: go.Figure, x: tuple[float, float], y: tuple[float, float], **subplot: Any
) -> None:
    """Hatch an input range that is not valid (e.g. negative inputs after a ReLU)."""
    fig.add_trace(
        go.Scatter(
            x=[x[0], x[1], x[1], x[0], x[0]],
            y=[y[0], y[0], y[1], y[1], y[0]],
            mode="lines",
            fill="toself",
            fillcolor="rgba(0,0,0,0)",
            fillpattern=dict(shape="/", fgcolor="#888", size=8, solidity=0.15),
            line=dict(width=0),
            name="invalid input",
            hoverinfo="name",
        ),
        **subplot,
    )
