"""Which requests name the same profile: the one identity rule of the library and the CLI.

A profile is matched by its id and by any of its identifier attributes, so two requests that
share one of those may reach the same stored profile, and their order then matters. Both the
hybrid ``create_or_update_profiles`` (which rows must go one by one, in input order) and the
``import`` command (which rows share a lane) ask this module, so they can never disagree.

**The rule.** The identity of a profile resource object is a set of keys ``"name:value"``,
one for each of:

* an identifier attribute of the pinned revision (:data:`IDENTIFIER_ATTRIBUTES`: ``email``,
  ``phone_number``, ``external_id``, ``_kx``, and ``anonymous_id`` where the revision has it);
* its ``id``;
* every identifier ``meta.patch_identifiers`` adds or removes, under any operation, one value
  or a list;

counting a value only when it is a string that is not blank. Values are compared loosely
(:func:`normalise_identifier`): surrounding space never counts, emails are compared without
case, phone numbers by their digits. Looser than any matching Klaviyo does, never stricter: a
false match (two spellings taken for one profile) only costs parallelism, while a missed one
could reorder one profile's rows and leave an older value last.

Example::

    identity_of({"attributes": {"email": " Ada@Example.COM ", "phone_number": "+44 7700 900123"}})
    # frozenset({"email:ada@example.com", "phone_number:+447700900123"})
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeGuard

from klaviyo_profile_import import facts

__all__ = [
    "IDENTIFIER_ATTRIBUTES",
    "IDENTIFIER_NAMES",
    "identity_of",
    "identity_of_body",
    "identity_of_values",
    "normalise_identifier",
]

#: Identifier attributes (wire names) of the pinned revision: a profile is matched by any of
#: them. ``anonymous_id`` only where the revision has it (it left in 2025-10-15).
IDENTIFIER_ATTRIBUTES: tuple[str, ...] = tuple(
    name
    for name in ("email", "phone_number", "external_id", "anonymous_id", "_kx")
    if name in facts.REQUEST_ATTRIBUTES
)
_NOT_ASCII_DIGITS = re.compile(r"[^0-9]+")

#: Everything a profile can be named by: its id and its identifier attributes.
IDENTIFIER_NAMES: tuple[str, ...] = ("id", *IDENTIFIER_ATTRIBUTES)


def normalise_identifier(name: str, value: str) -> str:
    """One identifier as an identity key (``"email:ada@example.com"``).

    Surrounding space is dropped everywhere; an email is compared without case; a phone
    number by its digits, written ``+digits`` (``"+44 (7700) 900-123"`` and ``"447700900123"``
    give one key); a phone number with no digit at all by its text, so that such values do
    not all share one key.

    Example::

        normalise_identifier("email", " Ada@Example.COM ")   # "email:ada@example.com"
    """
    text = value.strip()
    if name == "email":
        text = text.casefold()
    elif name == "phone_number":
        # The same digits either way (an ASCII character is a digit only if it is 0-9); the
        # expression is the fast path, for the many rows a re-sync reads.
        digits = (
            _NOT_ASCII_DIGITS.sub("", text)
            if text.isascii()
            else "".join(char for char in text if char.isdigit())
        )
        if digits:
            text = "+" + digits
    return f"{name}:{text}"


def _counts(value: object) -> TypeGuard[str]:
    """Whether ``value`` names a profile: a string that is not blank."""
    return isinstance(value, str) and value != "" and not value.isspace()


def identity_of_values(values: Iterable[tuple[str, object]]) -> frozenset[str]:
    """The identity keys of identifier values given by name: what :func:`identity_of` finds in
    a resource object's ``id`` and ``attributes``, without the object (``import
    --changed-only`` reads them from a row's identifier cells). A value counts when it is a
    string that is not blank.

    Example::

        identity_of_values([("email", "Ada@Example.com"), ("phone_number", "")])
        # frozenset({"email:ada@example.com"})
    """
    return frozenset(normalise_identifier(name, value) for name, value in values if _counts(value))


def identity_of(resource: Mapping[str, Any]) -> frozenset[str]:
    """The identity keys of a profile resource object (``{"type": "profile", "id": ...,
    "attributes": {...}, "meta": {...}}``), by the rule of this module; empty when it names no
    identifier.

    Example::

        identity_of({"id": "01J", "attributes": {"external_id": " crm-7 "}})
        # frozenset({"id:01J", "external_id:crm-7"})
    """
    named: list[tuple[str, object]] = [("id", resource.get("id"))]
    attributes = resource.get("attributes")
    if isinstance(attributes, Mapping):
        named.extend((name, attributes.get(name)) for name in IDENTIFIER_ATTRIBUTES)
    keys = set(identity_of_values(named))
    meta = resource.get("meta")
    patches = meta.get("patch_identifiers") if isinstance(meta, Mapping) else None
    if isinstance(patches, Mapping):
        # Identifiers a request adds or removes name the profile as well.
        for operation in patches.values():
            if not isinstance(operation, Mapping):
                continue
            for name, values in operation.items():
                if not isinstance(name, str):
                    continue
                for value in values if isinstance(values, list) else [values]:
                    if _counts(value):
                        keys.add(normalise_identifier(name, value))
    return frozenset(keys)


def identity_of_body(body: Mapping[str, Any]) -> frozenset[str]:
    """The identity keys of a Create or Update Profile body (``{"data": resource}``); empty
    when ``data`` is not an object.

    Example::

        identity_of_body({"data": {"type": "profile", "attributes": {"email": "a@b.co"}}})
    """
    data = body.get("data")
    return identity_of(data) if isinstance(data, Mapping) else frozenset()
