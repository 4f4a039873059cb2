"""``import`` killed with SIGKILL half way, then re-run: every good row exactly once.

The journal records a row as done only after its response arrived, and a re-run skips rows
recorded as done or rejected. So the sandbox's request log must show no request for a row
after the moment it was journalled; the only rows sent twice are those in flight at the
kill (no record yet), and their repeat is an idempotent upsert answered 200.
"""

from __future__ import annotations

import collections
import signal
from datetime import datetime
from pathlib import Path

from cli_helpers import run_cli
from cli_people import read_reject_rows, write_people
from journal_reader import rows as _journal
from klaviyo_profiles.sandbox import Sandbox
from process_helpers import kill_when, start_module

ROWS = 5000
CONCURRENCY = 8


def test_sigkill_half_way_then_resume(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    people = write_people(tmp_path / "contacts.csv", ROWS)
    journal_path = tmp_path / "contacts.csv.journal.sqlite"
    # One by one; with bulk import jobs in flight: test_import_bulk.py.
    args = ["import", str(people.path), "--base-url", sandbox.base_url, "--no-pacing",
            "--concurrency", str(CONCURRENCY), "--via", "single"]  # fmt: skip

    first = start_module("klaviyo_profiles.cli", args, cli_env)
    kill_when(
        first,
        lambda: len(_journal(journal_path)) >= ROWS // 2,
        timeout=60,
        what="the import made no progress",
        wait=10,
    )
    assert first.returncode == -signal.SIGKILL
    before_kill = _journal(journal_path)
    assert ROWS // 2 <= len(before_kill) < ROWS * 9 // 10, "killed half way, not at the end"

    second = run_cli(args, cli_env)
    assert second.returncode == 1, second.stderr  # the bad rows

    # When each email was received by the sandbox.
    received: dict[str, list[float]] = collections.defaultdict(list)
    for entry in sandbox.requests():
        body = entry["body"]
        if isinstance(body, dict):
            email = body["data"]["attributes"]["email"]
            received[email].append(datetime.fromisoformat(entry["time"]).timestamp())

    final = _journal(journal_path)
    assert set(final) == set(range(1, ROWS + 1))
    for row, (status, finished) in final.items():
        email = people.email_of(row)
        # No row was sent after it was journalled (done, or rejected for good).
        late = [t for t in received.get(email, []) if t > finished]
        assert late == [], f"row {row} ({status}) was sent again after it was journalled"
    # Sent twice: only rows in flight at the kill (not yet journalled), at most the workers.
    twice = {email for email, times in received.items() if len(times) > 1}
    assert all(len(received[email]) == 2 for email in twice)
    in_flight = {people.email_of(row) for row in range(1, ROWS + 1) if row not in before_kill}
    assert twice <= in_flight and len(twice) <= CONCURRENCY
    # Every good row landed; one profile per distinct email.
    for row, email in people.good.items():
        assert final[row][0] in ("created", "updated") and received[email], row
    emails = [p["attributes"]["email"] for p in sandbox.profiles()]
    assert len(emails) == len(set(emails)) == len(people.good)
    assert set(emails) == set(people.good.values())
    # The reject file lists exactly the bad rows, once each.
    assert read_reject_rows(tmp_path / "contacts.csv.rejects.csv") == sorted(people.bad)
    assert f"{len(before_kill)} skipped" in second.stdout
