"""Figures of a network over a 3-D box: every region of constant sign pattern as a convex
polytope (plotly ``Mesh3d``), coloured by class, with a slider that cuts the box away from the
top to show the regions inside."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from neuronboundary._validate import (
    as_float,
    as_int,
    as_titles,
    as_whole_numbers,
    number_text,
    shown,
)
from neuronboundary.decision import decision_network, labels_from_signs
from neuronboundary.plotting._style import NEGATIVE, NEURON_PALETTE, OKABE_ITO, POSITIVE, TEMPLATE
from neuronboundary.regions import BoxRegions

__all__ = ["CLASS_PALETTE", "polytope_mesh", "regions_3d_figure"]

#: One colour per class: Okabe-Ito's seven hues (as the 2-D slices fill classes 0-6), then three
#: of the neuron palette (no black: a black polytope hides its faces).
CLASS_PALETTE = (*OKABE_ITO[:7], NEURON_PALETTE[8], NEURON_PALETTE[7], NEURON_PALETTE[0])
#: Lightness steps that tell neighbouring regions of one class apart.
SHADES = 6


def polytope_mesh(vertices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Triangles of the convex polytope with these vertices (V, 3), in a canonical form that
    does not depend on the order qhull returns: vertices sorted, each face a fan from its first
    vertex around its centre. Returns ``(vertices (V, 3) sorted, triangles (T, 3) int64)``.

    >>> cube = np.array([[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 1)], float)
    >>> v, t = polytope_mesh(cube[::-1])
    >>> v[0].tolist(), t.shape
    ([0.0, 0.0, 0.0], (12, 3))
    """
    from scipy.spatial import ConvexHull

    order = np.lexsort(vertices.T[::-1])
    v = vertices[order]
    hull = ConvexHull(v)
    eq = hull.equations
    scale = float(np.abs(v).max()) or 1.0
    key = np.round(np.column_stack([eq[:, :3], eq[:, 3] / scale]), 7)
    _, face = np.unique(key, axis=0, return_inverse=True)
    triangles = []
    for f in range(int(face.max()) + 1):
        idx = np.unique(hull.simplices[face.ravel() == f])
        normal = eq[np.flatnonzero(face.ravel() == f)[0], :3]
        centre = v[idx].mean(axis=0)
        e1 = v[idx[0]] - centre
        e1 /= np.linalg.norm(e1)
        e2 = np.cross(normal, e1)
        rel = v[idx] - centre
        ring = idx[np.argsort(np.arctan2(rel @ e2, rel @ e1))]
        start = int(np.flatnonzero(ring == idx[0])[0])
        ring = np.roll(ring, -start)
        triangles += [(ring[0], ring[k], ring[k + 1]) for k in range(1, ring.shape[0] - 1)]
    return v, np.array(triangles, dtype=np.int64).reshape(-1, 3)


def _shades(colour: str) -> list[list[Any]]:
    """A colour scale from a lighter to a darker shade of ``colour``."""
    h = colour.lstrip("#")
    rgb = np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)], dtype=float)
    light = rgb + (255.0 - rgb) * 0.35
    dark = rgb * 0.75
    return [[0.0, _hex(light)], [0.5, _hex(rgb)], [1.0, _hex(dark)]]


def _hex(rgb: np.ndarray) -> str:
    r, g, b = (round(float(c)) for c in rgb)
    return f"#{r:02X}{g:02X}{b:02X}"


