"""Neuron similarity by weight, by bias, or by both, and an order of neurons for plotting.

Definitions (symmetric (m, m) matrices, 1 on the diagonal):

* ``"weight"``: cosine of the weight vectors, in [-1, 1]. 1: parallel boundaries, positive on
  the same side; -1: parallel, opposite sides; 0: perpendicular. A constant neuron (w = 0) has
  no direction: its similarity with every other neuron is 0.
* ``"bias"``: closeness of the boundaries' signed offsets ``beta = -b / |w|`` (the distance of
  the boundary from the origin along the unit normal; in 1-D with w > 0 it is the boundary
  point), as ``1 / (1 + |beta_i - beta_j|)`` in (0, 1]. Offsets are used instead of raw biases
  because a bias means nothing without the weight's scale. Constant neurons: 0 with others.
* ``"both"``: cosine of the augmented vectors ``[w, b]``: the guideline (the affine map) as a
  whole, up to a positive scale. 1 only for the same boundary with the same positive side.
"""

from __future__ import annotations

import numpy as np

from neuronboundary._validate import as_float_array, check_finite
from neuronboundary.network import NeuronLayer, check_layer

__all__ = ["MODES", "neuron_order", "similarity"]

MODES = ("weight", "bias", "both")


def _cosine(vectors: np.ndarray) -> np.ndarray:
    scale = np.max(np.abs(vectors), axis=1)  # rows scaled to max 1 first: no overflow in norm
    scaled = vectors / np.where(scale > 0, scale, 1.0)[:, None]
    norms = np.linalg.norm(scaled, axis=1)
    unit = scaled / np.where(norms > 0, norms, 1.0)[:, None]
    sim = np.clip(unit @ unit.T, -1.0, 1.0)
    np.fill_diagonal(sim, 1.0)
    return sim


def similarity(layer: NeuronLayer, mode: str = "both") -> np.ndarray:
    """Similarity of every pair of neurons, a symmetric (m, m) float64 matrix.

    Parameters
    ----------
    layer : NeuronLayer (m, d)
    mode : ``"weight"``, ``"bias"`` or ``"both"`` (definitions in this module's docstring)

    Examples
    --------
    >>> layer = NeuronLayer([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]], [0.0, -2.0, 0.0])
    >>> similarity(layer, "weight")
    array([[1., 1., 0.],
           [1., 1., 0.],
           [0., 0., 1.]])
    >>> similarity(layer, "bias").round(2)  # offsets 0, 1, 0
    array([[1. , 0.5, 1. ],
           [0.5, 1. , 0.5],
           [1. , 0.5, 1. ]])
    """
    check_layer(layer, "similarity")
    if mode == "weight":
        return _cosine(layer.weight)
    if mode == "both":
        return _cosine(np.column_stack([layer.weight, layer.bias]))
    if mode == "bias":
        _, offsets = layer.hyperplanes()
        const = np.isnan(offsets)
        beta = np.where(const, 0.0, offsets)
        # offsets beyond float64 are +-inf (inf - inf) or so far apart that their distance is
        with np.errstate(invalid="ignore", over="ignore"):  # inf: similarity 0 either way
            sim = 1.0 / (1.0 + np.abs(beta[:, None] - beta[None, :]))
        sim[np.isnan(sim)] = 0.0  # two boundaries out of float64 range: not known to be close
        sim[const, :] = 0.0
        sim[:, const] = 0.0
        np.fill_diagonal(sim, 1.0)
        return sim
    raise ValueError(f"mode must be one of {MODES}; got {mode!r}.")


def neuron_order(sim: np.ndarray) -> np.ndarray:
    """An order of neurons that puts similar ones next to each other (for heatmaps).

    Average-linkage hierarchical clustering on the distance ``1 - sim`` with optimal leaf
    ordering (``scipy.cluster.hierarchy``); deterministic.

    >>> sim = similarity(NeuronLayer([[1.0], [-1.0], [1.0]], [0.0, 0.0, 0.1]), "both")
    >>> neuron_order(sim).tolist()  # 0 and 2 are nearly the same guideline: side by side
    [1, 2, 0]
    """
    from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
    from scipy.spatial.distance import squareform

    s = as_float_array(sim, "sim")
    if s.ndim != 2 or s.shape[0] != s.shape[1]:
        raise ValueError(
            f"sim must be a square (m, m) matrix, e.g. similarity(layer); got shape {s.shape}."
        )
    check_finite(s, "sim")
    if not np.allclose(s, s.T):
        raise ValueError(
            "sim must be symmetric (sim[i, j] == sim[j, i]); symmetrise it, e.g. (sim + sim.T) / 2."
        )
    m = s.shape[0]
    if m < 3:
        return np.arange(m)
    dist = np.clip(1.0 - s, 0.0, None)
    np.fill_diagonal(dist, 0.0)
    condensed = squareform(dist, checks=False)
    tree = linkage(condensed, method="average")
    return leaves_list(optimal_leaf_ordering(tree, condensed)).astype(np.int64)
