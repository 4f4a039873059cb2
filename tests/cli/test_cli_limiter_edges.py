"""``--limiter`` at its edges: the limiter's warnings reach stderr as one line each, and a
limiter URL or file the CLI cannot use is one line naming the problem, never a traceback and
never a credential, in text and in ``--output json`` alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import no_secret, run_cli
from klaviyo_profiles.sandbox import Sandbox


def test_the_limiters_warnings_are_shown_on_stderr_one_line_each_without_secrets(
    sandbox: Sandbox, cli_env: dict[str, str]
) -> None:
    limiter = "redis://:hunter2@127.0.0.1:1/0?on_unavailable=local"
    args = ["upsert", "--email", "a@example.com", "--base-url", sandbox.base_url]

    done = run_cli([*args, "--limiter", limiter], cli_env)

    assert done.returncode == 0, done.stderr
    [warning] = [line for line in done.stderr.splitlines() if "unreachable" in line]
    assert warning.startswith("warning: the Redis limiter at redis://:***@127.0.0.1:1/0")
    assert "pacing locally" in warning
    assert "hunter2" not in done.stderr + done.stdout
    no_secret(done.stdout, done.stderr)


@pytest.mark.parametrize("output", ["table", "json"])
@pytest.mark.parametrize(
    ("limiter", "secret"),
    [
        ("rediss+tls://app:pa/ss9x@127.0.0.1:1/0", "ss9x"),
        ("http://app:pa?ss9x@127.0.0.1", "ss9x"),
        ("rediss://127.0.0.1:1/0?ssl_password=s3cr3t9x", "s3cr3t9x"),
    ],
)
def test_a_credential_in_a_limiter_url_is_never_printed(
    sandbox: Sandbox, cli_env: dict[str, str], output: str, limiter: str, secret: str
) -> None:
    args = ["upsert", "--email", "a@example.com", "--base-url", sandbox.base_url]

    done = run_cli([*args, "--output", output, "--limiter", limiter], cli_env)

    assert done.returncode in (1, 2)
    assert secret not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    assert sandbox.profiles() == []


@pytest.mark.parametrize("output", ["table", "json"])
@pytest.mark.parametrize("query", ["?foo=1", "?pasword=s3cr3t9x"])
def test_a_limiter_url_with_a_setting_redis_py_does_not_take_is_a_usage_error(
    sandbox: Sandbox, cli_env: dict[str, str], output: str, query: str
) -> None:
    args = ["upsert", "--email", "a@example.com", "--base-url", sandbox.base_url]

    done = run_cli(
        [*args, "--output", output, "--limiter", "redis://127.0.0.1:1/0" + query], cli_env
    )

    assert done.returncode == 2
    assert "limiter_backend.url" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr and "s3cr3t9x" not in done.stderr + done.stdout
    assert sandbox.profiles() == []


@pytest.mark.parametrize("output", ["table", "json"])
def test_an_sqlite_limiter_file_that_is_not_a_database_stops_before_sending(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path, output: str
) -> None:
    spoiled = tmp_path / "limits.sqlite"
    spoiled.write_bytes(b"not a database, whatever it was" * 300)
    args = ["upsert", "--email", "a@example.com", "--base-url", sandbox.base_url]

    done = run_cli([*args, "--output", output, "--limiter", f"sqlite:///{spoiled}"], cli_env)

    assert done.returncode == 1
    assert "cannot use the SQLite limiter file" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    assert sandbox.profiles() == []
