"""Pacing when another process shares the account: what is left of Klaviyo's windows, used at
once or spread thin. Before and after, side by side.

Usage::

    python benchmarks/shared_window.py [--baseline CHECKOUT] [--used 300] [--calls 300]
                                       [--concurrency 16] [--rows 6000] [--null-share 0.05]
                                       [--repeat 1]

The sandbox runs in its own process with Klaviyo's real windows (Create or Update Profile: 75
a second, 750 a minute; the bulk job operations their own) and processes a bulk job at 1,000
profiles a second, two at a time (as ``bulk_import.py``). Every phase starts on an emptied
sandbox with a new API key:

* **other**: a first process (``--child other``, its own interpreter) sends ``--used`` upserts
  with that key, ``--concurrency`` at a time, and exits: the account's steady window now has
  ``750 - used`` left, which every later answer's ``RateLimit-Remaining`` reports.
* **calls**: a second process with the same key sends ``--calls`` upserts,
  ``--concurrency`` at a time; its time runs from its first call to its last answer.
* **import**: instead, ``klaviyo-profiles import --via auto`` of a file of ``--rows`` rows of
  which every ``1 / --null-share``-th clears ``last_name`` (those go one by one through
  Create or Update Profile, the rest in one bulk job); its time is the child's wall clock.
  After it, the sandbox must hold every row's profile with the right ``last_name``.
* **fresh**: ``calls`` without the first process, for reference.

With ``--baseline CHECKOUT`` (a checkout of another commit, e.g. ``git worktree add
../base main``; refused at the start unless it holds the project's ``wrapper/`` and
``generated/``), every phase also runs that checkout's code (its ``wrapper/`` and
``generated/`` first on the children's ``PYTHONPATH``), interleaved with this tree's, so that
both meet the same machine. The 429s are the sandbox's count for the whole phase, the first
process included.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from bulk_import import NULL_TOKEN, check_store, checkout, write_rows
from sandbox_process import free_port, wait_until_serving

SCRIPT = Path(__file__).resolve()


@dataclass
class Code:
    """One implementation: a label and what its children's ``PYTHONPATH`` starts with."""

    label: str
    paths: list[str]
    seconds: dict[str, list[float]] = field(default_factory=dict)
    throttled: dict[str, list[int]] = field(default_factory=dict)

    def env(self, key: str) -> dict[str, str]:
        env = dict(os.environ, KLAVIYO_API_KEY=key)
        env.pop("KLAVIYO_LIMITER_URL", None)  # each process paces in its own memory
        if self.paths:
            env["PYTHONPATH"] = os.pathsep.join([*self.paths, env.get("PYTHONPATH", "")])
        return env

    def record(self, phase: str, seconds: float, throttled: int) -> None:
        self.seconds.setdefault(phase, []).append(seconds)
        self.throttled.setdefault(phase, []).append(throttled)


# -- the child processes --------------------------------------------------------------------


def child_calls(base_url: str, emails: list[str], concurrency: int) -> float:
    """Send one upsert per email, ``concurrency`` at a time; seconds from first to last."""
    from klaviyo_profiles import AsyncKlaviyoProfiles

    async def run() -> float:
        async with AsyncKlaviyoProfiles(base_url=base_url) as client:
            queue: asyncio.Queue[str] = asyncio.Queue()
            for email in emails:
                queue.put_nowait(email)

            async def worker() -> None:
                while not queue.empty():
                    await client.create_or_update_profile(email=queue.get_nowait())

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            return time.perf_counter() - started

    return asyncio.run(run())


def _child_main(args: argparse.Namespace) -> int:
    emails = [f"{args.prefix}-{number}@example.com" for number in range(args.n)]
    seconds = child_calls(args.base_url, emails, args.concurrency)
    print(json.dumps({"seconds": seconds}))
    return 0


def run_child(code: Code, key: str, base_url: str, prefix: str, n: int, concurrency: int) -> float:
    command = [
        sys.executable, str(SCRIPT), "--child", "--base-url", base_url, "--prefix", prefix,
        "--n", str(n), "--concurrency", str(concurrency),
    ]  # fmt: skip
    done = subprocess.run(command, env=code.env(key), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{code.label}: the {prefix} process failed:\n{done.stderr[-2000:]}")
    return float(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])


