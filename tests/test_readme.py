"""Every ```python block of the README runs as written (```py blocks are shown only: they
need a Python Worker, or are signatures)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
RUNNABLE = [b for b in BLOCKS if "inline_sync" in b]


def test_readme_has_examples() -> None:
    assert len(RUNNABLE) >= 4


@pytest.mark.parametrize("code", RUNNABLE, ids=[f"block{i}" for i in range(len(RUNNABLE))])
def test_readme_example(code: str, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(code, str(README), "exec"), {"__name__": "readme"})


def test_demo_runs() -> None:
    import subprocess
    import sys

    root = README.parent
    out = subprocess.run(
        [sys.executable, str(root / "demo.py")], capture_output=True, text=True, check=True
    ).stdout
    assert "result: synced" in out
    assert "second sync: up-to-date" in out
