"""Plotly figures of many neurons at once. Each function takes a NeuronLayer (and inputs,
windows, regions) and returns a ``plotly.graph_objects.Figure`` in the house style; nothing here
writes files (see :mod:`neuronboundary.export`)."""

from neuronboundary.plotting._style import (
    NEGATIVE,
    NEURON_PALETTE,
    OKABE_ITO,
    POSITIVE,
    TEMPLATE,
    neuron_colour,
    neuron_dash,
    neuron_hover,
    use_renderer,
)
from neuronboundary.plotting.diagram import two_neurons_figure
from neuronboundary.plotting.groups import group_slider_figure, groups_figure, similarity_figure
from neuronboundary.plotting.network import deep_guidelines_figure, network_slice_figure
from neuronboundary.plotting.one_d import boundaries_1d_figure, guidelines_figure
from neuronboundary.plotting.three_d import regions_3d_figure
from neuronboundary.plotting.two_d import boundaries_2d_figure, planes_figure

__all__ = [
    "NEGATIVE",
    "NEURON_PALETTE",
    "OKABE_ITO",
    "POSITIVE",
    "TEMPLATE",
    "boundaries_1d_figure",
    "boundaries_2d_figure",
    "deep_guidelines_figure",
    "group_slider_figure",
    "groups_figure",
    "guidelines_figure",
    "network_slice_figure",
    "neuron_colour",
    "neuron_dash",
    "neuron_hover",
    "planes_figure",
    "regions_3d_figure",
    "similarity_figure",
    "two_neurons_figure",
    "use_renderer",
]
