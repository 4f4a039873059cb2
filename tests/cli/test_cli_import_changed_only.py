"""``klaviyo-profiles import --changed-only``: a nightly re-sync sends only rows whose request
differs from what was last applied on the account, against the sandbox over loopback.

Each test reads what reached the sandbox from its request log: rows left out must not be
there, rows sent must be, and the stored profiles must hold the file's values.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import SECRET_KEY, invoke, no_secret, run_cli
from journal_reader import row_details
from klaviyo_profiles import KlaviyoProfiles
from klaviyo_profiles._file_lock import hold_file, release_file
from klaviyo_profiles.cli.importer import (
    ChangeFilter,
    ChangeOptions,
    ImportSettings,
    RowMapper,
    changed_only,
)
from klaviyo_profiles.cli.importer.sources import csv_header, read_rows
from klaviyo_profiles.cli.journal import Journal
from klaviyo_profiles.sandbox import RateLimitConfig, Sandbox, SandboxConfig
from klaviyo_profiles.sandbox.config import BULK_OPERATIONS, BulkJobConfig
from klaviyo_profiles.sync_state import SyncState, account_for
from process_helpers import kill_when, start_module

SINGLE_PATH = "/api/profile-import"
JOBS_PATH = "/api/profile-bulk-import-jobs"
HEADER = ["email", "phone_number", "first_name", "last_name", "properties.plan"]
FAST = ["--no-pacing", "--poll-interval", "0.05"]
OTHER_KEY = "pk_cli_other_account_0123456789ab"


@pytest.fixture
def env(cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The CLI's environment with the user's state directory under ``tmp_path``."""
    state_home = tmp_path / "xdg-state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state_home))
    return {**cli_env, "XDG_STATE_HOME": str(state_home)}


@pytest.fixture(scope="module")
def module_bulk_sandbox() -> Iterator[Sandbox]:
    """No rate limits on any operation; jobs start at once and run fast."""
    off = RateLimitConfig(enabled=False)
    config = SandboxConfig(
        rate_limits=off,
        operation_rate_limits={name: off for name in BULK_OPERATIONS},
        jobs=BulkJobConfig(queue_delay=0.0, profiles_per_second=20_000.0, concurrency=4),
        request_log_size=50_000,
    )
    with Sandbox(config) as sb:
        yield sb


@pytest.fixture
def bulk_sandbox(module_bulk_sandbox: Sandbox) -> Sandbox:
    module_bulk_sandbox.reset()
    return module_bulk_sandbox


