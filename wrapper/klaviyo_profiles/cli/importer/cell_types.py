"""Typed custom properties: what a cell declared ``number``, ``boolean``... is sent as.

The spec types every profile attribute, so a cell for one is typed by it (see
:func:`..fields.coerce_text`); a custom property has no type in the spec, so its cell is sent
as text unless the mapping declares one (``Total Spent=properties.total_spent:number``). A
declared type is a promise about every cell of the column: a cell that does not read as that
type rejects its row, naming the column, and is never sent as a string instead. Nor is a cell
sent as a value other than the one it writes: what the type cannot hold exactly rejects the
row too (declare the column ``text`` to keep it as written).

Accepted spellings (surrounding spaces ignored):

==========  ==============================================================================
text        any cell, as it is (the default)
number      ``17.50``, ``-3``, ``+4``, ``.5``, ``1e3``: digits with an optional sign, one
            decimal point and an exponent; no thousands separators, no decimal comma, no
            currency sign. Without a point or exponent it is sent as an integer, which must
            lie within +-(2**53 - 1) as everywhere in the client; otherwise as the double
            that reads back as the same decimal value (``17.5``), and a value no double
            holds so (more significant digits than a double keeps, ``1e-400``, ``1e999``)
            is refused
integer     digits with an optional sign (``42``, ``-3``), within +-(2**53 - 1)
boolean     ``true``/``false``, ``yes``/``no``, ``1``/``0``, in any case
date        a whole ISO 8601 date (``2024-05-17``, ``20240517``, ``2024-W20-5``,
            ``2024-138``), sent as ``"2024-05-17"``; a date without its day (``2024-05``)
            or with a time zone offset is refused rather than completed or cut
datetime    an ISO 8601 date, ``T`` or a space, and a time of at least hours and minutes
            (``2024-05-17T09:30:00Z``, ``2024-05-17 09:30+02:00``), sent in extended form
            (``"2024-05-17T09:30:00+00:00"``); without an offset it is sent without one;
            digits of a second past the microsecond that are not zeros are refused
==========  ==============================================================================

A JSON Lines value that is already of the declared JSON type (a number, a boolean) passes as
it is; a string is read as a cell; anything else rejects the row.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from dateutil.parser import isoparse

from ...body import MAX_SAFE_INTEGER, check_integer
from ...errors import InvalidInputError

__all__ = ["VALUE_TYPES", "ValueType", "check_value_type", "split_type", "typed_value"]

ValueType = Literal["text", "number", "integer", "boolean", "date", "datetime"]
VALUE_TYPES: tuple[ValueType, ...] = ("text", "number", "integer", "boolean", "date", "datetime")

_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: Digits of the largest safe integer: a longer run (leading zeros aside) is out of range,
#: known before ``int()``, which refuses more than 4,300 digits with a ``ValueError``.
_SAFE_DIGITS = len(str(MAX_SAFE_INTEGER))
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})

# ISO 8601, whole dates only: calendar (extended or basic), week with its day, ordinal.
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{8}|[0-9]{4}-?W[0-9]{2}-?[1-7]|[0-9]{4}-?[0-9]{3}"
# Hours and minutes at least (extended or basic), then seconds and their fraction.
_TIME = r"[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?|[0-9]{4}(?:[0-9]{2}(?:[.,][0-9]+)?)?"
_OFFSET = r"[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?"
_WHOLE_DATE = re.compile(_DATE)
_DATETIME = re.compile(rf"(?:{_DATE})[Tt ](?:{_TIME})(?:{_OFFSET})?")
# A date cut short (a year, a month, a week without its day), a date with an offset, and a
# date followed by something that may be a time: each refused with its own reason.
_PARTIAL_DATE = re.compile(r"[0-9]{4}(?:-[0-9]{2}|-?W[0-9]{2})?")
_DATE_WITH_OFFSET = re.compile(rf"(?:{_DATE})(?:{_OFFSET})")
_DATE_AND_MORE = re.compile(rf"(?:{_DATE})[Tt ]")
_FRACTION = re.compile(r"[.,]([0-9]+)")

#: A refused cell is shown up to this many characters (a cell may be 400,000 long).
_SHOWN_CHARACTERS = 60

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
    ``InvalidInputError`` naming ``field`` when it is not one, or when ``kind`` cannot hold
    it exactly."""
    if isinstance(value, str):
        return _from_text(kind, value.strip() if kind != "text" else value, field)
    if kind in ("number", "integer") and type(value) in (int, float):
        if isinstance(value, int) or (kind == "number" and math.isfinite(value)):
            return value
    elif kind == "boolean" and isinstance(value, bool):
        return value
    raise InvalidInputError(field, _EXPECTED[kind], f"got {type(value).__name__} {value!r}")


