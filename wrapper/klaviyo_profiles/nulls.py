"""What a null means: ``clear`` the stored value (the API's rule), or ``omit`` it as unknown.

Create or Update Profile clears a field sent as ``null`` and keeps a field left out. Many
sources (SQL exports, JSON feeds) write ``null`` for "not known" rather than "erase": sent as
they are, such rows would wipe values Klaviyo holds, and every row with a null would have to
go through the single call (a bulk import job ignores nulls). The ``omit`` policy reads such a
null as "not given": :func:`omit_nulls` drops it, at every depth, before anything else sees
the value. It is pure (the input is never changed) and shared by every caller that offers a
``nulls=`` choice, so they all read a null the same way.

Only a null given for a field (a member of an object) is read that way. A null inside a list
is one of the list's values: it clears nothing, is kept under both policies, and does not
send its row one by one (a job stores the list as sent, as the single call does).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from .body import MAX_JSON_DEPTH
from .errors import InvalidInputError

__all__ = ["NULL_POLICIES", "NullPolicy", "check_null_policy", "omit_nulls", "omit_nulls_in_body"]

#: ``clear``: a null is sent and clears the field. ``omit``: a null is left out, so the
#: stored value stays as it is.
NullPolicy = Literal["clear", "omit"]
NULL_POLICIES: tuple[NullPolicy, ...] = ("clear", "omit")

# Objects deeper than the body checks accept are returned untouched: those checks refuse them
# anyway, naming the field, and stopping here keeps this function free of recursion limits
# and of loops on an object that contains itself. A value can sit a few levels above where
# it lands in the body (a flat record's ``properties`` is at level 1, the body's at level 4).
_DEPTH_LIMIT = MAX_JSON_DEPTH + 8


def check_null_policy(value: object, field: str = "nulls") -> NullPolicy:
    """``value`` checked as a :data:`NullPolicy`; raises ``InvalidInputError`` naming ``field``."""
    if value == "clear":
        return "clear"
    if value == "omit":
        return "omit"
    raise InvalidInputError(field, "'clear' or 'omit'", f"got {value!r}")


def omit_nulls(value: Any) -> Any:
    """``value`` with every ``None`` member of a mapping left out, at every depth.

    A mapping that loses all its members that way is left out too (``{"location": {"city":
    None}}`` becomes ``{}``): it would otherwise be sent as an empty object, which asks for
    nothing. A mapping that was empty to begin with stays, as the caller wrote it. Items of a
    list are values, not fields, and stay as they are (a ``None`` item included). Anything
    else is returned as it is; mappings come back as new ``dict`` objects and the input is
    never changed.

    Example::

        omit_nulls({"email": "ada@example.com", "last_name": None,
                    "location": {"city": None, "country": "UK"}})
        # {"email": "ada@example.com", "location": {"country": "UK"}}
    """
    if not isinstance(value, Mapping):
        return value  # a bare None too: there is no member to leave out
    kept, _ = _omit(value, 1)
    return kept


def omit_nulls_in_body(body: Mapping[str, Any]) -> dict[str, Any]:
    """A Create or Update Profile body (``{"data": resource}``, as JSON values) with every
    null of its resource read as "not given" (:func:`omit_nulls`): ``id``, ``meta`` and every
    attribute at every depth. ``attributes`` stays, empty if every member was null (the
    resource requires it). Nothing else of the body changes; the input is never changed.

    Example::

        omit_nulls_in_body({"data": {"type": "profile", "id": None,
                                     "attributes": {"email": "a@example.com", "title": None}}})
        # {"data": {"type": "profile", "attributes": {"email": "a@example.com"}}}
    """
    data = body.get("data")
    if not isinstance(data, Mapping):
        return dict(body)
    resource: dict[str, Any] = omit_nulls(data)
    if "attributes" in data and "attributes" not in resource:
        resource["attributes"] = {}
    return {**body, "data": resource}


def _omit(value: Mapping[Any, Any], depth: int) -> tuple[Any, bool]:
    """The mapping without its null members, and whether anything was left out of it."""
    if depth > _DEPTH_LIMIT:
        return value, False
    kept: dict[Any, Any] = {}
    dropped = False
    for key, member in value.items():
        if member is None:
            dropped = True
            continue
        if isinstance(member, Mapping):
            inner, inner_dropped = _omit(member, depth + 1)
            if inner_dropped and not inner:
                dropped = True
                continue
            member = inner
        kept[key] = member
    return kept, dropped
