"""Reading ``torch.nn.Module`` objects: a model as a chain of affine maps (weights and biases in
float64) and activations, for :meth:`neuronboundary.Network.from_module`, and its ``nn.Linear``
layers by name. Knows torch, not the network model."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch


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
    what = f" ({type(module).__name__})" if module is not None else ""
    return TypeError(
        f"Network.from_module cannot read module {name!r}{what}: {why}. "
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


class _Reader:
    """Reads modules one after the other into layers (affine map + activation) and skips."""

    def __init__(self, shape: tuple[int, ...] | None) -> None:
        self.shape = shape
        self.layers: list[tuple[np.ndarray, np.ndarray]] = []
        self.slopes: list[float] = []
        self.skips: list[tuple[int, int]] = []
        # pending: the affine map of the current layer over its input, or None
        self.pending: tuple[np.ndarray, np.ndarray] | None = None
        # pre: an affine map to apply before the next layer (normalisation or pooling after
        # an activation), or None
        self.pre: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def clean(self) -> bool:
        """Whether the current value is exactly the input of the next layer."""
        return self.pending is None and self.pre is None

    def compose(self, mat: np.ndarray, vec: np.ndarray) -> None:
        if self.pending is not None:
            a, c = self.pending
            self.pending = (mat @ a, mat @ c + vec)
        elif self.pre is not None:
            a, c = self.pre
            self.pre = (mat @ a, mat @ c + vec)
        else:
            self.pre = (mat, vec)

    def close(self, slope: float) -> None:
        assert self.pending is not None
        a, c = self.pending
        self.layers.append((a, c))
        self.slopes.append(slope)
        self.pending = None

    def start_layer(self, mat: np.ndarray, vec: np.ndarray) -> None:
        if self.pending is not None:  # two affine layers in a row: identity between them
            self.close(1.0)
        if self.pre is not None:
            a, c = self.pre
            self.pending = (mat @ a, mat @ c + vec)
            self.pre = None
        else:
            self.pending = (mat, vec)

    def activation(self, name: str, module: Any, slope: float) -> None:
        if self.pending is None:
            raise _refuse(
                name,
                module,
                "an activation must follow an affine layer (Linear or convolution); "
                "two activations in a row, an activation first or after a residual sum are "
                "not supported",
            )
        self.close(slope)

    def step(self, name: str, module: Any) -> None:
        import torch

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
            return
        if isinstance(module, torch.nn.Flatten):
            if self.shape is not None:
                self.shape = (int(np.prod(self.shape)),)
            return
        if isinstance(module, (torch.nn.ReLU, torch.nn.LeakyReLU)):
            slope = 0.0 if isinstance(module, torch.nn.ReLU) else float(module.negative_slope)
            self.activation(name, module, slope)
            return
        if isinstance(module, torch.nn.Linear):
            w = module.weight.detach().double().cpu().numpy()
            b = (
                module.bias.detach().double().cpu().numpy()
                if module.bias is not None
                else np.zeros(w.shape[0])
            )
            if self.shape is not None and self.shape[-1] != w.shape[1]:
                raise ValueError(
                    f"module {name!r} (Linear) reads {w.shape[1]} inputs but receives shape "
                    f"{self.shape}; check input_shape or add an nn.Flatten."
                )
            self.start_layer(w, b)
            self.shape = (w.shape[0],)
            return
        affine = (
            torch.nn.Conv1d,
            torch.nn.Conv2d,
            torch.nn.AvgPool1d,
            torch.nn.AvgPool2d,
            torch.nn.BatchNorm1d,
            torch.nn.BatchNorm2d,
        )
        if not isinstance(module, affine):
            raise _refuse(name, module, "this module type is not supported")
        if self.shape is None:
            if isinstance(module, torch.nn.BatchNorm1d):
                self.shape = (module.num_features,)
            else:
                raise ValueError(
                    f"module {name!r} ({kind}) needs the input's shape: pass input_shape=(C, H, W) "
                    f"(or (C, L) for 1-D) to Network.from_module."
                )
        try:
            mat, vec, out_shape = _dense(module, self.shape)
        except RuntimeError as err:
            raise ValueError(
                f"module {name!r} ({kind}) does not accept inputs of shape {self.shape}: {err}"
            ) from None
        if isinstance(module, (torch.nn.Conv1d, torch.nn.Conv2d)):
            self.start_layer(mat, vec)
        else:
            self.compose(mat, vec)
        self.shape = out_shape

    def residual(self, name: str, source: int) -> int:
        """The current value plus the input of layer ``source``; returns the layer whose input
        the sum is."""
        if self.pre is not None:
            raise _refuse(
                name,
                None,
                "a residual sum right after an affine map that follows an activation is not "
                "supported (put the map inside a Linear)",
            )
        if self.pending is not None:
            self.close(1.0)
        target = len(self.layers)
        if not source < target:
            raise _refuse(name, None, "a residual sum must add the input of an earlier layer")
        self.skips.append((source, target))
        return target

    def finish(
        self, model: Any
    ) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[float], list[tuple[int, int]]]:
        if self.pending is not None:
            self.close(1.0)
        if self.pre is not None:
            if not self.layers:
                raise _refuse(
                    type(model).__name__,
                    model,
                    "it has no Linear or convolution layer (no neurons)",
                )
            a, c = self.pre  # an affine map after the last activation: a layer of its own
            self.layers.append((a, c))
            self.slopes.append(1.0)
        if not self.layers:
            raise _refuse(
                type(model).__name__, model, "it has no Linear or convolution layer (no neurons)"
            )
        return self.layers, self.slopes, self.skips


def _read_shape(input_shape: Any) -> tuple[int, ...] | None:
    if input_shape is None:
        return None
    try:
        shape = tuple(int(s) for s in np.atleast_1d(np.asarray(input_shape)))
    except (TypeError, ValueError):
        raise TypeError(
            f"input_shape must be a tuple of ints (one input, no batch axis); got {input_shape!r}."
        ) from None
    if not shape or min(shape) < 1:
        raise ValueError(f"input_shape must hold positive sizes; got {input_shape!r}.")
    return shape


def read_module(
    model: Any, input_shape: Any = None
) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[float], list[tuple[int, int]]]:
    """Layers, activation slopes (0 ReLU, 1 identity, a LeakyReLU) and residual connections
    ``(source, target)`` of a model: an ``nn.Sequential`` read module by module, anything else
    traced with ``torch.fx`` (chains of modules and sums ``x + f(x)``)."""
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}.")
    reader = _Reader(_read_shape(input_shape))
    if isinstance(model, (torch.nn.Sequential, torch.nn.Linear)):
        for name, module in _flatten(model):
            reader.step(name, module)
        return reader.finish(model)
    return _read_traced(model, reader)


def _read_traced(model: Any, reader: _Reader) -> tuple[list, list, list]:
    """Read a model with a custom ``forward`` through ``torch.fx``: a chain of modules with
    residual sums ``x + f(x)``, where ``x`` is the input of an earlier layer."""
    import operator

    import torch
    import torch.fx

    try:
        graph = torch.fx.symbolic_trace(model).graph
    except Exception as err:  # noqa: BLE001 - any tracing failure means the same to the user
        raise _refuse(
            type(model).__name__,
            model,
            f"its forward could not be traced with torch.fx ({type(err).__name__}: {err}); "
            f"write it as an nn.Sequential or as a chain of modules with x + f(x) sums",
        ) from None
    modules = dict(model.named_modules())
    current = None
    input_of: dict[Any, int] = {}
    adds = (operator.add, torch.add)
    activations = {torch.relu: 0.0, torch.nn.functional.relu: 0.0}
    for node in graph.nodes:
        where = f"{node.op} {node.target}"
        if node.op == "placeholder":
            if current is not None:
                raise _refuse(type(model).__name__, model, "it takes more than one input")
            current = node
            input_of[node] = 0
            continue
        if node.op == "output":
            if node.args[0] is not current:
                raise _refuse(where, None, "the output is not the end of the chain of modules")
            break
        if (node.op == "call_function" and node.target in adds) or (
            node.op == "call_method" and node.target == "add"
        ):
            args = [a for a in node.args if isinstance(a, torch.fx.Node)]
            if len(args) != 2 or current not in args or node.kwargs:
                raise _refuse(where, None, "only sums x + f(x) of two values are supported")
            other = args[0] if args[1] is current else args[1]
            if other not in input_of or other is current:
                raise _refuse(
                    where,
                    None,
                    "a residual sum must add the input of an earlier layer (the model's input or "
                    "a value right after an activation) to the current value",
                )
            target = reader.residual(where, input_of[other])
            input_of = {k: v for k, v in input_of.items() if v != target}
            input_of[node] = target
            current = node
            continue
        first = node.args[0] if node.args else None
        if first is not current:
            raise _refuse(
                where, None, "the model branches; only chains of modules with x + f(x) are read"
            )
        if node.op == "call_module":
            reader.step(str(node.target), modules[str(node.target)])
        elif node.op == "call_function" and node.target in activations:
            reader.activation(where, None, activations[node.target])
        elif node.op == "call_function" and node.target is torch.flatten:
            reader.step(where, torch.nn.Flatten())
        else:
            raise _refuse(where, None, "this operation is not supported")
        current = node
        if reader.clean:
            input_of[node] = len(reader.layers)
    return reader.finish(model)


def linear_layer_names(model: torch.nn.Module) -> list[str]:
    """Dotted names of every ``torch.nn.Linear`` inside ``model`` (in module order).

    >>> import torch
    >>> linear_layer_names(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU()))
    ['0']
    """
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(
            f"model must be a torch.nn.Module; got {type(model).__name__}. Pass the network "
            f"itself (a NeuronLayer holds one layer already)."
        )
    return [name for name, module in model.named_modules() if isinstance(module, torch.nn.Linear)]


def find_linear(model: torch.nn.Module, name: str) -> torch.nn.Linear:
    """The ``torch.nn.Linear`` at dotted path ``name`` in ``model``, with errors that list the options."""
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}.")
    if not isinstance(name, str):
        raise TypeError(f"name must be a dotted module name (str); got {name!r}.")
    available = linear_layer_names(model)
    try:
        module = model.get_submodule(name)
    except AttributeError:
        raise LookupError(
            f"no module named {name!r} in {type(model).__name__}; its Linear layers are: "
            f"{', '.join(repr(n) for n in available) or 'none'}."
        ) from None
    if not isinstance(module, torch.nn.Linear):
        raise TypeError(
            f"module {name!r} is a {type(module).__name__}, not a torch.nn.Linear; its Linear "
            f"layers are: {', '.join(repr(n) for n in available) or 'none'}."
        )
    return module
