"""Hand-written code stays ruff-clean, ruff-formatted and mypy --strict clean.

Settings live in pyproject.toml (generated/ is excluded: it is checked by generate.py --check).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy-strict"],
)
def test_tool_is_clean(command: list[str], tmp_path: Path) -> None:
    if command[0] == "mypy":
        command = [*command, "--cache-dir", str(tmp_path / "mypy-cache")]
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"
