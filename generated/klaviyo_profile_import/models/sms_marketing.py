from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SMSMarketing")


@_attrs_define
class SMSMarketing:
    """SMS marketing consent.

    Attributes:
        can_receive_sms_marketing (bool | None | Unset): True when marketing SMS may be sent now.
        consent (None | str | Unset): The consent state.
        consent_timestamp (datetime.datetime | None | Unset): When consent was last given or withdrawn.
        method (None | str | Unset): How consent was collected.
        method_detail (None | str | Unset): More about how consent was collected. Default: ''.
        last_updated (datetime.datetime | None | Unset): When this record last changed.
    """

    can_receive_sms_marketing: bool | None | Unset = UNSET
    consent: None | str | Unset = UNSET
    consent_timestamp: datetime.datetime | None | Unset = UNSET
    method: None | str | Unset = UNSET
    method_detail: None | str | Unset = ""
    last_updated: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        can_receive_sms_marketing: bool | None | Unset
        if isinstance(self.can_receive_sms_marketing, Unset):
            can_receive_sms_marketing = UNSET
        else:
            can_receive_sms_marketing = self.can_receive_sms_marketing

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

        method: None | str | Unset
        if isinstance(self.method, Unset):
            method = UNSET
        else:
            method = self.method

        method_detail: None | str | Unset
        if isinstance(self.method_detail, Unset):
            method_detail = UNSET
        else:
            method_detail = self.method_detail

        last_updated: None | str | Unset
        if isinstance(self.last_updated, Unset):
            last_updated = UNSET
        elif isinstance(self.last_updated, datetime.datetime):
            last_updated = self.last_updated.isoformat()
        else:
            last_updated = self.last_updated

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if can_receive_sms_marketing is not UNSET:
            field_dict["can_receive_sms_marketing"] = can_receive_sms_marketing
        if consent is not UNSET:
            field_dict["consent"] = consent
        if consent_timestamp is not UNSET:
            field_dict["consent_timestamp"] = consent_timestamp
        if method is not UNSET:
            field_dict["method"] = method
        if method_detail is not UNSET:
            field_dict["method_detail"] = method_detail
        if last_updated is not UNSET:
            field_dict["last_updated"] = last_updated

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_can_receive_sms_marketing(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        can_receive_sms_marketing = _parse_can_receive_sms_marketing(
            d.pop("can_receive_sms_marketing", UNSET)
        )

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

        def _parse_method(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        method = _parse_method(d.pop("method", UNSET))

        def _parse_method_detail(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        method_detail = _parse_method_detail(d.pop("method_detail", UNSET))

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

        sms_marketing = cls(
            can_receive_sms_marketing=can_receive_sms_marketing,
            consent=consent,
            consent_timestamp=consent_timestamp,
            method=method,
            method_detail=method_detail,
            last_updated=last_updated,
        )

        sms_marketing.additional_properties = d
        return sms_marketing

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
