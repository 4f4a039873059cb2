from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.profile_enum import ProfileEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.profile_meta import ProfileMeta
    from ..models.profile_upsert_query_resource_object_attributes import (
        ProfileUpsertQueryResourceObjectAttributes,
    )


T = TypeVar("T", bound="ProfileUpsertQueryResourceObject")


@_attrs_define
class ProfileUpsertQueryResourceObject:
    """A profile resource as sent to the server.

    Attributes:
        type_ (ProfileEnum): JSON:API type of a profile.
        attributes (ProfileUpsertQueryResourceObjectAttributes): Attributes to set; null clears one, a missing key keeps
            it.
        id (None | str | Unset): Klaviyo's identifier of an existing profile to update.
        meta (None | ProfileMeta | Unset): Partial-update instructions.
    """

    type_: ProfileEnum
    attributes: ProfileUpsertQueryResourceObjectAttributes
    id: None | str | Unset = UNSET
    meta: None | ProfileMeta | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.profile_meta import ProfileMeta  # noqa: PLC0415

        type_ = self.type_.value

        attributes = self.attributes.to_dict()

        id: None | str | Unset
        if isinstance(self.id, Unset):
            id = UNSET
        else:
            id = self.id

        meta: dict[str, Any] | None | Unset
        if isinstance(self.meta, Unset):
            meta = UNSET
        elif isinstance(self.meta, ProfileMeta):
            meta = self.meta.to_dict()
        else:
            meta = self.meta

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "attributes": attributes,
            }
        )
        if id is not UNSET:
            field_dict["id"] = id
        if meta is not UNSET:
            field_dict["meta"] = meta

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.profile_meta import ProfileMeta  # noqa: PLC0415
        from ..models.profile_upsert_query_resource_object_attributes import (
            ProfileUpsertQueryResourceObjectAttributes,  # noqa: PLC0415
        )

        d = dict(src_dict)
        type_ = ProfileEnum(d.pop("type"))

        attributes = ProfileUpsertQueryResourceObjectAttributes.from_dict(d.pop("attributes"))

        def _parse_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        id = _parse_id(d.pop("id", UNSET))

        def _parse_meta(data: object) -> None | ProfileMeta | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                meta_type_0 = ProfileMeta.from_dict(data)

                return meta_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProfileMeta | Unset, data)

        meta = _parse_meta(d.pop("meta", UNSET))

        profile_upsert_query_resource_object = cls(
            type_=type_,
            attributes=attributes,
            id=id,
            meta=meta,
        )

        profile_upsert_query_resource_object.additional_properties = d
        return profile_upsert_query_resource_object

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
