"""Running the command line in-process and as a subprocess, and checking for the key."""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from click.testing import CliRunner, Result
from klaviyo_profiles.cli import app

#: A key that must never show up in any output.
SECRET_KEY = "pk_cli_secret_5f3c9a1e7b2d4c6e"


def invoke(args: Sequence[str], input: str | None = None) -> Result:
    """Run the CLI in this process (Click's runner); stderr is kept apart from stdout."""
    # Click 8.2 always keeps stderr apart (and dropped ``mix_stderr``); 8.1 has to be asked.
    if "mix_stderr" in inspect.signature(CliRunner).parameters:
        runner = CliRunner(mix_stderr=False)
    else:
        runner = CliRunner()
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


def run_cli(
    args: Sequence[str],
    env: dict[str, str],
    *,
    cwd: Path | None = None,
    input: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m klaviyo_profiles.cli ARGS`` as a real subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "klaviyo_profiles.cli", *args],
        env=env,
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def no_secret(*texts: str) -> None:
    """Assert the API key appears in none of ``texts``."""
    for text in texts:
        assert SECRET_KEY not in text
        assert SECRET_KEY[-12:] not in text
