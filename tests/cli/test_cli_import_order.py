"""``import`` keeps file order per profile at any concurrency, and parallelism across profiles."""

from __future__ import annotations

import asyncio
import csv
import itertools
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from cli_helpers import invoke
from klaviyo_profiles.cli.importer import ProfileLanes, held_back_by, identity_keys
from klaviyo_profiles.sandbox import FaultConfig, RateLimitConfig, Sandbox, SandboxConfig


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _sent(sandbox: Sandbox, attribute: str = "first_name") -> list[object]:
    """``attribute`` of every profile request, in the order the sandbox handled them."""
    return [
        entry["body"]["data"]["attributes"].get(attribute)
        for entry in sandbox.requests()
        if isinstance(entry["body"], dict)
    ]


def _body(**attributes: str) -> dict[str, object]:
    return {"data": {"type": "profile", "attributes": attributes}}


# ---- the lanes, on their own


def test_rows_of_one_profile_run_one_at_a_time_in_file_order() -> None:
    async def scenario() -> tuple[list[int], int]:
        lanes = ProfileLanes()
        order: list[int] = []
        in_flight = 0
        most = 0

        async def row(
            number: int,
            waits: list[asyncio.Future[int | None]],
            mine: asyncio.Future[int | None],
            keys: frozenset[tuple[str, str]],
        ) -> None:
            nonlocal in_flight, most
            await held_back_by(waits)
            in_flight += 1
            most = max(most, in_flight)
            order.append(number)
            for _ in range(3):  # let every other task run in between
                await asyncio.sleep(0)
            in_flight -= 1
            lanes.leave(keys, mine, None)

        tasks = []
        for number in range(1, 21):
            keys = identity_keys(_body(email="same@example.com"))
            waits, mine = lanes.join(keys)
            tasks.append(asyncio.create_task(row(number, waits, mine, keys)))
        await asyncio.gather(*tasks)
        assert len(lanes) == 0  # nothing kept once the rows are done
        return order, most

    order, most = asyncio.run(scenario())
    assert order == list(range(1, 21))
    assert most == 1


def test_rows_of_different_profiles_are_in_flight_together() -> None:
    async def scenario() -> None:
        lanes = ProfileLanes()
        both_started = asyncio.Event()
        started: set[str] = set()

        async def row(email: str) -> None:
            keys = identity_keys(_body(email=email))
            waits, mine = lanes.join(keys)
            await held_back_by(waits)
            started.add(email)
            if len(started) == 2:
                both_started.set()
            # Finishes only once the other profile's row has started: serialised rows would
            # never get here, and the bounded wait below fails the test instead of hanging.
            await asyncio.wait_for(both_started.wait(), timeout=30)
            lanes.leave(keys, mine, None)

        await asyncio.gather(row("a@example.com"), row("b@example.com"))

    asyncio.run(scenario())


def test_row_linking_two_identities_waits_for_both_and_later_rows_wait_for_it() -> None:
    async def scenario() -> list[str]:
        lanes = ProfileLanes()
        events: list[str] = []
        by_email = identity_keys(_body(email="e@example.com"))
        by_phone = identity_keys(_body(phone_number="+15550100000"))
        linked = by_email | by_phone
        waits_email, email_row = lanes.join(by_email)
        waits_phone, phone_row = lanes.join(by_phone)
        assert waits_email == [] and waits_phone == []  # different identities: no waiting
        waits_linked, linked_row = lanes.join(linked)
        assert set(map(id, waits_linked)) == {id(email_row), id(phone_row)}
        waits_after, _ = lanes.join(by_phone)
        assert [id(w) for w in waits_after] == [id(linked_row)]

        async def linked_task() -> None:
            blocker = await held_back_by(waits_linked)
            events.append(f"linked sent, blocker {blocker}")

        task = asyncio.create_task(linked_task())
        await asyncio.sleep(0)
        lanes.leave(by_email, email_row, None)
        await asyncio.sleep(0)
        assert events == []  # still waiting for the phone row
        lanes.leave(by_phone, phone_row, 7)  # the phone row (row 7) failed
        await task
        return events

    assert asyncio.run(scenario()) == ["linked sent, blocker 7"]


# ---- through the command, against the sandbox


