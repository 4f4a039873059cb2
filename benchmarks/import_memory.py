"""Peak memory of ``klaviyo-profiles import``: a large file against a ten times smaller one.

Usage::

    python benchmarks/import_memory.py [--small 20000] [--large 200000] [--concurrency 8]

The import streams its file row by row through a bounded queue, so its peak memory should not
depend on the number of rows. This script checks that end to end, over real HTTP:

* it writes two CSV files of distinct profiles (names, a location field, a custom property;
  1 % bad emails, which the sandbox refuses with 400 and the import sends to its reject file);
* it serves the sandbox in its own process (``python -m klaviyo_profiles.sandbox
  --no-rate-limits``), so the server's memory (it stores every profile) is not counted;
* it runs ``python -m klaviyo_profiles.cli import FILE --no-pacing`` as a child process for
  each file, on an empty sandbox, and reads the child's peak resident set size (``ru_maxrss``)
  from ``os.wait4``, the figure ``/usr/bin/time -v`` calls "Maximum resident set size".

It prints rows, seconds, rows per second and peak RSS of each run and the difference between
them. Linux only (``os.wait4`` and ``ru_maxrss`` in KiB). The large run takes a few minutes
over HTTP at the sandbox's pace; ``--large`` makes it smaller.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sandbox_process import free_port, wait_until_serving

_KEY = "pk_benchmark_key_0000000000000000"


def write_csv(path: Path, rows: int) -> None:
    """``rows`` profiles with distinct emails; every hundredth email is malformed."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "first_name", "last_name", "location.city", "properties.plan"])
        for number in range(1, rows + 1):
            email = f"user{number:07d}@example.com" if number % 100 else f"bad-{number}"
            writer.writerow([email, f"First{number}", "Last", "Paris", "pro"])


def run_import(path: Path, base_url: str, concurrency: int) -> tuple[float, int, int]:
    """Seconds, exit status and peak RSS (KiB) of one import run as a child process."""
    env = dict(os.environ, KLAVIYO_API_KEY=_KEY)
    command = [
        sys.executable, "-m", "klaviyo_profiles.cli", "import", str(path),
        "--base-url", base_url, "--no-pacing", "--concurrency", str(concurrency),
    ]  # fmt: skip
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, child.returncode, int(usage.ru_maxrss)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=20_000, help="rows of the small file")
    parser.add_argument("--large", type=int, default=200_000, help="rows of the large file")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "klaviyo_profiles.sandbox", "--port", str(port),
         "--no-rate-limits"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    results: list[tuple[int, float, int, int]] = []
    try:
        wait_until_serving(base_url, server)
        with tempfile.TemporaryDirectory() as directory:
            for rows in (args.small, args.large):
                path = Path(directory) / f"rows_{rows}.csv"
                write_csv(path, rows)
                httpx.post(f"{base_url}/sandbox/reset", timeout=10.0)
                elapsed, code, peak = run_import(path, base_url, args.concurrency)
                # Exit status 1 is expected: the 1 % bad rows are rejected.
                if code not in (0, 1):
                    raise SystemExit(f"the import of {rows} rows failed with status {code}")
                results.append((rows, elapsed, code, peak))
                print(
                    f"{rows:>8} rows  {elapsed:7.1f} s  {rows / elapsed:7.0f} rows/s  "
                    f"peak RSS {peak / 1024:6.1f} MiB  (exit {code})",
                    flush=True,
                )
    finally:
        server.terminate()
        server.wait(timeout=10)
    (small, _, _, small_peak), (large, _, _, large_peak) = results
    print(
        f"peak RSS difference, {large} vs {small} rows: {(large_peak - small_peak) / 1024:+.1f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
