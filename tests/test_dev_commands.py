"""The README's two commands: CI runs the test one exactly, and both set up their own venv."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```bash\n(.*?)```", readme, re.DOTALL)
    assert first_block, "the README opens with a bash block of its commands"
    return [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]


def test_readme_opens_with_the_demo_and_test_commands() -> None:
    assert _readme_commands() == ["make demo", "make test"]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [
        line.strip()
        for line in script.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "set ", "cd "))
    ]
    assert "make test" in commands


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("target", ["demo", "test"])
def test_each_command_creates_the_venv_when_it_is_missing(tmp_path: Path, target: str) -> None:
    # A dry run in a copy without .venv: the plan must create the venv, install, then run.
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    plan = subprocess.run(
        ["make", "-n", target], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    venv = plan.index("-m venv .venv")
    install = plan.index("pip install --quiet -e")
    run = plan.index("klaviyo-profiles demo" if target == "demo" else "-m pytest")
    assert venv < install < run


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_an_up_to_date_venv_is_reused(tmp_path: Path) -> None:
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").touch()
    (tmp_path / ".venv" / ".installed-test").touch()
    plan = subprocess.run(
        ["make", "-n", "test"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    assert "-m venv" not in plan
    assert "pip install" not in plan
    assert "-m pytest" in plan