def regions_3d_figure(
    regions: BoxRegions,
    labels: Any = None,
    *,
    class_names: Any = None,
    title: str | None = None,
    axis_titles: tuple[str, str, str] = ("x1", "x2", "x3"),
    n_cuts: int = 5,
    start: float | None = None,
) -> go.Figure:
    """Every region of a 3-D box as a convex polytope, coloured by class (neighbouring regions
    of one class in lighter and darker shades), with a slider that keeps only the regions whose
    interior point lies below a height of the last axis: the box cut away from the top.

    Parameters
    ----------
    regions : BoxRegions
        From :func:`~neuronboundary.regions_in` over a 3-D box.
    labels : array-like (R,), optional
        The class of each region, whole numbers (integers, or floats such as 2.0). Default: for one output whose sign is part of the pattern
        (an identity output layer without skips) the sign of the output, which is constant on
        each region; otherwise the predicted class at each region's interior point (the
        argmax, ties to the lower index, decided exactly).
    class_names : sequence of str, optional
        Legend names of the classes, ``class_names[c]`` for class c, so one for every class up
        to the largest label (default ``"output < 0"``/``"output > 0"`` for the sign,
        ``"class c"`` otherwise).
    axis_titles : three strings, the titles of the axes
    n_cuts : int
        Slider steps, an integer >= 1; the last shows every region.
    start : float, optional
        Where the slider starts, as a fraction of the height in [0, 1] (default: half way, so
        that a still picture shows the inside; 1 shows the whole box).

    Examples
    --------
    >>> import neuronboundary as nb
    >>> found = nb.regions_in(nb.Network.random([3, 8, 8, 1], seed=7), ((-2, 2),) * 3)
    >>> fig = regions_3d_figure(found)
    >>> sorted({tr.name for tr in fig.data}), len(fig.layout.sliders[0].steps)
    (['output < 0', 'output > 0'], 5)
    """
    if not isinstance(regions, BoxRegions) or regions.network.in_dim != 3:
        raise TypeError(
            "regions must be the BoxRegions of a 3-D box (regions_in(network, box) with a "
            f"network over a 3-D input, e.g. slice_3d); got {type(regions).__name__}"
            + (f" in {regions.network.in_dim}-D." if isinstance(regions, BoxRegions) else ".")
        )
    axis_titles = as_titles(axis_titles, "axis_titles", 3)
    n_cuts = as_int(n_cuts, "n_cuts", low=1)
    if start is not None:
        start = as_float(start, "start")
        if not 0.0 <= start <= 1.0:
            raise ValueError(
                f"start must be a fraction of the height in [0, 1] (0.5: half way, 1: the whole "
                f"box); got {number_text(start)}."
            )
    labels, names, colours = _classes(regions, labels, class_names)
    axis = 2
    (lo, hi) = regions.box[axis]
    cuts = np.linspace(lo, hi, n_cuts + 1)[1:]
    band = np.minimum(np.searchsorted(cuts, regions.points[:, axis], side="left"), n_cuts - 1)
    fig = go.Figure()
    fig.update_layout(template=TEMPLATE, title=dict(text=title or _title(regions), x=0.02))
    trace_band = []
    shown = set()
    for b in range(n_cuts):
        for c in np.unique(labels).tolist():
            regs = np.flatnonzero((band == b) & (labels == c))
            if regs.size == 0:
                continue
            mesh = _mesh(regions, regs, names[c], colours[c], c not in shown, 1000 + c)
            fig.add_trace(mesh)
            shown.add(c)
            trace_band.append(b)
    trace_band = np.array(trace_band)
    active = n_cuts // 2 if start is None else n_cuts - 1 if start >= 1 else int(start * n_cuts)
    for trace, b in zip(fig.data, trace_band.tolist(), strict=True):
        trace.visible = b <= active
    steps = [
        dict(
            method="restyle",
            args=[{"visible": (trace_band <= k).tolist()}],
            label=f"{cuts[k]:.3g}",
        )
        for k in range(n_cuts)
    ]
    fig.update_layout(
        sliders=[
            dict(
                active=active,
                steps=steps,
                currentvalue=dict(prefix=f"regions with {axis_titles[axis]} below "),
                pad=dict(t=10),
            )
        ],
        scene=dict(
            # the axis walls stand a little outside the box: on its faces they would fight
            # with the regions' faces for the same depth (a speckled picture)
            xaxis=dict(title=axis_titles[0], range=_padded(regions.box[0])),
            yaxis=dict(title=axis_titles[1], range=_padded(regions.box[1])),
            zaxis=dict(title=axis_titles[2], range=_padded(regions.box[2])),
            aspectmode="cube",
            camera=dict(eye=dict(x=1.6, y=-1.6, z=1.1)),
        ),
        legend=dict(itemsizing="constant"),
        height=700,
    )
    return fig


