"""Figures of neurons over a 2-D input: planes in 3-D with their boundaries projected on a floor,
and boundary lines in the input plane with the exact regions of the arrangement and highlighted
input regions."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from neuronboundary._validate import as_float, as_int, named_items, number_text, read_box
from neuronboundary.arrangement import arrangement_2d
from neuronboundary.network import NeuronLayer, check_layer
from neuronboundary.plotting._style import (
    MANY_NEURONS,
    NEGATIVE_BAND,
    POSITIVE_BAND,
    TEMPLATE,
    legend_key,
    neuron_colour,
    neuron_dash,
    neuron_hover,
    neuron_legend,
    new_figure,
)
from neuronboundary.polygons import boundary_segments, box_polygon, clip_halfplane

__all__ = ["auto_box", "boundaries_2d_figure", "planes_figure"]

X1_TITLE = "input x₁"
X2_TITLE = "input x₂"
Z_TITLE = "neuron output y = w·x + b"


def _fan(polygon: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Triangle fan of a convex polygon: index arrays i, j, k for Mesh3d."""
    k = polygon.shape[0]
    return np.zeros(k - 2, dtype=int), np.arange(1, k - 1), np.arange(2, k)


def auto_box(layer: NeuronLayer) -> tuple[tuple[float, float], tuple[float, float]]:
    """A box that holds the origin, every crossing of two boundary lines (up to 200 neurons) and
    the point of each line nearest the origin, with a 15 % margin: the default window of the
    2-D figures. Pass ``box`` to a figure to choose the window yourself.

    Parameters
    ----------
    layer : NeuronLayer with in_dim == 2

    Returns
    -------
    ((x1_lo, x1_hi), (x2_lo, x2_hi))

    Examples
    --------
    >>> from neuronboundary import NeuronLayer
    >>> auto_box(NeuronLayer([[1.0, 0.0], [0.0, 1.0]], [-1.0, -2.0]))  # lines x1 = 1 and x2 = 2
    ((-0.15, 1.15), (-0.3, 2.3))
    """
    check_layer(layer, "auto_box", in_dim=2)
    w, b = layer.weight, layer.bias
    keep = np.any(w != 0, axis=1)
    w, b = w[keep], b[keep]
    pts = [np.zeros((1, 2)), -(b / np.einsum("ij,ij->i", w, w))[:, None] * w]
    if 1 < w.shape[0] <= 200:
        i, j = np.triu_indices(w.shape[0], 1)
        det = w[i, 0] * w[j, 1] - w[i, 1] * w[j, 0]
        ok = np.abs(det) > 1e-12 * np.linalg.norm(w[i], axis=1) * np.linalg.norm(w[j], axis=1)
        i, j, det = i[ok], j[ok], det[ok]
        x = (-b[i] * w[j, 1] + b[j] * w[i, 1]) / det
        y = (-w[i, 0] * b[j] + w[j, 0] * b[i]) / det
        pts.append(np.column_stack([x, y]))
    p = np.concatenate(pts)
    p = p[np.all(np.isfinite(p), axis=1)]
    lo, hi = p.min(axis=0), p.max(axis=0)
    span = np.maximum(hi - lo, 1e-9)
    span = np.maximum(span, 0.25 * span.max())
    lo, hi = lo - 0.15 * span, hi + 0.15 * span
    lo = np.where(hi - lo > 0, lo, lo - 1.0)
    hi = np.where(hi - lo > 0, hi, hi + 1.0)
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def _read_box(layer: NeuronLayer, box: Any) -> tuple[tuple[float, float], tuple[float, float]]:
    return auto_box(layer) if box is None else read_box(box)


