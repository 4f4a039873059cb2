"""The API key: checked once, sent only in the ``Authorization`` header, never shown.

Klaviyo authenticates with ``Authorization: Klaviyo-API-Key <private key>``. The key lives in
a :class:`KlaviyoApiKeyAuth` (an ``httpx.Auth``) whose repr shows at most a masked tail, and is
attached to each request by httpx, so it never sits in client settings, log records or error
messages; httpx itself masks the header in the reprs of requests and headers.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Generator

import httpx

from ._env import API_KEY_ENV
from .errors import InvalidInputError

__all__ = ["API_KEY_ENV", "KlaviyoApiKeyAuth", "mask_key", "redact_request", "resolve_api_key"]

# Printable ASCII without space: anything else could split or inject a header. Used with
# fullmatch: a ``$`` anchor would also match before a final newline and let "pk_...\n" in.
_VALID_KEY = re.compile(r"[\x21-\x7e]+")


def resolve_api_key(api_key: str | None) -> str:
    """The key to use: ``api_key`` if given, else ``$KLAVIYO_API_KEY``; checked, never echoed.

    Only printable ASCII without spaces is accepted: any whitespace or control character
    anywhere (a trailing newline from a file or a paste included, and Unicode spaces) is
    refused with :class:`~klaviyo_profiles.InvalidInputError`, whose message never holds the key.
    """
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    if key is None:
        raise InvalidInputError(
            "api_key", f"an API key, passed as api_key= or set in ${API_KEY_ENV}"
        )
    if not isinstance(key, str) or not key:
        raise InvalidInputError("api_key", "a non-empty string")
    if not _VALID_KEY.fullmatch(key):
        # Never include the key, or the offending character's position, in the message.
        raise InvalidInputError(
            "api_key", "printable characters only, without whitespace or control characters"
        )
    return key


def redact_request(request: httpx.Request) -> None:
    """Replace the key in a request's ``Authorization`` header once the request was sent."""
    if "Authorization" in request.headers:
        request.headers["Authorization"] = "Klaviyo-API-Key [redacted]"


def mask_key(key: str) -> str:
    """``'pk_…c3d4'``-style hint: at most the last four characters, none for short keys."""
    if len(key) < 16:
        return "****"
    return f"****{key[-4:]}"


class KlaviyoApiKeyAuth(httpx.Auth):
    """Adds ``Authorization: Klaviyo-API-Key <key>`` to each request it is given.

    Example::

        auth = KlaviyoApiKeyAuth("pk_live_0123456789abcdef")
        repr(auth)  # "KlaviyoApiKeyAuth(key='****cdef')"
    """

    def __init__(self, api_key: str) -> None:
        key = resolve_api_key(api_key)
        self._header_value = f"Klaviyo-API-Key {key}"
        self._masked = mask_key(key)
        #: A stable, non-reversible identifier of the key (for sharing rate limiters).
        self.fingerprint = hashlib.sha256(key.encode()).hexdigest()[:16]

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header_value
        yield request
        # Sent: the request object lives on in the response and in errors, where user code,
        # pickles or error trackers that serialise attributes could reach the key.
        redact_request(request)

    def __repr__(self) -> str:
        # Never raises, even for one whose constructor refused the key (a traceback showing
        # its frames' locals shows it).
        return f"KlaviyoApiKeyAuth(key={getattr(self, '_masked', '****')!r})"

    def __reduce__(self) -> tuple[object, ...]:
        # A pickle is bytes on disk or on a queue: it would carry the key in clear.
        raise TypeError("KlaviyoApiKeyAuth holds the API key and is not pickled")

    __str__ = __repr__
