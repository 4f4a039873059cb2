from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.import_error_enum import ImportErrorEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.import_error_response_object_resource_attributes import (
        ImportErrorResponseObjectResourceAttributes,
    )


T = TypeVar("T", bound="ImportErrorResponseObjectResource")


@_attrs_define
class ImportErrorResponseObjectResource:
    """One profile of a job that could not be imported.

    Attributes:
        type_ (ImportErrorEnum | None | Unset): Always import-error.
        id (None | str | Unset): Identifier of this error.
        attributes (ImportErrorResponseObjectResourceAttributes | None | Unset):
    """

    type_: ImportErrorEnum | None | Unset = UNSET
    id: None | str | Unset = UNSET
    attributes: ImportErrorResponseObjectResourceAttributes | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.import_error_response_object_resource_attributes import (
            ImportErrorResponseObjectResourceAttributes,  # noqa: PLC0415
        )

        type_: None | str | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        elif isinstance(self.type_, ImportErrorEnum):
            type_ = self.type_.value
        else:
            type_ = self.type_

        id: None | str | Unset
        if isinstance(self.id, Unset):
            id = UNSET
        else:
            id = self.id

        attributes: dict[str, Any] | None | Unset
        if isinstance(self.attributes, Unset):
            attributes = UNSET
        elif isinstance(self.attributes, ImportErrorResponseObjectResourceAttributes):
            attributes = self.attributes.to_dict()
        else:
            attributes = self.attributes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if type_ is not UNSET:
            field_dict["type"] = type_
        if id is not UNSET:
            field_dict["id"] = id
        if attributes is not UNSET:
            field_dict["attributes"] = attributes

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.import_error_response_object_resource_attributes import (
            ImportErrorResponseObjectResourceAttributes,  # noqa: PLC0415
        )

        d = dict(src_dict)

        def _parse_type_(data: object) -> ImportErrorEnum | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                type_type_0 = ImportErrorEnum(data)

                return type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ImportErrorEnum | None | Unset, data)

        type_ = _parse_type_(d.pop("type", UNSET))

        def _parse_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        id = _parse_id(d.pop("id", UNSET))

        def _parse_attributes(
            data: object,
        ) -> ImportErrorResponseObjectResourceAttributes | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                attributes_type_0 = ImportErrorResponseObjectResourceAttributes.from_dict(data)

                return attributes_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ImportErrorResponseObjectResourceAttributes | None | Unset, data)

        attributes = _parse_attributes(d.pop("attributes", UNSET))

        import_error_response_object_resource = cls(
            type_=type_,
            id=id,
            attributes=attributes,
        )

        import_error_response_object_resource.additional_properties = d
        return import_error_response_object_resource

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
