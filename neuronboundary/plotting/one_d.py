"""Figures of neurons over a 1-D input: guidelines, outputs at chosen inputs with their groups,
boundaries with the side on which each neuron is positive, the exact sign-constant intervals and
highlighted input regions."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from neuronboundary._validate import as_float_array, finite_vector, named_items, shown
from neuronboundary._validate import interval as read_interval
from neuronboundary.network import NeuronLayer, check_layer
from neuronboundary.partition import partition_1d
from neuronboundary.plotting._style import (
    INPUT_SYMBOLS,
    NEGATIVE,
    NEGATIVE_BAND,
    NEGATIVE_FILL,
    OUTPUT_SYMBOLS,
    POSITIVE,
    POSITIVE_BAND,
    POSITIVE_FILL,
    TEMPLATE,
    legend_key,
    neuron_colour,
    neuron_dash,
    neuron_hover,
    neuron_legend,
    new_figure,
)

__all__ = ["boundaries_1d_figure", "guidelines_figure"]

X_TITLE = "input x"
Y_TITLE = "neuron output y = w·x + b (before activation)"
REGION_FILL = "rgba(0, 158, 115, 0.16)"
REGION_LINE = "#009E73"
INTERVAL_FILLS = ("#E3E3E3", "#C8C8C8")


def auto_x_range(layer: NeuronLayer) -> tuple[float, float]:
    """A window that holds 0 and the boundary points, with a 15 % margin on each side: all of
    them up to 4 neurons, else the bulk (5 % to 95 % quantiles), so that one far boundary does
    not squash the rest. Pass ``x_range`` to choose the window yourself.

    >>> auto_x_range(NeuronLayer([[1.0], [2.0]], [-1.0, 2.0]))
    (-1.3, 1.3)
    """
    c = layer.boundary_points
    c = c[np.isfinite(c)]
    if c.size > 4:
        c = np.quantile(c, [0.05, 0.95])
    pts = np.concatenate([c, [0.0]])
    lo, hi = float(pts.min()), float(pts.max())
    span = hi - lo or 2.0
    return lo - 0.15 * span, hi + 0.15 * span


def _output_range(layer: NeuronLayer, x_range: tuple[float, float]) -> tuple[float, float]:
    ys = np.concatenate([layer(np.array(x_range)).ravel(), [0.0]])
    pad = 0.05 * (ys.max() - ys.min() or 1.0)
    return float(ys.min() - pad), float(ys.max() + pad)


def boundary_label(layer: NeuronLayer, n: int, x_range: tuple[float, float] | None = None) -> str:
    """Legend text of neuron ``n`` with its boundary, e.g. ``"neuron 0 (boundary -1.04)"``."""
    c = layer.boundary_points[n]
    if np.isnan(c):
        return f"neuron {n} (no boundary: w = 0)"
    outside = x_range is not None and not x_range[0] <= c <= x_range[1]
    return f"neuron {n} (boundary {c:.3g}" + (", outside)" if outside else ")")


def _add_halfplanes(fig: go.Figure, y_lim: tuple[float, float], **subplot: Any) -> None:
    """Shade y > 0 (positive outputs) and y < 0 (negative outputs) as background bands."""
    lo, hi = y_lim
    pad = (hi - lo) * 10
    for y0, y1, colour in ((0, hi + pad, POSITIVE_FILL), (lo - pad, 0, NEGATIVE_FILL)):
        fig.add_hrect(
            y0=y0,
            y1=y1,
            fillcolor=colour,
            line_width=0,
            layer="below",
            exclude_empty_subplots=False,
            **subplot,
        )


def _add_guidelines(
    fig: go.Figure,
    layer: NeuronLayer,
    x_range: tuple[float, float],
    *,
    with_boundary: bool = True,
    **subplot: Any,
) -> None:
    xs = np.array(x_range)
    m = layer.n_neurons
    for n in range(m):
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=layer.weight[n, 0] * xs + layer.bias[n],
                mode="lines",
                name=boundary_label(layer, n) if with_boundary else f"neuron {n}",
                legendgroup=f"neuron {n}",
                line=dict(color=neuron_colour(n, m), width=2.5, dash=neuron_dash(n, m)),
                hovertemplate=neuron_hover(layer, n)
                + "<br>x = %{x:.3g}, y = %{y:.3g}<extra></extra>",
            ),
            **subplot,
        )


def guidelines_figure(
    layer: NeuronLayer,
    x_range: Sequence[float] | None = None,
    inputs: Sequence[float] | float | None = (),
    view: tuple[Sequence[float], Sequence[float]] | None = None,
    *,
    title: str | None = None,
    group_boxes: bool = True,
    x_title: str = X_TITLE,
    y_title: str = Y_TITLE,
) -> go.Figure:
    """Every neuron's guideline ``y = w x + b`` and, at chosen inputs, each neuron's output.

    Each marked input has its own marker (Input 1 "+", Input 2 "x", ...) on the input axis, with a
    vertical guide; its outputs use the same shape, filled and vermillion when positive, open and
    blue when negative. The positive and negative group of each input is boxed and counted above
    the plot; the half-planes y > 0 and y < 0 are shaded (the article's Figure 2).

    Parameters
    ----------
    layer : NeuronLayer with in_dim == 1, m neurons
    x_range : (lo, hi), where the guidelines are drawn; default: 0 and every boundary point,
        with a margin
    inputs : up to 4 input values to mark: one number, or a sequence, array or tensor of them;
        None or ``()`` marks none
    view : ((x_lo, x_hi), (y_lo, y_hi)), the initial view; default: x_range and the outputs
    title : figure title (default: names the neurons and the inputs)
    group_boxes : box each input's positive and negative group
    x_title, y_title : axis titles

    Returns
    -------
    plotly.graph_objects.Figure
        m guideline traces, then per input one input marker and one trace per sign present
        (``"output > 0 at Input i"``, ``"output < 0 at Input i"``).

    Examples
    --------
    >>> from neuronboundary import NeuronLayer
    >>> fig = guidelines_figure(NeuronLayer.random(8, 1, seed=3), (0, 2), inputs=[0.3, 0.7])
    >>> len(fig.data)  # 8 guidelines + 2 x (input marker + positive and negative outputs)
    14
    >>> fig.layout.title.text
    'Guidelines of 8 neurons and their outputs at x = 0.3 and x = 0.7'
    """
    check_layer(layer, "guidelines_figure", in_dim=1)
    x_range = auto_x_range(layer) if x_range is None else read_interval(x_range, "x_range")
    xs = np.zeros(0) if inputs is None else np.atleast_1d(as_float_array(inputs, "inputs"))
    xs = finite_vector(xs, "inputs")
    if len(xs) > len(INPUT_SYMBOLS):
        raise ValueError(
            f"inputs: at most {len(INPUT_SYMBOLS)} inputs can be marked; got {len(xs)}."
        )
    if view is None:
        view = (x_range, _output_range(layer, x_range))
    try:
        view_x, view_y = view
    except (TypeError, ValueError):
        raise ValueError(
            f"view must be ((x_lo, x_hi), (y_lo, y_hi)), the input and the output range of the "
            f"initial view; got {shown(view)}."
        ) from None
    vx = read_interval(view_x, "view x")
    vy = read_interval(view_y, "view y")
    m = layer.n_neurons
    if title is None:
        at = " and ".join(f"x = {x:g}" for x in xs)
        title = f"Guidelines of {m} neurons" + (f" and their outputs at {at}" if len(xs) else "")
    fig = new_figure(title, x_title, y_title)
    _add_halfplanes(fig, vy)
    _add_guidelines(fig, layer, x_range)
    outputs = layer(xs) if len(xs) else np.zeros((0, m))
    signs = layer.signs(xs) if len(xs) else np.zeros((0, m), dtype=np.int8)
    span = vx[1] - vx[0]
    pad = 0.03 * (vy[1] - vy[0])
    for i, (x, y, s) in enumerate(zip(xs, outputs, signs, strict=True)):
        label = f"Input {i + 1} (x = {x:g})"
        positive = np.flatnonzero(s > 0).tolist()
        negative = np.flatnonzero(s < 0).tolist()
        # the vertical guide at the input, under everything
        fig.add_shape(
            type="line",
            x0=x,
            x1=x,
            y0=0,
            y1=1,
            yref="paper",
            line=dict(color="#555", width=1, dash="dot"),
            layer="below",
            name=f"guide at Input {i + 1}",
        )
        fig.add_trace(
            go.Scatter(
                x=[x],
                y=[0.0],
                mode="markers",
                name=label,
                legendgroup=label,
                marker=dict(symbol=INPUT_SYMBOLS[i], size=18, color="black", line=dict(width=2.5)),
                hovertemplate=f"{label}<br>positive: {positive}<br>negative: {negative}<extra></extra>",
            )
        )
        for members, sign in ((positive, 1), (negative, -1)):
            if not members:
                continue
            word = "output > 0" if sign > 0 else "output < 0"
            fig.add_trace(
                go.Scatter(
                    x=np.full(len(members), x),
                    y=y[members],
                    mode="markers",
                    name=f"{word} at Input {i + 1}",
                    legendgroup=label,
                    marker=dict(
                        size=12,
                        color=POSITIVE if sign > 0 else NEGATIVE,
                        symbol=OUTPUT_SYMBOLS[i] + ("" if sign > 0 else "-open"),
                        line=dict(color=POSITIVE if sign > 0 else NEGATIVE, width=2),
                    ),
                    hovertext=[
                        neuron_hover(layer, n) + f"<br>output at {label}: {y[n]:.4g}"
                        for n in members
                    ],
                    hoverinfo="text",
                    customdata=members,
                )
            )
        if group_boxes:
            for members, colour, name in (
                (positive, POSITIVE, "positive"),
                (negative, NEGATIVE, "negative"),
            ):
                if members:
                    fig.add_shape(
                        type="rect",
                        x0=x - 0.02 * span,
                        x1=x + 0.02 * span,
                        y0=y[members].min() - pad,
                        y1=y[members].max() + pad,
                        line=dict(color=colour, width=1.5, dash="dot"),
                        name=f"{name} group of Input {i + 1}",
                    )
        # the counts above the plot, where no line can cover them
        fig.add_annotation(
            x=x,
            y=1.0,
            yref="paper",
            yanchor="bottom",
            showarrow=False,
            text=(
                f"<b>Input {i + 1}</b><br><span style='color:{POSITIVE}'>{len(positive)} positive"
                f"</span><br><span style='color:{NEGATIVE}'>{len(negative)} negative</span>"
            ),
            font=dict(size=11),
        )
    fig.update_layout(margin=dict(t=70 + 45 * bool(len(xs))), title=dict(y=0.98, yanchor="top"))
    fig.update_xaxes(range=list(vx))
    fig.update_yaxes(range=list(vy))
    neuron_legend(fig, m)
    return fig


def boundaries_1d_figure(
    layer: NeuronLayer,
    x_range: Sequence[float] | None = None,
    y_range: Sequence[float] | None = None,
    *,
    guidelines: bool = True,
    regions: dict[str, Sequence[float]] | None = None,
    domain: Sequence[float] | None = None,
    title: str | None = None,
    x_title: str = X_TITLE,
    y_title: str = Y_TITLE,
) -> go.Figure:
    """Each neuron's input boundary ``x = -b/w``, the side where it is positive, the exact
    sign-constant intervals of the window, and highlighted input regions with their groups.

    A *sign strip* per neuron spans the window: vermillion where the neuron's output is positive,
    blue where it is negative, split at its boundary, which is a triangle in the neuron's colour
    pointing to the positive side. Above the strips, the lane "exact intervals" shows the
    partition of :func:`~neuronboundary.partition_1d` (hover: the sign pattern), and the lane
    "chosen regions" the ``regions``; a region inside one exact interval is labelled with its
    positive neurons. With ``guidelines`` the lines ``y = w x + b`` are drawn in a panel above.

    Parameters
    ----------
    layer : NeuronLayer with in_dim == 1, m neurons
    x_range : (lo, hi) the input window (default: 0 and every boundary, with a margin)
    y_range : (lo, hi) the output window of the guideline panel (default: the outputs)
    guidelines : draw ``y = w x + b`` in a panel above the strips
    regions : ``{"Region1": (lo, hi), ...}`` input ranges to highlight
    domain : (lo, hi) valid inputs; the rest of the window is hatched "invalid" (e.g. x < 0
        after a ReLU)
    title : figure title (default depends on ``guidelines``)
    x_title, y_title : titles of the input axis and of the guidelines' output axis

    Returns
    -------
    plotly.graph_objects.Figure
        Legend group ``"neuron n"`` per neuron (guideline, boundary triangles, sign strip);
        the exact intervals are the traces named ``"exact interval Ij"``.

    Examples
    --------
    >>> from neuronboundary import NeuronLayer
    >>> fig = boundaries_1d_figure(NeuronLayer.random(5, 1, seed=2), (-3, 5), (-2, 2))
    >>> fig.data[0].name  # the legend names each neuron's boundary
    'neuron 0 (boundary -1.04)'
    >>> sum(t.name.startswith("exact interval") for t in fig.data)
    6
    """
    check_layer(layer, "boundaries_1d_figure", in_dim=1)
    auto = x_range is None
    x_range = auto_x_range(layer) if auto else read_interval(x_range, "x_range")
    y_range = (
        _output_range(layer, x_range) if y_range is None else read_interval(y_range, "y_range")
    )
    named = [
        (name, _region_in_window(rect, f"regions[{name!r}]", x_range, auto))
        for name, rect in named_items(regions, "regions", "(lo, hi)")
    ]
    m = layer.n_neurons
    part = partition_1d(layer, x_range)
    top_lane = -2 if named else -1  # lanes: regions -2, intervals -1, neurons 0 .. m-1
    lanes = m - top_lane
    strip_height = 40 + 34 * lanes
    if guidelines:
        height = 430 + strip_height
        fig = make_subplots(
            rows=2,
            cols=1,
            shared_xaxes=True,
            vertical_spacing=0.05,
            row_heights=[430 / height, strip_height / height],
        )
        fig.update_layout(template=TEMPLATE)
        strips = dict(row=2, col=1)
        _add_halfplanes(fig, y_range, row=1, col=1)
        _add_guidelines(fig, layer, x_range, row=1, col=1)
        fig.update_yaxes(title_text=y_title, range=list(y_range), row=1, col=1)
        fig.update_xaxes(range=list(x_range), row=1, col=1)
        default_title = f"Input boundaries of {m} neurons: where each output changes sign"
    else:
        height = max(380, 150 + strip_height)
        fig = new_figure("", x_title, "")
        strips = {}
        default_title = (
            f"Sign pattern of {m} neurons along the input: {part.n_intervals} exact intervals"
            + (f" and {len(named)} chosen region{'s' * int(len(named) > 1)}" if named else "")
        )
    fig.update_layout(title=dict(text=title or default_title, x=0.02), height=height)
    crossing = layer.boundary_points
    slope = layer.slope_signs
    lo, hi = x_range
    h = 0.32  # half height of a lane's strip
    for n in range(m):
        c = crossing[n]
        group = f"neuron {n}"
        hover = neuron_hover(layer, n)
        inside = not np.isnan(c) and lo < c < hi
        cuts = [lo, c, hi] if inside else [lo, hi]
        for a, b in itertools.pairwise(cuts):
            s = int(layer.signs([(a + b) / 2])[0, n])
            word = "positive" if s > 0 else "negative" if s < 0 else "zero"
            fig.add_trace(
                go.Scatter(
                    x=[a, b, b, a, a],
                    y=[n - h, n - h, n + h, n + h, n - h],
                    mode="lines",
                    fill="toself",
                    fillcolor=POSITIVE_BAND if s > 0 else NEGATIVE_BAND if s < 0 else "#DDD",
                    line=dict(width=0),
                    name=group,
                    legendgroup=group,
                    showlegend=False,
                    hoveron="fills",
                    hoverinfo="text",
                    text=hover + f"<br>{word} for x in ({a:.4g}, {b:.4g})",
                ),
                **strips,
            )
        if not inside and not (not np.isnan(c) and c in (lo, hi)):
            continue
        triangle = dict(
            symbol="triangle-right" if slope[n] > 0 else "triangle-left",
            size=15,
            color=neuron_colour(n, m),
            line=dict(color="white", width=1.5),
        )
        where = f"<br>positive for x {'>' if slope[n] > 0 else '<'} {c:.4g}"
        fig.add_trace(
            go.Scatter(
                x=[c],
                y=[n],
                mode="markers",
                name=boundary_label(layer, n) if not guidelines else group,
                legendgroup=group,
                showlegend=not guidelines,
                marker=triangle,
                hovertext=hover + where,
                hoverinfo="text",
            ),
            **strips,
        )
        if guidelines:
            fig.add_trace(
                go.Scatter(
                    x=[c],
                    y=[0.0],
                    mode="markers",
                    name=group,
                    legendgroup=group,
                    showlegend=False,
                    marker=triangle,
                    hovertext=hover + where,
                    hoverinfo="text",
                ),
                row=1,
                col=1,
            )
    # the exact partition: one lane, one box per sign-constant interval
    bp = part.breakpoints
    rows = part.rows(np.arange(part.n_intervals))
    for j in range(part.n_intervals):
        a, b = float(bp[j]), float(bp[j + 1])
        pos = np.flatnonzero(rows[j] > 0).tolist()
        neg = np.flatnonzero(rows[j] < 0).tolist()
        fig.add_trace(
            go.Scatter(
                x=[a, b, b, a, a],
                y=[-1 - h, -1 - h, -1 + h, -1 + h, -1 - h],
                mode="lines",
                fill="toself",
                fillcolor=INTERVAL_FILLS[j % 2],
                line=dict(color="white", width=1),
                name=f"exact interval I{j + 1}",
                legendgroup="exact intervals",
                showlegend=False,
                hoveron="fills",
                hoverinfo="text",
                text=(
                    f"exact interval I{j + 1} = ({a:.4g}, {b:.4g})<br>positive: {pos}"
                    f"<br>negative: {neg}"
                ),
            ),
            **strips,
        )
        if (b - a) / (hi - lo) > 0.035:
            fig.add_annotation(
                x=(a + b) / 2, y=-1, text=f"I{j + 1}", showarrow=False, font=dict(size=11), **strips
            )
    for x in bp[1:-1]:
        fig.add_shape(
            type="line",
            x0=x,
            x1=x,
            y0=top_lane - 0.5,
            y1=m - 0.5,
            line=dict(color="#777", width=1, dash="dot"),
            layer="below",
            **strips,
        )
    for name, (rlo, rhi) in named:
        first, last = part.locate([max(rlo, lo), min(rhi, hi)])
        inner = bp[first + 1 : last + 1]
        if first == last or (len(inner) and np.all((inner == rlo) | (inner == rhi))):
            pos = np.flatnonzero(part.rows([first])[0] > 0).tolist()
            text = f"{name}<br>positive: {pos}"
        else:
            count = last - first
            text = f"{name}<br>crosses {count} boundary point{'s' * int(count > 1)}"
        fig.add_shape(
            type="rect",
            x0=rlo,
            x1=rhi,
            y0=-2 - h,
            y1=-2 + h,
            fillcolor=REGION_FILL,
            line=dict(color=REGION_LINE, width=1.5),
            name=name,
            **strips,
        )
        fig.add_shape(  # the region over the neurons' strips: which signs it covers
            type="rect",
            x0=rlo,
            x1=rhi,
            y0=-1 - h,
            y1=m - 0.5,
            line=dict(color=REGION_LINE, width=2.5, dash="dash"),
            layer="above",
            name=f"{name} (over the strips)",
            **strips,
        )
        fig.add_annotation(
            x=(rlo + rhi) / 2,
            y=-2,
            text=text,
            showarrow=False,
            font=dict(size=11),
            bgcolor="rgba(255,255,255,0.85)",
            **strips,
        )
    if domain is not None:
        dlo, dhi = read_interval(domain, "domain", allow_infinite=True)
        for a, b in ((lo, dlo), (dhi, hi)):
            if a < b:
                _add_invalid(fig, (a, b), (top_lane - 0.5, m - 0.5), **strips)
                if guidelines:
                    _add_invalid(fig, (a, b), y_range, row=1, col=1, showlegend=False)
    # the key: what the marks mean
    fig.add_trace(
        legend_key(
            "boundary ▶ ◀: points to<br>the side where y > 0",
            marker=dict(symbol="triangle-right", size=13, color="#666"),
        ),
        **strips,
    )
    for word, colour in (
        ("strip: output y > 0", POSITIVE_BAND),
        ("strip: output y < 0", NEGATIVE_BAND),
    ):
        fig.add_trace(
            legend_key(word, marker=dict(symbol="square", size=13, color=colour)), **strips
        )
    labels = (
        ["chosen regions"] * bool(named) + ["exact intervals"] + [f"neuron {n}" for n in range(m)]
    )
    fig.update_yaxes(
        tickvals=list(range(top_lane, m)),
        ticktext=labels,
        range=[m - 0.5, top_lane - 0.5],
        showgrid=False,
        zeroline=False,
        ticks="",
        **strips,
    )
    fig.update_xaxes(range=list(x_range), title_text=x_title, **strips)
    fig.update_layout(margin=dict(l=115))
    neuron_legend(fig, m)
    return fig


def _region_in_window(
    rect: Any, name: str, x_range: tuple[float, float], auto: bool
) -> tuple[float, float]:
    """A highlighted input range ``(lo, hi)`` that overlaps the window ``x_range``."""
    lo, hi = read_interval(rect, name)
    if lo < x_range[1] and hi > x_range[0]:
        return lo, hi
    how = "pass an x_range that holds it" if auto else "widen x_range to hold it"
    raise ValueError(
        f"{name} = ({lo:g}, {hi:g}) lies outside the window x_range = ({x_range[0]:g}, "
        f"{x_range[1]:g}); {how}, or move the region."
    )


def _add_invalid(
    fig: go.Figure,
    x: tuple[float, float],
    y: tuple[float, float],
    showlegend: bool = True,
    **subplot: Any,
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
            legendgroup="invalid input",
            showlegend=showlegend,
            hoverinfo="name",
        ),
        **subplot,
    )
