"""``klaviyo-profiles import --via auto`` against ``--via single``: 200,000 rows, 5 % of them
clearing a field with null, at Klaviyo's real rate windows.

Usage::

    python benchmarks/bulk_import.py [--rows 200000] [--small 20000] [--null-share 0.05]
                                     [--single-rows 2250] [--profiles-per-second 1000]
                                     [--memory-only] [--baseline CHECKOUT]

The sandbox runs in its own process with Klaviyo's windows for every operation (Create or
Update Profile: 75 a second, 750 a minute; the bulk job operations: 10 a second, 150 a
minute) and processes each bulk job at ``--profiles-per-second``, ``--job-concurrency`` jobs
at a time (Klaviyo publishes no processing speed; both figures are stated in the output).
Each import runs as a child process (``klaviyo-profiles import``, started from a temporary
folder) with its default pacing, and its peak resident set size is its own ``VmHWM`` as it
exits (not ``os.wait4``'s ``ru_maxrss``, which counts this script's size too: see
``_CLI_WITH_PEAK``). The child also reports where it imported the client and the generated
code from: a run whose code is not the tree it was meant to measure stops the benchmark.

* **seed**: before each auto run, the profiles whose rows will clear ``last_name`` are given
  one (``Seeded``) by a bulk import that is not timed, so that every null has something to
  clear and the check below can see it happen.
* **auto**: the file of ``--rows`` rows (every ``1 / --null-share``-th row clears
  ``last_name`` with the null token; the others set it) with ``--via auto``. Checked after the
  run: the sandbox holds exactly ``--rows`` profiles, every cleared ``last_name`` is null,
  every other is the file's value, and the journal holds one outcome for every row.
* **single**: ``--single-rows`` rows with ``--via single``, extrapolated to ``--rows``: the
  long-run rate is the 2xx arrivals (from the sandbox's request log) in the whole steady
  windows (60 s) the run covers, divided by their length, and ``t(rows) = rows / rate``.
* **memory**: the same auto run on ``--small`` rows, to compare peak RSS. ``--memory-only``
  runs just the two auto runs; ``--baseline CHECKOUT`` (a checkout of another commit, e.g.
  ``git worktree add ../base main``) runs each with that checkout's code too (its
  ``wrapper/`` and ``generated/`` first on the child's ``PYTHONPATH``), right before this
  tree's, and prints both side by side.
* **kill**: an auto run on ``--small`` rows killed with SIGKILL as soon as its journal holds
  a running job (so jobs are in flight), then run again to the end: the sandbox's request log
  must show no job submitted twice (every profile of the file in at most one accepted job),
  and the journal one final outcome for every row.

The ratio is single's extrapolated time over auto's measured time. With a share ``s`` of rows
that clear a field, those rows must use Create or Update Profile (bulk jobs leave nulls
alone), so auto can be at most ``1 / s`` times faster than single: 20x at 5 %.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sandbox_process import free_port, wait_until_serving

_KEY = "pk_bulk_benchmark_0123456789abcdef"
NULL_TOKEN = "NULL"
STEADY_WINDOW = 60.0
#: The checkout this script belongs to: the code an import without a baseline must run.
TREE = Path(__file__).resolve().parent.parent
#: Where a checkout keeps each package an import runs, by the package's name.
PACKAGES = {"klaviyo_profiles": "wrapper", "klaviyo_profile_import": "generated"}


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def write_rows(path: Path, rows: int, null_every: int, prefix: str) -> list[int]:
    """A CSV of ``rows`` distinct profiles; every ``null_every``-th clears ``last_name``.

    Returns the row numbers that clear."""
    clearing: list[int] = []
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "first_name", "last_name", "location.city", "properties.plan"])
        for number in range(1, rows + 1):
            clears = null_every > 0 and number % null_every == 0
            if clears:
                clearing.append(number)
            writer.writerow(
                [
                    _email(prefix, number),
                    f"First{number}",
                    NULL_TOKEN if clears else f"Last{number}",
                    "Paris",
                    "pro",
                ]
            )
    return clearing


def write_seed(path: Path, numbers: list[int], prefix: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "last_name"])
        for number in numbers:
            writer.writerow([_email(prefix, number), "Seeded"])


def _email(prefix: str, number: int) -> str:
    return f"{prefix}{number:07d}@example.com"


#: ``klaviyo-profiles ARGS`` (the ``klaviyo_profiles.cli`` module run as ``__main__``) that,
#: as it exits, writes to the file ``$KLAVIYO_BENCH_PEAK`` names, as JSON, its own peak resident
#: set size (``VmHWM``, KiB) and the file each package of ``PACKAGES`` was imported from (null
#: if it was not). The ``ru_maxrss`` that ``os.wait4`` reports cannot be used: Linux counts in
#: it the peak of the image the child was started from (this script, forked), so every import
#: after one whose store this script read back reported this script's size: 85 MiB after the
#: 20,000-row check, 546 MiB after the 200,000-row one, whatever the import itself used.
_CLI_WITH_PEAK = f"""
import atexit, json, os, runpy, sys

