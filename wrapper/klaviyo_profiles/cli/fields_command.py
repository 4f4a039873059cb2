"""``klaviyo-profiles fields``: the field names a column, ``--map`` or ``--clear`` can use.

The names come from the generated code (:func:`.fields.field_infos`), so the list is the
pinned revision's; the value types of custom properties are the importer's
(:data:`.importer.cell_types.VALUE_TYPES`).
"""

from __future__ import annotations

import json

import click
from klaviyo_profile_import import facts
from rich.table import Table

from .common import CONTEXT, stdout_console

__all__ = ["fields"]


@click.command("fields", context_settings=CONTEXT)
@click.option("--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
def fields(output: str) -> int:
    """List the profile fields a column, --map or --clear can name, with their types.

    An import column also names a field when it equals one with case, spaces, dashes and
    underscores ignored ('First Name' is first_name). A custom property
    (properties.<name>) is sent as text unless its column declares a type.
    """
    from .fields import field_infos
    from .importer.cell_types import VALUE_TYPES

    infos = field_infos()
    if output == "json":
        document = {
            "revision": facts.REVISION,
            "fields": [
                {
                    "name": info.name,
                    "types": list(info.types),
                    "identifier": info.identifier,
                    "wire_name": info.wire,
                }
                for info in infos
            ],
            "property_types": list(VALUE_TYPES),
        }
        click.echo(json.dumps(document, ensure_ascii=False))
        return 0
    table = Table(title=f"profile fields, revision {facts.REVISION}", title_justify="left")
    table.add_column("field")
    table.add_column("type")
    table.add_column("notes")
    for info in infos:
        notes = []
        if info.identifier:
            notes.append("identifies the profile")
        if info.wire:
            notes.append(f"sent as {info.wire}")
        if info.name.startswith("properties."):
            notes.append(f"custom property; text unless typed: {', '.join(VALUE_TYPES[1:])}")
        table.add_row(info.name, " or ".join(info.types), "; ".join(notes))
    stdout_console().print(table)
    return 0
