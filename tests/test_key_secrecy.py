"""The API key is never shown: one canary key driven through every path that could print it.

Keys with a trailing newline, CRLF, tab or space are refused when the client is created; a
well-formed key the sandbox does not know is sent and answered 401. For each, nothing the
library or the command line produces holds the key: exception text, reprs, tracebacks, pickled
errors, DEBUG records of every logger (the root logger at DEBUG, the sandbox's own included),
CLI output, the import journal's bytes and the reject file.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from klaviyo_profiles import (
    AsyncKlaviyoProfiles,
    AuthenticationError,
    InvalidInputError,
    KlaviyoError,
    KlaviyoProfiles,
)
from klaviyo_profiles.cli import app
from klaviyo_profiles.sandbox import RateLimitConfig, Sandbox, SandboxConfig

#: The canary: well-formed, unknown to the sandbox (so answered 401) and never to be shown.
CANARY = "pk_canary_6b1f0e9d4c2a73581e"
#: The only key the sandbox accepts in this module.
KNOWN_KEY = "pk_known_0000000000000000"

KEYS = [
    pytest.param(CANARY + "\n", id="trailing-newline"),
    pytest.param(CANARY + "\r\n", id="trailing-crlf"),
    pytest.param(CANARY + "\t", id="trailing-tab"),
    pytest.param(CANARY + " ", id="trailing-space"),
    pytest.param(CANARY, id="well-formed-but-unknown-401"),
]


def leaks(*texts: str | bytes) -> list[str]:
    """The texts holding the canary, or any 12 consecutive characters of it."""
    pieces = {CANARY[start : start + 12] for start in range(len(CANARY) - 11)}
    found = []
    for text in texts:
        raw = text if isinstance(text, bytes) else text.encode("utf-8", "backslashreplace")
        if any(piece.encode() in raw for piece in pieces):
            found.append(repr(text[:300]))
    return found


def error_texts(error: BaseException) -> list[str | bytes]:
    """Everything an error shows: str, repr, traceback, pickle, and what it carries."""
    texts: list[str | bytes] = [
        str(error),
        repr(error),
        "".join(traceback.format_exception(type(error), error, error.__traceback__)),
        pickle.dumps(error),
    ]
    restored = pickle.loads(pickle.dumps(error))
    texts += [str(restored), repr(restored), repr(vars(restored))]
    for name in ("request", "response"):
        carried = getattr(error, name, None)
        if carried is not None:
            texts += [repr(carried), pickle.dumps(carried) if name == "response" else b""]
    return texts


class _Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record) + repr(record.args))


@pytest.fixture
def every_log() -> Iterator[list[str]]:
    """Every record of every logger at DEBUG, formatted, for the duration of a test."""
    handler = _Everything()
    root = logging.getLogger()
    loggers = [root] + [
        item
        for item in logging.root.manager.loggerDict.values()
        if isinstance(item, logging.Logger)
    ]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if logger is root or not logger.propagate:
            logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        for logger, level, disabled in saved:
            logger.setLevel(level)
            logger.disabled = disabled
            logger.removeHandler(handler)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    config = SandboxConfig(
        rate_limits=RateLimitConfig(enabled=False),
        api_keys={KNOWN_KEY: ("profiles:read", "profiles:write")},
    )
    with Sandbox(config) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.reset()
    monkeypatch.delenv("KLAVIYO_API_KEY", raising=False)


@pytest.mark.parametrize("key", KEYS)
def test_sync_client_never_shows_the_key(key: str, sandbox: Sandbox, every_log: list[str]) -> None:
    texts: list[str | bytes] = []
    if key != CANARY:
        with pytest.raises(InvalidInputError) as refused:
            KlaviyoProfiles(api_key=key, base_url=sandbox.base_url)
        assert refused.value.field == "api_key"
        texts += error_texts(refused.value)
        assert sandbox.requests() == []
    else:
        with KlaviyoProfiles(api_key=key, base_url=sandbox.base_url) as client:
            texts += [repr(client), str(client), repr(client._auth)]
            with pytest.raises(TypeError, match="API key"):
                pickle.dumps(client._auth)
            with pytest.raises(AuthenticationError) as rejected:
                client.create_or_update_profile(email="ada@example.com")
        assert rejected.value.status_code == 401
        texts += error_texts(rejected.value)
        assert len(sandbox.requests()) == 1
        assert every_log, "DEBUG logging should have produced records"
    assert leaks(*texts, *every_log) == []


@pytest.mark.parametrize("key", KEYS)
def test_async_client_never_shows_the_key(key: str, sandbox: Sandbox, every_log: list[str]) -> None:
    async def run() -> list[str | bytes]:
        texts: list[str | bytes] = []
        if key != CANARY:
            with pytest.raises(InvalidInputError) as refused:
                AsyncKlaviyoProfiles(api_key=key, base_url=sandbox.base_url)
            return error_texts(refused.value)
        async with AsyncKlaviyoProfiles(api_key=key, base_url=sandbox.base_url) as client:
            texts += [repr(client)]
            with pytest.raises(AuthenticationError) as rejected:
                await client.create_or_update_profile(email="ada@example.com")
        return texts + error_texts(rejected.value)

    texts = asyncio.run(run())
    assert len(sandbox.requests()) == (1 if key == CANARY else 0)
    assert leaks(*texts, *every_log) == []


def run_cli(args: list[str], key: str) -> Result:
    return CliRunner().invoke(app, args, env={"KLAVIYO_API_KEY": key}, catch_exceptions=True)


def cli_texts(result: Result) -> list[str | bytes]:
    texts: list[str | bytes] = [result.stdout, result.stderr, result.output]
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        texts += error_texts(result.exception)
    return texts


@pytest.mark.parametrize("key", KEYS)
def test_cli_upsert_never_shows_the_key(key: str, sandbox: Sandbox, every_log: list[str]) -> None:
    result = run_cli(["upsert", "--email", "ada@example.com", "--base-url", sandbox.base_url], key)
    assert result.exit_code != 0
    assert not isinstance(result.exception, KlaviyoError | TypeError | ValueError), result.output
    assert leaks(*cli_texts(result), *every_log) == []


@pytest.mark.parametrize("key", KEYS)
def test_cli_import_journal_and_rejects_never_show_the_key(
    key: str, sandbox: Sandbox, every_log: list[str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email,first_name\nada@example.com,Ada\ngrace@example.com,Grace\n")
    journal = tmp_path / "people.journal.sqlite"
    rejects = tmp_path / "people.rejects.csv"
    result = run_cli(
        [
            "import",
            str(source),
            "--base-url",
            sandbox.base_url,
            "--journal",
            str(journal),
            "--rejects",
            str(rejects),
            "--no-pacing",
            "--max-attempts",
            "1",
        ],
        key,
    )
    assert result.exit_code != 0
    written = {path.name: path.read_bytes() for path in tmp_path.iterdir() if path != source}
    if key == CANARY:  # sent, answered 401: the import stops with its journal kept
        assert journal.name in written and "401" in result.output, result.output
    assert leaks(*cli_texts(result), *written.values(), *every_log) == []


@pytest.fixture(scope="module")
def open_sandbox() -> Iterator[Sandbox]:
    """A sandbox accepting any well-formed key, the canary included."""
    with Sandbox(SandboxConfig(rate_limits=RateLimitConfig(enabled=False))) as running:
        yield running


def test_cli_import_reject_file_never_shows_the_key(
    open_sandbox: Sandbox, every_log: list[str], tmp_path: Path
) -> None:
    open_sandbox.reset()
    source = tmp_path / "people.csv"
    source.write_text("email,first_name\nada@example.com,Ada\nnot-an-email,Bad\n")
    result = run_cli(
        ["import", str(source), "--base-url", open_sandbox.base_url, "--no-pacing"], CANARY
    )
    assert result.exit_code == 1, result.output
    written = {path.name: path.read_bytes() for path in tmp_path.iterdir() if path != source}
    assert b"not-an-email" in written["people.csv.rejects.csv"]
    assert "people.csv.journal.sqlite" in written
    assert leaks(*cli_texts(result), *written.values(), *every_log) == []


@pytest.mark.parametrize("key", KEYS)
def test_cli_api_key_file_never_shows_the_key(
    key: str, sandbox: Sandbox, every_log: list[str], tmp_path: Path
) -> None:
    key_file = tmp_path / "key.txt"
    key_file.write_text(key)
    result = run_cli(
        [
            "upsert",
            "--email",
            "ada@example.com",
            "--base-url",
            sandbox.base_url,
            "--api-key-file",
            str(key_file),
        ],
        "",
    )
    # Surrounding whitespace in a key file is trimmed, so every one of these is a 401.
    assert result.exit_code != 0
    assert leaks(*cli_texts(result), *every_log) == []


def test_cli_key_typed_as_the_api_key_file_value_is_not_echoed(
    sandbox: Sandbox, every_log: list[str]
) -> None:
    result = run_cli(
        [
            "upsert",
            "--email",
            "ada@example.com",
            "--base-url",
            sandbox.base_url,
            "--api-key-file",
            CANARY,
        ],
        "",
    )
    assert result.exit_code != 0
    assert leaks(*cli_texts(result), *every_log) == []


def test_a_pickled_status_error_keeps_its_details_but_not_the_header(
    sandbox: Sandbox,
) -> None:
    with (
        KlaviyoProfiles(api_key=CANARY, base_url=sandbox.base_url) as client,
        pytest.raises(AuthenticationError) as rejected,
    ):
        client.create_or_update_profile(email="ada@example.com")
    error = rejected.value
    assert error.request is not None
    # Sent with the key (the sandbox answered 401 for it), kept afterwards without it.
    assert error.request.headers["authorization"] == "Klaviyo-API-Key [redacted]"
    restored: Any = pickle.loads(pickle.dumps(error))
    assert type(restored) is AuthenticationError
    assert (restored.status_code, str(restored), restored.errors) == (
        401,
        str(error),
        error.errors,
    )
    assert restored.request.headers["authorization"] == "[redacted]"
    assert restored.response.request.headers["authorization"] == "[redacted]"
    assert sandbox.requests()[-1]["status"] == 401
    assert restored.request.url == error.request.url