def peak():
    line = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    names = {sorted(PACKAGES)!r}
    modules = {{name: getattr(sys.modules.get(name), "__file__", None) for name in names}}
    with open(os.environ["KLAVIYO_BENCH_PEAK"], "w") as out:
        json.dump({{"peak_kib": int(line.split()[1]), "modules": modules}}, out)

atexit.register(peak)
runpy.run_module("klaviyo_profiles.cli", run_name="__main__", alter_sys=True)
"""


def checkout(path: Path) -> Path:
    """``path`` resolved, once it is seen to be a checkout of this project: one whose
    ``wrapper/`` and ``generated/`` hold the packages an import runs. Without them its paths
    on ``PYTHONPATH`` would find nothing and the import would quietly run this tree's code."""
    root = path.resolve()
    missing = [
        f"{folder}/{name}"
        for name, folder in PACKAGES.items()
        if not (root / folder / name).is_dir()
    ]
    if missing:
        raise SystemExit(
            f"--baseline {path}: not a checkout of klaviyo-profiles (no {', '.join(missing)})"
        )
    return root


def ran_from(modules: dict[str, str | None], root: Path) -> list[str]:
    """What an import that had to run ``root``'s code imported from elsewhere (empty: all
    of it came from ``root``), from the files ``_CLI_WITH_PEAK`` reports."""
    wrong = []
    for name, folder in PACKAGES.items():
        file = modules.get(name)
        if file is None or not Path(file).resolve().is_relative_to(root / folder):
            wrong.append(f"{name} from {file}, not from {root / folder}")
    return wrong


def import_env(baseline: Path | None, **variables: str) -> dict[str, str]:
    """The environment of an import child: this one's with ``variables``, and a baseline
    checkout's ``wrapper/`` and ``generated/`` first on ``PYTHONPATH``."""
    env = dict(os.environ, **variables)
    if baseline is not None:
        paths = [str(baseline / folder) for folder in PACKAGES.values()]
        env["PYTHONPATH"] = os.pathsep.join([*paths, env.get("PYTHONPATH", "")])
    return env


