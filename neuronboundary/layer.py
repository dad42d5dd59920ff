"""``NeuronLayer``: the neurons of one linear layer ``y = W x + b`` as float64 numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from neuronboundary._exact import affine_signs
from neuronboundary._validate import (
    as_float_array,
    as_index,
    as_int,
    as_selection,
    check_finite,
)

if TYPE_CHECKING:
    import torch

__all__ = ["Neuron", "NeuronLayer", "check_layer", "find_linear", "linear_layer_names"]


@dataclass(frozen=True)
class Neuron:
    """One neuron ``y = weight . x + bias`` of a layer (see :meth:`NeuronLayer.neuron`).

    ``boundary`` is the input where the output is zero for a 1-D input (``-bias / weight``),
    ``None`` for a wider input, and NaN for a constant neuron (all weights zero).
    """

    index: int
    weight: np.ndarray
    bias: float
    boundary: float | None

    @property
    def is_constant(self) -> bool:
        """Whether every weight is zero (then the output is ``bias`` everywhere, no boundary)."""
        return not np.any(self.weight)


class NeuronLayer:
    """The m neurons of a linear layer ``y = W x + b`` over a d-dimensional input.

    Parameters
    ----------
    weight : array-like or torch.Tensor, shape (m, d)
        One row per neuron. A 1-D array of length m is read as a layer over a 1-D input (d = 1).
    bias : array-like or torch.Tensor, shape (m,)
        One bias per neuron.

    Both are stored as read-only float64 numpy arrays. Values must be finite and m, d >= 1.
    The outputs are pre-activation: no non-linearity is applied.

    Examples
    --------
    >>> layer = NeuronLayer([[1.0], [-2.0]], [0.5, 1.0])
    >>> layer.n_neurons, layer.in_dim
    (2, 1)
    >>> layer([0.0, 1.0])
    array([[ 0.5,  1. ],
           [ 1.5, -1. ]])
    >>> layer.boundary_points
    array([-0.5,  0.5])
    """

    __slots__ = ("_bias", "_weight")

    def __init__(self, weight: Any, bias: Any) -> None:
        w = as_float_array(weight, "weight")
        b = as_float_array(bias, "bias")
        if w.ndim == 1:
            w = w[:, None]
        if w.ndim != 2:
            raise ValueError(
                f"weight must have shape (n_neurons, in_dim); got shape {w.shape}. "
                f"Pass a 2-D array, e.g. linear.weight of a torch.nn.Linear."
            )
        m, d = w.shape
        if m < 1 or d < 1:
            raise ValueError(
                f"weight must have at least one neuron and one input (m >= 1, d >= 1); "
                f"got shape {w.shape}. An empty layer has nothing to analyse."
            )
        if b.ndim != 1 or b.shape[0] != m:
            raise ValueError(
                f"bias must have shape ({m},) to match weight of shape {w.shape}; got shape "
                f"{b.shape}. Pass one bias per neuron (zeros for a layer without bias)."
            )
        check_finite(w, "weight")
        check_finite(b, "bias")
        w = np.array(w, dtype=np.float64, order="C")
        b = np.array(b, dtype=np.float64)
        w.flags.writeable = False
        b.flags.writeable = False
        self._weight = w
        self._bias = b

    # ------------------------------------------------------------------ constructors
    @classmethod
    def random(cls, n_neurons: int, in_dim: int, seed: int) -> NeuronLayer:
        """Exactly the layer of ``torch.manual_seed(seed); torch.nn.Linear(in_dim, n_neurons)``.

        PyTorch's default initialisation (uniform in ``±1/sqrt(in_dim)``), float32 values
        widened to float64. The global torch random state is restored afterwards.

        Examples
        --------
        >>> layer = NeuronLayer.random(8, 1, seed=3)  # the article's Figure 2 layer
        >>> layer.shape
        (8, 1)
        >>> round(float(layer.weight[0, 0]), 6)
        -0.991473
        """
        import torch

        n_neurons = as_int(n_neurons, "n_neurons", low=1)
        in_dim = as_int(in_dim, "in_dim", low=1)
        seed = as_int(seed, "seed")
        if not -(2**63) <= seed < 2**64:
            raise ValueError(
                f"seed must be in torch's seed range [-2**63, 2**64 - 1]; got {seed}. "
                f"Use a smaller seed (e.g. seed % 2**64)."
            )
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            linear = torch.nn.Linear(in_dim, n_neurons)
        return cls.from_linear(linear)

    @classmethod
    def from_linear(cls, linear: torch.nn.Linear) -> NeuronLayer:
        """The neurons of a ``torch.nn.Linear`` (a layer without bias gets zero biases).

        Examples
        --------
        >>> import torch
        >>> NeuronLayer.from_linear(torch.nn.Linear(3, 4)).shape
        (4, 3)
        """
        import torch

        if not isinstance(linear, torch.nn.Linear):
            raise TypeError(
                f"linear must be a torch.nn.Linear; got {type(linear).__name__}. "
                f"For a layer inside a model use NeuronLayer.from_module(model, 'name')."
            )
        weight = linear.weight.detach()
        bias = linear.bias.detach() if linear.bias is not None else torch.zeros(weight.shape[0])
        return cls(weight, bias)

    @classmethod
    def from_module(cls, model: torch.nn.Module, name: str) -> NeuronLayer:
        """The neurons of the ``nn.Linear`` called ``name`` (dotted path) inside ``model``.

        Examples
        --------
        >>> import torch
        >>> model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
        >>> NeuronLayer.from_module(model, "2").shape
        (2, 3)
        """
        return cls.from_linear(find_linear(model, name))

    # ------------------------------------------------------------------ data
    @property
    def weight(self) -> np.ndarray:
        """Weights, shape (m, d), float64, read-only."""
        return self._weight

    @property
    def bias(self) -> np.ndarray:
        """Biases, shape (m,), float64, read-only."""
        return self._bias

    @property
    def n_neurons(self) -> int:
        """Number of neurons m."""
        return self._weight.shape[0]

    @property
    def in_dim(self) -> int:
        """Input dimension d."""
        return self._weight.shape[1]

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_neurons, in_dim)``, like ``weight.shape``."""
        return self._weight.shape

    def __len__(self) -> int:
        return self.n_neurons

    def __repr__(self) -> str:
        if self._weight.size <= 40:  # small layers print their numbers (handy in test reports)
            w = np.array2string(self._weight, separator=", ").replace("\n", "")
            b = np.array2string(self._bias, separator=", ")
            return f"NeuronLayer(weight={w}, bias={b})"
        return f"NeuronLayer(n_neurons={self.n_neurons}, in_dim={self.in_dim})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NeuronLayer):
            return NotImplemented
        return np.array_equal(self._weight, other._weight) and np.array_equal(
            self._bias, other._bias
        )

    __hash__ = None  # mutable-looking arrays: layers compare by value, not hashable

    def __getitem__(self, neurons: Any) -> NeuronLayer:
        """The layer made of a subset of neurons (an index array, slice or boolean mask).

        >>> NeuronLayer([[1.0], [2.0], [3.0]], [0.0, 0.0, 0.0])[[0, 2]].weight.ravel()
        array([1., 3.])
        """
        neurons = as_selection(neurons, "neurons", self.n_neurons)
        return NeuronLayer(self._weight[neurons], self._bias[neurons])

    # ------------------------------------------------------------------ evaluation
    def __call__(self, x: Any) -> np.ndarray:
        """Pre-activation outputs ``x @ W.T + b``.

        Parameters
        ----------
        x : array-like, shape (n, d), or (n,) when d == 1
            Inputs, one per row.

        Returns
        -------
        numpy.ndarray, shape (n, m)
        """
        inputs = self.check_inputs(x)
        return inputs @ self._weight.T + self._bias

    def check_inputs(self, x: Any, name: str = "x") -> np.ndarray:
        """Return ``x`` as a finite float64 array of shape (n, d), or raise naming ``name``.

        A 1-D ``x`` is read as n scalar inputs when d == 1, and as one input when its length is d.
        """
        inputs = as_float_array(x, name)
        d = self.in_dim
        if inputs.ndim == 0:
            inputs = inputs.reshape(1, 1)
        if inputs.ndim == 1:
            if d == 1:
                inputs = inputs[:, None]
            elif inputs.shape[0] == d:
                inputs = inputs[None, :]
        if inputs.ndim != 2 or inputs.shape[1] != d:
            raise ValueError(
                f"{name} must have shape (n, {d}) for this layer of in_dim={d}"
                + (" (or (n,) for scalar inputs)" if d == 1 else "")
                + f"; got shape {inputs.shape}."
                + (
                    " Use slice_1d/slice_2d to view a wide layer along a line or plane."
                    if d != 1
                    else ""
                )
            )
        check_finite(inputs, name)
        return inputs

    def signs(self, x: Any) -> np.ndarray:
        """Exact sign of each neuron's output at each input: int8 array (n, m) of -1, 0, +1.

        Exact for the float64 inputs given: 0 only when ``w . x + b`` is exactly zero in
        rational arithmetic (a float filter decides almost every entry; the rest are
        recomputed with fractions), so it never depends on BLAS rounding.

        >>> NeuronLayer([[-3.0, -1.0]], [2.0]).signs([[4 / 3, -2.0], [1.0, -1.0]])
        array([[1],
               [0]], dtype=int8)
        """
        return affine_signs(self._weight, self._bias, self.check_inputs(x))

    # ------------------------------------------------------------------ per-neuron geometry
    @property
    def is_constant(self) -> np.ndarray:
        """Which neurons have all weights zero, a boolean array (m,); such a neuron outputs its
        bias everywhere and has no boundary."""
        return ~np.any(self._weight != 0.0, axis=1)

    @property
    def boundary_points(self) -> np.ndarray:
        """Each neuron's input boundary ``-b / w``, shape (m,), for a 1-D input only.

        NaN for a constant neuron (w = 0): it has no boundary (its sign is ``sign(b)`` everywhere).
        """
        self._require_1d("boundary_points")
        w = self._weight[:, 0]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            points = -self._bias / w + 0.0  # + 0.0: no negative zero
        points[w == 0.0] = np.nan
        return points

    @property
    def slope_signs(self) -> np.ndarray:
        """The sign of each weight, int8 (m,), for a 1-D input only.

        +1 means positive right of the boundary, -1 positive left of it, 0 a constant neuron.
        """
        self._require_1d("slope_signs")
        return np.sign(self._weight[:, 0]).astype(np.int8)

    def hyperplanes(self) -> tuple[np.ndarray, np.ndarray]:
        """Each neuron's boundary ``{x : w . x + b = 0}`` as ``normal . x = offset``.

        Returns
        -------
        normals : numpy.ndarray, shape (m, d)
            Unit normals ``w / |w|``, pointing to the side where the neuron is positive.
        offsets : numpy.ndarray, shape (m,)
            Signed distance of the boundary from the origin along the normal, ``-b / |w|``.
            Rows of constant neurons are NaN.

        >>> normals, offsets = NeuronLayer([[3.0, 4.0]], [-10.0]).hyperplanes()
        >>> normals, offsets
        (array([[0.6, 0.8]]), array([2.]))
        """
        scale = np.max(np.abs(self._weight), axis=1)  # scale rows first: |w| cannot overflow
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            scaled = self._weight / scale[:, None]
            norms = np.linalg.norm(scaled, axis=1)
            normals = scaled / norms[:, None]
            offsets = -(self._bias / scale) / norms
        norms = np.where(scale == 0.0, 0.0, norms)
        constant = norms == 0.0
        normals[constant] = np.nan
        offsets[constant] = np.nan
        return normals, offsets

    def neuron(self, index: int) -> Neuron:
        """One neuron as a :class:`Neuron` (index, weight, bias, boundary)."""
        index = as_index(index, "index", self.n_neurons, allow_negative=True)
        boundary = float(self.boundary_points[index]) if self.in_dim == 1 else None
        return Neuron(index, self._weight[index].copy(), float(self._bias[index]), boundary)

    def to_linear(self) -> torch.nn.Linear:
        """A float64 ``torch.nn.Linear`` with these weights and biases."""
        import torch

        with torch.random.fork_rng(devices=[]):  # the init draws are overwritten: keep the RNG
            linear = torch.nn.Linear(self.in_dim, self.n_neurons, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(self._weight))
            linear.bias.copy_(torch.tensor(self._bias))
        return linear

    def _require_1d(self, what: str) -> None:
        check_layer(self, what, in_dim=1)


