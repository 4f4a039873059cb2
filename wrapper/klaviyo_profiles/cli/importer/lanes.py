"""Order per profile: rows that name one profile are applied in file order.

:func:`identity_keys` says which identifiers a row addresses its profile by; the importer
links them into groups in its journal, and :class:`ProfileLanes` keeps the rows of a group in
file order while rows of other profiles run side by side.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from ...bulk import IDENTIFIER_ATTRIBUTES as _BULK_IDENTIFIERS

__all__ = [
    "IDENTIFIER_ATTRIBUTES",
    "IDENTIFIER_NAMES",
    "LaneKey",
    "ProfileLanes",
    "held_back_by",
    "identity_keys",
    "stored_keys",
]

#: What a profile can be identified by, as column names (``id`` and the identifier attributes).
IDENTIFIER_NAMES: tuple[str, ...] = ("id", *_BULK_IDENTIFIERS)
#: Attributes (wire names) that identify a profile, in the pinned revision.
IDENTIFIER_ATTRIBUTES: tuple[str, ...] = IDENTIFIER_NAMES[1:]

IdentityKey = tuple[str, str]
#: What a lane is keyed by: the importer uses its identity groups (ints); any hashable works.
LaneKey = Hashable


def _normal_identifier(name: str, value: str) -> str:
    # Looser than any matching Klaviyo does, never stricter: two spellings that might name
    # one profile share a lane (costing only parallelism), so they can never be reordered.
    text = value.strip()
    if name == "email":
        return text.casefold()
    if name == "phone_number":
        return "".join(char for char in text if char.isdigit())
    return text


def identity_keys(body: Mapping[str, Any]) -> frozenset[IdentityKey]:
    """The identifiers a request body addresses its profile by (id, email, phone, ...)."""
    data = body.get("data")
    if not isinstance(data, Mapping):
        return frozenset()
    keys: set[IdentityKey] = set()
    profile_id = data.get("id")
    if isinstance(profile_id, str) and profile_id.strip():
        keys.add(("id", profile_id.strip()))
    attributes = data.get("attributes")
    if isinstance(attributes, Mapping):
        for name in IDENTIFIER_ATTRIBUTES:
            value = attributes.get(name)
            if isinstance(value, str) and value.strip():
                keys.add((name, _normal_identifier(name, value)))
    meta = data.get("meta")
    patch = meta.get("patch_identifiers") if isinstance(meta, Mapping) else None
    if isinstance(patch, Mapping):
        # Addresses added or removed by the row identify the profile as well.
        for change in patch.values():
            emails = change.get("email") if isinstance(change, Mapping) else None
            for email in emails if isinstance(emails, list) else [emails]:
                if isinstance(email, str) and email.strip():
                    keys.add(("email", _normal_identifier("email", email)))
    return frozenset(keys)


class ProfileLanes:
    """Keeps rows that share any identifier in file order; other rows run side by side.

    Each identifier has a lane: the last admitted row that named it. A row waits for the
    rows at the end of every lane it joins (so a row naming two identities waits for both)
    and becomes the new end of each. Waiting is transitive, so any two rows sharing an
    identifier are applied in file order, however many workers there are. The importer also
    has each row join the lanes of its identifiers' groups (:meth:`Journal.link_identities`,
    before and after the row links them), so rows that name one profile by different
    identifiers, linked by an earlier row, keep file order as well.

    Hand-written: task queues and limiters order by arrival, not by a key derived from the
    payload, and none orders across a *set* of keys per item.

    A row's outcome is ``None`` when later rows for the same profile may go ahead (sent, or
    refused for good), or the number of the row that failed, so that they are held back too
    and a re-run sends them all in file order.
    """

    def __init__(self) -> None:
        self._tails: dict[LaneKey, asyncio.Future[int | None]] = {}

    def __len__(self) -> int:
        return len(self._tails)

    def join(
        self, keys: frozenset[LaneKey]
    ) -> tuple[list[asyncio.Future[int | None]], asyncio.Future[int | None]]:
        """Admit one row (in file order): what it must wait for, and its own outcome."""
        waits = list({id(tail): tail for key in keys if (tail := self._tails.get(key))}.values())
        mine: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        for key in keys:
            self._tails[key] = mine
        return waits, mine

    def busy(self, keys: frozenset[LaneKey]) -> bool:
        """Whether an earlier row naming any of ``keys`` has no outcome yet."""
        return any((tail := self._tails.get(key)) is not None and not tail.done() for key in keys)

    def join_shared(self, keys: frozenset[LaneKey], outcome: asyncio.Future[int | None]) -> None:
        """Admit a row (with no earlier row to wait for) whose outcome is ``outcome``, shared
        by the rows of one bulk import job."""
        for key in keys:
            self._tails[key] = outcome

    def sweep(self) -> None:
        """Drop lanes whose last row has its outcome (rows of finished jobs)."""
        self._tails = {key: tail for key, tail in self._tails.items() if not tail.done()}

    def leave(
        self, keys: frozenset[LaneKey], mine: asyncio.Future[int | None], outcome: int | None
    ) -> None:
        """Record a row's outcome and drop the lanes it still ends (memory stays bounded)."""
        if not mine.done():
            mine.set_result(outcome)
        for key in keys:
            if self._tails.get(key) is mine:
                del self._tails[key]


def stored_keys(keys: frozenset[IdentityKey]) -> list[str]:
    """The identifiers as the journal stores them."""
    return [f"{name}\x00{value}" for name, value in keys]


async def held_back_by(waits: Sequence[asyncio.Future[int | None]]) -> int | None:
    """Wait for every earlier row of the profile; the first failed row among them, if any."""
    failed = [outcome for outcome in [await tail for tail in waits] if outcome is not None]
    return min(failed) if failed else None
