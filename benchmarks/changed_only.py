"""``klaviyo-profiles import --changed-only``: a nightly re-sync of 200,000 rows in which 1 %
changed and 1 % are new, against a full ``--via auto`` re-import of the same file, at
Klaviyo's real rate windows.

Usage::

    python benchmarks/changed_only.py [--rows 200000] [--changed-share 0.01]
                                      [--clear-share 0.1] [--new-share 0.01]
                                      [--profiles-per-second 1000] [--job-concurrency 2]
                                      [--profile PATH]

The sandbox runs in its own process with Klaviyo's windows for every operation (as
``bulk_import.py`` runs it) and processes each bulk job at ``--profiles-per-second``,
``--job-concurrency`` jobs at a time. Every import is a child process running the command
line (``klaviyo_profiles.cli``) with its default pacing, which writes its own peak resident set
size (``VmHWM``) when it exits: ``ru_maxrss`` from ``os.wait4`` would not do, as Linux hands a
child the peak of the process that started it. Each row names a profile by an email and a
phone number.

* **first**: the first night, ``--rows`` rows, imported once with ``--changed-only`` (this
  fills the state).
* **second**: the next night's file under a new name, once the rate windows the first night
  used are free again (``--pause``, as a day later): ``--changed-share`` of the rows changed
  (of those, ``--clear-share`` clear ``last_name`` with the null token, the others change
  ``first_name``) and ``--new-share`` new rows, imported with ``--changed-only``. Checked
  after it: every changed value and every new row is stored, every cleared ``last_name`` is
  null, and the sandbox's request log since the run began names no unchanged row (in a job
  or one by one).
* **unchanged**: the second night's file again under a third name (nothing changed since):
  ``--dry-run``, then the run itself; their rows a second is the skip path's speed (the
  reported ``elapsed_seconds``: reading, deciding and looking up; the whole process's wall
  time is given beside it). Then its first tenth alone, against the same state: the peak
  memory of a file ten times shorter. ``--profile PATH`` runs the unchanged file once more
  (under a fourth name) under cProfile, writes the stats to PATH and prints where its time
  went.
* **full**: the second night's file re-imported with ``--via auto`` (no ``--changed-only``),
  as every night goes without it.

The ratio is the full re-import's wall time over the second run's; where the second run's
time went is read from the sandbox's request log (its first request, each job's start and last
poll, the rows sent one by one). The state file's size per profile is read after the second
run.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import multiprocessing
import os
import platform
import pstats
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from klaviyo_profile_import import facts
from sandbox_process import free_port, wait_until_serving

_KEY = "pk_changed_only_benchmark_0123456789"
NULL_TOKEN = "NULL"
HEADER = ["email", "phone_number", "first_name", "last_name", "location.city", "properties.plan"]


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _email(number: int) -> str:
    return f"customer{number:07d}@example.com"


def _row(number: int, first: str | None = None, last: str | None = None) -> list[str]:
    return [
        _email(number),
        f"+1415{number:07d}",
        first or f"First{number}",
        last or f"Last{number}",
        "Paris",
        "pro",
    ]


def _base(number: int, null_every: int) -> list[str]:
    """A row as the first night has it: every ``null_every``-th clears ``last_name``."""
    clears = null_every > 0 and number % null_every == 0
    return _row(number, last=NULL_TOKEN if clears else None)


def write_first(path: Path, rows: int, null_every: int = 0) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(_base(number, null_every) for number in range(1, rows + 1))


def write_second(
    path: Path,
    rows: int,
    changed_share: float,
    clear_share: float,
    new_share: float,
    null_every: int = 0,
) -> dict[str, set[int]]:
    """The next night: every ``1 / changed_share``-th row changed (every ``1 / clear_share``-th
    of those clears ``last_name``), then ``new_share`` of ``rows`` new rows; the other rows as
    the first night has them. Returns the row numbers of each kind."""
    every = round(1 / changed_share)
    clear_every = round(1 / clear_share)
    kinds: dict[str, set[int]] = {"changed": set(), "cleared": set(), "new": set()}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        changes = 0
        for number in range(1, rows + 1):
            # Changed rows sit between the first night's clearing rows (never one of them).
            if number % every != every // 2 or _base(number, null_every)[3] == NULL_TOKEN:
                writer.writerow(_base(number, null_every))
                continue
            changes += 1
            if changes % clear_every == 0:
                kinds["cleared"].add(number)
                writer.writerow(_row(number, last=NULL_TOKEN))
            else:
                kinds["changed"].add(number)
                writer.writerow(_row(number, first=f"Changed{number}"))
        for number in range(rows + 1, rows + 1 + round(rows * new_share)):
            kinds["new"].add(number)
            writer.writerow(_row(number))
    return kinds


#: Runs the command line as ``python -m klaviyo_profiles.cli`` does, then writes the process's
#: own peak resident set size (``VmHWM``: the peak of this program, not of the process that
#: started it) to ``$BENCH_PEAK_FILE``; under cProfile when ``$BENCH_PROFILE_FILE`` is set.
_LAUNCHER = """
import atexit, cProfile, os, re, runpy, sys

