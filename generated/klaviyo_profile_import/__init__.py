"""A client library for accessing klaviyo-profiles: Create or Update Profile"""

# The clients are imported on first use of their names (a module ``__getattr__``): importing
# a module of this package that needs neither (``types``, ``facts``, ``models``) does not
# import httpx.
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import AuthenticatedClient, Client


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import client

    value = getattr(client, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = (
    "AuthenticatedClient",
    "Client",
)
