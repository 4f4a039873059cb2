"""``klaviyo-profiles import --via auto|bulk|single``: bulk import jobs beside single requests.

Against the sandbox over loopback: which rows go in jobs and which one by one, nulls applied by
the single path, repeated profiles in file order across both paths, import errors in the
reject file, the journal's jobs (schema 3, and journals of schema 2), and a SIGKILL while jobs
are in flight followed by a re-run that polls them instead of sending them again.
"""

from __future__ import annotations

import collections
import csv
import io
import json
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import SECRET_KEY, invoke, no_secret, run_cli
from cli_people import read_reject_rows, write_people
from journal_reader import jobs as _journal_jobs
from journal_reader import row_details as _rows
from klaviyo_profiles.cli.importer import SMALL_FILE_ROWS, ImportSummary, Reporter, use_bulk
from klaviyo_profiles.cli.journal import JOURNAL_APPLICATION_ID, Journal
from klaviyo_profiles.sandbox import RateLimitConfig, Sandbox, SandboxConfig
from klaviyo_profiles.sandbox.config import BULK_OPERATIONS, BulkJobConfig
from process_helpers import kill_when, start_module
from rich.console import Console

JOBS_PATH = "/api/profile-bulk-import-jobs"
SINGLE_PATH = "/api/profile-import"
#: Quick polls: the sandbox's jobs finish in a fraction of a second unless slowed down.
FAST = ["--no-pacing", "--poll-interval", "0.05"]


@pytest.fixture(scope="module")
def module_bulk_sandbox() -> Iterator[Sandbox]:
    """A sandbox with no rate limits on any operation and jobs that start at once."""
    off = RateLimitConfig(enabled=False)
    config = SandboxConfig(
        rate_limits=off,
        operation_rate_limits={name: off for name in BULK_OPERATIONS},
        jobs=BulkJobConfig(queue_delay=0.0, profiles_per_second=20_000.0, concurrency=4),
        request_log_size=100_000,
    )
    with Sandbox(config) as sb:
        yield sb


@pytest.fixture
def bulk_sandbox(module_bulk_sandbox: Sandbox) -> Sandbox:
    """The module's sandbox, emptied and back to its starting configuration."""
    module_bulk_sandbox.reset()
    return module_bulk_sandbox


def _job_posts(sandbox: Sandbox, since: int = 0) -> list[dict[str, Any]]:
    """Requests that asked for a new job (whatever the answer)."""
    return [
        entry
        for entry in sandbox.requests()[since:]
        if entry["method"] == "POST" and entry["path"] == JOBS_PATH
    ]


def _job_emails(entry: dict[str, Any]) -> list[str]:
    profiles = entry["body"]["data"]["attributes"]["profiles"]["data"]
    return [profile["attributes"].get("email") for profile in profiles]


def _single_emails(sandbox: Sandbox, since: int = 0) -> list[str]:
    return [
        entry["body"]["data"]["attributes"].get("email")
        for entry in sandbox.requests()[since:]
        if entry["method"] == "POST"
        and entry["path"] == SINGLE_PATH
        and isinstance(entry["body"], dict)
    ]


def _profiles(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {p["attributes"]["email"]: p["attributes"] for p in sandbox.profiles()}


def _write(path: Path, rows: list[list[str]], header: list[str] | None = None) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header or ["email", "first_name", "last_name"])
        writer.writerows(rows)
    return path


# ---- the pieces


def test_small_files_go_single_under_auto_and_bulk_forces_jobs() -> None:
    assert use_bulk("auto", SMALL_FILE_ROWS) and not use_bulk("auto", SMALL_FILE_ROWS - 1)
    assert use_bulk("bulk", 1) and not use_bulk("single", 10**6)


def test_progress_line_shows_rows_submitted_and_jobs_running() -> None:
    summary = ImportSummary(total=100, processed=40, imported=40, bulk=True)
    summary.submitted, summary.jobs_running = 90, 2
    pipe = io.StringIO()
    with Reporter(
        Console(file=pipe, force_terminal=False, width=200), total=100, interval=0
    ) as reporter:
        reporter.update(summary)
    line = pipe.getvalue()
    assert line.startswith("rows 40/100 (40%)")  # rows confirmed
    assert "imported 40  submitted 90  jobs running 2" in line
    terminal = io.StringIO()
    console = Console(file=terminal, force_terminal=True, width=200)
    with Reporter(console, total=100) as reporter:
        reporter.update(summary)
    shown = terminal.getvalue()
    assert "90 submitted" in shown and "2 jobs running" in shown and "40 imported" in shown