profiler = cProfile.Profile() if os.environ.get("BENCH_PROFILE_FILE") else None

def _at_exit():
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(os.environ["BENCH_PROFILE_FILE"])
    with open("/proc/self/status", encoding="ascii") as status:
        found = re.search(r"VmHWM:\\s+(\\d+)", status.read())
    with open(os.environ["BENCH_PEAK_FILE"], "w", encoding="ascii") as out:
        out.write(found.group(1) if found else "0")

atexit.register(_at_exit)
sys.argv = ["klaviyo-profiles", *sys.argv[1:]]
if profiler is not None:
    profiler.enable()
runpy.run_module("klaviyo_profiles.cli", run_name="__main__", alter_sys=True)
"""


def rest(seconds: float) -> None:
    """Wait for the rate windows that earlier runs used to be free again."""
    if seconds > 0:
        _log(f"waiting {seconds:.0f} s for the rate windows to free")
        time.sleep(seconds)


def run_import(
    path: Path, base_url: str, *extra: str, profile: Path | None = None
) -> dict[str, Any]:
    """Wall seconds, CPU seconds (user and system, from ``os.wait4``), peak RSS (KiB) and the
    ``--output json`` document of one import run as a child process (under cProfile, its
    stats written to ``profile``, when given)."""
    with tempfile.TemporaryDirectory() as scratch:
        peak_file = Path(scratch) / "peak"
        env = dict(os.environ, KLAVIYO_API_KEY=_KEY, BENCH_PEAK_FILE=str(peak_file))
        if profile is not None:
            env["BENCH_PROFILE_FILE"] = str(profile)
        command = [
            sys.executable, "-c", _LAUNCHER, "import", str(path),
            "--base-url", base_url, "--null-token", NULL_TOKEN, "--output", "json", *extra,
        ]  # fmt: skip
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            started = time.perf_counter()
            child = subprocess.Popen(command, env=env, stdout=out, stderr=err)
            _, status, usage = os.wait4(child.pid, 0)
            elapsed = time.perf_counter() - started
            code = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            if code != 0:
                raise SystemExit(
                    f"import {' '.join(extra)} of {path.name} exited {code}:\n"
                    f"{err.read().decode()[-2000:]}"
                )
            document = json.loads(out.read())
        peak = int(peak_file.read_text(encoding="ascii") or 0)
    cpu = usage.ru_utime + usage.ru_stime
    return {"seconds": elapsed, "cpu_seconds": cpu, "peak_kib": peak, "summary": document}


def requests_since(base_url: str, since: float) -> list[dict[str, Any]]:
    log = httpx.get(f"{base_url}/sandbox/requests", timeout=120.0).json()["requests"]
    return [entry for entry in log if datetime.fromisoformat(entry["time"]).timestamp() >= since]


def count_requests_since(base_url: str, since: float) -> int:
    """How many requests the sandbox logged since ``since``."""
    return len(requests_since(base_url, since))


def emails_sent(entries: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Emails sent one by one, and in accepted jobs, by the logged requests."""
    single: list[str] = []
    jobs: list[str] = []
    for entry in entries:
        body = entry["body"]
        if entry["method"] != "POST" or not isinstance(body, dict):
            continue
        path = entry["path"].rstrip("/")
        if path.endswith("/profile-import"):
            single.append(body["data"]["attributes"].get("email"))
        elif path.endswith("/profile-bulk-import-jobs") and entry["status"] == 202:
            jobs += [
                p["attributes"].get("email") for p in body["data"]["attributes"]["profiles"]["data"]
            ]
    return single, jobs


def check_second(
    base_url: str, rows: int, kinds: dict[str, set[int]], since: float
) -> dict[str, Any]:
    """What the second run changed, and that it touched nothing else."""
    profiles = httpx.get(f"{base_url}/sandbox/profiles", timeout=300.0).json()["profiles"]
    stored = {p["attributes"]["email"]: p["attributes"] for p in profiles}
    wrong = 0
    for number in kinds["changed"]:
        wrong += stored.get(_email(number), {}).get("first_name") != f"Changed{number}"
    for number in kinds["cleared"]:
        found = stored.get(_email(number))
        wrong += found is None or found.get("last_name") is not None
    for number in kinds["new"]:
        wrong += stored.get(_email(number), {}).get("first_name") != f"First{number}"
    entries = requests_since(base_url, since)
    single, jobs = emails_sent(entries)
    expected = {_email(n) for kind in kinds.values() for n in kind}
    sent = set(single) | set(jobs)
    return {
        "stored": len(stored),
        "wrong": wrong,
        "sent_one_by_one": len(single),
        "sent_in_jobs": len(jobs),
        "unchanged_rows_sent": len(sent - expected),
        "changed_rows_not_sent": len(expected - sent),
        "timeline": timeline(entries, since),
    }


