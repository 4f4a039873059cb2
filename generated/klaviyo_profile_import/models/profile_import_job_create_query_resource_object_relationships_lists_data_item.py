from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.list_enum import ListEnum

T = TypeVar("T", bound="ProfileImportJobCreateQueryResourceObjectRelationshipsListsDataItem")


@_attrs_define
class ProfileImportJobCreateQueryResourceObjectRelationshipsListsDataItem:
    """
    Attributes:
        type_ (ListEnum): JSON:API type of a list.
        id (str): Identifier of a list.
    """

    type_: ListEnum
    id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        id = self.id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "id": id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = ListEnum(d.pop("type"))

        id = d.pop("id")

        profile_import_job_create_query_resource_object_relationships_lists_data_item = cls(
            type_=type_,
            id=id,
        )

        profile_import_job_create_query_resource_object_relationships_lists_data_item.additional_properties = d
        return profile_import_job_create_query_resource_object_relationships_lists_data_item

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
