from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.email_channel import EmailChannel
    from ..models.push_channel import PushChannel
    from ..models.sms_channel import SMSChannel
    from ..models.whatsapp_channel import WhatsappChannel


T = TypeVar("T", bound="Subscriptions")


@_attrs_define
class Subscriptions:
    """Consent of the profile, channel by channel.

    Attributes:
        email (EmailChannel | None | Unset): Email consent.
        sms (None | SMSChannel | Unset): SMS consent.
        mobile_push (None | PushChannel | Unset): Mobile push consent.
        whatsapp (None | Unset | WhatsappChannel): WhatsApp consent.
    """

    email: EmailChannel | None | Unset = UNSET
    sms: None | SMSChannel | Unset = UNSET
    mobile_push: None | PushChannel | Unset = UNSET
    whatsapp: None | Unset | WhatsappChannel = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.email_channel import EmailChannel  # noqa: PLC0415
        from ..models.push_channel import PushChannel  # noqa: PLC0415
        from ..models.sms_channel import SMSChannel  # noqa: PLC0415
        from ..models.whatsapp_channel import WhatsappChannel  # noqa: PLC0415

        email: dict[str, Any] | None | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        elif isinstance(self.email, EmailChannel):
            email = self.email.to_dict()
        else:
            email = self.email

        sms: dict[str, Any] | None | Unset
        if isinstance(self.sms, Unset):
            sms = UNSET
        elif isinstance(self.sms, SMSChannel):
            sms = self.sms.to_dict()
        else:
            sms = self.sms

        mobile_push: dict[str, Any] | None | Unset
        if isinstance(self.mobile_push, Unset):
            mobile_push = UNSET
        elif isinstance(self.mobile_push, PushChannel):
            mobile_push = self.mobile_push.to_dict()
        else:
            mobile_push = self.mobile_push

        whatsapp: dict[str, Any] | None | Unset
        if isinstance(self.whatsapp, Unset):
            whatsapp = UNSET
        elif isinstance(self.whatsapp, WhatsappChannel):
            whatsapp = self.whatsapp.to_dict()
        else:
            whatsapp = self.whatsapp

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if email is not UNSET:
            field_dict["email"] = email
        if sms is not UNSET:
            field_dict["sms"] = sms
        if mobile_push is not UNSET:
            field_dict["mobile_push"] = mobile_push
        if whatsapp is not UNSET:
            field_dict["whatsapp"] = whatsapp

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.email_channel import EmailChannel  # noqa: PLC0415
        from ..models.push_channel import PushChannel  # noqa: PLC0415
        from ..models.sms_channel import SMSChannel  # noqa: PLC0415
        from ..models.whatsapp_channel import WhatsappChannel  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_email(data: object) -> EmailChannel | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                email_type_0 = EmailChannel.from_dict(data)

                return email_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EmailChannel | None | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

        def _parse_sms(data: object) -> None | SMSChannel | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                sms_type_0 = SMSChannel.from_dict(data)

                return sms_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SMSChannel | Unset, data)

        sms = _parse_sms(d.pop("sms", UNSET))

        def _parse_mobile_push(data: object) -> None | PushChannel | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                mobile_push_type_0 = PushChannel.from_dict(data)

                return mobile_push_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PushChannel | Unset, data)

        mobile_push = _parse_mobile_push(d.pop("mobile_push", UNSET))

        def _parse_whatsapp(data: object) -> None | Unset | WhatsappChannel:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                whatsapp_type_0 = WhatsappChannel.from_dict(data)

                return whatsapp_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | WhatsappChannel, data)

        whatsapp = _parse_whatsapp(d.pop("whatsapp", UNSET))

        subscriptions = cls(
            email=email,
            sms=sms,
            mobile_push=mobile_push,
            whatsapp=whatsapp,
        )

        subscriptions.additional_properties = d
        return subscriptions

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
