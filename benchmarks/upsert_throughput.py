"""Upsert throughput against the sandbox, as ratios to raw httpx run side by side.

Usage::

    python benchmarks/upsert_throughput.py [--n 2000] [--repeat 3] [--concurrency 16]

The sandbox runs in its own process (``python -m klaviyo_profiles.sandbox``), so the server's
work never competes for the GIL of the client being measured. Every implementation sends ``N``
upserts of distinct emails (each one a create, HTTP 201); the implementations take turns
(A B C A B C ...) so that slow drift of the machine spreads over all of them instead of
favouring whichever ran first. Before each timed run the sandbox is reset, so every run meets
an empty store, and a few untimed warm-up requests open the connection pool.

Two numbers per run:

* requests per second, wall clock (``time.perf_counter``): what a user sees, but it also
  contains the server's time, which is the same for every implementation;
* client CPU per request (``time.process_time`` delta / N): only this process's work, which
  is the less noisy signal of what a client costs.

Both are reported as the median of the repeats and as a ratio to raw httpx in the same mode
(sync or async). Timed assertions do not belong in tests; this script is where performance is
measured.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import httpx
from klaviyo_profile_import import facts
from klaviyo_profiles import AsyncKlaviyoProfiles, KlaviyoProfiles

#: Any well-formed key works: the sandbox started without --api-key accepts every key.
API_KEY = "pk_benchmark_0123456789abcdef"
_STARTUP_TIMEOUT = 20.0
_SHUTDOWN_TIMEOUT = 10.0
_WARMUP = 20

#: A sync implementation: given the sandbox's base URL, returns (send one upsert, close).
SyncSetup = Callable[[str], tuple[Callable[[str], None], Callable[[], None]]]
#: An async implementation: given the base URL, returns (send one upsert, close).
AsyncSetup = Callable[[str], tuple[Callable[[str], Awaitable[None]], Callable[[], Awaitable[None]]]]


def _attributes(email: str) -> dict[str, Any]:
    """The attributes every implementation sends: small, like a typical sync of one contact."""
    return {
        "email": email,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "location": {"city": "London", "country": "United Kingdom"},
        "properties": {"plan": "pro", "seats": 3},
    }


def _body(email: str) -> dict[str, Any]:
    return {"data": {"type": "profile", "attributes": _attributes(email)}}


def _raw_headers(revision: str) -> dict[str, str]:
    """The headers Klaviyo documents for this call, written out by hand."""
    return {
        "Authorization": f"Klaviyo-API-Key {API_KEY}",
        "revision": revision,
        "Accept": facts.MEDIA_TYPE,
        "Content-Type": facts.MEDIA_TYPE,
    }


def _check_raw(response: httpx.Response) -> None:
    # The baseline still does the minimum a real caller needs: check the status and read the
    # new profile's id, so it is not credited for skipping the response entirely.
    if response.status_code != 201:
        raise RuntimeError(f"raw httpx: expected 201, got {response.status_code}")
    if not response.json()["data"]["id"]:
        raise RuntimeError("raw httpx: no profile id in the response")


# ---- sync implementations


def raw_httpx_sync(base_url: str) -> tuple[Callable[[str], None], Callable[[], None]]:
    """Baseline: ``httpx.Client`` posting a hand-encoded JSON:API body."""
    client = httpx.Client(base_url=base_url, headers=_raw_headers(facts.REVISION))

    def send(email: str) -> None:
        content = json.dumps(_body(email), separators=(",", ":")).encode()
        _check_raw(client.post(facts.PATH, content=content))

    return send, client.close


def _ours_sync(retries: bool) -> SyncSetup:
    def setup(base_url: str) -> tuple[Callable[[str], None], Callable[[], None]]:
        options: dict[str, Any] = {} if retries else {"retry_policy": None}
        client = KlaviyoProfiles(API_KEY, base_url=base_url, rate_limits=False, **options)

        def send(email: str) -> None:
            result = client.create_or_update_profile(**_attributes(email))
            if not result.created or not result.profile_id:
                raise RuntimeError(f"KlaviyoProfiles: expected a create, got {result.status_code}")

        return send, client.close

    return setup


def klaviyo_sdk_sync(base_url: str) -> tuple[Callable[[str], None], Callable[[], None]]:
    """Klaviyo's official SDK (``klaviyo-api``), pointed at the sandbox with ``test_host``."""
    from klaviyo_api import KlaviyoAPI

    sdk = KlaviyoAPI(API_KEY, test_host=base_url)  # its defaults: 3 attempts, backoff
    # ``KlaviyoAPI.Profiles`` builds a new API object (and wraps every method) on each access;
    # take it once, as a careful user would.
    profiles = sdk.Profiles

    def send(email: str) -> None:
        # A plain dict, not ``ProfileUpsertQuery.from_dict``: the SDK then sends it as given.
        response = profiles.create_or_update_profile(_body(email))
        if not response.data.id:
            raise RuntimeError("klaviyo-api: no profile id in the response")

    def close() -> None:
        sdk.api_client.rest_client.pool_manager.clear()

    return send, close


