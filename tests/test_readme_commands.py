"""README's commands are what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

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
