"""Showing a limiter's storage URL without its credentials (re-exported by
:mod:`klaviyo_profiles.ratelimit`, where the backends that take URLs live)."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

__all__ = ["redact_url"]

#: Query parameters whose values are shown by :func:`redact_url`: settings that never carry a
#: credential. Every other value (``password``, ``username``, ``ssl_password``, ``ssl_keyfile``,
#: any name redis-py may add) is masked, and so is any value that does not look like a setting.
_SHOWN_QUERY = frozenset(
    {
        "prefix",
        "on_unavailable",
        "fallback_share",
        "db",
        "protocol",
        "socket_timeout",
        "socket_connect_timeout",
        "socket_keepalive",
        "retry_on_timeout",
        "health_check_interval",
        "max_connections",
        "ssl_cert_reqs",
        "ssl_check_hostname",
        "decode_responses",
        "timeout",
    }
)
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.:+-]{0,64}")
_NOT_SHOWN = "(a URL that is not shown)"


def redact_url(url: str) -> str:
    """``url`` with every credential masked: the user name and password before the host, and
    every query value except those of a few settings that never hold a secret (``db``,
    ``prefix``, the timeouts...). A URL that cannot be taken apart safely is not shown at all:
    a ``#`` (the rest of a password after it would look like a fragment), or a ``/`` or ``?``
    before the last ``@`` (a password holding one would look like a path or a query).

    Example::

        redact_url("redis://app:s3cret@redis.internal:6379/0?password=x&db=2")
        # 'redis://***:***@redis.internal:6379/0?password=***&db=2'
    """
    scheme, separator, rest = url.partition("://")
    if not separator:
        scheme, rest = "", url
    if "#" in url or (not separator and "@" in url):
        return _NOT_SHOWN
    userinfo, at, rest = rest.rpartition("@")
    if at:
        if "/" in userinfo or "?" in userinfo:
            return _NOT_SHOWN
        user, colon, _password = userinfo.partition(":")
        userinfo = ("***" if user else "") + (":***" if colon else "")
    location, question, query = rest.partition("?")
    if question:
        query = "&".join(_masked_parameter(piece) for piece in query.split("&"))
    return f"{scheme}{separator}{userinfo}{at}{location}{question}{query}"


def _masked_parameter(piece: str) -> str:
    name, equals, value = piece.partition("=")
    if not equals:
        return "***" if piece else piece  # a bare word: it may be a password put in the wrong place
    if not _PLAIN_NAME.fullmatch(unquote_plus(name).strip()):
        return "***"
    if unquote_plus(name).strip().lower() in _SHOWN_QUERY and _PLAIN_VALUE.fullmatch(value):
        return piece
    return f"{name}=***"
