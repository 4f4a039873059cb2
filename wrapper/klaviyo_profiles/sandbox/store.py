"""The sandbox's profiles and the create-or-update rules applied to them.

One lock guards the profiles and the identifier index together, and an upsert computes the new
state, checks it for conflicts and commits it while holding that lock: concurrent requests can
never lose an update or create two profiles for one identifier.
"""

from __future__ import annotations

import copy
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Generic, TypeVar

from klaviyo_profile_import import facts

from .error_responses import ErrorResponse
from .validation import IDENTIFIER_ATTRIBUTES, identifier_values

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Attributes a profile holds beyond the request ones; Klaviyo fills them, callers cannot.
_SERVER_ATTRIBUTES = ("last_event_date",)


def new_profile_id() -> str:
    """A 26-character ULID (48-bit millisecond time, 80 random bits), the form of Klaviyo's ids."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


@dataclass
class StoredProfile:
    """A profile as the sandbox keeps it (a copy; changing it changes nothing stored)."""

    id: str
    #: Every request attribute (``None`` when unset), ``location`` and ``properties`` as dicts.
    attributes: dict[str, Any]
    created: datetime
    updated: datetime
    #: Extra email addresses added with ``meta.patch_identifiers``; they match like the email.
    secondary_emails: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view for the admin surface, identifiers such as ``_kx`` included."""
        return {
            "id": self.id,
            "attributes": copy.deepcopy(self.attributes),
            "secondary_emails": list(self.secondary_emails),
            "created": self.created.isoformat(),
            "updated": self.updated.isoformat(),
        }


_Answer = TypeVar("_Answer")


@dataclass(frozen=True)
class UpsertResult(Generic[_Answer]):
    """What an upsert did: the stored profile afterwards, whether it was new, and the answer
    prepared for it (``None`` when the upsert was not asked to prepare one)."""

    profile: StoredProfile
    created: bool
    answer: _Answer | None = None


def _index_keys(profile: StoredProfile) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    for name in IDENTIFIER_ATTRIBUTES:
        value = profile.attributes.get(name)
        if isinstance(value, str):
            keys.add(_key(name, value))
    for email in profile.secondary_emails:
        keys.add(_key("email", email))
    return keys


def _key(name: str, value: str) -> tuple[str, str]:
    # Email addresses match without regard to case; the other identifiers match exactly.
    return (name, value.lower() if name == "email" else value)


