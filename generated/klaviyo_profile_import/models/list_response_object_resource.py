from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.list_enum import ListEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.list_response_object_resource_attributes import (
        ListResponseObjectResourceAttributes,
    )
    from ..models.list_response_object_resource_relationships import (
        ListResponseObjectResourceRelationships,
    )
    from ..models.object_links import ObjectLinks


T = TypeVar("T", bound="ListResponseObjectResource")


@_attrs_define
class ListResponseObjectResource:
    """A list, as included with a job.

    Attributes:
        type_ (ListEnum | None | Unset): Always list.
        id (None | str | Unset): Identifier of the list.
        attributes (ListResponseObjectResourceAttributes | None | Unset):
        relationships (ListResponseObjectResourceRelationships | None | Unset):
        links (None | ObjectLinks | Unset):
    """

    type_: ListEnum | None | Unset = UNSET
    id: None | str | Unset = UNSET
    attributes: ListResponseObjectResourceAttributes | None | Unset = UNSET
    relationships: ListResponseObjectResourceRelationships | None | Unset = UNSET
    links: None | ObjectLinks | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.list_response_object_resource_attributes import (
            ListResponseObjectResourceAttributes,  # noqa: PLC0415
        )
        from ..models.list_response_object_resource_relationships import (
            ListResponseObjectResourceRelationships,  # noqa: PLC0415
        )
        from ..models.object_links import ObjectLinks  # noqa: PLC0415

        type_: None | str | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        elif isinstance(self.type_, ListEnum):
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
        elif isinstance(self.attributes, ListResponseObjectResourceAttributes):
            attributes = self.attributes.to_dict()
        else:
            attributes = self.attributes

        relationships: dict[str, Any] | None | Unset
        if isinstance(self.relationships, Unset):
            relationships = UNSET
        elif isinstance(self.relationships, ListResponseObjectResourceRelationships):
            relationships = self.relationships.to_dict()
        else:
            relationships = self.relationships

        links: dict[str, Any] | None | Unset
        if isinstance(self.links, Unset):
            links = UNSET
        elif isinstance(self.links, ObjectLinks):
            links = self.links.to_dict()
        else:
            links = self.links

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if type_ is not UNSET:
            field_dict["type"] = type_
        if id is not UNSET:
            field_dict["id"] = id
        if attributes is not UNSET:
            field_dict["attributes"] = attributes
        if relationships is not UNSET:
            field_dict["relationships"] = relationships
        if links is not UNSET:
            field_dict["links"] = links

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.list_response_object_resource_attributes import (
            ListResponseObjectResourceAttributes,  # noqa: PLC0415
        )
        from ..models.list_response_object_resource_relationships import (
            ListResponseObjectResourceRelationships,  # noqa: PLC0415
        )
        from ..models.object_links import ObjectLinks  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_type_(data: object) -> ListEnum | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                type_type_0 = ListEnum(data)

                return type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ListEnum | None | Unset, data)

        type_ = _parse_type_(d.pop("type", UNSET))

        def _parse_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        id = _parse_id(d.pop("id", UNSET))

        def _parse_attributes(data: object) -> ListResponseObjectResourceAttributes | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                attributes_type_0 = ListResponseObjectResourceAttributes.from_dict(data)

                return attributes_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ListResponseObjectResourceAttributes | None | Unset, data)

        attributes = _parse_attributes(d.pop("attributes", UNSET))

        def _parse_relationships(
            data: object,
        ) -> ListResponseObjectResourceRelationships | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                relationships_type_0 = ListResponseObjectResourceRelationships.from_dict(data)

                return relationships_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ListResponseObjectResourceRelationships | None | Unset, data)

        relationships = _parse_relationships(d.pop("relationships", UNSET))

        def _parse_links(data: object) -> None | ObjectLinks | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                links_type_0 = ObjectLinks.from_dict(data)

                return links_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ObjectLinks | Unset, data)

        links = _parse_links(d.pop("links", UNSET))

        list_response_object_resource = cls(
            type_=type_,
            id=id,
            attributes=attributes,
            relationships=relationships,
            links=links,
        )

        list_response_object_resource.additional_properties = d
        return list_response_object_resource

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
