"""``import``: ``--output json`` for cron and CI, ``--nulls omit``, and how a run ends (the
counts after a resume, the last progress line, the journal's lock file)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke, no_secret
from journal_reader import rows as journal_rows
from klaviyo_profiles import _file_lock as file_lock
from klaviyo_profiles.cli.importer import ImportSettings, PreflightError, progress
from klaviyo_profiles.cli.importer.preflight import lock_journal, unlock_journal
from klaviyo_profiles.sandbox import Sandbox

FAST = ["--no-pacing", "--poll-interval", "0.05"]
SINGLE_PATH = "/api/profile-import"
JOBS_PATH = "/api/profile-bulk-import-jobs"


def _import(sandbox: Sandbox, path: Path, *options: str) -> Any:
    return invoke(["import", str(path), "--base-url", sandbox.base_url, *FAST, *options])


def _posts(sandbox: Sandbox, path: str) -> list[dict[str, Any]]:
    return [e for e in sandbox.requests() if e["method"] == "POST" and e["path"] == path]


def _stored(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {p["attributes"]["email"]: p["attributes"] for p in sandbox.profiles()}


# ---- --output json


def test_output_json_is_one_object_on_stdout_with_counts_paths_and_status(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("E-Mail,First Name,Spent\na@example.com,Ada,3.5\nb@example.com,Bo,1\n")
    result = _import(sandbox, source, "--output", "json", "--map", "Spent=properties.spent:number")
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()  # no progress, no notes: one document
    document = json.loads(line)
    assert document["exit_code"] == 0 and "error" not in document
    assert (document["rows"], document["created"], document["rejected"]) == (2, 2, 0)
    assert document["journal"] == str(tmp_path / "people.csv.journal.sqlite")
    assert document["rejects"] is None
    assert document["columns"] == {
        "E-Mail": "email",
        "First Name": "first_name",
        "Spent": "properties.spent:number",
    }
    assert "rows 2/2" in result.stderr  # progress goes to stderr
    no_secret(result.stdout, result.stderr)


def test_output_json_of_a_run_with_rejects_says_why_and_exits_1(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email,properties.n\na@example.com,1\nnot-an-email,2\n")
    result = _import(sandbox, source, "--output", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert (document["created"], document["rejected"], document["exit_code"]) == (1, 1, 1)
    assert document["rejects"] == str(tmp_path / "people.csv.rejects.csv")
    assert document["error"] == {
        "message": f"1 rows failed; see {tmp_path / 'people.csv.rejects.csv'}",
        "exit_code": 1,
    }


def test_output_json_of_a_refusal_before_sending_is_the_error_document(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email,Phone\na@example.com,+1\n")
    result = _import(sandbox, source, "--output", "json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert list(document) == ["error"] and document["error"]["exit_code"] == 2
    assert "column 'Phone' is not a profile field" in document["error"]["message"]
    assert result.stderr == ""
    assert sandbox.requests() == []


# ---- --nulls


def test_nulls_omit_keeps_stored_values_and_lets_rows_go_in_jobs(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    sandbox.set_jobs(queue_delay=0.0)
    emails = [f"n{number}@example.com" for number in range(120)]
    first = tmp_path / "first.csv"
    first.write_text("email,first_name\n" + "".join(f"{e},Keep\n" for e in emails))
    assert _import(sandbox, first, "--via", "single").exit_code == 0
    lines = [
        json.dumps({"email": e, "first_name": None, "last_name": "L", "location": {"zip": None}})
        for e in emails
    ]
    source = tmp_path / "feed.jsonl"
    source.write_text("\n".join(lines) + "\n")
    singles = len(_posts(sandbox, SINGLE_PATH))
    result = _import(sandbox, source, "--nulls", "omit")
    assert result.exit_code == 0, result.output
    assert len(_posts(sandbox, SINGLE_PATH)) == singles  # no row fell to the single path
    assert len(_posts(sandbox, JOBS_PATH)) == 1
    stored = _stored(sandbox)
    assert all(stored[e]["first_name"] == "Keep" and stored[e]["last_name"] == "L" for e in emails)
    # The default clears, one by one.
    cleared = _import(sandbox, source, "--journal", str(tmp_path / "j2.sqlite"))
    assert cleared.exit_code == 0, cleared.output
    assert len(_posts(sandbox, SINGLE_PATH)) == singles + 120
    assert all(attributes["first_name"] is None for attributes in _stored(sandbox).values())


def test_nulls_omit_leaves_out_a_null_token_cell_like_an_empty_one(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email,first_name,last_name\na@example.com,NULL,Lovelace\n")
    result = _import(sandbox, source, "--null-token", "NULL", "--nulls", "omit")
    assert result.exit_code == 0, result.output
    (sent,) = _posts(sandbox, SINGLE_PATH)
    assert sent["body"]["data"]["attributes"] == {"email": "a@example.com", "last_name": "Lovelace"}


def test_nulls_omit_leaves_out_nulls_inside_a_cell_of_json_too(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    first = tmp_path / "first.csv"
    first.write_text("email,properties.b,location.city\na@example.com,kept,London\n")
    assert _import(sandbox, first).exit_code == 0
    source = tmp_path / "objects.csv"
    source.write_text(
        'email,properties,location\na@example.com,"{""b"": null, ""c"": 1}","{""city"": null}"\n'
    )
    result = _import(sandbox, source, "--nulls", "omit")
    assert result.exit_code == 0, result.output
    sent = _posts(sandbox, SINGLE_PATH)[-1]["body"]["data"]["attributes"]
    assert sent == {"email": "a@example.com", "properties": {"c": 1}}  # the emptied one goes
    stored = _stored(sandbox)["a@example.com"]
    assert stored["properties"] == {"b": "kept", "c": 1}  # before: b and the city cleared
    assert stored["location"]["city"] == "London"


# ---- how a run ends


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP])
def test_a_run_stopped_by_sigterm_or_sighup_ends_as_after_ctrl_c(
    stop: signal.Signals, sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "p.csv"
    source.write_text("email\n" + "".join(f"s{n}@example.com\n" for n in range(1000)))
    journal = tmp_path / "p.csv.journal.sqlite"
    args = ["import", str(source), "--base-url", sandbox.base_url, *FAST, "--output", "json",
            "--via", "single", "--concurrency", "1"]  # fmt: skip
    # Whatever this test run ignores (nohup ignores SIGHUP), the command starts with the
    # default handling of both signals, as from a shell.
    code = (
        "import runpy, signal, sys; signal.signal(signal.SIGHUP, signal.SIG_DFL); "
        "signal.signal(signal.SIGTERM, signal.SIG_DFL); sys.argv = ['klaviyo-profiles', "
        f"*{args!r}]; runpy.run_module('klaviyo_profiles.cli', run_name='__main__')"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while len(journal_rows(journal)) < 20:
            assert process.poll() is None, "the import ended before it could be stopped"
            assert time.monotonic() < deadline, "the import made no progress"
            time.sleep(0.02)
        process.send_signal(stop)
        stdout, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    # Before: killed by the signal (-15, -1), nothing on stdout, the WAL files left.
    assert process.returncode == 128 + stop
    (line,) = stdout.splitlines()
    document = json.loads(line)
    assert document["exit_code"] == 128 + stop
    assert document["error"] == {
        "message": f"stopped by {stop.name}; run the same command again to resume",
        "exit_code": 128 + stop,
    }
    # The journal closed (its WAL files gone), before this test reads it again.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["p.csv", journal.name]
    done = document["created"]
    assert 20 <= done < 1000 and len(journal_rows(journal)) == done
    resumed = json.loads(_import(sandbox, source, "--output", "json", "--via", "single").stdout)
    assert (resumed["skipped"], resumed["exit_code"]) == (done, 0)


def test_rows_of_a_job_a_resumed_run_polled_to_its_end_count_as_imported(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    sandbox.set_jobs(queue_delay=600.0)  # the job stays queued past the first run
    source = tmp_path / "p.csv"
    source.write_text("email,first_name\n" + "".join(f"r{n}@example.com,R\n" for n in range(150)))
    stopped = _import(sandbox, source, "--job-timeout", "1", "--output", "json")
    assert stopped.exit_code == 1
    assert json.loads(stopped.stdout)["error"]["message"].startswith("stopped: ")
    db = sqlite3.connect(tmp_path / "p.csv.journal.sqlite")
    assert [state for (state,) in db.execute("SELECT state FROM jobs")] == ["running"]
    db.close()
    sandbox.finish_jobs()
    resumed = _import(sandbox, source, "--output", "json")
    assert resumed.exit_code == 0, resumed.output
    document = json.loads(resumed.stdout)
    assert (document["imported"], document["skipped"]) == (150, 0)
    assert len(_posts(sandbox, JOBS_PATH)) == 1  # polled, never submitted again
    again = json.loads(_import(sandbox, source, "--output", "json").stdout)
    assert (again["imported"], again["skipped"]) == (0, 150)  # done by an earlier run


def test_the_last_progress_line_is_printed_once_when_piped(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "PLAIN_LINE_INTERVAL", 0.0)  # a line at every update
    source = tmp_path / "p.csv"
    source.write_text("email\n" + "".join(f"p{n}@example.com\n" for n in range(5)))
    result = _import(sandbox, source, "--concurrency", "1")
    assert result.exit_code == 0, result.output
    finals = [line for line in result.stdout.splitlines() if line.startswith("rows 5/5 ")]
    assert len(finals) == 1, result.stdout


def test_a_run_leaves_the_journal_alone_beside_its_input_and_removes_no_other_file(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "p.csv"
    source.write_text("email\na@example.com\nnot-an-email\n")
    # Not this run's: before, a run locked a file of that name and removed it when it ended,
    # another run's lock file included.
    foreign = tmp_path / "p.csv.journal.sqlite.lock"
    foreign.write_text("another program's file")
    for expected in (1, 1):  # a run with a reject, then a resumed run
        assert _import(sandbox, source).exit_code == expected
    source.write_text("email\na@example.com\n")
    assert _import(sandbox, source).exit_code == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "p.csv",
        "p.csv.journal.sqlite",
        "p.csv.journal.sqlite.lock",
    ]
    assert foreign.read_text() == "another program's file"


def test_a_journal_replaced_while_it_is_being_locked_is_locked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = ImportSettings(path=tmp_path / "p.csv", fmt="csv", api_key="unused")
    journal = settings.journal_file
    journal.write_bytes(b"")
    try_lock = file_lock._try_lock
    calls = 0

    def lock_as_the_journal_is_replaced(descriptor: int) -> None:
        nonlocal calls
        try_lock(descriptor)
        calls += 1
        if calls == 1:  # another file took the journal's name after this one was opened
            replacement = tmp_path / "replacement"
            replacement.write_bytes(b"")
            os.replace(replacement, journal)

    monkeypatch.setattr(file_lock, "_try_lock", lock_as_the_journal_is_replaced)
    held = lock_journal(settings)
    monkeypatch.undo()
    try:
        assert calls == 2
        assert os.path.samestat(os.fstat(held.descriptor), journal.stat())
        # The lock held is on the file the path names, so it keeps a second import out.
        with pytest.raises(PreflightError, match="is in use by"):
            lock_journal(settings)
    finally:
        unlock_journal(held)
    assert journal.exists()  # not created by the lock: never removed by it
    unlock_journal(lock_journal(settings))  # free again


def test_an_empty_journal_the_lock_created_is_removed_with_the_lock(tmp_path: Path) -> None:
    settings = ImportSettings(path=tmp_path / "p.csv", fmt="csv", api_key="unused")
    held = lock_journal(settings)
    assert settings.journal_file.stat().st_size == 0
    unlock_journal(held)  # the run stopped before the journal was written
    assert list(tmp_path.iterdir()) == []