def planes_figure(
    layer: NeuronLayer,
    box: Any = None,
    *,
    title: str | None = None,
    x_title: str = X1_TITLE,
    y_title: str = X2_TITLE,
    z_title: str = Z_TITLE,
) -> go.Figure:
    """Every neuron's plane ``y = w1 x1 + w2 x2 + b`` over the box, in the neuron's colour, split
    exactly at its zero line into a positive part (opaque) and a negative part (faint); the input
    plane y = 0 is drawn, and every boundary line is projected onto a floor below the planes.

    Parameters
    ----------
    layer : NeuronLayer with in_dim == 2, m neurons
    box : ((x1_lo, x1_hi), (x2_lo, x2_hi)); default: the origin and every crossing of two
        boundary lines, with a margin (see ``auto_box``)
    title : figure title
    x_title, y_title, z_title : axis titles

    Returns
    -------
    plotly.graph_objects.Figure (3-D scene): the input plane, then per neuron up
    to two Mesh3d parts (``"neuron n (positive part)"``, ``"neuron n (negative part)"``), its
    zero line on the input plane and its boundary on the floor (``"neuron n"``, in the legend).

    Examples
    --------
    >>> from neuronboundary import NeuronLayer
    >>> fig = planes_figure(NeuronLayer.random(5, 2, seed=8), ((-2, 10), (-2, 10)))
    >>> fig.layout.scene.xaxis.title.text, fig.layout.scene.zaxis.title.text
    ('input x₁', 'neuron output y = w·x + b')
    >>> [t.name for t in fig.data if t.showlegend and t.name.startswith("neuron")][:2]
    ['neuron 0', 'neuron 1']
    """
    check_layer(layer, "planes_figure", in_dim=2)
    bx = _read_box(layer, box)
    square = box_polygon(bx)
    m = layer.n_neurons
    corners = square @ layer.weight.T + layer.bias  # (4, m): the planes' extremes
    z_lo, z_hi = min(float(corners.min()), 0.0), max(float(corners.max()), 0.0)
    floor = z_lo - 0.3 * ((z_hi - z_lo) or 1.0)
    fig = go.Figure()
    fig.update_layout(
        template=TEMPLATE,
        title=dict(
            text=title or f"{m} neuron planes over a 2-D input; their boundaries on the floor",
            x=0.02,
        ),
        scene=dict(
            xaxis_title=x_title,
            yaxis_title=y_title,
            # the floor is the scene's bottom wall (no mesh there: lines would flicker in it)
            zaxis=dict(
                title=dict(text=z_title),
                range=[floor - 0.01 * (z_hi - floor), z_hi + 0.05 * (z_hi - floor)],
                showbackground=True,
                backgroundcolor="#EDEDED",
            ),
            aspectmode="manual",
            aspectratio=dict(x=1, y=1, z=0.9),
            camera=dict(eye=dict(x=1.85, y=-1.85, z=0.95)),
        ),
        height=720,
        margin=dict(l=10, r=10, t=60, b=10),
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
            color="#999999",
            opacity=0.25,
            name="input plane (y = 0)",
            showlegend=True,
            hoverinfo="name",
        )
    )
    segments = boundary_segments(layer, bx)
    for n in range(m):
        hover = neuron_hover(layer, n)
        group = f"neuron {n}"
        colour = neuron_colour(n, m)
        for side in (1, -1):
            part = clip_halfplane(square, layer.weight[n], layer.bias[n], side)
            if part.shape[0] < 3 or abs(_area(part)) == 0:
                continue
            z = part @ layer.weight[n] + layer.bias[n]
            i, j, k = _fan(part)
            word = "positive" if side > 0 else "negative"
            fig.add_trace(
                go.Mesh3d(
                    x=part[:, 0],
                    y=part[:, 1],
                    z=z,
                    i=i,
                    j=j,
                    k=k,
                    color=colour,
                    opacity=0.7 if side > 0 else 0.25,
                    name=f"{group} ({word} part)",
                    legendgroup=group,
                    showlegend=False,
                    hovertext=hover + f"<br>{word} part",
                    hoverinfo="text",
                    flatshading=True,
                )
            )
        seg = segments[n]
        if np.isnan(seg).any():
            continue
        for z, width, shown in ((0.0, 3, False), (floor, 7, True)):
            fig.add_trace(
                go.Scatter3d(
                    x=seg[:, 0],
                    y=seg[:, 1],
                    z=[z, z],
                    mode="lines",
                    line=dict(color=colour, width=width, dash=neuron_dash(n, m)),
                    name=group if shown else f"{group} (zero line)",
                    legendgroup=group,
                    showlegend=shown,
                    hovertext=hover + ("<br>(projected on the floor)" if shown else ""),
                    hoverinfo="text",
                )
            )
    fig.add_trace(
        legend_key(
            "opaque part: y > 0<br>faint part: y < 0",
            three_d=True,
            marker=dict(symbol="square", size=8, color="#777"),
        )
    )
    neuron_legend(fig, m)
    return fig


def _area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _pattern(signs: np.ndarray) -> str:
    return "".join("+" if s > 0 else "−" if s < 0 else "0" for s in signs)