def run_import(
    path: Path, base_url: str, via: str, *extra: str, baseline: Path | None = None
) -> dict[str, Any]:
    """Seconds and peak RSS (KiB, the child's own) of one import run as a child process,
    and the files it imported the packages from; it must run ``baseline``'s code (a
    :func:`checkout`), or this tree's when there is none, or the benchmark stops."""
    peak_file = path.with_name(path.name + ".peak")
    peak_file.unlink(missing_ok=True)
    env = import_env(baseline, KLAVIYO_API_KEY=_KEY, KLAVIYO_BENCH_PEAK=str(peak_file))
    command = [
        sys.executable, "-c", _CLI_WITH_PEAK, "import", str(path),
        "--base-url", base_url, "--via", via, "--null-token", NULL_TOKEN, *extra,
    ]  # fmt: skip
    started = time.perf_counter()
    # From the input's folder: ``python -c`` puts its working directory first on sys.path,
    # where a ``klaviyo_profiles`` folder would come before the paths of PYTHONPATH.
    child = subprocess.Popen(
        command, env=env, cwd=path.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert child.stderr is not None
    # The progress display goes to stderr; drain it so the child never blocks on a full pipe.
    tail = child.stderr.read()[-2000:]
    code = child.wait()
    elapsed = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"import --via {via} of {path.name} exited {code}:\n{tail.decode()}")
    report = json.loads(peak_file.read_text(encoding="utf-8"))
    root = TREE if baseline is None else baseline
    wrong = ran_from(report["modules"], root)
    if wrong:
        # Without a baseline, the interpreter running this script has another tree installed.
        raise SystemExit(
            f"import --via {via} of {path.name} did not run the code of {root}: " + "; ".join(wrong)
        )
    return {"seconds": elapsed, "peak_kib": int(report["peak_kib"]), "modules": report["modules"]}


def kill_and_resume(path: Path, base_url: str) -> dict[str, Any]:
    """SIGKILL an auto import once its journal holds a running job; run it again to the end."""
    env = dict(os.environ, KLAVIYO_API_KEY=_KEY)
    command = [
        sys.executable, "-m", "klaviyo_profiles.cli", "import", str(path),
        "--base-url", base_url, "--via", "auto", "--null-token", NULL_TOKEN,
    ]  # fmt: skip
    # From the input's folder, as run_import (``-m`` puts the working directory on sys.path).
    child = subprocess.Popen(
        command, env=env, cwd=path.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300
    try:
        while not _running_jobs(path.with_name(path.name + ".journal.sqlite")):
            if child.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the import ended before any bulk job was journalled")
            time.sleep(0.2)
    finally:
        child.kill()
        child.wait()
    jobs_at_kill = len(_bulk_posts(base_url))
    run_import(path, base_url, "auto")
    posts = _bulk_posts(base_url)
    emails = [
        profile["attributes"]["email"]
        for body in posts
        for profile in body["data"]["attributes"]["profiles"]["data"]
    ]
    return {
        "jobs_at_kill": jobs_at_kill,
        "jobs_total": len(posts),
        "profiles_in_jobs": len(emails),
        "profiles_in_two_jobs": len(emails) - len(set(emails)),
    }


def _running_jobs(journal: Path) -> int:
    """Jobs the journal holds as running (0 while it or its table does not exist yet)."""
    if not journal.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=1.0) as db:
            found = db.execute("SELECT COUNT(*) FROM jobs WHERE state = 'running'").fetchone()
    except sqlite3.Error:
        return 0
    return int(found[0])


def _bulk_posts(base_url: str) -> list[dict[str, Any]]:
    """Bodies of the accepted (202) job submissions in the sandbox's request log."""
    log = httpx.get(f"{base_url}/sandbox/requests", timeout=60.0).json()["requests"]
    return [
        entry["body"]
        for entry in log
        if entry["method"] == "POST"
        and entry["path"].rstrip("/").endswith("/profile-bulk-import-jobs")
        and entry["status"] == 202
    ]


def journal_outcomes(journal: Path) -> dict[str, int]:
    """How many rows of an import journal hold each status."""
    with sqlite3.connect(journal) as db:
        counts = db.execute("SELECT status, COUNT(*) FROM rows GROUP BY status").fetchall()
    return {str(status): int(count) for status, count in counts}


def check_store(base_url: str, rows: int, clearing: list[int], prefix: str) -> dict[str, int]:
    profiles = httpx.get(f"{base_url}/sandbox/profiles", timeout=120.0).json()["profiles"]
    by_email = {p["attributes"]["email"]: p["attributes"] for p in profiles}
    cleared = set(clearing)
    wrong = 0
    for number in range(1, rows + 1):
        stored = by_email.get(_email(prefix, number))
        expected = None if number in cleared else f"Last{number}"
        if stored is None or stored.get("last_name") != expected:
            wrong += 1
    return {"stored": len(by_email), "wrong": wrong}