def test_journal_records_a_job_with_its_rows_then_each_outcome_once(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        a = journal.begin_job([(1, "h1", '["a"]'), (2, "h2", '["b"]'), (4, "h4", '["d"]')])
        journal.record_job(a, "job-a")
        journal.record_job(journal.begin_job([(3, "h3", '["c"]')]), "job-b")
        assert journal.running_jobs() == ["job-a", "job-b"]
        assert [r.row for r in journal.job_rows("job-a")] == [1, 2, 4]
        assert journal.status(1, "h1") is None  # no outcome until the job completes
        counts = journal.finish_job("job-a", "complete", errors={1: "invalid: bad email"})
        assert counts == {"imported": 2, "rejected": 1}
        # A second finish (a resumed run reading it again) records nothing more.
        assert journal.finish_job("job-a", "complete", errors={}) == {}
        assert journal.status(1, "h1") == "imported" and journal.status(2, "h2") == "rejected"
        rejected = list(journal.entries({"rejected"}))
        assert [(e.row, e.error, e.original) for e in rejected] == [
            (2, "invalid: bad email", '["b"]')
        ]
        journal.finish_job("job-b", "cancelled", errors={}, default=("failed", "cancelled"))
        assert journal.status(3, "h3") == "failed"
        assert journal.running_jobs() == []
    db = sqlite3.connect(tmp_path / "j.sqlite")
    assert dict(db.execute("SELECT row, job_id FROM rows")) == {
        1: "job-a",
        2: "job-a",
        4: "job-a",
        3: "job-b",
    }
    # The rows' copies kept for the reject file are dropped once their outcomes are recorded.
    assert db.execute("SELECT COUNT(*) FROM job_rows WHERE original IS NOT NULL").fetchone() == (0,)
    assert db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("5",)


def test_journal_intent_is_starting_before_the_request_then_running_dropped_or_unsure(
    tmp_path: Path,
) -> None:
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        accepted = journal.begin_job([(1, "h1", '["a"]'), (2, "h2", '["b"]')])
        # Committed before the request: a crash now leaves rows whose job may exist.
        assert _journal_jobs(path) == {accepted: "starting"}
        assert journal.doubtful_rows() == {1, 2} and journal.running_jobs() == []
        journal.record_job(accepted, "job-1")  # the 202: the id replaces the intent at once
        assert _journal_jobs(path) == {"job-1": "running"}
        assert [r.row for r in journal.job_rows("job-1")] == [1, 2]
        assert journal.doubtful_rows() == set() and journal.running_jobs() == ["job-1"]
        with pytest.raises(sqlite3.IntegrityError):
            journal.record_job(accepted, "job-again")  # an intent becomes one job only

        refused = journal.begin_job([(3, "h3", '["c"]')])
        journal.drop_intent(refused)  # a 400/413/429 or no connection: no job exists
        assert refused not in _journal_jobs(path) and journal.job_rows(refused) == []
        assert journal.doubtful_rows() == set()

        unsure = journal.begin_job([(4, "h4", '["d"]'), (5, "h5", '["e"]')])
        journal.doubt_intent(unsure)  # a timeout or a 5xx after sending
        crashed = journal.begin_job([(6, "h6", '["f"]')])  # the process dies here
    with Journal(path) as journal:
        jobs = _journal_jobs(path)
        assert jobs[unsure] == "unsure" and jobs[crashed] == "starting"
        # Both may exist at the server: their rows go one by one, never in a job.
        assert journal.doubtful_rows() == {4, 5, 6}
        assert journal.running_jobs() == ["job-1"]


def _downgrade_to_schema_2(path: Path) -> None:
    """Make a journal look as the version that wrote schema 2 wrote it (no jobs, no
    rows.job_id, no rows.sync, no journal mark)."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA application_id = 0")
    db.execute("DROP TABLE jobs")
    db.execute("DROP TABLE job_rows")
    for column in ("job_id", "sync", "synced"):
        db.execute(f"ALTER TABLE rows DROP COLUMN {column}")
    db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    db.commit()
    db.close()


def test_journal_of_schema_2_is_migrated_and_its_outcomes_resume(
    bulk_sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    people = write_people(tmp_path / "people.csv", 150)
    first = invoke(["import", str(people.path), "--base-url", bulk_sandbox.base_url,
                    "--via", "single", *FAST])  # fmt: skip
    assert first.exit_code == 1  # the file's bad rows
    journal = tmp_path / "people.csv.journal.sqlite"
    before = _rows(journal)
    _downgrade_to_schema_2(journal)
    bulk_sandbox.reset()

    again = invoke(["import", str(people.path), "--base-url", bulk_sandbox.base_url,
                    "--via", "auto", *FAST])  # fmt: skip
    assert again.exit_code == 1, again.stderr
    # Rows done or rejected for good by the first run are skipped: nothing is sent again.
    assert f"{len(before)} skipped" in again.stdout
    assert _job_posts(bulk_sandbox) == [] and _single_emails(bulk_sandbox) == []
    after = _rows(journal)
    assert {row: r["status"] for row, r in after.items()} == {
        row: r["status"] for row, r in before.items()
    }
    db = sqlite3.connect(journal)
    assert db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("5",)
    assert db.execute("SELECT COUNT(*) FROM jobs").fetchone() == (0,)
    assert db.execute("PRAGMA application_id").fetchone() == (JOURNAL_APPLICATION_ID,)


def test_journal_of_a_newer_schema_is_refused_and_left_alone(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = _write(tmp_path / "p.csv", [["a@example.com", "A", "B"]])
    journal = tmp_path / "p.csv.journal.sqlite"
    Journal(journal).close()
    db = sqlite3.connect(journal)
    db.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    result = invoke(["import", str(path), "--base-url", "http://127.0.0.1:9", *FAST])
    assert result.exit_code == 2
    assert "newer klaviyo-profiles (journal schema 6, this one reads 5)" in result.stderr


# ---- routing


def test_rows_go_in_jobs_and_rows_with_a_null_go_single_and_clear(
    bulk_sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    rows = 300
    emails = [f"p{n:04d}@example.com" for n in range(1, rows + 1)]
    seed = _write(tmp_path / "seed.csv", [[e, "First", "Old"] for e in emails])
    seeded = invoke(["import", str(seed), "--base-url", bulk_sandbox.base_url, *FAST])
    assert seeded.exit_code == 0, seeded.stderr
    assert all(p["last_name"] == "Old" for p in _profiles(bulk_sandbox).values())
    assert len(_job_posts(bulk_sandbox)) == 1 and _single_emails(bulk_sandbox) == []

    clearing = {e for n, e in enumerate(emails, start=1) if n % 20 == 0}
    update = _write(
        tmp_path / "update.csv",
        [[e, "New", "NULL" if e in clearing else ""] for e in emails],
    )
    seen = len(bulk_sandbox.requests())  # the second run's requests come after
    result = invoke(["import", str(update), "--base-url", bulk_sandbox.base_url,
                     "--null-token", "NULL", "--job-size", "100", *FAST])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert (
        "15 updated" in result.stdout and "285 imported in bulk jobs (3 started)" in result.stdout
    )

    # Rows with a null went one by one, and only they; the rest in jobs, once each.
    assert sorted(_single_emails(bulk_sandbox, seen)) == sorted(clearing)
    posts = _job_posts(bulk_sandbox, seen)
    in_jobs = [email for entry in posts for email in _job_emails(entry)]
    assert sorted(in_jobs) == sorted(set(emails) - clearing)
    assert len(posts) == 3 and all(len(_job_emails(entry)) <= 100 for entry in posts)
    profiles = _profiles(bulk_sandbox)
    for email in emails:
        assert profiles[email]["first_name"] == "New"
        # The single path cleared; a job would have left "Old" in place.
        expected = None if email in clearing else "Old"
        assert profiles[email].get("last_name") == expected, email
    statuses = collections.Counter(
        r["status"] for r in _rows(tmp_path / "update.csv.journal.sqlite").values()
    )
    assert statuses == {"imported": 285, "updated": 15}


def test_small_file_goes_single_under_auto_and_in_a_job_with_bulk(
    bulk_sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    small = _write(tmp_path / "small.csv", [[f"s{n}@example.com", "S", ""] for n in range(10)])
    auto = invoke(["import", str(small), "--base-url", bulk_sandbox.base_url, *FAST])
    assert auto.exit_code == 0, auto.stderr
    assert _job_posts(bulk_sandbox) == [] and len(_single_emails(bulk_sandbox)) == 10

    bulk_sandbox.reset()
    forced = invoke(["import", str(small), "--base-url", bulk_sandbox.base_url, "--via", "bulk",
                     "--journal", str(tmp_path / "other.sqlite"), *FAST])  # fmt: skip
    assert forced.exit_code == 0, forced.stderr
    assert len(_job_posts(bulk_sandbox)) == 1 and _single_emails(bulk_sandbox) == []
    assert "10 imported in bulk jobs (1 started)" in forced.stdout


def test_via_single_never_starts_a_job(
    bulk_sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = _write(tmp_path / "p.csv", [[f"v{n}@example.com", "V", ""] for n in range(150)])
    result = invoke(["import", str(path), "--base-url", bulk_sandbox.base_url,
                     "--via", "single", *FAST])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert _job_posts(bulk_sandbox) == [] and len(_single_emails(bulk_sandbox)) == 150


def test_via_takes_only_auto_bulk_or_single(tmp_path: Path, cli_env: dict[str, str]) -> None:
    path = _write(tmp_path / "p.csv", [["a@example.com", "A", ""]])
    result = invoke(["import", str(path), "--via", "fast"])
    assert (
        result.exit_code == 2 and "'fast' is not one of 'auto', 'bulk', 'single'" in result.stderr
    )


def test_repeated_profiles_keep_file_order_across_jobs_and_single_requests(
    bulk_sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # A job that waits before it runs: a repeat sent one by one before the job completed
    # would be overwritten by the job's older row, and the test would see it.
    bulk_sandbox.set_jobs(queue_delay=0.3, profiles_per_second=2000.0)
    rows: list[list[str]] = [[f"o{n:04d}@example.com", f"Only{n}", ""] for n in range(1, 301)]
    repeats = {5: "v1", 60: "v2", 61: "v3", 250: "v4", 300: "v5"}
    for number, value in repeats.items():
        rows[number - 1] = ["Rep@Example.com" if number % 2 else "rep@example.com", value, ""]
    # One row names the profile by email and phone; a later one by the phone alone.
    rows[99] = ["both@example.com", "b1", "+15005550100"]
    rows[199] = ["", "b2", "+15005550100"]
    path = _write(tmp_path / "p.csv", rows, ["email", "first_name", "phone_number"])
    result = invoke(["import", str(path), "--base-url", bulk_sandbox.base_url,
                     "--job-size", "80", *FAST])  # fmt: skip
    assert result.exit_code == 0, result.stderr

    profiles = _profiles(bulk_sandbox)
    assert profiles["rep@example.com"]["first_name"] == "v5"  # the file's last row wins
    assert profiles["both@example.com"]["first_name"] == "b2"
    # The first row of the profile went in a job; each repeat one by one, in file order.
    in_jobs = [email for entry in _job_posts(bulk_sandbox) for email in _job_emails(entry)]
    assert [e for e in in_jobs if e and e.lower() == "rep@example.com"] == ["Rep@Example.com"]
    single = [
        entry["body"]["data"]["attributes"]
        for entry in bulk_sandbox.requests()
        if entry["path"] == SINGLE_PATH and isinstance(entry["body"], dict)
    ]
    assert [a["first_name"] for a in single if a.get("email", "").lower() == "rep@example.com"] == [
        "v2",
        "v3",
        "v4",
        "v5",
    ]
    assert [a["first_name"] for a in single if a.get("phone_number")] == ["b2"]
    journal = _rows(tmp_path / "p.csv.journal.sqlite")
    assert journal[5]["job_id"] is not None and journal[300]["job_id"] is None
    assert journal[300]["status"] == "updated"


def test_import_errors_go_to_the_reject_file(
    bulk_sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    people = write_people(tmp_path / "people.csv", 400)
    result = invoke(["import", str(people.path), "--base-url", bulk_sandbox.base_url, *FAST])
    assert result.exit_code == 1
    # Rows 100 and 400 share the phone number "12345": row 400 repeats that identity, so it
    # followed row 100's job one by one.
    assert len(_job_posts(bulk_sandbox)) == 1
    assert _single_emails(bulk_sandbox) == [people.bad[400]]
    rejects = tmp_path / "people.csv.rejects.csv"
    assert read_reject_rows(rejects) == sorted(people.bad)
    with rejects.open(newline="", encoding="utf-8") as handle:
        by_row = {int(r["row"]): r for r in csv.DictReader(handle)}
    for number in people.bad:
        entry = by_row[number]
        assert entry["error"], number
        if number % 300 == 0:  # kind 0: a malformed email, refused inside the job
            assert entry["email"] == f"not-an-email-{number}"
            assert "profile" in entry["error"] and "of the job" in entry["error"]
    journal = _rows(tmp_path / "people.csv.journal.sqlite")
    assert {r["status"] for n, r in journal.items() if n in people.good} == {"imported"}
    assert journal[300]["status"] == "rejected" and journal[300]["job_id"] is not None
    no_secret(result.stdout, result.stderr, rejects.read_text(encoding="utf-8"))


def test_rows_of_a_cancelled_job_fail_and_a_rerun_sends_them(
    bulk_sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    bulk_sandbox.set_faults(script=("cancel",), operations=("bulk_import_profiles",))
    path = _write(tmp_path / "p.csv", [[f"c{n}@example.com", "C", ""] for n in range(200)])
    first = invoke(["import", str(path), "--base-url", bulk_sandbox.base_url, *FAST])
    assert first.exit_code == 1
    journal = _rows(tmp_path / "p.csv.journal.sqlite")
    failed = {n for n, r in journal.items() if r["status"] == "failed"}
    assert failed and all("cancelled" in journal[n]["error"] for n in failed)
    assert read_reject_rows(tmp_path / "p.csv.rejects.csv") == sorted(failed)

    second = invoke(["import", str(path), "--base-url", bulk_sandbox.base_url, *FAST])
    assert second.exit_code == 0, second.stderr
    posts = _job_posts(bulk_sandbox)
    assert len(posts) == 2
    assert sorted(_job_emails(posts[1])) == sorted(f"c{n - 1}@example.com" for n in failed)
    assert not (tmp_path / "p.csv.rejects.csv").exists()


# ---- SIGKILL with jobs in flight


def test_sigkill_with_jobs_in_flight_then_rerun_polls_them_and_submits_none_twice(
    bulk_sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # Slow jobs (40 profiles a second, one at a time): two jobs of 400 stay in flight for
    # seconds, and with --max-jobs 2 no third job is asked for meanwhile, so the kill cannot
    # fall between a job's 202 and its journal entry.
    bulk_sandbox.set_jobs(queue_delay=0.0, profiles_per_second=40.0, concurrency=1)
    rows = []
    for n in range(1, 2001):
        last = "NULL" if n % 50 == 0 else "L"
        rows.append([f"k{n:05d}@example.com", f"F{n}", last])
    rows[1499] = ["k00007@example.com", "repeat", "L"]  # a repeat of a row in the first job
    path = _write(tmp_path / "p.csv", rows)
    journal_path = tmp_path / "p.csv.journal.sqlite"
    args = ["import", str(path), "--base-url", bulk_sandbox.base_url, "--null-token", "NULL",
            "--job-size", "400", "--max-jobs", "2", *FAST]  # fmt: skip

    first = start_module("klaviyo_profiles.cli", args, cli_env)
    kill_when(
        first,
        lambda: list(_journal_jobs(journal_path).values()).count("running") >= 2,
        timeout=120,
        what="no two jobs in flight",
    )
    assert first.returncode == -signal.SIGKILL
    in_flight = [job for job, state in _journal_jobs(journal_path).items() if state == "running"]
    assert len(in_flight) == 2
    assert {job["id"] for job in bulk_sandbox.jobs()} == set(in_flight)  # none unknown
    before = _rows(journal_path)

    bulk_sandbox.set_jobs(profiles_per_second=20_000.0)  # the jobs in flight go on, faster
    second = run_cli(args, cli_env, timeout=300)
    assert second.returncode == 0, second.stderr

    posts = [entry for entry in _job_posts(bulk_sandbox) if entry["status"] == 202]
    assert len(posts) == len(_job_posts(bulk_sandbox))
    jobs = _journal_jobs(journal_path)
    # Every job asked for is in the journal, once; none was asked for twice.
    assert len(posts) == len(bulk_sandbox.jobs()) == len(jobs)
    assert set(jobs) == {job["id"] for job in bulk_sandbox.jobs()}
    assert set(jobs.values()) == {"complete"}
    # Each row (its email and first name) in one job at most.
    sent_in_jobs = collections.Counter(
        (profile["attributes"]["email"], profile["attributes"]["first_name"])
        for entry in posts
        for profile in entry["body"]["data"]["attributes"]["profiles"]["data"]
    )
    assert max(sent_in_jobs.values()) == 1, "a row was submitted in two jobs"
    # Every row has one outcome; those recorded before the kill were not recorded again.
    after = _rows(journal_path)
    assert set(after) == set(range(1, 2001))
    for number, record in before.items():
        assert after[number]["finished"] == record["finished"], number
    db = sqlite3.connect(journal_path)
    carried = collections.Counter(row for (row,) in db.execute("SELECT row FROM job_rows"))
    assert max(carried.values()) == 1
    for job in in_flight:  # the jobs in flight at the kill: outcomes recorded by the re-run
        rows_of_job = [row for (row,) in db.execute(
            "SELECT row FROM job_rows WHERE job_id = ?", (job,))]  # fmt: skip
        assert rows_of_job and all(after[row]["job_id"] == job for row in rows_of_job)
        assert all(row not in before for row in rows_of_job)
    db.close()
    profiles = _profiles(bulk_sandbox)
    assert profiles["k00007@example.com"]["first_name"] == "repeat"
    assert all(profiles[f"k{n:05d}@example.com"].get("last_name") is None
               for n in range(50, 2001, 50) if n != 1500)  # fmt: skip
    assert SECRET_KEY not in json.dumps(after)


def test_a_profile_the_server_refuses_before_the_job_is_rejected_and_the_rest_start(
    bulk_sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # A per-profile limit below what two rows take: the job request is answered 413 with a
    # pointer to each, no job is made, and the other rows go in a job of their own.
    bulk_sandbox.set_jobs(item_payload_limit_bytes=300)
    rows = [[f"b{n}@example.com", "B", ""] for n in range(1, 121)]
    for number in (7, 50):
        rows[number - 1][2] = "x" * 400
    path = _write(tmp_path / "p.csv", rows, ["email", "first_name", "properties.note"])
    result = invoke(["import", str(path), "--base-url", bulk_sandbox.base_url, *FAST])
    assert result.exit_code == 1
    posts = _job_posts(bulk_sandbox)
    assert [entry["status"] for entry in posts] == [413, 202]
    assert len(_job_emails(posts[1])) == 118
    assert {"b7@example.com", "b50@example.com"}.isdisjoint(_job_emails(posts[1]))
    assert read_reject_rows(tmp_path / "p.csv.rejects.csv") == [7, 50]
    journal = _rows(tmp_path / "p.csv.journal.sqlite")
    assert "413" in journal[7]["error"] and "at most 300 bytes" in journal[7]["error"]
    assert sum(r["status"] == "imported" for r in journal.values()) == 118


def test_a_job_the_server_no_longer_knows_is_marked_lost_and_its_rows_sent_again(
    bulk_sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    bulk_sandbox.set_jobs(queue_delay=600.0)  # the job stays queued until the kill
    path = _write(tmp_path / "p.csv", [[f"l{n}@example.com", "L", ""] for n in range(150)])
    journal_path = tmp_path / "p.csv.journal.sqlite"
    args = ["import", str(path), "--base-url", bulk_sandbox.base_url, *FAST]
    first = start_module("klaviyo_profiles.cli", args, cli_env)
    kill_when(
        first,
        lambda: "running" in _journal_jobs(journal_path).values(),
        timeout=120,
        what="no job in flight",
    )
    (lost,) = _journal_jobs(journal_path)
    bulk_sandbox.reset()  # the server forgets the job (as when it has expired)

    second = run_cli(args, cli_env, timeout=300)
    assert second.returncode == 0, second.stderr
    jobs = _journal_jobs(journal_path)
    assert jobs[lost] == "lost" and list(jobs.values()).count("complete") == 1
    posts = _job_posts(bulk_sandbox)
    assert len(posts) == 1 and len(_job_emails(posts[0])) == 150
    assert {r["status"] for r in _rows(journal_path).values()} == {"imported"}
    assert len(_profiles(bulk_sandbox)) == 150


# ---- a job that may exist: never submitted twice


def _accepted_job_emails(sandbox: Sandbox) -> collections.Counter[str]:
    """How many jobs the sandbox made carry each email (a 202, or an answer lost after it)."""
    made = {job["id"] for job in sandbox.jobs()}
    counts: collections.Counter[str] = collections.Counter()
    posts = _job_posts(sandbox)
    accepted = [entry for entry in posts if entry["status"] in (202, None)]
    assert len(accepted) == len(made), "a job made by a request the log does not show"
    for entry in accepted:
        counts.update(_job_emails(entry))
    return counts


def test_sigkill_right_after_the_202_then_rerun_sends_that_chunk_one_by_one_never_in_a_job(
    bulk_sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # The window: the server made the job and answered 202, the process has not committed
    # the job's id. Made wide and sure: the job request waits 3 s at the server, meanwhile
    # the test takes the journal's write lock once the intent is committed, so the id cannot
    # be committed after the 202; the kill comes when the sandbox's log shows the 202.
    bulk_sandbox.set_faults(latency=3.0, operations=("bulk_import_profiles",))
    rows = [[f"w{n:04d}@example.com", f"W{n}", "L"] for n in range(1, 401)]
    path = _write(tmp_path / "p.csv", rows)
    journal_path = tmp_path / "p.csv.journal.sqlite"
    args = ["import", str(path), "--base-url", bulk_sandbox.base_url, "--job-size", "150",
            "--max-jobs", "1", *FAST]  # fmt: skip
    first = start_module("klaviyo_profiles.cli", args, cli_env)
    lock: sqlite3.Connection | None = None
    jobs_then: dict[str, str] = {}

    def ready() -> bool:
        # Two stages: once the intent is committed, hold the write lock; then wait for the 202.
        nonlocal lock, jobs_then
        if lock is None:
            if "starting" not in _journal_jobs(journal_path).values():
                return False
            lock = sqlite3.connect(journal_path, timeout=30, isolation_level=None)
            lock.execute("BEGIN IMMEDIATE")
            jobs_then = _journal_jobs(journal_path)
            assert list(jobs_then.values()) == ["starting"], "the 202 came before the lock"
        return any(entry["status"] == 202 for entry in _job_posts(bulk_sandbox))

    try:
        kill_when(
            first,
            ready,
            timeout=120,
            what=lambda: "no 202 for the job" if lock is not None else "no job intent journalled",
            interval=0.01,
        )
    finally:
        if lock is not None:
            lock.execute("ROLLBACK")
            lock.close()
    assert first.returncode == -signal.SIGKILL
    (made,) = bulk_sandbox.jobs()  # the job exists, and the journal has no id for it
    assert _journal_jobs(journal_path) == jobs_then and made["id"] not in jobs_then
    orphan = set(_job_emails(_job_posts(bulk_sandbox)[0]))
    assert len(orphan) == 150

    bulk_sandbox.set_faults(latency=0.0)
    seen = len(bulk_sandbox.requests())
    second = run_cli(args, cli_env, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "150 rows of a bulk job request that may have reached Klaviyo" in second.stdout

    # No profile in two jobs; the orphan job's rows went one by one, the rest in new jobs.
    in_jobs = _accepted_job_emails(bulk_sandbox)
    assert max(in_jobs.values()) == 1, "a row was submitted in two jobs"
    assert sorted(_single_emails(bulk_sandbox, seen)) == sorted(orphan)
    assert set(in_jobs) == {row[0] for row in rows}
    # Every row has one outcome: the orphan's from its single request, the others from a job.
    after = _rows(journal_path)
    assert set(after) == set(range(1, 401))
    for number, record in after.items():
        expected = "updated" if rows[number - 1][0] in orphan else "imported"
        assert record["status"] == expected, number
        assert (record["job_id"] is None) == (expected == "updated"), number
    db = sqlite3.connect(journal_path)
    carried = collections.Counter(
        row
        for (row,) in db.execute(
            "SELECT row FROM job_rows JOIN jobs USING (job_id) WHERE state = 'complete'"
        )
    )
    db.close()
    assert max(carried.values()) == 1 and set(carried).isdisjoint(
        n for n in after if rows[n - 1][0] in orphan
    )
    profiles = _profiles(bulk_sandbox)
    assert {email: p["first_name"] for email, p in profiles.items()} == {
        email: first_name for email, first_name, _ in rows
    }

    # A third run has nothing left to send, and asks for no job.
    seen = len(bulk_sandbox.requests())
    third = run_cli(args, cli_env, timeout=300)
    assert third.returncode == 0, third.stderr
    assert _job_posts(bulk_sandbox, seen) == [] and _single_emails(bulk_sandbox, seen) == []


@pytest.mark.parametrize("fault", ["drop_after_commit", 503])
def test_a_job_request_that_may_have_made_the_job_sends_its_rows_one_by_one_in_the_same_run(
    bulk_sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path, fault: str | int
) -> None:
    # drop_after_commit: the job is made and the answer lost; 503: the answer says nothing of
    # whether the job exists. Either way the request is not made again.
    bulk_sandbox.set_faults(script=(fault,), operations=("bulk_import_profiles",))
    rows = [[f"d{n:04d}@example.com", f"D{n}", ""] for n in range(1, 301)]
    rows[249] = ["d0010@example.com", "later", ""]  # a repeat of a row of the first chunk
    path = _write(tmp_path / "p.csv", rows)
    result = invoke(["import", str(path), "--base-url", bulk_sandbox.base_url,
                     "--job-size", "100", "--max-jobs", "1", *FAST])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "100 rows of a bulk job request that may have reached Klaviyo" in result.stdout

    posts = _job_posts(bulk_sandbox)
    first_chunk = _job_emails(posts[0])
    assert first_chunk == [f"d{n:04d}@example.com" for n in range(1, 101)]
    # Not asked again in any job: sent one by one. The repeat, read once they had their
    # outcomes, may go in a job (with its own values), and it is applied last.
    sent_in_jobs = collections.Counter(
        (profile["attributes"]["email"], profile["attributes"]["first_name"])
        for entry in posts
        for profile in entry["body"]["data"]["attributes"]["profiles"]["data"]
    )
    assert max(sent_in_jobs.values()) == 1, "a row was submitted in two jobs"
    assert sorted(_single_emails(bulk_sandbox)) == sorted(first_chunk)
    assert _profiles(bulk_sandbox)["d0010@example.com"]["first_name"] == "later"
    journal_path = tmp_path / "p.csv.journal.sqlite"
    states = _journal_jobs(journal_path)
    assert list(states.values()).count("unsure") == 1
    assert set(states.values()) == {"unsure", "complete"}
    after = _rows(journal_path)
    assert set(after) == set(range(1, 301))
    assert all(after[n]["status"] == "updated" or after[n]["status"] == "created"
               for n in range(1, 101))  # fmt: skip
    assert {after[n]["status"] for n in range(101, 301) if n != 250} == {"imported"}


def test_a_lagging_single_path_does_not_split_the_file_into_small_jobs(
    bulk_sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # Every 20th row clears a field and the single path is slowed down, so the rows waiting
    # for it fill the import's window long before the reader reaches the end: none of them
    # waits for the chunk being filled, so it must fill up to its size rather than start early.
    rows = [
        [f"lag{n:05d}@example.com", f"F{n}", "NULL" if n % 20 == 0 else f"L{n}"]
        for n in range(1, 6_001)
    ]
    path = _write(tmp_path / "lagging.csv", rows)
    bulk_sandbox.set_faults(latency=0.02, operations=("create_or_update_profile",))

    result = invoke(["import", str(path), "--base-url", bulk_sandbox.base_url,
                     "--null-token", "NULL", "--concurrency", "1", *FAST])  # fmt: skip

    assert result.exit_code == 0, result.stderr
    posts = _job_posts(bulk_sandbox)
    assert len(posts) == 1 and len(_job_emails(posts[0])) == 5_700
    assert len(_single_emails(bulk_sandbox)) == 300
    stored = _profiles(bulk_sandbox)
    assert stored["lag00020@example.com"]["last_name"] is None
    assert stored["lag00021@example.com"]["last_name"] == "L21"
