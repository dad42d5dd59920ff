"""README's commands are what CI runs, and every nox session that needs a browser sets it up."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIGURES = "python3 -m pip install nox && python3 -m nox -s figures"
TESTS = "python3 -m pip install nox && python3 -m nox -s tests regression docs"


def bash_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)]


def test_readme_commands_and_ci():
    blocks = bash_blocks((ROOT / "README.md").read_text())
    assert FIGURES in blocks
    assert TESTS in blocks
    assert 'pip install "neuronboundary[figures]"' in "\n".join(blocks)
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert TESTS in ci  # verbatim, on a line of its own
    portability = [i for i, line in enumerate(ci) if "nox -s portability" in line]
    assert portability, "CI runs the float-touching tests under other kernels"
    assert portability[0] > ci.index(TESTS)  # after README's command, which stays verbatim


def test_browser_sessions_call_ensure_browser():
    tree = ast.parse((ROOT / "noxfile.py").read_text())
    calls = {
        f.name: {
            n.func.id
            for n in ast.walk(f)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        }
        for f in tree.body
        if isinstance(f, ast.FunctionDef)
    }
    for session in ("tests", "regression", "regenerate", "docs", "figures"):
        assert "ensure_browser" in calls[session], session


def test_figures_extra_has_what_the_notebooks_import():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extra = {re.split(r"[<>=\[ ]", r)[0] for r in project["optional-dependencies"]["figures"]}
    assert {"papermill", "ipykernel", "nbformat", "kaleido", "tqdm", "scikit-learn"} <= extra
