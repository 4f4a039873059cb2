from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.profile_bulk_import_job_enum import ProfileBulkImportJobEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.profile_import_job_create_query_resource_object_attributes import (
        ProfileImportJobCreateQueryResourceObjectAttributes,
    )
    from ..models.profile_import_job_create_query_resource_object_relationships import (
        ProfileImportJobCreateQueryResourceObjectRelationships,
    )


T = TypeVar("T", bound="ProfileImportJobCreateQueryResourceObject")


@_attrs_define
class ProfileImportJobCreateQueryResourceObject:
    """A bulk profile import job as sent to start one.

    Attributes:
        type_ (ProfileBulkImportJobEnum): Resource type of a bulk profile import job.
        attributes (ProfileImportJobCreateQueryResourceObjectAttributes): What the job imports.
        relationships (ProfileImportJobCreateQueryResourceObjectRelationships | Unset): Optional resources the imported
            profiles are linked to.
    """

    type_: ProfileBulkImportJobEnum
    attributes: ProfileImportJobCreateQueryResourceObjectAttributes
    relationships: ProfileImportJobCreateQueryResourceObjectRelationships | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        attributes = self.attributes.to_dict()

        relationships: dict[str, Any] | Unset = UNSET
        if not isinstance(self.relationships, Unset):
            relationships = self.relationships.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "attributes": attributes,
            }
        )
        if relationships is not UNSET:
            field_dict["relationships"] = relationships

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.profile_import_job_create_query_resource_object_attributes import (
            ProfileImportJobCreateQueryResourceObjectAttributes,  # noqa: PLC0415
        )
        from ..models.profile_import_job_create_query_resource_object_relationships import (
            ProfileImportJobCreateQueryResourceObjectRelationships,  # noqa: PLC0415
        )

        d = dict(src_dict)
        type_ = ProfileBulkImportJobEnum(d.pop("type"))

        attributes = ProfileImportJobCreateQueryResourceObjectAttributes.from_dict(
            d.pop("attributes")
        )

        _relationships = d.pop("relationships", UNSET)
        relationships: ProfileImportJobCreateQueryResourceObjectRelationships | Unset
        if isinstance(_relationships, Unset):
            relationships = UNSET
        else:
            relationships = ProfileImportJobCreateQueryResourceObjectRelationships.from_dict(
                _relationships
            )

        profile_import_job_create_query_resource_object = cls(
            type_=type_,
            attributes=attributes,
            relationships=relationships,
        )

        profile_import_job_create_query_resource_object.additional_properties = d
        return profile_import_job_create_query_resource_object

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