def run_import(code: Code, key: str, base_url: str, path: Path) -> float:
    command = [
        sys.executable, "-m", "klaviyo_profiles.cli", "import", str(path), "--base-url",
        base_url, "--via", "auto", "--null-token", NULL_TOKEN,
    ]  # fmt: skip
    started = time.perf_counter()
    # From the input's folder: ``-m`` puts the working directory first on sys.path, where a
    # ``klaviyo_profiles`` folder would come before the baseline's paths on PYTHONPATH.
    done = subprocess.run(
        command, env=code.env(key), cwd=path.parent, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(
            f"{code.label}: the import exited {done.returncode}:\n{done.stderr[-2000:]}"
        )
    return seconds


# -- the phases -----------------------------------------------------------------------------


def _reset(base_url: str) -> None:
    httpx.post(f"{base_url}/sandbox/reset", timeout=60.0).raise_for_status()


def _count_429(base_url: str) -> int:
    entries = httpx.get(f"{base_url}/sandbox/requests", timeout=60.0).json()["requests"]
    return sum(1 for entry in entries if entry["status"] == 429)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def phase_calls(code: Code, base_url: str, args: argparse.Namespace, *, shared: bool) -> None:
    _reset(base_url)
    key = "pk_" + uuid.uuid4().hex
    if shared:
        run_child(code, key, base_url, "other", args.used, args.concurrency)
    seconds = run_child(code, key, base_url, "calls", args.calls, args.concurrency)
    phase = "calls" if shared else "fresh"
    code.record(phase, seconds, _count_429(base_url))
    _log(f"{code.label}: {phase} {seconds:.1f} s")


def phase_import(code: Code, base_url: str, args: argparse.Namespace, folder: Path) -> None:
    _reset(base_url)
    key = "pk_" + uuid.uuid4().hex
    prefix = f"imp-{uuid.uuid4().hex[:8]}-"
    path = folder / f"{prefix}rows.csv"
    null_every = round(1 / args.null_share)
    clearing = write_rows(path, args.rows, null_every, prefix)
    run_child(code, key, base_url, "other", args.used, args.concurrency)
    seconds = run_import(code, key, base_url, path)
    stored = check_store(base_url, args.rows, clearing, prefix)
    # The store holds the first process's profiles too.
    if stored["stored"] != args.rows + args.used or stored["wrong"]:
        raise SystemExit(f"{code.label}: the import left the store wrong: {stored}")
    code.record("import", seconds, _count_429(base_url))
    _log(f"{code.label}: import {seconds:.1f} s ({len(clearing)} rows one by one)")


@contextmanager
def sandbox() -> Iterator[str]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "klaviyo_profiles.sandbox", "--port", str(port),
         "--job-speed", "1000", "--job-concurrency", "2"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until_serving(base_url, server)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _figure(code: Code, phase: str) -> str:
    seconds = code.seconds.get(phase)
    if not seconds:
        return "-"
    throttled = code.throttled[phase]
    return f"{statistics.median(seconds):.1f} s ({max(throttled)} x 429)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, help="a checkout to run side by side")
    parser.add_argument("--used", type=int, default=300, help="upserts of the first process")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rows", type=int, default=6_000)
    parser.add_argument("--null-share", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--prefix", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child_main(args)

    codes = []
    if args.baseline is not None:
        root = checkout(args.baseline)
        paths = [str(root / "wrapper"), str(root / "generated")]
        codes.append(Code("baseline", paths))
    codes.append(Code("this tree", []))
    load = os.getloadavg()[0]
    with sandbox() as base_url, tempfile.TemporaryDirectory() as directory:
        for round_ in range(args.repeat):
            _log(f"round {round_ + 1}/{args.repeat}")
            for code in codes:
                phase_calls(code, base_url, args, shared=True)
            for code in codes:
                phase_import(code, base_url, args, Path(directory))
            for code in codes:
                phase_calls(code, base_url, args, shared=False)

    clearing = args.rows // round(1 / args.null_share)
    rows = [
        (
            f"{args.calls} async calls (x{args.concurrency}) after another process used "
            f"{args.used} of the 750-a-minute window",
            "calls",
        ),
        (
            f"`import --via auto`, {args.rows:,} rows ({clearing} clear a field), after "
            f"another process used {args.used}",
            "import",
        ),
        (f"{args.calls} async calls (x{args.concurrency}) on a fresh window", "fresh"),
    ]
    print(
        f"Shared window: Klaviyo's windows (75/s, 750/min), median of {args.repeat} run(s), "
        "429s the most seen in a run\n"
    )
    print("| figure | " + " | ".join(code.label for code in codes) + " |")
    print("|---|" + "---:|" * len(codes))
    for label, phase in rows:
        print(f"| {label} | " + " | ".join(_figure(code, phase) for code in codes) + " |")
    print(
        f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average at start {load:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
