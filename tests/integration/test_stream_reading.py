"""Reading the input of ``iter_create_or_update_profiles``, against the sandbox over loopback:
an input that keeps the call waiting (a queue, a slow cursor) never holds back the rows it
already gave. The input below pauses until the consumer has the outcomes of every row it gave
before the pause; a call that holds those rows while it waits for the input never lets the
consumer have them, and the pause ends only at its (generous) bound.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from klaviyo_profiles import (
    AsyncKlaviyoProfiles,
    InvalidInputError,
    KlaviyoProfiles,
    ProfileOutcome,
)
from klaviyo_profiles.sandbox import Sandbox

#: Far above what sending the rows before the pause takes, far below a test run.
PAUSE_BOUND = 20.0
BEFORE = 150
AFTER = 10
#: Far above what a process that sends three rows takes to exit, far below a test run.
EXIT_BOUND = 60.0


@pytest.fixture(scope="module")
def module_sandbox() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


@pytest.fixture
def sandbox(module_sandbox: Sandbox) -> Sandbox:
    module_sandbox.reset()
    module_sandbox.set_jobs(queue_delay=0.2, profiles_per_second=100_000)
    return module_sandbox


def new_key() -> str:
    return "pk_" + uuid.uuid4().hex


class PausingInput:
    """``BEFORE`` rows (every tenth clears a field: one by one; the rest go in a job), then a
    pause until :attr:`resume` is set (or ``PAUSE_BOUND`` has passed), then ``AFTER`` more."""

    def __init__(self) -> None:
        self.resume = threading.Event()
        self.resumed_by_consumer: bool | None = None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for number in range(BEFORE):
            yield {"email": f"r{number}@example.com", "last_name": "L" if number % 10 else None}
        self.resumed_by_consumer = self.resume.wait(PAUSE_BOUND)
        for number in range(BEFORE, BEFORE + AFTER):
            yield {"email": f"r{number}@example.com", "last_name": "L"}


def test_rows_given_before_the_input_pauses_are_sent_and_handed_on_meanwhile(
    sandbox: Sandbox,
) -> None:
    source = PausingInput()
    outcomes: list[ProfileOutcome] = []
    with KlaviyoProfiles(api_key=new_key(), base_url=sandbox.base_url, rate_limits=False) as client:
        for outcome in client.iter_create_or_update_profiles(iter(source), poll_interval=0.05):
            outcomes.append(outcome)
            if len(outcomes) == BEFORE:
                source.resume.set()
    assert source.resumed_by_consumer is True
    assert [o.index for o in outcomes] == list(range(BEFORE + AFTER))
    assert all(o.ok for o in outcomes)
    assert {o.via for o in outcomes[:BEFORE]} == {"bulk", "single"}


def test_an_async_stream_sends_rows_given_before_the_input_pauses_meanwhile(
    sandbox: Sandbox,
) -> None:
    source = PausingInput()

    async def run() -> list[ProfileOutcome]:
        outcomes: list[ProfileOutcome] = []
        async with AsyncKlaviyoProfiles(
            api_key=new_key(), base_url=sandbox.base_url, rate_limits=False
        ) as client:
            async for outcome in client.iter_create_or_update_profiles(
                iter(source), poll_interval=0.05
            ):
                outcomes.append(outcome)
                if len(outcomes) == BEFORE:
                    source.resume.set()
        return outcomes

    outcomes = asyncio.run(run())
    assert source.resumed_by_consumer is True
    assert [o.index for o in outcomes] == list(range(BEFORE + AFTER))
    assert all(o.ok for o in outcomes)


# -- the async client never reads or checks rows in its event loop ---------------------------


class Watched(dict[str, Any]):
    """A row that notes the thread its keys are read in (the checks read every key)."""

    threads: ClassVar[set[int]] = set()

    def keys(self) -> Any:
        Watched.threads.add(threading.get_ident())
        return super().keys()

    def items(self) -> Any:
        Watched.threads.add(threading.get_ident())
        return super().items()


def watched_rows(count: int) -> list[dict[str, Any]]:
    return [Watched(email=f"w{number}@example.com", first_name="Ada") for number in range(count)]


@pytest.mark.parametrize("form", ["list", "iter-list", "generator"])
def test_the_async_client_reads_and_checks_rows_outside_its_event_loop(
    sandbox: Sandbox, form: str
) -> None:
    Watched.threads = set()

    async def run() -> tuple[int, list[ProfileOutcome]]:
        loop_thread = threading.get_ident()
        rows = watched_rows(150)
        async with AsyncKlaviyoProfiles(
            api_key=new_key(), base_url=sandbox.base_url, rate_limits=False
        ) as client:
            if form == "list":
                return loop_thread, await client.create_or_update_profiles(rows, poll_interval=0.05)
            given = rows if form == "iter-list" else iter(rows)
            stream = client.iter_create_or_update_profiles(given, poll_interval=0.05)
            return loop_thread, [outcome async for outcome in stream]

    loop_thread, outcomes = asyncio.run(run())
    assert len(outcomes) == 150 and all(o.ok for o in outcomes)
    assert Watched.threads and loop_thread not in Watched.threads


def test_a_bad_row_of_a_list_given_to_the_async_client_is_refused_before_anything_is_sent(
    sandbox: Sandbox,
) -> None:
    rows = [*watched_rows(5), {"email": "x@example.com", "frist_name": "typo"}]

    async def run() -> tuple[InvalidInputError, InvalidInputError]:
        async with AsyncKlaviyoProfiles(api_key=new_key(), base_url=sandbox.base_url) as client:
            with pytest.raises(InvalidInputError) as listed:
                await client.create_or_update_profiles(rows)
            stream = client.iter_create_or_update_profiles(rows)  # settings only, at the call
            with pytest.raises(InvalidInputError) as streamed:
                await stream.__anext__()
        return listed.value, streamed.value

    listed, streamed = asyncio.run(run())
    assert listed.field == streamed.field == "profiles[5].frist_name"
    assert sandbox.requests() == []


#: A process whose input blocks for ever (a queue that gets no more rows) and whose call ends
#: while it waits: by its ``progress`` failing (sync), or by a cancellation (async). The
#: process must then exit on its own; one that waits for the input's reader never does.
BLOCKED_INPUT_SCRIPT = """
import asyncio, queue, sys
from klaviyo_profiles import AsyncKlaviyoProfiles, KlaviyoProfiles

