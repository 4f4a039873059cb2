"""Building and checking the request body, with exact null-versus-unset semantics.

The rule, at every depth: a key that is left out (or given as :data:`UNSET`) is absent from the
JSON and Klaviyo keeps the stored value; a key given as ``None`` is sent as ``null`` and Klaviyo
clears the value.

Everything this module knows about names (attributes, location fields, meta operations,
additional fields) comes from the generated ``klaviyo_profile_import`` package, so a client
regenerated for another revision accepts that revision's names with no edit here.

Example::

    >>> build_body(attributes={"email": "ada@example.com", "last_name": None})
    {'data': {'type': 'profile', 'attributes': {'email': 'ada@example.com', 'last_name': None}}}
"""

from __future__ import annotations

import datetime as dt
import difflib
import enum
import json
import math
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs
from klaviyo_profile_import import facts
from klaviyo_profile_import import models as _models
from klaviyo_profile_import.arguments import ARGUMENT_TO_ATTRIBUTE
from klaviyo_profile_import.models import ProfileUpsertQuery
from klaviyo_profile_import.types import UNSET, Unset

from .errors import InvalidInputError, PayloadTooLargeError, UnknownFieldError

__all__ = [
    "MAX_JSON_DEPTH",
    "PreparedRequest",
    "build_body",
    "check_body",
    "encoded_size",
    "prepare_request",
    "to_json_value",
]

_RESOURCE_KEYS = ("type", "id", "attributes", "meta")

#: The deepest JSON nesting a request body may have, counting the body object itself as 1
#: (``{"data": {"attributes": {"properties": {...}}}}`` reaches 4 at ``properties``). Deeper
#: bodies are refused before sending; the sandbox refuses them with a 400 too, so the two agree.
#: It sits far below Python's recursion limit, so no check or encoder can overflow the stack.
MAX_JSON_DEPTH = 64


def _is_unset(value: object) -> bool:
    return isinstance(value, Unset)


def _suggest(name: str, valid: Sequence[str]) -> str | None:
    matches = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.6)
    return matches[0] if matches else None


