"""Reading ``torch.nn.Module`` objects: a piecewise-linear model as a chain of affine layers
(weights and biases in float64), activations and residual connections, for
:meth:`neuronboundary.Network.from_module`; and a model's ``nn.Linear`` layers by name. Knows
torch, not the network model.

How a model is read. Every value computed by the model is kept as an *affine expression* of
the inputs of the layers made so far (``sum_s M_s input_s + q``), with the output of the last
``Linear`` or convolution kept apart while nothing needs it committed. Affine modules (``Linear``,
convolutions, pooling by averages, ``BatchNorm`` in eval mode, ``Flatten``) transform expressions;
sums, differences, scalings and concatenations combine them, so residual blocks, projection
shortcuts and parallel branches are just expressions. A layer of neurons is made where the
model needs one:

* an activation (ReLU, LeakyReLU, PReLU per channel) makes a layer whose pre-activation is the
  expression: its weights read the newest layer input, older inputs enter as residual
  connections into the pre-activation (``relu(h + f(h))``);
* a ``Linear`` or convolution applied to the output of another one, with no activation between,
  first makes the earlier one a layer of its own (identity activation): each such module's
  outputs are neurons, as the article defines them;
* ``ReLU6`` and ``Hardtanh`` are ``lo + relu(z - lo) - relu(z - hi)``: two rows per neuron, the
  shifts added exactly (never rounded into the biases);
* max-pooling is a tournament, ``max(a, b) = b + relu(a - b)``: one layer of differences (weights
  +1 and -1, exact) per round.

Everything is exact for the float64 weights read, except where two affine maps are composed
(normalisation and average pooling folded into a neighbouring layer, a map applied to a sum): those
products are float64, rounded once per entry.
"""

from __future__ import annotations

import copy
import math
import operator
from typing import TYPE_CHECKING, Any

import numpy as np

from neuronboundary._validate import is_integer, shown, unwrap_scalar

if TYPE_CHECKING:
    import torch

#: Modules refused, with the reason given to the user.
_NOT_PIECEWISE_LINEAR = {
    "GELU": "it is smooth, not piecewise linear",
    "SiLU": "it is smooth, not piecewise linear",
    "Mish": "it is smooth, not piecewise linear",
    "Sigmoid": "it is smooth, not piecewise linear",
    "Tanh": "it is smooth, not piecewise linear",
    "Softplus": "it is smooth, not piecewise linear",
    "ELU": "it is smooth for negative inputs, not piecewise linear",
    "SELU": "it is smooth for negative inputs, not piecewise linear",
    "CELU": "it is smooth for negative inputs, not piecewise linear",
    "Softmax": "it is not piecewise linear (exponentials)",
    "LogSoftmax": "it is not piecewise linear (exponentials)",
    "LayerNorm": "it divides by a data-dependent standard deviation (not affine)",
    "GroupNorm": "it divides by a data-dependent standard deviation (not affine)",
    "InstanceNorm1d": "it divides by a data-dependent standard deviation (not affine)",
    "InstanceNorm2d": "it divides by a data-dependent standard deviation (not affine)",
    "MultiheadAttention": "attention multiplies inputs with each other (not piecewise linear)",
}

SUPPORTED = (
    "Linear, Conv1d, Conv2d, ReLU, LeakyReLU, PReLU, ReLU6, Hardtanh, MaxPool1d, MaxPool2d, "
    "AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, BatchNorm1d, BatchNorm2d (eval "
    "mode), Flatten, Identity, Dropout (eval mode), and in a custom forward: torch.relu, "
    "F.relu, F.leaky_relu, torch.flatten, view/reshape to (batch, -1), torch.cat on features, "
    "sums, differences and scalings by numbers"
)


def _refuse(name: str, module: Any, why: str) -> TypeError:
    what = f" ({type(module).__name__})" if module is not None else ""
    return TypeError(
        f"Network.from_module cannot read {name!r}{what}: {why}. Supported: {SUPPORTED}."
    )


