"""``--limiter`` (and ``$KLAVIYO_LIMITER_URL``): the CLI paces through a shared backend."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from cli_helpers import no_secret, run_cli
from klaviyo_profiles.sandbox import Sandbox
from redis_server import RedisServer


def test_import_counts_every_request_in_the_redis_named_by_limiter(
    sandbox: Sandbox, redis_server: RedisServer, cli_env: dict[str, str], tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    people.write_text("email\n" + "".join(f"p{i}@example.com\n" for i in range(40)))

    done = run_cli(
        [
            "import",
            str(people),
            "--base-url",
            sandbox.base_url,
            "--limiter",
            redis_server.url + "?prefix=cli-fleet",
        ],
        cli_env,
    )

    assert done.returncode == 0, done.stderr
    assert len(sandbox.profiles()) == 40
    with redis.Redis.from_url(redis_server.url) as client:
        [log] = client.keys("cli-fleet:*:log")
        assert client.zcard(log) == 40
        no_secret(*(key.decode() for key in client.keys("*")))


def test_an_unreachable_redis_from_the_environment_stops_upsert_with_a_clear_message(
    sandbox: Sandbox, cli_env: dict[str, str]
) -> None:
    env = {**cli_env, "KLAVIYO_LIMITER_URL": "redis://:hunter2@127.0.0.1:1/0"}

    done = run_cli(["upsert", "--email", "a@example.com", "--base-url", sandbox.base_url], env)

    assert done.returncode == 1
    assert "cannot reach the Redis limiter at redis://:***@127.0.0.1:1/0" in done.stderr
    assert "hunter2" not in done.stderr + done.stdout
    assert sandbox.profiles() == []
    no_secret(done.stdout, done.stderr)


def test_an_unknown_limiter_is_a_usage_error(cli_env: dict[str, str]) -> None:
    done = run_cli(["upsert", "--email", "a@example.com", "--limiter", "mysql://h/db"], cli_env)

    assert done.returncode == 2
    assert "--limiter: unsupported limiter backend" in done.stderr


def test_import_with_an_unreachable_redis_exits_1_naming_the_limiter_and_creates_no_file(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    people.write_text("email\na@example.com\n")

    done = run_cli(
        [
            "import",
            str(people),
            "--base-url",
            sandbox.base_url,
            "--limiter",
            "redis://127.0.0.1:1/0",
        ],
        cli_env,
    )

    assert done.returncode == 1
    assert done.stderr.startswith("error: cannot reach the Redis limiter at redis://127.0.0.1:1/0")
    assert "cannot read" not in done.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["people.csv"]
    assert sandbox.profiles() == []


@pytest.mark.parametrize("output", ["table", "json"])
def test_a_password_in_the_limiter_urls_query_is_never_printed(
    sandbox: Sandbox, cli_env: dict[str, str], output: str
) -> None:
    limiter = "redis://127.0.0.1:1/0?username=bobcat&password=hunter2"
    args = ["upsert", "--email", "a@example.com", "--base-url", sandbox.base_url]

    done = run_cli([*args, "--output", output, "--limiter", limiter], cli_env)

    assert done.returncode == 1
    assert "password=***" in done.stderr + done.stdout
    assert "hunter2" not in done.stderr + done.stdout
    assert "bobcat" not in done.stderr + done.stdout


def test_a_password_with_a_hash_is_refused_in_one_line_showing_none_of_it(
    cli_env: dict[str, str],
) -> None:
    env = {**cli_env, "KLAVIYO_LIMITER_URL": "redis://:s3cr#t9x@127.0.0.1:6379/0"}

    done = run_cli(["upsert", "--email", "a@example.com"], env)

    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "percent-encode" in done.stderr
    assert "s3cr" not in done.stderr and "t9x" not in done.stderr
    assert "Traceback" not in done.stderr


def test_upsert_paces_through_a_redis_on_a_unix_socket(
    sandbox: Sandbox, unix_redis_server: RedisServer, cli_env: dict[str, str]
) -> None:
    limiter = unix_redis_server.url + "?prefix=by-socket"
    args = ["upsert", "--email", "a@example.com", "--base-url", sandbox.base_url]

    done = run_cli([*args, "--limiter", limiter], cli_env)

    assert done.returncode == 0, done.stderr
    with redis.Redis(unix_socket_path=str(unix_redis_server.unix_socket)) as client:
        [log] = client.keys("by-socket:*:log")
        assert client.zcard(log) == 1
