"""``import`` on bad ground: each problem found before the first request, in one clear line."""

from __future__ import annotations

import csv
import errno
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke, run_cli
from klaviyo_profiles.cli.importer import ImportSettings, RejectFileError, export_rejects
from klaviyo_profiles.cli.importer.preflight import lock_journal, unlock_journal
from klaviyo_profiles.cli.journal import Journal
from klaviyo_profiles.sandbox import FaultConfig, RateLimitConfig, Sandbox, SandboxConfig


def _people(path: Path, rows: int = 3) -> Path:
    lines = ["email,first_name"] + [f"p{n}@example.com,P{n}" for n in range(1, rows + 1)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _refused(result: Any, words: str) -> None:
    """One ``error:`` line saying ``words``, exit status 2, no traceback."""
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and words in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_journal_in_a_missing_or_unusable_directory_is_refused_before_sending(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = _people(tmp_path / "people.csv")
    (tmp_path / "plain-file").write_text("")
    for journal in (tmp_path / "missing" / "j.sqlite", tmp_path / "plain-file" / "j.sqlite"):
        result = invoke(
            ["import", str(source), "--base-url", sandbox.base_url, "--journal", str(journal)]
        )
        _refused(result, "journal")
        assert "--journal" in result.stderr
    assert sandbox.requests() == []


def test_unwritable_reject_path_is_refused_before_sending(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = _people(tmp_path / "people.csv")
    result = invoke(
        ["import", str(source), "--base-url", sandbox.base_url,
         "--rejects", str(tmp_path / "missing" / "rejects.csv")]
    )  # fmt: skip
    _refused(result, "the reject file")
    assert "--rejects" in result.stderr
    assert sandbox.requests() == []  # before: every row was sent, then a traceback


def test_a_reject_path_that_is_not_a_regular_file_is_refused_before_sending(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email\na@example.com\nnot-an-email\n")
    fifo = tmp_path / "rejects.fifo"
    os.mkfifo(fifo)
    link = tmp_path / "rejects.link"
    link.symlink_to(fifo)
    for target, kind in ((fifo, "a pipe"), (link, "a pipe")):  # (a directory: Click refuses)
        result = invoke(
            ["import", str(source), "--base-url", sandbox.base_url, "--rejects", str(target)]
        )
        _refused(result, f"is {kind}, not a regular file, and is never replaced")
    assert sandbox.requests() == []  # before: every row sent, then the pipe replaced by a file
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and link.is_symlink()


def test_a_reject_path_that_is_a_symbolic_link_is_written_through(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email\na@example.com\nnot-an-email\n")
    (tmp_path / "reports").mkdir()
    real = tmp_path / "reports" / "rejects.csv"
    link = tmp_path / "rejects.csv"
    link.symlink_to(real)  # dangling until the first rejects are written
    args = ["import", str(source), "--base-url", sandbox.base_url, "--no-pacing"]
    first = invoke([*args, "--rejects", str(link)])
    assert first.exit_code == 1, first.output
    assert link.is_symlink()  # before: replaced by a regular file
    assert "not-an-email" in real.read_text()
    source.write_text("email\na@example.com\nb@example.com\n")
    fixed = invoke([*args, "--rejects", str(link)])
    assert fixed.exit_code == 0, fixed.output
    assert link.is_symlink() and not real.exists()  # no rejects now: the file it names goes


def test_journal_or_rejects_naming_the_input_file_is_refused(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = _people(tmp_path / "people.csv")
    before = source.read_bytes()
    for option in ("--rejects", "--journal"):
        result = invoke(
            ["import", str(source), "--base-url", sandbox.base_url, option, str(source)]
        )
        _refused(result, f"{option} names the input file")
    assert source.read_bytes() == before
    assert sandbox.requests() == []


@pytest.mark.parametrize(
    ("header", "extra"),
    [
        ("first_name,last_name", []),
        ("Mail,first_name", []),  # the identifier column is there under another name...
        ("email,first_name", ["--map", "email="]),  # ...or mapped away
    ],
)
def test_file_with_no_identifier_column_is_refused_before_sending(
    header: str, extra: list[str], sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text(f"{header}\na@example.com,Ada\n")
    if header.startswith("Mail"):
        extra = ["--map", "Mail=first_name", "--map", "first_name="]
    result = invoke(["import", str(source), "--base-url", sandbox.base_url, *extra])
    _refused(result, "no column identifies the profile")
    assert sandbox.requests() == []
    assert not (tmp_path / "people.csv.journal.sqlite").exists()


def test_rows_without_an_identifier_value_are_rejected_without_a_request(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.jsonl"
    source.write_text('{"first_name": "A"}\n{"email": "b@example.com"}\n{"email": ""}\n')
    result = invoke(["import", str(source), "--base-url", sandbox.base_url, "--no-pacing"])
    assert result.exit_code == 1
    assert "1 created" in result.stdout and "2 rejected" in result.stdout
    assert len(sandbox.requests()) == 1
    assert "no identifier" in (tmp_path / "people.jsonl.rejects.jsonl").read_text()


def test_second_import_of_a_held_journal_is_refused_naming_the_holder(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = _people(tmp_path / "people.csv")
    journal_path = tmp_path / "people.csv.journal.sqlite"
    lock = lock_journal(ImportSettings(path=source, fmt="csv", api_key="unused"))
    try:
        with Journal(journal_path) as journal:
            journal.claim(f"pid {os.getpid()} on {socket.gethostname()}")
        result = run_cli(["import", str(source), "--base-url", sandbox.base_url], cli_env)
    finally:
        unlock_journal(lock)
    assert result.returncode == 2
    assert result.stderr.startswith("error: the journal")
    assert f"in use by pid {os.getpid()} on {socket.gethostname()}" in result.stderr
    assert sandbox.requests() == []
    # Once the holder is gone, the same command runs.
    again = run_cli(["import", str(source), "--base-url", sandbox.base_url], cli_env)
    assert again.returncode == 0, again.stderr


def test_a_directory_named_as_the_old_lock_file_is_no_concern_of_the_import(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = _people(tmp_path / "people.csv")
    (tmp_path / "people.csv.journal.sqlite.lock").mkdir()
    # Before: "cannot lock the journal ...: Is a directory", blaming the journal.
    result = invoke(["import", str(source), "--base-url", sandbox.base_url, "--no-pacing"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "people.csv.journal.sqlite.lock").is_dir()


def test_two_imports_of_one_file_at_once_second_is_refused(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = _people(tmp_path / "people.csv", rows=200)
    journal_path = tmp_path / "people.csv.journal.sqlite"
    config = SandboxConfig(
        rate_limits=RateLimitConfig(enabled=False), faults=FaultConfig(latency=1)
    )
    with Sandbox(config) as slow:
        args = ["import", str(source), "--base-url", slow.base_url, "--no-pacing",
                "--concurrency", "1"]  # fmt: skip
        first = subprocess.Popen(
            [sys.executable, "-m", "klaviyo_profiles.cli", *args],
            env=cli_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while not slow.requests() and first.poll() is None:  # it holds the journal now
                assert time.monotonic() < deadline, "the first import never sent a request"
                time.sleep(0.05)
            assert first.poll() is None, "the first import ended early"
            # A cleanup that removes lock files (before, the journal's lock was one, and
            # removing it let a second import send every row again) lets no one in.
            for beside in tmp_path.glob("*.lock"):
                beside.unlink()
            second = run_cli([*args, "--concurrency", "64"], cli_env)
        finally:
            first.kill()
            first.wait(timeout=30)
    assert second.returncode == 2
    assert f"in use by pid {first.pid} on {socket.gethostname()}" in second.stderr
    assert journal_path.exists()


def test_reject_file_of_a_replaced_file_is_not_shown_under_the_new_header(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email,first_name\na@example.com,Ada\nbroken-email,Bob\n")
    with Sandbox(SandboxConfig(rate_limits=RateLimitConfig(enabled=False))) as sb:
        first = invoke(["import", str(source), "--base-url", sb.base_url, "--no-pacing"])
    assert first.exit_code == 1 and (tmp_path / "people.csv.rejects.csv").exists()
    # Another file under the same name; this run stops before any row is done (refused key).
    source.write_text("external_id,last_name\ncrm-1,One\ncrm-2,Two\ncrm-3,Three\n")
    strict = SandboxConfig(api_keys={"pk_only_this_one_is_valid_000": ("profiles:write",)})
    with Sandbox(strict) as sb:
        second = invoke(["import", str(source), "--base-url", sb.base_url, "--no-pacing"])
    assert second.exit_code == 1 and "stopped: 401" in second.stderr
    assert "people.csv changed since its journal was written" in second.stdout
    # Before: "broken-email,Bob" was listed under "external_id,last_name".
    assert not (tmp_path / "people.csv.rejects.csv").exists()


def test_same_cells_under_a_renamed_column_are_sent_again(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email,first_name\na@example.com,Lovelace\n")
    args = ["import", str(source), "--base-url", sandbox.base_url, "--no-pacing"]
    assert invoke(args).exit_code == 0
    source.write_text("email,last_name\na@example.com,Lovelace\n")
    again = invoke(args)
    assert again.exit_code == 0 and "1 updated" in again.stdout  # before: "1 skipped"
    (profile,) = sandbox.profiles()
    assert profile["attributes"]["last_name"] == "Lovelace"


def _database(path: Path, *statements: str) -> Path:
    with sqlite3.connect(path) as db:
        for statement in statements:
            db.execute(statement)
    db.close()
    return path


_META = "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)"
_ROWS = (
    "CREATE TABLE rows (row INTEGER PRIMARY KEY, hash TEXT NOT NULL, status TEXT NOT NULL, "
    "http_status INTEGER, profile_id TEXT, error TEXT, original TEXT, attempts INTEGER, "
    "finished REAL NOT NULL)"
)


def test_journal_that_cannot_be_used_is_refused(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = _people(tmp_path / "people.csv")
    newer = tmp_path / "newer.sqlite"
    Journal(newer).close()
    _database(newer, "UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    unreadable = tmp_path / "unreadable.sqlite"
    Journal(unreadable).close()
    _database(unreadable, "UPDATE meta SET value = '99.0' WHERE key = 'schema_version'")
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, but long enough to be read as one\n" * 20)
    other = _database(tmp_path / "app.sqlite", "CREATE TABLE customers (id INTEGER)")
    # Before, each of these was taken for a journal: a meta table was enough, and a schema
    # version that was missing or did not read as a number counted as the current one.
    other_meta = _database(
        tmp_path / "other-meta.sqlite",
        "CREATE TABLE meta (key, value)",
        "INSERT INTO meta VALUES ('schema', 99)",
    )
    only_meta = _database(
        tmp_path / "only-meta.sqlite", _META, "INSERT INTO meta VALUES ('schema_version', '99')"
    )
    no_version = _database(tmp_path / "no-version.sqlite", _META, _ROWS)
    odd_version = _database(
        tmp_path / "odd-version.sqlite",
        _META,
        _ROWS,
        "INSERT INTO meta VALUES ('schema_version', ' 2')",
    )
    more_tables = _database(
        tmp_path / "more.sqlite",
        _META,
        _ROWS,
        "CREATE TABLE orders (id INTEGER)",
        "INSERT INTO meta VALUES ('schema_version', '2')",
    )
    another_application = _database(
        tmp_path / "marked.sqlite",
        _META,
        _ROWS,
        "INSERT INTO meta VALUES ('schema_version', '2')",
        "PRAGMA application_id = 1234",
    )
    expected = {
        newer: "newer klaviyo-profiles (journal schema 99, this one reads",
        unreadable: "an import journal whose schema cannot be read ('99.0')",
        text: "not an import journal",
        other: "not an import journal",
        other_meta: "not an import journal",
        only_meta: "not an import journal",
        no_version: "not an import journal",
        odd_version: "not an import journal",
        more_tables: "not an import journal",
        another_application: "not an import journal",
    }
    for journal, words in expected.items():
        before = journal.read_bytes()
        result = invoke(
            ["import", str(source), "--base-url", sandbox.base_url, "--journal", str(journal)]
        )
        _refused(result, words)
        assert journal.read_bytes() == before  # left as it was
    assert sandbox.requests() == []


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"email,first_name\na@example.com,Ren\xe9\n", "not UTF-8"),
        (b"email,first_name\n" + b"p@example.com,P\n" * 50 + b"z@example.com,\xff\n", "not UTF-8"),
        ("email,first_name\na@example.com,Ada\n".encode("utf-16-le"), "has a NUL byte"),
        (b"email,first_name\na@example.com,Ada\n".decode().encode("utf-16"), "not UTF-8"),
        (b"", "no header row"),
    ],
)
def test_input_that_cannot_be_read_whole_is_refused_before_sending(
    content: bytes, words: str, sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_bytes(content)
    result = invoke(["import", str(source), "--base-url", sandbox.base_url])
    _refused(result, words)
    assert sandbox.requests() == []


def test_full_disk_while_writing_the_reject_file_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _people(tmp_path / "people.csv")
    settings = ImportSettings(path=source, fmt="csv", api_key="unused")
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.record(1, "h", "rejected", error="bad", original='["x", "y"]')

        class FullDisk:
            def __init__(self, handle: Any) -> None:
                pass

            def writerow(self, row: Any) -> None:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(csv, "writer", FullDisk)
        with pytest.raises(RejectFileError, match="No space left on device") as caught:
            export_rejects(settings, journal)
    assert "running the same command again writes it" in str(caught.value)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["j.sqlite", "people.csv"]


def test_header_only_file_sends_nothing_and_succeeds(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email,first_name\n")
    result = invoke(["import", str(source), "--base-url", sandbox.base_url])
    assert result.exit_code == 0, result.output
    assert "0 created" in result.stdout
    assert sandbox.requests() == []


def test_full_disk_while_journalling_stops_the_run_with_one_line(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _people(tmp_path / "people.csv", rows=40)
    record = Journal.record
    calls = 0

    def record_until_full(self: Journal, *args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls > 5:
            raise sqlite3.OperationalError("database or disk is full")
        record(self, *args, **kwargs)

    monkeypatch.setattr(Journal, "record", record_until_full)
    args = ["import", str(source), "--base-url", sandbox.base_url, "--no-pacing",
            "--concurrency", "1"]  # fmt: skip
    result = invoke(args)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: stopped: cannot write the journal")
    assert "database or disk is full" in result.stderr and "make room" in result.stderr
    assert len(sandbox.requests()) < 40  # stopped, rather than sending every row
    monkeypatch.setattr(Journal, "record", record)
    again = invoke(args)
    assert again.exit_code == 0, again.output
    assert "5 skipped" in again.stdout
