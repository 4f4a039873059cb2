from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.whatsapp_conversational_channel import WhatsappConversationalChannel
    from ..models.whatsapp_marketing_channel import WhatsappMarketingChannel
    from ..models.whatsapp_transactional_channel import WhatsappTransactionalChannel


T = TypeVar("T", bound="WhatsappChannel")


@_attrs_define
class WhatsappChannel:
    """Consent state of the profile for WhatsApp.

    Attributes:
        marketing (None | Unset | WhatsappMarketingChannel): Consent to receive WhatsApp marketing.
        transactional (None | Unset | WhatsappTransactionalChannel): Consent to receive transactional WhatsApp messages.
        conversational (None | Unset | WhatsappConversationalChannel): Consent to conversational WhatsApp messages.
    """

    marketing: None | Unset | WhatsappMarketingChannel = UNSET
    transactional: None | Unset | WhatsappTransactionalChannel = UNSET
    conversational: None | Unset | WhatsappConversationalChannel = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.whatsapp_conversational_channel import WhatsappConversationalChannel  # noqa: PLC0415
        from ..models.whatsapp_marketing_channel import WhatsappMarketingChannel  # noqa: PLC0415
        from ..models.whatsapp_transactional_channel import WhatsappTransactionalChannel  # noqa: PLC0415

        marketing: dict[str, Any] | None | Unset
        if isinstance(self.marketing, Unset):
            marketing = UNSET
        elif isinstance(self.marketing, WhatsappMarketingChannel):
            marketing = self.marketing.to_dict()
        else:
            marketing = self.marketing

        transactional: dict[str, Any] | None | Unset
        if isinstance(self.transactional, Unset):
            transactional = UNSET
        elif isinstance(self.transactional, WhatsappTransactionalChannel):
            transactional = self.transactional.to_dict()
        else:
            transactional = self.transactional

        conversational: dict[str, Any] | None | Unset
        if isinstance(self.conversational, Unset):
            conversational = UNSET
        elif isinstance(self.conversational, WhatsappConversationalChannel):
            conversational = self.conversational.to_dict()
        else:
            conversational = self.conversational

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if marketing is not UNSET:
            field_dict["marketing"] = marketing
        if transactional is not UNSET:
            field_dict["transactional"] = transactional
        if conversational is not UNSET:
            field_dict["conversational"] = conversational

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.whatsapp_conversational_channel import WhatsappConversationalChannel  # noqa: PLC0415
        from ..models.whatsapp_marketing_channel import WhatsappMarketingChannel  # noqa: PLC0415
        from ..models.whatsapp_transactional_channel import WhatsappTransactionalChannel  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_marketing(data: object) -> None | Unset | WhatsappMarketingChannel:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                marketing_type_0 = WhatsappMarketingChannel.from_dict(data)

                return marketing_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | WhatsappMarketingChannel, data)

        marketing = _parse_marketing(d.pop("marketing", UNSET))

        def _parse_transactional(data: object) -> None | Unset | WhatsappTransactionalChannel:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                transactional_type_0 = WhatsappTransactionalChannel.from_dict(data)

                return transactional_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | WhatsappTransactionalChannel, data)

        transactional = _parse_transactional(d.pop("transactional", UNSET))

        def _parse_conversational(data: object) -> None | Unset | WhatsappConversationalChannel:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                conversational_type_0 = WhatsappConversationalChannel.from_dict(data)

                return conversational_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | WhatsappConversationalChannel, data)

        conversational = _parse_conversational(d.pop("conversational", UNSET))

        whatsapp_channel = cls(
            marketing=marketing,
            transactional=transactional,
            conversational=conversational,
        )

        whatsapp_channel.additional_properties = d
        return whatsapp_channel

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
