"""The house style, defined once: colour-blind-safe colours (a qualitative palette for which
neuron, vermillion/blue for the sign, never the same channel for both), marker symbols that
repeat the sign, legend keys, the plotly template, hover text, and the notebook renderer."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from neuronboundary.network import NeuronLayer

#: Okabe-Ito palette: distinguishable under the common colour-vision deficiencies.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
#: Identity palette: Paul Tol's "muted" hues with black in place of olive (which sat next to
#: ochre under protanopia), ordered so that neighbours differ in lightness. Checked by
#: simulating the three colour-vision deficiencies (Machado et al. 2009): the closest pair of
#: the first eight stays at CIE76 distance >= 15 in each (Okabe-Ito: 16; its 0/5 and 1/4 pairs
#: share a hue). None of them is the vermillion or blue that mean "positive" and "negative".
NEURON_PALETTE = (
    "#332288",  # indigo
    "#DDAA33",  # ochre
    "#117733",  # green
    "#CC6677",  # rose
    "#88CCEE",  # cyan
    "#000000",  # black
    "#AA4499",  # purple
    "#44AA99",  # teal
    "#882255",  # wine
)
POSITIVE = "#D55E00"  # vermillion: output > 0
NEGATIVE = "#0072B2"  # blue: output < 0
NEUTRAL = "#7F7F7F"
POSITIVE_FILL = "rgba(213, 94, 0, 0.10)"
NEGATIVE_FILL = "rgba(0, 114, 178, 0.10)"
POSITIVE_BAND = "rgba(213, 94, 0, 0.55)"
NEGATIVE_BAND = "rgba(0, 114, 178, 0.55)"
#: Sign is shown by shape as well as colour.
POSITIVE_SYMBOL = "triangle-up"
NEGATIVE_SYMBOL = "triangle-down"
ZERO_SYMBOL = "circle-open"
#: The marker of each marked input (Input 1 "+", Input 2 "x", as in the article), drawn on the
#: input axis; its outputs use the filled symbol of the same shape when positive and the open one
#: when negative, so input and sign are both readable without colour.
INPUT_SYMBOLS = ("cross-thin", "x-thin", "star-triangle-up-open", "diamond-tall-open")
OUTPUT_SYMBOLS = ("cross", "x", "star-triangle-up", "diamond-tall")

TEMPLATE = "neuronboundary"
#: plotly.js options of every HTML figure (files and notebook outputs alike).
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}

pio.templates[TEMPLATE] = go.layout.Template(
    layout=go.Layout(
        font=dict(family="DejaVu Sans, Arial, sans-serif", size=13),
        colorway=list(NEURON_PALETTE),
        plot_bgcolor="white",
        paper_bgcolor="white",
        hovermode="closest",
        xaxis=dict(
            showline=True,
            linecolor="#444",
            gridcolor="#E5E5E5",
            zerolinecolor="#999",
            ticks="outside",
        ),
        yaxis=dict(
            showline=True,
            linecolor="#444",
            gridcolor="#E5E5E5",
            zerolinecolor="#999",
            ticks="outside",
        ),
        legend=dict(bgcolor="rgba(255,255,255,0.85)", bordercolor="#DDD", borderwidth=1),
        margin=dict(l=70, r=30, t=70, b=60),
        width=900,
        height=600,
    )
)


#: Dash patterns that join the colour for many neurons (identity stays unique for any m).
DASHES = ("solid", "dash", "dot", "dashdot")
#: Beyond this many neurons the legend goes below the plot, in rows, and lists every neuron.
MANY_NEURONS = 10


def neuron_colour(n: int, m: int | None = None) -> str:
    """Colour of neuron ``n`` of ``m``: the palette while it suffices, else ``m`` distinct hues.

    Up to ``len(NEURON_PALETTE)`` neurons every neuron has its own palette colour. For more, the
    colours are ``m`` evenly spaced hues, in two lightness levels, ordered so that neighbouring
    indices are far apart on the hue circle; :func:`neuron_dash` adds a dash pattern so that
    neurons with similar hues still differ.

    >>> neuron_colour(0), neuron_colour(0, 24) != neuron_colour(12, 24)
    ('#332288', True)
    """
    m = len(NEURON_PALETTE) if m is None else m
    if m <= len(NEURON_PALETTE):
        return NEURON_PALETTE[n % len(NEURON_PALETTE)]
    import colorsys

    step = _coprime_step(m)
    hue = ((n * step) % m) / m
    lightness = 0.38 if n % 2 == 0 else 0.55
    r, g, b = colorsys.hls_to_rgb(hue, lightness, 0.75)
    return f"#{round(r * 255):02X}{round(g * 255):02X}{round(b * 255):02X}"


def _coprime_step(m: int) -> int:
    """A step near m / golden ratio that is coprime with m: n -> n * step mod m is a bijection
    that puts consecutive neurons far apart on the hue circle."""
    from math import gcd

    step = max(1, round(m / 1.618))
    while gcd(step, m) != 1:
        step += 1
    return step


#: Marker symbols of the classes of data points (shape repeats the colour's message).
CLASS_SYMBOLS = (
    "circle",
    "square",
    "diamond",
    "triangle-up",
    "x",
    "cross",
    "star",
    "triangle-down",
    "hexagon",
    "pentagon",
    "hourglass",
    "bowtie",
)


def class_colour(c: int, k: int) -> str:
    """Colour of class ``c`` of ``k``: Okabe-Ito while it suffices (8), else ``k`` distinct hues
    (as :func:`neuron_colour`), so no two classes share a colour.

    >>> class_colour(0, 2), class_colour(8, 10) != class_colour(0, 10)
    ('#E69F00', True)
    """
    if k <= len(OKABE_ITO):
        return OKABE_ITO[c % len(OKABE_ITO)]
    return neuron_colour(c, k)


def class_symbol(c: int) -> str:
    """Marker symbol of class ``c`` (cycling through :data:`CLASS_SYMBOLS`)."""
    return CLASS_SYMBOLS[c % len(CLASS_SYMBOLS)]


def neuron_dash(n: int, m: int) -> str:
    """Line dash of neuron ``n`` of ``m``: solid while the palette suffices, else cycling.

    >>> neuron_dash(3, 5), neuron_dash(13, 24)
    ('solid', 'dash')
    """
    return "solid" if m <= len(NEURON_PALETTE) else DASHES[n % len(DASHES)]


def neuron_legend(fig: go.Figure, m: int, **legend: Any) -> None:
    """Place the legend so that it lists every neuron: beside the plot for a few neurons,
    below it in wrapping rows (and a taller figure) for more than :data:`MANY_NEURONS`."""
    if m > MANY_NEURONS:
        rows = -(-(m + 4) // 4)
        fig.update_layout(
            legend=dict(orientation="h", yanchor="top", y=-0.12, x=0, **legend),
            height=(fig.layout.height or 600) + 26 * rows,
            margin=dict(b=90 + 26 * rows),
        )
        fig.update_xaxes(title_standoff=4)
    elif legend:
        fig.update_layout(legend=legend)


def legend_key(name: str, *, group: str = "key", three_d: bool = False, **style: Any) -> Any:
    """A legend-only entry (no data) that explains a mark: ``marker=`` or ``line=`` style.

    >>> legend_key("output > 0", marker=dict(color=POSITIVE)).showlegend
    True
    """
    cls = go.Scatter3d if three_d else go.Scatter
    coords = dict(x=[None], y=[None], **({"z": [None]} if three_d else {}))
    mode = "markers" if "marker" in style else "lines"
    return cls(
        **coords,
        mode=style.pop("mode", mode),
        name=name,
        legendgroup=group,
        showlegend=True,
        hoverinfo="skip",
        **style,
    )


def sign_colour(s: int) -> str:
    """Colour of a sign: positive, negative or neutral."""
    return POSITIVE if s > 0 else NEGATIVE if s < 0 else NEUTRAL


def sign_symbol(s: int) -> str:
    """Marker symbol of a sign (shape repeats the colour's message)."""
    return POSITIVE_SYMBOL if s > 0 else NEGATIVE_SYMBOL if s < 0 else ZERO_SYMBOL


def neuron_hover(layer: NeuronLayer, n: int) -> str:
    """Hover text that names a neuron: index, weight, bias and boundary."""
    w = layer.weight[n]
    b = layer.bias[n]
    if layer.in_dim == 1:
        c = layer.boundary_points[n]
        boundary = "none (w = 0)" if np.isnan(c) else f"x = {c:.4g}"
        return f"neuron {n}<br>w = {w[0]:.4g}<br>b = {b:.4g}<br>boundary: {boundary}"
    weights = ", ".join(f"{v:.4g}" for v in w)
    if not np.any(w):
        boundary = "none (w = 0)"
    else:
        terms = " ".join(f"{v:+.3g}·x{i + 1}" for i, v in enumerate(w))
        boundary = f"{terms} {b:+.3g} = 0"
    return f"neuron {n}<br>w = ({weights})<br>b = {b:.4g}<br>boundary: {boundary}"


def new_figure(title: str, x_title: str, y_title: str) -> go.Figure:
    """An empty figure in the house style with a title and axis titles that say what they are."""
    fig = go.Figure()
    fig.update_layout(template=TEMPLATE, title=dict(text=title, x=0.02))
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return fig


class _HtmlDivRenderer(pio.base_renderers.MimetypeRenderer):
    """Emit each figure as a ``text/html`` div that draws with the page's plotly.js: no 3.5 MB
    copy per figure and nothing from the network (plotly's own HTML renderers always add a
    MathJax script from a CDN). The docs site serves one plotly.min.js for every page."""

    def to_mimebundle(self, fig_dict: dict) -> dict:
        # fill the page's column instead of a fixed width (file exports keep their width)
        layout = fig_dict.setdefault("layout", {})
        layout.pop("width", None)
        layout.get("template", {}).get("layout", {}).pop("width", None)
        layout["autosize"] = True
        html = pio.to_html(
            fig_dict,
            default_width="100%",
            include_plotlyjs=False,
            include_mathjax=False,
            full_html=False,
            config=PLOTLY_CONFIG,
            validate=False,
            auto_play=False,  # a figure with frames (a slider) waits for the reader
        )
        return {"text/html": html}


pio.renderers["neuronboundary_html"] = _HtmlDivRenderer()


def use_renderer(name: str = "neuronboundary_html") -> None:
    """Select the plotly renderer explicitly, so notebooks do not depend on the environment.

    The default emits HTML divs that draw with the plotly.js the page provides (the docs site
    serves one copy). In a local Jupyter session pass ``"notebook"`` to embed plotly.js.
    """
    if name not in pio.renderers:
        raise ValueError(
            f"unknown plotly renderer {name!r}; choose one of {sorted(pio.renderers)}."
        )
    pio.renderers.default = name