def _write(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _night(n: int, email: str, first: str = "First", last: str = "Last") -> list[str]:
    return [email, f"+1415555{n:04d}", first, last, "pro"]


def _people(count: int = 5) -> list[list[str]]:
    return [_night(n, f"p{n}@example.com", f"First{n}") for n in range(1, count + 1)]


def _sent(sandbox: Sandbox, since: int = 0) -> list[str]:
    """Emails of the Create or Update Profile requests since request ``since``, in order."""
    return [
        entry["body"]["data"]["attributes"].get("email")
        for entry in sandbox.requests()[since:]
        if entry["path"] == SINGLE_PATH and isinstance(entry["body"], dict)
    ]


def _in_jobs(sandbox: Sandbox, since: int = 0) -> list[str]:
    return [
        profile["attributes"].get("email")
        for entry in sandbox.requests()[since:]
        if entry["method"] == "POST" and entry["path"] == JOBS_PATH and entry["status"] == 202
        for profile in entry["body"]["data"]["attributes"]["profiles"]["data"]
    ]


def _stored(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {p["attributes"]["email"]: p["attributes"] for p in sandbox.profiles()}


def _import(path: Path, sandbox: Sandbox, *options: str) -> Any:
    return invoke(
        [
            "import",
            str(path),
            "--base-url",
            sandbox.base_url,
            "--null-token",
            "NULL",
            "--output",
            "json",
            *FAST,
            *options,
        ]
    )


def _summary(result: Any) -> dict[str, Any]:
    assert result.exit_code == 0, result.stdout + result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def _state_files(env: dict[str, str]) -> list[Path]:
    return sorted(Path(env["XDG_STATE_HOME"], "klaviyo-profiles").glob("*.sqlite"))


# ---- what is sent


def test_an_unchanged_export_under_a_new_name_sends_nothing(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    first = _summary(_import(_write(tmp_path / "c-01.csv", _people()), sandbox, "--changed-only"))
    assert (first["new"], first["unchanged"], first["created"]) == (5, 0, 5)
    before = len(sandbox.requests())

    second = _summary(_import(_write(tmp_path / "c-02.csv", _people()), sandbox, "--changed-only"))
    assert second["unchanged"] == 5 and second["changed"] == second["new"] == 0
    assert sandbox.requests()[before:] == []  # not one request for the unchanged rows
    [state] = _state_files(env)
    assert second["state"] == str(state) and state.name.startswith("127.0.0.1_")


def test_changed_value_new_null_new_row_and_new_identifiers_are_sent_and_applied(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    _summary(_import(_write(tmp_path / "c-01.csv", _people(4)), sandbox, "--changed-only"))
    before = len(sandbox.requests())
    tonight = _people(4)
    tonight[1][2] = "Renamed"  # a changed value
    tonight[2][3] = "NULL"  # a field newly cleared
    tonight[3][1] = "+14155559999"  # another phone number: a new identity for that email
    tonight.append(_night(5, "p5@example.com", "New"))  # a new row
    night = _summary(_import(_write(tmp_path / "c-02.csv", tonight), sandbox, "--changed-only"))

    # Rows of different profiles go concurrently, in no promised order.
    assert sorted(_sent(sandbox, before)) == [
        "p2@example.com",
        "p3@example.com",
        "p4@example.com",
        "p5@example.com",
    ]
    assert (night["unchanged"], night["changed"], night["new"]) == (1, 3, 1)
    stored = _stored(sandbox)
    assert stored["p2@example.com"]["first_name"] == "Renamed"
    assert stored["p3@example.com"]["last_name"] is None
    assert stored["p4@example.com"]["phone_number"] == "+14155559999"
    assert stored["p5@example.com"]["first_name"] == "New"

    # What was sent is now what was last applied: the same file again sends nothing.
    before = len(sandbox.requests())
    again = _summary(_import(_write(tmp_path / "c-03.csv", tonight), sandbox, "--changed-only"))
    assert again["unchanged"] == 5 and sandbox.requests()[before:] == []


def test_a_profile_whose_identifiers_changed_back_is_sent(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    with_phone = [_night(1, "p1@example.com", "Ada")]
    _summary(_import(_write(tmp_path / "c-01.csv", with_phone), sandbox, "--changed-only"))
    without_phone = [["p1@example.com", "", "Grace", "Last", "pro"]]
    _summary(_import(_write(tmp_path / "c-02.csv", without_phone), sandbox, "--changed-only"))
    before = len(sandbox.requests())
    # The first night's row again: its identity was last applied as Ada, but the email was
    # since given Grace by another identity, so it is not what was last applied.
    back = _summary(_import(_write(tmp_path / "c-03.csv", with_phone), sandbox, "--changed-only"))
    assert _sent(sandbox, before) == ["p1@example.com"] and back["changed"] == 1
    assert _stored(sandbox)["p1@example.com"]["first_name"] == "Ada"


def test_a_later_row_of_a_profile_follows_an_earlier_changed_row(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    rows = [["p1@example.com", "", "X", "", ""], ["p1@example.com", "", "Y", "", ""]]
    _summary(_import(_write(tmp_path / "c-01.csv", rows), sandbox, "--changed-only"))
    assert _stored(sandbox)["p1@example.com"]["first_name"] == "Y"
    before = len(sandbox.requests())
    rows[0][2] = "Z"  # the first row changed; the second (the last word) did not
    _summary(_import(_write(tmp_path / "c-02.csv", rows), sandbox, "--changed-only"))
    assert _sent(sandbox, before) == ["p1@example.com", "p1@example.com"]
    assert _stored(sandbox)["p1@example.com"]["first_name"] == "Y"  # the file's last row wins


def test_a_new_mapping_that_makes_the_same_requests_sends_nothing(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    _summary(_import(_write(tmp_path / "c-01.csv", _people()), sandbox, "--changed-only"))
    before = len(sandbox.requests())
    renamed = ["E-mail", "Phone", "First Name", "Last Name", "Plan"]
    mapping = ["--map", "Phone=phone_number", "--map", "Plan=properties.plan"]
    other = _write(tmp_path / "c-02.csv", _people(), header=renamed)
    night = _summary(_import(other, sandbox, "--changed-only", *mapping))
    # Other columns, other rows' text: the requests are compared, and they are the same.
    assert night["unchanged"] == 5 and sandbox.requests()[before:] == []


def test_the_same_file_name_every_night_is_judged_by_the_state_not_the_old_journal(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    daily = tmp_path / "customers.csv"
    _summary(_import(_write(daily, [_night(1, "p1@example.com", "X")]), sandbox, "--changed-only"))
    # Another export changes the profile meanwhile...
    other = _write(tmp_path / "crm.csv", [_night(1, "p1@example.com", "Y")])
    _summary(_import(other, sandbox, "--changed-only"))
    assert _stored(sandbox)["p1@example.com"]["first_name"] == "Y"
    time.sleep(0.01)  # a rewritten file: another modification time
    before = len(sandbox.requests())
    # ...then the daily file, rewritten with the first night's row: its journal still says
    # that row was done, but the state knows Y was applied last.
    _summary(_import(_write(daily, [_night(1, "p1@example.com", "X")]), sandbox, "--changed-only"))
    assert _sent(sandbox, before) == ["p1@example.com"]
    assert _stored(sandbox)["p1@example.com"]["first_name"] == "X"


def test_rows_in_jobs_are_recorded_only_when_their_job_imported_them(
    bulk_sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    rows = _people(150)
    rows[9][0] = "not-an-email"  # an import error in its job
    rows[20][3] = "NULL"  # a null: one by one
    path = _write(tmp_path / "c-01.csv", rows)
    first = _import(path, bulk_sandbox, "--changed-only")
    assert first.exit_code == 1  # the import error
    assert len(_in_jobs(bulk_sandbox)) == 149 and _sent(bulk_sandbox) == ["p21@example.com"]
    before = len(bulk_sandbox.requests())
    again = _import(_write(tmp_path / "c-02.csv", rows), bulk_sandbox, "--changed-only")
    assert again.exit_code == 1
    summary = json.loads(again.stdout)
    # Only the row the job did not import is sent again: alone, so one by one.
    assert summary["unchanged"] == 149 and summary["new"] == 1
    assert _sent(bulk_sandbox, before) == ["not-an-email"] and _in_jobs(bulk_sandbox, before) == []


def test_json_lines_records_and_documents_are_compared_by_their_requests(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    def lines(name: str) -> list[dict[str, Any]]:
        flat = {"email": "a@example.com", "first_name": name, "location": {"city": "Paris"}}
        document = {
            "data": {"type": "profile", "attributes": {"email": "b@example.com", "last_name": None}}
        }
        return [flat, document, {"email": "c@example.com", "properties": {"plan": "pro"}}]

    def write(path: Path, records: list[dict[str, Any]]) -> Path:
        path.write_text("".join(json.dumps(record) + "\n" for record in records))
        return path

    _summary(_import(write(tmp_path / "f-01.jsonl", lines("Ada")), sandbox, "--changed-only"))
    before = len(sandbox.requests())
    same = _summary(
        _import(write(tmp_path / "f-02.jsonl", lines("Ada")), sandbox, "--changed-only")
    )
    assert same["unchanged"] == 3 and sandbox.requests()[before:] == []
    # The same records with their members in another order: the same requests.
    shuffled = [dict(reversed(list(record.items()))) for record in lines("Ada")]
    again = _summary(_import(write(tmp_path / "f-03.jsonl", shuffled), sandbox, "--changed-only"))
    assert again["unchanged"] == 3 and sandbox.requests()[before:] == []
    changed = _summary(
        _import(write(tmp_path / "f-04.jsonl", lines("Grace")), sandbox, "--changed-only")
    )
    assert changed["changed"] == 1 and _sent(sandbox, before) == ["a@example.com"]


# ---- escape hatches


def _age_state(env: dict[str, str], seconds: int) -> None:
    [path] = _state_files(env)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE applied SET applied_at = applied_at - ?", (seconds,))
    db.close()


def test_resend_after_sends_rows_last_applied_longer_ago(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    _summary(_import(_write(tmp_path / "c-01.csv", _people(3)), sandbox, "--changed-only"))
    _age_state(env, 8 * 86_400)
    before = len(sandbox.requests())
    path = _write(tmp_path / "c-02.csv", _people(3))
    fresh = _summary(_import(path, sandbox, "--changed-only", "--resend-after", "30d"))
    assert fresh["unchanged"] == 3 and _sent(sandbox, before) == []
    due = _summary(
        _import(
            path,
            sandbox,
            "--changed-only",
            "--resend-after",
            "7d",
            "--journal",
            str(tmp_path / "j2.sqlite"),
        )
    )
    assert due["stale"] == 3 and len(_sent(sandbox, before)) == 3
    # Sent, so applied just now: not due again.
    later = _import(
        _write(tmp_path / "c-03.csv", _people(3)), sandbox, "--changed-only", "--resend-after", "7d"
    )
    assert _summary(later)["unchanged"] == 3


def test_full_sends_every_row_and_refreshes_the_state(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    _summary(_import(_write(tmp_path / "c-01.csv", _people(3)), sandbox, "--changed-only"))
    _age_state(env, 30 * 86_400)
    before = len(sandbox.requests())
    full = _summary(_import(_write(tmp_path / "c-02.csv", _people(3)), sandbox, "--full"))
    assert len(_sent(sandbox, before)) == 3 and full["unchanged"] == 0
    [path] = _state_files(env)
    with sqlite3.connect(path) as db:
        oldest = db.execute("SELECT MIN(applied_at) FROM applied").fetchone()[0]
    db.close()
    assert oldest > time.time() - 3600  # refreshed
    before = len(sandbox.requests())
    after = _import(
        _write(tmp_path / "c-03.csv", _people(3)), sandbox, "--changed-only", "--resend-after", "7d"
    )
    assert _summary(after)["unchanged"] == 3 and _sent(sandbox, before) == []


def test_dry_run_says_what_would_go_and_sends_and_writes_nothing(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    _summary(_import(_write(tmp_path / "c-01.csv", _people(120)), sandbox, "--changed-only"))
    [state] = _state_files(env)
    state_bytes = state.read_bytes()
    tonight = _people(120)
    tonight[0][2] = "Renamed"
    tonight[1][3] = "NULL"
    tonight += [_night(n, f"p{n}@example.com") for n in range(121, 221)]  # 100 new rows
    tonight.append(["", "", "No", "Identifier", ""])
    path = _write(tmp_path / "c-02.csv", tonight)
    before = len(sandbox.requests())

    text = invoke(
        [
            "import",
            str(path),
            "--base-url",
            sandbox.base_url,
            "--null-token",
            "NULL",
            "--changed-only",
            "--dry-run",
        ]
    )
    assert text.exit_code == 0, text.stderr
    assert "221 rows: 118 unchanged, 2 changed, 100 new; 1 would be rejected" in text.stdout
    assert "would send 102: 101 in bulk jobs, 1 one by one; nothing was sent" in text.stdout
    document = _summary(_import(path, sandbox, "--changed-only", "--dry-run"))
    assert document["dry_run"] is True
    assert (document["unchanged"], document["changed"], document["new"]) == (118, 2, 100)
    assert (document["to_send"], document["in_jobs"], document["one_by_one"]) == (102, 101, 1)
    assert document["rejected"] == 1 and document["state"] == str(state)

    assert sandbox.requests()[before:] == []
    assert state.read_bytes() == state_bytes
    assert not (tmp_path / "c-02.csv.journal.sqlite").exists()
    assert not (tmp_path / "c-02.csv.rejects.csv").exists()
    # A file that is mostly unchanged would go one by one: too few rows to send for a job.
    few = _summary(
        _import(
            _write(tmp_path / "c-03.csv", [*_people(120)[:3], _night(500, "p500@example.com")]),
            sandbox,
            "--changed-only",
            "--dry-run",
        )
    )
    assert (few["to_send"], few["in_jobs"], few["one_by_one"]) == (1, 0, 1)


def test_dry_run_with_no_state_yet_counts_every_row_new_and_creates_nothing(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    document = _summary(
        _import(_write(tmp_path / "c.csv", _people(3)), sandbox, "--changed-only", "--dry-run")
    )
    assert document["new"] == 3 and document["to_send"] == 3 and document["state_profiles"] == 0
    assert not Path(env["XDG_STATE_HOME"]).exists() and sandbox.requests() == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--state", "s.sqlite"], "--state goes with --changed-only"),
        (["--resend-after", "7d"], "--resend-after goes with --changed-only"),
        (["--dry-run"], "--dry-run goes with --changed-only"),
        (["--full", "--resend-after", "7d"], "--full sends every row"),
        (["--changed-only", "--resend-after", "7"], "--resend-after expects a positive number"),
        (["--changed-only", "--resend-after", "-3d"], "--resend-after expects"),
    ],
)
def test_options_that_make_no_sense_together_are_refused(
    env: dict[str, str], tmp_path: Path, options: list[str], message: str
) -> None:
    path = _write(tmp_path / "c.csv", _people(1))
    result = invoke(["import", str(path), "--base-url", "http://127.0.0.1:9", *options])
    assert result.exit_code == 2 and message in result.stderr


# ---- accounts, bad ground, secrets


def test_two_keys_keep_separate_states(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _summary(_import(_write(tmp_path / "c-01.csv", _people(3)), sandbox, "--changed-only"))
    monkeypatch.setenv("KLAVIYO_API_KEY", OTHER_KEY)
    before = len(sandbox.requests())
    other = _summary(_import(_write(tmp_path / "c-02.csv", _people(3)), sandbox, "--changed-only"))
    # Another account has been sent nothing yet, whatever the first one was sent.
    assert other["new"] == 3 and len(_sent(sandbox, before)) == 3
    assert len(_state_files(env)) == 2
    monkeypatch.setenv("KLAVIYO_API_KEY", SECRET_KEY)
    before = len(sandbox.requests())
    mine = _summary(_import(_write(tmp_path / "c-03.csv", _people(3)), sandbox, "--changed-only"))
    assert mine["unchanged"] == 3 and sandbox.requests()[before:] == []
    # An explicit --state of one account is refused to the other.
    [first, second] = _state_files(env)
    named = second if mine["state"] == str(first) else first
    refused = _import(
        _write(tmp_path / "c-04.csv", _people(3)), sandbox, "--changed-only", "--state", str(named)
    )
    assert refused.exit_code == 2 and "state of another account" in refused.stdout


@pytest.mark.parametrize(
    "damage",
    [b"SQLite format 3\x00" + b"\xff" * 8000, b"customer,email\nnot a database\n"],
    ids=["damaged", "not-sqlite"],
)
def test_a_corrupt_state_file_stops_before_anything_is_sent(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path, damage: bytes
) -> None:
    state = tmp_path / "nightly.state"
    state.write_bytes(damage)
    path = _write(tmp_path / "c.csv", _people(3))
    result = invoke(
        [
            "import",
            str(path),
            "--base-url",
            sandbox.base_url,
            "--changed-only",
            "--state",
            str(state),
            *FAST,
        ]
    )
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and str(state) in line
    assert sandbox.requests() == [] and state.read_bytes() == damage
    assert not (tmp_path / "c.csv.journal.sqlite").exists()


def test_an_unwritable_state_stops_before_anything_is_sent(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-dir" / "s.sqlite"
    path = _write(tmp_path / "c.csv", _people(1))
    result = invoke(
        [
            "import",
            str(path),
            "--base-url",
            sandbox.base_url,
            "--changed-only",
            "--state",
            str(missing),
            *FAST,
        ]
    )
    assert result.exit_code == 2 and "cannot be written" in result.stderr
    assert sandbox.requests() == []


def test_a_state_in_use_by_another_run_is_refused(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    state = tmp_path / "s.sqlite"
    held = hold_file(state)  # another import holds it
    try:
        path = _write(tmp_path / "c.csv", _people(1))
        result = invoke(
            [
                "import",
                str(path),
                "--base-url",
                sandbox.base_url,
                "--changed-only",
                "--state",
                str(state),
                *FAST,
            ]
        )
        assert result.exit_code == 2
        assert f"the state file {state} is in use by" in result.stderr
        assert sandbox.requests() == []
    finally:
        release_file(held)
    ok = invoke(
        [
            "import",
            str(path),
            "--base-url",
            sandbox.base_url,
            "--changed-only",
            "--state",
            str(state),
            *FAST,
        ]
    )
    assert ok.exit_code == 0, ok.stderr
    assert not Path(f"{state}.lock").exists()  # the state file itself is locked


def test_the_state_file_holds_no_key_and_no_profile_values(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    rows = [["Ada.Lovelace@Example.com", "+447700900123", "Augusta", "Lovelace", "analytical"]]
    result = _import(_write(tmp_path / "c.csv", rows), sandbox, "--changed-only")
    _summary(result)
    [state] = _state_files(env)
    written = b"".join(
        path.read_bytes() for path in state.parent.iterdir() if path.name.startswith(state.name)
    )
    assert written  # the file and, while open, its write-ahead log
    values = [
        "Ada.Lovelace@Example.com",
        "ada.lovelace@example.com",
        "Lovelace",
        "Augusta",
        "analytical",
        "7700900123",
        SECRET_KEY,
        SECRET_KEY[-12:],
    ]
    for value in values:
        assert value.encode() not in written, value
        assert value.encode("utf-16-le") not in written, value
    no_secret(result.stdout, result.stderr)


# ---- a crash between sending and recording


def test_sigkill_between_send_and_outcome_forgets_the_row_so_it_is_sent_again(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    night1 = _people(3)
    _summary(_import(_write(tmp_path / "c-01.csv", night1), sandbox, "--changed-only"))
    [state] = _state_files(env)
    tonight = _people(3)
    tonight[1][2] = "Tonight"
    path = _write(tmp_path / "c-02.csv", tonight)
    # The request waits at the server, which then applies it: the import dies meanwhile.
    sandbox.set_faults(latency=1.5)
    args = [
        "import",
        str(path),
        "--base-url",
        sandbox.base_url,
        "--changed-only",
        "--no-pacing",
        "--max-attempts",
        "1",
    ]
    child = start_module("klaviyo_profiles.cli", args, env)
    seen: list[float] = []

    def in_flight() -> bool:
        # The row's identity is forgotten just before its request leaves.
        if not seen and _held(state) == 2:
            seen.append(time.monotonic())
        return bool(seen) and time.monotonic() - seen[0] > 0.5

    kill_when(child, in_flight, timeout=60, what="the changed row was never sent", wait=10)
    deadline = time.monotonic() + 10
    while _stored(sandbox)["p2@example.com"]["first_name"] != "Tonight":
        assert time.monotonic() < deadline, "the server never applied the request"
        time.sleep(0.05)
    sandbox.set_faults(latency=0.0)
    assert 2 not in row_details(tmp_path / "c-02.csv.journal.sqlite")  # no outcome recorded
    assert _held(state) == 2  # and the state holds nothing for it

    # The first night's file again: the profile was changed since, so its row is sent.
    before = len(sandbox.requests())
    back = _summary(_import(_write(tmp_path / "c-03.csv", night1), sandbox, "--changed-only"))
    assert _sent(sandbox, before) == ["p2@example.com"] and back["unchanged"] == 2
    assert _stored(sandbox)["p2@example.com"]["first_name"] == "First2"
    # Tonight's file, resumed: the row the kill interrupted is sent again.
    before = len(sandbox.requests())
    resumed = run_cli(
        ["import", str(path), "--base-url", sandbox.base_url, "--changed-only", "--no-pacing"], env
    )
    assert resumed.returncode == 0, resumed.stderr
    assert _sent(sandbox, before) == ["p2@example.com"]
    assert _stored(sandbox)["p2@example.com"]["first_name"] == "Tonight"


def test_a_library_call_between_a_killed_run_and_its_resume_is_not_overwritten_by_it(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    # A killed run leaves outcomes in its journal that the state has not taken yet; a library
    # call on the same state then applies a newer value for one of those profiles. Resuming
    # the run must not put the older outcome back over it, or the next night skips the row.
    rows = [[f"p{n}@example.com", f"+1415555{n:04d}", "Night", "Last", "pro"] for n in range(60)]
    path = _write(tmp_path / "c-01.csv", rows)
    state = tmp_path / "state.sqlite"
    options = ["--changed-only", "--state", str(state), "--no-pacing", "--via", "single"]
    args = ["import", str(path), "--base-url", sandbox.base_url, "--concurrency", "1", *options]
    sandbox.set_faults(latency=0.05)
    child = start_module("klaviyo_profiles.cli", args, env)
    kill_when(
        child, lambda: len(sandbox.profiles()) >= 5, timeout=60, what="no profile was applied"
    )
    sandbox.set_faults(latency=0.0)
    applied_before_kill = set(_stored(sandbox))
    assert _stored(sandbox)["p0@example.com"]["first_name"] == "Night"

    with (
        KlaviyoProfiles(api_key=SECRET_KEY, base_url=sandbox.base_url) as client,
        SyncState.open(state, api_key=SECRET_KEY, base_url=sandbox.base_url) as sync,
    ):
        [outcome] = client.create_or_update_profiles(
            [{"email": "p0@example.com", "first_name": "Library"}], changed_only=sync
        )
    assert outcome.ok and not outcome.skipped

    resumed = run_cli(args, env)
    assert resumed.returncode == 0, resumed.stderr
    assert _stored(sandbox)["p0@example.com"]["first_name"] == "Library"

    # The same export the next night: the profile holds the library's value, so its row goes.
    before = len(sandbox.requests())
    night_args = ["import", str(_write(tmp_path / "c-02.csv", rows)), "--base-url"]
    night2 = run_cli([*night_args, sandbox.base_url, *options], env)
    assert night2.returncode == 0, night2.stderr
    # The killed run's outcomes were not taken into the state after the library's call, so
    # its rows may go again (sending more is safe); p0 must be among them.
    sent = _sent(sandbox, before)
    assert "p0@example.com" in sent and set(sent) <= applied_before_kill
    assert _stored(sandbox)["p0@example.com"]["first_name"] == "Night"


def _held(state: Path) -> int:
    db = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=5)
    try:
        return int(db.execute("SELECT COUNT(*) FROM applied").fetchone()[0])
    finally:
        db.close()


# ---- the journal, and a new revision


def test_a_journal_of_schema_4_is_upgraded_and_resumes_with_changed_only(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    path = _write(tmp_path / "c.csv", _people(3))
    _summary(_import(path, sandbox))  # no --changed-only: nothing for a state
    journal = tmp_path / "c.csv.journal.sqlite"
    db = sqlite3.connect(journal)  # as the previous version wrote it
    db.execute("ALTER TABLE rows DROP COLUMN sync")
    db.execute("ALTER TABLE rows DROP COLUMN synced")
    db.execute("ALTER TABLE job_rows DROP COLUMN sync")
    db.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    before = len(sandbox.requests())
    resumed = _summary(_import(path, sandbox, "--changed-only"))
    assert resumed["skipped"] == 3 and sandbox.requests()[before:] == []
    db = sqlite3.connect(journal)
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("5",)
    columns = {row[1] for row in db.execute("PRAGMA table_info(rows)")}
    assert {"sync", "synced"} <= columns
    db.close()
    with Journal(journal) as opened:
        assert [entry.row for entry in opened.entries({"created"})] == [1, 2, 3]


def test_a_new_revision_finds_every_row_changed(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    path = _write(tmp_path / "c.csv", _people(3))
    result = _summary(_import(path, sandbox, "--changed-only"))
    settings = ImportSettings(
        path=path,
        fmt="csv",
        api_key=SECRET_KEY,
        base_url=sandbox.base_url,
        null_token="NULL",
        changes=ChangeOptions(),
    )
    mapper = RowMapper(settings.column_map(), "NULL")
    header = csv_header(path)
    rows = [(row, False) for row in read_rows(path, "csv", identifier_columns=[0, 1])]
    account = account_for(SECRET_KEY, sandbox.base_url)
    for revision, kinds in ((None, {"unchanged"}), ("2099-01-15", {"changed"})):
        state = SyncState.open(Path(result["state"]), account=account, revision=revision)
        with state:
            decisions = ChangeFilter(state, settings, mapper, header).decide(rows)
        assert {decision.kind for decision in decisions} == kinds


def test_a_chunk_filling_slowly_is_started_while_the_file_is_read(
    bulk_sandbox: Sandbox,
    env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Batches of 50 rows, and a chunk started as soon as a batch ends with rows in it.
    monkeypatch.setattr(changed_only, "BATCH_ROWS", 50)
    monkeypatch.setattr(changed_only, "CHUNK_WAIT", 0.0)
    result = _summary(
        _import(_write(tmp_path / "c.csv", _people(300)), bulk_sandbox, "--changed-only")
    )
    posts = [e for e in bulk_sandbox.requests() if e["path"] == JOBS_PATH and e["status"] == 202]
    # A job per batch read, not one for the whole file at its end (the first two batches go
    # together: rows to send wait until 100 of them tell that the file is not a small one).
    assert result["jobs_started"] == len(posts) == 5 and len(_in_jobs(bulk_sandbox)) == 300
    assert [len(_in_jobs_of(post)) for post in posts] == [100, 50, 50, 50, 50]


def _in_jobs_of(entry: dict[str, Any]) -> list[Any]:
    return list(entry["body"]["data"]["attributes"]["profiles"]["data"])
