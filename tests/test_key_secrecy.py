"""The API key is never shown: one canary key driven through every path that could print it.

Keys with a trailing newline, CRLF, tab or space are refused when the client is created; a
well-formed key the sandbox does not know is sent and answered 401. For each, nothing the
library or the command line produces holds the key: exception text, reprs, tracebacks, pickled
errors, DEBUG records of every logger (the root logger at DEBUG, the sandbox's own included),
CLI output, the import journal's bytes and the reject file.
"""

from __future__ import annotations

import asyncio
import csv
import http.server
import json
import logging
import pickle
import re
import socket
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from klaviyo_profiles import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AsyncKlaviyoProfiles,
    AuthenticationError,
    InvalidInputError,
    KlaviyoError,
    KlaviyoProfiles,
)
from klaviyo_profiles.cli import app
from klaviyo_profiles.cli.importer.sources import EXCERPT_CHARS, ROW_TEXT_LIMIT
from klaviyo_profiles.sandbox import FaultConfig, RateLimitConfig, Sandbox, SandboxConfig

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


# -- every failed exchange: the library's error, never the key ------------------------------


class _Undecodable(http.server.BaseHTTPRequestHandler):
    """A server (or a proxy) that answers 201 saying gzip over a body that is not."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b"this is not gzip"
        self.send_response(201)
        self.send_header("Content-Type", "application/vnd.api+json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def undecodable() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Undecodable)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


FAILURES = ["undecodable-answer", "connection-refused", "timeout", "rejected-401"]


def failing_server(failure: str, sandbox: Sandbox, undecodable: str) -> tuple[str, type[Exception]]:
    if failure == "undecodable-answer":
        return undecodable, APIError
    if failure == "connection-refused":
        return closed_port(), APIConnectionError
    if failure == "timeout":
        sandbox.set_faults(FaultConfig(latency=1.0))
        return sandbox.base_url, APITimeoutError
    return sandbox.base_url, AuthenticationError


@pytest.mark.parametrize("failure", FAILURES)
def test_every_failed_exchange_is_the_librarys_error_without_the_key(
    failure: str, sandbox: Sandbox, undecodable: str, every_log: list[str]
) -> None:
    # extra_headers= too: the request then carries headers of the call's own.
    base_url, expected = failing_server(failure, sandbox, undecodable)
    options: dict[str, Any] = {"extra_headers": {"X-Request-Id": "r1"}, "timeout": 0.3}

    async def run_async() -> BaseException:
        async with AsyncKlaviyoProfiles(
            api_key=CANARY, base_url=base_url, retry_policy=None, rate_limits=False
        ) as client:
            with pytest.raises(KlaviyoError) as failed:
                await client.create_or_update_profile(email="ada@example.com", **options)
            return failed.value

    try:
        with KlaviyoProfiles(
            api_key=CANARY, base_url=base_url, retry_policy=None, rate_limits=False
        ) as client:
            with pytest.raises(KlaviyoError) as failed:
                client.create_or_update_profile(email="ada@example.com", **options)
            (outcome,) = client.create_or_update_profiles(
                [{"email": "ada@example.com", "last_name": None}], **options
            )
        errors = [failed.value, asyncio.run(run_async()), outcome.error]
    finally:
        sandbox.set_faults(FaultConfig())
    assert all(type(error) is expected for error in errors), errors
    texts = [text for error in errors for text in error_texts(error)]
    # Every frame's locals too, as error trackers capture them (the request's headers
    # included), and the chained httpx error's.
    texts += [
        "".join(traceback.TracebackException.from_exception(error, capture_locals=True).format())
        for error in errors
    ]
    assert leaks(*texts, *every_log) == []


# -- the import: keys holding characters that encoders escape --------------------------------

#: Keys the sandbox accepts (any well-formed key): two holding characters that JSON, repr
#: and CSV each write differently, and an ordinary one.
IMPORT_KEYS = [
    pytest.param('pk_"odd\\key1234', id="quote-backslash"),
    pytest.param("pk_a,b\"c\\d'e;f1234", id="comma-quote-backslash-apostrophe"),
    pytest.param("pk_live_6b1f0e9d4c2a73581e9f", id="ordinary"),
]


def _readings(text: str) -> set[str]:
    """``text`` and what it reads as once unquoted, twice over: CSV's doubled quotes, JSON
    and repr backslash escapes, ``\\u`` escapes."""
    readings = {text}
    for _ in range(2):
        for reading in list(readings):
            readings.add(reading.replace('""', '"'))
            readings.add(re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), reading))
            readings.add(re.sub(r"\\(.)", r"\1", reading, flags=re.DOTALL))
    return readings


def shows_part_of(key: str, *texts: str | bytes) -> list[str]:
    """The texts holding six consecutive characters of ``key``, in any reading of them."""
    pieces = {key[start : start + 6] for start in range(len(key) - 5)}
    found = []
    for text in texts:
        plain = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        if any(piece in reading for reading in _readings(plain) for piece in pieces):
            found.append(repr(plain[:300]))
    return found


def _oversized(prefix: str, key: str) -> list[str]:
    """Cells of rows too large to keep, with the key where their excerpt is cut: near the
    start; across the 200th character; and after so many keys that the masked start is
    shorter than the excerpt, which then reaches a key cut where the start read ends."""
    filler = "z" * ROW_TEXT_LIMIT
    across = "y" * (EXCERPT_CHARS - len(prefix) - len(key) // 2)
    return [key + filler, across + key + filler, key * 40 + filler]


def _key_rows_csv(path: Path, key: str) -> int:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "first_name"])
        rows = [
            ["notanemail", key],  # refused by the server, which quotes the email
            [key, "Key"],  # refused by the server, which quotes the key
            ["ok@example.com", "Ok"],
            ["extra@example.com", key, "a cell too many"],
        ]
        rows += [
            [f"big{n}@example.com", cell]
            for n, cell in enumerate(_oversized("bigN@example.com,", key))
        ]
        writer.writerows(rows)
    return len(rows) - 1


def _key_rows_jsonl(path: Path, key: str) -> int:
    quoted = json.dumps(key)
    escaped = "".join(f"\\u{ord(char):04x}" for char in key)
    lines = [
        json.dumps({"email": "notanemail", "first_name": key}),
        json.dumps({"email": key}),
        json.dumps({"email": "ok@example.com"}),
        f'{{"email": "d@example.com", "first_name": {quoted}, "first_name": "x"}}',
        f'{{"email": "notanemail", "first_name": "{escaped}"}}',
        json.dumps({"email": "e@example.com", key: 1}),  # a member named by the key
        f'{{"email": "f@example.com", "first_name": {quoted}',  # not closed
    ]
    lines += [
        json.dumps({"email": f"big{n}@example.com", "first_name": cell})
        for n, cell in enumerate(_oversized('{"email": "bigN@example.com", "first_name": "', key))
    ]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines) - 1


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("key", IMPORT_KEYS)
def test_cli_import_never_writes_the_key_in_any_form(
    key: str, fmt: str, open_sandbox: Sandbox, every_log: list[str], tmp_path: Path
) -> None:
    open_sandbox.reset()
    folder = tmp_path
    source = folder / f"people.{fmt}"
    failing = (_key_rows_csv if fmt == "csv" else _key_rows_jsonl)(source, key)
    result = run_cli(
        ["import", str(source), "--base-url", open_sandbox.base_url, "--no-pacing"], key
    )
    assert result.exit_code == 1, result.output
    assert [p["attributes"]["email"] for p in open_sandbox.profiles()] == ["ok@example.com"]
    rejects = (folder / f"people.{fmt}.rejects.{fmt}").read_text(encoding="utf-8")
    files = {path.name: path.read_bytes() for path in folder.iterdir() if path != source}
    assert {f"people.{fmt}.journal.sqlite", f"people.{fmt}.rejects.{fmt}"} <= set(files)
    written = list(files.values())
    # Before: the key in the reject file and the journal as CSV, JSON or repr quoted it,
    # and its first characters where the excerpt of a large row was cut.
    assert shows_part_of(key, rejects, *written, *cli_texts(result), *every_log) == []
    assert len(rejects.splitlines()) == failing + (fmt == "csv")
    assert rejects.count("****") >= failing  # each row is there, its key masked


@pytest.mark.parametrize("output", ["text", "json"])
@pytest.mark.parametrize("key", IMPORT_KEYS)
def test_cli_import_summary_masks_a_key_in_the_paths_it_shows(
    key: str, output: str, open_sandbox: Sandbox, tmp_path: Path
) -> None:
    open_sandbox.reset()
    folder = tmp_path / key  # the summary and the errors name files in it
    folder.mkdir()
    source = folder / "people.csv"
    source.write_text("email\nok@example.com\nnotanemail\n")
    options = ["--base-url", open_sandbox.base_url, "--no-pacing", "--output", output]
    result = run_cli(["import", str(source), *options], key)
    assert result.exit_code == 1, result.output
    if output == "json":
        summary = json.loads(result.stdout)
        assert summary["journal"].endswith("/****/people.csv.journal.sqlite")
    else:
        # Before: "journal: .../<the key>/people.csv.journal.sqlite" on stdout.
        assert "/****/people.csv.journal.sqlite" in result.stdout
    assert shows_part_of(key, *cli_texts(result)) == []


@pytest.mark.parametrize("key", IMPORT_KEYS)
def test_cli_import_reject_file_masks_a_column_named_by_the_key(
    key: str, open_sandbox: Sandbox, tmp_path: Path
) -> None:
    open_sandbox.reset()
    source = tmp_path / "people.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["email", key], ["notanemail", "x"]])
    skip = f"{key}="  # the column is skipped
    result = run_cli(
        ["import", str(source), "--base-url", open_sandbox.base_url, "--no-pacing", "--map", skip],
        key,
    )
    assert result.exit_code == 1, result.output
    rejects = (tmp_path / "people.csv.rejects.csv").read_text(encoding="utf-8")
    # Before: the header row of the reject file named the column as the file does.
    assert rejects.splitlines()[0] == "row,error,email,****"
    assert shows_part_of(key, rejects, *cli_texts(result)) == []
