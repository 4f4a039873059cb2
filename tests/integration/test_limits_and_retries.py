"""Within Klaviyo's limits and through its faults, against the sandbox over loopback.

Windows are shortened (burst 30 per 0.25 s, steady 150 per 2 s) so the runs take seconds. Each
test uses its own API key: limiters are shared per key within a process, and so are the
sandbox's counters.

The sandbox runs in its own process (``python -m klaviyo_profiles.sandbox``) and is driven
through its admin surface, as a real server would be.

Nothing here depends on how fast the machine is: the tests assert what load cannot change
(every upsert delivered once, every 429 retried, the limiter's own grants within its windows).
Throughput and the number of 429s under pacing are figures, measured by benchmarks/pacing.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from klaviyo_profiles import AsyncKlaviyoProfiles, KlaviyoProfiles, ProfileResult, RateLimitError
from klaviyo_profiles.ratelimit import MemoryBackend, RateLimits
from klaviyo_profiles.retries import RetryPolicy
from process_helpers import free_port as _free_port
from process_helpers import start_module

BURST_LIMIT, BURST_PERIOD, STEADY_LIMIT, STEADY_PERIOD = 30, 0.25, 150, 2.0
LIMITS = RateLimits(
    burst_limit=BURST_LIMIT,
    burst_period=BURST_PERIOD,
    steady_limit=STEADY_LIMIT,
    steady_period=STEADY_PERIOD,
    # Wider than the default 0.05 s: on a loaded 2-core CI machine a request can reach the
    # server's fixed window noticeably later than the client counted it.
    safety_margin=0.1,
)
SERVER_LIMITS = {
    "enabled": True,
    "burst_limit": BURST_LIMIT,
    "burst_period": BURST_PERIOD,
    "steady_limit": STEADY_LIMIT,
    "steady_period": STEADY_PERIOD,
}
NO_FAULTS = {"error_rate": 0.0, "drop_rate": 0.0, "drop_after_commit_rate": 0.0, "script": []}
STEADY_RATE = STEADY_LIMIT / STEADY_PERIOD
PATIENT = RetryPolicy(max_attempts=20, total_timeout=60.0, initial_backoff=0.05, max_backoff=1.0)
CONCURRENCY = 16


def new_key() -> str:
    return "pk_" + uuid.uuid4().hex


class RemoteSandbox:
    """A sandbox process, driven through ``/sandbox/*``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._admin = httpx.Client(base_url=base_url, timeout=30)

    def configure(self, rate_limits: dict[str, Any], faults: dict[str, Any] = NO_FAULTS) -> None:
        """Forget everything, then apply these settings."""
        self._admin.post("/sandbox/reset").raise_for_status()
        changes = {"rate_limits": rate_limits, "faults": faults}
        self._admin.put("/sandbox/config", json=changes).raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self._admin.get("/sandbox/requests").json()["requests"]
        return [entry for entry in entries if entry["path"].startswith("/api/profile-import")]

    def count_status(self, status: int) -> int:
        return sum(1 for entry in self.requests() if entry["status"] == status)

    def stored_emails(self) -> list[str]:
        profiles = self._admin.get("/sandbox/profiles").json()["profiles"]
        return sorted(profile["attributes"]["email"] for profile in profiles)

    def arrival_times(self) -> list[float]:
        return [datetime.fromisoformat(entry["time"]).timestamp() for entry in self.requests()]

    def close(self) -> None:
        self._admin.close()


@pytest.fixture(scope="module")
def sandbox_process() -> Iterator[RemoteSandbox]:
    port = _free_port()
    process = start_module(
        "klaviyo_profiles.sandbox",
        ["--host", "127.0.0.1", "--port", f"{port}"],
        stderr=subprocess.PIPE,
    )
    remote = RemoteSandbox(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{remote.base_url}/sandbox/config", timeout=1).raise_for_status()
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the sandbox process did not start") from None
                time.sleep(0.05)
        yield remote
    finally:
        remote.close()
        process.terminate()
        process.wait(10)


@pytest.fixture
def sandbox(sandbox_process: RemoteSandbox) -> RemoteSandbox:
    """The sandbox, emptied and set to the shortened windows, without faults."""
    sandbox_process.configure(SERVER_LIMITS)
    return sandbox_process


class RecordingBackend:
    """The in-memory limiter backend, noting the moment of every slot it grants, on the
    limiter's own clock: what the limiter decided, whatever the machine did afterwards."""

    def __init__(self) -> None:
        self._memory = MemoryBackend()
        self.granted: list[float] = []

    @property
    def blocking(self) -> bool:
        return self._memory.blocking

    def now(self) -> float:
        return self._memory.now()

    def leak(self, bucket: Any, now: float) -> None:
        self._memory.leak(bucket, now)

    def open_bucket(self, key: str, rates: list[Any]) -> Any:
        bucket = self._memory.open_bucket(key, rates)
        put = bucket.put

        def recording_put(item: Any) -> Any:
            admitted = put(item)
            if admitted is True:
                self.granted.append(item.timestamp / 1000)
            return admitted

        bucket.put = recording_put
        return bucket


def sqlite_grants(db: Path) -> list[float]:
    """Every slot granted through a SQLite limiter file, in seconds (all keys' tables)."""
    with sqlite3.connect(db) as connection:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            if name.startswith("klaviyo_")
        ]
        return [
            stamp / 1000
            for table in tables
            for (stamp,) in connection.execute(f'SELECT item_timestamp FROM "{table}"')
        ]


def assert_granted_within_the_limits(granted: Sequence[float], expected: int) -> None:
    """The limiter granted one slot per request sent, and never more than a window holds."""
    assert len(granted) == expected
    assert max_in_window(granted, STEADY_PERIOD) <= STEADY_LIMIT
    assert max_in_window(granted, BURST_PERIOD) <= BURST_LIMIT


def assert_every_429_was_retried(sandbox: RemoteSandbox, results: Sequence[ProfileResult]) -> None:
    """No faults are injected, so every attempt past the first answers one 429, and each 429
    is followed by an attempt: none is lost, none is given up on."""
    assert sum(result.attempts - 1 for result in results) == sandbox.count_status(429)


async def upsert_all_async(
    client: AsyncKlaviyoProfiles, emails: Sequence[str], **kwargs: Any
) -> list[ProfileResult]:
    """Upsert every email from CONCURRENCY tasks sharing one queue."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for email in emails:
        queue.put_nowait(email)
    results: list[ProfileResult] = []

    async def worker() -> None:
        while not queue.empty():
            email = queue.get_nowait()
            results.append(await client.create_or_update_profile(email=email, **kwargs))

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return results


def max_in_window(times: Sequence[float], period: float) -> int:
    """The largest number of ``times`` inside any window of ``period`` seconds."""
    ordered = sorted(times)
    best = first = 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= period:
            first += 1
        best = max(best, last - first + 1)
    return best


# -- limiter on: every upsert delivered, paced by the limiter's own decisions ---------------
# How close to the limits the pacing runs, and how many 429s a loaded machine still meets,
# depend on the machine: benchmarks/pacing.py measures them.


def test_sync_upserts_are_all_delivered_within_the_limiters_windows(
    sandbox: RemoteSandbox,
) -> None:
    emails = [f"sync-{i}@example.com" for i in range(400)]
    backend = RecordingBackend()
    with KlaviyoProfiles(
        api_key=new_key(),
        base_url=sandbox.base_url,
        rate_limits=LIMITS,
        limiter_backend=backend,
        retry_policy=PATIENT,
    ) as client:
        results = [client.create_or_update_profile(email=email) for email in emails]

    assert [result.profile_id is not None for result in results] == [True] * len(emails)
    assert sandbox.stored_emails() == sorted(emails)
    assert_every_429_was_retried(sandbox, results)
    assert_granted_within_the_limits(backend.granted, len(sandbox.requests()))


def test_async_upserts_are_all_delivered_within_the_limiters_windows(
    sandbox: RemoteSandbox,
) -> None:
    emails = [f"async-{i}@example.com" for i in range(400)]
    backend = RecordingBackend()

    async def run() -> list[ProfileResult]:
        async with AsyncKlaviyoProfiles(
            api_key=new_key(),
            base_url=sandbox.base_url,
            rate_limits=LIMITS,
            limiter_backend=backend,
            retry_policy=PATIENT,
        ) as client:
            return await upsert_all_async(client, emails)

    results = asyncio.run(run())

    assert len(results) == len(emails)
    assert sandbox.stored_emails() == sorted(emails)
    assert_every_429_was_retried(sandbox, results)
    assert_granted_within_the_limits(backend.granted, len(sandbox.requests()))


# -- limiter off: the server throttles, retries still deliver everything -----------------------


def test_without_the_limiter_429s_happen_and_retries_deliver_every_upsert(
    sandbox: RemoteSandbox,
) -> None:
    # 10 per 2 s: the first CONCURRENCY requests, sent at once, overrun the first window even
    # on a machine that needs a second or more to get them all to the server.
    sandbox.configure({**SERVER_LIMITS, "burst_limit": 10, "burst_period": 2.0})
    emails = [f"unpaced-{i}@example.com" for i in range(30)]

    async def run() -> list[ProfileResult]:
        async with AsyncKlaviyoProfiles(
            api_key=new_key(), base_url=sandbox.base_url, rate_limits=False, retry_policy=PATIENT
        ) as client:
            return await upsert_all_async(client, emails)

    results = asyncio.run(run())

    assert sandbox.count_status(429) > 0
    assert len(results) == len(emails)
    assert any(result.attempts > 1 for result in results)
    assert_every_429_was_retried(sandbox, results)
    assert sandbox.stored_emails() == sorted(emails)


# -- faults: nothing lost, nothing duplicated ---------------------------------------------------


def test_through_5xx_and_dropped_connections_every_upsert_lands_exactly_once(
    sandbox: RemoteSandbox,
) -> None:
    faults = {"seed": 5, "error_rate": 0.2, "drop_rate": 0.05, "drop_after_commit_rate": 0.05}
    sandbox.configure({"enabled": False}, faults)
    emails = [f"faulty-{i}@example.com" for i in range(1000)]
    quick = RetryPolicy(max_attempts=12, total_timeout=30.0, initial_backoff=0.02, max_backoff=0.2)

    async def run() -> list[ProfileResult]:
        async with AsyncKlaviyoProfiles(
            api_key=new_key(), base_url=sandbox.base_url, rate_limits=False, retry_policy=quick
        ) as client:
            return await upsert_all_async(client, emails)

    results = asyncio.run(run())
    faults_seen = [entry["fault"] for entry in sandbox.requests()]
    assert sandbox.stored_emails() == sorted(emails)  # exactly 1,000: none lost, none doubled
    assert len(results) == len(emails)
    assert sum(1 for fault in faults_seen if fault not in (None, "pass")) > 150
    retried = [result for result in results if result.attempts > 1]
    print(f"\n[faults] {len(retried)} of {len(results)} upserts needed more than one attempt")
    # The documented ambiguity: a create whose response was lost comes back as an update.
    assert any(not result.created for result in retried)


# -- several processes, one budget ---------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import sys, json
    from klaviyo_profiles import KlaviyoProfiles
    from klaviyo_profiles.ratelimit import RateLimits, SQLiteBackend
    from klaviyo_profiles.retries import RetryPolicy

    base_url, db, key, name, count = sys.argv[1:6]
    limits = RateLimits(**json.loads(sys.argv[6]))
    client = KlaviyoProfiles(
        api_key=key, base_url=base_url, rate_limits=limits,
        limiter_backend=SQLiteBackend(db), retry_policy=RetryPolicy(max_attempts=20),
    )
    print("ready", flush=True)
    sys.stdin.readline()  # start together
    attempts = [
        client.create_or_update_profile(email=f"{name}-{i}@example.com").attempts
        for i in range(int(count))
    ]
    print(json.dumps(attempts), flush=True)
    """
)


def test_two_processes_sharing_the_sqlite_backend_stay_within_the_limits(
    sandbox: RemoteSandbox, tmp_path: Path
) -> None:
    key, per_process = new_key(), 150
    # A wider margin: three busy processes on two cores delay requests more than usual.
    limits = {
        "burst_limit": BURST_LIMIT,
        "burst_period": BURST_PERIOD,
        "steady_limit": STEADY_LIMIT,
        "steady_period": STEADY_PERIOD,
        "safety_margin": 0.1,
    }
    db = tmp_path / "limits.sqlite"
    child_command = [sys.executable, "-c", CHILD, sandbox.base_url, str(db), key]
    children = [
        subprocess.Popen(
            [*child_command, name, f"{per_process}", json.dumps(limits)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in ("first", "second")
    ]
    try:
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
        outputs = [child.communicate("go\n", timeout=120)[0] for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    assert [child.returncode for child in children] == [0, 0]
    attempts = [json.loads(output.strip().splitlines()[-1]) for output in outputs]

    assert len(sandbox.stored_emails()) == 2 * per_process
    # Every attempt past the first answered one 429 (no faults), and was followed by another.
    assert sum(n - 1 for per_child in attempts for n in per_child) == sandbox.count_status(429)
    # The two processes' limiters shared one budget: the SQLite file holds one grant per
    # request sent, and no window of them holds more than its limit (the limiters' own clock).
    granted = sqlite_grants(db)
    assert len(granted) == len(sandbox.requests())
    assert max_in_window(granted, STEADY_PERIOD) <= STEADY_LIMIT
    assert max_in_window(granted, BURST_PERIOD) <= BURST_LIMIT


# -- Retry-After -------------------------------------------------------------------------------


def test_a_retry_waits_at_least_retry_after_and_gives_up_at_the_budget(
    sandbox: RemoteSandbox,
) -> None:
    # One request per 1.5 s lets the test provoke a 429 at will.
    sandbox.configure(
        {"burst_limit": 1, "burst_period": 1.5, "steady_limit": 100, "steady_period": 60}
    )
    events: list[tuple[str, float, httpx.Headers | None, int | None]] = []

    def on_request(request: httpx.Request) -> None:
        events.append(("request", time.monotonic(), None, None))

    def on_response(response: httpx.Response) -> None:
        events.append(("response", time.monotonic(), response.headers, response.status_code))

    hooks: dict[str, list[Any]] = {"request": [on_request], "response": [on_response]}
    policy = RetryPolicy(max_attempts=5, total_timeout=30.0, initial_backoff=0.01, jitter=False)
    with (
        httpx.Client(event_hooks=hooks) as http,
        KlaviyoProfiles(
            api_key=new_key(),
            base_url=sandbox.base_url,
            rate_limits=False,
            retry_policy=policy,
            http_client=http,
        ) as client,
    ):
        assert client.create_or_update_profile(email="first@example.com").attempts == 1

        events.clear()
        result = client.create_or_update_profile(email="second@example.com")
        assert result.attempts == 2
        assert [(kind, status) for kind, _, _, status in events] == [
            ("request", None),
            ("response", 429),
            ("request", None),
            ("response", 201),
        ]
        headers = events[1][2]
        assert headers is not None
        retry_after = float(headers["retry-after"])
        waited = events[2][1] - events[1][1]
        print(f"\n[Retry-After] header {retry_after:.0f} s, waited {waited:.3f} s")
        assert waited >= retry_after

        # Throttled again at once; a budget shorter than Retry-After gives up without waiting.
        sent_before = len(sandbox.requests())
        with pytest.raises(RateLimitError) as raised:
            client.create_or_update_profile(email="third@example.com", total_timeout=0.5)
        assert raised.value.retry_after is not None
        assert raised.value.retry_after >= 1
        # One attempt, no second one after a wait the budget could not afford.
        assert len(sandbox.requests()) == sent_before + 1


# -- limits follow the generated facts ---------------------------------------------------------

BUILD_FRAGMENT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    import spec_tools, update_revision
    current = spec_tools.load_document(Path(sys.argv[2]))
    fragment = update_revision.build_fragment(Path(sys.argv[3]), revision=None, current=current)
    Path(sys.argv[4]).write_text(update_revision.render(fragment), encoding="utf-8")
    """
)

READ_LIMITS = textwrap.dedent(
    """
    import json
    from klaviyo_profile_import import facts
    from klaviyo_profiles.limiter_urls import shared_limiter
    from klaviyo_profiles.ratelimit import RateLimits
    limits = RateLimits.from_facts()
    limiter = shared_limiter("facts-check", limits)
    print(json.dumps({
        "revision": facts.REVISION,
        "facts": facts.__file__,
        "steady": [limiter.limits.steady_limit, limiter.limits.steady_period],
        "burst": [limiter.limits.burst_limit, limiter.limits.burst_period],
    }))
    """
)


def test_a_client_regenerated_for_2025_04_15_paces_by_its_700_per_minute(
    klaviyo_specs: Path, repo_root: Path, tmp_path: Path
) -> None:
    source = klaviyo_specs / "2025-04-15" / "stable.json"
    spec = tmp_path / "profile-import.yaml"
    scripts = repo_root / "scripts"
    run = {"check": True, "capture_output": True, "text": True, "timeout": 120}
    fragment = repo_root / "spec" / "profile-import.yaml"
    build = [sys.executable, "-c", BUILD_FRAGMENT, *map(str, (scripts, fragment, source, spec))]
    subprocess.run(build, **run)
    generate = [sys.executable, str(scripts / "generate.py"), "--spec", str(spec)]
    subprocess.run([*generate, "--output", str(tmp_path / "klaviyo_profile_import")], **run)
    environment = {**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    output = subprocess.run(
        [sys.executable, "-c", READ_LIMITS], env=environment, cwd=tmp_path, **run
    ).stdout
    seen = json.loads(output)

    assert seen["facts"].startswith(str(tmp_path))  # the regenerated package, not generated/
    assert seen["revision"] == "2025-04-15"
    assert seen["steady"] == [700, 60.0]
    assert seen["burst"] == [75, 1.0]
    assert RateLimits.from_facts().steady_limit == 750  # this process: 2026-07-15
