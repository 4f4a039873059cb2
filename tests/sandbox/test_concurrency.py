"""Concurrent upserts leave the store consistent: no lost update, one profile per identifier."""

from __future__ import annotations

import asyncio
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
from klaviyo_profiles.sandbox import Sandbox
from sandbox_helpers import HEADERS, PATH, Exchanges, body

CLIENTS = 20
PER_CLIENT = 10
EMAILS = [f"shared{i}@example.com" for i in range(5)]


def request_body(client: int, n: int) -> dict[str, object]:
    # Every request appends its own token; a lost update would lose a token.
    return body(
        {"email": EMAILS[(client + n) % len(EMAILS)], "properties": {"last": f"{client}-{n}"}},
        meta={"patch_properties": {"append": {"tokens": f"{client}-{n}"}}},
    )


def assert_consistent(sandbox: Sandbox, statuses: list[int]) -> None:
    profiles = sandbox.profiles()
    emails = Counter(p["attributes"]["email"] for p in profiles)
    tokens = [t for p in profiles for t in p["attributes"]["properties"]["tokens"]]

    assert Counter(statuses) == {201: len(EMAILS), 200: CLIENTS * PER_CLIENT - len(EMAILS)}
    assert emails == dict.fromkeys(EMAILS, 1)
    assert sorted(tokens) == sorted(f"{c}-{n}" for c in range(CLIENTS) for n in range(PER_CLIENT))


async def test_200_concurrent_requests_from_20_async_clients_lose_nothing(
    sandbox: Sandbox, exchanges: Exchanges
) -> None:
    sandbox.set_rate_limits(enabled=False)

    async def hook(response: httpx.Response) -> None:
        await response.aread()
        exchanges.record(response)

    clients = [
        httpx.AsyncClient(
            base_url=sandbox.base_url, headers=HEADERS, event_hooks={"response": [hook]}
        )
        for _ in range(CLIENTS)
    ]
    try:
        responses = await asyncio.gather(
            *(
                client.post(PATH, json=request_body(c, n))
                for c, client in enumerate(clients)
                for n in range(PER_CLIENT)
            )
        )
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))

    assert_consistent(sandbox, [r.status_code for r in responses])


def test_200_requests_from_20_threads_lose_nothing(sandbox: Sandbox, exchanges: Exchanges) -> None:
    sandbox.set_rate_limits(enabled=False)

    def run(c: int) -> list[int]:
        with httpx.Client(base_url=sandbox.base_url, headers=HEADERS) as client:
            responses = [client.post(PATH, json=request_body(c, n)) for n in range(PER_CLIENT)]
        for response in responses:
            exchanges.record(response)
        return [r.status_code for r in responses]

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        statuses = [s for batch in pool.map(run, range(CLIENTS)) for s in batch]

    assert_consistent(sandbox, statuses)


async def test_concurrent_burst_admits_exactly_the_limit(
    sandbox: Sandbox, aapi: httpx.AsyncClient
) -> None:
    sandbox.set_rate_limits(burst_limit=15, burst_period=30, steady_limit=100, steady_period=60)

    responses = await asyncio.gather(
        *(aapi.post(PATH, json=body({"email": f"u{i}@example.com"})) for i in range(40))
    )

    counts = Counter(r.status_code for r in responses)
    assert counts == {201: 15, 429: 25}
