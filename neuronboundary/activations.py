"""Activations of any module inside any ``nn.Module``, collected from real data.

A forward hook on the chosen module records its output (for an ``nn.Linear``, the
pre-activation ``W x + b``), or a forward pre-hook its input (``inputs=True``), batch by batch
under ``torch.no_grad()`` in eval mode, and stops the forward pass right there: modules after it
are never computed, and nothing else of the model's activations is kept. Data may be a tensor, a
numpy array, nested lists, or an iterable of batches such as a ``DataLoader`` (batches as
tensors, tuples or dicts).

Neurons are columns. An ``nn.Linear``'s neurons are its features (the last dimension), and every
leading dimension is a sample: a layer applied to (b, t, d) tokens gives (b * t, m). Any other
module's output for one sample is a block of neurons, flattened in C order: a ``Conv2d``'s
(b, C, H, W) gives (b, C * H * W), and neuron ``i`` is channel and position
``numpy.unravel_index(i, (C, H, W))``; that shape is recorded as ``neuron_shape``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from neuronboundary._validate import as_int, is_integer, shown, unwrap_scalar

__all__ = ["ActivationStream", "collect_activations", "iter_activations"]

_INPUT_KEYS = ("input", "inputs", "x")
_LISTED = 12  # module names listed in an error


class _Captured(Exception):
    """Raised by the hook to stop the forward pass once the module's tensor is captured."""

    def __init__(self, tensor: Any) -> None:
        super().__init__()
        self.tensor = tensor


def _as_tensor(data: Any, what: str, shape: str) -> Any:
    """``data`` as a tensor (tensors as they are); ``what`` and its ``shape`` in the error."""
    import torch

    if isinstance(data, torch.Tensor):
        return data
    try:
        return torch.as_tensor(np.asarray(data))
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(
            f"{what} must be numbers (a tensor, an array or nested lists of shape {shape}); got "
            f"{type(data).__name__}: {err}"
        ) from None


def _as_samples(data: Any) -> Any:
    """A whole dataset given as one array-like: a tensor of shape (n, ...)."""
    tensor = _as_tensor(data, "data", "(n, d)")
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
        if not is_integer(index):  # int, numpy integer, 0-d integer array or tensor
            raise TypeError(
                f"input_key for a tuple/list batch must be a position (int); got {shown(index)} "
                f"({type(index).__name__})."
            )
        index = int(unwrap_scalar(index))
        if not -len(batch) <= index < len(batch):
            raise IndexError(
                f"input_key {shown(index)} is out of range for a batch of {len(batch)} elements."
            )
        return batch[int(index)]
    return batch


def _find_module(model: Any, layer: Any) -> Any:
    """The submodule of ``model`` at dotted path ``layer``, with an error that lists some."""
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}.")
    if not isinstance(layer, str):
        raise TypeError(f"layer must be a dotted module name (str); got {shown(layer)}.")
    try:
        return model.get_submodule(layer)
    except AttributeError:
        names = [name for name, _ in model.named_modules() if name]
        listed = ", ".join(repr(n) for n in names[:_LISTED]) or "none"
        more = f" and {len(names) - _LISTED} more" if len(names) > _LISTED else ""
        raise LookupError(
            f"no module named {layer!r} in {type(model).__name__}; its modules are: "
            f"{listed}{more} (model.named_modules() lists them all)."
        ) from None


def _model_dtype_device(model: Any, device: Any) -> tuple[Any, Any]:
    import torch

    params = [p for p in model.parameters() if p.is_floating_point()]
    dtype = params[0].dtype if params else torch.get_default_dtype()
    if device is None:
        device = params[0].device if params else torch.device("cpu")
    try:
        return dtype, torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        error = ValueError if isinstance(device, str) else TypeError
        raise error(
            f'device must be a torch.device or a device string such as "cpu", "cuda", '
            f'"cuda:0" or "mps" (None: the model\'s device); got {shown(device)}.'
        ) from None


def _takes_token_ids(model: Any) -> bool:
    import torch

    return any(isinstance(m, (torch.nn.Embedding, torch.nn.EmbeddingBag)) for m in model.modules())


