"""Activations of one ``nn.Linear`` inside any ``nn.Module``, collected from real data.

A forward hook on the chosen layer records its output (the pre-activation ``W x + b``) batch by
batch under ``torch.no_grad()`` in eval mode, and stops the forward pass right there: layers
after it are never computed, and nothing else of the model's activations is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from neuronboundary.layer import find_linear

__all__ = ["collect_activations", "iter_activations"]


class _Captured(Exception):
    """Raised by the hook to stop the forward pass once the layer's output is captured."""

    def __init__(self, output: Any) -> None:
        super().__init__()
        self.output = output


def _batches(data: Any, batch_size: int) -> Iterable[Any]:
    import torch

    if isinstance(data, (torch.Tensor, np.ndarray)):
        tensor = torch.as_tensor(data)
        if tensor.ndim < 1 or tensor.shape[0] == 0:
            raise ValueError(
                f"data must hold at least one sample; got shape {tuple(tensor.shape)}."
            )
        return tensor.split(batch_size)
    if hasattr(data, "__iter__"):
        return data
    raise TypeError(
        f"data must be a tensor, an array or an iterable of batches (a DataLoader); got {type(data).__name__}."
    )


def iter_activations(
    model: Any,
    layer: str,
    data: Any,
    *,
    batch_size: int = 256,
    device: Any = None,
    progress: bool = False,
) -> Iterator[Any]:
    """Yield the pre-activation outputs of ``model``'s Linear ``layer``, one batch at a time.

    Parameters
    ----------
    model : torch.nn.Module
    layer : dotted name of an ``nn.Linear`` inside it (``linear_layer_names(model)`` lists them)
    data : a tensor/array of inputs (split into ``batch_size`` rows), or an iterable such as a
        DataLoader yielding input tensors or ``(inputs, targets, ...)`` tuples
    device : where to run (default: the model's device); outputs come back on the CPU
    progress : show a progress bar

    Yields
    ------
    torch.Tensor (b, m) on the CPU, float32 as the model computes it.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    >>> [tuple(b.shape) for b in iter_activations(model, "0", torch.zeros(5, 4), batch_size=2)]
    [(2, 3), (2, 3), (1, 3)]
    """
    import torch

    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1; got {batch_size!r}.")
    module = find_linear(model, layer)
    if device is None:
        first = next(model.parameters(), None)
        device = first.device if first is not None else torch.device("cpu")
    batches = _batches(data, batch_size)
    if progress:
        from tqdm.auto import tqdm

        batches = tqdm(batches, desc=f"activations of {layer}", unit="batch")

    def hook(_module: Any, _inputs: Any, output: Any) -> None:
        raise _Captured(output)

    handle = module.register_forward_hook(hook)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for batch in batches:
                inputs = batch[0] if isinstance(batch, (tuple, list)) else batch
                inputs = torch.as_tensor(inputs).to(device)
                try:
                    model(inputs)
                except _Captured as captured:
                    yield captured.output.detach().to("cpu")
                else:  # pragma: no cover - the hook always fires when the layer is used
                    raise RuntimeError(
                        f"the forward pass never reached layer {layer!r}: is it used by model.forward?"
                    )
    finally:
        handle.remove()
        model.train(was_training)


def collect_activations(model: Any, layer: str, data: Any, **kwargs: Any) -> Any:
    """All pre-activation outputs of ``layer`` over ``data``, concatenated: tensor (n, m).

    Same arguments as :func:`iter_activations`. For data too large to hold, stream
    ``iter_activations(...)`` into :func:`~neuronboundary.quantile_thresholds` instead.

    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 3))
    >>> collect_activations(model, "0", torch.zeros(5, 4)).shape
    torch.Size([5, 3])
    """
    import torch

    parts = list(iter_activations(model, layer, data, **kwargs))
    if not parts:
        raise ValueError("data yielded no batch: there is nothing to collect.")
    return torch.cat(parts, dim=0)
