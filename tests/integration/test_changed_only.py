"""``create_or_update_profiles(..., changed_only=state)`` against the sandbox over loopback,
through both clients and both forms (the list and the stream): unchanged rows are not sent
and say so, what changed is sent and applied, and the state records only what is known to be
applied, per account, one user at a time."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import textwrap
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from klaviyo_profiles import (
    AsyncKlaviyoProfiles,
    InvalidInputError,
    KlaviyoProfiles,
    ProfileOutcome,
    RetryPolicy,
    SyncState,
    SyncStateError,
    SyncStateInUseError,
)
from klaviyo_profiles.sandbox import Sandbox
from process_helpers import kill_when

SINGLE_PATH = "/api/profile-import"
JOBS_PATH = "/api/profile-bulk-import-jobs"
POLL = 0.05


@pytest.fixture(scope="module")
def module_sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


@pytest.fixture
def sb(module_sandbox: Sandbox) -> Sandbox:
    """The sandbox emptied, with jobs that start at once and run fast."""
    module_sandbox.reset()
    module_sandbox.set_jobs(queue_delay=0.0, profiles_per_second=50_000)
    return module_sandbox


class Caller:
    """One account (a key of its own) calling through the sync or the async client, in the
    list or the stream form."""

    def __init__(self, kind: str, form: str, base_url: str, key: str | None = None) -> None:
        self.kind = kind
        self.form = form
        self.options: dict[str, Any] = {
            "api_key": key or "pk_" + uuid.uuid4().hex,
            "base_url": base_url,
            "allow_insecure_http": True,
        }

    @property
    def key(self) -> str:
        return str(self.options["api_key"])

    def open(self, path: Path, **options: Any) -> SyncState:
        return SyncState.open(path, api_key=self.key, base_url=self.options["base_url"], **options)

    def upsert(self, profiles: Any, **kwargs: Any) -> list[ProfileOutcome]:
        kwargs.setdefault("poll_interval", POLL)
        stream = self.form == "stream"
        if self.kind == "sync":
            with KlaviyoProfiles(**self.options) as client:
                if stream:
                    return list(client.iter_create_or_update_profiles(iter(profiles), **kwargs))
                return client.create_or_update_profiles(profiles, **kwargs)

        async def run() -> list[ProfileOutcome]:
            async with AsyncKlaviyoProfiles(**self.options) as client:
                if stream:
                    outcomes = client.iter_create_or_update_profiles(iter(profiles), **kwargs)
                    return [outcome async for outcome in outcomes]
                return await client.create_or_update_profiles(profiles, **kwargs)

        return asyncio.run(run())


@pytest.fixture(params=["sync-list", "sync-stream", "async-list", "async-stream"])
def caller(request: pytest.FixtureRequest, sb: Sandbox) -> Caller:
    kind, form = str(request.param).split("-")
    return Caller(kind, form, sb.base_url)


def _people(count: int = 4) -> list[dict[str, Any]]:
    return [
        {
            "email": f"p{n}@example.com",
            "phone_number": f"+1415555{n:04d}",
            "first_name": f"First{n}",
            "last_name": f"Last{n}",
            "properties": {"plan": "pro"},
        }
        for n in range(1, count + 1)
    ]


def _sent(sb: Sandbox, since: int = 0) -> list[str]:
    """Emails sent since request ``since``: one by one, and in jobs the sandbox accepted (a
    job adding stored profiles to lists names them by id alone: not counted)."""
    emails: list[str] = []
    for entry in sb.requests()[since:]:
        body = entry["body"]
        if entry["method"] != "POST" or not isinstance(body, dict):
            continue
        if entry["path"] == SINGLE_PATH:
            emails.append(body["data"]["attributes"].get("email"))
        elif entry["path"] == JOBS_PATH and entry["status"] == 202:
            profiles = body["data"]["attributes"]["profiles"]["data"]
            emails += [profile["attributes"].get("email") for profile in profiles]
    return sorted(email for email in emails if email is not None)


def _sent_requests(sb: Sandbox, since: int = 0) -> list[dict[str, Any]]:
    """Create or Update Profile requests since request ``since``."""
    return [entry for entry in sb.requests()[since:] if entry["path"] == SINGLE_PATH]


def _stored(sb: Sandbox) -> dict[str, dict[str, Any]]:
    return {p["attributes"]["email"]: p["attributes"] for p in sb.profiles()}


def _held(path: Path) -> int:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return int(db.execute("SELECT COUNT(*) FROM applied").fetchone()[0])
    finally:
        db.close()


# ---- what is sent


def test_an_unchanged_input_sends_nothing_and_each_outcome_says_skipped(
    caller: Caller, sb: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "account.state"
    with caller.open(path) as state:
        first = caller.upsert(_people(), changed_only=state)
        assert [(o.ok, o.skipped) for o in first] == [(True, False)] * 4
        before = len(sb.requests())
        again = caller.upsert(_people(), changed_only=state)
    assert sb.requests()[before:] == []  # not one request
    assert [(o.index, o.ok, o.skipped, o.via) for o in again] == [
        (n, True, True, "none") for n in range(4)
    ]
    assert _held(path) == 4


def test_a_changed_value_a_new_null_a_new_row_and_new_identifiers_are_sent_and_applied(
    caller: Caller, sb: Sandbox, tmp_path: Path
) -> None:
    with caller.open(tmp_path / "account.state") as state:
        caller.upsert(_people(), changed_only=state)
        before = len(sb.requests())
        tonight = _people()
        tonight[1]["first_name"] = "Renamed"  # a changed value
        tonight[2]["last_name"] = None  # a field newly cleared
        tonight[3]["phone_number"] = "+14155559999"  # another identity for that email
        tonight.append({"email": "p5@example.com", "first_name": "New"})  # a new row
        outcomes = caller.upsert(tonight, changed_only=state)
        assert [o.skipped for o in outcomes] == [True, False, False, False, False]
        assert all(o.ok for o in outcomes)
        assert _sent(sb, before) == [f"p{n}@example.com" for n in (2, 3, 4, 5)]
        stored = _stored(sb)
        assert stored["p2@example.com"]["first_name"] == "Renamed"
        assert stored["p3@example.com"]["last_name"] is None
        assert stored["p4@example.com"]["phone_number"] == "+14155559999"
        assert stored["p5@example.com"]["first_name"] == "New"
        # What was sent is now what was last applied.
        before = len(sb.requests())
        assert all(o.skipped for o in caller.upsert(tonight, changed_only=state))
        assert sb.requests()[before:] == []


def test_nulls_omit_compares_the_request_it_makes(sb: Sandbox, tmp_path: Path) -> None:
    caller = Caller("sync", "list", sb.base_url)
    with caller.open(tmp_path / "account.state") as state:
        caller.upsert(_people(2), changed_only=state)
        tonight = _people(2)
        tonight[0]["last_name"] = None  # "unknown" under nulls="omit": the same request
        before = len(sb.requests())
        outcomes = caller.upsert(tonight, changed_only=state, nulls="omit")
    assert [o.skipped for o in outcomes] == [False, True]  # the request lacks last_name now
    assert _sent(sb, before) == ["p1@example.com"]
    assert _stored(sb)["p1@example.com"]["last_name"] == "Last1"  # left as it was


def test_rows_in_jobs_are_recorded_once_their_job_imported_them(
    sb: Sandbox, tmp_path: Path
) -> None:
    caller = Caller("async", "stream", sb.base_url)
    with caller.open(tmp_path / "account.state") as state:
        first = caller.upsert(_people(6), changed_only=state, via="bulk")
        assert {o.via for o in first} == {"bulk"} and all(o.ok for o in first)
        tonight = _people(6)
        tonight[4]["first_name"] = "Changed"
        before = len(sb.requests())
        outcomes = caller.upsert(tonight, changed_only=state, via="bulk")
    assert [o.skipped for o in outcomes] == [True] * 4 + [False, True]
    assert _sent(sb, before) == ["p5@example.com"]
    assert _stored(sb)["p5@example.com"]["first_name"] == "Changed"


def test_a_later_row_of_a_profile_in_one_input_is_sent_after_the_earlier(
    sb: Sandbox, tmp_path: Path
) -> None:
    caller = Caller("sync", "stream", sb.base_url)
    ada = _people(1)[0]
    between = {**ada, "first_name": "Between"}
    with caller.open(tmp_path / "account.state") as state:
        caller.upsert([ada], changed_only=state)
        # The profile changes, then changes back within one input: both rows go, in order,
        # although the second alone equals what was last applied.
        before = len(sb.requests())
        outcomes = caller.upsert([between, ada], changed_only=state)
        assert [o.skipped for o in outcomes] == [False, False]
        assert _sent(sb, before) == ["p1@example.com", "p1@example.com"]
        assert _stored(sb)["p1@example.com"]["first_name"] == "First1"
        # The later row's request is what the state holds now.
        before = len(sb.requests())
        assert [o.skipped for o in caller.upsert([ada], changed_only=state)] == [True]
        assert sb.requests()[before:] == []


def test_an_earlier_row_is_not_recorded_while_a_later_row_of_its_profile_is_in_flight(
    sb: Sandbox, tmp_path: Path
) -> None:
    caller = Caller("sync", "list", sb.base_url)
    caller.options["retry_policy"] = RetryPolicy(max_attempts=1)
    ada = _people(1)[0]
    between = {**ada, "first_name": "Between"}
    with caller.open(tmp_path / "account.state") as state:
        # The later row is applied, but its answer is lost: what was last applied is not
        # known, so neither row may be recorded.
        sb.set_faults(script=["pass", "drop_after_commit"])
        outcomes = caller.upsert([between, ada], changed_only=state)
        sb.set_faults(script=[])
        assert [o.ok for o in outcomes] == [True, False]
        assert _stored(sb)["p1@example.com"]["first_name"] == "First1"
        before = len(sb.requests())
        again = caller.upsert([between], changed_only=state)
    assert [o.skipped for o in again] == [False] and _sent(sb, before) == ["p1@example.com"]
    assert _stored(sb)["p1@example.com"]["first_name"] == "Between"


def test_a_row_held_behind_an_earlier_row_forgets_what_it_replaces_before_it_is_sent(
    sb: Sandbox, tmp_path: Path
) -> None:
    caller = Caller("async", "list", sb.base_url)
    caller.options["retry_policy"] = RetryPolicy(max_attempts=1)
    by_phone = {"phone_number": "+14155550100", "first_name": "Phone"}
    with caller.open(tmp_path / "account.state") as state:
        caller.upsert([by_phone], changed_only=state)
        # The second row waits for the first (they share the email), and names the phone the
        # state holds: once it leaves, that phone's last request is no longer known.
        rows = [
            {"email": "ada@example.com", "first_name": "Ada"},
            {"email": "ada@example.com", "phone_number": "+14155550100", "first_name": "Both"},
        ]
        sb.set_faults(script=["pass", "drop_after_commit"])
        outcomes = caller.upsert(rows, changed_only=state)
        sb.set_faults(script=[])
        assert [o.ok for o in outcomes] == [True, False]
        before = len(sb.requests())
        again = caller.upsert([by_phone], changed_only=state)
    assert [o.skipped for o in again] == [False] and len(_sent_requests(sb, before)) == 1


def test_resend_after_sends_again_what_was_applied_longer_ago(sb: Sandbox, tmp_path: Path) -> None:
    caller = Caller("sync", "list", sb.base_url)
    path = tmp_path / "account.state"
    with caller.open(path) as state:
        caller.upsert(_people(2), changed_only=state)
    db = sqlite3.connect(path)
    with db:  # the first row applied two hours ago
        db.execute(
            "UPDATE applied SET applied_at = applied_at - 7200 "
            "WHERE ident = (SELECT MIN(ident) FROM applied)"
        )
    db.close()
    with caller.open(path, resend_after=3 * 3600) as state:
        assert all(o.skipped for o in caller.upsert(_people(2), changed_only=state))
    before = len(sb.requests())
    with caller.open(path, resend_after=3600) as state:
        outcomes = caller.upsert(_people(2), changed_only=state)
    assert sum(not o.skipped for o in outcomes) == 1 and len(_sent(sb, before)) == 1
    with caller.open(path, resend_after=3600) as state:  # applied just now
        assert all(o.skipped for o in caller.upsert(_people(2), changed_only=state))


def test_another_revision_or_other_lists_send_every_row_once(sb: Sandbox, tmp_path: Path) -> None:
    caller = Caller("sync", "list", sb.base_url)
    path = tmp_path / "account.state"
    with caller.open(path) as state:
        caller.upsert(_people(2), changed_only=state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the revision differs from the generated one
        other = Caller("sync", "list", sb.base_url, caller.key)
        other.options["revision"] = "2024-10-15"
        before = len(sb.requests())
        with other.open(path) as state:
            outcomes = other.upsert(_people(2), changed_only=state)
    assert not any(o.skipped for o in outcomes) and len(_sent(sb, before)) == 2
    with caller.open(path) as state:
        before = len(sb.requests())
        outcomes = caller.upsert(_people(2), changed_only=state, lists=["LIST01"])
        assert not any(o.skipped for o in outcomes)
        assert len(_sent(sb, before)) == 2
        assert all(
            o.skipped for o in caller.upsert(_people(2), changed_only=state, lists=["LIST01"])
        )


# ---- only what is known to be applied is recorded


def test_an_outcome_not_known_is_not_recorded_and_the_row_is_sent_again(
    sb: Sandbox, tmp_path: Path
) -> None:
    caller = Caller("async", "list", sb.base_url)
    caller.options["retry_policy"] = RetryPolicy(max_attempts=1)
    path = tmp_path / "account.state"
    with caller.open(path) as state:
        caller.upsert(_people(2), changed_only=state, via="single")
        tonight = _people(2)
        tonight[1]["first_name"] = "Tonight"
        # The server applies the request, then the connection drops before the answer.
        sb.set_faults(script=["drop_after_commit"])
        outcomes = caller.upsert(tonight, changed_only=state, via="single")
        sb.set_faults(script=[])
        assert [(o.skipped, o.ok) for o in outcomes] == [(True, True), (False, False)]
        assert _stored(sb)["p2@example.com"]["first_name"] == "Tonight"  # it was applied
        assert _held(path) == 1  # and the state holds nothing for it
        # The first night's rows again: that profile was changed since, so its row goes.
        before = len(sb.requests())
        back = caller.upsert(_people(2), changed_only=state, via="single")
        assert [o.skipped for o in back] == [True, False]
        assert _sent(sb, before) == ["p2@example.com"]
        assert _stored(sb)["p2@example.com"]["first_name"] == "First2"


_CHILD = """
import sys
from klaviyo_profiles import KlaviyoProfiles, SyncState

