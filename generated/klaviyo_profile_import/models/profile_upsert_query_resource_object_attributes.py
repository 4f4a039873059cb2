from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.profile_location import ProfileLocation
    from ..models.profile_upsert_query_resource_object_attributes_properties_type_0 import (
        ProfileUpsertQueryResourceObjectAttributesPropertiesType0,
    )


T = TypeVar("T", bound="ProfileUpsertQueryResourceObjectAttributes")


@_attrs_define
class ProfileUpsertQueryResourceObjectAttributes:
    """Attributes to set; null clears one, a missing key keeps it.

    Attributes:
        email (None | str | Unset): The profile's email address.
        phone_number (None | str | Unset): The phone number in E.164 form, e.g. +15005550006.
        external_id (None | str | Unset): The profile's identifier in the caller's own system.
        field_kx (None | str | Unset): Encrypted identifier that Klaviyo puts in tracked links to recognise the person
            who clicked.
        first_name (None | str | Unset): Given name.
        last_name (None | str | Unset): Family name.
        organization (None | str | Unset): Company or organisation the person belongs to.
        locale (None | str | Unset): Language and region as an IETF BCP 47 tag, e.g. en-GB.
        title (None | str | Unset): Job title.
        image (None | str | Unset): Address of a picture of the person.
        location (None | ProfileLocation | Unset): Postal and geographic location.
        properties (None | ProfileUpsertQueryResourceObjectAttributesPropertiesType0 | Unset): Custom key/value data of
            the caller's choosing.
    """

    email: None | str | Unset = UNSET
    phone_number: None | str | Unset = UNSET
    external_id: None | str | Unset = UNSET
    field_kx: None | str | Unset = UNSET
    first_name: None | str | Unset = UNSET
    last_name: None | str | Unset = UNSET
    organization: None | str | Unset = UNSET
    locale: None | str | Unset = UNSET
    title: None | str | Unset = UNSET
    image: None | str | Unset = UNSET
    location: None | ProfileLocation | Unset = UNSET
    properties: None | ProfileUpsertQueryResourceObjectAttributesPropertiesType0 | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.profile_location import ProfileLocation  # noqa: PLC0415
        from ..models.profile_upsert_query_resource_object_attributes_properties_type_0 import (
            ProfileUpsertQueryResourceObjectAttributesPropertiesType0,  # noqa: PLC0415
        )

        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

        phone_number: None | str | Unset
        if isinstance(self.phone_number, Unset):
            phone_number = UNSET
        else:
            phone_number = self.phone_number

        external_id: None | str | Unset
        if isinstance(self.external_id, Unset):
            external_id = UNSET
        else:
            external_id = self.external_id

        field_kx: None | str | Unset
        if isinstance(self.field_kx, Unset):
            field_kx = UNSET
        else:
            field_kx = self.field_kx

        first_name: None | str | Unset
        if isinstance(self.first_name, Unset):
            first_name = UNSET
        else:
            first_name = self.first_name

        last_name: None | str | Unset
        if isinstance(self.last_name, Unset):
            last_name = UNSET
        else:
            last_name = self.last_name

        organization: None | str | Unset
        if isinstance(self.organization, Unset):
            organization = UNSET
        else:
            organization = self.organization

        locale: None | str | Unset
        if isinstance(self.locale, Unset):
            locale = UNSET
        else:
            locale = self.locale

        title: None | str | Unset
        if isinstance(self.title, Unset):
            title = UNSET
        else:
            title = self.title

        image: None | str | Unset
        if isinstance(self.image, Unset):
            image = UNSET
        else:
            image = self.image

        location: dict[str, Any] | None | Unset
        if isinstance(self.location, Unset):
            location = UNSET
        elif isinstance(self.location, ProfileLocation):
            location = self.location.to_dict()
        else:
            location = self.location

        properties: dict[str, Any] | None | Unset
        if isinstance(self.properties, Unset):
            properties = UNSET
        elif isinstance(self.properties, ProfileUpsertQueryResourceObjectAttributesPropertiesType0):
            properties = self.properties.to_dict()
        else:
            properties = self.properties

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if email is not UNSET:
            field_dict["email"] = email
        if phone_number is not UNSET:
            field_dict["phone_number"] = phone_number
        if external_id is not UNSET:
            field_dict["external_id"] = external_id
        if field_kx is not UNSET:
            field_dict["_kx"] = field_kx
        if first_name is not UNSET:
            field_dict["first_name"] = first_name
        if last_name is not UNSET:
            field_dict["last_name"] = last_name
        if organization is not UNSET:
            field_dict["organization"] = organization
        if locale is not UNSET:
            field_dict["locale"] = locale
        if title is not UNSET:
            field_dict["title"] = title
        if image is not UNSET:
            field_dict["image"] = image
        if location is not UNSET:
            field_dict["location"] = location
        if properties is not UNSET:
            field_dict["properties"] = properties

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.profile_location import ProfileLocation  # noqa: PLC0415
        from ..models.profile_upsert_query_resource_object_attributes_properties_type_0 import (
            ProfileUpsertQueryResourceObjectAttributesPropertiesType0,  # noqa: PLC0415
        )

        d = dict(src_dict)

        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

        def _parse_phone_number(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        phone_number = _parse_phone_number(d.pop("phone_number", UNSET))

        def _parse_external_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        external_id = _parse_external_id(d.pop("external_id", UNSET))

        def _parse_field_kx(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        field_kx = _parse_field_kx(d.pop("_kx", UNSET))

        def _parse_first_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        first_name = _parse_first_name(d.pop("first_name", UNSET))

        def _parse_last_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_name = _parse_last_name(d.pop("last_name", UNSET))

        def _parse_organization(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        organization = _parse_organization(d.pop("organization", UNSET))

        def _parse_locale(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        locale = _parse_locale(d.pop("locale", UNSET))

        def _parse_title(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        title = _parse_title(d.pop("title", UNSET))

        def _parse_image(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        image = _parse_image(d.pop("image", UNSET))

        def _parse_location(data: object) -> None | ProfileLocation | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                location_type_0 = ProfileLocation.from_dict(data)

                return location_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProfileLocation | Unset, data)

        location = _parse_location(d.pop("location", UNSET))

        def _parse_properties(
            data: object,
        ) -> None | ProfileUpsertQueryResourceObjectAttributesPropertiesType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                properties_type_0 = (
                    ProfileUpsertQueryResourceObjectAttributesPropertiesType0.from_dict(data)
                )

                return properties_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None | ProfileUpsertQueryResourceObjectAttributesPropertiesType0 | Unset, data
            )

        properties = _parse_properties(d.pop("properties", UNSET))

        profile_upsert_query_resource_object_attributes = cls(
            email=email,
            phone_number=phone_number,
            external_id=external_id,
            field_kx=field_kx,
            first_name=first_name,
            last_name=last_name,
            organization=organization,
            locale=locale,
            title=title,
            image=image,
            location=location,
            properties=properties,
        )

        profile_upsert_query_resource_object_attributes.additional_properties = d
        return profile_upsert_query_resource_object_attributes

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
