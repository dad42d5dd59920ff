"""The network models the peer baselines accept: a plain ReLU chain, and the same as torch."""

from __future__ import annotations

from typing import Any

import torch

from neuronboundary import Network


def relu_chain(net: Any, method: str) -> Network:
    """``net`` if it is a Network of affine layers with ReLU between them (no skips), else a
    clear error naming ``method``, the peer baseline that needs one."""
    if not isinstance(net, Network):
        raise TypeError(f"{method} needs a neuronboundary.Network; got {type(net).__name__}.")
    if net.skips or any(a != "relu" for a in net.activations[:-1]):
        raise ValueError(
            f"{method} needs a plain ReLU chain (no skips, ReLU between layers); got activations "
            f"{net.activations} and {len(net.skips)} skips."
        )
    return net


def torch_model(net: Network, dtype: torch.dtype = torch.float64) -> torch.nn.Sequential:
    """``nn.Sequential(Linear, ReLU, ..., Linear)`` with the weights of ``net`` (a ReLU chain).

    >>> net = Network.random([2, 4, 1], seed=0)
    >>> model = torch_model(net)
    >>> bool(torch.allclose(model(torch.ones(1, 2, dtype=torch.float64)).detach(),
    ...                     torch.from_numpy(net([[1.0, 1.0]]))))
    True
    """
    net = relu_chain(net, "torch_model")
    modules: list[torch.nn.Module] = []
    for i, layer in enumerate(net.layers):
        linear = torch.nn.Linear(layer.in_dim, layer.n_neurons, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(layer.weight))
            linear.bias.copy_(torch.tensor(layer.bias))
        modules.append(linear)
        if i < net.n_layers - 1:
            modules.append(torch.nn.ReLU())
    return torch.nn.Sequential(*modules).eval()