# ====================================================================== affine expressions
class _Affine:
    """``sum_s terms[s] @ input_s + offset`` over the inputs of the layers made so far; a matrix
    ``None`` is the identity (kept symbolic: no product, no rounding)."""

    __slots__ = ("n", "offset", "terms")

    def __init__(self, terms: dict[int, np.ndarray | None], offset: np.ndarray) -> None:
        self.terms = terms
        self.offset = offset
        self.n = offset.shape[0]

    @staticmethod
    def of_input(t: int, n: int) -> _Affine:
        return _Affine({t: None}, np.zeros(n))

    def dense(self, s: int, width: int) -> np.ndarray:
        m = self.terms.get(s, 0)
        if m is None:
            return np.eye(self.n)
        return np.zeros((self.n, width)) if isinstance(m, int) else m

    def apply(self, A: np.ndarray, c: np.ndarray) -> _Affine:
        """``A @ self + c``."""
        terms = {s: A.copy() if m is None else A @ m for s, m in self.terms.items()}
        off = A @ self.offset + c if self.offset.any() else c.copy()
        return _Affine(terms, off)

    def plus(self, other: _Affine, sign: float = 1.0) -> _Affine:
        """``self + sign * other``."""
        terms = dict(self.terms)
        for s, m in other.terms.items():
            b = np.eye(self.n) if m is None else m
            if s in terms:
                a = np.eye(self.n) if terms[s] is None else terms[s]
                terms[s] = a + sign * b
            else:
                terms[s] = None if (m is None and sign == 1.0) else sign * b
        return _Affine(terms, self.offset + sign * other.offset)

    def scaled(self, k: float) -> _Affine:
        terms = {s: (np.eye(self.n) * k if m is None else m * k) for s, m in self.terms.items()}
        return _Affine(terms, self.offset * k)

    def rows(self, idx: np.ndarray, widths: list[int]) -> _Affine:
        terms = {s: self.dense(s, widths[s])[idx] for s in self.terms}
        return _Affine(terms, self.offset[idx])

    @staticmethod
    def stack(parts: list[_Affine], widths: list[int]) -> _Affine:
        sources = sorted({s for p in parts for s in p.terms})
        terms = {s: np.vstack([p.dense(s, widths[s]) for p in parts]) for s in sources}
        return _Affine(terms, np.concatenate([p.offset for p in parts]))

    def is_input(self) -> int | None:
        """The layer input this expression is exactly (identity, no offset), else None."""
        if len(self.terms) == 1 and not self.offset.any():
            ((s, m),) = self.terms.items()
            if m is None:
                return s
        return None


class _Value:
    """A value of the model: the output of the last uncommitted Linear/convolution (``pending``)
    plus everything else (``rest``), and its shape per sample."""

    __slots__ = ("pending", "rest", "shape")

    def __init__(self, pending: _Affine | None, rest: _Affine, shape: tuple[int, ...]) -> None:
        self.pending, self.rest, self.shape = pending, rest, shape

    @property
    def size(self) -> int:
        return self.rest.n

    def whole(self) -> _Affine:
        return self.rest if self.pending is None else self.pending.plus(self.rest)


