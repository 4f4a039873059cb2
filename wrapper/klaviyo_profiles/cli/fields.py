"""Profile field names on the command line, all derived from the generated code.

Option names of ``upsert`` and column names of ``import`` come from
``klaviyo_profile_import.arguments.ARGUMENT_TO_ATTRIBUTE`` and ``facts.LOCATION_FIELDS``, so a
client regenerated for another revision gets that revision's options with no edit here.

A *target* says where a value goes in the request:

* ``("attribute", "first_name")``: a profile attribute, by its keyword name (``kx`` for ``_kx``);
* ``("location", "city")``: one field of ``location``;
* ``("properties", "plan")``: one custom property;
* ``("id",)``: the profile id.

**Header names.** A column of ``import`` may also be named loosely: case, spaces, dashes and
underscores are ignored (``First Name``, ``E-Mail`` and ``LOCATION_CITY`` name ``first_name``,
``email`` and ``location.city``; the profile id only by ``id`` itself), see
:func:`resolve_column`. Nothing is guessed beyond that:
no synonyms (``Phone`` is not ``phone_number``), because a column sent to the wrong field,
an identifier above all, merges or splits profiles, while an unknown column only stops the
run with its closest name; a mapping says what a column means in one line.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from klaviyo_profile_import import facts
from klaviyo_profile_import.arguments import ARGUMENT_TO_ATTRIBUTE

from ..body import build_body, decode_json
from ..errors import InvalidInputError, UnknownFieldError
from ..identity import IDENTIFIER_NAMES

__all__ = [
    "LOCATION_FIELDS",
    "OBJECT_ARGUMENTS",
    "SCALAR_ARGUMENTS",
    "FieldInfo",
    "Target",
    "assemble_body",
    "closest_field",
    "coerce_text",
    "field_infos",
    "normalise_name",
    "resolve_column",
    "resolve_target",
    "target_name",
    "valid_target_names",
]

Target = tuple[str, ...]

_WIRE_TO_ARGUMENT = {wire: argument for argument, wire in ARGUMENT_TO_ATTRIBUTE.items()}
#: Attributes that take a single value (``--email``), in the generated order.
SCALAR_ARGUMENTS: tuple[str, ...] = tuple(
    argument
    for argument, wire in ARGUMENT_TO_ATTRIBUTE.items()
    if wire not in facts.OBJECT_REQUEST_ATTRIBUTES
)
#: Attributes whose value is an object (``location``, ``properties``).
OBJECT_ARGUMENTS: tuple[str, ...] = tuple(
    argument
    for argument, wire in ARGUMENT_TO_ATTRIBUTE.items()
    if wire in facts.OBJECT_REQUEST_ATTRIBUTES
)
LOCATION_FIELDS: tuple[str, ...] = facts.LOCATION_FIELDS


def valid_target_names() -> list[str]:
    """Every name a column or ``--clear`` may use (for messages and suggestions)."""
    names = ["id", *ARGUMENT_TO_ATTRIBUTE]
    names += [f"location.{field}" for field in LOCATION_FIELDS]
    names.append("properties.<name>")
    return names


def resolve_target(name: str) -> Target:
    """Where the column, option or ``--clear`` argument ``name`` goes.

    Accepts keyword names (``first_name``, ``kx``), wire names (``_kx``), dashed spellings
    (``first-name``), ``location.city`` / ``location_city`` and ``properties.<key>``.
    Raises :class:`UnknownFieldError` naming the closest valid name.
    """
    text = name.strip()
    if text == "id":
        return ("id",)
    for prefix in ("properties.", "property."):
        if text.startswith(prefix) and len(text) > len(prefix):
            return ("properties", text[len(prefix) :])
    normal = text.replace("-", "_")
    if normal in ARGUMENT_TO_ATTRIBUTE:
        return ("attribute", normal)
    if normal in _WIRE_TO_ARGUMENT:
        return ("attribute", _WIRE_TO_ARGUMENT[normal])
    for separator in (".", "_"):
        prefix = f"location{separator}"
        if normal.startswith(prefix) and normal[len(prefix) :] in LOCATION_FIELDS:
            return ("location", normal[len(prefix) :])
    valid = valid_target_names()
    suggestions = difflib.get_close_matches(normal, valid, n=1, cutoff=0.6)
    raise UnknownFieldError(name, valid, suggestions[0] if suggestions else None)


def target_name(target: Target) -> str:
    """The name a target is listed under (``first_name``, ``location.city``, ``properties.plan``,
    ``id``)."""
    if target[0] == "attribute":
        return target[1]
    return ".".join(target)


_IGNORED_IN_HEADERS = re.compile(r"[\s_\-]+")


def normalise_name(text: str) -> str:
    """``text`` as header matching compares it: case, spaces, dashes and underscores ignored."""
    return _IGNORED_IN_HEADERS.sub("", text).casefold()


@functools.lru_cache(maxsize=1)
def _loose_names() -> dict[str, Target]:
    """Every field by its normalised names. A normalised name two fields would share (none
    does in the revisions known so far) is left out: such a header must be mapped.

    The profile id is not among them: only a header ``id`` names it. Exports name their own
    record ids ``ID`` or ``Id`` (a CRM's, a shop's), which sent as Klaviyo's profile id would
    match no profile and fail every row.
    """
    names = [*ARGUMENT_TO_ATTRIBUTE, *_WIRE_TO_ARGUMENT]
    names += [f"location{sep}{field}" for field in LOCATION_FIELDS for sep in (".", "_")]
    table: dict[str, Target] = {}
    shared: set[str] = set()
    for name in names:
        key, target = normalise_name(name), resolve_target(name)
        if table.setdefault(key, target) != target:
            shared.add(key)
    return {key: target for key, target in table.items() if key not in shared}


def closest_field(column: str) -> str | None:
    """The field name closest to ``column`` once both are normalised, if one is close."""
    table = _loose_names()
    found = difflib.get_close_matches(normalise_name(column), list(table), n=1, cutoff=0.6)
    return target_name(table[found[0]]) if found else None


def resolve_column(column: str) -> Target:
    """Where an ``import`` column goes by its header: :func:`resolve_target`'s names, or a
    name equal to a field's once case, spaces, dashes and underscores are ignored (see the
    module). Raises :class:`UnknownFieldError` naming the closest field."""
    try:
        return resolve_target(column)
    except UnknownFieldError:
        found = _loose_names().get(normalise_name(column))
        if found is not None:
            return found
        raise UnknownFieldError(column, valid_target_names(), closest_field(column)) from None


@dataclass(frozen=True)
class FieldInfo:
    """One field a column or option can name, for ``klaviyo-profiles fields``."""

    name: str
    #: The JSON types the pinned revision accepts (``string``, ``number``...), ``null``
    #: left out: every field takes it, to clear the stored value.
    types: tuple[str, ...]
    #: Whether it identifies a profile (a row needs a value in one of these).
    identifier: bool
    #: The attribute's name on the wire, when it differs (``_kx`` for ``kx``).
    wire: str | None = None


def field_infos() -> list[FieldInfo]:
    """Every field by name, in the generated order (``properties.<name>`` last)."""
    marked = set(IDENTIFIER_NAMES)
    infos = [FieldInfo("id", ("string",), "id" in marked)]
    for argument in SCALAR_ARGUMENTS:
        wire = ARGUMENT_TO_ATTRIBUTE[argument]
        types = _listed_types(("attribute", argument))
        shown_wire = wire if wire != argument else None
        infos.append(FieldInfo(argument, types, argument in marked or wire in marked, shown_wire))
    for field in LOCATION_FIELDS:
        types = _listed_types(("location", field))
        infos.append(FieldInfo(f"location.{field}", types, False))
    infos.append(FieldInfo("properties.<name>", ("any",), False))
    return infos


def _listed_types(target: Target) -> tuple[str, ...]:
    return tuple(sorted(_allowed_types(_field_schema(target)) - {"null"})) or ("any",)


def _allowed_types(schema: Mapping[str, Any]) -> set[str]:
    kinds: set[str] = set()
    kind = schema.get("type")
    if isinstance(kind, str):
        kinds.add(kind)
    elif isinstance(kind, list):
        kinds.update(str(item) for item in kind)
    for key in ("anyOf", "oneOf"):
        for option in schema.get(key) or ():
            if isinstance(option, Mapping):
                kinds |= _allowed_types(option)
    return kinds


def _field_schema(target: Target) -> Mapping[str, Any]:
    schema = facts.request_body_schema()
    attributes = schema["properties"]["data"]["properties"]["attributes"]["properties"]
    if target[0] == "attribute":
        found = attributes.get(ARGUMENT_TO_ATTRIBUTE[target[1]], {})
    elif target[0] == "location":
        found = attributes.get("location", {}).get("properties", {}).get(target[1], {})
    else:
        found = {}
    return found if isinstance(found, Mapping) else {}


def coerce_text(target: Target, text: str) -> Any:
    """A value typed as text, as the JSON the field takes.

    Text stays text wherever the spec allows a string (``zip`` ``"01234"`` keeps its zero);
    otherwise it is read as JSON (a number, a boolean) and refused, naming the field, when it
    is not. Custom properties stay text: their types are not in the spec.
    """
    if target[0] in ("properties", "id"):
        return text
    kinds = _allowed_types(_field_schema(target))
    if not kinds or "string" in kinds:
        return text
    label = ".".join(target[1:]) if target[0] == "attribute" else ".".join(target)
    try:
        # As a JSON Lines record is read: a member name given twice is refused, not the
        # last one kept.
        value = decode_json(text)
    except json.JSONDecodeError:
        raise InvalidInputError(label, " or ".join(sorted(kinds)), f"got {text!r}") from None
    except ValueError as exc:  # a repeated member name, nesting too deep
        raise InvalidInputError(label, "JSON as Klaviyo reads it", str(exc)) from None
    return value


def assemble_body(
    values: Iterable[tuple[Target, Any]],
    *,
    objects: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON:API body for target/value pairs (``None`` clears, absent keeps).

    ``objects`` gives whole ``location``/``properties`` values (a JSON Lines record may nest
    them); single fields given in ``values`` are merged into them.
    """
    attributes: dict[str, Any] = {}
    nested: dict[str, Any] = {}
    profile_id: Any = None
    has_id = False
    for name, value in (objects or {}).items():
        nested[name] = dict(value) if isinstance(value, Mapping) else value
    for target, value in values:
        kind = target[0]
        if kind == "id":
            profile_id, has_id = value, True
        elif kind == "attribute":
            if target[1] in OBJECT_ARGUMENTS:
                nested[target[1]] = dict(value) if isinstance(value, Mapping) else value
            else:
                attributes[target[1]] = value
        else:
            argument = "location" if kind == "location" else "properties"
            container = nested.get(argument)
            if not isinstance(container, dict):
                container = {}
                nested[argument] = container
            container[target[1]] = value
    attributes.update(nested)
    if has_id:
        return build_body(attributes=attributes, id=profile_id)
    return build_body(attributes=attributes)
