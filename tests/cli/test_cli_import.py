"""``klaviyo-profiles import``: mapping, null tokens, rejects, the journal and progress."""

from __future__ import annotations

import collections
import io
import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cli_helpers import invoke, no_secret, run_cli
from cli_people import read_reject_rows, write_people
from klaviyo_profiles.cli.importer import (
    HeaderError,
    ImportSummary,
    Reporter,
    RowMapper,
    detect_format,
)
from klaviyo_profiles.cli.journal import JOURNAL_APPLICATION_ID, Journal, JournalError, row_hash
from klaviyo_profiles.errors import InvalidInputError
from klaviyo_profiles.sandbox import Sandbox, SandboxConfig
from rich.console import Console


def _by_email(sandbox: Sandbox) -> dict[str, dict[str, object]]:
    return {p["attributes"]["email"]: p["attributes"] for p in sandbox.profiles()}


def _sent_emails(sandbox: Sandbox) -> collections.Counter[str]:
    counts: collections.Counter[str] = collections.Counter()
    for entry in sandbox.requests():
        body = entry["body"]
        if isinstance(body, dict):
            counts[body["data"]["attributes"].get("email")] += 1
    return counts


# ---- the pieces


def test_row_mapper_empty_keeps_token_clears_and_names_map() -> None:
    mapper = RowMapper({"Mail": "email", "Plan": "properties.plan", "notes": ""}, "NULL")
    body = mapper.body(
        {
            "Mail": "a@example.com",
            "first_name": "",  # empty: left out
            "last_name": "NULL",  # the token: null
            "location_city": "Paris",
            "location.zip": "01234",  # text stays text
            "_kx": "abc",
            "Plan": "pro",
            "notes": "ignored",
        }
    )
    assert body["data"]["attributes"] == {
        "email": "a@example.com",
        "last_name": None,
        "location": {"city": "Paris", "zip": "01234"},
        "_kx": "abc",
        "properties": {"plan": "pro"},
    }


def test_row_mapper_json_records_nest_and_keep_types() -> None:
    mapper = RowMapper({}, None)
    body = mapper.body(
        {
            "email": "b@example.com",
            "title": None,
            "location": {"city": "Oslo", "region": None},
            "properties.score": 3,
        }
    )
    assert body["data"]["attributes"] == {
        "email": "b@example.com",
        "title": None,
        "location": {"city": "Oslo", "region": None},
        "properties": {"score": 3},
    }
    # Unknown keys of a JSON record reject the row (types are checked by the client).
    with pytest.raises(InvalidInputError, match="first_name"):
        mapper.body({"email": "c@example.com", "frist_name": "Typo"})


