"""Order per profile: rows that name one profile are applied in file order.

The library's identity rule (:func:`klaviyo_profiles.identity.identity_of_body`) says which
identifiers a row addresses its profile by; the importer links them into groups in its
journal, and :class:`ProfileLanes` keeps the rows of a group in file order while rows of other
profiles run side by side.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Sequence

__all__ = ["LaneKey", "ProfileLanes", "held_back_by"]

#: What a lane is keyed by: the importer uses its identity groups (ints); any hashable works.
LaneKey = Hashable


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


async def held_back_by(waits: Sequence[asyncio.Future[int | None]]) -> int | None:
    """Wait for every earlier row of the profile; the first failed row among them, if any."""
    failed = [outcome for outcome in [await tail for tail in waits] if outcome is not None]
    return min(failed) if failed else None
