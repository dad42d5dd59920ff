"""Activations of one ``nn.Linear`` inside any ``nn.Module``, collected from real data.

A forward hook on the chosen layer records its output (the pre-activation ``W x + b``), or a
forward pre-hook its input (``inputs=True``), batch by batch under ``torch.no_grad()`` in eval
mode, and stops the forward pass right there: layers after it are never computed, and nothing
else of the model's activations is kept. Data may be a tensor, a numpy array, nested lists, or an
iterable of batches such as a ``DataLoader`` (batches as tensors, tuples or dicts).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from neuronboundary._torch_network import find_linear

__all__ = ["collect_activations", "iter_activations"]

_INPUT_KEYS = ("input", "inputs", "x")


class _Captured(Exception):
    """Raised by the hook to stop the forward pass once the layer's tensor is captured."""

    def __init__(self, tensor: Any) -> None:
        super().__init__()
        self.tensor = tensor


def _as_samples(data: Any) -> Any:
    """A whole dataset given as one array-like: a tensor of shape (n, ...)."""
    import torch

    if isinstance(data, torch.Tensor):
        tensor = data
    else:
        try:
            tensor = torch.as_tensor(np.asarray(data))
        except (TypeError, ValueError, RuntimeError) as err:
            raise TypeError(
                f"data must be numbers (a tensor, array or nested lists of shape (n, d)); "
                f"got {type(data).__name__}: {err}"
            ) from None
    if tensor.ndim < 2:
        raise ValueError(
            f"data must have shape (n, d), one row per sample; got shape {tuple(tensor.shape)}. "
            f"For a single sample x use x[None, :] (or x.reshape(1, -1))."
        )
    if tensor.shape[0] == 0:
        raise ValueError(f"data must hold at least one sample; got shape {tuple(tensor.shape)}.")
    return tensor


def _is_array_like(data: Any) -> bool:
    """A tensor, an array, or nested lists/tuples whose innermost items are numbers."""
    import torch

    if isinstance(data, (torch.Tensor, np.ndarray)):
        return True
    first = data
    while isinstance(first, (list, tuple)):
        if not first:
            return False
        first = first[0]
    return first is not data and isinstance(first, (int, float, np.number))


def _pick_input(batch: Any, input_key: Any) -> Any:
    """The model's input inside one batch of a data loader."""
    if isinstance(batch, dict):
        if input_key is None:
            found = [k for k in _INPUT_KEYS if k in batch]
            if not found:
                raise KeyError(
                    f"a dict batch needs input_key= naming the model's input among its keys "
                    f"{sorted(map(str, batch))}; the default looks for {', '.join(_INPUT_KEYS)}."
                )
            input_key = found[0]
        if input_key not in batch:
            raise KeyError(
                f"input_key {input_key!r} is not a key of the batch; its keys are "
                f"{sorted(map(str, batch))}."
            )
        return batch[input_key]
    if isinstance(batch, (tuple, list)) and batch and not _is_array_like(batch):
        index = 0 if input_key is None else input_key
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(
                f"input_key for a tuple/list batch must be a position (int); got {index!r}."
            )
        if not -len(batch) <= index < len(batch):
            raise IndexError(
                f"input_key {index} is out of range for a batch of {len(batch)} elements."
            )
        return batch[index]
    return batch


def _model_dtype_device(model: Any, device: Any) -> tuple[Any, Any]:
    import torch

    params = [p for p in model.parameters() if p.is_floating_point()]
    dtype = params[0].dtype if params else torch.get_default_dtype()
    if device is None:
        device = params[0].device if params else torch.device("cpu")
    return dtype, torch.device(device)


