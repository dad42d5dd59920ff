"""Figures of neuron groups along a 1-D input and of neuron similarity."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from neuronboundary._validate import (
    as_float_array,
    as_indices,
    as_int,
    as_selection,
    check_finite,
    shown,
)
from neuronboundary._validate import interval as read_interval
from neuronboundary.groups import GroupPartition1D
from neuronboundary.plotting._style import TEMPLATE, legend_key, new_figure

__all__ = ["group_slider_figure", "groups_figure", "similarity_figure"]


IN_GROUP = "#009E73"  # bluish green: in the group
OUT_GROUP = "#EFEFEF"
ENTERING = "#009E73"
LEAVING = "#D55E00"


def _check_groups(groups: Any, where: str) -> None:
    """``groups`` must be a GroupPartition1D: say how to make one from what was passed."""
    if isinstance(groups, GroupPartition1D):
        return
    hint = (
        "a Partition1D has the sign pattern, not the groups; make them with "
        "group_partition_1d(layer, interval, thresholds)"
        if type(groups).__name__ == "Partition1D"
        else "make one with group_partition_1d(layer, interval, thresholds)"
    )
    raise TypeError(
        f"{where}: groups must be a GroupPartition1D; got {type(groups).__name__} ({hint})."
    )


def _rows(member: np.ndarray, neurons: Any) -> tuple[np.ndarray, np.ndarray]:
    """Rows to draw and the neurons left out (never in the group), for ``neurons`` = None
    (neurons in some group), ``"all"``, one index, a slice, indices or a boolean mask."""
    m = member.shape[1]
    ever = member.any(axis=0)
    if isinstance(neurons, str):
        if neurons != "all":
            raise ValueError(f"neurons must be None, 'all' or a list of indices; got {neurons!r}.")
        return np.arange(m), np.zeros(0, dtype=int)
    if neurons is None:
        rows = np.flatnonzero(ever)
        return (rows, np.flatnonzero(~ever)) if rows.size else (np.arange(m), np.zeros(0, int))
    try:
        chosen = as_selection(neurons, "neurons", m)
    except IndexError as err:  # out of range, or a mask of the wrong length
        raise ValueError(
            f"neurons must be indices in [0, {m}) (negative ones count from the end), a boolean "
            f"mask of length {m}, None or 'all'; {str(err).split('; ')[-1]}"
        ) from None
    rows = np.arange(m)[chosen] if isinstance(chosen, slice) else chosen
    return rows.astype(int), np.zeros(0, dtype=int)


def _short_list(items: Sequence[int], limit: int = 12) -> str:
    items = [int(v) for v in items]
    return ", ".join(map(str, items[:limit])) + (
        f", … ({len(items)} in all)" if len(items) > limit else ""
    )


def _neurons(items: Sequence[int]) -> str:
    return ("neuron " if len(items) == 1 else "neurons ") + _short_list(items)


def _add_valid_range(
    fig: go.Figure,
    lo: float,
    hi: float,
    valid: Any,
    y: tuple[float, float],
    *,
    hatch: bool = True,
) -> None:
    """Hatch (or, with ``hatch=False``, shade grey) the parts of the sweep outside ``valid`` and
    mark its ends."""
    vlo, vhi = read_interval(valid, "valid", allow_infinite=True)
    span = (
        f"x ≥ {vlo:.4g}"
        if np.isinf(vhi)
        else f"x ≤ {vhi:.4g}"
        if np.isinf(vlo)
        else f"[{vlo:.4g}, {vhi:.4g}]"
    )
    first = True
    for a, b in ((lo, min(vlo, hi)), (max(vhi, lo), hi)):
        if a < b:
            fig.add_trace(
                go.Scatter(
                    x=[a, b, b, a, a],
                    y=[y[0], y[0], y[1], y[1], y[0]],
                    mode="lines",
                    fill="toself",
                    fillcolor="rgba(0,0,0,0)" if hatch else "rgba(60,60,60,0.22)",
                    fillpattern=dict(shape="/", fgcolor="#666", size=8, solidity=0.2)
                    if hatch
                    else None,
                    line=dict(width=0),
                    name=f"outside the valid range {span}",
                    legendgroup="valid",
                    showlegend=first,
                    hoverinfo="name",
                )
            )
            first = False
    for v in (vlo, vhi):
        if lo < v < hi:
            fig.add_vline(x=v, line=dict(color="#444", width=1.5, dash="dash"))


def groups_figure(
    groups: GroupPartition1D,
    *,
    neurons: Sequence[int] | str | None = None,
    valid: Sequence[float] | None = None,
    x_title: str = "input along the direction (t)",
    title: str | None = None,
) -> go.Figure:
    """Which neurons are in the group on each exact sub-range: a membership map.

    Columns are the sub-ranges (true widths), rows the neurons; a filled cell means the neuron is
    in the group there (see the legend). Hover names the sub-range, its group and the neurons
    that enter or leave at its left end. Neurons that are never in the group are listed under
    the title rather than drawn as empty rows (pass ``neurons="all"`` to draw them).

    Parameters
    ----------
    groups : from :func:`~neuronboundary.group_partition_1d`, k sub-ranges of m neurons
    neurons : rows to show, in this order: one index, indices, a slice or a boolean mask of
        length m; default: the neurons in some group; ``"all"``: every neuron
    valid : (lo, hi), the inputs that are valid (e.g. where the swept input stays a valid
        image); the rest of the sweep is hatched
    x_title : title of the input axis
    title : figure title

    Returns
    -------
    plotly.graph_objects.Figure
        The heatmap first (z: (rows, k), 1 = in the group), then the legend keys.

    Examples
    --------
    >>> from neuronboundary import NeuronLayer, group_partition_1d
    >>> gp = group_partition_1d(NeuronLayer([[1.0], [-1.0], [0.0]], [0.0, 0.0, -1.0]), (-1.0, 1.0))
    >>> fig = groups_figure(gp, valid=(0.0, 1.0))
    >>> fig.data[0].z.tolist()
    [[0, 1], [1, 0]]
    >>> fig.layout.title.subtitle.text
    'not drawn: neuron 2, never in the group'
    """
    _check_groups(groups, "groups_figure")
    member = groups.membership()  # (k, m)
    rows, left_out = _rows(member, neurons)
    bp = groups.breakpoints
    k = groups.n_ranges
    text = []
    for n in rows:
        line = []
        for j in range(k):
            change = ""
            if j >= 1:
                enter, leave = groups.entering(j).tolist(), groups.leaving(j).tolist()
                change = f"<br>at its left end: enter {enter}, leave {leave}"
            line.append(
                f"neuron {n} {'in' if member[j, n] else 'not in'} the group<br>"
                f"sub-range S{j + 1} = [{bp[j]:.4g}, {bp[j + 1]:.4g}]<br>"
                f"group: {np.flatnonzero(member[j]).tolist()}{change}"
            )
        text.append(line)
    fig = new_figure(title or f"Groups on {k} exact sub-ranges", x_title, "neuron")
    if left_out.size:
        fig.update_layout(
            title_subtitle_text=f"not drawn: {_neurons(left_out)}, never in the group"
        )
    fig.add_trace(
        go.Heatmap(
            x=bp,
            y=np.arange(len(rows)),
            z=member[:, rows].T.astype(int),
            colorscale=[[0.0, OUT_GROUP], [1.0, IN_GROUP]],
            zmin=0,
            zmax=1,
            showscale=False,
            text=text,
            hoverinfo="text",
            ygap=2,  # rows apart; no xgap: a bar is not chopped at every breakpoint
            name="membership",
        )
    )
    for name, colour in (("in the group", IN_GROUP), ("not in the group", OUT_GROUP)):
        fig.add_trace(
            legend_key(
                name,
                marker=dict(
                    symbol="square", size=14, color=colour, line=dict(color="#999", width=1)
                ),
            )
        )
    if valid is not None:
        _add_valid_range(fig, float(bp[0]), float(bp[-1]), valid, (-0.5, len(rows) - 0.5))
    fig.update_yaxes(
        tickvals=list(range(len(rows))),
        ticktext=[f"n{n}" for n in rows],
        range=[len(rows) - 0.5, -0.5],
        showgrid=False,
        zeroline=False,
    )
    fig.update_xaxes(range=[float(bp[0]), float(bp[-1])], showgrid=False, zeroline=False)
    fig.update_layout(height=max(350, 160 + 22 * len(rows)))
    return fig


def group_slider_figure(
    groups: GroupPartition1D,
    levels: Any = None,
    *,
    neurons: Sequence[int] | str | None = None,
    valid: Sequence[float] | None = None,
    x_title: str = "input level x",
    title: str | None = None,
    max_steps: int = 400,
) -> go.Figure:
    """An interactive membership map: a slider moves the input level x and the group G(x)
    updates, with the neurons that enter and leave it since the previous level.

    Built from plotly frames, a slider and play/pause buttons, so it works in a static HTML page
    and offline: nothing runs in Python after the figure is made. Write pages of it with
    ``plotly.io.to_html(..., auto_play=False)``, or they play every frame once on load. The faint map in
    the background is the whole partition (as in :func:`groups_figure`); the vertical line is the
    current level; circles are the neurons in G(x), stars the ones that entered, crosses the ones
    that left.

    Parameters
    ----------
    groups : from :func:`~neuronboundary.group_partition_1d`, k sub-ranges of m neurons
    levels : (s,) input levels of the slider's steps, inside the interval; default: the midpoint
        of every exact sub-range (one step per distinct group)
    neurons : rows, as in :func:`groups_figure`
    valid : (lo, hi) the valid inputs; the rest is hatched
    x_title : title of the input axis
    title : figure title
    max_steps : an integer >= 1 (any integer type); refuse more steps than this (each step is
        a frame in the page)

    Returns
    -------
    plotly.graph_objects.Figure
        Traces: the background map, the level line, then ``"in G(x)"``, ``"entering"`` and
        ``"leaving"`` (the traces the frames update), then legend keys; one frame per level.

    Examples
    --------
    >>> from neuronboundary import NeuronLayer, group_partition_1d
    >>> gp = group_partition_1d(NeuronLayer([[1.0], [-1.0]], [0.0, 0.5]), (-1.0, 1.0))
    >>> fig = group_slider_figure(gp)
    >>> len(fig.frames), [step.label for step in fig.layout.sliders[0].steps]
    (3, ['-0.5', '0.25', '0.75'])
    >>> fig.frames[1].layout.annotations[0].text
    'x = 0.25, sub-range S2 = [0, 0.5]: G(x) = [0, 1]<br>entering: [0]   leaving: []'
    """
    from neuronboundary._validate import finite_vector

    _check_groups(groups, "group_slider_figure")
    max_steps = as_int(max_steps, "max_steps", low=1)
    member = groups.membership()  # (k, m)
    rows, left_out = _rows(member, neurons)
    bp = groups.breakpoints
    lo, hi = float(bp[0]), float(bp[-1])
    if levels is None:
        xs = (bp[:-1] + bp[1:]) / 2
    else:
        xs = finite_vector(levels, "levels")
        if xs.size == 0 or xs.min() < lo or xs.max() > hi:
            raise ValueError(
                f"levels must be 1 or more input levels inside the interval [{lo:.6g}, {hi:.6g}]; "
                f"got {xs.size} level(s) from {xs.min() if xs.size else None} to "
                f"{xs.max() if xs.size else None}."
            )
    if xs.size > max_steps:
        raise ValueError(
            f"{xs.size} slider steps is more than max_steps={max_steps} (each is a frame of the "
            f"page); pass fewer levels, e.g. levels=np.linspace({lo:.6g}, {hi:.6g}, 200), or raise "
            f"max_steps."
        )
    where = groups.locate(xs)
    pos = {n: i for i, n in enumerate(rows)}
    y_rows = np.arange(len(rows))
    fig = new_figure(
        title or f"Move the input level: the group G(x) over {groups.n_ranges} exact sub-ranges",
        x_title,
        "neuron",
    )
    if left_out.size:
        fig.update_layout(
            title_subtitle_text=f"not drawn: {_neurons(left_out)}, never in the group"
        )
    fig.add_trace(
        go.Heatmap(
            x=bp,
            y=y_rows,
            z=member[:, rows].T.astype(int),
            colorscale=[[0.0, "rgba(0,0,0,0)"], [1.0, "rgba(0,158,115,0.22)"]],
            zmin=0,
            zmax=1,
            showscale=False,
            hoverinfo="skip",
            ygap=2,
            name="in the group (every level)",
        )
    )

    def state(s: int) -> tuple[list[go.Scatter], str]:
        x = float(xs[s])
        j = int(where[s])
        now = set(np.flatnonzero(member[j]).tolist())
        before = set(np.flatnonzero(member[int(where[s - 1])]).tolist()) if s else now
        enter, leave = sorted(now - before), sorted(before - now)
        stay = sorted(now - set(enter))

        def marks(ns: list[int], name: str, marker: dict) -> go.Scatter:
            shown = [n for n in ns if n in pos]
            return go.Scatter(
                x=[x] * len(shown),
                y=[pos[n] for n in shown],
                mode="markers",
                name=name,
                legendgroup=name,
                showlegend=False,  # the keys below stay in the legend when a set is empty
                marker=marker,
                hovertext=[f"neuron {n}: {name} at x = {x:.4g}" for n in shown],
                hoverinfo="text",
            )

        traces = [
            go.Scatter(
                x=[x, x],
                y=[-0.5, len(rows) - 0.5],
                mode="lines",
                line=dict(color="black", width=2),
                name="input level x",
                hoverinfo="skip",
            ),
            marks(stay, "in G(x)", dict(symbol="circle", size=12, color=IN_GROUP)),
            marks(
                enter,
                "entering",
                dict(symbol="star", size=17, color=ENTERING, line=dict(color="black", width=1)),
            ),
            marks(leave, "leaving", dict(symbol="x", size=13, color=LEAVING)),
        ]
        text = (
            f"x = {x:.4g}, sub-range S{j + 1} = [{bp[j]:.4g}, {bp[j + 1]:.4g}]: "
            f"G(x) = {sorted(now)}<br>entering: {enter}   leaving: {leave}"
        )
        return traces, text

    first, text0 = state(0)
    for t in first:
        fig.add_trace(t)
    dynamic = [1, 2, 3, 4]
    for t in first[1:]:
        fig.add_trace(legend_key(t.name, group=t.name, marker=t.marker))

    def caption(text: str) -> list[dict]:
        return [
            dict(
                text=text,
                x=0,
                y=1.02,
                xref="paper",
                yref="paper",
                xanchor="left",
                yanchor="bottom",
                align="left",
                showarrow=False,
                bgcolor="#F4F4F4",
                font=dict(size=12),
            )
        ]

    frames = []
    for s in range(xs.size):
        traces, text = state(s)
        frames.append(
            go.Frame(
                name=str(s), data=traces, traces=dynamic, layout=dict(annotations=caption(text))
            )
        )
    fig.frames = frames
    if valid is not None:
        # shaded, not hatched: plotly.js fails to redraw a pattern fill during an animation
        _add_valid_range(fig, lo, hi, valid, (-0.5, len(rows) - 0.5), hatch=False)
    instant = dict(
        mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0)
    )
    fig.update_layout(
        annotations=caption(text0),
        sliders=[
            dict(
                active=0,
                currentvalue=dict(prefix="input level x = "),
                pad=dict(t=50),
                steps=[
                    dict(label=f"{x:.3g}", method="animate", args=[[str(s)], instant])
                    for s, x in enumerate(xs)
                ],
            )
        ],
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                x=0,
                y=0,
                xanchor="right",
                yanchor="top",
                pad=dict(t=50, r=10),
                showactive=False,
                buttons=[
                    dict(
                        label="▶",
                        method="animate",
                        args=[
                            None,
                            dict(
                                mode="immediate",
                                fromcurrent=True,
                                frame=dict(duration=700, redraw=True),
                                transition=dict(duration=0),
                            ),
                        ],
                    ),
                    dict(label="❚❚", method="animate", args=[[None], instant]),
                ],
            )
        ],
        height=max(480, 330 + 22 * len(rows)),
        margin=dict(t=150, b=150),
    )
    fig.update_yaxes(
        tickvals=list(y_rows),
        ticktext=[f"n{n}" for n in rows],
        range=[len(rows) - 0.5, -0.5],
        showgrid=False,
        zeroline=False,
    )
    fig.update_xaxes(range=[lo, hi], showgrid=False, zeroline=False)
    return fig


def similarity_figure(
    sim: np.ndarray, order: Sequence[int] | None = None, *, mode: str = "", title: str | None = None
) -> go.Figure:
    """Heatmap of a neuron similarity matrix, neurons in ``order`` (e.g. from
    :func:`~neuronboundary.neuron_order`).

    Parameters
    ----------
    sim : (m, m) finite numbers (numpy array, torch tensor or nested lists), e.g.
        :func:`~neuronboundary.similarity`
    order : a permutation of ``range(m)``: every neuron once (default: 0, 1, ..., m - 1)
    mode : named in the default title
    title : figure title

    >>> from neuronboundary import NeuronLayer, similarity
    >>> similarity_figure(similarity(NeuronLayer.random(4, 2, seed=0), "weight")).data[0].zmin
    -1
    """
    s = as_float_array(sim, "sim")
    if s.ndim != 2 or s.shape[0] != s.shape[1] or s.shape[0] == 0:
        raise ValueError(
            f"sim must be a square (m, m) matrix with m >= 1, e.g. similarity(layer); got shape "
            f"{s.shape}."
        )
    check_finite(s, "sim")
    m = s.shape[0]
    if order is None:
        idx = np.arange(m)
    else:
        idx = as_indices(
            order, "order", m, allow_negative=False, kinds="a permutation of the neuron indices"
        )
        if idx.shape != (m,) or np.unique(idx).size != m:
            missing = sorted(set(range(m)) - set(idx.tolist()))
            raise ValueError(
                f"order must be a permutation of range({m}), every neuron once (e.g. "
                f"neuron_order(sim)); got {shown(np.asarray(idx).tolist())}"
                + (f", missing {missing}" if missing else "")
                + (", with repeats" if np.unique(idx).size != idx.size else "")
                + "."
            )
    labels = [f"n{n}" for n in idx]
    fig = go.Figure(
        go.Heatmap(
            z=s[np.ix_(idx, idx)],
            x=labels,
            y=labels,
            zmin=-1 if s.min() < 0 else 0,
            zmax=1,
            colorscale="RdBu_r" if s.min() < 0 else "Viridis",
            colorbar={"title": {"text": "similarity"}},
            hovertemplate="%{y} vs %{x}: %{z:.3f}<extra></extra>",
        )
    )
    fig.update_layout(
        template=TEMPLATE,
        title={"text": title or f"Neuron similarity{f' by {mode}' if mode else ''}", "x": 0.02},
        width=700,
        height=650,
    )
    fig.update_xaxes(title_text="neuron", type="category")
    fig.update_yaxes(title_text="neuron", autorange="reversed", type="category")
    return fig
