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
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs
from klaviyo_profile_import import facts
from klaviyo_profile_import.arguments import ARGUMENT_TO_ATTRIBUTE
from klaviyo_profile_import.types import UNSET, Unset

from ._generated import QUERY_ENUMS as _QUERY_ENUMS
from ._generated import ProfileUpsertQuery
from .errors import InvalidInputError, PayloadTooLargeError, UnknownFieldError

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_SAFE_INTEGER",
    "PreparedRequest",
    "build_body",
    "check_body",
    "check_depth",
    "check_integer",
    "check_text",
    "decimal_to_number",
    "decode_json",
    "encode_body",
    "encoded_size",
    "field_name",
    "prepare_request",
    "to_json_value",
]

_RESOURCE_KEYS = ("type", "id", "attributes", "meta")

#: The deepest JSON nesting a request body may have, counting the body object itself as 1
#: (``{"data": {"attributes": {"properties": {...}}}}`` reaches 4 at ``properties``). Deeper
#: bodies are refused before sending; the sandbox refuses them with a 400 too, so the two agree.
#: It sits far below Python's recursion limit, so no check or encoder can overflow the stack.
MAX_JSON_DEPTH = 64

# Where keyword arguments land: {"data" (2): {"attributes" (3): {"properties" (4): ...}}}.
_RESOURCE_DEPTH = 2
_ATTRIBUTE_DEPTH = 4


def _is_unset(value: object) -> bool:
    return isinstance(value, Unset)


def _suggest(name: str, valid: Sequence[str]) -> str | None:
    matches = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.6)
    return matches[0] if matches else None


#: The largest integer magnitude sent as a JSON number: ``2**53 - 1``, the range in which
#: every JSON parser agrees on an integer's exact value (RFC 8259, section 6). Klaviyo's
#: services and most JSON libraries read numbers as IEEE doubles, so a larger integer would be
#: stored rounded; it is refused instead (send it as a string to keep every digit).
MAX_SAFE_INTEGER = 2**53 - 1

# Decimals are sent as doubles unless they are integers within MAX_SAFE_INTEGER. A double's
# decimal exponent lies between these (subnormals included); anything outside would become
# infinity or a silent zero, so it is refused by looking at the exponent alone, before any
# conversion (converting ``Decimal("1e10000000")`` to int would build ten million digits).
_DOUBLE_MAX_ADJUSTED = 308
_DOUBLE_MIN_ADJUSTED = -324

_SURROGATE = re.compile("[\ud800-\udfff]")

_JSON_TYPES = "a JSON value (str, int, float, bool, None, list, dict, datetime, date or Decimal)"


class _Walk:
    """State of one walk over a value: the containers open on the current path (to find a
    value that contains itself) and a running lower bound of the encoded size, so that a
    value far over the payload limit is refused after reading about the limit's worth of it,
    not all of it."""

    __slots__ = ("open", "size")

    def __init__(self) -> None:
        self.open: set[int] = set()
        self.size = 0

    def add(self, nbytes: int) -> None:
        self.size += nbytes
        if self.size > _REFUSED_ABOVE:
            raise PayloadTooLargeError(
                self.size - _COMMAS_AHEAD, facts.PAYLOAD_LIMIT_BYTES, at_least=True
            )


#: Commas the walk may have counted that are never written: each value counts the comma after
#: it, and the last value of a container has none (the container's own comma, uncounted, makes
#: up for it unless the container is last too). At most one per level of nesting: the walk
#: refuses only beyond that, so that a body that fits is never refused by the estimate, and
#: the exact size of the encoded bytes decides.
_COMMAS_AHEAD = MAX_JSON_DEPTH + 1
_REFUSED_ABOVE = facts.PAYLOAD_LIMIT_BYTES + _COMMAS_AHEAD


def field_name(field: str, key: str) -> str:
    """``field.key``, with a key that cannot be printed (lone surrogates) escaped."""
    shown = (
        key
        if key.isascii() or not _SURROGATE.search(key)
        else key.encode("utf-8", "backslashreplace").decode()
    )
    return shown if field == "body" else f"{field}.{shown}"


