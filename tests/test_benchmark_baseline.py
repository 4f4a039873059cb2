"""``benchmarks/bulk_import.py`` measures the code it is asked to: a ``--baseline`` checkout's,
or this tree's without one. Each import child reports where it imported the client and the
generated code from, and one that ran other code stops the benchmark, naming it; a baseline
that is no checkout of the project is refused before anything starts.

The imports here are a few rows on the sandbox: only where the code came from is asserted.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from klaviyo_profiles.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"


@pytest.fixture
def bulk_import(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    # The benchmarks are not a package: they import each other by file name.
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("bulk_import")


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkout of its own: a copy of this tree's two packages, where a checkout keeps
    them."""
    root = tmp_path_factory.mktemp("copy")
    shutil.copytree(ROOT / "wrapper" / "klaviyo_profiles", root / "wrapper" / "klaviyo_profiles")
    shutil.copytree(
        ROOT / "generated" / "klaviyo_profile_import",
        root / "generated" / "klaviyo_profile_import",
    )
    return root


def _rows(bulk_import: ModuleType, folder: Path) -> Path:
    folder.mkdir()
    path = folder / "rows.csv"
    bulk_import.write_rows(path, 3, 0, "baseline-")
    return path


def test_a_baseline_that_is_no_checkout_is_refused_before_anything_starts(
    tmp_path: Path,
) -> None:
    finished = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bulk_import.py"), "--baseline", str(tmp_path),
         "--rows", "1", "--small", "1", "--memory-only"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert finished.returncode == 1
    assert finished.stderr.strip().splitlines()[-1] == (
        f"--baseline {tmp_path}: not a checkout of klaviyo-profiles "
        "(no wrapper/klaviyo_profiles, generated/klaviyo_profile_import)"
    )


def test_an_import_with_a_baseline_runs_the_baselines_code(
    bulk_import: ModuleType, copy: Path, klaviyo_sandbox: Sandbox, tmp_path: Path
) -> None:
    path = _rows(bulk_import, tmp_path / "run")
    result = bulk_import.run_import(path, klaviyo_sandbox.base_url, "auto", baseline=copy)
    assert result["modules"] == {
        "klaviyo_profiles": str(copy / "wrapper" / "klaviyo_profiles" / "__init__.py"),
        "klaviyo_profile_import": str(
            copy / "generated" / "klaviyo_profile_import" / "__init__.py"
        ),
    }


def test_an_import_that_ran_other_code_than_this_trees_stops_the_benchmark(
    bulk_import: ModuleType,
    copy: Path,
    klaviyo_sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = _rows(bulk_import, tmp_path / "run")
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(copy / "wrapper"), str(copy / "generated")])
    )
    with pytest.raises(SystemExit) as stopped:
        bulk_import.run_import(path, klaviyo_sandbox.base_url, "auto")
    message = str(stopped.value)
    assert f"did not run the code of {ROOT}" in message
    assert f"klaviyo_profiles from {copy / 'wrapper' / 'klaviyo_profiles'}" in message
    assert f"klaviyo_profile_import from {copy / 'generated'}" in message


def test_a_package_in_the_working_directory_does_not_stand_in_for_the_measured_code(
    bulk_import: ModuleType,
    copy: Path,
    klaviyo_sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Started from a folder holding a ``klaviyo_profiles`` package (``wrapper/`` of a checkout),
    # where ``python -c`` would look first.
    path = _rows(bulk_import, tmp_path / "run")
    monkeypatch.chdir(copy / "wrapper")
    result = bulk_import.run_import(path, klaviyo_sandbox.base_url, "auto")
    assert result["modules"]["klaviyo_profiles"] == str(
        ROOT / "wrapper" / "klaviyo_profiles" / "__init__.py"
    )
