from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.email_marketing import EmailMarketing
    from ..models.open_tracking_consent import OpenTrackingConsent


T = TypeVar("T", bound="EmailChannel")


@_attrs_define
class EmailChannel:
    """Consent state of the profile for email.

    Attributes:
        marketing (EmailMarketing | None | Unset): Consent to receive marketing email.
        open_tracking (None | OpenTrackingConsent | Unset): Consent to have email opens tracked.
    """

    marketing: EmailMarketing | None | Unset = UNSET
    open_tracking: None | OpenTrackingConsent | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.email_marketing import EmailMarketing  # noqa: PLC0415
        from ..models.open_tracking_consent import OpenTrackingConsent  # noqa: PLC0415

        marketing: dict[str, Any] | None | Unset
        if isinstance(self.marketing, Unset):
            marketing = UNSET
        elif isinstance(self.marketing, EmailMarketing):
            marketing = self.marketing.to_dict()
        else:
            marketing = self.marketing

        open_tracking: dict[str, Any] | None | Unset
        if isinstance(self.open_tracking, Unset):
            open_tracking = UNSET
        elif isinstance(self.open_tracking, OpenTrackingConsent):
            open_tracking = self.open_tracking.to_dict()
        else:
            open_tracking = self.open_tracking

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if marketing is not UNSET:
            field_dict["marketing"] = marketing
        if open_tracking is not UNSET:
            field_dict["open_tracking"] = open_tracking

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.email_marketing import EmailMarketing  # noqa: PLC0415
        from ..models.open_tracking_consent import OpenTrackingConsent  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_marketing(data: object) -> EmailMarketing | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                marketing_type_0 = EmailMarketing.from_dict(data)

                return marketing_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EmailMarketing | None | Unset, data)

        marketing = _parse_marketing(d.pop("marketing", UNSET))

        def _parse_open_tracking(data: object) -> None | OpenTrackingConsent | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                open_tracking_type_0 = OpenTrackingConsent.from_dict(data)

                return open_tracking_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OpenTrackingConsent | Unset, data)

        open_tracking = _parse_open_tracking(d.pop("open_tracking", UNSET))

        email_channel = cls(
            marketing=marketing,
            open_tracking=open_tracking,
        )

        email_channel.additional_properties = d
        return email_channel

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
