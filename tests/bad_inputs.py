"""The bad-input matrix of the library, in one place: each case, the error it raises and what
the message says. ``tests/test_bad_inputs.py`` runs it; the docs render it with each message."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

import neuronboundary as nb
from neuronboundary.polygons import clip_halfplane
from reproduce.figures import ParameterError, check_parameters, notebooks_dir, run_figures


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
CNN = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU())
EMBED = torch.nn.Sequential(torch.nn.Embedding(5, 3), torch.nn.Linear(3, 2))


class _Pair(torch.nn.Module):
    """A module with two outputs (as an LSTM has)."""

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x, x


PAIR = torch.nn.Sequential(torch.nn.Linear(3, 2), _Pair())


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
    # ---- branch bad-inputs (issue 10, section 4): malformed arguments of the geometry API
    Case(
        "layer",
        "seed outside torch's range",
        lambda: nb.NeuronLayer.random(3, 1, seed=2**64),
        ValueError,
        r"seed must be in torch's seed range \[-2\*\*63, 2\*\*64 - 1\]",
    ),
    Case(
        "layer",
        "non-integer seed",
        lambda: nb.NeuronLayer.random(3, 1, seed=1.5),
        TypeError,
        r"seed must be an integer; got 1.5",
    ),
    Case(
        "layer",
        "non-integer neuron count",
        lambda: nb.NeuronLayer.random(2.0, 1, seed=0),
        TypeError,
        r"n_neurons must be an integer; got 2.0 \(float\). Pass int\(n_neurons\)",
    ),
    Case(
        "layer",
        "neuron index out of range",
        lambda: L1.neuron(5),
        IndexError,
        r"index must be an integer in \[0, 2\), or negative to count from the end; got 5",
    ),
    Case(
        "layer",
        "neuron selection out of range",
        lambda: L1[[0, 5]],
        IndexError,
        r"neurons must hold indices in \[0, 2\)",
    ),
    Case(
        "layer",
        "non-integer neuron selection",
        lambda: L1[1.5],
        TypeError,
        "neurons must be an integer, a slice, a 1-D array of integer indices or a boolean mask",
    ),
    Case(
        "layer",
        "boolean mask of the wrong length",
        lambda: L1[[True]],
        IndexError,
        r"neurons as a boolean mask must have shape \(2,\)",
    ),
    Case(
        "layer",
        "text as weights",
        lambda: nb.NeuronLayer(["1.5"], [0.0]),
        TypeError,
        "weight must be numbers .* it holds text",
    ),
    Case(
        "layer",
        "complex weights",
        lambda: nb.NeuronLayer(np.array([[1j]]), [0.0]),
        TypeError,
        "weight must be numbers .* it holds complex numbers",
    ),
    Case("layer", "None as inputs", lambda: L1(None), TypeError, "x must be numbers .* got None"),
    Case(
        "model",
        "linear_layer_names of something that is not a module",
        lambda: nb.linear_layer_names("x"),
        TypeError,
        "model must be a torch.nn.Module; got str",
    ),
    Case(
        "1-D",
        "crossing_points of an array",
        lambda: nb.crossing_points(np.array([[1.0]])),
        TypeError,
        r"needs one layer \(a NeuronLayer\); got ndarray. Build one with NeuronLayer\(weight, bias\)",
    ),
    Case(
        "1-D",
        "crossing_points of a 2-D layer",
        lambda: nb.crossing_points(L2),
        ValueError,
        "crossing_points needs a network over a 1-D input.*in_dim=2.*slice_1d",
    ),
    Case(
        "1-D",
        "non-integer breakpoint index",
        lambda: nb.partition_1d(L1, (-1, 1)).flips(1.5),
        TypeError,
        "i must be an integer; got 1.5",
    ),
    Case(
        "1-D",
        "breakpoint index that is an end of the interval",
        lambda: nb.partition_1d(L1, (-1, 1)).flips(0),
        IndexError,
        "i must be an interior breakpoint, numbered 1 to 2; got 0",
    ),
    Case(
        "1-D",
        "breakpoint index when there is none",
        lambda: nb.partition_1d(L1, (1, 2)).flips(1),
        IndexError,
        r"i=1: there is no interior breakpoint \(one sub-interval\)",
    ),
    Case(
        "2-D",
        "line_of a neuron out of range",
        lambda: nb.arrangement_2d(L2, ((-1, 1), (-1, 1))).line_of(5),
        IndexError,
        r"neuron must be an integer in \[0, 2\); got 5",
    ),
    Case(
        "2-D",
        "line_of a negative neuron index",
        lambda: nb.arrangement_2d(L2, ((-1, 1), (-1, 1))).line_of(-1),
        IndexError,
        r"neuron must be an integer in \[0, 2\); got -1",
    ),
    Case(
        "2-D",
        "neurons_on_line(-1), the answer of line_of for no line",
        lambda: nb.arrangement_2d(L2, ((-1, 1), (-1, 1))).neurons_on_line(-1),
        IndexError,
        "line_of gives -1 for a neuron on no line",
    ),
    Case(
        "2-D",
        "neurons_on_line out of range",
        lambda: nb.arrangement_2d(L2, ((-1, 1), (-1, 1))).neurons_on_line(100),
        IndexError,
        r"line must be an integer in \[0, 6\); got 100",
    ),
    Case(
        "2-D",
        "non-integer region index",
        lambda: nb.arrangement_2d(L2, ((-1, 1), (-1, 1))).region(0.5),
        TypeError,
        r"region index must be an integer in \[0, 4\); got 0.5",
    ),
    Case(
        "2-D",
        "tol as text",
        lambda: nb.arrangement_2d(L2, ((-1, 1), (-1, 1)), tol="1e-9"),
        TypeError,
        "tol must be a real number; got '1e-9'",
    ),
    Case(
        "2-D",
        "NaN tol",
        lambda: nb.arrangement_2d(L2, ((-1, 1), (-1, 1)), tol=np.nan),
        ValueError,
        "tol must be a finite number",
    ),
    Case(
        "2-D",
        "polygon of the wrong shape",
        lambda: clip_halfplane([[0, 0, 0]], [1, 0], 0.0),
        ValueError,
        r"polygon must have shape \(k, 2\)",
    ),
    Case(
        "slices",
        "box bound of the wrong length",
        lambda: nb.box_domain_along([1.0, 2.0], [1.0, -1.0], lower=[0, 0, 0]),
        ValueError,
        "lower must be one number or have length 2, one bound per coordinate of origin",
    ),
    Case(
        "slices",
        "zero direction for the valid domain",
        lambda: nb.box_domain_along([1.0, 2.0], [0.0, 0.0]),
        ValueError,
        "direction must not be the zero vector",
    ),
    Case(
        "slices",
        "slice that overflows float64",
        lambda: nb.slice_1d(nb.NeuronLayer([[1e300, 0.0]], [0.0]), [0, 0], [1e300, 0]),
        ValueError,
        "the sliced layer overflows float64.*scale the origin and direction vectors down",
    ),
    Case(
        "slices",
        "PCA of constant data",
        lambda: nb.pca_directions(np.ones((5, 3))),
        ValueError,
        "data is constant .* no principal direction",
    ),
    Case(
        "slices",
        "more PCA directions than the data has",
        lambda: nb.pca_directions([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], k=2),
        ValueError,
        r"varies along only 1 direction.*Use k <= 1",
    ),
    Case(
        "slices",
        "non-integer number of PCA directions",
        lambda: nb.pca_directions(np.eye(3), k=1.5),
        TypeError,
        "k must be an integer; got 1.5",
    ),
    Case(
        "slices",
        "concept vector of a class with itself",
        lambda: nb.concept_vector([[0.0, 0.0], [2.0, 4.0]], [7, 1], 1, 1),
        ValueError,
        "positive and negative must be two different classes; got 1 for both",
    ),
    Case(
        "slices",
        "concept vector of a class absent from labels",
        lambda: nb.concept_vector([[0.0, 0.0], [2.0, 4.0]], [7, 1], 3, 1),
        ValueError,
        r"positive class 3 has no samples in labels; choose one of the classes present: \[1 7\]",
    ),
    Case(
        "slices",
        "several classes where one is expected",
        lambda: nb.concept_vector([[0.0, 0.0], [2.0, 4.0]], [7, 1], [1, 7], 1),
        TypeError,
        "positive must be one class label",
    ),
    Case(
        "groups",
        "above() with one threshold per neuron of another layer",
        lambda: nb.above([0.1, 0.2, 0.3]).groups(L1, [0.5]),
        ValueError,
        r"above\(thresholds\) has 3 thresholds but the layer has 2 neurons",
    ),
    Case(
        "groups",
        "a matrix of thresholds",
        lambda: nb.above([[0.1, 0.2]]),
        ValueError,
        r"thresholds must be a scalar or a vector \(m,\)",
    ),
    Case(
        "groups",
        "NaN threshold",
        lambda: nb.above(np.nan),
        ValueError,
        "thresholds must be finite",
    ),
    Case(
        "groups",
        "thresholds as text",
        lambda: nb.group_partition_1d(L1, (0, 1), "0.5"),
        TypeError,
        "thresholds must be numbers .* it holds text",
    ),
    Case(
        "groups",
        "group_ranges with a bare function",
        lambda: nb.group_ranges(L1, (0, 1), lambda y: y > 0),
        TypeError,
        r"group_rule must be a GroupRule .* wrap it with rule\(fn\)",
    ),
    Case(
        "groups",
        "non-integer k",
        lambda: nb.top_k(1.5),
        TypeError,
        "k must be an integer; got 1.5",
    ),
    Case(
        "groups",
        "sub-range index out of range",
        lambda: nb.group_partition_1d(L1, (-1, 1)).group(5),
        IndexError,
        r"j must be an integer in \[0, 3\)",
    ),
    Case(
        "groups",
        "group rule applied to an array instead of a layer",
        lambda: nb.positive().mask(np.eye(1), [0.5]),
        TypeError,
        r"needs one layer \(a NeuronLayer\); got ndarray",
    ),
    Case(
        "groups",
        "NaN outputs given to a rule",
        lambda: nb.positive()(np.array([[np.nan]])),
        ValueError,
        "outputs must be finite",
    ),
    Case(
        "groups",
        "neuron_order of a non-square matrix",
        lambda: nb.neuron_order(np.ones((2, 3))),
        ValueError,
        r"sim must be a square \(m, m\) matrix",
    ),
    Case(
        "groups",
        "neuron_order of an asymmetric matrix",
        lambda: nb.neuron_order([[1.0, 0.0], [1.0, 1.0]]),
        ValueError,
        r"sim must be symmetric.*\(sim \+ sim.T\) / 2",
    ),
    # --- branch trust-infra: the figures' output folder, checked before any notebook runs
    Case(
        "notebooks",
        "--out under an existing file",
        lambda: _run_figures_into(lambda d: _a_file(d) / "figs"),
        ValueError,
        r"out_dir \(--out\) .* lies under .*which is a file.*choose a folder path outside it",
    ),
    Case(
        "notebooks",
        "--out is an existing file",
        lambda: _run_figures_into(_a_file),
        ValueError,
        r"out_dir \(--out\) .* is an existing file, not a folder; choose a folder path",
    ),
    Case(
        "notebooks",
        "--out in an unwritable place",
        lambda: _run_figures_into(_unwritable),
        ValueError,
        r"out_dir \(--out\) .* cannot be written .*choose a folder you can write to",
    ),
    # --- figures-look: group figures and the group slider
    Case(
        "figures",
        "unknown neurons selection",
        lambda: _plotting().groups_figure(_G1(), neurons="some"),
        ValueError,
        "neurons must be None, 'all' or a list of indices",
    ),
    Case(
        "figures",
        "neuron index out of range",
        lambda: _plotting().groups_figure(_G1(), neurons=[5]),
        ValueError,
        "neurons must be indices in ",
    ),
    Case(
        "figures",
        "inverted valid range",
        lambda: _plotting().groups_figure(_G1(), valid=(1.0, 0.0)),
        ValueError,
        "valid must satisfy lo < hi",
    ),
    Case(
        "figures",
        "slider level outside the interval",
        lambda: _plotting().group_slider_figure(_G1(), levels=[3.0]),
        ValueError,
        "levels must be 1 or more input levels inside the interval",
    ),
    Case(
        "figures",
        "too many slider steps",
        lambda: _plotting().group_slider_figure(_G1(), levels=np.linspace(-1, 1, 50), max_steps=10),
        ValueError,
        "50 slider steps is more than max_steps=10",
    ),
    # figure inputs (review): silent wrong pictures, valid input that failed, raw errors
    Case(
        "figures",
        "negative band of the 2-D boundaries",
        lambda: _plotting().boundaries_2d_figure(L2, _BOX, band=-0.1),
        ValueError,
        r"band must be a number > 0, the width of each side's band in input units; got -0.1",
    ),
    Case(
        "figures",
        "NaN band",
        lambda: _plotting().boundaries_2d_figure(L2, _BOX, band=np.nan),
        ValueError,
        "band must be a finite number; got nan",
    ),
    Case(
        "figures",
        "infinite band",
        lambda: _plotting().boundaries_2d_figure(L2, _BOX, band=np.inf),
        ValueError,
        "band must be a finite number; got inf",
    ),
    Case(
        "figures",
        "band given as text",
        lambda: _plotting().boundaries_2d_figure(L2, _BOX, band="0.1"),
        TypeError,
        r"band must be a real number; got '0.1' \(str\)",
    ),
    Case(
        "figures",
        "max_region_traces given as text",
        lambda: _plotting().boundaries_2d_figure(L2, _BOX, max_region_traces="5"),
        TypeError,
        "max_region_traces must be an integer; got '5'",
    ),
    Case(
        "figures",
        "negative max_region_traces",
        lambda: _plotting().boundaries_2d_figure(L2, _BOX, max_region_traces=-1),
        ValueError,
        "max_region_traces must be an integer >= 0; got -1",
    ),
    Case(
        "figures",
        "2-D regions given as a list",
        lambda: _plotting().boundaries_2d_figure(L2, _BOX, regions=[(0, 1)]),
        TypeError,
        r"regions must be a dict \{name: \(\(x1_lo, x1_hi\), \(x2_lo, x2_hi\)\)\}",
    ),
    Case(
        "figures",
        "2-D region given as one number",
        lambda: _plotting().boundaries_2d_figure(L2, _BOX, regions={"A": 0.5}),
        ValueError,
        r"regions\['A'\] must be \(\(x1_lo, x1_hi\), \(x2_lo, x2_hi\)\)",
    ),
    Case(
        "figures",
        "2-D region outside the box",
        lambda: _plotting().boundaries_2d_figure(
            L2, _BOX, regions={"A": ((-0.9, -0.5), (-0.9, -0.5)), "B": ((5, 6), (5, 6))}
        ),
        ValueError,
        r"regions\['B'\] = \(\(5, 6\), \(5, 6\)\) lies outside the figure's box "
        r"\(\(-1, 1\), \(-1, 1\)\); widen box to hold it",
    ),
    Case(
        "figures",
        "1-D region given as one number",
        lambda: _plotting().boundaries_1d_figure(L1, (-1, 2), regions={"A": 0.5}),
        ValueError,
        r"regions\['A'\] must be a pair \(lo, hi\); got shape \(\)",
    ),
    Case(
        "figures",
        "1-D region of three numbers",
        lambda: _plotting().boundaries_1d_figure(L1, (-1, 2), regions={"A": (0, 1, 2)}),
        ValueError,
        r"regions\['A'\] must be a pair \(lo, hi\); got shape \(3,\)",
    ),
    Case(
        "figures",
        "1-D regions given as a list",
        lambda: _plotting().boundaries_1d_figure(L1, (-1, 2), regions=[(0, 1)]),
        TypeError,
        r"regions must be a dict \{name: \(lo, hi\)\}",
    ),
    Case(
        "figures",
        "1-D region outside the window",
        lambda: _plotting().boundaries_1d_figure(L1, (-1, 2), regions={"A": (5, 6)}),
        ValueError,
        r"regions\['A'\] = \(5, 6\) lies outside the window x_range = \(-1, 2\); widen x_range",
    ),
    Case(
        "figures",
        "guidelines view of one range",
        lambda: _plotting().guidelines_figure(L1, (-1, 2), view=((0, 1),)),
        ValueError,
        r"view must be \(\(x_lo, x_hi\), \(y_lo, y_hi\)\)",
    ),
    Case(
        "figures",
        "deep guidelines: a mask of the wrong length",
        lambda: _plotting().deep_guidelines_figure(_DEEP(), 1, neurons=[True, False, True, False]),
        IndexError,
        r"neurons \(of layer 1, 3 neurons\) as a boolean mask must have shape \(3,\)",
    ),
    Case(
        "figures",
        "deep guidelines: neurons that are not whole numbers",
        lambda: _plotting().deep_guidelines_figure(_DEEP(), 1, neurons=[0.5, 1.7]),
        TypeError,
        r"neurons \(of layer 1, 3 neurons\) must be an integer, a slice, a 1-D array of integer "
        "indices or a boolean mask",
    ),
    Case(
        "figures",
        "groups of a Partition1D",
        lambda: _plotting().groups_figure(nb.partition_1d(L1, (-1, 2))),
        TypeError,
        r"groups must be a GroupPartition1D; got Partition1D .*group_partition_1d\(layer",
    ),
    Case(
        "figures",
        "group slider of a layer",
        lambda: _plotting().group_slider_figure(L1),
        TypeError,
        r"groups must be a GroupPartition1D; got NeuronLayer .*group_partition_1d\(layer",
    ),
    Case(
        "figures",
        "fractional max_steps",
        lambda: _plotting().group_slider_figure(_G1(), max_steps=2.5),
        TypeError,
        "max_steps must be an integer; got 2.5",
    ),
    Case(
        "figures",
        "similarity order that is not whole numbers",
        lambda: _plotting().similarity_figure(_SIM(), order=[0.0, 1.0]),
        TypeError,
        "order must be a permutation of the neuron indices",
    ),
    Case(
        "figures",
        "similarity order as a boolean mask",
        lambda: _plotting().similarity_figure(_SIM(), order=[True, False]),
        TypeError,
        "order must be a permutation of the neuron indices",
    ),
    Case(
        "figures",
        "negative similarity order",
        lambda: _plotting().similarity_figure(_SIM(), order=[-1, 0]),
        IndexError,
        r"order must hold indices in \[0, 2\); got -1",
    ),
    Case(
        "figures",
        "similarity order out of range",
        lambda: _plotting().similarity_figure(_SIM(), order=[0, 5]),
        IndexError,
        r"order must hold indices in \[0, 2\); got 5",
    ),
    Case(
        "figures",
        "similarity order that drops a neuron",
        lambda: _plotting().similarity_figure(_SIM(), order=[0]),
        ValueError,
        r"order must be a permutation of range\(2\), every neuron once .*missing \[1\]",
    ),
    Case(
        "figures",
        "similarity order with a repeat",
        lambda: _plotting().similarity_figure(_SIM(), order=[1, 1]),
        ValueError,
        r"order must be a permutation of range\(2\).*missing \[0\], with repeats",
    ),
    Case(
        "figures",
        "similarity matrix that is not square",
        lambda: _plotting().similarity_figure(np.zeros((2, 3))),
        ValueError,
        r"sim must be a square \(m, m\) matrix with m >= 1.*got shape \(2, 3\)",
    ),
    Case(
        "figures",
        "similarity matrix of one row",
        lambda: _plotting().similarity_figure(np.zeros(3)),
        ValueError,
        r"sim must be a square \(m, m\) matrix.*got shape \(3,\)",
    ),
    Case(
        "figures",
        "empty similarity matrix",
        lambda: _plotting().similarity_figure(np.zeros((0, 0))),
        ValueError,
        r"sim must be a square \(m, m\) matrix with m >= 1.*got shape \(0, 0\)",
    ),
    Case(
        "figures",
        "a layer where the similarity matrix goes",
        lambda: _plotting().similarity_figure(L2),
        TypeError,
        "sim must be numbers .*got a NeuronLayer",
    ),
    Case(
        "figures",
        "similarity matrix with NaN",
        lambda: _plotting().similarity_figure([[1.0, np.nan], [np.nan, 1.0]]),
        ValueError,
        "sim must be finite",
    ),
    Case(
        "figures",
        "network slice: labels that are not whole numbers",
        lambda: _plotting().network_slice_figure(_ARR(), [[0.1, 0.2], [0.3, -0.4]], [1.0, 2.7]),
        TypeError,
        "labels must be whole numbers .*got 2.7 at index 1",
    ),
    Case(
        "figures",
        "network slice: NaN label",
        lambda: _plotting().network_slice_figure(_ARR(), [[0.1, 0.2], [0.3, -0.4]], [1.0, np.nan]),
        ValueError,
        "labels must be finite",
    ),
    Case(
        "figures",
        "network slice: NaN point",
        lambda: _plotting().network_slice_figure(_ARR(), [[np.nan, 0.0]]),
        ValueError,
        "points must be finite",
    ),
    Case(
        "figures",
        "network slice: one axis title",
        lambda: _plotting().network_slice_figure(_ARR(), axis_titles=("a",)),
        ValueError,
        r"axis_titles must hold 2 titles, one per axis, e.g. \('x1', 'x2'\); got 1",
    ),
    Case(
        "figures",
        "3-D regions: labels that are not whole numbers",
        lambda: _plotting().regions_3d_figure(_BOX3(), _labels3(0.7)),
        TypeError,
        "labels must be whole numbers .*got 0.7 at index 0",
    ),
    Case(
        "figures",
        "3-D regions: NaN label",
        lambda: _plotting().regions_3d_figure(_BOX3(), _labels3(np.nan)),
        ValueError,
        "labels must be finite",
    ),
    Case(
        "figures",
        "3-D regions: no slider step",
        lambda: _plotting().regions_3d_figure(_BOX3(), n_cuts=0),
        ValueError,
        "n_cuts must be an integer >= 1; got 0",
    ),
    Case(
        "figures",
        "3-D regions: negative n_cuts",
        lambda: _plotting().regions_3d_figure(_BOX3(), n_cuts=-2),
        ValueError,
        "n_cuts must be an integer >= 1; got -2",
    ),
    Case(
        "figures",
        "3-D regions: fractional n_cuts",
        lambda: _plotting().regions_3d_figure(_BOX3(), n_cuts=2.5),
        TypeError,
        "n_cuts must be an integer; got 2.5",
    ),
    Case(
        "figures",
        "3-D regions: start below 0",
        lambda: _plotting().regions_3d_figure(_BOX3(), start=-0.5),
        ValueError,
        r"start must be a fraction of the height in \[0, 1\].*got -0.5",
    ),
    Case(
        "figures",
        "3-D regions: NaN start",
        lambda: _plotting().regions_3d_figure(_BOX3(), start=np.nan),
        ValueError,
        "start must be a finite number; got nan",
    ),
    Case(
        "figures",
        "3-D regions: too few class names",
        lambda: _plotting().regions_3d_figure(_BOX3(), class_names=["only one"]),
        ValueError,
        "class_names must name every class: it has 1 name",
    ),
    Case(
        "figures",
        "3-D regions: two axis titles",
        lambda: _plotting().regions_3d_figure(_BOX3(), axis_titles=("a", "b")),
        ValueError,
        "axis_titles must hold 3 titles",
    ),
    Case(
        "figures",
        "two neurons: NaN valid_from",
        lambda: _plotting().two_neurons_figure(L1, L2, valid_from=np.nan),
        ValueError,
        r"valid_from \(pass None if every input is valid\) must be a finite number; got nan",
    ),
    Case(
        "figures",
        "two neurons: valid_from as text",
        lambda: _plotting().two_neurons_figure(L1, L2, valid_from="0"),
        TypeError,
        r"valid_from .* must be a real number; got '0' \(str\)",
    ),
    Case(
        "export",
        "save_figure_json into an existing file",
        lambda: _in_folder(lambda d: _export().save_figure_json(_FIG(), d / "a_file", "g")),
        NotADirectoryError,
        "out_dir .* is an existing file, not a folder; choose a folder path",
    ),
    Case(
        "export",
        "save_figure_json under an existing file",
        lambda: _in_folder(lambda d: _export().save_figure_json(_FIG(), d / "a_file" / "s", "g")),
        NotADirectoryError,
        "out_dir .* lies under .*, which is a file; choose a folder path outside it",
    ),
    Case(
        "export",
        "save_figure_json where a folder has the file's name",
        lambda: _in_folder(lambda d: _export().save_figure_json(_FIG(), d / "taken", "g")),
        IsADirectoryError,
        r"g\.json' is a folder, so the figure file cannot be written there",
    ),
    Case(
        "export",
        "save_figure_json of None",
        lambda: _in_folder(lambda d: _export().save_figure_json(None, d / "new", "g")),
        TypeError,
        r"fig must be a plotly Figure \(or its dict, fig.to_dict\(\)\); got NoneType",
    ),
    Case(
        "export",
        "write_figure_set into an existing file",
        lambda: _in_folder(lambda d: _export().write_figure_set({"g": _FIG()}, d / "a_file")),
        NotADirectoryError,
        "out_dir .* is an existing file, not a folder",
    ),
    Case(
        "export",
        "write_figure_set of a list",
        lambda: _in_folder(lambda d: _export().write_figure_set([_FIG()], d, png=False)),
        TypeError,
        r"figures must be a dict \{name: figure\}, e.g. \{'fig1': fig\}.*got list",
    ),
    Case(
        "export",
        "write_figure_set with png as text",
        lambda: _in_folder(lambda d: _export().write_figure_set({"g": _FIG()}, d, png="no")),
        TypeError,
        "png must be True or False; got 'no'",
    ),
    Case(
        "export",
        "figure_data of JSON text",
        lambda: _export().figure_data(_FIG().to_json()),
        ValueError,
        r"source looks like figure JSON text, not a file path; pass json.loads\(text\)",
    ),
    Case(
        "export",
        "figure_data of None",
        lambda: _export().figure_data(None),
        TypeError,
        "source must be a plotly Figure, its dict or the path of its JSON file; got NoneType",
    ),
    # --- branch docs-site: sweep_interval ---
    Case(
        "slicing",
        "sweep coverage outside (0, 1]",
        lambda: nb.sweep_interval([[0.0], [1.0]], [0.0], [1.0], coverage=98),
        ValueError,
        r"coverage must be one number in \(0, 1\]",
    ),
    Case(
        "slicing",
        "every sample projects to one point",
        lambda: nb.sweep_interval([[1.0, 0.0], [1.0, 5.0]], [0.0, 0.0], [1.0, 0.0]),
        ValueError,
        "no interval to sweep",
    ),
    # ---- branch networks (issue 11): Network and its slices
    Case(
        "network",
        "layers that do not chain",
        lambda: nb.Network([L2, L1]),
        ValueError,
        "consecutive layers must chain",
    ),
    Case(
        "network",
        "unknown activation",
        lambda: nb.Network([L2, nb.NeuronLayer([[1.0, 1.0]], [0.0])], activations="gelu"),
        ValueError,
        "must be 'relu', 'identity', a float",
    ),
    Case(
        "network",
        "GELU in a torch model",
        lambda: nb.Network.from_module(
            torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.GELU(), torch.nn.Linear(2, 1))
        ),
        TypeError,
        "cannot read '1' \\(GELU\\): it is smooth",
    ),
    Case(
        "network",
        "BatchNorm in training mode",
        lambda: nb.Network.from_module(
            torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
        ),
        ValueError,
        "training mode.*call model.eval",
    ),
    Case(
        "network",
        "convolution without an input shape",
        lambda: nb.Network.from_module(torch.nn.Sequential(torch.nn.Conv1d(1, 1, 2)).eval()),
        ValueError,
        "needs the input's shape: pass input_shape",
    ),
    Case(
        "network",
        "2-D arrangement of a wide network",
        lambda: nb.arrangement_2d(
            nb.Network([nb.NeuronLayer([[1.0, 2.0, 3.0]], [0.0])]), ((0, 1), (0, 1))
        ),
        ValueError,
        "Use slice_2d\\(network, origin, u, v\\)",
    ),
    Case(
        "network",
        "1-D partition of a 2-D network",
        lambda: nb.partition_1d(nb.Network([L2]), (0.0, 1.0)),
        ValueError,
        "Use slice_1d\\(network, origin, direction\\)",
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
    Case(
        "activations",
        "data of the wrong width for the first Linear",
        lambda: nb.collect_activations(NET, "0", np.zeros((2, 4))),
        ValueError,
        r"first layer '0' is nn.Linear\(in_features=3, out_features=2\): it expects inputs of "
        r"width 3",
    ),
    Case(
        "activations",
        "images with the wrong number of channels",
        lambda: nb.collect_activations(CNN, "0", np.zeros((2, 3, 8, 8))),
        ValueError,
        r"nn.Conv2d\(in_channels=1\): it expects inputs of shape \(b, 1, \.\.\., \.\.\.\)",
    ),
    Case(
        "activations",
        "float data for an nn.Embedding",
        lambda: nb.collect_activations(EMBED, "1", np.zeros((2, 3))),
        TypeError,
        r"nn.Embedding\(5, 3\): it expects integer token ids; .* Pass integer data",
    ),
    Case(
        "activations",
        "a module whose output is not one tensor",
        lambda: nb.collect_activations(PAIR, "1", np.zeros((2, 3))),
        TypeError,
        r"module '1' \(_Pair\) returned a tuple, not a tensor: pick a module whose output",
    ),
    Case(
        "activations",
        "a module name the model lacks",
        lambda: nb.collect_activations(NET, "2", np.zeros((2, 3))),
        LookupError,
        r"no module named '2' in Sequential; its modules are: '0', '1'",
    ),
    Case(
        "activations",
        "a batch of text",
        lambda: nb.collect_activations(NET, "0", [(["a", "b", "c"],)]),
        TypeError,
        r"each batch of data must be numbers",
    ),
    # --- branch inputs: sources, levels and devices given in ordinary but unexpected forms
    Case(
        "groups",
        "a callable source that returns one array",
        lambda: nb.quantile_thresholds(lambda: np.ones((4, 2)), 0.5),
        TypeError,
        r"callable source must take no arguments and return a fresh iterator of \(b, m\) "
        r"batches.*it returned ndarray of shape \(4, 2\).*Pass the array itself",
    ),
    Case(
        "groups",
        "a callable source that needs an argument",
        lambda: nb.quantile_thresholds(lambda batch: batch, 0.5),
        TypeError,
        r"callable source must take no arguments .* lambda: iter_activations\(model, layer, "
        r"loader\); got a lambda taking \(batch\), which needs arguments",
    ),
    Case(
        "groups",
        "activations as nested lists of unequal rows",
        lambda: nb.quantile_thresholds([[1.0, 2.0], [3.0]], 0.5),
        ValueError,
        r"nested lists must be rows of one length m, an \(n, m\) table; got rows of lengths 1, 2",
    ),
    Case(
        "activations",
        "an unknown device name",
        lambda: nb.collect_activations(NET, "0", np.zeros((2, 3)), device="gpu"),
        ValueError,
        r"device must be a torch.device or a device string such as \"cpu\", \"cuda\", "
        r"\"cuda:0\" .*got 'gpu'",
    ),
    # --- regions in any dimension
    Case(
        "regions",
        "region_of an input exactly on a boundary",
        lambda: nb.region_of(L2, [0.0, 0.5]),
        ValueError,
        "x lies exactly on the boundary of neuron 0 of layer 0",
    ),
    Case(
        "regions",
        "region_of several inputs",
        lambda: nb.region_of(L2, [[0.5, 0.5], [0.2, 0.3]]),
        ValueError,
        "x must be one input of shape \\(2,\\); got 2 inputs",
    ),
    Case(
        "regions",
        "region_of an input outside its box",
        lambda: nb.region_of(L2, [0.5, 0.5], box=((1, 2), (1, 2))),
        ValueError,
        "x must lie strictly inside the box",
    ),
    Case(
        "regions",
        "region_of with a box of the wrong dimension",
        lambda: nb.region_of(L2, [0.5, 0.5], box=((0, 1),)),
        ValueError,
        "box must be \\(\\(x1_lo, x1_hi\\), \\(x2_lo, x2_hi\\)\\)",
    ),
    Case(
        "regions",
        "volume of a region without a box",
        lambda: nb.region_of(L2, [0.5, 0.5]).volume,
        ValueError,
        "volume needs a bounded region: call region_of\\(network, x, box=...\\)",
    ),
    Case(
        "regions",
        "volumes of a 7-D box",
        lambda: (
            nb.regions_in(
                nb.NeuronLayer(np.eye(7)[:1], [0.5]), ((-1, 1),) * 7, max_regions=1
            ).volumes
        ),
        ValueError,
        "volumes are computed in dimension <= 6 only",
    ),
    Case(
        "regions",
        "regions_in starting on a boundary",
        lambda: nb.regions_in(L2, ((-1, 1), (-1, 1)), start=[0.0, 0.5]),
        ValueError,
        "start lies exactly on the boundary of neuron 0 of layer 0",
    ),
    Case(
        "regions",
        "regions_in starting outside the box",
        lambda: nb.regions_in(L2, ((-1, 1), (-1, 1)), start=[3.0, 0.5]),
        ValueError,
        "start must lie strictly inside the box",
    ),
    Case(
        "regions",
        "regions_in with max_regions 0",
        lambda: nb.regions_in(L2, ((-1, 1), (-1, 1)), max_regions=0),
        ValueError,
        "max_regions must be an integer >= 1",
    ),
    Case(
        "regions",
        "regions_in of a model, not a Network",
        lambda: nb.regions_in(NET, ((-1, 1),) * 3),
        TypeError,
        "regions_in needs a Network or a NeuronLayer",
    ),
    Case(
        "regions",
        "locate a point outside the searched box",
        lambda: nb.regions_in(L2, ((-1, 1), (-1, 1))).locate([[2.0, 0.5]]),
        ValueError,
        "x must lie in the box",
    ),
    # --- review of ordinary and bad inputs (every public function, newest APIs first)
    Case(
        "model",
        "BatchNorm without running statistics",
        lambda: nb.Network.from_module(
            torch.nn.Sequential(
                torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4, track_running_stats=False)
            ).eval()
        ),
        TypeError,
        r"cannot read '1' \(BatchNorm1d\): it keeps no running statistics",
    ),
    Case(
        "model",
        "input_shape with a fractional size",
        lambda: nb.Network.from_module(CNN.eval(), input_shape=(1.5, 6.9, 6.9)),
        TypeError,
        r"input_shape must be a tuple of ints \(one input, no batch axis\), e.g. \(1, 28, 28\)",
    ),
    Case(
        "1-D",
        "decision breakpoint 0 (an end, not interior)",
        lambda: (
            nb.partition_1d(nb.Network([L1, nb.NeuronLayer([[1.0, 1.0]], [-0.6])]), (-1, 1))
            .decision_intervals()
            .exact_breakpoint(0)
        ),
        IndexError,
        "i must be an interior breakpoint, numbered 1 to",
    ),
    Case(
        "2-D",
        "region indices as a 2-D array",
        lambda: nb.arrangement_2d(L2, ((-1, 1), (-1, 1))).signs_of([[0, 1]]),
        ValueError,
        r"regions must be one index or a 1-D list of them; got shape \(1, 2\)",
    ),
    Case(
        "2-D",
        "region indices that are not whole numbers",
        lambda: nb.arrangement_2d(L2, ((-1, 1), (-1, 1))).signs_of([0.5]),
        TypeError,
        "regions must be integer indices",
    ),
    Case(
        "network",
        "pattern columns that are not whole numbers",
        lambda: nb.Network.random([2, 3, 1], seed=0).layer_of([0.5, 1.7]),
        TypeError,
        "neuron columns must be integer indices",
    ),
    Case(
        "network",
        "a seed beyond torch's range",
        lambda: nb.Network.random([2, 3, 1], seed=2**70),
        ValueError,
        r"seed must be in torch's seed range",
    ),
    Case(
        "network",
        "sizes given as one number",
        lambda: nb.Network.random(3, seed=0),
        TypeError,
        r"sizes must list the widths, input first, e.g. \[2, 64, 64, 1\]",
    ),
    Case(
        "network",
        "skips given as one number",
        lambda: nb.Network([L2, L2], skips=5),
        TypeError,
        r"skips must be a list of \(source, target\) pairs",
    ),
    Case(
        "network",
        "a projection matrix of the wrong shape",
        lambda: nb.Network([L2, L2], skips=[(0, 2, np.eye(3), np.zeros(3))]),
        ValueError,
        r"got a matrix of shape \(3, 3\) and an offset of shape \(3,\)",
    ),
    Case(
        "network",
        "a pattern of one number to split",
        lambda: nb.Network.random([2, 3, 1], seed=0).split(1),
        ValueError,
        "signs must have 4 columns",
    ),
    Case(
        "slicing",
        "a 3-D slice of a 2-D input",
        lambda: nb.slice_3d(L2, [0, 0], [1, 0], [0, 1], [1, 1]),
        ValueError,
        "slice_3d spans 3 dimensions but the network's input has only 2",
    ),
    Case(
        "layer",
        "a ragged neuron selection",
        lambda: L2[[[0], [0, 1]]],
        TypeError,
        "neurons must be an integer, a slice, a 1-D array of integer indices or a boolean mask",
    ),
    Case(
        "layer",
        "a layer where a matrix is expected",
        lambda: nb.neuron_order(L2),
        TypeError,
        r"sim must be numbers .*; got a NeuronLayer. Pass an array made from it",
    ),
    Case(
        "notebooks",
        "an integer beyond float64 in a parameter",
        _params({"x_range": [0, 10**400]}),
        ParameterError,
        "parameter x_range must be a finite number; got an integer of 401 digits",
    ),
    Case(
        "notebooks",
        "weights and biases of different lengths",
        lambda: check_parameters(["two_neurons"], {"weights_1d": [1.0, 2.0, 3.0]}, notebooks_dir()),
        ParameterError,
        "parameters weights_1d and biases_1d must have the same length",
    ),
    Case(
        "notebooks",
        "a region outside the figure's x_range",
        lambda: check_parameters(
            ["decision_boundary_1d_input"], {"regions": {"R": [10, 11]}}, notebooks_dir()
        ),
        ParameterError,
        r"parameter regions\['R'\] = \[10, 11\] must lie inside x_range",
    ),
    Case(
        "notebooks",
        "a 1-D region for a 2-D figure",
        lambda: check_parameters(
            ["decision_boundary_2d_input"], {"regions": {"R": [0, 1]}}, notebooks_dir()
        ),
        ParameterError,
        r"parameter regions\['R'\] must be \[\[x1_lo, x1_hi\], \[x2_lo, x2_hi\]\]",
    ),
    Case(
        "notebooks",
        "the same digit for both concepts",
        lambda: check_parameters(
            ["digits_groups_concept"], {"concept_negative": 1}, notebooks_dir()
        ),
        ParameterError,
        "concept_positive and concept_negative must be two different digits",
    ),
    Case(
        "slicing",
        "a plane through points of a 1-D input",
        lambda: nb.slice_2d_through(L1, [0], [1], [2]),
        ValueError,
        "slice_2d_through spans 2 dimensions but the network's input has only 1",
    ),
    Case(
        "slicing",
        "plane points too far apart for float64",
        lambda: nb.slice_2d_through(L2, [-1e308, 0], [1e308, 0], [0, 1]),
        ValueError,
        "b - a or c - a overflows float64",
    ),
    Case(
        "groups",
        "booleans as thresholds",
        lambda: nb.group_partition_1d(L1, (-1, 2), [True, False]),
        TypeError,
        "thresholds must be numbers, one threshold per neuron or one for all; got booleans",
    ),
    Case(
        "regions",
        "a box whose width overflows",
        lambda: nb.regions_in(L2, ((-1.7e308, 1.7e308), (-1, 1))),
        ValueError,
        "box is too wide on axis x1: hi - lo overflows float64",
    ),
]


def _a_file(folder: Path) -> Path:
    path = folder / "a_file"
    path.write_text("not a folder")
    return path


def _unwritable(folder: Path) -> Path:
    """A folder this process cannot write in: read-only for a user; root writes anywhere on a
    normal file system, so for root a folder in sysfs (Linux), where nobody can create one."""
    if hasattr(os, "geteuid") and os.geteuid() == 0 and Path("/sys/kernel").is_dir():
        return Path("/sys/kernel/neuronboundary-figures")
    locked = folder / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    return locked / "figs"


def _run_figures_into(make_out: Callable[[Path], Path]) -> object:
    """Run the figures into the folder ``make_out`` gives (inside a temporary folder): must
    fail on the folder before any notebook runs."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            return run_figures(
                make_out(Path(tmp)), ["decision_boundary"], png=False, progress=False
            )
        finally:
            for sub in Path(tmp).iterdir():
                sub.chmod(0o700)