# ---- async implementations


def raw_httpx_async(
    base_url: str,
) -> tuple[Callable[[str], Awaitable[None]], Callable[[], Awaitable[None]]]:
    """Baseline: ``httpx.AsyncClient`` posting a hand-encoded JSON:API body."""
    client = httpx.AsyncClient(base_url=base_url, headers=_raw_headers(facts.REVISION))

    async def send(email: str) -> None:
        content = json.dumps(_body(email), separators=(",", ":")).encode()
        _check_raw(await client.post(facts.PATH, content=content))

    return send, client.aclose


def _ours_async(retries: bool) -> AsyncSetup:
    def setup(
        base_url: str,
    ) -> tuple[Callable[[str], Awaitable[None]], Callable[[], Awaitable[None]]]:
        options: dict[str, Any] = {} if retries else {"retry_policy": None}
        client = AsyncKlaviyoProfiles(API_KEY, base_url=base_url, rate_limits=False, **options)

        async def send(email: str) -> None:
            result = await client.create_or_update_profile(**_attributes(email))
            if not result.created or not result.profile_id:
                raise RuntimeError(
                    f"AsyncKlaviyoProfiles: expected a create, got {result.status_code}"
                )

        return send, client.aclose

    return setup


# ---- measuring


@dataclass
class Implementation:
    """One contender: its label, mode, and how to set it up."""

    name: str
    mode: str  # "sync" or "async"
    setup: SyncSetup | AsyncSetup
    baseline: bool = False
    rates: list[float] = field(default_factory=list)
    cpu_per_request: list[float] = field(default_factory=list)


def run_sync(setup: SyncSetup, base_url: str, emails: list[str]) -> tuple[float, float]:
    """Seconds of wall clock and of process CPU for sending ``emails`` one after another."""
    send, close = setup(base_url)
    try:
        for index in range(_WARMUP):
            send(f"warmup-{index}-{emails[0]}")
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for email in emails:
            send(email)
        return time.perf_counter() - wall0, time.process_time() - cpu0
    finally:
        close()


def run_async(
    setup: AsyncSetup, base_url: str, emails: list[str], concurrency: int
) -> tuple[float, float]:
    """Like :func:`run_sync`, with ``concurrency`` tasks sharing one client and one queue."""

    async def main() -> tuple[float, float]:
        send, close = setup(base_url)
        try:
            # Exactly ``concurrency`` warm-up requests at once open exactly as many pooled
            # connections as the timed run uses: httpcore checks every idle connection on
            # each request, so a larger warm-up would make the pool itself slower.
            await asyncio.gather(
                *(send(f"warmup-{index}-{emails[0]}") for index in range(concurrency))
            )
            pending: Iterator[str] = iter(emails)

            async def worker() -> None:
                # Each worker takes the next email until none are left: the loop ends after
                # len(emails) sends in total.
                for email in pending:
                    await send(email)

            cpu0, wall0 = time.process_time(), time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            return time.perf_counter() - wall0, time.process_time() - cpu0
        finally:
            await close()

    return asyncio.run(main())