def to_json_value(value: Any, field: str) -> Any:
    """Turn a Python value into what JSON can carry, or raise naming ``field``.

    ``UNSET`` entries of mappings are dropped (the key is left out). Datetimes and dates
    become ISO 8601 strings, Decimals numbers, enums their values, UUIDs strings. NaN and the
    infinities, sets, bytes and other objects are refused: JSON cannot carry them faithfully.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, enum.Enum):
        return to_json_value(value.value, field)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInputError(field, "a finite number", f"got {value!r}")
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidInputError(field, "a finite number", f"got Decimal({str(value)!r})")
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInputError(
                    f"{field}[{key!r}]", "string keys", f"got {type(key).__name__}"
                )
            if _is_unset(item):
                continue
            result[key] = to_json_value(item, f"{field}.{key}")
        return result
    if isinstance(value, (list, tuple)):
        return [to_json_value(item, f"{field}[{index}]") for index, item in enumerate(value)]
    raise InvalidInputError(
        field,
        "a JSON value (str, int, float, bool, None, list, dict, datetime, date or Decimal)",
        f"got {type(value).__name__}",
    )


def build_body(
    *,
    attributes: Mapping[str, Any],
    id: str | Unset | None = UNSET,
    meta: Mapping[str, Any] | Unset | None = UNSET,
    patch_properties: Mapping[str, Any] | Unset | None = UNSET,
    patch_identifiers: Mapping[str, Any] | Unset | None = UNSET,
) -> dict[str, Any]:
    """The JSON:API document for keyword arguments (Python names such as ``kx``).

    ``attributes`` maps keyword names to values; :data:`UNSET` values are left out. ``meta`` and
    the ``patch_*`` shortcuts are mutually exclusive.
    """
    wire_attributes: dict[str, Any] = {}
    for argument, value in attributes.items():
        wire_name = ARGUMENT_TO_ATTRIBUTE.get(argument)
        if wire_name is None:
            if argument in facts.REQUEST_ATTRIBUTES:
                wire_name = argument  # the wire spelling (``_kx``) is accepted too
            else:
                valid = list(ARGUMENT_TO_ATTRIBUTE)
                raise UnknownFieldError(argument, valid, _suggest(argument, valid))
        if _is_unset(value):
            continue
        wire_attributes[wire_name] = to_json_value(value, argument)

    resource: dict[str, Any] = {"type": "profile"}
    if not _is_unset(id):
        resource["id"] = id
    resource["attributes"] = wire_attributes

    patches = {
        "patch_properties": patch_properties,
        "patch_identifiers": patch_identifiers,
    }
    given = {name: value for name, value in patches.items() if not _is_unset(value)}
    if given and not _is_unset(meta):
        raise InvalidInputError(
            "meta", "either meta= or the patch_* arguments, not both", f"got {sorted(given)}"
        )
    if not _is_unset(meta):
        resource["meta"] = None if meta is None else to_json_value(meta, "meta")
    elif given:
        resource["meta"] = {name: to_json_value(value, name) for name, value in given.items()}
    return {"data": resource}


def check_body(body: Mapping[str, Any]) -> None:
    """Refuse, before sending, a body the pinned revision cannot accept.

    Checks the JSON:API envelope, every attribute, location field and meta key against the
    names and JSON types of the spec fragment, and requires at least one attribute or an id.
    Raises :class:`~klaviyo_profiles.InvalidInputError` (or its subclass
    :class:`~klaviyo_profiles.UnknownFieldError`) naming the field.
    """
    schema = facts.request_body_schema()
    _check(body, schema, "body")
    data = body.get("data") if isinstance(body, Mapping) else None
    attributes = data.get("attributes") if isinstance(data, Mapping) else None
    if isinstance(data, Mapping) and not data.get("id") and not attributes:
        raise InvalidInputError(
            "attributes", "at least one attribute (an identifier such as email) or an id"
        )


def _types_of(schema: Mapping[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [str(item) for item in kind]
    return []


def _matches_type(value: Any, kind: str) -> bool:
    if kind == "null":
        return value is None
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "object":
        return isinstance(value, Mapping)
    if kind == "array":
        return isinstance(value, list)
    return True


def _describe(schema: Mapping[str, Any]) -> str:
    options = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(options, list):
        return " or ".join(dict.fromkeys(_describe(option) for option in options))
    kinds = _types_of(schema)
    if "enum" in schema:
        return "one of " + ", ".join(repr(v) for v in schema["enum"])
    names = {
        "null": "null (None)",
        "object": "an object (dict)",
        "array": "a list",
        "string": "a string",
    }
    return " or ".join(names.get(kind, f"a {kind}") for kind in kinds) or "a JSON value"


def _child(field: str, key: object) -> str:
    return str(key) if field == "body" else f"{field}.{key}"


def _check(value: Any, schema: Mapping[str, Any], field: str) -> None:
    """A deliberately small checker: names, JSON types, enums and nesting.

    A full JSON Schema validator would be one more runtime dependency for every user; the
    sandbox uses jsonschema for the exhaustive check. Here the point is a precise, early
    message (unknown names get a suggestion), before any network I/O.
    """
    options = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(options, list):
        for option in options:
            try:
                _check(value, option, field)
            except InvalidInputError:
                continue
            return
        raise InvalidInputError(field, _describe(schema), f"got {_type_name(value)}")
    kinds = _types_of(schema)
    if kinds and not any(_matches_type(value, kind) for kind in kinds):
        raise InvalidInputError(field, _describe(schema), f"got {_type_name(value)}")
    if "enum" in schema and value not in schema["enum"]:
        raise InvalidInputError(field, _describe(schema), f"got {value!r}")
    if isinstance(value, Mapping):
        properties = schema.get("properties")
        if isinstance(properties, Mapping) and properties:
            for key in value:
                if key not in properties:
                    valid = list(properties)
                    raise UnknownFieldError(_child(field, key), valid, _suggest(str(key), valid))
            for key in schema.get("required") or ():
                if key not in value:
                    raise InvalidInputError(_child(field, key), "this key to be present")
            for key, item in value.items():
                _check(item, properties[key], _child(field, key))
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            _check(item, schema["items"], f"{field}[{index}]")


def _type_name(value: Any) -> str:
    if value is None:
        return "None"
    return type(value).__name__


def encoded_size(body: Any) -> int:
    """Bytes of ``body`` as httpx sends it (compact separators, UTF-8)."""
    return len(
        json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    )


@attrs.frozen
class PreparedRequest:
    """A checked request, ready for the generated endpoint module."""

    body: dict[str, Any]
    model: ProfileUpsertQuery
    #: Keyword arguments for the endpoint's query parameters (only those given).
    query: dict[str, list[Any]]


def _query_values(
    values: Sequence[str] | None, valid: Sequence[str], field: str
) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [part.strip() for part in values.split(",") if part.strip()]
    if values and not valid:
        raise InvalidInputError(field, f"nothing: revision {facts.REVISION} has no {field}")
    for value in values:
        if value not in valid:
            raise UnknownFieldError(f"{field}: {value}", list(valid), _suggest(value, valid))
    return list(dict.fromkeys(values))


def prepare_request(
    *,
    body: Mapping[str, Any] | ProfileUpsertQuery | None,
    attributes: Mapping[str, Any],
    id: str | Unset | None = UNSET,
    meta: Mapping[str, Any] | Unset | None = UNSET,
    patch_properties: Mapping[str, Any] | Unset | None = UNSET,
    patch_identifiers: Mapping[str, Any] | Unset | None = UNSET,
    additional_fields: Sequence[str] | None = None,
    fields: Sequence[str] | None = None,
) -> PreparedRequest:
    """Check everything that can be checked locally and build the generated model.

    Either ``body`` (a JSON:API dict or the generated ``ProfileUpsertQuery``) or keyword
    arguments, not both.
    """
    if body is not None:
        extra = [
            name
            for name, value in (
                ("id", id),
                ("meta", meta),
                ("patch_properties", patch_properties),
                ("patch_identifiers", patch_identifiers),
            )
            if not _is_unset(value)
        ] + [name for name, value in attributes.items() if not _is_unset(value)]
        if extra:
            raise InvalidInputError(
                "body",
                "body= alone, or keyword arguments without body=",
                f"got both ({', '.join(extra)})",
            )
        raw = body.to_dict() if isinstance(body, ProfileUpsertQuery) else body
        if not isinstance(raw, Mapping):
            raise InvalidInputError(
                "body", "a JSON:API dict or ProfileUpsertQuery", f"got {_type_name(raw)}"
            )
        wire = to_json_value(raw, "body")
    else:
        wire = build_body(
            attributes=attributes,
            id=id,
            meta=meta,
            patch_properties=patch_properties,
            patch_identifiers=patch_identifiers,
        )
    check_body(wire)
    size = encoded_size(wire)
    if size > facts.PAYLOAD_LIMIT_BYTES:
        raise PayloadTooLargeError(size, facts.PAYLOAD_LIMIT_BYTES)
    model = ProfileUpsertQuery.from_dict(wire)
    query: dict[str, list[Any]] = {}
    for argument, values, valid, label in (
        (
            "additional_fieldsprofile",
            additional_fields,
            facts.ADDITIONAL_FIELDS,
            "additional_fields",
        ),
        ("fieldsprofile", fields, facts.SPARSE_FIELDS, "fields"),
    ):
        checked = _query_values(values, valid, label)
        if checked:
            query[argument] = [_QUERY_ENUMS[argument](value) for value in checked]
    return PreparedRequest(body=wire, model=model, query=query)


# The generated enum of each query parameter. Looked up by name because a revision without the
# parameter (fields[profile] before 2026-04-15) has no such class; facts then lists no values
# and the lookup is never used.
_QUERY_ENUMS: dict[str, Any] = {
    "additional_fieldsprofile": getattr(
        _models, "CreateOrUpdateProfileAdditionalFieldsprofileItem", str
    ),
    "fieldsprofile": getattr(_models, "CreateOrUpdateProfileFieldsprofileItem", str),
}
