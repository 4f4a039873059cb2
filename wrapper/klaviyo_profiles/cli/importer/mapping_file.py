"""``import --map-file FILE``: a TOML file saying where each column goes, for exports whose
headers name no profile field (a shop's customer export, a CRM's report).

The format, every part optional::

    unmapped = "properties"   # what becomes of the other columns: error, properties or skip
    skip = ["Tags", "Note"]   # columns left out

    [columns]                 # column = "FIELD", or "FIELD:TYPE" for a custom property
    "Phone" = "phone_number"
    "Default Address City" = "location.city"
    "Total Spent" = "properties.total_spent:number"
    "Accepts Email Marketing" = { field = "properties.accepts_email_marketing", type = "boolean" }

    [types]                   # types of columns that keep their own name (--unmapped properties)
    "Total Orders" = "integer"

``unmapped`` and ``skip`` come before the first ``[table]`` (TOML puts a key written after a
table header inside that table). A ``--map`` option for a column replaces the file's entry for
it, and ``--unmapped`` the file's ``unmapped``. Every name is checked when the file is read:
an unknown key, a field the revision does not have, a type that is not one of
:data:`~.cell_types.VALUE_TYPES` or a type on a profile attribute stops the import before
anything is sent, naming the file and the entry.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from .cell_types import ValueType, check_value_type, split_type
from .row_mapping import UNMAPPED_POLICIES, ColumnMap, Unmapped, check_field

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the tomli backport, a dependency of the cli extra on 3.10
    import tomli as tomllib

__all__ = ["MappingFileError", "load_column_map"]

_KEYS = ("unmapped", "skip", "columns", "types")
#: A mapping file is a few kilobytes; anything far larger is not one (and is not read whole).
_SIZE_LIMIT = 1 << 20


class MappingFileError(ValueError):
    """The mapping file cannot be read or says something the importer cannot do."""


def load_column_map(path: Path) -> ColumnMap:
    """The :class:`ColumnMap` a mapping file describes (see the module for the format).

    Raises :class:`MappingFileError` naming the file and the entry at fault.
    """
    where = f"--map-file {path}"
    document = _read(path, where)
    unknown = [key for key in document if key not in _KEYS]
    if unknown:
        raise MappingFileError(
            f"{where}: unknown key {unknown[0]!r}; a mapping file holds {', '.join(_KEYS)}"
        )
    fields: dict[str, str] = {}
    types: dict[str, ValueType] = {}
    columns = _table(document, "columns", where)
    for column, entry in columns.items():
        name, kind = _entry(column, entry, where)
        _check(column, name, kind, f"{where}: [columns]")
        fields[column] = name
        if kind is not None:
            types[column] = kind
    for column in _strings(document.get("skip", []), "skip", where):
        if fields.get(column):
            raise MappingFileError(
                f"{where}: column {column!r} is both in skip and mapped to {fields[column]}"
            )
        fields[column] = ""
    for column, text in _table(document, "types", where).items():
        if not isinstance(text, str):
            raise MappingFileError(f"{where}: [types] {column}: expected a type name as a string")
        kind = _type(text, f"{where}: [types] {column}")
        if column in types and types[column] != kind:
            raise MappingFileError(
                f"{where}: column {column!r} is typed {types[column]} in [columns] and {kind} "
                "in [types]"
            )
        if column in fields:
            _check(column, fields[column], kind, f"{where}: [types]")
        types[column] = kind
    return ColumnMap(fields, types, _unmapped(document, where))


def _check(column: str, name: str, kind: ValueType | None, where: str) -> None:
    try:
        check_field(column, name, kind, where)
    except ValueError as exc:
        raise MappingFileError(str(exc)) from None


def _read(path: Path, where: str) -> dict[str, Any]:
    try:
        # O_NONBLOCK: a pipe with no writer must not hang the open; it is refused below.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise MappingFileError(f"{where} cannot be read: {exc.strerror or exc}") from None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise MappingFileError(f"{where} is not a regular file; save the mapping to a file")
        try:
            data = handle.read(_SIZE_LIMIT + 1)
        except OSError as exc:
            raise MappingFileError(f"{where} cannot be read: {exc.strerror or exc}") from None
    if len(data) > _SIZE_LIMIT:
        raise MappingFileError(f"{where} is over {_SIZE_LIMIT} bytes: not a mapping file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MappingFileError(f"{where} is not UTF-8 text (TOML is)") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingFileError(f"{where} is not valid TOML: {exc}") from None


def _table(document: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    table = document.get(key, {})
    if not isinstance(table, dict):
        raise MappingFileError(f"{where}: {key} must be a table ([{key}])")
    # TOML puts a key written after a table header inside that table: a policy or a skip list
    # there would be taken for a column.
    if isinstance(table.get("skip"), list):
        misplaced = "skip = [...]"
    elif table.get("unmapped") in UNMAPPED_POLICIES:
        misplaced = f'unmapped = "{table["unmapped"]}"'
    else:
        return table
    raise MappingFileError(
        f"{where}: {misplaced} is inside [{key}]; write it above the first [table] (a column "
        'of that name is written { field = "FIELD" })'
    )


def _entry(column: str, entry: object, where: str) -> tuple[str, ValueType | None]:
    """``"FIELD"``, ``"FIELD:TYPE"`` or ``{field = "FIELD", type = "TYPE"}``."""
    if isinstance(entry, str):
        try:
            return split_type(entry, f"{where}: [columns] {column}")
        except ValueError as exc:
            raise MappingFileError(str(exc)) from None
    if isinstance(entry, dict):
        extra = [key for key in entry if key not in ("field", "type")]
        name, kind = entry.get("field"), entry.get("type")
        if not extra and isinstance(name, str) and isinstance(kind, (str, type(None))):
            kind_checked = None if kind is None else _type(kind, f"{where}: [columns] {column}")
            return name, kind_checked
    raise MappingFileError(
        f'{where}: [columns] {column}: expected "FIELD", "FIELD:TYPE" or '
        '{ field = "FIELD", type = "TYPE" }'
    )


def _type(text: str, where: str) -> ValueType:
    try:
        return check_value_type(text, where)
    except ValueError as exc:
        raise MappingFileError(str(exc)) from None


def _strings(value: object, key: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise MappingFileError(f"{where}: {key} must be a list of column names")
    return cast(list[str], value)


def _unmapped(document: Mapping[str, Any], where: str) -> Unmapped:
    value = document.get("unmapped", "error")
    if value not in UNMAPPED_POLICIES:
        raise MappingFileError(
            f"{where}: unmapped must be one of {', '.join(UNMAPPED_POLICIES)}, got {value!r}"
        )
    return cast(Unmapped, value)
