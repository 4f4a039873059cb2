from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_errors_for_bulk_import_profiles_job_fieldsimport_error_item import (
    GetErrorsForBulkImportProfilesJobFieldsimportErrorItem,
)
from ...models.get_errors_for_bulk_import_profiles_job_response_4xx import (
    GetErrorsForBulkImportProfilesJobResponse4XX,
)
from ...models.get_errors_for_bulk_import_profiles_job_response_5xx import (
    GetErrorsForBulkImportProfilesJobResponse5XX,
)
from ...models.get_import_error_response_collection import GetImportErrorResponseCollection
from ...types import UNSET, Response, Unset


def _get_kwargs(
    job_id: str,
    *,
    fieldsimport_error: list[GetErrorsForBulkImportProfilesJobFieldsimportErrorItem]
    | Unset = UNSET,
    pagecursor: str | Unset = UNSET,
    pagesize: int | Unset = 20,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["revision"] = revision

    params: dict[str, Any] = {}

    json_fieldsimport_error: list[str] | Unset = UNSET
    if not isinstance(fieldsimport_error, Unset):
        json_fieldsimport_error = []
        for fieldsimport_error_item_data in fieldsimport_error:
            fieldsimport_error_item = fieldsimport_error_item_data.value
            json_fieldsimport_error.append(fieldsimport_error_item)

    if isinstance(json_fieldsimport_error, list) and json_fieldsimport_error:
        params["fields[import-error]"] = ",".join(str(item) for item in json_fieldsimport_error)

    params["page[cursor]"] = pagecursor

    params["page[size]"] = pagesize

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/profile-bulk-import-jobs/{job_id}/import-errors".format(
            job_id=quote(str(job_id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> (
    GetErrorsForBulkImportProfilesJobResponse4XX
    | GetErrorsForBulkImportProfilesJobResponse5XX
    | GetImportErrorResponseCollection
    | None
):
    if response.status_code == 200:
        try:
            response_200 = GetImportErrorResponseCollection.from_dict(response.json())

            return response_200

        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    if 400 <= response.status_code <= 499:
        try:
            response_4xx = GetErrorsForBulkImportProfilesJobResponse4XX.from_dict(response.json())

            return response_4xx

        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    if 500 <= response.status_code <= 599:
        try:
            response_5xx = GetErrorsForBulkImportProfilesJobResponse5XX.from_dict(response.json())

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
    GetErrorsForBulkImportProfilesJobResponse4XX
    | GetErrorsForBulkImportProfilesJobResponse5XX
    | GetImportErrorResponseCollection
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
    fieldsimport_error: list[GetErrorsForBulkImportProfilesJobFieldsimportErrorItem]
    | Unset = UNSET,
    pagecursor: str | Unset = UNSET,
    pagesize: int | Unset = 20,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> Response[
    GetErrorsForBulkImportProfilesJobResponse4XX
    | GetErrorsForBulkImportProfilesJobResponse5XX
    | GetImportErrorResponseCollection
]:
    """List a bulk profile import job's errors

     Pages through the profiles of one job that could not be imported, each with a code, a message and a
    pointer to the profile's place in the job's request. Paged by cursor: follow links.next until it is
    absent.

    Args:
        job_id (str):
        fieldsimport_error (list[GetErrorsForBulkImportProfilesJobFieldsimportErrorItem] | Unset):
        pagecursor (str | Unset):
        pagesize (int | Unset):  Default: 20.
        revision (str):  Default: '2026-07-15'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetErrorsForBulkImportProfilesJobResponse4XX | GetErrorsForBulkImportProfilesJobResponse5XX | GetImportErrorResponseCollection]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        fieldsimport_error=fieldsimport_error,
        pagecursor=pagecursor,
        pagesize=pagesize,
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
    fieldsimport_error: list[GetErrorsForBulkImportProfilesJobFieldsimportErrorItem]
    | Unset = UNSET,
    pagecursor: str | Unset = UNSET,
    pagesize: int | Unset = 20,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> (
    GetErrorsForBulkImportProfilesJobResponse4XX
    | GetErrorsForBulkImportProfilesJobResponse5XX
    | GetImportErrorResponseCollection
    | None
):
    """List a bulk profile import job's errors

     Pages through the profiles of one job that could not be imported, each with a code, a message and a
    pointer to the profile's place in the job's request. Paged by cursor: follow links.next until it is
    absent.

    Args:
        job_id (str):
        fieldsimport_error (list[GetErrorsForBulkImportProfilesJobFieldsimportErrorItem] | Unset):
        pagecursor (str | Unset):
        pagesize (int | Unset):  Default: 20.
        revision (str):  Default: '2026-07-15'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetErrorsForBulkImportProfilesJobResponse4XX | GetErrorsForBulkImportProfilesJobResponse5XX | GetImportErrorResponseCollection
    """

    return sync_detailed(
        job_id=job_id,
        client=client,
        fieldsimport_error=fieldsimport_error,
        pagecursor=pagecursor,
        pagesize=pagesize,
        revision=revision,
        auth=auth,
    ).parsed


async def asyncio_detailed(
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
    fieldsimport_error: list[GetErrorsForBulkImportProfilesJobFieldsimportErrorItem]
    | Unset = UNSET,
    pagecursor: str | Unset = UNSET,
    pagesize: int | Unset = 20,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> Response[
    GetErrorsForBulkImportProfilesJobResponse4XX
    | GetErrorsForBulkImportProfilesJobResponse5XX
    | GetImportErrorResponseCollection
]:
    """List a bulk profile import job's errors

     Pages through the profiles of one job that could not be imported, each with a code, a message and a
    pointer to the profile's place in the job's request. Paged by cursor: follow links.next until it is
    absent.

    Args:
        job_id (str):
        fieldsimport_error (list[GetErrorsForBulkImportProfilesJobFieldsimportErrorItem] | Unset):
        pagecursor (str | Unset):
        pagesize (int | Unset):  Default: 20.
        revision (str):  Default: '2026-07-15'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetErrorsForBulkImportProfilesJobResponse4XX | GetErrorsForBulkImportProfilesJobResponse5XX | GetImportErrorResponseCollection]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        fieldsimport_error=fieldsimport_error,
        pagecursor=pagecursor,
        pagesize=pagesize,
        revision=revision,
        auth=auth,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
    fieldsimport_error: list[GetErrorsForBulkImportProfilesJobFieldsimportErrorItem]
    | Unset = UNSET,
    pagecursor: str | Unset = UNSET,
    pagesize: int | Unset = 20,
    revision: str = "2026-07-15",
    auth: httpx.Auth | None = None,
) -> (
    GetErrorsForBulkImportProfilesJobResponse4XX
    | GetErrorsForBulkImportProfilesJobResponse5XX
    | GetImportErrorResponseCollection
    | None
):
    """List a bulk profile import job's errors

     Pages through the profiles of one job that could not be imported, each with a code, a message and a
    pointer to the profile's place in the job's request. Paged by cursor: follow links.next until it is
    absent.

    Args:
        job_id (str):
        fieldsimport_error (list[GetErrorsForBulkImportProfilesJobFieldsimportErrorItem] | Unset):
        pagecursor (str | Unset):
        pagesize (int | Unset):  Default: 20.
        revision (str):  Default: '2026-07-15'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetErrorsForBulkImportProfilesJobResponse4XX | GetErrorsForBulkImportProfilesJobResponse5XX | GetImportErrorResponseCollection
    """

    return (
        await asyncio_detailed(
            job_id=job_id,
            client=client,
            fieldsimport_error=fieldsimport_error,
            pagecursor=pagecursor,
            pagesize=pagesize,
            revision=revision,
            auth=auth,
        )
    ).parsed
