"""Pacing under rate limits: how close to the steady limit the client runs, and how many 429s
it meets, against the sandbox enforcing shortened windows, beside a raw httpx baseline.

Usage::

    python benchmarks/pacing.py [--n 600] [--repeat 3] [--concurrency 16]

The sandbox runs in its own process with windows shortened to burst 30 per 0.25 s and steady
150 per 2 s (so the steady limit is 75 requests/s). Every implementation sends ``N`` upserts of
distinct emails, taking turns (A B C A B C ...), each with a fresh API key so it meets fresh
windows. The tests assert only what load cannot change (every upsert delivered, every 429
retried, the limiter's grants within its windows); these figures depend on the machine:

* **of steady limit**: ``N / seconds / 75``, median over the repeats: 100 % means the limit
  is used in full; the limiter aims just under it (its safety margin);
* **429s**: answers 429 per run (median, and the largest seen); with the limiter on they come
  only from requests reaching the server later or earlier than the limiter counted them;
* **vs baseline**: the throughput as a ratio to raw httpx that retries each 429 after its
  ``Retry-After``, unpaced, in the same mode.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import upsert_throughput as loopback  # the sibling script, found through sys.path
from klaviyo_profile_import import facts
from klaviyo_profiles import AsyncKlaviyoProfiles, KlaviyoProfiles
from klaviyo_profiles.ratelimit import RateLimits
from klaviyo_profiles.retries import RetryPolicy

BURST_LIMIT, BURST_PERIOD, STEADY_LIMIT, STEADY_PERIOD = 30, 0.25, 150, 2.0
STEADY_RATE = STEADY_LIMIT / STEADY_PERIOD
LIMITS = RateLimits(
    burst_limit=BURST_LIMIT,
    burst_period=BURST_PERIOD,
    steady_limit=STEADY_LIMIT,
    steady_period=STEADY_PERIOD,
    safety_margin=0.1,
)
SERVER_LIMITS = {
    "enabled": True,
    "burst_limit": BURST_LIMIT,
    "burst_period": BURST_PERIOD,
    "steady_limit": STEADY_LIMIT,
    "steady_period": STEADY_PERIOD,
}
PATIENT = RetryPolicy(max_attempts=20, total_timeout=120.0, initial_backoff=0.05, max_backoff=1.0)
_RAW_ATTEMPTS = 20


@dataclass
class Runs:
    """The figures of one implementation over the repeats."""

    name: str
    fractions: list[float] = field(default_factory=list)
    throttled: list[int] = field(default_factory=list)


def _configure(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10.0) as admin:
        admin.post("/sandbox/reset").raise_for_status()
        admin.put("/sandbox/config", json={"rate_limits": SERVER_LIMITS}).raise_for_status()


def _count_429(base_url: str) -> int:
    entries = httpx.get(f"{base_url}/sandbox/requests", timeout=10.0).json()["requests"]
    return sum(1 for entry in entries if entry["status"] == 429)


def _key() -> str:
    return "pk_" + uuid.uuid4().hex


def ours_sync(base_url: str, emails: list[str], concurrency: int) -> None:
    with KlaviyoProfiles(
        api_key=_key(), base_url=base_url, rate_limits=LIMITS, retry_policy=PATIENT
    ) as client:
        for email in emails:
            client.create_or_update_profile(email=email)


async def _drain(queue: asyncio.Queue[str], send: Callable[[str], object], tasks: int) -> None:
    async def worker() -> None:
        while not queue.empty():
            await send(queue.get_nowait())  # type: ignore[misc]

    await asyncio.gather(*(worker() for _ in range(tasks)))


def ours_async(base_url: str, emails: list[str], concurrency: int) -> None:
    async def run() -> None:
        async with AsyncKlaviyoProfiles(
            api_key=_key(), base_url=base_url, rate_limits=LIMITS, retry_policy=PATIENT
        ) as client:
            queue: asyncio.Queue[str] = asyncio.Queue()
            for email in emails:
                queue.put_nowait(email)
            await _drain(queue, lambda e: client.create_or_update_profile(email=e), concurrency)

    asyncio.run(run())


def raw_async(base_url: str, emails: list[str], concurrency: int) -> None:
    """The baseline: no pacing, each 429 retried after its Retry-After."""

    async def run() -> None:
        headers = {
            "Authorization": f"Klaviyo-API-Key {_key()}",
            "revision": facts.REVISION,
            "Content-Type": facts.MEDIA_TYPE,
            "Accept": facts.MEDIA_TYPE,
        }
        async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as http:

            async def send(email: str) -> None:
                body = {"data": {"type": "profile", "attributes": {"email": email}}}
                for _ in range(_RAW_ATTEMPTS):
                    response = await http.post(facts.PATH, json=body)
                    if response.status_code != 429:
                        response.raise_for_status()
                        return
                    await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                raise RuntimeError(f"{email}: still throttled after {_RAW_ATTEMPTS} attempts")

            queue: asyncio.Queue[str] = asyncio.Queue()
            for email in emails:
                queue.put_nowait(email)
            await _drain(queue, send, concurrency)

    asyncio.run(run())


IMPLEMENTATIONS: list[tuple[str, Callable[[str, list[str], int], None]]] = [
    ("raw httpx.AsyncClient, unpaced, retries 429 (baseline)", raw_async),
    ("KlaviyoProfiles, limiter on", ours_sync),
    ("AsyncKlaviyoProfiles xC, limiter on", ours_async),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=600, help="upserts per run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)
    runs = {name: Runs(name) for name, _ in IMPLEMENTATIONS}
    with loopback.sandbox_process([facts.REVISION]) as base_url:
        for round_ in range(args.repeat):
            for name, implementation in IMPLEMENTATIONS:
                _configure(base_url)
                emails = [f"pace-{round_}-{i}@example.com" for i in range(args.n)]
                print(f"round {round_ + 1}/{args.repeat}: {name}", file=sys.stderr)
                started = time.perf_counter()
                implementation(base_url, emails, args.concurrency)
                seconds = time.perf_counter() - started
                runs[name].fractions.append(args.n / seconds / STEADY_RATE)
                runs[name].throttled.append(_count_429(base_url))
    baseline = statistics.median(runs[IMPLEMENTATIONS[0][0]].fractions)
    print(
        f"Pacing: {args.n} upserts per run, {args.repeat} repeats, steady limit "
        f"{STEADY_RATE:.0f}/s (burst {BURST_LIMIT}/{BURST_PERIOD} s, steady "
        f"{STEADY_LIMIT}/{STEADY_PERIOD:.0f} s), concurrency {args.concurrency}\n"
    )
    print("| implementation | of steady limit (median) | vs baseline | 429s median (max) |")
    print("|---|---:|---:|---:|")
    for name, _ in IMPLEMENTATIONS:
        result = runs[name]
        fraction = statistics.median(result.fractions)
        label = name.replace("xC", f"x{args.concurrency}")
        print(
            f"| {label} | {fraction:.1%} | {fraction / baseline:.2f} | "
            f"{statistics.median(result.throttled):.0f} ({max(result.throttled)}) |"
        )
    print()
    for line in loopback.machine_facts():
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