def _shown(text: str) -> str:
    if len(text) <= _SHOWN_CHARACTERS:
        return repr(text)
    return f"{text[:_SHOWN_CHARACTERS]!r}... ({len(text):,} characters)"


def _from_text(kind: ValueType, text: str, field: str) -> Any:
    if kind == "text":
        return text
    if kind == "boolean":
        lowered = text.lower()
        if lowered in _TRUE or lowered in _FALSE:
            return lowered in _TRUE
    elif kind in ("number", "integer") and _INTEGER.fullmatch(text):
        digits = text.lstrip("+-").lstrip("0") or "0"
        if len(digits) > _SAFE_DIGITS:
            raise InvalidInputError(
                field,
                f"an integer between -(2**53 - 1) and 2**53 - 1 ({MAX_SAFE_INTEGER})",
                f"got {_shown(text)}; declare the column text to send it as written",
            )
        number = -int(digits) if text.startswith("-") else int(digits)
        check_integer(number, field)
        return number
    elif kind == "number" and _NUMBER.fullmatch(text):
        return _double(text, field)
    elif kind == "date":
        return _date(text, field)
    elif kind == "datetime":
        return _datetime(text, field)
    raise InvalidInputError(field, _EXPECTED[kind], f"got {_shown(text)}")


def _double(text: str, field: str) -> float:
    """The double that reads back as the same decimal value as ``text``, or a refusal:
    rounding (more significant digits than a double keeps), underflow (``1e-400`` would be
    ``0.0``) and overflow would each send another number than the cell's."""
    double = float(text)
    if not math.isfinite(double):
        raise InvalidInputError(field, "a number within a double's range", f"got {_shown(text)}")
    # repr is the shortest text that reads back as this double: equal in value to the cell
    # exactly when the double holds the cell's number (17.50 -> 17.5; 0.1 -> 0.1).
    if Decimal(repr(double)) != Decimal(text):
        raise InvalidInputError(
            field,
            "a number a double holds exactly (about 15 significant digits, magnitudes from "
            "about 1e-308 to 1e308)",
            f"got {_shown(text)}, which would be sent as {double!r}; declare the column text "
            "to send it as written",
        )
    return double


def _date(text: str, field: str) -> str:
    if _WHOLE_DATE.fullmatch(text):
        moment = _parsed(text)
        if moment is not None:
            return moment.date().isoformat()
        hint = ""
    elif _PARTIAL_DATE.fullmatch(text):
        hint = "; a date without its day is refused rather than given one"
    elif _DATE_WITH_OFFSET.fullmatch(text):
        hint = "; a date takes no time zone offset (declare the column datetime for a time)"
    elif _DATE_AND_MORE.match(text):
        hint = "; declare the column datetime"
    else:
        hint = ""
    raise InvalidInputError(field, _EXPECTED["date"], f"got {_shown(text)}{hint}")


def _datetime(text: str, field: str) -> str:
    hint = ""
    if _DATETIME.fullmatch(text):
        fraction = _FRACTION.search(text)
        if fraction is not None and fraction.group(1)[6:].strip("0"):
            hint = "; a time is sent to the microsecond, and finer digits are refused, not cut"
        else:
            if fraction is not None and len(fraction.group(1)) > 6:
                # Only zeros past the microsecond, which dateutil reads no further than.
                text = text[: fraction.start(1) + 6] + text[fraction.end(1) :]
            moment = _parsed(text)
            if moment is not None:
                return moment.isoformat()
    elif _WHOLE_DATE.fullmatch(text):
        hint = "; declare the column date"
    elif _PARTIAL_DATE.fullmatch(text) or _DATE_AND_MORE.match(text):
        hint = "; a date and a time of at least hours and minutes"
    raise InvalidInputError(field, _EXPECTED["datetime"], f"got {_shown(text)}{hint}")


def _parsed(text: str) -> datetime | None:
    """``text`` read by dateutil (a ``datetime``), or ``None`` for a day or time that does
    not exist (``2024-13-01``, ``25:00``)."""
    try:
        return isoparse(text)
    except (ValueError, OverflowError):
        return None
