from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_or_update_profile_additional_fieldsprofile_item import (
    CreateOrUpdateProfileAdditionalFieldsprofileItem,
)
from ...models.create_or_update_profile_fieldsprofile_item import (
    CreateOrUpdateProfileFieldsprofileItem,
)
from ...models.create_or_update_profile_response_4xx import CreateOrUpdateProfileResponse4XX
from ...models.create_or_update_profile_response_5xx import CreateOrUpdateProfileResponse5XX
from ...models.post_profile_response import PostProfileResponse
from ...models.profile_upsert_query import ProfileUpsertQuery
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: ProfileUpsertQuery,
    additional_fieldsprofile: list[CreateOrUpdateProfileAdditionalFieldsprofileItem]
    | Unset = UNSET,
    fieldsprofile: list[CreateOrUpdateProfileFieldsprofileItem] | Unset = UNSET,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["revision"] = revision

    params: dict[str, Any] = {}

    json_additional_fieldsprofile: list[str] | Unset = UNSET
    if not isinstance(additional_fieldsprofile, Unset):
        json_additional_fieldsprofile = []
        for additional_fieldsprofile_item_data in additional_fieldsprofile:
            additional_fieldsprofile_item = additional_fieldsprofile_item_data.value
            json_additional_fieldsprofile.append(additional_fieldsprofile_item)

    if isinstance(json_additional_fieldsprofile, list) and json_additional_fieldsprofile:
        params["additional-fields[profile]"] = ",".join(
            str(item) for item in json_additional_fieldsprofile
        )

    json_fieldsprofile: list[str] | Unset = UNSET
    if not isinstance(fieldsprofile, Unset):
        json_fieldsprofile = []
        for fieldsprofile_item_data in fieldsprofile:
            fieldsprofile_item = fieldsprofile_item_data.value
            json_fieldsprofile.append(fieldsprofile_item)

    if isinstance(json_fieldsprofile, list) and json_fieldsprofile:
        params["fields[profile]"] = ",".join(str(item) for item in json_fieldsprofile)

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/profile-import",
        "params": params,
    }

    _kwargs["json"] = body.to_dict()

    if auth is not None:
        _kwargs["auth"] = auth
    headers["Content-Type"] = "application/vnd.api+json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> (
    CreateOrUpdateProfileResponse4XX | CreateOrUpdateProfileResponse5XX | PostProfileResponse | None
):
    if response.status_code == 200:
        try:
            response_200 = PostProfileResponse.from_dict(response.json())

            return response_200

        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    if response.status_code == 201:
        try:
            response_201 = PostProfileResponse.from_dict(response.json())

            return response_201

        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    if 400 <= response.status_code <= 499:
        try:
            response_4xx = CreateOrUpdateProfileResponse4XX.from_dict(response.json())

            return response_4xx

        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    if 500 <= response.status_code <= 599:
        try:
            response_5xx = CreateOrUpdateProfileResponse5XX.from_dict(response.json())

            return response_5xx

        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[
    CreateOrUpdateProfileResponse4XX | CreateOrUpdateProfileResponse5XX | PostProfileResponse
]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ProfileUpsertQuery,
    additional_fieldsprofile: list[CreateOrUpdateProfileAdditionalFieldsprofileItem]
    | Unset = UNSET,
    fieldsprofile: list[CreateOrUpdateProfileFieldsprofileItem] | Unset = UNSET,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> Response[
    CreateOrUpdateProfileResponse4XX | CreateOrUpdateProfileResponse5XX | PostProfileResponse
]:
    """Create a profile, or update the one the identifiers match

     Upserts one profile. The server answers 201 when it made a new profile and 200 when it changed
    an existing one. A key sent as null empties that field; a key left out keeps its stored value.
    x-payload-limit is the largest request body accepted.

    Args:
        additional_fieldsprofile (list[CreateOrUpdateProfileAdditionalFieldsprofileItem] | Unset):
        fieldsprofile (list[CreateOrUpdateProfileFieldsprofileItem] | Unset):
        revision (str):  Default: '2026-07-15'.
        body (ProfileUpsertQuery): The request document.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreateOrUpdateProfileResponse4XX | CreateOrUpdateProfileResponse5XX | PostProfileResponse]
    """

    kwargs = _get_kwargs(
        body=body,
        additional_fieldsprofile=additional_fieldsprofile,
        fieldsprofile=fieldsprofile,
        revision=revision,
        auth=auth,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: ProfileUpsertQuery,
    additional_fieldsprofile: list[CreateOrUpdateProfileAdditionalFieldsprofileItem]
    | Unset = UNSET,
    fieldsprofile: list[CreateOrUpdateProfileFieldsprofileItem] | Unset = UNSET,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> (
    CreateOrUpdateProfileResponse4XX | CreateOrUpdateProfileResponse5XX | PostProfileResponse | None
):
    """Create a profile, or update the one the identifiers match

     Upserts one profile. The server answers 201 when it made a new profile and 200 when it changed
    an existing one. A key sent as null empties that field; a key left out keeps its stored value.
    x-payload-limit is the largest request body accepted.

    Args:
        additional_fieldsprofile (list[CreateOrUpdateProfileAdditionalFieldsprofileItem] | Unset):
        fieldsprofile (list[CreateOrUpdateProfileFieldsprofileItem] | Unset):
        revision (str):  Default: '2026-07-15'.
        body (ProfileUpsertQuery): The request document.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreateOrUpdateProfileResponse4XX | CreateOrUpdateProfileResponse5XX | PostProfileResponse
    """

    return sync_detailed(
        client=client,
        body=body,
        additional_fieldsprofile=additional_fieldsprofile,
        fieldsprofile=fieldsprofile,
        revision=revision,
        auth=auth,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ProfileUpsertQuery,
    additional_fieldsprofile: list[CreateOrUpdateProfileAdditionalFieldsprofileItem]
    | Unset = UNSET,
    fieldsprofile: list[CreateOrUpdateProfileFieldsprofileItem] | Unset = UNSET,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> Response[
    CreateOrUpdateProfileResponse4XX | CreateOrUpdateProfileResponse5XX | PostProfileResponse
]:
    """Create a profile, or update the one the identifiers match

     Upserts one profile. The server answers 201 when it made a new profile and 200 when it changed
    an existing one. A key sent as null empties that field; a key left out keeps its stored value.
    x-payload-limit is the largest request body accepted.

    Args:
        additional_fieldsprofile (list[CreateOrUpdateProfileAdditionalFieldsprofileItem] | Unset):
        fieldsprofile (list[CreateOrUpdateProfileFieldsprofileItem] | Unset):
        revision (str):  Default: '2026-07-15'.
        body (ProfileUpsertQuery): The request document.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreateOrUpdateProfileResponse4XX | CreateOrUpdateProfileResponse5XX | PostProfileResponse]
    """

    kwargs = _get_kwargs(
        body=body,
        additional_fieldsprofile=additional_fieldsprofile,
        fieldsprofile=fieldsprofile,
        revision=revision,
        auth=auth,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: ProfileUpsertQuery,
    additional_fieldsprofile: list[CreateOrUpdateProfileAdditionalFieldsprofileItem]
    | Unset = UNSET,
    fieldsprofile: list[CreateOrUpdateProfileFieldsprofileItem] | Unset = UNSET,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> (
    CreateOrUpdateProfileResponse4XX | CreateOrUpdateProfileResponse5XX | PostProfileResponse | None
):
    """Create a profile, or update the one the identifiers match

     Upserts one profile. The server answers 201 when it made a new profile and 200 when it changed
    an existing one. A key sent as null empties that field; a key left out keeps its stored value.
    x-payload-limit is the largest request body accepted.

    Args:
        additional_fieldsprofile (list[CreateOrUpdateProfileAdditionalFieldsprofileItem] | Unset):
        fieldsprofile (list[CreateOrUpdateProfileFieldsprofileItem] | Unset):
        revision (str):  Default: '2026-07-15'.
        body (ProfileUpsertQuery): The request document.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreateOrUpdateProfileResponse4XX | CreateOrUpdateProfileResponse5XX | PostProfileResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            additional_fieldsprofile=additional_fieldsprofile,
            fieldsprofile=fieldsprofile,
            revision=revision,
            auth=auth,
        )
    ).parsed
