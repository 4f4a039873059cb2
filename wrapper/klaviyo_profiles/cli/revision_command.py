"""``klaviyo-profiles revision``: the pinned API revision, its lifecycle and limits."""

from __future__ import annotations

import json
from typing import Any

import click
from klaviyo_profile_import import facts
from rich.table import Table
from rich.text import Text

from ..revision import revision_status
from .common import CONTEXT, stdout_console

__all__ = ["revision"]


@click.command("revision", context_settings=CONTEXT)
@click.option("--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
def revision(output: str) -> int:
    """The pinned API revision, its lifecycle today, limits and where the client came from."""
    status = revision_status(facts.REVISION)
    info: dict[str, Any] = {
        "revision": facts.REVISION,
        "status": status.state,
        "released": status.released.isoformat(),
        "deprecated_on": status.deprecated_on.isoformat(),
        "retired_on": status.retired_on.isoformat(),
        "endpoint": f"{facts.METHOD} {facts.PATH}",
        "rate_limits": {
            "burst": f"{facts.BURST_LIMIT} per {facts.BURST_PERIOD_SECONDS}s",
            "steady": f"{facts.STEADY_LIMIT} per {facts.STEADY_PERIOD_SECONDS}s",
            "as_documented": dict(facts.RATE_LIMIT_TEXT),
        },
        "payload_limit_bytes": facts.PAYLOAD_LIMIT_BYTES,
        "scopes": list(facts.SCOPES),
        "generator_versions": dict(facts.GENERATOR_VERSIONS),
    }
    if output == "json":
        click.echo(json.dumps(info, indent=2))
        return 0
    styles = {"stable": "green", "deprecated": "yellow", "retired": "bold red"}
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("revision", facts.REVISION)
    table.add_row(
        "status today",
        Text(status.state, style=styles[status.state])
        + Text(
            f"  (released {info['released']}, deprecated from {info['deprecated_on']}, "
            f"retired from {info['retired_on']})"
        ),
    )
    table.add_row("endpoint", info["endpoint"])
    table.add_row(
        "rate limits",
        f"burst {info['rate_limits']['burst']}, steady {info['rate_limits']['steady']}",
    )
    table.add_row(
        "payload limit",
        f"{facts.PAYLOAD_LIMIT_BYTES} bytes ({facts.PAYLOAD_LIMIT_BYTES / 1024:g} KiB)",
    )
    table.add_row("scopes", ", ".join(facts.SCOPES))
    table.add_row(
        "generated with",
        ", ".join(f"{name} {version}" for name, version in facts.GENERATOR_VERSIONS.items()),
    )
    stdout_console().print(table)
    return 0