def boundaries_2d_figure(
    layer: NeuronLayer,
    box: Any = None,
    *,
    regions: dict[str, Any] | None = None,
    band: float | None = None,
    show_arrangement: bool = True,
    max_region_traces: int = 2000,
    title: str | None = None,
    x_title: str = X1_TITLE,
    y_title: str = X2_TITLE,
) -> go.Figure:
    """Every neuron's boundary line in the input plane, with a band on its positive side and one
    on its negative side, the exact regions of constant sign pattern shaded by how many neurons
    are positive there, and highlighted regions.

    Parameters
    ----------
    layer : NeuronLayer with in_dim == 2, m neurons
    box : ((x1_lo, x1_hi), (x2_lo, x2_hi)); default: see ``auto_box``
    regions : ``{"Region1": ((x1_lo, x1_hi), (x2_lo, x2_hi)), ...}`` rectangles to highlight;
        with two or more, the neurons that flip between the first two are named in the subtitle
    band : band width, a finite number > 0 in input units (default 1.2 % of the box diagonal)
    show_arrangement : shade each exact region (from :func:`~neuronboundary.arrangement_2d`)
        by its number of positive neurons; hover gives its sign pattern (only when there are at
        most ``max_region_traces`` regions)
    max_region_traces : an integer >= 0, the most regions shaded (0: none)
    title : figure title
    x_title, y_title : axis titles (e.g. the coordinates of a slice)

    Returns
    -------
    plotly.graph_objects.Figure
        Traces ``"region r"`` (one per region), then per neuron its two bands, a white casing
        and its line (``"neuron n"``, in the legend), then the legend keys.

    Examples
    --------
    >>> from neuronboundary import NeuronLayer
    >>> fig = boundaries_2d_figure(NeuronLayer.random(5, 2, seed=8), ((-2, 10), (-2, 10)))
    >>> fig.layout.xaxis.title.text, fig.layout.yaxis.title.text
    ('input x₁', 'input x₂')
    >>> fig.layout.title.text
    'Input boundaries of 5 neurons cut the box into 14 regions'
    """
    check_layer(layer, "boundaries_2d_figure", in_dim=2)
    bx = _read_box(layer, box)
    (x0, x1), (y0, y1) = bx
    if band is None:
        width = 0.012 * float(np.hypot(x1 - x0, y1 - y0))
    else:
        width = as_float(band, "band")
        if width <= 0:  # a negative width would draw the positive band on the negative side
            raise ValueError(
                f"band must be a number > 0, the width of each side's band in input units; "
                f"got {number_text(band)}. Leave it out for the default (1.2 % of the box diagonal)."
            )
    max_region_traces = as_int(max_region_traces, "max_region_traces", low=0)
    named = [
        (name, _region_in_box(rect, f"regions[{name!r}]", bx, box is None))
        for name, rect in named_items(regions, "regions", "((x1_lo, x1_hi), (x2_lo, x2_hi))")
    ]
    arr = arrangement_2d(layer, bx)
    m = layer.n_neurons
    fig = new_figure(title or "", x_title, y_title)
    drawn = show_arrangement and arr.n_regions <= max_region_traces
    if drawn:
        for r in range(arr.n_regions):
            poly = arr.polygon_vertices[arr.vertex_offsets[r] : arr.vertex_offsets[r + 1]]
            signs = arr.signs_of(r)[0]
            count = int((signs > 0).sum())
            fig.add_trace(
                go.Scatter(
                    x=np.append(poly[:, 0], poly[0, 0]),
                    y=np.append(poly[:, 1], poly[0, 1]),
                    mode="lines",
                    fill="toself",
                    fillcolor=_count_colour(count, m),
                    line=dict(color="rgba(0,0,0,0.25)", width=0.5),
                    name=f"region {r}",
                    legendgroup="regions",
                    showlegend=False,
                    hoveron="fills",
                    hoverinfo="text",
                    text=(
                        f"region {r}: {count} of {m} neurons positive<br>"
                        f"pattern {_pattern(signs)} (neuron 0 first)<br>"
                        f"positive: {np.flatnonzero(signs > 0).tolist()}<br>"
                        f"negative: {np.flatnonzero(signs < 0).tolist()}<br>"
                        f"area {arr.areas[r]:.3g}"
                    ),
                )
            )
    segments = boundary_segments(layer, bx)
    normals, _ = layer.hyperplanes()
    for n in range(m):
        seg = segments[n]
        group = f"neuron {n}"
        hover = neuron_hover(layer, n)
        if np.isnan(seg).any():  # said in the legend, not dropped silently
            fig.add_trace(
                legend_key(
                    f"{group} (boundary outside the box)",
                    group=group,
                    line=dict(color=neuron_colour(n, m), width=3, dash=neuron_dash(n, m)),
                )
            )
            continue
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
        fig.add_trace(  # a white casing keeps the line visible over its own bands
            go.Scatter(
                x=seg[:, 0],
                y=seg[:, 1],
                mode="lines",
                line=dict(color="white", width=6),
                name=f"{group} (casing)",
                legendgroup=group,
                showlegend=False,
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=seg[:, 0],
                y=seg[:, 1],
                mode="lines",
                line=dict(color=neuron_colour(n, m), width=3, dash=neuron_dash(n, m)),
                name=group,
                legendgroup=group,
                hovertext=hover,
                hoverinfo="text",
            )
        )
    for name, colour in (("positive side", POSITIVE_BAND), ("negative side", NEGATIVE_BAND)):
        fig.add_trace(legend_key(name, marker=dict(symbol="square", size=13, color=colour)))
    for name, rect in named:
        (rx0, rx1), (ry0, ry1) = rect
        fig.add_shape(
            type="rect",
            x0=rx0,
            x1=rx1,
            y0=ry0,
            y1=ry1,
            line=dict(color="black", width=2, dash="dash"),
            fillcolor="rgba(0,158,115,0.2)",
            name=name,
        )
        fig.add_annotation(
            x=(rx0 + rx1) / 2,
            y=ry1,
            text=f"<b>{name}</b>",
            showarrow=False,
            yanchor="bottom",
            bgcolor="rgba(255,255,255,0.8)",
        )
    if drawn:
        _count_colourbar(fig, m, below=m <= MANY_NEURONS)
    heading = title or (
        f"Input boundaries of {m} neurons cut the box into {arr.n_regions} regions"
        if drawn
        else f"Input boundaries of {m} neurons"
    )
    subtitle = ""
    if len(named) >= 2 and title is None:
        # the centre of each region's part inside the box, where the arrangement is known
        centres = [
            np.mean(np.clip(rect, np.array(bx)[:, :1], np.array(bx)[:, 1:]), axis=1)
            for _, rect in named[:2]
        ]
        flips = arr.transition(centres[0], centres[1]).tolist()
        what = (
            f"neuron {flips[0]}"
            if len(flips) == 1
            else f"neurons {flips}"
            if flips
            else "no neuron"
        )
        subtitle = f"moving from {named[0][0]} to {named[1][0]} flips {what}"
    fig.update_layout(title=dict(text=heading, subtitle=dict(text=subtitle)), height=650)
    fig.update_xaxes(range=[x0, x1], constrain="domain", showgrid=False)
    fig.update_yaxes(range=[y0, y1], scaleanchor="x", scaleratio=1, showgrid=False)
    neuron_legend(fig, m)
    return fig


