"""Connection holders for the generated endpoint modules.

``Client`` keeps the base URL, default headers, timeout and the httpx clients built from them;
``AuthenticatedClient`` adds a credential that never appears in its repr.
"""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from attrs import define, evolve, field

_ClientT = TypeVar("_ClientT", bound="Client")


@define
class Client:
    """Base URL, headers and timeout for requests, and the httpx clients that send them.

    Pass your own ``httpx.Client`` / ``httpx.AsyncClient`` with ``set_httpx_client`` /
    ``set_async_httpx_client`` (custom transports, proxies, event hooks); otherwise one is built
    on first use from the settings here and closed by the context manager.

    Attributes:
        raise_on_unexpected_status: raise ``errors.UnexpectedStatus`` for a status code the
            spec does not describe, instead of returning an unparsed response.
    """

    raise_on_unexpected_status: bool = field(default=False, kw_only=True)
    _base_url: str = field(alias="base_url")
    _headers: dict[str, str] = field(factory=dict, kw_only=True, alias="headers", repr=False)
    _timeout: httpx.Timeout | None = field(default=None, kw_only=True, alias="timeout")
    _follow_redirects: bool = field(default=False, kw_only=True, alias="follow_redirects")
    _httpx_args: dict[str, Any] = field(factory=dict, kw_only=True, alias="httpx_args", repr=False)
    _client: httpx.Client | None = field(default=None, init=False, repr=False)
    _async_client: httpx.AsyncClient | None = field(default=None, init=False, repr=False)

    def with_headers(self: _ClientT, headers: dict[str, str]) -> _ClientT:
        """A copy with ``headers`` added to the defaults."""
        for client in (self._client, self._async_client):
            if client is not None:
                client.headers.update(headers)
        return evolve(self, headers={**self._headers, **headers})

    def with_timeout(self: _ClientT, timeout: httpx.Timeout) -> _ClientT:
        """A copy with another timeout."""
        for client in (self._client, self._async_client):
            if client is not None:
                client.timeout = timeout
        return evolve(self, timeout=timeout)

    def _default_headers(self) -> dict[str, str]:
        return dict(self._headers)

    def _client_args(self) -> dict[str, Any]:
        return {
            "base_url": self._base_url,
            "headers": self._default_headers(),
            "timeout": self._timeout,
            "follow_redirects": self._follow_redirects,
            **self._httpx_args,
        }

    def set_httpx_client(self: _ClientT, client: httpx.Client) -> _ClientT:
        """Use ``client`` for synchronous requests; the settings here no longer apply to it."""
        self._client = client
        return self

    def get_httpx_client(self) -> httpx.Client:
        """The synchronous httpx client, built on first use."""
        if self._client is None:
            self._client = httpx.Client(**self._client_args())
        return self._client

    def __enter__(self: _ClientT) -> _ClientT:
        self.get_httpx_client().__enter__()
        return self

    def __exit__(self, *args: Any, **kwargs: Any) -> None:
        self.get_httpx_client().__exit__(*args, **kwargs)

    def set_async_httpx_client(self: _ClientT, async_client: httpx.AsyncClient) -> _ClientT:
        """Use ``async_client`` for asynchronous requests."""
        self._async_client = async_client
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """The asynchronous httpx client, built on first use."""
        if self._async_client is None:
            self._async_client = httpx.AsyncClient(**self._client_args())
        return self._async_client

    async def __aenter__(self: _ClientT) -> _ClientT:
        await self.get_async_httpx_client().__aenter__()
        return self

    async def __aexit__(self, *args: Any, **kwargs: Any) -> None:
        await self.get_async_httpx_client().__aexit__(*args, **kwargs)


@define
class AuthenticatedClient(Client):
    """A ``Client`` that sends ``<auth_header_name>: <prefix> <token>`` with every request.

    The token is left out of the repr so that it cannot leak into logs or tracebacks.
    """

    token: str = field(kw_only=True, repr=False)
    prefix: str = field(default="Bearer", kw_only=True)
    auth_header_name: str = field(default="Authorization", kw_only=True)

    def _default_headers(self) -> dict[str, str]:
        value = f"{self.prefix} {self.token}" if self.prefix else self.token
        return {**self._headers, self.auth_header_name: value}
