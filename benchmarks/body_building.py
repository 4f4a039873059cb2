"""Building and checking a request body, as a ratio to ``json.dumps`` of a hand-built dict.

Usage::

    python benchmarks/body_building.py [--repeat 7] [--time 0.2]

No server and no network: this measures only the client-side work that
``klaviyo_profiles.body.prepare_request`` adds before a request is sent (keyword arguments to
JSON:API document, null-versus-unset handling, the local schema check, the payload size check
and the round trip through the generated attrs model), against what a hand-written caller
does: write the dict literal and ``json.dumps`` it.

Each figure is the minimum over ``--repeat`` timeit repeats (the minimum is the run least
disturbed by the rest of the machine), divided by the loop count: seconds per call. Stages of
``prepare_request`` are timed on their own too, so the table says where its time goes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from klaviyo_profiles.body import build_body, check_body, encode_body, prepare_request


def _small() -> dict[str, Any]:
    """Keyword arguments of the smallest useful upsert."""
    return {"email": "ada@example.com", "first_name": "Ada"}


def _typical() -> dict[str, Any]:
    """Keyword arguments of a typical contact sync: names, a cleared field, location, props."""
    return {
        "email": "ada@example.com",
        "phone_number": "+447700900123",
        "external_id": "crm-1815",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "organization": "Analytical Engines Ltd",
        "title": None,  # cleared in Klaviyo
        "location": {
            "address1": "12 St James's Square",
            "city": "London",
            "country": "United Kingdom",
            "zip": "SW1Y 4JH",
            "timezone": "Europe/London",
        },
        "properties": {"plan": "pro", "seats": 3, "tags": ["vip", "beta"], "score": 9.5},
    }


def _large() -> dict[str, Any]:
    """The typical upsert with 200 custom properties, as a CRM export might carry."""
    arguments = _typical()
    arguments["properties"] = {f"custom_{index}": f"value {index}" for index in range(200)}
    return arguments


def _hand_built(arguments: dict[str, Any]) -> Callable[[], str]:
    """What a caller writing the body by hand does: a dict literal, then ``json.dumps``."""

    def run() -> str:
        # A shallow copy stands in for writing the attributes out as a literal; the envelope
        # is written out just as such a caller would. No checks: that is the point of the ratio.
        body = {"data": {"type": "profile", "attributes": dict(arguments)}}
        return json.dumps(body, separators=(",", ":"))

    return run


@dataclass
class Row:
    """One line of the table."""

    case: str
    label: str
    seconds: float
    baseline: float


def measure(function: Callable[[], object], repeat: int, min_time: float) -> float:
    """Best seconds per call: timeit picks the loop count, we take the fastest repeat."""
    timer = timeit.Timer(function)
    number, _ = timer.autorange()
    # autorange aims at 0.2 s; scale the loop count to ``min_time`` per repeat.
    number = max(1, int(number * min_time / 0.2))
    return min(timer.repeat(repeat=repeat, number=number)) / number


def run_case(case: str, arguments: dict[str, Any], repeat: int, min_time: float) -> list[Row]:
    """Time the baseline, ``prepare_request`` and its stages for one set of arguments."""
    wire = build_body(attributes=arguments)

    contenders: list[tuple[str, Callable[[], object]]] = [
        ("json.dumps of a hand-built dict (baseline)", _hand_built(arguments)),
        # prepare_request returns the encoded bytes too, so it compares with the baseline
        # as it stands.
        (
            "prepare_request (keywords)",
            lambda: prepare_request(body=None, attributes=arguments),
        ),
        ("prepare_request (body= dict)", lambda: prepare_request(body=wire, attributes={})),
        ("  stage: build_body", lambda: build_body(attributes=arguments)),
        ("  stage: check_body", lambda: check_body(wire)),
        ("  stage: encode_body", lambda: encode_body(wire)),
    ]
    baseline = measure(contenders[0][1], repeat, min_time)
    rows = [Row(case, contenders[0][0], baseline, baseline)]
    for label, function in contenders[1:]:
        rows.append(Row(case, label, measure(function, repeat, min_time), baseline))
    return rows


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def main(argv: list[str] | None = None) -> int:
    """Run the micro-benchmark and print the markdown report; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="timeit repeats (default 7)")
    parser.add_argument(
        "--time", type=float, default=0.2, help="seconds per repeat, roughly (default 0.2)"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.time <= 0:
        parser.error("--repeat must be at least 1 and --time positive")

    cases = {
        "small (2 attributes)": _small(),
        "typical (9 attributes, location, 4 properties)": _typical(),
        "large (typical + 200 properties)": _large(),
    }
    rows: list[Row] = []
    for case, arguments in cases.items():
        rows += run_case(case, arguments, args.repeat, args.time)
        print(f"done: {case}", file=sys.stderr, flush=True)

    print("| body | what is timed | µs per call (min) | ratio to baseline |")
    print("|---|---|---:|---:|")
    for row in rows:
        print(
            f"| {row.case} | {row.label} | {row.seconds * 1e6:,.1f} "
            f"| {row.seconds / row.baseline:.1f} |"
        )
    print()
    print(f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"- machine: {platform.machine()}, {os.cpu_count()} logical cores, {platform.platform()}")
    print(f"- Python {platform.python_version()} ({platform.python_implementation()})")
    print(
        "- packages: "
        + ", ".join(f"{name} {_version(name)}" for name in ("klaviyo-profiles", "attrs"))
    )
    print(f"- timeit: min of {args.repeat} repeats of about {args.time} s each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
