"""The wrapper's own tests pass unchanged on a client regenerated for another revision.

The client is generated for Klaviyo's 2025-04-15 spec into a temporary folder, placed first on
``PYTHONPATH``, and the wire-format, input-check and identity tests run against it in a
subprocess. Names come from the generated facts, so ``anonymous_id`` is accepted there and
refused on 2026-07-15, and names a profile there (the identity rule) and not on 2026-07-15.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import spec_tools
from regeneration import child_environment, regenerate

REVISION = "2025-04-15"

pytestmark = pytest.mark.generation


def test_wrapper_tests_pass_on_a_client_generated_for_2025_04_15(
    klaviyo_specs: Path, repo_root: Path, tmp_path: Path
) -> None:
    current = spec_tools.load_document(repo_root / "spec" / "profile-import.yaml")
    folder = regenerate(klaviyo_specs / REVISION / "stable.json", tmp_path / "pkg", current=current)
    env = child_environment(folder, Path(__file__).parent)
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from klaviyo_profile_import import facts; "
            "print(facts.REVISION, 'anonymous_id' in facts.REQUEST_ATTRIBUTES)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.split() == [REVISION, "True"], (
        "the regenerated package must shadow the installed one"
    )
    here = Path(__file__).parent
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "ignore::UserWarning",
            str(here / "test_wire_format.py"),
            str(here / "test_input_checks.py"),
            str(here / "test_identity.py"),
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=repo_root,
        timeout=300,
    )
    if run.returncode != 0:
        pytest.fail(
            f"wrapper tests failed on the {REVISION} client:\n"
            f"{run.stdout[-4000:]}\n{run.stderr[-2000:]}"
        )
    assert " passed" in run.stdout