# ====================================================================== the builder
class _Builder:
    """Layers, activations and skips made while reading a model."""

    def __init__(self, d: int) -> None:
        self.layers: list[tuple[np.ndarray, np.ndarray]] = []
        self.slopes: list[np.ndarray] = []
        self.skips: list[tuple] = []
        self.widths = [d]  # width of each layer input

    def commit(self, aff: _Affine, slopes: np.ndarray) -> int:
        """A layer whose pre-activation is ``aff``: weights on the newest input, older inputs
        as residual connections into the pre-activation. Returns the layer's index."""
        L = len(self.layers)
        W = aff.dense(L, self.widths[L])
        for s in sorted(aff.terms):
            if s != L:
                self.skips.append((s, L, aff.dense(s, self.widths[s]), np.zeros(aff.n), True))
        self.layers.append((np.array(W, dtype=np.float64), np.array(aff.offset, dtype=np.float64)))
        self.slopes.append(np.broadcast_to(np.asarray(slopes, dtype=np.float64), (aff.n,)).copy())
        self.widths.append(aff.n)
        return L

    def commit_pending(self, value: _Value) -> _Value:
        """Make the pending Linear/convolution output a layer (identity activation); the rest
        of the value becomes residual connections into the next layer's input. The value is
        updated in place: every later use of it reads that layer's input."""
        if value.pending is None:
            return value
        L = self.commit(value.pending, np.ones(value.pending.n))
        rest = value.rest
        for k, s in enumerate(sorted(rest.terms)):
            off = rest.offset if k == 0 else np.zeros(rest.n)
            self.skips.append((s, L + 1, rest.dense(s, self.widths[s]), off, False))
        if not rest.terms and rest.offset.any():
            self.skips.append((L, L + 1, np.zeros((rest.n, self.widths[L])), rest.offset, False))
        value.pending, value.rest = None, _Affine.of_input(L + 1, value.size)
        return value

    def activate(self, value: _Value, slopes: np.ndarray) -> _Value:
        L = self.commit(value.whole(), slopes)
        return _Value(None, _Affine.of_input(L + 1, value.size), value.shape)

    def clamp(self, value: _Value, lo: float, hi: float, name: str) -> _Value:
        """``clamp(v, lo, hi) = lo + relu(v - lo) - relu(v - hi)``, exactly."""
        aff = value.whole()
        n = aff.n
        zero = np.zeros(n)
        if lo == 0.0:  # relu(v) then relu(relu(v) - hi) = relu(v - hi): no shifted copy needed
            L = self.commit(aff, zero)
            L2 = self.commit(_Affine({L + 1: None}, np.full(n, -hi)), zero)
            out = _Affine({L + 1: None}, zero).plus(_Affine({L2 + 1: None}, zero), -1.0)
            return _Value(None, out, value.shape)
        if len(self.layers) == 0:  # no residual connection into the first layer: a copy of v
            L = self.commit(aff, np.ones(n))
            aff = _Affine.of_input(L + 1, n)
        both = _Affine.stack([aff, aff], self.widths)
        L = self.commit(both, np.zeros(2 * n))
        # the shifts -lo and -hi enter the pre-activation exactly, as a residual offset
        shift = np.concatenate([np.full(n, -lo), np.full(n, -hi)])
        self.skips.append((L, L, np.zeros((2 * n, self.widths[L])), shift, True))
        sel = np.hstack([np.eye(n), -np.eye(n)])
        return _Value(None, _Affine({L + 1: sel}, np.full(n, lo)), value.shape)

    def max_pool(self, value: _Value, windows: list[np.ndarray], shape: tuple) -> _Value:
        """The max over each window (indices into the value), a tournament of differences."""
        value = self.commit_pending(value)
        cand = value.rest
        if cand.is_input() is None:  # the candidates must be exact: make the value a layer
            value = self.activate(value, np.ones(value.size))
            cand = value.rest
        members = [list(w) for w in windows]
        while any(len(w) > 1 for w in members):
            pairs = [(w[i], w[i + 1]) for w in members for i in range(0, len(w) - 1, 2)]
            a = np.array([p[0] for p in pairs])
            b = np.array([p[1] for p in pairs])
            diff = cand.rows(a, self.widths).plus(cand.rows(b, self.widths), -1.0)
            L = self.commit(diff, np.zeros(len(pairs)))
            # each pair's winner: b + relu(a - b)
            won = cand.rows(b, self.widths).plus(
                _Affine({L + 1: np.eye(len(pairs))}, np.zeros(len(pairs)))
            )
            old_n = cand.n
            cand = _Affine.stack([cand, won], self.widths)
            k = 0
            nxt = []
            for w in members:
                new = []
                for _ in range(len(w) // 2):
                    new.append(old_n + k)
                    k += 1
                if len(w) % 2:
                    new.append(w[-1])
                nxt.append(new)
            members = nxt
        out = cand.rows(np.array([w[0] for w in members]), self.widths)
        return _Value(None, out, shape)

    def finish(self, value: _Value, model: Any) -> tuple[list, list, list]:
        value = self.commit_pending(value)
        rest = value.rest
        if not self.layers:
            raise _refuse(
                type(model).__name__, model, "it has no Linear or convolution layer (no neurons)"
            )
        L = len(self.layers)
        if rest.is_input() == L:
            return self.layers, self.slopes, self.skips
        if L in rest.terms and rest.terms[L] is None:  # the last layer's output plus skips
            others = {s: m for s, m in rest.terms.items() if s != L}
            for k, s in enumerate(sorted(others)):
                off = rest.offset if k == 0 else np.zeros(rest.n)
                self.skips.append((s, L, rest.dense(s, self.widths[s]), off, False))
            if not others and rest.offset.any():
                self.skips.append(
                    (L - 1, L, np.zeros((rest.n, self.widths[L - 1])), rest.offset, False)
                )
            return self.layers, self.slopes, self.skips
        self.commit(rest, np.ones(rest.n))  # an affine map of the outputs: a layer of its own
        return self.layers, self.slopes, self.skips


# ====================================================================== modules
def _dense(module: Any, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """An affine module as (matrix (out, in), bias (out,), output shape), in float64, by
    pushing the identity basis through it."""
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


def _check_params(name: str, module: Any) -> None:
    for pname, p in module.named_parameters(recurse=False):
        values = p.detach().double().cpu().numpy()
        bad = ~np.isfinite(values)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(
                f"module {name!r} ({type(module).__name__}) has {int(bad.sum())} non-finite "
                f"value(s) in {pname} (first at index {where}: {values[where]}); fix or retrain the "
                f"model before reading it."
            )


def _pool_windows(module: Any, shape: tuple[int, ...], name: str) -> tuple[list, tuple]:
    """Windows (flat input indices) of a MaxPool1d/2d on inputs of ``shape`` (torch's rules:
    kernel, stride, padding, dilation, ceil_mode; padding never wins a max)."""
    import torch

    two = isinstance(module, torch.nn.MaxPool2d)
    spatial = shape[1:]
    if len(spatial) != (2 if two else 1):
        raise ValueError(
            f"module {name!r} ({type(module).__name__}) needs inputs of shape "
            f"{'(C, H, W)' if two else '(C, L)'}; it receives {shape}."
        )

    def pair(v: Any) -> tuple[int, ...]:
        return tuple(v) if isinstance(v, (tuple, list)) else (int(v),) * len(spatial)

    k, st, pad, dil = (
        pair(getattr(module, a)) for a in ("kernel_size", "stride", "padding", "dilation")
    )
    with torch.no_grad():
        out_shape = tuple(module(torch.zeros((1, *shape))).shape[1:])
    windows = []
    grid = np.arange(int(np.prod(shape))).reshape(shape)
    for c in range(shape[0]):
        for pos in np.ndindex(*out_shape[1:]):
            idx = []
            for off in np.ndindex(*k):
                coord = [
                    p * s - q + o * d for p, s, q, o, d in zip(pos, st, pad, off, dil, strict=True)
                ]
                if all(0 <= x < n for x, n in zip(coord, spatial, strict=True)):
                    idx.append(grid[(c, *coord)])
            windows.append(np.array(idx))
    return windows, out_shape


class _Reader:
    """Applies modules and functions to values (see the module docstring)."""

    def __init__(self, shape: tuple[int, ...] | None, d: int) -> None:
        self.b = _Builder(d)
        self.first_shape = shape if shape is not None else (d,)

    def input(self) -> _Value:
        n = int(np.prod(self.first_shape))
        return _Value(None, _Affine.of_input(0, n), self.first_shape)

    def module(self, name: str, module: Any, value: _Value) -> _Value:
        from torch import nn

        kind = type(module).__name__
        if kind in _NOT_PIECEWISE_LINEAR:
            raise _refuse(name, module, _NOT_PIECEWISE_LINEAR[kind])
        stochastic = (nn.Dropout, nn.BatchNorm1d, nn.BatchNorm2d)
        if isinstance(module, stochastic) and module.training:
            raise ValueError(
                f"module {name!r} ({kind}) is in training mode, where it is random or depends "
                f"on the batch; call model.eval() before Network.from_module(model)."
            )
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)) and module.running_mean is None:
            raise _refuse(
                name,
                module,
                "it keeps no running statistics (track_running_stats=False), so even in eval "
                "mode it normalises by each batch's statistics: not one affine map of a sample",
            )
        _check_params(name, module)
        if isinstance(module, (nn.Identity, nn.Dropout)):
            return value
        if isinstance(module, nn.Flatten):
            return _Value(value.pending, value.rest, (value.size,))
        if isinstance(module, nn.ReLU):
            return self.b.activate(value, np.zeros(value.size))
        if isinstance(module, nn.LeakyReLU):
            return self.b.activate(value, np.full(value.size, float(module.negative_slope)))
        if isinstance(module, nn.PReLU):
            a = module.weight.detach().double().cpu().numpy().ravel()
            if a.size > 1:  # one slope per channel: channels are the first axis of a sample
                per = value.size // value.shape[0]
                a = np.repeat(a, per) if len(value.shape) > 1 else a
                if a.size != value.size:
                    raise ValueError(
                        f"module {name!r} (PReLU) has {module.num_parameters} slopes but its "
                        f"input has shape {value.shape}; num_parameters must be the channels."
                    )
            return self.b.activate(value, np.broadcast_to(a, (value.size,)))
        if isinstance(module, nn.ReLU6):
            return self.b.clamp(value, 0.0, 6.0, name)
        if isinstance(module, nn.Hardtanh):
            return self.b.clamp(value, float(module.min_val), float(module.max_val), name)
        if isinstance(module, (nn.MaxPool1d, nn.MaxPool2d)):
            if module.return_indices:
                raise _refuse(name, module, "return_indices=True returns indices, not values")
            windows, out_shape = _pool_windows(module, value.shape, name)
            return self.b.max_pool(value, windows, out_shape)
        if isinstance(module, nn.Linear):
            if value.size != module.in_features:
                raise ValueError(
                    f"module {name!r} (Linear) reads {module.in_features} inputs but receives "
                    f"{value.size} (shape {value.shape}); check input_shape or add an nn.Flatten."
                )
            w = module.weight.detach().double().cpu().numpy()
            b = (
                module.bias.detach().double().cpu().numpy()
                if module.bias is not None
                else np.zeros(w.shape[0])
            )
            return self._linear(value, w, b, (w.shape[0],))
        affine = (
            nn.Conv1d,
            nn.Conv2d,
            nn.AvgPool1d,
            nn.AvgPool2d,
            nn.AdaptiveAvgPool1d,
            nn.AdaptiveAvgPool2d,
            nn.BatchNorm1d,
            nn.BatchNorm2d,
        )
        if not isinstance(module, affine):
            raise _refuse(name, module, "this module type is not supported")
        if isinstance(module, (nn.Conv1d, nn.Conv2d)):
            want = module.in_channels
            spatial = 1 if isinstance(module, nn.Conv1d) else 2
            if len(value.shape) != spatial + 1 or value.shape[0] != want:
                raise ValueError(
                    f"module {name!r} ({kind}) reads inputs of shape (C={want}, "
                    f"{'L' if spatial == 1 else 'H, W'}) but receives shape {value.shape}; pass "
                    f"input_shape=({want}, {'L' if spatial == 1 else 'H, W'}) (one sample, no batch "
                    f"axis) to Network.from_module."
                )
        try:
            mat, vec, out_shape = _dense(module, value.shape)
        except RuntimeError:
            raise ValueError(
                f"module {name!r} ({kind}) cannot read inputs of shape {value.shape}; check "
                f"input_shape (one sample, no batch axis) and the modules before it."
            ) from None
        if isinstance(module, (nn.Conv1d, nn.Conv2d)):
            return self._linear(value, mat, vec, out_shape)
        return self._fold(value, mat, vec, out_shape)

    def _linear(self, value: _Value, A: np.ndarray, c: np.ndarray, shape: tuple) -> _Value:
        """A Linear or convolution: its outputs are neurons; one applied to another's output
        makes that one a layer first."""
        value = self.b.commit_pending(value)
        return _Value(value.rest.apply(A, c), _Affine({}, np.zeros(A.shape[0])), shape)

    @staticmethod
    def _fold(value: _Value, A: np.ndarray, c: np.ndarray, shape: tuple) -> _Value:
        """An affine map folded into the value (normalisation, average pooling)."""
        pending = None if value.pending is None else value.pending.apply(A, c)
        rest = value.rest.apply(A, np.zeros(A.shape[0]) if pending is not None else c)
        return _Value(pending, rest, shape)

    def add(self, x: _Value, y: _Value, sign: float, name: str) -> _Value:
        if x.size != y.size:
            raise _refuse(name, None, f"it adds values of sizes {x.size} and {y.size}")
        if x.pending is not None and y.pending is not None:
            # keep the newer Linear output apart, the other joins the rest
            newer = max(x.pending.terms or {-1: None}) >= max(y.pending.terms or {-1: None})
            keep, other = (x.pending, y.pending) if newer else (y.pending, x.pending)
            rest = x.rest.plus(y.rest, sign)
            if newer:
                rest = rest.plus(other, sign)
                return _Value(keep, rest, x.shape)
            return _Value(keep.scaled(sign), rest.plus(other), x.shape)
        pending = (
            x.pending
            if x.pending is not None
            else (None if y.pending is None else y.pending.scaled(sign))
        )
        return _Value(pending, x.rest.plus(y.rest, sign), x.shape)

    @staticmethod
    def scale(x: _Value, k: float) -> _Value:
        pending = None if x.pending is None else x.pending.scaled(k)
        return _Value(pending, x.rest.scaled(k), x.shape)

    def cat(self, values: list[_Value], name: str) -> _Value:
        parts = [self.b.commit_pending(v).rest for v in values]
        if any(len(v.shape) != 1 for v in values):
            raise _refuse(name, None, "torch.cat is read on flat features (batch, n) only")
        out = _Affine.stack(parts, self.b.widths)
        return _Value(None, out, (out.n,))


