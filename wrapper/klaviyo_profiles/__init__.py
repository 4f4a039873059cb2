"""klaviyo-profiles: push customer profiles into Klaviyo, exactly.

Create or update a profile with :class:`KlaviyoProfiles` (or :class:`AsyncKlaviyoProfiles`)::

    from klaviyo_profiles import KlaviyoProfiles

    with KlaviyoProfiles() as client:  # API key from KLAVIYO_API_KEY
        result = client.create_or_update_profile(
            email="ada@example.com",
            first_name="Ada",
            last_name=None,  # None clears the field in Klaviyo
            location={"city": "London"},  # fields not given stay as they are
        )
        print(result.created, result.profile_id)

A keyword left out is left unchanged in Klaviyo; ``None`` clears it (``nulls="omit"`` reads
it as "left out" instead). :data:`UNSET` stands for "left out" where arguments are built
programmatically.

Many profiles: ``create_or_update_profiles(rows)`` returns one :class:`ProfileOutcome` per row;
``iter_create_or_update_profiles(rows)`` reads a generator of any length and yields them as
they settle, reporting :class:`BulkProgress` to a ``progress=`` callback. The same export
again (a nightly re-sync): ``changed_only=SyncState.open(path)`` sends only the rows whose
request changed since it was last applied.
"""

import importlib
import logging
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from klaviyo_profile_import.types import UNSET, Unset

    # The public submodules (_SUBMODULES below) that no name here comes from, re-exported by
    # the redundant alias: a type checker, too, then sees each as an attribute of the package.
    from . import auth as auth
    from . import body as body
    from . import extras as extras
    from . import identity as identity
    from . import limiter_urls as limiter_urls
    from . import pacing as pacing
    from . import revision as revision
    from . import settings as settings
    from .bulk import (
        BulkChunker,
        BulkImportErrorEntry,
        BulkImportJob,
        BulkImportJobCancelledError,
        BulkImportJobTimeoutError,
        BulkProgress,
        PreparedProfile,
        ProfileInput,
        ProfileOutcome,
        chunk_profiles,
        prepare_profile,
    )
    from .client import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, AsyncKlaviyoProfiles, KlaviyoProfiles
    from .errors import (
        APIConnectionError,
        APIError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        BulkImportRowError,
        BulkImportUnavailableError,
        ClientClosedError,
        ConflictError,
        ErrorObject,
        InvalidInputError,
        KlaviyoError,
        LimiterUnavailableError,
        ListMembershipError,
        NotFoundError,
        PayloadTooLargeError,
        PermissionDeniedError,
        RateLimitError,
        RateLimitWaitError,
        RequestTooLargeError,
        RowHeldBackError,
        ServerError,
        UnknownFieldError,
        UnsupportedMediaTypeError,
    )
    from .nulls import NullPolicy, omit_nulls
    from .ratelimit import RateLimits
    from .result import ProfileResult, RateLimitInfo
    from .retries import RetryPolicy
    from .sync_state import SyncState, SyncStateError, SyncStateInUseError

