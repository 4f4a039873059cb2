"""The one place the wrapper binds to names of the generated package that come from Klaviyo's
spec: operation modules and schema models.

Generation names each operation by its role (method and path), never by Klaviyo's
``operationId``, and gives the schemas imported here fixed names (``scripts/operations.py``),
so these names are the same in every revision. The generated ``facts`` say which operations a
revision has: the bulk import job modules are imported only when it lists them (each on first
use), and asking for one it lacks raises
:class:`~klaviyo_profiles.errors.BulkImportUnavailableError` naming the revision. (``facts``,
``arguments`` and ``types`` are named by the project's templates, not by the spec, and are
imported directly where needed.)
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Mapping
from types import ModuleType
from typing import Any, cast

from klaviyo_profile_import import facts, models, payloads
from klaviyo_profile_import.api.profiles import create_or_update_profile as single_endpoint
from klaviyo_profile_import.models import (
    PostProfileResponse,
    ProfileUpsertQuery,
    ProfileUpsertQueryResourceObject,
)

from .errors import BulkImportUnavailableError

__all__ = [
    "BULK_IMPORT_PROFILES",
    "GET_BULK_IMPORT_PROFILES_JOB",
    "GET_ERRORS_FOR_BULK_IMPORT_PROFILES_JOB",
    "JOB_OPERATIONS",
    "QUERY_ENUMS",
    "PostProfileResponse",
    "PostProfileResponseDataAttributes",
    "ProfileUpsertQuery",
    "ProfileUpsertQueryResourceObject",
    "bulk_jobs_available",
    "has_operation",
    "job_request",
    "missing_job_operations",
    "operation",
    "payloads",
    "require",
    "single_endpoint",
]

#: The roles of the bulk import job operations: start a job, read it, list its import errors.
BULK_IMPORT_PROFILES = "bulk_import_profiles"
GET_BULK_IMPORT_PROFILES_JOB = "get_bulk_import_profiles_job"
GET_ERRORS_FOR_BULK_IMPORT_PROFILES_JOB = "get_errors_for_bulk_import_profiles_job"
JOB_OPERATIONS: tuple[str, ...] = (
    BULK_IMPORT_PROFILES,
    GET_BULK_IMPORT_PROFILES_JOB,
    GET_ERRORS_FOR_BULK_IMPORT_PROFILES_JOB,
)

#: The profile attributes of a response, as the TypedDict generated from its schema.
PostProfileResponseDataAttributes = payloads.PostProfileResponseDataAttributes

# The generated enum of each query parameter of Create or Update Profile, by the keyword its
# module takes. Looked up by name because a revision without the parameter (fields[profile]
# before 2026-04-15) has no such class; facts then lists no values and the lookup is never used.
QUERY_ENUMS: dict[str, Any] = {
    "additional_fieldsprofile": getattr(
        models, "CreateOrUpdateProfileAdditionalFieldsprofileItem", str
    ),
    "fieldsprofile": getattr(models, "CreateOrUpdateProfileFieldsprofileItem", str),
}


class _JobModules(Mapping[str, ModuleType]):
    """The job operations' generated modules by role, each imported on first use (a
    program that makes single calls never loads them, nor the models they import)."""

    def __init__(self, names: Iterable[str]) -> None:
        self._names = tuple(names)
        self._modules: dict[str, ModuleType] = {}

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __getitem__(self, name: str) -> ModuleType:
        module = self._modules.get(name)
        if module is None:
            if name not in self._names:
                raise KeyError(name)
            module = importlib.import_module(f"klaviyo_profile_import.api.profiles.{name}")
            self._modules[name] = module
        return module

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


# Bound by name only when the facts list the operation: a revision without it has no module.
_job_modules: Mapping[str, ModuleType] = _JobModules(
    name for name in JOB_OPERATIONS if name in facts.OPERATIONS
)


def has_operation(name: str) -> bool:
    """Whether the revision has the operation ``name`` (a role such as
    ``"bulk_import_profiles"``) and its generated module is bound."""
    return name in facts.OPERATIONS and (name == facts.OPERATION_ID or name in _job_modules)


def missing_job_operations() -> tuple[str, ...]:
    """The bulk job operations the revision lacks (none in a revision that has jobs)."""
    return tuple(name for name in JOB_OPERATIONS if not has_operation(name))


def bulk_jobs_available() -> bool:
    """Whether jobs can be started, followed and their errors read: all three operations."""
    return not missing_job_operations()


def require(*names: str) -> None:
    """Raise :class:`BulkImportUnavailableError` for the first of ``names`` (default: every
    bulk job operation) the revision lacks."""
    for name in names or JOB_OPERATIONS:
        if not has_operation(name):
            raise BulkImportUnavailableError(name, facts.REVISION)


def operation(name: str) -> facts.Operation:
    """What the facts state about the operation ``name``.

    Raises:
        BulkImportUnavailableError: the revision has no such operation.
    """
    require(name)
    return facts.OPERATIONS[name]


def job_request(name: str, revision: str, **arguments: Any) -> dict[str, Any]:
    """The keyword arguments for ``httpx`` of one request of a bulk job operation, built by its
    generated module (path, query parameters, ``revision`` and ``Content-Type`` headers).

    Raises:
        BulkImportUnavailableError: the revision has no such operation; nothing is sent.
    """
    require(name)
    return cast(dict[str, Any], _job_modules[name]._get_kwargs(revision=revision, **arguments))
