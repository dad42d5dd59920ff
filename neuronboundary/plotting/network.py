"""Figures of networks seen along a line or over a plane: the bent guidelines of deeper neurons,
and the regions of a 2-D slice with every edge coloured by the layer that made it."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from neuronboundary._validate import (
    as_float_array,
    as_selection,
    as_titles,
    as_whole_numbers,
    check_finite,
)
from neuronboundary.arrangement import Arrangement2D
from neuronboundary.partition import Partition1D
from neuronboundary.plotting._style import (
    NEUTRAL,
    class_colour,
    class_symbol,
    neuron_colour,
    neuron_dash,
    new_figure,
)

__all__ = ["deep_guidelines_figure", "layer_colour", "network_slice_figure"]

#: One colour per layer (layer 0 first); the output layer is drawn in black.
LAYER_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")


def layer_colour(layer: int, n_layers: int) -> str:
    """Colour of the edges made by ``layer`` (black for the output layer)."""
    if layer == n_layers - 1:
        return "#000000"
    return LAYER_COLOURS[layer % len(LAYER_COLOURS)]


def _nan_join(segments: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Segments (S, 2, 2) as one polyline with NaN breaks, for one plotly trace."""
    if segments.shape[0] == 0:
        return np.zeros(0), np.zeros(0)
    gap = np.full((segments.shape[0], 1, 2), np.nan)
    flat = np.concatenate([segments, gap], axis=1).reshape(-1, 2)
    return flat[:, 0], flat[:, 1]


def deep_guidelines_figure(
    partition: Partition1D,
    layer: int = 1,
    neurons: Any = None,
    title: str | None = None,
    x_title: str = "t (position along the line)",
) -> go.Figure:
    """The pre-activations of ``layer``'s neurons along a line: exact polylines that bend only at
    the breakpoints of earlier layers (dotted verticals) and cross zero at their own.

    Parameters
    ----------
    partition : Partition1D
        From :func:`~neuronboundary.partition_1d` of a network over a 1-D input.
    layer : int
        Which layer's neurons to draw (default 1, the first layer after the input layer).
    neurons : int, sequence of int, slice or boolean mask, optional
        A subset of that layer's neurons: one index, indices (negative ones count from the
        end), a slice, or a boolean mask with one entry per neuron (default: all, at most 12
        drawn).

    Examples
    --------
    >>> import neuronboundary as nb
    >>> net = nb.Network.random([1, 4, 3, 1], seed=0)
    >>> fig = deep_guidelines_figure(nb.partition_1d(net, (-2.0, 2.0)))
    >>> [tr.name for tr in fig.data][:2]
    ['breakpoints of layers < 1 (bends)', 'layer 1, neuron 0']
    """
    if not isinstance(partition, Partition1D):
        raise TypeError(
            f"partition must be a Partition1D (partition_1d of a network); got "
            f"{type(partition).__name__}."
        )
    net = partition.network
    lay = net._check_layer_index(layer)
    y = partition.outputs(lay)
    m = y.shape[1]
    if neurons is None:
        chosen = np.arange(min(m, 12))
    else:
        chosen = as_selection(neurons, f"neurons (of layer {lay}, {m} neurons)", m)
        chosen = np.arange(m)[chosen] if isinstance(chosen, slice) else chosen
    t = partition.breakpoints
    title = title or (
        f"Layer-{lay} neurons along the line bend where layer-{'0' if lay == 1 else '<' + str(lay)} "
        f"neurons flip (dotted)"
    )
    fig = new_figure(title, x_title, f"pre-activation of layer-{lay} neurons")
    # breakpoints of earlier layers: where the polylines bend
    inner = np.arange(1, partition.n_intervals)
    first_layer = partition.breakpoint_layers
    bends = t[inner][first_layer < lay]
    lo, hi = (
        float(np.min(y[:, chosen])) if chosen.size else -1.0,
        (float(np.max(y[:, chosen])) if chosen.size else 1.0),
    )
    pad = 0.05 * (hi - lo or 1.0)
    xs = np.repeat(bends, 3)
    ys = np.tile([lo - pad, hi + pad, np.nan], bends.shape[0])
    xs = xs.astype(float)
    xs[2::3] = np.nan
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line=dict(color=NEUTRAL, width=1, dash="dot"),
            name=f"breakpoints of layers < {lay} (bends)",
            hoverinfo="skip",
        )
    )
    for k, n in enumerate(chosen.tolist()):
        fig.add_trace(
            go.Scatter(
                x=t,
                y=y[:, n],
                mode="lines",
                line=dict(
                    color=neuron_colour(k, len(chosen)), width=2, dash=neuron_dash(k, len(chosen))
                ),
                name=f"layer {lay}, neuron {n}",
                hovertemplate=f"layer {lay}, neuron {n}<br>t = %{{x:.4g}}<br>z = %{{y:.4g}}"
                "<extra></extra>",
            )
        )
    fig.add_hline(y=0.0, line=dict(color="#444", width=1))
    return fig