def iter_activations(
    model: Any,
    layer: str,
    data: Any,
    *,
    inputs: bool = False,
    batch_size: int = 256,
    input_key: Any = None,
    device: Any = None,
    progress: bool = False,
) -> Iterator[Any]:
    """Yield the pre-activation outputs (or inputs) of ``model``'s Linear ``layer``, batch by batch.

    Parameters
    ----------
    model : torch.nn.Module
        Run in eval mode under ``torch.no_grad()``; its mode is restored afterwards.
    layer : str
        Dotted name of an ``nn.Linear`` inside it (``linear_layer_names(model)`` lists them).
    data : tensor, array, nested lists, or iterable of batches
        Either all samples at once, shape (n, ...) (split into ``batch_size`` rows; 1-D data is
        an error: give one row per sample), or an iterable of batches such as a
        ``torch.utils.data.DataLoader``. A batch is a tensor/array, a tuple/list such as
        ``(inputs, targets)`` or a dict such as ``{"input": ..., "label": ...}``.
    inputs : bool
        False: the layer's outputs ``W x + b``, shape (b, m). True: the layer's inputs ``x``
        (a forward pre-hook), shape (b, d).
    batch_size : int
        Rows per forward pass when ``data`` is one array (>= 1).
    input_key : int or str, optional
        Which element of a batch is the model's input: a position for tuple/list batches
        (default 0) or a key for dict batches (default the first of "input", "inputs", "x").
    device : torch.device or str, optional
        Where to run (default: the model's device). Floating inputs are cast to the model's
        dtype (e.g. float64 numpy data to float32); integer inputs (token ids) are kept.
    progress : bool
        Show a progress bar over the batches (tqdm).

    Yields
    ------
    torch.Tensor
        Shape (b, m) (or (b, d) with ``inputs=True``) on the CPU, in the model's dtype. Leading
        dimensions are flattened: a layer applied to (b, t, d) tokens yields (b * t, m).

    Raises
    ------
    ValueError
        ``batch_size`` < 1 or 1-D/empty data (at the call, before iteration).
    LookupError, TypeError
        ``layer`` is not the name of an ``nn.Linear`` of ``model``.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    >>> [tuple(b.shape) for b in iter_activations(model, "0", torch.zeros(5, 4), batch_size=2)]
    [(2, 3), (2, 3), (1, 3)]
    >>> loader = torch.utils.data.DataLoader(
    ...     torch.utils.data.TensorDataset(torch.zeros(5, 4), torch.ones(5)), batch_size=4)
    >>> [tuple(b.shape) for b in iter_activations(model, "2", loader, inputs=True)]
    [(4, 3), (1, 3)]
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1; got {batch_size!r}.")
    module = find_linear(model, layer)
    dtype, device = _model_dtype_device(model, device)
    if _is_array_like(data):
        batches: Iterable[Any] = _as_samples(data).split(batch_size)
    elif hasattr(data, "__iter__") and not isinstance(data, (str, bytes, dict)):
        batches = data
    else:
        raise TypeError(
            f"data must be a tensor, an array, nested lists or an iterable of batches (a "
            f"DataLoader); got {type(data).__name__}."
        )
    return _generate(model, module, layer, batches, inputs, input_key, dtype, device, progress)


def _generate(
    model: Any,
    module: Any,
    layer: str,
    batches: Iterable[Any],
    inputs: bool,
    input_key: Any,
    dtype: Any,
    device: Any,
    progress: bool,
) -> Iterator[Any]:
    import torch

    if progress:
        from tqdm.auto import tqdm

        batches = tqdm(batches, desc=f"activations of {layer}", unit="batch")

    def hook(_module: Any, args: Any, output: Any) -> None:
        raise _Captured(output)

    def pre_hook(_module: Any, args: Any) -> None:
        raise _Captured(args[0])

    handle = (
        module.register_forward_pre_hook(pre_hook) if inputs else module.register_forward_hook(hook)
    )
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for batch in batches:
                x = _pick_input(batch, input_key)
                if not isinstance(x, torch.Tensor):
                    x = torch.as_tensor(np.asarray(x))
                if x.ndim == 0:
                    raise ValueError(
                        "a batch of data is a single number; batches must have shape (b, ...)."
                    )
                x = x.to(device=device, dtype=dtype) if x.is_floating_point() else x.to(device)
                try:
                    model(x)
                except _Captured as captured:
                    tensor = captured.tensor.detach()
                    yield tensor.reshape(-1, tensor.shape[-1]).to("cpu")
                else:  # pragma: no cover - the hook always fires when the layer is used
                    raise RuntimeError(
                        f"the forward pass never reached layer {layer!r}: is it used by "
                        f"model.forward?"
                    )
    finally:
        handle.remove()
        model.train(was_training)


def collect_activations(
    model: Any, layer: str, data: Any, *, inputs: bool = False, **kwargs: Any
) -> Any:
    """All pre-activation outputs (or inputs) of ``layer`` over ``data``: tensor (n, m).

    Same arguments as :func:`iter_activations`; ``inputs=True`` gives the layer's inputs (n, d).
    For data too large to hold, give :func:`~neuronboundary.quantile_thresholds` a callable,
    ``lambda: iter_activations(model, layer, loader)``, instead: it runs the model once per pass.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 3))
    >>> collect_activations(model, "0", torch.zeros(5, 4)).shape
    torch.Size([5, 3])
    >>> collect_activations(model, "0", np.zeros((5, 4)), inputs=True).dtype  # float64 in
    torch.float32
    """
    import torch

    parts = list(iter_activations(model, layer, data, inputs=inputs, **kwargs))
    if not parts:
        raise ValueError("data yielded no batch: there is nothing to collect.")
    return torch.cat(parts, dim=0)
