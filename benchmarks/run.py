"""Every figure of what the client costs over raw httpx, in one markdown table.

Usage::

    python benchmarks/run.py            # about 3 minutes on a 2-core machine
    python benchmarks/run.py --quick    # a tiny version in seconds (the tests run it)

Four measurements, each run side by side with its baselines and interleaved (A B C A B C ...)
so that drift of the machine spreads over all of them; medians of the repeats are shown:

1. **Loopback**: upserts against the sandbox in its own process (``--no-rate-limits``):
   client CPU per request and requests/s, sync and async at ``--concurrency`` tasks, against
   raw httpx and Klaviyo's SDK (``klaviyo-api``). The implementations are those of
   ``upsert_throughput.py``.
2. **MockTransport**: the same calls answered by ``httpx.MockTransport`` with the sandbox's
   own 201 answer, captured once: no socket and no server, so the difference to raw httpx is
   the client's own work, in µs per call (the median of the rounds' differences, each round
   running both one right after the other). Both sides post to the same absolute URL (httpx
   merges a relative URL with ``base_url`` at about 25 µs a call; the client sends absolute
   URLs, so the baseline does too).
3. **Cold start**: fresh interpreters (``python -c``), wall clock from the outside:
   ``import klaviyo_profiles`` plus the first client constructed, against ``import httpx``,
   ``import httpx`` plus ``httpx.Client()``, Klaviyo's SDK (import plus
   ``KlaviyoAPI(key).Profiles``) and a bare interpreter; ratios raw and net of the bare
   interpreter. And ``klaviyo-profiles --help`` (the installed script) on its own. Every
   program runs once untimed first, with bytecode writing allowed, so that each is timed
   with its bytecode cached, as after ``pip install`` (a ``PYTHONDONTWRITEBYTECODE`` set in
   the environment would otherwise have the package's modules compiled from source on every
   start, while the installed baselines' were compiled when they were installed).
4. **Many accounts**: 10 API keys, one async client each, ``--accounts-concurrency`` tasks in
   all, against one sandbox with its limits off: aggregate requests/s against one raw
   ``httpx.AsyncClient`` per key at the same total concurrency.

The loopback and many-accounts runs use ``rate_limits=False`` (pacing would measure the limits,
not the client) and the default retry policy (tenacity), as users run it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import upsert_throughput as loopback  # the sibling script, found through sys.path
from klaviyo_profile_import import facts
from klaviyo_profiles import AsyncKlaviyoProfiles, KlaviyoProfiles

API_KEY = loopback.API_KEY
#: Where the client and the MockTransport baseline "send": never resolved, never connected.
MOCK_BASE_URL = "https://a.klaviyo.com"
ACCOUNTS = 10


@dataclass
class Settings:
    """How much of each measurement to run."""

    n: int
    repeat: int
    concurrency: int
    mock_n: int
    mock_repeat: int
    cold_repeat: int
    accounts_n: int
    accounts_repeat: int
    accounts_concurrency: int


FULL = Settings(
    n=1000,
    repeat=3,
    concurrency=16,
    mock_n=2000,
    mock_repeat=9,
    cold_repeat=9,
    accounts_n=2000,
    accounts_repeat=3,
    accounts_concurrency=20,
)
QUICK = Settings(
    n=30,
    repeat=1,
    concurrency=4,
    mock_n=50,
    mock_repeat=1,
    cold_repeat=1,
    accounts_n=40,
    accounts_repeat=1,
    accounts_concurrency=20,
)


@dataclass
class Samples:
    """Repeated measurements of one contender."""

    values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.values)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---- 1. loopback


def measure_loopback(base_url: str, settings: Settings, sdk: bool) -> dict[str, dict[str, float]]:
    """Client CPU (seconds per request) and requests/s per contender, medians."""
    sync: dict[str, loopback.SyncSetup] = {
        "raw httpx": _raw_sync_absolute,
        "klaviyo-profiles": loopback._ours_sync(retries=True),
    }
    if sdk:
        sync["klaviyo-api"] = loopback.klaviyo_sdk_sync
    asynchronous: dict[str, loopback.AsyncSetup] = {
        "raw httpx": _raw_async_absolute,
        "klaviyo-profiles": loopback._ours_async(retries=True),
    }
    cpu: dict[str, Samples] = {}
    rate: dict[str, Samples] = {}
    for round_index in range(settings.repeat):
        for mode, contenders in (("sync", sync), ("async", asynchronous)):
            for name, setup in contenders.items():
                loopback._reset(base_url)
                tag = f"{mode}-{name.replace(' ', '')}-r{round_index}"
                emails = [f"bench-{tag}-{index}@example.com" for index in range(settings.n)]
                if mode == "sync":
                    wall, spent = loopback.run_sync(setup, base_url, emails)  # type: ignore[arg-type]
                else:
                    wall, spent = loopback.run_async(
                        setup,  # type: ignore[arg-type]
                        base_url,
                        emails,
                        settings.concurrency,
                    )
                key = f"{mode}/{name}"
                cpu.setdefault(key, Samples()).values.append(spent / settings.n)
                rate.setdefault(key, Samples()).values.append(settings.n / wall)
                _progress(
                    f"loopback {key} round {round_index + 1}: {settings.n / wall:,.0f} req/s, "
                    f"{spent / settings.n * 1e6:,.0f} µs CPU/request"
                )
    return {
        key: {"cpu": cpu[key].median, "rate": rate[key].median}
        for key in cpu  # same keys in both
    }


def _raw_sync_absolute(base_url: str) -> tuple[Callable[[str], None], Callable[[], None]]:
    """The raw httpx baseline posting to the absolute URL, as the client does."""
    client = httpx.Client(headers=loopback._raw_headers(facts.REVISION))
    url = base_url + facts.PATH

    def send(email: str) -> None:
        content = json.dumps(loopback._body(email), separators=(",", ":")).encode()
        loopback._check_raw(client.post(url, content=content))

    return send, client.close


def _raw_async_absolute(
    base_url: str,
) -> tuple[Callable[[str], Awaitable[None]], Callable[[], Awaitable[None]]]:
    client = httpx.AsyncClient(headers=loopback._raw_headers(facts.REVISION))
    url = base_url + facts.PATH

    async def send(email: str) -> None:
        content = json.dumps(loopback._body(email), separators=(",", ":")).encode()
        loopback._check_raw(await client.post(url, content=content))

    return send, client.aclose


# ---- 2. MockTransport


@dataclass(frozen=True)
class Canned:
    """A response the sandbox really sent, replayed by MockTransport."""

    status_code: int
    headers: list[tuple[str, str]]
    content: bytes


def capture_answer(base_url: str) -> Canned:
    """One real 201 from the sandbox (its JSON body and ``RateLimit-*`` headers)."""
    loopback._reset(base_url)
    response = httpx.post(
        base_url + facts.PATH,
        headers=loopback._raw_headers(facts.REVISION),
        content=json.dumps(loopback._body("canned@example.com")).encode(),
    )
    if response.status_code != 201:
        raise RuntimeError(f"the sandbox answered {response.status_code}, not 201")
    headers = [
        (name, value)
        for name, value in response.headers.items()
        if name.lower() not in ("content-length", "date", "server")
    ]
    # The sandbox runs without limits; a real answer carries the budget, which the client
    # parses on every call, so the replay carries it too.
    headers += [
        ("RateLimit-Limit", "750"),
        ("RateLimit-Remaining", "749"),
        ("RateLimit-Reset", "60"),
    ]
    return Canned(response.status_code, headers, response.content)


def _mock(canned: Canned) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(canned.status_code, headers=canned.headers, content=canned.content)

    return httpx.MockTransport(handler)


def _mock_raw_sync(canned: Canned) -> tuple[Callable[[str], None], Callable[[], None]]:
    client = httpx.Client(transport=_mock(canned), headers=loopback._raw_headers(facts.REVISION))
    url = MOCK_BASE_URL + facts.PATH

    def send(email: str) -> None:
        content = json.dumps(loopback._body(email), separators=(",", ":")).encode()
        loopback._check_raw(client.post(url, content=content))

    return send, client.close


def _mock_ours_sync(canned: Canned) -> tuple[Callable[[str], None], Callable[[], None]]:
    http = httpx.Client(transport=_mock(canned))
    client = KlaviyoProfiles(API_KEY, base_url=MOCK_BASE_URL, http_client=http, rate_limits=False)

    def send(email: str) -> None:
        result = client.create_or_update_profile(**loopback._attributes(email))
        if not result.created or not result.profile_id:
            raise RuntimeError("KlaviyoProfiles: expected a create")

    return send, http.close


def _mock_raw_async(
    canned: Canned,
) -> tuple[Callable[[str], Awaitable[None]], Callable[[], Awaitable[None]]]:
    client = httpx.AsyncClient(
        transport=_mock(canned), headers=loopback._raw_headers(facts.REVISION)
    )
    url = MOCK_BASE_URL + facts.PATH

    async def send(email: str) -> None:
        content = json.dumps(loopback._body(email), separators=(",", ":")).encode()
        loopback._check_raw(await client.post(url, content=content))

    return send, client.aclose


def _mock_ours_async(
    canned: Canned,
) -> tuple[Callable[[str], Awaitable[None]], Callable[[], Awaitable[None]]]:
    http = httpx.AsyncClient(transport=_mock(canned))
    client = AsyncKlaviyoProfiles(
        API_KEY, base_url=MOCK_BASE_URL, http_client=http, rate_limits=False
    )

    async def send(email: str) -> None:
        result = await client.create_or_update_profile(**loopback._attributes(email))
        if not result.created or not result.profile_id:
            raise RuntimeError("AsyncKlaviyoProfiles: expected a create")

    return send, http.aclose


def measure_mock(canned: Canned, settings: Settings) -> dict[str, float]:
    """CPU seconds per call over MockTransport, medians, keyed ``mode/contender``."""
    contenders: dict[str, Callable[[Canned], Any]] = {
        "sync/raw httpx": _mock_raw_sync,
        "sync/klaviyo-profiles": _mock_ours_sync,
        "async/raw httpx": _mock_raw_async,
        "async/klaviyo-profiles": _mock_ours_async,
    }
    samples: dict[str, Samples] = {key: Samples() for key in contenders}
    emails = [f"mock-{index}@example.com" for index in range(settings.mock_n)]
    for round_index in range(settings.mock_repeat):
        for key, setup in contenders.items():
            if key.startswith("sync/"):
                _, spent = loopback.run_sync(lambda _url, s=setup: s(canned), "", emails)
            else:
                _, spent = loopback.run_async(
                    lambda _url, s=setup: s(canned), "", emails, settings.concurrency
                )
            samples[key].values.append(spent / settings.mock_n)
            _progress(
                f"MockTransport {key} round {round_index + 1}: "
                f"{spent / settings.mock_n * 1e6:,.1f} µs CPU/call"
            )
    medians = {key: value.median for key, value in samples.items()}
    # The cost above raw httpx: the median of each round's difference (the two ran one right
    # after the other), steadier on a busy machine than the difference of two medians.
    for mode in ("sync", "async"):
        ours, raw = samples[f"{mode}/klaviyo-profiles"].values, samples[f"{mode}/raw httpx"].values
        medians[f"{mode}/above"] = statistics.median(o - r for o, r in zip(ours, raw, strict=True))
    return medians


# ---- 3. cold start

COLD_START = {
    "bare interpreter": "pass",
    "import httpx": "import httpx",
    "import httpx + httpx.Client()": "import httpx; httpx.Client()",
    "klaviyo-profiles": (
        f"import klaviyo_profiles; klaviyo_profiles.KlaviyoProfiles(api_key={API_KEY!r})"
    ),
    "klaviyo-api": f"from klaviyo_api import KlaviyoAPI; KlaviyoAPI({API_KEY!r}).Profiles",
}


HELP = "klaviyo-profiles --help"


def _help_command() -> list[str]:
    """The installed ``klaviyo-profiles`` script, as a user runs it (or, without one, the
    same entry point through the interpreter)."""
    script = Path(sys.executable).with_name("klaviyo-profiles")
    if script.is_file():
        return [str(script), "--help"]
    code = "import sys; from klaviyo_profiles.console import main; sys.exit(main(['--help']))"
    return [sys.executable, "-c", code]


def measure_cold_start(settings: Settings, sdk: bool) -> dict[str, float]:
    """Wall-clock seconds of each fresh interpreter (and of ``--help``), medians."""
    programs = {
        name: [sys.executable, "-c", code]
        for name, code in COLD_START.items()
        if sdk or name != "klaviyo-api"
    }
    programs[HELP] = _help_command()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for command in programs.values():  # untimed: bytecode written, files in the OS cache
        subprocess.run(command, check=True, timeout=60, env=env, stdout=subprocess.DEVNULL)
    samples: dict[str, Samples] = {name: Samples() for name in programs}
    for _ in range(settings.cold_repeat):
        for name, command in programs.items():
            started = time.perf_counter()
            subprocess.run(command, check=True, timeout=60, env=env, stdout=subprocess.DEVNULL)
            samples[name].values.append(time.perf_counter() - started)
    for name, value in samples.items():
        _progress(f"cold start {name}: {value.median * 1000:,.0f} ms")
    return {name: value.median for name, value in samples.items()}


# ---- 4. many accounts


def _account_key(index: int) -> str:
    return f"pk_benchmark_account_{index:02d}_0123456789"


async def _many_accounts_run(base_url: str, ours: bool, emails: list[str], tasks: int) -> float:
    """Seconds of wall clock for ``emails`` spread over 10 keys, ``tasks`` tasks in all."""
    url = base_url + facts.PATH
    senders: list[Callable[[str], Awaitable[None]]] = []
    closers: list[Callable[[], Awaitable[None]]] = []
    for index in range(ACCOUNTS):
        key = _account_key(index)
        if ours:
            client = AsyncKlaviyoProfiles(key, base_url=base_url, rate_limits=False)

            async def send(email: str, client: AsyncKlaviyoProfiles = client) -> None:
                result = await client.create_or_update_profile(**loopback._attributes(email))
                if not result.created:
                    raise RuntimeError("AsyncKlaviyoProfiles: expected a create")

            senders.append(send)
            closers.append(client.aclose)
        else:
            headers = loopback._raw_headers(facts.REVISION)
            headers["Authorization"] = f"Klaviyo-API-Key {key}"
            raw = httpx.AsyncClient(headers=headers)

            async def send_raw(email: str, raw: httpx.AsyncClient = raw) -> None:
                content = json.dumps(loopback._body(email), separators=(",", ":")).encode()
                loopback._check_raw(await raw.post(url, content=content))

            senders.append(send_raw)
            closers.append(raw.aclose)
    per_account = max(1, tasks // ACCOUNTS)
    try:
        # One connection per task opened before timing, as in the loopback runs.
        await asyncio.gather(
            *(
                send(f"warmup-{index}-{slot}-{emails[0]}")
                for index, send in enumerate(senders)
                for slot in range(per_account)
            )
        )
        queues: list[Iterator[str]] = [iter(emails[i::ACCOUNTS]) for i in range(ACCOUNTS)]

        async def worker(index: int) -> None:
            for email in queues[index]:
                await senders[index](email)

        started = time.perf_counter()
        await asyncio.gather(
            *(worker(index) for index in range(ACCOUNTS) for _ in range(per_account))
        )
        return time.perf_counter() - started
    finally:
        for close in closers:
            await close()


def measure_many_accounts(base_url: str, settings: Settings) -> dict[str, float]:
    """Aggregate requests/s, medians, for raw httpx and the client."""
    samples = {"raw httpx": Samples(), "klaviyo-profiles": Samples()}
    for round_index in range(settings.accounts_repeat):
        for name in samples:
            loopback._reset(base_url)
            tag = f"acct-{name.replace(' ', '')}-r{round_index}"
            emails = [f"{tag}-{index}@example.com" for index in range(settings.accounts_n)]
            wall = asyncio.run(
                _many_accounts_run(
                    base_url, name == "klaviyo-profiles", emails, settings.accounts_concurrency
                )
            )
            samples[name].values.append(settings.accounts_n / wall)
            _progress(
                f"many accounts {name} round {round_index + 1}: "
                f"{settings.accounts_n / wall:,.0f} req/s"
            )
    return {name: value.median for name, value in samples.items()}


# ---- the table


def _verdict(value: float, limit: float, at_most: bool, unit: str = "") -> str:
    holds = value <= limit if at_most else value >= limit
    sign = "<=" if at_most else ">="
    return f"{sign} {limit:g}{unit}: {'holds' if holds else 'misses'}"


def build_table(
    loop: dict[str, dict[str, float]],
    mock: dict[str, float],
    cold: dict[str, float],
    accounts: dict[str, float],
    settings: Settings,
) -> list[str]:
    """The markdown rows: one comparison per row, the target where there is one."""
    rows = [
        "| measurement | klaviyo-profiles | against | its figure | ratio | target |",
        "|---|---:|---|---:|---:|---|",
    ]

    def row(what: str, ours: str, against: str, theirs: str, ratio: str, target: str) -> None:
        rows.append(f"| {what} | {ours} | {against} | {theirs} | {ratio} | {target} |")

    tasks = f"async x{settings.concurrency}"
    for mode, label in (("sync", "sync"), ("async", tasks)):
        ours = loop[f"{mode}/klaviyo-profiles"]
        for other in ("raw httpx", "klaviyo-api"):
            if mode == "async" and other == "klaviyo-api":
                continue  # the SDK has no async client
            theirs = loop.get(f"{mode}/{other}")
            what = f"loopback {label}: client CPU µs/request"
            if theirs is None:
                row(what, f"{ours['cpu'] * 1e6:,.0f}", other, "not installed", "-", "")
                continue
            ratio = ours["cpu"] / theirs["cpu"]
            target = _verdict(ratio, 1.10, True) if other == "raw httpx" else ""
            row(what, f"{ours['cpu'] * 1e6:,.0f}", other, f"{theirs['cpu'] * 1e6:,.0f}",
                f"{ratio:.2f}", target)  # fmt: skip
        for other in ("raw httpx", "klaviyo-api"):
            if mode == "async" and other == "klaviyo-api":
                continue
            theirs = loop.get(f"{mode}/{other}")
            what = f"loopback {label}: requests/s"
            if theirs is None:
                row(what, f"{ours['rate']:,.0f}", other, "not installed", "-", "")
                continue
            row(what, f"{ours['rate']:,.0f}", other, f"{theirs['rate']:,.0f}",
                f"{ours['rate'] / theirs['rate']:.2f}", "")  # fmt: skip
    for mode, label in (("sync", "sync"), ("async", tasks)):
        ours_us = mock[f"{mode}/klaviyo-profiles"] * 1e6
        raw_us = mock[f"{mode}/raw httpx"] * 1e6
        row(f"MockTransport {label}: client CPU µs/call", f"{ours_us:,.1f}", "raw httpx",
            f"{raw_us:,.1f}", f"{ours_us / raw_us:.2f}", "")  # fmt: skip
        overhead = mock[f"{mode}/above"] * 1e6
        row(f"MockTransport {label}: µs/call above raw httpx", f"{overhead:+,.1f}", "raw httpx",
            "0", "-", _verdict(overhead, 30, True, " µs"))  # fmt: skip
    bare = cold["bare interpreter"]
    ours_cold = cold["klaviyo-profiles"]
    row("cold start: bare interpreter, ms", f"{bare * 1000:,.0f}", "-", "-", "-", "")
    row(f"cold start: `{HELP}`, ms", f"{cold[HELP] * 1000:,.0f}", "-", "-", "-",
        _verdict(cold[HELP] * 1000, 120, True, " ms"))  # fmt: skip
    for other in ("import httpx", "import httpx + httpx.Client()", "klaviyo-api"):
        theirs = cold.get(other)
        what = "cold start: import + first client, ms"
        if theirs is None:
            row(what, f"{ours_cold * 1000:,.0f}", other, "not installed", "-", "")
            row(f"{what}, net of bare", f"{(ours_cold - bare) * 1000:,.0f}", other,
                "not installed", "-", "")  # fmt: skip
            continue
        row(what, f"{ours_cold * 1000:,.0f}", other, f"{theirs * 1000:,.0f}",
            f"{ours_cold / theirs:.2f}", "")  # fmt: skip
        net = (ours_cold - bare) / max(theirs - bare, 1e-9)
        target = {
            "import httpx + httpx.Client()": _verdict(net, 1.3, True),
            "klaviyo-api": _verdict(net, 0.45, True),
        }
        row(f"{what}, net of bare", f"{(ours_cold - bare) * 1000:,.0f}", other,
            f"{(theirs - bare) * 1000:,.0f}", f"{net:.2f}", target.get(other, ""))  # fmt: skip
    ratio = accounts["klaviyo-profiles"] / accounts["raw httpx"]
    row(f"many accounts ({ACCOUNTS} keys, async x{settings.accounts_concurrency} in all): "
        "requests/s", f"{accounts['klaviyo-profiles']:,.0f}", "raw httpx",
        f"{accounts['raw httpx']:,.0f}", f"{ratio:.2f}", _verdict(ratio, 0.95, False))  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run every measurement and print the table and the machine facts."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run, in seconds")
    parser.add_argument("--no-sdk", action="store_true", help="leave klaviyo-api out")
    parser.add_argument("--repeat", type=int, help="interleaved repeats of the loopback runs")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    if args.repeat is not None:
        if args.repeat < 1:
            parser.error("--repeat must be at least 1")
        settings.repeat = args.repeat

    sdk_rev = None if args.no_sdk else loopback.sdk_revision()
    sdk = sdk_rev is not None
    revisions = [facts.REVISION] + ([sdk_rev] if sdk_rev and sdk_rev != facts.REVISION else [])
    started = time.perf_counter()
    with loopback.sandbox_process(revisions) as base_url:
        canned = capture_answer(base_url)
        loop = measure_loopback(base_url, settings, sdk)
        mock = measure_mock(canned, settings)
        accounts = measure_many_accounts(base_url, settings)
    cold = measure_cold_start(settings, sdk)

    print("\n".join(build_table(loop, mock, cold, accounts, settings)))
    print()
    print(
        f"Loopback: {settings.n} upserts per run, {settings.repeat} interleaved repeats; "
        f"MockTransport: {settings.mock_n} calls, {settings.mock_repeat} repeats; cold start: "
        f"{settings.cold_repeat} repeats; many accounts: {settings.accounts_n} upserts, "
        f"{settings.accounts_repeat} repeats. Medians. Retries on (the default policy), "
        "rate_limits=False."
    )
    print()
    print("\n".join(loopback.machine_facts()))
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"- load average at the end (1, 5, 15 min): {load} (others' work on the machine)")
    if not sdk:
        print("- klaviyo-api: not installed (pip install -e '.[bench]') or --no-sdk; left out.")
    elif sdk_rev != facts.REVISION:
        print(f"- klaviyo-api pins revision {sdk_rev}; the sandbox served it alongside.")
    print(f"- total runtime: {time.perf_counter() - started:.0f} s{' (--quick)' * args.quick}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
