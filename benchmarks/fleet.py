"""A fleet sharing one account: 4 worker processes, one API key, one Redis, one sandbox.

Usage::

    python benchmarks/fleet.py [--workers 4] [--scale 5] [--periods 4] [--outage 10] [--runs 1]
    python benchmarks/fleet.py --only redis killed --scale 1 --periods 1 --runs 5

Every worker is its own process with its own ``AsyncKlaviyoProfiles`` (``--concurrency`` tasks)
and the same API key, upserting distinct emails for a bounded time against one sandbox that
runs in its own process with Klaviyo's windows (75 per second, 750 per minute) shortened in
time by ``--scale`` (5: 75 per 0.2 s and 750 per 12 s, the same shape, 5 times faster; 1:
Klaviyo's own windows). Each run lasts one steady window of warm-up plus ``--periods``
measured steady windows. Three runs (each repeated ``--runs`` times, one row per run):

* **memory**: each worker paces alone with the default per-process limiter (the baseline:
  what a fleet got before);
* **redis**: the workers share ``RedisBackend`` on a redis-server started here (loopback);
* **redis, killed**: the same, with redis-server killed (SIGKILL) for ``--outage`` seconds in
  the middle of the measured periods and started again, empty.

Columns: *throughput*, 2xx arrivals at the sandbox in the measured periods as a share of what
the steady window allows in them (``periods x 750``); *429s* as a share of all requests;
*lost*, emails a worker submitted that neither reached the sandbox's store nor came back as an
error (and *failed*, the ones that came back as an error after retries).

Then the limiter's own cost: ``acquire`` with limits too high to ever wait, memory backend vs
Redis on loopback, sync and async, as microseconds per call and as a ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

API_KEY = "pk_fleet_benchmark_0123456789abcdef"
BURST, BURST_PERIOD, STEADY, STEADY_PERIOD = 75, 1.0, 750, 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the worker process ------------------------------------------------------------------------


async def _work(options: dict[str, Any]) -> dict[str, Any]:
    from klaviyo_profiles import AsyncKlaviyoProfiles
    from klaviyo_profiles.limiter_urls import backend_from_uri
    from klaviyo_profiles.ratelimit import RateLimits
    from klaviyo_profiles.retries import RetryPolicy

    limits = RateLimits(**options["limits"])
    policy = RetryPolicy(max_attempts=30, total_timeout=120, max_backoff=2.0)
    backend = backend_from_uri(options["backend"])
    submitted: list[str] = []
    failed: list[str] = []
    attempts = 0
    deadline = time.monotonic() + options["duration"]
    async with AsyncKlaviyoProfiles(
        api_key=API_KEY,
        base_url=options["base_url"],
        rate_limits=limits,
        limiter_backend=backend,
        retry_policy=policy,
    ) as client:

        async def task(n: int) -> None:
            nonlocal attempts
            count = 0
            while time.monotonic() < deadline:
                email = f"{options['name']}-{n}-{count}@example.com"
                count += 1
                submitted.append(email)
                try:
                    result = await client.create_or_update_profile(email=email)
                    attempts += result.attempts
                except Exception as exc:
                    failed.append(f"{email}: {type(exc).__name__}")

        await asyncio.gather(*(task(n) for n in range(options["concurrency"])))
    return {"submitted": submitted, "failed": failed, "attempts": attempts}


def worker_main(options: dict[str, Any]) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING, format=f"[{options['name']}] %(message)s")
    print("ready", flush=True)
    sys.stdin.readline()
    print(json.dumps(asyncio.run(_work(options))), flush=True)


# -- services ------------------------------------------------------------------------------


class Redis:
    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            sys.exit("redis-server is not installed (apt-get install redis-server)")
        self.binary, self.directory, self.port = binary, directory, _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            self.process = None


class SandboxProcess:
    def __init__(self) -> None:
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        # serve() with a config rather than the module's command line: the request log
        # must hold every request of a run (the command line keeps the last 10,000).
        code = (
            "import sys; from klaviyo_profiles.sandbox import SandboxConfig; "
            "from klaviyo_profiles.sandbox.server import serve; "
            "serve(SandboxConfig(request_log_size=500_000), port=int(sys.argv[1]))"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.admin = httpx.Client(base_url=self.base_url, timeout=60)
        deadline = time.monotonic() + 30
        while True:
            try:
                self.admin.get("/sandbox/config").raise_for_status()
                return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def configure(self, scale: float) -> None:
        self.admin.post("/sandbox/reset").raise_for_status()
        limits = {
            "enabled": True,
            "burst_limit": BURST,
            "burst_period": BURST_PERIOD / scale,
            "steady_limit": STEADY,
            "steady_period": STEADY_PERIOD / scale,
        }
        changes = {"rate_limits": limits}
        self.admin.put("/sandbox/config", json=changes).raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        entries = self.admin.get("/sandbox/requests").json()["requests"]
        return [entry for entry in entries if entry["path"].startswith("/api/profile-import")]

    def stored(self) -> set[str]:
        profiles = self.admin.get("/sandbox/profiles").json()["profiles"]
        return {profile["attributes"]["email"] for profile in profiles}

    def close(self) -> None:
        self.admin.close()
        self.process.terminate()
        self.process.wait(10)


# -- one run ---------------------------------------------------------------------------------


def run_fleet(
    args: argparse.Namespace,
    sandbox: SandboxProcess,
    backend: str,
    redis: Redis | None = None,
    outage: float = 0.0,
) -> dict[str, Any]:
    sandbox.configure(args.scale)
    steady_period = STEADY_PERIOD / args.scale
    duration = steady_period * (args.periods + 1)
    options = {
        "base_url": sandbox.base_url,
        "backend": backend,
        "duration": duration,
        "concurrency": args.concurrency,
        "limits": {
            "burst_limit": BURST,
            "burst_period": BURST_PERIOD / args.scale,
            "steady_limit": STEADY,
            "steady_period": steady_period,
        },
    }
    workers = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", json.dumps({**options, "name": f"w{n}"})],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(args.workers)
    ]
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    if outage and redis is not None:
        time.sleep(steady_period * (1 + args.periods / 2) - outage / 2)
        _log(f"  killing redis-server for {outage:g} s")
        redis.kill()
        time.sleep(outage)
        redis.start()
        _log("  redis-server started again (empty)")
    results, logs = [], []
    for worker in workers:
        out, err = worker.communicate(timeout=duration + 300)
        if worker.returncode != 0:
            raise RuntimeError(f"a worker failed:\n{err}")
        results.append(json.loads(out.strip().splitlines()[-1]))
        logs.append(err)

    requests = sandbox.requests()
    stored = sandbox.stored()
    times = sorted(
        datetime.fromisoformat(entry["time"]).timestamp()
        for entry in requests
        if entry["status"] in (200, 201)
    )
    start = times[0] + steady_period
    end = start + args.periods * steady_period
    measured = sum(1 for moment in times if start <= moment < end)
    submitted = [email for result in results for email in result["submitted"]]
    failed = [line for result in results for line in result["failed"]]
    failed_emails = {line.split(":", 1)[0] for line in failed}
    lost = [email for email in submitted if email not in stored and email not in failed_emails]
    throttled = sum(1 for entry in requests if entry["status"] == 429)
    return {
        "throughput": measured / (args.periods * STEADY),
        "requests": len(requests),
        "throttled": throttled,
        "throttled_share": throttled / max(1, len(requests)),
        "submitted": len(submitted),
        "failed": len(failed),
        "lost": len(lost),
        "warnings": sum(log.count("unreachable") for log in logs),
        "rejoined": sum(log.count("answers again") for log in logs),
    }


# -- limiter overhead ----------------------------------------------------------------------


def overhead(redis_url: str, n: int) -> dict[str, float]:
    from klaviyo_profiles.ratelimit import MemoryBackend, RateLimiter, RateLimits
    from klaviyo_profiles.redis_limiter import RedisBackend

    roomy = RateLimits(burst_limit=10**7, burst_period=1, steady_limit=10**8, steady_period=60)
    out: dict[str, float] = {}
    for name, limiter in (
        ("memory", RateLimiter(roomy, backend=MemoryBackend(), key="bench")),
        ("redis", RedisBackend(redis_url).create_limiter(roomy, "bench0123456789ab")),
    ):
        for _ in range(200):
            limiter.acquire()
        started = time.perf_counter()
        for _ in range(n):
            limiter.acquire()
        out[f"{name} sync"] = (time.perf_counter() - started) / n * 1e6

        async def many(limiter: RateLimiter = limiter) -> float:
            for _ in range(200):
                await limiter.acquire_async()
            began = time.perf_counter()
            for _ in range(n):
                await limiter.acquire_async()
            return (time.perf_counter() - began) / n * 1e6

        out[f"{name} async"] = asyncio.run(many())
        limiter.close()
    # The floor for anything that asks Redis: one PING round trip with redis-py.
    import redis

    with redis.Redis.from_url(redis_url) as client:
        started = time.perf_counter()
        for _ in range(n):
            client.ping()
        out["ping"] = (time.perf_counter() - started) / n * 1e6
    return out


# -- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=4, help="tasks per worker")
    parser.add_argument("--scale", type=float, default=5.0, help="windows this many times shorter")
    parser.add_argument("--periods", type=int, default=4, help="measured steady windows per run")
    parser.add_argument("--outage", type=float, default=10.0, help="seconds Redis is killed")
    parser.add_argument("--overhead-n", type=int, default=5000)
    parser.add_argument("--only", choices=["memory", "redis", "killed", "overhead"], nargs="*")
    parser.add_argument("--runs", type=int, default=1, help="repeat each run this many times")
    args = parser.parse_args()
    if args.worker:
        worker_main(json.loads(args.worker))
        return
    only = set(args.only or ["memory", "redis", "killed", "overhead"])
    began = time.monotonic()
    rows: list[tuple[str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory() as directory:
        redis = Redis(Path(directory))
        redis.start()
        sandbox = SandboxProcess()
        try:
            for run in range(1, args.runs + 1):
                tag = f" (run {run})" if args.runs > 1 else ""
                if "memory" in only:
                    _log(f"run: per-process memory limiters{tag}")
                    rows.append((f"memory (per process){tag}", run_fleet(args, sandbox, "memory")))
                if "redis" in only:
                    _log(f"run: RedisBackend{tag}")
                    row = run_fleet(args, sandbox, redis.url, redis)
                    rows.append((f"redis (shared){tag}", row))
                if "killed" in only:
                    _log(f"run: RedisBackend, Redis killed mid-run{tag}")
                    label = f"redis, killed {args.outage:g} s mid-run{tag}"
                    rows.append((label, run_fleet(args, sandbox, redis.url, redis, args.outage)))
                # A fresh, empty Redis for the next run, as for the first.
                redis.kill()
                redis.start()
            costs = overhead(redis.url, args.overhead_n) if "overhead" in only else {}
        finally:
            sandbox.close()
            redis.kill()

    print(
        f"\n{args.workers} workers x {args.concurrency} tasks, one key; windows 75 per "
        f"{BURST_PERIOD / args.scale:g} s and 750 per {STEADY_PERIOD / args.scale:g} s "
        f"(Klaviyo's, {args.scale:g}x shorter); {args.periods} measured steady windows per run "
        f"after one of warm-up.\n"
    )
    print("| limiter | throughput (share of allowed) | requests | 429s | failed | lost |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, row in rows:
        print(
            f"| {label} | {row['throughput']:.1%} | {row['requests']:,} | "
            f"{row['throttled']:,} ({row['throttled_share']:.2%}) | {row['failed']} | "
            f"{row['lost']} |"
        )
    for label, row in rows:
        if row["warnings"] or row["rejoined"]:
            print(
                f"\n{label}: {row['warnings']} 'unreachable' warnings, "
                f"{row['rejoined']} 'answers again' notices across the workers"
            )
    if costs:
        print("\n| limiter acquire (no waiting) | µs per call | ratio to memory |")
        print("|---|---:|---:|")
        for mode in ("sync", "async"):
            for name in ("memory", "redis"):
                value = costs[f"{name} {mode}"]
                ratio = value / costs[f"memory {mode}"]
                print(f"| {name}, {mode} | {value:,.1f} | {ratio:.1f} |")
        print(f"| (redis-py PING round trip, for reference) | {costs['ping']:,.1f} | |")
    print(
        f"\n{datetime.now().date()}, {platform.machine()}, {os.cpu_count()} logical cores, "
        f"CPython {platform.python_version()}; total {time.monotonic() - began:.0f} s"
    )


if __name__ == "__main__":
    main()