class ActivationStream:
    """The batches of one module's activations, as :func:`iter_activations` yields them.

    Iterate it once for tensors of shape (b, m), one column per neuron (see the module's notes on
    which dimensions are neurons). It runs the model batch by batch as it is iterated.

    Attributes
    ----------
    layer : str
        The module's dotted name.
    module_type : str
        Its class name, e.g. ``"Conv2d"``.
    inputs : bool
        True for the module's inputs, False for its outputs.
    neuron_shape : tuple of int or None
        The shape of one sample's neurons, e.g. ``(C, H, W)`` for a ``Conv2d`` (``(m,)`` for
        an ``nn.Linear``); known once the first batch has run, None before. Neuron ``i`` is
        ``numpy.unravel_index(i, neuron_shape)``.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU())
    >>> stream = iter_activations(model, "0", torch.zeros(5, 1, 4, 4), batch_size=4)
    >>> stream.neuron_shape is None  # nothing has run yet
    True
    >>> [tuple(b.shape) for b in stream], stream.neuron_shape
    ([(4, 8), (1, 8)], (2, 2, 2))
    """

    def __init__(
        self,
        model: Any,
        layer: str,
        module: Any,
        batches: Iterable[Any],
        *,
        inputs: bool,
        input_key: Any,
        dtype: Any,
        device: Any,
        progress: bool,
    ) -> None:
        self.layer = layer
        self.module_type = type(module).__name__
        self.inputs = inputs
        self.neuron_shape: tuple[int, ...] | None = None
        self._run = _Run(model, layer, module, inputs, input_key, dtype, device)
        if progress:
            from tqdm.auto import tqdm

            batches = tqdm(batches, desc=f"activations of {layer}", unit="batch")
        self._batches = self._generate(batches)

    def __iter__(self) -> ActivationStream:
        return self

    def __next__(self) -> Any:
        return next(self._batches)

    def __repr__(self) -> str:
        what = "inputs" if self.inputs else "outputs"
        return (
            f"ActivationStream({what} of {self.layer!r}, a {self.module_type}, neuron_shape="
            f"{self.neuron_shape})"
        )

    def _generate(self, batches: Iterable[Any]) -> Iterator[Any]:
        for batch in batches:
            tensor = self._run(batch)
            if self._run.linear:  # leading dimensions are samples (tokens, positions)
                self.neuron_shape = tuple(tensor.shape[-1:])
                flat = tensor.reshape(-1, tensor.shape[-1])
            else:  # one sample's output is a block of neurons
                self.neuron_shape = tuple(tensor.shape[1:])
                flat = tensor.reshape(tensor.shape[0], -1)
            yield flat.to("cpu")


class _Run:
    """Runs the model on one batch with the capturing hook and the input checks in place; the
    hooks are removed and the model's mode restored after every batch, so nothing lingers
    between batches or after an iteration left unfinished."""

    def __init__(
        self,
        model: Any,
        layer: str,
        module: Any,
        inputs: bool,
        input_key: Any,
        dtype: Any,
        device: Any,
    ) -> None:
        import torch

        self.model, self.layer, self.module = model, layer, module
        self.inputs, self.input_key, self.dtype, self.device = inputs, input_key, dtype, device
        self.linear = isinstance(module, torch.nn.Linear)
        self.keep_integers = _takes_token_ids(model)
        checked = (torch.nn.Linear, torch.nn.modules.conv._ConvNd, torch.nn.Embedding)
        self.checked = [(n, m) for n, m in model.named_modules() if isinstance(m, checked)]
        self.first: str | None = None  # the first checked module a batch reaches

    def __call__(self, batch: Any) -> Any:
        import torch

        x = _as_tensor(_pick_input(batch, self.input_key), "each batch of data", "(b, ...)")
        if x.ndim == 0:
            raise ValueError(
                "a batch of data is a single number; batches must have shape (b, ...)."
            )
        if x.is_floating_point() or (not self.keep_integers and not x.is_complex()):
            x = x.to(device=self.device, dtype=self.dtype)  # integer pixels are numbers too
        else:
            x = x.to(self.device)  # token ids for an nn.Embedding
        self.first = None
        handles = [m.register_forward_pre_hook(self._checker(n)) for n, m in self.checked]
        if self.inputs:
            handles.append(self.module.register_forward_pre_hook(self._capture_input))
        else:
            handles.append(self.module.register_forward_hook(self._capture_output))
        was_training = self.model.training
        try:
            self.model.eval()
            with torch.no_grad():
                self.model(x)
        except _Captured as captured:
            return captured.tensor
        finally:
            for handle in handles:
                handle.remove()
            self.model.train(was_training)
        raise RuntimeError(  # pragma: no cover - the hook always fires when the layer is used
            f"the forward pass never reached module {self.layer!r}: is it used by model.forward?"
        )

    def _capture_output(self, _module: Any, _args: Any, output: Any) -> None:
        raise _Captured(self._tensor(output, "returned"))

    def _capture_input(self, _module: Any, args: Any) -> None:
        raise _Captured(self._tensor(args[0] if args else None, "received"))

    def _tensor(self, value: Any, verb: str) -> Any:
        import torch

        if not isinstance(value, torch.Tensor):
            raise TypeError(
                f"module {self.layer!r} ({type(self.module).__name__}) {verb} a "
                f"{type(value).__name__}, not a tensor: pick a module whose "
                f"{'input' if verb == 'received' else 'output'} is one tensor (one of its "
                f"submodules, or the module that follows it)."
            )
        if value.ndim == 0:
            raise ValueError(f"module {self.layer!r} {verb} a single number, not a batch.")
        return value.detach()

    def _checker(self, name: str) -> Any:
        def check(module: Any, args: Any) -> None:
            if not args or not hasattr(args[0], "dtype"):
                return
            first = self.first is None
            if first:
                self.first = name
            _check_input(name, module, args[0], first)

        return check


