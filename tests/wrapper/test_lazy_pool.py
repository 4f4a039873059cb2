"""A client's own connection pool is made by its first request, and shared as before.

Making the pool costs more than the rest of a client's constructor (httpx's transport and an
SSL context loaded with the certificate store), so it waits for the first request; everything
a caller can see of the pool stays as it was: copies made by ``with_options`` share it,
closing the original closes it for them, and a closed client refuses calls.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import httpx
import pytest
from klaviyo_profiles import AsyncKlaviyoProfiles, ClientClosedError, KlaviyoProfiles
from klaviyo_profiles._pool import LazyPool, default_ssl_context
from wire_recorder import API_KEY, Recorder


@pytest.fixture
def lazy_client(recorder: Recorder) -> Iterator[KlaviyoProfiles]:
    with KlaviyoProfiles(
        api_key=API_KEY, base_url=recorder.base_url, retry_policy=None, rate_limits=False
    ) as made:
        yield made


def test_a_client_that_never_sends_makes_no_pool(lazy_client: KlaviyoProfiles) -> None:
    assert isinstance(lazy_client._http, LazyPool)
    assert lazy_client._http._pool is None
    assert not lazy_client._http.is_closed


def test_the_first_request_makes_the_pool_with_the_clients_headers_and_timeout(
    lazy_client: KlaviyoProfiles, recorder: Recorder
) -> None:
    lazy_client.create_or_update_profile(email="ada@example.com")
    pool = lazy_client._http._pool
    assert isinstance(pool, httpx.Client)
    assert pool.timeout == lazy_client.timeout
    assert pool.headers["revision"] == lazy_client.revision
    lazy_client.create_or_update_profile(email="bob@example.com")
    assert lazy_client._http._pool is pool  # made once
    assert len(recorder.requests) == 2


def test_copies_share_the_one_pool_whichever_sends_first(
    lazy_client: KlaviyoProfiles, recorder: Recorder
) -> None:
    copy = lazy_client.with_options(timeout=5)
    copy.create_or_update_profile(email="ada@example.com")
    lazy_client.create_or_update_profile(email="bob@example.com")
    assert copy._http is lazy_client._http
    assert lazy_client._http._pool is not None
    copy.close()  # a copy never closes the pool it shares
    lazy_client.create_or_update_profile(email="cy@example.com")
    assert len(recorder.requests) == 3


def test_a_client_closed_before_any_request_refuses_calls_and_makes_no_pool(
    lazy_client: KlaviyoProfiles, recorder: Recorder
) -> None:
    copy = lazy_client.with_options(timeout=5)
    lazy_client.close()
    with pytest.raises(ClientClosedError):
        lazy_client.create_or_update_profile(email="ada@example.com")
    with pytest.raises(ClientClosedError):
        copy.create_or_update_profile(email="ada@example.com")
    assert lazy_client._http._pool is None
    assert recorder.requests == []


def test_threads_sending_a_clients_first_requests_at_once_make_one_pool(
    lazy_client: KlaviyoProfiles,
) -> None:
    start = threading.Barrier(8)
    made: list[object] = []

    def first() -> None:
        start.wait()
        made.append(lazy_client._http.get())

    threads = [threading.Thread(target=first) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(pool) for pool in made}) == 1


def test_every_pool_made_for_a_client_uses_one_ssl_context() -> None:
    assert default_ssl_context() is default_ssl_context()
    assert default_ssl_context().verify_mode.name == "CERT_REQUIRED"


async def test_the_async_client_makes_its_pool_on_first_request_and_closes_it(
    recorder: Recorder,
) -> None:
    client = AsyncKlaviyoProfiles(
        api_key=API_KEY, base_url=recorder.base_url, retry_policy=None, rate_limits=False
    )
    assert client._http._pool is None
    await asyncio.gather(
        client.create_or_update_profile(email="ada@example.com"),
        client.create_or_update_profile(email="bob@example.com"),
    )
    pool = client._http._pool
    assert isinstance(pool, httpx.AsyncClient)
    await client.aclose()
    assert pool.is_closed
    with pytest.raises(ClientClosedError):
        await client.create_or_update_profile(email="cy@example.com")
