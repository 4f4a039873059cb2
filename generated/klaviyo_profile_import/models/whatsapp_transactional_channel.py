from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.whatsapp_transactional_channel_metadata_type_0 import (
        WhatsappTransactionalChannelMetadataType0,
    )


T = TypeVar("T", bound="WhatsappTransactionalChannel")


@_attrs_define
class WhatsappTransactionalChannel:
    """WhatsApp transactional consent.

    Attributes:
        consent (None | str | Unset): The consent state.
        consent_timestamp (datetime.datetime | None | Unset): When consent was last given or withdrawn.
        last_updated (datetime.datetime | None | Unset): When this record last changed.
        created_timestamp (datetime.datetime | None | Unset): When this record was created.
        metadata (None | Unset | WhatsappTransactionalChannelMetadataType0): Extra data kept with the consent record.
        can_receive (bool | None | Unset): True when transactional messages may be sent now.
        valid_until (datetime.datetime | None | Unset): When the consent lapses, if it does.
        phone_number (None | str | Unset): The WhatsApp number the consent applies to.
    """

    consent: None | str | Unset = UNSET
    consent_timestamp: datetime.datetime | None | Unset = UNSET
    last_updated: datetime.datetime | None | Unset = UNSET
    created_timestamp: datetime.datetime | None | Unset = UNSET
    metadata: None | Unset | WhatsappTransactionalChannelMetadataType0 = UNSET
    can_receive: bool | None | Unset = UNSET
    valid_until: datetime.datetime | None | Unset = UNSET
    phone_number: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.whatsapp_transactional_channel_metadata_type_0 import (
            WhatsappTransactionalChannelMetadataType0,  # noqa: PLC0415
        )

        consent: None | str | Unset
        if isinstance(self.consent, Unset):
            consent = UNSET
        else:
            consent = self.consent

        consent_timestamp: None | str | Unset
        if isinstance(self.consent_timestamp, Unset):
            consent_timestamp = UNSET
        elif isinstance(self.consent_timestamp, datetime.datetime):
            consent_timestamp = self.consent_timestamp.isoformat()
        else:
            consent_timestamp = self.consent_timestamp

        last_updated: None | str | Unset
        if isinstance(self.last_updated, Unset):
            last_updated = UNSET
        elif isinstance(self.last_updated, datetime.datetime):
            last_updated = self.last_updated.isoformat()
        else:
            last_updated = self.last_updated

        created_timestamp: None | str | Unset
        if isinstance(self.created_timestamp, Unset):
            created_timestamp = UNSET
        elif isinstance(self.created_timestamp, datetime.datetime):
            created_timestamp = self.created_timestamp.isoformat()
        else:
            created_timestamp = self.created_timestamp

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, WhatsappTransactionalChannelMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        can_receive: bool | None | Unset
        if isinstance(self.can_receive, Unset):
            can_receive = UNSET
        else:
            can_receive = self.can_receive

        valid_until: None | str | Unset
        if isinstance(self.valid_until, Unset):
            valid_until = UNSET
        elif isinstance(self.valid_until, datetime.datetime):
            valid_until = self.valid_until.isoformat()
        else:
            valid_until = self.valid_until

        phone_number: None | str | Unset
        if isinstance(self.phone_number, Unset):
            phone_number = UNSET
        else:
            phone_number = self.phone_number

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if consent is not UNSET:
            field_dict["consent"] = consent
        if consent_timestamp is not UNSET:
            field_dict["consent_timestamp"] = consent_timestamp
        if last_updated is not UNSET:
            field_dict["last_updated"] = last_updated
        if created_timestamp is not UNSET:
            field_dict["created_timestamp"] = created_timestamp
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if can_receive is not UNSET:
            field_dict["can_receive"] = can_receive
        if valid_until is not UNSET:
            field_dict["valid_until"] = valid_until
        if phone_number is not UNSET:
            field_dict["phone_number"] = phone_number

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.whatsapp_transactional_channel_metadata_type_0 import (
            WhatsappTransactionalChannelMetadataType0,  # noqa: PLC0415
        )

        d = dict(src_dict)

        def _parse_consent(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        consent = _parse_consent(d.pop("consent", UNSET))

        def _parse_consent_timestamp(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                consent_timestamp_type_0 = datetime.datetime.fromisoformat(data)

                return consent_timestamp_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        consent_timestamp = _parse_consent_timestamp(d.pop("consent_timestamp", UNSET))

        def _parse_last_updated(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_updated_type_0 = datetime.datetime.fromisoformat(data)

                return last_updated_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_updated = _parse_last_updated(d.pop("last_updated", UNSET))

        def _parse_created_timestamp(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_timestamp_type_0 = datetime.datetime.fromisoformat(data)

                return created_timestamp_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        created_timestamp = _parse_created_timestamp(d.pop("created_timestamp", UNSET))

        def _parse_metadata(
            data: object,
        ) -> None | Unset | WhatsappTransactionalChannelMetadataType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = WhatsappTransactionalChannelMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | WhatsappTransactionalChannelMetadataType0, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        def _parse_can_receive(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        can_receive = _parse_can_receive(d.pop("can_receive", UNSET))

        def _parse_valid_until(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                valid_until_type_0 = datetime.datetime.fromisoformat(data)

                return valid_until_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        valid_until = _parse_valid_until(d.pop("valid_until", UNSET))

        def _parse_phone_number(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        phone_number = _parse_phone_number(d.pop("phone_number", UNSET))

        whatsapp_transactional_channel = cls(
            consent=consent,
            consent_timestamp=consent_timestamp,
            last_updated=last_updated,
            created_timestamp=created_timestamp,
            metadata=metadata,
            can_receive=can_receive,
            valid_until=valid_until,
            phone_number=phone_number,
        )

        whatsapp_transactional_channel.additional_properties = d
        return whatsapp_transactional_channel

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