key, base_url, path = sys.argv[1:4]
rows = [
    {"email": f"p{n}@example.com", "phone_number": f"+1415555{n:04d}", "first_name": name,
     "last_name": f"Last{n}", "properties": {"plan": "pro"}}
    for n, name in ((1, "First1"), (2, "Tonight"), (3, "First3"))
]
with KlaviyoProfiles(api_key=key, base_url=base_url, allow_insecure_http=True,
                     retry_policy=None) as client, SyncState.open(
                         path, api_key=key, base_url=base_url) as state:
    client.create_or_update_profiles(rows, changed_only=state, via="single")
"""


def test_a_kill_between_send_and_outcome_leaves_the_row_to_be_sent_again(
    sb: Sandbox, tmp_path: Path
) -> None:
    import subprocess

    caller = Caller("sync", "list", sb.base_url)
    path = tmp_path / "account.state"
    with caller.open(path) as state:
        caller.upsert(_people(3), changed_only=state, via="single")
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(_CHILD))
    # The request waits at the server, which then applies it: the process dies meanwhile.
    sb.set_faults(latency=1.5)
    child = subprocess.Popen(
        [sys.executable, str(script), caller.key, sb.base_url, str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seen: list[float] = []

    def in_flight() -> bool:
        # The changed row's identity is forgotten, and committed, before its request leaves.
        if not seen and _held(path) == 2:
            seen.append(time.monotonic())
        return bool(seen) and time.monotonic() - seen[0] > 0.5

    kill_when(child, in_flight, timeout=60, what="the changed row was never sent", wait=10)
    deadline = time.monotonic() + 10
    while _stored(sb)["p2@example.com"]["first_name"] != "Tonight":
        assert time.monotonic() < deadline, "the server never applied the request"
        time.sleep(0.05)
    sb.set_faults(latency=0.0)
    assert _held(path) == 2  # nothing recorded for the row in flight
    before = len(sb.requests())
    with caller.open(path) as state:  # the kill freed the file
        back = caller.upsert(_people(3), changed_only=state, via="single")
    assert [o.skipped for o in back] == [True, False, True]
    assert _sent(sb, before) == ["p2@example.com"]
    assert _stored(sb)["p2@example.com"]["first_name"] == "First2"


# ---- accounts, bad ground, one user at a time


def test_two_keys_keep_separate_states_and_a_state_serves_its_own_account_only(
    sb: Sandbox, tmp_path: Path
) -> None:
    ours = Caller("sync", "list", sb.base_url)
    theirs = Caller("sync", "list", sb.base_url)
    with ours.open(tmp_path / "ours.state") as state:
        ours.upsert(_people(2), changed_only=state)
        before = len(sb.requests())
        with pytest.raises(InvalidInputError, match="changed_only") as caught:
            theirs.upsert(_people(2), changed_only=state)
        assert sb.requests()[before:] == []  # refused before anything was sent
        assert ours.key not in str(caught.value) and theirs.key not in str(caught.value)
    with theirs.open(tmp_path / "theirs.state") as state:  # their own: nothing known yet
        assert not any(o.skipped for o in theirs.upsert(_people(2), changed_only=state))
    with pytest.raises(SyncStateError, match="another account"):
        theirs.open(tmp_path / "ours.state")


@pytest.mark.parametrize("damage", ["text", "truncated"])
def test_a_corrupt_state_is_a_one_line_error_before_anything_is_sent(
    sb: Sandbox, tmp_path: Path, damage: str
) -> None:
    caller = Caller("sync", "list", sb.base_url)
    path = tmp_path / "account.state"
    with caller.open(path) as state:
        caller.upsert(_people(40), changed_only=state)
    if damage == "text":
        path.write_bytes(b"name,email\nAda,ada@example.com\n" * 300)
    else:
        path.write_bytes(path.read_bytes()[: 3 * 4096])
    before = len(sb.requests())
    with pytest.raises(SyncStateError) as caught:
        caller.open(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and caller.key not in message
    assert sb.requests()[before:] == []


def test_an_unwritable_state_is_a_one_line_error_before_anything_is_sent(
    sb: Sandbox, tmp_path: Path
) -> None:
    caller = Caller("sync", "list", sb.base_url)
    (tmp_path / "a-directory").mkdir()
    for where, message in (
        (tmp_path / "missing" / "account.state", "directory does not exist"),
        (tmp_path / "a-directory", "cannot lock the state file"),
    ):
        with pytest.raises(SyncStateError, match=message) as caught:
            caller.open(where)
        assert "\n" not in str(caught.value)
    path = tmp_path / "account.state"
    with caller.open(path) as state:
        caller.upsert(_people(2), changed_only=state)
    if os.geteuid() != 0:  # permissions do not stop root
        path.chmod(0o400)
        try:
            with pytest.raises(SyncStateError, match="cannot") as caught:
                caller.open(path)
            assert "\n" not in str(caught.value)
        finally:
            path.chmod(0o600)
    with (
        caller.open(path, read_only=True) as state,
        pytest.raises(InvalidInputError, match="opened for writing"),
    ):
        caller.upsert(_people(2), changed_only=state)
    assert len(sb.requests()) == 2  # the first call's two rows only


def test_a_state_that_cannot_be_written_mid_call_stops_it_before_a_row_is_sent(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    caller = Caller("sync", "stream", sb.base_url)
    path = tmp_path / "account.state"
    with caller.open(path) as state:
        caller.upsert(_people(2), changed_only=state)
        tonight = _people(2)
        tonight[0]["first_name"] = "Tonight"

        def full_disk() -> None:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(state, "commit", full_disk)
        monkeypatch.setattr(state, "rollback", full_disk)
        before = len(sb.requests())
        with pytest.raises(SyncStateError, match="cannot write the state file") as caught:
            caller.upsert(tonight, changed_only=state)
        assert "\n" not in str(caught.value) and str(path) in str(caught.value)
        assert sb.requests()[before:] == []  # what was forgotten never reached the file
        monkeypatch.undo()
        assert [o.skipped for o in caller.upsert(tonight, changed_only=state)] == [False, True]


def test_two_users_of_one_state_at_once_are_refused(sb: Sandbox, tmp_path: Path) -> None:
    caller = Caller("sync", "list", sb.base_url)
    path = tmp_path / "account.state"
    with caller.open(path) as state:
        with pytest.raises(SyncStateInUseError, match="is in use by pid"):
            caller.open(path)  # a second opening, as a second process would
        with KlaviyoProfiles(**caller.options) as client:
            stream = client.iter_create_or_update_profiles(iter(_people(3)), changed_only=state)
            assert next(stream).ok  # the stream is using the state
            before = len(sb.requests())
            with pytest.raises(SyncStateInUseError, match="another call"):
                client.create_or_update_profiles(_people(3), changed_only=state)
            assert len(sb.requests()) == before
            assert [o.ok for o in stream] == [True, True]
            # Once the stream has ended, the state serves the next call.
            assert all(
                o.skipped for o in client.create_or_update_profiles(_people(3), changed_only=state)
            )


def test_the_state_holds_no_key_and_no_profile_values(sb: Sandbox, tmp_path: Path) -> None:
    caller = Caller("sync", "list", sb.base_url)
    path = tmp_path / "account.state"
    with caller.open(path) as state:
        caller.upsert(_people(3), changed_only=state)
    written = path.read_bytes()
    assert caller.key.encode() not in written
    for value in ("p1@example.com", "+14155550001", "First1", "Last1", "pro"):
        assert value.encode() not in written
