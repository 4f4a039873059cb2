"""``--limiter`` (and ``$KLAVIYO_LIMITER_URL``): the CLI paces through a shared backend."""

from __future__ import annotations

from pathlib import Path

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
