"""The house style, defined once: colour-blind-safe colours (Okabe & Ito), marker symbols that
repeat the sign, the plotly template, hover text, and the notebook renderer."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from neuronboundary.layer import NeuronLayer

#: Okabe-Ito palette: distinguishable under the common colour-vision deficiencies.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
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
INPUT_SYMBOLS = ("cross-thin", "x-thin", "star-triangle-up", "diamond-tall")

TEMPLATE = "neuronboundary"
#: plotly.js options of every HTML figure (files and notebook outputs alike).
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}

pio.templates[TEMPLATE] = go.layout.Template(
    layout=go.Layout(
        font=dict(family="DejaVu Sans, Arial, sans-serif", size=13),
        colorway=list(OKABE_ITO),
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


def neuron_colour(n: int) -> str:
    """Colour of neuron n (cycles through the Okabe-Ito palette)."""
    return OKABE_ITO[n % len(OKABE_ITO)]


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