def timeline(entries: list[dict[str, Any]], since: float) -> dict[str, Any]:
    """When, in seconds after the run was started, the sandbox saw its first request, each
    job start (with its size) and each job's last poll, and the rows sent one by one."""

    def at(entry: dict[str, Any]) -> float:
        return round(datetime.fromisoformat(entry["time"]).timestamp() - since, 2)

    jobs: list[dict[str, Any]] = []
    polls: dict[str, float] = {}
    singles: list[float] = []
    for entry in entries:
        path = entry["path"].rstrip("/")
        body = entry["body"]
        if entry["method"] == "POST" and path.endswith("/profile-import"):
            singles.append(at(entry))
        elif entry["method"] == "POST" and path.endswith("/profile-bulk-import-jobs"):
            if entry["status"] == 202 and isinstance(body, dict):
                size = len(body["data"]["attributes"]["profiles"]["data"])
                jobs.append({"started": at(entry), "rows": size})
        elif entry["method"] == "GET" and "/profile-bulk-import-jobs/" in path:
            polls[path.rsplit("/", 1)[-1]] = at(entry)
    return {
        "first_request": at(entries[0]) if entries else None,
        "jobs": jobs,
        "last_polls": sorted(polls.values()),
        "single": [min(singles), max(singles)] if singles else [],
    }