def _padded(interval: tuple[float, float]) -> list[float]:
    lo, hi = interval
    pad = 0.02 * (hi - lo)
    return [lo - pad, hi + pad]


def _title(regions: BoxRegions) -> str:
    return f"{regions.n_regions:,} regions in a 3-D box, each a convex polytope"


def _classes(
    regions: BoxRegions, labels: Any, class_names: Any
) -> tuple[np.ndarray, dict[int, str], dict[int, str]]:
    net = regions.network
    sign_output = (
        net.out_dim == 1 and not net._skips_into(net.n_layers) and net.activations[-1] == "identity"
    )
    if labels is None and sign_output:
        labels = (regions.signs[:, -1] > 0).astype(np.int64)
        names = {0: "output < 0", 1: "output > 0"}
        colours = {0: NEGATIVE, 1: POSITIVE}
    else:
        if labels is None:  # the exact predicted class at each region's interior point
            ext, i, j = decision_network(net)
            diffs = ext.split(ext.signs(regions.points))[-1]
            labels = labels_from_signs(diffs, i, j, net.out_dim)
        labels = as_whole_numbers(labels, "labels")
        if labels.shape != (regions.n_regions,):
            raise ValueError(
                f"labels must give one class per region ({regions.n_regions}); got "
                f"{labels.shape[0] if labels.ndim == 1 else f'shape {labels.shape}'}."
            )
        names = {c: f"class {c}" for c in np.unique(labels).tolist()}
        colours = {c: CLASS_PALETTE[c % len(CLASS_PALETTE)] for c in names}
    if class_names is not None:
        if isinstance(class_names, str) or not hasattr(class_names, "__len__"):
            raise TypeError(
                f"class_names must be a sequence of names, class_names[c] for class c, e.g. "
                f"['negative', 'positive']; got {shown(class_names)}."
            )
        short = [c for c in names if not 0 <= c < len(class_names)]
        if short:
            raise ValueError(
                f"class_names must name every class: it has {len(class_names)} name(s), but "
                f"the labels hold class {short[0]}; pass one name per class from 0 to "
                f"{max(names)}."
            )
        names = {c: str(class_names[c]) for c in names}
    return labels, names, colours


def _mesh(
    regions: BoxRegions, regs: np.ndarray, name: str, colour: str, legend: bool, rank: int
) -> go.Mesh3d:
    """One trace of several regions: their polytopes, each face shaded by its region."""
    xyz, tri, shade = [], [], []
    at = 0
    for r in regs.tolist():
        v, t = polytope_mesh(regions.vertices(r))
        xyz.append(v)
        tri.append(t + at)
        shade.append(np.full(t.shape[0], (r * 5) % SHADES, dtype=np.uint8))
        at += v.shape[0]
    xyz_arr = np.vstack(xyz)
    ijk = np.vstack(tri).astype(np.uint32 if at >= 2**16 else np.uint16)
    return go.Mesh3d(
        x=xyz_arr[:, 0],
        y=xyz_arr[:, 1],
        z=xyz_arr[:, 2],
        i=ijk[:, 0],
        j=ijk[:, 1],
        k=ijk[:, 2],
        intensity=np.concatenate(shade),
        intensitymode="cell",
        colorscale=_shades(colour),
        cmin=0,
        cmax=SHADES - 1,
        showscale=False,
        flatshading=True,
        lighting=dict(ambient=0.55, diffuse=0.7, specular=0.05, roughness=0.9),
        name=name,
        legendgroup=name,
        legendrank=rank,
        showlegend=legend,
        hovertemplate=f"{name}<extra></extra>",
    )
