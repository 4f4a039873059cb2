"""From a record of the file to a request body: which column goes to which field.

Columns map to fields by name (``email``, ``first_name``, ``kx`` or ``_kx``, ``location.city``
or ``location_city``, ``properties.<key>``), or by ``--map``; an unknown CSV column stops the
import before anything is sent. An empty cell leaves the field unchanged (it is omitted); the
``--null-token`` clears it (sent as ``null``).

A :class:`ColumnMap` says where columns go (``--map`` today; a mapping file or header
heuristics build one the same way); :class:`RowMapper` checks a header against it and turns
each record into the JSON:API body of Create or Update Profile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from klaviyo_profile_import.arguments import ARGUMENT_TO_ATTRIBUTE

from ...bulk import prepare_profile
from ...errors import InvalidInputError, UnknownFieldError
from ...identity import IDENTIFIER_NAMES
from ..fields import OBJECT_ARGUMENTS, Target, assemble_body, coerce_text, resolve_target
from .failures import HeaderError

__all__ = ["IDENTIFIER_TARGETS", "NO_IDENTIFIER", "ColumnMap", "RowMapper", "no_identifier"]

#: Where the columns a profile can be identified by go (``id`` and the identifier attributes).
IDENTIFIER_TARGETS: frozenset[Target] = frozenset(resolve_target(name) for name in IDENTIFIER_NAMES)
NO_IDENTIFIER = (
    f"no identifier: a profile needs a value in at least one of {', '.join(IDENTIFIER_NAMES)}"
)


def no_identifier(body: Mapping[str, Any]) -> str:
    """Why a body with no identifier key is refused: a value the client's checks refuse (an
    identifier of the wrong type), or else that it names no profile."""
    try:
        prepare_profile(body)
    except InvalidInputError as exc:
        return str(exc)
    return NO_IDENTIFIER


@dataclass(frozen=True)
class ColumnMap:
    """Which field each column goes to: a column it does not name goes to the field of its
    own name, and an empty field name skips the column."""

    fields: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_options(cls, texts: Iterable[str]) -> ColumnMap:
        """The map ``--map COLUMN=FIELD`` options give; raises ``ValueError`` naming the
        option that is not of that form or names no profile field."""
        fields: dict[str, str] = {}
        for text in texts:
            column, equals, name = text.partition("=")
            if not equals or not column:
                raise ValueError(f"--map expects COLUMN=FIELD, got {text!r}")
            if name:
                try:
                    resolve_target(name)
                except InvalidInputError as exc:
                    raise ValueError(f"--map {column}: {exc}") from None
            fields[column] = name
        return cls(fields)

    def name_for(self, column: str) -> str:
        """The field name ``column`` goes to (empty: skipped)."""
        return self.fields.get(column, column)


class RowMapper:
    """Turns a record into a request body, by the column mapping and the null token."""

    def __init__(self, mapping: Mapping[str, str] | ColumnMap, null_token: str | None) -> None:
        self.columns = mapping if isinstance(mapping, ColumnMap) else ColumnMap(dict(mapping))
        self.mapping = dict(self.columns.fields)
        self.null_token = null_token
        self._targets: dict[str, Target | None] = {}

    def target(self, column: str) -> Target | None:
        """Where ``column`` goes (``None``: skipped); raises ``UnknownFieldError``."""
        if column in self._targets:
            return self._targets[column]
        name = self.columns.name_for(column)
        target = resolve_target(name) if name else None
        if len(self._targets) < 10_000:  # bounded: JSON Lines keys come from the data
            self._targets[column] = target
        return target

    def check_header(self, header: Sequence[str]) -> None:
        """Refuse unknown, duplicate or unmapped columns before anything is sent."""
        seen: dict[Target, str] = {}
        for column in self.mapping:
            if column not in header:
                raise HeaderError(f"--map names column {column!r}, which the file does not have")
        for column in header:
            try:
                target = self.target(column)
            except UnknownFieldError as exc:
                hint = f"; did you mean {exc.suggestion!r}?" if exc.suggestion else ""
                raise HeaderError(
                    f"column {column!r} is not a profile field{hint} Map it with "
                    f"--map '{column}=FIELD' or skip it with --map '{column}='"
                ) from None
            if target is None:
                continue
            if target in seen:
                raise HeaderError(
                    f"columns {seen[target]!r} and {column!r} both set {'.'.join(target[1:])}"
                )
            seen[target] = column
        if not any(target in IDENTIFIER_TARGETS for target in seen):
            # Every row would be refused (400) for want of an identifier: say so up front.
            raise HeaderError(
                "no column identifies the profile, so no row could be imported; the file needs "
                f"one of {', '.join(IDENTIFIER_NAMES)} (rename a column or map it, e.g. "
                "--map 'E-mail=email')"
            )

    def body(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The JSON:API body for one record; raises ``InvalidInputError`` for bad values."""
        if set(record) == {"data"} and isinstance(record["data"], Mapping):
            return dict(record)  # already a JSON:API document; the client checks it
        _refuse_two_spellings(record, self.target)
        values: list[tuple[Target, Any]] = []
        objects: dict[str, Any] = {}
        for column, cell in record.items():
            target = self.target(column)
            if target is None or cell == "":
                continue  # skipped column, or empty cell: leave the field unchanged
            if cell is None or (self.null_token is not None and cell == self.null_token):
                values.append((target, None))
            elif target[0] == "attribute" and isinstance(cell, Mapping):
                objects[target[1]] = cell
            elif isinstance(cell, str):
                values.append((target, coerce_text(target, cell)))
            else:
                values.append((target, cell))
        return assemble_body(values, objects=objects)

    def identifier_columns(self, header: Sequence[str]) -> list[int]:
        """Positions of the columns that identify a profile."""
        return [
            position
            for position, column in enumerate(header)
            if self.target(column) in IDENTIFIER_TARGETS
        ]


def _refuse_two_spellings(
    record: Mapping[str, Any], target_of: Callable[[str], Target | None]
) -> None:
    """Refuse a record that sets one field under two names (``location.city`` and
    ``location_city``, ``_kx`` and ``kx``, a member of a nested ``location`` object and a
    dotted one): which value would be sent depends on the order of the members, so neither
    is guessed. CSV columns are checked once, in the header; a JSON Lines record names its
    own members."""
    seen: dict[Target, str] = {}
    for column, cell in record.items():
        target = target_of(column)
        if target is None or cell == "":
            continue
        named = [(target, repr(column))]
        if target[0] == "attribute" and target[1] in OBJECT_ARGUMENTS and isinstance(cell, Mapping):
            # A nested object's members merge with dotted ones: each is a field of its own.
            named = [((target[1], str(key)), f"{key!r} in {column!r}") for key in cell]
        for field_target, label in named:
            if field_target in seen:
                name = (
                    ARGUMENT_TO_ATTRIBUTE.get(field_target[1], field_target[1])
                    if field_target[0] == "attribute"
                    else ".".join(field_target)
                )
                raise InvalidInputError(
                    name, "one value", f"{seen[field_target]} and {label} both set it"
                )
            seen[field_target] = label
