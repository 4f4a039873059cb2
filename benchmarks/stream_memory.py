"""Peak memory of ``iter_create_or_update_profiles`` fed by a generator: 10,000, 100,000 and
1,000,000 rows.

Usage::

    python benchmarks/stream_memory.py [--rows 10000 100000 1000000] [--null-every 100]
                                       [--job-speed 1000000] [--concurrency 8] [--form list]

The call reads its input a window at a time and holds only the work in flight, so its peak
memory should not depend on the number of rows. This script checks that end to end, over
real HTTP:

* it serves the sandbox in its own process with every rate limit off, jobs queued for no time
  and processed at ``--job-speed`` profiles a second, four at a time (``python -m
  klaviyo_profiles.sandbox``), so the server's memory (it stores every profile) is not counted
  and the jobs are not what the run waits for;
* for each size it empties the sandbox and runs a child process (this script with ``--child``)
  that makes a ``KlaviyoProfiles`` client with pacing off and iterates
  ``iter_create_or_update_profiles`` over a generator of distinct profiles (names, a
  location field, a custom property; one row in ``--null-every`` clears ``last_name`` and so
  goes one by one), counting outcomes without holding them;
* ``--form list`` runs the list form, ``create_or_update_profiles``, instead (it keeps every
  outcome in its list; under a client without the streaming call, it reads the whole
  generator first), for comparison;
* it reads the child's peak resident set size (``ru_maxrss``) from ``os.wait4``, the figure
  ``/usr/bin/time -v`` calls "Maximum resident set size", and what the child counted.

It prints a markdown table: rows, seconds, rows a second, the child's CPU seconds (near the
wall time: the client is what the run waits for; far below it: the sandbox), rows one by one
and in jobs, peak RSS and its ratio to the smallest run. Linux only (``os.wait4``,
``ru_maxrss`` in KiB). The 1,000,000-row run takes several minutes on two cores: the client
prepares each row (checks, encoding) on one core and the sandbox decodes and applies every job
on the other.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import httpx
from sandbox_process import free_port, wait_until_serving

_KEY = "pk_stream_benchmark_0123456789abcdef"


def rows(count: int, null_every: int) -> Iterator[dict[str, Any]]:
    """``count`` distinct profiles, made one at a time; every ``null_every``-th clears a field."""
    for number in range(count):
        row: dict[str, Any] = {
            "email": f"user{number:07d}@example.com",
            "first_name": f"First{number}",
            "last_name": "Last",
            "location": {"city": "Paris"},
            "properties": {"plan": "pro", "number": number},
        }
        if null_every and number % null_every == null_every - 1:
            row["last_name"] = None
        yield row


def child(base_url: str, count: int, null_every: int, concurrency: int, form: str) -> int:
    """One run, in this process: send every row, count outcomes, print the counts as JSON."""
    from klaviyo_profiles import KlaviyoProfiles

    counts = {"rows": 0, "ok": 0, "single": 0, "bulk": 0, "in_order": True}
    with KlaviyoProfiles(api_key=_KEY, base_url=base_url, rate_limits=False) as client:
        call = (
            client.iter_create_or_update_profiles
            if form == "stream"
            else client.create_or_update_profiles
        )
        outcomes = call(
            rows(count, null_every),
            concurrency=concurrency,
            poll_interval=0.2,
            max_poll_interval=1.0,
        )
        for outcome in outcomes:  # streamed: each outcome is dropped once counted
            counts["in_order"] = counts["in_order"] and outcome.index == counts["rows"]
            counts["rows"] += 1
            counts["ok"] += outcome.ok
            counts[outcome.via] += 1
    print(json.dumps(counts), flush=True)
    return 0


def run_child(
    base_url: str, count: int, args: argparse.Namespace
) -> tuple[float, int, dict[str, Any]]:
    """Seconds, peak RSS (KiB) and the counts (with the child's CPU seconds) of one run."""
    command = [
        sys.executable, __file__, "--child", str(count), "--base-url", base_url,
        "--null-every", str(args.null_every), "--concurrency", str(args.concurrency),
        "--form", args.form,
    ]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"the run of {count} rows exited {code}")
    counts = json.loads(output.decode().strip().splitlines()[-1])
    counts["cpu"] = usage.ru_utime + usage.ru_stime
    return elapsed, int(usage.ru_maxrss), counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--null-every", type=int, default=100, help="0: no row clears a field")
    parser.add_argument("--job-speed", type=float, default=1_000_000.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--form",
        choices=("stream", "list"),
        default="stream",
        help="iter_create_or_update_profiles (default) or the list form, create_or_update_profiles",
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        return child(args.base_url, args.child, args.null_every, args.concurrency, args.form)

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "klaviyo_profiles.sandbox", "--port", str(port),
         "--no-rate-limits", "--job-queue-delay", "0", "--job-speed", str(args.job_speed),
         "--job-concurrency", "4"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    results: list[tuple[int, float, int, dict[str, Any]]] = []
    started = datetime.now(timezone.utc)
    try:
        wait_until_serving(base_url, server)
        for count in args.rows:
            httpx.post(f"{base_url}/sandbox/reset", timeout=120.0)
            elapsed, peak, counts = run_child(base_url, count, args)
            if counts["rows"] != count or counts["ok"] != count or not counts["in_order"]:
                raise SystemExit(
                    f"{count} rows: the outcomes were not all ok and in order: {counts}"
                )
            results.append((count, elapsed, peak, counts))
            print(
                f"{count:>9} rows  {elapsed:7.1f} s  peak RSS {peak / 1024:6.1f} MiB  {counts}",
                file=sys.stderr,
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    base = results[0][2]
    print(
        f"{started:%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} logical cores, "
        f"load average {os.getloadavg()[0]:.1f} at the end, CPython {platform.python_version()}; "
        f"one row in {args.null_every} one by one, sandbox jobs at {args.job_speed:,.0f}/s, "
        f"{args.form} form\n"
    )
    print(
        "| rows | seconds | rows/s | client CPU s | one by one | in jobs | peak RSS | "
        f"ratio to {results[0][0]:,} |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for count, elapsed, peak, counts in results:
        print(
            f"| {count:,} | {elapsed:.1f} | {count / elapsed:,.0f} | {counts['cpu']:.1f} | "
            f"{counts['single']:,} | {counts['bulk']:,} | {peak / 1024:.1f} MiB | "
            f"{peak / base:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
