"""The network model: a chain of affine layers with piecewise-linear activations, and a single
linear layer as its one-layer case.

A neuron is one output of one affine layer, ``z = w . h + b``. A :class:`Network` chains affine
layers, each followed by an activation that is the identity on positive inputs and multiplies
negative ones by a slope (ReLU 0, LeakyReLU a, PReLU one slope per neuron, identity 1), with
optional residual connections (:class:`Skip`). A :class:`NeuronLayer` is the one-layer network
``y = W x + b`` (identity activation): every function that takes a network takes a layer.

The forward pass, with its residual connections, is written once (:meth:`Network._run`); three
kinds of arithmetic run through it: float64 values and maps with per-entry error bounds
(:class:`FloatMaps`), float64 maps of many regions with bounds valid for all of them (the
geometry engine, :class:`UniformMaps`) and exact integers (``_exact.ExactMaps``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from scipy.sparse import csr_matrix

from neuronboundary import _exact
from neuronboundary._exact import ExactMaps, U, gamma, inflate
from neuronboundary._validate import (
    as_float_array,
    as_index,
    as_indices,
    as_int,
    as_seed,
    as_selection,
    check_finite,
    is_integer,
    number_text,
    per_neuron,
    shown,
    unwrap_scalar,
)

if TYPE_CHECKING:
    import torch

__all__ = [
    "Network",
    "Neuron",
    "NeuronLayer",
    "Skip",
    "as_network",
    "check_layer",
    "difference_layer",
]


# ====================================================================== activations, skips
def _read_activation(value: Any, name: str, m: int) -> np.ndarray:
    """An activation as the negative slope of each of ``m`` neurons (ReLU 0, identity 1,
    LeakyReLU a, a vector for PReLU)."""
    if value is None:
        return np.ones(m)
    if isinstance(value, str):
        key = value.lower().replace("_", "").replace("-", "")
        if key == "relu":
            return np.zeros(m)
        if key in ("identity", "linear", "none"):
            return np.ones(m)
        raise ValueError(
            f"{name} must be 'relu', 'identity', a float (the negative slope of a LeakyReLU) or "
            f"one slope per neuron (PReLU); got {shown(value)}."
        )
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"{name} must be 'relu', 'identity' or a negative slope; got {shown(value)}."
        )
    return per_neuron(value, m, name, "negative slope")


def _activation_name(slopes: np.ndarray) -> str:
    if not slopes.any():
        return "relu"
    if (slopes == 1.0).all():
        return "identity"
    if (slopes == slopes[0]).all():
        return f"leaky_relu({number_text(slopes[0])})"
    return "prelu"


class Skip(NamedTuple):
    """A residual connection, ``matrix @ input_source + offset`` added to a later value.

    By default it is added to the *input* of layer ``target`` (``n_layers``: the network's output):
    ``input_target = act(z_{target - 1}) + matrix @ input_source + offset``. With ``pre=True`` it
    is added to layer ``target``'s *pre-activation*, before its activation:
    ``z_target = W input_target + b + matrix @ input_source + offset`` (``source <= target``), the
    form of ``relu(h + f(h))`` blocks. ``input_0`` is the network's input. A plain ``x + f(x)``
    block has the identity matrix and a zero offset. Unpacks as
    ``(source, target, matrix, offset, pre)``.
    """

    source: int
    target: int
    matrix: np.ndarray
    offset: np.ndarray
    pre: bool = False

    @property
    def is_identity(self) -> bool:
        """Whether this adds the source unchanged (identity matrix, zero offset)."""
        m = self.matrix
        return (
            m.shape[0] == m.shape[1]
            and np.array_equal(m, np.eye(m.shape[0]))
            and not self.offset.any()
        )

    def __repr__(self) -> str:
        if self.is_identity:
            how = "identity"
        else:
            how = f"matrix {self.matrix.shape[0]}x{self.matrix.shape[1]}"
            how += ", offset" if self.offset.any() else ""
        where = ", pre-activation" if self.pre else ""
        return f"Skip(source={self.source}, target={self.target}, {how}{where})"


# ====================================================================== the forward pass
class FloatMaps:
    """Float64 arithmetic of the forward pass on affine maps, with rigorous error bounds.

    A state is ``(H, E)``: ``H`` of shape ``(..., k, m)`` holds the affine map of m quantities
    over k - 1 input coordinates (row ``-1`` is the constant term; a batch of points is the
    case k = 1), and ``E`` (same shape, or ``None`` to skip the bookkeeping) bounds
    ``|H - exact|`` entry by entry. Activations apply either by value (``signs=None``: the
    sign of each computed value; the bound holds whichever sign is right, the activation being
    ``max(1, |a|)``-Lipschitz) or by a given pattern (a region's exact signs).
    """

    def __init__(self, network: Network, errors: bool = True) -> None:
        self.net = network
        self.errors = errors

    def affine(self, lay: int, state: tuple) -> tuple:
        layer = self.net.layers[lay]
        H, E = state
        w, b = layer.weight, layer.bias
        n = w.shape[1]
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            Z = (H.reshape(-1, n) @ w.T).reshape(*H.shape[:-1], w.shape[0])
            Z[..., -1, :] += b
            if not self.errors:
                return Z, None
            # sum_i S_i |w_ji| <= max_i S_i * sum_i |w_ji|: an outer product, not a second
            # matrix product (the bound is looser by a small factor; an entry it cannot decide
            # is recomputed exactly, and that stays rare: 1e-13 relative of the value's scale).
            S = np.abs(H).max(axis=-1, keepdims=True) * gamma(n + 1)
            if E is not None:
                S += E.max(axis=-1, keepdims=True)
            EZ = S * layer.abs_weight.sum(axis=1)
            EZ[..., -1, :] += gamma(n + 1) * np.abs(b)
            EZ = inflate(EZ, n + 3) + _exact.UNDERFLOW
        return Z, EZ

    def activate(self, lay: int, state: tuple, signs: np.ndarray | None = None) -> tuple:
        a = self.net.negative_slopes[lay]
        Z, E = state
        if signs is None:
            if (a == 1.0).all():
                return Z, E
            with np.errstate(over="ignore", invalid="ignore", under="ignore"):
                H = np.where(Z > 0, Z, a * Z)
                if E is None:
                    return H, None
                E = E * np.maximum(1.0, np.abs(a))
                if ((a != 0.0) & (a != 1.0)).any():
                    E = E + U * np.abs(H)
            return H, E
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            D = np.where(signs > 0, 1.0, np.where(signs < 0, a, 0.0))[..., None, :]
            H = Z * D
            if E is None:
                return H, None
            E = E * np.abs(D)
            if ((a != 0.0) & (a != 1.0)).any():
                E = E + U * np.abs(H)
        return H, E

    def add(self, state: tuple, source: tuple, skip: Skip) -> tuple:
        H, E = state
        S, ES = source
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            if skip.is_identity:
                H = H + S
                if E is None:
                    return H, None
                return H, (E + ES + U * np.abs(H)) * (1.0 + 2 * U)
            k = skip.matrix.shape[1]
            add = (S.reshape(-1, k) @ skip.matrix.T).reshape(*S.shape[:-1], -1)
            add[..., -1, :] += skip.offset
            H = H + add
            if E is None:
                return H, None
            B = np.abs(S).max(axis=-1, keepdims=True) * gamma(k + 1) + ES.max(
                axis=-1, keepdims=True
            )
            EA = B * np.abs(skip.matrix).sum(axis=1)
            EA[..., -1, :] += gamma(k + 1) * np.abs(skip.offset)
            E = inflate(E + EA + U * np.abs(H), k + 3) + _exact.UNDERFLOW
        return H, E


class ActivatedMaps:
    """The maps ``Z[root] * D[:, None, :]`` of many regions, kept as their parts: ``Z`` (R, k,
    m) the maps below the activation (``root`` (P,) which of them each region reads, None: one
    each) and ``D`` (P, m) the regions' slopes (None: the identity). :meth:`times` multiplies
    them by a weight matrix in blocks that stay in cache, without building the (P, k, m) array.

    ``base`` (R, m), optional: slopes shared by every region of a root and zero wherever a
    region's own differ (the neurons that cut the root). Then each root's product is computed
    once and each region adds its own terms, ``Z[root, :, j] * D[p, j] * W[:, j]`` for the
    slopes that differ: the same rounded products as forming every region's maps, summed in
    another order. Rounding of a sum of N non-zero terms is within ``gamma(N)`` of their
    magnitudes in any order (adding an exact zero rounds nothing), so the bounds of
    :meth:`UniformMaps.affine` hold as they are."""

    __slots__ = ("base", "maps", "root", "slopes")

    #: Floats per block of formed maps (about 2 MiB).
    BLOCK_FLOATS = 262_144
    #: The product goes through the roots for outputs this wide, this many regions per root and
    #: this many regions (below, forming every region's maps costs about as much).
    SHARED_WIDTH, SHARED_RATIO, SHARED_MIN = 16, 1.5, 512

    def __init__(
        self,
        Z: np.ndarray,
        root: np.ndarray | None,
        D: np.ndarray | None,
        base: np.ndarray | None = None,
    ) -> None:
        self.maps, self.root, self.slopes, self.base = Z, root, D, base

    @property
    def shape(self) -> tuple[int, ...]:
        n = self.maps.shape[0] if self.root is None else self.root.shape[0]
        return (n, *self.maps.shape[1:])

    def __getitem__(self, idx: Any) -> ActivatedMaps:
        D = None if self.slopes is None else self.slopes[idx]
        if self.root is None and isinstance(idx, slice):
            base = None if self.base is None else self.base[idx]
            return ActivatedMaps(self.maps[idx], None, D, base)
        root = np.arange(self.maps.shape[0]) if self.root is None else self.root
        return ActivatedMaps(self.maps, root[idx], D, self.base)

    def form(self, lo: int, hi: int) -> np.ndarray:
        """The maps of regions ``lo:hi``, (hi - lo, k, m)."""
        if self.root is None:
            H = self.maps[lo:hi]
            if self.slopes is None:
                return H
            with np.errstate(over="ignore", invalid="ignore", under="ignore"):
                return H * self.slopes[lo:hi, None, :]
        H = np.take(self.maps, self.root[lo:hi], axis=0)
        if self.slopes is not None:
            with np.errstate(over="ignore", invalid="ignore", under="ignore"):
                np.multiply(H, self.slopes[lo:hi, None, :], out=H)
        return H

    def blocks(self) -> list[tuple[int, int]]:
        """Ranges of regions of about :attr:`BLOCK_FLOATS` floats, none of fewer than 512
        regions but a lone one (the BLAS kernels of tiny products round differently)."""
        n = self.shape[0]
        size = max(512, self.BLOCK_FLOATS // max(1, self.maps.shape[1] * self.maps.shape[2]))
        cuts = list(range(0, n, size))
        if len(cuts) > 1 and n - cuts[-1] < size:
            cuts.pop()
        return list(zip(cuts, [*cuts[1:], n], strict=True))

    def times(self, w: np.ndarray) -> np.ndarray:
        """``maps @ w.T`` for a weight matrix ``w`` (m2, m): (P, k, m2)."""
        shared = self._through_roots(w)
        if shared is not None:
            return shared
        P, k, m = self.shape
        out = np.empty((P, k, w.shape[0]))
        for lo, hi in self.blocks():
            out[lo:hi] = (self.form(lo, hi).reshape(-1, m) @ w.T).reshape(hi - lo, k, -1)
        return out

    def _through_roots(self, w: np.ndarray) -> np.ndarray | None:
        """The product through each root's shared slopes (see the class docstring), or None
        where that saves little (few regions per root, a narrow product) or does not apply."""
        if self.base is None or self.root is None or self.slopes is None:
            return None
        if w.shape[0] < self.SHARED_WIDTH:
            return None
        n, k, m = self.shape
        if n < max(1, self.SHARED_MIN):
            return None
        lo, hi = int(self.root.min()), int(self.root.max()) + 1
        if n < self.SHARED_RATIO * (hi - lo):
            return None
        base, own = self.base[lo:hi], self.root - lo
        p, j = np.nonzero(self.slopes != np.take(base, own, axis=0))
        if base[own[p], j].any():  # not zero where a region's slopes differ: no shared part
            return None
        out = np.take(ActivatedMaps(self.maps[lo:hi], None, base).times(w), own, axis=0)
        if p.size:
            with np.errstate(over="ignore", invalid="ignore", under="ignore"):
                terms = self.maps[self.root[p], :, j] * self.slopes[p, j][:, None]  # (n, k)
                first = np.concatenate([[True], p[1:] != p[:-1]])
                regions = p[first]  # the regions with terms of their own, each once
                row = np.cumsum(first) - 1
                rows = (k * row[:, None] + np.arange(k)).ravel()
                S = csr_matrix(
                    (terms.ravel(), (rows, np.repeat(j, k))), shape=(k * regions.shape[0], m)
                )
                out[regions] += (S @ w.T).reshape(regions.shape[0], k, -1)
        return out


class UniformMaps:
    """Float64 arithmetic of the forward pass on the affine maps of many regions at once, with
    error bounds that hold for every region (the geometry engine's arithmetic).

    A state is ``(H, B, M)``: ``H`` (P, k, m) the maps of P regions, and two (k, m) matrices
    valid for all of them: ``B`` bounds ``|H - exact|`` and ``M`` bounds ``|H|``. Activations
    apply by each region's pattern, whose slopes are bounded by ``s = max(1, |a|)``, so
    ``|D| <= s``: by induction over the layers, ``B_l = gamma(n + 1) (|W| s M + |b|) + |W| s B``
    (plus ``U s M`` for a slope that rounds) and ``M_l = (1 + gamma(n + 1)) (|W| s M + |b|)``.
    Computing them costs two small products per layer, none per region; the bounds are looser
    than per-region ones, so a few more predicates go to the exact path, all still decided.
    """

    def __init__(self, network: Network, overwrite: bool = False) -> None:
        self.net = network
        self.overwrite = overwrite

    def overwriting(self) -> UniformMaps:
        """The same arithmetic, allowed to overwrite the maps given to :meth:`activate` (for a
        caller that owns them and needs them no more): no copy of (P, k, m) floats."""
        return UniformMaps(self.net, overwrite=True)

    def affine(self, lay: int, state: tuple) -> tuple:
        layer = self.net.layers[lay]
        H, B, M = state
        w, b = layer.weight, layer.bias
        n = w.shape[1]
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            if isinstance(H, ActivatedMaps):
                Z = H.times(w)
            else:
                Z = (H.reshape(-1, n) @ w.T).reshape(*H.shape[:-1], w.shape[0])
            Z[..., -1, :] += b
            mag = M @ layer.abs_weight.T
            mag[-1, :] += np.abs(b)
            M2 = inflate(mag, n + 1) * (1.0 + gamma(n + 1))
            B2 = inflate(gamma(n + 1) * mag + B @ layer.abs_weight.T, n + 3) + _exact.UNDERFLOW
        return Z, B2, M2

    def activate(self, lay: int, state: tuple, signs: np.ndarray | None = None) -> tuple:
        Z, B, M = state
        D = self._slopes(lay, signs)
        if D is None:
            return Z, B, M
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            H = np.multiply(Z, D[..., None, :], out=Z if self.overwrite else None)
        return (H, *self._activated_bounds(lay, B, M))

    def activate_later(
        self,
        lay: int,
        state: tuple,
        root: np.ndarray | None,
        signs: np.ndarray,
        base: np.ndarray | None = None,
    ) -> tuple:
        """:meth:`activate` of the maps ``Z[root]`` (``root`` None: ``Z``) without forming them:
        the state's maps are an :class:`ActivatedMaps`, formed where :meth:`affine` reads them.
        ``base`` (R, m): signs of ``Z``'s rows shared by all their regions, 0 where these
        differ (the neurons that cut them)."""
        Z, B, M = state
        D = self._slopes(lay, signs)
        if D is None:
            return ActivatedMaps(Z, root, None), B, M
        shared = None if base is None else self._slopes(lay, base)
        return (ActivatedMaps(Z, root, D, shared), *self._activated_bounds(lay, B, M))

    def _slopes(self, lay: int, signs: np.ndarray | None) -> np.ndarray | None:
        """Each region's activation slopes (P, m) by its signs (ReLU: the positive signs, as
        bools); None for the identity."""
        a = self.net.negative_slopes[lay]
        if (a == 1.0).all():
            return None
        return np.where(signs > 0, 1.0, np.where(signs < 0, a, 0.0)) if a.any() else signs > 0

    def _activated_bounds(self, lay: int, B: np.ndarray, M: np.ndarray) -> tuple:
        a = self.net.negative_slopes[lay]
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            s = np.maximum(1.0, np.abs(a))
            rounds = (a != 0.0) & (a != 1.0)
            B2 = B * s + np.where(rounds, U * s * M, 0.0)
            M2 = M * s * np.where(rounds, 1.0 + U, 1.0)
        return B2, M2

    def add(self, state: tuple, source: tuple, skip: Skip) -> tuple:
        H, B, M = state
        S, BS, MS = source
        if isinstance(S, ActivatedMaps):
            S = S.form(0, S.shape[0])
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            if skip.is_identity:
                H = H + S
                M2 = (M + MS) * (1.0 + U)
                return H, (B + BS) * (1.0 + 2 * U) + U * M2, M2
            k = skip.matrix.shape[1]
            add = (S.reshape(-1, k) @ skip.matrix.T).reshape(*S.shape[:-1], -1)
            add[..., -1, :] += skip.offset
            H = H + add
            P = np.abs(skip.matrix)
            mag = MS @ P.T
            mag[-1, :] += np.abs(skip.offset)
            M2 = inflate(M + mag, k + 1) * (1.0 + gamma(k + 2))
            B2 = inflate(B + BS @ P.T + gamma(k + 1) * mag + U * M2, k + 3) + _exact.UNDERFLOW
        return H, B2, M2


# ====================================================================== Network
class Network:
    """A chain of affine layers, each followed by its activation, with optional residual
    connections.

    The network computes ``x -> a_L(W_L a_{L-1}( ... a_0(W_0 x + b_0) ... ) + b_L)`` where each
    activation is the identity on positive inputs and multiplies negative inputs by its
    negative slope (ReLU 0, LeakyReLU a, PReLU a per neuron, identity 1).

    Parameters
    ----------
    layers : sequence of NeuronLayer
        Layer ``l`` has shape ``(m_l, d_l)`` with ``d_l = m_{l-1}``; at least one layer.
    activations : str, float, array or a sequence of them, optional
        The activation after each hidden layer: ``"relu"`` (default), ``"identity"``, a float
        (the negative slope of a LeakyReLU) or an array of ``m_l`` slopes (PReLU). One value
        for all hidden layers, or one per hidden layer (``len(layers) - 1``), or one per layer
        (the last one then acts on the output; default identity).
    skips : sequence of Skip, (source, target), (source, target, P, q) or (source, target, P, q, pre)
        Residual connections (:class:`Skip`): the input of layer ``target`` (``n_layers``: the
        output) is ``act(z_{target-1}) + P @ input_source + q`` (``P`` the identity, ``q`` zero by
        default), where ``input_0`` is the network's input; with ``pre=True`` the sum is added to
        layer ``target``'s pre-activation instead (``source <= target``).

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
        sizes = [layer.n_neurons for layer in layers]
        activations = unwrap_scalar(activations)  # a 0-d array or tensor is one value
        if isinstance(activations, (str, int, float, np.integer, np.floating)) or (
            activations is None
        ):
            acts = [activations] * (n - 1) + ["identity"]
        elif not hasattr(activations, "__iter__"):
            raise TypeError(
                f"activations must be a name ('relu'), a slope, or one per layer; got "
                f"{shown(activations)} ({type(activations).__name__})."
            )
        else:
            acts = list(activations)
            if len(acts) == n - 1:
                acts = [*acts, "identity"]
            if len(acts) != n:
                raise ValueError(
                    f"activations must be one value, or {n - 1} (one per hidden layer), or {n} "
                    f"(one per layer); got {len(acts)}."
                )
        slopes = []
        for i, act in enumerate(acts):
            s = _read_activation(act, f"activations[{i}]", sizes[i])
            s.flags.writeable = False
            slopes.append(s)
        self._layers = tuple(layers)
        self._slopes = tuple(slopes)
        self._skips = self._read_skips(skips)

    def _read_skips(self, skips: Any) -> tuple[Skip, ...]:
        out = []
        dims = [layer.in_dim for layer in self._layers] + [self._layers[-1].n_neurons]
        L = len(self._layers)
        if isinstance(skips, (str, bytes)) or not hasattr(skips, "__iter__"):
            raise TypeError(
                f"skips must be a list of (source, target) pairs, e.g. [(0, 2)]; got "
                f"{shown(skips)} ({type(skips).__name__})."
            )
        for i, skip in enumerate(skips):
            if isinstance(skip, (str, bytes)) or not hasattr(skip, "__iter__"):
                raise TypeError(
                    f"skips[{i}] must be a tuple (source, target) or (source, target, matrix, "
                    f"offset[, pre]); got {shown(skip)} ({type(skip).__name__})."
                )
            skip = tuple(skip)
            if len(skip) not in (2, 4, 5):
                raise ValueError(
                    f"skips[{i}] must be (source, target), (source, target, matrix, offset) or "
                    f"(source, target, matrix, offset, pre); got {len(skip)} values."
                )
            src, dst = skip[0], skip[1]
            pre = bool(skip[4]) if len(skip) == 5 else False
            ok = is_integer(src) and is_integer(dst)
            if pre and not (ok and 0 <= int(src) <= int(dst) < L and int(dst) >= 1):
                raise ValueError(
                    f"skips[{i}] = ({shown(src)}, {shown(dst)}, pre=True) must satisfy 0 <= source <= "
                    f"target < {L} and target >= 1: layer `target`'s pre-activation gets the "
                    f"input of layer `source` added (the first layer's boundaries are its own "
                    f"weights and biases)."
                )
            if not pre and not (ok and 0 <= int(src) < int(dst) <= L):
                raise ValueError(
                    f"skips[{i}] = ({shown(src)}, {shown(dst)}) must satisfy 0 <= source < target <= {L}: "
                    f"the input of layer `target` gets the input of layer `source` added."
                )
            src, dst = int(src), int(dst)
            if len(skip) >= 4:
                mat = as_float_array(skip[2], f"skips[{i}] matrix")
                mat = mat.reshape(1, -1) if mat.ndim < 2 else mat
                off = as_float_array(skip[3], f"skips[{i}] offset").reshape(-1)
                check_finite(mat, f"skips[{i}] matrix")
                check_finite(off, f"skips[{i}] offset")
            else:
                mat, off = np.eye(dims[src]), np.zeros(dims[src])
            if not pre and (mat.shape != (dims[dst], dims[src]) or off.shape != (dims[dst],)):
                given = (
                    f"got a matrix of shape {mat.shape} and an offset of shape {off.shape}"
                    if len(skip) >= 4
                    else "a residual connection without a matrix needs equal sizes"
                )
                raise ValueError(
                    f"skips[{i}] adds an input of size {dims[src]} (layer {src}) to one of size "
                    f"{dims[dst]} (layer {dst}): {given}. Pass (source, target, matrix of shape "
                    f"({dims[dst]}, {dims[src]}), offset of shape ({dims[dst]},))."
                )
            if pre:  # into the pre-activation: the size of layer `target`'s outputs
                want = self._layers[dst].n_neurons
                if mat.shape != (want, dims[src]) or off.shape != (want,):
                    raise ValueError(
                        f"skips[{i}] adds an input of size {dims[src]} (layer {src}) to layer "
                        f"{dst}'s pre-activation of size {want}: pass a matrix of shape ({want}, "
                        f"{dims[src]}) and an offset of shape ({want},)."
                    )
            mat = np.array(mat, dtype=np.float64)
            off = np.array(off, dtype=np.float64)
            mat.flags.writeable = False
            off.flags.writeable = False
            out.append(Skip(src, dst, mat, off, pre))
        return tuple(out)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def random(cls, sizes: Sequence[int], seed: int, activations: Any = "relu") -> Network:
        """The network of ``torch.manual_seed(seed)`` then one ``nn.Linear`` per consecutive pair
        of ``sizes`` (PyTorch's default initialisation, float32 values widened to float64).

        >>> Network.random([2, 64, 64, 1], seed=0).layer_sizes
        (64, 64, 1)
        """
        import torch

        if isinstance(sizes, str) or not hasattr(sizes, "__iter__"):
            raise TypeError(
                f"sizes must list the widths, input first, e.g. [2, 64, 64, 1]; got "
                f"{shown(sizes)} ({type(sizes).__name__})."
            )
        try:
            sizes = [as_int(s, "sizes", low=1) for s in sizes]
        except TypeError:
            raise TypeError(
                f"sizes must list positive integer widths; got {shown(list(sizes))}."
            ) from None
        if len(sizes) < 2:
            raise ValueError(f"sizes must list >= 2 positive widths (input first); got {sizes}.")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(as_seed(seed))
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
            For a module that is not piecewise linear (GELU, LayerNorm, Softmax, ...) or not
            supported, naming it and why.
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

        maps, slopes, skips = read_module(model, input_shape)
        return cls([NeuronLayer(w, b) for w, b in maps], slopes, skips)

    # ------------------------------------------------------------------ data
    @property
    def layers(self) -> tuple[NeuronLayer, ...]:
        """The affine layers, in forward order."""
        return self._layers

    @property
    def negative_slopes(self) -> tuple[np.ndarray, ...]:
        """The activation after each layer as the negative slope of each neuron: one array
        ``(m_l,)`` per layer (0 for ReLU, 1 for identity, ``a`` for LeakyReLU(a))."""
        return self._slopes

    @property
    def activations(self) -> tuple[str, ...]:
        """Names of the activations after each layer (``'relu'``, ``'identity'``,
        ``'leaky_relu(0.1)'``, ``'prelu'``)."""
        return tuple(_activation_name(s) for s in self._slopes)

    @property
    def skips(self) -> tuple[Skip, ...]:
        """Residual connections (:class:`Skip`), in the order given."""
        return self._skips

    def _skips_into(self, target: int) -> list[Skip]:
        """Residual connections into the input of layer ``target``."""
        return [sk for sk in self._skips if sk.target == target and not sk.pre]

    def _pre_skips_into(self, target: int) -> list[Skip]:
        """Residual connections into the pre-activation of layer ``target``."""
        return [sk for sk in self._skips if sk.target == target and sk.pre]

    @property
    def skip_sources(self) -> tuple[int, ...]:
        """Layers whose input a residual connection reads, sorted."""
        return tuple(sorted({sk.source for sk in self._skips}))

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

    def __repr__(self) -> str:
        sizes = " -> ".join(str(s) for s in (self.in_dim, *self.layer_sizes))
        acts = ", ".join(self.activations[:-1]) or "none"
        skips = f"; {len(self._skips)} skip(s)" if self._skips else ""
        return f"Network({sizes}; activations: {acts}{skips})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Network):
            return NotImplemented
        return (
            self.n_layers == other.n_layers
            and all(np.array_equal(a, b) for a, b in zip(self._slopes, other._slopes, strict=True))
            and all(
                np.array_equal(a.weight, b.weight) and np.array_equal(a.bias, b.bias)
                for a, b in zip(self._layers, other._layers, strict=True)
            )
            and len(self._skips) == len(other._skips)
            and all(
                a[:2] == b[:2]
                and a.pre == b.pre
                and np.array_equal(a[2], b[2])
                and np.array_equal(a[3], b[3])
                for a, b in zip(self._skips, other._skips, strict=True)
            )
        )

    __hash__ = None

    # ------------------------------------------------------------------ indexing of neurons
    def split(self, signs: Any) -> list[np.ndarray]:
        """Cut pattern rows (..., N) into one array per layer (..., m_l)."""
        arr = np.asarray(signs)
        if arr.ndim == 0 or arr.shape[-1] != self.n_neurons:
            raise ValueError(
                f"signs must have {self.n_neurons} columns (all neurons of the network); "
                f"got shape {arr.shape}."
            )
        off = self.neuron_offsets
        return [arr[..., off[i] : off[i + 1]] for i in range(self.n_layers)]

    def neuron_index(self, layer: int, neuron: int) -> int:
        """Column of neuron ``neuron`` of layer ``layer`` in a pattern row (negative indices
        count from the end).

        >>> Network.random([2, 3, 4, 1], seed=0).neuron_index(1, 2)
        5
        """
        lay = self._check_layer_index(layer)
        col = as_index(neuron, "neuron", self.layer_sizes[lay], allow_negative=True)
        return int(self.neuron_offsets[lay] + col)

    def layer_of(self, index: Any) -> np.ndarray:
        """``(layer, neuron)`` of pattern columns: int64 array (..., 2).

        >>> Network.random([2, 3, 4, 1], seed=0).layer_of([0, 5, 7]).tolist()
        [[0, 0], [1, 2], [2, 0]]
        """
        idx = as_indices(
            index, "neuron columns", self.n_neurons, keep_shape=True, allow_negative=False
        ).astype(np.int64)
        off = self.neuron_offsets
        lay = np.searchsorted(off, idx, side="right") - 1
        return np.stack([lay, idx - off[lay]], axis=-1)

    def _check_layer_index(self, layer: Any) -> int:
        return as_index(layer, "layer", self.n_layers, allow_negative=True)

    # ------------------------------------------------------------------ evaluation
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
                f"{name} must have shape (n, {d}) for this input dimension d={d}"
                + (" (or (n,) for scalar inputs)" if d == 1 else "")
                + f"; got shape {inputs.shape}."
                + (
                    " Use slice_1d/slice_2d to view a wide network along a line or plane."
                    if d != 1
                    else ""
                )
            )
        check_finite(inputs, name)
        return inputs

    def _run(self, state: Any, ops: Any, signs: Sequence[np.ndarray] | None = None) -> tuple:
        """The forward pass with residual connections, written once.

        ``ops`` is :class:`FloatMaps` or :class:`ExactMaps`; ``signs`` (optional) gives each
        layer's pattern for activations by pattern. Returns (pre-activation states per layer,
        input states per layer plus the output state).
        """
        inputs, pres = [state], []
        for lay in range(self.n_layers):
            z = self._pre_activation(lay, inputs, ops)
            pres.append(z)
            inputs.append(
                self._next_input(lay, z, inputs, ops, None if signs is None else signs[lay])
            )
        return pres, inputs

    def _pre_activation(self, lay: int, inputs: Any, ops: Any) -> Any:
        """Layer ``lay``'s pre-activation: its affine map of its input ``inputs[lay]`` plus every
        residual connection into it (``inputs[s]`` is layer s's input)."""
        z = ops.affine(lay, inputs[lay])
        for skip in self._pre_skips_into(lay):
            z = ops.add(z, inputs[skip.source], skip)
        return z

    def _next_input(
        self, lay: int, z: Any, inputs: Sequence[Any], ops: Any, signs: Any = None
    ) -> Any:
        """The input of layer ``lay + 1``: the activation of layer ``lay``'s pre-activation ``z``
        plus every residual connection into ``lay + 1`` (``inputs[s]`` is layer s's input)."""
        h = ops.activate(lay, z, signs)
        for skip in self._skips_into(lay + 1):
            h = ops.add(h, inputs[skip.source], skip)
        return h

    def preactivations(self, x: Any) -> list[np.ndarray]:
        """Every layer's pre-activation outputs at inputs ``x`` (n, d): a list of (n, m_l) arrays."""
        pres, _ = self._run((self.check_inputs(x)[:, None, :], None), FloatMaps(self, False))
        return [z[:, 0, :] for z, _ in pres]

    def __call__(self, x: Any) -> np.ndarray:
        """The network's output (the last layer after its activation, identity by default,
        plus any residual connection into the output), shape (n, out_dim)."""
        _, inputs = self._run((self.check_inputs(x)[:, None, :], None), FloatMaps(self, False))
        return inputs[-1][0][:, 0, :]

    def signs(self, x: Any) -> np.ndarray:
        """Exact sign pattern at each input: int8 (n, N) over all neurons.

        A float64 forward pass carries a rigorous bound on its rounding error; an input with
        an entry within that bound of zero is recomputed in exact integer arithmetic through
        the whole network, so a 0 means exactly zero whatever the BLAS kernel.
        """
        return self._signs(self.check_inputs(x))

    def _signs(self, inputs: np.ndarray, patterns: np.ndarray | None = None) -> np.ndarray:
        """Exact signs at inputs (n, d); with ``patterns`` (n, N) the activations are fixed by
        row r's pattern instead of by value: the signs of the maps of that pattern's region,
        extended beyond it, at input r."""
        n = inputs.shape[0]
        signs = np.empty((n, self.n_neurons), dtype=np.int8)
        unsure = np.zeros(n, dtype=bool)
        # Blocks of points keep the forward pass's states (values, bounds and activations of
        # every layer: 4 arrays of 2**19 floats in all, 16 MiB) bounded whatever n, and the
        # blocks near the cache.
        step = max(1, (1 << 19) // max(1, self.n_neurons + self.in_dim))
        ops = FloatMaps(self)
        for lo in range(0, n, step):
            block = inputs[lo : lo + step]
            fixed = None if patterns is None else self.split(patterns[lo : lo + step])
            pres, _ = self._run((block[:, None, :], np.zeros((block.shape[0], 1, 1))), ops, fixed)
            col = 0
            for z, err in pres:
                z, err = z[:, 0, :], err[:, 0, :]
                out = signs[lo : lo + step, col : col + z.shape[1]]
                with np.errstate(invalid="ignore"):  # NaN (overflow): unsure, decided exactly
                    sure = np.abs(z) > err
                    np.sign(z, out=out, casting="unsafe")
                out[~sure] = 0
                unsure[lo : lo + step] |= ~sure.all(axis=1)
                col += z.shape[1]
        rows = np.flatnonzero(unsure)
        _exact.STATS["filtered"] += int(inputs.shape[0] - rows.size)
        if rows.size:
            ops = ExactMaps(self)
            for r in rows.tolist():
                pattern = None if patterns is None else patterns[r]
                signs[r] = self._exact_signs(inputs[r], ops, pattern)
        return signs

    def _exact_signs(
        self, point: np.ndarray, ops: ExactMaps, pattern: np.ndarray | None = None
    ) -> np.ndarray:
        _exact.STATS["exact"] += 1
        x, e = _exact.int_matrix(point[None, :])
        pres, _ = self._run((x, e), ops, None if pattern is None else self.split(pattern))
        return np.array(
            [_exact.exact_sign(v) for z, _ in pres for v in z[-1, :].tolist()], dtype=np.int8
        )

    def hidden(self) -> Network:
        """The network of the hidden layers only (every layer but the output, with the residual
        connections among them): its regions are the cells of the hidden-layer patterns, the
        count peers such as Relucent report (the output's zero set cuts no cell).

        >>> net = Network.random([2, 8, 8, 1], seed=0)
        >>> net.hidden().layer_sizes
        (8, 8)
        """
        L = self.n_layers
        if L < 2:
            raise ValueError(
                "hidden() needs a network of two layers or more; a single layer has no hidden "
                "layer (its neurons are its outputs)."
            )
        skips = [tuple(sk) for sk in self._skips if sk.target < L - 1]
        return Network(list(self._layers[:-1]), [*self._slopes[:-1]], skips)

    # ------------------------------------------------------------------ slicing
    def on_affine_input(self, origin: np.ndarray, basis: np.ndarray) -> Network:
        """The network seen on ``x = origin + basis @ u`` (basis (d, k)): its first layer and
        the residual connections from the input composed with that map (float64, rounded
        once per entry; the result is a network of its own, analysed exactly)."""
        first = _compose(self._layers[0].weight, self._layers[0].bias, origin, basis)
        skips = [
            (sk.source, sk.target, sk.matrix @ basis, sk.matrix @ origin + sk.offset, sk.pre)
            if sk.source == 0
            else tuple(sk)
            for sk in self._skips
        ]
        if self.n_layers == 1 and not skips and (self._slopes[0] == 1.0).all():
            return first
        return Network([first, *self._layers[1:]], list(self._slopes), skips)


def _compose(weight: np.ndarray, bias: np.ndarray, origin: np.ndarray, basis: np.ndarray):
    with np.errstate(over="ignore", invalid="ignore"):
        w, b = weight @ basis, weight @ origin + bias
    if not (np.isfinite(w).all() and np.isfinite(b).all()):
        raise ValueError(
            "the sliced layer overflows float64 (W @ direction or W @ origin + b is too large); "
            "scale the origin and direction vectors down."
        )
    return NeuronLayer(w, b)


# ====================================================================== NeuronLayer
@dataclass(frozen=True)
class Neuron:
    """One neuron ``y = weight · x + bias`` of a layer (see :meth:`NeuronLayer.neuron`).

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


class NeuronLayer(Network):
    """The m neurons of a linear layer ``y = W x + b`` over a d-dimensional input: the
    one-layer :class:`Network` (identity activation), accepted wherever a network is.

    Parameters
    ----------
    weight : array-like or torch.Tensor, shape (m, d)
        One row per neuron. A 1-D array of length m is read as a layer over a 1-D input (d = 1).
    bias : array-like or torch.Tensor, shape (m,)
        One bias per neuron.

    Notes
    -----
    Both are stored as read-only float64 numpy arrays. Values must be finite and m, d >= 1.
    The outputs are pre-activation: no non-linearity is applied.

    Examples
    --------
    >>> layer = NeuronLayer([[1.0], [-2.0]], [0.5, 1.0])
    >>> layer.n_neurons, layer.in_dim, layer.n_layers
    (2, 1, 1)
    >>> layer([0.0, 1.0])
    array([[ 0.5,  1. ],
           [ 1.5, -1. ]])
    >>> layer.boundary_points
    array([-0.5,  0.5])
    """

    __slots__ = ("_abs", "_bias", "_weight")

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
        self._abs = None
        ones = np.ones(m)
        ones.flags.writeable = False
        self._layers = (self,)
        self._slopes = (ones,)
        self._skips = ()

    # ------------------------------------------------------------------ constructors
    @classmethod
    def random(cls, n_neurons: int, in_dim: int, seed: int) -> NeuronLayer:  # type: ignore[override]
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
        seed = as_seed(seed)
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
    def from_module(cls, model: torch.nn.Module, name: str) -> NeuronLayer:  # type: ignore[override]
        """The neurons of the ``nn.Linear`` called ``name`` (dotted path) inside ``model``.

        Examples
        --------
        >>> import torch
        >>> model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
        >>> NeuronLayer.from_module(model, "2").shape
        (2, 3)
        """
        from neuronboundary._torch_network import find_linear

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
    def abs_weight(self) -> np.ndarray:
        """``|weight|`` (cached: the error bounds of the forward pass use it)."""
        if self._abs is None:
            self._abs = np.abs(self._weight)
        return self._abs

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
        if isinstance(other, NeuronLayer):
            return np.array_equal(self._weight, other._weight) and np.array_equal(
                self._bias, other._bias
            )
        return super().__eq__(other)

    __hash__ = None

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
        return self.check_inputs(x) @ self._weight.T + self._bias

    def _signs(self, inputs: np.ndarray, patterns: np.ndarray | None = None) -> np.ndarray:
        return _exact.affine_signs(self._weight, self._bias, inputs)  # no activation to fix

    def signs(self, x: Any) -> np.ndarray:
        """Exact sign of each neuron's output at each input: int8 array (n, m) of -1, 0, +1.

        Exact for the float64 inputs given: 0 only when ``w . x + b`` is exactly zero in
        rational arithmetic (a float filter decides almost every entry; the rest are
        recomputed exactly), so it never depends on BLAS rounding.

        >>> NeuronLayer([[-3.0, -1.0]], [2.0]).signs([[4 / 3, -2.0], [1.0, -1.0]])
        array([[1],
               [0]], dtype=int8)
        """
        return self._signs(self.check_inputs(x))

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
        check_layer(self, "boundary_points", in_dim=1)
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
        check_layer(self, "slope_signs", in_dim=1)
        return np.sign(self._weight[:, 0]).astype(np.int8)

    def hyperplanes(self) -> tuple[np.ndarray, np.ndarray]:
        """Each neuron's boundary ``{x : w · x + b = 0}`` as ``normal · x = offset``.

        Returns
        -------
        normals : numpy.ndarray, shape (m, d)
            Unit normals ``w / |w|``, pointing to the side where the neuron is positive.
        offsets : numpy.ndarray, shape (m,)
            Signed distance of the boundary from the origin along the normal, ``-b / |w|``.
            Rows of constant neurons are NaN.

        Examples
        --------
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


def difference_layer(m: int) -> tuple[NeuronLayer, np.ndarray, np.ndarray]:
    """The layer of every difference ``y_i - y_j`` (``i < j``) of m values: weights +1 and -1,
    no bias, so the differences are exact. Returns ``(layer, i, j)``.

    >>> layer, i, j = difference_layer(3)
    >>> layer.weight.tolist(), i.tolist(), j.tolist()
    ([[1.0, -1.0, 0.0], [1.0, 0.0, -1.0], [0.0, 1.0, -1.0]], [0, 0, 1], [1, 2, 2])
    """
    i, j = np.triu_indices(m, k=1)
    rows = np.zeros((i.shape[0], m))
    rows[np.arange(i.shape[0]), i] = 1.0
    rows[np.arange(i.shape[0]), j] = -1.0
    return NeuronLayer(rows, np.zeros(i.shape[0])), i.astype(np.int64), j.astype(np.int64)


# ====================================================================== argument checks
def _slicing_hint(in_dim: int, have: int) -> str:
    tools = {1: "partition_1d", 2: "arrangement_2d", 3: "regions_in"}
    other = f" For a {have}-D input use {tools[have]}." if have in tools else ""
    if in_dim == 1:
        return "Use slice_1d(network, origin, direction) to view it along a line." + other
    if in_dim == 2:
        return "Use slice_2d(network, origin, u, v) to view it on a plane." + other
    if in_dim == 3:
        return "Use slice_3d(network, origin, u, v, w) to view it in a 3-D subspace." + other
    return other  # pragma: no cover - no tool needs another dimension


def as_network(obj: Any, what: str, in_dim: int | None = None) -> Network:
    """``obj`` as a Network (a NeuronLayer is one), over an ``in_dim``-D input when given, or
    an error naming ``what`` needed it and how to get there (reading a model, slicing)."""
    if not isinstance(obj, Network):
        raise TypeError(
            f"{what} needs a Network or a NeuronLayer; got {type(obj).__name__}. Read a torch "
            f"model with Network.from_module(model), or build a layer with "
            f"NeuronLayer(weight, bias)."
        )
    if in_dim is not None and obj.in_dim != in_dim:
        raise ValueError(
            f"{what} needs a network over a {in_dim}-D input; this one has in_dim={obj.in_dim}. "
            + _slicing_hint(in_dim, obj.in_dim)
        )
    return obj


def check_layer(layer: Any, what: str, in_dim: int | None = None) -> NeuronLayer:
    """Return ``layer`` if it is a NeuronLayer (over an ``in_dim``-D input, when given), else
    raise an error that names ``what`` needed it and how to get there (slicing)."""
    if not isinstance(layer, NeuronLayer):
        extra = (
            " A Network has several layers: pick one with network.layers[i]."
            if isinstance(layer, Network)
            else ""
        )
        raise TypeError(
            f"{what} needs one layer (a NeuronLayer); got {type(layer).__name__}. Build one with "
            f"NeuronLayer(weight, bias), NeuronLayer.from_linear(linear) or "
            f"NeuronLayer.from_module(model, name).{extra}"
        )
    return as_network(layer, what, in_dim)  # type: ignore[return-value]
