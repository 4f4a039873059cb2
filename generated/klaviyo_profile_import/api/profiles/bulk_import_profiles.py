from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.bulk_import_profiles_fieldsprofile_bulk_import_job_item import (
    BulkImportProfilesFieldsprofileBulkImportJobItem,
)
from ...models.bulk_import_profiles_response_4xx import BulkImportProfilesResponse4XX
from ...models.bulk_import_profiles_response_5xx import BulkImportProfilesResponse5XX
from ...models.post_profile_import_job_response import PostProfileImportJobResponse
from ...models.profile_import_job_create_query import ProfileImportJobCreateQuery
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: ProfileImportJobCreateQuery,
    fieldsprofile_bulk_import_job: list[BulkImportProfilesFieldsprofileBulkImportJobItem]
    | Unset = UNSET,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["revision"] = revision

    params: dict[str, Any] = {}

    json_fieldsprofile_bulk_import_job: list[str] | Unset = UNSET
    if not isinstance(fieldsprofile_bulk_import_job, Unset):
        json_fieldsprofile_bulk_import_job = []
        for fieldsprofile_bulk_import_job_item_data in fieldsprofile_bulk_import_job:
            fieldsprofile_bulk_import_job_item = fieldsprofile_bulk_import_job_item_data.value
            json_fieldsprofile_bulk_import_job.append(fieldsprofile_bulk_import_job_item)

    if isinstance(json_fieldsprofile_bulk_import_job, list) and json_fieldsprofile_bulk_import_job:
        params["fields[profile-bulk-import-job]"] = ",".join(
            str(item) for item in json_fieldsprofile_bulk_import_job
        )

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/profile-bulk-import-jobs",
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
    BulkImportProfilesResponse4XX
    | BulkImportProfilesResponse5XX
    | PostProfileImportJobResponse
    | None
):
    if response.status_code == 202:
        try:
            response_202 = PostProfileImportJobResponse.from_dict(response.json())

            return response_202

        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    if 400 <= response.status_code <= 499:
        try:
            response_4xx = BulkImportProfilesResponse4XX.from_dict(response.json())

            return response_4xx

        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    if 500 <= response.status_code <= 599:
        try:
            response_5xx = BulkImportProfilesResponse5XX.from_dict(response.json())

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
    BulkImportProfilesResponse4XX | BulkImportProfilesResponse5XX | PostProfileImportJobResponse
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
    body: ProfileImportJobCreateQuery,
    fieldsprofile_bulk_import_job: list[BulkImportProfilesFieldsprofileBulkImportJobItem]
    | Unset = UNSET,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> Response[
    BulkImportProfilesResponse4XX | BulkImportProfilesResponse5XX | PostProfileImportJobResponse
]:
    """Start a bulk profile import job

     Queues one asynchronous job that creates or updates a batch of profiles. Every entry of
    data.attributes.profiles.data is the very resource object Create or Update Profile takes as data.
    The answer (202) names the job; poll it with Get Bulk Profile Import Job and read per-profile
    failures from its import errors. Unlike Create or Update Profile, a job leaves a field given as null
    unchanged instead of clearing it. Request limits, where the revision states them: x-item-limit
    profiles, an x-payload-limit body, x-item-payload-limit per profile.

    Args:
        fieldsprofile_bulk_import_job (list[BulkImportProfilesFieldsprofileBulkImportJobItem] |
            Unset):
        revision (str):  Default: '2026-07-15'.
        body (ProfileImportJobCreateQuery): Request body of a bulk profile import job.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BulkImportProfilesResponse4XX | BulkImportProfilesResponse5XX | PostProfileImportJobResponse]
    """

    kwargs = _get_kwargs(
        body=body,
        fieldsprofile_bulk_import_job=fieldsprofile_bulk_import_job,
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
    body: ProfileImportJobCreateQuery,
    fieldsprofile_bulk_import_job: list[BulkImportProfilesFieldsprofileBulkImportJobItem]
    | Unset = UNSET,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> (
    BulkImportProfilesResponse4XX
    | BulkImportProfilesResponse5XX
    | PostProfileImportJobResponse
    | None
):
    """Start a bulk profile import job

     Queues one asynchronous job that creates or updates a batch of profiles. Every entry of
    data.attributes.profiles.data is the very resource object Create or Update Profile takes as data.
    The answer (202) names the job; poll it with Get Bulk Profile Import Job and read per-profile
    failures from its import errors. Unlike Create or Update Profile, a job leaves a field given as null
    unchanged instead of clearing it. Request limits, where the revision states them: x-item-limit
    profiles, an x-payload-limit body, x-item-payload-limit per profile.

    Args:
        fieldsprofile_bulk_import_job (list[BulkImportProfilesFieldsprofileBulkImportJobItem] |
            Unset):
        revision (str):  Default: '2026-07-15'.
        body (ProfileImportJobCreateQuery): Request body of a bulk profile import job.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BulkImportProfilesResponse4XX | BulkImportProfilesResponse5XX | PostProfileImportJobResponse
    """

    return sync_detailed(
        client=client,
        body=body,
        fieldsprofile_bulk_import_job=fieldsprofile_bulk_import_job,
        revision=revision,
        auth=auth,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ProfileImportJobCreateQuery,
    fieldsprofile_bulk_import_job: list[BulkImportProfilesFieldsprofileBulkImportJobItem]
    | Unset = UNSET,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> Response[
    BulkImportProfilesResponse4XX | BulkImportProfilesResponse5XX | PostProfileImportJobResponse
]:
    """Start a bulk profile import job

     Queues one asynchronous job that creates or updates a batch of profiles. Every entry of
    data.attributes.profiles.data is the very resource object Create or Update Profile takes as data.
    The answer (202) names the job; poll it with Get Bulk Profile Import Job and read per-profile
    failures from its import errors. Unlike Create or Update Profile, a job leaves a field given as null
    unchanged instead of clearing it. Request limits, where the revision states them: x-item-limit
    profiles, an x-payload-limit body, x-item-payload-limit per profile.

    Args:
        fieldsprofile_bulk_import_job (list[BulkImportProfilesFieldsprofileBulkImportJobItem] |
            Unset):
        revision (str):  Default: '2026-07-15'.
        body (ProfileImportJobCreateQuery): Request body of a bulk profile import job.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BulkImportProfilesResponse4XX | BulkImportProfilesResponse5XX | PostProfileImportJobResponse]
    """

    kwargs = _get_kwargs(
        body=body,
        fieldsprofile_bulk_import_job=fieldsprofile_bulk_import_job,
        revision=revision,
        auth=auth,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: ProfileImportJobCreateQuery,
    fieldsprofile_bulk_import_job: list[BulkImportProfilesFieldsprofileBulkImportJobItem]
    | Unset = UNSET,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> (
    BulkImportProfilesResponse4XX
    | BulkImportProfilesResponse5XX
    | PostProfileImportJobResponse
    | None
):
    """Start a bulk profile import job

     Queues one asynchronous job that creates or updates a batch of profiles. Every entry of
    data.attributes.profiles.data is the very resource object Create or Update Profile takes as data.
    The answer (202) names the job; poll it with Get Bulk Profile Import Job and read per-profile
    failures from its import errors. Unlike Create or Update Profile, a job leaves a field given as null
    unchanged instead of clearing it. Request limits, where the revision states them: x-item-limit
    profiles, an x-payload-limit body, x-item-payload-limit per profile.

    Args:
        fieldsprofile_bulk_import_job (list[BulkImportProfilesFieldsprofileBulkImportJobItem] |
            Unset):
        revision (str):  Default: '2026-07-15'.
        body (ProfileImportJobCreateQuery): Request body of a bulk profile import job.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BulkImportProfilesResponse4XX | BulkImportProfilesResponse5XX | PostProfileImportJobResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            fieldsprofile_bulk_import_job=fieldsprofile_bulk_import_job,
            revision=revision,
            auth=auth,
        )
    ).parsed