def check_text(text: str, field: str) -> None:
    """Refuse a string that is not Unicode text: a lone surrogate cannot be encoded as UTF-8."""
    if not text.isascii() and _SURROGATE.search(text):
        raise InvalidInputError(
            field, "Unicode text", "got a string with a lone surrogate (\\ud800-\\udfff)"
        )


def check_integer(value: int, field: str) -> None:
    """Refuse an integer outside ``±MAX_SAFE_INTEGER`` (compared, never converted to text)."""
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise InvalidInputError(
            field,
            f"an integer between -(2**53 - 1) and 2**53 - 1 ({MAX_SAFE_INTEGER})",
            f"got one of {value.bit_length()} bits; send larger numbers as strings",
        )


def decimal_to_number(value: Decimal, field: str) -> int | float:
    """An integral Decimal within ``±MAX_SAFE_INTEGER`` as an int, any other as a double.

    Refuses NaN, the infinities and magnitudes a double cannot carry, judged from the exponent
    before any conversion, so the time taken does not depend on the exponent.
    """
    if not value.is_finite():
        raise InvalidInputError(field, "a finite number", f"got Decimal({str(value)!r})")
    if value.is_zero():
        return 0
    magnitude = value.adjusted()  # the exponent of the leading digit
    if magnitude > _DOUBLE_MAX_ADJUSTED or magnitude < _DOUBLE_MIN_ADJUSTED:
        raise InvalidInputError(
            field,
            "a number within a double's range (about 1e-324 to 1e308)",
            f"got a Decimal of magnitude 1e{magnitude}",
        )
    if magnitude < 16 and value == value.to_integral_value():
        number = int(value)
        if -MAX_SAFE_INTEGER <= number <= MAX_SAFE_INTEGER:
            return number
    converted = float(value)
    if not math.isfinite(converted) or converted == 0.0:
        raise InvalidInputError(
            field,
            "a number within a double's range (about 1e-324 to 1e308)",
            f"got a Decimal of magnitude 1e{magnitude}",
        )
    return converted


def check_depth(depth: int, field: str) -> None:
    """Refuse a container nested deeper than :data:`MAX_JSON_DEPTH` (the body counts as 1)."""
    if depth > MAX_JSON_DEPTH:
        raise InvalidInputError(
            field,
            f"at most {MAX_JSON_DEPTH} levels of nesting (the body object counts as 1)",
            f"this value would sit at level {depth}",
        )


class _Repeated(dict[str, Any]):
    """A decoded object in which a member name appeared more than once (the first such)."""

    name = ""


class _RepeatedName(Exception):
    """A member name appeared twice in one object (found while decoding, located after)."""


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _RepeatedName
    return result


def _marked_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    marked = _Repeated(result)
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            marked.name = key
            break
        seen.add(key)
    return marked


# One decoder for every call, as json.loads keeps one: building one per call costs more than
# decoding a small document.
_DECODER = json.JSONDecoder(object_pairs_hook=_unique_members)


def decode_json(text: str | bytes) -> Any:
    """``json.loads``, refusing (``ValueError``) what it would accept silently or crash on.

    * A member name given twice in one object, at any depth: ``json.loads`` keeps the last
      value without a word, while Klaviyo (and the sandbox) refuse such a body. The message
      names the member and where it is (``location.city``).
    * Nesting too deep for Python's recursion: the standard decoder recurses once per level
      and raises ``RecursionError`` somewhere past a thousand levels; anything deeper than
      :data:`MAX_JSON_DEPTH` is refused later anyway (naming the field), so the message says so.
    """
    if isinstance(text, (bytes, bytearray)):
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    too_deep = f"nested far deeper than the {MAX_JSON_DEPTH} levels a body may have"
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise ValueError(too_deep) from None
    except _RepeatedName:
        pass
    # Rare: decoded again, marking each object with a repeated name, to say where it is.
    # The first pass stopped at the repeated name, so it may not have reached the depth
    # that this pass, which reads the whole document, recurses through.
    try:
        document = json.loads(text, object_pairs_hook=_marked_members)
    except RecursionError:
        raise ValueError(too_deep) from None
    found = _first_repeated(document)
    name, where = found if found is not None else ("?", "")
    place = f"the object at {where}" if where else "the object"
    raise ValueError(
        f"the member name {name!r} appears more than once in {place}; give each member "
        "once (Klaviyo refuses a body with a repeated name)"
    )