# ====================================================================== entry points
def _read_shape(input_shape: Any) -> tuple[int, ...] | None:
    if input_shape is None:
        return None
    sizes = input_shape if isinstance(input_shape, (tuple, list)) else [input_shape]
    if hasattr(input_shape, "shape") and getattr(input_shape, "ndim", 0) == 1:
        sizes = list(input_shape)  # an array or tensor of sizes
    if not all(is_integer(s) for s in sizes):
        raise TypeError(
            f"input_shape must be a tuple of ints (one input, no batch axis), e.g. (1, 28, 28); "
            f"got {shown(input_shape)}."
        )
    shape = tuple(int(unwrap_scalar(s)) for s in sizes)
    if not shape or min(shape) < 1:
        raise ValueError(f"input_shape must hold positive sizes; got {shown(input_shape)}.")
    return shape


def _shaped() -> tuple[type, ...]:
    from torch import nn

    return (
        nn.Conv1d,
        nn.Conv2d,
        nn.AvgPool1d,
        nn.AvgPool2d,
        nn.MaxPool1d,
        nn.MaxPool2d,
        nn.AdaptiveAvgPool1d,
        nn.AdaptiveAvgPool2d,
        nn.BatchNorm2d,
    )


def _input_width(modules: list[tuple[str, Any]], shape: tuple[int, ...] | None) -> int:
    from torch import nn

    if shape is not None:
        return int(np.prod(shape))
    shaped = _shaped()
    for name, m in modules:
        if isinstance(m, nn.Linear):
            return int(m.in_features)
        if isinstance(m, nn.BatchNorm1d):
            return int(m.num_features)
        if isinstance(m, shaped):  # a missing argument: ValueError, as for the other shapes
            raise ValueError(  # noqa: TRY004
                f"module {name!r} ({type(m).__name__}) needs the input's shape: pass "
                f"input_shape=(C, H, W) (or (C, L) for 1-D), one sample without the batch axis, "
                f"to Network.from_module."
            )
        if type(m).__name__ in _NOT_PIECEWISE_LINEAR:
            raise _refuse(name, m, _NOT_PIECEWISE_LINEAR[type(m).__name__])
    raise _refuse("model", None, "it has no Linear or convolution layer (no neurons)")


