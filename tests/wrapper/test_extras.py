"""Optional dependencies: without an extra, the feature that needs it names the extra to install.

Each case runs a fresh interpreter in which the extra's modules cannot be imported (their
``sys.modules`` entries are set to ``None``, which is how Python marks a module as absent), then
uses the feature as a user would. The wheel test (tests/test_packaging.py) repeats the main
cases in a virtual environment really installed without extras.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest
from klaviyo_profiles.sandbox import RateLimitConfig, Sandbox, SandboxConfig

CLI_MODULES = ("click", "rich")
SANDBOX_MODULES = ("starlette", "uvicorn", "jsonschema")
KEY = "pk_extras_test_key_000000000000"


def run_without(
    modules: tuple[str, ...], code: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter where ``modules`` (and their submodules) are absent."""
    prologue = textwrap.dedent(
        f"""
        import sys
        for name in {modules!r}:
            sys.modules[name] = None
        """
    )
    return subprocess.run(
        [sys.executable, "-c", prologue + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        check=False,
    )


def run_script_without(
    modules: tuple[str, ...], *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run the ``klaviyo-profiles`` entry point as its script does, lacking ``modules``."""
    return run_without(
        modules,
        f"""
        from importlib.metadata import entry_points
        (script,) = entry_points(group="console_scripts", name="klaviyo-profiles")
        sys.exit(script.load()({list(args)!r}))
        """,
        **env,
    )


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(rate_limits=RateLimitConfig(enabled=False))) as sb:
        yield sb


def assert_one_line_naming(result: subprocess.CompletedProcess[str], extra: str) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"pip install 'klaviyo-profiles[{extra}]'" in lines[0]


def test_script_without_cli_extra_prints_one_line_naming_it() -> None:
    result = run_script_without(CLI_MODULES, "--help")
    assert result.returncode == 1
    assert_one_line_naming(result, "cli")
    assert "click" in result.stderr


def test_upsert_needs_only_the_cli_extra(sandbox: Sandbox) -> None:
    result = run_script_without(
        (*SANDBOX_MODULES, "filelock"),
        "upsert",
        "--email",
        "extras@example.com",
        "--first-name",
        "Ada",
        "--base-url",
        sandbox.base_url,
        "--output",
        "json",
        KLAVIYO_API_KEY=KEY,
    )
    assert result.returncode == 0, result.stderr
    assert "extras@example.com" in result.stdout


def test_import_needs_only_the_cli_extra(sandbox: Sandbox, tmp_path: object) -> None:
    source = f"{tmp_path}/people.csv"
    with open(source, "w", encoding="utf-8") as handle:
        handle.write("email\nextras-import@example.com\n")
    result = run_script_without(
        (*SANDBOX_MODULES, "filelock"),
        "import",
        source,
        "--base-url",
        sandbox.base_url,
        "--no-pacing",
        "--output",
        "json",
        KLAVIYO_API_KEY=KEY,
    )
    assert result.returncode == 0, result.stderr  # before: filelock (the sqlite extra) needed
    assert '"created": 1' in result.stdout


def test_revision_command_needs_only_the_cli_extra() -> None:
    result = run_script_without((*SANDBOX_MODULES, "filelock"), "revision", "--output", "json")
    assert result.returncode == 0, result.stderr
    assert '"revision"' in result.stdout


@pytest.mark.parametrize("command", ["sandbox", "demo"])
def test_sandbox_commands_without_sandbox_extra_name_it(command: str) -> None:
    result = run_script_without(SANDBOX_MODULES, command)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert_one_line_naming(result, "sandbox")


def test_importing_the_sandbox_without_its_extra_names_it() -> None:
    result = run_without(
        SANDBOX_MODULES,
        """
        from klaviyo_profiles.extras import MissingExtraError
        try:
            import klaviyo_profiles.sandbox
        except MissingExtraError as exc:
            assert isinstance(exc, ImportError)
            print(exc)
        """,
    )
    assert result.returncode == 0, result.stderr
    assert "klaviyo_profiles.sandbox needs the 'sandbox' extra" in result.stdout
    assert "pip install 'klaviyo-profiles[sandbox]'" in result.stdout


def test_demo_module_without_sandbox_extra_prints_one_line() -> None:
    result = run_without(
        SANDBOX_MODULES,
        "from klaviyo_profiles.demo import main; sys.exit(main([]))",
    )
    assert result.returncode == 1
    assert_one_line_naming(result, "sandbox")


def test_client_works_without_any_extra(sandbox: Sandbox) -> None:
    result = run_without(
        (*CLI_MODULES, *SANDBOX_MODULES, "filelock", "redis"),
        f"""
        from klaviyo_profiles import KlaviyoProfiles
        with KlaviyoProfiles(api_key={KEY!r}, base_url={sandbox.base_url!r}) as client:
            print(client.create_or_update_profile(email="core@example.com").status_code)
        """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "201"


def test_sqlite_limiter_without_filelock_names_the_sqlite_extra(tmp_path: object) -> None:
    result = run_without(
        ("filelock",),
        """
        from klaviyo_profiles.ratelimit import SQLiteBackend
        try:
            SQLiteBackend("limits.sqlite")
        except ImportError as exc:
            print(exc)
        """,
    )
    assert result.returncode == 0, result.stderr
    assert "pip install 'klaviyo-profiles[sqlite]'" in result.stdout


def test_cli_limiter_sqlite_without_filelock_fails_with_the_extra() -> None:
    result = run_script_without(
        ("filelock",),
        "upsert",
        "--email",
        "a@example.com",
        "--limiter",
        "sqlite:limits.sqlite",
        KLAVIYO_API_KEY=KEY,
    )
    assert result.returncode == 2
    assert_one_line_naming(result, "sqlite")


def _requirements(extra: str | None) -> set[str]:
    requires = importlib.metadata.requires("klaviyo-profiles") or []
    names = set()
    for requirement in requires:
        marker = re.search(r"extra == [\"']([^\"']+)", requirement)
        if (marker.group(1) if marker else None) == extra:
            names.add(re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower())
    return names


def test_core_install_does_not_require_filelock_or_cli_or_sandbox_stacks() -> None:
    core = _requirements(None)
    assert {"httpx", "attrs", "pyrate-limiter", "tenacity"} <= core
    assert not core & {"filelock", "click", "rich", "starlette", "uvicorn", "jsonschema"}


def test_cli_extra_does_not_pull_the_sandbox_stack() -> None:
    cli = _requirements("cli")
    assert {"click", "rich"} <= cli
    assert not cli & {"starlette", "uvicorn", "jsonschema", "rpds-py", "klaviyo-profiles"}
