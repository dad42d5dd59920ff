"""``Network``: a chain of affine layers (each a :class:`NeuronLayer`) with an activation after
each one: ReLU, LeakyReLU(negative_slope) or identity.

The *neurons* of a network are all neurons of all its affine layers in forward order (layer 0
first), output layer included. A sign pattern is an int8 row over all of them; ``split`` cuts
it per layer. A :class:`NeuronLayer` is the one-layer network ``Network([layer])``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from neuronboundary.layer import NeuronLayer

if TYPE_CHECKING:
    import torch

__all__ = ["Network", "as_network"]

_U = 2.0**-53


def _read_activation(value: Any, name: str) -> float:
    """An activation as its negative slope: ReLU 0, identity 1, LeakyReLU(a) a."""
    if isinstance(value, str):
        key = value.lower().replace("_", "").replace("-", "")
        if key == "relu":
            return 0.0
        if key in ("identity", "linear", "none"):
            return 1.0
        raise ValueError(
            f"{name} must be 'relu', 'identity' or a float (the negative slope of a LeakyReLU); "
            f"got {value!r}."
        )
    if value is None:
        return 1.0
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(
            f"{name} must be 'relu', 'identity' or a float (LeakyReLU negative slope); "
            f"got {type(value).__name__}."
        )
    slope = float(value)
    if not np.isfinite(slope):
        raise ValueError(f"{name} (a LeakyReLU negative slope) must be finite; got {slope}.")
    return slope


def _activation_name(slope: float) -> str:
    if slope == 0.0:
        return "relu"
    if slope == 1.0:
        return "identity"
    return f"leaky_relu({slope:g})"


class Network:
    """A chain of affine layers, each followed by its activation (ReLU, LeakyReLU or identity).

    The network computes ``x -> a_L(W_L a_{L-1}( ... a_0(W_0 x + b_0) ... ) + b_L)``.

    Parameters
    ----------
    layers : sequence of NeuronLayer
        Layer ``l`` has shape ``(m_l, d_l)`` with ``d_l = m_{l-1}``; at least one layer.
    activations : str, float or sequence of them, optional
        The activation after each hidden layer: ``"relu"`` (default), ``"identity"`` or a float,
        the negative slope of a LeakyReLU. One value for all, or one per hidden layer
        (``len(layers) - 1``), or one per layer (the last one then acts on the output;
        default identity).
    skips : sequence of (source, target) or (source, target, P, q), optional
        Residual connections: the input of layer ``target`` (``n_layers``: the output) is
        ``act(z_{target-1}) + P @ input_source + q`` (``P`` the identity, ``q`` zero by default),
        where ``input_0`` is the network's input. ``x + f(x)`` blocks are read this way.

    Notes
    -----
    The sign pattern of an input is the sign of every neuron's *pre-activation* in every layer,
    output layer included (its zero set is a boundary too). ``neuron_offsets`` maps layers to
    columns of a pattern row: layer ``l`` owns columns ``neuron_offsets[l]:neuron_offsets[l+1]``.

    Examples
    --------
    >>> net = Network([NeuronLayer([[1.0], [-1.0]], [0.0, 1.0]), NeuronLayer([[1.0, 1.0]], [-1.5])])
    >>> net.layer_sizes, net.n_neurons, net.in_dim, net.out_dim
    ((2, 1), 3, 1, 1)
    >>> net([[0.25], [2.0]])  # relu(x) + relu(1 - x) - 1.5
    array([[-0.5],
           [ 0.5]])
    >>> net.signs([[0.25], [2.0]])
    array([[ 1,  1, -1],
           [ 1, -1,  1]], dtype=int8)
    >>> [s.tolist() for s in net.split(net.signs([[2.0]]))]
    [[[1, -1]], [[1]]]
    """

    __slots__ = ("_layers", "_skips", "_slopes")

    def __init__(
        self, layers: Sequence[NeuronLayer], activations: Any = "relu", skips: Any = ()
    ) -> None:
        if isinstance(layers, NeuronLayer):
            layers = [layers]
        try:
            layers = list(layers)
        except TypeError:
            raise TypeError(
                f"layers must be a sequence of NeuronLayer; got {type(layers).__name__}."
            ) from None
        if not layers:
            raise ValueError("layers must hold at least one NeuronLayer; got an empty sequence.")
        for i, layer in enumerate(layers):
            if not isinstance(layer, NeuronLayer):
                raise TypeError(
                    f"layers[{i}] must be a NeuronLayer; got {type(layer).__name__}. "
                    f"Build one with NeuronLayer(weight, bias) or use Network.from_module(model)."
                )
            if i and layer.in_dim != layers[i - 1].n_neurons:
                raise ValueError(
                    f"layers[{i}] reads {layer.in_dim} inputs but layers[{i - 1}] has "
                    f"{layers[i - 1].n_neurons} neurons; consecutive layers must chain "
                    f"(weight shapes (m1, d), (m2, m1), ...)."
                )
        n = len(layers)
        if (
            isinstance(activations, (str, int, float, np.integer, np.floating))
            or activations is None
        ):
            slopes = [_read_activation(activations, "activations")] * (n - 1) + [1.0]
        else:
            acts = list(activations)
            if len(acts) == n - 1:
                acts = [*acts, "identity"]
            if len(acts) != n:
                raise ValueError(
                    f"activations must be one value, or {n - 1} (one per hidden layer), or {n} "
                    f"(one per layer); got {len(acts)}."
                )
            slopes = [_read_activation(a, f"activations[{i}]") for i, a in enumerate(acts)]
        self._layers = tuple(layers)
        self._slopes = np.array(slopes, dtype=np.float64)
        self._slopes.flags.writeable = False
        self._skips = self._read_skips(skips)

    def _read_skips(self, skips: Any) -> tuple[tuple[int, int, np.ndarray, np.ndarray], ...]:
        out = []
        dims = [layer.in_dim for layer in self._layers] + [self._layers[-1].n_neurons]
        for i, skip in enumerate(skips):
            skip = tuple(skip)
            if len(skip) not in (2, 4):
                raise ValueError(
                    f"skips[{i}] must be (source, target) or (source, target, matrix, offset); "
                    f"got {len(skip)} values."
                )
            src, dst = skip[0], skip[1]
            L = self.n_layers
            if not (
                isinstance(src, (int, np.integer))
                and isinstance(dst, (int, np.integer))
                and 0 <= src < dst <= L
            ):
                raise ValueError(
                    f"skips[{i}] = ({src!r}, {dst!r}) must satisfy 0 <= source < target <= {L}: "
                    f"the input of layer `target` gets the input of layer `source` added."
                )
            if len(skip) == 4:
                mat = np.array(skip[2], dtype=np.float64, ndmin=2)
                off = np.array(skip[3], dtype=np.float64).reshape(-1)
            else:
                mat, off = np.eye(dims[src]), np.zeros(dims[src])
            if mat.shape != (dims[dst], dims[src]) or off.shape != (dims[dst],):
                raise ValueError(
                    f"skips[{i}] adds an input of size {dims[src]} (layer {src}) to one of size "
                    f"{dims[dst]} (layer {dst}); a residual connection needs equal sizes."
                )
            out.append((int(src), int(dst), mat, off))
        return tuple(out)

    @property
    def skips(self) -> tuple[tuple[int, int, np.ndarray, np.ndarray], ...]:
        """Residual connections ``(source, target, P, q)``: the input of layer ``target``
        (``target == n_layers``: the output) is ``act(z_{target-1}) + P input_source + q``."""
        return self._skips

    def _skips_into(self, target: int) -> list[tuple[int, int, np.ndarray, np.ndarray]]:
        return [sk for sk in self._skips if sk[1] == target]

    @property
    def skip_sources(self) -> tuple[int, ...]:
        """Layers whose input a residual connection reads, sorted."""
        return tuple(sorted({sk[0] for sk in self._skips}))

    # ------------------------------------------------------------------ constructors
    @classmethod
    def random(cls, sizes: Sequence[int], seed: int, activations: Any = "relu") -> Network:
        """The network of ``torch.manual_seed(seed)`` then one ``nn.Linear`` per consecutive pair
        of ``sizes`` (PyTorch's default initialisation, float32 values widened to float64).

        >>> Network.random([2, 64, 64, 1], seed=0).layer_sizes
        (64, 64, 1)
        """
        import torch

        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must list >= 2 positive widths (input first); got {sizes}.")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(seed))
            linears = [torch.nn.Linear(a, b) for a, b in itertools.pairwise(sizes)]
        return cls([NeuronLayer.from_linear(lin) for lin in linears], activations)

    @classmethod
    def from_module(cls, model: torch.nn.Module, input_shape: Any = None) -> Network:
        """Read a piecewise-linear ``torch.nn.Module`` as a Network.

        Accepted: (nested) ``nn.Sequential`` of ``Linear``, ``ReLU``, ``LeakyReLU``,
        ``Identity``, ``Flatten``, ``Dropout`` and ``BatchNorm1d`` in eval mode (folded into
        the neighbouring affine map), ``Conv1d``/``Conv2d``/``AvgPool1d``/``AvgPool2d`` when
        ``input_shape`` is given (each turned into a dense matrix by pushing the identity
        basis through it in float64). Every ``Linear`` or convolution is one layer of neurons;
        two of them in a row get an identity activation between them.

        A model with its own ``forward`` is traced with ``torch.fx``: a chain of the modules
        above (and ``torch.relu``, ``torch.flatten``) with residual sums ``x + f(x)``, where
        ``x`` is the model's input or a value right after an activation or an earlier sum,
        becomes a Network with :attr:`skips`. Branches other than such sums are refused.

        Parameters
        ----------
        model : torch.nn.Module
        input_shape : tuple of int, optional
            The shape of one input without the batch axis, e.g. ``(1, 8, 8)`` for a Conv2d;
            needed when the model has convolutions or pooling.

        Raises
        ------
        TypeError
            For a module that is not piecewise linear (GELU, LayerNorm, MaxPool, Softmax, ...)
            or not supported, naming it and why.
        ValueError
            For BatchNorm/Dropout in training mode (call ``model.eval()``).

        Examples
        --------
        >>> import torch
        >>> model = torch.nn.Sequential(
        ...     torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)
        ... ).eval()
        >>> net = Network.from_module(model)
        >>> net.layer_sizes, net.activations
        ((8, 3), ('relu', 'identity'))
        """
        from neuronboundary._torch_network import read_module

        layers, slopes, skips = read_module(model, input_shape)
        return cls(layers, slopes, skips)

    # ------------------------------------------------------------------ data
    @property
    def layers(self) -> tuple[NeuronLayer, ...]:
        """The affine layers, in forward order."""
        return self._layers

    @property
    def negative_slopes(self) -> np.ndarray:
        """The activation after each layer as its negative slope (n_layers,): 0 for ReLU,
        1 for identity, ``a`` for LeakyReLU(a)."""
        return self._slopes

    @property
    def activations(self) -> tuple[str, ...]:
        """Names of the activations after each layer (``'relu'``, ``'identity'``, ...)."""
        return tuple(_activation_name(float(s)) for s in self._slopes)

    @property
    def n_layers(self) -> int:
        """Number of affine layers L."""
        return len(self._layers)

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """Neurons per layer, ``(m_0, ..., m_{L-1})``."""
        return tuple(layer.n_neurons for layer in self._layers)

    @property
    def n_neurons(self) -> int:
        """Total number of neurons N (all layers)."""
        return int(sum(self.layer_sizes))

    @property
    def neuron_offsets(self) -> np.ndarray:
        """Shape (L + 1,): layer l's neurons are pattern columns ``offsets[l]:offsets[l + 1]``."""
        return np.concatenate([[0], np.cumsum(self.layer_sizes)]).astype(np.int64)

    @property
    def in_dim(self) -> int:
        """Input dimension d."""
        return self._layers[0].in_dim

    @property
    def out_dim(self) -> int:
        """Number of outputs (neurons of the last layer)."""
        return self._layers[-1].n_neurons

    def __len__(self) -> int:
        return self.n_layers

    def __repr__(self) -> str:
        sizes = " -> ".join(str(s) for s in (self.in_dim, *self.layer_sizes))
        acts = ", ".join(self.activations[:-1]) or "none"
        return f"Network({sizes}; activations: {acts})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Network):
            return NotImplemented
        return (
            self.n_layers == other.n_layers
            and np.array_equal(self._slopes, other._slopes)
            and all(a == b for a, b in zip(self._layers, other._layers, strict=True))
            and len(self._skips) == len(other._skips)
            and all(
                a[:2] == b[:2] and np.array_equal(a[2], b[2]) and np.array_equal(a[3], b[3])
                for a, b in zip(self._skips, other._skips, strict=True)
            )
        )

    __hash__ = None

    # ------------------------------------------------------------------ indexing of neurons
    def split(self, signs: Any) -> list[np.ndarray]:
        """Cut pattern rows (..., N) into one array per layer (..., m_l)."""
        arr = np.asarray(signs)
        if arr.shape[-1] != self.n_neurons:
            raise ValueError(
                f"signs must have {self.n_neurons} columns (all neurons of the network); "
                f"got shape {arr.shape}."
            )
        off = self.neuron_offsets
        return [arr[..., off[i] : off[i + 1]] for i in range(self.n_layers)]

    def neuron_index(self, layer: int, neuron: int) -> int:
        """Column of neuron ``neuron`` of layer ``layer`` in a pattern row (negative layer counts
        from the end).

        >>> Network.random([2, 3, 4, 1], seed=0).neuron_index(1, 2)
        5
        """
        lay = self._check_layer_index(layer)
        m = self.layer_sizes[lay]
        if (
            isinstance(neuron, bool)
            or not isinstance(neuron, (int, np.integer))
            or not -m <= neuron < m
        ):
            raise IndexError(
                f"neuron must be an integer in [0, {m}) for layer {lay}; got {neuron!r}."
            )
        return int(self.neuron_offsets[lay] + int(neuron) % m)

    def layer_of(self, index: Any) -> np.ndarray:
        """``(layer, neuron)`` of pattern columns: int64 array (..., 2).

        >>> Network.random([2, 3, 4, 1], seed=0).layer_of([0, 5, 7]).tolist()
        [[0, 0], [1, 2], [2, 0]]
        """
        idx = np.asarray(index, dtype=np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= self.n_neurons):
            raise IndexError(f"neuron columns must be in [0, {self.n_neurons}); got {index!r}.")
        off = self.neuron_offsets
        lay = np.searchsorted(off, idx, side="right") - 1
        return np.stack([lay, idx - off[lay]], axis=-1)

    def _check_layer_index(self, layer: Any) -> int:
        L = self.n_layers
        if (
            isinstance(layer, bool)
            or not isinstance(layer, (int, np.integer))
            or not -L <= layer < L
        ):
            raise IndexError(f"layer must be an integer in [0, {L}) (or negative); got {layer!r}.")
        return int(layer) % L

    # ------------------------------------------------------------------ evaluation
    def check_inputs(self, x: Any, name: str = "x") -> np.ndarray:
        """``x`` as a finite float64 array (n, d), or an error naming ``name``."""
        return self._layers[0].check_inputs(x, name)

    def _activate(self, z: np.ndarray, layer: int) -> np.ndarray:
        a = self._slopes[layer]
        if a == 1.0:
            return z
        if a == 0.0:
            return np.maximum(z, 0.0)
        return np.where(z > 0, z, a * z)

    def _forward(self, x: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(pre-activations per layer, inputs per layer + the output)."""
        h = self.check_inputs(x)
        inputs = [h]
        out = []
        for i, layer in enumerate(self._layers):
            z = h @ layer.weight.T + layer.bias
            out.append(z)
            h = self._activate(z, i)
            for src, _, mat, off in self._skips_into(i + 1):
                h = h + inputs[src] @ mat.T + off
            inputs.append(h)
        return out, inputs

    def preactivations(self, x: Any) -> list[np.ndarray]:
        """Every layer's pre-activation outputs at inputs ``x`` (n, d): a list of (n, m_l) arrays."""
        return self._forward(x)[0]

    def __call__(self, x: Any) -> np.ndarray:
        """The network's output (the last layer after its activation, identity by default,
        plus any residual connection into the output), shape (n, out_dim)."""
        return self._forward(x)[1][-1]

    def signs(self, x: Any) -> np.ndarray:
        """Exact sign pattern at each input: int8 (n, N) over all neurons.

        A float64 forward pass carries a rigorous bound on its rounding error; entries whose
        value is within that bound of zero are recomputed exactly (rational arithmetic through
        the whole network for that input), so a 0 means exactly zero.
        """
        inputs = self.check_inputs(x)
        h = inputs
        err = np.zeros_like(h)
        ins, errs = [h], [err]
        rows = []
        unsure = np.zeros(h.shape[0], dtype=bool)
        for i, layer in enumerate(self._layers):
            w, b = layer.weight, layer.bias
            z = h @ w.T + b
            aw = np.abs(w).T
            d = w.shape[1]
            bound = (np.abs(h) @ aw + np.abs(b)) * (2.0 * (d + 2) * _U) + err @ aw
            bound = bound * (1.0 + 8 * (d + 2) * _U) + 1e-300
            unsure |= np.any(np.abs(z) <= bound, axis=1)
            rows.append(np.sign(z).astype(np.int8))
            a = float(self._slopes[i])
            h = self._activate(z, i)
            err = max(1.0, abs(a)) * bound + (_U * np.abs(h) if a not in (0.0, 1.0) else 0.0)
            for src, _, mat, off in self._skips_into(i + 1):
                am = np.abs(mat).T
                k = mat.shape[1]
                add = ins[src] @ mat.T + off
                err = (
                    err
                    + errs[src] @ am
                    + (np.abs(ins[src]) @ am + np.abs(off)) * (2.0 * (k + 2) * _U)
                )
                h = h + add
                err = (err + 2 * _U * np.abs(h)) * (1.0 + 8 * (k + 2) * _U)
            ins.append(h)
            errs.append(err)
        signs = np.concatenate(rows, axis=1)
        for r in np.flatnonzero(unsure):
            signs[r] = self._exact_signs(inputs[r])
        return signs

    def _exact_signs(self, h_row: np.ndarray) -> np.ndarray:
        h = [Fraction(float(v)) for v in h_row]
        ins = [h]
        out = []
        for i, layer in enumerate(self._layers):
            a = Fraction(float(self._slopes[i]))
            z = []
            for wrow, bias in zip(layer.weight, layer.bias, strict=True):
                acc = Fraction(float(bias))
                for wv, hv in zip(wrow.tolist(), h, strict=True):
                    if wv != 0.0 and hv != 0:
                        acc += Fraction(wv) * hv
                z.append(acc)
            out.extend((v > 0) - (v < 0) for v in z)
            h = [v if v > 0 else a * v for v in z]
            for src, _, mat, off in self._skips_into(i + 1):
                h = [
                    hv
                    + Fraction(float(q))
                    + sum(
                        (Fraction(float(p)) * sv for p, sv in zip(row, ins[src], strict=True)),
                        Fraction(0),
                    )
                    for hv, row, q in zip(h, mat.tolist(), off.tolist(), strict=True)
                ]
            ins.append(h)
        return np.array(out, dtype=np.int8)

    # ------------------------------------------------------------------ slicing helpers
    def on_affine_input(self, origin: np.ndarray, basis: np.ndarray) -> Network:
        """The network seen on ``x = origin + basis @ u`` (basis (d, k)): its first layer and
        the residual connections from the input composed with that map; input dimension k."""
        layer0 = self._layers[0]
        first = NeuronLayer(layer0.weight @ basis, layer0.weight @ origin + layer0.bias)
        skips = [
            (src, dst, mat @ basis, mat @ origin + off) if src == 0 else (src, dst, mat, off)
            for src, dst, mat, off in self._skips
        ]
        return Network([first, *self._layers[1:]], list(self._slopes), skips)


def as_network(obj: Any, what: str = "this function") -> Network:
    """``obj`` as a Network (a NeuronLayer becomes a one-layer network), or a clear error."""
    if isinstance(obj, Network):
        return obj
    if isinstance(obj, NeuronLayer):
        return Network([obj])
    raise TypeError(
        f"{what} needs a Network or a NeuronLayer; got {type(obj).__name__}. "
        f"Read a torch model with Network.from_module(model)."
    )
