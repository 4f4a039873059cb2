"""A smoke run of the wrapper on whichever generated package comes first on ``PYTHONPATH``.

Run in a child process by ``tests/generation/test_revisions.py``, once per regenerated revision
(``python tests/revision_smoke.py OPTIONS_JSON``). It imports the wrapper, serves the sandbox,
makes a single call that clears a field, sends many profiles with ``create_or_update_profiles``
(through jobs, or one by one where the revision has none), asks for what needs jobs, runs the
demo and the command line (``upsert``, ``import``), and prints one JSON report of what it saw;
the test decides what each revision should give. The options (JSON) name a new attribute to
send (``attribute``: ``[name, value]``) and a new ``additional_field`` to ask for.
"""

from __future__ import annotations

import asyncio
import csv
import inspect
import io
import json
import logging
import os
import sys
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import klaviyo_profile_import
import klaviyo_profiles
from cli_helpers import invoke
from klaviyo_profile_import import facts
from klaviyo_profile_import.api.profiles import create_or_update_profile as endpoint
from klaviyo_profiles import (
    AsyncKlaviyoProfiles,
    BulkImportUnavailableError,
    KlaviyoError,
    KlaviyoProfiles,
)
from klaviyo_profiles.demo import run_demo
from klaviyo_profiles.sandbox import RateLimitConfig, Sandbox, SandboxConfig
from klaviyo_profiles.sandbox.config import BULK_OPERATIONS, BulkJobConfig

