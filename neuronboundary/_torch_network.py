"""Reading a ``torch.nn.Module`` as a chain of affine layers and activations (for
:meth:`neuronboundary.Network.from_module`)."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from neuronboundary.layer import NeuronLayer

#: Modules refused, with the reason given to the user.
_NOT_PIECEWISE_LINEAR = {
    "GELU": "it is smooth, not piecewise linear",
    "SiLU": "it is smooth, not piecewise linear",
    "Sigmoid": "it is smooth, not piecewise linear",
    "Tanh": "it is smooth, not piecewise linear",
    "Softplus": "it is smooth, not piecewise linear",
    "ELU": "it is smooth for negative inputs, not piecewise linear",
    "Softmax": "it is not piecewise linear (exponentials)",
    "LogSoftmax": "it is not piecewise linear (exponentials)",
    "LayerNorm": "it divides by a data-dependent standard deviation (not affine)",
    "GroupNorm": "it divides by a data-dependent standard deviation (not affine)",
    "MaxPool1d": "a max of several inputs is piecewise linear with boundaries not given by "
    "neurons; only affine layers and ReLU-type activations are supported",
    "MaxPool2d": "a max of several inputs is piecewise linear with boundaries not given by "
    "neurons; only affine layers and ReLU-type activations are supported",
}


def _refuse(name: str, module: Any, why: str) -> TypeError:
    return TypeError(
        f"Network.from_module cannot read module {name!r} ({type(module).__name__}): {why}. "
        f"Supported: nn.Sequential of Linear, ReLU, LeakyReLU, Identity, Flatten, Dropout and "
        f"BatchNorm1d (eval mode), Conv1d/Conv2d/AvgPool1d/AvgPool2d with input_shape."
    )


def _flatten(model: Any, prefix: str = "") -> list[tuple[str, Any]]:
    import torch

    if isinstance(model, torch.nn.Sequential):
        out = []
        for name, child in model.named_children():
            out.extend(_flatten(child, f"{prefix}{name}."))
        return out
    return [(prefix.rstrip(".") or type(model).__name__, model)]


def _dense(module: Any, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """An affine module as (matrix (out, in), bias (out,), output shape), in float64."""
    import torch

    mod = copy.deepcopy(module).double().eval()
    size = int(np.prod(shape))
    with torch.no_grad():
        zero = mod(torch.zeros((1, *shape), dtype=torch.float64))
        basis = mod(torch.eye(size, dtype=torch.float64).reshape(size, *shape))
    out_shape = tuple(zero.shape[1:])
    bias = zero.reshape(-1).numpy().copy()
    matrix = (basis.reshape(size, -1) - zero.reshape(1, -1)).numpy().T.copy()
    return matrix, bias, out_shape


def read_module(model: Any, input_shape: Any = None) -> tuple[list[NeuronLayer], list[float]]:
    """Layers and activation slopes (0 ReLU, 1 identity, a LeakyReLU) of a Sequential model."""
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}.")
    shape: tuple[int, ...] | None = None
    if input_shape is not None:
        try:
            shape = tuple(int(s) for s in np.atleast_1d(np.asarray(input_shape)))
        except (TypeError, ValueError):
            raise TypeError(
                f"input_shape must be a tuple of ints (one input, no batch axis); got {input_shape!r}."
            ) from None
        if not shape or min(shape) < 1:
            raise ValueError(f"input_shape must hold positive sizes; got {input_shape!r}.")
    modules = _flatten(model)
    if not isinstance(model, torch.nn.Sequential) and not isinstance(model, torch.nn.Linear):
        name = type(model).__name__
        raise _refuse(
            name,
            model,
            "only nn.Sequential models (nested allowed) are read; wrap the layers in an "
            "nn.Sequential (a model with a custom forward may do more than chain modules)",
        )

    layers: list[NeuronLayer] = []
    slopes: list[float] = []
    # pending: the affine map of the current layer, (A, c) over the layer's input, or None
    pending: tuple[np.ndarray, np.ndarray] | None = None
    # pre: an affine map to apply before the next layer (normalisation/pooling after an
    # activation), or None
    pre: tuple[np.ndarray, np.ndarray] | None = None

    def compose(mat: np.ndarray, vec: np.ndarray) -> None:
        nonlocal pending, pre
        if pending is not None:
            a, c = pending
            pending = (mat @ a, mat @ c + vec)
        elif pre is not None:
            a, c = pre
            pre = (mat @ a, mat @ c + vec)
        else:
            pre = (mat, vec)

    def close(slope: float) -> None:
        nonlocal pending
        assert pending is not None
        a, c = pending
        layers.append(NeuronLayer(a, c))
        slopes.append(slope)
        pending = None

    for name, module in modules:
        kind = type(module).__name__
        if kind in _NOT_PIECEWISE_LINEAR:
            raise _refuse(name, module, _NOT_PIECEWISE_LINEAR[kind])
        norm_or_dropout = (torch.nn.Dropout, torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)
        if isinstance(module, norm_or_dropout) and module.training:
            raise ValueError(
                f"module {name!r} ({kind}) is in training mode, where it is random or depends "
                f"on the batch; call model.eval() before Network.from_module(model)."
            )
        if isinstance(module, (torch.nn.Identity, torch.nn.Dropout)):
            continue
        if isinstance(module, torch.nn.Flatten):
            if shape is not None:
                shape = (int(np.prod(shape)),)
            continue
        if isinstance(module, (torch.nn.ReLU, torch.nn.LeakyReLU)):
            slope = 0.0 if isinstance(module, torch.nn.ReLU) else float(module.negative_slope)
            if pending is None:
                raise _refuse(
                    name,
                    module,
                    "an activation must follow an affine layer (Linear or convolution); "
                    "two activations in a row or an activation first are not supported",
                )
            close(slope)
            continue
        if isinstance(module, torch.nn.Linear):
            w = module.weight.detach().double().cpu().numpy()
            b = (
                module.bias.detach().double().cpu().numpy()
                if module.bias is not None
                else np.zeros(w.shape[0])
            )
            if shape is not None and shape[-1] != w.shape[1]:
                raise ValueError(
                    f"module {name!r} (Linear) reads {w.shape[1]} inputs but receives shape "
                    f"{shape}; check input_shape or add an nn.Flatten."
                )
            if pending is not None:  # two affine layers in a row: identity between them
                close(1.0)
            if pre is not None:
                a, c = pre
                pending = (w @ a, w @ c + b)
                pre = None
            else:
                pending = (w, b)
            shape = (w.shape[0],)
            continue
        affine = isinstance(
            module,
            (
                torch.nn.Conv1d,
                torch.nn.Conv2d,
                torch.nn.AvgPool1d,
                torch.nn.AvgPool2d,
                torch.nn.BatchNorm1d,
                torch.nn.BatchNorm2d,
            ),
        )
        if not affine:
            raise _refuse(name, module, "this module type is not supported")
        is_layer = isinstance(module, (torch.nn.Conv1d, torch.nn.Conv2d))
        if shape is None:
            if isinstance(module, torch.nn.BatchNorm1d):
                width = module.num_features
                shape = (width,)
            else:
                raise ValueError(
                    f"module {name!r} ({kind}) needs the input's shape: pass input_shape=(C, H, W) "
                    f"(or (C, L) for 1-D) to Network.from_module."
                )
        try:
            mat, vec, out_shape = _dense(module, shape)
        except RuntimeError as err:
            raise ValueError(
                f"module {name!r} ({kind}) does not accept inputs of shape {shape}: {err}"
            ) from None
        if is_layer:
            if pending is not None:
                close(1.0)
            if pre is not None:
                a, c = pre
                pending = (mat @ a, mat @ c + vec)
                pre = None
            else:
                pending = (mat, vec)
        else:
            compose(mat, vec)
        shape = out_shape
    if pending is not None:
        close(1.0)
    if pre is not None:
        if not layers:
            raise _refuse(
                type(model).__name__, model, "it has no Linear or convolution layer (no neurons)"
            )
        # an affine map after the last activation: a layer of its own (identity output)
        a, c = pre
        layers.append(NeuronLayer(a, c))
        slopes.append(1.0)
    if not layers:
        raise _refuse(
            type(model).__name__, model, "it has no Linear or convolution layer (no neurons)"
        )
    return layers, slopes
