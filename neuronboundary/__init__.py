"""neuronboundary: exact multi-neuron analysis of linear layers.

A neuron of ``y = W x + b`` is the affine map ``y_n = w_n . x + b_n``. The package computes,
for many neurons at once, their guidelines, their input boundaries and the exact partition of
the input space into regions of constant sign pattern, and groups of neurons over the input.
"""

from neuronboundary._torch_network import find_linear, linear_layer_names
from neuronboundary.activations import ActivationStream, collect_activations, iter_activations
from neuronboundary.arrangement import Arrangement2D, Region, arrangement_2d
from neuronboundary.groups import (
    GroupPartition1D,
    GroupRule,
    above,
    group_partition_1d,
    group_ranges,
    positive,
    rule,
    top_k,
)
from neuronboundary.network import Network, Neuron, NeuronLayer, Skip
from neuronboundary.partition import Partition1D, crossing_points, partition_1d
from neuronboundary.quantiles import QuantileThresholds, StreamingQuantiles, quantile_thresholds
from neuronboundary.regions import BoxRegions, LinearRegion, Neighbor, region_of, regions_in
from neuronboundary.similarity import neuron_order, similarity
from neuronboundary.slicing import (
    PCA,
    box_domain_along,
    concept_vector,
    pca_directions,
    slice_1d,
    slice_2d,
    slice_2d_through,
    slice_3d,
    sweep_interval,
)

__version__ = "0.1.0"

__all__ = [
    "PCA",
    "ActivationStream",
    "Arrangement2D",
    "BoxRegions",
    "GroupPartition1D",
    "GroupRule",
    "LinearRegion",
    "Neighbor",
    "Network",
    "Neuron",
    "NeuronLayer",
    "Partition1D",
    "QuantileThresholds",
    "Region",
    "Skip",
    "StreamingQuantiles",
    "above",
    "arrangement_2d",
    "box_domain_along",
    "collect_activations",
    "concept_vector",
    "crossing_points",
    "find_linear",
    "group_partition_1d",
    "group_ranges",
    "iter_activations",
    "linear_layer_names",
    "neuron_order",
    "partition_1d",
    "pca_directions",
    "positive",
    "quantile_thresholds",
    "region_of",
    "regions_in",
    "rule",
    "similarity",
    "slice_1d",
    "slice_2d",
    "slice_2d_through",
    "slice_3d",
    "sweep_interval",
    "top_k",
]
