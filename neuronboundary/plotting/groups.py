"""Figures of neuron groups along a 1-D input and of neuron similarity."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from neuronboundary.groups import GroupPartition1D
from neuronboundary.plotting._style import TEMPLATE, new_figure

__all__ = ["groups_figure", "similarity_figure"]


def groups_figure(
    groups: GroupPartition1D,
    *,
    neurons: Sequence[int] | None = None,
    x_title: str = "input along the direction (t)",
    title: str | None = None,
) -> go.Figure:
    """Which neurons are in the group on each exact sub-range: a membership map.

    Columns are the sub-ranges (true widths), rows the neurons; a filled cell means the neuron is
    in the group there. Hover names the sub-range, its group and the neurons that enter or leave
    at its left end.

    Parameters
    ----------
    groups : from :func:`~neuronboundary.group_partition_1d`
    neurons : rows to show, in this order (default: neurons that are in some group)

    Examples
    --------
    >>> from neuronboundary import NeuronLayer, group_partition_1d
    >>> gp = group_partition_1d(NeuronLayer([[1.0], [-1.0]], [0.0, 0.0]), (-1.0, 1.0))
    >>> fig = groups_figure(gp)
    >>> fig.data[0].z.tolist()
    [[0, 1], [1, 0]]
    """
    member = groups.membership()  # (k, m)
    rows = np.asarray(
        neurons if neurons is not None else np.flatnonzero(member.any(axis=0)), dtype=int
    )
    if rows.size == 0:
        rows = np.arange(member.shape[1])
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
    fig.add_trace(
        go.Heatmap(
            x=bp,
            y=[f"n{n}" for n in rows],
            z=member[:, rows].T.astype(int),
            colorscale=[[0.0, "#F2F2F2"], [1.0, "#009E73"]],
            zmin=0,
            zmax=1,
            showscale=False,
            text=text,
            hoverinfo="text",
            xgap=1,
            ygap=1,
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def similarity_figure(
    sim: np.ndarray, order: Sequence[int] | None = None, *, mode: str = "", title: str | None = None
) -> go.Figure:
    """Heatmap of a neuron similarity matrix, neurons in ``order`` (e.g. from
    :func:`~neuronboundary.neuron_order`).

    >>> from neuronboundary import NeuronLayer, similarity
    >>> similarity_figure(similarity(NeuronLayer.random(4, 2, seed=0), "weight")).data[0].zmin
    -1
    """
    s = np.asarray(sim, dtype=np.float64)
    idx = np.asarray(order if order is not None else np.arange(s.shape[0]), dtype=int)
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