# Each public name and the module that defines it. A name's module is imported on first use of
# the name (a module ``__getattr__``): the command line's --help and the other modules that
# need none of them (a submodule import runs this file first) do not pay for the clients,
# httpx and the bulk machinery.
_SOURCES: dict[str, str] = {
    "UNSET": "klaviyo_profile_import.types",
    "Unset": "klaviyo_profile_import.types",
    "BulkChunker": ".bulk",
    "BulkImportErrorEntry": ".bulk",
    "BulkImportJob": ".bulk",
    "BulkImportJobCancelledError": ".bulk",
    "BulkImportJobTimeoutError": ".bulk",
    "BulkProgress": ".bulk",
    "PreparedProfile": ".bulk",
    "ProfileInput": ".bulk",
    "ProfileOutcome": ".bulk",
    "chunk_profiles": ".bulk",
    "prepare_profile": ".bulk",
    "DEFAULT_BASE_URL": ".client",
    "DEFAULT_TIMEOUT": ".client",
    "AsyncKlaviyoProfiles": ".client",
    "KlaviyoProfiles": ".client",
    "APIConnectionError": ".errors",
    "APIError": ".errors",
    "APIStatusError": ".errors",
    "APITimeoutError": ".errors",
    "AuthenticationError": ".errors",
    "BadRequestError": ".errors",
    "BulkImportRowError": ".errors",
    "BulkImportUnavailableError": ".errors",
    "ClientClosedError": ".errors",
    "ConflictError": ".errors",
    "ErrorObject": ".errors",
    "InvalidInputError": ".errors",
    "KlaviyoError": ".errors",
    "LimiterUnavailableError": ".errors",
    "ListMembershipError": ".errors",
    "NotFoundError": ".errors",
    "PayloadTooLargeError": ".errors",
    "PermissionDeniedError": ".errors",
    "RateLimitError": ".errors",
    "RateLimitWaitError": ".errors",
    "RequestTooLargeError": ".errors",
    "RowHeldBackError": ".errors",
    "ServerError": ".errors",
    "UnknownFieldError": ".errors",
    "UnsupportedMediaTypeError": ".errors",
    "NullPolicy": ".nulls",
    "omit_nulls": ".nulls",
    "RateLimits": ".ratelimit",
    "ProfileResult": ".result",
    "RateLimitInfo": ".result",
    "RetryPolicy": ".retries",
    "SyncState": ".sync_state",
    "SyncStateError": ".sync_state",
    "SyncStateInUseError": ".sync_state",
}


# The public submodules a bare ``import klaviyo_profiles`` makes reachable as attributes
# (``klaviyo_profiles.client.Body``), imported on first use too: the ones the package reached
# when it imported its names eagerly, and sync_state, home of SyncState. The command line, the
# sandbox, the Redis limiter and the pytest plugin (which need extras) and the console and demo
# scripts stay out, as they were: looking an attribute up (hasattr, tools that walk dir())
# must not import them or fail with an ImportError. They are imported by name
# (``import klaviyo_profiles.sandbox``).
_SUBMODULES: frozenset[str] = frozenset(
    {
        "auth",
        "body",
        "bulk",
        "client",
        "errors",
        "extras",
        "identity",
        "limiter_urls",
        "nulls",
        "pacing",
        "ratelimit",
        "result",
        "retries",
        "revision",
        "settings",
        "sync_state",
    }
)


# Defined for the interpreter only: a type checker reads the imports above, so a misspelt
# name stays an error there instead of an Any.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        if name in _SUBMODULES:
            # Importing a submodule binds it in this module's globals: the next lookup of
            # the name does not come here.
            return importlib.import_module(f".{name}", __name__)
        source = _SOURCES.get(name)
        if source is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(source, __name__), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_SOURCES, *_SUBMODULES})


__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "UNSET",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncKlaviyoProfiles",
    "AuthenticationError",
    "BadRequestError",
    "BulkChunker",
    "BulkImportErrorEntry",
    "BulkImportJob",
    "BulkImportJobCancelledError",
    "BulkImportJobTimeoutError",
    "BulkImportRowError",
    "BulkImportUnavailableError",
    "BulkProgress",
    "ClientClosedError",
    "ConflictError",
    "ErrorObject",
    "InvalidInputError",
    "KlaviyoError",
    "KlaviyoProfiles",
    "LimiterUnavailableError",
    "ListMembershipError",
    "NotFoundError",
    "NullPolicy",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PreparedProfile",
    "ProfileInput",
    "ProfileOutcome",
    "ProfileResult",
    "RateLimitError",
    "RateLimitInfo",
    "RateLimitWaitError",
    "RateLimits",
    "RequestTooLargeError",
    "RetryPolicy",
    "RowHeldBackError",
    "ServerError",
    "SyncState",
    "SyncStateError",
    "SyncStateInUseError",
    "UnknownFieldError",
    "Unset",
    "UnsupportedMediaTypeError",
    "__version__",
    "chunk_profiles",
    "omit_nulls",
    "prepare_profile",
]

# A library does not decide where its logs go: without this, Python's last-resort handler
# would print the library's warnings to stderr in applications that never configured logging.
logging.getLogger("klaviyo_profiles").addHandler(logging.NullHandler())
