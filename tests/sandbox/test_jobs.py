"""The bulk import job model on its own, on a clock the test moves (no timing on the machine)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import pytest
from klaviyo_profiles.sandbox.config import BulkJobConfig
from klaviyo_profiles.sandbox.job_queue import JobQueue, without_nulls
from klaviyo_profiles.sandbox.store import ProfileStore


@dataclass
class Clock:
    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def profile(email: str, **attributes: Any) -> dict[str, Any]:
    return {"type": "profile", "attributes": {"email": email, **attributes}}


def emails(count: int, prefix: str = "p") -> list[dict[str, Any]]:
    return [profile(f"{prefix}{i}@example.com") for i in range(count)]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store() -> ProfileStore:
    return ProfileStore()


def queue(store: ProfileStore, clock: Clock, **settings: Any) -> JobQueue:
    config = BulkJobConfig(**{"queue_delay": 1.0, "profiles_per_second": 10.0, **settings})
    return JobQueue(store, config, clock=clock)


def status(jobs: JobQueue, job_id: str) -> tuple[str, int]:
    job = jobs.get(job_id)
    assert job is not None
    return job.status, job.processed


def test_a_job_stays_queued_for_the_queue_delay(store: ProfileStore, clock: Clock) -> None:
    jobs = queue(store, clock)
    job = jobs.submit(emails(5), [], cancel=False)
    clock.now += 0.99
    assert status(jobs, job.id) == ("queued", 0)
    assert len(store) == 0


def test_a_job_processes_at_the_configured_speed(store: ProfileStore, clock: Clock) -> None:
    jobs = queue(store, clock)
    job = jobs.submit(emails(20), [], cancel=False)
    clock.now += 1.0 + 0.5
    assert status(jobs, job.id) == ("processing", 5)
    assert len(store) == 5
    clock.now += 1.0
    assert status(jobs, job.id) == ("processing", 15)


def test_timestamps_are_when_things_happened_not_when_read(
    store: ProfileStore, clock: Clock
) -> None:
    jobs = queue(store, clock)
    created = clock.now
    job = jobs.submit(emails(10), [], cancel=False)
    clock.now += 60
    done = jobs.get(job.id)
    assert done is not None and done.status == "complete" and done.processed == 10
    assert done.created == created
    assert done.started == created + 1.0
    assert done.finished == pytest.approx(created + 2.0)


def test_jobs_beyond_the_concurrency_wait_for_a_free_worker(
    store: ProfileStore, clock: Clock
) -> None:
    jobs = queue(store, clock, concurrency=1, queue_delay=0.0)
    first = jobs.submit(emails(10, "a"), [], cancel=False)
    second = jobs.submit(emails(10, "b"), [], cancel=False)
    clock.now += 0.5
    assert status(jobs, first.id) == ("processing", 5)
    assert status(jobs, second.id) == ("queued", 0)
    clock.now += 1.0
    assert status(jobs, first.id) == ("complete", 10)
    assert status(jobs, second.id) == ("processing", 5)
    later = jobs.get(second.id)
    assert later is not None and later.started == pytest.approx(clock.now - 0.5)


def test_two_workers_process_two_jobs_at_once(store: ProfileStore, clock: Clock) -> None:
    jobs = queue(store, clock, concurrency=2, queue_delay=0.0)
    first = jobs.submit(emails(10, "a"), [], cancel=False)
    second = jobs.submit(emails(10, "b"), [], cancel=False)
    clock.now += 0.5
    assert status(jobs, first.id) == ("processing", 5)
    assert status(jobs, second.id) == ("processing", 5)


def test_a_new_speed_applies_from_the_change_on(store: ProfileStore, clock: Clock) -> None:
    jobs = queue(store, clock, queue_delay=0.0)
    job = jobs.submit(emails(100), [], cancel=False)
    clock.now += 1.0
    jobs.configure(BulkJobConfig(queue_delay=0.0, profiles_per_second=50.0))
    clock.now += 1.0
    assert status(jobs, job.id) == ("processing", 60)


def test_a_job_marked_to_cancel_ends_cancelled_part_way(store: ProfileStore, clock: Clock) -> None:
    jobs = queue(store, clock, queue_delay=0.0, cancel_after=0.5)
    job = jobs.submit(emails(10), [], cancel=True)
    clock.now += 60
    assert status(jobs, job.id) == ("cancelled", 5)
    assert len(store) == 5


def test_cancel_stops_a_running_job_and_frees_its_worker(store: ProfileStore, clock: Clock) -> None:
    jobs = queue(store, clock, queue_delay=0.0, concurrency=1)
    first = jobs.submit(emails(100, "a"), [], cancel=False)
    second = jobs.submit(emails(10, "b"), [], cancel=False)
    clock.now += 0.3
    cancelled = jobs.cancel(first.id)
    assert cancelled is not None and cancelled.status == "cancelled"
    clock.now += 60
    assert status(jobs, first.id) == ("cancelled", 3)
    assert status(jobs, second.id) == ("complete", 10)
    assert len(store) == 13


def test_finish_runs_every_job_to_its_end_now(store: ProfileStore, clock: Clock) -> None:
    jobs = queue(store, clock, profiles_per_second=0.001)
    job = jobs.submit(emails(10), [], cancel=False)
    jobs.finish()
    assert status(jobs, job.id) == ("complete", 10)
    assert len(store) == 10


def test_profiles_are_applied_in_request_order_so_the_last_wins(
    store: ProfileStore, clock: Clock
) -> None:
    jobs = queue(store, clock, queue_delay=0.0)
    sent = [profile("ada@example.com", first_name=name) for name in ("A", "B", "C")]
    jobs.submit(sent, [], cancel=False)
    clock.now += 60
    jobs.advance()
    (stored,) = store.all()
    assert stored.attributes["first_name"] == "C"


def test_a_single_upsert_lands_between_the_job_profiles_due_before_and_after_it(
    store: ProfileStore, clock: Clock
) -> None:
    jobs = queue(store, clock, queue_delay=0.0)
    sent = [profile("ada@example.com", first_name="Bulk")]
    sent += [*emails(9), profile("bob@example.com", first_name="Bulk")]
    jobs.submit(sent, [], cancel=False)
    single = {"type": "profile", "attributes": {"first_name": "Single"}}

    clock.now += 0.05  # Ada's turn comes at 0.1 s: the single call is earlier, the job wins
    jobs.advance()
    store.upsert({**single, "attributes": {**single["attributes"], "email": "ada@example.com"}})
    clock.now += 1.5  # Bob's turn came at 1.1 s: the single call is later and wins
    jobs.advance()
    store.upsert({**single, "attributes": {**single["attributes"], "email": "bob@example.com"}})
    clock.now += 60
    jobs.advance()
    names = {p.attributes["email"]: p.attributes["first_name"] for p in store.all()}
    assert names["ada@example.com"] == "Bulk"
    assert names["bob@example.com"] == "Single"


def test_import_errors_name_the_index_and_keep_the_payload(
    store: ProfileStore, clock: Clock
) -> None:
    jobs = queue(store, clock, queue_delay=0.0)
    sent = [profile("ok@example.com"), profile("broken"), {"type": "profile", "attributes": {}}]
    job = jobs.submit(sent, [], cancel=False)
    clock.now += 60
    errors = jobs.errors(job.id)
    assert errors is not None
    assert [(e.index, e.code, e.pointer) for e in errors] == [
        (1, "invalid", "/data/attributes/profiles/data/1"),
        (2, "invalid", "/data/attributes/profiles/data/2"),
    ]
    assert errors[0].original_payload == sent[1]
    done = jobs.get(job.id)
    assert done is not None and (done.processed, done.failed) == (3, 2)


def test_clear_forgets_every_job(store: ProfileStore, clock: Clock) -> None:
    jobs = queue(store, clock)
    job = jobs.submit(emails(3), [], cancel=False)
    jobs.clear()
    assert jobs.get(job.id) is None and not jobs.busy


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ({"a": None, "b": 1}, {"b": 1}),
        ({"location": {"city": None}}, {}),
        ({"location": {"city": None, "zip": "N1"}}, {"location": {"zip": "N1"}}),
        ({"properties": {"x": {"y": None}}}, {}),
        ({"properties": {"tags": [None, 1]}}, {"properties": {"tags": [None, 1]}}),
        ({"properties": {}}, {"properties": {}}),
    ],
)
def test_without_nulls_drops_null_members_at_any_depth(sent: Any, kept: Any) -> None:
    assert without_nulls(sent) == kept


def test_the_ticker_applies_due_profiles_with_no_one_reading(store: ProfileStore) -> None:
    config = BulkJobConfig(queue_delay=0.0, profiles_per_second=1_000_000.0)
    jobs = JobQueue(store, config, tick=0.01)
    try:
        jobs.submit(emails(50), [], cancel=False)
        deadline = time.monotonic() + 30
        while len(store) < 50 and time.monotonic() < deadline:
            time.sleep(0.01)  # only the store is read: nothing here advances the jobs
        assert len(store) == 50
    finally:
        jobs.close()


def test_close_stops_the_ticker_and_reads_still_advance(store: ProfileStore) -> None:
    config = BulkJobConfig(queue_delay=0.0, profiles_per_second=1_000_000.0)
    jobs = JobQueue(store, config, tick=3600.0)
    before = set(threading.enumerate())
    job = jobs.submit(emails(5), [], cancel=False)
    (ticker,) = set(threading.enumerate()) - before
    assert ticker.is_alive()
    jobs.close()
    assert not ticker.is_alive()
    done = jobs.get(job.id)
    assert done is not None and done.status == "complete"