base_url, key, form = sys.argv[1:4]
never = queue.Queue()

def rows():
    for number in range(3):
        yield {"email": f"blocked{number}@example.com"}
    yield never.get()  # no row ever comes

class Enough(Exception):
    pass

def progress(counts):
    if counts.done >= 3:
        raise Enough

if form == "sync":
    with KlaviyoProfiles(api_key=key, base_url=base_url) as client:
        try:
            client.create_or_update_profiles(rows(), via="single", progress=progress)
        except Enough as ended:
            print(len(ended.outcomes))
else:
    async def main():
        async with AsyncKlaviyoProfiles(api_key=key, base_url=base_url) as client:
            calls = []

            def cancel(counts):
                if counts.done >= 3:
                    calls[0].cancel()

            calls.append(asyncio.ensure_future(
                client.create_or_update_profiles(rows(), via="single", progress=cancel)
            ))
            try:
                await calls[0]
            except asyncio.CancelledError as ended:
                print(len(ended.outcomes))

    asyncio.run(main())
"""


@pytest.mark.parametrize("form", ["sync", "async"])
def test_a_call_that_ends_while_its_input_blocks_lets_the_process_exit(
    sandbox: Sandbox, form: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", BLOCKED_INPUT_SCRIPT, sandbox.base_url, new_key(), form],
        capture_output=True,
        text=True,
        timeout=EXIT_BOUND,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # Every row given before the input blocked was sent, and its outcome kept.
    assert done.stdout.split() == ["3"]
