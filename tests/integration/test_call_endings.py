"""How a many-profile call ends when it does not end well, against the sandbox over loopback:
Ctrl-C (or any error that is not an outcome) while a job is still queued ends the call at once
and no job is read after it; a stream closed early does the same; the sync driver's threads
stay bounded however many jobs go by; a call from an ``atexit`` hook, after the interpreter
began shutting down, still reports every row; and an async call whose sub-tasks fail together
leaves no failure of theirs unretrieved.

Nothing asserts a duration: each bound below is minutes above what the behaviour needs and far
below what the broken behaviour takes (the job is queued for an hour, a job read waits for the
limiter for four minutes).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import json
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from klaviyo_profiles import (
    AsyncKlaviyoProfiles,
    BulkProgress,
    KlaviyoProfiles,
    RateLimits,
    RetryPolicy,
)
from klaviyo_profiles.sandbox import FaultConfig, Sandbox

#: A job read may go twice in a second, then not again for four minutes: a job's second or
#: third read waits that long for the client's limiter (a hold the old driver sat out).
SLOW_READS = RateLimits(burst_limit=1, burst_period=1.0, steady_limit=2, steady_period=240.0)
#: Far below the hour the job stays queued and the four minutes a read waits.
BOUND = 60.0
HOUR = 3600.0
#: Names of the threads of the sandbox, which serves in this process.
SANDBOX_THREADS = ("AnyIO worker thread", "klaviyo-sandbox")


@pytest.fixture(scope="module")
def module_sandbox() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


@pytest.fixture
def sandbox(module_sandbox: Sandbox) -> Iterator[Sandbox]:
    module_sandbox.reset()
    for operation in ("bulk_import_profiles", "get_bulk_import_profiles_job"):
        module_sandbox.set_rate_limits(operation=operation, enabled=False)
    yield module_sandbox
    module_sandbox.set_faults(FaultConfig())


def new_key() -> str:
    return "pk_" + uuid.uuid4().hex


def rows(tag: str, count: int) -> list[dict[str, Any]]:
    return [{"email": f"{tag}{i}@example.com", "first_name": "Ada"} for i in range(count)]


def job_reads_after(sandbox: Sandbox, moment: float) -> list[dict[str, Any]]:
    """The job reads (GET) the sandbox saw arrive after ``moment`` (``time.time()``)."""
    after = dt.datetime.fromtimestamp(moment, dt.timezone.utc)
    return [
        entry
        for entry in sandbox.requests()
        if entry["method"] == "GET" and dt.datetime.fromisoformat(entry["time"]) > after
    ]


def queued_for_an_hour(sandbox: Sandbox) -> KlaviyoProfiles:
    """A client whose job stays queued for an hour, its reads soon held by the limiter; the
    row sent one by one (first in the input) answers after a second and a half, once a read
    waits for the limiter."""
    sandbox.set_jobs(queue_delay=HOUR)
    sandbox.set_faults(FaultConfig(latency=1.5, operations=("create_or_update_profile",)))
    return KlaviyoProfiles(
        api_key=new_key(),
        base_url=sandbox.base_url,
        retry_policy=RetryPolicy(total_timeout=None),  # the limiter's wait is not cut short
        bulk_rate_limits={"get_bulk_import_profiles_job": SLOW_READS},
    )


PROFILES = [{"email": "clears@example.com", "last_name": None}, *rows("queued", 3)]


def test_ctrl_c_while_a_job_is_queued_ends_the_call_at_once_and_no_job_is_read_after(
    sandbox: Sandbox,
) -> None:
    def interrupt(progress: BulkProgress) -> None:
        if progress.confirmed:  # the row sent one by one is handed on: press Ctrl-C
            raise KeyboardInterrupt

    started = time.monotonic()
    with queued_for_an_hour(sandbox) as client, pytest.raises(KeyboardInterrupt):
        client.create_or_update_profiles(
            PROFILES, via="bulk", poll_interval=0.05, progress=interrupt
        )
    raised_at = time.time()
    assert time.monotonic() - started < BOUND
    time.sleep(1.0)  # room for a read the call would still make
    assert job_reads_after(sandbox, raised_at) == []


def test_an_error_that_is_not_an_outcome_ends_the_call_at_once_too(sandbox: Sandbox) -> None:
    class Broken(Exception):
        pass

    def broken(progress: BulkProgress) -> None:
        if progress.confirmed:
            raise Broken("the progress callback failed")

    started = time.monotonic()
    with queued_for_an_hour(sandbox) as client, pytest.raises(Broken):
        client.create_or_update_profiles(PROFILES, via="bulk", poll_interval=0.05, progress=broken)
    assert time.monotonic() - started < BOUND


def test_closing_a_stream_while_a_job_is_queued_ends_it_at_once_and_no_job_is_read_after(
    sandbox: Sandbox,
) -> None:
    started = time.monotonic()
    with queued_for_an_hour(sandbox) as client:
        stream = client.iter_create_or_update_profiles(PROFILES, via="bulk", poll_interval=0.05)
        first = next(stream)  # the row sent one by one; the job is still queued
        stream.close()
        closed_at = time.time()
    assert first.ok and first.via == "single"
    assert time.monotonic() - started < BOUND
    time.sleep(1.0)
    assert job_reads_after(sandbox, closed_at) == []


def test_the_sync_driver_holds_no_more_threads_than_its_concurrency_and_jobs_in_flight(
    sandbox: Sandbox,
) -> None:
    sandbox.set_jobs(queue_delay=0.2, profiles_per_second=100_000)
    fast = RateLimits(burst_limit=1000, burst_period=1.0, steady_limit=60_000, steady_period=60.0)
    before = {thread.ident for thread in threading.enumerate()}
    most = 0
    calling = threading.Event()

    def watch() -> None:
        # The threads started since the call began, but the sandbox's own (it runs in this
        # process): sampled, so a peak may be missed, never overcounted.
        nonlocal most
        while calling.is_set():
            started = [
                thread
                for thread in threading.enumerate()
                if thread.ident not in before
                and thread is not watcher
                and not thread.name.startswith(SANDBOX_THREADS)
            ]
            most = max(most, len(started))
            time.sleep(0.005)

    profiles = [*rows("many", 30), {"email": "clears@example.com", "last_name": None}]
    watcher = threading.Thread(target=watch, daemon=True)
    with KlaviyoProfiles(
        api_key=new_key(), base_url=sandbox.base_url, bulk_rate_limits=fast
    ) as client:
        calling.set()
        watcher.start()
        try:
            outcomes = client.create_or_update_profiles(
                profiles, via="bulk", max_job_size=1, concurrency=2, poll_interval=0.05
            )
        finally:
            calling.clear()
            watcher.join()
    assert all(outcome.ok for outcome in outcomes)
    assert sum(outcome.via == "bulk" for outcome in outcomes) == 30  # thirty one-row jobs
    assert 0 < most <= 2 + 4  # concurrency, and max_jobs' default


ATEXIT_SCRIPT = textwrap.dedent(
    """
    import atexit, json, sys
    from klaviyo_profiles import KlaviyoProfiles

    client = KlaviyoProfiles(api_key=sys.argv[2], base_url=sys.argv[1])

    def flush():
        rows = [{"email": f"exit{i}@example.com"} for i in range(3)]
        rows.append({"email": "exit-null@example.com", "last_name": None})
        try:
            outcomes = client.create_or_update_profiles(rows, via="bulk", poll_interval=0.05)
        except Exception as exc:
            print(json.dumps({"raised": f"{type(exc).__name__}: {exc}"}))
        else:
            print(json.dumps({"outcomes": [[o.via, o.ok] for o in outcomes]}))

    atexit.register(flush)
    """
)


def test_a_call_from_an_atexit_hook_reports_every_row(sandbox: Sandbox) -> None:
    sandbox.set_jobs(queue_delay=0.2, profiles_per_second=100_000)
    done = subprocess.run(
        [sys.executable, "-c", ATEXIT_SCRIPT, sandbox.base_url, new_key()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    reported = json.loads(done.stdout.strip().splitlines()[-1])
    assert reported == {"outcomes": [["bulk", True]] * 3 + [["single", True]]}
    assert len(sandbox.profiles()) == 4


def test_an_async_call_whose_sub_tasks_fail_together_leaves_no_failure_unretrieved(
    sandbox: Sandbox,
) -> None:
    class HookFailed(Exception):
        pass

    async def run() -> list[dict[str, Any]]:
        arrived = 0
        all_arrived = asyncio.Event()

        async def hook(response: httpx.Response) -> None:
            # A caller's event hook that fails for every answer, the three at the same time.
            nonlocal arrived
            arrived += 1
            if arrived == 3:
                all_arrived.set()
            await all_arrived.wait()
            raise HookFailed(response.request.url.path)

        reported: list[dict[str, Any]] = []
        asyncio.get_running_loop().set_exception_handler(
            lambda _loop, context: reported.append(context)
        )
        http = httpx.AsyncClient(event_hooks={"response": [hook]})
        async with AsyncKlaviyoProfiles(
            api_key=new_key(), base_url=sandbox.base_url, http_client=http
        ) as client:
            nulls = [{"email": f"n{i}@example.com", "last_name": None} for i in range(3)]
            with pytest.raises(HookFailed):
                await client.create_or_update_profiles(nulls, concurrency=3)
        await http.aclose()
        for _ in range(3):  # the tasks are gone: asyncio reports what nobody took now
            gc.collect()
            await asyncio.sleep(0)
        return reported

    assert asyncio.run(run()) == []
