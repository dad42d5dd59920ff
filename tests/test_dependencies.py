"""Every third-party module the code imports is declared where the code runs: the library's
module-level imports by its core dependencies, its lazy imports by a core dependency or an extra,
the reproduction (reproduce/, notebooks/) by the ``figures`` extra that every nox session
installs, the tests and the docs build by their dependency groups. A requirement's own
dependencies count (papermill brings jupyter_client), read from what is installed here."""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Iterable, Iterator
from importlib import metadata
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = {"neuronboundary", "reproduce", "tests", "noxfile"}
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
CORE = PYPROJECT["project"]["dependencies"]
EXTRAS = PYPROJECT["project"]["optional-dependencies"]


def group(name: str) -> list[str]:
    """A dependency group's requirements, its included groups resolved."""
    out = []
    for item in PYPROJECT["dependency-groups"][name]:
        out += group(item["include-group"]) if isinstance(item, dict) else [item]
    return out


def closure(requirements: Iterable[str]) -> set[str]:
    """The distributions the requirements name, and theirs, as installed here."""
    seen: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        key = f"{name}[{','.join(sorted(req.extras))}]"
        if key in seen:
            continue
        seen.update({key, name})
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            dep = Requirement(text)
            wanted = {"", *req.extras}
            if dep.marker is None or any(dep.marker.evaluate({"extra": e}) for e in wanted):
                todo.append(dep)
    return {key for key in seen if "[" not in key}


def imports(source: str) -> Iterator[tuple[str, bool]]:
    """(top-level module, imported at module level) for each absolute import in the source."""

    def walk(node: ast.AST, nested: bool) -> Iterator[tuple[str, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name.split(".")[0], not nested
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                yield child.module.split(".")[0], not nested
            inner = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Try))
            yield from walk(child, nested or inner)

    yield from walk(ast.parse(source), False)


def sources(*paths: str) -> Iterator[tuple[str, str]]:
    """(file, Python source) of .py files and of notebooks' code cells."""
    for pattern in paths:
        for path in sorted(ROOT.glob(pattern)):
            if path.suffix == ".ipynb":
                cells = json.loads(path.read_text())["cells"]
                code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
                yield str(path.relative_to(ROOT)), "\n".join(code)
            else:
                yield str(path.relative_to(ROOT)), path.read_text()


def undeclared(files: Iterable[tuple[str, str]], allowed: set[str], module_level_only=False):
    """Imports whose module is neither in the standard library nor provided by ``allowed``."""
    providers = metadata.packages_distributions()
    problems = []
    for file, source in files:
        for module, at_module_level in imports(source):
            if module in sys.stdlib_module_names or module in FIRST_PARTY:
                continue
            if module_level_only and not at_module_level:
                continue
            dists = {canonicalize_name(d) for d in providers.get(module, [module])}
            if not dists & allowed:
                problems.append(f"{file}: import {module} (from {', '.join(sorted(dists))})")
    return sorted(set(problems))


def test_the_library_imports_its_core_dependencies_and_extras_lazily():
    core = closure(CORE)
    with_extras = closure([*CORE, *(r for reqs in EXTRAS.values() for r in reqs)])
    library = list(sources("neuronboundary/**/*.py"))
    assert undeclared(library, core, module_level_only=True) == []
    assert undeclared(library, with_extras) == []


def test_the_reproduction_runs_on_the_figures_extra():
    allowed = closure([*CORE, *EXTRAS["figures"], *group("regression")])
    assert undeclared(sources("reproduce/*.py", "notebooks/*.ipynb"), allowed) == []


def test_tests_and_docs_run_on_their_groups():
    base = [*CORE, *EXTRAS["figures"]]
    assert undeclared(sources("tests/*.py"), closure([*base, *group("test")])) == []
    assert undeclared(sources("docs/conf.py"), closure([*base, *group("docs")])) == []


def test_the_checker_sees_an_undeclared_import():
    files = [("x.py", "import numpy\ndef f():\n    import sklearn\n")]
    assert undeclared(files, closure(CORE)) == ["x.py: import sklearn (from scikit-learn)"]
    assert undeclared(files, closure(CORE), module_level_only=True) == []
    assert list(imports("try:\n    import kaleido\nexcept ImportError:\n    pass\n")) == [
        ("kaleido", False)
    ]


def test_the_library_never_imports_the_repository():
    """The wheel holds neuronboundary/ only: an import of reproduce/ or tests/ would break it."""
    wrong = [
        f"{file}: import {module}"
        for file, source in sources("neuronboundary/**/*.py")
        for module, _ in imports(source)
        if module in FIRST_PARTY - {"neuronboundary"}
    ]
    assert wrong == []
