"""Typed custom properties: what a cell declared ``number``, ``boolean``... is sent as.

The spec types every profile attribute, so a cell for one is typed by it (see
:func:`..fields.coerce_text`); a custom property has no type in the spec, so its cell is sent
as text unless the mapping declares one (``Total Spent=properties.total_spent:number``). A
declared type is a promise about every cell of the column: a cell that does not read as that
type rejects its row, naming the column, and is never sent as a string instead.

Accepted spellings (surrounding spaces ignored):

==========  ==============================================================================
text        any cell, as it is (the default)
number      ``17.50``, ``-3``, ``+4``, ``.5``, ``1e3``: digits with an optional sign, one
            decimal point and an exponent; no thousands separators, no decimal comma, no
            currency sign. Without a point or exponent it is sent as an integer, which must
            lie within +-(2**53 - 1) as everywhere in the client; otherwise as a double
            (finite)
integer     digits with an optional sign (``42``, ``-3``), within +-(2**53 - 1)
boolean     ``true``/``false``, ``yes``/``no``, ``1``/``0``, in any case
date        an ISO 8601 date (``2024-05-17``), sent as ``"2024-05-17"``
datetime    an ISO 8601 date and time (``2024-05-17T09:30:00Z``, ``2024-05-17 09:30+02:00``),
            sent in extended form (``"2024-05-17T09:30:00+00:00"``); without an offset it is
            sent without one
==========  ==============================================================================

A JSON Lines value that is already of the declared JSON type (a number, a boolean) passes as
it is; a string is read as a cell; anything else rejects the row.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

from dateutil.parser import isoparse

from ...body import check_integer
from ...errors import InvalidInputError

__all__ = ["VALUE_TYPES", "ValueType", "check_value_type", "split_type", "typed_value"]

ValueType = Literal["text", "number", "integer", "boolean", "date", "datetime"]
VALUE_TYPES: tuple[ValueType, ...] = ("text", "number", "integer", "boolean", "date", "datetime")

_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})
# A time after the date: "T" or a space, then a digit (an ISO 8601 date alone has neither).
_HAS_TIME = re.compile(r"[Tt ]\s*[0-9]")

_EXPECTED: dict[ValueType, str] = {
    "text": "text",
    "number": "a number such as 17.50, -3 or 1e3 (no thousands separators)",
    "integer": "a whole number such as 42 or -3",
    "boolean": "a boolean: true/false, yes/no or 1/0",
    "date": "an ISO 8601 date such as 2024-05-17",
    "datetime": "an ISO 8601 date and time such as 2024-05-17T09:30:00Z",
}


def check_value_type(name: str, where: str) -> ValueType:
    """``name`` as a :data:`ValueType`; raises ``ValueError`` saying ``where`` it was given."""
    lowered = name.strip().lower()
    if lowered not in VALUE_TYPES:
        raise ValueError(f"{where}: unknown type {name!r}; the types are {', '.join(VALUE_TYPES)}")
    return lowered


def split_type(text: str, where: str) -> tuple[str, ValueType | None]:
    """``FIELD`` or ``FIELD:TYPE`` apart; raises ``ValueError`` saying ``where`` for a type
    that is not one.

    A suffix of letters after the last colon is a type, so that a misspelt type is refused
    rather than taken into the property's name; a property whose name ends that way states
    its type (``properties.utm:source:text``).
    """
    name, colon, suffix = text.rpartition(":")
    if colon and _TYPE_LIKE.fullmatch(suffix.strip()):
        return name, check_value_type(suffix, where)
    return text, None


_TYPE_LIKE = re.compile(r"[A-Za-z]+")


def typed_value(kind: ValueType, value: Any, field: str) -> Any:
    """``value`` (a cell, or a JSON value) as a ``kind`` is sent; raises
    ``InvalidInputError`` naming ``field`` when it is not one."""
    if isinstance(value, str):
        return _from_text(kind, value.strip() if kind != "text" else value, field)
    if kind in ("number", "integer") and type(value) in (int, float):
        if isinstance(value, int) or (kind == "number" and math.isfinite(value)):
            return value
    elif kind == "boolean" and isinstance(value, bool):
        return value
    raise InvalidInputError(field, _EXPECTED[kind], f"got {type(value).__name__} {value!r}")


def _from_text(kind: ValueType, text: str, field: str) -> Any:
    if kind == "text":
        return text
    if kind == "boolean":
        lowered = text.lower()
        if lowered in _TRUE or lowered in _FALSE:
            return lowered in _TRUE
    elif kind in ("number", "integer") and _INTEGER.fullmatch(text):
        number = int(text)
        check_integer(number, field)
        return number
    elif kind == "number" and _NUMBER.fullmatch(text):
        double = float(text)
        if math.isfinite(double):
            return double
        raise InvalidInputError(field, "a number within a double's range", f"got {text!r}")
    elif kind in ("date", "datetime"):
        return _moment(kind, text, field)
    raise InvalidInputError(field, _EXPECTED[kind], f"got {text!r}")


def _moment(kind: ValueType, text: str, field: str) -> str:
    has_time = _HAS_TIME.search(text) is not None
    try:
        moment = isoparse(text) if text[:1].isdigit() else None
    except (ValueError, OverflowError):
        moment = None
    if moment is None or has_time != (kind == "datetime"):
        hint = ""
        if moment is not None:
            hint = "; declare the column datetime" if has_time else "; declare the column date"
        raise InvalidInputError(field, _EXPECTED[kind], f"got {text!r}{hint}")
    return moment.date().isoformat() if kind == "date" else moment.isoformat()