@pytest.mark.parametrize("attempt", range(5))
def test_forty_rows_for_one_email_end_with_the_last_row(
    attempt: int, sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    names = [f"Name{number:02d}" for number in range(1, 41)]
    # Other profiles in between, so the workers have something else to do meanwhile.
    rows: list[list[str]] = []
    for number, name in enumerate(names, start=1):
        rows.append(["same@example.com", name])
        rows.append([f"other{number}@example.com", "Other"])
    source = _write(tmp_path / "people.csv", ["email", "first_name"], rows)
    result = invoke(["import", str(source), "--base-url", sandbox.base_url, "--no-pacing"])
    assert result.exit_code == 0, result.output
    stored = {p["attributes"]["email"]: p["attributes"] for p in sandbox.profiles()}
    assert stored["same@example.com"]["first_name"] == "Name40"
    assert len(stored) == 41
    same = [
        entry["body"]["data"]["attributes"]["first_name"]
        for entry in sandbox.requests()
        if entry["body"]["data"]["attributes"]["email"] == "same@example.com"
    ]
    assert same == names  # received and applied in file order


def test_rows_naming_one_profile_by_email_phone_or_both_keep_file_order(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    rows = [["e@example.com", "", "First"]]
    # Later rows name the profile by phone only, then by both (which links the two lanes).
    rows += [["e@example.com", "+15550100000", "Linked"]]
    rows += [["", "+15550100000", f"Phone{n}"] for n in range(1, 16)]
    rows += [["e@example.com", "", f"Email{n}"] for n in range(1, 16)]
    rows += [["e@example.com", "+15550100000", "Last"]]
    source = _write(tmp_path / "mixed.csv", ["email", "phone_number", "first_name"], rows)
    result = invoke(
        ["import", str(source), "--base-url", sandbox.base_url, "--no-pacing",
         "--concurrency", "16"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # Once the second row linked the email and the phone number, rows naming either one are
    # the same profile's: every row went in file order.
    assert _sent(sandbox) == [row[2] for row in rows]
    (profile,) = sandbox.profiles()
    assert profile["attributes"]["first_name"] == "Last"


def test_rows_of_different_profiles_overlap_in_the_sandbox(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    # Each request is held 1 s by the sandbox; the log gives each one's arrival time and
    # lists them as they complete. A request arriving before the one logged ahead of it
    # completed proves both were in flight at once (serial sending could never do that).
    latency = 1.0
    config = SandboxConfig(
        rate_limits=RateLimitConfig(enabled=False), faults=FaultConfig(latency=latency)
    )
    rows = [[f"p{number}@example.com", "P"] for number in range(1, 17)]
    source = _write(tmp_path / "many.csv", ["email", "first_name"], rows)
    with Sandbox(config) as slow:
        result = invoke(["import", str(source), "--base-url", slow.base_url, "--no-pacing"])
        log = slow.requests()
    assert result.exit_code == 0, result.output
    arrivals = [datetime.fromisoformat(entry["time"]).timestamp() for entry in log]
    overlapping = sum(
        1 for before, after in itertools.pairwise(arrivals) if after < before + latency / 2
    )
    assert overlapping >= 1, arrivals


def test_a_failed_row_holds_back_later_rows_of_its_profile_until_a_rerun(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    rows = [["held@example.com", "Early"], ["held@example.com", "Late"]]
    source = _write(tmp_path / "two.csv", ["email", "first_name"], rows)
    args = ["import", str(source), "--no-pacing", "--max-attempts", "1"]
    failing = SandboxConfig(
        rate_limits=RateLimitConfig(enabled=False), faults=FaultConfig(script=(503,))
    )
    with Sandbox(failing) as sb:
        first = invoke([*args, "--base-url", sb.base_url])
        assert first.exit_code == 1
        assert "2 failed" in first.stdout
        rejects = (tmp_path / "two.csv.rejects.csv").read_text()
        assert "row 1 for the same profile failed" in rejects
        # The late row was not sent on its own: an early row re-sent later would undo it.
        assert _sent(sb) == ["Early"]
        again = invoke([*args, "--base-url", sb.base_url])
        assert again.exit_code == 0, again.output
        assert _sent(sb) == ["Early", "Early", "Late"]
        (profile,) = sb.profiles()
    assert profile["attributes"]["first_name"] == "Late"


def test_row_matching_two_stored_profiles_is_rejected_with_the_conflict(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    rows = [
        ["a@example.com", "", "A"],
        ["", "+15550100000", "B"],
        # Email of one stored profile, phone of another: Klaviyo cannot apply it to both.
        ["a@example.com", "+15550100000", "Both"],
    ]
    source = _write(tmp_path / "conflict.csv", ["email", "phone_number", "first_name"], rows)
    result = invoke(["import", str(source), "--base-url", sandbox.base_url, "--no-pacing"])
    assert result.exit_code == 1
    assert "2 created" in result.stdout and "1 rejected" in result.stdout
    with (tmp_path / "conflict.csv.rejects.csv").open(newline="") as handle:
        (reject,) = list(csv.DictReader(handle))
    assert reject["row"] == "3" and reject["error"].startswith("409")
    names = sorted(p["attributes"]["first_name"] for p in sandbox.profiles())
    assert names == ["A", "B"]  # neither profile took the conflicting row


def test_json_lines_rows_keep_order_per_profile(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    lines: Iterator[str] = (
        json.dumps({"external_id": "crm-1", "first_name": f"V{n}"}) for n in range(1, 31)
    )
    source = tmp_path / "people.jsonl"
    source.write_text("\n".join(lines) + "\n")
    result = invoke(["import", str(source), "--base-url", sandbox.base_url, "--no-pacing"])
    assert result.exit_code == 0, result.output
    assert _sent(sandbox) == [f"V{n}" for n in range(1, 31)]


def test_fixed_earlier_row_is_followed_again_by_the_later_row_of_its_profile(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    header = ["email", "phone_number", "first_name"]
    rows = [
        ["a@example.com", "12345", "Fixed"],  # refused: not an E.164 phone number
        ["a@example.com", "", "Last"],
        ["b@example.com", "", "Other"],
    ]
    source = _write(tmp_path / "people.csv", header, rows)
    args = ["import", str(source), "--base-url", sandbox.base_url, "--no-pacing"]
    first = invoke(args)
    assert first.exit_code == 1 and "1 rejected" in first.stdout
    rows[0][1] = "+15550100000"
    _write(source, header, rows)
    fixed = invoke(args)
    assert fixed.exit_code == 0, fixed.output
    # The fixed row was sent, then the row after it for the same profile again, so the
    # file's last row still wins; the other profile's row stayed skipped.
    assert "1 skipped" in fixed.stdout
    assert _sent(sandbox)[-2:] == ["Fixed", "Last"]
    stored = {p["attributes"]["email"]: p["attributes"] for p in sandbox.profiles()}
    assert stored["a@example.com"]["first_name"] == "Last"
    assert stored["a@example.com"]["phone_number"] == "+15550100000"
