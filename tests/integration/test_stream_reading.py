"""Reading the input of ``iter_create_or_update_profiles``, against the sandbox over loopback:
an input that keeps the call waiting (a queue, a slow cursor) never holds back the rows it
already gave. The input below pauses until the consumer has the outcomes of every row it gave
before the pause; a call that holds those rows while it waits for the input never lets the
consumer have them, and the pause ends only at its (generous) bound.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from klaviyo_profiles import AsyncKlaviyoProfiles, KlaviyoProfiles, ProfileOutcome
from klaviyo_profiles.sandbox import Sandbox

#: Far above what sending the rows before the pause takes, far below a test run.
PAUSE_BOUND = 20.0
BEFORE = 150
AFTER = 10


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