KEY = "pk_revision_smoke_0000000000"
#: More rows than the library sends one by one under via="auto" when jobs exist.
MANY = 120
JOB_PATH_PART = "bulk-import-jobs"


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _stored(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {p["attributes"]["email"]: p["attributes"] for p in sandbox.profiles()}


def _attempt(call: Callable[[], object]) -> dict[str, Any]:
    try:
        call()
    except BulkImportUnavailableError as exc:
        return {
            "raised": type(exc).__name__,
            "message": str(exc),
            "operation": exc.operation,
            "revision": exc.revision,
        }
    except KlaviyoError as exc:
        return {"raised": type(exc).__name__, "message": str(exc)}
    return {"raised": None}


def _job_requests(sandbox: Sandbox) -> int:
    return sum(1 for entry in sandbox.requests() if JOB_PATH_PART in entry["path"])


def single_call(client: KlaviyoProfiles, sandbox: Sandbox, options: dict[str, Any]) -> Any:
    """Create a profile, clear its last name with None, read it back."""
    extra: dict[str, Any] = {}
    if options.get("attribute"):
        name, value = options["attribute"]
        extra[name] = value
    fields = [options["additional_field"]] if options.get("additional_field") else None
    created = client.create_or_update_profile(
        email="ada@example.com",
        first_name="Ada",
        last_name="Lovelace",
        additional_fields=fields,
        **extra,
    )
    cleared = client.create_or_update_profile(email="ada@example.com", last_name=None)
    stored = _stored(sandbox)["ada@example.com"]
    return {
        "statuses": [created.status_code, cleared.status_code],
        "stored": {key: stored.get(key) for key in ("first_name", "last_name", *extra)},
        "answered": {key: created.attributes.get(key) for key in extra},
    }


def many(client: KlaviyoProfiles, sandbox: Sandbox) -> dict[str, Any]:
    """``create_or_update_profiles`` with ``via="auto"``: rows without a null and one with."""
    rows: list[dict[str, Any]] = [
        {"email": f"p{i}@example.com", "first_name": f"P{i}"} for i in range(MANY)
    ]
    rows.append({"email": "q@example.com", "first_name": "Q", "last_name": None})
    records = _Records()
    logger = logging.getLogger("klaviyo_profiles")
    logger.addHandler(records)
    try:
        outcomes = client.create_or_update_profiles(
            rows, poll_interval=0.05, max_poll_interval=0.2, job_timeout=60
        )
    finally:
        logger.removeHandler(records)
    stored = _stored(sandbox)
    return {
        "ok": sum(1 for outcome in outcomes if outcome.ok),
        "total": len(outcomes),
        "via": dict(Counter(outcome.via for outcome in outcomes)),
        "errors": [str(outcome.error) for outcome in outcomes if not outcome.ok][:3],
        "stored": sum(
            1 for row in rows if stored.get(row["email"], {}).get("first_name") == row["first_name"]
        ),
        "jobs_in_sandbox": len(sandbox.jobs()),
        "warnings": records.messages,
    }


def needs_jobs(client: KlaviyoProfiles, sandbox: Sandbox) -> dict[str, Any]:
    """Every call that needs a bulk job operation."""
    before = _job_requests(sandbox)
    attempts = {
        "bulk_import_profiles": _attempt(
            lambda: client.bulk_import_profiles([{"email": "r@example.com"}])
        ),
        "get_bulk_import_profiles_job": _attempt(
            lambda: client.get_bulk_import_profiles_job("no-such-job")
        ),
        "get_errors_for_bulk_import_profiles_job": _attempt(
            lambda: list(client.get_errors_for_bulk_import_profiles_job("no-such-job"))
        ),
        "via_bulk": _attempt(
            lambda: client.create_or_update_profiles(
                [{"email": "s@example.com"}], via="bulk", poll_interval=0.05, job_timeout=60
            )
        ),
    }
    return {"attempts": attempts, "job_requests": _job_requests(sandbox) - before}


async def many_async(base_url: str) -> dict[str, Any]:
    """The async client's ``create_or_update_profiles`` on a few rows."""
    async with AsyncKlaviyoProfiles(api_key=KEY, base_url=base_url, rate_limits=False) as client:
        outcomes = await client.create_or_update_profiles(
            [{"email": f"a{i}@example.com"} for i in range(3)], poll_interval=0.05
        )
    return {"ok": sum(1 for outcome in outcomes if outcome.ok), "total": len(outcomes)}


def command_line(sandbox: Sandbox, folder: Path) -> dict[str, Any]:
    """``upsert`` with ``--clear``, and ``import`` with ``--via auto``, ``single`` and ``bulk``."""
    url = ["--base-url", sandbox.base_url]
    created = invoke(["upsert", *url, "--email", "cli@example.com", "--last-name", "Byron"])
    cleared = invoke(["upsert", *url, "--email", "cli@example.com", "--clear", "last_name"])
    report: dict[str, Any] = {
        "upsert": [created.exit_code, cleared.exit_code],
        "upsert_cleared": _stored(sandbox)["cli@example.com"].get("last_name", "missing"),
    }
    fast = ["--no-pacing", "--poll-interval", "0.05"]
    for via, rows in (("auto", MANY), ("single", 3), ("bulk", MANY)):
        path = folder / f"{via}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["email", "first_name"])
            writer.writerows([f"{via}{i}@example.com", f"C{i}"] for i in range(rows))
        before = _job_requests(sandbox)
        result = invoke(["import", str(path), "--via", via, *url, *fast])
        stored = _stored(sandbox)
        report[f"import_{via}"] = {
            "exit_code": result.exit_code,
            "stdout": result.stdout,
            "stderr": result.stderr,
            "stored": sum(
                1 for i in range(rows) if stored.get(f"{via}{i}@example.com", {}).get("first_name")
            ),
            "job_requests": _job_requests(sandbox) - before,
        }
    return report


def main(argv: list[str]) -> int:
    options: dict[str, Any] = json.loads(argv[0]) if argv else {}
    # A retired revision's warning (2024-10-15) is not what this run is about.
    warnings.simplefilter("ignore")
    os.environ["KLAVIYO_API_KEY"] = KEY
    os.environ["COLUMNS"] = "200"
    report: dict[str, Any] = {
        "generated": klaviyo_profile_import.__file__,
        "wrapper": klaviyo_profiles.__file__,
        "revision": facts.REVISION,
        "operations": {name: op._asdict() for name, op in facts.OPERATIONS.items()},
        "request_attributes": list(facts.REQUEST_ATTRIBUTES),
        "additional_fields": list(facts.ADDITIONAL_FIELDS),
        "response_attributes": list(facts.RESPONSE_ATTRIBUTES),
        # What the generated module sends when the caller names no revision.
        "revision_header_default": inspect.signature(endpoint._get_kwargs)
        .parameters["revision"]
        .default,
    }
    off = RateLimitConfig(enabled=False)
    config = SandboxConfig(
        rate_limits=off,
        operation_rate_limits={name: off for name in BULK_OPERATIONS},
        jobs=BulkJobConfig(queue_delay=0.0, profiles_per_second=20_000.0),
    )
    with tempfile.TemporaryDirectory(prefix="revision-smoke-") as scratch, Sandbox(config) as sb:
        with KlaviyoProfiles(api_key=KEY, base_url=sb.base_url, rate_limits=False) as client:
            report["single"] = single_call(client, sb, options)
            report["many"] = many(client, sb)
            report["needs_jobs"] = needs_jobs(client, sb)
        report["many_async"] = asyncio.run(many_async(sb.base_url))
        report["cli"] = command_line(sb, Path(scratch))
        report["paths"] = sorted({entry["path"] for entry in sb.requests()})
    out = io.StringIO()
    # The demo serves its own sandbox, with every default of this revision.
    report["demo"] = {"exit_code": run_demo(out=out), "output": out.getvalue()}
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