def _flatten(model: Any, prefix: str = "") -> list[tuple[str, Any]]:
    import torch

    if isinstance(model, torch.nn.Sequential):
        out = []
        for name, child in model.named_children():
            out.extend(_flatten(child, f"{prefix}{name}."))
        return out
    return [(prefix.rstrip(".") or type(model).__name__, model)]


def read_module(model: Any, input_shape: Any = None) -> tuple[list, list, list]:
    """Layers as ``(weight, bias)`` pairs, activation slopes (one array per layer) and residual
    connections ``(source, target, matrix, offset, pre)`` of a model: an ``nn.Sequential``
    of torch's own modules read module by module, anything else (a custom forward, or a custom
    module inside a Sequential) traced with ``torch.fx``."""
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}.")
    shape = _read_shape(input_shape)
    modules = _flatten(model) if isinstance(model, torch.nn.Sequential) else []
    custom = any(not type(m).__module__.startswith("torch.nn") for _, m in modules)
    if isinstance(model, torch.nn.Linear) or (modules and not custom):
        modules = modules or _flatten(model)
        reader = _Reader(shape, _input_width(modules, shape))
        value = reader.input()
        for name, module in modules:
            value = reader.module(name, module, value)
        return reader.b.finish(value, model)
    return _read_traced(model, shape)