def single_extrapolation(base_url: str, rows: int, measured: float) -> dict[str, float]:
    """Single's time for ``rows`` rows from the 2xx arrival times of the run just made.

    The endpoint's steady window (750 a minute) sets the long-run rate; within a window the
    burst window lets its share through at once. So the rate is measured over whole steady
    windows only: the 2xx arrivals in the first ``k`` complete windows, divided by their
    length. ``rows`` at that rate take ``rows / rate`` seconds, which overstates single's time
    by at most the last window's head start (under a minute)."""
    log = httpx.get(f"{base_url}/sandbox/requests", timeout=60.0).json()["requests"]
    times = sorted(
        datetime.fromisoformat(entry["time"]).timestamp()
        for entry in log
        if entry["path"].rstrip("/").endswith("/profile-import")
        if entry["status"] in (200, 201)
    )
    start = times[0]
    windows = int((times[-1] - start) // STEADY_WINDOW)
    if windows < 1:
        raise SystemExit("the single run is too short to cover one whole steady window")
    in_windows = sum(1 for t in times if t < start + windows * STEADY_WINDOW)
    rate = in_windows / (windows * STEADY_WINDOW)
    return {
        "measured_rows": len(times),
        "measured_seconds": measured,
        "whole_windows": windows,
        "rows_in_whole_windows": in_windows,
        "steady_rate": rate,
        "estimate_seconds": rows / rate,
    }


class _MemoryOnly(Exception):
    """The memory runs are done and nothing else was asked for."""


def _print_memory(
    figures: dict[str, Any], args: argparse.Namespace, codes: list[tuple[str, Path | None]]
) -> None:
    print(f"machine: {figures['machine']}; load average at start {figures['load']:.2f}")
    print(
        f"`import --via auto`, Klaviyo's windows, {args.null_share:.0%} of rows clearing a "
        f"field: peak RSS, {args.small:,} and {args.rows:,} rows\n"
    )
    print(f"| code | {args.small:,} rows | {args.rows:,} rows | growth | wrong rows |")
    print("|---|---:|---:|---:|---:|")
    for code, _ in codes:
        small, large = figures[code + "auto_small"], figures[code + "auto"]
        growth = (large["peak_kib"] - small["peak_kib"]) / 1024
        print(
            f"| {code.rstrip('_') or 'this tree'} | {small['peak_kib'] / 1024:.1f} MiB "
            f"({small['seconds']:.0f} s) | {large['peak_kib'] / 1024:.1f} MiB "
            f"({large['seconds']:.0f} s) | {growth:+.1f} MiB | "
            f"{small['wrong'] + large['wrong']} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=20_000, help="rows of the memory run")
    parser.add_argument("--null-share", type=float, default=0.05)
    parser.add_argument("--single-rows", type=int, default=2_250)
    parser.add_argument(
        "--no-single", action="store_true", help="skip the single run (no ratio is printed)"
    )
    parser.add_argument("--profiles-per-second", type=float, default=1_000.0)
    parser.add_argument("--job-concurrency", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--memory-only", action="store_true", help="only the two auto runs (no kill, no single)"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a checkout of another commit: its code runs each auto run too, right before "
        "this tree's (its wrapper/ and generated/ first on the import's PYTHONPATH)",
    )
    args = parser.parse_args()
    codes: list[tuple[str, Path | None]] = [("", None)]
    if args.baseline is not None:
        codes.insert(0, ("baseline_", checkout(args.baseline)))
    null_every = round(1 / args.null_share) if args.null_share > 0 else 0

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
        "profiles_per_second": args.profiles_per_second,
        "job_concurrency": args.job_concurrency,
    }
    try:
        wait_until_serving(base_url, server)
        with tempfile.TemporaryDirectory() as directory:
            folder = Path(directory)
            for name, rows in (("auto_small", args.small), ("auto", args.rows)):
                for code, baseline in codes:
                    label = code + name
                    httpx.post(f"{base_url}/sandbox/reset", timeout=30.0)
                    prefix = f"{label}-"
                    path = folder / f"{label}.csv"
                    clearing = write_rows(path, rows, null_every, prefix)
                    if clearing:
                        seed = folder / f"{label}-seed.csv"
                        write_seed(seed, clearing, prefix)
                        _log(f"seeding {len(clearing)} profiles for the {rows}-row run")
                        run_import(seed, base_url, "bulk")
                    _log(f"import --via auto, {rows} rows ({code.rstrip('_') or 'this tree'})")
                    result = run_import(path, base_url, "auto", baseline=baseline)
                    result.update(check_store(base_url, rows, clearing, prefix))
                    journal = path.with_name(path.name + ".journal.sqlite")
                    result["journal"] = journal_outcomes(journal)
                    figures[label] = result
                    _log(json.dumps(result))
            if args.memory_only:
                raise _MemoryOnly
            httpx.post(f"{base_url}/sandbox/reset", timeout=30.0)
            path = folder / "kill.csv"
            write_rows(path, args.small, null_every, "kill-")
            _log(f"import --via auto, {args.small} rows, killed once a job is journalled")
            kill = kill_and_resume(path, base_url)
            kill["journal"] = journal_outcomes(path.with_name(path.name + ".journal.sqlite"))
            figures["kill"] = kill
            _log(json.dumps(kill))
            if not args.no_single:
                httpx.post(f"{base_url}/sandbox/reset", timeout=30.0)
                path = folder / "single.csv"
                write_rows(path, args.single_rows, null_every, "single-")
                _log(f"import --via single, {args.single_rows} rows")
                single = run_import(path, base_url, "single")
                figures["single"] = single_extrapolation(base_url, args.rows, single["seconds"])
                _log(json.dumps(figures["single"]))
    except _MemoryOnly:
        pass
    finally:
        server.terminate()
        server.wait(timeout=30)

    if args.memory_only:
        _print_memory(figures, args, codes)
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        return 0
    auto, small = figures["auto"], figures["auto_small"]
    print(f"machine: {figures['machine']}; load average at start {figures['load']:.2f}")
    print(
        f"bulk job processing (sandbox): {args.profiles_per_second:.0f} profiles/s per job, "
        f"{args.job_concurrency} jobs at a time"
    )
    print(
        f"auto   {args.rows:>7} rows: {auto['seconds']:8.1f} s   peak RSS "
        f"{auto['peak_kib'] / 1024:6.1f} MiB   stored {auto['stored']}, wrong {auto['wrong']}, "
        f"journal {auto['journal']}"
    )
    print(
        f"auto   {args.small:>7} rows: {small['seconds']:8.1f} s   peak RSS "
        f"{small['peak_kib'] / 1024:6.1f} MiB   stored {small['stored']}, wrong {small['wrong']}"
    )
    if "single" in figures:
        single = figures["single"]
        figures["ratio"] = ratio = single["estimate_seconds"] / auto["seconds"]
        print(
            f"single {single['measured_rows']:>7} rows: {single['measured_seconds']:8.1f} s   "
            f"{single['steady_rate']:.2f} rows/s over {single['whole_windows']} whole steady "
            f"window(s) -> {args.rows} rows in "
            f"{single['estimate_seconds']:.0f} s (extrapolated)"
        )
        print(
            f"auto is {ratio:.1f}x faster than single (ceiling at this null share: "
            f"{1 / args.null_share if args.null_share else float('inf'):.0f}x)"
        )
    print(
        f"peak RSS, {args.rows} vs {args.small} rows: "
        f"{(auto['peak_kib'] - small['peak_kib']) / 1024:+.1f} MiB"
    )
    kill = figures["kill"]
    print(
        f"killed with {kill['jobs_at_kill']} job(s) accepted, then resumed: "
        f"{kill['jobs_total']} jobs in all, {kill['profiles_in_two_jobs']} profiles in two jobs, "
        f"journal {kill['journal']}"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
