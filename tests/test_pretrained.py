"""Shipped models: they load safely as float64 eval-mode models, score what models.json says,
and the recipe re-trains them."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import torch

from neuronboundary import pretrained
from neuronboundary.pretrained import accuracy, digits_deep, digits_mlp, load_digits_data
from neuronboundary.pretrained.train import RECIPES, distance, split, train

MANIFEST = json.loads(pretrained.MANIFEST.read_text())
MODELS = {"digits_mlp": digits_mlp, "digits_deep": digits_deep}


def test_data_is_the_bundled_digits_with_a_fixed_split():
    X, y, train_idx, test_idx = load_digits_data()
    assert X.shape == (1797, 64)
    assert X.dtype == np.float64
    assert X.min() == 0.0
    assert X.max() == 1.0
    assert sorted(set(y.tolist())) == list(range(10))
    assert len(train_idx) == 1400
    assert len(test_idx) == 397
    assert sorted(np.concatenate([train_idx, test_idx]).tolist()) == list(range(1797))
    shipped = split(RECIPES["digits_mlp"]["seed"])  # the original recipe's split
    np.testing.assert_array_equal(shipped[0], train_idx)
    np.testing.assert_array_equal(shipped[1], test_idx)


@pytest.mark.parametrize("name", list(MODELS))
def test_shipped_model_loads_as_float64_eval(name):
    model = MODELS[name]()
    assert isinstance(model, torch.nn.Sequential)
    assert not model.training
    assert all(p.dtype == torch.float64 for p in model.parameters())
    sizes = [m.in_features for m in model if isinstance(m, torch.nn.Linear)]
    assert [*sizes, 10] == MANIFEST[name]["architecture"]
    state = pretrained.load(name)
    assert all(t.dtype == torch.float32 for t in state.values())
    for key, value in model.state_dict().items():  # float32 -> float64, exactly
        assert torch.equal(value.float().double(), value)
        assert torch.equal(value.float(), state[key])
    assert model is not MODELS[name]()  # a fresh model every call: no shared mutable state


def test_module_names():
    assert [n for n, _ in digits_mlp().named_children()] == ["hidden", "relu", "out"]
    assert [n for n, _ in digits_deep().named_children()] == [
        "hidden1",
        "relu1",
        "hidden2",
        "relu2",
        "out",
    ]


@pytest.mark.parametrize("name", list(MODELS))
def test_accuracy_is_what_models_json_reports(name):
    correct, total = accuracy(MODELS[name]())
    assert (correct, total) == (MANIFEST[name]["test_correct"], MANIFEST[name]["test_size"])
    assert correct / total > 0.95


@pytest.mark.parametrize("name", list(MODELS))
def test_shipped_files_are_the_ones_models_json_records(name):
    digest = hashlib.sha256(pretrained.weights_path(name).read_bytes()).hexdigest()
    assert digest == MANIFEST[name]["sha256"], "weights changed: re-run train --write on purpose"


def test_weights_load_without_pickled_code(tmp_path, monkeypatch):
    # a checkpoint holding an arbitrary object must be refused (weights_only=True)
    evil = tmp_path / "digits_mlp.pt"
    torch.save({"hidden.weight": torch.zeros(1), "x": object()}, evil)
    monkeypatch.setattr(pretrained, "DATA_DIR", tmp_path)
    with pytest.raises(Exception, match="Weights only load failed"):
        pretrained.load("digits_mlp")


def test_unknown_model_name():
    with pytest.raises(ValueError, match="unknown model 'digits'; choose from digits_mlp"):
        pretrained.build("digits")


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MODELS))
def test_recipe_retrains_the_shipped_weights(name):
    # on the machine that wrote them this is 0; elsewhere float32 training may round
    # differently, so only closeness is required here (the figures use the shipped files)
    assert distance(train(name), pretrained.load(name)) < 1e-2