def test_journal_records_and_notices_changed_rows(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        first = row_hash("settings", '["a@example.com"]')
        journal.record(1, first, "created", http_status=201, profile_id="01X")
        journal.record(2, row_hash("settings", "x"), "rejected", error="bad", original="x")
        assert journal.status(1, first) == "created"
        # The row's content changed: its old outcome no longer counts.
        assert journal.status(1, row_hash("settings", '["b@example.com"]')) is None
        # Other settings: every row is new.
        assert journal.status(1, row_hash("other", '["a@example.com"]')) is None
        assert [e.row for e in journal.entries({"rejected"})] == [2]
        journal.forget_after(1)
        assert journal.count({"rejected", "created"}) == 1
    mode = sqlite3.connect(tmp_path / "j.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_progress_bar_on_a_terminal_and_lines_elsewhere() -> None:
    summary = ImportSummary(total=10, processed=10, created=7, updated=2, rejected=1)
    terminal = io.StringIO()
    with Reporter(Console(file=terminal, force_terminal=True, width=160), total=10) as reporter:
        reporter.update(summary)
    shown = terminal.getvalue()
    assert "━" in shown and "10/10" in shown
    assert "7 created" in shown and "2 updated" in shown and "1 failed" in shown
    pipe = io.StringIO()
    reporter = Reporter(Console(file=pipe, force_terminal=False), total=10, interval=0)
    with reporter:
        reporter.update(summary)
    line = pipe.getvalue()
    assert line.startswith("rows 10/10 (100%)  created 7  updated 2  failed 1")
    assert "\x1b[" not in line and "━" not in line


# ---- the command


def test_small_import_in_process_then_resume_sends_nothing(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "crm.csv"
    source.write_text(
        "Mail,first_name,last_name,location_city,Plan\n"
        "a@example.com,Ada,Lovelace,London,pro\n"
        "b@example.com,Bob,,Paris,-\n"
        "broken-email,Eve,X,Rome,pro\n"
        "c@example.com,Cy,-,,free\n"
    )
    mapping = ["--map", "Mail=email", "--map", "Plan=properties.plan", "--null-token", "-"]
    args = ["import", str(source), "--base-url", sandbox.base_url, "--no-pacing", *mapping]
    first = invoke(args)
    assert first.exit_code == 1, first.output
    assert "3 created" in first.stdout and "1 rejected" in first.stdout
    stored = _by_email(sandbox)
    assert set(stored) == {"a@example.com", "b@example.com", "c@example.com"}
    assert stored["b@example.com"]["properties"] == {"plan": None}  # the token: null
    sent = {e["body"]["data"]["attributes"]["email"]: e["body"] for e in sandbox.requests()}
    assert "last_name" not in sent["b@example.com"]["data"]["attributes"]  # empty: left out
    assert sent["c@example.com"]["data"]["attributes"]["last_name"] is None
    assert read_reject_rows(tmp_path / "crm.csv.rejects.csv") == [3]
    assert "broken-email" in (tmp_path / "crm.csv.rejects.csv").read_text()
    assert first.stderr.startswith("error: 1 rows failed")

    before = len(sandbox.requests())
    again = invoke(args)
    assert again.exit_code == 1
    assert "4 skipped" in again.stdout
    assert len(sandbox.requests()) == before  # nothing sent twice
    assert read_reject_rows(tmp_path / "crm.csv.rejects.csv") == [3]  # still listed, once

    # Fixing the bad row changes its hash: only that row is sent.
    source.write_text(source.read_text().replace("broken-email", "eve@example.com"))
    fixed = invoke(args)
    assert fixed.exit_code == 0, fixed.output
    assert len(sandbox.requests()) == before + 1
    assert not (tmp_path / "crm.csv.rejects.csv").exists()
    no_secret(first.output, again.output, fixed.output)


def test_unknown_column_stops_before_sending(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "typo.csv"
    source.write_text("email,frist_name\na@example.com,Ada\n")
    result = invoke(["import", str(source), "--base-url", sandbox.base_url])
    assert result.exit_code == 2
    assert "column 'frist_name'" in result.stderr and "did you mean 'first_name'" in result.stderr
    assert "--map 'frist_name=" in result.stderr
    assert sandbox.requests() == []
    assert not (tmp_path / "typo.csv.journal.sqlite").exists()


def test_json_lines_with_bad_lines(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    lines = [
        json.dumps({"email": "j1@example.com", "location": {"city": "Oslo"}, "title": None}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"email": "j2@example.com", "frist_name": "Typo"}),
        "",
        json.dumps({"email": "j3@example.com", "properties.level": 7}),
        json.dumps({"data": {"type": "profile", "attributes": {"email": "j4@example.com"}}}),
    ]
    source = tmp_path / "people.jsonl"
    source.write_text("\n".join(lines) + "\n")
    result = invoke(["import", str(source), "--base-url", sandbox.base_url, "--no-pacing"])
    assert result.exit_code == 1
    stored = _by_email(sandbox)
    assert set(stored) == {"j1@example.com", "j3@example.com", "j4@example.com"}
    assert stored["j3@example.com"]["properties"] == {"level": 7}
    reject_text = (tmp_path / "people.jsonl.rejects.jsonl").read_text()
    rejects = [json.loads(line) for line in reject_text.splitlines()]
    assert [r["row"] for r in rejects] == [2, 3, 4]
    assert "not valid JSON" in rejects[0]["error"] and rejects[0]["line"] == "{not json"
    assert "frist_name" in rejects[2]["error"] and "first_name" in rejects[2]["error"]


def test_refused_key_stops_the_import_and_journals_nothing(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    people = write_people(tmp_path / "few.csv", 30)
    config = SandboxConfig(api_keys={"pk_only_this_one_is_valid_000": ("profiles:write",)})
    with Sandbox(config) as strict:
        result = run_cli(["import", str(people.path), "--base-url", strict.base_url], cli_env)
    assert result.returncode == 1
    assert "stopped: 401" in result.stderr and "Traceback" not in result.stderr
    with Journal(tmp_path / "few.csv.journal.sqlite") as journal:
        assert journal.count({"created", "updated", "rejected", "failed"}) == 0
    no_secret(result.stdout, result.stderr)


def test_import_5000_rows_with_one_percent_bad(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    people = write_people(tmp_path / "contacts.csv", 5000)
    assert len(people.bad) == 50
    # One by one (bulk import jobs: test_import_bulk.py).
    result = run_cli(
        ["import", str(people.path), "--base-url", sandbox.base_url, "--no-pacing",
         "--via", "single"],
        cli_env,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    # Every good row landed exactly once; bad rows sent once (400) or not at all.
    sent = _sent_emails(sandbox)
    for email in people.good.values():
        assert sent[email] == 1, email
    assert all(count == 1 for count in sent.values())
    stored = _by_email(sandbox)
    assert set(stored) == set(people.good.values())
    assert stored["person000002@example.com"]["location"]["city"] == "Paris"  # type: ignore[index]
    # The reject file lists exactly the bad rows, each once, with its reason.
    assert read_reject_rows(tmp_path / "contacts.csv.rejects.csv") == sorted(people.bad)
    assert "4950 created" in result.stdout and "50 rejected" in result.stdout
    # Not a terminal: plain progress lines, no bar, no colour codes.
    assert "rows 5000/5000 (100%)" in result.stdout
    assert "\x1b[" not in result.stdout and "━" not in result.stdout
    assert result.stderr.startswith("error: 50 rows failed")
    no_secret(result.stdout, result.stderr)


def test_import_help_states_the_job_size_of_the_generated_facts() -> None:
    # A revision stating another limit: the help follows the facts with no edit of the CLI.
    code = textwrap.dedent(
        """
        import sys
        from klaviyo_profile_import import facts
        operation = facts.OPERATIONS["bulk_import_profiles"]
        facts.OPERATIONS["bulk_import_profiles"] = operation._replace(item_limit=2500)
        from klaviyo_profiles.cli import app
        app(["import", "--help"], prog_name="klaviyo-profiles")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "bulk import jobs (2,500 a request)" in text
    assert "10,000" not in text


def test_format_from_the_file_name(tmp_path: Path) -> None:
    assert detect_format(Path("a.csv"), None) == "csv"
    assert detect_format(Path("a.jsonl"), None) == "jsonl"
    assert detect_format(Path("a.export"), "jsonl") == "jsonl"
    with pytest.raises(HeaderError, match="JSON Lines"):
        detect_format(Path("a.json"), None)


def test_journal_of_schema_1_is_upgraded_and_keeps_its_outcomes(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:  # the layout the first release wrote
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        db.execute(
            "CREATE TABLE rows (row INTEGER PRIMARY KEY, hash TEXT NOT NULL, status TEXT NOT NULL, "
            "http_status INTEGER, profile_id TEXT, error TEXT, original TEXT, attempts INTEGER, "
            "finished REAL NOT NULL)"
        )
        db.execute("INSERT INTO rows VALUES (1, 'h1', 'rejected', 400, NULL, 'bad', 'x', 1, 0)")
    db.close()
    with Journal(path) as journal:
        assert journal.status(1, "h1") == "rejected"
        assert [entry.row for entry in journal.entries({"rejected"}, current=True)] == [1]
    db = sqlite3.connect(path)
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("5",)
    # Marked as a journal now, as every journal this version creates or upgrades.
    assert db.execute("PRAGMA application_id").fetchone() == (JOURNAL_APPLICATION_ID,)
    db.close()


def test_a_journal_cut_short_while_being_created_is_completed_and_no_other_is(
    tmp_path: Path,
) -> None:
    cut_short = tmp_path / "cut.sqlite"
    with sqlite3.connect(cut_short) as db:  # marked, then the process died
        db.execute(f"PRAGMA application_id = {JOURNAL_APPLICATION_ID}")
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    db.close()
    with Journal(cut_short) as journal:
        journal.record(1, "h1", "created")
    holding = tmp_path / "holding.sqlite"
    with sqlite3.connect(holding) as db:  # marked, holding rows, but no schema version
        db.execute(f"PRAGMA application_id = {JOURNAL_APPLICATION_ID}")
        db.execute("CREATE TABLE notes (text TEXT)")
        db.execute("INSERT INTO notes VALUES ('kept')")
    db.close()
    with pytest.raises(JournalError, match="whose schema cannot be read"):
        Journal(holding)


def test_journal_counts_only_rows_checked_against_a_replaced_input(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        assert journal.check_input("file A") is False  # a new journal: nothing to compare
        journal.record(1, "h1", "rejected", error="bad", original="x")
        journal.record(2, "h2", "rejected", error="bad", original="y")
    with Journal(tmp_path / "j.sqlite") as journal:
        assert journal.check_input("file A") is False  # the same file: outcomes all count
        assert [e.row for e in journal.entries({"rejected"}, current=True)] == [1, 2]
    with Journal(tmp_path / "j.sqlite") as journal:
        assert journal.check_input("file B") is True
        journal.touch(2)  # this run met row 2 unchanged; row 1 it never reached
        assert [e.row for e in journal.entries({"rejected"}, current=True)] == [2]
        assert journal.status(1, "h1") == "rejected"  # still known, if row 1 comes back


def test_journal_links_identifiers_named_together_into_one_group(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        by_email = journal.link_identities(["email\x00a@example.com"])
        by_phone = journal.link_identities(["phone_number\x0015550100000"])
        assert by_email != by_phone  # nothing links them yet
        linked = journal.link_identities(["email\x00a@example.com", "phone_number\x0015550100000"])
        assert linked == sorted(by_email + by_phone)  # both groups, now merged into one
        merged = journal.link_identities(["phone_number\x0015550100000"])
        assert merged == journal.link_identities(["email\x00a@example.com"]) == [min(linked)]
        assert journal.link_identities(["external_id\x00other"]) not in (merged, linked)