def state_figures(state: Path) -> dict[str, Any]:
    with sqlite3.connect(state) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        profiles = int(db.execute("SELECT COUNT(*) FROM applied").fetchone()[0])
    db.close()
    size = state.stat().st_size
    return {"bytes": size, "profiles": profiles, "bytes_per_profile": size / max(profiles, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--changed-share", type=float, default=0.01)
    parser.add_argument("--clear-share", type=float, default=0.1)
    parser.add_argument("--new-share", type=float, default=0.01)
    parser.add_argument(
        "--null-share",
        type=float,
        default=0.0,
        help="rows that clear last_name in both nights (the nightly file of the README's "
        "bulk benchmark: 0.05); unchanged, they are not sent again",
    )
    parser.add_argument("--profiles-per-second", type=float, default=1_000.0)
    parser.add_argument("--job-concurrency", type=int, default=2)
    parser.add_argument(
        "--pause",
        type=float,
        default=facts.STEADY_PERIOD_SECONDS + 1.0,
        help="seconds to wait before the second night and before the full re-import, so that "
        "each starts with the account's rate windows free (default: the steady window)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--profile", type=Path, help="cProfile the unchanged run, stats here")
    args = parser.parse_args()

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "klaviyo_profiles.sandbox", "--port", str(port),
         "--job-speed", str(args.profiles_per_second),
         "--job-concurrency", str(args.job_concurrency)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    figures: dict[str, Any] = {
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "load": os.getloadavg()[0],
        "rows": args.rows,
        "null_share": args.null_share,
    }
    try:
        wait_until_serving(base_url, server)
        with tempfile.TemporaryDirectory() as directory:
            folder = Path(directory)
            state = folder / "account.state.sqlite"
            changed_only = ["--changed-only", "--state", str(state)]
            first = folder / "customers-2026-12-01.csv"
            null_every = round(1 / args.null_share) if args.null_share > 0 else 0
            write_first(first, args.rows, null_every)
            _log(f"first night: {args.rows} rows, --changed-only")
            figures["first"] = run_import(first, base_url, *changed_only)
            _log(json.dumps(figures["first"]["summary"]))

            # The next night starts with the account's windows free, as a day later would: a
            # first night that cleared fields used the single call's steady window to the full.
            rest(args.pause)
            second = folder / "customers-2026-12-02.csv"
            kinds = write_second(
                second, args.rows, args.changed_share, args.clear_share, args.new_share, null_every
            )
            figures["kinds"] = {kind: len(numbers) for kind, numbers in kinds.items()}
            _log(f"second night: {figures['kinds']}, --changed-only")
            since = time.time()
            figures["second"] = run_import(second, base_url, *changed_only)
            # In another process: the stored profiles are hundreds of MiB of JSON, which this
            # one need not hold.
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                checked = pool.submit(check_second, base_url, args.rows, kinds, since).result()
            figures["second"].update(checked)
            figures["state"] = state_figures(state)
            _log(json.dumps({k: v for k, v in figures["second"].items() if k != "summary"}))

            third = folder / "customers-2026-12-03.csv"
            third.write_bytes(second.read_bytes())
            _log("the same file again: --dry-run, then --changed-only")
            figures["dry_run"] = run_import(third, base_url, *changed_only, "--dry-run")
            since = time.time()
            figures["unchanged"] = run_import(third, base_url, *changed_only)
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                sent = pool.submit(count_requests_since, base_url, since).result()
            figures["unchanged"]["requests"] = sent
            if args.profile:
                # Under another name (the third's journal would settle every row), and apart
                # from the run measured: the profiler slows what it watches.
                fourth = folder / "customers-2026-12-04.csv"
                fourth.write_bytes(second.read_bytes())
                run_import(fourth, base_url, *changed_only, profile=args.profile)

            # A file ten times shorter against the same state: the peak should not follow it.
            part = folder / "customers-2026-12-03-part.csv"
            with second.open(encoding="utf-8") as source, part.open("w", encoding="utf-8") as out:
                for number, line in enumerate(source):
                    if number > args.rows // 10:
                        break
                    out.write(line)
            figures["tenth"] = run_import(part, base_url, *changed_only)

            rest(args.pause)
            _log("the second night's file, re-imported in full with --via auto")
            full_journal = folder / "full.journal.sqlite"
            figures["full"] = run_import(
                second, base_url, "--via", "auto", "--journal", str(full_journal)
            )
    finally:
        server.terminate()
        server.wait(timeout=30)

    rows2 = args.rows + figures["kinds"]["new"]
    first, second, full = figures["first"], figures["second"], figures["full"]
    dry, same = figures["dry_run"], figures["unchanged"]
    figures["ratio"] = ratio = full["seconds"] / second["seconds"]
    mib = 1024
    print(f"machine: {figures['machine']}; load average at start {figures['load']:.2f}")
    print(
        f"sandbox: Klaviyo's windows; jobs {args.profiles_per_second:.0f} profiles/s, "
        f"{args.job_concurrency} at a time"
    )
    print("| run | rows | sent | wall time | peak RSS | checked |")
    print("|---|---:|---:|---:|---:|---|")
    print(
        f"| first night, `--changed-only` | {args.rows:,} | {args.rows:,} | "
        f"{first['seconds']:.1f} s ({first['cpu_seconds']:.1f} s CPU) | "
        f"{first['peak_kib'] / mib:.1f} MiB | |"
    )
    print(
        f"| second night, `--changed-only` | {rows2:,} | "
        f"{second['sent_one_by_one'] + second['sent_in_jobs']:,} "
        f"({second['sent_in_jobs']:,} in jobs, {second['sent_one_by_one']:,} one by one) | "
        f"{second['seconds']:.1f} s ({second['cpu_seconds']:.1f} s CPU) | "
        f"{second['peak_kib'] / mib:.1f} MiB | "
        f"{second['wrong']} wrong, {second['unchanged_rows_sent']} unchanged rows sent, "
        f"{second['changed_rows_not_sent']} changed rows not sent |"
    )
    print(
        f"| second night, full `--via auto` | {rows2:,} | {rows2:,} | {full['seconds']:.1f} s "
        f"({full['cpu_seconds']:.1f} s CPU) | "
        f"{full['peak_kib'] / mib:.1f} MiB | |"
    )
    for label, run in (("`--dry-run`", dry), ("`--changed-only`", same)):
        summary = run["summary"]
        print(
            f"| unchanged file, {label} | {rows2:,} | 0 | {run['seconds']:.1f} s "
            f"({rows2 / summary['elapsed_seconds']:,.0f} rows/s in "
            f"{summary['elapsed_seconds']:.2f} s reported; {run['cpu_seconds']:.1f} s of CPU "
            f"for the whole process) | {run['peak_kib'] / mib:.1f} MiB | "
            f"{summary['unchanged']:,} unchanged |"
        )
    tenth = figures["tenth"]
    print(
        f"| first tenth of that file, `--changed-only` | {tenth['summary']['rows']:,} | 0 | "
        f"{tenth['seconds']:.1f} s ({tenth['cpu_seconds']:.1f} s CPU) | "
        f"{tenth['peak_kib'] / mib:.1f} MiB | "
        f"{tenth['summary']['unchanged']:,} unchanged |"
    )
    print(f"requests by the unchanged run: {same['requests']}")
    print(f"second night's timeline (s after start): {json.dumps(second['timeline'])}")
    state = figures["state"]
    print(
        f"state file: {state['bytes']:,} bytes for {state['profiles']:,} profiles "
        f"({state['bytes_per_profile']:.0f} bytes a profile)"
    )
    print(
        f"ratio: the full re-import took {ratio:.1f}x the --changed-only run's wall time "
        "(goal: 50x)"
    )
    if args.profile:
        report = io.StringIO()
        pstats.Stats(str(args.profile), stream=report).sort_stats("tottime").print_stats(18)
        print("the unchanged file once more, under cProfile, by own time:")
        print(report.getvalue())
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
