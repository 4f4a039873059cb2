"""What the generated endpoint module puts on the wire: query string, headers, body.

httpx.MockTransport is used only to capture the request httpx builds from the endpoint module's
arguments (serialisation); real HTTP is the business of the integration tests.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from klaviyo_profile_import import Client, facts
from klaviyo_profile_import.api.profiles import create_or_update_profile as endpoint
from klaviyo_profile_import.models import (
    CreateOrUpdateProfileAdditionalFieldsprofileItem as AdditionalField,
)
from klaviyo_profile_import.models import (
    CreateOrUpdateProfileFieldsprofileItem as SparseField,
)
from klaviyo_profile_import.models import (
    PostProfileResponse,
    ProfileUpsertQuery,
)

BASE_URL = "https://a.klaviyo.com"
BODY = {"data": {"type": "profile", "attributes": {"email": "ada@example.com", "last_name": None}}}
CREATED = {
    "data": {"type": "profile", "id": "01J0PROFILE", "attributes": {"email": "ada@example.com"}}
}


def _reply(request: httpx.Request) -> httpx.Response:
    return httpx.Response(201, json=CREATED, headers={"content-type": "application/vnd.api+json"})


@pytest.fixture
def captured() -> tuple[Client, list[httpx.Request]]:
    """A generated Client whose httpx client records each request and answers 201."""
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return _reply(request)

    transport = httpx.MockTransport(handler)
    client = Client(base_url=BASE_URL).set_httpx_client(
        httpx.Client(base_url=BASE_URL, transport=transport)
    )
    return client, requests


def _send(captured: tuple[Client, list[httpx.Request]], **arguments: Any) -> httpx.Request:
    client, requests = captured
    response = endpoint.sync_detailed(
        client=client, body=ProfileUpsertQuery.from_dict(BODY), **arguments
    )
    assert response.status_code == 201
    assert isinstance(response.parsed, PostProfileResponse)
    assert len(requests) == 1
    return requests[0]


def test_additional_fields_travel_as_one_comma_joined_parameter(
    captured: tuple[Client, list[httpx.Request]],
) -> None:
    request = _send(
        captured,
        additional_fieldsprofile=[
            AdditionalField.SUBSCRIPTIONS,
            AdditionalField.PREDICTIVE_ANALYTICS,
        ],
    )
    assert request.url.params.get_list("additional-fields[profile]") == [
        "subscriptions,predictive_analytics"
    ]
    assert request.url.query == (
        b"additional-fields%5Bprofile%5D=subscriptions%2Cpredictive_analytics"
    )
    assert unquote(request.url.query.decode()) == (
        "additional-fields[profile]=subscriptions,predictive_analytics"
    )


def test_sparse_fields_travel_as_one_comma_joined_parameter(
    captured: tuple[Client, list[httpx.Request]],
) -> None:
    request = _send(
        captured,
        fieldsprofile=[
            SparseField("email"),
            SparseField("location.city"),
            SparseField("first_name"),
        ],
    )
    assert request.url.params.get_list("fields[profile]") == ["email,location.city,first_name"]
    assert unquote(request.url.query.decode()) == "fields[profile]=email,location.city,first_name"


def test_both_parameters_together_each_appear_once(
    captured: tuple[Client, list[httpx.Request]],
) -> None:
    request = _send(
        captured,
        additional_fieldsprofile=[AdditionalField.SUBSCRIPTIONS],
        fieldsprofile=[SparseField("email"), SparseField("subscriptions")],
    )
    assert list(request.url.params.multi_items()) == [
        ("additional-fields[profile]", "subscriptions"),
        ("fields[profile]", "email,subscriptions"),
    ]


@pytest.mark.parametrize("value", [None, []], ids=["not given", "empty list"])
def test_no_query_parameter_when_no_fields_are_asked_for(
    captured: tuple[Client, list[httpx.Request]], value: list[AdditionalField] | None
) -> None:
    arguments = {} if value is None else {"additional_fieldsprofile": value}
    request = _send(captured, **arguments)
    assert request.url.query == b""
    assert request.url.path == facts.PATH


def test_headers_and_body(captured: tuple[Client, list[httpx.Request]]) -> None:
    request = _send(captured)
    assert request.method == facts.METHOD == "POST"
    assert str(request.url) == f"{BASE_URL}/api/profile-import"
    assert request.headers["revision"] == facts.REVISION == "2026-07-15"
    assert request.headers["content-type"] == facts.MEDIA_TYPE == "application/vnd.api+json"
    # The header appears once: httpx must not add its own application/json beside it.
    assert request.headers.get_list("content-type") == ["application/vnd.api+json"]
    assert json.loads(request.content) == BODY


def test_revision_header_can_be_overridden_per_request(
    captured: tuple[Client, list[httpx.Request]],
) -> None:
    request = _send(captured, revision="2026-10-15")
    assert request.headers.get_list("revision") == ["2026-10-15"]


async def test_async_endpoint_sends_the_same_request() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return _reply(request)

    async with httpx.AsyncClient(base_url=BASE_URL, transport=httpx.MockTransport(handler)) as http:
        client = Client(base_url=BASE_URL).set_async_httpx_client(http)
        response = await endpoint.asyncio_detailed(
            client=client,
            body=ProfileUpsertQuery.from_dict(BODY),
            additional_fieldsprofile=[
                AdditionalField.SUBSCRIPTIONS,
                AdditionalField.PREDICTIVE_ANALYTICS,
            ],
        )
    assert isinstance(response.parsed, PostProfileResponse)
    (request,) = requests
    assert request.url.params.get_list("additional-fields[profile]") == [
        "subscriptions,predictive_analytics"
    ]
    assert request.headers["revision"] == facts.REVISION
    assert request.headers["content-type"] == "application/vnd.api+json"
    assert json.loads(request.content) == BODY
