"""The sync state (``klaviyo_profiles.sync_state``): what "the same request" means, one file
per account, identities kept disjoint, and files it must refuse."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from klaviyo_profiles.sync_state import (
    SyncEntry,
    SyncState,
    SyncStateError,
    SyncStateInUseError,
    account_for,
    canonical_json,
    digest_of,
    state_directory,
)

KEY = "pk_sync_state_test_0123456789abcdef"
OTHER_KEY = "pk_sync_state_other_0123456789abcd"


def _resource(**attributes: object) -> dict[str, object]:
    return {"type": "profile", "attributes": attributes}


def test_digest_is_of_the_canonical_request_nulls_included() -> None:
    a = _resource(email="ada@example.com", first_name="Ada", last_name=None)
    attributes = {"last_name": None, "first_name": "Ada", "email": "ada@example.com"}
    reordered: dict[str, object] = {"attributes": attributes, "type": "profile"}
    assert canonical_json(a) == canonical_json(reordered)
    assert digest_of(a, "2026-07-15") == digest_of(reordered, "2026-07-15")
    # A field newly cleared is another request; so is one left out instead.
    assert digest_of(a, "2026-07-15") != digest_of(
        _resource(email="ada@example.com", first_name="Ada"), "2026-07-15"
    )
    # The pinned revision is part of it: a new revision sends everything once.
    assert digest_of(a, "2026-07-15") != digest_of(a, "2026-10-15")
    # Keyed by the account: the same request digests differently for another key.
    mine, other = account_for(KEY), account_for(OTHER_KEY)
    assert digest_of(a, "r", secret=mine.secret) != digest_of(a, "r", secret=other.secret)


def test_account_is_the_key_fingerprint_and_base_url_never_the_key(tmp_path: Path) -> None:
    production = account_for(KEY)
    sandbox = account_for(KEY, "http://127.0.0.1:8080/")
    assert production.base_url == "https://a.klaviyo.com"
    assert sandbox.base_url == "http://127.0.0.1:8080"
    assert production.fingerprint == sandbox.fingerprint and len(production.fingerprint) == 16
    assert production.id != sandbox.id != account_for(OTHER_KEY, "http://127.0.0.1:8080").id
    assert KEY not in repr(production) and production.secret.hex() not in repr(production)
    assert production.default_path(tmp_path).name == f"a.klaviyo.com-{production.id}.sqlite"
    assert sandbox.default_path(tmp_path).name == f"127.0.0.1_8080-{sandbox.id}.sqlite"


def test_state_directory_by_platform() -> None:
    home = {"HOME": "/home/ada"}
    assert state_directory(home, "linux") == Path("/home/ada/.local/state/klaviyo-profiles")
    xdg = {**home, "XDG_STATE_HOME": "/var/state"}
    assert state_directory(xdg, "linux") == Path("/var/state/klaviyo-profiles")
    # A relative XDG_STATE_HOME is invalid by the XDG spec, and ignored.
    relative = {**home, "XDG_STATE_HOME": "state"}
    assert state_directory(relative, "linux") == Path("/home/ada/.local/state/klaviyo-profiles")
    assert state_directory(home, "darwin") == Path(
        "/home/ada/Library/Application Support/klaviyo-profiles"
    )
    windows = {**home, "LOCALAPPDATA": "C:/Users/ada/AppData/Local"}
    assert state_directory(windows, "win32") == Path("C:/Users/ada/AppData/Local/klaviyo-profiles")


def _entry(state: SyncState, resource: dict[str, object], memo: str = "") -> SyncEntry:
    entry = state.entry_for(resource, memo=state.memo(memo) if memo else None)
    assert entry is not None
    return entry


def test_recorded_request_is_found_by_identity_and_by_memo(tmp_path: Path) -> None:
    account = account_for(KEY)
    with SyncState.open(tmp_path / "s.sqlite", account=account) as state:
        ada = _entry(state, _resource(email="Ada@Example.com", first_name="Ada"), "row 1")
        assert state.lookup([ada.ident]) == {}
        state.record([(ada, 1_700_000_000.5)])
        held = state.lookup([ada.ident])[ada.ident]
        assert held.digest == ada.digest and held.memo == ada.memo
        assert held.applied_at == 1_700_000_000
        assert state.by_memo([state.memo("row 1")]) == {
            state.memo("row 1"): (ada.ident, 1_700_000_000)
        }
        assert state.by_memo([state.memo("row 2")]) == {}
        # The identity rule: case and spaces of an email do not make another identity.
        same = _entry(state, _resource(email=" ada@example.com ", first_name="Ada"))
        assert same.ident == ada.ident and same.digest != ada.digest


def test_identities_held_never_share_an_identifier(tmp_path: Path) -> None:
    with SyncState.open(tmp_path / "s.sqlite", account=account_for(KEY)) as state:
        email_only = _entry(state, _resource(email="ada@example.com"))
        phone_only = _entry(state, _resource(phone_number="+447700900123"))
        both = _entry(state, _resource(email="ada@example.com", phone_number="+447700900123"))
        grace = _entry(state, _resource(email="grace@example.com"))
        state.record([(email_only, 1.0), (phone_only, 2.0), (grace, 3.0)])
        assert set(state.lookup([email_only.ident, phone_only.ident, grace.ident])) == {
            email_only.ident,
            phone_only.ident,
            grace.ident,
        }
        # A request naming both replaces both: neither is what was last applied any more.
        state.record([(both, 4.0)])
        held = state.lookup([email_only.ident, phone_only.ident, both.ident, grace.ident])
        assert set(held) == {both.ident, grace.ident}
        # Forgetting before a send drops every identity naming one of its identifiers.
        dropped = state.forget(phone_only.keys)
        assert set(dropped) == {both.ident} and set(dropped[both.ident]) == set(both.keys)
        assert set(state.lookup([both.ident, grace.ident])) == {grace.ident}
        assert state.profiles() == 1


def test_record_is_idempotent_and_the_later_of_two_rows_wins(tmp_path: Path) -> None:
    with SyncState.open(tmp_path / "s.sqlite", account=account_for(KEY)) as state:
        first = _entry(state, _resource(email="ada@example.com", first_name="A"))
        second = _entry(state, _resource(email="ada@example.com", first_name="B"))
        applied = [(first, 1.0), (second, 2.0)]
        state.record(applied)
        state.record(applied)  # replayed after a crash before the journal was marked
        assert state.lookup([first.ident])[first.ident].digest == second.digest
        assert state.profiles() == 1


def test_entry_round_trips_through_its_packed_bytes(tmp_path: Path) -> None:
    with SyncState.open(tmp_path / "s.sqlite", account=account_for(KEY)) as state:
        entry = _entry(state, _resource(email="a@example.com", external_id="x-1"), "memo")
        assert SyncEntry.unpack(entry.pack()) == entry
        bare = _entry(state, _resource(email="a@example.com"))
        assert SyncEntry.unpack(bare.pack()) == bare
    with pytest.raises(ValueError):
        SyncEntry.unpack(b"\x10\x00garbage")


def test_a_file_of_another_account_is_refused_naming_both(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    SyncState.open(path, account=account_for(KEY, "http://127.0.0.1:1")).close()
    with pytest.raises(SyncStateError, match="state of another account") as caught:
        SyncState.open(path, account=account_for(KEY, "https://a.klaviyo.com"))
    assert "127.0.0.1:1" in str(caught.value) and KEY not in str(caught.value)
    with pytest.raises(SyncStateError, match="another account"):
        SyncState.open(path, account=account_for(OTHER_KEY, "http://127.0.0.1:1"))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.write_bytes(b"not sqlite at all, just text\n" * 200), "not a readable"),
        (lambda p: _other_database(p), "not a sync state"),
        (lambda p: _newer_schema(p), "newer klaviyo-profiles"),
    ],
    ids=["text", "another-database", "newer-schema"],
)
def test_what_is_not_a_usable_state_is_refused_in_one_line(
    tmp_path: Path, damage: object, message: str
) -> None:
    path = tmp_path / "s.sqlite"
    assert callable(damage)
    damage(path)
    before = path.read_bytes()
    with pytest.raises(SyncStateError, match=message) as caught:
        SyncState.open(path, account=account_for(KEY))
    assert "\n" not in str(caught.value)
    assert path.read_bytes() == before  # left as it was


def _other_database(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (email TEXT)")
    db.close()


def _newer_schema(path: Path) -> None:
    SyncState.open(path, account=account_for(KEY)).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    db.close()


def test_a_damaged_page_is_found_when_the_file_is_opened(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with SyncState.open(path, account=account_for(KEY)) as state:
        entries = [
            (_entry(state, _resource(email=f"p{n}@example.com"), f"row {n}"), float(n))
            for n in range(3000)
        ]
        state.record(entries)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 8 * page
    data[5 * page : 6 * page] = b"\xff" * page  # a page in the middle, scribbled over
    path.write_bytes(bytes(data))
    with pytest.raises(SyncStateError, match=r"damaged|not a readable"):
        SyncState.open(path, account=account_for(KEY))


def test_read_only_open_of_a_missing_file_is_an_empty_state_and_creates_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "missing.sqlite"
    with SyncState.open(path, account=account_for(KEY), read_only=True) as state:
        assert state.profiles() == 0 and state.lookup([1, 2]) == {}
    assert not path.exists()


def test_a_new_state_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    SyncState.open(path, account=account_for(KEY)).close()
    assert path.stat().st_mode & 0o077 == 0


def test_run_token_and_owner_are_noted(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with SyncState.open(path, account=account_for(KEY)) as state:
        first = state.begin_run("pid 1 on host")
        assert state.meta("run") == first and SyncState.owner_of(path) == "pid 1 on host"
        assert state.begin_run("pid 2 on host") != first
    assert time.time() > 0


def test_an_open_state_holds_its_file_and_a_second_open_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with SyncState.open(path, api_key=KEY, base_url="http://127.0.0.1:1"):
        with pytest.raises(SyncStateInUseError, match=r"is in use by pid \d+ on ") as caught:
            SyncState.open(path, api_key=KEY, base_url="http://127.0.0.1:1")
        assert "\n" not in str(caught.value) and KEY not in str(caught.value)
    # Closed: free again, and nothing beside the file was left to lock it.
    SyncState.open(path, api_key=KEY, base_url="http://127.0.0.1:1").close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.sqlite"]


def test_one_open_state_serves_one_call_at_a_time(tmp_path: Path) -> None:
    with SyncState.open(tmp_path / "s.sqlite", api_key=KEY) as state:
        state.begin_call()
        with pytest.raises(SyncStateInUseError, match="another call of this process"):
            state.begin_call()
        state.end_call()
        state.begin_call()
    with pytest.raises(SyncStateError, match="is closed"):
        state.begin_call()


def test_the_account_comes_from_the_key_or_the_environment_never_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLAVIYO_API_KEY", KEY)
    with SyncState.open(tmp_path / "s.sqlite") as state:
        assert state.account == account_for(KEY)
        assert KEY not in repr(state)
    assert KEY.encode() not in (tmp_path / "s.sqlite").read_bytes()
    with pytest.raises(ValueError, match="account"):
        SyncState.open(tmp_path / "t.sqlite", api_key=KEY, account=account_for(KEY))


@pytest.mark.parametrize("value", [0, -1.0, float("nan"), float("inf"), True, "7d"])
def test_resend_after_must_be_a_positive_number_of_seconds(tmp_path: Path, value: object) -> None:
    with pytest.raises(ValueError, match="resend_after"):
        SyncState.open(tmp_path / "s.sqlite", api_key=KEY, resend_after=value)  # type: ignore[arg-type]
    assert not (tmp_path / "s.sqlite").exists()  # refused before the file was made


def test_what_begin_holds_is_seen_by_lookups_and_kept_only_once_committed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.sqlite"
    with SyncState.open(path, api_key=KEY) as state:
        entry = _entry(state, _resource(email="ada@example.com", first_name="Ada"))
        state.begin()
        state.record([(entry, 1.0)])
        assert state.applied(entry.ident) is not None  # seen before the commit
        state.rollback()
        assert state.applied(entry.ident) is None
        state.begin()
        state.record([(entry, 1.0)])
        state.commit()
    with SyncState.open(path, api_key=KEY) as state:
        held = state.applied(entry.ident)
        assert held is not None and held.digest == entry.digest
