from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.post_profile_response_data_attributes_properties_type_0 import (
        PostProfileResponseDataAttributesPropertiesType0,
    )
    from ..models.predictive_analytics import PredictiveAnalytics
    from ..models.profile_location import ProfileLocation
    from ..models.subscriptions import Subscriptions


T = TypeVar("T", bound="PostProfileResponseDataAttributes")


@_attrs_define
class PostProfileResponseDataAttributes:
    """The profile attributes as stored.

    Attributes:
        email (None | str | Unset): The profile's email address.
        phone_number (None | str | Unset): The phone number in E.164 form, e.g. +15005550006.
        external_id (None | str | Unset): The profile's identifier in the caller's own system.
        first_name (None | str | Unset): Given name.
        last_name (None | str | Unset): Family name.
        organization (None | str | Unset): Company or organisation the person belongs to.
        locale (None | str | Unset): Language and region as an IETF BCP 47 tag, e.g. en-GB.
        title (None | str | Unset): Job title.
        image (None | str | Unset): Address of a picture of the person.
        created (datetime.datetime | None | Unset): When the profile was created.
        updated (datetime.datetime | None | Unset): When the profile last changed.
        last_event_date (datetime.datetime | None | Unset): When the profile last had an event.
        location (None | ProfileLocation | Unset): Postal and geographic location.
        properties (None | PostProfileResponseDataAttributesPropertiesType0 | Unset): Custom key/value data of the
            caller's choosing.
        subscriptions (None | Subscriptions | Unset): Consent per channel; present only when asked for with additional-
            fields.
        predictive_analytics (None | PredictiveAnalytics | Unset): Predicted values; present only when asked for with
            additional-fields.
    """

    email: None | str | Unset = UNSET
    phone_number: None | str | Unset = UNSET
    external_id: None | str | Unset = UNSET
    first_name: None | str | Unset = UNSET
    last_name: None | str | Unset = UNSET
    organization: None | str | Unset = UNSET
    locale: None | str | Unset = UNSET
    title: None | str | Unset = UNSET
    image: None | str | Unset = UNSET
    created: datetime.datetime | None | Unset = UNSET
    updated: datetime.datetime | None | Unset = UNSET
    last_event_date: datetime.datetime | None | Unset = UNSET
    location: None | ProfileLocation | Unset = UNSET
    properties: None | PostProfileResponseDataAttributesPropertiesType0 | Unset = UNSET
    subscriptions: None | Subscriptions | Unset = UNSET
    predictive_analytics: None | PredictiveAnalytics | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.post_profile_response_data_attributes_properties_type_0 import (
            PostProfileResponseDataAttributesPropertiesType0,  # noqa: PLC0415
        )
        from ..models.predictive_analytics import PredictiveAnalytics  # noqa: PLC0415
        from ..models.profile_location import ProfileLocation  # noqa: PLC0415
        from ..models.subscriptions import Subscriptions  # noqa: PLC0415

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

        created: None | str | Unset
        if isinstance(self.created, Unset):
            created = UNSET
        elif isinstance(self.created, datetime.datetime):
            created = self.created.isoformat()
        else:
            created = self.created

        updated: None | str | Unset
        if isinstance(self.updated, Unset):
            updated = UNSET
        elif isinstance(self.updated, datetime.datetime):
            updated = self.updated.isoformat()
        else:
            updated = self.updated

        last_event_date: None | str | Unset
        if isinstance(self.last_event_date, Unset):
            last_event_date = UNSET
        elif isinstance(self.last_event_date, datetime.datetime):
            last_event_date = self.last_event_date.isoformat()
        else:
            last_event_date = self.last_event_date

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
        elif isinstance(self.properties, PostProfileResponseDataAttributesPropertiesType0):
            properties = self.properties.to_dict()
        else:
            properties = self.properties

        subscriptions: dict[str, Any] | None | Unset
        if isinstance(self.subscriptions, Unset):
            subscriptions = UNSET
        elif isinstance(self.subscriptions, Subscriptions):
            subscriptions = self.subscriptions.to_dict()
        else:
            subscriptions = self.subscriptions

        predictive_analytics: dict[str, Any] | None | Unset
        if isinstance(self.predictive_analytics, Unset):
            predictive_analytics = UNSET
        elif isinstance(self.predictive_analytics, PredictiveAnalytics):
            predictive_analytics = self.predictive_analytics.to_dict()
        else:
            predictive_analytics = self.predictive_analytics

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if email is not UNSET:
            field_dict["email"] = email
        if phone_number is not UNSET:
            field_dict["phone_number"] = phone_number
        if external_id is not UNSET:
            field_dict["external_id"] = external_id
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
        if created is not UNSET:
            field_dict["created"] = created
        if updated is not UNSET:
            field_dict["updated"] = updated
        if last_event_date is not UNSET:
            field_dict["last_event_date"] = last_event_date
        if location is not UNSET:
            field_dict["location"] = location
        if properties is not UNSET:
            field_dict["properties"] = properties
        if subscriptions is not UNSET:
            field_dict["subscriptions"] = subscriptions
        if predictive_analytics is not UNSET:
            field_dict["predictive_analytics"] = predictive_analytics

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.post_profile_response_data_attributes_properties_type_0 import (
            PostProfileResponseDataAttributesPropertiesType0,  # noqa: PLC0415
        )
        from ..models.predictive_analytics import PredictiveAnalytics  # noqa: PLC0415
        from ..models.profile_location import ProfileLocation  # noqa: PLC0415
        from ..models.subscriptions import Subscriptions  # noqa: PLC0415

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

        def _parse_created(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_type_0 = datetime.datetime.fromisoformat(data)

                return created_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        created = _parse_created(d.pop("created", UNSET))

        def _parse_updated(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                updated_type_0 = datetime.datetime.fromisoformat(data)

                return updated_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        updated = _parse_updated(d.pop("updated", UNSET))

        def _parse_last_event_date(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_event_date_type_0 = datetime.datetime.fromisoformat(data)

                return last_event_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_event_date = _parse_last_event_date(d.pop("last_event_date", UNSET))

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
        ) -> None | PostProfileResponseDataAttributesPropertiesType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                properties_type_0 = PostProfileResponseDataAttributesPropertiesType0.from_dict(data)

                return properties_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PostProfileResponseDataAttributesPropertiesType0 | Unset, data)

        properties = _parse_properties(d.pop("properties", UNSET))

        def _parse_subscriptions(data: object) -> None | Subscriptions | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                subscriptions_type_0 = Subscriptions.from_dict(data)

                return subscriptions_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Subscriptions | Unset, data)

        subscriptions = _parse_subscriptions(d.pop("subscriptions", UNSET))

        def _parse_predictive_analytics(data: object) -> None | PredictiveAnalytics | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                predictive_analytics_type_0 = PredictiveAnalytics.from_dict(data)

                return predictive_analytics_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PredictiveAnalytics | Unset, data)

        predictive_analytics = _parse_predictive_analytics(d.pop("predictive_analytics", UNSET))

        post_profile_response_data_attributes = cls(
            email=email,
            phone_number=phone_number,
            external_id=external_id,
            first_name=first_name,
            last_name=last_name,
            organization=organization,
            locale=locale,
            title=title,
            image=image,
            created=created,
            updated=updated,
            last_event_date=last_event_date,
            location=location,
            properties=properties,
            subscriptions=subscriptions,
            predictive_analytics=predictive_analytics,
        )

        post_profile_response_data_attributes.additional_properties = d
        return post_profile_response_data_attributes

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