def _first_repeated(document: Any) -> tuple[str, str] | None:
    """The repeated name and the dotted path (``""``: the document) of the first object
    marked by :func:`_marked_members`, found without recursion (the document may be deep)."""
    stack: list[tuple[Any, str]] = [(document, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, _Repeated):
            return value.name, path
        if isinstance(value, dict):
            stack.extend(
                (item, f"{path}.{key}" if path else str(key))
                for key, item in reversed(value.items())
            )
        elif isinstance(value, list):
            stack.extend(
                (item, f"{path}[{index}]") for index, item in reversed(list(enumerate(value)))
            )
    return None


def to_json_value(value: Any, field: str, *, depth: int = 1) -> Any:
    """Turn a Python value into what JSON can carry, or raise naming ``field``.

    ``depth`` is the nesting level a container given as ``value`` would have in the body (the
    body object itself is 1, an attribute's value 4). ``UNSET`` entries of mappings are
    dropped (the key is left out). Datetimes and dates become ISO 8601 strings, Decimals
    numbers, enums their values, UUIDs strings.

    Refused with :class:`~klaviyo_profiles.InvalidInputError`, in time bounded by the payload
    limit whatever the value: nesting past :data:`MAX_JSON_DEPTH`, a container that contains
    itself, lone surrogates in strings and keys, non-string keys, integers outside
    ``±MAX_SAFE_INTEGER``, NaN and the infinities, Decimals beyond a double's range, sets,
    bytes and other objects JSON cannot carry faithfully.
    """
    return _convert(value, field, depth, _Walk())


def _convert(value: Any, field: str, depth: int, walk: _Walk) -> Any:
    # One recursive pass that checks and converts. Recursion is safe: check_depth stops it at
    # MAX_JSON_DEPTH levels, far below Python's recursion limit.
    if type(value) is dict:
        # The usual container, taken before the chain of checks below (Mapping's is slow).
        return _convert_container(value, field, depth, walk)
    if isinstance(value, str):
        walk.add(len(value) + 3)
        check_text(value, field)
        return value
    if value is None or isinstance(value, bool):
        walk.add(5)
        return value
    if isinstance(value, enum.Enum):
        return _convert(value.value, field, depth, walk)
    if isinstance(value, int):
        walk.add(2)
        check_integer(value, field)
        return value
    if isinstance(value, float):
        walk.add(2)
        if not math.isfinite(value):
            raise InvalidInputError(field, "a finite number", f"got {value!r}")
        return value
    if isinstance(value, Decimal):
        walk.add(2)
        return decimal_to_number(value, field)
    if isinstance(value, (dt.datetime, dt.date)):
        walk.add(12)
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        walk.add(38)
        return str(value)
    if isinstance(value, (Mapping, list, tuple)):
        return _convert_container(value, field, depth, walk)
    raise InvalidInputError(field, _JSON_TYPES, f"got {type(value).__name__}")


def _convert_container(
    value: Mapping[Any, Any] | list[Any] | tuple[Any, ...], field: str, depth: int, walk: _Walk
) -> Any:
    check_depth(depth, field)
    if id(value) in walk.open:
        raise InvalidInputError(field, "a value that does not contain itself", "got a cycle")
    walk.open.add(id(value))
    walk.add(2)
    try:
        if isinstance(value, Mapping):
            return _convert_mapping(value, field, depth, walk)
        return [
            _convert(item, f"{field}[{index}]", depth + 1, walk) for index, item in enumerate(value)
        ]
    finally:
        walk.open.discard(id(value))


def _convert_mapping(
    value: Mapping[Any, Any], field: str, depth: int, walk: _Walk
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise InvalidInputError(
                f"{field}[{_shorten_repr(key)}]", "string keys", f"got {type(key).__name__}"
            )
        if type(item) is str and key.isascii() and item.isascii():
            # The common case, done inline: ASCII text passes check_text, and the field's
            # name is only needed for an error.
            walk.add(len(key) + len(item) + 6)  # "key":"item", (the value counts the comma)
            result[key] = item
            continue
        walk.add(len(key) + 3)  # "key":
        child = field_name(field, key)
        check_text(key, child)
        if isinstance(item, Unset):
            continue
        result[key] = _convert(item, child, depth + 1, walk)
    return result


def _shorten_repr(value: object, limit: int = 60) -> str:
    try:
        text = repr(value)
    except Exception:  # a key whose repr fails is still named by its type
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
    walk = _Walk()
    wire_attributes: dict[str, Any] = {}
    for argument, value in attributes.items():
        wire_name = ARGUMENT_TO_ATTRIBUTE.get(argument)
        if wire_name is None:
            if argument in facts.REQUEST_ATTRIBUTES:
                wire_name = argument  # the wire spelling (``_kx``) is accepted too
            else:
                valid = list(ARGUMENT_TO_ATTRIBUTE)
                raise UnknownFieldError(argument, valid, _suggest(argument, valid))
        if type(value) is str and value.isascii():
            # The common case, done inline as in _convert_mapping: ASCII text passes.
            walk.add(len(value) + 3)
            wire_attributes[wire_name] = value
            continue
        if isinstance(value, Unset):
            continue
        wire_attributes[wire_name] = _convert(value, argument, _ATTRIBUTE_DEPTH, walk)

    resource: dict[str, Any] = {"type": "profile"}
    if (
        isinstance(id, Unset)
        and isinstance(meta, Unset)
        and isinstance(patch_properties, Unset)
        and isinstance(patch_identifiers, Unset)
    ):
        # The usual call, attributes alone: about 5,000 instructions fewer than the general
        # way below (benchmarks/instructions.py), which builds the same document.
        resource["attributes"] = wire_attributes
        return {"data": resource}
    if not _is_unset(id):
        resource["id"] = _convert(id, "id", _RESOURCE_DEPTH + 1, walk)
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
        resource["meta"] = _convert(meta, "meta", _RESOURCE_DEPTH + 1, walk)
    elif given:
        resource["meta"] = {
            name: _convert(value, name, _RESOURCE_DEPTH + 2, walk) for name, value in given.items()
        }
    return {"data": resource}


def check_body(body: Mapping[str, Any]) -> None:
    """Refuse, before sending, a body the pinned revision cannot accept.

    Checks the JSON:API envelope, every attribute, location field and meta key against the
    names and JSON types of the spec fragment, and requires at least one attribute or an id.
    Raises :class:`~klaviyo_profiles.InvalidInputError` (or its subclass
    :class:`~klaviyo_profiles.UnknownFieldError`) naming the field.
    """
    _check(body, _body_schema(), "body")
    data = body.get("data") if isinstance(body, Mapping) else None
    attributes = data.get("attributes") if isinstance(data, Mapping) else None
    if isinstance(data, Mapping) and not data.get("id") and not attributes:
        raise InvalidInputError(
            "attributes", "at least one attribute (an identifier such as email) or an id"
        )


class _Node:
    """One schema node with what :func:`_check` asks of it worked out in advance."""

    __slots__ = (
        "accept",
        "enum",
        "items",
        "kinds",
        "options",
        "properties",
        "required",
        "schema",
        "takes_dict",
    )

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema  # kept for error messages (_schema_text)
        options = schema.get("anyOf") or schema.get("oneOf")
        self.options = [_Node(option) for option in options] if isinstance(options, list) else None
        self.kinds = tuple(_types_of(schema))
        # What _matches_any answers for a dict, known in advance.
        self.takes_dict = not self.kinds or "object" in self.kinds
        self.enum: Any = schema.get("enum", _NO_ENUM)
        properties = schema.get("properties")
        self.properties = (
            {key: _Node(value) for key, value in properties.items()}
            if isinstance(properties, Mapping) and properties
            else None
        )
        self.required = tuple(schema.get("required") or ())
        items = schema.get("items")
        self.items = _Node(items) if isinstance(items, Mapping) else None
        # Exact Python types that pass this node whatever their value (plain strings, numbers,
        # booleans, None for scalar types without an enum): the walk accepts them without a
        # call. Anything else, subclasses included, goes through _check.
        self.accept: frozenset[type] = frozenset()
        if self.options is not None:
            if all(option.options is None for option in self.options):
                self.accept = frozenset().union(*(option.accept for option in self.options))
        elif (
            self.kinds
            and self.enum is _NO_ENUM
            and self.properties is None
            and self.items is None
            and all(kind in _PASSING_TYPES for kind in self.kinds)
        ):
            self.accept = frozenset(t for kind in self.kinds for t in _PASSING_TYPES[kind])


_NO_ENUM: Any = object()
#: JSON scalar types and the exact Python types that _matches_type accepts for them.
_SCALAR_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "null": (type(None),),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
}
#: The same, and a plain dict for an object without named members (``properties``): _check
#: would look no further into it than its type.
_PASSING_TYPES: dict[str, tuple[type, ...]] = {**_SCALAR_TYPES, "object": (dict,)}
_compiled_schema: _Node | None = None


def _body_schema() -> _Node:
    # Read and prepared on first use, then kept: the schema is the generated package's, which
    # cannot change while the process runs.
    global _compiled_schema
    if _compiled_schema is None:
        _compiled_schema = _Node(facts.request_body_schema())
    return _compiled_schema


def _types_of(schema: Mapping[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [str(item) for item in kind]
    return []


def _matches_any(value: Any, kinds: tuple[str, ...]) -> bool:
    """Whether ``value`` is of one of the JSON types ``kinds`` (any value when none)."""
    if not kinds:
        return True
    for kind in kinds:  # noqa: SIM110 - a loop, not any(<generator>): this runs per value
        if _matches_type(value, kind):
            return True
    return False


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
        return type(value) is dict or isinstance(value, Mapping)
    if kind == "array":
        return isinstance(value, list)
    return True


def _schema_text(schema: Mapping[str, Any]) -> str:
    options = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(options, list):
        return " or ".join(dict.fromkeys(_schema_text(option) for option in options))
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


def _check(value: Any, node: _Node, field: str) -> None:
    """A deliberately small checker: names, JSON types, enums and nesting.

    A full JSON Schema validator would be one more runtime dependency for every user; the
    sandbox uses jsonschema for the exhaustive check. Here the point is a precise, early
    message (unknown names get a suggestion), before any network I/O.
    """
    if node.options is not None:
        for option in node.options:
            if option.options is None and not _matches_any(value, option.kinds):
                continue  # refused by its type alone: skip raising and catching an error
            try:
                _check(value, option, field)
            except InvalidInputError:
                continue
            return
        raise InvalidInputError(field, _schema_text(node.schema), f"got {_type_name(value)}")
    if type(value) is dict:  # the usual object: its type test without the calls below
        if not node.takes_dict:
            raise InvalidInputError(field, _schema_text(node.schema), f"got {_type_name(value)}")
    elif not _matches_any(value, node.kinds):
        raise InvalidInputError(field, _schema_text(node.schema), f"got {_type_name(value)}")
    if node.enum is not _NO_ENUM and value not in node.enum:
        raise InvalidInputError(field, _schema_text(node.schema), f"got {value!r}")
    if type(value) is dict or isinstance(value, Mapping):
        properties = node.properties
        if properties is not None:
            if not properties.keys() >= value.keys():  # one set test when every name is known
                for key in value:
                    if key not in properties:
                        valid = list(properties)
                        raise UnknownFieldError(
                            _child(field, key), valid, _suggest(str(key), valid)
                        )
            for key in node.required:
                if key not in value:
                    raise InvalidInputError(_child(field, key), "this key to be present")
            for key, item in value.items():
                child = properties[key]
                if type(item) not in child.accept:
                    _check(item, child, _child(field, key))
    if isinstance(value, list) and node.items is not None:
        for index, item in enumerate(value):
            _check(item, node.items, f"{field}[{index}]")


def _type_name(value: Any) -> str:
    if value is None:
        return "None"
    return type(value).__name__


def encode_body(body: Any) -> bytes:
    """``body`` as the bytes sent: compact JSON in UTF-8, as httpx's ``json=`` encodes it."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def encoded_size(body: Any) -> int:
    """Bytes of ``body`` as sent (compact separators, UTF-8)."""
    return len(encode_body(body))


@attrs.frozen
class PreparedRequest:
    """A checked request, ready for the generated endpoint module."""

    body: dict[str, Any]
    #: ``body`` encoded, once: the bytes checked against the payload limit are the bytes sent.
    content: bytes
    #: Keyword arguments for the endpoint's query parameters (only those given).
    query: dict[str, list[Any]]

    @property
    def model(self) -> ProfileUpsertQuery:
        """The body as the generated ``ProfileUpsertQuery`` (built on each access)."""
        return ProfileUpsertQuery.from_dict(self.body)


def _query_values(values: Any, valid: Sequence[str], field: str) -> list[str] | None:
    """The names given for a query parameter: a comma-separated string or a list of strings."""
    if values is None:
        return None
    if isinstance(values, str):
        check_text(values, field)
        values = [part.strip() for part in values.split(",") if part.strip()]
    elif not isinstance(values, (list, tuple, set, frozenset)):
        raise InvalidInputError(
            field, "a list of names or a comma-separated string", f"got {_type_name(values)}"
        )
    if values and not valid:
        raise InvalidInputError(field, f"nothing: revision {facts.REVISION} has no {field}")
    names: list[str] = []
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise InvalidInputError(
                f"{field}[{index}]", "a name (str): " + ", ".join(valid), f"got {_type_name(value)}"
            )
        check_text(value, f"{field}[{index}]")
        if value not in valid:
            raise UnknownFieldError(
                f"{field}: {_shorten_repr(value)}", list(valid), _suggest(value, valid)
            )
        names.append(value)
    return list(dict.fromkeys(names))


def _model_to_dict(body: ProfileUpsertQuery) -> Any:
    try:
        return body.to_dict()
    except (AttributeError, TypeError, ValueError) as exc:
        # A model built by hand with a wrong type in it (``ProfileUpsertQuery(data=5)``).
        raise InvalidInputError(
            "body", "a ProfileUpsertQuery built from the generated models", f"got {exc}"
        ) from None


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
    wire_filter: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> PreparedRequest:
    """Check everything that can be checked locally and encode the body, once.

    Either ``body`` (a JSON:API dict or the generated ``ProfileUpsertQuery``) or keyword
    arguments, not both. ``wire_filter``, if given, rewrites the body as JSON values before
    it is checked and encoded (``nulls.omit_nulls_in_body`` for ``nulls="omit"``).
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
        raw = _model_to_dict(body) if isinstance(body, ProfileUpsertQuery) else body
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
    if wire_filter is not None:
        wire = wire_filter(wire)
    check_body(wire)
    content = encode_body(wire)
    if len(content) > facts.PAYLOAD_LIMIT_BYTES:
        raise PayloadTooLargeError(len(content), facts.PAYLOAD_LIMIT_BYTES)
    query: dict[str, list[Any]] = {}
    if additional_fields is None and fields is None:
        return PreparedRequest(body=wire, content=content, query=query)
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
    return PreparedRequest(body=wire, content=content, query=query)
