"""Per-call cost over raw httpx as instructions, counted by Valgrind: a figure load cannot move.

Usage::

    python benchmarks/instructions.py [--calls 2000]

The MockTransport rows of ``run.py`` time each call in CPU microseconds, which on a shared
machine swing by more than the difference being measured (the same tree gave +21 and +48 µs
above raw httpx an hour apart). This script runs the same two contenders (``run.py``'s
``_mock_raw_sync`` and ``_mock_ours_sync``: a create answered by a response the sandbox really
sent, replayed by ``httpx.MockTransport``) under ``valgrind --tool=callgrind`` and counts the
instructions the process executes, once with ``--calls`` calls and once with none; the
difference divided by ``--calls`` is one call's count, start-up and imports left out. The
counts repeat to within a few hundred instructions from run to run.

Microseconds follow from the instructions at raw httpx's own rate on this machine, which this
script measures too (its CPU time per call, outside Valgrind, best of five): an estimate, since
not every instruction costs the same, and the rate itself moves with the machine's load (the
instruction counts do not).

Needs ``valgrind`` (Debian: ``apt-get install valgrind``); Linux only. About 90 seconds.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CONTENDERS = ("raw httpx", "klaviyo-profiles")


def _capture() -> str:
    """A 201 the sandbox really sent (``run.capture_answer``), as JSON for the children."""
    import run
    import upsert_throughput as loopback
    from klaviyo_profile_import import facts

    with loopback.sandbox_process([facts.REVISION]) as base_url:
        canned = run.capture_answer(base_url)
    return json.dumps(
        {
            "status_code": canned.status_code,
            "headers": canned.headers,
            "content": canned.content.decode("utf-8"),
        }
    )


def _canned(answer: str) -> Any:
    import run

    fields = json.loads(answer)
    return run.Canned(
        fields["status_code"],
        [(name, value) for name, value in fields["headers"]],
        fields["content"].encode("utf-8"),
    )


def _child(contender: str, calls: int, answer: str) -> None:
    """Make ``calls`` calls with ``contender`` (after a warm-up), in this process."""
    import run

    canned = _canned(answer)
    setup = run._mock_raw_sync if contender == "raw httpx" else run._mock_ours_sync
    send, close = setup(canned)
    for index in range(200):
        send(f"warm-{index}@example.com")
    for index in range(calls):
        send(f"call-{index}@example.com")
    close()


def _instructions(contender: str, calls: int, answer: str) -> int:
    """Instructions of a whole child process making ``calls`` calls, as callgrind counts them."""
    finished = subprocess.run(
        [
            "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
            sys.executable, str(Path(__file__).resolve()), "--child", contender,
            "--calls", str(calls), "--answer", answer,
        ],
        capture_output=True, text=True, check=True, cwd=HERE,
    )  # fmt: skip
    found = re.search(r"Collected\s*:\s*(\d+)", finished.stderr)
    if found is None:
        raise SystemExit(f"callgrind reported no count:\n{finished.stderr[-2000:]}")
    return int(found.group(1))


def _seconds_per_call(calls: int, answer: str) -> float:
    """Raw httpx's CPU time per call outside Valgrind, best of five."""
    import run

    send, close = run._mock_raw_sync(_canned(answer))
    for index in range(200):
        send(f"warm-{index}@example.com")
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for index in range(calls):
            send(f"call-{index}@example.com")
        best = min(best, (time.process_time() - started) / calls)
    close()
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--answer", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        _child(args.child, args.calls, args.answer)  # 0 calls: start-up alone, to subtract
        return 0
    if args.calls < 1:
        parser.error("--calls must be at least 1")
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    answer = _capture()
    per_call: dict[str, float] = {}
    for contender in CONTENDERS:
        none = _instructions(contender, 0, answer)
        some = _instructions(contender, args.calls, answer)
        per_call[contender] = (some - none) / args.calls
        print(f"{contender}: {per_call[contender]:,.0f} instructions/call", file=sys.stderr)
    raw, ours = per_call["raw httpx"], per_call["klaviyo-profiles"]
    rate = raw / _seconds_per_call(args.calls, answer)  # instructions a second, raw httpx's
    print("| contender | instructions/call | against raw httpx |")
    print("|---|---:|---:|")
    print(f"| raw httpx | {raw:,.0f} | |")
    print(f"| klaviyo-profiles | {ours:,.0f} | {ours / raw:.3f}x, {ours - raw:+,.0f} |")
    print()
    print(
        f"At raw httpx's rate here ({rate / 1e9:.2f} G instructions/s CPU), "
        f"{(ours - raw) / rate * 1e6:+.1f} µs/call above raw httpx "
        f"({args.calls} calls, MockTransport, sync, rate_limits=False)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