def _region_in_box(
    rect: Any, name: str, bx: tuple[tuple[float, float], ...], default_box: bool
) -> tuple[tuple[float, float], ...]:
    """A highlighted rectangle, read as a box, that overlaps the figure's box."""
    r = read_box(rect, name)
    if all(lo < bhi and hi > blo for (lo, hi), (blo, bhi) in zip(r, bx, strict=True)):
        return r
    box_text = ", ".join(f"({lo:g}, {hi:g})" for lo, hi in bx)
    region_text = ", ".join(f"({lo:g}, {hi:g})" for lo, hi in r)
    how = "pass a box that holds it" if default_box else "widen box to hold it"
    raise ValueError(
        f"{name} = ({region_text}) lies outside the figure's box ({box_text}); {how}, or "
        f"move the region."
    )


def _count_colour(count: int, m: int) -> str:
    """Grey of a region with ``count`` positive neurons out of ``m``: white (none) to mid grey."""
    level = round(252 - 100 * count / max(m, 1))
    return f"rgb({level},{level},{level})"


def _count_colourbar(fig: go.Figure, m: int, *, below: bool) -> None:
    """The key of the region shading: a discrete colour bar from 0 to m positive neurons."""
    scale = []
    for c in range(m + 1):
        scale += [[c / (m + 1), _count_colour(c, m)], [(c + 1) / (m + 1), _count_colour(c, m)]]
    ticks = list(range(m + 1)) if m <= 12 else list(range(0, m + 1, max(1, m // 6)))
    bar = dict(
        title=dict(text="neurons positive in the region", side="top"),
        tickvals=ticks,
        outlinewidth=1,
        outlinecolor="#999",
        thickness=14,
    )
    if below:
        bar.update(orientation="h", x=0.5, xanchor="center", y=-0.14, yanchor="top", len=0.6)
    else:
        bar.update(x=1.02, y=1.0, yanchor="top", len=0.5)
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            marker=dict(
                color=[0],
                colorscale=scale,
                cmin=-0.5,
                cmax=m + 0.5,
                showscale=True,
                colorbar=bar,
            ),
            name="regions by neurons positive",
            showlegend=False,
            hoverinfo="skip",
        )
    )
    if below:
        fig.update_layout(margin=dict(b=140))