def check_layer(layer: Any, what: str, in_dim: int | None = None) -> NeuronLayer:
    """Return ``layer`` if it is a NeuronLayer (over an ``in_dim``-D input, when given), else
    raise an error that names ``what`` needed it and how to get there (slicing)."""
    if not isinstance(layer, NeuronLayer):
        raise TypeError(
            f"layer must be a NeuronLayer; got {type(layer).__name__}. Build one with "
            f"NeuronLayer(weight, bias), NeuronLayer.from_linear(linear) or "
            f"NeuronLayer.from_module(model, name)."
        )
    if in_dim is None or layer.in_dim == in_dim:
        return layer
    if in_dim == 1:
        fix = "Use slice_1d(layer, origin, direction) to view it along a line"
        fix += (
            f", or hyperplanes() for the boundaries in {layer.in_dim}-D."
            if layer.in_dim > 1
            else "."
        )
    elif in_dim == 2:
        fix = "Use slice_2d(layer, origin, u, v) to view it on a plane"
        fix += ", or partition_1d for a 1-D input." if layer.in_dim == 1 else "."
    else:  # pragma: no cover - no tool needs another dimension
        fix = ""
    raise ValueError(
        f"{what} needs a layer over a {in_dim}-D input; this layer has in_dim={layer.in_dim}. {fix}"
    )


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
