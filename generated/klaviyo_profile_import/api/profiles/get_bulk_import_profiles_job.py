from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_bulk_import_profiles_job_fieldslist_item import (
    GetBulkImportProfilesJobFieldslistItem,
)
from ...models.get_bulk_import_profiles_job_fieldsprofile_bulk_import_job_item import (
    GetBulkImportProfilesJobFieldsprofileBulkImportJobItem,
)
from ...models.get_bulk_import_profiles_job_include_item import GetBulkImportProfilesJobIncludeItem
from ...models.get_bulk_import_profiles_job_response_4xx import GetBulkImportProfilesJobResponse4XX
from ...models.get_bulk_import_profiles_job_response_5xx import GetBulkImportProfilesJobResponse5XX
from ...models.get_profile_import_job_response_compound_document import (
    GetProfileImportJobResponseCompoundDocument,
)
from ...types import UNSET, Response, Unset


def _get_kwargs(
    job_id: str,
    *,
    fieldslist: list[GetBulkImportProfilesJobFieldslistItem] | Unset = UNSET,
    fieldsprofile_bulk_import_job: list[GetBulkImportProfilesJobFieldsprofileBulkImportJobItem]
    | Unset = UNSET,
    include: list[GetBulkImportProfilesJobIncludeItem] | Unset = UNSET,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["revision"] = revision

    params: dict[str, Any] = {}

    json_fieldslist: list[str] | Unset = UNSET
    if not isinstance(fieldslist, Unset):
        json_fieldslist = []
        for fieldslist_item_data in fieldslist:
            fieldslist_item = fieldslist_item_data.value
            json_fieldslist.append(fieldslist_item)

    if isinstance(json_fieldslist, list) and json_fieldslist:
        params["fields[list]"] = ",".join(str(item) for item in json_fieldslist)

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

    json_include: list[str] | Unset = UNSET
    if not isinstance(include, Unset):
        json_include = []
        for include_item_data in include:
            include_item = include_item_data.value
            json_include.append(include_item)

    if isinstance(json_include, list) and json_include:
        params["include"] = ",".join(str(item) for item in json_include)

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/profile-bulk-import-jobs/{job_id}".format(
            job_id=quote(str(job_id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> (
    GetBulkImportProfilesJobResponse4XX
    | GetBulkImportProfilesJobResponse5XX
    | GetProfileImportJobResponseCompoundDocument
    | None
):
    if response.status_code == 200:
        try:
            response_200 = GetProfileImportJobResponseCompoundDocument.from_dict(response.json())

            return response_200

        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    if 400 <= response.status_code <= 499:
        try:
            response_4xx = GetBulkImportProfilesJobResponse4XX.from_dict(response.json())

            return response_4xx

        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    if 500 <= response.status_code <= 599:
        try:
            response_5xx = GetBulkImportProfilesJobResponse5XX.from_dict(response.json())

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
    GetBulkImportProfilesJobResponse4XX
    | GetBulkImportProfilesJobResponse5XX
    | GetProfileImportJobResponseCompoundDocument
]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
    fieldslist: list[GetBulkImportProfilesJobFieldslistItem] | Unset = UNSET,
    fieldsprofile_bulk_import_job: list[GetBulkImportProfilesJobFieldsprofileBulkImportJobItem]
    | Unset = UNSET,
    include: list[GetBulkImportProfilesJobIncludeItem] | Unset = UNSET,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> Response[
    GetBulkImportProfilesJobResponse4XX
    | GetBulkImportProfilesJobResponse5XX
    | GetProfileImportJobResponseCompoundDocument
]:
    """Get Bulk Profile Import Job

     Reads one bulk profile import job: its status and how many of its profiles are done and how many
    failed. Polled until the status is complete or cancelled.

    Args:
        job_id (str):
        fieldslist (list[GetBulkImportProfilesJobFieldslistItem] | Unset):
        fieldsprofile_bulk_import_job
            (list[GetBulkImportProfilesJobFieldsprofileBulkImportJobItem] | Unset):
        include (list[GetBulkImportProfilesJobIncludeItem] | Unset):
        revision (str):  Default: '2026-07-15'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetBulkImportProfilesJobResponse4XX | GetBulkImportProfilesJobResponse5XX | GetProfileImportJobResponseCompoundDocument]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        fieldslist=fieldslist,
        fieldsprofile_bulk_import_job=fieldsprofile_bulk_import_job,
        include=include,
        revision=revision,
        auth=auth,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
    fieldslist: list[GetBulkImportProfilesJobFieldslistItem] | Unset = UNSET,
    fieldsprofile_bulk_import_job: list[GetBulkImportProfilesJobFieldsprofileBulkImportJobItem]
    | Unset = UNSET,
    include: list[GetBulkImportProfilesJobIncludeItem] | Unset = UNSET,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> (
    GetBulkImportProfilesJobResponse4XX
    | GetBulkImportProfilesJobResponse5XX
    | GetProfileImportJobResponseCompoundDocument
    | None
):
    """Get Bulk Profile Import Job

     Reads one bulk profile import job: its status and how many of its profiles are done and how many
    failed. Polled until the status is complete or cancelled.

    Args:
        job_id (str):
        fieldslist (list[GetBulkImportProfilesJobFieldslistItem] | Unset):
        fieldsprofile_bulk_import_job
            (list[GetBulkImportProfilesJobFieldsprofileBulkImportJobItem] | Unset):
        include (list[GetBulkImportProfilesJobIncludeItem] | Unset):
        revision (str):  Default: '2026-07-15'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetBulkImportProfilesJobResponse4XX | GetBulkImportProfilesJobResponse5XX | GetProfileImportJobResponseCompoundDocument
    """

    return sync_detailed(
        job_id=job_id,
        client=client,
        fieldslist=fieldslist,
        fieldsprofile_bulk_import_job=fieldsprofile_bulk_import_job,
        include=include,
        revision=revision,
        auth=auth,
    ).parsed


async def asyncio_detailed(
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
    fieldslist: list[GetBulkImportProfilesJobFieldslistItem] | Unset = UNSET,
    fieldsprofile_bulk_import_job: list[GetBulkImportProfilesJobFieldsprofileBulkImportJobItem]
    | Unset = UNSET,
    include: list[GetBulkImportProfilesJobIncludeItem] | Unset = UNSET,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> Response[
    GetBulkImportProfilesJobResponse4XX
    | GetBulkImportProfilesJobResponse5XX
    | GetProfileImportJobResponseCompoundDocument
]:
    """Get Bulk Profile Import Job

     Reads one bulk profile import job: its status and how many of its profiles are done and how many
    failed. Polled until the status is complete or cancelled.

    Args:
        job_id (str):
        fieldslist (list[GetBulkImportProfilesJobFieldslistItem] | Unset):
        fieldsprofile_bulk_import_job
            (list[GetBulkImportProfilesJobFieldsprofileBulkImportJobItem] | Unset):
        include (list[GetBulkImportProfilesJobIncludeItem] | Unset):
        revision (str):  Default: '2026-07-15'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetBulkImportProfilesJobResponse4XX | GetBulkImportProfilesJobResponse5XX | GetProfileImportJobResponseCompoundDocument]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        fieldslist=fieldslist,
        fieldsprofile_bulk_import_job=fieldsprofile_bulk_import_job,
        include=include,
        revision=revision,
        auth=auth,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
    fieldslist: list[GetBulkImportProfilesJobFieldslistItem] | Unset = UNSET,
    fieldsprofile_bulk_import_job: list[GetBulkImportProfilesJobFieldsprofileBulkImportJobItem]
    | Unset = UNSET,
    include: list[GetBulkImportProfilesJobIncludeItem] | Unset = UNSET,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> (
    GetBulkImportProfilesJobResponse4XX
    | GetBulkImportProfilesJobResponse5XX
    | GetProfileImportJobResponseCompoundDocument
    | None
):
    """Get Bulk Profile Import Job

     Reads one bulk profile import job: its status and how many of its profiles are done and how many
    failed. Polled until the status is complete or cancelled.

    Args:
        job_id (str):
        fieldslist (list[GetBulkImportProfilesJobFieldslistItem] | Unset):
        fieldsprofile_bulk_import_job
            (list[GetBulkImportProfilesJobFieldsprofileBulkImportJobItem] | Unset):
        include (list[GetBulkImportProfilesJobIncludeItem] | Unset):
        revision (str):  Default: '2026-07-15'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetBulkImportProfilesJobResponse4XX | GetBulkImportProfilesJobResponse5XX | GetProfileImportJobResponseCompoundDocument
    """

    return (
        await asyncio_detailed(
            job_id=job_id,
            client=client,
            fieldslist=fieldslist,
            fieldsprofile_bulk_import_job=fieldsprofile_bulk_import_job,
            include=include,
            revision=revision,
            auth=auth,
        )
    ).parsed
