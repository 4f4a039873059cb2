"""``klaviyo-profiles upsert``: create or update one profile from options or a JSON body."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click
from klaviyo_profile_import import facts
from klaviyo_profile_import.arguments import ARGUMENT_TO_ATTRIBUTE
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..body import decode_json
from ..client import DEFAULT_BASE_URL, KlaviyoProfiles
from ..errors import APIStatusError, InvalidInputError, KlaviyoError
from ..result import ProfileResult
from .common import (
    CONTEXT,
    api_key_option,
    base_url_option,
    fail,
    insecure_http_option,
    limiter_backend,
    limiter_option,
    load_api_key,
    max_attempts_option,
    resolve_or_fail,
    split_list,
    stdout_console,
)
from .fields import LOCATION_FIELDS, SCALAR_ARGUMENTS, Target, assemble_body, coerce_text

__all__ = ["upsert"]


#: Help for the identifier options, which say more than "set X": they also pick the profile.
_IDENTIFIER_HELP = {
    "email": "set email; also an identifier: matches an existing profile by email",
    "phone_number": "set phone_number (E.164, e.g. +15005550006); also an identifier",
    "external_id": "set external_id, your own id for the profile; also an identifier",
    "kx": "set _kx, the encrypted id Klaviyo puts in tracked links; also an identifier "
    "(matches the profile of the person who clicked)",
}


def _attribute_options(function: Any) -> Any:
    """One option per scalar attribute and per location field, from the generated lists."""
    for field in reversed(LOCATION_FIELDS):
        function = click.option(
            f"--location-{field.replace('_', '-')}",
            f"location__{field}",
            metavar="TEXT",
            default=None,
            help=f"set location.{field}",
        )(function)
    for argument in reversed(SCALAR_ARGUMENTS):
        function = click.option(
            f"--{argument.replace('_', '-')}",
            f"attribute__{argument}",
            metavar="TEXT",
            default=None,
            help=_IDENTIFIER_HELP.get(argument, f"set {ARGUMENT_TO_ATTRIBUTE[argument]}"),
        )(function)
    return function


def _parse_property(text: str) -> tuple[str, Any]:
    key, equals, value = text.partition("=")
    if not equals or not key:
        fail(f"--property expects KEY=VALUE, got {text!r}", 2)
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value  # not JSON: the text itself


def _read_json_body(source: str) -> Any:
    try:
        if source == "-":
            return decode_json(sys.stdin.read())
        with open(source, encoding="utf-8") as handle:
            return decode_json(handle.read())
    except OSError as exc:
        fail(f"cannot read --json {source}: {exc.strerror or exc}", 2)
    except ValueError as exc:
        fail(f"--json {source} is not valid JSON: {exc}", 2)


def _flatten(attributes: Mapping[str, Any]) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for name, value in attributes.items():
        if isinstance(value, dict) and name in ("location", "properties") and value:
            rows.extend((f"{name}.{key}", item) for key, item in value.items())
        else:
            rows.append((name, value))
    return rows


def _show_value(value: Any) -> Text:
    if value is None:
        return Text("null", style="dim")
    if isinstance(value, str):
        return Text(value)
    return Text(json.dumps(value, ensure_ascii=False))


def _print_result(console: Console, result: ProfileResult, output: str) -> None:
    if output == "json":
        document = {
            "status_code": result.status_code,
            "created": result.created,
            "profile_id": result.profile_id,
            "profile": result.raw,
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    verb = "created" if result.created else "updated"
    console.print(
        Text.assemble(
            (verb, "bold green" if result.created else "bold cyan"),
            f" ({result.status_code})  id ",
            (str(result.profile_id), "bold"),
        )
    )
    table = Table("field", "value", title=None, show_header=True, header_style="bold")
    for name, value in _flatten(result.attributes):
        table.add_row(name, _show_value(value))
    console.print(table)


@click.command("upsert", context_settings=CONTEXT)
@_attribute_options
@click.option("--id", "profile_id", metavar="ID", help="the profile's id (updates that profile)")
@click.option(
    "--property",
    "properties",
    multiple=True,
    metavar="KEY=VALUE",
    help="set a custom property (VALUE read as JSON when it parses, else text); repeatable",
)
@click.option(
    "--clear",
    "clears",
    multiple=True,
    metavar="FIELD",
    help="send null for FIELD (e.g. last_name, location.city, properties.plan); repeatable",
)
@click.option(
    "--json",
    "json_source",
    metavar="FILE",
    help="send this JSON:API body as it is ('-' reads stdin)",
)
@click.option(
    "--additional-fields",
    multiple=True,
    metavar="NAME[,NAME]",
    help=f"also return these ({', '.join(facts.ADDITIONAL_FIELDS) or 'none'})",
)
@click.option("--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@max_attempts_option
@limiter_option
@api_key_option
@base_url_option
@insecure_http_option
def upsert(
    profile_id: str | None,
    properties: tuple[str, ...],
    clears: tuple[str, ...],
    json_source: str | None,
    additional_fields: tuple[str, ...],
    output: str,
    max_attempts: int,
    limiter: str | None,
    api_key_file: Path | None,
    base_url: str | None,
    allow_insecure_http: bool,
    **fields: str | None,
) -> int:
    """Create a profile, or update the one its identifiers match.

    An option left out leaves the stored value alone; --clear sends null and clears it.
    """
    # The key first, so that it is masked in any message quoting a value given below.
    key = load_api_key(api_key_file)
    values = _field_values(fields, profile_id, properties, clears)
    body: Any
    if json_source is not None:
        if values:
            fail("--json sends the body as it is; give no field options with it", 2)
        body = _read_json_body(json_source)
    else:
        if not values:
            fail("nothing to send: give at least one field (e.g. --email) or --json FILE", 2)
        try:
            body = assemble_body(values)
        except InvalidInputError as exc:
            fail(str(exc), 2)

    backend = limiter_backend(limiter)
    console = stdout_console()
    try:
        with KlaviyoProfiles(
            api_key=key,
            base_url=base_url or DEFAULT_BASE_URL,
            limiter_backend=backend,
            allow_insecure_http=allow_insecure_http,
        ) as client:
            result = client.create_or_update_profile(
                body=body,
                additional_fields=split_list(additional_fields) or None,
                max_attempts=max_attempts,
            )
    except InvalidInputError as exc:
        fail(str(exc), 2)
    except APIStatusError as exc:
        details = "; ".join(error.describe() for error in exc.errors) or str(exc)
        fail(f"{exc.status_code} {type(exc).__name__}: {details}")
    except KlaviyoError as exc:
        fail(str(exc))
    _print_result(console, result, output)
    return 0


def _field_values(
    fields: Mapping[str, str | None],
    profile_id: str | None,
    properties: Sequence[str],
    clears: Sequence[str],
) -> list[tuple[Target, Any]]:
    """The values the field options give, each with where it goes; exit 2 for a value the
    field cannot take or a ``--clear`` of a field given a value."""
    values: list[tuple[Target, Any]] = []
    for option, text in fields.items():
        if text is None:
            continue
        kind, _, name = option.partition("__")
        target: Target = (kind, name)
        try:
            values.append((target, coerce_text(target, text)))
        except InvalidInputError as exc:
            fail(str(exc), 2)
    if profile_id is not None:
        values.append((("id",), profile_id))
    for text in properties:
        key, value = _parse_property(text)
        values.append((("properties", key), value))
    given = {target for target, _ in values}
    for name in clears:
        target = resolve_or_fail(name, "--clear")
        if target in given:
            fail(f"--clear {name} conflicts with a value given for the same field", 2)
        values.append((target, None))
    return values