class ProfileStore:
    """Thread-safe profiles with Klaviyo's upsert semantics."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._profiles: dict[str, StoredProfile] = {}
        self._index: dict[tuple[str, str], str] = {}

    def clear(self) -> None:
        """Forget every profile."""
        with self._lock:
            self._profiles.clear()
            self._index.clear()

    def get(self, profile_id: str) -> StoredProfile | None:
        """A copy of one profile, or ``None``."""
        with self._lock:
            profile = self._profiles.get(profile_id)
            return copy.deepcopy(profile) if profile is not None else None

    def all(self) -> list[StoredProfile]:
        """Copies of every profile, oldest first."""
        with self._lock:
            return [copy.deepcopy(p) for p in self._profiles.values()]

    def __len__(self) -> int:
        with self._lock:
            return len(self._profiles)

    def upsert(
        self,
        data: Mapping[str, Any],
        answer: Callable[[StoredProfile, bool], _Answer] | None = None,
    ) -> UpsertResult[_Answer]:
        """Create or update the profile ``data`` (a validated ``data`` member) identifies.

        ``answer(profile, created)``, when given, prepares the response from the new state
        before anything is committed: if it raises, the store is left as it was, so no failure
        can leave a profile changed behind an error answer.

        Raises ``ErrorResponse`` 404 for an unknown ``id`` and 409 ``duplicate_profile`` when the
        identifiers belong to another profile than the one being written.
        """
        attributes: Mapping[str, Any] = data.get("attributes") or {}
        meta: Mapping[str, Any] = data.get("meta") or {}
        with self._lock:
            target = self._find_target(data.get("id"), attributes)
            created = target is None
            now = _now()
            if target is None:
                before = StoredProfile(
                    id=new_profile_id(), attributes=_blank_attributes(), created=now, updated=now
                )
            else:
                before = target
            after = copy.deepcopy(before)
            _apply_attributes(after.attributes, attributes)
            sent_email = attributes.get("email")
            if isinstance(sent_email, str) and sent_email.lower() in {
                email.lower() for email in before.secondary_emails
            }:
                # A secondary address identifies the profile; it does not replace the primary.
                after.attributes["email"] = before.attributes.get("email")
            _apply_patch_properties(after.attributes, meta.get("patch_properties"))
            _apply_patch_identifiers(after, meta.get("patch_identifiers"))
            self._check_conflicts(after)
            if (
                created
                or after.attributes != before.attributes
                or (after.secondary_emails != before.secondary_emails)
            ):
                after.updated = now
            result = copy.deepcopy(after)
            prepared = answer(result, created) if answer is not None else None
            for key in _index_keys(before) if not created else ():
                self._index.pop(key, None)
            for key in _index_keys(after):
                self._index[key] = after.id
            self._profiles[after.id] = after
            return UpsertResult(result, created, prepared)

    def _find_target(
        self, profile_id: str | None, attributes: Mapping[str, Any]
    ) -> StoredProfile | None:
        if profile_id is not None:
            profile = self._profiles.get(profile_id)
            if profile is None:
                raise ErrorResponse.single(
                    404,
                    "not_found",
                    f"No profile with id {profile_id!r} exists.",
                    pointer="/data/id",
                )
            return profile
        for name in IDENTIFIER_ATTRIBUTES:
            value = attributes.get(name)
            if isinstance(value, str):
                owner = self._index.get(_key(name, value))
                if owner is not None:
                    return self._profiles[owner]
        return None

    def _check_conflicts(self, profile: StoredProfile) -> None:
        for name, value in sorted(_index_keys(profile)):
            owner = self._index.get((name, value))
            if owner is not None and owner != profile.id:
                raise ErrorResponse.single(
                    409,
                    "duplicate_profile",
                    f"Another profile already has this {name}.",
                    pointer=f"/data/attributes/{name}",
                    meta={"duplicate_profile_id": owner},
                )


def _blank_attributes() -> dict[str, Any]:
    attributes: dict[str, Any] = {name: None for name in facts.REQUEST_ATTRIBUTES}
    attributes.update({name: None for name in _SERVER_ATTRIBUTES})
    attributes["location"] = {}
    attributes["properties"] = {}
    return attributes


def _apply_attributes(stored: dict[str, Any], sent: Mapping[str, Any]) -> None:
    for name, value in sent.items():
        if name == "location":
            # Field by field: a field sent as null is emptied, a field left out stays.
            stored["location"] = {} if value is None else {**stored["location"], **value}
        elif name == "properties":
            stored["properties"] = {} if value is None else {**stored["properties"], **value}
        else:
            stored[name] = value


def _apply_patch_properties(stored: dict[str, Any], patch: Any) -> None:
    if not isinstance(patch, Mapping):
        return
    properties: dict[str, Any] = stored["properties"]
    for name, value in (patch.get("append") or {}).items():
        current = properties.get(name)
        items = [] if current is None else list(current) if isinstance(current, list) else [current]
        items.extend(value if isinstance(value, list) else [value])
        properties[name] = items
    for name, value in (patch.get("unappend") or {}).items():
        current = properties.get(name)
        if isinstance(current, list):
            removed = value if isinstance(value, list) else [value]
            properties[name] = [item for item in current if item not in removed]
    unset = patch.get("unset")
    for name in [unset] if isinstance(unset, str) else unset or []:
        properties.pop(name, None)


def _apply_patch_identifiers(profile: StoredProfile, patch: Any) -> None:
    if not isinstance(patch, Mapping):
        return
    primary = profile.attributes.get("email")
    for email in _emails(patch.get("append")):
        known = {e.lower() for e in profile.secondary_emails}
        if email.lower() not in known and (primary is None or email.lower() != primary.lower()):
            profile.secondary_emails.append(email)
    removed = {email.lower() for email in _emails(patch.get("unappend"))}
    profile.secondary_emails = [e for e in profile.secondary_emails if e.lower() not in removed]


def _emails(changes: Any) -> Iterable[str]:
    if not isinstance(changes, Mapping) or changes.get("email") is None:
        return []
    return [str(value) for value in identifier_values(changes["email"])]
