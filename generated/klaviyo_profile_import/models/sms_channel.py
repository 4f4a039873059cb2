from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.sms_marketing import SMSMarketing
    from ..models.sms_transactional import SMSTransactional


T = TypeVar("T", bound="SMSChannel")


@_attrs_define
class SMSChannel:
    """Consent state of the profile for SMS.

    Attributes:
        marketing (None | SMSMarketing | Unset): Consent to receive marketing SMS.
        transactional (None | SMSTransactional | Unset): Consent to receive transactional SMS.
    """

    marketing: None | SMSMarketing | Unset = UNSET
    transactional: None | SMSTransactional | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.sms_marketing import SMSMarketing  # noqa: PLC0415
        from ..models.sms_transactional import SMSTransactional  # noqa: PLC0415

        marketing: dict[str, Any] | None | Unset
        if isinstance(self.marketing, Unset):
            marketing = UNSET
        elif isinstance(self.marketing, SMSMarketing):
            marketing = self.marketing.to_dict()
        else:
            marketing = self.marketing

        transactional: dict[str, Any] | None | Unset
        if isinstance(self.transactional, Unset):
            transactional = UNSET
        elif isinstance(self.transactional, SMSTransactional):
            transactional = self.transactional.to_dict()
        else:
            transactional = self.transactional

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if marketing is not UNSET:
            field_dict["marketing"] = marketing
        if transactional is not UNSET:
            field_dict["transactional"] = transactional

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.sms_marketing import SMSMarketing  # noqa: PLC0415
        from ..models.sms_transactional import SMSTransactional  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_marketing(data: object) -> None | SMSMarketing | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                marketing_type_0 = SMSMarketing.from_dict(data)

                return marketing_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SMSMarketing | Unset, data)

        marketing = _parse_marketing(d.pop("marketing", UNSET))

        def _parse_transactional(data: object) -> None | SMSTransactional | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                transactional_type_0 = SMSTransactional.from_dict(data)

                return transactional_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SMSTransactional | Unset, data)

        transactional = _parse_transactional(d.pop("transactional", UNSET))

        sms_channel = cls(
            marketing=marketing,
            transactional=transactional,
        )

        sms_channel.additional_properties = d
        return sms_channel

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
