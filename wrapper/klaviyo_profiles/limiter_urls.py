"""Limiter backends named by URL: ``memory``, ``sqlite:PATH`` and Redis's ``redis://``,
``rediss://`` and ``unix://`` (``--limiter``, ``$KLAVIYO_LIMITER_URL``, or a string given as a
client's ``limiter_backend``).

The one module that knows every backend: it sits above both :mod:`klaviyo_profiles.ratelimit`
(the core limiter and the local backends) and :mod:`klaviyo_profiles.redis_limiter` (the
Redis plugin), so neither of those imports the other's way up. The Redis plugin is imported
when a Redis URL is first read, not with this module: ``import klaviyo_profiles`` stays as
cheap as it is for the many users who never name one (the plugin imports pyrate-limiter's
buckets as it loads).

Example::

    backend_from_uri("sqlite:///var/tmp/klaviyo.db") == SQLiteBackend("/var/tmp/klaviyo.db")
    backend_from_uri("redis://localhost:6379/0?prefix=shop-eu")
    limiter = shared_limiter("3f2a9c01", RateLimits.from_facts())   # $KLAVIYO_LIMITER_URL or memory
"""

from __future__ import annotations

import os

from .ratelimit import (
    LIMITER_URL_ENV,
    LimiterBackend,
    MemoryBackend,
    RateLimiter,
    RateLimits,
    SQLiteBackend,
    limiter_for,
    redact_url,
)

__all__ = ["LIMITER_URL_ENV", "backend_from_uri", "resolve_backend", "shared_limiter"]

_REDIS_SCHEMES = ("redis", "rediss", "unix")


def backend_from_uri(uri: str) -> LimiterBackend:
    """Build a backend from ``memory``, ``sqlite:///absolute/path.db``, ``sqlite:PATH`` or a
    Redis URL (``redis://``, ``rediss://``, ``unix://``; see ``klaviyo_profiles.redis_limiter``).

    Raises ``ValueError`` for anything else, showing the URL with its credentials masked.

    Example::

        backend_from_uri("sqlite:///var/tmp/klaviyo.db") == SQLiteBackend("/var/tmp/klaviyo.db")
        backend_from_uri("redis://localhost:6379/0?prefix=shop-eu")
    """
    if uri in ("memory", "memory://"):
        return MemoryBackend()
    prefix = "sqlite:///"
    if uri.startswith(prefix) and len(uri) > len(prefix):
        # sqlite:///tmp/x.db is /tmp/x.db; sqlite:////tmp/x.db is accepted as the same.
        return SQLiteBackend("/" + uri[len(prefix) :].lstrip("/"))
    if uri.startswith("sqlite:") and not uri.startswith("sqlite:/") and len(uri) > 7:
        return SQLiteBackend(uri[len("sqlite:") :])  # sqlite:relative/path.db
    if uri.split(":", 1)[0] in _REDIS_SCHEMES:
        # Downward, and here rather than at the top for start-up time (see the module notes).
        from .redis_limiter import RedisBackend

        return RedisBackend.from_url(uri)
    raise ValueError(
        f"unsupported limiter backend {redact_url(uri)!r}; "
        "use memory, sqlite:PATH, sqlite:///path or redis://host:port/db"
    )


def resolve_backend(backend: LimiterBackend | str | None) -> LimiterBackend:
    """``backend`` itself, the backend a URL names, or for ``None`` the one
    ``$KLAVIYO_LIMITER_URL`` names (memory when it is unset or empty)."""
    if backend is None:
        backend = os.environ.get(LIMITER_URL_ENV) or None
    if isinstance(backend, str):
        return backend_from_uri(backend)
    return backend if backend is not None else MemoryBackend()


def shared_limiter(
    key_id: str,
    limits: RateLimits,
    *,
    backend: LimiterBackend | str | None = None,
) -> RateLimiter:
    """The process-wide limiter for an API key fingerprint, limits and backend
    (:func:`~klaviyo_profiles.ratelimit.limiter_for`), the backend given as an object, a URL
    for :func:`backend_from_uri`, or ``None`` for ``$KLAVIYO_LIMITER_URL`` if set, else memory.

    ``key_id`` is an opaque, non-secret fingerprint of the API key, never the key itself.
    Every call with equal arguments in the same process returns the same limiter, whichever
    thread or event loop asks.

    Example::

        a = shared_limiter("3f2a9c01", RateLimits.from_facts())
        b = shared_limiter("3f2a9c01", RateLimits.from_facts(), backend="memory")
        assert a is b      # with $KLAVIYO_LIMITER_URL unset
    """
    return limiter_for(key_id, limits, backend=resolve_backend(backend))
