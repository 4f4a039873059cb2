from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.profile_import_job_create_query_resource_object_attributes_profiles import (
        ProfileImportJobCreateQueryResourceObjectAttributesProfiles,
    )


T = TypeVar("T", bound="ProfileImportJobCreateQueryResourceObjectAttributes")


@_attrs_define
class ProfileImportJobCreateQueryResourceObjectAttributes:
    """What the job imports.

    Attributes:
        profiles (ProfileImportJobCreateQueryResourceObjectAttributesProfiles): The profiles to import, wrapped in a
            data member.
    """

    profiles: ProfileImportJobCreateQueryResourceObjectAttributesProfiles
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        profiles = self.profiles.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "profiles": profiles,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.profile_import_job_create_query_resource_object_attributes_profiles import (
            ProfileImportJobCreateQueryResourceObjectAttributesProfiles,  # noqa: PLC0415
        )

        d = dict(src_dict)
        profiles = ProfileImportJobCreateQueryResourceObjectAttributesProfiles.from_dict(
            d.pop("profiles")
        )

        profile_import_job_create_query_resource_object_attributes = cls(
            profiles=profiles,
        )

        profile_import_job_create_query_resource_object_attributes.additional_properties = d
        return profile_import_job_create_query_resource_object_attributes

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
