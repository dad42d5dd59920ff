"""README's and the docs' commands, checked against what they name: the extras of pyproject.toml,
the pins of constraints.txt, the noxfile's sessions, the options and notebook parameters of
``python -m reproduce``, and the command CI runs; their Python examples are run. A renamed
session, extra, figure or option, an install of a name that no index has, or a torch request
that bypasses the constraints fails here. (The install commands were also run verbatim in a
fresh clone and venv when they were written: see docs/install.md.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from reproduce.cli import _value, build_parser
from reproduce.figures import FIGURES, check_parameters, notebooks_dir

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "docs" / "install.md", ROOT / "docs" / "reproduce.md"]
INSTALL_PAGES = PAGES[:2]
EXTRAS = set(
    tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
)
CPU_INDEX = "https://download.pytorch.org/whl/cpu"  # where PyTorch documents its CPU wheels


def blocks(page: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", page.read_text(), flags=re.DOTALL)


def commands(page: Path) -> list[list[str]]:
    """Each command of the page's bash blocks as words (comments dropped, ``&&`` split)."""
    out = []
    for block in blocks(page, "bash"):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            while words:
                cut = words.index("&&") if "&&" in words else len(words)
                out.append(words[:cut])
                words = words[cut + 1 :]
    return out


def inline_commands(page: Path) -> list[list[str]]:
    """Commands quoted in the prose: `nox -s ...` and `python -m reproduce ...`."""
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.DOTALL)
    spans = re.findall(r"`((?:python3? -m )?nox -s [^`]+|python3? -m reproduce[^`]*)`", text)
    return [shlex.split(span) for span in spans]


def pip_installs(page: Path) -> list[tuple[list[str], dict[str, str], list[str]]]:
    """(interpreter words, options, targets) of every ``pip install`` on the page."""
    out = []
    for words in commands(page):
        if "install" not in words or "pip" not in words[: words.index("install")]:
            continue
        at = words.index("install")
        options, targets, rest = {}, [], iter(words[at + 1 :])
        for word in rest:
            if word in ("-c", "--constraint", "-i", "--index-url"):
                options[word.lstrip("-")[0]] = next(rest)
            elif word.startswith("-"):
                options[word] = ""
            else:
                targets.append(word)
        out.append(
            (words[: at - 2] if words[at - 2 : at] == ["-m", "pip"] else [], options, targets)
        )
    return out


def torch_pin() -> str:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    (pin,) = [line.strip() for line in lines if line.startswith("torch==")]
    return pin


@pytest.mark.parametrize("page", INSTALL_PAGES, ids=lambda p: p.name)
def test_install_commands_work_from_a_clone_through_the_constraints(page):
    venvs = [words[-1] for words in commands(page) if words[1:3] == ["-m", "venv"]]
    installs = pip_installs(page)
    assert venvs, f"{page.name} creates no virtual environment"
    assert any("." in t or t.startswith(".[") for _, _, targets in installs for t in targets)
    for interpreter, options, targets in installs:
        if targets == ["nox"]:  # the developer tool, into the Python that runs nox
            continue
        command = " ".join([*interpreter, "-m pip install", *targets])
        assert interpreter == [f"{venvs[0]}/bin/python"], f"{command}: not into {venvs[0]}"
        for target in targets:
            assert not target.startswith("neuronboundary"), f"{command}: on no index"
            if target == "." or target.startswith(".["):
                assert options.get("c") == "constraints.txt", f"{command}: no -c constraints.txt"
                assert (ROOT / options["c"]).is_file()
                extras = (
                    set(re.findall(r"\[(.*)\]", target)[0].split(",")) if "[" in target else set()
                )
                assert extras <= EXTRAS, f"{command}: no extra {extras - EXTRAS}"
            elif target.startswith("torch"):
                assert target == torch_pin(), f"{command}: constraints.txt pins {torch_pin()}"
                assert options.get("c") == "constraints.txt" or options.get("i") == CPU_INDEX
            else:
                pytest.fail(f"{command}: installs {target}, outside the project")


def test_extras_named_anywhere_exist():
    for page in PAGES:
        for extras in re.findall(r"\"\.\[([\w,-]+)\]\"", page.read_text()):
            assert set(extras.split(",")) <= EXTRAS, f"{page.name}: .[{extras}]"


def _check_reproduce_arguments(args: list[str], where: str) -> None:
    """Parse as ``python -m reproduce`` does, then check -p against the notebooks."""
    if "--help" in args:
        with pytest.raises(SystemExit) as exit_:  # a bad option or figure name exits 2
            build_parser().parse_args(args)
        assert exit_.value.code == 0, f"{where}: {' '.join(args)}"
        return
    parsed = build_parser().parse_args(args)  # exits 2 on a bad option or figure name
    params = {name: _value(text) for name, text in getattr(parsed, "parameter", [])}
    check_parameters(parsed.only or list(FIGURES), params, notebooks_dir())


def test_nox_and_reproduce_commands_name_what_exists(capsys):
    from tests.test_noxfile import load_sessions

    sessions = load_sessions()
    seen = 0
    for page in PAGES:
        for words in commands(page) + inline_commands(page):
            if "nox" in words and "-s" in words:
                after = words[words.index("-s") + 1 :]
                names = after[: after.index("--")] if "--" in after else after
                assert set(names) <= set(sessions), f"{page.name}: nox -s {' '.join(names)}"
                if "--" in after:
                    (name,) = names
                    posargs = after[after.index("--") + 1 :]
                    _check_reproduce_arguments([name, *posargs], page.name)
                seen += 1
            elif words[1:3] == ["-m", "reproduce"]:
                _check_reproduce_arguments(words[3:], page.name)
                seen += 1
    capsys.readouterr()  # --help's text
    assert seen >= 10


def test_ci_runs_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    lines = [b for block in blocks(ROOT / "README.md", "bash") for b in block.splitlines()]
    runs_tests = [line for line in lines if "nox" in line and "tests" in shlex.split(line)]
    # README's test command, with python3 from PATH; the other runs the same sessions from a
    # venv for a system Python that refuses pip (PEP 668)
    (command,) = [line for line in runs_tests if line.startswith("python3 ")]
    assert command in ci
    sessions = shlex.split(command.split("&&")[-1])
    for line in runs_tests:
        words = shlex.split(line.split("&&")[-1])
        assert words[words.index("-s") :] == sessions[sessions.index("-s") :], line
    portability = [i for i, line in enumerate(ci) if "nox -s portability" in line]
    assert portability, "CI runs the float-touching tests under other kernels"
    assert portability[0] > ci.index(command)  # after README's command


@pytest.mark.parametrize("page", INSTALL_PAGES, ids=lambda p: p.name)
def test_python_examples_run(page):
    examples = blocks(page, "python")
    assert examples
    for code in examples:
        exec(compile(code, page.name, "exec"), {})  # noqa: S102 (our own docs)
