"""A client library for accessing klaviyo-profiles: Create or Update Profile"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
