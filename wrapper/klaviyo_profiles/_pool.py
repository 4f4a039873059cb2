"""The connection pool a client makes for itself, made when its first request is sent.

Making an ``httpx.Client`` costs more than everything else a client's constructor does (httpx
imports its transport, and each pool loads the certificate store into an SSL context of its
own), and a client may never send (a CLI that only checks its options, a web app that builds
one per process at import). So the shells hand the pool's settings to :class:`LazyPool` or
:class:`AsyncLazyPool`, which stand in for the pool: the pool is made, with exactly those
settings, by the first request; copies made by ``with_options`` share the stand-in and so
the one pool. Every pool made this way shares one SSL context per process, built as httpx
builds its default one.

A pool passed as ``http_client=`` is the caller's and is used as it is.
"""

from __future__ import annotations

import functools
import ssl
import threading
from collections.abc import Mapping
from typing import Any

import httpx

__all__ = ["AsyncLazyPool", "LazyPool", "default_ssl_context"]


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """httpx's default SSL context (certificate verification against its trust store, and
    ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set), built once per process."""
    return httpx.create_ssl_context(verify=True, trust_env=True)


class _Lazy:
    """What both stand-ins share: the settings, the pool once made, and the closed flag."""

    __slots__ = ("_closed", "_headers", "_lock", "_pool", "_timeout")

    def __init__(self, timeout: httpx.Timeout | None, headers: Mapping[str, str]) -> None:
        self._timeout = timeout
        self._headers = dict(headers)
        self._pool: Any = None
        self._closed = False
        # Two threads sending a client's first requests at once make one pool, not two.
        self._lock = threading.Lock()

    @property
    def is_closed(self) -> bool:
        """Whether the pool was closed (a pool never made is open until closed)."""
        return self._closed

    @property
    def timeout(self) -> httpx.Timeout | None:
        """The timeout the pool is (or will be) made with."""
        return self._timeout

    def get(self) -> Any:
        """The pool, made now if this is its first request (``RuntimeError`` once closed,
        as httpx refuses a closed pool)."""
        pool = self._pool
        if pool is None:
            with self._lock:
                pool = self._pool
                if pool is None:
                    if self._closed:
                        # httpx's own refusal of a closed pool: the client reports it as
                        # ClientClosedError (see ClientCore._check_open).
                        raise RuntimeError("Cannot send a request, as the client has been closed.")
                    pool = self._pool = self._make()
        return pool

    def _make(self) -> Any:  # pragma: no cover - each stand-in makes its own kind
        raise NotImplementedError


class LazyPool(_Lazy):
    """Stands in for the ``httpx.Client`` a :class:`~klaviyo_profiles.KlaviyoProfiles` makes
    (:meth:`get` makes it)."""

    __slots__ = ()

    def _make(self) -> httpx.Client:
        return httpx.Client(
            timeout=self._timeout, headers=self._headers, verify=default_ssl_context()
        )

    def close(self) -> None:
        """Close the pool if it was made; no request is sent after this."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()


class AsyncLazyPool(_Lazy):
    """Stands in for the ``httpx.AsyncClient`` an
    :class:`~klaviyo_profiles.AsyncKlaviyoProfiles` makes (:meth:`get` makes it)."""

    __slots__ = ()

    def _make(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=self._timeout, headers=self._headers, verify=default_ssl_context()
        )

    async def aclose(self) -> None:
        """Close the pool if it was made; no request is sent after this."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            await pool.aclose()