def _check_input(name: str, module: Any, x: Any, first: bool) -> None:
    """Refuse, naming the module, an input that ``module`` cannot take (torch's own message
    would name matrix shapes, not the layer)."""
    import torch

    if getattr(module, "has_uninitialized_params", lambda: False)():
        return  # a lazy module learns its input width from the first batch
    kind = type(module).__name__
    where = f"the model's first layer {name!r}" if first else f"layer {name!r}"
    came = "the data's batches have" if first else "its input (from the modules before it) has"
    if isinstance(module, torch.nn.Embedding):
        if x.is_floating_point():
            raise TypeError(
                f"{where} is nn.Embedding({module.num_embeddings}, {module.embedding_dim}): it "
                f"expects integer token ids; {came} dtype {x.dtype}. Pass integer data "
                f"(e.g. x.long())."
            )
        return
    if x.dtype != module.weight.dtype:
        raise TypeError(
            f"{where} is nn.{kind} with {module.weight.dtype} weights: it expects "
            f"{module.weight.dtype} inputs; {came} dtype {x.dtype}. Cast the data (e.g. "
            f"x.to({module.weight.dtype})) or the model (model.to({x.dtype}))."
        )
    if isinstance(module, torch.nn.Linear):
        if x.ndim == 0 or x.shape[-1] != module.in_features:
            raise ValueError(
                f"{where} is nn.Linear(in_features={module.in_features}, out_features="
                f"{module.out_features}): it expects inputs of width {module.in_features}, "
                f"shape (b, {module.in_features}); {came} shape {tuple(x.shape)}."
            )
        return
    dims = len(module.kernel_size)  # a convolution over `dims` spatial dimensions
    channels = x.shape[-dims - 1] if x.ndim in (dims + 1, dims + 2) else None
    if channels != module.in_channels:
        expected = ", ".join(["b", str(module.in_channels)] + ["..."] * dims)
        raise ValueError(
            f"{where} is nn.{kind}(in_channels={module.in_channels}): it expects inputs of "
            f"shape ({expected}), {module.in_channels} channels; {came} shape "
            f"{tuple(x.shape)}."
        )


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
) -> ActivationStream:
    """Yield the outputs (or inputs) of ``model``'s module ``layer``, batch by batch.

    Parameters
    ----------
    model : torch.nn.Module
        Run in eval mode under ``torch.no_grad()``; its mode is restored afterwards.
    layer : str
        Dotted name of any module inside it (``model.named_modules()`` lists them): an
        ``nn.Linear`` (its outputs are the pre-activations ``W x + b``), a convolution, an
        activation such as ``nn.ReLU``, a ``BatchNorm``, a block.
    data : tensor, array, nested lists, or iterable of batches
        Either all samples at once, shape (n, ...) (split into ``batch_size`` rows; 1-D data is
        an error: give one row per sample), or an iterable of batches such as a
        ``torch.utils.data.DataLoader``. A batch is a tensor/array, a tuple/list such as
        ``(inputs, targets)`` or a dict such as ``{"input": ..., "label": ...}``.
    inputs : bool
        False: the module's outputs. True: its inputs (a forward pre-hook), e.g. what a Linear
        layer deep in the model actually reads.
    batch_size : int
        Rows per forward pass when ``data`` is one array (>= 1).
    input_key : int or str, optional
        Which element of a batch is the model's input: a position for tuple/list batches
        (default 0) or a key for dict batches (default the first of "input", "inputs", "x").
    device : torch.device or str, optional
        Where to run, e.g. ``"cpu"``, ``"cuda"``, ``"cuda:0"`` (default: the model's device). Inputs are cast to the model's dtype
        (float64 numpy data to float32, integer or boolean pixels to floats), except integer
        inputs of a model with an ``nn.Embedding``, which are token ids and are kept.
    progress : bool
        Show a progress bar over the batches (tqdm).

    Returns
    -------
    ActivationStream
        An iterator of tensors of shape (b, m) on the CPU, in the model's dtype, one column per
        neuron: an ``nn.Linear``'s features, every leading dimension being a sample (tokens:
        (b * t, m)); any other module's output of one sample flattened (a ``Conv2d``: (b,
        C * H * W)). Its ``neuron_shape`` (e.g. ``(C, H, W)``) maps a neuron back:
        ``numpy.unravel_index(i, stream.neuron_shape)``.

    Raises
    ------
    ValueError
        ``batch_size`` < 1 or 1-D/empty data (at the call, before iteration); during iteration,
        data whose width (or channels) a Linear (or convolution) of the model cannot take, with
        the layer's name and the width it expects.
        An unknown ``device`` string such as ``"gpu"``.
    TypeError
        During iteration, inputs of a dtype a layer cannot take (with the layer and the dtype
        it expects), or a module whose output is not a tensor.
    LookupError
        ``layer`` is not the name of a module of ``model``.

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
    batch_size = as_int(batch_size, "batch_size", low=1)
    module = _find_module(model, layer)
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
    return ActivationStream(
        model,
        layer,
        module,
        batches,
        inputs=inputs,
        input_key=input_key,
        dtype=dtype,
        device=device,
        progress=progress,
    )


def collect_activations(
    model: Any, layer: str, data: Any, *, inputs: bool = False, flatten: bool = True, **kwargs: Any
) -> Any:
    """All outputs (or inputs) of module ``layer`` over ``data``: a tensor (n, m).

    Same arguments as :func:`iter_activations`; ``inputs=True`` gives the module's inputs. For
    data too large to hold, give :func:`~neuronboundary.quantile_thresholds` a callable,
    ``lambda: iter_activations(model, layer, loader)``, instead: it runs the model once per pass.

    Parameters
    ----------
    flatten : bool
        True: one column per neuron, (n, m). False: each sample's neurons in their own shape,
        ``(n, *neuron_shape)``, e.g. (n, C, H, W) for a ``Conv2d`` (an ``nn.Linear`` gives
        (n, m) either way).

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 3))
    >>> collect_activations(model, "0", torch.zeros(5, 4)).shape
    torch.Size([5, 3])
    >>> collect_activations(model, "0", np.zeros((5, 4)), inputs=True).dtype  # float64 in
    torch.float32
    >>> cnn = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU())
    >>> collect_activations(cnn, "1", torch.zeros(5, 1, 4, 4)).shape  # 2 channels x 2 x 2
    torch.Size([5, 8])
    >>> collect_activations(cnn, "1", torch.zeros(5, 1, 4, 4), flatten=False).shape
    torch.Size([5, 2, 2, 2])
    """
    import torch

    stream = iter_activations(model, layer, data, inputs=inputs, **kwargs)
    parts = list(stream)
    if not parts:
        raise ValueError("data yielded no batch: there is nothing to collect.")
    acts = torch.cat(parts, dim=0)
    return acts if flatten else acts.reshape(acts.shape[0], *stream.neuron_shape)
