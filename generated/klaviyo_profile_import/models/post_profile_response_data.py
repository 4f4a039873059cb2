from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.profile_enum import ProfileEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.object_links import ObjectLinks
    from ..models.post_profile_response_data_attributes import PostProfileResponseDataAttributes
    from ..models.post_profile_response_data_relationships import (
        PostProfileResponseDataRelationships,
    )


T = TypeVar("T", bound="PostProfileResponseData")


@_attrs_define
class PostProfileResponseData:
    """The profile resource.

    Attributes:
        type_ (None | ProfileEnum | Unset): Always "profile".
        id (None | str | Unset): Klaviyo's identifier of the profile.
        attributes (None | PostProfileResponseDataAttributes | Unset): The profile attributes as stored.
        relationships (None | PostProfileResponseDataRelationships | Unset):
        links (None | ObjectLinks | Unset): Where the profile can be fetched.
    """

    type_: None | ProfileEnum | Unset = UNSET
    id: None | str | Unset = UNSET
    attributes: None | PostProfileResponseDataAttributes | Unset = UNSET
    relationships: None | PostProfileResponseDataRelationships | Unset = UNSET
    links: None | ObjectLinks | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.object_links import ObjectLinks  # noqa: PLC0415
        from ..models.post_profile_response_data_attributes import PostProfileResponseDataAttributes  # noqa: PLC0415
        from ..models.post_profile_response_data_relationships import (
            PostProfileResponseDataRelationships,  # noqa: PLC0415
        )

        type_: None | str | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        elif isinstance(self.type_, ProfileEnum):
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
        elif isinstance(self.attributes, PostProfileResponseDataAttributes):
            attributes = self.attributes.to_dict()
        else:
            attributes = self.attributes

        relationships: dict[str, Any] | None | Unset
        if isinstance(self.relationships, Unset):
            relationships = UNSET
        elif isinstance(self.relationships, PostProfileResponseDataRelationships):
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
        from ..models.object_links import ObjectLinks  # noqa: PLC0415
        from ..models.post_profile_response_data_attributes import PostProfileResponseDataAttributes  # noqa: PLC0415
        from ..models.post_profile_response_data_relationships import (
            PostProfileResponseDataRelationships,  # noqa: PLC0415
        )

        d = dict(src_dict)

        def _parse_type_(data: object) -> None | ProfileEnum | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                type_type_0 = ProfileEnum(data)

                return type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProfileEnum | Unset, data)

        type_ = _parse_type_(d.pop("type", UNSET))

        def _parse_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        id = _parse_id(d.pop("id", UNSET))

        def _parse_attributes(data: object) -> None | PostProfileResponseDataAttributes | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                attributes_type_0 = PostProfileResponseDataAttributes.from_dict(data)

                return attributes_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PostProfileResponseDataAttributes | Unset, data)

        attributes = _parse_attributes(d.pop("attributes", UNSET))

        def _parse_relationships(
            data: object,
        ) -> None | PostProfileResponseDataRelationships | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                relationships_type_0 = PostProfileResponseDataRelationships.from_dict(data)

                return relationships_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PostProfileResponseDataRelationships | Unset, data)

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

        post_profile_response_data = cls(
            type_=type_,
            id=id,
            attributes=attributes,
            relationships=relationships,
            links=links,
        )

        post_profile_response_data.additional_properties = d
        return post_profile_response_data

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
