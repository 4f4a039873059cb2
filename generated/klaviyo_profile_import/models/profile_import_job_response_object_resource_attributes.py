from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.profile_import_job_response_object_resource_attributes_status import (
    ProfileImportJobResponseObjectResourceAttributesStatus,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="ProfileImportJobResponseObjectResourceAttributes")


@_attrs_define
class ProfileImportJobResponseObjectResourceAttributes:
    """State and counters of the job.

    Attributes:
        status (ProfileImportJobResponseObjectResourceAttributesStatus | Unset): Where the job is: waiting to start,
            running, finished, or stopped before finishing.
        created_at (datetime.datetime | None | Unset): When the job was accepted (ISO 8601).
        total_count (int | None | Unset): Number of profiles the job was given.
        completed_count (int | None | Unset): Profiles processed so far, with or without success. Default: 0.
        failed_count (int | None | Unset): Profiles that could not be imported; each has an entry under the job's import
            errors. Default: 0.
        completed_at (datetime.datetime | None | Unset): When the job finished; null while it runs.
        expires_at (datetime.datetime | None | Unset): When the job and its results stop being available.
        started_at (datetime.datetime | None | Unset): When processing began; null while the job waits in the queue.
    """

    status: ProfileImportJobResponseObjectResourceAttributesStatus | Unset = UNSET
    created_at: datetime.datetime | None | Unset = UNSET
    total_count: int | None | Unset = UNSET
    completed_count: int | None | Unset = 0
    failed_count: int | None | Unset = 0
    completed_at: datetime.datetime | None | Unset = UNSET
    expires_at: datetime.datetime | None | Unset = UNSET
    started_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value

        created_at: None | str | Unset
        if isinstance(self.created_at, Unset):
            created_at = UNSET
        elif isinstance(self.created_at, datetime.datetime):
            created_at = self.created_at.isoformat()
        else:
            created_at = self.created_at

        total_count: int | None | Unset
        if isinstance(self.total_count, Unset):
            total_count = UNSET
        else:
            total_count = self.total_count

        completed_count: int | None | Unset
        if isinstance(self.completed_count, Unset):
            completed_count = UNSET
        else:
            completed_count = self.completed_count

        failed_count: int | None | Unset
        if isinstance(self.failed_count, Unset):
            failed_count = UNSET
        else:
            failed_count = self.failed_count

        completed_at: None | str | Unset
        if isinstance(self.completed_at, Unset):
            completed_at = UNSET
        elif isinstance(self.completed_at, datetime.datetime):
            completed_at = self.completed_at.isoformat()
        else:
            completed_at = self.completed_at

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        started_at: None | str | Unset
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        elif isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if status is not UNSET:
            field_dict["status"] = status
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if total_count is not UNSET:
            field_dict["total_count"] = total_count
        if completed_count is not UNSET:
            field_dict["completed_count"] = completed_count
        if failed_count is not UNSET:
            field_dict["failed_count"] = failed_count
        if completed_at is not UNSET:
            field_dict["completed_at"] = completed_at
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if started_at is not UNSET:
            field_dict["started_at"] = started_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _status = d.pop("status", UNSET)
        status: ProfileImportJobResponseObjectResourceAttributesStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = ProfileImportJobResponseObjectResourceAttributesStatus(_status)

        def _parse_created_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_at_type_0 = datetime.datetime.fromisoformat(data)

                return created_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        created_at = _parse_created_at(d.pop("created_at", UNSET))

        def _parse_total_count(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        total_count = _parse_total_count(d.pop("total_count", UNSET))

        def _parse_completed_count(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        completed_count = _parse_completed_count(d.pop("completed_count", UNSET))

        def _parse_failed_count(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        failed_count = _parse_failed_count(d.pop("failed_count", UNSET))

        def _parse_completed_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                completed_at_type_0 = datetime.datetime.fromisoformat(data)

                return completed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        completed_at = _parse_completed_at(d.pop("completed_at", UNSET))

        def _parse_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        def _parse_started_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        started_at = _parse_started_at(d.pop("started_at", UNSET))

        profile_import_job_response_object_resource_attributes = cls(
            status=status,
            created_at=created_at,
            total_count=total_count,
            completed_count=completed_count,
            failed_count=failed_count,
            completed_at=completed_at,
            expires_at=expires_at,
            started_at=started_at,
        )

        profile_import_job_response_object_resource_attributes.additional_properties = d
        return profile_import_job_response_object_resource_attributes

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
