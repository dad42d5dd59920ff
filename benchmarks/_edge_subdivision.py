"""Berzins' edge subdivision in 2-D: the peer baseline for the regions of a deep ReLU slice.

Berzins, "Polyhedral Complex Extraction from ReLU Networks using Edge Subdivision", ICML 2023.
The method keeps only the vertices and edges of the complex. For each neuron in forward order it
evaluates the neuron at every vertex, splits every edge whose two ends have opposite signs (the
new vertex by linear interpolation: the neuron is affine on the edge), and joins the two new
vertices that lie on one face of the complex by a new edge. Faces are not stored: every cell of
the complex is identified by its sign vector over the box sides and the neurons processed so far,
and the two faces beside an edge are the edge's sign vector with its one zero (the side or
neuron the edge lies on) perturbed to + and to -. Two split edges whose perturbed sign vectors
agree bound the same face.

This is our own vectorised torch implementation (float64 on the CPU, like the paper's
experiments), written to be fast:

- a sign vector is carried as a Zobrist hash (the wrapping int64 sum of ``sign * key`` over its
  entries, one random 64-bit key per box side and neuron), updated in O(1) per edge and neuron,
  instead of the full int8 rows that the published code stores and sorts; two hashes of
  different sign vectors agree with probability 2**-64;
- the pre-activations of the current layer are kept at every vertex and interpolated along
  split edges with the new vertex (the layer is affine along every edge of the complex of the
  layers before it); the next layer's come from them by one ReLU and one matrix product at the
  start of that layer, instead of evaluating the whole network again at every new vertex;
- edges are updated in place in buffers that grow by doubling; only split edges are touched.

A vertex whose value is exactly 0 counts as positive, as in the paper (a symbolic perturbation
of the neuron's hyperplane): a boundary through an existing vertex then yields a zero-length edge
and possibly a zero-area face, which the exact arrangement does not have. Such events are counted
in ``EdgeSubdivision.n_zero_values``. The region count is Euler's formula for the connected planar
graph of the box: ``F = E - V + 1`` bounded faces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from _peer_models import relu_chain

from neuronboundary import Network

_SEED = 20230723  # keys of the sign-vector hash; any seed works


@dataclass(frozen=True)
class EdgeSubdivision:
    """The 1-skeleton of the complex of a 2-D network slice over a box.

    Attributes
    ----------
    vertices : numpy.ndarray, float64 (V, 2)
    edges : numpy.ndarray, int64 (E, 2)
        Vertex indices.
    n_zero_values : int
        Times a neuron was exactly 0 at a vertex before it was processed (non-generic input,
        treated as positive).
    n_unmatched : int
        Face hashes seen three or more times (a face must be split by exactly two edges, or one
        edge on the box's side): 0 on generic input.
    """

    vertices: np.ndarray
    edges: np.ndarray
    n_zero_values: int
    n_unmatched: int

    @property
    def n_regions(self) -> int:
        """Bounded faces of the planar graph, ``E - V + 1`` (Euler's formula)."""
        return int(self.edges.shape[0] - self.vertices.shape[0] + 1)


class _Buffer:
    """A growable torch buffer along dim 0 (amortised O(1) appends)."""

    def __init__(self, data: torch.Tensor) -> None:
        self.data = data
        self.n = data.shape[0]

    def reserve(self, extra: int) -> None:
        need = self.n + extra
        if need > self.data.shape[0]:
            grown = torch.empty(
                (max(need, 2 * self.data.shape[0]), *self.data.shape[1:]), dtype=self.data.dtype
            )
            grown[: self.n] = self.data[: self.n]
            self.data = grown

    def append(self, rows: torch.Tensor) -> None:
        self.reserve(rows.shape[0])
        self.data[self.n : self.n + rows.shape[0]] = rows
        self.n += rows.shape[0]

    @property
    def view(self) -> torch.Tensor:
        return self.data[: self.n]


def edge_subdivision_2d(net: Network, box: Any) -> EdgeSubdivision:
    """Vertices and edges of the complex of every neuron of ``net`` over ``box``.

    Parameters
    ----------
    net : Network
        A ReLU chain with ``in_dim == 2``; the output layer's zero sets are boundaries too.
    box : ((x_lo, x_hi), (y_lo, y_hi))

    Returns
    -------
    EdgeSubdivision
        ``.n_regions`` counts the regions of all neurons, as ``arrangement_2d(net, box)`` does.

    Examples
    --------
    >>> from neuronboundary import NeuronLayer
    >>> net = Network([NeuronLayer([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.1, 0.2, 0.0])])
    >>> edge_subdivision_2d(net, ((-1, 1), (-1, 1))).n_regions
    7
    """
    net = relu_chain(net, "edge_subdivision_2d")
    if net.in_dim != 2:
        raise ValueError(f"edge_subdivision_2d is 2-D: net.in_dim must be 2, got {net.in_dim}.")
    (x0, x1), (y0, y1) = ((float(a), float(b)) for a, b in box)
    n_sides = 4
    keys = torch.from_numpy(
        np.random.default_rng(_SEED).integers(
            np.iinfo(np.int64).min, np.iinfo(np.int64).max, n_sides + net.n_neurons, np.int64
        )
    )
    # box sides: 0 x >= x0, 1 x <= x1, 2 y >= y0, 3 y <= y1 (sign +1 inside)
    verts = _Buffer(torch.tensor([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=torch.float64))
    side_of_edge = torch.tensor([2, 1, 3, 0])  # bottom, right, top, left
    edges = _Buffer(torch.tensor([[0, 1], [1, 2], [2, 3], [3, 0]], dtype=torch.int64))
    # an edge's sign vector: +1 for every side but the one it lies on (0 there)
    ehash = _Buffer(keys[:n_sides].sum() - keys[side_of_edge])
    eon = _Buffer(side_of_edge.clone())
    weights = [torch.tensor(layer.weight) for layer in net.layers]
    biases = [torch.tensor(layer.bias) for layer in net.layers]
    n_zero = 0
    n_unmatched = 0
    key_at = n_sides
    vals = _Buffer(verts.view)  # the input of layer 0: the coordinates
    for li in range(net.n_layers):
        # the layer's pre-activations at every vertex, from the previous layer's there
        h = vals.view if li == 0 else torch.relu(vals.view)
        vals = _Buffer(torch.addmm(biases[li], h, weights[li].T))
        for k in range(weights[li].shape[0]):
            key = keys[key_at + k]
            v = vals.view[:, k]
            n_zero += int(torch.count_nonzero(v == 0))
            e = edges.view
            pos0 = v[e[:, 0]] >= 0  # 0 counts as positive, as in the paper
            pos1 = v[e[:, 1]] >= 0
            eh = ehash.view
            eh += torch.where(pos0, key, -key)  # this neuron's sign; split edges fixed below
            split = torch.nonzero(pos0 != pos1).squeeze(1)
            s = split.shape[0]
            if s == 0:
                continue
            a, c = e[split, 0], e[split, 1]
            va, vc = v[a], v[c]
            t = (va / (va - vc)).unsqueeze(1)
            pa = verts.view[a]
            new_xy = pa + t * (verts.view[c] - pa)
            ra = vals.view[a]
            new_vals = ra + t * (vals.view[c] - ra)  # the layer is affine along the edge
            new_vals[:, k] = 0.0
            new_ids = torch.arange(verts.n, verts.n + s)
            verts.append(new_xy)
            vals.append(new_vals)
            # the two faces beside each split edge (before this neuron): its zero set to +/-
            old_hash = eh[split] - torch.where(pos0[split], key, -key)
            on = eon.view[split]
            faces = torch.cat([old_hash + keys[on], old_hash - keys[on]])
            order = torch.argsort(faces)
            fs = faces[order]
            same = torch.nonzero(fs[1:] == fs[:-1]).squeeze(1)
            n_unmatched += int(torch.count_nonzero(same[1:] == same[:-1] + 1))
            # split edge (a, c): (a, new) in place, (new, c) appended
            e[split, 1] = new_ids
            edges.append(torch.stack([new_ids, c], 1))
            ehash.append(old_hash + torch.where(pos1[split], key, -key))
            eon.append(on)
            # one new edge across each split face: the face's sign vector with 0 here
            edges.append(torch.stack([new_ids[order[same] % s], new_ids[order[same + 1] % s]], 1))
            ehash.append(fs[same])
            eon.append(torch.full((same.shape[0],), key_at + k, dtype=torch.int64))
        key_at += weights[li].shape[0]
    return EdgeSubdivision(
        vertices=verts.view.numpy().copy(),
        edges=edges.view.numpy().copy(),
        n_zero_values=n_zero,
        n_unmatched=n_unmatched,
    )
