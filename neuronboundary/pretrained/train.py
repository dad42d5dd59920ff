"""The training recipe of the shipped digits models, kept as code.

``python -m neuronboundary.pretrained.train`` re-trains every shipped model, prints its test
accuracy and the largest absolute difference between the re-trained and the shipped weights;
``--write`` rewrites the shipped files (weights, split, ``models.json``). Only do that on purpose:
the regression baselines of the ``digits_*`` figures depend on these weights.

Training is float32 full-batch Adam on one thread with deterministic algorithms, which
reproduces the weights on the machine that made them; another CPU or torch version may round
differently (the distance printed says by how much). That is why the weights are shipped, and
analyses only ever run inference on them, in float64.

Examples
--------
>>> RECIPES["digits_mlp"]["steps"], RECIPES["digits_mlp"]["lr"]
(300, 0.01)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

from neuronboundary.pretrained import (
    ARCHITECTURES,
    DATA_DIR,
    MANIFEST,
    SPLIT_FILE,
    accuracy,
    build,
    load,
    load_digits_data,
    weights_path,
)

__all__ = ["RECIPES", "distance", "main", "split", "train"]

#: The recipe of each shipped model. ``digits_mlp`` is the real-model notebook's original
#: recipe (its figures stay what they were); ``digits_deep`` follows it with one more layer.
RECIPES: dict[str, dict[str, Any]] = {
    "digits_mlp": {"seed": 0, "steps": 300, "lr": 0.01},
    "digits_deep": {"seed": 0, "steps": 300, "lr": 0.01},
}

#: Images in the training set; the rest (397) are the test set.
N_TRAIN = 1400


@contextmanager
def _reproducible():
    """One thread, deterministic algorithms; restores torch's settings afterwards."""
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)


def split(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The train/test split of the original recipe: ``torch.randperm`` drawn right after the
    one-hidden-layer MLP's initialisation from ``torch.manual_seed(seed)``.

    Returns
    -------
    train, test : (1400,) and (397,) int64 arrays of image indices

    Examples
    --------
    >>> train, test = split()
    >>> len(train), len(test), len(set(train) | set(test))
    (1400, 397, 1797)
    """
    with _reproducible():
        torch.manual_seed(seed)
        build("digits_mlp", torch.float32)  # consumes the generator as the original recipe did
        perm = torch.randperm(1797).numpy()
    return perm[:N_TRAIN].astype(np.int64), perm[N_TRAIN:].astype(np.int64)


def train(name: str) -> dict[str, torch.Tensor]:
    """Re-train the shipped model ``name`` with its recipe; return its float32 state dict.

    Parameters
    ----------
    name : ``"digits_mlp"`` or ``"digits_deep"``

    Returns
    -------
    dict of str to torch.Tensor
        the state dict, float32, as :func:`torch.save` would store it

    Examples
    --------
    >>> state = train("digits_mlp")  # doctest: +SKIP
    >>> state["hidden.weight"].shape  # doctest: +SKIP
    torch.Size([32, 64])
    """
    recipe = RECIPES[name]
    data = load_digits_data()
    X = torch.tensor(data.X, dtype=torch.float32)
    y = torch.as_tensor(data.y)
    train_idx = torch.as_tensor(data.train)
    with _reproducible():
        torch.manual_seed(recipe["seed"])
        model = build(name, torch.float32)
        opt = torch.optim.Adam(model.parameters(), lr=recipe["lr"])
        for _ in range(recipe["steps"]):  # full batch
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(X[train_idx]), y[train_idx])
            loss.backward()
            opt.step()
    return {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}


def distance(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    """Largest absolute difference between two state dicts with the same keys and shapes.

    Examples
    --------
    >>> distance({"w": torch.zeros(2)}, {"w": torch.tensor([0.0, -0.5])})
    0.5
    """
    if a.keys() != b.keys():
        raise ValueError(f"state dicts differ in keys: {sorted(a)} vs {sorted(b)}.")
    return max(
        float((a[k].double() - b[k].double()).abs().max()) if a[k].numel() else 0.0 for k in a
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Re-train, report accuracy and distance to the shipped weights; ``--write`` rewrites them."""
    parser = argparse.ArgumentParser(
        prog="python -m neuronboundary.pretrained.train", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--only", nargs="+", choices=list(RECIPES), default=list(RECIPES), help="models"
    )
    parser.add_argument(
        "--write", action="store_true", help="rewrite the shipped weights and models.json"
    )
    args = parser.parse_args(argv)
    train_idx, test_idx = split(RECIPES["digits_mlp"]["seed"])
    if args.write:
        SPLIT_FILE.write_text(
            json.dumps({"train": train_idx.tolist(), "test": test_idx.tolist()}) + "\n"
        )
    else:
        shipped = load_digits_data()
        if not (
            np.array_equal(shipped.train, train_idx) and np.array_equal(shipped.test, test_idx)
        ):
            print("split: the recomputed train/test split differs from the shipped one")
    manifest = json.loads(MANIFEST.read_text()) if MANIFEST.is_file() else {}
    for name in args.only:
        state = train(name)
        model = build(name, torch.float64)
        model.load_state_dict(state)
        correct, n = accuracy(model.eval())
        line = f"{name}: test accuracy {correct}/{n} = {correct / n:.4f} (float64 inference)"
        if weights_path(name).is_file():
            line += f"; max |retrained - shipped| = {distance(state, load(name)):.3g}"
        print(line)
        if args.write:
            torch.save(state, weights_path(name))
            manifest[name] = {
                "sha256": hashlib.sha256(weights_path(name).read_bytes()).hexdigest(),
                "architecture": ARCHITECTURES[name],
                "recipe": {
                    **RECIPES[name],
                    "optimizer": "Adam",
                    "batch": "full",
                    "dtype": "float32",
                    "threads": 1,
                    "n_train": N_TRAIN,
                },
                "test_correct": correct,
                "test_size": n,
                "trained_with": {"torch": torch.__version__},
            }
    if args.write:
        MANIFEST.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        print(f"wrote {', '.join(args.only)} into {DATA_DIR}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