# ---- the sandbox process


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def sandbox_process(revisions: list[str]) -> Iterator[str]:
    """Serve the sandbox in a child process; yield its base URL; always stop it."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "klaviyo_profiles.sandbox",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-rate-limits",
    ]
    for revision in revisions:
        command += ["--revision", revision]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        while True:
            if process.poll() is not None:
                error = process.stderr.read().decode(errors="replace") if process.stderr else ""
                raise RuntimeError(f"the sandbox exited with {process.returncode}: {error}")
            try:
                if httpx.get(f"{base_url}/sandbox/config", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the sandbox did not answer in time")
            time.sleep(0.05)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(_SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(_SHUTDOWN_TIMEOUT)
        if process.stderr is not None:
            process.stderr.close()


def _reset(base_url: str) -> None:
    httpx.post(f"{base_url}/sandbox/reset", timeout=10.0).raise_for_status()


# ---- the SDK


def sdk_revision() -> str | None:
    """The revision ``klaviyo-api`` pins, or None when it is not installed."""
    try:
        from klaviyo_api import KlaviyoAPI
    except ImportError:
        return None
    return str(KlaviyoAPI._REVISION)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


# ---- report


def machine_facts() -> list[str]:
    """Lines describing where the numbers were taken."""
    packages = (
        "klaviyo-profiles",
        "httpx",
        "httpcore",
        # With sniffio missing, httpcore's async path does a failing import per lock it
        # creates; async numbers differ by a quarter with and without it.
        "anyio",
        "sniffio",
        "attrs",
        "tenacity",
        "pyrate-limiter",
        # httpx imports both when they are installed (its command line): part of every
        # cold start here, ours and the baselines'.
        "click",
        "rich",
        "klaviyo-api",
        "urllib3",
        "pydantic",
        "uvicorn",
        "starlette",
    )
    return [
        f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- machine: {platform.machine()}, {os.cpu_count()} logical cores, {platform.platform()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        "- packages: " + ", ".join(f"{name} {_version(name)}" for name in packages),
    ]


def table(implementations: list[Implementation], n: int, repeat: int, concurrency: int) -> str:
    """The results as a markdown table, ratios against the baseline of the same mode."""
    baselines = {impl.mode: impl for impl in implementations if impl.baseline and impl.rates}
    lines = [
        "| implementation | mode | requests/s (median) | min-max | ratio to raw httpx "
        "| client CPU µs/request (median) | CPU ratio to raw httpx |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for impl in implementations:
        if not impl.rates:
            continue
        base = baselines[impl.mode]
        rate = statistics.median(impl.rates)
        cpu = statistics.median(impl.cpu_per_request)
        ratio = rate / statistics.median(base.rates)
        cpu_ratio = cpu / statistics.median(base.cpu_per_request)
        mode = impl.mode if impl.mode == "sync" else f"async x{concurrency}"
        lines.append(
            f"| {impl.name} | {mode} | {rate:,.0f} | {min(impl.rates):,.0f}-"
            f"{max(impl.rates):,.0f} | {ratio:.2f} | {cpu * 1e6:,.0f} | {cpu_ratio:.2f} |"
        )
    lines.append("")
    lines.append(f"N = {n} upserts per run, {repeat} interleaved repeats, medians shown.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the markdown report; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="upserts per run (default 2000)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repeats (default 3)")
    parser.add_argument(
        "--concurrency", type=int, default=16, help="tasks in the async runs (default 16)"
    )
    parser.add_argument("--no-sdk", action="store_true", help="leave klaviyo-api out")
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeat < 1 or args.concurrency < 1:
        parser.error("--n, --repeat and --concurrency must be at least 1")

    implementations = [
        Implementation("raw httpx (baseline)", "sync", raw_httpx_sync, baseline=True),
        Implementation("KlaviyoProfiles, no retries", "sync", _ours_sync(retries=False)),
        Implementation("KlaviyoProfiles, retries on", "sync", _ours_sync(retries=True)),
    ]
    revisions = [facts.REVISION]
    notes: list[str] = []
    sdk = None if args.no_sdk else sdk_revision()
    if sdk is not None:
        implementations.append(Implementation("klaviyo-api SDK", "sync", klaviyo_sdk_sync))
        if sdk != facts.REVISION:
            # The SDK sends its own pinned revision; the request body is the same JSON:API
            # document, so the sandbox serves that revision too instead of refusing it (400).
            revisions.append(sdk)
            notes.append(
                f"klaviyo-api pins revision {sdk}; the sandbox served it alongside "
                f"{facts.REVISION}."
            )
    elif not args.no_sdk:
        notes.append("klaviyo-api is not installed (pip install -e '.[bench]'); left out.")
    implementations += [
        Implementation("raw httpx.AsyncClient (baseline)", "async", raw_httpx_async, True),
        Implementation("AsyncKlaviyoProfiles, no retries", "async", _ours_async(retries=False)),
        Implementation("AsyncKlaviyoProfiles, retries on", "async", _ours_async(retries=True)),
    ]

    started = time.perf_counter()
    with sandbox_process(revisions) as base_url:
        for round_index, impl in itertools.product(range(args.repeat), implementations):
            _reset(base_url)
            # Distinct emails per implementation and round: every upsert is a create.
            tag = f"{implementations.index(impl)}r{round_index}"
            emails = [f"bench-{tag}-{index}@example.com" for index in range(args.n)]
            if impl.mode == "sync":
                wall, cpu = run_sync(impl.setup, base_url, emails)  # type: ignore[arg-type]
            else:
                wall, cpu = run_async(
                    impl.setup,  # type: ignore[arg-type]
                    base_url,
                    emails,
                    args.concurrency,
                )
            impl.rates.append(args.n / wall)
            impl.cpu_per_request.append(cpu / args.n)
            print(
                f"round {round_index + 1}/{args.repeat} {impl.name}: "
                f"{args.n / wall:,.0f} req/s, {cpu / args.n * 1e6:,.0f} µs CPU/request",
                file=sys.stderr,
                flush=True,
            )

    print(table(implementations, args.n, args.repeat, args.concurrency))
    print()
    print("\n".join(machine_facts()))
    for note in notes:
        print(f"- {note}")
    print(f"- total runtime: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