def _read_traced(model: Any, shape: tuple[int, ...] | None) -> tuple[list, list, list]:
    """Read a model with a custom ``forward`` through ``torch.fx``: every node's value is an
    affine expression (see the module docstring)."""
    import torch
    import torch.fx
    import torch.nn.functional as F

    try:
        graph = torch.fx.symbolic_trace(model).graph
    except Exception as err:  # noqa: BLE001 - any tracing failure means the same to the user
        raise _refuse(
            type(model).__name__,
            model,
            f"its forward could not be traced with torch.fx ({type(err).__name__}: {err}); "
            f"write it as an nn.Sequential or as modules, sums and the functions listed",
        ) from None
    modules = dict(model.named_modules())
    called = [(str(n.target), modules[str(n.target)]) for n in graph.nodes if n.op == "call_module"]
    reader = _Reader(shape, _input_width(called, shape))
    values: dict[Any, Any] = {}
    adds = {
        operator.add: 1.0,
        torch.add: 1.0,
        operator.iadd: 1.0,
        operator.sub: -1.0,
        torch.sub: -1.0,
    }
    relus = {torch.relu: 0.0, F.relu: 0.0}

    def val(a: Any, where: str) -> _Value:
        if isinstance(a, torch.fx.Node):
            v = values.get(a)
            if isinstance(v, _Value):
                return v
        raise _refuse(where, None, "an operand is not a value of the model")

    for node in graph.nodes:
        where = f"{node.op} {getattr(node.target, '__name__', node.target)}"
        if node.op == "placeholder":
            if any(isinstance(v, _Value) for v in values.values()):
                raise _refuse(type(model).__name__, model, "it takes more than one input")
            values[node] = reader.input()
            continue
        if node.op == "output":
            out = node.args[0]
            return reader.b.finish(val(out, "the output"), model)
        if node.op == "call_module":
            values[node] = reader.module(
                str(node.target), modules[str(node.target)], val(node.args[0], where)
            )
            continue
        if (node.op == "call_function" and node.target in relus) or (
            node.op == "call_method" and node.target == "relu"
        ):
            x = val(node.args[0], where)
            values[node] = reader.b.activate(x, np.zeros(x.size))
            continue
        if node.op == "call_function" and node.target in (F.relu6, F.hardtanh):
            x = val(node.args[0], where)
            lo, hi = (
                (0.0, 6.0)
                if node.target is F.relu6
                else (
                    float(node.args[1] if len(node.args) > 1 else node.kwargs.get("min_val", -1.0)),
                    float(node.args[2] if len(node.args) > 2 else node.kwargs.get("max_val", 1.0)),
                )
            )
            values[node] = reader.b.clamp(x, lo, hi, where)
            continue
        if node.op == "call_function" and node.target is F.leaky_relu:
            x = val(node.args[0], where)
            slope = node.args[1] if len(node.args) > 1 else node.kwargs.get("negative_slope", 0.01)
            values[node] = reader.b.activate(x, np.full(x.size, float(slope)))
            continue
        if (node.op == "call_function" and node.target in adds) or (
            node.op == "call_method" and node.target in ("add", "sub", "__add__", "__sub__")
        ):
            sign = adds.get(node.target, -1.0 if node.target in ("sub", "__sub__") else 1.0)
            a, b = node.args[0], node.args[1]
            if isinstance(b, (int, float)) and not isinstance(b, bool):  # v + constant
                x = val(a, where)
                const = _Value(None, _Affine({}, np.full(x.size, sign * float(b))), x.shape)
                values[node] = reader.add(x, const, 1.0, where)
                continue
            if node.kwargs or len(node.args) != 2:
                raise _refuse(where, None, "only sums of two values are read (no alpha=)")
            values[node] = reader.add(val(a, where), val(b, where), sign, where)
            continue
        if (node.op == "call_function" and node.target in (operator.mul, torch.mul)) or (
            node.op == "call_method" and node.target == "mul"
        ):
            a, b = node.args[0], node.args[1]
            if isinstance(a, (int, float)) and not isinstance(a, bool):
                a, b = b, a
            if not (isinstance(b, (int, float)) and not isinstance(b, bool)) or not math.isfinite(
                b
            ):
                raise _refuse(
                    where,
                    None,
                    "a product of two values is not piecewise linear; only scaling by a number is read",
                )
            values[node] = reader.scale(val(a, where), float(b))
            continue
        if node.op == "call_function" and node.target is operator.neg:
            values[node] = reader.scale(val(node.args[0], where), -1.0)
            continue
        if (node.op == "call_function" and node.target is torch.flatten) or (
            node.op == "call_method" and node.target in ("flatten", "view", "reshape")
        ):
            x = val(node.args[0], where)
            if node.op == "call_method" and node.target in ("view", "reshape"):
                dims = [a for a in node.args[1:] if not isinstance(a, torch.fx.Node)]
                if len(node.args) != 3 or (dims and dims[-1] not in (-1, x.size)):
                    raise _refuse(where, None, "view/reshape is read only as (batch, -1)")
            values[node] = _Value(x.pending, x.rest, (x.size,))
            continue
        if node.op == "call_function" and node.target is torch.cat:
            tensors = node.args[0]
            dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
            if dim not in (1, -1):
                raise _refuse(where, None, "torch.cat is read along the feature axis (dim=1)")
            values[node] = reader.cat([val(t, where) for t in tensors], where)
            continue
        if node.op == "call_method" and node.target == "size":
            values[node] = "size"
            continue
        if node.op == "call_function" and node.target is getattr and node.args[1] == "shape":
            values[node] = "size"
            continue
        if (
            node.op == "call_function"
            and node.target is operator.getitem
            and values.get(node.args[0]) == "size"
        ):
            values[node] = "size"
            continue
        raise _refuse(where, None, "this operation is not supported")
    raise _refuse(type(model).__name__, model, "its forward returns nothing")  # pragma: no cover


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