def _plotting():
    from neuronboundary import plotting

    return plotting


def _G1():
    return nb.group_partition_1d(L1, (-1.0, 1.0))


_BOX = ((-1, 1), (-1, 1))


def _DEEP():
    return nb.partition_1d(nb.Network.random([1, 4, 3, 1], seed=0), (-2.0, 2.0))


def _SIM():
    return nb.similarity(L2, "weight")


def _ARR():
    return nb.arrangement_2d(nb.Network.random([2, 6, 4, 3], seed=0), _BOX)


def _BOX3():
    return nb.regions_in(nb.Network.random([3, 5, 5, 2], seed=1), ((-1, 1),) * 3)


def _labels3(first: float) -> np.ndarray:
    """Class labels of ``_BOX3()``'s regions, all 0 but the first."""
    labels = np.zeros(_BOX3().n_regions)
    labels[0] = first
    return labels


def _export():
    from neuronboundary import export

    return export


def _FIG():
    return _plotting().guidelines_figure(L1, (-1, 2))


def _in_folder(call: Callable[[Path], object]) -> object:
    """``call`` on a temporary folder that holds a file ``a_file`` and a folder ``taken/g.json``."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "a_file").write_text("not a folder")
        (folder / "taken" / "g.json").mkdir(parents=True)
        return call(folder)


def message(case: Case) -> str:
    """The message the case raises (for the docs)."""
    try:
        case.call()
    except case.error as err:
        return str(err)
    raise AssertionError(f"{case.what}: no {case.error.__name__} raised")
