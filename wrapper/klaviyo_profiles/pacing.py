"""Client-side pacing state, scoped to the server it paces for, and forgotten with it.

A client's limiters are shared per API key in the process (:func:`~klaviyo_profiles.ratelimit.
shared_limiter`), so that every client, thread and task using one key keeps one budget. That
is right against Klaviyo, whose windows outlive any client; against a test server that is
reset between tests (the sandbox), the windows of the last test would hold the next one back:
a test that made 750 calls made the next test's single call wait most of a minute against a
server that had just forgotten them.

:func:`reset_pacing` says that a server's windows were reset: from then on, limiters for that
base URL are keyed apart (by the URL and how often it was reset), so every client of that URL,
those already made included, starts with fresh windows at its next call. Clients of any other
URL keep theirs, and a URL never reset keeps the plain per-key limiter. Only limiters in this
process's memory (the default backend) are forgotten: windows kept in SQLite or Redis are
other processes' too and keep their keys (empty that storage to start afresh).
``Sandbox.reset()`` and ``POST /sandbox/reset`` call it, so the ``klaviyo_sandbox`` fixture's
reset before each test resets pacing too.

Example::

    client = KlaviyoProfiles(api_key="pk_test", base_url=sandbox.base_url)
    ...                                   # a test spends the budget
    reset_pacing(sandbox.base_url)        # what sandbox.reset() does
    client.create_or_update_profile(...)  # sent at once, with fresh windows

Forgotten limiters are no longer handed out but stay in this process's registry (a few
kilobytes each, for the keys used against that URL): fine for a test session, not meant for a
loop that resets a server thousands of times.
"""

from __future__ import annotations

import hashlib
import threading

import httpx

__all__ = ["generation", "limiter_scope", "reset_pacing"]

_lock = threading.Lock()
#: How often each base URL's pacing was reset, by its normal form.
_resets: dict[str, int] = {}
#: Bumped by every reset, whatever the URL: a client whose limiters were taken at an older
#: generation takes them again (one integer compared per call).
generation = 0


def _normal(base_url: str) -> str:
    return str(httpx.URL(base_url)).rstrip("/")


def reset_pacing(base_url: str) -> None:
    """Forget this process's client-side pacing state for ``base_url``: the windows each
    client of that URL counted, the holds of 429s it was given and the pace its answers
    set. Call it after resetting a server's rate-limit windows (``Sandbox.reset()`` does)."""
    global generation
    key = _normal(base_url)
    with _lock:
        _resets[key] = _resets.get(key, 0) + 1
        generation += 1


def limiter_scope(base_url: str) -> str:
    """What keys a limiter for ``base_url`` apart from the plain per-key one: ``""`` for a
    URL never reset, else a short digest of the URL and its count of resets."""
    key = _normal(base_url)
    count = _resets.get(key)
    if count is None:
        return ""
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    return f"-{digest}r{count}"
