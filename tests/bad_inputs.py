"""The bad-input matrix of the library, in one place: each case, the error it raises and what
the message says. ``tests/test_bad_inputs.py`` runs it; the docs render it with each message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

import neuronboundary as nb
from neuronboundary.figures import check_parameters, notebooks_dir


@dataclass(frozen=True)
class Case:
    area: str
    what: str
    call: Callable[[], object]
    error: type[BaseException]
    match: str


L1 = nb.NeuronLayer([[1.0], [-1.0]], [0.0, 0.5])
L2 = nb.NeuronLayer([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0])
NET = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU())


def _params(values: dict) -> Callable[[], object]:
    return lambda: check_parameters(["decision_boundary"], values, notebooks_dir())


CASES = [
    Case(
        "layer",
        "NaN weight",
        lambda: nb.NeuronLayer([[np.nan]], [0.0]),
        ValueError,
        "weight must be finite",
    ),
    Case(
        "layer",
        "infinite bias",
        lambda: nb.NeuronLayer([[1.0]], [np.inf]),
        ValueError,
        "bias must be finite",
    ),
    Case(
        "layer",
        "empty layer",
        lambda: nb.NeuronLayer(np.zeros((0, 2)), np.zeros(0)),
        ValueError,
        "at least one neuron",
    ),
    Case(
        "layer",
        "bias of the wrong length",
        lambda: nb.NeuronLayer([[1.0], [2.0]], [0.0]),
        ValueError,
        r"bias must have shape \(2,\)",
    ),
    Case(
        "layer",
        "3-D weight",
        lambda: nb.NeuronLayer(np.zeros((2, 2, 2)), np.zeros(2)),
        ValueError,
        r"weight must have shape \(n_neurons, in_dim\)",
    ),
    Case(
        "layer",
        "input of the wrong width",
        lambda: L2(np.ones((3, 3))),
        ValueError,
        r"x must have shape \(n, 2\)",
    ),
    Case("layer", "NaN input", lambda: L1([np.nan]), ValueError, "x must be finite"),
    Case(
        "layer",
        "negative neuron count",
        lambda: nb.NeuronLayer.random(-3, 1, seed=0),
        ValueError,
        "n_neurons must be an integer >= 1",
    ),
    Case(
        "model",
        "unknown module name",
        lambda: nb.NeuronLayer.from_module(NET, "2"),
        LookupError,
        "no module named '2'.*Linear layers are: '0'",
    ),
    Case(
        "model",
        "module that is not a Linear",
        lambda: nb.NeuronLayer.from_module(NET, "1"),
        TypeError,
        "'1' is a ReLU, not a torch.nn.Linear",
    ),
    Case(
        "1-D",
        "2-D layer given to partition_1d",
        lambda: nb.partition_1d(L2, (0, 1)),
        ValueError,
        "slice_1d",
    ),
    Case(
        "1-D",
        "inverted interval",
        lambda: nb.partition_1d(L1, (1, 0)),
        ValueError,
        "interval must satisfy lo < hi",
    ),
    Case(
        "1-D",
        "infinite interval",
        lambda: nb.partition_1d(L1, (0, np.inf)),
        ValueError,
        "interval must hold finite numbers",
    ),
    Case(
        "1-D",
        "point outside the partitioned interval",
        lambda: nb.partition_1d(L1, (0, 1)).locate([2.0]),
        ValueError,
        r"x must lie in the partitioned interval",
    ),
    Case(
        "2-D",
        "1-D layer given to arrangement_2d",
        lambda: nb.arrangement_2d(L1, ((0, 1), (0, 1))),
        ValueError,
        "partition_1d",
    ),
    Case(
        "2-D",
        "empty box",
        lambda: nb.arrangement_2d(L2, ((0, 0), (0, 1))),
        ValueError,
        "box is empty or inverted on axis x1",
    ),
    Case(
        "2-D",
        "box that is not 2 x 2",
        lambda: nb.arrangement_2d(L2, (0, 1)),
        ValueError,
        r"box must be \(\(x1_lo",
    ),
    Case(
        "slices",
        "zero direction",
        lambda: nb.slice_1d(L2, [0, 0], [0, 0]),
        ValueError,
        "direction must not be the zero vector",
    ),
    Case(
        "slices",
        "origin of the wrong length",
        lambda: nb.slice_1d(L2, [0], [1, 0]),
        ValueError,
        "origin must have length 2",
    ),
    Case(
        "slices",
        "parallel plane vectors",
        lambda: nb.slice_2d(L2, [0, 0], [1, 0], [2, 0]),
        ValueError,
        "linearly independent",
    ),
    Case(
        "groups",
        "thresholds of the wrong length",
        lambda: nb.group_partition_1d(L1, (0, 1), [1, 2, 3]),
        ValueError,
        r"thresholds must be a scalar or have shape \(2,\)",
    ),
    Case(
        "groups",
        "quantile level outside [0, 1]",
        lambda: nb.quantile_thresholds(np.ones((3, 2)), 1.5),
        ValueError,
        r"q must be a number in \[0, 1\]",
    ),
    Case(
        "groups",
        "unknown similarity mode",
        lambda: nb.similarity(L1, "cosine"),
        ValueError,
        "mode must be one of",
    ),
    Case(
        "notebooks",
        "unknown parameter",
        _params({"n_neuron": 8}),
        ValueError,
        "unknown parameter 'n_neuron'",
    ),
    Case(
        "notebooks",
        "negative n_neurons",
        _params({"n_neurons": -3}),
        ValueError,
        "parameter n_neurons must be an integer >= 1",
    ),
    Case(
        "notebooks",
        "inverted window",
        _params({"view_x": [1.5, -0.3]}),
        ValueError,
        "parameter view_x must have lo < hi",
    ),
    Case(
        "notebooks",
        "output folder as a parameter",
        _params({"output_dir": "x"}),
        ValueError,
        "set by the runner; choose the folder with --out",
    ),
    # --- branch stats: quantiles and activations from data pipelines
    Case(
        "groups",
        "quantile level NaN",
        lambda: nb.quantile_thresholds(np.ones((3, 2)), float("nan")),
        ValueError,
        r"q must be a number in \[0, 1\]",
    ),
    Case(
        "groups",
        "quantile level as a 1-D array",
        lambda: nb.quantile_thresholds(np.ones((3, 2)), np.array([0.5, 0.9])),
        ValueError,
        "q must be one number in \\[0, 1\\]; got an array of shape",
    ),
    Case(
        "groups",
        "exact quantiles of a one-shot iterator",
        lambda: nb.quantile_thresholds(iter([np.ones((3, 2))]), 0.5, method="exact"),
        ValueError,
        "one-shot iterator",
    ),
    Case(
        "groups",
        "unknown quantile method",
        lambda: nb.quantile_thresholds(np.ones((3, 2)), 0.5, method="fast"),
        ValueError,
        "method must be one of",
    ),
    Case(
        "groups",
        "process group without torch.distributed",
        lambda: nb.quantile_thresholds(np.ones((3, 2)), 0.5, group=True),
        ValueError,
        "torch.distributed is not initialised",
    ),
    Case(
        "activations",
        "1-D data",
        lambda: nb.collect_activations(NET, "0", np.zeros(3)),
        ValueError,
        r"data must have shape \(n, d\)",
    ),
    Case(
        "activations",
        "batch_size 0",
        lambda: nb.iter_activations(NET, "0", np.zeros((2, 3)), batch_size=0),
        ValueError,
        "batch_size must be an integer >= 1",
    ),
    Case(
        "activations",
        "dict batch without the input key",
        lambda: nb.collect_activations(NET, "0", [{"pixels": np.zeros((2, 3))}]),
        KeyError,
        "needs input_key=",
    ),
]


def message(case: Case) -> str:
    """The message the case raises (for the docs)."""
    try:
        case.call()
    except case.error as err:
        return str(err)
    raise AssertionError(f"{case.what}: no {case.error.__name__} raised")
