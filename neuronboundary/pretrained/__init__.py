"""Shipped trained models: small ReLU MLPs on scikit-learn's bundled handwritten digits.

The weights are files inside this package (a ``torch.save`` state dict each, read with
``torch.load(weights_only=True)``: tensors only, no code), so every analysis of a "real model"
is inference on the same numbers on any machine. Training depends on the CPU and on torch's
thread count; inference in float64 does not (to the last bits that matter for the figures).
The recipe that made them is :mod:`neuronboundary.pretrained.train`.

========================  ======================================  =====================
model                     layers (module names)                   test accuracy
========================  ======================================  =====================
:func:`digits_mlp`        hidden 64->32, relu, out 32->10         see ``models.json``
:func:`digits_deep`       hidden1 64->32, relu1, hidden2 32->32,  see ``models.json``
                          relu2, out 32->10
========================  ======================================  =====================

Examples
--------
>>> import neuronboundary as nb
>>> from neuronboundary.pretrained import digits_mlp, load_digits_data
>>> model, data = digits_mlp(), load_digits_data()
>>> layer = nb.NeuronLayer.from_module(model, "hidden")
>>> layer.n_neurons, data.X.shape
(32, (1797, 64))
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

__all__ = ["DigitsData", "accuracy", "digits_deep", "digits_mlp", "load_digits_data"]

DATA_DIR = Path(__file__).resolve().parent
MANIFEST = DATA_DIR / "models.json"
SPLIT_FILE = DATA_DIR / "digits_split.json"

#: Layer sizes of each shipped model (input, hidden..., classes).
ARCHITECTURES: dict[str, list[int]] = {
    "digits_mlp": [64, 32, 10],
    "digits_deep": [64, 32, 32, 10],
}


class DigitsData(NamedTuple):
    """scikit-learn's bundled digits and the split the shipped models were trained with.

    Attributes
    ----------
    X : (1797, 64) float64 array, pixels scaled to [0, 1]
    y : (1797,) int64 array, the digit of each image
    train : (1400,) int64 array, indices of the training images
    test : (397,) int64 array, indices of the test images
    """

    X: np.ndarray
    y: np.ndarray
    train: np.ndarray
    test: np.ndarray


def load_digits_data() -> DigitsData:
    """The 1,797 8x8 digit images bundled with scikit-learn (no download), as float64 in [0, 1],
    with the fixed train/test split the shipped models used.

    Returns
    -------
    DigitsData
        ``X`` (1797, 64) float64, ``y`` (1797,) int64, ``train`` (1400,) and ``test`` (397,)
        int64 indices

    Examples
    --------
    >>> X, y, train, test = load_digits_data()
    >>> X.dtype, float(X.min()), float(X.max()), len(train), len(test)
    (dtype('float64'), 0.0, 1.0, 1400, 397)
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:  # pragma: no cover - scikit-learn comes with the figures extra
        raise ImportError(
            "load_digits_data needs scikit-learn: pip install scikit-learn "
            '(or the figures extra: pip install -c constraints.txt ".[figures]" in a clone).'
        ) from None
    digits = load_digits()
    split = json.loads(SPLIT_FILE.read_text())
    return DigitsData(
        X=np.asarray(digits.data, dtype=np.float64) / 16.0,
        y=np.asarray(digits.target, dtype=np.int64),
        train=np.asarray(split["train"], dtype=np.int64),
        test=np.asarray(split["test"], dtype=np.int64),
    )


def _check_name(name: str) -> None:
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(ARCHITECTURES)}.")


def build(name: str, dtype: torch.dtype = torch.float64) -> torch.nn.Sequential:
    """The untrained architecture of a shipped model (fresh default initialisation).

    Hidden layers are named ``hidden`` (one) or ``hidden1``, ``hidden2``, ... with ``relu``,
    ``relu1``, ... after each, and the classifier ``out``.

    Examples
    --------
    >>> [n for n, _ in build("digits_deep").named_children()]
    ['hidden1', 'relu1', 'hidden2', 'relu2', 'out']
    """
    _check_name(name)
    sizes = ARCHITECTURES[name]
    model = torch.nn.Sequential()
    n_hidden = len(sizes) - 2
    for i in range(n_hidden):
        suffix = "" if n_hidden == 1 else str(i + 1)
        model.add_module(f"hidden{suffix}", torch.nn.Linear(sizes[i], sizes[i + 1], dtype=dtype))
        model.add_module(f"relu{suffix}", torch.nn.ReLU())
    model.add_module("out", torch.nn.Linear(sizes[-2], sizes[-1], dtype=dtype))
    return model


def weights_path(name: str) -> Path:
    """The file holding the shipped state dict of model ``name``.

    Examples
    --------
    >>> weights_path("digits_mlp").name
    'digits_mlp.pt'
    """
    _check_name(name)
    return DATA_DIR / f"{name}.pt"


def load(name: str) -> dict[str, torch.Tensor]:
    """The shipped float32 state dict of model ``name``, read safely (tensors only).

    Examples
    --------
    >>> load("digits_mlp")["hidden.weight"].dtype
    torch.float32
    """
    return torch.load(weights_path(name), map_location="cpu", weights_only=True)


def _pretrained(name: str) -> torch.nn.Sequential:
    model = build(name, torch.float64)
    model.load_state_dict(load(name))  # float32 -> float64 is exact
    return model.eval()


def digits_mlp() -> torch.nn.Sequential:
    """The shipped one-hidden-layer MLP on the digits (the real-model notebook's model).

    ``Sequential(hidden: Linear(64, 32), relu: ReLU, out: Linear(32, 10))`` in eval mode, with
    float64 parameters holding the trained float32 weights exactly. Feed it float64 inputs.

    Returns
    -------
    torch.nn.Sequential

    Examples
    --------
    >>> model = digits_mlp()
    >>> model.hidden.weight.dtype, model.training
    (torch.float64, False)
    >>> X, y, _, test = load_digits_data()
    >>> logits = model(torch.from_numpy(X[:3]))  # (3, 10)
    >>> logits.argmax(1).tolist() == y[:3].tolist()
    True
    """
    return _pretrained("digits_mlp")


def digits_deep() -> torch.nn.Sequential:
    """The shipped two-hidden-layer MLP on the digits: 64 -> 32 -> 32 -> 10 with ReLU.

    ``Sequential(hidden1: Linear(64, 32), relu1, hidden2: Linear(32, 32), relu2,
    out: Linear(32, 10))`` in eval mode, float64 parameters (the trained float32 weights exactly).

    Returns
    -------
    torch.nn.Sequential

    Examples
    --------
    >>> model = digits_deep()
    >>> [name for name, _ in model.named_children()]
    ['hidden1', 'relu1', 'hidden2', 'relu2', 'out']
    >>> model.hidden2.weight.shape
    torch.Size([32, 32])
    """
    return _pretrained("digits_deep")


def accuracy(model: torch.nn.Module, data: DigitsData | None = None) -> tuple[int, int]:
    """Correct predictions of ``model`` on the test images, in float64.

    Parameters
    ----------
    model : a digits classifier, (n, 64) -> (n, 10)
    data : the digits (default: :func:`load_digits_data`)

    Returns
    -------
    correct, total : int

    Examples
    --------
    >>> correct, total = accuracy(digits_mlp())
    >>> total
    397
    """
    data = load_digits_data() if data is None else data
    x = torch.from_numpy(data.X[data.test])
    dtype = next(model.parameters()).dtype
    with torch.no_grad():
        predicted = model(x.to(dtype)).argmax(1).numpy()
    return int((predicted == data.y[data.test]).sum()), len(data.test)
