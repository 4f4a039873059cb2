"""Strict decoding of request bodies: every body either decodes to plain JSON values the store
can keep, read back and render, or is refused with a 400 pointing at the first problem.

Python's ``json`` module is lenient where a server must not be: it accepts ``NaN`` and
``Infinity``, numbers that overflow to infinity, integers of any length, escaped lone
surrogates (which cannot be encoded as UTF-8 later), duplicate keys (the last silently wins),
and it recurses once per nesting level, so a deep enough body raises ``RecursionError``. This
module closes each of those before the body reaches validation or the store.

The nesting limit is :data:`klaviyo_profiles.body.MAX_JSON_DEPTH` and the integer range
:data:`klaviyo_profiles.body.MAX_SAFE_INTEGER`, the ones the client enforces, so a body the client
sends is never refused here for either and the other way round. The depth is measured on the raw
text without recursion (a JSON tokenizer written here because no library reports the depth and path
of a document without first building it, which is what recursion breaks on).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..body import MAX_JSON_DEPTH, MAX_SAFE_INTEGER
from .error_responses import ErrorResponse, json_pointer

__all__ = ["MAX_JSON_DEPTH", "MAX_SAFE_INTEGER", "decode_body"]

# An integer literal with more digits than the largest safe integer is out of range; it is
# refused from its length, never converted (a long one would cost quadratic time).
_MAX_SAFE_DIGITS = len(str(MAX_SAFE_INTEGER))

# A string literal (escapes included) or one structural character; whitespace, numbers and
# literals fall between the matches and need no tracking to measure nesting.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},:]', re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Refused(ValueError):
    """A value the decoder will not produce; ``json`` reports where it was in the text."""


class _DuplicateKeys(dict[str, Any]):
    """An object that had a key twice; the walk reports it with the object's pointer."""

    duplicate: str = ""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        marked = _DuplicateKeys(result)
        for key, _ in pairs:
            if key in seen:
                marked.duplicate = key
                break
            seen.add(key)
        return marked
    return result


def _parse_int(text: str) -> int:
    digits = len(text) - (text[0] == "-")
    value = int(text) if digits <= _MAX_SAFE_DIGITS else None
    if value is None or not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        shown = text if len(text) <= 40 else f"{text[:20]}...({digits} digits)"
        raise _Refused(
            f"the integer {shown}, beyond +/-(2**53 - 1), the range every JSON reader keeps "
            "exactly; send larger ones as strings"
        )
    return value


def _parse_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Refused(f"the number {text[:40]} (beyond a double's range)")
    return value


def _parse_constant(name: str) -> Any:
    raise _Refused(f"{name} (not a JSON number)")


def _too_deep(pointer: str) -> ErrorResponse:
    return ErrorResponse.single(
        400,
        "invalid",
        f"The body is nested deeper than {MAX_JSON_DEPTH} levels "
        "(the body object itself counts as 1).",
        pointer=pointer,
    )


def _check_depth(text: str) -> None:
    """Refuse text nested deeper than the limit, pointing at the first container too deep.

    One pass over the tokens with an explicit stack: the current key or index of each open
    container, from which the pointer is built.
    """
    path: list[str | int] = []  # one entry per open container: its current key or index
    kinds: list[str] = []  # "{" or "[" for each open container
    expect_key = False
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "{[":
            if len(kinds) >= MAX_JSON_DEPTH:
                raise _too_deep(json_pointer(path))
            kinds.append(token)
            path.append("" if token == "{" else 0)
            expect_key = token == "{"
        elif token in "}]":
            if not kinds:
                return  # malformed; json reports it with a position
            kinds.pop()
            path.pop()
            expect_key = False
        elif token == ",":
            if kinds and kinds[-1] == "[":
                path[-1] = int(path[-1]) + 1
            expect_key = bool(kinds) and kinds[-1] == "{"
        elif token == ":":
            expect_key = False
        elif expect_key and kinds:
            try:
                path[-1] = json.loads(token)
            except ValueError:
                return
            expect_key = False


def _check_values(document: Any) -> None:
    """Walk the decoded document without recursion: duplicate keys and lone surrogates."""
    stack: list[tuple[Any, list[str | int]]] = [(document, [])]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise ErrorResponse.single(
                    400,
                    "invalid",
                    "The string holds a lone surrogate (an escape \\ud800-\\udfff that is not "
                    "half of a pair); it is not Unicode text.",
                    pointer=json_pointer(path),
                )
        elif isinstance(value, dict):
            if isinstance(value, _DuplicateKeys):
                raise ErrorResponse.single(
                    400,
                    "invalid",
                    f"The member {value.duplicate!r} appears more than once in this object.",
                    pointer=json_pointer([*path, value.duplicate]),
                )
            for key, item in value.items():
                if _SURROGATE.search(key):
                    raise ErrorResponse.single(
                        400,
                        "invalid",
                        "A member name holds a lone surrogate; it is not Unicode text.",
                        pointer=json_pointer([*path, key]),
                    )
                stack.append((item, [*path, key]))
        elif isinstance(value, list):
            stack.extend((item, [*path, index]) for index, item in enumerate(value))


def decode_body(body: bytes) -> Any:
    """The body as plain JSON values, or an :class:`ErrorResponse` 400 naming the first problem.

    Refused: text that is not UTF-8, malformed JSON, nesting deeper than
    :data:`MAX_JSON_DEPTH`, ``NaN``/``Infinity``, numbers beyond a double's range, integers
    beyond ``±MAX_SAFE_INTEGER``, lone surrogates, duplicate member names.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ErrorResponse.single(
            400, "parse_error", f"The body is not UTF-8 text (invalid byte at offset {exc.start})."
        ) from None
    _check_depth(text)
    try:
        document = json.loads(
            text,
            object_pairs_hook=_object,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except _Refused as exc:
        raise ErrorResponse.single(400, "parse_error", f"The body holds {exc}.") from None
    except json.JSONDecodeError as exc:
        raise ErrorResponse.single(
            400,
            "parse_error",
            f"The body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).",
        ) from None
    except RecursionError:  # unreachable after the depth check; kept so no body can ever 500
        raise _too_deep("") from None
    _check_values(document)
    return document
