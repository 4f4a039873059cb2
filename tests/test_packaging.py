"""The distributions as a user gets them: built sdist and wheel, installed (not editable) into a
fresh virtual environment without extras, then used against a sandbox served by this process."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from pathlib import Path

import pytest
from klaviyo_profiles.sandbox import RateLimitConfig, Sandbox, SandboxConfig

REPO_ROOT = Path(__file__).resolve().parent.parent
KEY = "pk_packaging_test_key_0000000000"


def run(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(arg) for arg in args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        # No editable install or test-run path leaks into the fresh environment.
        env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")},
    )


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sdist and wheel, built as a release would build them (isolated build)."""
    out = tmp_path_factory.mktemp("dist")
    built = run(sys.executable, "-m", "build", "--outdir", out, REPO_ROOT)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return sdist, wheel


@pytest.fixture(scope="module")
def wheel_venv(dists: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with only the wheel (no extras) and its dependencies."""
    venv = tmp_path_factory.mktemp("venv")
    created = run(sys.executable, "-m", "venv", venv)
    assert created.returncode == 0, created.stderr
    installed = run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", dists[1])
    assert installed.returncode == 0, installed.stderr[-3000:]
    return venv


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(rate_limits=RateLimitConfig(enabled=False))) as sb:
        yield sb


def test_license_ships_in_the_wheel_and_the_sdist(dists: tuple[Path, Path]) -> None:
    sdist, wheel = dists
    with zipfile.ZipFile(wheel) as archive:
        licenses = [name for name in archive.namelist() if name.endswith("/LICENSE")]
        assert licenses, archive.namelist()
        text = archive.read(licenses[0]).decode()
    assert text.startswith("MIT License")
    assert "klaviyo-profiles contributors" in text
    with tarfile.open(sdist) as archive:
        assert any(name.endswith("/LICENSE") for name in archive.getnames())


def test_wheel_metadata_names_license_urls_and_classifiers(dists: tuple[Path, Path]) -> None:
    with zipfile.ZipFile(dists[1]) as archive:
        (name,) = (n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(name).decode())
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("Project-URL")
    classifiers = metadata.get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers
    assert "Intended Audience :: Developers" in classifiers


def test_installed_wheel_without_extras_upserts_against_a_sandbox(
    wheel_venv: Path, sandbox: Sandbox
) -> None:
    code = textwrap.dedent(
        f"""
        import klaviyo_profiles
        assert "site-packages" in klaviyo_profiles.__file__, klaviyo_profiles.__file__
        from klaviyo_profiles import KlaviyoProfiles
        with KlaviyoProfiles(api_key={KEY!r}, base_url={sandbox.base_url!r}) as client:
            result = client.create_or_update_profile(email="wheel@example.com", first_name="Ada")
        print(result.status_code, result.created)
        """
    )
    used = run(wheel_venv / "bin" / "python", "-c", code, timeout=60)
    assert used.returncode == 0, used.stderr
    assert used.stdout.split() == ["201", "True"]


def test_installed_wheel_without_extras_names_the_cli_extra(wheel_venv: Path) -> None:
    used = run(wheel_venv / "bin" / "klaviyo-profiles", "--help", timeout=60)
    assert used.returncode == 1
    assert "Traceback" not in used.stderr
    assert "pip install 'klaviyo-profiles[cli]'" in used.stderr


def test_installed_wheel_without_extras_names_the_sandbox_extra(wheel_venv: Path) -> None:
    used = run(wheel_venv / "bin" / "python", "-m", "klaviyo_profiles.demo", timeout=60)
    assert used.returncode == 1
    assert used.stderr.strip().splitlines() == [
        "error: the demo on the embedded sandbox (no --base-url) needs the 'sandbox' extra "
        "(starlette is not installed): pip install 'klaviyo-profiles[sandbox]'"
    ]
