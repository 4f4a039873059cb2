"""From a record of the file to a request body: which column goes to which field.

A column goes to the field its mapping names (``--map``, ``--map-file``), else to the field of
its own name: ``email``, ``first_name``, ``kx`` or ``_kx``, ``location.city`` or
``location_city``, ``properties.<key>``, and the same names with case, spaces, dashes and
underscores ignored (``First Name``, ``E-Mail``; see :mod:`..fields`). A column that names no
field stops the import before anything is sent (``--unmapped error``, the default), goes to
the custom property of its own name (``--unmapped properties``) or is left out (``--unmapped
skip``). An empty cell leaves the field unchanged (it is omitted); the ``--null-token``
clears it (sent as ``null``), or is left out like an empty cell under ``--nulls omit``.

A :class:`ColumnMap` says where columns go and which columns carry a declared type (built
from ``--map`` options and a mapping file, :mod:`.mapping_file`); :class:`RowMapper` checks a
header against it and turns each record into the JSON:API body of Create or Update Profile.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ...bulk import prepare_profile
from ...errors import InvalidInputError, UnknownFieldError
from ...identity import IDENTIFIER_NAMES
from ...nulls import NullPolicy, omit_nulls
from ..fields import (
    Target,
    assemble_body,
    closest_field,
    coerce_text,
    normalise_name,
    resolve_column,
    resolve_target,
    target_name,
)
from .cell_types import ValueType, split_type, typed_value
from .failures import HeaderError

__all__ = [
    "IDENTIFIER_TARGETS",
    "NO_IDENTIFIER",
    "UNMAPPED_POLICIES",
    "ColumnMap",
    "RowMapper",
    "Unmapped",
    "no_identifier",
]

#: Where the columns a profile can be identified by go (``id`` and the identifier attributes).
IDENTIFIER_TARGETS: frozenset[Target] = frozenset(resolve_target(name) for name in IDENTIFIER_NAMES)
NO_IDENTIFIER = (
    f"no identifier: a profile needs a value in at least one of {', '.join(IDENTIFIER_NAMES)}"
)

#: What becomes of a column that names no field: ``error`` stops the import before anything
#: is sent, ``properties`` sends it as the custom property of its own name (as reverse-ETL
#: tools do), ``skip`` leaves it out.
Unmapped = Literal["error", "properties", "skip"]
UNMAPPED_POLICIES: tuple[Unmapped, ...] = ("error", "properties", "skip")


def no_identifier(body: Mapping[str, Any]) -> str:
    """Why a body with no identifier key is refused: a value the client's checks refuse (an
    identifier of the wrong type), or else that it names no profile."""
    try:
        prepare_profile(body)
    except InvalidInputError as exc:
        return str(exc)
    return NO_IDENTIFIER


def check_field(column: str, name: str, kind: ValueType | None, where: str) -> None:
    """Refuse a mapping of ``column`` to ``name`` (``FIELD``, empty: skipped) with ``kind``
    that names no field, or declares a type for other than a custom property; raises
    ``ValueError`` saying ``where`` it was given."""
    if not name:
        if kind is not None:
            raise ValueError(f"{where} {column}: a skipped column takes no type")
        return
    try:
        target = resolve_target(name)
    except UnknownFieldError as exc:
        closest = exc.suggestion or closest_field(name)
        hint = f"; did you mean {closest!r}?" if closest else ""
        raise ValueError(
            f"{where} {column}: unknown field {name!r}{hint} (`klaviyo-profiles fields` lists "
            "the names)"
        ) from None
    except InvalidInputError as exc:
        raise ValueError(f"{where} {column}: {exc}") from None
    if kind is not None and target[0] != "properties":
        raise ValueError(f"{where} {column}: {_TYPED_ATTRIBUTE}")


_TYPED_ATTRIBUTE = (
    "a type is declared for custom properties (properties.<name>) only; profile attributes "
    "take the type the API gives them"
)


@dataclass(frozen=True)
class ColumnMap:
    """Where columns go: ``fields`` maps a column to a field name (empty: the column is
    skipped), ``types`` gives the declared type of a column's cells, and ``unmapped`` says
    what becomes of a column that names no field (see :data:`Unmapped`)."""

    fields: Mapping[str, str] = field(default_factory=dict)
    types: Mapping[str, ValueType] = field(default_factory=dict)
    unmapped: Unmapped = "error"

    @classmethod
    def from_options(cls, texts: Iterable[str]) -> ColumnMap:
        """The map ``--map COLUMN=FIELD[:TYPE]`` options give; raises ``ValueError`` naming
        the option that is not of that form or names no profile field."""
        fields: dict[str, str] = {}
        types: dict[str, ValueType] = {}
        for text in texts:
            # An empty COLUMN names a header cell left empty ('=email'; '=' skips it).
            column, equals, value = text.partition("=")
            if not equals:
                raise ValueError(f"--map expects COLUMN=FIELD or COLUMN=FIELD:TYPE, got {text!r}")
            name, kind = split_type(value, f"--map {column}")
            check_field(column, name, kind, "--map")
            fields[column] = name
            types.pop(column, None)
            if kind is not None:
                types[column] = kind
        return cls(fields, types)

    def updated(self, other: ColumnMap, unmapped: Unmapped | None = None) -> ColumnMap:
        """This map with ``other``'s columns in place of its own (field and type alike), and
        ``unmapped`` in place of its policy when given."""
        types = {c: k for c, k in self.types.items() if c not in other.fields}
        return ColumnMap(
            {**self.fields, **other.fields},
            {**types, **other.types},
            unmapped or self.unmapped,
        )

    def named_columns(self) -> list[str]:
        """Every column the map names, in the order it names them."""
        return list(dict.fromkeys([*self.fields, *self.types]))

    def unmapped_columns(self, header: Sequence[str]) -> list[str]:
        """The columns of ``header`` that name no field and are not mapped (those
        ``unmapped`` decides about)."""
        found = []
        for column in header:
            if column in self.fields:
                continue
            try:
                resolve_column(column)
            except UnknownFieldError:
                found.append(column)
        return found

    def name_for(self, column: str) -> str:
        """The field name ``column`` is mapped to, else its own name (empty: skipped)."""
        return self.fields.get(column, column)

    def target(self, column: str) -> Target | None:
        """Where ``column`` goes (``None``: skipped); raises ``UnknownFieldError`` for a
        column that names no field under ``unmapped="error"``, and ``InvalidInputError`` for
        a declared type on an attribute."""
        name = self.fields.get(column)
        if name is not None:
            return resolve_target(name) if name else None
        try:
            target = resolve_column(column)
        except UnknownFieldError:
            if self.unmapped == "skip":
                return None
            if self.unmapped != "properties" or not column.strip():
                raise
            target = ("properties", column)
        if column in self.types and target[0] != "properties":
            raise InvalidInputError(
                f"column {column!r}",
                "a custom property (properties.<name>), as it has a declared type",
                "profile attributes take the type the API gives them",
            )
        return target


def _unknown_columns(unknown: Sequence[tuple[str, str | None]]) -> str:
    """One message for every column that names no field, each with its closest field."""
    listing = "`klaviyo-profiles fields` lists the field names"
    if len(unknown) == 1:
        column, suggestion = unknown[0]
        hint = f"; did you mean {suggestion!r}?" if suggestion else "."
        if not column.strip():
            # A header cell left empty (or blank): no custom property takes such a name.
            return (
                f"column {column!r} (a header cell with no name) is not a profile field. Map "
                f'it with --map \'{column}=FIELD\' (or "{column}" = "FIELD" under [columns] '
                f"in a --map-file), or skip it with --map '{column}='; {listing}"
            )
        return (
            f"column {column!r} is not a profile field{hint}{_id_hint(column)} Map it with "
            f"--map '{column}=FIELD' (or in a --map-file), skip it with --map '{column}=', or "
            f"send it as the custom property {column!r} with --unmapped properties; {listing}"
        )
    width = max(len(repr(column)) for column, _ in unknown)
    lines = [f"{len(unknown)} columns are not profile fields:"]
    for column, suggestion in unknown:
        closest = f"closest field: {suggestion}" if suggestion else "no close field"
        if not column.strip():
            closest = f"a header cell with no name: --map '{column}=FIELD' or --map '{column}='"
        elif _id_hint(column):
            closest = "not taken for the profile id, see below"
        lines.append(f"  {column!r:<{width}}  {closest}")
    id_like = [column for column, _ in unknown if _id_hint(column)]
    if id_like:
        lines.append(_id_hint(id_like[0]).strip())
    lines.append(
        "map each with --map 'COLUMN=FIELD' (or in a --map-file), skip it with --map "
        "'COLUMN=', or send them all as custom properties of their own names with "
        f"--unmapped properties; {listing}"
    )
    return "\n".join(lines)


#: The attributes whose value is an object, merged key by key with fields given one by one.
_OBJECTS = ("location", "properties")
#: What a cell sends when it sends nothing (a null under ``--nulls omit``).
_LEFT_OUT: Any = object()


def _id_hint(column: str) -> str:
    """Why a column named like ``id`` (``ID``, ``Id``, ``I-D``) went nowhere, and how to map
    it; empty for other columns. Only ``id`` itself names the profile id: an export's own
    ``ID`` column (a CRM's record ids) taken for it would match no profile in Klaviyo."""
    if column.strip() == "id" or normalise_name(column) != "id":
        return ""
    return (
        f" A column named like id is not taken for the Klaviyo profile id: --map '{column}=id' "
        f"if it holds Klaviyo's profile ids, else e.g. --map '{column}=properties.source_id'."
    )


def _given_twice(target: Target, first: str, second: str) -> InvalidInputError:
    return InvalidInputError(
        target_name(target), "one value", f"given by both {first!r} and {second!r}"
    )


class RowMapper:
    """Turns a record into a request body, by the column map, the null token and the null
    policy (``omit``: a null is left out, at every depth, as if the cell were empty)."""

    def __init__(
        self,
        mapping: Mapping[str, str] | ColumnMap,
        null_token: str | None,
        nulls: NullPolicy = "clear",
    ) -> None:
        self.columns = mapping if isinstance(mapping, ColumnMap) else ColumnMap(dict(mapping))
        self.mapping = dict(self.columns.fields)
        self.null_token = null_token
        self.omit_nulls = nulls == "omit"
        self._targets: dict[str, Target | None] = {}
        self._types_by_target: dict[Target, ValueType | None] | None = None

    def target(self, column: str) -> Target | None:
        """Where ``column`` goes (``None``: skipped); raises ``UnknownFieldError`` (or
        ``InvalidInputError`` for a type declared on an attribute)."""
        if column in self._targets:
            return self._targets[column]
        target = self.columns.target(column)
        if len(self._targets) < 10_000:  # bounded: JSON Lines keys come from the data
            self._targets[column] = target
        return target

    def check_header(self, header: Sequence[str]) -> None:
        """Refuse unknown, duplicate or missing columns before anything is sent, all of them
        in one message, and a header with no identifier column."""
        problems: list[str] = []
        unknown: list[tuple[str, str | None]] = []
        seen: dict[Target, str] = {}
        for column in header:
            try:
                target = self.target(column)
            except UnknownFieldError as exc:
                unknown.append((column, exc.suggestion))
                continue
            except InvalidInputError as exc:
                problems.append(str(exc))
                continue
            if target is None:
                continue
            if target in seen:
                problems.append(
                    f"columns {seen[target]!r} and {column!r} both set {target_name(target)}; "
                    "map one of them to another field or skip it"
                )
            else:
                seen[target] = column
        missing = [column for column in self.columns.named_columns() if column not in header]
        if missing:
            names = ", ".join(repr(column) for column in missing)
            which = "column" if len(missing) == 1 else "columns"
            problems.insert(0, f"the mapping names {which} {names}, which the file does not have")
        if unknown:
            problems.insert(0, _unknown_columns(unknown))
        if problems:
            raise HeaderError("\n".join(problems))
        if not any(target in IDENTIFIER_TARGETS for target in seen):
            # Every row would be refused (400) for want of an identifier: say so up front.
            raise HeaderError(
                "no column identifies the profile, so no row could be imported; the file needs "
                f"one of {', '.join(IDENTIFIER_NAMES)} (rename a column or map it, e.g. "
                "--map 'E-mail=email')"
            )

    def describe(self, header: Sequence[str]) -> dict[str, str | None]:
        """Where each column of a checked header goes (``None``: skipped), by field name."""
        shown: dict[str, str | None] = {}
        for column in header:
            target = self.target(column)
            name = None if target is None else target_name(target)
            kind = self.columns.types.get(column)
            shown[column] = f"{name}:{kind}" if name and kind else name
        return shown

    def body(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The JSON:API body for one record; raises ``InvalidInputError`` for bad values.

        A whole ``location`` or ``properties`` object (a JSON Lines member, or a CSV cell of
        JSON text) and fields of it given one by one (``properties.plan``) are merged key by
        key; one key given by both, or fields given beside an object that is not one (a
        null), is refused naming both columns, as two columns for one field are.
        """
        if self.omit_nulls:
            record = omit_nulls(record)
        if set(record) == {"data"} and isinstance(record["data"], Mapping):
            return self._typed_document(record)  # a JSON:API document; the client checks it
        values: list[tuple[Target, Any]] = []
        #: Whole ``location``/``properties`` values, with the column that gave each.
        objects: dict[str, tuple[str, Any]] = {}
        # Which column gave each field: a JSON Lines record may name one field twice (``kx``
        # and ``_kx``, ``First Name`` and ``first_name``); a CSV header that does is refused
        # before anything is sent.
        given: dict[Target, str] = {}
        for column, cell in record.items():
            target = self.target(column)
            if target is None or cell == "":
                continue  # skipped column, or empty cell: leave the field unchanged
            if target in given:
                raise _given_twice(target, given[target], column)
            given[target] = column
            value = self._value(column, target, cell)
            if value is _LEFT_OUT:
                continue
            if target[0] == "attribute" and target[1] in _OBJECTS:
                objects[target[1]] = (column, value)
            else:
                values.append((target, value))
        for target, column in given.items():
            whole = objects.get(target[0]) if target[0] in _OBJECTS else None
            if whole is not None and (not isinstance(whole[1], Mapping) or target[1] in whole[1]):
                raise _given_twice(target, whole[0], column)
        return assemble_body(values, objects={name: value for name, (_, value) in objects.items()})

    def _value(self, column: str, target: Target, cell: Any) -> Any:
        """What ``cell`` sends to ``target`` (:data:`_LEFT_OUT`: nothing, under ``omit``)."""
        if cell is None or (self.null_token is not None and cell == self.null_token):
            return _LEFT_OUT if self.omit_nulls else None
        kind = self.columns.types.get(column)
        if kind is None and target[0] == "properties":
            kind = self._declared_type(target, column)
        if kind is not None:
            return typed_value(kind, cell, f"column {column!r} ({target_name(target)})")
        value = coerce_text(target, cell) if isinstance(cell, str) else cell
        if target == ("attribute", "properties") and isinstance(value, Mapping):
            value = self._typed_members(value, column)
        if self.omit_nulls and isinstance(cell, str):
            # JSON text in a cell (a location or properties object) holds nulls of its own;
            # a record's were left out above. An object emptied that way goes too.
            value = omit_nulls({"": value}).get("", _LEFT_OUT)
        return value

    def _target_types(self) -> dict[Target, ValueType | None]:
        """The declared type of each custom property a typed column goes to (``None``: two
        columns declare different types for it), so that the type holds whatever spelling
        gives the property (``properties.x``, or ``x`` in a ``properties`` object)."""
        if self._types_by_target is None:
            found: dict[Target, ValueType | None] = {}
            for column, kind in self.columns.types.items():
                try:
                    target = self.columns.target(column)
                except InvalidInputError:  # refused with the header, or never in a record
                    continue
                if target is not None and target[0] == "properties":
                    found[target] = kind if found.get(target, kind) == kind else None
            self._types_by_target = found
        return self._types_by_target

    def _declared_type(self, target: Target, column: str) -> ValueType | None:
        types = self._target_types()
        if target in types and types[target] is None:
            raise InvalidInputError(
                f"column {column!r} ({target_name(target)})",
                "one declared type",
                "the mapping declares two types for this property",
            )
        return types.get(target)

    def _typed_members(self, properties: Mapping[str, Any], column: str) -> Mapping[str, Any]:
        """``properties`` with each member of a declared type read as that type."""
        if not self._target_types():
            return properties
        typed = dict(properties)
        for key, member in properties.items():
            if not isinstance(key, str) or member is None:
                continue  # a null clears (or was left out); a bad key is the client's to refuse
            kind = self._declared_type(("properties", key), column)
            if kind is not None:
                typed[key] = typed_value(kind, member, f"column {column!r} (properties.{key})")
        return typed

    def _typed_document(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """A JSON:API document with its custom properties read as their declared types."""
        data = record["data"]
        attributes = data.get("attributes")
        if not isinstance(attributes, Mapping) or not isinstance(
            attributes.get("properties"), Mapping
        ):
            return dict(record)
        properties = self._typed_members(attributes["properties"], "data")
        return {**record, "data": {**data, "attributes": {**attributes, "properties": properties}}}

    def identifier_columns(self, header: Sequence[str]) -> list[int]:
        """Positions of the columns that identify a profile."""
        return [
            position
            for position, column in enumerate(header)
            if self.target(column) in IDENTIFIER_TARGETS
        ]