def network_slice_figure(
    arrangement: Arrangement2D,
    points: Any = None,
    labels: Any = None,
    title: str | None = None,
    axis_titles: tuple[str, str] = ("x1", "x2"),
    fill_regions: bool = True,
    decision_boundary: bool = True,
) -> go.Figure:
    """Regions of a network's 2-D slice: edges coloured by the layer that made them, the plane
    filled by the predicted class (the exact decision regions: argmax of the outputs, ties to
    the lower index; the sign for one output), the decision boundary in bold, and optional data
    points projected onto the plane.

    Parameters
    ----------
    arrangement : Arrangement2D
    points : array-like (n, 2), optional
        Data in the slice's coordinates (e.g. projected onto two principal directions).
    labels : array-like (n,), optional
        Class of each point (colours the markers): whole numbers (integers, or floats such as
        2.0, read as the integer), or text labels (coloured by their position).
    title : str, optional
    axis_titles : two strings, the titles of the slice's axes

    Examples
    --------
    >>> import neuronboundary as nb
    >>> arr = nb.arrangement_2d(nb.Network.random([2, 6, 4, 3], seed=0), ((-1, 1), (-1, 1)))
    >>> fig = network_slice_figure(arr)
    >>> any(tr.name == "decision boundary" for tr in fig.data)
    True
    """
    if not isinstance(arrangement, Arrangement2D):
        raise TypeError(
            f"arrangement must be an Arrangement2D (arrangement_2d of a network); got "
            f"{type(arrangement).__name__}."
        )
    axis_titles = as_titles(axis_titles, "axis_titles", 2)
    p = lab = None
    if points is not None:
        p = as_float_array(points, "points")
        if p.ndim != 2 or p.shape[1] != 2:
            raise ValueError(
                f"points must have shape (n, 2): the data in the slice's two coordinates (project "
                f"them onto the plane first); got shape {p.shape}."
            )
        check_finite(p, "points")
        lab = np.zeros(p.shape[0], dtype=int) if labels is None else _read_labels(labels)
        if lab.shape != (p.shape[0],):
            raise ValueError(
                f"labels must have one class per point, shape ({p.shape[0]},); got shape "
                f"{lab.shape}."
            )
    net = arrangement.network
    title = title or (
        f"{arrangement.n_regions:,} regions of constant sign pattern; edges coloured by the "
        f"layer that made them"
    )
    fig = new_figure(title, *axis_titles)
    decisions = arrangement.decision_regions() if (fill_regions or decision_boundary) else None
    n_classes = max(2, net.out_dim)
    if fill_regions:
        cls = decisions.labels
        verts, off = decisions.polygons, decisions.vertex_offsets
        for c in np.unique(cls):
            regs = np.flatnonzero(cls == c)
            xs, ys = _closed_polygons(verts, off, regs)
            colour = class_colour(int(c), n_classes)
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    fill="toself",
                    fillcolor=_rgba(colour, 0.18),
                    line=dict(width=0),
                    name=(
                        f"predicted {'positive' if c else 'negative'}"
                        if net.out_dim == 1
                        else f"predicted class {c}"
                    ),
                    hoverinfo="skip",
                )
            )
    seg, tags = arrangement.edges()
    inner = tags >= 0
    layers = np.full(tags.shape[0], -1)
    layers[inner] = net.layer_of(tags[inner])[:, 0]
    for lay in range(net.n_layers):
        xs, ys = _nan_join(seg[layers == lay])
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line=dict(color=layer_colour(lay, net.n_layers), width=0.8),
                name=f"edges of layer {lay}" + (" (outputs)" if lay == net.n_layers - 1 else ""),
                hoverinfo="skip",
            )
        )
    if decision_boundary:
        xs, ys = _nan_join(decisions.boundary())
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line=dict(color="#000000", width=3),
                name="decision boundary",
                hoverinfo="skip",
            )
        )
    if p is not None:
        classes = np.unique(lab)
        k = max(n_classes, classes.shape[0])
        for i, c in enumerate(classes):
            sel = lab == c
            fig.add_trace(
                go.Scatter(
                    x=p[sel, 0],
                    y=p[sel, 1],
                    mode="markers",
                    marker=dict(
                        size=6,
                        color=class_colour(_class_index(c, i), k),
                        symbol=class_symbol(_class_index(c, i)),
                        line=dict(color="#222", width=0.5),
                    ),
                    name=f"data, class {c}",
                )
            )
    (x0, x1), (y0, y1) = arrangement.box
    fig.update_xaxes(range=[x0, x1], constrain="domain")
    fig.update_yaxes(range=[y0, y1], scaleanchor="x", scaleratio=1)
    return fig


def _read_labels(labels: Any) -> np.ndarray:
    """Class labels as whole numbers (int64), or as they are when they are text."""
    raw = labels
    if not (hasattr(labels, "detach") and hasattr(labels, "cpu")):
        try:
            raw = np.asarray(labels)
        except (TypeError, ValueError):
            raw = None
        if raw is not None and raw.dtype.kind in "US":
            return raw
    return as_whole_numbers(labels, "labels")


def _class_index(label: Any, position: int) -> int:
    """The index a class label stands for: the label itself when it is an integer (so data of
    class c takes the colour of the region predicted c), else its position among the labels."""
    return int(label) if isinstance(label, (int, np.integer)) else position


def _closed_polygons(
    verts: np.ndarray, off: np.ndarray, regs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The given CSR polygons, each closed and followed by a NaN break, as x and y arrays."""
    cnt = off[regs + 1] - off[regs]
    size = cnt + 2
    out = np.full((int(size.sum()), 2), np.nan)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    within = np.arange(int(size.sum())) - np.repeat(start, size)
    src = np.repeat(off[regs], size) + within
    body = within < np.repeat(cnt, size)
    out[body] = verts[src[body]]
    close = within == np.repeat(cnt, size)
    out[close] = verts[off[regs]]
    return out[:, 0], out[:, 1]


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"
